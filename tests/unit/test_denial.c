/* Unit tests for lib/dnssec/denial: type bitmaps and NSEC3 hashes. */
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

#include "lib/dnssec/denial.h"
#include "lib/util/base.h"
#include "lib/util/err.h"

/* RFC 4034 §4.3: "A MX RRSIG NSEC TYPE1234" */
static void test_bitmap_rfc4034(void **state)
{
	(void)state;
	static struct typeset t;
	typeset_clear(&t);
	typeset_add(&t, KNOT_RRTYPE_A);
	typeset_add(&t, KNOT_RRTYPE_MX);
	typeset_add(&t, KNOT_RRTYPE_RRSIG);
	typeset_add(&t, KNOT_RRTYPE_NSEC);
	typeset_add(&t, 1234);
	uint8_t bm[8192];
	int n = typeset_bitmap(&t, bm, sizeof(bm));
	uint8_t want[2 + 6 + 2 + 27] = {0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03, 0x04, 0x1b};
	want[sizeof(want) - 1] = 0x20; /* type 1234: window 4, octet 26, bit 2 */
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(bm, want, sizeof(want));
	assert_int_equal(typeset_bitmap(&t, bm, 10), ERR_LIMIT);
	static struct typeset back;
	assert_int_equal(typeset_from_bitmap(&back, want, sizeof(want)), 0);
	assert_memory_equal(back.bits, t.bits, sizeof(t.bits));
	assert_true(typeset_has(&back, 1234));
	assert_false(typeset_has(&back, KNOT_RRTYPE_AAAA));
	/* malformed: zero length, trailing zero octet, windows out of order */
	static const uint8_t bad1[] = {0x00, 0x00};
	static const uint8_t bad2[] = {0x00, 0x02, 0x40, 0x00};
	static const uint8_t bad3[] = {0x04, 0x01, 0x20, 0x00, 0x01, 0x40};
	static const uint8_t bad4[] = {0x00, 0x05, 0x40};
	assert_int_equal(typeset_from_bitmap(&back, bad1, sizeof(bad1)), ERR_SYNTAX);
	assert_int_equal(typeset_from_bitmap(&back, bad2, sizeof(bad2)), ERR_SYNTAX);
	assert_int_equal(typeset_from_bitmap(&back, bad3, sizeof(bad3)), ERR_SYNTAX);
	assert_int_equal(typeset_from_bitmap(&back, bad4, sizeof(bad4)), ERR_SYNTAX);
	typeset_clear(&t);
	assert_int_equal(typeset_bitmap(&t, bm, sizeof(bm)), 0);
	/* the same from a sorted list, with a repeat */
	const uint16_t types[] = {KNOT_RRTYPE_A, KNOT_RRTYPE_MX, KNOT_RRTYPE_RRSIG,
		KNOT_RRTYPE_NSEC, KNOT_RRTYPE_NSEC, 1234};
	assert_int_equal(bitmap_from_types(types, 6, bm, sizeof(bm)), (int)sizeof(want));
	assert_memory_equal(bm, want, sizeof(want));
	assert_int_equal(bitmap_from_types(types, 6, bm, 20), ERR_LIMIT);
	assert_int_equal(bitmap_from_types(types, 0, bm, sizeof(bm)), 0);
}

/* RFC 5155 Appendix A: every hash of ../shared/data/rfc/rfc5155/hashes.txt. */
static void test_nsec3_rfc5155(void **state)
{
	(void)state;
	char path[4096];
	const char *src = getenv("SRCDIR");
	snprintf(path, sizeof(path), "%s/../shared/data/rfc/rfc5155/hashes.txt", src ? src : ".");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[512], name[300], want[64];
	const uint8_t salt[] = {0xaa, 0xbb, 0xcc, 0xdd};
	int checked = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || sscanf(line, "%299s %63s", name, want) != 2)
			continue;
		uint8_t w[256], h[NSEC3_HASH_LEN];
		assert_non_null(knot_dname_from_str(w, name, sizeof(w)));
		assert_int_equal(nsec3_hash(w, salt, sizeof(salt), 12, h), 0);
		char got[64];
		assert_true(base32hex_encode(h, sizeof(h), got, sizeof(got), BASE_LOWER) > 0);
		if (strcmp(got, want) != 0)
			fail_msg("%s: %s, want %s", name, got, want);
		checked++;
	}
	fclose(f);
	assert_int_equal(checked, 12);
	/* case does not matter; iterations are capped */
	uint8_t w[256], h1[NSEC3_HASH_LEN], h2[NSEC3_HASH_LEN];
	knot_dname_from_str(w, "A.EXAMPLE.", sizeof(w));
	assert_int_equal(nsec3_hash(w, salt, 4, 12, h1), 0);
	knot_dname_from_str(w, "a.example.", sizeof(w));
	assert_int_equal(nsec3_hash(w, salt, 4, 12, h2), 0);
	assert_memory_equal(h1, h2, sizeof(h1));
	assert_int_equal(nsec3_hash(w, NULL, 0, NSEC3_ITERATIONS_MAX + 1, h1), ERR_RANGE);
	assert_int_equal(nsec3_hash(w, NULL, 0, 0, h1), 0); /* RFC 9276 defaults */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitmap_rfc4034),
		cmocka_unit_test(test_nsec3_rfc5155),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
