/*
 * node.h - one owner name of a zone and all its RRsets, as one immutable block.
 *
 * A node is built once (node_build) and never changed: a new zone version that
 * changes a name gets a new node, and versions share the nodes they have in
 * common. The block holds, in this order: the header, the lookup key (see
 * lib/dns/name.h), the owner in wire form (case kept), then the RRsets sorted
 * by (type, covered type). Each RRset keeps its RDATA as libknot's
 * knot_rdata_t array (host-order u16 length, data, pad to even), sorted in
 * canonical order (RFC 4034 §6.3) and deduplicated, so it can be handed to
 * libknot without copying. RRSIGs form one RRset per covered type (RFC 4034
 * §3: RRSIGs covering different types are not one RRset), placed beside the
 * RRsets they cover by the (type, covers) order.
 *
 * Ownership: reference-counted. node_build returns a node with one reference;
 * node_ref/node_unref are atomic, so versions on different threads may share it.
 */
#ifndef CASCADE_ZONE_NODE_H
#define CASCADE_ZONE_NODE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum node_flags {
	NODE_APEX = 1 << 0,	/* the zone apex */
	NODE_DELEG = 1 << 1,	/* NS at a name below the apex: a zone cut (RFC 1034 §4.2.1) */
	NODE_OCCLUDED = 1 << 2, /* below a zone cut or a DNAME (RFC 6672 §2.4): not authoritative */
	NODE_GLUE = 1 << 3,	/* occluded below a zone cut and holding A or AAAA */
	NODE_ENT = 1 << 4,	/* empty non-terminal: no RRsets, has descendants */
	NODE_WILDCARD = 1 << 5, /* first label is "*" (RFC 4592) */
	NODE_DNAME = 1 << 6,	/* holds a DNAME */
};

struct rrset {
	uint16_t type;
	uint16_t covers; /* RRSIG: the covered type; otherwise 0 */
	uint32_t ttl;
	uint32_t count;	 /* RRs, at most LIMIT_RRSET_RRS */
	uint32_t size;	 /* octets of rdata[] */
	uint8_t rdata[]; /* knot_rdata_t entries */
};

struct node {
	_Atomic uint32_t refs;
	uint16_t flags;
	uint16_t nrrsets;
	uint32_t size; /* octets of data[] */
	uint16_t key_len;
	uint8_t owner_len;
	uint8_t pad;
	_Alignas(4) uint8_t data[];
};

/* One RR as input to node_build. rdata is borrowed. */
struct node_rr {
	uint16_t type;
	uint16_t covers;
	uint32_t ttl;
	uint16_t len;
	const uint8_t *rdata;
	uint32_t line; /* where it came from, for messages (0 if unknown) */
	uint16_t file; /* index of the file it came from */
};

/* What node_build noticed but accepted (RFC 2181 §5). */
struct node_build_notes {
	uint32_t duplicates;   /* identical RRs dropped (counted once each) */
	uint16_t ttl_mismatch; /* a type whose RRs had different TTLs (lowest kept), or 0 */
	uint32_t ttl_mismatch_line;
};

static inline const uint8_t *node_key(const struct node *n)
{
	return n->data;
}

static inline const uint8_t *node_owner(const struct node *n)
{
	return n->data + n->key_len;
}

/* A hint to fetch n's first two cache lines (the header, names and first
 * RRset of most nodes) before they are read: see tree_iter_prefetch. */
static inline void node_prefetch(const struct node *n)
{
	__builtin_prefetch(n);
	__builtin_prefetch((const char *)n + 64);
}

/* Builds a node from rrs[0..n) (reordered in place; duplicates dropped; the
 * lowest TTL of an RRset kept). owner is a valid wire name. notes may be NULL.
 * Returns 0 and *out with one reference, or ERR_NOMEM / ERR_LIMIT / ERR_SYNTAX. */
int node_build(const uint8_t *owner, struct node_rr *rrs, size_t n, uint16_t flags,
	struct node **out, struct node_build_notes *notes);
/* A copy of node with other flags (shares nothing). */
int node_with_flags(const struct node *node, uint16_t flags, struct node **out);
/* Fills rrs (capacity cap) with the RRs of node, borrowing its memory. Returns
 * the count, or ERR_LIMIT when cap is too small. */
int node_rrs(const struct node *node, struct node_rr *rrs, size_t cap);
/* Number of RRs in the node. */
size_t node_rr_count(const struct node *node);

static inline struct node *node_ref(struct node *n)
{
	atomic_fetch_add_explicit(&n->refs, 1, memory_order_relaxed);
	return n;
}

void node_unref(struct node *n);

/* RRset iteration: first (NULL when none) and next (NULL after the last). */
const struct rrset *node_first(const struct node *n);
const struct rrset *node_next(const struct node *n, const struct rrset *r);
/* The RRset of that type (covers: covered type for RRSIG, else 0), or NULL. */
const struct rrset *node_find(const struct node *n, uint16_t type, uint16_t covers);

/* RDATA iteration inside an RRset: pos starts at 0; returns false at the end. */
bool rrset_next_rdata(const struct rrset *r, uint32_t *pos, const uint8_t **data, uint16_t *len);

#endif
