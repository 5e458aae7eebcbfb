/* dnsmsg_xfr.c - name compression and the zone transfer writer, AXFR's
 * cursor and the message loop AXFR and IXFR share (see dnsmsg.h). */
#include <libknot/rdata.h>

#include "lib/dns/dnsmsg.h"
#include "lib/dns/dnsmsg_impl.h"
#include "lib/dns/name.h"
#include "lib/util/err.h"

#define MAX_LABELS (LIMIT_NAME_LEN / 2 + 1)

/* Where each label of a valid wire name starts; returns the label count
 * (the root not counted) and the offset of the root octet in *end. */
static inline unsigned label_positions(const uint8_t *name, uint8_t *lpos, unsigned *end)
{
	unsigned n = 0, p = 0;
	while (name[p] != 0) {
		lpos[n++] = (uint8_t)p;
		p += 1u + name[p];
	}
	*end = p;
	return n;
}

static inline uint16_t reachable(size_t off)
{
	return off < DNSMSG_COMPRESS_LIMIT ? (uint16_t)off : 0;
}

void dnsmsg_cname_set(struct dnsmsg_cname *c, const uint8_t *name, size_t off)
{
	unsigned end;
	c->name = name;
	c->labels = (uint8_t)label_positions(name, c->lpos, &end);
	for (unsigned i = 0; i < c->labels; i++)
		c->moff[i] = reachable(off + c->lpos[i]);
}

/* The longest suffix of the name (labels lpos[0..n)) that ref holds at a
 * reachable offset: returns its label count, and in *j the index of its
 * first label in ref. Labels are compared octet for octet, so a pointer
 * never changes the case of what it stands for. */
static unsigned common_suffix(const uint8_t *name, const uint8_t *lpos, unsigned n,
	const struct dnsmsg_cname *ref, unsigned *j)
{
	unsigned best = 0, k = 0;
	int a = (int)n - 1, b = (int)ref->labels - 1;
	while (a >= 0 && b >= 0) {
		const uint8_t *la = name + lpos[a], *lb = ref->name + ref->lpos[b];
		if (la[0] != lb[0] || memcmp(la + 1, lb + 1, la[0]) != 0)
			break;
		k++;
		if (ref->moff[b] != 0) {
			best = k;
			*j = (unsigned)b;
		}
		a--;
		b--;
	}
	return best;
}

void dnsmsg_w_name(struct dnsmsg_w *w, const uint8_t *name, const struct dnsmsg_cname *const *refs,
	size_t nrefs, struct dnsmsg_cname *out)
{
	uint8_t lpos[MAX_LABELS];
	unsigned end;
	unsigned n = label_positions(name, lpos, &end);
	unsigned best = 0, best_j = 0;
	const struct dnsmsg_cname *from = NULL;
	for (size_t r = 0; r < nrefs; r++) {
		unsigned j = 0;
		if (!refs[r]->name)
			continue;
		unsigned k = common_suffix(name, lpos, n, refs[r], &j);
		if (k > best) {
			best = k;
			best_j = j;
			from = refs[r];
		}
	}
	size_t start = w->len;
	unsigned lit = n - best; /* labels written out */
	uint16_t moff[MAX_LABELS];
	if (best > 0) {
		dnsmsg_w_bytes(w, name, lpos[lit]);
		dnsmsg_w_u16(w, (uint16_t)(0xc000 | from->moff[best_j]));
		if (out)
			memcpy(moff + lit, from->moff + best_j, best * sizeof(moff[0]));
	} else {
		dnsmsg_w_bytes(w, name, end + 1u);
	}
	if (!out)
		return;
	for (unsigned i = 0; i < lit; i++)
		moff[i] = reachable(start + lpos[i]);
	out->name = name;
	out->labels = (uint8_t)n;
	memcpy(out->lpos, lpos, n);
	memcpy(out->moff, moff, n * sizeof(moff[0]));
}

/* The layout of RDATA whose names may be compressed (RFC 1035 §3.3, RFC
 * 3597 §4): octets before the first name, number of names, octets after. */
static bool compressible(uint16_t type, unsigned *before, unsigned *names, unsigned *after)
{
	*before = 0;
	*after = 0;
	switch (type) {
	case 2:	 /* NS */
	case 3:	 /* MD */
	case 4:	 /* MF */
	case 5:	 /* CNAME */
	case 7:	 /* MB */
	case 8:	 /* MG */
	case 9:	 /* MR */
	case 12: /* PTR */
		*names = 1;
		return true;
	case 6: /* SOA */
		*names = 2;
		*after = 20;
		return true;
	case 14: /* MINFO */
		*names = 2;
		return true;
	case 15: /* MX */
		*before = 2;
		*names = 1;
		return true;
	default:
		return false;
	}
}

void dnsmsg_w_rdata(struct dnsmsg_w *w, uint16_t type, const uint8_t *rd, uint16_t len,
	const struct dnsmsg_cname *owner, struct dnsmsg_cname *last)
{
	unsigned before, names, after;
	if (!compressible(type, &before, &names, &after) || len < before) {
		dnsmsg_w_bytes(w, rd, len);
		return;
	}
	/* the names must parse and fill the RDATA exactly, or it goes as it is */
	size_t pos = before, at[2];
	for (unsigned i = 0; i < names; i++) {
		int n = name_wire_len(rd + pos, len - pos);
		if (n < 0) {
			dnsmsg_w_bytes(w, rd, len);
			return;
		}
		at[i] = pos;
		pos += (size_t)n;
	}
	if (len - pos != after) {
		dnsmsg_w_bytes(w, rd, len);
		return;
	}
	dnsmsg_w_bytes(w, rd, before);
	const struct dnsmsg_cname *refs[2] = {owner, last};
	for (unsigned i = 0; i < names; i++)
		dnsmsg_w_name(w, rd + at[i], refs, 2, last);
	dnsmsg_w_bytes(w, rd + pos, after);
}

int dnsmsg_xfr_setup(
	struct dnsmsg_xfr *x, const struct dnsmsg_query *q, const struct zone *z, size_t target)
{
	const struct node *apex = zone_apex_node(z);
	const struct rrset *soa = apex ? node_find(apex, DNSMSG_T_SOA, 0) : NULL;
	if (!soa || soa->count == 0)
		return ERR_NOTFOUND;
	memset(x, 0, offsetof(struct dnsmsg_xfr, owner));
	x->zone = z;
	x->apex = apex;
	x->soa = soa;
	x->state = DNSMSG_XFR_FIRST_SOA;
	if (target == 0)
		target = DNSMSG_XFR_TARGET;
	x->target = target < DNSMSG_UDP_MIN ? DNSMSG_UDP_MIN
		: target > DNSMSG_MAX	    ? DNSMSG_MAX
					    : target;
	x->id = q->id;
	x->flags2 = (uint8_t)(q->opcode << 3 | (q->rd ? DNSMSG_F_RD : 0));
	x->cd = q->cd;
	x->edns = q->edns;
	x->edns_do = q->edns_do;
	x->qtype = q->qtype;
	x->qclass = q->qclass;
	x->qname_len = q->qname_len;
	memcpy(x->qname, q->qname, q->qname_len);
	x->owner.name = x->rdname.name = x->question.name = NULL;
	x->rrs = x->msgs = x->octets = 0;
	return 0;
}

int dnsmsg_xfr_init(
	struct dnsmsg_xfr *x, const struct dnsmsg_query *q, const struct zone *z, size_t target)
{
	int rc = dnsmsg_xfr_setup(x, q, z, target);
	if (rc < 0)
		return rc;
	x->node = tree_iter_first(&x->it, z->tree);
	x->rrset = x->node ? node_first(x->node) : NULL;
	return 0;
}

void dnsmsg_xfr_soa(const struct dnsmsg_xfr *x, struct dnsmsg_xrr *rr)
{
	const knot_rdata_t *d = (const knot_rdata_t *)x->soa->rdata;
	rr->owner = node_owner(x->apex);
	rr->type = DNSMSG_T_SOA;
	rr->ttl = x->soa->ttl;
	rr->rd = d->data;
	rr->rdlen = d->len;
}

/* The AXFR cursor: the RR under it, or false when the transfer is complete.
 * Moves over what is not sent: the apex SOA in the body (it opens and closes
 * the transfer), empty non-terminals. */
static bool axfr_peek(struct dnsmsg_xfr *x, struct dnsmsg_xrr *rr)
{
	if (x->state == DNSMSG_XFR_BODY) {
		while (x->node) {
			const struct rrset *s = x->rrset;
			if (!s) {
				x->node = tree_iter_next(&x->it);
				tree_iter_prefetch(&x->it, TREE_PREFETCH_AHEAD);
				x->rrset = x->node ? node_first(x->node) : NULL;
				x->rdata_pos = 0;
				continue;
			}
			if (s == x->soa || x->rdata_pos >= s->size) {
				x->rrset = node_next(x->node, s);
				x->rdata_pos = 0;
				continue;
			}
			const knot_rdata_t *d = (const knot_rdata_t *)(s->rdata + x->rdata_pos);
			rr->owner = node_owner(x->node);
			rr->type = s->type;
			rr->ttl = s->ttl;
			rr->rd = d->data;
			rr->rdlen = d->len;
			return true;
		}
		x->state = DNSMSG_XFR_LAST_SOA;
	}
	if (x->state == DNSMSG_XFR_DONE)
		return false;
	dnsmsg_xfr_soa(x, rr);
	return true;
}

static void axfr_advance(struct dnsmsg_xfr *x, uint16_t rdlen)
{
	if (x->state == DNSMSG_XFR_FIRST_SOA)
		x->state = DNSMSG_XFR_BODY;
	else if (x->state == DNSMSG_XFR_BODY)
		x->rdata_pos += (uint32_t)knot_rdata_size(rdlen);
	else
		x->state = DNSMSG_XFR_DONE;
}

static bool xfr_peek(struct dnsmsg_xfr *x, struct dnsmsg_xrr *rr)
{
	return x->diff ? dnsmsg_ixfr_peek(x, rr) : axfr_peek(x, rr);
}

static void xfr_advance(struct dnsmsg_xfr *x, const struct dnsmsg_xrr *rr)
{
	if (x->diff)
		dnsmsg_ixfr_advance(x);
	else
		axfr_advance(x, rr->rdlen);
}

/* One RR: owner (a plain pointer when the owner was just written), type,
 * class, TTL, RDLENGTH and RDATA (RFC 1035 §4.1.3). */
static void xfr_w_rr(struct dnsmsg_xfr *x, struct dnsmsg_w *w, const struct dnsmsg_xrr *rr)
{
	if (x->owner.name == rr->owner && x->owner.moff[0] != 0) {
		dnsmsg_w_u16(w, (uint16_t)(0xc000 | x->owner.moff[0]));
	} else {
		const struct dnsmsg_cname *refs[2] = {&x->owner, &x->question};
		dnsmsg_w_name(w, rr->owner, refs, 2, &x->owner);
	}
	uint8_t h[10] = {(uint8_t)(rr->type >> 8), (uint8_t)rr->type, 0, DNSMSG_C_IN,
		(uint8_t)(rr->ttl >> 24), (uint8_t)(rr->ttl >> 16), (uint8_t)(rr->ttl >> 8),
		(uint8_t)rr->ttl, 0, 0};
	dnsmsg_w_bytes(w, h, sizeof(h));
	size_t start = w->len;
	dnsmsg_w_rdata(w, rr->type, rr->rd, rr->rdlen, &x->owner, &x->rdname);
	if (!w->over)
		dnsmsg_put_u16(w->buf + start - 2, (uint16_t)(w->len - start));
}

static void xfr_w_start(struct dnsmsg_xfr *x, struct dnsmsg_w *w)
{
	uint8_t h[DNSMSG_HEADER] = {(uint8_t)(x->id >> 8), (uint8_t)x->id,
		(uint8_t)(DNSMSG_F_QR | DNSMSG_F_AA | x->flags2), x->cd ? DNSMSG_F_CD : 0};
	dnsmsg_w_bytes(w, h, sizeof(h));
	x->owner.name = x->rdname.name = x->question.name = NULL;
	if (x->msgs == 0) { /* RFC 5936 §2.2.1: the first message echoes the question */
		dnsmsg_cname_set(&x->question, x->qname, w->len);
		dnsmsg_w_bytes(w, x->qname, x->qname_len);
		dnsmsg_w_u16(w, x->qtype);
		dnsmsg_w_u16(w, x->qclass);
		w->buf[5] = 1;
	}
}

int dnsmsg_xfr_next(struct dnsmsg_xfr *x, uint8_t *out, size_t cap, size_t *len)
{
	*len = 0;
	if (x->state == DNSMSG_XFR_DONE)
		return 0;
	if (cap < DNSMSG_MAX)
		return ERR_INVAL;
	struct dnsmsg_w w = {.buf = out, .cap = DNSMSG_MAX};
	xfr_w_start(x, &w);
	/* room for the OPT RR and the caller's TSIG RR at the end */
	size_t reserve = (x->edns ? DNSMSG_OPT_SIZE : 0) + x->reserve;
	size_t limit = x->target > reserve + DNSMSG_HEADER ? x->target - reserve : DNSMSG_HEADER;
	unsigned an = 0;
	struct dnsmsg_xrr rr;
	while (xfr_peek(x, &rr)) {
		size_t save = w.len;
		w.cap = limit;
		xfr_w_rr(x, &w, &rr);
		if (w.over) {
			w.len = save;
			w.over = false;
			if (an > 0)
				break;
			/* alone over the target: a message of its own, as large as
			 * the protocol allows; the names written so far were rolled
			 * back with it, so they are no compression targets */
			x->owner.name = x->rdname.name = NULL;
			w.cap = DNSMSG_MAX - reserve;
			xfr_w_rr(x, &w, &rr);
			if (w.over)
				return ERR_LIMIT;
			an++;
			xfr_advance(x, &rr);
			break;
		}
		an++;
		xfr_advance(x, &rr);
	}
	dnsmsg_put_u16(out + 6, (uint16_t)an);
	w.cap = DNSMSG_MAX - x->reserve;
	if (x->edns) {
		dnsmsg_w_opt(&w, 0, x->edns_do, DNSMSG_EDE_NONE, NULL);
		out[11] = 1;
	}
	x->rrs += an;
	x->msgs++;
	x->octets += w.len;
	*len = w.len;
	return 0;
}
