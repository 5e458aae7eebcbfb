/*
 * buf.h - growable byte buffer with a hard cap.
 *
 * Appends fail with ERR_LIMIT instead of growing past cap, so untrusted input
 * can never make it grow without bound. The buffer owns its memory;
 * buf_deinit() frees it (wiping it first when the buffer holds a secret).
 * Not thread-safe.
 */
#ifndef CASCADE_UTIL_BUF_H
#define CASCADE_UTIL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data;
	size_t len;
	size_t alloc;
	size_t cap;  /* maximum len; appends past it fail with ERR_LIMIT */
	bool secret; /* wipe on free and on reallocation */
};

/* cap 0 means SIZE_MAX / 2. */
void buf_init(struct buf *b, size_t cap);
void buf_deinit(struct buf *b);
/* Makes room for n more bytes. */
int buf_reserve(struct buf *b, size_t n);
int buf_append(struct buf *b, const void *data, size_t n);
int buf_append_byte(struct buf *b, uint8_t c);
/* Appends a C string without its NUL. */
int buf_append_str(struct buf *b, const char *s);
/* printf-style append; the buffer stays NUL-terminated after it. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* NUL-terminates the content (not counted in len) and returns it as a string. */
const char *buf_cstr(struct buf *b);
void buf_clear(struct buf *b);
/* Hands the memory to the caller (who frees it with free()); b is left empty. */
uint8_t *buf_steal(struct buf *b, size_t *len);

#endif
