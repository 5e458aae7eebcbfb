/*
 * policies.c - the daemon's policy copies and their reload (policies.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/util/err.h"
#include "lib/util/log.h"
#include "src/daemon/dzone.h"
#include "src/daemon/policies.h"
#include "src/daemon/store.h"

static int cmp_policy(const void *a, const void *b)
{
	const struct dpolicy *const *x = a, *const *y = b;
	return strcmp((*x)->p.name, (*y)->p.name);
}

struct dpolicy *daemon_policy(struct daemon *d, const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < d->npolicies; i++)
		if (strcmp(d->policies[i]->p.name, name) == 0)
			return d->policies[i];
	return NULL;
}

static void dpolicy_free(struct dpolicy *dp)
{
	if (!dp)
		return;
	policy_deinit(&dp->p);
	free(dp);
}

/* Puts dp in the list, replacing one of the same name. */
static int policies_put(struct daemon *d, struct dpolicy *dp)
{
	for (size_t i = 0; i < d->npolicies; i++) {
		if (strcmp(d->policies[i]->p.name, dp->p.name) == 0) {
			dpolicy_free(d->policies[i]);
			d->policies[i] = dp;
			return 0;
		}
	}
	struct dpolicy **v = realloc(d->policies, (d->npolicies + 1) * sizeof(*v));
	if (!v)
		return ERR_NOMEM;
	d->policies = v;
	v[d->npolicies++] = dp;
	qsort(v, d->npolicies, sizeof(*v), cmp_policy);
	return 0;
}

int policies_add_text(
	struct daemon *d, const char *name, const char *text, bool file_gone, char *err)
{
	struct dpolicy *dp = calloc(1, sizeof(*dp));
	if (!dp || policy_init_defaults(&dp->p, name) < 0) {
		free(dp);
		snprintf(err, POLICY_ERR_SIZE, "out of memory");
		return ERR_NOMEM;
	}
	int rc = policy_parse(&dp->p, text, strlen(text), name, NULL, NULL, err);
	dp->file_gone = file_gone;
	if (rc == 0)
		rc = policies_put(d, dp);
	if (rc < 0)
		dpolicy_free(dp);
	return rc;
}

size_t policies_users(struct daemon *d, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < d->nzones; i++)
		n += d->zones[i]->policy && strcmp(d->zones[i]->policy, name) == 0;
	return n;
}

/* No HSM exists until `cascade hsm add` does: a policy naming one is
 * refused at load, as Cascade's reload does. */
static bool no_hsm(void *ctx, const char *id)
{
	(void)ctx;
	(void)id;
	return false;
}

/* TSIG key names of send-notify-to, provide-xfr-to and
 * publication-nameservers must name stored keys (cascade-spec §11.3). */
static bool tsig_exists(void *ctx, const char *name)
{
	const struct daemon *d = ctx;
	return tsigstore_find(&d->tsig, name) != NULL;
}

struct loaded {
	struct dpolicy **v;
	size_t n;
};

static void loaded_free(struct loaded *l)
{
	for (size_t i = 0; i < l->n; i++)
		dpolicy_free(l->v[i]);
	free(l->v);
}

/* Loads one file of policy-dir into l; skips what is not a policy file. */
static int load_entry(
	struct daemon *d, const char *fname, struct loaded *l, json_t *warnings, char *err)
{
	size_t n = strlen(fname);
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", d->cfg.policy_dir, fname);
	struct stat st;
	if (fname[0] == '.' || n <= 5 || strcmp(fname + n - 5, ".toml") != 0 ||
		stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (strcmp(fname, ".") != 0 && strcmp(fname, "..") != 0)
			json_array_append_new(
				warnings, json_sprintf("skipped %s: not a *.toml file", path));
		return 0;
	}
	struct dpolicy *dp = calloc(1, sizeof(*dp));
	struct dpolicy **v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (v)
		l->v = v;
	if (!dp || !v) {
		free(dp);
		snprintf(err, POLICIES_ERR_SIZE, "out of memory");
		return ERR_NOMEM;
	}
	struct buf warn;
	buf_init(&warn, 0);
	struct policy_env env = {.hsm_exists = no_hsm, .tsig_exists = tsig_exists, .ctx = d};
	int rc = policy_init_defaults(&dp->p, "");
	if (rc == 0)
		rc = policy_load(&dp->p, path, &env, &warn, err);
	else
		snprintf(err, POLICIES_ERR_SIZE, "out of memory");
	if (warn.len)
		json_array_append_new(warnings, json_string(buf_cstr(&warn)));
	buf_deinit(&warn);
	if (rc < 0) {
		policy_deinit(&dp->p);
		free(dp);
		return rc;
	}
	l->v[l->n++] = dp;
	return 0;
}

static int load_dir(struct daemon *d, struct loaded *l, json_t *warnings, char *err)
{
	DIR *dir = opendir(d->cfg.policy_dir);
	if (!dir) {
		snprintf(err, POLICIES_ERR_SIZE, "cannot read the policy folder %s: %s",
			d->cfg.policy_dir, strerror(errno));
		return -errno;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(dir)))
		rc = load_entry(d, e->d_name, l, warnings, err);
	closedir(dir);
	return rc;
}

static json_t *change(const char *name, const char *what)
{
	return json_pack("[s, s]", name, what);
}

/* The old copies that no file gives any more: dropped, or kept while zones
 * use them (cascade-spec §11.1). */
static void report_removed(struct daemon *d, struct loaded *l, json_t *changes, json_t *warnings)
{
	for (size_t i = 0; i < d->npolicies; i++) {
		struct dpolicy *old = d->policies[i];
		bool found = false;
		for (size_t k = 0; k < l->n && !found; k++)
			found = strcmp(l->v[k]->p.name, old->p.name) == 0;
		if (found)
			continue;
		size_t users = policies_users(d, old->p.name);
		if (users == 0) {
			json_array_append_new(changes, change(old->p.name, "removed"));
			continue;
		}
		json_array_append_new(warnings,
			json_sprintf("policy %s: its file is gone but %zu zone(s) use it; the copy "
				     "is kept",
				old->p.name, users));
		struct dpolicy *keep = calloc(1, sizeof(*keep));
		if (keep && policy_copy(&keep->p, &old->p) == 0) {
			keep->file_gone = true;
			struct dpolicy **v = realloc(l->v, (l->n + 1) * sizeof(*v));
			if (v) {
				l->v = v;
				l->v[l->n++] = keep;
				continue;
			}
			policy_deinit(&keep->p);
		}
		free(keep);
	}
}

int policies_reload(struct daemon *d, json_t **report, char *err)
{
	struct loaded l = {0};
	json_t *changes = json_array(), *warnings = json_array();
	int rc = load_dir(d, &l, warnings, err);
	if (rc < 0) {
		loaded_free(&l);
		json_decref(changes);
		json_decref(warnings);
		return rc;
	}
	/* By name, not in the folder's order, so the report reads the same
	 * every time. */
	qsort(l.v, l.n, sizeof(*l.v), cmp_policy);
	for (size_t i = 0; i < l.n; i++) {
		struct dpolicy *old = daemon_policy(d, l.v[i]->p.name);
		json_array_append_new(changes,
			change(l.v[i]->p.name,
				!old					    ? "added"
					: policy_equal(&old->p, &l.v[i]->p) ? "unchanged"
									    : "updated"));
	}
	report_removed(d, &l, changes, warnings);
	for (size_t i = 0; i < d->npolicies; i++)
		dpolicy_free(d->policies[i]);
	free(d->policies);
	d->policies = l.v;
	d->npolicies = l.n;
	qsort(d->policies, d->npolicies, sizeof(*d->policies), cmp_policy);
	/* A lower max-diffs or max-diffs-size takes effect now (cascade-spec §7). */
	for (size_t i = 0; i < d->nzones; i++)
		store_ixfr_trim(d->zones[i]);
	*report = json_pack("{s:o, s:o}", "changes", changes, "warnings", warnings);
	return 0;
}

void policies_free(struct daemon *d)
{
	for (size_t i = 0; i < d->npolicies; i++)
		dpolicy_free(d->policies[i]);
	free(d->policies);
	d->policies = NULL;
	d->npolicies = 0;
}
