/*
 * zonemd.h - message digests of zones (RFC 8976).
 *
 * Scheme 1 (SIMPLE) with hash algorithms 1 (SHA-384) and 2 (SHA-512): the
 * digest of every RR of the zone in canonical form and order (RFC 8976
 * §3.3.1, RFC 4034 §6), leaving out the apex ZONEMD RRset and the RRSIGs
 * that cover it.
 *
 * Pure; thread-safe; the version is only read.
 */
#ifndef CASCADE_DNSSEC_ZONEMD_H
#define CASCADE_DNSSEC_ZONEMD_H

#include <stddef.h>
#include <stdint.h>

#include "lib/zone/zone.h"

#define ZONEMD_SCHEME_SIMPLE 1
#define ZONEMD_HASH_SHA384 1
#define ZONEMD_HASH_SHA512 2
#define ZONEMD_DIGEST_MAX 64

/* The digest of z into out (ZONEMD_DIGEST_MAX octets). Returns its length,
 * or ERR_UNSUPP for another scheme or hash. */
int zonemd_digest(const struct zone *z, uint8_t scheme, uint8_t hash, uint8_t *out);
/* ZONEMD RDATA (RFC 8976 §2.2): serial, scheme, hash, digest. Returns its
 * length. out needs 6 + ZONEMD_DIGEST_MAX octets. */
int zonemd_rdata(uint32_t serial, uint8_t scheme, uint8_t hash, const uint8_t *digest, size_t len,
	uint8_t *out);

#endif
