/*
 * fileio.h - whole-file reads with a size cap, and crash-safe writes.
 *
 * A write goes to a temporary file beside the target, created with its final
 * mode (so a secret is never readable by others, not even for a moment), is
 * fsync'ed, then moved into place and the folder fsync'ed: after a crash at
 * any point the target holds either its old or its new content, never a
 * mix (DESIGN §6, state on disk).
 *
 * Ownership: callers own paths and buffers. Thread-safe for distinct paths.
 */
#ifndef CASCADE_UTIL_FILEIO_H
#define CASCADE_UTIL_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/util/buf.h"

enum fileio_flags {
	FILEIO_NO_REPLACE = 1 << 0, /* fail with -EEXIST when the target exists */
};

/* Writes the content to the open temporary file fd; 0 or a negative error. */
typedef int (*fileio_writer)(int fd, void *ctx);

/* Writes path atomically with the given mode (0600 for secrets; the umask
 * is not applied). With FILEIO_NO_REPLACE the file is linked into place, so
 * an existing file is never replaced, even by a concurrent writer. On
 * failure path is untouched and the temporary file removed. */
int fileio_write_atomic(const char *path, mode_t mode, unsigned flags, fileio_writer fn, void *ctx);
/* The same with the content in memory. */
int fileio_write_data(const char *path, mode_t mode, unsigned flags, const void *data, size_t len);
/* Writes all n octets to fd, retrying short writes and EINTR. */
int fileio_write_all(int fd, const void *data, size_t n);
/* Asks the kernel to start writing fd's dirty pages to disk now (Linux
 * sync_file_range, SYNC_FILE_RANGE_WRITE) and returns at once, so that a
 * large file's final fsync has little left to wait for. Best effort: on
 * anything but a regular file it does nothing, and write errors show at
 * that fsync. */
void fileio_start_writeback(int fd);
/* fsync()s the folder holding path, so a rename or link in it is durable. */
int fileio_fsync_dir_of(const char *path);
/* Appends the whole content of path to out: ERR_LIMIT when it is larger
 * than cap octets (checked before reading, and again while reading, for
 * files that grow). Set out->secret first to have the copy wiped on free. */
int fileio_read(const char *path, size_t cap, struct buf *out);

#endif
