/* toml.c - the TOML tree: building, lookups, getters, freeing (see toml.h). */
#include "lib/toml/toml.h"

#include <stdlib.h>
#include <string.h>

#include "lib/toml/toml_impl.h"
#include "lib/util/err.h"

/* Tables up to this many keys are searched linearly; bigger ones get a
 * hash index, so a document with many keys in one table stays linear. */
#define TOML_INDEX_MIN 8

struct toml_value *toml_node_new(struct arena *a, enum toml_type type, struct toml_pos pos)
{
	struct toml_value *v = arena_alloc(a, sizeof(*v));
	if (!v)
		return NULL;
	memset(v, 0, sizeof(*v));
	v->type = (uint8_t)type;
	v->pos = pos;
	return v;
}

/* FNV-1a: keys come from config files, not from the network, so a keyed
 * hash against flooding is not needed. */
static uint32_t key_hash(const char *key, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)key[i];
		h *= 16777619u;
	}
	return h;
}

static bool key_eq(const struct toml_entry *e, const char *key, size_t len)
{
	return e->key.len == len && memcmp(e->key.name, key, len) == 0;
}

static const struct toml_entry *find_entry(const struct toml_table *t, const char *key, size_t len)
{
	if (!t->index) {
		for (uint32_t i = 0; i < t->len; i++)
			if (key_eq(&t->ent[i], key, len))
				return &t->ent[i];
		return NULL;
	}
	uint32_t h = key_hash(key, len);
	uint32_t mask = t->index_cap - 1;
	for (uint32_t slot = h & mask;; slot = (slot + 1) & mask) {
		uint32_t n = t->index[slot];
		if (n == 0)
			return NULL;
		const struct toml_entry *e = &t->ent[n - 1];
		if (e->hash == h && key_eq(e, key, len))
			return e;
	}
}

const struct toml_entry *toml_table_entry(const struct toml_value *t, const char *key, size_t len)
{
	return find_entry(&t->u.tab, key, len);
}

struct toml_value *toml_table_find(struct toml_value *t, const char *key, size_t len)
{
	const struct toml_entry *e = find_entry(&t->u.tab, key, len);
	return e ? e->val : NULL;
}

/* Rebuilds the index at twice the entry capacity, so it stays at most
 * half full and probing always ends at an empty slot. */
static int index_rebuild(struct arena *a, struct toml_table *t)
{
	uint32_t cap = 16;
	while (cap < 2 * t->cap)
		cap *= 2;
	uint32_t *idx = arena_alloc(a, (size_t)cap * sizeof(*idx));
	if (!idx)
		return ERR_NOMEM;
	memset(idx, 0, (size_t)cap * sizeof(*idx));
	for (uint32_t i = 0; i < t->len; i++) {
		uint32_t slot = t->ent[i].hash & (cap - 1);
		while (idx[slot])
			slot = (slot + 1) & (cap - 1);
		idx[slot] = i + 1;
	}
	t->index = idx;
	t->index_cap = cap;
	return 0;
}

static int table_grow(struct arena *a, struct toml_table *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : 4;
	if (cap < t->cap)
		return ERR_LIMIT;
	struct toml_entry *ent = arena_alloc(a, (size_t)cap * sizeof(*ent));
	if (!ent)
		return ERR_NOMEM;
	if (t->len)
		memcpy(ent, t->ent, (size_t)t->len * sizeof(*ent));
	t->ent = ent;
	t->cap = cap;
	if (cap > TOML_INDEX_MIN)
		return index_rebuild(a, t);
	return 0;
}

int toml_table_add(
	struct arena *a, struct toml_value *tv, const struct toml_key *key, struct toml_value *val)
{
	struct toml_table *t = &tv->u.tab;
	if (t->len == t->cap) {
		int rc = table_grow(a, t);
		if (rc < 0)
			return rc;
	}
	struct toml_entry *e = &t->ent[t->len];
	e->key = *key;
	e->val = val;
	e->hash = key_hash(key->name, key->len);
	if (t->index) {
		uint32_t mask = t->index_cap - 1;
		uint32_t slot = e->hash & mask;
		while (t->index[slot])
			slot = (slot + 1) & mask;
		t->index[slot] = t->len + 1;
	}
	t->len++;
	return 0;
}

int toml_array_push(struct arena *a, struct toml_value *av, struct toml_value *val)
{
	struct toml_array *arr = &av->u.arr;
	if (arr->len == arr->cap) {
		uint32_t cap = arr->cap ? arr->cap * 2 : 4;
		if (cap < arr->cap)
			return ERR_LIMIT;
		struct toml_value **v = arena_alloc(a, (size_t)cap * sizeof(*v));
		if (!v)
			return ERR_NOMEM;
		if (arr->len)
			memcpy(v, arr->v, (size_t)arr->len * sizeof(*v));
		arr->v = v;
		arr->cap = cap;
	}
	arr->v[arr->len++] = val;
	return 0;
}

void toml_free(struct toml_value *root)
{
	if (!root || !(root->flags & TOML_F_ROOT))
		return;
	/* root is the first member of its struct toml_doc. */
	struct toml_doc *doc = (struct toml_doc *)root;
	arena_deinit(&doc->arena);
	free(doc);
}

enum toml_type toml_type_of(const struct toml_value *v)
{
	return v ? (enum toml_type)v->type : TOML_NONE;
}

const char *toml_type_article(enum toml_type t)
{
	return t == TOML_ARRAY || t == TOML_INTEGER || t == TOML_DATETIME ? "an" : "a";
}

const char *toml_type_name(enum toml_type t)
{
	switch (t) {
	case TOML_NONE:
		return "nothing";
	case TOML_TABLE:
		return "table";
	case TOML_ARRAY:
		return "array";
	case TOML_STRING:
		return "string";
	case TOML_INTEGER:
		return "integer";
	case TOML_FLOAT:
		return "float";
	case TOML_BOOL:
		return "boolean";
	case TOML_DATETIME:
		return "offset date-time";
	case TOML_LOCAL_DATETIME:
		return "local date-time";
	case TOML_LOCAL_DATE:
		return "local date";
	case TOML_LOCAL_TIME:
		return "local time";
	}
	return "unknown";
}

struct toml_pos toml_value_pos(const struct toml_value *v)
{
	struct toml_pos none = {0, 0};
	return v ? v->pos : none;
}

size_t toml_table_len(const struct toml_value *t)
{
	return t && t->type == TOML_TABLE ? t->u.tab.len : 0;
}

const struct toml_value *toml_table_at(const struct toml_value *t, size_t i, struct toml_key *key)
{
	if (!t || t->type != TOML_TABLE || i >= t->u.tab.len)
		return NULL;
	if (key)
		*key = t->u.tab.ent[i].key;
	return t->u.tab.ent[i].val;
}

const struct toml_value *toml_table_getn(const struct toml_value *t, const char *key, size_t len)
{
	if (!t || t->type != TOML_TABLE || (!key && len))
		return NULL;
	const struct toml_entry *e = find_entry(&t->u.tab, key ? key : "", len);
	return e ? e->val : NULL;
}

const struct toml_value *toml_table_get(const struct toml_value *t, const char *key)
{
	if (!key)
		return NULL;
	return toml_table_getn(t, key, strlen(key));
}

size_t toml_array_len(const struct toml_value *a)
{
	return a && a->type == TOML_ARRAY ? a->u.arr.len : 0;
}

const struct toml_value *toml_array_at(const struct toml_value *a, size_t i)
{
	if (!a || a->type != TOML_ARRAY || i >= a->u.arr.len)
		return NULL;
	return a->u.arr.v[i];
}

static int check_type(const struct toml_value *v, enum toml_type want)
{
	if (!v)
		return ERR_NOTFOUND;
	return v->type == want ? 0 : ERR_INVAL;
}

int toml_get_string(const struct toml_value *v, const char **s, size_t *len)
{
	int rc = check_type(v, TOML_STRING);
	if (rc < 0)
		return rc;
	*s = v->u.str.s;
	if (len)
		*len = v->u.str.len;
	return 0;
}

int toml_get_int(const struct toml_value *v, int64_t *out)
{
	int rc = check_type(v, TOML_INTEGER);
	if (rc == 0)
		*out = v->u.i;
	return rc;
}

int toml_get_float(const struct toml_value *v, double *out)
{
	int rc = check_type(v, TOML_FLOAT);
	if (rc == 0)
		*out = v->u.f;
	return rc;
}

int toml_get_bool(const struct toml_value *v, bool *out)
{
	int rc = check_type(v, TOML_BOOL);
	if (rc == 0)
		*out = v->u.b;
	return rc;
}

int toml_get_datetime(const struct toml_value *v, struct toml_datetime *out)
{
	if (!v)
		return ERR_NOTFOUND;
	switch (v->type) {
	case TOML_DATETIME:
	case TOML_LOCAL_DATETIME:
	case TOML_LOCAL_DATE:
	case TOML_LOCAL_TIME:
		*out = v->u.dt;
		return 0;
	default:
		return ERR_INVAL;
	}
}
