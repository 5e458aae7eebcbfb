/*
 * signer_impl.h - the signer's internal state, shared by signer.c (phases,
 * threads) and signer_node.c (one name at a time). Not a public interface.
 */
#ifndef CASCADE_DNSSEC_SIGNER_IMPL_H
#define CASCADE_DNSSEC_SIGNER_IMPL_H

#include <stdatomic.h>
#include <stdbool.h>

#include "lib/dnssec/denial.h"
#include "lib/dnssec/signer.h"
#include "lib/util/arena.h"

#define SIGNER_MAX_THREADS 256
#define SIGNER_TYPES_MAX (65536 + 2) /* a node's RRset types, plus NSEC and RRSIG */

/* One name of the signed zone. */
/* NSEC3: the hash of a name in the chain and the Type Bit Maps field its
 * record will carry. */
struct job_nsec3 {
	uint8_t hash[NSEC3_HASH_LEN];
	uint16_t bitmap_len;
	uint8_t bitmap[];
};

/* One name of the signed zone. Kept small: a zone has a job per name. */
struct job {
	struct node *in;		      /* the input node (borrowed from the input version) */
	struct node *out;		      /* the signed node */
	union {				      /* by the denial mode */
		const struct node *nsec_next; /* NSEC: the input node of the next name */
		struct job_nsec3 *nsec3;      /* NSEC3, with in_nsec3 (a worker's arena) */
	};
	bool ent;	  /* no data of its own after stripping */
	bool auth;	  /* not occluded */
	bool in_nsec3;	  /* has an NSEC3 record */
	bool no_nsec3;	  /* an ENT opt-out leaves out of the NSEC3 chain */
	bool signed_data; /* some RRset here is signed (RRSIG in the bitmap) */
};

/* One NSEC3 record to make (RFC 5155 §3.2): the hash of its name, the hash
 * of the next name in the chain and its type bitmap. */
struct nsec3_ent {
	uint8_t hash[NSEC3_HASH_LEN];
	uint8_t next[NSEC3_HASH_LEN];
	const uint8_t *bitmap; /* borrowed: a worker's arena or a node */
	uint16_t bitmap_len;
	struct node *out; /* the signed NSEC3 node */
};

struct pool;

/* What one thread owns while it works. */
struct worker {
	struct signer *s;
	struct pool *pool;
	struct arena mem;    /* bitmaps that must outlive a phase */
	struct buf gen;	     /* RDATA made for the node at hand */
	struct buf data;     /* the data one RRSIG signs */
	struct node_rr *rrs; /* the node at hand's RRs */
	size_t nrrs, cap;
	struct {
		size_t rr, off;
	} * genat;		     /* rrs whose RDATA is in gen, and where */
	struct key_signer **signers; /* per key, made on first use: OpenSSL state per thread */
	uint16_t *types;	     /* room for every type of a node, and two more */
	size_t ngen, gencap;
	const struct node *old;	    /* incremental: the previous signed node of this owner */
	size_t names, made, reused; /* for signer_stats */
	size_t rrs_out;		    /* RRs in the nodes built (full signing's count) */
	uint32_t earliest;	    /* of the signatures made or kept; 0: none yet */
};

struct signer {
	const struct zone *in;
	const struct signer_opts *o;
	const struct signer_prev *prev; /* NULL: nothing to reuse */
	uint8_t apex[LIMIT_NAME_LEN + 1];
	size_t apex_len;
	uint32_t soa_ttl, denial_ttl;
	uint32_t serial; /* of the signed zone */
	struct job *jobs;
	size_t njobs, cap;
	struct nsec3_ent *ents; /* NSEC3 records to make, in hash order */
	size_t nents;
	struct worker workers[SIGNER_MAX_THREADS];
	unsigned nworkers;
	bool tag_clash;	   /* two keys share algorithm and tag: no signature can be kept */
	uint32_t earliest; /* of the signatures kept without a look (incremental) */
};

/* Phase 2 for job i: its signed node (and, for NSEC3, hash and bitmap). */
int signer_node(struct signer *s, struct worker *w, size_t i);
/* Phase 3 for NSEC3 entry i: its signed node. */
int signer_nsec3_node(struct signer *s, struct worker *w, size_t i);
/* Puts the digest into the apex ZONEMD of the signed *z and signs it. */
int signer_zonemd(struct signer *s, struct zone **z);
/* A zone cut without DS: what opt-out leaves out (RFC 5155 §6). */
bool signer_insecure_cut(const struct node *n);
/* Whether the signer drops input RRs of this type (at the apex or not). */
bool signer_stripped(uint16_t type, bool apex);
/* One node with the RRs of both (a's owner and flags). */
int signer_join(const struct node *a, const struct node *b, struct node **out);
/* Lowers *earliest to exp (RFC 4034 §3.1.5: serial arithmetic); 0 is none. */
void signer_note_expiry(uint32_t *earliest, uint32_t exp);
struct rrsig_fields;
/* Whether a signature may be kept: valid beyond now + refresh and already
 * begun (RFC 4034 §3.1.5: the times compare in serial arithmetic). */
bool signer_keepable(const struct signer *s, const struct rrsig_fields *f);
/* Whether anything of node n stays once DNSSEC records are stripped. */
bool signer_keeps_data(const struct node *n);
/* The SOA TTL and the denial TTL min(SOA TTL, MINIMUM) (RFC 9077 §3.1.2) of
 * version z; ERR_ZONE without an SOA. */
int signer_soa_ttls(const struct zone *z, uint32_t *soa_ttl, uint32_t *denial_ttl);
/* Runs fn(s, w, i) for every i in [0, n) on all workers; the first error. */
int signer_run(struct signer *s, int (*fn)(struct signer *, struct worker *, size_t), size_t n);
/* The NSEC3 owner name of hash (RFC 5155 §3): base32hex label, then the apex. */
int signer_nsec3_owner(const struct signer *s, const uint8_t *hash, uint8_t *owner);
/* The incremental part of signer_update: 0 and *out, or 1 when every name
 * has to be rebuilt (a global change), or an error. */
int signer_incremental(struct signer *s, struct zone **out);

#endif
