/* zone_build.c - checked zone versions from nodes (see zone_build.h). */
#include "lib/zone/zone_build.h"

#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/err.h"

static void report(struct zone_build *zb, const struct zone_build_ent *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct zone_build *zb, const struct zone_build_ent *e, const char *fmt, ...)
{
	zb->errors++;
	if (!zb->report)
		return;
	char text[512], name[KNOT_DNAME_TXT_MAXLEN + 1];
	const uint8_t *owner = e ? node_owner(e->node) : zb->apex;
	if (!knot_dname_to_str(name, owner, sizeof(name)))
		snprintf(name, sizeof(name), "(unprintable name)");
	int off = snprintf(text, sizeof(text), "%s: ", name);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text + off, sizeof(text) - (size_t)off, fmt, ap);
	va_end(ap);
	zb->report(zb->ctx, e ? e->file : 0, e ? e->line : 0, text);
}

int zone_build_init(struct zone_build *zb, const uint8_t *apex, zone_build_report_fn fn, void *ctx)
{
	memset(zb, 0, sizeof(*zb));
	int alen = name_wire_len(apex, LIMIT_NAME_LEN);
	if (alen < 0)
		return alen;
	memcpy(zb->apex, apex, (size_t)alen);
	zb->apex_key_len = name_key(apex, zb->apex_key);
	zb->sorted = true;
	zb->report = fn;
	zb->ctx = ctx;
	return 0;
}

void zone_build_deinit(struct zone_build *zb)
{
	for (size_t i = 0; i < zb->n; i++)
		node_unref(zb->v[i].node);
	free(zb->v);
	zb->v = NULL;
	zb->n = zb->cap = 0;
}

static int ent_cmp(const void *pa, const void *pb)
{
	const struct node *a = ((const struct zone_build_ent *)pa)->node;
	const struct node *b = ((const struct zone_build_ent *)pb)->node;
	int c = name_key_cmp(node_key(a), a->key_len, node_key(b), b->key_len);
	if (c)
		return c;
	/* keep file order among nodes of one name, for stable messages */
	const struct zone_build_ent *x = pa, *y = pb;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

int zone_build_add(struct zone_build *zb, struct node *node, uint32_t line, uint16_t file)
{
	if (zb->n == zb->cap) {
		size_t nc = zb->cap ? zb->cap * 2 : 1024;
		struct zone_build_ent *nv = realloc(zb->v, nc * sizeof(*nv));
		if (!nv) {
			node_unref(node);
			return ERR_NOMEM;
		}
		zb->v = nv;
		zb->cap = nc;
	}
	if (zb->sorted && zb->n > 0) {
		const struct node *prev = zb->v[zb->n - 1].node;
		if (name_key_cmp(node_key(prev), prev->key_len, node_key(node), node->key_len) >= 0)
			zb->sorted = false;
	}
	zb->v[zb->n++] = (struct zone_build_ent){.node = node, .line = line, .file = file};
	return 0;
}

/* Joins the nodes of one name that appeared in separate places of the input. */
static int merge_two(struct node *a, struct node *b, struct node **out)
{
	size_t n = node_rr_count(a) + node_rr_count(b);
	struct node_rr *rrs = malloc((n ? n : 1) * sizeof(*rrs));
	if (!rrs)
		return ERR_NOMEM;
	int na = node_rrs(a, rrs, n);
	int nb = node_rrs(b, rrs + na, n - (size_t)na);
	int rc = node_build(node_owner(a), rrs, (size_t)(na + nb), 0, out, NULL);
	free(rrs);
	return rc;
}

static int sort_and_merge(struct zone_build *zb)
{
	if (!zb->sorted)
		qsort(zb->v, zb->n, sizeof(zb->v[0]), ent_cmp);
	size_t out = 0;
	for (size_t i = 0; i < zb->n; i++) {
		struct zone_build_ent *prev = out ? &zb->v[out - 1] : NULL;
		const struct node *c = zb->v[i].node;
		if (prev &&
			name_key_cmp(node_key(prev->node), prev->node->key_len, node_key(c),
				c->key_len) == 0) {
			struct node *m;
			int rc = merge_two(prev->node, zb->v[i].node, &m);
			if (rc < 0)
				return rc;
			node_unref(prev->node);
			node_unref(zb->v[i].node);
			zb->v[i].node = NULL;
			prev->node = m;
			continue;
		}
		zb->v[out++] = zb->v[i];
	}
	zb->n = out;
	zb->sorted = true;
	return 0;
}

/* RFC 1034 §3.6.2 and RFC 2181 §10.1: a CNAME owner has no other data, except
 * the DNSSEC records RFC 4035 §2.5 allows beside it. RFC 6672 §2.4: one DNAME. */
static void check_node(struct zone_build *zb, const struct zone_build_ent *e)
{
	const struct rrset *cname = node_find(e->node, KNOT_RRTYPE_CNAME, 0);
	const struct rrset *dname = node_find(e->node, KNOT_RRTYPE_DNAME, 0);
	if (cname && cname->count > 1)
		report(zb, e, "more than one CNAME");
	if (dname && dname->count > 1)
		report(zb, e, "more than one DNAME");
	if (!cname)
		return;
	for (const struct rrset *r = node_first(e->node); r; r = node_next(e->node, r)) {
		if (r->type == KNOT_RRTYPE_CNAME || r->type == KNOT_RRTYPE_RRSIG ||
			r->type == KNOT_RRTYPE_NSEC)
			continue;
		char t[32];
		knot_rrtype_to_string(r->type, t, sizeof(t));
		report(zb, e, "CNAME beside other data (%s)", t);
		return;
	}
}

static void check_apex(struct zone_build *zb)
{
	const struct zone_build_ent *a = zb->n ? &zb->v[0] : NULL;
	if (a &&
		name_key_cmp(node_key(a->node), a->node->key_len, zb->apex_key, zb->apex_key_len) !=
			0)
		a = NULL;
	const struct rrset *soa = a ? node_find(a->node, KNOT_RRTYPE_SOA, 0) : NULL;
	if (!soa) {
		report(zb, NULL, "no SOA record at the apex");
		return;
	}
	if (soa->count > 1)
		report(zb, a, "more than one SOA record");
	if (a->node->flags & NODE_ENT || !node_find(a->node, KNOT_RRTYPE_NS, 0))
		report(zb, a, "no NS records at the apex");
	if (node_find(a->node, KNOT_RRTYPE_CNAME, 0))
		report(zb, a, "CNAME at the apex");
}

uint16_t zone_build_flags(
	const struct node *n, bool is_apex, bool under_cut, bool under_dname, bool is_ent)
{
	uint16_t f = 0;
	if (is_apex)
		f |= NODE_APEX;
	if (is_ent)
		f |= NODE_ENT;
	if (name_is_wildcard(node_owner(n)))
		f |= NODE_WILDCARD;
	if (node_find(n, KNOT_RRTYPE_DNAME, 0))
		f |= NODE_DNAME;
	if (under_cut || under_dname) {
		f |= NODE_OCCLUDED;
		if (under_cut &&
			(node_find(n, KNOT_RRTYPE_A, 0) || node_find(n, KNOT_RRTYPE_AAAA, 0)))
			f |= NODE_GLUE;
	} else if (!is_apex && node_find(n, KNOT_RRTYPE_NS, 0)) {
		f |= NODE_DELEG;
	}
	return f;
}

/* The names from the apex down to the node being placed. */
struct frame {
	const struct node *node;
	bool cut_below;	  /* names below are under a zone cut */
	bool dname_below; /* names below are under a DNAME */
};

struct structure {
	struct frame stack[130];
	int depth;
	struct node **out;
	size_t n, cap;
};

static int push_out(struct structure *st, struct node *node)
{
	if (st->n == st->cap) {
		size_t nc = st->cap ? st->cap * 2 : 1024;
		struct node **no = realloc(st->out, nc * sizeof(*no));
		if (!no)
			return ERR_NOMEM;
		st->out = no;
		st->cap = nc;
	}
	st->out[st->n++] = node;
	return 0;
}

/* Places node (unshared: its flags are set in place) below the stack top. */
static int place(struct structure *st, struct node *node, bool is_ent)
{
	const struct frame *top = st->depth ? &st->stack[st->depth - 1] : NULL;
	node->flags = zone_build_flags(
		node, top == NULL, top && top->cut_below, top && top->dname_below, is_ent);
	int rc = push_out(st, node);
	if (rc < 0)
		return rc;
	struct frame *f = &st->stack[st->depth++];
	f->node = node;
	f->cut_below = (top && top->cut_below) || (node->flags & NODE_DELEG);
	f->dname_below = (top && top->dname_below) || (node->flags & NODE_DNAME);
	return 0;
}

/* Adds the empty non-terminals between the stack top and node. */
static int add_ents(struct structure *st, const struct node *node)
{
	const struct node *top = st->stack[st->depth - 1].node;
	int missing = name_key_labels(node_key(node), node->key_len) -
		name_key_labels(node_key(top), top->key_len) - 1;
	while (missing > 0) {
		const uint8_t *owner = node_owner(node);
		for (int i = 0; i < missing; i++)
			owner += *owner + 1; /* the ancestor missing labels up */
		struct node *ent;
		int rc = node_build(owner, NULL, 0, 0, &ent, NULL);
		if (rc < 0)
			return rc;
		rc = place(st, ent, true);
		if (rc < 0) {
			node_unref(ent);
			return rc;
		}
		missing--;
	}
	return 0;
}

static int structure_pass(struct zone_build *zb, struct structure *st)
{
	for (size_t i = 0; i < zb->n; i++) {
		struct node *node = zb->v[i].node;
		while (st->depth > 0) {
			const struct node *t = st->stack[st->depth - 1].node;
			if (name_key_is_ancestor(
				    node_key(t), t->key_len, node_key(node), node->key_len))
				break;
			st->depth--;
		}
		int rc = st->depth > 0 ? add_ents(st, node) : 0;
		if (rc == 0 && st->depth >= (int)(sizeof(st->stack) / sizeof(st->stack[0])))
			rc = ERR_LIMIT;
		if (rc == 0)
			rc = place(st, node, false);
		if (rc < 0)
			return rc;
		zb->v[i].node = NULL; /* now owned by st->out */
	}
	return 0;
}

int zone_build_finish(struct zone_build *zb, struct zone **out)
{
	struct structure st = {.depth = 0};
	int rc = sort_and_merge(zb);
	if (rc < 0)
		goto cleanup;
	check_apex(zb);
	for (size_t i = 0; i < zb->n; i++)
		check_node(zb, &zb->v[i]);
	if (zb->errors) {
		rc = ERR_ZONE;
		goto cleanup;
	}
	rc = structure_pass(zb, &st);
	if (rc < 0)
		goto cleanup;
	struct tree *tree;
	rc = tree_build(st.out, st.n, &tree);
	st.n = 0; /* the tree owns them now, also on failure */
	if (rc == 0)
		rc = zone_new(zb->apex, tree, out);
cleanup:
	for (size_t i = 0; i < st.n; i++)
		node_unref(st.out[i]);
	free(st.out);
	zone_build_deinit(zb);
	return rc;
}
