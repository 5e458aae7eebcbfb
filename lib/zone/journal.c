/*
 * journal.c - the bounded chain of published diffs behind IXFR-out.
 */
#include "lib/zone/journal.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util/err.h"

void journal_init(struct journal *j)
{
	memset(j, 0, sizeof(*j));
}

static void entry_free(struct journal_entry *e)
{
	zone_diff_deinit(e->diff);
	free(e->diff);
}

void journal_deinit(struct journal *j)
{
	for (size_t i = 0; i < j->n; i++)
		entry_free(&j->v[i]);
	free(j->v);
	journal_init(j);
}

static size_t diff_rrs(const struct zone_diff *d)
{
	return d->removed.n + d->added.n;
}

/* Drops the oldest n entries. */
static void drop_front(struct journal *j, size_t n, journal_drop_fn dropped, void *ctx)
{
	for (size_t i = 0; i < n; i++) {
		if (dropped)
			dropped(ctx, j->v[i].gen);
		j->rrs -= j->v[i].rrs;
		entry_free(&j->v[i]);
	}
	memmove(j->v, j->v + n, (j->n - n) * sizeof(j->v[0]));
	j->n -= n;
}

int journal_push(
	struct journal *j, struct zone_diff *d, uint64_t gen, journal_drop_fn dropped, void *ctx)
{
	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 8;
		struct journal_entry *v = realloc(j->v, cap * sizeof(*v));
		if (!v) {
			zone_diff_deinit(d);
			free(d);
			return ERR_NOMEM;
		}
		j->v = v;
		j->cap = cap;
	}
	/* A gap (a version published without a diff kept) breaks the chain:
	 * what came before it can no longer lead to the present. */
	if (j->n && j->v[j->n - 1].diff->new_serial != d->old_serial)
		drop_front(j, j->n, dropped, ctx);
	j->v[j->n++] = (struct journal_entry){d, gen, diff_rrs(d)};
	j->rrs += diff_rrs(d);
	return 0;
}

/* The record budget: max_size_pct percent of the zone, at least 1. */
static size_t budget(uint32_t max_size_pct, size_t zone_rrs)
{
	size_t b = zone_rrs / 100 * max_size_pct + zone_rrs % 100 * max_size_pct / 100;
	return b ? b : 1;
}

size_t journal_trim(struct journal *j, uint32_t max_diffs, uint32_t max_size_pct, size_t zone_rrs,
	void (*dropped)(void *ctx, uint64_t gen), void *ctx)
{
	size_t limit = budget(max_size_pct, zone_rrs), drop = 0, rrs = j->rrs;
	while (drop < j->n && (j->n - drop > max_diffs || rrs > limit))
		rrs -= j->v[drop++].rrs;
	drop_front(j, drop, dropped, ctx);
	return drop;
}

int journal_path(const struct journal *j, uint32_t from, uint32_t to, size_t *first, size_t *count)
{
	for (size_t i = 0; i < j->n; i++) {
		if (j->v[i].diff->old_serial != from)
			continue;
		/* Entries are contiguous (journal_push), so the path is a run. */
		for (size_t k = i; k < j->n; k++) {
			if (j->v[k].diff->new_serial == to) {
				*first = i;
				*count = k - i + 1;
				return 0;
			}
		}
		break;
	}
	return ERR_NOTFOUND;
}

bool journal_would_keep(size_t rrs, uint32_t max_diffs, uint32_t max_size_pct, size_t zone_rrs)
{
	return max_diffs > 0 && rrs <= budget(max_size_pct, zone_rrs);
}
