/* Unit tests for zone_diff_condense: chains of diffs between real versions
 * must condense to exactly the diff between the chain's ends, and hand-made
 * diffs check the rules one by one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
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

static void assert_same_list(const struct zone_diff_list *a, const struct zone_diff_list *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct zone_diff_rr *x = &a->v[i], *y = &b->v[i];
		char name[KNOT_DNAME_TXT_MAXLEN + 1];
		knot_dname_to_str(name, x->owner, sizeof(name));
		if (!knot_dname_is_case_equal(x->owner, y->owner) || x->type != y->type ||
			x->covers != y->covers || x->ttl != y->ttl || x->len != y->len ||
			memcmp(x->rdata, y->rdata, x->len) != 0)
			fail_msg("RR %zu differs (%s type %u)", i, name, x->type);
	}
}

static void assert_same_diff(const struct zone_diff *a, const struct zone_diff *b)
{
	assert_int_equal(a->old_serial, b->old_serial);
	assert_int_equal(a->new_serial, b->new_serial);
	assert_same_list(&a->removed, &b->removed);
	assert_same_list(&a->added, &b->added);
}

/* The diffs between consecutive zs[0..n), condensed, equal the diff from
 * zs[0] to zs[n-1], and turn the first into the last. */
static void check_chain(struct zone *const *zs, size_t n)
{
	struct zone_diff *d = calloc(n - 1, sizeof(*d));
	const struct zone_diff **dp = calloc(n - 1, sizeof(*dp));
	for (size_t i = 0; i + 1 < n; i++) {
		zone_diff_init(&d[i]);
		assert_int_equal(zone_diff_compute(zs[i], zs[i + 1], &d[i]), 0);
		dp[i] = &d[i];
	}
	struct zone_diff got, want;
	zone_diff_init(&got);
	zone_diff_init(&want);
	assert_int_equal(zone_diff_condense(dp, n - 1, &got), 0);
	assert_int_equal(zone_diff_compute(zs[0], zs[n - 1], &want), 0);
	assert_same_diff(&got, &want);
	struct zone *c;
	struct buf err;
	buf_init(&err, 0);
	if (zone_diff_apply(zs[0], &got, &c, &err) != 0)
		fail_msg("apply: %s", buf_cstr(&err));
	assert_int_equal(c->rrs, zs[n - 1]->rrs);
	assert_int_equal(c->serial, zs[n - 1]->serial);
	zone_unref(c);
	buf_deinit(&err);
	zone_diff_deinit(&got);
	zone_diff_deinit(&want);
	for (size_t i = 0; i + 1 < n; i++)
		zone_diff_deinit(&d[i]);
	free(d);
	free(dp);
}

#define HEAD "$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 hm %d 7200 3600 1209600 300\n@ NS ns1\n"

static struct zone *version(int serial, const char *body)
{
	char text[16384];
	int k = snprintf(text, sizeof(text), HEAD, serial);
	snprintf(text + k, sizeof(text) - (size_t)k, "%s", body);
	return load_text(text);
}

/* Additions undone, removals undone, a TTL changed there and back and
 * changed for good, an RRset replaced twice, a name gone and back. */
static void test_cancellation(void **state)
{
	(void)state;
	struct zone *z[4];
	z[0] = version(1,
		"ns1 A 192.0.2.1\nold A 192.0.2.9\nttl 60 TXT a\nttl2 60 TXT b\n"
		"mx MX 10 m1\nkeep AAAA 2001:db8::1\n");
	z[1] = version(2,
		"ns1 A 192.0.2.1\ntmp A 192.0.2.7\nttl 120 TXT a\nttl2 90 TXT b\n"
		"mx MX 10 m2\nkeep AAAA 2001:db8::1\n");
	z[2] = version(3,
		"ns1 A 192.0.2.1\nttl 60 TXT a\nttl2 90 TXT b\n"
		"mx MX 10 m3\nold A 192.0.2.9\nkeep AAAA 2001:db8::1\nnew A 192.0.2.5\n");
	z[3] = version(4,
		"ns1 A 192.0.2.1\nttl 60 TXT a\nttl2 90 TXT b\nmx MX 10 m3\n"
		"old A 192.0.2.9\nkeep AAAA 2001:db8::1\nnew A 192.0.2.5\n");
	check_chain(z, 4);
	check_chain(z, 3);
	check_chain(z + 1, 3);
	/* what is left of the first three: serials, SOAs, mx, ttl2, new */
	struct zone_diff d[2], out;
	const struct zone_diff *dp[2] = {&d[0], &d[1]};
	for (int i = 0; i < 2; i++) {
		zone_diff_init(&d[i]);
		assert_int_equal(zone_diff_compute(z[i], z[i + 1], &d[i]), 0);
	}
	zone_diff_init(&out);
	assert_int_equal(zone_diff_condense(dp, 2, &out), 0);
	assert_int_equal(out.old_serial, 1);
	assert_int_equal(out.new_serial, 3);
	assert_int_equal(out.removed.n, 3); /* SOA 1, MX m1, TXT b TTL 60 */
	assert_int_equal(out.added.n, 4);   /* SOA 3, MX m3, TXT b TTL 90, new A */
	/* the SOAs: the first diff's old one, the last diff's new one */
	assert_int_equal(out.removed.v[0].type, 6);
	assert_memory_equal(out.removed.v[0].rdata, d[0].removed.v[0].rdata, out.removed.v[0].len);
	size_t soa = 0;
	while (d[1].added.v[soa].type != 6)
		soa++;
	assert_int_equal(out.added.v[0].type, 6);
	assert_memory_equal(out.added.v[0].rdata, d[1].added.v[soa].rdata, out.added.v[0].len);
	for (size_t i = 0; i < out.added.n; i++)
		if (out.added.v[i].type == 16)
			assert_int_equal(out.added.v[i].ttl, 90);
	zone_diff_deinit(&out);
	for (int i = 0; i < 2; i++)
		zone_diff_deinit(&d[i]);
	for (int i = 0; i < 4; i++)
		zone_unref(z[i]);
}

static const uint8_t EX[] = "\x07"
			    "example\x03"
			    "com";
static const uint8_t FOO[] = "\x03"
			     "Foo\x07"
			     "example\x03"
			     "com";
static const uint8_t FOO_LC[] = "\x03"
				"foo\x07"
				"example\x03"
				"com";
static const uint8_t NS_UC[] = "\x03"
			       "NS1\x07"
			       "example\x03"
			       "com";
static const uint8_t NS_LC[] = "\x03"
			       "ns1\x07"
			       "example\x03"
			       "com";
static const uint8_t A1[4] = {192, 0, 2, 1};

static void soa_rdata(uint8_t *rd, uint32_t serial)
{
	memset(rd, 0, 22);
	rd[2] = (uint8_t)(serial >> 24);
	rd[3] = (uint8_t)(serial >> 16);
	rd[4] = (uint8_t)(serial >> 8);
	rd[5] = (uint8_t)serial;
}

/* A hand-made diff old -> new with the SOA change. */
static void mk(struct zone_diff *d, uint32_t old, uint32_t new)
{
	uint8_t rd[22];
	zone_diff_init(d);
	d->old_serial = old;
	d->new_serial = new;
	soa_rdata(rd, old);
	assert_int_equal(zone_diff_add(d, true, EX, 6, 0, 300, rd, 22), 0);
	soa_rdata(rd, new);
	assert_int_equal(zone_diff_add(d, false, EX, 6, 0, 300, rd, 22), 0);
}

static int condense2(struct zone_diff *a, struct zone_diff *b, struct zone_diff *out)
{
	const struct zone_diff *dp[2] = {a, b};
	zone_diff_init(out);
	return zone_diff_condense(dp, 2, out);
}

/* Owners compare without case, names in RDATA in canonical form. */
static void test_case(void **state)
{
	(void)state;
	struct zone_diff a, b, out;
	mk(&a, 1, 2);
	mk(&b, 2, 3);
	assert_int_equal(zone_diff_add(&a, true, FOO, 1, 0, 300, A1, 4), 0);
	assert_int_equal(zone_diff_add(&b, false, FOO_LC, 1, 0, 300, A1, 4), 0);
	assert_int_equal(zone_diff_add(&a, false, EX, 2, 0, 300, NS_UC, sizeof(NS_UC)), 0);
	assert_int_equal(zone_diff_add(&b, true, EX, 2, 0, 300, NS_LC, sizeof(NS_LC)), 0);
	/* a TTL differs: not the same RR */
	assert_int_equal(zone_diff_add(&a, false, FOO, 1, 0, 60, A1, 4), 0);
	assert_int_equal(zone_diff_add(&b, true, FOO, 1, 0, 61, A1, 4), 0);
	assert_int_equal(condense2(&a, &b, &out), 0);
	assert_int_equal(out.removed.n, 2); /* SOA 1, FOO TTL 61 */
	assert_int_equal(out.added.n, 2);   /* SOA 3, FOO TTL 60 */
	assert_int_equal(out.removed.v[1].ttl, 61);
	assert_int_equal(out.added.v[1].ttl, 60);
	assert_memory_equal(out.added.v[1].owner, FOO, sizeof(FOO));
	zone_diff_deinit(&out);
	/* a chain that ends where it began leaves nothing, SOA included */
	struct zone_diff back;
	zone_diff_init(&back);
	back.old_serial = 2;
	back.new_serial = 1;
	for (size_t i = 0; i < a.added.n; i++) {
		const struct zone_diff_rr *r = &a.added.v[i];
		assert_int_equal(zone_diff_add(&back, true, r->owner, r->type, r->covers, r->ttl,
					 r->rdata, r->len),
			0);
	}
	for (size_t i = 0; i < a.removed.n; i++) {
		const struct zone_diff_rr *r = &a.removed.v[i];
		assert_int_equal(zone_diff_add(&back, false, r->owner, r->type, r->covers, r->ttl,
					 r->rdata, r->len),
			0);
	}
	assert_int_equal(condense2(&a, &back, &out), 0);
	assert_int_equal(out.removed.n + out.added.n, 0);
	assert_int_equal(out.old_serial, 1);
	assert_int_equal(out.new_serial, 1);
	zone_diff_deinit(&out);
	zone_diff_deinit(&back);
	zone_diff_deinit(&a);
	zone_diff_deinit(&b);
}

static void test_errors(void **state)
{
	(void)state;
	struct zone_diff a, b, out;
	mk(&a, 1, 2);
	mk(&b, 3, 4); /* does not follow a */
	assert_int_equal(condense2(&a, &b, &out), ERR_DIFF);
	zone_diff_deinit(&out);
	zone_diff_deinit(&b);
	zone_diff_deinit(&a);
	zone_diff_init(&out);
	assert_int_equal(zone_diff_condense(NULL, 0, &out), ERR_INVAL);
	zone_diff_deinit(&out);
	/* added twice: the second diff does not apply after the first */
	mk(&a, 1, 2);
	mk(&b, 2, 3);
	assert_int_equal(zone_diff_add(&a, false, FOO, 1, 0, 300, A1, 4), 0);
	assert_int_equal(zone_diff_add(&b, false, FOO_LC, 1, 0, 300, A1, 4), 0);
	assert_int_equal(condense2(&a, &b, &out), ERR_DIFF);
	zone_diff_deinit(&out);
	zone_diff_deinit(&b);
	zone_diff_deinit(&a);
	/* removed twice */
	mk(&a, 1, 2);
	mk(&b, 2, 3);
	assert_int_equal(zone_diff_add(&a, true, EX, 2, 0, 300, NS_LC, sizeof(NS_LC)), 0);
	assert_int_equal(zone_diff_add(&b, true, EX, 2, 0, 300, NS_UC, sizeof(NS_UC)), 0);
	assert_int_equal(condense2(&a, &b, &out), ERR_DIFF);
	zone_diff_deinit(&out);
	zone_diff_deinit(&b);
	zone_diff_deinit(&a);
	/* the same, each diff consistent alone: fine */
	mk(&a, 1, 2);
	mk(&b, 2, 3);
	assert_int_equal(zone_diff_add(&a, true, EX, 2, 0, 300, NS_LC, sizeof(NS_LC)), 0);
	assert_int_equal(zone_diff_add(&b, false, EX, 2, 0, 300, NS_UC, sizeof(NS_UC)), 0);
	assert_int_equal(condense2(&a, &b, &out), 0);
	assert_int_equal(out.removed.n + out.added.n, 2); /* only the SOAs */
	zone_diff_deinit(&out);
	zone_diff_deinit(&b);
	zone_diff_deinit(&a);
}

/* One diff: a copy, in its own order, owning its own RRs. */
static void test_single(void **state)
{
	(void)state;
	struct zone_diff a, out;
	mk(&a, 7, 8);
	assert_int_equal(zone_diff_add(&a, false, FOO, 1, 0, 300, A1, 4), 0);
	assert_int_equal(zone_diff_add(&a, false, EX, 2, 0, 300, NS_UC, sizeof(NS_UC)), 0);
	const struct zone_diff *dp[1] = {&a};
	zone_diff_init(&out);
	assert_int_equal(zone_diff_condense(dp, 1, &out), 0);
	assert_same_diff(&out, &a);
	assert_ptr_not_equal(out.added.v[1].owner, a.added.v[1].owner);
	zone_diff_deinit(&a);
	assert_int_equal(out.added.v[1].type, 1);
	assert_memory_equal(out.added.v[1].owner, FOO, sizeof(FOO));
	zone_diff_deinit(&out);
}

/* A long chain of random changes over a set of candidate RRs. */
static void test_many(void **state)
{
	(void)state;
	enum { RRS = 120, VERSIONS = 40 };
	unsigned rnd = 12345;
	bool on[RRS];
	int ttl[RRS];
	struct zone *z[VERSIONS];
	for (int i = 0; i < RRS; i++) {
		on[i] = i % 2;
		ttl[i] = 300;
	}
	for (int v = 0; v < VERSIONS; v++) {
		char body[RRS * 48] = "";
		size_t k = 0;
		for (int i = 0; i < RRS; i++)
			if (on[i])
				k += (size_t)snprintf(body + k, sizeof(body) - k,
					"n%d %d TXT \"%d\"\nn%d %d A 192.0.2.%d\n", i % 30,
					ttl[i % 30], i, i % 30, ttl[i % 30], i);
		z[v] = version(v + 1, body);
		for (int c = 0; c < 8; c++) {
			rnd = rnd * 1103515245u + 12345u;
			int i = (int)((rnd >> 8) % RRS);
			if ((rnd >> 20) % 5 == 0)
				ttl[i % 30] = ttl[i % 30] == 300 ? 600 : 300;
			else
				on[i] = !on[i];
		}
	}
	check_chain(z, VERSIONS);
	for (int s = 0; s + 5 < VERSIONS; s += 7)
		check_chain(z + s, 5);
	for (int v = 0; v < VERSIONS; v++)
		zone_unref(z[v]);
}

/* Large diffs: the root zone a -> b -> a -> b condenses to a -> b, and
 * a -> b -> a to nothing. Quadratic work would not finish here. */
static void test_root(void **state)
{
	(void)state;
	struct zone *a = load_file("../shared/data/root/root-2022021501.zone", ".");
	struct zone *b = load_file("../shared/data/root/root-2023051100.zone", ".");
	struct zone *z[4] = {a, b, a, b};
	check_chain(z, 4);
	struct zone_diff ab, ba, out;
	zone_diff_init(&ab);
	zone_diff_init(&ba);
	assert_int_equal(zone_diff_compute(a, b, &ab), 0);
	assert_int_equal(zone_diff_compute(b, a, &ba), 0);
	assert_true(ab.removed.n > 1000 && ab.added.n > 1000);
	assert_int_equal(condense2(&ab, &ba, &out), 0);
	assert_int_equal(out.removed.n + out.added.n, 0);
	zone_diff_deinit(&out);
	zone_diff_deinit(&ab);
	zone_diff_deinit(&ba);
	zone_unref(a);
	zone_unref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cancellation),
		cmocka_unit_test(test_case),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
