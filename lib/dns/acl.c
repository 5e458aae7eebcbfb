/* acl.c - address prefix and TSIG key access lists (see acl.h). */
#include "lib/dns/acl.h"

#include <arpa/inet.h>
#include <libknot/dname.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/dns/name.h"
#include "lib/util/err.h"

/* Longer than any address with port or length we read ("[" v6 "]:65535"). */
#define ADDR_TEXT_MAX 64

static int fail(struct buf *err, int rc, const char *text, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct buf *err, int rc, const char *text, const char *fmt, ...)
{
	if (!err)
		return rc;
	va_list ap;
	va_start(ap, fmt);
	buf_printf(err, "%s: ", text);
	buf_vprintf(err, fmt, ap);
	va_end(ap);
	return rc;
}

/* Decimal digits only (no sign, no space), at most `digits` of them, with
 * their value in *v. */
static bool read_number(const char *s, size_t digits, unsigned *v)
{
	size_t n = strspn(s, "0123456789");
	if (n == 0 || n > digits || s[n] != '\0')
		return false;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v = *v * 10 + (unsigned)(s[i] - '0');
	return true;
}

/* The address text, and where a length or a port starts (NULL: none), of
 * "ADDR", "ADDR/LEN", "V4:PORT", "[V6]", "[V6]:PORT" or "[V6]/LEN". */
struct addr_parts {
	char a[ADDR_TEXT_MAX];
	const char *len, *port;
	bool bracket;
};

static int split_addr(const char *text, struct addr_parts *p, struct buf *err)
{
	size_t n = strlen(text);
	if (n == 0)
		return fail(err, ERR_SYNTAX, text, "empty address");
	if (n >= ADDR_TEXT_MAX)
		return fail(err, ERR_SYNTAX, text, "too long for an address");
	memcpy(p->a, text + (text[0] == '['), n + 1 - (text[0] == '['));
	p->len = p->port = NULL;
	p->bracket = text[0] == '[';
	char *rest;
	if (p->bracket) {
		char *close = strchr(p->a, ']');
		if (!close)
			return fail(err, ERR_SYNTAX, text, "'[' without ']'");
		*close = '\0';
		rest = close + 1;
		if (*rest != '\0' && *rest != ':' && *rest != '/')
			return fail(err, ERR_SYNTAX, text, "junk after ']'");
	} else if ((rest = strchr(p->a, '/')) == NULL) {
		/* one colon: IPv4 with a port; IPv6 has at least two */
		rest = strchr(p->a, ':');
		if (rest && strchr(rest + 1, ':'))
			rest = NULL;
	}
	if (rest && *rest != '\0') {
		if (*rest == '/')
			p->len = rest + 1;
		else
			p->port = rest + 1;
		*rest = '\0';
	}
	unsigned port;
	if (p->port && (!read_number(p->port, 5, &port) || port > 65535))
		return fail(err, ERR_SYNTAX, text, "bad port \"%s\"", p->port);
	return 0;
}

/* Bits of a beyond the first `bits` are all zero. */
static bool host_bits_clear(const uint8_t *a, unsigned bits, unsigned total)
{
	for (unsigned i = bits; i < total; i++)
		if (a[i / 8] & (0x80u >> (i % 8)))
			return false;
	return true;
}

/* RFC 4291 §2.5.5.2: ::ffff:a.b.c.d is the IPv4 address a.b.c.d. */
static bool v4_mapped(const uint8_t *a)
{
	static const uint8_t pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a, pre, sizeof(pre)) == 0;
}

static int parse_prefix(const char *text, struct acl_entry *e, struct buf *err)
{
	struct addr_parts p;
	int rc = split_addr(text, &p, err);
	if (rc < 0)
		return rc;
	memset(e->addr, 0, sizeof(e->addr));
	unsigned max;
	if (!p.bracket && inet_pton(AF_INET, p.a, e->addr) == 1) {
		e->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, p.a, e->addr) == 1) {
		e->family = AF_INET6;
		max = 128;
	} else {
		return fail(err, ERR_SYNTAX, text, "\"%s\" is not an IPv4 or IPv6 address", p.a);
	}
	unsigned len = max;
	if (p.len && !read_number(p.len, 3, &len))
		return fail(err, ERR_SYNTAX, text, "bad prefix length \"%s\"", p.len);
	if (len > max)
		return fail(err, ERR_RANGE, text, "prefix length /%u over /%u", len, max);
	if (!host_bits_clear(e->addr, len, max))
		return fail(err, ERR_RANGE, text, "host bits set beyond /%u", len);
	e->prefix = (uint8_t)len;
	if (e->family == AF_INET6 && len >= 96 && v4_mapped(e->addr)) {
		e->family = AF_INET;
		e->prefix = (uint8_t)(len - 96);
		memmove(e->addr, e->addr + 12, 4);
		memset(e->addr + 4, 0, 12);
	}
	return 0;
}

static int parse_key(const char *text, const char *key, struct acl_entry *e, struct buf *err)
{
	e->key_len = 0;
	if (!key)
		return 0;
	if (key[0] == '\0')
		return fail(err, ERR_SYNTAX, text, "empty key name");
	if (!knot_dname_from_str(e->key, key, sizeof(e->key)))
		return fail(err, ERR_SYNTAX, text, "bad key name \"%s\"", key);
	name_lower(e->key);
	e->key_len = (uint8_t)knot_dname_size(e->key);
	return 0;
}

int acl_parse_parts(const char *addr, const char *key, struct acl_entry *e, struct buf *err)
{
	memset(e, 0, sizeof(*e));
	int rc = parse_prefix(addr, e, err);
	return rc < 0 ? rc : parse_key(addr, key, e, err);
}

int acl_parse(const char *text, struct acl_entry *e, struct buf *err)
{
	const char *caret = strchr(text, '^');
	if (!caret)
		return acl_parse_parts(text, NULL, e, err);
	size_t n = (size_t)(caret - text);
	if (n >= ADDR_TEXT_MAX)
		return fail(err, ERR_SYNTAX, text, "too long for an address");
	char addr[ADDR_TEXT_MAX];
	memcpy(addr, text, n);
	addr[n] = '\0';
	memset(e, 0, sizeof(*e));
	int rc = parse_prefix(addr, e, err);
	return rc < 0 ? rc : parse_key(text, caret + 1, e, err);
}

/* The peer's family and address, an IPv4-mapped IPv6 one as IPv4. */
static bool peer_addr(const struct sockaddr *sa, int *family, uint8_t *a)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		memcpy(a, &s4->sin_addr, 4);
		*family = AF_INET;
		return true;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	memcpy(a, &s6->sin6_addr, 16);
	*family = AF_INET6;
	if (v4_mapped(a)) {
		memmove(a, a + 12, 4);
		*family = AF_INET;
	}
	return true;
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return ((a[whole] ^ b[whole]) & mask) == 0;
}

enum acl_result acl_check(const struct acl_entry *entries, size_t n, const struct sockaddr *peer,
	const uint8_t *key, size_t *which)
{
	if (which)
		*which = n;
	if (n == 0)
		return ACL_ALLOW;
	int family;
	uint8_t a[16];
	if (!peer_addr(peer, &family, a))
		return ACL_DENY;
	for (size_t i = 0; i < n; i++) {
		const struct acl_entry *e = &entries[i];
		if (e->family != family || !prefix_match(e->addr, a, e->prefix))
			continue;
		if (e->key_len && (!key || !name_equal(e->key, key)))
			continue;
		if (which)
			*which = i;
		return ACL_ALLOW;
	}
	return ACL_DENY;
}

void acl_entry_text(const struct acl_entry *e, char *out, size_t cap)
{
	if (cap == 0)
		return;
	char a[INET6_ADDRSTRLEN];
	if (!inet_ntop(e->family, e->addr, a, sizeof(a)))
		a[0] = '\0';
	char k[4 * LIMIT_NAME_LEN + 2] = "";
	if (e->key_len && knot_dname_to_str(k, e->key, sizeof(k))) {
		size_t kl = strlen(k);
		if (kl > 1 && k[kl - 1] == '.')
			k[kl - 1] = '\0';
	}
	snprintf(out, cap, "%s/%u%s%s", a, e->prefix, e->key_len ? "^" : "", k);
}
