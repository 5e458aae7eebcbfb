/* sockspec.c - listen addresses of the config file (see sockspec.h). */
#include "lib/conf/sockspec.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/util/err.h"

static int fail(char *err, size_t err_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t err_size, const char *fmt, ...)
{
	if (err_size > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, err_size, fmt, ap);
		va_end(ap);
	}
	return ERR_SYNTAX;
}

/* Decimal 1..65535, digits only. */
static bool parse_port(const char *p, unsigned *port)
{
	unsigned v = 0;
	size_t n = 0;
	for (; p[n]; n++) {
		if (p[n] < '0' || p[n] > '9' || n == 5)
			return false;
		v = v * 10 + (unsigned)(p[n] - '0');
	}
	*port = v;
	return n > 0 && v >= 1 && v <= 65535;
}

int sockspec_addr(const char *s, struct sockspec *out, char *err, size_t err_size)
{
	memset(out, 0, sizeof(*out));
	char host[SOCKSPEC_TEXT_SIZE];
	const char *colon;
	bool v6 = s[0] == '[';
	if (v6) {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return fail(
				err, err_size, "'%s': an IPv6 address is written [ADDR]:PORT", s);
		colon = close + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return fail(err, err_size, "'%s': no port (ADDR:PORT)", s);
		if (memchr(s, ':', (size_t)(colon - s)))
			return fail(
				err, err_size, "'%s': an IPv6 address is written [ADDR]:PORT", s);
	}
	size_t hlen = (size_t)(colon - s) - (v6 ? 1 : 0);
	if (hlen == 0 || hlen >= sizeof(host))
		return fail(err, err_size, "'%s': no address before the port", v6 ? s - 1 : s);
	memcpy(host, s, hlen);
	host[hlen] = 0;
	unsigned port;
	if (!parse_port(colon + 1, &port))
		return fail(err, err_size, "'%s': the port must be a number from 1 to 65535",
			colon + 1);
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&out->addr;
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return fail(err, err_size, "'%s': not an IPv6 address", host);
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		out->addr_len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&out->addr;
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return fail(err, err_size,
				"'%s': not an IPv4 address (names are not looked up)", host);
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		out->addr_len = sizeof(*a);
	}
	out->proto = SOCKSPEC_BOTH;
	return 0;
}

int sockspec_parse(const char *spec, struct sockspec *out, char *err, size_t err_size)
{
	static const struct {
		const char *prefix;
		unsigned proto;
	} schemes[] = {{"udp://", SOCKSPEC_UDP}, {"tcp://", SOCKSPEC_TCP}};
	unsigned proto = SOCKSPEC_BOTH;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i].prefix);
		if (strncmp(spec, schemes[i].prefix, n) == 0) {
			spec += n;
			proto = schemes[i].proto;
			break;
		}
	}
	if (strstr(spec, "://"))
		return fail(err, err_size,
			"'%s': only udp:// and tcp:// may come before the address", spec);
	int rc = sockspec_addr(spec, out, err, err_size);
	if (rc == 0)
		out->proto = proto;
	return rc;
}

void sockspec_format(const struct sockspec *s, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	bool v6 = s->addr.ss_family == AF_INET6;
	if (v6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&s->addr;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
	} else if (s->addr.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&s->addr;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
	}
	const char *scheme = s->proto == SOCKSPEC_UDP ? "udp://"
		: s->proto == SOCKSPEC_TCP	      ? "tcp://"
						      : "";
	snprintf(buf, size, "%s%s%s%s:%u", scheme, v6 ? "[" : "", host, v6 ? "]" : "", port);
}
