/* dnssrv.c - the nameserver's sockets, connections and transfers (see
 * dnssrv.h); what to answer is lib/dns/dnsmsg's. */
#include "src/publish/dnssrv.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dns/dnsmsg.h"
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
	struct zone *zone; /* our reference; NULL once released */
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
	uint8_t *in;
	size_t in_len, in_cap;
	size_t pending; /* octets of answers queued */
	struct xfr *xfr;
};

struct dnssrv {
	uv_loop_t *loop;
	char name[64];
	dnssrv_lookup_fn lookup;
	void *ctx;
	unsigned idle_ms, max_tcp;
	size_t xfr_msg_size;
	struct sockspec *bound;
	size_t nbound;
	struct listener *listeners;
	struct conn *conns;
	unsigned nconns;
	bool stopping, cap_logged;
	unsigned open; /* listeners and connections not yet freed */
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

/* "ADDR#PORT" as in BIND's logs, or "ADDR:PORT" / "[ADDR]:PORT". */
static void addr_text(const struct sockaddr *sa, bool hash, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	bool v6 = sa->sa_family == AF_INET6;
	if (v6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		uv_ip6_name(a, ip, sizeof(ip));
		port = ntohs(a->sin6_port);
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		uv_ip4_name(a, ip, sizeof(ip));
		port = ntohs(a->sin_port);
	}
	if (hash)
		snprintf(buf, size, "%s#%u", ip, port);
	else
		snprintf(buf, size, v6 ? "[%s]:%u" : "%s:%u", ip, port);
}

static void zone_text(const struct zone *z, char *buf)
{
	buf[rr_text_name(z->apex, buf)] = 0;
}

static const char *qtype_text(uint16_t t)
{
	return t == 252 ? "AXFR" : t == 251 ? "IXFR (as AXFR)" : "SOA";
}

/* ------------------------------------------------------------ lookups */

/* Parses and answers one query into s->out. For a transfer, *xfr_zone gets
 * the version (a reference) and nothing is written. */
static int answer(struct dnssrv *s, const uint8_t *msg, size_t len, bool tcp, const char *peer,
	struct dnsmsg_query *q, size_t *out_len, struct zone **xfr_zone)
{
	*xfr_zone = NULL;
	int prc = dnsmsg_parse_query(msg, len, q);
	if (prc < 0 && log_enabled(LOG_LEVEL_DEBUG))
		log_debug("%s: query from %s (%s): %s at octet %zu", s->name, peer,
			tcp ? "tcp" : "udp", q->problem, q->problem_at);
	enum dnsmsg_zone zs = DNSMSG_ZONE_UNKNOWN;
	struct zone *z = NULL;
	if (dnsmsg_wants_zone(q)) {
		enum dnssrv_zone r = s->lookup(s->ctx, q->qname, &z);
		zs = r == DNSSRV_ZONE_READY	   ? DNSMSG_ZONE_READY
			: r == DNSSRV_ZONE_NO_DATA ? DNSMSG_ZONE_NO_DATA
						   : DNSMSG_ZONE_UNKNOWN;
		if (zs == DNSMSG_ZONE_READY && !z)
			zs = DNSMSG_ZONE_NO_DATA;
		if (zs != DNSMSG_ZONE_READY)
			z = NULL;
	}
	enum dnsmsg_reply rep;
	int rc = dnsmsg_reply(q, zs, z, tcp, s->out, sizeof(s->out), out_len, &rep);
	if (rc == 0 && rep == DNSMSG_REPLY_XFR) {
		*xfr_zone = z;
		return 0;
	}
	if (z)
		zone_unref(z);
	if (rc == 0 && rep == DNSMSG_REPLY_NONE)
		*out_len = 0;
	if (rc == 0 && *out_len > 0 && (s->out[3] & 0x0f) != 0 && log_enabled(LOG_LEVEL_DEBUG))
		log_debug("%s: query from %s (%s) type %u: rcode %u", s->name, peer,
			tcp ? "tcp" : "udp", q->qtype, s->out[3] & 0x0f);
	return rc;
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
	char peer[PEER_TEXT] = "-"; /* only debug lines name it */
	if (log_enabled(LOG_LEVEL_DEBUG))
		addr_text(addr, true, peer, sizeof(peer));
	struct dnsmsg_query q;
	size_t len = 0;
	struct zone *z;
	if (answer(s, (const uint8_t *)buf->base, (size_t)n, false, peer, &q, &len, &z) != 0 ||
		len == 0)
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

static void conn_freed(uv_handle_t *h)
{
	struct conn *c = h->data;
	if (--c->handles > 0)
		return;
	if (c->xfr) {
		for (unsigned i = 0; i < XFR_INFLIGHT; i++)
			free(c->xfr->slots[i]);
		free(c->xfr);
	}
	free(c->in);
	struct dnssrv *s = c->srv;
	free(c);
	srv_release(s);
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
			c->srv->name, qtype_text(t->x.qtype), zn, t->zone->serial, c->peer,
			t->x.rrs, t->x.msgs, t->x.msgs == 1 ? "" : "s", ms, failure);
	else
		log_info("%s: %s of %s serial %" PRIu32 " to %s: %" PRIu64 " RRs in %" PRIu64
			 " message%s, %" PRIu64 " ms",
			c->srv->name, qtype_text(t->x.qtype), zn, t->zone->serial, c->peer,
			t->x.rrs, t->x.msgs, t->x.msgs == 1 ? "" : "s", ms);
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
	for (unsigned i = 0; i < XFR_INFLIGHT; i++)
		free(t->slots[i]);
	free(t);
	conn_process(c);
}

static int xfr_start(struct conn *c, const struct dnsmsg_query *q, struct zone *z)
{
	struct xfr *t = calloc(1, sizeof(*t));
	if (!t) {
		zone_unref(z);
		return ERR_NOMEM;
	}
	for (unsigned i = 0; i < XFR_INFLIGHT; i++) {
		t->slots[i] = malloc(sizeof(struct wreq) + 2 + DNSMSG_MAX);
		if (!t->slots[i]) {
			for (unsigned j = 0; j < i; j++)
				free(t->slots[j]);
			free(t);
			zone_unref(z);
			return ERR_NOMEM;
		}
		t->slots[i]->conn = c;
		t->slots[i]->xfr = true;
		t->free_slots[i] = t->slots[i];
	}
	t->nfree = XFR_INFLIGHT;
	t->zone = z;
	t->start_ns = uv_hrtime();
	int rc = dnsmsg_xfr_init(&t->x, q, z, c->srv->xfr_msg_size);
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
	struct dnsmsg_query q;
	size_t olen;
	struct zone *z;
	if (answer(s, msg, len, true, c->peer, &q, &olen, &z) != 0)
		return;
	if (z) {
		xfr_start(c, &q, z);
		return;
	}
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
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&peer, &plen) == 0)
		addr_text((struct sockaddr *)&peer, true, c->peer, sizeof(c->peer));
	else
		snprintf(c->peer, sizeof(c->peer), "?");
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
		addr_text(addr, false, a, sizeof(a));
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
	s->ctx = opts->ctx;
	s->idle_ms = opts->tcp_idle_ms ? opts->tcp_idle_ms : DNSSRV_TCP_IDLE_MS;
	s->max_tcp = opts->max_tcp ? opts->max_tcp : DNSSRV_MAX_TCP;
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
