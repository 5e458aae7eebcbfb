/* Unit tests for lib/zone/zone_diff and zone_apply. */
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

#include "lib/util/err.h"
#include "lib/zone/zone_diff.h"
#include "lib/zone/zone_read.h"

static struct zone *load_text(const char *text)
{
	struct zone_msgs m;
	struct zone *z = NULL;
	struct zone_read_opts o = {.origin = "example.com."};
	zone_msgs_init(&m);
	int rc = zone_read_mem(text, strlen(text), "t.zone", &o, &m, &z);
	if (rc != 0)
		fail_msg("%s", buf_cstr(&m.text));
	zone_msgs_deinit(&m);
	return z;
}

static struct zone *load_file(const char *rel, const char *origin)
{
	char path[4096];
	const char *src = getenv("SRCDIR");
	snprintf(path, sizeof(path), "%s/%s", src ? src : ".", rel);
	struct zone_msgs m;
	struct zone *z = NULL;
	struct zone_read_opts o = {.origin = origin};
	zone_msgs_init(&m);
	int rc = zone_read_file(path, &o, &m, &z);
	if (rc != 0)
		fail_msg("%s", buf_cstr(&m.text));
	zone_msgs_deinit(&m);
	return z;
}

/* Same names, flags and RRsets (owner case aside), node by node. */
static void assert_same_zone(const struct zone *a, const struct zone *b)
{
	struct tree_iter ia, ib;
	struct node *x = tree_iter_first(&ia, a->tree), *y = tree_iter_first(&ib, b->tree);
	for (; x && y; x = tree_iter_next(&ia), y = tree_iter_next(&ib)) {
		char name[KNOT_DNAME_TXT_MAXLEN + 1];
		knot_dname_to_str(name, node_owner(x), sizeof(name));
		if (x->key_len != y->key_len || memcmp(node_key(x), node_key(y), x->key_len))
			fail_msg("names differ at %s", name);
		if (x->flags != y->flags)
			fail_msg("%s: flags %#x != %#x", name, x->flags, y->flags);
		size_t hx = x->size -
			(size_t)(node_first(x) ? (const uint8_t *)node_first(x) - x->data
					       : x->size);
		size_t hy = y->size -
			(size_t)(node_first(y) ? (const uint8_t *)node_first(y) - y->data
					       : y->size);
		if (hx != hy || (hx && memcmp(node_first(x), node_first(y), hx)))
			fail_msg("%s: RRsets differ", name);
	}
	assert_null(x);
	assert_null(y);
	assert_int_equal(a->nodes, b->nodes);
	assert_int_equal(a->rrs, b->rrs);
	assert_int_equal(a->serial, b->serial);
	size_t count;
	assert_int_equal(tree_check(a->tree, &count), 0);
	assert_int_equal(count, a->nodes);
}

/* diff(a, b) applied to a gives b, and the reverse diff takes it back. */
static void roundtrip(struct zone *a, struct zone *b, size_t *removed, size_t *added)
{
	struct zone_diff d;
	zone_diff_init(&d);
	assert_int_equal(zone_diff_compute(a, b, &d), 0);
	struct zone *c;
	struct buf err;
	buf_init(&err, 0);
	int rc = zone_diff_apply(a, &d, &c, &err);
	if (rc != 0)
		fail_msg("apply: %s", buf_cstr(&err));
	assert_same_zone(c, b);
	if (removed)
		*removed = d.removed.n;
	if (added)
		*added = d.added.n;
	zone_diff_deinit(&d);
	zone_diff_init(&d);
	assert_int_equal(zone_diff_compute(c, a, &d), 0);
	struct zone *back;
	assert_int_equal(zone_diff_apply(c, &d, &back, &err), 0);
	assert_same_zone(back, a);
	zone_diff_deinit(&d);
	buf_deinit(&err);
	zone_unref(back);
	zone_unref(c);
}

static void test_root_snapshots(void **state)
{
	(void)state;
	struct zone *a = load_file("../shared/data/root/root-2022021501.zone", ".");
	struct zone *b = load_file("../shared/data/root/root-2023051100.zone", ".");
	size_t rem, add;
	roundtrip(a, b, &rem, &add);
	print_message("root diff: %zu removed, %zu added\n", rem, add);
	assert_true(rem > 1000 && add > 1000);
	/* a version against itself: empty diff */
	struct zone_diff d;
	zone_diff_init(&d);
	assert_int_equal(zone_diff_compute(b, b, &d), 0);
	assert_int_equal(d.removed.n + d.added.n, 0);
	zone_diff_deinit(&d);
	zone_unref(a);
	zone_unref(b);
}

#define HEAD                                                                                      \
	"$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns1 hm %d 7200 3600 1209600 300\n@ IN NS ns1\n" \
	"ns1 IN A 192.0.2.1\n"

/* The version's text with its SOA serial put in place of "%d". */
static struct zone *loadf(const char *tmpl, int serial)
{
	char text[4096], num[16];
	const char *at = strstr(tmpl, "%d");
	snprintf(num, sizeof(num), "%d", serial);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - tmpl), tmpl, num, at + 2);
	return load_text(text);
}

/* Pairs of versions covering the structural cases. */
static void test_structural_changes(void **state)
{
	(void)state;
	static const char *cases[][2] = {
		/* a delegation appears above existing names: they become occluded/glue */
		{HEAD "a.sub IN A 192.0.2.5\nb.c.sub IN TXT x\n",
			HEAD "sub IN NS ns.sub\na.sub IN A 192.0.2.5\nb.c.sub IN TXT x\n"},
		/* a new deep name needs empty non-terminals; removing it prunes them */
		{HEAD, HEAD "x.y.z IN TXT deep\n"},
		/* a DNAME comes; the name below it is occluded */
		{HEAD "d IN TXT t\nq.d IN A 192.0.2.7\n",
			HEAD "d IN DNAME example.net.\nq.d IN A 192.0.2.7\n"},
		/* the only name under an ENT moves elsewhere under it */
		{HEAD "a.e IN TXT 1\n", HEAD "b.e IN TXT 1\n"},
		/* TTL change, RRs added and removed in one set, a node emptied with
		 * descendants (becomes an ENT) */
		{HEAD "m IN A 192.0.2.1\nm IN A 192.0.2.2\nx.m IN TXT k\n",
			HEAD "m 600 IN AAAA 2001:db8::1\nx.m IN TXT k\n"},
		/* apex changes, glue changes */
		{HEAD "s IN NS ns.s\nns.s IN A 192.0.2.8\n",
			HEAD
			"@ IN MX 10 mail\ns IN NS ns.s\nns.s IN A 192.0.2.9\nns.s IN AAAA ::1\n"},
		/* a wildcard appears */
		{HEAD, HEAD "*.w IN A 192.0.2.1\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct zone *a = loadf(cases[i][0], 1);
		struct zone *b = loadf(cases[i][1], 2);
		roundtrip(a, b, NULL, NULL);
		zone_unref(a);
		zone_unref(b);
	}
}

static void test_apply_errors(void **state)
{
	(void)state;
	struct zone *a = loadf(HEAD, 1);
	uint8_t www[] = "\x03www\x07"
			"example\x03"
			"com";
	uint8_t apex[] = "\x07"
			 "example\x03"
			 "com";
	const uint8_t ip[] = {192, 0, 2, 1};
	struct buf err;
	struct zone *c = NULL;
	struct zone_diff d;
	buf_init(&err, 0);
	zone_diff_init(&d);
	assert_int_equal(zone_diff_add(&d, true, www, KNOT_RRTYPE_A, 0, 300, ip, 4), 0);
	assert_int_equal(zone_diff_apply(a, &d, &c, &err), ERR_DIFF);
	assert_non_null(strstr(buf_cstr(&err), "www.example.com. A: removed by the diff but not"));
	zone_diff_deinit(&d);

	buf_clear(&err);
	zone_diff_init(&d);
	uint8_t ns1[] = "\x03ns1\x07"
			"example\x03"
			"com";
	assert_int_equal(zone_diff_add(&d, false, ns1, KNOT_RRTYPE_A, 0, 300, ip, 4), 0);
	assert_int_equal(zone_diff_apply(a, &d, &c, &err), ERR_DIFF);
	assert_non_null(strstr(buf_cstr(&err), "already in the zone"));
	zone_diff_deinit(&d);

	buf_clear(&err);
	zone_diff_init(&d);
	const struct rrset *soa = zone_find_rrset(a, apex, KNOT_RRTYPE_SOA, 0);
	uint32_t pos = 0;
	const uint8_t *sd;
	uint16_t sl;
	rrset_next_rdata(soa, &pos, &sd, &sl);
	assert_int_equal(zone_diff_add(&d, true, apex, KNOT_RRTYPE_SOA, 0, 300, sd, sl), 0);
	assert_int_equal(zone_diff_apply(a, &d, &c, &err), ERR_DIFF);
	assert_non_null(strstr(buf_cstr(&err), "no SOA"));
	zone_diff_deinit(&d);

	buf_clear(&err);
	zone_diff_init(&d);
	uint8_t out[] = "\x03www\x07"
			"example\x03"
			"net";
	assert_int_equal(zone_diff_add(&d, false, out, KNOT_RRTYPE_A, 0, 300, ip, 4), 0);
	assert_int_equal(zone_diff_apply(a, &d, &c, &err), ERR_DIFF);
	assert_non_null(strstr(buf_cstr(&err), "outside the zone"));
	zone_diff_deinit(&d);
	assert_null(c);

	/* a diff may not make what a zone load refuses */
	uint8_t cname[] = "\x01"
			  "c\x07"
			  "example\x03"
			  "com";
	const uint8_t soa_rd[] = "\x03ns1\x00\x02hm\x00\x00\x00\x00\x01\x00\x00\x00\x02"
				 "\x00\x00\x00\x03\x00\x00\x00\x04\x00\x00\x00\x05";
	const uint8_t ns_rd[] = "\x03ns1\x07"
				"example\x03"
				"com";
	struct {
		bool removed;
		const uint8_t *owner;
		uint16_t type;
		const uint8_t *rd;
		uint16_t len;
		const char *want;
	} bad[] = {
		{false, ns1, KNOT_RRTYPE_CNAME, cname, sizeof(cname),
			"CNAME beside other data (A)"},
		{false, www, KNOT_RRTYPE_SOA, soa_rd, sizeof(soa_rd) - 1, "SOA is not at the apex"},
		{true, apex, KNOT_RRTYPE_NS, ns_rd, sizeof(ns_rd), "no NS records at the apex"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_clear(&err);
		zone_diff_init(&d);
		assert_int_equal(zone_diff_add(&d, bad[i].removed, bad[i].owner, bad[i].type, 0,
					 300, bad[i].rd, bad[i].len),
			0);
		assert_int_equal(zone_diff_apply(a, &d, &c, &err), ERR_DIFF);
		if (!strstr(buf_cstr(&err), bad[i].want))
			fail_msg("wanted '%s', got '%s'", bad[i].want, buf_cstr(&err));
		zone_diff_deinit(&d);
	}
	assert_null(c);

	/* versions of different zones cannot be compared */
	struct zone *other;
	struct zone_msgs m;
	struct zone_read_opts o = {.origin = "example.org."};
	const char *t = "@ 300 IN SOA ns1 hm 1 2 3 4 5\n@ 300 IN NS ns1\n";
	zone_msgs_init(&m);
	assert_int_equal(zone_read_mem(t, strlen(t), "o", &o, &m, &other), 0);
	zone_msgs_deinit(&m);
	zone_diff_init(&d);
	assert_int_equal(zone_diff_compute(a, other, &d), ERR_INVAL);
	zone_diff_deinit(&d);
	zone_unref(other);
	buf_deinit(&err);
	zone_unref(a);
}

/* A one-name change to a large version shares almost everything, and the
 * diff of the two finds just that change. */
static void test_sharing(void **state)
{
	(void)state;
	struct zone *a = load_file("../shared/data/root/root-2023051100.zone", ".");
	uint8_t name[] = "\x04zzzz";
	const uint8_t txt[] = "\x05hello";
	struct zone_diff d;
	zone_diff_init(&d);
	assert_int_equal(zone_diff_add(&d, false, name, KNOT_RRTYPE_TXT, 0, 60, txt, 6), 0);
	struct zone *b;
	assert_int_equal(zone_diff_apply(a, &d, &b, NULL), 0);
	zone_diff_deinit(&d);
	assert_int_equal(b->nodes, a->nodes + 1);
	assert_int_equal(b->rrs, a->rrs + 1);
	zone_diff_init(&d);
	assert_int_equal(zone_diff_compute(a, b, &d), 0);
	assert_int_equal(d.removed.n, 0);
	assert_int_equal(d.added.n, 1);
	assert_int_equal(d.added.v[0].type, KNOT_RRTYPE_TXT);
	zone_diff_deinit(&d);
	zone_unref(a); /* b must stay whole without a */
	size_t count;
	assert_int_equal(tree_check(b->tree, &count), 0);
	assert_int_equal(count, b->nodes);
	zone_unref(b);
}

/* One large RRset: one RR less, then every TTL changed. Each is found and
 * applied in time linear in the set (a scan per RR would take minutes). */
static void test_large_rrset(void **state)
{
	(void)state;
	struct buf a, b, c;
	buf_init(&a, 0);
	buf_init(&b, 0);
	buf_init(&c, 0);
#define LARGE_HEAD "$ORIGIN example.com.\n@ 300 SOA ns1 hm %d 2 3 4 5\n@ 300 NS ns1\n"
	buf_printf(&a, LARGE_HEAD, 1);
	buf_printf(&b, LARGE_HEAD, 2);
	buf_printf(&c, LARGE_HEAD, 3);
	for (int i = 0; i < 20000; i++) {
		buf_printf(&a, "big 300 TXT \"r%d\"\nmx 300 MX 10 M%d.Example.\n", i, i);
		if (i != 12345)
			buf_printf(&b, "big 300 TXT \"r%d\"\nmx 300 MX 10 m%d.example.\n", i, i);
		buf_printf(&c, "big 600 TXT \"r%d\"\nmx 300 MX 10 M%d.Example.\n", i, i);
	}
	struct zone *za = load_text(buf_cstr(&a)), *zb = load_text(buf_cstr(&b));
	struct zone *zc = load_text(buf_cstr(&c));
	struct zone_diff d;
	zone_diff_init(&d);
	assert_int_equal(zone_diff_compute(za, zb, &d), 0);
	/* the SOA, the TXT and the MX gone; names differing in case only are equal */
	assert_int_equal(d.removed.n, 3);
	assert_int_equal(d.added.n, 1);
	zone_diff_deinit(&d);
	size_t rem, add;
	roundtrip(za, zc, &rem, &add);
	assert_int_equal(rem, 20001);
	assert_int_equal(add, 20001);
	zone_unref(za);
	zone_unref(zb);
	zone_unref(zc);
	buf_deinit(&a);
	buf_deinit(&b);
	buf_deinit(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_snapshots),
		cmocka_unit_test(test_structural_changes),
		cmocka_unit_test(test_apply_errors),
		cmocka_unit_test(test_sharing),
		cmocka_unit_test(test_large_rrset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
