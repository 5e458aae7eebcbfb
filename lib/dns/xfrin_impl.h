/*
 * xfrin_impl.h - what the parts of the transfer client share: a bounds-
 * checked reader of response messages (xfrin_wire.c), the framing
 * (xfrin.c) and the store that builds versions and diffs (xfrin_store.c).
 * Internal to lib/dns. Ownership: readers borrow the message they read.
 * Pure; one parser per thread.
 */
#ifndef CASCADE_DNS_XFRIN_IMPL_H
#define CASCADE_DNS_XFRIN_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dns/xfrin.h"

/* Decompressed RDATA is at most this long (RFC 1035 §3.2.1). */
#define XFRIN_RDATA_MAX 65535

/* One record of a message: where its parts are. */
struct xfrin_rr {
	size_t owner_at; /* offset of the owner name (maybe compressed) */
	uint16_t type, cls;
	uint32_t ttl;
	uint16_t rdlen;
	size_t rdata_at;
};

/* Moves *pos past a name that may end in a compression pointer (RFC 1035
 * §4.1.4) without following it; false when malformed or past len. */
bool xfrin_skip_name(const uint8_t *msg, size_t len, size_t *pos);

/* Reads the record at *pos (within msg[0..len)) and moves past it;
 * false when it runs past the end or its owner is malformed. */
bool xfrin_read_rr(const uint8_t *msg, size_t len, size_t *pos, struct xfrin_rr *rr);

/* The RDATA of rr with the names RFC 3597 §4 lets senders compress made
 * whole, into out (XFRIN_RDATA_MAX octets), checked against the type's
 * layout (libknot's descriptor). Returns 0 and *out_len, or ERR_SYNTAX
 * (malformed) / ERR_LIMIT (longer than XFRIN_RDATA_MAX once whole). */
int xfrin_unpack_rdata(
	const uint8_t *msg, size_t len, const struct xfrin_rr *rr, uint8_t *out, size_t *out_len);

/* The fields after the names of SOA RDATA that xfrin_unpack_rdata made
 * (rd, len >= 22). */
void xfrin_soa_fields(const uint8_t *rd, size_t len, uint32_t ttl, struct xfrin_soa *soa);

/* Records the first error with its text (printf-style) and returns code. */
int xfrin_fail(struct xfrin *x, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The name in presentation form, or "(unprintable name)"; out holds size. */
const char *xfrin_name_text(const uint8_t *w, char *out, size_t size);

/* Store (full parse only). An AXFR record: */
int xfrin_store_rr(struct xfrin *x, const uint8_t *owner, uint16_t type, uint32_t ttl,
	const uint8_t *rd, uint16_t len);
/* A new IXFR difference sequence from old_serial: */
int xfrin_store_seq(struct xfrin *x, uint32_t old_serial);
/* The current sequence's end serial: */
void xfrin_store_seq_end(struct xfrin *x, uint32_t new_serial);
/* A record removed or added by the current sequence: */
int xfrin_store_diff(struct xfrin *x, bool removed, const uint8_t *owner, uint16_t type,
	uint32_t ttl, const uint8_t *rd, uint16_t len);
/* Builds the version of an AXFR into *out. */
int xfrin_store_build(struct xfrin *x, struct zone **out);
/* Applies the sequences to base into *out. */
int xfrin_store_apply(struct xfrin *x, const struct zone *base, struct zone **out);
void xfrin_store_deinit(struct xfrin *x);

#endif
