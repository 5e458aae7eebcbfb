/*
 * fuzz_diff.c - libFuzzer target for lib/zone/zone_diff_io: decodes the input
 * as a diff file; one that decodes must encode back to the same octets.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/zone/zone_diff_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zone_diff d;
	zone_diff_init(&d);
	if (zone_diff_decode(data, size, &d) == 0) {
		struct buf b;
		buf_init(&b, size);
		if (zone_diff_encode(&d, &b) != 0 || b.len != size ||
			memcmp(b.data, data, size) != 0)
			__builtin_trap();
		buf_deinit(&b);
	}
	zone_diff_deinit(&d);
	return 0;
}
