/*
 * servers.c - what the publication and review servers serve, to whom.
 *
 *   - publication: the published version of each zone, to the clients its
 *     policy's provide-xfr-to admits (lib/dns/acl.h; an empty list admits
 *     all, as in Cascade); IXFR from the zone's journal, condensed (RFC 1995
 *     §6); NOTIFY from the primary of a zone sourced from one (its address,
 *     and its TSIG key when it has one), which asks for a refresh.
 *   - loaded review / signed review: the versions under review, to anyone
 *     (the operator's tools); IXFR from the version before them.
 * Every server checks TSIG against the key store (RFC 8945).
 */
#include <stdlib.h>
#include <time.h>

#include "lib/conf/peeraddr.h"
#include "lib/dns/acl.h"
#include "lib/dns/dnsmsg.h"
#include "lib/util/err.h"
#include "lib/util/log.h"
#include "lib/zone/rr_text.h"
#include "src/daemon/dzone.h"
#include "src/daemon/servers.h"
#include "src/daemon/source.h"
#include "src/daemon/tsigstore.h"
#include "src/publish/dnssrv.h"
#include "src/publish/notify.h"

enum which { PUBLISHED, LOADED, SIGNED };

static const struct tsig_key *find_key(void *ctx, const uint8_t *name)
{
	struct daemon *d = ctx;
	return tsigstore_find_wire(&d->tsig, name);
}

/* Whether one peer entry ("PREFIX" and a key name or NULL) admits req. */
static bool peer_admits(const struct policy_peer *p, const struct dnssrv_req *req)
{
	struct acl_entry e;
	if (acl_parse_parts(p->addr, p->tsig_key, &e, NULL) < 0)
		return false; /* the policy checked it; never widen on doubt */
	return acl_check(&e, 1, req->peer, req->key, NULL) == ACL_ALLOW;
}

/* provide-xfr-to (cascade-spec §7): for SOA, AXFR and IXFR alike. */
static bool xfr_allowed(struct daemon *d, const struct dzone *z, const struct dnssrv_req *req)
{
	const struct dpolicy *dp = daemon_policy(d, z->policy);
	if (!dp)
		return false;
	const struct policy_peers *acl = &dp->p.provide_xfr_to;
	for (size_t i = 0; i < acl->n; i++)
		if (peer_admits(&acl->v[i], req))
			return true;
	return acl->n == 0;
}

static enum dnssrv_zone lookup(struct daemon *d, const uint8_t *qname, enum which which,
	const struct dnssrv_req *req, struct zone **out)
{
	struct dzone *z = dzone_find_wire(d, qname);
	if (!z)
		return DNSSRV_ZONE_UNKNOWN;
	if (which == PUBLISHED && !xfr_allowed(d, z, req))
		return DNSSRV_ZONE_REFUSED;
	struct zone *v = which == PUBLISHED ? z->published
		: which == LOADED	    ? z->up_loaded
					    : z->up_signed;
	if (!v)
		return DNSSRV_ZONE_NO_DATA;
	*out = zone_ref(v);
	return DNSSRV_ZONE_READY;
}

static enum dnssrv_zone lookup_published(
	void *ctx, const uint8_t *q, const struct dnssrv_req *req, struct zone **out)
{
	return lookup(ctx, q, PUBLISHED, req, out);
}

static enum dnssrv_zone lookup_loaded(
	void *ctx, const uint8_t *q, const struct dnssrv_req *req, struct zone **out)
{
	return lookup(ctx, q, LOADED, req, out);
}

static enum dnssrv_zone lookup_signed(
	void *ctx, const uint8_t *q, const struct dnssrv_req *req, struct zone **out)
{
	return lookup(ctx, q, SIGNED, req, out);
}

static struct zone_diff *diff_new(void)
{
	struct zone_diff *d = malloc(sizeof(*d));
	if (d)
		zone_diff_init(d);
	return d;
}

static void diff_free(struct zone_diff *d)
{
	zone_diff_deinit(d);
	free(d);
}

/* Publication: the journal's path from `from` to v, condensed. */
static int ixfr_published(void *ctx, const struct zone *v, uint32_t from, struct zone_diff **out)
{
	const struct dzone *z = dzone_find_wire(ctx, v->apex);
	size_t first, n;
	if (!z || journal_path(&z->journal, from, v->serial, &first, &n) < 0)
		return ERR_NOTFOUND;
	const struct zone_diff **chain = malloc(n * sizeof(*chain));
	struct zone_diff *d = chain ? diff_new() : NULL;
	for (size_t i = 0; d && i < n; i++)
		chain[i] = z->journal.v[first + i].diff;
	int rc = d ? zone_diff_condense(chain, n, d) : ERR_NOMEM;
	free(chain);
	if (rc < 0) {
		if (d)
			diff_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

/* Review: the change from the version before the one under review, when
 * the client holds that one. */
static int ixfr_review(
	const struct zone *before, const struct zone *v, uint32_t from, struct zone_diff **out)
{
	if (!before || before->serial != from || !zone_same_apex(before, v))
		return ERR_NOTFOUND;
	struct zone_diff *d = diff_new();
	int rc = d ? zone_diff_compute(before, v, d) : ERR_NOMEM;
	if (rc < 0) {
		if (d)
			diff_free(d);
		return rc;
	}
	d->old_serial = before->serial;
	d->new_serial = v->serial;
	*out = d;
	return 0;
}

/* A version read whole (an AXFR, a file that changed much) shares nothing
 * with the one before: as for a full signing, the whole version is sent. */
static int ixfr_loaded(void *ctx, const struct zone *v, uint32_t from, struct zone_diff **out)
{
	const struct dzone *z = dzone_find_wire(ctx, v->apex);
	if (!z || z->up_loaded != v || !z->up_shared)
		return ERR_NOTFOUND;
	return ixfr_review(z->loaded, v, from, out);
}

/* A version signed in full shares nothing with the one before: its diff is
 * the whole zone, and computing it would hold the loop; the client gets
 * the whole version instead, which costs the loop nothing up front. */
static int ixfr_signed(void *ctx, const struct zone *v, uint32_t from, struct zone_diff **out)
{
	const struct dzone *z = dzone_find_wire(ctx, v->apex);
	if (!z || z->up_signed != v || z->up_stats.full)
		return ERR_NOTFOUND;
	return ixfr_review(z->published, v, from, out);
}

/* NOTIFY (RFC 1996 §3.10): heeded only from the zone's primary, with its
 * TSIG key when it has one; anyone else is refused and logged. */
static unsigned on_notify(void *ctx, const uint8_t *qname, const struct dnssrv_req *req)
{
	struct daemon *d = ctx;
	char name[RR_TEXT_NAME_MAX + 1], peer[64];
	name[rr_text_name(qname, name)] = 0;
	peeraddr_format(req->peer, true, peer, sizeof(peer));
	struct dzone *z = dzone_find_wire(d, qname);
	const char *why = !z		     ? "not a zone of ours"
		: z->source != DZ_SRC_SERVER ? "the zone's source is not a primary"
					     : NULL;
	if (!why) {
		struct policy_peer primary = {z->source_addr, z->source_key};
		if (!peer_admits(&primary, req))
			why = z->source_key ? "not from the primary, or not signed with its key"
					    : "not from the primary";
	}
	if (why) {
		/* a flood of spoofed NOTIFYs must not flood the log */
		static struct log_budget budget = {.per_sec = DNSSRV_REFUSAL_LINES};
		unsigned held;
		bool ok = log_budget_take(&budget, (long long)time(NULL), &held);
		if (held)
			log_warning("%u more lines about refused NOTIFYs were left out", held);
		if (ok)
			log_warning("NOTIFY for %s from %s refused: %s", name, peer, why);
		return DNSMSG_RCODE_REFUSED;
	}
	log_info("zone %s: NOTIFY from %s", z->name, peer);
	source_xfr_notified(z);
	return DNSMSG_RCODE_NOERROR;
}

static int start_one(struct daemon *d, const char *name, const struct config_socks *socks,
	const struct dnssrv_opts *proto, struct dnssrv **out)
{
	if (socks->n == 0) {
		log_warning("no sockets for the %s server: it is off", name);
		return 0;
	}
	char err[DNSSRV_ERR_SIZE];
	struct dnssrv_opts o = *proto;
	o.name = name;
	o.socks = socks->v;
	o.nsocks = socks->n;
	o.find_key = find_key;
	o.ctx = d;
	int rc = dnssrv_start(d->loop, &o, out, err);
	if (rc < 0)
		log_critical("cannot start the %s server: %s", name, err);
	return rc;
}

int servers_start(struct daemon *d)
{
	const struct dnssrv_opts pub = {
		.lookup = lookup_published, .ixfr = ixfr_published, .notify = on_notify};
	const struct dnssrv_opts loaded = {.lookup = lookup_loaded, .ixfr = ixfr_loaded};
	const struct dnssrv_opts sig = {.lookup = lookup_signed, .ixfr = ixfr_signed};
	int rc = notify_new(d->loop, NULL, &d->notify);
	if (rc < 0)
		log_critical("cannot start the NOTIFY sender: %s", err_str(rc));
	if (rc == 0)
		rc = start_one(d, "publication", &d->cfg.servers, &pub, &d->publish_srv);
	if (rc == 0)
		rc = start_one(
			d, "loaded review", &d->cfg.loader_review_servers, &loaded, &d->loaded_srv);
	if (rc == 0)
		rc = start_one(
			d, "signed review", &d->cfg.signer_review_servers, &sig, &d->signed_srv);
	return rc;
}

void servers_stop(struct daemon *d)
{
	dnssrv_stop(d->publish_srv);
	dnssrv_stop(d->loaded_srv);
	dnssrv_stop(d->signed_srv);
	notify_free(d->notify);
	d->publish_srv = d->loaded_srv = d->signed_srv = NULL;
	d->notify = NULL;
}

/* NOTIFY out --------------------------------------------------------------- */

/* One send-notify-to entry as a target; false (logged) when it cannot be. */
static bool notify_target(struct dzone *z, const struct policy_peer *p, struct notify_target *t)
{
	const char *why = NULL;
	socklen_t len;
	if (peeraddr_parse(p->addr, 53, &t->addr, &len, &why) < 0) {
		log_error("zone %s: send-notify-to %s: %s", z->name, p->addr, why);
		return false;
	}
	t->key = NULL;
	if (p->tsig_key && !(t->key = tsigstore_find(&z->d->tsig, p->tsig_key))) {
		log_error("zone %s: send-notify-to %s: no TSIG key named %s", z->name, p->addr,
			p->tsig_key);
		return false;
	}
	return true;
}

void servers_notify(struct dzone *z)
{
	const struct dpolicy *dp = daemon_policy(z->d, z->policy);
	if (!z->d->notify || !dp || !z->published || dp->p.send_notify_to.n == 0)
		return;
	const struct policy_peers *ps = &dp->p.send_notify_to;
	struct notify_target *t = calloc(ps->n, sizeof(*t));
	size_t n = 0;
	for (size_t i = 0; t && i < ps->n; i++)
		n += notify_target(z, &ps->v[i], &t[n]);
	int rc = t ? notify_send(z->d->notify, z->published, t, n) : ERR_NOMEM;
	if (rc < 0)
		log_error("zone %s: NOTIFY: %s", z->name, err_str(rc));
	free(t);
}

void servers_notify_cancel(struct dzone *z)
{
	if (z->d->notify)
		notify_cancel(z->d->notify, z->apex);
}

json_t *servers_notify_json(const struct dzone *z)
{
	struct notify_status st[64];
	static const char *const states[] = {"sending", "acknowledged", "failed"};
	size_t n = z->d->notify ? notify_status(z->d->notify, z->apex, st, 64) : 0;
	json_t *a = json_array();
	for (size_t i = 0; i < n && i < 64; i++)
		json_array_append_new(a,
			json_pack("{s:s, s:I, s:I, s:s, s:s}", "target", st[i].target, "serial",
				(json_int_t)st[i].serial, "tries", (json_int_t)st[i].tries, "state",
				states[st[i].state], "result", st[i].result));
	return a;
}
