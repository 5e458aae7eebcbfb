/* Unit tests for lib/dns/tsig. Interoperability comes first: messages
 * signed by dnspython, kdig, dig and knotd (tests/data/tsig/vectors.txt,
 * written by gen_vectors.py there) are verified here, and what we sign is
 * compared octet for octet with what dnspython signed for the same message
 * and time. Then every error path: BADKEY, BADSIG, BADTIME and the RRs we
 * answer them with, fudge edges, truncated MACs, malformed TSIG RRs and
 * the cap on unsigned messages in a stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/dns/name.h"
#include "lib/dns/tsig.h"
#include "lib/util/base.h"
#include "lib/util/err.h"

#define MAX_VECS 32
#define MAX_MSGS 128
#define MSG_CAP 65535

struct blob {
	uint8_t *p;
	size_t len;
};

struct vec {
	char name[80];
	char key[600];
	uint64_t now;
	struct blob unsig, sig, query;
	struct blob msg[MAX_MSGS];
	size_t nmsg;
	int error;
};

/* Every vector of the file, handed to each test as its state. */
struct vecset {
	struct vec v[MAX_VECS];
	size_t n;
};

static struct vecset vecset;

static uint16_t g16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static struct blob hex_blob(const char *hex)
{
	size_t n = strlen(hex);
	struct blob b = {.p = malloc(n / 2 + 1)};
	assert_non_null(b.p);
	int rc = base16_decode(hex, n, b.p, n / 2 + 1, 0);
	assert_true(rc >= 0);
	b.len = (size_t)rc;
	return b;
}

static void vec_field(struct vec *v, const char *f, const char *val)
{
	if (strcmp(f, "key") == 0)
		snprintf(v->key, sizeof(v->key), "%s", val);
	else if (strcmp(f, "now") == 0)
		v->now = strtoull(val, NULL, 10);
	else if (strcmp(f, "unsigned") == 0)
		v->unsig = hex_blob(val);
	else if (strcmp(f, "signed") == 0)
		v->sig = hex_blob(val);
	else if (strcmp(f, "query") == 0)
		v->query = hex_blob(val);
	else if (strcmp(f, "error") == 0)
		v->error = (int)strtol(val, NULL, 10);
	else if (strcmp(f, "msg") == 0) {
		assert_true(v->nmsg < MAX_MSGS);
		v->msg[v->nmsg++] = hex_blob(val);
	} else
		fail_msg("unknown field %s", f);
}

static int load_vectors(void **state)
{
	struct vecset *vs = &vecset;
	*state = vs;
	const char *src = getenv("SRCDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/data/tsig/vectors.txt", src ? src : ".");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		char *sp = strchr(line, ' ');
		if (line[0] == '#' || !sp)
			continue;
		*sp = '\0';
		if (strcmp(line, "vector") == 0) {
			assert_true(vs->n < MAX_VECS);
			snprintf(vs->v[vs->n++].name, sizeof(vs->v[0].name), "%s", sp + 1);
		} else {
			assert_true(vs->n > 0);
			vec_field(&vs->v[vs->n - 1], line, sp + 1);
		}
	}
	free(line);
	fclose(f);
	return vs->n >= 15 ? 0 : -1;
}

static int free_vectors(void **state)
{
	struct vecset *vs = *state;
	for (struct vec *v = vs->v; v < vs->v + vs->n; v++) {
		free(v->unsig.p);
		free(v->sig.p);
		free(v->query.p);
		for (size_t m = 0; m < v->nmsg; m++)
			free(v->msg[m].p);
	}
	return 0;
}

static void vec_key(const struct vec *v, struct tsig_key *k)
{
	char err[TSIG_ERR_SIZE] = "";
	int rc = tsig_key_parse_compact(k, v->key, err);
	if (rc != 0)
		fail_msg("%s: %s", v->name, err);
}

/* The vector called name from a test's state, and its key into k unless
 * k is NULL. */
static const struct vec *vec_get(void **state, const char *name, struct tsig_key *k)
{
	const struct vecset *vs = *state;
	for (const struct vec *v = vs->v; v < vs->v + vs->n; v++) {
		if (strcmp(v->name, name) == 0) {
			if (k)
				vec_key(v, k);
			return v;
		}
	}
	fail_msg("no vector %s", name);
	return NULL;
}

/* A key table for the server side. */
struct keyring {
	const struct tsig_key *keys[4];
	size_t n;
};

static const struct tsig_key *ring_find(void *ctx, const uint8_t *name)
{
	struct keyring *r = ctx;
	for (size_t i = 0; i < r->n; i++)
		if (name_equal(r->keys[i]->name, name))
			return r->keys[i];
	return NULL;
}

/* A copy of b in a buffer with room to sign. */
static uint8_t *copy_msg(const struct blob *b, size_t *len)
{
	uint8_t *m = calloc(1, MSG_CAP);
	assert_non_null(m);
	memcpy(m, b->p, b->len);
	*len = b->len;
	return m;
}

/* Drops the TSIG RR of m (as before it was signed); returns the new length. */
static size_t strip_tsig(uint8_t *m, size_t len)
{
	size_t at;
	assert_int_equal(tsig_find(m, len, &at), 0);
	m[11]--; /* ARCOUNT is small in every message here */
	return at;
}

/* A client ctx at time now that signed a copy of b (its TSIG RR dropped
 * first when strip) with k; returns the signed copy (to free), *len its length. */
static uint8_t *client_sign(struct tsig_ctx *c, const struct tsig_key *k, const struct blob *b,
	bool strip, uint64_t now, size_t *len)
{
	uint8_t *q = copy_msg(b, len);
	if (strip)
		*len = strip_tsig(q, *len);
	tsig_ctx_init(c, now);
	assert_int_equal(tsig_sign_query(c, k, q, len, MSG_CAP), 0);
	return q;
}

static int verify_query(
	struct tsig_ctx *ctx, const struct tsig_key *k, const uint8_t *m, size_t len)
{
	struct keyring r = {.keys = {k}, .n = 1};
	size_t at;
	int rc = tsig_find(m, len, &at);
	if (rc != 0)
		return rc;
	return tsig_verify_query(ctx, m, len, at, ring_find, &r);
}

/* ---- algorithms and keys ---- */

static void test_alg_parse(void **state)
{
	(void)state;
	/* the spellings of key files, Cascade's API and kdig */
	static const char *good[] = {"hmac-sha1", "HMAC-SHA1.", "HmacSha1", "sha1", "hmac-sha224",
		"HmacSha224", "hmac-sha256.", "HmacSha256", "SHA256", "hmac-sha384", "hmacsha384",
		"hmac-sha512", "HmacSha512"};
	static const enum tsig_alg want[] = {TSIG_HMAC_SHA1, TSIG_HMAC_SHA1, TSIG_HMAC_SHA1,
		TSIG_HMAC_SHA1, TSIG_HMAC_SHA224, TSIG_HMAC_SHA224, TSIG_HMAC_SHA256,
		TSIG_HMAC_SHA256, TSIG_HMAC_SHA256, TSIG_HMAC_SHA384, TSIG_HMAC_SHA384,
		TSIG_HMAC_SHA512, TSIG_HMAC_SHA512};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		enum tsig_alg a = TSIG_HMAC_SHA1;
		assert_int_equal(tsig_alg_parse(good[i], &a), 0);
		assert_int_equal(a, want[i]);
	}
	static const char *bad[] = {"", ".", "hmac-md5", "hmac-md5.sig-alg.reg.int", "hmac-sha",
		"sha", "hmac-sha256..", "hmac--sha256", "hmac-sha2560", "gss-tsig", "hmac"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum tsig_alg a;
		assert_int_equal(tsig_alg_parse(bad[i], &a), ERR_NOTFOUND);
	}
	static const size_t lens[] = {20, 28, 32, 48, 64};
	for (int a = TSIG_HMAC_SHA1; a <= TSIG_HMAC_SHA512; a++) {
		enum tsig_alg back;
		assert_int_equal(tsig_alg_parse(tsig_alg_name((enum tsig_alg)a), &back), 0);
		assert_int_equal(back, a);
		assert_int_equal(tsig_mac_len((enum tsig_alg)a), lens[a]);
		size_t wl;
		const uint8_t *w = tsig_alg_wire((enum tsig_alg)a, &wl);
		assert_int_equal(name_wire_len(w, wl), (int)wl);
		assert_int_equal(w[0], strlen(tsig_alg_name((enum tsig_alg)a)));
		assert_memory_equal(w + 1, tsig_alg_name((enum tsig_alg)a), w[0]);
	}
}

static void test_key_make(void **state)
{
	(void)state;
	struct tsig_key k;
	char err[TSIG_ERR_SIZE];
	assert_int_equal(tsig_key_make(&k, "Xfr-Key.Example.", "HmacSha384", "AAECAwQ=", err), 0);
	assert_int_equal(k.alg, TSIG_HMAC_SHA384);
	assert_int_equal(k.name_len, 17);
	assert_memory_equal(k.name,
		"\x07xfr-key\x07"
		"example\x00",
		17);
	assert_int_equal(k.secret_len, 5);
	assert_memory_equal(k.secret, "\x00\x01\x02\x03\x04", 5);
	char text[LIMIT_NAME_LEN * 4 + 1];
	tsig_key_name_text(&k, text, sizeof(text));
	assert_string_equal(text, "xfr-key.example");
	char *b64 = tsig_key_secret_b64(&k);
	assert_string_equal(b64, "AAECAwQ=");
	free(b64);
	assert_true(tsig_rr_space(&k) >= 18 + 10 + 13 + 16 + 48);
	tsig_key_wipe(&k);
	assert_int_equal(k.secret_len, 0);
	static const uint8_t zero[TSIG_SECRET_MAX] = {0};
	assert_memory_equal(k.secret, zero, sizeof(zero));

	/* relative and absolute spellings name the same key */
	struct tsig_key k2;
	assert_int_equal(tsig_key_make(&k2, "xfr-key", "hmac-sha256", "AAECAwQ=", err), 0);
	assert_memory_equal(k2.name, "\x07xfr-key\x00", 9);
}

static void expect_key_error(
	const char *name, const char *alg, const char *secret, const char *text)
{
	struct tsig_key k;
	char err[TSIG_ERR_SIZE] = "";
	assert_int_equal(tsig_key_make(&k, name, alg, secret, err), ERR_INVAL);
	if (!strstr(err, text))
		fail_msg("'%s' does not say '%s'", err, text);
	static const uint8_t zero[TSIG_SECRET_MAX] = {0};
	assert_memory_equal(k.secret, zero, sizeof(zero)); /* nothing left behind */
}

static void test_key_errors(void **state)
{
	(void)state;
	expect_key_error("k", "hmac-sha256", "AAEC!wQ=", "invalid base64 secret");
	expect_key_error("k", "hmac-sha256", "AAECAwQ", "invalid base64 secret");
	expect_key_error("k", "hmac-sha256", "AAEC AwQ=", "invalid base64 secret");
	expect_key_error("k", "hmac-md5", "AAECAwQ=", "unknown algorithm 'hmac-md5'");
	expect_key_error("", "hmac-sha256", "AAECAwQ=", "empty key name");
	expect_key_error(".", "hmac-sha256", "AAECAwQ=", "empty key name");
	expect_key_error("k", "hmac-sha256", "", "empty secret");
	expect_key_error("a..b", "hmac-sha256", "AAECAwQ=", "invalid key name");
	char label[80];
	memset(label, 'x', 64);
	label[64] = '\0';
	expect_key_error(label, "hmac-sha256", "AAECAwQ=", "invalid key name");
	/* 256 octets fit, 257 do not */
	uint8_t raw[TSIG_SECRET_MAX + 1];
	memset(raw, 0xa5, sizeof(raw));
	char b64[400];
	assert_true(base64_encode(raw, sizeof(raw), b64, sizeof(b64), 0) > 0);
	expect_key_error("k", "hmac-sha256", b64, "longer than 256");
	assert_true(base64_encode(raw, TSIG_SECRET_MAX, b64, sizeof(b64), 0) > 0);
	struct tsig_key k;
	assert_int_equal(tsig_key_make(&k, "k", "sha256", b64, NULL), 0);
	assert_int_equal(k.secret_len, TSIG_SECRET_MAX);
}

static void test_key_compact(void **state)
{
	(void)state;
	struct tsig_key k;
	char err[TSIG_ERR_SIZE] = "";
	assert_int_equal(tsig_key_parse_compact(&k, "hmac-sha1:Name.Example:AAECAwQ=", err), 0);
	assert_int_equal(k.alg, TSIG_HMAC_SHA1);
	assert_memory_equal(k.name,
		"\x04name\x07"
		"example\x00",
		14);
	assert_int_equal(tsig_key_parse_compact(&k, "name:AAECAwQ=", err), 0);
	assert_int_equal(k.alg, TSIG_HMAC_SHA256); /* the default */
	assert_int_equal(k.secret_len, 5);
	assert_int_equal(tsig_key_parse_compact(&k, "name-and-secret", err), ERR_INVAL);
	assert_non_null(strstr(err, "[ALG:]NAME:SECRET"));
	assert_int_equal(tsig_key_parse_compact(&k, "md5:name:AAECAwQ=", err), ERR_INVAL);
	assert_non_null(strstr(err, "unknown algorithm 'md5'"));
	assert_int_equal(
		tsig_key_parse_compact(&k, "hmac-sha256-and-more-than-32-octets:n:AAAA", err),
		ERR_INVAL);
	assert_string_equal(err, "unknown algorithm 'hmac-sha256-and-more-than-32-octets'");
	assert_int_equal(tsig_key_parse_compact(&k, "sha256::AAECAwQ=", err), ERR_INVAL);
	assert_non_null(strstr(err, "empty key name"));
	assert_int_equal(tsig_key_parse_compact(&k, "sha256:name:", err), ERR_INVAL);
	assert_non_null(strstr(err, "empty secret"));
}

/* ---- queries signed elsewhere ---- */

/* dnspython signed these at vector time; ours must be the same octets. */
static void test_dnspython_queries(void **state)
{
	static const char *names[] = {"dnspython-query-hmac-sha1-xfr-key",
		"dnspython-query-hmac-sha224-xfr-key", "dnspython-query-hmac-sha256-xfr-key",
		"dnspython-query-hmac-sha384-xfr-key", "dnspython-query-hmac-sha512-xfr-key",
		"dnspython-query-hmac-sha256-long-secret.key"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct tsig_key k;
		const struct vec *v = vec_get(state, names[i], &k);
		size_t len;
		struct tsig_ctx c;
		uint8_t *m = client_sign(&c, &k, &v->unsig, false, v->now, &len);
		assert_int_equal(len, v->sig.len);
		assert_memory_equal(m, v->sig.p, len);
		assert_int_equal(c.mac_len, tsig_mac_len(k.alg));
		tsig_ctx_deinit(&c);

		struct tsig_ctx s;
		tsig_ctx_init(&s, v->now);
		assert_int_equal(verify_query(&s, &k, v->sig.p, v->sig.len), 0);
		assert_ptr_equal(s.key, &k);
		assert_int_equal(s.error, TSIG_NOERROR);
		tsig_ctx_deinit(&s);
		free(m);
	}
}

/* Queries to verify: kdig's and dig's, signed at the real time with a key
 * name in mixed case, and dnspython's with the key name as a compression
 * pointer or in mixed case: the digest takes the name whole and lower-cased
 * (RFC 8945 §4.3.3). */
static void test_verify_queries(void **state)
{
	static const char *names[] = {"kdig-query", "kdig-query-sha512", "dig-query",
		"dig-query-sha512", "dnspython-query-compressed-name",
		"dnspython-query-mixed-case"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct tsig_key k;
		const struct vec *v = vec_get(state, names[i], &k);
		/* the fudge all send is 300 s: its edges are in, one more is out */
		static const int64_t skew[] = {0, 300, -300, 301, -301};
		for (size_t j = 0; j < 5; j++) {
			struct tsig_ctx s;
			tsig_ctx_init(&s, v->now + (uint64_t)skew[j]);
			int rc = verify_query(&s, &k, v->sig.p, v->sig.len);
			assert_int_equal(rc, j < 3 ? 0 : ERR_CRYPTO);
			assert_int_equal(s.error, j < 3 ? TSIG_NOERROR : TSIG_BADTIME);
			assert_ptr_equal(s.key, &k);
			assert_int_equal(s.req_name_len, k.name_len);
			assert_memory_equal(s.req_name, k.name, k.name_len);
			tsig_ctx_deinit(&s);
		}
	}
}

/* ---- response streams ---- */

/* Client: signs the vector's request at its time (the octets must match)
 * and checks every response message at time now; returns the first
 * failure's index or nmsg. */
static size_t client_run(const struct vec *v, const struct tsig_key *k, uint64_t now,
	struct tsig_ctx *c, int *rc_out, uint16_t *terr)
{
	size_t len;
	uint8_t *q = client_sign(c, k, &v->unsig, false, v->now, &len);
	assert_int_equal(len, v->sig.len);
	assert_memory_equal(q, v->sig.p, len);
	free(q);
	c->now = now;
	*rc_out = 0;
	for (size_t i = 0; i < v->nmsg; i++) {
		char err[TSIG_ERR_SIZE] = "";
		*rc_out = tsig_verify_response(c, v->msg[i].p, v->msg[i].len, terr, err);
		if (*rc_out != 0)
			return i;
	}
	return v->nmsg;
}

static void test_stream_client(void **state)
{
	static const char *names[] = {"dnspython-stream-all-signed",
		"dnspython-stream-unsigned-gaps", "dnspython-stream-99-unsigned", "knotd-axfr"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct tsig_key k;
		const struct vec *v = vec_get(state, names[i], &k);
		assert_true(v->nmsg >= 3);
		struct tsig_ctx c;
		int rc;
		uint16_t terr = 99;
		assert_int_equal(client_run(v, &k, v->now, &c, &rc, &terr), v->nmsg);
		assert_int_equal(terr, TSIG_NOERROR);
		assert_int_equal(tsig_verify_end(&c), 0);
		assert_int_equal(c.msgs, v->nmsg);
		tsig_ctx_deinit(&c);
	}
}

/* A stream cut after an unsigned message has not ended well, and one with
 * too many unsigned in a row is refused. */
static void test_stream_unsigned(void **state)
{
	struct tsig_key k;
	const struct vec *v = vec_get(state, "dnspython-stream-unsigned-gaps", &k);
	/* after 1, 2, ... 6 messages; the 2nd, 3rd and 5th are unsigned */
	static const int end[] = {0, ERR_CRYPTO, ERR_CRYPTO, 0, ERR_CRYPTO, 0};
	for (size_t i = 0; i < 6; i++) {
		struct vec w = *v;
		w.nmsg = i + 1;
		struct tsig_ctx c;
		int rc;
		assert_int_equal(client_run(&w, &k, v->now, &c, &rc, NULL), w.nmsg);
		assert_int_equal(tsig_verify_end(&c), end[i]);
		tsig_ctx_deinit(&c);
	}
	struct tsig_ctx c;
	tsig_ctx_init(&c, v->now);
	assert_int_equal(tsig_verify_end(&c), ERR_CRYPTO); /* nothing came at all */
	tsig_ctx_deinit(&c);

	/* RFC 8945 §5.3.1: 99 unsigned in a row are taken, the 100th is not */
	v = vec_get(state, "dnspython-stream-99-unsigned", &k);
	assert_int_equal(v->nmsg, 101);
	struct vec w = *v;
	w.nmsg = 100; /* the signed first and 99 unsigned */
	int rc;
	assert_int_equal(client_run(&w, &k, v->now, &c, &rc, NULL), 100);
	char err[TSIG_ERR_SIZE] = "";
	assert_int_equal(
		tsig_verify_response(&c, v->msg[1].p, v->msg[1].len, NULL, err), ERR_CRYPTO);
	assert_non_null(strstr(err, "100"));
	tsig_ctx_deinit(&c);
}

/* A changed octet anywhere in a stream, in a signed or an unsigned message,
 * is caught at the next signed message. */
static void test_stream_tampered(void **state)
{
	static const char *names[] = {"dnspython-stream-unsigned-gaps", "knotd-axfr"};
	for (size_t n = 0; n < 2; n++) {
		struct tsig_key k;
		const struct vec *v = vec_get(state, names[n], &k);
		for (size_t i = 0; i < v->nmsg; i++) {
			struct vec w = *v;
			uint8_t *m = malloc(v->msg[i].len);
			assert_non_null(m);
			memcpy(m, v->msg[i].p, v->msg[i].len);
			m[v->msg[i].len / 3] ^= 0x20; /* a name's case or a length */
			w.msg[i].p = m;
			struct tsig_ctx c;
			int rc;
			size_t bad = client_run(&w, &k, v->now, &c, &rc, NULL);
			assert_true(bad >= i && bad < v->nmsg);
			assert_true(rc == ERR_CRYPTO || rc == ERR_SYNTAX);
			tsig_ctx_deinit(&c);
			free(m);
		}
	}
}

/* Server: our signatures over dnspython's stream, message by message. */
static void test_stream_server(void **state)
{
	struct tsig_key k;
	const struct vec *v = vec_get(state, "dnspython-stream-all-signed", &k);
	struct tsig_ctx s;
	tsig_ctx_init(&s, v->now);
	assert_int_equal(verify_query(&s, &k, v->sig.p, v->sig.len), 0);
	for (size_t i = 0; i < v->nmsg; i++) {
		size_t len;
		uint8_t *m = copy_msg(&v->msg[i], &len);
		len = strip_tsig(m, len);
		s.now = v->now + (i < 5 ? i : 5); /* when dnspython signed it */
		assert_int_equal(tsig_sign_response(&s, m, &len, MSG_CAP), 0);
		assert_int_equal(len, v->msg[i].len);
		assert_memory_equal(m, v->msg[i].p, len);
		free(m);
	}
	tsig_ctx_deinit(&s);
}

/* Every algorithm, our server to our client, over a stream. */
static void test_roundtrip_all_algs(void **state)
{
	const struct vec *v = vec_get(state, "dnspython-stream-all-signed", NULL);
	for (int a = TSIG_HMAC_SHA1; a <= TSIG_HMAC_SHA512; a++) {
		struct tsig_key k;
		assert_int_equal(tsig_key_make(&k, "rt", tsig_alg_name((enum tsig_alg)a),
					 "c2VjcmV0IG9mIGFsbCBhbGdvcml0aG1z", NULL),
			0);
		size_t qlen;
		uint8_t *q = copy_msg(&v->unsig, &qlen);
		struct tsig_ctx c, s;
		tsig_ctx_init(&c, 5000);
		tsig_ctx_init(&s, 5100);
		assert_int_equal(tsig_sign_query(&c, &k, q, &qlen, MSG_CAP), 0);
		assert_int_equal(verify_query(&s, &k, q, qlen), 0);
		for (size_t i = 0; i < v->nmsg; i++) {
			size_t len;
			uint8_t *m = copy_msg(&v->msg[i], &len);
			len = strip_tsig(m, len);
			assert_int_equal(tsig_sign_response(&s, m, &len, MSG_CAP), 0);
			assert_int_equal(tsig_verify_response(&c, m, len, NULL, NULL), 0);
			free(m);
		}
		assert_int_equal(tsig_verify_end(&c), 0);
		tsig_ctx_deinit(&c);
		tsig_ctx_deinit(&s);
		free(q);
	}
}

/* ---- errors ---- */

/* knotd's answers to a query with an unknown key, a broken MAC and an old
 * time: each one ends the exchange with the error it carries. */
static void test_knotd_errors(void **state)
{
	static const char *names[] = {"knotd-badkey", "knotd-badsig", "knotd-badtime"};
	static const uint16_t want[] = {TSIG_BADKEY, TSIG_BADSIG, TSIG_BADTIME};
	for (size_t i = 0; i < 3; i++) {
		struct tsig_key k;
		const struct vec *v = vec_get(state, names[i], &k);
		assert_int_equal(v->error, want[i]);
		if (i == 0) /* the client signed with a key knotd does not know */
			assert_int_equal(tsig_key_make(&k, "unknown-key", "hmac-sha256",
						 strrchr(v->key, ':') + 1, NULL),
				0);
		size_t len;
		struct tsig_ctx c;
		uint8_t *q = client_sign(&c, &k, &v->sig, true, v->now, &len);
		assert_int_equal(len, v->sig.len);
		if (i != 1) /* the same octets as dnspython's; BADSIG's were broken on purpose */
			assert_memory_equal(q, v->sig.p, len);
		uint16_t terr = 0;
		char err[TSIG_ERR_SIZE] = "";
		assert_int_equal(tsig_verify_response(&c, v->msg[0].p, v->msg[0].len, &terr, err),
			ERR_CRYPTO);
		assert_int_equal(terr, want[i]);
		assert_non_null(strstr(err, i == 0 ? "BADKEY" : i == 1 ? "BADSIG" : "BADTIME"));
		assert_int_equal(tsig_verify_end(&c), ERR_CRYPTO);
		tsig_ctx_deinit(&c);
		free(q);
	}
}

/* The parts of a TSIG RR at the end of m, read with fixed offsets (the
 * owner is uncompressed). */
struct rr_view {
	const uint8_t *name, *alg;
	uint64_t time;
	uint16_t fudge, mac_len, orig_id, error, other_len;
	const uint8_t *other;
};

static struct rr_view view_rr(const uint8_t *m, size_t len)
{
	size_t at;
	assert_int_equal(tsig_find(m, len, &at), 0);
	struct rr_view r = {.name = m + at};
	const uint8_t *p = m + at + name_wire_len(m + at, len - at) + 10;
	r.alg = p;
	p += name_wire_len(p, len - (size_t)(p - m));
	r.time = (uint64_t)g16(p) << 32 | (uint64_t)g16(p + 2) << 16 | g16(p + 4);
	r.fudge = g16(p + 6);
	r.mac_len = g16(p + 8);
	p += 10 + r.mac_len;
	r.orig_id = g16(p);
	r.error = g16(p + 2);
	r.other_len = g16(p + 4);
	r.other = p + 6;
	assert_int_equal(p + 6 + r.other_len, m + len);
	return r;
}

/* The server's answers to BADKEY and BADSIG: NOTAUTH, an unsigned TSIG RR
 * with the error and the request's names and time (RFC 8945 §5.3.2); a
 * client reads the error from it. */
static void check_unsigned_answer(const struct vec *v, struct keyring *ring, uint16_t want)
{
	struct tsig_ctx s;
	tsig_ctx_init(&s, v->now + 10);
	size_t at;
	assert_int_equal(tsig_find(v->sig.p, v->sig.len, &at), 0);
	assert_int_equal(
		tsig_verify_query(&s, v->sig.p, v->sig.len, at, ring_find, ring), ERR_CRYPTO);
	assert_int_equal(s.error, want);
	assert_null(s.key);
	size_t len;
	uint8_t *m = copy_msg(&v->unsig, &len);
	m[2] |= 0x80;
	assert_int_equal(tsig_sign_response(&s, m, &len, MSG_CAP), 0);
	assert_int_equal(m[3] & 0x0f, 9); /* NOTAUTH */
	struct rr_view r = view_rr(m, len);
	assert_memory_equal(r.name, v->sig.p + at, 9); /* "xfr-key" as asked */
	assert_int_equal(r.mac_len, 0);
	assert_int_equal(r.error, want);
	assert_int_equal(r.time, v->now);
	assert_int_equal(r.fudge, 300);
	assert_int_equal(r.orig_id, g16(m));
	assert_int_equal(r.other_len, 0);
	tsig_ctx_deinit(&s);

	struct tsig_key k;
	vec_key(v, &k);
	struct tsig_ctx c;
	size_t qlen;
	uint8_t *q = client_sign(&c, &k, &v->unsig, false, v->now, &qlen);
	uint16_t terr;
	assert_int_equal(tsig_verify_response(&c, m, len, &terr, NULL), ERR_CRYPTO);
	assert_int_equal(terr, want);
	tsig_ctx_deinit(&c);
	free(q);
	free(m);
}

static void test_server_badkey_badsig(void **state)
{
	struct tsig_key right, other_alg, other_secret, other_name;
	const struct vec *v = vec_get(state, "dnspython-query-hmac-sha256-xfr-key", &right);
	other_alg = right;
	other_alg.alg = TSIG_HMAC_SHA512;
	other_secret = right;
	other_secret.secret[0] ^= 1;
	assert_int_equal(tsig_key_make(&other_name, "other-key", "hmac-sha256", "AAAA", NULL), 0);
	struct keyring none = {.n = 0};
	struct keyring named = {.keys = {&other_name}, .n = 1};
	struct keyring alg = {.keys = {&other_alg}, .n = 1};
	struct keyring secret = {.keys = {&other_secret}, .n = 1};
	check_unsigned_answer(v, &none, TSIG_BADKEY);
	check_unsigned_answer(v, &named, TSIG_BADKEY);
	check_unsigned_answer(v, &alg, TSIG_BADKEY); /* §5.2.1: the algorithm must match */
	check_unsigned_answer(v, &secret, TSIG_BADSIG);
}

/* BADTIME is answered signed, with the request's time and ours as other
 * data: the same octets as dnspython's answer. */
static void test_server_badtime(void **state)
{
	struct tsig_key k;
	const struct vec *v = vec_get(state, "dnspython-badtime-answer", &k);
	struct tsig_ctx s;
	tsig_ctx_init(&s, v->now);
	assert_int_equal(verify_query(&s, &k, v->query.p, v->query.len), ERR_CRYPTO);
	assert_int_equal(s.error, TSIG_BADTIME);
	assert_ptr_equal(s.key, &k);
	size_t len;
	uint8_t *m = copy_msg(&v->unsig, &len);
	m[3] &= 0xf0; /* the NOTAUTH comes from tsig_sign_response */
	assert_int_equal(tsig_sign_response(&s, m, &len, MSG_CAP), 0);
	assert_int_equal(len, v->sig.len);
	assert_memory_equal(m, v->sig.p, len);
	struct rr_view r = view_rr(m, len);
	assert_int_equal(r.error, TSIG_BADTIME);
	assert_int_equal(r.other_len, 6);
	assert_int_equal(r.time, v->now - 1000);
	tsig_ctx_deinit(&s);

	/* the client that sent it hears BADTIME and the server's clock */
	struct tsig_ctx c;
	size_t qlen;
	uint8_t *q = client_sign(&c, &k, &v->query, true, v->now - 1000, &qlen);
	assert_memory_equal(q, v->query.p, qlen);
	uint16_t terr;
	char err[TSIG_ERR_SIZE];
	assert_int_equal(tsig_verify_response(&c, m, len, &terr, err), ERR_CRYPTO);
	assert_int_equal(terr, TSIG_BADTIME);
	assert_non_null(strstr(err, "1700001000"));
	tsig_ctx_deinit(&c);
	free(q);
	free(m);
}

/* The digest takes the original ID from the TSIG RR (RFC 8945 §4.3.2), so
 * a forwarder may change the header's ID, but not the original ID. */
static void test_id_and_arcount(void **state)
{
	struct tsig_key k;
	const struct vec *v = vec_get(state, "dnspython-query-hmac-sha256-xfr-key", &k);
	size_t len;
	uint8_t *m = copy_msg(&v->sig, &len);
	struct tsig_ctx s;
	tsig_ctx_init(&s, v->now);
	m[0] ^= 0x55;
	assert_int_equal(verify_query(&s, &k, m, len), 0);
	assert_int_equal(s.req_id, g16(v->sig.p));
	m[0] ^= 0x55;
	m[len - 5] ^= 0x01; /* the original ID: ID, error and other len end the RR */
	assert_int_equal(verify_query(&s, &k, m, len), ERR_CRYPTO);
	assert_int_equal(s.error, TSIG_BADSIG);
	m[len - 5] ^= 0x01;
	m[11]++; /* one more additional record than there is */
	assert_int_equal(verify_query(&s, &k, m, len), ERR_SYNTAX);
	m[11] -= 2; /* the TSIG RR counted nowhere: octets after the last record */
	assert_int_equal(verify_query(&s, &k, m, len), ERR_SYNTAX);
	m[11]++;
	m[9]++; /* the TSIG RR counted as an authority record */
	m[11]--;
	assert_int_equal(verify_query(&s, &k, m, len), ERR_SYNTAX);
	m[9]--;
	/* a record after the TSIG RR: it is not the last (RFC 8945 §5.1) */
	static const uint8_t a[] = {0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 192, 0, 2, 1};
	memcpy(m + len, a, sizeof(a));
	m[11] = 2;
	assert_int_equal(verify_query(&s, &k, m, len + sizeof(a)), ERR_SYNTAX);
	size_t at;
	assert_int_equal(tsig_find(v->unsig.p, v->unsig.len, &at), ERR_NOTFOUND);
	assert_int_equal(tsig_find(m, 11, &at), ERR_SYNTAX);
	tsig_ctx_deinit(&s);
	free(m);
}

/* Every shorter cut of a signed message is refused as malformed. */
static void test_truncated_messages(void **state)
{
	struct tsig_key k;
	const struct vec *v = vec_get(state, "kdig-query", &k);
	for (size_t n = 0; n < v->sig.len; n++) {
		uint8_t *m = malloc(n ? n : 1); /* exact: ASan sees a read past the end */
		memcpy(m, v->sig.p, n);
		struct tsig_ctx s;
		tsig_ctx_init(&s, v->now);
		int rc = verify_query(&s, &k, m, n);
		assert_true(rc == ERR_SYNTAX || rc == ERR_NOTFOUND);
		assert_int_equal(tsig_verify_query(&s, m, n, n > 12 ? n - 1 : 12, ring_find,
					 &(struct keyring){.keys = {&k}, .n = 1}),
			ERR_SYNTAX);
		tsig_ctx_deinit(&s);
		free(m);
	}
}

/* Rewrites the TSIG RR at the end of m (built by us, uncompressed owner)
 * with its MAC cut to n octets (or grown with zeros). */
static size_t set_mac_len(uint8_t *m, size_t len, size_t n)
{
	struct rr_view r = view_rr(m, len);
	uint8_t *mac = (uint8_t *)r.alg + name_wire_len(r.alg, 256) + 10;
	uint8_t tail[6];
	memcpy(tail, mac + r.mac_len, 6);
	if (n > r.mac_len)
		memset(mac + r.mac_len, 0, n - r.mac_len);
	memcpy(mac + n, tail, 6);
	mac[-2] = (uint8_t)(n >> 8);
	mac[-1] = (uint8_t)n;
	uint8_t *rdlen = (uint8_t *)r.alg - 2;
	uint16_t rl = (uint16_t)(g16(rdlen) + n - r.mac_len);
	rdlen[0] = (uint8_t)(rl >> 8);
	rdlen[1] = (uint8_t)rl;
	return len + n - r.mac_len;
}

/* RFC 8945 §5.2.2.1: a MAC cut to max(10, half the hash) octets or more
 * is checked over what is there; shorter or longer is FORMERR. */
static void test_mac_truncation(void **state)
{
	const struct vec *v = vec_get(state, "dnspython-query-hmac-sha1-xfr-key", NULL);
	static const size_t min[] = {10, 14, 16, 24, 32};
	for (int a = TSIG_HMAC_SHA1; a <= TSIG_HMAC_SHA512; a++) {
		struct tsig_key k;
		assert_int_equal(
			tsig_key_make(&k, "t", tsig_alg_name((enum tsig_alg)a), "AAECAwQ=", NULL),
			0);
		size_t full = tsig_mac_len(k.alg);
		size_t sizes[] = {full, min[a], min[a] - 1, full + 1, 0, 1};
		for (size_t j = 0; j < 6; j++) {
			size_t len;
			struct tsig_ctx c, s;
			uint8_t *m = client_sign(&c, &k, &v->unsig, false, 77, &len);
			tsig_ctx_init(&s, 77);
			len = set_mac_len(m, len, sizes[j]);
			int rc = verify_query(&s, &k, m, len);
			assert_int_equal(rc, j < 2 ? 0 : ERR_SYNTAX);
			if (j < 2) { /* a changed octet inside the cut MAC still fails */
				m[len - 7] ^= 1;
				assert_int_equal(verify_query(&s, &k, m, len), ERR_CRYPTO);
				assert_int_equal(s.error, TSIG_BADSIG);
			}
			tsig_ctx_deinit(&c);
			tsig_ctx_deinit(&s);
			free(m);
		}
	}
}

/* Class, TTL, lengths and names of the TSIG RR itself. */
static void test_malformed_rr(void **state)
{
	struct tsig_key k;
	const struct vec *v = vec_get(state, "dnspython-query-hmac-sha256-xfr-key", &k);
	size_t at;
	assert_int_equal(tsig_find(v->sig.p, v->sig.len, &at), 0);
	size_t rr = at + 9; /* past the owner "xfr-key." */
	struct {
		size_t off;
		uint8_t x;
	} bad[] = {
		{rr + 3, 0x01},		  /* class 254 */
		{rr + 7, 0x01},		  /* TTL 1 */
		{rr + 9, 0x01},		  /* RDLENGTH one more */
		{rr + 10 + 13 + 9, 0x01}, /* MAC size 33 runs into the rest */
		{v->sig.len - 1, 0x01},	  /* other len 1 with nothing there */
		{rr + 10, 0x40},	  /* an extended label type in the algorithm */
		{at, 0xc0},		  /* the owner a pointer past the message */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len;
		uint8_t *m = copy_msg(&v->sig, &len);
		m[bad[i].off] ^= bad[i].x;
		struct tsig_ctx s;
		tsig_ctx_init(&s, v->now);
		int rc = verify_query(&s, &k, m, len);
		if (rc != ERR_SYNTAX)
			fail_msg("case %zu: %d", i, rc);
		tsig_ctx_deinit(&s);
		free(m);
	}
}

/* The owner of the TSIG RR as a compression pointer: backward is read,
 * a loop or a forward pointer is refused. */
static void test_owner_pointers(void **state)
{
	struct tsig_key k;
	const struct vec *v = vec_get(state, "dnspython-query-compressed-name", &k);
	size_t at;
	assert_int_equal(tsig_find(v->sig.p, v->sig.len, &at), 0);
	/* "\x03key" then a pointer to the question name at 12 */
	assert_memory_equal(v->sig.p + at, "\x03key\xc0\x0c", 6);
	size_t len;
	uint8_t *m = copy_msg(&v->sig, &len);
	struct tsig_ctx s;
	tsig_ctx_init(&s, v->now);
	m[at + 5] = (uint8_t)at; /* points at itself */
	assert_int_equal(verify_query(&s, &k, m, len), ERR_SYNTAX);
	m[at + 5] = (uint8_t)(at + 4); /* points at the pointer */
	assert_int_equal(verify_query(&s, &k, m, len), ERR_SYNTAX);
	m[at + 5] = (uint8_t)(at + 8); /* points forward */
	assert_int_equal(verify_query(&s, &k, m, len), ERR_SYNTAX);
	m[at + 5] = 12;
	assert_int_equal(verify_query(&s, &k, m, len), 0);
	tsig_ctx_deinit(&s);
	free(m);
}

/* No room for the RR, or ARCOUNT full: ERR_LIMIT, the message unchanged. */
static void test_sign_limits(void **state)
{
	struct tsig_key k;
	const struct vec *v = vec_get(state, "dnspython-query-hmac-sha512-xfr-key", &k);
	size_t rr = v->sig.len - v->unsig.len;
	assert_int_equal(tsig_rr_space(&k), rr + 6); /* room for BADTIME's other data too */
	size_t len;
	uint8_t *m = copy_msg(&v->unsig, &len);
	struct tsig_ctx c;
	tsig_ctx_init(&c, v->now);
	assert_int_equal(tsig_sign_query(&c, &k, m, &len, v->sig.len - 1), ERR_LIMIT);
	assert_int_equal(len, v->unsig.len);
	assert_memory_equal(m, v->unsig.p, len);
	m[10] = m[11] = 0xff;
	assert_int_equal(tsig_sign_query(&c, &k, m, &len, MSG_CAP), ERR_LIMIT);
	m[10] = m[11] = 0;
	assert_int_equal(tsig_sign_query(&c, &k, m, &len, v->sig.len), 0);
	assert_memory_equal(m, v->sig.p, len);
	size_t short_len = 5;
	assert_int_equal(tsig_sign_query(&c, &k, m, &short_len, MSG_CAP), ERR_INVAL);
	tsig_ctx_deinit(&c);

	/* a server that verified nothing signs nothing */
	struct tsig_ctx s;
	tsig_ctx_init(&s, v->now);
	len = v->unsig.len;
	assert_int_equal(tsig_sign_response(&s, m, &len, MSG_CAP), ERR_INVAL);
	char err[TSIG_ERR_SIZE];
	assert_int_equal(tsig_verify_response(&s, m, len, NULL, err), ERR_INVAL);
	tsig_ctx_deinit(&s);
	free(m);
}

/* A client refuses a response signed by another key, an unsigned first
 * response and one signed outside its fudge. */
static void test_client_refuses(void **state)
{
	struct tsig_key k, other;
	const struct vec *v = vec_get(state, "dnspython-stream-all-signed", &k);
	other = k;
	other.name[1] = 'y'; /* "yfr-key" */
	struct tsig_ctx c;
	size_t len;
	uint8_t *q = client_sign(&c, &other, &v->unsig, false, v->now, &len);
	char err[TSIG_ERR_SIZE];
	assert_int_equal(
		tsig_verify_response(&c, v->msg[0].p, v->msg[0].len, NULL, err), ERR_CRYPTO);
	assert_non_null(strstr(err, "another key"));
	tsig_ctx_deinit(&c);

	size_t mlen;
	uint8_t *m = copy_msg(&v->msg[0], &mlen);
	mlen = strip_tsig(m, mlen);
	free(q);
	q = client_sign(&c, &k, &v->unsig, false, v->now, &len);
	assert_int_equal(tsig_verify_response(&c, m, mlen, NULL, err), ERR_CRYPTO);
	assert_non_null(strstr(err, "not signed"));
	tsig_ctx_deinit(&c);
	free(m);
	free(q);

	/* the time of what it hears, within the response's fudge */
	static const int64_t skew[] = {300, -300, 301, -301, 100000};
	for (size_t j = 0; j < 5; j++) {
		struct vec w = *v;
		w.nmsg = 1; /* signed at v->now */
		int rc;
		size_t got = client_run(&w, &k, v->now + (uint64_t)skew[j], &c, &rc, NULL);
		assert_int_equal(got, j < 2 ? 1 : 0);
		assert_int_equal(rc, j < 2 ? 0 : ERR_RANGE);
		tsig_ctx_deinit(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alg_parse),
		cmocka_unit_test(test_key_make),
		cmocka_unit_test(test_key_errors),
		cmocka_unit_test(test_key_compact),
		cmocka_unit_test_prestate(test_dnspython_queries, &vecset),
		cmocka_unit_test_prestate(test_verify_queries, &vecset),
		cmocka_unit_test_prestate(test_stream_client, &vecset),
		cmocka_unit_test_prestate(test_stream_unsigned, &vecset),
		cmocka_unit_test_prestate(test_stream_tampered, &vecset),
		cmocka_unit_test_prestate(test_stream_server, &vecset),
		cmocka_unit_test_prestate(test_roundtrip_all_algs, &vecset),
		cmocka_unit_test_prestate(test_knotd_errors, &vecset),
		cmocka_unit_test_prestate(test_server_badkey_badsig, &vecset),
		cmocka_unit_test_prestate(test_server_badtime, &vecset),
		cmocka_unit_test_prestate(test_id_and_arcount, &vecset),
		cmocka_unit_test_prestate(test_truncated_messages, &vecset),
		cmocka_unit_test_prestate(test_mac_truncation, &vecset),
		cmocka_unit_test_prestate(test_malformed_rr, &vecset),
		cmocka_unit_test_prestate(test_owner_pointers, &vecset),
		cmocka_unit_test_prestate(test_sign_limits, &vecset),
		cmocka_unit_test_prestate(test_client_refuses, &vecset),
	};
	return cmocka_run_group_tests(tests, load_vectors, free_vectors);
}
