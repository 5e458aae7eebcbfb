/*
 * Unit tests for lib/zone/rr_text: every line it writes must be the line
 * libknot writes with zone_write's style, byte for byte. Hand-picked edge
 * cases per type, a large seeded random set, and whole zone files (the
 * shared real-world data) written with the fast formatter on and off.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <libknot/descriptor.h>
#include <libknot/rrset-dump.h>
#include <libknot/rrset.h>

#include "lib/util/buf.h"
#include "lib/zone/rr_text.h"
#include "lib/zone/zone_read.h"
#include "lib/zone/zone_write.h"

/* The style of lib/zone/zone_write.c (write_style). */
static const knot_dump_style_t knot_style = {
	.wrap = false,
	.show_class = true,
	.show_ttl = true,
	.human_timestamp = true,
	.now = 1ull << 31,
};

#define LINE_MAX_TEST (1 << 21)
static char knot_out[LINE_MAX_TEST], fast_out[LINE_MAX_TEST];
static uint8_t rdata_mem[70000];

/* Counts over the whole run, so a test can insist the fast path was taken. */
static unsigned long fast_taken, fast_declined;

/* libknot's line for one RR (as zone_write_rr builds it), '\n' included;
 * -1 when libknot refuses it. */
static int knot_line(
	const uint8_t *owner, uint16_t type, uint32_t ttl, const uint8_t *rd, size_t len)
{
	knot_rdata_t *r = (knot_rdata_t *)rdata_mem;
	knot_rdata_init(r, (uint16_t)len, rd);
	knot_rrset_t rr = {.owner = (knot_dname_t *)owner,
		.ttl = ttl,
		.type = type,
		.rclass = KNOT_CLASS_IN,
		.rrs = {.count = 1, .size = (uint32_t)knot_rdata_size((uint16_t)len), .rdata = r}};
	int h = knot_rrset_txt_dump_header(&rr, ttl, knot_out, sizeof(knot_out), &knot_style);
	if (h < 0)
		return -1;
	int d = knot_rrset_txt_dump_data(
		&rr, 0, knot_out + h, sizeof(knot_out) - (size_t)h, &knot_style);
	if (d < 0)
		return -1;
	knot_out[h + d] = '\n';
	return h + d + 1;
}

/* Compares rr_text with libknot for one RR. Returns whether rr_text wrote it;
 * when it does, libknot must write the same bytes. */
static bool check_rr(
	const uint8_t *owner, uint16_t type, uint32_t ttl, const uint8_t *rd, size_t len)
{
	char field[RR_TEXT_OWNER_MAX];
	size_t flen = rr_text_owner(owner, field);
	size_t most = rr_text_line_max(flen, type, len);
	size_t n = 0;
	if (most) {
		assert_true(most <= sizeof(fast_out));
		/* A canary just past the room it asked for. */
		fast_out[most] = 0x5a;
		n = rr_text_line(field, flen, type, ttl, rd, len, fast_out);
		assert_int_equal(fast_out[most], 0x5a);
		assert_true(n <= most);
	}
	if (n == 0) {
		fast_declined++;
		return false;
	}
	fast_taken++;
	int k = knot_line(owner, type, ttl, rd, len);
	if (k < 0 || (size_t)k != n || memcmp(knot_out, fast_out, n) != 0) {
		fprintf(stderr, "type %u len %zu\nknot: %.*s\nfast: %.*s\n", type, len,
			k < 0 ? 0 : k, knot_out, (int)n, fast_out);
		fail_msg("rr_text differs from libknot");
	}
	return true;
}

static void expect_fast(
	const uint8_t *owner, uint16_t type, uint32_t ttl, const uint8_t *rd, size_t len)
{
	if (!check_rr(owner, type, ttl, rd, len))
		fail_msg("rr_text declined type %u len %zu", type, len);
}

/* Where libknot refuses, or prints in a way rr_text does not do, rr_text
 * must decline so zone_write falls back to libknot. */
static void expect_declined(const uint8_t *owner, uint16_t type, const uint8_t *rd, size_t len)
{
	if (check_rr(owner, type, 3600, rd, len))
		fail_msg("rr_text took type %u len %zu", type, len);
}

/* ---- building wire data ---- */

struct wire {
	uint8_t d[70000];
	size_t n;
};

static void put8(struct wire *w, unsigned v)
{
	w->d[w->n++] = (uint8_t)v;
}

static void put16(struct wire *w, unsigned v)
{
	put8(w, v >> 8);
	put8(w, v);
}

static void put32(struct wire *w, uint32_t v)
{
	put16(w, v >> 16);
	put16(w, v & 0xffff);
}

static void putn(struct wire *w, const void *p, size_t n)
{
	memcpy(w->d + w->n, p, n);
	w->n += n;
}

static size_t wire_name_len(const uint8_t *name)
{
	size_t n = 0;
	while (name[n])
		n += name[n] + 1u;
	return n + 1;
}

static void put_name(struct wire *w, const uint8_t *name)
{
	putn(w, name, wire_name_len(name));
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure repeats. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* A random valid wire name: any octets, often plain letters, up to 255 octets. */
static void random_name(uint8_t *out)
{
	size_t o = 0;
	unsigned labels = rnd_below(8);
	bool wild = rnd_below(4) == 0;
	for (unsigned i = 0; i < labels; i++) {
		unsigned l = rnd_below(4) == 0 ? 1 + rnd_below(63) : 1 + rnd_below(12);
		if (o + 1 + l + 1 > 255)
			break;
		out[o++] = (uint8_t)l;
		for (unsigned k = 0; k < l; k++) {
			unsigned kind = rnd_below(8);
			out[o++] = kind == 0
				? (uint8_t)rnd()
				: (uint8_t)('a' + rnd_below(26) - (kind == 1 ? 32 : 0));
		}
		if (i == 0 && wild) {
			out[o - l] = '*';
		}
	}
	out[o] = 0;
}

static const uint8_t root_name[] = {0};
static const uint8_t example[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};

/* ---- names, owner field, TTL, type mnemonics ---- */

static void test_name_octets(void **state)
{
	(void)state;
	/* Every octet value, alone and inside a label, as owner and as NS target. */
	for (unsigned c = 0; c < 256; c++) {
		uint8_t one[] = {1, (uint8_t)c, 0};
		uint8_t mid[] = {3, 'a', (uint8_t)c, 'B', 3, 'c', 'o', 'm', 0};
		expect_fast(one, KNOT_RRTYPE_A, 1, (const uint8_t *)"\1\2\3\4", 4);
		expect_fast(mid, KNOT_RRTYPE_NS, 1, one, sizeof(one));
		expect_fast(example, KNOT_RRTYPE_CNAME, 1, mid, sizeof(mid));
		char text[RR_TEXT_NAME_MAX];
		size_t n = rr_text_name(one, text);
		char want[8];
		assert_true(knot_dname_to_str(want, one, sizeof(want)) != NULL);
		assert_int_equal(n, strlen(want));
		assert_memory_equal(text, want, n);
	}
	expect_fast(root_name, KNOT_RRTYPE_NS, 0, root_name, 1);
	uint8_t specials[] = {11, '.', '\\', '"', '(', ')', ';', '@', '$', ' ', '#', '\t', 0};
	expect_fast(specials, KNOT_RRTYPE_PTR, 7, specials, sizeof(specials));
	uint8_t ends[] = {2, 0, 255, 1, 0, 1, 255, 0};
	expect_fast(ends, KNOT_RRTYPE_DNAME, 7, ends, sizeof(ends));
}

static void test_long_names_and_padding(void **state)
{
	(void)state;
	/* Owners of 1..63 characters: padding to 20, TAB below 32, space from 32. */
	for (unsigned l = 1; l <= 62; l++) {
		uint8_t name[66];
		name[0] = (uint8_t)l;
		memset(name + 1, 'x', l);
		name[l + 1] = 0;
		expect_fast(name, KNOT_RRTYPE_A, 300, (const uint8_t *)"\x7f\0\0\1", 4);
	}
	/* 255-octet names, plain and every octet escaped (the longest text). */
	uint8_t big[255], esc[255];
	size_t o = 0;
	for (int i = 0; i < 4; i++) {
		unsigned l = i < 3 ? 63 : 61;
		big[o] = esc[o] = (uint8_t)l;
		o++;
		for (unsigned k = 0; k < l; k++, o++) {
			big[o] = (uint8_t)('a' + k % 26);
			esc[o] = (uint8_t)(k % 2 ? 0 : 255);
		}
	}
	big[o] = esc[o] = 0;
	assert_int_equal(o + 1, 255);
	expect_fast(big, KNOT_RRTYPE_NS, 1, esc, sizeof(esc));
	expect_fast(esc, KNOT_RRTYPE_NS, 1, big, sizeof(big));
	uint8_t many[255]; /* 127 one-octet labels */
	for (o = 0; o < 254; o += 2) {
		many[o] = 1;
		many[o + 1] = (uint8_t)('0' + o % 10);
	}
	many[254] = 0;
	expect_fast(many, KNOT_RRTYPE_NS, 1, many, sizeof(many));
	struct wire w = {.n = 0};
	put8(&w, 8);
	put8(&w, 0);
	put16(&w, 0);
	put8(&w, 0);
	put_name(&w, esc);
	put8(&w, 0);
	expect_fast(esc, KNOT_RRTYPE_NSEC3PARAM, 1, w.d, 5);
	w.n = 0;
	put_name(&w, esc);
	put8(&w, 0);
	put8(&w, 1);
	put8(&w, 0x40);
	expect_fast(esc, KNOT_RRTYPE_NSEC, 1, w.d, w.n);
}

static void test_ttls(void **state)
{
	(void)state;
	const uint32_t ttls[] = {
		0, 1, 9, 10, 99, 100, 86400, 2147483647u, 2147483648u, 4294967295u};
	for (size_t i = 0; i < sizeof(ttls) / sizeof(ttls[0]); i++)
		expect_fast(example, KNOT_RRTYPE_NS, ttls[i], example, sizeof(example));
}

static void test_type_names(void **state)
{
	(void)state;
	/* Every type as an RRSIG's type covered; and in bitmaps, a full window
	 * (all 256 types of it) per NSEC. */
	struct wire w;
	for (uint32_t t = 0; t < 65536; t++) {
		w.n = 0;
		put16(&w, t);
		putn(&w, "\x0d\x02\0\0\x0e\x10\x68\x00\x00\x00\x60\x00\x00\x00\x12\x34", 16);
		put_name(&w, example);
		put8(&w, 0xab);
		expect_fast(example, KNOT_RRTYPE_RRSIG, 60, w.d, w.n);
	}
	for (unsigned win = 0; win < 256; win++) {
		w.n = 0;
		put_name(&w, example);
		put8(&w, win);
		put8(&w, 32);
		for (int k = 0; k < 32; k++)
			put8(&w, 0xff);
		expect_fast(example, KNOT_RRTYPE_NSEC, 60, w.d, w.n);
	}
}

/* ---- addresses ---- */

static void test_a(void **state)
{
	(void)state;
	const uint8_t cases[][4] = {{0, 0, 0, 0}, {255, 255, 255, 255}, {1, 2, 3, 4},
		{10, 0, 100, 9}, {192, 168, 1, 254}, {127, 0, 0, 1}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_fast(example, KNOT_RRTYPE_A, 1, cases[i], 4);
	for (unsigned v = 0; v < 256; v++) {
		uint8_t a[4] = {(uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v / 3), (uint8_t)(v * 7)};
		expect_fast(example, KNOT_RRTYPE_A, 1, a, 4);
	}
	expect_declined(example, KNOT_RRTYPE_A, (const uint8_t *)"\1\2\3", 3);
	expect_declined(example, KNOT_RRTYPE_A, (const uint8_t *)"\1\2\3\4\5", 5);
}

static void aaaa_words(const uint16_t *g)
{
	uint8_t a[16];
	for (int i = 0; i < 8; i++) {
		a[2 * i] = (uint8_t)(g[i] >> 8);
		a[2 * i + 1] = (uint8_t)g[i];
	}
	expect_fast(example, KNOT_RRTYPE_AAAA, 1, a, 16);
}

static void test_aaaa(void **state)
{
	(void)state;
	const uint16_t cases[][8] = {
		{0, 0, 0, 0, 0, 0, 0, 0},
		{0, 0, 0, 0, 0, 0, 0, 1},
		{1, 0, 0, 0, 0, 0, 0, 0},
		{0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304}, /* ::ffff:1.2.3.4 */
		{0, 0, 0, 0, 0, 0xffff, 0, 0},		 /* ::ffff:0.0.0.0 */
		{0, 0, 0, 0, 0, 0, 0x0102, 0x0304},	 /* IPv4-compatible */
		{0, 0, 0, 0, 0xffff, 0, 0x0102, 0x0304}, /* SIIT */
		{0x64, 0xff9b, 0, 0, 0, 0, 0x0102, 0x0304},
		{1, 0, 0, 1, 0, 0, 0, 1},
		{1, 0, 0, 1, 0, 0, 1, 1},
		{1, 0, 1, 0, 1, 0, 1, 0},
		{0, 1, 0, 1, 0, 1, 0, 1},
		{0x2001, 0xdb8, 0, 0, 1, 0, 0, 1},
		{0x2001, 0xdb8, 0, 0, 0, 0, 0, 0},
		{0xfe80, 0, 0, 0, 0x1234, 0x5678, 0x9abc, 0xdef0},
		{0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff},
		{0, 0, 0, 0, 0, 0xfffe, 0x0102, 0x0304},
		{0, 0, 0, 0, 0, 0xffff, 0xffff, 0xffff},
		{0, 0, 0, 0, 0, 0, 0, 0xffff},
		{0, 0, 0, 0, 0, 0, 0xffff, 0},
		{0x100, 0x10, 0x1, 0x1000, 0xa, 0xab, 0xabc, 0xabcd},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		aaaa_words(cases[i]);
	/* Every placement of zero runs: each group zero or not, 256 patterns,
	 * with the non-zero ones small, 0xffff or large. */
	for (unsigned mask = 0; mask < 256; mask++)
		for (unsigned v = 0; v < 3; v++) {
			uint16_t g[8];
			for (int i = 0; i < 8; i++)
				g[i] = (mask >> i & 1) ? 0
						       : (uint16_t)(v == 0	  ? i + 1
									 : v == 1 ? 0xffff
										  : 0xa0b0 + i);
			aaaa_words(g);
		}
	expect_declined(example, KNOT_RRTYPE_AAAA, (const uint8_t *)"\1\2\3\4", 4);
}

/* ---- DNSSEC types ---- */

static void test_ds_dnskey(void **state)
{
	(void)state;
	struct wire w;
	const size_t lens[] = {1, 2, 3, 4, 5, 19, 20, 32, 48, 64, 255, 256, 1000, 4096, 65531};
	const uint16_t types[] = {
		KNOT_RRTYPE_DS, KNOT_RRTYPE_CDS, KNOT_RRTYPE_DNSKEY, KNOT_RRTYPE_CDNSKEY};
	for (size_t t = 0; t < 4; t++) {
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			w.n = 0;
			put16(&w, (unsigned)(lens[i] * 7919 % 65536));
			put8(&w, (unsigned)i * 37);
			put8(&w, 255 - (unsigned)i);
			for (size_t k = 0; k < lens[i]; k++)
				put8(&w, (unsigned)(k * 131 + i));
			expect_fast(example, types[t], 3600, w.d, w.n);
		}
		/* The delete forms of RFC 8078 §4. */
		expect_fast(example, types[t], 0, (const uint8_t *)"\0\0\0\0\0", 5);
		expect_fast(example, types[t], 0, (const uint8_t *)"\0\0\3\0\0", 5);
		/* Without digest or key libknot refuses. */
		expect_declined(example, types[t], (const uint8_t *)"\1\2\3\4", 4);
		expect_declined(example, types[t], (const uint8_t *)"\1\2", 2);
		expect_declined(example, types[t], (const uint8_t *)"", 0);
	}
}

static void rrsig_at(uint32_t expire, uint32_t incept)
{
	struct wire w = {.n = 0};
	put16(&w, KNOT_RRTYPE_A);
	put8(&w, 13);
	put8(&w, 2);
	put32(&w, 3600);
	put32(&w, expire);
	put32(&w, incept);
	put16(&w, 12345);
	put_name(&w, example);
	putn(&w, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 64);
	expect_fast(example, KNOT_RRTYPE_RRSIG, 3600, w.d, w.n);
}

static uint32_t day_start(int y, int m, int d)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
	return (uint32_t)timegm(&tm);
}

static void test_rrsig_times(void **state)
{
	(void)state;
	const uint32_t times[] = {0, 1, 2, 59, 60, 86399, 86400, 2147483646u, 2147483647u,
		2147483648u, 2147483649u, 4294967294u, 4294967295u, 951782400u, 951868800u,
		4102444799u, 4102444800u, 4107542400u, 1767225600u, 1769904000u};
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		rrsig_at(times[i], times[sizeof(times) / sizeof(times[0]) - 1 - i]);
	/* Around leap days and turns of the century, 1970..2106. */
	const int years[] = {
		1970, 1972, 1999, 2000, 2001, 2024, 2037, 2038, 2039, 2096, 2100, 2104, 2105};
	for (size_t i = 0; i < sizeof(years) / sizeof(years[0]); i++) {
		const int md[][2] = {{1, 1}, {2, 28}, {2, 29}, {3, 1}, {12, 31}};
		for (size_t k = 0; k < 5; k++) {
			uint32_t t = day_start(years[i], md[k][0], md[k][1]);
			rrsig_at(t, t - 1);
			rrsig_at(t + 86399, t + 43200 + 61);
		}
	}
	/* Every day of the range, at a varying second. */
	for (uint32_t day = 0; day <= 49710; day++)
		rrsig_at(day * 86400u + (day * 7919u) % 86400u, day * 86400u);
}

static void test_rrsig_fields(void **state)
{
	(void)state;
	struct wire w;
	uint8_t signer[] = {3, 'A', '.', 'b', 0};
	const size_t sig_lens[] = {1, 2, 3, 4, 64, 96, 256, 512, 1000};
	for (size_t i = 0; i < sizeof(sig_lens) / sizeof(sig_lens[0]); i++) {
		w.n = 0;
		put16(&w, i % 2 ? KNOT_RRTYPE_NSEC3 : 65534);
		put8(&w, 255);
		put8(&w, 127);
		put32(&w, 4294967295u);
		put32(&w, 1700000000u);
		put32(&w, 1690000000u);
		put16(&w, (unsigned)(65535 - i));
		put_name(&w, i % 3 ? signer : root_name);
		for (size_t k = 0; k < sig_lens[i]; k++)
			put8(&w, (unsigned)(k * 97 + 3));
		expect_fast(example, KNOT_RRTYPE_RRSIG, 0, w.d, w.n);
	}
	/* No signature, a signer cut short, a short header: left to libknot. */
	w.n = 0;
	putn(&w, "\0\1\x0d\2\0\0\x0e\x10\x68\0\0\0\x60\0\0\0\x12\x34", 18);
	put_name(&w, example);
	expect_declined(example, KNOT_RRTYPE_RRSIG, w.d, w.n);
	expect_declined(example, KNOT_RRTYPE_RRSIG, w.d, w.n - 2);
	expect_declined(example, KNOT_RRTYPE_RRSIG, w.d, 17);
}

static void test_nsec_bitmaps(void **state)
{
	(void)state;
	struct wire w;
	/* Each bitmap: window/length/octets as they are on the wire. */
	const struct {
		size_t n;
		uint8_t b[40];
		bool fast;
	} maps[] = {
		{0, {0}, true},					   /* empty */
		{3, {0, 1, 0x80}, true},			   /* TYPE0 */
		{3, {0, 1, 0x40}, true},			   /* A */
		{3, {0, 1, 0x00}, true},			   /* a zero octet */
		{4, {0, 2, 0x62, 0x01}, true},			   /* A NS SOA MX */
		{9, {0, 1, 0x40, 1, 1, 0x40, 255, 1, 0x01}, true}, /* three windows */
		{4, {255, 2, 0x00, 0x03}, true},		   /* TYPE65534 TYPE65535 */
		{2, {0, 0}, false},				   /* empty window */
		{1, {0}, false},				   /* no length */
		{3, {0, 2, 0x40}, false},			   /* runs past the end */
		{6, {1, 1, 0x40, 0, 1, 0x40}, false},		   /* out of order */
		{6, {0, 1, 0x40, 0, 1, 0x20}, false},		   /* repeated window */
		{35, {0, 33, 0x40}, false},			   /* over 32 octets */
	};
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		w.n = 0;
		put_name(&w, example);
		putn(&w, maps[i].b, maps[i].n);
		bool took = check_rr(example, KNOT_RRTYPE_NSEC, 3600, w.d, w.n);
		assert_int_equal(took, maps[i].fast);
		w.n = 0;
		putn(&w, "\1\1\0\x0a\0\x14", 6);
		putn(&w, "0123456789abcdefghij", 20);
		putn(&w, maps[i].b, maps[i].n);
		took = check_rr(example, KNOT_RRTYPE_NSEC3, 3600, w.d, w.n);
		assert_int_equal(took, maps[i].fast);
	}
	/* A next name cut short. */
	expect_declined(example, KNOT_RRTYPE_NSEC, (const uint8_t *)"\3ab", 3);
	expect_declined(example, KNOT_RRTYPE_NSEC, (const uint8_t *)"", 0);
}

static void test_nsec3(void **state)
{
	(void)state;
	struct wire w;
	const size_t salts[] = {0, 1, 8, 255};
	const size_t hashes[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 19, 20, 21, 32, 254, 255};
	for (size_t s = 0; s < 4; s++) {
		for (size_t h = 0; h < sizeof(hashes) / sizeof(hashes[0]); h++) {
			w.n = 0;
			put8(&w, (unsigned)h);
			put8(&w, (unsigned)s);
			put16(&w, (unsigned)(s * 65535 / 3));
			put8(&w, (unsigned)salts[s]);
			for (size_t k = 0; k < salts[s]; k++)
				put8(&w, (unsigned)(k * 29 + 1));
			size_t params = w.n;
			expect_fast(example, KNOT_RRTYPE_NSEC3PARAM, 0, w.d, params);
			put8(&w, (unsigned)hashes[h]);
			for (size_t k = 0; k < hashes[h]; k++)
				put8(&w, (unsigned)(k * 53 + h));
			expect_fast(example, KNOT_RRTYPE_NSEC3, 86400, w.d, w.n);
			putn(&w, "\0\6\x40\0\0\0\0\3", 8); /* A RRSIG */
			expect_fast(example, KNOT_RRTYPE_NSEC3, 86400, w.d, w.n);
			/* No hash, or one cut short: left to libknot. */
			expect_declined(example, KNOT_RRTYPE_NSEC3, w.d, params + hashes[h]);
			w.n = params;
			put8(&w, 0);
			expect_declined(example, KNOT_RRTYPE_NSEC3, w.d, w.n);
			/* NSEC3PARAM with anything after the salt, or a salt cut short. */
			expect_declined(example, KNOT_RRTYPE_NSEC3PARAM, w.d, params + 1);
			if (salts[s])
				expect_declined(example, KNOT_RRTYPE_NSEC3PARAM, w.d, params - 1);
		}
	}
	expect_declined(example, KNOT_RRTYPE_NSEC3, (const uint8_t *)"\1\0\0\0", 4);
}

static void test_other_types_declined(void **state)
{
	(void)state;
	/* Types rr_text does not write, and names with bytes after them. */
	const uint16_t others[] = {KNOT_RRTYPE_SOA, KNOT_RRTYPE_MX, KNOT_RRTYPE_TXT,
		KNOT_RRTYPE_SRV, KNOT_RRTYPE_CAA, KNOT_RRTYPE_LOC, KNOT_RRTYPE_ZONEMD, 999, 65534};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		assert_int_equal(rr_text_line_max(24, others[i], 10), 0);
		expect_declined(example, others[i], example, sizeof(example));
	}
	uint8_t extra[sizeof(example) + 1];
	memcpy(extra, example, sizeof(example));
	extra[sizeof(example)] = 1;
	expect_declined(example, KNOT_RRTYPE_NS, extra, sizeof(extra));
	expect_declined(example, KNOT_RRTYPE_CNAME, (const uint8_t *)"\xc0\x0c", 2);
	expect_declined(example, KNOT_RRTYPE_PTR, (const uint8_t *)"", 0);
}

/* ---- random RDATA ---- */

static void random_rr(struct wire *w, uint16_t type)
{
	uint8_t name[256];
	w->n = 0;
	switch (type) {
	case KNOT_RRTYPE_NS:
	case KNOT_RRTYPE_CNAME:
	case KNOT_RRTYPE_DNAME:
	case KNOT_RRTYPE_PTR:
		random_name(name);
		put_name(w, name);
		break;
	case KNOT_RRTYPE_A:
		put32(w, (uint32_t)rnd());
		break;
	case KNOT_RRTYPE_AAAA:
		for (int i = 0; i < 8; i++) {
			unsigned k = rnd_below(6);
			put16(w,
				k < 3		 ? 0
					: k == 3 ? 0xffff
					: k == 4 ? rnd_below(16)
						 : (unsigned)rnd());
		}
		break;
	case KNOT_RRTYPE_DS:
	case KNOT_RRTYPE_CDS:
	case KNOT_RRTYPE_DNSKEY:
	case KNOT_RRTYPE_CDNSKEY:
		put32(w, (uint32_t)rnd());
		for (unsigned k = rnd_below(4) ? 1 + rnd_below(80) : rnd_below(600); k > 0; k--)
			put8(w, (unsigned)rnd());
		break;
	case KNOT_RRTYPE_RRSIG:
		put16(w, rnd_below(3) ? rnd_below(300) : (unsigned)rnd());
		put8(w, (unsigned)rnd());
		put8(w, (unsigned)rnd());
		for (int i = 0; i < 3; i++)
			put32(w,
				rnd_below(8) ? (uint32_t)rnd()
					     : rnd_below(3) * 0x80000000u - rnd_below(2));
		put16(w, (unsigned)rnd());
		random_name(name);
		put_name(w, name);
		for (unsigned k = rnd_below(8) ? 1 + rnd_below(130) : rnd_below(3); k > 0; k--)
			put8(w, (unsigned)rnd());
		break;
	case KNOT_RRTYPE_NSEC:
	case KNOT_RRTYPE_NSEC3:
		if (type == KNOT_RRTYPE_NSEC) {
			random_name(name);
			put_name(w, name);
		} else {
			put32(w, (uint32_t)rnd());
			unsigned s = rnd_below(4) ? rnd_below(9) : rnd_below(256);
			put8(w, s);
			for (; s > 0; s--)
				put8(w, (unsigned)rnd());
			unsigned h = rnd_below(6) ? 20 : rnd_below(256);
			put8(w, h);
			for (; h > 0; h--)
				put8(w, (unsigned)rnd());
		}
		/* Windows mostly increasing and well formed, sometimes not. */
		for (unsigned win = rnd_below(3), n = rnd_below(4); n > 0 && win < 256; n--) {
			unsigned l = rnd_below(10) ? 1 + rnd_below(rnd_below(2) ? 6 : 32)
						   : rnd_below(40);
			put8(w, win);
			put8(w, l);
			for (unsigned k = 0; k < l; k++)
				put8(w, rnd_below(3) ? (unsigned)rnd() : 0);
			win += rnd_below(12) ? 1 + rnd_below(rnd_below(2) ? 3 : 100) : 0;
		}
		if (rnd_below(30) == 0)
			w->n -= w->n ? 1 : 0;
		break;
	case KNOT_RRTYPE_NSEC3PARAM: {
		put32(w, (uint32_t)rnd());
		unsigned s = rnd_below(4) ? rnd_below(9) : rnd_below(256);
		put8(w, s);
		for (; s > 0; s--)
			put8(w, (unsigned)rnd());
		break;
	}
	}
}

static void test_random(void **state)
{
	(void)state;
	const uint16_t types[] = {KNOT_RRTYPE_NS, KNOT_RRTYPE_CNAME, KNOT_RRTYPE_DNAME,
		KNOT_RRTYPE_PTR, KNOT_RRTYPE_A, KNOT_RRTYPE_AAAA, KNOT_RRTYPE_DS, KNOT_RRTYPE_CDS,
		KNOT_RRTYPE_DNSKEY, KNOT_RRTYPE_CDNSKEY, KNOT_RRTYPE_RRSIG, KNOT_RRTYPE_NSEC,
		KNOT_RRTYPE_NSEC3, KNOT_RRTYPE_NSEC3PARAM};
	const size_t ntypes = sizeof(types) / sizeof(types[0]);
	static struct wire w;
	unsigned long taken[16] = {0};
	const unsigned per_type = 8000;
	for (unsigned i = 0; i < per_type * ntypes; i++) {
		uint8_t owner[256];
		random_name(owner);
		size_t t = i % ntypes;
		random_rr(&w, types[t]);
		uint32_t ttl = rnd_below(4) ? rnd_below(100000) : (uint32_t)rnd();
		taken[t] += check_rr(owner, types[t], ttl, w.d, w.n);
	}
	/* Most random RRs are well formed: the fast path must have taken them. */
	for (size_t t = 0; t < ntypes; t++)
		if (taken[t] < per_type / 2)
			fail_msg("type %u: rr_text took only %lu of %u", types[t], taken[t],
				per_type);
}

/* ---- whole files: fast formatter on and off ---- */

static char *slurp(FILE *f, size_t *len)
{
	fflush(f);
	long n = ftell(f);
	assert_true(n >= 0);
	char *text = malloc((size_t)n + 1);
	assert_non_null(text);
	rewind(f);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	*len = (size_t)n;
	return text;
}

/* Writes z with libknot alone and with rr_text, on one and on three
 * threads: all three files must be the same. Returns the size. */
static size_t compare_writes(const struct zone *z, const char *what)
{
	FILE *f[3];
	char *text[3];
	size_t len[3];
	for (int i = 0; i < 3; i++) {
		f[i] = tmpfile();
		assert_non_null(f[i]);
		int rc = i == 0	 ? zone_write_fd_libknot(z, fileno(f[i]))
			: i == 1 ? zone_write_fd(z, fileno(f[i]))
				 : zone_write_fd_threads(z, fileno(f[i]), 3);
		assert_int_equal(rc, 0);
		assert_int_equal(fseek(f[i], 0, SEEK_END), 0);
		text[i] = slurp(f[i], &len[i]);
	}
	for (int i = 1; i < 3; i++) {
		if (len[i] != len[0] || memcmp(text[i], text[0], len[0]) != 0) {
			size_t k = 0;
			while (k < len[0] && k < len[i] && text[0][k] == text[i][k])
				k++;
			size_t from = k > 200 ? k - 200 : 0;
			fail_msg("%s: fast writer differs at offset %zu:\nknot: %.300s\nfast: "
				 "%.300s",
				what, k, text[0] + from, text[i] + from);
		}
	}
	for (int i = 0; i < 3; i++) {
		free(text[i]);
		fclose(f[i]);
	}
	return len[0];
}

/* The source tree (meson sets SRCDIR); ../shared sits beside it. */
static const char *src_dir(void)
{
	const char *src = getenv("SRCDIR");
	return src ? src : ".";
}

static struct zone *load(const char *path, const char *text, size_t len, const char *origin)
{
	struct zone_msgs m;
	struct zone *z = NULL;
	struct zone_read_opts o = {.origin = origin};
	zone_msgs_init(&m);
	int rc = text ? zone_read_mem(text, len, path, &o, &m, &z)
		      : zone_read_file(path, &o, &m, &z);
	if (rc != 0)
		fail_msg("%s: %s", path, buf_cstr(&m.text));
	zone_msgs_deinit(&m);
	return z;
}

static void test_root_zones(void **state)
{
	(void)state;
	const char *files[] = {"root/root-2022021501.zone", "root/root-2023051100.zone"};
	for (size_t i = 0; i < 2; i++) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/../shared/data/%s", src_dir(), files[i]);
		struct zone *z = load(path, NULL, 0, ".");
		assert_true(compare_writes(z, path) > 2000000);
		zone_unref(z);
	}
}

/* Reads a file whole, NUL-terminated. */
static char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	char *text = slurp(f, len);
	fclose(f);
	text[*len] = 0;
	return text;
}

/* A libzscanner fragment as test_zone_reader.py wraps it: a SOA and NS at
 * the origin first; cut before its "; KO" line for the ok part. NULL for
 * fragments that need their include folder. */
static char *wrap_fragment(const char *path, bool ok_part, const char *origin, size_t *len)
{
	size_t flen;
	char *frag = read_text(path, &flen);
	if (strstr(frag, "$INCLUDE") || strstr(frag, "@TMPDIR@")) {
		free(frag);
		return NULL;
	}
	if (ok_part) {
		char *ko = strstr(frag, "\n; KO");
		assert_non_null(ko);
		ko[1] = 0;
	}
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(buf_printf(&b,
				 "$ORIGIN %s\n$TTL 0\n@ 3600 IN SOA ns.wrap.invalid. "
				 "hostmaster.wrap.invalid. 1 3600 600 86400 3600\n"
				 "@ 3600 IN NS ns.wrap.invalid.\n%s\n",
				 origin, frag),
		0);
	free(frag);
	return (char *)buf_steal(&b, len);
}

/* Blanks line no (from 1) of text, keeping the line count. */
static void blank_line(char *text, unsigned long no)
{
	char *p = text;
	for (unsigned long i = 1; i < no && p; i++) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	for (; p && *p && *p != '\n'; p++)
		*p = ' ';
}

/* A file the reader rejects by a rule (an unknown type, a CNAME beside
 * other data, odd syntax) still holds RRs worth writing: blanks each line an
 * error names, for a few rounds. NULL when it still does not load. */
static struct zone *load_what_loads(const char *path, const char *origin)
{
	size_t len;
	char *text = read_text(path, &len);
	struct zone *z = NULL;
	for (int round = 0; round < 8 && !z; round++) {
		struct zone_msgs m;
		struct zone_read_opts o = {.origin = origin};
		zone_msgs_init(&m);
		if (zone_read_mem(text, len, "frag", &o, &m, &z) != 0) {
			z = NULL;
			const char *msg = buf_cstr(&m.text);
			for (const char *q = msg; (q = strstr(q, "frag:")) != NULL; q++) {
				char *end;
				unsigned long no = strtoul(q + 5, &end, 10);
				if (end != q + 5 && strncmp(end, ": error", 7) == 0)
					blank_line(text, no);
			}
		}
		zone_msgs_deinit(&m);
	}
	free(text);
	return z;
}

/* Every zone file of the shared data that loads, whole or in part. */
static void test_shared_zones(void **state)
{
	(void)state;
	char tsv[4200];
	snprintf(tsv, sizeof(tsv), "%s/tests/system/zones-expected.tsv", src_dir());
	FILE *f = fopen(tsv, "r");
	assert_non_null(f);
	char line[8192];
	unsigned files = 0, partly = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		char *col[4], *save = NULL, *p = line;
		int k = 0;
		for (; k < 4 && (col[k] = strtok_r(p, "\t\n", &save)); k++)
			p = NULL;
		if (k < 4 || strcmp(col[3], "skip") == 0)
			continue;
		bool ok = strcmp(col[3], "ok") == 0, wrap = strcmp(col[2], "wrap") == 0;
		char *part = strchr(col[0], '#');
		if (part)
			*part = 0;
		char path[8400];
		snprintf(path, sizeof(path), "%s/../shared/data/zones/%s", src_dir(), col[0]);
		struct zone *z = NULL;
		if (ok && wrap) {
			size_t len;
			char *text = wrap_fragment(path, part != NULL, col[1], &len);
			if (!text)
				continue;
			z = load(path, text, len, col[1]);
			free(text);
		} else if (ok) {
			z = load(path, NULL, 0, col[1]);
		} else if (!wrap) {
			z = load_what_loads(path, col[1]);
			partly += z != NULL;
		}
		if (!z)
			continue;
		compare_writes(z, path);
		zone_unref(z);
		files++;
	}
	fclose(f);
	assert_true(files >= 200);
	assert_true(partly >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_octets),
		cmocka_unit_test(test_long_names_and_padding),
		cmocka_unit_test(test_ttls),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_a),
		cmocka_unit_test(test_aaaa),
		cmocka_unit_test(test_ds_dnskey),
		cmocka_unit_test(test_rrsig_times),
		cmocka_unit_test(test_rrsig_fields),
		cmocka_unit_test(test_nsec_bitmaps),
		cmocka_unit_test(test_nsec3),
		cmocka_unit_test(test_other_types_declined),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_root_zones),
		cmocka_unit_test(test_shared_zones),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
