/*
 * client.c - HTTP requests to the daemon with libcurl (client.h).
 */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/buf.h"
#include "lib/util/fileio.h"
#include "src/cli/client.h"

/* Cascade's CLI waits 30 s for an answer (cascade-spec §8.1). */
#define CLIENT_TIMEOUT_S 30L

static size_t collect(char *data, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;
	return buf_append(b, data, size * n) == 0 ? size * n : 0;
}

char *client_escape(const char *s)
{
	char *out = malloc(3 * strlen(s) + 1), *o = out;
	if (!out)
		return NULL;
	/* A segment of dots only (the root zone ".") is a dot-segment that URL
	 * normalisation removes (RFC 3986 §5.2.4); escaped, it stays a name. */
	bool dots = strspn(s, ".") == strlen(s);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || ch == '-' || (ch == '.' && !dots) ||
			ch == '_') {
			*o++ = (char)ch;
		} else {
			snprintf(o, 4, "%%%02X", ch);
			o += 3;
		}
	}
	*o = '\0';
	return out;
}

void client_fail(const struct client *c, const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "ERROR: %s\n", msg);
	if (!c->json)
		return;
	json_t *j = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg);
	if (j)
		client_print_json(j);
	json_decref(j);
}

/* The token file's first word, for the Authorization header. */
static int auth_header(const struct client *c, char *out, size_t size)
{
	out[0] = '\0';
	if (!c->token_file)
		return 0;
	struct buf b;
	buf_init(&b, 0);
	b.secret = true;
	if (fileio_read(c->token_file, 4096, &b) < 0) {
		client_fail(c, "TokenFile", "cannot read the token file %s", c->token_file);
		buf_deinit(&b);
		return 1;
	}
	const char *t = buf_cstr(&b);
	size_t s = strspn(t, " \t\r\n"), n = strcspn(t + s, " \t\r\n");
	snprintf(out, size, "Authorization: Bearer %.*s", (int)n, t + s);
	buf_deinit(&b);
	return 0;
}

/* One request; *status and body get the answer. 1 (after a message) when
 * the daemon could not be reached. */
static int request(const struct client *c, const char *method, const char *path, const char *body,
	long *status, struct buf *answer)
{
	char url[1200], auth[4200];
	if (auth_header(c, auth, sizeof(auth)))
		return 1;
	snprintf(url, sizeof(url), "http://%s%s", c->socket ? "localhost" : c->server, path);
	CURL *h = curl_easy_init();
	if (!h) {
		client_fail(c, "Internal", "cannot set up HTTP");
		return 1;
	}
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	if (auth[0])
		hdr = curl_slist_append(hdr, auth);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, CLIENT_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, answer);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	if (c->socket)
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->socket);
	if (body)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	else if (strcmp(method, "POST") == 0)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(hdr);
	explicit_bzero(auth, sizeof(auth));
	curl_easy_cleanup(h);
	if (rc != CURLE_OK) {
		client_fail(c, "Unreachable", "cannot reach the daemon at %s: %s",
			c->socket ? c->socket : c->server, curl_easy_strerror(rc));
		return 1;
	}
	return 0;
}

int client_call(
	const struct client *c, const char *method, const char *path, json_t *body, json_t **out)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct buf answer;
	buf_init(&answer, 64u << 20); /* the longest answer taken */
	long status = 0;
	int rc = request(c, method, path, text, &status, &answer);
	free(text);
	if (rc) {
		buf_deinit(&answer);
		return 1;
	}
	json_error_t jerr;
	json_t *j = json_loadb((const char *)answer.data, answer.len, 0, &jerr);
	buf_deinit(&answer);
	if (status >= 200 && status < 300 && j) {
		*out = j;
		return 0;
	}
	const char *msg = NULL, *code = NULL;
	if (j)
		json_unpack(j, "{s:{s:s, s:s}}", "error", "code", &code, "message", &msg);
	if (msg) {
		if (c->json)
			client_print_json(j);
		fprintf(stderr, "ERROR: %s\n", msg);
	} else {
		client_fail(c, "BadAnswer", "the daemon answered HTTP %ld without an error message",
			status);
	}
	json_decref(j);
	return 1;
}

int client_call_text(const struct client *c, const char *path, char **out)
{
	struct buf answer;
	buf_init(&answer, 64u << 20); /* the longest answer taken */
	long status = 0;
	if (request(c, "GET", path, NULL, &status, &answer)) {
		buf_deinit(&answer);
		return 1;
	}
	if (status != 200) {
		fprintf(stderr, "ERROR: the daemon answered HTTP %ld\n", status);
		buf_deinit(&answer);
		return 1;
	}
	size_t len;
	buf_append_byte(&answer, 0);
	*out = (char *)buf_steal(&answer, &len);
	return 0;
}

void client_print_json(const json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (text)
		printf("%s\n", text);
	free(text);
}

int client_run(
	const struct client *c, const char *method, const char *path, json_t *body, json_t **out)
{
	json_t *j = NULL;
	int rc = client_call(c, method, path, body, &j);
	json_decref(body);
	*out = NULL;
	if (rc)
		return 1;
	if (c->json) {
		client_print_json(j);
		json_decref(j);
		j = NULL;
	}
	*out = j;
	return 0;
}
