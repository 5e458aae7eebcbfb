/* xfrin.c - one refresh of a zone from a primary: the SOA query, IXFR and
 * AXFR over libuv, the parse on the thread pool (see xfrin.h). */
#include "src/load/xfrin.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dnssec/serial.h"
#include "lib/util/array.h"
#include "lib/util/err.h"

#define TCP_IN_CAP (2 + 65535) /* one whole message and its length (RFC 1035 §4.2.2) */

enum phase {
	PH_SOA_UDP,
	PH_SOA_TCP,
	PH_IXFR,
	PH_AXFR,
	PH_WORK,
	PH_DONE,
};

struct xfrin_refresh;

/* One socket; freed when libuv has closed it. Its requests live in it, so
 * their callbacks (cancelled ones included) come before the close's. */
struct sock {
	union {
		uv_handle_t h;
		uv_stream_t st;
		uv_tcp_t tcp;
		uv_udp_t udp;
	} u;
	uv_connect_t creq;
	uv_write_t wreq;
	uv_udp_send_t sreq;
	struct xfrin_refresh *r;
};

struct message {
	size_t len;
	int64_t at; /* when it came: TSIG checks its time against this (RFC 8945 §5.2.3) */
	uint8_t data[];
};

/* What the thread pool gets and gives back. */
struct job {
	uv_work_t w;
	uint16_t qtype;
	struct message **msgs; /* freed by the work as it goes */
	size_t n;
	int rc;
	struct xfrin x;
	bool x_on;
	struct zone *out;
	char err[XFRIN_ERR_SIZE];
};

struct xfrin_refresh {
	uv_loop_t *loop;
	struct xfrin_refresh_opts o;
	struct tsig_key key;
	bool has_key;
	uint8_t apex[LIMIT_NAME_LEN + 1];
	struct clock sysclock;
	enum phase phase;
	bool cancelled, finished;
	unsigned open; /* handles not yet closed, and the job */
	uv_timer_t read_timer, total_timer;
	uint64_t net_started; /* uv_now when the total timer was last started */
	uint64_t total_left;
	struct sock *sock; /* the socket in use, or NULL */
	unsigned udp_tries;
	uint16_t id;
	uint8_t query[2 + XFRIN_QUERY_MAX];
	size_t qlen;
	struct tsig_ctx tsig;
	bool tsig_on;
	uint8_t *in; /* TCP input */
	size_t in_len;
	struct xfrin scan;
	bool scan_on;
	struct message **msgs;
	size_t nmsgs, msgs_cap;
	struct job *job;
	/* the result */
	struct xfrin_refresh_result res;
	char fallback[XFRIN_REFRESH_ERR_SIZE];
	char err[XFRIN_REFRESH_ERR_SIZE];
};

static void maybe_free(struct xfrin_refresh *r);
static void start_xfr(struct xfrin_refresh *r, uint16_t qtype);

/* ------------------------------------------------------------ helpers */

static const char *phase_prefix(enum phase p)
{
	switch (p) {
	case PH_SOA_UDP:
	case PH_SOA_TCP:
		return "could not retrieve the SOA record";
	case PH_IXFR:
		return "the IXFR failed";
	default:
		return "the AXFR failed";
	}
}

static void drop_msgs(struct xfrin_refresh *r)
{
	for (size_t i = 0; i < r->nmsgs; i++)
		free(r->msgs[i]);
	free(r->msgs);
	r->msgs = NULL;
	r->nmsgs = r->msgs_cap = 0;
}

static void sock_closed(uv_handle_t *h)
{
	struct sock *s = h->data;
	struct xfrin_refresh *r = s->r;
	free(s);
	r->open--;
	maybe_free(r);
}

static void sock_close(struct xfrin_refresh *r)
{
	struct sock *s = r->sock;
	if (!s)
		return;
	r->sock = NULL;
	uv_close(&s->u.h, sock_closed);
}

/* Counts the network time used so far against the total. */
static void net_pause(struct xfrin_refresh *r)
{
	uint64_t used = uv_now(r->loop) - r->net_started;
	r->total_left = used < r->total_left ? r->total_left - used : 1;
	uv_timer_stop(&r->total_timer);
	uv_timer_stop(&r->read_timer);
}

static void timer_closed(uv_handle_t *h)
{
	struct xfrin_refresh *r = h->data;
	r->open--;
	maybe_free(r);
}

static void maybe_free(struct xfrin_refresh *r)
{
	if (!r->finished || r->open > 0)
		return;
	if (r->scan_on)
		xfrin_deinit(&r->scan);
	if (r->tsig_on)
		tsig_ctx_deinit(&r->tsig);
	tsig_key_wipe(&r->key);
	drop_msgs(r);
	if (r->o.base)
		zone_unref(r->o.base);
	free(r->in);
	free(r);
}

/* Ends the refresh: I/O stops, the callback runs (unless cancelled), and
 * the memory goes once libuv has let go. */
static void finish(struct xfrin_refresh *r, enum xfrin_refresh_status st)
{
	if (r->finished)
		return;
	r->finished = true;
	r->phase = PH_DONE;
	sock_close(r);
	uv_close((uv_handle_t *)&r->read_timer, timer_closed);
	uv_close((uv_handle_t *)&r->total_timer, timer_closed);
	if (!r->cancelled) {
		r->res.status = st;
		r->res.error = st == XFRIN_REFRESH_FAILED ? r->err : NULL;
		r->res.fallback = r->res.fell_back ? r->fallback : NULL;
		r->o.cb(r->o.ctx, &r->res);
	}
	r->res.zone = NULL;
	maybe_free(r);
}

static void fail(struct xfrin_refresh *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Fails the refresh with "<what failed>: <why>". */
static void fail(struct xfrin_refresh *r, const char *fmt, ...)
{
	int n = snprintf(r->err, sizeof(r->err), "%s: ", phase_prefix(r->phase));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
	va_end(ap);
	finish(r, XFRIN_REFRESH_FAILED);
}

static void on_total(uv_timer_t *t)
{
	struct xfrin_refresh *r = t->data;
	fail(r, "timeout: the refresh took over %u s", (r->o.total_ms + 999) / 1000);
}

static void on_read_timeout(uv_timer_t *t);

static void read_timer_start(struct xfrin_refresh *r, unsigned ms)
{
	uv_timer_start(&r->read_timer, on_read_timeout, ms, 0);
}

/* Makes the query of qtype with a fresh ID into r->query (after two octets
 * for the TCP length), signed when there is a key. */
static int make_query(struct xfrin_refresh *r, uint16_t qtype)
{
	uint16_t id;
	if (uv_random(NULL, NULL, &id, sizeof(id), 0, NULL) != 0)
		id = (uint16_t)uv_hrtime();
	r->id = id;
	size_t len;
	int rc = xfrin_query(qtype, id, r->apex, r->o.base, r->query + 2, XFRIN_QUERY_MAX, &len);
	if (rc == 0 && r->has_key) {
		if (r->tsig_on)
			tsig_ctx_deinit(&r->tsig);
		tsig_ctx_init(&r->tsig, (uint64_t)clock_now(r->o.clock));
		r->tsig_on = true;
		rc = tsig_sign_query(&r->tsig, &r->key, r->query + 2, &len, XFRIN_QUERY_MAX);
	}
	if (rc < 0)
		return rc;
	r->query[0] = (uint8_t)(len >> 8);
	r->query[1] = (uint8_t)len;
	r->qlen = len;
	return 0;
}

/* "TSIG: BADSIG" from what tsig_verify_response said. */
static void tsig_text(uint16_t terr, const char *why, char *out, size_t size)
{
	const char *name = terr == TSIG_BADSIG ? "BADSIG"
		: terr == TSIG_BADKEY	       ? "BADKEY"
		: terr == TSIG_BADTIME	       ? "BADTIME"
		: terr == TSIG_BADTRUNC	       ? "BADTRUNC"
					       : NULL;
	if (name)
		snprintf(out, size, "TSIG: %s", name);
	else
		snprintf(out, size, "TSIG: %s", why);
}

/* ------------------------------------------------------- SOA answers */

static void soa_tcp(struct xfrin_refresh *r);

/* The answer to the SOA query: up to date, or on to IXFR. */
static void on_soa_answer(struct xfrin_refresh *r, const uint8_t *msg, size_t len)
{
	char why[XFRIN_ERR_SIZE];
	unsigned rcode = 0;
	if (r->has_key) {
		uint16_t terr = 0;
		char te[TSIG_ERR_SIZE] = "";
		r->tsig.now = (uint64_t)clock_now(r->o.clock);
		int rc = tsig_verify_response(&r->tsig, msg, len, &terr, te);
		/* an unsigned error answer is reported by its rcode */
		if (rc < 0 && (terr || len < 4 || (msg[3] & 15) == 0)) {
			tsig_text(terr, te, why, sizeof(why));
			fail(r, "%s", why);
			return;
		}
	}
	struct xfrin_soa soa;
	int rc = xfrin_parse_soa(msg, len, r->id, r->apex, &soa, &rcode, why);
	if (rc == ERR_TRUNC && r->phase == PH_SOA_UDP) {
		soa_tcp(r);
		return;
	}
	if (rc < 0) {
		fail(r, "%s", why);
		return;
	}
	r->res.have_soa = true;
	r->res.soa = soa;
	if (!serial_gt(soa.serial, r->o.base->serial)) {
		finish(r, XFRIN_REFRESH_UP_TO_DATE);
		return;
	}
	sock_close(r);
	start_xfr(r, XFRIN_QTYPE_IXFR);
}

/* ---------------------------------------------------------------- UDP */

static void udp_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	struct sock *s = h->data;
	struct xfrin_refresh *r = s->r;
	/* the TCP input buffer is idle while UDP is in use */
	*buf = uv_buf_init((char *)r->in, TCP_IN_CAP);
}

static void udp_recv(
	uv_udp_t *h, ssize_t n, const uv_buf_t *buf, const struct sockaddr *addr, unsigned flags)
{
	(void)addr;
	struct sock *s = h->data;
	struct xfrin_refresh *r = s->r;
	if (r->sock != s || r->phase != PH_SOA_UDP || n == 0)
		return;
	if (n < 0) {
		fail(r, "%s", uv_strerror((int)n));
		return;
	}
	/* the socket is connected: only the primary's datagrams come; one
	 * with another ID is late or forged and ignored */
	const uint8_t *msg = (const uint8_t *)buf->base;
	if ((flags & UV_UDP_PARTIAL) || xfrin_msg_id(msg, (size_t)n) != r->id)
		return;
	uv_timer_stop(&r->read_timer);
	on_soa_answer(r, msg, (size_t)n);
}

static void udp_sent(uv_udp_send_t *req, int status)
{
	struct sock *s = req->data;
	struct xfrin_refresh *r = s->r;
	if (status < 0 && r->sock == s && r->phase == PH_SOA_UDP && status != UV_ECANCELED)
		fail(r, "%s", uv_strerror(status));
}

static int udp_send_query(struct xfrin_refresh *r)
{
	struct sock *s = r->sock;
	uv_buf_t b = uv_buf_init((char *)r->query + 2, (unsigned)r->qlen);
	s->sreq.data = s;
	read_timer_start(r, r->o.udp_ms);
	return uv_udp_send(&s->sreq, &s->u.udp, &b, 1, NULL, udp_sent);
}

static struct sock *sock_new(struct xfrin_refresh *r)
{
	struct sock *s = calloc(1, sizeof(*s));
	if (s) {
		s->r = r;
		s->u.h.data = s;
	}
	return s;
}

static void soa_udp(struct xfrin_refresh *r)
{
	r->phase = PH_SOA_UDP;
	struct sock *s = sock_new(r);
	int rc = s && r->in ? make_query(r, XFRIN_QTYPE_SOA) : ERR_NOMEM;
	if (rc < 0) {
		free(s);
		fail(r, "%s", err_str(rc));
		return;
	}
	rc = uv_udp_init(r->loop, &s->u.udp);
	if (rc < 0) {
		free(s);
		fail(r, "%s", uv_strerror(rc));
		return;
	}
	s->u.h.data = s;
	r->sock = s;
	r->open++;
	rc = uv_udp_connect(&s->u.udp, (const struct sockaddr *)&r->o.primary);
	if (rc == 0)
		rc = uv_udp_recv_start(&s->u.udp, udp_alloc, udp_recv);
	if (rc == 0)
		rc = udp_send_query(r);
	if (rc < 0)
		fail(r, "%s", uv_strerror(rc));
}

/* ---------------------------------------------------------------- TCP */

static void on_read_timeout(uv_timer_t *t)
{
	struct xfrin_refresh *r = t->data;
	if (r->phase == PH_SOA_UDP && ++r->udp_tries < 2) {
		int rc = udp_send_query(r); /* asked once more (RFC 1035 §4.2.1) */
		if (rc < 0)
			fail(r, "%s", uv_strerror(rc));
		return;
	}
	unsigned ms = r->phase == PH_SOA_UDP ? 2 * r->o.udp_ms : r->o.read_ms;
	fail(r, "timeout after %u s", (ms + 999) / 1000);
}

static void tcp_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	struct sock *s = h->data;
	struct xfrin_refresh *r = s->r;
	*buf = uv_buf_init((char *)r->in + r->in_len, (unsigned)(TCP_IN_CAP - r->in_len));
}

static void work_run(uv_work_t *w);
static void work_done(uv_work_t *w, int status);

/* The stream is complete, broken or cut: the thread pool takes over. */
static void to_work(struct xfrin_refresh *r)
{
	net_pause(r);
	sock_close(r);
	struct job *j = calloc(1, sizeof(*j));
	if (!j) {
		fail(r, "%s", err_str(ERR_NOMEM));
		return;
	}
	j->msgs = r->msgs;
	j->n = r->nmsgs;
	r->msgs = NULL;
	r->nmsgs = r->msgs_cap = 0;
	j->w.data = r;
	j->qtype = r->phase == PH_IXFR ? XFRIN_QTYPE_IXFR : XFRIN_QTYPE_AXFR;
	r->job = j;
	r->open++;
	r->res.octets = r->scan.octets;
	r->res.messages = r->scan.msgs;
	r->res.rrs = r->scan.rrs;
	uv_queue_work(r->loop, &j->w, work_run, work_done);
}

/* Keeps one transfer message and frames it; true when reading should stop. */
static bool take_message(struct xfrin_refresh *r, const uint8_t *msg, size_t len)
{
	if (r->phase == PH_SOA_TCP) {
		uv_timer_stop(&r->read_timer);
		on_soa_answer(r, msg, len);
		return true;
	}
	struct message *m = malloc(sizeof(*m) + len);
	if (!m ||
		array_reserve((void **)&r->msgs, &r->msgs_cap, r->nmsgs + 1, sizeof(*r->msgs), 64) <
			0) {
		free(m);
		fail(r, "%s", err_str(ERR_NOMEM));
		return true;
	}
	m->len = len;
	m->at = clock_now(r->o.clock);
	memcpy(m->data, msg, len);
	r->msgs[r->nmsgs++] = m;
	if (xfrin_feed(&r->scan, msg, len) < 0 || xfrin_done(&r->scan)) {
		to_work(r);
		return true;
	}
	return false;
}

static void tcp_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	(void)buf;
	struct sock *s = st->data;
	struct xfrin_refresh *r = s->r;
	if (r->sock != s || n == 0)
		return;
	if (n == UV_EOF) {
		if (r->phase == PH_SOA_TCP)
			fail(r, "the primary closed the connection");
		else
			to_work(r); /* the parse says what is missing */
		return;
	}
	if (n < 0) {
		fail(r, "%s", uv_strerror((int)n));
		return;
	}
	read_timer_start(r, r->o.read_ms);
	r->in_len += (size_t)n;
	size_t off = 0;
	while (r->in_len - off >= 2) {
		size_t mlen = (size_t)r->in[off] << 8 | r->in[off + 1];
		if (r->in_len - off - 2 < mlen)
			break;
		off += 2 + mlen;
		if (take_message(r, r->in + off - mlen, mlen))
			return;
	}
	memmove(r->in, r->in + off, r->in_len - off);
	r->in_len -= off;
}

static void tcp_written(uv_write_t *req, int status)
{
	struct sock *s = req->data;
	struct xfrin_refresh *r = s->r;
	if (r->sock != s || status == UV_ECANCELED)
		return;
	if (status < 0)
		fail(r, "%s", uv_strerror(status));
}

static void tcp_connected(uv_connect_t *req, int status)
{
	struct sock *s = req->data;
	struct xfrin_refresh *r = s->r;
	if (r->sock != s || status == UV_ECANCELED)
		return;
	if (status < 0) {
		fail(r, "could not connect: %s", uv_strerror(status));
		return;
	}
	uv_buf_t b = uv_buf_init((char *)r->query, (unsigned)(r->qlen + 2));
	s->wreq.data = s;
	int rc = uv_write(&s->wreq, &s->u.st, &b, 1, tcp_written);
	if (rc == 0)
		rc = uv_read_start(&s->u.st, tcp_alloc, tcp_read);
	if (rc < 0)
		fail(r, "%s", uv_strerror(rc));
}

/* Connects to the primary and sends r->query once connected. */
static void tcp_open(struct xfrin_refresh *r)
{
	sock_close(r);
	r->in_len = 0;
	struct sock *s = sock_new(r);
	if (!s) {
		fail(r, "%s", err_str(ERR_NOMEM));
		return;
	}
	int rc = uv_tcp_init(r->loop, &s->u.tcp);
	if (rc < 0) {
		free(s);
		fail(r, "%s", uv_strerror(rc));
		return;
	}
	s->u.h.data = s;
	r->sock = s;
	r->open++;
	s->creq.data = s;
	read_timer_start(r, r->o.read_ms);
	rc = uv_tcp_connect(
		&s->creq, &s->u.tcp, (const struct sockaddr *)&r->o.primary, tcp_connected);
	if (rc < 0)
		fail(r, "could not connect: %s", uv_strerror(rc));
}

static void soa_tcp(struct xfrin_refresh *r)
{
	r->phase = PH_SOA_TCP;
	int rc = make_query(r, XFRIN_QTYPE_SOA);
	if (rc < 0) {
		fail(r, "%s", err_str(rc));
		return;
	}
	tcp_open(r);
}

/* ---------------------------------------------------- the thread pool */

/* TSIG, then the parse, of message i. Runs on a worker: it reads r's key,
 * apex and base, which nothing changes meanwhile, and r->tsig, which the
 * loop leaves alone while the job is out. */
static int job_message(struct xfrin_refresh *r, struct job *j, size_t i)
{
	const struct message *m = j->msgs[i];
	if (r->has_key) {
		uint16_t terr = 0;
		char te[TSIG_ERR_SIZE] = "", t[TSIG_ERR_SIZE + 16];
		r->tsig.now = (uint64_t)m->at;
		int rc = tsig_verify_response(&r->tsig, m->data, m->len, &terr, te);
		/* an unsigned error answer is reported by its rcode */
		if (rc < 0 && (terr || m->len < 4 || (m->data[3] & 15) == 0)) {
			tsig_text(terr, te, t, sizeof(t));
			if (i == 0)
				snprintf(j->err, sizeof(j->err), "%s", t);
			else
				snprintf(j->err, sizeof(j->err), "message %zu: %s", i + 1, t);
			return ERR_CRYPTO;
		}
	}
	return xfrin_feed(&j->x, m->data, m->len);
}

static void work_run(uv_work_t *w)
{
	struct xfrin_refresh *r = w->data;
	struct job *j = r->job;
	struct xfrin_opts o = {.apex = r->apex,
		.qtype = j->qtype,
		.id = r->id,
		.base_serial = r->o.base ? r->o.base->serial : 0,
		.limits = r->o.limits};
	j->rc = xfrin_init(&j->x, &o);
	j->x_on = true;
	for (size_t i = 0; i < j->n; i++) {
		if (j->rc == 0)
			j->rc = job_message(r, j, i);
		free(j->msgs[i]);
		j->msgs[i] = NULL;
	}
	if (j->rc == 0 && r->has_key && xfrin_done(&j->x) && tsig_verify_end(&r->tsig) < 0) {
		snprintf(j->err, sizeof(j->err), "TSIG: the last message is not signed");
		j->rc = ERR_CRYPTO;
	}
	if (j->rc == 0 || j->rc == ERR_TRUNC)
		j->rc = xfrin_finish(&j->x, r->o.base, &j->out);
	if (j->rc < 0 && !j->err[0])
		snprintf(j->err, sizeof(j->err), "%s", j->x.err[0] ? j->x.err : err_str(j->rc));
}

static void job_free(struct job *j)
{
	for (size_t i = 0; i < j->n; i++)
		free(j->msgs[i]);
	free(j->msgs);
	if (j->x_on)
		xfrin_deinit(&j->x);
	if (j->out)
		zone_unref(j->out);
	free(j);
}

/* Whether a failed IXFR is worth an AXFR: the primary cannot or will not
 * do IXFR, or its differences do not fit ours. TSIG, limits, timeouts
 * and malformed messages would fail an AXFR the same way. */
static bool ixfr_falls_back(const struct job *j)
{
	unsigned rc = j->x.rcode;
	if (j->rc == ERR_DNS)
		return rc == 1 || rc == 4 || rc == 5; /* FORMERR, NOTIMP, REFUSED */
	return j->rc == ERR_DIFF || j->rc == ERR_ZONE;
}

static void fall_back(struct xfrin_refresh *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fall_back(struct xfrin_refresh *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->fallback, sizeof(r->fallback), fmt, ap);
	va_end(ap);
	r->res.fell_back = true;
	start_xfr(r, XFRIN_QTYPE_AXFR);
}

static void work_result(struct xfrin_refresh *r, struct job *j)
{
	bool ixfr = j->qtype == XFRIN_QTYPE_IXFR;
	if (j->x.have_soa) {
		r->res.have_soa = true;
		r->res.soa = j->x.soa;
	}
	r->res.kind = j->x.kind;
	if (j->rc < 0) {
		if (ixfr && ixfr_falls_back(j))
			fall_back(r, "%s", j->err);
		else
			fail(r, "%s", j->err);
		return;
	}
	if (j->x.kind == XFRIN_KIND_LONE_SOA) {
		fall_back(r,
			"the IXFR was answered with a lone SOA of serial %u, newer than ours (%u)",
			j->x.soa.serial, r->o.base ? r->o.base->serial : 0);
		return;
	}
	if (j->x.kind == XFRIN_KIND_UP_TO_DATE) {
		finish(r, XFRIN_REFRESH_UP_TO_DATE);
		return;
	}
	r->res.zone = j->out;
	j->out = NULL;
	finish(r, XFRIN_REFRESH_NEW_VERSION);
}

static void work_done(uv_work_t *w, int status)
{
	struct xfrin_refresh *r = w->data;
	struct job *j = r->job;
	r->job = NULL;
	r->open--;
	if (!r->finished) {
		if (status < 0 && j->rc == 0) {
			j->rc = status;
			snprintf(j->err, sizeof(j->err), "%s", uv_strerror(status));
		}
		work_result(r, j);
	}
	job_free(j);
	maybe_free(r);
}

/* ----------------------------------------------------------- the start */

static void start_xfr(struct xfrin_refresh *r, uint16_t qtype)
{
	r->phase = qtype == XFRIN_QTYPE_IXFR ? PH_IXFR : PH_AXFR;
	drop_msgs(r);
	if (r->scan_on)
		xfrin_deinit(&r->scan);
	r->scan_on = false;
	int rc = make_query(r, qtype);
	if (rc < 0) {
		fail(r, "%s", err_str(rc));
		return;
	}
	struct xfrin_opts o = {.apex = r->apex,
		.qtype = qtype,
		.id = r->id,
		.base_serial = r->o.base ? r->o.base->serial : 0,
		.limits = r->o.limits,
		.scan_only = true};
	rc = xfrin_init(&r->scan, &o);
	r->scan_on = true;
	if (rc < 0) {
		fail(r, "%s", err_str(rc));
		return;
	}
	if (!uv_is_active((uv_handle_t *)&r->total_timer)) { /* back from the thread pool */
		r->net_started = uv_now(r->loop);
		uv_timer_start(&r->total_timer, on_total, r->total_left, 0);
	}
	tcp_open(r);
}

/* The first step, from the loop (so the callback never runs inside
 * xfrin_refresh_start). */
static void on_kick(uv_timer_t *t)
{
	struct xfrin_refresh *r = t->data;
	if (r->o.base && !r->o.force_axfr)
		soa_udp(r);
	else
		start_xfr(r, XFRIN_QTYPE_AXFR);
}

static int check_opts(const struct xfrin_refresh_opts *o)
{
	if (!o->cb || !o->apex || name_wire_len(o->apex, LIMIT_NAME_LEN) < 0)
		return ERR_INVAL;
	sa_family_t fam = o->primary.ss_family;
	if (fam != AF_INET && fam != AF_INET6)
		return ERR_INVAL;
	if (o->base && !name_equal(o->base->apex, o->apex))
		return ERR_INVAL;
	return 0;
}

int xfrin_refresh_start(
	uv_loop_t *loop, const struct xfrin_refresh_opts *o, struct xfrin_refresh **out)
{
	*out = NULL;
	int rc = check_opts(o);
	if (rc < 0)
		return rc;
	struct xfrin_refresh *r = calloc(1, sizeof(*r));
	uint8_t *in = malloc(TCP_IN_CAP);
	if (!r || !in) {
		free(r);
		free(in);
		return ERR_NOMEM;
	}
	r->loop = loop;
	r->o = *o;
	r->in = in;
	memcpy(r->apex, o->apex, (size_t)name_wire_len(o->apex, LIMIT_NAME_LEN));
	r->o.apex = r->apex;
	if (o->key) {
		r->key = *o->key;
		r->has_key = true;
	}
	r->o.key = NULL;
	if (o->base)
		r->o.base = zone_ref(o->base);
	if (!o->clock) {
		clock_init_system(&r->sysclock);
		r->o.clock = &r->sysclock;
	}
	r->o.total_ms = o->total_ms ? o->total_ms : XFRIN_REFRESH_TOTAL_MS;
	r->o.read_ms = o->read_ms ? o->read_ms : XFRIN_REFRESH_READ_MS;
	r->o.udp_ms = o->udp_ms ? o->udp_ms : XFRIN_REFRESH_UDP_MS;
	r->total_left = r->o.total_ms;
	r->net_started = uv_now(loop);
	uv_timer_init(loop, &r->read_timer);
	uv_timer_init(loop, &r->total_timer);
	r->read_timer.data = r->total_timer.data = r;
	r->open = 2;
	uv_timer_start(&r->total_timer, on_total, r->total_left, 0);
	uv_timer_start(&r->read_timer, on_kick, 0, 0);
	*out = r;
	return 0;
}

void xfrin_refresh_cancel(struct xfrin_refresh *r)
{
	if (!r || r->finished)
		return;
	r->cancelled = true;
	if (r->job) /* fails once the work runs: work_done then drops its result */
		uv_cancel((uv_req_t *)&r->job->w);
	finish(r, XFRIN_REFRESH_FAILED);
}
