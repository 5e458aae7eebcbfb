/*
 * zone_apply.c - applying a diff to a version (zone_diff_apply, see zone_diff.h).
 *
 * First every owner the diff names gets its new node (RR changes), then the
 * structure is mended owner by owner in canonical order, so ancestors are
 * always right before their descendants are looked at: empty non-terminals
 * are added above new names and removed when nothing is left below them, and
 * flags are recomputed, walking a subtree only when a zone cut or DNAME above
 * it came or went.
 */
#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/err.h"
#include "lib/zone/zone_build.h"
#include "lib/zone/rrindex.h"
#include "lib/zone/zone_diff.h"

/* One diff RR with its owner's lookup key. */
struct change {
	const struct zone_diff_rr *rr;
	bool removed;
	uint16_t klen;
	const uint8_t *key;
};

struct applier {
	const struct zone *from;
	struct tree *tree; /* the version being made */
	struct buf *err;
	struct arena mem;
	struct change *ch;
	size_t nch;
	ptrdiff_t nodes_delta; /* so the new version need not count its nodes */
	ptrdiff_t rrs_delta;
};

static int fail(struct applier *ap, const struct zone_diff_rr *rr, const char *what)
{
	if (ap->err) {
		char name[KNOT_DNAME_TXT_MAXLEN + 1], type[32];
		if (!knot_dname_to_str(name, rr->owner, sizeof(name)))
			snprintf(name, sizeof(name), "(unprintable name)");
		knot_rrtype_to_string(rr->type, type, sizeof(type));
		buf_printf(ap->err, "%s %s: %s", name, type, what);
	}
	return ERR_DIFF;
}

static int change_cmp(const void *pa, const void *pb)
{
	const struct change *a = pa, *b = pb;
	int c = name_key_cmp(a->key, a->klen, b->key, b->klen);
	if (c)
		return c;
	if (a->removed != b->removed)
		return a->removed ? -1 : 1;	  /* removals first, as in IXFR */
	return (a->rr > b->rr) - (a->rr < b->rr); /* then diff order */
}

static int collect(struct applier *ap, const struct zone_diff *d)
{
	size_t n = d->removed.n + d->added.n;
	ap->ch = malloc((n ? n : 1) * sizeof(*ap->ch));
	if (!ap->ch)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		bool rem = i < d->removed.n;
		const struct zone_diff_rr *rr =
			rem ? &d->removed.v[i] : &d->added.v[i - d->removed.n];
		uint8_t key[NAME_KEY_MAX];
		size_t klen = name_key(rr->owner, key);
		if (!name_key_is_ancestor(ap->from->apex_key, ap->from->apex_key_len, key, klen))
			return fail(ap, rr, "outside the zone");
		uint8_t *k = arena_dup(&ap->mem, key, klen);
		if (!k)
			return ERR_NOMEM;
		ap->ch[i] =
			(struct change){.rr = rr, .removed = rem, .klen = (uint16_t)klen, .key = k};
	}
	ap->nch = n;
	qsort(ap->ch, n, sizeof(*ap->ch), change_cmp);
	return 0;
}

/* The TTL an RRset gets from the RRs the diff adds to it. */
struct set_ttl {
	uint16_t type, covers;
	uint32_t ttl;
};

static int note_ttl(struct set_ttl **sets, size_t *n, const struct zone_diff_rr *rr)
{
	for (size_t i = 0; i < *n; i++) {
		if ((*sets)[i].type == rr->type && (*sets)[i].covers == rr->covers) {
			(*sets)[i].ttl = rr->ttl; /* the newest data wins */
			return 0;
		}
	}
	struct set_ttl *ns = realloc(*sets, (*n + 1) * sizeof(*ns));
	if (!ns)
		return ERR_NOMEM;
	ns[(*n)++] = (struct set_ttl){rr->type, rr->covers, rr->ttl};
	*sets = ns;
	return 0;
}

/* Makes the changes of one owner's group on rrs[0..*n) (room for them all). */
static int edit_group(struct applier *ap, const struct change *g, size_t gn, struct node_rr *rrs,
	bool *alive, size_t *n, struct set_ttl **sets, size_t *nsets)
{
	struct rrindex ix;
	rrindex_init(&ix);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < *n; i++)
		rc = rrindex_put(
			&ix, rrs[i].type, rrs[i].covers, rrs[i].rdata, rrs[i].len, (uint32_t)i);
	for (size_t i = 0; rc == 0 && i < gn; i++) {
		const struct zone_diff_rr *rr = g[i].rr;
		uint32_t id;
		bool found = rrindex_get(&ix, rr->type, rr->covers, rr->rdata, rr->len, &id) == 0 &&
			alive[id];
		if (g[i].removed) {
			if (!found)
				rc = fail(ap, rr, "removed by the diff but not in the zone");
			else
				alive[id] = false;
			continue;
		}
		if (found) {
			rc = fail(ap, rr, "added by the diff but already in the zone");
			continue;
		}
		rrs[*n] = (struct node_rr){.type = rr->type,
			.covers = rr->covers,
			.ttl = rr->ttl,
			.len = rr->len,
			.rdata = rr->rdata};
		alive[*n] = true;
		rc = rrindex_put(&ix, rr->type, rr->covers, rr->rdata, rr->len, (uint32_t)*n);
		(*n)++;
		if (rc == 0)
			rc = note_ttl(sets, nsets, rr);
	}
	rrindex_deinit(&ix);
	return rc;
}

/* The RRs of the old node with the group's changes made. The TTL of an RRset
 * that gets RRs is the TTL of the last one added (the newest data wins). */
static int edit_rrs(struct applier *ap, const struct change *g, size_t gn, const struct node *old,
	struct node_rr **out, size_t *nout)
{
	size_t have = old ? node_rr_count(old) : 0, cap = have + gn;
	struct node_rr *rrs = malloc((cap ? cap : 1) * sizeof(*rrs));
	bool *alive = calloc(cap ? cap : 1, sizeof(*alive));
	struct set_ttl *sets = NULL;
	size_t n = 0, nsets = 0;
	int rc = (rrs && alive) ? 0 : ERR_NOMEM;
	if (rc == 0 && old) {
		n = (size_t)node_rrs(old, rrs, cap);
		memset(alive, 1, n);
	}
	if (rc == 0)
		rc = edit_group(ap, g, gn, rrs, alive, &n, &sets, &nsets);
	size_t live = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (!alive[i])
			continue;
		for (size_t k = 0; k < nsets; k++)
			if (sets[k].type == rrs[i].type && sets[k].covers == rrs[i].covers)
				rrs[i].ttl = sets[k].ttl;
		rrs[live++] = rrs[i];
	}
	free(alive);
	free(sets);
	if (rc < 0) {
		free(rrs);
		return rc;
	}
	*out = rrs;
	*nout = live;
	return 0;
}

/* Replaces (or drops) the node of one owner in ap->tree. */
static int put_node(struct applier *ap, const uint8_t *key, size_t klen, struct node *node)
{
	if (node) {
		key = node_key(node);
		klen = node->key_len;
	}
	const struct node *old = tree_find(ap->tree, key, klen);
	ptrdiff_t nodes = (node != NULL) - (old != NULL);
	ptrdiff_t rrs = (ptrdiff_t)(node ? node_rr_count(node) : 0) -
		(ptrdiff_t)(old ? node_rr_count(old) : 0);
	struct tree *nt;
	int rc = node ? tree_set(ap->tree, node, &nt) : tree_del(ap->tree, key, klen, &nt);
	if (rc < 0)
		return rc;
	ap->nodes_delta += nodes;
	ap->rrs_delta += rrs;
	tree_unref(ap->tree);
	ap->tree = nt;
	return 0;
}

static int apply_group(struct applier *ap, const struct change *g, size_t gn)
{
	const struct node *old = tree_find(ap->tree, g->key, g->klen);
	struct node_rr *rrs;
	size_t n;
	int rc = edit_rrs(ap, g, gn, old, &rrs, &n);
	if (rc < 0)
		return rc;
	struct node *node = NULL;
	if (n > 0)
		rc = node_build(old ? node_owner(old) : g->rr->owner, rrs, n, 0, &node, NULL);
	free(rrs);
	if (rc == 0 && (node || old))
		rc = put_node(ap, g->key, g->klen, node);
	return rc;
}

/* True when some node below key exists in the version being made. */
static bool has_descendants(const struct applier *ap, const uint8_t *key, size_t klen)
{
	struct tree_iter it;
	struct node *n = tree_iter_seek(&it, ap->tree, key, klen);
	if (n && n->key_len == klen && memcmp(node_key(n), key, klen) == 0)
		n = tree_iter_next(&it);
	return n && name_key_is_ancestor(key, klen, node_key(n), n->key_len);
}

/* Whether a zone cut or a DNAME stands above key (RFC 1034 §4.2.1, RFC 6672). */
static void state_above(
	const struct applier *ap, const uint8_t *key, size_t klen, bool *cut, bool *dname)
{
	*cut = *dname = false;
	size_t apex = ap->from->apex_key_len;
	while (klen > apex) {
		klen = name_key_parent(key, klen);
		const struct node *p = tree_find(ap->tree, key, klen);
		if (p) {
			*cut |= (p->flags & NODE_DELEG) != 0;
			*dname |= (p->flags & NODE_DNAME) != 0;
		}
	}
}

/* Gives the node at key the flags its place calls for; returns the flags. */
static int refresh_flags(struct applier *ap, struct node *n, bool cut, bool dname, uint16_t *flags)
{
	bool apex = n->key_len == ap->from->apex_key_len;
	uint16_t f = zone_build_flags(n, apex, cut, dname, n->nrrsets == 0);
	*flags = f;
	if (f == n->flags)
		return 0;
	struct node *c;
	int rc = node_with_flags(n, f, &c);
	return rc < 0 ? rc : put_node(ap, NULL, 0, c);
}

/* Recomputes the flags of every node below key (whose own flags are right). */
static int refresh_subtree(struct applier *ap, const struct node *top)
{
	struct frame {
		const struct node *n;
		bool cut, dname;
	} st[130];
	int depth = 1;
	bool cut, dname;
	state_above(ap, node_key(top), top->key_len, &cut, &dname);
	st[0] = (struct frame){
		top, cut || (top->flags & NODE_DELEG), dname || (top->flags & NODE_DNAME)};
	struct tree *snap = tree_ref(ap->tree); /* walk a fixed version while editing */
	struct tree_iter it;
	struct node *n = tree_iter_seek(&it, snap, node_key(top), top->key_len);
	int rc = 0;
	for (n = n ? tree_iter_next(&it) : NULL; n && rc == 0; n = tree_iter_next(&it)) {
		if (!name_key_is_ancestor(node_key(top), top->key_len, node_key(n), n->key_len))
			break;
		while (depth > 1 &&
			!name_key_is_ancestor(node_key(st[depth - 1].n), st[depth - 1].n->key_len,
				node_key(n), n->key_len))
			depth--;
		uint16_t f;
		rc = refresh_flags(ap, n, st[depth - 1].cut, st[depth - 1].dname, &f);
		if (depth < 130) {
			struct frame up = st[depth - 1];
			st[depth++] = (struct frame){
				n, up.cut || (f & NODE_DELEG), up.dname || (f & NODE_DNAME)};
		}
	}
	tree_unref(snap);
	return rc;
}

/* Adds empty non-terminals for the missing ancestors of the node at key,
 * top-down so each gets its flags from complete ancestors. */
static int add_missing_ancestors(struct applier *ap, const struct node *n)
{
	size_t apex = ap->from->apex_key_len;
	int missing = 0;
	size_t klen = n->key_len;
	while (klen > apex) {
		klen = name_key_parent(node_key(n), klen);
		if (tree_find(ap->tree, node_key(n), klen))
			break;
		missing++;
	}
	for (; missing > 0; missing--) {
		const uint8_t *owner = node_owner(n);
		for (int i = 0; i < missing; i++)
			owner += *owner + 1;
		struct node *ent;
		int rc = node_build(owner, NULL, 0, NODE_ENT, &ent, NULL);
		if (rc == 0)
			rc = put_node(ap, NULL, 0, node_ref(ent));
		bool cut, dname;
		uint16_t f;
		if (rc == 0) {
			state_above(ap, node_key(ent), ent->key_len, &cut, &dname);
			rc = refresh_flags(ap, ent, cut, dname, &f);
		}
		node_unref(ent);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Removes empty non-terminals above key that nothing is below any more. */
static int prune_ancestors(struct applier *ap, const uint8_t *key, size_t klen)
{
	size_t apex = ap->from->apex_key_len;
	while (klen > apex) {
		klen = name_key_parent(key, klen);
		const struct node *p = tree_find(ap->tree, key, klen);
		if (!p || p->nrrsets > 0 || klen == apex || has_descendants(ap, key, klen))
			return 0;
		int rc = put_node(ap, key, klen, NULL);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Mends structure and flags around one owner the diff touched. */
static int mend_owner(struct applier *ap, const struct change *g)
{
	const struct node *before = tree_find(ap->from->tree, g->key, g->klen);
	struct node *n = tree_find(ap->tree, g->key, g->klen);
	int rc;
	if (!n && has_descendants(ap, g->key, g->klen)) {
		/* emptied but still above other names: it stays as an ENT */
		rc = node_build(
			before ? node_owner(before) : g->rr->owner, NULL, 0, NODE_ENT, &n, NULL);
		if (rc == 0)
			rc = put_node(ap, NULL, 0, n);
		if (rc < 0)
			return rc;
		n = tree_find(ap->tree, g->key, g->klen);
	}
	if (!n)
		return prune_ancestors(ap, g->key, g->klen);
	rc = add_missing_ancestors(ap, n);
	if (rc < 0)
		return rc;
	bool cut, dname;
	state_above(ap, g->key, g->klen, &cut, &dname);
	uint16_t f;
	rc = refresh_flags(ap, n, cut, dname, &f);
	if (rc < 0)
		return rc;
	uint16_t was = before ? before->flags : 0;
	if (!((was ^ f) & (NODE_DELEG | NODE_DNAME)))
		return 0;
	n = tree_find(ap->tree, g->key, g->klen);
	return refresh_subtree(ap, n);
}

/* The new version must meet the rules a loaded zone meets (zone_build_check)
 * at every name the diff touched, and at the apex. */
static int check_rules(struct applier *ap, const struct change *c)
{
	const uint8_t *key = c ? c->key : ap->from->apex_key;
	size_t klen = c ? c->klen : ap->from->apex_key_len;
	const struct node *n = tree_find(ap->tree, key, klen);
	bool apex = klen == ap->from->apex_key_len;
	char why[64];
	if (!n && !apex)
		return 0;
	if (n && zone_build_check(n, apex, why, sizeof(why)) == 0)
		return 0;
	if (!n)
		snprintf(why, sizeof(why), "no SOA record at the apex");
	if (ap->err) {
		char name[KNOT_DNAME_TXT_MAXLEN + 1];
		if (!knot_dname_to_str(name, n ? node_owner(n) : ap->from->apex, sizeof(name)))
			snprintf(name, sizeof(name), "(unprintable name)");
		buf_printf(ap->err, "%s: the diff would leave: %s", name, why);
	}
	return ERR_DIFF;
}

int zone_diff_apply(
	const struct zone *from, const struct zone_diff *d, struct zone **out, struct buf *err)
{
	struct applier ap = {.from = from, .tree = tree_ref(from->tree), .err = err};
	arena_init(&ap.mem, 0);
	int rc = collect(&ap, d);
	for (size_t i = 0; rc == 0 && i < ap.nch;) {
		size_t j = i + 1;
		while (j < ap.nch &&
			name_key_cmp(ap.ch[i].key, ap.ch[i].klen, ap.ch[j].key, ap.ch[j].klen) == 0)
			j++;
		rc = apply_group(&ap, &ap.ch[i], j - i);
		i = j;
	}
	for (size_t i = 0; rc == 0 && i < ap.nch; i++)
		if (i == 0 ||
			name_key_cmp(ap.ch[i - 1].key, ap.ch[i - 1].klen, ap.ch[i].key,
				ap.ch[i].klen) != 0)
			rc = mend_owner(&ap, &ap.ch[i]);
	for (size_t i = 0; rc == 0 && i < ap.nch; i++)
		rc = check_rules(&ap, &ap.ch[i]);
	if (rc == 0)
		rc = check_rules(&ap, NULL);
	if (rc == 0) {
		rc = zone_new_counted(from->apex, ap.tree, from->nodes + ap.nodes_delta,
			from->rrs + ap.rrs_delta, out);
		ap.tree = NULL;
	}
	tree_unref(ap.tree);
	free(ap.ch);
	arena_deinit(&ap.mem);
	return rc;
}
