/* Unit tests for lib/util/array. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lib/util/array.h"
#include "lib/util/err.h"

static void test_grow(void **state)
{
	(void)state;
	int *v = NULL;
	size_t cap = 0;
	for (size_t n = 0; n < 1000; n++) {
		assert_int_equal(array_reserve((void **)&v, &cap, n + 1, sizeof(*v), 8), 0);
		assert_true(cap >= n + 1);
		v[n] = (int)n; /* ASan checks the room */
	}
	assert_int_equal(cap, 1024);
	for (size_t n = 0; n < 1000; n++)
		assert_int_equal(v[n], (int)n);
	free(v);
}

static void test_overflow(void **state)
{
	(void)state;
	int *v = NULL;
	size_t cap = 0;
	assert_int_equal(array_reserve((void **)&v, &cap, SIZE_MAX, sizeof(*v), 8), ERR_NOMEM);
	assert_int_equal(array_reserve((void **)&v, &cap, SIZE_MAX / 2, 16, 8), ERR_NOMEM);
	assert_null(v);
	assert_int_equal(cap, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
