/*
 * name.h - domain names in wire form and their lookup keys.
 *
 * Names are kept in uncompressed wire form (RFC 1035 §3.1). The lookup key of
 * a name lists its labels from the root down, lower-cased, each followed by a
 * 0x00 separator, with the octets 0x00 and 0x01 escaped as 0x01 0x01 and
 * 0x01 0x02. With that code plain memcmp() order of keys is the canonical
 * DNS name order of RFC 4034 §6.1, so trees and sorts need no name logic.
 * The root's key is empty.
 *
 * Every function is pure and thread-safe. Callers own all buffers; functions
 * that take untrusted wire data check it against the length they are given.
 */
#ifndef CASCADE_DNS_NAME_H
#define CASCADE_DNS_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A key needs at most two octets per name octet. */
#define NAME_KEY_MAX 512

/* Length of the wire name at w (within max octets), or ERR_SYNTAX if it is
 * malformed (compression pointer, label over 63, over 255 octets, runs past max). */
int name_wire_len(const uint8_t *w, size_t max);
/* Reads the name at msg[*pos] (untrusted; a message of len octets) into
 * out (LIMIT_NAME_LEN + 1 octets) uncompressed, following compression
 * pointers (RFC 1035 §4.1.4), each of which must point before every one
 * followed so far, so the walk ends. The name's own octets must end by end
 * (<= len; the end of its record), those pointed at by len. *pos moves past
 * the name as stored. Returns its length, or 0 when it is malformed. */
size_t name_unpack(const uint8_t *msg, size_t len, size_t end, size_t *pos, uint8_t *out);
/* Number of labels, not counting the root label. w must be valid. */
int name_labels(const uint8_t *w);
/* Builds the lookup key of the valid wire name w into key (NAME_KEY_MAX
 * octets); returns its length. */
size_t name_key(const uint8_t *w, uint8_t *key);
/* Rebuilds the lower-cased wire name from a key; returns its length. */
size_t name_from_key(const uint8_t *key, size_t klen, uint8_t *w);
/* Compares two keys: memcmp order with the shorter first on a common prefix. */
int name_key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* True when key a names b or an ancestor of b (a is a prefix ending on a label). */
bool name_key_is_ancestor(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* Length of the key of the parent name (key minus its last label); 0 for a
 * single label. klen must be > 0. */
size_t name_key_parent(const uint8_t *key, size_t klen);
/* Number of labels in a key. */
int name_key_labels(const uint8_t *key, size_t klen);
/* True when the wire names are equal ignoring ASCII case. */
bool name_equal(const uint8_t *a, const uint8_t *b);
/* True when the valid wire name w is apex or below it (ASCII case ignored). */
bool name_is_at_or_below(const uint8_t *w, const uint8_t *apex);
/* Lower-cases ASCII letters of a valid wire name in place. */
void name_lower(uint8_t *w);
/* True when the first label is "*" (RFC 4592). */
bool name_is_wildcard(const uint8_t *w);

#endif
