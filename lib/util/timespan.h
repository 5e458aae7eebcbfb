/*
 * timespan.h - durations as written in Cascade config and policy files.
 *
 * Accepted (reference: cascade-spec.md §11.2; Cascade's TimeSpan, which
 * takes a bare number or hands the string to the jiff crate's parser):
 *   - an integer number of seconds: a TOML integer (timespan_from_int) or a
 *     string of digits ("10");
 *   - "friendly" strings: a number and a unit, "30s" "10m" "2h" "1d" "2w",
 *     also spelt out ("2 hours", "1 day", "3 mins", "5 secs", "1 wk"),
 *     combined from largest to smallest unit, each at most once, with or
 *     without spaces and optionally with ", " between them: "2h 3m 4s",
 *     "2h3m4s", "1 day, 2 hours". The last unit may carry a fraction of at
 *     most 9 digits when it is hours, minutes or seconds ("1.5h").
 *   - ISO 8601 durations, letters in either case: "P35DT2H30M", "PT5M",
 *     "P2W", "P1W2D", "PT1.5H" (fraction on the last time component only).
 *   - an optional leading '+'.
 * Rejected, with ERR_UNSUPP: years, and months (M in the ISO date part,
 * "mo" in friendly strings), because they have no fixed length; units
 * below a second ("ms", "us", "ns"), because every span here is whole
 * seconds. Rejected with ERR_RANGE: negative spans ("-1h", "1h ago"),
 * fractions that do not come to whole seconds ("1.5s"), and anything above
 * TIMESPAN_MAX. Everything else malformed is ERR_SYNTAX: empty input,
 * leading or trailing whitespace, units out of order or repeated, unknown
 * units, a unit without a number or a number without a unit.
 * Differences from Cascade, on purpose: sub-second units are rejected
 * instead of silently truncated, integers above TIMESPAN_MAX are rejected
 * instead of accepted up to 2^64-1, and "HH:MM:SS" is not accepted.
 *
 * On failure a one-line message naming what was wrong is written to err
 * (when err_size > 0; TIMESPAN_ERR_SIZE is enough). Spans are int64 seconds.
 * Everything here is pure and thread-safe.
 */
#ifndef CASCADE_UTIL_TIMESPAN_H
#define CASCADE_UTIL_TIMESPAN_H

#include <stddef.h>
#include <stdint.h>

/* 7,304,484 days (about 20,000 years): the largest span Cascade's parser
 * takes in any unit, and far enough from INT64_MAX that now + span never
 * overflows. */
#define TIMESPAN_MAX INT64_C(631107417600)
/* What timespan_parse_validity() returns for "forever". */
#define TIMESPAN_FOREVER INT64_MAX
#define TIMESPAN_ERR_SIZE 128
/* Enough for any timespan_format() output plus NUL. */
#define TIMESPAN_FORMAT_SIZE 48

/* Parses len chars at s (not NUL-terminated; an embedded NUL is an error). */
int timespan_parse(const char *s, size_t len, int64_t *out, char *err, size_t err_size);
/* A TOML integer: 0..TIMESPAN_MAX seconds. */
int timespan_from_int(int64_t v, int64_t *out, char *err, size_t err_size);
/* Key validity (cascade-spec §11.2): timespan_parse() or "forever", which
 * gives TIMESPAN_FOREVER. */
int timespan_parse_validity(const char *s, size_t len, int64_t *out, char *err, size_t err_size);

/*
 * Writes secs for humans, largest unit first, zero units left out, and a
 * NUL: 93784 -> "1d 2h 3m 4s", 0 -> "0s", 1209600 -> "14d",
 * -90 -> "-1m 30s", TIMESPAN_FOREVER -> "forever". Returns the length
 * (without NUL) or ERR_LIMIT when out_size is too small.
 */
int timespan_format(int64_t secs, char *out, size_t out_size);

#endif
