/* Unit tests for lib/dns/dnsmsg: queries built and answers read back with
 * libknot, transfers re-parsed message by message and compared with the
 * zone RR for RR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libknot/libknot.h>

#include "lib/dns/dnsmsg.h"
#include "lib/util/buf.h"
#include "lib/util/err.h"
#include "lib/zone/zone_read.h"

#define ID 0x4d2e

static struct zone *load_file(const char *path, const char *origin)
{
	struct zone_msgs m;
	zone_msgs_init(&m);
	struct zone_read_opts o = {.origin = origin};
	struct zone *z = NULL;
	int rc = zone_read_file(path, &o, &m, &z);
	if (rc != 0)
		fprintf(stderr, "%s: %s\n%s", path, err_str(rc), buf_cstr(&m.text));
	assert_int_equal(rc, 0);
	zone_msgs_deinit(&m);
	return z;
}

static struct zone *load_text(const char *text, size_t len, const char *origin)
{
	struct zone_msgs m;
	zone_msgs_init(&m);
	struct zone_read_opts o = {.origin = origin};
	struct zone *z = NULL;
	int rc = zone_read_mem(text, len, "test", &o, &m, &z);
	if (rc != 0)
		fprintf(stderr, "%s\n%s", err_str(rc), buf_cstr(&m.text));
	assert_int_equal(rc, 0);
	zone_msgs_deinit(&m);
	return z;
}

/* What a query is made of. */
struct qspec {
	const char *qname;
	uint16_t qtype;
	uint16_t qclass; /* 0: IN */
	int edns;	 /* payload size, 0: no EDNS */
	bool dnssec_ok;
	bool ixfr_soa; /* an authority SOA with serial */
	uint32_t serial;
	uint8_t opcode;
};

/* Builds a query with libknot; returns its length. */
static size_t build_query(const struct qspec *s, uint8_t *buf, size_t cap)
{
	memset(buf, 0, cap); /* knot_pkt_new keeps what the buffer held */
	knot_pkt_t *p = knot_pkt_new(buf, (uint16_t)cap, NULL);
	assert_non_null(p);
	knot_wire_set_id(p->wire, ID);
	knot_wire_set_rd(p->wire);
	knot_wire_set_opcode(p->wire, s->opcode);
	knot_dname_storage_t qn;
	assert_non_null(knot_dname_from_str(qn, s->qname, sizeof(qn)));
	assert_int_equal(
		knot_pkt_put_question(p, qn, s->qclass ? s->qclass : KNOT_CLASS_IN, s->qtype),
		KNOT_EOK);
	if (s->ixfr_soa) {
		knot_rrset_t soa;
		knot_rrset_init(&soa, knot_dname_copy(qn, NULL), KNOT_RRTYPE_SOA, KNOT_CLASS_IN, 0);
		uint8_t rd[22] = {0};
		knot_wire_write_u32(rd + 2, s->serial);
		assert_int_equal(knot_rrset_add_rdata(&soa, rd, sizeof(rd), NULL), KNOT_EOK);
		assert_int_equal(knot_pkt_begin(p, KNOT_AUTHORITY), KNOT_EOK);
		assert_int_equal(knot_pkt_put(p, 0, &soa, KNOT_PF_FREE), KNOT_EOK);
	}
	if (s->edns) {
		knot_rrset_t opt;
		assert_int_equal(knot_edns_init(&opt, (uint16_t)s->edns, 0, 0, NULL), KNOT_EOK);
		if (s->dnssec_ok)
			knot_edns_set_do(&opt);
		assert_int_equal(knot_pkt_begin(p, KNOT_ADDITIONAL), KNOT_EOK);
		assert_int_equal(knot_pkt_put(p, 0, &opt, KNOT_PF_FREE), KNOT_EOK);
	}
	size_t len = p->size;
	knot_pkt_free(p);
	return len;
}

/* An answer as libknot reads it. */
struct ans {
	knot_pkt_t *pkt;
	unsigned rcode; /* extended */
	bool aa, tc;
	int ede; /* -1: none */
	char ede_text[128];
};

static void read_answer(uint8_t *wire, size_t len, struct ans *a)
{
	memset(a, 0, sizeof(*a));
	a->pkt = knot_pkt_new(wire, (uint16_t)len, NULL);
	assert_non_null(a->pkt);
	assert_int_equal(knot_pkt_parse(a->pkt, KNOT_PF_NOCANON), KNOT_EOK);
	assert_true(knot_wire_get_qr(wire));
	assert_int_equal(knot_wire_get_id(wire), ID);
	a->rcode = knot_pkt_ext_rcode(a->pkt);
	a->aa = knot_wire_get_aa(wire);
	a->tc = knot_wire_get_tc(wire);
	a->ede = -1;
	uint8_t *o = knot_pkt_edns_option(a->pkt, KNOT_EDNS_OPTION_EDE);
	if (o) {
		uint16_t olen = knot_edns_opt_get_length(o);
		assert_true(olen >= 2);
		a->ede = knot_wire_read_u16(o + 4);
		memcpy(a->ede_text, o + 6, olen - 2);
	}
}

static void ask(const struct qspec *s, enum dnsmsg_zone zs, const struct zone *z, bool tcp,
	enum dnsmsg_reply *rep, uint8_t *out, size_t *len)
{
	uint8_t q[1024];
	size_t qlen = build_query(s, q, sizeof(q));
	struct dnsmsg_query pq;
	int rc = dnsmsg_parse_query(q, qlen, &pq);
	assert_int_equal(rc, 0);
	assert_int_equal(dnsmsg_reply(&pq, zs, z, tcp, out, DNSMSG_MAX, len, rep), 0);
}

/* Asks and expects one message back with this rcode and EDE (-1: none). */
static void expect_error(const struct qspec *s, enum dnsmsg_zone zs, const struct zone *z, bool tcp,
	unsigned rcode, int ede)
{
	uint8_t out[DNSMSG_MAX];
	size_t len;
	enum dnsmsg_reply rep;
	ask(s, zs, z, tcp, &rep, out, &len);
	assert_int_equal(rep, DNSMSG_REPLY_MSG);
	struct ans a;
	read_answer(out, len, &a);
	assert_int_equal(a.rcode, rcode);
	assert_false(a.aa);
	assert_int_equal(knot_wire_get_ancount(out), 0);
	assert_int_equal(knot_pkt_qtype(a.pkt), s->qtype);
	assert_int_equal(knot_pkt_has_edns(a.pkt), s->edns != 0);
	assert_int_equal(a.ede, s->edns ? ede : -1);
	if (a.ede >= 0)
		assert_true(strlen(a.ede_text) > 0);
	knot_pkt_free(a.pkt);
}

static struct zone *sign_test(void)
{
	return load_file("tests/data/zones/sign-test.zone", "sign.test.");
}

/* ------------------------------------------------------------------ parse */

static void test_parse_good(void **state)
{
	(void)state;
	uint8_t q[512];
	struct qspec s = {
		.qname = "Sign.Test.", .qtype = KNOT_RRTYPE_SOA, .edns = 4096, .dnssec_ok = true};
	size_t len = build_query(&s, q, sizeof(q));
	struct dnsmsg_query pq;
	assert_int_equal(dnsmsg_parse_query(q, len, &pq), 0);
	assert_int_equal(pq.status, DNSMSG_QUERY_OK);
	assert_int_equal(pq.id, ID);
	assert_true(pq.rd);
	assert_int_equal(pq.qtype, KNOT_RRTYPE_SOA);
	assert_int_equal(pq.qclass, KNOT_CLASS_IN);
	assert_int_equal(pq.qname_len, 11);
	assert_memory_equal(pq.qname, "\x04Sign\x04Test", 11); /* case kept */
	assert_true(pq.edns);
	assert_true(pq.edns_do);
	assert_int_equal(pq.udp_size, 4096);
	assert_int_equal(dnsmsg_udp_limit(&pq), DNSMSG_UDP_MAX);
	assert_true(dnsmsg_wants_zone(&pq));

	s = (struct qspec){.qname = "x.", .qtype = KNOT_RRTYPE_AXFR};
	len = build_query(&s, q, sizeof(q));
	assert_int_equal(dnsmsg_parse_query(q, len, &pq), 0);
	assert_false(pq.edns);
	assert_int_equal(dnsmsg_udp_limit(&pq), 512);

	s = (struct qspec){.qname = "x.",
		.qtype = KNOT_RRTYPE_IXFR,
		.ixfr_soa = true,
		.serial = 77,
		.edns = 600};
	len = build_query(&s, q, sizeof(q));
	assert_int_equal(dnsmsg_parse_query(q, len, &pq), 0);
	assert_true(pq.has_client_serial);
	assert_int_equal(pq.client_serial, 77);
	assert_int_equal(dnsmsg_udp_limit(&pq), 600);
	s.edns = 100; /* below 512 counts as 512 (RFC 6891 §6.2.5) */
	len = build_query(&s, q, sizeof(q));
	assert_int_equal(dnsmsg_parse_query(q, len, &pq), 0);
	assert_int_equal(dnsmsg_udp_limit(&pq), 512);
}

/* A query damaged by f must be refused with status st and a problem named. */
static void expect_bad(const uint8_t *q, size_t len, enum dnsmsg_status st, int rc)
{
	struct dnsmsg_query pq;
	assert_int_equal(dnsmsg_parse_query(q, len, &pq), rc);
	assert_int_equal(pq.status, st);
	assert_non_null(pq.problem);
	assert_true(pq.problem_at <= len);
	assert_false(dnsmsg_wants_zone(&pq));
}

static void test_parse_bad(void **state)
{
	(void)state;
	uint8_t q[512], d[512];
	struct qspec s = {.qname = "example.com.", .qtype = KNOT_RRTYPE_SOA};
	size_t len = build_query(&s, q, sizeof(q));
	expect_bad(q, 11, DNSMSG_QUERY_DROP, ERR_TRUNC);
	memcpy(d, q, len);
	d[2] |= 0x80; /* a response */
	expect_bad(d, len, DNSMSG_QUERY_DROP, ERR_TRUNC);
	memcpy(d, q, len);
	d[5] = 0; /* no question */
	expect_bad(d, len, DNSMSG_QUERY_BAD, ERR_SYNTAX);
	d[5] = 2;
	expect_bad(d, len, DNSMSG_QUERY_BAD, ERR_SYNTAX);
	expect_bad(q, len - 1, DNSMSG_QUERY_BAD, ERR_SYNTAX); /* class cut */
	expect_bad(q, 12 + 5, DNSMSG_QUERY_BAD, ERR_SYNTAX);  /* name cut */
	memcpy(d, q, len);
	d[len] = 0;
	expect_bad(d, len + 1, DNSMSG_QUERY_BAD, ERR_SYNTAX); /* trailing octet */
	memcpy(d, q, len);
	d[12] = 0xc0; /* a pointer in the question */
	d[13] = 12;
	expect_bad(d, len, DNSMSG_QUERY_BAD, ERR_SYNTAX);
	memcpy(d, q, len);
	d[12] = 0x40; /* an extended label type */
	expect_bad(d, len, DNSMSG_QUERY_BAD, ERR_SYNTAX);
	memcpy(d, q, len);
	d[7] = 1; /* an answer record announced, none there */
	expect_bad(d, len, DNSMSG_QUERY_BAD, ERR_SYNTAX);

	/* EDNS: two OPTs, an OPT not at the root, an option past its record,
	 * and version 1 (BADVERS) */
	s.edns = 1232;
	len = build_query(&s, q, sizeof(q));
	size_t opt = len - 11;
	memcpy(d, q, len);
	memcpy(d + len, q + opt, 11);
	d[11] = 2;
	expect_bad(d, len + 11, DNSMSG_QUERY_BAD, ERR_SYNTAX);
	memcpy(d, q, opt);
	d[opt] = 1;
	d[opt + 1] = 'a';
	d[opt + 2] = 0;
	memcpy(d + opt + 3, q + opt + 1, 10);
	expect_bad(d, len + 2, DNSMSG_QUERY_BAD, ERR_SYNTAX);
	memcpy(d, q, len);
	uint8_t option[] = {0, 10, 0, 9, 1, 2, 3, 4}; /* says 9, holds 4 */
	d[opt + 10] = sizeof(option);
	memcpy(d + len, option, sizeof(option));
	expect_bad(d, len + sizeof(option), DNSMSG_QUERY_BAD, ERR_SYNTAX);
	memcpy(d, q, len);
	d[opt + 6] = 1;
	expect_bad(d, len, DNSMSG_QUERY_BADVERS, ERR_UNSUPP);

	/* IXFR without the client's SOA (RFC 1995 §3) */
	s = (struct qspec){.qname = "example.com.", .qtype = KNOT_RRTYPE_IXFR};
	len = build_query(&s, q, sizeof(q));
	expect_bad(q, len, DNSMSG_QUERY_BAD, ERR_SYNTAX);
}

/* Appends a TSIG RR (RFC 8945 §4.2) owned by key. after_opt: put an OPT
 * after it (TSIG must be last). */
static size_t add_tsig(uint8_t *q, size_t len, bool after_opt)
{
	static const uint8_t tsig[] = {3, 'k', 'e', 'y', 0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 31, 11,
		'h', 'm', 'a', 'c', '-', 's', 'h', 'a', '2', '5', '6', 0, 0, 0, 0x60, 0, 0, 1, 1,
		44, 0, 2, 0xaa, 0xbb, 0x12, 0x34, 0, 0, 0, 0};
	memcpy(q + len, tsig, sizeof(tsig));
	len += sizeof(tsig);
	q[11]++;
	if (after_opt) {
		static const uint8_t opt[] = {0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0};
		memcpy(q + len, opt, sizeof(opt));
		len += sizeof(opt);
		q[11]++;
	}
	return len;
}

/* A signed query is read (its TSIG is the caller's to check) and answered
 * like any other, in the room it leaves for the TSIG RR; a TSIG RR that is
 * not the last record makes the query malformed. */
static void test_tsig_reserve(void **state)
{
	(void)state;
	uint8_t q[512], out[DNSMSG_MAX];
	struct qspec s = {.qname = "sign.test.", .qtype = KNOT_RRTYPE_SOA};
	size_t len = add_tsig(q, build_query(&s, q, sizeof(q)), false);
	struct dnsmsg_query pq;
	assert_int_equal(dnsmsg_parse_query(q, len, &pq), 0);
	assert_true(pq.tsig);
	assert_true(dnsmsg_wants_zone(&pq));
	size_t olen, plain;
	enum dnsmsg_reply rep;
	struct zone *z = sign_test();
	assert_int_equal(
		dnsmsg_reply(&pq, DNSMSG_ZONE_READY, z, false, out, sizeof(out), &plain, &rep), 0);
	assert_int_equal(rep, DNSMSG_REPLY_MSG);
	assert_int_equal(knot_wire_get_rcode(out), KNOT_RCODE_NOERROR);
	assert_false(knot_wire_get_tc(out));
	/* Room kept for a TSIG RR: the SOA no longer fits in 512 octets. */
	pq.reserve = (uint16_t)(DNSMSG_UDP_MIN - plain + 1);
	assert_int_equal(
		dnsmsg_reply(&pq, DNSMSG_ZONE_READY, z, false, out, sizeof(out), &olen, &rep), 0);
	assert_true(knot_wire_get_tc(out));
	assert_true(olen + pq.reserve <= DNSMSG_UDP_MIN);
	zone_unref(z);

	len = add_tsig(q, build_query(&s, q, sizeof(q)), true);
	expect_bad(q, len, DNSMSG_QUERY_BAD, ERR_SYNTAX);
}

/* ------------------------------------------------------------- answers */

static void test_soa_answer(void **state)
{
	(void)state;
	struct zone *z = sign_test();
	uint8_t out[DNSMSG_MAX];
	size_t len;
	enum dnsmsg_reply rep;
	for (int edns = 0; edns <= 1; edns++) {
		for (int tcp = 0; tcp <= 1; tcp++) {
			struct qspec s = {.qname = "SIGN.test.",
				.qtype = KNOT_RRTYPE_SOA,
				.edns = edns ? 1400 : 0,
				.dnssec_ok = edns};
			ask(&s, DNSMSG_ZONE_READY, z, tcp, &rep, out, &len);
			assert_int_equal(rep, DNSMSG_REPLY_MSG);
			struct ans a;
			read_answer(out, len, &a);
			assert_int_equal(a.rcode, KNOT_RCODE_NOERROR);
			assert_true(a.aa);
			assert_false(a.tc);
			assert_true(knot_wire_get_rd(out));
			assert_int_equal(knot_pkt_has_edns(a.pkt), edns);
			if (edns)
				assert_true(knot_pkt_has_dnssec(a.pkt));
			/* the question as asked */
			assert_memory_equal(out + 12, "\x04SIGN\x04test", 11);
			const knot_pktsection_t *an = knot_pkt_section(a.pkt, KNOT_ANSWER);
			assert_int_equal(an->count, 1);
			const knot_rrset_t *rr = knot_pkt_rr(an, 0);
			assert_int_equal(rr->type, KNOT_RRTYPE_SOA);
			assert_true(
				knot_dname_is_case_equal(rr->owner, knot_pkt_wire_qname(a.pkt)));
			const struct rrset *soa = zone_find_rrset(z, z->apex, KNOT_RRTYPE_SOA, 0);
			assert_int_equal(rr->ttl, soa->ttl);
			const knot_rdata_t *want = (const knot_rdata_t *)soa->rdata;
			assert_int_equal(rr->rrs.rdata->len, want->len);
			assert_memory_equal(rr->rrs.rdata->data, want->data, want->len);
			assert_int_equal(knot_soa_serial(rr->rrs.rdata), 2024010101);
			knot_pkt_free(a.pkt);
		}
	}
	/* IXFR over UDP, or from a client that is not older: the SOA alone */
	struct qspec s = {
		.qname = "sign.test.", .qtype = KNOT_RRTYPE_IXFR, .ixfr_soa = true, .serial = 5};
	ask(&s, DNSMSG_ZONE_READY, z, false, &rep, out, &len);
	assert_int_equal(rep, DNSMSG_REPLY_MSG);
	assert_int_equal(knot_wire_get_ancount(out), 1);
	ask(&s, DNSMSG_ZONE_READY, z, true, &rep, out, &len);
	assert_int_equal(rep, DNSMSG_REPLY_XFR);
	uint32_t same_or_newer[] = {2024010101, 2024010102, 2024010101u + 0x7fffffffu};
	for (size_t i = 0; i < 3; i++) {
		s.serial = same_or_newer[i];
		ask(&s, DNSMSG_ZONE_READY, z, true, &rep, out, &len);
		assert_int_equal(rep, DNSMSG_REPLY_MSG);
		struct ans a;
		read_answer(out, len, &a);
		assert_true(a.aa);
		assert_int_equal(knot_pkt_section(a.pkt, KNOT_ANSWER)->count, 1);
		assert_int_equal(knot_pkt_qtype(a.pkt), KNOT_RRTYPE_IXFR);
		knot_pkt_free(a.pkt);
	}
	s.serial = 2024010101u + 0x80000001u; /* wraps round: older (RFC 1982) */
	ask(&s, DNSMSG_ZONE_READY, z, true, &rep, out, &len);
	assert_int_equal(rep, DNSMSG_REPLY_XFR);
	/* AXFR over TCP starts a transfer */
	s = (struct qspec){.qname = "sign.test.", .qtype = KNOT_RRTYPE_AXFR};
	ask(&s, DNSMSG_ZONE_READY, z, true, &rep, out, &len);
	assert_int_equal(rep, DNSMSG_REPLY_XFR);
	assert_int_equal(len, 0);
	zone_unref(z);
}

static void test_errors(void **state)
{
	(void)state;
	struct zone *z = sign_test();
	for (int edns = 0; edns <= 1; edns++) {
		int e = edns ? 1232 : 0;
		struct qspec soa = {.qname = "other.test.", .qtype = KNOT_RRTYPE_SOA, .edns = e};
		struct qspec axfr = {.qname = "other.test.", .qtype = KNOT_RRTYPE_AXFR, .edns = e};
		struct qspec ixfr = {.qname = "other.test.",
			.qtype = KNOT_RRTYPE_IXFR,
			.edns = e,
			.ixfr_soa = true};
		/* not ours */
		expect_error(&soa, DNSMSG_ZONE_UNKNOWN, NULL, false, KNOT_RCODE_REFUSED, 20);
		expect_error(&axfr, DNSMSG_ZONE_UNKNOWN, NULL, true, KNOT_RCODE_NOTAUTH, 20);
		expect_error(&ixfr, DNSMSG_ZONE_UNKNOWN, NULL, true, KNOT_RCODE_NOTAUTH, 20);
		/* a version of another zone counts as not ours */
		expect_error(&soa, DNSMSG_ZONE_READY, z, true, KNOT_RCODE_REFUSED, 20);
		/* ours, nothing to serve */
		soa.qname = axfr.qname = ixfr.qname = "sign.test.";
		expect_error(&soa, DNSMSG_ZONE_NO_DATA, NULL, false, KNOT_RCODE_SERVFAIL, 14);
		expect_error(&axfr, DNSMSG_ZONE_NO_DATA, NULL, true, KNOT_RCODE_SERVFAIL, 14);
		expect_error(&ixfr, DNSMSG_ZONE_NO_DATA, NULL, true, KNOT_RCODE_SERVFAIL, 14);
		/* AXFR over UDP (RFC 5936 §4.2) */
		expect_error(&axfr, DNSMSG_ZONE_READY, z, false, KNOT_RCODE_NOTIMPL, 21);
		/* other types, classes, opcodes */
		struct qspec a = {.qname = "sign.test.", .qtype = KNOT_RRTYPE_A, .edns = e};
		expect_error(&a, DNSMSG_ZONE_READY, z, false, KNOT_RCODE_REFUSED, 21);
		a.qtype = KNOT_RRTYPE_SOA;
		a.qclass = KNOT_CLASS_CH;
		expect_error(&a, DNSMSG_ZONE_READY, z, false, KNOT_RCODE_REFUSED, 21);
		a.qclass = 0;
		a.opcode = KNOT_OPCODE_NOTIFY;
		expect_error(&a, DNSMSG_ZONE_READY, z, false, KNOT_RCODE_REFUSED, 21);
	}
	zone_unref(z);
}

static void test_formerr_badvers(void **state)
{
	(void)state;
	uint8_t q[512], out[DNSMSG_MAX];
	struct qspec s = {.qname = "sign.test.", .qtype = KNOT_RRTYPE_SOA, .edns = 1232};
	size_t len = build_query(&s, q, sizeof(q));
	struct dnsmsg_query pq;
	size_t olen;
	enum dnsmsg_reply rep;
	/* version 1: BADVERS, with an OPT of version 0 */
	q[len - 11 + 6] = 1;
	assert_int_equal(dnsmsg_parse_query(q, len, &pq), ERR_UNSUPP);
	assert_int_equal(
		dnsmsg_reply(&pq, DNSMSG_ZONE_UNKNOWN, NULL, false, out, sizeof(out), &olen, &rep),
		0);
	assert_int_equal(rep, DNSMSG_REPLY_MSG);
	struct ans a;
	read_answer(out, olen, &a);
	assert_int_equal(a.rcode, KNOT_RCODE_BADVERS);
	assert_int_equal(knot_edns_get_version(a.pkt->opt_rr), 0);
	knot_pkt_free(a.pkt);
	/* FORMERR: the header echoed, without a question it could not read */
	q[len - 11 + 6] = 0;
	q[5] = 2;
	assert_int_equal(dnsmsg_parse_query(q, len, &pq), ERR_SYNTAX);
	assert_int_equal(
		dnsmsg_reply(&pq, DNSMSG_ZONE_UNKNOWN, NULL, true, out, sizeof(out), &olen, &rep),
		0);
	assert_int_equal(rep, DNSMSG_REPLY_MSG);
	assert_int_equal(olen, 12);
	assert_int_equal(knot_wire_get_id(out), ID);
	assert_true(knot_wire_get_qr(out));
	assert_int_equal(knot_wire_get_rcode(out), KNOT_RCODE_FORMERR);
	assert_int_equal(knot_wire_get_qdcount(out), 0);
	/* a response gets nothing */
	q[5] = 1;
	q[2] |= 0x80;
	assert_int_equal(dnsmsg_parse_query(q, len, &pq), ERR_TRUNC);
	assert_int_equal(
		dnsmsg_reply(&pq, DNSMSG_ZONE_UNKNOWN, NULL, false, out, sizeof(out), &olen, &rep),
		0);
	assert_int_equal(rep, DNSMSG_REPLY_NONE);
	assert_int_equal(olen, 0);
	/* a buffer under 512 octets is refused */
	q[2] &= 0x7f;
	assert_int_equal(dnsmsg_parse_query(q, len, &pq), 0);
	assert_int_equal(dnsmsg_reply(&pq, DNSMSG_ZONE_UNKNOWN, NULL, false, out, 511, &olen, &rep),
		ERR_INVAL);
}

/* Three 63-octet labels and SOA names of 250 octets: the answer does not
 * fit in 512 octets, so UDP without EDNS gets TC and EDNS gets it whole. */
static void test_truncation(void **state)
{
	(void)state;
	char a63[64], b63[64], origin[256], text[2048], mname[300], rname[300];
	memset(a63, 'a', 63);
	a63[63] = 0;
	memset(b63, 'b', 63);
	b63[63] = 0;
	snprintf(origin, sizeof(origin), "%s.%s.%s.", a63, a63, a63);
	/* 250 octets each, sharing no suffix with each other or the origin */
	snprintf(mname, sizeof(mname), "m.%s.%s.%s.%.54s.", a63, a63, a63, a63);
	snprintf(rname, sizeof(rname), "r.%s.%s.%s.%.54s.", b63, b63, b63, b63);
	int n = snprintf(text, sizeof(text),
		"@ 300 IN SOA %s %s 1 2 3 4 5\n@ 300 IN NS ns.example.\n", mname, rname);
	struct zone *z = load_text(text, (size_t)n, origin);
	uint8_t out[DNSMSG_MAX];
	size_t len;
	enum dnsmsg_reply rep;
	struct qspec s = {.qname = origin, .qtype = KNOT_RRTYPE_SOA};
	ask(&s, DNSMSG_ZONE_READY, z, false, &rep, out, &len);
	assert_true(len <= 512);
	struct ans a;
	read_answer(out, len, &a);
	assert_true(a.tc);
	assert_int_equal(knot_wire_get_ancount(out), 0);
	assert_int_equal(knot_pkt_qtype(a.pkt), KNOT_RRTYPE_SOA);
	knot_pkt_free(a.pkt);
	s.edns = 1232;
	ask(&s, DNSMSG_ZONE_READY, z, false, &rep, out, &len);
	assert_true(len > 512 && len <= 1232);
	read_answer(out, len, &a);
	assert_false(a.tc);
	assert_int_equal(knot_wire_get_ancount(out), 1);
	knot_pkt_free(a.pkt);
	s.edns = 0;
	ask(&s, DNSMSG_ZONE_READY, z, true, &rep, out, &len);
	assert_int_equal(knot_wire_get_ancount(out), 1);
	assert_false(knot_wire_get_tc(out));
	zone_unref(z);
}

/* -------------------------------------------------------------- transfers */

/* One RR as owner (case kept), type, TTL, RDATA length and RDATA. */
static void put_rr(struct buf *b, const uint8_t *owner, size_t olen, uint16_t type, uint32_t ttl,
	const uint8_t *rd, uint16_t rdlen)
{
	uint8_t h[8];
	knot_wire_write_u16(h, type);
	knot_wire_write_u32(h + 2, ttl);
	knot_wire_write_u16(h + 6, rdlen);
	assert_int_equal(buf_append(b, owner, olen), 0);
	assert_int_equal(buf_append(b, h, sizeof(h)), 0);
	assert_int_equal(buf_append(b, rd, rdlen), 0);
}

/* The RRs an AXFR must carry, in order: SOA, every RRset of every node in
 * canonical order but the apex SOA, SOA. */
static size_t expected_rrs(const struct zone *z, struct buf *b)
{
	const struct node *apex = zone_apex_node(z);
	const struct rrset *soa = node_find(apex, KNOT_RRTYPE_SOA, 0);
	const knot_rdata_t *sd = (const knot_rdata_t *)soa->rdata;
	put_rr(b, node_owner(apex), apex->owner_len, KNOT_RRTYPE_SOA, soa->ttl, sd->data, sd->len);
	size_t n = 2;
	struct tree_iter it;
	for (struct node *nd = tree_iter_first(&it, z->tree); nd; nd = tree_iter_next(&it)) {
		for (const struct rrset *r = node_first(nd); r; r = node_next(nd, r)) {
			if (r == soa)
				continue;
			uint32_t pos = 0;
			const uint8_t *d;
			uint16_t len;
			while (rrset_next_rdata(r, &pos, &d, &len)) {
				put_rr(b, node_owner(nd), nd->owner_len, r->type, r->ttl, d, len);
				n++;
			}
		}
	}
	put_rr(b, node_owner(apex), apex->owner_len, KNOT_RRTYPE_SOA, soa->ttl, sd->data, sd->len);
	return n;
}

struct xfr_result {
	size_t msgs, rrs, octets, largest;
};

/* Runs a whole transfer of z for query s, re-parsing each message with
 * libknot into got; checks every message's header on the way. */
static void run_xfr(const struct zone *z, const struct qspec *s, size_t target, struct buf *got,
	struct xfr_result *res)
{
	uint8_t q[512];
	size_t qlen = build_query(s, q, sizeof(q));
	struct dnsmsg_query pq;
	assert_int_equal(dnsmsg_parse_query(q, qlen, &pq), 0);
	struct dnsmsg_xfr *x = malloc(sizeof(*x));
	uint8_t *out = malloc(DNSMSG_MAX);
	assert_int_equal(dnsmsg_xfr_init(x, &pq, z, target), 0);
	memset(res, 0, sizeof(*res));
	size_t len;
	assert_int_equal(dnsmsg_xfr_next(x, out, DNSMSG_MAX - 1, &len), ERR_INVAL);
	for (;;) {
		assert_int_equal(dnsmsg_xfr_next(x, out, DNSMSG_MAX, &len), 0);
		if (len == 0)
			break;
		assert_false(dnsmsg_xfr_done(x) && res->msgs > 100000);
		struct ans a;
		read_answer(out, len, &a);
		assert_int_equal(a.rcode, 0);
		assert_true(a.aa);
		assert_false(a.tc);
		assert_int_equal(knot_wire_get_qdcount(out), res->msgs == 0 ? 1 : 0);
		if (res->msgs == 0)
			assert_memory_equal(out + 12, pq.qname, pq.qname_len);
		assert_int_equal(knot_pkt_has_edns(a.pkt), s->edns != 0);
		const knot_pktsection_t *an = knot_pkt_section(a.pkt, KNOT_ANSWER);
		assert_true(an->count > 0);
		size_t in_msg = 0;
		for (uint16_t i = 0; i < an->count; i++) {
			const knot_rrset_t *rr = knot_pkt_rr(an, i);
			assert_int_equal(rr->rclass, KNOT_CLASS_IN);
			knot_rdata_t *rd = rr->rrs.rdata;
			for (uint16_t j = 0; j < rr->rrs.count; j++) {
				put_rr(got, rr->owner, knot_dname_size(rr->owner), rr->type,
					rr->ttl, rd->data, rd->len);
				rd = knot_rdataset_next(rd);
				in_msg++;
			}
		}
		/* over the target only for a lone RR */
		if (len > (target ? target : DNSMSG_XFR_TARGET))
			assert_int_equal(in_msg, 1);
		res->rrs += in_msg;
		res->msgs++;
		res->octets += len;
		if (len > res->largest)
			res->largest = len;
		knot_pkt_free(a.pkt);
	}
	assert_true(dnsmsg_xfr_done(x));
	assert_int_equal(x->msgs, res->msgs);
	assert_int_equal(x->rrs, res->rrs);
	assert_int_equal(x->octets, res->octets);
	assert_int_equal(dnsmsg_xfr_next(x, out, DNSMSG_MAX, &len), 0);
	assert_int_equal(len, 0);
	free(out);
	free(x);
}

/* The transfer carries exactly the zone's RRs, in order, SOA first and last. */
static void check_xfr(
	const struct zone *z, const struct qspec *s, size_t target, struct xfr_result *res)
{
	struct buf want, got;
	buf_init(&want, 0);
	buf_init(&got, 0);
	size_t n = expected_rrs(z, &want);
	assert_int_equal(n, z->rrs + 1);
	run_xfr(z, s, target, &got, res);
	assert_int_equal(res->rrs, n);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.data, want.data, want.len);
	buf_deinit(&want);
	buf_deinit(&got);
}

static void test_axfr_data_zones(void **state)
{
	(void)state;
	static const struct {
		const char *path, *origin;
	} zones[] = {
		{"tests/data/zones/sign-test.zone", "sign.test."},
		{"tests/data/zones/inc/main.zone", "example.com."},
	};
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		struct zone *z = load_file(zones[i].path, zones[i].origin);
		struct xfr_result one, small;
		struct qspec s = {.qname = zones[i].origin, .qtype = KNOT_RRTYPE_AXFR};
		check_xfr(z, &s, 0, &one);
		assert_int_equal(one.msgs, 1); /* small zones fit in one message */
		s.edns = 1232;
		s.dnssec_ok = true;
		check_xfr(z, &s, 512, &small);
		assert_true(small.msgs > one.octets / 512);
		assert_true(small.largest <= 512);
		/* IXFR answered as AXFR, asked in another case */
		s = (struct qspec){.qname = "SIGN.TEST.",
			.qtype = KNOT_RRTYPE_IXFR,
			.ixfr_soa = true,
			.serial = 1};
		s.qname = i == 0 ? "SIGN.TEST." : "EXAMPLE.com.";
		check_xfr(z, &s, 700, &small);
		zone_unref(z);
	}
}

/* A made-up zone: delegations with glue and out-of-zone servers, MX, CNAME,
 * an RRset far larger than a message and one RR larger than the target. */
static struct zone *gen_zone(size_t names, size_t big_txt, char **textp)
{
	struct buf t;
	buf_init(&t, 0);
	buf_printf(&t,
		"$TTL 300\n@ SOA ns1 hostmaster 7 3600 900 604800 300\n"
		"@ NS ns1\n@ NS ns2.provider.example.\nns1 A 192.0.2.1\n");
	for (size_t i = 0; i < names; i++) {
		buf_printf(&t,
			"d%zu NS ns1.d%zu\nd%zu NS ns.p%zu.example.\nns1.d%zu A 192.0.2.%zu\n", i,
			i, i, i % 7, i, i % 250);
		buf_printf(&t, "h%zu MX 10 mail.h%zu\nh%zu TXT \"host %zu\"\nC%zu CNAME h%zu\n", i,
			i, i, i, i, i);
	}
	for (int i = 0; i < 300; i++)
		buf_printf(&t, "many TXT \"%0200d\"\n", i);
	if (big_txt) {
		buf_printf(&t, "big TXT");
		for (size_t i = 0; i < big_txt / 255; i++)
			buf_printf(&t, " \"%0254d\"", 0);
		buf_printf(&t, "\n");
	}
	struct zone *z = load_text(buf_cstr(&t), t.len, "gen.test.");
	if (textp)
		*textp = NULL;
	buf_deinit(&t);
	return z;
}

static void test_axfr_split(void **state)
{
	(void)state;
	struct zone *z = gen_zone(2000, 255 * 80, NULL);
	struct qspec s = {.qname = "gen.test.", .qtype = KNOT_RRTYPE_AXFR, .edns = 1232};
	size_t targets[] = {512, 4096, 16384, 65535};
	size_t prev_msgs = SIZE_MAX;
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct xfr_result r;
		check_xfr(z, &s, targets[i], &r);
		assert_true(r.msgs < prev_msgs);
		prev_msgs = r.msgs;
		/* the 20 KB TXT RR goes alone in a message over the target */
		if (targets[i] < 20000)
			assert_true(r.largest > 20000);
		else
			assert_true(r.largest <= targets[i]);
	}
	zone_unref(z);
}

/* Compression: names shrink to pointers. Against the same RRs with every
 * name written out (what a writer without compression would send). */
static void test_axfr_compression(void **state)
{
	(void)state;
	struct zone *z = gen_zone(3000, 0, NULL);
	struct buf want;
	buf_init(&want, 0);
	size_t n = expected_rrs(z, &want);
	/* each RR: owner + 10 + RDATA, i.e. our put_rr layout plus class (2) */
	size_t plain = want.len + 2 * n;
	struct qspec s = {.qname = "gen.test.", .qtype = KNOT_RRTYPE_AXFR};
	struct xfr_result r;
	check_xfr(z, &s, 16384, &r);
	print_message("# %zu RRs: %zu octets plain, %zu compressed\n", n, plain, r.octets);
	assert_true(r.octets < plain * 2 / 3);
	/* messages of 64 KiB reach back only 16 KiB (RFC 1035 §4.1.4): still
	 * correct (checked above), rather less compressed */
	struct xfr_result big;
	check_xfr(z, &s, 65535, &big);
	assert_true(big.octets < plain);
	assert_true(big.octets > r.octets);
	buf_deinit(&want);
	zone_unref(z);
}

static void test_axfr_rr_too_large(void **state)
{
	(void)state;
	struct zone *z = gen_zone(1, 65535, NULL);
	struct qspec s = {.qname = "gen.test.", .qtype = KNOT_RRTYPE_AXFR};
	uint8_t q[512];
	size_t qlen = build_query(&s, q, sizeof(q));
	struct dnsmsg_query pq;
	assert_int_equal(dnsmsg_parse_query(q, qlen, &pq), 0);
	struct dnsmsg_xfr *x = malloc(sizeof(*x));
	uint8_t *out = malloc(DNSMSG_MAX);
	assert_int_equal(dnsmsg_xfr_init(x, &pq, z, 0), 0);
	int rc;
	size_t len;
	while ((rc = dnsmsg_xfr_next(x, out, DNSMSG_MAX, &len)) == 0 && len > 0)
		;
	assert_int_equal(rc, ERR_LIMIT);
	free(out);
	free(x);
	zone_unref(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_tsig_reserve),
		cmocka_unit_test(test_soa_answer),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_formerr_badvers),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_axfr_data_zones),
		cmocka_unit_test(test_axfr_split),
		cmocka_unit_test(test_axfr_compression),
		cmocka_unit_test(test_axfr_rr_too_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
