/*
 * tree.h - persistent B+tree of nodes ordered by lookup key (canonical order).
 *
 * A tree is never changed in place: tree_set and tree_del return a new root
 * that shares every untouched subtree with the old one (path copying), so a
 * zone version that changes one name costs O(log n) new memory and old
 * versions stay valid for their readers.
 *
 * Ownership: tree blocks are reference-counted (atomic). Each tree block holds
 * one reference to each child block or node. Functions that return a root
 * return it with one reference for the caller; a NULL root is the empty tree.
 * Readers may walk a tree from any thread while they hold a reference.
 */
#ifndef CASCADE_ZONE_TREE_H
#define CASCADE_ZONE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/zone/node.h"

#define TREE_FANOUT 64
#define TREE_MAX_HEIGHT 16

struct tree;

/* Builds a tree from nodes sorted by key with no duplicates; takes over the
 * caller's references to the nodes (also on failure). */
int tree_build(struct node **nodes, size_t n, struct tree **out);
struct tree *tree_ref(struct tree *t);
/* Drops one reference; frees blocks and nodes no one else holds. NULL is fine. */
void tree_unref(struct tree *t);

/* The node with exactly this key, or NULL. Borrowed from the tree. */
struct node *tree_find(const struct tree *t, const uint8_t *key, size_t klen);
/* The node with the greatest key <= key, or NULL. Borrowed. */
struct node *tree_find_le(const struct tree *t, const uint8_t *key, size_t klen);

/* New root with node inserted, or replacing the node of the same key. Takes
 * over the caller's reference to node; t itself is unchanged. */
int tree_set(const struct tree *t, struct node *node, struct tree **out);
/* New root without the node of this key (ERR_NOTFOUND when absent). */
int tree_del(const struct tree *t, const uint8_t *key, size_t klen, struct tree **out);

/* In-order walk. The iterator borrows the tree: keep a reference meanwhile. */
struct tree_iter {
	const struct tree *path[TREE_MAX_HEIGHT];
	uint8_t idx[TREE_MAX_HEIGHT];
	int depth; /* -1: past either end */
};
/* Position on the first node (or the end); returns the node or NULL. */
struct node *tree_iter_first(struct tree_iter *it, const struct tree *t);
/* Position on the first node with key >= key; returns it or NULL. */
struct node *tree_iter_seek(
	struct tree_iter *it, const struct tree *t, const uint8_t *key, size_t klen);
struct node *tree_iter_next(struct tree_iter *it);
struct node *tree_iter_prev(struct tree_iter *it);
/* The node under the iterator, or NULL. */
struct node *tree_iter_node(const struct tree_iter *it);
/* Asks the CPU to fetch the node `ahead` places after the iterator's
 * (within its leaf): a walk in name order visits nodes allocated in file
 * order, and each would otherwise stall on memory. A hint only. */
void tree_iter_prefetch(const struct tree_iter *it, unsigned ahead);
/* How far ahead walks ask: the work of a few names covers one miss, which
 * costs hundreds of ns under virtualisation. */
#define TREE_PREFETCH_AHEAD 8

/* When both iterators stand on the first node of one and the same block
 * (shared by their trees), the height of the largest such block above the
 * leaves (0 = a leaf), else -1. Lets a diff skip what two versions share. */
int tree_iter_shared(const struct tree_iter *a, const struct tree_iter *b);
/* Moves past the whole block at that height (as returned above); returns the
 * node after it or NULL. */
struct node *tree_iter_skip(struct tree_iter *it, int height);

/* Number of blocks (for memory accounting and tests). */
size_t tree_blocks(const struct tree *t);

/* Checks ordering, balance of leaf depth and reference sanity; for tests. */
int tree_check(const struct tree *t, size_t *count);

#endif
