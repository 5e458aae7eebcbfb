/* Unit tests for lib/zone/tree: a persistent B+tree checked against a model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/dns/name.h"
#include "lib/zone/tree.h"
#include "lib/util/err.h"

#define N 5000

/* Name "n<i>.test." as a node with no RRsets. */
static struct node *mk(unsigned i)
{
	char lab[16];
	int l = snprintf(lab, sizeof(lab), "n%u", i);
	uint8_t w[32];
	w[0] = (uint8_t)l;
	memcpy(w + 1, lab, (size_t)l);
	memcpy(w + 1 + l, "\x04test\x00", 6);
	struct node *n;
	assert_int_equal(node_build(w, NULL, 0, 0, &n, NULL), 0);
	return n;
}

static int cmp_nodes(const void *a, const void *b)
{
	const struct node *x = *(struct node *const *)a, *y = *(struct node *const *)b;
	return name_key_cmp(node_key(x), x->key_len, node_key(y), y->key_len);
}

static size_t walk_count(const struct tree *t)
{
	struct tree_iter it;
	size_t c = 0;
	for (struct node *n = tree_iter_first(&it, t); n; n = tree_iter_next(&it))
		c++;
	return c;
}

static void test_insert_delete_persistent(void **state)
{
	(void)state;
	srand(7);
	struct tree *t = NULL, *snap = NULL;
	static bool present[N];
	memset(present, 0, sizeof(present));
	size_t count = 0, snap_count = 0;
	for (int step = 0; step < 4 * N; step++) {
		unsigned i = (unsigned)rand() % N;
		struct node *n = mk(i);
		struct tree *nt;
		if (present[i] && rand() % 2) {
			assert_int_equal(tree_del(t, node_key(n), n->key_len, &nt), 0);
			present[i] = false;
			count--;
			node_unref(n);
		} else {
			assert_int_equal(tree_set(t, n, &nt), 0);
			count += !present[i];
			present[i] = true;
		}
		if (step == 2 * N) { /* keep an old version alive across later changes */
			snap = tree_ref(t);
			size_t c;
			assert_int_equal(tree_check(snap, &c), 0);
			snap_count = c;
		}
		tree_unref(t);
		t = nt;
	}
	size_t c;
	assert_int_equal(tree_check(t, &c), 0);
	assert_int_equal(c, count);
	assert_int_equal(walk_count(t), count);
	for (unsigned i = 0; i < N; i++) {
		struct node *n = mk(i);
		struct node *f = tree_find(t, node_key(n), n->key_len);
		assert_true((f != NULL) == present[i]);
		struct tree *nt;
		if (!present[i])
			assert_int_equal(tree_del(t, node_key(n), n->key_len, &nt), ERR_NOTFOUND);
		node_unref(n);
	}
	assert_int_equal(tree_check(snap, &c), 0);
	assert_int_equal(c, snap_count);
	tree_unref(snap);
	tree_unref(t);
}

static void test_build_iterate_seek(void **state)
{
	(void)state;
	struct node **v = malloc(N * sizeof(*v));
	for (unsigned i = 0; i < N; i++)
		v[i] = mk(2 * i); /* even numbers only, so odd ones are gaps */
	qsort(v, N, sizeof(*v), cmp_nodes);
	struct node *keep[N];
	memcpy(keep, v, sizeof(keep));
	struct tree *t;
	assert_int_equal(tree_build(v, N, &t), 0);
	free(v);
	size_t c;
	assert_int_equal(tree_check(t, &c), 0);
	assert_int_equal(c, N);
	/* forward and backward walks visit the sorted order */
	struct tree_iter it;
	size_t i = 0;
	for (struct node *n = tree_iter_first(&it, t); n; n = tree_iter_next(&it))
		assert_ptr_equal(n, keep[i++]);
	assert_int_equal(i, N);
	tree_iter_seek(&it, t, node_key(keep[N - 1]), keep[N - 1]->key_len);
	for (struct node *n = tree_iter_node(&it); n; n = tree_iter_prev(&it))
		assert_ptr_equal(n, keep[--i]);
	assert_int_equal(i, 0);
	/* seek and find_le on gaps */
	for (unsigned k = 0; k < 2 * N; k += 7) {
		struct node *q = mk(k);
		struct node *ge = tree_iter_seek(&it, t, node_key(q), q->key_len);
		struct node *le = tree_find_le(t, node_key(q), q->key_len);
		size_t pos = 0;
		while (pos < N && cmp_nodes(&keep[pos], &q) < 0)
			pos++;
		assert_ptr_equal(ge, pos < N ? keep[pos] : NULL);
		if (pos < N && cmp_nodes(&keep[pos], &q) == 0)
			assert_ptr_equal(le, keep[pos]);
		else
			assert_ptr_equal(le, pos > 0 ? keep[pos - 1] : NULL);
		node_unref(q);
	}
	/* delete everything: the tree empties to NULL */
	for (unsigned k = 0; k < N; k++) {
		struct tree *nt;
		assert_int_equal(tree_del(t, node_key(keep[k]), keep[k]->key_len, &nt), 0);
		tree_unref(t);
		t = nt;
		if (k % 997 == 0) {
			assert_int_equal(tree_check(t, &c), 0);
			assert_int_equal(c, N - k - 1);
		}
	}
	assert_null(t);
}

/* Deleting most nodes at random joins the blocks left small: the tree does
 * not stay a skeleton of nearly empty blocks. */
static void test_deletes_join_blocks(void **state)
{
	(void)state;
	struct node **v = malloc(N * sizeof(*v));
	for (unsigned i = 0; i < N; i++)
		v[i] = mk(i);
	qsort(v, N, sizeof(*v), cmp_nodes);
	struct node *keep[N];
	memcpy(keep, v, sizeof(keep));
	for (unsigned i = 0; i < N; i++)
		node_ref(keep[i]);
	struct tree *t;
	assert_int_equal(tree_build(v, N, &t), 0);
	free(v);
	size_t before = tree_blocks(t), left = N;
	srand(11);
	for (unsigned i = 0; i < N; i++) {
		if (rand() % 10 == 0)
			continue; /* keep about a tenth */
		struct tree *nt;
		assert_int_equal(tree_del(t, node_key(keep[i]), keep[i]->key_len, &nt), 0);
		tree_unref(t);
		t = nt;
		left--;
	}
	size_t count;
	assert_int_equal(tree_check(t, &count), 0);
	assert_int_equal(count, left);
	print_message("blocks: %zu before, %zu after, %zu left\n", before, tree_blocks(t), left);
	/* without joins every leaf would stay, about N / 56 of them */
	assert_true(tree_blocks(t) < before / 2);
	assert_true(tree_blocks(t) <= left / 8 + 4);
	tree_unref(t);
	for (unsigned i = 0; i < N; i++)
		node_unref(keep[i]);
}

static void test_empty(void **state)
{
	(void)state;
	struct tree *t;
	assert_int_equal(tree_build(NULL, 0, &t), 0);
	assert_null(t);
	struct tree_iter it;
	assert_null(tree_iter_first(&it, NULL));
	assert_null(tree_find(NULL, (const uint8_t *)"", 0));
	assert_null(tree_iter_seek(&it, NULL, (const uint8_t *)"", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_delete_persistent),
		cmocka_unit_test(test_build_iterate_seek),
		cmocka_unit_test(test_deletes_join_blocks),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
