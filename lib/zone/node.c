/* node.c - immutable packed nodes (see node.h). */
#include "lib/zone/node.h"

#include <libknot/rdata.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dns/name.h"
#include "lib/dns/rdata.h"
#include "lib/limits.h"
#include "lib/util/err.h"

#define ALIGN4(x) (((x) + 3u) & ~(size_t)3u)

/* An RR being sorted, with its RDATA in canonical form. */
struct sort_ent {
	struct node_rr *rr;
	const uint8_t *canon;
};

static int sort_ent_cmp(const void *pa, const void *pb)
{
	const struct sort_ent *a = pa, *b = pb;
	if (a->rr->type != b->rr->type)
		return a->rr->type < b->rr->type ? -1 : 1;
	if (a->rr->covers != b->rr->covers)
		return a->rr->covers < b->rr->covers ? -1 : 1;
	return rdata_cmp(a->canon, a->rr->len, b->canon, b->rr->len);
}

static void sort_ents(struct sort_ent *e, size_t n)
{
	if (n > 16) {
		qsort(e, n, sizeof(*e), sort_ent_cmp);
		return;
	}
	for (size_t i = 1; i < n; i++) { /* most nodes hold a handful of RRs */
		struct sort_ent t = e[i];
		size_t j = i;
		while (j > 0 && sort_ent_cmp(&e[j - 1], &t) > 0) {
			e[j] = e[j - 1];
			j--;
		}
		e[j] = t;
	}
}

static bool has_upper(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			return true;
	return false;
}

/* Points each entry at canonical RDATA: the RR's own bytes when they are
 * already canonical, else a lower-cased copy in *scratch (caller frees). */
static int canonical_views(struct sort_ent *e, size_t n, uint8_t **scratch)
{
	size_t need = 0;
	for (size_t i = 0; i < n; i++) {
		const struct node_rr *rr = e[i].rr;
		e[i].canon = rr->rdata;
		if (rdata_has_lowercase_names(rr->type) && has_upper(rr->rdata, rr->len))
			need += rr->len;
	}
	*scratch = NULL;
	if (need == 0)
		return 0;
	uint8_t *s = malloc(need);
	if (!s)
		return ERR_NOMEM;
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		const struct node_rr *rr = e[i].rr;
		if (!rdata_has_lowercase_names(rr->type) || !has_upper(rr->rdata, rr->len))
			continue;
		memcpy(s + off, rr->rdata, rr->len);
		int rc = rdata_canonicalize(rr->type, s + off, rr->len);
		if (rc < 0) {
			free(s);
			return rc;
		}
		e[i].canon = s + off;
		off += rr->len;
	}
	*scratch = s;
	return 0;
}

static bool same_set(const struct node_rr *a, const struct node_rr *b)
{
	return a->type == b->type && a->covers == b->covers;
}

/* Drops duplicates from the sorted entries and sets each RRset's TTL to its
 * lowest (RFC 2181 §5.2). Returns the new count. */
static size_t dedup_and_ttl(struct sort_ent *e, size_t n, struct node_build_notes *notes)
{
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		if (out > 0 && sort_ent_cmp(&e[out - 1], &e[i]) == 0) {
			notes->duplicates++;
			if (e[i].rr->ttl < e[out - 1].rr->ttl)
				e[out - 1].rr->ttl = e[i].rr->ttl;
			continue;
		}
		e[out++] = e[i];
	}
	for (size_t s = 0; s < out;) {
		size_t t = s;
		uint32_t min = e[s].rr->ttl;
		while (t < out && same_set(e[t].rr, e[s].rr)) {
			if (e[t].rr->ttl != e[s].rr->ttl && !notes->ttl_mismatch) {
				notes->ttl_mismatch = e[s].rr->type;
				notes->ttl_mismatch_line = e[t].rr->line;
			}
			if (e[t].rr->ttl < min)
				min = e[t].rr->ttl;
			t++;
		}
		for (size_t k = s; k < t; k++)
			e[k].rr->ttl = min;
		s = t;
	}
	return out;
}

/* Octets of the packed RRsets for sorted, deduplicated entries. */
static int packed_size(const struct sort_ent *e, size_t n, size_t *size, uint16_t *nsets)
{
	size_t total = 0;
	uint16_t sets = 0;
	for (size_t s = 0; s < n;) {
		size_t t = s, rd = 0;
		while (t < n && same_set(e[t].rr, e[s].rr))
			rd += knot_rdata_size(e[t++].rr->len);
		if (t - s > LIMIT_RRSET_RRS || sets == UINT16_MAX)
			return ERR_LIMIT;
		total += ALIGN4(sizeof(struct rrset) + rd);
		sets++;
		s = t;
	}
	*size = total;
	*nsets = sets;
	return 0;
}

static void pack_rrsets(uint8_t *p, const struct sort_ent *e, size_t n)
{
	for (size_t s = 0; s < n;) {
		struct rrset *r = (struct rrset *)p;
		r->type = e[s].rr->type;
		r->covers = e[s].rr->covers;
		r->ttl = e[s].rr->ttl;
		r->count = 0;
		size_t off = 0;
		size_t t = s;
		for (; t < n && same_set(e[t].rr, e[s].rr); t++) {
			knot_rdata_init(
				(knot_rdata_t *)(r->rdata + off), e[t].rr->len, e[t].rr->rdata);
			off += knot_rdata_size(e[t].rr->len);
			r->count++;
		}
		r->size = (uint32_t)off;
		p += ALIGN4(sizeof(struct rrset) + off);
		s = t;
	}
}

static struct node *node_alloc(
	const uint8_t *owner, size_t rrsets_size, uint16_t nsets, uint16_t flags)
{
	uint8_t key[NAME_KEY_MAX];
	size_t klen = name_key(owner, key);
	size_t olen = (size_t)name_wire_len(owner, LIMIT_NAME_LEN);
	size_t head = ALIGN4(klen + olen);
	struct node *node = malloc(sizeof(*node) + head + rrsets_size);
	if (!node)
		return NULL;
	atomic_init(&node->refs, 1);
	node->flags = flags;
	node->nrrsets = nsets;
	node->size = (uint32_t)(head + rrsets_size);
	node->key_len = (uint16_t)klen;
	node->owner_len = (uint8_t)olen;
	node->pad = 0;
	memcpy(node->data, key, klen);
	memcpy(node->data + klen, owner, olen);
	memset(node->data + klen + olen, 0, head - klen - olen);
	return node;
}

int node_build(const uint8_t *owner, struct node_rr *rrs, size_t n, uint16_t flags,
	struct node **out, struct node_build_notes *notes)
{
	struct node_build_notes scratch_notes = {0};
	if (!notes)
		notes = &scratch_notes;
	memset(notes, 0, sizeof(*notes));
	struct sort_ent small[16];
	struct sort_ent *e = n <= 16 ? small : malloc(n * sizeof(*e));
	if (!e)
		return ERR_NOMEM;
	uint8_t *canon = NULL;
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		e[i].rr = &rrs[i];
	rc = canonical_views(e, n, &canon);
	if (rc < 0)
		goto cleanup;
	sort_ents(e, n);
	n = dedup_and_ttl(e, n, notes);
	size_t size;
	uint16_t nsets;
	rc = packed_size(e, n, &size, &nsets);
	if (rc < 0)
		goto cleanup;
	struct node *node = node_alloc(owner, size, nsets, flags);
	if (!node) {
		rc = ERR_NOMEM;
		goto cleanup;
	}
	pack_rrsets(node->data + (node->size - size), e, n);
	*out = node;
cleanup:
	free(canon);
	if (e != small)
		free(e);
	return rc;
}

int node_with_flags(const struct node *node, uint16_t flags, struct node **out)
{
	struct node *c = malloc(sizeof(*node) + node->size);
	if (!c)
		return ERR_NOMEM;
	memcpy(c, node, sizeof(*node) + node->size);
	atomic_init(&c->refs, 1);
	c->flags = flags;
	*out = c;
	return 0;
}

void node_unref(struct node *n)
{
	if (n && atomic_fetch_sub_explicit(&n->refs, 1, memory_order_acq_rel) == 1)
		free(n);
}

const struct rrset *node_first(const struct node *n)
{
	if (n->nrrsets == 0)
		return NULL;
	return (const struct rrset *)(n->data + ALIGN4((size_t)n->key_len + n->owner_len));
}

const struct rrset *node_next(const struct node *n, const struct rrset *r)
{
	const uint8_t *next = (const uint8_t *)r + ALIGN4(sizeof(*r) + r->size);
	if (next >= n->data + n->size)
		return NULL;
	return (const struct rrset *)next;
}

const struct rrset *node_find(const struct node *n, uint16_t type, uint16_t covers)
{
	for (const struct rrset *r = node_first(n); r; r = node_next(n, r)) {
		if (r->type == type && r->covers == covers)
			return r;
		if (r->type > type)
			break;
	}
	return NULL;
}

bool rrset_next_rdata(const struct rrset *r, uint32_t *pos, const uint8_t **data, uint16_t *len)
{
	if (*pos >= r->size)
		return false;
	const knot_rdata_t *rd = (const knot_rdata_t *)(r->rdata + *pos);
	*data = rd->data;
	*len = rd->len;
	*pos += (uint32_t)knot_rdata_size(rd->len);
	return true;
}

size_t node_rr_count(const struct node *node)
{
	size_t c = 0;
	for (const struct rrset *r = node_first(node); r; r = node_next(node, r))
		c += r->count;
	return c;
}

int node_rrs(const struct node *node, struct node_rr *rrs, size_t cap)
{
	size_t i = 0;
	for (const struct rrset *r = node_first(node); r; r = node_next(node, r)) {
		uint32_t pos = 0;
		const uint8_t *d;
		uint16_t len;
		while (rrset_next_rdata(r, &pos, &d, &len)) {
			if (i >= cap)
				return ERR_LIMIT;
			rrs[i++] = (struct node_rr){.type = r->type,
				.covers = r->covers,
				.ttl = r->ttl,
				.len = len,
				.rdata = d};
		}
	}
	return (int)i;
}
