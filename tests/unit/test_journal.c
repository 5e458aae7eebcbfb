/* test_journal.c - the IXFR journal: chaining, gaps, trimming by count and
 * by size, and the paths it finds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lib/util/err.h"
#include "lib/zone/journal.h"

static const uint8_t owner[] = "\3www\7example\0";

static size_t ndropped;
static uint64_t last_dropped;

static void on_drop(void *ctx, uint64_t gen)
{
	(void)ctx;
	ndropped++;
	last_dropped = gen;
}

/* A diff from -> to with n added TXT records. */
static struct zone_diff *mkdiff(uint32_t from, uint32_t to, size_t n)
{
	struct zone_diff *d = malloc(sizeof(*d));
	assert_non_null(d);
	zone_diff_init(d);
	d->old_serial = from;
	d->new_serial = to;
	for (size_t i = 0; i < n; i++) {
		uint8_t rd[2] = {1, (uint8_t)('a' + i % 26)};
		assert_int_equal(zone_diff_add(d, false, owner, 16, 0, 300, rd, 2), 0);
	}
	return d;
}

static void test_chain_and_paths(void **state)
{
	(void)state;
	struct journal j;
	journal_init(&j);
	for (uint32_t s = 1; s <= 4; s++)
		assert_int_equal(journal_push(&j, mkdiff(s, s + 1, 2), 100 + s, on_drop, NULL), 0);
	assert_int_equal(j.n, 4);
	assert_int_equal(j.rrs, 8);
	size_t first, count;
	assert_int_equal(journal_path(&j, 1, 5, &first, &count), 0);
	assert_int_equal(first, 0);
	assert_int_equal(count, 4);
	assert_int_equal(journal_path(&j, 3, 5, &first, &count), 0);
	assert_int_equal(first, 2);
	assert_int_equal(count, 2);
	assert_int_equal(journal_path(&j, 4, 5, &first, &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(journal_path(&j, 0, 5, &first, &count), ERR_NOTFOUND);
	assert_int_equal(journal_path(&j, 2, 9, &first, &count), ERR_NOTFOUND);
	/* A gap: the chain starts again at the new diff. */
	ndropped = 0;
	assert_int_equal(journal_push(&j, mkdiff(7, 8, 1), 200, on_drop, NULL), 0);
	assert_int_equal(ndropped, 4);
	assert_int_equal(last_dropped, 104);
	assert_int_equal(j.n, 1);
	assert_int_equal(j.rrs, 1);
	assert_int_equal(journal_path(&j, 4, 8, &first, &count), ERR_NOTFOUND);
	assert_int_equal(journal_path(&j, 7, 8, &first, &count), 0);
	journal_deinit(&j);
}

static void test_trim(void **state)
{
	(void)state;
	struct journal j;
	journal_init(&j);
	for (uint32_t s = 1; s <= 6; s++)
		assert_int_equal(journal_push(&j, mkdiff(s, s + 1, 10), s, NULL, NULL), 0);
	ndropped = 0;
	/* By count: five at most (Cascade's default). */
	assert_int_equal(journal_trim(&j, 5, 100, 1000, on_drop, NULL), 1);
	assert_int_equal(ndropped, 1);
	assert_int_equal(last_dropped, 1);
	assert_int_equal(j.n, 5);
	assert_int_equal(j.v[0].diff->old_serial, 2);
	/* By size: 20 % of 150 records is 30, so three diffs of 10. */
	assert_int_equal(journal_trim(&j, 5, 20, 150, on_drop, NULL), 2);
	assert_int_equal(j.n, 3);
	assert_int_equal(j.rrs, 30);
	assert_int_equal(last_dropped, 3);
	/* Within both: nothing goes. */
	assert_int_equal(journal_trim(&j, 5, 20, 150, on_drop, NULL), 0);
	/* max-diffs 0: everything goes. */
	assert_int_equal(journal_trim(&j, 0, 20, 150, NULL, NULL), 3);
	assert_int_equal(j.n, 0);
	assert_int_equal(j.rrs, 0);
	journal_deinit(&j);
}

static void test_would_keep(void **state)
{
	(void)state;
	assert_true(journal_would_keep(20, 5, 20, 100));
	assert_false(journal_would_keep(21, 5, 20, 100));
	assert_false(journal_would_keep(1, 0, 20, 100));
	/* A tiny zone still keeps a one-record change. */
	assert_true(journal_would_keep(1, 5, 20, 3));
	/* No overflow on huge zones. */
	assert_true(journal_would_keep(SIZE_MAX / 200, 5, 100, SIZE_MAX / 100));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_and_paths),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_would_keep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
