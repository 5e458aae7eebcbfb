/*
 * servers.h - the daemon's three nameservers (src/publish/dnssrv.h): the
 * publication server and the two review servers (cascade-spec §4.4, §7),
 * and what each of them serves to whom.
 *
 * Threads: loop thread only.
 */
#ifndef CASCADE_DAEMON_SERVERS_H
#define CASCADE_DAEMON_SERVERS_H

#include "src/daemon/daemon.h"

/* Starts the servers whose config names sockets; 0, or the error of the
 * first that cannot start (logged). */
int servers_start(struct daemon *d);
/* Stops them (dnssrv_stop: the loop must run on to free them). */
void servers_stop(struct daemon *d);

#endif
