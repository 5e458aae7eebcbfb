/* Unit tests for src/publish/dnssrv: the server runs on a libuv loop in
 * the test's main thread, on 127.0.0.1 port 0; a client thread queries it
 * with plain blocking sockets and records what went wrong, and the main
 * thread checks afterwards. Answers are read with libknot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <libknot/libknot.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/util/buf.h"
#include "lib/util/err.h"
#include "lib/util/log.h"
#include "lib/zone/zone_read.h"
#include "src/publish/dnssrv.h"

#define MSG_MAX 65535

struct env {
	uv_loop_t loop;
	uv_async_t wake;
	struct dnssrv *srv;
	struct zone *small; /* sign.test. */
	struct zone *big;   /* gen.test.: many times a socket's buffers */
	uint16_t port;
	pthread_t thread;
	void (*client)(struct env *);
	atomic_int stop_srv; /* the client asks the loop to stop the server */
	atomic_int done;
	char fail[256]; /* the client's first failure, or empty */
	char log_path[64];
};

/* ------------------------------------------------------------- zones */

static struct zone *load(const char *path, const char *text, size_t len, const char *origin)
{
	struct zone_msgs m;
	zone_msgs_init(&m);
	struct zone_read_opts o = {.origin = origin};
	struct zone *z = NULL;
	int rc =
		path ? zone_read_file(path, &o, &m, &z) : zone_read_mem(text, len, "t", &o, &m, &z);
	if (rc != 0)
		fprintf(stderr, "%s\n%s", err_str(rc), buf_cstr(&m.text));
	assert_int_equal(rc, 0);
	zone_msgs_deinit(&m);
	return z;
}

static struct zone *gen_zone(size_t names)
{
	struct buf t;
	buf_init(&t, 0);
	buf_printf(&t,
		"$TTL 300\n@ SOA ns1 hostmaster 9 3600 900 604800 300\n@ NS ns1\n"
		"ns1 A 192.0.2.1\n");
	for (size_t i = 0; i < names; i++)
		buf_printf(&t, "n%zu TXT \"%0250zu\"\nn%zu NS ns.p%zu.example.\n", i, i, i, i % 7);
	struct zone *z = load(NULL, buf_cstr(&t), t.len, "gen.test.");
	buf_deinit(&t);
	return z;
}

static enum dnssrv_zone lookup(
	void *ctx, const uint8_t *qname, const struct dnssrv_req *req, struct zone **out)
{
	(void)req;
	struct env *e = ctx;
	if (name_equal(qname, (const uint8_t *)"\x04sign\x04test")) {
		*out = zone_ref(e->small);
		return DNSSRV_ZONE_READY;
	}
	if (name_equal(qname, (const uint8_t *)"\x03gen\x04test")) {
		*out = zone_ref(e->big);
		return DNSSRV_ZONE_READY;
	}
	if (name_equal(qname, (const uint8_t *)"\x06nodata\x04test"))
		return DNSSRV_ZONE_NO_DATA;
	return DNSSRV_ZONE_UNKNOWN;
}

/* ----------------------------------------------------------- the loop */

static void on_wake(uv_async_t *a)
{
	struct env *e = a->data;
	if (atomic_exchange(&e->stop_srv, 0) && e->srv) {
		dnssrv_stop(e->srv);
		e->srv = NULL;
	}
	if (atomic_load(&e->done))
		uv_stop(&e->loop);
}

/* 127.0.0.1:port, UDP and TCP (config files cannot say port 0). */
static struct sockspec local_spec(uint16_t port)
{
	struct sockspec spec = {.proto = SOCKSPEC_BOTH, .addr_len = sizeof(struct sockaddr_in)};
	assert_int_equal(uv_ip4_addr("127.0.0.1", port, (struct sockaddr_in *)&spec.addr), 0);
	return spec;
}

static void start_server(struct env *e, const struct dnssrv_opts *extra)
{
	struct sockspec spec = local_spec(0);
	char err[DNSSRV_ERR_SIZE];
	struct dnssrv_opts o = {
		.name = "publication", .socks = &spec, .nsocks = 1, .lookup = lookup, .ctx = e};
	if (extra) {
		o.tcp_idle_ms = extra->tcp_idle_ms;
		o.max_tcp = extra->max_tcp;
		o.xfr_msg_size = extra->xfr_msg_size;
	}
	assert_int_equal(dnssrv_start(&e->loop, &o, &e->srv, err), 0);
	struct sockspec got[2];
	assert_int_equal(dnssrv_addrs(e->srv, got, 2), 1);
	assert_int_equal(got[0].proto, SOCKSPEC_BOTH);
	e->port = ntohs(((struct sockaddr_in *)&got[0].addr)->sin_port);
	assert_true(e->port != 0);
}

/* Loaded once for every test. */
static struct zone *small, *big;

static int group_setup(void **state)
{
	(void)state;
	small = load("tests/data/zones/sign-test.zone", NULL, 0, "sign.test.");
	big = gen_zone(40000);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	zone_unref(small);
	zone_unref(big);
	return 0;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_int_equal(uv_loop_init(&e->loop), 0);
	assert_int_equal(uv_async_init(&e->loop, &e->wake, on_wake), 0);
	e->wake.data = e;
	e->small = small;
	e->big = big;
	*state = e;
	return 0;
}

static void close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static int teardown(void **state)
{
	struct env *e = *state;
	dnssrv_stop(e->srv);
	uv_close((uv_handle_t *)&e->wake, NULL);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	/* the server freed every handle it had, and let go of every version */
	int rc = uv_loop_close(&e->loop);
	if (rc != 0) {
		uv_walk(&e->loop, close_walk, NULL);
		uv_run(&e->loop, UV_RUN_DEFAULT);
		uv_loop_close(&e->loop);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(atomic_load(&e->small->refs), 1);
	assert_int_equal(atomic_load(&e->big->refs), 1);
	free(e);
	return 0;
}

static void *client_main(void *arg)
{
	struct env *e = arg;
	e->client(e);
	atomic_store(&e->done, 1);
	uv_async_send(&e->wake);
	return NULL;
}

/* Runs client in a thread while the loop serves; fails the test with the
 * client's first failure. */
static void run_client(struct env *e, void (*client)(struct env *))
{
	e->client = client;
	atomic_store(&e->done, 0);
	e->fail[0] = 0;
	assert_int_equal(pthread_create(&e->thread, NULL, client_main, e), 0);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	pthread_join(e->thread, NULL);
	if (e->fail[0])
		fail_msg("%s", e->fail);
}

static void on_poll(uv_timer_t *t)
{
	(void)t;
}

/* Runs the loop until the version's references drop to want (the server
 * noticed a closed connection), for at most 5 s. */
static void wait_refs(struct env *e, struct zone *z, uint32_t want)
{
	uv_timer_t t;
	uv_timer_init(&e->loop, &t);
	uv_timer_start(&t, on_poll, 10, 10);
	uint64_t end = uv_now(&e->loop) + 5000;
	while (atomic_load(&z->refs) != want && uv_now(&e->loop) < end)
		uv_run(&e->loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&e->loop, UV_RUN_NOWAIT);
	assert_int_equal(atomic_load(&z->refs), want);
}

/* ---------------------------------------------------- the client side */

#define CHECK(e, cond)                                                                          \
	do {                                                                                    \
		if (!(cond)) {                                                                  \
			if (!(e)->fail[0])                                                      \
				snprintf((e)->fail, sizeof((e)->fail), "line %d: %s", __LINE__, \
					#cond);                                                 \
			return;                                                                 \
		}                                                                               \
	} while (0)

static size_t make_query(uint8_t *buf, uint16_t id, const char *name, uint16_t type, int edns)
{
	memset(buf, 0, 512);
	knot_pkt_t *p = knot_pkt_new(buf, 512, NULL);
	knot_wire_set_id(p->wire, id);
	knot_dname_storage_t qn;
	knot_dname_from_str(qn, name, sizeof(qn));
	knot_pkt_put_question(p, qn, KNOT_CLASS_IN, type);
	if (edns) {
		knot_rrset_t opt;
		knot_edns_init(&opt, (uint16_t)edns, 0, 0, NULL);
		knot_pkt_begin(p, KNOT_ADDITIONAL);
		knot_pkt_put(p, 0, &opt, KNOT_PF_FREE);
	}
	size_t len = p->size;
	knot_pkt_free(p);
	return len;
}

static void set_timeout(int fd, int ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static struct sockaddr_in server_addr(const struct env *e)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(e->port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static ssize_t udp_ask(struct env *e, const uint8_t *q, size_t qlen, uint8_t *ans)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	set_timeout(fd, 5000);
	struct sockaddr_in a = server_addr(e);
	sendto(fd, q, qlen, 0, (struct sockaddr *)&a, sizeof(a));
	ssize_t n = recv(fd, ans, MSG_MAX, 0);
	close(fd);
	return n;
}

/* rcvbuf > 0 makes the client's receive buffer that small. */
static int tcp_open(struct env *e, int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	set_timeout(fd, 5000);
	struct sockaddr_in a = server_addr(e);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool send_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static size_t frame(uint8_t *out, const uint8_t *msg, size_t len)
{
	out[0] = (uint8_t)(len >> 8);
	out[1] = (uint8_t)len;
	memcpy(out + 2, msg, len);
	return len + 2;
}

static bool recv_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = recv(fd, p, n, 0);
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

/* One message off the TCP stream; 0 on EOF, error or timeout. */
static size_t tcp_recv(int fd, uint8_t *buf)
{
	uint8_t l[2];
	if (!recv_all(fd, l, 2))
		return 0;
	size_t len = (size_t)l[0] << 8 | l[1];
	return recv_all(fd, buf, len) ? len : 0;
}

/* The rcode (extended) and answer count of a message, checked to parse. */
static bool look(uint8_t *m, size_t len, uint16_t id, unsigned *rcode, unsigned *an)
{
	knot_pkt_t *p = knot_pkt_new(m, (uint16_t)len, NULL);
	bool ok = knot_pkt_parse(p, KNOT_PF_NOCANON) == KNOT_EOK && knot_wire_get_qr(m) &&
		knot_wire_get_id(m) == id;
	*rcode = knot_pkt_ext_rcode(p);
	*an = knot_wire_get_ancount(m);
	knot_pkt_free(p);
	return ok;
}

/* Appends the RRs of an answer section as owner|type|ttl|rdlen|rdata. */
static bool collect(uint8_t *m, size_t len, struct buf *out, size_t *rrs)
{
	knot_pkt_t *p = knot_pkt_new(m, (uint16_t)len, NULL);
	if (knot_pkt_parse(p, KNOT_PF_NOCANON) != KNOT_EOK) {
		knot_pkt_free(p);
		return false;
	}
	const knot_pktsection_t *an = knot_pkt_section(p, KNOT_ANSWER);
	for (uint16_t i = 0; i < an->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(an, i);
		knot_rdata_t *rd = rr->rrs.rdata;
		for (uint16_t j = 0; j < rr->rrs.count; j++) {
			uint8_t h[8];
			knot_wire_write_u16(h, rr->type);
			knot_wire_write_u32(h + 2, rr->ttl);
			knot_wire_write_u16(h + 6, rd->len);
			buf_append(out, rr->owner, knot_dname_size(rr->owner));
			buf_append(out, h, sizeof(h));
			buf_append(out, rd->data, rd->len);
			rd = knot_rdataset_next(rd);
			(*rrs)++;
		}
	}
	knot_pkt_free(p);
	return true;
}

/* The same for the zone, in the order a transfer sends it. */
static size_t zone_rrs(const struct zone *z, struct buf *out)
{
	const struct node *apex = zone_apex_node(z);
	const struct rrset *soa = node_find(apex, KNOT_RRTYPE_SOA, 0);
	size_t n = 0;
	struct tree_iter it;
	for (int pass = 0; pass < 3; pass++) {
		struct node *nd = pass == 1 ? tree_iter_first(&it, z->tree) : (struct node *)apex;
		for (; nd; nd = pass == 1 ? tree_iter_next(&it) : NULL) {
			for (const struct rrset *r = node_first(nd); r; r = node_next(nd, r)) {
				if ((r == soa) == (pass == 1))
					continue;
				uint32_t pos = 0;
				const uint8_t *d;
				uint16_t len;
				while (rrset_next_rdata(r, &pos, &d, &len)) {
					uint8_t h[8];
					knot_wire_write_u16(h, r->type);
					knot_wire_write_u32(h + 2, r->ttl);
					knot_wire_write_u16(h + 6, len);
					buf_append(out, node_owner(nd), nd->owner_len);
					buf_append(out, h, sizeof(h));
					buf_append(out, d, len);
					n++;
				}
			}
		}
	}
	return n;
}

/* Reads a whole transfer (id) off fd and compares it with z. */
static void read_axfr(struct env *e, int fd, uint16_t id, const struct zone *z)
{
	uint8_t *m = malloc(MSG_MAX);
	struct buf got, want;
	buf_init(&got, 0);
	buf_init(&want, 0);
	size_t rrs = 0, msgs = 0, soas = 0;
	while (soas < 2) {
		size_t len = tcp_recv(fd, m);
		unsigned rc, an;
		if (len == 0 || !look(m, len, id, &rc, &an) || rc != 0 || !knot_wire_get_aa(m))
			break;
		size_t before = got.len;
		if (!collect(m, len, &got, &rrs))
			break;
		/* count SOAs: each RR starts with the owner; look at its type */
		for (size_t o = before; o < got.len;) {
			size_t ol = knot_dname_size(got.data + o);
			uint16_t t = knot_wire_read_u16(got.data + o + ol);
			soas += t == KNOT_RRTYPE_SOA;
			o += ol + 8 + knot_wire_read_u16(got.data + o + ol + 6);
		}
		msgs++;
	}
	size_t n = zone_rrs(z, &want);
	bool same = got.len == want.len && memcmp(got.data, want.data, got.len) == 0;
	buf_deinit(&got);
	buf_deinit(&want);
	free(m);
	CHECK(e, soas == 2);
	CHECK(e, rrs == n);
	CHECK(e, n == z->rrs + 1);
	CHECK(e, same);
	CHECK(e, msgs >= 1);
}

/* ---------------------------------------------------------------- tests */

static void client_udp(struct env *e)
{
	uint8_t q[512], a[MSG_MAX];
	unsigned rc, an;
	size_t ql = make_query(q, 1, "sign.test.", KNOT_RRTYPE_SOA, 1232);
	ssize_t n = udp_ask(e, q, ql, a);
	CHECK(e, n > 12 && look(a, (size_t)n, 1, &rc, &an));
	CHECK(e, rc == KNOT_RCODE_NOERROR && an == 1 && knot_wire_get_aa(a));
	CHECK(e, knot_wire_read_u16(a + n - 11 + 1) == KNOT_RRTYPE_OPT);
	ql = make_query(q, 2, "sign.test.", KNOT_RRTYPE_AXFR, 0);
	n = udp_ask(e, q, ql, a);
	CHECK(e, n >= 12 && look(a, (size_t)n, 2, &rc, &an));
	CHECK(e, rc == KNOT_RCODE_NOTIMPL && an == 0);
	ql = make_query(q, 3, "other.test.", KNOT_RRTYPE_SOA, 0);
	n = udp_ask(e, q, ql, a);
	CHECK(e, n >= 12 && look(a, (size_t)n, 3, &rc, &an) && rc == KNOT_RCODE_REFUSED);
	ql = make_query(q, 4, "nodata.test.", KNOT_RRTYPE_SOA, 1232);
	n = udp_ask(e, q, ql, a);
	CHECK(e, n >= 12 && look(a, (size_t)n, 4, &rc, &an) && rc == KNOT_RCODE_SERVFAIL);
	/* garbage gets FORMERR, a response nothing (the next query's answer
	 * is what arrives) */
	uint8_t junk[20] = {0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0};
	n = udp_ask(e, junk, sizeof(junk), a);
	CHECK(e, n == 12 && look(a, (size_t)n, 5, &rc, &an) && rc == KNOT_RCODE_FORMERR);
}

static void test_udp(void **state)
{
	struct env *e = *state;
	start_server(e, NULL);
	run_client(e, client_udp);
}

static void client_tcp(struct env *e)
{
	uint8_t q[512], f[600], *a = malloc(MSG_MAX);
	unsigned rc, an;
	int fd = tcp_open(e, 0);
	CHECK(e, fd >= 0);
	size_t ql = make_query(q, 7, "sign.test.", KNOT_RRTYPE_SOA, 0);
	CHECK(e, send_all(fd, f, frame(f, q, ql)));
	size_t n = tcp_recv(fd, a);
	CHECK(e, n > 12 && look(a, n, 7, &rc, &an) && rc == 0 && an == 1);
	ql = make_query(q, 8, "sign.test.", KNOT_RRTYPE_AXFR, 0);
	CHECK(e, send_all(fd, f, frame(f, q, ql)));
	read_axfr(e, fd, 8, e->small);
	ql = make_query(q, 9, "other.test.", KNOT_RRTYPE_AXFR, 1232);
	CHECK(e, send_all(fd, f, frame(f, q, ql)));
	n = tcp_recv(fd, a);
	CHECK(e, n >= 12 && look(a, n, 9, &rc, &an) && rc == KNOT_RCODE_NOTAUTH);
	ql = make_query(q, 10, "nodata.test.", KNOT_RRTYPE_AXFR, 0);
	CHECK(e, send_all(fd, f, frame(f, q, ql)));
	n = tcp_recv(fd, a);
	CHECK(e, n >= 12 && look(a, n, 10, &rc, &an) && rc == KNOT_RCODE_SERVFAIL);
	close(fd);
	free(a);
}

static void test_tcp(void **state)
{
	struct env *e = *state;
	start_server(e, NULL);
	run_client(e, client_tcp);
}

/* A big zone over several messages, and the log line it leaves. */
static void client_big_axfr(struct env *e)
{
	uint8_t q[512], f[600];
	int fd = tcp_open(e, 0);
	CHECK(e, fd >= 0);
	size_t ql = make_query(q, 11, "gen.test.", KNOT_RRTYPE_AXFR, 0);
	CHECK(e, send_all(fd, f, frame(f, q, ql)));
	read_axfr(e, fd, 11, e->big);
	close(fd);
}

static bool log_has(const char *path, const char *what)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char line[LOG_LINE_MAX];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, what) != NULL;
	fclose(f);
	return found;
}

static void test_big_axfr(void **state)
{
	struct env *e = *state;
	char path[] = "/tmp/test_dnssrv_log_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(log_open_file(path), 0);
	start_server(e, NULL);
	run_client(e, client_big_axfr);
	wait_refs(e, e->big, 1);
	char want[128];
	snprintf(want, sizeof(want), "publication: AXFR of gen.test. serial 9 to 127.0.0.1#");
	bool logged = log_has(path, want);
	snprintf(want, sizeof(want), ": %zu RRs in ", e->big->rrs + 1);
	logged = logged && log_has(path, want);
	log_close();
	unlink(path);
	assert_true(logged);
}

/* Queries pipelined on one connection, sent in pieces, are answered in
 * order, the transfer's messages before the next answer (RFC 7766 §6.2.1). */
static void client_pipelined(struct env *e)
{
	uint8_t q[512], all[2000], *a = malloc(MSG_MAX);
	size_t off = 0;
	off += frame(all + off, q, make_query(q, 21, "sign.test.", KNOT_RRTYPE_SOA, 0));
	off += frame(all + off, q, make_query(q, 22, "sign.test.", KNOT_RRTYPE_AXFR, 1232));
	off += frame(all + off, q, make_query(q, 23, "other.test.", KNOT_RRTYPE_SOA, 0));
	off += frame(all + off, q, make_query(q, 24, "sign.test.", KNOT_RRTYPE_SOA, 0));
	int fd = tcp_open(e, 0);
	CHECK(e, fd >= 0);
	/* 1 octet, then odd pieces, so frames and lengths arrive split */
	size_t cuts[] = {1, 2, 15, 40, 41, off};
	size_t at = 0;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		CHECK(e, send_all(fd, all + at, cuts[i] - at));
		at = cuts[i];
		usleep(20000);
	}
	unsigned rc, an;
	size_t n = tcp_recv(fd, a);
	CHECK(e, n > 0 && look(a, n, 21, &rc, &an) && rc == 0 && an == 1);
	read_axfr(e, fd, 22, e->small);
	n = tcp_recv(fd, a);
	CHECK(e, n > 0 && look(a, n, 23, &rc, &an) && rc == KNOT_RCODE_REFUSED);
	n = tcp_recv(fd, a);
	CHECK(e, n > 0 && look(a, n, 24, &rc, &an) && rc == 0 && an == 1);
	close(fd);
	free(a);
}

static void test_pipelined(void **state)
{
	struct env *e = *state;
	start_server(e, NULL);
	run_client(e, client_pipelined);
}

/* A client that sends its queries and half-closes still gets every answer,
 * then the end of the stream, even when it reads them only later (the
 * answers queue up at the server while the end of its input is seen). */
#define HALF_CLOSE_QUERIES 1000
static void client_half_close(struct env *e)
{
	uint8_t q[512], *all = malloc(HALF_CLOSE_QUERIES * 40 + 100), *a = malloc(MSG_MAX);
	size_t off = frame(all, q, make_query(q, 25, "sign.test.", KNOT_RRTYPE_AXFR, 0));
	for (int i = 0; i < HALF_CLOSE_QUERIES; i++)
		off += frame(all + off, q,
			make_query(q, (uint16_t)(1000 + i), "sign.test.", KNOT_RRTYPE_SOA, 0));
	int fd = tcp_open(e, 4096);
	CHECK(e, fd >= 0);
	CHECK(e, send_all(fd, all, off));
	shutdown(fd, SHUT_WR);
	usleep(300000);
	read_axfr(e, fd, 25, e->small);
	int answered = 0;
	for (int i = 0; i < HALF_CLOSE_QUERIES; i++) {
		unsigned rc, an;
		size_t n = tcp_recv(fd, a);
		if (n == 0 || !look(a, n, (uint16_t)(1000 + i), &rc, &an) || rc != 0 || an != 1)
			break;
		answered++;
	}
	uint8_t b;
	bool eof = recv(fd, &b, 1, 0) == 0;
	close(fd);
	free(a);
	free(all);
	CHECK(e, answered == HALF_CLOSE_QUERIES);
	CHECK(e, eof);
}

static void test_half_close(void **state)
{
	struct env *e = *state;
	start_server(e, NULL);
	run_client(e, client_half_close);
}

/* The client reads one message of a big transfer, stops, then closes: the
 * server lets go of the version. */
static void client_stall_close(struct env *e)
{
	uint8_t q[512], f[600], *a = malloc(MSG_MAX);
	int fd = tcp_open(e, 4096);
	CHECK(e, fd >= 0);
	size_t ql = make_query(q, 31, "gen.test.", KNOT_RRTYPE_AXFR, 0);
	CHECK(e, send_all(fd, f, frame(f, q, ql)));
	CHECK(e, tcp_recv(fd, a) > 0);
	usleep(300000);
	CHECK(e, atomic_load(&e->big->refs) > 1); /* the transfer still holds it */
	close(fd);
	free(a);
}

static void test_stall_then_close(void **state)
{
	struct env *e = *state;
	start_server(e, NULL);
	run_client(e, client_stall_close);
	wait_refs(e, e->big, 1);
}

/* A client that stops reading is dropped after the idle time. */
static void client_stall(struct env *e)
{
	uint8_t q[512], f[600], *a = malloc(MSG_MAX);
	int fd = tcp_open(e, 4096);
	CHECK(e, fd >= 0);
	size_t ql = make_query(q, 32, "gen.test.", KNOT_RRTYPE_AXFR, 0);
	CHECK(e, send_all(fd, f, frame(f, q, ql)));
	CHECK(e, tcp_recv(fd, a) > 0);
	for (int i = 0; i < 100 && atomic_load(&e->big->refs) > 1; i++)
		usleep(20000);
	CHECK(e, atomic_load(&e->big->refs) == 1);
	/* what was queued arrives, then the end of the stream */
	size_t n;
	while ((n = tcp_recv(fd, a)) > 0)
		;
	close(fd);
	free(a);
}

static void test_stall_timeout(void **state)
{
	struct env *e = *state;
	struct dnssrv_opts o = {.tcp_idle_ms = 300};
	start_server(e, &o);
	run_client(e, client_stall);
}

/* The server is stopped while a transfer is queued. */
static void client_stop(struct env *e)
{
	uint8_t q[512], f[600], *a = malloc(MSG_MAX);
	int fd = tcp_open(e, 4096);
	CHECK(e, fd >= 0);
	size_t ql = make_query(q, 41, "gen.test.", KNOT_RRTYPE_AXFR, 0);
	CHECK(e, send_all(fd, f, frame(f, q, ql)));
	CHECK(e, tcp_recv(fd, a) > 0);
	atomic_store(&e->stop_srv, 1);
	uv_async_send(&e->wake);
	for (int i = 0; i < 250 && atomic_load(&e->big->refs) > 1; i++)
		usleep(20000);
	CHECK(e, atomic_load(&e->big->refs) == 1);
	size_t n, msgs = 0;
	while ((n = tcp_recv(fd, a)) > 0)
		msgs++;
	close(fd);
	free(a);
	/* the stream ended early: not the whole zone */
	CHECK(e, msgs < 200);
}

static void test_stop_in_flight(void **state)
{
	struct env *e = *state;
	start_server(e, NULL);
	run_client(e, client_stop);
	assert_null(e->srv);
}

/* Connections over the cap are closed at once; idle ones after the idle
 * time; the others still answer. */
static void client_limits(struct env *e)
{
	uint8_t q[512], f[600], a[MSG_MAX];
	int fds[3];
	for (int i = 0; i < 3; i++) {
		fds[i] = tcp_open(e, 0);
		CHECK(e, fds[i] >= 0);
		usleep(50000);
	}
	uint8_t b;
	CHECK(e, recv(fds[2], &b, 1, 0) == 0); /* over the cap: closed */
	size_t ql = make_query(q, 51, "sign.test.", KNOT_RRTYPE_SOA, 0);
	CHECK(e, send_all(fds[0], f, frame(f, q, ql)));
	unsigned rc, an;
	size_t n = tcp_recv(fds[0], a);
	CHECK(e, n > 0 && look(a, n, 51, &rc, &an) && rc == 0);
	/* fds[1] said nothing: closed after the idle time (within a bound) */
	struct timeval t0, t1;
	gettimeofday(&t0, NULL);
	CHECK(e, recv(fds[1], &b, 1, 0) == 0);
	gettimeofday(&t1, NULL);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000;
	CHECK(e, ms < 3000);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}

static void test_limits(void **state)
{
	struct env *e = *state;
	struct dnssrv_opts o = {.tcp_idle_ms = 600, .max_tcp = 2};
	start_server(e, &o);
	run_client(e, client_limits);
}

/* A port in use: the error names the socket and the reason, and the
 * half-started server is cleaned up. */
static void test_bind_error(void **state)
{
	struct env *e = *state;
	start_server(e, NULL);
	char err[DNSSRV_ERR_SIZE];
	struct sockspec specs[2] = {local_spec(0), local_spec(e->port)};
	struct dnssrv_opts o = {
		.name = "review", .socks = specs, .nsocks = 2, .lookup = lookup, .ctx = e};
	struct dnssrv *s2 = (struct dnssrv *)1;
	int rc = dnssrv_start(&e->loop, &o, &s2, err);
	assert_int_equal(rc, UV_EADDRINUSE);
	assert_null(s2);
	char want[96];
	snprintf(want, sizeof(want), "127.0.0.1:%u (tcp): address already in use", e->port);
	assert_string_equal(err, want);
	uv_run(&e->loop, UV_RUN_NOWAIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_udp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_axfr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall_then_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_error, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
