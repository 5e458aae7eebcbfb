/* Unit tests for lib/dnssec/signer: full signing checked by our own reading
 * of the result (the system tests check it with dnssec-verify and ldns). */
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

#include "lib/dnssec/denial.h"
#include "lib/dnssec/key_nonce.h"
#include "lib/dnssec/rrsig.h"
#include "lib/dnssec/signer.h"
#include "lib/util/err.h"
#include "lib/zone/zone_read.h"
#include "tests/unit/signer_check.h"

static const char *ZONE =
	"$ORIGIN example.com.\n$TTL 3600\n"
	"@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n@ NS ns2.example.net.\n"
	"@ MX 10 mail\nns1 A 192.0.2.1\nmail A 192.0.2.2\nwww CNAME mail\n"
	"*.wild TXT \"wildcard\"\na.b.c TXT \"below two ENTs\"\n"
	"secure NS ns.secure\nsecure DS 12345 13 2 "
	"49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE7F8F8C5DEC8E3C7D4A7A2F1E\n"
	"ns.secure A 192.0.2.53\ninsecure NS ns.example.net.\ndeep.insecure A 192.0.2.9\n"
	"dn DNAME example.net.\nbelow.dn A 192.0.2.10\n"
	/* DNSSEC records of an earlier signing, to be stripped */
	"www RRSIG CNAME 13 3 3600 20300101000000 20200101000000 1 example.com. AQID\n"
	"mail NSEC ns1 A RRSIG NSEC\n@ DNSKEY 256 3 13 AQID\n";

static struct key *ksk, *zsk;

static int setup(void **state)
{
	(void)state;
	uint8_t apex[256];
	knot_dname_from_str(apex, "example.com.", sizeof(apex));
	if (key_generate(KEY_ALG_ED25519, 0, KEY_FLAG_ZONE | KEY_FLAG_SEP, apex, &ksk) < 0 ||
		key_generate(KEY_ALG_ED25519, 0, KEY_FLAG_ZONE, apex, &zsk) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	key_free(ksk);
	key_free(zsk);
	return 0;
}

static struct signer_opts opts(const struct signer_key *keys, size_t n)
{
	return (struct signer_opts){.keys = keys,
		.nkeys = n,
		.inception = 1600000000,
		.expiration = 1700000000,
		.threads = 1};
}

static const struct node *find(const struct zone *z, const char *name)
{
	uint8_t w[256];
	knot_dname_from_str(w, name, sizeof(w));
	return zone_find(z, w);
}

static void test_nsec_ksk_zsk(void **state)
{
	(void)state;
	struct zone *in = load(ZONE);
	struct signer_key keys[] = {{ksk, true, true, false, NULL}, {zsk, true, false, true, NULL}};
	struct signer_opts o = opts(keys, 2);
	struct zone *z;
	struct buf err;
	buf_init(&err, 0);
	assert_int_equal(signer_sign(in, &o, &z, &err), 0);
	const struct key *all[] = {ksk, zsk};
	size_t sigs = verify_all(z, all, 2, 0);
	/* the DNSKEY set is signed by the KSK only, the rest by the ZSK only */
	const struct rrset *dk =
		node_find(find(z, "example.com."), KNOT_RRTYPE_RRSIG, KNOT_RRTYPE_DNSKEY);
	assert_int_equal(dk->count, 1);
	assert_int_equal(node_find(find(z, "example.com."), KNOT_RRTYPE_DNSKEY, 0)->count, 2);
	/* the stale RRSIG, NSEC and DNSKEY of the input are gone */
	assert_int_equal(
		node_find(find(z, "www.example.com."), KNOT_RRTYPE_RRSIG, KNOT_RRTYPE_CNAME)->count,
		1);
	/* cut: NS and glue unsigned, DS signed; occluded data unsigned, no NSEC */
	const struct node *sec = find(z, "secure.example.com.");
	assert_null(node_find(sec, KNOT_RRTYPE_RRSIG, KNOT_RRTYPE_NS));
	assert_non_null(node_find(sec, KNOT_RRTYPE_RRSIG, KNOT_RRTYPE_DS));
	assert_null(node_find(find(z, "ns.secure.example.com."), KNOT_RRTYPE_RRSIG, KNOT_RRTYPE_A));
	assert_null(node_find(find(z, "ns.secure.example.com."), KNOT_RRTYPE_NSEC, 0));
	assert_null(node_find(find(z, "below.dn.example.com."), KNOT_RRTYPE_NSEC, 0));
	/* ENTs have no NSEC */
	assert_null(node_find(find(z, "c.example.com."), KNOT_RRTYPE_NSEC, 0));
	/* NSEC chain: walk it from the apex back to the apex */
	const struct node *n = find(z, "example.com.");
	size_t hops = 0;
	do {
		const struct rrset *nsec = node_find(n, KNOT_RRTYPE_NSEC, 0);
		assert_non_null(nsec);
		assert_int_equal(nsec->ttl, 300); /* min(SOA TTL, MINIMUM), RFC 9077 */
		uint32_t pos = 0;
		const uint8_t *d;
		uint16_t len;
		rrset_next_rdata(nsec, &pos, &d, &len);
		n = zone_find(z, d);
		assert_non_null(n);
		hops++;
	} while (!(n->flags & NODE_APEX) && hops < 100);
	/* apex, ns1, mail, www, *.wild, a.b.c, secure, insecure, dn */
	assert_int_equal(hops, 9);
	assert_true(sigs > 9 * 2);
	zone_unref(z);
	zone_unref(in);
	buf_deinit(&err);
}

/* The same zone signed by 1 and by 4 threads gives the same bytes (Ed25519). */
static void test_threads_same_result(void **state)
{
	(void)state;
	struct buf text;
	buf_init(&text, 0);
	buf_append_str(&text, ZONE);
	for (int i = 0; i < 3000; i++)
		buf_printf(&text, "n%d A 192.0.2.%d\nd%d NS ns.example.net.\n", i, i % 250, i);
	struct zone *in = load(buf_cstr(&text));
	struct signer_key keys[] = {{ksk, true, true, true, NULL}};
	struct zone *a, *b;
	for (int nsec3 = 0; nsec3 < 2; nsec3++) {
		struct signer_opts o = opts(keys, 1);
		o.nsec3 = nsec3;
		assert_int_equal(signer_sign(in, &o, &a, NULL), 0);
		o.threads = 4;
		assert_int_equal(signer_sign(in, &o, &b, NULL), 0);
		assert_int_equal(a->nodes, b->nodes);
		assert_int_equal(a->rrs, b->rrs);
		struct tree_iter ia, ib;
		struct node *x = tree_iter_first(&ia, a->tree), *y = tree_iter_first(&ib, b->tree);
		for (; x && y; x = tree_iter_next(&ia), y = tree_iter_next(&ib)) {
			assert_int_equal(x->size, y->size);
			assert_memory_equal(x->data, y->data, x->size);
		}
		assert_null(x);
		assert_null(y);
		zone_unref(a);
		zone_unref(b);
	}
	zone_unref(in);
	buf_deinit(&text);
}

/* The expirations of every RRSIG in z: how many, how many distinct, and
 * whether all lie in [lo, hi]. */
static void expirations(const struct zone *z, uint32_t lo, uint32_t hi, size_t *n, size_t *distinct)
{
	uint32_t seen[64];
	size_t nseen = 0;
	*n = 0;
	struct tree_iter it;
	for (struct node *x = tree_iter_first(&it, z->tree); x; x = tree_iter_next(&it)) {
		for (const struct rrset *r = node_first(x); r; r = node_next(x, r)) {
			if (r->type != KNOT_RRTYPE_RRSIG)
				continue;
			uint32_t pos = 0;
			const uint8_t *d;
			uint16_t len;
			while (rrset_next_rdata(r, &pos, &d, &len)) {
				struct rrsig_fields f;
				size_t at;
				assert_int_equal(rrsig_parse(d, len, &f, &at), 0);
				assert_true(f.expiration >= lo && f.expiration <= hi);
				assert_int_equal(f.expiration,
					signer_expiration(&(struct signer_opts){.expiration = hi,
								  .jitter = hi - lo},
						node_owner(x), f.type_covered));
				(*n)++;
				size_t k = 0;
				while (k < nseen && seen[k] != f.expiration)
					k++;
				if (k == nseen && nseen < 64)
					seen[nseen++] = f.expiration;
			}
		}
	}
	*distinct = nseen;
}

/* Jitter spreads the expirations over [expiration - jitter, expiration],
 * the same way at every signing; without it they are all the same. */
static void test_jitter(void **state)
{
	(void)state;
	struct zone *in = load(ZONE), *a, *b;
	struct signer_key keys[] = {{ksk, true, true, true, NULL}};
	struct signer_opts o = opts(keys, 1);
	size_t n, distinct, n2, distinct2;
	assert_int_equal(signer_sign(in, &o, &a, NULL), 0);
	expirations(a, o.expiration, o.expiration, &n, &distinct);
	assert_int_equal(distinct, 1);
	zone_unref(a);
	o.jitter = 86400 * 3;
	assert_int_equal(signer_sign(in, &o, &a, NULL), 0);
	assert_int_equal(signer_sign(in, &o, &b, NULL), 0);
	expirations(a, o.expiration - o.jitter, o.expiration, &n, &distinct);
	expirations(b, o.expiration - o.jitter, o.expiration, &n2, &distinct2);
	assert_int_equal(n, n2);
	assert_true(distinct > n / 2);
	/* the owner's case does not move it */
	uint8_t lower[64], upper[64];
	knot_dname_from_str(lower, "www.example.com.", sizeof(lower));
	knot_dname_from_str(upper, "WWW.Example.COM.", sizeof(upper));
	assert_int_equal(signer_expiration(&o, lower, KNOT_RRTYPE_A),
		signer_expiration(&o, upper, KNOT_RRTYPE_A));
	assert_int_not_equal(signer_expiration(&o, lower, KNOT_RRTYPE_A),
		signer_expiration(&o, lower, KNOT_RRTYPE_AAAA));
	zone_unref(a);
	zone_unref(b);
	zone_unref(in);
}

/* The DNSKEY RRset's signatures take their own times when given. */
static void test_dnskey_times(void **state)
{
	(void)state;
	struct zone *in = load(ZONE), *z;
	struct signer_key keys[] = {{ksk, true, true, false, NULL}, {zsk, true, false, true, NULL}};
	struct signer_opts o = opts(keys, 2);
	o.dnskey_inception = 1650000000;
	o.dnskey_expiration = 1690000000;
	assert_int_equal(signer_sign(in, &o, &z, NULL), 0);
	uint32_t pos = 0;
	const uint8_t *d;
	uint16_t len;
	struct rrsig_fields f;
	size_t at;
	const struct rrset *dk =
		node_find(find(z, "example.com."), KNOT_RRTYPE_RRSIG, KNOT_RRTYPE_DNSKEY);
	assert_true(rrset_next_rdata(dk, &pos, &d, &len));
	assert_int_equal(rrsig_parse(d, len, &f, &at), 0);
	assert_int_equal(f.inception, 1650000000);
	assert_int_equal(f.expiration, 1690000000);
	pos = 0;
	const struct rrset *soa =
		node_find(find(z, "example.com."), KNOT_RRTYPE_RRSIG, KNOT_RRTYPE_SOA);
	assert_true(rrset_next_rdata(soa, &pos, &d, &len));
	assert_int_equal(rrsig_parse(d, len, &f, &at), 0);
	assert_int_equal(f.inception, o.inception);
	assert_int_equal(f.expiration, o.expiration);
	const struct key *all[] = {ksk, zsk};
	verify_all(z, all, 2, 0);
	zone_unref(z);
	zone_unref(in);
}

static void test_nsec3_opt_out(void **state)
{
	(void)state;
	struct zone *in = load(ZONE);
	struct signer_key keys[] = {{ksk, true, true, true, NULL}};
	for (int opt_out = 0; opt_out < 2; opt_out++) {
		struct signer_opts o = opts(keys, 1);
		o.nsec3 = true;
		o.opt_out = opt_out;
		o.salt_len = 2;
		o.salt[0] = 0xab;
		o.salt[1] = 0xcd;
		o.iterations = 1;
		struct zone *z;
		assert_int_equal(signer_sign(in, &o, &z, NULL), 0);
		const struct key *all[] = {ksk};
		verify_all(z, all, 1, 0);
		assert_non_null(node_find(find(z, "example.com."), KNOT_RRTYPE_NSEC3PARAM, 0));
		size_t nsec3 = 0;
		struct tree_iter it;
		for (struct node *n = tree_iter_first(&it, z->tree); n; n = tree_iter_next(&it))
			if (node_find(n, KNOT_RRTYPE_NSEC3, 0))
				nsec3++;
		/* 9 names with data (the cuts secure and insecure among them) and
		 * 3 ENTs (wild, b.c, c); opt-out leaves out the insecure cut */
		assert_int_equal(nsec3, opt_out ? 11 : 12);
		assert_null(node_find(find(z, "www.example.com."), KNOT_RRTYPE_NSEC, 0));
		zone_unref(z);
	}
	zone_unref(in);
}

/* Names that held only stripped records are gone, and the ENTs only they
 * made too; a serial of 0 is set like any other; a name with more types than
 * a small array holds still gets a complete bitmap. */
static void test_review_cases(void **state)
{
	(void)state;
	struct buf text;
	buf_init(&text, 0);
	buf_append_str(&text,
		"$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 hm 1 2 3 4 5\n@ NS ns1\n"
		"ns1 A 192.0.2.1\nx.y NSEC ns1 NSEC RRSIG\n");
	for (int t = 1000; t < 2200; t++)
		buf_printf(&text, "many TYPE%d \\# 0\n", t);
	struct zone *in = load(buf_cstr(&text));
	struct signer_key keys[] = {{ksk, true, true, true, NULL}};
	struct signer_opts o = opts(keys, 1);
	o.nsec3 = true;
	o.set_serial = true;
	o.serial = 0;
	struct zone *z;
	assert_int_equal(signer_sign(in, &o, &z, NULL), 0);
	assert_null(find(z, "y.example.com."));
	assert_null(find(z, "x.y.example.com."));
	assert_int_equal(z->serial, 0);
	size_t nsec3 = 0;
	struct tree_iter it;
	for (struct node *n = tree_iter_first(&it, z->tree); n; n = tree_iter_next(&it)) {
		const struct rrset *r = node_find(n, KNOT_RRTYPE_NSEC3, 0);
		if (!r)
			continue;
		nsec3++;
		uint32_t pos = 0;
		const uint8_t *d;
		uint16_t len;
		rrset_next_rdata(r, &pos, &d, &len);
		size_t bm = 6u + d[4] + d[5 + d[4]]; /* after flags, iterations, salt, hash */
		static struct typeset ts;
		assert_int_equal(typeset_from_bitmap(&ts, d + bm, len - bm), 0);
		if (typeset_has(&ts, 1000))
			assert_true(typeset_has(&ts, 2199));
	}
	assert_int_equal(nsec3, 3); /* apex, ns1, many */
	zone_unref(z);
	zone_unref(in);
	buf_deinit(&text);
}

static void test_errors(void **state)
{
	(void)state;
	struct zone *in = load(ZONE);
	struct signer_key keys[] = {{zsk, true, false, true, NULL}};
	struct signer_opts o = opts(keys, 1);
	struct zone *z = NULL;
	struct buf err;
	buf_init(&err, 0);
	assert_int_equal(signer_sign(in, &o, &z, &err), ERR_INVAL);
	assert_non_null(strstr(buf_cstr(&err), "no key to sign the DNSKEY RRset"));
	assert_null(z);
	buf_deinit(&err);
	zone_unref(in);
}

/* The r halves of ECDSA P-256 signatures, collected by each_rrsig. */
struct r_halves {
	uint8_t (*r)[32];
	size_t n, max;
};

static void collect_r(
	void *ctx, const struct node *n, const struct rrset *sigs, const uint8_t *d, uint16_t len)
{
	(void)n;
	(void)sigs;
	struct r_halves *h = ctx;
	struct rrsig_fields f;
	size_t at;
	assert_int_equal(rrsig_parse(d, len, &f, &at), 0);
	assert_int_equal(len - at, 64);
	assert_true(h->n < h->max);
	memcpy(h->r[h->n++], d + at, 32);
}

static int cmp32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* Signs the example zone with ECDSA P-256 keys on two threads, the ZSK
 * drawing on store: every signature verifies and no two have the same r
 * (one nonce twice would give the key away). */
static void sign_with_store(struct key_nonces *store, struct key *ek, struct key *ez)
{
	struct zone *in = load(ZONE);
	struct signer_key keys[] = {{ek, true, true, false, NULL}, {ez, true, false, true, store}};
	struct signer_opts o = opts(keys, 2);
	o.threads = 2;
	struct zone *z;
	struct buf err;
	buf_init(&err, 0);
	assert_int_equal(signer_sign(in, &o, &z, &err), 0);
	const struct key *all[] = {ek, ez};
	size_t sigs = verify_all(z, all, 2, 0);
	assert_true(sigs > 10);
	static uint8_t r[1000][32];
	struct r_halves h = {.r = r, .max = 1000};
	each_rrsig(z, collect_r, &h);
	assert_int_equal(h.n, sigs);
	qsort(r, sigs, 32, cmp32);
	for (size_t i = 1; i < sigs; i++)
		assert_memory_not_equal(r[i - 1], r[i], 32);
	zone_unref(z);
	zone_unref(in);
	buf_deinit(&err);
}

/* A full store of fewer nonces than the zone needs: all are used, then the
 * signers make their own. A store with room: the signer's other thread
 * fills it while the first one plans, then both draw on it. */
static void test_ecdsa_nonces_made_ahead(void **state)
{
	(void)state;
	struct key *ek = NULL, *ez = NULL;
	const uint8_t apex[] = "\x07"
			       "example"
			       "\x03"
			       "com";
	assert_int_equal(key_generate(13, 0, 257, apex, &ek), 0);
	assert_int_equal(key_generate(13, 0, 256, apex, &ez), 0);
	struct key_nonces *store = NULL;
	assert_int_equal(key_nonces_new(ez, 10, &store), 0);
	assert_int_equal(key_nonces_make(store, 10), 10);
	sign_with_store(store, ek, ez);
	assert_int_equal(key_nonces_count(store), 0);
	key_nonces_free(store);
	assert_int_equal(key_nonces_new(ez, 1000, &store), 0);
	sign_with_store(store, ek, ez);
	key_nonces_free(store);
	key_free(ek);
	key_free(ez);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nsec_ksk_zsk),
		cmocka_unit_test(test_threads_same_result),
		cmocka_unit_test(test_jitter),
		cmocka_unit_test(test_dnskey_times),
		cmocka_unit_test(test_nsec3_opt_out),
		cmocka_unit_test(test_review_cases),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_ecdsa_nonces_made_ahead),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
