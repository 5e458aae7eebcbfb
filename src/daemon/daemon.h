/*
 * daemon.h - the daemon's shared context: configuration, policies, zones,
 * servers and the loop they all run on.
 *
 * One struct daemon per process, owned by main(). Everything in it belongs
 * to the loop thread (DESIGN §5): the HTTP API runs its handlers there, the
 * nameservers call their lookups there, and work done on the thread pool
 * (loading, signing, writing snapshots) hands its result back there before
 * any of it is touched.
 */
#ifndef CASCADE_DAEMON_DAEMON_H
#define CASCADE_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "lib/conf/config.h"
#include "lib/conf/policy.h"
#include "lib/util/clock.h"
#include "src/daemon/tsigstore.h"

struct dnssrv;
struct notify;
struct api;
struct dzone;

/* A policy as the daemon keeps it: the parsed copy the zones use. A policy
 * whose file went away while zones still use it stays, marked. */
struct dpolicy {
	struct policy p;
	bool file_gone; /* its file was removed; kept while zones use it */
};

struct daemon_stats {
	uint64_t signatures; /* made since start */
	uint64_t errors;     /* loads, signings, hooks and writes that failed */
};

struct daemon {
	uv_loop_t *loop;
	struct config cfg;
	char *config_path;
	char *state_path;
	struct clock clock;
	unsigned threads; /* signing threads per zone: the number of cores */

	struct dpolicy **policies; /* sorted by name */
	size_t npolicies;

	struct dzone **zones; /* sorted by lookup key (name_key of the apex) */
	size_t nzones;

	struct tsigstore tsig; /* the TSIG keys (tsig-store-path) */

	struct dnssrv *publish_srv, *loaded_srv, *signed_srv;
	struct notify *notify; /* NOTIFY out */
	struct api *api;

	struct daemon_stats stats;
	int64_t started;    /* Unix seconds, for /status */
	bool stopping;	    /* SIGTERM/SIGINT seen: no new work is started */
	bool start_failed;  /* nothing was taken back: nothing is saved at the stop */
	bool have_identity; /* identity resolved: files made are given to it */
	unsigned uid, gid;
	unsigned busy; /* jobs on the thread pool; shutdown waits for them */
	uv_signal_t sig_term, sig_int, sig_hup;
};

/* The policy of that name, or NULL. */
struct dpolicy *daemon_policy(struct daemon *d, const char *name);

/* Writes the global state file (zone names, policy copies): write-temp,
 * fsync, rename, fsync of the folder. Logs and returns the error. */
int daemon_save_state(struct daemon *d);

#endif
