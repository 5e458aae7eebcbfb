/*
 * store_ixfr.c - the IXFR journal of a zone on disk (store.h): one file per
 * diff between published versions, named in the zone's state file, so the
 * chain served by IXFR survives a restart (cascade-spec §7, "Diffs are
 * persisted").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util/err.h"
#include "lib/util/log.h"
#include "lib/zone/zone_diff_io.h"
#include "src/daemon/store.h"

char *store_ixfr_path(const struct dzone *z, uint64_t gen)
{
	char path[4200];
	int n = snprintf(path, sizeof(path), "%s/%s.ixfr.%llu", z->d->cfg.zone_state_dir, z->stem,
		(unsigned long long)gen);
	return n < (int)sizeof(path) ? strdup(path) : NULL;
}

void store_ixfr_unlink(void *ctx, uint64_t gen)
{
	struct dzone *z = ctx;
	char *path = store_ixfr_path(z, gen);
	if (path && unlink(path) < 0 && errno != ENOENT)
		log_warning("zone %s: cannot remove %s: %s", z->name, path, strerror(errno));
	free(path);
}

void store_ixfr_gone(void *ctx, uint64_t gen)
{
	struct dzone *z = ctx;
	uint64_t *v = realloc(z->ixfr_gone, (z->nixfr_gone + 1) * sizeof(*v));
	if (!v)
		return; /* the file stays behind, harmless */
	z->ixfr_gone = v;
	z->ixfr_gone[z->nixfr_gone++] = gen;
}

void store_ixfr_unlink_gone(struct dzone *z)
{
	for (size_t i = 0; i < z->nixfr_gone; i++)
		store_ixfr_unlink(z, z->ixfr_gone[i]);
	free(z->ixfr_gone);
	z->ixfr_gone = NULL;
	z->nixfr_gone = 0;
}

void store_ixfr_trim(struct dzone *z)
{
	const struct dpolicy *dp = daemon_policy(z->d, z->policy);
	size_t rrs = z->published ? z->published->rrs : 0;
	if (journal_trim(&z->journal, dp ? dp->p.max_diffs : 0, dp ? dp->p.max_diffs_size : 0, rrs,
		    store_ixfr_gone, z) > 0)
		dzone_save(z);
}

json_t *store_ixfr_json(const struct dzone *z)
{
	/* not read back yet (a stop while restoring): what the file named */
	if (z->ixfr_json)
		return json_deep_copy(z->ixfr_json);
	json_t *a = json_array();
	for (size_t i = 0; i < z->journal.n; i++) {
		const struct journal_entry *e = &z->journal.v[i];
		json_array_append_new(a,
			json_pack("{s:I, s:I, s:I}", "gen", (json_int_t)e->gen, "from",
				(json_int_t)e->diff->old_serial, "to",
				(json_int_t)e->diff->new_serial));
	}
	return a;
}

int store_ixfr_apply(struct dzone *z, const json_t *a)
{
	if (!json_is_array(a))
		return 0; /* a state file from before the journal */
	z->ixfr_gens = calloc(json_array_size(a) + 1, sizeof(*z->ixfr_gens));
	if (!z->ixfr_gens)
		return ERR_NOMEM;
	z->ixfr_json = json_incref((json_t *)a);
	size_t i;
	const json_t *e;
	json_array_foreach(a, i, e)
	{
		json_int_t gen = json_integer_value(json_object_get(e, "gen"));
		if (gen > 0)
			z->ixfr_gens[z->nixfr_gens++] = (uint64_t)gen;
	}
	return 0;
}

int store_ixfr_read(const struct dzone *z, const uint64_t *gens, size_t n, struct zone_diff **out)
{
	for (size_t i = 0; i < n; i++) {
		char *path = store_ixfr_path(z, gens[i]);
		struct zone_diff *d = malloc(sizeof(*d));
		int rc = path && d ? 0 : ERR_NOMEM;
		if (d)
			zone_diff_init(d);
		if (rc == 0)
			rc = zone_diff_read_file(path, d);
		free(path);
		if (rc < 0) {
			if (d)
				zone_diff_deinit(d);
			free(d);
			return rc;
		}
		out[i] = d;
	}
	return 0;
}

void store_ixfr_restore(struct dzone *z, struct zone_diff **diffs, size_t n, int rc)
{
	size_t i = 0;
	if (rc == 0 && n && (!z->published || diffs[n - 1]->new_serial != z->published->serial))
		rc = ERR_DIFF;
	for (; rc == 0 && i < n; i++)
		rc = journal_push(&z->journal, diffs[i], z->ixfr_gens[i], store_ixfr_gone, z);
	json_decref(z->ixfr_json);
	z->ixfr_json = NULL;
	if (rc < 0) {
		/* Clients of the lost part get AXFR; nothing else depends on it. */
		log_warning("zone %s: the IXFR journal on disk cannot be used (%s); it starts "
			    "again at the next publication",
			z->name, err_str(rc));
		for (; i < n; i++) {
			if (diffs[i])
				zone_diff_deinit(diffs[i]);
			free(diffs[i]);
		}
		journal_trim(&z->journal, 0, 0, 0, NULL, NULL);
		for (size_t k = 0; k < z->nixfr_gens; k++)
			store_ixfr_gone(z, z->ixfr_gens[k]);
	}
	free(z->ixfr_gens);
	z->ixfr_gens = NULL;
	z->nixfr_gens = 0;
	store_ixfr_trim(z); /* the policy may have changed while we were down */
}
