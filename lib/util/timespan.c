/* timespan.c - duration parsing and formatting (see timespan.h). */
#include "lib/util/timespan.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/util/err.h"

/* Units from largest to smallest; a span lists them in this order. */
enum unit {
	U_YEAR,
	U_MONTH,
	U_WEEK,
	U_DAY,
	U_HOUR,
	U_MINUTE,
	U_SECOND,
	U_MILLI,
	U_MICRO,
	U_NANO,
};

/* Seconds per unit; 0 marks units we cannot turn into whole seconds. */
static const int64_t unit_secs[] = {
	[U_WEEK] = 7 * 86400,
	[U_DAY] = 86400,
	[U_HOUR] = 3600,
	[U_MINUTE] = 60,
	[U_SECOND] = 1,
};

static const char *const unit_name[] = {
	[U_YEAR] = "years",
	[U_MONTH] = "months",
	[U_WEEK] = "weeks",
	[U_DAY] = "days",
	[U_HOUR] = "hours",
	[U_MINUTE] = "minutes",
	[U_SECOND] = "seconds",
	[U_MILLI] = "milliseconds",
	[U_MICRO] = "microseconds",
	[U_NANO] = "nanoseconds",
};

/* Spellings of the "friendly" format's units (those of the jiff crate,
 * which Cascade uses); the longest match wins, so "ms" is not "m" + "s". */
static const struct {
	const char *name;
	enum unit unit;
} friendly_units[] = {
	{"years", U_YEAR},
	{"year", U_YEAR},
	{"yrs", U_YEAR},
	{"yr", U_YEAR},
	{"y", U_YEAR},
	{"months", U_MONTH},
	{"month", U_MONTH},
	{"mos", U_MONTH},
	{"mo", U_MONTH},
	{"weeks", U_WEEK},
	{"week", U_WEEK},
	{"wks", U_WEEK},
	{"wk", U_WEEK},
	{"w", U_WEEK},
	{"days", U_DAY},
	{"day", U_DAY},
	{"d", U_DAY},
	{"hours", U_HOUR},
	{"hour", U_HOUR},
	{"hrs", U_HOUR},
	{"hr", U_HOUR},
	{"h", U_HOUR},
	{"minutes", U_MINUTE},
	{"minute", U_MINUTE},
	{"mins", U_MINUTE},
	{"min", U_MINUTE},
	{"m", U_MINUTE},
	{"seconds", U_SECOND},
	{"second", U_SECOND},
	{"secs", U_SECOND},
	{"sec", U_SECOND},
	{"s", U_SECOND},
	{"milliseconds", U_MILLI},
	{"millisecond", U_MILLI},
	{"millis", U_MILLI},
	{"milli", U_MILLI},
	{"msecs", U_MILLI},
	{"msec", U_MILLI},
	{"ms", U_MILLI},
	{"microseconds", U_MICRO},
	{"microsecond", U_MICRO},
	{"micros", U_MICRO},
	{"micro", U_MICRO},
	{"usecs", U_MICRO},
	{"usec", U_MICRO},
	{"us", U_MICRO},
	{"nanoseconds", U_NANO},
	{"nanosecond", U_NANO},
	{"nanos", U_NANO},
	{"nano", U_NANO},
	{"nsecs", U_NANO},
	{"nsec", U_NANO},
	{"ns", U_NANO},
};

#define FRACTION_DIGITS_MAX 9

struct cursor {
	const char *s;
	size_t len;
	size_t pos;
	char *err;
	size_t err_size;
};

/* A number with an optional decimal fraction num/den (den = 1 when none). */
struct amount {
	int64_t whole;
	int64_t num;
	int64_t den;
};

static int fail(struct cursor *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct cursor *c, int code, const char *fmt, ...)
{
	if (c->err && c->err_size > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err, c->err_size, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int peek(const struct cursor *c)
{
	return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* The whitespace jiff allows between friendly-format parts. */
static bool is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\f' || ch == '\r';
}

static int to_upper(int ch)
{
	return ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch;
}

/* Complains about the character at the cursor, quoting it readably. */
static int fail_unexpected(struct cursor *c, const char *expected)
{
	int ch = peek(c);
	if (ch < 0)
		return fail(c, ERR_SYNTAX, "input ends where %s was expected", expected);
	if (ch > ' ' && ch < 0x7f)
		return fail(c, ERR_SYNTAX, "unexpected '%c' at offset %zu; expected %s", ch, c->pos,
			expected);
	return fail(c, ERR_SYNTAX, "unexpected byte 0x%02x at offset %zu; expected %s", ch, c->pos,
		expected);
}

static int read_digits(struct cursor *c, int64_t *out)
{
	if (!is_digit(peek(c)))
		return fail_unexpected(c, "a number");
	int64_t v = 0;
	bool big = false;
	while (is_digit(peek(c))) {
		int d = peek(c) - '0';
		if (v > (TIMESPAN_MAX - d) / 10)
			big = true; /* keep reading so the message can quote the number */
		else
			v = v * 10 + d;
		c->pos++;
	}
	if (big)
		return fail(c, ERR_RANGE, "number too large (the longest span is %lld seconds)",
			(long long)TIMESPAN_MAX);
	*out = v;
	return 0;
}

/* A number, then a fraction when '.' or ',' is followed by a digit. */
static int read_amount(struct cursor *c, struct amount *a)
{
	int rc = read_digits(c, &a->whole);
	if (rc < 0)
		return rc;
	a->num = 0;
	a->den = 1;
	int ch = peek(c);
	if ((ch != '.' && ch != ',') || c->pos + 1 >= c->len || !is_digit(c->s[c->pos + 1]))
		return 0;
	c->pos++;
	int n = 0;
	while (is_digit(peek(c))) {
		if (++n > FRACTION_DIGITS_MAX)
			return fail(c, ERR_SYNTAX, "more than %d digits after the decimal point",
				FRACTION_DIGITS_MAX);
		a->num = a->num * 10 + (peek(c) - '0');
		a->den *= 10;
		c->pos++;
	}
	return 0;
}

static bool has_fraction(const struct amount *a)
{
	return a->den > 1;
}

/* Units that cannot be converted to whole seconds get a clear refusal. */
static int check_unit(struct cursor *c, enum unit u, const char *spelling)
{
	if (u == U_YEAR || u == U_MONTH)
		return fail(c, ERR_UNSUPP, "%s (\"%s\") have no fixed length; use days or weeks",
			unit_name[u], spelling);
	if (u >= U_MILLI)
		return fail(c, ERR_UNSUPP, "%s (\"%s\") are not supported; spans are whole seconds",
			unit_name[u], spelling);
	return 0;
}

/* *total += a in unit u, without passing TIMESPAN_MAX. */
static int add_amount(struct cursor *c, int64_t *total, const struct amount *a, enum unit u)
{
	int64_t per = unit_secs[u];
	if (a->whole > TIMESPAN_MAX / per)
		return fail(c, ERR_RANGE, "%lld %s is too long (the longest span is %lld seconds)",
			(long long)a->whole, unit_name[u], (long long)TIMESPAN_MAX);
	int64_t part = a->whole * per;
	/* num < 10^9 and per <= 604800, so num * per fits easily. */
	int64_t frac = a->num * per;
	if (frac % a->den != 0)
		return fail(c, ERR_RANGE, "fraction of %s is not a whole number of seconds",
			unit_name[u]);
	part += frac / a->den;
	if (part > TIMESPAN_MAX - *total)
		return fail(c, ERR_RANGE, "span is too long (the longest is %lld seconds)",
			(long long)TIMESPAN_MAX);
	*total += part;
	return 0;
}

static int check_order(struct cursor *c, int last, enum unit u)
{
	if (last >= 0 && (int)u <= last)
		return fail(c, ERR_SYNTAX,
			"%s after %s: units must go from largest to smallest, each at most once",
			unit_name[u], unit_name[last]);
	return 0;
}

/* Longest friendly unit spelling at the cursor, or -1. */
static int match_friendly_unit(struct cursor *c, size_t *match_len)
{
	int best = -1;
	size_t best_len = 0;
	const char *p = c->s + c->pos;
	size_t left = c->len - c->pos;
	for (size_t i = 0; i < sizeof(friendly_units) / sizeof(friendly_units[0]); i++) {
		size_t n = strlen(friendly_units[i].name);
		if (n > best_len && n <= left && memcmp(p, friendly_units[i].name, n) == 0) {
			best = (int)i;
			best_len = n;
		}
	}
	*match_len = best_len;
	return best;
}

static int fail_unknown_unit(struct cursor *c)
{
	size_t start = c->pos, end = c->pos;
	while (end < c->len && end - start < 16 &&
		((c->s[end] >= 'a' && c->s[end] <= 'z') || (c->s[end] >= 'A' && c->s[end] <= 'Z')))
		end++;
	if (end == start)
		return fail_unexpected(c, "a unit (s, m, h, d or w)");
	return fail(c, ERR_SYNTAX, "unknown unit \"%.*s\" (use s, m, h, d or w)",
		(int)(end - start), c->s + start);
}

static void skip_spaces(struct cursor *c)
{
	while (is_space(peek(c)))
		c->pos++;
}

/* After a unit: an optional ", ", then spaces. Returns 1 at the end of the
 * input, 0 when another part follows, or an error. */
static int friendly_separator(struct cursor *c)
{
	bool comma = false;
	if (peek(c) == ',') {
		c->pos++;
		if (!is_space(peek(c)))
			return fail_unexpected(c, "a space after ','");
		comma = true;
	}
	size_t before = c->pos;
	skip_spaces(c);
	if (c->len - c->pos == 3 && memcmp(c->s + c->pos, "ago", 3) == 0 && c->pos > before)
		return fail(c, ERR_RANGE, "negative spans (\"ago\") are not allowed");
	if (peek(c) >= 0)
		return 0;
	if (comma)
		return fail(c, ERR_SYNTAX, "input ends after ','");
	if (c->pos > before)
		return fail(c, ERR_SYNTAX, "trailing whitespace");
	return 1;
}

/* "2h 3m 4s", "1 day, 2 hours", "90s", "1.5h". */
static int parse_friendly(struct cursor *c, int64_t *out)
{
	int64_t total = 0;
	int last = -1;
	for (;;) {
		struct amount a;
		int rc = read_amount(c, &a);
		if (rc < 0)
			return rc;
		skip_spaces(c);
		size_t n;
		int idx = match_friendly_unit(c, &n);
		if (idx < 0)
			return fail_unknown_unit(c);
		enum unit u = friendly_units[idx].unit;
		if ((rc = check_unit(c, u, friendly_units[idx].name)) < 0)
			return rc;
		if ((rc = check_order(c, last, u)) < 0)
			return rc;
		if (has_fraction(&a) && u < U_HOUR)
			return fail(c, ERR_SYNTAX,
				"a fraction is allowed on hours, minutes or "
				"seconds only, not on %s",
				unit_name[u]);
		if ((rc = add_amount(c, &total, &a, u)) < 0)
			return rc;
		c->pos += n;
		last = (int)u;
		rc = friendly_separator(c);
		if (rc < 0)
			return rc;
		if (rc == 1)
			break;
		if (has_fraction(&a))
			return fail(c, ERR_SYNTAX, "a fraction is allowed on the last unit only");
	}
	*out = total;
	return 0;
}

/* Maps an ISO 8601 designator to a unit; -1 when it is not valid here. */
static int iso_unit(int letter, bool in_time)
{
	switch (letter) {
	case 'Y':
		return in_time ? -1 : U_YEAR;
	case 'M':
		return in_time ? U_MINUTE : U_MONTH;
	case 'W':
		return in_time ? -1 : U_WEEK;
	case 'D':
		return in_time ? -1 : U_DAY;
	case 'H':
		return in_time ? U_HOUR : -1;
	case 'S':
		return in_time ? U_SECOND : -1;
	default:
		return -1;
	}
}

static int fail_iso_designator(struct cursor *c, bool in_time)
{
	int ch = to_upper(peek(c));
	if (!in_time && (ch == 'H' || ch == 'S'))
		return fail(c, ERR_SYNTAX, "'%c' must come after 'T' (as in PT2H or PT30S)", ch);
	if (in_time && (ch == 'W' || ch == 'D' || ch == 'Y'))
		return fail(c, ERR_SYNTAX, "'%c' must come before 'T' (as in P1DT2H)", ch);
	return fail_unexpected(c, in_time ? "H, M or S" : "W or D");
}

/* One "<number><designator>" of an ISO 8601 duration. */
static int iso_component(struct cursor *c, bool in_time, int *last, int64_t *total)
{
	struct amount a;
	int rc = read_amount(c, &a);
	if (rc < 0)
		return rc;
	int ch = to_upper(peek(c));
	int u = iso_unit(ch, in_time);
	if (u < 0)
		return fail_iso_designator(c, in_time);
	if (u == U_MONTH) /* the classic trap: P5M is five months */
		return fail(c, ERR_UNSUPP,
			"months (\"M\" before \"T\") have no fixed length; "
			"for minutes write PT%lldM",
			(long long)a.whole);
	char spelling[2] = {(char)ch, '\0'};
	if ((rc = check_unit(c, (enum unit)u, spelling)) < 0)
		return rc;
	if ((rc = check_order(c, *last, (enum unit)u)) < 0)
		return rc;
	if (has_fraction(&a) && !in_time)
		return fail(
			c, ERR_SYNTAX, "a fraction is allowed on hours, minutes or seconds only");
	if ((rc = add_amount(c, total, &a, (enum unit)u)) < 0)
		return rc;
	c->pos++;
	*last = u;
	if (has_fraction(&a) && peek(c) >= 0)
		return fail(c, ERR_SYNTAX, "a fraction is allowed on the last component only");
	return 0;
}

/* ISO 8601 §4.4.3.2 durations as Cascade's parser takes them:
 * P[nW][nD][T[nH][nM][nS]], letters in either case. */
static int parse_iso(struct cursor *c, int64_t *out)
{
	int64_t total = 0;
	int last = -1;
	bool in_time = false, any = false, any_time = false;
	c->pos++; /* 'P' */
	while (peek(c) >= 0) {
		if (to_upper(peek(c)) == 'T') {
			if (in_time)
				return fail_unexpected(c, "H, M or S");
			in_time = true;
			c->pos++;
			continue;
		}
		int rc = iso_component(c, in_time, &last, &total);
		if (rc < 0)
			return rc;
		any = true;
		any_time = any_time || in_time;
	}
	if (in_time && !any_time)
		return fail(c, ERR_SYNTAX, "'T' must be followed by hours, minutes or seconds");
	if (!any)
		return fail(c, ERR_SYNTAX, "ISO 8601 duration without any component");
	*out = total;
	return 0;
}

static bool all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_digit((unsigned char)s[i]))
			return false;
	return len > 0;
}

int timespan_parse(const char *s, size_t len, int64_t *out, char *err, size_t err_size)
{
	struct cursor c = {.s = s, .len = len, .pos = 0, .err = err, .err_size = err_size};
	if (err && err_size > 0)
		err[0] = '\0';
	if (len == 0)
		return fail(&c, ERR_SYNTAX, "empty span");
	if (s[0] == '-')
		return fail(&c, ERR_RANGE, "negative spans are not allowed");
	if (s[0] == '+')
		c.pos++;
	int64_t v;
	int rc;
	if (all_digits(s + c.pos, len - c.pos)) {
		/* Cascade reads a string of digits as seconds. */
		rc = read_digits(&c, &v);
	} else if (to_upper(peek(&c)) == 'P') {
		rc = parse_iso(&c, &v);
	} else {
		rc = parse_friendly(&c, &v);
	}
	if (rc < 0)
		return rc;
	*out = v;
	return 0;
}

int timespan_from_int(int64_t v, int64_t *out, char *err, size_t err_size)
{
	struct cursor c = {.err = err, .err_size = err_size};
	if (v < 0)
		return fail(&c, ERR_RANGE, "negative spans are not allowed");
	if (v > TIMESPAN_MAX)
		return fail(&c, ERR_RANGE, "span is too long (the longest is %lld seconds)",
			(long long)TIMESPAN_MAX);
	*out = v;
	return 0;
}

int timespan_parse_validity(const char *s, size_t len, int64_t *out, char *err, size_t err_size)
{
	if (len == 7 && memcmp(s, "forever", 7) == 0) {
		*out = TIMESPAN_FOREVER;
		return 0;
	}
	return timespan_parse(s, len, out, err, err_size);
}

int timespan_format(int64_t secs, char *out, size_t out_size)
{
	char tmp[TIMESPAN_FORMAT_SIZE];
	size_t n = 0;
	if (secs == TIMESPAN_FOREVER) {
		n = (size_t)snprintf(tmp, sizeof(tmp), "forever");
	} else {
		/* Work unsigned so INT64_MIN has a magnitude too. */
		uint64_t u = secs < 0 ? 0 - (uint64_t)secs : (uint64_t)secs;
		static const struct {
			uint64_t per;
			char unit;
		} parts[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
		if (secs < 0)
			tmp[n++] = '-';
		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
			uint64_t q = u / parts[i].per;
			u %= parts[i].per;
			if (q == 0 && !(parts[i].per == 1 && secs == 0))
				continue;
			/* At most "-106751991167300d 23h 59m 59s": always fits in tmp. */
			n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "%s%llu%c",
				n > 0 && tmp[n - 1] != '-' ? " " : "", (unsigned long long)q,
				parts[i].unit);
		}
	}
	if (n >= out_size)
		return ERR_LIMIT;
	memcpy(out, tmp, n + 1);
	return (int)n;
}
