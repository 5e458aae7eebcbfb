/*
 * source_xfr.c - zones whose source is a primary: refreshes by zone
 * transfer, the primary's SOA timers, and expiry (source.h).
 *
 * Timers (RFC 1035 §3.3.13, RFC 1996 §2): after a refresh that reached the
 * primary the next is due REFRESH seconds later, after one that failed
 * RETRY seconds later; both are taken from the SOA of the zone as the
 * primary serves it, held within [SOURCE_TIMER_MIN, SOURCE_TIMER_MAX].
 * Until a first SOA is known, retries start at SOURCE_FIRST_RETRY and
 * double up to SOURCE_FIRST_RETRY_MAX.
 */
#include <libknot/libknot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conf/peeraddr.h"
#include "lib/dns/name.h"
#include "lib/util/err.h"
#include "lib/util/log.h"
#include "src/daemon/pipeline.h"
#include "src/daemon/source.h"
#include "src/daemon/tsigstore.h"
#include "src/load/xfrin.h"

#define SOURCE_TIMER_MIN 1
#define SOURCE_TIMER_MAX 86400
#define SOURCE_FIRST_RETRY 10
#define SOURCE_FIRST_RETRY_MAX 300

struct dzone_xfr {
	struct dzone *z; /* NULL once the zone is gone: the timer's close frees */
	uv_timer_t timer;
	struct xfrin_refresh *running;
	bool force_axfr;
	bool forced;	   /* the running refresh was forced (zone reload) */
	bool has_rejected; /* rejected_serial holds a version rejected */
	uint32_t rejected_serial;
	bool failing;	      /* the last refresh failed */
	unsigned first_tries; /* failures before any SOA was known */
	int64_t last_ok;      /* the last refresh that reached the primary */
	int64_t last_try;
	int64_t next_at;
	bool expired;
	uint64_t n_axfr, n_ixfr, n_up_to_date, n_failed, n_notify;
	const char *last_kind;
	/* the primary's SOA timers as last received; until then, those of
	 * the version we hold */
	bool have_timers;
	uint32_t refresh, retry, expire;
};

/* The primary's timers: from its last SOA, or the version we hold. */
static bool soa_timers(const struct dzone *z, uint32_t *refresh, uint32_t *retry, uint32_t *expire)
{
	const struct dzone_xfr *x = z->xfr;
	if (x && x->have_timers) {
		*refresh = x->refresh;
		*retry = x->retry;
		*expire = x->expire;
		return true;
	}
	const struct zone *v = z->loaded;
	const struct rrset *soa = v ? zone_find_rrset(v, v->apex, KNOT_RRTYPE_SOA, 0) : NULL;
	if (!soa || soa->count == 0)
		return false;
	const knot_rdata_t *rd = (const knot_rdata_t *)soa->rdata;
	if (rd->len < 20)
		return false;
	const uint8_t *t = rd->data + rd->len - 16;
	*refresh = knot_wire_read_u32(t);
	*retry = knot_wire_read_u32(t + 4);
	*expire = knot_wire_read_u32(t + 8);
	return true;
}

static uint32_t clamp(uint32_t v)
{
	return v < SOURCE_TIMER_MIN    ? SOURCE_TIMER_MIN
		: v > SOURCE_TIMER_MAX ? SOURCE_TIMER_MAX
				       : v;
}

static void xfr_closed(uv_handle_t *h)
{
	free(h->data);
}

static void on_timer(uv_timer_t *t);

static struct dzone_xfr *xfr_of(struct dzone *z)
{
	if (z->xfr)
		return z->xfr;
	struct dzone_xfr *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->z = z;
	uv_timer_init(z->d->loop, &x->timer);
	x->timer.data = x;
	z->xfr = x;
	return x;
}

/* Whether the primary has been out of reach past its EXPIRE; says so once
 * when that starts. */
static void check_expiry(struct dzone *z, struct dzone_xfr *x, int64_t now)
{
	uint32_t refresh, retry, expire;
	if (!x->last_ok || x->expired || !soa_timers(z, &refresh, &retry, &expire))
		return;
	if (now - x->last_ok < (int64_t)expire)
		return;
	x->expired = true;
	z->d->stats.errors++;
	dzone_event(z, -1,
		"The primary %s has not been reached for more than its SOA EXPIRE (%u s); the "
		"last good version stays signed and published",
		z->source_addr, expire);
}

/* Arms the timer for the next refresh. */
static void schedule(struct dzone *z, struct dzone_xfr *x)
{
	uint32_t refresh, retry, expire, wait;
	int64_t now = clock_now(&z->d->clock);
	if (!soa_timers(z, &refresh, &retry, &expire)) {
		unsigned shift = x->first_tries < 6 ? x->first_tries : 6;
		wait = SOURCE_FIRST_RETRY << shift;
		wait = wait > SOURCE_FIRST_RETRY_MAX ? SOURCE_FIRST_RETRY_MAX : wait;
	} else {
		wait = clamp(x->failing ? retry : refresh);
	}
	check_expiry(z, x, now);
	x->next_at = now + wait;
	uv_timer_start(&x->timer, on_timer, (uint64_t)wait * 1000, 0);
}

static void on_timer(uv_timer_t *t)
{
	struct dzone_xfr *x = t->data;
	if (x->z && !x->running)
		dzone_request_load(x->z);
}

/* What the refresh came to, for counters and the history. */
static void count(struct dzone_xfr *x, const struct xfrin_refresh_result *r)
{
	x->last_kind = xfrin_kind_name(r->kind);
	if (r->status == XFRIN_REFRESH_FAILED)
		x->n_failed++;
	else if (r->status == XFRIN_REFRESH_UP_TO_DATE)
		x->n_up_to_date++;
	else if (r->kind == XFRIN_KIND_IXFR)
		x->n_ixfr++;
	else
		x->n_axfr++;
}

static void refreshed(void *ctx, const struct xfrin_refresh_result *r)
{
	struct dzone_xfr *x = ctx;
	struct dzone *z = x->z;
	x->running = NULL;
	if (z->d->stopping) { /* nothing new starts while the daemon stops */
		if (r->zone)
			zone_unref(r->zone);
		return;
	}
	z->last_load_secs = (double)(uv_hrtime() - z->load_started_ns) / 1e9;
	count(x, r);
	if (r->have_soa) {
		x->have_timers = true;
		x->refresh = r->soa.refresh;
		x->retry = r->soa.retry;
		x->expire = r->soa.expire;
	}
	x->failing = r->status == XFRIN_REFRESH_FAILED;
	if (x->failing) {
		x->first_tries++;
	} else {
		x->first_tries = 0;
		x->last_ok = clock_now(&z->d->clock);
		if (x->expired)
			dzone_event(z, -1, "The primary %s answers again", z->source_addr);
		x->expired = false;
	}
	if (r->status == XFRIN_REFRESH_NEW_VERSION && x->has_rejected && !x->forced &&
		r->zone->serial == x->rejected_serial) {
		log_info("zone %s: serial %u from %s was rejected in review; waiting for a newer "
			 "one (or `cascade zone reload`)",
			z->name, r->zone->serial, z->source_addr);
		zone_unref(r->zone);
		pipeline_loaded(z, NULL, NULL);
	} else if (r->status == XFRIN_REFRESH_NEW_VERSION) {
		x->has_rejected = false;
		log_info("zone %s: %s from %s: serial %u, %llu records in %llu messages%s%s",
			z->name, xfrin_kind_name(r->kind), z->source_addr, r->zone->serial,
			(unsigned long long)r->rrs, (unsigned long long)r->messages,
			r->fell_back ? ", after IXFR failed: " : "",
			r->fell_back && r->fallback ? r->fallback : "");
		z->up_shared = r->kind == XFRIN_KIND_IXFR; /* applied to our version */
		pipeline_loaded(z, r->zone, NULL);
	} else if (r->status == XFRIN_REFRESH_UP_TO_DATE) {
		log_info("zone %s: the primary %s has serial %u, nothing to do", z->name,
			z->source_addr,
			r->have_soa	    ? r->soa.serial
				: z->loaded ? z->loaded->serial
					    : 0);
		pipeline_loaded(z, NULL, NULL);
	} else {
		pipeline_loaded(z, NULL, r->error);
	}
	schedule(z, x);
}

/* The refresh's TSIG key (xfrin_refresh_start copies it): NULL when the
 * source has none; false when the store has no such key. */
static bool source_key(struct dzone *z, const struct tsig_key **out)
{
	*out = NULL;
	if (!z->source_key)
		return true;
	return (*out = tsigstore_find(&z->d->tsig, z->source_key)) != NULL;
}

static void fail_now(struct dzone *z, struct dzone_xfr *x, const char *text)
{
	x->failing = true;
	x->n_failed++;
	pipeline_loaded(z, NULL, text);
	schedule(z, x);
}

void source_xfr_start(struct dzone *z)
{
	struct dzone_xfr *x = xfr_of(z);
	if (!x) {
		log_error("zone %s: out of memory starting a refresh", z->name);
		return;
	}
	uv_timer_stop(&x->timer);
	z->state = DZ_LOADING;
	z->load_started = clock_now(&z->d->clock);
	z->load_started_ns = uv_hrtime();
	x->last_try = z->load_started;
	dzone_event(
		z, -1, "Started %s from %s", x->force_axfr ? "AXFR" : "refresh", z->source_addr);
	struct xfrin_refresh_opts o = {
		.primary = z->source_sa,
		.apex = z->apex,
		.base = z->loaded,
		.force_axfr = x->force_axfr,
		.cb = refreshed,
		.ctx = x,
	};
	const struct dpolicy *dp = daemon_policy(z->d, z->policy);
	if (dp) {
		o.limits.octets = dp->p.xfr_max_octets;
		o.limits.messages = dp->p.xfr_max_messages;
		o.total_ms = (unsigned)dp->p.xfr_timeout * 1000u;
	}
	x->forced = x->force_axfr;
	x->force_axfr = false;
	char text[512];
	if (!source_key(z, &o.key)) {
		snprintf(text, sizeof(text),
			"could not retrieve the SOA record: no TSIG key named %s "
			"(see cascade tsig list)",
			z->source_key);
		fail_now(z, x, text);
		return;
	}
	int rc = xfrin_refresh_start(z->d->loop, &o, &x->running);
	if (rc < 0) {
		snprintf(text, sizeof(text), "could not start a refresh: %s", err_str(rc));
		fail_now(z, x, text);
	}
}

void source_xfr_force_axfr(struct dzone *z)
{
	struct dzone_xfr *x = xfr_of(z);
	if (x)
		x->force_axfr = true;
}

void source_xfr_notified(struct dzone *z)
{
	struct dzone_xfr *x = xfr_of(z);
	if (x)
		x->n_notify++;
	dzone_request_load(z);
}

void source_xfr_rejected(struct dzone *z, uint32_t serial)
{
	struct dzone_xfr *x = xfr_of(z);
	if (x) {
		x->has_rejected = true;
		x->rejected_serial = serial;
	}
}

void source_xfr_free(struct dzone *z)
{
	struct dzone_xfr *x = z->xfr;
	if (!x)
		return;
	if (x->running)
		xfrin_refresh_cancel(x->running);
	x->running = NULL;
	x->z = NULL;
	z->xfr = NULL;
	uv_timer_stop(&x->timer);
	uv_close((uv_handle_t *)&x->timer, xfr_closed);
}

bool source_xfr_expired(const struct dzone *z)
{
	return z->xfr && z->xfr->expired;
}

json_t *source_xfr_json(const struct dzone *z)
{
	const struct dzone_xfr *x = z->xfr;
	uint32_t refresh = 0, retry = 0, expire = 0;
	bool have = soa_timers(z, &refresh, &retry, &expire);
	if (z->source != DZ_SRC_SERVER)
		return json_null();
	json_t *timers = have ? json_pack("{s:I, s:I, s:I}", "refresh", (json_int_t)refresh,
					"retry", (json_int_t)retry, "expire", (json_int_t)expire)
			      : json_null();
	if (!x)
		return json_pack("{s:s, s:o}", "primary", z->source_addr, "soa_timers", timers);
	return json_pack("{s:s, s:o, s:I, s:I, s:I, s:b, s:b, s:s?, s:{s:I, s:I, s:I, s:I}, s:I}",
		"primary", z->source_addr, "soa_timers", timers, "last_ok", (json_int_t)x->last_ok,
		"last_try", (json_int_t)x->last_try, "next_refresh", (json_int_t)x->next_at,
		"failing", x->failing, "expired", x->expired, "last_transfer", x->last_kind,
		"transfers", "axfr", (json_int_t)x->n_axfr, "ixfr", (json_int_t)x->n_ixfr,
		"up_to_date", (json_int_t)x->n_up_to_date, "failed", (json_int_t)x->n_failed,
		"notifies", (json_int_t)x->n_notify);
}

int64_t source_xfr_last_ok(const struct dzone *z)
{
	return z->xfr ? z->xfr->last_ok : 0;
}

int64_t source_xfr_rejected_serial(const struct dzone *z)
{
	return z->xfr && z->xfr->has_rejected ? (int64_t)z->xfr->rejected_serial : -1;
}

void source_xfr_set_last_ok(struct dzone *z, int64_t when)
{
	struct dzone_xfr *x = xfr_of(z);
	if (x)
		x->last_ok = when;
}
