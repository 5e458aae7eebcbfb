/*
 * sockspec.h - the listen addresses of the config file (cascade-spec.md §10).
 *
 * A socket spec is "ADDR:PORT" (UDP and TCP both), "udp://ADDR:PORT" or
 * "tcp://ADDR:PORT" (that one only). ADDR is an IPv4 address in dotted
 * form or an IPv6 address in brackets ("[::1]:4542"); names are not
 * resolved, and PORT is 1 to 65535 in decimal. The table form of the config
 * file, {type = "udp" | "tcp" | "tcpudp", addr = "ADDR:PORT"}, is read by
 * the config parser with sockspec_addr() for its addr.
 *
 * On failure a one-line message saying what is wrong is written to err
 * (when err_size > 0; SOCKSPEC_ERR_SIZE is enough).
 * Ownership: callers own every buffer. Pure and thread-safe.
 */
#ifndef CASCADE_CONF_SOCKSPEC_H
#define CASCADE_CONF_SOCKSPEC_H

#include <stddef.h>
#include <sys/socket.h>

#define SOCKSPEC_ERR_SIZE 160
/* "[" + an IPv6 address + "]:65535" and a NUL, with room to spare */
#define SOCKSPEC_TEXT_SIZE 64

enum sockspec_proto {
	SOCKSPEC_UDP = 1 << 0,
	SOCKSPEC_TCP = 1 << 1,
	SOCKSPEC_BOTH = SOCKSPEC_UDP | SOCKSPEC_TCP,
};

struct sockspec {
	struct sockaddr_storage addr; /* AF_INET or AF_INET6, port set */
	socklen_t addr_len;
	unsigned proto; /* enum sockspec_proto bits */
};

/* "ADDR:PORT" into out, proto SOCKSPEC_BOTH. 0, or ERR_SYNTAX with err set. */
int sockspec_addr(const char *s, struct sockspec *out, char *err, size_t err_size);
/* A whole spec, with its optional udp:// or tcp:// in front. 0, or
 * ERR_SYNTAX with err set. */
int sockspec_parse(const char *spec, struct sockspec *out, char *err, size_t err_size);
/* The spec back as text, "udp://" or "tcp://" in front when it is one
 * protocol only; size SOCKSPEC_TEXT_SIZE is enough. */
void sockspec_format(const struct sockspec *s, char *buf, size_t size);

#endif
