/*
 * source.h - where a zone's unsigned versions come from (cascade-spec §3.1):
 * a zone file, a primary reached by zone transfer, or nothing.
 *
 * The source is one JSON object in the API, the zone's state file and its
 * status: {"type": "file", "path": "/abs/path"}, {"type": "server", "addr":
 * "192.0.2.1:53", "tsig_key": "name"} (tsig_key optional) or {"type":
 * "none"}.
 *
 * Ownership: the zone owns its source strings. Threads: loop thread only.
 */
#ifndef CASCADE_DAEMON_SOURCE_H
#define CASCADE_DAEMON_SOURCE_H

#include <jansson.h>
#include <stdbool.h>

#include "src/daemon/dzone.h"

#define SOURCE_ERR_SIZE 256

/* Sets z's source (none before) from its JSON. With check (a new zone from
 * the API) a file must be readable now and a TSIG key must exist; a state
 * file being restored is taken as written. 0, ERR_INVAL with the reason in
 * why, ERR_NOMEM, or -errno for an unreadable file. */
int source_set(struct dzone *z, const json_t *src, bool check, char *why);

/* The source as JSON (a new reference). */
json_t *source_json(const struct dzone *z);

#endif
