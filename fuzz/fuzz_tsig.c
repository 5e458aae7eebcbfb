/*
 * fuzz_tsig.c - libFuzzer target for lib/dns/tsig. The input is read twice:
 *   - as a request to a server that knows one key (tsig_find, then
 *     tsig_verify_query at a fixed time); whatever the outcome, the answer
 *     is signed, and must then hold a TSIG RR as its last record;
 *   - as a response stream, TCP-framed (two-octet length, message), to a
 *     client that sent a fixed AXFR query signed with that key; the stream
 *     is checked message by message until the first failure.
 * The key and the query are those of the vector dnspython-stream-all-signed
 * in tests/data/tsig/vectors.txt, so seeds made from it pass every check.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dns/name.h"
#include "lib/dns/tsig.h"
#include "lib/util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000
#define CAP 65535

static const struct tsig_key *fuzz_key(void)
{
	static struct tsig_key k;
	static bool made;
	if (!made &&
		tsig_key_make(&k, "xfr-key", "hmac-sha256",
			"AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dw=", NULL) != 0)
		__builtin_trap();
	made = true;
	return &k;
}

static const struct tsig_key *find(void *ctx, const uint8_t *name)
{
	const struct tsig_key *k = ctx;
	return name_equal(k->name, name) ? k : NULL;
}

static void as_request(const uint8_t *data, size_t size, uint8_t *out)
{
	size_t at;
	int rc = tsig_find(data, size, &at);
	if (rc == ERR_NOTFOUND)
		return;
	if (rc != 0 && rc != ERR_SYNTAX)
		__builtin_trap();
	if (rc != 0 || size > CAP - 1024) /* room for any TSIG RR */
		return;
	struct tsig_ctx s;
	tsig_ctx_init(&s, NOW);
	rc = tsig_verify_query(&s, data, size, at, find, (void *)fuzz_key());
	bool answered = rc == 0 || s.error != TSIG_NOERROR;
	if (rc == 0 && (s.key != fuzz_key() || s.error != TSIG_NOERROR))
		__builtin_trap();
	if (rc != 0 && rc != ERR_SYNTAX && rc != ERR_CRYPTO)
		__builtin_trap();
	if (answered) {
		/* the request without its TSIG RR stands in for an answer */
		size_t len = at;
		memcpy(out, data, len);
		out[2] |= 0x80;
		uint16_t ar = (uint16_t)(out[10] << 8 | out[11]);
		out[10] = (uint8_t)((ar - 1) >> 8);
		out[11] = (uint8_t)(ar - 1);
		if (tsig_sign_response(&s, out, &len, CAP) != 0)
			__builtin_trap();
		size_t found;
		if (tsig_find(out, len, &found) != 0 || found != at)
			__builtin_trap();
	}
	tsig_ctx_deinit(&s);
}

static void as_stream(const uint8_t *data, size_t size, uint8_t *out)
{
	static const uint8_t query[] = {0x33, 0x33, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, 'e', 'x', 'a',
		'm', 'p', 'l', 'e', 0, 0, 0xfc, 0, 1};
	size_t len = sizeof(query);
	memcpy(out, query, len);
	struct tsig_ctx c;
	tsig_ctx_init(&c, NOW);
	if (tsig_sign_query(&c, fuzz_key(), out, &len, CAP) != 0)
		__builtin_trap();
	int rc = 0;
	for (size_t pos = 0; rc == 0 && size - pos >= 2;) {
		size_t n = (size_t)(data[pos] << 8 | data[pos + 1]);
		pos += 2;
		if (n > size - pos)
			n = size - pos;
		char err[TSIG_ERR_SIZE] = "";
		uint16_t terr;
		rc = tsig_verify_response(&c, data + pos, n, &terr, err);
		if (rc != 0 &&
			(err[0] == '\0' ||
				(rc != ERR_SYNTAX && rc != ERR_CRYPTO && rc != ERR_RANGE)))
			__builtin_trap();
		if (terr != TSIG_NOERROR && rc != ERR_CRYPTO)
			__builtin_trap();
		pos += n;
	}
	if (rc == 0 && tsig_verify_end(&c) == 0 && (c.msgs == 0 || c.unsigned_run != 0))
		__builtin_trap();
	tsig_ctx_deinit(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[CAP];
	as_request(data, size, out);
	as_stream(data, size, out);
	return 0;
}
