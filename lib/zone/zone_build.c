/* zone_build.c - checked zone versions from nodes (see zone_build.h). */
#include "lib/zone/zone_build.h"

#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/array.h"
#include "lib/util/err.h"

static void vreport(struct zone_build *zb, const uint8_t *owner, uint16_t file, uint32_t line,
	bool warning, const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

static void vreport(struct zone_build *zb, const uint8_t *owner, uint16_t file, uint32_t line,
	bool warning, const char *fmt, va_list ap)
{
	if (!warning)
		zb->errors++;
	if (!zb->report)
		return;
	char text[512], name[KNOT_DNAME_TXT_MAXLEN + 1];
	if (!knot_dname_to_str(name, owner, sizeof(name)))
		snprintf(name, sizeof(name), "(unprintable name)");
	int off = snprintf(text, sizeof(text), "%s: ", name);
	vsnprintf(text + off, sizeof(text) - (size_t)off, fmt, ap);
	zb->report(zb->ctx, file, line, warning, text);
}

/* An error about the entry e (NULL: about the apex). */
static void report(struct zone_build *zb, const struct zone_build_ent *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct zone_build *zb, const struct zone_build_ent *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(zb, e ? node_owner(e->node) : zb->apex, e ? e->file : 0, e ? e->line : 0, false,
		fmt, ap);
	va_end(ap);
}

static void warn(struct zone_build *zb, const uint8_t *owner, uint16_t file, uint32_t line,
	const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void warn(struct zone_build *zb, const uint8_t *owner, uint16_t file, uint32_t line,
	const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(zb, owner, file, line, true, fmt, ap);
	va_end(ap);
}

void zone_build_notes(struct zone_build *zb, const uint8_t *owner,
	const struct node_build_notes *notes, uint16_t file, uint32_t line)
{
	if (notes->duplicates)
		warn(zb, owner, file, line, "%u duplicate RR(s) dropped", notes->duplicates);
	if (notes->ttl_mismatch) {
		char t[32];
		knot_rrtype_to_string(notes->ttl_mismatch, t, sizeof(t));
		warn(zb, owner, file, notes->ttl_mismatch_line ? notes->ttl_mismatch_line : line,
			"%s RRs with different TTLs, the lowest is used (RFC 2181 §5.2)", t);
	}
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

/* The owners' canonical order: the prefixes first, the nodes only when
 * they are equal. */
static int name_cmp(const struct zone_build_ent *x, const struct zone_build_ent *y)
{
	if (x->pfx != y->pfx)
		return x->pfx < y->pfx ? -1 : 1;
	if (x->pfx2 != y->pfx2)
		return x->pfx2 < y->pfx2 ? -1 : 1;
	const struct node *a = x->node, *b = y->node;
	return name_key_cmp(node_key(a), a->key_len, node_key(b), b->key_len);
}

static int ent_cmp(const void *pa, const void *pb)
{
	const struct zone_build_ent *x = pa, *y = pb;
	int c = name_cmp(x, y);
	if (c)
		return c;
	/* keep file order among nodes of one name, for stable messages */
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

/* The 8 key octets from the apex's key length plus skip, 0 past the end. */
static uint64_t key_prefix(const struct zone_build *zb, const struct node *n, size_t skip)
{
	uint64_t p = 0;
	const uint8_t *k = node_key(n);
	for (size_t i = 0; i < 8; i++) {
		size_t at = zb->apex_key_len + skip + i;
		p = p << 8 | (at < n->key_len ? k[at] : 0);
	}
	return p;
}

int zone_build_add(struct zone_build *zb, struct node *node, uint32_t line, uint16_t file)
{
	if (array_reserve((void **)&zb->v, &zb->cap, zb->n + 1, sizeof(*zb->v), 1024) < 0) {
		node_unref(node);
		return ERR_NOMEM;
	}
	if (zb->sorted && zb->n > 0) {
		const struct node *prev = zb->v[zb->n - 1].node;
		if (name_key_cmp(node_key(prev), prev->key_len, node_key(node), node->key_len) >= 0)
			zb->sorted = false;
	}
	zb->v[zb->n++] = (struct zone_build_ent){.pfx = key_prefix(zb, node, 0),
		.pfx2 = key_prefix(zb, node, 8),
		.node = node,
		.line = line,
		.file = file};
	return 0;
}

int zone_build_reserve(struct zone_build *zb, size_t n)
{
	return array_reserve((void **)&zb->v, &zb->cap, n, sizeof(*zb->v), 1024);
}

/* Builds one node from the nodes of one name that appeared in separate
 * places of the input: g[0..n), all RRs at once (pieces one by one would be
 * quadratic). The warnings name the last piece's place. */
static int merge_group(
	struct zone_build *zb, const struct zone_build_ent *g, size_t n, struct node **out)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += node_rr_count(g[i].node);
	struct node_rr *rrs = malloc((total ? total : 1) * sizeof(*rrs));
	if (!rrs)
		return ERR_NOMEM;
	size_t at = 0;
	for (size_t i = 0; i < n; i++)
		at += (size_t)node_rrs(g[i].node, rrs + at, total - at);
	struct node_build_notes notes;
	int rc = node_build(node_owner(g[0].node), rrs, at, 0, out, &notes);
	free(rrs);
	if (rc == 0)
		zone_build_notes(zb, node_owner(g[0].node), &notes, g[n - 1].file, g[n - 1].line);
	return rc;
}

static void ent_swap(struct zone_build_ent *a, struct zone_build_ent *b)
{
	struct zone_build_ent t = *a;
	*a = *b;
	*b = t;
}

static void sift_down(struct zone_build_ent *v, size_t root, size_t n)
{
	for (;;) {
		size_t c = 2 * root + 1;
		if (c >= n)
			return;
		if (c + 1 < n && ent_cmp(&v[c], &v[c + 1]) < 0)
			c++;
		if (ent_cmp(&v[root], &v[c]) >= 0)
			return;
		ent_swap(&v[root], &v[c]);
		root = c;
	}
}

static void heap_sort(struct zone_build_ent *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (size_t end = n; end-- > 1;) {
		ent_swap(&v[0], &v[end]);
		sift_down(v, 0, end);
	}
}

/* In-place introsort: glibc's qsort would allocate a copy of the whole
 * array, which is the peak of memory when a large zone loads. Quicksort with
 * a median of three, insertion sort for short runs, heapsort when the
 * recursion gets deep (adversarial input), recursion on the smaller side. */
static void intro_sort(struct zone_build_ent *v, size_t n, int depth)
{
	while (n > 16) {
		if (depth-- == 0) {
			heap_sort(v, n);
			return;
		}
		size_t m = n / 2;
		if (ent_cmp(&v[m], &v[0]) < 0)
			ent_swap(&v[m], &v[0]);
		if (ent_cmp(&v[n - 1], &v[0]) < 0)
			ent_swap(&v[n - 1], &v[0]);
		if (ent_cmp(&v[n - 1], &v[m]) < 0)
			ent_swap(&v[n - 1], &v[m]);
		ent_swap(&v[m], &v[n - 2]); /* pivot out of the way */
		struct zone_build_ent *pivot = &v[n - 2];
		size_t i = 0, j = n - 2;
		for (;;) {
			while (ent_cmp(&v[++i], pivot) < 0)
				;
			while (ent_cmp(&v[--j], pivot) > 0)
				;
			if (i >= j)
				break;
			ent_swap(&v[i], &v[j]);
		}
		ent_swap(&v[i], &v[n - 2]);
		if (i < n - i - 1) {
			intro_sort(v, i, depth);
			v += i + 1;
			n -= i + 1;
		} else {
			intro_sort(v + i + 1, n - i - 1, depth);
			n = i;
		}
	}
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && ent_cmp(&v[k - 1], &v[k]) > 0; k--)
			ent_swap(&v[k - 1], &v[k]);
}

/* Octets of the key prefix an entry keeps (pfx, then pfx2). */
#define PFX_OCTETS 16

/* The prefix octet that sorts at this level, 0 the most significant. */
static unsigned pfx_octet(const struct zone_build_ent *e, unsigned level)
{
	uint64_t half = level < 8 ? e->pfx : e->pfx2;
	return (unsigned)(half >> (56 - 8 * (level % 8))) & 0xff;
}

/* In-place radix sort on the 16-octet prefix, most significant octet first
 * (an "American flag sort": no second array, for the same reason as above).
 * Each level moves every entry once into its octet's bucket, so sorting costs
 * a few passes where comparisons would cost log2(n) each. Short buckets, and
 * entries that share the whole prefix, go to intro_sort, which also compares
 * the names. */
static void radix_sort(struct zone_build_ent *v, size_t n, unsigned level)
{
	if (n <= 64 || level == PFX_OCTETS) {
		int depth = 0;
		for (size_t k = n; k; k >>= 1)
			depth += 2;
		intro_sort(v, n, depth);
		return;
	}
	size_t count[256] = {0}, next[256], end[256];
	for (size_t i = 0; i < n; i++)
		count[pfx_octet(&v[i], level)]++;
	size_t at = 0;
	for (unsigned b = 0; b < 256; b++) {
		next[b] = at;
		at += count[b];
		end[b] = at;
	}
	for (unsigned b = 0; b < 256; b++) {
		while (next[b] < end[b]) { /* each swap puts one entry in its place */
			unsigned d = pfx_octet(&v[next[b]], level);
			if (d == b)
				next[b]++;
			else
				ent_swap(&v[next[b]], &v[next[d]++]);
		}
	}
	for (unsigned b = 0; b < 256; b++)
		if (count[b] > 1)
			radix_sort(v + end[b] - count[b], count[b], level + 1);
}

static int sort_and_merge(struct zone_build *zb)
{
	if (zb->n && zb->n < zb->cap) { /* give back the growth slack first */
		struct zone_build_ent *nv = realloc(zb->v, zb->n * sizeof(*nv));
		if (nv) {
			zb->v = nv;
			zb->cap = zb->n;
		}
	}
	if (!zb->sorted)
		radix_sort(zb->v, zb->n, 0);
	size_t out = 0;
	int rc = 0;
	for (size_t i = 0; i < zb->n;) {
		size_t j = i + 1;
		while (j < zb->n && name_cmp(&zb->v[i], &zb->v[j]) == 0)
			j++;
		struct zone_build_ent e = zb->v[i];
		if (j - i > 1) {
			struct node *m;
			rc = merge_group(zb, &zb->v[i], j - i, &m);
			if (rc < 0) {
				/* keep every node owned by exactly one entry */
				memmove(&zb->v[out], &zb->v[i], (zb->n - i) * sizeof(zb->v[0]));
				out += zb->n - i;
				break;
			}
			for (size_t k = i; k < j; k++)
				node_unref(zb->v[k].node);
			/* a rule this name breaks now is broken by its later part */
			e = (struct zone_build_ent){.pfx = e.pfx,
				.pfx2 = e.pfx2,
				.node = m,
				.line = zb->v[j - 1].line,
				.file = zb->v[j - 1].file};
		}
		zb->v[out++] = e;
		i = j;
	}
	zb->n = out;
	zb->sorted = true;
	return rc;
}

enum type_bits {
	HAS_NS = 1 << 0,
	HAS_A = 1 << 1,
	HAS_AAAA = 1 << 2,
	HAS_CNAME = 1 << 3,
	HAS_DNAME = 1 << 4,
	HAS_OTHER = 1 << 5, /* anything a CNAME may not stand beside */
	MANY_CNAME = 1 << 6,
	MANY_DNAME = 1 << 7,
	HAS_SOA = 1 << 8,
	MANY_SOA = 1 << 9,
};

/* One walk over the RRsets tells everything the checks and flags need;
 * rrs (may be NULL) gets the number of RRs. */
static unsigned type_bits(const struct node *n, size_t *rrs)
{
	unsigned b = 0;
	size_t count = 0;
	for (const struct rrset *r = node_first(n); r; r = node_next(n, r)) {
		count += r->count;
		switch (r->type) {
		case KNOT_RRTYPE_NS:
			b |= HAS_NS | HAS_OTHER;
			break;
		case KNOT_RRTYPE_A:
			b |= HAS_A | HAS_OTHER;
			break;
		case KNOT_RRTYPE_AAAA:
			b |= HAS_AAAA | HAS_OTHER;
			break;
		case KNOT_RRTYPE_CNAME:
			b |= HAS_CNAME | (r->count > 1 ? MANY_CNAME : 0);
			break;
		case KNOT_RRTYPE_DNAME:
			b |= HAS_DNAME | HAS_OTHER | (r->count > 1 ? MANY_DNAME : 0);
			break;
		case KNOT_RRTYPE_SOA:
			b |= HAS_SOA | HAS_OTHER | (r->count > 1 ? MANY_SOA : 0);
			break;
		case KNOT_RRTYPE_RRSIG:
		case KNOT_RRTYPE_NSEC: /* allowed beside a CNAME (RFC 4035 §2.5) */
			break;
		default:
			b |= HAS_OTHER;
		}
	}
	if (rrs)
		*rrs = count;
	return b;
}

/* The rules every name meets (RFC 1034 §3.6.2, RFC 2181 §10.1: a CNAME owner
 * has no other data but the DNSSEC records RFC 4035 §2.5 allows beside it;
 * RFC 6672 §2.4: one DNAME; RFC 1035 §5.2: one SOA, at the apex, with NS
 * there). Returns the reason for the first one broken, or NULL. */
static const char *node_rule(
	const struct node *n, unsigned bits, bool is_apex, char *buf, size_t size)
{
	if (bits & MANY_CNAME)
		return "more than one CNAME";
	if (bits & MANY_DNAME)
		return "more than one DNAME";
	if (!is_apex && (bits & HAS_SOA))
		return "SOA is not at the apex";
	if (is_apex && !(bits & HAS_SOA))
		return "no SOA record at the apex";
	if (is_apex && (bits & MANY_SOA))
		return "more than one SOA record";
	if (is_apex && !(bits & HAS_NS))
		return "no NS records at the apex";
	if (!(bits & HAS_CNAME) || !(bits & HAS_OTHER))
		return NULL;
	for (const struct rrset *r = node_first(n); r; r = node_next(n, r)) {
		if (r->type == KNOT_RRTYPE_CNAME || r->type == KNOT_RRTYPE_RRSIG ||
			r->type == KNOT_RRTYPE_NSEC)
			continue;
		char t[32];
		knot_rrtype_to_string(r->type, t, sizeof(t));
		snprintf(buf, size, "CNAME beside other data (%s)", t);
		return buf;
	}
	return NULL;
}

static void check_node(
	struct zone_build *zb, const struct zone_build_ent *e, unsigned bits, bool is_apex)
{
	char buf[64];
	const char *why = node_rule(e->node, bits, is_apex, buf, sizeof(buf));
	if (why)
		report(zb, e, "%s", why);
}

int zone_build_check(const struct node *n, bool is_apex, char *why, size_t size)
{
	char buf[64];
	const char *r = node_rule(n, type_bits(n, NULL), is_apex, buf, sizeof(buf));
	if (!r)
		return 0;
	snprintf(why, size, "%s", r);
	return ERR_ZONE;
}

/* The apex must be the first name: without it there is no SOA. */
static void check_apex(struct zone_build *zb)
{
	const struct zone_build_ent *a = zb->n ? &zb->v[0] : NULL;
	if (!a ||
		name_key_cmp(node_key(a->node), a->node->key_len, zb->apex_key, zb->apex_key_len) !=
			0)
		report(zb, NULL, "no SOA record at the apex");
}

static uint16_t flags_from_bits(const struct node *n, unsigned bits, bool is_apex, bool under_cut,
	bool under_dname, bool is_ent)
{
	uint16_t f = 0;
	if (is_apex)
		f |= NODE_APEX;
	if (is_ent)
		f |= NODE_ENT;
	if (name_is_wildcard(node_owner(n)))
		f |= NODE_WILDCARD;
	if (bits & HAS_DNAME)
		f |= NODE_DNAME;
	if (under_cut || under_dname) {
		f |= NODE_OCCLUDED;
		if (under_cut && (bits & (HAS_A | HAS_AAAA)))
			f |= NODE_GLUE;
	} else if (!is_apex && (bits & HAS_NS)) {
		f |= NODE_DELEG;
	}
	return f;
}

uint16_t zone_build_flags(
	const struct node *n, bool is_apex, bool under_cut, bool under_dname, bool is_ent)
{
	return flags_from_bits(n, type_bits(n, NULL), is_apex, under_cut, under_dname, is_ent);
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
	size_t rrs;
};

static int push_out(struct structure *st, struct node *node)
{
	if (array_reserve((void **)&st->out, &st->cap, st->n + 1, sizeof(*st->out), 1024) < 0)
		return ERR_NOMEM;
	st->out[st->n++] = node;
	return 0;
}

/* Places node (unshared: its flags are set in place) below the stack top. */
static int place(struct structure *st, struct node *node, unsigned bits, bool is_ent)
{
	const struct frame *top = st->depth ? &st->stack[st->depth - 1] : NULL;
	node->flags = flags_from_bits(
		node, bits, top == NULL, top && top->cut_below, top && top->dname_below, is_ent);
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
	if (name_key_parent(node_key(node), node->key_len) == top->key_len)
		return 0; /* the usual case: the parent is on the stack */
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
		rc = place(st, ent, 0, true);
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
	/* every node, and the empty non-terminals beyond them as they come */
	if (array_reserve((void **)&st->out, &st->cap, zb->n, sizeof(*st->out), 1024) < 0)
		return ERR_NOMEM;
	for (size_t i = 0; i < zb->n; i++) {
		struct node *node = zb->v[i].node;
		/* Nodes sit in memory in file order, not in this order: fetch ahead. */
		if (i + 8 < zb->n)
			__builtin_prefetch(zb->v[i + 8].node);
		while (st->depth > 0) {
			const struct node *t = st->stack[st->depth - 1].node;
			if (name_key_is_ancestor(
				    node_key(t), t->key_len, node_key(node), node->key_len))
				break;
			st->depth--;
		}
		size_t rrs;
		unsigned bits = type_bits(node, &rrs);
		check_node(zb, &zb->v[i], bits, node->key_len == zb->apex_key_len);
		st->rrs += rrs;
		int rc = st->depth > 0 ? add_ents(st, node) : 0;
		if (rc == 0 && st->depth >= (int)(sizeof(st->stack) / sizeof(st->stack[0])))
			rc = ERR_LIMIT;
		if (rc == 0)
			rc = place(st, node, bits, false);
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
	if (zb->errors) {
		rc = ERR_ZONE;
		goto cleanup;
	}
	rc = structure_pass(zb, &st);
	if (rc == 0 && zb->errors)
		rc = ERR_ZONE;
	if (rc < 0)
		goto cleanup;
	zone_build_deinit(zb); /* its array is empty now: free it before the tree grows */
	struct tree *tree;
	size_t nodes = st.n;
	rc = tree_build(st.out, st.n, &tree);
	st.n = 0; /* the tree owns them now, also on failure */
	if (rc == 0)
		rc = zone_new_counted(zb->apex, tree, nodes, st.rrs, out);
cleanup:
	for (size_t i = 0; i < st.n; i++)
		node_unref(st.out[i]);
	free(st.out);
	zone_build_deinit(zb);
	return rc;
}
