/*
 * base.h - base16, base32hex and base64 codecs (RFC 4648).
 *
 * DNS presentation format uses all three: hex for DS digests and NSEC3
 * salts (RFC 4034 §5.3, RFC 5155 §3.3), base32hex without padding for NSEC3
 * hashed owner names (RFC 5155 §1.3, §3.3) and base64 for DNSKEY and RRSIG
 * (RFC 4034 §2.2, §3.2). Key files and zone files may split base64 over
 * several lines, hence the BASE_WS decode flag.
 *
 * Encoders write text plus a terminating NUL into a caller buffer and return
 * the text length (without the NUL). Decoders write bytes into a caller
 * buffer and return their count. Both fail with ERR_LIMIT when the buffer is
 * too small (size it with the *_len / *_max helpers) and decoders fail with
 * ERR_SYNTAX on any character outside the alphabet, misplaced or missing
 * padding, an incomplete final group, or non-zero trailing bits (RFC 4648
 * §3.5: only the canonical encoding is accepted, so one value has one text).
 * Nothing is allocated; every function is thread-safe.
 */
#ifndef CASCADE_UTIL_BASE_H
#define CASCADE_UTIL_BASE_H

#include <stddef.h>
#include <stdint.h>

enum base_flags {
	BASE_WS = 1 << 0,    /* decode: skip space, tab, CR and LF anywhere in the text */
	BASE_LOWER = 1 << 1, /* encode: lower-case letters (base16, base32hex) */
};

/* Text length (without NUL) for n bytes; SIZE_MAX when it would not fit in size_t. */
size_t base16_encoded_len(size_t n);
size_t base32hex_encoded_len(size_t n);
size_t base64_encoded_len(size_t n);

/* Upper bound of the decoded size of len characters of text. */
size_t base16_decoded_max(size_t len);
size_t base32hex_decoded_max(size_t len);
size_t base64_decoded_max(size_t len);

/*
 * Encode n bytes at in (which may be NULL when n is 0) into out, which must
 * hold encoded_len(n) + 1 chars. Returns the text length, or ERR_LIMIT when
 * out_size is too small or the length would exceed INT32_MAX.
 * base16 is upper-case unless BASE_LOWER; base32hex is the RFC 4648 §7
 * alphabet without padding (RFC 5155 §3.3); base64 is RFC 4648 §4 with
 * padding.
 */
int base16_encode(const void *in, size_t n, char *out, size_t out_size, unsigned flags);
int base32hex_encode(const void *in, size_t n, char *out, size_t out_size, unsigned flags);
int base64_encode(const void *in, size_t n, char *out, size_t out_size, unsigned flags);

/*
 * Decode len characters at in (not NUL-terminated; a NUL is a bad character)
 * into out. Returns the byte count, ERR_SYNTAX on malformed text, or
 * ERR_LIMIT when out_size is too small or len exceeds INT32_MAX.
 * base16 and base32hex accept either case. base32hex rejects '=' (NSEC3
 * presentation has no padding); base64 requires it.
 * out may be partly written on failure.
 */
int base16_decode(const char *in, size_t len, uint8_t *out, size_t out_size, unsigned flags);
int base32hex_decode(const char *in, size_t len, uint8_t *out, size_t out_size, unsigned flags);
int base64_decode(const char *in, size_t len, uint8_t *out, size_t out_size, unsigned flags);

#endif
