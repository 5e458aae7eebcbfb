/*
 * rr_text.h - the presentation form of the common RR types, fast.
 *
 * zone_write prints every RR with libknot's knot_rrset_txt_dump_header and
 * knot_rrset_txt_dump_data (one line, TTL and class shown, RRSIG times as
 * YYYYMMDDHHmmSS read as unsigned, RFC 4034 §3.2). Those go through snprintf
 * and strftime field by field and format the owner again for every RR; on a
 * signed zone of millions of RRs that is most of the time spent writing it.
 * This module writes the same bytes for the types that make up almost all of
 * a signed zone: NS, CNAME, DNAME, PTR, A, AAAA, DS, CDS, DNSKEY, CDNSKEY,
 * RRSIG, NSEC, NSEC3 and NSEC3PARAM. The owner is formatted once per name.
 * For any other type, and for RDATA it is not sure to print as libknot does
 * (a field cut short, a bitmap window out of order), rr_text_line declines and the caller uses
 * libknot, so the output is byte for byte the same for every input.
 *
 * Pure functions; thread-safe; callers own every buffer.
 */
#ifndef CASCADE_ZONE_RR_TEXT_H
#define CASCADE_ZONE_RR_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Characters of a name as text: at most 4 an octet (\DDD), a 255-octet name
 * has under 255 of them printed, plus the dots. */
#define RR_TEXT_NAME_MAX (4 * 255)
/* The owner field: the name, padded to 20 columns, one separator, a NUL. */
#define RR_TEXT_OWNER_MAX (RR_TEXT_NAME_MAX + 2)

/* Writes the valid wire name w as knot_dname_to_str does (case kept; letters,
 * digits and "-_*\/" as they are; other printable ASCII but '#' after a
 * backslash; the rest as \DDD; the root as "."). out holds RR_TEXT_NAME_MAX
 * characters; no NUL is written. Returns the length. */
size_t rr_text_name(const uint8_t *w, char *out);
/* Writes the owner field of a line for the valid wire name w: the name,
 * spaces up to 20 columns, then a TAB, or a space when the name has 32
 * characters or more (knot_rrset_txt_dump_header). out holds
 * RR_TEXT_OWNER_MAX characters; no NUL. Returns the length. */
size_t rr_text_owner(const uint8_t *w, char *out);
/* Room rr_text_line needs for an RR of this type with len octets of RDATA
 * and an owner field of owner_len characters; 0 for the types it never
 * writes (the caller need not reserve anything for those). */
size_t rr_text_line_max(size_t owner_len, uint16_t type, size_t len);
/* Writes one RR as a line: the owner field (from rr_text_owner), TTL, "IN",
 * the type, the RDATA and '\n', into out (rr_text_line_max characters; no
 * NUL). Returns the length, or 0 when it leaves this RR to libknot (out may
 * then hold anything). */
size_t rr_text_line(const char *owner, size_t owner_len, uint16_t type, uint32_t ttl,
	const uint8_t *rd, size_t len, char *out);

#endif
