/*
 * peeraddr.c - peer addresses as written in config, policies and the CLI.
 */
#include "lib/conf/peeraddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/util/err.h"

/* Decimal digits only, 1 to 5 of them, at most 65535. */
static bool parse_port(const char *s, uint16_t *out)
{
	unsigned v = 0;
	size_t n = 0;
	for (; s[n]; n++) {
		if (s[n] < '0' || s[n] > '9' || n == 5)
			return false;
		v = v * 10 + (unsigned)(s[n] - '0');
	}
	*out = (uint16_t)v;
	return n > 0 && v <= 65535;
}

static int fail(const char **why, const char *text)
{
	*why = text;
	return ERR_SYNTAX;
}

static int make_v6(const char *host, uint16_t port, struct sockaddr_storage *out, socklen_t *len,
	const char **why)
{
	struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
	if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
		return fail(why, "not an IPv6 address");
	a->sin6_family = AF_INET6;
	a->sin6_port = htons(port);
	*len = sizeof(*a);
	return 0;
}

/* "[ADDR]" or "[ADDR]:PORT"; host is a writable copy. */
static int parse_bracketed(
	char *host, uint16_t port, struct sockaddr_storage *out, socklen_t *len, const char **why)
{
	char *close = strchr(host, ']');
	if (!close || (close[1] && close[1] != ':'))
		return fail(why, "an IPv6 address with a port is written [ADDR]:PORT");
	*close = 0;
	if (close[1] && !parse_port(close + 2, &port))
		return fail(why, "the port must be a number from 0 to 65535");
	return make_v6(host + 1, port, out, len, why);
}

int peeraddr_parse(const char *s, uint16_t default_port, struct sockaddr_storage *out,
	socklen_t *len, const char **why)
{
	char host[PEERADDR_MAX + 1];
	size_t n = strlen(s);
	uint16_t port = default_port;
	memset(out, 0, sizeof(*out));
	if (n == 0 || n > PEERADDR_MAX)
		return fail(why, n ? "too long for an address" : "no address");
	memcpy(host, s, n + 1);
	if (host[0] == '[')
		return parse_bracketed(host, port, out, len, why);
	char *colon = strchr(host, ':');
	if (colon && strchr(colon + 1, ':')) {
		int rc = make_v6(host, port, out, len, why);
		if (rc < 0)
			*why = "not an IPv6 address (with a port it is written [ADDR]:PORT)";
		return rc;
	}
	if (colon) {
		*colon = 0;
		if (!parse_port(colon + 1, &port))
			return fail(why, "the port must be a number from 0 to 65535");
	}
	struct sockaddr_in *a = (struct sockaddr_in *)out;
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return fail(why, "not an IPv4 address (names are not looked up)");
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	*len = sizeof(*a);
	return 0;
}

int peeraddr_split(const char *s, char *addr, const char **key, const char **why)
{
	const char *caret = strchr(s, '^');
	size_t n = caret ? (size_t)(caret - s) : strlen(s);
	if (n > PEERADDR_MAX)
		return fail(why, "too long for an address");
	if (caret && !caret[1])
		return fail(why, "no TSIG key name after '^'");
	memcpy(addr, s, n);
	addr[n] = 0;
	*key = caret ? caret + 1 : NULL;
	return 0;
}

uint16_t peeraddr_port(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return ntohs(((const struct sockaddr_in *)sa)->sin_port);
}

void peeraddr_format(const struct sockaddr *sa, bool hash, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	bool v6 = sa->sa_family == AF_INET6;
	if (v6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
	}
	snprintf(buf, size, hash ? "%s#%u" : v6 ? "[%s]:%u" : "%s:%u", host, port);
}
