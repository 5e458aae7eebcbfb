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
 * threads at once (each call makes its own OpenSSL context); nothing may
 * change it (key_set_flags) meanwhile.
 *
 * Errors: ERR_UNSUPP for an algorithm not listed here, ERR_SYNTAX for a
 * malformed DNSKEY public key field (wrong length, RFC 3110 framing),
 * ERR_RANGE for RSA sizes out of range, ERR_INVAL for key material that is
 * well formed but not a key (a point off the curve, a private key that does
 * not match its public half), ERR_CRYPTO when OpenSSL fails for a reason of
 * its own (its error queue is cleared).
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

/* RSA moduli: keys we make are 1024..4096 bits (RFC 8624 §3.1, RFC 5702 §4
 * for the upper bound); keys we load may be as small as RFC 3110 §2 allows,
 * since known-answer tests (RFC 5702 §6) and old zones use 512-bit keys. */
#define KEY_RSA_GEN_MIN_BITS 1024
#define KEY_RSA_GEN_DEFAULT_BITS 2048
#define KEY_RSA_MIN_BITS 512
#define KEY_RSA_MAX_BITS 4096
/* Longest RSA public exponent accepted, in octets: verifying costs grow with
 * its size, so a hostile DNSKEY must not bring an enormous one. 65537 takes 3. */
#define KEY_RSA_EXP_MAX 8
/* DS digest types (RFC 4509, RFC 6605 §2). */
#define KEY_DS_SHA256 2
#define KEY_DS_SHA384 4
#define KEY_DS_MAX (4 + 48) /* octets of the largest DS RDATA we make */

struct evp_pkey_st;

struct key {
	uint8_t owner[LIMIT_NAME_LEN + 1]; /* the zone apex, wire form */
	uint16_t flags;
	uint8_t algorithm;
	uint16_t tag;			/* RFC 4034 Appendix B, of the DNSKEY RDATA */
	uint8_t pubkey[KEY_PUBKEY_MAX]; /* the DNSKEY public key field */
	size_t pubkey_len;
	struct evp_pkey_st *pkey; /* EVP_PKEY: the public half alone when !has_private */
	bool has_private;
};

/* Private key material as key files carry it: big-endian unsigned
 * integers. RSA uses every part, named as in RFC 8017 §3.2 (n, e, d, p, q,
 * dP, dQ, qInv); ECDSA and EdDSA only KEY_PART_PRIVATE: the private scalar
 * (RFC 6605) or the 32/57-octet private key of RFC 8032 §5.1.5/§5.2.5.
 * Plain storage, no pointers: a caller owns it (usually on the stack) and
 * must key_private_wipe() it when done. */
enum key_part {
	KEY_PART_N,
	KEY_PART_E,
	KEY_PART_D,
	KEY_PART_P,
	KEY_PART_Q,
	KEY_PART_DP,
	KEY_PART_DQ,
	KEY_PART_QINV,
	KEY_PARTS,
	KEY_PART_PRIVATE = 0,
};
#define KEY_PART_MAX 512 /* octets of one part (an RSA 4096 modulus) */

struct key_private {
	uint8_t part[KEY_PARTS][KEY_PART_MAX];
	size_t len[KEY_PARTS];
};

/* True for the algorithms above. */
bool key_alg_supported(uint8_t alg);
/* Mnemonic ("ECDSAP256SHA256") or NULL; and the reverse (case-insensitive,
 * also the number as text). */
const char *key_alg_name(uint8_t alg);
int key_alg_from_name(const char *name, uint8_t *alg);

/* A new key pair. bits only for RSA (1024..4096; 0 selects 2048; else
 * ERR_RANGE). owner is a valid wire name. */
int key_generate(
	uint8_t alg, unsigned bits, uint16_t flags, const uint8_t *owner, struct key **out);
/* A public-only key from DNSKEY RDATA (flags, protocol 3, algorithm, key).
 * The public key field is kept as given. */
int key_from_dnskey(const uint8_t *owner, const uint8_t *rdata, size_t len, struct key **out);
/* A key pair from private material (RSA: all eight parts; RSA keys of
 * KEY_RSA_MIN_BITS and up; the halves are checked to belong together). Its
 * public key field is derived from the private material; priv stays the
 * caller's. */
int key_from_private(uint8_t alg, uint16_t flags, const uint8_t *owner,
	const struct key_private *priv, struct key **out);
/* The private material of k into out (ERR_INVAL for a public-only key).
 * The caller wipes out with key_private_wipe(). */
int key_export_private(const struct key *k, struct key_private *out);
void key_private_wipe(struct key_private *p);
/* New flags (e.g. KEY_FLAG_REVOKE, RFC 5011 §2.1); the tag follows them. */
void key_set_flags(struct key *k, uint16_t flags);
/* Size in bits: the RSA modulus, the curve, or the EdDSA key. */
unsigned key_bits(const struct key *k);
void key_free(struct key *k);

/* The DNSKEY RDATA (4 + pubkey_len octets) into out (room for size). Returns
 * its length or ERR_LIMIT. */
int key_dnskey_rdata(const struct key *k, uint8_t *out, size_t size);
/* RFC 4034 Appendix B over DNSKEY RDATA. */
uint16_t key_tag_of(const uint8_t *rdata, size_t len);
/* DS RDATA (RFC 4509: digest type 2 SHA-256; RFC 6605: 4 SHA-384) of the key,
 * the same for CDS (RFC 7344); KEY_DS_MAX octets suffice. Returns its length,
 * ERR_UNSUPP or ERR_LIMIT. */
int key_ds_rdata(const struct key *k, uint8_t digest_type, uint8_t *out, size_t size);

/* Signs data (the RRSIG RDATA without the signature, then the RRset in
 * canonical form: RFC 4034 §3.1.8.1) into sig (KEY_SIG_MAX octets). Returns
 * the signature length or a negative error. */
int key_sign(const struct key *k, const uint8_t *data, size_t len, uint8_t *sig);
/* A signing context for one thread at a time, for many signatures with one
 * key: OpenSSL's contexts are set up once instead of per call, which saves
 * some 15% of an ECDSA P-256 signature (EdDSA gains nothing; RSA little).
 * Same signatures as key_sign. k is borrowed and must outlive the signer;
 * key_signer_free() releases it. Each thread makes its own. */
struct key_signer;
int key_signer_new(const struct key *k, struct key_signer **out);
int key_signer_sign(struct key_signer *s, const uint8_t *data, size_t len, uint8_t *sig);
void key_signer_free(struct key_signer *s);
/* From now on s takes ECDSA nonces from store (key_nonce.h) while it has
 * some, KEY_SIGNER_BATCH at a time, and makes its own after. store must
 * hold nonces of s's key and outlive s. ERR_INVAL for other keys. */
#define KEY_SIGNER_BATCH 32
struct key_nonces;
int key_signer_draw(struct key_signer *s, struct key_nonces *store);
/* 0 when sig is a valid signature of data by k, ERR_DNS when not. */
int key_verify(
	const struct key *k, const uint8_t *data, size_t len, const uint8_t *sig, size_t siglen);

#endif
