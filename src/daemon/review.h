/*
 * review.h - the two review stages of a zone's pipeline (cascade-spec §4):
 * off, manual (the operator approves or rejects through the API) or script
 * (a hook decides, src/review/hook.h).
 *
 * Threads: loop thread only.
 */
#ifndef CASCADE_DAEMON_REVIEW_H
#define CASCADE_DAEMON_REVIEW_H

#include <stdbool.h>

#include "src/daemon/dzone.h"

enum review_verdict {
	REVIEW_APPROVE,
	REVIEW_REJECT,	  /* then on-reject decides: discard or halt */
	REVIEW_HARD_FAIL, /* the hook could not be run: always a halt */
};

/* Puts the upcoming loaded (is_signed false) or signed version under review
 * as the zone's policy says. */
void review_start(struct dzone *z, bool is_signed);

/* Applies a verdict on the version under review at that stage; detail (may
 * be NULL) says why, for the history. Cancels a running hook. */
void review_verdict(struct dzone *z, bool is_signed, enum review_verdict v, const char *detail);

/* Cancels the zone's running hook, if any (zone removal, shutdown). */
void review_cancel(struct dzone *z);

#endif
