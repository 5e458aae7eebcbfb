/* rr_text.c - presentation form of the common RR types (see rr_text.h).
 *
 * Every writer below takes the output position and returns the new one, or
 * NULL when the RDATA is not in the shape it knows how libknot prints; the
 * caller then leaves the whole RR to libknot. The shapes were found by
 * experiment against libknot 3.2 and are checked byte for byte by
 * tests/unit/test_rr_text.c.
 */
#include "lib/zone/rr_text.h"

#include <libknot/descriptor.h>
#include <stdbool.h>
#include <string.h>

#include "lib/dns/name.h"
#include "lib/util/base.h"

/* Columns the owner is padded to, and the length from which libknot puts a
 * space after it instead of a TAB (four 8-column tab stops). */
#define OWNER_PAD 20
#define OWNER_TAB_BELOW 32
/* Room for the header after the owner ("4294967295\tIN\tNSEC3PARAM\t") and for
 * the fixed RDATA fields of an RRSIG, with slack. */
#define HEADER_MAX 48
#define FIXED_MAX 96
/* A type in a bitmap prints as at most " TYPE65535"; a bitmap octet holds 8. */
#define BITMAP_CHARS_PER_OCTET 80

static bool plain_in_name(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		c == '-' || c == '_' || c == '*' || c == '/';
}

/* One label octet: plain, after a backslash, or as \DDD (RFC 1035 §5.1).
 * libknot writes '#' and the space as \DDD too. */
static char *put_name_octet(char *o, uint8_t c)
{
	if (plain_in_name(c)) {
		*o++ = (char)c;
	} else if (c > ' ' && c < 127 && c != '#') {
		*o++ = '\\';
		*o++ = (char)c;
	} else {
		*o++ = '\\';
		*o++ = (char)('0' + c / 100);
		*o++ = (char)('0' + c / 10 % 10);
		*o++ = (char)('0' + c % 10);
	}
	return o;
}

size_t rr_text_name(const uint8_t *w, char *out)
{
	char *o = out;
	if (*w == 0) {
		*o++ = '.';
		return 1;
	}
	for (; *w; w += *w + 1) {
		uint8_t len = *w, plain = 0;
		while (plain < len && plain_in_name(w[1 + plain]))
			plain++;
		memcpy(o, w + 1, plain); /* nearly every label: copied whole */
		o += plain;
		for (uint8_t i = plain + 1; i <= len; i++)
			o = put_name_octet(o, w[i]);
		*o++ = '.';
	}
	return (size_t)(o - out);
}

size_t rr_text_owner(const uint8_t *w, char *out)
{
	size_t n = rr_text_name(w, out);
	size_t sep_at = n;
	if (n < OWNER_PAD) {
		memset(out + n, ' ', OWNER_PAD - n);
		sep_at = OWNER_PAD;
	}
	out[sep_at] = n < OWNER_TAB_BELOW ? '\t' : ' ';
	return sep_at + 1;
}

static char *put_u32(char *o, uint32_t v)
{
	char tmp[10];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n > 0)
		*o++ = tmp[--n];
	return o;
}

static char *put_str(char *o, const char *s)
{
	size_t n = strlen(s);
	memcpy(o, s, n);
	return o + n;
}

/* The mnemonic libknot knows for a type, else TYPEnnn (RFC 3597 §5), the same
 * as knot_rrtype_to_string without its snprintf. */
static char *put_type(char *o, uint16_t type)
{
	const char *name = knot_get_rdata_descriptor(type)->type_name;
	if (name)
		return put_str(o, name);
	return put_u32(put_str(o, "TYPE"), type);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A name inside RDATA at *pos; NULL when it is malformed or runs past len. */
static char *put_rdata_name(char *o, const uint8_t *rd, size_t len, size_t *pos)
{
	int n = name_wire_len(rd + *pos, len - *pos);
	if (n < 0)
		return NULL;
	o += rr_text_name(rd + *pos, o);
	*pos += (size_t)n;
	return o;
}

static char *put_a(char *o, const uint8_t *rd)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			*o++ = '.';
		o = put_u32(o, rd[i]);
	}
	return o;
}

static char *put_hex16(char *o, uint16_t v)
{
	static const char hex[] = "0123456789abcdef";
	bool started = false;
	for (int shift = 12; shift >= 0; shift -= 4) {
		unsigned d = (v >> shift) & 15;
		if (d || started || shift == 0) {
			*o++ = hex[d];
			started = true;
		}
	}
	return o;
}

/* IPv6 as libknot prints it (it carries musl's inet_ntop): lower-case hex
 * groups without leading zeros (RFC 4291 §2.2), and one run of zero groups
 * as "::". Which run is not quite RFC 5952 §4.2.3's: musl picks, in the
 * text with every group written out, the longest stretch of ":" and "0"
 * that starts the text or starts at a ':' and is over 3 characters, the
 * first of equal ones. A run of k groups spans 2k characters at either end
 * of the address and 2k + 1 inside it, so an inner run beats an outer one
 * of the same size. The IPv4-mapped form (RFC 4291 §2.5.5.2) keeps its
 * IPv4 part dotted; unlike glibc, ::1.2.3.4 is ::102:304. */
static char *put_aaaa(char *o, const uint8_t *rd)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (memcmp(rd, mapped, sizeof(mapped)) == 0)
		return put_a(put_str(o, "::ffff:"), rd + 12);
	uint16_t g[8];
	for (int i = 0; i < 8; i++)
		g[i] = get16(rd + 2 * i);
	int best = -1, best_len = 0, best_chars = 3;
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		int chars = 2 * (j - i) + (i > 0 && j < 8);
		if (j > i && chars > best_chars) {
			best = i;
			best_len = j - i;
			best_chars = chars;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*o++ = ':';
			if (i + best_len == 8)
				*o++ = ':';
			i += best_len - 1;
			continue;
		}
		if (i)
			*o++ = ':';
		o = put_hex16(o, g[i]);
	}
	return o;
}

/* Upper-case hex of len octets (DS digests, NSEC3 salts). */
static char *put_base16(char *o, const uint8_t *p, size_t len)
{
	int n = base16_encode(p, len, o, 2 * len + 1, 0);
	return n < 0 ? NULL : o + n;
}

static char *put_base64(char *o, const uint8_t *p, size_t len)
{
	int n = base64_encode(p, len, o, base64_encoded_len(len) + 1, 0);
	return n < 0 ? NULL : o + n;
}

static char *put_2digits(char *o, unsigned v)
{
	*o++ = (char)('0' + v / 10);
	*o++ = (char)('0' + v % 10);
	return o;
}

/* Year, month and day of a day count from 1970-01-01, proleptic Gregorian:
 * counted from 0000-03-01 so the leap day ends each year, in 400-year eras
 * of 146097 days. */
static void civil_from_days(uint32_t days, unsigned *y, unsigned *m, unsigned *d)
{
	const uint32_t to_0000_03_01 = 719468;
	uint32_t z = days + to_0000_03_01;
	uint32_t era = z / 146097, doe = z % 146097;
	uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint32_t mp = (5 * doy + 2) / 153; /* months from March */
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = era * 400 + yoe + (*m <= 2);
}

/* An RRSIG time (RFC 4034 §3.1.5) as YYYYMMDDHHmmSS. A serial number with
 * libknot's reference point of 2^31 reads as the unsigned value, except 0,
 * exactly 2^31 away, which libknot puts after it: 2^32, in 2106. */
static char *put_stamp(char *o, uint32_t v)
{
	uint64_t t = v ? v : UINT64_C(1) << 32;
	unsigned y, m, d;
	civil_from_days((uint32_t)(t / 86400), &y, &m, &d);
	uint32_t s = (uint32_t)(t % 86400);
	o = put_2digits(put_2digits(o, y / 100), y % 100);
	o = put_2digits(put_2digits(o, m), d);
	o = put_2digits(put_2digits(o, s / 3600), s / 60 % 60);
	return put_2digits(o, s % 60);
}

/* The type bitmap of NSEC and NSEC3 (RFC 4034 §4.1.2) as mnemonics with a
 * space between them. Only windows in increasing order with 1..32 octets,
 * the form RFC 4034 §4.1.2 allows. */
static char *put_bitmap(char *o, const uint8_t *p, size_t len)
{
	const char *start = o;
	int last = -1;
	for (size_t i = 0; i < len;) {
		if (len - i < 2 || p[i] <= last || p[i + 1] == 0 || p[i + 1] > 32 ||
			len - i - 2 < p[i + 1])
			return NULL;
		unsigned win = p[i], n = p[i + 1];
		for (unsigned k = 0; k < 8 * n; k++) {
			if (p[i + 2 + k / 8] & (0x80 >> (k % 8))) {
				if (o != start)
					*o++ = ' ';
				o = put_type(o, (uint16_t)(win * 256 + k));
			}
		}
		last = (int)win;
		i += 2 + n;
	}
	return o;
}

/* A name and nothing else: NS, CNAME, DNAME, PTR. */
static char *rdata_name(char *o, const uint8_t *rd, size_t len)
{
	size_t pos = 0;
	o = put_rdata_name(o, rd, len, &pos);
	return o && pos == len ? o : NULL;
}

/* DS and CDS (RFC 4034 §5.3): key tag, algorithm, digest type, hex
 * digest. DNSKEY and CDNSKEY (§2.2): flags, protocol, algorithm, base64 key
 * in one piece. libknot refuses an empty digest or key. */
static char *rdata_ds_dnskey(char *o, const uint8_t *rd, size_t len, bool dnskey)
{
	if (len < 5)
		return NULL;
	o = put_u32(o, get16(rd));
	*o++ = ' ';
	o = put_u32(o, rd[2]);
	*o++ = ' ';
	o = put_u32(o, rd[3]);
	*o++ = ' ';
	return dnskey ? put_base64(o, rd + 4, len - 4) : put_base16(o, rd + 4, len - 4);
}

/* RRSIG (RFC 4034 §3.2). libknot refuses an empty signature. */
static char *rdata_rrsig(char *o, const uint8_t *rd, size_t len)
{
	if (len < 18 + 1 + 1)
		return NULL;
	o = put_type(o, get16(rd));
	*o++ = ' ';
	o = put_u32(o, rd[2]);
	*o++ = ' ';
	o = put_u32(o, rd[3]);
	*o++ = ' ';
	o = put_u32(o, get32(rd + 4));
	*o++ = ' ';
	o = put_stamp(o, get32(rd + 8));
	*o++ = ' ';
	o = put_stamp(o, get32(rd + 12));
	*o++ = ' ';
	o = put_u32(o, get16(rd + 16));
	*o++ = ' ';
	size_t pos = 18;
	o = put_rdata_name(o, rd, len, &pos);
	if (!o || pos == len)
		return NULL;
	*o++ = ' ';
	return put_base64(o, rd + pos, len - pos);
}

/* NSEC (RFC 4034 §4.2): next name, a space, the bitmap. With an empty
 * bitmap libknot still writes the space. */
static char *rdata_nsec(char *o, const uint8_t *rd, size_t len)
{
	size_t pos = 0;
	o = put_rdata_name(o, rd, len, &pos);
	if (!o)
		return NULL;
	*o++ = ' ';
	return put_bitmap(o, rd + pos, len - pos);
}

/* Hash algorithm, flags, iterations and salt, hex or "-" when empty: the
 * start of NSEC3 and all of NSEC3PARAM (RFC 5155 §3.3, §4.3). Sets *pos
 * past the salt; NULL when the salt runs past len. */
static char *put_nsec3_params(char *o, const uint8_t *rd, size_t len, size_t *pos)
{
	if (len < 5 || len - 5 < rd[4])
		return NULL;
	o = put_u32(o, rd[0]);
	*o++ = ' ';
	o = put_u32(o, rd[1]);
	*o++ = ' ';
	o = put_u32(o, get16(rd + 2));
	*o++ = ' ';
	*pos = 5 + (size_t)rd[4];
	if (rd[4] == 0) {
		*o++ = '-';
		return o;
	}
	return put_base16(o, rd + 5, rd[4]);
}

static char *rdata_nsec3param(char *o, const uint8_t *rd, size_t len)
{
	size_t pos = 0;
	o = put_nsec3_params(o, rd, len, &pos);
	return o && pos == len ? o : NULL;
}

/* NSEC3 (RFC 5155 §3.3): the parameters, the next hashed owner in lower-case
 * base32hex, a space, the bitmap. libknot pads base32hex with '=' to whole
 * groups of 8 characters (SHA-1's 20 octets need none) and refuses an empty
 * hash. */
static char *rdata_nsec3(char *o, const uint8_t *rd, size_t len)
{
	size_t pos = 0;
	o = put_nsec3_params(o, rd, len, &pos);
	if (!o || pos >= len)
		return NULL;
	size_t hlen = rd[pos++];
	if (hlen == 0 || len - pos < hlen)
		return NULL;
	*o++ = ' ';
	int n = base32hex_encode(rd + pos, hlen, o, base32hex_encoded_len(hlen) + 1, BASE_LOWER);
	if (n < 0)
		return NULL;
	for (o += n; n % 8 != 0; n++)
		*o++ = '=';
	pos += hlen;
	*o++ = ' ';
	return put_bitmap(o, rd + pos, len - pos);
}

static char *put_rdata(char *o, uint16_t type, const uint8_t *rd, size_t len)
{
	switch (type) {
	case KNOT_RRTYPE_NS:
	case KNOT_RRTYPE_CNAME:
	case KNOT_RRTYPE_DNAME:
	case KNOT_RRTYPE_PTR:
		return rdata_name(o, rd, len);
	case KNOT_RRTYPE_A:
		return len == 4 ? put_a(o, rd) : NULL;
	case KNOT_RRTYPE_AAAA:
		return len == 16 ? put_aaaa(o, rd) : NULL;
	case KNOT_RRTYPE_DS:
	case KNOT_RRTYPE_CDS:
		return rdata_ds_dnskey(o, rd, len, false);
	case KNOT_RRTYPE_DNSKEY:
	case KNOT_RRTYPE_CDNSKEY:
		return rdata_ds_dnskey(o, rd, len, true);
	case KNOT_RRTYPE_RRSIG:
		return rdata_rrsig(o, rd, len);
	case KNOT_RRTYPE_NSEC:
		return rdata_nsec(o, rd, len);
	case KNOT_RRTYPE_NSEC3:
		return rdata_nsec3(o, rd, len);
	case KNOT_RRTYPE_NSEC3PARAM:
		return rdata_nsec3param(o, rd, len);
	default:
		return NULL;
	}
}

size_t rr_text_line_max(size_t owner_len, uint16_t type, size_t len)
{
	size_t per_octet;
	switch (type) {
	case KNOT_RRTYPE_NSEC:
	case KNOT_RRTYPE_NSEC3:
		per_octet = BITMAP_CHARS_PER_OCTET;
		break;
	case KNOT_RRTYPE_NS:
	case KNOT_RRTYPE_CNAME:
	case KNOT_RRTYPE_DNAME:
	case KNOT_RRTYPE_PTR:
	case KNOT_RRTYPE_A:
	case KNOT_RRTYPE_AAAA:
	case KNOT_RRTYPE_DS:
	case KNOT_RRTYPE_CDS:
	case KNOT_RRTYPE_DNSKEY:
	case KNOT_RRTYPE_CDNSKEY:
	case KNOT_RRTYPE_RRSIG:
	case KNOT_RRTYPE_NSEC3PARAM:
		per_octet = 4; /* hex is 2, base64 under 2 (plus a group), an address under 4 */
		break;
	default:
		return 0;
	}
	return owner_len + HEADER_MAX + FIXED_MAX + RR_TEXT_NAME_MAX + per_octet * len + 1;
}

size_t rr_text_line(const char *owner, size_t owner_len, uint16_t type, uint32_t ttl,
	const uint8_t *rd, size_t len, char *out)
{
	char *o = out;
	memcpy(o, owner, owner_len);
	o += owner_len;
	o = put_u32(o, ttl);
	o = put_str(o, "\tIN\t");
	o = put_type(o, type);
	*o++ = '\t';
	o = put_rdata(o, type, rd, len);
	if (!o)
		return 0;
	*o++ = '\n';
	return (size_t)(o - out);
}
