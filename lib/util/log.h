/*
 * log.h - the process-wide logger.
 *
 * The one place allowed to print (DESIGN §6: lib/ never logs, src/ logs once
 * at the edge). Levels and targets are Cascade's (cascade-spec §9, §15):
 * levels trace, debug, info, warning, error, critical; targets stdout,
 * stderr, a file, or syslog. The "-l/--log" and CASCADE_LOG syntax
 * "stdout|stderr|syslog|file:<PATH>" is parsed by log_open_spec().
 *
 * Every message becomes exactly one line, written with one write(2) (or one
 * syslog(3) call) under a mutex, so lines from different threads never mix
 * and a file opened O_APPEND stays line-intact even with other writers.
 * Control characters in messages are escaped (\n, \t, \xHH) so a message
 * cannot forge extra lines. Lines on stdout, stderr and files start with a
 * UTC ISO 8601 timestamp with milliseconds and the level:
 *   2025-01-31T12:00:00.123Z warning: zone example.: ...
 * Syslog lines carry the level as the priority only.
 * Messages longer than LOG_LINE_MAX are cut and end in "...".
 *
 * State: one logger per process, kept in log.c behind these functions.
 * Until a target is opened, messages go to stderr at level info.
 * Thread-safety: every function may be called from any thread.
 * log_open_*() and log_reopen() swap the target atomically with respect to
 * writers; a failed open keeps the previous target.
 */
#ifndef CASCADE_UTIL_LOG_H
#define CASCADE_UTIL_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/* Longest line written, timestamp and newline included. */
#define LOG_LINE_MAX 4096

/* Named LOG_LEVEL_* because <syslog.h> owns LOG_DEBUG, LOG_INFO, ... */
enum log_level {
	LOG_LEVEL_TRACE,
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_CRITICAL,
};

enum log_target {
	LOG_TARGET_STDERR,
	LOG_TARGET_STDOUT,
	LOG_TARGET_FILE,
	LOG_TARGET_SYSLOG,
};

/* "trace" ... "critical", exactly as in Cascade's config (lower case).
 * Returns ERR_INVAL for anything else. */
int log_level_parse(const char *s, enum log_level *out);
/* Static text for a level; "unknown" when out of range. */
const char *log_level_name(enum log_level level);

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* True when a message at level would be written; cheap (one atomic load),
 * so callers can skip building expensive trace output. */
bool log_enabled(enum log_level level);

/* Switch the target. The path is copied; the file is opened for appending
 * (created 0640 if missing). Returns 0 or -errno; on failure the previous
 * target stays. ident for syslog is copied (at most 63 chars); NULL means
 * "cascade". Syslog uses LOG_DAEMON and LOG_PID. */
int log_open_stderr(void);
int log_open_stdout(void);
int log_open_file(const char *path);
int log_open_syslog(const char *ident);
/* "stdout", "stderr", "syslog" (ident "cascade") or "file:<PATH>" (PATH not
 * empty). ERR_INVAL for anything else, -errno if the file cannot be opened. */
int log_open_spec(const char *spec);
/* For log rotation (SIGHUP): reopens the file target by its path, so lines
 * go to the new file after the old one was renamed. The new file is opened
 * before the old descriptor is closed; on failure the old one stays and
 * -errno is returned. A no-op returning 0 for other targets. */
int log_reopen(void);
/* Closes a file or syslog target and falls back to stderr. */
void log_close(void);
enum log_target log_get_target(void);

/* A budget for lines that outside input can cause (refused requests, bad
 * signatures): at most `per_sec` such lines each second; the first call of
 * a new second reports how many were held back in the one before (in
 * *held, to say so in a line). Plain data, zeroed to start; one per kind of
 * line, used by one thread. */
struct log_budget {
	unsigned per_sec;
	long long sec;
	unsigned used, held;
};
/* Whether one more line may go out at time now (seconds). */
bool log_budget_take(struct log_budget *b, long long now, unsigned *held);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define log_trace(...) log_msg(LOG_LEVEL_TRACE, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_critical(...) log_msg(LOG_LEVEL_CRITICAL, __VA_ARGS__)

#endif
