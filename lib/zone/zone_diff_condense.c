/* zone_diff_condense.c - the net effect of a chain of diffs (see zone_diff.h).
 *
 * RFC 1995 §6: a server may condense the differences between versions, so
 * an RR added in one diff and removed in a later one, or removed and added
 * again, is not sent at all. Every RR of the chain becomes an event (removed
 * or added, in the order of the chain); the events are sorted by the RR's
 * identity, so the events of one RR lie side by side in chain order, and one
 * pass decides what is left of each. n log n however large the diffs are.
 */
#include "lib/zone/zone_diff.h"

#include <stdlib.h>
#include <string.h>

#include "lib/dns/name.h"
#include "lib/dns/rdata.h"
#include "lib/util/array.h"
#include "lib/util/err.h"

#define T_SOA 6

/* One RR removed or added by one diff of the chain. */
struct event {
	const uint8_t *key;	       /* owner's lookup key: case-insensitive, canonical order */
	const uint8_t *canon;	       /* RDATA in canonical form (RFC 4034 §6.2) */
	const struct zone_diff_rr *rr; /* as the diff holds it */
	size_t seq;		       /* position in the chain */
	uint16_t klen;
	bool add;
};

struct events {
	struct arena mem; /* keys and canonical RDATA */
	struct event *v;
	size_t n, cap;
	const uint8_t *last_owner; /* the key of the last owner seen is shared */
	const uint8_t *last_key;
	uint16_t last_klen;
};

/* The canonical RDATA of rr: the octets themselves unless names in it must
 * be lower-cased; malformed RDATA is compared as it is. */
static const uint8_t *canon_rdata(struct arena *mem, const struct zone_diff_rr *rr)
{
	if (!rdata_has_lowercase_names(rr->type) || rr->len == 0)
		return rr->rdata;
	uint8_t *c = arena_dup(mem, rr->rdata, rr->len);
	if (c && rdata_canonicalize(rr->type, c, rr->len) < 0)
		memcpy(c, rr->rdata, rr->len);
	return c;
}

static int events_push(struct events *e, const struct zone_diff_rr *rr, bool add)
{
	if (array_reserve((void **)&e->v, &e->cap, e->n + 1, sizeof(*e->v), 256) < 0)
		return ERR_NOMEM;
	struct event *ev = &e->v[e->n];
	if (rr->owner != e->last_owner) {
		uint8_t key[NAME_KEY_MAX];
		size_t klen = name_key(rr->owner, key);
		uint8_t *k = arena_dup(&e->mem, key, klen ? klen : 1);
		if (!k)
			return ERR_NOMEM;
		e->last_owner = rr->owner;
		e->last_key = k;
		e->last_klen = (uint16_t)klen;
	}
	ev->key = e->last_key;
	ev->klen = e->last_klen;
	ev->canon = canon_rdata(&e->mem, rr);
	if (!ev->canon)
		return ERR_NOMEM;
	ev->rr = rr;
	ev->seq = e->n;
	ev->add = add;
	e->n++;
	return 0;
}

/* The events of one list. Only the first diff's removed SOA and the last
 * diff's added SOA count: the SOAs in between are the versions skipped. */
static int events_list(struct events *e, const struct zone_diff_list *l, bool add, bool soa)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].type == T_SOA && !soa)
			continue;
		int rc = events_push(e, &l->v[i], add);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Identity: owner (without case), type, covered type, TTL, canonical RDATA;
 * then chain order. Class is always IN. */
static int event_cmp(const void *pa, const void *pb)
{
	const struct event *a = pa, *b = pb;
	int c = name_key_cmp(a->key, a->klen, b->key, b->klen);
	if (c != 0)
		return c;
	if (a->rr->type != b->rr->type)
		return a->rr->type < b->rr->type ? -1 : 1;
	if (a->rr->covers != b->rr->covers)
		return a->rr->covers < b->rr->covers ? -1 : 1;
	if (a->rr->ttl != b->rr->ttl)
		return a->rr->ttl < b->rr->ttl ? -1 : 1;
	c = rdata_cmp(a->canon, a->rr->len, b->canon, b->rr->len);
	if (c != 0)
		return c;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static bool same_rr(const struct event *a, const struct event *b)
{
	return a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0 &&
		a->rr->type == b->rr->type && a->rr->covers == b->rr->covers &&
		a->rr->ttl == b->rr->ttl && a->rr->len == b->rr->len &&
		memcmp(a->canon, b->canon, a->rr->len) == 0;
}

/* Appends a copy of rr to l, its owner shared with the RR before when they
 * are the same octets (case included). */
static int out_push(struct zone_diff *out, struct zone_diff_list *l, const struct zone_diff_rr *rr)
{
	if (array_reserve((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v), 64) < 0)
		return ERR_NOMEM;
	struct zone_diff_rr c = *rr;
	const uint8_t *prev = l->n ? l->v[l->n - 1].owner : NULL;
	int olen = name_wire_len(rr->owner, LIMIT_NAME_LEN);
	if (olen < 0)
		return olen;
	if (prev && memcmp(prev, rr->owner, (size_t)olen) == 0)
		c.owner = prev;
	else if (!(c.owner = arena_dup(&out->mem, rr->owner, (size_t)olen)))
		return ERR_NOMEM;
	c.rdata = rr->len ? arena_dup(&out->mem, rr->rdata, rr->len) : rr->rdata;
	if (rr->len && !c.rdata)
		return ERR_NOMEM;
	l->v[l->n++] = c;
	return 0;
}

static int copy_list(
	struct zone_diff *out, struct zone_diff_list *to, const struct zone_diff_list *from)
{
	for (size_t i = 0; i < from->n; i++) {
		int rc = out_push(out, to, &from->v[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* One RR's events v[0..k) in chain order: in a chain that applies they
 * alternate (an RR cannot be added twice without a removal between), and
 * what is left is the first removal when they start and end with one, the
 * last addition when they start and end with that, else nothing. */
static int settle(struct zone_diff *out, const struct event *v, size_t k)
{
	for (size_t i = 1; i < k; i++)
		if (v[i].add == v[i - 1].add)
			return ERR_DIFF;
	if (v[0].add != v[k - 1].add)
		return 0;
	if (v[0].add)
		return out_push(out, &out->added, v[k - 1].rr);
	return out_push(out, &out->removed, v[0].rr);
}

static int collect(struct events *e, const struct zone_diff *const *diffs, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = events_list(e, &diffs[i]->removed, false, i == 0);
		if (rc == 0)
			rc = events_list(e, &diffs[i]->added, true, i == n - 1);
	}
	return rc;
}

int zone_diff_condense(const struct zone_diff *const *diffs, size_t n, struct zone_diff *out)
{
	if (n == 0)
		return ERR_INVAL;
	for (size_t i = 0; i + 1 < n; i++)
		if (diffs[i]->new_serial != diffs[i + 1]->old_serial)
			return ERR_DIFF;
	out->old_serial = diffs[0]->old_serial;
	out->new_serial = diffs[n - 1]->new_serial;
	if (n == 1) {
		int rc = copy_list(out, &out->removed, &diffs[0]->removed);
		return rc < 0 ? rc : copy_list(out, &out->added, &diffs[0]->added);
	}
	struct events e = {0};
	arena_init(&e.mem, 0);
	int rc = collect(&e, diffs, n);
	if (rc == 0 && e.n > 1)
		qsort(e.v, e.n, sizeof(*e.v), event_cmp);
	for (size_t i = 0, j; rc == 0 && i < e.n; i = j) {
		for (j = i + 1; j < e.n && same_rr(&e.v[i], &e.v[j]); j++)
			;
		rc = settle(out, e.v + i, j - i);
	}
	arena_deinit(&e.mem);
	free(e.v);
	return rc;
}
