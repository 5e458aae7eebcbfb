/* zone_diff_io.c - diffs as files (see zone_diff_io.h). */
#include "lib/zone/zone_diff_io.h"

#include <string.h>

#include "lib/dns/name.h"
#include "lib/limits.h"
#include "lib/util/err.h"
#include "lib/util/fileio.h"

static const char MAGIC[8] = "CSCDIFF1";
#define DIFF_FILE_MAX (4ULL << 30)

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3u;
	return h;
}

static int put_be(struct buf *out, uint64_t v, unsigned octets)
{
	uint8_t b[8];
	for (unsigned i = 0; i < octets; i++)
		b[i] = (uint8_t)(v >> (8 * (octets - 1 - i)));
	return buf_append(out, b, octets);
}

static int put_list(struct buf *out, const struct zone_diff_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct zone_diff_rr *rr = &l->v[i];
		int olen = name_wire_len(rr->owner, LIMIT_NAME_LEN + 1);
		if (olen < 0)
			return olen;
		int rc = buf_append(out, rr->owner, (size_t)olen);
		if (rc == 0)
			rc = put_be(out, rr->type, 2);
		if (rc == 0)
			rc = put_be(out, rr->covers, 2);
		if (rc == 0)
			rc = put_be(out, rr->ttl, 4);
		if (rc == 0)
			rc = put_be(out, rr->len, 2);
		if (rc == 0)
			rc = buf_append(out, rr->rdata, rr->len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int zone_diff_encode(const struct zone_diff *d, struct buf *out)
{
	size_t start = out->len;
	int rc = buf_append(out, MAGIC, sizeof(MAGIC));
	if (rc == 0)
		rc = put_be(out, d->old_serial, 4);
	if (rc == 0)
		rc = put_be(out, d->new_serial, 4);
	if (rc == 0)
		rc = put_be(out, d->removed.n, 8);
	if (rc == 0)
		rc = put_be(out, d->added.n, 8);
	if (rc == 0)
		rc = put_list(out, &d->removed);
	if (rc == 0)
		rc = put_list(out, &d->added);
	if (rc == 0)
		rc = put_be(out, fnv1a(out->data + start, out->len - start), 8);
	return rc;
}

/* A bounds-checked reader over the encoding. */
struct cursor {
	const uint8_t *p;
	size_t left;
};

static int get_be(struct cursor *c, unsigned octets, uint64_t *v)
{
	if (c->left < octets)
		return ERR_TRUNC;
	*v = 0;
	for (unsigned i = 0; i < octets; i++)
		*v = *v << 8 | c->p[i];
	c->p += octets;
	c->left -= octets;
	return 0;
}

static int get_rr(struct cursor *c, struct zone_diff *d, bool removed)
{
	int olen = name_wire_len(c->p, c->left < LIMIT_NAME_LEN + 1 ? c->left : LIMIT_NAME_LEN + 1);
	if (olen < 0)
		return c->left < LIMIT_NAME_LEN + 1 ? ERR_TRUNC : ERR_SYNTAX;
	const uint8_t *owner = c->p;
	c->p += olen;
	c->left -= (size_t)olen;
	uint64_t type, covers, ttl, len;
	int rc = get_be(c, 2, &type);
	if (rc == 0)
		rc = get_be(c, 2, &covers);
	if (rc == 0)
		rc = get_be(c, 4, &ttl);
	if (rc == 0)
		rc = get_be(c, 2, &len);
	if (rc == 0 && c->left < len)
		rc = ERR_TRUNC;
	if (rc < 0)
		return rc;
	rc = zone_diff_add(d, removed, owner, (uint16_t)type, (uint16_t)covers, (uint32_t)ttl, c->p,
		(uint16_t)len);
	c->p += len;
	c->left -= len;
	return rc;
}

int zone_diff_decode(const uint8_t *data, size_t len, struct zone_diff *d)
{
	if (len < sizeof(MAGIC) + 4 + 4 + 8 + 8 + 8)
		return ERR_TRUNC;
	if (memcmp(data, MAGIC, sizeof(MAGIC)) != 0)
		return ERR_SYNTAX;
	struct cursor c = {data + len - 8, 8};
	uint64_t sum = 0, old_serial = 0, new_serial = 0, nrem = 0, nadd = 0;
	get_be(&c, 8, &sum);
	if (sum != fnv1a(data, len - 8))
		return ERR_SYNTAX;
	c = (struct cursor){data + sizeof(MAGIC), len - sizeof(MAGIC) - 8};
	get_be(&c, 4, &old_serial);
	get_be(&c, 4, &new_serial);
	get_be(&c, 8, &nrem);
	get_be(&c, 8, &nadd);
	/* An RR takes at least 11 octets: a bound on the counts before any
	 * memory is taken for them. */
	if (nrem > LIMIT_ZONE_RRS || nadd > LIMIT_ZONE_RRS || (nrem + nadd) > c.left / 11)
		return ERR_LIMIT;
	d->old_serial = (uint32_t)old_serial;
	d->new_serial = (uint32_t)new_serial;
	for (uint64_t i = 0; i < nrem + nadd; i++) {
		int rc = get_rr(&c, d, i < nrem);
		if (rc < 0)
			return rc;
	}
	return c.left == 0 ? 0 : ERR_SYNTAX;
}

int zone_diff_write_file(const struct zone_diff *d, const char *path)
{
	struct buf b;
	buf_init(&b, 0);
	int rc = zone_diff_encode(d, &b);
	if (rc == 0)
		rc = fileio_write_data(path, 0600, 0, b.data, b.len);
	buf_deinit(&b);
	return rc;
}

int zone_diff_read_file(const char *path, struct zone_diff *d)
{
	struct buf b;
	buf_init(&b, 0);
	int rc = fileio_read(path, DIFF_FILE_MAX, &b);
	if (rc == 0)
		rc = zone_diff_decode(b.data, b.len, d);
	buf_deinit(&b);
	return rc;
}
