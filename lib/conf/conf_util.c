/* conf_util.c - schema walking shared by the config and policy parsers (see conf_util.h). */
#include "lib/conf/conf_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/err.h"
#include "lib/util/timespan.h"

/* One message line, before it is cut to the caller's buffer. */
#define LINE_SIZE 768

/* Appends s to the NUL-terminated text at out (room size), cut to fit. */
static void append(char *out, size_t size, const char *s)
{
	size_t o = strlen(out), n = strlen(s);
	if (n > size - 1 - o)
		n = size - 1 - o;
	memcpy(out + o, s, n);
	out[o + n] = 0;
}

/* "PATH.KEY", the path alone when key is NULL, the key alone at the root. */
static void dotted(char *out, size_t size, const struct conf_table *t, const char *key)
{
	const char *path = t ? t->path : "";
	out[0] = 0;
	append(out, size, path);
	if (key && path[0])
		append(out, size, ".");
	if (key)
		append(out, size, key);
}

static void vline(char *out, size_t size, struct conf_ctx *c, struct toml_pos pos,
	const struct conf_table *t, const char *key, const char *fmt, va_list ap)
	__attribute__((format(printf, 7, 0)));

static void vline(char *out, size_t size, struct conf_ctx *c, struct toml_pos pos,
	const struct conf_table *t, const char *key, const char *fmt, va_list ap)
{
	char where[48] = "";
	char name[LINE_SIZE / 2] = "";
	char text[LINE_SIZE / 2];
	if (pos.line)
		snprintf(where, sizeof(where), ":%u:%u", (unsigned)pos.line, (unsigned)pos.column);
	if (key) {
		char d[LINE_SIZE / 2 - 16];
		dotted(d, sizeof(d), t, key);
		snprintf(name, sizeof(name), "key '%s': ", d);
	}
	vsnprintf(text, sizeof(text), fmt, ap);
	snprintf(out, size, "%s%s: %s%s", c->fname, where, name, text);
}

int conf_fail(struct conf_ctx *c, struct toml_pos pos, const struct conf_table *t, const char *key,
	const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(c->err, c->err_size, c, pos, t, key, fmt, ap);
	va_end(ap);
	return ERR_INVAL;
}

int conf_warn(struct conf_ctx *c, struct toml_pos pos, const struct conf_table *t, const char *key,
	const char *fmt, ...)
{
	if (!c->warnings)
		return 0;
	char line[LINE_SIZE];
	va_list ap;
	va_start(ap, fmt);
	vline(line, sizeof(line), c, pos, t, key, fmt, ap);
	va_end(ap);
	int rc = buf_printf(c->warnings, "%s\n", line);
	return rc == 0 ? 0 : conf_nomem(c);
}

int conf_nomem(struct conf_ctx *c)
{
	snprintf(c->err, c->err_size, "%s: out of memory", c->fname);
	return ERR_NOMEM;
}

int conf_doc_parse(struct conf_ctx *c, const char *text, size_t len, struct toml_value **root)
{
	struct toml_error e;
	int rc = toml_parse(text, len, root, &e);
	if (rc == 0)
		return 0;
	if (rc == ERR_NOMEM)
		return conf_nomem(c);
	/* Any other refusal (duplicate keys, numbers out of range, caps) is a
	 * malformed document as far as the reader of the file is concerned. */
	conf_fail(c, e.pos, NULL, NULL, "%s", e.msg);
	return ERR_SYNTAX;
}

const struct toml_value *conf_get(const struct conf_table *t, const char *key)
{
	return t->t ? toml_table_get(t->t, key) : NULL;
}

struct toml_pos conf_pos(const struct conf_table *t, const char *key)
{
	return toml_value_pos(conf_get(t, key));
}

int conf_root(struct conf_ctx *c, const struct toml_value *root, struct conf_table *out)
{
	out->t = root;
	out->path[0] = 0;
	const char *v;
	if (!conf_get(out, "version"))
		return conf_fail(c, (struct toml_pos){0, 0}, out, "version",
			"missing; it is required and must be \"v1\"");
	int rc = conf_str(c, out, "version", true, &v);
	if (rc < 0)
		return rc;
	if (strcmp(v, "v1") != 0) {
		char q[CONF_QUOTE_MAX + 16];
		conf_quote(v, strlen(v), q, sizeof(q));
		return conf_fail(c, conf_pos(out, "version"), out, "version",
			"unsupported version %s; it must be \"v1\"", q);
	}
	return 0;
}

/* A key as TOML would write it: bare when it can be, else quoted. */
static void key_text(const struct toml_key *k, char *out, size_t size)
{
	bool bare = k->len > 0;
	for (size_t i = 0; i < k->len && bare; i++) {
		char ch = k->name[i];
		bare = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
	}
	if (bare)
		snprintf(out, size, "%s", k->name);
	else
		conf_quote(k->name, k->len, out, size);
}

/* Whether a and b differ only in case and in '_' for '-' (a likely slip). */
static bool near_miss(const struct toml_key *k, const char *known)
{
	if (strlen(known) != k->len)
		return false;
	for (size_t i = 0; i < k->len; i++) {
		char a = k->name[i], b = known[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (a == '_')
			a = '-';
		if (a != b)
			return false;
	}
	return true;
}

int conf_check_keys(struct conf_ctx *c, const struct conf_table *t, const char *const *known)
{
	struct toml_key k;
	for (size_t i = 0; i < toml_table_len(t->t); i++) {
		toml_table_at(t->t, i, &k);
		const char *hint = NULL;
		bool found = false;
		for (size_t j = 0; known[j] && !found; j++) {
			found = strlen(known[j]) == k.len && memcmp(known[j], k.name, k.len) == 0;
			if (!hint && near_miss(&k, known[j]))
				hint = known[j];
		}
		if (found)
			continue;
		char name[CONF_QUOTE_MAX + 16], d[CONF_PATH_SIZE + CONF_QUOTE_MAX + 16];
		key_text(&k, name, sizeof(name));
		dotted(d, sizeof(d), t, name);
		if (hint)
			return conf_fail(c, k.pos, NULL, NULL,
				"unknown key '%s' (did you mean '%s'?)", d, hint);
		return conf_fail(c, k.pos, NULL, NULL, "unknown key '%s'", d);
	}
	return 0;
}

/* "a string", "an integer", ... */
static const char *with_article(enum toml_type type, char *out, size_t size)
{
	const char *n = toml_type_name(type);
	bool vowel = strchr("aeiou", n[0]) != NULL;
	snprintf(out, size, "%s %s", vowel ? "an" : "a", n);
	return out;
}

int conf_fail_type(struct conf_ctx *c, const struct toml_value *v, const struct conf_table *t,
	const char *key, const char *expected)
{
	char found[40];
	return conf_fail(c, toml_value_pos(v), t, key, "expected %s, found %s", expected,
		with_article(toml_type_of(v), found, sizeof(found)));
}

int conf_sub(
	struct conf_ctx *c, const struct conf_table *t, const char *key, struct conf_table *out)
{
	const struct toml_value *v = conf_get(t, key);
	out->t = NULL;
	dotted(out->path, sizeof(out->path), t, key);
	if (v && toml_type_of(v) != TOML_TABLE)
		return conf_fail_type(c, v, t, key, "a table");
	out->t = v;
	return 0;
}

void conf_elem(const struct conf_table *t, const char *key, const struct toml_value *v,
	struct conf_table *out)
{
	out->t = v;
	dotted(out->path, sizeof(out->path), t, key);
}

int conf_str_value(struct conf_ctx *c, const struct toml_value *v, const struct conf_table *t,
	const char *key, bool allow_empty, const char **out)
{
	const char *s;
	size_t len;
	if (toml_get_string(v, &s, &len) != 0)
		return conf_fail_type(c, v, t, key, "a string");
	if (memchr(s, 0, len))
		return conf_fail(c, toml_value_pos(v), t, key, "must not contain NUL characters");
	if (len == 0 && !allow_empty)
		return conf_fail(c, toml_value_pos(v), t, key, "must not be empty");
	*out = s;
	return 0;
}

int conf_str(struct conf_ctx *c, const struct conf_table *t, const char *key, bool allow_empty,
	const char **out)
{
	const struct toml_value *v = conf_get(t, key);
	return v ? conf_str_value(c, v, t, key, allow_empty, out) : 0;
}

int conf_dup(struct conf_ctx *c, const struct conf_table *t, const char *key, bool allow_empty,
	char **field)
{
	const char *s = NULL;
	int rc = conf_str(c, t, key, allow_empty, &s);
	if (rc < 0 || !s)
		return rc;
	char *copy = strdup(s);
	if (!copy)
		return conf_nomem(c);
	free(*field);
	*field = copy;
	return 0;
}

int conf_bool(struct conf_ctx *c, const struct conf_table *t, const char *key, bool *out)
{
	const struct toml_value *v = conf_get(t, key);
	if (v && toml_get_bool(v, out) != 0)
		return conf_fail_type(c, v, t, key, "a boolean");
	return 0;
}

int conf_int(struct conf_ctx *c, const struct conf_table *t, const char *key, int64_t min,
	int64_t max, int64_t *out)
{
	const struct toml_value *v = conf_get(t, key);
	int64_t i;
	if (!v)
		return 0;
	if (toml_get_int(v, &i) != 0)
		return conf_fail_type(c, v, t, key, "an integer");
	if (i < min || i > max)
		return conf_fail(c, toml_value_pos(v), t, key,
			"%lld is out of range (%lld to %lld)", (long long)i, (long long)min,
			(long long)max);
	*out = i;
	return 0;
}

int conf_enum(struct conf_ctx *c, const struct conf_table *t, const char *key,
	const char *const *names, int *out)
{
	const char *s = NULL;
	int rc = conf_str(c, t, key, true, &s);
	if (rc < 0 || !s)
		return rc;
	for (int i = 0; names[i]; i++) {
		if (strcmp(names[i], s) == 0) {
			*out = i;
			return 0;
		}
	}
	struct buf list;
	buf_init(&list, 0);
	for (int i = 0; names[i]; i++)
		rc = rc ? rc : buf_printf(&list, "%s%s", i ? ", " : "", names[i]);
	if (rc == 0)
		rc = conf_fail(c, conf_pos(t, key), t, key, "expected one of %s", buf_cstr(&list));
	else
		rc = conf_nomem(c);
	buf_deinit(&list);
	return rc;
}

int conf_span(struct conf_ctx *c, const struct conf_table *t, const char *key, bool validity,
	int64_t *out)
{
	const struct toml_value *v = conf_get(t, key);
	char why[TIMESPAN_ERR_SIZE], q[CONF_QUOTE_MAX + 16];
	const char *s;
	size_t len;
	int64_t i;
	if (!v)
		return 0;
	if (toml_get_int(v, &i) == 0) {
		if (timespan_from_int(i, out, why, sizeof(why)) == 0)
			return 0;
		snprintf(q, sizeof(q), "%lld", (long long)i);
	} else if (toml_get_string(v, &s, &len) == 0) {
		int rc = validity ? timespan_parse_validity(s, len, out, why, sizeof(why))
				  : timespan_parse(s, len, out, why, sizeof(why));
		if (rc == 0)
			return 0;
		conf_quote(s, len, q, sizeof(q));
	} else {
		return conf_fail_type(c, v, t, key,
			validity ? "a duration (seconds, a string such as \"30d\", or \"forever\")"
				 : "a duration (seconds, or a string such as \"1d\")");
	}
	return conf_fail(c, toml_value_pos(v), t, key, "invalid duration %s: %s", q, why);
}

int conf_array(struct conf_ctx *c, const struct conf_table *t, const char *key,
	const struct toml_value **out)
{
	const struct toml_value *v = conf_get(t, key);
	if (v && toml_type_of(v) != TOML_ARRAY)
		return conf_fail_type(c, v, t, key, "an array");
	if (v)
		*out = v;
	return 0;
}

void conf_quote(const char *s, size_t len, char *out, size_t size)
{
	size_t o = 0;
	bool cut = len > CONF_QUOTE_MAX;
	if (cut)
		len = CONF_QUOTE_MAX;
	/* Each step writes at most 6 octets; room is kept for the end: "...". */
	if (size < 16) {
		out[0] = 0;
		return;
	}
	out[o++] = '"';
	for (size_t i = 0; i < len; i++) {
		if (o + 6 + 5 >= size) {
			cut = true;
			break;
		}
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			o += (size_t)snprintf(out + o, size - o, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	snprintf(out + o, size - o, "\"%s", cut ? "..." : "");
}

int conf_put_str(struct buf *out, const char *s)
{
	int rc = buf_append_byte(out, '"');
	for (; *s && rc == 0; s++) {
		unsigned char ch = (unsigned char)*s;
		switch (ch) {
		case '"':
			rc = buf_append_str(out, "\\\"");
			break;
		case '\\':
			rc = buf_append_str(out, "\\\\");
			break;
		case '\n':
			rc = buf_append_str(out, "\\n");
			break;
		case '\t':
			rc = buf_append_str(out, "\\t");
			break;
		default:
			/* TOML 1.0 forbids the other control characters in a basic
			 * string; \uXXXX writes them. */
			if (ch < 0x20 || ch == 0x7f)
				rc = buf_printf(out, "\\u%04X", ch);
			else
				rc = buf_append_byte(out, ch);
		}
	}
	return rc ? rc : buf_append_byte(out, '"');
}

int conf_put_span(struct buf *out, int64_t secs)
{
	char text[TIMESPAN_FORMAT_SIZE];
	int rc = timespan_format(secs, text, sizeof(text));
	return rc < 0 ? rc : conf_put_str(out, text);
}
