/*
 * keys.c - a zone's signing keys as BIND key files (keys.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/dns/name.h"
#include "lib/dnssec/key.h"
#include "lib/keystore/bind.h"
#include "lib/util/base.h"
#include "lib/util/err.h"
#include "lib/util/log.h"
#include "src/daemon/keys.h"
#include "src/daemon/store.h"

static int add_key(
	struct dzone *z, const char *path, enum keys_role role, bool imported, struct key *k)
{
	struct dzone_key *v = realloc(z->keys, (z->nkeys + 1) * sizeof(*v));
	if (!v)
		return ERR_NOMEM;
	z->keys = v;
	struct dzone_key *e = &v[z->nkeys];
	memset(e, 0, sizeof(*e));
	if (!(e->path = strdup(path)))
		return ERR_NOMEM;
	e->ksk = role == KEYS_KSK || role == KEYS_CSK;
	e->zsk = role == KEYS_ZSK || role == KEYS_CSK;
	e->public_only = role == KEYS_PUBLIC;
	e->imported = imported;
	e->key = k;
	z->nkeys++;
	return 0;
}

static int make_key(
	struct dzone *z, const struct policy *p, const char *dir, enum keys_role role, char *err)
{
	uint16_t flags = KEY_FLAG_ZONE | (role == KEYS_ZSK ? 0 : KEY_FLAG_SEP);
	struct key *k;
	int rc = key_generate(p->algorithm, p->rsa_bits, flags, z->apex, &k);
	if (rc < 0) {
		snprintf(err, KEYS_ERR_SIZE, "cannot make a %s key: %s", key_alg_name(p->algorithm),
			err_str(rc));
		return rc;
	}
	struct bind_meta meta = {0};
	int64_t now = clock_now(&z->d->clock);
	static const enum bind_time now_times[] = {BIND_CREATED, BIND_PUBLISH, BIND_ACTIVATE};
	for (size_t i = 0; i < sizeof(now_times) / sizeof(now_times[0]); i++) {
		meta.time[now_times[i]] = now;
		meta.has_time[now_times[i]] = true;
	}
	char name[BIND_NAME_MAX], path[4096];
	rc = bind_key_write(k, &meta, dir, 0, name);
	if (rc == 0 && snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		rc = ERR_LIMIT;
	if (rc == 0)
		rc = add_key(z, path, role, false, k);
	if (rc < 0) {
		snprintf(err, KEYS_ERR_SIZE, "cannot write the key files in %s: %s", dir,
			err_str(rc));
		key_free(k);
	}
	return rc;
}

int keys_create(struct dzone *z, const struct policy *p, const char *keys_dir, char *err)
{
	char dir[4096];
	if (snprintf(dir, sizeof(dir), "%s/%s", keys_dir, z->stem) >= (int)sizeof(dir)) {
		snprintf(err, KEYS_ERR_SIZE, "the key folder's name is too long");
		return ERR_LIMIT;
	}
	int rc = store_mkdirs(dir, 0700);
	if (rc < 0) {
		snprintf(err, KEYS_ERR_SIZE, "cannot make %.400s: %s", dir, err_str(rc));
		return rc;
	}
	if (p->use_csk)
		return make_key(z, p, dir, KEYS_CSK, err);
	rc = make_key(z, p, dir, KEYS_KSK, err);
	return rc < 0 ? rc : make_key(z, p, dir, KEYS_ZSK, err);
}

/* The base name of a key file name: ".key" and ".private" cut off. */
static void key_base(const char *path, char *out, size_t size)
{
	snprintf(out, size, "%s", path);
	size_t n = strlen(out);
	if (n > 4 && strcmp(out + n - 4, ".key") == 0)
		out[n - 4] = '\0';
	else if (n > 8 && strcmp(out + n - 8, ".private") == 0)
		out[n - 8] = '\0';
}

static bool key_fits_role(const struct key *k, enum keys_role role)
{
	bool sep = k->flags & KEY_FLAG_SEP;
	return role == KEYS_PUBLIC || role == KEYS_CSK || (role == KEYS_KSK) == sep;
}

int keys_import(struct dzone *z, enum keys_role role, const char *path, char *err)
{
	char base[4096], berr[BIND_ERR_SIZE] = "";
	key_base(path, base, sizeof(base));
	struct key *k;
	int rc = role == KEYS_PUBLIC ? bind_key_read_public(base, &k, NULL, berr)
				     : bind_key_read(base, &k, NULL, berr);
	if (rc < 0) {
		snprintf(err, KEYS_ERR_SIZE, "cannot import %s: %s", path, berr);
		return rc;
	}
	if (!name_equal(k->owner, z->apex)) {
		snprintf(err, KEYS_ERR_SIZE, "cannot import %s: the key is for another zone", path);
		key_free(k);
		return ERR_INVAL;
	}
	if (!key_fits_role(k, role)) {
		snprintf(err, KEYS_ERR_SIZE,
			"cannot import %s: flags %u do not fit a %s (257 for a KSK or CSK, 256 "
			"for a ZSK)",
			path, k->flags, role == KEYS_KSK ? "KSK" : "ZSK");
		key_free(k);
		return ERR_INVAL;
	}
	rc = add_key(z, base, role, true, k);
	if (rc < 0) {
		snprintf(err, KEYS_ERR_SIZE, "out of memory");
		key_free(k);
	}
	return rc;
}

int keys_load(struct dzone *z, char *err)
{
	for (size_t i = 0; i < z->nkeys; i++) {
		struct dzone_key *e = &z->keys[i];
		if (e->key)
			continue;
		char berr[BIND_ERR_SIZE] = "";
		int rc = e->public_only ? bind_key_read_public(e->path, &e->key, NULL, berr)
					: bind_key_read(e->path, &e->key, NULL, berr);
		if (rc < 0) {
			snprintf(err, KEYS_ERR_SIZE, "cannot load key %s: %s", e->path, berr);
			return rc;
		}
	}
	return 0;
}

int keys_signer_array(struct dzone *z, struct signer_key **out, size_t *n, char *why)
{
	struct signer_key *v = calloc(z->nkeys ? z->nkeys : 1, sizeof(*v));
	bool ksk = false, zsk = false;
	if (!v) {
		snprintf(why, 256, "out of memory");
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < z->nkeys; i++) {
		const struct dzone_key *e = &z->keys[i];
		if (!e->key) {
			free(v);
			snprintf(why, 256, "key %s is not loaded", e->path);
			return ERR_INVAL;
		}
		v[i] = (struct signer_key){.key = e->key,
			.publish = true,
			.ksk = e->ksk && !e->public_only,
			.zsk = e->zsk && !e->public_only};
		ksk |= v[i].ksk;
		zsk |= v[i].zsk;
	}
	if (!ksk || !zsk) {
		free(v);
		snprintf(why, 256, "the zone has no key to sign %s",
			ksk ? "its records" : "its DNSKEY RRset");
		return ERR_INVAL;
	}
	*out = v;
	*n = z->nkeys;
	return 0;
}

static int append_rr(struct buf *out, const struct dzone *z, uint32_t ttl, const char *type,
	const uint8_t *rdata, size_t len, bool ds)
{
	char text[4096];
	int rc = buf_printf(out, "%s %u IN %s ", z->name, ttl, type);
	if (rc < 0)
		return rc;
	if (ds) { /* tag, algorithm, digest type, digest in hex (RFC 4034 §5.3) */
		if (base16_encode(rdata + 4, len - 4, text, sizeof(text), 0) < 0)
			return ERR_LIMIT;
		return buf_printf(out, "%u %u %u %s\n", (unsigned)(rdata[0] << 8 | rdata[1]),
			rdata[2], rdata[3], text);
	}
	/* flags, protocol, algorithm, key in base64 (RFC 4034 §2.2) */
	if (base64_encode(rdata + 4, len - 4, text, sizeof(text), 0) < 0)
		return ERR_LIMIT;
	return buf_printf(out, "%u %u %u %s\n", (unsigned)(rdata[0] << 8 | rdata[1]), rdata[2],
		rdata[3], text);
}

int keys_rrset_text(struct dzone *z, const struct policy *p, const char *type, struct buf *out)
{
	bool dnskey = strcasecmp(type, "dnskey") == 0;
	if (!dnskey && strcasecmp(type, "ds") != 0 && strcasecmp(type, "cds") != 0)
		return ERR_INVAL;
	for (size_t i = 0; i < z->nkeys; i++) {
		const struct dzone_key *e = &z->keys[i];
		uint8_t rdata[KEY_PUBKEY_MAX + KEY_DS_MAX + 4];
		int len;
		if (!e->key || (!dnskey && !e->ksk))
			continue;
		len = dnskey ? key_dnskey_rdata(e->key, rdata, sizeof(rdata))
			     : key_ds_rdata(e->key, p->ds_algorithm, rdata, sizeof(rdata));
		if (len < 0)
			return len;
		int rc = append_rr(out, z, p->records_ttl,
			dnskey					   ? "DNSKEY"
				: type[0] == 'c' || type[0] == 'C' ? "CDS"
								   : "DS",
			rdata, (size_t)len, !dnskey);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void keys_delete_files(struct dzone *z)
{
	for (size_t i = 0; i < z->nkeys; i++) {
		if (z->keys[i].imported)
			continue;
		char path[4200];
		snprintf(path, sizeof(path), "%s.private", z->keys[i].path);
		unlink(path);
		snprintf(path, sizeof(path), "%s.key", z->keys[i].path);
		unlink(path);
	}
}

void keys_archive(struct dzone *z)
{
	char dir[4096], to[4200];
	snprintf(dir, sizeof(dir), "%s/%s", z->d->cfg.keys_dir, z->stem);
	snprintf(to, sizeof(to), "%s.removed.%lld", dir, (long long)clock_now(&z->d->clock));
	if (rename(dir, to) == 0)
		log_info("zone %s: its keys were moved to %s", z->name, to);
	else if (errno != ENOENT)
		log_warning(
			"zone %s: cannot move its keys from %s: %s", z->name, dir, strerror(errno));
}

void keys_free(struct dzone *z)
{
	for (size_t i = 0; i < z->nkeys; i++) {
		key_free(z->keys[i].key);
		free(z->keys[i].path);
	}
	free(z->keys);
	z->keys = NULL;
	z->nkeys = 0;
}
