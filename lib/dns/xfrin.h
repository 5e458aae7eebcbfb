/*
 * xfrin.h - the client side of zone transfers: the queries (SOA, AXFR,
 * IXFR) and a parser of the response stream (RFC 5936 AXFR, RFC 1995 IXFR).
 *
 * The parser is fed one response message at a time (untrusted octets). It
 * checks every message against the query (ID, QR, opcode, rcode, the
 * question as RFC 5936 §2.2.1 allows: absent after the first message) and
 * tells the kinds of answer apart:
 *   - AXFR: SOA, the zone, the same SOA again (RFC 5936 §2.2);
 *   - IXFR, incremental: the new SOA, then difference sequences (old SOA,
 *     records removed, new SOA, records added) and the new SOA again
 *     (RFC 1995 §4);
 *   - IXFR answered AXFR-style: the new SOA then a record that is not a SOA;
 *   - IXFR answered with a lone SOA: up to date when its serial is not
 *     newer than ours (RFC 1982), else the caller asks again with AXFR.
 * An rcode other than NOERROR ends the stream with ERR_DNS and the rcode
 * kept, so the caller can fall back to AXFR on NOTIMP, FORMERR or REFUSED.
 *
 * Two modes share the same framing code, so they agree on where a stream
 * ends: a scan (cheap: records are walked, not copied; for the event loop,
 * to know when to stop reading) and a full parse (owners checked against
 * the zone, RDATA names decompressed (RFC 3597 §4), an AXFR built into a
 * zone version, an IXFR into one struct zone_diff per sequence). The full
 * parse runs on a worker thread over the messages the scan collected.
 *
 * Ownership: the parser owns what it builds until xfrin_finish hands the
 * version over; it borrows nothing after a call returns (messages may be
 * freed once fed). Pure; one parser is used by one thread at a time.
 */
#ifndef CASCADE_DNS_XFRIN_H
#define CASCADE_DNS_XFRIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"
#include "lib/util/buf.h"
#include "lib/zone/zone.h"
#include "lib/zone/zone_build.h"
#include "lib/zone/zone_diff.h"

#define XFRIN_ERR_SIZE 512
/* A query fits in this many octets with room for any TSIG RR after it. */
#define XFRIN_QUERY_MAX 2048

#define XFRIN_QTYPE_SOA 6
#define XFRIN_QTYPE_IXFR 251
#define XFRIN_QTYPE_AXFR 252

/* What the transfer turned out to be. */
enum xfrin_kind {
	XFRIN_KIND_NONE,       /* not known yet, or no transfer happened */
	XFRIN_KIND_AXFR,       /* an AXFR */
	XFRIN_KIND_IXFR,       /* IXFR with difference sequences */
	XFRIN_KIND_IXFR_AXFR,  /* IXFR answered with the whole zone */
	XFRIN_KIND_UP_TO_DATE, /* IXFR answered with a SOA not newer than ours */
	XFRIN_KIND_LONE_SOA,   /* IXFR answered with a newer SOA alone: ask AXFR */
};

/* Caps on one transfer; 0 in a field means its LIMIT_XFR_* default. */
struct xfrin_limits {
	uint64_t octets;   /* all messages together */
	uint64_t messages; /* number of messages */
	uint64_t rrs;	   /* records in the answer sections */
};

/* The fields of a SOA record's RDATA after the names (RFC 1035 §3.3.13). */
struct xfrin_soa {
	uint32_t ttl;
	uint32_t serial, refresh, retry, expire, minimum;
};

/* "AXFR", "IXFR", "AXFR-style IXFR", ... for logs and counters. */
const char *xfrin_kind_name(enum xfrin_kind k);
/* "NOTIMP", "REFUSED", ... or "RCODE14". */
const char *xfrin_rcode_name(unsigned rcode);

/* Writes a query for apex (a valid wire name) of qtype (XFRIN_QTYPE_*)
 * with this ID into out (cap octets). An IXFR carries our current SOA RR,
 * taken from base, in the authority section (RFC 1995 §3); base is
 * borrowed and only read for IXFR (it must have an apex SOA). The SOA
 * query carries an EDNS OPT with a payload size of 1232 (RFC 6891) so the
 * answer and its TSIG RR rarely need TCP. RD is clear. Room for a TSIG RR
 * is the caller's: cap = XFRIN_QUERY_MAX leaves enough for
 * tsig_sign_query. Returns 0 and *len, ERR_LIMIT when out is too small,
 * ERR_NOTFOUND when base has no SOA, ERR_INVAL on a bad qtype. */
int xfrin_query(uint16_t qtype, uint16_t id, const uint8_t *apex, const struct zone *base,
	uint8_t *out, size_t cap, size_t *len);

/* Reads the answer to a SOA query for apex with this ID (msg untrusted).
 * Returns 0 with *soa; ERR_TRUNC when TC is set (ask again over TCP);
 * ERR_DNS with *rcode when the primary answered with an error; ERR_SYNTAX
 * for anything else malformed or not matching, ERR_NOTFOUND when the
 * answer holds no SOA of the zone. err (XFRIN_ERR_SIZE) says what. */
int xfrin_parse_soa(const uint8_t *msg, size_t len, uint16_t id, const uint8_t *apex,
	struct xfrin_soa *soa, unsigned *rcode, char *err);

/* Reads the ID of a message (0 when shorter than 2 octets). */
uint16_t xfrin_msg_id(const uint8_t *msg, size_t len);

struct xfrin_opts {
	const uint8_t *apex;  /* valid wire name, copied */
	uint16_t qtype;	      /* XFRIN_QTYPE_AXFR or XFRIN_QTYPE_IXFR */
	uint16_t id;	      /* the query's ID */
	uint32_t base_serial; /* IXFR: the serial we asked from */
	struct xfrin_limits limits;
	bool scan_only; /* frame and count only; no version is built */
};

enum xfrin_state {
	XFRIN_ST_FIRST,	 /* before the first SOA */
	XFRIN_ST_SECOND, /* after it: the next record says what this is */
	XFRIN_ST_BODY,	 /* AXFR (or AXFR-style IXFR) records */
	XFRIN_ST_DEL,	 /* IXFR: records of a sequence removed */
	XFRIN_ST_ADD,	 /* IXFR: records of a sequence added */
	XFRIN_ST_END,	 /* after the closing SOA */
};

/* The records of one owner waiting to become a node (full AXFR parse). */
struct xfrin_pending {
	uint8_t owner[LIMIT_NAME_LEN + 1];
	size_t owner_len;
	struct node_rr *rrs;
	size_t n, cap;
	struct buf rd; /* their RDATA; rrs[i].rdata holds an offset until built */
};

struct xfrin {
	struct xfrin_opts o;
	uint8_t apex[LIMIT_NAME_LEN + 1];
	enum xfrin_state state;
	enum xfrin_kind kind;
	int error;	/* the first error, or 0; sticky */
	unsigned rcode; /* the rcode that ended the stream, or 0 */
	uint64_t octets, msgs, rrs;
	/* the first SOA: the version the stream brings */
	struct xfrin_soa soa;
	bool have_soa;
	uint16_t soa_len; /* decompressed RDATA, case kept */
	uint8_t soa_rd[2 * (LIMIT_NAME_LEN + 1) + 20];
	bool lone;	  /* the first message held the SOA alone */
	uint32_t seq_new; /* IXFR: where the current sequence ends */
	/* full parse */
	uint8_t *scratch; /* decompressed RDATA of the record at hand */
	struct xfrin_pending pend;
	struct zone_build zb;
	bool zb_used;
	struct buf zb_err; /* what zone_build reported */
	struct zone_diff *diffs;
	size_t ndiffs, diffs_cap;
	char err[XFRIN_ERR_SIZE];
};

/* Prepares x; the limits' zero fields take their defaults. Returns 0,
 * ERR_INVAL (bad apex or qtype) or ERR_NOMEM. Deinit x either way. */
int xfrin_init(struct xfrin *x, const struct xfrin_opts *o);
void xfrin_deinit(struct xfrin *x);

/* Feeds the next response message (msg untrusted, not kept). Returns 0
 * while the stream is good; once xfrin_done() is true, a further message
 * is an error. Errors stick, and x->err names the message, the record and
 * what is wrong ("message 12: record 3: owner www.other.test. is outside
 * the zone"); the codes: ERR_DNS (an rcode: x->rcode), ERR_SYNTAX (a
 * malformed or mismatched message), ERR_ZONE (a record the zone cannot
 * hold, a closing SOA that differs from the first), ERR_LIMIT (a cap of
 * x->o.limits: the text names it), ERR_NOMEM. */
int xfrin_feed(struct xfrin *x, const uint8_t *msg, size_t len);

/* True once the stream is complete: the closing SOA came, or an IXFR was
 * answered with a lone SOA. */
bool xfrin_done(const struct xfrin *x);

/* Ends a full parse. For an AXFR (or AXFR-style IXFR) builds the version;
 * for an IXFR applies the difference sequences in order to base (borrowed;
 * the first must start at base's serial, each at the one before's end);
 * for an up-to-date or lone-SOA answer *out is NULL. Returns 0 and *out (a
 * new reference, or NULL), or: the error fed earlier, ERR_TRUNC when the
 * stream ended before the closing SOA, ERR_ZONE when the version breaks a
 * zone rule, ERR_DIFF when a sequence does not apply ("IXFR: difference
 * sequence from 5 to 7 does not apply: ..."); x->err says what. */
int xfrin_finish(struct xfrin *x, const struct zone *base, struct zone **out);

#endif
