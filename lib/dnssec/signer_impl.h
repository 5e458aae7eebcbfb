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
struct job {
	struct node *in;  /* the input node (borrowed from the input version) */
	struct node *out; /* the signed node */
	long next;	  /* NSEC: the job of the next name in the chain */
	bool ent;	  /* no data of its own after stripping */
	bool auth;	  /* not occluded */
	bool in_nsec3;	  /* has an NSEC3 record */
	bool no_nsec3;	  /* an ENT opt-out leaves out of the NSEC3 chain */
	bool signed_data; /* some RRset here is signed (RRSIG in the bitmap) */
	uint8_t hash[NSEC3_HASH_LEN];
	uint8_t *bitmap; /* NSEC3: its Type Bit Maps field (worker arena) */
	uint16_t bitmap_len;
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
};

struct signer {
	const struct zone *in;
	const struct signer_opts *o;
	uint8_t apex[LIMIT_NAME_LEN + 1];
	size_t apex_len;
	uint32_t soa_ttl, denial_ttl;
	uint32_t serial; /* of the signed zone */
	struct job *jobs;
	size_t njobs, cap;
	long *chain; /* NSEC3: jobs in the chain, sorted by hash */
	size_t nchain;
	struct node **nsec3; /* NSEC3: the chain's nodes, in hash order */
	struct worker workers[SIGNER_MAX_THREADS];
	unsigned nworkers;
};

/* Phase 2 for job i: its signed node (and, for NSEC3, hash and bitmap). */
int signer_node(struct signer *s, struct worker *w, size_t i);
/* Phase 3 for chain entry i: the signed NSEC3 node. */
int signer_nsec3_node(struct signer *s, struct worker *w, size_t i);
/* Puts the digest into the apex ZONEMD of the signed *z and signs it. */
int signer_zonemd(struct signer *s, struct zone **z);
/* A zone cut without DS: what opt-out leaves out (RFC 5155 §6). */
bool signer_insecure_cut(const struct job *j);
/* Whether the signer drops input RRs of this type (at the apex or not). */
bool signer_stripped(uint16_t type, bool apex);
/* One node with the RRs of both (a's owner and flags). */
int signer_join(const struct node *a, const struct node *b, struct node **out);

#endif
