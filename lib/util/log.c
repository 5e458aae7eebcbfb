/* log.c - the process-wide logger (see log.h).
 *
 * The one file in lib/ that writes output and keeps global state: a
 * process has one log target, configured once by the daemon's or CLI's
 * main and used from every thread.
 */
#include "lib/util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "lib/util/err.h"

#define LOG_IDENT_MAX 64
/* "2025-01-31T12:00:00.123Z critical: " is 35 chars; leave some slack. */
#define LOG_PREFIX_MAX 64
#define LOG_BODY_MAX (LOG_LINE_MAX - LOG_PREFIX_MAX)

static const char *const level_names[] = {
	[LOG_LEVEL_TRACE] = "trace",
	[LOG_LEVEL_DEBUG] = "debug",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_WARNING] = "warning",
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_CRITICAL] = "critical",
};

/* Syslog has no trace; it goes out as debug. */
static const int syslog_prio[] = {
	[LOG_LEVEL_TRACE] = LOG_DEBUG,
	[LOG_LEVEL_DEBUG] = LOG_DEBUG,
	[LOG_LEVEL_INFO] = LOG_INFO,
	[LOG_LEVEL_WARNING] = LOG_WARNING,
	[LOG_LEVEL_ERROR] = LOG_ERR,
	[LOG_LEVEL_CRITICAL] = LOG_CRIT,
};

/* Read without the lock so disabled levels cost one load. */
static atomic_int cur_level = LOG_LEVEL_INFO;

/* Everything else changes and is used under lock. */
static struct {
	pthread_mutex_t lock;
	enum log_target target;
	int fd;			   /* stdout, stderr or the file */
	char *path;		   /* file target only; owned */
	char ident[LOG_IDENT_MAX]; /* syslog keeps a pointer to it (openlog(3)) */
} logger = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.target = LOG_TARGET_STDERR,
	.fd = STDERR_FILENO,
};

int log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return ERR_INVAL;
}

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "unknown";
	return level_names[level];
}

void log_set_level(enum log_level level)
{
	if (level > LOG_LEVEL_CRITICAL)
		level = LOG_LEVEL_CRITICAL;
	atomic_store(&cur_level, (int)level);
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load(&cur_level);
}

bool log_enabled(enum log_level level)
{
	return (int)level >= atomic_load(&cur_level);
}

enum log_target log_get_target(void)
{
	pthread_mutex_lock(&logger.lock);
	enum log_target t = logger.target;
	pthread_mutex_unlock(&logger.lock);
	return t;
}

static int open_append(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	return fd < 0 ? -errno : fd;
}

/* Releases what the current target holds. Called with the lock held. */
static void release_target_locked(void)
{
	if (logger.target == LOG_TARGET_FILE) {
		close(logger.fd);
		free(logger.path);
		logger.path = NULL;
	} else if (logger.target == LOG_TARGET_SYSLOG) {
		closelog();
	}
}

/* Installs a new target; takes ownership of path (file targets). */
static void switch_target(enum log_target target, int fd, char *path)
{
	pthread_mutex_lock(&logger.lock);
	release_target_locked();
	logger.target = target;
	logger.fd = fd;
	logger.path = path;
	pthread_mutex_unlock(&logger.lock);
}

int log_open_stderr(void)
{
	switch_target(LOG_TARGET_STDERR, STDERR_FILENO, NULL);
	return 0;
}

int log_open_stdout(void)
{
	switch_target(LOG_TARGET_STDOUT, STDOUT_FILENO, NULL);
	return 0;
}

int log_open_file(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	int fd = open_append(path);
	if (fd < 0) {
		free(copy);
		return fd;
	}
	switch_target(LOG_TARGET_FILE, fd, copy);
	return 0;
}

int log_open_syslog(const char *ident)
{
	pthread_mutex_lock(&logger.lock);
	release_target_locked();
	snprintf(logger.ident, sizeof(logger.ident), "%s", ident ? ident : "cascade");
	/* LOG_DAEMON: Cascade logs as "user" and has a TODO saying it should
	 * be daemon (cascade-spec §15); we follow the TODO. */
	openlog(logger.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	logger.target = LOG_TARGET_SYSLOG;
	logger.fd = -1;
	logger.path = NULL;
	pthread_mutex_unlock(&logger.lock);
	return 0;
}

int log_open_spec(const char *spec)
{
	if (strcmp(spec, "stderr") == 0)
		return log_open_stderr();
	if (strcmp(spec, "stdout") == 0)
		return log_open_stdout();
	if (strcmp(spec, "syslog") == 0)
		return log_open_syslog(NULL);
	if (strncmp(spec, "file:", 5) == 0 && spec[5] != '\0')
		return log_open_file(spec + 5);
	return ERR_INVAL;
}

int log_reopen(void)
{
	int rc = 0;
	pthread_mutex_lock(&logger.lock);
	if (logger.target == LOG_TARGET_FILE) {
		int fd = open_append(logger.path);
		if (fd < 0) {
			rc = fd;
		} else {
			close(logger.fd);
			logger.fd = fd;
		}
	}
	pthread_mutex_unlock(&logger.lock);
	return rc;
}

void log_close(void)
{
	log_open_stderr();
}

/*
 * Copies src into dst (room for cap bytes, cap >= 5) with control characters
 * escaped, then "\n" and a NUL. When src does not fit, or truncated says the
 * caller already lost its end, the text ends in "...". Returns the length
 * including the newline.
 */
static size_t escape_line(char *dst, size_t cap, const char *src, bool truncated)
{
	size_t n = 0;
	const size_t room = cap - 5; /* keep "...\n" and NUL */
	for (; *src; src++) {
		unsigned char c = (unsigned char)*src;
		char esc[5];
		size_t k;
		if (c == '\n' || c == '\t' || c == '\r') {
			esc[0] = '\\';
			esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
			k = 2;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			k = 4;
		} else {
			esc[0] = (char)c;
			k = 1;
		}
		if (n + k > room) {
			truncated = true;
			break;
		}
		memcpy(dst + n, esc, k);
		n += k;
	}
	if (truncated) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n++] = '\n';
	dst[n] = '\0';
	return n;
}

/* "2025-01-31T12:00:00.123Z warning: " */
static size_t format_prefix(char *dst, size_t cap, enum log_level level)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(dst, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	int k = snprintf(
		dst + n, cap - n, ".%03ldZ %s: ", ts.tv_nsec / 1000000L, log_level_name(level));
	return k < 0 ? n : n + (size_t)k;
}

/* One writev for the whole line; finish with write() if it came up short. */
static void write_line(int fd, const char *prefix, size_t plen, const char *body, size_t blen)
{
	struct iovec iov[2] = {
		{.iov_base = (void *)prefix, .iov_len = plen},
		{.iov_base = (void *)body, .iov_len = blen},
	};
	ssize_t w;
	do {
		w = writev(fd, iov, 2);
	} while (w < 0 && errno == EINTR);
	if (w < 0)
		return; /* nowhere left to report a logging failure */
	size_t done = (size_t)w;
	while (done < plen + blen) {
		const char *p = done < plen ? prefix + done : body + (done - plen);
		size_t left = done < plen ? plen - done : plen + blen - done;
		w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		done += (size_t)w;
	}
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if (!log_enabled(level))
		return;
	if (level > LOG_LEVEL_CRITICAL)
		level = LOG_LEVEL_CRITICAL;
	int saved_errno = errno; /* logging must not disturb the caller's errno */
	char raw[LOG_BODY_MAX], body[LOG_BODY_MAX];
	int r = vsnprintf(raw, sizeof(raw), fmt, ap);
	if (r < 0)
		snprintf(raw, sizeof(raw), "(unformattable log message: %s)", fmt);
	size_t blen = escape_line(body, sizeof(body), raw, r >= (int)sizeof(raw));

	pthread_mutex_lock(&logger.lock);
	if (logger.target == LOG_TARGET_SYSLOG) {
		/* syslog adds its own time stamp; the newline is not wanted. */
		syslog(syslog_prio[level], "%.*s", (int)(blen - 1), body);
	} else {
		char prefix[LOG_PREFIX_MAX];
		size_t plen = format_prefix(prefix, sizeof(prefix), level);
		write_line(logger.fd, prefix, plen, body, blen);
	}
	pthread_mutex_unlock(&logger.lock);
	errno = saved_errno;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

bool log_budget_take(struct log_budget *b, long long now, unsigned *held)
{
	*held = 0;
	if (now != b->sec) {
		*held = b->held;
		b->sec = now;
		b->used = b->held = 0;
	}
	if (b->used >= b->per_sec) {
		b->held++;
		return false;
	}
	b->used++;
	return true;
}
