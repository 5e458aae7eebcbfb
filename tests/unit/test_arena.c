/* Unit tests for lib/util/arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/util/arena.h"

static void test_alignment_and_reuse(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 256);
	for (size_t i = 1; i < 300; i++) {
		uint8_t *p = arena_alloc(&a, i);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		memset(p, (int)i, i); /* ASan catches overlap or overflow */
	}
	arena_deinit(&a);
	assert_null(a.head);
}

static void test_big_blocks_keep_chunk(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1024);
	char *small1 = arena_dup(&a, "abc", 4);
	void *big = arena_alloc(&a, 100000);
	char *small2 = arena_dup(&a, "def", 4);
	assert_non_null(big);
	/* the small blocks share the first chunk despite the big one between */
	assert_ptr_equal(small2, small1 + 16);
	assert_string_equal(small1, "abc");
	assert_string_equal(small2, "def");
	assert_true(a.used >= 100000 + 32);
	arena_deinit(&a);
}

static void test_overflow_sizes(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	assert_null(arena_alloc(&a, SIZE_MAX));
	assert_null(arena_alloc(&a, SIZE_MAX - 8));
	assert_non_null(arena_alloc(&a, 0));
	arena_deinit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment_and_reuse),
		cmocka_unit_test(test_big_blocks_keep_chunk),
		cmocka_unit_test(test_overflow_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
