/* Unit tests for the IXFR writer (dnsmsg_ixfr_init + dnsmsg_xfr_next): every
 * message is read back twice, by libknot's parser and by a reader here that
 * follows each compression pointer, checks that it points back to a label
 * written before it, and rebuilds the RRs uncompressed; the sequence must be
 * exactly RFC 1995 §4's, and applied to the old version give the new one. */
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
#include "lib/zone/zone_diff.h"
#include "lib/zone/zone_read.h"

#define ID 0x3c5a
#define T_SOA 6

static struct zone *load(const char *text, size_t len)
{
	struct zone_msgs m;
	zone_msgs_init(&m);
	struct zone_read_opts o = {.origin = "ixfr.test."};
	struct zone *z = NULL;
	int rc = zone_read_mem(text, len, "test", &o, &m, &z);
	if (rc != 0)
		fail_msg("%s\n%s", err_str(rc), buf_cstr(&m.text));
	zone_msgs_deinit(&m);
	return z;
}

/* A version: serial, then `names` generated names; names from `changed` on
 * get other data in variant v, and names divisible by `gone` (when not 0)
 * are left out. Names in RDATA, delegations and a few case-mixed owners make
 * compression work. */
static struct zone *gen(uint32_t serial, size_t names, size_t changed, int v, size_t gone)
{
	struct buf t;
	buf_init(&t, 0);
	buf_printf(&t,
		"$TTL 300\n@ SOA ns1 hostmaster %u 3600 900 604800 300\n"
		"@ NS ns1\n@ NS ns2.provider.example.\nns1 A 192.0.2.1\n",
		serial);
	for (size_t i = 0; i < names; i++) {
		if (gone && i % gone == 0)
			continue;
		int w = i >= changed ? v : 0;
		buf_printf(&t, "d%zu NS ns1.d%zu\nd%zu NS ns.p%d.example.\nns1.d%zu A 192.0.2.%d\n",
			i, i, i, w, i, (int)(i % 250));
		buf_printf(&t, "H%zu MX %d mail.h%zu\nh%zu TXT \"host %zu %d\"\nc%zu CNAME h%zu\n",
			i, 10 + w, i, i, i, w, i, i);
		if (w)
			buf_printf(&t, "h%zu %d AAAA 2001:db8::%x\n", i, 60 * w, (unsigned)i);
	}
	struct zone *z = load(buf_cstr(&t), t.len);
	buf_deinit(&t);
	return z;
}

static size_t build_ixfr(uint32_t serial, int edns, uint8_t *buf, size_t cap)
{
	memset(buf, 0, cap);
	knot_pkt_t *p = knot_pkt_new(buf, (uint16_t)cap, NULL);
	assert_non_null(p);
	knot_wire_set_id(p->wire, ID);
	knot_dname_storage_t qn;
	assert_non_null(knot_dname_from_str(qn, "IXFR.test.", sizeof(qn)));
	assert_int_equal(knot_pkt_put_question(p, qn, KNOT_CLASS_IN, KNOT_RRTYPE_IXFR), KNOT_EOK);
	knot_rrset_t soa;
	knot_rrset_init(&soa, knot_dname_copy(qn, NULL), KNOT_RRTYPE_SOA, KNOT_CLASS_IN, 0);
	uint8_t rd[22] = {0};
	knot_wire_write_u32(rd + 2, serial);
	assert_int_equal(knot_rrset_add_rdata(&soa, rd, sizeof(rd), NULL), KNOT_EOK);
	assert_int_equal(knot_pkt_begin(p, KNOT_AUTHORITY), KNOT_EOK);
	assert_int_equal(knot_pkt_put(p, 0, &soa, KNOT_PF_FREE), KNOT_EOK);
	if (edns) {
		knot_rrset_t opt;
		assert_int_equal(knot_edns_init(&opt, (uint16_t)edns, 0, 0, NULL), KNOT_EOK);
		assert_int_equal(knot_pkt_begin(p, KNOT_ADDITIONAL), KNOT_EOK);
		assert_int_equal(knot_pkt_put(p, 0, &opt, KNOT_PF_FREE), KNOT_EOK);
	}
	size_t len = p->size;
	knot_pkt_free(p);
	return len;
}

/* One RR as compared: owner (case kept), type, TTL, RDLENGTH, RDATA. */
static void put_rr(struct buf *b, const uint8_t *owner, uint16_t type, uint32_t ttl,
	const uint8_t *rd, uint16_t rdlen)
{
	uint8_t h[8];
	knot_wire_write_u16(h, type);
	knot_wire_write_u32(h + 2, ttl);
	knot_wire_write_u16(h + 6, rdlen);
	assert_int_equal(buf_append(b, owner, knot_dname_size(owner)), 0);
	assert_int_equal(buf_append(b, h, sizeof(h)), 0);
	assert_int_equal(buf_append(b, rd, rdlen), 0);
}

static void put_soa(struct buf *b, const struct zone *z)
{
	const struct node *apex = zone_apex_node(z);
	const struct rrset *soa = node_find(apex, T_SOA, 0);
	const knot_rdata_t *d = (const knot_rdata_t *)soa->rdata;
	put_rr(b, node_owner(apex), T_SOA, soa->ttl, d->data, d->len);
}

static size_t put_list(struct buf *b, const struct zone_diff_list *l, bool soa)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct zone_diff_rr *r = &l->v[i];
		if ((r->type == T_SOA) == soa) {
			put_rr(b, r->owner, r->type, r->ttl, r->rdata, r->len);
			n++;
		}
	}
	return n;
}

/* RFC 1995 §4: new SOA, old SOA, removals, new SOA, additions, new SOA. */
static size_t expected(const struct zone *z, const struct zone_diff *d, struct buf *b)
{
	put_soa(b, z);
	size_t n = 3 + put_list(b, &d->removed, true);
	n += put_list(b, &d->removed, false);
	put_soa(b, z);
	n += put_list(b, &d->added, false);
	put_soa(b, z);
	return n;
}

/* ------------------------------------------------------ our own reader */

struct walk {
	const uint8_t *m;
	size_t len, pos;
	bool *starts; /* offsets where a label was written out */
	size_t pointers;
};

static uint16_t rd16(struct walk *w)
{
	assert_true(w->pos + 2 <= w->len);
	uint16_t v = knot_wire_read_u16(w->m + w->pos);
	w->pos += 2;
	return v;
}

/* The name at w->pos, decompressed into out (case kept); every pointer must
 * point back to the start of a label written before it (RFC 1035 §4.1.4). */
static size_t walk_name(struct walk *w, uint8_t *out)
{
	size_t p = w->pos, n = 0;
	bool jumped = false;
	for (;;) {
		assert_true(p < w->len);
		uint8_t c = w->m[p];
		if ((c & 0xc0) == 0xc0) {
			assert_true(p + 1 < w->len);
			size_t to = (size_t)(c & 0x3f) << 8 | w->m[p + 1];
			assert_true(to < p);
			assert_true(w->starts[to]);
			if (!jumped)
				w->pos = p + 2;
			jumped = true;
			w->pointers++;
			p = to;
			continue;
		}
		assert_true(c <= 63);
		assert_true(p + 1u + c <= w->len);
		assert_true(n + 1u + c <= 255);
		if (!jumped)
			w->starts[p] = true;
		memcpy(out + n, w->m + p, 1u + c);
		n += 1u + c;
		p += 1u + c;
		if (c == 0)
			break;
	}
	if (!jumped)
		w->pos = p;
	return n;
}

/* RDATA layouts with names that may be compressed (RFC 3597 §4). */
static void walk_rdata(struct walk *w, uint16_t type, uint16_t rdlen, struct buf *rd)
{
	size_t end = w->pos + rdlen, before = 0, names = 0;
	assert_true(end <= w->len);
	switch (type) {
	case 2:
	case 5:
	case 12:
		names = 1;
		break;
	case 6:
	case 14:
		names = 2;
		break;
	case 15:
		before = 2;
		names = 1;
		break;
	}
	assert_int_equal(buf_append(rd, w->m + w->pos, before), 0);
	w->pos += before;
	for (size_t i = 0; i < names; i++) {
		uint8_t nm[256];
		size_t n = walk_name(w, nm);
		assert_int_equal(buf_append(rd, nm, n), 0);
	}
	assert_true(w->pos <= end);
	assert_int_equal(buf_append(rd, w->m + w->pos, end - w->pos), 0);
	w->pos = end;
}

/* One message: header, the question in the first only, the answer RRs
 * rebuilt into got, an OPT when asked with EDNS, nothing else. */
static size_t walk_msg(struct walk *w, bool first, bool edns, struct buf *got)
{
	assert_true(w->len >= 12);
	assert_int_equal(knot_wire_read_u16(w->m), ID);
	assert_int_equal(w->m[2] & 0x86, 0x84); /* QR, AA, not TC */
	assert_int_equal(w->m[3] & 0x0f, 0);
	assert_int_equal(knot_wire_read_u16(w->m + 4), first ? 1 : 0);
	size_t an = knot_wire_read_u16(w->m + 6);
	assert_int_equal(knot_wire_read_u16(w->m + 8), 0);
	assert_int_equal(knot_wire_read_u16(w->m + 10), edns ? 1 : 0);
	w->pos = 12;
	uint8_t nm[256];
	if (first) {
		size_t n = walk_name(w, nm);
		assert_int_equal(n, 11);
		assert_memory_equal(nm, "\x04IXFR\x04test", 11);
		assert_int_equal(rd16(w), KNOT_RRTYPE_IXFR);
		assert_int_equal(rd16(w), KNOT_CLASS_IN);
	}
	struct buf rd;
	buf_init(&rd, 0);
	for (size_t i = 0; i < an; i++) {
		walk_name(w, nm);
		uint16_t type = rd16(w);
		assert_int_equal(rd16(w), KNOT_CLASS_IN);
		uint32_t ttl = (uint32_t)rd16(w) << 16;
		ttl |= rd16(w);
		uint16_t rdlen = rd16(w);
		rd.len = 0;
		walk_rdata(w, type, rdlen, &rd);
		put_rr(got, nm, type, ttl, (const uint8_t *)rd.data, (uint16_t)rd.len);
	}
	buf_deinit(&rd);
	if (edns) {
		assert_int_equal(w->m[w->pos], 0);
		w->pos++;
		assert_int_equal(rd16(w), KNOT_RRTYPE_OPT);
		w->pos += 6;
		w->pos += rd16(w);
	}
	assert_int_equal(w->pos, w->len);
	return an;
}

struct result {
	size_t msgs, rrs, octets, largest, pointers;
};

/* Runs the IXFR of d (to z) for a client at d's old serial into got. */
static void run_ixfr(const struct zone *z, const struct zone_diff *d, size_t target, int edns,
	struct buf *got, struct result *res)
{
	uint8_t q[512];
	size_t qlen = build_ixfr(d->old_serial, edns, q, sizeof(q));
	struct dnsmsg_query pq;
	assert_int_equal(dnsmsg_parse_query(q, qlen, &pq), 0);
	struct dnsmsg_xfr *x = malloc(sizeof(*x));
	uint8_t *out = malloc(DNSMSG_MAX);
	bool *starts = malloc(DNSMSG_MAX);
	assert_int_equal(dnsmsg_ixfr_init(x, &pq, z, d, target), 0);
	memset(res, 0, sizeof(*res));
	size_t len;
	for (;;) {
		assert_int_equal(dnsmsg_xfr_next(x, out, DNSMSG_MAX, &len), 0);
		if (len == 0)
			break;
		knot_pkt_t *p = knot_pkt_new(out, (uint16_t)len, NULL);
		assert_int_equal(knot_pkt_parse(p, KNOT_PF_NOCANON), KNOT_EOK);
		knot_pkt_free(p);
		memset(starts, 0, DNSMSG_MAX);
		struct walk w = {.m = out, .len = len, .starts = starts};
		size_t an = walk_msg(&w, res->msgs == 0, edns != 0, got);
		assert_true(an > 0);
		if (len > (target ? target : DNSMSG_XFR_TARGET))
			assert_int_equal(an, 1); /* over the target only alone */
		res->rrs += an;
		res->msgs++;
		res->octets += len;
		res->pointers += w.pointers;
		if (len > res->largest)
			res->largest = len;
	}
	assert_true(dnsmsg_xfr_done(x));
	assert_int_equal(x->msgs, res->msgs);
	assert_int_equal(x->rrs, res->rrs);
	assert_int_equal(x->octets, res->octets);
	free(starts);
	free(out);
	free(x);
}

/* The IXFR of d to z carries exactly RFC 1995 §4's sequence. */
static void check_ixfr(const struct zone *z, const struct zone_diff *d, size_t target, int edns,
	struct result *res)
{
	struct buf want, got;
	buf_init(&want, 0);
	buf_init(&got, 0);
	size_t n = expected(z, d, &want);
	run_ixfr(z, d, target, edns, &got, res);
	assert_int_equal(res->rrs, n);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.data, want.data, want.len);
	buf_deinit(&want);
	buf_deinit(&got);
}

/* What a secondary does with the sequence: a diff from the RRs between the
 * SOAs, applied to its version, must give ours. */
static void check_applies(
	const struct zone *from, const struct zone *to, const struct zone_diff *d, size_t target)
{
	struct buf got;
	buf_init(&got, 0);
	struct result res;
	run_ixfr(to, d, target, 0, &got, &res);
	struct zone_diff back;
	zone_diff_init(&back);
	back.old_serial = from->serial;
	back.new_serial = to->serial;
	const uint8_t *p = (const uint8_t *)got.data, *end = p + got.len;
	int soas = 0;
	while (p < end) {
		size_t ol = knot_dname_size(p);
		uint16_t type = knot_wire_read_u16(p + ol);
		uint32_t ttl = knot_wire_read_u32(p + ol + 2);
		uint16_t rdlen = knot_wire_read_u16(p + ol + 6);
		const uint8_t *rd = p + ol + 8;
		if (type == T_SOA)
			soas++;
		/* the old SOA goes with the removals and the second new one with
		 * the additions, so the SOA changes as well */
		if (soas == 2 || soas == 3)
			assert_int_equal(
				zone_diff_add(&back, soas == 2, p, type, 0, ttl, rd, rdlen), 0);
		p = rd + rdlen;
	}
	assert_int_equal(soas, 4);
	struct zone *c;
	struct buf err;
	buf_init(&err, 0);
	if (zone_diff_apply(from, &back, &c, &err) != 0)
		fail_msg("apply: %s", buf_cstr(&err));
	struct zone_diff left;
	zone_diff_init(&left);
	assert_int_equal(zone_diff_compute(c, to, &left), 0);
	assert_int_equal(left.removed.n + left.added.n, 0);
	assert_int_equal(c->serial, to->serial);
	zone_diff_deinit(&left);
	zone_unref(c);
	buf_deinit(&err);
	zone_diff_deinit(&back);
	buf_deinit(&got);
}

static void diff_of(const struct zone *a, const struct zone *b, struct zone_diff *d)
{
	zone_diff_init(d);
	assert_int_equal(zone_diff_compute(a, b, d), 0);
}

/* Changes of every kind in one message, with and without EDNS. */
static void test_sequence(void **state)
{
	(void)state;
	struct zone *a = gen(10, 40, 30, 0, 0), *b = gen(11, 38, 30, 1, 7);
	struct zone_diff d;
	diff_of(a, b, &d);
	assert_true(d.removed.n > 10 && d.added.n > 10);
	struct result r;
	check_ixfr(b, &d, 0, 0, &r);
	assert_int_equal(r.msgs, 1);
	assert_true(r.pointers > r.rrs);
	check_ixfr(b, &d, 0, 1232, &r);
	assert_int_equal(r.msgs, 1);
	check_applies(a, b, &d, 0);
	zone_diff_deinit(&d);
	zone_unref(a);
	zone_unref(b);
}

/* Small messages: split RR by RR, each within the target, every name in a
 * message compressed only against that message (checked by the reader). */
static void test_split(void **state)
{
	(void)state;
	struct zone *a = gen(1, 600, 100, 0, 0), *b = gen(2, 600, 100, 2, 11);
	struct zone_diff d;
	diff_of(a, b, &d);
	size_t targets[] = {512, 1000, 4096, 65535};
	size_t prev = SIZE_MAX;
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct result r;
		check_ixfr(b, &d, targets[i], 1232, &r);
		assert_true(r.msgs < prev);
		assert_true(r.largest <= targets[i]);
		prev = r.msgs;
		if (i == 0)
			assert_true(r.msgs > r.octets / 512);
	}
	check_applies(a, b, &d, 512);
	zone_diff_deinit(&d);
	zone_unref(a);
	zone_unref(b);
}

/* Compression: far smaller than the same RRs written out in full. */
static void test_compression(void **state)
{
	(void)state;
	struct zone *a = gen(1, 2000, 0, 0, 0), *b = gen(2, 2000, 0, 1, 0);
	struct zone_diff d;
	diff_of(a, b, &d);
	struct buf want;
	buf_init(&want, 0);
	size_t n = expected(b, &d, &want);
	size_t plain = want.len + 2 * n; /* plus the class of each RR */
	struct result r;
	check_ixfr(b, &d, 16384, 0, &r);
	print_message("# IXFR of %zu RRs: %zu octets plain, %zu compressed\n", n, plain, r.octets);
	assert_true(r.octets < plain * 2 / 3);
	buf_deinit(&want);
	zone_diff_deinit(&d);
	zone_unref(a);
	zone_unref(b);
}

/* A serial bump alone: four SOAs; only additions; only removals. */
static void test_soa_only_and_one_sided(void **state)
{
	(void)state;
	struct zone *a = gen(5, 20, 20, 0, 0), *b = gen(6, 20, 20, 0, 0);
	struct zone *fewer = gen(7, 20, 20, 0, 3), *more = gen(8, 30, 30, 0, 0);
	struct zone_diff d;
	struct result r;
	diff_of(a, b, &d);
	assert_int_equal(d.removed.n, 1);
	assert_int_equal(d.added.n, 1);
	check_ixfr(b, &d, 0, 0, &r);
	assert_int_equal(r.rrs, 4);
	check_applies(a, b, &d, 0);
	zone_diff_deinit(&d);
	diff_of(b, fewer, &d);
	assert_int_equal(d.added.n, 1);
	check_ixfr(fewer, &d, 600, 0, &r);
	assert_int_equal(r.rrs, 4 + d.removed.n - 1);
	check_applies(b, fewer, &d, 600);
	zone_diff_deinit(&d);
	diff_of(fewer, more, &d);
	assert_int_equal(d.removed.n, 1);
	check_ixfr(more, &d, 600, 0, &r);
	assert_int_equal(r.rrs, 4 + d.added.n - 1);
	check_applies(fewer, more, &d, 600);
	zone_diff_deinit(&d);
	zone_unref(a);
	zone_unref(b);
	zone_unref(fewer);
	zone_unref(more);
}

/* A chain condensed (RFC 1995 §6) and sent as one sequence. */
static void test_condensed_chain(void **state)
{
	(void)state;
	struct zone *z[4] = {gen(1, 50, 10, 0, 0), gen(2, 50, 10, 1, 5), gen(3, 50, 20, 2, 0),
		gen(4, 60, 40, 1, 9)};
	struct zone_diff d[3], c;
	const struct zone_diff *dp[3] = {&d[0], &d[1], &d[2]};
	for (int i = 0; i < 3; i++)
		diff_of(z[i], z[i + 1], &d[i]);
	zone_diff_init(&c);
	assert_int_equal(zone_diff_condense(dp, 3, &c), 0);
	struct result r;
	check_ixfr(z[3], &c, 700, 1232, &r);
	check_applies(z[0], z[3], &c, 700);
	zone_diff_deinit(&c);
	for (int i = 0; i < 3; i++)
		zone_diff_deinit(&d[i]);
	for (int i = 0; i < 4; i++)
		zone_unref(z[i]);
}

static const uint8_t APEX[] = "\x04ixfr\x04test";
static const uint8_t BIG[] = "\x03"
			     "big\x04ixfr\x04test";

static void soa_rd(uint8_t *rd, uint32_t serial)
{
	memset(rd, 0, 22);
	knot_wire_write_u32(rd + 2, serial);
}

/* Hand-made diffs: SOAs anywhere in the lists are not sent as changes; a
 * huge RR goes alone; one too large for any message fails. */
static void test_hand_made(void **state)
{
	(void)state;
	struct zone *z = gen(9, 3, 3, 0, 0);
	struct zone_diff d;
	zone_diff_init(&d);
	d.old_serial = 8;
	d.new_serial = 9;
	uint8_t soa[22], a1[4] = {192, 0, 2, 9};
	assert_int_equal(zone_diff_add(&d, true, BIG, 1, 0, 300, a1, 4), 0);
	soa_rd(soa, 8);
	assert_int_equal(zone_diff_add(&d, true, APEX, T_SOA, 0, 300, soa, 22), 0);
	assert_int_equal(zone_diff_add(&d, false, BIG, 1, 0, 60, a1, 4), 0);
	soa_rd(soa, 9);
	assert_int_equal(zone_diff_add(&d, false, APEX, T_SOA, 0, 300, soa, 22), 0);
	uint8_t *txt = calloc(1, 65535);
	for (size_t i = 0; i + 256 <= 20000; i += 256)
		txt[i] = 255;
	assert_int_equal(zone_diff_add(&d, false, BIG, 16, 0, 60, txt, 19968), 0);
	struct result r;
	check_ixfr(z, &d, 512, 0, &r);
	assert_int_equal(r.rrs, 7);
	assert_true(r.largest > 19968);
	/* one RR larger than any message */
	for (size_t i = 0; i + 256 <= 65535; i += 256)
		txt[i] = 255;
	txt[65280] = 254;
	assert_int_equal(zone_diff_add(&d, false, BIG, 16, 0, 60, txt, 65535), 0);
	uint8_t q[512];
	size_t qlen = build_ixfr(8, 0, q, sizeof(q));
	struct dnsmsg_query pq;
	assert_int_equal(dnsmsg_parse_query(q, qlen, &pq), 0);
	struct dnsmsg_xfr *x = malloc(sizeof(*x));
	uint8_t *out = malloc(DNSMSG_MAX);
	assert_int_equal(dnsmsg_ixfr_init(x, &pq, z, &d, 0), 0);
	int rc;
	size_t len;
	while ((rc = dnsmsg_xfr_next(x, out, DNSMSG_MAX, &len)) == 0 && len > 0)
		;
	assert_int_equal(rc, ERR_LIMIT);
	free(out);
	free(x);
	free(txt);
	zone_diff_deinit(&d);
	zone_unref(z);
}

/* Diffs that do not lead from the client's version to z. */
static void test_errors(void **state)
{
	(void)state;
	struct zone *z = gen(9, 3, 3, 0, 0);
	uint8_t q[512];
	size_t qlen = build_ixfr(8, 0, q, sizeof(q));
	struct dnsmsg_query pq;
	assert_int_equal(dnsmsg_parse_query(q, qlen, &pq), 0);
	struct dnsmsg_xfr x;
	struct zone_diff d;
	uint8_t soa[22];
	zone_diff_init(&d);
	d.old_serial = 8;
	d.new_serial = 10; /* not z's */
	soa_rd(soa, 8);
	assert_int_equal(zone_diff_add(&d, true, APEX, T_SOA, 0, 300, soa, 22), 0);
	assert_int_equal(dnsmsg_ixfr_init(&x, &pq, z, &d, 0), ERR_DIFF);
	d.new_serial = 9;
	assert_int_equal(dnsmsg_ixfr_init(&x, &pq, z, &d, 0), 0);
	d.old_serial = 7; /* the removed SOA is not of the old serial */
	assert_int_equal(dnsmsg_ixfr_init(&x, &pq, z, &d, 0), ERR_DIFF);
	zone_diff_deinit(&d);
	zone_diff_init(&d); /* no SOA removed at all */
	d.old_serial = 8;
	d.new_serial = 9;
	assert_int_equal(dnsmsg_ixfr_init(&x, &pq, z, &d, 0), ERR_DIFF);
	soa_rd(soa, 8);
	assert_int_equal(zone_diff_add(&d, true, APEX, T_SOA, 0, 300, soa, 21), 0);
	assert_int_equal(dnsmsg_ixfr_init(&x, &pq, z, &d, 0), ERR_DIFF); /* malformed */
	zone_diff_deinit(&d);
	zone_unref(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_compression),
		cmocka_unit_test(test_soa_only_and_one_sided),
		cmocka_unit_test(test_condensed_chain),
		cmocka_unit_test(test_hand_made),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
