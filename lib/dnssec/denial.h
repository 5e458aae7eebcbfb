/*
 * denial.h - the building blocks of authenticated denial of existence:
 * NSEC/NSEC3 type bitmaps (RFC 4034 §4.1.2, RFC 5155 §3.2.1) and NSEC3
 * owner hashes (RFC 5155 §5).
 *
 * Pure functions; thread-safe; callers own the buffers.
 */
#ifndef CASCADE_DNSSEC_DENIAL_H
#define CASCADE_DNSSEC_DENIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A set of RR types, for building a bitmap: one bit per type. */
struct typeset {
	uint8_t bits[8192];
};

void typeset_clear(struct typeset *t);
void typeset_add(struct typeset *t, uint16_t type);
bool typeset_has(const struct typeset *t, uint16_t type);
/* The Type Bit Maps field for the set into out (at most 256 windows of 34
 * octets). Returns its length, or ERR_LIMIT when size is too small. */
int typeset_bitmap(const struct typeset *t, uint8_t *out, size_t size);
/* The types a bitmap field lists (for checks and tests): calls fn for each.
 * Returns 0, or ERR_SYNTAX for a malformed field (RFC 4034 §4.1.2 rules:
 * windows increasing, lengths 1..32, no trailing zero octet). */
int typeset_from_bitmap(struct typeset *t, const uint8_t *bm, size_t len);

/* The Type Bit Maps field for types sorted ascending (repeats allowed), as
 * typeset_bitmap() makes it, without an 8 KiB set. Returns its length or
 * ERR_LIMIT. */
int bitmap_from_types(const uint16_t *types, size_t n, uint8_t *out, size_t size);

#define NSEC3_HASH_SHA1 1
#define NSEC3_HASH_LEN 20	  /* SHA-1 */
#define NSEC3_ITERATIONS_MAX 2500 /* RFC 5155 §10.3's largest; RFC 9276 wants 0 */

/* H(name) with the given iterations and salt (RFC 5155 §5): name is a valid
 * wire name (lower-cased here), out gets NSEC3_HASH_LEN octets. */
int nsec3_hash(const uint8_t *name, const uint8_t *salt, uint8_t salt_len, uint16_t iterations,
	uint8_t *out);

#endif
