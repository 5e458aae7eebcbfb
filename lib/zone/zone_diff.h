/*
 * zone_diff.h - the difference between two zone versions, and applying it.
 *
 * A diff is what IXFR carries (RFC 1995 §4): the RRs removed from the old
 * version and the RRs added in the new one, the SOA change included. A TTL
 * change is a removal of the old RR and an addition of the new. Diffs link
 * consecutive versions and feed IXFR-out, incremental signing and
 * persistence.
 *
 * Ownership: a diff owns its RRs (copied into its arena); the versions given
 * to compute/apply are only read and the caller keeps its references.
 * zone_diff_apply returns a new version that shares every unchanged node and
 * subtree with the old one. Not thread-safe per diff; distinct diffs are
 * independent.
 */
#ifndef CASCADE_ZONE_ZONE_DIFF_H
#define CASCADE_ZONE_ZONE_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util/arena.h"
#include "lib/util/buf.h"
#include "lib/zone/zone.h"

struct zone_diff_rr {
	const uint8_t *owner; /* wire form */
	uint16_t type;
	uint16_t covers; /* RRSIG: covered type */
	uint32_t ttl;
	uint16_t len;
	const uint8_t *rdata;
};

struct zone_diff_list {
	struct zone_diff_rr *v;
	size_t n, cap;
};

struct zone_diff {
	struct arena mem;
	uint32_t old_serial, new_serial;
	struct zone_diff_list removed;
	struct zone_diff_list added;
};

void zone_diff_init(struct zone_diff *d);
void zone_diff_deinit(struct zone_diff *d);
/* Appends one RR (copied) to the removed or the added list. */
int zone_diff_add(struct zone_diff *d, bool removed, const uint8_t *owner, uint16_t type,
	uint16_t covers, uint32_t ttl, const uint8_t *rdata, uint16_t len);
/* Fills d (empty) with what turns from into to. Both must have the same apex.
 * Nodes and subtrees the versions share are skipped without a look inside. */
int zone_diff_compute(const struct zone *from, const struct zone *to, struct zone_diff *d);
/* Calls fn(ctx, was, now) for each owner whose node differs between a and b
 * (the node in a, the node in b, NULL where there is none), in canonical
 * order; the blocks and nodes the versions share are skipped without a look
 * inside, so the cost follows the change. Stops at fn's first error. */
int zone_changed_nodes(const struct zone *a, const struct zone *b,
	int (*fn)(void *ctx, const struct node *was, const struct node *now), void *ctx);
/* Makes the version that d turns from into. Fails with ERR_DIFF, and a
 * message in err (may be NULL), when d removes an RR that is not in from or
 * adds one that already is, or leaves the zone without its SOA. */
int zone_diff_apply(
	const struct zone *from, const struct zone_diff *d, struct zone **out, struct buf *err);
/* The net effect of the chain diffs[0..n) (each diff's new serial the next
 * one's old serial, else ERR_DIFF; n == 0: ERR_INVAL), condensed as RFC 1995
 * §6 allows: an RR added and later removed, or removed and added again,
 * cancels. RRs are the same when owner (without case), type, TTL and RDATA
 * (in canonical form, RFC 4034 §6.2) are; a TTL change stays a removal and
 * an addition. out gets the first diff's old serial and removed SOA and the
 * last diff's new serial and added SOA; the SOAs between are dropped. For
 * n == 1 out is a copy of the diff; otherwise each list is in canonical
 * order (owner, type, covered type, TTL, RDATA), the RR copied from its
 * first removal or its last addition. ERR_DIFF also when an RR is added
 * twice (or removed twice) with no removal (addition) between: such diffs
 * do not follow one another. out must be fresh from zone_diff_init; it owns
 * copies of everything, and the caller deinits it whatever the result. The
 * diffs are only read. O(N log N) in the number N of RRs of all diffs. */
int zone_diff_condense(const struct zone_diff *const *diffs, size_t n, struct zone_diff *out);

#endif
