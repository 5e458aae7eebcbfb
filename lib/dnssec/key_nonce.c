/* key_nonce.c - ECDSA nonces made ahead of time (see key_nonce.h). */
/* ECDSA_sign_setup and EC_KEY are deprecated in OpenSSL 3, and still the
 * only way to split a signature in two (see key_sign.c). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "lib/dnssec/key_nonce.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dnssec/key_impl.h"
#include "lib/util/err.h"

struct key_nonces {
	pthread_mutex_t lock;
	const struct key *k;
	size_t width; /* octets of the curve's order */
	size_t max, count, room;
	uint8_t *pairs; /* room pairs; [0, count) are stored, the rest holds no secret */
};

int key_nonces_new(const struct key *k, size_t max, struct key_nonces **out)
{
	*out = NULL;
	const struct key_alg_info *a = key_alg_info(k->algorithm);
	if (!a || a->kind != KEY_KIND_EC)
		return ERR_UNSUPP;
	if (!k->has_private || !k->pkey)
		return ERR_INVAL;
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

/* One pair into out; OpenSSL's own setup, as a signature would make it. */
static int make_one(struct key_nonces *p, EC_KEY *ec, BN_CTX *bn, uint8_t *out)
{
	BIGNUM *kinv = NULL, *r = NULL;
	int w = (int)p->width;
	int ok = ECDSA_sign_setup(ec, bn, &kinv, &r) == 1 && BN_bn2binpad(kinv, out, w) == w &&
		BN_bn2binpad(r, out + w, w) == w;
	BN_clear_free(kinv);
	BN_clear_free(r);
	return ok ? 0 : key_crypto_fail();
}

/* Room for twice as many pairs (at most max), under the lock. The memory
 * grows with the pairs made, not with max. Not realloc: the old block
 * is wiped before it is freed. */
static bool grow(struct key_nonces *p)
{
	size_t sz = key_nonces_pair_size(p);
	size_t room = p->room ? 2 * p->room : 1024;
	if (room > p->max)
		room = p->max;
	uint8_t *n = malloc(room * sz);
	if (!n)
		return false;
	if (p->count)
		memcpy(n, p->pairs, p->count * sz);
	if (p->pairs)
		OPENSSL_cleanse(p->pairs, p->count * sz);
	free(p->pairs);
	p->pairs = n;
	p->room = room;
	return true;
}

/* Stores the pair, unless the store is full; wipes it either way. */
static bool store_one(struct key_nonces *p, uint8_t *pair)
{
	size_t sz = key_nonces_pair_size(p);
	pthread_mutex_lock(&p->lock);
	bool stored = p->count < p->max && (p->count < p->room || grow(p));
	if (stored)
		memcpy(p->pairs + p->count++ * sz, pair, sz);
	pthread_mutex_unlock(&p->lock);
	OPENSSL_cleanse(pair, sz);
	return stored;
}

int key_nonces_make(struct key_nonces *p, size_t n)
{
	/* A copy of the key and scratch numbers per call: several threads may
	 * make pairs at once. */
	const EC_KEY *src = EVP_PKEY_get0_EC_KEY(p->k->pkey);
	EC_KEY *ec = src ? EC_KEY_dup(src) : NULL;
	BN_CTX *bn = BN_CTX_new();
	int rc = ec && bn ? 0 : key_crypto_fail();
	size_t made = 0;
	uint8_t pair[KEY_NONCE_PAIR_MAX];
	while (rc == 0 && made < n && key_nonces_count(p) < p->max) {
		rc = make_one(p, ec, bn, pair);
		if (rc == 0 && !store_one(p, pair))
			break; /* full, or no memory to grow: enough */
		made += rc == 0;
	}
	OPENSSL_cleanse(pair, sizeof(pair)); /* a failed make may have left half a pair */
	EC_KEY_free(ec);
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

#define FILL_STEP 16 /* pairs per store and turn: a stop waits for one turn */

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
			if (f->stores[i] && key_nonces_make(f->stores[i], FILL_STEP) > 0)
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
