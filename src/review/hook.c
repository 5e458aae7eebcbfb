/*
 * hook.c - run one review hook (see hook.h; cascade-spec.md §4.2).
 *
 * A hook owns five libuv handles: the process, a pipe for each of stdout
 * and stderr, a timer for the timeout and the SIGKILL after it, and a timer
 * for the drain time after the exit (which also reports a failed spawn on a
 * later loop turn). It is freed when the last of them is closed. Output is
 * read into a fixed buffer per stream and cut into lines in a fixed line
 * buffer, so memory does not grow with what the hook writes.
 *
 * The hooks of a thread are kept in a list so hook_cancel_all() can reach
 * those the caller no longer holds (done() called, SIGKILL still due).
 */
#include "src/review/hook.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util/err.h"
#include "lib/util/log.h"

/* Bytes taken from a pipe per read. */
#define HOOK_READ_SIZE 8192
/* Room for the detail given to done() and for the last stderr line kept
 * for it. */
#define HOOK_DETAIL_SIZE 512
#define HOOK_LAST_ERR_SIZE 256

/* POSIX XCU 2.8.2: the statuses sh gives when it could not run a command. */
#define SH_NOT_EXECUTABLE 126
#define SH_NOT_FOUND 127

struct hook_stream {
	uv_pipe_t pipe;
	struct hook *hook;
	enum log_level level;
	bool open;     /* still read: no end of file, no error, not given up */
	bool skipping; /* the current line was cut: drop the rest of it */
	size_t len;    /* bytes in line */
	char line[HOOK_LINE_MAX];
	char rbuf[HOOK_READ_SIZE];
};

struct hook {
	struct hook *prev, *next; /* this thread's hooks */
	uv_loop_t *loop;
	uv_process_t proc;
	struct hook_stream out, err;
	uv_timer_t timer; /* the timeout, then the SIGKILL after the SIGTERM */
	uv_timer_t drain; /* the drain time after the exit; a spawn failure's report */
	unsigned handles; /* handles not yet closed */
	hook_done_fn done;
	void *ctx;
	char *label;
	uint64_t timeout_ms;
	pid_t pgid;	 /* the hook's group; 0 before the start or once it is gone */
	int spawn_err;	 /* why uv_spawn failed; 0 when it did not */
	int exit_status; /* valid once exited */
	int term_signal;
	bool exited;
	bool drained; /* the drain time after the exit has passed */
	bool timed_out;
	bool sigkill_sent;
	bool finished; /* the verdict is in (done called, unless cancelled) */
	bool in_done;
	bool cancelled;
	char detail[HOOK_DETAIL_SIZE];
	char last_err[HOOK_LAST_ERR_SIZE]; /* last non-empty stderr line */
};

static _Thread_local struct hook *live_hooks;

static void hook_finish(struct hook *h);

static void on_close(uv_handle_t *handle)
{
	struct hook *h = handle->data;
	if (--h->handles > 0)
		return;
	if (h->prev)
		h->prev->next = h->next;
	else
		live_hooks = h->next;
	if (h->next)
		h->next->prev = h->prev;
	free(h->label);
	free(h);
}

static void close_handle(uv_handle_t *handle)
{
	if (!uv_is_closing(handle))
		uv_close(handle, on_close);
}

/* Closes everything but the process handle, which is closed when the
 * process has exited (closing it earlier would leave the sh unreaped). */
static void close_all(struct hook *h)
{
	h->out.open = false;
	h->err.open = false;
	close_handle((uv_handle_t *)&h->out.pipe);
	close_handle((uv_handle_t *)&h->err.pipe);
	close_handle((uv_handle_t *)&h->timer);
	close_handle((uv_handle_t *)&h->drain);
}

/* Sends sig to the hook's process group (0: only asks whether it exists).
 * Returns true when the group was there. Once it is gone the id is
 * forgotten, so a later call cannot reach a new group that reuses it. */
static bool group_kill(struct hook *h, int sig)
{
	if (h->pgid <= 0)
		return false;
	if (kill(-h->pgid, sig) == 0)
		return true;
	if (errno == ESRCH)
		h->pgid = 0;
	return false;
}

/* "600 s", or "1500 ms" when the span is not whole seconds. */
static void format_ms(char *dst, size_t cap, uint64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(dst, cap, "%" PRIu64 " s", ms / 1000);
	else
		snprintf(dst, cap, "%" PRIu64 " ms", ms);
}

/* Length of s[0..n) without a multi-byte UTF-8 sequence the cut left
 * incomplete at its end, so a cut line stays valid UTF-8 when it was. */
static size_t utf8_whole(const char *s, size_t n)
{
	size_t i = n, cont = 0;
	while (i > 0 && cont < 3 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) {
		i--;
		cont++;
	}
	if (i == 0)
		return n;
	unsigned char lead = (unsigned char)s[i - 1];
	size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
	return need > 1 && cont + 1 < need ? i - 1 : n;
}

/* Logs the line collected so far and empties the buffer. */
static void stream_emit(struct hook_stream *s, bool cut)
{
	struct hook *h = s->hook;
	size_t n = s->len;
	if (n > 0 && s->line[n - 1] == '\r')
		n--; /* CRLF line ends */
	if (cut) {
		n = utf8_whole(s->line, n);
		log_msg(s->level, "%s: %.*s [line cut at %d bytes]", h->label, (int)n, s->line,
			HOOK_LINE_MAX);
	} else {
		log_msg(s->level, "%s: %.*s", h->label, (int)n, s->line);
	}
	if (s == &h->err && n > 0)
		snprintf(h->last_err, sizeof(h->last_err), "%.*s", (int)n, s->line);
	s->len = 0;
}

/* Splits what was read into lines: each complete one is logged; a line
 * that outgrows the buffer is logged cut and the rest of it dropped. */
static void stream_feed(struct hook_stream *s, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t seg = nl ? (size_t)(nl - p) : n;
		if (!s->skipping) {
			size_t take = seg;
			if (take > HOOK_LINE_MAX - s->len)
				take = HOOK_LINE_MAX - s->len;
			for (size_t i = 0; i < take; i++) {
				/* A NUL would end the text at the logger's %s; the
				 * logger escapes every other control character. */
				s->line[s->len++] = p[i] ? p[i] : '?';
			}
			if (take < seg) {
				stream_emit(s, true);
				s->skipping = true;
			} else if (nl) {
				stream_emit(s, false);
			}
		}
		if (nl)
			s->skipping = false;
		seg += nl ? 1 : 0;
		p += seg;
		n -= seg;
	}
}

/* The stream ended (or is given up): log a last line without a newline. */
static void stream_end(struct hook_stream *s)
{
	if (!s->open)
		return;
	s->open = false;
	if (s->len > 0 && !s->skipping)
		stream_emit(s, false);
	s->len = 0;
	s->skipping = false;
	uv_read_stop((uv_stream_t *)&s->pipe);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct hook_stream *s = (struct hook_stream *)handle; /* the pipe is its first member */
	/* One read at a time per stream, and it is fully consumed in
	 * on_read, so the stream's own buffer can be handed out each time. */
	*buf = uv_buf_init(s->rbuf, sizeof(s->rbuf));
}

/* Decides whether the verdict can be given: the hook exited, and its
 * streams are closed or the drain time after the exit has passed. */
static void hook_maybe_finish(struct hook *h)
{
	if (h->finished || h->cancelled || !h->exited)
		return;
	if ((h->out.open || h->err.open) && !h->drained)
		return;
	hook_finish(h);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct hook_stream *s = (struct hook_stream *)stream;
	struct hook *h = s->hook;
	if (nread > 0) {
		stream_feed(s, buf->base, (size_t)nread);
		return;
	}
	if (nread == 0) /* EAGAIN: nothing this time */
		return;
	if (nread != UV_EOF)
		log_warning("%s: reading its output failed: %s", h->label, uv_strerror((int)nread));
	stream_end(s);
	close_handle((uv_handle_t *)&s->pipe);
	hook_maybe_finish(h);
}

static void on_drain(uv_timer_t *timer)
{
	struct hook *h = timer->data;
	if (h->spawn_err) {
		hook_finish(h);
		return;
	}
	h->drained = true;
	hook_maybe_finish(h);
}

static void on_proc_exit(uv_process_t *proc, int64_t exit_status, int term_signal)
{
	struct hook *h = proc->data;
	h->exited = true;
	h->exit_status = (int)exit_status;
	h->term_signal = term_signal;
	close_handle((uv_handle_t *)proc);
	if (h->cancelled || h->finished)
		return;
	if (!h->timed_out)
		uv_timer_stop(&h->timer);
	hook_maybe_finish(h);
	if (!h->finished)
		uv_timer_start(&h->drain, on_drain, HOOK_DRAIN_MS, 0);
}

/* First the timeout (SIGTERM to the group), then HOOK_KILL_DELAY_MS later
 * the SIGKILL for whatever is left of it. */
static void on_timer(uv_timer_t *timer)
{
	struct hook *h = timer->data;
	char span[32];
	if (!h->timed_out) {
		h->timed_out = true;
		format_ms(span, sizeof(span), h->timeout_ms);
		log_warning(
			"%s: still running after %s, stopping it (SIGTERM to its process group)",
			h->label, span);
		group_kill(h, SIGTERM);
		uv_timer_start(&h->timer, on_timer, HOOK_KILL_DELAY_MS, 0);
		return;
	}
	if (group_kill(h, SIGKILL)) {
		h->sigkill_sent = true;
		format_ms(span, sizeof(span), HOOK_KILL_DELAY_MS);
		log_warning(
			"%s: still running %s after SIGTERM, killing it (SIGKILL to its process "
			"group)",
			h->label, span);
	}
	if (h->finished)
		close_all(h);
}

/* The verdict for a hook that exited by itself. */
static enum hook_result exit_verdict(struct hook *h)
{
	if (h->term_signal) {
		const char *name = sigabbrev_np(h->term_signal);
		snprintf(h->detail, sizeof(h->detail), "killed by signal %d (SIG%s)",
			h->term_signal, name ? name : "?");
		return HOOK_REJECTED;
	}
	if (h->exit_status == SH_NOT_FOUND || h->exit_status == SH_NOT_EXECUTABLE) {
		if (h->last_err[0])
			snprintf(h->detail, sizeof(h->detail), "the hook could not be run: %s",
				h->last_err);
		else
			snprintf(h->detail, sizeof(h->detail),
				"the hook could not be run: exit status %d: %s", h->exit_status,
				h->exit_status == SH_NOT_FOUND
					? "command not found"
					: "command found but not executable");
		return HOOK_SPAWN_FAILED;
	}
	snprintf(h->detail, sizeof(h->detail), "exited with status %d", h->exit_status);
	return h->exit_status == 0 ? HOOK_APPROVED : HOOK_REJECTED;
}

static enum hook_result verdict(struct hook *h)
{
	if (h->spawn_err)
		return HOOK_SPAWN_FAILED; /* detail written at the spawn */
	if (h->timed_out) {
		char span[32];
		format_ms(span, sizeof(span), h->timeout_ms);
		snprintf(h->detail, sizeof(h->detail), "timed out after %s%s", span,
			h->sigkill_sent ? ", SIGKILL needed" : "");
		return HOOK_TIMED_OUT;
	}
	return exit_verdict(h);
}

/* Gives the verdict, then closes what is not needed any more. After a
 * timeout the SIGKILL timer stays when the group is still there. */
static void hook_finish(struct hook *h)
{
	h->finished = true;
	uv_timer_stop(&h->drain);
	if (!h->timed_out)
		uv_timer_stop(&h->timer);
	if (h->out.open || h->err.open)
		log_warning("%s: ended, but something it started still holds its output open; "
			    "no longer reading it",
			h->label);
	stream_end(&h->out);
	stream_end(&h->err);
	close_handle((uv_handle_t *)&h->out.pipe);
	close_handle((uv_handle_t *)&h->err.pipe);

	enum hook_result result = verdict(h);
	if (!h->cancelled) {
		h->in_done = true;
		h->done(h->ctx, result, h->detail);
		h->in_done = false;
	}
	if (h->cancelled) /* hook_cancel() from within done() */
		group_kill(h, SIGKILL);
	else if (h->timed_out && !h->sigkill_sent && group_kill(h, 0))
		return; /* on_timer sends the SIGKILL, then closes */
	close_all(h);
}

void hook_cancel(struct hook *h)
{
	if (!h || h->cancelled)
		return;
	h->cancelled = true;
	if (h->in_done)
		return; /* hook_finish() goes on once done() returns */
	/* Not yet finished, or finished with the SIGKILL after a timeout
	 * still due (only its timer is left open then). */
	if (!h->finished || !uv_is_closing((uv_handle_t *)&h->timer))
		group_kill(h, SIGKILL);
	close_all(h);
}

pid_t hook_pid(const struct hook *h)
{
	return h->spawn_err ? 0 : h->proc.pid;
}

void hook_cancel_all(uv_loop_t *loop)
{
	for (struct hook *h = live_hooks; h; h = h->next) {
		if (h->loop == loop)
			hook_cancel(h);
	}
}

static size_t name_len(const char *entry)
{
	return strcspn(entry, "=");
}

static bool same_name(const char *a, const char *b)
{
	size_t n = name_len(a);
	return n == name_len(b) && memcmp(a, b, n) == 0;
}

/* Whether a later entry of extra (from i + 1 on) names the same variable. */
static bool overridden(const char *entry, const char *const *extra, size_t from)
{
	for (size_t j = from; extra && extra[j]; j++) {
		if (same_name(entry, extra[j]))
			return true;
	}
	return false;
}

/* The hook's environment: environ without the names extra sets, then
 * extra. The array is the caller's to free; the strings stay environ's and
 * extra's (uv_spawn needs them only during the call, and only reads them:
 * its char ** is not const, hence the casts). */
static int env_build(const char *const *extra, char ***out)
{
	size_t ne = 0, nx = 0;
	for (char **e = environ; e && *e; e++)
		ne++;
	for (; extra && extra[nx]; nx++) {
		size_t n = name_len(extra[nx]);
		if (n == 0 || extra[nx][n] != '=')
			return ERR_INVAL;
	}
	char **env = calloc(ne + nx + 1, sizeof(*env));
	if (!env)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < ne; i++) {
		if (!overridden(environ[i], extra, 0))
			env[k++] = environ[i];
	}
	for (size_t i = 0; i < nx; i++) {
		if (!overridden(extra[i], extra, i + 1))
			env[k++] = (char *)extra[i];
	}
	env[k] = NULL;
	*out = env;
	return 0;
}

static void stream_init(struct hook *h, struct hook_stream *s, enum log_level level)
{
	s->hook = h;
	s->level = level;
	uv_pipe_init(h->loop, &s->pipe, 0);
	s->pipe.data = h;
}

/* Starts sh; on failure records why, for done() on the next loop turn. */
static void hook_spawn(struct hook *h, const struct hook_opts *opts, char **env)
{
	char *args[] = {"sh", "-c", (char *)opts->cmd, NULL};
	uv_stdio_container_t stdio[3] = {
		{.flags = UV_IGNORE},
		{.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE,
			.data.stream = (uv_stream_t *)&h->out.pipe},
		{.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE,
			.data.stream = (uv_stream_t *)&h->err.pipe},
	};
	uv_process_options_t po = {
		.exit_cb = on_proc_exit,
		.file = "/bin/sh",
		.args = args,
		.env = env,
		.cwd = opts->cwd,
		/* setsid() in the child: a group of its own, see hook.h */
		.flags = UV_PROCESS_DETACHED,
		.stdio_count = 3,
		.stdio = stdio,
	};
	int rc = uv_spawn(h->loop, &h->proc, &po);
	h->proc.data = h;
	/* The loop's clock was read before this callback ran, and spawning
	 * (several of them) takes time: the timeout counts from now. */
	uv_update_time(h->loop);
	if (rc == 0) {
		h->pgid = h->proc.pid;
		h->out.open = h->err.open = true;
		uv_read_start((uv_stream_t *)&h->out.pipe, on_alloc, on_read);
		uv_read_start((uv_stream_t *)&h->err.pipe, on_alloc, on_read);
		if (h->timeout_ms)
			uv_timer_start(&h->timer, on_timer, h->timeout_ms, 0);
		return;
	}
	h->spawn_err = rc;
	snprintf(h->detail, sizeof(h->detail),
		"the hook could not be run: cannot start /bin/sh%s%s: %s", opts->cwd ? " in " : "",
		opts->cwd ? opts->cwd : "", uv_strerror(rc));
	/* The pipes may have been opened before the exec failed. */
	close_handle((uv_handle_t *)&h->out.pipe);
	close_handle((uv_handle_t *)&h->err.pipe);
	close_handle((uv_handle_t *)&h->proc);
	uv_timer_start(&h->drain, on_drain, 0, 0);
}

int hook_run(uv_loop_t *loop, const struct hook_opts *opts, hook_done_fn done, void *ctx,
	struct hook **out)
{
	if (!loop || !opts || !opts->cmd || !done || !out)
		return ERR_INVAL;
	char **env = NULL;
	int rc = env_build(opts->env, &env);
	if (rc < 0)
		return rc;
	struct hook *h = calloc(1, sizeof(*h));
	if (!h || !(h->label = strdup(opts->label ? opts->label : "review hook"))) {
		free(h);
		free(env);
		return -ENOMEM;
	}
	h->loop = loop;
	h->done = done;
	h->ctx = ctx;
	h->timeout_ms = opts->timeout_ms;
	/* On Unix these only fill in the structs; they cannot fail. */
	stream_init(h, &h->out, LOG_LEVEL_INFO);
	stream_init(h, &h->err, LOG_LEVEL_WARNING);
	uv_timer_init(loop, &h->timer);
	uv_timer_init(loop, &h->drain);
	h->timer.data = h->drain.data = h;
	h->handles = 5;
	h->next = live_hooks;
	if (live_hooks)
		live_hooks->prev = h;
	live_hooks = h;
	hook_spawn(h, opts, env);
	free(env);
	*out = h;
	return 0;
}
