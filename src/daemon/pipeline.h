/*
 * pipeline.h - the steps of a zone's pipeline that take time (pipeline.c).
 *
 * Each starts a step for a zone in the right state and moves it on when the
 * step ends. Threads: loop thread only.
 */
#ifndef CASCADE_DAEMON_PIPELINE_H
#define CASCADE_DAEMON_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "src/daemon/dzone.h"

/* Reads the zone's source into a new version (state loading): a file on
 * the thread pool, a primary by zone transfer (source_xfr_start). */
void pipeline_load(struct dzone *z);
/* A load ended: v is the new version (taken over), NULL when nothing
 * changed; or error says why it failed (v NULL). The zone goes to review
 * or back to idle. */
void pipeline_loaded(struct dzone *z, struct zone *v, const char *error);
/* Writes the upcoming loaded or signed version's snapshot, then signs
 * (loaded) or publishes (signed). */
void pipeline_persist(struct dzone *z, bool is_signed);
/* Signs the upcoming loaded version (trigger load) or the current one
 * again (refresh, key change), as z->sign_trigger says. */
void pipeline_sign(struct dzone *z);
/* Makes the upcoming signed version the published one, written as
 * generation gen (a diff or a snapshot, store.h). */
void pipeline_publish(struct dzone *z, uint64_t gen, bool is_diff);
/* Whether signatures of the published version are due for refresh. */
bool pipeline_refresh_due(struct dzone *z);
/* (Re)starts the zone's refresh check timer. */
void pipeline_schedule_refresh(struct dzone *z);

#endif
