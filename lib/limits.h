/*
 * limits.h - every cap on untrusted input, named in one place.
 *
 * Parsers check their input against these and fail with ERR_LIMIT and a
 * message naming the cap. Constants only; thread-safe.
 */
#ifndef CASCADE_LIMITS_H
#define CASCADE_LIMITS_H

/* Zone files and zone versions. */
#define LIMIT_ZONE_RRS 200000000UL /* RRs in one zone version */
#define LIMIT_RDATA_LEN 65535	   /* RDATA octets of one RR (RFC 1035 §3.2.1) */
#define LIMIT_RRSET_RRS 65535	   /* RRs in one RRset */
#define LIMIT_NAME_LEN 255	   /* wire octets of a domain name (RFC 1035 §2.3.4) */
#define LIMIT_LABEL_LEN 63	   /* octets of one label (RFC 1035 §2.3.4) */
#define LIMIT_INCLUDE_DEPTH 16	   /* nesting of $INCLUDE */
#define LIMIT_ZONE_FILE_ERRORS 100 /* errors collected before a load gives up */

/* TOML documents (config and policy files). */
#define LIMIT_TOML_SIZE (4UL << 20) /* bytes of one document */
#define LIMIT_TOML_DEPTH 64	    /* nesting of tables and arrays, all kinds */

/* Key files (BIND's K*.key / K*.private). The largest real one, an RSA 4096
 * .private with every timing line, is under 4 KiB. */
#define LIMIT_KEY_FILE_SIZE (64UL << 10) /* bytes of one key file */

/* Zone transfers in (RFC 5936, RFC 1995): the defaults of struct
 * xfrin_limits. A message is at most 65535 octets (RFC 1035 §4.2.2); a
 * zone of 10M records takes about 1 GiB of messages. */
#define LIMIT_XFR_OCTETS (4ULL << 30) /* octets of all messages of one transfer */
#define LIMIT_XFR_MESSAGES 4000000ULL /* messages of one transfer */
#define LIMIT_XFR_RRS LIMIT_ZONE_RRS  /* records of one transfer */

#endif
