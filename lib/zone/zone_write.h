/*
 * zone_write.h - write a zone version as a zone file.
 *
 * Every RR on its own line, fully qualified, in canonical order (nodes in
 * name order, RRsets by type, RDATA in canonical order), with TTL and class,
 * in libknot's presentation format (RRSIG times as YYYYMMDDHHmmSS), so any
 * zone file reader loads it back to the same RRs. The common types of a
 * signed zone are formatted by rr_text.h, which writes the same bytes as
 * libknot, several times faster; libknot does the rest.
 *
 * Ownership: the version is only read; the caller keeps its reference.
 * Thread-safe for distinct outputs. The _threads forms turn the zone into
 * text on that many threads (the file is the same).
 */
#ifndef CASCADE_ZONE_ZONE_WRITE_H
#define CASCADE_ZONE_ZONE_WRITE_H

#include "lib/util/buf.h"
#include "lib/zone/zone.h"

/* Appends the presentation form of one RRset (one line per RR) to out. */
int zone_write_rrset(const struct node *n, const struct rrset *r, struct buf *out);
/* Writes the whole version to the open file descriptor fd. */
int zone_write_fd(const struct zone *z, int fd);
/* Writes to path atomically: a temporary file beside it, fsync, rename,
 * fsync of the folder. On failure path is untouched. */
int zone_write_file(const struct zone *z, const char *path);
int zone_write_fd_threads(const struct zone *z, int fd, unsigned threads);
int zone_write_file_threads(const struct zone *z, const char *path, unsigned threads);

/* For tests: zone_write_fd with every RR through libknot's formatter, as
 * before rr_text.h; the output must be the same. */
int zone_write_fd_libknot(const struct zone *z, int fd);

#endif
