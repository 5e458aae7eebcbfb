/*
 * journal.h - the chain of diffs between consecutive published versions of
 * a zone, from which IXFR is answered (RFC 1995 §4).
 *
 * Entries are kept oldest first; each links serial from -> to, and each
 * entry's from is the to of the one before it. The chain is bounded like
 * Cascade's (cascade-spec §7): at most max_diffs entries (0: no journal at
 * all), and the added plus removed records of all entries at most
 * max_size_pct percent of the published version's records; the oldest go
 * first. A diff larger than that alone is never kept: its clients get AXFR.
 *
 * Ownership: the journal owns its diffs (zone_diff, freed with the entry)
 * and nothing else; the gen of an entry names the file the caller keeps it
 * in. Pure; not thread-safe (one owner at a time).
 */
#ifndef CASCADE_ZONE_JOURNAL_H
#define CASCADE_ZONE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/zone/zone_diff.h"

struct journal_entry {
	struct zone_diff *diff; /* owned; old_serial -> new_serial */
	uint64_t gen;		/* the caller's name for its file; 0: none */
	size_t rrs;		/* removed + added */
};

struct journal {
	struct journal_entry *v;
	size_t n, cap;
	size_t rrs; /* sum over the entries */
};

void journal_init(struct journal *j);
/* Frees every diff. */
void journal_deinit(struct journal *j);

/* Called with the gen of each entry dropped, before it is freed. */
typedef void (*journal_drop_fn)(void *ctx, uint64_t gen);

/* Appends d (taken over: freed by the journal from now on, also on
 * failure) as the newest entry. A d that does not start at the newest
 * entry's new serial empties the journal first (dropped called for each;
 * may be NULL): the chain must not skip. 0 or ERR_NOMEM. */
int journal_push(
	struct journal *j, struct zone_diff *d, uint64_t gen, journal_drop_fn dropped, void *ctx);

/* Drops entries, oldest first, until at most max_diffs remain and their
 * records are at most max_size_pct percent of zone_rrs. Calls dropped(ctx,
 * gen) for each entry dropped (may be NULL), before freeing it. Returns
 * the number dropped. */
size_t journal_trim(struct journal *j, uint32_t max_diffs, uint32_t max_size_pct, size_t zone_rrs,
	void (*dropped)(void *ctx, uint64_t gen), void *ctx);

/* The entries that lead from serial from to serial to: 0 with *first and
 * *count (at least 1) when the chain holds that path, ERR_NOTFOUND when it
 * does not (the client gets AXFR). */
int journal_path(const struct journal *j, uint32_t from, uint32_t to, size_t *first, size_t *count);

/* Whether a diff of rrs records could ever be kept beside a zone of
 * zone_rrs records under these limits (so the caller need not write it). */
bool journal_would_keep(size_t rrs, uint32_t max_diffs, uint32_t max_size_pct, size_t zone_rrs);

#endif
