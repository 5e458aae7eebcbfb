/*
 * dnsmsg_impl.h - the message writer shared by dnsmsg.c, dnsmsg_xfr.c and
 * dnsmsg_ixfr.c.
 *
 * A writer fills buf up to a hard end (cap); a write that would pass it
 * writes nothing and sets `over`, so a caller writes a whole record and
 * checks once, then rolls back by resetting len. Internal to lib/dns.
 * Ownership: the writer borrows buf. Not thread-safe (one writer, one thread).
 */
#ifndef CASCADE_DNS_DNSMSG_IMPL_H
#define CASCADE_DNS_DNSMSG_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/dns/dnsmsg.h"

struct dnsmsg_w {
	uint8_t *buf;
	size_t len;
	size_t cap;
	bool over;
};

/* Header octet 2 and 3 bits (RFC 1035 §4.1.1, RFC 4035 §3.2). */
#define DNSMSG_F_QR 0x80
#define DNSMSG_F_AA 0x04
#define DNSMSG_F_TC 0x02
#define DNSMSG_F_RD 0x01
#define DNSMSG_F_CD 0x10

#define DNSMSG_T_SOA 6
#define DNSMSG_T_OPT 41
#define DNSMSG_T_TSIG 250
#define DNSMSG_T_IXFR 251
#define DNSMSG_T_AXFR 252
#define DNSMSG_C_IN 1
#define DNSMSG_C_ANY 255
#define DNSMSG_OPT_EDE 15 /* RFC 8914 §2 */
#define DNSMSG_OPT_SIZE 11

static inline void dnsmsg_w_bytes(struct dnsmsg_w *w, const void *p, size_t n)
{
	if (n > w->cap - w->len) {
		w->over = true;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static inline void dnsmsg_w_u16(struct dnsmsg_w *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	dnsmsg_w_bytes(w, b, 2);
}

static inline void dnsmsg_w_u32(struct dnsmsg_w *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	dnsmsg_w_bytes(w, b, 4);
}

static inline void dnsmsg_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint16_t dnsmsg_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t dnsmsg_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Writes the valid uncompressed wire name `name`, compressed against the
 * names in refs[0..nrefs) (entries with a NULL name are skipped), and when
 * out is not NULL records it there as a reference for later names (out may
 * be one of refs). */
void dnsmsg_w_name(struct dnsmsg_w *w, const uint8_t *name, const struct dnsmsg_cname *const *refs,
	size_t nrefs, struct dnsmsg_cname *out);

/* Records a name written uncompressed at message offset off. */
void dnsmsg_cname_set(struct dnsmsg_cname *c, const uint8_t *name, size_t off);

/* Writes the RDATA of an RR of this type, compressing the names that RFC
 * 1035 types hold against refs (RFC 3597 §4), recording the last one in
 * *last. RDATA whose names do not parse is copied as it is. */
void dnsmsg_w_rdata(struct dnsmsg_w *w, uint16_t type, const uint8_t *rd, uint16_t len,
	const struct dnsmsg_cname *owner, struct dnsmsg_cname *last);

/* Writes an OPT RR (RFC 6891 §6.1.2): our payload size, extended rcode
 * bits, version 0, DO as given, and an EDE option when ede is not
 * DNSMSG_EDE_NONE. */
void dnsmsg_w_opt(struct dnsmsg_w *w, unsigned rcode, bool dnssec_ok, int ede, const char *text);

/* One RR a transfer sends next; everything borrowed from the version or
 * the diff. */
struct dnsmsg_xrr {
	const uint8_t *owner; /* uncompressed wire name */
	uint16_t type;
	uint32_t ttl;
	const uint8_t *rd;
	uint16_t rdlen;
};

/* What AXFR and IXFR share at the start of a transfer: the apex SOA of z
 * (ERR_NOTFOUND without one), the message size and the query echoed; the
 * cursor fields are left zero. */
int dnsmsg_xfr_setup(
	struct dnsmsg_xfr *x, const struct dnsmsg_query *q, const struct zone *z, size_t target);

/* The IXFR cursor (dnsmsg_ixfr.c): the RR under it into *rr, or false when
 * the sequence is complete; then the step past that RR. */
bool dnsmsg_ixfr_peek(struct dnsmsg_xfr *x, struct dnsmsg_xrr *rr);
void dnsmsg_ixfr_advance(struct dnsmsg_xfr *x);

/* The zone's apex SOA as an RR to send. */
void dnsmsg_xfr_soa(const struct dnsmsg_xfr *x, struct dnsmsg_xrr *rr);

#endif
