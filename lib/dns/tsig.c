/* tsig.c - transaction signatures, RFC 8945 (see tsig.h). */
#include "lib/dns/tsig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libknot/dname.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "lib/dns/name.h"
#include "lib/util/base.h"
#include "lib/util/err.h"

#define HEADER 12
#define T_TSIG 250
#define C_ANY 255
#define RCODE_NOTAUTH 9
#define RR_FIXED 10	/* type, class, TTL, RDLENGTH */
#define RDATA_FIXED 16	/* time signed, fudge, MAC size, original ID, error, other len */
#define OTHER_TIME 6	/* a BADTIME answer's other data: our time (RFC 8945 §5.2.3) */
#define UNSIGNED_MAX 99 /* unsigned messages in a row a client takes (RFC 8945 §5.3.1) */
#define TIME48 0xffffffffffffULL

struct alg_info {
	const char *name;   /* presentation, "hmac-sha256" */
	const char *digest; /* OpenSSL's digest name */
	const uint8_t *wire;
	uint8_t wire_len;
	uint8_t mac_len;
};

#define WIRE(s) (const uint8_t *)(s), sizeof(s)

/* RFC 8945 §6 names the algorithms by these domain names. */
static const struct alg_info algs[] = {
	[TSIG_HMAC_SHA1] = {"hmac-sha1", "SHA1", WIRE("\x09hmac-sha1"), 20},
	[TSIG_HMAC_SHA224] = {"hmac-sha224", "SHA224", WIRE("\x0bhmac-sha224"), 28},
	[TSIG_HMAC_SHA256] = {"hmac-sha256", "SHA256", WIRE("\x0bhmac-sha256"), 32},
	[TSIG_HMAC_SHA384] = {"hmac-sha384", "SHA384", WIRE("\x0bhmac-sha384"), 48},
	[TSIG_HMAC_SHA512] = {"hmac-sha512", "SHA512", WIRE("\x0bhmac-sha512"), 64},
};
#define N_ALGS (sizeof(algs) / sizeof(algs[0]))

/* The received TSIG RR, its names decompressed and lower-cased. */
struct tsig_rr {
	uint8_t name[LIMIT_NAME_LEN + 1];
	uint8_t alg[LIMIT_NAME_LEN + 1];
	size_t name_len, alg_len;
	uint64_t time;
	uint16_t fudge;
	uint16_t mac_len;
	const uint8_t *mac;
	uint16_t orig_id;
	uint16_t error;
	uint16_t other_len;
	const uint8_t *other;
};

/* The TSIG variables that follow the message in a digest (RFC 8945 §4.3.3). */
struct tsig_vars {
	const uint8_t *name, *alg; /* canonical: lower case, uncompressed */
	size_t name_len, alg_len;
	uint64_t time;
	uint16_t fudge;
	uint16_t error;
	uint16_t other_len;
	const uint8_t *other;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put48(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 6; i++)
		p[i] = (uint8_t)(v >> (40 - 8 * i));
	return p + 6;
}

static uint8_t *put_bytes(uint8_t *p, const void *src, size_t n)
{
	if (n)
		memcpy(p, src, n);
	return p + n;
}

static int fail(char *err, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, int rc, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, TSIG_ERR_SIZE, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* ---- algorithms and keys ---- */

int tsig_alg_parse(const char *text, enum tsig_alg *out)
{
	size_t n = strlen(text);
	if (n > 0 && text[n - 1] == '.')
		n--;
	/* "hmac-sha256", "HmacSha256" and "sha256": drop "hmac" and "-" */
	if (n >= 4 && strncasecmp(text, "hmac", 4) == 0) {
		text += 4;
		n -= 4;
		if (n > 0 && *text == '-') {
			text++;
			n--;
		}
	}
	for (size_t i = 0; i < N_ALGS; i++) {
		const char *sha = algs[i].name + 5;
		if (strlen(sha) == n && strncasecmp(text, sha, n) == 0) {
			*out = (enum tsig_alg)i;
			return 0;
		}
	}
	return ERR_NOTFOUND;
}

static bool alg_ok(enum tsig_alg alg)
{
	return (unsigned)alg < N_ALGS;
}

const char *tsig_alg_name(enum tsig_alg alg)
{
	return alg_ok(alg) ? algs[alg].name : "unknown";
}

const uint8_t *tsig_alg_wire(enum tsig_alg alg, size_t *len)
{
	if (!alg_ok(alg)) {
		*len = 0;
		return NULL;
	}
	*len = algs[alg].wire_len;
	return algs[alg].wire;
}

size_t tsig_mac_len(enum tsig_alg alg)
{
	return alg_ok(alg) ? algs[alg].mac_len : 0;
}

int tsig_key_make(
	struct tsig_key *k, const char *name, const char *alg, const char *secret_b64, char *err)
{
	memset(k, 0, sizeof(*k));
	if (tsig_alg_parse(alg, &k->alg) != 0)
		return fail(err, ERR_INVAL, "unknown algorithm '%.64s'", alg);
	if (name[0] == '\0' || strcmp(name, ".") == 0)
		return fail(err, ERR_INVAL, "empty key name");
	if (!knot_dname_from_str(k->name, name, sizeof(k->name)))
		return fail(err, ERR_INVAL, "invalid key name '%.64s'", name);
	int n = name_wire_len(k->name, sizeof(k->name));
	if (n < 0)
		return fail(err, ERR_INVAL, "invalid key name '%.64s'", name);
	name_lower(k->name); /* the digest takes the canonical form (RFC 8945 §4.3.3) */
	k->name_len = (uint8_t)n;
	int s = base64_decode(secret_b64, strlen(secret_b64), k->secret, sizeof(k->secret), 0);
	if (s <= 0) {
		OPENSSL_cleanse(k->secret, sizeof(k->secret));
		if (s == ERR_LIMIT)
			return fail(
				err, ERR_INVAL, "secret longer than %d octets", TSIG_SECRET_MAX);
		return fail(err, ERR_INVAL, s == 0 ? "empty secret" : "invalid base64 secret");
	}
	k->secret_len = (size_t)s;
	return 0;
}

int tsig_key_parse_compact(struct tsig_key *k, const char *text, char *err)
{
	memset(k, 0, sizeof(*k));
	const char *first = strchr(text, ':'), *last = strrchr(text, ':');
	if (!first)
		return fail(err, ERR_INVAL, "expected [ALG:]NAME:SECRET");
	char alg[32] = "hmac-sha256";
	char name[LIMIT_NAME_LEN * 4 + 2];
	const char *name_at = text;
	if (first != last) {
		size_t al = (size_t)(first - text);
		if (al >= sizeof(alg))
			return fail(err, ERR_INVAL, "unknown algorithm '%.*s'",
				(int)(al < 64 ? al : 64), text);
		memcpy(alg, text, al);
		alg[al] = '\0';
		name_at = first + 1;
	}
	size_t nl = (size_t)(last - name_at);
	if (nl >= sizeof(name))
		return fail(err, ERR_INVAL, "key name too long");
	memcpy(name, name_at, nl);
	name[nl] = '\0';
	return tsig_key_make(k, name, alg, last + 1, err);
}

void tsig_key_name_text(const struct tsig_key *k, char *out, size_t cap)
{
	if (cap == 0)
		return;
	out[0] = '\0';
	if (k->name_len == 0 || !knot_dname_to_str(out, k->name, cap)) {
		out[0] = '\0';
		return;
	}
	size_t n = strlen(out);
	if (n > 1 && out[n - 1] == '.')
		out[n - 1] = '\0';
}

char *tsig_key_secret_b64(const struct tsig_key *k)
{
	size_t n = base64_encoded_len(k->secret_len) + 1;
	char *s = malloc(n);
	if (s && base64_encode(k->secret, k->secret_len, s, n, 0) < 0) {
		free(s);
		s = NULL;
	}
	return s;
}

void tsig_key_wipe(struct tsig_key *k)
{
	OPENSSL_cleanse(k->secret, sizeof(k->secret));
	k->secret_len = 0;
}

size_t tsig_rr_space(const struct tsig_key *k)
{
	size_t alen = 0;
	tsig_alg_wire(k->alg, &alen);
	return k->name_len + RR_FIXED + alen + RDATA_FIXED + tsig_mac_len(k->alg) + OTHER_TIME;
}

/* ---- reading received messages (untrusted) ---- */

/* Moves *pos past the name there, which may end in a compression pointer
 * (RFC 1035 §4.1.4) that is not followed. */
static int skip_name(const uint8_t *msg, size_t len, size_t *pos)
{
	size_t at = *pos, total = 0;
	for (;;) {
		if (at >= len)
			return ERR_SYNTAX;
		uint8_t b = msg[at];
		if ((b & 0xc0) == 0xc0) {
			if (len - at < 2)
				return ERR_SYNTAX;
			*pos = at + 2;
			return 0;
		}
		if (b & 0xc0) /* the extended label types (RFC 6891 §5) are gone */
			return ERR_SYNTAX;
		total += 1u + b;
		if (total > LIMIT_NAME_LEN || len - at < 1u + b)
			return ERR_SYNTAX;
		at += 1u + b;
		if (b == 0) {
			*pos = at;
			return 0;
		}
	}
}

/* The name at *pos into out, lower-cased (name_unpack); its length or
 * ERR_SYNTAX. */
static int read_name(const uint8_t *msg, size_t len, size_t *pos, uint8_t *out)
{
	size_t n = name_unpack(msg, len, len, pos, out);
	if (n == 0)
		return ERR_SYNTAX;
	name_lower(out);
	return (int)n;
}

int tsig_find(const uint8_t *msg, size_t len, size_t *at)
{
	if (len < HEADER)
		return ERR_SYNTAX;
	size_t pos = HEADER;
	for (unsigned i = 0, qd = get16(msg + 4); i < qd; i++) {
		if (skip_name(msg, len, &pos) < 0 || len - pos < 4)
			return ERR_SYNTAX;
		pos += 4;
	}
	unsigned ar = get16(msg + 10);
	unsigned total = get16(msg + 6) + get16(msg + 8) + ar;
	bool found = false;
	for (unsigned i = 0; i < total; i++) {
		size_t start = pos;
		if (skip_name(msg, len, &pos) < 0 || len - pos < RR_FIXED)
			return ERR_SYNTAX;
		uint16_t type = get16(msg + pos), rdlen = get16(msg + pos + 8);
		pos += RR_FIXED;
		if (len - pos < rdlen)
			return ERR_SYNTAX;
		pos += rdlen;
		if (type != T_TSIG)
			continue;
		/* only as the last additional record (RFC 8945 §5.1) */
		if (i + 1 != total || ar == 0)
			return ERR_SYNTAX;
		*at = start;
		found = true;
	}
	if (pos != len)
		return ERR_SYNTAX;
	return found ? 0 : ERR_NOTFOUND;
}

/* The fields after the algorithm name (RFC 8945 §4.2), which must fill the
 * RDATA to the end of the message. */
static int parse_rdata_tail(const uint8_t *msg, size_t len, size_t pos, struct tsig_rr *rr)
{
	if (len - pos < 10)
		return ERR_SYNTAX;
	const uint8_t *p = msg + pos;
	rr->time = (uint64_t)get16(p) << 32 | (uint64_t)get16(p + 2) << 16 | get16(p + 4);
	rr->fudge = get16(p + 6);
	rr->mac_len = get16(p + 8);
	pos += 10;
	if (len - pos < (size_t)rr->mac_len + 6)
		return ERR_SYNTAX;
	rr->mac = msg + pos;
	pos += rr->mac_len;
	rr->orig_id = get16(msg + pos);
	rr->error = get16(msg + pos + 2);
	rr->other_len = get16(msg + pos + 4);
	pos += 6;
	if (len - pos != rr->other_len)
		return ERR_SYNTAX;
	rr->other = msg + pos;
	return 0;
}

/* Reads the TSIG RR at offset at, the last record of msg[0..len). */
static int parse_rr(const uint8_t *msg, size_t len, size_t at, struct tsig_rr *rr)
{
	if (len < HEADER || at < HEADER || at >= len || get16(msg + 10) == 0)
		return ERR_SYNTAX;
	size_t pos = at;
	int n = read_name(msg, len, &pos, rr->name);
	if (n < 0 || len - pos < RR_FIXED)
		return ERR_SYNTAX;
	rr->name_len = (size_t)n;
	const uint8_t *h = msg + pos;
	/* class ANY and TTL 0 (RFC 8945 §4.2) */
	if (get16(h) != T_TSIG || get16(h + 2) != C_ANY || get16(h + 4) != 0 || get16(h + 6) != 0)
		return ERR_SYNTAX;
	pos += RR_FIXED;
	if (len - pos != get16(h + 8))
		return ERR_SYNTAX;
	n = read_name(msg, len, &pos, rr->alg);
	if (n < 0)
		return ERR_SYNTAX;
	rr->alg_len = (size_t)n;
	return parse_rdata_tail(msg, len, pos, rr);
}

/* RFC 8945 §5.2.2.1: a MAC may be cut to no less than half the hash and
 * no less than 10 octets, and never be longer than the hash. */
static bool mac_size_ok(size_t got, size_t full)
{
	size_t min = full / 2 > 10 ? full / 2 : 10;
	return got >= min && got <= full;
}

static bool in_time(uint64_t now, uint64_t signed_at, uint16_t fudge)
{
	uint64_t d = now > signed_at ? now - signed_at : signed_at - now;
	return d <= fudge;
}

static bool alg_is(const struct tsig_key *k, const uint8_t *alg, size_t alg_len)
{
	return alg_ok(k->alg) && alg_len == algs[k->alg].wire_len &&
		memcmp(alg, algs[k->alg].wire, alg_len) == 0;
}

/* ---- digests ---- */

static bool put(EVP_MAC_CTX *m, const void *p, size_t n)
{
	return n == 0 || EVP_MAC_update(m, p, n) == 1;
}

/* (Re)starts ctx->hmac keyed with k. */
static int mac_init(struct tsig_ctx *ctx, const struct tsig_key *k)
{
	if (!alg_ok(k->alg))
		return ERR_INVAL;
	if (!ctx->hmac) {
		EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		if (!mac)
			return ERR_CRYPTO;
		ctx->hmac = EVP_MAC_CTX_new(mac);
		EVP_MAC_free(mac);
		if (!ctx->hmac)
			return ERR_CRYPTO;
	}
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(
			OSSL_MAC_PARAM_DIGEST, (char *)algs[k->alg].digest, 0),
		OSSL_PARAM_construct_end(),
	};
	if (EVP_MAC_init(ctx->hmac, k->secret, k->secret_len, params) != 1)
		return ERR_CRYPTO;
	return 0;
}

/* Keeps mac as the one the next digest starts with and starts that digest
 * with it, size first (RFC 8945 §4.3.1, §5.3.1). */
static int chain_start(struct tsig_ctx *ctx, const uint8_t *mac, size_t n)
{
	memcpy(ctx->mac, mac, n);
	ctx->mac_len = n;
	int rc = mac_init(ctx, ctx->key);
	if (rc < 0)
		return rc;
	uint8_t size[2];
	put16(size, (uint16_t)n);
	if (!put(ctx->hmac, size, 2) || !put(ctx->hmac, mac, n))
		return ERR_CRYPTO;
	return 0;
}

/* The message without its TSIG RR, with the original ID and the ARCOUNT
 * it had before the TSIG RR was added (RFC 8945 §4.3.2). */
static bool put_msg(EVP_MAC_CTX *m, const uint8_t *msg, size_t end, uint16_t id, uint16_t ar)
{
	uint8_t h[HEADER];
	memcpy(h, msg, HEADER);
	put16(h, id);
	put16(h + 10, ar);
	return put(m, h, HEADER) && put(m, msg + HEADER, end - HEADER);
}

/* All the TSIG variables (RFC 8945 §4.3.3), or only the timers that later
 * messages of a stream use (§5.3.1). */
static bool put_vars(EVP_MAC_CTX *m, const struct tsig_vars *v, bool all)
{
	uint8_t t[8], *p = put48(t, v->time);
	put16(p, v->fudge);
	if (!all)
		return put(m, t, sizeof(t));
	static const uint8_t class_ttl[6] = {0, C_ANY, 0, 0, 0, 0};
	uint8_t e[4];
	put16(put16(e, v->error), v->other_len);
	return put(m, v->name, v->name_len) && put(m, class_ttl, 6) && put(m, v->alg, v->alg_len) &&
		put(m, t, sizeof(t)) && put(m, e, 4) && put(m, v->other, v->other_len);
}

static int mac_final(EVP_MAC_CTX *m, uint8_t *out, size_t *n)
{
	return EVP_MAC_final(m, out, n, TSIG_MAC_MAX) == 1 ? 0 : ERR_CRYPTO;
}

/* ---- writing ---- */

static size_t rr_size(const struct tsig_vars *v, size_t mac_len)
{
	return v->name_len + RR_FIXED + v->alg_len + RDATA_FIXED + mac_len + v->other_len;
}

static int rr_fits(
	const uint8_t *msg, size_t len, size_t cap, const struct tsig_vars *v, size_t mac_len)
{
	if (len < HEADER || len > cap)
		return ERR_INVAL;
	if (cap - len < rr_size(v, mac_len) || get16(msg + 10) == 0xffff)
		return ERR_LIMIT;
	return 0;
}

/* Appends the TSIG RR (space checked by rr_fits) and counts it in ARCOUNT. */
static void write_rr(uint8_t *msg, size_t *len, const struct tsig_vars *v, const uint8_t *mac,
	size_t mac_len, uint16_t orig_id)
{
	uint8_t *p = put_bytes(msg + *len, v->name, v->name_len);
	p = put16(p, T_TSIG);
	p = put16(p, C_ANY);
	p = put16(put16(p, 0), 0); /* TTL 0 */
	p = put16(p, (uint16_t)(v->alg_len + RDATA_FIXED + mac_len + v->other_len));
	p = put_bytes(p, v->alg, v->alg_len);
	p = put48(p, v->time);
	p = put16(p, v->fudge);
	p = put16(p, (uint16_t)mac_len);
	p = put_bytes(p, mac, mac_len);
	p = put16(p, orig_id);
	p = put16(p, v->error);
	p = put16(p, v->other_len);
	p = put_bytes(p, v->other, v->other_len);
	*len = (size_t)(p - msg);
	put16(msg + 10, (uint16_t)(get16(msg + 10) + 1));
}

static void key_vars(struct tsig_vars *v, const struct tsig_key *k)
{
	memset(v, 0, sizeof(*v));
	v->name = k->name;
	v->name_len = k->name_len;
	v->alg = algs[k->alg].wire;
	v->alg_len = algs[k->alg].wire_len;
}

/* ---- the exchange ---- */

void tsig_ctx_init(struct tsig_ctx *ctx, uint64_t now)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->now = now;
}

void tsig_ctx_deinit(struct tsig_ctx *ctx)
{
	EVP_MAC_CTX_free(ctx->hmac); /* cleanses the keyed state */
	ctx->hmac = NULL;
	ctx->key = NULL;
}

int tsig_sign_query(
	struct tsig_ctx *ctx, const struct tsig_key *key, uint8_t *msg, size_t *len, size_t cap)
{
	if (!alg_ok(key->alg) || key->name_len == 0)
		return ERR_INVAL;
	struct tsig_vars v;
	key_vars(&v, key);
	v.time = ctx->now & TIME48;
	v.fudge = TSIG_FUDGE;
	int rc = rr_fits(msg, *len, cap, &v, tsig_mac_len(key->alg));
	if (rc < 0)
		return rc;
	ctx->key = key;
	ctx->req_id = get16(msg);
	ctx->msgs = ctx->unsigned_run = 0;
	uint8_t mac[TSIG_MAC_MAX];
	size_t n;
	rc = mac_init(ctx, key);
	if (rc == 0 &&
		!(put_msg(ctx->hmac, msg, *len, ctx->req_id, get16(msg + 10)) &&
			put_vars(ctx->hmac, &v, true)))
		rc = ERR_CRYPTO;
	if (rc == 0)
		rc = mac_final(ctx->hmac, mac, &n);
	if (rc < 0)
		return rc;
	write_rr(msg, len, &v, mac, n, ctx->req_id);
	/* the first answer's digest starts with the request's MAC (RFC 8945 §4.3.1) */
	return chain_start(ctx, mac, n);
}

static const char *tsig_error_name(uint16_t e)
{
	switch (e) {
	case TSIG_BADSIG:
		return "BADSIG";
	case TSIG_BADKEY:
		return "BADKEY";
	case TSIG_BADTIME:
		return "BADTIME";
	case TSIG_BADTRUNC:
		return "BADTRUNC";
	default:
		return "an unknown error";
	}
}

/* A response whose TSIG RR carries an error: the exchange has failed. */
static int server_error(const struct tsig_rr *rr, char *err)
{
	if (rr->error == TSIG_BADTIME && rr->other_len == OTHER_TIME) {
		uint64_t t = (uint64_t)get16(rr->other) << 32 |
			(uint64_t)get16(rr->other + 2) << 16 | get16(rr->other + 4);
		return fail(err, ERR_CRYPTO,
			"server answered TSIG BADTIME: our time %llu is not its time %llu within "
			"the fudge",
			(unsigned long long)rr->time, (unsigned long long)t);
	}
	return fail(err, ERR_CRYPTO, "server answered TSIG %s (%u)", tsig_error_name(rr->error),
		rr->error);
}

/* An unsigned message in a stream: its octets go into the next digest. */
static int unsigned_msg(struct tsig_ctx *ctx, const uint8_t *msg, size_t len, char *err)
{
	if (ctx->msgs == 0)
		return fail(err, ERR_CRYPTO, "response is not signed");
	if (ctx->unsigned_run >= UNSIGNED_MAX)
		return fail(err, ERR_CRYPTO,
			"%d response messages in a row unsigned (RFC 8945 §5.3.1)",
			UNSIGNED_MAX + 1);
	if (!put(ctx->hmac, msg, len))
		return fail(err, ERR_CRYPTO, "HMAC failed");
	ctx->unsigned_run++;
	ctx->msgs++;
	return 0;
}

/* Checks a signed response's MAC and time against ctx's key. */
static int check_signed(
	struct tsig_ctx *ctx, const uint8_t *msg, size_t at, const struct tsig_rr *rr, char *err)
{
	const struct tsig_key *k = ctx->key;
	if (!name_equal(rr->name, k->name) || !alg_is(k, rr->alg, rr->alg_len))
		return fail(err, ERR_CRYPTO, "response signed with another key or algorithm");
	if (!mac_size_ok(rr->mac_len, tsig_mac_len(k->alg)))
		return fail(
			err, ERR_SYNTAX, "TSIG MAC of %u octets (RFC 8945 §5.2.2.1)", rr->mac_len);
	struct tsig_vars v;
	key_vars(&v, k);
	v.time = rr->time;
	v.fudge = rr->fudge;
	v.other = rr->other;
	v.other_len = rr->other_len;
	uint8_t mac[TSIG_MAC_MAX];
	size_t n;
	if (!put_msg(ctx->hmac, msg, at, rr->orig_id, (uint16_t)(get16(msg + 10) - 1)) ||
		!put_vars(ctx->hmac, &v, ctx->msgs == 0) || mac_final(ctx->hmac, mac, &n) < 0)
		return fail(err, ERR_CRYPTO, "HMAC failed");
	if (CRYPTO_memcmp(mac, rr->mac, rr->mac_len) != 0)
		return fail(err, ERR_CRYPTO, "TSIG MAC does not match (BADSIG)");
	if (!in_time(ctx->now, rr->time, rr->fudge))
		return fail(err, ERR_RANGE,
			"response signed at %llu, now is %llu: outside the fudge of %u s (BADTIME)",
			(unsigned long long)rr->time, (unsigned long long)ctx->now, rr->fudge);
	return 0;
}

int tsig_verify_response(
	struct tsig_ctx *ctx, const uint8_t *msg, size_t len, uint16_t *tsig_error, char *err)
{
	uint16_t ignored;
	if (!tsig_error)
		tsig_error = &ignored;
	*tsig_error = TSIG_NOERROR;
	if (!ctx->key || !ctx->hmac)
		return fail(err, ERR_INVAL, "no signed request to check a response against");
	size_t at;
	int rc = tsig_find(msg, len, &at);
	if (rc == ERR_NOTFOUND)
		return unsigned_msg(ctx, msg, len, err);
	struct tsig_rr rr;
	if (rc < 0 || parse_rr(msg, len, at, &rr) < 0)
		return fail(err, ERR_SYNTAX, "malformed message or TSIG record");
	*tsig_error = rr.error;
	if (rr.error != TSIG_NOERROR)
		return server_error(&rr, err);
	rc = check_signed(ctx, msg, at, &rr, err);
	if (rc < 0)
		return rc;
	ctx->msgs++;
	ctx->unsigned_run = 0;
	rc = chain_start(ctx, rr.mac, rr.mac_len);
	return rc < 0 ? fail(err, rc, "HMAC failed") : 0;
}

int tsig_verify_end(const struct tsig_ctx *ctx)
{
	return ctx->msgs > 0 && ctx->unsigned_run == 0 ? 0 : ERR_CRYPTO;
}

/* Keeps what an error answer echoes (RFC 8945 §5.3.2). */
static void keep_request(struct tsig_ctx *ctx, const struct tsig_rr *rr)
{
	memcpy(ctx->req_name, rr->name, rr->name_len);
	ctx->req_name_len = (uint8_t)rr->name_len;
	memcpy(ctx->req_alg, rr->alg, rr->alg_len);
	ctx->req_alg_len = (uint8_t)rr->alg_len;
	ctx->req_time = rr->time;
	ctx->req_fudge = rr->fudge;
	ctx->req_id = rr->orig_id;
}

/* The request's MAC against key k. */
static int request_mac_ok(struct tsig_ctx *ctx, const struct tsig_key *k, const uint8_t *msg,
	size_t at, const struct tsig_rr *rr, bool *ok)
{
	struct tsig_vars v = {.name = rr->name,
		.name_len = rr->name_len,
		.alg = rr->alg,
		.alg_len = rr->alg_len,
		.time = rr->time,
		.fudge = rr->fudge,
		.error = rr->error,
		.other_len = rr->other_len,
		.other = rr->other};
	uint8_t mac[TSIG_MAC_MAX];
	size_t n;
	int rc = mac_init(ctx, k);
	if (rc == 0 &&
		!(put_msg(ctx->hmac, msg, at, rr->orig_id, (uint16_t)(get16(msg + 10) - 1)) &&
			put_vars(ctx->hmac, &v, true)))
		rc = ERR_CRYPTO;
	if (rc == 0)
		rc = mac_final(ctx->hmac, mac, &n);
	*ok = rc == 0 && CRYPTO_memcmp(mac, rr->mac, rr->mac_len) == 0;
	return rc;
}

/* RFC 8945 §5.2: key, then MAC, then time. */
int tsig_verify_query(struct tsig_ctx *ctx, const uint8_t *msg, size_t len, size_t at,
	tsig_find_fn find, void *find_ctx)
{
	ctx->key = NULL;
	ctx->error = TSIG_NOERROR;
	ctx->msgs = 0;
	size_t found;
	struct tsig_rr rr;
	if (tsig_find(msg, len, &found) != 0 || found != at || parse_rr(msg, len, at, &rr) < 0)
		return ERR_SYNTAX;
	keep_request(ctx, &rr);
	const struct tsig_key *k = find(find_ctx, rr.name);
	if (!k || !name_equal(k->name, rr.name) || !alg_is(k, rr.alg, rr.alg_len)) {
		ctx->error = TSIG_BADKEY; /* §5.2.1 */
		return ERR_CRYPTO;
	}
	if (!mac_size_ok(rr.mac_len, tsig_mac_len(k->alg)))
		return ERR_SYNTAX; /* FORMERR, §5.2.2.1 */
	bool ok;
	int rc = request_mac_ok(ctx, k, msg, at, &rr, &ok);
	if (rc < 0)
		return rc;
	if (!ok) {
		ctx->error = TSIG_BADSIG; /* §5.2.2 */
		return ERR_CRYPTO;
	}
	ctx->key = k;
	rc = chain_start(ctx, rr.mac, rr.mac_len);
	if (rc < 0)
		return rc;
	if (!in_time(ctx->now, rr.time, rr.fudge)) {
		ctx->error = TSIG_BADTIME; /* §5.2.3: answered signed */
		return ERR_CRYPTO;
	}
	return 0;
}

/* BADKEY and BADSIG: no MAC, the request's names, time and fudge, since
 * the client's key cannot be used (RFC 8945 §5.3.2). */
static int sign_unsigned(struct tsig_ctx *ctx, uint8_t *msg, size_t *len, size_t cap)
{
	struct tsig_vars v = {.name = ctx->req_name,
		.name_len = ctx->req_name_len,
		.alg = ctx->req_alg,
		.alg_len = ctx->req_alg_len,
		.time = ctx->req_time,
		.fudge = ctx->req_fudge,
		.error = ctx->error};
	int rc = rr_fits(msg, *len, cap, &v, 0);
	if (rc < 0)
		return rc;
	write_rr(msg, len, &v, NULL, 0, get16(msg));
	ctx->msgs++;
	return 0;
}

int tsig_sign_response(struct tsig_ctx *ctx, uint8_t *msg, size_t *len, size_t cap)
{
	if (*len < HEADER || *len > cap)
		return ERR_INVAL;
	if (ctx->error != TSIG_NOERROR) /* §5.2: every TSIG error is answered NOTAUTH */
		msg[3] = (uint8_t)((msg[3] & 0xf0) | RCODE_NOTAUTH);
	if (ctx->error == TSIG_BADKEY || ctx->error == TSIG_BADSIG)
		return sign_unsigned(ctx, msg, len, cap);
	if (!ctx->key || !ctx->hmac)
		return ERR_INVAL;
	struct tsig_vars v;
	key_vars(&v, ctx->key);
	v.time = ctx->now & TIME48;
	v.fudge = TSIG_FUDGE;
	v.error = ctx->error;
	uint8_t other[OTHER_TIME];
	if (ctx->error == TSIG_BADTIME) { /* §5.2.3: the request's time, ours as other data */
		v.time = ctx->req_time;
		put48(other, ctx->now & TIME48);
		v.other = other;
		v.other_len = OTHER_TIME;
	}
	size_t full = tsig_mac_len(ctx->key->alg);
	int rc = rr_fits(msg, *len, cap, &v, full);
	if (rc < 0)
		return rc;
	uint8_t mac[TSIG_MAC_MAX];
	size_t n;
	if (!put_msg(ctx->hmac, msg, *len, get16(msg), get16(msg + 10)) ||
		!put_vars(ctx->hmac, &v, ctx->msgs == 0) || mac_final(ctx->hmac, mac, &n) < 0)
		return ERR_CRYPTO;
	write_rr(msg, len, &v, mac, n, get16(msg));
	ctx->msgs++;
	return chain_start(ctx, mac, n);
}
