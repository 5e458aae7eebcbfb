/*
 * key_nonce.h - ECDSA nonces made ahead of time.
 *
 * An ECDSA signature costs two parts: a nonce k with r = (k*G).x and k^-1
 * (nearly all of the work, and independent of the message), then
 * s = k^-1 * (h + r * d), which is cheap (FIPS 186-4 §6.4, B.5). A store
 * holds (k^-1, r) pairs made (a batch at a time: key_ec_nonces in
 * key_impl.h) on a thread that would otherwise idle, for
 * instance while a zone file is parsed; signers (key_signer_draw) then take
 * them instead of making their own.
 *
 * A pair is as secret as the private key (one signature with a known k
 * gives d away) and must never serve twice: each one is handed out once,
 * moved out of the store under its lock, and wiped where it was. The store
 * wipes what is left when freed.
 *
 * Ownership: the store borrows the key, which must outlive it; signers that
 * draw from a store borrow it, so it must outlive them too. Thread-safe:
 * any number of threads may make and take at once.
 */
#ifndef CASCADE_DNSSEC_KEY_NONCE_H
#define CASCADE_DNSSEC_KEY_NONCE_H

#include <stddef.h>

#include "lib/dnssec/key.h"

struct key_nonces;

/* A store for at most max pairs of key k, which must be an ECDSA key with
 * its private half (ERR_UNSUPP for other algorithms, ERR_INVAL for a public
 * key or a max whose room in octets would overflow). Room for max pairs is taken at the
 * first store: pages not yet written cost address space only. */
int key_nonces_new(const struct key *k, size_t max, struct key_nonces **out);
/* Makes up to n pairs, fewer when the store fills up; the number made or a
 * negative error. Slow (a scalar multiplication each): call it in steps. */
int key_nonces_make(struct key_nonces *p, size_t n);
/* Pairs stored and not yet taken. */
size_t key_nonces_count(struct key_nonces *p);
/* Moves up to n pairs into out (n * key_nonces_pair_size octets, the
 * caller wipes them once used); the number moved. */
size_t key_nonces_take(struct key_nonces *p, uint8_t *out, size_t n);
/* Octets of one pair: k^-1 then r, each the width of the curve's order;
 * at most KEY_NONCE_PAIR_MAX (P-384). */
#define KEY_NONCE_PAIR_MAX 96
size_t key_nonces_pair_size(const struct key_nonces *p);
void key_nonces_free(struct key_nonces *p);

/* Threads that make pairs for the stores (NULL entries are skipped), a
 * few at a time for each in turn, until stopped or until every store is
 * full. The stores are borrowed until key_nonces_fill_stop. A thread that
 * cannot be started is left out; *out is NULL when none could be (or
 * threads is 0), which key_nonces_fill_stop accepts. */
struct key_nonces_fill;
int key_nonces_fill_start(
	struct key_nonces *const *stores, size_t n, unsigned threads, struct key_nonces_fill **out);
/* Stops the threads, waits for them, and frees f. */
void key_nonces_fill_stop(struct key_nonces_fill *f);

#endif
