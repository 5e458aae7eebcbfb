/*
 * startup.h - the daemon's start and stop (startup.c) and its process
 * matters: daemonizing, the pid file and dropping privileges
 * (startup_proc.c). Threads: the main thread.
 */
#ifndef CASCADE_DAEMON_STARTUP_H
#define CASCADE_DAEMON_STARTUP_H

#include "src/daemon/daemon.h"

/* --check-config: the policies of policy-dir load (the config was already
 * read). 0, or -1 after printing why. */
int startup_check(struct daemon *d);

/* Runs the daemon until it is stopped. 0, or -1 when it could not start. */
int startup_run(struct daemon *d);

/* When daemonize is set: forks into the background (the parent waits for
 * startup_report()), starts a new session, points stdin/stdout/stderr at
 * /dev/null, writes the pid file and drops to identity. Sockets are bound
 * before, so ports below 1024 work as root. 0, or a negative code after
 * logging why. */
int startup_daemonize(struct daemon *d);

/* Resolves [daemon] identity (when daemonizing) into d's uid and gid, so
 * the folders made before the drop can be given to it. 0, or a negative
 * code after logging why. */
int startup_identity(struct daemon *d);

/* Tells the waiting parent of a daemonized start how it went (rc < 0: it
 * failed, see the log); the parent exits 0 or 1 then. A no-op otherwise. */
void startup_report(struct daemon *d, int rc);

/* Removes the pid file this process wrote, if any. */
void startup_remove_pid_file(struct daemon *d);

#endif
