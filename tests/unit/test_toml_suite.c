/*
 * Runs lib/toml against the toml-test suite (../shared/data/toml-test/tests,
 * found through $SRCDIR), using the cases its files-toml-1.0.0 list names.
 *
 * Valid cases: the parsed tree is written out in toml-test's tagged JSON
 * ({"type": "integer", "value": "42"}), read back with the small JSON reader
 * below together with the expected .json file, and the two are compared by
 * meaning: integers and floats as numbers, date/times field by field.
 * Invalid cases: toml_parse() must fail with a negative code, a message and
 * a position.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "lib/toml/toml.h"
#include "lib/util/buf.h"
#include "lib/util/err.h"

/* ---- files ---- */

static char *suite_dir(void)
{
	const char *src = getenv("SRCDIR");
	static char dir[2048];
	snprintf(dir, sizeof(dir), "%s/../shared/data/toml-test/tests", src ? src : ".");
	return dir;
}

/* Whole file, NUL-terminated (the parser does not need the NUL). */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b;
	buf_init(&b, 0);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_append(&b, chunk, n), 0);
	fclose(f);
	buf_cstr(&b);
	return (char *)buf_steal(&b, len);
}

/* ---- a small JSON reader: objects, arrays and strings are all that
 * toml-test's expected files contain ---- */

struct jv {
	char kind; /* 'o' object, 'a' array, 's' string */
	char *s;   /* string value */
	size_t slen;
	size_t n;      /* members or elements */
	char **keys;   /* object member names */
	size_t *klens; /* their lengths (keys may hold NUL) */
	struct jv **v; /* members or elements */
};

struct jr {
	const char *p, *end;
};

static void jr_ws(struct jr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int jr_hex4(struct jr *r, uint32_t *out)
{
	if (r->end - r->p < 4)
		return -1;
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		char c = *r->p++;
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct buf *b, uint32_t cp)
{
	if (cp < 0x80) {
		buf_append_byte(b, (uint8_t)cp);
	} else if (cp < 0x800) {
		buf_append_byte(b, (uint8_t)(0xC0 | cp >> 6));
		buf_append_byte(b, (uint8_t)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		buf_append_byte(b, (uint8_t)(0xE0 | cp >> 12));
		buf_append_byte(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
		buf_append_byte(b, (uint8_t)(0x80 | (cp & 0x3F)));
	} else {
		buf_append_byte(b, (uint8_t)(0xF0 | cp >> 18));
		buf_append_byte(b, (uint8_t)(0x80 | ((cp >> 12) & 0x3F)));
		buf_append_byte(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
		buf_append_byte(b, (uint8_t)(0x80 | (cp & 0x3F)));
	}
}

static int jr_escape(struct jr *r, struct buf *b)
{
	char c = *r->p++;
	const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
	const char *hit = c ? strchr(from, c) : NULL;
	if (hit) {
		buf_append_byte(b, (uint8_t)to[hit - from]);
		return 0;
	}
	uint32_t cp, lo;
	if (c != 'u' || jr_hex4(r, &cp) < 0)
		return -1;
	if (cp >= 0xD800 && cp < 0xDC00) { /* surrogate pair */
		if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
			return -1;
		r->p += 2;
		if (jr_hex4(r, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
			return -1;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	put_utf8(b, cp);
	return 0;
}

static int jr_string(struct jr *r, char **s, size_t *len)
{
	if (r->p >= r->end || *r->p != '"')
		return -1;
	r->p++;
	struct buf b;
	buf_init(&b, 0);
	while (r->p < r->end && *r->p != '"') {
		if (*r->p == '\\') {
			r->p++;
			if (r->p >= r->end || jr_escape(r, &b) < 0) {
				buf_deinit(&b);
				return -1;
			}
		} else {
			buf_append_byte(&b, (uint8_t)*r->p++);
		}
	}
	if (r->p >= r->end) {
		buf_deinit(&b);
		return -1;
	}
	r->p++;
	buf_cstr(&b);
	*s = (char *)buf_steal(&b, len);
	return 0;
}

static void jv_free(struct jv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		jv_free(v->v[i]);
	}
	free(v->keys);
	free(v->klens);
	free(v->v);
	free(v->s);
	free(v);
}

static struct jv *jr_value(struct jr *r, int depth);

/* Members of an object or elements of an array, up to close. */
static int jr_members(struct jr *r, struct jv *v, char close, int depth)
{
	jr_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return 0;
	}
	for (;;) {
		v->v = realloc(v->v, (v->n + 1) * sizeof(*v->v));
		if (close == '}') {
			v->keys = realloc(v->keys, (v->n + 1) * sizeof(*v->keys));
			v->klens = realloc(v->klens, (v->n + 1) * sizeof(*v->klens));
			jr_ws(r);
			if (jr_string(r, &v->keys[v->n], &v->klens[v->n]) < 0)
				return -1;
			jr_ws(r);
			if (r->p >= r->end || *r->p++ != ':') {
				free(v->keys[v->n]);
				return -1;
			}
		}
		v->v[v->n] = jr_value(r, depth + 1);
		v->n++;
		if (!v->v[v->n - 1])
			return -1;
		jr_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p++ == close)
			return 0;
		return -1;
	}
}

static struct jv *jr_value(struct jr *r, int depth)
{
	jr_ws(r);
	if (r->p >= r->end || depth > 200)
		return NULL;
	struct jv *v = calloc(1, sizeof(*v));
	char c = *r->p;
	int rc;
	if (c == '"') {
		v->kind = 's';
		rc = jr_string(r, &v->s, &v->slen);
	} else if (c == '{' || c == '[') {
		v->kind = c == '{' ? 'o' : 'a';
		r->p++;
		rc = jr_members(r, v, c == '{' ? '}' : ']', depth);
	} else {
		rc = -1;
	}
	if (rc < 0) {
		jv_free(v);
		return NULL;
	}
	return v;
}

static struct jv *json_parse(const char *s, size_t len)
{
	struct jr r = {s, s + len};
	struct jv *v = jr_value(&r, 0);
	jr_ws(&r);
	if (v && r.p != r.end) {
		jv_free(v);
		return NULL;
	}
	return v;
}

static struct jv *jv_get(const struct jv *o, const char *key)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->klens[i] == strlen(key) && memcmp(o->keys[i], key, o->klens[i]) == 0)
			return o->v[i];
	return NULL;
}

/* ---- the tree as tagged JSON ---- */

static void json_str(struct buf *b, const char *s, size_t len)
{
	buf_append_byte(b, '"');
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)s[i];
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7F)
			buf_printf(b, "\\u%04x", c);
		else
			buf_append_byte(b, c);
	}
	buf_append_byte(b, '"');
}

static void json_datetime(struct buf *b, const struct toml_value *v)
{
	struct toml_datetime d;
	enum toml_type t = toml_type_of(v);
	assert_int_equal(toml_get_datetime(v, &d), 0);
	if (t != TOML_LOCAL_TIME)
		buf_printf(b, "%04d-%02d-%02d", d.year, d.month, d.day);
	if (t == TOML_LOCAL_DATE)
		return;
	if (t != TOML_LOCAL_TIME)
		buf_append_byte(b, 'T');
	buf_printf(b, "%02d:%02d:%02d", d.hour, d.minute, d.second);
	if (d.nanosecond)
		buf_printf(b, ".%09u", (unsigned)d.nanosecond);
	if (t != TOML_DATETIME)
		return;
	if (d.offset_minutes == 0)
		buf_append_byte(b, 'Z');
	else
		buf_printf(b, "%c%02d:%02d", d.offset_minutes < 0 ? '-' : '+',
			abs(d.offset_minutes) / 60, abs(d.offset_minutes) % 60);
}

static const char *tag_of(enum toml_type t)
{
	switch (t) {
	case TOML_STRING:
		return "string";
	case TOML_INTEGER:
		return "integer";
	case TOML_FLOAT:
		return "float";
	case TOML_BOOL:
		return "bool";
	case TOML_DATETIME:
		return "datetime";
	case TOML_LOCAL_DATETIME:
		return "datetime-local";
	case TOML_LOCAL_DATE:
		return "date-local";
	case TOML_LOCAL_TIME:
		return "time-local";
	default:
		return "?";
	}
}

static void json_scalar(struct buf *b, const struct toml_value *v)
{
	enum toml_type t = toml_type_of(v);
	buf_printf(b, "{\"type\": \"%s\", \"value\": ", tag_of(t));
	const char *s;
	size_t len;
	int64_t i;
	double f;
	bool bo;
	if (toml_get_string(v, &s, &len) == 0) {
		json_str(b, s, len);
	} else if (toml_get_int(v, &i) == 0) {
		buf_printf(b, "\"%lld\"", (long long)i);
	} else if (toml_get_float(v, &f) == 0) {
		if (isnan(f))
			buf_append_str(b, "\"nan\"");
		else if (isinf(f))
			buf_append_str(b, f < 0 ? "\"-inf\"" : "\"inf\"");
		else
			buf_printf(b, "\"%.17g\"", f);
	} else if (toml_get_bool(v, &bo) == 0) {
		buf_append_str(b, bo ? "\"true\"" : "\"false\"");
	} else {
		buf_append_byte(b, '"');
		json_datetime(b, v);
		buf_append_byte(b, '"');
	}
	buf_append_byte(b, '}');
}

static void to_json(struct buf *b, const struct toml_value *v)
{
	if (toml_type_of(v) == TOML_TABLE) {
		buf_append_byte(b, '{');
		struct toml_key k;
		for (size_t i = 0; i < toml_table_len(v); i++) {
			const struct toml_value *e = toml_table_at(v, i, &k);
			buf_append_str(b, i ? ", " : "");
			json_str(b, k.name, k.len);
			buf_append_str(b, ": ");
			to_json(b, e);
		}
		buf_append_byte(b, '}');
	} else if (toml_type_of(v) == TOML_ARRAY) {
		buf_append_byte(b, '[');
		for (size_t i = 0; i < toml_array_len(v); i++) {
			buf_append_str(b, i ? ", " : "");
			to_json(b, toml_array_at(v, i));
		}
		buf_append_byte(b, ']');
	} else {
		json_scalar(b, v);
	}
}

/* ---- comparison by meaning ---- */

struct dtf {
	int f[6];
	long ns;
	int off; /* minutes */
	bool has_off;
};

/* toml-test writes date/times in RFC 3339 form; fractions may differ in
 * trailing zeros and "Z" is an offset of 0. */
static bool dt_fields(const char *s, const char *type, struct dtf *d)
{
	memset(d, 0, sizeof(*d));
	int n = 0;
	if (strcmp(type, "time-local") != 0) {
		if (sscanf(s, "%4d-%2d-%2d%n", &d->f[0], &d->f[1], &d->f[2], &n) != 3)
			return false;
		s += n;
		if (strcmp(type, "date-local") == 0)
			return *s == '\0';
		if (*s != 'T' && *s != 't' && *s != ' ')
			return false;
		s++;
	}
	if (sscanf(s, "%2d:%2d:%2d%n", &d->f[3], &d->f[4], &d->f[5], &n) != 3)
		return false;
	s += n;
	if (*s == '.') {
		long scale = 100000000;
		for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
			d->ns += (*s - '0') * scale;
	}
	if (*s == 'Z' || *s == 'z') {
		d->has_off = true;
		s++;
	} else if (*s == '+' || *s == '-') {
		int h, m;
		if (sscanf(s + 1, "%2d:%2d%n", &h, &m, &n) != 2)
			return false;
		d->has_off = true;
		d->off = (*s == '-' ? -1 : 1) * (h * 60 + m);
		s += 1 + n;
	}
	return *s == '\0';
}

static bool floats_equal(const char *a, const char *b)
{
	double x = strtod(a, NULL), y = strtod(b, NULL);
	if (isnan(x) || isnan(y))
		return isnan(x) && isnan(y);
	return x == y && signbit(x) == signbit(y);
}

static bool scalars_equal(const char *type, const struct jv *want, const struct jv *got)
{
	if (strcmp(type, "integer") == 0)
		return strtoll(want->s, NULL, 10) == strtoll(got->s, NULL, 10);
	if (strcmp(type, "float") == 0)
		return floats_equal(want->s, got->s);
	if (strcmp(type, "string") == 0 || strcmp(type, "bool") == 0)
		return want->slen == got->slen && memcmp(want->s, got->s, want->slen) == 0;
	struct dtf a, b;
	if (!dt_fields(want->s, type, &a) || !dt_fields(got->s, type, &b))
		return false;
	return memcmp(a.f, b.f, sizeof(a.f)) == 0 && a.ns == b.ns && a.off == b.off &&
		a.has_off == b.has_off && a.has_off == (strcmp(type, "datetime") == 0);
}

/* A tagged scalar is an object of exactly "type" and "value", both strings
 * (a table with those keys would hold objects, not strings). */
static bool is_tagged(const struct jv *v)
{
	if (v->kind != 'o' || v->n != 2)
		return false;
	const struct jv *t = jv_get(v, "type"), *val = jv_get(v, "value");
	return t && val && t->kind == 's' && val->kind == 's';
}

static bool jv_equal(const struct jv *want, const struct jv *got)
{
	if (want->kind != got->kind || want->n != got->n)
		return false;
	if (want->kind == 'a') {
		for (size_t i = 0; i < want->n; i++)
			if (!jv_equal(want->v[i], got->v[i]))
				return false;
		return true;
	}
	if (is_tagged(want) || is_tagged(got)) {
		if (!is_tagged(want) || !is_tagged(got))
			return false;
		const char *wt = jv_get(want, "type")->s, *gt = jv_get(got, "type")->s;
		return strcmp(wt, gt) == 0 &&
			scalars_equal(wt, jv_get(want, "value"), jv_get(got, "value"));
	}
	for (size_t i = 0; i < want->n; i++) {
		const struct jv *g = NULL;
		for (size_t j = 0; j < got->n && !g; j++)
			if (got->klens[j] == want->klens[i] &&
				memcmp(got->keys[j], want->keys[i], want->klens[i]) == 0)
				g = got->v[j];
		if (!g || !jv_equal(want->v[i], g))
			return false;
	}
	return true;
}

/* ---- running the cases ---- */

static bool run_valid(const char *dir, const char *name)
{
	char path[4096];
	size_t len, jlen;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *text = read_file(path, &len);
	snprintf(path + strlen(path) - 5, 6, ".json");
	char *json = read_file(path, &jlen);
	if (!text || !json) {
		printf("# FAIL %s: cannot read the case\n", name);
		free(text);
		free(json);
		return false;
	}
	struct toml_value *root;
	struct toml_error err;
	int rc = toml_parse(text, len, &root, &err);
	bool ok = false;
	if (rc < 0) {
		printf("# FAIL %s: %u:%u: %s\n", name, err.pos.line, err.pos.column, err.msg);
	} else {
		struct buf out;
		buf_init(&out, 0);
		to_json(&out, root);
		struct jv *want = json_parse(json, jlen),
			  *got = json_parse((char *)out.data, out.len);
		ok = want && got && jv_equal(want, got);
		if (!ok)
			printf("# FAIL %s: got %s\n", name, buf_cstr(&out));
		jv_free(want);
		jv_free(got);
		buf_deinit(&out);
		toml_free(root);
	}
	free(text);
	free(json);
	return ok;
}

static bool run_invalid(const char *dir, const char *name)
{
	char path[4096];
	size_t len;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *text = read_file(path, &len);
	if (!text) {
		printf("# FAIL %s: cannot read the case\n", name);
		return false;
	}
	struct toml_value *root = (struct toml_value *)&root;
	struct toml_error err;
	int rc = toml_parse(text, len, &root, &err);
	bool ok = rc < 0 && rc == err.code && root == NULL && err.msg[0] && err.pos.line > 0;
	if (rc == 0) {
		printf("# FAIL %s: accepted\n", name);
		toml_free(root);
	} else if (!ok) {
		printf("# FAIL %s: error %d without message or position\n", name, rc);
	} else if (getenv("TOML_SUITE_VERBOSE")) {
		printf("# %s: %u:%u: %s\n", name, err.pos.line, err.pos.column, err.msg);
	}
	free(text);
	return ok;
}

/* Runs every case of the 1.0 list whose name starts with prefix. */
static void run_group(const char *prefix, bool (*run)(const char *, const char *), const char *verb)
{
	const char *dir = suite_dir();
	char path[4096];
	size_t len;
	snprintf(path, sizeof(path), "%s/files-toml-1.0.0", dir);
	char *list = read_file(path, &len);
	if (!list)
		fail_msg("toml-test suite not found at %s (set SRCDIR to the project root)", dir);
	int total = 0, good = 0;
	for (char *line = list, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		size_t n = strlen(line);
		if (strncmp(line, prefix, strlen(prefix)) != 0 || n < 5 ||
			strcmp(line + n - 5, ".toml") != 0)
			continue;
		total++;
		good += run(dir, line);
	}
	free(list);
	printf("# toml-test %.*s: %d/%d %s\n", (int)strlen(prefix) - 1, prefix, good, total, verb);
	assert_true(total > 0);
	assert_int_equal(good, total);
}

static void test_valid(void **state)
{
	(void)state;
	run_group("valid/", run_valid, "ok");
}

static void test_invalid(void **state)
{
	(void)state;
	run_group("invalid/", run_invalid, "rejected");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
