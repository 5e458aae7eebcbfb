/*
 * hook.h - run one review hook (cascade-spec.md §4.2).
 *
 * The command runs as `sh -c CMD` in its own process group, with the
 * daemon's environment plus the given variables (CASCADE_ZONE,
 * CASCADE_SERIAL, ...). Every line it writes goes to the log, stdout at info
 * and stderr at warning, prefixed with the label. Exit status 0 approves;
 * any other status, death by a signal, or the timeout rejects. At the
 * timeout the whole process group gets SIGTERM, then SIGKILL 5 s later, so
 * neither the hook nor what it started outlives its verdict. A command that
 * cannot be started at all is reported as such: the caller makes it a hard
 * halt.
 *
 * Threads: loop thread only. Ownership: the options are copied; the hook
 * object is freed by the library after done() was called (or after
 * hook_cancel()).
 */
#ifndef CASCADE_REVIEW_HOOK_H
#define CASCADE_REVIEW_HOOK_H

#include <stdint.h>
#include <uv.h>

enum hook_result {
	HOOK_APPROVED,	   /* exit status 0 */
	HOOK_REJECTED,	   /* another exit status, or killed by a signal */
	HOOK_TIMED_OUT,	   /* ran past the timeout and was killed */
	HOOK_SPAWN_FAILED, /* could not be started */
};

struct hook_opts {
	const char *cmd;	/* given to sh -c */
	const char *const *env; /* "NAME=value" entries added, NULL-terminated; may be NULL */
	uint64_t timeout_ms;	/* 0: none */
	const char *label;	/* for log lines: "example.com: unsigned review hook" */
	const char *cwd;	/* working directory, NULL: the daemon's */
};

/* Called once, on the loop thread. detail says what happened in words:
 * "exited with status 1", "killed by signal 9", "timed out after 600 s",
 * "cannot run sh: ..." (valid during the call only). */
typedef void (*hook_done_fn)(void *ctx, enum hook_result result, const char *detail);

struct hook;

/* Starts the hook. Returns 0 and *out, or a negative code when it could
 * not even be set up (then done is never called; a failed spawn itself is
 * reported through done with HOOK_SPAWN_FAILED, on a later loop turn). */
int hook_run(uv_loop_t *loop, const struct hook_opts *opts, hook_done_fn done, void *ctx,
	struct hook **out);

/* Kills the hook's process group and forgets it: done is not called. */
void hook_cancel(struct hook *h);

#endif
