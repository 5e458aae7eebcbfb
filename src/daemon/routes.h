/*
 * routes.h - the control API's routes (routes.c). Threads: loop thread only
 * (api.h runs handlers there).
 */
#ifndef CASCADE_DAEMON_ROUTES_H
#define CASCADE_DAEMON_ROUTES_H

#include "src/api/api.h"
#include "src/daemon/daemon.h"

/* The api_handler_fn of the daemon; ctx is the struct daemon. */
void routes_handle(void *ctx, const struct api_req *req, struct api_resp *resp);

#endif
