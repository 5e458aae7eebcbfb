/*
 * tsig.h - transaction signatures (RFC 8945) for every message the daemon
 * sends or receives over DNS: SOA queries, NOTIFY, AXFR and IXFR, in and out.
 *
 * Algorithms: hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384 and
 * hmac-sha512 (RFC 8945 §6; hmac-md5 and gss-tsig are not offered). The HMAC
 * is OpenSSL's; no other crypto library is linked.
 *
 * A signed exchange is one struct tsig_ctx, used on one side:
 *   - client: tsig_sign_query() signs the request and keeps its MAC; then
 *     tsig_verify_response() checks each response message in order (a zone
 *     transfer is many), and tsig_verify_end() says whether the stream ended
 *     on a signed message (RFC 8945 §5.3.1).
 *   - server: tsig_verify_query() checks a request (key, MAC, time), then
 *     tsig_sign_response() signs every answer message in order: the first
 *     with the request's MAC, each later one with the MAC before it and the
 *     timers only (RFC 8945 §5.3.1, §4.3.1).
 * Messages are edited in place: the TSIG RR is appended to, or read from,
 * the end of the additional section and ARCOUNT adjusted; the digest covers
 * the message as it was before the TSIG RR was added, with the original ID
 * (RFC 8945 §4.3.2).
 *
 * Time: the caller passes "now" (lib/util/clock) so tests can pin it; the
 * fudge we send is TSIG_FUDGE, and a received signature is good when
 * |now - time signed| <= its fudge (RFC 8945 §5.2.3).
 *
 * Ownership: a tsig_key is plain data the caller owns; a tsig_ctx borrows
 * its key (which must outlive it) and owns an HMAC state freed by
 * tsig_ctx_deinit(). Keys hold secrets: tsig_key_wipe() clears one.
 * Thread-safety: distinct contexts are independent; one context is used by
 * one thread at a time.
 */
#ifndef CASCADE_DNS_TSIG_H
#define CASCADE_DNS_TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"

#define TSIG_SECRET_MAX 256 /* octets of a secret we accept */
#define TSIG_MAC_MAX 64	    /* hmac-sha512 */
#define TSIG_FUDGE 300	    /* seconds, RFC 8945 §10 recommends 300 */
#define TSIG_ERR_SIZE 256

/* TSIG error codes (RFC 8945 §4.3.3 and the IANA registry), as carried in
 * the Error field of the TSIG RR; a NOTAUTH response carries one. */
enum tsig_error {
	TSIG_NOERROR = 0,
	TSIG_BADSIG = 16,
	TSIG_BADKEY = 17,
	TSIG_BADTIME = 18,
	TSIG_BADTRUNC = 22,
};

enum tsig_alg {
	TSIG_HMAC_SHA1,
	TSIG_HMAC_SHA224,
	TSIG_HMAC_SHA256,
	TSIG_HMAC_SHA384,
	TSIG_HMAC_SHA512,
};

struct tsig_key {
	uint8_t name[LIMIT_NAME_LEN + 1]; /* wire form, lower case */
	uint8_t name_len;
	enum tsig_alg alg;
	uint8_t secret[TSIG_SECRET_MAX];
	size_t secret_len;
};

/* "hmac-sha256" (any case, trailing dot allowed), Cascade's API spelling
 * "HmacSha256", and "sha256" all name TSIG_HMAC_SHA256; likewise for the
 * others. 0 or ERR_NOTFOUND. */
int tsig_alg_parse(const char *text, enum tsig_alg *out);
/* "hmac-sha256" etc.: the name in key files and our API. */
const char *tsig_alg_name(enum tsig_alg alg);
/* The algorithm's wire name (RFC 8945 §6, e.g. "\x0bhmac-sha256\0"), and its length. */
const uint8_t *tsig_alg_wire(enum tsig_alg alg, size_t *len);
/* Octets of the MAC: 20, 28, 32, 48, 64. */
size_t tsig_mac_len(enum tsig_alg alg);

/* Builds a key from its parts: name in presentation form ("xfr-key" or
 * "xfr-key."), the algorithm's name (tsig_alg_parse) and the secret in
 * base64. 0, or ERR_INVAL with err (TSIG_ERR_SIZE) saying which part is bad
 * ("invalid base64 secret", "unknown algorithm 'x'", ...). */
int tsig_key_make(
	struct tsig_key *k, const char *name, const char *alg, const char *secret_b64, char *err);
/* The compact form "[ALG:]NAME:SECRET" (ALG defaults to hmac-sha256), as
 * Cascade's `tsig add` and kdig's -y take it. Same returns as tsig_key_make. */
int tsig_key_parse_compact(struct tsig_key *k, const char *text, char *err);
/* The key's name in presentation form without the trailing dot, into out
 * (LIMIT_NAME_LEN * 4 + 1 octets). */
void tsig_key_name_text(const struct tsig_key *k, char *out, size_t cap);
/* The secret in base64 (malloc'd, or NULL when out of memory). */
char *tsig_key_secret_b64(const struct tsig_key *k);
/* Clears the secret (OPENSSL_cleanse). */
void tsig_key_wipe(struct tsig_key *k);

/* Octets the TSIG RR for key adds to a message, at most (so writers can
 * leave room for it). */
size_t tsig_rr_space(const struct tsig_key *k);

/* Finds a key by its wire name (compare case-insensitively) for a server.
 * Returns NULL when there is no such key. */
typedef const struct tsig_key *(*tsig_find_fn)(void *ctx, const uint8_t *name);

struct tsig_ctx {
	const struct tsig_key *key; /* NULL until signed or verified */
	uint64_t now;		    /* Unix seconds for this exchange */
	/* The MAC that the next message's digest starts with: the request's,
	 * then each signed response's in turn. */
	uint8_t mac[TSIG_MAC_MAX];
	size_t mac_len;
	unsigned msgs;	       /* response messages signed or verified so far */
	unsigned unsigned_run; /* client: messages since the last signed one */
	uint16_t error;	       /* server: the TSIG error of the request */
	uint64_t req_time;     /* server: the request's time signed (BADTIME answer) */
	uint16_t req_fudge;
	uint16_t req_id; /* the original ID (RFC 8945 §4.2) */
	/* server: the request's key and algorithm names, echoed in an error
	 * answer even when the key is unknown (RFC 8945 §5.3.2) */
	uint8_t req_name[LIMIT_NAME_LEN + 1];
	uint8_t req_name_len;
	uint8_t req_alg[LIMIT_NAME_LEN + 1];
	uint8_t req_alg_len;
	void *hmac; /* running digest over unsigned intermediate messages */
};

/* Prepares ctx for one exchange at time now. Cannot fail. */
void tsig_ctx_init(struct tsig_ctx *ctx, uint64_t now);
void tsig_ctx_deinit(struct tsig_ctx *ctx);

/* Client: signs the request msg[0..*len) with key (borrowed; must outlive
 * ctx), appending the TSIG RR (cap octets in all) and keeping the MAC.
 * 0, ERR_LIMIT when the RR does not fit, ERR_CRYPTO. */
int tsig_sign_query(
	struct tsig_ctx *ctx, const struct tsig_key *key, uint8_t *msg, size_t *len, size_t cap);

/* Client: checks one response message (msg, len; untrusted, not changed).
 * Messages after the first may come unsigned, at most 99 in a row (RFC 8945
 * §5.3.1); their octets are folded into the next signed one's digest.
 * Returns 0 when the message is good so far, or:
 *   ERR_SYNTAX   malformed TSIG RR, or one that is not the last record;
 *   ERR_CRYPTO   the MAC does not match (BADSIG), or the server answered
 *                with a TSIG error (*tsig_error says which: BADKEY, BADSIG,
 *                BADTIME), or an unsigned first message, or 100 unsigned in
 *                a row; err (TSIG_ERR_SIZE, may be NULL) says which;
 *   ERR_RANGE    signed outside the fudge (BADTIME). */
int tsig_verify_response(
	struct tsig_ctx *ctx, const uint8_t *msg, size_t len, uint16_t *tsig_error, char *err);
/* Client, after the last message: 0 when it was signed, else ERR_CRYPTO. */
int tsig_verify_end(const struct tsig_ctx *ctx);

/* Where a message's TSIG RR starts, if it has one as its last additional
 * record: 0 with *at, ERR_NOTFOUND when it has none, ERR_SYNTAX when the
 * message is malformed. msg is untrusted. */
int tsig_find(const uint8_t *msg, size_t len, size_t *at);

/* Server: checks the request msg[0..len) (untrusted) whose TSIG RR starts
 * at offset at (tsig_find). The key is looked up with find. Returns 0 when
 * the request is good (ctx->key set); otherwise ctx->error holds the TSIG
 * error to answer with (RFC 8945 §5.2): BADKEY (unknown key or algorithm
 * mismatch), BADSIG (MAC wrong), BADTIME (outside the fudge; ctx->key set,
 * the answer is signed) or BADTRUNC, and the return is ERR_CRYPTO;
 * ERR_SYNTAX when the TSIG RR is malformed (answer FORMERR). */
int tsig_verify_query(struct tsig_ctx *ctx, const uint8_t *msg, size_t len, size_t at,
	tsig_find_fn find, void *find_ctx);

/* Server: signs one response message msg[0..*len) (cap octets in all) of
 * the exchange ctx verified: appends the TSIG RR. With ctx->error BADKEY or
 * BADSIG the RR carries the error, the request's key and algorithm names
 * and an empty MAC (unsigned, RFC 8945 §5.3.2); with BADTIME it is signed
 * and carries our time as other data. 0, ERR_LIMIT, ERR_CRYPTO. */
int tsig_sign_response(struct tsig_ctx *ctx, uint8_t *msg, size_t *len, size_t cap);

#endif
