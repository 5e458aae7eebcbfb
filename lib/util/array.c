/* array.c - growth of plain C arrays (see array.h). */
#include "lib/util/array.h"

#include <stdint.h>
#include <stdlib.h>

#include "lib/util/err.h"

int array_reserve(void **v, size_t *cap, size_t need, size_t elem, size_t first)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap : first;
	while (nc < need) {
		if (nc > SIZE_MAX / 2)
			return ERR_NOMEM;
		nc *= 2;
	}
	if (elem && nc > SIZE_MAX / elem)
		return ERR_NOMEM;
	void *nv = realloc(*v, nc * elem);
	if (!nv)
		return ERR_NOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}
