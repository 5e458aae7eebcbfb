/* rrsig.c - RRSIG signed data (see rrsig.h). */
#include "lib/dnssec/rrsig.h"

#include <libknot/descriptor.h>
#include <libknot/wire.h>
#include <string.h>

#include "lib/dns/name.h"
#include "lib/dns/rdata.h"
#include "lib/limits.h"
#include "lib/util/err.h"

uint8_t rrsig_labels(const uint8_t *owner)
{
	int n = name_labels(owner);
	return (uint8_t)(name_is_wildcard(owner) ? n - 1 : n);
}

int rrsig_append_head(const struct rrsig_fields *f, struct buf *out)
{
	uint8_t h[18 + LIMIT_NAME_LEN + 1];
	int slen = name_wire_len(f->signer, LIMIT_NAME_LEN);
	if (slen < 0)
		return slen;
	knot_wire_write_u16(h, f->type_covered);
	h[2] = f->algorithm;
	h[3] = f->labels;
	knot_wire_write_u32(h + 4, f->original_ttl);
	knot_wire_write_u32(h + 8, f->expiration);
	knot_wire_write_u32(h + 12, f->inception);
	knot_wire_write_u16(h + 16, f->key_tag);
	memcpy(h + 18, f->signer, (size_t)slen);
	name_lower(h + 18);
	return buf_append(out, h, 18 + (size_t)slen);
}

int rrsig_append_signed_data(
	const struct rrsig_fields *f, const uint8_t *owner, const struct rrset *r, struct buf *out)
{
	int rc = rrsig_append_head(f, out);
	if (rc < 0)
		return rc;
	uint8_t head[LIMIT_NAME_LEN + 1 + 10];
	int olen = name_wire_len(owner, LIMIT_NAME_LEN);
	if (olen < 0)
		return olen;
	memcpy(head, owner, (size_t)olen);
	name_lower(head);
	uint32_t pos = 0;
	const uint8_t *d;
	uint16_t len;
	while (rrset_next_rdata(r, &pos, &d, &len)) {
		uint8_t *h = head + olen;
		knot_wire_write_u16(h, r->type);
		knot_wire_write_u16(h + 2, KNOT_CLASS_IN);
		knot_wire_write_u32(h + 4, f->original_ttl);
		knot_wire_write_u16(h + 8, len);
		size_t at = out->len;
		if ((rc = buf_append(out, head, (size_t)olen + 10)) < 0 ||
			(rc = buf_append(out, d, len)) < 0)
			return rc;
		at += (size_t)olen + 10;
		rc = rdata_canonicalize(r->type, out->data + at, len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int rrsig_parse(const uint8_t *rdata, size_t len, struct rrsig_fields *f, size_t *sig_at)
{
	if (len < 19)
		return ERR_SYNTAX;
	int slen = name_wire_len(rdata + 18, len - 18);
	if (slen < 0)
		return ERR_SYNTAX;
	f->type_covered = knot_wire_read_u16(rdata);
	f->algorithm = rdata[2];
	f->labels = rdata[3];
	f->original_ttl = knot_wire_read_u32(rdata + 4);
	f->expiration = knot_wire_read_u32(rdata + 8);
	f->inception = knot_wire_read_u32(rdata + 12);
	f->key_tag = knot_wire_read_u16(rdata + 16);
	f->signer = rdata + 18;
	*sig_at = 18 + (size_t)slen;
	return 0;
}
