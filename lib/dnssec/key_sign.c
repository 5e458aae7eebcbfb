/* key_sign.c - signatures in DNSSEC wire form (see key.h). */
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <stdlib.h>

#include "lib/dnssec/key_impl.h"
#include "lib/util/err.h"

/* OpenSSL's ECDSA signatures are DER (SEQUENCE of two INTEGERs); DNSSEC's
 * are r | s, each left-padded to the field width (RFC 6605 §4). */
static int ec_der_to_rs(const uint8_t *der, size_t len, size_t width, uint8_t *out)
{
	const unsigned char *p = der;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	if (!s)
		return key_crypto_fail();
	const BIGNUM *r = NULL, *sv = NULL;
	ECDSA_SIG_get0(s, &r, &sv);
	int ok = BN_bn2binpad(r, out, (int)width) == (int)width &&
		BN_bn2binpad(sv, out + width, (int)width) == (int)width;
	ECDSA_SIG_free(s);
	return ok ? (int)(2 * width) : key_crypto_fail();
}

/* The reverse, for verifying; returns the DER length. */
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
	/* A context per call: EVP_PKEY is safe to share between threads, the
	 * contexts are not. */
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t der[KEY_SIG_MAX];
	size_t slen = 0;
	int rc = 0;
	if (!ctx || EVP_DigestSignInit_ex(ctx, NULL, a->md, NULL, NULL, k->pkey, NULL) != 1 ||
		EVP_DigestSign(ctx, NULL, &slen, data, len) != 1) {
		rc = key_crypto_fail();
	} else if (slen > KEY_SIG_MAX) {
		rc = ERR_LIMIT;
	} else if (EVP_DigestSign(ctx, a->kind == KEY_KIND_EC ? der : sig, &slen, data, len) != 1) {
		rc = key_crypto_fail();
	} else {
		rc = a->kind == KEY_KIND_EC ? ec_der_to_rs(der, slen, a->size, sig) : (int)slen;
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
	EVP_PKEY_CTX *pctx; /* initialised once; EVP_PKEY_sign may run again on it */
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
	s->pctx = EVP_PKEY_CTX_new_from_pkey(s->lib, s->k->pkey, NULL);
	if (!s->md || !s->hash || !s->pctx || EVP_PKEY_sign_init(s->pctx) != 1 ||
		EVP_PKEY_CTX_set_signature_md(s->pctx, s->md) != 1)
		return key_crypto_fail();
	if (s->a->kind == KEY_KIND_RSA &&
		EVP_PKEY_CTX_set_rsa_padding(s->pctx, RSA_PKCS1_PADDING) != 1)
		return key_crypto_fail();
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
	uint8_t h[EVP_MAX_MD_SIZE], der[KEY_SIG_MAX];
	unsigned hlen = 0;
	if (EVP_DigestInit_ex2(s->hash, s->md, NULL) != 1 ||
		EVP_DigestUpdate(s->hash, data, len) != 1 ||
		EVP_DigestFinal_ex(s->hash, h, &hlen) != 1)
		return key_crypto_fail();
	/* sig and der hold KEY_SIG_MAX octets, more than any key here makes:
	 * no call to ask the size first */
	size_t slen = KEY_SIG_MAX;
	bool ec = s->a->kind == KEY_KIND_EC;
	if (EVP_PKEY_sign(s->pctx, ec ? der : sig, &slen, h, hlen) != 1)
		return key_crypto_fail();
	return ec ? ec_der_to_rs(der, slen, s->a->size, sig) : (int)slen;
}

void key_signer_free(struct key_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_CTX_free(s->pctx);
	EVP_MD_CTX_free(s->hash);
	EVP_MD_free(s->md);
	OSSL_LIB_CTX_free(s->lib);
	free(s);
}
