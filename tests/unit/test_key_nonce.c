/* test_key_nonce.c - ECDSA nonces: each pair of a batch is what plain
 * OpenSSL calls make of its k; made ahead, every signature verifies and no
 * nonce serves twice, with one thread or several. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include "lib/dnssec/key.h"
#include "lib/dnssec/key_impl.h"
#include "lib/dnssec/key_nonce.h"
#include "lib/util/err.h"

static const uint8_t owner[] = "\x07"
			       "example"
			       "\x03"
			       "com";

static struct key *make_key(uint8_t alg)
{
	struct key *k = NULL;
	assert_int_equal(key_generate(alg, 0, 256, owner, &k), 0);
	return k;
}

/* The r halves seen so far: a repeated r means a repeated nonce, which
 * would give the private key away. */
struct seen {
	uint8_t r[4096][48];
	size_t n, width;
};

static void add_r(struct seen *s, const uint8_t *sig)
{
	for (size_t i = 0; i < s->n; i++)
		assert_memory_not_equal(s->r[i], sig, s->width);
	assert_true(s->n < sizeof(s->r) / sizeof(s->r[0]));
	memcpy(s->r[s->n++], sig, s->width);
}

/* Signs data number i with s and checks it against k. */
static void sign_one(struct key_signer *s, const struct key *k, int i, struct seen *seen)
{
	uint8_t data[64], sig[KEY_SIG_MAX];
	memset(data, i & 0xff, sizeof(data));
	data[0] = (uint8_t)(i >> 8);
	int n = key_signer_sign(s, data, sizeof(data), sig);
	assert_int_equal(n, (int)(2 * seen->width));
	assert_int_equal(key_verify(k, data, sizeof(data), sig, (size_t)n), 0);
	add_r(seen, sig);
}

static void test_refused(void **state)
{
	(void)state;
	struct key_nonces *p = (struct key_nonces *)1;
	static const uint8_t not_ec[] = {8, 15, 16};
	for (size_t i = 0; i < sizeof(not_ec); i++) {
		struct key *k = NULL;
		assert_int_equal(key_generate(not_ec[i], 1024, 256, owner, &k), 0);
		assert_int_equal(key_nonces_new(k, 10, &p), ERR_UNSUPP);
		assert_null(p);
		key_free(k);
	}
	/* a public key cannot make nonces; a signer of another curve or
	 * algorithm cannot take them */
	struct key *k256 = make_key(13), *k384 = make_key(14), *ed = make_key(15), *pub = NULL;
	uint8_t rd[KEY_PUBKEY_MAX + 4];
	int len = key_dnskey_rdata(k256, rd, sizeof(rd));
	assert_true(len > 0);
	assert_int_equal(key_from_dnskey(owner, rd, (size_t)len, &pub), 0);
	assert_int_equal(key_nonces_new(pub, 10, &p), ERR_INVAL);
	assert_int_equal(key_nonces_new(k384, SIZE_MAX / 96 + 1, &p), ERR_INVAL); /* no room */
	assert_int_equal(key_nonces_new(k384, 10, &p), 0);
	struct key_signer *s256 = NULL, *sed = NULL;
	assert_int_equal(key_signer_new(k256, &s256), 0);
	assert_int_equal(key_signer_new(ed, &sed), 0);
	assert_int_equal(key_signer_draw(s256, p), ERR_INVAL);
	assert_int_equal(key_signer_draw(sed, p), ERR_INVAL);
	key_signer_free(s256);
	key_signer_free(sed);
	key_nonces_free(p);
	key_nonces_free(NULL);
	key_free(pub);
	key_free(k256);
	key_free(k384);
	key_free(ed);
}

/* A store fills up to its size; a signer takes a batch at a time and
 * makes its own once the store is empty. */
static void check_one_thread(uint8_t alg, size_t width)
{
	struct key *k = make_key(alg);
	struct key_nonces *p = NULL;
	const size_t max = KEY_SIGNER_BATCH + 10;
	assert_int_equal(key_nonces_new(k, max, &p), 0);
	assert_int_equal(key_nonces_pair_size(p), 2 * width);
	uint8_t none[4 * KEY_NONCE_PAIR_MAX];
	assert_int_equal(key_nonces_take(p, none, 4), 0); /* empty, nothing allocated yet */
	assert_int_equal(key_nonces_make(p, 5), 5);
	assert_int_equal(key_nonces_count(p), 5);
	assert_int_equal(key_nonces_make(p, 100), (int)(max - 5));
	assert_int_equal(key_nonces_make(p, 1), 0);
	assert_int_equal(key_nonces_count(p), max);

	struct key_signer *s = NULL;
	assert_int_equal(key_signer_new(k, &s), 0);
	assert_int_equal(key_signer_draw(s, p), 0);
	static struct seen seen;
	seen = (struct seen){.width = width};
	sign_one(s, k, 0, &seen);
	assert_int_equal(key_nonces_count(p), max - KEY_SIGNER_BATCH);
	for (int i = 1; i < KEY_SIGNER_BATCH; i++)
		sign_one(s, k, i, &seen);
	assert_int_equal(key_nonces_count(p), max - KEY_SIGNER_BATCH);
	sign_one(s, k, KEY_SIGNER_BATCH, &seen); /* the last 10 */
	assert_int_equal(key_nonces_count(p), 0);
	for (int i = KEY_SIGNER_BATCH + 1; i < 2 * (int)max; i++)
		sign_one(s, k, i, &seen); /* store, then own nonces */
	assert_int_equal(key_nonces_count(p), 0);
	key_signer_free(s);
	/* what is left in a store is wiped with it (ASan: no leak) */
	assert_int_equal(key_nonces_make(p, 3), 3);
	key_nonces_free(p);
	key_free(k);
}

static void test_one_thread(void **state)
{
	(void)state;
	check_one_thread(13, 32);
	check_one_thread(14, 48);
}

/* ---- threads making and taking at once ---- */

struct taker {
	const struct key *k;
	struct key_nonces *p;
	uint8_t r[600][48];
	int n, failures;
};

static void *take_and_sign(void *arg)
{
	struct taker *t = arg;
	struct key_signer *s = NULL;
	if (key_signer_new(t->k, &s) != 0 || key_signer_draw(s, t->p) != 0)
		t->failures++;
	uint8_t data[32], sig[KEY_SIG_MAX];
	for (; s && t->n < 600; t->n++) {
		memset(data, t->n & 0xff, sizeof(data));
		int n = key_signer_sign(s, data, sizeof(data), sig);
		if (n != 64 || key_verify(t->k, data, sizeof(data), sig, 64) != 0)
			t->failures++;
		memcpy(t->r[t->n], sig, 32);
	}
	key_signer_free(s);
	return NULL;
}

static void *make_some(void *arg)
{
	struct key_nonces *p = arg;
	for (int i = 0; i < 100; i++)
		if (key_nonces_make(p, 8) < 0)
			return arg;
	return NULL;
}

static int cmp_r(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static void test_threads(void **state)
{
	(void)state;
	struct key *k = make_key(13);
	struct key_nonces *p = NULL;
	assert_int_equal(key_nonces_new(k, 1000, &p), 0);
	assert_int_equal(key_nonces_make(p, 200), 200);
	static struct taker t[3];
	pthread_t th[5];
	for (int i = 0; i < 3; i++) {
		t[i] = (struct taker){.k = k, .p = p};
		assert_int_equal(pthread_create(&th[i], NULL, take_and_sign, &t[i]), 0);
	}
	for (int i = 3; i < 5; i++)
		assert_int_equal(pthread_create(&th[i], NULL, make_some, p), 0);
	for (int i = 0; i < 5; i++) {
		void *ret = (void *)1;
		pthread_join(th[i], &ret);
		assert_null(ret);
	}
	/* every r of the 1800 signatures differs from every other */
	static uint8_t all[1800][32];
	for (int i = 0; i < 3; i++) {
		assert_int_equal(t[i].failures, 0);
		assert_int_equal(t[i].n, 600);
		for (int j = 0; j < 600; j++)
			memcpy(all[i * 600 + j], t[i].r[j], 32);
	}
	qsort(all, 1800, 32, cmp_r);
	for (int i = 1; i < 1800; i++)
		assert_memory_not_equal(all[i - 1], all[i], 32);
	key_nonces_free(p);
	key_free(k);
}

/* Pair i of out against k: r = (k * G).x mod n by EC_POINT_mul, and k^-1
 * by BN_mod_inverse, each on its own (no batch, no Montgomery trick). */
static void check_pair(
	const EC_GROUP *g, BN_CTX *bn, const BIGNUM *k, const uint8_t *pair, size_t width)
{
	const BIGNUM *order = EC_GROUP_get0_order(g);
	EC_POINT *R = EC_POINT_new(g);
	BIGNUM *x = BN_new(), *inv = BN_new();
	uint8_t want[2 * 48];
	assert_non_null(R);
	assert_int_equal(EC_POINT_mul(g, R, k, NULL, NULL, bn), 1);
	assert_int_equal(EC_POINT_get_affine_coordinates(g, R, x, NULL, bn), 1);
	assert_int_equal(BN_nnmod(x, x, order, bn), 1);
	assert_non_null(BN_mod_inverse(inv, k, order, bn));
	assert_int_equal(BN_bn2binpad(inv, want, (int)width), (int)width);
	assert_int_equal(BN_bn2binpad(x, want + width, (int)width), (int)width);
	assert_memory_equal(pair, want, 2 * width);
	EC_POINT_free(R);
	BN_free(x);
	BN_free(inv);
}

/* Batches of 1, 2, 5 and 32 nonces on P-256 and P-384, with the smallest
 * and largest k (1 and n - 1) among random ones: every k^-1 and r is what
 * OpenSSL's plain calls give. Batches of 0 or 33 are refused. */
static void test_batch(void **state)
{
	(void)state;
	static const struct {
		int nid;
		size_t width;
	} curves[] = {{NID_X9_62_prime256v1, 32}, {NID_secp384r1, 48}};
	static const size_t sizes[] = {1, 2, 5, KEY_NONCE_BATCH};
	BN_CTX *bn = BN_CTX_new();
	uint8_t out[KEY_NONCE_BATCH * KEY_NONCE_PAIR_MAX];
	for (size_t c = 0; c < 2; c++) {
		EC_GROUP *g = EC_GROUP_new_by_curve_name(curves[c].nid);
		size_t w = curves[c].width;
		const BIGNUM *order = EC_GROUP_get0_order(g);
		for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
			size_t n = sizes[z];
			BIGNUM *k[KEY_NONCE_BATCH], *copy[KEY_NONCE_BATCH];
			for (size_t i = 0; i < n; i++) {
				k[i] = BN_new();
				if (i == 0)
					assert_true(BN_one(k[i]));
				else if (i == n - 1)
					assert_int_equal(BN_sub(k[i], order, BN_value_one()), 1);
				else
					assert_int_equal(BN_rand_range(k[i], order), 1);
				if (BN_is_zero(k[i]))
					assert_true(BN_one(k[i]));
				copy[i] = BN_dup(k[i]);
			}
			assert_int_equal(key_ec_pairs(g, bn, w, n, k, out), 0);
			for (size_t i = 0; i < n; i++) {
				check_pair(g, bn, copy[i], out + 2 * i * w, w);
				BN_free(k[i]);
				BN_free(copy[i]);
			}
			/* drawn nonces: r and k^-1 are in range and k^-1 is not 0 */
			assert_int_equal(key_ec_nonces(g, bn, w, n, out), 0);
			for (size_t i = 0; i < 2 * n; i++) {
				BIGNUM *v = BN_bin2bn(out + i * w, (int)w, NULL);
				assert_false(BN_is_zero(v));
				assert_true(BN_cmp(v, order) < 0);
				BN_free(v);
			}
		}
		assert_int_equal(key_ec_nonces(g, bn, w, 0, out), ERR_INVAL);
		assert_int_equal(key_ec_nonces(g, bn, w, KEY_NONCE_BATCH + 1, out), ERR_INVAL);
		assert_int_equal(key_ec_nonces(g, bn, w + 1, 1, out), ERR_INVAL);
		assert_int_equal(key_ec_nonces(g, bn, w - 1, 1, out), ERR_INVAL);
		assert_int_equal(key_ec_pairs(g, bn, w, 0, NULL, out), ERR_INVAL);
		EC_GROUP_free(g);
	}
	BN_CTX_free(bn);
}

/* key_bn_load reads what BN_bin2bn reads, leading zero octets and words
 * included, and refuses a width that is not whole words. */
static void test_load(void **state)
{
	(void)state;
	uint8_t b[48];
	BIGNUM *x = BN_new(), *y = BN_new();
	for (int i = 0; i < 200; i++) {
		size_t w = i % 2 ? 48 : 32;
		assert_int_equal(RAND_bytes(b, (int)w), 1);
		if (i % 5 == 0)
			memset(b, 0, (size_t)(i % 40)); /* leading zeros, up to whole words */
		assert_int_equal(key_bn_load(x, b, w), 0);
		assert_non_null(BN_bin2bn(b, (int)w, y));
		assert_int_equal(BN_cmp(x, y), 0);
	}
	memset(b, 0, sizeof(b));
	assert_int_equal(key_bn_load(x, b, 32), 0);
	assert_true(BN_is_zero(x));
	assert_int_equal(key_bn_load(x, b, 31), ERR_INVAL);
	BN_free(x);
	BN_free(y);
}

/* A k of 0 or n in the middle of a batch fails it, and no pair of the
 * batch is left in out. */
static void test_batch_fails_whole(void **state)
{
	(void)state;
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	BN_CTX *bn = BN_CTX_new();
	uint8_t out[5 * 64];
	for (int bad = 0; bad < 2; bad++) {
		BIGNUM *k[5];
		for (size_t i = 0; i < 5; i++) {
			k[i] = BN_new();
			assert_int_equal(BN_rand_range(k[i], EC_GROUP_get0_order(g)), 1);
			assert_int_equal(BN_add_word(k[i], 1), 1); /* not 0; n: odds 2^-256 */
		}
		if (bad)
			assert_non_null(BN_copy(k[3], EC_GROUP_get0_order(g)));
		else
			BN_zero(k[3]);
		memset(out, 0xaa, sizeof(out));
		assert_true(key_ec_pairs(g, bn, 32, 5, k, out) < 0);
		for (size_t i = 0; i < sizeof(out); i++)
			assert_int_equal(out[i], 0);
		for (size_t i = 0; i < 5; i++)
			BN_free(k[i]);
	}
	BN_CTX_free(bn);
	EC_GROUP_free(g);
}

/* Filler threads fill a store up to its size and stop by themselves, or
 * stop when told; a set without stores or threads starts nothing. */
static void test_fill(void **state)
{
	(void)state;
	struct key *k = make_key(13);
	struct key_nonces *stores[3] = {NULL, NULL, NULL};
	struct key_nonces_fill *f = (struct key_nonces_fill *)1;
	assert_int_equal(key_nonces_fill_start(stores, 3, 2, &f), 0);
	assert_null(f);
	assert_int_equal(key_nonces_new(k, 50, &stores[1]), 0);
	assert_int_equal(key_nonces_fill_start(stores, 3, 0, &f), 0);
	assert_null(f);
	key_nonces_fill_stop(NULL);
	assert_int_equal(key_nonces_fill_start(stores, 3, 2, &f), 0);
	assert_non_null(f);
	for (int i = 0; i < 2000 && key_nonces_count(stores[1]) < 50; i++)
		usleep(5000); /* at most 10 s; about 50 ms here */
	key_nonces_fill_stop(f);
	assert_int_equal(key_nonces_count(stores[1]), 50);
	key_nonces_free(stores[1]);
	assert_int_equal(key_nonces_new(k, 1000000, &stores[1]), 0);
	assert_int_equal(key_nonces_fill_start(stores, 3, 2, &f), 0);
	key_nonces_fill_stop(f); /* at once: the threads end their turn and stop */
	assert_true(key_nonces_count(stores[1]) < 1000000);
	key_nonces_free(stores[1]);
	key_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_batch_fails_whole),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_one_thread),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_fill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
