/*
 * acl.h - access control lists of address prefixes and TSIG keys, for who
 * may transfer a zone from us (provide-xfr-to) and whose NOTIFY we heed.
 *
 * An entry is written "PREFIX[^KEY]" (the policy keeps the two parts apart:
 * acl_parse_parts). PREFIX is an IPv4 or IPv6 address with an optional
 * "/len"; without one it names a single host (/32, /128). The forms with a
 * port that Cascade's configuration uses, "192.0.2.1:53" and
 * "[2001:db8::1]:53", are read too: the port is ignored, as a request's
 * source port says nothing about who sent it. An IPv6 prefix inside
 * ::ffff:0:0/96 (IPv4-mapped, RFC 4291 §2.5.5.2) is kept as the IPv4 prefix
 * it stands for. A prefix with bits set beyond its length (192.0.2.1/24) is
 * refused, not silently widened: it is usually a host meant alone or a
 * typing error, and either way the operator should look.
 *
 * Matching (acl_check):
 *   - an empty list admits every request (Cascade's default for
 *     provide-xfr-to);
 *   - an entry without a key admits every request from its prefix, signed or
 *     not: a verified signature is never weaker than none;
 *   - an entry with a key admits only requests from its prefix signed with
 *     that key;
 *   - a request is admitted when any entry admits it (order does not matter:
 *     there are no deny entries);
 *   - a peer at an IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a dual-stack
 *     socket reports IPv4 clients) is matched as the IPv4 address a.b.c.d.
 * The key given to acl_check must be one whose signature on the request was
 * verified (RFC 8945 §5.2); a request with a bad or unknown signature is
 * answered with a TSIG error before the list is asked.
 *
 * Ownership: entries are plain data the caller owns; nothing is kept of the
 * texts or the socket address given. Pure and thread-safe.
 */
#ifndef CASCADE_DNS_ACL_H
#define CASCADE_DNS_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/limits.h"
#include "lib/util/buf.h"

/* Room for any entry as acl_entry_text writes it: an IPv6 address, "/128",
 * "^" and a key name in presentation form (4 octets per octet escaped). */
#define ACL_TEXT_MAX (46 + 4 + 1 + 4 * LIMIT_NAME_LEN + 1)

struct acl_entry {
	int family;	  /* AF_INET or AF_INET6 */
	uint8_t prefix;	  /* bits that must match: 0..32 or 0..128 */
	uint8_t addr[16]; /* network order, bits beyond prefix zero; IPv4 in addr[0..4) */
	uint8_t key_len;  /* 0: no key */
	uint8_t key[LIMIT_NAME_LEN + 1]; /* the key's name in wire form, lower case */
};

enum acl_result {
	ACL_DENY = 0,
	ACL_ALLOW = 1,
};

/* Reads "PREFIX[^KEY]" into e. Returns 0, or ERR_SYNTAX (a malformed
 * address, port or length, an empty or malformed key name) or ERR_RANGE (a
 * length over 32 or 128, bits set beyond it), with a message naming the
 * text in err (may be NULL). */
int acl_parse(const char *text, struct acl_entry *e, struct buf *err);

/* The same with the address and the key apart, as the policy keeps them:
 * addr is "PREFIX" (no "^"), key a name in presentation form ("xfr-key" or
 * "xfr-key.") or NULL for none. */
int acl_parse_parts(const char *addr, const char *key, struct acl_entry *e, struct buf *err);

/* Whether a request from peer (an AF_INET or AF_INET6 socket address; other
 * families match no entry), signed with the key named key (wire form, any
 * case; NULL when the request was not signed), is admitted by
 * entries[0..n): see the top of this file. When which is not NULL it gets
 * the index of the first entry that admits the request, or n when none does
 * (or the list is empty). */
enum acl_result acl_check(const struct acl_entry *entries, size_t n, const struct sockaddr *peer,
	const uint8_t *key, size_t *which);

/* The entry as text for logs, "192.0.2.0/24^xfr-key" (the length always
 * written, the key without its trailing dot), into out (cap octets,
 * ACL_TEXT_MAX is enough; cut short otherwise, always NUL-terminated). */
void acl_entry_text(const struct acl_entry *e, char *out, size_t cap);

#endif
