/*
 * xfrin.h - one refresh of one zone from one primary, on a libuv loop
 * (cascade-spec §3.3; RFC 1035 SOA query, RFC 1995 IXFR, RFC 5936 AXFR).
 *
 * With a local copy (base) the refresh asks the primary's SOA over UDP
 * (asked twice before giving up; again over TCP when the answer is cut,
 * TC), and stops when the primary's serial is not newer than ours (RFC
 * 1982). Otherwise it asks IXFR over TCP with our SOA, and falls back to
 * AXFR when the primary answers NOTIMP, FORMERR or REFUSED, when the
 * differences do not apply to our version, or when it answers with a
 * newer SOA alone. Without a local copy, or when forced (`cascade zone
 * reload`), it asks AXFR. With a TSIG key every query is signed and every
 * answer checked (RFC 8945 §5.3.1).
 *
 * The loop only moves octets: transfer messages are collected and framed
 * there (lib/dns/xfrin's scan), and TSIG, parsing and building the version
 * run on libuv's thread pool, so a large zone never holds the loop up.
 *
 * Ownership: the refresh takes its own reference to base and copies the
 * key, apex and address. The callback runs once, on the loop, unless the
 * refresh was cancelled first; a NEW_VERSION result hands the callback a
 * zone reference it must keep or drop. After the callback, or after
 * xfrin_refresh_cancel, the refresh frees itself once libuv has closed its
 * handles; the caller drops its pointer. Not thread-safe: loop thread only.
 */
#ifndef CASCADE_LOAD_XFRIN_H
#define CASCADE_LOAD_XFRIN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "lib/dns/tsig.h"
#include "lib/dns/xfrin.h"
#include "lib/util/clock.h"
#include "lib/zone/zone.h"

#define XFRIN_REFRESH_TOTAL_MS (15u * 60 * 1000) /* default: a whole refresh's network time */
#define XFRIN_REFRESH_READ_MS 10000		 /* default: each wait on a TCP connection */
#define XFRIN_REFRESH_UDP_MS 2500		 /* default: each wait for a SOA over UDP */
#define XFRIN_REFRESH_ERR_SIZE 1024

enum xfrin_refresh_status {
	XFRIN_REFRESH_UP_TO_DATE,  /* the primary's serial is not newer than ours */
	XFRIN_REFRESH_NEW_VERSION, /* result->zone holds it */
	XFRIN_REFRESH_FAILED,	   /* result->error says why */
};

struct xfrin_refresh_result {
	enum xfrin_refresh_status status;
	/* the transfer that settled it: NONE when the SOA query did, AXFR,
	 * IXFR, IXFR_AXFR (answered with the whole zone) or UP_TO_DATE */
	enum xfrin_kind kind;
	bool fell_back;	      /* IXFR was asked, then AXFR */
	const char *fallback; /* why, when fell_back */
	struct zone *zone;    /* NEW_VERSION: a reference for the callback */
	/* the primary's SOA as last received (SOA query or transfer), so the
	 * caller can schedule by its refresh, retry and expire timers */
	bool have_soa;
	struct xfrin_soa soa;
	/* of the last transfer */
	uint64_t octets, messages, rrs;
	const char *error; /* FAILED: "the AXFR failed: TSIG: BADSIG", ... */
};

/* Called once on the loop; r and its strings are valid during the call. */
typedef void (*xfrin_refresh_cb)(void *ctx, const struct xfrin_refresh_result *r);

struct xfrin_refresh_opts {
	struct sockaddr_storage primary; /* address and port */
	const uint8_t *apex;		 /* valid wire name */
	struct zone *base;		 /* the local copy, or NULL */
	const struct tsig_key *key;	 /* or NULL */
	bool force_axfr;
	struct xfrin_limits limits; /* zero fields: LIMIT_XFR_* */
	unsigned total_ms;	    /* 0: XFRIN_REFRESH_TOTAL_MS; network time only */
	unsigned read_ms;	    /* 0: XFRIN_REFRESH_READ_MS */
	unsigned udp_ms;	    /* 0: XFRIN_REFRESH_UDP_MS */
	const struct clock *clock;  /* "now" for TSIG (borrowed); NULL: the system's */
	xfrin_refresh_cb cb;
	void *ctx;
};

struct xfrin_refresh;

/* Starts a refresh. Returns 0 and *out, or ERR_INVAL (no callback, a bad
 * apex or address family, a base of another zone) / ERR_NOMEM, and then
 * the callback is never called. */
int xfrin_refresh_start(
	uv_loop_t *loop, const struct xfrin_refresh_opts *o, struct xfrin_refresh **out);

/* Stops the refresh's I/O; the callback will not be called. Work already
 * running on the thread pool finishes and is thrown away. */
void xfrin_refresh_cancel(struct xfrin_refresh *r);

#endif
