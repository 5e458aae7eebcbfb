/*
 * Out-of-memory paths of the signer: every allocation of a full signing
 * followed by an incremental one (NSEC, then NSEC3 opt-out) is made to fail
 * in turn (this program is linked with --wrap for malloc, calloc and
 * realloc; OpenSSL's own allocations are not counted). Each run must fail
 * cleanly or give the right zone; the sanitizers catch leaks, double frees
 * and use after free. One thread, so the count is the same in every run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libknot/dname.h>

#include "lib/dnssec/signer.h"
#include "lib/util/err.h"
#include "lib/zone/zone_diff.h"
#include "tests/unit/signer_check.h"

#include "tests/unit/oom_wrap.h"

static const char *V1 =
	"$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 hm 1 2 3 4 5\n@ NS ns1\n"
	"ns1 A 192.0.2.1\nsub NS ns.sub\nns.sub A 192.0.2.2\nb A 192.0.2.3\n"
	"a.b.c TXT x\nc2 CNAME b\nsec NS ns.example.net.\n"
	"sec DS 1 13 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE7F8F8C5DEC8E3C7D4A7A2F1E\n";
static const char *V2 = "$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 hm 2 2 3 4 5\n@ NS ns1\n"
			"ns1 A 192.0.2.1\nsub2 NS ns.sub2\nns.sub2 A 192.0.2.2\nb A 192.0.2.4\n"
			"a.b.c TXT x\nd DNAME example.net.\nq.d A 192.0.2.9\nnew.x.y TXT y\n"
			"sec NS ns.example.net.\n";

static struct zone *in1, *in2;
static struct key *ksk, *zsk;

/* One full signing of in1 and one incremental signing of in2 on top, with
 * allocation number k failing; the result checked against want when both
 * succeed. Returns true when no allocation failed. */
static bool run(long k, const struct signer_opts *o, const struct zone *want)
{
	struct zone *a = NULL, *b = NULL;
	struct signer_prev prev = {in1, NULL, o, 0};
	countdown = k;
	fired = false;
	bool ok = signer_sign(in1, o, &a, NULL) == 0;
	prev.out = a;
	ok = ok && signer_update(in2, o, &prev, &b, NULL, NULL) == 0;
	countdown = -1;
	if (ok) {
		struct zone_diff d;
		zone_diff_init(&d);
		assert_int_equal(zone_diff_compute(want, b, &d), 0);
		assert_int_equal(d.removed.n + d.added.n, 0);
		assert_int_equal(b->rrs, want->rrs);
		assert_int_equal(b->nodes, want->nodes);
		zone_diff_deinit(&d);
	}
	zone_unref(a);
	zone_unref(b);
	return !fired;
}

static void sweep(bool nsec3)
{
	struct signer_key keys[] = {{ksk, true, true, false, NULL}, {zsk, true, false, true, NULL}};
	struct signer_opts o = {.keys = keys,
		.nkeys = 2,
		.inception = 1600000000,
		.expiration = 1700000000,
		.now = 1600003600,
		.refresh = 86400,
		.threads = 1,
		.nsec3 = nsec3,
		.opt_out = nsec3};
	struct zone *want;
	assert_int_equal(signer_sign(in2, &o, &want, NULL), 0);
	long k = 0;
	while (!run(k, &o, want))
		k++;
	print_message("%s: %ld allocation failures survived\n", nsec3 ? "NSEC3" : "NSEC", k);
	assert_true(k > 50);
	zone_unref(want);
}

static void test_every_allocation_fails_once(void **state)
{
	(void)state;
	uint8_t apex[256];
	knot_dname_from_str(apex, "example.com.", sizeof(apex));
	assert_int_equal(
		key_generate(KEY_ALG_ED25519, 0, KEY_FLAG_ZONE | KEY_FLAG_SEP, apex, &ksk), 0);
	assert_int_equal(key_generate(KEY_ALG_ED25519, 0, KEY_FLAG_ZONE, apex, &zsk), 0);
	in1 = load(V1);
	struct zone *target = load(V2);
	struct zone_diff d;
	zone_diff_init(&d);
	assert_int_equal(zone_diff_compute(in1, target, &d), 0);
	assert_int_equal(zone_diff_apply(in1, &d, &in2, NULL), 0); /* shares with in1 */
	zone_diff_deinit(&d);
	sweep(false);
	sweep(true);
	zone_unref(target);
	zone_unref(in1);
	zone_unref(in2);
	key_free(ksk);
	key_free(zsk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_allocation_fails_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
