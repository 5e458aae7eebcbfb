/* rrindex.c - hash index of RRs (see rrindex.h). */
#include "lib/zone/rrindex.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dns/rdata.h"
#include "lib/util/array.h"
#include "lib/util/err.h"

struct rrindex_ent {
	uint64_t hash;
	const uint8_t *canon;
	uint32_t id;
	uint16_t type, covers, len;
};

void rrindex_init(struct rrindex *ix)
{
	memset(ix, 0, sizeof(*ix));
	arena_init(&ix->mem, 0);
}

void rrindex_deinit(struct rrindex *ix)
{
	arena_deinit(&ix->mem);
	free(ix->v);
	free(ix->slot);
	memset(ix, 0, sizeof(*ix));
}

/* FNV-1a over the type, the covered type and the canonical RDATA. */
static uint64_t rr_hash(uint16_t type, uint16_t covers, const uint8_t *d, uint16_t len)
{
	uint64_t h = 14695981039346656037ull;
	const uint8_t head[4] = {type >> 8, type & 255, covers >> 8, covers & 255};
	for (int i = 0; i < 4; i++)
		h = (h ^ head[i]) * 1099511628211ull;
	for (uint16_t i = 0; i < len; i++)
		h = (h ^ d[i]) * 1099511628211ull;
	return h;
}

/* The canonical form of rdata: the bytes themselves when they are already,
 * else a lower-cased copy in buf (len octets). */
static const uint8_t *canonical(uint16_t type, const uint8_t *rdata, uint16_t len, uint8_t *buf)
{
	if (!rdata_has_lowercase_names(type))
		return rdata;
	bool upper = false;
	for (uint16_t i = 0; i < len && !upper; i++)
		upper = rdata[i] >= 'A' && rdata[i] <= 'Z';
	if (!upper)
		return rdata;
	memcpy(buf, rdata, len);
	if (rdata_canonicalize(type, buf, len) < 0)
		return rdata; /* malformed: compare as bytes */
	return buf;
}

bool rrindex_rdata_equal(
	uint16_t type, const uint8_t *a, uint16_t alen, const uint8_t *b, uint16_t blen)
{
	if (alen != blen)
		return false;
	if (memcmp(a, b, alen) == 0)
		return true;
	if (!rdata_has_lowercase_names(type))
		return false;
	uint8_t *buf = malloc(2 * (size_t)alen);
	if (!buf)
		return false;
	bool eq = memcmp(canonical(type, a, alen, buf), canonical(type, b, blen, buf + alen),
			  alen) == 0;
	free(buf);
	return eq;
}

/* Slot of the entry equal to the probe, or of the empty slot where it goes. */
static size_t find_slot(const struct rrindex *ix, uint64_t h, uint16_t type, uint16_t covers,
	const uint8_t *canon, uint16_t len)
{
	size_t mask = ix->nslots - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		uint32_t s = ix->slot[i];
		if (s == 0)
			return i;
		const struct rrindex_ent *e = &ix->v[s - 1];
		if (e->hash == h && e->type == type && e->covers == covers && e->len == len &&
			memcmp(e->canon, canon, len) == 0)
			return i;
	}
}

static int grow(struct rrindex *ix)
{
	if (array_reserve((void **)&ix->v, &ix->cap, ix->n + 1, sizeof(*ix->v), 16) < 0)
		return ERR_NOMEM;
	if ((ix->n + 1) * 2 <= ix->nslots)
		return 0;
	size_t ns = ix->nslots ? ix->nslots * 2 : 32;
	uint32_t *slots = calloc(ns, sizeof(*slots));
	if (!slots)
		return ERR_NOMEM;
	free(ix->slot);
	ix->slot = slots;
	ix->nslots = ns;
	for (size_t k = 0; k < ix->n; k++) {
		const struct rrindex_ent *e = &ix->v[k];
		ix->slot[find_slot(ix, e->hash, e->type, e->covers, e->canon, e->len)] =
			(uint32_t)k + 1;
	}
	return 0;
}

int rrindex_put(struct rrindex *ix, uint16_t type, uint16_t covers, const uint8_t *rdata,
	uint16_t len, uint32_t id)
{
	int rc = grow(ix);
	if (rc < 0)
		return rc;
	uint8_t *copy = arena_alloc(&ix->mem, len);
	if (!copy)
		return ERR_NOMEM;
	const uint8_t *canon = canonical(type, rdata, len, copy);
	if (canon != copy)
		memcpy(copy, rdata, len);
	uint64_t h = rr_hash(type, covers, copy, len);
	size_t at = find_slot(ix, h, type, covers, copy, len);
	if (ix->slot[at]) {
		ix->v[ix->slot[at] - 1].id = id;
		return 0;
	}
	ix->v[ix->n] = (struct rrindex_ent){
		.hash = h, .canon = copy, .id = id, .type = type, .covers = covers, .len = len};
	ix->slot[at] = (uint32_t)++ix->n;
	return 0;
}

int rrindex_get(const struct rrindex *ix, uint16_t type, uint16_t covers, const uint8_t *rdata,
	uint16_t len, uint32_t *id)
{
	if (!ix->nslots)
		return ERR_NOTFOUND;
	uint8_t *buf = NULL;
	const uint8_t *canon = rdata;
	if (rdata_has_lowercase_names(type)) {
		buf = malloc(len ? len : 1);
		if (!buf)
			return ERR_NOMEM;
		canon = canonical(type, rdata, len, buf);
	}
	uint64_t h = rr_hash(type, covers, canon, len);
	uint32_t s = ix->slot[find_slot(ix, h, type, covers, canon, len)];
	free(buf);
	if (!s)
		return ERR_NOTFOUND;
	*id = ix->v[s - 1].id;
	return 0;
}
