/* Unit tests for src/review/hook: real libuv loops running real `sh`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util/err.h"
#include "lib/util/log.h"
#include "src/review/hook.h"
#include "tmpdir.h"

#define LABEL "example.com: unsigned review hook"
/* A hook that leaves, after SIGTERM, a grandchild that ignores SIGTERM and
 * does not hold the hook's output: the verdict comes at once, the SIGKILL
 * stays due. The grandchild inherits the ignored SIGTERM when it is forked
 * (a trap set in the child itself could come too late on a busy machine).
 * Hooks that must have set their traps before the timeout get TRAP_MS. */
#define LATE_CMD "trap '' TERM; sleep 1000 >/dev/null 2>&1 & trap - TERM; sleep 1000"
#define TRAP_MS 1000

/* What done() reported for one hook. */
struct outcome {
	int calls;
	enum hook_result result;
	char detail[512];
	uint64_t start_ns;
	uint64_t at_ms;	   /* when done() was called, from start_ns */
	struct hook *hook; /* for done() to cancel; NULL: it does not */
	uv_loop_t *stop;   /* for done() to stop; NULL: it does not */
};

static void on_done(void *ctx, enum hook_result result, const char *detail)
{
	struct outcome *o = ctx;
	o->calls++;
	o->result = result;
	snprintf(o->detail, sizeof(o->detail), "%s", detail);
	o->at_ms = (uv_hrtime() - o->start_ns) / 1000000;
	if (o->hook)
		hook_cancel(o->hook);
	if (o->stop)
		uv_stop(o->stop);
}

static uint64_t ms_since(uint64_t start_ns)
{
	return (uv_hrtime() - start_ns) / 1000000;
}

/* Starts a hook; done() must not have been called yet. */
static struct hook *start(uv_loop_t *loop, const struct hook_opts *opts, struct outcome *o)
{
	struct hook *h = NULL;
	o->start_ns = uv_hrtime();
	assert_int_equal(hook_run(loop, opts, on_done, o, &h), 0);
	assert_non_null(h);
	assert_int_equal(o->calls, 0);
	return h;
}

/* Runs one hook on a loop of its own until the loop is empty; the loop
 * must then close (every handle closed, so nothing of the hook is left).
 * Returns how long the loop ran, in ms. */
static uint64_t run_one(const struct hook_opts *opts, struct outcome *o, pid_t *pid)
{
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	struct hook *h = start(&loop, opts, o);
	if (pid)
		*pid = hook_pid(h);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	uint64_t ms = ms_since(o->start_ns);
	assert_int_equal(o->calls, 1);
	assert_int_equal(uv_loop_close(&loop), 0);
	return ms;
}

static void run_cmd(const char *cmd, struct outcome *o)
{
	struct hook_opts opts = {.cmd = cmd, .label = LABEL};
	run_one(&opts, o, NULL);
}

/* Field 3 and 5 of /proc/PID/stat: the state and the process group. The
 * command name before them may hold spaces and parentheses; it ends at the
 * last ')'. Returns false when the process is gone. */
static bool proc_stat(const char *pid, char *state, long *pgrp)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	int ppid;
	return p && sscanf(p + 1, " %c %d %ld", state, &ppid, pgrp) == 3;
}

/* Processes of group pgid still alive. Zombies do not count: an orphan
 * that is dead but not yet reaped by init runs nothing. */
static int group_members(pid_t pgid)
{
	DIR *d = opendir("/proc");
	assert_non_null(d);
	int count = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char state;
		long pgrp;
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		if (proc_stat(e->d_name, &state, &pgrp) && pgrp == pgid && state != 'Z' &&
			state != 'X')
			count++;
	}
	closedir(d);
	return count;
}

/* group_members() once the group is empty, or after a second: a process
 * that was killed may need a moment to finish dying (its output is
 * closed, which let the verdict come, before it is a zombie). */
static int members_left(pid_t pgid)
{
	int n = group_members(pgid);
	for (int i = 0; i < 100 && n > 0; i++) {
		usleep(10000);
		n = group_members(pgid);
	}
	return n;
}

static pid_t group_of(pid_t pid)
{
	char name[32], state;
	long pgrp;
	snprintf(name, sizeof(name), "%d", (int)pid);
	assert_true(proc_stat(name, &state, &pgrp));
	return (pid_t)pgrp;
}

/* Whole file as a string (caller frees). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	struct stat st;
	assert_int_equal(fstat(fileno(f), &st), 0);
	char *s = malloc((size_t)st.st_size + 1);
	assert_non_null(s);
	size_t n = fread(s, 1, (size_t)st.st_size, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

/* The log lines of one level, in order, with time stamp and level taken
 * off: "<level>: <text>" becomes "<text>". At most max lines. */
static size_t lines_at(char *log, const char *level, char **out, size_t max)
{
	size_t n = 0, ll = strlen(level);
	for (char *line = log; *line;) {
		char *end = strchr(line, '\n');
		assert_non_null(end);
		char *sp = strchr(line, ' '); /* after the time stamp */
		if (sp && sp < end && strncmp(sp + 1, level, ll) == 0 && sp[1 + ll] == ':') {
			assert_true(n < max);
			out[n++] = sp + ll + 3;
		}
		line = end + 1;
	}
	return n;
}

/* Copies log lines out (they end at '\n'), comparing each to want. */
static void check_lines(char **got, size_t n, const char *const *want)
{
	size_t i = 0;
	for (; want[i]; i++) {
		assert_true(i < n);
		size_t len = strcspn(got[i], "\n");
		char buf[1200];
		assert_true(len < sizeof(buf));
		memcpy(buf, got[i], len);
		buf[len] = '\0';
		assert_string_equal(buf, want[i]);
	}
	assert_int_equal(i, n);
}

static void log_to(const char *name, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", dir, name);
	unlink(path);
	assert_int_equal(log_open_file(path), 0);
}

static void test_approve(void **state)
{
	(void)state;
	struct outcome o = {0};
	run_cmd("exit 0", &o);
	assert_int_equal(o.result, HOOK_APPROVED);
	assert_string_equal(o.detail, "exited with status 0");

	struct outcome o2 = {0};
	run_cmd("echo fine; true", &o2);
	assert_int_equal(o2.result, HOOK_APPROVED);
}

static void test_reject(void **state)
{
	(void)state;
	struct outcome o = {0};
	run_cmd("exit 1", &o);
	assert_int_equal(o.result, HOOK_REJECTED);
	assert_string_equal(o.detail, "exited with status 1");

	struct outcome o2 = {0};
	run_cmd("echo no; exit 125", &o2);
	assert_int_equal(o2.result, HOOK_REJECTED);
	assert_string_equal(o2.detail, "exited with status 125");
}

static void test_signal(void **state)
{
	(void)state;
	struct outcome o = {0};
	run_cmd("kill -KILL $$", &o);
	assert_int_equal(o.result, HOOK_REJECTED);
	assert_string_equal(o.detail, "killed by signal 9 (SIGKILL)");

	struct outcome o2 = {0};
	run_cmd("kill -TERM $$; sleep 10", &o2);
	assert_int_equal(o2.result, HOOK_REJECTED);
	assert_string_equal(o2.detail, "killed by signal 15 (SIGTERM)");
}

static void test_env(void **state)
{
	(void)state;
	assert_int_equal(setenv("HOOK_TEST_INHERITED", "old", 1), 0);
	assert_int_equal(setenv("HOOK_TEST_KEPT", "kept", 1), 0);
	const char *const env[] = {"CASCADE_ZONE=example.com", "CASCADE_SERIAL=2025010101",
		"HOOK_TEST_INHERITED=new", "HOOK_TEST_TWICE=1", "HOOK_TEST_TWICE=2", NULL};
	/* Each check says which one failed, on stderr. The counts are read
	 * from the environment sh was started with (/proc/$$/environ): sh
	 * itself keeps one value per name whatever it was given. */
	const char *cmd =
		"fail() { echo \"$1\" >&2; exit 1; };"
		"test \"$CASCADE_ZONE\" = example.com || fail zone;"
		"test \"$CASCADE_SERIAL\" = 2025010101 || fail serial;"
		"test \"$HOOK_TEST_INHERITED\" = new || fail override;"
		"test \"$HOOK_TEST_KEPT\" = kept || fail inherited;"
		"test \"$HOOK_TEST_TWICE\" = 2 || fail twice;"
		"test $(tr '\\0' '\\n' </proc/$$/environ | grep -c '^HOOK_TEST_INHERITED=') = 1 "
		"|| fail count1;"
		"test $(tr '\\0' '\\n' </proc/$$/environ | grep -c '^HOOK_TEST_TWICE=') = 1 "
		"|| fail count2";
	struct hook_opts opts = {.cmd = cmd, .env = env, .label = LABEL};
	struct outcome o = {0};
	run_one(&opts, &o, NULL);
	assert_string_equal(o.detail, "exited with status 0");
	assert_int_equal(o.result, HOOK_APPROVED);

	/* The same check fails when the variable is not given. */
	const char *const env2[] = {"CASCADE_ZONE=example.org", NULL};
	struct hook_opts opts2 = {.cmd = "test \"$CASCADE_ZONE\" = example.com", .env = env2};
	struct outcome o2 = {0};
	run_one(&opts2, &o2, NULL);
	assert_int_equal(o2.result, HOOK_REJECTED);
	unsetenv("HOOK_TEST_INHERITED");
	unsetenv("HOOK_TEST_KEPT");
}

static void test_bad_args(void **state)
{
	(void)state;
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	struct outcome o = {0};
	struct hook *h = NULL;
	struct hook_opts opts = {.cmd = "exit 0"};
	assert_int_equal(hook_run(&loop, NULL, on_done, &o, &h), ERR_INVAL);
	assert_int_equal(hook_run(&loop, &opts, NULL, &o, &h), ERR_INVAL);
	assert_int_equal(hook_run(&loop, &opts, on_done, &o, NULL), ERR_INVAL);
	struct hook_opts nocmd = {.cmd = NULL};
	assert_int_equal(hook_run(&loop, &nocmd, on_done, &o, &h), ERR_INVAL);
	const char *const noeq[] = {"CASCADE_ZONE", NULL};
	const char *const noname[] = {"=x", NULL};
	opts.env = noeq;
	assert_int_equal(hook_run(&loop, &opts, on_done, &o, &h), ERR_INVAL);
	opts.env = noname;
	assert_int_equal(hook_run(&loop, &opts, on_done, &o, &h), ERR_INVAL);
	assert_null(h);
	/* Nothing was started: the loop has nothing to do and closes. */
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(o.calls, 0);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* The hook runs in a group of its own, and the timeout ends all of it:
 * when done() is called, nothing of the group is left running. */
static void test_timeout(void **state)
{
	(void)state;
	struct hook_opts opts = {
		.cmd = "sleep 1000 & sleep 1000",
		.timeout_ms = 300,
		.label = LABEL,
	};
	char path[128];
	log_to("timeout.log", path, sizeof(path));
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	struct outcome o = {.stop = &loop};
	struct hook *h = start(&loop, &opts, &o);
	pid_t pid = hook_pid(h);
	assert_true(pid > 0);
	assert_int_equal(group_of(pid), pid);
	assert_int_not_equal(group_of(pid), getpgrp());
	assert_true(group_members(pid) >= 1);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.result, HOOK_TIMED_OUT);
	assert_string_equal(o.detail, "timed out after 300 ms");
	/* SIGTERM was enough: no waiting for the SIGKILL. The loop's clock
	 * may lag the test's by a few ms, hence the margin. */
	assert_true(o.at_ms >= 250 && o.at_ms < 2000);
	assert_int_equal(members_left(pid), 0);

	/* Where init leaves the dead grandchild unreaped, its group still
	 * exists and the SIGKILL stays due; cancelling ends that wait. */
	hook_cancel_all(&loop);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(o.calls, 1);

	assert_int_equal(log_open_stderr(), 0);
	char *log = slurp(path);
	char *warn[4];
	const char *const want[] = {LABEL ": still running after 300 ms, stopping it (SIGTERM to "
					  "its process group)",
		NULL};
	check_lines(warn, lines_at(log, "warning", warn, 4), want);
	free(log);
}

/* A grandchild that ignores SIGTERM keeps the pipes open: the verdict
 * comes HOOK_DRAIN_MS after the hook died, the SIGKILL still 5 s after the
 * SIGTERM. A hook that ignores SIGTERM itself is ended by the SIGKILL.
 * Both run at once, to keep the test short. */
static void test_timeout_escalation(void **state)
{
	(void)state;
	struct hook_opts a = {
		.cmd = "trap '' TERM; sleep 1000 & trap - TERM; sleep 1000",
		.timeout_ms = TRAP_MS,
		.label = "a",
	};
	struct hook_opts b = {
		.cmd = "trap '' TERM; sleep 1000 & sleep 1000",
		.timeout_ms = TRAP_MS,
		.label = "b",
	};
	struct outcome oa = {0}, ob = {0};
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	pid_t pa = hook_pid(start(&loop, &a, &oa));
	pid_t pb = hook_pid(start(&loop, &b, &ob));
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	uint64_t total = ms_since(oa.start_ns);
	assert_int_equal(uv_loop_close(&loop), 0);

	assert_int_equal(oa.calls, 1);
	assert_int_equal(oa.result, HOOK_TIMED_OUT);
	assert_string_equal(oa.detail, "timed out after 1 s");
	assert_true(oa.at_ms >= TRAP_MS + HOOK_DRAIN_MS - 50 &&
		oa.at_ms < TRAP_MS + HOOK_KILL_DELAY_MS);

	assert_int_equal(ob.calls, 1);
	assert_int_equal(ob.result, HOOK_TIMED_OUT);
	assert_string_equal(ob.detail, "timed out after 1 s, SIGKILL needed");
	assert_true(ob.at_ms >= TRAP_MS + HOOK_KILL_DELAY_MS - 50);

	/* The loop ran until a's SIGKILL too. */
	assert_true(total >= TRAP_MS + HOOK_KILL_DELAY_MS - 50);
	assert_int_equal(members_left(pa), 0);
	assert_int_equal(members_left(pb), 0);
}

/* A hook that exits but leaves something holding its output open still
 * gets its verdict, HOOK_DRAIN_MS later; what it left is not killed. */
static void test_drain_after_exit(void **state)
{
	(void)state;
	char path[128];
	log_to("drain.log", path, sizeof(path));
	struct hook_opts opts = {.cmd = "sleep 1000 & exit 0", .label = LABEL};
	struct outcome o = {0};
	pid_t pid = 0;
	run_one(&opts, &o, &pid);
	assert_int_equal(log_open_stderr(), 0);
	char *log = slurp(path);
	char *warn[4];
	const char *const want[] = {LABEL ": ended, but something it started still holds its "
					  "output open; no longer reading it",
		NULL};
	check_lines(warn, lines_at(log, "warning", warn, 4), want);
	free(log);
	assert_int_equal(o.result, HOOK_APPROVED);
	assert_true(o.at_ms >= HOOK_DRAIN_MS && o.at_ms < HOOK_DRAIN_MS + 1500);
	assert_int_equal(group_members(pid), 1);
	assert_int_equal(kill(-pid, SIGKILL), 0);
}

static void test_spawn_failure(void **state)
{
	(void)state;
	struct hook_opts opts = {
		.cmd = "exit 0",
		.cwd = "/nonexistent/cascade-hook-test",
		.label = LABEL,
	};
	struct outcome o = {0};
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	struct hook *h = start(&loop, &opts, &o);
	assert_int_equal(hook_pid(h), 0);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.result, HOOK_SPAWN_FAILED);
	assert_string_equal(o.detail,
		"the hook could not be run: cannot start /bin/sh in "
		"/nonexistent/cascade-hook-test: no such file or directory");
}

static void test_not_found(void **state)
{
	(void)state;
	char cmd[128], want[256];
	snprintf(cmd, sizeof(cmd), "%s/no-such-hook.sh --unsigned", dir);
	/* dash's words; the point is that sh's own line is passed on. */
	snprintf(want, sizeof(want),
		"the hook could not be run: sh: 1: %s/no-such-hook.sh: not found", dir);
	struct outcome o = {0};
	run_cmd(cmd, &o);
	assert_int_equal(o.result, HOOK_SPAWN_FAILED);
	assert_string_equal(o.detail, want);

	struct outcome o2 = {0};
	run_cmd("exit 127", &o2);
	assert_int_equal(o2.result, HOOK_SPAWN_FAILED);
	assert_string_equal(
		o2.detail, "the hook could not be run: exit status 127: command not found");
}

static void test_not_executable(void **state)
{
	(void)state;
	char path[128], want[256];
	snprintf(path, sizeof(path), "%s/hook.sh", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\nexit 0\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0644), 0);
	snprintf(want, sizeof(want), "the hook could not be run: sh: 1: %s: Permission denied",
		path);
	struct outcome o = {0};
	run_cmd(path, &o);
	assert_int_equal(o.result, HOOK_SPAWN_FAILED);
	assert_string_equal(o.detail, want);

	/* Executable, the same file approves. */
	assert_int_equal(chmod(path, 0755), 0);
	struct outcome o2 = {0};
	run_cmd(path, &o2);
	assert_int_equal(o2.result, HOOK_APPROVED);

	struct outcome o3 = {0};
	run_cmd("exit 126", &o3);
	assert_int_equal(o3.result, HOOK_SPAWN_FAILED);
	assert_string_equal(o3.detail,
		"the hook could not be run: exit status 126: command found but not executable");
}

static void test_output(void **state)
{
	(void)state;
	char path[128];
	log_to("output.log", path, sizeof(path));
	const char *cmd = "echo first line; echo problem >&2; "
			  "head -c 2500 /dev/zero | tr '\\0' a; echo; "
			  "head -c 1000 /dev/zero | tr '\\0' b; echo; "
			  "printf 'crlf\\r\\n'; printf '\\n'; echo second problem >&2; "
			  "printf 'caf\\303\\251'; head -c 994 /dev/zero | tr '\\0' c; "
			  "printf '\\303\\251 and more\\n'; "
			  "printf 'no newline' >&2; printf 'partial out'";
	struct outcome o = {0};
	struct hook_opts opts = {.cmd = cmd, .label = LABEL};
	run_one(&opts, &o, NULL);
	assert_int_equal(log_open_stderr(), 0);
	assert_int_equal(o.result, HOOK_APPROVED);

	char *log = slurp(path);
	char *info[16], *warn[16];
	size_t ni = lines_at(log, "info", info, 16);
	size_t nw = lines_at(log, "warning", warn, 16);
	char as[1100], bs[1100], cs[1100];
	memset(as, 'a', 1000);
	memset(bs, 'b', 1000);
	snprintf(as + 1000, 100, " [line cut at 1000 bytes]");
	bs[1000] = '\0';
	/* 5 + 994 bytes, then a 2-byte "é" that the cut at 1000 bytes
	 * splits: it is left out whole. */
	memcpy(cs, "caf\303\251", 5);
	memset(cs + 5, 'c', 994);
	snprintf(cs + 999, 100, " [line cut at 1000 bytes]");
	char first[1200], a[1200], b[1200], c[1200];
	snprintf(first, sizeof(first), "%s: first line", LABEL);
	snprintf(a, sizeof(a), "%s: %s", LABEL, as);
	snprintf(b, sizeof(b), "%s: %s", LABEL, bs);
	snprintf(c, sizeof(c), "%s: %s", LABEL, cs);
	const char *const want_info[] = {
		first, a, b, LABEL ": crlf", LABEL ": ", c, LABEL ": partial out", NULL};
	check_lines(info, ni, want_info);
	const char *const want_warn[] = {
		LABEL ": problem", LABEL ": second problem", LABEL ": no newline", NULL};
	check_lines(warn, nw, want_warn);
	free(log);
}

/* Megabytes without a newline: one line, cut, on each stream, and the
 * hook still gets its verdict. */
static void test_flood(void **state)
{
	(void)state;
	char path[128];
	log_to("flood.log", path, sizeof(path));
	const char *cmd = "head -c 8000000 /dev/zero | tr '\\0' x; "
			  "head -c 3000000 /dev/zero | tr '\\0' y >&2; echo; echo end; exit 1";
	struct outcome o = {0};
	struct hook_opts opts = {.cmd = cmd, .label = "flood"};
	run_one(&opts, &o, NULL);
	assert_int_equal(log_open_stderr(), 0);
	assert_int_equal(o.result, HOOK_REJECTED);

	char *log = slurp(path);
	assert_true(strlen(log) < 4000);
	char *info[4], *warn[4];
	size_t ni = lines_at(log, "info", info, 4);
	size_t nw = lines_at(log, "warning", warn, 4);
	char x1000[1000], y1000[1000], xs[1200], ys[1200];
	memset(x1000, 'x', sizeof(x1000));
	memset(y1000, 'y', sizeof(y1000));
	snprintf(xs, sizeof(xs), "flood: %.1000s [line cut at 1000 bytes]", x1000);
	snprintf(ys, sizeof(ys), "flood: %.1000s [line cut at 1000 bytes]", y1000);
	const char *const want_info[] = {xs, "flood: end", NULL};
	const char *const want_warn[] = {ys, NULL};
	check_lines(info, ni, want_info);
	check_lines(warn, nw, want_warn);
	free(log);
}

struct cancel_poll {
	struct hook *hook;
	char pidfile[128];
	bool cancelled;
};

/* Cancels the hook once it has shown it runs (its pid file is there). */
static void on_poll(uv_timer_t *t)
{
	struct cancel_poll *c = t->data;
	struct stat st;
	if (stat(c->pidfile, &st) != 0 || st.st_size == 0)
		return;
	hook_cancel(c->hook);
	c->cancelled = true;
	uv_close((uv_handle_t *)t, NULL);
}

static void test_cancel(void **state)
{
	(void)state;
	struct cancel_poll c = {0};
	snprintf(c.pidfile, sizeof(c.pidfile), "%s/cancel.pid", dir);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "sleep 1000 & echo $$ > %s; sleep 1000", c.pidfile);
	struct hook_opts opts = {.cmd = cmd, .label = LABEL};
	struct outcome o = {0};
	uv_loop_t loop;
	uv_timer_t poll;
	assert_int_equal(uv_loop_init(&loop), 0);
	c.hook = start(&loop, &opts, &o);
	pid_t pid = hook_pid(c.hook);
	assert_int_equal(uv_timer_init(&loop, &poll), 0);
	poll.data = &c;
	assert_int_equal(uv_timer_start(&poll, on_poll, 10, 10), 0);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_true(c.cancelled);
	assert_int_equal(o.calls, 0);
	assert_true(ms_since(o.start_ns) < 3000);
	assert_int_equal(members_left(pid), 0);
}

/* Shutdown: hook_cancel_all() reaches running hooks, a spawn failure not
 * yet reported, and a timed-out hook whose verdict is in but whose SIGKILL
 * is still due; the loop then empties at once. */
static void test_cancel_all(void **state)
{
	(void)state;
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	struct hook_opts late = {
		.cmd = LATE_CMD,
		.timeout_ms = TRAP_MS,
		.label = "late",
	};
	struct outcome ol = {.stop = &loop};
	pid_t pl = hook_pid(start(&loop, &late, &ol));
	/* Runs until late's verdict; its SIGKILL is due 5 s after the SIGTERM. */
	assert_int_not_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(ol.calls, 1);
	assert_int_equal(ol.result, HOOK_TIMED_OUT);
	assert_true(group_members(pl) > 0);

	struct hook_opts running = {.cmd = "sleep 1000 & sleep 1000", .label = "running"};
	struct hook_opts failing = {.cmd = "exit 0", .cwd = "/nonexistent", .label = "failing"};
	struct outcome o1 = {0}, o2 = {0};
	pid_t p1 = hook_pid(start(&loop, &running, &o1));
	start(&loop, &failing, &o2);
	hook_cancel_all(&loop);
	hook_cancel_all(&loop); /* twice is harmless */
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_true(ms_since(ol.start_ns) < TRAP_MS + 2000);
	assert_int_equal(ol.calls, 1);
	assert_int_equal(o1.calls, 0);
	assert_int_equal(o2.calls, 0);
	assert_int_equal(members_left(pl), 0);
	assert_int_equal(members_left(p1), 0);
}

/* hook_cancel() from within done(): the group is killed at once, so a
 * timed-out hook's SIGKILL is not waited for. */
static void test_cancel_in_done(void **state)
{
	(void)state;
	struct hook_opts plain = {.cmd = "exit 0", .label = LABEL};
	struct outcome o = {0};
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	o.hook = start(&loop, &plain, &o);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.result, HOOK_APPROVED);

	struct hook_opts late = {
		.cmd = LATE_CMD,
		.timeout_ms = TRAP_MS,
		.label = "late",
	};
	struct outcome ol = {0};
	assert_int_equal(uv_loop_init(&loop), 0);
	ol.hook = start(&loop, &late, &ol);
	pid_t pid = hook_pid(ol.hook);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(ol.calls, 1);
	assert_int_equal(ol.result, HOOK_TIMED_OUT);
	assert_true(ms_since(ol.start_ns) < TRAP_MS + 2000);
	assert_int_equal(members_left(pid), 0);
}

#define MANY 40

static void test_many(void **state)
{
	(void)state;
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	struct outcome o[MANY];
	char cmds[MANY][64];
	memset(o, 0, sizeof(o));
	for (int i = 0; i < MANY; i++) {
		snprintf(cmds[i], sizeof(cmds[i]), "echo hook %d; sleep 0.%d; exit %d", i, i % 3,
			i % 3);
		struct hook_opts opts = {.cmd = cmds[i], .label = "many"};
		start(&loop, &opts, &o[i]);
	}
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
	for (int i = 0; i < MANY; i++) {
		char want[64];
		snprintf(want, sizeof(want), "exited with status %d", i % 3);
		assert_int_equal(o[i].calls, 1);
		assert_int_equal(o[i].result, i % 3 == 0 ? HOOK_APPROVED : HOOK_REJECTED);
		assert_string_equal(o[i].detail, want);
	}
}

/* The log of every test but those that check it goes to a file, so hook
 * output does not clutter the test's own. */
static int teardown(void **state)
{
	log_open_stderr();
	return dir_teardown(state);
}

static int test_setup(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "%s/all.log", dir);
	return log_open_file(path) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_approve, test_setup),
		cmocka_unit_test_setup(test_reject, test_setup),
		cmocka_unit_test_setup(test_signal, test_setup),
		cmocka_unit_test_setup(test_env, test_setup),
		cmocka_unit_test_setup(test_bad_args, test_setup),
		cmocka_unit_test_setup(test_timeout, test_setup),
		cmocka_unit_test_setup(test_timeout_escalation, test_setup),
		cmocka_unit_test_setup(test_drain_after_exit, test_setup),
		cmocka_unit_test_setup(test_spawn_failure, test_setup),
		cmocka_unit_test_setup(test_not_found, test_setup),
		cmocka_unit_test_setup(test_not_executable, test_setup),
		cmocka_unit_test_setup(test_output, test_setup),
		cmocka_unit_test_setup(test_flood, test_setup),
		cmocka_unit_test_setup(test_cancel, test_setup),
		cmocka_unit_test_setup(test_cancel_all, test_setup),
		cmocka_unit_test_setup(test_cancel_in_done, test_setup),
		cmocka_unit_test_setup(test_many, test_setup),
	};
	return cmocka_run_group_tests(tests, dir_setup, teardown);
}
