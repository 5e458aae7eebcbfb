/*
 * peeraddr.h - the address of one peer as the config, policies and the CLI
 * write it: a primary to transfer from (`zone add --source`), a secondary
 * to NOTIFY (send-notify-to), a nameserver to check (publication-nameservers).
 *
 * Forms (Cascade's, cascade-spec §3.1 and §11.3): "A.B.C.D", "A.B.C.D:PORT",
 * "[IPV6]", "[IPV6]:PORT" and a bare "IPV6"; the port is decimal, 0 to
 * 65535, and the default given when it is left out. Names are not resolved.
 * peeraddr_split() takes the "^KEY" (a TSIG key name) off the end first.
 *
 * Ownership: callers own every buffer. Pure and thread-safe.
 */
#ifndef CASCADE_CONF_PEERADDR_H
#define CASCADE_CONF_PEERADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Longest address text: "[" IPv6 "]:65535", or an IPv6 prefix. */
#define PEERADDR_MAX 64

/* Parses s into *out (port in network order inside) and *len. Returns 0,
 * or ERR_SYNTAX with *why pointing at static text saying what is wrong
 * ("not an IPv4 address (names are not looked up)", ...). */
int peeraddr_parse(const char *s, uint16_t default_port, struct sockaddr_storage *out,
	socklen_t *len, const char **why);

/* Splits "ADDR^KEY": copies ADDR into addr (PEERADDR_MAX + 1 octets) and
 * points *key at KEY inside s, or sets it NULL when there is no '^'.
 * ERR_SYNTAX when ADDR is too long or KEY is empty. */
int peeraddr_split(const char *s, char *addr, const char **key, const char **why);

/* The port of a parsed address, in host order. */
uint16_t peeraddr_port(const struct sockaddr_storage *sa);

/* An AF_INET or AF_INET6 address as text into buf (PEERADDR_MAX + 1 is
 * enough): "192.0.2.1:53" or "[2001:db8::1]:53", or with hash, as log lines
 * name peers, "192.0.2.1#53". */
void peeraddr_format(const struct sockaddr *sa, bool hash, char *buf, size_t size);

#endif
