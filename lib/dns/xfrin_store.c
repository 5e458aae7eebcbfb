/* xfrin_store.c - what a full parse keeps: the records of an AXFR, built
 * into a version, and the difference sequences of an IXFR, applied to ours
 * (see xfrin.h). */
#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dns/dnsmsg_impl.h"
#include "lib/dns/xfrin_impl.h"
#include "lib/util/array.h"
#include "lib/util/err.h"

#define NAME_TEXT (KNOT_DNAME_TXT_MAXLEN + 1)

static void build_report(void *ctx, uint16_t file, uint32_t line, bool warning, const char *text)
{
	(void)file;
	(void)line;
	struct xfrin *x = ctx;
	if (warning)
		return; /* duplicates and mixed TTLs are the primary's to mend */
	if (x->zb_err.len)
		buf_append_str(&x->zb_err, "; ");
	buf_append_str(&x->zb_err, text);
}

/* Builds the node of the owner waiting and hands it to the builder. */
static int flush(struct xfrin *x)
{
	struct xfrin_pending *p = &x->pend;
	if (p->n == 0)
		return 0;
	if (!x->zb_used) {
		int rc = zone_build_init(&x->zb, x->apex, build_report, x);
		if (rc < 0)
			return rc;
		x->zb_used = true;
	}
	for (size_t i = 0; i < p->n; i++)
		p->rrs[i].rdata = p->rd.data + (uintptr_t)p->rrs[i].rdata;
	struct node *node;
	int rc = node_build(p->owner, p->rrs, p->n, 0, &node, NULL);
	p->n = 0;
	buf_clear(&p->rd);
	if (rc < 0)
		return rc;
	return zone_build_add(&x->zb, node, 0, 0);
}

/* Records of one owner in a row become one node; the builder merges the
 * nodes of an owner met again later (messages may come in any order of
 * owners, RFC 5936 §2.2). */
int xfrin_store_rr(struct xfrin *x, const uint8_t *owner, uint16_t type, uint32_t ttl,
	const uint8_t *rd, uint16_t len)
{
	struct xfrin_pending *p = &x->pend;
	if (p->n > 0 && !name_equal(owner, p->owner)) {
		int rc = flush(x);
		if (rc < 0)
			return rc;
	}
	if (p->n == 0) {
		int ol = name_wire_len(owner, LIMIT_NAME_LEN + 1);
		if (ol < 0)
			return ERR_SYNTAX;
		memcpy(p->owner, owner, (size_t)ol);
		p->owner_len = (size_t)ol;
	}
	if (array_reserve((void **)&p->rrs, &p->cap, p->n + 1, sizeof(*p->rrs), 16) < 0)
		return ERR_NOMEM;
	uint16_t covers = type == KNOT_RRTYPE_RRSIG ? dnsmsg_get_u16(rd) : 0;
	p->rrs[p->n++] = (struct node_rr){.type = type,
		.covers = covers,
		.ttl = ttl,
		.len = len,
		.rdata = (const uint8_t *)(uintptr_t)p->rd.len};
	return buf_append(&p->rd, rd, len);
}

int xfrin_store_seq(struct xfrin *x, uint32_t old_serial)
{
	if (array_reserve((void **)&x->diffs, &x->diffs_cap, x->ndiffs + 1, sizeof(*x->diffs), 4) <
		0)
		return ERR_NOMEM;
	struct zone_diff *d = &x->diffs[x->ndiffs++];
	zone_diff_init(d);
	d->old_serial = old_serial;
	d->new_serial = old_serial;
	return 0;
}

void xfrin_store_seq_end(struct xfrin *x, uint32_t new_serial)
{
	x->diffs[x->ndiffs - 1].new_serial = new_serial;
}

int xfrin_store_diff(struct xfrin *x, bool removed, const uint8_t *owner, uint16_t type,
	uint32_t ttl, const uint8_t *rd, uint16_t len)
{
	uint16_t covers = type == KNOT_RRTYPE_RRSIG ? dnsmsg_get_u16(rd) : 0;
	return zone_diff_add(&x->diffs[x->ndiffs - 1], removed, owner, type, covers, ttl, rd, len);
}

int xfrin_store_build(struct xfrin *x, struct zone **out)
{
	int rc = flush(x);
	if (rc < 0)
		return xfrin_fail(x, rc, "%s", err_str(rc));
	if (!x->zb_used) /* a complete stream stores its SOA at least */
		return xfrin_fail(x, ERR_ZONE, "the transfer holds no records");
	rc = zone_build_finish(&x->zb, out);
	if (rc == ERR_ZONE)
		return xfrin_fail(x, rc, "the zone received is not valid: %s",
			x->zb_err.len ? buf_cstr(&x->zb_err) : "(no reason given)");
	if (rc < 0)
		return xfrin_fail(x, rc, "%s", err_str(rc));
	return 0;
}

int xfrin_store_apply(struct xfrin *x, const struct zone *base, struct zone **out)
{
	if (!base)
		return xfrin_fail(
			x, ERR_DIFF, "IXFR: there is no version to apply the differences to");
	if (x->ndiffs == 0 || x->diffs[0].old_serial != base->serial)
		return xfrin_fail(x, ERR_DIFF,
			"IXFR: the first difference sequence starts at serial %u, not at ours (%u)",
			x->ndiffs ? x->diffs[0].old_serial : 0, base->serial);
	struct zone *cur = zone_ref((struct zone *)base);
	struct buf why;
	buf_init(&why, 4096);
	int rc = 0;
	for (size_t i = 0; i < x->ndiffs; i++) {
		const struct zone_diff *d = &x->diffs[i];
		struct zone *next;
		buf_clear(&why);
		rc = zone_diff_apply(cur, d, &next, &why);
		if (rc < 0) {
			xfrin_fail(x, rc == ERR_DIFF ? ERR_DIFF : rc,
				"IXFR: difference sequence from %u to %u does not apply: %s",
				d->old_serial, d->new_serial,
				why.len ? buf_cstr(&why) : err_str(rc));
			break;
		}
		zone_unref(cur);
		cur = next;
		/* the sequence's SOA made the serial: it must be where it said */
		if (cur->serial != d->new_serial) {
			rc = xfrin_fail(x, ERR_DIFF,
				"IXFR: difference sequence from %u to %u left serial %u",
				d->old_serial, d->new_serial, cur->serial);
			break;
		}
	}
	buf_deinit(&why);
	if (rc < 0) {
		zone_unref(cur);
		return rc;
	}
	*out = cur;
	return 0;
}

void xfrin_store_deinit(struct xfrin *x)
{
	if (x->zb_used)
		zone_build_deinit(&x->zb);
	x->zb_used = false;
	free(x->pend.rrs);
	x->pend.rrs = NULL;
	x->pend.n = x->pend.cap = 0;
	buf_deinit(&x->pend.rd);
	for (size_t i = 0; i < x->ndiffs; i++)
		zone_diff_deinit(&x->diffs[i]);
	free(x->diffs);
	x->diffs = NULL;
	x->ndiffs = x->diffs_cap = 0;
}
