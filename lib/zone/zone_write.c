/* zone_write.c - zone versions to zone files (see zone_write.h). */
#include "lib/zone/zone_write.h"

#include <libknot/descriptor.h>
#include <libknot/rrset-dump.h>
#include <libknot/rrset.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dns/rdata.h"
#include "lib/util/err.h"
#include "lib/util/fileio.h"
#include "lib/zone/rr_text.h"

static const knot_dump_style_t write_style = {
	.wrap = false,
	.show_class = true,
	.show_ttl = true,
	.verbose = false,
	.original_ttl = false,
	.empty_ttl = false,
	.human_ttl = false,
	.human_timestamp = true,
	.generic = false,
	.hide_crypto = false,
	.ascii_to_idn = NULL,
	.color = NULL,
	/* RRSIG times are 32-bit serial numbers (RFC 4034 §3.1.5); libknot
	 * prints the date nearest to "now". 2^31 makes that 1970..2106, the
	 * unsigned reading, the same for every run. */
	.now = 1ull << 31,
};

/* The same, with RDATA in the generic form of RFC 3597 §5. */
static const knot_dump_style_t write_style_generic = {
	.wrap = false,
	.show_class = true,
	.show_ttl = true,
	.human_timestamp = true,
	.generic = true,
	.now = 1ull << 31,
};

/* Appends one RR as a line, through libknot. A line is at most the owner (4 characters an
 * octet when escaped), the header fields, and the RDATA (at worst 4 characters
 * an octet too): past that, a failure is not for want of room. */
static int write_rr(const knot_rrset_t *one, const knot_rdata_t *rd, struct buf *out)
{
	const knot_dump_style_t *style = rdata_presentable(one->type, rd->data, rd->len)
		? &write_style
		: &write_style_generic;
	const size_t most = 4 * 255 + 128 + 4 * (size_t)rd->len + 64;
	size_t want = 128 + 2 * (size_t)rd->len;
	for (;; want *= 2) {
		if (want > most)
			want = most;
		int rc = buf_reserve(out, want);
		if (rc < 0)
			return rc;
		char *dst = (char *)out->data + out->len;
		size_t room = out->alloc - out->len - 1;
		int h = knot_rrset_txt_dump_header(one, one->ttl, dst, room, style);
		int d = h < 0 ? -1
			      : knot_rrset_txt_dump_data(one, 0, dst + h, room - (size_t)h, style);
		if (h >= 0 && d >= 0 && (size_t)(h + d) + 1 < room) {
			dst[h + d] = '\n';
			out->len += (size_t)(h + d) + 1;
			return 0;
		}
		if (want == most)
			return ERR_DNS; /* libknot refused for another reason */
	}
}

/* Appends one RR through rr_text when it takes it: 1 when written, 0 when
 * the RR is left to libknot, or a negative error when the buffer cannot grow. */
static int write_rr_fast(const char *owner, size_t owner_len, const knot_rrset_t *rr,
	const knot_rdata_t *rd, struct buf *out)
{
	size_t most = rr_text_line_max(owner_len, rr->type, rd->len);
	if (most == 0 || !rdata_presentable(rr->type, rd->data, rd->len))
		return 0;
	int rc = buf_reserve(out, most);
	if (rc < 0)
		return rc;
	size_t n = rr_text_line(owner, owner_len, rr->type, rr->ttl, rd->data, rd->len,
		(char *)out->data + out->len);
	out->len += n;
	return n > 0;
}

/* Appends the lines of RRset r; owner is n's owner field (rr_text_owner),
 * or NULL for libknot alone. */
static int write_rrset(const struct node *n, const char *owner, size_t owner_len,
	const struct rrset *r, struct buf *out)
{
	knot_rrset_t rr = {
		.owner = (knot_dname_t *)node_owner(n),
		.ttl = r->ttl,
		.type = r->type,
		.rclass = KNOT_CLASS_IN,
		.rrs = {.count = (uint16_t)r->count,
			.size = r->size,
			.rdata = (knot_rdata_t *)r->rdata},
	};
	knot_rdata_t *rd = rr.rrs.rdata;
	for (uint16_t i = 0; i < rr.rrs.count; i++, rd = knot_rdataset_next(rd)) {
		int rc = owner ? write_rr_fast(owner, owner_len, &rr, rd, out) : 0;
		if (rc == 0) {
			knot_rrset_t one = rr;
			one.rrs = (knot_rdataset_t){.count = 1,
				.size = (uint32_t)knot_rdata_size(rd->len),
				.rdata = rd};
			rc = write_rr(&one, rd, out);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int zone_write_rrset(const struct node *n, const struct rrset *r, struct buf *out)
{
	char owner[RR_TEXT_OWNER_MAX];
	size_t len = rr_text_owner(node_owner(n), owner);
	return write_rrset(n, owner, len, r, out);
}

/* Appends the lines of node n: the SOA first, as every zone file has it
 * (RFC 1035 §5.2). With fast, the owner field is formatted once for all
 * of them and rr_text writes the RRs it takes; else libknot writes all. */
static int write_node(const struct node *n, struct buf *b, bool fast)
{
	char text[RR_TEXT_OWNER_MAX];
	size_t len = fast ? rr_text_owner(node_owner(n), text) : 0;
	const char *owner = fast ? text : NULL;
	const struct rrset *soa = (n->flags & NODE_APEX) ? node_find(n, KNOT_RRTYPE_SOA, 0) : NULL;
	int rc = soa ? write_rrset(n, owner, len, soa, b) : 0;
	for (const struct rrset *r = node_first(n); r && rc == 0; r = node_next(n, r))
		if (r != soa)
			rc = write_rrset(n, owner, len, r, b);
	return rc;
}

/* Octets written between two fileio_start_writeback calls. */
#define WRITEBACK (1u << 20)

/* Writes b to fd, and starts the file's writeback every WRITEBACK octets. */
static int put(int fd, const struct buf *b, size_t *pending)
{
	int rc = fileio_write_all(fd, b->data, b->len);
	*pending += b->len;
	if (rc == 0 && *pending >= WRITEBACK) {
		fileio_start_writeback(fd);
		*pending = 0;
	}
	return rc;
}

static int write_fd(const struct zone *z, int fd, bool fast)
{
	size_t pending = 0;
	struct buf b;
	buf_init(&b, 0);
	int rc = 0;
	struct tree_iter it;
	for (struct node *n = tree_iter_first(&it, z->tree); n && rc == 0;
		n = tree_iter_next(&it)) {
		tree_iter_prefetch(&it, TREE_PREFETCH_AHEAD);
		rc = write_node(n, &b, fast);
		if (rc == 0 && b.len >= (1 << 20)) {
			rc = put(fd, &b, &pending);
			buf_clear(&b);
		}
	}
	if (rc == 0)
		rc = put(fd, &b, &pending);
	buf_deinit(&b);
	return rc;
}

int zone_write_fd(const struct zone *z, int fd)
{
	return write_fd(z, fd, true);
}

int zone_write_fd_libknot(const struct zone *z, int fd)
{
	return write_fd(z, fd, false);
}

/* Several threads turn runs of CHUNK names into text, at most WINDOW runs
 * ahead of the one the calling thread writes, which writes them in order. */
#define CHUNK 512
#define WINDOW 16
#define WRITE_THREADS_MAX 64

struct writer {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct tree_iter *starts; /* where each run begins */
	size_t nchunks, next, written;
	struct buf text[WINDOW];
	bool done[WINDOW];
	int rc;
};

static void *format_runs(void *arg)
{
	struct writer *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->rc == 0 && w->next < w->nchunks && w->next >= w->written + WINDOW)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->rc != 0 || w->next >= w->nchunks)
			break;
		size_t i = w->next++;
		pthread_mutex_unlock(&w->lock);
		struct buf *b = &w->text[i % WINDOW];
		struct tree_iter it = w->starts[i];
		int rc = 0;
		struct node *n = tree_iter_node(&it);
		for (size_t k = 0; n && k < CHUNK && rc == 0; k++, n = tree_iter_next(&it)) {
			tree_iter_prefetch(&it, TREE_PREFETCH_AHEAD);
			rc = write_node(n, b, true);
		}
		pthread_mutex_lock(&w->lock);
		w->done[i % WINDOW] = true;
		if (rc != 0 && w->rc == 0)
			w->rc = rc;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* The calling thread's part: each run to fd as soon as it is ready. */
static int write_runs(struct writer *w, int fd)
{
	size_t pending = 0;
	pthread_mutex_lock(&w->lock);
	while (w->rc == 0 && w->written < w->nchunks) {
		size_t slot = w->written % WINDOW;
		if (!w->done[slot]) {
			pthread_cond_wait(&w->cond, &w->lock);
			continue;
		}
		pthread_mutex_unlock(&w->lock);
		int rc = put(fd, &w->text[slot], &pending);
		buf_clear(&w->text[slot]);
		pthread_mutex_lock(&w->lock);
		w->done[slot] = false;
		w->written++;
		if (rc != 0 && w->rc == 0)
			w->rc = rc;
		pthread_cond_broadcast(&w->cond);
	}
	int rc = w->rc;
	pthread_mutex_unlock(&w->lock);
	return rc;
}

static int run_starts(const struct zone *z, struct writer *w)
{
	w->nchunks = (z->nodes + CHUNK - 1) / CHUNK;
	w->starts = malloc((w->nchunks ? w->nchunks : 1) * sizeof(*w->starts));
	if (!w->starts)
		return ERR_NOMEM;
	struct tree_iter it;
	size_t k = 0, i = 0;
	for (struct node *n = tree_iter_first(&it, z->tree); n; n = tree_iter_next(&it), k++)
		if (k % CHUNK == 0 && i < w->nchunks)
			w->starts[i++] = it;
	w->nchunks = i; /* z->nodes is a count kept by hand: trust the walk */
	return 0;
}

int zone_write_fd_threads(const struct zone *z, int fd, unsigned threads)
{
	if (threads <= 1 || z->nodes < 2 * CHUNK)
		return zone_write_fd(z, fd);
	struct writer w = {.rc = 0};
	int rc = run_starts(z, &w);
	pthread_t tid[WRITE_THREADS_MAX];
	unsigned started = 0;
	if (rc == 0) {
		pthread_mutex_init(&w.lock, NULL);
		pthread_cond_init(&w.cond, NULL);
		for (unsigned k = 0; k < WINDOW; k++)
			buf_init(&w.text[k], 0);
		threads = threads > WRITE_THREADS_MAX ? WRITE_THREADS_MAX : threads;
		for (; started < threads; started++)
			if (pthread_create(&tid[started], NULL, format_runs, &w) != 0)
				break;
		rc = started ? write_runs(&w, fd) : zone_write_fd(z, fd);
		pthread_mutex_lock(&w.lock);
		if (w.rc == 0 && rc != 0)
			w.rc = rc; /* stops the formatters */
		pthread_cond_broadcast(&w.cond);
		pthread_mutex_unlock(&w.lock);
		for (unsigned k = 0; k < started; k++)
			pthread_join(tid[k], NULL);
		for (unsigned k = 0; k < WINDOW; k++)
			buf_deinit(&w.text[k]);
		pthread_cond_destroy(&w.cond);
		pthread_mutex_destroy(&w.lock);
	}
	free(w.starts);
	return rc;
}

struct write_args {
	const struct zone *z;
	unsigned threads;
};

static int write_zone(int fd, void *ctx)
{
	const struct write_args *a = ctx;
	return zone_write_fd_threads(a->z, fd, a->threads);
}

int zone_write_file_threads(const struct zone *z, const char *path, unsigned threads)
{
	struct write_args a = {z, threads};
	return fileio_write_atomic(path, 0644, 0, write_zone, &a);
}

int zone_write_file(const struct zone *z, const char *path)
{
	return zone_write_file_threads(z, path, 1);
}
