/*
 * store.h - what the daemon keeps on disk (cascade-spec §13, DESIGN §6).
 *
 * Under zone-state-dir, per zone (by its file stem, see store_stem()):
 *   <stem>.json          the zone's state: policy, source, serials, keys,
 *                        the signing the published version came from, and
 *                        its history; JSON for people and tools
 *   <stem>.loaded.<gen>  the approved unsigned version, a zone file
 *   <stem>.signed.<gen>  the published signed version, a zone file
 * and the global state file (--state) with the zone names and the policy
 * copies. Every file is written to a temporary file, fsync'ed, renamed and
 * its folder fsync'ed (lib/util/fileio.h); snapshot files are never
 * overwritten, only replaced by a higher generation once the state file
 * names it, so a crash at any point leaves a state file naming complete
 * snapshots.
 *
 * Threads: loop thread only, except the snapshot reads and writes, which
 * run on the thread pool.
 */
#ifndef CASCADE_DAEMON_STORE_H
#define CASCADE_DAEMON_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "src/daemon/dzone.h"

#define STORE_ERR_SIZE 600

/* mkdir -p with that mode for the folders made. 0 or -errno. */
int store_mkdirs(const char *path, mode_t mode);

/* The file stem of a zone (presentation name, lower case, with its trailing
 * dot): the name without the dot, octets other than letters, digits, '-',
 * '_' and the label dots written %XX, "%2E" for the root. Malloc'd. */
char *store_stem(const char *name);

/* <zone-state-dir>/<stem>.loaded.<gen> or .signed.<gen>; malloc'd. */
char *store_snapshot_path(const struct dzone *z, bool is_signed, uint64_t gen);

/* Deletes the snapshots of those generations when they are no longer the
 * zone's. */
void store_prune(struct dzone *z, uint64_t old_loaded, uint64_t old_signed);

/* Writes the published version to the policy's zone-file path, if any, on
 * the thread pool; a failure is logged. */
void store_write_zone_file(struct dzone *z);

/* The zone's state as JSON, and back. store_zone_apply fills a new zone
 * (name, stem and apex set) from its state file's JSON. */
json_t *store_zone_json(const struct dzone *z);
int store_zone_apply(struct dzone *z, const json_t *j, char *err);

/* Reads the zone's snapshots on the thread pool (state restoring) and puts
 * it back in service; damaged or missing data forces a re-load or re-sign
 * of this zone alone, with a log line saying so. */
void store_restore(struct dzone *z);

/* Creates the zone named in the state file from <stem>.json and restores
 * it (store_restore). A zone whose state cannot be read stays, halted, so
 * the others go on; only a failure to make the zone at all is returned. */
int store_zone_restore_state(struct daemon *d, const char *name, char *err);

/* Global state file: written from and read into the daemon. Reading a
 * missing file gives -ENOENT (a first start). */
int store_save_state(struct daemon *d);
int store_load_state(struct daemon *d, char *err);

#endif
