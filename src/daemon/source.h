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

/* A zone whose source is a primary (source_xfr.c) ------------------------
 *
 * Its versions come by zone transfer (src/load/xfrin.h), when the zone is
 * added, when the primary's SOA REFRESH timer runs out (RETRY after a
 * failure), when the primary NOTIFYs us, and when the operator asks
 * (`zone reload`, which forces AXFR). When the primary has not been reached
 * for longer than its SOA EXPIRE, the zone says so in its status, log and
 * metrics, but keeps its last good version signed and published: expiry
 * stops nothing (the secondaries of a hidden signer must never lose the
 * zone because its primary is down). */
struct dzone_xfr;

/* Starts a refresh from the primary (state loading); its end goes to
 * pipeline_loaded(). */
void source_xfr_start(struct dzone *z);
/* The next refresh asks AXFR, whatever the serials say. */
void source_xfr_force_axfr(struct dzone *z);
/* A NOTIFY from the primary: counted, and a refresh asked for (merged with
 * one pending, RFC 1996 §4.4). */
void source_xfr_notified(struct dzone *z);
/* The version of that serial was rejected in review (discard): refreshes
 * that bring it again drop it, until a newer one or a forced reload. */
void source_xfr_rejected(struct dzone *z, uint32_t serial);
/* Stops the zone's refresh and timer (zone removal, daemon stop). */
void source_xfr_free(struct dzone *z);
/* The primary's side for status: timers, last contact, expiry, transfer
 * counts; NULL for other sources. */
json_t *source_xfr_json(const struct dzone *z);
/* Whether the primary has been out of reach longer than its SOA EXPIRE. */
bool source_xfr_expired(const struct dzone *z);
/* When a refresh last reached the primary (Unix seconds, 0: never), for the
 * state file, so expiry counts across restarts. */
int64_t source_xfr_last_ok(const struct dzone *z);
/* The serial rejected in review that refreshes skip (-1: none), for the
 * state file; source_xfr_rejected() sets it back. */
int64_t source_xfr_rejected_serial(const struct dzone *z);
void source_xfr_set_last_ok(struct dzone *z, int64_t when);

#endif
