/* Unit tests for lib/util/datetime. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/util/datetime.h"
#include "lib/util/err.h"

static int64_t parse(const char *s)
{
	int64_t t = -1;
	assert_int_equal(datetime_parse_stamp(s, strlen(s), &t), 0);
	return t;
}

static void test_known(void **state)
{
	(void)state;
	/* Values from `date -u -d ... +%s`. */
	assert_int_equal(parse("19700101000000"), 0);
	assert_int_equal(parse("20100812100439"), 1281607479);
	assert_int_equal(parse("20000229235959"), 951868799);
	assert_int_equal(parse("20380119031408"), 2147483648);
	assert_int_equal(parse("21060207062815"), 4294967295);
	assert_int_equal(parse("99991231235959"), DATETIME_MAX);
	char out[DATETIME_STAMP_LEN + 1];
	assert_int_equal(datetime_format_stamp(1281607479, out), 0);
	assert_string_equal(out, "20100812100439");
	assert_int_equal(datetime_format_stamp(DATETIME_MAX, out), 0);
	assert_string_equal(out, "99991231235959");
	assert_int_equal(datetime_format_stamp(DATETIME_MAX + 1, out), ERR_RANGE);
	assert_int_equal(datetime_format_stamp(-1, out), ERR_RANGE);
}

/* Every day boundary over several 400-year cycles reads back. */
static void test_round_trip(void **state)
{
	(void)state;
	char out[DATETIME_STAMP_LEN + 1];
	for (int64_t t = 0; t < DATETIME_MAX; t += 86400 * 7 + 3661) {
		assert_int_equal(datetime_format_stamp(t, out), 0);
		assert_int_equal(parse(out), t);
	}
}

static void test_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {"", "2010081210043", "201008121004390", "2010081210043x",
		"19691231235959", "20101301000000", "20100001000000", "20100100000000",
		"20100229000000", "21000229000000", "20100431000000", "20100101240000",
		"20100101006000", "20100101000060", "+0100101000000"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t;
		if (datetime_parse_stamp(bad[i], strlen(bad[i]), &t) != ERR_SYNTAX)
			fail_msg("accepted '%s'", bad[i]);
	}
	int64_t t;
	assert_int_equal(parse("20000229000000"), 951782400); /* 2000 is a leap year */
	assert_int_equal(datetime_parse_stamp("20100101000000", 13, &t), ERR_SYNTAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
