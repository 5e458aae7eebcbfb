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
 * In detail:
 *   - The process group is a new session (setsid), so the hook and all it
 *     starts share one group id, the hook's pid, and one kill(-pid, ...)
 *     reaches them all. A process that leaves the group itself (setsid,
 *     daemonizing) is out of reach, as with any supervisor.
 *   - Exit statuses 126 and 127 are what POSIX sh reports when the command
 *     was found but could not be executed (126) or was not found (127)
 *     (POSIX XCU 2.8.2). They give HOOK_SPAWN_FAILED, not HOOK_REJECTED:
 *     a hook script must not use 126 or 127 to reject, it would halt the
 *     zone hard. Any other non-zero status is a plain rejection.
 *   - Output: lines longer than HOOK_LINE_MAX bytes are logged cut, with a
 *     note, and the rest of the line is dropped; a last line without a
 *     newline is logged when the stream ends. Memory per hook is fixed,
 *     however much the hook writes. stdin is /dev/null.
 *   - The verdict comes when the hook (the `sh`) has exited and both of its
 *     output streams are closed. When something the hook started still
 *     holds them open, the verdict comes HOOK_DRAIN_MS after the exit
 *     anyway and the streams are no longer read (a leftover that writes
 *     to them then gets SIGPIPE). Such leftovers of a hook
 *     that exited by itself are left alone; after a timeout they get the
 *     SIGKILL like the rest of the group (the hook object stays alive until
 *     then, done having been called already).
 *   - The timeout counts from hook_run(). At the timeout a warning is
 *     logged, and another one if SIGKILL is needed. The verdict itself is not logged here: that is the caller's.
 *
 * Threads: loop thread only. Ownership: the options are copied; the hook
 * object is freed by the library after done() was called (or after
 * hook_cancel()). Before the loop is closed, every hook on it must be
 * cancelled (hook_cancel_all() does that, including hooks whose done() was
 * called but whose SIGKILL is still due) and the loop run until their
 * handles are closed; closing their handles any other way (uv_walk) leaks
 * them.
 */
#ifndef CASCADE_REVIEW_HOOK_H
#define CASCADE_REVIEW_HOOK_H

#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

/* Longest output line logged whole, in bytes. */
#define HOOK_LINE_MAX 1000
/* From SIGTERM at the timeout to SIGKILL. */
#define HOOK_KILL_DELAY_MS 5000
/* How long the output streams may stay open after the hook exited. */
#define HOOK_DRAIN_MS 2000

enum hook_result {
	HOOK_APPROVED,	   /* exit status 0 */
	HOOK_REJECTED,	   /* another exit status, or killed by a signal */
	HOOK_TIMED_OUT,	   /* ran past the timeout and was killed */
	HOOK_SPAWN_FAILED, /* could not be started; also exit status 126 or 127 */
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
 * "the hook could not be run: ..." (valid during the call only).
 *
 * Details as written: "exited with status N"; "killed by signal N (SIGX)";
 * "timed out after N s" (or "N ms"), with ", SIGKILL needed" when SIGTERM
 * did not end it; for HOOK_SPAWN_FAILED "the hook could not be run: " and
 * then either why uv_spawn failed ("cannot start /bin/sh in /x: no such
 * file or directory", without " in /x" when cwd is NULL), or the hook's last line on stderr ("sh: 1: /x/hook.sh:
 * not found"), or, when it wrote none, "exit status 127: command not found"
 * (126: "command found but not executable"). */
typedef void (*hook_done_fn)(void *ctx, enum hook_result result, const char *detail);

struct hook;

/* Starts the hook. Returns 0 and *out, or a negative code when it could
 * not even be set up (then done is never called; a failed spawn itself is
 * reported through done with HOOK_SPAWN_FAILED, on a later loop turn).
 * ERR_INVAL when loop, opts, opts->cmd, done or out is NULL, or an env
 * entry has no '=' or an empty name; -ENOMEM. env names override the
 * daemon's variables of the same name; within env a later entry overrides
 * an earlier one. A NULL label logs as "review hook". *out stays valid
 * until done() returns or hook_cancel() is called; the caller must forget
 * it then. */
int hook_run(uv_loop_t *loop, const struct hook_opts *opts, hook_done_fn done, void *ctx,
	struct hook **out);

/* Kills the hook's process group and forgets it: done is not called. */
/* The kill is SIGKILL, at once: a cancelled hook gets no time to clean up,
 * so that a shutting-down daemon never waits for one. The hook is freed once
 * its handles are closed, which needs the loop to run a little longer (the
 * sh must be reaped first, or it would stay a zombie). May be called from
 * within done() (the group is then killed; the hook is freed as it would
 * be anyway); must not be called after done() returned. A second call
 * before then does nothing. */
void hook_cancel(struct hook *h);

/* The hook's process id, which is also its process group id (hook.h's
 * first paragraph); 0 when it did not start. Valid while *h is. */
pid_t hook_pid(const struct hook *h);

/* Cancels every hook started on loop by this thread and not yet freed,
 * also those whose done() was called but whose SIGKILL is still due. For
 * the daemon's shutdown: call it, then run the loop until it is empty. */
void hook_cancel_all(uv_loop_t *loop);

#endif
