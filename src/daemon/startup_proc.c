/*
 * startup_proc.c - daemonizing, the pid file and the privilege drop
 * (startup.h; cascade-spec §9).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util/err.h"
#include "lib/util/fileio.h"
#include "lib/util/log.h"
#include "src/daemon/startup.h"

static bool wrote_pid_file;

/* A user or group given by name or number. */
static int lookup_id(const char *s, bool group, unsigned *id, unsigned *user_gid)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(s, &end, 10);
	if (*s && !*end && !errno && n < UINT32_MAX) {
		*id = (unsigned)n;
		struct passwd *pw = group ? NULL : getpwuid((uid_t)n);
		if (user_gid)
			*user_gid = pw ? pw->pw_gid : (unsigned)n;
		return 0;
	}
	if (group) {
		struct group *gr = getgrnam(s);
		if (!gr)
			return ERR_NOTFOUND;
		*id = gr->gr_gid;
		return 0;
	}
	struct passwd *pw = getpwnam(s);
	if (!pw)
		return ERR_NOTFOUND;
	*id = pw->pw_uid;
	*user_gid = pw->pw_gid;
	return 0;
}

int startup_identity(struct daemon *d)
{
	const char *identity = d->cfg.identity;
	if (!d->cfg.daemonize || !identity)
		return 0;
	char user[256], *colon;
	snprintf(user, sizeof(user), "%s", identity);
	colon = strchr(user, ':');
	if (colon)
		*colon++ = '\0';
	if (lookup_id(user, false, &d->uid, &d->gid) < 0) {
		log_critical("identity %s: no such user", identity);
		return ERR_NOTFOUND;
	}
	if (colon && lookup_id(colon, true, &d->gid, NULL) < 0) {
		log_critical("identity %s: no such group", identity);
		return ERR_NOTFOUND;
	}
	d->have_identity = true;
	return 0;
}

/* identity = "user[:group]"; the group defaults to the user's. */
static int drop_privileges(struct daemon *d)
{
	if (setgroups(0, NULL) < 0 || setgid((gid_t)d->gid) < 0 || setuid((uid_t)d->uid) < 0) {
		int e = errno;
		log_critical("cannot change identity to %s: %s", d->cfg.identity, strerror(e));
		return -e;
	}
	return 0;
}

/* The pid file, given to the identity so the daemon can remove it. */
static int write_pid_file(struct daemon *d)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	int rc = fileio_write_data(d->cfg.pid_file, 0644, 0, text, (size_t)n);
	if (rc == 0 && d->have_identity && chown(d->cfg.pid_file, d->uid, d->gid) < 0)
		rc = -errno;
	if (rc < 0)
		log_critical("cannot write the pid file %s: %s", d->cfg.pid_file, err_str(rc));
	wrote_pid_file = rc == 0;
	return rc;
}

/* The parent of a daemonized start: one octet from the child, 0 when it
 * started; exits with the verdict, so an init system sees a failed start. */
static void parent_wait(int fd)
{
	char ok = 1;
	ssize_t n;
	do
		n = read(fd, &ok, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 && ok == 0)
		_exit(0);
	fprintf(stderr, "cascaded: the daemon did not start; its log says why\n");
	_exit(1);
}

static int report_fd = -1;

void startup_report(struct daemon *d, int rc)
{
	(void)d;
	if (report_fd < 0)
		return;
	char verdict = rc < 0;
	if (write(report_fd, &verdict, 1) < 0)
		log_warning("cannot tell the parent how the start went: %s", strerror(errno));
	close(report_fd);
	report_fd = -1;
}

int startup_daemonize(struct daemon *d)
{
	if (!d->cfg.daemonize)
		return 0;
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		log_critical("cannot make a pipe: %s", strerror(errno));
		return -errno;
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_critical("cannot fork: %s", strerror(errno));
		return -errno;
	}
	if (pid > 0) {
		close(pipefd[1]);
		parent_wait(pipefd[0]);
	}
	close(pipefd[0]);
	report_fd = pipefd[1];
	setsid();
	/* The loop's epoll set and signal pipe belong to the parent. */
	int rc = uv_loop_fork(d->loop);
	if (rc < 0) {
		log_critical("cannot restart the loop after fork: %s", uv_strerror(rc));
		return rc;
	}
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		if (log_get_target() != LOG_TARGET_STDOUT)
			dup2(null, 1);
		if (log_get_target() != LOG_TARGET_STDERR)
			dup2(null, 2);
		if (null > 2)
			close(null);
	}
	if (chdir("/") < 0)
		log_warning("cannot chdir to /: %s", strerror(errno));
	if (d->cfg.pid_file && write_pid_file(d) < 0)
		return ERR_INVAL;
	if (d->have_identity)
		return drop_privileges(d);
	return 0;
}

void startup_remove_pid_file(struct daemon *d)
{
	if (wrote_pid_file && d->cfg.pid_file)
		unlink(d->cfg.pid_file);
}
