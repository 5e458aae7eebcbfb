/*
 * fuzz_zone.c - fuzz target for the zone file reader.
 *
 * Reads the input as a zone file for example.com. (without $INCLUDE), and
 * when it loads, checks a property: writing the version out and reading it
 * back gives the same zone (an empty diff). Any difference aborts.
 */
#include <stdint.h>
#include <stdlib.h>

#include "lib/zone/zone_diff.h"
#include "lib/zone/zone_read.h"
#include "lib/zone/zone_write.h"

static void check_roundtrip(const struct zone *z, const struct zone_read_opts *o)
{
	struct buf text;
	buf_init(&text, 0);
	struct tree_iter it;
	for (struct node *n = tree_iter_first(&it, z->tree); n; n = tree_iter_next(&it))
		for (const struct rrset *r = node_first(n); r; r = node_next(n, r))
			if (zone_write_rrset(n, r, &text) < 0)
				abort();
	struct zone_msgs m;
	struct zone *back;
	zone_msgs_init(&m);
	if (zone_read_mem((const char *)text.data, text.len, "written", o, &m, &back) != 0)
		abort(); /* what we write, we must read */
	struct zone_diff d;
	zone_diff_init(&d);
	if (zone_diff_compute(z, back, &d) != 0 || d.removed.n || d.added.n)
		abort();
	zone_diff_deinit(&d);
	zone_unref(back);
	zone_msgs_deinit(&m);
	buf_deinit(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zone_read_opts o = {.origin = "example.com.", .no_include = true, .max_rrs = 100000};
	struct zone_msgs m;
	struct zone *z;
	zone_msgs_init(&m);
	if (zone_read_mem((const char *)data, size, "fuzz", &o, &m, &z) == 0) {
		check_roundtrip(z, &o);
		zone_unref(z);
	}
	zone_msgs_deinit(&m);
	return 0;
}
