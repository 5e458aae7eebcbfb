/* Tests of src/load/xfrin against a real knotd primary on 127.0.0.1 (a
 * random free port, a temporary directory; skipped when knotd is not
 * installed): AXFR without a local copy, IXFR after a change on the
 * primary, up to date, AXFR-style IXFR, forced AXFR, TSIG with the right
 * and a wrong key; and without knotd: timeouts, a refused connection and
 * a cancel. Each refresh runs on its own libuv loop, which must end with
 * every handle closed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/util/buf.h"
#include "lib/util/err.h"
#include "lib/zone/zone_diff.h"
#include "lib/zone/zone_read.h"
#include "src/load/xfrin.h"

extern char **environ;

#define KNOTD "/usr/sbin/knotd"
#define KNOTC "/usr/sbin/knotc"
#define SECRET "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="
#define WRONG "d3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmctd3JvbmctMTI="
#define PLAIN ((const uint8_t *)"\x05plain\x04test")
#define SIGNED ((const uint8_t *)"\x06signed\x04test")

struct env {
	char dir[64];
	char conf[128];
	uint16_t port;
	pid_t knotd;
	unsigned changes;
};

struct outcome {
	bool called;
	enum xfrin_refresh_status status;
	enum xfrin_kind kind;
	bool fell_back;
	struct zone *zone;
	bool have_soa;
	struct xfrin_soa soa;
	char error[XFRIN_REFRESH_ERR_SIZE];
	char fallback[XFRIN_REFRESH_ERR_SIZE];
};

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int run_wait(char *const argv[])
{
	pid_t pid;
	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_file(const char *path, const char *text)
{
	char tmp[256];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, path), 0);
}

/* The zone at serial 2024010100 + n with change1..n TXT records. */
static void write_zone(struct env *e, const char *zone, unsigned n)
{
	struct buf t;
	buf_init(&t, 0);
	buf_printf(&t, "$ORIGIN %s.\n$TTL 300\n@ SOA ns1 hostmaster %u 60 30 3600 60\n", zone,
		2024010100 + n);
	buf_printf(&t,
		"@ NS ns1\n@ NS ns2\nns1 A 127.0.0.1\nns2 A 127.0.0.2\n"
		"www A 192.0.2.80\nwww AAAA 2001:db8::80\nmail MX 10 www\n");
	for (unsigned i = 1; i <= n; i++)
		buf_printf(&t, "change%u TXT \"change number %u\"\n", i, i);
	char path[256];
	snprintf(path, sizeof(path), "%s/%s.zone", e->dir, zone);
	write_file(path, buf_cstr(&t));
	buf_deinit(&t);
}

/* A port free for both TCP and UDP on 127.0.0.1 (as free as can be told). */
static uint16_t free_port(void)
{
	for (int tries = 0; tries < 50; tries++) {
		int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in a = {.sin_family = AF_INET};
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		socklen_t len = sizeof(a);
		uint16_t port = 0;
		if (bind(t, (struct sockaddr *)&a, sizeof(a)) == 0 &&
			getsockname(t, (struct sockaddr *)&a, &len) == 0 &&
			bind(u, (struct sockaddr *)&a, sizeof(a)) == 0)
			port = ntohs(a.sin_port);
		close(t);
		close(u);
		if (port)
			return port;
	}
	fail_msg("no free port");
	return 0;
}

static void write_conf(struct env *e)
{
	struct buf t;
	buf_init(&t, 0);
	buf_printf(&t,
		"server:\n    rundir: \"%s\"\n    listen: 127.0.0.1@%u\n"
		"    background-workers: 1\n    udp-workers: 1\n    tcp-workers: 1\n"
		"database:\n    storage: \"%s\"\ncontrol:\n    listen: \"%s/knot.sock\"\n"
		"log:\n  - target: \"%s/knotd.log\"\n    any: info\n"
		"key:\n  - id: xfr-key\n    algorithm: hmac-sha256\n    secret: %s\n"
		"acl:\n  - id: plain\n    address: 127.0.0.0/8\n    action: transfer\n"
		"  - id: signed\n    address: 127.0.0.0/8\n    key: xfr-key\n    action: transfer\n"
		"template:\n  - id: default\n    storage: \"%s\"\n    zonefile-sync: -1\n"
		"    zonefile-load: difference\n    journal-content: changes\n"
		"zone:\n  - domain: plain.test\n    file: \"%s/plain.test.zone\"\n    acl: plain\n"
		"  - domain: signed.test\n    file: \"%s/signed.test.zone\"\n    acl: signed\n",
		e->dir, e->port, e->dir, e->dir, e->dir, SECRET, e->dir, e->dir, e->dir);
	snprintf(e->conf, sizeof(e->conf), "%s/knot.conf", e->dir);
	write_file(e->conf, buf_cstr(&t));
	buf_deinit(&t);
}

static int setup(void **state)
{
	if (access(KNOTD, X_OK) != 0) {
		*state = NULL;
		return 0;
	}
	struct env *e = calloc(1, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "/tmp/xfrin-test.XXXXXX");
	if (!mkdtemp(e->dir))
		return -1;
	e->port = free_port();
	write_zone(e, "plain.test", 0);
	write_zone(e, "signed.test", 0);
	write_conf(e);
	char *argv[] = {KNOTD, "-c", e->conf, NULL};
	int fd = open("/dev/null", O_WRONLY);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	int rc = posix_spawn(&e->knotd, KNOTD, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd);
	if (rc != 0)
		return -1;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	if (!e)
		return 0;
	kill(e->knotd, SIGTERM);
	for (int i = 0; i < 50 && waitpid(e->knotd, NULL, WNOHANG) == 0; i++)
		sleep_ms(100);
	kill(e->knotd, SIGKILL);
	waitpid(e->knotd, NULL, WNOHANG);
	char *argv[] = {"/bin/rm", "-rf", e->dir, NULL};
	run_wait(argv);
	free(e);
	return 0;
}

/* ------------------------------------------------------------ refreshes */

static void on_result(void *ctx, const struct xfrin_refresh_result *r)
{
	struct outcome *o = ctx;
	assert_false(o->called);
	o->called = true;
	o->status = r->status;
	o->kind = r->kind;
	o->fell_back = r->fell_back;
	o->zone = r->zone;
	o->have_soa = r->have_soa;
	o->soa = r->soa;
	if (r->error)
		snprintf(o->error, sizeof(o->error), "%s", r->error);
	if (r->fallback)
		snprintf(o->fallback, sizeof(o->fallback), "%s", r->fallback);
	assert_true((r->status == XFRIN_REFRESH_FAILED) == (r->error != NULL));
	assert_true((r->status == XFRIN_REFRESH_NEW_VERSION) == (r->zone != NULL));
}

static struct xfrin_refresh_opts opts_for(uint16_t port, const uint8_t *apex, struct zone *base)
{
	struct xfrin_refresh_opts o = {
		.apex = apex, .base = base, .read_ms = 5000, .udp_ms = 1000, .total_ms = 20000};
	struct sockaddr_in *a = (struct sockaddr_in *)&o.primary;
	assert_int_equal(uv_ip4_addr("127.0.0.1", port, a), 0);
	return o;
}

/* Runs one refresh on a loop of its own to the end. */
static struct outcome run_refresh(struct xfrin_refresh_opts o)
{
	struct outcome out = {.called = false};
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	o.cb = on_result;
	o.ctx = &out;
	struct xfrin_refresh *r;
	assert_int_equal(xfrin_refresh_start(&loop, &o, &r), 0);
	assert_false(out.called); /* never inside the start */
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_true(out.called);
	assert_int_equal(uv_loop_close(&loop), 0);
	return out;
}

static struct outcome refresh(struct env *e, const uint8_t *apex, struct zone *base,
	const struct tsig_key *key, bool force)
{
	struct xfrin_refresh_opts o = opts_for(e->port, apex, base);
	o.key = key;
	o.force_axfr = force;
	return run_refresh(o);
}

/* An AXFR of the plain zone, waiting for knotd to come up and load it. */
static struct zone *first_axfr(struct env *e)
{
	struct outcome o;
	for (int i = 0;; i++) {
		o = refresh(e, PLAIN, NULL, NULL, false);
		if (o.status != XFRIN_REFRESH_FAILED || i == 100)
			break;
		sleep_ms(100);
	}
	if (o.status == XFRIN_REFRESH_FAILED)
		fail_msg("%s", o.error);
	assert_int_equal(o.status, XFRIN_REFRESH_NEW_VERSION);
	return o.zone;
}

/* Changes the plain zone on the primary (one TXT more, serial + 1) and
 * waits until it serves it. */
static void change_primary(struct env *e)
{
	e->changes++;
	write_zone(e, "plain.test", e->changes);
	char *argv[] = {KNOTC, "-c", e->conf, "zone-reload", "plain.test", NULL};
	int fd = open("/dev/null", O_WRONLY), saved = dup(1);
	dup2(fd, 1);
	int rc = run_wait(argv);
	dup2(saved, 1);
	close(fd);
	close(saved);
	assert_int_equal(rc, 0);
}

static void assert_has_change(const struct zone *z, unsigned n)
{
	uint8_t name[64];
	int l = snprintf((char *)name + 1, sizeof(name) - 1, "change%u", n);
	name[0] = (uint8_t)l;
	memcpy(name + 1 + l, PLAIN, sizeof("\x05plain\x04test"));
	assert_non_null(zone_find_rrset(z, name, 16, 0));
}

static void test_axfr_ixfr_up_to_date(void **state)
{
	struct env *e = *state;
	if (!e)
		skip();
	struct zone *v0 = first_axfr(e);
	assert_int_equal(v0->serial, 2024010100);
	assert_int_equal(v0->rrs, 8);
	/* up to date: the SOA query settles it */
	struct outcome o = refresh(e, PLAIN, v0, NULL, false);
	assert_int_equal(o.status, XFRIN_REFRESH_UP_TO_DATE);
	assert_int_equal(o.kind, XFRIN_KIND_NONE);
	assert_true(o.have_soa);
	assert_int_equal(o.soa.serial, 2024010100);
	assert_int_equal(o.soa.refresh, 60);
	assert_int_equal(o.soa.retry, 30);
	assert_int_equal(o.soa.expire, 3600);
	/* a change on the primary comes by IXFR */
	change_primary(e);
	for (int i = 0; i < 100; i++) {
		o = refresh(e, PLAIN, v0, NULL, false);
		if (o.status != XFRIN_REFRESH_UP_TO_DATE)
			break;
		sleep_ms(100);
	}
	if (o.status == XFRIN_REFRESH_FAILED)
		fail_msg("%s", o.error);
	assert_int_equal(o.status, XFRIN_REFRESH_NEW_VERSION);
	assert_int_equal(o.kind, XFRIN_KIND_IXFR);
	assert_false(o.fell_back);
	assert_int_equal(o.zone->serial, 2024010101);
	assert_int_equal(o.soa.serial, 2024010101);
	assert_has_change(o.zone, 1);
	struct zone *v1 = o.zone;
	/* a forced reload takes the whole zone, the same version */
	o = refresh(e, PLAIN, v1, NULL, true);
	assert_int_equal(o.status, XFRIN_REFRESH_NEW_VERSION);
	assert_int_equal(o.kind, XFRIN_KIND_AXFR);
	struct zone_diff d;
	zone_diff_init(&d);
	assert_int_equal(zone_diff_compute(v1, o.zone, &d), 0);
	assert_int_equal(d.added.n + d.removed.n, 0);
	zone_diff_deinit(&d);
	zone_unref(o.zone);
	zone_unref(v1);
	zone_unref(v0);
}

/* Asked from a serial the primary has no history of, knotd answers with
 * the whole zone in an IXFR (RFC 1995 §4). */
static void test_ixfr_axfr_style(void **state)
{
	struct env *e = *state;
	if (!e)
		skip();
	struct zone *cur = first_axfr(e);
	struct zone_msgs m;
	zone_msgs_init(&m);
	struct zone_read_opts ro = {.origin = "plain.test."};
	static const char old[] = "@ 300 SOA ns1 hostmaster 2000000000 60 30 3600 60\n"
				  "@ 300 NS ns1\nns1 300 A 127.0.0.1\n";
	struct zone *base;
	assert_int_equal(zone_read_mem(old, sizeof(old) - 1, "old", &ro, &m, &base), 0);
	zone_msgs_deinit(&m);
	struct outcome o = refresh(e, PLAIN, base, NULL, false);
	if (o.status == XFRIN_REFRESH_FAILED)
		fail_msg("%s", o.error);
	assert_int_equal(o.status, XFRIN_REFRESH_NEW_VERSION);
	assert_int_equal(o.kind, XFRIN_KIND_IXFR_AXFR);
	assert_int_equal(o.zone->serial, cur->serial);
	assert_int_equal(o.zone->rrs, cur->rrs);
	zone_unref(o.zone);
	zone_unref(base);
	zone_unref(cur);
}

static void test_tsig(void **state)
{
	struct env *e = *state;
	if (!e)
		skip();
	zone_unref(first_axfr(e)); /* knotd is up */
	struct tsig_key good, bad;
	char err[TSIG_ERR_SIZE];
	assert_int_equal(tsig_key_make(&good, "xfr-key", "hmac-sha256", SECRET, err), 0);
	assert_int_equal(tsig_key_make(&bad, "xfr-key", "hmac-sha256", WRONG, err), 0);
	/* without a key the signed zone is refused */
	struct outcome o = refresh(e, SIGNED, NULL, NULL, false);
	assert_int_equal(o.status, XFRIN_REFRESH_FAILED);
	assert_string_equal(o.error, "the AXFR failed: message 1: the primary answered NOTAUTH");
	o = refresh(e, SIGNED, NULL, &good, false);
	if (o.status == XFRIN_REFRESH_FAILED)
		fail_msg("%s", o.error);
	assert_int_equal(o.status, XFRIN_REFRESH_NEW_VERSION);
	assert_int_equal(o.kind, XFRIN_KIND_AXFR);
	struct zone *v = o.zone;
	o = refresh(e, SIGNED, v, &good, false);
	assert_int_equal(o.status, XFRIN_REFRESH_UP_TO_DATE);
	/* a wrong key fails cleanly, in the SOA query and in the AXFR */
	o = refresh(e, SIGNED, v, &bad, false);
	assert_int_equal(o.status, XFRIN_REFRESH_FAILED);
	assert_string_equal(o.error, "could not retrieve the SOA record: TSIG: BADSIG");
	o = refresh(e, SIGNED, NULL, &bad, false);
	assert_int_equal(o.status, XFRIN_REFRESH_FAILED);
	assert_string_equal(o.error, "the AXFR failed: TSIG: BADSIG");
	zone_unref(v);
	/* the cap on octets, named */
	struct xfrin_refresh_opts ro = opts_for(e->port, SIGNED, NULL);
	ro.key = &good;
	ro.limits.octets = 100;
	o = run_refresh(ro);
	assert_int_equal(o.status, XFRIN_REFRESH_FAILED);
	assert_string_equal(o.error, "the AXFR failed: transfer exceeds 100 octets (limit)");
}

/* ------------------------------------------- ldns-testns, scripted */

#define TESTNS "/usr/bin/ldns-testns"

/* A canned entry: the answer to qtype for zone, records in presentation
 * form (one a line). */
static void testns_entry(
	struct buf *t, const char *zone, const char *qtype, const char *rcode, const char *answer)
{
	buf_printf(t,
		"ENTRY_BEGIN\nMATCH opcode qtype qname\nADJUST copy_id\nREPLY QR AA %s\n"
		"SECTION QUESTION\n%s. IN %s\nSECTION ANSWER\n%sENTRY_END\n\n",
		rcode, zone, qtype, answer);
}

static void testns_soa(char *out, size_t size, const char *zone, unsigned serial)
{
	snprintf(out, size, "%s. 300 IN SOA ns1.%s. h.%s. %u 60 30 3600 60\n", zone, zone, zone,
		serial);
}

/* Each zone answers SOA with serial 7 and AXFR with its whole version 7;
 * IXFR differs: NOTIMPL, a lone SOA, differences that do not fit ours, and
 * a zone whose AXFR stops before the closing SOA. */
static void testns_data(const char *path)
{
	static const char *const zones[] = {
		"notimp.test", "lone.test", "broken.test", "short.test"};
	struct buf t;
	buf_init(&t, 0);
	for (size_t i = 0; i < 4; i++) {
		const char *z = zones[i];
		char s7[256], s1[256], body[512], full[1024];
		testns_soa(s7, sizeof(s7), z, 7);
		testns_soa(s1, sizeof(s1), z, 1);
		snprintf(body, sizeof(body), "%s. 300 IN NS ns1.%s.\nns1.%s. 300 IN A 127.0.0.1\n",
			z, z, z);
		snprintf(full, sizeof(full), "%s%s%s", s7, body, i == 3 ? "" : s7);
		testns_entry(&t, z, "SOA", "NOERROR", s7);
		testns_entry(&t, z, "AXFR", "NOERROR", full);
		if (i == 0) {
			testns_entry(&t, z, "IXFR", "NOTIMPL", "");
		} else if (i == 1 || i == 3) {
			testns_entry(&t, z, "IXFR", "NOERROR", s7);
		} else {
			char ixfr[2048];
			snprintf(ixfr, sizeof(ixfr), "%s%sgone.%s. 300 IN A 192.0.2.1\n%s%s", s7,
				s1, z, s7, s7);
			testns_entry(&t, z, "IXFR", "NOERROR", ixfr);
		}
	}
	write_file(path, buf_cstr(&t));
	buf_deinit(&t);
}

static bool tcp_up(uint16_t port)
{
	int t = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bool up = connect(t, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(t);
	return up;
}

static struct zone *base_of(const char *zone)
{
	char text[512], origin[64];
	snprintf(text, sizeof(text),
		"@ 300 SOA ns1 h 1 60 30 3600 60\n@ 300 NS ns1\nns1 300 A 127.0.0.1\n");
	snprintf(origin, sizeof(origin), "%s.", zone);
	struct zone_msgs m;
	zone_msgs_init(&m);
	struct zone_read_opts ro = {.origin = origin};
	struct zone *z;
	assert_int_equal(zone_read_mem(text, strlen(text), "base", &ro, &m, &z), 0);
	zone_msgs_deinit(&m);
	return z;
}

static struct outcome testns_refresh(uint16_t port, const char *zone)
{
	struct zone *base = base_of(zone);
	struct xfrin_refresh_opts o = opts_for(port, base->apex, base);
	struct outcome out = run_refresh(o);
	zone_unref(base);
	return out;
}

static void test_fallbacks(void **state)
{
	(void)state;
	if (access(TESTNS, X_OK) != 0)
		skip();
	char dir[] = "/tmp/xfrin-testns.XXXXXX", path[64], port_s[8];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/data", dir);
	testns_data(path);
	uint16_t port = free_port();
	snprintf(port_s, sizeof(port_s), "%u", port);
	char *argv[] = {TESTNS, "-p", port_s, path, NULL};
	int fd = open("/dev/null", O_WRONLY);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	pid_t pid;
	assert_int_equal(posix_spawn(&pid, TESTNS, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(fd);
	for (int i = 0; i < 100 && !tcp_up(port); i++)
		sleep_ms(50);

	struct outcome o = testns_refresh(port, "notimp.test");
	assert_int_equal(o.status, XFRIN_REFRESH_NEW_VERSION);
	assert_true(o.fell_back);
	assert_int_equal(o.kind, XFRIN_KIND_AXFR);
	assert_string_equal(o.fallback, "message 1: the primary answered NOTIMP");
	assert_int_equal(o.zone->serial, 7);
	zone_unref(o.zone);

	o = testns_refresh(port, "lone.test");
	assert_int_equal(o.status, XFRIN_REFRESH_NEW_VERSION);
	assert_true(o.fell_back);
	assert_string_equal(o.fallback,
		"the IXFR was answered with a lone SOA of serial 7, newer than ours (1)");
	zone_unref(o.zone);

	o = testns_refresh(port, "broken.test");
	assert_int_equal(o.status, XFRIN_REFRESH_NEW_VERSION);
	assert_true(o.fell_back);
	assert_non_null(strstr(o.fallback,
		"IXFR: difference sequence from 1 to 7 does not apply: "
		"gone.broken.test. A: "));
	zone_unref(o.zone);

	o = testns_refresh(port, "short.test");
	assert_int_equal(o.status, XFRIN_REFRESH_FAILED);
	assert_true(o.fell_back);
	assert_string_equal(o.error,
		"the AXFR failed: the stream ended early: no closing SOA after "
		"1 message and 3 records");

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(path);
	rmdir(dir);
}

/* ------------------------------------------------------ without knotd */

/* A UDP socket that reads and never answers. */
static int silent_udp(uint16_t *port)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	assert_int_equal(bind(u, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(u, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return u;
}

static void test_timeouts(void **state)
{
	(void)state;
	uint16_t port;
	int u = silent_udp(&port);
	struct zone_msgs m;
	zone_msgs_init(&m);
	struct zone_read_opts ro = {.origin = "plain.test."};
	static const char text[] = "@ 300 SOA ns1 hostmaster 1 60 30 3600 60\n@ 300 NS ns1\n";
	struct zone *base;
	assert_int_equal(zone_read_mem(text, sizeof(text) - 1, "t", &ro, &m, &base), 0);
	zone_msgs_deinit(&m);
	struct xfrin_refresh_opts o = opts_for(port, PLAIN, base);
	o.udp_ms = 300;
	struct outcome out = run_refresh(o);
	assert_int_equal(out.status, XFRIN_REFRESH_FAILED);
	assert_string_equal(out.error, "could not retrieve the SOA record: timeout after 1 s");
	/* the query came twice */
	uint8_t buf[512];
	int got = 0;
	while (recv(u, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		got++;
	assert_int_equal(got, 2);
	/* the total time caps the refresh too */
	o.udp_ms = 5000;
	o.total_ms = 200;
	out = run_refresh(o);
	assert_string_equal(out.error,
		"could not retrieve the SOA record: timeout: the refresh "
		"took over 1 s");
	/* nobody listens on TCP there */
	o = opts_for(port, PLAIN, NULL);
	out = run_refresh(o);
	assert_int_equal(out.status, XFRIN_REFRESH_FAILED);
	assert_string_equal(out.error, "the AXFR failed: could not connect: connection refused");
	close(u);
	zone_unref(base);
}

static void cancel_now(uv_timer_t *t)
{
	xfrin_refresh_cancel(t->data);
	uv_close((uv_handle_t *)t, NULL);
}

static void test_cancel(void **state)
{
	(void)state;
	uint16_t port;
	int u = silent_udp(&port);
	struct zone_msgs m;
	zone_msgs_init(&m);
	struct zone_read_opts ro = {.origin = "plain.test."};
	static const char text[] = "@ 300 SOA ns1 hostmaster 1 60 30 3600 60\n@ 300 NS ns1\n";
	struct zone *base;
	assert_int_equal(zone_read_mem(text, sizeof(text) - 1, "t", &ro, &m, &base), 0);
	zone_msgs_deinit(&m);
	for (unsigned after = 0; after < 3; after++) {
		uv_loop_t loop;
		assert_int_equal(uv_loop_init(&loop), 0);
		struct outcome out = {.called = false};
		struct xfrin_refresh_opts o = opts_for(port, PLAIN, base);
		o.cb = on_result;
		o.ctx = &out;
		struct xfrin_refresh *r;
		assert_int_equal(xfrin_refresh_start(&loop, &o, &r), 0);
		uv_timer_t t;
		uv_timer_init(&loop, &t);
		t.data = r;
		uv_timer_start(&t, cancel_now, after * 50, 0);
		uv_run(&loop, UV_RUN_DEFAULT);
		assert_false(out.called);
		assert_int_equal(uv_loop_close(&loop), 0);
	}
	/* the refresh held its own reference */
	assert_int_equal(atomic_load(&base->refs), 1);
	close(u);
	zone_unref(base);
}

static void test_bad_opts(void **state)
{
	(void)state;
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	struct outcome out = {.called = false};
	struct xfrin_refresh_opts o = opts_for(53, PLAIN, NULL);
	struct xfrin_refresh *r;
	assert_int_equal(xfrin_refresh_start(&loop, &o, &r), ERR_INVAL); /* no callback */
	o.cb = on_result;
	o.ctx = &out;
	o.primary.ss_family = AF_UNIX;
	assert_int_equal(xfrin_refresh_start(&loop, &o, &r), ERR_INVAL);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_axfr_ixfr_up_to_date, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ixfr_axfr_style, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tsig, setup, teardown),
		cmocka_unit_test(test_fallbacks),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_bad_opts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
