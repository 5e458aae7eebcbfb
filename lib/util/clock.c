/* clock.c - injectable clock (see clock.h). */
#include "lib/util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/util/err.h"

static int64_t system_now(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	/* CLOCK_REALTIME cannot fail on Linux; fall back to time() anyway. */
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (int64_t)time(NULL);
	return (int64_t)ts.tv_sec;
}

void clock_init_system(struct clock *c)
{
	c->now_fn = system_now;
	c->ctx = NULL;
	c->fixed = 0;
}

void clock_init_fixed(struct clock *c, int64_t t)
{
	c->now_fn = NULL;
	c->ctx = NULL;
	c->fixed = t;
}

void clock_init_fn(struct clock *c, int64_t (*now_fn)(void *ctx), void *ctx)
{
	c->now_fn = now_fn;
	c->ctx = ctx;
	c->fixed = 0;
}

/* Strict decimal: Cascade parses the variable as an unsigned integer, so no
 * sign, no spaces and no trailing text. */
static int parse_unix_seconds(const char *s, int64_t *out)
{
	if (*s == '\0')
		return ERR_INVAL;
	int64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return ERR_INVAL;
		int d = *s - '0';
		if (v > (INT64_MAX - d) / 10)
			return ERR_INVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int clock_init_faketime(struct clock *c, const char *faketime, char *err, size_t err_size)
{
	clock_init_system(c);
	if (!faketime)
		return 0;
	int64_t t;
	if (parse_unix_seconds(faketime, &t) < 0) {
		if (err && err_size > 0)
			snprintf(err, err_size, "%s: \"%.40s\" is not a Unix time in seconds",
				CLOCK_FAKETIME_ENV, faketime);
		return ERR_INVAL;
	}
	clock_init_fixed(c, t);
	return 0;
}

int clock_init_env(struct clock *c, char *err, size_t err_size)
{
	return clock_init_faketime(c, getenv(CLOCK_FAKETIME_ENV), err, err_size);
}

int64_t clock_now(const struct clock *c)
{
	return c->now_fn ? c->now_fn(c->ctx) : c->fixed;
}

bool clock_is_fake(const struct clock *c)
{
	return c->now_fn != system_now;
}

void clock_set(struct clock *c, int64_t t)
{
	clock_init_fixed(c, t);
}

void clock_advance(struct clock *c, int64_t d)
{
	int64_t t;
	if (__builtin_add_overflow(clock_now(c), d, &t)) /* saturate rather than wrap */
		t = d > 0 ? INT64_MAX : INT64_MIN;
	clock_init_fixed(c, t);
}
