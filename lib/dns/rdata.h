/*
 * rdata.h - RDATA helpers over libknot's RR descriptors.
 *
 * Pure functions; thread-safe; callers own the buffers.
 */
#ifndef CASCADE_DNS_RDATA_H
#define CASCADE_DNS_RDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when RDATA of this type holds names that the canonical form
 * lower-cases (RFC 4034 §6.2 as amended by RFC 6840 §5.1). */
bool rdata_has_lowercase_names(uint16_t type);
/* Puts the RDATA of an RR of this type into canonical form in place
 * (RFC 4034 §6.2). Returns 0, or ERR_SYNTAX if a name in it is malformed. */
int rdata_canonicalize(uint16_t type, uint8_t *data, size_t len);
/* Canonical RDATA order (RFC 4034 §6.3): left-justified octet strings,
 * a missing octet sorting before a zero octet. Both inputs must already be
 * in canonical form. */
int rdata_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* False for RDATA that libknot would print in a presentation form no zone
 * file reader takes back (a CAA with an empty tag, RFC 8659 §4.1.1; a LOC
 * out of range, RFC 1876 §2): such RRs are written in RFC 3597 form. */
bool rdata_presentable(uint16_t type, const uint8_t *data, size_t len);

#endif
