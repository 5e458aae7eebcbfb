/*
 * pipeline.c - the per-zone state machine of cascade-spec.md §2: load,
 * review, persist, sign, review, persist, publish.
 *
 * Each step that takes time (reading a file, signing, writing a snapshot)
 * runs on libuv's thread pool over lib/ functions and touches nothing of
 * the zone but the versions and options it was handed; its result comes
 * back in the *_done callback on the loop thread, which alone changes the
 * zone. Reviews wait for a hook (src/review/hook.h) or for the operator.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dnssec/serial.h"
#include "lib/util/err.h"
#include "lib/util/log.h"
#include "lib/zone/zone_diff.h"
#include "lib/zone/zone_read.h"
#include "lib/zone/zone_write.h"
#include "src/daemon/dzone.h"
#include "src/daemon/keys.h"
#include "src/daemon/pipeline.h"
#include "src/daemon/store.h"
#include "src/daemon/review.h"
#include "src/daemon/servers.h"
#include "src/daemon/source.h"

static double secs_since(uint64_t start_ns)
{
	return (double)(uv_hrtime() - start_ns) / 1e9;
}

static void set_text(char **slot, const char *text)
{
	free(*slot);
	*slot = text ? strdup(text) : NULL;
}

static void drop(struct zone **v)
{
	if (*v)
		zone_unref(*v);
	*v = NULL;
}

static struct dpolicy *policy_of(struct dzone *z)
{
	return daemon_policy(z->d, z->policy);
}

/* Back to idle after a soft failure or a discard: the versions on their
 * way are dropped, the review servers stop serving them. */
static void to_idle(struct dzone *z)
{
	dzone_drop_upcoming(z);
	z->state = DZ_IDLE;
	dzone_save(z);
	dzone_kick(z);
}

static void halt(struct dzone *z, enum dzone_state state, const char *reason)
{
	z->state = state;
	set_text(&z->halt_reason, reason);
	set_text(&z->last_error, reason);
	z->d->stats.errors++;
	log_error("zone %s: halted: %s", z->name, reason);
	dzone_save(z);
}

/* Loading ---------------------------------------------------------------- */

struct load_job {
	uv_work_t w;
	struct dzone *z;
	char *path;
	char origin[LIMIT_NAME_LEN * 4 + 2];
	struct zone *base; /* the last approved version, to spot no-op loads */
	struct zone *out;
	struct zone_msgs msgs;
	bool unchanged, shared;
	int rc;
	uint64_t started;
};

static void load_work(uv_work_t *w)
{
	struct load_job *j = (struct load_job *)w;
	struct zone_read_opts o = {.origin = j->origin};
	j->rc = zone_read_file(j->path, &o, &j->msgs, &j->out);
	if (j->rc < 0 || !j->base)
		return;
	struct zone_diff diff;
	zone_diff_init(&diff);
	if (zone_diff_compute(j->base, j->out, &diff) == 0) {
		j->unchanged = diff.removed.n == 0 && diff.added.n == 0;
		/* A file read anew shares no node with the version before it;
		 * the same version made by applying the change to that one
		 * shares all it can, so the signer, the diffs written to disk
		 * and memory follow the size of the change, not of the zone. */
		struct zone *shared;
		if (!j->unchanged && diff.removed.n + diff.added.n <= j->out->rrs / 4 &&
			zone_diff_apply(j->base, &diff, &shared, NULL) == 0) {
			zone_unref(j->out);
			j->out = shared;
			j->shared = true;
		}
	}
	zone_diff_deinit(&diff);
}

/* The messages of a failed load, on one line for the history. */
static void load_error_text(struct load_job *j, char *out, size_t size)
{
	const char *msgs = buf_cstr(&j->msgs.text);
	if (j->rc != ERR_ZONE && j->rc != ERR_SYNTAX && j->rc != ERR_LIMIT)
		snprintf(out, size, "the zone file could not be loaded: %s: %s", j->path,
			err_str(j->rc));
	else
		snprintf(out, size, "the zone file could not be loaded: %s", msgs);
	for (char *c = out; *c; c++)
		if (*c == '\n')
			*c = c[1] ? ';' : '\0';
}

void pipeline_loaded(struct dzone *z, struct zone *v, const char *error)
{
	if (error) {
		set_text(&z->last_error, error);
		z->d->stats.errors++;
		dzone_event(z, -1, "Load failed: %s", error);
		to_idle(z); /* a load failure is soft (cascade-spec §2.2) */
	} else if (!v) {
		set_text(&z->last_error, NULL); /* the source answered well */
		to_idle(z);
	} else {
		z->up_loaded = v;
		z->last_load_rrs = v->rrs;
		dzone_event(z, v->serial, "New version received (%zu records, %.3f s)", v->rrs,
			z->last_load_secs);
		review_start(z, false);
	}
}

static void load_result(struct dzone *z, struct load_job *j)
{
	char text[1024];
	if (j->msgs.warnings)
		log_warning("zone %s: %s", z->name, buf_cstr(&j->msgs.text));
	if (j->rc < 0) {
		load_error_text(j, text, sizeof(text));
		pipeline_loaded(z, NULL, text);
		return;
	}
	if (j->unchanged) {
		log_info("zone %s: %s unchanged, nothing to do", z->name, j->path);
		zone_unref(j->out);
		j->out = NULL;
	}
	z->up_shared = j->shared;
	pipeline_loaded(z, j->out, NULL);
}

static void load_done(uv_work_t *w, int status)
{
	struct load_job *j = (struct load_job *)w;
	struct dzone *z = j->z;
	z->d->busy--;
	z->last_load_secs = secs_since(j->started);
	if (status == UV_ECANCELED && j->rc == 0)
		j->rc = -ECANCELED;
	if (!z->d->stopping)
		load_result(z, j);
	else if (j->rc == 0) /* nothing moves on while the daemon stops */
		zone_unref(j->out);
	if (j->base)
		zone_unref(j->base);
	zone_msgs_deinit(&j->msgs);
	free(j->path);
	free(j);
}

void pipeline_load(struct dzone *z)
{
	if (z->source == DZ_SRC_SERVER) {
		source_xfr_start(z);
		return;
	}
	struct load_job *j = calloc(1, sizeof(*j));
	if (!j || !(j->path = strdup(z->source_path))) {
		free(j);
		log_error("zone %s: out of memory starting a load", z->name);
		return;
	}
	j->z = z;
	snprintf(j->origin, sizeof(j->origin), "%s", z->name);
	j->base = z->loaded ? zone_ref(z->loaded) : NULL;
	zone_msgs_init(&j->msgs);
	j->started = uv_hrtime();
	z->state = DZ_LOADING;
	z->load_started = clock_now(&z->d->clock);
	dzone_event(z, -1, "Started load of %s", z->source_path);
	z->d->busy++;
	uv_queue_work(z->d->loop, &j->w, load_work, load_done);
}

/* Persisting ------------------------------------------------------------- */

static void persisted(
	struct dzone *z, bool is_signed, uint64_t gen, bool is_diff, int rc, const char *path)
{
	struct zone *v = is_signed ? z->up_signed : z->up_loaded;
	if (rc < 0) {
		/* Storage that fails is not trusted: the version goes no
		 * further, the published one stays (cascade-spec §13). */
		char text[512];
		snprintf(text, sizeof(text), "could not write %.300s: %s", path, err_str(rc));
		dzone_event(z, v->serial, "Persisting failed: %s", text);
		halt(z, is_signed ? DZ_HALT_SIGNED : DZ_HALT_LOADED, text);
		return;
	}
	if (is_signed) {
		pipeline_publish(z, gen, is_diff);
		return;
	}
	/* Approved and on disk: a restart signs it (store_restore). */
	z->up_gen = gen;
	z->up_is_diff = is_diff;
	dzone_save(z);
	z->sign_trigger = DZ_TRIGGER_LOAD;
	pipeline_sign(z);
}

void pipeline_persist(struct dzone *z, bool is_signed)
{
	z->state = is_signed ? DZ_PERSIST_SIGNED : DZ_PERSIST_LOADED;
	if (store_persist(z, is_signed, persisted) < 0)
		halt(z, is_signed ? DZ_HALT_SIGNED : DZ_HALT_LOADED, "out of memory");
}

/* Signing ---------------------------------------------------------------- */

struct sign_job {
	uv_work_t w;
	struct dzone *z;
	struct zone *in;
	struct zone *prev_in, *prev_out;
	struct signer_opts opts, prev_opts;
	struct signer_key *keys;
	bool incremental;
	uint32_t prev_earliest;
	struct zone *out;
	struct signer_stats stats;
	struct buf err;
	int rc;
	uint64_t started;
};

static void sign_work(uv_work_t *w)
{
	struct sign_job *j = (struct sign_job *)w;
	struct signer_prev prev = {.in = j->prev_in,
		.out = j->prev_out,
		.opts = &j->prev_opts,
		.earliest = j->prev_earliest};
	j->rc = signer_update(
		j->in, &j->opts, j->incremental ? &prev : NULL, &j->out, &j->stats, &j->err);
}

static const char *trigger_name(enum dzone_trigger t)
{
	return t == DZ_TRIGGER_LOAD ? "load" : "signature refresh";
}

static void sign_job_free(struct sign_job *j)
{
	drop(&j->in);
	drop(&j->prev_in);
	drop(&j->prev_out);
	buf_deinit(&j->err);
	free(j);
}

static void sign_done(uv_work_t *w, int status)
{
	struct sign_job *j = (struct sign_job *)w;
	struct dzone *z = j->z;
	z->d->busy--;
	z->last_sign_secs = secs_since(j->started);
	if (status == UV_ECANCELED && j->rc == 0)
		j->rc = -ECANCELED;
	if (z->d->stopping) {
		if (j->rc == 0)
			zone_unref(j->out);
	} else if (j->rc < 0) {
		char text[512];
		snprintf(text, sizeof(text), "signing failed: %s",
			j->err.len ? buf_cstr(&j->err) : err_str(j->rc));
		dzone_event(z, j->opts.serial, "Signing failed: %s", text);
		halt(z, DZ_SIGN_FAILED, text);
	} else {
		z->up_signed = j->out;
		z->up_stats = j->stats;
		z->d->stats.signatures += j->stats.signatures;
		/* The options go with the version: at publication they become
		 * what the next incremental signing follows. */
		free(z->up_keys);
		z->up_keys = j->keys;
		j->keys = NULL;
		z->up_opts = j->opts;
		dzone_event(z, j->out->serial,
			"Signing succeeded (trigger: %s; %zu signatures made, %zu kept, %.3f s)",
			trigger_name(z->sign_trigger), j->stats.signatures, j->stats.reused,
			z->last_sign_secs);
		review_start(z, true);
	}
	free(j->keys);
	sign_job_free(j);
}

/* The longest remain time of the policy's three kinds of signatures: what
 * a kept signature must outlast, and what makes a refresh due. */
static int64_t remain_max(const struct policy *p)
{
	int64_t r = p->timing.remain_time;
	if (p->dnskey_timing.remain_time > r)
		r = p->dnskey_timing.remain_time;
	if (p->cds_timing.remain_time > r)
		r = p->cds_timing.remain_time;
	return r;
}

/* The options of a signing now under the zone's policy; keys borrowed
 * from the zone. */
static int sign_opts(struct dzone *z, const struct policy *p, struct sign_job *j, char *why)
{
	int64_t now = clock_now(&z->d->clock);
	int rc = keys_signer_array(z, &j->keys, &j->opts.nkeys, why);
	if (rc < 0)
		return rc;
	j->opts.keys = j->keys;
	j->opts.inception = (uint32_t)(now - p->timing.inception_offset);
	j->opts.expiration = (uint32_t)(now + p->timing.lifetime);
	/* Half the time a signature may live before it must be refreshed:
	 * the re-signing a full signing starts then spreads over days instead
	 * of coming due at once. */
	int64_t spread = (p->timing.lifetime - remain_max(p) - p->refresh_interval) / 2;
	j->opts.jitter = spread > 0 ? (uint32_t)spread : 0;
	j->opts.dnskey_ttl = p->records_ttl;
	/* [key-manager.records]: the key records' own signature times. */
	j->opts.dnskey_inception = (uint32_t)(now - p->dnskey_timing.inception_offset);
	j->opts.dnskey_expiration = (uint32_t)(now + p->dnskey_timing.lifetime);
	j->opts.cds_inception = (uint32_t)(now - p->cds_timing.inception_offset);
	j->opts.cds_expiration = (uint32_t)(now + p->cds_timing.lifetime);
	j->opts.nsec3 = p->nsec3;
	j->opts.opt_out = p->opt_out;
	j->opts.iterations = p->iterations;
	j->opts.salt_len = p->salt_len;
	memcpy(j->opts.salt, p->salt, p->salt_len);
	j->opts.threads = z->d->threads;
	j->opts.now = (uint32_t)now;
	/* A kept signature must outlast the next refresh check by the remain
	 * time (cascade-spec §6.3). */
	j->opts.refresh = (uint32_t)(remain_max(p) + p->refresh_interval);
	return 0;
}

/* Picks the serial; false (with the zone back to idle) when the serial
 * policy forbids this signing. */
static bool sign_serial(struct dzone *z, const struct policy *p, struct sign_job *j)
{
	uint32_t serial;
	int rc = serial_next(p->serial_policy, j->in->serial,
		z->has_last_serial ? &z->last_serial : NULL, clock_now(&z->d->clock), &serial);
	if (rc < 0) {
		if (z->sign_trigger == DZ_TRIGGER_LOAD) {
			dzone_event(z, j->in->serial,
				"Signing failed: serial policy is keep but the serial of the "
				"loaded zone did not increase");
			return false;
		}
		/* Cascade skips this in silence; signatures then run out unseen. */
		char text[256];
		snprintf(text, sizeof(text),
			"signatures are due for refresh, but serial policy keep needs a new "
			"serial from the source (serial %u is published)",
			j->in->serial);
		set_text(&z->last_error, text);
		z->d->stats.errors++;
		log_error("zone %s: %s", z->name, text);
		return false;
	}
	j->opts.serial = serial;
	j->opts.set_serial = true;
	/* Issued, so never used again even if this version is rejected. */
	z->last_serial = serial;
	z->has_last_serial = true;
	return true;
}

void pipeline_sign(struct dzone *z)
{
	struct dpolicy *dp = policy_of(z);
	struct sign_job *j = calloc(1, sizeof(*j));
	char why[256] = "";
	if (!j || !dp) {
		free(j);
		halt(z, DZ_SIGN_FAILED, dp ? "out of memory" : "the zone's policy is missing");
		return;
	}
	buf_init(&j->err, 4096);
	j->z = z;
	j->in = zone_ref(z->sign_trigger == DZ_TRIGGER_LOAD ? z->up_loaded : z->loaded);
	if (sign_opts(z, &dp->p, j, why) < 0) {
		sign_job_free(j);
		halt(z, DZ_SIGN_FAILED, why);
		return;
	}
	if (!sign_serial(z, &dp->p, j)) {
		free(j->keys);
		sign_job_free(j);
		to_idle(z);
		return;
	}
	if (z->has_prev && z->loaded && z->published) {
		j->incremental = true;
		j->prev_in = zone_ref(z->loaded);
		j->prev_out = zone_ref(z->published);
		j->prev_opts = z->prev_opts;
		j->prev_earliest = z->prev_earliest;
	}
	/* A load's signing refreshes what is due too. */
	z->pending_resign = false;
	j->started = uv_hrtime();
	z->state = DZ_SIGNING;
	z->sign_started = clock_now(&z->d->clock);
	dzone_event(z, j->opts.serial, "Started signing (trigger: %s, %s)",
		trigger_name(z->sign_trigger), j->incremental ? "incremental" : "full");
	z->d->busy++;
	uv_queue_work(z->d->loop, &j->w, sign_work, sign_done);
}

/* Publication ------------------------------------------------------------ */

/* The IXFR journal follows the publication of z->up_signed: its diff goes
 * on the chain, or, when it was too large to keep, the chain ends; then
 * the policy's max-diffs and max-diffs-size apply (cascade-spec §7). */
static void journal_step(struct dzone *z)
{
	const struct dpolicy *dp = policy_of(z);
	if (z->up_ixfr &&
		journal_push(&z->journal, z->up_ixfr, z->up_ixfr_gen, store_ixfr_gone, z) < 0)
		store_ixfr_gone(z, z->up_ixfr_gen);
	else if (!z->up_ixfr)
		journal_trim(&z->journal, 0, 0, 0, store_ixfr_gone, z);
	z->up_ixfr = NULL;
	journal_trim(&z->journal, dp ? dp->p.max_diffs : 0, dp ? dp->p.max_diffs_size : 0,
		z->up_signed->rrs, store_ixfr_gone, z);
}

void pipeline_publish(struct dzone *z, uint64_t gen, bool is_diff)
{
	struct store_chain old_loaded = z->loaded_chain, old_signed = z->signed_chain;
	store_chain_push(&z->signed_chain, gen, is_diff);
	journal_step(z);
	drop(&z->published);
	z->published = z->up_signed;
	z->up_signed = NULL;
	if (z->up_loaded) {
		store_chain_push(&z->loaded_chain, z->up_gen, z->up_is_diff);
		drop(&z->loaded);
		z->loaded = z->up_loaded;
		z->up_loaded = NULL;
	}
	z->up_gen = 0;
	free(z->prev_keys);
	z->prev_keys = z->up_keys;
	z->up_keys = NULL;
	z->prev_opts = z->up_opts;
	z->prev_opts.keys = z->prev_keys;
	z->has_prev = true;
	z->prev_earliest = z->up_stats.earliest;
	z->published_at = clock_now(&z->d->clock);
	set_text(&z->halt_reason, NULL);
	set_text(&z->last_error, NULL);
	z->state = DZ_IDLE;
	dzone_event(z, z->published->serial, "Published (%zu records)", z->published->rrs);
	/* The state file names the new files before the old go. */
	if (dzone_save(z) == 0) {
		store_chain_prune(z, false, &old_loaded, &z->loaded_chain);
		store_chain_prune(z, true, &old_signed, &z->signed_chain);
	}
	store_write_zone_file(z);
	servers_notify(z);
	pipeline_schedule_refresh(z);
	dzone_kick(z);
}

/* Signature refresh ------------------------------------------------------ */

bool pipeline_refresh_due(struct dzone *z)
{
	struct dpolicy *dp = policy_of(z);
	if (!dp || !z->published || !z->has_prev)
		return false;
	int64_t now = clock_now(&z->d->clock);
	int64_t horizon = now + remain_max(&dp->p) + dp->p.refresh_interval;
	/* Earliest is an RFC 1982 serial-arithmetic time; within 68 years
	 * of now the plain difference tells. */
	int64_t earliest = now + (int32_t)(z->prev_earliest - (uint32_t)now);
	return z->prev_earliest == 0 || earliest <= horizon;
}

static void refresh_tick(uv_timer_t *t)
{
	struct dzone *z = t->data;
	if (!pipeline_refresh_due(z)) {
		pipeline_schedule_refresh(z);
		return;
	}
	/* A pipeline at work publishes soon and looks again then. */
	if (!dzone_working(z)) {
		z->pending_resign = true;
		dzone_kick(z);
		if (z->state != DZ_SIGNING)
			log_warning("zone %s: signatures of serial %u are due for refresh, which "
				    "waits while the zone is %s%s",
				z->name, z->published->serial, dzone_state_name(z->state),
				z->maintenance ? " (maintenance mode)" : "");
	}
	/* Until it runs: asked again in a minute. */
	uv_timer_start(&z->timer, refresh_tick, 60000, 0);
}

/* The next check comes every refresh interval (cascade-spec §6.4), or
 * sooner when the earliest signature gets due before that: a version that
 * spent long in review or signing comes out with less time left. Checked
 * at once when it is due already. */
void pipeline_schedule_refresh(struct dzone *z)
{
	struct dpolicy *dp = policy_of(z);
	int64_t interval = dp ? dp->p.refresh_interval : 3600, wait = interval;
	if (dp && z->published && z->has_prev && z->prev_earliest) {
		int64_t now = clock_now(&z->d->clock);
		int64_t earliest = now + (int32_t)(z->prev_earliest - (uint32_t)now);
		int64_t due = earliest - remain_max(&dp->p) - dp->p.refresh_interval;
		if (due - now < wait)
			wait = due - now;
	}
	/* Under a fixed CASCADE_FAKETIME "now" does not move: checking again
	 * at once would spin, so a due zone is checked every second. */
	uv_timer_start(&z->timer, refresh_tick, wait > 0 ? (uint64_t)wait * 1000 : 1000, 0);
}
