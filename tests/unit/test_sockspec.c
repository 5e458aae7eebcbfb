/* Unit tests for lib/conf/sockspec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "lib/conf/sockspec.h"
#include "lib/util/err.h"

/* spec parses, and prints back as want (the spec itself when want is NULL). */
static void expect_ok(const char *spec, unsigned proto, int family, unsigned port, const char *want)
{
	struct sockspec s;
	char err[SOCKSPEC_ERR_SIZE] = "";
	if (sockspec_parse(spec, &s, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", spec, err);
	assert_int_equal(s.proto, proto);
	assert_int_equal(s.addr.ss_family, family);
	unsigned got = family == AF_INET ? ntohs(((struct sockaddr_in *)&s.addr)->sin_port)
					 : ntohs(((struct sockaddr_in6 *)&s.addr)->sin6_port);
	assert_int_equal(got, port);
	assert_int_equal(s.addr_len,
		family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	char text[SOCKSPEC_TEXT_SIZE];
	sockspec_format(&s, text, sizeof(text));
	assert_string_equal(text, want ? want : spec);
}

static void expect_bad(const char *spec, const char *why)
{
	struct sockspec s;
	char err[SOCKSPEC_ERR_SIZE] = "";
	assert_int_equal(sockspec_parse(spec, &s, err, sizeof(err)), ERR_SYNTAX);
	if (!strstr(err, why))
		fail_msg("'%s': wanted a message with '%s', got '%s'", spec, why, err);
}

static void test_good(void **state)
{
	(void)state;
	expect_ok("127.0.0.1:4542", SOCKSPEC_BOTH, AF_INET, 4542, NULL);
	expect_ok("[::1]:4542", SOCKSPEC_BOTH, AF_INET6, 4542, NULL);
	expect_ok("udp://192.0.2.1:53", SOCKSPEC_UDP, AF_INET, 53, NULL);
	expect_ok("tcp://[2001:db8::1]:65535", SOCKSPEC_TCP, AF_INET6, 65535, NULL);
	expect_ok("0.0.0.0:1", SOCKSPEC_BOTH, AF_INET, 1, NULL);
	expect_ok("[::]:8053", SOCKSPEC_BOTH, AF_INET6, 8053, NULL);
	/* printed in the canonical form */
	expect_ok("[2001:DB8:0::1]:53", SOCKSPEC_BOTH, AF_INET6, 53, "[2001:db8::1]:53");
	expect_ok("[::ffff:192.0.2.1]:53", SOCKSPEC_BOTH, AF_INET6, 53, NULL);
}

static void test_bad(void **state)
{
	(void)state;
	expect_bad("", "no port");
	expect_bad("127.0.0.1", "no port");
	expect_bad("127.0.0.1:", "port must be");
	expect_bad(":53", "no address");
	expect_bad("127.0.0.1:0", "port must be");
	expect_bad("127.0.0.1:65536", "port must be");
	expect_bad("127.0.0.1:053x", "port must be");
	expect_bad("127.0.0.1:+53", "port must be");
	expect_bad("127.0.0.1:123456", "port must be");
	expect_bad("127.0.0.1: 53", "port must be");
	expect_bad("localhost:53", "not an IPv4 address");
	expect_bad("256.0.0.1:53", "not an IPv4 address");
	expect_bad(" 127.0.0.1:53", "not an IPv4 address");
	expect_bad("::1:53", "[ADDR]:PORT");
	expect_bad("[::1]53", "[ADDR]:PORT");
	expect_bad("[::1:53", "[ADDR]:PORT");
	expect_bad("[]:53", "no address");
	expect_bad("[fe80::1%eth0]:53", "not an IPv6 address");
	expect_bad("[192.0.2.1]:53", "not an IPv6 address");
	expect_bad("tls://127.0.0.1:853", "only udp:// and tcp://");
	expect_bad("UDP://127.0.0.1:53", "only udp:// and tcp://");
	expect_bad("udp://", "no port");
	expect_bad("udp://tcp://127.0.0.1:53", "only udp:// and tcp://");
	/* a message is written even into a small buffer, cut short */
	struct sockspec s;
	char small[8];
	assert_int_equal(sockspec_parse("x", &s, small, sizeof(small)), ERR_SYNTAX);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(sockspec_parse("x", &s, NULL, 0), ERR_SYNTAX);
}

/* The address part alone, as the table form's addr uses it. */
static void test_addr(void **state)
{
	(void)state;
	struct sockspec s;
	char err[SOCKSPEC_ERR_SIZE];
	assert_int_equal(sockspec_addr("192.0.2.7:4539", &s, err, sizeof(err)), 0);
	assert_int_equal(s.proto, SOCKSPEC_BOTH);
	assert_int_equal(sockspec_addr("udp://192.0.2.7:4539", &s, err, sizeof(err)), ERR_SYNTAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_addr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
