/*
 * dnsmsg_notify.h - the NOTIFY message a primary sends when a zone changes,
 * and the check of the answer it gets back (RFC 1996).
 *
 * The query (RFC 1996 §3): opcode NOTIFY (4), AA set, RD clear, one question
 * (the zone apex, type SOA, class IN) and, as the §3.7 hint a secondary may
 * use to skip its SOA query, the new SOA in the answer section, its owner a
 * pointer to the question. A TSIG RR, when wanted, is appended afterwards by
 * tsig_sign_query() (lib/dns/tsig.h), which adjusts ARCOUNT.
 *
 * The answer (RFC 1996 §4.7): same ID, QR set, opcode NOTIFY and the
 * question echoed. An error answer may leave the question out (a FORMERR
 * from a server that could not read ours), so only a NOERROR answer must
 * carry it.
 *
 * Ownership: callers own every buffer; nothing is kept. Pure and
 * thread-safe.
 */
#ifndef CASCADE_DNS_DNSMSG_NOTIFY_H
#define CASCADE_DNS_DNSMSG_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#define DNSMSG_OPCODE_NOTIFY 4 /* RFC 1996 §3.2 */

/* The SOA of the new zone version, for the §3.7 hint. */
struct dnsmsg_notify_soa {
	uint32_t ttl;
	const uint8_t *rdata; /* uncompressed SOA RDATA (RFC 1035 §3.3.13), borrowed */
	uint16_t rdlen;
};

/* Writes the NOTIFY for the zone whose apex is the valid wire name apex
 * into out (cap octets; 512 is always enough for the message itself, leave
 * tsig_rr_space() more for a signature). soa may be NULL: then the answer
 * section stays empty, which RFC 1996 §3.7 allows. Returns 0 with *len, or
 * ERR_LIMIT when cap is too small, ERR_INVAL when soa->rdata is not a SOA
 * RDATA (two names and 20 octets). */
int dnsmsg_notify_query(uint16_t id, const uint8_t *apex, const struct dnsmsg_notify_soa *soa,
	uint8_t *out, size_t cap, size_t *len);

/* Checks that msg[0..len) (untrusted) answers the NOTIFY with this id for
 * apex (compared case-insensitively). Returns 0 with the answer's RCODE in
 * *rcode (the 4 header bits; TSIG errors come as NOTAUTH, RFC 8945 §5.3.2),
 * or ERR_SYNTAX with *problem (static text) saying why it is not one: too
 * short, another ID, not a response, another opcode, another question. */
int dnsmsg_notify_check(const uint8_t *msg, size_t len, uint16_t id, const uint8_t *apex,
	unsigned *rcode, const char **problem);

#endif
