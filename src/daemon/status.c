/*
 * status.c - the API's reports (status.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dnssec/key.h"
#include "lib/util/buf.h"
#include "src/daemon/policies.h"
#include "src/daemon/status.h"
#include "src/daemon/servers.h"
#include "src/daemon/source.h"
#include "src/daemon/store.h"
#include "src/publish/dnssrv.h"

static json_t *addrs_json(const struct dnssrv *srv)
{
	json_t *a = json_array();
	struct sockspec s[16];
	size_t n = srv ? dnssrv_addrs(srv, s, 16) : 0;
	for (size_t i = 0; i < n; i++) {
		char text[SOCKSPEC_TEXT_SIZE];
		sockspec_format(&s[i], text, sizeof(text));
		json_array_append_new(a, json_string(text));
	}
	return a;
}

json_t *status_json(struct daemon *d)
{
	json_t *halt = json_array(), *signing = json_array();
	for (size_t i = 0; i < d->nzones; i++) {
		const struct dzone *z = d->zones[i];
		if (dzone_halted(z))
			json_array_append_new(halt,
				json_pack("{s:s, s:s}", "zone", z->name, "reason",
					z->halt_reason ? z->halt_reason
						       : dzone_state_name(z->state)));
		if (z->state == DZ_SIGNING)
			json_array_append_new(signing,
				json_pack("{s:s, s:I}", "zone", z->name, "since",
					(json_int_t)z->sign_started));
	}
	return json_pack("{s:s, s:I, s:i, s:o, s:o, s:{s:o, s:o, s:o}}", "version", CASCADE_VERSION,
		"started", (json_int_t)d->started, "zones", (int)d->nzones, "halted_zones", halt,
		"signing", signing, "servers", "loaded_review", addrs_json(d->loaded_srv),
		"signed_review", addrs_json(d->signed_srv), "publication",
		addrs_json(d->publish_srv));
}

static json_t *serial_or_null(const struct zone *v)
{
	return v ? json_integer(v->serial) : json_null();
}

static json_t *keys_json(const struct dzone *z)
{
	json_t *a = json_array();
	for (size_t i = 0; i < z->nkeys; i++) {
		const struct dzone_key *k = &z->keys[i];
		const char *type = k->public_only ? "public"
			: k->ksk && k->zsk	  ? "CSK"
			: k->ksk		  ? "KSK"
						  : "ZSK";
		json_array_append_new(a,
			json_pack("{s:s, s:o, s:o, s:s, s:b, s:b}", "type", type, "tag",
				k->key ? json_integer(k->key->tag) : json_null(), "algorithm",
				k->key ? json_string(key_alg_name(k->key->algorithm)) : json_null(),
				"path", k->path, "imported", k->imported, "signing",
				!k->public_only && k->key && k->key->has_private));
	}
	return a;
}

static json_t *review_json(struct daemon *d, const char *policy, bool is_signed)
{
	struct dpolicy *dp = daemon_policy(d, policy);
	const struct policy_review *r = !dp ? NULL
		: is_signed		    ? &dp->p.signer_review
					    : &dp->p.loader_review;
	static const char *const modes[] = {"off", "manual", "script"};
	return json_pack("{s:s, s:s?, s:s, s:o}", "mode", r ? modes[r->mode] : "off", "hook",
		r ? r->hook : NULL, "on_reject",
		r && r->on_reject == POLICY_REJECT_HALT ? "halt" : "discard", "addrs",
		addrs_json(is_signed ? d->signed_srv : d->loaded_srv));
}

/* provide-xfr-to as written ("PREFIX[^KEY]"); empty: anyone may transfer. */
static json_t *xfr_acl_json(const struct dzone *z)
{
	const struct dpolicy *dp = daemon_policy(z->d, z->policy);
	json_t *a = json_array();
	for (size_t i = 0; dp && i < dp->p.provide_xfr_to.n; i++) {
		const struct policy_peer *p = &dp->p.provide_xfr_to.v[i];
		char text[600];
		snprintf(text, sizeof(text), "%s%s%s", p->addr, p->tsig_key ? "^" : "",
			p->tsig_key ? p->tsig_key : "");
		json_array_append_new(a, json_string(text));
	}
	return a;
}

json_t *status_zone_json(const struct dzone *z)
{
	json_t *src = source_json(z);
	json_t *pub = z->published
		? json_pack("{s:I, s:I, s:I, s:o}", "serial", (json_int_t)z->published->serial,
			  "records", (json_int_t)z->published->rrs, "at",
			  (json_int_t)z->published_at, "loaded_serial", serial_or_null(z->loaded))
		: json_null();
	return json_pack("{s:s, s:s?, s:o, s:s, s:b, s:s?, s:s?, s:o, s:o, s:o, s:o, s:o, s:o, "
			 "s:b, s:b, s:f, s:f, s:I, s:o, s:o, s:o, s:o}",
		"name", z->name, "policy", z->policy, "source", src, "state",
		dzone_state_name(z->state), "maintenance", z->maintenance, "halt_reason",
		z->halt_reason, "last_error", z->last_error, "published", pub,
		"unsigned_under_review", serial_or_null(z->up_loaded), "signed_under_review",
		serial_or_null(z->up_signed), "unsigned_review",
		review_json(z->d, z->policy, false), "signed_review",
		review_json(z->d, z->policy, true), "publish_addrs", addrs_json(z->d->publish_srv),
		"pending_load", z->pending_load, "pending_resign", z->pending_resign,
		"last_load_seconds", z->last_load_secs, "last_sign_seconds", z->last_sign_secs,
		"signatures_expire_after", (json_int_t)(z->has_prev ? z->prev_earliest : 0), "keys",
		keys_json(z), "primary", source_xfr_json(z), "notify", servers_notify_json(z),
		"provide_xfr_to", xfr_acl_json(z));
}

json_t *status_history_json(const struct dzone *z)
{
	return json_pack("{s:s, s:o}", "name", z->name, "history", store_history_json(z));
}

json_t *status_policy_json(struct daemon *d, const struct dpolicy *dp)
{
	struct buf text;
	buf_init(&text, 0);
	policy_format(&dp->p, &text);
	json_t *zones = json_array();
	for (size_t i = 0; i < d->nzones; i++)
		if (d->zones[i]->policy && strcmp(d->zones[i]->policy, dp->p.name) == 0)
			json_array_append_new(zones, json_string(d->zones[i]->name));
	json_t *j = json_pack("{s:s, s:s, s:o, s:b}", "name", dp->p.name, "text",
		text.len ? buf_cstr(&text) : "", "zones", zones, "file_gone", dp->file_gone);
	buf_deinit(&text);
	return j;
}

/* A zone name as a Prometheus label value: '\' and '"' escaped. */
static void label(struct buf *b, const char *name)
{
	for (const char *p = name; *p; p++) {
		if (*p == '\\' || *p == '"')
			buf_append_byte(b, '\\');
		buf_append_byte(b, (uint8_t)*p);
	}
}

/* Counts and serials are written as integers: "%g" would round a serial
 * such as 2024010100 to 2.02401e+09. */
static void zone_gauge(struct buf *b, struct daemon *d, const char *metric, const char *help,
	double (*value)(const struct dzone *z), bool integer)
{
	buf_printf(b, "# HELP cascade_%s %s\n# TYPE cascade_%s gauge\n", metric, help, metric);
	for (size_t i = 0; i < d->nzones; i++) {
		double v = value(d->zones[i]);
		buf_printf(b, "cascade_%s{zone=\"", metric);
		label(b, d->zones[i]->name);
		if (integer)
			buf_printf(b, "\"} %llu\n", (unsigned long long)v);
		else
			buf_printf(b, "\"} %.6g\n", v);
	}
}

static double v_load(const struct dzone *z)
{
	return z->last_load_secs;
}
static double v_sign(const struct dzone *z)
{
	return z->last_sign_secs;
}
static double v_loaded_rrs(const struct dzone *z)
{
	return (double)z->last_load_rrs;
}
static double v_published_rrs(const struct dzone *z)
{
	return z->published ? (double)z->published->rrs : 0;
}
static double v_serial(const struct dzone *z)
{
	return z->published ? (double)z->published->serial : 0;
}

static double v_expired(const struct dzone *z)
{
	return source_xfr_expired(z) ? 1 : 0;
}
static double v_last_ok(const struct dzone *z)
{
	return (double)source_xfr_last_ok(z);
}

char *status_metrics(struct daemon *d)
{
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b,
		"# HELP cascade_build_info The daemon's version.\n"
		"# TYPE cascade_build_info gauge\ncascade_build_info{version=\"%s\"} 1\n",
		CASCADE_VERSION);
	buf_printf(
		&b, "# HELP cascade_zones Zones by pipeline state.\n# TYPE cascade_zones gauge\n");
	for (int s = DZ_IDLE; s <= DZ_PERSIST_SIGNED; s++) {
		size_t n = 0;
		for (size_t i = 0; i < d->nzones; i++)
			n += d->zones[i]->state == (enum dzone_state)s;
		buf_printf(&b, "cascade_zones{state=\"%s\"} %zu\n", dzone_state_name(s), n);
	}
	zone_gauge(&b, d, "zone_last_load_duration_seconds", "Time the last load took.", v_load,
		false);
	zone_gauge(&b, d, "zone_last_sign_duration_seconds", "Time the last signing took.", v_sign,
		false);
	zone_gauge(&b, d, "zone_loaded_records", "Records in the last version loaded.",
		v_loaded_rrs, true);
	zone_gauge(&b, d, "zone_published_records", "Records in the published version.",
		v_published_rrs, true);
	zone_gauge(&b, d, "zone_published_serial", "SOA serial of the published version.", v_serial,
		true);
	zone_gauge(&b, d, "zone_primary_expired",
		"1 when the zone's primary has not been reached for longer than its SOA EXPIRE.",
		v_expired, true);
	zone_gauge(&b, d, "zone_primary_last_reached_timestamp_seconds",
		"When a refresh last reached the zone's primary (0: never, or no primary).",
		v_last_ok, true);
	buf_printf(&b,
		"# HELP cascade_signatures_made_total Signatures made since the daemon "
		"started.\n# TYPE cascade_signatures_made_total counter\n"
		"cascade_signatures_made_total %llu\n"
		"# HELP cascade_errors_total Loads, signings, hooks and writes that failed.\n"
		"# TYPE cascade_errors_total counter\ncascade_errors_total %llu\n",
		(unsigned long long)d->stats.signatures, (unsigned long long)d->stats.errors);
	size_t len;
	buf_append_byte(&b, 0);
	return (char *)buf_steal(&b, &len);
}
