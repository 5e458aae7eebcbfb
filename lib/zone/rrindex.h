/*
 * rrindex.h - a hash index of RRs by (type, covered type, RDATA), comparing
 * RDATA in canonical form (RFC 4034 §6.2: names in it without case), so
 * diffs and their application stay linear however large an RRset is.
 *
 * Ownership: the index copies what it needs (canonical RDATA into its own
 * arena); callers keep their RRs. Not thread-safe.
 */
#ifndef CASCADE_ZONE_RRINDEX_H
#define CASCADE_ZONE_RRINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "lib/util/arena.h"

struct rrindex_ent;

struct rrindex {
	struct arena mem;
	struct rrindex_ent *v; /* entries, in insertion order */
	uint32_t *slot;	       /* open addressing: entry number + 1, 0 = empty */
	size_t n, cap, nslots;
};

void rrindex_init(struct rrindex *ix);
void rrindex_deinit(struct rrindex *ix);
/* Maps the RR to id; an RR already in the index gets the new id. */
int rrindex_put(struct rrindex *ix, uint16_t type, uint16_t covers, const uint8_t *rdata,
	uint16_t len, uint32_t id);
/* The id of an equal RR, or ERR_NOTFOUND. */
int rrindex_get(const struct rrindex *ix, uint16_t type, uint16_t covers, const uint8_t *rdata,
	uint16_t len, uint32_t *id);
/* True when the two RDATA of this type are equal in canonical form. */
_Bool rrindex_rdata_equal(
	uint16_t type, const uint8_t *a, uint16_t alen, const uint8_t *b, uint16_t blen);

#endif
