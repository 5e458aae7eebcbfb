/* tsigstore.c - the daemon's TSIG keys and their file (see tsigstore.h). */
#include "src/daemon/tsigstore.h"

#include <errno.h>
#include <libknot/dname.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dns/name.h"
#include "lib/util/base.h"
#include "lib/util/buf.h"
#include "lib/util/err.h"
#include "lib/util/fileio.h"
#include "lib/util/log.h"
#include "src/daemon/daemon.h"
#include "src/daemon/dzone.h"
#include "src/daemon/store.h"

#define NAME_TEXT (LIMIT_NAME_LEN * 4 + 1)

static int key_cmp(const struct tsig_key *a, const uint8_t *name)
{
	uint8_t ka[NAME_KEY_MAX], kb[NAME_KEY_MAX];
	size_t la = name_key(a->name, ka), lb = name_key(name, kb);
	return name_key_cmp(ka, la, kb, lb);
}

/* Where the key of that wire name is, or would go: *found says which. */
static size_t position(const struct tsigstore *s, const uint8_t *name, bool *found)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(s->keys[mid], name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

const struct tsig_key *tsigstore_find_wire(const struct tsigstore *s, const uint8_t *name)
{
	bool found;
	size_t at = position(s, name, &found);
	return found ? s->keys[at] : NULL;
}

/* "k", "k." and "K." all name one key. */
static bool parse_name(const char *name, uint8_t *wire)
{
	if (!name[0] || strlen(name) > NAME_TEXT ||
		!knot_dname_from_str(wire, name, LIMIT_NAME_LEN + 1))
		return false;
	name_lower(wire);
	return true;
}

const struct tsig_key *tsigstore_find(const struct tsigstore *s, const char *name)
{
	uint8_t wire[LIMIT_NAME_LEN + 1];
	return parse_name(name, wire) ? tsigstore_find_wire(s, wire) : NULL;
}

const struct tsig_key *tsigstore_lookup(void *ctx, const uint8_t *name)
{
	return tsigstore_find_wire(ctx, name);
}

int tsigstore_add(struct tsigstore *s, const struct tsig_key *k)
{
	bool found;
	size_t at = position(s, k->name, &found);
	if (found)
		return ERR_EXISTS;
	struct tsig_key *copy = malloc(sizeof(*copy));
	struct tsig_key **v = realloc(s->keys, (s->n + 1) * sizeof(*v));
	if (v)
		s->keys = v;
	if (!copy || !v) {
		free(copy);
		return ERR_NOMEM;
	}
	*copy = *k;
	name_lower(copy->name);
	memmove(v + at + 1, v + at, (s->n - at) * sizeof(*v));
	v[at] = copy;
	s->n++;
	return 0;
}

static void free_key(struct tsig_key *k)
{
	if (k)
		tsig_key_wipe(k);
	free(k);
}

int tsigstore_remove(struct tsigstore *s, const char *name)
{
	uint8_t wire[LIMIT_NAME_LEN + 1];
	bool found = false;
	size_t at = parse_name(name, wire) ? position(s, wire, &found) : 0;
	if (!found)
		return ERR_NOTFOUND;
	free_key(s->keys[at]);
	memmove(s->keys + at, s->keys + at + 1, (s->n - at - 1) * sizeof(*s->keys));
	s->n--;
	return 0;
}

void tsigstore_deinit(struct tsigstore *s)
{
	for (size_t i = 0; i < s->n; i++)
		free_key(s->keys[i]);
	free(s->keys);
	free(s->path);
	*s = (struct tsigstore){0};
}

/* ------------------------------------------------------------ reading */

static int fail(char *err, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, TSIGSTORE_ERR_SIZE, fmt, ap);
	va_end(ap);
	return rc;
}

/* Cascade writes the secret as an array of octets: into base64, which
 * tsig_key_make takes. out holds base64_encoded_len(TSIG_SECRET_MAX) + 1. */
static int octets_to_b64(const json_t *a, char *out, size_t cap)
{
	uint8_t raw[TSIG_SECRET_MAX];
	size_t n = json_array_size(a), i;
	const json_t *v;
	if (n > sizeof(raw))
		return ERR_LIMIT;
	json_array_foreach(a, i, v)
	{
		json_int_t o = json_integer_value(v);
		if (!json_is_integer(v) || o < 0 || o > 255) {
			explicit_bzero(raw, sizeof(raw));
			return ERR_SYNTAX;
		}
		raw[i] = (uint8_t)o;
	}
	int rc = base64_encode(raw, n, out, cap, 0);
	explicit_bzero(raw, sizeof(raw));
	return rc < 0 ? rc : 0;
}

/* One "NAME": {"alg": ..., "data": ...} of the map into k. */
static int read_key(const char *name, const json_t *spec, struct tsig_key *k, char *why)
{
	const char *alg = NULL;
	json_t *data = NULL;
	if (!json_is_object(spec) || json_object_size(spec) != 2 ||
		json_unpack((json_t *)spec, "{s:s, s:o}", "alg", &alg, "data", &data) < 0) {
		snprintf(why, TSIG_ERR_SIZE, "must be {\"alg\": ..., \"data\": ...} and no more");
		return ERR_SYNTAX;
	}
	if (json_is_string(data))
		return tsig_key_make(k, name, alg, json_string_value(data), why);
	char b64[(TSIG_SECRET_MAX + 2) / 3 * 4 + 1];
	int rc = json_is_array(data) ? octets_to_b64(data, b64, sizeof(b64)) : ERR_SYNTAX;
	if (rc == 0)
		rc = tsig_key_make(k, name, alg, b64, why);
	else
		snprintf(why, TSIG_ERR_SIZE, "\"data\" must be base64 text or an array of octets");
	explicit_bzero(b64, sizeof(b64));
	return rc;
}

/* The map of the file into s. */
static int read_map(struct tsigstore *s, const json_t *map, char *err)
{
	const char *name;
	json_t *spec;
	json_object_foreach((json_t *)map, name, spec)
	{
		struct tsig_key k;
		char why[TSIG_ERR_SIZE] = "";
		int rc = read_key(name, spec, &k, why);
		if (rc == 0) {
			rc = tsigstore_add(s, &k);
			snprintf(why, sizeof(why), "%s",
				rc == ERR_EXISTS ? "the same name as another key" : err_str(rc));
		}
		tsig_key_wipe(&k);
		if (rc < 0)
			return fail(err, ERR_SYNTAX, "%s: key '%.255s': %s", s->path, name, why);
	}
	return 0;
}

static int parse_file(struct tsigstore *s, struct buf *text, char *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(buf_cstr(text), text->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return fail(err, ERR_SYNTAX, "%s: line %d column %d: %s", s->path, jerr.line,
			jerr.column, jerr.text);
	const char *version = NULL;
	json_t *map = NULL;
	int rc = 0;
	if (!json_is_object(root) || json_object_size(root) != 2 ||
		json_unpack(root, "{s:s, s:o}", "version", &version, "map", &map) < 0 ||
		!json_is_object(map))
		rc = fail(err, ERR_SYNTAX,
			"%s: must be {\"version\": \"v1\", \"map\": {NAME: {\"alg\": ..., "
			"\"data\": ...}}}",
			s->path);
	else if (strcmp(version, "v1") != 0)
		rc = fail(err, ERR_UNSUPP, "%s: version '%.32s' is not v1", s->path, version);
	else
		rc = read_map(s, map, err);
	json_decref(root);
	return rc;
}

int tsigstore_load(struct tsigstore *s, const char *path, char *err)
{
	if (!(s->path = strdup(path)))
		return fail(err, ERR_NOMEM, "out of memory");
	struct buf text;
	buf_init(&text, 0);
	text.secret = true;
	int rc = fileio_read(path, TSIGSTORE_FILE_MAX, &text);
	if (rc == -ENOENT)
		rc = 0;
	else if (rc < 0)
		rc = fail(err, rc, "%s: %s", path,
			rc == ERR_LIMIT ? "larger than 4 MiB" : err_str(rc));
	else
		rc = parse_file(s, &text, err);
	buf_deinit(&text);
	if (rc < 0)
		tsigstore_deinit(s);
	return rc;
}

/* ------------------------------------------------------------ writing */

/* One "NAME": {"alg": "sha256", "data": "..."} into out. */
static int write_key(const struct tsig_key *k, bool first, struct buf *out)
{
	char name[NAME_TEXT];
	tsig_key_name_text(k, name, sizeof(name));
	json_t *jn = json_string(name);
	char *quoted = jn ? json_dumps(jn, JSON_ENCODE_ANY) : NULL;
	json_decref(jn);
	char *secret = tsig_key_secret_b64(k);
	const char *alg = tsig_alg_name(k->alg);
	/* Cascade's names: "sha256" for hmac-sha256 */
	if (strncmp(alg, "hmac-", 5) == 0)
		alg += 5;
	int rc = quoted && secret ? 0 : ERR_NOMEM;
	if (rc == 0)
		rc = buf_printf(out, "%s\n    %s: {\"alg\": \"%s\", \"data\": \"%s\"}",
			first ? "" : ",", quoted, alg, secret);
	free(quoted);
	if (secret) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	return rc;
}

int tsigstore_save(const struct tsigstore *s, char *err)
{
	if (!s->path)
		return fail(err, ERR_INVAL, "no file for the TSIG keys");
	struct buf out;
	buf_init(&out, 0);
	out.secret = true;
	int rc = buf_printf(&out, "{\n  \"version\": \"v1\",\n  \"map\": {");
	for (size_t i = 0; rc == 0 && i < s->n; i++)
		rc = write_key(s->keys[i], i == 0, &out);
	if (rc == 0)
		rc = buf_printf(&out, "%s}\n}\n", s->n ? "\n  " : "");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", s->path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (rc == 0)
			rc = store_mkdirs(dir, 0700);
	}
	if (rc == 0)
		rc = fileio_write_data(s->path, 0600, 0, out.data, out.len);
	buf_deinit(&out);
	if (rc < 0)
		return fail(err, rc, "cannot write %s: %s", s->path, err_str(rc));
	return 0;
}

/* ------------------------------------------------------------- users */

/* Whether one of the peers names the key (wire form). */
static bool peers_use(const struct policy_peers *ps, const uint8_t *key)
{
	for (size_t i = 0; i < ps->n; i++) {
		uint8_t wire[LIMIT_NAME_LEN + 1];
		if (ps->v[i].tsig_key && parse_name(ps->v[i].tsig_key, wire) &&
			name_equal(wire, key))
			return true;
	}
	return false;
}

json_t *tsigstore_users(const struct daemon *d, const char *name)
{
	uint8_t key[LIMIT_NAME_LEN + 1];
	json_t *zones = json_array(), *policies = json_array();
	json_t *out = json_pack("{s:o, s:o}", "zone_names", zones, "policy_names", policies);
	if (!out || !parse_name(name, key))
		return out;
	for (size_t i = 0; i < d->npolicies; i++) {
		const struct policy *p = &d->policies[i]->p;
		if (peers_use(&p->send_notify_to, key) || peers_use(&p->provide_xfr_to, key) ||
			peers_use(&p->publication_nameservers, key))
			json_array_append_new(policies, json_string(p->name));
	}
	/* Zones name keys in their sources (IP^KEY, cascade-spec §3.1). */
	for (size_t i = 0; i < d->nzones; i++) {
		const struct dzone *z = d->zones[i];
		uint8_t wire[LIMIT_NAME_LEN + 1];
		if (z->source_key && parse_name(z->source_key, wire) && name_equal(wire, key))
			json_array_append_new(zones, json_string(z->name));
	}
	return out;
}

int tsigstore_start(struct daemon *d)
{
	char err[TSIGSTORE_ERR_SIZE];
	int rc = tsigstore_load(&d->tsig, d->cfg.tsig_store_path, err);
	if (rc < 0)
		log_critical("cannot read the TSIG key store: %s", err);
	else
		log_debug("%zu TSIG key(s) from %s", d->tsig.n, d->cfg.tsig_store_path);
	return rc;
}
