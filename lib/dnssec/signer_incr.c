/*
 * signer_incr.c - incremental signing (signer_update, see signer.h).
 *
 * (1) The names to rebuild: each owner whose unsigned node differs between
 * prev->in and in (both trees are walked together, skipping the blocks they
 * share, so the cost follows the change, not the zone), their ancestors
 * (whether an empty non-terminal stays, and whether opt-out leaves it out,
 * depends on what is below it), the apex, the names holding a signature
 * that could not be kept, and with NSEC the chain predecessor of each, whose
 * next name may change. (2) They are signed as in full signing, keeping the
 * signatures that may be kept. (3) NSEC3: the records of rebuilt names, and
 * those of the chain predecessors of every hash that joined or left the
 * chain, are made again. Hash order comes from the previous signed tree, in
 * which NSEC3 owners are children of the apex whose key order is hash order,
 * plus the hashes that joined. (4) The previous signed tree gets the new
 * nodes by path copying.
 */
#include <libknot/descriptor.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dnssec/rrsig.h"
#include "lib/dnssec/signer_impl.h"
#include "lib/util/array.h"
#include "lib/util/base.h"
#include "lib/util/err.h"
#include "lib/zone/zone_diff.h"

/* A name to rebuild, by its key (borrowed from a node of one of the trees). */
struct dirty {
	const uint8_t *key;
	uint16_t klen;
};

/* A new node, or a removal, for the real data (nsec3 false) or the NSEC3
 * record (nsec3 true) of one owner. */
struct update {
	const uint8_t *key;
	uint16_t klen;
	bool nsec3;
	struct node *node; /* owned; NULL: remove */
};

typedef uint8_t hash_t[NSEC3_HASH_LEN];

struct incr {
	struct signer *s;
	const struct tree *old_in, *new_in, *old_out;
	struct arena mem;
	struct dirty *d;
	size_t nd, dcap;
	const struct node **renew; /* NSEC3 nodes with a signature to make again */
	size_t nrenew, renewcap;
	hash_t *added, *removed; /* hashes that joined or left the chain, sorted */
	size_t nadded, nremoved, addcap, remcap;
	struct update *u;
	size_t nu, ucap;
	size_t *jd; /* job i is the one of dirty name jd[i] */
};

static bool same_key(const struct key *a, const struct key *b)
{
	uint8_t ra[4 + KEY_PUBKEY_MAX], rb[4 + KEY_PUBKEY_MAX];
	if (a == b)
		return true;
	int la = key_dnskey_rdata(a, ra, sizeof(ra)), lb = key_dnskey_rdata(b, rb, sizeof(rb));
	return la > 0 && la == lb && memcmp(ra, rb, (size_t)la) == 0;
}

/* Whether what every name's signed node depends on stayed the same: keys and
 * roles, denial mode and NSEC3 parameters, DNSKEY TTL, denial TTL. */
static bool same_globals(const struct signer *s)
{
	const struct signer_opts *a = s->o, *b = s->prev->opts;
	if (!b || a->nsec3 != b->nsec3 || a->nkeys != b->nkeys || a->dnskey_ttl != b->dnskey_ttl)
		return false;
	if (a->nsec3 &&
		(a->opt_out != b->opt_out || a->iterations != b->iterations ||
			a->salt_len != b->salt_len || memcmp(a->salt, b->salt, a->salt_len) != 0))
		return false;
	for (size_t i = 0; i < a->nkeys; i++) {
		const struct signer_key *x = &a->keys[i], *y = &b->keys[i];
		if (x->publish != y->publish || x->ksk != y->ksk || x->zsk != y->zsk ||
			!same_key(x->key, y->key))
			return false;
	}
	uint32_t soa_ttl, denial_ttl;
	return signer_soa_ttls(s->prev->in, &soa_ttl, &denial_ttl) == 0 &&
		denial_ttl == s->denial_ttl;
}

static int add_dirty(struct incr *x, const uint8_t *key, size_t klen)
{
	if (array_reserve((void **)&x->d, &x->dcap, x->nd + 1, sizeof(*x->d), 256) < 0)
		return ERR_NOMEM;
	x->d[x->nd++] = (struct dirty){key, (uint16_t)klen};
	return 0;
}

static int dirty_cmp(const void *pa, const void *pb)
{
	const struct dirty *a = pa, *b = pb;
	return name_key_cmp(a->key, a->klen, b->key, b->klen);
}

static void sort_dirty(struct incr *x)
{
	qsort(x->d, x->nd, sizeof(*x->d), dirty_cmp);
	size_t k = 0;
	for (size_t i = 0; i < x->nd; i++)
		if (k == 0 || dirty_cmp(&x->d[k - 1], &x->d[i]) != 0)
			x->d[k++] = x->d[i];
	x->nd = k;
}

/* An owner whose unsigned node differs (changed, added or removed). */
static int note_changed(void *ctx, const struct node *was, const struct node *now)
{
	const struct node *n = now ? now : was;
	return add_dirty(ctx, node_key(n), n->key_len);
}

/* Ancestors of the names collected so far, up to the apex, which is added
 * too (its SOA serial, DNSKEY RRset and ZONEMD are made each time). */
static int add_ancestors(struct incr *x)
{
	const struct zone *z = x->s->in;
	size_t n = x->nd;
	int rc = add_dirty(x, z->apex_key, z->apex_key_len);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		size_t klen = x->d[i].klen;
		while (rc == 0 && klen > z->apex_key_len) {
			klen = name_key_parent(x->d[i].key, klen);
			rc = add_dirty(x, x->d[i].key, klen);
		}
	}
	return rc;
}

/* Names holding a signature that cannot be kept: the data's owner is
 * rebuilt, an NSEC3 record is signed again. The previous signing's earliest
 * expiry, when known, spares the search while none is due. */
static int collect_expiring(struct incr *x)
{
	uint32_t hint = x->s->prev->earliest;
	const struct signer_opts *o = x->s->o;
	if (hint && (int32_t)(hint - o->now) > (int32_t)o->refresh) {
		x->s->earliest = hint;
		return 0;
	}
	struct tree_iter it;
	for (struct node *n = tree_iter_first(&it, x->old_out); n; n = tree_iter_next(&it)) {
		bool data = false, nsec3 = false;
		for (const struct rrset *r = node_first(n); r; r = node_next(n, r)) {
			if (r->type != KNOT_RRTYPE_RRSIG)
				continue;
			uint32_t pos = 0;
			const uint8_t *d;
			uint16_t len;
			while (rrset_next_rdata(r, &pos, &d, &len)) {
				struct rrsig_fields f;
				size_t at;
				if (rrsig_parse(d, len, &f, &at) == 0 &&
					signer_keepable(x->s, &f)) {
					signer_note_expiry(&x->s->earliest, f.expiration);
					continue;
				}
				nsec3 |= r->covers == KNOT_RRTYPE_NSEC3;
				data |= r->covers != KNOT_RRTYPE_NSEC3;
				break;
			}
		}
		int rc = data ? add_dirty(x, node_key(n), n->key_len) : 0;
		if (rc == 0 && nsec3 &&
			array_reserve((void **)&x->renew, &x->renewcap, x->nrenew + 1,
				sizeof(*x->renew), 64) < 0)
			rc = ERR_NOMEM;
		if (rc < 0)
			return rc;
		if (nsec3)
			x->renew[x->nrenew++] = n;
	}
	return 0;
}

/* A name with an NSEC record in the new zone (RFC 4034 §4.1.1). */
static bool nsec_member(const struct node *n)
{
	return !(n->flags & NODE_OCCLUDED) && ((n->flags & NODE_APEX) || signer_keeps_data(n));
}

/* The NSEC chain member before key in tree t (strictly), or NULL. */
static const struct node *nsec_pred(const struct tree *t, const uint8_t *key, size_t klen)
{
	struct node *n = tree_find_le(t, key, klen);
	if (!n)
		return NULL;
	struct tree_iter it;
	tree_iter_seek(&it, t, node_key(n), n->key_len);
	if (n->key_len == klen && memcmp(node_key(n), key, klen) == 0)
		n = tree_iter_prev(&it);
	while (n && !nsec_member(n))
		n = tree_iter_prev(&it);
	return n;
}

/* With NSEC, the predecessor of each rebuilt name gets a new NSEC when its
 * next name changed; it is rebuilt too (its signatures are kept otherwise). */
static int add_nsec_preds(struct incr *x)
{
	size_t n = x->nd;
	for (size_t i = 0; i < n; i++) {
		if (x->d[i].klen == x->s->in->apex_key_len)
			continue;
		const struct node *p = nsec_pred(x->new_in, x->d[i].key, x->d[i].klen);
		int rc = p ? add_dirty(x, node_key(p), p->key_len) : 0;
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The first node after n in t that pred accepts (below: only among the
 * descendants of n); NULL when none. */
static const struct node *scan_after(
	const struct tree *t, const struct node *n, bool below, bool (*pred)(const struct node *))
{
	struct tree_iter it;
	tree_iter_seek(&it, t, node_key(n), n->key_len);
	for (const struct node *m = tree_iter_next(&it); m; m = tree_iter_next(&it)) {
		if (below &&
			!name_key_is_ancestor(node_key(n), n->key_len, node_key(m), m->key_len))
			return NULL;
		if (pred(m))
			return m;
	}
	return NULL;
}

/* What opt-out does not leave out: authoritative data but an insecure cut. */
static bool secure_data(const struct node *n)
{
	return !(n->flags & NODE_OCCLUDED) && signer_keeps_data(n) && !signer_insecure_cut(n);
}

/* The job for node n of the new input, as plan() in signer.c would make it:
 * 1, or 0 when n has no place in the signed zone (an ENT without data below). */
static int make_job(struct incr *x, const struct node *n)
{
	struct signer *s = x->s;
	bool apex = n->flags & NODE_APEX, data = signer_keeps_data(n);
	if (!apex && !data && !scan_after(x->new_in, n, true, signer_keeps_data))
		return 0;
	if (array_reserve((void **)&s->jobs, &s->cap, s->njobs + 1, sizeof(*s->jobs), 64) < 0)
		return ERR_NOMEM;
	struct job *j = &s->jobs[s->njobs++];
	memset(j, 0, sizeof(*j));
	j->in = (struct node *)n;
	j->ent = !data && !apex;
	j->auth = !(n->flags & NODE_OCCLUDED);
	if (!s->o->nsec3 && j->auth && !j->ent) {
		j->nsec_next = scan_after(x->new_in, n, false, nsec_member);
		if (!j->nsec_next) /* the last name points back to the apex */
			j->nsec_next = zone_apex_node(s->in);
	}
	if (s->o->nsec3 && s->o->opt_out && j->ent && j->auth)
		j->no_nsec3 = !scan_after(x->new_in, n, true, secure_data);
	return 1;
}

static int add_update(struct incr *x, const uint8_t *key, size_t klen, bool nsec3, struct node *n)
{
	if (array_reserve((void **)&x->u, &x->ucap, x->nu + 1, sizeof(*x->u), 256) < 0) {
		node_unref(n);
		return ERR_NOMEM;
	}
	x->u[x->nu++] = (struct update){key, (uint16_t)klen, nsec3, n};
	return 0;
}

/* Signs the rebuilt names; their nodes become updates (job i holds the node
 * of dirty name d[jd[i]]). */
static int sign_names(struct incr *x)
{
	struct signer *s = x->s;
	size_t *jd = x->jd = malloc((x->nd ? x->nd : 1) * sizeof(*jd));
	if (!jd)
		return ERR_NOMEM;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < x->nd; i++) {
		const struct node *n = tree_find(x->new_in, x->d[i].key, x->d[i].klen);
		rc = n ? make_job(x, n) : 0;
		if (rc == 1)
			jd[s->njobs - 1] = i;
		rc = rc < 0 ? rc : 0;
	}
	if (rc == 0)
		rc = signer_run(s, signer_node, s->njobs);
	/* every dirty name gets an update: its new node, or none */
	for (size_t i = 0, k = 0; rc == 0 && i < x->nd; i++) {
		struct node *out = NULL;
		if (k < s->njobs && jd[k] == i) {
			out = s->jobs[k].out;
			s->jobs[k++].out = NULL;
		}
		rc = add_update(x, x->d[i].key, x->d[i].klen, false, out);
	}
	return rc;
}

static int hash_cmp(const void *a, const void *b)
{
	return memcmp(a, b, NSEC3_HASH_LEN);
}

static int push_hash(hash_t **v, size_t *n, size_t *cap, const uint8_t *h)
{
	if (array_reserve((void **)v, cap, *n + 1, sizeof(**v), 64) < 0)
		return ERR_NOMEM;
	memcpy((*v)[(*n)++], h, NSEC3_HASH_LEN);
	return 0;
}

static bool has_hash(const hash_t *v, size_t n, const uint8_t *h)
{
	return n && bsearch(h, v, n, sizeof(*v), hash_cmp);
}

/* The NSEC3 node of the previous signing for hash h, or NULL. */
static const struct node *old_nsec3(const struct incr *x, const uint8_t *h)
{
	uint8_t owner[LIMIT_NAME_LEN + 1], key[NAME_KEY_MAX];
	if (signer_nsec3_owner(x->s, h, owner) < 0)
		return NULL;
	size_t klen = name_key(owner, key);
	const struct node *n = tree_find(x->old_out, key, klen);
	return n && node_find(n, KNOT_RRTYPE_NSEC3, 0) ? n : NULL;
}

/* The hash an NSEC3 owner name carries in its first label. */
static int owner_hash(const struct node *n, uint8_t *h)
{
	const uint8_t *o = node_owner(n);
	int rc = base32hex_decode((const char *)o + 1, o[0], h, NSEC3_HASH_LEN, 0);
	return rc == NSEC3_HASH_LEN ? 0 : ERR_ZONE;
}

/* The member of the new chain nearest to h in direction dir (-1, +1) among
 * the previous chain's members that stay: walking the previous tree from
 * h's owner, over the other names between. inclusive: h itself counts.
 * Returns 1 and the hash in out, 0 when there is none that way. */
static int old_neighbour(
	const struct incr *x, const uint8_t *h, int dir, bool inclusive, uint8_t *out)
{
	uint8_t owner[LIMIT_NAME_LEN + 1], key[NAME_KEY_MAX];
	int rc = signer_nsec3_owner(x->s, h, owner);
	if (rc < 0)
		return rc;
	size_t klen = name_key(owner, key);
	struct tree_iter it;
	struct node *n;
	if (dir > 0) {
		n = tree_iter_seek(&it, x->old_out, key, klen);
	} else {
		n = tree_find_le(x->old_out, key, klen);
		if (n)
			tree_iter_seek(&it, x->old_out, node_key(n), n->key_len);
	}
	if (n && !inclusive && n->key_len == klen && memcmp(node_key(n), key, klen) == 0)
		n = dir > 0 ? tree_iter_next(&it) : tree_iter_prev(&it);
	for (; n; n = dir > 0 ? tree_iter_next(&it) : tree_iter_prev(&it)) {
		if (!node_find(n, KNOT_RRTYPE_NSEC3, 0))
			continue;
		if ((rc = owner_hash(n, out)) < 0)
			return rc;
		if (!has_hash(x->removed, x->nremoved, out))
			return 1;
	}
	return 0;
}

/* The index of the first added hash above h (strict) or not below it. */
static size_t added_from(const struct incr *x, const uint8_t *h, bool strict)
{
	size_t lo = 0, hi = x->nadded;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(x->added[mid], h, NSEC3_HASH_LEN);
		if (c < 0 || (c == 0 && strict))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* As old_neighbour, among the hashes that joined the chain. */
static int added_neighbour(
	const struct incr *x, const uint8_t *h, int dir, bool inclusive, uint8_t *out)
{
	size_t i;
	if (dir > 0) {
		i = added_from(x, h, !inclusive);
		if (i >= x->nadded)
			return 0;
	} else {
		i = added_from(x, h, inclusive);
		if (i-- == 0)
			return 0;
	}
	memcpy(out, x->added[i], NSEC3_HASH_LEN);
	return 1;
}

/* The next (dir +1) or previous (dir -1) member of the new chain after h,
 * around the end (RFC 5155 §3.1.7: the last points back to the first). */
static int chain_neighbour(const struct incr *x, const uint8_t *h, int dir, uint8_t *out)
{
	static const uint8_t lowest[NSEC3_HASH_LEN],
		highest[NSEC3_HASH_LEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	for (int pass = 0; pass < 2; pass++) {
		const uint8_t *from = pass == 0 ? h : dir > 0 ? lowest : highest;
		uint8_t a[NSEC3_HASH_LEN], b[NSEC3_HASH_LEN];
		int fa = old_neighbour(x, from, dir, pass == 1, a);
		if (fa < 0)
			return fa;
		int fb = added_neighbour(x, from, dir, pass == 1, b);
		if (!fa && !fb)
			continue;
		bool take_a = fa && (!fb || (memcmp(a, b, NSEC3_HASH_LEN) < 0) == (dir > 0));
		memcpy(out, take_a ? a : b, NSEC3_HASH_LEN);
		return 0;
	}
	return ERR_ZONE; /* no chain at all: the apex is always in it */
}

static int ent_cmp(const void *a, const void *b)
{
	return memcmp(((const struct nsec3_ent *)a)->hash, ((const struct nsec3_ent *)b)->hash,
		NSEC3_HASH_LEN);
}

static int push_ent(
	struct signer *s, size_t *cap, const uint8_t *h, const uint8_t *bitmap, uint16_t len)
{
	if (array_reserve((void **)&s->ents, cap, s->nents + 1, sizeof(*s->ents), 64) < 0)
		return ERR_NOMEM;
	struct nsec3_ent *e = &s->ents[s->nents++];
	memset(e, 0, sizeof(*e));
	memcpy(e->hash, h, NSEC3_HASH_LEN);
	e->bitmap = bitmap;
	e->bitmap_len = len;
	return 0;
}

/* An entry for the previous NSEC3 node n, with its type bitmap. */
static int push_old_ent(struct signer *s, size_t *cap, const struct node *n)
{
	uint8_t h[NSEC3_HASH_LEN];
	const struct rrset *r = node_find(n, KNOT_RRTYPE_NSEC3, 0);
	uint32_t pos = 0;
	const uint8_t *d;
	uint16_t len;
	int rc = owner_hash(n, h);
	if (rc < 0)
		return rc;
	if (!r || !rrset_next_rdata(r, &pos, &d, &len) || len < 6 || len < 6u + d[4] ||
		len < 6u + d[4] + d[5 + d[4]])
		return ERR_ZONE;
	size_t at = 6u + d[4] + d[5 + d[4]]; /* RFC 5155 §3.2: the bitmap is last */
	return push_ent(s, cap, h, d + at, (uint16_t)(len - at));
}

static bool ents_have(const struct signer *s, size_t n, const uint8_t *h)
{
	return n && bsearch(h, s->ents, n, sizeof(*s->ents), ent_cmp);
}

/* Step 3a: the records of the rebuilt names, and which hashes joined or left. */
static int nsec3_of_dirty(struct incr *x, size_t *cap)
{
	struct signer *s = x->s;
	for (size_t i = 0, k = 0; i < x->nd; i++) {
		const struct job *j = k < s->njobs && x->jd[k] == i ? &s->jobs[k++] : NULL;
		const struct node *n = j ? j->in : tree_find(x->old_in, x->d[i].key, x->d[i].klen);
		if (!n)
			n = tree_find(x->new_in, x->d[i].key, x->d[i].klen);
		uint8_t h[NSEC3_HASH_LEN];
		bool now = j && j->in_nsec3;
		int rc = now ? 0
			     : nsec3_hash(node_owner(n), s->o->salt, s->o->salt_len,
				       s->o->iterations, h);
		if (rc < 0)
			return rc;
		const uint8_t *hash = now ? j->nsec3->hash : h;
		bool was = old_nsec3(x, hash) != NULL;
		if (now)
			rc = push_ent(s, cap, hash, j->nsec3->bitmap, j->nsec3->bitmap_len);
		if (rc == 0 && now && !was)
			rc = push_hash(&x->added, &x->nadded, &x->addcap, hash);
		if (rc == 0 && was && !now)
			rc = push_hash(&x->removed, &x->nremoved, &x->remcap, hash);
		if (rc < 0)
			return rc;
	}
	if (x->nadded)
		qsort(x->added, x->nadded, sizeof(*x->added), hash_cmp);
	if (x->nremoved)
		qsort(x->removed, x->nremoved, sizeof(*x->removed), hash_cmp);
	qsort(s->ents, s->nents, sizeof(*s->ents), ent_cmp);
	return 0;
}

/* Step 3b: the chain predecessor of every hash that joined or left gets a
 * new next hash; an NSEC3 whose signature is due is made again as it is. */
static int nsec3_of_neighbours(struct incr *x, size_t *cap)
{
	struct signer *s = x->s;
	size_t base = s->nents;
	for (size_t i = 0; i < x->nadded + x->nremoved; i++) {
		const uint8_t *h = i < x->nadded ? x->added[i] : x->removed[i - x->nadded];
		uint8_t p[NSEC3_HASH_LEN];
		int rc = chain_neighbour(x, h, -1, p);
		if (rc < 0)
			return rc;
		if (ents_have(s, base, p))
			continue;
		const struct node *n = old_nsec3(x, p);
		rc = n ? push_old_ent(s, cap, n) : ERR_ZONE;
		if (rc < 0)
			return rc;
	}
	qsort(s->ents, s->nents, sizeof(*s->ents), ent_cmp);
	size_t k = 0;
	for (size_t i = 0; i < s->nents; i++)
		if (k == 0 || ent_cmp(&s->ents[k - 1], &s->ents[i]) != 0)
			s->ents[k++] = s->ents[i];
	s->nents = k;
	for (size_t i = 0; i < x->nrenew; i++) {
		uint8_t h[NSEC3_HASH_LEN];
		int rc = owner_hash(x->renew[i], h);
		if (rc == 0 && !ents_have(s, k, h) && !has_hash(x->removed, x->nremoved, h))
			rc = push_old_ent(s, cap, x->renew[i]);
		if (rc < 0)
			return rc;
	}
	qsort(s->ents, s->nents, sizeof(*s->ents), ent_cmp);
	return 0;
}

/* Step 3: the NSEC3 records to make and to remove, as updates. */
static int nsec3_records(struct incr *x)
{
	struct signer *s = x->s;
	size_t cap = 0;
	int rc = nsec3_of_dirty(x, &cap);
	if (rc == 0)
		rc = nsec3_of_neighbours(x, &cap);
	for (size_t i = 0; rc == 0 && i < s->nents; i++)
		rc = chain_neighbour(x, s->ents[i].hash, 1, s->ents[i].next);
	if (rc == 0)
		rc = signer_run(s, signer_nsec3_node, s->nents);
	for (size_t i = 0; rc == 0 && i < s->nents; i++) {
		struct node *n = s->ents[i].out;
		s->ents[i].out = NULL;
		rc = add_update(x, node_key(n), n->key_len, true, n);
	}
	for (size_t i = 0; rc == 0 && i < x->nremoved; i++) {
		uint8_t owner[LIMIT_NAME_LEN + 1], key[NAME_KEY_MAX];
		rc = signer_nsec3_owner(s, x->removed[i], owner);
		size_t klen = rc == 0 ? name_key(owner, key) : 0;
		const uint8_t *k = rc == 0 ? arena_dup(&x->mem, key, klen) : NULL;
		if (rc == 0)
			rc = k ? add_update(x, k, klen, true, NULL) : ERR_NOMEM;
	}
	return rc;
}

static bool nsec3_part(const struct rrset *r)
{
	return r->type == KNOT_RRTYPE_NSEC3 ||
		(r->type == KNOT_RRTYPE_RRSIG && r->covers == KNOT_RRTYPE_NSEC3);
}

/* The real data of n (nsec3 false) or its NSEC3 record (true): a new
 * reference, or NULL when n holds none. Only an NSEC3 owner that is also a
 * real name holds both. */
static int node_part(struct node *n, bool nsec3, struct node **out)
{
	*out = NULL;
	size_t with = 0, total = 0;
	for (const struct rrset *r = n ? node_first(n) : NULL; r; r = node_next(n, r)) {
		total++;
		with += nsec3_part(r);
	}
	if (!n || with == (nsec3 ? 0 : total))
		return 0;
	if (with == (nsec3 ? total : 0)) {
		*out = node_ref(n);
		return 0;
	}
	size_t cnt = node_rr_count(n), k = 0;
	struct node_rr *rrs = malloc(cnt * sizeof(*rrs));
	if (!rrs)
		return ERR_NOMEM;
	int m = node_rrs(n, rrs, cnt);
	for (int i = 0; i < m; i++) {
		struct rrset r = {.type = rrs[i].type, .covers = rrs[i].covers};
		if (nsec3_part(&r) == nsec3)
			rrs[k++] = rrs[i];
	}
	int rc = node_build(node_owner(n), rrs, k, nsec3 ? 0 : n->flags, out, NULL);
	free(rrs);
	return rc;
}

static int update_cmp(const void *pa, const void *pb)
{
	const struct update *a = pa, *b = pb;
	int c = name_key_cmp(a->key, a->klen, b->key, b->klen);
	return c ? c : (int)a->nsec3 - (int)b->nsec3;
}

/* The node of one owner from the updates u[0..n) and what the tree holds. */
static int merge_owner(
	struct tree **t, struct update *u, size_t n, ptrdiff_t *nodes, ptrdiff_t *rrs)
{
	struct node *cur = tree_find(*t, u->key, u->klen);
	struct node *part[2] = {NULL, NULL};
	bool given[2] = {false, false};
	for (size_t i = 0; i < n; i++) {
		part[u[i].nsec3] = u[i].node;
		given[u[i].nsec3] = true;
		u[i].node = NULL;
	}
	int rc = 0;
	for (int p = 0; p < 2 && rc == 0; p++)
		if (!given[p])
			rc = node_part(cur, p == 1, &part[p]);
	struct node *res = NULL;
	if (rc == 0 && part[0] && part[1])
		rc = signer_join(part[0], part[1], &res);
	else if (rc == 0)
		res = part[0] ? node_ref(part[0]) : part[1] ? node_ref(part[1]) : NULL;
	node_unref(part[0]);
	node_unref(part[1]);
	if (rc < 0 || (!res && !cur))
		return rc;
	*nodes += (res != NULL) - (cur != NULL);
	*rrs += (ptrdiff_t)(res ? node_rr_count(res) : 0) -
		(ptrdiff_t)(cur ? node_rr_count(cur) : 0);
	struct tree *nt;
	rc = res ? tree_set(*t, res, &nt) : tree_del(*t, u->key, u->klen, &nt);
	if (rc < 0)
		return rc;
	tree_unref(*t);
	*t = nt;
	return 0;
}

/* Step 4: the updates into the previous signed tree. */
static int apply_updates(struct incr *x, struct zone **out)
{
	const struct zone *old = x->s->prev->out;
	qsort(x->u, x->nu, sizeof(*x->u), update_cmp);
	struct tree *t = tree_ref(old->tree);
	ptrdiff_t nodes = 0, rrs = 0;
	int rc = 0;
	for (size_t i = 0, j; rc == 0 && i < x->nu; i = j) {
		for (j = i + 1; j < x->nu &&
			name_key_cmp(x->u[i].key, x->u[i].klen, x->u[j].key, x->u[j].klen) == 0;)
			j++;
		rc = merge_owner(&t, &x->u[i], j - i, &nodes, &rrs);
	}
	if (rc < 0) {
		tree_unref(t);
		return rc;
	}
	return zone_new_counted(x->s->in->apex, t, (size_t)((ptrdiff_t)old->nodes + nodes),
		(size_t)((ptrdiff_t)old->rrs + rrs), out);
}

/* Whether the change is big enough that a walk over every name costs less. */
static bool too_many(const struct incr *x)
{
	return x->nd > 64 && x->nd > x->s->in->nodes / 4;
}

int signer_incremental(struct signer *s, struct zone **out)
{
	if (!same_globals(s))
		return 1;
	struct incr x = {.s = s,
		.old_in = s->prev->in->tree,
		.new_in = s->in->tree,
		.old_out = s->prev->out->tree};
	arena_init(&x.mem, 0);
	int rc = zone_changed_nodes(s->prev->in, s->in, note_changed, &x);
	if (rc == 0 && !too_many(&x))
		rc = add_ancestors(&x);
	else if (rc == 0)
		rc = 1;
	if (rc == 0)
		rc = collect_expiring(&x);
	if (rc == 0)
		sort_dirty(&x);
	if (rc == 0 && !s->o->nsec3) {
		rc = add_nsec_preds(&x);
		sort_dirty(&x);
	}
	if (rc == 0 && too_many(&x))
		rc = 1;
	if (rc == 0)
		rc = sign_names(&x);
	if (rc == 0 && s->o->nsec3)
		rc = nsec3_records(&x);
	if (rc == 0)
		rc = apply_updates(&x, out);
	for (size_t i = 0; i < x.nu; i++)
		node_unref(x.u[i].node);
	free(x.u);
	free(x.d);
	free(x.jd);
	free(x.renew);
	free(x.added);
	free(x.removed);
	arena_deinit(&x.mem);
	return rc;
}
