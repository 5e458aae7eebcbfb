/*
 * datetime.h - UTC timestamps written YYYYMMDDHHmmSS.
 *
 * The form of RRSIG inception and expiration in presentation format
 * (RFC 4034 §3.2) and of the timing lines in BIND key files. Only the
 * proleptic Gregorian calendar in UTC, years 1970..9999, no leap seconds
 * (Unix time has none). Pure and thread-safe; callers own the buffers.
 */
#ifndef CASCADE_UTIL_DATETIME_H
#define CASCADE_UTIL_DATETIME_H

#include <stddef.h>
#include <stdint.h>

#define DATETIME_STAMP_LEN 14		   /* characters of a stamp, without NUL */
#define DATETIME_MAX INT64_C(253402300799) /* 9999-12-31 23:59:59 */

/* Reads exactly len characters (14 digits, a valid date and time) into Unix
 * seconds. ERR_SYNTAX otherwise. */
int datetime_parse_stamp(const char *s, size_t len, int64_t *out);
/* Writes t (0..DATETIME_MAX, else ERR_RANGE) as 14 characters and a NUL
 * into out (room for DATETIME_STAMP_LEN + 1). */
int datetime_format_stamp(int64_t t, char *out);

#endif
