/*
 * fuzz_dnsmsg.c - libFuzzer target for lib/dns/dnsmsg: the input is a query
 * as it would come off the wire. It is parsed and answered over UDP and TCP
 * for every state of the zone; a transfer is run to its end. Each answer
 * must echo the ID with QR set and fit its transport; a transfer must carry
 * every RR of the zone plus the closing SOA.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dns/dnsmsg.h"
#include "lib/zone/zone_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char zone_text[] = "$TTL 300\n"
				"@ SOA ns1 hostmaster 5 3600 900 604800 300\n"
				"@ NS ns1\n@ NS ns.example.net.\n@ MX 10 mail\n"
				"ns1 A 192.0.2.1\nmail A 192.0.2.2\nWWW CNAME mail\n"
				"sub NS ns.sub\nns.sub A 192.0.2.3\nx.y.z TXT \"deep\" \"two\"\n"
				"* TXT \"wild\"\n_sip._tcp SRV 0 5 5060 mail\n";

/* The version every query is answered from; built once, kept for the
 * process (the fuzzer never exits cleanly anyway). */
static struct zone *fuzz_zone(void)
{
	static struct zone *z;
	if (z)
		return z;
	struct zone_msgs m;
	zone_msgs_init(&m);
	struct zone_read_opts o = {.origin = "fuzz.test."};
	if (zone_read_mem(zone_text, sizeof(zone_text) - 1, "fuzz", &o, &m, &z) != 0)
		__builtin_trap();
	zone_msgs_deinit(&m);
	return z;
}

static void run_xfr(const struct dnsmsg_query *q, const struct zone *z, size_t target, uint8_t *out)
{
	struct dnsmsg_xfr x;
	if (dnsmsg_xfr_init(&x, q, z, target) != 0)
		__builtin_trap();
	size_t len;
	for (;;) {
		if (dnsmsg_xfr_next(&x, out, DNSMSG_MAX, &len) != 0)
			__builtin_trap();
		if (len == 0)
			break;
		if (len < DNSMSG_HEADER || len > DNSMSG_MAX || (out[2] & 0x80) == 0)
			__builtin_trap();
	}
	if (!dnsmsg_xfr_done(&x) || x.rrs != z->rrs + 1)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zone *z = fuzz_zone();
	static uint8_t out[DNSMSG_MAX];
	struct dnsmsg_query q;
	int rc = dnsmsg_parse_query(data, size, &q);
	if ((rc == 0) != (q.status == DNSMSG_QUERY_OK) || (rc != 0 && !q.problem))
		__builtin_trap();
	/* the room a caller keeps for a TSIG RR, from the input */
	q.reserve = size > 0 ? (uint16_t)(data[0] * 3u) : 0;
	if (dnsmsg_is_notify(&q) && (q.status != DNSMSG_QUERY_OK || q.opcode != 4))
		__builtin_trap();
	for (int tcp = 0; tcp <= 1; tcp++) {
		for (int zs = DNSMSG_ZONE_UNKNOWN; zs <= DNSMSG_ZONE_REFUSED; zs++) {
			size_t len;
			enum dnsmsg_reply rep;
			const struct zone *zz = zs == DNSMSG_ZONE_READY ? z : NULL;
			if (dnsmsg_reply(&q, (enum dnsmsg_zone)zs, zz, tcp, out, sizeof(out), &len,
				    &rep) != 0)
				__builtin_trap();
			if (rep == DNSMSG_REPLY_NONE && (len != 0 || q.status != DNSMSG_QUERY_DROP))
				__builtin_trap();
			if (rep == DNSMSG_REPLY_MSG) {
				size_t limit = tcp ? DNSMSG_MAX : dnsmsg_udp_limit(&q);
				if (len < DNSMSG_HEADER || len > limit || (out[2] & 0x80) == 0 ||
					memcmp(out, data, 2) != 0)
					__builtin_trap();
			}
			if (rep == DNSMSG_REPLY_XFR) {
				if (!tcp || zs != DNSMSG_ZONE_READY)
					__builtin_trap();
				run_xfr(&q, z, size > 12 ? 512u + 97u * data[size - 1] : 0, out);
			}
		}
	}
	return 0;
}
