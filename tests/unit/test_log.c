/* Unit tests for lib/util/log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util/err.h"
#include "lib/util/log.h"

struct tmp {
	char dir[64];
	char path[128];
};

static void tmp_make(struct tmp *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/test_log_XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/cascade.log", t->dir);
}

static void tmp_remove(struct tmp *t)
{
	char p[160];
	unlink(t->path);
	snprintf(p, sizeof(p), "%s.1", t->path);
	unlink(p);
	rmdir(t->dir);
}

/* Whole file as a string (caller frees); "" when missing. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return strdup("");
	struct stat st;
	assert_int_equal(fstat(fileno(f), &st), 0);
	char *s = malloc((size_t)st.st_size + 1);
	assert_non_null(s);
	size_t n = fread(s, 1, (size_t)st.st_size, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ <level>: <text>\n" */
static void check_line(const char *line, const char *level, const char *text)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ ";
	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd')
			assert_true(line[i] >= '0' && line[i] <= '9');
		else
			assert_int_equal(line[i], shape[i]);
	}
	const char *p = line + sizeof(shape) - 1;
	size_t ll = strlen(level);
	assert_memory_equal(p, level, ll);
	assert_memory_equal(p + ll, ": ", 2);
	p += ll + 2;
	size_t tl = strlen(text);
	assert_memory_equal(p, text, tl);
	assert_int_equal(p[tl], '\n');
}

static void test_levels(void **state)
{
	(void)state;
	static const char *const names[] = {
		"trace", "debug", "info", "warning", "error", "critical"};
	for (int i = 0; i < 6; i++) {
		enum log_level l;
		assert_int_equal(log_level_parse(names[i], &l), 0);
		assert_int_equal(l, i);
		assert_string_equal(log_level_name(l), names[i]);
	}
	static const char *const bad[] = {"warn", "INFO", "Info", "", "fatal", "info "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum log_level l = LOG_LEVEL_ERROR;
		assert_int_equal(log_level_parse(bad[i], &l), ERR_INVAL);
		assert_int_equal(l, LOG_LEVEL_ERROR);
	}
	assert_string_equal(log_level_name((enum log_level)99), "unknown");

	log_set_level(LOG_LEVEL_WARNING);
	assert_int_equal(log_get_level(), LOG_LEVEL_WARNING);
	assert_false(log_enabled(LOG_LEVEL_INFO));
	assert_true(log_enabled(LOG_LEVEL_WARNING));
	assert_true(log_enabled(LOG_LEVEL_CRITICAL));
	log_set_level(LOG_LEVEL_TRACE);
	assert_true(log_enabled(LOG_LEVEL_TRACE));
	log_set_level(LOG_LEVEL_INFO);
}

static void test_file_target_and_filter(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	assert_int_equal(log_open_file(t.path), 0);
	assert_int_equal(log_get_target(), LOG_TARGET_FILE);
	log_set_level(LOG_LEVEL_INFO);
	log_info("hello %d", 42);
	log_debug("not shown");
	log_trace("not shown");
	log_warning("zone %s: %s", "example.", "late");
	log_error("e");
	log_critical("c");
	log_set_level(LOG_LEVEL_TRACE);
	log_trace("t");
	log_set_level(LOG_LEVEL_INFO);
	log_close();
	assert_int_equal(log_get_target(), LOG_TARGET_STDERR);

	char *s = slurp(t.path);
	assert_int_equal(count_lines(s), 5);
	const char *line = s;
	check_line(line, "info", "hello 42");
	line = strchr(line, '\n') + 1;
	check_line(line, "warning", "zone example.: late");
	line = strchr(line, '\n') + 1;
	check_line(line, "error", "e");
	line = strchr(line, '\n') + 1;
	check_line(line, "critical", "c");
	line = strchr(line, '\n') + 1;
	check_line(line, "trace", "t");
	free(s);

	/* Appends, never truncates. */
	assert_int_equal(log_open_file(t.path), 0);
	log_info("again");
	log_close();
	s = slurp(t.path);
	assert_int_equal(count_lines(s), 6);
	check_line(s, "info", "hello 42");
	check_line(strrchr(s, 'Z') - 23, "info", "again");
	free(s);
	tmp_remove(&t);
}

static void test_escaping_and_truncation(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	assert_int_equal(log_open_file(t.path), 0);
	log_info("a\nfake 2025-01-01T00:00:00.000Z critical: b\tc\x01\x7f\r");
	char *big = malloc(10000);
	assert_non_null(big);
	memset(big, 'x', 9999);
	big[9999] = '\0';
	log_info("%s", big);
	free(big);
	log_info("%s", "");
	/* Fits the format buffer but not once escaped: cut while escaping. */
	char ctl[1500];
	memset(ctl, '\x01', sizeof(ctl) - 1);
	ctl[sizeof(ctl) - 1] = '\0';
	log_info("%s", ctl);
	log_close();

	char *s = slurp(t.path);
	assert_int_equal(count_lines(s), 4);
	check_line(s, "info", "a\\nfake 2025-01-01T00:00:00.000Z critical: b\\tc\\x01\\x7f\\r");
	char *second = strchr(s, '\n') + 1;
	char *end = strchr(second, '\n');
	size_t len = (size_t)(end - second) + 1;
	assert_true(len <= LOG_LINE_MAX);
	assert_true(len > LOG_LINE_MAX / 2);
	assert_memory_equal(end - 6, "xxx...", 6);
	check_line(end + 1, "info", "");
	char *fourth = strchr(end + 1, '\n') + 1;
	end = strchr(fourth, '\n');
	assert_true((size_t)(end - fourth) + 1 <= LOG_LINE_MAX);
	assert_memory_equal(end - 7, "\\x01...", 7);
	free(s);
	tmp_remove(&t);
}

static void test_reopen_for_rotation(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	char rotated[160];
	snprintf(rotated, sizeof(rotated), "%s.1", t.path);

	assert_int_equal(log_open_file(t.path), 0);
	log_info("before");
	assert_int_equal(rename(t.path, rotated), 0);
	log_info("still old"); /* the open descriptor follows the renamed file */
	assert_int_equal(log_reopen(), 0);
	log_info("after");

	char *old = slurp(rotated);
	assert_int_equal(count_lines(old), 2);
	check_line(old, "info", "before");
	check_line(strchr(old, '\n') + 1, "info", "still old");
	free(old);
	char *cur = slurp(t.path);
	assert_int_equal(count_lines(cur), 1);
	check_line(cur, "info", "after");
	free(cur);

	/* The directory vanishes: reopening fails and the old file stays in use. */
	char moved[160];
	snprintf(moved, sizeof(moved), "%s.moved", t.dir);
	assert_int_equal(rename(t.dir, moved), 0);
	assert_int_equal(log_reopen(), -ENOENT);
	assert_int_equal(log_get_target(), LOG_TARGET_FILE);
	log_info("kept");
	assert_int_equal(rename(moved, t.dir), 0);
	log_close();

	cur = slurp(t.path);
	assert_int_equal(count_lines(cur), 2);
	check_line(strchr(cur, '\n') + 1, "info", "kept");
	free(cur);
	tmp_remove(&t);

	/* Reopen is a no-op for the standard streams. */
	assert_int_equal(log_reopen(), 0);
}

static void test_open_errors_keep_target(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	assert_int_equal(log_open_file(t.path), 0);
	assert_int_equal(log_open_file("/nonexistent-dir/x/cascade.log"), -ENOENT);
	assert_int_equal(log_get_target(), LOG_TARGET_FILE);
	assert_int_equal(log_open_spec("file:"), ERR_INVAL);
	assert_int_equal(log_open_spec("bogus"), ERR_INVAL);
	assert_int_equal(log_open_spec("File:/tmp/x"), ERR_INVAL);
	assert_int_equal(log_open_spec(""), ERR_INVAL);
	assert_int_equal(log_open_spec("file:/nonexistent-dir/x/y.log"), -ENOENT);
	assert_int_equal(log_get_target(), LOG_TARGET_FILE);
	log_info("still here");
	log_close();
	char *s = slurp(t.path);
	assert_non_null(strstr(s, "still here"));
	free(s);
	tmp_remove(&t);
}

static void test_spec_targets(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	char spec[160];
	snprintf(spec, sizeof(spec), "file:%s", t.path);
	assert_int_equal(log_open_spec(spec), 0);
	assert_int_equal(log_get_target(), LOG_TARGET_FILE);
	log_info("via spec");
	assert_int_equal(log_open_spec("stdout"), 0);
	assert_int_equal(log_get_target(), LOG_TARGET_STDOUT);
	assert_int_equal(log_open_spec("syslog"), 0);
	assert_int_equal(log_get_target(), LOG_TARGET_SYSLOG);
	log_debug("unit test: filtered, not sent to syslog");
	assert_int_equal(log_open_syslog("cascade-test"), 0);
	assert_int_equal(log_get_target(), LOG_TARGET_SYSLOG);
	assert_int_equal(log_reopen(), 0);
	assert_int_equal(log_open_spec("stderr"), 0);
	assert_int_equal(log_get_target(), LOG_TARGET_STDERR);
	char *s = slurp(t.path);
	assert_int_equal(count_lines(s), 1);
	check_line(s, "info", "via spec");
	free(s);
	tmp_remove(&t);
}

static void test_stderr_target(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	int fd = open(t.path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	assert_int_equal(log_open_stderr(), 0);
	log_error("to stderr %s", "ok");
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(fd);
	char *s = slurp(t.path);
	check_line(s, "error", "to stderr ok");
	free(s);
	tmp_remove(&t);
}

static void test_errno_preserved(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	assert_int_equal(log_open_file(t.path), 0);
	errno = EAGAIN;
	log_info("x");
	assert_int_equal(errno, EAGAIN);
	log_close();
	tmp_remove(&t);
}

#define THREADS 8
#define LINES 500

static void *writer(void *arg)
{
	int id = (int)(intptr_t)arg;
	for (int i = 0; i < LINES; i++)
		log_info("thread %d line %d %s", id, i, "padding-padding-padding-padding");
	return NULL;
}

static void test_threads_lines_intact(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	assert_int_equal(log_open_file(t.path), 0);
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, writer, (void *)(intptr_t)i), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	log_close();

	char *s = slurp(t.path);
	assert_int_equal(count_lines(s), THREADS * LINES);
	int next[THREADS] = {0};
	for (char *line = s; *line; line = strchr(line, '\n') + 1) {
		int id, n;
		char tail[64];
		const char *text = line + strlen("2025-01-01T00:00:00.000Z info: ");
		assert_int_equal(sscanf(text, "thread %d line %d %63s", &id, &n, tail), 3);
		assert_true(id >= 0 && id < THREADS);
		assert_int_equal(n, next[id]); /* each thread's lines in its own order */
		next[id]++;
		char want[96];
		snprintf(want, sizeof(want), "thread %d line %d %s", id, n,
			"padding-padding-padding-padding");
		check_line(line, "info", want);
	}
	free(s);
	tmp_remove(&t);
}

static atomic_bool switching;

static void *busy_writer(void *arg)
{
	int *count = arg;
	while (atomic_load(&switching)) {
		log_info("busy line %d", *count);
		(*count)++;
	}
	return NULL;
}

/* Lines written while the main thread swaps targets all land whole, in one
 * of the files; none is lost to a descriptor closed under its feet. */
static void test_switch_while_writing(void **state)
{
	(void)state;
	struct tmp a, b;
	tmp_make(&a);
	tmp_make(&b);
	pthread_t th[4];
	int counts[4] = {0};
	assert_int_equal(log_open_file(a.path), 0);
	atomic_store(&switching, true);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, busy_writer, &counts[i]), 0);
	for (int i = 0; i < 300; i++) {
		assert_int_equal(log_open_file(i % 2 ? a.path : b.path), 0);
		assert_int_equal(log_reopen(), 0);
	}
	atomic_store(&switching, false);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	log_close();

	char *sa = slurp(a.path), *sb = slurp(b.path);
	size_t total =
		(size_t)counts[0] + (size_t)counts[1] + (size_t)counts[2] + (size_t)counts[3];
	assert_int_equal(count_lines(sa) + count_lines(sb), total);
	for (char *line = sa; *line; line = strchr(line, '\n') + 1)
		assert_non_null(strstr(line, " info: busy line "));
	free(sa);
	free(sb);
	tmp_remove(&a);
	tmp_remove(&b);
}

/* The budget lets per_sec lines through each second and says how many it
 * held back, once, in the next second. */
static void test_budget(void **state)
{
	(void)state;
	struct log_budget b = {.per_sec = 3};
	unsigned held;
	int passed = 0;
	for (int i = 0; i < 10; i++) {
		passed += log_budget_take(&b, 100, &held);
		assert_int_equal(held, 0);
	}
	assert_int_equal(passed, 3);
	assert_true(log_budget_take(&b, 101, &held));
	assert_int_equal(held, 7);
	assert_true(log_budget_take(&b, 101, &held));
	assert_int_equal(held, 0);
	assert_true(log_budget_take(&b, 105, &held));
	assert_int_equal(held, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_file_target_and_filter),
		cmocka_unit_test(test_escaping_and_truncation),
		cmocka_unit_test(test_reopen_for_rotation),
		cmocka_unit_test(test_open_errors_keep_target),
		cmocka_unit_test(test_spec_targets),
		cmocka_unit_test(test_stderr_target),
		cmocka_unit_test(test_errno_preserved),
		cmocka_unit_test(test_threads_lines_intact),
		cmocka_unit_test(test_switch_while_writing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
