/* datetime.c - YYYYMMDDHHmmSS timestamps (see datetime.h). */
#include "lib/util/datetime.h"

#include <stdbool.h>

#include "lib/util/err.h"

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to the first of month m of year y (y >= 1970).
 * Whole 400-year cycles have 146097 days, so the year loop stays short. */
static int64_t days_before(int64_t y, int m)
{
	int64_t d = 0, from = 1970;
	while (y - from >= 400) {
		d += 146097;
		from += 400;
	}
	for (int64_t i = from; i < y; i++)
		d += leap(i) ? 366 : 365;
	for (int i = 1; i < m; i++)
		d += month_days(y, i);
	return d;
}

/* Reads n digits at s. */
static int64_t digits(const char *s, int n)
{
	int64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int datetime_parse_stamp(const char *s, size_t len, int64_t *out)
{
	if (len != DATETIME_STAMP_LEN)
		return ERR_SYNTAX;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return ERR_SYNTAX;
	int64_t y = digits(s, 4), mo = digits(s + 4, 2), d = digits(s + 6, 2);
	int64_t h = digits(s + 8, 2), mi = digits(s + 10, 2), se = digits(s + 12, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, (int)mo) || h > 23 ||
		mi > 59 || se > 59)
		return ERR_SYNTAX;
	*out = (days_before(y, (int)mo) + d - 1) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

static void put(char *out, int64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

int datetime_format_stamp(int64_t t, char *out)
{
	if (t < 0 || t > DATETIME_MAX)
		return ERR_RANGE;
	int64_t days = t / 86400, secs = t % 86400;
	int64_t y = 1970;
	while (days >= (leap(y) ? 366 : 365)) {
		/* Skip whole 400-year cycles first: 8000 years in a few steps. */
		if (days >= 146097 && (y - 1970) % 400 == 0) {
			days -= 146097;
			y += 400;
			continue;
		}
		days -= leap(y) ? 366 : 365;
		y++;
	}
	int m = 1;
	while (days >= month_days(y, m))
		days -= month_days(y, m++);
	put(out, y, 4);
	put(out + 4, m, 2);
	put(out + 6, days + 1, 2);
	put(out + 8, secs / 3600, 2);
	put(out + 10, secs / 60 % 60, 2);
	put(out + 12, secs % 60, 2);
	out[DATETIME_STAMP_LEN] = 0;
	return 0;
}
