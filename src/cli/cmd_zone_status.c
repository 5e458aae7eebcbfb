/*
 * cmd_zone_status.c - `cascade zone status [--detailed] ZONE`: where the zone
 * is in its pipeline, as a checklist, with what the operator can do next
 * (cascade-spec §8.2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/cli/cli.h"
#include "src/cli/client.h"

enum step_mark { DONE, RUNNING, WAITING, PENDING, FAILED };

/* The pipeline's steps and, per state, how far the zone got. */
static const char *const steps[] = {"load", "review loaded zone", "persist loaded zone", "sign",
	"review signed zone", "persist signed zone", "publish"};
#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

static const struct {
	const char *state;
	int step;	     /* the step the state is at; -1: none running */
	enum step_mark mark; /* how that step is shown */
} states[] = {
	{"idle", -1, DONE},
	{"restoring", -1, RUNNING},
	{"loading", 0, RUNNING},
	{"waiting for loaded review", 1, WAITING},
	{"halted after loaded review", 1, FAILED},
	{"persisting loaded zone", 2, RUNNING},
	{"signing", 3, RUNNING},
	{"signing failed", 3, FAILED},
	{"waiting for signed review", 4, WAITING},
	{"halted after signed review", 4, FAILED},
	{"persisting signed zone", 5, RUNNING},
};

static const char *mark_text(enum step_mark m, bool color)
{
	static const char *const plain[] = {"✔", "●", "■", "○", "⨯"};
	static const char *const colored[] = {"\033[32m✔\033[0m", "\033[33m●\033[0m",
		"\033[34m■\033[0m", "○", "\033[31m⨯\033[0m"};
	return color ? colored[m] : plain[m];
}

static const char *str(const json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));
	return s ? s : "";
}

static void print_time(const char *label, json_int_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char text[32];
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
	printf("%s%s", label, text);
}

static void print_list(const json_t *a)
{
	size_t i;
	const json_t *v;
	json_array_foreach(a, i, v) printf("%s%s", i ? ", " : "", json_string_value(v));
	if (json_array_size(a) == 0)
		printf("(no server)");
}

static void print_steps(const struct client *c, const json_t *z)
{
	const char *state = str(z, "state");
	int at = -1;
	enum step_mark m = DONE;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(states[i].state, state) == 0) {
			at = states[i].step;
			m = states[i].mark;
		}
	for (size_t i = 0; at >= 0 && i < NSTEPS; i++) {
		enum step_mark s = (int)i < at ? DONE : (int)i == at ? m : PENDING;
		printf("  %s %s\n", mark_text(s, c->color), steps[i]);
	}
}

/* What the operator can do now. */
static void print_next(const struct client *c, const json_t *z, const char *name)
{
	const char *state = str(z, "state");
	const char *hint = c->color ? "\033[34m" : "", *end = c->color ? "\033[0m" : "";
	json_t *us = json_object_get(z, "unsigned_under_review");
	json_t *ss = json_object_get(z, "signed_under_review");
	if (strcmp(state, "waiting for loaded review") == 0 && json_is_integer(us)) {
		printf("%sUnsigned version %lld is served for review at ", hint,
			(long long)json_integer_value(us));
		print_list(json_object_get(json_object_get(z, "unsigned_review"), "addrs"));
		printf(".\nDecide with: cascade zone approve|reject --unsigned %s %lld%s\n", name,
			(long long)json_integer_value(us), end);
	} else if (strcmp(state, "waiting for signed review") == 0 && json_is_integer(ss)) {
		printf("%sSigned version %lld is served for review at ", hint,
			(long long)json_integer_value(ss));
		print_list(json_object_get(json_object_get(z, "signed_review"), "addrs"));
		printf(".\nDecide with: cascade zone approve|reject --signed %s %lld%s\n", name,
			(long long)json_integer_value(ss), end);
	} else if (strncmp(state, "halted", 6) == 0) {
		const char *stage = strstr(state, "signed") ? "signed" : "unsigned";
		printf("%sHalted: %s\nNext: 'cascade zone override --%s %s' to accept the rejected "
		       "version anyway,\n  or 'cascade zone reset %s' to drop it and go back to "
		       "idle.%s\n",
			hint, str(z, "halt_reason"), stage, name, name, end);
	} else if (strcmp(state, "signing failed") == 0) {
		printf("%sHalted: %s\nNext: fix the cause, then 'cascade zone reset %s'.%s\n", hint,
			str(z, "halt_reason"), name, end);
	}
}

static void print_keys(const json_t *keys)
{
	size_t i;
	const json_t *k;
	printf("DNSSEC keys:\n");
	json_array_foreach(keys, i, k)
	{
		printf("  %-6s tag %-5lld %-16s %s%s%s\n", str(k, "type"),
			(long long)json_integer_value(json_object_get(k, "tag")),
			str(k, "algorithm"), str(k, "path"),
			json_is_true(json_object_get(k, "imported")) ? " (imported)" : "",
			json_is_true(json_object_get(k, "signing")) ? ", signing" : "");
	}
}

static long long num(const json_t *j, const char *key)
{
	return (long long)json_integer_value(json_object_get(j, key));
}

/* A zone from a primary: its timers, last contact, expiry and transfers. */
static void print_primary(const json_t *p)
{
	if (!json_is_object(p))
		return;
	const json_t *t = json_object_get(p, "soa_timers"), *n = json_object_get(p, "transfers");
	printf("primary: %s", str(p, "primary"));
	if (json_is_object(t))
		printf(", SOA refresh %llds, retry %llds, expire %llds", num(t, "refresh"),
			num(t, "retry"), num(t, "expire"));
	if (num(p, "last_ok"))
		print_time(", last reached ", num(p, "last_ok"));
	else
		printf(", not reached yet");
	if (num(p, "next_refresh"))
		print_time(", next refresh ", num(p, "next_refresh"));
	printf("\n");
	if (json_is_object(n))
		printf("  transfers: %lld AXFR, %lld IXFR, %lld up to date, %lld failed; %lld "
		       "NOTIFY received\n",
			num(n, "axfr"), num(n, "ixfr"), num(n, "up_to_date"), num(n, "failed"),
			num(p, "notifies"));
	if (json_is_true(json_object_get(p, "expired")))
		printf("WARNING: the primary has not been reached for longer than its SOA "
		       "EXPIRE; the last good version stays signed and published.\n");
}

/* Who may transfer the zone, and the NOTIFYs sent for it. */
static void print_outbound(const json_t *z)
{
	const json_t *acl = json_object_get(z, "provide_xfr_to");
	printf("transfers allowed to: ");
	if (json_array_size(acl) == 0)
		printf("anyone (provide-xfr-to is empty)\n");
	else {
		print_list(acl);
		printf("\n");
	}
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(z, "notify"), i, v)
		printf("NOTIFY %s: serial %lld, %s (%lld %s)\n", str(v, "target"), num(v, "serial"),
			str(v, "result"), num(v, "tries"), num(v, "tries") == 1 ? "try" : "tries");
}

static void print_zone(const struct client *c, const json_t *z, const char *name, bool detailed)
{
	const json_t *src = json_object_get(z, "source");
	printf("zone:    %s\npolicy:  %s\nsource:  %s%s%s%s%s%s%s\n", str(z, "name"),
		str(z, "policy"), str(src, "type"), *str(src, "path") ? " " : "", str(src, "path"),
		*str(src, "addr") ? " " : "", str(src, "addr"),
		*str(src, "tsig_key") ? ", TSIG key " : "", str(src, "tsig_key"));
	print_primary(json_object_get(z, "primary"));
	printf("review:  unsigned %s, signed %s\n",
		str(json_object_get(z, "unsigned_review"), "mode"),
		str(json_object_get(z, "signed_review"), "mode"));
	const json_t *pub = json_object_get(z, "published");
	if (json_is_object(pub)) {
		printf("last published: serial %lld (loaded serial %lld), %lld records, ",
			(long long)json_integer_value(json_object_get(pub, "serial")),
			(long long)json_integer_value(json_object_get(pub, "loaded_serial")),
			(long long)json_integer_value(json_object_get(pub, "records")));
		print_time("at ", json_integer_value(json_object_get(pub, "at")));
		printf("\n");
	} else {
		printf("last published: never\n");
	}
	printf("status:  %s%s\n", str(z, "state"),
		json_is_true(json_object_get(z, "maintenance")) ? " (maintenance mode)" : "");
	/* Asked for but not started: the zone is busy, halted or in
	 * maintenance; it runs when the zone is idle again. */
	bool load = json_is_true(json_object_get(z, "pending_load"));
	bool resign = json_is_true(json_object_get(z, "pending_resign"));
	if (load || resign)
		printf("pending: %s%s%s\n", load ? "load" : "", load && resign ? ", " : "",
			resign ? "re-sign" : "");
	print_steps(c, z);
	print_next(c, z, name);
	if (json_is_object(pub)) {
		printf("Published zone available at: ");
		print_list(json_object_get(z, "publish_addrs"));
		printf("\n");
	}
	print_outbound(z);
	if (*str(z, "last_error"))
		printf("Last error: %s\n  (see 'cascade zone history %s')\n", str(z, "last_error"),
			name);
	if (json_is_true(json_object_get(z, "maintenance")))
		printf("WARNING: maintenance mode: nothing is loaded or signed automatically; "
		       "'cascade zone maintenance disable %s' resumes.\n",
			name);
	if (detailed)
		print_keys(json_object_get(z, "keys"));
}

int cmd_zone_status(const struct client *c, int argc, char **argv)
{
	bool detailed = false;
	const char *name = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--detailed") == 0)
			detailed = true;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else
			name = NULL, i = argc;
	}
	if (!name) {
		fprintf(stderr, "usage: cascade zone status [--detailed] ZONE\n");
		return 2;
	}
	char *e = client_escape(name), *path = NULL;
	if (!e || asprintf(&path, "/zone/%s/status", e) < 0)
		path = NULL;
	free(e);
	json_t *j = NULL;
	int rc = path ? client_call(c, "GET", path, NULL, &j) : 1;
	free(path);
	if (rc)
		return 1;
	if (c->json)
		client_print_json(j);
	else
		print_zone(c, j, name, detailed);
	json_decref(j);
	return 0;
}
