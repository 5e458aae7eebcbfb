/*
 * cmd_daemon.c - the `cascade` verbs that drive the daemon (cascade-spec
 * §8.2): health, info, status, zone ..., policy ..., keyset ... get.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/conf/peeraddr.h"
#include "src/cli/cli.h"
#include "src/cli/client.h"

/* "/zone/<escaped name><rest>" */
static char *zone_path(const char *prefix, const char *name, const char *rest)
{
	char *e = client_escape(name), *out = NULL;
	if (e && asprintf(&out, "%s%s%s", prefix, e, rest) < 0)
		out = NULL;
	free(e);
	return out;
}

/* POSTs to /zone/NAME<rest> and says "<before>NAME<after>" when done. */
static int simple_zone_post(const struct client *c, const char *name, const char *rest,
	const char *before, const char *after)
{
	char *path = zone_path("/zone/", name, rest);
	json_t *j = NULL;
	int rc = path ? client_run(c, "POST", path, NULL, &j) : 1;
	free(path);
	if (rc == 0 && j)
		printf("%s%s%s\n", before, name, after);
	json_decref(j);
	return rc;
}

static int usage_error(const char *text)
{
	fprintf(stderr, "usage: cascade %s\n", text);
	return 2;
}

int cmd_health(const struct client *c, int argc, char **argv)
{
	(void)argc, (void)argv;
	json_t *j = NULL;
	if (client_run(c, "GET", "/health", NULL, &j))
		return 1;
	if (j)
		printf("Ok\n");
	json_decref(j);
	return 0;
}

int cmd_info(const struct client *c, int argc, char **argv)
{
	(void)argc, (void)argv;
	json_t *j = NULL;
	if (client_run(c, "GET", "/info", NULL, &j))
		return 1;
	if (j)
		printf("Cascade daemon version: %s\n",
			json_string_value(json_object_get(j, "version")));
	json_decref(j);
	return 0;
}

static void print_addrs(const char *label, const json_t *a)
{
	printf("%-16s", label);
	size_t i;
	const json_t *v;
	if (json_array_size(a) == 0)
		printf(" (off)");
	json_array_foreach(a, i, v) printf(" %s", json_string_value(v));
	printf("\n");
}

int cmd_status(const struct client *c, int argc, char **argv)
{
	(void)argc, (void)argv;
	json_t *j = NULL;
	if (client_run(c, "GET", "/status", NULL, &j))
		return 1;
	if (!j)
		return 0;
	json_t *srv = json_object_get(j, "servers");
	print_addrs("Loaded review:", json_object_get(srv, "loaded_review"));
	print_addrs("Signed review:", json_object_get(srv, "signed_review"));
	print_addrs("Server:", json_object_get(srv, "publication"));
	json_t *halted = json_object_get(j, "halted_zones"),
	       *signing = json_object_get(j, "signing");
	size_t i;
	json_t *v;
	if (json_array_size(halted)) {
		printf("\nThe following zones are halted:\n");
		json_array_foreach(halted, i, v)
			printf("  %s: %s\n", json_string_value(json_object_get(v, "zone")),
				json_string_value(json_object_get(v, "reason")));
		printf("Use 'cascade zone status ZONE' for what to do next.\n");
	}
	if (json_array_size(signing)) {
		printf("\nSigning now:\n");
		json_array_foreach(signing, i, v)
			printf("  %s\n", json_string_value(json_object_get(v, "zone")));
	}
	json_decref(j);
	return 0;
}

/* --source: an address "IP[:PORT][^KEY]" is a primary (cascade-spec §3.1);
 * anything else is a zone file, made absolute here, where it was named. */
static json_t *source_arg(const struct client *c, const char *source)
{
	char addr[PEERADDR_MAX + 1];
	const char *key = NULL, *why = NULL;
	struct sockaddr_storage sa;
	socklen_t len;
	if (peeraddr_split(source, addr, &key, &why) == 0 &&
		peeraddr_parse(addr, 53, &sa, &len, &why) == 0)
		return json_pack(
			"{s:s, s:s, s:s?}", "type", "server", "addr", addr, "tsig_key", key);
	char real[PATH_MAX];
	if (!realpath(source, real)) {
		client_fail(c, "NoSourceFile", "the zone file %s: %s", source, strerror(errno));
		return NULL;
	}
	return json_pack("{s:s, s:s}", "type", "file", "path", real);
}

static int zone_add(const struct client *c, int argc, char **argv)
{
	const char *source = NULL, *policy = NULL, *name = NULL;
	json_t *imports = json_array();
	static const struct {
		const char *flag, *role;
	} flags[] = {{"--import-public-key", "public"}, {"--import-ksk-file", "ksk"},
		{"--import-zsk-file", "zsk"}, {"--import-csk-file", "csk"}};
	for (int i = 0; i < argc; i++) {
		bool matched = false;
		for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]) && i + 1 < argc; f++) {
			if (strcmp(argv[i], flags[f].flag) != 0)
				continue;
			char real[PATH_MAX];
			/* Referenced by the daemon, so absolute (cascade-spec §5.5). */
			const char *p = realpath(argv[i + 1], real) ? real : argv[i + 1];
			json_array_append_new(
				imports, json_pack("{s:s, s:s}", "role", flags[f].role, "path", p));
			matched = true;
			i++;
		}
		if (matched)
			continue;
		if (strcmp(argv[i], "--source") == 0 && i + 1 < argc)
			source = argv[++i];
		else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc)
			policy = argv[++i];
		else if (argv[i][0] != '-' && !name)
			name = argv[i];
		else {
			json_decref(imports);
			return usage_error(
				"zone add --source PATH|IP[:PORT][^KEY] --policy NAME "
				"[--import-{public-key,ksk-file,zsk-file,csk-file} PATH] ZONE");
		}
	}
	if (!name || !policy || !source) {
		json_decref(imports);
		return usage_error("zone add --source PATH|IP[:PORT][^KEY] --policy NAME ZONE");
	}
	json_t *src = source_arg(c, source);
	if (!src) {
		json_decref(imports);
		return 1;
	}
	json_t *body = json_pack("{s:s, s:s, s:o, s:o}", "name", name, "policy", policy, "source",
		src, "key_imports", imports);
	json_t *j = NULL;
	if (client_run(c, "POST", "/zone/add", body, &j))
		return 1;
	if (j)
		printf("Zone %s scheduled for loading, use 'cascade zone status %s' to see its "
		       "progress\n",
			name, name);
	json_decref(j);
	return 0;
}

static int zone_list(const struct client *c)
{
	json_t *j = NULL;
	if (client_run(c, "GET", "/zone", NULL, &j))
		return 1;
	if (!j)
		return 0;
	json_t *zones = json_object_get(j, "zones"), *v;
	size_t i;
	if (json_array_size(zones) == 0)
		fprintf(stderr, "No zones to show\n");
	json_array_foreach(zones, i, v) printf("%s\n", json_string_value(v));
	json_decref(j);
	return 0;
}

static int zone_history(const struct client *c, const char *name)
{
	char *path = zone_path("/zone/", name, "/history");
	json_t *j = NULL;
	int rc = path ? client_run(c, "GET", path, NULL, &j) : 1;
	free(path);
	if (rc || !j)
		return rc;
	json_t *h = json_object_get(j, "history"), *e;
	size_t i;
	printf("%-20s  %-10s  %s\n", "Timestamp", "Serial", "Event");
	json_array_foreach(h, i, e)
	{
		time_t t = (time_t)json_integer_value(json_object_get(e, "when"));
		struct tm tm;
		char when[32], serial[16] = "-";
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		json_t *s = json_object_get(e, "serial");
		if (json_is_integer(s))
			snprintf(serial, sizeof(serial), "%lld", (long long)json_integer_value(s));
		printf("%-20s  %-10s  %s\n", when, serial,
			json_string_value(json_object_get(e, "event")));
	}
	json_decref(j);
	return 0;
}

/* --unsigned or --signed among the arguments; the rest in order. */
static int stage_args(int argc, char **argv, const char **stage, const char **pos, int npos)
{
	int n = 0;
	*stage = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--unsigned") == 0 || strcmp(argv[i], "--signed") == 0) {
			if (*stage)
				return -1;
			*stage = argv[i] + 2;
		} else if (n < npos) {
			pos[n++] = argv[i];
		} else {
			return -1;
		}
	}
	return *stage && n == npos ? 0 : -1;
}

static int zone_review(const struct client *c, const char *verb, int argc, char **argv)
{
	const char *stage, *pos[2] = {NULL, NULL};
	if (stage_args(argc, argv, &stage, pos, 2) < 0)
		return usage_error("zone approve|reject --unsigned|--signed ZONE SERIAL");
	char rest[64];
	snprintf(rest, sizeof(rest), "/%s/%s/%s", stage, pos[1], verb);
	if (strspn(pos[1], "0123456789") != strlen(pos[1]) || strlen(pos[1]) > 10)
		return usage_error("zone approve|reject --unsigned|--signed ZONE SERIAL");
	char *path = zone_path("/zone/", pos[0], rest);
	json_t *j = NULL;
	int rc = path ? client_run(c, "POST", path, NULL, &j) : 1;
	free(path);
	if (rc == 0 && j)
		printf("%s %s version %s of zone %s\n",
			strcmp(verb, "approve") == 0 ? "Approved" : "Rejected", stage, pos[1],
			pos[0]);
	json_decref(j);
	return rc;
}

static int zone_override(const struct client *c, int argc, char **argv)
{
	const char *stage, *pos[1] = {NULL};
	if (stage_args(argc, argv, &stage, pos, 1) < 0)
		return usage_error("zone override --unsigned|--signed ZONE");
	char rest[32];
	snprintf(rest, sizeof(rest), "/%s/override", stage);
	return simple_zone_post(c, pos[0], rest, "Rejection of ", " overridden");
}

static int zone_maintenance(const struct client *c, int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[0], "enable") && strcmp(argv[0], "disable")))
		return usage_error("zone maintenance enable|disable ZONE");
	char rest[32];
	snprintf(rest, sizeof(rest), "/maintenance/%s", argv[0]);
	bool on = strcmp(argv[0], "enable") == 0;
	return simple_zone_post(c, argv[1], rest,
		on ? "Maintenance mode enabled for " : "Maintenance mode disabled for ",
		on ? "; 'cascade zone maintenance disable' resumes automatic work" : "");
}

int cmd_zone(const struct client *c, int argc, char **argv)
{
	if (argc < 2)
		return usage_error("zone add|remove|list|status|history|reload|approve|reject|"
				   "override|reset|maintenance ...");
	const char *verb = argv[1];
	int n = argc - 2;
	char **a = argv + 2;
	if (strcmp(verb, "add") == 0)
		return zone_add(c, n, a);
	if (strcmp(verb, "list") == 0)
		return zone_list(c);
	if (strcmp(verb, "status") == 0)
		return cmd_zone_status(c, n, a);
	if (strcmp(verb, "approve") == 0 || strcmp(verb, "reject") == 0)
		return zone_review(c, verb, n, a);
	if (strcmp(verb, "override") == 0)
		return zone_override(c, n, a);
	if (strcmp(verb, "maintenance") == 0)
		return zone_maintenance(c, n, a);
	if (n != 1)
		return usage_error("zone remove|history|reload|reset ZONE");
	if (strcmp(verb, "history") == 0)
		return zone_history(c, a[0]);
	if (strcmp(verb, "remove") == 0)
		return simple_zone_post(c, a[0], "/remove", "Removed zone ", "");
	if (strcmp(verb, "reload") == 0)
		return simple_zone_post(c, a[0], "/reload", "Reload of ", " scheduled");
	if (strcmp(verb, "reset") == 0)
		return simple_zone_post(c, a[0], "/reset", "Zone ", " reset");
	fprintf(stderr, "ERROR: unknown zone command '%s'\n", verb);
	return 2;
}

static int policy_reload(const struct client *c)
{
	json_t *j = NULL;
	if (client_run(c, "POST", "/policy/reload", NULL, &j))
		return 1;
	if (!j)
		return 0;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(j, "changes"), i, v) printf("%-24s %s\n",
		json_string_value(json_array_get(v, 0)), json_string_value(json_array_get(v, 1)));
	json_array_foreach(json_object_get(j, "warnings"), i, v)
		fprintf(stderr, "WARNING: %s\n", json_string_value(v));
	json_decref(j);
	return 0;
}

int cmd_policy(const struct client *c, int argc, char **argv)
{
	json_t *j = NULL;
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		if (client_run(c, "GET", "/policy", NULL, &j))
			return 1;
		if (!j)
			return 0;
		size_t i;
		json_t *v, *list = json_object_get(j, "policies");
		if (json_array_size(list) == 0)
			fprintf(stderr, "No policies to show\n");
		json_array_foreach(list, i, v) printf("%s\n", json_string_value(v));
	} else if (argc == 3 && strcmp(argv[1], "show") == 0) {
		char *path = zone_path("/policy/", argv[2], "");
		int rc = path ? client_run(c, "GET", path, NULL, &j) : 1;
		free(path);
		if (rc || !j)
			return rc;
		printf("# policy %s, used by %zu zone(s)%s\n%s", argv[2],
			json_array_size(json_object_get(j, "zones")),
			json_is_true(json_object_get(j, "file_gone")) ? "; its file is gone" : "",
			json_string_value(json_object_get(j, "text")));
	} else if (argc == 2 && strcmp(argv[1], "reload") == 0) {
		return policy_reload(c);
	} else {
		return usage_error("policy list | show NAME | reload");
	}
	json_decref(j);
	return 0;
}

int cmd_keyset(const struct client *c, int argc, char **argv)
{
	if (argc != 4 || strcmp(argv[2], "get") != 0)
		return usage_error("keyset ZONE get ds|dnskey|cds");
	char *path = zone_path("/key/", argv[1], "/get");
	json_t *j = NULL;
	int rc =
		path ? client_run(c, "POST", path, json_pack("{s:s}", "key_type", argv[3]), &j) : 1;
	free(path);
	if (rc || !j)
		return rc;
	const char *text = json_string_value(json_object_get(j, "text"));
	if (!text || !*text)
		fprintf(stderr, "NOTE: zone %s has no %s records now\n", argv[1], argv[3]);
	else
		printf("%s", text);
	json_decref(j);
	return 0;
}
