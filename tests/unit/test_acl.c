/* Unit tests for lib/dns/acl: entries read from text (every form and every
 * kind of mistake), and requests matched against them at each prefix
 * boundary, from IPv4-mapped addresses and with or without keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "lib/dns/acl.h"
#include "lib/util/err.h"

static void parse_ok(const char *text, struct acl_entry *e)
{
	struct buf err;
	buf_init(&err, 0);
	int rc = acl_parse(text, e, &err);
	if (rc != 0)
		fail_msg("%s: %s (%s)", text, err_str(rc), buf_cstr(&err));
	assert_int_equal(err.len, 0);
	buf_deinit(&err);
}

static void assert_text(const struct acl_entry *e, const char *want)
{
	char t[ACL_TEXT_MAX];
	acl_entry_text(e, t, sizeof(t));
	assert_string_equal(t, want);
}

static void test_parse_forms(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
		int family;
	} cases[] = {
		{"192.0.2.0/24", "192.0.2.0/24", AF_INET},
		{"192.0.2.1", "192.0.2.1/32", AF_INET},
		{"192.0.2.1:53", "192.0.2.1/32", AF_INET},
		{"192.0.2.1/32", "192.0.2.1/32", AF_INET},
		{"0.0.0.0/0", "0.0.0.0/0", AF_INET},
		{"128.0.0.0/1", "128.0.0.0/1", AF_INET},
		{"2001:db8::/32", "2001:db8::/32", AF_INET6},
		{"2001:db8::1", "2001:db8::1/128", AF_INET6},
		{"[2001:db8::1]:53", "2001:db8::1/128", AF_INET6},
		{"[2001:db8::1]", "2001:db8::1/128", AF_INET6},
		{"[2001:db8::]/48", "2001:db8::/48", AF_INET6},
		{"::/0", "::/0", AF_INET6},
		{"::1", "::1/128", AF_INET6},
		{"::ffff:192.0.2.0/120", "192.0.2.0/24", AF_INET},
		{"[::ffff:192.0.2.7]:53", "192.0.2.7/32", AF_INET},
		{"::ffff:0:0/96", "0.0.0.0/0", AF_INET},
		{"::fffe:0:0/95", "::fffe:0:0/95", AF_INET6},
		{"192.0.2.0/24^xfr-key", "192.0.2.0/24^xfr-key", AF_INET},
		{"192.0.2.0/24^XFR-Key.", "192.0.2.0/24^xfr-key", AF_INET},
		{"[2001:db8::1]:53^k.Example", "2001:db8::1/128^k.example", AF_INET6},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct acl_entry e;
		parse_ok(cases[i].in, &e);
		assert_int_equal(e.family, cases[i].family);
		assert_text(&e, cases[i].out);
	}
	struct acl_entry e;
	parse_ok("192.0.2.0/24^XFR-Key", &e);
	assert_int_equal(e.key_len, 9);
	assert_memory_equal(e.key, "\x07xfr-key", 9);
	parse_ok("192.0.2.0/24", &e);
	assert_int_equal(e.key_len, 0);
	assert_int_equal(e.prefix, 24);
	static const uint8_t net[4] = {192, 0, 2, 0};
	assert_memory_equal(e.addr, net, 4);
	/* the two parts apart, as the policy keeps them */
	assert_int_equal(acl_parse_parts("[2001:db8::1]:53", "Other.Key", &e, NULL), 0);
	assert_text(&e, "2001:db8::1/128^other.key");
	assert_int_equal(acl_parse_parts("2001:db8::/32", NULL, &e, NULL), 0);
	assert_text(&e, "2001:db8::/32");
	assert_int_equal(acl_parse_parts("2001:db8::/32", "", &e, NULL), ERR_SYNTAX);
	assert_int_equal(acl_parse_parts("2001:db8::/32^k", NULL, &e, NULL), ERR_SYNTAX);
	/* text cut to the room given, still a string */
	parse_ok("192.0.2.0/24", &e);
	char small[5];
	acl_entry_text(&e, small, sizeof(small));
	assert_string_equal(small, "192.");
}

static void test_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int rc;
		const char *msg; /* the whole message */
	} cases[] = {
		{"", ERR_SYNTAX, ": empty address"},
		{"192.0.2.256", ERR_SYNTAX,
			"192.0.2.256: \"192.0.2.256\" is not an IPv4 or IPv6 address"},
		{"192.0.2", ERR_SYNTAX, NULL},
		{"example.com", ERR_SYNTAX, NULL},
		{" 192.0.2.1", ERR_SYNTAX, NULL},
		{"fe80::1%eth0", ERR_SYNTAX, NULL},
		{"192.0.2.0/33", ERR_RANGE, "192.0.2.0/33: prefix length /33 over /32"},
		{"2001:db8::/129", ERR_RANGE, "2001:db8::/129: prefix length /129 over /128"},
		{"192.0.2.0/", ERR_SYNTAX, "192.0.2.0/: bad prefix length \"\""},
		{"192.0.2.0/-1", ERR_SYNTAX, NULL},
		{"192.0.2.0/+8", ERR_SYNTAX, NULL},
		{"192.0.2.0/1a", ERR_SYNTAX, NULL},
		{"192.0.2.0/24 ", ERR_SYNTAX, NULL},
		{"192.0.2.0/0024", ERR_SYNTAX, NULL},
		{"192.0.2.0/24:53", ERR_SYNTAX, NULL},
		{"192.0.2.1/24", ERR_RANGE, "192.0.2.1/24: host bits set beyond /24"},
		{"128.0.0.0/0", ERR_RANGE, NULL},
		{"2001:db8::1/64", ERR_RANGE, "2001:db8::1/64: host bits set beyond /64"},
		{"2001:db8::1/127", ERR_RANGE, NULL},
		{"192.0.2.1:", ERR_SYNTAX, "192.0.2.1:: bad port \"\""},
		{"192.0.2.1:65536", ERR_SYNTAX, NULL},
		{"192.0.2.1:5x", ERR_SYNTAX, NULL},
		{"[2001:db8::1", ERR_SYNTAX, "[2001:db8::1: '[' without ']'"},
		{"[2001:db8::1]53", ERR_SYNTAX, "[2001:db8::1]53: junk after ']'"},
		{"[192.0.2.1]:53", ERR_SYNTAX, NULL},
		{"[]", ERR_SYNTAX, NULL},
		{"192.0.2.1^", ERR_SYNTAX, "192.0.2.1^: empty key name"},
		{"192.0.2.1^a..b", ERR_SYNTAX, "192.0.2.1^a..b: bad key name \"a..b\""},
		{"^key", ERR_SYNTAX, NULL},
		{"2001:0db8:0000:0000:0000:0000:0000:0000:0000:0000:0001/128", ERR_SYNTAX, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct acl_entry e;
		struct buf err;
		buf_init(&err, 0);
		int rc = acl_parse(cases[i].in, &e, &err);
		if (rc != cases[i].rc)
			fail_msg("%s: %s, want %s", cases[i].in, err_str(rc), err_str(cases[i].rc));
		assert_true(err.len > 0);
		if (cases[i].msg)
			assert_string_equal(buf_cstr(&err), cases[i].msg);
		assert_int_equal(acl_parse(cases[i].in, &e, NULL), cases[i].rc);
		buf_deinit(&err);
	}
}

/* A socket address from text; IPv4 as sockaddr_in, anything with a colon
 * as sockaddr_in6. */
static const struct sockaddr *peer(const char *text, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(4242);
		assert_int_equal(inet_pton(AF_INET6, text, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(4242);
		assert_int_equal(inet_pton(AF_INET, text, &s4->sin_addr), 1);
	}
	return (const struct sockaddr *)ss;
}

static enum acl_result check1(const struct acl_entry *e, const char *who)
{
	struct sockaddr_storage ss;
	return acl_check(e, 1, peer(who, &ss), NULL, NULL);
}

static void flip(uint8_t *a, unsigned bit)
{
	a[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
}

/* For a prefix of each length taken from base: base itself matches; base
 * with the prefix's last bit flipped does not; with the first bit after
 * the prefix flipped it still does. */
static void prefix_boundaries(int family, const char *base, const unsigned *lens, size_t n)
{
	unsigned total = family == AF_INET ? 32 : 128;
	uint8_t b[16];
	assert_int_equal(inet_pton(family, base, b), 1);
	for (size_t i = 0; i < n; i++) {
		unsigned len = lens[i];
		uint8_t net[16];
		memcpy(net, b, sizeof(net));
		for (unsigned bit = len; bit < total; bit++)
			if (net[bit / 8] & (0x80u >> (bit % 8)))
				flip(net, bit);
		char a[INET6_ADDRSTRLEN], text[80];
		assert_non_null(inet_ntop(family, net, a, sizeof(a)));
		snprintf(text, sizeof(text), "%s/%u", a, len);
		struct acl_entry e;
		parse_ok(text, &e);
		assert_int_equal(e.prefix, len);
		assert_int_equal(check1(&e, base), ACL_ALLOW);
		uint8_t other[16];
		if (len > 0) {
			memcpy(other, b, sizeof(other));
			flip(other, len - 1);
			assert_non_null(inet_ntop(family, other, a, sizeof(a)));
			if (check1(&e, a) != ACL_DENY)
				fail_msg("%s admits %s", text, a);
		}
		if (len < total) {
			memcpy(other, b, sizeof(other));
			flip(other, len);
			assert_non_null(inet_ntop(family, other, a, sizeof(a)));
			if (check1(&e, a) != ACL_ALLOW)
				fail_msg("%s refuses %s", text, a);
		}
	}
}

static void test_prefixes(void **state)
{
	(void)state;
	static const unsigned v4[] = {0, 1, 7, 8, 9, 23, 24, 25, 31, 32};
	static const unsigned v6[] = {0, 1, 7, 24, 32, 48, 63, 64, 65, 120, 127, 128};
	prefix_boundaries(AF_INET, "203.0.113.129", v4, sizeof(v4) / sizeof(v4[0]));
	prefix_boundaries(AF_INET, "127.255.0.1", v4, sizeof(v4) / sizeof(v4[0]));
	prefix_boundaries(
		AF_INET6, "2001:db8:85a3:7f00::8a2e:370:7335", v6, sizeof(v6) / sizeof(v6[0]));
	prefix_boundaries(AF_INET6, "fe80::ff:1", v6, sizeof(v6) / sizeof(v6[0]));
	/* the families stay apart, even for /0 */
	struct acl_entry e;
	parse_ok("0.0.0.0/0", &e);
	assert_int_equal(check1(&e, "192.0.2.1"), ACL_ALLOW);
	assert_int_equal(check1(&e, "2001:db8::1"), ACL_DENY);
	assert_int_equal(check1(&e, "::"), ACL_DENY);
	parse_ok("::/0", &e);
	assert_int_equal(check1(&e, "2001:db8::1"), ACL_ALLOW);
	assert_int_equal(check1(&e, "192.0.2.1"), ACL_DENY);
	assert_int_equal(check1(&e, "::ffff:192.0.2.1"), ACL_DENY);
}

/* A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d. */
static void test_mapped(void **state)
{
	(void)state;
	struct acl_entry e;
	parse_ok("192.0.2.0/24", &e);
	assert_int_equal(check1(&e, "::ffff:192.0.2.5"), ACL_ALLOW);
	assert_int_equal(check1(&e, "::ffff:192.0.3.5"), ACL_DENY);
	/* only the mapped prefix: not the IPv4-compatible form nor others */
	assert_int_equal(check1(&e, "::192.0.2.5"), ACL_DENY);
	assert_int_equal(check1(&e, "::fffe:192.0.2.5"), ACL_DENY);
	assert_int_equal(check1(&e, "64:ff9b::192.0.2.5"), ACL_DENY);
	parse_ok("::ffff:192.0.2.0/120", &e);
	assert_int_equal(check1(&e, "192.0.2.9"), ACL_ALLOW);
	assert_int_equal(check1(&e, "::ffff:192.0.2.9"), ACL_ALLOW);
	assert_int_equal(check1(&e, "192.0.3.9"), ACL_DENY);
	parse_ok("192.0.2.7", &e);
	assert_int_equal(check1(&e, "::ffff:192.0.2.7"), ACL_ALLOW);
	assert_int_equal(check1(&e, "::ffff:192.0.2.6"), ACL_DENY);
}

static void test_keys(void **state)
{
	(void)state;
	struct acl_entry e[4];
	parse_ok("192.0.2.0/24^k1", &e[0]);
	parse_ok("192.0.2.0/24^k2.example.", &e[1]);
	parse_ok("2001:db8::/32", &e[2]);
	parse_ok("198.51.100.0/24^k1", &e[3]);
	static const uint8_t K1[] = "\x02K1";
	static const uint8_t K2[] = "\x02k2\x07"
				    "EXAMPLE";
	static const uint8_t K3[] = "\x02k3";
	struct sockaddr_storage ss;
	size_t which = 99;
	/* keyed entries: only with their key */
	assert_int_equal(acl_check(e, 4, peer("192.0.2.1", &ss), NULL, &which), ACL_DENY);
	assert_int_equal(which, 4);
	assert_int_equal(acl_check(e, 4, peer("192.0.2.1", &ss), K1, &which), ACL_ALLOW);
	assert_int_equal(which, 0);
	assert_int_equal(acl_check(e, 4, peer("192.0.2.1", &ss), K2, &which), ACL_ALLOW);
	assert_int_equal(which, 1);
	assert_int_equal(acl_check(e, 4, peer("192.0.2.1", &ss), K3, &which), ACL_DENY);
	assert_int_equal(acl_check(e, 4, peer("198.51.100.7", &ss), K1, &which), ACL_ALLOW);
	assert_int_equal(which, 3);
	/* the right key from outside the prefix is not enough */
	assert_int_equal(acl_check(e, 4, peer("203.0.113.1", &ss), K1, &which), ACL_DENY);
	assert_int_equal(acl_check(e, 4, peer("::ffff:192.0.2.1", &ss), K1, &which), ACL_ALLOW);
	/* an entry without a key: signed or not */
	assert_int_equal(acl_check(e, 4, peer("2001:db8::53", &ss), NULL, &which), ACL_ALLOW);
	assert_int_equal(which, 2);
	assert_int_equal(acl_check(e, 4, peer("2001:db8::53", &ss), K3, &which), ACL_ALLOW);
	assert_int_equal(which, 2);
	assert_int_equal(acl_check(e, 4, peer("2001:db9::53", &ss), K1, &which), ACL_DENY);
	assert_int_equal(acl_check(e, 4, peer("2001:db9::53", &ss), K1, NULL), ACL_DENY);
}

static void test_list(void **state)
{
	(void)state;
	struct sockaddr_storage ss;
	size_t which = 99;
	/* empty: everyone */
	assert_int_equal(acl_check(NULL, 0, peer("192.0.2.1", &ss), NULL, &which), ACL_ALLOW);
	assert_int_equal(which, 0);
	assert_int_equal(
		acl_check(NULL, 0, peer("2001:db8::1", &ss), (const uint8_t *)"\x01k", NULL),
		ACL_ALLOW);
	/* overlapping entries: the first that admits is named */
	struct acl_entry e[3];
	parse_ok("10.1.0.0/16^k", &e[0]);
	parse_ok("10.0.0.0/8", &e[1]);
	parse_ok("10.1.0.0/16", &e[2]);
	assert_int_equal(acl_check(e, 3, peer("10.1.2.3", &ss), NULL, &which), ACL_ALLOW);
	assert_int_equal(which, 1);
	assert_int_equal(acl_check(e, 3, peer("10.1.2.3", &ss), (const uint8_t *)"\x01K", &which),
		ACL_ALLOW);
	assert_int_equal(which, 0);
	assert_int_equal(acl_check(e, 3, peer("11.1.2.3", &ss), NULL, &which), ACL_DENY);
	assert_int_equal(which, 3);
	/* a family that has no addresses here */
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	assert_int_equal(acl_check(e, 3, (const struct sockaddr *)&un, NULL, &which), ACL_DENY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_mapped),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
