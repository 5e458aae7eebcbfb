/*
 * tsigstore.h - the daemon's TSIG keys (cascade-spec §8 `cascade tsig`,
 * §13 tsig-store-path).
 *
 * The keys live in memory and in one JSON file, Cascade's format:
 *   {"version": "v1",
 *    "map": {"NAME": {"alg": "sha256", "data": "BASE64 SECRET"}, ...}}
 * Cascade writes "data" as an array of octets; both forms are read, the
 * base64 one is written. The file is written whole on every change, mode
 * 0600, write-temp/fsync/rename (lib/util/fileio.h), its folder made 0700
 * when missing. A file that does not exist is an empty store; one that does
 * not read right is an error naming the file, the key and the problem.
 *
 * Names compare case-insensitively, in wire form (RFC 8945 §4.2: the key
 * name is a domain name); "k" and "k." are one key.
 *
 * Ownership: the store owns its keys (each malloc'd, wiped when freed); a
 * pointer the find functions return stays valid until that key is removed
 * or the store freed, so whoever keeps a key longer copies it.
 * Threads: loop thread only.
 */
#ifndef CASCADE_DAEMON_TSIGSTORE_H
#define CASCADE_DAEMON_TSIGSTORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dns/tsig.h"

#define TSIGSTORE_ERR_SIZE 512
#define TSIGSTORE_FILE_MAX (4u << 20) /* 4 MiB: some ten thousand keys */

struct daemon;

struct tsigstore {
	char *path;		/* the file; NULL: never saved */
	struct tsig_key **keys; /* sorted by wire name, lower case */
	size_t n;
};

/* Reads the store at path (copied into s->path) into s, which must be
 * zeroed. A missing file gives an empty store. 0, or an error with err
 * (TSIGSTORE_ERR_SIZE) naming the file and what is wrong: "PATH: key 'x':
 * invalid base64 secret". On error s is left empty. */
int tsigstore_load(struct tsigstore *s, const char *path, char *err);

/* Writes the whole store to s->path (see the top). 0 or -errno with err. */
int tsigstore_save(const struct tsigstore *s, char *err);

/* Adds a copy of k. ERR_EXISTS when a key of that name is there, ERR_NOMEM. */
int tsigstore_add(struct tsigstore *s, const struct tsig_key *k);

/* The key of that name: presentation form ("xfr-key" or "xfr-key."), or
 * wire form. NULL when there is none or the name is not a name. */
const struct tsig_key *tsigstore_find(const struct tsigstore *s, const char *name);
const struct tsig_key *tsigstore_find_wire(const struct tsigstore *s, const uint8_t *name);

/* A tsig_find_fn (lib/dns/tsig.h) over the store ctx, for the servers. */
const struct tsig_key *tsigstore_lookup(void *ctx, const uint8_t *name);

/* Removes and wipes the key of that name. 0 or ERR_NOTFOUND. The caller
 * checks first that nothing uses it (tsigstore_users). */
int tsigstore_remove(struct tsigstore *s, const char *name);

/* Wipes and frees every key and the path. */
void tsigstore_deinit(struct tsigstore *s);

/* Who uses the key of that name (presentation form): a new
 * {"zone_names": [...], "policy_names": [...]}, empty arrays when nobody
 * does; NULL when out of memory. Policies name keys in send-notify-to,
 * provide-xfr-to and publication-nameservers; zones will name them in
 * their sources. The one place that knows where keys are used: the API's
 * list and remove both ask it. */
json_t *tsigstore_users(const struct daemon *d, const char *name);

/* The store's file at start-up: loads d->cfg.tsig_store_path into d->tsig,
 * logging a failure as a start error. */
int tsigstore_start(struct daemon *d);

#endif
