/* fileio.c - capped reads and crash-safe writes (see fileio.h). */
#include "lib/util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util/err.h"

int fileio_write_all(int fd, const void *data, size_t n)
{
	const uint8_t *p = data;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

void fileio_start_writeback(int fd)
{
#ifdef SYNC_FILE_RANGE_WRITE
	(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
	(void)fd;
#endif
}

int fileio_fsync_dir_of(const char *path)
{
	char *dir = strdup(path);
	if (!dir)
		return ERR_NOMEM;
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = 0;
	else if (slash)
		*slash = 0;
	int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* Moves the finished temporary file to path: rename() replaces atomically;
 * link() refuses an existing target atomically, then the temporary name goes. */
static int put_in_place(const char *tpath, const char *path, unsigned flags)
{
	if (!(flags & FILEIO_NO_REPLACE))
		return rename(tpath, path) < 0 ? -errno : 0;
	if (link(tpath, path) < 0)
		return -errno;
	unlink(tpath);
	return 0;
}

int fileio_write_atomic(const char *path, mode_t mode, unsigned flags, fileio_writer fn, void *ctx)
{
	struct buf tmp;
	buf_init(&tmp, 0);
	int rc = buf_printf(&tmp, "%s.tmp.XXXXXX", path);
	if (rc < 0)
		return rc;
	char *tpath = (char *)buf_cstr(&tmp);
	/* mkstemp() creates the file 0600 before anything is written, so a
	 * secret is never exposed; fchmod() only widens public files (and
	 * undoes the umask, which must not decide a key file's mode). */
	int fd = mkstemp(tpath);
	if (fd < 0) {
		rc = -errno;
		buf_deinit(&tmp);
		return rc;
	}
	rc = fchmod(fd, mode) < 0 ? -errno : 0;
	if (rc == 0)
		rc = fn(fd, ctx);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0)
		rc = put_in_place(tpath, path, flags);
	if (rc == 0)
		rc = fileio_fsync_dir_of(path);
	else
		unlink(tpath);
	buf_deinit(&tmp);
	return rc;
}

struct mem_src {
	const void *data;
	size_t len;
};

static int write_mem(int fd, void *ctx)
{
	const struct mem_src *m = ctx;
	return fileio_write_all(fd, m->data, m->len);
}

int fileio_write_data(const char *path, mode_t mode, unsigned flags, const void *data, size_t len)
{
	struct mem_src m = {data, len};
	return fileio_write_atomic(path, mode, flags, write_mem, &m);
}

static int read_fd(int fd, size_t cap, struct buf *out)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > cap)
		return ERR_LIMIT;
	size_t start = out->len;
	for (;;) {
		int rc = buf_reserve(out, 4096);
		if (rc < 0)
			return rc;
		ssize_t r = read(fd, out->data + out->len, out->alloc - out->len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		out->len += (size_t)r;
		if (out->len - start > cap)
			return ERR_LIMIT;
	}
}

int fileio_read(const char *path, size_t cap, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = read_fd(fd, cap, out);
	close(fd);
	return rc;
}
