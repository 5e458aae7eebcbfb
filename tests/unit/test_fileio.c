/* Unit tests for lib/util/fileio. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/util/err.h"
#include "lib/util/fileio.h"
#include "tests/unit/tmpdir.h"

static const char *path_of(const char *name)
{
	static char p[128];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void expect_content(const char *path, const char *want)
{
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(fileio_read(path, 1024, &b), 0);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.data, want, b.len);
	buf_deinit(&b);
}

/* The mode is the one asked for, whatever the umask; nothing is left behind. */
static void test_write_modes(void **state)
{
	(void)state;
	mode_t old = umask(0077);
	const char *p = path_of("public");
	assert_int_equal(fileio_write_data(p, 0644, 0, "abc", 3), 0);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	expect_content(p, "abc");
	umask(0);
	p = path_of("secret");
	assert_int_equal(fileio_write_data(p, 0600, 0, "s", 1), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	umask(old);
	/* Replacing is the default; FILEIO_NO_REPLACE refuses and keeps the old. */
	assert_int_equal(fileio_write_data(p, 0600, 0, "t", 1), 0);
	expect_content(p, "t");
	assert_int_equal(fileio_write_data(p, 0600, FILEIO_NO_REPLACE, "u", 1), -EEXIST);
	expect_content(p, "t");
	assert_int_equal(fileio_write_data(path_of("new"), 0600, FILEIO_NO_REPLACE, "", 0), 0);
	expect_content(path_of("new"), "");
	/* Only the three files: no temporary ones left. */
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 3", dir);
	assert_int_equal(system(cmd), 0);
	/* A folder that does not exist. */
	assert_int_equal(fileio_write_data(path_of("no/such"), 0644, 0, "x", 1), -ENOENT);
}

static void test_read_limits(void **state)
{
	(void)state;
	const char *p = path_of("big");
	char data[5000];
	memset(data, 'x', sizeof(data));
	assert_int_equal(fileio_write_data(p, 0644, 0, data, sizeof(data)), 0);
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(fileio_read(p, 4999, &b), ERR_LIMIT);
	buf_clear(&b);
	assert_int_equal(fileio_read(p, 5000, &b), 0);
	assert_int_equal(b.len, 5000);
	buf_deinit(&b);
	assert_int_equal(fileio_read(path_of("missing"), 10, &b), -ENOENT);
	assert_int_equal(fileio_read(dir, 10, &b), -EINVAL); /* not a regular file */
	buf_deinit(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_modes),
		cmocka_unit_test(test_read_limits),
	};
	return cmocka_run_group_tests(tests, dir_setup, dir_teardown);
}
