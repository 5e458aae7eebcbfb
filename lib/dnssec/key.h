/*
 * key.h - DNSSEC keys: generation, the DNSKEY record, key tags, DS/CDS and
 * CDNSKEY, and signing and verifying with OpenSSL 3.
 *
 * Algorithms (RFC 8624 §3.1): 8 RSASHA256 and 10 RSASHA512 (RFC 5702; RSA
 * 1024..4096 bits), 13 ECDSAP256SHA256 and 14 ECDSAP384SHA384 (RFC 6605),
 * 15 ED25519 and 16 ED448 (RFC 8080). Signatures are in DNSSEC wire form:
 * RSA PKCS#1 v1.5 (RFC 3110), ECDSA r|s fixed width (RFC 6605 §4), EdDSA as
 * is (RFC 8080 §4).
 *
 * Ownership: a struct key owns its OpenSSL key and its buffers; key_free()
 * releases them (private material is OpenSSL's to wipe). Functions that fill
 * caller buffers say how much room they need. A key may sign from several
 * threads at once (each call makes its own OpenSSL context).
 */
#ifndef CASCADE_DNSSEC_KEY_H
#define CASCADE_DNSSEC_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"

enum key_alg {
	KEY_ALG_RSASHA256 = 8,
	KEY_ALG_RSASHA512 = 10,
	KEY_ALG_ECDSAP256SHA256 = 13,
	KEY_ALG_ECDSAP384SHA384 = 14,
	KEY_ALG_ED25519 = 15,
	KEY_ALG_ED448 = 16,
};

enum key_flags {
	KEY_FLAG_ZONE = 256,  /* RFC 4034 §2.1.1 */
	KEY_FLAG_SEP = 1,     /* KSK / CSK */
	KEY_FLAG_REVOKE = 128 /* RFC 5011 §3 */
};

#define KEY_SIG_MAX 512	    /* octets of the largest signature (RSA 4096) */
#define KEY_PUBKEY_MAX 1024 /* octets of the largest DNSKEY public key field */

struct evp_pkey_st;

struct key {
	uint8_t owner[LIMIT_NAME_LEN + 1]; /* the zone apex, wire form */
	uint16_t flags;
	uint8_t algorithm;
	uint16_t tag;			/* RFC 4034 Appendix B, of the DNSKEY RDATA */
	uint8_t pubkey[KEY_PUBKEY_MAX]; /* the DNSKEY public key field */
	size_t pubkey_len;
	struct evp_pkey_st *pkey; /* EVP_PKEY; NULL for a public-only key */
	bool has_private;
};

/* True for the algorithms above. */
bool key_alg_supported(uint8_t alg);
/* Mnemonic ("ECDSAP256SHA256") or NULL; and the reverse (case-insensitive,
 * also the number as text). */
const char *key_alg_name(uint8_t alg);
int key_alg_from_name(const char *name, uint8_t *alg);

/* A new key pair. bits only for RSA (1024..4096; 0 selects 2048). owner is
 * a valid wire name. */
int key_generate(
	uint8_t alg, unsigned bits, uint16_t flags, const uint8_t *owner, struct key **out);
/* A public-only key from DNSKEY RDATA (flags, protocol 3, algorithm, key). */
int key_from_dnskey(const uint8_t *owner, const uint8_t *rdata, size_t len, struct key **out);
void key_free(struct key *k);

/* The DNSKEY RDATA (4 + pubkey_len octets) into out (room for size). Returns
 * its length or ERR_LIMIT. */
int key_dnskey_rdata(const struct key *k, uint8_t *out, size_t size);
/* RFC 4034 Appendix B over DNSKEY RDATA. */
uint16_t key_tag_of(const uint8_t *rdata, size_t len);
/* DS RDATA (RFC 4509: digest type 2 SHA-256; RFC 6605: 4 SHA-384) of the key,
 * the same for CDS (RFC 7344). Returns its length, ERR_UNSUPP or ERR_LIMIT. */
int key_ds_rdata(const struct key *k, uint8_t digest_type, uint8_t *out, size_t size);

/* Signs data (the RRSIG RDATA without the signature, then the RRset in
 * canonical form: RFC 4034 §3.1.8.1) into sig (KEY_SIG_MAX octets). Returns
 * the signature length or a negative error. */
int key_sign(const struct key *k, const uint8_t *data, size_t len, uint8_t *sig);
/* 0 when sig is a valid signature of data by k, ERR_DNS when not. */
int key_verify(
	const struct key *k, const uint8_t *data, size_t len, const uint8_t *sig, size_t siglen);

#endif
