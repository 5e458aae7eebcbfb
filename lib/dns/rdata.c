/* rdata.c - RDATA canonical form and order (see rdata.h). */
#include "lib/dns/rdata.h"

#include <libknot/descriptor.h>
#include <string.h>

#include "lib/dns/name.h"
#include "lib/util/err.h"

bool rdata_has_lowercase_names(uint16_t type)
{
	return knot_rrtype_should_be_lowercased(type);
}

/* Skips one <character-string> (RFC 1035 §3.3) at pos; returns the new pos. */
static int skip_cstring(const uint8_t *data, size_t len, size_t pos)
{
	if (pos >= len || pos + 1 + data[pos] > len)
		return ERR_SYNTAX;
	return (int)(pos + 1 + data[pos]);
}

/* NAPTR (RFC 3403 §4.1): order, preference, then flags, services, regexp. */
static int skip_naptr_header(const uint8_t *data, size_t len, size_t pos)
{
	int p = (int)pos + 4;
	for (int i = 0; i < 3 && p >= 0; i++)
		p = skip_cstring(data, len, (size_t)p);
	return p;
}

int rdata_canonicalize(uint16_t type, uint8_t *data, size_t len)
{
	if (!knot_rrtype_should_be_lowercased(type))
		return 0;
	const knot_rdata_descriptor_t *d = knot_get_rdata_descriptor(type);
	size_t pos = 0;
	for (int i = 0; d->block_types[i] != KNOT_RDATA_WF_END; i++) {
		int bt = d->block_types[i];
		if (bt > 0) {
			pos += (size_t)bt;
			if (pos > len)
				return ERR_SYNTAX;
		} else if (bt == KNOT_RDATA_WF_REMAINDER) {
			return 0;
		} else if (bt == KNOT_RDATA_WF_NAPTR_HEADER) {
			int p = skip_naptr_header(data, len, pos);
			if (p < 0)
				return p;
			pos = (size_t)p;
		} else {
			int n = name_wire_len(data + pos, len - pos);
			if (n < 0)
				return n;
			name_lower(data + pos);
			pos += (size_t)n;
		}
	}
	return pos == len ? 0 : ERR_SYNTAX;
}

int rdata_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;
	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

static bool caa_presentable(const uint8_t *d, size_t len)
{
	if (len < 2 || d[1] == 0 || (size_t)d[1] + 2 > len)
		return false;
	for (size_t i = 0; i < d[1]; i++) {
		uint8_t c = d[2 + i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A size or precision octet: mantissa and power of ten, each 0..9. */
static bool loc_prec_ok(uint8_t v)
{
	return (v >> 4) <= 9 && (v & 15) <= 9;
}

static bool loc_presentable(const uint8_t *d, size_t len)
{
	const uint32_t equator = 1u << 31, deg = 3600000; /* thousandths of a second */
	if (len != 16 || d[0] != 0)
		return false;
	if (!loc_prec_ok(d[1]) || !loc_prec_ok(d[2]) || !loc_prec_ok(d[3]))
		return false;
	uint32_t lat = be32(d + 4), lon = be32(d + 8);
	return lat >= equator - 90 * deg && lat <= equator + 90 * deg &&
		lon >= equator - 180 * deg && lon <= equator + 180 * deg;
}

bool rdata_presentable(uint16_t type, const uint8_t *data, size_t len)
{
	switch (type) {
	case KNOT_RRTYPE_CAA:
		return caa_presentable(data, len);
	case KNOT_RRTYPE_LOC:
		return loc_presentable(data, len);
	default:
		return true;
	}
}
