/*
 * serial.h - SOA serial policies of the signed zone (Cascade's semantics)
 * and serial number arithmetic (RFC 1982).
 *
 * Pure; thread-safe.
 */
#ifndef CASCADE_DNSSEC_SERIAL_H
#define CASCADE_DNSSEC_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

enum serial_policy {
	SERIAL_KEEP,	     /* the loaded serial */
	SERIAL_COUNTER,	     /* the previous one + 1 (first: 1) */
	SERIAL_UNIX_TIME,    /* now, or the previous one + 1 when that is not greater */
	SERIAL_DATE_COUNTER, /* YYYYMMDD00 (UTC), or the previous one + 1 */
};

/* "keep", "counter", "unix-time", "date-counter" (Cascade's names). */
int serial_policy_parse(const char *name, enum serial_policy *out);
const char *serial_policy_name(enum serial_policy p);
/* RFC 1982 §3.2: whether a is greater than b. */
bool serial_gt(uint32_t a, uint32_t b);
/* The serial of the next signed version. prev is the last signed serial,
 * when there is one. ERR_RANGE for keep when input is not greater than prev
 * (a signed serial must never go back or repeat). */
int serial_next(
	enum serial_policy p, uint32_t input, const uint32_t *prev, int64_t now, uint32_t *out);

#endif
