/* Unit tests for lib/util/clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "lib/util/clock.h"
#include "lib/util/err.h"

static void test_system(void **state)
{
	(void)state;
	struct clock c;
	clock_init_system(&c);
	int64_t before = (int64_t)time(NULL);
	int64_t now = clock_now(&c);
	int64_t after = (int64_t)time(NULL);
	/* time() may read a coarser clock that lags by a tick: allow a second */
	assert_true(now >= before - 1 && now <= after + 1);
	assert_false(clock_is_fake(&c));
}

static void test_fixed_set_advance(void **state)
{
	(void)state;
	struct clock c;
	clock_init_fixed(&c, 1600000000);
	assert_true(clock_is_fake(&c));
	assert_int_equal(clock_now(&c), 1600000000);
	assert_int_equal(clock_now(&c), 1600000000);
	clock_advance(&c, 86400);
	assert_int_equal(clock_now(&c), 1600086400);
	clock_set(&c, 5);
	assert_int_equal(clock_now(&c), 5);
	clock_advance(&c, INT64_MAX); /* saturates instead of wrapping */
	assert_int_equal(clock_now(&c), INT64_MAX);
}

static int64_t step_fn(void *ctx)
{
	int64_t *t = ctx;
	return (*t)++;
}

static void test_function_clock(void **state)
{
	(void)state;
	int64_t t = 100;
	struct clock c;
	clock_init_fn(&c, step_fn, &t);
	assert_true(clock_is_fake(&c));
	assert_int_equal(clock_now(&c), 100);
	assert_int_equal(clock_now(&c), 101);
	clock_advance(&c, 10); /* pins at now() + 10 */
	assert_int_equal(clock_now(&c), 112);
	assert_int_equal(clock_now(&c), 112);
}

static void test_faketime_value(void **state)
{
	(void)state;
	struct clock c;
	char err[128] = "";
	assert_int_equal(clock_init_faketime(&c, NULL, err, sizeof(err)), 0);
	assert_false(clock_is_fake(&c));
	assert_int_equal(clock_init_faketime(&c, "1600000000", err, sizeof(err)), 0);
	assert_int_equal(clock_now(&c), 1600000000);
	assert_int_equal(clock_init_faketime(&c, "0", err, sizeof(err)), 0);
	assert_int_equal(clock_now(&c), 0);
	assert_int_equal(clock_init_faketime(&c, "9223372036854775807", err, sizeof(err)), 0);
	assert_int_equal(clock_now(&c), INT64_MAX);

	static const char *const bad[] = {
		"", " 1", "1 ", "-1", "+1", "1e9", "abc", "16000000000x", "9223372036854775808"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(clock_init_faketime(&c, bad[i], err, sizeof(err)), ERR_INVAL);
		assert_non_null(strstr(err, "CASCADE_FAKETIME"));
		assert_false(clock_is_fake(&c)); /* left a usable system clock */
	}
	/* No message buffer is fine too. */
	assert_int_equal(clock_init_faketime(&c, "x", NULL, 0), ERR_INVAL);
}

static void test_env_read_once(void **state)
{
	(void)state;
	struct clock c;
	char err[128];
	assert_int_equal(setenv("CASCADE_FAKETIME", "1234567890", 1), 0);
	assert_int_equal(clock_init_env(&c, err, sizeof(err)), 0);
	assert_int_equal(clock_now(&c), 1234567890);
	/* Changing the environment later does not move an initialised clock. */
	assert_int_equal(setenv("CASCADE_FAKETIME", "42", 1), 0);
	assert_int_equal(clock_now(&c), 1234567890);

	assert_int_equal(setenv("CASCADE_FAKETIME", "soon", 1), 0);
	assert_int_equal(clock_init_env(&c, err, sizeof(err)), ERR_INVAL);
	assert_non_null(strstr(err, "CASCADE_FAKETIME"));
	assert_non_null(strstr(err, "soon"));

	assert_int_equal(unsetenv("CASCADE_FAKETIME"), 0);
	assert_int_equal(clock_init_env(&c, err, sizeof(err)), 0);
	assert_false(clock_is_fake(&c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_system),
		cmocka_unit_test(test_fixed_set_advance),
		cmocka_unit_test(test_function_clock),
		cmocka_unit_test(test_faketime_value),
		cmocka_unit_test(test_env_read_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
