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

/* Checks every RRSIG of z against keys; when now is not 0, also that each
 * is valid at now (RFC 4034 §3.1.5). Returns how many were checked. */
static inline size_t verify_all(
	const struct zone *z, const struct key *const *keys, size_t nkeys, uint32_t now)
{
	size_t count = 0;
	struct buf data;
	buf_init(&data, 0);
	struct tree_iter it;
	for (struct node *n = tree_iter_first(&it, z->tree); n; n = tree_iter_next(&it)) {
		for (const struct rrset *r = node_first(n); r; r = node_next(n, r)) {
			if (r->type != KNOT_RRTYPE_RRSIG)
				continue;
			const struct rrset *set = node_find(n, r->covers, 0);
			assert_non_null(set);
			uint32_t pos = 0;
			const uint8_t *d;
			uint16_t len;
			while (rrset_next_rdata(r, &pos, &d, &len)) {
				struct rrsig_fields f;
				size_t at;
				assert_int_equal(rrsig_parse(d, len, &f, &at), 0);
				const struct key *k = NULL;
				for (size_t i = 0; i < nkeys; i++)
					if (keys[i]->tag == f.key_tag)
						k = keys[i];
				assert_non_null(k);
				if (now) {
					assert_true((int32_t)(now - f.inception) >= 0);
					assert_true((int32_t)(f.expiration - now) > 0);
				}
				buf_clear(&data);
				assert_int_equal(
					rrsig_append_signed_data(&f, node_owner(n), set, &data), 0);
				assert_int_equal(
					key_verify(k, data.data, data.len, d + at, len - at), 0);
				count++;
			}
		}
	}
	buf_deinit(&data);
	return count;
}

#endif
