/*
 * source.c - a zone's source as JSON, checked.
 */
#include "src/daemon/source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/conf/peeraddr.h"
#include "lib/limits.h"
#include "lib/util/err.h"
#include "src/daemon/tsigstore.h"

static int set_file(struct dzone *z, const char *path, bool check, char *why)
{
	if (!path || path[0] != '/') {
		snprintf(why, SOURCE_ERR_SIZE, "a file source needs \"path\": an absolute path");
		return ERR_INVAL;
	}
	if (check && access(path, R_OK) < 0) {
		int e = errno;
		snprintf(why, SOURCE_ERR_SIZE, "cannot read the zone file %s: %s", path,
			strerror(e));
		return -e;
	}
	z->source = DZ_SRC_FILE;
	return (z->source_path = strdup(path)) ? 0 : ERR_NOMEM;
}

static int set_server(struct dzone *z, const char *addr, const char *key, bool check, char *why)
{
	const char *bad = NULL;
	socklen_t len;
	if (!addr || peeraddr_parse(addr, 53, &z->source_sa, &len, &bad) < 0) {
		snprintf(why, SOURCE_ERR_SIZE, "a server source needs \"addr\": IP[:PORT]%s%s",
			bad ? "; " : "", bad ? bad : "");
		return ERR_INVAL;
	}
	if (peeraddr_port(&z->source_sa) == 0) {
		snprintf(why, SOURCE_ERR_SIZE, "the primary's port cannot be 0");
		return ERR_INVAL;
	}
	if (key && (!*key || strlen(key) > LIMIT_NAME_LEN)) {
		snprintf(why, SOURCE_ERR_SIZE, "the TSIG key name must be 1 to %d characters",
			LIMIT_NAME_LEN);
		return ERR_INVAL;
	}
	if (key && check && !tsigstore_find(&z->d->tsig, key)) {
		snprintf(why, SOURCE_ERR_SIZE,
			"no TSIG key named %s (add it with cascade tsig add)", key);
		return ERR_NOTFOUND;
	}
	char text[PEERADDR_MAX + 1];
	peeraddr_format((const struct sockaddr *)&z->source_sa, false, text, sizeof(text));
	z->source = DZ_SRC_SERVER;
	z->source_addr = strdup(text);
	z->source_key = key ? strdup(key) : NULL;
	return z->source_addr && (!key || z->source_key) ? 0 : ERR_NOMEM;
}

int source_set(struct dzone *z, const json_t *src, bool check, char *why)
{
	const char *type = "none", *path = NULL, *addr = NULL, *key = NULL;
	/* "tsig_key": null is no key, as source_json() writes it */
	const json_t *jk = src ? json_object_get(src, "tsig_key") : NULL;
	key = json_is_string(jk) ? json_string_value(jk) : NULL;
	if (src &&
		(json_unpack((json_t *)src, "{s:s, s?:s, s?:s}", "type", &type, "path", &path,
			 "addr", &addr) < 0 ||
			(jk && !json_is_string(jk) && !json_is_null(jk)))) {
		snprintf(why, SOURCE_ERR_SIZE,
			"source must be {\"type\": \"file\", \"path\": ...}, {\"type\": "
			"\"server\", \"addr\": ..., \"tsig_key\": ...} or {\"type\": \"none\"}");
		return ERR_INVAL;
	}
	if (strcmp(type, "none") == 0)
		return 0;
	if (strcmp(type, "file") == 0)
		return set_file(z, path, check, why);
	if (strcmp(type, "server") == 0)
		return set_server(z, addr, key, check, why);
	snprintf(why, SOURCE_ERR_SIZE, "unknown source type '%s' (file, server or none)", type);
	return ERR_INVAL;
}

json_t *source_json(const struct dzone *z)
{
	switch (z->source) {
	case DZ_SRC_FILE:
		return json_pack("{s:s, s:s}", "type", "file", "path", z->source_path);
	case DZ_SRC_SERVER:
		return json_pack("{s:s, s:s, s:s?}", "type", "server", "addr", z->source_addr,
			"tsig_key", z->source_key);
	case DZ_SRC_NONE:
		break;
	}
	return json_pack("{s:s}", "type", "none");
}
