/*
 * zone.h - one immutable version of a zone: its apex and its name tree.
 *
 * A version never changes after it is built. Readers (transfers, review
 * servers, the API) hold a reference; publishing a new version swaps a
 * pointer. Nodes and tree blocks are shared between versions (tree.h).
 *
 * Ownership: zone_new takes over the tree reference it is given; zone_ref /
 * zone_unref are atomic, so a version may be read and released on any thread.
 * Nodes returned by lookups are borrowed for as long as the caller holds the
 * version.
 */
#ifndef CASCADE_ZONE_ZONE_H
#define CASCADE_ZONE_ZONE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dns/name.h"
#include "lib/limits.h"
#include "lib/zone/node.h"
#include "lib/zone/tree.h"

struct zone {
	_Atomic uint32_t refs;
	struct tree *tree;
	size_t nodes;	 /* names in the tree, empty non-terminals included */
	size_t rrs;	 /* RRs in all RRsets */
	uint32_t serial; /* from the apex SOA */
	uint8_t apex_len;
	uint16_t apex_key_len;
	uint8_t apex[LIMIT_NAME_LEN + 1];
	uint8_t apex_key[NAME_KEY_MAX];
};

/* A version over tree (reference taken over). nodes/rrs are counted and the
 * serial read from the apex SOA when present. */
int zone_new(const uint8_t *apex, struct tree *tree, struct zone **out);
/* The same when the counts are already known (no walk over the tree). */
int zone_new_counted(
	const uint8_t *apex, struct tree *tree, size_t nodes, size_t rrs, struct zone **out);
struct zone *zone_ref(struct zone *z);
void zone_unref(struct zone *z);

/* The node of this wire name, or NULL. */
struct node *zone_find(const struct zone *z, const uint8_t *name);
/* The apex node (NULL only for an empty version). */
struct node *zone_apex_node(const struct zone *z);
/* The RRset at name with that type (covers for RRSIG), or NULL. */
const struct rrset *zone_find_rrset(
	const struct zone *z, const uint8_t *name, uint16_t type, uint16_t covers);
/* The deepest existing node that is name or an ancestor of it within the
 * zone (empty non-terminals exist, RFC 5155 §1.3); NULL when name is not in
 * the zone. */
struct node *zone_closest_encloser(const struct zone *z, const uint8_t *name);
/* The highest zone cut (NS below the apex) or DNAME node strictly above
 * name, or at name when it is a cut; NULL when name is authoritative data. */
struct node *zone_find_delegation(const struct zone *z, const uint8_t *name);
/* True when name is the apex or below it. */
bool zone_contains(const struct zone *z, const uint8_t *name);
/* Whether a and b are versions of one zone (the same apex). */
bool zone_same_apex(const struct zone *a, const struct zone *b);

#endif
