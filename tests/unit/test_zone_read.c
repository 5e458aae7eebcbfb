/* Unit tests for lib/zone/zone_read, zone_build, zone and zone_write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "lib/util/err.h"
#include "lib/zone/zone_read.h"
#include "lib/zone/zone_write.h"

static const char *HEAD = "$ORIGIN example.com.\n$TTL 300\n"
			  "@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
			  "@ IN NS ns1\n"
			  "ns1 IN A 192.0.2.1\n";

/* Reads HEAD + body; returns the status and keeps messages in *msgs. */
static int read_text(const char *body, struct zone_msgs *msgs, struct zone **z, bool head)
{
	char text[8192];
	snprintf(text, sizeof(text), "%s%s", head ? HEAD : "", body);
	struct zone_read_opts o = {.origin = "example.com."};
	zone_msgs_init(msgs);
	return zone_read_mem(text, strlen(text), "t.zone", &o, msgs, z);
}

/* Expects the load to fail with a message containing want. */
static void expect_error(const char *body, bool head, const char *want)
{
	struct zone_msgs m;
	struct zone *z = NULL;
	int rc = read_text(body, &m, &z, head);
	const char *t = buf_cstr(&m.text);
	if (rc == 0 || !strstr(t, want))
		fail_msg("wanted an error with '%s', got rc %d and:\n%s", want, rc, t);
	assert_null(z);
	zone_msgs_deinit(&m);
}

static struct zone *expect_ok(const char *body, unsigned warnings)
{
	struct zone_msgs m;
	struct zone *z = NULL;
	int rc = read_text(body, &m, &z, true);
	if (rc != 0 || m.warnings != warnings)
		fail_msg("rc %d, %u warnings:\n%s", rc, m.warnings, buf_cstr(&m.text));
	zone_msgs_deinit(&m);
	return z;
}

static uint8_t *nm(const char *s, uint8_t *buf)
{
	assert_non_null(knot_dname_from_str(buf, s, 256));
	return buf;
}

static void test_rule_errors(void **state)
{
	(void)state;
	expect_error("$ORIGIN example.com.\n@ 300 IN NS ns1\n", false,
		"t.zone:2: error: example.com.: no SOA record at the apex");
	expect_error("@ IN SOA ns2 hostmaster 2 7200 3600 1209600 300\n", true,
		"t.zone:6: error: example.com.: more than one SOA record");
	expect_error("www IN SOA ns2 hostmaster 2 7200 3600 1209600 300\n", true,
		"t.zone:6: error: www.example.com.: SOA is not at the apex");
	expect_error("www.example.net. IN A 192.0.2.9\n", true,
		"t.zone:6: error: www.example.net.: outside the zone");
	expect_error("www IN CNAME x\nwww IN A 192.0.2.9\n", true,
		"t.zone:7: error: www.example.com.: CNAME beside other data (A)");
	expect_error("www IN CNAME x\nwww IN CNAME y\n", true, "more than one CNAME");
	expect_error("d IN DNAME x\nd IN DNAME y\n", true, "more than one DNAME");
	expect_error("www CH A 192.0.2.9\n", true, "t.zone:6: error:");
	expect_error("www CLASS3 TYPE1 \\# 4 c0000201\n", true, "t.zone:6: error:");
	expect_error("$ORIGIN example.com.\n@ 300 IN SOA ns1 hm 1 2 3 4 5\nx 300 IN A 1.2.3.4\n",
		false, "example.com.: no NS records at the apex");
	expect_error("www IN A 192.0.2\nok IN A 192.0.2.2\nbad IN AAAA zz\n", true,
		"t.zone:6: error: invalid IPv4 address");
	expect_error(
		"www IN A 192.0.2\nok IN A 192.0.2.2\nbad IN AAAA zz\n", true, "t.zone:8: error:");
	/* CNAME beside RRSIG and NSEC is allowed (RFC 4035 §2.5) */
	struct zone *z = expect_ok("c IN CNAME x\nc IN NSEC d A\n", 0);
	zone_unref(z);
}

/* RFC 1035 §5.1: without $TTL a record takes the last TTL stated; before
 * any, the SOA takes its MINIMUM (as BIND does) and passes it on. */
static void test_ttl_defaults(void **state)
{
	(void)state;
	const char *text = "$ORIGIN example.com.\n@ SOA ns1 hm 1 2 3 4 77\n@ NS ns1\n"
			   "a 500 A 192.0.2.1\nb A 192.0.2.2\n$TTL 900\nc A 192.0.2.3\n"
			   "d 20 A 192.0.2.4\ne A 192.0.2.5\n";
	struct zone_read_opts o = {.origin = "example.com."};
	struct zone_msgs m;
	struct zone *z;
	zone_msgs_init(&m);
	assert_int_equal(zone_read_mem(text, strlen(text), "t.zone", &o, &m, &z), 0);
	zone_msgs_deinit(&m);
	static const struct {
		const char *name;
		uint16_t type;
		uint32_t ttl;
	} want[] = {
		{"example.com.", KNOT_RRTYPE_SOA, 77},
		{"example.com.", KNOT_RRTYPE_NS, 77},
		{"a.example.com.", KNOT_RRTYPE_A, 500},
		{"b.example.com.", KNOT_RRTYPE_A, 500},
		{"c.example.com.", KNOT_RRTYPE_A, 900},
		{"d.example.com.", KNOT_RRTYPE_A, 20},
		{"e.example.com.", KNOT_RRTYPE_A, 900},
	};
	uint8_t w[256];
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct rrset *r = zone_find_rrset(z, nm(want[i].name, w), want[i].type, 0);
		assert_non_null(r);
		assert_int_equal(r->ttl, want[i].ttl);
	}
	zone_unref(z);
}

/* A file whose last line has no line break, and one that is empty. */
static void test_file_edges(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/zone_edge_XXXXXX";
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	const char *text = "$ORIGIN .\n@ 3600 SOA ns.x. h.x. 1 2 3 4 5\n@ 3600 NS ns.x.\n@ A \\";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct zone_read_opts o = {.origin = "."};
	struct zone_msgs m;
	struct zone *z;
	zone_msgs_init(&m);
	assert_int_equal(zone_read_file(tmpl, &o, &m, &z), ERR_SYNTAX);
	assert_non_null(strstr(buf_cstr(&m.text), ":4: error:"));
	zone_msgs_deinit(&m);
	assert_int_equal(truncate(tmpl, 0), 0);
	zone_msgs_init(&m);
	assert_true(zone_read_file(tmpl, &o, &m, &z) < 0);
	assert_non_null(strstr(buf_cstr(&m.text), "no SOA record at the apex"));
	zone_msgs_deinit(&m);
	unlink(tmpl);
}

static void test_origin_errors(void **state)
{
	(void)state;
	struct zone_msgs m;
	struct zone *z;
	struct zone_read_opts o = {.origin = "bad..name"};
	zone_msgs_init(&m);
	assert_int_equal(zone_read_mem("", 0, "t.zone", &o, &m, &z), ERR_INVAL);
	assert_non_null(strstr(buf_cstr(&m.text), "invalid origin"));
	zone_msgs_deinit(&m);
	zone_msgs_init(&m);
	o.origin = "example.com.";
	assert_true(zone_read_file("/nonexistent/zone", &o, &m, &z) < 0);
	assert_non_null(strstr(buf_cstr(&m.text), "/nonexistent/zone: error: cannot read"));
	zone_msgs_deinit(&m);
}

static void test_limits(void **state)
{
	(void)state;
	struct zone_msgs m;
	struct zone *z;
	struct zone_read_opts o = {.origin = "example.com.", .max_rrs = 4};
	char text[1024];
	snprintf(text, sizeof(text), "%sa IN A 192.0.2.3\nb IN A 192.0.2.4\n", HEAD);
	zone_msgs_init(&m);
	assert_int_equal(zone_read_mem(text, strlen(text), "t.zone", &o, &m, &z), ERR_LIMIT);
	assert_non_null(strstr(buf_cstr(&m.text), "t.zone:7: error: more than 4 RRs"));
	zone_msgs_deinit(&m);
	/* many errors: the load stops after the cap and says so by count */
	struct buf b;
	buf_init(&b, 0);
	buf_append_str(&b, HEAD);
	for (int i = 0; i < 300; i++)
		buf_printf(&b, "x%d IN A 1.2.3\n", i);
	o.max_rrs = 0;
	zone_msgs_init(&m);
	assert_true(zone_read_mem((const char *)b.data, b.len, "t.zone", &o, &m, &z) < 0);
	assert_true(m.errors > LIMIT_ZONE_FILE_ERRORS && m.errors < 300);
	zone_msgs_deinit(&m);
	/* RDATA over 65535 octets, a name over 255, a label over 63 */
	buf_clear(&b);
	buf_append_str(&b, HEAD);
	buf_append_str(&b, "big TXT");
	for (int i = 0; i < 300; i++)
		buf_printf(&b, " \"%0250d\"", i);
	buf_append_str(&b, "\n");
	for (int i = 0; i < 30; i++)
		buf_append_str(&b, "abcdefghij.");
	buf_append_str(&b, " A 192.0.2.1\n");
	buf_printf(&b, "%070d A 192.0.2.1\n", 7);
	zone_msgs_init(&m);
	assert_int_equal(
		zone_read_mem((const char *)b.data, b.len, "t.zone", &o, &m, &z), ERR_SYNTAX);
	const char *t = buf_cstr(&m.text);
	assert_non_null(strstr(t, "t.zone:6: error: text is too long"));
	assert_non_null(strstr(t, "t.zone:7: error: maximal domain name length"));
	assert_non_null(strstr(t, "t.zone:8: error: maximal domain name label length"));
	zone_msgs_deinit(&m);
	buf_deinit(&b);
}

static void test_warnings_dups_ttl_unknown(void **state)
{
	(void)state;
	struct zone *z = expect_ok("www 60 IN A 192.0.2.7\nwww 30 IN A 192.0.2.8\n"
				   "www IN A 192.0.2.7\n"
				   "u IN TYPE65280 \\# 3 abcdef\n",
		2);
	uint8_t www[] = "\x03www\x07"
			"example\x03"
			"com";
	const struct rrset *a = zone_find_rrset(z, www, KNOT_RRTYPE_A, 0);
	assert_non_null(a);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->ttl, 30);
	uint8_t u[] = "\x01u\x07"
		      "example\x03"
		      "com";
	const struct rrset *r = zone_find_rrset(z, u, 65280, 0);
	assert_non_null(r);
	assert_int_equal(r->size, 2 + 3 + 1);
	assert_int_equal(z->serial, 1);
	assert_int_equal(z->rrs, 3 + 2 + 1);
	zone_unref(z);
}

static void test_structure_flags_lookups(void **state)
{
	(void)state;
	/* out of order on purpose: the reader sorts and merges */
	struct zone *z = expect_ok("sub IN NS ns.sub\n"
				   "ns.sub IN A 192.0.2.53\n"
				   "deep.below.sub IN TXT occluded\n"
				   "a.b.c IN TXT ent-parents\n"
				   "*.w IN TXT wild\n"
				   "dn IN DNAME example.net.\n"
				   "x.dn IN A 192.0.2.99\n"
				   "ns1 IN AAAA 2001:db8::1\n",
		0);
	uint8_t b[256];
	struct node *n;
	assert_int_equal(zone_apex_node(z)->flags, NODE_APEX);
	n = zone_find(z, nm("sub.example.com.", b));
	assert_int_equal(n->flags, NODE_DELEG);
	n = zone_find(z, nm("ns.sub.example.com.", b));
	assert_int_equal(n->flags, NODE_OCCLUDED | NODE_GLUE);
	n = zone_find(z, nm("below.sub.example.com.", b));
	assert_int_equal(n->flags, NODE_OCCLUDED | NODE_ENT);
	assert_int_equal(zone_find(z, nm("deep.below.sub.example.com.", b))->flags, NODE_OCCLUDED);
	assert_int_equal(zone_find(z, nm("b.c.example.com.", b))->flags, NODE_ENT);
	assert_int_equal(zone_find(z, nm("c.example.com.", b))->flags, NODE_ENT);
	assert_int_equal(zone_find(z, nm("*.w.example.com.", b))->flags, NODE_WILDCARD);
	assert_int_equal(zone_find(z, nm("dn.example.com.", b))->flags, NODE_DNAME);
	assert_int_equal(zone_find(z, nm("x.dn.example.com.", b))->flags, NODE_OCCLUDED);
	/* ns1 has A (from HEAD) and AAAA merged into one node */
	n = zone_find(z, nm("ns1.example.com.", b));
	assert_int_equal(node_rr_count(n), 2);
	/* closest encloser and delegation lookups */
	n = zone_closest_encloser(z, nm("q.a.b.c.example.com.", b));
	assert_memory_equal(node_owner(n),
		"\x01"
		"a\x01"
		"b",
		4);
	n = zone_closest_encloser(z, nm("nothere.example.com.", b));
	assert_true(n->flags & NODE_APEX);
	assert_null(zone_closest_encloser(z, nm("example.net.", b)));
	n = zone_find_delegation(z, nm("x.y.below.sub.example.com.", b));
	assert_memory_equal(node_owner(n), "\x03sub", 4);
	assert_non_null(zone_find_delegation(z, nm("sub.example.com.", b)));
	assert_null(zone_find_delegation(z, nm("dn.example.com.", b)));
	assert_non_null(zone_find_delegation(z, nm("x.dn.example.com.", b)));
	assert_null(zone_find_delegation(z, nm("a.b.c.example.com.", b)));
	assert_null(zone_find_delegation(z, nm("example.org.", b)));
	assert_true(zone_contains(z, nm("zz.example.com.", b)));
	assert_false(zone_contains(z, nm("com.", b)));
	size_t count;
	assert_int_equal(tree_check(z->tree, &count), 0);
	assert_int_equal(count, z->nodes);
	zone_unref(z);
}

static const char *data_path(const char *rel, char *buf, size_t size)
{
	const char *src = getenv("SRCDIR");
	snprintf(buf, size, "%s/%s", src ? src : ".", rel);
	return buf;
}

static void test_includes(void **state)
{
	(void)state;
	char path[4096];
	struct zone_msgs m;
	struct zone *z;
	struct zone_read_opts o = {.origin = "example.com."};
	zone_msgs_init(&m);
	int rc = zone_read_file(
		data_path("tests/data/zones/inc/main.zone", path, sizeof(path)), &o, &m, &z);
	if (rc != 0)
		fail_msg("%s", buf_cstr(&m.text));
	zone_msgs_deinit(&m);
	uint8_t b[256];
	assert_non_null(zone_find(z, nm("www.example.com.", b)));
	assert_non_null(zone_find(z, nm("deep.example.com.", b)));
	assert_non_null(zone_find(z, nm("www.other.example.com.", b)));
	assert_non_null(zone_find(z, nm("deep.other.example.com.", b)));
	assert_non_null(zone_find(z, nm("after.example.com.", b)));
	zone_unref(z);

	zone_msgs_init(&m);
	rc = zone_read_file(
		data_path("tests/data/zones/inc/loop.zone", path, sizeof(path)), &o, &m, &z);
	assert_int_equal(rc, ERR_LIMIT);
	assert_non_null(
		strstr(buf_cstr(&m.text), "loop-inner.zone:2: error: $INCLUDE nested more"));
	zone_msgs_deinit(&m);

	zone_msgs_init(&m);
	rc = zone_read_file(
		data_path("tests/data/zones/inc/missing.zone", path, sizeof(path)), &o, &m, &z);
	assert_true(rc < 0);
	assert_non_null(strstr(buf_cstr(&m.text), "missing.zone:4: error: $INCLUDE"));
	zone_msgs_deinit(&m);
}

static void test_write_and_reread(void **state)
{
	(void)state;
	struct zone *z = expect_ok("sub IN NS ns.sub\nns.sub IN A 192.0.2.53\n"
				   "Mixed.Case IN MX 10 Mail.Example.com.\n"
				   "t IN TXT \"a b\" \"c\\\"d\"\n"
				   "u IN TYPE65280 \\# 3 abcdef\n",
		0);
	char tmpl[] = "/tmp/zone_write_XXXXXX";
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(zone_write_file(z, tmpl), 0);
	struct zone_msgs m;
	struct zone *z2;
	struct zone_read_opts o = {.origin = "example.com."};
	zone_msgs_init(&m);
	assert_int_equal(zone_read_file(tmpl, &o, &m, &z2), 0);
	zone_msgs_deinit(&m);
	assert_int_equal(z2->rrs, z->rrs);
	assert_int_equal(z2->nodes, z->nodes);
	struct tree_iter i1, i2;
	struct node *a = tree_iter_first(&i1, z->tree), *b = tree_iter_first(&i2, z2->tree);
	for (; a && b; a = tree_iter_next(&i1), b = tree_iter_next(&i2)) {
		assert_int_equal(a->size, b->size);
		assert_memory_equal(a->data, b->data, a->size); /* key, owner case, RRsets */
		assert_int_equal(a->flags, b->flags);
	}
	assert_null(a);
	assert_null(b);
	unlink(tmpl);
	assert_true(zone_write_file(z, "/nonexistent/dir/zone") < 0);
	zone_unref(z2);
	zone_unref(z);
}

/* Reads the zone text in b (freed here), failing the test with the messages
 * when it does not load; the tree must be in order. *count is the number of
 * nodes the walk found. */
static struct zone *read_buf_checked(struct buf *b, size_t *count)
{
	struct zone_read_opts o = {.origin = "example.com."};
	struct zone_msgs m;
	struct zone *z = NULL;
	zone_msgs_init(&m);
	int rc = zone_read_mem((const char *)b->data, b->len, "t.zone", &o, &m, &z);
	if (rc != 0)
		fail_msg("%s", buf_cstr(&m.text));
	zone_msgs_deinit(&m);
	buf_deinit(b);
	assert_int_equal(tree_check(z->tree, count), 0);
	return z;
}

/* Many names in scrambled order, some split over two places in the file,
 * some sharing more than the 8-octet sort prefix: all end up sorted, merged
 * and findable. */
static void test_unsorted_large(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	buf_append_str(&b, HEAD);
	const unsigned n = 6000;
	for (unsigned i = 0; i < n; i++) {
		unsigned k = (i * 5761u) % n; /* 5761 is prime to n: a permutation */
		if (k % 3 == 0)
			buf_printf(&b, "longcommonprefix%u IN A 192.0.2.%u\n", k, k % 250);
		else
			buf_printf(&b, "n%u IN TXT \"%u\"\n", k, k);
	}
	for (unsigned k = 1; k < n; k += 3) /* a second RRset for names seen before */
		buf_printf(&b, "n%u IN A 192.0.2.1\n", k);
	size_t count;
	struct zone *z = read_buf_checked(&b, &count);
	assert_int_equal(count, n + 2); /* + apex and ns1 */
	assert_int_equal(z->nodes, n + 2);
	assert_int_equal(z->rrs, 3 + n + (n + 1) / 3);
	char name[64];
	uint8_t w[256];
	for (unsigned k = 0; k < n; k++) {
		snprintf(name, sizeof(name), "%s%u.example.com.", k % 3 ? "n" : "longcommonprefix",
			k);
		const struct node *node = zone_find(z, nm(name, w));
		assert_non_null(node);
		assert_int_equal(node->nrrsets, k % 3 == 1 ? 2 : 1);
	}
	/* written on several threads: the same bytes as on one */
	char t1[] = "/tmp/zone_write_XXXXXX", t3[] = "/tmp/zone_write_XXXXXX";
	int f1 = mkstemp(t1), f3 = mkstemp(t3);
	assert_true(f1 >= 0 && f3 >= 0);
	assert_int_equal(zone_write_fd(z, f1), 0);
	assert_int_equal(zone_write_fd_threads(z, f3, 3), 0);
	off_t len = lseek(f1, 0, SEEK_END);
	assert_int_equal(lseek(f3, 0, SEEK_END), len);
	char *a = malloc((size_t)len), *c = malloc((size_t)len);
	assert_true(a && c);
	assert_int_equal(pread(f1, a, (size_t)len, 0), len);
	assert_int_equal(pread(f3, c, (size_t)len, 0), len);
	assert_memory_equal(a, c, (size_t)len);
	free(a);
	free(c);
	close(f1);
	close(f3);
	unlink(t1);
	unlink(t3);
	zone_unref(z);
}

/* Names of one to seven short labels, some in capitals, in scrambled order:
 * many share the whole 16-octet sort prefix or end inside it, so every path
 * of the sort (octet buckets, short runs, equal prefixes) is taken. Name v is
 * v written in bijective base 4, one label a digit, the least significant
 * leftmost: every name's parent is a smaller v, so there is no empty
 * non-terminal. */
static void test_sort_prefixes(void **state)
{
	(void)state;
	static const char *labels[] = {"a", "b", "ab", "BA"};
	const unsigned n = 5000;
	struct buf b;
	buf_init(&b, 0);
	buf_append_str(&b, HEAD);
	for (unsigned i = 0; i < n; i++) {
		for (unsigned v = (i * 3001u) % n + 1; v; v = (v - 1) / 4) /* 3001: prime to n */
			buf_printf(&b, "%s.", labels[(v - 1) % 4]);
		buf_append_str(&b, "example.com. IN A 192.0.2.1\n");
	}
	size_t count;
	struct zone *z = read_buf_checked(&b, &count);
	assert_int_equal(count, n + 2);
	uint8_t w[256];
	char name[256];
	for (unsigned v0 = 1; v0 <= n; v0++) {
		size_t at = 0;
		for (unsigned v = v0; v; v = (v - 1) / 4)
			at += (size_t)snprintf(
				name + at, sizeof(name) - at, "%s.", labels[(v - 1) % 4]);
		snprintf(name + at, sizeof(name) - at, "example.com.");
		assert_non_null(zone_find(z, nm(name, w)));
	}
	zone_unref(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_errors),
		cmocka_unit_test(test_origin_errors),
		cmocka_unit_test(test_ttl_defaults),
		cmocka_unit_test(test_file_edges),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_warnings_dups_ttl_unknown),
		cmocka_unit_test(test_structure_flags_lookups),
		cmocka_unit_test(test_includes),
		cmocka_unit_test(test_write_and_reread),
		cmocka_unit_test(test_unsorted_large),
		cmocka_unit_test(test_sort_prefixes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
