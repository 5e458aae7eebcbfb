/*
 * signer_check.h - what the signer's unit tests (cmocka) share: loading a
 * zone of example.com. from text, and checking that every RRSIG of a zone
 * verifies with the key its tag names.
 */
#ifndef CASCADE_TESTS_SIGNER_CHECK_H
#define CASCADE_TESTS_SIGNER_CHECK_H

#include <libknot/descriptor.h>

#include "lib/dnssec/key.h"
#include "lib/dnssec/rrsig.h"
#include "lib/zone/zone.h"
#include "lib/zone/zone_read.h"

/* The zone example.com. from text; the test fails with the reader's message. */
static inline struct zone *load(const char *text)
{
	struct zone_msgs m;
	struct zone *z = NULL;
	struct zone_read_opts o = {.origin = "example.com."};
	zone_msgs_init(&m);
	if (zone_read_mem(text, strlen(text), "t.zone", &o, &m, &z) != 0)
		fail_msg("%s", buf_cstr(&m.text));
	zone_msgs_deinit(&m);
	return z;
}

/* Calls fn(ctx, n, sigs, rdata, len) for every RRSIG RR of z: its node,
 * its RRSIG RRset and its RDATA. */
typedef void each_rrsig_fn(
	void *ctx, const struct node *n, const struct rrset *sigs, const uint8_t *d, uint16_t len);
static inline void each_rrsig(const struct zone *z, each_rrsig_fn *fn, void *ctx)
{
	struct tree_iter it;
	for (struct node *n = tree_iter_first(&it, z->tree); n; n = tree_iter_next(&it)) {
		for (const struct rrset *r = node_first(n); r; r = node_next(n, r)) {
			uint32_t pos = 0;
			const uint8_t *d;
			uint16_t len;
			while (r->type == KNOT_RRTYPE_RRSIG && rrset_next_rdata(r, &pos, &d, &len))
				fn(ctx, n, r, d, len);
		}
	}
}

struct verify_ctx {
	const struct key *const *keys;
	size_t nkeys, count;
	uint32_t now;
	struct buf data;
};

/* One RRSIG of verify_all. */
static inline void verify_one(
	void *ctx, const struct node *n, const struct rrset *sigs, const uint8_t *d, uint16_t len)
{
	struct verify_ctx *v = ctx;
	const struct rrset *set = node_find(n, sigs->covers, 0);
	assert_non_null(set);
	struct rrsig_fields f;
	size_t at;
	assert_int_equal(rrsig_parse(d, len, &f, &at), 0);
	const struct key *k = NULL;
	for (size_t i = 0; i < v->nkeys; i++)
		if (v->keys[i]->tag == f.key_tag)
			k = v->keys[i];
	assert_non_null(k);
	if (v->now) {
		assert_true((int32_t)(v->now - f.inception) >= 0);
		assert_true((int32_t)(f.expiration - v->now) > 0);
	}
	buf_clear(&v->data);
	assert_int_equal(rrsig_append_signed_data(&f, node_owner(n), set, &v->data), 0);
	assert_int_equal(key_verify(k, v->data.data, v->data.len, d + at, len - at), 0);
	v->count++;
}

/* Checks every RRSIG of z against keys; when now is not 0, also that each
 * is valid at now (RFC 4034 §3.1.5). Returns how many were checked. */
static inline size_t verify_all(
	const struct zone *z, const struct key *const *keys, size_t nkeys, uint32_t now)
{
	struct verify_ctx v = {.keys = keys, .nkeys = nkeys, .now = now};
	buf_init(&v.data, 0);
	each_rrsig(z, verify_one, &v);
	buf_deinit(&v.data);
	return v.count;
}

#endif
