/*
 * zone_read.h - read a zone file (RFC 1035 §5) into a zone version.
 *
 * Parsing is libzscanner's: every RR type it knows, RFC 3597 unknown types,
 * $ORIGIN, $TTL and $INCLUDE (relative to the including file's folder, nested
 * at most LIMIT_INCLUDE_DEPTH deep). On top of it the reader checks what a
 * signer relies on, each failure naming file and line: exactly one SOA, at the
 * apex; NS at the apex; every owner inside the zone; class IN only; CNAME
 * alone at its name (RFC 1034 §3.6.2, RFC 2181 §10.1; RRSIG and NSEC allowed
 * beside it, RFC 4035 §2.5); one DNAME per name (RFC 6672 §2.4). Data below
 * a zone cut or a DNAME is kept and flagged occluded; glue is flagged.
 * Duplicate RRs are dropped and RRsets with mixed TTLs get the lowest one
 * (RFC 2181 §5), each with a warning.
 *
 * Ownership: on success *out is a new version with one reference. Messages
 * (errors and warnings, one per line "file:line: error|warning: text") go to
 * msgs, which the caller owns. Thread-safe: one call per thread.
 */
#ifndef CASCADE_ZONE_ZONE_READ_H
#define CASCADE_ZONE_ZONE_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util/buf.h"
#include "lib/zone/zone.h"

struct zone_msgs {
	struct buf text; /* NUL-terminated via buf_cstr() */
	unsigned errors;
	unsigned warnings;
};

void zone_msgs_init(struct zone_msgs *m);
void zone_msgs_deinit(struct zone_msgs *m);

struct zone_read_opts {
	const char *origin;   /* the apex in presentation form, e.g. "example.com." */
	uint32_t default_ttl; /* for records without a TTL before any $TTL; 0: the last
			       * TTL stated (RFC 1035 §5.1), or the SOA MINIMUM as BIND does */
	size_t max_rrs;	      /* 0 selects LIMIT_ZONE_RRS */
	bool no_include;      /* $INCLUDE is an error (text from untrusted places) */
};

/* Reads the zone file at path. Returns 0, or ERR_ZONE / ERR_SYNTAX /
 * ERR_LIMIT (details in msgs), or a negative errno when it cannot be read. */
int zone_read_file(const char *path, const struct zone_read_opts *opts, struct zone_msgs *msgs,
	struct zone **out);
/* The same for zone text in memory; label names it in messages. $INCLUDE
 * paths are taken relative to the current folder. */
int zone_read_mem(const char *data, size_t len, const char *label,
	const struct zone_read_opts *opts, struct zone_msgs *msgs, struct zone **out);

#endif
