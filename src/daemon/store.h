/*
 * store.h - what the daemon keeps on disk (cascade-spec §13, DESIGN §6).
 *
 * Under zone-state-dir, per zone (by its file stem, see store_stem()):
 *   <stem>.json               the zone's state: policy, source, serials,
 *                             keys, the signing the published version came
 *                             from, which files hold its versions, and its
 *                             history; JSON for people and tools
 *   <stem>.loaded.<gen>       a snapshot of an approved unsigned version, a
 *                             zone file
 *   <stem>.loaded.<gen>.diff  the diff from the version before it
 *                             (lib/zone/zone_diff_io.h)
 *   <stem>.signed.<gen>[.diff] the same for the published signed versions
 * and the global state file (--state) with the zone names and the policy
 * copies. A version is a chain: a snapshot and at most STORE_MAX_DIFFS
 * diffs after it; a version that changes much, or comes after a full
 * chain, is written whole. Every file is written to a temporary file,
 * fsync'ed, renamed and its folder fsync'ed (lib/util/fileio.h); a
 * generation number is never given twice, and files leave only after the
 * state file stops naming them, so a crash at any point leaves a state file
 * naming complete files.
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

/* <zone-state-dir>/<stem>.loaded.<gen> or .signed.<gen>, ".diff" after a
 * diff's; malloc'd. */
char *store_file_path(const struct dzone *z, bool is_signed, uint64_t gen, bool is_diff);

/* Adds a generation to a chain: a diff goes after the others, a snapshot
 * starts the chain again. */
void store_chain_push(struct store_chain *c, uint64_t gen, bool is_diff);
/* Deletes the files of old that now does not hold. */
void store_chain_prune(struct dzone *z, bool is_signed, const struct store_chain *old,
	const struct store_chain *now);
/* Deletes every file of the zone's versions (zone removal). */
void store_delete_all(struct dzone *z);
/* Deletes one file. */
void store_unlink(struct dzone *z, bool is_signed, uint64_t gen, bool is_diff);

/* Called on the loop thread when a persist step ends: the generation
 * written, whether as a diff, and its path; rc < 0 when it failed. Not
 * called while the daemon stops. */
typedef void (*store_persist_fn)(
	struct dzone *z, bool is_signed, uint64_t gen, bool is_diff, int rc, const char *path);
/* Writes the upcoming loaded or signed version on the thread pool: as a
 * diff from the version its chain holds when that is small, else whole. */
int store_persist(struct dzone *z, bool is_signed, store_persist_fn done);

/* Reading (thread pool; the zone's name and paths only are read): a
 * snapshot, a diff applied to *v (replaced), a whole chain. */
int store_read_snapshot(const struct dzone *z, bool is_signed, uint64_t gen, struct zone **out);
int store_apply_diff(const struct dzone *z, bool is_signed, uint64_t gen, struct zone **v);
int store_read_chain(
	const struct dzone *z, bool is_signed, const struct store_chain *c, struct zone **out);

/* The IXFR journal on disk (store_ixfr.c): <stem>.ixfr.<gen> holds one
 * diff; the state file lists them. store_ixfr_unlink is a journal_drop_fn
 * (ctx: the zone). */
char *store_ixfr_path(const struct dzone *z, uint64_t gen);
void store_ixfr_unlink(void *ctx, uint64_t gen);
/* A journal_drop_fn (ctx: the zone) that notes the file for deletion once
 * the state file no longer names it: at the next dzone_save(), which calls
 * store_ixfr_unlink_gone(). */
void store_ixfr_gone(void *ctx, uint64_t gen);
void store_ixfr_unlink_gone(struct dzone *z);
/* Trims the journal to the zone's policy now (max-diffs, max-diffs-size),
 * as after a policy reload or a restore; saves the state when it dropped
 * something. */
void store_ixfr_trim(struct dzone *z);
json_t *store_ixfr_json(const struct dzone *z);
/* Notes the files a state file's "ixfr" array names, for the restore. */
int store_ixfr_apply(struct dzone *z, const json_t *a);
/* Thread pool: reads n journal files into out (n slots, NULL-filled). */
int store_ixfr_read(const struct dzone *z, const uint64_t *gens, size_t n, struct zone_diff **out);
/* Loop: puts what store_ixfr_read gave (rc its return) into the journal if
 * it leads to the published version; else drops it all and says so (its
 * files go at the next save). Until this runs, the state file keeps naming
 * what it named (z->ixfr_json). */
void store_ixfr_restore(struct dzone *z, struct zone_diff **diffs, size_t n, int rc);

/* Writes the published version to the policy's zone-file path, if any, on
 * the thread pool; a failure is logged. */
void store_write_zone_file(struct dzone *z);

/* The zone's history as a JSON array of {when, serial (or null), event}:
 * the state file's and the API's. */
json_t *store_history_json(const struct dzone *z);

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

/* A zone added again after a removal: its serials go on from the last one
 * its old state file records (secondaries never see one go back). */
void store_previous_serial(struct dzone *z);

/* Global state file: written from and read into the daemon. Reading a
 * missing file gives -ENOENT (a first start). */
int store_save_state(struct daemon *d);
int store_load_state(struct daemon *d, char *err);

#endif
