/* buf.c - growable capped buffer (see buf.h). */
#include "lib/util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/err.h"

void buf_init(struct buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap ? cap : SIZE_MAX / 2;
	b->secret = false;
}

static void wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;
	while (n--)
		*v++ = 0;
}

void buf_deinit(struct buf *b)
{
	if (b->data && b->secret)
		wipe(b->data, b->alloc);
	free(b->data);
	b->data = NULL;
	b->len = b->alloc = 0;
}

int buf_reserve(struct buf *b, size_t n)
{
	if (n > b->cap || b->len > b->cap - n)
		return ERR_LIMIT;
	size_t want = b->len + n + 1; /* +1 keeps room for buf_cstr()'s NUL */
	if (want <= b->alloc)
		return 0;
	size_t na = b->alloc ? b->alloc : 64;
	while (na < want)
		na = na > SIZE_MAX / 2 ? want : na * 2;
	uint8_t *nd;
	if (b->secret) {
		nd = malloc(na);
		if (!nd)
			return ERR_NOMEM;
		if (b->data) {
			memcpy(nd, b->data, b->len);
			wipe(b->data, b->alloc);
			free(b->data);
		}
	} else {
		nd = realloc(b->data, na);
		if (!nd)
			return ERR_NOMEM;
	}
	b->data = nd;
	b->alloc = na;
	return 0;
}

int buf_append(struct buf *b, const void *data, size_t n)
{
	int rc = buf_reserve(b, n);
	if (rc < 0)
		return rc;
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	return 0;
}

int buf_append_byte(struct buf *b, uint8_t c)
{
	return buf_append(b, &c, 1);
}

int buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return ERR_INVAL;
	int rc = buf_reserve(b, (size_t)n);
	if (rc < 0)
		return rc;
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *buf_cstr(struct buf *b)
{
	if (!b->data && buf_reserve(b, 0) < 0)
		return "";
	b->data[b->len] = 0;
	return (const char *)b->data;
}

void buf_clear(struct buf *b)
{
	if (b->secret && b->data)
		wipe(b->data, b->len);
	b->len = 0;
}

uint8_t *buf_steal(struct buf *b, size_t *len)
{
	uint8_t *d = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->alloc = 0;
	return d;
}
