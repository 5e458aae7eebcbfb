/* zone_diff.c - computing diffs between versions (see zone_diff.h). */
#include "lib/zone/zone_diff.h"

#include "lib/zone/rrindex.h"

#include <libknot/descriptor.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/array.h"
#include "lib/util/err.h"

void zone_diff_init(struct zone_diff *d)
{
	memset(d, 0, sizeof(*d));
	arena_init(&d->mem, 0);
}

void zone_diff_deinit(struct zone_diff *d)
{
	arena_deinit(&d->mem);
	free(d->removed.v);
	free(d->added.v);
	memset(d, 0, sizeof(*d));
}

static int list_push(struct zone_diff_list *l, const struct zone_diff_rr *rr)
{
	if (array_reserve((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v), 64) < 0)
		return ERR_NOMEM;
	l->v[l->n++] = *rr;
	return 0;
}

int zone_diff_add(struct zone_diff *d, bool removed, const uint8_t *owner, uint16_t type,
	uint16_t covers, uint32_t ttl, const uint8_t *rdata, uint16_t len)
{
	int olen = name_wire_len(owner, LIMIT_NAME_LEN);
	if (olen < 0)
		return olen;
	struct zone_diff_rr rr = {.type = type, .covers = covers, .ttl = ttl, .len = len};
	rr.owner = arena_dup(&d->mem, owner, (size_t)olen);
	rr.rdata = arena_dup(&d->mem, rdata, len);
	if (!rr.owner || !rr.rdata)
		return ERR_NOMEM;
	return list_push(removed ? &d->removed : &d->added, &rr);
}

/* Sets this small are scanned; larger ones get a hash index. */
#define DIFF_SCAN_MAX 8

/* Whether r holds an RR equal (in canonical form) to data. */
static bool rrset_has(
	const struct rrset *r, const struct rrindex *ix, const uint8_t *data, uint16_t len)
{
	uint32_t id;
	if (ix->nslots)
		return rrindex_get(ix, r->type, r->covers, data, len, &id) == 0;
	uint32_t pos = 0;
	const uint8_t *d;
	uint16_t l;
	while (rrset_next_rdata(r, &pos, &d, &l))
		if (rrindex_rdata_equal(r->type, d, l, data, len))
			return true;
	return false;
}

static int index_rrset(const struct rrset *r, struct rrindex *ix)
{
	uint32_t pos = 0;
	const uint8_t *d;
	uint16_t l;
	int rc = 0;
	while (rc == 0 && rrset_next_rdata(r, &pos, &d, &l))
		rc = rrindex_put(ix, r->type, r->covers, d, l, 0);
	return rc;
}

static int push_rr(struct zone_diff *d, bool removed, const struct node *n, uint8_t **owner,
	const struct rrset *a, const uint8_t *data, uint16_t len)
{
	if (!*owner && !(*owner = arena_dup(&d->mem, node_owner(n), n->owner_len)))
		return ERR_NOMEM;
	struct zone_diff_rr rr = {.owner = *owner,
		.type = a->type,
		.covers = a->covers,
		.ttl = a->ttl,
		.len = len,
		.rdata = arena_dup(&d->mem, data, len)};
	if (!rr.rdata)
		return ERR_NOMEM;
	return list_push(removed ? &d->removed : &d->added, &rr);
}

/* RRs of a that are not in b (all of them when b is NULL) go to the removed
 * or the added list. The owner is copied once for them all. */
static int rrset_minus(struct zone_diff *d, bool removed, const struct node *n,
	const struct rrset *a, const struct rrset *b)
{
	struct rrindex ix;
	rrindex_init(&ix);
	int rc = (b && b->count > DIFF_SCAN_MAX) ? index_rrset(b, &ix) : 0;
	uint8_t *owner = NULL;
	uint32_t pos = 0;
	const uint8_t *data;
	uint16_t len;
	while (rc == 0 && rrset_next_rdata(a, &pos, &data, &len))
		if (!b || !rrset_has(b, &ix, data, len))
			rc = push_rr(d, removed, n, &owner, a, data, len);
	rrindex_deinit(&ix);
	return rc;
}

static int add_rrset(struct zone_diff *d, bool removed, const struct node *n, const struct rrset *r)
{
	return rrset_minus(d, removed, n, r, NULL);
}

static int add_node(struct zone_diff *d, bool removed, const struct node *n)
{
	for (const struct rrset *r = node_first(n); r; r = node_next(n, r)) {
		int rc = add_rrset(d, removed, n, r);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int set_cmp(const struct rrset *a, const struct rrset *b)
{
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return (a->covers > b->covers) - (a->covers < b->covers);
}

static int diff_rrsets(struct zone_diff *d, const struct node *o, const struct rrset *a,
	const struct node *n, const struct rrset *b)
{
	if (a->ttl != b->ttl) { /* a TTL change replaces every RR (RFC 1995 §4) */
		int rc = add_rrset(d, true, o, a);
		return rc < 0 ? rc : add_rrset(d, false, n, b);
	}
	if (a->size == b->size && memcmp(a->rdata, b->rdata, a->size) == 0)
		return 0;
	int rc = rrset_minus(d, true, o, a, b);
	return rc < 0 ? rc : rrset_minus(d, false, n, b, a);
}

static int diff_nodes(struct zone_diff *d, const struct node *o, const struct node *n)
{
	const struct rrset *a = node_first(o), *b = node_first(n);
	while (a || b) {
		int c = !a ? 1 : !b ? -1 : set_cmp(a, b);
		int rc;
		if (c < 0) {
			rc = add_rrset(d, true, o, a);
			a = node_next(o, a);
		} else if (c > 0) {
			rc = add_rrset(d, false, n, b);
			b = node_next(n, b);
		} else {
			rc = diff_rrsets(d, o, a, n, b);
			a = node_next(o, a);
			b = node_next(n, b);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int zone_changed_nodes(const struct zone *a, const struct zone *b,
	int (*fn)(void *ctx, const struct node *was, const struct node *now), void *ctx)
{
	struct tree_iter ia, ib;
	struct node *x = tree_iter_first(&ia, a->tree);
	struct node *y = tree_iter_first(&ib, b->tree);
	while (x || y) {
		int h = (x && y) ? tree_iter_shared(&ia, &ib) : -1;
		if (h >= 0) { /* a block both versions share: nothing inside differs */
			x = tree_iter_skip(&ia, h);
			y = tree_iter_skip(&ib, h);
			continue;
		}
		int c = !x   ? 1
			: !y ? -1
			     : name_key_cmp(node_key(x), x->key_len, node_key(y), y->key_len);
		int rc = (c != 0 || x != y) ? fn(ctx, c <= 0 ? x : NULL, c >= 0 ? y : NULL) : 0;
		if (rc < 0)
			return rc;
		if (c <= 0)
			x = tree_iter_next(&ia);
		if (c >= 0)
			y = tree_iter_next(&ib);
	}
	return 0;
}

static int diff_changed(void *ctx, const struct node *was, const struct node *now)
{
	struct zone_diff *d = ctx;
	if (!now)
		return add_node(d, true, was);
	return was ? diff_nodes(d, was, now) : add_node(d, false, now);
}

int zone_diff_compute(const struct zone *from, const struct zone *to, struct zone_diff *d)
{
	if (!zone_same_apex(from, to))
		return ERR_INVAL;
	d->old_serial = from->serial;
	d->new_serial = to->serial;
	return zone_changed_nodes(from, to, diff_changed, d);
}
