/* Unit tests for lib/dnssec/serial. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/dnssec/serial.h"
#include "lib/util/err.h"

static void test_arithmetic(void **state)
{
	(void)state;
	assert_true(serial_gt(2, 1));
	assert_false(serial_gt(1, 1));
	assert_true(serial_gt(0, 0xffffffffu)); /* wraps (RFC 1982 §3.2) */
	assert_false(serial_gt(0x80000001u, 1));
	assert_true(serial_gt(0x80000000u, 1));
}

static void test_policies(void **state)
{
	(void)state;
	const int64_t now = 1600000000; /* 2020-09-13 12:26:40 UTC */
	uint32_t out, prev = 12345;
	assert_int_equal(serial_next(SERIAL_KEEP, 23456, &prev, now, &out), 0);
	assert_int_equal(out, 23456);
	assert_int_equal(serial_next(SERIAL_KEEP, 12345, &prev, now, &out), ERR_RANGE);
	assert_int_equal(serial_next(SERIAL_KEEP, 7, NULL, now, &out), 0);
	assert_int_equal(serial_next(SERIAL_COUNTER, 999, NULL, now, &out), 0);
	assert_int_equal(out, 1);
	assert_int_equal(serial_next(SERIAL_COUNTER, 999, &prev, now, &out), 0);
	assert_int_equal(out, 12346);
	assert_int_equal(serial_next(SERIAL_UNIX_TIME, 1, &prev, now, &out), 0);
	assert_int_equal(out, 1600000000);
	prev = 1600000000;
	assert_int_equal(serial_next(SERIAL_UNIX_TIME, 1, &prev, now, &out), 0);
	assert_int_equal(out, 1600000001);
	assert_int_equal(serial_next(SERIAL_DATE_COUNTER, 1, NULL, now, &out), 0);
	assert_int_equal(out, 2020091300);
	prev = 2020091300;
	assert_int_equal(serial_next(SERIAL_DATE_COUNTER, 1, &prev, now, &out), 0);
	assert_int_equal(out, 2020091301);
	prev = 2030010100;
	assert_int_equal(serial_next(SERIAL_DATE_COUNTER, 1, &prev, now, &out), 0);
	assert_int_equal(out, 2030010101);
	enum serial_policy p;
	assert_int_equal(serial_policy_parse("date-counter", &p), 0);
	assert_int_equal(p, SERIAL_DATE_COUNTER);
	assert_string_equal(serial_policy_name(SERIAL_UNIX_TIME), "unix-time");
	assert_int_equal(serial_policy_parse("unixtime", &p), ERR_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arithmetic),
		cmocka_unit_test(test_policies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
