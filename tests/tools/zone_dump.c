/*
 * zone_dump - test and benchmark helper around the zone reader and writer.
 *
 *   zone_dump [-w OUT] [-c] [-q] ORIGIN FILE
 *
 * Reads FILE as the zone ORIGIN and prints the reader's messages on stderr.
 * -w writes the version back as a zone file; -c prints every RR in canonical
 * wire form (RFC 4034 §6.2), hex, one per line, for comparison with other
 * readers; -q prints only "rrs=N nodes=N". Exit 0 when the zone loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/dns/rdata.h"
#include "lib/util/err.h"
#include "lib/zone/zone_read.h"
#include "lib/zone/zone_write.h"

static void put_hex(const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		putchar(hx[p[i] >> 4]);
		putchar(hx[p[i] & 15]);
	}
}

static void dump_canonical(const struct zone *z)
{
	uint8_t owner[256], rd[65536];
	struct tree_iter it;
	for (struct node *n = tree_iter_first(&it, z->tree); n; n = tree_iter_next(&it)) {
		size_t olen = n->owner_len;
		memcpy(owner, node_owner(n), olen);
		name_lower(owner);
		for (const struct rrset *r = node_first(n); r; r = node_next(n, r)) {
			uint32_t pos = 0;
			const uint8_t *d;
			uint16_t len;
			while (rrset_next_rdata(r, &pos, &d, &len)) {
				memcpy(rd, d, len);
				rdata_canonicalize(r->type, rd, len);
				uint8_t hdr[10] = {r->type >> 8, r->type & 255, 0, 1, r->ttl >> 24,
					(r->ttl >> 16) & 255, (r->ttl >> 8) & 255, r->ttl & 255,
					len >> 8, len & 255};
				put_hex(owner, olen);
				put_hex(hdr, sizeof(hdr));
				put_hex(rd, len);
				putchar('\n');
			}
		}
	}
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	int canonical = 0, quiet = 0, opt;
	while ((opt = getopt(argc, argv, "w:cq")) != -1) {
		if (opt == 'w')
			out = optarg;
		else if (opt == 'c')
			canonical = 1;
		else if (opt == 'q')
			quiet = 1;
		else
			return 2;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: zone_dump [-w OUT] [-c] [-q] ORIGIN FILE\n");
		return 2;
	}
	struct zone_msgs msgs;
	zone_msgs_init(&msgs);
	struct zone_read_opts opts = {.origin = argv[optind]};
	struct zone *z;
	int rc = zone_read_file(argv[optind + 1], &opts, &msgs, &z);
	fputs(buf_cstr(&msgs.text), stderr);
	zone_msgs_deinit(&msgs);
	if (rc < 0) {
		fprintf(stderr, "%s: not loaded: %s\n", argv[optind + 1], err_str(rc));
		return 1;
	}
	if (quiet)
		printf("rrs=%zu nodes=%zu\n", z->rrs, z->nodes);
	if (canonical)
		dump_canonical(z);
	if (out && (rc = zone_write_file(z, out)) < 0) {
		fprintf(stderr, "%s: %s\n", out, err_str(rc));
		zone_unref(z);
		return 1;
	}
	zone_unref(z);
	return 0;
}
