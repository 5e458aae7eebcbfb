/*
 * store_json.c - the zone state file and the global state file as JSON
 * (store.h). Keys are kebab-case like the config files'; every file says
 * "version": "v1".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conf/policy.h"
#include "lib/util/base.h"
#include "lib/util/err.h"
#include "lib/util/fileio.h"
#include "lib/util/log.h"
#include "src/daemon/policies.h"
#include "src/daemon/source.h"
#include "src/daemon/store.h"

static json_t *opt_string(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *signing_json(const struct dzone *z)
{
	if (!z->has_prev)
		return json_null();
	const struct signer_opts *o = &z->prev_opts;
	char salt[2 * 255 + 1] = "";
	base16_encode(o->salt, o->salt_len, salt, sizeof(salt), 0);
	return json_pack("{s:I, s:I, s:I, s:b, s:b, s:i, s:s, s:I, s:I, s:I, s:I}", "inception",
		(json_int_t)o->inception, "expiration", (json_int_t)o->expiration, "jitter",
		(json_int_t)o->jitter, "nsec3", o->nsec3, "opt-out", o->opt_out, "iterations",
		(int)o->iterations, "salt", salt, "dnskey-ttl", (json_int_t)o->dnskey_ttl, "now",
		(json_int_t)o->now, "refresh", (json_int_t)o->refresh, "earliest",
		(json_int_t)z->prev_earliest);
}

static json_t *keys_json(const struct dzone *z)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < z->nkeys; i++) {
		const struct dzone_key *k = &z->keys[i];
		json_array_append_new(a,
			json_pack("{s:s, s:b, s:b, s:b, s:b}", "path", k->path, "ksk", k->ksk,
				"zsk", k->zsk, "imported", k->imported, "public-only",
				k->public_only));
	}
	return a;
}

json_t *store_history_json(const struct dzone *z)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < z->nhistory; i++) {
		const struct dzone_event *e = &z->history[i];
		json_array_append_new(a,
			json_pack("{s:I, s:o, s:s}", "when", (json_int_t)e->when, "serial",
				e->serial >= 0 ? json_integer(e->serial) : json_null(), "event",
				e->text));
	}
	return a;
}

static json_t *chain_json(const struct store_chain *c)
{
	json_t *diffs = json_array();
	for (size_t i = 0; i < c->n; i++)
		json_array_append_new(diffs, json_integer((json_int_t)c->diffs[i]));
	return json_pack("{s:I, s:o}", "base", (json_int_t)c->base, "diffs", diffs);
}

static json_t *files_json(const struct dzone *z)
{
	return json_pack("{s:o, s:o, s:o, s:I}", "loaded", chain_json(&z->loaded_chain), "signed",
		chain_json(&z->signed_chain), "approved",
		z->up_gen ? json_pack("{s:I, s:b}", "gen", (json_int_t)z->up_gen, "diff",
				    z->up_is_diff)
			  : json_null(),
		"next-gen", (json_int_t)z->next_gen);
}

json_t *store_zone_json(const struct dzone *z)
{
	json_t *source = source_json(z);
	return json_pack("{s:s, s:b, s:s, s:s, s:s?, s:o, s:b, s:o, s:o, s:I, s:o, s:o, s:o, s:o, "
			 "s:o, s:I, s:I}",
		"state", dzone_state_name(z->state), "pending-load", z->pending_load, "version",
		"v1", "name", z->name, "policy", z->policy, "source", source, "maintenance",
		z->maintenance, "last-serial",
		z->has_last_serial ? json_integer(z->last_serial) : json_null(), "files",
		files_json(z), "published-at", (json_int_t)z->published_at, "signing",
		signing_json(z), "keys", keys_json(z), "last-error", opt_string(z->last_error),
		"history", store_history_json(z), "ixfr", store_ixfr_json(z), "primary-last-ok",
		(json_int_t)source_xfr_last_ok(z), "rejected-serial",
		(json_int_t)source_xfr_rejected_serial(z));
}

static int apply_signing(struct dzone *z, const json_t *s, char *err)
{
	json_int_t inc, exp, jitter = 0, ttl, now, refresh, earliest;
	int nsec3, opt_out, iterations;
	const char *salt;
	if (json_unpack((json_t *)s, "{s:I, s:I, s?:I, s:b, s:b, s:i, s:s, s:I, s:I, s:I, s:I}",
		    "inception", &inc, "expiration", &exp, "jitter", &jitter, "nsec3", &nsec3,
		    "opt-out", &opt_out, "iterations", &iterations, "salt", &salt, "dnskey-ttl",
		    &ttl, "now", &now, "refresh", &refresh, "earliest", &earliest) < 0) {
		snprintf(err, STORE_ERR_SIZE, "'signing' is incomplete");
		return ERR_INVAL;
	}
	struct signer_opts *o = &z->prev_opts;
	int n = base16_decode(salt, strlen(salt), o->salt, sizeof(o->salt), 0);
	if (n < 0 || iterations < 0 || iterations > 65535) {
		snprintf(err, STORE_ERR_SIZE, "'signing' has a bad salt or iterations");
		return ERR_INVAL;
	}
	o->salt_len = (uint8_t)n;
	o->inception = (uint32_t)inc;
	o->expiration = (uint32_t)exp;
	o->jitter = (uint32_t)jitter;
	o->nsec3 = nsec3;
	o->opt_out = opt_out;
	o->iterations = (uint16_t)iterations;
	o->dnskey_ttl = (uint32_t)ttl;
	o->now = (uint32_t)now;
	o->refresh = (uint32_t)refresh;
	z->prev_earliest = (uint32_t)earliest;
	z->has_prev = true;
	return 0;
}

static int apply_keys(struct dzone *z, const json_t *keys, char *err)
{
	size_t i;
	const json_t *k;
	json_array_foreach(keys, i, k)
	{
		const char *path;
		int ksk, zsk, imported, public_only;
		if (json_unpack((json_t *)k, "{s:s, s:b, s:b, s:b, s:b}", "path", &path, "ksk",
			    &ksk, "zsk", &zsk, "imported", &imported, "public-only",
			    &public_only) < 0) {
			snprintf(err, STORE_ERR_SIZE, "key %zu is incomplete", i);
			return ERR_INVAL;
		}
		struct dzone_key *v = realloc(z->keys, (z->nkeys + 1) * sizeof(*v));
		if (!v)
			return ERR_NOMEM;
		z->keys = v;
		v[z->nkeys] = (struct dzone_key){.path = strdup(path),
			.ksk = ksk,
			.zsk = zsk,
			.imported = imported,
			.public_only = public_only};
		if (!v[z->nkeys].path)
			return ERR_NOMEM;
		z->nkeys++;
	}
	return 0;
}

static int apply_history(struct dzone *z, const json_t *hist)
{
	size_t i;
	const json_t *e;
	json_array_foreach(hist, i, e)
	{
		json_int_t when;
		json_t *serial = NULL;
		const char *text;
		if (json_unpack((json_t *)e, "{s:I, s:o, s:s}", "when", &when, "serial", &serial,
			    "event", &text) < 0)
			continue;
		struct dzone_event *v = realloc(z->history, (z->nhistory + 1) * sizeof(*v));
		if (!v)
			return ERR_NOMEM;
		z->history = v;
		v[z->nhistory] = (struct dzone_event){.when = when,
			.serial = json_is_integer(serial) ? json_integer_value(serial) : -1,
			.text = strdup(text)};
		if (!v[z->nhistory].text)
			return ERR_NOMEM;
		z->nhistory++;
	}
	return 0;
}

static int apply_chain(struct store_chain *c, const json_t *j)
{
	json_int_t base;
	json_t *diffs;
	if (json_unpack((json_t *)j, "{s:I, s:o}", "base", &base, "diffs", &diffs) < 0 ||
		!json_is_array(diffs) || json_array_size(diffs) > STORE_MAX_DIFFS || base < 0)
		return ERR_INVAL;
	c->base = (uint64_t)base;
	c->n = 0;
	size_t i;
	json_t *g;
	json_array_foreach(diffs, i, g)
	{
		if (!json_is_integer(g) || json_integer_value(g) <= 0)
			return ERR_INVAL;
		c->diffs[c->n++] = (uint64_t)json_integer_value(g);
	}
	return 0;
}

static int apply_files(struct dzone *z, const json_t *files, char *err)
{
	json_t *loaded, *sig, *approved;
	json_int_t next;
	if (json_unpack((json_t *)files, "{s:o, s:o, s:o, s:I}", "loaded", &loaded, "signed", &sig,
		    "approved", &approved, "next-gen", &next) < 0 ||
		apply_chain(&z->loaded_chain, loaded) < 0 ||
		apply_chain(&z->signed_chain, sig) < 0) {
		snprintf(err, STORE_ERR_SIZE, "'files' is malformed");
		return ERR_INVAL;
	}
	z->next_gen = (uint64_t)next;
	json_int_t gen;
	int diff;
	if (json_is_object(approved) &&
		json_unpack(approved, "{s:I, s:b}", "gen", &gen, "diff", &diff) == 0 && gen > 0) {
		z->up_gen = (uint64_t)gen;
		z->up_is_diff = diff;
	}
	return 0;
}

int store_zone_apply(struct dzone *z, const json_t *j, char *err)
{
	const char *version, *policy;
	json_t *source, *last_serial = NULL, *signing = NULL, *keys = NULL, *hist = NULL,
			*files = NULL;
	json_t *last_error = NULL;
	json_int_t pub_at;
	int maint;
	if (json_unpack((json_t *)j, "{s:s, s:s, s:o, s:b, s:o, s:o, s:I, s:o, s:o, s?:o, s:o}",
		    "version", &version, "policy", &policy, "source", &source, "maintenance",
		    &maint, "last-serial", &last_serial, "files", &files, "published-at", &pub_at,
		    "signing", &signing, "keys", &keys, "last-error", &last_error, "history",
		    &hist) < 0 ||
		strcmp(version, "v1") != 0) {
		snprintf(err, STORE_ERR_SIZE, "not a v1 zone state file, or a field is missing");
		return ERR_INVAL;
	}
	if (!(z->policy = strdup(policy)))
		return ERR_NOMEM;
	char why[SOURCE_ERR_SIZE];
	int rc = source_set(z, source, false, why);
	if (rc < 0) {
		snprintf(
			err, STORE_ERR_SIZE, "source: %s", rc == ERR_NOMEM ? "out of memory" : why);
		return rc;
	}
	z->maintenance = maint;
	if (json_is_integer(last_serial)) {
		z->last_serial = (uint32_t)json_integer_value(last_serial);
		z->has_last_serial = true;
	}
	z->published_at = pub_at;
	if (apply_files(z, files, err) < 0)
		return ERR_INVAL;
	/* Where the pipeline was: store_restore() asks again for what was lost. */
	const char *state = json_string_value(json_object_get(j, "state"));
	for (int st = DZ_IDLE; state && st <= DZ_PERSIST_SIGNED; st++)
		if (strcmp(state, dzone_state_name(st)) == 0)
			z->state = st;
	z->pending_load = json_is_true(json_object_get(j, "pending-load"));
	if (json_is_string(last_error) && !(z->last_error = strdup(json_string_value(last_error))))
		return ERR_NOMEM;
	rc = json_is_object(signing) ? apply_signing(z, signing, err) : 0;
	if (rc == 0)
		rc = apply_keys(z, keys, err);
	if (rc == 0)
		rc = apply_history(z, hist);
	if (rc == 0)
		rc = store_ixfr_apply(z, json_object_get(j, "ixfr"));
	json_int_t last_ok = json_integer_value(json_object_get(j, "primary-last-ok"));
	if (rc == 0 && z->source == DZ_SRC_SERVER && last_ok > 0)
		source_xfr_set_last_ok(z, last_ok);
	const json_t *rej = json_object_get(j, "rejected-serial");
	if (rc == 0 && z->source == DZ_SRC_SERVER && json_integer_value(rej) >= 0 &&
		json_is_integer(rej))
		source_xfr_rejected(z, (uint32_t)json_integer_value(rej));
	return rc;
}

void store_previous_serial(struct dzone *z)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s.json", z->d->cfg.zone_state_dir, z->stem);
	json_t *j = json_load_file(path, 0, NULL);
	json_t *s = json_object_get(j, "last-serial");
	if (json_is_integer(s)) {
		z->last_serial = (uint32_t)json_integer_value(s);
		z->has_last_serial = true;
		log_info("zone %s: serials go on from %u, the last one given before it was "
			 "removed",
			z->name, z->last_serial);
	}
	json_decref(j);
}

/* The global state file ------------------------------------------------- */

int store_save_state(struct daemon *d)
{
	json_t *zones = json_array(), *pols = json_object();
	for (size_t i = 0; i < d->nzones; i++)
		json_array_append_new(zones, json_string(d->zones[i]->name));
	for (size_t i = 0; i < d->npolicies; i++) {
		struct buf text;
		buf_init(&text, 0);
		policy_format(&d->policies[i]->p, &text);
		json_object_set_new(pols, d->policies[i]->p.name,
			json_pack("{s:s, s:b}", "text", buf_cstr(&text), "file-gone",
				d->policies[i]->file_gone));
		buf_deinit(&text);
	}
	json_t *j = json_pack("{s:s, s:o, s:o}", "version", "v1", "zones", zones, "policies", pols);
	char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	int rc = text ? fileio_write_data(d->state_path, 0600, 0, text, strlen(text)) : ERR_NOMEM;
	free(text);
	if (rc < 0)
		log_error("cannot write the state file %s: %s", d->state_path, err_str(rc));
	return rc;
}

static int load_policies(struct daemon *d, const json_t *pols, char *err)
{
	const char *name;
	json_t *p;
	json_object_foreach((json_t *)pols, name, p)
	{
		const char *text;
		int gone = 0;
		char perr[POLICY_ERR_SIZE] = "no text";
		int rc = ERR_INVAL;
		if (json_unpack(p, "{s:s, s?:b}", "text", &text, "file-gone", &gone) == 0)
			rc = policies_add_text(d, name, text, gone, perr);
		if (rc == ERR_NOMEM) {
			snprintf(err, STORE_ERR_SIZE, "out of memory");
			return rc;
		}
		/* One bad copy costs its zones their policy (they halt at their
		 * next signing, saying so), not the start of every zone. */
		if (rc < 0)
			log_error("the state file's copy of policy %s cannot be read: %s; run "
				  "`cascade policy reload`",
				name, perr);
	}
	return 0;
}

static int load_state_json(struct daemon *d, json_t *j, char *err)
{
	const char *version;
	json_t *zones, *pols;
	if (json_unpack(j, "{s:s, s:o, s:o}", "version", &version, "zones", &zones, "policies",
		    &pols) < 0 ||
		strcmp(version, "v1") != 0 || !json_is_array(zones) || !json_is_object(pols)) {
		snprintf(err, STORE_ERR_SIZE, "%s: not a v1 state file", d->state_path);
		return ERR_INVAL;
	}
	int rc = load_policies(d, pols, err);
	size_t i;
	json_t *zn;
	json_array_foreach(zones, i, zn)
	{
		if (rc < 0)
			break;
		if (!json_is_string(zn)) {
			log_error("%s: zones[%zu] is not a name; skipped", d->state_path, i);
			continue;
		}
		/* A zone that cannot be made is logged and left out; the
		 * others come back. */
		char zerr[STORE_ERR_SIZE] = "";
		rc = store_zone_restore_state(d, json_string_value(zn), zerr);
		if (rc < 0 && rc != ERR_NOMEM) {
			log_error("zone %s cannot be restored: %s", json_string_value(zn), zerr);
			rc = 0;
		} else if (rc < 0) {
			snprintf(err, STORE_ERR_SIZE, "out of memory");
		}
	}
	return rc;
}

int store_load_state(struct daemon *d, char *err)
{
	struct buf text;
	buf_init(&text, 0);
	int rc = fileio_read(d->state_path, 64u << 20, &text);
	if (rc < 0) {
		buf_deinit(&text);
		if (rc != -ENOENT)
			snprintf(err, STORE_ERR_SIZE, "cannot read %s: %s", d->state_path,
				err_str(rc));
		return rc;
	}
	json_error_t jerr;
	json_t *j = json_loadb((const char *)text.data, text.len, 0, &jerr);
	buf_deinit(&text);
	if (!j) {
		snprintf(err, STORE_ERR_SIZE, "%s:%d:%d: %s", d->state_path, jerr.line, jerr.column,
			jerr.text);
		return ERR_SYNTAX;
	}
	rc = load_state_json(d, j, err);
	json_decref(j);
	return rc;
}
