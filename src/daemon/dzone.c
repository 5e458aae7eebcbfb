/*
 * dzone.c - the zone registry, history and operator actions (dzone.h).
 */
#include <errno.h>
#include <libknot/libknot.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/dns/name.h"
#include "lib/util/err.h"
#include "lib/util/fileio.h"
#include "lib/util/log.h"
#include "src/daemon/keys.h"
#include "src/daemon/pipeline.h"
#include "src/daemon/review.h"
#include "src/daemon/servers.h"
#include "src/daemon/source.h"
#include "src/daemon/store.h"

/* A zone's history keeps this many events; older ones are dropped. */
#define DZONE_HISTORY_MAX 1000

static const char *const state_names[] = {
	[DZ_IDLE] = "idle",
	[DZ_RESTORING] = "restoring",
	[DZ_LOADING] = "loading",
	[DZ_LOADED_REVIEW] = "waiting for loaded review",
	[DZ_HALT_LOADED] = "halted after loaded review",
	[DZ_PERSIST_LOADED] = "persisting loaded zone",
	[DZ_SIGNING] = "signing",
	[DZ_SIGN_FAILED] = "signing failed",
	[DZ_SIGNED_REVIEW] = "waiting for signed review",
	[DZ_HALT_SIGNED] = "halted after signed review",
	[DZ_PERSIST_SIGNED] = "persisting signed zone",
};

const char *dzone_state_name(enum dzone_state s)
{
	return (size_t)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "?";
}

static int cmp_key(const uint8_t *key, size_t len, const struct dzone *z)
{
	return name_key_cmp(key, len, z->key, z->key_len);
}

/* Index of the zone with that key, or of where it would go (*found false). */
static size_t find_index(struct daemon *d, const uint8_t *key, size_t len, bool *found)
{
	size_t lo = 0, hi = d->nzones;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_key(key, len, d->zones[mid]);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*found = false;
	return lo;
}

struct dzone *dzone_find_wire(struct daemon *d, const uint8_t *wire)
{
	uint8_t key[NAME_KEY_MAX];
	size_t len = name_key(wire, key);
	bool found;
	size_t i = find_index(d, key, len, &found);
	return found ? d->zones[i] : NULL;
}

/* The wire form (lower case) of a presentation name; false when it is not
 * a name. A missing trailing dot is taken as there. */
static bool parse_name(const char *name, uint8_t *wire)
{
	char buf[LIMIT_NAME_LEN * 4 + 2];
	size_t n = strlen(name), slashes = 0;
	if (n == 0 || n + 2 > sizeof(buf))
		return false;
	/* The backslashes before the last octet say whether it is escaped. */
	size_t end = name[n - 1] == '.' ? n - 1 : n;
	while (slashes < end && name[end - 1 - slashes] == '\\')
		slashes++;
	if (end == n && slashes % 2) /* ends in half an escape */
		return false;
	memcpy(buf, name, n + 1);
	if (end == n || slashes % 2) { /* no final dot, or an escaped one */
		buf[n] = '.';
		buf[n + 1] = '\0';
	}
	if (!knot_dname_from_str(wire, buf, LIMIT_NAME_LEN + 1))
		return false;
	knot_dname_to_lower(wire);
	return true;
}

struct dzone *dzone_find(struct daemon *d, const char *name)
{
	uint8_t wire[LIMIT_NAME_LEN + 1];
	return parse_name(name, wire) ? dzone_find_wire(d, wire) : NULL;
}

int dzone_new(struct daemon *d, const char *name, struct dzone **out, char *err)
{
	uint8_t wire[LIMIT_NAME_LEN + 1];
	char text[LIMIT_NAME_LEN * 4 + 2];
	/* Long names are cut in messages, so the reason always shows. */
	int show = strlen(name) > 100 ? 97 : 100;
	const char *more = strlen(name) > 100 ? "..." : "";
	if (!parse_name(name, wire)) {
		snprintf(err, 256, "'%.*s%s' is not a domain name", show, name, more);
		return ERR_INVAL;
	}
	if (dzone_find_wire(d, wire)) {
		snprintf(err, 256, "zone %.*s%s already exists", show, name, more);
		return ERR_EXISTS;
	}
	struct dzone *z = calloc(1, sizeof(*z));
	struct dzone **v = realloc(d->zones, (d->nzones + 1) * sizeof(*v));
	if (!z || !v || !knot_dname_to_str(text, wire, sizeof(text)) || !(z->name = strdup(text)) ||
		!(z->stem = store_stem(text))) {
		if (v)
			d->zones = v;
		if (z)
			free(z->name);
		free(z);
		snprintf(err, 256, "out of memory");
		return ERR_NOMEM;
	}
	d->zones = v;
	z->d = d;
	memcpy(z->apex, wire, (size_t)name_wire_len(wire, sizeof(wire)));
	z->key_len = name_key(wire, z->key);
	uv_timer_init(d->loop, &z->timer);
	z->timer.data = z;
	bool found;
	size_t i = find_index(d, z->key, z->key_len, &found);
	memmove(&d->zones[i + 1], &d->zones[i], (d->nzones - i) * sizeof(*v));
	d->zones[i] = z;
	d->nzones++;
	*out = z;
	return 0;
}

static void free_after_close(uv_handle_t *h)
{
	free(h->data);
}

void dzone_free(struct dzone *z)
{
	review_cancel(z);
	source_xfr_free(z);
	servers_notify_cancel(z);
	struct zone **vs[] = {&z->loaded, &z->published, &z->up_loaded, &z->up_signed};
	for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++)
		if (*vs[i])
			zone_unref(*vs[i]);
	keys_free(z);
	journal_deinit(&z->journal);
	if (z->up_ixfr)
		zone_diff_deinit(z->up_ixfr);
	free(z->up_ixfr);
	free(z->ixfr_gens);
	free(z->ixfr_gone);
	json_decref(z->ixfr_json);
	for (size_t i = 0; i < z->nhistory; i++)
		free(z->history[i].text);
	free(z->history);
	free(z->prev_keys);
	free(z->up_keys);
	free(z->name);
	free(z->stem);
	free(z->policy);
	free(z->source_path);
	free(z->source_addr);
	free(z->source_key);
	free(z->halt_reason);
	free(z->last_error);
	/* The timer handle is inside z: z goes when libuv has closed it. */
	uv_timer_stop(&z->timer);
	z->timer.data = z;
	uv_close((uv_handle_t *)&z->timer, free_after_close);
}

/* Takes z out of the registry (it is freed by the caller). */
void dzone_unlink(struct dzone *z)
{
	struct daemon *d = z->d;
	bool found;
	size_t i = find_index(d, z->key, z->key_len, &found);
	if (!found)
		return;
	memmove(&d->zones[i], &d->zones[i + 1], (d->nzones - i - 1) * sizeof(d->zones[0]));
	d->nzones--;
}

void dzone_event(struct dzone *z, int64_t serial, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (serial >= 0)
		log_info("zone %s: serial %lld: %s", z->name, (long long)serial, text);
	else
		log_info("zone %s: %s", z->name, text);
	if (z->nhistory >= DZONE_HISTORY_MAX) {
		size_t drop = z->nhistory - DZONE_HISTORY_MAX + 1;
		for (size_t i = 0; i < drop; i++)
			free(z->history[i].text);
		memmove(&z->history[0], &z->history[drop],
			(z->nhistory - drop) * sizeof(z->history[0]));
		z->nhistory -= drop;
	}
	struct dzone_event *v = realloc(z->history, (z->nhistory + 1) * sizeof(*v));
	char *copy = strdup(text);
	if (!v || !copy) {
		if (v)
			z->history = v;
		free(copy);
		return;
	}
	z->history = v;
	v[z->nhistory++] = (struct dzone_event){
		.when = clock_now(&z->d->clock), .serial = serial, .text = copy};
	dzone_save(z);
}

bool dzone_working(const struct dzone *z)
{
	return z->state == DZ_LOADING || z->state == DZ_SIGNING || z->state == DZ_RESTORING ||
		z->state == DZ_PERSIST_LOADED || z->state == DZ_PERSIST_SIGNED;
}

bool dzone_halted(const struct dzone *z)
{
	return z->state == DZ_HALT_LOADED || z->state == DZ_HALT_SIGNED ||
		z->state == DZ_SIGN_FAILED;
}

void dzone_drop_upcoming(struct dzone *z)
{
	if (z->up_loaded)
		zone_unref(z->up_loaded);
	if (z->up_signed)
		zone_unref(z->up_signed);
	z->up_loaded = z->up_signed = NULL;
	if (z->up_gen) { /* approved, written, now dropped: gone after the save */
		z->orphan_gen = z->up_gen;
		z->orphan_is_diff = z->up_is_diff;
	}
	z->up_gen = 0;
	free(z->up_keys);
	z->up_keys = NULL;
}

void dzone_kick(struct dzone *z)
{
	if (z->state != DZ_IDLE || z->maintenance || z->d->stopping || z->broken)
		return;
	if (z->up_loaded) { /* approved before a restart, not signed yet */
		z->sign_trigger = DZ_TRIGGER_LOAD;
		pipeline_sign(z);
	} else if (z->pending_load && z->source != DZ_SRC_NONE) {
		z->pending_load = false;
		pipeline_load(z);
	} else if (z->pending_resign && z->loaded) {
		z->pending_resign = false;
		/* Asked while busy: a publication since may have made it moot. */
		if (z->published && z->has_prev && !pipeline_refresh_due(z))
			return;
		z->sign_trigger = DZ_TRIGGER_REFRESH;
		pipeline_sign(z);
	}
}

void dzone_request_load(struct dzone *z)
{
	z->pending_load = true;
	dzone_kick(z);
}

int dzone_review(struct dzone *z, bool stage_signed, uint32_t serial, bool approve, char *why)
{
	enum dzone_state want = stage_signed ? DZ_SIGNED_REVIEW : DZ_LOADED_REVIEW;
	struct zone *v = stage_signed ? z->up_signed : z->up_loaded;
	if (z->state != want || !v) {
		snprintf(why, 256, "zone %s has no %s version under review (it is %s)", z->name,
			stage_signed ? "signed" : "unsigned", dzone_state_name(z->state));
		return ERR_NOTFOUND;
	}
	if (v->serial != serial) {
		snprintf(why, 256, "the %s version under review has serial %u, not %u",
			stage_signed ? "signed" : "unsigned", v->serial, serial);
		return ERR_NOTFOUND;
	}
	review_verdict(
		z, stage_signed, approve ? REVIEW_APPROVE : REVIEW_REJECT, "by the operator");
	return 0;
}

int dzone_override(struct dzone *z, bool stage_signed, char *why)
{
	enum dzone_state want = stage_signed ? DZ_HALT_SIGNED : DZ_HALT_LOADED;
	if (z->state != want) {
		snprintf(why, 256, "zone %s is not halted after %s review (it is %s)", z->name,
			stage_signed ? "signed" : "loaded", dzone_state_name(z->state));
		return ERR_INVAL;
	}
	struct zone *v = stage_signed ? z->up_signed : z->up_loaded;
	dzone_event(z, v->serial, "%s zone rejection overridden by the operator",
		stage_signed ? "Signed" : "Unsigned");
	free(z->halt_reason);
	z->halt_reason = NULL;
	pipeline_persist(z, stage_signed);
	return 0;
}

int dzone_reset(struct dzone *z, char *why)
{
	if (z->broken) {
		snprintf(why, 256,
			"zone %s's state file cannot be read (%s); remove the zone and "
			"add it again",
			z->name, z->halt_reason ? z->halt_reason : "?");
		return ERR_INVAL;
	}
	if (!dzone_halted(z)) {
		snprintf(why, 256, "zone %s is not halted (it is %s)", z->name,
			dzone_state_name(z->state));
		return ERR_INVAL;
	}
	dzone_drop_upcoming(z);
	free(z->halt_reason);
	z->halt_reason = NULL;
	z->state = DZ_IDLE;
	dzone_event(z, -1, "Reset by the operator");
	if (z->published)
		pipeline_schedule_refresh(z);
	dzone_kick(z);
	return 0;
}

int dzone_save(struct dzone *z)
{
	if (z->broken)
		return 0;
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s.json", z->d->cfg.zone_state_dir, z->stem);
	json_t *j = store_zone_json(z);
	char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	int rc = text ? fileio_write_data(path, 0600, 0, text, strlen(text)) : ERR_NOMEM;
	free(text);
	if (rc < 0) {
		log_error("zone %s: cannot write %s: %s", z->name, path, err_str(rc));
		return rc;
	}
	if (z->orphan_gen) {
		store_unlink(z, false, z->orphan_gen, z->orphan_is_diff);
		z->orphan_gen = 0;
	}
	store_ixfr_unlink_gone(z);
	return 0;
}
