/*
 * toml_parse.c - document structure of TOML 1.0: the cursor, keys, [tables],
 * [[arrays of tables]], key = value pairs, arrays and inline tables.
 * Scalars (strings, numbers, booleans, dates) are in toml_scalar.c.
 *
 * Which table may be added to, and how, follows TOML 1.0's "Keys", "Table",
 * "Inline Table" and "Array of Tables" sections; the state of each table
 * (enum toml_table_state) records how it was created.
 */
#include "lib/toml/toml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/limits.h"
#include "lib/toml/toml_impl.h"
#include "lib/util/err.h"

static const struct toml_pos toml_no_pos = {0, 0};

int toml_peek(const struct toml_parser *p, size_t ahead)
{
	const struct toml_cur *c = &p->cur;
	if (ahead >= c->len - c->pos)
		return -1;
	return c->p[c->pos + ahead];
}

/* Every byte the parser consumes passes here, so the position of the next
 * byte is always known. Continuation bytes of UTF-8 do not start a new
 * column. */
void toml_adv(struct toml_parser *p, size_t n)
{
	struct toml_cur *c = &p->cur;
	while (n-- > 0 && c->pos < c->len) {
		uint8_t b = c->p[c->pos++];
		if (b == '\n') {
			c->at.line++;
			c->at.column = 1;
		} else if ((b & 0xC0) != 0x80) {
			c->at.column++;
		}
	}
}

int toml_fail(struct toml_parser *p, int code, struct toml_pos at, const char *fmt, ...)
{
	struct toml_error *e = p->err;
	e->code = code;
	e->pos = at;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

const char *toml_key_text(const char *key, size_t len, char *buf, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = (uint8_t)key[i];
		/* Room for this character (up to 4 bytes), "..." and NUL. */
		if (o + 8 > size) {
			if ((b & 0xC0) == 0x80) {
				/* Do not cut a character in two: drop its start. */
				while (o > 0 && ((uint8_t)buf[o - 1] & 0xC0) == 0x80)
					o--;
				if (o > 0)
					o--;
			}
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		buf[o++] = (b < 0x20 || b == 0x7F) ? '?' : (char)b;
	}
	buf[o] = '\0';
	return buf;
}

const char *toml_char_text(const struct toml_parser *p, char *buf, size_t size)
{
	int c = toml_peek(p, 0);
	if (c < 0)
		return "end of file";
	if (c == '\n' || (c == '\r' && toml_peek(p, 1) == '\n'))
		return "end of line";
	if (c > 0x20 && c < 0x7F) {
		snprintf(buf, size, "'%c'", c);
		return buf;
	}
	uint32_t cp = (uint32_t)c;
	if (c >= 0xC0) {
		/* The input is valid UTF-8 (checked first), so decode it. */
		int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
		cp = (uint32_t)c & (0x3Fu >> n);
		for (int i = 1; i <= n; i++)
			cp = (cp << 6) | ((uint32_t)toml_peek(p, (size_t)i) & 0x3F);
	}
	snprintf(buf, size, "U+%04X", (unsigned)cp);
	return buf;
}

static int fail_unexpected(struct toml_parser *p, const char *what)
{
	char cb[16];
	return toml_fail(p, ERR_SYNTAX, p->cur.at, "expected %s, found %s", what,
		toml_char_text(p, cb, sizeof(cb)));
}

/* ---- UTF-8 ---- */

/* Offset of the first byte that does not start a valid UTF-8 sequence
 * (overlong forms, surrogates and code points above U+10FFFF are invalid,
 * RFC 3629 §4), or len when all is valid. */
static size_t utf8_invalid_at(const uint8_t *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint8_t c = s[i];
		size_t n;
		uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			lo = c == 0xE0 ? 0xA0 : 0x80;
			hi = c == 0xED ? 0x9F : 0xBF;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			lo = c == 0xF0 ? 0x90 : 0x80;
			hi = c == 0xF4 ? 0x8F : 0xBF;
		} else {
			return i;
		}
		if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (size_t k = 2; k <= n; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
		i += n + 1;
	}
	return len;
}

static int check_utf8(struct toml_parser *p)
{
	size_t bad = utf8_invalid_at(p->cur.p, p->cur.len);
	if (bad == p->cur.len)
		return 0;
	/* Walk a copy of the cursor there to report the position. */
	struct toml_cur save = p->cur;
	toml_adv(p, bad);
	struct toml_pos at = p->cur.at;
	p->cur = save;
	return toml_fail(p, ERR_SYNTAX, at, "invalid UTF-8 (byte 0x%02X)", p->cur.p[bad]);
}

/* ---- whitespace, comments, line ends ---- */

static void skip_ws(struct toml_parser *p)
{
	int c;
	while ((c = toml_peek(p, 0)) == ' ' || c == '\t')
		toml_adv(p, 1);
}

/* At '#': a comment runs to the end of the line and may hold no control
 * character but tab (TOML 1.0 "Comment"). */
static int skip_comment(struct toml_parser *p)
{
	toml_adv(p, 1);
	for (;;) {
		int c = toml_peek(p, 0);
		if (c < 0 || c == '\n')
			return 0;
		if (c == '\r' && toml_peek(p, 1) == '\n')
			return 0;
		if ((c < 0x20 && c != '\t') || c == 0x7F)
			return toml_fail(p, ERR_SYNTAX, p->cur.at,
				"control character U+%04X is not allowed in a comment", c);
		toml_adv(p, 1);
	}
}

/* Consumes LF or CRLF; returns 1 if there was one, 0 if not. */
static int eat_newline(struct toml_parser *p)
{
	int c = toml_peek(p, 0);
	if (c == '\n') {
		toml_adv(p, 1);
		return 1;
	}
	if (c == '\r' && toml_peek(p, 1) == '\n') {
		toml_adv(p, 2);
		return 1;
	}
	return 0;
}

/* Whitespace, newlines and comments, as allowed between array elements. */
static int skip_ws_nl_comments(struct toml_parser *p)
{
	for (;;) {
		skip_ws(p);
		if (toml_peek(p, 0) == '#') {
			int rc = skip_comment(p);
			if (rc < 0)
				return rc;
		}
		if (!eat_newline(p))
			return 0;
	}
}

/* After a key = value pair or a table header only a comment may follow on
 * the same line. */
static int end_line(struct toml_parser *p, const char *after)
{
	skip_ws(p);
	if (toml_peek(p, 0) == '#') {
		int rc = skip_comment(p);
		if (rc < 0)
			return rc;
	}
	if (toml_peek(p, 0) < 0 || eat_newline(p))
		return 0;
	char cb[16];
	return toml_fail(p, ERR_SYNTAX, p->cur.at, "expected end of line after %s, found %s", after,
		toml_char_text(p, cb, sizeof(cb)));
}

/* ---- keys ---- */

static bool is_bare_key_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		c == '_' || c == '-';
}

/* One part of a key: bare, "basic" or 'literal'. The text goes into the
 * arena. */
static int read_simple_key(struct toml_parser *p, struct toml_key *k)
{
	k->pos = p->cur.at;
	int c = toml_peek(p, 0);
	const char *src;
	size_t len;
	if (c == '"' || c == '\'') {
		int rc = toml_quoted_key(p);
		if (rc < 0)
			return rc;
		src = (const char *)p->scratch.data;
		len = p->scratch.len;
	} else {
		size_t n = 0;
		while (is_bare_key_char(toml_peek(p, n)))
			n++;
		if (n == 0)
			return fail_unexpected(p, "a key");
		src = (const char *)p->cur.p + p->cur.pos;
		len = n;
		toml_adv(p, n);
	}
	char *name = arena_alloc(p->arena, len + 1);
	if (!name)
		return ERR_NOMEM;
	if (len)
		memcpy(name, src, len);
	name[len] = '\0';
	k->name = name;
	k->len = len;
	return 0;
}

/* How one step along a dotted key or a header path moves into a table. */
typedef int (*key_step_fn)(struct toml_parser *p, struct toml_value **t, const struct toml_key *k);

/*
 * Reads a dotted key. Each part but the last is resolved at once through
 * step(), which moves *t down to the table the last part belongs to; the
 * last part goes to *last. Resolving as we go needs no list of parts.
 */
static int read_key(
	struct toml_parser *p, struct toml_value **t, struct toml_key *last, key_step_fn step)
{
	for (;;) {
		int rc = read_simple_key(p, last);
		if (rc < 0)
			return rc;
		skip_ws(p);
		if (toml_peek(p, 0) != '.')
			return 0;
		toml_adv(p, 1);
		skip_ws(p);
		rc = step(p, t, last);
		if (rc < 0)
			return rc;
	}
}

/* ---- tables ---- */

static struct toml_value *new_container(struct toml_parser *p, enum toml_type type,
	struct toml_pos pos, const struct toml_value *parent, int *rc)
{
	if (parent->depth >= LIMIT_TOML_DEPTH) {
		*rc = toml_fail(p, ERR_LIMIT, pos,
			"nesting deeper than %d levels (LIMIT_TOML_DEPTH)", LIMIT_TOML_DEPTH);
		return NULL;
	}
	struct toml_value *v = toml_node_new(p->arena, type, pos);
	if (!v) {
		*rc = ERR_NOMEM;
		return NULL;
	}
	v->depth = (uint16_t)(parent->depth + 1);
	*rc = 0;
	return v;
}

/* A new table under t, named k. */
static int add_table(struct toml_parser *p, struct toml_value *t, const struct toml_key *k,
	enum toml_table_state state, struct toml_pos pos, struct toml_value **out)
{
	int rc;
	struct toml_value *n = new_container(p, TOML_TABLE, pos, t, &rc);
	if (!n)
		return rc;
	n->state = (uint8_t)state;
	rc = toml_table_add(p->arena, t, k, n);
	*out = n;
	return rc;
}

static int fail_not_table(
	struct toml_parser *p, const struct toml_key *k, const struct toml_value *v)
{
	char kb[64];
	enum toml_type t = (enum toml_type)v->type;
	return toml_fail(p, ERR_EXISTS, k->pos, "key '%s' is %s %s (line %u), not a table",
		toml_key_text(k->name, k->len, kb, sizeof(kb)), toml_type_article(t),
		toml_type_name(t), (unsigned)v->pos.line);
}

static int fail_closed(struct toml_parser *p, const struct toml_key *k, const char *why)
{
	char kb[64];
	return toml_fail(p, ERR_EXISTS, k->pos, "cannot add to table '%s': %s",
		toml_key_text(k->name, k->len, kb, sizeof(kb)), why);
}

/* Step of a dotted key a.b = 1: it creates tables, or extends tables that
 * dotted keys created, but may not reach into a table that a [header]
 * defined or into an inline table. */
static int dotted_step(struct toml_parser *p, struct toml_value **t, const struct toml_key *k)
{
	struct toml_value *v = toml_table_find(*t, k->name, k->len);
	if (!v)
		return add_table(p, *t, k, TOML_TBL_DOTTED, k->pos, t);
	if (v->type != TOML_TABLE)
		return fail_not_table(p, k, v);
	if (v->flags & TOML_F_FROZEN)
		return fail_closed(p, k, "an inline table is complete as written");
	if (v->state == TOML_TBL_DEFINED)
		return fail_closed(p, k, "it is defined by a [table] header elsewhere");
	/* Now defined by dotted keys: a later [header] may not define it. */
	v->state = TOML_TBL_DOTTED;
	*t = v;
	return 0;
}

/* Step of a [a.b.c] or [[a.b.c]] header: it walks through any table but
 * an inline one, creating missing ones, and into the last table of an
 * array of tables. */
static int header_step(struct toml_parser *p, struct toml_value **t, const struct toml_key *k)
{
	struct toml_value *v = toml_table_find(*t, k->name, k->len);
	if (!v)
		return add_table(p, *t, k, TOML_TBL_IMPLICIT, k->pos, t);
	if (v->type == TOML_ARRAY) {
		if (!(v->flags & TOML_F_AOT))
			return fail_closed(p, k, "it is a static array");
		v = v->u.arr.v[v->u.arr.len - 1]; /* [[header]] arrays are never empty */
	} else if (v->type != TOML_TABLE) {
		return fail_not_table(p, k, v);
	}
	if (v->flags & TOML_F_FROZEN)
		return fail_closed(p, k, "an inline table is complete as written");
	*t = v;
	return 0;
}

/* [a.b.c]: defines table c, unless it exists already as anything but a
 * table that headers created implicitly. */
static int define_table(
	struct toml_parser *p, struct toml_value *t, const struct toml_key *k, struct toml_pos at)
{
	struct toml_value *v = toml_table_find(t, k->name, k->len);
	if (!v)
		return add_table(p, t, k, TOML_TBL_DEFINED, at, &p->cur_table);
	char kb[64];
	toml_key_text(k->name, k->len, kb, sizeof(kb));
	if (v->type != TOML_TABLE)
		return fail_not_table(p, k, v);
	if ((v->flags & TOML_F_FROZEN) || v->state != TOML_TBL_IMPLICIT)
		return toml_fail(p, ERR_EXISTS, k->pos, "table '%s' is already defined (line %u)",
			kb, (unsigned)v->pos.line);
	v->state = TOML_TBL_DEFINED;
	v->pos = at;
	p->cur_table = v;
	return 0;
}

/* [[a.b.c]]: appends a new table to the array of tables c. */
static int append_table(
	struct toml_parser *p, struct toml_value *t, const struct toml_key *k, struct toml_pos at)
{
	struct toml_value *arr = toml_table_find(t, k->name, k->len);
	int rc;
	if (!arr) {
		arr = new_container(p, TOML_ARRAY, at, t, &rc);
		if (!arr)
			return rc;
		arr->flags |= TOML_F_AOT;
		rc = toml_table_add(p->arena, t, k, arr);
		if (rc < 0)
			return rc;
	} else if (arr->type != TOML_ARRAY || !(arr->flags & TOML_F_AOT)) {
		char kb[64];
		enum toml_type ty = (enum toml_type)arr->type;
		return toml_fail(p, ERR_EXISTS, k->pos,
			"key '%s' is already %s %s (line %u), not an array of tables",
			toml_key_text(k->name, k->len, kb, sizeof(kb)),
			ty == TOML_ARRAY ? "a" : toml_type_article(ty),
			ty == TOML_ARRAY ? "static array" : toml_type_name(ty),
			(unsigned)arr->pos.line);
	}
	struct toml_value *n = new_container(p, TOML_TABLE, at, arr, &rc);
	if (!n)
		return rc;
	n->state = TOML_TBL_DEFINED;
	p->cur_table = n;
	return toml_array_push(p->arena, arr, n);
}

/* At '[': a [table] or [[array of tables]] header. */
static int parse_header(struct toml_parser *p)
{
	struct toml_pos at = p->cur.at;
	bool aot = toml_peek(p, 1) == '[';
	toml_adv(p, aot ? 2 : 1);
	skip_ws(p);
	struct toml_value *t = p->root;
	struct toml_key k;
	int rc = read_key(p, &t, &k, header_step);
	if (rc < 0)
		return rc;
	if (toml_peek(p, 0) != ']' || (aot && toml_peek(p, 1) != ']'))
		return fail_unexpected(
			p, aot ? "']]' to close the header" : "']' to close the header");
	toml_adv(p, aot ? 2 : 1);
	rc = aot ? append_table(p, t, &k, at) : define_table(p, t, &k, at);
	if (rc < 0)
		return rc;
	return end_line(p, "table header");
}

/* ---- values ---- */

static int parse_value(
	struct toml_parser *p, const struct toml_value *parent, struct toml_value **out);

static int parse_array(
	struct toml_parser *p, const struct toml_value *parent, struct toml_value **out)
{
	struct toml_pos open = p->cur.at;
	int rc;
	struct toml_value *arr = new_container(p, TOML_ARRAY, open, parent, &rc);
	if (!arr)
		return rc;
	toml_adv(p, 1);
	for (;;) {
		if ((rc = skip_ws_nl_comments(p)) < 0)
			return rc;
		if (toml_peek(p, 0) == ']')
			break;
		struct toml_value *v;
		if ((rc = parse_value(p, arr, &v)) < 0)
			return rc;
		if ((rc = toml_array_push(p->arena, arr, v)) < 0)
			return rc;
		if ((rc = skip_ws_nl_comments(p)) < 0)
			return rc;
		if (toml_peek(p, 0) == ',') {
			toml_adv(p, 1);
		} else if (toml_peek(p, 0) != ']') {
			if (toml_peek(p, 0) < 0)
				return toml_fail(p, ERR_SYNTAX, open, "unterminated array");
			return fail_unexpected(p, "',' or ']' in array");
		}
	}
	toml_adv(p, 1);
	*out = arr;
	return 0;
}

static int parse_keyval(struct toml_parser *p, struct toml_value *t);

/* Inline tables sit on one line and take no trailing comma (TOML 1.0
 * "Inline Table"); once closed they cannot be extended. */
static int parse_inline_table(
	struct toml_parser *p, const struct toml_value *parent, struct toml_value **out)
{
	struct toml_pos open = p->cur.at;
	int rc;
	struct toml_value *t = new_container(p, TOML_TABLE, open, parent, &rc);
	if (!t)
		return rc;
	t->state = TOML_TBL_DEFINED;
	toml_adv(p, 1);
	skip_ws(p);
	if (toml_peek(p, 0) == '}') {
		toml_adv(p, 1);
		t->flags |= TOML_F_FROZEN;
		*out = t;
		return 0;
	}
	for (;;) {
		if (toml_peek(p, 0) == '}')
			return toml_fail(p, ERR_SYNTAX, p->cur.at,
				"trailing comma is not allowed in an inline table");
		if ((rc = parse_keyval(p, t)) < 0)
			return rc;
		skip_ws(p);
		int c = toml_peek(p, 0);
		if (c == '}') {
			toml_adv(p, 1);
			break;
		}
		if (c < 0)
			return toml_fail(p, ERR_SYNTAX, open, "unterminated inline table");
		if (c == '\n' || c == '\r')
			return toml_fail(p, ERR_SYNTAX, p->cur.at,
				"newline is not allowed in an inline table");
		if (c != ',')
			return fail_unexpected(p, "',' or '}' in inline table");
		toml_adv(p, 1);
		skip_ws(p);
	}
	t->flags |= TOML_F_FROZEN;
	*out = t;
	return 0;
}

static int parse_value(
	struct toml_parser *p, const struct toml_value *parent, struct toml_value **out)
{
	int c = toml_peek(p, 0);
	if (c == '[')
		return parse_array(p, parent, out);
	if (c == '{')
		return parse_inline_table(p, parent, out);
	struct toml_value *v = toml_node_new(p->arena, TOML_NONE, p->cur.at);
	if (!v)
		return ERR_NOMEM;
	v->depth = (uint16_t)(parent->depth + 1);
	int rc = toml_scalar(p, v);
	*out = v;
	return rc;
}

/* key = value, added to table t (or below it, for a dotted key). */
static int parse_keyval(struct toml_parser *p, struct toml_value *t)
{
	struct toml_key k;
	int rc = read_key(p, &t, &k, dotted_step);
	if (rc < 0)
		return rc;
	const struct toml_entry *old = toml_table_entry(t, k.name, k.len);
	if (old) {
		char kb[64];
		return toml_fail(p, ERR_EXISTS, k.pos,
			"duplicate key '%s' (first defined at %u:%u)",
			toml_key_text(k.name, k.len, kb, sizeof(kb)), (unsigned)old->key.pos.line,
			(unsigned)old->key.pos.column);
	}
	if (toml_peek(p, 0) != '=')
		return fail_unexpected(p, "'=' after the key");
	toml_adv(p, 1);
	skip_ws(p);
	struct toml_value *v;
	if ((rc = parse_value(p, t, &v)) < 0)
		return rc;
	return toml_table_add(p->arena, t, &k, v);
}

/* ---- document ---- */

static int parse_document(struct toml_parser *p)
{
	/* A UTF-8 byte order mark may start the document, nowhere else. */
	if (toml_peek(p, 0) == 0xEF && toml_peek(p, 1) == 0xBB && toml_peek(p, 2) == 0xBF) {
		toml_adv(p, 3);
		p->cur.at.column = 1; /* editors do not show it as a character */
	}
	for (;;) {
		skip_ws(p);
		int c = toml_peek(p, 0);
		int rc = 0;
		if (c < 0)
			return 0;
		if (c == '[')
			rc = parse_header(p);
		else if (c == '#' || c == '\n' || c == '\r')
			rc = end_line(p, "whitespace");
		else if ((rc = parse_keyval(p, p->cur_table)) == 0)
			rc = end_line(p, "value");
		if (rc < 0)
			return rc;
	}
}

static int parser_init(struct toml_parser *p, struct toml_doc *doc, const void *text, size_t len,
	struct toml_error *err)
{
	memset(p, 0, sizeof(*p));
	p->cur.p = text;
	p->cur.len = len;
	p->cur.at.line = 1;
	p->cur.at.column = 1;
	p->arena = &doc->arena;
	buf_init(&p->scratch, LIMIT_TOML_SIZE);
	p->err = err;
	p->root = &doc->root;
	p->cur_table = p->root;
	p->root->type = TOML_TABLE;
	p->root->flags = TOML_F_ROOT;
	p->root->state = TOML_TBL_DEFINED;
	return 0;
}

int toml_parse(const void *text, size_t len, struct toml_value **out, struct toml_error *err)
{
	struct toml_error dummy;
	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	struct toml_parser p = {.err = err};
	if (out)
		*out = NULL;
	if (!out || (!text && len))
		return toml_fail(&p, ERR_INVAL, toml_no_pos, "invalid argument");
	if (len > LIMIT_TOML_SIZE)
		return toml_fail(&p, ERR_LIMIT, toml_no_pos,
			"document is larger than %lu bytes (LIMIT_TOML_SIZE)",
			(unsigned long)LIMIT_TOML_SIZE);
	struct toml_doc *doc = calloc(1, sizeof(*doc));
	if (!doc)
		return toml_fail(&p, ERR_NOMEM, toml_no_pos, "out of memory");
	arena_init(&doc->arena, 0);
	parser_init(&p, doc, text ? text : "", len, err);
	int rc = check_utf8(&p);
	if (rc == 0)
		rc = parse_document(&p);
	buf_deinit(&p.scratch);
	if (p.c_locale)
		freelocale(p.c_locale);
	if (rc < 0) {
		if (!err->msg[0]) /* failures of the tree code carry no text */
			toml_fail(&p, rc, p.cur.at, "%s", err_str(rc));
		arena_deinit(&doc->arena);
		free(doc);
		return rc;
	}
	*out = &doc->root;
	return 0;
}
