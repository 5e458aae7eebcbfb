/*
 * routes.c - the control API's routes (cascade-spec §12, with real HTTP
 * status codes and {"error": {"code", "message"}} bodies instead of
 * Cascade's 200-with-Result).
 *
 * A route is a method and a path pattern whose "*" segments are captured;
 * a path that matches with another method gets 405 and an Allow header.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util/err.h"
#include "lib/util/log.h"
#include "src/api/api.h"
#include "src/daemon/keys.h"
#include "src/daemon/pipeline.h"
#include "src/daemon/policies.h"
#include "src/daemon/routes.h"
#include "src/daemon/status.h"
#include "src/daemon/source.h"
#include "src/daemon/store.h"
#include "src/daemon/tsigstore.h"

#define MAX_SEGS 8

struct call {
	struct daemon *d;
	const struct api_req *req;
	struct api_resp *resp;
	const char *arg[MAX_SEGS]; /* the "*" segments, in order */
	json_t *body;		   /* the parsed body, or NULL */
};

typedef void (*route_fn)(struct call *c);

/* The zone named by the first captured segment, or NULL after a 404. */
static struct dzone *zone_arg(struct call *c)
{
	struct dzone *z = dzone_find(c->d, c->arg[0]);
	if (!z)
		api_error(c->resp, 404, "NoSuchZone", "no zone %s", c->arg[0]);
	return z;
}

static void ok(struct call *c, json_t *j)
{
	c->resp->status = 200;
	c->resp->json = j ? j : json_object();
}

static void r_health(struct call *c)
{
	ok(c, json_pack("{s:b}", "healthy", 1));
}

static void r_info(struct call *c)
{
	ok(c, json_pack("{s:s}", "version", CASCADE_VERSION));
}

static void r_status(struct call *c)
{
	ok(c, status_json(c->d));
}

static void r_metrics(struct call *c)
{
	c->resp->text = status_metrics(c->d);
	c->resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	if (!c->resp->text)
		api_error(c->resp, 500, "Internal", "out of memory");
}

static void r_zone_list(struct call *c)
{
	json_t *a = json_array();
	for (size_t i = 0; i < c->d->nzones; i++)
		json_array_append_new(a, json_string(c->d->zones[i]->name));
	ok(c, json_pack("{s:o}", "zones", a));
}

static void r_zone_status(struct call *c)
{
	struct dzone *z = zone_arg(c);
	if (z)
		ok(c, status_zone_json(z));
}

static void r_zone_history(struct call *c)
{
	struct dzone *z = zone_arg(c);
	if (z)
		ok(c, status_history_json(z));
}

static void r_zone_reload(struct call *c)
{
	struct dzone *z = zone_arg(c);
	if (!z)
		return;
	if (z->source == DZ_SRC_NONE) {
		api_error(c->resp, 409, "ZoneWithoutSource", "zone %s has no source to load from",
			z->name);
		return;
	}
	if (dzone_halted(z)) {
		api_error(c->resp, 409, "ZoneHalted", "zone %s is halted: %s", z->name,
			z->halt_reason ? z->halt_reason : dzone_state_name(z->state));
		return;
	}
	bool now = z->state == DZ_IDLE && !z->maintenance;
	if (z->source == DZ_SRC_SERVER) /* a reload is a full AXFR (cascade-spec §3.3) */
		source_xfr_force_axfr(z);
	dzone_request_load(z);
	ok(c, json_pack("{s:s, s:s}", "name", z->name, "status", now ? "Loading" : "Queued"));
}

/* approve|reject of /zone/NAME/STAGE/SERIAL/VERB */
static void r_zone_review(struct call *c)
{
	struct dzone *z = zone_arg(c);
	if (!z)
		return;
	bool is_signed = strcmp(c->arg[1], "signed") == 0;
	char *end;
	errno = 0;
	unsigned long serial = strtoul(c->arg[2], &end, 10);
	if (*c->arg[2] == '\0' || *end || errno || serial > UINT32_MAX) {
		api_error(c->resp, 400, "BadRequest", "'%s' is not a serial", c->arg[2]);
		return;
	}
	char why[256];
	bool approve = strcmp(c->arg[3], "approve") == 0;
	if (dzone_review(z, is_signed, (uint32_t)serial, approve, why) < 0)
		api_error(c->resp, 409, "NotUnderReview", "%s", why);
	else
		ok(c, NULL);
}

static void r_zone_override(struct call *c)
{
	struct dzone *z = zone_arg(c);
	char why[256];
	if (z && dzone_override(z, strcmp(c->arg[1], "signed") == 0, why) < 0)
		api_error(c->resp, 409, "NotRejected", "%s", why);
	else if (z)
		ok(c, NULL);
}

static void r_zone_reset(struct call *c)
{
	struct dzone *z = zone_arg(c);
	char why[256];
	if (z && dzone_reset(z, why) < 0)
		api_error(c->resp, 409, "NotHalted", "%s", why);
	else if (z)
		ok(c, NULL);
}

static void r_zone_maintenance(struct call *c)
{
	struct dzone *z = zone_arg(c);
	if (!z)
		return;
	bool enable = strcmp(c->arg[1], "enable") == 0;
	if (z->maintenance == enable) {
		api_error(c->resp, 409, "AlreadyInThatState",
			"maintenance mode of %s is already %s", z->name,
			enable ? "enabled" : "disabled");
		return;
	}
	z->maintenance = enable;
	dzone_event(z, -1, "Maintenance mode %s", enable ? "enabled" : "disabled");
	dzone_kick(z);
	ok(c, NULL);
}

static void r_zone_remove(struct call *c)
{
	struct dzone *z = zone_arg(c);
	if (!z)
		return;
	/* A refresh from a primary is network I/O that dzone_free() cancels; a
	 * job on the thread pool cannot be. */
	bool refreshing = z->state == DZ_LOADING && z->source == DZ_SRC_SERVER;
	if ((dzone_working(z) && !refreshing) || z->file_writing) {
		api_error(c->resp, 409, "ZoneBusy", "zone %s is %s; remove it when that is done",
			z->name,
			z->file_writing ? "writing its signed zone file"
					: dzone_state_name(z->state));
		return;
	}
	/* The state stops naming the zone before its files go: a crash in
	 * between leaves files nobody names, never a zone without its files. */
	dzone_event(z, -1, "Zone removed");
	dzone_unlink(z);
	daemon_save_state(c->d);
	store_delete_all(z);
	keys_archive(z);
	dzone_free(z);
	ok(c, NULL);
}

static void r_policy_list(struct call *c)
{
	json_t *a = json_array();
	for (size_t i = 0; i < c->d->npolicies; i++)
		json_array_append_new(a, json_string(c->d->policies[i]->p.name));
	ok(c, json_pack("{s:o}", "policies", a));
}

static void r_policy_show(struct call *c)
{
	struct dpolicy *dp = daemon_policy(c->d, c->arg[0]);
	if (!dp) {
		api_error(c->resp, 404, "NoSuchPolicy", "no policy %s", c->arg[0]);
		return;
	}
	ok(c, status_policy_json(c->d, dp));
}

static void r_policy_reload(struct call *c)
{
	json_t *report;
	char err[POLICIES_ERR_SIZE];
	if (policies_reload(c->d, &report, err) < 0) {
		api_error(c->resp, 400, "BadPolicy", "%s", err);
		return;
	}
	daemon_save_state(c->d);
	ok(c, report);
}

static void r_key_get(struct call *c)
{
	struct dzone *z = zone_arg(c);
	const char *type = NULL;
	if (!z)
		return;
	if (!c->body || json_unpack(c->body, "{s:s}", "key_type", &type) < 0) {
		api_error(c->resp, 400, "BadRequest",
			"the body must be {\"key_type\": "
			"\"DS\"|\"DNSKEY\"|\"CDS\"}");
		return;
	}
	struct dpolicy *dp = daemon_policy(c->d, z->policy);
	struct buf out;
	buf_init(&out, 0);
	int rc = dp ? keys_rrset_text(z, &dp->p, type, &out) : ERR_NOTFOUND;
	if (rc == ERR_INVAL)
		api_error(c->resp, 400, "BadRequest", "key_type must be DS, DNSKEY or CDS, not %s",
			type);
	else if (rc < 0)
		api_error(c->resp, 500, "Internal", "%s", err_str(rc));
	else
		ok(c, json_pack("{s:s}", "text", out.len ? buf_cstr(&out) : ""));
	buf_deinit(&out);
}

static const struct {
	const char *name;
	enum keys_role role;
} import_roles[] = {
	{"ksk", KEYS_KSK},
	{"zsk", KEYS_ZSK},
	{"csk", KEYS_CSK},
	{"public", KEYS_PUBLIC},
};

/* Imports the key files of the request; fills why on failure. */
static int zone_imports(struct dzone *z, const json_t *imports, char *why)
{
	size_t i;
	const json_t *e;
	json_array_foreach(imports, i, e)
	{
		const char *role, *path;
		if (json_unpack((json_t *)e, "{s:s, s:s}", "role", &role, "path", &path) < 0) {
			snprintf(why, KEYS_ERR_SIZE, "key_imports[%zu] needs a role and a path", i);
			return ERR_INVAL;
		}
		size_t r = 0;
		while (r < sizeof(import_roles) / sizeof(import_roles[0]) &&
			strcmp(import_roles[r].name, role) != 0)
			r++;
		if (r == sizeof(import_roles) / sizeof(import_roles[0])) {
			snprintf(why, KEYS_ERR_SIZE,
				"key_imports[%zu]: role '%s' is not ksk, zsk, csk or public", i,
				role);
			return ERR_INVAL;
		}
		/* Referenced for as long as the zone lives, so not relative to
		 * wherever the daemon happens to run. */
		if (path[0] != '/') {
			snprintf(why, KEYS_ERR_SIZE,
				"key_imports[%zu]: '%s' is not an absolute path", i, path);
			return ERR_INVAL;
		}
		int rc = keys_import(z, import_roles[r].role, path, why);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Keys for a new zone: the imported ones, and new ones as the policy says
 * when no imported key signs (cascade-spec §5.5). */
/* What zone_keys returns when making the keys failed on our side. */
#define KEYS_OWN_FAULT (ERR_LAST - 1)

static int zone_keys(struct dzone *z, const struct policy *p, const json_t *imports, char *why)
{
	if (imports && !json_is_array(imports)) {
		snprintf(
			why, KEYS_ERR_SIZE, "key_imports must be an array of {\"role\", \"path\"}");
		return ERR_INVAL;
	}
	int rc = imports ? zone_imports(z, imports, why) : 0;
	if (rc < 0)
		return rc;
	bool ksk = false, zsk = false;
	for (size_t i = 0; i < z->nkeys; i++) {
		ksk |= z->keys[i].ksk && !z->keys[i].public_only;
		zsk |= z->keys[i].zsk && !z->keys[i].public_only;
	}
	/* Failing to make keys is our own fault, not the request's. */
	if (!ksk && !zsk)
		return keys_create(z, p, z->d->cfg.keys_dir, why) < 0 ? KEYS_OWN_FAULT : 0;
	if (!ksk || !zsk) {
		snprintf(why, KEYS_ERR_SIZE, "the imported keys have no %s; import a %s too",
			ksk ? "ZSK" : "KSK", ksk ? "ZSK" : "KSK");
		return ERR_INVAL;
	}
	return 0;
}

/* The policy a new zone may take, or NULL after an error. */
static struct dpolicy *policy_for_new_zone(struct call *c, const char *name)
{
	struct dpolicy *dp = daemon_policy(c->d, name);
	if (!dp) {
		api_error(c->resp, 404, "NoSuchPolicy", "no policy %s (see cascade policy list)",
			name);
		return NULL;
	}
	/* Kept only for the zones that still use it (cascade-spec §8.2). */
	if (dp->file_gone) {
		api_error(c->resp, 409, "PolicyMidDeletion",
			"the file of policy %s is gone; it is kept only for the zones that use it",
			name);
		return NULL;
	}
	return dp;
}

static void r_zone_add(struct call *c)
{
	const char *name, *policy;
	json_t *source = NULL, *imports = NULL;
	if (json_unpack(c->body, "{s:s, s:s, s?:o, s?:o}", "name", &name, "policy", &policy,
		    "source", &source, "key_imports", &imports) < 0) {
		api_error(c->resp, 400, "BadRequest",
			"the body needs \"name\" and \"policy\" (strings), and may have "
			"\"source\" and \"key_imports\"");
		return;
	}
	struct dpolicy *dp = policy_for_new_zone(c, policy);
	if (!dp)
		return;
	struct dzone *z;
	char why[KEYS_ERR_SIZE];
	int rc = dzone_new(c->d, name, &z, why);
	if (rc < 0) {
		api_error(c->resp, rc == ERR_EXISTS ? 409 : 400,
			rc == ERR_EXISTS ? "AlreadyExists" : "BadRequest", "%s", why);
		return;
	}
	store_previous_serial(z);
	rc = (z->policy = strdup(policy)) ? source_set(z, source, true, why) : ERR_NOMEM;
	if (rc == 0)
		rc = zone_keys(z, &dp->p, imports, why);
	if (rc < 0) {
		keys_delete_files(z);
		dzone_unlink(z);
		dzone_free(z);
		bool own = rc == ERR_NOMEM || rc == KEYS_OWN_FAULT;
		api_error(c->resp, own ? 500 : 400,
			own			     ? "Internal"
				: rc == ERR_NOTFOUND ? "NoSuchTsigKey"
						     : "BadRequest",
			"%s", rc == ERR_NOMEM ? "out of memory" : why);
		return;
	}
	dzone_event(z, -1, "Zone added with policy %s", policy);
	daemon_save_state(c->d);
	if (z->source != DZ_SRC_NONE)
		dzone_request_load(z);
	ok(c, json_pack("{s:s, s:s}", "name", z->name, "status", "Submitted"));
}

/* ------------------------------------------------------------ TSIG keys */

static void r_tsig_list(struct call *c)
{
	json_t *info = json_object();
	const struct tsigstore *s = &c->d->tsig;
	for (size_t i = 0; i < s->n; i++) {
		char name[LIMIT_NAME_LEN * 4 + 1];
		tsig_key_name_text(s->keys[i], name, sizeof(name));
		json_t *users = tsigstore_users(c->d, name);
		if (users)
			json_object_set_new(
				users, "algorithm", json_string(tsig_alg_name(s->keys[i]->alg)));
		json_object_set_new(info, name, users ? users : json_null());
	}
	ok(c, json_pack("{s:o}", "tsig_key_info", info));
}

/* The body's key: a 400 saying which part is bad, or 0. */
static int tsig_body_key(struct call *c, struct tsig_key *k)
{
	const char *name, *alg, *secret;
	if (json_unpack(c->body, "{s:s, s:s, s:s}", "name", &name, "alg", &alg, "secret", &secret) <
		0) {
		api_error(c->resp, 400, "BadRequest",
			"the body must be {\"name\", \"alg\", \"secret\"} (strings)");
		return -1;
	}
	char err[TSIG_ERR_SIZE];
	enum tsig_alg a;
	if (tsig_alg_parse(alg, &a) < 0) {
		api_error(c->resp, 400, "UnknownAlgorithm",
			"unknown algorithm '%.64s': use hmac-sha1, hmac-sha224, hmac-sha256, "
			"hmac-sha384 or hmac-sha512",
			alg);
		return -1;
	}
	/* the name with a stand-in secret first, so the error says which part
	 * is bad */
	if (tsig_key_make(k, name, alg, "AA==", err) < 0) {
		api_error(c->resp, 400, "InvalidName", "TSIG key name: %s", err);
		return -1;
	}
	if (tsig_key_make(k, name, alg, secret, err) < 0) {
		api_error(c->resp, 400, "InvalidBase64Secret", "TSIG key %s: %s", name, err);
		return -1;
	}
	return 0;
}

static void r_tsig_add(struct call *c)
{
	struct tsig_key k;
	if (tsig_body_key(c, &k) < 0) {
		tsig_key_wipe(&k);
		return;
	}
	char name[LIMIT_NAME_LEN * 4 + 1], err[TSIGSTORE_ERR_SIZE];
	tsig_key_name_text(&k, name, sizeof(name));
	int rc = tsigstore_add(&c->d->tsig, &k);
	tsig_key_wipe(&k);
	if (rc == ERR_EXISTS) {
		api_error(c->resp, 409, "AlreadyExists", "a TSIG key named %s exists", name);
		return;
	}
	if (rc == 0 && (rc = tsigstore_save(&c->d->tsig, err)) < 0) {
		tsigstore_remove(&c->d->tsig, name); /* memory follows the file */
		log_error("TSIG key %s not added: %s", name, err);
	}
	if (rc < 0) {
		api_error(c->resp, 500, "Internal", "%s", rc == ERR_NOMEM ? "out of memory" : err);
		return;
	}
	log_info("TSIG key %s added", name);
	ok(c, json_pack("{s:s}", "name", name));
}

/* "policy a, b; zone c" from tsigstore_users(), into out (empty: none). */
static int users_text(const json_t *users, struct buf *out)
{
	static const char *const kinds[][3] = {
		{"policy_names", "policy", "policies"}, {"zone_names", "zone", "zones"}};
	int rc = 0;
	for (size_t k = 0; k < 2 && rc == 0; k++) {
		const json_t *a = json_object_get(users, kinds[k][0]), *v;
		size_t i, n = json_array_size(a);
		if (n)
			rc = buf_printf(out, "%s%s", out->len ? "; " : "", kinds[k][n > 1 ? 2 : 1]);
		json_array_foreach(a, i, v)
		{
			if (rc == 0)
				rc = buf_printf(out, "%s%s", i ? ", " : " ", json_string_value(v));
		}
	}
	return rc;
}

static void r_tsig_remove(struct call *c)
{
	const struct tsig_key *found = tsigstore_find(&c->d->tsig, c->arg[0]);
	if (!found) {
		api_error(c->resp, 404, "NotFound", "no TSIG key %s", c->arg[0]);
		return;
	}
	json_t *users = tsigstore_users(c->d, c->arg[0]);
	struct buf text;
	buf_init(&text, 0);
	int rc = users ? users_text(users, &text) : ERR_NOMEM;
	json_decref(users);
	if (rc < 0 || text.len) {
		if (rc < 0)
			api_error(c->resp, 500, "Internal", "out of memory");
		else
			api_error(c->resp, 409, "InUse",
				"TSIG key %s is in use by %s; change "
				"those first",
				c->arg[0], buf_cstr(&text));
		buf_deinit(&text);
		return;
	}
	buf_deinit(&text);
	struct tsig_key copy = *found;
	char err[TSIGSTORE_ERR_SIZE];
	tsigstore_remove(&c->d->tsig, c->arg[0]);
	rc = tsigstore_save(&c->d->tsig, err);
	if (rc < 0) {
		tsigstore_add(&c->d->tsig, &copy); /* memory follows the file */
		log_error("TSIG key %s not removed: %s", c->arg[0], err);
		api_error(c->resp, 500, "Internal", "%s", err);
	} else {
		log_info("TSIG key %s removed", c->arg[0]);
		ok(c, NULL);
	}
	tsig_key_wipe(&copy);
}

static const struct route {
	const char *method;
	const char *path;
	route_fn fn;
	bool body; /* a JSON body is required */
} routes[] = {
	{"GET", "/health", r_health, false},
	{"GET", "/info", r_info, false},
	{"GET", "/status", r_status, false},
	{"GET", "/metrics", r_metrics, false},
	{"GET", "/zone", r_zone_list, false},
	{"POST", "/zone/add", r_zone_add, true},
	{"GET", "/zone/*/status", r_zone_status, false},
	{"GET", "/zone/*/history", r_zone_history, false},
	{"POST", "/zone/*/reload", r_zone_reload, false},
	{"POST", "/zone/*/remove", r_zone_remove, false},
	{"POST", "/zone/*/reset", r_zone_reset, false},
	{"POST", "/zone/*/*/*/*", r_zone_review, false},
	{"POST", "/zone/*/*/override", r_zone_override, false},
	{"POST", "/zone/*/maintenance/*", r_zone_maintenance, false},
	{"GET", "/policy", r_policy_list, false},
	{"GET", "/policy/*", r_policy_show, false},
	{"POST", "/policy/reload", r_policy_reload, false},
	{"POST", "/key/*/get", r_key_get, true},
	{"GET", "/tsig", r_tsig_list, false},
	{"POST", "/tsig/add", r_tsig_add, true},
	{"POST", "/tsig/*/remove", r_tsig_remove, false},
};

/* Splits "/a/b/c/" in place into at most MAX_SEGS segments (empty ones,
 * as from a trailing slash, are skipped); more gives MAX_SEGS + 1. */
static size_t split(char *path, char **seg)
{
	size_t n = 0;
	for (char *p = path; *p;) {
		while (*p == '/')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == MAX_SEGS)
			return MAX_SEGS + 1;
		seg[n++] = p;
		while (*p && *p != '/')
			p++;
	}
	return n;
}

static int hex_value(char c)
{
	return c >= '0' && c <= '9'    ? c - '0'
		: c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10
				       : -1;
}

/* Decodes a segment's %-escapes in place (the API server leaves them, see
 * api.c). False for a broken escape or an escaped NUL, which no zone or
 * policy name can hold and which would cut the segment short. */
static bool unescape(char *s)
{
	char *o = s;
	for (const char *p = s; *p; p++) {
		if (*p != '%') {
			*o++ = *p;
			continue;
		}
		int hi = hex_value(p[1]), lo = hi < 0 ? -1 : hex_value(p[2]);
		if (lo < 0 || (hi == 0 && lo == 0))
			return false;
		*o++ = (char)(hi << 4 | lo);
		p += 2;
	}
	*o = '\0';
	return true;
}

/* Whether the route's pattern matches the path's segments; fills args. */
static bool match(const char *pattern, char **seg, size_t n, const char **args)
{
	char pat[64], *ps[MAX_SEGS];
	snprintf(pat, sizeof(pat), "%s", pattern);
	if (split(pat, ps) != n)
		return false;
	size_t a = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ps[i], "*") == 0)
			args[a++] = seg[i];
		else if (strcmp(ps[i], seg[i]) != 0)
			return false;
	}
	return true;
}

/* Stage and verb segments that the wildcard routes take. */
static bool args_valid(const struct route *r, const char **args)
{
	if (r->fn == r_zone_review)
		return (!strcmp(args[1], "signed") || !strcmp(args[1], "unsigned")) &&
			(!strcmp(args[3], "approve") || !strcmp(args[3], "reject"));
	if (r->fn == r_zone_override)
		return !strcmp(args[1], "signed") || !strcmp(args[1], "unsigned");
	if (r->fn == r_zone_maintenance)
		return !strcmp(args[1], "enable") || !strcmp(args[1], "disable");
	return true;
}

/* The request's path split into decoded segments (in path, of size size);
 * -1 after an error answer. */
static int path_segments(const struct api_req *req, char *path, size_t size, char **seg, size_t *n,
	struct api_resp *resp)
{
	size_t len = strlen(req->path);
	if (len >= size) { /* cut, it could match a shorter path */
		api_error(resp, 404, "NotFound", "no such API path (%zu octets long)", len);
		return -1;
	}
	memcpy(path, req->path, len + 1);
	*n = split(path, seg);
	for (size_t i = 0; i < *n && i < MAX_SEGS; i++) {
		if (!unescape(seg[i])) {
			api_error(resp, 400, "BadRequest",
				"the path %s has a broken %%-escape or an escaped NUL", req->path);
			return -1;
		}
	}
	return 0;
}

void routes_handle(void *ctx, const struct api_req *req, struct api_resp *resp)
{
	char path[1024], *seg[MAX_SEGS];
	size_t n;
	if (path_segments(req, path, sizeof(path), seg, &n, resp) < 0)
		return;
	struct call c = {.d = ctx, .req = req, .resp = resp};
	const struct route *found = NULL;
	bool other_method = false;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]) && !found; i++) {
		const char *args[MAX_SEGS] = {0};
		if (!match(routes[i].path, seg, n, args) || !args_valid(&routes[i], args))
			continue;
		if (strcmp(routes[i].method, req->method) != 0) {
			other_method = true;
			resp->allow = routes[i].method;
			continue;
		}
		found = &routes[i];
		memcpy(c.arg, args, sizeof(args));
	}
	if (!found) {
		if (other_method)
			api_error(resp, 405, "MethodNotAllowed", "%s is not allowed on %s",
				req->method, req->path);
		else
			api_error(resp, 404, "NotFound", "no such API path: %s", req->path);
		log_debug("API: %s %s: %u", req->method, req->path, resp->status);
		return;
	}
	resp->allow = NULL;
	if (found->body || req->body_len) {
		json_error_t jerr;
		c.body = json_loadb(req->body, req->body_len, 0, &jerr);
		if (!c.body && found->body) {
			api_error(resp, 400, "BadJson",
				"the body is not JSON: line %d column %d: %s", jerr.line,
				jerr.column, jerr.text);
			return;
		}
	}
	found->fn(&c);
	json_decref(c.body);
	log_debug("API: %s %s: %u", req->method, req->path, resp->status);
}
