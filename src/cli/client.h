/*
 * client.h - how `cascade` talks to the daemon: HTTP+JSON over TCP
 * (-s/--server, CASCADE_DAEMON, default 127.0.0.1:4539) or a Unix socket
 * (--socket, CASCADE_SOCKET), with a bearer token read from a file
 * (--token-file, CASCADE_TOKEN_FILE) when the daemon asks for one.
 *
 * Ownership: results are new jansson references (json_decref) or malloc'd
 * text. Not thread-safe: one request at a time.
 */
#ifndef CASCADE_CLI_CLIENT_H
#define CASCADE_CLI_CLIENT_H

#include <jansson.h>
#include <stdbool.h>

struct client {
	const char *server;	/* "IP:PORT" or "[IPv6]:PORT" */
	const char *socket;	/* Unix socket path, or NULL */
	const char *token_file; /* or NULL */
	bool json;		/* --json: print the daemon's JSON */
	bool color;		/* stdout is a terminal */
};

/* Sends method path (body may be NULL) and returns 0 with the answer's
 * JSON in *out, or 1 after printing "ERROR: ..." with the daemon's
 * message (or why it could not be reached) on stderr. */
int client_call(
	const struct client *c, const char *method, const char *path, json_t *body, json_t **out);

/* client_call for a command: takes body over; under --json the answer is
 * printed and *out is NULL, else *out holds it. 0, or 1 after an error. */
int client_run(
	const struct client *c, const char *method, const char *path, json_t *body, json_t **out);

/* The same for a text answer (/metrics). */
int client_call_text(const struct client *c, const char *path, char **out);

/* Prints "ERROR: <message>" on stderr and, under --json, the same as the
 * daemon's errors, {"error": {"code", "message"}}, on stdout, so a script
 * always reads JSON. */
void client_fail(const struct client *c, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The path segment for a zone name, %-escaped. Malloc'd. */
char *client_escape(const char *s);

/* Prints a JSON value indented, for --json. */
void client_print_json(const json_t *j);

#endif
