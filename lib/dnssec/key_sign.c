/* key_sign.c - signatures in DNSSEC wire form (see key.h). */
/* ECDSA_do_sign_ex and the EC_KEY it needs are deprecated in OpenSSL 3 but
 * still the only way to choose the nonce (see ec_sign). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <stdbool.h>
#include <stdlib.h>

#include "lib/dnssec/key_impl.h"
#include "lib/dnssec/key_nonce.h"
#include "lib/util/err.h"

/* OpenSSL's ECDSA signatures are DER (SEQUENCE of two INTEGERs); DNSSEC's
 * are r | s, each left-padded to the field width (RFC 6605 §4). Signing
 * makes r and s directly (ec_sign); verifying turns r | s into DER. */
static int ec_rs_to_der(const uint8_t *sig, size_t width, uint8_t *der, size_t size)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)width, NULL),
	       *sv = BN_bin2bn(sig + width, (int)width, NULL);
	if (!s || !r || !sv || ECDSA_SIG_set0(s, r, sv) != 1) {
		ECDSA_SIG_free(s);
		BN_free(r);
		BN_free(sv);
		return key_crypto_fail();
	}
	int n = i2d_ECDSA_SIG(s, NULL);
	if (n > 0 && (size_t)n <= size) {
		unsigned char *p = der;
		n = i2d_ECDSA_SIG(s, &p);
	} else {
		n = -1;
	}
	ECDSA_SIG_free(s);
	return n > 0 ? n : key_crypto_fail();
}

int key_sign(const struct key *k, const uint8_t *data, size_t len, uint8_t *sig)
{
	const struct key_alg_info *a = key_alg_info(k->algorithm);
	if (!a)
		return ERR_UNSUPP;
	if (!k->has_private || !k->pkey)
		return ERR_INVAL;
	if (a->kind == KEY_KIND_EC) { /* one way to make r and s: the signer's */
		struct key_signer *s = NULL;
		int rc = key_signer_new(k, &s);
		if (rc == 0)
			rc = key_signer_sign(s, data, len, sig);
		key_signer_free(s);
		return rc;
	}
	/* A context per call: EVP_PKEY is safe to share between threads, the
	 * contexts are not. */
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t slen = 0;
	int rc = 0;
	if (!ctx || EVP_DigestSignInit_ex(ctx, NULL, a->md, NULL, NULL, k->pkey, NULL) != 1 ||
		EVP_DigestSign(ctx, NULL, &slen, data, len) != 1) {
		rc = key_crypto_fail();
	} else if (slen > KEY_SIG_MAX) {
		rc = ERR_LIMIT;
	} else if (EVP_DigestSign(ctx, sig, &slen, data, len) != 1) {
		rc = key_crypto_fail();
	} else {
		rc = (int)slen;
	}
	EVP_MD_CTX_free(ctx);
	return rc;
}

int key_verify(
	const struct key *k, const uint8_t *data, size_t len, const uint8_t *sig, size_t siglen)
{
	const struct key_alg_info *a = key_alg_info(k->algorithm);
	if (!a)
		return ERR_UNSUPP;
	if (!k->pkey)
		return ERR_INVAL;
	uint8_t der[2 * 48 + 16];
	if (a->kind == KEY_KIND_EC) {
		if (siglen != 2 * a->size)
			return ERR_DNS;
		int n = ec_rs_to_der(sig, a->size, der, sizeof(der));
		if (n < 0)
			return n;
		sig = der;
		siglen = (size_t)n;
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = 0;
	if (!ctx || EVP_DigestVerifyInit_ex(ctx, NULL, a->md, NULL, NULL, k->pkey, NULL) != 1)
		rc = key_crypto_fail();
	else if (EVP_DigestVerify(ctx, sig, siglen, data, len) != 1)
		rc = ERR_DNS; /* a bad signature, or a malformed one: both fail */
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/* A context for many signatures on one thread (see key.h). */
struct key_signer {
	const struct key *k;
	const struct key_alg_info *a;
	OSSL_LIB_CTX *lib;  /* its own: threads signing at once share no OpenSSL locks */
	EVP_MD *md;	    /* fetched once: no name lookup per signature */
	EVP_MD_CTX *hash;   /* reused for each digest */
	EVP_PKEY_CTX *pctx; /* RSA: initialised once; EVP_PKEY_sign may run again on it */
	EC_KEY *ec;	    /* ECDSA: this signer's own copy of the key */
	BN_CTX *bn;	    /* ECDSA: scratch numbers, reused */
	/* ECDSA nonces: a batch taken from the store (key_signer_draw) or
	 * made here, used from the end down, each wiped once used */
	struct key_nonces *store;
	BIGNUM *kinv, *r;
	size_t batch, make; /* pairs in hand; pairs the next batch made here */
	uint8_t pairs[KEY_SIGNER_BATCH * KEY_NONCE_PAIR_MAX];
};

/* RSA and ECDSA sign a digest: the digest is ours to make, so the key's
 * context is set up once. RSA gets PKCS#1 v1.5 with the DigestInfo of md
 * (RFC 3110 §3, RFC 5702 §3). */
static int signer_setup(struct key_signer *s)
{
	s->lib = OSSL_LIB_CTX_new();
	if (!s->lib)
		return key_crypto_fail();
	s->md = EVP_MD_fetch(s->lib, s->a->md, NULL);
	s->hash = EVP_MD_CTX_new();
	if (!s->md || !s->hash)
		return key_crypto_fail();
	if (s->a->kind == KEY_KIND_EC) {
		const EC_KEY *ec = EVP_PKEY_get0_EC_KEY(s->k->pkey);
		s->ec = ec ? EC_KEY_dup(ec) : NULL;
		s->bn = BN_CTX_new();
		s->kinv = BN_secure_new();
		s->r = BN_new();
		s->make = 1;
		if (s->kinv)
			BN_set_flags(s->kinv, BN_FLG_CONSTTIME);
		return s->ec && s->bn && s->kinv && s->r ? 0 : key_crypto_fail();
	}
	s->pctx = EVP_PKEY_CTX_new_from_pkey(s->lib, s->k->pkey, NULL);
	if (!s->pctx || EVP_PKEY_sign_init(s->pctx) != 1 ||
		EVP_PKEY_CTX_set_signature_md(s->pctx, s->md) != 1 ||
		EVP_PKEY_CTX_set_rsa_padding(s->pctx, RSA_PKCS1_PADDING) != 1)
		return key_crypto_fail();
	return 0;
}

_Static_assert(KEY_SIGNER_BATCH <= KEY_NONCE_BATCH, "a signer's batch is made in one go");

/* The next nonce pair into s->kinv and s->r: from the batch in hand, else
 * from the store, else from a batch made here. Made batches grow from one
 * pair to KEY_SIGNER_BATCH, so that a signer used once makes one. Each
 * pair is wiped once read. */
static int next_pair(struct key_signer *s)
{
	size_t w = s->a->size;
	if (s->batch == 0 && s->store)
		s->batch = key_nonces_take(s->store, s->pairs, KEY_SIGNER_BATCH);
	if (s->batch == 0) {
		int rc = key_ec_nonces(EC_KEY_get0_group(s->ec), s->bn, w, s->make, s->pairs);
		if (rc < 0)
			return rc;
		s->batch = s->make;
		s->make = 2 * s->make < KEY_SIGNER_BATCH ? 2 * s->make : KEY_SIGNER_BATCH;
	}
	uint8_t *pair = s->pairs + --s->batch * 2 * w;
	int rc = key_bn_load(s->kinv, pair, w);
	if (rc == 0 && !BN_bin2bn(pair + w, (int)w, s->r)) /* r is public */
		rc = key_crypto_fail();
	OPENSSL_cleanse(pair, 2 * w);
	if (rc < 0)
		BN_clear(s->kinv);
	return rc;
}

/* ECDSA over the digest h (RFC 6605 §4) with a random nonce (FIPS 186-4
 * B.5.2) made as key_ec_nonces says; s is OpenSSL's constant-time code.
 * EVP_PKEY_sign would also hash the private key and the digest into k,
 * fetching SHA-512 and allocating on every call, and invert each k alone:
 * RFC 6605 asks only for a random k. The numbers are wiped. */
static int ec_sign(struct key_signer *s, const uint8_t *h, unsigned hlen, uint8_t *sig)
{
	size_t w = s->a->size;
	for (int tries = 0; tries < 3; tries++) {
		int rc = next_pair(s);
		if (rc < 0)
			return rc;
		ECDSA_SIG *es = ECDSA_do_sign_ex(h, (int)hlen, s->kinv, s->r, s->ec);
		BN_clear(s->kinv);
		BN_clear(s->r);
		if (!es) { /* s = 0 for this k (odds 2^-256): a new k */
			ERR_clear_error();
			continue;
		}
		const BIGNUM *er = NULL, *es_s = NULL;
		ECDSA_SIG_get0(es, &er, &es_s);
		int ok = BN_bn2binpad(er, sig, (int)w) == (int)w &&
			BN_bn2binpad(es_s, sig + w, (int)w) == (int)w;
		ECDSA_SIG_free(es);
		return ok ? (int)(2 * w) : key_crypto_fail();
	}
	return key_crypto_fail();
}

int key_signer_draw(struct key_signer *s, struct key_nonces *store)
{
	if (!s->ec || key_nonces_pair_size(store) != 2 * s->a->size)
		return ERR_INVAL;
	s->store = store;
	return 0;
}

int key_signer_new(const struct key *k, struct key_signer **out)
{
	*out = NULL;
	const struct key_alg_info *a = key_alg_info(k->algorithm);
	if (!a)
		return ERR_UNSUPP;
	if (!k->has_private || !k->pkey)
		return ERR_INVAL;
	struct key_signer *s = calloc(1, sizeof(*s));
	if (!s)
		return ERR_NOMEM;
	s->k = k;
	s->a = a;
	/* EdDSA hashes inside the signature and OpenSSL 3.2 and later refuse
	 * a second EVP_DigestSign on one context: it keeps key_sign's way. */
	int rc = a->kind == KEY_KIND_ED ? 0 : signer_setup(s);
	if (rc < 0) {
		key_signer_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int key_signer_sign(struct key_signer *s, const uint8_t *data, size_t len, uint8_t *sig)
{
	if (s->a->kind == KEY_KIND_ED)
		return key_sign(s->k, data, len, sig);
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned hlen = 0;
	if (EVP_DigestInit_ex2(s->hash, s->md, NULL) != 1 ||
		EVP_DigestUpdate(s->hash, data, len) != 1 ||
		EVP_DigestFinal_ex(s->hash, h, &hlen) != 1)
		return key_crypto_fail();
	if (s->a->kind == KEY_KIND_EC)
		return ec_sign(s, h, hlen, sig);
	/* sig holds KEY_SIG_MAX octets, more than any key here makes: no call
	 * to ask the size first */
	size_t slen = KEY_SIG_MAX;
	if (EVP_PKEY_sign(s->pctx, sig, &slen, h, hlen) != 1)
		return key_crypto_fail();
	return (int)slen;
}

void key_signer_free(struct key_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_CTX_free(s->pctx);
	EC_KEY_free(s->ec);
	OPENSSL_cleanse(s->pairs, sizeof(s->pairs));
	BN_clear_free(s->kinv);
	BN_free(s->r);
	BN_CTX_free(s->bn);
	EVP_MD_CTX_free(s->hash);
	EVP_MD_free(s->md);
	OSSL_LIB_CTX_free(s->lib);
	free(s);
}
