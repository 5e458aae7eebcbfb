/*
 * dnssrv.h - the small nameserver behind the publication server and the two
 * review servers (cascade-spec.md §4.4, §7).
 *
 * It listens on the given sockets (UDP, TCP or both) and answers only what a
 * hidden signer must: SOA queries, zone transfers and NOTIFY, of the zones
 * the daemon hands it, from the zone version itself, never from a copy.
 *   - SOA (UDP or TCP): the apex SOA, AA set.
 *   - AXFR (TCP only; over UDP NOTIMP): the whole version in as many
 *     messages as it needs (RFC 5936 §2.2), SOA first and last, built a few
 *     messages at a time as the socket drains, so a large zone neither
 *     blocks the loop nor sits in memory twice.
 *   - IXFR (RFC 1995): over TCP the changes since the client's serial when
 *     the ixfr callback has them (condensed, §4), else the whole zone as
 *     AXFR; the SOA alone when the client is up to date, and over UDP (§2).
 *   - NOTIFY (RFC 1996): the notify callback says what to answer.
 *   - TSIG (RFC 8945): a signed request is checked against the keys the
 *     find_key callback knows (none: every key is unknown); a bad one gets
 *     NOTAUTH with the TSIG error (BADKEY, BADSIG, BADTIME); every answer to
 *     a good one is signed, each message of a transfer included (§5.3.1).
 *   - access: the lookup callback sees the client's address and verified
 *     key and may refuse (REFUSED, EDE 18 "Prohibited").
 *   - a zone the daemon does not know: REFUSED for SOA, NOTAUTH for
 *     transfers, with EDE 20 "Not Authoritative" (RFC 8914); a known zone
 *     with no version to serve: SERVFAIL with EDE 14 "Not Ready".
 *   - any other query type or opcode: REFUSED with EDE 21 "Not Supported";
 *     a message that is not a well-formed query: FORMERR when a header can
 *     be echoed, else dropped.
 * EDNS (RFC 6891) is answered with EDNS when the query had it; the UDP
 * answer fits the requestor's buffer (at least 512 octets) and is truncated
 * (TC) when it cannot.
 *
 * Threads: everything runs on the loop thread that started the server; the
 * callbacks are called there too.
 * Ownership: the server keeps the socket specs it needs (copied) and holds a
 * reference to every version it is sending until the transfer ends, and a
 * copy of the TSIG key of each transfer.
 */
#ifndef CASCADE_PUBLISH_DNSSRV_H
#define CASCADE_PUBLISH_DNSSRV_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "lib/conf/sockspec.h"
#include "lib/dns/tsig.h"
#include "lib/zone/zone.h"
#include "lib/zone/zone_diff.h"

#define DNSSRV_ERR_SIZE 256

enum dnssrv_zone {
	DNSSRV_ZONE_UNKNOWN, /* not one of ours */
	DNSSRV_ZONE_NO_DATA, /* ours, but nothing to serve now */
	DNSSRV_ZONE_READY,   /* *out holds a new reference the server releases */
	DNSSRV_ZONE_REFUSED, /* ours, but not for this client */
};

/* Who asks: the client's address and, when the request was signed and its
 * signature checked, the key's name (wire form; else NULL). */
struct dnssrv_req {
	const struct sockaddr *peer;
	const uint8_t *key;
	bool tcp;
};

/* Which version to serve for qname (wire form, as in the query; compare it
 * case-insensitively), to this client. Called on the loop thread for every
 * SOA and transfer query. */
typedef enum dnssrv_zone (*dnssrv_lookup_fn)(
	void *ctx, const uint8_t *qname, const struct dnssrv_req *req, struct zone **out);

/* IXFR: the changes from serial `from` to version z (a new diff the server
 * frees), 0; or ERR_NOTFOUND when they are not known (the client then gets
 * the whole zone). */
typedef int (*dnssrv_ixfr_fn)(
	void *ctx, const struct zone *z, uint32_t from, struct zone_diff **out);

/* NOTIFY of qname (wire form) from req: the RCODE to answer, NOERROR to
 * acknowledge (RFC 1996 §4.7). */
typedef unsigned (*dnssrv_notify_fn)(void *ctx, const uint8_t *qname, const struct dnssrv_req *req);

struct dnssrv_opts {
	const char *name; /* for log lines: "publication", "loaded review", ... */
	const struct sockspec *socks;
	size_t nsocks;
	dnssrv_lookup_fn lookup;
	dnssrv_ixfr_fn ixfr;	 /* NULL: IXFR is answered with the whole zone */
	dnssrv_notify_fn notify; /* NULL: NOTIFY is refused */
	tsig_find_fn find_key;	 /* NULL: no keys */
	void *ctx;		 /* for all four */
	/* Tuning; 0 picks the default of each. */
	unsigned tcp_idle_ms; /* a TCP connection that makes no progress this long is
			       * closed, a stalled transfer with it (DNSSRV_TCP_IDLE_MS) */
	unsigned max_tcp;     /* TCP connections open at once; more are closed at
			       * once (DNSSRV_MAX_TCP) */
	size_t xfr_msg_size;  /* transfer message size aimed at (DNSMSG_XFR_TARGET) */
};

#define DNSSRV_TCP_IDLE_MS 30000 /* RFC 7766 §6.2.3: seconds, not minutes */
#define DNSSRV_MAX_TCP 256
#define DNSSRV_REFUSAL_LINES 10 /* log lines a second about refused requests */

struct dnssrv;

/* Binds every socket and starts serving. On failure nothing stays bound and
 * err (DNSSRV_ERR_SIZE) names the socket and the reason, e.g.
 * "127.0.0.1:4542 (tcp): address already in use". A spec for UDP and TCP
 * with port 0 gets one port the kernel chose for both. opts is copied, but
 * not what socks points to after the call nor ctx. */
int dnssrv_start(uv_loop_t *loop, const struct dnssrv_opts *opts, struct dnssrv **out, char *err);

/* The addresses actually bound, for status output (ports chosen by the
 * kernel for port 0 included): fills at most max and returns the count. */
size_t dnssrv_addrs(const struct dnssrv *s, struct sockspec *out, size_t max);

/* Closes every socket and connection, ends transfers in progress (dropping
 * their references at once) and frees the server once libuv has closed the
 * handles, so the loop must run on for that (uv_run until it has nothing
 * left). NULL is allowed. */
void dnssrv_stop(struct dnssrv *s);

#endif
