/* dnsmsg_ixfr.c - the incremental transfer's cursor over a diff (see
 * dnsmsg.h); messages are written by the loop AXFR uses (dnsmsg_xfr.c). */
#include "lib/dns/dnsmsg.h"

#include "lib/dns/dnsmsg_impl.h"
#include "lib/dns/name.h"
#include "lib/util/err.h"
#include "lib/zone/zone_diff.h"

/* The serial of SOA RDATA: after MNAME and RNAME (RFC 1035 §3.3.13). */
static bool soa_serial(const struct zone_diff_rr *rr, uint32_t *serial)
{
	size_t pos = 0;
	for (int i = 0; i < 2; i++) {
		int n = name_wire_len(rr->rdata + pos, rr->len - pos);
		if (n < 0)
			return false;
		pos += (size_t)n;
	}
	if (rr->len - pos != 20)
		return false;
	*serial = dnsmsg_get_u32(rr->rdata + pos);
	return true;
}

int dnsmsg_ixfr_init(struct dnsmsg_xfr *x, const struct dnsmsg_query *q, const struct zone *z,
	const struct zone_diff *d, size_t target)
{
	int rc = dnsmsg_xfr_setup(x, q, z, target);
	if (rc < 0)
		return rc;
	if (d->new_serial != z->serial)
		return ERR_DIFF;
	/* the old SOA opens the sequence: it tells the client which version
	 * the removals apply to (RFC 1995 §4) */
	for (size_t i = 0; i < d->removed.n && !x->old_soa; i++) {
		const struct zone_diff_rr *rr = &d->removed.v[i];
		uint32_t serial;
		if (rr->type == DNSMSG_T_SOA && soa_serial(rr, &serial) && serial == d->old_serial)
			x->old_soa = rr;
	}
	if (!x->old_soa)
		return ERR_DIFF;
	x->diff = d;
	return 0;
}

static void diff_rr(const struct zone_diff_rr *d, struct dnsmsg_xrr *rr)
{
	rr->owner = d->owner;
	rr->type = d->type;
	rr->ttl = d->ttl;
	rr->rd = d->rdata;
	rr->rdlen = d->len;
}

/* The next RR of list l that is not an SOA: the SOAs of the diff mark the
 * versions, and the sequence has its own (RFC 1995 §4). */
static bool list_peek(struct dnsmsg_xfr *x, const struct zone_diff_list *l, struct dnsmsg_xrr *rr)
{
	while (x->diff_pos < l->n && l->v[x->diff_pos].type == DNSMSG_T_SOA)
		x->diff_pos++;
	if (x->diff_pos >= l->n)
		return false;
	diff_rr(&l->v[x->diff_pos], rr);
	return true;
}

bool dnsmsg_ixfr_peek(struct dnsmsg_xfr *x, struct dnsmsg_xrr *rr)
{
	switch (x->state) {
	case DNSMSG_XFR_OLD_SOA:
		diff_rr(x->old_soa, rr);
		return true;
	case DNSMSG_XFR_REMOVED:
		if (list_peek(x, &x->diff->removed, rr))
			return true;
		x->state = DNSMSG_XFR_NEW_SOA;
		break;
	case DNSMSG_XFR_ADDED:
		if (list_peek(x, &x->diff->added, rr))
			return true;
		x->state = DNSMSG_XFR_LAST_SOA;
		break;
	case DNSMSG_XFR_DONE:
		return false;
	default: /* the first SOA and the last */
		break;
	}
	dnsmsg_xfr_soa(x, rr);
	return true;
}

void dnsmsg_ixfr_advance(struct dnsmsg_xfr *x)
{
	switch (x->state) {
	case DNSMSG_XFR_FIRST_SOA:
		x->state = DNSMSG_XFR_OLD_SOA;
		break;
	case DNSMSG_XFR_OLD_SOA:
		x->state = DNSMSG_XFR_REMOVED;
		x->diff_pos = 0;
		break;
	case DNSMSG_XFR_NEW_SOA:
		x->state = DNSMSG_XFR_ADDED;
		x->diff_pos = 0;
		break;
	case DNSMSG_XFR_REMOVED:
	case DNSMSG_XFR_ADDED:
		x->diff_pos++;
		break;
	default:
		x->state = DNSMSG_XFR_DONE;
		break;
	}
}
