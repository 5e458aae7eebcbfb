/*
 * signer.c - full signing (see signer.h).
 *
 * Phases: (1) one pass over the input decides which names stay, which are
 * in the denial chain, and links each NSEC to the next; (2) workers build
 * every name's signed node, and for NSEC3 its hash and type bitmap; (3) the
 * NSEC3 chain is sorted by hash and its nodes are built and signed by the
 * workers; (4) both sequences, each in canonical order, are merged into the
 * tree.
 */
#include "lib/dnssec/signer.h"

#include <libknot/descriptor.h>
#include <libknot/wire.h>
#include <libknot/dname.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dnssec/denial.h"
#include "lib/dnssec/key_nonce.h"
#include "lib/dnssec/rrsig.h"
#include "lib/dnssec/signer_impl.h"
#include "lib/util/array.h"
#include "lib/util/err.h"

void signer_note_expiry(uint32_t *earliest, uint32_t exp)
{
	if (exp && (!*earliest || (int32_t)(exp - *earliest) < 0))
		*earliest = exp;
}

bool signer_keeps_data(const struct node *n)
{
	for (const struct rrset *r = node_first(n); r; r = node_next(n, r))
		if (!signer_stripped(r->type, n->flags & NODE_APEX))
			return true;
	return false;
}

/* RFC 5155 §7.1: with opt-out, an empty non-terminal with nothing but
 * insecure delegations below it needs no NSEC3 either (as ldns and Cascade
 * leave it out). */
static void mark_opted_out_ents(struct signer *s)
{
	for (size_t i = 0; i < s->njobs; i++) {
		struct job *e = &s->jobs[i];
		if (!e->ent || !e->auth)
			continue;
		e->no_nsec3 = true;
		for (size_t k = i + 1; k < s->njobs; k++) {
			const struct job *d = &s->jobs[k];
			if (!name_key_is_ancestor(node_key(e->in), e->in->key_len, node_key(d->in),
				    d->in->key_len))
				break;
			if (d->auth && !d->ent && !signer_insecure_cut(d->in)) {
				e->no_nsec3 = false;
				break;
			}
		}
	}
}

/* An ENT stays only while a name with data is below it: names that held
 * nothing but stripped records are gone, and so are the ENTs they alone made.
 * In canonical order the nearest following name with data is below an ENT
 * exactly when any is, so one backward pass decides. */
static void drop_empty_ents(struct signer *s)
{
	const struct node *data_after = NULL;
	size_t out = s->njobs;
	for (size_t i = s->njobs; i-- > 0;) {
		struct job *j = &s->jobs[i];
		if (j->ent &&
			!(data_after &&
				name_key_is_ancestor(node_key(j->in), j->in->key_len,
					node_key(data_after), data_after->key_len)))
			continue;
		if (!j->ent)
			data_after = j->in;
		if (--out != i)
			s->jobs[out] = *j;
	}
	memmove(s->jobs, s->jobs + out, (s->njobs - out) * sizeof(*s->jobs));
	s->njobs -= out;
}

/* Phase 1: the names of the signed zone and the NSEC links. */
static int plan(struct signer *s, struct buf *err)
{
	(void)err; /* it fails only for want of memory */
	struct tree_iter it;
	struct node *n = tree_iter_first(&it, s->in->tree);
	/* room for every name at once: no copies while growing */
	if (array_reserve((void **)&s->jobs, &s->cap, s->in->nodes + 1, sizeof(*s->jobs), 1) < 0)
		return ERR_NOMEM;
	while (n) {
		struct node *next = tree_iter_next(&it);
		tree_iter_prefetch(&it, TREE_PREFETCH_AHEAD);
		bool data = signer_keeps_data(n);
		bool below = next &&
			name_key_is_ancestor(
				node_key(n), n->key_len, node_key(next), next->key_len);
		if (data || below || (n->flags & NODE_APEX)) {
			if (array_reserve((void **)&s->jobs, &s->cap, s->njobs + 1,
				    sizeof(*s->jobs), 1024) < 0)
				return ERR_NOMEM;
			struct job *j = &s->jobs[s->njobs++];
			memset(j, 0, sizeof(*j));
			j->in = n;
			j->ent = !data && !(n->flags & NODE_APEX);
			j->auth = !(n->flags & NODE_OCCLUDED);
		}
		n = next;
	}
	drop_empty_ents(s);
	if (s->o->nsec3 && s->o->opt_out)
		mark_opted_out_ents(s);
	/* NSEC: each authoritative name that is not an ENT points to the next one,
	 * the last back to the apex (RFC 4034 §4.1.1). Under NSEC3 the link's
	 * room holds the NSEC3 data instead (struct job). */
	if (s->o->nsec3)
		return 0;
	struct job *first = NULL, *last = NULL;
	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = &s->jobs[i];
		if (!j->auth || j->ent)
			continue;
		if (last)
			last->nsec_next = j->in;
		else
			first = j;
		last = j;
	}
	if (last)
		last->nsec_next = first->in;
	return 0;
}

int signer_soa_ttls(const struct zone *z, uint32_t *soa_ttl, uint32_t *denial_ttl)
{
	const struct node *apex = zone_apex_node(z);
	const struct rrset *soa = apex ? node_find(apex, KNOT_RRTYPE_SOA, 0) : NULL;
	uint32_t pos = 0;
	const uint8_t *d;
	uint16_t len;
	if (!soa || !rrset_next_rdata(soa, &pos, &d, &len) || len < 20)
		return ERR_ZONE;
	uint32_t minimum = knot_wire_read_u32(d + len - 4);
	*soa_ttl = soa->ttl;
	*denial_ttl = soa->ttl < minimum ? soa->ttl : minimum;
	return 0;
}

static int check_keys(struct signer *s, struct buf *err)
{
	bool ksk = false, zsk = false;
	for (size_t i = 0; i < s->o->nkeys; i++) {
		const struct signer_key *k = &s->o->keys[i];
		if (!k->key->has_private && (k->ksk || k->zsk)) {
			if (err)
				buf_printf(err, "key %u has no private part to sign with",
					k->key->tag);
			return ERR_INVAL;
		}
		ksk |= k->ksk;
		zsk |= k->zsk;
		for (size_t m = 0; m < i; m++)
			s->tag_clash |= s->o->keys[m].key->tag == k->key->tag &&
				s->o->keys[m].key->algorithm == k->key->algorithm;
	}
	if (ksk && zsk)
		return 0;
	if (err)
		buf_printf(err, "no key to sign %s",
			ksk ? "the zone (ZSK)" : "the DNSKEY RRset (KSK)");
	return ERR_INVAL;
}

/* The work of one phase, shared by the threads: fn(s, w, i) for every i in
 * [0, n), handed out in chunks; the first error stops everyone. */
struct pool {
	struct signer *s;
	int (*fn)(struct signer *s, struct worker *w, size_t i);
	size_t n;
	atomic_size_t at;
	atomic_int rc;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	const size_t chunk = 32;
	for (;;) {
		size_t from = atomic_fetch_add(&p->at, chunk);
		if (from >= p->n || atomic_load(&p->rc) != 0)
			return NULL;
		size_t to = from + chunk < p->n ? from + chunk : p->n;
		for (size_t i = from; i < to; i++) {
			int rc = p->fn(p->s, w, i);
			if (rc < 0) {
				int zero = 0;
				atomic_compare_exchange_strong(&p->rc, &zero, rc);
				return NULL;
			}
		}
	}
}

int signer_run(struct signer *s, int (*fn)(struct signer *, struct worker *, size_t), size_t n)
{
	struct pool p = {.s = s, .fn = fn, .n = n};
	atomic_init(&p.at, 0);
	atomic_init(&p.rc, 0);
	pthread_t tid[SIGNER_MAX_THREADS];
	unsigned started = 1;
	for (unsigned k = 0; k < s->nworkers; k++)
		s->workers[k].pool = &p;
	for (; started < s->nworkers; started++)
		if (pthread_create(&tid[started], NULL, worker_main, &s->workers[started]) != 0)
			break; /* fewer threads: the work still gets done */
	worker_main(&s->workers[0]);
	for (unsigned k = 1; k < started; k++)
		pthread_join(tid[k], NULL);
	return atomic_load(&p.rc);
}

static int hash_cmp(const void *a, const void *b)
{
	return memcmp(((const struct nsec3_ent *)a)->hash, ((const struct nsec3_ent *)b)->hash,
		NSEC3_HASH_LEN);
}

/* Phase 3 input: the chain in hash order, each entry pointing to the next.
 * Equal hashes of different names cannot be chained (RFC 5155 §7.1); SHA-1
 * collisions are not expected. */
static int sort_chain(struct signer *s, struct buf *err)
{
	size_t n = 0; /* under opt-out most names have none: no room for them */
	for (size_t i = 0; i < s->njobs; i++)
		n += s->jobs[i].in_nsec3;
	s->ents = malloc((n ? n : 1) * sizeof(*s->ents));
	if (!s->ents)
		return ERR_NOMEM;
	for (size_t i = 0; i < s->njobs; i++) {
		const struct job *j = &s->jobs[i];
		if (!j->in_nsec3)
			continue;
		struct nsec3_ent *e = &s->ents[s->nents++];
		memcpy(e->hash, j->nsec3->hash, NSEC3_HASH_LEN);
		e->bitmap = j->nsec3->bitmap;
		e->bitmap_len = j->nsec3->bitmap_len;
		e->out = NULL;
	}
	qsort(s->ents, s->nents, sizeof(*s->ents), hash_cmp);
	for (size_t i = 0; i < s->nents; i++) {
		if (i > 0 && hash_cmp(&s->ents[i - 1], &s->ents[i]) == 0) {
			if (err)
				buf_printf(err, "NSEC3 hash collision: change the salt");
			return ERR_ZONE;
		}
		memcpy(s->ents[i].next, s->ents[(i + 1) % s->nents].hash, NSEC3_HASH_LEN);
	}
	return 0;
}

/* Phase 4: the two canonical sequences into one; an NSEC3 owner that is also
 * a real name gets one node holding both. */
static int merge_out(struct signer *s, struct node ***out, size_t *n)
{
	struct node **v = malloc((s->njobs + s->nents + 1) * sizeof(*v));
	if (!v)
		return ERR_NOMEM;
	size_t a = 0, b = 0, k = 0;
	int rc = 0;
	while (rc == 0 && (a < s->njobs || b < s->nents)) {
		if (a + TREE_PREFETCH_AHEAD < s->njobs)
			node_prefetch(s->jobs[a + TREE_PREFETCH_AHEAD].out);
		if (b + TREE_PREFETCH_AHEAD < s->nents)
			node_prefetch(s->ents[b + TREE_PREFETCH_AHEAD].out);
		struct node *x = a < s->njobs ? s->jobs[a].out : NULL;
		struct node *y = b < s->nents ? s->ents[b].out : NULL;
		int c = !x   ? 1
			: !y ? -1
			     : name_key_cmp(node_key(x), x->key_len, node_key(y), y->key_len);
		if (c < 0) {
			v[k++] = x;
			s->jobs[a++].out = NULL;
		} else if (c > 0) {
			v[k++] = y;
			s->ents[b++].out = NULL;
		} else {
			rc = signer_join(x, y, &v[k]);
			if (rc == 0) {
				k++;
				a++;
				b++;
			}
		}
	}
	*out = v;
	*n = k;
	return rc;
}

static int workers_init(struct signer *s)
{
	unsigned t = s->o->threads ? s->o->threads : 1;
	s->nworkers = t > SIGNER_MAX_THREADS ? SIGNER_MAX_THREADS : t;
	for (unsigned k = 0; k < s->nworkers; k++) {
		struct worker *w = &s->workers[k];
		memset(w, 0, sizeof(*w));
		w->s = s;
		arena_init(&w->mem, 0);
		buf_init(&w->gen, 0);
		buf_init(&w->data, 0);
		w->signers = calloc(s->o->nkeys ? s->o->nkeys : 1, sizeof(*w->signers));
		w->types = malloc(SIGNER_TYPES_MAX * sizeof(*w->types));
		if (!w->signers || !w->types)
			return ERR_NOMEM;
	}
	return 0;
}

static void signer_deinit(struct signer *s)
{
	for (size_t i = 0; i < s->njobs; i++)
		node_unref(s->jobs[i].out);
	for (size_t i = 0; i < s->nents; i++)
		node_unref(s->ents[i].out);
	for (unsigned k = 0; k < s->nworkers; k++) {
		struct worker *w = &s->workers[k];
		arena_deinit(&w->mem);
		buf_deinit(&w->gen);
		buf_deinit(&w->data);
		free(w->rrs);
		free(w->genat);
		for (size_t i = 0; w->signers && i < s->o->nkeys; i++)
			key_signer_free(w->signers[i]);
		free(w->signers);
		free(w->types);
	}
	free(s->jobs);
	free(s->ents);
}

/* A phase on this thread alone, while the other workers make ECDSA nonces
 * for the keys that have a store (key_nonce.h): they would idle otherwise.
 * Planning (phase 1) and sorting the NSEC3 chain run so. */
static int alone_and_fill(
	struct signer *s, int (*phase)(struct signer *, struct buf *), struct buf *err)
{
	struct key_nonces **stores = NULL;
	struct key_nonces_fill *fill = NULL;
	if (s->nworkers > 1 && (stores = calloc(s->o->nkeys, sizeof(*stores)))) {
		for (size_t i = 0; i < s->o->nkeys; i++)
			stores[i] = s->o->keys[i].nonces;
		key_nonces_fill_start(stores, s->o->nkeys, s->nworkers - 1, &fill);
	}
	int rc = phase(s, err);
	key_nonces_fill_stop(fill);
	free(stores);
	return rc;
}

/* Every name signed, in phases (see the top of this file). */
static int sign_all(struct signer *s, struct zone **out, struct buf *err)
{
	int rc = alone_and_fill(s, plan, err);
	if (rc == 0)
		rc = signer_run(s, signer_node, s->njobs);
	if (rc == 0 && s->o->nsec3) {
		rc = alone_and_fill(s, sort_chain, err);
		if (rc == 0)
			rc = signer_run(s, signer_nsec3_node, s->nents);
	}
	struct node **v = NULL;
	size_t n = 0;
	if (rc == 0)
		rc = merge_out(s, &v, &n);
	struct tree *tree = NULL;
	if (rc == 0)
		rc = tree_build(v, n, &tree); /* takes the nodes, also on failure */
	else
		for (size_t i = 0; i < n; i++)
			node_unref(v[i]);
	free(v);
	size_t rrs = 0;
	for (unsigned k = 0; k < s->nworkers; k++)
		rrs += s->workers[k].rrs_out;
	if (rc == 0) /* takes the tree, also on failure */
		rc = zone_new_counted(s->in->apex, tree, n, rrs, out);
	return rc;
}

int signer_update(const struct zone *in, const struct signer_opts *opts,
	const struct signer_prev *prev, struct zone **out, struct signer_stats *stats,
	struct buf *err)
{
	if (prev &&
		(!prev->in || !prev->out || !zone_same_apex(prev->in, in) ||
			!zone_same_apex(prev->out, in)))
		return ERR_INVAL;
	struct signer *s = calloc(1, sizeof(*s)); /* big: the workers */
	if (!s)
		return ERR_NOMEM;
	s->in = in;
	s->o = opts;
	s->prev = prev;
	memcpy(s->apex, in->apex, in->apex_len);
	s->apex_len = in->apex_len;
	int rc = workers_init(s);
	if (rc == 0)
		rc = check_keys(s, err);
	if (rc == 0 && (rc = signer_soa_ttls(in, &s->soa_ttl, &s->denial_ttl)) < 0 && err)
		buf_printf(err, "no SOA at the apex");
	s->serial = opts->set_serial ? opts->serial : in->serial;
	bool full = true;
	if (rc == 0 && prev) {
		rc = signer_incremental(s, out);
		full = rc == 1;
		rc = rc == 1 ? 0 : rc;
	}
	if (rc == 0 && full)
		rc = sign_all(s, out, err);
	if (rc == 0 && opts->zonemd_hash && (rc = signer_zonemd(s, out)) < 0) {
		zone_unref(*out);
		*out = NULL;
	}
	if (rc == 0 && stats) {
		*stats = (struct signer_stats){.full = full, .earliest = full ? 0 : s->earliest};
		for (unsigned k = 0; k < s->nworkers; k++) {
			signer_note_expiry(&stats->earliest, s->workers[k].earliest);
			stats->names += s->workers[k].names;
			stats->signatures += s->workers[k].made;
			stats->reused += s->workers[k].reused;
		}
	}
	signer_deinit(s);
	free(s);
	return rc;
}

int signer_sign(
	const struct zone *in, const struct signer_opts *opts, struct zone **out, struct buf *err)
{
	return signer_update(in, opts, NULL, out, NULL, err);
}
