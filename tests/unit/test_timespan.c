/* Unit tests for lib/util/timespan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/util/err.h"
#include "lib/util/timespan.h"

static int parse(const char *s, int64_t *v, char *err)
{
	return timespan_parse(s, strlen(s), v, err, TIMESPAN_ERR_SIZE);
}

static void ok(const char *s, int64_t want)
{
	int64_t v = -1;
	char err[TIMESPAN_ERR_SIZE];
	int rc = parse(s, &v, err);
	if (rc != 0)
		fail_msg("\"%s\": %s (%s)", s, err_str(rc), err);
	if (v != want)
		fail_msg("\"%s\": got %lld, want %lld", s, (long long)v, (long long)want);
}

/* Fails with code and a message containing needle. */
static void bad(const char *s, int code, const char *needle)
{
	int64_t v = 12345;
	char err[TIMESPAN_ERR_SIZE] = "";
	int rc = parse(s, &v, err);
	if (rc != code)
		fail_msg("\"%s\": got %d (%s), want %d; message \"%s\"", s, rc, err_str(rc), code,
			err);
	if (!strstr(err, needle))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, err, needle);
	assert_int_equal(v, 12345); /* untouched on failure */
}

/* The cases of Cascade's own TimeSpan test (cascade-spec §16). */
static void test_cascade_cases(void **state)
{
	(void)state;
	int64_t v;
	assert_int_equal(timespan_from_int(10, &v, NULL, 0), 0);
	assert_int_equal(v, 10);
	ok("10", 10);
	ok("10s", 10);
	ok("10m", 600);
	ok("10h", 36000);
	ok("10d", 864000);
	ok("10w", 6048000);
	ok("2h 3m 4s", 2 * 3600 + 3 * 60 + 4);
	ok("P35DT2H30M", 35 * 86400 + 2 * 3600 + 30 * 60);
	bad("10y", ERR_UNSUPP, "years");
}

static void test_policy_defaults(void **state)
{
	(void)state;
	/* The values in Cascade's policy template (cascade-spec §11). */
	ok("1d", 86400);
	ok("2w", 14 * 86400);
	ok("1w", 7 * 86400);
	ok("12h", 43200);
	ok("24h", 86400);
	ok("365d", 365 * 86400);
	ok("30d", 30 * 86400);
	ok("7d", 7 * 86400);
	ok("1h", 3600);
	ok("0", 0);
	ok("0s", 0);
}

static void test_friendly_forms(void **state)
{
	(void)state;
	ok("30s", 30);
	ok("2h3m4s", 7384);
	ok("1 day, 2 hours", 93600);
	ok("1d, 2h", 93600);
	ok("2 hours 30 minutes", 9000);
	ok("2 hrs 30 mins", 9000);
	ok("1 wk 4 days", 11 * 86400);
	ok("1week", 604800);
	ok("3 secs", 3);
	ok("1 second", 1);
	ok("1min", 60);
	ok("1w\t2d", 9 * 86400);
	ok("1.5h", 5400);
	ok("2h 1.5m", 7290);
	ok("1,5m", 90);
	ok("+2h", 7200);
	ok("+10", 10);
	ok("007", 7);
}

static void test_iso_forms(void **state)
{
	(void)state;
	ok("PT5M", 300);
	ok("P2W", 14 * 86400);
	ok("P1W2D", 9 * 86400);
	ok("P1D", 86400);
	ok("PT36H", 36 * 3600);
	ok("PT1H1M1S", 3661);
	ok("p1dt2h", 93600);
	ok("PT0S", 0);
	ok("PT1.5H", 5400);
	ok("PT0,5M", 30);
	ok("+P1D", 86400);
}

static void test_rejected_units(void **state)
{
	(void)state;
	bad("1y", ERR_UNSUPP, "no fixed length");
	bad("2 years", ERR_UNSUPP, "years");
	bad("1mo", ERR_UNSUPP, "months");
	bad("3 months", ERR_UNSUPP, "months");
	bad("P1Y", ERR_UNSUPP, "years");
	bad("P5M", ERR_UNSUPP, "PT5M");
	bad("P1Y2M3D", ERR_UNSUPP, "years");
	bad("500ms", ERR_UNSUPP, "milliseconds");
	bad("1s 500ms", ERR_UNSUPP, "milliseconds");
	bad("10ns", ERR_UNSUPP, "nanoseconds");
}

static void test_negative_and_range(void **state)
{
	(void)state;
	int64_t v;
	char err[TIMESPAN_ERR_SIZE];
	bad("-1h", ERR_RANGE, "negative");
	bad("-10", ERR_RANGE, "negative");
	bad("-P1D", ERR_RANGE, "negative");
	bad("1h ago", ERR_RANGE, "negative");
	assert_int_equal(timespan_from_int(-1, &v, err, sizeof(err)), ERR_RANGE);
	assert_non_null(strstr(err, "negative"));
	assert_int_equal(timespan_from_int(TIMESPAN_MAX, &v, err, sizeof(err)), 0);
	assert_int_equal(v, TIMESPAN_MAX);
	assert_int_equal(timespan_from_int(TIMESPAN_MAX + 1, &v, err, sizeof(err)), ERR_RANGE);
	assert_non_null(strstr(err, "too long"));
	ok("631107417600", TIMESPAN_MAX);
	ok("7304484d", TIMESPAN_MAX);
	bad("631107417601", ERR_RANGE, "too large");
	bad("99999999999999999999999999", ERR_RANGE, "too large");
	bad("7304485d", ERR_RANGE, "too long");
	bad("1043498w", ERR_RANGE, "too long");
	bad("7304484d 1s", ERR_RANGE, "too long");
	bad("P7304484DT1S", ERR_RANGE, "too long");
	/* Fractions must come to whole seconds. */
	bad("1.5s", ERR_RANGE, "whole number");
	bad("0.01m", ERR_RANGE, "whole number");
	bad("PT0.5S", ERR_RANGE, "whole number");
}

static void test_malformed(void **state)
{
	(void)state;
	bad("", ERR_SYNTAX, "empty");
	bad(" 10s", ERR_SYNTAX, "offset 0");
	bad("10s ", ERR_SYNTAX, "trailing");
	bad("10 ", ERR_SYNTAX, "unit");
	bad("s", ERR_SYNTAX, "number");
	bad("10x", ERR_SYNTAX, "unknown unit \"x\"");
	bad("10S", ERR_SYNTAX, "unknown unit \"S\"");
	bad("10 parsecs", ERR_SYNTAX, "unknown unit \"parsecs\"");
	bad("10s 5", ERR_SYNTAX, "unit");
	bad("3m 2h", ERR_SYNTAX, "largest to smallest");
	bad("1h 1h", ERR_SYNTAX, "largest to smallest");
	bad("1h, ", ERR_SYNTAX, "','");
	bad("1h,2m", ERR_SYNTAX, "space after ','");
	bad("1h,", ERR_SYNTAX, "space after ','");
	bad("1.5h 2m", ERR_SYNTAX, "last unit");
	bad("1.5d", ERR_SYNTAX, "fraction");
	bad("1.1234567891h", ERR_SYNTAX, "digits");
	bad("1.h", ERR_SYNTAX, "unexpected '.'");
	bad("+", ERR_SYNTAX, "number");
	bad("1h\n", ERR_SYNTAX, "trailing");
	bad("02:00:00", ERR_SYNTAX, "':'");
	bad("P", ERR_SYNTAX, "without any component");
	bad("PT", ERR_SYNTAX, "'T' must be followed");
	bad("P1DT", ERR_SYNTAX, "'T' must be followed");
	bad("P1H", ERR_SYNTAX, "after 'T'");
	bad("PT1D", ERR_SYNTAX, "before 'T'");
	bad("P1D2D", ERR_SYNTAX, "largest to smallest");
	bad("PT1S1M", ERR_SYNTAX, "largest to smallest");
	bad("P1DT2HT3M", ERR_SYNTAX, "expected H, M or S");
	bad("P1", ERR_SYNTAX, "input ends");
	bad("P 1D", ERR_SYNTAX, "offset 1");
	bad("P1.5D", ERR_SYNTAX, "fraction");
	bad("PT1.5H30M", ERR_SYNTAX, "last component");
	bad("PTX", ERR_SYNTAX, "number");
	bad("P1D ", ERR_SYNTAX, "offset 3");

	/* An embedded NUL is not the end of the input. */
	int64_t v = 0;
	char err[TIMESPAN_ERR_SIZE];
	assert_int_equal(timespan_parse("10s\0junk", 8, &v, err, sizeof(err)), ERR_SYNTAX);
	assert_non_null(strstr(err, "0x00"));
	/* No message buffer is fine. */
	assert_int_equal(timespan_parse("x", 1, &v, NULL, 0), ERR_SYNTAX);
	/* A short message buffer truncates but stays a string. */
	char tiny[8];
	assert_int_equal(timespan_parse("10x", 3, &v, tiny, sizeof(tiny)), ERR_SYNTAX);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

static void test_validity(void **state)
{
	(void)state;
	int64_t v;
	char err[TIMESPAN_ERR_SIZE];
	assert_int_equal(timespan_parse_validity("forever", 7, &v, err, sizeof(err)), 0);
	assert_int_equal(v, TIMESPAN_FOREVER);
	assert_int_equal(timespan_parse_validity("365d", 4, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 365 * 86400);
	assert_int_equal(timespan_parse_validity("Forever", 7, &v, err, sizeof(err)), ERR_SYNTAX);
	/* Plain spans do not take "forever". */
	assert_int_equal(timespan_parse("forever", 7, &v, err, sizeof(err)), ERR_SYNTAX);
}

static void fmt_is(int64_t secs, const char *want)
{
	char out[TIMESPAN_FORMAT_SIZE];
	int n = timespan_format(secs, out, sizeof(out));
	assert_int_equal(n, (int)strlen(want));
	assert_string_equal(out, want);
}

static void test_format(void **state)
{
	(void)state;
	fmt_is(0, "0s");
	fmt_is(59, "59s");
	fmt_is(60, "1m");
	fmt_is(93784, "1d 2h 3m 4s");
	fmt_is(93600, "1d 2h");
	fmt_is(14 * 86400, "14d");
	fmt_is(3601, "1h 1s");
	fmt_is(-90, "-1m 30s");
	fmt_is(TIMESPAN_MAX, "7304484d");
	fmt_is(TIMESPAN_FOREVER, "forever");
	fmt_is(INT64_MIN, "-106751991167300d 15h 30m 8s");

	char out[TIMESPAN_FORMAT_SIZE];
	assert_int_equal(timespan_format(93600, out, 5), ERR_LIMIT);
	assert_int_equal(timespan_format(93600, out, 6), 5);
	assert_int_equal(timespan_format(0, out, 0), ERR_LIMIT);

	/* What we print, we parse back. */
	static const int64_t spans[] = {0, 1, 59, 61, 3600, 86399, 93784, 1209600, TIMESPAN_MAX};
	for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		int64_t v;
		int n = timespan_format(spans[i], out, sizeof(out));
		assert_true(n > 0);
		assert_int_equal(timespan_parse(out, (size_t)n, &v, NULL, 0), 0);
		assert_int_equal(v, spans[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cascade_cases),
		cmocka_unit_test(test_policy_defaults),
		cmocka_unit_test(test_friendly_forms),
		cmocka_unit_test(test_iso_forms),
		cmocka_unit_test(test_rejected_units),
		cmocka_unit_test(test_negative_and_range),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_validity),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
