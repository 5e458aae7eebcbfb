/* serial.c - serial policies (see serial.h). */
#include "lib/dnssec/serial.h"

#include <string.h>
#include <time.h>

#include "lib/util/err.h"

static const char *const names[] = {
	[SERIAL_KEEP] = "keep",
	[SERIAL_COUNTER] = "counter",
	[SERIAL_UNIX_TIME] = "unix-time",
	[SERIAL_DATE_COUNTER] = "date-counter",
};

int serial_policy_parse(const char *name, enum serial_policy *out)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum serial_policy)i;
			return 0;
		}
	}
	return ERR_INVAL;
}

const char *serial_policy_name(enum serial_policy p)
{
	return (unsigned)p < sizeof(names) / sizeof(names[0]) ? names[p] : "unknown";
}

bool serial_gt(uint32_t a, uint32_t b)
{
	/* RFC 1982 §3.2 with SERIAL_BITS 32: the difference taken modulo 2^32 */
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

/* want, unless it does not move past prev: then prev + 1. */
static uint32_t past(uint32_t want, const uint32_t *prev)
{
	return (!prev || serial_gt(want, *prev)) ? want : *prev + 1;
}

int serial_next(
	enum serial_policy p, uint32_t input, const uint32_t *prev, int64_t now, uint32_t *out)
{
	switch (p) {
	case SERIAL_KEEP:
		if (prev && !serial_gt(input, *prev))
			return ERR_RANGE;
		*out = input;
		return 0;
	case SERIAL_COUNTER:
		*out = prev ? *prev + 1 : 1;
		return 0;
	case SERIAL_UNIX_TIME:
		*out = past((uint32_t)now, prev);
		return 0;
	case SERIAL_DATE_COUNTER: {
		time_t t = (time_t)now;
		struct tm tm;
		if (!gmtime_r(&t, &tm))
			return ERR_RANGE;
		uint32_t date = (uint32_t)(tm.tm_year + 1900) * 1000000u +
			(uint32_t)(tm.tm_mon + 1) * 10000u + (uint32_t)tm.tm_mday * 100u;
		*out = past(date, prev);
		return 0;
	}
	}
	return ERR_INVAL;
}
