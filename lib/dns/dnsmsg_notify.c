/* dnsmsg_notify.c - NOTIFY queries out and their answers in (see dnsmsg_notify.h). */
#include "lib/dns/dnsmsg_notify.h"

#include "lib/dns/dnsmsg.h"
#include "lib/dns/dnsmsg_impl.h"
#include "lib/dns/name.h"
#include "lib/util/err.h"

/* A SOA RDATA is MNAME, RNAME, then five 32-bit fields (RFC 1035 §3.3.13). */
static bool soa_rdata_valid(const uint8_t *rd, uint16_t len)
{
	int m = name_wire_len(rd, len);
	if (m < 0)
		return false;
	int r = name_wire_len(rd + m, len - (size_t)m);
	return r >= 0 && len - (size_t)m - (size_t)r == 20;
}

int dnsmsg_notify_query(uint16_t id, const uint8_t *apex, const struct dnsmsg_notify_soa *soa,
	uint8_t *out, size_t cap, size_t *len)
{
	*len = 0;
	if (soa && !soa_rdata_valid(soa->rdata, soa->rdlen))
		return ERR_INVAL;
	struct dnsmsg_w w = {.buf = out, .cap = cap};
	/* RFC 1996 §3.2, §3.3: opcode NOTIFY, AA set; QDCOUNT 1, ANCOUNT 1
	 * with the hint. */
	uint8_t h[DNSMSG_HEADER] = {(uint8_t)(id >> 8), (uint8_t)id,
		(uint8_t)(DNSMSG_OPCODE_NOTIFY << 3 | DNSMSG_F_AA), 0, 0, 1, 0, soa ? 1 : 0};
	dnsmsg_w_bytes(&w, h, sizeof(h));
	int n = name_wire_len(apex, LIMIT_NAME_LEN + 1);
	if (n < 0)
		return ERR_INVAL;
	dnsmsg_w_bytes(&w, apex, (size_t)n);
	dnsmsg_w_u16(&w, DNSMSG_T_SOA);
	dnsmsg_w_u16(&w, DNSMSG_C_IN);
	if (soa) {
		/* RFC 1996 §3.7: the SOA, its owner pointing at the question. */
		struct dnsmsg_cname qref, last = {.name = NULL};
		dnsmsg_cname_set(&qref, apex, DNSMSG_HEADER);
		dnsmsg_w_u16(&w, 0xc000 | DNSMSG_HEADER);
		dnsmsg_w_u16(&w, DNSMSG_T_SOA);
		dnsmsg_w_u16(&w, DNSMSG_C_IN);
		dnsmsg_w_u32(&w, soa->ttl);
		dnsmsg_w_u16(&w, 0);
		size_t start = w.len;
		dnsmsg_w_rdata(&w, DNSMSG_T_SOA, soa->rdata, soa->rdlen, &qref, &last);
		if (!w.over)
			dnsmsg_put_u16(out + start - 2, (uint16_t)(w.len - start));
	}
	if (w.over)
		return ERR_LIMIT;
	*len = w.len;
	return 0;
}

static int reject(const char **problem, const char *why)
{
	*problem = why;
	return ERR_SYNTAX;
}

int dnsmsg_notify_check(const uint8_t *msg, size_t len, uint16_t id, const uint8_t *apex,
	unsigned *rcode, const char **problem)
{
	*problem = NULL;
	if (len < DNSMSG_HEADER)
		return reject(problem, "shorter than a DNS header");
	if (dnsmsg_get_u16(msg) != id)
		return reject(problem, "another message ID");
	if (!(msg[2] & DNSMSG_F_QR))
		return reject(problem, "not a response");
	if (((msg[2] >> 3) & 0x0f) != DNSMSG_OPCODE_NOTIFY)
		return reject(problem, "not a NOTIFY response");
	*rcode = msg[3] & 0x0f;
	uint16_t qd = dnsmsg_get_u16(msg + 4);
	if (qd == 0 && *rcode != DNSMSG_RCODE_NOERROR)
		return 0;
	if (qd != 1)
		return reject(problem, "question count is not 1");
	int n = name_wire_len(msg + DNSMSG_HEADER, len - DNSMSG_HEADER);
	if (n < 0 || len - DNSMSG_HEADER - (size_t)n < 4)
		return reject(problem, "malformed question");
	const uint8_t *q = msg + DNSMSG_HEADER;
	if (!name_equal(q, apex) || dnsmsg_get_u16(q + n) != DNSMSG_T_SOA ||
		dnsmsg_get_u16(q + n + 2) != DNSMSG_C_IN)
		return reject(problem, "the question is not the zone's SOA");
	return 0;
}
