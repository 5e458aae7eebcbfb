/*
 * Out-of-memory paths of lib/zone: every allocation in a load, a diff and an
 * apply is made to fail in turn (this program is linked with --wrap for
 * malloc, calloc and realloc). Each run must fail cleanly or succeed; the
 * sanitizers catch leaks, double frees and use after free.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/util/err.h"
#include "lib/zone/zone_diff.h"
#include "lib/zone/zone_read.h"

#include "tests/unit/oom_wrap.h"

static const char *V1 = "$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 hm 1 2 3 4 5\n@ NS ns1\n"
			"ns1 A 192.0.2.1\nsub NS ns.sub\nns.sub A 192.0.2.2\nb A 192.0.2.3\n"
			"a.b.c TXT x\nc2 CNAME b\nb AAAA ::1\nw.x.y TXT deep\n";
static const char *V2 = "$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 hm 2 2 3 4 5\n@ NS ns1\n"
			"ns1 A 192.0.2.1\nsub2 NS ns.sub\nns.sub A 192.0.2.2\nb A 192.0.2.4\n"
			"a.b.c 600 TXT x\nd DNAME example.net.\nq.d A 192.0.2.9\nb AAAA ::1\n";

/* Enough names for several tree blocks, so a failure can hit a tree build
 * half done. */
static char *with_names(const char *head, unsigned n)
{
	size_t size = strlen(head) + n * 40 + 1, off = strlen(head);
	char *t = __real_malloc(size);
	memcpy(t, head, off + 1);
	for (unsigned i = 0; i < n; i++)
		off += (size_t)snprintf(
			t + off, size - off, "n%u A 192.0.2.%u\n", i * 7 % n, i % 200);
	return t;
}

static int load(const char *text, struct zone **z)
{
	struct zone_msgs m;
	struct zone_read_opts o = {.origin = "example.com."};
	zone_msgs_init(&m);
	int rc = zone_read_mem(text, strlen(text), "t.zone", &o, &m, z);
	zone_msgs_deinit(&m);
	return rc;
}

/* One run of load, load, diff, apply with allocation number k failing.
 * Returns true when no allocation failed (k is past the last one). */
static char *v1, *v2;

static bool run(long k)
{
	struct zone *a = NULL, *b = NULL, *c = NULL;
	struct zone_diff d;
	countdown = k;
	fired = false;
	bool ok = load(v1, &a) == 0 && load(v2, &b) == 0;
	zone_diff_init(&d);
	ok = ok && zone_diff_compute(a, b, &d) == 0;
	ok = ok && zone_diff_apply(a, &d, &c, NULL) == 0;
	countdown = -1;
	if (ok) { /* a failure some code can live with must not change the result */
		assert_int_equal(c->rrs, b->rrs);
		assert_int_equal(c->nodes, b->nodes);
	}
	zone_diff_deinit(&d);
	zone_unref(a);
	zone_unref(b);
	zone_unref(c);
	return !fired;
}

static void test_every_allocation_fails_once(void **state)
{
	(void)state;
	v1 = with_names(V1, 150);
	v2 = with_names(V2, 140);
	long k = 0;
	while (!run(k))
		k++;
	print_message("%ld allocation failures survived\n", k);
	assert_true(k > 50);
	free(v1);
	free(v2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_allocation_fails_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
