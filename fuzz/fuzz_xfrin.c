/*
 * fuzz_xfrin.c - libFuzzer target for lib/dns/xfrin's stream parser. The
 * input's first octet picks AXFR (even) or IXFR (odd); the rest is a TCP
 * stream of response messages, each after its 2-octet length (RFC 1035
 * §4.2.2), answering a query with ID 0x1234 for example.test. The stream
 * is fed to a scan and to a full parse, which is finished against a fixed
 * version of serial 5. The two must agree on where the stream ends and on
 * the framing errors; a version made must carry the first SOA's serial.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/dns/xfrin.h"
#include "lib/util/err.h"
#include "lib/zone/zone_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define APEX                     \
	((const uint8_t *)"\x07" \
			  "example\x04test")

static const char zone_text[] = "$TTL 300\n"
				"@ SOA ns1 hostmaster 5 3600 900 604800 300\n"
				"@ NS ns1\n"
				"ns1 A 192.0.2.1\n"
				"www A 192.0.2.80\n"
				"www TXT \"text\"\n";

/* The version IXFRs apply to; built once, kept for the process. */
static struct zone *base_zone(void)
{
	static struct zone *z;
	if (z)
		return z;
	struct zone_msgs m;
	zone_msgs_init(&m);
	struct zone_read_opts o = {.origin = "example.test."};
	if (zone_read_mem(zone_text, sizeof(zone_text) - 1, "fuzz", &o, &m, &z) != 0)
		__builtin_trap();
	zone_msgs_deinit(&m);
	return z;
}

/* Feeds every framed message; returns the first error or 0. */
static int feed_all(struct xfrin *x, const uint8_t *data, size_t size)
{
	size_t pos = 1;
	while (size - pos >= 2) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = size - pos; /* a message cut by the end of the stream */
		int rc = xfrin_feed(x, data + pos, len);
		pos += len;
		if (rc < 0)
			return rc;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct zone *base = base_zone();
	struct xfrin_opts o = {.apex = APEX,
		.qtype = (data[0] & 1) ? XFRIN_QTYPE_IXFR : XFRIN_QTYPE_AXFR,
		.id = 0x1234,
		.base_serial = base->serial,
		.limits = {.rrs = 100000}};
	struct xfrin scan, full;
	o.scan_only = true;
	if (xfrin_init(&scan, &o) != 0)
		__builtin_trap();
	o.scan_only = false;
	if (xfrin_init(&full, &o) != 0)
		__builtin_trap();
	int src = feed_all(&scan, data, size);
	int frc = feed_all(&full, data, size);
	if ((src < 0 && !scan.err[0]) || (frc < 0 && !full.err[0]))
		__builtin_trap();
	/* the full parse sees more, never less */
	if (src < 0 && frc == 0)
		__builtin_trap();
	if (frc == 0 &&
		(src != 0 || xfrin_done(&scan) != xfrin_done(&full) || scan.kind != full.kind))
		__builtin_trap();
	struct zone *z = NULL;
	int rc = xfrin_finish(&full, base, &z);
	if (rc == 0 && !xfrin_done(&full))
		__builtin_trap();
	if (z) {
		if (rc != 0 || z->serial != full.soa.serial || !zone_same_apex(z, base))
			__builtin_trap();
		zone_unref(z);
	}
	xfrin_deinit(&scan);
	xfrin_deinit(&full);
	return 0;
}
