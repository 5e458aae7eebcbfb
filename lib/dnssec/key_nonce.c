/* key_nonce.c - ECDSA nonces, made a batch at a time (key_impl.h) and stored
 * ahead of use (key_nonce.h). */
/* EVP_PKEY_get0_EC_KEY (the key's curve as an EC_GROUP), EC_POINTs_make_affine
 * and EC_POINT_get_Jprojective_coordinates_GFp are deprecated in OpenSSL 3
 * and still the only calls for what they do here. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "lib/dnssec/key_nonce.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dnssec/key_impl.h"
#include "lib/util/err.h"

/* ---- making pairs, a batch at a time ---- */

int key_bn_load(BIGNUM *bn, const uint8_t *b, size_t width)
{
	if (width % 8 != 0)
		return ERR_INVAL;
	BN_zero(bn);
	for (size_t i = 0; i < width; i += 8) {
		uint64_t w = 0;
		for (size_t k = 0; k < 8; k++)
			w = w << 8 | b[i + k];
		if (BN_lshift(bn, bn, 64) != 1 || BN_add_word(bn, (BN_ULONG)w) != 1)
			return key_crypto_fail();
	}
	return 0;
}

/* 0 < b < order, both width octets big-endian, with no branch on b. */
static bool in_range(const uint8_t *b, const uint8_t *order, size_t width)
{
	unsigned lt = 0, gt = 0, any = 0;
	for (size_t i = 0; i < width; i++) {
		unsigned x = b[i], y = order[i];
		unsigned undecided = ~(lt | gt) & 1u;
		lt |= undecided & ((x - y) >> 8 & 1u);
		gt |= undecided & ((y - x) >> 8 & 1u);
		any |= x;
	}
	return (lt & (any != 0)) != 0;
}

/* The nonces of one batch: k[i] uniform in [1, n) by rejection from
 * OpenSSL's private generator (FIPS 186-4 B.5.2), bits above the order's
 * cleared first so that a draw is rarely rejected. The test and the load
 * take the same time whatever k is, but for a zero top word (odds 2^-64):
 * a nonce's length must not show (the Minerva attacks). */
static int draw_ks(const BIGNUM *order, size_t width, size_t n, BIGNUM **k)
{
	uint8_t rnd[KEY_NONCE_BATCH * KEY_NONCE_PAIR_MAX / 2], ord[KEY_NONCE_PAIR_MAX / 2];
	uint8_t top = (uint8_t)(0xff >> (width * 8 - (size_t)BN_num_bits(order)));
	int rc = BN_bn2binpad(order, ord, (int)width) == (int)width &&
			RAND_priv_bytes(rnd, (int)(n * width)) == 1
		? 0
		: key_crypto_fail();
	for (size_t i = 0; rc == 0 && i < n; i++) {
		uint8_t *b = rnd + i * width;
		for (int tries = 0; rc == 0; tries++) {
			b[0] &= top;
			if (in_range(b, ord, width)) {
				rc = key_bn_load(k[i], b, width);
				break;
			}
			if (tries == 64 || RAND_priv_bytes(b, (int)width) != 1)
				rc = key_crypto_fail();
		}
	}
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return rc;
}

/* R[i] = k[i] * G, OpenSSL's constant-time scalar multiplication as in its
 * ECDSA, then all made affine at once: EC_POINTs_make_affine inverts the
 * product of the Z coordinates once (Montgomery's trick again), where
 * EC_POINT_get_affine_coordinates would invert each Z, a third of the cost of
 * a pair for P-256. Its inversion is Fermat's with the public exponent p - 2. */
static int points(const EC_GROUP *g, BN_CTX *bn, size_t n, BIGNUM **k, EC_POINT **R)
{
	for (size_t i = 0; i < n; i++)
		if (EC_POINT_mul(g, R[i], k[i], NULL, NULL, bn) != 1)
			return key_crypto_fail();
	return EC_POINTs_make_affine(g, n, R, bn) == 1 ? 0 : key_crypto_fail();
}

/* r[i] = R[i].x mod n into out, then k[i] into Montgomery form and
 * acc[i] = k[0] * ... * k[i], the prefix products of the inversion. R[i] is
 * affine: its Jacobian X is x, read without a second inversion. */
static int rs(const EC_GROUP *g, BN_CTX *bn, BN_MONT_CTX *mont, size_t width, size_t n,
	EC_POINT **R, BIGNUM **k, BIGNUM **acc, uint8_t *out)
{
	const BIGNUM *order = EC_GROUP_get0_order(g);
	BIGNUM *x = BN_new(), *z = BN_new();
	int rc = x && z ? 0 : ERR_NOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (EC_POINT_get_Jprojective_coordinates_GFp(g, R[i], x, NULL, z, bn) != 1 ||
			!BN_is_one(z) || BN_nnmod(x, x, order, bn) != 1 ||
			BN_is_zero(x) /* odds 2^-256 */ ||
			BN_bn2binpad(x, out + (2 * i + 1) * width, (int)width) != (int)width ||
			BN_to_montgomery(k[i], k[i], mont, bn) != 1 ||
			(i == 0 ? !BN_copy(acc[0], k[0])
				: BN_mod_mul_montgomery(acc[i], acc[i - 1], k[i], mont, bn) != 1))
			rc = key_crypto_fail();
	}
	BN_free(x);
	BN_free(z);
	return rc;
}

/* k[i]^-1 into out, all from one inversion (Montgomery's trick): with
 * inv = (k[0] ... k[i])^-1, k[i]^-1 = inv * acc[i-1] and the next inv is
 * inv * k[i]. The one inversion is Fermat's, k^(n-2), in constant time. */
static int inverses(const BIGNUM *order, BN_CTX *bn, BN_MONT_CTX *mont, size_t width, size_t n,
	BIGNUM **k, BIGNUM **acc, uint8_t *out)
{
	BIGNUM *e = BN_dup(order), *inv = BN_secure_new(), *t = BN_secure_new();
	int rc = e && inv && t ? 0 : ERR_NOMEM;
	if (rc == 0) {
		BN_set_flags(t, BN_FLG_CONSTTIME);
		if (BN_sub_word(e, 2) != 1 || !BN_from_montgomery(t, acc[n - 1], mont, bn) ||
			BN_mod_exp_mont_consttime(inv, t, e, order, bn, mont) != 1 ||
			BN_to_montgomery(inv, inv, mont, bn) != 1)
			rc = key_crypto_fail();
	}
	for (size_t i = n; rc == 0 && i-- > 0;) {
		if ((i > 0 ? BN_mod_mul_montgomery(t, inv, acc[i - 1], mont, bn) != 1
			   : !BN_copy(t, inv)) ||
			!BN_from_montgomery(t, t, mont, bn) ||
			BN_bn2binpad(t, out + 2 * i * width, (int)width) != (int)width ||
			(i > 0 && BN_mod_mul_montgomery(inv, inv, k[i], mont, bn) != 1))
			rc = key_crypto_fail();
	}
	BN_free(e);
	BN_clear_free(inv);
	BN_clear_free(t);
	return rc;
}

int key_ec_pairs(const EC_GROUP *g, BN_CTX *bn, size_t width, size_t n, BIGNUM **k, uint8_t *out)
{
	if (n == 0 || n > KEY_NONCE_BATCH || 2 * width > KEY_NONCE_PAIR_MAX)
		return ERR_INVAL;
	const BIGNUM *order = EC_GROUP_get0_order(g);
	BN_MONT_CTX *mont = EC_GROUP_get_mont_data(g);
	BIGNUM *acc[KEY_NONCE_BATCH] = {0};
	EC_POINT *R[KEY_NONCE_BATCH] = {0};
	int rc = order && mont && (size_t)BN_num_bytes(order) == width ? 0 : ERR_INVAL;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (!(acc[i] = BN_secure_new()) || !(R[i] = EC_POINT_new(g)))
			rc = ERR_NOMEM;
	if (rc == 0)
		rc = points(g, bn, n, k, R);
	if (rc == 0)
		rc = rs(g, bn, mont, width, n, R, k, acc, out);
	if (rc == 0)
		rc = inverses(order, bn, mont, width, n, k, acc, out);
	for (size_t i = 0; i < n; i++) {
		BN_clear_free(acc[i]);
		EC_POINT_clear_free(R[i]);
	}
	if (rc < 0)
		OPENSSL_cleanse(out, n * 2 * width); /* no half-made pair stays */
	return rc;
}

int key_ec_nonces(const EC_GROUP *g, BN_CTX *bn, size_t width, size_t n, uint8_t *out)
{
	const BIGNUM *order = EC_GROUP_get0_order(g);
	if (n == 0 || n > KEY_NONCE_BATCH || 2 * width > KEY_NONCE_PAIR_MAX || width % 8 != 0 ||
		!order || (size_t)BN_num_bytes(order) != width)
		return ERR_INVAL; /* draw_ks relies on all of it */
	BIGNUM *k[KEY_NONCE_BATCH] = {0};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (!(k[i] = BN_secure_new()))
			rc = ERR_NOMEM;
		else
			BN_set_flags(k[i], BN_FLG_CONSTTIME);
	}
	if (rc == 0)
		rc = draw_ks(order, width, n, k);
	if (rc == 0)
		rc = key_ec_pairs(g, bn, width, n, k, out);
	for (size_t i = 0; i < n; i++)
		BN_clear_free(k[i]);
	return rc;
}

/* ---- the store ---- */

struct key_nonces {
	pthread_mutex_t lock;
	const struct key *k;
	size_t width; /* octets of the curve's order */
	size_t max, count;
	uint8_t *pairs; /* max pairs; [0, count) are stored, the rest holds no secret */
};

int key_nonces_new(const struct key *k, size_t max, struct key_nonces **out)
{
	*out = NULL;
	const struct key_alg_info *a = key_alg_info(k->algorithm);
	if (!a || a->kind != KEY_KIND_EC)
		return ERR_UNSUPP;
	if (!k->has_private || !k->pkey || max > SIZE_MAX / (2 * a->size))
		return ERR_INVAL; /* max pairs must fit in memory's size */
	struct key_nonces *p = calloc(1, sizeof(*p));
	if (!p)
		return ERR_NOMEM;
	p->k = k;
	p->width = a->size;
	p->max = max;
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		return ERR_NOMEM;
	}
	*out = p;
	return 0;
}

size_t key_nonces_pair_size(const struct key_nonces *p)
{
	return 2 * p->width;
}

/* Room for max pairs, under the lock, taken at the first store. Memory not
 * yet written costs address space only (the kernel backs a page when it is
 * first written), so the memory in use still grows with the pairs made;
 * growing by steps would copy the pairs and touch new pages each time. */
static bool reserve(struct key_nonces *p)
{
	if (!p->pairs)
		p->pairs = malloc(p->max * key_nonces_pair_size(p));
	return p->pairs != NULL;
}

/* Stores up to n pairs, fewer when the store is full; wipes them all.
 * Returns the number stored. */
static size_t store(struct key_nonces *p, uint8_t *pairs, size_t n)
{
	size_t sz = key_nonces_pair_size(p), done = 0;
	pthread_mutex_lock(&p->lock);
	while (done < n && p->count < p->max && reserve(p))
		memcpy(p->pairs + p->count++ * sz, pairs + done++ * sz, sz);
	pthread_mutex_unlock(&p->lock);
	OPENSSL_cleanse(pairs, n * sz);
	return done;
}

int key_nonces_make(struct key_nonces *p, size_t n)
{
	/* The key's group only: the private key plays no part in a pair. */
	const EC_KEY *ec = EVP_PKEY_get0_EC_KEY(p->k->pkey);
	const EC_GROUP *g = ec ? EC_KEY_get0_group(ec) : NULL;
	BN_CTX *bn = BN_CTX_new(); /* per call: several threads may make pairs at once */
	int rc = g && bn ? 0 : key_crypto_fail();
	size_t made = 0;
	uint8_t pairs[KEY_NONCE_BATCH * KEY_NONCE_PAIR_MAX];
	while (rc == 0 && made < n) {
		size_t room = p->max - key_nonces_count(p);
		size_t b = n - made < KEY_NONCE_BATCH ? n - made : KEY_NONCE_BATCH;
		if (b > room)
			b = room;
		if (b == 0)
			break;
		rc = key_ec_nonces(g, bn, p->width, b, pairs);
		size_t kept = rc == 0 ? store(p, pairs, b) : 0;
		made += kept;
		if (kept < b)
			break; /* full, or no memory to grow: enough */
	}
	BN_CTX_free(bn);
	return rc < 0 ? rc : (int)made;
}

size_t key_nonces_count(struct key_nonces *p)
{
	pthread_mutex_lock(&p->lock);
	size_t n = p->count;
	pthread_mutex_unlock(&p->lock);
	return n;
}

size_t key_nonces_take(struct key_nonces *p, uint8_t *out, size_t n)
{
	size_t sz = key_nonces_pair_size(p);
	pthread_mutex_lock(&p->lock);
	if (n > p->count)
		n = p->count;
	if (n) { /* an empty store may have no memory yet */
		p->count -= n;
		uint8_t *from = p->pairs + p->count * sz;
		memcpy(out, from, n * sz);
		OPENSSL_cleanse(from, n * sz); /* taken once: no copy stays behind */
	}
	pthread_mutex_unlock(&p->lock);
	return n;
}

void key_nonces_free(struct key_nonces *p)
{
	if (!p)
		return;
	if (p->pairs)
		OPENSSL_cleanse(p->pairs, p->count * key_nonces_pair_size(p));
	free(p->pairs);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* ---- filler threads ---- */

struct key_nonces_fill {
	struct key_nonces *const *stores;
	size_t n;
	atomic_bool stop;
	unsigned nthreads;
	pthread_t t[];
};

static void *fill_run(void *arg)
{
	struct key_nonces_fill *f = arg;
	bool more = true;
	while (more && !atomic_load(&f->stop)) {
		more = false;
		for (size_t i = 0; i < f->n; i++)
			if (f->stores[i] && key_nonces_make(f->stores[i], KEY_NONCE_BATCH) > 0)
				more = true;
	}
	return NULL;
}

int key_nonces_fill_start(
	struct key_nonces *const *stores, size_t n, unsigned threads, struct key_nonces_fill **out)
{
	*out = NULL;
	bool any = false;
	for (size_t i = 0; i < n; i++)
		any |= stores[i] != NULL;
	if (!any || threads == 0)
		return 0;
	struct key_nonces_fill *f = calloc(1, sizeof(*f) + threads * sizeof(f->t[0]));
	if (!f)
		return ERR_NOMEM;
	f->stores = stores;
	f->n = n;
	atomic_init(&f->stop, false);
	for (unsigned i = 0; i < threads; i++)
		if (pthread_create(&f->t[f->nthreads], NULL, fill_run, f) == 0)
			f->nthreads++;
	*out = f;
	return 0;
}

void key_nonces_fill_stop(struct key_nonces_fill *f)
{
	if (!f)
		return;
	atomic_store(&f->stop, true);
	for (unsigned i = 0; i < f->nthreads; i++)
		pthread_join(f->t[i], NULL);
	free(f);
}
