/*
 * zone_diff_io.h - a diff (zone_diff.h) as a file, so a zone's versions can
 * be kept on disk as a snapshot and the diffs after it (DESIGN §6, state on
 * disk): writing a one-record change costs a few octets, not the zone.
 *
 * The file is the daemon's own, not for people (the snapshots are zone
 * files): "CSCDIFF1", old and new serial (u32), the counts of removed and
 * added RRs (u64), then each RR as owner (wire), type, covered type (u16),
 * TTL (u32), RDATA length (u16) and RDATA, removed ones first, and last an
 * FNV-1a 64-bit checksum of all that precedes it. Integers are big-endian.
 * Reading checks every length against what is left, every owner with
 * name_wire_len, the counts against LIMIT_ZONE_RRS and the checksum, so a
 * damaged file is refused (ERR_SYNTAX, ERR_TRUNC or ERR_LIMIT), never
 * half-read.
 *
 * Ownership: callers own the diff and the buffers. Pure apart from the
 * file functions; thread-safe for distinct diffs.
 */
#ifndef CASCADE_ZONE_ZONE_DIFF_IO_H
#define CASCADE_ZONE_ZONE_DIFF_IO_H

#include <stddef.h>
#include <stdint.h>

#include "lib/util/buf.h"
#include "lib/zone/zone_diff.h"

/* Appends the encoding of d to out. */
int zone_diff_encode(const struct zone_diff *d, struct buf *out);
/* Fills d (initialised, empty) from len octets at data. */
int zone_diff_decode(const uint8_t *data, size_t len, struct zone_diff *d);

/* The same through a file: written crash-safe (lib/util/fileio.h), read
 * whole with a cap of 4 GiB. */
int zone_diff_write_file(const struct zone_diff *d, const char *path);
int zone_diff_read_file(const char *path, struct zone_diff *d);

#endif
