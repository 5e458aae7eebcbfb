/* dnssrv.c - the nameserver's sockets, connections and transfers (see
 * dnssrv.h); what to answer is lib/dns/dnsmsg's. */
#include "src/publish/dnssrv.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/conf/peeraddr.h"
#include "lib/dns/dnsmsg.h"
#include "lib/dns/tsig.h"
#include "lib/util/err.h"
#include "lib/util/log.h"
#include "lib/zone/rr_text.h"

/* Transfer messages queued on the socket at once: enough to keep it busy
 * while the next is made, few enough that a zone never sits in memory. */
#define XFR_INFLIGHT 4
/* Answers (not transfers) queued on one connection before reading stops:
 * a client that pipelines queries but reads no answers is not buffered. */
#define CONN_PENDING_MAX (64u << 10)
#define CONN_IN_START 1024
#define PEER_TEXT 64
#define QTYPE_IXFR 251 /* RFC 1995 */
#define NAME_TEXT (RR_TEXT_NAME_MAX + 1)

struct dnssrv;

struct listener {
	struct dnssrv *srv;
	union {
		uv_handle_t handle;
		uv_udp_t udp;
		uv_tcp_t tcp;
	} h;
	bool tcp;
	struct listener *next;
};

/* One message written on a connection: 2 length octets, then the message. */
struct wreq {
	uv_write_t req;
	struct conn *conn;
	bool xfr; /* a slot of the connection's transfer, reused */
	size_t len;
	uint8_t data[];
};

struct xfr {
	struct dnsmsg_xfr x;
	struct zone *zone;	/* our reference; NULL once released */
	struct zone_diff *diff; /* IXFR: the changes sent, ours */
	struct tsig_ctx tsig;	/* a signed request: each message is signed */
	struct tsig_key key;	/* the copy tsig points at */
	uint64_t start_ns;
	unsigned inflight;
	unsigned nfree;
	struct wreq *slots[XFR_INFLIGHT];
	struct wreq *free_slots[XFR_INFLIGHT];
};

struct conn {
	struct dnssrv *srv;
	uv_tcp_t tcp;
	uv_timer_t timer;
	struct conn *prev, *next;
	int handles; /* open libuv handles; freed at 0 */
	bool closing, reading;
	bool eof; /* the client will send no more: close once all is answered */
	char peer[PEER_TEXT];
	struct sockaddr_storage peer_sa;
	uint8_t *in;
	size_t in_len, in_cap;
	size_t pending; /* octets of answers queued */
	struct xfr *xfr;
};

struct dnssrv {
	uv_loop_t *loop;
	char name[64];
	dnssrv_lookup_fn lookup;
	dnssrv_ixfr_fn ixfr;
	dnssrv_notify_fn notify;
	tsig_find_fn find_key;
	void *ctx;
	unsigned idle_ms, max_tcp;
	size_t xfr_msg_size;
	struct sockspec *bound;
	size_t nbound;
	struct listener *listeners;
	struct conn *conns;
	unsigned nconns;
	bool stopping, cap_logged;
	struct log_budget refusals; /* lines about refused or badly signed requests */
	unsigned open;		    /* listeners and connections not yet freed */
	uint8_t udp_in[DNSMSG_MAX];
	uint8_t out[DNSMSG_MAX];
};

static void srv_release(struct dnssrv *s)
{
	if (--s->open == 0 && s->stopping) {
		free(s->bound);
		free(s);
	}
}

static void zone_text(const struct zone *z, char *buf)
{
	buf[rr_text_name(z->apex, buf)] = 0;
}

static const char *qtype_text(uint16_t t)
{
	return t == 252 ? "AXFR" : t == QTYPE_IXFR ? "IXFR" : "SOA";
}

/* ------------------------------------------------------------ lookups */

/* One request as it is answered: the query, its TSIG exchange, and for a
 * transfer the version (and an IXFR's changes) to send. */
struct ask {
	struct dnsmsg_query q;
	struct tsig_ctx tsig;
	struct zone *xfr_zone;	/* a transfer: our reference */
	struct zone_diff *diff; /* an IXFR from the changes: ours */
	size_t len;		/* the answer in s->out; 0: none */
};

/* Whether a line about a refused or badly signed request may go out: a
 * flood of them (spoofed UDP costs nothing) must not flood the log. */
static bool may_log_refusal(struct dnssrv *s)
{
	unsigned held;
	bool ok = log_budget_take(&s->refusals, (long long)time(NULL), &held);
	if (held)
		log_warning(
			"%s: %u more lines about refused requests were left out", s->name, held);
	return ok;
}

static const struct tsig_key *no_key(void *ctx, const uint8_t *name)
{
	(void)ctx;
	(void)name;
	return NULL;
}

static const char *tsig_error_text(uint16_t e)
{
	return e == TSIG_BADKEY	    ? "BADKEY (unknown key)"
		: e == TSIG_BADSIG  ? "BADSIG (wrong MAC)"
		: e == TSIG_BADTIME ? "BADTIME (clock skew)"
				    : "BADTRUNC";
}

/* The largest answer to the query (UDP: the client's buffer). */
static size_t answer_limit(const struct ask *a, bool tcp)
{
	return tcp ? DNSMSG_MAX : dnsmsg_udp_limit(&a->q);
}

/* Checks a signed request (RFC 8945 §5.2): 0 when it is good or malformed
 * (then q says FORMERR), 1 when the answer, a TSIG error, is written. */
static int check_tsig(struct dnssrv *s, const uint8_t *msg, size_t len,
	const struct dnssrv_req *req, const char *peer, struct ask *a)
{
	size_t at;
	int rc = tsig_find(msg, len, &at);
	if (rc == 0)
		rc = tsig_verify_query(
			&a->tsig, msg, len, at, s->find_key ? s->find_key : no_key, s->ctx);
	if (rc == 0)
		return 0;
	if (rc != ERR_CRYPTO) {
		a->q.status = DNSMSG_QUERY_BAD;
		a->q.problem = "malformed TSIG record";
		return 0;
	}
	char key[RR_TEXT_NAME_MAX + 1];
	key[rr_text_name(a->tsig.req_name, key)] = 0;
	if (may_log_refusal(s))
		log_info("%s: request from %s signed with key %s: %s", s->name, peer, key,
			tsig_error_text(a->tsig.error));
	/* The error RR: both names, the fixed fields, other data and a MAC. */
	size_t limit = answer_limit(a, req->tcp);
	a->q.reserve =
		(uint16_t)(26u + a->tsig.req_name_len + a->tsig.req_alg_len + 6 + TSIG_MAC_MAX);
	if (dnsmsg_answer_error(&a->q, DNSMSG_RCODE_NOTAUTH, DNSMSG_EDE_NONE, NULL, s->out,
		    limit > a->q.reserve ? limit - a->q.reserve : 0, &a->len) < 0 ||
		tsig_sign_response(&a->tsig, s->out, &a->len, limit) < 0)
		a->len = 0;
	return 1;
}

static int answer_notify(struct dnssrv *s, const struct dnssrv_req *req, struct ask *a)
{
	unsigned rcode = s->notify ? s->notify(s->ctx, a->q.qname, req) : DNSMSG_RCODE_REFUSED;
	int ede = rcode == DNSMSG_RCODE_NOERROR ? DNSMSG_EDE_NONE
		: s->notify			? DNSMSG_EDE_PROHIBITED
						: DNSMSG_EDE_NOT_SUPPORTED;
	size_t limit = answer_limit(a, req->tcp) - a->q.reserve;
	return dnsmsg_answer_error(&a->q, rcode, ede,
		ede == DNSMSG_EDE_NONE ? NULL : "NOTIFY not taken from this client", s->out, limit,
		&a->len);
}

static int answer_zone(
	struct dnssrv *s, const struct dnssrv_req *req, const char *peer, struct ask *a)
{
	struct dnsmsg_query *q = &a->q;
	enum dnsmsg_zone zs = DNSMSG_ZONE_UNKNOWN;
	struct zone *z = NULL;
	if (dnsmsg_wants_zone(q)) {
		enum dnssrv_zone r = s->lookup(s->ctx, q->qname, req, &z);
		zs = r == DNSSRV_ZONE_READY	   ? DNSMSG_ZONE_READY
			: r == DNSSRV_ZONE_NO_DATA ? DNSMSG_ZONE_NO_DATA
			: r == DNSSRV_ZONE_REFUSED ? DNSMSG_ZONE_REFUSED
						   : DNSMSG_ZONE_UNKNOWN;
		if (zs == DNSMSG_ZONE_READY && !z)
			zs = DNSMSG_ZONE_NO_DATA;
		if (zs != DNSMSG_ZONE_READY && z) {
			zone_unref(z);
			z = NULL;
		}
		if (zs == DNSMSG_ZONE_REFUSED && may_log_refusal(s))
			log_info("%s: %s query from %s refused by the access list", s->name,
				qtype_text(q->qtype), peer);
	}
	enum dnsmsg_reply rep;
	int rc = dnsmsg_reply(q, zs, z, req->tcp, s->out, sizeof(s->out), &a->len, &rep);
	if (rc == 0 && rep == DNSMSG_REPLY_XFR) {
		a->xfr_zone = z;
		a->len = 0;
		if (q->qtype == QTYPE_IXFR && s->ixfr &&
			s->ixfr(s->ctx, z, q->client_serial, &a->diff) != 0)
			a->diff = NULL;
		return 0;
	}
	if (z)
		zone_unref(z);
	if (rc == 0 && rep == DNSMSG_REPLY_NONE)
		a->len = 0;
	if (rc == 0 && a->len > 0 && (s->out[3] & 0x0f) != 0 && log_enabled(LOG_LEVEL_DEBUG))
		log_debug("%s: query from %s (%s) type %u: rcode %u", s->name, peer,
			req->tcp ? "tcp" : "udp", q->qtype, s->out[3] & 0x0f);
	return rc;
}

/* Parses and answers one request into s->out (a->len), or for a transfer
 * fills a->xfr_zone (and a->diff) and writes nothing. The caller ends
 * a->tsig with tsig_ctx_deinit unless a transfer took it. */
static void answer(struct dnssrv *s, const uint8_t *msg, size_t len, const struct dnssrv_req *req,
	const char *peer, struct ask *a)
{
	memset(a, 0, sizeof(*a));
	tsig_ctx_init(&a->tsig, (uint64_t)time(NULL)); /* peers check our real time */
	int prc = dnsmsg_parse_query(msg, len, &a->q);
	if (prc < 0 && log_enabled(LOG_LEVEL_DEBUG))
		log_debug("%s: query from %s (%s): %s at octet %zu", s->name, peer,
			req->tcp ? "tcp" : "udp", a->q.problem, a->q.problem_at);
	if (a->q.status == DNSMSG_QUERY_OK && a->q.tsig && check_tsig(s, msg, len, req, peer, a))
		return;
	struct dnssrv_req r = *req;
	r.key = a->tsig.key ? a->tsig.key->name : NULL;
	a->q.reserve = a->tsig.key ? (uint16_t)tsig_rr_space(a->tsig.key) : 0;
	int rc = dnsmsg_is_notify(&a->q) ? answer_notify(s, &r, a) : answer_zone(s, &r, peer, a);
	if (rc < 0)
		a->len = 0;
	if (a->len > 0 && a->tsig.key &&
		tsig_sign_response(&a->tsig, s->out, &a->len, answer_limit(a, req->tcp)) < 0)
		a->len = 0;
}

/* ---------------------------------------------------------------- UDP */

struct usend {
	uv_udp_send_t req;
	uint8_t data[];
};

static void udp_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	struct listener *l = h->data;
	*buf = uv_buf_init((char *)l->srv->udp_in, sizeof(l->srv->udp_in));
}

static void udp_sent(uv_udp_send_t *req, int status)
{
	(void)status; /* UDP: a lost answer is the client's to retry */
	free(req);
}

static void udp_recv(
	uv_udp_t *h, ssize_t n, const uv_buf_t *buf, const struct sockaddr *addr, unsigned flags)
{
	struct listener *l = h->data;
	struct dnssrv *s = l->srv;
	if (n <= 0 || !addr || (flags & UV_UDP_PARTIAL) || s->stopping)
		return;
	char peer[PEER_TEXT];
	peeraddr_format(addr, true, peer, sizeof(peer));
	struct ask a;
	struct dnssrv_req req = {.peer = addr};
	answer(s, (const uint8_t *)buf->base, (size_t)n, &req, peer, &a);
	tsig_ctx_deinit(&a.tsig);
	size_t len = a.len;
	if (len == 0)
		return;
	uv_buf_t out = uv_buf_init((char *)s->out, (unsigned)len);
	int rc = uv_udp_try_send(h, &out, 1, addr);
	if (rc >= 0 || (rc != UV_EAGAIN && rc != UV_ENOSYS))
		return;
	/* the socket is busy: queue a copy */
	struct usend *u = malloc(sizeof(*u) + len);
	if (!u)
		return;
	memcpy(u->data, s->out, len);
	out = uv_buf_init((char *)u->data, (unsigned)len);
	if (uv_udp_send(&u->req, h, &out, 1, addr, udp_sent) != 0)
		free(u);
}

/* ---------------------------------------------------------------- TCP */

static void conn_process(struct conn *c);
static void conn_update_reading(struct conn *c);

/* Frees a transfer whose version was released (xfr_release). */
static void xfr_free(struct xfr *t)
{
	for (unsigned i = 0; i < XFR_INFLIGHT; i++)
		free(t->slots[i]);
	if (t->diff) {
		zone_diff_deinit(t->diff);
		free(t->diff);
	}
	tsig_ctx_deinit(&t->tsig);
	tsig_key_wipe(&t->key);
	free(t);
}

static void conn_freed(uv_handle_t *h)
{
	struct conn *c = h->data;
	if (--c->handles > 0)
		return;
	if (c->xfr)
		xfr_free(c->xfr);
	free(c->in);
	struct dnssrv *s = c->srv;
	free(c);
	srv_release(s);
}

/* What a transfer sends: "AXFR", "IXFR" from the changes, or "IXFR (whole
 * zone)" when the changes since the client's serial are not known. */
static const char *xfr_kind(const struct xfr *t)
{
	if (t->x.qtype != QTYPE_IXFR)
		return "AXFR";
	return t->diff ? "IXFR" : "IXFR (whole zone)";
}

static void xfr_log_end(struct conn *c, const char *failure)
{
	struct xfr *t = c->xfr;
	char zn[NAME_TEXT];
	zone_text(t->zone, zn);
	uint64_t ms = (uv_hrtime() - t->start_ns) / 1000000u;
	if (failure)
		log_warning("%s: %s of %s serial %" PRIu32 " to %s failed after %" PRIu64
			    " RRs in %" PRIu64 " message%s, %" PRIu64 " ms: %s",
			c->srv->name, xfr_kind(t), zn, t->zone->serial, c->peer, t->x.rrs,
			t->x.msgs, t->x.msgs == 1 ? "" : "s", ms, failure);
	else
		log_info("%s: %s of %s serial %" PRIu32 " to %s: %" PRIu64 " RRs in %" PRIu64
			 " message%s, %" PRIu64 " ms",
			c->srv->name, xfr_kind(t), zn, t->zone->serial, c->peer, t->x.rrs,
			t->x.msgs, t->x.msgs == 1 ? "" : "s", ms);
}

/* Ends the transfer's hold on its version, logging how it went. */
static void xfr_release(struct conn *c, const char *failure)
{
	struct xfr *t = c->xfr;
	if (!t || !t->zone)
		return;
	if (!failure && !dnsmsg_xfr_done(&t->x))
		failure = "connection closed";
	xfr_log_end(c, failure);
	zone_unref(t->zone);
	t->zone = NULL;
}

static void conn_close(struct conn *c, const char *why)
{
	if (c->closing)
		return;
	c->closing = true;
	xfr_release(c, why);
	if (c->prev)
		c->prev->next = c->next;
	else
		c->srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->srv->nconns--;
	uv_close((uv_handle_t *)&c->tcp, conn_freed);
	uv_close((uv_handle_t *)&c->timer, conn_freed);
}

static void conn_idle(uv_timer_t *t)
{
	struct conn *c = t->data;
	conn_close(c, c->xfr ? "the client stopped reading" : "idle");
}

static void conn_touch(struct conn *c)
{
	uv_timer_start(&c->timer, conn_idle, c->srv->idle_ms, 0);
}

static void xfr_pump(struct conn *c);

static void conn_written(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct conn *c = w->conn;
	if (w->xfr) {
		c->xfr->inflight--;
		c->xfr->free_slots[c->xfr->nfree++] = w;
	} else {
		c->pending -= w->len;
		free(w);
	}
	if (c->closing)
		return;
	if (status < 0) {
		conn_close(c,
			status == UV_EPIPE || status == UV_ECONNRESET
				? "connection closed by the client"
				: uv_strerror(status));
		return;
	}
	conn_touch(c);
	if (c->xfr)
		xfr_pump(c);
	else
		conn_process(c);
}

static int conn_write(struct conn *c, struct wreq *w, size_t len)
{
	w->data[0] = (uint8_t)(len >> 8); /* RFC 1035 §4.2.2 */
	w->data[1] = (uint8_t)len;
	w->len = len + 2;
	uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)w->len);
	return uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, conn_written);
}

/* Queues messages of the transfer until XFR_INFLIGHT are on the socket;
 * called again as each write completes. At the end, logs it and goes on
 * with the queries that came meanwhile. */
static void xfr_pump(struct conn *c)
{
	struct xfr *t = c->xfr;
	while (t->inflight < XFR_INFLIGHT && !dnsmsg_xfr_done(&t->x)) {
		struct wreq *w = t->free_slots[--t->nfree];
		size_t len;
		int rc = dnsmsg_xfr_next(&t->x, w->data + 2, DNSMSG_MAX, &len);
		if (rc == 0 && len > 0 && t->tsig.key) {
			/* each message signed at its own time: a long transfer must
			 * not outlast the fudge (RFC 8945 §5.2.3) */
			t->tsig.now = (uint64_t)time(NULL);
			rc = tsig_sign_response(&t->tsig, w->data + 2, &len, DNSMSG_MAX);
		}
		if (rc == 0 && len > 0)
			rc = conn_write(c, w, len);
		if (rc != 0 || len == 0) {
			t->free_slots[t->nfree++] = w;
			if (rc != 0) {
				conn_close(c, err_str(rc));
				return;
			}
			break;
		}
		t->inflight++;
	}
	if (!dnsmsg_xfr_done(&t->x) || t->inflight > 0)
		return;
	xfr_release(c, NULL);
	c->xfr = NULL;
	xfr_free(t);
	conn_process(c);
}

/* The transfer's TSIG exchange, taken over from the request with a copy
 * of its key (the store may drop the key while the transfer runs). */
static void xfr_take_tsig(struct xfr *t, struct ask *a)
{
	if (!a->tsig.key)
		return;
	t->key = *a->tsig.key;
	t->tsig = a->tsig;
	t->tsig.key = &t->key;
	a->tsig.hmac = NULL;
	t->x.reserve = (uint16_t)tsig_rr_space(&t->key);
}

/* Starts the transfer a asks for: IXFR from its changes when there are
 * some that fit the version, else the whole zone. */
static int xfr_begin(struct conn *c, struct xfr *t, struct ask *a)
{
	size_t size = c->srv->xfr_msg_size;
	int rc = ERR_NOTFOUND;
	if (t->diff) {
		rc = dnsmsg_ixfr_init(&t->x, &a->q, t->zone, t->diff, size);
		if (rc < 0) {
			log_warning("%s: IXFR to %s: the changes do not fit serial %u (%s): "
				    "sending the whole zone",
				c->srv->name, c->peer, t->zone->serial, err_str(rc));
			zone_diff_deinit(t->diff);
			free(t->diff);
			t->diff = NULL;
		}
	}
	if (!t->diff)
		rc = dnsmsg_xfr_init(&t->x, &a->q, t->zone, size);
	xfr_take_tsig(t, a);
	return rc;
}

/* Takes over a's version, changes and TSIG exchange. */
static int xfr_start(struct conn *c, struct ask *a)
{
	struct xfr *t = calloc(1, sizeof(*t));
	for (unsigned i = 0; t && i < XFR_INFLIGHT; i++) {
		t->slots[i] = malloc(sizeof(struct wreq) + 2 + DNSMSG_MAX);
		if (t->slots[i]) {
			t->slots[i]->conn = c;
			t->slots[i]->xfr = true;
			t->free_slots[t->nfree++] = t->slots[i];
		}
	}
	if (t) {
		t->zone = a->xfr_zone;
		t->diff = a->diff;
		t->start_ns = uv_hrtime();
	}
	if (!t || t->nfree < XFR_INFLIGHT) {
		if (t)
			xfr_free(t); /* frees a->diff with it */
		else if (a->diff) {
			zone_diff_deinit(a->diff);
			free(a->diff);
		}
		zone_unref(a->xfr_zone);
		conn_close(c, err_str(ERR_NOMEM));
		return ERR_NOMEM;
	}
	int rc = xfr_begin(c, t, a);
	c->xfr = t;
	if (rc != 0) { /* dnsmsg_reply checked the SOA; not expected */
		conn_close(c, err_str(rc));
		return rc;
	}
	xfr_pump(c);
	return 0;
}

/* Answers one query of the connection. */
static void conn_query(struct conn *c, const uint8_t *msg, size_t len)
{
	struct dnssrv *s = c->srv;
	struct ask a;
	struct dnssrv_req req = {.peer = (const struct sockaddr *)&c->peer_sa, .tcp = true};
	answer(s, msg, len, &req, c->peer, &a);
	if (a.xfr_zone) {
		xfr_start(c, &a);
		tsig_ctx_deinit(&a.tsig);
		return;
	}
	tsig_ctx_deinit(&a.tsig);
	size_t olen = a.len;
	if (olen == 0)
		return;
	struct wreq *w = malloc(sizeof(*w) + 2 + olen);
	if (!w) {
		conn_close(c, err_str(ERR_NOMEM));
		return;
	}
	w->conn = c;
	w->xfr = false;
	memcpy(w->data + 2, s->out, olen);
	int rc = conn_write(c, w, olen);
	if (rc != 0) {
		free(w);
		conn_close(c, uv_strerror(rc));
		return;
	}
	c->pending += w->len;
}

/* Answers the complete queries in the input, in order (RFC 7766 §6.2.1.1),
 * until a transfer or too many queued answers hold it up. */
static void conn_process(struct conn *c)
{
	size_t off = 0;
	while (!c->closing && !c->xfr && c->pending < CONN_PENDING_MAX && c->in_len - off >= 2) {
		size_t mlen = (size_t)c->in[off] << 8 | c->in[off + 1];
		if (c->in_len - off - 2 < mlen)
			break;
		off += 2 + mlen;
		conn_query(c, c->in + off - mlen, mlen);
	}
	if (c->closing)
		return;
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	if (c->eof && !c->xfr && c->pending == 0) {
		conn_close(c, NULL);
		return;
	}
	conn_update_reading(c);
}

static void conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	struct conn *c = h->data;
	*buf = uv_buf_init((char *)c->in + c->in_len, (unsigned)(c->in_cap - c->in_len));
}

static void conn_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	(void)buf;
	struct conn *c = st->data;
	if (n == UV_EOF) { /* a client that half-closes still gets its answers */
		c->eof = true;
		conn_process(c);
		return;
	}
	if (n < 0) {
		conn_close(c, uv_strerror((int)n));
		return;
	}
	c->in_len += (size_t)n;
	conn_touch(c);
	conn_process(c);
}

/* Reads while nothing holds the input up, with room for the whole of the
 * message whose length has arrived. */
static void conn_update_reading(struct conn *c)
{
	bool want = !c->xfr && !c->eof && c->pending < CONN_PENDING_MAX;
	if (want && c->in_len >= 2) {
		size_t need = 2 + ((size_t)c->in[0] << 8 | c->in[1]);
		if (need > c->in_cap) {
			uint8_t *p = realloc(c->in, need);
			if (!p) {
				conn_close(c, err_str(ERR_NOMEM));
				return;
			}
			c->in = p;
			c->in_cap = need;
		}
	}
	if (want && !c->reading)
		c->reading = uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, conn_read) == 0;
	else if (!want && c->reading)
		c->reading = uv_read_stop((uv_stream_t *)&c->tcp) != 0;
}

static int conn_setup(struct conn *c, struct listener *l)
{
	struct dnssrv *s = l->srv;
	c->srv = s;
	c->in_cap = CONN_IN_START;
	c->in = malloc(c->in_cap);
	uv_tcp_init(s->loop, &c->tcp);
	uv_timer_init(s->loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->handles = 2;
	s->open++;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	int rc = c->in ? uv_accept((uv_stream_t *)&l->h.tcp, (uv_stream_t *)&c->tcp) : UV_ENOMEM;
	if (rc != 0)
		return rc;
	struct sockaddr_storage peer;
	int plen = sizeof(peer);
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&peer, &plen) == 0) {
		peeraddr_format((struct sockaddr *)&peer, true, c->peer, sizeof(c->peer));
		c->peer_sa = peer;
	} else {
		snprintf(c->peer, sizeof(c->peer), "?");
	}
	uv_tcp_nodelay(&c->tcp, 1); /* answers to pipelined queries go out at once */
	return 0;
}

static void tcp_accept(uv_stream_t *st, int status)
{
	struct listener *l = st->data;
	struct dnssrv *s = l->srv;
	if (status < 0 || s->stopping)
		return;
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return;
	int rc = conn_setup(c, l);
	if (rc != 0) {
		conn_close(c, NULL);
		return;
	}
	if (s->nconns > s->max_tcp) {
		if (!s->cap_logged)
			log_warning("%s: %u TCP connections open: refusing more (from %s)", s->name,
				s->max_tcp, c->peer);
		s->cap_logged = true;
		conn_close(c, NULL);
		return;
	}
	if (s->nconns < s->max_tcp * 3 / 4)
		s->cap_logged = false;
	conn_touch(c);
	conn_update_reading(c);
}

/* ---------------------------------------------------------- listeners */

static void listener_freed(uv_handle_t *h)
{
	struct listener *l = h->data;
	struct dnssrv *s = l->srv;
	free(l);
	srv_release(s);
}

static void listener_close(struct listener *l)
{
	uv_close(&l->h.handle, listener_freed);
}

/* Binds one socket of spec (tcp or udp) at addr; on failure err says why. */
static int listen_one(
	struct dnssrv *s, const struct sockaddr *addr, bool tcp, struct listener **out, char *err)
{
	struct listener *l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, DNSSRV_ERR_SIZE, "%s", err_str(ERR_NOMEM));
		return ERR_NOMEM;
	}
	l->srv = s;
	l->tcp = tcp;
	bool v6 = addr->sa_family == AF_INET6;
	int rc;
	if (tcp) {
		rc = uv_tcp_init_ex(s->loop, &l->h.tcp, addr->sa_family);
		if (rc == 0) {
			l->h.tcp.data = l;
			s->open++;
			/* one family per socket, so [::] and 0.0.0.0 can both be listed */
			rc = uv_tcp_bind(&l->h.tcp, addr, v6 ? UV_TCP_IPV6ONLY : 0);
			if (rc == 0) /* bind errors may surface only here */
				rc = uv_listen((uv_stream_t *)&l->h.tcp, 128, tcp_accept);
		}
	} else {
		rc = uv_udp_init_ex(s->loop, &l->h.udp, addr->sa_family);
		if (rc == 0) {
			l->h.udp.data = l;
			s->open++;
			rc = uv_udp_bind(&l->h.udp, addr, v6 ? UV_UDP_IPV6ONLY : 0);
			if (rc == 0)
				rc = uv_udp_recv_start(&l->h.udp, udp_alloc, udp_recv);
		}
	}
	if (rc != 0) {
		char a[SOCKSPEC_TEXT_SIZE];
		peeraddr_format(addr, false, a, sizeof(a));
		snprintf(err, DNSSRV_ERR_SIZE, "%s (%s): %s", a, tcp ? "tcp" : "udp",
			uv_strerror(rc));
		if (l->h.handle.data)
			listener_close(l);
		else
			free(l);
		return rc;
	}
	l->next = s->listeners;
	s->listeners = l;
	*out = l;
	return 0;
}

/* The port the kernel gave l's socket. */
static void bound_addr(const struct listener *l, struct sockspec *spec)
{
	int len = sizeof(spec->addr);
	if (l->tcp)
		uv_tcp_getsockname(&l->h.tcp, (struct sockaddr *)&spec->addr, &len);
	else
		uv_udp_getsockname(&l->h.udp, (struct sockaddr *)&spec->addr, &len);
	spec->addr_len = (socklen_t)len;
}

static unsigned spec_port(const struct sockspec *spec)
{
	const struct sockaddr *sa = (const struct sockaddr *)&spec->addr;
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return ntohs(((const struct sockaddr_in *)sa)->sin_port);
}

/* Binds a spec: TCP first, so that with port 0 UDP can take the same
 * port; if that one is taken for UDP, both try again elsewhere. */
static int listen_spec(struct dnssrv *s, const struct sockspec *spec, char *err)
{
	struct sockspec *b = &s->bound[s->nbound];
	*b = *spec;
	for (int attempt = 0;; attempt++) {
		struct listener *t = NULL, *u = NULL;
		int rc = 0;
		if (spec->proto & SOCKSPEC_TCP) {
			rc = listen_one(s, (const struct sockaddr *)&spec->addr, true, &t, err);
			if (rc != 0)
				return rc;
			bound_addr(t, b);
		}
		if (spec->proto & SOCKSPEC_UDP) {
			rc = listen_one(s, (const struct sockaddr *)&b->addr, false, &u, err);
			if (rc == UV_EADDRINUSE && t && attempt < 16 && spec_port(spec) == 0) {
				s->listeners = t->next;
				listener_close(t);
				*b = *spec;
				continue;
			}
			if (rc != 0)
				return rc;
			bound_addr(u, b);
		}
		b->proto = spec->proto;
		s->nbound++;
		return 0;
	}
}

int dnssrv_start(uv_loop_t *loop, const struct dnssrv_opts *opts, struct dnssrv **out, char *err)
{
	*out = NULL;
	err[0] = 0;
	if (!opts->lookup || (opts->nsocks > 0 && !opts->socks)) {
		snprintf(err, DNSSRV_ERR_SIZE, "no lookup function or sockets");
		return ERR_INVAL;
	}
	struct dnssrv *s = calloc(1, sizeof(*s));
	struct sockspec *bound = calloc(opts->nsocks ? opts->nsocks : 1, sizeof(*bound));
	if (!s || !bound) {
		free(s);
		free(bound);
		snprintf(err, DNSSRV_ERR_SIZE, "%s", err_str(ERR_NOMEM));
		return ERR_NOMEM;
	}
	s->loop = loop;
	snprintf(s->name, sizeof(s->name), "%s", opts->name ? opts->name : "nameserver");
	s->lookup = opts->lookup;
	s->ixfr = opts->ixfr;
	s->notify = opts->notify;
	s->find_key = opts->find_key;
	s->ctx = opts->ctx;
	s->idle_ms = opts->tcp_idle_ms ? opts->tcp_idle_ms : DNSSRV_TCP_IDLE_MS;
	s->max_tcp = opts->max_tcp ? opts->max_tcp : DNSSRV_MAX_TCP;
	s->refusals.per_sec = DNSSRV_REFUSAL_LINES;
	s->xfr_msg_size = opts->xfr_msg_size;
	s->bound = bound;
	s->open = 1; /* the server's own hold, dropped by dnssrv_stop */
	for (size_t i = 0; i < opts->nsocks; i++) {
		int rc = listen_spec(s, &opts->socks[i], err);
		if (rc != 0) {
			dnssrv_stop(s);
			return rc;
		}
	}
	*out = s;
	return 0;
}

size_t dnssrv_addrs(const struct dnssrv *s, struct sockspec *out, size_t max)
{
	size_t n = s->nbound < max ? s->nbound : max;
	memcpy(out, s->bound, n * sizeof(*out));
	return n;
}

void dnssrv_stop(struct dnssrv *s)
{
	if (!s || s->stopping)
		return;
	s->stopping = true;
	while (s->listeners) {
		struct listener *l = s->listeners;
		s->listeners = l->next;
		listener_close(l);
	}
	while (s->conns)
		conn_close(s->conns, "the server is stopping");
	srv_release(s);
}
