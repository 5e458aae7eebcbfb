/*
 * policy.h - policy files (cascade-spec.md §11): how zones are reviewed,
 * keyed, signed and published.
 *
 * A policy is the file <policy-dir>/<name>.toml; its name is the file stem.
 * The schema is Cascade's, key for key (§11.3), so its policies load
 * unchanged: `version = "v1"` is required, unknown keys are rejected, and
 * every key left out takes Cascade's default. Beyond Cascade:
 *   - [signer.denial] iterations (default 0) and salt (default "-", none;
 *     else hex, at most 255 octets), RFC 5155 §3.1.3 and 3.1.5; values other
 *     than 0 and "-" are accepted with a warning citing RFC 9276 §3.1;
 *     iterations above POLICY_MAX_ITERATIONS are refused;
 *   - [loader.review] hook-timeout and [signer.review] hook-timeout (default
 *     "10m"): a hook still running after it is killed and counts as a
 *     rejection;
 *   - [server.outbound] zone-file (default "", none): after each
 *     publication the signed zone is written there; "{zone}" in it is
 *     replaced by the zone name without its trailing dot.
 *
 * Checked (§6.3, §11.3): signature-lifetime below 2^30 s (so are the
 * inception offset and remain-time: RRSIG times are compared in serial
 * number arithmetic, RFC 4034 §3.1.5); refresh interval
 * at least 60 s; lifetime greater than remain-time + 3600 + refresh
 * interval (for the zone and for the DNSKEY and CDS records); hook required
 * when mode is "script"; on-reject only with manual or script; opt-out given
 * when type is "nsec3"; RSA bits 1024..4096 (RFC 8624 §3.1 makes 2048 the
 * least worth choosing; less is warned about); TSIG key names (after '^') and
 * hsm-server-id exist, when the caller says what exists.
 *
 * Errors name the place and the key: "FILE:LINE:COL: key
 * 'signer.signature-refresh-interval': must be at least 60 seconds".
 * Warnings (accepted but doubtful values) are appended to a buffer, one
 * "FILE:LINE:COL: key 'x': text" line each.
 *
 * Ownership: struct policy owns its strings and arrays, released by
 * policy_deinit(). Pure; thread-safe for distinct structs.
 */
#ifndef CASCADE_CONF_POLICY_H
#define CASCADE_CONF_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dnssec/serial.h"
#include "lib/util/buf.h"

#define POLICY_ERR_SIZE 512
#define POLICY_MAX_ITERATIONS 500

enum policy_review_mode {
	POLICY_REVIEW_OFF,
	POLICY_REVIEW_MANUAL,
	POLICY_REVIEW_SCRIPT,
};

enum policy_on_reject {
	POLICY_REJECT_DISCARD, /* soft halt: drop the version, go on with the next */
	POLICY_REJECT_HALT,    /* hard halt: wait for override or reset */
};

struct policy_review {
	enum policy_review_mode mode; /* off */
	char *hook;		      /* NULL unless given; required by script */
	enum policy_on_reject on_reject;
	int64_t hook_timeout; /* seconds; 600 */
};

/* Automation flags of one roll type (§5.3). All true by default. */
struct policy_auto {
	bool start, report, expire, done;
};

/* "IP[:PORT][^KEY]" or the table form {addr = "IP:PORT", tsig-key-name = "..."}. */
struct policy_peer {
	char *addr;	/* as written, without the ^KEY part: "192.0.2.1", "[2001:db8::1]:53" */
	char *tsig_key; /* NULL: none */
};

struct policy_peers {
	struct policy_peer *v;
	size_t n;
};

/* Signature timing of one kind of record. */
struct policy_sig_timing {
	int64_t inception_offset; /* "1d" */
	int64_t lifetime;	  /* "2w" */
	int64_t remain_time;	  /* "1w" */
};

struct policy {
	char *name; /* the file stem */

	struct policy_review loader_review; /* [loader.review] */
	/* [loader], beyond Cascade: caps on one zone transfer from a primary */
	uint64_t xfr_max_octets;   /* max-transfer-size, octets (LIMIT_XFR_OCTETS) */
	uint64_t xfr_max_messages; /* max-transfer-messages (LIMIT_XFR_MESSAGES) */
	int64_t xfr_timeout;	   /* transfer-timeout, seconds of network time ("15m") */

	/* [key-manager] */
	int64_t ksk_validity, zsk_validity, csk_validity; /* 365d, 30d, 365d; TIMESPAN_FOREVER */
	struct policy_auto ksk_auto, zsk_auto, csk_auto, alg_auto;
	uint8_t ds_algorithm;	   /* RFC 4509 2 ("SHA-256", default) or RFC 6605 4 ("SHA-384") */
	bool auto_remove;	   /* true */
	int64_t auto_remove_delay; /* "7d" */
	struct policy_peers publication_nameservers; /* [] */
	uint32_t records_ttl;			     /* [key-manager.records] ttl, "1h" */
	struct policy_sig_timing dnskey_timing;	     /* [key-manager.records] dnskey.* */
	struct policy_sig_timing cds_timing;	     /* [key-manager.records] cds.* */
	char *hsm_server_id;			     /* NULL: keys on disk */
	bool use_csk;				     /* false */
	uint8_t algorithm;			     /* 13, ECDSAP256SHA256 */
	uint16_t rsa_bits;			     /* "RSASHA256:3072"; 2048 when not given */

	/* [signer] */
	enum serial_policy serial_policy; /* date-counter */
	struct policy_sig_timing timing;  /* signature-inception-offset, -lifetime, -remain-time */
	int64_t refresh_interval;	  /* signature-refresh-interval, "12h" */
	int64_t key_roll_time;		  /* "24h" */

	/* [signer.denial] */
	bool nsec3;	     /* type = "nsec3"; "nsec" is the default */
	bool opt_out;	     /* required when nsec3 */
	uint16_t iterations; /* beyond Cascade */
	uint8_t salt_len;
	uint8_t salt[255];

	struct policy_review signer_review; /* [signer.review] */

	/* [server.outbound] */
	struct policy_peers send_notify_to; /* port 53 when left out */
	struct policy_peers provide_xfr_to; /* [] allows all */
	uint32_t max_diffs;		    /* 5 */
	uint32_t max_diffs_size;	    /* 20 (percent) */
	char *zone_file;		    /* NULL: none (beyond Cascade) */
};

/* What the caller knows exists, for the reload checks (§11.3). Either
 * function may be NULL: names are then not checked. */
struct policy_env {
	bool (*tsig_exists)(void *ctx, const char *name);
	bool (*hsm_exists)(void *ctx, const char *id);
	void *ctx;
};

/* Fills p with every default, named name (copied). 0 or ERR_NOMEM. */
int policy_init_defaults(struct policy *p, const char *name);

/* Parses a policy file's text (fname names it in messages) into p, which
 * policy_init_defaults() prepared. env may be NULL; warnings may be NULL.
 * 0, or ERR_SYNTAX / ERR_INVAL / ERR_NOMEM with a message in err (room for
 * POLICY_ERR_SIZE). p must be deinit'ed either way. */
int policy_parse(struct policy *p, const char *text, size_t len, const char *fname,
	const struct policy_env *env, struct buf *warnings, char *err);

/* Reads <path> (capped at LIMIT_TOML_SIZE) and parses it into p (prepared
 * as for policy_parse()), named by the file stem. -errno and a message when
 * the file cannot be read. */
int policy_load(struct policy *p, const char *path, const struct policy_env *env,
	struct buf *warnings, char *err);

/* Whether two policies say the same in every setting (names aside): a
 * reload reports a policy as "updated" or "unchanged" by this. */
bool policy_equal(const struct policy *a, const struct policy *b);

/* Appends p as a complete TOML policy document, every setting written out
 * with its resolved value (defaults included), one key per line in the
 * sections of the schema: `cascade policy show` prints it, and the daemon
 * keeps its policy copies as this text. Parsing it gives a policy equal to
 * p. 0 or ERR_NOMEM. */
int policy_format(const struct policy *p, struct buf *out);

/* Deep copy of src into dst. 0 or ERR_NOMEM (dst then needs no deinit). */
int policy_copy(struct policy *dst, const struct policy *src);

void policy_deinit(struct policy *p);

#endif
