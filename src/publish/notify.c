/* notify.c - NOTIFY out with retries, per target (see notify.h). */
#include "src/publish/notify.h"

#include <libknot/libknot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conf/peeraddr.h"
#include "lib/dns/dnsmsg.h"
#include "lib/dns/dnsmsg_notify.h"
#include "lib/dns/name.h"
#include "lib/util/err.h"
#include "lib/util/log.h"
#include "lib/zone/node.h"
#include "lib/zone/rr_text.h"

/* A NOTIFY is at most a header, the apex twice (question and SOA) and two
 * names in the SOA: under 1100 octets; a TSIG RR adds under 400. */
#define MSG_MAX 2048
#define ZONE_TEXT (RR_TEXT_NAME_MAX + 1)

struct job;

/* What the sender knows of one (zone, target). */
struct entry {
	struct notify *n;
	struct entry *next;
	uint8_t apex[LIMIT_NAME_LEN + 1]; /* lower case */
	char zone[ZONE_TEXT];		  /* for log lines */
	struct sockaddr_storage addr;
	unsigned order; /* place in the zone's notify set */
	bool keep;	/* still in the set (while notify_send runs) */
	struct notify_status st;
	struct job *job; /* the NOTIFY being sent, or NULL */
};

/* One NOTIFY being sent to one target: its socket and retry timer. It
 * lives until libuv has closed both handles, which may be after its entry
 * moved on to a newer serial or went away (e == NULL). */
struct job {
	struct notify *n;
	struct entry *e;
	uv_udp_t udp;
	uv_timer_t timer;
	int open; /* handles not yet closed */
	uint16_t id;
	bool noted;    /* st.result says how the current try went: keep it */
	bool failed;   /* the current try got an error answer: ignore the rest */
	bool udp_open; /* the socket was set up (the timer always is) */
	bool has_key, tsig_live;
	struct tsig_key key;
	struct tsig_ctx tsig;
	size_t base_len;
	uint8_t base[MSG_MAX]; /* the NOTIFY unsigned, ID 0 */
};

struct notify {
	uv_loop_t *loop;
	struct notify_opts o;
	struct clock own_clock;
	struct entry *entries;
	unsigned jobs; /* jobs not yet freed */
	bool freeing;
	uint8_t in[DNSMSG_MAX]; /* every socket reads here, one read at a time */
};

/* One UDP send in flight; it owns its copy of the message. */
struct usend {
	uv_udp_send_t req;
	uint8_t data[];
};

static unsigned addr_port(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)a)->sin_port);
	if (a->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
	return 0;
}

static bool addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family || addr_port(a) != addr_port(b))
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
			((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

static const char *rcode_name(unsigned rcode)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"};
	return rcode < sizeof(names) / sizeof(names[0]) ? names[rcode] : "an unknown RCODE";
}

/* How long to wait after the tries-th send: first_retry_ms doubled each
 * time, up to max_retry_ms. */
static uint64_t wait_ms(const struct notify *n, unsigned tries)
{
	uint64_t ms = n->o.first_retry_ms;
	for (unsigned i = 1; i < tries && ms < n->o.max_retry_ms; i++)
		ms *= 2;
	return ms < n->o.max_retry_ms ? ms : n->o.max_retry_ms;
}

/* ------------------------------------------------------------ job end */

static void job_closed(uv_handle_t *h)
{
	struct job *j = h->data;
	if (--j->open > 0)
		return;
	if (j->tsig_live)
		tsig_ctx_deinit(&j->tsig);
	tsig_key_wipe(&j->key);
	struct notify *n = j->n;
	free(j);
	if (--n->jobs == 0 && n->freeing)
		free(n);
}

/* Detaches j from its entry and closes its handles; freed once closed. */
static void job_close(struct job *j)
{
	if (j->e)
		j->e->job = NULL;
	j->e = NULL;
	if (j->udp_open) {
		uv_udp_recv_stop(&j->udp);
		uv_close((uv_handle_t *)&j->udp, job_closed);
	}
	uv_timer_stop(&j->timer);
	uv_close((uv_handle_t *)&j->timer, job_closed);
}

static void give_up(struct job *j)
{
	struct entry *e = j->e;
	char last[NOTIFY_RESULT_SIZE - 40]; /* the last result, cut to leave room */
	size_t n = strnlen(e->st.result, sizeof(last) - 1);
	memcpy(last, e->st.result, n);
	last[n] = '\0';
	e->st.state = NOTIFY_FAILED;
	snprintf(e->st.result, sizeof(e->st.result), "gave up after %u tries: %s", e->st.tries,
		last);
	log_warning("zone %s: NOTIFY of serial %u to %s: %s", e->zone, e->st.serial, e->st.target,
		e->st.result);
	job_close(j);
}

/* ---------------------------------------------------------- sending */

static void udp_sent(uv_udp_send_t *req, int status)
{
	(void)status; /* a lost datagram is what the retries are for */
	free(req);
}

/* Sends the next try: a new ID, signed afresh when the target has a key. */
static int job_send(struct job *j)
{
	struct usend *s = malloc(sizeof(*s) + MSG_MAX);
	if (!s)
		return ERR_NOMEM;
	uint16_t id;
	if (uv_random(NULL, NULL, &id, sizeof(id), 0, NULL) < 0)
		id = (uint16_t)(uv_hrtime() ^ (uintptr_t)j);
	memcpy(s->data, j->base, j->base_len);
	s->data[0] = (uint8_t)(id >> 8);
	s->data[1] = (uint8_t)id;
	size_t len = j->base_len;
	int rc = 0;
	if (j->has_key) {
		if (j->tsig_live)
			tsig_ctx_deinit(&j->tsig);
		tsig_ctx_init(&j->tsig, (uint64_t)clock_now(j->n->o.clock));
		j->tsig_live = true;
		rc = tsig_sign_query(&j->tsig, &j->key, s->data, &len, MSG_MAX);
	}
	uv_buf_t b = uv_buf_init((char *)s->data, (unsigned)len);
	if (rc == 0)
		rc = uv_udp_send(&s->req, &j->udp, &b, 1, NULL, udp_sent);
	if (rc < 0) {
		free(s);
		return rc;
	}
	j->id = id;
	j->noted = j->failed = false;
	j->e->st.tries++;
	return 0;
}

static void on_timer(uv_timer_t *t);

/* A try: send, and wait for the answer until the next one is due. */
static void job_try(struct job *j)
{
	struct entry *e = j->e;
	int rc = job_send(j);
	if (rc < 0) {
		/* Not sent, but a try all the same: a socket error
		 * (no route, say) may well pass. */
		e->st.tries++;
		j->noted = true;
		snprintf(e->st.result, sizeof(e->st.result), "cannot send: %s",
			rc > ERR_BASE ? uv_strerror(rc) : err_str(rc));
		log_debug("zone %s: NOTIFY to %s: %s", e->zone, e->st.target, e->st.result);
	}
	/* from now, not from the loop's cached time, which lags behind when
	 * notify_send is called after other work */
	uv_update_time(j->n->loop);
	uv_timer_start(&j->timer, on_timer, wait_ms(j->n, e->st.tries), 0);
}

static void on_timer(uv_timer_t *t)
{
	struct job *j = t->data;
	struct entry *e = j->e;
	if (!e)
		return;
	if (!j->noted)
		snprintf(e->st.result, sizeof(e->st.result), "no answer");
	if (e->st.tries >= j->n->o.tries) {
		give_up(j);
		return;
	}
	log_debug("zone %s: NOTIFY of serial %u to %s: %s, try %u of %u", e->zone, e->st.serial,
		e->st.target, e->st.result, e->st.tries + 1, j->n->o.tries);
	job_try(j);
}

/* ---------------------------------------------------------- answers */

static void udp_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	struct job *j = h->data;
	*buf = uv_buf_init((char *)j->n->in, sizeof(j->n->in));
}

/* Notes what went wrong with the current try, and logs it. */
static void note(struct job *j, const char *what)
{
	struct entry *e = j->e;
	j->noted = true;
	snprintf(e->st.result, sizeof(e->st.result), "%s", what);
	log_warning("zone %s: NOTIFY of serial %u to %s, try %u of %u: %s", e->zone, e->st.serial,
		e->st.target, e->st.tries, j->n->o.tries, e->st.result);
}

static void on_answer(struct job *j, const uint8_t *msg, size_t len)
{
	struct entry *e = j->e;
	unsigned rcode;
	const char *problem;
	/* Not an answer to the current try (a late one to an earlier try,
	 * or a forgery): dropped, as if it never came. */
	if (dnsmsg_notify_check(msg, len, j->id, e->apex, &rcode, &problem) < 0) {
		log_debug("zone %s: NOTIFY to %s: answer ignored: %s", e->zone, e->st.target,
			problem);
		return;
	}
	if (j->failed)
		return;
	if (j->has_key) {
		uint16_t terr = 0;
		char err[TSIG_ERR_SIZE] = "";
		/* RFC 8945 §5.3.2: an answer that does not verify is no answer;
		 * the signed one may still come, so the try goes on */
		if (tsig_verify_response(&j->tsig, msg, len, &terr, err) < 0) {
			note(j, err[0] ? err : "the answer's TSIG does not verify");
			return;
		}
	}
	if (rcode != DNSMSG_RCODE_NOERROR) {
		char text[64];
		snprintf(text, sizeof(text), "answered %s", rcode_name(rcode));
		note(j, text);
		j->failed = true;
		if (e->st.tries >= j->n->o.tries)
			give_up(j);
		return;
	}
	e->st.state = NOTIFY_ACKED;
	snprintf(e->st.result, sizeof(e->st.result), "acknowledged");
	log_info("zone %s: NOTIFY of serial %u acknowledged by %s (try %u)", e->zone, e->st.serial,
		e->st.target, e->st.tries);
	job_close(j);
}

static void udp_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr,
	unsigned flags)
{
	struct job *j = h->data;
	if (!j->e || nread == 0 || (flags & UV_UDP_PARTIAL))
		return;
	if (nread < 0) {
		/* An ICMP error of the connected socket ("connection refused"):
		 * noted, and the next try comes at its time. */
		snprintf(j->e->st.result, sizeof(j->e->st.result), "%s", uv_strerror((int)nread));
		j->noted = true;
		return;
	}
	(void)addr; /* connected: the kernel gives only the target's datagrams */
	on_answer(j, (const uint8_t *)buf->base, (size_t)nread);
}

/* ------------------------------------------------------------- setup */

/* Opens the job's timer and its socket, connected to the target. */
static int job_open(struct notify *n, struct job *j, const struct sockaddr_storage *addr)
{
	uv_timer_init(n->loop, &j->timer);
	j->timer.data = j;
	j->open++;
	int rc = uv_udp_init(n->loop, &j->udp);
	if (rc < 0)
		return rc;
	j->udp.data = j;
	j->udp_open = true;
	j->open++;
	rc = uv_udp_connect(&j->udp, (const struct sockaddr *)addr);
	if (rc == 0)
		rc = uv_udp_recv_start(&j->udp, udp_alloc, udp_recv);
	return rc;
}

/* Starts sending msg (base_len octets, ID 0) to e's target. */
static int job_start(struct entry *e, const uint8_t *msg, size_t len, const struct tsig_key *key)
{
	struct notify *n = e->n;
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		return ERR_NOMEM;
	j->n = n;
	j->e = e;
	e->job = j;
	n->jobs++;
	memcpy(j->base, msg, len);
	j->base_len = len;
	if (key) {
		j->key = *key;
		j->has_key = true;
	}
	int rc = job_open(n, j, &e->addr);
	if (rc < 0) {
		snprintf(e->st.result, sizeof(e->st.result), "cannot open a socket: %s",
			uv_strerror(rc));
		e->st.state = NOTIFY_FAILED;
		log_error("zone %s: NOTIFY to %s: %s", e->zone, e->st.target, e->st.result);
		job_close(j);
		return rc;
	}
	job_try(j);
	return 0;
}

static struct entry *entry_get(struct notify *n, const uint8_t *apex, const char *zone,
	const struct sockaddr_storage *addr)
{
	struct entry **tail = &n->entries;
	for (struct entry *e = n->entries; e; e = e->next) {
		if (name_equal(e->apex, apex) && addr_equal(&e->addr, addr))
			return e;
		tail = &e->next;
	}
	struct entry *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->n = n;
	memcpy(e->apex, apex, (size_t)name_wire_len(apex, LIMIT_NAME_LEN + 1));
	name_lower(e->apex);
	snprintf(e->zone, sizeof(e->zone), "%s", zone);
	e->addr = *addr;
	peeraddr_format((const struct sockaddr *)addr, true, e->st.target, sizeof(e->st.target));
	*tail = e;
	return e;
}

/* Drops the entries of apex that notify_send did not mark to keep (all of
 * them from notify_cancel). */
static void drop_unkept(struct notify *n, const uint8_t *apex)
{
	for (struct entry **p = &n->entries; *p;) {
		struct entry *e = *p;
		if (!name_equal(e->apex, apex) || e->keep) {
			e->keep = false;
			p = &e->next;
			continue;
		}
		if (e->job)
			job_close(e->job);
		*p = e->next;
		free(e);
	}
}

/* One target of notify_send: a fresh job replacing any older one. */
static int send_one(struct notify *n, const struct zone *z, const char *zone, unsigned order,
	const struct notify_target *t, const uint8_t *msg, size_t len)
{
	struct entry *e = entry_get(n, z->apex, zone, &t->addr);
	if (!e)
		return ERR_NOMEM;
	e->keep = true;
	e->order = order;
	if (e->job) {
		log_debug("zone %s: NOTIFY of serial %u to %s replaces the one of serial %u", zone,
			z->serial, e->st.target, e->st.serial);
		job_close(e->job);
	}
	e->st.serial = z->serial;
	e->st.tries = 0;
	e->st.state = NOTIFY_SENDING;
	snprintf(e->st.result, sizeof(e->st.result), "sent");
	return job_start(e, msg, len, t->key);
}

int notify_send(struct notify *n, const struct zone *z, const struct notify_target *targets,
	size_t ntargets)
{
	const struct node *apex = zone_apex_node(z);
	const struct rrset *soa = apex ? node_find(apex, KNOT_RRTYPE_SOA, 0) : NULL;
	if (!soa || soa->count == 0)
		return ERR_NOTFOUND;
	const knot_rdata_t *rd = (const knot_rdata_t *)soa->rdata;
	struct dnsmsg_notify_soa hint = {.ttl = soa->ttl, .rdata = rd->data, .rdlen = rd->len};
	uint8_t msg[MSG_MAX];
	size_t len;
	int rc = dnsmsg_notify_query(0, z->apex, &hint, msg, sizeof(msg), &len);
	if (rc < 0)
		return rc;
	char zone[ZONE_TEXT];
	zone[rr_text_name(z->apex, zone)] = '\0';
	int first = 0;
	for (size_t i = 0; i < ntargets; i++) {
		if (addr_port(&targets[i].addr) == 0) /* as Cascade: port 0 is off */
			continue;
		rc = send_one(n, z, zone, (unsigned)i, &targets[i], msg, len);
		if (rc < 0 && first == 0)
			first = rc;
	}
	drop_unkept(n, z->apex);
	return first;
}

void notify_cancel(struct notify *n, const uint8_t *apex)
{
	if (n)
		drop_unkept(n, apex);
}

size_t notify_status(
	const struct notify *n, const uint8_t *apex, struct notify_status *out, size_t max)
{
	/* In the order of the notify set: each round takes the entry with the
	 * next order (a zone has a few targets, so rounds are cheap). */
	size_t count = 0;
	long last = -1;
	for (;;) {
		const struct entry *best = NULL;
		for (const struct entry *e = n->entries; e; e = e->next)
			if (name_equal(e->apex, apex) && (long)e->order > last &&
				(!best || e->order < best->order))
				best = e;
		if (!best)
			return count;
		if (count < max)
			out[count] = best->st;
		count++;
		last = best->order;
	}
}

int notify_new(uv_loop_t *loop, const struct notify_opts *opts, struct notify **out)
{
	struct notify *n = calloc(1, sizeof(*n));
	if (!n)
		return ERR_NOMEM;
	n->loop = loop;
	if (opts)
		n->o = *opts;
	if (!n->o.first_retry_ms)
		n->o.first_retry_ms = NOTIFY_FIRST_RETRY_MS;
	if (!n->o.max_retry_ms)
		n->o.max_retry_ms = NOTIFY_MAX_RETRY_MS;
	if (n->o.max_retry_ms < n->o.first_retry_ms)
		n->o.max_retry_ms = n->o.first_retry_ms;
	if (!n->o.tries)
		n->o.tries = NOTIFY_TRIES;
	if (!n->o.clock) {
		clock_init_system(&n->own_clock);
		n->o.clock = &n->own_clock;
	}
	*out = n;
	return 0;
}

void notify_free(struct notify *n)
{
	if (!n)
		return;
	while (n->entries) {
		struct entry *e = n->entries;
		n->entries = e->next;
		if (e->job)
			job_close(e->job);
		free(e);
	}
	n->freeing = true;
	if (n->jobs == 0)
		free(n);
}
