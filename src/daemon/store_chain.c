/*
 * store_chain.c - a zone's versions on disk as a snapshot and the diffs
 * after it (store.h): writing them, reading them back, and letting go of
 * the files no state file names any more.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util/err.h"
#include "lib/util/log.h"
#include "lib/zone/zone_diff_io.h"
#include "lib/zone/zone_read.h"
#include "lib/zone/zone_write.h"
#include "src/daemon/store.h"

char *store_file_path(const struct dzone *z, bool is_signed, uint64_t gen, bool is_diff)
{
	char path[4200];
	int n = snprintf(path, sizeof(path), "%s/%s.%s.%llu%s", z->d->cfg.zone_state_dir, z->stem,
		is_signed ? "signed" : "loaded", (unsigned long long)gen, is_diff ? ".diff" : "");
	return n < (int)sizeof(path) ? strdup(path) : NULL;
}

void store_chain_push(struct store_chain *c, uint64_t gen, bool is_diff)
{
	if (is_diff && c->n < STORE_MAX_DIFFS) {
		c->diffs[c->n++] = gen;
	} else {
		c->base = gen;
		c->n = 0;
	}
}

static bool chain_has(const struct store_chain *c, uint64_t gen)
{
	if (c->base == gen)
		return true;
	for (size_t i = 0; i < c->n; i++)
		if (c->diffs[i] == gen)
			return true;
	return false;
}

void store_unlink(struct dzone *z, bool is_signed, uint64_t gen, bool is_diff)
{
	char *path = store_file_path(z, is_signed, gen, is_diff);
	if (path && unlink(path) < 0 && errno != ENOENT)
		log_warning("zone %s: cannot remove %s: %s", z->name, path, strerror(errno));
	free(path);
}

void store_chain_prune(struct dzone *z, bool is_signed, const struct store_chain *old,
	const struct store_chain *now)
{
	if (old->base && !chain_has(now, old->base))
		store_unlink(z, is_signed, old->base, false);
	for (size_t i = 0; i < old->n; i++)
		if (!chain_has(now, old->diffs[i]))
			store_unlink(z, is_signed, old->diffs[i], true);
}

void store_delete_all(struct dzone *z)
{
	static const struct store_chain none;
	store_chain_prune(z, false, &z->loaded_chain, &none);
	store_chain_prune(z, true, &z->signed_chain, &none);
	if (z->up_gen)
		store_unlink(z, false, z->up_gen, z->up_is_diff);
	journal_trim(&z->journal, 0, 0, 0, store_ixfr_unlink, z);
}

/* Writing ----------------------------------------------------------------- */

struct persist_job {
	uv_work_t w;
	struct dzone *z;
	struct zone *cur, *next; /* cur: the version before next, or NULL */
	char *snap_path, *diff_path;
	uint64_t gen;
	bool is_signed, wrote_diff;
	bool chain_ok; /* next may go on cur's chain as a diff */
	/* Signed versions: the diff for the IXFR journal, when the policy's
	 * limits would keep it, and its file. */
	uint32_t max_diffs, max_diffs_pct;
	struct zone_diff *ixfr;
	char *ixfr_path;
	uint64_t ixfr_gen;
	unsigned threads;
	int rc;
	store_persist_fn done;
};

/* The diff from cur: on the chain when it is small beside the version (a
 * quarter of its records), in the IXFR journal when the policy keeps it. */
static void persist_diff(struct persist_job *j)
{
	struct zone_diff *d = malloc(sizeof(*d));
	if (!d)
		return;
	zone_diff_init(d);
	if (zone_diff_compute(j->cur, j->next, d) == 0) {
		size_t rrs = d->removed.n + d->added.n;
		d->old_serial = j->cur->serial;
		d->new_serial = j->next->serial;
		if (j->chain_ok && rrs <= j->next->rrs / 4 + 16) {
			j->rc = zone_diff_write_file(d, j->diff_path);
			j->wrote_diff = j->rc == 0;
		}
		if (j->is_signed &&
			journal_would_keep(rrs, j->max_diffs, j->max_diffs_pct, j->next->rrs) &&
			zone_diff_write_file(d, j->ixfr_path) == 0) {
			j->ixfr = d;
			return;
		}
	}
	zone_diff_deinit(d);
	free(d);
}

/* A diff when persist_diff wrote one, else a whole snapshot, which also
 * starts a new chain. */
static void persist_work(uv_work_t *w)
{
	struct persist_job *j = (struct persist_job *)w;
	if (j->cur)
		persist_diff(j);
	if (!j->wrote_diff)
		j->rc = zone_write_file_threads(j->next, j->snap_path, j->threads);
}

static void persist_done(uv_work_t *w, int status)
{
	struct persist_job *j = (struct persist_job *)w;
	j->z->d->busy--;
	if (status == UV_ECANCELED && j->rc == 0)
		j->rc = -ECANCELED;
	if (j->ixfr && (j->rc < 0 || j->z->d->stopping)) {
		store_ixfr_unlink(j->z, j->ixfr_gen);
		zone_diff_deinit(j->ixfr);
		free(j->ixfr);
		j->ixfr = NULL;
	}
	if (j->ixfr) { /* pipeline_publish() puts it in the journal */
		j->z->up_ixfr = j->ixfr;
		j->z->up_ixfr_gen = j->ixfr_gen;
	}
	if (!j->z->d->stopping)
		j->done(j->z, j->is_signed, j->gen, j->wrote_diff, j->rc,
			j->wrote_diff ? j->diff_path : j->snap_path);
	if (j->cur)
		zone_unref(j->cur);
	zone_unref(j->next);
	free(j->snap_path);
	free(j->diff_path);
	free(j->ixfr_path);
	free(j);
}

int store_persist(struct dzone *z, bool is_signed, store_persist_fn done)
{
	struct persist_job *j = calloc(1, sizeof(*j));
	const struct store_chain *c = is_signed ? &z->signed_chain : &z->loaded_chain;
	struct zone *cur = is_signed ? z->published : z->loaded;
	if (!j)
		return ERR_NOMEM;
	/* Generations are never reused, so no file of a half-done step is
	 * ever taken for one the state names. */
	j->gen = ++z->next_gen;
	j->snap_path = store_file_path(z, is_signed, j->gen, false);
	j->diff_path = store_file_path(z, is_signed, j->gen, true);
	if (is_signed) {
		const struct dpolicy *dp = daemon_policy(z->d, z->policy);
		j->ixfr_gen = ++z->next_gen;
		j->ixfr_path = store_ixfr_path(z, j->ixfr_gen);
		j->max_diffs = dp ? dp->p.max_diffs : 0;
		j->max_diffs_pct = dp ? dp->p.max_diffs_size : 0;
	}
	if (!j->snap_path || !j->diff_path || (is_signed && !j->ixfr_path)) {
		free(j->snap_path);
		free(j->diff_path);
		free(j->ixfr_path);
		free(j);
		return ERR_NOMEM;
	}
	j->chain_ok = cur && c->base && c->n < STORE_MAX_DIFFS;
	if (j->chain_ok || (cur && is_signed))
		j->cur = zone_ref(cur);
	j->z = z;
	j->next = zone_ref(is_signed ? z->up_signed : z->up_loaded);
	j->is_signed = is_signed;
	j->threads = z->d->threads;
	j->done = done;
	z->d->busy++;
	uv_queue_work(z->d->loop, &j->w, persist_work, persist_done);
	return 0;
}

/* Reading ------------------------------------------------------------------ */

int store_read_snapshot(const struct dzone *z, bool is_signed, uint64_t gen, struct zone **out)
{
	char *path = store_file_path(z, is_signed, gen, false);
	if (!path)
		return ERR_NOMEM;
	struct zone_read_opts o = {.origin = z->name};
	struct zone_msgs msgs;
	zone_msgs_init(&msgs);
	int rc = zone_read_file(path, &o, &msgs, out);
	zone_msgs_deinit(&msgs);
	free(path);
	return rc;
}

int store_apply_diff(const struct dzone *z, bool is_signed, uint64_t gen, struct zone **v)
{
	char *path = store_file_path(z, is_signed, gen, true);
	if (!path)
		return ERR_NOMEM;
	struct zone_diff d;
	zone_diff_init(&d);
	struct zone *next = NULL;
	int rc = zone_diff_read_file(path, &d);
	if (rc == 0)
		rc = zone_diff_apply(*v, &d, &next, NULL);
	zone_diff_deinit(&d);
	free(path);
	if (rc == 0) {
		zone_unref(*v);
		*v = next;
	}
	return rc;
}

int store_read_chain(
	const struct dzone *z, bool is_signed, const struct store_chain *c, struct zone **out)
{
	struct zone *v = NULL;
	int rc = store_read_snapshot(z, is_signed, c->base, &v);
	for (size_t i = 0; rc == 0 && i < c->n; i++)
		rc = store_apply_diff(z, is_signed, c->diffs[i], &v);
	if (rc < 0 && v)
		zone_unref(v);
	if (rc == 0)
		*out = v;
	return rc;
}
