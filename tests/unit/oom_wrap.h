/*
 * oom_wrap.h - for tests linked with -Wl,--wrap=malloc,--wrap=calloc,
 * --wrap=realloc (unit_link_args in tests/unit/meson.build): the wrappers
 * make allocation number `countdown` fail (counting from 0; -1: none) and set
 * `fired` when it did. Include in one file of the test program only.
 */
#ifndef CASCADE_TESTS_OOM_WRAP_H
#define CASCADE_TESTS_OOM_WRAP_H

#include <stdbool.h>
#include <stddef.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);

static long countdown = -1; /* the allocation that fails; -1: none */
static bool fired;	    /* it did fail */

static bool fail_now(void)
{
	if (countdown < 0 || countdown-- != 0)
		return false;
	fired = true;
	return true;
}

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	return fail_now() ? NULL : __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

#endif
