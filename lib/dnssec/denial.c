/* denial.c - type bitmaps and NSEC3 hashes (see denial.h). */
#include "lib/dnssec/denial.h"

#include <openssl/evp.h>
#include <string.h>

#include "lib/dns/name.h"
#include "lib/limits.h"
#include "lib/util/err.h"

void typeset_clear(struct typeset *t)
{
	memset(t->bits, 0, sizeof(t->bits));
}

void typeset_add(struct typeset *t, uint16_t type)
{
	t->bits[type >> 3] |= (uint8_t)(0x80 >> (type & 7));
}

bool typeset_has(const struct typeset *t, uint16_t type)
{
	return t->bits[type >> 3] & (0x80 >> (type & 7));
}

int typeset_bitmap(const struct typeset *t, uint8_t *out, size_t size)
{
	size_t pos = 0;
	for (int w = 0; w < 256; w++) {
		const uint8_t *win = t->bits + w * 32;
		int len = 32;
		while (len > 0 && win[len - 1] == 0)
			len--; /* trailing zero octets are left out */
		if (len == 0)
			continue;
		if (pos + 2 + (size_t)len > size)
			return ERR_LIMIT;
		out[pos++] = (uint8_t)w;
		out[pos++] = (uint8_t)len;
		memcpy(out + pos, win, (size_t)len);
		pos += (size_t)len;
	}
	return (int)pos;
}

int bitmap_from_types(const uint16_t *types, size_t n, uint8_t *out, size_t size)
{
	size_t pos = 0, i = 0;
	while (i < n) {
		uint8_t w = (uint8_t)(types[i] >> 8);
		uint8_t win[32] = {0};
		int len = 0;
		for (; i < n && (types[i] >> 8) == w; i++) {
			int bit = types[i] & 255;
			win[bit >> 3] |= (uint8_t)(0x80 >> (bit & 7));
			if ((bit >> 3) + 1 > len)
				len = (bit >> 3) + 1;
		}
		if (pos + 2 + (size_t)len > size)
			return ERR_LIMIT;
		out[pos++] = w;
		out[pos++] = (uint8_t)len;
		memcpy(out + pos, win, (size_t)len);
		pos += (size_t)len;
	}
	return (int)pos;
}

int typeset_from_bitmap(struct typeset *t, const uint8_t *bm, size_t len)
{
	typeset_clear(t);
	int last = -1;
	size_t pos = 0;
	while (pos < len) {
		if (pos + 2 > len)
			return ERR_SYNTAX;
		int w = bm[pos], n = bm[pos + 1];
		if (w <= last || n < 1 || n > 32 || pos + 2 + (size_t)n > len ||
			bm[pos + 1 + n] == 0)
			return ERR_SYNTAX;
		memcpy(t->bits + w * 32, bm + pos + 2, (size_t)n);
		last = w;
		pos += 2 + (size_t)n;
	}
	return 0;
}

int nsec3_hash(const uint8_t *name, const uint8_t *salt, uint8_t salt_len, uint16_t iterations,
	uint8_t *out)
{
	if (iterations > NSEC3_ITERATIONS_MAX)
		return ERR_RANGE;
	uint8_t buf[LIMIT_NAME_LEN + 1 + 255];
	int nlen = name_wire_len(name, LIMIT_NAME_LEN);
	if (nlen < 0)
		return nlen;
	memcpy(buf, name, (size_t)nlen);
	name_lower(buf); /* RFC 5155 §5: the canonical (lower-case) wire form */
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return ERR_NOMEM;
	int rc = 0;
	const uint8_t *in = buf;
	size_t inlen = (size_t)nlen;
	for (unsigned i = 0; i <= iterations && rc == 0; i++) {
		/* IH(salt, x, 0) = H(x || salt); IH(salt, x, k) = H(IH(salt, x, k-1) || salt) */
		if (EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1 ||
			EVP_DigestUpdate(ctx, in, inlen) != 1 ||
			EVP_DigestUpdate(ctx, salt, salt_len) != 1 ||
			EVP_DigestFinal_ex(ctx, out, NULL) != 1)
			rc = ERR_DNS;
		in = out;
		inlen = NSEC3_HASH_LEN;
	}
	EVP_MD_CTX_free(ctx);
	return rc;
}
