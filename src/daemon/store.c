/*
 * store.c - zone state files and snapshots (store.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util/base.h"
#include "lib/util/err.h"
#include "lib/util/fileio.h"
#include "lib/util/log.h"
#include "lib/zone/zone_read.h"
#include "lib/zone/zone_write.h"
#include "src/daemon/keys.h"
#include "src/daemon/pipeline.h"
#include "src/daemon/source.h"
#include "src/daemon/store.h"

int store_mkdirs(const char *path, mode_t mode)
{
	char buf[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = c;
	}
	return 0;
}

char *store_stem(const char *name)
{
	size_t n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0)
		return strdup("%2E");
	char *out = malloc(3 * n + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		/* Escapes in the presentation form (\. \065) stay escaped: the
		 * backslash itself is written %5C, so stems stay distinct. */
		bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			c == '_' || (c == '.' && i > 0);
		if (plain) {
			*o++ = (char)c;
		} else {
			snprintf(o, 4, "%%%02X", c);
			o += 3;
		}
	}
	*o = '\0';
	return out;
}

/* Signed zone file output (beyond Cascade) ---------------------------- */

struct file_job {
	uv_work_t w;
	struct dzone *z;
	struct zone *v;
	char *path;
	unsigned threads;
	int rc;
};

static void file_work(uv_work_t *w)
{
	struct file_job *j = (struct file_job *)w;
	j->rc = zone_write_file_threads(j->v, j->path, j->threads);
}

static void file_done(uv_work_t *w, int status)
{
	struct file_job *j = (struct file_job *)w;
	struct dzone *z = j->z;
	(void)status;
	z->d->busy--;
	z->file_writing = false;
	if (j->rc < 0)
		log_error("zone %s: cannot write the signed zone to %s: %s", z->name, j->path,
			err_str(j->rc));
	else
		log_info("zone %s: signed zone serial %u written to %s", z->name, j->v->serial,
			j->path);
	zone_unref(j->v);
	free(j->path);
	free(j);
	/* One write at a time, so an older version never lands last. */
	if (z->file_again && !z->d->stopping) {
		z->file_again = false;
		store_write_zone_file(z);
	}
}

/* The path with "{zone}" replaced by the zone's file stem: its name
 * without the dot, with any '/' or other odd octet %-escaped. */
static char *expand_path(const char *pattern, const char *stem)
{
	char out[4096];
	size_t o = 0, sl = strlen(stem);
	for (const char *p = pattern; *p; p++) {
		if (strncmp(p, "{zone}", 6) == 0) {
			if (o + sl >= sizeof(out))
				return NULL;
			memcpy(out + o, stem, sl);
			o += sl;
			p += 5;
		} else if (o + 1 < sizeof(out)) {
			out[o++] = *p;
		} else {
			return NULL;
		}
	}
	out[o] = '\0';
	return strdup(out);
}

void store_write_zone_file(struct dzone *z)
{
	struct dpolicy *dp = daemon_policy(z->d, z->policy);
	if (!dp || !dp->p.zone_file || !z->published)
		return;
	if (z->file_writing) {
		z->file_again = true;
		return;
	}
	struct file_job *j = calloc(1, sizeof(*j));
	if (!j || !(j->path = expand_path(dp->p.zone_file, z->stem))) {
		free(j);
		log_error("zone %s: cannot write the signed zone file: out of memory or path "
			  "too long",
			z->name);
		return;
	}
	j->z = z;
	j->v = zone_ref(z->published);
	j->threads = z->d->threads;
	z->file_writing = true;
	z->d->busy++;
	uv_queue_work(z->d->loop, &j->w, file_work, file_done);
}

/* Restoring after a restart ------------------------------------------------- */

struct restore_job {
	uv_work_t w;
	struct dzone *z;
	struct store_chain chain[2]; /* loaded, signed */
	uint64_t up_gen;
	bool up_is_diff;
	bool reload;	   /* a load was asked for or on its way at the stop */
	struct zone *v[3]; /* loaded, published, approved */
	int rc[3];
	/* the IXFR journal's files (z->ixfr_gens) */
	struct zone_diff **ixfr;
	size_t nixfr;
	int ixfr_rc;
};

static void restore_work(uv_work_t *w)
{
	struct restore_job *j = (struct restore_job *)w;
	for (int i = 0; i < 2; i++)
		if (j->chain[i].base)
			j->rc[i] = store_read_chain(j->z, i == 1, &j->chain[i], &j->v[i]);
	if (j->nixfr)
		j->ixfr_rc = store_ixfr_read(j->z, j->z->ixfr_gens, j->nixfr, j->ixfr);
	if (!j->up_gen)
		return;
	if (!j->up_is_diff) {
		j->rc[2] = store_read_snapshot(j->z, false, j->up_gen, &j->v[2]);
	} else if (j->v[0]) {
		j->v[2] = zone_ref(j->v[0]);
		j->rc[2] = store_apply_diff(j->z, false, j->up_gen, &j->v[2]);
		if (j->rc[2] < 0) {
			zone_unref(j->v[2]);
			j->v[2] = NULL;
		}
	} else {
		j->rc[2] = ERR_NOTFOUND;
	}
}

/* What the zone can do with the versions that could be read: serve the
 * published one, follow its signing with the loaded one, sign the approved
 * one; what is missing is made again, and the log says so. */
static void restore_apply(struct dzone *z, struct restore_job *j)
{
	static const char *const what[] = {"loaded", "signed", "approved loaded"};
	bool asked[3] = {j->chain[0].base != 0, j->chain[1].base != 0, j->up_gen != 0};
	for (int i = 0; i < 3; i++)
		if (asked[i] && j->rc[i] < 0)
			log_error("zone %s: the %s version on disk is missing or damaged (%s)",
				z->name, what[i], err_str(j->rc[i]));
	z->loaded = j->v[0];
	z->published = j->v[1];
	z->up_loaded = j->v[2];
	z->up_shared = j->up_is_diff; /* applied to the loaded version read */
	if (!z->loaded || !z->published)
		z->has_prev = false; /* the next signing is a full one */
	if (!z->up_loaded)
		z->up_gen = 0;
	z->state = DZ_IDLE;
	store_ixfr_restore(z, j->ixfr, j->nixfr, j->ixfr_rc);
	if (z->up_loaded) { /* dzone_kick() signs it */
		log_info("zone %s: the approved version %u was not published yet: it goes on",
			z->name, z->up_loaded->serial);
	} else if (!z->published && z->loaded) {
		log_warning("zone %s: re-signing, the signed version could not be read", z->name);
		z->pending_resign = true;
	} else if (!z->loaded && z->source == DZ_SRC_FILE && (asked[0] || asked[1])) {
		log_warning("zone %s: re-loading from %s, the loaded version could not be read",
			z->name, z->source_path);
		z->pending_load = true;
	} else if (z->published && pipeline_refresh_due(z)) {
		z->pending_resign = true;
	}
	/* A load that was asked for, running or under review when the daemon
	 * stopped is asked for again: nothing the operator asked for is lost
	 * (a file source is read again; its unchanged content costs nothing). */
	if (j->reload && z->source == DZ_SRC_FILE && !z->up_loaded) {
		log_info("zone %s: loading %s again, as asked before the restart", z->name,
			z->source_path);
		z->pending_load = true;
	}
	/* A primary is asked at every start (cascade-spec §3.3), after an
	 * approved version that waits is signed: its refresh timer starts then. */
	if (z->source == DZ_SRC_SERVER)
		z->pending_load = true;
	if (z->published)
		pipeline_schedule_refresh(z);
	dzone_kick(z);
}

static void restore_done(uv_work_t *w, int status)
{
	struct restore_job *j = (struct restore_job *)w;
	(void)status;
	j->z->d->busy--;
	if (!j->z->d->stopping) {
		restore_apply(j->z, j);
	} else {
		for (int i = 0; i < 3; i++)
			if (j->v[i])
				zone_unref(j->v[i]);
		for (size_t i = 0; i < j->nixfr; i++)
			if (j->ixfr[i]) {
				zone_diff_deinit(j->ixfr[i]);
				free(j->ixfr[i]);
			}
	}
	free(j->ixfr);
	free(j);
}

void store_restore(struct dzone *z)
{
	struct restore_job *j = calloc(1, sizeof(*j));
	if (!j) {
		log_error("zone %s: out of memory restoring", z->name);
		return;
	}
	j->z = z;
	j->nixfr = z->nixfr_gens;
	if (j->nixfr && !(j->ixfr = calloc(j->nixfr, sizeof(*j->ixfr)))) {
		free(j);
		log_error("zone %s: out of memory restoring", z->name);
		return;
	}
	j->chain[0] = z->loaded_chain;
	j->chain[1] = z->signed_chain;
	j->up_gen = z->up_gen;
	j->up_is_diff = z->up_is_diff;
	j->reload = z->pending_load || z->state == DZ_LOADING || z->state == DZ_LOADED_REVIEW ||
		z->state == DZ_HALT_LOADED || (!z->loaded_chain.base && !z->up_gen);
	z->pending_load = false;
	z->state = DZ_RESTORING;
	z->d->busy++;
	uv_queue_work(z->d->loop, &j->w, restore_work, restore_done);
}

int store_zone_restore_state(struct daemon *d, const char *name, char *err)
{
	struct dzone *z;
	char path[4200], kerr[KEYS_ERR_SIZE] = "";
	int rc = dzone_new(d, name, &z, err);
	if (rc < 0)
		return rc == ERR_EXISTS ? 0 : rc;
	snprintf(path, sizeof(path), "%s/%s.json", d->cfg.zone_state_dir, z->stem);
	struct buf text;
	buf_init(&text, 0);
	rc = fileio_read(path, 256u << 20, &text);
	json_error_t jerr;
	json_t *j = rc == 0 ? json_loadb((const char *)text.data, text.len, 0, &jerr) : NULL;
	buf_deinit(&text);
	char why[STORE_ERR_SIZE] = "";
	if (rc < 0)
		snprintf(why, sizeof(why), "cannot read %.400s: %s", path, err_str(rc));
	else if (!j)
		snprintf(why, sizeof(why), "%.300s:%d: %s", path, jerr.line, jerr.text);
	else if (store_zone_apply(z, j, why) < 0)
		rc = ERR_INVAL;
	json_decref(j);
	if (rc < 0 || why[0]) {
		/* Nothing known to act on: the zone waits for the operator,
		 * and the other zones go on. */
		log_error("zone %s: cannot restore its state: %s; the file is left as it is, "
			  "and the zone waits for the operator",
			z->name, why);
		z->state = DZ_SIGN_FAILED;
		z->halt_reason = strdup(why);
		z->broken = true;
		return 0;
	}
	if (keys_load(z, kerr) < 0)
		log_error("zone %s: %s", z->name, kerr);
	/* The keys the published version was signed with (no rolls yet). */
	if (z->has_prev && keys_signer_array(z, &z->prev_keys, &z->prev_opts.nkeys, kerr) < 0)
		z->has_prev = false;
	z->prev_opts.keys = z->prev_keys;
	store_restore(z);
	return 0;
}
