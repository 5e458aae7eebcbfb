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
 * Incremental signing (signer_update) takes the previous signing too: the
 * unsigned version it was made from and its result. Names whose unsigned
 * node did not change keep their signed node; the changed names, their
 * ancestors, and the denial records around them are rebuilt. Whatever is
 * rebuilt keeps the signatures of RRsets that did not change, while they
 * are by a key that still signs them and stay valid beyond now + refresh; so
 * with the same inception and expiration the result is exactly a full
 * signing of the new input. A change of keys, roles, denial mode, NSEC3
 * parameters, DNSKEY TTL or of the SOA TTL or MINIMUM concerns every name:
 * then every name is rebuilt, still keeping what signatures it can.
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
	bool publish;		   /* in the DNSKEY RRset */
	bool ksk;		   /* signs the DNSKEY, CDS and CDNSKEY RRsets */
	bool zsk;		   /* signs every other RRset */
	struct key_nonces *nonces; /* ECDSA nonces made ahead for this key, or NULL */
};

struct signer_opts {
	const struct signer_key *keys;
	size_t nkeys;
	uint32_t inception; /* absolute, Unix seconds (RFC 4034 §3.1.5) */
	uint32_t expiration;
	/* Each RRset's signatures (the DNSKEY, CDS and CDNSKEY ones aside)
	 * expire up to this many seconds before expiration, by a fixed amount
	 * drawn from its owner and type, so that
	 * re-signing a zone signed at once spreads over time instead of coming
	 * due all together (RFC 6781 §4.4.2.2, "jitter"). 0: none. */
	uint32_t jitter;
	/* Other times for the signatures over the DNSKEY RRset and over the
	 * CDS and CDNSKEY RRsets (Cascade's [key-manager.records]); when an
	 * expiration is 0, that RRset takes inception and expiration above. */
	uint32_t dnskey_inception, dnskey_expiration;
	uint32_t cds_inception, cds_expiration;
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
	uint32_t now;	     /* Unix seconds: which signatures may be kept (signer_update) */
	uint32_t refresh;    /* a kept signature must be valid beyond now + refresh */
};

/* The signing that signer_update follows. */
struct signer_prev {
	const struct zone *in;		/* the unsigned version it was made from */
	const struct zone *out;		/* its result */
	const struct signer_opts *opts; /* the options it was made with */
	uint32_t earliest;		/* its stats' earliest, 0 if unknown: while no signature
			    * is due, the zone is not searched for due ones */
};

struct signer_stats {
	size_t names;	   /* names whose signed node was (re)built, NSEC3 owners included */
	size_t signatures; /* signatures made */
	size_t reused;	   /* signatures kept from the previous signing */
	bool full;	   /* every name was rebuilt */
	uint32_t earliest; /* no signature of the result expires before this (Unix
			    * seconds, serial arithmetic); 0 when it has none */
};

/* When the signatures over the RRset of that type at owner expire under
 * opts: its expiration (the DNSKEY and CDS ones may differ) less its share
 * of the jitter; and their inception. */
uint32_t signer_expiration(const struct signer_opts *opts, const uint8_t *owner, uint16_t type);
uint32_t signer_inception(const struct signer_opts *opts, uint16_t type);

/* Signs in into *out. Fails with ERR_INVAL (and a message in err, which may
 * be NULL) when no key can sign, and with the key's error when signing fails. */
int signer_sign(
	const struct zone *in, const struct signer_opts *opts, struct zone **out, struct buf *err);

/* Signs in into *out following prev (see above); prev->in, prev->out and in
 * must be versions of one zone (ERR_INVAL otherwise). prev's versions are
 * only read; *out shares the nodes it keeps with prev->out. stats may be
 * NULL. Errors as signer_sign. */
int signer_update(const struct zone *in, const struct signer_opts *opts,
	const struct signer_prev *prev, struct zone **out, struct signer_stats *stats,
	struct buf *err);

#endif
