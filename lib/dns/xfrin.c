/* xfrin.c - transfer queries, the SOA answer, and the framing of a transfer
 * stream (see xfrin.h). */
#include "lib/dns/xfrin.h"

#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dns/dnsmsg_impl.h"
#include "lib/dns/xfrin_impl.h"
#include "lib/dnssec/serial.h"
#include "lib/util/err.h"

#define NAME_TEXT (KNOT_DNAME_TXT_MAXLEN + 1)
#define EDNS_PAYLOAD 1232 /* RFC 6891 §6.2.5, no IP fragments */

const char *xfrin_kind_name(enum xfrin_kind k)
{
	switch (k) {
	case XFRIN_KIND_AXFR:
		return "AXFR";
	case XFRIN_KIND_IXFR:
		return "IXFR";
	case XFRIN_KIND_IXFR_AXFR:
		return "AXFR-style IXFR";
	case XFRIN_KIND_UP_TO_DATE:
		return "IXFR (up to date)";
	case XFRIN_KIND_LONE_SOA:
		return "IXFR (lone SOA)";
	default:
		return "none";
	}
}

const char *xfrin_rcode_name(unsigned rcode)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"};
	static const char *const other[16] = {
		"RCODE11", "RCODE12", "RCODE13", "RCODE14", "RCODE15"};
	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	return rcode < 16 ? other[rcode - 11] : "RCODE?";
}

uint16_t xfrin_msg_id(const uint8_t *msg, size_t len)
{
	return len >= 2 ? dnsmsg_get_u16(msg) : 0;
}

int xfrin_fail(struct xfrin *x, int code, const char *fmt, ...)
{
	if (x->error)
		return x->error;
	x->error = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->err, sizeof(x->err), fmt, ap);
	va_end(ap);
	return code;
}

/* ------------------------------------------------------------ queries */

/* Our SOA RR from base (RFC 1995 §3), its owner a pointer to the question. */
static int write_base_soa(struct dnsmsg_w *w, const struct zone *base)
{
	const struct rrset *soa =
		base ? zone_find_rrset(base, base->apex, KNOT_RRTYPE_SOA, 0) : NULL;
	uint32_t pos = 0;
	const uint8_t *rd;
	uint16_t rdlen;
	if (!soa || !rrset_next_rdata(soa, &pos, &rd, &rdlen))
		return ERR_NOTFOUND;
	dnsmsg_w_u16(w, 0xc000 | DNSMSG_HEADER);
	dnsmsg_w_u16(w, KNOT_RRTYPE_SOA);
	dnsmsg_w_u16(w, DNSMSG_C_IN);
	dnsmsg_w_u32(w, soa->ttl);
	dnsmsg_w_u16(w, rdlen);
	dnsmsg_w_bytes(w, rd, rdlen);
	return 0;
}

int xfrin_query(uint16_t qtype, uint16_t id, const uint8_t *apex, const struct zone *base,
	uint8_t *out, size_t cap, size_t *len)
{
	if (qtype != XFRIN_QTYPE_SOA && qtype != XFRIN_QTYPE_AXFR && qtype != XFRIN_QTYPE_IXFR)
		return ERR_INVAL;
	int alen = name_wire_len(apex, LIMIT_NAME_LEN);
	if (alen < 0)
		return ERR_INVAL;
	struct dnsmsg_w w = {.buf = out, .cap = cap};
	uint8_t hdr[DNSMSG_HEADER] = {0};
	dnsmsg_put_u16(hdr, id);
	dnsmsg_put_u16(hdr + 4, 1);
	dnsmsg_put_u16(hdr + 8, qtype == XFRIN_QTYPE_IXFR);
	dnsmsg_put_u16(hdr + 10, qtype == XFRIN_QTYPE_SOA);
	dnsmsg_w_bytes(&w, hdr, sizeof(hdr));
	dnsmsg_w_bytes(&w, apex, (size_t)alen);
	dnsmsg_w_u16(&w, qtype);
	dnsmsg_w_u16(&w, DNSMSG_C_IN);
	if (qtype == XFRIN_QTYPE_IXFR) {
		int rc = write_base_soa(&w, base);
		if (rc < 0)
			return rc;
	}
	if (qtype == XFRIN_QTYPE_SOA) { /* OPT (RFC 6891 §6.1.2): root, payload, no flags */
		dnsmsg_w_bytes(&w, "", 1);
		dnsmsg_w_u16(&w, DNSMSG_T_OPT);
		dnsmsg_w_u16(&w, EDNS_PAYLOAD);
		dnsmsg_w_u32(&w, 0);
		dnsmsg_w_u16(&w, 0);
	}
	if (w.over)
		return ERR_LIMIT;
	*len = w.len;
	return 0;
}

/* ------------------------------------------------ message header checks */

/* Checks the header of a response to a query with this ID: ID, QR,
 * opcode; returns 0, ERR_DNS with *rcode, or ERR_SYNTAX with text in err. */
static int check_header(
	const uint8_t *msg, size_t len, uint16_t id, unsigned *rcode, char *err, size_t size)
{
	*rcode = 0;
	if (len < DNSMSG_HEADER) {
		snprintf(err, size, "shorter than a DNS header (%zu octets)", len);
		return ERR_SYNTAX;
	}
	if (dnsmsg_get_u16(msg) != id) {
		snprintf(err, size, "ID %u does not match the query's %u", dnsmsg_get_u16(msg), id);
		return ERR_SYNTAX;
	}
	if (!(msg[2] & DNSMSG_F_QR)) {
		snprintf(err, size, "not a response (QR clear)");
		return ERR_SYNTAX;
	}
	if ((msg[2] >> 3 & 15) != 0) {
		snprintf(err, size, "opcode %u, not QUERY", msg[2] >> 3 & 15);
		return ERR_SYNTAX;
	}
	*rcode = msg[3] & 15;
	if (*rcode) {
		snprintf(err, size, "the primary answered %s", xfrin_rcode_name(*rcode));
		return ERR_DNS;
	}
	return 0;
}

/* Reads the question at *pos (QDCOUNT qd) and checks it echoes ours
 * (RFC 5936 §2.2.1: later messages may leave it out). */
static int check_question(const uint8_t *msg, size_t len, size_t *pos, const uint8_t *apex,
	uint16_t qtype, bool required, char *err, size_t size)
{
	unsigned qd = dnsmsg_get_u16(msg + 4);
	if (qd == 0 && !required)
		return 0;
	if (qd != 1) {
		snprintf(err, size, "%u questions, not 1", qd);
		return ERR_SYNTAX;
	}
	uint8_t name[LIMIT_NAME_LEN + 1];
	if (!name_unpack(msg, len, len, pos, name) || len - *pos < 4) {
		snprintf(err, size, "malformed question");
		return ERR_SYNTAX;
	}
	uint16_t t = dnsmsg_get_u16(msg + *pos), c = dnsmsg_get_u16(msg + *pos + 2);
	*pos += 4;
	if (!name_equal(name, apex) || t != qtype || c != DNSMSG_C_IN) {
		char nt[NAME_TEXT];
		snprintf(err, size, "the question (%s type %u class %u) is not the query's",
			xfrin_name_text(name, nt, sizeof(nt)), t, c);
		return ERR_SYNTAX;
	}
	return 0;
}

/* The SOA of the zone in rr: owner the apex, RDATA made whole into rd
 * (XFRIN_RDATA_MAX octets); 0, or an error with err filled. */
static int read_soa(const uint8_t *msg, size_t len, const struct xfrin_rr *rr, const uint8_t *apex,
	uint8_t *rd, size_t *rdlen, char *err, size_t size)
{
	uint8_t owner[LIMIT_NAME_LEN + 1];
	size_t at = rr->owner_at;
	if (!name_unpack(msg, len, len, &at, owner)) {
		snprintf(err, size, "malformed owner name");
		return ERR_SYNTAX;
	}
	if (!name_equal(owner, apex)) {
		char nt[NAME_TEXT];
		snprintf(err, size, "SOA owner %s is not the zone's apex",
			xfrin_name_text(owner, nt, sizeof(nt)));
		return ERR_ZONE;
	}
	if (xfrin_unpack_rdata(msg, len, rr, rd, rdlen) < 0 || *rdlen > 2 * LIMIT_NAME_LEN + 20) {
		snprintf(err, size, "malformed SOA RDATA");
		return ERR_SYNTAX;
	}
	return 0;
}

int xfrin_parse_soa(const uint8_t *msg, size_t len, uint16_t id, const uint8_t *apex,
	struct xfrin_soa *soa, unsigned *rcode, char *err)
{
	const size_t size = XFRIN_ERR_SIZE;
	int rc = check_header(msg, len, id, rcode, err, size);
	if (rc < 0)
		return rc;
	if (msg[2] & DNSMSG_F_TC) {
		snprintf(err, size, "truncated (TC)");
		return ERR_TRUNC;
	}
	size_t pos = DNSMSG_HEADER;
	rc = check_question(msg, len, &pos, apex, XFRIN_QTYPE_SOA, true, err, size);
	if (rc < 0)
		return rc;
	if (!(msg[2] & DNSMSG_F_AA)) {
		snprintf(err, size, "the answer is not authoritative (AA clear)");
		return ERR_SYNTAX;
	}
	unsigned an = dnsmsg_get_u16(msg + 6);
	uint8_t rd[2 * (LIMIT_NAME_LEN + 1) + 20];
	uint8_t *big = malloc(XFRIN_RDATA_MAX);
	if (!big)
		return ERR_NOMEM;
	rc = ERR_NOTFOUND;
	snprintf(err, size, "the answer holds no SOA record of the zone");
	for (unsigned i = 0; i < an; i++) {
		struct xfrin_rr rr;
		if (!xfrin_read_rr(msg, len, &pos, &rr)) {
			snprintf(err, size, "answer record %u: malformed", i + 1);
			rc = ERR_SYNTAX;
			break;
		}
		if (rr.type != KNOT_RRTYPE_SOA || rr.cls != DNSMSG_C_IN)
			continue;
		size_t rdlen;
		rc = read_soa(msg, len, &rr, apex, big, &rdlen, err, size);
		if (rc == 0) {
			memcpy(rd, big, rdlen);
			xfrin_soa_fields(rd, rdlen, rr.ttl, soa);
		}
		break;
	}
	free(big);
	return rc;
}

/* ------------------------------------------------------------ framing */

int xfrin_init(struct xfrin *x, const struct xfrin_opts *o)
{
	memset(x, 0, sizeof(*x));
	x->o = *o;
	buf_init(&x->zb_err, 16u << 10);
	buf_init(&x->pend.rd, 0);
	int alen = o->apex ? name_wire_len(o->apex, LIMIT_NAME_LEN) : -1;
	if (alen < 0 || (o->qtype != XFRIN_QTYPE_AXFR && o->qtype != XFRIN_QTYPE_IXFR))
		return ERR_INVAL;
	memcpy(x->apex, o->apex, (size_t)alen);
	x->o.apex = x->apex;
	if (!x->o.limits.octets)
		x->o.limits.octets = LIMIT_XFR_OCTETS;
	if (!x->o.limits.messages)
		x->o.limits.messages = LIMIT_XFR_MESSAGES;
	if (!x->o.limits.rrs)
		x->o.limits.rrs = LIMIT_XFR_RRS;
	x->kind = XFRIN_KIND_NONE;
	if (o->scan_only)
		return 0;
	x->scratch = malloc(XFRIN_RDATA_MAX);
	if (!x->scratch)
		return ERR_NOMEM;
	return 0;
}

void xfrin_deinit(struct xfrin *x)
{
	xfrin_store_deinit(x);
	free(x->scratch);
	x->scratch = NULL;
	buf_deinit(&x->zb_err);
}

bool xfrin_done(const struct xfrin *x)
{
	return x->state == XFRIN_ST_END && !x->error;
}

/* Whether two SOA RDATA are the same record: names in any case, the
 * numbers octet for octet. Both are whole (xfrin_unpack_rdata). */
static bool soa_same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen || alen < 22)
		return false;
	int m = name_wire_len(a, alen), bm = name_wire_len(b, blen);
	if (m < 0 || m != bm || !name_equal(a, b))
		return false;
	if (!name_equal(a + m, b + m))
		return false;
	return memcmp(a + alen - 20, b + blen - 20, 20) == 0;
}

/* Where a record is, for messages. */
struct rr_at {
	uint64_t msg;
	unsigned rec;
};

/* A record of the zone (not a SOA) in the state at hand. */
static int on_data(
	struct xfrin *x, const uint8_t *msg, size_t len, const struct xfrin_rr *rr, struct rr_at at)
{
	if (x->o.scan_only)
		return 0;
	uint8_t owner[LIMIT_NAME_LEN + 1];
	size_t p = rr->owner_at;
	char nt[NAME_TEXT];
	if (!name_unpack(msg, len, len, &p, owner))
		return xfrin_fail(x, ERR_SYNTAX, "message %llu: record %u: malformed owner name",
			(unsigned long long)at.msg, at.rec);
	if (!name_is_at_or_below(owner, x->apex))
		return xfrin_fail(x, ERR_ZONE,
			"message %llu: record %u: owner %s is outside the zone",
			(unsigned long long)at.msg, at.rec, xfrin_name_text(owner, nt, sizeof(nt)));
	size_t rdlen;
	int rc = xfrin_unpack_rdata(msg, len, rr, x->scratch, &rdlen);
	if (rc == 0 && rr->type == KNOT_RRTYPE_RRSIG && rdlen < 18)
		rc = ERR_SYNTAX; /* RFC 4034 §3.1: the fixed fields alone are 18 octets */
	if (rc < 0) {
		char tt[32];
		knot_rrtype_to_string(rr->type, tt, sizeof(tt));
		return xfrin_fail(x, rc, "message %llu: record %u: %s %s: %s RDATA",
			(unsigned long long)at.msg, at.rec, xfrin_name_text(owner, nt, sizeof(nt)),
			tt, rc == ERR_LIMIT ? "oversized" : "malformed");
	}
	if (x->state == XFRIN_ST_BODY)
		rc = xfrin_store_rr(x, owner, rr->type, rr->ttl, x->scratch, (uint16_t)rdlen);
	else
		rc = xfrin_store_diff(x, x->state == XFRIN_ST_DEL, owner, rr->type, rr->ttl,
			x->scratch, (uint16_t)rdlen);
	return rc < 0 ? xfrin_fail(x, rc, "message %llu: record %u: %s", (unsigned long long)at.msg,
				at.rec, err_str(rc))
		      : 0;
}

/* Stores a SOA RR (rd, rdlen) where the state puts it. */
static int store_soa(struct xfrin *x, bool removed, uint32_t ttl, const uint8_t *rd, size_t rdlen)
{
	if (x->o.scan_only)
		return 0;
	int rc;
	if (x->state == XFRIN_ST_BODY)
		rc = xfrin_store_rr(x, x->apex, KNOT_RRTYPE_SOA, ttl, rd, (uint16_t)rdlen);
	else
		rc = xfrin_store_diff(
			x, removed, x->apex, KNOT_RRTYPE_SOA, ttl, rd, (uint16_t)rdlen);
	return rc < 0 ? xfrin_fail(x, rc, "%s", err_str(rc)) : 0;
}

/* An IXFR difference sequence starts with its old SOA (RFC 1995 §4). */
static int begin_seq(struct xfrin *x, const struct xfrin_soa *s, const uint8_t *rd, size_t rdlen)
{
	x->state = XFRIN_ST_DEL;
	if (!x->o.scan_only) {
		int rc = xfrin_store_seq(x, s->serial);
		if (rc < 0)
			return xfrin_fail(x, rc, "%s", err_str(rc));
	}
	return store_soa(x, true, s->ttl, rd, rdlen);
}

/* The record after the first SOA says what the answer is. */
static int on_second(struct xfrin *x, const struct xfrin_soa *s, const uint8_t *rd, size_t rdlen,
	struct rr_at at)
{
	bool ixfr = x->o.qtype == XFRIN_QTYPE_IXFR;
	if (!rd) { /* not a SOA: the whole zone follows */
		x->kind = ixfr ? XFRIN_KIND_IXFR_AXFR : XFRIN_KIND_AXFR;
		x->state = XFRIN_ST_BODY;
		return store_soa(x, false, x->soa.ttl, x->soa_rd, x->soa_len);
	}
	if (s->serial == x->soa.serial || !ixfr) { /* SOA, SOA: a zone of a SOA alone */
		if (!soa_same(rd, rdlen, x->soa_rd, x->soa_len))
			goto wrong;
		x->kind = ixfr ? XFRIN_KIND_IXFR_AXFR : XFRIN_KIND_AXFR;
		x->state = XFRIN_ST_BODY;
		int rc = store_soa(x, false, x->soa.ttl, x->soa_rd, x->soa_len);
		x->state = XFRIN_ST_END;
		return rc;
	}
	/* RFC 1995 §4: the first sequence starts with the old SOA */
	x->kind = XFRIN_KIND_IXFR;
	return begin_seq(x, s, rd, rdlen);
wrong:
	return xfrin_fail(x, ERR_ZONE,
		"message %llu: record %u: wrong SOA: the closing SOA (serial %u) differs from the "
		"first (serial %u)",
		(unsigned long long)at.msg, at.rec, s->serial, x->soa.serial);
}

/* A SOA inside the stream: the end, or a turn of an IXFR sequence. */
static int on_soa(struct xfrin *x, const struct xfrin_soa *s, const uint8_t *rd, size_t rdlen,
	struct rr_at at)
{
	switch (x->state) {
	case XFRIN_ST_BODY:
		if (!soa_same(rd, rdlen, x->soa_rd, x->soa_len))
			break;
		x->state = XFRIN_ST_END;
		return 0;
	case XFRIN_ST_DEL: /* the sequence's new SOA starts its additions */
		x->state = XFRIN_ST_ADD;
		if (!x->o.scan_only)
			xfrin_store_seq_end(x, s->serial);
		x->seq_new = s->serial;
		return store_soa(x, false, s->ttl, rd, rdlen);
	case XFRIN_ST_ADD:
		if (s->serial == x->soa.serial && x->seq_new == x->soa.serial) {
			if (!soa_same(rd, rdlen, x->soa_rd, x->soa_len))
				break;
			x->state = XFRIN_ST_END;
			return 0;
		}
		if (s->serial != x->seq_new)
			return xfrin_fail(x, ERR_ZONE,
				"message %llu: record %u: IXFR: a difference sequence starts at "
				"serial %u, not at %u where the one before ended",
				(unsigned long long)at.msg, at.rec, s->serial, x->seq_new);
		return begin_seq(x, s, rd, rdlen);
	default:
		break;
	}
	return xfrin_fail(x, ERR_ZONE,
		"message %llu: record %u: wrong SOA: the closing SOA (serial %u) differs from the "
		"first (serial %u)",
		(unsigned long long)at.msg, at.rec, s->serial, x->soa.serial);
}

/* One record of the answer section. */
static int on_record(
	struct xfrin *x, const uint8_t *msg, size_t len, const struct xfrin_rr *rr, struct rr_at at)
{
	if (x->state == XFRIN_ST_END)
		return xfrin_fail(x, ERR_SYNTAX,
			"message %llu: record %u: comes after the closing SOA",
			(unsigned long long)at.msg, at.rec);
	if (rr->cls != DNSMSG_C_IN)
		return xfrin_fail(x, ERR_ZONE, "message %llu: record %u: class %u, not IN",
			(unsigned long long)at.msg, at.rec, rr->cls);
	if (rr->type == DNSMSG_T_OPT || knot_rrtype_is_metatype(rr->type) || rr->type == 0)
		return xfrin_fail(x, ERR_ZONE, "message %llu: record %u: type %u is not zone data",
			(unsigned long long)at.msg, at.rec, rr->type);
	if (rr->type != KNOT_RRTYPE_SOA) {
		if (x->state == XFRIN_ST_FIRST)
			return xfrin_fail(x, ERR_ZONE,
				"message %llu: record %u: the transfer does not start with a SOA",
				(unsigned long long)at.msg, at.rec);
		if (x->state == XFRIN_ST_SECOND) {
			int rc = on_second(x, NULL, NULL, 0, at);
			if (rc < 0)
				return rc;
		}
		return on_data(x, msg, len, rr, at);
	}
	/* a whole SOA is at most 530 octets (two names and 20), and never
	 * shorter on the wire than whole */
	uint8_t rd[sizeof(x->soa_rd)];
	size_t rdlen = 0;
	char why[256];
	int rc = ERR_SYNTAX;
	if (rr->rdlen > sizeof(rd))
		snprintf(why, sizeof(why), "malformed SOA RDATA");
	else
		rc = read_soa(msg, len, rr, x->apex, rd, &rdlen, why, sizeof(why));
	if (rc < 0)
		return xfrin_fail(x, rc, "message %llu: record %u: %s", (unsigned long long)at.msg,
			at.rec, why);
	struct xfrin_soa s;
	xfrin_soa_fields(rd, rdlen, rr->ttl, &s);
	if (x->state == XFRIN_ST_FIRST) {
		x->soa = s;
		x->have_soa = true;
		memcpy(x->soa_rd, rd, rdlen);
		x->soa_len = (uint16_t)rdlen;
		x->state = XFRIN_ST_SECOND;
		return 0;
	}
	if (x->state == XFRIN_ST_SECOND)
		return on_second(x, &s, rd, rdlen, at);
	return on_soa(x, &s, rd, rdlen, at);
}

/* Checks a message's header and question; returns the position of the
 * answer section, or 0 after recording the error. */
static size_t feed_header(struct xfrin *x, const uint8_t *msg, size_t len)
{
	char why[XFRIN_ERR_SIZE - 32];
	unsigned long long m = (unsigned long long)x->msgs;
	int rc = check_header(msg, len, x->o.id, &x->rcode, why, sizeof(why));
	size_t pos = DNSMSG_HEADER;
	if (rc == 0)
		rc = check_question(
			msg, len, &pos, x->apex, x->o.qtype, x->msgs == 1, why, sizeof(why));
	if (rc < 0) {
		xfrin_fail(x, rc, "message %llu: %s", m, why);
		return 0;
	}
	return pos;
}

int xfrin_feed(struct xfrin *x, const uint8_t *msg, size_t len)
{
	if (x->error)
		return x->error;
	x->msgs++;
	x->octets += len;
	unsigned long long m = (unsigned long long)x->msgs;
	if (x->state == XFRIN_ST_END)
		return xfrin_fail(
			x, ERR_SYNTAX, "message %llu: comes after the end of the transfer", m);
	if (x->msgs > x->o.limits.messages)
		return xfrin_fail(x, ERR_LIMIT, "transfer exceeds %llu messages (limit)",
			(unsigned long long)x->o.limits.messages);
	if (x->octets > x->o.limits.octets)
		return xfrin_fail(x, ERR_LIMIT, "transfer exceeds %llu octets (limit)",
			(unsigned long long)x->o.limits.octets);
	size_t pos = feed_header(x, msg, len);
	if (!pos)
		return x->error;
	unsigned an = dnsmsg_get_u16(msg + 6);
	if (an == 0 && x->msgs == 1)
		return xfrin_fail(x, ERR_SYNTAX, "message 1: no answer records");
	for (unsigned i = 1; i <= an; i++) {
		struct xfrin_rr rr;
		if (!xfrin_read_rr(msg, len, &pos, &rr))
			return xfrin_fail(
				x, ERR_SYNTAX, "message %llu: record %u: malformed", m, i);
		if (++x->rrs > x->o.limits.rrs)
			return xfrin_fail(x, ERR_LIMIT, "transfer exceeds %llu records (limit)",
				(unsigned long long)x->o.limits.rrs);
		int rc = on_record(x, msg, len, &rr, (struct rr_at){x->msgs, i});
		if (rc < 0)
			return rc;
	}
	/* RFC 1995 §2, §4: an IXFR answered with the SOA alone */
	if (x->o.qtype == XFRIN_QTYPE_IXFR && x->msgs == 1 && x->state == XFRIN_ST_SECOND) {
		x->lone = true;
		x->kind = serial_gt(x->soa.serial, x->o.base_serial) ? XFRIN_KIND_LONE_SOA
								     : XFRIN_KIND_UP_TO_DATE;
		x->state = XFRIN_ST_END;
	}
	return 0;
}

int xfrin_finish(struct xfrin *x, const struct zone *base, struct zone **out)
{
	*out = NULL;
	if (x->error)
		return x->error;
	if (x->state != XFRIN_ST_END) {
		if (x->msgs == 0)
			return xfrin_fail(x, ERR_TRUNC, "the stream ended before any message");
		return xfrin_fail(x, ERR_TRUNC,
			"the stream ended early: no closing SOA after %llu message%s and %llu "
			"records",
			(unsigned long long)x->msgs, x->msgs == 1 ? "" : "s",
			(unsigned long long)x->rrs);
	}
	if (x->o.scan_only || x->lone)
		return 0;
	if (x->kind == XFRIN_KIND_IXFR)
		return xfrin_store_apply(x, base, out);
	return xfrin_store_build(x, out);
}
