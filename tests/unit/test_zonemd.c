/* Unit tests for lib/dnssec/zonemd: the example zones of RFC 8976 Appendix A
 * (in ../shared/data/zones/ldns/test/25-ZONEMD.tpkg/) carry their digests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libknot/descriptor.h>

#include "lib/dnssec/zonemd.h"
#include "lib/util/err.h"
#include "lib/zone/zone_read.h"

/* Loads the example and checks every SIMPLE ZONEMD at its apex it can compute. */
static int check_example(const char *file, const char *origin)
{
	char path[4096];
	const char *src = getenv("SRCDIR");
	snprintf(path, sizeof(path), "%s/../shared/data/zones/ldns/test/25-ZONEMD.tpkg/%s",
		src ? src : ".", file);
	struct zone_msgs m;
	struct zone *z;
	struct zone_read_opts o = {.origin = origin};
	zone_msgs_init(&m);
	if (zone_read_file(path, &o, &m, &z) != 0)
		fail_msg("%s", buf_cstr(&m.text));
	zone_msgs_deinit(&m);
	const struct rrset *md = node_find(zone_apex_node(z), KNOT_RRTYPE_ZONEMD, 0);
	assert_non_null(md);
	int checked = 0;
	uint32_t pos = 0;
	const uint8_t *d;
	uint16_t len;
	while (rrset_next_rdata(md, &pos, &d, &len)) {
		uint8_t digest[ZONEMD_DIGEST_MAX];
		int n = zonemd_digest(z, d[4], d[5], digest);
		if (n == ERR_UNSUPP)
			continue; /* A.3 lists private schemes and hashes too */
		assert_int_equal(n, len - 6);
		assert_memory_equal(digest, d + 6, (size_t)n);
		assert_int_equal((uint32_t)(d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3]), z->serial);
		uint8_t rd[6 + ZONEMD_DIGEST_MAX];
		assert_int_equal(zonemd_rdata(z->serial, d[4], d[5], digest, (size_t)n, rd), len);
		assert_memory_equal(rd, d, len);
		checked++;
	}
	zone_unref(z);
	return checked;
}

static void test_rfc8976_examples(void **state)
{
	(void)state;
	assert_int_equal(check_example("A.1.Simple-EXAMPLE-Zone", "example."), 1);
	assert_int_equal(check_example("A.3.EXAMPLE-Zone-with-multiple-digests", "example."), 2);
	assert_int_equal(check_example("A.4.The-URI.ARPA-Zone", "uri.arpa."), 1);
	assert_int_equal(check_example("A.5.The-ROOT-SERVERS.NET-Zone", "root-servers.net."), 1);
}

static void test_unsupported(void **state)
{
	(void)state;
	uint8_t out[ZONEMD_DIGEST_MAX];
	assert_int_equal(zonemd_digest(NULL, 2, 1, out), ERR_UNSUPP);
	assert_int_equal(zonemd_digest(NULL, 1, 3, out), ERR_UNSUPP);
	uint8_t rd[6 + ZONEMD_DIGEST_MAX];
	assert_int_equal(zonemd_rdata(1, 1, 1, out, ZONEMD_DIGEST_MAX + 1, rd), ERR_LIMIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8976_examples),
		cmocka_unit_test(test_unsupported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
