/* Unit tests for NOTIFY out: the message (lib/dns/dnsmsg_notify, read back
 * with libknot) and the sender (src/publish/notify) against secondaries
 * that are real UDP sockets on 127.0.0.1 on the same libuv loop, answering
 * as each test scripts them: late, never, with an error, signed or not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <libknot/libknot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/dns/dnsmsg.h"
#include "lib/dns/dnsmsg_notify.h"
#include "lib/util/buf.h"
#include "lib/util/err.h"
#include "lib/util/fileio.h"
#include "lib/zone/zone_read.h"
#include "src/publish/notify.h"

#define ZONE_TEXT                                                                \
	"$TTL 300\n@ 3600 SOA ns1 hostmaster %u 3600 900 604800 300\n@ NS ns1\n" \
	"ns1 A 192.0.2.1\n"
#define APEX                     \
	((const uint8_t *)"\x07" \
			  "example\x04test")
#define MAX_SEEN 32
#define NAME_TEXT_MAX (LIMIT_NAME_LEN * 4 + 1)

static struct zone *load_zone(uint32_t serial)
{
	char text[256];
	int n = snprintf(text, sizeof(text), ZONE_TEXT, serial);
	struct zone_msgs m;
	zone_msgs_init(&m);
	struct zone_read_opts o = {.origin = "example.test."};
	struct zone *z = NULL;
	int rc = zone_read_mem(text, (size_t)n, "test", &o, &m, &z);
	if (rc != 0)
		fprintf(stderr, "%s\n%s", err_str(rc), buf_cstr(&m.text));
	assert_int_equal(rc, 0);
	zone_msgs_deinit(&m);
	return z;
}

/* ------------------------------------------------------------ message */

static knot_pkt_t *parse(uint8_t *wire, size_t len)
{
	knot_pkt_t *p = knot_pkt_new(wire, len, NULL);
	assert_non_null(p);
	assert_int_equal(knot_pkt_parse(p, 0), KNOT_EOK);
	return p;
}

static void soa_hint(const struct zone *z, struct dnsmsg_notify_soa *h)
{
	const struct rrset *soa = node_find(zone_apex_node(z), KNOT_RRTYPE_SOA, 0);
	assert_non_null(soa);
	const knot_rdata_t *rd = (const knot_rdata_t *)soa->rdata;
	*h = (struct dnsmsg_notify_soa){.ttl = soa->ttl, .rdata = rd->data, .rdlen = rd->len};
}

static void test_query_is_rfc1996(void **state)
{
	(void)state;
	struct zone *z = load_zone(2024010101);
	struct dnsmsg_notify_soa h;
	soa_hint(z, &h);
	uint8_t out[512];
	size_t len;
	assert_int_equal(dnsmsg_notify_query(0xbeef, APEX, &h, out, sizeof(out), &len), 0);
	knot_pkt_t *p = parse(out, len);
	assert_int_equal(knot_wire_get_id(out), 0xbeef);
	assert_int_equal(knot_wire_get_opcode(out), KNOT_OPCODE_NOTIFY);
	assert_true(knot_wire_get_aa(out));
	assert_false(knot_wire_get_qr(out));
	assert_false(knot_wire_get_rd(out));
	assert_int_equal(knot_wire_get_qdcount(out), 1);
	assert_true(knot_dname_is_equal(knot_pkt_qname(p), APEX));
	assert_int_equal(knot_pkt_qtype(p), KNOT_RRTYPE_SOA);
	assert_int_equal(knot_pkt_qclass(p), KNOT_CLASS_IN);
	/* §3.7: the SOA as a hint, owned by the apex, whole after decompression */
	const knot_pktsection_t *an = knot_pkt_section(p, KNOT_ANSWER);
	assert_int_equal(an->count, 1);
	const knot_rrset_t *rr = knot_pkt_rr(an, 0);
	assert_int_equal(rr->type, KNOT_RRTYPE_SOA);
	assert_true(knot_dname_is_equal(rr->owner, APEX));
	assert_int_equal(rr->ttl, 3600);
	assert_int_equal(knot_soa_serial(rr->rrs.rdata), 2024010101);
	assert_true(knot_dname_is_equal(knot_soa_primary(rr->rrs.rdata),
		(const uint8_t *)"\x03ns1\x07"
				 "example\x04test"));
	assert_int_equal(knot_wire_get_nscount(out) + knot_wire_get_arcount(out), 0);
	/* the owner is a pointer to the question: no name written twice */
	assert_true(len < 12 + 14 + 4 + 12 + 2 * 18 + 20);
	knot_pkt_free(p);

	assert_int_equal(dnsmsg_notify_query(7, APEX, NULL, out, sizeof(out), &len), 0);
	assert_int_equal(len, 12 + 14 + 4);
	assert_int_equal(knot_wire_get_ancount(out), 0);
	assert_int_equal(dnsmsg_notify_query(7, APEX, &h, out, 40, &len), ERR_LIMIT);
	struct dnsmsg_notify_soa bad = h;
	bad.rdlen--;
	assert_int_equal(dnsmsg_notify_query(7, APEX, &bad, out, sizeof(out), &len), ERR_INVAL);
	zone_unref(z);
}

/* An answer to q: QR set, the question kept, the rest dropped. */
static size_t make_answer(const uint8_t *q, size_t qlen, unsigned rcode, uint8_t *out)
{
	size_t end = 12 + 14 + 4;
	assert_true(qlen >= end);
	memcpy(out, q, end);
	out[2] |= 0x80;
	out[3] = (uint8_t)((out[3] & 0xf0) | rcode);
	memset(out + 6, 0, 6);
	return end;
}

static void test_check_answer(void **state)
{
	(void)state;
	uint8_t q[512], a[512];
	size_t qlen, alen;
	const char *why;
	unsigned rcode = 99;
	assert_int_equal(dnsmsg_notify_query(0x1234, APEX, NULL, q, sizeof(q), &qlen), 0);
	alen = make_answer(q, qlen, 0, a);
	assert_int_equal(dnsmsg_notify_check(a, alen, 0x1234, APEX, &rcode, &why), 0);
	assert_int_equal(rcode, 0);
	/* the question's case does not matter (RFC 4343) */
	a[13] = 'E';
	assert_int_equal(dnsmsg_notify_check(a, alen, 0x1234, APEX, &rcode, &why), 0);
	assert_int_equal(dnsmsg_notify_check(a, alen, 0x1235, APEX, &rcode, &why), ERR_SYNTAX);
	assert_string_equal(why, "another message ID");
	assert_int_equal(dnsmsg_notify_check(q, qlen, 0x1234, APEX, &rcode, &why), ERR_SYNTAX);
	assert_string_equal(why, "not a response");
	assert_int_equal(dnsmsg_notify_check(a, 11, 0x1234, APEX, &rcode, &why), ERR_SYNTAX);
	assert_int_equal(dnsmsg_notify_check(a, alen - 1, 0x1234, APEX, &rcode, &why), ERR_SYNTAX);
	assert_int_equal(
		dnsmsg_notify_check(a, alen, 0x1234, (const uint8_t *)"\x04test", &rcode, &why),
		ERR_SYNTAX);
	a[2] = 0x80; /* a QUERY answer */
	assert_int_equal(dnsmsg_notify_check(a, alen, 0x1234, APEX, &rcode, &why), ERR_SYNTAX);
	assert_string_equal(why, "not a NOTIFY response");
	/* an error answer need not echo the question */
	alen = make_answer(q, qlen, 5, a);
	a[5] = 0;
	assert_int_equal(dnsmsg_notify_check(a, 12, 0x1234, APEX, &rcode, &why), 0);
	assert_int_equal(rcode, 5);
	a[3] &= 0xf0;
	assert_int_equal(dnsmsg_notify_check(a, 12, 0x1234, APEX, &rcode, &why), ERR_SYNTAX);
}

/* ------------------------------------------------------------- sender */

enum script {
	ANSWER_THIRD, /* silent twice, then NOERROR */
	SILENT,
	REFUSE,
	TSIG_SIGNED,	/* verifies the query, answers signed */
	TSIG_UNSIGNED,	/* answers NOERROR without a signature */
	TSIG_OTHER_KEY, /* knows the key by another secret: NOTAUTH, BADSIG */
	TSIG_FORGED,	/* answers with a MAC that does not match */
};

struct peer {
	uv_udp_t udp;
	uint16_t port;
	enum script script;
	unsigned seen;
	uint64_t start_ms;	  /* just before notify_send */
	uint64_t at_ms[MAX_SEEN]; /* when each message came */
	uint32_t serial[MAX_SEEN];
	bool signed_query[MAX_SEEN];
	const struct tsig_key *key; /* what it verifies and signs with */
	char fail[128];
};

struct env {
	uv_loop_t loop;
	uv_timer_t tick;
	struct peer peer;
	struct notify *n;
	struct tsig_key key, other;
};

static const struct tsig_key *find_key(void *ctx, const uint8_t *name)
{
	const struct peer *p = ctx;
	return knot_dname_is_case_equal(name, p->key->name) ? p->key : NULL;
}

static void peer_sent(uv_udp_send_t *req, int status)
{
	(void)status;
	free(req);
}

static void peer_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)h, (void)hint;
	static char in[65535];
	*buf = uv_buf_init(in, sizeof(in));
}

/* The answer's TSIG, as the script says; false to send nothing. */
static bool peer_tsig(struct peer *p, const uint8_t *q, size_t qlen, uint8_t *a, size_t *alen)
{
	size_t at;
	if (tsig_find(q, qlen, &at) != 0) {
		snprintf(p->fail, sizeof(p->fail), "query %u not signed", p->seen);
		return false;
	}
	struct tsig_ctx ctx;
	tsig_ctx_init(&ctx, (uint64_t)time(NULL));
	int rc = tsig_verify_query(&ctx, q, qlen, at, find_key, p);
	bool want_ok = p->script != TSIG_OTHER_KEY;
	if (want_ok != (rc == 0) || (!want_ok && ctx.error != TSIG_BADSIG)) {
		snprintf(p->fail, sizeof(p->fail), "query %u: TSIG %d, error %u", p->seen, rc,
			ctx.error);
		tsig_ctx_deinit(&ctx);
		return false;
	}
	/* a signed answer, or NOTAUTH with BADSIG for the wrong secret */
	rc = p->script == TSIG_UNSIGNED ? 0 : tsig_sign_response(&ctx, a, alen, 1024);
	if (p->script == TSIG_FORGED)
		a[*alen - 7] ^= 1; /* the MAC's last octet, before ID, error and other len */
	tsig_ctx_deinit(&ctx);
	return rc == 0;
}

static void peer_recv(
	uv_udp_t *h, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from, unsigned flags)
{
	struct peer *p = h->data;
	if (n <= 0 || !from || (flags & UV_UDP_PARTIAL))
		return;
	const uint8_t *q = (const uint8_t *)buf->base;
	/* libknot takes a TSIG RR off the wire it parses: a copy for it */
	static uint8_t copy[65535];
	memcpy(copy, q, (size_t)n);
	knot_pkt_t *pkt = knot_pkt_new(copy, (size_t)n, NULL);
	if (knot_pkt_parse(pkt, 0) != KNOT_EOK || knot_pkt_section(pkt, KNOT_ANSWER)->count != 1) {
		snprintf(p->fail, sizeof(p->fail), "query %u does not parse", p->seen);
		knot_pkt_free(pkt);
		return;
	}
	unsigned i = p->seen++;
	if (i < MAX_SEEN) {
		p->at_ms[i] = uv_hrtime() / 1000000;
		p->serial[i] = knot_soa_serial(
			knot_pkt_rr(knot_pkt_section(pkt, KNOT_ANSWER), 0)->rrs.rdata);
		p->signed_query[i] = pkt->tsig_rr != NULL;
	}
	knot_pkt_free(pkt);
	struct {
		uv_udp_send_t req;
		uint8_t data[1024];
	} *s = malloc(sizeof(*s));
	size_t alen = make_answer(q, (size_t)n, p->script == REFUSE ? 5 : 0, s->data);
	bool send = p->script == ANSWER_THIRD ? p->seen >= 3 : p->script != SILENT;
	if (send && p->key)
		send = peer_tsig(p, q, (size_t)n, s->data, &alen);
	uv_buf_t b = uv_buf_init((char *)s->data, (unsigned)alen);
	if (!send || uv_udp_send(&s->req, h, &b, 1, from, peer_sent) != 0)
		free(s);
}

static void on_tick(uv_timer_t *t)
{
	(void)t;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_int_equal(uv_loop_init(&e->loop), 0);
	uv_timer_init(&e->loop, &e->tick);
	uv_timer_start(&e->tick, on_tick, 5, 5); /* so UV_RUN_ONCE never blocks long */
	assert_int_equal(uv_udp_init(&e->loop, &e->peer.udp), 0);
	e->peer.udp.data = &e->peer;
	struct sockaddr_in sin;
	uv_ip4_addr("127.0.0.1", 0, &sin);
	assert_int_equal(uv_udp_bind(&e->peer.udp, (struct sockaddr *)&sin, 0), 0);
	int len = sizeof(sin);
	assert_int_equal(uv_udp_getsockname(&e->peer.udp, (struct sockaddr *)&sin, &len), 0);
	e->peer.port = ntohs(sin.sin_port);
	assert_int_equal(uv_udp_recv_start(&e->peer.udp, peer_alloc, peer_recv), 0);
	char err[TSIG_ERR_SIZE];
	assert_int_equal(tsig_key_make(&e->key, "notify-key", "hmac-sha256",
				 "c2VjcmV0IG9mIHRoZSBub3RpZnkga2V5IGluIHRlc3Rz", err),
		0);
	assert_int_equal(tsig_key_make(&e->other, "notify-key", "hmac-sha256",
				 "YW5vdGhlciBzZWNyZXQgb2YgdGhlIHNhbWUgbmFtZQ==", err),
		0);
	struct notify_opts o = {.first_retry_ms = 40, .max_retry_ms = 1000, .tries = 5};
	assert_int_equal(notify_new(&e->loop, &o, &e->n), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	notify_free(e->n);
	uv_close((uv_handle_t *)&e->peer.udp, NULL);
	uv_close((uv_handle_t *)&e->tick, NULL);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	/* every socket and timer of the sender was closed and freed */
	assert_int_equal(uv_loop_close(&e->loop), 0);
	free(e);
	return 0;
}

static struct notify_target target(struct env *e, const struct tsig_key *key)
{
	struct notify_target t = {.key = key};
	uv_ip4_addr("127.0.0.1", e->peer.port, (struct sockaddr_in *)&t.addr);
	return t;
}

static struct notify_status status_of(struct env *e)
{
	struct notify_status st[2];
	assert_int_equal(notify_status(e->n, APEX, st, 2), 1);
	return st[0];
}

/* Runs the loop until the notify is no longer being sent, then on for
 * linger_ms to see that nothing more is sent. */
static struct notify_status run_until_done(struct env *e, unsigned linger_ms)
{
	uint64_t end = uv_now(&e->loop) + 10000;
	while (status_of(e).state == NOTIFY_SENDING && uv_now(&e->loop) < end)
		uv_run(&e->loop, UV_RUN_ONCE);
	end = uv_now(&e->loop) + linger_ms;
	while (uv_now(&e->loop) < end)
		uv_run(&e->loop, UV_RUN_ONCE);
	if (e->peer.fail[0])
		fail_msg("%s", e->peer.fail);
	return status_of(e);
}

static void send_version(struct env *e, uint32_t serial, const struct notify_target *t)
{
	struct zone *z = load_zone(serial);
	e->peer.start_ms = uv_hrtime() / 1000000;
	assert_int_equal(notify_send(e->n, z, t, 1), 0);
	zone_unref(z); /* the sender keeps nothing of it */
}

static void test_acked_on_third_try(void **state)
{
	struct env *e = *state;
	e->peer.script = ANSWER_THIRD;
	struct notify_target t = target(e, NULL);
	send_version(e, 10, &t);
	struct notify_status st = run_until_done(e, 300);
	assert_int_equal(st.state, NOTIFY_ACKED);
	assert_int_equal(st.tries, 3);
	assert_int_equal(e->peer.seen, 3);
	assert_int_equal(st.serial, 10);
	assert_string_equal(st.result, "acknowledged");
	assert_false(e->peer.signed_query[0]);
	/* waits of 40 ms, then 80 ms; a loop's clock is whole milliseconds,
	 * so a timer may fire up to one early */
	assert_true(e->peer.at_ms[1] - e->peer.start_ms >= 40 - 1);
	assert_true(e->peer.at_ms[2] - e->peer.start_ms >= 40 + 80 - 2);
}

static void test_gives_up_after_five(void **state)
{
	struct env *e = *state;
	e->peer.script = SILENT;
	struct notify_target t = target(e, NULL);
	send_version(e, 11, &t);
	struct notify_status st = run_until_done(e, 500);
	assert_int_equal(st.state, NOTIFY_FAILED);
	assert_int_equal(st.tries, 5);
	assert_int_equal(e->peer.seen, 5);
	assert_string_equal(st.result, "gave up after 5 tries: no answer");
	/* the intervals double: 40, 80, 160, 320 ms, so each try comes at
	 * least their sum after the start (a message may come late, not early) */
	for (unsigned i = 1, sum = 0; i < 5; i++) {
		sum += 40u << (i - 1);
		assert_true(e->peer.at_ms[i] - e->peer.start_ms >= sum - i);
	}
}

static void test_error_rcode_is_a_failed_try(void **state)
{
	struct env *e = *state;
	e->peer.script = REFUSE;
	struct notify_target t = target(e, NULL);
	send_version(e, 12, &t);
	struct notify_status st = run_until_done(e, 300);
	assert_int_equal(st.state, NOTIFY_FAILED);
	assert_int_equal(e->peer.seen, 5);
	assert_string_equal(st.result, "gave up after 5 tries: answered REFUSED");
}

static void test_newer_version_replaces(void **state)
{
	struct env *e = *state;
	e->peer.script = SILENT;
	struct notify_target t = target(e, NULL);
	send_version(e, 20, &t);
	while (e->peer.seen < 2)
		uv_run(&e->loop, UV_RUN_ONCE);
	e->peer.script = ANSWER_THIRD; /* the 3rd message overall, the 1st of serial 21 */
	send_version(e, 21, &t);
	struct notify_status st = run_until_done(e, 400);
	assert_int_equal(st.state, NOTIFY_ACKED);
	assert_int_equal(st.serial, 21);
	assert_int_equal(st.tries, 1);
	assert_int_equal(e->peer.seen, 3);
	assert_int_equal(e->peer.serial[1], 20);
	assert_int_equal(e->peer.serial[2], 21);
}

static void test_cancel_and_skips(void **state)
{
	struct env *e = *state;
	e->peer.script = SILENT;
	struct notify_target t[2] = {target(e, NULL), target(e, NULL)};
	((struct sockaddr_in *)&t[0].addr)->sin_port = 0; /* off, as in Cascade */
	struct zone *z = load_zone(30);
	assert_int_equal(notify_send(e->n, z, t, 2), 0);
	zone_unref(z);
	struct notify_status st[2];
	assert_int_equal(notify_status(e->n, APEX, st, 2), 1);
	while (e->peer.seen < 1)
		uv_run(&e->loop, UV_RUN_ONCE);
	notify_cancel(e->n, APEX);
	assert_int_equal(notify_status(e->n, APEX, st, 2), 0);
	uint64_t end = uv_now(&e->loop) + 300;
	while (uv_now(&e->loop) < end)
		uv_run(&e->loop, UV_RUN_ONCE);
	assert_int_equal(e->peer.seen, 1);
}

static void test_tsig_signed(void **state)
{
	struct env *e = *state;
	e->peer.script = TSIG_SIGNED;
	e->peer.key = &e->key;
	struct tsig_key mine = e->key;
	struct notify_target t = target(e, &mine);
	send_version(e, 40, &t);
	tsig_key_wipe(&mine); /* the sender signs with its own copy */
	struct notify_status st = run_until_done(e, 200);
	assert_int_equal(st.state, NOTIFY_ACKED);
	assert_int_equal(st.tries, 1);
	assert_true(e->peer.signed_query[0]);
}

static void test_tsig_answer_must_verify(void **state)
{
	struct env *e = *state;
	e->peer.key = &e->key;
	struct notify_target t = target(e, &e->key);
	e->peer.script = TSIG_UNSIGNED;
	send_version(e, 41, &t);
	struct notify_status st = run_until_done(e, 300);
	assert_int_equal(st.state, NOTIFY_FAILED);
	assert_int_equal(e->peer.seen, 5);

	assert_non_null(strstr(st.result, "not signed"));

	e->peer.seen = 0;
	e->peer.script = TSIG_FORGED;
	send_version(e, 42, &t);
	st = run_until_done(e, 300);
	assert_int_equal(st.state, NOTIFY_FAILED);
	assert_int_equal(e->peer.seen, 5);

	e->peer.seen = 0;
	e->peer.script = TSIG_OTHER_KEY;
	e->peer.key = &e->other;
	send_version(e, 43, &t);
	st = run_until_done(e, 300);
	assert_int_equal(st.state, NOTIFY_FAILED);
	assert_int_equal(e->peer.seen, 5);
	assert_non_null(strstr(st.result, "BADSIG"));
}

/* ------------------------------------------------- a real secondary */

#define KNOTD "/usr/sbin/knotd"

struct knot {
	char dir[64];
	pid_t pid;
	uint16_t port;
};

static uint16_t free_udp_port(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	socklen_t len = sizeof(sin);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

static char *read_text(const char *path)
{
	struct buf b;
	buf_init(&b, 0);
	if (fileio_read(path, 1 << 20, &b) < 0)
		buf_append_str(&b, "");
	char *out = strdup(buf_cstr(&b));
	buf_deinit(&b);
	return out;
}

/* knotd as a secondary of example.test that takes NOTIFY from 127.0.0.1
 * signed with key (its primary is a port where nothing listens). */
static void knot_start(struct knot *k, const struct tsig_key *key, const char *secret)
{
	snprintf(k->dir, sizeof(k->dir), "/tmp/test-notify-XXXXXX");
	assert_non_null(mkdtemp(k->dir));
	k->port = free_udp_port();
	char path[128], name[NAME_TEXT_MAX];
	tsig_key_name_text(key, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/knot.conf", k->dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
		"server:\n  rundir: \"%s\"\n  listen: 127.0.0.1@%u\n"
		"database:\n  storage: \"%s\"\n"
		"log:\n  - target: \"%s/knot.log\"\n    any: debug\n"
		"key:\n  - id: %s\n    algorithm: %s\n    secret: %s\n"
		"remote:\n  - id: primary\n    address: 127.0.0.1@1\n"
		"acl:\n  - id: from_us\n    address: 127.0.0.1\n    key: %s\n"
		"    action: notify\n"
		"zone:\n  - domain: example.test\n    master: primary\n    acl: from_us\n",
		k->dir, k->port, k->dir, k->dir, name, tsig_alg_name(key->alg), secret, name);
	fclose(f);
	k->pid = fork();
	assert_true(k->pid >= 0);
	if (k->pid == 0) {
		execl(KNOTD, "knotd", "-c", path, (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof(path), "%s/knot.log", k->dir);
	for (int i = 0; i < 500; i++) {
		char *log = read_text(path);
		bool up = strstr(log, "server started") != NULL;
		free(log);
		if (up)
			return;
		usleep(10000);
	}
	fail_msg("knotd did not start");
}

static void knot_stop(struct knot *k)
{
	kill(k->pid, SIGTERM);
	waitpid(k->pid, NULL, 0);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", k->dir);
	assert_int_equal(system(cmd), 0);
}

/* knotd checks the signed NOTIFY and answers signed; the SOA hint is
 * what it logs as the serial. */
static void test_knotd_secondary(void **state)
{
	struct env *e = *state;
	if (access(KNOTD, X_OK) != 0)
		skip();
	struct knot k;
	knot_start(&k, &e->key, "c2VjcmV0IG9mIHRoZSBub3RpZnkga2V5IGluIHRlc3Rz");
	struct notify_target t = {.key = &e->key};
	uv_ip4_addr("127.0.0.1", k.port, (struct sockaddr_in *)&t.addr);
	send_version(e, 2024060701, &t);
	struct notify_status st = run_until_done(e, 0);
	char path[128];
	snprintf(path, sizeof(path), "%s/knot.log", k.dir);
	char *log = read_text(path);
	knot_stop(&k);
	if (st.state != NOTIFY_ACKED)
		fprintf(stderr, "%s\n%s", st.result, log);
	assert_int_equal(st.state, NOTIFY_ACKED);
	assert_non_null(strstr(log, "serial 2024060701"));
	free(log);
}

/* Nothing listens: the kernel's "port unreachable" is each try's result. */
static void test_closed_port(void **state)
{
	struct env *e = *state;
	uv_udp_t closed;
	struct sockaddr_in sin;
	int len = sizeof(sin);
	uv_ip4_addr("127.0.0.1", 0, &sin);
	assert_int_equal(uv_udp_init(&e->loop, &closed), 0);
	assert_int_equal(uv_udp_bind(&closed, (struct sockaddr *)&sin, 0), 0);
	assert_int_equal(uv_udp_getsockname(&closed, (struct sockaddr *)&sin, &len), 0);
	uv_close((uv_handle_t *)&closed, NULL);
	uv_run(&e->loop, UV_RUN_NOWAIT);
	struct notify_target t = {.key = NULL};
	memcpy(&t.addr, &sin, sizeof(sin));
	send_version(e, 50, &t);
	struct notify_status st = run_until_done(e, 0);
	assert_int_equal(st.state, NOTIFY_FAILED);
	assert_int_equal(st.tries, 5);
	assert_string_equal(st.result, "gave up after 5 tries: connection refused");
}

static void test_zone_without_soa(void **state)
{
	struct env *e = *state;
	struct tree *tree = NULL;
	struct zone *z;
	assert_int_equal(tree_build(NULL, 0, &tree), 0);
	assert_int_equal(zone_new(APEX, tree, &z), 0);
	struct notify_target t = target(e, NULL);
	assert_int_equal(notify_send(e->n, z, &t, 1), ERR_NOTFOUND);
	zone_unref(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_is_rfc1996),
		cmocka_unit_test(test_check_answer),
		cmocka_unit_test_setup_teardown(test_acked_on_third_try, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gives_up_after_five, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_rcode_is_a_failed_try, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_version_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_and_skips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tsig_signed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tsig_answer_must_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_knotd_secondary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zone_without_soa, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
