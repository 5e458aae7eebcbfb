/* dnsmsg.c - queries in, single-message answers out (see dnsmsg.h). */
#include "lib/dns/dnsmsg.h"

#include <libknot/rdata.h>

#include "lib/dns/dnsmsg_impl.h"
#include "lib/dns/name.h"
#include "lib/util/err.h"

/* A bounds-checked reader over the query. */
struct rd {
	const uint8_t *p;
	size_t len;
	size_t pos;
};

static int bad(struct dnsmsg_query *q, enum dnsmsg_status st, const char *what, size_t at)
{
	q->status = st;
	q->problem = what;
	q->problem_at = at;
	return st == DNSMSG_QUERY_DROP	     ? ERR_TRUNC
		: st == DNSMSG_QUERY_BADVERS ? ERR_UNSUPP
					     : ERR_SYNTAX;
}

/* Moves past a name that may end in a compression pointer (RFC 1035
 * §4.1.4), without following it. */
static bool skip_name(struct rd *r)
{
	size_t total = 0;
	for (;;) {
		if (r->pos >= r->len)
			return false;
		uint8_t b = r->p[r->pos];
		if (b == 0) {
			r->pos++;
			return true;
		}
		if ((b & 0xc0) == 0xc0) {
			if (r->len - r->pos < 2)
				return false;
			r->pos += 2;
			return true;
		}
		if (b & 0xc0) /* the extended label types of RFC 6891 §5 are gone */
			return false;
		total += 1u + b;
		if (total + 1 > LIMIT_NAME_LEN || r->len - r->pos < 1u + b)
			return false;
		r->pos += 1u + b;
	}
}

static int parse_question(struct rd *r, struct dnsmsg_query *q)
{
	int n = name_wire_len(r->p + r->pos, r->len - r->pos);
	if (n < 0)
		return bad(q, DNSMSG_QUERY_BAD, "question: malformed or compressed name", r->pos);
	if (r->len - r->pos < (size_t)n + 4)
		return bad(q, DNSMSG_QUERY_BAD, "question: ends before its type and class", r->pos);
	memcpy(q->qname, r->p + r->pos, (size_t)n);
	q->qname_len = (uint8_t)n;
	r->pos += (size_t)n;
	q->qtype = dnsmsg_get_u16(r->p + r->pos);
	q->qclass = dnsmsg_get_u16(r->p + r->pos + 2);
	r->pos += 4;
	q->has_question = true;
	return 0;
}

/* OPT (RFC 6891 §6.1): one at most, owned by the root, options whole. */
static int parse_opt(
	struct dnsmsg_query *q, const uint8_t *rr, size_t at, const uint8_t *rdata, uint16_t rdlen)
{
	if (q->edns)
		return bad(q, DNSMSG_QUERY_BAD, "more than one OPT record", at);
	if (rr[0] != 0)
		return bad(q, DNSMSG_QUERY_BAD, "OPT record not owned by the root", at);
	q->edns = true;
	q->udp_size = dnsmsg_get_u16(rr + 3);
	q->edns_version = rr[6];
	q->edns_do = (rr[7] & 0x80) != 0;
	for (size_t o = 0; o < rdlen;) {
		if (rdlen - o < 4 || rdlen - o - 4 < dnsmsg_get_u16(rdata + o + 2))
			return bad(q, DNSMSG_QUERY_BAD, "OPT option runs past its record", at);
		o += 4u + dnsmsg_get_u16(rdata + o + 2);
	}
	return 0;
}

/* TSIG (RFC 8945 §4.2): noted here, checked by the caller (lib/dns/tsig.h);
 * the algorithm name and the fixed fields must be there. */
static int parse_tsig(
	struct dnsmsg_query *q, const struct rd *r, size_t at, size_t rdata, uint16_t rdlen)
{
	uint8_t alg[LIMIT_NAME_LEN + 1];
	size_t pos = rdata;
	size_t al = name_unpack(r->p, rdata + rdlen, rdata + rdlen, &pos, alg);
	if (al == 0 || rdata + rdlen - pos < 10)
		return bad(q, DNSMSG_QUERY_BAD, "malformed TSIG record", at);
	q->tsig = true;
	return 0;
}

/* The client's serial from an IXFR query's authority SOA (RFC 1995 §3). */
static void note_client_soa(
	struct dnsmsg_query *q, const struct rd *r, size_t rdata, uint16_t rdlen)
{
	struct rd s = {.p = r->p, .len = rdata + rdlen, .pos = rdata};
	if (skip_name(&s) && skip_name(&s) && s.len - s.pos == 20) {
		q->has_client_serial = true;
		q->client_serial = dnsmsg_get_u32(s.p + s.pos);
	}
}

/* Walks the answer, authority and additional records. */
static int parse_records(struct rd *r, struct dnsmsg_query *q, const uint16_t counts[3])
{
	for (unsigned sec = 0; sec < 3; sec++) {
		for (unsigned i = 0; i < counts[sec]; i++) {
			size_t at = r->pos;
			if (q->tsig)
				return bad(
					q, DNSMSG_QUERY_BAD, "TSIG record is not the last one", at);
			if (!skip_name(r))
				return bad(q, DNSMSG_QUERY_BAD,
					"record: malformed or truncated owner", at);
			if (r->len - r->pos < 10)
				return bad(q, DNSMSG_QUERY_BAD, "record ends before its data", at);
			const uint8_t *h = r->p + r->pos;
			uint16_t type = dnsmsg_get_u16(h), rdlen = dnsmsg_get_u16(h + 8);
			r->pos += 10;
			if (r->len - r->pos < rdlen)
				return bad(
					q, DNSMSG_QUERY_BAD, "record data runs past the end", at);
			size_t rdata = r->pos;
			r->pos += rdlen;
			int rc = 0;
			if (sec == 2 && type == DNSMSG_T_OPT)
				rc = parse_opt(q, r->p + at, at, r->p + rdata, rdlen);
			else if (sec == 2 && type == DNSMSG_T_TSIG)
				rc = parse_tsig(q, r, at, rdata, rdlen);
			else if (sec == 1 && i == 0 && type == DNSMSG_T_SOA)
				note_client_soa(q, r, rdata, rdlen);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int dnsmsg_parse_query(const uint8_t *wire, size_t len, struct dnsmsg_query *q)
{
	memset(q, 0, sizeof(*q));
	if (len < DNSMSG_HEADER)
		return bad(q, DNSMSG_QUERY_DROP, "shorter than a DNS header", 0);
	q->id = dnsmsg_get_u16(wire);
	q->opcode = (wire[2] >> 3) & 0x0f;
	q->rd = (wire[2] & DNSMSG_F_RD) != 0;
	q->cd = (wire[3] & DNSMSG_F_CD) != 0;
	if (wire[2] & DNSMSG_F_QR) /* never answer an answer (RFC 1035 §4.1.1) */
		return bad(q, DNSMSG_QUERY_DROP, "a response, not a query", 2);
	uint16_t qd = dnsmsg_get_u16(wire + 4);
	uint16_t counts[3] = {
		dnsmsg_get_u16(wire + 6), dnsmsg_get_u16(wire + 8), dnsmsg_get_u16(wire + 10)};
	struct rd r = {.p = wire, .len = len, .pos = DNSMSG_HEADER};
	if (qd != 1)
		return bad(q, DNSMSG_QUERY_BAD, "question count is not 1", 4);
	int rc = parse_question(&r, q);
	if (rc == 0)
		rc = parse_records(&r, q, counts);
	if (rc < 0)
		return rc;
	if (r.pos != len)
		return bad(q, DNSMSG_QUERY_BAD, "octets after the last record", r.pos);
	if (q->edns && q->edns_version != 0)
		return bad(q, DNSMSG_QUERY_BADVERS, "EDNS version is not 0", DNSMSG_HEADER);
	if (q->opcode == 0 && q->qtype == DNSMSG_T_IXFR && !q->has_client_serial)
		return bad(q, DNSMSG_QUERY_BAD, "IXFR query without the client's SOA (RFC 1995 §3)",
			r.pos);
	q->status = DNSMSG_QUERY_OK;
	return 0;
}

size_t dnsmsg_udp_limit(const struct dnsmsg_query *q)
{
	if (!q->edns || q->udp_size <= DNSMSG_UDP_MIN)
		return DNSMSG_UDP_MIN;
	return q->udp_size < DNSMSG_UDP_MAX ? q->udp_size : DNSMSG_UDP_MAX;
}

void dnsmsg_w_opt(struct dnsmsg_w *w, unsigned rcode, bool dnssec_ok, int ede, const char *text)
{
	size_t tlen = text ? strnlen(text, 200) : 0;
	uint8_t h[DNSMSG_OPT_SIZE] = {0, 0, DNSMSG_T_OPT, DNSMSG_UDP_MAX >> 8,
		DNSMSG_UDP_MAX & 0xff, (uint8_t)(rcode >> 4), 0, dnssec_ok ? 0x80 : 0, 0, 0, 0};
	if (ede != DNSMSG_EDE_NONE)
		dnsmsg_put_u16(h + 9, (uint16_t)(6 + tlen));
	dnsmsg_w_bytes(w, h, sizeof(h));
	if (ede == DNSMSG_EDE_NONE)
		return;
	dnsmsg_w_u16(w, DNSMSG_OPT_EDE); /* RFC 8914 §2: info code, then UTF-8 text */
	dnsmsg_w_u16(w, (uint16_t)(2 + tlen));
	dnsmsg_w_u16(w, (uint16_t)ede);
	dnsmsg_w_bytes(w, text, tlen);
}

/* Header and question; flags2 adds AA / TC. */
static void w_head(struct dnsmsg_w *w, const struct dnsmsg_query *q, unsigned rcode, uint8_t flags2)
{
	uint8_t h[DNSMSG_HEADER] = {(uint8_t)(q->id >> 8), (uint8_t)q->id,
		(uint8_t)(DNSMSG_F_QR | q->opcode << 3 | (q->rd ? DNSMSG_F_RD : 0) | flags2),
		(uint8_t)((q->cd ? DNSMSG_F_CD : 0) | (rcode & 0x0f))};
	dnsmsg_w_bytes(w, h, sizeof(h));
	if (q->has_question) {
		w->buf[5] = 1;
		dnsmsg_w_bytes(w, q->qname, q->qname_len);
		dnsmsg_w_u16(w, q->qtype);
		dnsmsg_w_u16(w, q->qclass);
	}
}

/* The records of the additional section: OPT (with the EDE unless bare).
 * A TSIG RR, which must come last (RFC 8945 §5.1), is the caller's to add
 * in the room q->reserve keeps. */
static void w_additional(struct dnsmsg_w *w, const struct dnsmsg_query *q, unsigned rcode, int ede,
	const char *text, bool bare)
{
	uint16_t ar = 0;
	if (q->edns) {
		dnsmsg_w_opt(w, rcode, q->edns_do, bare ? DNSMSG_EDE_NONE : ede, text);
		ar++;
	}
	dnsmsg_put_u16(w->buf + 10, ar);
}

int dnsmsg_answer_error(const struct dnsmsg_query *q, unsigned rcode, int ede, const char *text,
	uint8_t *out, size_t limit, size_t *len)
{
	*len = 0;
	/* without EDNS an extended rcode cannot be said: the nearest is FORMERR */
	if (rcode > 15 && !q->edns)
		rcode = DNSMSG_RCODE_FORMERR;
	struct dnsmsg_w w = {.buf = out, .cap = limit};
	w_head(&w, q, rcode, 0);
	if (w.over)
		return ERR_INVAL;
	size_t head = w.len;
	w_additional(&w, q, rcode, ede, text, false);
	if (w.over) { /* keep what matters most: the rcode's extension */
		w.over = false;
		w.len = head;
		out[2] |= DNSMSG_F_TC;
		w_additional(&w, q, rcode, ede, text, true);
	}
	if (w.over) {
		w.over = false;
		w.len = head;
		dnsmsg_put_u16(out + 10, 0);
	}
	*len = w.len;
	return 0;
}

int dnsmsg_answer_soa(
	const struct dnsmsg_query *q, const struct zone *z, uint8_t *out, size_t limit, size_t *len)
{
	*len = 0;
	const struct node *apex = zone_apex_node(z);
	const struct rrset *soa = apex ? node_find(apex, DNSMSG_T_SOA, 0) : NULL;
	if (!soa || soa->count == 0 || !q->has_question)
		return ERR_NOTFOUND;
	struct dnsmsg_w w = {.buf = out, .cap = limit};
	w_head(&w, q, DNSMSG_RCODE_NOERROR, DNSMSG_F_AA);
	if (w.over)
		return ERR_INVAL;
	size_t head = w.len;
	struct dnsmsg_cname qref, last = {.name = NULL};
	dnsmsg_cname_set(&qref, q->qname, DNSMSG_HEADER);
	const knot_rdata_t *rd = (const knot_rdata_t *)soa->rdata;
	dnsmsg_w_u16(&w, 0xc000 | DNSMSG_HEADER); /* the owner is the qname */
	dnsmsg_w_u16(&w, DNSMSG_T_SOA);
	dnsmsg_w_u16(&w, DNSMSG_C_IN);
	dnsmsg_w_u32(&w, soa->ttl);
	dnsmsg_w_u16(&w, 0);
	size_t start = w.len;
	dnsmsg_w_rdata(&w, DNSMSG_T_SOA, rd->data, rd->len, &qref, &last);
	if (!w.over) {
		dnsmsg_put_u16(out + start - 2, (uint16_t)(w.len - start));
		out[7] = 1;
		w_additional(&w, q, DNSMSG_RCODE_NOERROR, DNSMSG_EDE_NONE, NULL, false);
	}
	if (w.over) { /* RFC 2181 §9: TC, and nothing that would be partial */
		w.over = false;
		w.len = head;
		out[2] |= DNSMSG_F_TC;
		out[7] = 0;
		w_additional(&w, q, DNSMSG_RCODE_NOERROR, DNSMSG_EDE_NONE, NULL, false);
		if (w.over) {
			w.len = head;
			dnsmsg_put_u16(out + 10, 0);
		}
	}
	*len = w.len;
	return 0;
}

bool dnsmsg_is_notify(const struct dnsmsg_query *q)
{
	return q->status == DNSMSG_QUERY_OK && q->opcode == DNSMSG_OPCODE_NOTIFY &&
		q->qclass == DNSMSG_C_IN && q->qtype == DNSMSG_T_SOA;
}

bool dnsmsg_wants_zone(const struct dnsmsg_query *q)
{
	return q->status == DNSMSG_QUERY_OK && q->opcode == 0 && q->qclass == DNSMSG_C_IN &&
		(q->qtype == DNSMSG_T_SOA || q->qtype == DNSMSG_T_AXFR ||
			q->qtype == DNSMSG_T_IXFR);
}

/* RFC 1982 §3.2: whether serial a is newer than b. */
static bool serial_newer(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

/* The error answer for a query that needs no zone, or -1 when it needs one. */
static int plain_error(const struct dnsmsg_query *q, bool tcp, int *ede, const char **text)
{
	*ede = DNSMSG_EDE_NONE;
	*text = NULL;
	if (q->status == DNSMSG_QUERY_BAD)
		return DNSMSG_RCODE_FORMERR;
	if (q->status == DNSMSG_QUERY_BADVERS)
		return DNSMSG_RCODE_BADVERS;
	*ede = DNSMSG_EDE_NOT_SUPPORTED;
	if (q->opcode == DNSMSG_OPCODE_NOTIFY) { /* a server that takes it answers before */
		*text = "NOTIFY is not taken here";
		return DNSMSG_RCODE_REFUSED;
	}
	if (q->opcode != 0) {
		*text = "only standard queries and NOTIFY are answered";
		return DNSMSG_RCODE_REFUSED;
	}
	if (q->qclass != DNSMSG_C_IN) {
		*text = "only class IN is served";
		return DNSMSG_RCODE_REFUSED;
	}
	if (q->qtype != DNSMSG_T_SOA && q->qtype != DNSMSG_T_AXFR && q->qtype != DNSMSG_T_IXFR) {
		*text = "only SOA, AXFR and IXFR are answered";
		return DNSMSG_RCODE_REFUSED;
	}
	if (q->qtype == DNSMSG_T_AXFR && !tcp) { /* RFC 5936 §4.2 */
		*text = "AXFR is served over TCP only";
		return DNSMSG_RCODE_NOTIMP;
	}
	*ede = DNSMSG_EDE_NONE;
	return -1;
}

int dnsmsg_reply(const struct dnsmsg_query *q, enum dnsmsg_zone zs, const struct zone *z, bool tcp,
	uint8_t *out, size_t cap, size_t *len, enum dnsmsg_reply *reply)
{
	*len = 0;
	*reply = DNSMSG_REPLY_NONE;
	if (cap < DNSMSG_UDP_MIN)
		return ERR_INVAL;
	if (q->status == DNSMSG_QUERY_DROP)
		return 0;
	size_t limit = tcp ? (cap < DNSMSG_MAX ? cap : DNSMSG_MAX) : dnsmsg_udp_limit(q);
	if (limit > cap)
		limit = cap;
	/* a TSIG RR's room, as far as the header and question leave it */
	size_t least = DNSMSG_HEADER + (q->has_question ? q->qname_len + 4u : 0u);
	limit = q->reserve < limit - least ? limit - q->reserve : least;
	*reply = DNSMSG_REPLY_MSG;
	int ede;
	const char *text;
	int rcode = plain_error(q, tcp, &ede, &text);
	if (rcode >= 0)
		return dnsmsg_answer_error(q, (unsigned)rcode, ede, text, out, limit, len);
	bool xfr = q->qtype != DNSMSG_T_SOA;
	if (zs == DNSMSG_ZONE_READY && (!z || !name_equal(z->apex, q->qname)))
		zs = DNSMSG_ZONE_UNKNOWN;
	const struct node *apex = zs == DNSMSG_ZONE_READY ? zone_apex_node(z) : NULL;
	if (zs == DNSMSG_ZONE_READY && (!apex || !node_find(apex, DNSMSG_T_SOA, 0)))
		zs = DNSMSG_ZONE_NO_DATA;
	if (zs == DNSMSG_ZONE_REFUSED) /* RFC 5936 §2.2.1: not for this client */
		return dnsmsg_answer_error(q, DNSMSG_RCODE_REFUSED, DNSMSG_EDE_PROHIBITED,
			"not allowed for this client", out, limit, len);
	if (zs == DNSMSG_ZONE_UNKNOWN) /* RFC 5936 §2.2.1 for transfers */
		return dnsmsg_answer_error(q, xfr ? DNSMSG_RCODE_NOTAUTH : DNSMSG_RCODE_REFUSED,
			DNSMSG_EDE_NOT_AUTHORITATIVE, "not a zone of this server", out, limit, len);
	if (zs == DNSMSG_ZONE_NO_DATA)
		return dnsmsg_answer_error(q, DNSMSG_RCODE_SERVFAIL, DNSMSG_EDE_NOT_READY,
			"zone has no version to serve", out, limit, len);
	/* IXFR over UDP, or from a client as new as we are: the SOA alone
	 * (RFC 1995 §2, §4); any other IXFR is a transfer, from the diffs
	 * when the caller has them, else of the whole zone */
	if (q->qtype == DNSMSG_T_SOA ||
		(q->qtype == DNSMSG_T_IXFR && (!tcp || !serial_newer(z->serial, q->client_serial))))
		return dnsmsg_answer_soa(q, z, out, limit, len);
	*reply = DNSMSG_REPLY_XFR;
	return 0;
}
