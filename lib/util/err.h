/*
 * err.h - error codes shared by every module.
 *
 * Fallible functions return int: 0 on success, a negative code on failure.
 * System errors are negative errno values; our own codes are below
 * ERR_BASE (-1000). err_str() turns any code into static text.
 * Thread-safe: everything here is constant data.
 */
#ifndef CASCADE_UTIL_ERR_H
#define CASCADE_UTIL_ERR_H

#define ERR_BASE (-1000)

enum err_code {
	ERR_INVAL = ERR_BASE - 1,    /* invalid argument */
	ERR_NOMEM = ERR_BASE - 2,    /* out of memory */
	ERR_LIMIT = ERR_BASE - 3,    /* a named cap in lib/limits.h was reached */
	ERR_SYNTAX = ERR_BASE - 4,   /* malformed text input */
	ERR_RANGE = ERR_BASE - 5,    /* value out of range */
	ERR_NOTFOUND = ERR_BASE - 6, /* no such item */
	ERR_EXISTS = ERR_BASE - 7,   /* item already present */
	ERR_TRUNC = ERR_BASE - 8,    /* input ends early */
	ERR_ZONE = ERR_BASE - 9,     /* zone content violates a rule */
	ERR_DIFF = ERR_BASE - 10,    /* a diff does not apply to this version */
	ERR_UNSUPP = ERR_BASE - 11,  /* valid but not supported */
	ERR_DNS = ERR_BASE - 12,     /* error reported by libknot/libzscanner */
	ERR_CRYPTO = ERR_BASE - 13,  /* OpenSSL failed for a reason of its own */
	ERR_LAST = ERR_BASE - 14,
};

/* Text for any code: ours, a negative errno, or 0. Never returns NULL. */
const char *err_str(int code);

#endif
