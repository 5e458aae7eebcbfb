/*
 * key_impl.h - what the key files share: the algorithm table, the
 * conversions between DNSSEC key encodings and OpenSSL EVP_PKEYs, and the
 * making of ECDSA nonces.
 *
 * Ownership: functions that make an EVP_PKEY hand it to the caller (free
 * with EVP_PKEY_free); everything else is borrowed. Thread-safe.
 */
#ifndef CASCADE_DNSSEC_KEY_IMPL_H
#define CASCADE_DNSSEC_KEY_IMPL_H

#include <openssl/evp.h>
#include <openssl/ec.h>

#include "lib/dnssec/key.h"

enum key_kind { KEY_KIND_RSA, KEY_KIND_EC, KEY_KIND_ED };

struct key_alg_info {
	uint8_t alg;
	enum key_kind kind;
	const char *name; /* mnemonic (IANA DNSSEC algorithm registry) */
	const char *md;	  /* hash of the signature; NULL for EdDSA, which hashes itself */
	const char *ossl; /* OpenSSL key type, or the curve for ECDSA */
	int nid;	  /* the curve for ECDSA */
	size_t size;	  /* ECDSA: octets of a coordinate; EdDSA: of a key */
	unsigned bits;	  /* ECDSA and EdDSA: key size in bits */
};

/* The row of a supported algorithm, or NULL. */
const struct key_alg_info *key_alg_info(uint8_t alg);

/* OpenSSL failed: clears its error queue (it is per thread and would
 * otherwise leak into the next caller's diagnostics) and says so. */
int key_crypto_fail(void);

/* The public key of a DNSKEY public key field. */
int key_pkey_from_pub(const struct key_alg_info *a, const uint8_t *pub, size_t len, EVP_PKEY **out);
/* The DNSKEY public key field of pk into out (room for size); its length. */
int key_pkey_to_pub(const struct key_alg_info *a, EVP_PKEY *pk, uint8_t *out, size_t size);
/* A new key pair; bits only for RSA (already checked). */
int key_pkey_generate(const struct key_alg_info *a, unsigned bits, EVP_PKEY **out);
/* A key pair from private material. */
int key_pkey_from_private(
	const struct key_alg_info *a, const struct key_private *p, EVP_PKEY **out);
/* The private material of pk. */
int key_pkey_to_private(const struct key_alg_info *a, EVP_PKEY *pk, struct key_private *out);

/* n (at most KEY_NONCE_BATCH) ECDSA nonce pairs for curve g into out, each
 * k^-1 then r = (k * G).x mod n, width octets apiece (key_nonce.h). About
 * half the cost of ECDSA_sign_setup per pair: the k^-1 of a batch share
 * one inversion. out is as secret as the private key; on failure it holds
 * no pair. bn is scratch, used by one thread at a time. */
#define KEY_NONCE_BATCH 32
int key_ec_nonces(const EC_GROUP *g, BN_CTX *bn, size_t width, size_t n, uint8_t *out);
/* The big-endian number of width octets (a multiple of 8) into bn, a
 * 64-bit word at a time: unlike BN_bin2bn, the time does not tell how many
 * leading octets are zero, which would leak bits of a secret nonce. */
int key_bn_load(BIGNUM *bn, const uint8_t *b, size_t width);
/* The same from the given nonces k[0..n), each in [1, n) (a test picks
 * them); leaves k in an unspecified state. */
int key_ec_pairs(const EC_GROUP *g, BN_CTX *bn, size_t width, size_t n, BIGNUM **k, uint8_t *out);

#endif
