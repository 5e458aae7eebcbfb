/* base.c - base16/base32hex/base64 codecs (see base.h).
 *
 * All three codecs are the same bit-packing loop with a different symbol
 * width (4, 5 or 6 bits) and alphabet, so one encoder and one decoder do
 * the work and each codec only checks the shape of its final group.
 */
#include "lib/util/base.h"

#include <stdbool.h>

#include "lib/util/err.h"

/* Results are returned as int. INT32_MAX rather than INT_MAX because the
 * build's -Ilib makes <limits.h> find lib/limits.h; POSIX ints have at least
 * 32 bits, so this is never above INT_MAX. */
#define RESULT_MAX ((size_t)INT32_MAX)

static const char b16_upper[] = "0123456789ABCDEF";
static const char b16_lower[] = "0123456789abcdef";
/* RFC 4648 §7: the "extended hex" alphabet keeps sort order (RFC 5155 §1.3). */
static const char b32hex_upper[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
static const char b32hex_lower[] = "0123456789abcdefghijklmnopqrstuv";
/* RFC 4648 §4, Table 1. */
static const char b64_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int b16_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int b32hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'V')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'v')
		return c - 'a' + 10;
	return -1;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

size_t base16_encoded_len(size_t n)
{
	return n > SIZE_MAX / 2 ? SIZE_MAX : n * 2;
}

size_t base32hex_encoded_len(size_t n)
{
	/* 5 bytes make 8 symbols; a partial group of r bytes needs ceil(8r/5). */
	static const size_t tail[5] = {0, 2, 4, 5, 7};
	size_t groups = n / 5;
	if (groups > (SIZE_MAX - 7) / 8)
		return SIZE_MAX;
	return groups * 8 + tail[n % 5];
}

size_t base64_encoded_len(size_t n)
{
	size_t groups = n / 3 + (n % 3 != 0);
	return groups > SIZE_MAX / 4 ? SIZE_MAX : groups * 4;
}

size_t base16_decoded_max(size_t len)
{
	return len / 2;
}

size_t base32hex_decoded_max(size_t len)
{
	return len / 8 * 5 + len % 8 * 5 / 8;
}

size_t base64_decoded_max(size_t len)
{
	return len / 4 * 3 + len % 4 * 3 / 4;
}

/*
 * Packs 8-bit input into width-bit symbols, most significant bits first
 * (RFC 4648 §3.4 ordering), zero-filling the last partial symbol.
 * pad_to > 1 appends '=' until the length is a multiple of it.
 */
static int encode_bits(const uint8_t *in, size_t n, size_t need, const char *alpha, unsigned width,
	size_t pad_to, char *out, size_t out_size)
{
	if (need == SIZE_MAX || need >= RESULT_MAX || out_size <= need)
		return ERR_LIMIT;
	const uint32_t mask = (1u << width) - 1;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= width) {
			bits -= width;
			out[o++] = alpha[(acc >> bits) & mask];
		}
		acc &= (1u << bits) - 1; /* keep only the unsent bits */
	}
	if (bits > 0)
		out[o++] = alpha[(acc << (width - bits)) & mask];
	while (pad_to > 1 && o % pad_to != 0)
		out[o++] = '=';
	out[o] = '\0';
	return (int)o;
}

int base16_encode(const void *in, size_t n, char *out, size_t out_size, unsigned flags)
{
	const char *alpha = (flags & BASE_LOWER) ? b16_lower : b16_upper;
	return encode_bits(in, n, base16_encoded_len(n), alpha, 4, 0, out, out_size);
}

int base32hex_encode(const void *in, size_t n, char *out, size_t out_size, unsigned flags)
{
	const char *alpha = (flags & BASE_LOWER) ? b32hex_lower : b32hex_upper;
	return encode_bits(in, n, base32hex_encoded_len(n), alpha, 5, 0, out, out_size);
}

int base64_encode(const void *in, size_t n, char *out, size_t out_size, unsigned flags)
{
	(void)flags; /* base64 is case-sensitive; nothing to choose */
	return encode_bits(in, n, base64_encoded_len(n), b64_alpha, 6, 4, out, out_size);
}

/* What decode_bits() saw, for the per-codec checks of the final group. */
struct decode_tail {
	size_t nsym;   /* data symbols */
	size_t npad;   /* '=' characters */
	uint32_t rest; /* value of the bits left over after the last whole byte */
};

/*
 * Unpacks width-bit symbols into bytes. Whitespace is skipped only with
 * BASE_WS; '=' is accepted only when allow_pad and only as a run at the end.
 * Returns the byte count or a negative error; *t describes the tail.
 */
static int decode_bits(const char *in, size_t len, int (*value)(unsigned char), unsigned width,
	bool allow_pad, unsigned flags, uint8_t *out, size_t out_size, struct decode_tail *t)
{
	if (len > RESULT_MAX)
		return ERR_LIMIT;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	t->nsym = t->npad = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if ((flags & BASE_WS) && is_ws(c))
			continue;
		if (c == '=' && allow_pad) {
			t->npad++;
			continue;
		}
		int v = value(c);
		if (v < 0 || t->npad > 0) /* bad character, or data after padding */
			return ERR_SYNTAX;
		t->nsym++;
		acc = (acc << width) | (uint32_t)v;
		bits += width;
		if (bits >= 8) {
			bits -= 8;
			if (o >= out_size)
				return ERR_LIMIT;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	t->rest = acc;
	return (int)o;
}

int base16_decode(const char *in, size_t len, uint8_t *out, size_t out_size, unsigned flags)
{
	struct decode_tail t;
	int n = decode_bits(in, len, b16_value, 4, false, flags, out, out_size, &t);
	if (n < 0)
		return n;
	if (t.nsym % 2 != 0) /* half a byte */
		return ERR_SYNTAX;
	return n;
}

int base32hex_decode(const char *in, size_t len, uint8_t *out, size_t out_size, unsigned flags)
{
	struct decode_tail t;
	int n = decode_bits(in, len, b32hex_value, 5, false, flags, out, out_size, &t);
	if (n < 0)
		return n;
	/* A final group of 1, 3 or 6 symbols cannot come from whole bytes
	 * (RFC 4648 §6: the final quantum is 8, 16, 24 or 32 bits). */
	switch (t.nsym % 8) {
	case 1:
	case 3:
	case 6:
		return ERR_SYNTAX;
	default:
		break;
	}
	if (t.rest != 0) /* RFC 4648 §3.5: pad bits must be zero */
		return ERR_SYNTAX;
	return n;
}

int base64_decode(const char *in, size_t len, uint8_t *out, size_t out_size, unsigned flags)
{
	struct decode_tail t;
	int n = decode_bits(in, len, b64_value, 6, true, flags, out, out_size, &t);
	if (n < 0)
		return n;
	/* RFC 4648 §4: the final quantum is 4 symbols, or 3 + "=", or 2 + "==".
	 * One lone symbol carries fewer than 8 bits and is never valid. */
	size_t r = t.nsym % 4;
	if (r == 1 || t.npad != (4 - r) % 4)
		return ERR_SYNTAX;
	if (t.rest != 0) /* RFC 4648 §3.5: pad bits must be zero */
		return ERR_SYNTAX;
	return n;
}
