/* Unit tests for lib/toml: the API, positions, and the error paths.
 * Conformance as a whole is tested by test_toml_suite.c (toml-test). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <locale.h>
#include <math.h>
#include <cmocka.h>

#include "lib/limits.h"
#include "lib/toml/toml.h"
#include "lib/util/buf.h"
#include "lib/util/err.h"

static struct toml_value *parse_ok(const char *text)
{
	struct toml_value *root = NULL;
	struct toml_error err;
	int rc = toml_parse(text, strlen(text), &root, &err);
	if (rc != 0)
		fail_msg("unexpected error %d at %u:%u: %s", rc, err.pos.line, err.pos.column,
			err.msg);
	assert_non_null(root);
	return root;
}

/* Parses text that must fail with code at line:col, with msg_part in the
 * message. */
static void parse_bad(
	const char *text, size_t len, int code, unsigned line, unsigned col, const char *msg_part)
{
	struct toml_value *root = (struct toml_value *)&root;
	struct toml_error err;
	int rc = toml_parse(text, len, &root, &err);
	if (rc != code || err.pos.line != line || err.pos.column != col ||
		!strstr(err.msg, msg_part))
		fail_msg("for %.40s: got %d at %u:%u: '%s'; want %d at %u:%u: '%s'", text, rc,
			err.pos.line, err.pos.column, err.msg, code, line, col, msg_part);
	assert_int_equal(err.code, rc);
	assert_null(root);
}

#define BAD(text, code, line, col, part) parse_bad(text, strlen(text), code, line, col, part)

static const char config[] = "# Cascade-like config\n"
			     "version = \"v1\"\n"
			     "\n"
			     "[daemon]\n"
			     "log-level = 'info'   # comment\n"
			     "threads = 4\n"
			     "ratio = 0.5\n"
			     "enabled = true\n"
			     "\n"
			     "[[zone]]\n"
			     "name = \"example.com\"\n"
			     "servers = [\"192.0.2.1\", \"192.0.2.2\"]\n"
			     "[[zone]]\n"
			     "name = \"example.org\"\n"
			     "limits = { ttl = 3600, dotted.key = -1 }\n";

static void test_lookup_and_getters(void **state)
{
	(void)state;
	struct toml_value *root = parse_ok(config);
	assert_int_equal(toml_type_of(root), TOML_TABLE);
	assert_int_equal(toml_table_len(root), 3);

	const char *s;
	size_t len;
	assert_int_equal(toml_get_string(toml_table_get(root, "version"), &s, &len), 0);
	assert_string_equal(s, "v1");
	assert_int_equal(len, 2);

	const struct toml_value *d = toml_table_get(root, "daemon");
	int64_t i;
	double f;
	bool b;
	assert_int_equal(toml_get_string(toml_table_get(d, "log-level"), &s, NULL), 0);
	assert_string_equal(s, "info");
	assert_int_equal(toml_get_int(toml_table_get(d, "threads"), &i), 0);
	assert_int_equal(i, 4);
	assert_int_equal(toml_get_float(toml_table_get(d, "ratio"), &f), 0);
	assert_true(f == 0.5);
	assert_int_equal(toml_get_bool(toml_table_get(d, "enabled"), &b), 0);
	assert_true(b);

	const struct toml_value *zones = toml_table_get(root, "zone");
	assert_int_equal(toml_type_of(zones), TOML_ARRAY);
	assert_int_equal(toml_array_len(zones), 2);
	const struct toml_value *z0 = toml_array_at(zones, 0);
	const struct toml_value *srv = toml_table_get(z0, "servers");
	assert_int_equal(toml_array_len(srv), 2);
	assert_int_equal(toml_get_string(toml_array_at(srv, 1), &s, NULL), 0);
	assert_string_equal(s, "192.0.2.2");
	assert_null(toml_array_at(srv, 2));

	const struct toml_value *lim = toml_table_get(toml_array_at(zones, 1), "limits");
	assert_int_equal(toml_get_int(toml_table_get(lim, "ttl"), &i), 0);
	assert_int_equal(i, 3600);
	const struct toml_value *dk = toml_table_get(toml_table_get(lim, "dotted"), "key");
	assert_int_equal(toml_get_int(dk, &i), 0);
	assert_int_equal(i, -1);
	toml_free(root);
}

static void test_getter_errors(void **state)
{
	(void)state;
	struct toml_value *root = parse_ok("s = 'x'\nn = 1\n");
	int64_t i = 77;
	double f;
	bool b;
	const char *s;
	struct toml_datetime dt;
	assert_int_equal(toml_get_int(toml_table_get(root, "missing"), &i), ERR_NOTFOUND);
	assert_int_equal(toml_get_int(toml_table_get(root, "s"), &i), ERR_INVAL);
	assert_int_equal(i, 77); /* untouched on error */
	/* No conversions, not even integer to float. */
	assert_int_equal(toml_get_float(toml_table_get(root, "n"), &f), ERR_INVAL);
	assert_int_equal(toml_get_bool(toml_table_get(root, "n"), &b), ERR_INVAL);
	assert_int_equal(toml_get_string(toml_table_get(root, "n"), &s, NULL), ERR_INVAL);
	assert_int_equal(toml_get_datetime(toml_table_get(root, "n"), &dt), ERR_INVAL);
	assert_int_equal(toml_get_datetime(NULL, &dt), ERR_NOTFOUND);

	/* Table and array functions on other types, and NULL. */
	assert_int_equal(toml_type_of(NULL), TOML_NONE);
	assert_int_equal(toml_table_len(toml_table_get(root, "n")), 0);
	assert_null(toml_table_get(toml_table_get(root, "n"), "x"));
	assert_null(toml_table_get(NULL, "x"));
	assert_null(toml_table_get(root, NULL));
	assert_null(toml_table_at(root, 2, NULL));
	assert_int_equal(toml_array_len(root), 0);
	assert_null(toml_array_at(root, 0));
	assert_string_equal(toml_type_name(TOML_LOCAL_TIME), "local time");
	assert_string_equal(toml_type_name(TOML_INTEGER), "integer");
	struct toml_pos none = toml_value_pos(NULL);
	assert_int_equal(none.line, 0);
	toml_free(root);
}

static void expect_pos(struct toml_pos pos, unsigned line, unsigned col)
{
	if (pos.line != line || pos.column != col)
		fail_msg("position %u:%u, want %u:%u", pos.line, pos.column, line, col);
}

static void test_order_and_positions(void **state)
{
	(void)state;
	struct toml_value *root = parse_ok("zeta = 1\n"
					   "alpha = 2\n"
					   "  \"quoted key\" =   [ 3 ]\n"
					   "[a.b.c]\n"
					   "[a]\n"
					   "s = 'é'   # é\n"
					   "t = \"\"\"\nline\n\"\"\"\n"
					   "u = 'é' \n"
					   "\n"
					   "[[arr]]\n"
					   "[[arr]]\n");
	/* Keys come in document order, not sorted. */
	const char *want[] = {"zeta", "alpha", "quoted key", "a", "arr"};
	assert_int_equal(toml_table_len(root), 5);
	struct toml_key k;
	for (size_t i = 0; i < 5; i++) {
		assert_non_null(toml_table_at(root, i, &k));
		assert_string_equal(k.name, want[i]);
	}
	const struct toml_value *v = toml_table_at(root, 2, &k);
	expect_pos(k.pos, 3, 3);
	expect_pos(toml_value_pos(v), 3, 20);
	expect_pos(toml_value_pos(toml_array_at(v, 0)), 3, 22);

	/* An implicit table takes the position of the header that defines it. */
	const struct toml_value *a = toml_table_get(root, "a");
	expect_pos(toml_value_pos(a), 5, 1);
	expect_pos(toml_value_pos(toml_table_get(a, "b")), 4, 4);
	/* Columns count characters, not bytes. */
	toml_table_at(a, 2, &k);
	assert_string_equal(k.name, "t");
	expect_pos(k.pos, 7, 1);
	expect_pos(toml_value_pos(toml_table_get(a, "u")), 10, 5);
	/* Each [[arr]] element is where its header is. */
	const struct toml_value *arr = toml_table_get(root, "arr");
	expect_pos(toml_value_pos(arr), 12, 1);
	expect_pos(toml_value_pos(toml_array_at(arr, 1)), 13, 1);
	toml_free(root);

	/* A byte order mark is not a column. */
	root = parse_ok("\xEF\xBB\xBFk = 1\n");
	toml_table_at(root, 0, &k);
	expect_pos(k.pos, 1, 1);
	toml_free(root);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	BAD("a = 1\nb = 2\nc = @\n", ERR_SYNTAX, 3, 5, "expected a value, found '@'");
	BAD("a = 1 b = 2\n", ERR_SYNTAX, 1, 7, "expected end of line after value, found 'b'");
	BAD("s = 'é' x\n", ERR_SYNTAX, 1, 9, "found 'x'");
	BAD("[t\n", ERR_SYNTAX, 1, 3, "expected ']'");
	BAD("a = [1, 2\n", ERR_SYNTAX, 1, 5, "unterminated array");
	BAD("a = { b = 1,\n c = 2 }\n", ERR_SYNTAX, 1, 13, "expected a key");
	BAD("a = { b = 1, }\n", ERR_SYNTAX, 1, 14, "trailing comma");
	BAD("a = { b = 1\n}\n", ERR_SYNTAX, 1, 12, "newline is not allowed");
	BAD("a = \"abc\n", ERR_SYNTAX, 1, 9, "newline in a single-line string");
	BAD("a = '''abc", ERR_SYNTAX, 1, 5, "unterminated string");
	BAD("a = \"\"\"x\"\"\"\"\"\"\n", ERR_SYNTAX, 1, 9, "too many quotes");
	BAD("key\n", ERR_SYNTAX, 1, 4, "expected '=' after the key, found end of line");
	BAD("a = 1 # bell\x07\n", ERR_SYNTAX, 1, 13, "control character U+0007");
	BAD("a = \"tab\tok, bell\x07 not\"\n", ERR_SYNTAX, 1, 18, "U+0007 must be escaped");
	BAD("a = 1\r\n\rb = 2\n", ERR_SYNTAX, 2, 1, "found U+000D");
	BAD("a = 01\n", ERR_SYNTAX, 1, 5, "leading zeros");
	BAD("a = 1__0\n", ERR_SYNTAX, 1, 6, "'_' in a number");
	BAD("a = 1.\n", ERR_SYNTAX, 1, 7, "expected a digit");
	BAD("a = 0x\n", ERR_SYNTAX, 1, 7, "expected a digit");
	BAD("a = 2023-02-29\n", ERR_RANGE, 1, 5, "day 29 does not exist in 2023-02");
	BAD("a = 25:00:00\n", ERR_RANGE, 1, 5, "does not exist");
	BAD("a = 2023-01-01T10:00\n", ERR_SYNTAX, 1, 16, "expected HH:MM:SS");
	BAD("a = 2023-01-01T10:00:00+1:00\n", ERR_SYNTAX, 1, 24, "time offset");
	BAD("\xEF\xBB\xBF\xEF\xBB\xBF", ERR_SYNTAX, 1, 1, "expected a key, found U+FEFF");
}

static void test_duplicates(void **state)
{
	(void)state;
	BAD("a = 1\na = 2\n", ERR_EXISTS, 2, 1, "duplicate key 'a' (first defined at 1:1)");
	BAD("[t]\nx = 1\n[t]\n", ERR_EXISTS, 3, 2, "table 't' is already defined (line 1)");
	BAD("[t]\nx = 1\n[t.x]\n", ERR_EXISTS, 3, 4, "key 'x' is an integer (line 2)");
	BAD("a.b = 1\n[a]\n", ERR_EXISTS, 2, 2, "table 'a' is already defined");
	BAD("[a.b]\n[a]\nb.c = 1\n", ERR_EXISTS, 3, 1, "defined by a [table] header");
	BAD("a = {}\n[a.b]\n", ERR_EXISTS, 2, 2, "inline table");
	BAD("a = {b = 1}\na.c = 2\n", ERR_EXISTS, 2, 1, "inline table");
	BAD("a = []\n[[a]]\n", ERR_EXISTS, 2, 3, "static array");
	BAD("[a]\n[[a]]\n", ERR_EXISTS, 2, 3, "not an array of tables");
	BAD("x = { a = 1, a = 2 }\n", ERR_EXISTS, 1, 14, "duplicate key 'a'");
	parse_bad("\"\\u0000\" = 1\n'\0' = 2\n", 21, ERR_SYNTAX, 2, 2, "U+0000 must be escaped");
	BAD("\"\\u0000\" = 1\n\"\\u0000\" = 2\n", ERR_EXISTS, 2, 1, "duplicate key '?'");
	/* A long key is cut short in messages, but never inside a character. */
	struct buf b;
	buf_init(&b, 0);
	for (int i = 0; i < 2; i++) {
		buf_append_str(&b, "\"");
		for (int j = 0; j < 40; j++)
			buf_append_str(&b, "\xC3\xA9");
		buf_printf(&b, "\" = %d\n", i);
	}
	struct toml_value *root = (struct toml_value *)&b;
	struct toml_error err;
	assert_int_equal(toml_parse(b.data, b.len, &root, &err), ERR_EXISTS);
	const char *cut = strstr(err.msg, "...'");
	assert_non_null(cut);
	assert_true((uint8_t)cut[-1] == 0xA9 && (uint8_t)cut[-2] == 0xC3);
	buf_deinit(&b);
	/* Dotted keys may pass through a table that [x.y] made implicitly;
	 * then that table may not be defined by a header any more. */
	BAD("[a.b.c]\n[a]\nb.d = 1\n[a.b]\n", ERR_EXISTS, 4, 4, "already defined");
	/* The same key may be reused in each element of an array of tables,
	 * and an implicit table may be defined once later. */
	root = parse_ok("[[a]]\nb.c = 1\n[[a]]\nb.c = 2\n"
			"[x.y.z]\n[x.y]\n[x]\n"
			"[p]\nq.r = 1\n[p.q.s]\n");
	toml_free(root);
}

static void test_escapes(void **state)
{
	(void)state;
	BAD("a = \"\\q\"\n", ERR_SYNTAX, 1, 6, "invalid escape sequence '\\q'");
	BAD("a = \"\\x41\"\n", ERR_SYNTAX, 1, 6, "invalid escape sequence '\\x'");
	BAD("a = \"\\e\"\n", ERR_SYNTAX, 1, 6, "'\\e'"); /* TOML 1.1 only */
	BAD("a = \"\\u12\"\n", ERR_SYNTAX, 1, 6, "\\u needs 4 hex digits");
	BAD("a = \"ok\\uD800\"\n", ERR_SYNTAX, 1, 8, "not a Unicode scalar value");
	BAD("a = \"\\U00110000\"\n", ERR_SYNTAX, 1, 6, "not a Unicode scalar value");
	BAD("a = \"\\ \n\"\n", ERR_SYNTAX, 1, 6, "backslash before whitespace");
	BAD("a = \"\"\"\\ x\"\"\"\n", ERR_SYNTAX, 1, 8, "backslash before whitespace");

	struct toml_value *root = parse_ok("a = \"\\b\\t\\n\\f\\r\\\"\\\\\\u00e9\\U0001F600\"\n"
					   "n = \"x\\u0000y\"\n");
	const char *s;
	size_t len;
	assert_int_equal(toml_get_string(toml_table_get(root, "a"), &s, &len), 0);
	assert_int_equal(len, 7 + 2 + 4);
	assert_memory_equal(s, "\b\t\n\f\r\"\\\xC3\xA9\xF0\x9F\x98\x80", len);
	assert_int_equal(toml_get_string(toml_table_get(root, "n"), &s, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(s, "x\0y", 3);
	toml_free(root);
}

static void test_multiline_strings(void **state)
{
	(void)state;
	struct toml_value *root = parse_ok("a = \"\"\"\r\nfirst\r\nsecond\"\"\"\n"
					   "b = \"\"\"one \\\n     two \\  \r\n\n  three\"\"\"\n"
					   "c = '''\nraw \\n ''quoted'''''\n"
					   "d = \"\"\"\"\"\"\"\n"
					   "e = 'C:\\path'\n");
	const char *s;
	/* The first newline is dropped; CRLF becomes LF. */
	assert_int_equal(toml_get_string(toml_table_get(root, "a"), &s, NULL), 0);
	assert_string_equal(s, "first\nsecond");
	/* A backslash at the end of a line joins the lines. */
	assert_int_equal(toml_get_string(toml_table_get(root, "b"), &s, NULL), 0);
	assert_string_equal(s, "one two three");
	/* No escapes in literals; two quotes may precede the delimiter. */
	assert_int_equal(toml_get_string(toml_table_get(root, "c"), &s, NULL), 0);
	assert_string_equal(s, "raw \\n ''quoted''");
	assert_int_equal(toml_get_string(toml_table_get(root, "d"), &s, NULL), 0);
	assert_string_equal(s, "\"");
	assert_int_equal(toml_get_string(toml_table_get(root, "e"), &s, NULL), 0);
	assert_string_equal(s, "C:\\path");
	toml_free(root);
	BAD("a = \"\"\"x\ry\"\"\"\n", ERR_SYNTAX, 1, 9, "U+000D");
}

static void test_integers(void **state)
{
	(void)state;
	struct toml_value *root = parse_ok("max = 9223372036854775807\n"
					   "min = -9223372036854775808\n"
					   "hex = 0x7FFF_ffff_FFFF_FFFF\n"
					   "oct = 0o755\n"
					   "bin = 0b1010\n"
					   "und = 1_000_000\n"
					   "neg0 = -0\n");
	const struct {
		const char *key;
		int64_t want;
	} cases[] = {{"max", INT64_MAX}, {"min", INT64_MIN}, {"hex", INT64_MAX}, {"oct", 0755},
		{"bin", 10}, {"und", 1000000}, {"neg0", 0}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v;
		assert_int_equal(toml_get_int(toml_table_get(root, cases[i].key), &v), 0);
		assert_true(v == cases[i].want);
	}
	toml_free(root);
	BAD("a = 9223372036854775808\n", ERR_RANGE, 1, 5, "does not fit in 64 bits");
	BAD("a = -9223372036854775809\n", ERR_RANGE, 1, 5, "does not fit in 64 bits");
	BAD("a = 0x8000000000000000\n", ERR_RANGE, 1, 5, "does not fit in 64 bits");
	BAD("a = 0b10000000000000000000000000000000000000000000000000000000000000000\n", ERR_RANGE,
		1, 5, "does not fit");
	BAD("a = 99999999999999999999999999\n", ERR_RANGE, 1, 5, "does not fit");
	BAD("a = 1e400\n", ERR_RANGE, 1, 5, "out of the range");
}

static void test_floats(void **state)
{
	(void)state;
	/* Floats are read in the C locale whatever the program's locale. */
	const char *old = setlocale(LC_NUMERIC, NULL);
	char *saved = old ? strdup(old) : NULL;
	if (!setlocale(LC_NUMERIC, "de_DE.UTF-8"))
		setlocale(LC_NUMERIC, "fr_FR.UTF-8");
	struct toml_value *root = parse_ok("a = 3.25\nb = -1_0.5e-1_0\nc = 1E2\n"
					   "d = -inf\ne = nan\nf = -0.0\ng = 5e-324\n");
	setlocale(LC_NUMERIC, saved ? saved : "C");
	free(saved);
	double f;
	assert_int_equal(toml_get_float(toml_table_get(root, "a"), &f), 0);
	assert_true(f == 3.25);
	assert_int_equal(toml_get_float(toml_table_get(root, "b"), &f), 0);
	assert_true(f == -10.5e-10);
	assert_int_equal(toml_get_float(toml_table_get(root, "c"), &f), 0);
	assert_true(f == 100.0);
	assert_int_equal(toml_get_float(toml_table_get(root, "d"), &f), 0);
	assert_true(isinf(f) && f < 0);
	assert_int_equal(toml_get_float(toml_table_get(root, "e"), &f), 0);
	assert_true(isnan(f));
	assert_int_equal(toml_get_float(toml_table_get(root, "f"), &f), 0);
	assert_true(f == 0.0 && signbit(f));
	assert_int_equal(toml_get_float(toml_table_get(root, "g"), &f), 0);
	assert_true(f > 0.0); /* the smallest subnormal is kept */
	toml_free(root);
}

static void test_datetimes(void **state)
{
	(void)state;
	struct toml_value *root = parse_ok("odt = 1979-05-27T07:32:00.123456789999-07:30\n"
					   "utc = 1979-05-27 07:32:00z\n"
					   "ldt = 2000-02-29t23:59:60.5\n"
					   "ld = 1979-05-27\n"
					   "lt = 00:32:00.999\n");
	struct toml_datetime dt;
	const struct toml_value *v = toml_table_get(root, "odt");
	assert_int_equal(toml_type_of(v), TOML_DATETIME);
	assert_int_equal(toml_get_datetime(v, &dt), 0);
	assert_int_equal(dt.year, 1979);
	assert_int_equal(dt.month, 5);
	assert_int_equal(dt.day, 27);
	assert_int_equal(dt.hour, 7);
	assert_int_equal(dt.minute, 32);
	assert_int_equal(dt.second, 0);
	assert_int_equal(dt.nanosecond, 123456789); /* truncated, not rounded */
	assert_int_equal(dt.offset_minutes, -450);

	v = toml_table_get(root, "utc");
	assert_int_equal(toml_type_of(v), TOML_DATETIME);
	assert_int_equal(toml_get_datetime(v, &dt), 0);
	assert_int_equal(dt.offset_minutes, 0);

	v = toml_table_get(root, "ldt");
	assert_int_equal(toml_type_of(v), TOML_LOCAL_DATETIME);
	assert_int_equal(toml_get_datetime(v, &dt), 0);
	assert_int_equal(dt.second, 60);
	assert_int_equal(dt.nanosecond, 500000000);

	v = toml_table_get(root, "ld");
	assert_int_equal(toml_type_of(v), TOML_LOCAL_DATE);
	assert_int_equal(toml_get_datetime(v, &dt), 0);
	assert_int_equal(dt.hour, 0);
	assert_int_equal(dt.day, 27);

	v = toml_table_get(root, "lt");
	assert_int_equal(toml_type_of(v), TOML_LOCAL_TIME);
	assert_int_equal(toml_get_datetime(v, &dt), 0);
	assert_int_equal(dt.year, 0);
	assert_int_equal(dt.minute, 32);
	assert_int_equal(dt.nanosecond, 999000000);
	toml_free(root);
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	BAD("a = \"\xC0\x80\"\n", ERR_SYNTAX, 1, 6, "invalid UTF-8 (byte 0xC0)"); /* overlong */
	BAD("# \xED\xA0\x80\n", ERR_SYNTAX, 1, 3, "byte 0xED");			  /* surrogate */
	BAD("a = 'é'\nb = '\xF4\x90\x80\x80'\n", ERR_SYNTAX, 2, 6, "byte 0xF4");  /* > U+10FFFF */
	BAD("a = '\xF5'\n", ERR_SYNTAX, 1, 6, "byte 0xF5");
	BAD("a = 'x'\n# \xE2\x82", ERR_SYNTAX, 2, 3, "byte 0xE2"); /* cut at the end */
	BAD("a = '\x80'\n", ERR_SYNTAX, 1, 6, "byte 0x80");
	struct toml_value *root = parse_ok("\"ключ\" = '日本語 😀' # ok\n");
	const char *s;
	assert_int_equal(toml_get_string(toml_table_get(root, "ключ"), &s, NULL), 0);
	assert_string_equal(s, "日本語 😀");
	toml_free(root);
}

/* prefix, n times open, center, n times close, newline. */
static char *nested(
	const char *prefix, const char *open, const char *center, const char *close, int n)
{
	struct buf b;
	buf_init(&b, 0);
	buf_append_str(&b, prefix);
	for (int i = 0; i < n; i++)
		buf_append_str(&b, open);
	buf_append_str(&b, center);
	for (int i = 0; i < n; i++)
		buf_append_str(&b, close);
	buf_append_str(&b, "\n");
	buf_cstr(&b);
	size_t len;
	return (char *)buf_steal(&b, &len);
}

/* n levels parse, n + 1 fail with ERR_LIMIT. */
static void expect_depth(
	const char *prefix, const char *open, const char *center, const char *close, int n)
{
	char *text = nested(prefix, open, center, close, n);
	toml_free(parse_ok(text));
	free(text);
	text = nested(prefix, open, center, close, n + 1);
	struct toml_value *root;
	struct toml_error err;
	assert_int_equal(toml_parse(text, strlen(text), &root, &err), ERR_LIMIT);
	assert_non_null(strstr(err.msg, "LIMIT_TOML_DEPTH"));
	assert_int_equal(err.pos.line, 1);
	free(text);
}

static void test_depth_limit(void **state)
{
	(void)state;
	/* Every table and array counts, whatever syntax made it: here the
	 * deepest container sits at exactly LIMIT_TOML_DEPTH. */
	expect_depth("a = ", "[", "1", "]", LIMIT_TOML_DEPTH);
	expect_depth("a = ", "{b = ", "1", "}", LIMIT_TOML_DEPTH);
	expect_depth("a = ", "[", "{}", "]", LIMIT_TOML_DEPTH - 1);
	expect_depth("", "k.", "k = 1", "", LIMIT_TOML_DEPTH); /* the last k is no table */
	expect_depth("[", "k.", "k]", "", LIMIT_TOML_DEPTH - 1);
	expect_depth("[[", "k.", "k]]", "", LIMIT_TOML_DEPTH - 2); /* array + its table */
}

static void test_size_limit(void **state)
{
	(void)state;
	size_t len = LIMIT_TOML_SIZE + 1;
	char *text = malloc(len);
	assert_non_null(text);
	memset(text, '\n', len);
	struct toml_value *root;
	struct toml_error err;
	assert_int_equal(toml_parse(text, len, &root, &err), ERR_LIMIT);
	assert_non_null(strstr(err.msg, "LIMIT_TOML_SIZE"));
	assert_null(root);
	/* Exactly at the cap is fine: a comment that long. */
	text[0] = '#';
	memset(text + 1, 'x', LIMIT_TOML_SIZE - 1);
	assert_int_equal(toml_parse(text, LIMIT_TOML_SIZE, &root, &err), 0);
	assert_int_equal(toml_table_len(root), 0);
	toml_free(root);
	free(text);
}

static void test_many_keys(void **state)
{
	(void)state;
	/* Big tables get a hash index; order and lookups must not change. */
	struct buf b;
	buf_init(&b, 0);
	for (int i = 0; i < 5000; i++)
		buf_printf(&b, "k%d = %d\n", i, i);
	struct toml_value *root = parse_ok(buf_cstr(&b));
	assert_int_equal(toml_table_len(root), 5000);
	for (int i = 0; i < 5000; i += 7) {
		char key[16];
		snprintf(key, sizeof(key), "k%d", i);
		int64_t v;
		assert_int_equal(toml_get_int(toml_table_get(root, key), &v), 0);
		assert_int_equal(v, i);
		struct toml_key k;
		toml_table_at(root, (size_t)i, &k);
		assert_string_equal(k.name, key);
	}
	assert_null(toml_table_get(root, "k5000"));
	toml_free(root);
	buf_printf(&b, "k4321 = 0\n");
	parse_bad((const char *)b.data, b.len, ERR_EXISTS, 5001, 1, "duplicate key 'k4321'");
	buf_deinit(&b);
}

static void test_arguments(void **state)
{
	(void)state;
	struct toml_value *root;
	struct toml_error err;
	/* An empty document is an empty table; no NUL terminator is needed. */
	assert_int_equal(toml_parse(NULL, 0, &root, NULL), 0);
	assert_int_equal(toml_table_len(root), 0);
	toml_free(root);
	assert_int_equal(toml_parse("a=1", 3, &root, &err), 0);
	int64_t i;
	assert_int_equal(toml_get_int(toml_table_get(root, "a"), &i), 0);
	/* toml_free() ignores anything but a root. */
	toml_free((struct toml_value *)toml_table_get(root, "a"));
	toml_free(root);
	toml_free(NULL);
	assert_int_equal(toml_parse(NULL, 5, &root, &err), ERR_INVAL);
	assert_null(root);
	assert_int_equal(toml_parse("a=1", 3, NULL, &err), ERR_INVAL);
	/* A key with a NUL in it is found with toml_table_getn(). */
	root = parse_ok("\"a\\u0000b\" = 1\n");
	assert_null(toml_table_get(root, "a"));
	assert_non_null(toml_table_getn(root, "a\0b", 3));
	toml_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_and_getters),
		cmocka_unit_test(test_getter_errors),
		cmocka_unit_test(test_order_and_positions),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_multiline_strings),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_floats),
		cmocka_unit_test(test_datetimes),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
