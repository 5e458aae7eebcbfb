/* Unit tests for lib/util/err. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "lib/util/err.h"

static void test_own_codes(void **state)
{
	(void)state;
	assert_string_equal(err_str(0), "success");
	assert_string_equal(err_str(ERR_NOMEM), "out of memory");
	assert_string_equal(err_str(ERR_LIMIT), "limit exceeded");
	for (int c = ERR_BASE - 1; c > ERR_LAST; c--)
		assert_string_not_equal(err_str(c), "unknown error");
}

static void test_errno_codes(void **state)
{
	(void)state;
	assert_string_equal(err_str(-ENOENT), strerror(ENOENT));
	assert_string_equal(err_str(ERR_LAST), "unknown error");
	assert_string_equal(err_str(5), "unknown error");
	assert_string_equal(err_str(-100000), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_codes),
		cmocka_unit_test(test_errno_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
