/* Unit tests for lib/zone/node. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <libknot/descriptor.h>

#include "lib/dns/name.h"
#include "lib/zone/node.h"
#include "lib/util/err.h"

static const uint8_t owner[] = "\x03"
			       "Www\x07"
			       "example\x00";

static struct node_rr rr(uint16_t type, uint32_t ttl, const void *data, uint16_t len)
{
	return (struct node_rr){.type = type, .ttl = ttl, .rdata = data, .len = len};
}

static void test_build_sort_dedup(void **state)
{
	(void)state;
	struct node_rr rrs[] = {
		rr(KNOT_RRTYPE_TXT, 300, "\x01z", 2), rr(KNOT_RRTYPE_A, 300, "\x0a\x00\x00\x02", 4),
		rr(KNOT_RRTYPE_A, 200, "\x0a\x00\x00\x01", 4),
		rr(KNOT_RRTYPE_TXT, 300,
			"\x01"
			"a",
			2),
		rr(KNOT_RRTYPE_A, 300, "\x0a\x00\x00\x02", 4), /* duplicate */
	};
	struct node *n;
	struct node_build_notes notes;
	assert_int_equal(node_build(owner, rrs, 5, NODE_WILDCARD, &n, &notes), 0);
	assert_int_equal(notes.duplicates, 1);
	assert_int_equal(notes.ttl_mismatch, KNOT_RRTYPE_A);
	assert_int_equal(n->nrrsets, 2);
	assert_int_equal(n->flags, NODE_WILDCARD);
	assert_memory_equal(node_owner(n), owner, sizeof(owner));
	const struct rrset *a = node_first(n);
	assert_int_equal(a->type, KNOT_RRTYPE_A);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->ttl, 200); /* lowest TTL of the set (RFC 2181 §5.2) */
	uint32_t pos = 0;
	const uint8_t *d;
	uint16_t len;
	assert_true(rrset_next_rdata(a, &pos, &d, &len));
	assert_memory_equal(d, "\x0a\x00\x00\x01", 4);
	assert_true(rrset_next_rdata(a, &pos, &d, &len));
	assert_memory_equal(d, "\x0a\x00\x00\x02", 4);
	assert_false(rrset_next_rdata(a, &pos, &d, &len));
	const struct rrset *t = node_next(n, a);
	assert_int_equal(t->type, KNOT_RRTYPE_TXT);
	assert_null(node_next(n, t));
	assert_ptr_equal(node_find(n, KNOT_RRTYPE_TXT, 0), t);
	assert_null(node_find(n, KNOT_RRTYPE_MX, 0));
	assert_int_equal(node_rr_count(n), 4);
	struct node_rr back[8];
	assert_int_equal(node_rrs(n, back, 8), 4);
	assert_int_equal(node_rrs(n, back, 3), ERR_LIMIT);
	assert_int_equal(back[3].type, KNOT_RRTYPE_TXT);
	assert_memory_equal(back[3].rdata, "\x01z", 2);
	uint8_t key[NAME_KEY_MAX];
	size_t kl = name_key(owner, key);
	assert_int_equal(n->key_len, kl);
	assert_memory_equal(node_key(n), key, kl);
	node_unref(n);
}

static void test_canonical_rdata_order_ignores_case(void **state)
{
	(void)state;
	/* NS b.example and NS A.example: canonical order compares lower-cased
	 * names, so "A" (a) sorts before "b" even though 'A' < 'b' anyway; use
	 * "B" vs "a": raw order puts "B" first, canonical order puts "a" first. */
	struct node_rr rrs[] = {
		rr(KNOT_RRTYPE_NS, 60,
			"\x01"
			"B\x00",
			3),
		rr(KNOT_RRTYPE_NS, 60,
			"\x01"
			"a\x00",
			3),
		rr(KNOT_RRTYPE_NS, 60,
			"\x01"
			"b\x00",
			3), /* same as "B" canonically */
	};
	struct node *n;
	struct node_build_notes notes;
	assert_int_equal(node_build(owner, rrs, 3, 0, &n, &notes), 0);
	assert_int_equal(notes.duplicates, 1);
	const struct rrset *ns = node_first(n);
	assert_int_equal(ns->count, 2);
	uint32_t pos = 0;
	const uint8_t *d;
	uint16_t len;
	assert_true(rrset_next_rdata(ns, &pos, &d, &len));
	assert_int_equal(d[1], 'a');
	node_unref(n);
}

static void test_rrsig_sets_by_covered_type(void **state)
{
	(void)state;
	uint8_t sig_a[20] = {0, 1}, sig_ns[20] = {0, 2};
	struct node_rr rrs[] = {
		rr(KNOT_RRTYPE_RRSIG, 60, sig_ns, 20),
		rr(KNOT_RRTYPE_RRSIG, 30, sig_a, 20),
	};
	rrs[0].covers = 2;
	rrs[1].covers = 1;
	struct node *n;
	struct node_build_notes notes;
	assert_int_equal(node_build(owner, rrs, 2, 0, &n, &notes), 0);
	assert_int_equal(notes.ttl_mismatch, 0); /* different covered types: separate sets */
	assert_int_equal(n->nrrsets, 2);
	assert_int_equal(node_find(n, KNOT_RRTYPE_RRSIG, 1)->ttl, 30);
	assert_int_equal(node_find(n, KNOT_RRTYPE_RRSIG, 2)->ttl, 60);
	struct node *c;
	assert_int_equal(node_with_flags(n, NODE_APEX, &c), 0);
	assert_int_equal(c->flags, NODE_APEX);
	assert_int_equal(node_rr_count(c), 2);
	node_ref(c);
	node_unref(c);
	node_unref(c);
	node_unref(n);
}

static void test_empty_node_and_errors(void **state)
{
	(void)state;
	struct node *n;
	assert_int_equal(node_build(owner, NULL, 0, NODE_ENT, &n, NULL), 0);
	assert_null(node_first(n));
	assert_int_equal(node_rr_count(n), 0);
	node_unref(n);
	uint8_t badns[] = {5, 'A'}; /* checked when lower-cased */
	struct node_rr rrs[] = {
		rr(KNOT_RRTYPE_NS, 60, badns, 2),
		rr(KNOT_RRTYPE_NS, 60,
			"\x02"
			"ZZ\x00",
			4),
	};
	assert_int_equal(node_build(owner, rrs, 2, 0, &n, NULL), ERR_SYNTAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_sort_dedup),
		cmocka_unit_test(test_canonical_rdata_order_ignores_case),
		cmocka_unit_test(test_rrsig_sets_by_covered_type),
		cmocka_unit_test(test_empty_node_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
