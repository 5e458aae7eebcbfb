/* key.c - DNSSEC keys: algorithms, making and loading keys, DNSKEY, key tag, DS
 * (see key.h; signatures are in key_sign.c). */
#include "lib/dnssec/key.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/dns/name.h"
#include "lib/dnssec/key_impl.h"
#include "lib/util/err.h"

/* The algorithms we sign with (RFC 8624 §3.1: MUST or RECOMMENDED). */
static const struct key_alg_info algs[] = {
	{KEY_ALG_RSASHA256, KEY_KIND_RSA, "RSASHA256", "SHA256", "RSA", 0, 0, 0},
	{KEY_ALG_RSASHA512, KEY_KIND_RSA, "RSASHA512", "SHA512", "RSA", 0, 0, 0},
	{KEY_ALG_ECDSAP256SHA256, KEY_KIND_EC, "ECDSAP256SHA256", "SHA256", "P-256",
		NID_X9_62_prime256v1, 32, 256},
	{KEY_ALG_ECDSAP384SHA384, KEY_KIND_EC, "ECDSAP384SHA384", "SHA384", "P-384", NID_secp384r1,
		48, 384},
	{KEY_ALG_ED25519, KEY_KIND_ED, "ED25519", NULL, "ED25519", 0, 32, 256},
	{KEY_ALG_ED448, KEY_KIND_ED, "ED448", NULL, "ED448", 0, 57, 456},
};

/* The rest of the IANA registry, so messages can name what we refuse. */
static const struct {
	uint8_t alg;
	const char *name;
} other_algs[] = {
	{1, "RSAMD5"},
	{3, "DSA"},
	{5, "RSASHA1"},
	{6, "DSA-NSEC3-SHA1"},
	{7, "RSASHA1-NSEC3-SHA1"},
	{12, "ECC-GOST"},
	{17, "SM2SM3"},
	{23, "ECC-GOST12"},
	{252, "INDIRECT"},
	{253, "PRIVATEDNS"},
	{254, "PRIVATEOID"},
};

const struct key_alg_info *key_alg_info(uint8_t alg)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].alg == alg)
			return &algs[i];
	return NULL;
}

bool key_alg_supported(uint8_t alg)
{
	return key_alg_info(alg) != NULL;
}

const char *key_alg_name(uint8_t alg)
{
	const struct key_alg_info *a = key_alg_info(alg);
	if (a)
		return a->name;
	for (size_t i = 0; i < sizeof(other_algs) / sizeof(other_algs[0]); i++)
		if (other_algs[i].alg == alg)
			return other_algs[i].name;
	return NULL;
}

/* 0 for a supported algorithm, ERR_UNSUPP for a known other one (*alg is
 * set either way, for messages), ERR_SYNTAX for anything else. */
int key_alg_from_name(const char *name, uint8_t *alg)
{
	if (name[0] >= '0' && name[0] <= '9') {
		unsigned v = 0;
		size_t i = 0;
		for (; name[i] >= '0' && name[i] <= '9' && i < 3; i++)
			v = v * 10 + (unsigned)(name[i] - '0');
		if (name[i] != 0 || v > 255)
			return ERR_SYNTAX;
		*alg = (uint8_t)v;
		return key_alg_supported(*alg) ? 0 : ERR_UNSUPP;
	}
	for (unsigned v = 0; v < 256; v++) {
		const char *n = key_alg_name((uint8_t)v);
		if (n && strcasecmp(n, name) == 0) {
			*alg = (uint8_t)v;
			return key_alg_supported(*alg) ? 0 : ERR_UNSUPP;
		}
	}
	return ERR_SYNTAX;
}

static int key_new(uint8_t alg, uint16_t flags, const uint8_t *owner, struct key **out)
{
	int olen = name_wire_len(owner, LIMIT_NAME_LEN);
	if (olen < 0)
		return olen;
	struct key *k = calloc(1, sizeof(*k));
	if (!k)
		return ERR_NOMEM;
	memcpy(k->owner, owner, (size_t)olen);
	k->algorithm = alg;
	k->flags = flags;
	*out = k;
	return 0;
}

static void key_retag(struct key *k)
{
	uint8_t rd[4 + KEY_PUBKEY_MAX];
	int n = key_dnskey_rdata(k, rd, sizeof(rd));
	k->tag = n < 0 ? 0 : key_tag_of(rd, (size_t)n);
}

/* Takes pk into a new key and derives the public key field from it. */
static int key_adopt(uint8_t alg, uint16_t flags, const uint8_t *owner, EVP_PKEY *pk, bool priv,
	struct key **out)
{
	struct key *k = NULL;
	int rc = key_new(alg, flags, owner, &k);
	if (rc < 0) {
		EVP_PKEY_free(pk);
		return rc;
	}
	k->pkey = pk;
	k->has_private = priv;
	rc = key_pkey_to_pub(key_alg_info(alg), pk, k->pubkey, sizeof(k->pubkey));
	if (rc < 0) {
		key_free(k);
		return rc;
	}
	k->pubkey_len = (size_t)rc;
	key_retag(k);
	*out = k;
	return 0;
}

int key_generate(uint8_t alg, unsigned bits, uint16_t flags, const uint8_t *owner, struct key **out)
{
	*out = NULL;
	const struct key_alg_info *a = key_alg_info(alg);
	if (!a)
		return ERR_UNSUPP;
	if (a->kind == KEY_KIND_RSA) {
		if (bits == 0)
			bits = KEY_RSA_GEN_DEFAULT_BITS;
		if (bits < KEY_RSA_GEN_MIN_BITS || bits > KEY_RSA_MAX_BITS)
			return ERR_RANGE;
	}
	EVP_PKEY *pk = NULL;
	int rc = key_pkey_generate(a, bits, &pk);
	if (rc < 0)
		return rc;
	return key_adopt(alg, flags, owner, pk, true, out);
}

int key_from_dnskey(const uint8_t *owner, const uint8_t *rdata, size_t len, struct key **out)
{
	*out = NULL;
	if (len < 4)
		return ERR_SYNTAX;
	/* RFC 4034 §2.1.2: any protocol but 3 makes the key invalid. */
	if (rdata[2] != 3)
		return ERR_SYNTAX;
	const struct key_alg_info *a = key_alg_info(rdata[3]);
	if (!a)
		return ERR_UNSUPP;
	if (len - 4 > KEY_PUBKEY_MAX)
		return ERR_SYNTAX;
	EVP_PKEY *pk = NULL;
	int rc = key_pkey_from_pub(a, rdata + 4, len - 4, &pk);
	if (rc < 0)
		return rc;
	struct key *k = NULL;
	rc = key_new(rdata[3], (uint16_t)(rdata[0] << 8 | rdata[1]), owner, &k);
	if (rc < 0) {
		EVP_PKEY_free(pk);
		return rc;
	}
	k->pkey = pk;
	memcpy(k->pubkey, rdata + 4, len - 4);
	k->pubkey_len = len - 4;
	k->tag = key_tag_of(rdata, len);
	*out = k;
	return 0;
}

int key_from_private(uint8_t alg, uint16_t flags, const uint8_t *owner,
	const struct key_private *priv, struct key **out)
{
	*out = NULL;
	const struct key_alg_info *a = key_alg_info(alg);
	if (!a)
		return ERR_UNSUPP;
	EVP_PKEY *pk = NULL;
	int rc = key_pkey_from_private(a, priv, &pk);
	if (rc < 0)
		return rc;
	return key_adopt(alg, flags, owner, pk, true, out);
}

int key_export_private(const struct key *k, struct key_private *out)
{
	memset(out, 0, sizeof(*out));
	const struct key_alg_info *a = key_alg_info(k->algorithm);
	if (!a)
		return ERR_UNSUPP;
	if (!k->has_private || !k->pkey)
		return ERR_INVAL;
	int rc = key_pkey_to_private(a, k->pkey, out);
	if (rc < 0)
		key_private_wipe(out);
	return rc;
}

void key_private_wipe(struct key_private *p)
{
	OPENSSL_cleanse(p, sizeof(*p));
}

void key_set_flags(struct key *k, uint16_t flags)
{
	k->flags = flags;
	key_retag(k);
}

unsigned key_bits(const struct key *k)
{
	const struct key_alg_info *a = key_alg_info(k->algorithm);
	if (!a || !k->pkey)
		return 0;
	return a->kind == KEY_KIND_RSA ? (unsigned)EVP_PKEY_get_bits(k->pkey) : a->bits;
}

void key_free(struct key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

int key_dnskey_rdata(const struct key *k, uint8_t *out, size_t size)
{
	if (size < 4 || k->pubkey_len > size - 4)
		return ERR_LIMIT;
	out[0] = (uint8_t)(k->flags >> 8);
	out[1] = (uint8_t)k->flags;
	out[2] = 3; /* protocol, RFC 4034 §2.1.2 */
	out[3] = k->algorithm;
	memcpy(out + 4, k->pubkey, k->pubkey_len);
	return (int)(4 + k->pubkey_len);
}

uint16_t key_tag_of(const uint8_t *rdata, size_t len)
{
	/* Algorithm 1 (RSAMD5) has its own tag: the most significant 16 of
	 * the least significant 24 bits of the modulus (RFC 4034 B.1). */
	if (len >= 7 && rdata[3] == 1)
		return (uint16_t)(rdata[len - 3] << 8 | rdata[len - 2]);
	/* RFC 4034 Appendix B: the RDATA as 16-bit words, summed with the
	 * carry folded back once. */
	uint32_t ac = 0;
	for (size_t i = 0; i < len; i++)
		ac += (i & 1) ? rdata[i] : (uint32_t)rdata[i] << 8;
	ac += (ac >> 16) & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

int key_ds_rdata(const struct key *k, uint8_t digest_type, uint8_t *out, size_t size)
{
	const char *md = digest_type == KEY_DS_SHA256 ? "SHA256"
		: digest_type == KEY_DS_SHA384	      ? "SHA384"
						      : NULL;
	if (!md)
		return ERR_UNSUPP;
	size_t dlen = digest_type == KEY_DS_SHA256 ? 32 : 48;
	if (size < 4 + dlen)
		return ERR_LIMIT;
	/* RFC 4034 §5.1.4: digest = hash(owner in canonical form | DNSKEY
	 * RDATA); canonical is lower case (§6.2). */
	uint8_t in[LIMIT_NAME_LEN + 1 + 4 + KEY_PUBKEY_MAX];
	int olen = name_wire_len(k->owner, sizeof(k->owner));
	if (olen < 0)
		return olen;
	memcpy(in, k->owner, (size_t)olen);
	name_lower(in);
	int rlen = key_dnskey_rdata(k, in + olen, sizeof(in) - (size_t)olen);
	if (rlen < 0)
		return rlen;
	size_t got = 0;
	if (EVP_Q_digest(NULL, md, NULL, in, (size_t)olen + (size_t)rlen, out + 4, &got) != 1 ||
		got != dlen)
		return key_crypto_fail();
	out[0] = (uint8_t)(k->tag >> 8);
	out[1] = (uint8_t)k->tag;
	out[2] = k->algorithm;
	out[3] = digest_type;
	return (int)(4 + dlen);
}
