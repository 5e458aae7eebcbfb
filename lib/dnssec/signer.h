/*
 * signer.h - full signing of a zone version (RFC 4033-4035, 5155, 6840, 9276,
 * 9077).
 *
 * Given an unsigned version, the keys and the policy, makes the signed
 * version: DNSSEC records of the input are stripped (RRSIG, NSEC, NSEC3
 * anywhere; DNSKEY, CDS, CDNSKEY, NSEC3PARAM, ZONEMD at the apex), the
 * DNSKEY RRset and NSEC3PARAM are added, the denial chain (NSEC, or NSEC3 with
 * optional opt-out) is built over the authoritative names, and every
 * authoritative RRset is signed: the DNSKEY, CDS and CDNSKEY RRsets by the
 * keys marked ksk, everything else by the keys marked zsk. At a zone cut only
 * DS and the denial record are signed; occluded data is kept but neither
 * signed nor in the chain. Denial records get the TTL min(SOA TTL, SOA
 * MINIMUM) (RFC 9077 §3.1.2). With zonemd_hash, the apex gets a ZONEMD
 * over the signed zone (RFC 8976 §3: placeholder, signing, digest, then the
 * ZONEMD RRset signed last). NSEC3 records share the name tree with the
 * rest; an NSEC3 owner that is also a real name holds both.
 *
 * Work is spread over opts->threads threads; the result does not depend on
 * their number (bit for bit with deterministic algorithms).
 *
 * Ownership: the input version and the keys are only read; *out is a new
 * version with one reference. Thread-safe: one call per output.
 */
#ifndef CASCADE_DNSSEC_SIGNER_H
#define CASCADE_DNSSEC_SIGNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dnssec/key.h"
#include "lib/util/buf.h"
#include "lib/zone/zone.h"

struct signer_key {
	const struct key *key;
	bool publish; /* in the DNSKEY RRset */
	bool ksk;     /* signs the DNSKEY, CDS and CDNSKEY RRsets */
	bool zsk;     /* signs every other RRset */
};

struct signer_opts {
	const struct signer_key *keys;
	size_t nkeys;
	uint32_t inception; /* absolute, Unix seconds (RFC 4034 §3.1.5) */
	uint32_t expiration;
	uint32_t dnskey_ttl; /* 0: the SOA's TTL */
	uint32_t serial;     /* the SOA serial to give the signed zone, when set_serial */
	bool set_serial;     /* false: keep the input's serial */
	bool nsec3;
	bool opt_out;	     /* RFC 5155 §6: insecure delegations get no NSEC3 */
	uint16_t iterations; /* RFC 9276 §3.1: 0 */
	uint8_t salt_len;    /* RFC 9276 §3.1: no salt */
	uint8_t salt[255];
	unsigned threads;    /* 0 or 1: the calling thread only */
	uint8_t zonemd_hash; /* ZONEMD (RFC 8976) SIMPLE with this hash (1: SHA-384); 0: none */
};

/* Signs in into *out. Fails with ERR_INVAL (and a message in err, which may
 * be NULL) when no key can sign, and with the key's error when signing fails. */
int signer_sign(
	const struct zone *in, const struct signer_opts *opts, struct zone **out, struct buf *err);

#endif
