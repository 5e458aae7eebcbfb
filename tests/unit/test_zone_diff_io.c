/* Unit tests for lib/zone/zone_diff_io: diffs to octets and back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/util/err.h"
#include "lib/zone/zone_diff_io.h"
#include "lib/zone/zone_read.h"
#include "lib/zone/zone_write.h"

static const char *V1 = "$ORIGIN example.com.\n$TTL 3600\n"
			"@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n"
			"ns1 A 192.0.2.1\nwww A 192.0.2.80\nold TXT \"going\"\n";
static const char *V2 = "$ORIGIN example.com.\n$TTL 3600\n"
			"@ SOA ns1 hostmaster 2 7200 3600 1209600 300\n@ NS ns1\n"
			"ns1 A 192.0.2.1\nwww 60 A 192.0.2.80\nnew TXT \"here\" \"two strings\"\n"
			"a.b.deep AAAA 2001:db8::1\n";

static struct zone *load(const char *text)
{
	struct zone_read_opts o = {.origin = "example.com."};
	struct zone_msgs m;
	struct zone *z = NULL;
	zone_msgs_init(&m);
	assert_int_equal(zone_read_mem(text, strlen(text), "test", &o, &m, &z), 0);
	zone_msgs_deinit(&m);
	return z;
}

/* The zone file text of z, for comparing versions. */
static char *text_of(const struct zone *z)
{
	char path[] = "/tmp/test_zone_diff_io_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(zone_write_fd(z, fd), 0);
	off_t n = lseek(fd, 0, SEEK_END);
	char *s = calloc(1, (size_t)n + 1);
	assert_int_equal(pread(fd, s, (size_t)n, 0), n);
	close(fd);
	unlink(path);
	return s;
}

static void make_diff(struct zone **a, struct zone **b, struct zone_diff *d)
{
	*a = load(V1);
	*b = load(V2);
	zone_diff_init(d);
	assert_int_equal(zone_diff_compute(*a, *b, d), 0);
	assert_true(d->removed.n > 0 && d->added.n > 0);
}

/* Encode, decode, apply: the second version again, exactly. */
static void test_round_trip(void **state)
{
	(void)state;
	struct zone *a, *b, *c;
	struct zone_diff d, back;
	make_diff(&a, &b, &d);
	struct buf enc;
	buf_init(&enc, 0);
	assert_int_equal(zone_diff_encode(&d, &enc), 0);
	zone_diff_init(&back);
	assert_int_equal(zone_diff_decode(enc.data, enc.len, &back), 0);
	assert_int_equal(back.old_serial, 1);
	assert_int_equal(back.new_serial, 2);
	assert_int_equal(back.removed.n, d.removed.n);
	assert_int_equal(back.added.n, d.added.n);
	assert_int_equal(zone_diff_apply(a, &back, &c, NULL), 0);
	char *want = text_of(b), *got = text_of(c);
	assert_string_equal(got, want);
	free(want);
	free(got);
	zone_unref(c);
	zone_diff_deinit(&back);
	buf_deinit(&enc);
	zone_diff_deinit(&d);
	zone_unref(a);
	zone_unref(b);
}

/* Every truncation and every flipped octet is refused, never half-read. */
static void test_damage(void **state)
{
	(void)state;
	struct zone *a, *b;
	struct zone_diff d;
	make_diff(&a, &b, &d);
	struct buf enc;
	buf_init(&enc, 0);
	assert_int_equal(zone_diff_encode(&d, &enc), 0);
	for (size_t n = 0; n < enc.len; n++) {
		struct zone_diff x;
		zone_diff_init(&x);
		assert_true(zone_diff_decode(enc.data, n, &x) < 0);
		zone_diff_deinit(&x);
	}
	for (size_t i = 0; i < enc.len; i++) {
		struct zone_diff x;
		zone_diff_init(&x);
		enc.data[i] ^= 0x20;
		assert_true(zone_diff_decode(enc.data, enc.len, &x) < 0);
		enc.data[i] ^= 0x20;
		zone_diff_deinit(&x);
	}
	buf_deinit(&enc);
	zone_diff_deinit(&d);
	zone_unref(a);
	zone_unref(b);
}

static void test_file(void **state)
{
	(void)state;
	struct zone *a, *b;
	struct zone_diff d, back;
	make_diff(&a, &b, &d);
	char dir[] = "/tmp/test_zone_diff_io_dXXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.diff", dir);
	assert_int_equal(zone_diff_write_file(&d, path), 0);
	zone_diff_init(&back);
	assert_int_equal(zone_diff_read_file(path, &back), 0);
	assert_int_equal(back.added.n, d.added.n);
	zone_diff_deinit(&back);
	zone_diff_init(&back);
	unlink(path);
	assert_int_equal(zone_diff_read_file(path, &back), -ENOENT);
	zone_diff_deinit(&back);
	rmdir(dir);
	zone_diff_deinit(&d);
	zone_unref(a);
	zone_unref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
