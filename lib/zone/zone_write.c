/* zone_write.c - zone versions to zone files (see zone_write.h). */
#include "lib/zone/zone_write.h"

#include <libknot/descriptor.h>
#include <libknot/rrset-dump.h>
#include <libknot/rrset.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dns/rdata.h"
#include "lib/util/err.h"
#include "lib/util/fileio.h"

static const knot_dump_style_t write_style = {
	.wrap = false,
	.show_class = true,
	.show_ttl = true,
	.verbose = false,
	.original_ttl = false,
	.empty_ttl = false,
	.human_ttl = false,
	.human_timestamp = true,
	.generic = false,
	.hide_crypto = false,
	.ascii_to_idn = NULL,
	.color = NULL,
	/* RRSIG times are 32-bit serial numbers (RFC 4034 §3.1.5); libknot
	 * prints the date nearest to "now". 2^31 makes that 1970..2106, the
	 * unsigned reading, the same for every run. */
	.now = 1ull << 31,
};

/* The same, with RDATA in the generic form of RFC 3597 §5. */
static const knot_dump_style_t write_style_generic = {
	.wrap = false,
	.show_class = true,
	.show_ttl = true,
	.human_timestamp = true,
	.generic = true,
	.now = 1ull << 31,
};

/* Appends one RR as a line. A line is at most the owner (4 characters an
 * octet when escaped), the header fields, and the RDATA (at worst 4 characters
 * an octet too): past that, a failure is not for want of room. */
static int write_rr(const knot_rrset_t *one, const knot_rdata_t *rd, struct buf *out)
{
	const knot_dump_style_t *style = rdata_presentable(one->type, rd->data, rd->len)
		? &write_style
		: &write_style_generic;
	const size_t most = 4 * 255 + 128 + 4 * (size_t)rd->len + 64;
	size_t want = 128 + 2 * (size_t)rd->len;
	for (;; want *= 2) {
		if (want > most)
			want = most;
		int rc = buf_reserve(out, want);
		if (rc < 0)
			return rc;
		char *dst = (char *)out->data + out->len;
		size_t room = out->alloc - out->len - 1;
		int h = knot_rrset_txt_dump_header(one, one->ttl, dst, room, style);
		int d = h < 0 ? -1
			      : knot_rrset_txt_dump_data(one, 0, dst + h, room - (size_t)h, style);
		if (h >= 0 && d >= 0 && (size_t)(h + d) + 1 < room) {
			dst[h + d] = '\n';
			out->len += (size_t)(h + d) + 1;
			return 0;
		}
		if (want == most)
			return ERR_DNS; /* libknot refused for another reason */
	}
}

int zone_write_rrset(const struct node *n, const struct rrset *r, struct buf *out)
{
	knot_rrset_t rr = {
		.owner = (knot_dname_t *)node_owner(n),
		.ttl = r->ttl,
		.type = r->type,
		.rclass = KNOT_CLASS_IN,
		.rrs = {.count = (uint16_t)r->count,
			.size = r->size,
			.rdata = (knot_rdata_t *)r->rdata},
	};
	for (uint16_t i = 0; i < rr.rrs.count; i++) {
		knot_rrset_t one = rr;
		knot_rdata_t *rd = knot_rdataset_at(&rr.rrs, i);
		one.rrs = (knot_rdataset_t){
			.count = 1, .size = (uint32_t)knot_rdata_size(rd->len), .rdata = rd};
		int rc = write_rr(&one, rd, out);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int zone_write_fd(const struct zone *z, int fd)
{
	struct buf b;
	buf_init(&b, 0);
	int rc = 0;
	struct tree_iter it;
	for (struct node *n = tree_iter_first(&it, z->tree); n && rc == 0;
		n = tree_iter_next(&it)) {
		/* The SOA first, as every zone file has it (RFC 1035 §5.2). */
		const struct rrset *soa =
			(n->flags & NODE_APEX) ? node_find(n, KNOT_RRTYPE_SOA, 0) : NULL;
		if (soa)
			rc = zone_write_rrset(n, soa, &b);
		for (const struct rrset *r = node_first(n); r && rc == 0; r = node_next(n, r))
			if (r != soa)
				rc = zone_write_rrset(n, r, &b);
		if (rc == 0 && b.len >= (1 << 20)) {
			rc = fileio_write_all(fd, b.data, b.len);
			buf_clear(&b);
		}
	}
	if (rc == 0)
		rc = fileio_write_all(fd, b.data, b.len);
	buf_deinit(&b);
	return rc;
}

static int write_zone(int fd, void *ctx)
{
	return zone_write_fd(ctx, fd);
}

int zone_write_file(const struct zone *z, const char *path)
{
	return fileio_write_atomic(path, 0644, 0, write_zone, (void *)z);
}
