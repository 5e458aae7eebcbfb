/*
 * array.h - growth of plain C arrays by doubling.
 *
 * Ownership: the array stays the caller's; on failure it is left as it was.
 * Pure; thread-safe for distinct arrays.
 */
#ifndef CASCADE_UTIL_ARRAY_H
#define CASCADE_UTIL_ARRAY_H

#include <stddef.h>

/* Makes room in *v (capacity *cap elements of elem bytes) for at least need
 * elements, doubling from first. Returns 0 or ERR_NOMEM (also on overflow). */
int array_reserve(void **v, size_t *cap, size_t need, size_t elem, size_t first);

#endif
