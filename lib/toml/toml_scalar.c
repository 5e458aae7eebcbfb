/*
 * toml_scalar.c - TOML 1.0 values that are not arrays or inline tables:
 * the four string forms, integers, floats, booleans and the four date/time
 * forms. Each reader consumes exactly its value; what may follow is checked
 * by the caller in toml_parse.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/toml/toml_impl.h"
#include "lib/util/err.h"

/* ---- strings ---- */

static bool is_control(int c)
{
	/* TOML 1.0 "String": U+0000-U+001F and U+007F must be escaped; tab
	 * is the exception. Newlines are checked by the callers. */
	return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7F;
}

static int fail_control(struct toml_parser *p, int c)
{
	return toml_fail(p, ERR_SYNTAX, p->cur.at,
		"control character U+%04X must be escaped in a string", c);
}

static int put(struct toml_parser *p, const void *s, size_t n)
{
	int rc = buf_append(&p->scratch, s, n);
	return rc == ERR_LIMIT ? toml_fail(p, rc, p->cur.at, "string too long") : rc;
}

/* Copies the plain characters up to the next one that needs a decision
 * (quote, backslash, newline, control), so long strings do not go byte by
 * byte through put(). */
static int copy_plain(struct toml_parser *p)
{
	size_t n = 0;
	int c;
	while ((c = toml_peek(p, n)) >= 0x20 && c != '"' && c != '\'' && c != '\\' && c != 0x7F)
		n++;
	int rc = put(p, p->cur.p + p->cur.pos, n);
	toml_adv(p, n);
	return rc;
}

static int put_char(struct toml_parser *p)
{
	int rc = put(p, p->cur.p + p->cur.pos, 1);
	toml_adv(p, 1);
	return rc;
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int put_utf8(struct toml_parser *p, uint32_t cp)
{
	uint8_t b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xC0 | (cp >> 6));
		b[1] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xE0 | (cp >> 12));
		b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xF0 | (cp >> 18));
		b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return put(p, b, n);
}

/* \uXXXX or \UXXXXXXXX: exactly that many hex digits, naming a Unicode
 * scalar value (no surrogates, at most U+10FFFF). */
static int unicode_escape(struct toml_parser *p, size_t ndigits)
{
	struct toml_pos at = p->cur.at;
	uint32_t cp = 0;
	for (size_t i = 0; i < ndigits; i++) {
		int h = hex_value(toml_peek(p, 2 + i));
		if (h < 0)
			return toml_fail(p, ERR_SYNTAX, at, "\\%c needs %zu hex digits",
				ndigits == 4 ? 'u' : 'U', ndigits);
		cp = cp << 4 | (uint32_t)h;
	}
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return toml_fail(p, ERR_SYNTAX, at, "escape \\%c%0*X is not a Unicode scalar value",
			ndigits == 4 ? 'u' : 'U', (int)ndigits, (unsigned)cp);
	toml_adv(p, 2 + ndigits);
	return put_utf8(p, cp);
}

/* At a backslash in a basic string: one escape sequence (TOML 1.0 lists
 * exactly these; \e and \x are TOML 1.1). */
static int escape(struct toml_parser *p)
{
	int c = toml_peek(p, 1);
	char out;
	switch (c) {
	case 'b':
		out = '\b';
		break;
	case 't':
		out = '\t';
		break;
	case 'n':
		out = '\n';
		break;
	case 'f':
		out = '\f';
		break;
	case 'r':
		out = '\r';
		break;
	case '"':
		out = '"';
		break;
	case '\\':
		out = '\\';
		break;
	case 'u':
		return unicode_escape(p, 4);
	case 'U':
		return unicode_escape(p, 8);
	default:
		if (c > 0x20 && c < 0x7F)
			return toml_fail(
				p, ERR_SYNTAX, p->cur.at, "invalid escape sequence '\\%c'", c);
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			return toml_fail(p, ERR_SYNTAX, p->cur.at,
				"a backslash before whitespace or a newline is allowed only at the "
				"end of a line in a multi-line string");
		return toml_fail(p, ERR_SYNTAX, p->cur.at, "invalid escape sequence");
	}
	toml_adv(p, 2);
	return put(p, &out, 1);
}

/* In a multi-line basic string, a backslash that ends a line (trailing
 * whitespace allowed) removes itself, the newline and all whitespace and
 * newlines after it. Returns 1 if it was one, 0 if not. */
static int line_ending_backslash(struct toml_parser *p)
{
	size_t n = 1;
	int c;
	while ((c = toml_peek(p, n)) == ' ' || c == '\t')
		n++;
	if (c != '\n' && !(c == '\r' && toml_peek(p, n + 1) == '\n'))
		return 0;
	toml_adv(p, n);
	for (;;) {
		c = toml_peek(p, 0);
		if (c == ' ' || c == '\t' || c == '\n')
			toml_adv(p, 1);
		else if (c == '\r' && toml_peek(p, 1) == '\n')
			toml_adv(p, 2);
		else
			return 1;
	}
}

/* A newline inside a multi-line string; CRLF is kept as LF so a value does
 * not depend on the editor that wrote the file (TOML allows normalizing). */
static int ml_newline(struct toml_parser *p)
{
	if (toml_peek(p, 0) == '\r') {
		if (toml_peek(p, 1) != '\n')
			return fail_control(p, '\r');
		toml_adv(p, 1);
	}
	toml_adv(p, 1);
	return put(p, "\n", 1);
}

/* At a run of quote characters q in a multi-line string. Up to two quotes
 * are content; three to five close the string, the extra ones being
 * content (TOML 1.0 allows 1-2 quotes right before the delimiter).
 * Returns 1 when the string is closed. */
static int ml_quotes(struct toml_parser *p, int q)
{
	size_t n = 0;
	while (toml_peek(p, n) == q)
		n++;
	if (n > 5)
		return toml_fail(p, ERR_SYNTAX, p->cur.at,
			"too many quotes: at most two may precede the closing delimiter");
	size_t content = n >= 3 ? n - 3 : n;
	int rc = put(p, p->cur.p + p->cur.pos, content);
	toml_adv(p, n);
	return rc < 0 ? rc : n >= 3;
}

/*
 * Any string; quote is '"' (basic, with escapes) or '\'' (literal). Multi-
 * line strings drop a newline right after the opening delimiter. The
 * decoded text is left in p->scratch.
 */
static int read_string(struct toml_parser *p, int quote, bool multi)
{
	struct toml_pos open = p->cur.at;
	buf_clear(&p->scratch);
	toml_adv(p, multi ? 3 : 1);
	if (multi && toml_peek(p, 0) == '\n')
		toml_adv(p, 1);
	else if (multi && toml_peek(p, 0) == '\r' && toml_peek(p, 1) == '\n')
		toml_adv(p, 2);
	for (;;) {
		int rc = copy_plain(p);
		if (rc < 0)
			return rc;
		int c = toml_peek(p, 0);
		if (c < 0)
			return toml_fail(p, ERR_SYNTAX, open, "unterminated string");
		if (c == quote && !multi) {
			toml_adv(p, 1);
			return 0;
		}
		if (c == quote)
			rc = ml_quotes(p, quote);
		else if (c == '\\' && quote == '"')
			rc = (multi && line_ending_backslash(p)) ? 0 : escape(p);
		else if ((c == '\n' || c == '\r') && multi)
			rc = ml_newline(p);
		else if (c == '\n' || (c == '\r' && toml_peek(p, 1) == '\n'))
			return toml_fail(
				p, ERR_SYNTAX, p->cur.at, "newline in a single-line string");
		else if (is_control(c))
			return fail_control(p, c);
		else /* the other quote character, or a backslash in a literal */
			rc = put_char(p);
		if (rc != 0)
			return rc < 0 ? rc : 0; /* 1: multi-line string closed */
	}
}

int toml_quoted_key(struct toml_parser *p)
{
	return read_string(p, toml_peek(p, 0), false);
}

static int string_value(struct toml_parser *p, struct toml_value *v)
{
	int q = toml_peek(p, 0);
	bool multi = toml_peek(p, 1) == q && toml_peek(p, 2) == q;
	int rc = read_string(p, q, multi);
	if (rc < 0)
		return rc;
	size_t len = p->scratch.len;
	char *s = arena_alloc(p->arena, len + 1);
	if (!s)
		return ERR_NOMEM;
	if (len)
		memcpy(s, p->scratch.data, len);
	s[len] = '\0';
	v->type = TOML_STRING;
	v->u.str.s = s;
	v->u.str.len = len;
	return 0;
}

/* ---- numbers ---- */

static bool is_digit_of(int c, int base)
{
	switch (base) {
	case 2:
		return c == '0' || c == '1';
	case 8:
		return c >= '0' && c <= '7';
	case 10:
		return c >= '0' && c <= '9';
	default:
		return hex_value(c) >= 0;
	}
}

/* One or more digits of base, an underscore allowed only between two
 * digits (TOML 1.0 "Integer"). The digits, without underscores, are
 * appended to p->scratch. */
static int read_digits(struct toml_parser *p, int base)
{
	char cb[16];
	if (!is_digit_of(toml_peek(p, 0), base))
		return toml_fail(p, ERR_SYNTAX, p->cur.at, "expected a digit, found %s",
			toml_char_text(p, cb, sizeof(cb)));
	for (;;) {
		size_t n = 0;
		while (is_digit_of(toml_peek(p, n), base))
			n++;
		int rc = put(p, p->cur.p + p->cur.pos, n);
		if (rc < 0)
			return rc;
		toml_adv(p, n);
		if (toml_peek(p, 0) != '_')
			return 0;
		if (!is_digit_of(toml_peek(p, 1), base))
			return toml_fail(p, ERR_SYNTAX, p->cur.at,
				"'_' in a number must stand between two digits");
		toml_adv(p, 1);
	}
}

/* The digits in p->scratch from offset start, as a magnitude no larger
 * than max. */
static int digits_value(struct toml_parser *p, size_t start, int base, uint64_t max,
	struct toml_pos at, uint64_t *out)
{
	uint64_t v = 0;
	for (size_t i = start; i < p->scratch.len; i++) {
		uint64_t d = (uint64_t)hex_value(p->scratch.data[i]);
		if (v > (max - d) / (uint64_t)base)
			return toml_fail(p, ERR_RANGE, at, "integer does not fit in 64 bits");
		v = v * (uint64_t)base + d;
	}
	*out = v;
	return 0;
}

/* 0x, 0o, 0b integers: no sign, non-negative (TOML 1.0 "Integer"). */
static int radix_int(struct toml_parser *p, struct toml_value *v, int base)
{
	struct toml_pos at = p->cur.at;
	toml_adv(p, 2);
	int rc = read_digits(p, base);
	uint64_t u = 0;
	if (rc == 0)
		rc = digits_value(p, 0, base, INT64_MAX, at, &u);
	if (rc < 0)
		return rc;
	v->type = TOML_INTEGER;
	v->u.i = (int64_t)u;
	return 0;
}

/* inf and nan, after an optional sign (neg). */
static int special_float(struct toml_parser *p, struct toml_value *v, bool neg)
{
	const uint8_t *s = p->cur.p + p->cur.pos;
	if (p->cur.len - p->cur.pos < 3 || (memcmp(s, "inf", 3) != 0 && memcmp(s, "nan", 3) != 0)) {
		char cb[16];
		return toml_fail(p, ERR_SYNTAX, p->cur.at, "expected a value, found %s",
			toml_char_text(p, cb, sizeof(cb)));
	}
	double f = s[0] == 'i' ? INFINITY : NAN;
	v->type = TOML_FLOAT;
	v->u.f = neg ? -f : f;
	toml_adv(p, 3);
	return 0;
}

/* strtod_l with the C locale: the program's LC_NUMERIC must not change
 * what '.' means in a config file. */
static int to_float(struct toml_parser *p, struct toml_value *v, struct toml_pos at)
{
	if (!p->c_locale) {
		p->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
		if (!p->c_locale)
			return ERR_NOMEM;
	}
	const char *s = buf_cstr(&p->scratch);
	char *end;
	double f = strtod_l(s, &end, p->c_locale);
	if (*end != '\0')
		return toml_fail(p, ERR_SYNTAX, at, "malformed float");
	if (isinf(f))
		return toml_fail(p, ERR_RANGE, at, "float is out of the range of a double");
	v->type = TOML_FLOAT;
	v->u.f = f;
	return 0;
}

static int to_int(struct toml_parser *p, struct toml_value *v, bool neg, struct toml_pos at)
{
	size_t start = neg ? 1 : 0;
	uint64_t u = 0;
	int rc = digits_value(p, start, 10, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, at, &u);
	if (rc < 0)
		return rc;
	v->type = TOML_INTEGER;
	if (!neg)
		v->u.i = (int64_t)u;
	else if (u == (uint64_t)INT64_MAX + 1)
		v->u.i = INT64_MIN;
	else
		v->u.i = -(int64_t)u;
	return 0;
}

/* Decimal integers and floats (TOML 1.0 "Integer", "Float"): no leading
 * zeros in the integer part, digits on both sides of '.', exponent
 * digits may have leading zeros. */
static int number_value(struct toml_parser *p, struct toml_value *v)
{
	struct toml_pos at = p->cur.at;
	buf_clear(&p->scratch);
	int c = toml_peek(p, 0);
	if (c == '0' && toml_peek(p, 1) == 'x')
		return radix_int(p, v, 16);
	if (c == '0' && toml_peek(p, 1) == 'o')
		return radix_int(p, v, 8);
	if (c == '0' && toml_peek(p, 1) == 'b')
		return radix_int(p, v, 2);
	bool neg = c == '-';
	if (neg && put(p, "-", 1) < 0)
		return ERR_NOMEM;
	if (c == '-' || c == '+')
		toml_adv(p, 1);
	c = toml_peek(p, 0);
	if (c == 'i' || c == 'n')
		return special_float(p, v, neg);
	size_t int_start = p->scratch.len;
	int rc = read_digits(p, 10);
	if (rc < 0)
		return rc;
	if (p->scratch.len - int_start > 1 && p->scratch.data[int_start] == '0')
		return toml_fail(p, ERR_SYNTAX, at, "leading zeros are not allowed in a number");
	bool is_float = false;
	if (toml_peek(p, 0) == '.') {
		toml_adv(p, 1);
		if ((rc = put(p, ".", 1)) < 0 || (rc = read_digits(p, 10)) < 0)
			return rc;
		is_float = true;
	}
	c = toml_peek(p, 0);
	if (c == 'e' || c == 'E') {
		toml_adv(p, 1);
		if ((rc = put(p, "e", 1)) < 0)
			return rc;
		c = toml_peek(p, 0);
		if ((c == '+' || c == '-') && (rc = put_char(p)) < 0)
			return rc;
		if ((rc = read_digits(p, 10)) < 0)
			return rc;
		is_float = true;
	}
	return is_float ? to_float(p, v, at) : to_int(p, v, neg, at);
}

/* ---- dates and times (RFC 3339 as profiled by TOML 1.0) ---- */

/* The value of exactly n decimal digits at the cursor + off, or -1. */
static int fixed_digits(const struct toml_parser *p, size_t off, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		int c = toml_peek(p, off + i);
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	return v;
}

static int days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
	return month == 2 && leap ? 29 : days[month - 1];
}

/* YYYY-MM-DD */
static int read_date(struct toml_parser *p, struct toml_datetime *dt)
{
	struct toml_pos at = p->cur.at;
	dt->year = fixed_digits(p, 0, 4);
	dt->month = toml_peek(p, 4) == '-' ? fixed_digits(p, 5, 2) : -1;
	dt->day = toml_peek(p, 7) == '-' ? fixed_digits(p, 8, 2) : -1;
	if (dt->year < 0 || dt->month < 0 || dt->day < 0)
		return toml_fail(p, ERR_SYNTAX, at, "malformed date: expected YYYY-MM-DD");
	if (dt->month < 1 || dt->month > 12)
		return toml_fail(p, ERR_RANGE, at, "month %02d does not exist", dt->month);
	if (dt->day < 1 || dt->day > days_in_month(dt->year, dt->month))
		return toml_fail(p, ERR_RANGE, at, "day %02d does not exist in %04d-%02d", dt->day,
			dt->year, dt->month);
	toml_adv(p, 10);
	return 0;
}

/* .fraction: at least one digit; beyond nanoseconds it is truncated, as
 * TOML 1.0 "Offset Date-Time" permits. */
static int read_fraction(struct toml_parser *p, struct toml_datetime *dt)
{
	toml_adv(p, 1);
	size_t n = 0;
	uint32_t ns = 0;
	while (fixed_digits(p, n, 1) >= 0) {
		if (n < 9)
			ns = ns * 10 + (uint32_t)fixed_digits(p, n, 1);
		n++;
	}
	if (n == 0)
		return toml_fail(p, ERR_SYNTAX, p->cur.at, "expected digits after '.' in a time");
	for (size_t i = n; i < 9; i++)
		ns *= 10;
	dt->nanosecond = ns;
	toml_adv(p, n);
	return 0;
}

/* HH:MM:SS[.fraction]; seconds are required in TOML 1.0. */
static int read_time(struct toml_parser *p, struct toml_datetime *dt)
{
	struct toml_pos at = p->cur.at;
	dt->hour = fixed_digits(p, 0, 2);
	dt->minute = toml_peek(p, 2) == ':' ? fixed_digits(p, 3, 2) : -1;
	dt->second = toml_peek(p, 5) == ':' ? fixed_digits(p, 6, 2) : -1;
	if (dt->hour < 0 || dt->minute < 0 || dt->second < 0)
		return toml_fail(p, ERR_SYNTAX, at, "malformed time: expected HH:MM:SS");
	if (dt->hour > 23 || dt->minute > 59 || dt->second > 60)
		return toml_fail(p, ERR_RANGE, at, "time %02d:%02d:%02d does not exist", dt->hour,
			dt->minute, dt->second);
	toml_adv(p, 8);
	if (toml_peek(p, 0) == '.')
		return read_fraction(p, dt);
	return 0;
}

/* Z or +HH:MM / -HH:MM; returns 1 if there was an offset. */
static int read_offset(struct toml_parser *p, struct toml_datetime *dt)
{
	int c = toml_peek(p, 0);
	if (c == 'Z' || c == 'z') {
		toml_adv(p, 1);
		dt->offset_minutes = 0;
		return 1;
	}
	if (c != '+' && c != '-')
		return 0;
	struct toml_pos at = p->cur.at;
	int h = fixed_digits(p, 1, 2);
	int m = toml_peek(p, 3) == ':' ? fixed_digits(p, 4, 2) : -1;
	if (h < 0 || m < 0)
		return toml_fail(p, ERR_SYNTAX, at, "malformed time offset: expected +HH:MM");
	if (h > 23 || m > 59)
		return toml_fail(
			p, ERR_RANGE, at, "time offset %c%02d:%02d does not exist", c, h, m);
	dt->offset_minutes = (c == '-' ? -1 : 1) * (h * 60 + m);
	toml_adv(p, 6);
	return 1;
}

static int datetime_value(struct toml_parser *p, struct toml_value *v)
{
	struct toml_datetime *dt = &v->u.dt;
	memset(dt, 0, sizeof(*dt));
	int rc;
	if (toml_peek(p, 2) == ':') {
		v->type = TOML_LOCAL_TIME;
		return read_time(p, dt);
	}
	if ((rc = read_date(p, dt)) < 0)
		return rc;
	int c = toml_peek(p, 0);
	/* A space may stand for T, but only when a time follows; otherwise
	 * the date ends there (TOML 1.0 "Offset Date-Time"). */
	bool has_time = c == 'T' || c == 't' ||
		(c == ' ' && fixed_digits(p, 1, 2) >= 0 && toml_peek(p, 3) == ':');
	if (!has_time) {
		v->type = TOML_LOCAL_DATE;
		return 0;
	}
	toml_adv(p, 1);
	if ((rc = read_time(p, dt)) < 0 || (rc = read_offset(p, dt)) < 0)
		return rc;
	v->type = rc ? TOML_DATETIME : TOML_LOCAL_DATETIME;
	return 0;
}

/* ---- dispatch ---- */

static bool match_word(const struct toml_parser *p, const char *w)
{
	size_t n = strlen(w);
	return p->cur.len - p->cur.pos >= n && memcmp(p->cur.p + p->cur.pos, w, n) == 0;
}

int toml_scalar(struct toml_parser *p, struct toml_value *v)
{
	int c = toml_peek(p, 0);
	if (c == '"' || c == '\'')
		return string_value(p, v);
	if (match_word(p, "true") || match_word(p, "false")) {
		v->type = TOML_BOOL;
		v->u.b = c == 't';
		toml_adv(p, v->u.b ? 4 : 5);
		return 0;
	}
	if ((fixed_digits(p, 0, 4) >= 0 && toml_peek(p, 4) == '-') ||
		(fixed_digits(p, 0, 2) >= 0 && toml_peek(p, 2) == ':'))
		return datetime_value(p, v);
	if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'i' || c == 'n')
		return number_value(p, v);
	char cb[16];
	return toml_fail(p, ERR_SYNTAX, p->cur.at, "expected a value, found %s",
		toml_char_text(p, cb, sizeof(cb)));
}
