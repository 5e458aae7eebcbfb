/*
 * key_pkey.c - DNSSEC key encodings to and from OpenSSL 3 EVP_PKEYs (see
 * key_impl.h).
 *
 * Only the provider interfaces of OpenSSL 3 are used (EVP_PKEY_fromdata,
 * OSSL_PARAM, EVP_PKEY_get_*_param), none of the deprecated RSA and EC_KEY
 * ones. Private values travel in BN_secure_new() numbers, so the parameter
 * blocks built from them are wiped when freed.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <string.h>

#include "lib/dnssec/key_impl.h"
#include "lib/util/err.h"

/* Order of enum key_part. */
static const char *const rsa_param[KEY_PARTS] = {
	OSSL_PKEY_PARAM_RSA_N,
	OSSL_PKEY_PARAM_RSA_E,
	OSSL_PKEY_PARAM_RSA_D,
	OSSL_PKEY_PARAM_RSA_FACTOR1,
	OSSL_PKEY_PARAM_RSA_FACTOR2,
	OSSL_PKEY_PARAM_RSA_EXPONENT1,
	OSSL_PKEY_PARAM_RSA_EXPONENT2,
	OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

int key_crypto_fail(void)
{
	ERR_clear_error();
	return ERR_CRYPTO;
}

/* Builds a key of type from the parameters in bld. bad is the error when
 * OpenSSL refuses the values (as opposed to failing to allocate). */
static int from_params(
	const char *type, int selection, OSSL_PARAM_BLD *bld, int bad, EVP_PKEY **out)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	int rc = params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 ? 0 : key_crypto_fail();
	if (rc == 0 && EVP_PKEY_fromdata(ctx, out, selection, params) != 1) {
		ERR_clear_error();
		rc = bad;
	}
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* Bits of a big-endian number (leading zero octets allowed). */
static unsigned be_bits(const uint8_t *p, size_t len)
{
	while (len && p[0] == 0) {
		p++;
		len--;
	}
	if (len == 0)
		return 0;
	unsigned b = (unsigned)len * 8;
	for (uint8_t top = p[0]; !(top & 0x80); top = (uint8_t)(top << 1))
		b--;
	return b;
}

/* RFC 3110 §2: exponent length (one octet, or zero then two), exponent,
 * modulus; no leading zero octets in either. */
static int rsa_from_pub(const uint8_t *p, size_t len, EVP_PKEY **out)
{
	if (len < 1)
		return ERR_SYNTAX;
	size_t off = 1, elen = p[0];
	if (elen == 0) {
		if (len < 3)
			return ERR_SYNTAX;
		elen = (size_t)p[1] << 8 | p[2];
		off = 3;
	}
	if (elen == 0 || len - off <= elen)
		return ERR_SYNTAX;
	const uint8_t *e = p + off, *n = e + elen;
	size_t nlen = len - off - elen;
	if (e[0] == 0 || n[0] == 0)
		return ERR_SYNTAX;
	if (elen > KEY_RSA_EXP_MAX)
		return ERR_RANGE;
	unsigned bits = be_bits(n, nlen);
	if (bits < KEY_RSA_MIN_BITS || bits > KEY_RSA_MAX_BITS)
		return ERR_RANGE;
	BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	int rc = ERR_CRYPTO;
	if (bn && be && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
		rc = from_params("RSA", EVP_PKEY_PUBLIC_KEY, bld, ERR_INVAL, out);
	else
		key_crypto_fail();
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return rc;
}

/* RFC 6605 §4: x | y, each as wide as the field. OpenSSL takes the SEC 1
 * §2.3.3 uncompressed form, 0x04 | x | y, and checks the point is on the
 * curve. */
static int ec_from_pub(const struct key_alg_info *a, const uint8_t *p, size_t len, EVP_PKEY **out)
{
	if (len != 2 * a->size)
		return ERR_SYNTAX;
	uint8_t pt[1 + 2 * 48];
	pt[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(pt + 1, p, len);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	int rc = ERR_CRYPTO;
	if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, a->ossl, 0) &&
		OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, len + 1))
		rc = from_params("EC", EVP_PKEY_PUBLIC_KEY, bld, ERR_INVAL, out);
	else
		key_crypto_fail();
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

int key_pkey_from_pub(const struct key_alg_info *a, const uint8_t *pub, size_t len, EVP_PKEY **out)
{
	*out = NULL;
	switch (a->kind) {
	case KEY_KIND_RSA:
		return rsa_from_pub(pub, len, out);
	case KEY_KIND_EC:
		return ec_from_pub(a, pub, len, out);
	case KEY_KIND_ED:
		/* RFC 8080 §3: the public key as RFC 8032 encodes it. */
		if (len != a->size)
			return ERR_SYNTAX;
		*out = EVP_PKEY_new_raw_public_key_ex(NULL, a->ossl, NULL, pub, len);
		if (!*out) {
			ERR_clear_error();
			return ERR_INVAL;
		}
		return 0;
	}
	return ERR_UNSUPP;
}

static int rsa_to_pub(EVP_PKEY *pk, uint8_t *out, size_t size)
{
	BIGNUM *n = NULL, *e = NULL;
	int rc = 0;
	if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
		EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
		rc = key_crypto_fail();
		goto cleanup;
	}
	size_t nlen = (size_t)BN_num_bytes(n), elen = (size_t)BN_num_bytes(e);
	size_t off = elen <= 255 ? 1 : 3; /* RFC 3110 §2 */
	if (elen == 0 || elen > 0xffff || off + elen + nlen > size) {
		rc = ERR_LIMIT;
		goto cleanup;
	}
	if (off == 1) {
		out[0] = (uint8_t)elen;
	} else {
		out[0] = 0;
		out[1] = (uint8_t)(elen >> 8);
		out[2] = (uint8_t)elen;
	}
	BN_bn2bin(e, out + off);
	BN_bn2bin(n, out + off + elen);
	rc = (int)(off + elen + nlen);
cleanup:
	BN_free(n);
	BN_free(e);
	return rc;
}

int key_pkey_to_pub(const struct key_alg_info *a, EVP_PKEY *pk, uint8_t *out, size_t size)
{
	uint8_t pt[1 + 2 * 48];
	size_t len = 0;
	switch (a->kind) {
	case KEY_KIND_RSA:
		return rsa_to_pub(pk, out, size);
	case KEY_KIND_EC:
		if (EVP_PKEY_get_octet_string_param(
			    pk, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &len) != 1)
			return key_crypto_fail();
		if (len != 1 + 2 * a->size || pt[0] != POINT_CONVERSION_UNCOMPRESSED)
			return ERR_CRYPTO;
		if (size < len - 1)
			return ERR_LIMIT;
		memcpy(out, pt + 1, len - 1);
		return (int)(len - 1);
	case KEY_KIND_ED:
		len = size;
		if (EVP_PKEY_get_raw_public_key(pk, out, &len) != 1)
			return key_crypto_fail();
		return len == a->size ? (int)len : ERR_CRYPTO;
	}
	return ERR_UNSUPP;
}

int key_pkey_generate(const struct key_alg_info *a, unsigned bits, EVP_PKEY **out)
{
	*out = NULL;
	const char *type = a->kind == KEY_KIND_RSA ? "RSA"
		: a->kind == KEY_KIND_EC	   ? "EC"
						   : a->ossl;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	int ok = ctx && EVP_PKEY_keygen_init(ctx) == 1;
	/* RSA: OpenSSL's default public exponent is 65537 (RFC 3110 §4 asks
	 * for a small one; 3 would be weak with PKCS#1 v1.5). */
	if (ok && a->kind == KEY_KIND_RSA)
		ok = EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) == 1;
	if (ok && a->kind == KEY_KIND_EC)
		ok = EVP_PKEY_CTX_set_group_name(ctx, a->ossl) == 1;
	if (ok)
		ok = EVP_PKEY_generate(ctx, out) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : key_crypto_fail();
}

/* Pushes a private value; secure numbers make OpenSSL wipe the copies. */
static int push_secret(
	OSSL_PARAM_BLD *bld, const char *name, const uint8_t *p, size_t len, BIGNUM **bn)
{
	*bn = BN_secure_new();
	return *bn && BN_bin2bn(p, (int)len, *bn) && OSSL_PARAM_BLD_push_BN(bld, name, *bn);
}

/* The halves of an RSA key pair come from separate fields: check n = pq
 * and the exponents agree before we sign anything with them. */
static int rsa_check(EVP_PKEY *pk)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	if (!ctx)
		return key_crypto_fail();
	int ok = EVP_PKEY_pairwise_check(ctx);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok == 1 ? 0 : ERR_INVAL;
}

static int rsa_from_private(const struct key_private *p, EVP_PKEY **out)
{
	for (int i = 0; i < KEY_PARTS; i++)
		if (p->len[i] == 0 || p->len[i] > KEY_PART_MAX)
			return ERR_INVAL;
	unsigned bits = be_bits(p->part[KEY_PART_N], p->len[KEY_PART_N]);
	if (bits < KEY_RSA_MIN_BITS || bits > KEY_RSA_MAX_BITS)
		return ERR_RANGE;
	if (be_bits(p->part[KEY_PART_E], p->len[KEY_PART_E]) > 8 * KEY_RSA_EXP_MAX)
		return ERR_RANGE;
	BIGNUM *bn[KEY_PARTS] = {NULL};
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	int ok = bld != NULL;
	for (int i = 0; ok && i < KEY_PARTS; i++)
		ok = push_secret(bld, rsa_param[i], p->part[i], p->len[i], &bn[i]);
	int rc = ok ? from_params("RSA", EVP_PKEY_KEYPAIR, bld, ERR_INVAL, out) : key_crypto_fail();
	if (rc == 0 && (rc = rsa_check(*out)) < 0) {
		EVP_PKEY_free(*out);
		*out = NULL;
	}
	OSSL_PARAM_BLD_free(bld);
	for (int i = 0; i < KEY_PARTS; i++)
		BN_clear_free(bn[i]);
	return rc;
}

/* The public point of private scalar d: d x G (SEC 1 §3.2.1), since key files
 * carry only d and OpenSSL 3.0 does not derive it on import. */
static int ec_public_point(const struct key_alg_info *a, const BIGNUM *d, uint8_t *pt, size_t size)
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name_ex(NULL, NULL, a->nid);
	EC_POINT *q = g ? EC_POINT_new(g) : NULL;
	int rc = 0;
	if (!q) {
		rc = key_crypto_fail();
	} else if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(g)) >= 0) {
		rc = ERR_INVAL; /* SEC 1 §3.2.1: 0 < d < n */
	} else if (EC_POINT_mul(g, q, d, NULL, NULL, NULL) != 1 ||
		EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pt, size, NULL) !=
			1 + 2 * a->size) {
		rc = key_crypto_fail();
	}
	EC_POINT_free(q);
	EC_GROUP_free(g);
	return rc;
}

static int ec_from_private(
	const struct key_alg_info *a, const struct key_private *p, EVP_PKEY **out)
{
	/* Shorter is fine: some writers drop leading zero octets. */
	size_t len = p->len[KEY_PART_PRIVATE];
	if (len == 0 || len > a->size)
		return ERR_INVAL;
	uint8_t pt[1 + 2 * 48];
	BIGNUM *d = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	int rc = bld &&
			push_secret(
				bld, OSSL_PKEY_PARAM_PRIV_KEY, p->part[KEY_PART_PRIVATE], len, &d)
		? 0
		: key_crypto_fail();
	if (rc == 0)
		rc = ec_public_point(a, d, pt, sizeof(pt));
	if (rc == 0 &&
		(!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, a->ossl, 0) ||
			!OSSL_PARAM_BLD_push_octet_string(
				bld, OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * a->size)))
		rc = key_crypto_fail();
	if (rc == 0)
		rc = from_params("EC", EVP_PKEY_KEYPAIR, bld, ERR_INVAL, out);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return rc;
}

int key_pkey_from_private(const struct key_alg_info *a, const struct key_private *p, EVP_PKEY **out)
{
	*out = NULL;
	switch (a->kind) {
	case KEY_KIND_RSA:
		return rsa_from_private(p, out);
	case KEY_KIND_EC:
		return ec_from_private(a, p, out);
	case KEY_KIND_ED:
		if (p->len[KEY_PART_PRIVATE] != a->size)
			return ERR_INVAL;
		*out = EVP_PKEY_new_raw_private_key_ex(
			NULL, a->ossl, NULL, p->part[KEY_PART_PRIVATE], a->size);
		return *out ? 0 : key_crypto_fail();
	}
	return ERR_UNSUPP;
}

/* One number into a part, at least min octets wide (left-padded). */
static int get_part(EVP_PKEY *pk, const char *name, size_t min, struct key_private *out, int i)
{
	BIGNUM *bn = NULL;
	if (EVP_PKEY_get_bn_param(pk, name, &bn) != 1)
		return key_crypto_fail();
	int n = BN_num_bytes(bn);
	int rc = 0;
	if ((size_t)n > KEY_PART_MAX || min > KEY_PART_MAX)
		rc = ERR_LIMIT;
	else if (BN_bn2binpad(bn, out->part[i], (int)((size_t)n > min ? (size_t)n : min)) < 0)
		rc = key_crypto_fail();
	else
		out->len[i] = (size_t)n > min ? (size_t)n : min;
	BN_clear_free(bn);
	return rc;
}

int key_pkey_to_private(const struct key_alg_info *a, EVP_PKEY *pk, struct key_private *out)
{
	int rc = 0;
	switch (a->kind) {
	case KEY_KIND_RSA:
		for (int i = 0; rc == 0 && i < KEY_PARTS; i++)
			rc = get_part(pk, rsa_param[i], 0, out, i);
		return rc;
	case KEY_KIND_EC:
		/* Fixed width, as BIND writes it. */
		return get_part(pk, OSSL_PKEY_PARAM_PRIV_KEY, a->size, out, KEY_PART_PRIVATE);
	case KEY_KIND_ED:
		out->len[KEY_PART_PRIVATE] = KEY_PART_MAX;
		if (EVP_PKEY_get_raw_private_key(
			    pk, out->part[KEY_PART_PRIVATE], &out->len[KEY_PART_PRIVATE]) != 1)
			return key_crypto_fail();
		return 0;
	}
	return ERR_UNSUPP;
}
