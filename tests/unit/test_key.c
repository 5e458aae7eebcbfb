/* Unit tests for lib/dnssec/key: RFC known answers, every algorithm, errors. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <libzscanner/scanner.h>

#include "lib/dns/name.h"
#include "lib/dnssec/key.h"
#include "lib/keystore/bind.h"
#include "lib/util/err.h"

/* ---- the RFC example files ($SRCDIR/../shared/data/rfc, see its README) ---- */

static const char *rfc_path(const char *rel)
{
	static char p[4096];
	const char *src = getenv("SRCDIR");
	snprintf(p, sizeof(p), "%s/../shared/data/rfc/%s", src ? src : ".", rel);
	return p;
}

struct rr {
	uint8_t owner[KNOT_DNAME_MAXLEN];
	uint16_t type;
	uint8_t rdata[2048];
	size_t rdlen;
};

#define MAX_RRS 8

/* Reads a .rrs file (one RR a line) with zscanner. */
static size_t read_rrs(const char *rel, struct rr *out)
{
	zs_scanner_t *s = malloc(sizeof(*s));
	assert_non_null(s);
	assert_int_equal(zs_init(s, ".", KNOT_CLASS_IN, 3600), 0);
	assert_int_equal(zs_set_input_file(s, rfc_path(rel)), 0);
	size_t n = 0;
	while (zs_parse_record(s) == 0 && s->state == ZS_STATE_DATA) {
		assert_true(n < MAX_RRS);
		memcpy(out[n].owner, s->r_owner, s->r_owner_length);
		out[n].type = s->r_type;
		memcpy(out[n].rdata, s->r_data, s->r_data_length);
		out[n].rdlen = s->r_data_length;
		n++;
	}
	assert_int_equal(s->state, ZS_STATE_EOF);
	zs_deinit(s);
	free(s);
	return n;
}

static const struct rr *find(const struct rr *rrs, size_t n, uint16_t type)
{
	for (size_t i = 0; i < n; i++)
		if (rrs[i].type == type)
			return &rrs[i];
	return NULL;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* What an RRSIG signs (RFC 4034 §3.1.8.1): its RDATA up to the signature,
 * then the RR in canonical form (§6.2: owner lower-cased, original TTL).
 * The RRsets of the examples hold one RR each, with lower-case names. The
 * signature's offset in the RRSIG RDATA goes to *sig_at. */
static size_t signed_data(const struct rr *sig, const struct rr *rr, uint8_t *out, size_t *sig_at)
{
	int slen = name_wire_len(sig->rdata + 18, sig->rdlen - 18);
	assert_true(slen > 0);
	size_t n = 18 + (size_t)slen;
	memcpy(out, sig->rdata, n);
	*sig_at = n;
	size_t olen = knot_dname_size(rr->owner);
	memcpy(out + n, rr->owner, olen);
	name_lower(out + n);
	n += olen;
	put16(out + n, rr->type);
	put16(out + n + 2, KNOT_CLASS_IN);
	memcpy(out + n + 4, sig->rdata + 4, 4); /* original TTL */
	put16(out + n + 8, (uint16_t)rr->rdlen);
	memcpy(out + n + 10, rr->rdata, rr->rdlen);
	return n + 10 + rr->rdlen;
}

struct kat {
	const char *rrs;
	const char *key;
	uint16_t tag;
	uint8_t ds_type; /* 0: the RFC gives no DS */
	bool deterministic;
};

static const struct kat kats[] = {
	{"rfc6605/p256.rrs", "rfc6605/Kexample.net.+013+55648", 55648, 2, false},
	{"rfc6605/p384.rrs", "rfc6605/Kexample.net.+014+10771", 10771, 4, false},
	{"rfc8080/ed25519-example1.rrs", "rfc8080/Kexample.com.+015+03613", 3613, 2, true},
	{"rfc8080/ed25519-example2.rrs", "rfc8080/Kexample.com.+015+35217", 35217, 2, true},
	{"rfc5702/rsasha256.rrs", "rfc5702/Kexample.net.+008+09033", 9033, 0, true},
	{"rfc5702/rsasha512.rrs", "rfc5702/Kexample.net.+010+03740", 3740, 0, true},
};

/* The DNSKEY of the file: tag, RDATA round trip, DS as the RFC gives it. */
static struct key *check_public(const struct kat *t, const struct rr *rrs, size_t n)
{
	const struct rr *dnskey = find(rrs, n, KNOT_RRTYPE_DNSKEY);
	assert_non_null(dnskey);
	struct key *pub = NULL;
	assert_int_equal(key_from_dnskey(dnskey->owner, dnskey->rdata, dnskey->rdlen, &pub), 0);
	assert_int_equal(pub->tag, t->tag);
	assert_int_equal(key_tag_of(dnskey->rdata, dnskey->rdlen), t->tag);
	assert_false(pub->has_private);
	uint8_t rd[4 + KEY_PUBKEY_MAX];
	assert_int_equal(key_dnskey_rdata(pub, rd, sizeof(rd)), (int)dnskey->rdlen);
	assert_memory_equal(rd, dnskey->rdata, dnskey->rdlen);
	const struct rr *ds = find(rrs, n, KNOT_RRTYPE_DS);
	assert_int_equal(ds != NULL, t->ds_type != 0);
	if (ds) {
		uint8_t out[KEY_DS_MAX];
		assert_int_equal(key_ds_rdata(pub, t->ds_type, out, sizeof(out)), (int)ds->rdlen);
		assert_memory_equal(out, ds->rdata, ds->rdlen);
	}
	return pub;
}

static void check_kat(const struct kat *t)
{
	struct rr rrs[MAX_RRS];
	size_t n = read_rrs(t->rrs, rrs);
	struct key *pub = check_public(t, rrs, n);
	const struct rr *sig = find(rrs, n, KNOT_RRTYPE_RRSIG);
	const struct rr *rr = NULL;
	for (size_t i = 0; i < n && !rr; i++)
		if (rrs[i].type == (sig->rdata[0] << 8 | sig->rdata[1]))
			rr = &rrs[i];
	assert_non_null(rr);
	uint8_t data[4096];
	size_t at = 0, len = signed_data(sig, rr, data, &at);
	const uint8_t *rfc_sig = sig->rdata + at;
	size_t rfc_len = sig->rdlen - at;
	/* The RFC's signature verifies, and fails once the data changes. */
	assert_int_equal(key_verify(pub, data, len, rfc_sig, rfc_len), 0);
	data[len - 1] ^= 1;
	assert_int_equal(key_verify(pub, data, len, rfc_sig, rfc_len), ERR_DNS);
	data[len - 1] ^= 1;
	/* The private key: the same key; its signature is the RFC's byte for
	 * byte where the algorithm is deterministic (PKCS#1 v1.5, EdDSA). */
	char err[BIND_ERR_SIZE] = "";
	struct key *k = NULL;
	if (bind_key_read(rfc_path(t->key), &k, NULL, err) != 0)
		fail_msg("%s: %s", t->key, err);
	assert_int_equal(k->tag, t->tag);
	assert_true(k->has_private);
	uint8_t mine[KEY_SIG_MAX];
	int slen = key_sign(k, data, len, mine);
	assert_int_equal(slen, (int)rfc_len);
	if (t->deterministic)
		assert_memory_equal(mine, rfc_sig, rfc_len);
	assert_int_equal(key_verify(pub, data, len, mine, (size_t)slen), 0);
	/* The same through a signer. */
	struct key_signer *signer = NULL;
	assert_int_equal(key_signer_new(k, &signer), 0);
	assert_int_equal(key_signer_sign(signer, data, len, mine), (int)rfc_len);
	if (t->deterministic)
		assert_memory_equal(mine, rfc_sig, rfc_len);
	assert_int_equal(key_verify(pub, data, len, mine, rfc_len), 0);
	key_signer_free(signer);
	key_free(k);
	key_free(pub);
}

static void test_rfc_known_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++)
		check_kat(&kats[i]);
}

/* ---- every algorithm: generate, sign, verify, export, import ---- */

static const uint8_t owner[] = "\x07"
			       "example"
			       "\x03"
			       "com";

static size_t sig_len(const struct key *k)
{
	switch (k->algorithm) {
	case KEY_ALG_ECDSAP384SHA384:
		return 96;
	case KEY_ALG_ED448:
		return 114;
	case KEY_ALG_RSASHA256:
	case KEY_ALG_RSASHA512:
		return key_bits(k) / 8;
	default:
		return 64;
	}
}

/* A signer makes signatures that verify, several in a row; RSA ones equal
 * key_sign's (PKCS#1 v1.5 is deterministic). Public keys cannot sign. */
static void check_signer(const struct key *k, const struct key *pub)
{
	struct key_signer *s = NULL;
	assert_int_equal(key_signer_new(pub, &s), ERR_INVAL);
	assert_null(s);
	assert_int_equal(key_signer_new(k, &s), 0);
	uint8_t data[100], sig[KEY_SIG_MAX], sig2[KEY_SIG_MAX];
	for (int i = 0; i < 3; i++) {
		memset(data, i, sizeof(data));
		int n = key_signer_sign(s, data, sizeof(data), sig);
		assert_int_equal(n, (int)sig_len(k));
		assert_int_equal(key_verify(pub, data, sizeof(data), sig, (size_t)n), 0);
		if (k->algorithm == KEY_ALG_RSASHA256 || k->algorithm == KEY_ALG_RSASHA512) {
			assert_int_equal(key_sign(k, data, sizeof(data), sig2), n);
			assert_memory_equal(sig, sig2, (size_t)n);
		}
	}
	key_signer_free(s);
	key_signer_free(NULL);
}

/* Signs and verifies, also through a public-only copy and through a key
 * rebuilt from the exported private material. */
static void check_key(struct key *k)
{
	static const uint8_t data[] = "the RRSIG RDATA and the RRset would be here";
	uint8_t sig[KEY_SIG_MAX], sig2[KEY_SIG_MAX];
	int n = key_sign(k, data, sizeof(data), sig);
	assert_int_equal(n, (int)sig_len(k));
	assert_int_equal(key_verify(k, data, sizeof(data), sig, (size_t)n), 0);
	sig[n / 2] ^= 0x40;
	assert_int_equal(key_verify(k, data, sizeof(data), sig, (size_t)n), ERR_DNS);
	sig[n / 2] ^= 0x40;
	assert_int_equal(key_verify(k, data, sizeof(data) - 1, sig, (size_t)n), ERR_DNS);
	assert_int_equal(key_verify(k, data, sizeof(data), sig, (size_t)n - 1), ERR_DNS);

	uint8_t rd[4 + KEY_PUBKEY_MAX];
	int rlen = key_dnskey_rdata(k, rd, sizeof(rd));
	assert_true(rlen > 4);
	assert_int_equal(key_tag_of(rd, (size_t)rlen), k->tag);
	struct key *pub = NULL;
	assert_int_equal(key_from_dnskey(owner, rd, (size_t)rlen, &pub), 0);
	assert_int_equal(pub->tag, k->tag);
	assert_int_equal(key_verify(pub, data, sizeof(data), sig, (size_t)n), 0);
	assert_int_equal(key_sign(pub, data, sizeof(data), sig2), ERR_INVAL);
	struct key_private priv;
	assert_int_equal(key_export_private(pub, &priv), ERR_INVAL);

	assert_int_equal(key_export_private(k, &priv), 0);
	struct key *back = NULL;
	assert_int_equal(key_from_private(k->algorithm, k->flags, owner, &priv, &back), 0);
	key_private_wipe(&priv);
	assert_int_equal(back->pubkey_len, k->pubkey_len);
	assert_memory_equal(back->pubkey, k->pubkey, k->pubkey_len);
	assert_int_equal(back->tag, k->tag);
	n = key_sign(back, data, sizeof(data), sig2);
	assert_int_equal(key_verify(pub, data, sizeof(data), sig2, (size_t)n), 0);

	check_signer(k, pub);

	uint8_t ds[KEY_DS_MAX];
	assert_int_equal(key_ds_rdata(k, KEY_DS_SHA256, ds, sizeof(ds)), 36);
	assert_int_equal(ds[0] << 8 | ds[1], k->tag);
	assert_int_equal(ds[2], k->algorithm);
	assert_int_equal(key_ds_rdata(k, KEY_DS_SHA384, ds, sizeof(ds)), 52);
	assert_int_equal(key_ds_rdata(k, 1, ds, sizeof(ds)), ERR_UNSUPP); /* SHA-1: RFC 8624 §3.3 */
	assert_int_equal(key_ds_rdata(k, KEY_DS_SHA384, ds, 51), ERR_LIMIT);
	assert_int_equal(key_dnskey_rdata(k, rd, (size_t)rlen - 1), ERR_LIMIT);
	key_free(back);
	key_free(pub);
}

static void test_every_algorithm(void **state)
{
	(void)state;
	static const uint8_t alg[] = {8, 10, 13, 14, 15, 16};
	static const unsigned bits[] = {1024, 1536, 0, 0, 0, 0};
	static const unsigned want_bits[] = {1024, 1536, 256, 384, 256, 456};
	for (size_t i = 0; i < sizeof(alg); i++) {
		struct key *k = NULL;
		assert_int_equal(key_generate(alg[i], bits[i], 257, owner, &k), 0);
		assert_int_equal(k->algorithm, alg[i]);
		assert_int_equal(k->flags, 257);
		assert_true(k->has_private);
		assert_int_equal(key_bits(k), want_bits[i]);
		assert_true(knot_dname_is_equal(k->owner, owner));
		check_key(k);
		key_free(k);
	}
}

/* The largest signature fits KEY_SIG_MAX; the default RSA size is 2048. */
static void test_rsa_sizes(void **state)
{
	(void)state;
	struct key *k = NULL;
	assert_int_equal(key_generate(KEY_ALG_RSASHA512, 4096, 256, owner, &k), 0);
	assert_int_equal(key_bits(k), 4096);
	check_key(k);
	key_free(k);
	assert_int_equal(key_generate(KEY_ALG_RSASHA256, 0, 256, owner, &k), 0);
	assert_int_equal(key_bits(k), 2048);
	/* RFC 3110 §2: 1-octet exponent length, 65537, then the modulus. */
	assert_int_equal(k->pubkey_len, 1 + 3 + 256);
	assert_memory_equal(k->pubkey, "\x03\x01\x00\x01", 4);
	key_free(k);
	static const unsigned bad[] = {512, 1023, 4097, 8192};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
			key_generate(KEY_ALG_RSASHA256, bad[i], 256, owner, &k), ERR_RANGE);
		assert_null(k);
	}
}

/* ---- errors ---- */

static void test_algorithms(void **state)
{
	(void)state;
	uint8_t a = 0;
	assert_int_equal(key_alg_from_name("ecdsap256sha256", &a), 0);
	assert_int_equal(a, 13);
	assert_int_equal(key_alg_from_name("16", &a), 0);
	assert_int_equal(a, 16);
	assert_int_equal(key_alg_from_name("ED25519", &a), 0);
	assert_int_equal(a, 15);
	assert_int_equal(key_alg_from_name("RSASHA1", &a), ERR_UNSUPP);
	assert_int_equal(a, 5);
	assert_int_equal(key_alg_from_name("7", &a), ERR_UNSUPP);
	assert_int_equal(a, 7);
	assert_int_equal(key_alg_from_name("256", &a), ERR_SYNTAX);
	assert_int_equal(key_alg_from_name("1234", &a), ERR_SYNTAX);
	assert_int_equal(key_alg_from_name("13x", &a), ERR_SYNTAX);
	assert_int_equal(key_alg_from_name("ECDSA", &a), ERR_SYNTAX);
	assert_int_equal(key_alg_from_name("", &a), ERR_SYNTAX);
	assert_string_equal(key_alg_name(10), "RSASHA512");
	assert_string_equal(key_alg_name(7), "RSASHA1-NSEC3-SHA1");
	assert_null(key_alg_name(99));
	assert_true(key_alg_supported(14));
	assert_false(key_alg_supported(5));
	struct key *k = NULL;
	assert_int_equal(key_generate(5, 2048, 256, owner, &k), ERR_UNSUPP);
	assert_int_equal(key_generate(99, 0, 256, owner, &k), ERR_UNSUPP);
	assert_null(k);
}

/* DNSKEY RDATA for alg with the given public key field. */
static size_t dnskey(uint8_t alg, const uint8_t *pub, size_t len, uint8_t *out)
{
	out[0] = 1;
	out[1] = 0;
	out[2] = 3;
	out[3] = alg;
	memcpy(out + 4, pub, len);
	return 4 + len;
}

static int from_pub(uint8_t alg, const uint8_t *pub, size_t len)
{
	uint8_t rd[4 + 1100];
	struct key *k = (struct key *)1;
	int rc = key_from_dnskey(owner, rd, dnskey(alg, pub, len, rd), &k);
	if (rc == 0)
		key_free(k);
	else
		assert_null(k);
	return rc;
}

/* An RSA public key field: exponent length form, exponent, modulus. */
static size_t rsa_pub(uint8_t *p, bool long_form, size_t elen, size_t nlen, uint8_t top)
{
	size_t n = 0;
	if (long_form) {
		p[n++] = 0;
		p[n++] = (uint8_t)(elen >> 8);
	}
	p[n++] = (uint8_t)elen;
	memset(p + n, 0, elen);
	p[n] = 1;
	p[n + elen - 1] = 1;
	n += elen;
	memset(p + n, 0xa5, nlen);
	p[n] = top;
	return n + nlen;
}

static void test_bad_public_keys(void **state)
{
	(void)state;
	uint8_t p[1100];
	struct key *k = NULL;
	assert_int_equal(
		key_from_dnskey(owner, (const uint8_t *)"\x01\x00\x03", 3, &k), ERR_SYNTAX);
	memset(p, 1, 64);
	assert_int_equal(from_pub(13, p, 64), ERR_INVAL);  /* not on the curve */
	assert_int_equal(from_pub(13, p, 63), ERR_SYNTAX); /* RFC 6605 §4: 64 octets */
	assert_int_equal(from_pub(13, p, 65), ERR_SYNTAX);
	assert_int_equal(from_pub(14, p, 64), ERR_SYNTAX);
	assert_int_equal(from_pub(15, p, 31), ERR_SYNTAX); /* RFC 8080 §3: 32 octets */
	assert_int_equal(from_pub(16, p, 32), ERR_SYNTAX); /* 57 octets */
	assert_int_equal(from_pub(5, p, 64), ERR_UNSUPP);
	assert_int_equal(from_pub(0, p, 64), ERR_UNSUPP);
	assert_int_equal(from_pub(8, p, rsa_pub(p, false, 3, 128, 0xc1)), 0);
	assert_int_equal(from_pub(8, p, rsa_pub(p, true, 3, 128, 0xc1)), 0);
	assert_int_equal(from_pub(8, p, rsa_pub(p, false, 3, 64, 0x80)), 0); /* 512 bits */
	assert_int_equal(from_pub(8, p, rsa_pub(p, false, 3, 64, 0x7f)), ERR_RANGE);
	assert_int_equal(from_pub(8, p, rsa_pub(p, false, 3, 513, 0x01)), ERR_RANGE);
	assert_int_equal(from_pub(8, p, rsa_pub(p, false, 9, 128, 0xc1)), ERR_RANGE);
	assert_int_equal(from_pub(8, p, rsa_pub(p, false, 3, 128, 0x00)), ERR_SYNTAX);
	assert_int_equal(from_pub(8, p, 0), ERR_SYNTAX);
	assert_int_equal(from_pub(8, p, 2), ERR_SYNTAX); /* elen 3, no room */
	p[0] = 0;
	assert_int_equal(from_pub(8, p, 2), ERR_SYNTAX); /* long form cut short */
	size_t n = rsa_pub(p, false, 3, 128, 0xc1);
	assert_int_equal(from_pub(8, p, 4), ERR_SYNTAX); /* no modulus */
	p[1] = 0;					 /* leading zero in the exponent */
	assert_int_equal(from_pub(8, p, n), ERR_SYNTAX);
	p[0] = 0; /* RFC 3110 §2: long form with length 0 */
	p[1] = 0;
	p[2] = 0;
	assert_int_equal(from_pub(8, p, n), ERR_SYNTAX);
	/* Protocol other than 3 (RFC 4034 §2.1.2). */
	uint8_t rd[4 + 64];
	dnskey(13, p, 64, rd);
	rd[2] = 2;
	assert_int_equal(key_from_dnskey(owner, rd, sizeof(rd), &k), ERR_SYNTAX);
	/* A malformed owner. */
	struct key *g = NULL;
	assert_int_equal(key_generate(15, 0, 256, (const uint8_t *)"\x40", &g), ERR_SYNTAX);
}

static void test_bad_private_keys(void **state)
{
	(void)state;
	struct key_private p;
	struct key *k = NULL;
	memset(&p, 0, sizeof(p));
	p.len[0] = 31;
	assert_int_equal(key_from_private(15, 256, owner, &p, &k), ERR_INVAL);
	p.len[0] = 57;
	assert_int_equal(key_from_private(16, 256, owner, &p, &k), 0); /* any 57 octets */
	key_free(k);
	p.len[0] = 32;
	assert_int_equal(key_from_private(13, 256, owner, &p, &k), ERR_INVAL); /* zero */
	memset(p.part[0], 0xff, 48);
	assert_int_equal(key_from_private(13, 256, owner, &p, &k), ERR_INVAL); /* >= order */
	p.len[0] = 33;
	assert_int_equal(key_from_private(13, 256, owner, &p, &k), ERR_INVAL);
	p.len[0] = 1; /* short, as writers that drop leading zeros make it */
	p.part[0][0] = 7;
	assert_int_equal(key_from_private(13, 256, owner, &p, &k), 0);
	key_free(k);
	assert_int_equal(key_from_private(5, 256, owner, &p, &k), ERR_UNSUPP);
	assert_null(k);

	/* RSA: every part is needed, and they must belong together. */
	struct key *a = NULL, *b = NULL;
	assert_int_equal(key_generate(8, 1024, 256, owner, &a), 0);
	assert_int_equal(key_generate(8, 1024, 256, owner, &b), 0);
	struct key_private pa, pb;
	assert_int_equal(key_export_private(a, &pa), 0);
	assert_int_equal(key_export_private(b, &pb), 0);
	for (int i = 0; i < KEY_PARTS; i++) {
		if (i == KEY_PART_E)
			continue; /* both are 65537 */
		struct key_private mixed = pa;
		memcpy(mixed.part[i], pb.part[i], KEY_PART_MAX);
		mixed.len[i] = pb.len[i];
		if (key_from_private(8, 256, owner, &mixed, &k) != ERR_INVAL)
			fail_msg("part %d of another key accepted", i);
		mixed = pa;
		mixed.len[i] = 0;
		assert_int_equal(key_from_private(8, 256, owner, &mixed, &k), ERR_INVAL);
		mixed = pa;
		mixed.part[i][mixed.len[i] - 1] ^= 2;
		assert_int_equal(key_from_private(8, 256, owner, &mixed, &k), ERR_INVAL);
		key_private_wipe(&mixed);
	}
	assert_int_equal(key_from_private(8, 256, owner, &pa, &k), 0);
	key_free(k);
	key_private_wipe(&pa);
	key_private_wipe(&pb);
	key_free(a);
	key_free(b);
}

/* REVOKE (RFC 5011 §2.1) changes the tag, as the RDATA changes. */
static void test_flags(void **state)
{
	(void)state;
	struct key *k = NULL;
	assert_int_equal(key_generate(15, 0, 257, owner, &k), 0);
	uint16_t before = k->tag;
	key_set_flags(k, 257 | KEY_FLAG_REVOKE);
	uint8_t rd[4 + KEY_PUBKEY_MAX];
	int n = key_dnskey_rdata(k, rd, sizeof(rd));
	assert_int_equal(rd[0] << 8 | rd[1], 385);
	assert_int_equal(k->tag, key_tag_of(rd, (size_t)n));
	assert_int_not_equal(k->tag, before);
	key_free(k);
	/* RFC 4034 Appendix B.1: algorithm 1 takes bits of the modulus. */
	static const uint8_t md5[] = {1, 0, 3, 1, 3, 1, 0, 1, 0xaa, 0xbb, 0x12, 0x34, 0x56};
	assert_int_equal(key_tag_of(md5, sizeof(md5)), 0x1234);
}

/* ---- one key, several threads ---- */

struct job {
	const struct key *k;
	int failures;
};

/* Every other signature through a signer of the thread's own. */
static void *sign_many(void *arg)
{
	struct job *j = arg;
	uint8_t data[64], sig[KEY_SIG_MAX];
	struct key_signer *s = NULL;
	if (key_signer_new(j->k, &s) != 0)
		j->failures++;
	for (int i = 0; s && i < 50; i++) {
		memset(data, i, sizeof(data));
		int n = i & 1 ? key_signer_sign(s, data, sizeof(data), sig)
			      : key_sign(j->k, data, sizeof(data), sig);
		if (n < 0 || key_verify(j->k, data, sizeof(data), sig, (size_t)n) != 0)
			j->failures++;
	}
	key_signer_free(s);
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	static const uint8_t alg[] = {8, 13, 15};
	for (size_t a = 0; a < sizeof(alg); a++) {
		struct key *k = NULL;
		assert_int_equal(key_generate(alg[a], 1024, 256, owner, &k), 0);
		pthread_t t[4];
		struct job jobs[4];
		for (int i = 0; i < 4; i++) {
			jobs[i] = (struct job){k, 0};
			assert_int_equal(pthread_create(&t[i], NULL, sign_many, &jobs[i]), 0);
		}
		for (int i = 0; i < 4; i++) {
			pthread_join(t[i], NULL);
			assert_int_equal(jobs[i].failures, 0);
		}
		key_free(k);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_known_answers),
		cmocka_unit_test(test_every_algorithm),
		cmocka_unit_test(test_rsa_sizes),
		cmocka_unit_test(test_algorithms),
		cmocka_unit_test(test_bad_public_keys),
		cmocka_unit_test(test_bad_private_keys),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
