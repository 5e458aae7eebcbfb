/* signer_node.c - signing one name (see signer_impl.h). */
#include <libknot/descriptor.h>
#include <libknot/wire.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dnssec/rrsig.h"
#include "lib/dnssec/signer_impl.h"
#include "lib/dnssec/zonemd.h"
#include "lib/dns/name.h"
#include "lib/util/array.h"
#include "lib/util/base.h"
#include "lib/util/err.h"

/* RRs made here keep their RDATA in w->gen, which may move while it grows:
 * their offsets are kept, and fix_rdata() points them into place before
 * each node is built. */
static int add_rr(struct worker *w, const struct node_rr *rr)
{
	if (array_reserve((void **)&w->rrs, &w->cap, w->nrrs + 1, sizeof(*w->rrs), 64) < 0)
		return ERR_NOMEM;
	w->rrs[w->nrrs++] = *rr;
	return 0;
}

/* An RR of RRset r whose RDATA stays where it is (in a node). */
static int add_borrowed(struct worker *w, const struct rrset *r, const uint8_t *d, uint16_t len)
{
	struct node_rr rr = {
		.type = r->type, .covers = r->covers, .ttl = r->ttl, .len = len, .rdata = d};
	return add_rr(w, &rr);
}

static int add_generated(struct worker *w, uint16_t type, uint16_t covers, uint32_t ttl,
	const uint8_t *rdata, size_t len)
{
	if (len > UINT16_MAX)
		return ERR_LIMIT;
	if (array_reserve((void **)&w->genat, &w->gencap, w->ngen + 1, sizeof(*w->genat), 64) < 0)
		return ERR_NOMEM;
	struct node_rr rr = {.type = type, .covers = covers, .ttl = ttl, .len = (uint16_t)len};
	w->genat[w->ngen].rr = w->nrrs;
	w->genat[w->ngen].off = w->gen.len;
	int rc = buf_append(&w->gen, rdata, len);
	if (rc == 0)
		rc = add_rr(w, &rr);
	if (rc == 0)
		w->ngen++;
	return rc;
}

static void fix_rdata(struct worker *w)
{
	for (size_t i = 0; i < w->ngen; i++)
		w->rrs[w->genat[i].rr].rdata = w->gen.data + w->genat[i].off;
}

/* RRs of the input the signer replaces (RFC 4035 §2; Cascade strips the same). */
bool signer_stripped(uint16_t type, bool apex)
{
	switch (type) {
	case KNOT_RRTYPE_RRSIG:
	case KNOT_RRTYPE_NSEC:
	case KNOT_RRTYPE_NSEC3:
		return true;
	case KNOT_RRTYPE_DNSKEY:
	case KNOT_RRTYPE_CDS:
	case KNOT_RRTYPE_CDNSKEY:
	case KNOT_RRTYPE_NSEC3PARAM:
	case KNOT_RRTYPE_ZONEMD:
		return apex;
	default:
		return false;
	}
}

/* The input's RRs without the DNSSEC records, the SOA with its new serial. */
static int add_input(struct signer *s, struct worker *w, const struct node *in)
{
	bool apex = in->flags & NODE_APEX;
	for (const struct rrset *r = node_first(in); r; r = node_next(in, r)) {
		if (signer_stripped(r->type, apex))
			continue;
		uint32_t pos = 0;
		const uint8_t *d;
		uint16_t len;
		while (rrset_next_rdata(r, &pos, &d, &len)) {
			int rc;
			if (r->type == KNOT_RRTYPE_SOA && apex && s->o->set_serial && len >= 20 &&
				len <= 2 * (LIMIT_NAME_LEN + 1) + 20) {
				uint8_t soa[2 * (LIMIT_NAME_LEN + 1) + 20];
				memcpy(soa, d, len);
				knot_wire_write_u32(soa + len - 20, s->o->serial);
				rc = add_generated(w, r->type, 0, r->ttl, soa, len);
			} else {
				rc = add_borrowed(w, r, d, len);
			}
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* The apex gets the DNSKEY RRset and, for NSEC3, NSEC3PARAM (RFC 5155 §4). */
static int add_apex(struct signer *s, struct worker *w)
{
	uint32_t ttl = s->o->dnskey_ttl ? s->o->dnskey_ttl : s->soa_ttl;
	for (size_t i = 0; i < s->o->nkeys; i++) {
		if (!s->o->keys[i].publish)
			continue;
		uint8_t rd[4 + KEY_PUBKEY_MAX];
		int len = key_dnskey_rdata(s->o->keys[i].key, rd, sizeof(rd));
		if (len < 0)
			return len;
		int rc = add_generated(w, KNOT_RRTYPE_DNSKEY, 0, ttl, rd, (size_t)len);
		if (rc < 0)
			return rc;
	}
	if (s->o->zonemd_hash) {
		/* a placeholder of the right size, so denial bitmaps list ZONEMD;
		 * signer_zonemd() puts the digest in once the rest is signed */
		static const uint8_t zero[ZONEMD_DIGEST_MAX];
		uint8_t md[6 + ZONEMD_DIGEST_MAX];
		int len = zonemd_rdata(s->serial, ZONEMD_SCHEME_SIMPLE, s->o->zonemd_hash, zero,
			s->o->zonemd_hash == ZONEMD_HASH_SHA384 ? 48 : 64, md);
		int rc = len < 0
			? len
			: add_generated(w, KNOT_RRTYPE_ZONEMD, 0, s->soa_ttl, md, (size_t)len);
		if (rc < 0)
			return rc;
	}
	if (!s->o->nsec3)
		return 0;
	/* flags 0: opt-out is a property of the NSEC3 records only (RFC 5155 §4.1.2) */
	uint8_t p[5 + 255] = {NSEC3_HASH_SHA1, 0, (uint8_t)(s->o->iterations >> 8),
		(uint8_t)s->o->iterations, s->o->salt_len};
	memcpy(p + 5, s->o->salt, s->o->salt_len);
	return add_generated(w, KNOT_RRTYPE_NSEC3PARAM, 0, s->soa_ttl, p, 5u + s->o->salt_len);
}

/* Whether the RRset of this type at this job is signed: at a zone cut only DS
 * and the denial record are authoritative (RFC 4035 §2.2). */
static bool signable(const struct job *j, uint16_t type)
{
	if (!j->auth || type == KNOT_RRTYPE_RRSIG)
		return false;
	if (j->in->flags & NODE_DELEG)
		return type == KNOT_RRTYPE_DS || type == KNOT_RRTYPE_NSEC;
	return true;
}

/* The types a denial record lists for node n (the input's, whose DNSSEC
 * records are left out, or the apex as signed): what is there, except what
 * a zone cut holds but is not authoritative for. */
static size_t denial_types(const struct job *j, const struct node *n, uint16_t *types, size_t cap)
{
	size_t k = 0;
	bool cut = j->in->flags & NODE_DELEG, input = n == j->in;
	for (const struct rrset *r = node_first(n); r && k < cap; r = node_next(n, r)) {
		if (input && signer_stripped(r->type, n->flags & NODE_APEX))
			continue;
		if (cut && r->type != KNOT_RRTYPE_NS && r->type != KNOT_RRTYPE_DS &&
			r->type != KNOT_RRTYPE_NSEC && r->type != KNOT_RRTYPE_RRSIG)
			continue;
		if (k == 0 || types[k - 1] != r->type)
			types[k++] = r->type;
	}
	return k;
}

/* Adds t to the ascending list types[0..*n) unless it is there. */
static void insert_sorted(uint16_t *types, size_t *n, uint16_t t)
{
	size_t i = *n;
	while (i > 0 && types[i - 1] > t)
		i--;
	if (i > 0 && types[i - 1] == t)
		return;
	memmove(types + i + 1, types + i, (*n - i) * sizeof(*types));
	types[i] = t;
	(*n)++;
}

/* A one-RR RRset in the layout of node.h, to sign what is not in a node. */
union one_rrset {
	struct rrset set;
	uint8_t mem[sizeof(struct rrset) + 2 + LIMIT_NAME_LEN + 1 + 8704 + 1];
};

static const struct rrset *one_rrset(
	union one_rrset *u, uint16_t type, uint32_t ttl, const uint8_t *rdata, size_t len)
{
	uint16_t l = (uint16_t)len;
	u->set = (struct rrset){.type = type, .ttl = ttl, .count = 1};
	u->set.size = 2u + l + (l & 1u);
	memcpy(u->set.rdata, &l, 2);
	memcpy(u->set.rdata + 2, rdata, l);
	u->set.rdata[2 + l] = 0; /* the pad to an even size, when there is one */
	return &u->set;
}

/* NSEC (RFC 4034 §4): the next name, then the types of n plus NSEC and
 * RRSIG; also as a one-RR RRset in u, to be signed. */
static int add_nsec(struct signer *s, struct worker *w, const struct job *j, const struct node *n,
	union one_rrset *u)
{
	const struct node *next = j->nsec_next;
	uint16_t *types = w->types;
	size_t k = denial_types(j, n, types, SIGNER_TYPES_MAX - 2);
	insert_sorted(types, &k, KNOT_RRTYPE_RRSIG);
	insert_sorted(types, &k, KNOT_RRTYPE_NSEC);
	uint8_t rd[LIMIT_NAME_LEN + 1 + 8704];
	memcpy(rd, node_owner(next), next->owner_len);
	int bl = bitmap_from_types(types, k, rd + next->owner_len, sizeof(rd) - next->owner_len);
	if (bl < 0)
		return bl;
	size_t len = (size_t)next->owner_len + (size_t)bl;
	one_rrset(u, KNOT_RRTYPE_NSEC, s->denial_ttl, rd, len);
	return add_generated(w, KNOT_RRTYPE_NSEC, 0, s->denial_ttl, rd, len);
}

/* Whether the two RRsets hold the same data. */
static bool rrset_same(const struct rrset *a, const struct rrset *b)
{
	return a->ttl == b->ttl && a->count == b->count && a->size == b->size &&
		memcmp(a->rdata, b->rdata, a->size) == 0;
}

bool signer_keepable(const struct signer *s, const struct rrsig_fields *f)
{
	return (int32_t)(f->expiration - s->o->now) > (int32_t)s->o->refresh &&
		(int32_t)(s->o->now - f->inception) >= 0;
}

/* Incremental signing: keeps key k's signature over r from the previous
 * signed node when r did not change and the signature may be kept. Returns
 * 1 when kept. */
static int reuse(struct signer *s, struct worker *w, const struct rrset *r, const struct key *k)
{
	const struct rrset *was = w->old ? node_find(w->old, r->type, 0) : NULL;
	const struct rrset *sigs = was ? node_find(w->old, KNOT_RRTYPE_RRSIG, r->type) : NULL;
	if (!sigs || s->tag_clash || !rrset_same(was, r))
		return 0;
	uint32_t pos = 0;
	const uint8_t *d;
	uint16_t len;
	while (rrset_next_rdata(sigs, &pos, &d, &len)) {
		struct rrsig_fields f;
		size_t at;
		if (rrsig_parse(d, len, &f, &at) < 0 || f.algorithm != k->algorithm ||
			f.key_tag != k->tag)
			continue;
		if (!signer_keepable(s, &f))
			return 0;
		w->reused++;
		signer_note_expiry(&w->earliest, f.expiration);
		return add_borrowed(w, sigs, d, len) < 0 ? ERR_NOMEM : 1;
	}
	return 0;
}

/* The worker's signer for key k, drawing on the nonces made ahead for it. */
static int new_signer(const struct signer_key *k, struct key_signer **out)
{
	int rc = key_signer_new(k->key, out);
	if (rc == 0 && k->nonces)
		rc = key_signer_draw(*out, k->nonces);
	return rc;
}

/* The expiration of the signatures over the RRset (type) at owner: the
 * jitter's share is a hash of the lower-cased owner and the type, so it is
 * the same at every signing (incremental signing keeps its promise of the
 * full signing's result) and spread evenly over [0, jitter]. */
static bool is_cds(uint16_t type)
{
	return type == KNOT_RRTYPE_CDS || type == KNOT_RRTYPE_CDNSKEY;
}

uint32_t signer_inception(const struct signer_opts *o, uint16_t type)
{
	if (type == KNOT_RRTYPE_DNSKEY && o->dnskey_expiration)
		return o->dnskey_inception;
	if (is_cds(type) && o->cds_expiration)
		return o->cds_inception;
	return o->inception;
}

uint32_t signer_expiration(const struct signer_opts *o, const uint8_t *owner, uint16_t type)
{
	uint32_t expiration = type == KNOT_RRTYPE_DNSKEY && o->dnskey_expiration
		? o->dnskey_expiration
		: is_cds(type) && o->cds_expiration ? o->cds_expiration
						    : o->expiration;
	/* One RRset each: nothing to spread, and their own lifetimes may be
	 * shorter than the jitter allows for. */
	if (o->jitter == 0 || type == KNOT_RRTYPE_DNSKEY || is_cds(type))
		return expiration;
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a, 64 bits */
	for (const uint8_t *p = owner; *p; p += *p + 1)
		for (unsigned i = 0; i <= *p; i++) {
			uint8_t c = p[i];
			h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32 : c)) * 0x100000001b3u;
		}
	h = (h ^ (type >> 8)) * 0x100000001b3u;
	h = (h ^ (type & 0xff)) * 0x100000001b3u;
	return expiration - (uint32_t)(h % ((uint64_t)o->jitter + 1));
}

/* RRSIGs over RRset r, owned by owner, by every key with the right role. */
static int sign_rrset(
	struct signer *s, struct worker *w, const uint8_t *owner, const struct rrset *r)
{
	bool keyset = r->type == KNOT_RRTYPE_DNSKEY || r->type == KNOT_RRTYPE_CDS ||
		r->type == KNOT_RRTYPE_CDNSKEY;
	for (size_t i = 0; i < s->o->nkeys; i++) {
		const struct signer_key *k = &s->o->keys[i];
		if (!(keyset ? k->ksk : k->zsk))
			continue;
		int rc = reuse(s, w, r, k->key);
		if (rc != 0) {
			if (rc < 0)
				return rc;
			continue;
		}
		struct rrsig_fields f = {.type_covered = r->type,
			.algorithm = k->key->algorithm,
			.labels = rrsig_labels(owner),
			.original_ttl = r->ttl,
			.expiration = signer_expiration(s->o, owner, r->type),
			.inception = signer_inception(s->o, r->type),
			.key_tag = k->key->tag,
			.signer = s->apex};
		buf_clear(&w->data);
		rc = rrsig_append_signed_data(&f, owner, r, &w->data);
		if (rc < 0)
			return rc;
		/* The RRSIG RDATA is the head the signed data starts with, then the
		 * signature (RFC 4034 §3.1.8.1). */
		size_t head = 18 + s->apex_len;
		uint8_t rd[18 + LIMIT_NAME_LEN + 1 + KEY_SIG_MAX];
		memcpy(rd, w->data.data, head);
		if (!w->signers[i] && (rc = new_signer(k, &w->signers[i])) < 0)
			return rc;
		int sl = key_signer_sign(w->signers[i], w->data.data, w->data.len, rd + head);
		if (sl < 0)
			return sl;
		rc = add_generated(w, KNOT_RRTYPE_RRSIG, r->type, r->ttl, rd, head + (size_t)sl);
		if (rc < 0)
			return rc;
		w->made++;
		signer_note_expiry(&w->earliest, f.expiration);
	}
	return 0;
}

bool signer_insecure_cut(const struct node *n)
{
	return (n->flags & NODE_DELEG) && !node_find(n, KNOT_RRTYPE_DS, 0);
}

/* NSEC3 chain membership (RFC 5155 §7.1): every authoritative name and empty
 * non-terminal, but with opt-out not the insecure delegations nor the ENTs
 * with only those below. */
static bool in_nsec3_chain(const struct signer *s, const struct job *j)
{
	if (!j->auth || j->no_nsec3)
		return false;
	return !(s->o->opt_out && signer_insecure_cut(j->in));
}

/* The hash and type bitmap the name's NSEC3 will carry; in_nsec3 is set
 * only once they are made. */
static int prepare_nsec3(struct signer *s, struct worker *w, struct job *j, const struct node *n)
{
	if (!in_nsec3_chain(s, j))
		return 0;
	uint16_t *types = w->types;
	size_t k = n ? denial_types(j, n, types, SIGNER_TYPES_MAX - 1) : 0;
	if (j->signed_data)
		insert_sorted(types, &k, KNOT_RRTYPE_RRSIG);
	uint8_t bm[8704];
	int bl = bitmap_from_types(types, k, bm, sizeof(bm));
	if (bl < 0)
		return bl;
	struct job_nsec3 *n3 = arena_alloc(&w->mem, sizeof(*n3) + (size_t)bl);
	if (!n3)
		return ERR_NOMEM;
	memcpy(n3->bitmap, bm, (size_t)bl);
	n3->bitmap_len = (uint16_t)bl;
	int rc = nsec3_hash(
		node_owner(j->in), s->o->salt, s->o->salt_len, s->o->iterations, n3->hash);
	if (rc == 0) {
		j->nsec3 = n3;
		j->in_nsec3 = true;
	}
	return rc;
}

/* Builds the node of w->rrs: fixes the RDATA pointers first. */
static int build(struct worker *w, const uint8_t *owner, uint16_t flags, struct node **out)
{
	fix_rdata(w);
	return node_build(owner, w->rrs, w->nrrs, flags, out, NULL);
}

/* Signs the RRsets of data (the input node, or the apex as built) that are
 * signed here. */
static int sign_data(struct signer *s, struct worker *w, struct job *j, const struct node *data)
{
	bool input = data == j->in, apex = data->flags & NODE_APEX;
	int rc = 0;
	for (const struct rrset *r = node_first(data); rc == 0 && r; r = node_next(data, r)) {
		if (!signable(j, r->type) || (input && signer_stripped(r->type, apex)))
			continue;
		j->signed_data = true;
		/* the ZONEMD placeholder is signed once it holds the digest */
		if (r->type != KNOT_RRTYPE_ZONEMD || !apex || !s->o->zonemd_hash)
			rc = sign_rrset(s, w, node_owner(data), r);
	}
	return rc;
}

/* Whether the signed zone takes the input's node as it is, told before any
 * work: no NSEC or NSEC3 of its own, nothing to sign or strip (the apex
 * always gets records added). Most names of an opt-out zone (insecure
 * delegations, their glue) are such. It asks the rules the work follows
 * (in_nsec3_chain, signable, signer_stripped); the test at the end of
 * signer_node finds the same, after the work. */
static bool as_is(const struct signer *s, const struct job *j)
{
	const struct node *n = j->in;
	if (n->flags & NODE_APEX)
		return false;
	if (s->o->nsec3 ? in_nsec3_chain(s, j) : (j->auth && !j->ent))
		return false;
	for (const struct rrset *r = node_first(n); r; r = node_next(n, r))
		if (signer_stripped(r->type, false) || signable(j, r->type))
			return false;
	return true;
}

/* Another name's input RRsets are signed as they are; the apex gets records
 * of its own (DNSKEY, NSEC3PARAM, ZONEMD, the new SOA), so it is built once
 * to see them as sets. The signed node is built last. */
int signer_node(struct signer *s, struct worker *w, size_t i)
{
	struct job *j = &s->jobs[i];
	const struct node *in = j->in;
	if (i + TREE_PREFETCH_AHEAD < s->njobs)
		node_prefetch(s->jobs[i + TREE_PREFETCH_AHEAD].in);
	w->names++;
	if (as_is(s, j)) {
		j->out = node_ref(j->in);
		w->rrs_out += node_rr_count(j->out);
		return 0;
	}
	w->nrrs = w->ngen = 0;
	w->old = s->prev ? tree_find(s->prev->out->tree, node_key(in), in->key_len) : NULL;
	buf_clear(&w->gen);
	int rc = add_input(s, w, in);
	struct node *apex = NULL;
	if (rc == 0 && (in->flags & NODE_APEX)) {
		rc = add_apex(s, w);
		if (rc == 0)
			rc = build(w, node_owner(in), in->flags, &apex);
	}
	const struct node *data = j->ent ? NULL : apex ? apex : in;
	if (rc == 0 && data)
		rc = sign_data(s, w, j, data);
	if (rc == 0 && data && !s->o->nsec3 && j->auth) {
		union one_rrset nsec;
		rc = add_nsec(s, w, j, data, &nsec);
		if (rc == 0)
			rc = sign_rrset(s, w, node_owner(data), &nsec.set);
		j->signed_data = true;
	}
	if (rc == 0 && s->o->nsec3)
		rc = prepare_nsec3(s, w, j, data);
	/* nothing signed here, nothing generated, nothing stripped (glue, an
	 * insecure delegation with NSEC3, an ENT): the signed zone shares the
	 * input's node. (A kept signature is not generated: hence signed_data.) */
	if (rc == 0 && !apex && !j->signed_data && w->ngen == 0 && w->nrrs == node_rr_count(in))
		j->out = node_ref(j->in);
	else if (rc == 0)
		rc = build(w, node_owner(in), in->flags, &j->out);
	if (rc == 0)
		w->rrs_out += node_rr_count(j->out);
	node_unref(apex);
	return rc;
}

int signer_join(const struct node *a, const struct node *b, struct node **out)
{
	size_t n = node_rr_count(a) + node_rr_count(b);
	struct node_rr *rrs = malloc((n ? n : 1) * sizeof(*rrs));
	if (!rrs)
		return ERR_NOMEM;
	int na = node_rrs(a, rrs, n);
	int nb = node_rrs(b, rrs + na, n - (size_t)na);
	int rc = node_build(node_owner(a), rrs, (size_t)(na + nb), a->flags, out, NULL);
	free(rrs);
	return rc;
}

int signer_nsec3_owner(const struct signer *s, const uint8_t *hash, uint8_t *owner)
{
	char label[40];
	int ll = base32hex_encode(hash, NSEC3_HASH_LEN, label, sizeof(label), BASE_LOWER);
	if (ll < 0 || (size_t)ll + 1 + s->apex_len > LIMIT_NAME_LEN + 1)
		return ERR_LIMIT;
	owner[0] = (uint8_t)ll;
	memcpy(owner + 1, label, (size_t)ll);
	memcpy(owner + 1 + ll, s->apex, s->apex_len);
	return 0;
}

/* NSEC3 (RFC 5155 §3.2) of entry i, owned by the base32hex hash below the
 * apex, and its RRSIG. */
int signer_nsec3_node(struct signer *s, struct worker *w, size_t i)
{
	struct nsec3_ent *e = &s->ents[i];
	uint8_t owner[LIMIT_NAME_LEN + 1];
	int rc = signer_nsec3_owner(s, e->hash, owner);
	if (rc < 0)
		return rc;
	uint8_t rd[6 + 255 + NSEC3_HASH_LEN + 8704];
	size_t at = 0;
	rd[at++] = NSEC3_HASH_SHA1;
	rd[at++] = s->o->opt_out ? 1 : 0; /* RFC 5155 §3.1.2.1: the Opt-Out flag */
	rd[at++] = (uint8_t)(s->o->iterations >> 8);
	rd[at++] = (uint8_t)s->o->iterations;
	rd[at++] = s->o->salt_len;
	memcpy(rd + at, s->o->salt, s->o->salt_len);
	at += s->o->salt_len;
	rd[at++] = NSEC3_HASH_LEN;
	memcpy(rd + at, e->next, NSEC3_HASH_LEN);
	at += NSEC3_HASH_LEN;
	memcpy(rd + at, e->bitmap, e->bitmap_len);
	at += e->bitmap_len;
	w->nrrs = w->ngen = 0;
	w->names++;
	buf_clear(&w->gen);
	w->old = NULL;
	if (s->prev) {
		uint8_t key[LIMIT_NAME_LEN + 1];
		size_t kl = name_key(owner, key);
		w->old = tree_find(s->prev->out->tree, key, kl);
	}
	union one_rrset u;
	one_rrset(&u, KNOT_RRTYPE_NSEC3, s->denial_ttl, rd, at);
	rc = add_generated(w, KNOT_RRTYPE_NSEC3, 0, s->denial_ttl, rd, at);
	if (rc == 0)
		rc = sign_rrset(s, w, owner, &u.set);
	if (rc == 0)
		rc = build(w, owner, 0, &e->out);
	if (rc == 0)
		w->rrs_out += node_rr_count(e->out);
	return rc;
}

/* RFC 8976 §3.3: the digest of the signed zone goes into the apex ZONEMD,
 * which is signed last. Replaces *z with the finished version. */
int signer_zonemd(struct signer *s, struct zone **z)
{
	uint8_t digest[ZONEMD_DIGEST_MAX], md[6 + ZONEMD_DIGEST_MAX];
	int dl = zonemd_digest(*z, ZONEMD_SCHEME_SIMPLE, s->o->zonemd_hash, digest);
	if (dl < 0)
		return dl;
	int ml = zonemd_rdata(
		(*z)->serial, ZONEMD_SCHEME_SIMPLE, s->o->zonemd_hash, digest, (size_t)dl, md);
	struct worker *w = &s->workers[0];
	const struct node *apex = zone_apex_node(*z);
	w->old = NULL; /* the digest changes with the serial: nothing to keep */
	w->nrrs = w->ngen = 0;
	buf_clear(&w->gen);
	int rc = 0;
	for (const struct rrset *r = node_first(apex); r && rc == 0; r = node_next(apex, r)) {
		if (r->type == KNOT_RRTYPE_ZONEMD ||
			(r->type == KNOT_RRTYPE_RRSIG && r->covers == KNOT_RRTYPE_ZONEMD))
			continue;
		uint32_t pos = 0;
		const uint8_t *d;
		uint16_t len;
		while (rc == 0 && rrset_next_rdata(r, &pos, &d, &len))
			rc = add_borrowed(w, r, d, len);
	}
	struct node *plain = NULL, *done = NULL;
	if (rc == 0)
		rc = add_generated(w, KNOT_RRTYPE_ZONEMD, 0, s->soa_ttl, md, (size_t)ml);
	if (rc == 0)
		rc = build(w, node_owner(apex), apex->flags, &plain);
	if (rc == 0)
		rc = sign_rrset(s, w, node_owner(plain), node_find(plain, KNOT_RRTYPE_ZONEMD, 0));
	if (rc == 0)
		rc = build(w, node_owner(apex), apex->flags, &done);
	node_unref(plain);
	struct tree *t;
	if (rc == 0)
		rc = tree_set((*z)->tree, done, &t); /* takes done */
	struct zone *nz;
	size_t rrs = (*z)->rrs + node_rr_count(done) - node_rr_count(apex);
	if (rc == 0 && (rc = zone_new_counted((*z)->apex, t, (*z)->nodes, rrs, &nz)) == 0) {
		zone_unref(*z);
		*z = nz;
	}
	return rc;
}
