/*
 * api.h - the HTTP side of the control API: libmicrohttpd run inside the
 * libuv loop (its epoll descriptor watched by the loop, no threads of its
 * own), so every handler runs on the loop thread and may touch the
 * daemon's state directly (DESIGN §5).
 *
 * It listens on TCP sockets (default 127.0.0.1:4539) and optionally on a
 * Unix socket; with a token, every request must carry "Authorization:
 * Bearer <token>" (beyond Cascade, whose API has no authentication) or gets
 * 401. Bodies are capped at API_BODY_MAX. Errors are real HTTP status codes
 * with a body {"error": {"code": "...", "message": "..."}}.
 *
 * Ownership: api_start copies what it keeps; a handler fills a struct
 * api_resp whose json (or text) the server takes over. Threads: loop thread.
 */
#ifndef CASCADE_API_API_H
#define CASCADE_API_API_H

#include <jansson.h>
#include <stddef.h>
#include <uv.h>

#include "lib/conf/sockspec.h"

#define API_ERR_SIZE 256
#define API_BODY_MAX (1u << 20)

struct api_req {
	const char *method; /* "GET", "POST", ... */
	const char *path;   /* "/zone/example.com/status", no query string; as
			     * sent, %-escapes not decoded */
	const char *body;   /* NUL-terminated; "" when none */
	size_t body_len;
};

struct api_resp {
	unsigned status;	  /* HTTP status; 200 when left 0 */
	json_t *json;		  /* the body, taken over; or */
	char *text;		  /* a text body (malloc'd, taken over) */
	const char *content_type; /* for text: static */
	const char *allow;	  /* for 405: the methods allowed, static */
};

typedef void (*api_handler_fn)(void *ctx, const struct api_req *req, struct api_resp *resp);

struct api_opts {
	const struct sockspec *socks;
	size_t nsocks;
	const char *unix_path; /* NULL: none */
	const char *token;     /* NULL: none */
	api_handler_fn handler;
	void *ctx;
};

struct api;

/* Binds every socket and serves. On failure nothing stays bound and err
 * (API_ERR_SIZE) names the socket and the reason. */
int api_start(uv_loop_t *loop, const struct api_opts *opts, struct api **out, char *err);
void api_stop(struct api *a);

/* Fills resp with an error: status, a code ("NoSuchZone") and a message. */
void api_error(struct api_resp *resp, unsigned status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
