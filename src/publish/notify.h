/*
 * notify.h - NOTIFY out (RFC 1996): telling the secondaries that a new
 * version of a zone is published, until each of them has heard it.
 *
 * notify_send() takes one zone version and the zone's whole notify set
 * (send-notify-to). Each target is handled on its own: a NOTIFY over UDP
 * from a socket of its own, connected to the target so only the target's
 * answers are read, with a fresh random ID on every try; signed with the
 * target's TSIG key when it has one, and then only an answer whose
 * signature verifies counts (RFC 8945 §5.3). Until a NOERROR answer comes
 * the NOTIFY is sent again, after first_retry_ms, then twice that, and so
 * on up to max_retry_ms between tries (RFC 1996 §3.6 asks for retries with
 * a growing interval), at most `tries` times; then it is given up and
 * logged. An answer with an error RCODE (REFUSED, NOTAUTH, ...) is a failed
 * try: it is logged and the next try comes at its time.
 *
 * A newer version of the same zone for the same target replaces what is
 * still being sent for the older one: secondaries only need to hear of the
 * newest serial. Targets that left the zone's notify set are dropped.
 * notify_cancel() forgets a zone (removal); notify_free() stops everything.
 *
 * For every (zone, target) the sender keeps a status: the serial, tries so
 * far, whether it is still being sent, acknowledged or given up, and the
 * last result as text, which the daemon shows.
 *
 * Threads: one loop thread; everything here runs on it.
 * Ownership: the sender copies all it needs from the zone version (apex and
 * SOA), the targets and their keys (wiped when done), so the caller keeps
 * ownership of everything it passes.
 */
#ifndef CASCADE_PUBLISH_NOTIFY_H
#define CASCADE_PUBLISH_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "lib/dns/tsig.h"
#include "lib/util/clock.h"
#include "lib/zone/zone.h"

#define NOTIFY_FIRST_RETRY_MS 2000
#define NOTIFY_MAX_RETRY_MS 30000
#define NOTIFY_TRIES 5
#define NOTIFY_RESULT_SIZE 160
#define NOTIFY_ADDR_TEXT 64

struct notify_opts {
	unsigned first_retry_ms; /* wait after the first try (NOTIFY_FIRST_RETRY_MS) */
	unsigned max_retry_ms;	 /* the longest wait between tries (NOTIFY_MAX_RETRY_MS) */
	unsigned tries;		 /* sends at most (NOTIFY_TRIES) */
	/* "now" for TSIG; NULL: the system's real time. The daemon passes
	 * NULL even under CASCADE_FAKETIME: a secondary checks the time
	 * signed against its own clock (RFC 8945 §5.2.3). Borrowed. */
	const struct clock *clock;
};

struct notify_target {
	struct sockaddr_storage addr; /* address and port */
	const struct tsig_key *key;   /* NULL: unsigned; copied */
};

enum notify_state {
	NOTIFY_SENDING, /* waiting for an answer or the next try */
	NOTIFY_ACKED,	/* a NOERROR answer came */
	NOTIFY_FAILED,	/* given up after the last try */
};

struct notify_status {
	char target[NOTIFY_ADDR_TEXT]; /* "192.0.2.1#53" */
	uint32_t serial;
	unsigned tries; /* sent so far */
	enum notify_state state;
	char result[NOTIFY_RESULT_SIZE]; /* "acknowledged", "REFUSED", "no answer", ... */
};

struct notify;

/* A new sender on loop. opts may be NULL (defaults); it is copied. 0 or
 * ERR_NOMEM. */
int notify_new(uv_loop_t *loop, const struct notify_opts *opts, struct notify **out);

/* Starts notifying targets[0..n) of version z (borrowed for the call only;
 * it must have an apex SOA, else ERR_NOTFOUND). Targets whose port is 0 are
 * skipped, as in Cascade. Sending runs on from the loop; this returns 0 once
 * every target has its first try under way, or the first error setting one
 * up (the other targets still go ahead; the failed one's status says why). */
int notify_send(struct notify *n, const struct zone *z, const struct notify_target *targets,
	size_t ntargets);

/* Stops and forgets everything of the zone whose apex is the wire name apex. */
void notify_cancel(struct notify *n, const uint8_t *apex);

/* The status of each target of the zone apex, in the order they were
 * given: fills at most max and returns how many there are. */
size_t notify_status(
	const struct notify *n, const uint8_t *apex, struct notify_status *out, size_t max);

/* Stops every NOTIFY in progress and frees the sender once libuv has closed
 * its handles (so the loop must run on). NULL is allowed. */
void notify_free(struct notify *n);

#endif
