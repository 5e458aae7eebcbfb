/*
 * clock.h - an injectable source of "now", in Unix seconds.
 *
 * Everything that depends on the time (signature inception and expiration,
 * re-sign and rollover deadlines) asks a struct clock, never time() directly,
 * so tests can pin or step the time. The daemon builds one with
 * clock_init_env(), which honours CASCADE_FAKETIME as Cascade does: when the
 * variable is set, "now" is pinned to its value for the life of the process.
 * The variable is read once, at init.
 *
 * Ownership: the caller owns struct clock (usually embedded, no deinit);
 * a function clock keeps ctx borrowed.
 * Thread-safety: clock_now() only reads the struct and is safe from any
 * thread as long as nobody calls clock_set()/clock_advance() at the same
 * time (those are for single-threaded tests).
 */
#ifndef CASCADE_UTIL_CLOCK_H
#define CASCADE_UTIL_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLOCK_FAKETIME_ENV "CASCADE_FAKETIME"

struct clock {
	/* Returns now; NULL means the clock is pinned at 'fixed'. */
	int64_t (*now_fn)(void *ctx);
	void *ctx;
	int64_t fixed;
};

/* The real time (CLOCK_REALTIME). */
void clock_init_system(struct clock *c);
/* Pinned at t until clock_set()/clock_advance(). */
void clock_init_fixed(struct clock *c, int64_t t);
/* Asks now_fn(ctx) each time; ctx is borrowed and must outlive c. */
void clock_init_fn(struct clock *c, int64_t (*now_fn)(void *ctx), void *ctx);

/*
 * A system clock, or one pinned at the Unix time in faketime when it is not
 * NULL. faketime must be decimal digits only (no sign, no spaces) and fit in
 * int64; otherwise returns ERR_INVAL, leaves c a system clock and writes a
 * message naming CASCADE_FAKETIME into err (when err_size > 0).
 */
int clock_init_faketime(struct clock *c, const char *faketime, char *err, size_t err_size);
/* clock_init_faketime() with getenv(CLOCK_FAKETIME_ENV), read once here. */
int clock_init_env(struct clock *c, char *err, size_t err_size);

/* Current time in Unix seconds. */
int64_t clock_now(const struct clock *c);
/* True when the clock does not follow the real time (fixed or injected). */
bool clock_is_fake(const struct clock *c);

/* For pinned clocks (tests): set or step "now". A function clock becomes
 * pinned at t by clock_set(); clock_advance() on it pins now() + d. */
void clock_set(struct clock *c, int64_t t);
void clock_advance(struct clock *c, int64_t d);

#endif
