/* Unit tests for lib/dns/name and lib/dns/rdata. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <libknot/descriptor.h>

#include "lib/dns/name.h"
#include "lib/dns/rdata.h"
#include "lib/util/err.h"

/* Wire form from dotted text without escapes, for tests. */
static size_t wire(const char *s, uint8_t *w)
{
	size_t o = 0;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		w[o++] = (uint8_t)l;
		memcpy(w + o, s, l);
		o += l;
		s += l + (dot ? 1 : 0);
	}
	w[o++] = 0;
	return o;
}

static void test_wire_len(void **state)
{
	(void)state;
	uint8_t w[300];
	size_t n = wire("www.Example.COM", w);
	assert_int_equal(name_wire_len(w, n), (int)n);
	assert_int_equal(name_wire_len(w, n - 1), ERR_SYNTAX);
	assert_int_equal(name_labels(w), 3);
	uint8_t ptr[] = {0xc0, 0x0c};
	assert_int_equal(name_wire_len(ptr, 2), ERR_SYNTAX);
	uint8_t big[300];
	memset(big, 0, sizeof(big));
	for (int i = 0; i < 4; i++) { /* 4 * 64 + 1 = 257 > 255 */
		big[i * 64] = 63;
		memset(big + i * 64 + 1, 'a', 63);
	}
	assert_int_equal(name_wire_len(big, sizeof(big)), ERR_SYNTAX);
	uint8_t root = 0;
	assert_int_equal(name_wire_len(&root, 1), 1);
	assert_int_equal(name_labels(&root), 0);
}

/* The example of RFC 4034 §6.1, which lists names in canonical order. */
static void test_canonical_order(void **state)
{
	(void)state;
	static const uint8_t names[][40] = {
		"\x07"
		"example",
		"\x01"
		"a\x07"
		"example",
		"\x08"
		"yljkjljk\x01"
		"a\x07"
		"example",
		"\x01"
		"Z\x01"
		"a\x07"
		"example",
		"\x04"
		"zABC\x01"
		"a\x07"
		"example",
		"\x01"
		"z\x07"
		"example",
		"\x01\x01\x01"
		"z\x07"
		"example",
		"\x01*\x01"
		"z\x07"
		"example",
		"\x01\x80\x01"
		"z\x07"
		"example",
	};
	uint8_t prev[NAME_KEY_MAX], cur[NAME_KEY_MAX];
	size_t plen = name_key(names[0], prev);
	for (size_t i = 1; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t clen = name_key(names[i], cur);
		assert_true(name_key_cmp(prev, plen, cur, clen) < 0);
		memcpy(prev, cur, clen);
		plen = clen;
	}
}

static void test_key_escapes_and_roundtrip(void **state)
{
	(void)state;
	/* labels with octets 0x00, 0x01, 0x02: order must be 00 < 01 < 02 < 'a' */
	static const uint8_t n0[] = {1, 0x00, 3, 'c', 'o', 'm', 0};
	static const uint8_t n1[] = {1, 0x01, 3, 'c', 'o', 'm', 0};
	static const uint8_t n2[] = {1, 0x02, 3, 'c', 'o', 'm', 0};
	static const uint8_t n3[] = {2, 0x00, 0x05, 3, 'c', 'o', 'm', 0};
	static const uint8_t *order[] = {n0, n3, n1, n2};
	uint8_t k[4][NAME_KEY_MAX];
	size_t kl[4];
	for (int i = 0; i < 4; i++)
		kl[i] = name_key(order[i], k[i]);
	for (int i = 0; i < 3; i++)
		assert_true(name_key_cmp(k[i], kl[i], k[i + 1], kl[i + 1]) < 0);
	uint8_t back[256];
	for (int i = 0; i < 4; i++) {
		size_t bl = name_from_key(k[i], kl[i], back);
		assert_int_equal(bl, (size_t)name_wire_len(order[i], 255));
		assert_memory_equal(back, order[i], bl);
	}
	uint8_t root = 0;
	assert_int_equal(name_key(&root, k[0]), 0);
	assert_int_equal(name_from_key(k[0], 0, back), 1);
	assert_int_equal(back[0], 0);
}

static void test_key_relations(void **state)
{
	(void)state;
	uint8_t a[64], b[64], ka[NAME_KEY_MAX], kb[NAME_KEY_MAX];
	wire("example.com", a);
	wire("WWW.example.COM", b);
	size_t la = name_key(a, ka), lb = name_key(b, kb);
	assert_true(name_key_is_ancestor(ka, la, kb, lb));
	assert_false(name_key_is_ancestor(kb, lb, ka, la));
	assert_int_equal(name_key_parent(kb, lb), la);
	assert_int_equal(name_key_labels(kb, lb), 3);
	assert_int_equal(name_key_parent(ka, name_key_parent(ka, la)), 0);
	wire("www.example.com", a);
	assert_true(name_equal(a, b));
	name_lower(b);
	assert_memory_equal(a, b, 17);
	wire("*.example.com", a);
	assert_true(name_is_wildcard(a));
	assert_false(name_is_wildcard(b));
	wire("Www.Example.com", a);
	wire("example.COM", b);
	assert_true(name_is_at_or_below(a, b));
	assert_true(name_is_at_or_below(b, b));
	assert_false(name_is_at_or_below(b, a));
	wire("www.example.net", a);
	assert_false(name_is_at_or_below(a, b));
	/* "coma" is not below "com" */
	wire("com", a);
	wire("x.coma", b);
	la = name_key(a, ka);
	lb = name_key(b, kb);
	assert_false(name_key_is_ancestor(ka, la, kb, lb));
}

static void test_rdata_canonical(void **state)
{
	(void)state;
	/* MX 10 Mail.Example. -> lower-cased name */
	uint8_t mx[] = {0, 10, 4, 'M', 'a', 'i', 'l', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 0};
	assert_int_equal(rdata_canonicalize(KNOT_RRTYPE_MX, mx, sizeof(mx)), 0);
	assert_memory_equal(mx + 3, "mail", 4);
	assert_memory_equal(mx + 8, "example", 7);
	/* TXT is left alone */
	uint8_t txt[] = {3, 'A', 'B', 'C'};
	assert_int_equal(rdata_canonicalize(KNOT_RRTYPE_TXT, txt, sizeof(txt)), 0);
	assert_memory_equal(txt,
		"\x03"
		"ABC",
		4);
	/* NSEC's next name keeps its case (RFC 6840 §5.1) */
	assert_false(rdata_has_lowercase_names(KNOT_RRTYPE_NSEC));
	/* truncated name in NS */
	uint8_t bad[] = {3, 'a', 'b'};
	assert_int_equal(rdata_canonicalize(KNOT_RRTYPE_NS, bad, sizeof(bad)), ERR_SYNTAX);
	/* trailing junk after the SOA fields */
	uint8_t soa[2 + 2 + 20 + 1] = {0, 0};
	assert_int_equal(rdata_canonicalize(KNOT_RRTYPE_SOA, soa, sizeof(soa)), ERR_SYNTAX);
	/* order: absent octet before zero octet */
	assert_true(rdata_cmp((const uint8_t *)"\x01", 1, (const uint8_t *)"\x01\x00", 2) < 0);
	assert_true(rdata_cmp((const uint8_t *)"\x02", 1, (const uint8_t *)"\x01\xff", 2) > 0);
	assert_int_equal(rdata_cmp(NULL, 0, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_len),
		cmocka_unit_test(test_canonical_order),
		cmocka_unit_test(test_key_escapes_and_roundtrip),
		cmocka_unit_test(test_key_relations),
		cmocka_unit_test(test_rdata_canonical),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
