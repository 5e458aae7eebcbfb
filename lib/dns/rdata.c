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
