/* test_peeraddr.c - peer addresses: every form, default ports, and the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>

#include "lib/conf/peeraddr.h"
#include "lib/util/err.h"

/* s parses, and formats back as want. */
static void parses_as(const char *s, uint16_t dflt, const char *want)
{
	struct sockaddr_storage sa;
	socklen_t len = 0;
	const char *why = NULL;
	char buf[PEERADDR_MAX + 1];
	int rc = peeraddr_parse(s, dflt, &sa, &len, &why);
	if (rc != 0)
		fail_msg("%s: %s", s, why);
	peeraddr_format((const struct sockaddr *)&sa, false, buf, sizeof(buf));
	assert_string_equal(buf, want);
	assert_true(len ==
		(sa.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					  : sizeof(struct sockaddr_in)));
}

static void refused(const char *s, const char *reason)
{
	struct sockaddr_storage sa;
	socklen_t len;
	const char *why = NULL;
	assert_int_equal(peeraddr_parse(s, 53, &sa, &len, &why), ERR_SYNTAX);
	assert_non_null(why);
	if (!strstr(why, reason))
		fail_msg("%s: '%s' does not say '%s'", s, why, reason);
}

static void test_forms(void **state)
{
	(void)state;
	parses_as("192.0.2.1", 53, "192.0.2.1:53");
	parses_as("192.0.2.1:5353", 53, "192.0.2.1:5353");
	parses_as("192.0.2.1:0", 53, "192.0.2.1:0");
	parses_as("2001:db8::1", 53, "[2001:db8::1]:53");
	parses_as("[2001:db8::1]", 4542, "[2001:db8::1]:4542");
	parses_as("[::1]:65535", 53, "[::1]:65535");
	struct sockaddr_storage sa;
	socklen_t len;
	const char *why;
	char buf[PEERADDR_MAX + 1];
	assert_int_equal(peeraddr_parse("[2001:db8::5]:99", 53, &sa, &len, &why), 0);
	peeraddr_format((const struct sockaddr *)&sa, true, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::5#99");
}

static void test_errors(void **state)
{
	(void)state;
	refused("", "no address");
	refused("ns1.example", "names are not looked up");
	refused("192.0.2.1:65536", "port");
	refused("192.0.2.1:", "port");
	refused("192.0.2.1:12a", "port");
	refused("[2001:db8::1]53", "[ADDR]:PORT");
	refused("[2001:db8::1", "[ADDR]:PORT");
	refused("[192.0.2.1]:53", "not an IPv6 address");
	refused("2001:db8::g", "not an IPv6 address");
	refused("1.2.3.4.5", "not an IPv4 address");
	char big[PEERADDR_MAX + 8];
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	refused(big, "too long");
}

static void test_split(void **state)
{
	(void)state;
	char addr[PEERADDR_MAX + 1];
	const char *key = NULL, *why = NULL;
	assert_int_equal(peeraddr_split("192.0.2.1:53^xfr-key", addr, &key, &why), 0);
	assert_string_equal(addr, "192.0.2.1:53");
	assert_string_equal(key, "xfr-key");
	assert_int_equal(peeraddr_split("[::1]", addr, &key, &why), 0);
	assert_string_equal(addr, "[::1]");
	assert_null(key);
	assert_int_equal(peeraddr_split("192.0.2.1^", addr, &key, &why), ERR_SYNTAX);
	assert_non_null(strstr(why, "no TSIG key name"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
