/*
 * bind.h - BIND key files: K<zone>.+<alg>+<tag>.key and .private.
 *
 * The format dnssec-keygen, ldns-keygen and Knot's keymgr import-bind share,
 * so keys move between those tools and us:
 *   - the .key file holds the DNSKEY RR in presentation form (RFC 4034 §2.2;
 *     ; comments allowed, BIND puts its timing there as comments too);
 *   - the .private file holds lines "Field: value": first
 *     "Private-key-format: v1.2" (or v1.3), then "Algorithm: 13
 *     (ECDSAP256SHA256)", the private fields in base64 (RSA: Modulus,
 *     PublicExponent, PrivateExponent, Prime1, Prime2, Exponent1, Exponent2,
 *     Coefficient; ECDSA and EdDSA: PrivateKey) and BIND's timing lines
 *     ("Created: 20240101000000"). Other fields BIND writes (Successor,
 *     Lifetime, ...) are ignored.
 * The zone in the file name is the apex with its trailing dot
 * (Kexample.com.+013+55648), "." for the root.
 *
 * Errors: functions return 0 or a negative code (lib/util/err.h) and, when
 * err is not NULL, write one line for people into err (BIND_ERR_SIZE chars):
 * "FILE:LINE: what is wrong" (or "FILE: ..." for the file as a whole).
 * Private files are read into buffers that are wiped when freed and written
 * with mode 0600 from the moment they exist.
 *
 * Ownership: keys returned through out are the caller's (key_free); meta is
 * a plain struct the caller owns. Thread-safe for distinct files.
 */
#ifndef CASCADE_KEYSTORE_BIND_H
#define CASCADE_KEYSTORE_BIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dnssec/key.h"
#include "lib/util/buf.h"

#define BIND_ERR_SIZE 512
/* "K" + the zone (at most 4 characters a name octet) + ".+255+65535" + NUL. */
#define BIND_NAME_MAX (1 + 4 * LIMIT_NAME_LEN + 16)

/* BIND's timing metadata (the lines of the .private file). */
enum bind_time {
	BIND_CREATED,
	BIND_PUBLISH,
	BIND_ACTIVATE,
	BIND_REVOKE,
	BIND_INACTIVE,
	BIND_DELETE,
	BIND_SYNC_PUBLISH,
	BIND_SYNC_DELETE,
	BIND_DS_PUBLISH,
	BIND_DS_REMOVED,
	BIND_TIMES,
};

struct bind_meta {
	int64_t time[BIND_TIMES]; /* Unix seconds, where has_time says so */
	bool has_time[BIND_TIMES];
	uint32_t ttl; /* the DNSKEY's TTL in the .key file, where has_ttl */
	bool has_ttl;
};

enum bind_write_flags {
	BIND_REPLACE = 1 << 0, /* overwrite existing files (default: -EEXIST) */
};

/* The field name of a timing line ("Created"). */
const char *bind_time_name(enum bind_time t);

/* The base name of k's files, "K<zone>.+<alg>+<tag>", into out (room for
 * size; BIND_NAME_MAX is enough). The zone is lower-cased; octets other than
 * letters, digits, '-' and '_' are written %XX, so the name never holds a
 * '/' or starts a hidden file. Returns its length or ERR_LIMIT. */
int bind_key_basename(const struct key *k, char *out, size_t size);

/* Parses .key text (len chars; fname names it in messages) into a
 * public-only key; meta (may be NULL) gets the TTL. */
int bind_key_parse_public(const char *text, size_t len, const char *fname, struct key **out,
	struct bind_meta *meta, char *err);
/* Parses .private text that belongs with the public key pub (from the .key
 * file) into a new key pair with pub's owner and flags; meta (may be NULL)
 * gets the timing lines. Refuses a private key that does not match pub. */
int bind_key_parse_private(const char *text, size_t len, const char *fname, const struct key *pub,
	struct key **out, struct bind_meta *meta, char *err);

/* Reads a key pair. path is the base name (dir/Kexample.com.+013+55648) or
 * either file's name. meta may be NULL. */
int bind_key_read(const char *path, struct key **out, struct bind_meta *meta, char *err);
/* Reads the .key file alone (path as above): a public-only key. */
int bind_key_read_public(const char *path, struct key **out, struct bind_meta *meta, char *err);

/* The texts of the two files, appended to out. meta may be NULL; its times
 * are written when set (callers set BIND_CREATED). For the private text,
 * make out a secret buffer (out->secret = true) before the call. */
int bind_key_format_public(const struct key *k, const struct bind_meta *meta, struct buf *out);
int bind_key_format_private(const struct key *k, const struct bind_meta *meta, struct buf *out);

/* Writes both files of the key pair k into dir (crash-safe, .private with
 * mode 0600, .key 0644, the .private first) and the base name into name
 * (room for BIND_NAME_MAX; may be NULL). Without BIND_REPLACE, existing
 * files are left alone and the result is -EEXIST (two keys can share a tag:
 * RFC 4034 Appendix B). */
int bind_key_write(const struct key *k, const struct bind_meta *meta, const char *dir,
	unsigned flags, char *name);

#endif
