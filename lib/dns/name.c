/* name.c - wire names and lookup keys (see name.h). */
#include "lib/dns/name.h"

#include <string.h>

#include "lib/limits.h"
#include "lib/util/err.h"

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

int name_wire_len(const uint8_t *w, size_t max)
{
	size_t pos = 0;
	for (;;) {
		if (pos >= max)
			return ERR_SYNTAX;
		uint8_t l = w[pos];
		if (l > LIMIT_LABEL_LEN)
			return ERR_SYNTAX; /* compression pointers or extended labels */
		pos += (size_t)l + 1;
		if (pos > LIMIT_NAME_LEN)
			return ERR_SYNTAX;
		if (l == 0)
			return (int)pos;
	}
}

int name_labels(const uint8_t *w)
{
	int n = 0;
	while (*w) {
		n++;
		w += *w + 1;
	}
	return n;
}

size_t name_key(const uint8_t *w, uint8_t *key)
{
	/* Collect label offsets, then emit them from the last (top) to the first. */
	const uint8_t *lab[128];
	int n = 0;
	while (*w && n < 128) {
		lab[n++] = w;
		w += *w + 1;
	}
	size_t k = 0;
	while (n-- > 0) {
		const uint8_t *l = lab[n];
		for (uint8_t i = 1; i <= l[0]; i++) {
			uint8_t c = lower(l[i]);
			if (c <= 1) {
				key[k++] = 1;
				key[k++] = (uint8_t)(c + 1);
			} else {
				key[k++] = c;
			}
		}
		key[k++] = 0;
	}
	return k;
}

size_t name_from_key(const uint8_t *key, size_t klen, uint8_t *w)
{
	/* Decode labels top-down into a scratch area, then reverse their order. */
	uint8_t tmp[LIMIT_NAME_LEN + 1];
	size_t starts[128];
	int n = 0;
	size_t t = 0, k = 0;
	while (k < klen && n < 128) {
		starts[n++] = t;
		size_t lenpos = t++;
		while (k < klen && key[k] != 0) {
			if (key[k] == 1 && k + 1 < klen) {
				tmp[t++] = (uint8_t)(key[k + 1] - 1);
				k += 2;
			} else {
				tmp[t++] = key[k++];
			}
		}
		tmp[lenpos] = (uint8_t)(t - lenpos - 1);
		k++; /* separator */
	}
	size_t out = 0;
	while (n-- > 0) {
		size_t s = starts[n];
		size_t len = (size_t)tmp[s] + 1;
		memcpy(w + out, tmp + s, len);
		out += len;
	}
	w[out++] = 0;
	return out;
}

int name_key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = memcmp(a, b, n);
	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

bool name_key_is_ancestor(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	/* Keys end with a separator, so a prefix match is always label-aligned. */
	return alen <= blen && memcmp(a, b, alen) == 0;
}

size_t name_key_parent(const uint8_t *key, size_t klen)
{
	/* Skip the final separator, then back up to the previous one. An escape
	 * pair (0x01 xx) never contains 0x00, so the first 0x00 found is a separator. */
	size_t i = klen - 1;
	while (i > 0 && key[i - 1] != 0)
		i--;
	return i;
}

int name_key_labels(const uint8_t *key, size_t klen)
{
	int n = 0;
	for (size_t i = 0; i < klen; i++) {
		if (key[i] == 1)
			i++; /* escape pair */
		else if (key[i] == 0)
			n++;
	}
	return n;
}

bool name_equal(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		if (*a != *b)
			return false;
		uint8_t l = *a;
		if (l == 0)
			return true;
		for (uint8_t i = 1; i <= l; i++)
			if (lower(a[i]) != lower(b[i]))
				return false;
		a += l + 1;
		b += l + 1;
	}
}

bool name_is_at_or_below(const uint8_t *w, const uint8_t *apex)
{
	int extra = name_labels(w) - name_labels(apex);
	if (extra < 0)
		return false;
	while (extra-- > 0)
		w += *w + 1;
	return name_equal(w, apex);
}

void name_lower(uint8_t *w)
{
	while (*w) {
		for (uint8_t i = 1; i <= *w; i++)
			w[i] = lower(w[i]);
		w += *w + 1;
	}
}

bool name_is_wildcard(const uint8_t *w)
{
	return w[0] == 1 && w[1] == '*';
}

size_t name_unpack(const uint8_t *msg, size_t len, size_t end, size_t *pos, uint8_t *out)
{
	size_t at = *pos, o = 0, lowest = *pos, bound = end;
	bool jumped = false;
	for (;;) {
		if (at >= bound)
			return 0;
		uint8_t b = msg[at];
		if ((b & 0xc0) == 0xc0) {
			if (bound - at < 2)
				return 0;
			size_t to = (size_t)(b & 0x3f) << 8 | msg[at + 1];
			if (!jumped)
				*pos = at + 2;
			jumped = true;
			/* only backwards, each before the last: the walk ends */
			if (to >= lowest)
				return 0;
			lowest = to;
			at = to;
			bound = len;
			continue;
		}
		if (b & 0xc0 || o + 1u + b > LIMIT_NAME_LEN || bound - at < 1u + b)
			return 0;
		memcpy(out + o, msg + at, 1u + b);
		o += 1u + b;
		at += 1u + b;
		if (b == 0)
			break;
	}
	if (!jumped)
		*pos = at;
	return o;
}
