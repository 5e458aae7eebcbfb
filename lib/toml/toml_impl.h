/*
 * toml_impl.h - internals shared by the files of lib/toml (tree, parser,
 * scalar readers). Not for use outside lib/toml.
 *
 * Every node, key and string of a tree lives in one arena owned by the
 * document, so a failed parse and toml_free() release everything at once.
 * The parser reads the input through struct toml_cur, which never reads
 * past len and keeps the line and column of the next byte.
 * Not thread-safe: one parser per thread.
 */
#ifndef CASCADE_TOML_TOML_IMPL_H
#define CASCADE_TOML_TOML_IMPL_H

#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/toml/toml.h"
#include "lib/util/arena.h"
#include "lib/util/buf.h"

/* How a table came to be; decides whether a [header] or a dotted key may
 * still add to it (TOML 1.0 "Table" and "Keys" sections). */
enum toml_table_state {
	TOML_TBL_IMPLICIT, /* created as a parent by a [a.b] or [[a.b]] header */
	TOML_TBL_DOTTED,   /* created or extended by a dotted key a.b = 1 */
	TOML_TBL_DEFINED,  /* defined by its own [header] or [[header]] */
};

#define TOML_F_FROZEN 0x01 /* inline table: closed to any later addition */
#define TOML_F_AOT 0x02	   /* array made by [[header]]: may grow */
#define TOML_F_ROOT 0x04   /* the document's root (struct toml_doc) */

struct toml_entry {
	struct toml_key key;
	struct toml_value *val;
	uint32_t hash;
};

struct toml_table {
	struct toml_entry *ent; /* document order */
	uint32_t len, cap;
	uint32_t *index; /* open addressing, entry number + 1; NULL while small */
	uint32_t index_cap;
};

struct toml_array {
	struct toml_value **v;
	uint32_t len, cap;
};

struct toml_string {
	char *s; /* NUL-terminated, may contain NUL */
	size_t len;
};

struct toml_value {
	uint8_t type;	/* enum toml_type */
	uint8_t flags;	/* TOML_F_* */
	uint8_t state;	/* enum toml_table_state, tables only */
	uint16_t depth; /* containers above this one; root is 0 */
	struct toml_pos pos;
	union {
		struct toml_table tab;
		struct toml_array arr;
		struct toml_string str;
		int64_t i;
		double f;
		bool b;
		struct toml_datetime dt;
	} u;
};

/* The root is the first member, so toml_free() can find the arena. */
struct toml_doc {
	struct toml_value root;
	struct arena arena;
};

struct toml_cur {
	const uint8_t *p;
	size_t len;
	size_t pos;
	struct toml_pos at; /* of p[pos] */
};

struct toml_parser {
	struct toml_cur cur;
	struct arena *arena;
	struct buf scratch; /* decoded string being built */
	struct toml_error *err;
	struct toml_value *root;
	struct toml_value *cur_table; /* where key = value pairs go */
	locale_t c_locale;	      /* for strtod_l; created on first float */
};

/* toml.c: tree building. */
struct toml_value *toml_node_new(struct arena *a, enum toml_type type, struct toml_pos pos);
struct toml_value *toml_table_find(struct toml_value *t, const char *key, size_t len);
const struct toml_entry *toml_table_entry(const struct toml_value *t, const char *key, size_t len);
/* "a" or "an", to go before toml_type_name(t) in a message. */
const char *toml_type_article(enum toml_type t);
/* Adds key (already in the arena) -> val; the caller has checked that key
 * is not there yet. */
int toml_table_add(
	struct arena *a, struct toml_value *t, const struct toml_key *key, struct toml_value *val);
int toml_array_push(struct arena *a, struct toml_value *arr, struct toml_value *val);

/* toml_parse.c: cursor and errors, used by toml_scalar.c too. */
int toml_peek(const struct toml_parser *p, size_t ahead);
void toml_adv(struct toml_parser *p, size_t n);
int toml_fail(struct toml_parser *p, int code, struct toml_pos at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A key made fit for a message: control characters become '?', long
 * keys are cut with "...". Writes to buf (size >= 8) and returns it. */
const char *toml_key_text(const char *key, size_t len, char *buf, size_t size);
/* The next character described for a message: "'x'", "U+00E9",
 * "end of line", "end of file". May use buf (size >= 16). */
const char *toml_char_text(const struct toml_parser *p, char *buf, size_t size);

/* toml_scalar.c: one value that is not an array or inline table, read
 * from the cursor into v (type and payload); the caller checks what
 * follows it. */
int toml_scalar(struct toml_parser *p, struct toml_value *v);
/* A basic or literal string of one line, used for quoted keys; the
 * result is decoded into p->scratch. */
int toml_quoted_key(struct toml_parser *p);

#endif
