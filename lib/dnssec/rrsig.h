/*
 * rrsig.h - what an RRSIG signs (RFC 4034 §3.1.8.1, §6).
 *
 * The signed data is the RRSIG RDATA without its signature, followed by each
 * RR of the RRset in canonical form: owner lower-cased, class, the original
 * TTL, RDATA with its names lower-cased (RFC 4034 §6.2 as RFC 6840 §5.1 amends
 * it), RRs in canonical order (§6.3), which is the order nodes keep them in.
 *
 * Pure functions; thread-safe; callers own the buffers.
 */
#ifndef CASCADE_DNSSEC_RRSIG_H
#define CASCADE_DNSSEC_RRSIG_H

#include <stddef.h>
#include <stdint.h>

#include "lib/util/buf.h"
#include "lib/zone/node.h"

struct rrsig_fields {
	uint16_t type_covered;
	uint8_t algorithm;
	uint8_t labels;
	uint32_t original_ttl;
	uint32_t expiration;
	uint32_t inception;
	uint16_t key_tag;
	const uint8_t *signer; /* wire form; written lower-cased */
};

/* RFC 4034 §3.1.3: labels of the owner, the root and a leading "*" not counted. */
uint8_t rrsig_labels(const uint8_t *owner);
/* Appends the RRSIG RDATA fields before the signature (18 + signer octets). */
int rrsig_append_head(const struct rrsig_fields *f, struct buf *out);
/* Appends the data to sign for RRset r at owner: the head, then the RRs. */
int rrsig_append_signed_data(
	const struct rrsig_fields *f, const uint8_t *owner, const struct rrset *r, struct buf *out);
/* Reads the fields of RRSIG RDATA (the signer points into rdata) and where
 * its signature starts. Returns 0 or ERR_SYNTAX. */
int rrsig_parse(const uint8_t *rdata, size_t len, struct rrsig_fields *f, size_t *sig_at);

#endif
