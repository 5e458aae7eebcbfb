/* policy.c - policy files (see policy.h; cascade-spec.md §11). Formatting is at the end. */
#include "lib/conf/policy.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conf/conf_util.h"
#include "lib/conf/peeraddr.h"
#include "lib/dns/acl.h"
#include "lib/dnssec/key.h"
#include "lib/limits.h"
#include "lib/util/err.h"
#include "lib/util/fileio.h"
#include "lib/util/timespan.h"

#define DAY 86400
/* RRSIG times are compared in serial number arithmetic (RFC 4034 §3.1.5),
 * so inception and expiration must lie well within 2^31 s of each other. */
#define SIG_SPAN_LIMIT (INT64_C(1) << 30)
/* RFC 2181 §8: a TTL is at most 2^31 - 1. */
#define TTL_MAX INT64_C(2147483647)

static const char *const review_modes[] = {"off", "manual", "script", NULL};
static const char *const reject_names[] = {"discard", "halt", NULL};
static const char *const serial_names[] = {"keep", "counter", "unix-time", "date-counter", NULL};
static const char *const ds_names[] = {"SHA-256", "SHA-384", NULL};
static const uint8_t ds_numbers[] = {2, 4}; /* RFC 4509, RFC 6605 */

static void review_defaults(struct policy_review *r)
{
	*r = (struct policy_review){POLICY_REVIEW_OFF, NULL, POLICY_REJECT_DISCARD, 600};
}

int policy_init_defaults(struct policy *p, const char *name)
{
	static const struct policy_sig_timing sig = {DAY, 14 * DAY, 7 * DAY};
	static const struct policy_auto all = {true, true, true, true};
	memset(p, 0, sizeof(*p));
	p->name = strdup(name);
	if (!p->name)
		return ERR_NOMEM;
	review_defaults(&p->loader_review);
	review_defaults(&p->signer_review);
	p->xfr_max_octets = LIMIT_XFR_OCTETS;
	p->xfr_max_messages = LIMIT_XFR_MESSAGES;
	p->xfr_timeout = 15 * 60;
	p->ksk_validity = 365 * DAY;
	p->zsk_validity = 30 * DAY;
	p->csk_validity = 365 * DAY;
	p->ksk_auto = p->zsk_auto = p->csk_auto = p->alg_auto = all;
	p->ds_algorithm = 2;
	p->auto_remove = true;
	p->auto_remove_delay = 7 * DAY;
	p->records_ttl = 3600;
	p->dnskey_timing = p->cds_timing = p->timing = sig;
	p->algorithm = KEY_ALG_ECDSAP256SHA256;
	p->rsa_bits = 2048;
	p->serial_policy = SERIAL_DATE_COUNTER;
	p->refresh_interval = 12 * 3600;
	p->key_roll_time = DAY;
	p->max_diffs = 5;
	p->max_diffs_size = 20;
	return 0;
}

static void peers_free(struct policy_peers *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->v[i].addr);
		free(ps->v[i].tsig_key);
	}
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

void policy_deinit(struct policy *p)
{
	free(p->name);
	free(p->loader_review.hook);
	free(p->signer_review.hook);
	free(p->hsm_server_id);
	free(p->zone_file);
	peers_free(&p->publication_nameservers);
	peers_free(&p->send_notify_to);
	peers_free(&p->provide_xfr_to);
	memset(p, 0, sizeof(*p));
}

/* ---- peers: "IP[:PORT][^KEY]" or {addr = "IP:PORT", tsig-key-name = "KEY"} ---- */

/* Decimal digits only, at most max. */
static bool parse_dec(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	size_t n = 0;
	for (; s[n]; n++) {
		if (s[n] < '0' || s[n] > '9' || n == 5)
			return false;
		v = v * 10 + (unsigned)(s[n] - '0');
	}
	*out = v;
	return n > 0 && v <= max;
}

/* Why s is not a peer address (NULL when it is one): lib/conf/peeraddr.h's
 * forms, ports 0..65535 as Cascade takes them (0: no NOTIFY); with
 * prefix_ok (provide-xfr-to) an access list entry as the servers read it
 * (lib/dns/acl.h), so what loads is what they match. The reason may be
 * written to buf (size octets). */
static const char *peer_addr_error(const char *s, bool prefix_ok, char *buf, size_t size)
{
	if (prefix_ok) {
		struct acl_entry e;
		struct buf err;
		buf_init(&err, 0);
		int rc = acl_parse_parts(s, NULL, &e, &err);
		const char *text = buf_cstr(&err), *colon = strstr(text, ": ");
		snprintf(buf, size, "%s", colon ? colon + 2 : text);
		buf_deinit(&err);
		return rc < 0 ? buf : NULL;
	}
	if (strchr(s, '/'))
		return "a prefix (ADDR/LEN) is only allowed in provide-xfr-to";
	struct sockaddr_storage sa;
	socklen_t sl;
	const char *why = NULL;
	return peeraddr_parse(s, 53, &sa, &sl, &why) == 0 ? NULL : why;
}

/* One peer: the address part checked, the TSIG key (when not NULL) known
 * to the caller's environment (cascade-spec §11.3, reload checks). */
struct peer_src {
	const struct toml_value *at; /* for the position */
	const char *addr;
	size_t addr_len;
	const char *key; /* NULL: none */
};

static int peer_make(struct conf_ctx *c, const struct conf_table *t, const char *name,
	const struct peer_src *src, bool prefix_ok, const struct policy_env *env,
	struct policy_peer *out)
{
	char addr[PEERADDR_MAX + 1], q[CONF_QUOTE_MAX + 16], reason[160];
	struct toml_pos pos = toml_value_pos(src->at);
	const char *why = src->addr_len > PEERADDR_MAX ? "too long for an address" : NULL;
	if (!why) {
		memcpy(addr, src->addr, src->addr_len);
		addr[src->addr_len] = 0;
		why = peer_addr_error(addr, prefix_ok, reason, sizeof(reason));
	}
	if (why) {
		conf_quote(src->addr, src->addr_len, q, sizeof(q));
		return conf_fail(c, pos, t, name, "%s: %s", q, why);
	}
	if (src->key) {
		size_t klen = strlen(src->key);
		conf_quote(src->key, klen, q, sizeof(q));
		if (klen == 0 || klen > LIMIT_NAME_LEN)
			return conf_fail(c, pos, t, name,
				"a TSIG key name must be 1 to %d characters", LIMIT_NAME_LEN);
		if (env && env->tsig_exists && !env->tsig_exists(env->ctx, src->key))
			return conf_fail(c, pos, t, name, "no TSIG key named %s", q);
	}
	out->addr = strdup(addr);
	out->tsig_key = src->key ? strdup(src->key) : NULL;
	if (!out->addr || (src->key && !out->tsig_key)) {
		free(out->addr);
		free(out->tsig_key);
		*out = (struct policy_peer){NULL, NULL};
		return conf_nomem(c);
	}
	return 0;
}

static int peer_table(struct conf_ctx *c, const struct toml_value *v, const struct conf_table *t,
	const char *name, struct peer_src *src)
{
	static const char *const keys[] = {"addr", "tsig-key-name", NULL};
	struct conf_table e;
	conf_elem(t, name, v, &e);
	int rc = conf_check_keys(c, &e, keys);
	rc = rc ? rc : conf_str(c, &e, "addr", false, &src->addr);
	rc = rc ? rc : conf_str(c, &e, "tsig-key-name", false, &src->key);
	if (rc == 0 && !src->addr)
		rc = conf_fail(c, toml_value_pos(v), &e, "addr", "missing; expected \"IP:PORT\"");
	if (rc == 0)
		src->addr_len = strlen(src->addr);
	return rc;
}

/* An array of peers; it replaces *out when the key is present. */
static int read_peers(struct conf_ctx *c, const struct conf_table *t, const char *name,
	bool prefix_ok, const struct policy_env *env, struct policy_peers *out)
{
	const struct toml_value *a = NULL;
	int rc = conf_array(c, t, name, &a);
	if (rc || !a)
		return rc;
	struct policy_peers ps = {calloc(toml_array_len(a) + 1, sizeof(*ps.v)), 0};
	if (!ps.v)
		return conf_nomem(c);
	for (size_t i = 0; i < toml_array_len(a) && rc == 0; i++) {
		const struct toml_value *e = toml_array_at(a, i);
		struct peer_src src = {.at = e};
		if (toml_type_of(e) == TOML_TABLE) {
			rc = peer_table(c, e, t, name, &src);
		} else if (toml_type_of(e) == TOML_STRING) {
			rc = conf_str_value(c, e, t, name, false, &src.addr);
			/* The address never holds '^', so the first one starts the key. */
			const char *caret = rc ? NULL : strchr(src.addr, '^');
			src.addr_len = caret ? (size_t)(caret - src.addr)
					     : strlen(src.addr ? src.addr : "");
			src.key = caret ? caret + 1 : NULL;
		} else {
			rc = conf_fail_type(
				c, e, t, name, "a string \"IP[:PORT][^KEY]\" or a table");
		}
		rc = rc ? rc : peer_make(c, t, name, &src, prefix_ok, env, &ps.v[ps.n]);
		if (ps.v[ps.n].addr)
			ps.n++;
	}
	if (rc) {
		peers_free(&ps);
		return rc;
	}
	peers_free(out);
	*out = ps;
	return 0;
}

/* ---- the sections of the schema (§11.3) ---- */

/* [loader.review] or [signer.review] (§4.1), reached through [loader] or [signer]. */
static int read_review(struct conf_ctx *c, const struct conf_table *stage, struct policy_review *r)
{
	static const char *const keys[] = {"mode", "hook", "on-reject", "hook-timeout", NULL};
	struct conf_table t;
	int mode = (int)r->mode, on_reject = (int)r->on_reject;
	int rc = conf_sub(c, stage, "review", &t);
	rc = rc ? rc : conf_check_keys(c, &t, keys);
	rc = rc ? rc : conf_enum(c, &t, "mode", review_modes, &mode);
	rc = rc ? rc : conf_dup(c, &t, "hook", false, &r->hook);
	rc = rc ? rc : conf_enum(c, &t, "on-reject", reject_names, &on_reject);
	rc = rc ? rc : conf_span(c, &t, "hook-timeout", false, &r->hook_timeout);
	if (rc)
		return rc;
	r->mode = (enum policy_review_mode)mode;
	r->on_reject = (enum policy_on_reject)on_reject;
	if (r->mode == POLICY_REVIEW_SCRIPT && !r->hook)
		return conf_fail(c, conf_pos(&t, "mode"), &t, "hook",
			"missing; required when mode is \"script\"");
	if (r->mode == POLICY_REVIEW_OFF && conf_get(&t, "on-reject"))
		return conf_fail(c, conf_pos(&t, "on-reject"), &t, "on-reject",
			"only allowed when mode is \"manual\" or \"script\"");
	if (r->hook_timeout < 1)
		return conf_fail(c, conf_pos(&t, "hook-timeout"), &t, "hook-timeout",
			"must be at least 1 second");
	return 0;
}

/* [key-manager] ROLL.validity and ROLL.auto-* (§5.3); validity NULL for
 * "algorithm", which has no validity. */
static int read_roll(struct conf_ctx *c, const struct conf_table *km, const char *roll,
	int64_t *validity, struct policy_auto *a)
{
	static const char *const keys[] = {
		"validity", "auto-start", "auto-report", "auto-expire", "auto-done", NULL};
	struct conf_table t;
	int rc = conf_sub(c, km, roll, &t);
	rc = rc ? rc : conf_check_keys(c, &t, validity ? keys : keys + 1);
	rc = rc ? rc : validity ? conf_span(c, &t, "validity", true, validity) : 0;
	rc = rc ? rc : conf_bool(c, &t, "auto-start", &a->start);
	rc = rc ? rc : conf_bool(c, &t, "auto-report", &a->report);
	rc = rc ? rc : conf_bool(c, &t, "auto-expire", &a->expire);
	return rc ? rc : conf_bool(c, &t, "auto-done", &a->done);
}

static int read_timing(struct conf_ctx *c, const struct conf_table *t, const char *prefix,
	struct policy_sig_timing *tm)
{
	struct conf_table s = *t;
	if (prefix) {
		static const char *const keys[] = {"signature-inception-offset",
			"signature-lifetime", "signature-remain-time", NULL};
		int rc = conf_sub(c, t, prefix, &s);
		rc = rc ? rc : conf_check_keys(c, &s, keys);
		if (rc)
			return rc;
	}
	int rc = conf_span(c, &s, "signature-inception-offset", false, &tm->inception_offset);
	rc = rc ? rc : conf_span(c, &s, "signature-lifetime", false, &tm->lifetime);
	return rc ? rc : conf_span(c, &s, "signature-remain-time", false, &tm->remain_time);
}

/* [key-manager.records] */
static int read_records(struct conf_ctx *c, const struct conf_table *km, struct policy *p)
{
	static const char *const keys[] = {"ttl", "dnskey", "cds", NULL};
	struct conf_table t;
	int64_t ttl = p->records_ttl;
	int rc = conf_sub(c, km, "records", &t);
	rc = rc ? rc : conf_check_keys(c, &t, keys);
	rc = rc ? rc : conf_span(c, &t, "ttl", false, &ttl);
	if (rc == 0 && ttl > TTL_MAX)
		rc = conf_fail(c, conf_pos(&t, "ttl"), &t, "ttl",
			"must be at most 2147483647 seconds (RFC 2181 §8)");
	p->records_ttl = (uint32_t)(ttl > TTL_MAX ? TTL_MAX : ttl);
	rc = rc ? rc : read_timing(c, &t, "dnskey", &p->dnskey_timing);
	return rc ? rc : read_timing(c, &t, "cds", &p->cds_timing);
}

/* [key-manager.generation] algorithm: "NAME" or, for RSA, "NAME:BITS" (§6.1). */
static int read_algorithm(struct conf_ctx *c, const struct conf_table *t, struct policy *p)
{
	static const char *const expected = "expected one of RSASHA256[:BITS], RSASHA512[:BITS], "
					    "ECDSAP256SHA256, ECDSAP384SHA384, ED25519, ED448";
	const char *s = NULL;
	char name[32];
	uint8_t alg;
	unsigned bits = 2048;
	int rc = conf_str(c, t, "algorithm", false, &s);
	if (rc || !s)
		return rc;
	struct toml_pos pos = conf_pos(t, "algorithm");
	const char *colon = strchr(s, ':');
	size_t nlen = colon ? (size_t)(colon - s) : strlen(s);
	if (nlen == 0 || nlen >= sizeof(name) || s[0] < 'A')
		return conf_fail(c, pos, t, "algorithm", "%s", expected);
	memcpy(name, s, nlen);
	name[nlen] = 0;
	if (key_alg_from_name(name, &alg) != 0)
		return conf_fail(c, pos, t, "algorithm", "%s", expected);
	bool rsa = alg == KEY_ALG_RSASHA256 || alg == KEY_ALG_RSASHA512;
	if (colon && !rsa)
		return conf_fail(c, pos, t, "algorithm", "only RSA algorithms take a key size");
	if (colon && (!parse_dec(colon + 1, 4096, &bits) || bits < 1024))
		return conf_fail(c, pos, t, "algorithm", "RSA keys must be 1024 to 4096 bits");
	if (bits < 2048) {
		rc = conf_warn(c, pos, t, "algorithm",
			"RSA keys of fewer than 2048 bits are weak (RFC 8624 §3.1)");
		if (rc)
			return rc;
	}
	p->algorithm = alg;
	p->rsa_bits = (uint16_t)bits;
	return 0;
}

static int read_generation(struct conf_ctx *c, const struct conf_table *km,
	const struct policy_env *env, struct policy *p)
{
	static const char *const keys[] = {"hsm-server-id", "use-csk", "algorithm", NULL};
	struct conf_table t;
	int rc = conf_sub(c, km, "generation", &t);
	rc = rc ? rc : conf_check_keys(c, &t, keys);
	rc = rc ? rc : conf_dup(c, &t, "hsm-server-id", false, &p->hsm_server_id);
	rc = rc ? rc : conf_bool(c, &t, "use-csk", &p->use_csk);
	rc = rc ? rc : read_algorithm(c, &t, p);
	if (rc == 0 && conf_get(&t, "hsm-server-id") && env && env->hsm_exists &&
		!env->hsm_exists(env->ctx, p->hsm_server_id)) {
		char q[CONF_QUOTE_MAX + 16];
		conf_quote(p->hsm_server_id, strlen(p->hsm_server_id), q, sizeof(q));
		rc = conf_fail(c, conf_pos(&t, "hsm-server-id"), &t, "hsm-server-id",
			"no HSM named %s (add it with `cascade hsm add`)", q);
	}
	return rc;
}

static int read_key_manager(struct conf_ctx *c, const struct conf_table *root,
	const struct policy_env *env, struct policy *p)
{
	static const char *const keys[] = {"ksk", "zsk", "csk", "algorithm", "ds-algorithm",
		"auto-remove", "auto-remove-delay", "publication-nameservers", "records",
		"generation", NULL};
	struct conf_table t;
	int ds = p->ds_algorithm == 4 ? 1 : 0;
	int rc = conf_sub(c, root, "key-manager", &t);
	rc = rc ? rc : conf_check_keys(c, &t, keys);
	rc = rc ? rc : read_roll(c, &t, "ksk", &p->ksk_validity, &p->ksk_auto);
	rc = rc ? rc : read_roll(c, &t, "zsk", &p->zsk_validity, &p->zsk_auto);
	rc = rc ? rc : read_roll(c, &t, "csk", &p->csk_validity, &p->csk_auto);
	rc = rc ? rc : read_roll(c, &t, "algorithm", NULL, &p->alg_auto);
	rc = rc ? rc : conf_enum(c, &t, "ds-algorithm", ds_names, &ds);
	rc = rc ? rc : conf_bool(c, &t, "auto-remove", &p->auto_remove);
	rc = rc ? rc : conf_span(c, &t, "auto-remove-delay", false, &p->auto_remove_delay);
	rc = rc ? rc
		: read_peers(c, &t, "publication-nameservers", false, env,
			  &p->publication_nameservers);
	rc = rc ? rc : read_records(c, &t, p);
	rc = rc ? rc : read_generation(c, &t, env, p);
	p->ds_algorithm = ds_numbers[ds];
	return rc;
}

/* [signer.denial]: NSEC or NSEC3 (§6.2), and the NSEC3 parameters we let
 * operators choose (RFC 5155 §3.1.3, §3.1.5) with RFC 9276's advice. */
static int read_salt(struct conf_ctx *c, const struct conf_table *t, struct policy *p)
{
	const char *s = NULL;
	int rc = conf_str(c, t, "salt", false, &s);
	if (rc || !s || strcmp(s, "-") == 0) {
		if (s)
			p->salt_len = 0;
		return rc;
	}
	struct toml_pos pos = conf_pos(t, "salt");
	size_t n = strlen(s);
	if (n % 2 || strspn(s, "0123456789abcdefABCDEF") != n)
		return conf_fail(c, pos, t, "salt",
			"expected \"-\" (none) or an even number of hex digits (RFC 5155 §3.3)");
	if (n / 2 > sizeof(p->salt))
		return conf_fail(c, pos, t, "salt", "at most 255 octets (RFC 5155 §3.1.5)");
	for (size_t i = 0; i < n / 2; i++) {
		char byte[3] = {s[2 * i], s[2 * i + 1], 0};
		p->salt[i] = (uint8_t)strtoul(byte, NULL, 16);
	}
	p->salt_len = (uint8_t)(n / 2);
	return conf_warn(c, pos, t, "salt",
		"a salt adds nothing against zone walking; \"-\" is recommended (RFC 9276 §3.1)");
}

static int read_denial(struct conf_ctx *c, const struct conf_table *signer, struct policy *p)
{
	static const char *const keys[] = {"type", "opt-out", "iterations", "salt", NULL};
	static const char *const types[] = {"nsec", "nsec3", NULL};
	struct conf_table t;
	int type = p->nsec3 ? 1 : 0;
	int64_t it = p->iterations;
	int rc = conf_sub(c, signer, "denial", &t);
	rc = rc ? rc : conf_check_keys(c, &t, keys);
	rc = rc ? rc : conf_enum(c, &t, "type", types, &type);
	rc = rc ? rc : conf_bool(c, &t, "opt-out", &p->opt_out);
	rc = rc ? rc : conf_int(c, &t, "iterations", 0, UINT16_MAX, &it);
	if (rc)
		return rc;
	p->nsec3 = type == 1;
	struct toml_pos ipos = conf_pos(&t, "iterations");
	if (it > POLICY_MAX_ITERATIONS)
		return conf_fail(c, ipos, &t, "iterations",
			"must be at most %d; validators treat more as insecure (RFC 9276 §3.2)",
			POLICY_MAX_ITERATIONS);
	p->iterations = (uint16_t)it;
	if (it > 0)
		rc = conf_warn(c, ipos, &t, "iterations",
			"extra iterations add cost, not safety; 0 is recommended (RFC 9276 §3.1)");
	rc = rc ? rc : read_salt(c, &t, p);
	/* Cascade asks for an explicit choice when type is nsec3 (#551). */
	if (rc == 0 && p->nsec3 && !conf_get(&t, "opt-out"))
		rc = conf_fail(c, conf_pos(&t, "type"), &t, "opt-out",
			"missing; required when type is \"nsec3\"");
	if (rc == 0 && !p->nsec3 && conf_get(&t, "opt-out")) {
		p->opt_out = false;
		rc = conf_warn(
			c, conf_pos(&t, "opt-out"), &t, "opt-out", "ignored: type is \"nsec\"");
	}
	return rc;
}

static int read_signer(struct conf_ctx *c, const struct conf_table *root, struct policy *p)
{
	static const char *const keys[] = {"serial-policy", "signature-inception-offset",
		"signature-lifetime", "signature-remain-time", "signature-refresh-interval",
		"key-roll-time", "denial", "review", NULL};
	struct conf_table t;
	int serial = (int)p->serial_policy;
	int rc = conf_sub(c, root, "signer", &t);
	rc = rc ? rc : conf_check_keys(c, &t, keys);
	rc = rc ? rc : conf_enum(c, &t, "serial-policy", serial_names, &serial);
	rc = rc ? rc : read_timing(c, &t, NULL, &p->timing);
	rc = rc ? rc : conf_span(c, &t, "signature-refresh-interval", false, &p->refresh_interval);
	rc = rc ? rc : conf_span(c, &t, "key-roll-time", false, &p->key_roll_time);
	rc = rc ? rc : read_denial(c, &t, p);
	rc = rc ? rc : read_review(c, &t, &p->signer_review);
	p->serial_policy = (enum serial_policy)serial;
	return rc;
}

static int read_outbound(struct conf_ctx *c, const struct conf_table *root,
	const struct policy_env *env, struct policy *p)
{
	static const char *const server_keys[] = {"outbound", NULL};
	static const char *const keys[] = {"send-notify-to", "provide-xfr-to", "max-diffs",
		"max-diffs-size", "zone-file", NULL};
	struct conf_table s, t;
	int64_t diffs = p->max_diffs, size = p->max_diffs_size;
	int rc = conf_sub(c, root, "server", &s);
	rc = rc ? rc : conf_check_keys(c, &s, server_keys);
	rc = rc ? rc : conf_sub(c, &s, "outbound", &t);
	rc = rc ? rc : conf_check_keys(c, &t, keys);
	rc = rc ? rc : read_peers(c, &t, "send-notify-to", false, env, &p->send_notify_to);
	rc = rc ? rc : read_peers(c, &t, "provide-xfr-to", true, env, &p->provide_xfr_to);
	rc = rc ? rc : conf_int(c, &t, "max-diffs", 0, UINT32_MAX, &diffs);
	rc = rc ? rc : conf_int(c, &t, "max-diffs-size", 0, UINT32_MAX, &size);
	rc = rc ? rc : conf_dup(c, &t, "zone-file", true, &p->zone_file);
	p->max_diffs = (uint32_t)diffs;
	p->max_diffs_size = (uint32_t)size;
	if (rc == 0 && p->zone_file && !p->zone_file[0]) {
		free(p->zone_file); /* "" is the way to say none */
		p->zone_file = NULL;
	}
	return rc;
}

/* ---- checks across keys (§6.3) ---- */

/* One kind of signature: each span below 2^30 s, and the lifetime longer
 * than remain-time + 3600 + the refresh interval, so every signature is
 * refreshed before it expires, with an hour to spare. */
static int check_timing(struct conf_ctx *c, const struct conf_table *t,
	const struct policy_sig_timing *tm, const struct conf_table *signer, int64_t refresh)
{
	static const char *const names[] = {
		"signature-inception-offset", "signature-lifetime", "signature-remain-time"};
	const int64_t v[] = {tm->inception_offset, tm->lifetime, tm->remain_time};
	for (size_t i = 0; i < 3; i++)
		if (v[i] >= SIG_SPAN_LIMIT)
			return conf_fail(c, conf_pos(t, names[i]), t, names[i],
				"must be below 2^30 seconds (RRSIG times are compared in serial "
				"number arithmetic, RFC 4034 §3.1.5)");
	int64_t least = tm->remain_time + 3600 + refresh;
	if (tm->lifetime > least)
		return 0;
	/* Blame what the file wrote: the lifetime, else the remain-time, else
	 * the refresh interval that made the defaults too short. */
	const char *key = conf_get(t, names[2]) && !conf_get(t, names[1]) ? names[2] : names[1];
	struct toml_pos pos = conf_get(t, key) ? conf_pos(t, key)
					       : conf_pos(signer, "signature-refresh-interval");
	return conf_fail(c, pos, t, key,
		"signature-lifetime (%llds) must be greater than signature-remain-time (%llds) + "
		"3600s + signature-refresh-interval (%llds)",
		(long long)tm->lifetime, (long long)tm->remain_time, (long long)refresh);
}

static int check_all_timing(
	struct conf_ctx *c, const struct conf_table *root, const struct policy *p)
{
	struct conf_table s, km, rec, dk, cds;
	/* These tables were read before, so their types are right. */
	conf_sub(c, root, "signer", &s);
	conf_sub(c, root, "key-manager", &km);
	conf_sub(c, &km, "records", &rec);
	conf_sub(c, &rec, "dnskey", &dk);
	conf_sub(c, &rec, "cds", &cds);
	if (p->refresh_interval < 60)
		return conf_fail(c, conf_pos(&s, "signature-refresh-interval"), &s,
			"signature-refresh-interval", "must be at least 60 seconds");
	int rc = check_timing(c, &s, &p->timing, &s, p->refresh_interval);
	rc = rc ? rc : check_timing(c, &dk, &p->dnskey_timing, &s, p->refresh_interval);
	return rc ? rc : check_timing(c, &cds, &p->cds_timing, &s, p->refresh_interval);
}

/* [loader] transfer caps: a transfer from a primary that passes one fails
 * with an error naming it (src/load/xfrin.h). */
static int read_xfr_limits(struct conf_ctx *c, const struct conf_table *t, struct policy *p)
{
	int64_t octets = (int64_t)p->xfr_max_octets, msgs = (int64_t)p->xfr_max_messages;
	int rc = conf_int(c, t, "max-transfer-size", 512, INT64_MAX, &octets);
	rc = rc ? rc : conf_int(c, t, "max-transfer-messages", 1, INT64_MAX, &msgs);
	rc = rc ? rc : conf_span(c, t, "transfer-timeout", false, &p->xfr_timeout);
	if (rc == 0 && (p->xfr_timeout < 1 || p->xfr_timeout > 86400))
		return conf_fail(c, conf_pos(t, "transfer-timeout"), t, "transfer-timeout",
			"must be from 1 second to 1 day");
	p->xfr_max_octets = (uint64_t)octets;
	p->xfr_max_messages = (uint64_t)msgs;
	return rc;
}

int policy_parse(struct policy *p, const char *text, size_t len, const char *fname,
	const struct policy_env *env, struct buf *warnings, char *err)
{
	static const char *const keys[] = {
		"version", "loader", "key-manager", "signer", "server", NULL};
	static const char *const loader_keys[] = {
		"review", "max-transfer-size", "max-transfer-messages", "transfer-timeout", NULL};
	struct conf_ctx c = {
		.fname = fname, .err = err, .err_size = POLICY_ERR_SIZE, .warnings = warnings};
	struct toml_value *doc = NULL;
	struct conf_table root, loader;
	err[0] = 0;
	int rc = conf_doc_parse(&c, text, len, &doc);
	rc = rc ? rc : conf_root(&c, doc, &root);
	rc = rc ? rc : conf_check_keys(&c, &root, keys);
	rc = rc ? rc : conf_sub(&c, &root, "loader", &loader);
	rc = rc ? rc : conf_check_keys(&c, &loader, loader_keys);
	rc = rc ? rc : read_review(&c, &loader, &p->loader_review);
	rc = rc ? rc : read_xfr_limits(&c, &loader, p);
	rc = rc ? rc : read_key_manager(&c, &root, env, p);
	rc = rc ? rc : read_signer(&c, &root, p);
	rc = rc ? rc : read_outbound(&c, &root, env, p);
	rc = rc ? rc : check_all_timing(&c, &root, p);
	toml_free(doc);
	return rc;
}

int policy_load(struct policy *p, const char *path, const struct policy_env *env,
	struct buf *warnings, char *err)
{
	/* The name is the file stem: the last path component without its
	 * extension (cascade-spec §11). */
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	char *name = strndup(base, n);
	err[0] = 0;
	if (!name) {
		snprintf(err, POLICY_ERR_SIZE, "%s: out of memory", path);
		return ERR_NOMEM;
	}
	free(p->name);
	p->name = name;
	struct buf text;
	buf_init(&text, 0);
	int rc = fileio_read(path, LIMIT_TOML_SIZE, &text);
	if (rc == ERR_LIMIT)
		snprintf(err, POLICY_ERR_SIZE, "%s: larger than %lu octets", path,
			(unsigned long)LIMIT_TOML_SIZE);
	else if (rc)
		snprintf(err, POLICY_ERR_SIZE, "%s: cannot read: %s", path, err_str(rc));
	else
		rc = policy_parse(p, text.data ? (const char *)text.data : "", text.len, path, env,
			warnings, err);
	buf_deinit(&text);
	return rc;
}

/* ---- equality and copies ---- */

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool peers_eq(const struct policy_peers *a, const struct policy_peers *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!str_eq(a->v[i].addr, b->v[i].addr) ||
			!str_eq(a->v[i].tsig_key, b->v[i].tsig_key))
			return false;
	return true;
}

static bool review_eq(const struct policy_review *a, const struct policy_review *b)
{
	return a->mode == b->mode && str_eq(a->hook, b->hook) && a->on_reject == b->on_reject &&
		a->hook_timeout == b->hook_timeout;
}

static bool auto_eq(const struct policy_auto *a, const struct policy_auto *b)
{
	return a->start == b->start && a->report == b->report && a->expire == b->expire &&
		a->done == b->done;
}

static bool timing_eq(const struct policy_sig_timing *a, const struct policy_sig_timing *b)
{
	return a->inception_offset == b->inception_offset && a->lifetime == b->lifetime &&
		a->remain_time == b->remain_time;
}

/* Field by field, never memcmp: the struct has padding and pointers. */
bool policy_equal(const struct policy *a, const struct policy *b)
{
	return review_eq(&a->loader_review, &b->loader_review) &&
		a->xfr_max_octets == b->xfr_max_octets &&
		a->xfr_max_messages == b->xfr_max_messages && a->xfr_timeout == b->xfr_timeout &&
		a->ksk_validity == b->ksk_validity && a->zsk_validity == b->zsk_validity &&
		a->csk_validity == b->csk_validity && auto_eq(&a->ksk_auto, &b->ksk_auto) &&
		auto_eq(&a->zsk_auto, &b->zsk_auto) && auto_eq(&a->csk_auto, &b->csk_auto) &&
		auto_eq(&a->alg_auto, &b->alg_auto) && a->ds_algorithm == b->ds_algorithm &&
		a->auto_remove == b->auto_remove && a->auto_remove_delay == b->auto_remove_delay &&
		peers_eq(&a->publication_nameservers, &b->publication_nameservers) &&
		a->records_ttl == b->records_ttl &&
		timing_eq(&a->dnskey_timing, &b->dnskey_timing) &&
		timing_eq(&a->cds_timing, &b->cds_timing) &&
		str_eq(a->hsm_server_id, b->hsm_server_id) && a->use_csk == b->use_csk &&
		a->algorithm == b->algorithm && a->rsa_bits == b->rsa_bits &&
		a->serial_policy == b->serial_policy && timing_eq(&a->timing, &b->timing) &&
		a->refresh_interval == b->refresh_interval &&
		a->key_roll_time == b->key_roll_time && a->nsec3 == b->nsec3 &&
		a->opt_out == b->opt_out && a->iterations == b->iterations &&
		a->salt_len == b->salt_len && memcmp(a->salt, b->salt, a->salt_len) == 0 &&
		review_eq(&a->signer_review, &b->signer_review) &&
		peers_eq(&a->send_notify_to, &b->send_notify_to) &&
		peers_eq(&a->provide_xfr_to, &b->provide_xfr_to) && a->max_diffs == b->max_diffs &&
		a->max_diffs_size == b->max_diffs_size && str_eq(a->zone_file, b->zone_file);
}

/* *s replaced by a copy of itself (NULL stays NULL). */
static bool dup_in_place(char **s)
{
	if (*s)
		*s = strdup(*s);
	return *s != NULL;
}

static bool peers_dup(struct policy_peers *ps)
{
	const struct policy_peer *src = ps->v;
	ps->v = calloc(ps->n + 1, sizeof(*ps->v));
	if (!ps->v) {
		ps->n = 0;
		return false;
	}
	for (size_t i = 0; i < ps->n; i++) {
		ps->v[i] = src[i];
		bool ok = dup_in_place(&ps->v[i].addr);
		if (!ok || (src[i].tsig_key && !dup_in_place(&ps->v[i].tsig_key))) {
			ps->v[i].tsig_key = NULL;
			return false;
		}
	}
	return true;
}

int policy_copy(struct policy *dst, const struct policy *src)
{
	*dst = *src;
	/* Every pointer is cleared first, so a failure half-way frees only copies. */
	char **strs[] = {&dst->name, &dst->loader_review.hook, &dst->signer_review.hook,
		&dst->hsm_server_id, &dst->zone_file};
	struct policy_peers *lists[] = {
		&dst->publication_nameservers, &dst->send_notify_to, &dst->provide_xfr_to};
	bool ok = true;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (ok && *strs[i])
			ok = dup_in_place(strs[i]);
		else if (!ok)
			*strs[i] = NULL;
	for (size_t i = 0; i < 3; i++)
		if (ok)
			ok = peers_dup(lists[i]);
		else
			*lists[i] = (struct policy_peers){NULL, 0};
	if (!ok) {
		policy_deinit(dst);
		return ERR_NOMEM;
	}
	return 0;
}

/* ---- policy_format(): the resolved policy as a document policy_parse() reads back ---- */

struct fmt {
	struct buf *out;
	int rc; /* the first failure; later writes are skipped */
};

static void put(struct fmt *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct fmt *f, const char *fmt, ...)
{
	if (f->rc)
		return;
	va_list ap;
	va_start(ap, fmt);
	f->rc = buf_vprintf(f->out, fmt, ap);
	va_end(ap);
}

static void put_str(struct fmt *f, const char *key, const char *val)
{
	put(f, "%s = ", key);
	f->rc = f->rc ? f->rc : conf_put_str(f->out, val);
	put(f, "\n");
}

static void put_span(struct fmt *f, const char *prefix, const char *key, int64_t secs)
{
	put(f, "%s%s = ", prefix, key);
	f->rc = f->rc ? f->rc : conf_put_span(f->out, secs);
	put(f, "\n");
}

static void put_bool(struct fmt *f, const char *prefix, const char *key, bool v)
{
	put(f, "%s%s = %s\n", prefix, key, v ? "true" : "false");
}

static void put_review(struct fmt *f, const char *section, const struct policy_review *r)
{
	put(f, "\n[%s]\n", section);
	put_str(f, "mode", review_modes[r->mode]);
	if (r->hook)
		put_str(f, "hook", r->hook);
	else
		put(f, "# hook: none\n");
	/* on-reject may only be written when there is a review to reject. */
	if (r->mode != POLICY_REVIEW_OFF)
		put_str(f, "on-reject", reject_names[r->on_reject]);
	put_span(f, "", "hook-timeout", r->hook_timeout);
}

static void put_roll(
	struct fmt *f, const char *roll, const int64_t *validity, const struct policy_auto *a)
{
	char prefix[16];
	snprintf(prefix, sizeof(prefix), "%s.", roll);
	if (validity)
		put_span(f, prefix, "validity", *validity);
	put_bool(f, prefix, "auto-start", a->start);
	put_bool(f, prefix, "auto-report", a->report);
	put_bool(f, prefix, "auto-expire", a->expire);
	put_bool(f, prefix, "auto-done", a->done);
}

static void put_timing(struct fmt *f, const char *prefix, const struct policy_sig_timing *t)
{
	put_span(f, prefix, "signature-inception-offset", t->inception_offset);
	put_span(f, prefix, "signature-lifetime", t->lifetime);
	put_span(f, prefix, "signature-remain-time", t->remain_time);
}

/* Peers in their string form, "ADDR^KEY" (the address never holds '^'). */
static void put_peers(struct fmt *f, const char *key, const struct policy_peers *ps)
{
	put(f, "%s = [", key);
	for (size_t i = 0; i < ps->n; i++) {
		struct buf one;
		buf_init(&one, 0);
		int rc = buf_printf(&one, "%s%s%s", ps->v[i].addr, ps->v[i].tsig_key ? "^" : "",
			ps->v[i].tsig_key ? ps->v[i].tsig_key : "");
		put(f, "%s", i ? ", " : "");
		if (!f->rc)
			f->rc = rc ? rc : conf_put_str(f->out, buf_cstr(&one));
		buf_deinit(&one);
	}
	put(f, "]\n");
}

static void put_key_manager(struct fmt *f, const struct policy *p)
{
	put(f, "\n[key-manager]\n");
	put_roll(f, "ksk", &p->ksk_validity, &p->ksk_auto);
	put_roll(f, "zsk", &p->zsk_validity, &p->zsk_auto);
	put_roll(f, "csk", &p->csk_validity, &p->csk_auto);
	put_roll(f, "algorithm", NULL, &p->alg_auto);
	put_str(f, "ds-algorithm", ds_names[p->ds_algorithm == 4 ? 1 : 0]);
	put_bool(f, "", "auto-remove", p->auto_remove);
	put_span(f, "", "auto-remove-delay", p->auto_remove_delay);
	put_peers(f, "publication-nameservers", &p->publication_nameservers);
	put(f, "\n[key-manager.records]\n");
	put_span(f, "", "ttl", p->records_ttl);
	put_timing(f, "dnskey.", &p->dnskey_timing);
	put_timing(f, "cds.", &p->cds_timing);
	put(f, "\n[key-manager.generation]\n");
	if (p->hsm_server_id)
		put_str(f, "hsm-server-id", p->hsm_server_id);
	else
		put(f, "# hsm-server-id: none (keys on disk)\n");
	put_bool(f, "", "use-csk", p->use_csk);
	const char *alg = key_alg_name(p->algorithm);
	if (p->algorithm == KEY_ALG_RSASHA256 || p->algorithm == KEY_ALG_RSASHA512)
		put(f, "algorithm = \"%s:%u\"\n", alg, (unsigned)p->rsa_bits);
	else
		put(f, "algorithm = \"%s\"\n", alg ? alg : "?");
}

static void put_signer(struct fmt *f, const struct policy *p)
{
	put(f, "\n[signer]\n");
	put_str(f, "serial-policy", serial_names[p->serial_policy]);
	put_timing(f, "", &p->timing);
	put_span(f, "", "signature-refresh-interval", p->refresh_interval);
	put_span(f, "", "key-roll-time", p->key_roll_time);
	put(f, "\n[signer.denial]\n");
	put_str(f, "type", p->nsec3 ? "nsec3" : "nsec");
	if (p->nsec3)
		put_bool(f, "", "opt-out", p->opt_out);
	put(f, "iterations = %u\n", (unsigned)p->iterations);
	put(f, "salt = \"%s", p->salt_len ? "" : "-");
	for (size_t i = 0; i < p->salt_len; i++)
		put(f, "%02x", p->salt[i]);
	put(f, "\"\n");
}

int policy_format(const struct policy *p, struct buf *out)
{
	struct fmt f = {out, 0};
	char q[CONF_QUOTE_MAX + 16];
	conf_quote(p->name ? p->name : "", p->name ? strlen(p->name) : 0, q, sizeof(q));
	put(&f, "# Policy %s: every setting, defaults included.\nversion = \"v1\"\n", q);
	put(&f, "\n[loader]\nmax-transfer-size = %llu\nmax-transfer-messages = %llu\n",
		(unsigned long long)p->xfr_max_octets, (unsigned long long)p->xfr_max_messages);
	put_span(&f, "", "transfer-timeout", p->xfr_timeout);
	put_review(&f, "loader.review", &p->loader_review);
	put_key_manager(&f, p);
	put_signer(&f, p);
	put_review(&f, "signer.review", &p->signer_review);
	put(&f, "\n[server.outbound]\n");
	put_peers(&f, "send-notify-to", &p->send_notify_to);
	put_peers(&f, "provide-xfr-to", &p->provide_xfr_to);
	put(&f, "max-diffs = %u\n", (unsigned)p->max_diffs);
	put(&f, "max-diffs-size = %u\n", (unsigned)p->max_diffs_size);
	put_str(&f, "zone-file", p->zone_file ? p->zone_file : "");
	return f.rc;
}
