/* Unit tests for lib/util/buf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/util/buf.h"
#include "lib/util/err.h"

static void test_append_and_printf(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(buf_append_str(&b, "hello"), 0);
	assert_int_equal(buf_append_byte(&b, ' '), 0);
	assert_int_equal(buf_printf(&b, "%d-%s", 42, "x"), 0);
	assert_string_equal(buf_cstr(&b), "hello 42-x");
	assert_int_equal(b.len, 10);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_append(&b, "0123456789", 10), 0);
	assert_int_equal(b.len, 10010);
	buf_clear(&b);
	assert_int_equal(b.len, 0);
	buf_deinit(&b);
}

static void test_cap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_append(&b, "12345678", 8), 0);
	assert_int_equal(buf_append_byte(&b, '9'), ERR_LIMIT);
	assert_int_equal(buf_printf(&b, "x"), ERR_LIMIT);
	assert_int_equal(b.len, 8);
	assert_string_equal(buf_cstr(&b), "12345678");
	buf_deinit(&b);
}

static void test_secret_and_steal(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	b.secret = true;
	for (int i = 0; i < 100; i++)
		assert_int_equal(buf_append(&b, "key!", 4), 0);
	size_t len;
	uint8_t *p = buf_steal(&b, &len);
	assert_int_equal(len, 400);
	assert_memory_equal(p, "key!key!", 8);
	free(p);
	assert_null(b.data);
	buf_deinit(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_and_printf),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_secret_and_steal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
