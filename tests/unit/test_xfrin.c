/* Unit tests for lib/dns/xfrin: response streams built by hand record by
 * record (records written from presentation form with libzscanner), fed
 * to the parser in both modes; the versions it makes are compared with
 * versions read from zone files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libknot/libknot.h>
#include <libzscanner/scanner.h>

#include "lib/dns/dnsmsg.h"
#include "lib/dns/xfrin.h"
#include "lib/util/buf.h"
#include "lib/util/err.h"
#include "lib/zone/zone_diff.h"
#include "lib/zone/zone_read.h"

#define ID 0x1234
#define APEX                     \
	((const uint8_t *)"\x07" \
			  "example\x04test")

static const char base_text[] = "$TTL 300\n"
				"@ SOA ns1 hostmaster 1 3600 900 604800 300\n"
				"@ NS ns1\n"
				"ns1 A 192.0.2.1\n"
				"www A 192.0.2.80\n";

static struct zone *load_text(const char *text)
{
	struct zone_msgs m;
	zone_msgs_init(&m);
	struct zone_read_opts o = {.origin = "example.test."};
	struct zone *z = NULL;
	int rc = zone_read_mem(text, strlen(text), "test", &o, &m, &z);
	if (rc != 0)
		fprintf(stderr, "%s\n%s", err_str(rc), buf_cstr(&m.text));
	assert_int_equal(rc, 0);
	zone_msgs_deinit(&m);
	return z;
}

/* ------------------------------------------------- messages by hand */

struct tmsg {
	uint8_t b[DNSMSG_MAX];
	size_t len;
	uint16_t an;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void raw(struct tmsg *m, const void *p, size_t n)
{
	assert_true(m->len + n <= sizeof(m->b));
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void u16(struct tmsg *m, uint16_t v)
{
	uint8_t b[2];
	put16(b, v);
	raw(m, b, 2);
}

/* A response header (flags QR AA, this rcode) and, when qtype is not 0,
 * the question example.test./qtype/IN. */
static void tm_start(struct tmsg *m, uint16_t id, unsigned rcode, uint16_t qtype)
{
	memset(m, 0, sizeof(*m));
	uint8_t h[12] = {0};
	put16(h, id);
	h[2] = 0x84;
	h[3] = (uint8_t)rcode;
	put16(h + 4, qtype ? 1 : 0);
	raw(m, h, sizeof(h));
	if (qtype) {
		raw(m, APEX,
			sizeof("\x07"
			       "example\x04test"));
		u16(m, qtype);
		u16(m, 1);
	}
}

/* One record from presentation form (origin example.test., TTL 300). */
static void tm_rr(struct tmsg *m, const char *text)
{
	zs_scanner_t *s = malloc(sizeof(*s));
	assert_non_null(s);
	assert_int_equal(zs_init(s, "example.test.", KNOT_CLASS_IN, 300), 0);
	assert_int_equal(zs_set_input_string(s, text, strlen(text)), 0);
	assert_int_equal(zs_parse_record(s), 0);
	assert_int_equal(s->state, ZS_STATE_DATA);
	raw(m, s->r_owner, s->r_owner_length);
	u16(m, s->r_type);
	u16(m, s->r_class);
	u16(m, (uint16_t)(s->r_ttl >> 16));
	u16(m, (uint16_t)s->r_ttl);
	u16(m, (uint16_t)s->r_data_length);
	raw(m, s->r_data, s->r_data_length);
	zs_deinit(s);
	free(s);
	m->an++;
	put16(m->b + 6, m->an);
}

static void tm_soa(struct tmsg *m, unsigned serial)
{
	char t[128];
	snprintf(t, sizeof(t), "@ SOA ns1 hostmaster %u 3600 900 604800 300", serial);
	tm_rr(m, t);
}

/* Feeds msgs[0..n) to a parser in the given mode; returns the first
 * error, or what xfrin_finish returns. */
static int run(struct xfrin *x, uint16_t qtype, uint32_t base_serial, bool scan, struct tmsg *msgs,
	size_t n, const struct zone *base, struct zone **out)
{
	struct xfrin_opts o = {.apex = APEX,
		.qtype = qtype,
		.id = ID,
		.base_serial = base_serial,
		.scan_only = scan};
	assert_int_equal(xfrin_init(x, &o), 0);
	*out = NULL;
	for (size_t i = 0; i < n; i++) {
		int rc = xfrin_feed(x, msgs[i].b, msgs[i].len);
		if (rc < 0)
			return rc;
	}
	return xfrin_finish(x, base, out);
}

/* Runs a stream in both modes; they must agree on its end and on framing
 * errors. Returns the full parse's result; *x is left for inspection and
 * must be deinit'ed by the caller. */
static int run_both(struct xfrin *x, uint16_t qtype, uint32_t base_serial, struct tmsg *msgs,
	size_t n, const struct zone *base, struct zone **out)
{
	struct xfrin scan;
	struct zone *none;
	int src = run(&scan, qtype, base_serial, true, msgs, n, base, &none);
	assert_null(none);
	int rc = run(x, qtype, base_serial, false, msgs, n, base, out);
	/* the scan sees no content: a full parse may fail where it does not */
	if (rc == ERR_ZONE || rc == ERR_DIFF) {
		assert_true(src == 0 || src == rc);
	} else {
		assert_int_equal(src, rc);
		assert_int_equal(scan.kind, x->kind);
		assert_int_equal(xfrin_done(&scan), xfrin_done(x));
	}
	xfrin_deinit(&scan);
	return rc;
}

/* No difference between a and b. */
static void assert_same_zone(const struct zone *a, const struct zone *b)
{
	struct zone_diff d;
	zone_diff_init(&d);
	assert_int_equal(zone_diff_compute(a, b, &d), 0);
	assert_int_equal(d.removed.n, 0);
	assert_int_equal(d.added.n, 0);
	zone_diff_deinit(&d);
	assert_int_equal(a->serial, b->serial);
}

/* ---------------------------------------------------------------- AXFR */

static void test_axfr_single(void **state)
{
	(void)state;
	struct tmsg *m = malloc(sizeof(*m));
	tm_start(m, ID, 0, XFRIN_QTYPE_AXFR);
	tm_soa(m, 1);
	tm_rr(m, "@ NS ns1");
	tm_rr(m, "ns1 A 192.0.2.1");
	tm_rr(m, "www A 192.0.2.80");
	tm_soa(m, 1);
	struct xfrin x;
	struct zone *z;
	assert_int_equal(run_both(&x, XFRIN_QTYPE_AXFR, 0, m, 1, NULL, &z), 0);
	assert_int_equal(x.kind, XFRIN_KIND_AXFR);
	assert_true(xfrin_done(&x));
	assert_int_equal(x.soa.serial, 1);
	assert_int_equal(x.soa.refresh, 3600);
	assert_int_equal(x.soa.retry, 900);
	assert_int_equal(x.soa.expire, 604800);
	struct zone *want = load_text(base_text);
	assert_same_zone(z, want);
	zone_unref(want);
	zone_unref(z);
	xfrin_deinit(&x);
	free(m);
}

/* Three messages, owners in no order and www's RRsets split between the
 * first and the last; later messages without the question. */
static void test_axfr_multi(void **state)
{
	(void)state;
	struct tmsg *m = calloc(3, sizeof(*m));
	tm_start(&m[0], ID, 0, XFRIN_QTYPE_AXFR);
	tm_soa(&m[0], 1);
	tm_rr(&m[0], "www A 192.0.2.80");
	tm_rr(&m[0], "@ NS ns1");
	tm_start(&m[1], ID, 0, 0);
	tm_rr(&m[1], "ns1 A 192.0.2.1");
	tm_rr(&m[1], "a.b.c TXT \"deep\"");
	tm_start(&m[2], ID, 0, XFRIN_QTYPE_AXFR);
	tm_rr(&m[2], "www AAAA 2001:db8::80");
	tm_rr(&m[2], "www A 192.0.2.81");
	tm_soa(&m[2], 1);
	struct xfrin x;
	struct zone *z;
	assert_int_equal(run_both(&x, XFRIN_QTYPE_AXFR, 0, m, 3, NULL, &z), 0);
	assert_int_equal(x.kind, XFRIN_KIND_AXFR);
	assert_int_equal(x.msgs, 3);
	assert_int_equal(x.rrs, 8);
	struct zone *want = load_text("$TTL 300\n@ SOA ns1 hostmaster 1 3600 900 604800 300\n"
				      "@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.80\n"
				      "www A 192.0.2.81\nwww AAAA 2001:db8::80\na.b.c TXT deep\n");
	assert_same_zone(z, want);
	zone_unref(want);
	zone_unref(z);
	xfrin_deinit(&x);
	free(m);
}

/* The stream our own AXFR writer makes (names compressed in owners and
 * RDATA, small messages) comes back as the same version. */
static void test_axfr_roundtrip(void **state)
{
	(void)state;
	struct buf t;
	buf_init(&t, 0);
	for (int i = 0; i < 40; i++) /* enough for several messages of 512 octets */
		buf_printf(&t, "h%d.sub2 AAAA 2001:db8::%d\nh%d.sub2 MX 1 h%d.sub2\n", i, i, i, i);
	buf_printf(&t,
		"$TTL 300\n@ SOA ns1 hostmaster 77 3600 900 604800 300\n"
		"@ NS ns1\n@ NS ns2.example.net.\n@ MX 10 mail\n"
		"ns1 A 192.0.2.1\nmail A 192.0.2.2\nwww CNAME mail\n"
		"sub NS ns.sub\nns.sub A 192.0.2.3\nx.y.z TXT \"a\" \"b\"\n"
		"_sip._tcp SRV 0 5 5060 mail\nrp RP mail.example.test. x\n"
		"nx NAPTR 100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:a@b!\" .\n");
	struct zone *src = load_text(buf_cstr(&t));
	buf_deinit(&t);
	uint8_t q[XFRIN_QUERY_MAX];
	size_t qlen;
	assert_int_equal(xfrin_query(XFRIN_QTYPE_AXFR, ID, APEX, NULL, q, sizeof(q), &qlen), 0);
	struct dnsmsg_query dq;
	assert_int_equal(dnsmsg_parse_query(q, qlen, &dq), 0);
	struct dnsmsg_xfr w;
	assert_int_equal(dnsmsg_xfr_init(&w, &dq, src, 512), 0);
	struct xfrin x;
	struct xfrin_opts o = {.apex = APEX, .qtype = XFRIN_QTYPE_AXFR, .id = ID};
	assert_int_equal(xfrin_init(&x, &o), 0);
	uint8_t *buf = malloc(DNSMSG_MAX);
	size_t len;
	unsigned n = 0;
	for (;;) {
		assert_int_equal(dnsmsg_xfr_next(&w, buf, DNSMSG_MAX, &len), 0);
		if (len == 0)
			break;
		n++;
		assert_false(xfrin_done(&x));
		assert_int_equal(xfrin_feed(&x, buf, len), 0);
	}
	assert_true(n > 1);
	assert_true(xfrin_done(&x));
	struct zone *z;
	assert_int_equal(xfrin_finish(&x, NULL, &z), 0);
	assert_same_zone(z, src);
	zone_unref(z);
	zone_unref(src);
	xfrin_deinit(&x);
	free(buf);
}

/* A closing SOA other than the first: "wrong SOA", in both modes. */
static void test_axfr_wrong_soa(void **state)
{
	(void)state;
	struct tmsg *m = malloc(sizeof(*m));
	tm_start(m, ID, 0, XFRIN_QTYPE_AXFR);
	tm_soa(m, 5);
	tm_rr(m, "@ NS ns1");
	tm_soa(m, 6);
	struct xfrin x;
	struct zone *z;
	assert_int_equal(run(&x, XFRIN_QTYPE_AXFR, 0, false, m, 1, NULL, &z), ERR_ZONE);
	assert_string_equal(x.err,
		"message 1: record 3: wrong SOA: the closing SOA (serial 6) "
		"differs from the first (serial 5)");
	xfrin_deinit(&x);
	assert_int_equal(run(&x, XFRIN_QTYPE_AXFR, 0, true, m, 1, NULL, &z), ERR_ZONE);
	xfrin_deinit(&x);
	free(m);
}

static void test_axfr_outside(void **state)
{
	(void)state;
	struct tmsg *m = calloc(2, sizeof(*m));
	tm_start(&m[0], ID, 0, XFRIN_QTYPE_AXFR);
	tm_soa(&m[0], 5);
	tm_start(&m[1], ID, 0, 0);
	tm_rr(&m[1], "@ NS ns1");
	tm_rr(&m[1], "ns1 A 192.0.2.1");
	tm_rr(&m[1], "www.other.test. A 192.0.2.1");
	tm_soa(&m[1], 5);
	struct xfrin x;
	struct zone *z;
	assert_int_equal(run(&x, XFRIN_QTYPE_AXFR, 0, false, m, 2, NULL, &z), ERR_ZONE);
	assert_string_equal(
		x.err, "message 2: record 3: owner www.other.test. is outside the zone");
	xfrin_deinit(&x);
	free(m);
}

/* A zone without NS at the apex is refused by the builder, with its reason. */
static void test_axfr_invalid_zone(void **state)
{
	(void)state;
	struct tmsg *m = malloc(sizeof(*m));
	tm_start(m, ID, 0, XFRIN_QTYPE_AXFR);
	tm_soa(m, 5);
	tm_rr(m, "www A 192.0.2.1");
	tm_rr(m, "www CNAME ns1");
	tm_soa(m, 5);
	struct xfrin x;
	struct zone *z;
	assert_int_equal(run(&x, XFRIN_QTYPE_AXFR, 0, false, m, 1, NULL, &z), ERR_ZONE);
	assert_non_null(strstr(x.err, "the zone received is not valid: "));
	assert_null(z);
	xfrin_deinit(&x);
	free(m);
}

/* The stream stops before the closing SOA: the finish says so. */
static void test_axfr_ends_early(void **state)
{
	(void)state;
	struct tmsg *m = malloc(sizeof(*m));
	tm_start(m, ID, 0, XFRIN_QTYPE_AXFR);
	tm_soa(m, 5);
	tm_rr(m, "@ NS ns1");
	struct xfrin x;
	struct zone *z;
	assert_int_equal(run_both(&x, XFRIN_QTYPE_AXFR, 0, m, 1, NULL, &z), ERR_TRUNC);
	assert_false(xfrin_done(&x));
	assert_non_null(strstr(x.err, "ended early"));
	xfrin_deinit(&x);
	assert_int_equal(run_both(&x, XFRIN_QTYPE_AXFR, 0, m, 0, NULL, &z), ERR_TRUNC);
	assert_string_equal(x.err, "the stream ended before any message");
	xfrin_deinit(&x);
	free(m);
}

/* A message cut inside a record. */
static void test_truncated_message(void **state)
{
	(void)state;
	struct tmsg *m = malloc(sizeof(*m));
	tm_start(m, ID, 0, XFRIN_QTYPE_AXFR);
	tm_soa(m, 5);
	tm_rr(m, "@ NS ns1");
	tm_rr(m, "www TXT \"some text here\"");
	for (size_t cut = m->len - 1; cut > m->len - 30; cut--) {
		struct xfrin x;
		struct xfrin_opts o = {.apex = APEX, .qtype = XFRIN_QTYPE_AXFR, .id = ID};
		assert_int_equal(xfrin_init(&x, &o), 0);
		assert_int_equal(xfrin_feed(&x, m->b, cut), ERR_SYNTAX);
		assert_string_equal(x.err, "message 1: record 3: malformed");
		xfrin_deinit(&x);
	}
	struct xfrin x;
	struct xfrin_opts o = {.apex = APEX, .qtype = XFRIN_QTYPE_AXFR, .id = ID};
	assert_int_equal(xfrin_init(&x, &o), 0);
	assert_int_equal(xfrin_feed(&x, m->b, 11), ERR_SYNTAX);
	assert_string_equal(x.err, "message 1: shorter than a DNS header (11 octets)");
	/* errors stick */
	assert_int_equal(xfrin_feed(&x, m->b, m->len), ERR_SYNTAX);
	xfrin_deinit(&x);
	free(m);
}

/* ------------------------------------------------------ header checks */

static void test_header_checks(void **state)
{
	(void)state;
	struct tmsg *m = malloc(sizeof(*m));
	struct xfrin x;
	struct zone *z;
	tm_start(m, ID + 1, 0, XFRIN_QTYPE_AXFR);
	tm_soa(m, 5);
	assert_int_equal(run(&x, XFRIN_QTYPE_AXFR, 0, true, m, 1, NULL, &z), ERR_SYNTAX);
	assert_string_equal(x.err, "message 1: ID 4661 does not match the query's 4660");
	xfrin_deinit(&x);

	m->b[0] = ID >> 8, m->b[1] = ID & 0xff, m->b[2] &= 0x7f; /* QR clear */
	assert_int_equal(run(&x, XFRIN_QTYPE_AXFR, 0, false, m, 1, NULL, &z), ERR_SYNTAX);
	assert_string_equal(x.err, "message 1: not a response (QR clear)");
	xfrin_deinit(&x);

	m->b[2] = 0x80 | 4 << 3; /* NOTIFY */
	assert_int_equal(run(&x, XFRIN_QTYPE_AXFR, 0, false, m, 1, NULL, &z), ERR_SYNTAX);
	assert_string_equal(x.err, "message 1: opcode 4, not QUERY");
	xfrin_deinit(&x);

	/* the question must echo ours */
	m->b[2] = 0x84;
	assert_int_equal(run(&x, XFRIN_QTYPE_IXFR, 0, false, m, 1, NULL, &z), ERR_SYNTAX);
	assert_string_equal(x.err,
		"message 1: the question (example.test. type 252 class 1) is "
		"not the query's");
	xfrin_deinit(&x);

	/* the first message must carry it */
	tm_start(m, ID, 0, 0);
	tm_soa(m, 5);
	assert_int_equal(run(&x, XFRIN_QTYPE_AXFR, 0, false, m, 1, NULL, &z), ERR_SYNTAX);
	assert_string_equal(x.err, "message 1: 0 questions, not 1");
	xfrin_deinit(&x);

	/* no records, not starting with a SOA */
	tm_start(m, ID, 0, XFRIN_QTYPE_AXFR);
	assert_int_equal(run(&x, XFRIN_QTYPE_AXFR, 0, false, m, 1, NULL, &z), ERR_SYNTAX);
	assert_string_equal(x.err, "message 1: no answer records");
	xfrin_deinit(&x);
	tm_rr(m, "@ NS ns1");
	assert_int_equal(run(&x, XFRIN_QTYPE_AXFR, 0, true, m, 1, NULL, &z), ERR_ZONE);
	assert_string_equal(x.err, "message 1: record 1: the transfer does not start with a SOA");
	xfrin_deinit(&x);
	free(m);
}

static void test_rcodes(void **state)
{
	(void)state;
	static const struct {
		unsigned rcode;
		const char *text;
	} cases[] = {
		{1, "message 1: the primary answered FORMERR"},
		{4, "message 1: the primary answered NOTIMP"},
		{5, "message 1: the primary answered REFUSED"},
		{9, "message 1: the primary answered NOTAUTH"},
		{2, "message 1: the primary answered SERVFAIL"},
	};
	struct tmsg *m = malloc(sizeof(*m));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tm_start(m, ID, cases[i].rcode, XFRIN_QTYPE_IXFR);
		struct xfrin x;
		struct zone *z;
		assert_int_equal(run_both(&x, XFRIN_QTYPE_IXFR, 1, m, 1, NULL, &z), ERR_DNS);
		assert_int_equal(x.rcode, cases[i].rcode);
		assert_string_equal(x.err, cases[i].text);
		xfrin_deinit(&x);
	}
	free(m);
}

/* Records after the closing SOA, and a message after the end. */
static void test_after_end(void **state)
{
	(void)state;
	struct tmsg *m = calloc(2, sizeof(*m));
	tm_start(&m[0], ID, 0, XFRIN_QTYPE_AXFR);
	tm_soa(&m[0], 5);
	tm_rr(&m[0], "@ NS ns1");
	tm_soa(&m[0], 5);
	tm_start(&m[1], ID, 0, 0);
	tm_rr(&m[1], "www A 192.0.2.1");
	struct xfrin x;
	struct zone *z;
	assert_int_equal(run_both(&x, XFRIN_QTYPE_AXFR, 0, m, 2, NULL, &z), ERR_SYNTAX);
	assert_string_equal(x.err, "message 2: comes after the end of the transfer");
	xfrin_deinit(&x);
	tm_rr(&m[0], "www A 192.0.2.1");
	assert_int_equal(run_both(&x, XFRIN_QTYPE_AXFR, 0, m, 1, NULL, &z), ERR_SYNTAX);
	assert_string_equal(x.err, "message 1: record 4: comes after the closing SOA");
	xfrin_deinit(&x);
	free(m);
}

static void test_bad_records(void **state)
{
	(void)state;
	struct tmsg *m = malloc(sizeof(*m));
	struct xfrin x;
	struct zone *z;
	/* class CH */
	tm_start(m, ID, 0, XFRIN_QTYPE_AXFR);
	tm_soa(m, 5);
	tm_rr(m, "@ NS ns1");
	m->b[m->len - 18 - 10 + 2] = 0, m->b[m->len - 18 - 10 + 3] = 3; /* RDATA is 18 octets */
	assert_int_equal(run(&x, XFRIN_QTYPE_AXFR, 0, true, m, 1, NULL, &z), ERR_ZONE);
	assert_string_equal(x.err, "message 1: record 2: class 3, not IN");
	xfrin_deinit(&x);
	/* a SOA not at the apex */
	tm_start(m, ID, 0, XFRIN_QTYPE_AXFR);
	tm_rr(m, "sub SOA ns1 hostmaster 1 3600 900 604800 300");
	assert_int_equal(run(&x, XFRIN_QTYPE_AXFR, 0, false, m, 1, NULL, &z), ERR_ZONE);
	assert_string_equal(
		x.err, "message 1: record 1: SOA owner sub.example.test. is not the zone's apex");
	xfrin_deinit(&x);
	/* an A of 5 octets (RDATA checked against the type's layout) */
	tm_start(m, ID, 0, XFRIN_QTYPE_AXFR);
	tm_soa(m, 5);
	tm_rr(m, "www TYPE1 \\# 5 0102030405");
	tm_soa(m, 5);
	assert_int_equal(run(&x, XFRIN_QTYPE_AXFR, 0, false, m, 1, NULL, &z), ERR_SYNTAX);
	assert_string_equal(x.err, "message 1: record 2: www.example.test. A: malformed RDATA");
	xfrin_deinit(&x);
	/* a TSIG record in the answer section */
	tm_start(m, ID, 0, XFRIN_QTYPE_AXFR);
	tm_soa(m, 5);
	tm_rr(m, "www TYPE250 \\# 1 00");
	assert_int_equal(run(&x, XFRIN_QTYPE_AXFR, 0, true, m, 1, NULL, &z), ERR_ZONE);
	assert_string_equal(x.err, "message 1: record 2: type 250 is not zone data");
	xfrin_deinit(&x);
	free(m);
}

/* Owners and RDATA names compressed by hand; a pointer forward is refused. */
static void test_compression(void **state)
{
	(void)state;
	struct tmsg *m = malloc(sizeof(*m));
	tm_start(m, ID, 0, XFRIN_QTYPE_AXFR);
	tm_soa(m, 5);
	/* @ NS ns1.<ptr to apex at 12> with the owner a pointer to 12 */
	static const uint8_t ns[] = {
		0xc0, 12, 0, 2, 0, 1, 0, 0, 1, 44, 0, 6, 3, 'n', 's', '1', 0xc0, 12};
	raw(m, ns, sizeof(ns));
	m->an++;
	size_t ns1_at = m->len - 6; /* "ns1" + pointer inside the NS RDATA */
	/* ns1 A, owner a pointer to the NS target */
	uint8_t a[] = {0xc0, 0, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 192, 0, 2, 1};
	a[1] = (uint8_t)ns1_at;
	raw(m, a, sizeof(a));
	m->an++;
	size_t a_at = m->len - sizeof(a);
	tm_soa(m, 5);
	put16(m->b + 6, m->an);
	struct xfrin x;
	struct zone *z;
	assert_int_equal(run_both(&x, XFRIN_QTYPE_AXFR, 0, m, 1, NULL, &z), 0);
	struct zone *want = load_text("$TTL 300\n@ SOA ns1 hostmaster 5 3600 900 604800 300\n"
				      "@ NS ns1\nns1 A 192.0.2.1\n");
	assert_same_zone(z, want);
	zone_unref(want);
	zone_unref(z);
	xfrin_deinit(&x);
	/* the owner of the A pointing at itself, then forward */
	m->b[a_at + 1] = (uint8_t)a_at;
	assert_int_equal(run(&x, XFRIN_QTYPE_AXFR, 0, false, m, 1, NULL, &z), ERR_SYNTAX);
	assert_string_equal(x.err, "message 1: record 3: malformed owner name");
	xfrin_deinit(&x);
	m->b[a_at + 1] = (uint8_t)(a_at + 20);
	assert_int_equal(run(&x, XFRIN_QTYPE_AXFR, 0, false, m, 1, NULL, &z), ERR_SYNTAX);
	xfrin_deinit(&x);
	free(m);
}

/* ---------------------------------------------------------------- IXFR */

/* Version 1 -> 2 -> 3 in two sequences. */
static void test_ixfr_two_sequences(void **state)
{
	(void)state;
	struct zone *base = load_text(base_text);
	struct tmsg *m = calloc(2, sizeof(*m));
	tm_start(&m[0], ID, 0, XFRIN_QTYPE_IXFR);
	tm_soa(&m[0], 3);
	tm_soa(&m[0], 1);
	tm_rr(&m[0], "www A 192.0.2.80");
	tm_soa(&m[0], 2);
	tm_rr(&m[0], "www A 192.0.2.82");
	tm_start(&m[1], ID, 0, 0);
	tm_soa(&m[1], 2);
	tm_rr(&m[1], "ns1 A 192.0.2.1");
	tm_soa(&m[1], 3);
	tm_rr(&m[1], "ns1 A 192.0.2.11");
	tm_rr(&m[1], "new TXT \"added in 3\"");
	tm_soa(&m[1], 3);
	struct xfrin x;
	struct zone *z;
	assert_int_equal(run_both(&x, XFRIN_QTYPE_IXFR, 1, m, 2, base, &z), 0);
	assert_int_equal(x.kind, XFRIN_KIND_IXFR);
	assert_int_equal(x.ndiffs, 2);
	assert_int_equal(x.diffs[0].old_serial, 1);
	assert_int_equal(x.diffs[0].new_serial, 2);
	assert_int_equal(x.diffs[1].old_serial, 2);
	assert_int_equal(x.diffs[1].new_serial, 3);
	struct zone *want = load_text("$TTL 300\n@ SOA ns1 hostmaster 3 3600 900 604800 300\n"
				      "@ NS ns1\nns1 A 192.0.2.11\nwww A 192.0.2.82\n"
				      "new TXT \"added in 3\"\n");
	assert_same_zone(z, want);
	zone_unref(want);
	zone_unref(z);
	xfrin_deinit(&x);
	zone_unref(base);
	free(m);
}

/* One sequence straight from 1 to 3 (a condensed IXFR, RFC 1995 §5). */
static void test_ixfr_condensed(void **state)
{
	(void)state;
	struct zone *base = load_text(base_text);
	struct tmsg *m = malloc(sizeof(*m));
	tm_start(m, ID, 0, XFRIN_QTYPE_IXFR);
	tm_soa(m, 3);
	tm_soa(m, 1);
	tm_rr(m, "www A 192.0.2.80");
	tm_soa(m, 3);
	tm_soa(m, 3);
	struct xfrin x;
	struct zone *z;
	assert_int_equal(run_both(&x, XFRIN_QTYPE_IXFR, 1, m, 1, base, &z), 0);
	assert_int_equal(x.kind, XFRIN_KIND_IXFR);
	assert_int_equal(x.ndiffs, 1);
	assert_int_equal(z->serial, 3);
	assert_null(zone_find(z,
		(const uint8_t *)"\x03www\x07"
				 "example\x04test"));
	zone_unref(z);
	xfrin_deinit(&x);
	zone_unref(base);
	free(m);
}

/* Sequences that do not fit: the first not from our serial; a removal of
 * a record we do not have; a chain with a gap. */
static void test_ixfr_does_not_apply(void **state)
{
	(void)state;
	struct zone *base = load_text(base_text);
	struct tmsg *m = malloc(sizeof(*m));
	struct xfrin x;
	struct zone *z;
	tm_start(m, ID, 0, XFRIN_QTYPE_IXFR);
	tm_soa(m, 3);
	tm_soa(m, 2);
	tm_soa(m, 3);
	tm_soa(m, 3);
	assert_int_equal(run_both(&x, XFRIN_QTYPE_IXFR, 1, m, 1, base, &z), ERR_DIFF);
	assert_string_equal(
		x.err, "IXFR: the first difference sequence starts at serial 2, not at ours (1)");
	xfrin_deinit(&x);

	tm_start(m, ID, 0, XFRIN_QTYPE_IXFR);
	tm_soa(m, 7);
	tm_soa(m, 1);
	tm_soa(m, 5);
	tm_rr(m, "x TXT one");
	tm_soa(m, 5);
	tm_rr(m, "www A 192.0.2.99");
	tm_soa(m, 7);
	tm_soa(m, 7);
	assert_int_equal(run_both(&x, XFRIN_QTYPE_IXFR, 1, m, 1, base, &z), ERR_DIFF);
	assert_null(z);
	const char *want = "IXFR: difference sequence from 5 to 7 does not apply: ";
	assert_memory_equal(x.err, want, strlen(want));
	assert_non_null(strstr(x.err, "www.example.test."));
	xfrin_deinit(&x);

	tm_start(m, ID, 0, XFRIN_QTYPE_IXFR);
	tm_soa(m, 7);
	tm_soa(m, 1);
	tm_soa(m, 5);
	tm_soa(m, 6);
	tm_soa(m, 7);
	tm_soa(m, 7);
	assert_int_equal(run_both(&x, XFRIN_QTYPE_IXFR, 1, m, 1, base, &z), ERR_ZONE);
	assert_string_equal(x.err,
		"message 1: record 4: IXFR: a difference sequence starts at "
		"serial 6, not at 5 where the one before ended");
	xfrin_deinit(&x);
	zone_unref(base);
	free(m);
}

/* SOA then a record that is not a SOA: the whole zone. */
static void test_ixfr_axfr_style(void **state)
{
	(void)state;
	struct zone *base = load_text(base_text);
	struct tmsg *m = malloc(sizeof(*m));
	tm_start(m, ID, 0, XFRIN_QTYPE_IXFR);
	tm_soa(m, 9);
	tm_rr(m, "@ NS ns1");
	tm_rr(m, "ns1 A 192.0.2.1");
	tm_soa(m, 9);
	struct xfrin x;
	struct zone *z;
	assert_int_equal(run_both(&x, XFRIN_QTYPE_IXFR, 1, m, 1, base, &z), 0);
	assert_int_equal(x.kind, XFRIN_KIND_IXFR_AXFR);
	assert_int_equal(z->serial, 9);
	assert_int_equal(z->rrs, 3);
	zone_unref(z);
	xfrin_deinit(&x);
	zone_unref(base);
	free(m);
}

/* A lone SOA: up to date when not newer (RFC 1982: 2^31 + 5 is older than
 * 5), else the caller asks for AXFR. */
static void test_ixfr_lone_soa(void **state)
{
	(void)state;
	static const struct {
		uint32_t ours, theirs;
		enum xfrin_kind kind;
	} cases[] = {
		{5, 5, XFRIN_KIND_UP_TO_DATE},
		{5, 4, XFRIN_KIND_UP_TO_DATE},
		{5, 2147483653u, XFRIN_KIND_UP_TO_DATE},
		{5, 6, XFRIN_KIND_LONE_SOA},
		{4294967295u, 3, XFRIN_KIND_LONE_SOA},
	};
	struct tmsg *m = calloc(2, sizeof(*m));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tm_start(m, ID, 0, XFRIN_QTYPE_IXFR);
		tm_soa(m, cases[i].theirs);
		struct xfrin x;
		struct zone *z;
		assert_int_equal(run_both(&x, XFRIN_QTYPE_IXFR, cases[i].ours, m, 1, NULL, &z), 0);
		assert_int_equal(x.kind, cases[i].kind);
		assert_true(xfrin_done(&x));
		assert_null(z);
		assert_int_equal(x.soa.serial, cases[i].theirs);
		xfrin_deinit(&x);
	}
	/* anything after it is an error */
	tm_start(&m[1], ID, 0, 0);
	tm_rr(&m[1], "@ NS ns1");
	struct xfrin x;
	struct zone *z;
	assert_int_equal(run_both(&x, XFRIN_QTYPE_IXFR, 5, m, 2, NULL, &z), ERR_SYNTAX);
	xfrin_deinit(&x);
	free(m);
}

/* ---------------------------------------------------------------- caps */

static int run_limits(struct xfrin *x, struct tmsg *m, size_t n, struct xfrin_limits lim)
{
	struct xfrin_opts o = {.apex = APEX, .qtype = XFRIN_QTYPE_AXFR, .id = ID, .limits = lim};
	assert_int_equal(xfrin_init(x, &o), 0);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = xfrin_feed(x, m[i].b, m[i].len);
	return rc;
}

static void test_limits(void **state)
{
	(void)state;
	struct tmsg *m = calloc(3, sizeof(*m));
	tm_start(&m[0], ID, 0, XFRIN_QTYPE_AXFR);
	tm_soa(&m[0], 5);
	tm_rr(&m[0], "@ NS ns1");
	tm_start(&m[1], ID, 0, 0);
	tm_rr(&m[1], "ns1 A 192.0.2.1");
	tm_rr(&m[1], "www A 192.0.2.1");
	tm_start(&m[2], ID, 0, 0);
	tm_soa(&m[2], 5);
	size_t total = m[0].len + m[1].len + m[2].len;
	struct xfrin x;
	assert_int_equal(run_limits(&x, m, 3, (struct xfrin_limits){.octets = total}), 0);
	assert_true(xfrin_done(&x));
	xfrin_deinit(&x);
	assert_int_equal(
		run_limits(&x, m, 3, (struct xfrin_limits){.octets = total - 1}), ERR_LIMIT);
	char want[128];
	snprintf(want, sizeof(want), "transfer exceeds %zu octets (limit)", total - 1);
	assert_string_equal(x.err, want);
	xfrin_deinit(&x);
	assert_int_equal(run_limits(&x, m, 3, (struct xfrin_limits){.messages = 2}), ERR_LIMIT);
	assert_string_equal(x.err, "transfer exceeds 2 messages (limit)");
	xfrin_deinit(&x);
	assert_int_equal(run_limits(&x, m, 3, (struct xfrin_limits){.rrs = 5}), 0);
	xfrin_deinit(&x);
	assert_int_equal(run_limits(&x, m, 3, (struct xfrin_limits){.rrs = 4}), ERR_LIMIT);
	assert_string_equal(x.err, "transfer exceeds 4 records (limit)");
	xfrin_deinit(&x);
	free(m);
}

/* ------------------------------------------------------------- queries */

static void test_queries(void **state)
{
	(void)state;
	struct zone *base = load_text(base_text);
	uint8_t q[XFRIN_QUERY_MAX];
	size_t len;
	struct dnsmsg_query dq;
	assert_int_equal(xfrin_query(XFRIN_QTYPE_IXFR, 77, APEX, base, q, sizeof(q), &len), 0);
	assert_int_equal(dnsmsg_parse_query(q, len, &dq), 0);
	assert_int_equal(dq.id, 77);
	assert_int_equal(dq.qtype, XFRIN_QTYPE_IXFR);
	assert_false(dq.rd);
	assert_true(dq.has_client_serial);
	assert_int_equal(dq.client_serial, 1);
	assert_true(name_equal(dq.qname, APEX));
	/* libknot reads the same: the authority SOA is ours */
	knot_pkt_t *p = knot_pkt_new(q, len, NULL);
	assert_int_equal(knot_pkt_parse(p, 0), 0);
	const knot_pktsection_t *ns = knot_pkt_section(p, KNOT_AUTHORITY);
	assert_int_equal(ns->count, 1);
	const knot_rrset_t *soa = knot_pkt_rr(ns, 0);
	assert_int_equal(soa->type, KNOT_RRTYPE_SOA);
	assert_true(knot_dname_is_equal(soa->owner, APEX));
	assert_int_equal(knot_soa_serial(soa->rrs.rdata), 1);
	knot_pkt_free(p);

	assert_int_equal(xfrin_query(XFRIN_QTYPE_SOA, 78, APEX, NULL, q, sizeof(q), &len), 0);
	assert_int_equal(dnsmsg_parse_query(q, len, &dq), 0);
	assert_int_equal(dq.qtype, XFRIN_QTYPE_SOA);
	assert_true(dq.edns);
	assert_int_equal(dq.udp_size, 1232);
	assert_int_equal(xfrin_query(XFRIN_QTYPE_AXFR, 79, APEX, NULL, q, sizeof(q), &len), 0);
	assert_int_equal(dnsmsg_parse_query(q, len, &dq), 0);
	assert_int_equal(dq.qtype, XFRIN_QTYPE_AXFR);
	assert_false(dq.edns);

	assert_int_equal(
		xfrin_query(XFRIN_QTYPE_IXFR, 1, APEX, NULL, q, sizeof(q), &len), ERR_NOTFOUND);
	assert_int_equal(xfrin_query(XFRIN_QTYPE_AXFR, 1, APEX, NULL, q, 20, &len), ERR_LIMIT);
	assert_int_equal(xfrin_query(1, 1, APEX, NULL, q, sizeof(q), &len), ERR_INVAL);
	zone_unref(base);
}

/* The answer to a SOA query, as our own nameserver writes it. */
static void test_parse_soa(void **state)
{
	(void)state;
	struct zone *base = load_text(base_text);
	uint8_t q[XFRIN_QUERY_MAX], a[DNSMSG_MAX];
	size_t qlen, alen;
	assert_int_equal(xfrin_query(XFRIN_QTYPE_SOA, 99, APEX, NULL, q, sizeof(q), &qlen), 0);
	struct dnsmsg_query dq;
	assert_int_equal(dnsmsg_parse_query(q, qlen, &dq), 0);
	enum dnsmsg_reply rep;
	assert_int_equal(
		dnsmsg_reply(&dq, DNSMSG_ZONE_READY, base, false, a, sizeof(a), &alen, &rep), 0);
	assert_int_equal(rep, DNSMSG_REPLY_MSG);
	struct xfrin_soa soa;
	unsigned rcode;
	char err[XFRIN_ERR_SIZE];
	assert_int_equal(xfrin_parse_soa(a, alen, 99, APEX, &soa, &rcode, err), 0);
	assert_int_equal(soa.serial, 1);
	assert_int_equal(soa.refresh, 3600);
	assert_int_equal(soa.retry, 900);
	assert_int_equal(soa.expire, 604800);
	assert_int_equal(soa.minimum, 300);
	assert_int_equal(soa.ttl, 300);
	assert_int_equal(xfrin_parse_soa(a, alen, 98, APEX, &soa, &rcode, err), ERR_SYNTAX);
	assert_int_equal(
		xfrin_parse_soa(a, alen, 99, (const uint8_t *)"\x03org", &soa, &rcode, err),
		ERR_SYNTAX);
	a[2] |= 0x02;
	assert_int_equal(xfrin_parse_soa(a, alen, 99, APEX, &soa, &rcode, err), ERR_TRUNC);
	a[2] &= (uint8_t)~0x06;
	assert_int_equal(xfrin_parse_soa(a, alen, 99, APEX, &soa, &rcode, err), ERR_SYNTAX);
	assert_string_equal(err, "the answer is not authoritative (AA clear)");
	a[2] |= 0x04;
	a[3] = 5;
	assert_int_equal(xfrin_parse_soa(a, alen, 99, APEX, &soa, &rcode, err), ERR_DNS);
	assert_int_equal(rcode, 5);
	a[3] = 0;
	a[7] = 0; /* no answer */
	assert_int_equal(xfrin_parse_soa(a, alen, 99, APEX, &soa, &rcode, err), ERR_NOTFOUND);
	a[7] = 1;
	for (size_t cut = 0; cut < alen - 11; cut++) /* the OPT RR (11 octets) is not read */
		assert_int_equal(xfrin_parse_soa(a, cut, 99, APEX, &soa, &rcode, err), ERR_SYNTAX);
	assert_int_equal(xfrin_parse_soa(a, alen - 11, 99, APEX, &soa, &rcode, err), 0);
	zone_unref(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_axfr_single),
		cmocka_unit_test(test_axfr_multi),
		cmocka_unit_test(test_axfr_roundtrip),
		cmocka_unit_test(test_axfr_wrong_soa),
		cmocka_unit_test(test_axfr_outside),
		cmocka_unit_test(test_axfr_invalid_zone),
		cmocka_unit_test(test_axfr_ends_early),
		cmocka_unit_test(test_truncated_message),
		cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_rcodes),
		cmocka_unit_test(test_after_end),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_compression),
		cmocka_unit_test(test_ixfr_two_sequences),
		cmocka_unit_test(test_ixfr_condensed),
		cmocka_unit_test(test_ixfr_does_not_apply),
		cmocka_unit_test(test_ixfr_axfr_style),
		cmocka_unit_test(test_ixfr_lone_soa),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_parse_soa),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
