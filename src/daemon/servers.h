/*
 * servers.h - the daemon's three nameservers (src/publish/dnssrv.h): the
 * publication server and the two review servers (cascade-spec §4.4, §7),
 * and what each of them serves to whom.
 *
 * Threads: loop thread only.
 */
#ifndef CASCADE_DAEMON_SERVERS_H
#define CASCADE_DAEMON_SERVERS_H

#include <jansson.h>

#include "src/daemon/daemon.h"
#include "src/daemon/dzone.h"

/* Starts the servers whose config names sockets; 0, or the error of the
 * first that cannot start (logged). */
int servers_start(struct daemon *d);
/* Stops them and the NOTIFY sender (the loop must run on to free them). */
void servers_stop(struct daemon *d);

/* NOTIFY out (RFC 1996, src/publish/notify.h): tells the zone's
 * send-notify-to targets of its published version, each retried until it
 * answers. A target whose TSIG key is missing is skipped, and logged. */
void servers_notify(struct dzone *z);
/* Forgets the zone's NOTIFYs (zone removal). */
void servers_notify_cancel(struct dzone *z);
/* The zone's NOTIFY targets and how each went, for its status. */
json_t *servers_notify_json(const struct dzone *z);

#endif
