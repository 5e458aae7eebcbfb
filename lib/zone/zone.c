/* zone.c - zone versions and lookups (see zone.h). */
#include "lib/zone/zone.h"

#include <libknot/descriptor.h>
#include <libknot/wire.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/err.h"

/* SOA RDATA ends with serial, refresh, retry, expire, minimum (RFC 1035 §3.3.13). */
static uint32_t soa_serial(const struct rrset *soa)
{
	uint32_t pos = 0;
	const uint8_t *d;
	uint16_t len;
	if (!rrset_next_rdata(soa, &pos, &d, &len) || len < 20)
		return 0;
	return knot_wire_read_u32(d + len - 20);
}

int zone_new_counted(
	const uint8_t *apex, struct tree *tree, size_t nodes, size_t rrs, struct zone **out)
{
	int alen = name_wire_len(apex, LIMIT_NAME_LEN);
	if (alen < 0) {
		tree_unref(tree);
		return alen;
	}
	struct zone *z = calloc(1, sizeof(*z));
	if (!z) {
		tree_unref(tree);
		return ERR_NOMEM;
	}
	atomic_init(&z->refs, 1);
	z->tree = tree;
	memcpy(z->apex, apex, (size_t)alen);
	z->apex_len = (uint8_t)alen;
	z->apex_key_len = (uint16_t)name_key(apex, z->apex_key);
	z->nodes = nodes;
	z->rrs = rrs;
	const struct node *a = zone_apex_node(z);
	const struct rrset *soa = a ? node_find(a, KNOT_RRTYPE_SOA, 0) : NULL;
	z->serial = soa ? soa_serial(soa) : 0;
	*out = z;
	return 0;
}

int zone_new(const uint8_t *apex, struct tree *tree, struct zone **out)
{
	size_t nodes = 0, rrs = 0;
	struct tree_iter it;
	for (struct node *n = tree_iter_first(&it, tree); n; n = tree_iter_next(&it)) {
		nodes++;
		rrs += node_rr_count(n);
	}
	return zone_new_counted(apex, tree, nodes, rrs, out);
}

struct zone *zone_ref(struct zone *z)
{
	atomic_fetch_add_explicit(&z->refs, 1, memory_order_relaxed);
	return z;
}

void zone_unref(struct zone *z)
{
	if (!z || atomic_fetch_sub_explicit(&z->refs, 1, memory_order_acq_rel) != 1)
		return;
	tree_unref(z->tree);
	free(z);
}

struct node *zone_find(const struct zone *z, const uint8_t *name)
{
	uint8_t key[NAME_KEY_MAX];
	size_t klen = name_key(name, key);
	return tree_find(z->tree, key, klen);
}

struct node *zone_apex_node(const struct zone *z)
{
	return tree_find(z->tree, z->apex_key, z->apex_key_len);
}

const struct rrset *zone_find_rrset(
	const struct zone *z, const uint8_t *name, uint16_t type, uint16_t covers)
{
	const struct node *n = zone_find(z, name);
	return n ? node_find(n, type, covers) : NULL;
}

bool zone_contains(const struct zone *z, const uint8_t *name)
{
	uint8_t key[NAME_KEY_MAX];
	size_t klen = name_key(name, key);
	return name_key_is_ancestor(z->apex_key, z->apex_key_len, key, klen);
}

bool zone_same_apex(const struct zone *a, const struct zone *b)
{
	return a->apex_key_len == b->apex_key_len &&
		memcmp(a->apex_key, b->apex_key, a->apex_key_len) == 0;
}

struct node *zone_closest_encloser(const struct zone *z, const uint8_t *name)
{
	uint8_t key[NAME_KEY_MAX];
	size_t klen = name_key(name, key);
	if (!name_key_is_ancestor(z->apex_key, z->apex_key_len, key, klen))
		return NULL;
	/* Every ancestor of an existing name exists (empty non-terminals are
	 * nodes), so the deepest existing ancestor is found walking up. */
	for (;;) {
		struct node *n = tree_find(z->tree, key, klen);
		if (n || klen <= z->apex_key_len)
			return n;
		klen = name_key_parent(key, klen);
	}
}

struct node *zone_find_delegation(const struct zone *z, const uint8_t *name)
{
	uint8_t key[NAME_KEY_MAX];
	size_t klen = name_key(name, key);
	if (!name_key_is_ancestor(z->apex_key, z->apex_key_len, key, klen))
		return NULL;
	/* Walk down from the apex's child: the first cut met is the highest. */
	size_t at = z->apex_key_len;
	while (at < klen) {
		size_t next = at;
		while (next < klen && key[next] != 0)
			next += key[next] == 1 ? 2 : 1;
		next++; /* include the separator */
		struct node *n = tree_find(z->tree, key, next);
		if (!n)
			return NULL; /* no node here, so none below */
		if (n->flags & NODE_DELEG)
			return n;
		if ((n->flags & NODE_DNAME) && next < klen)
			return n; /* DNAME redirects names below it, not its owner */
		at = next;
	}
	return NULL;
}
