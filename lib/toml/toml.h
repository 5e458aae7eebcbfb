/*
 * toml.h - strict TOML 1.0 parser (https://toml.io/en/v1.0.0).
 *
 * toml_parse() reads a whole document from a buffer into a read-only tree of
 * struct toml_value. Tables keep their keys in document order and can be
 * looked up by key; every value and every key remembers the line and column
 * (1-based, columns count characters) where it was written, so callers can
 * report "file:line:col: key 'x': reason".
 *
 * The parser rejects everything TOML 1.0 rejects (checked against the
 * toml-test suite), including invalid UTF-8, and enforces LIMIT_TOML_SIZE and
 * LIMIT_TOML_DEPTH from lib/limits.h.
 *
 * Ownership: the tree returned by toml_parse() belongs to the caller and is
 * released, all at once, by toml_free() on the root. Every pointer obtained
 * from it (values, keys, strings) stays valid until then and must not be
 * freed separately.
 * Thread-safety: parsing uses no shared state; a finished tree is read-only
 * and may be read from several threads at once.
 */
#ifndef CASCADE_TOML_TOML_H
#define CASCADE_TOML_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum toml_type {
	TOML_NONE = 0,	     /* what toml_type_of(NULL) returns */
	TOML_TABLE,	     /* [table], inline table or dotted-key table */
	TOML_ARRAY,	     /* [ ... ] or array of tables [[ ... ]] */
	TOML_STRING,	     /* any of the four string forms, decoded to UTF-8 */
	TOML_INTEGER,	     /* int64_t */
	TOML_FLOAT,	     /* double */
	TOML_BOOL,	     /* bool */
	TOML_DATETIME,	     /* offset date-time: 1979-05-27T07:32:00Z */
	TOML_LOCAL_DATETIME, /* 1979-05-27T07:32:00 */
	TOML_LOCAL_DATE,     /* 1979-05-27 */
	TOML_LOCAL_TIME,     /* 07:32:00 */
};

/* A place in the document. Both are 1-based; column counts characters. */
struct toml_pos {
	uint32_t line;
	uint32_t column;
};

/* The date and time fields of any of the four date/time types. Fields a
 * type does not have are 0 (a local time has no year, a local date no
 * hour). Fractions beyond nanoseconds are truncated, as TOML allows. */
struct toml_datetime {
	int year, month, day;
	int hour, minute, second; /* second may be 60 (RFC 3339 leap second) */
	uint32_t nanosecond;
	int offset_minutes; /* east of UTC; TOML_DATETIME only, Z is 0 */
};

/* Filled in when toml_parse() fails. msg says what is wrong, in words and
 * without the position, e.g. "duplicate key 'port'". pos is where; it is
 * {0,0} when the failure is not about a place (bad arguments, a document
 * over LIMIT_TOML_SIZE). */
struct toml_error {
	int code; /* same as toml_parse()'s return value */
	struct toml_pos pos;
	char msg[160];
};

/* A key of a table, as returned by toml_table_at(). name points into the
 * tree, is NUL-terminated, and may contain NUL bytes (from "\u0000"), so
 * len is the real length. */
struct toml_key {
	const char *name;
	size_t len;
	struct toml_pos pos;
};

struct toml_value;

/*
 * Parses len bytes of text (no NUL terminator needed; a leading UTF-8 BOM
 * is skipped). On success *out is the root table, owned by the caller, to
 * be released with toml_free(). On failure *out is NULL, *err (if err is
 * not NULL) says where and what, and the result is negative:
 * ERR_SYNTAX for malformed input (bad UTF-8 included), ERR_EXISTS for a
 * key or table defined twice, ERR_RANGE for a number or date out of range,
 * ERR_LIMIT when a cap of lib/limits.h is reached, ERR_NOMEM, ERR_INVAL.
 */
int toml_parse(const void *text, size_t len, struct toml_value **out, struct toml_error *err);

/* Releases a tree. root must be what toml_parse() returned (other values
 * of the tree are ignored); NULL is allowed. */
void toml_free(struct toml_value *root);

/* The type of v; TOML_NONE when v is NULL. */
enum toml_type toml_type_of(const struct toml_value *v);
/* Static text naming a type for messages: "table", "integer", ... */
const char *toml_type_name(enum toml_type t);
/* Where v was written: its first character, the [header] that defined a
 * table, or the key that first created an implicit table. {0,0} for NULL
 * and for the root. */
struct toml_pos toml_value_pos(const struct toml_value *v);

/* Tables. For a v that is not a table these return 0 / NULL. */
size_t toml_table_len(const struct toml_value *t);
/* Entry i in document order; its key goes to *key (when key is not NULL).
 * Returns NULL when i is out of range. */
const struct toml_value *toml_table_at(const struct toml_value *t, size_t i, struct toml_key *key);
/* The value of a key in t (one key, not a dotted path), or NULL. */
const struct toml_value *toml_table_get(const struct toml_value *t, const char *key);
/* The same for a key given with its length (it may contain NUL bytes). */
const struct toml_value *toml_table_getn(const struct toml_value *t, const char *key, size_t len);

/* Arrays. For a v that is not an array these return 0 / NULL. */
size_t toml_array_len(const struct toml_value *a);
const struct toml_value *toml_array_at(const struct toml_value *a, size_t i);

/*
 * Typed getters. They return 0 and store the value, ERR_NOTFOUND when v is
 * NULL (so toml_get_int(toml_table_get(t, "port"), &port) tells a missing
 * key apart), or ERR_INVAL when v has another type; *out is untouched on
 * error. No conversions: an integer is not a float.
 */
/* *s points into the tree, is NUL-terminated and may contain NUL bytes;
 * len may be NULL. */
int toml_get_string(const struct toml_value *v, const char **s, size_t *len);
int toml_get_int(const struct toml_value *v, int64_t *out);
int toml_get_float(const struct toml_value *v, double *out);
int toml_get_bool(const struct toml_value *v, bool *out);
/* Any of the four date/time types; toml_type_of() tells which. */
int toml_get_datetime(const struct toml_value *v, struct toml_datetime *out);

#endif
