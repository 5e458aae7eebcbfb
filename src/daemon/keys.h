/*
 * keys.h - the keys a zone signs with: made when the zone is added, as its
 * policy asks (a KSK and a ZSK, or one CSK), or imported from BIND key files
 * (cascade-spec §5.5), and kept as BIND key files (lib/keystore/bind.h).
 * Key rollovers come later; until then a zone keeps signing with these.
 *
 * Ownership: the key list lives in the zone (struct dzone_key); loaded keys
 * are freed by keys_free(). Threads: loop thread only.
 */
#ifndef CASCADE_DAEMON_KEYS_H
#define CASCADE_DAEMON_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/conf/policy.h"
#include "lib/dnssec/signer.h"
#include "lib/util/buf.h"
#include "src/daemon/dzone.h"

#define KEYS_ERR_SIZE 600

enum keys_role {
	KEYS_KSK,
	KEYS_ZSK,
	KEYS_CSK,
	KEYS_PUBLIC, /* published only */
};

/* Makes the keys policy p asks for in keys_dir/<zone stem>/ and adds them
 * to z. 0, or a negative code with err (KEYS_ERR_SIZE) set. */
int keys_create(struct dzone *z, const struct policy *p, const char *keys_dir, char *err);

/* Adds the key files at path (base name or either file; KEYS_PUBLIC: the
 * .key file) to z, loaded, with that role; they are referenced, not
 * copied. */
int keys_import(struct dzone *z, enum keys_role role, const char *path, char *err);

/* Loads every key of z from its files (after a restart). */
int keys_load(struct dzone *z, char *err);

/* The signer's key list for z (*out malloc'd, keys borrowed from z). Fails
 * when no key can sign the DNSKEY RRset or the rest. */
int keys_signer_array(struct dzone *z, struct signer_key **out, size_t *n, char *why);

/* The zone's DNSKEY, DS or CDS RRset ("dnskey", "ds", "cds", any case) in
 * zone file form, appended to out: DS and CDS of the keys that sign the
 * DNSKEY RRset, with the digest of policy p. ERR_INVAL for another type. */
int keys_rrset_text(struct dzone *z, const struct policy *p, const char *type, struct buf *out);

/* Deletes the files of keys we made (not imported ones): a zone add that
 * failed. */
void keys_delete_files(struct dzone *z);

/* Zone removal: the folder of the keys we made is renamed
 * <keys-dir>/<stem>.removed.<unix time>, not deleted, so a zone removed by
 * mistake can get its keys back. Imported keys are left where they are. */
void keys_archive(struct dzone *z);

/* Frees the key list. */
void keys_free(struct dzone *z);

#endif
