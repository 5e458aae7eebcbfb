/*
 * dnsmsg.h - the DNS messages of the small nameserver (src/publish/dnssrv):
 * queries read from untrusted octets, and every answer it gives: the apex
 * SOA, errors with an Extended DNS Error (RFC 8914), and zone transfers
 * written message by message straight from a zone version (RFC 5936) or,
 * for IXFR, from a diff (RFC 1995).
 *
 * What is answered how (the whole policy lives in dnsmsg_reply):
 *   - SOA: the apex SOA, AA set (UDP or TCP);
 *   - AXFR: over TCP a transfer (dnsmsg_xfr_*), over UDP NOTIMP;
 *   - IXFR: over TCP a transfer, or the SOA alone when the client's serial
 *     is not older (RFC 1995 §2); over UDP the SOA alone (RFC 1995 §2). The
 *     transfer is incremental (dnsmsg_ixfr_init) when the caller holds a diff
 *     from the client's serial to the version served (condensed from the
 *     chain of diffs, zone_diff_condense), else the whole zone as for AXFR
 *     (dnsmsg_xfr_init), which RFC 1995 §4 allows;
 *   - a zone that is not ours: REFUSED for SOA, NOTAUTH for transfers, EDE 20;
 *     ours with nothing to serve: SERVFAIL, EDE 14;
 *   - ours but not for this client (its access list said no): REFUSED, EDE 18
 *     "Prohibited";
 *   - another type, class or opcode (NOTIFY included: the server that takes
 *     it answers it before): REFUSED, EDE 21; EDNS version above 0: BADVERS
 *     (RFC 6891 §6.1.3);
 *   - TSIG is the caller's (lib/dns/tsig.h): it checks a signed query before
 *     asking here, and appends the TSIG RR to each answer in the room that
 *     q->reserve keeps free;
 *   - a malformed query: FORMERR when a header can be echoed; a response, or
 *     fewer octets than a header: no answer at all.
 * Answers echo ID, opcode, RD and CD and the question as it was asked, and
 * carry an OPT RR when the query did (RFC 6891 §7). A UDP answer fits the
 * requestor's payload size (at least 512, at most DNSMSG_UDP_MAX) and is cut
 * to its header and question with TC set when it cannot (RFC 2181 §9).
 *
 * The transfer writer keeps every name in one message compressed against the
 * names before it (RFC 1035 §4.1.4): owners against the previous owner (in
 * canonical order the longest common suffix is almost always there), names
 * inside the RDATA of the RFC 1035 types against the owner and the previous
 * such name (RFC 3597 §4: no other type's names are compressed). Names are
 * matched octet for octet, so every name keeps its case.
 *
 * Ownership: callers own every buffer; a transfer borrows the version it
 * writes (and an IXFR its diff), so the caller holds them until it is
 * finished or dropped.
 * Pure and thread-safe: a transfer state is used by one thread at a time.
 */
#ifndef CASCADE_DNS_DNSMSG_H
#define CASCADE_DNS_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"
#include "lib/zone/tree.h"
#include "lib/zone/zone.h"

struct zone_diff;
struct zone_diff_rr;

#define DNSMSG_HEADER 12
#define DNSMSG_MAX 65535	    /* the TCP length field (RFC 1035 §4.2.2) */
#define DNSMSG_UDP_MIN 512	    /* RFC 1035 §4.2.1 */
#define DNSMSG_UDP_MAX 1232	    /* our EDNS payload size: no IP fragments (RFC 9715) */
#define DNSMSG_XFR_TARGET 16384	    /* default transfer message size, see dnsmsg_xfr_init */
#define DNSMSG_EDE_NONE (-1)	    /* no Extended DNS Error */
#define DNSMSG_COMPRESS_LIMIT 16384 /* pointers are 14 bits (RFC 1035 §4.1.4) */
#define DNSMSG_OPCODE_NOTIFY 4	    /* RFC 1996 §3.1 */

enum dnsmsg_rcode {
	DNSMSG_RCODE_NOERROR = 0,
	DNSMSG_RCODE_FORMERR = 1,
	DNSMSG_RCODE_SERVFAIL = 2,
	DNSMSG_RCODE_NXDOMAIN = 3,
	DNSMSG_RCODE_NOTIMP = 4,
	DNSMSG_RCODE_REFUSED = 5,
	DNSMSG_RCODE_NOTAUTH = 9,
	DNSMSG_RCODE_BADVERS = 16, /* extended: the upper 8 bits go in the OPT RR */
};

/* RFC 8914 §5.2 */
enum dnsmsg_ede {
	DNSMSG_EDE_NOT_READY = 14,
	DNSMSG_EDE_PROHIBITED = 18,
	DNSMSG_EDE_NOT_AUTHORITATIVE = 20,
	DNSMSG_EDE_NOT_SUPPORTED = 21,
};

/* How far dnsmsg_parse_query got. */
enum dnsmsg_status {
	DNSMSG_QUERY_OK,      /* a well-formed query */
	DNSMSG_QUERY_DROP,    /* not to be answered: too short for a header, or a response */
	DNSMSG_QUERY_BAD,     /* malformed: answer FORMERR (rcode holds it) */
	DNSMSG_QUERY_BADVERS, /* an EDNS version we do not speak */
};

struct dnsmsg_query {
	enum dnsmsg_status status;
	const char *problem; /* static text saying what is wrong, or NULL */
	size_t problem_at;   /* offset in the message where it was seen */
	uint16_t id;
	uint8_t opcode;
	bool rd, cd;
	bool has_question; /* qname, qtype, qclass are valid */
	uint8_t qname_len;
	uint16_t qtype, qclass;
	uint8_t qname[LIMIT_NAME_LEN + 1]; /* as asked, case kept */
	/* EDNS (RFC 6891 §6.1.3) */
	bool edns;
	bool edns_do;
	uint8_t edns_version;
	uint16_t udp_size; /* the requestor's payload size as sent */
	/* IXFR: the client's SOA serial from the authority section (RFC 1995 §3) */
	bool has_client_serial;
	uint32_t client_serial;
	/* TSIG (RFC 8945 §4.2): the query carries one, as its last record; the
	 * caller checks it (lib/dns/tsig.h) and signs the answers */
	bool tsig;
	/* Set by the caller before dnsmsg_reply: octets every answer leaves
	 * free at its end (for a TSIG RR, tsig_rr_space) */
	uint16_t reserve;
};

/* Reads a query from wire[0..len) (untrusted). Returns 0 when q->status is
 * DNSMSG_QUERY_OK, else ERR_SYNTAX (DNSMSG_QUERY_BAD), ERR_UNSUPP (DNSMSG_QUERY_BADVERS) or
 * ERR_TRUNC (DNSMSG_QUERY_DROP), with q->problem and q->problem_at saying what and
 * where. Whatever it returns, dnsmsg_reply knows what to answer. */
int dnsmsg_parse_query(const uint8_t *wire, size_t len, struct dnsmsg_query *q);

/* Whether the answer to q depends on the zone of q->qname (SOA, AXFR and
 * IXFR queries of class IN): then the caller looks it up before replying. */
bool dnsmsg_wants_zone(const struct dnsmsg_query *q);
/* Whether q is a NOTIFY of a zone (opcode NOTIFY, class IN, type SOA; RFC
 * 1996 §3.7), which a server that takes NOTIFY answers itself with
 * dnsmsg_answer_error (NOERROR to acknowledge); dnsmsg_reply refuses it. */
bool dnsmsg_is_notify(const struct dnsmsg_query *q);

/* What the caller knows of the zone of q->qname. */
enum dnsmsg_zone {
	DNSMSG_ZONE_UNKNOWN,
	DNSMSG_ZONE_NO_DATA,
	DNSMSG_ZONE_READY,
	DNSMSG_ZONE_REFUSED, /* ours, but not for this client (its access list) */
};

enum dnsmsg_reply {
	DNSMSG_REPLY_NONE, /* send nothing */
	DNSMSG_REPLY_MSG,  /* send out[0..*len) */
	DNSMSG_REPLY_XFR,  /* start a transfer of the zone (dnsmsg_xfr_init) */
};

/* Decides the answer to q (see the top of this file) and writes it to out
 * (cap octets; DNSMSG_MAX is always enough). zs and z are what the lookup
 * found (z only with DNSMSG_ZONE_READY; borrowed); a version whose apex is
 * not q->qname counts as unknown, one without an apex SOA as not ready.
 * tcp chooses the transport: over UDP the answer fits dnsmsg_udp_limit(q);
 * either way q->reserve octets stay free, as far as the header and question
 * leave room for them. Returns 0
 * with *reply and *len, or ERR_INVAL when cap is under 512. */
int dnsmsg_reply(const struct dnsmsg_query *q, enum dnsmsg_zone zs, const struct zone *z, bool tcp,
	uint8_t *out, size_t cap, size_t *len, enum dnsmsg_reply *reply);

/* The largest UDP answer to q: 512 without EDNS, else the requestor's size
 * within [512, DNSMSG_UDP_MAX]. */
size_t dnsmsg_udp_limit(const struct dnsmsg_query *q);

/* An answer of only the header (rcode, and AA when aa), the question and the
 * EDNS OPT (with the EDE info code ede and its text, unless ede is
 * DNSMSG_EDE_NONE; text may be NULL); TC set and the OPT cut to its bare
 * form, or dropped, when that does not fit in limit octets. out holds cap >= limit octets. Returns 0 and
 * *len, or ERR_INVAL when limit is under DNSMSG_HEADER + the question. */
int dnsmsg_answer_error(const struct dnsmsg_query *q, unsigned rcode, int ede, const char *text,
	uint8_t *out, size_t limit, size_t *len);

/* The apex SOA of z as the answer to q (AA set), its owner pointing at the
 * question; truncated (TC, no answer) when it does not fit in limit octets.
 * z is borrowed and must have an apex SOA (else ERR_NOTFOUND). */
int dnsmsg_answer_soa(const struct dnsmsg_query *q, const struct zone *z, uint8_t *out,
	size_t limit, size_t *len);

/* A suffix table for compression: a written name, where its labels start
 * inside it, and where in the message each of its suffixes can be found. */
struct dnsmsg_cname {
	const uint8_t *name; /* uncompressed wire name, borrowed; NULL: none */
	uint8_t labels;
	uint8_t lpos[LIMIT_NAME_LEN / 2 + 1];  /* offset of label i inside name */
	uint16_t moff[LIMIT_NAME_LEN / 2 + 1]; /* message offset of the suffix from label i,
						* 0: none reachable by a pointer */
};

/* AXFR: FIRST_SOA, BODY, LAST_SOA, DONE; IXFR (RFC 1995 §4): FIRST_SOA (the
 * new SOA), OLD_SOA, REMOVED, NEW_SOA, ADDED, LAST_SOA, DONE. */
enum dnsmsg_xfr_state {
	DNSMSG_XFR_FIRST_SOA,
	DNSMSG_XFR_BODY,
	DNSMSG_XFR_OLD_SOA,
	DNSMSG_XFR_REMOVED,
	DNSMSG_XFR_NEW_SOA,
	DNSMSG_XFR_ADDED,
	DNSMSG_XFR_LAST_SOA,
	DNSMSG_XFR_DONE,
};

/* A zone transfer in progress: a cursor over the version, or over the diff
 * for IXFR. Plain data; no cleanup is needed beyond dropping the caller's
 * zone reference (and diff). */
struct dnsmsg_xfr {
	const struct zone *zone; /* borrowed */
	const struct rrset *soa; /* the apex SOA, first and last */
	const struct node *apex;
	struct tree_iter it;
	const struct node *node;   /* the node being sent, NULL at the end */
	const struct rrset *rrset; /* the RRset being sent within node */
	uint32_t rdata_pos;	   /* the next RR within rrset */
	/* IXFR only: the diff sent instead of the tree (NULL for AXFR) */
	const struct zone_diff *diff;	    /* borrowed */
	const struct zone_diff_rr *old_soa; /* the client's SOA, in diff->removed */
	size_t diff_pos;		    /* the next RR of the removed or added list */
	enum dnsmsg_xfr_state state;
	size_t target;	  /* message size aimed at */
	uint16_t reserve; /* octets each message leaves free at its end, for the
			   * caller's TSIG RR (set after init; 0 by default) */
	/* the query, echoed in every message */
	uint16_t id;
	uint8_t flags2; /* opcode and RD of the query's third header octet */
	bool cd;
	bool edns, edns_do;
	uint16_t qtype, qclass;
	uint8_t qname_len;
	uint8_t qname[LIMIT_NAME_LEN + 1];
	/* compression state of the message being written */
	struct dnsmsg_cname owner, rdname, question;
	/* counters for the log line */
	uint64_t rrs;
	uint64_t msgs;
	uint64_t octets;
};

/* Starts a transfer of z (borrowed: hold a reference until done) answering
 * q (a DNSMSG_QUERY_OK query with a question). target is the message size aimed
 * at: 0 picks DNSMSG_XFR_TARGET; it is raised to 512 and cut to DNSMSG_MAX.
 * Messages of at most 16 KiB keep every name a possible compression target
 * (pointers reach 16383 octets, RFC 1035 §4.1.4). Returns 0, or ERR_NOTFOUND
 * when z has no apex SOA. */
int dnsmsg_xfr_init(
	struct dnsmsg_xfr *x, const struct dnsmsg_query *q, const struct zone *z, size_t target);

/* Starts an incremental transfer (RFC 1995 §4) answering q (as for
 * dnsmsg_xfr_init) with the changes of d, from the client's version to z:
 * the new SOA; then the old SOA (d's removed SOA), the removed RRs, the new
 * SOA, the added RRs; and the new SOA last. The new SOA is z's apex SOA; the
 * SOAs in d's lists are not sent as changes. The lists go in their order,
 * so a diff in canonical order (zone_diff_compute, zone_diff_condense) keeps
 * the RRs of a name together, which compresses best. z and d are borrowed
 * until the transfer is done or dropped; dnsmsg_xfr_next writes it. Returns
 * 0; ERR_NOTFOUND when z has no apex SOA; ERR_DIFF when d does not end at
 * z's serial, or its removed list holds no SOA of d's old serial. */
int dnsmsg_ixfr_init(struct dnsmsg_xfr *x, const struct dnsmsg_query *q, const struct zone *z,
	const struct zone_diff *d, size_t target);

/* Writes the next message into out (cap octets, at least DNSMSG_MAX: one RR
 * larger than the target gets a message of its own up to 65535 octets).
 * The first message echoes the question and starts with the SOA; every RRset
 * of every node follows in canonical order, split RR by RR across messages
 * where needed; the last message ends with the SOA again (RFC 5936 §2.2).
 * An IXFR goes the same way through its sequence (dnsmsg_ixfr_init).
 * Returns 0 with *len > 0, or 0 with *len == 0 once the transfer is
 * complete; ERR_LIMIT when one RR cannot fit in any message; ERR_INVAL when
 * cap is too small. */
int dnsmsg_xfr_next(struct dnsmsg_xfr *x, uint8_t *out, size_t cap, size_t *len);

/* True once the last message has been written (AXFR and IXFR). */
static inline bool dnsmsg_xfr_done(const struct dnsmsg_xfr *x)
{
	return x->state == DNSMSG_XFR_DONE;
}

#endif
