/*
 * api.c - libmicrohttpd inside the libuv loop (api.h).
 *
 * Each listening socket gets its own MHD daemon in "external epoll" mode:
 * MHD keeps its sockets in an epoll set of its own, whose descriptor the
 * loop watches; when it is readable, or when MHD's own timeout runs out,
 * MHD_run() does the work, calling access() for requests.
 */
#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/util/log.h"
#include "src/api/api.h"

struct api_srv {
	struct api *api;
	struct MHD_Daemon *mhd;
	int fd; /* the listening socket, closed by MHD_stop_daemon */
	uv_poll_t poll;
	uv_timer_t timer;
	bool started;
};

struct api {
	api_handler_fn handler;
	void *ctx;
	char *token;
	char *unix_path;
	bool unix_bound; /* ours to unlink at the stop */
	struct api_srv *srv;
	size_t nsrv;
	unsigned closing;
};

/* One request while its body arrives. */
struct req_state {
	char *body;
	size_t len;
	bool too_large;
};

void api_error(struct api_resp *resp, unsigned status, const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_decref(resp->json);
	resp->status = status;
	resp->json = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg);
}

static void srv_run(struct api_srv *s);

static void on_poll(uv_poll_t *p, int status, int events)
{
	(void)status;
	(void)events;
	srv_run(p->data);
}

static void on_timer(uv_timer_t *t)
{
	srv_run(t->data);
}

static void srv_run(struct api_srv *s)
{
	MHD_run(s->mhd);
	MHD_UNSIGNED_LONG_LONG ms;
	if (MHD_get_timeout(s->mhd, &ms) == MHD_YES)
		uv_timer_start(&s->timer, on_timer, ms, 0);
	else
		uv_timer_stop(&s->timer);
}

/* Constant time, so the token cannot be guessed octet by octet. */
static bool token_ok(const struct api *a, const char *auth)
{
	if (!a->token)
		return true;
	/* The scheme is case-insensitive (RFC 9110 §11.1). */
	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return false;
	const char *given = auth + 7;
	size_t n = strlen(a->token), m = strlen(given);
	unsigned char diff = n != m;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a->token[i] ^ given[i < m ? i : 0]);
	return diff == 0;
}

static enum MHD_Result send_resp(struct MHD_Connection *c, struct api_resp *r)
{
	char *body;
	const char *type = "application/json";
	if (r->json) {
		body = json_dumps(r->json, JSON_COMPACT);
		if (body) {
			size_t n = strlen(body);
			char *nl = realloc(body, n + 2);
			if (nl) {
				body = nl;
				memcpy(body + n, "\n", 2);
			}
		}
	} else {
		body = r->text ? r->text : strdup("");
		r->text = NULL;
		if (r->content_type)
			type = r->content_type;
	}
	if (!body)
		return MHD_NO;
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	if (r->allow)
		MHD_add_response_header(resp, "Allow", r->allow);
	if (r->status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
	enum MHD_Result rc = MHD_queue_response(c, r->status ? r->status : 200, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url,
	const char *method, const char *version, const char *upload, size_t *upload_size,
	void **con_cls)
{
	struct api *a = cls;
	struct req_state *st = *con_cls;
	(void)version;
	if (!st) { /* the first call: headers only */
		if (!(st = calloc(1, sizeof(*st))))
			return MHD_NO;
		*con_cls = st;
		return MHD_YES;
	}
	if (*upload_size) {
		if (st->len + *upload_size > API_BODY_MAX) {
			st->too_large = true;
		} else if (!st->too_large) {
			char *b = realloc(st->body, st->len + *upload_size + 1);
			if (!b)
				return MHD_NO;
			memcpy(b + st->len, upload, *upload_size);
			st->body = b;
			st->len += *upload_size;
			b[st->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	struct api_resp resp = {0};
	if (!token_ok(a, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization")))
		api_error(&resp, 401, "Unauthorized", "a valid bearer token is required");
	else if (st->too_large)
		api_error(&resp, 413, "BodyTooLarge", "the request body is over %u octets",
			API_BODY_MAX);
	else {
		struct api_req req = {.method = method,
			.path = url,
			.body = st->body ? st->body : "",
			.body_len = st->len};
		a->handler(a->ctx, &req, &resp);
	}
	enum MHD_Result rc = send_resp(c, &resp);
	json_decref(resp.json);
	free(resp.text);
	return rc;
}

static void completed_cb(
	void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct req_state *st = *con_cls;
	if (st) {
		free(st->body);
		free(st);
	}
	*con_cls = NULL;
}

static int bind_tcp(const struct sockspec *s, char *err)
{
	int fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	char name[SOCKSPEC_TEXT_SIZE];
	sockspec_format(s, name, sizeof(name));
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		(s->addr.ss_family == AF_INET6 &&
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
		bind(fd, (const struct sockaddr *)&s->addr, s->addr_len) < 0 ||
		listen(fd, 64) < 0) {
		int e = errno;
		snprintf(err, API_ERR_SIZE, "API %s: %s", name, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return fd;
}

/* Takes away a socket left at path by a daemon that died. Anything else
 * there stays: a file that is not a socket (a config path given by
 * mistake), or a socket another daemon still answers on. */
static int remove_stale(const char *path, const struct sockaddr_un *sun, char *err)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		int e = errno;
		if (e == ENOENT)
			return 0;
		snprintf(err, API_ERR_SIZE, "API socket %s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, API_ERR_SIZE, "API socket %s: the path exists and is not a socket",
			path);
		return -EEXIST;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc = fd < 0 ? -1 : connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	if (fd >= 0)
		close(fd);
	if (rc == 0) {
		snprintf(err, API_ERR_SIZE, "API socket %s: another process answers on it", path);
		return -EADDRINUSE;
	}
	unlink(path);
	return 0;
}

static int bind_unix(const char *path, char *err)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, API_ERR_SIZE, "API socket %s: path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int rc = remove_stale(path, &sun, err);
	if (rc < 0)
		return rc;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* Owner only: the socket is the API's access control when no token
	 * is set. */
	mode_t old = umask(0177);
	rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (fd < 0 || rc < 0 || listen(fd, 64) < 0) {
		int e = errno;
		snprintf(err, API_ERR_SIZE, "API socket %s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return fd;
}

/* MHD would decode the whole path before the routes see it, so that a zone
 * name with a '/' (%2F) would split into two segments and an escaped NUL
 * would cut the path short. The path is handed on as sent; the routes
 * decode each segment after splitting. */
static size_t keep_escapes(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

static int srv_start(uv_loop_t *loop, struct api *a, struct api_srv *s, int fd, char *err)
{
	s->api = a;
	s->fd = fd;
	s->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_TURBO, 0, NULL, NULL, access_cb, a,
		MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, a,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)64, MHD_OPTION_UNESCAPE_CALLBACK, keep_escapes, NULL, MHD_OPTION_END);
	const union MHD_DaemonInfo *info =
		s->mhd ? MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!info) {
		snprintf(err, API_ERR_SIZE, "cannot start the HTTP server");
		if (s->mhd)
			MHD_stop_daemon(s->mhd);
		else
			close(fd);
		s->mhd = NULL;
		return -EIO;
	}
	uv_poll_init(loop, &s->poll, info->epoll_fd);
	uv_timer_init(loop, &s->timer);
	s->poll.data = s->timer.data = s;
	uv_poll_start(&s->poll, UV_READABLE, on_poll);
	s->started = true;
	return 0;
}

int api_start(uv_loop_t *loop, const struct api_opts *o, struct api **out, char *err)
{
	struct api *a = calloc(1, sizeof(*a));
	size_t n = o->nsocks + (o->unix_path != NULL);
	if (!a || !(a->srv = calloc(n ? n : 1, sizeof(*a->srv))) ||
		(o->token && !(a->token = strdup(o->token))) ||
		(o->unix_path && !(a->unix_path = strdup(o->unix_path)))) {
		snprintf(err, API_ERR_SIZE, "out of memory");
		api_stop(a);
		return -ENOMEM;
	}
	a->handler = o->handler;
	a->ctx = o->ctx;
	for (size_t i = 0; i < n; i++) {
		int fd = i < o->nsocks ? bind_tcp(&o->socks[i], err) : bind_unix(o->unix_path, err);
		int rc = fd < 0 ? fd : srv_start(loop, a, &a->srv[i], fd, err);
		a->nsrv = i + (rc == 0);
		a->unix_bound = rc == 0 && i == o->nsocks;
		if (rc < 0) {
			api_stop(a);
			return rc;
		}
	}
	*out = a;
	return 0;
}

static void on_closed(uv_handle_t *h)
{
	struct api_srv *s = h->data;
	struct api *a = s->api;
	if (--a->closing > 0)
		return;
	free(a->srv);
	free(a->token);
	free(a->unix_path);
	free(a);
}

void api_stop(struct api *a)
{
	if (!a)
		return;
	if (a->unix_bound)
		unlink(a->unix_path);
	for (size_t i = 0; i < a->nsrv; i++) {
		struct api_srv *s = &a->srv[i];
		/* The loop stops watching MHD's epoll descriptor before MHD
		 * closes it. */
		a->closing += 2;
		uv_close((uv_handle_t *)&s->poll, on_closed);
		uv_close((uv_handle_t *)&s->timer, on_closed);
		MHD_stop_daemon(s->mhd);
	}
	if (a->closing == 0) {
		free(a->srv);
		free(a->token);
		free(a->unix_path);
		free(a);
	}
}
