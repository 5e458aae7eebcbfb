/*
 * status.h - what the API reports: the daemon's status, a zone's status
 * and history, a policy, and the Prometheus metrics.
 *
 * JSON results are new references; the metrics text is malloc'd.
 * Threads: loop thread only.
 */
#ifndef CASCADE_DAEMON_STATUS_H
#define CASCADE_DAEMON_STATUS_H

#include <jansson.h>

#include "src/daemon/dzone.h"

json_t *status_json(struct daemon *d);
json_t *status_zone_json(const struct dzone *z);
json_t *status_history_json(const struct dzone *z);
json_t *status_policy_json(struct daemon *d, const struct dpolicy *dp);
/* Prometheus text exposition format 0.0.4. */
char *status_metrics(struct daemon *d);

#endif
