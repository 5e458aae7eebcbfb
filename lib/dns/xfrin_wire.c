/* xfrin_wire.c - bounds-checked reading of transfer responses (see
 * xfrin_impl.h). */
#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <stdio.h>
#include <string.h>

#include "lib/dns/dnsmsg_impl.h"
#include "lib/dns/name.h"
#include "lib/dns/xfrin_impl.h"
#include "lib/util/err.h"

bool xfrin_skip_name(const uint8_t *msg, size_t len, size_t *pos)
{
	size_t at = *pos, total = 0;
	for (;;) {
		if (at >= len)
			return false;
		uint8_t b = msg[at];
		if (b == 0) {
			*pos = at + 1;
			return true;
		}
		if ((b & 0xc0) == 0xc0) {
			if (len - at < 2)
				return false;
			*pos = at + 2;
			return true;
		}
		/* 0x40 and 0x80: the extended label types are gone (RFC 6891 §5) */
		if (b & 0xc0)
			return false;
		total += 1u + b;
		if (total + 1 > LIMIT_NAME_LEN || len - at < 1u + b)
			return false;
		at += 1u + b;
	}
}

bool xfrin_read_rr(const uint8_t *msg, size_t len, size_t *pos, struct xfrin_rr *rr)
{
	size_t at = *pos;
	rr->owner_at = at;
	if (!xfrin_skip_name(msg, len, &at) || len - at < 10)
		return false;
	rr->type = dnsmsg_get_u16(msg + at);
	rr->cls = dnsmsg_get_u16(msg + at + 2);
	rr->ttl = dnsmsg_get_u32(msg + at + 4);
	rr->rdlen = dnsmsg_get_u16(msg + at + 8);
	at += 10;
	if (len - at < rr->rdlen)
		return false;
	rr->rdata_at = at;
	*pos = at + rr->rdlen;
	return true;
}

/* NAPTR (RFC 3403 §4.1): order and preference, then three
 * <character-string>s, before the replacement name. */
static bool naptr_header(const uint8_t *rd, size_t end, size_t *pos)
{
	size_t at = *pos + 4;
	for (int i = 0; i < 3; i++) {
		if (at >= end || end - at < 1u + rd[at])
			return false;
		at += 1u + rd[at];
	}
	if (at > end)
		return false;
	*pos = at;
	return true;
}

/* One block of the type's layout: copies it from msg at *in (the RDATA
 * ends at end) to out at *o. */
static int unpack_block(
	const uint8_t *msg, size_t len, size_t end, int bt, size_t *in, uint8_t *out, size_t *o)
{
	size_t from = *in, n;
	if (bt > 0) {
		if (end - from < (size_t)bt)
			return ERR_SYNTAX;
		n = (size_t)bt;
		*in += n;
	} else if (bt == KNOT_RDATA_WF_REMAINDER) {
		n = end - from;
		*in = end;
	} else if (bt == KNOT_RDATA_WF_NAPTR_HEADER) {
		if (end - from < 4 || !naptr_header(msg, end, in))
			return ERR_SYNTAX;
		n = *in - from;
	} else if (bt == KNOT_RDATA_WF_FIXED_DNAME) {
		/* never compressed (RFC 3597 §4, RFC 4034 §3.1.7) */
		int w = name_wire_len(msg + from, end - from);
		if (w < 0)
			return ERR_SYNTAX;
		n = (size_t)w;
		*in += n;
	} else {
		uint8_t name[LIMIT_NAME_LEN + 1];
		size_t nl = name_unpack(msg, len, end, in, name);
		if (!nl)
			return ERR_SYNTAX;
		if (XFRIN_RDATA_MAX - *o < nl)
			return ERR_LIMIT;
		memcpy(out + *o, name, nl);
		*o += nl;
		return 0;
	}
	if (XFRIN_RDATA_MAX - *o < n)
		return ERR_LIMIT;
	memcpy(out + *o, msg + from, n);
	*o += n;
	return 0;
}

int xfrin_unpack_rdata(
	const uint8_t *msg, size_t len, const struct xfrin_rr *rr, uint8_t *out, size_t *out_len)
{
	const knot_rdata_descriptor_t *d = knot_get_rdata_descriptor(rr->type);
	if (!d || d->type_name == NULL)
		d = knot_get_obsolete_rdata_descriptor(rr->type);
	size_t in = rr->rdata_at, end = rr->rdata_at + rr->rdlen, o = 0;
	if (!d || d->type_name == NULL) { /* unknown: opaque (RFC 3597 §4) */
		memcpy(out, msg + in, rr->rdlen);
		*out_len = rr->rdlen;
		return 0;
	}
	for (int i = 0; d->block_types[i] != KNOT_RDATA_WF_END; i++) {
		int rc = unpack_block(msg, len, end, d->block_types[i], &in, out, &o);
		if (rc < 0)
			return rc;
	}
	if (in != end)
		return ERR_SYNTAX;
	*out_len = o;
	return 0;
}

void xfrin_soa_fields(const uint8_t *rd, size_t len, uint32_t ttl, struct xfrin_soa *soa)
{
	const uint8_t *f = rd + len - 20;
	soa->ttl = ttl;
	soa->serial = dnsmsg_get_u32(f);
	soa->refresh = dnsmsg_get_u32(f + 4);
	soa->retry = dnsmsg_get_u32(f + 8);
	soa->expire = dnsmsg_get_u32(f + 12);
	soa->minimum = dnsmsg_get_u32(f + 16);
}

const char *xfrin_name_text(const uint8_t *w, char *out, size_t size)
{
	if (!knot_dname_to_str(out, w, size))
		snprintf(out, size, "(unprintable name)");
	return out;
}
