/* tree.c - persistent B+tree with path copying (see tree.h). */
#include "lib/zone/tree.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dns/name.h"
#include "lib/util/err.h"

/* Leaves hold nodes in slot[]; inner blocks hold children in slot[] and, in
 * min[], the smallest node of each child so a descent compares keys without
 * walking down. Leaves are allocated without min[]. */
struct tree {
	_Atomic uint32_t refs;
	uint8_t leaf;
	uint8_t n;
	void *slot[TREE_FANOUT];
	struct node *min[];
};

static struct tree *block_new(bool leaf)
{
	size_t sz = sizeof(struct tree) + (leaf ? 0 : TREE_FANOUT * sizeof(struct node *));
	struct tree *t = malloc(sz);
	if (!t)
		return NULL;
	atomic_init(&t->refs, 1);
	t->leaf = leaf;
	t->n = 0;
	return t;
}

struct tree *tree_ref(struct tree *t)
{
	if (t)
		atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
	return t;
}

void tree_unref(struct tree *t)
{
	if (!t || atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (int i = 0; i < t->n; i++) {
		if (t->leaf)
			node_unref(t->slot[i]);
		else
			tree_unref(t->slot[i]);
	}
	free(t);
}

static struct node *block_min(const struct tree *t)
{
	return t->leaf ? t->slot[0] : t->min[0];
}

static int key_cmp_node(const uint8_t *key, size_t klen, const struct node *n)
{
	return name_key_cmp(key, klen, node_key(n), n->key_len);
}

/* Inner block: index of the last child whose min <= key, or -1. */
static int inner_pos(const struct tree *t, const uint8_t *key, size_t klen)
{
	int lo = 0, hi = t->n; /* first child with min > key is in [lo, hi] */
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (key_cmp_node(key, klen, t->min[mid]) >= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

/* Leaf: index of the first node with key >= key (may be n); *eq tells a match. */
static int leaf_pos(const struct tree *t, const uint8_t *key, size_t klen, bool *eq)
{
	int lo = 0, hi = t->n;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (key_cmp_node(key, klen, t->slot[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*eq = lo < t->n && key_cmp_node(key, klen, t->slot[lo]) == 0;
	return lo;
}

/* The leaf whose range holds key, or NULL when key is below every node. */
static const struct tree *leaf_for(const struct tree *t, const uint8_t *key, size_t klen)
{
	while (t && !t->leaf) {
		int i = inner_pos(t, key, klen);
		if (i < 0)
			return NULL;
		t = t->slot[i];
	}
	return t;
}

struct node *tree_find(const struct tree *t, const uint8_t *key, size_t klen)
{
	const struct tree *l = leaf_for(t, key, klen);
	bool eq = false;
	int i = l ? leaf_pos(l, key, klen, &eq) : 0;
	return eq ? l->slot[i] : NULL;
}

struct node *tree_find_le(const struct tree *t, const uint8_t *key, size_t klen)
{
	const struct tree *l = leaf_for(t, key, klen);
	if (!l)
		return NULL;
	bool eq;
	int i = leaf_pos(l, key, klen, &eq);
	if (eq)
		return l->slot[i];
	return i > 0 ? l->slot[i - 1] : NULL;
}

/* A copy of block t that holds its own reference to every child. */
static struct tree *block_copy(const struct tree *t)
{
	struct tree *c = block_new(t->leaf);
	if (!c)
		return NULL;
	c->n = t->n;
	memcpy(c->slot, t->slot, t->n * sizeof(void *));
	if (!t->leaf)
		memcpy(c->min, t->min, t->n * sizeof(struct node *));
	for (int i = 0; i < t->n; i++) {
		if (t->leaf)
			node_ref(t->slot[i]);
		else
			tree_ref(t->slot[i]);
	}
	return c;
}

/* Drops the copy's reference to child i (before it is replaced or removed). */
static void block_drop_child(struct tree *c, int i)
{
	if (c->leaf)
		node_unref(c->slot[i]);
	else
		tree_unref(c->slot[i]);
}

/* Inserts slot s (with min m for inner blocks) at position i of a block with
 * room for it. */
static void block_insert(struct tree *c, int i, void *s, struct node *m)
{
	memmove(&c->slot[i + 1], &c->slot[i], (size_t)(c->n - i) * sizeof(void *));
	c->slot[i] = s;
	if (!c->leaf) {
		memmove(&c->min[i + 1], &c->min[i], (size_t)(c->n - i) * sizeof(struct node *));
		c->min[i] = m;
	}
	c->n++;
}

/* Moves the upper half of a full block c into a new block *right. */
static int block_split(struct tree *c, struct tree **right)
{
	struct tree *r = block_new(c->leaf);
	if (!r)
		return ERR_NOMEM;
	int keep = c->n / 2;
	r->n = (uint8_t)(c->n - keep);
	memcpy(r->slot, &c->slot[keep], r->n * sizeof(void *));
	if (!c->leaf)
		memcpy(r->min, &c->min[keep], r->n * sizeof(struct node *));
	c->n = (uint8_t)keep;
	*right = r;
	return 0;
}

/* Inserts s at i into copy c, splitting first when c is full. */
static int block_insert_split(struct tree *c, int i, void *s, struct node *m, struct tree **split)
{
	*split = NULL;
	if (c->n < TREE_FANOUT) {
		block_insert(c, i, s, m);
		return 0;
	}
	int rc = block_split(c, split);
	if (rc < 0)
		return rc;
	if (i <= c->n)
		block_insert(c, i, s, m);
	else
		block_insert(*split, i - c->n, s, m);
	return 0;
}

static int ins(const struct tree *t, struct node *node, struct tree **out, struct tree **split);

static int ins_leaf(const struct tree *t, struct node *node, struct tree **out, struct tree **split)
{
	bool eq;
	int i = leaf_pos(t, node_key(node), node->key_len, &eq);
	struct tree *c = block_copy(t);
	if (!c)
		return ERR_NOMEM;
	*split = NULL;
	if (eq) {
		block_drop_child(c, i);
		c->slot[i] = node;
	} else {
		int rc = block_insert_split(c, i, node, NULL, split);
		if (rc < 0) {
			tree_unref(c);
			return rc;
		}
	}
	node_ref(node); /* the new leaf's own reference */
	*out = c;
	return 0;
}

static int ins_inner(
	const struct tree *t, struct node *node, struct tree **out, struct tree **split)
{
	int i = inner_pos(t, node_key(node), node->key_len);
	if (i < 0)
		i = 0;
	struct tree *nc, *ns;
	int rc = ins(t->slot[i], node, &nc, &ns);
	if (rc < 0)
		return rc;
	struct tree *c = block_copy(t);
	if (!c) {
		tree_unref(nc);
		tree_unref(ns);
		return ERR_NOMEM;
	}
	block_drop_child(c, i);
	c->slot[i] = nc;
	c->min[i] = block_min(nc);
	*split = NULL;
	if (ns) {
		rc = block_insert_split(c, i + 1, ns, block_min(ns), split);
		if (rc < 0) {
			tree_unref(ns);
			tree_unref(c);
			return rc;
		}
	}
	*out = c;
	return 0;
}

/* Inserts into subtree t; *out is its new copy, *split an optional new right
 * sibling. The new leaf takes its own reference to node. */
static int ins(const struct tree *t, struct node *node, struct tree **out, struct tree **split)
{
	return t->leaf ? ins_leaf(t, node, out, split) : ins_inner(t, node, out, split);
}

int tree_set(const struct tree *t, struct node *node, struct tree **out)
{
	if (!t) {
		struct tree *l = block_new(true);
		if (!l) {
			node_unref(node);
			return ERR_NOMEM;
		}
		l->slot[0] = node;
		l->n = 1;
		*out = l;
		return 0;
	}
	struct tree *nt, *split;
	int rc = ins(t, node, &nt, &split);
	node_unref(node); /* the tree holds its own reference on success */
	if (rc < 0)
		return rc;
	if (split) {
		struct tree *root = block_new(false);
		if (!root) {
			tree_unref(nt);
			tree_unref(split);
			return ERR_NOMEM;
		}
		root->slot[0] = nt;
		root->min[0] = block_min(nt);
		root->slot[1] = split;
		root->min[1] = block_min(split);
		root->n = 2;
		nt = root;
	}
	*out = nt;
	return 0;
}

static void block_remove(struct tree *c, int i)
{
	block_drop_child(c, i);
	memmove(&c->slot[i], &c->slot[i + 1], (size_t)(c->n - i - 1) * sizeof(void *));
	if (!c->leaf)
		memmove(&c->min[i], &c->min[i + 1], (size_t)(c->n - i - 1) * sizeof(struct node *));
	c->n--;
}

/* In the copy c, joins child i with a neighbour when child i has become
 * small and both fit in one block, so long runs of deletions do not leave
 * the tree full of nearly empty blocks. Siblings have the same height, so
 * leaf depth stays uniform. */
static int join_small(struct tree *c, int i)
{
	struct tree *kid = c->slot[i];
	if (kid->n >= TREE_FANOUT / 4 || c->n < 2)
		return 0;
	int l = i + 1 < c->n ? i : i - 1; /* join children l and l + 1 */
	const struct tree *a = c->slot[l], *b = c->slot[l + 1];
	if (a->n + b->n > TREE_FANOUT)
		return 0;
	struct tree *m = block_copy(a);
	if (!m)
		return ERR_NOMEM;
	for (int k = 0; k < b->n; k++) {
		m->slot[m->n] = b->slot[k];
		if (b->leaf)
			node_ref(b->slot[k]);
		else {
			tree_ref(b->slot[k]);
			m->min[m->n] = b->min[k];
		}
		m->n++;
	}
	block_remove(c, l + 1);
	block_drop_child(c, l);
	c->slot[l] = m;
	c->min[l] = block_min(m);
	return 0;
}

/* Deletes key from subtree t into a new copy *out (NULL when it empties).
 * Deletions never make the tree taller; emptied blocks go away and small
 * ones are joined with a neighbour. */
static int del(const struct tree *t, const uint8_t *key, size_t klen, struct tree **out)
{
	int i;
	struct tree *nc = NULL;
	if (t->leaf) {
		bool eq;
		i = leaf_pos(t, key, klen, &eq);
		if (!eq)
			return ERR_NOTFOUND;
	} else {
		i = inner_pos(t, key, klen);
		if (i < 0)
			return ERR_NOTFOUND;
		int rc = del(t->slot[i], key, klen, &nc);
		if (rc < 0)
			return rc;
	}
	struct tree *c = block_copy(t);
	if (!c) {
		tree_unref(nc);
		return ERR_NOMEM;
	}
	if (t->leaf || !nc) {
		block_remove(c, i);
	} else {
		block_drop_child(c, i);
		c->slot[i] = nc;
		c->min[i] = block_min(nc);
		int rc = join_small(c, i);
		if (rc < 0) {
			tree_unref(c);
			return rc;
		}
	}
	if (c->n == 0) {
		tree_unref(c);
		c = NULL;
	}
	*out = c;
	return 0;
}

int tree_del(const struct tree *t, const uint8_t *key, size_t klen, struct tree **out)
{
	if (!t)
		return ERR_NOTFOUND;
	struct tree *nt;
	int rc = del(t, key, klen, &nt);
	if (rc < 0)
		return rc;
	while (nt && !nt->leaf && nt->n == 1) { /* collapse a root with one child */
		struct tree *child = tree_ref(nt->slot[0]);
		tree_unref(nt);
		nt = child;
	}
	*out = nt;
	return 0;
}

/* Bulk load: fill leaves left to right, then build each level above from the
 * one below. Blocks are filled to 7/8 so later inserts rarely split at once. */
static int build_level(
	void **items, struct node **mins, size_t n, bool leaf, struct tree ***out, size_t *nout)
{
	size_t per = TREE_FANOUT - TREE_FANOUT / 8;
	size_t blocks = (n + per - 1) / per;
	struct tree **level = malloc((blocks ? blocks : 1) * sizeof(*level));
	if (!level)
		return ERR_NOMEM;
	size_t pos = 0;
	for (size_t b = 0; b < blocks; b++) {
		size_t take = (n - pos) / (blocks - b); /* spread the remainder evenly */
		struct tree *t = block_new(leaf);
		if (!t) {
			/* The items stay the caller's: free the new blocks alone. */
			for (size_t k = 0; k < b; k++)
				free(level[k]);
			free(level);
			return ERR_NOMEM;
		}
		for (size_t k = 0; k < take; k++, pos++) {
			t->slot[k] = items[pos];
			if (!leaf)
				t->min[k] = mins[pos];
		}
		t->n = (uint8_t)take;
		level[b] = t;
	}
	*out = level;
	*nout = blocks;
	return 0;
}

int tree_build(struct node **nodes, size_t n, struct tree **out)
{
	*out = NULL;
	if (n == 0)
		return 0;
	struct tree **level;
	size_t count;
	int rc = build_level((void **)nodes, NULL, n, true, &level, &count);
	if (rc < 0) {
		for (size_t i = 0; i < n; i++)
			node_unref(nodes[i]);
		return rc;
	}
	while (count > 1) {
		struct node **mins = malloc(count * sizeof(*mins));
		struct tree **up = NULL;
		size_t upn = 0;
		rc = mins ? 0 : ERR_NOMEM;
		for (size_t i = 0; mins && i < count; i++)
			mins[i] = block_min(level[i]);
		if (rc == 0)
			rc = build_level((void **)level, mins, count, false, &up, &upn);
		free(mins);
		if (rc < 0) {
			for (size_t i = 0; i < count; i++)
				tree_unref(level[i]);
			free(level);
			return rc;
		}
		free(level);
		level = up;
		count = upn;
	}
	*out = level[0];
	free(level);
	return 0;
}

void tree_iter_prefetch(const struct tree_iter *it, unsigned ahead)
{
	if (it->depth < 0)
		return;
	const struct tree *leaf = it->path[it->depth];
	unsigned at = it->idx[it->depth] + ahead;
	if (at < leaf->n)
		node_prefetch(leaf->slot[at]);
}

struct node *tree_iter_node(const struct tree_iter *it)
{
	if (it->depth < 0)
		return NULL;
	const struct tree *leaf = it->path[it->depth];
	return leaf->slot[it->idx[it->depth]];
}

/* Descends from path[d] (already set with idx[d]) to a leaf, taking the first
 * (or last) entry of every block below. */
static struct node *descend(struct tree_iter *it, int d, bool last)
{
	/* The height bound cannot be reached (64^15 nodes) but keeps the
	 * compiler's array bound check satisfied. */
	while (!it->path[d]->leaf && d + 1 < TREE_MAX_HEIGHT) {
		const struct tree *child = it->path[d]->slot[it->idx[d]];
		d++;
		it->path[d] = child;
		it->idx[d] = (uint8_t)(last ? child->n - 1 : 0);
	}
	it->depth = d;
	return tree_iter_node(it);
}

struct node *tree_iter_first(struct tree_iter *it, const struct tree *t)
{
	it->depth = -1;
	if (!t)
		return NULL;
	it->path[0] = t;
	it->idx[0] = 0;
	return descend(it, 0, false);
}

struct node *tree_iter_next(struct tree_iter *it)
{
	for (int d = it->depth; d >= 0; d--) {
		if (it->idx[d] + 1 < it->path[d]->n) {
			it->idx[d]++;
			return descend(it, d, false);
		}
	}
	it->depth = -1;
	return NULL;
}

struct node *tree_iter_prev(struct tree_iter *it)
{
	for (int d = it->depth; d >= 0; d--) {
		if (it->idx[d] > 0) {
			it->idx[d]--;
			return descend(it, d, true);
		}
	}
	it->depth = -1;
	return NULL;
}

struct node *tree_iter_seek(
	struct tree_iter *it, const struct tree *t, const uint8_t *key, size_t klen)
{
	it->depth = -1;
	if (!t)
		return NULL;
	int d = 0;
	it->path[0] = t;
	while (!it->path[d]->leaf && d + 1 < TREE_MAX_HEIGHT) {
		int i = inner_pos(it->path[d], key, klen);
		it->idx[d] = (uint8_t)(i < 0 ? 0 : i);
		it->path[d + 1] = it->path[d]->slot[it->idx[d]];
		d++;
	}
	bool eq;
	int i = leaf_pos(it->path[d], key, klen, &eq);
	it->depth = d;
	if (i < it->path[d]->n) {
		it->idx[d] = (uint8_t)i;
		return tree_iter_node(it);
	}
	/* Past this leaf's last entry: the answer is the next leaf's first. */
	it->idx[d] = (uint8_t)(it->path[d]->n - 1);
	return tree_iter_next(it);
}

static int check_block(
	const struct tree *t, int depth, int *leaf_depth, size_t *count, const struct node **prev)
{
	if (t->n == 0 || t->n > TREE_FANOUT || atomic_load(&t->refs) == 0)
		return ERR_INVAL;
	if (t->leaf) {
		if (*leaf_depth >= 0 && *leaf_depth != depth)
			return ERR_INVAL;
		*leaf_depth = depth;
		for (int i = 0; i < t->n; i++) {
			const struct node *n = t->slot[i];
			if (*prev &&
				name_key_cmp(node_key(*prev), (*prev)->key_len, node_key(n),
					n->key_len) >= 0)
				return ERR_INVAL;
			*prev = n;
			(*count)++;
		}
		return 0;
	}
	for (int i = 0; i < t->n; i++) {
		const struct tree *c = t->slot[i];
		if (t->min[i] != block_min(c))
			return ERR_INVAL;
		int rc = check_block(c, depth + 1, leaf_depth, count, prev);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int tree_check(const struct tree *t, size_t *count)
{
	int leaf_depth = -1;
	const struct node *prev = NULL;
	*count = 0;
	return t ? check_block(t, 0, &leaf_depth, count, &prev) : 0;
}

/* True when it stands on the first entry of its block at height h. */
static bool at_block_start(const struct tree_iter *it, int h)
{
	for (int d = it->depth - h; d <= it->depth; d++)
		if (it->idx[d] != 0)
			return false;
	return true;
}

int tree_iter_shared(const struct tree_iter *a, const struct tree_iter *b)
{
	if (a->depth < 0 || b->depth < 0)
		return -1;
	int maxh = a->depth < b->depth ? a->depth : b->depth;
	for (int h = maxh; h >= 0; h--) {
		if (a->path[a->depth - h] == b->path[b->depth - h] && at_block_start(a, h) &&
			at_block_start(b, h))
			return h;
	}
	return -1;
}

struct node *tree_iter_skip(struct tree_iter *it, int height)
{
	for (int d = it->depth - height - 1; d >= 0; d--) {
		if (it->idx[d] + 1 < it->path[d]->n) {
			it->idx[d]++;
			return descend(it, d, false);
		}
	}
	it->depth = -1;
	return NULL;
}

size_t tree_blocks(const struct tree *t)
{
	if (!t)
		return 0;
	size_t n = 1;
	if (!t->leaf)
		for (int i = 0; i < t->n; i++)
			n += tree_blocks(t->slot[i]);
	return n;
}
