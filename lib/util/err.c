/* err.c - text for error codes (see err.h). */
#include "lib/util/err.h"

#include <string.h>

static const char *const err_text[] = {
	[-(ERR_INVAL - ERR_BASE)] = "invalid argument",
	[-(ERR_NOMEM - ERR_BASE)] = "out of memory",
	[-(ERR_LIMIT - ERR_BASE)] = "limit exceeded",
	[-(ERR_SYNTAX - ERR_BASE)] = "syntax error",
	[-(ERR_RANGE - ERR_BASE)] = "value out of range",
	[-(ERR_NOTFOUND - ERR_BASE)] = "not found",
	[-(ERR_EXISTS - ERR_BASE)] = "already exists",
	[-(ERR_TRUNC - ERR_BASE)] = "truncated input",
	[-(ERR_ZONE - ERR_BASE)] = "invalid zone content",
	[-(ERR_DIFF - ERR_BASE)] = "diff does not apply",
	[-(ERR_UNSUPP - ERR_BASE)] = "not supported",
	[-(ERR_DNS - ERR_BASE)] = "DNS library error",
	[-(ERR_CRYPTO - ERR_BASE)] = "cryptographic library error",
};

const char *err_str(int code)
{
	if (code == 0)
		return "success";
	if (code < ERR_BASE && code > ERR_LAST) {
		const char *t = err_text[-(code - ERR_BASE)];
		return t ? t : "unknown error";
	}
	if (code < 0 && code > ERR_BASE)
		return strerror(-code); /* glibc's strerror returns static text for valid codes */
	return "unknown error";
}
