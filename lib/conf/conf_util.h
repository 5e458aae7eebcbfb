/*
 * conf_util.h - the schema walking shared by the config and policy parsers.
 *
 * Both files are TOML documents whose tables and keys are fixed by a schema
 * (cascade-spec.md §10, §11.3). This module reads one such document: it
 * turns TOML syntax errors into "FILE:LINE:COL: text" messages, checks the
 * keys of each table against the list the schema allows, and reads typed
 * values, every failure written as "FILE:LINE:COL: key 'a.b.c': text" with
 * the full dotted key. Warnings (values accepted but doubtful) go, in the
 * same form and one line each, to a buffer.
 *
 * Getters leave their output untouched when the key is absent, so the
 * caller fills a struct with defaults first and lets the file override
 * them. They return 0 (present and valid, or absent), or ERR_INVAL or
 * ERR_NOMEM with the message written.
 *
 * Ownership: a struct conf_ctx borrows its file name, error buffer and
 * warning buffer; a struct conf_table borrows its TOML table (owned by the
 * tree from conf_doc_parse(), freed with toml_free()). Strings that getters
 * return point into that tree, except conf_dup()'s, which are malloc'd.
 * Pure; thread-safe for distinct contexts.
 */
#ifndef CASCADE_CONF_CONF_UTIL_H
#define CASCADE_CONF_CONF_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/toml/toml.h"
#include "lib/util/buf.h"

/* Room for the dotted path of a table of the schema ("key-manager.records.cds"). */
#define CONF_PATH_SIZE 64
/* Longest value text quoted in a message; longer values are cut with "...". */
#define CONF_QUOTE_MAX 64

struct conf_ctx {
	const char *fname;    /* names the file in messages */
	char *err;	      /* the error message goes here */
	size_t err_size;      /* room in err (> 0) */
	struct buf *warnings; /* NULL: warnings are dropped */
};

/* A table of the document, with its dotted path. t is NULL when the file
 * does not have the table; getters then find nothing. */
struct conf_table {
	const struct toml_value *t;
	char path[CONF_PATH_SIZE]; /* "" for the root */
};

/* Parses text as TOML into *root (the caller's, freed with toml_free()).
 * 0, ERR_SYNTAX for anything malformed (the TOML parser's message with its
 * place) or ERR_NOMEM. */
int conf_doc_parse(struct conf_ctx *c, const char *text, size_t len, struct toml_value **root);

/* The root table of a parsed document, with `version = "v1"` checked
 * (required in both files, cascade-spec §10, §11.1). */
int conf_root(struct conf_ctx *c, const struct toml_value *root, struct conf_table *out);

/* Writes "FILE:LINE:COL: key 'PATH.KEY': " and the text to c->err, without
 * the line and column when pos.line is 0, and without the key part when
 * key is NULL. Returns ERR_INVAL. */
int conf_fail(struct conf_ctx *c, struct toml_pos pos, const struct conf_table *t, const char *key,
	const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The same line, ended by '\n', appended to c->warnings. Returns 0, or
 * ERR_NOMEM (with c->err set) when the buffer cannot grow. */
int conf_warn(struct conf_ctx *c, struct toml_pos pos, const struct conf_table *t, const char *key,
	const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* "out of memory" into c->err; returns ERR_NOMEM. */
int conf_nomem(struct conf_ctx *c);

/* Every key of t must be one of known (a NULL-terminated list); the first
 * that is not is an error at its place: "unknown key 'signer.foo'". */
int conf_check_keys(struct conf_ctx *c, const struct conf_table *t, const char *const *known);

/* The sub-table key of t into out (out->t NULL when absent). A value of
 * another type is an error. */
int conf_sub(
	struct conf_ctx *c, const struct conf_table *t, const char *key, struct conf_table *out);

/* A table found inside the array at key of t (an element v of it), named
 * in messages by the array's path: "server.servers.addr". */
void conf_elem(const struct conf_table *t, const char *key, const struct toml_value *v,
	struct conf_table *out);

/* The value of key in t, or NULL; and where it is written ({0,0} if absent). */
const struct toml_value *conf_get(const struct conf_table *t, const char *key);
struct toml_pos conf_pos(const struct conf_table *t, const char *key);

/* "expected a string, found an integer" for v at its place. Returns ERR_INVAL. */
int conf_fail_type(struct conf_ctx *c, const struct toml_value *v, const struct conf_table *t,
	const char *key, const char *expected);

/* A string without NUL octets, empty only when allow_empty; *out points
 * into the tree. */
int conf_str(struct conf_ctx *c, const struct conf_table *t, const char *key, bool allow_empty,
	const char **out);
/* The same check for a value already in hand (an array element). */
int conf_str_value(struct conf_ctx *c, const struct toml_value *v, const struct conf_table *t,
	const char *key, bool allow_empty, const char **out);
/* conf_str(), then a malloc'd copy replaces *field (the old one freed). */
int conf_dup(struct conf_ctx *c, const struct conf_table *t, const char *key, bool allow_empty,
	char **field);
int conf_bool(struct conf_ctx *c, const struct conf_table *t, const char *key, bool *out);
/* An integer from min to max. */
int conf_int(struct conf_ctx *c, const struct conf_table *t, const char *key, int64_t min,
	int64_t max, int64_t *out);
/* A string that is one of names (NULL-terminated); *out is its index.
 * Otherwise "expected one of a, b, c". */
int conf_enum(struct conf_ctx *c, const struct conf_table *t, const char *key,
	const char *const *names, int *out);
/* A duration (lib/util/timespan.h): an integer of seconds or a string;
 * with validity also "forever" (TIMESPAN_FOREVER). */
int conf_span(struct conf_ctx *c, const struct conf_table *t, const char *key, bool validity,
	int64_t *out);
/* An array (its elements are the caller's to read). */
int conf_array(struct conf_ctx *c, const struct conf_table *t, const char *key,
	const struct toml_value **out);

/* s (len octets) as a double-quoted string for messages: quotes,
 * backslashes and control characters escaped, cut after CONF_QUOTE_MAX
 * octets. Always NUL-terminates out (size > 0). */
void conf_quote(const char *s, size_t len, char *out, size_t size);

/* Appends s as a TOML basic string ("..." with the escapes of TOML 1.0,
 * "String"). 0 or ERR_NOMEM / ERR_LIMIT from the buffer. */
int conf_put_str(struct buf *out, const char *s);
/* Appends a duration as a string timespan_parse() reads back ("1d 2h",
 * "forever"). */
int conf_put_span(struct buf *out, int64_t secs);

#endif
