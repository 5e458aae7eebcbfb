/* bind.c - reading BIND key files (see bind.h; writing is in bind_write.c). */
#include "lib/keystore/bind.h"
#include "lib/keystore/bind_impl.h"

#include <libknot/descriptor.h>
#include <libzscanner/scanner.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/limits.h"
#include "lib/util/base.h"
#include "lib/util/datetime.h"
#include "lib/util/err.h"
#include "lib/util/fileio.h"

/* Given to zscanner as the default TTL, so a record without one shows. */
#define TTL_UNSET UINT32_MAX

/* Slots of the private fields: the RSA parts in enum key_part order, then
 * the one field of ECDSA and EdDSA keys. */
#define SLOT_PRIVATE KEY_PARTS
#define SLOTS BIND_FIELDS

const char *const bind_field_name[SLOTS] = {
	"Modulus",
	"PublicExponent",
	"PrivateExponent",
	"Prime1",
	"Prime2",
	"Exponent1",
	"Exponent2",
	"Coefficient",
	"PrivateKey",
};

static const char *const time_name[BIND_TIMES] = {
	[BIND_CREATED] = "Created",
	[BIND_PUBLISH] = "Publish",
	[BIND_ACTIVATE] = "Activate",
	[BIND_REVOKE] = "Revoke",
	[BIND_INACTIVE] = "Inactive",
	[BIND_DELETE] = "Delete",
	[BIND_SYNC_PUBLISH] = "SyncPublish",
	[BIND_SYNC_DELETE] = "SyncDelete",
	[BIND_DS_PUBLISH] = "DSPublish",
	[BIND_DS_REMOVED] = "DSRemoved",
};

const char *bind_time_name(enum bind_time t)
{
	return (unsigned)t < BIND_TIMES ? time_name[t] : "?";
}

/* Writes "FILE:LINE: text" (or "FILE: text" when line is 0) into err. */
static int bind_fail(char *err, int rc, const char *fname, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int bind_fail(char *err, int rc, const char *fname, unsigned line, const char *fmt, ...)
{
	if (!err)
		return rc;
	int n = line ? snprintf(err, BIND_ERR_SIZE, "%s:%u: ", fname, line)
		     : snprintf(err, BIND_ERR_SIZE, "%s: ", fname);
	if (n >= 0 && n < BIND_ERR_SIZE) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + n, BIND_ERR_SIZE - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* " (RSASHA1)" for a known algorithm, "" for others: for messages. */
static const char *alg_paren(uint8_t alg, char *buf, size_t size)
{
	const char *n = key_alg_name(alg);
	if (n)
		snprintf(buf, size, " (%s)", n);
	else
		buf[0] = 0;
	return buf;
}

static const char *key_problem(int rc)
{
	switch (rc) {
	case ERR_SYNTAX:
		return "malformed (wrong length or layout)";
	case ERR_RANGE:
		return "RSA modulus or exponent size out of range";
	case ERR_INVAL:
		return "not a valid key";
	default:
		return err_str(rc);
	}
}

/* One record of a .key file: a DNSKEY of a zone key we can use. */
static int dnskey_record(const zs_scanner_t *s, const char *fname, struct key **out,
	struct bind_meta *meta, char *err)
{
	unsigned line = (unsigned)s->line_counter;
	char t[64];
	if (s->r_type != KNOT_RRTYPE_DNSKEY) {
		knot_rrtype_to_string(s->r_type, t, sizeof(t));
		return bind_fail(err, ERR_SYNTAX, fname, line, "a %s record, not a DNSKEY", t);
	}
	if (s->r_class != KNOT_CLASS_IN)
		return bind_fail(err, ERR_SYNTAX, fname, line, "the DNSKEY is not of class IN");
	const uint8_t *rd = s->r_data;
	size_t len = s->r_data_length;
	int rc = key_from_dnskey(s->r_owner, rd, len, out);
	if (rc == ERR_UNSUPP)
		return bind_fail(err, rc, fname, line, "algorithm %u%s is not supported", rd[3],
			alg_paren(rd[3], t, sizeof(t)));
	if (rc < 0 && len >= 4 && rd[2] != 3)
		return bind_fail(
			err, rc, fname, line, "protocol %u, not 3 (RFC 4034 §2.1.2)", rd[2]);
	if (rc < 0)
		return bind_fail(err, rc, fname, line, "%s public key: %s", key_alg_name(rd[3]),
			key_problem(rc));
	if (!((*out)->flags & KEY_FLAG_ZONE)) {
		rc = bind_fail(err, ERR_SYNTAX, fname, line,
			"flags %u: not a zone key (RFC 4034 §2.1.1)", (*out)->flags);
		key_free(*out);
		*out = NULL;
		return rc;
	}
	if (meta && s->r_ttl != TTL_UNSET) {
		meta->ttl = s->r_ttl;
		meta->has_ttl = true;
	}
	return 0;
}

/* Reads every record with s; exactly one must be a usable DNSKEY. */
static int scan_key(
	zs_scanner_t *s, const char *fname, struct key **out, struct bind_meta *meta, char *err)
{
	for (;;) {
		if (zs_parse_record(s) != 0 && s->state != ZS_STATE_ERROR)
			return bind_fail(err, ERR_SYNTAX, fname, 0, "cannot parse");
		switch (s->state) {
		case ZS_STATE_DATA:
			if (*out)
				return bind_fail(err, ERR_SYNTAX, fname, (unsigned)s->line_counter,
					"more than one record");
			int rc = dnskey_record(s, fname, out, meta, err);
			if (rc < 0)
				return rc;
			break;
		case ZS_STATE_INCLUDE:
			return bind_fail(err, ERR_SYNTAX, fname, (unsigned)s->line_counter,
				"$INCLUDE in a key file");
		case ZS_STATE_ERROR:
			return bind_fail(err, ERR_SYNTAX, fname, (unsigned)s->line_counter, "%s",
				zs_strerror(s->error.code));
		default: /* EOF */
			if (!*out)
				return bind_fail(err, ERR_SYNTAX, fname, 0, "no DNSKEY record");
			return 0;
		}
	}
}

int bind_key_parse_public(const char *text, size_t len, const char *fname, struct key **out,
	struct bind_meta *meta, char *err)
{
	*out = NULL;
	if (len > LIMIT_KEY_FILE_SIZE)
		return bind_fail(err, ERR_LIMIT, fname, 0, "larger than %lu octets",
			(unsigned long)LIMIT_KEY_FILE_SIZE);
	zs_scanner_t *s = malloc(sizeof(*s)); /* large: keep it off the stack */
	if (!s)
		return ERR_NOMEM;
	int rc;
	if (zs_init(s, ".", KNOT_CLASS_IN, TTL_UNSET) != 0) {
		free(s);
		return ERR_NOMEM;
	}
	if (zs_set_input_string(s, text, len) != 0)
		rc = bind_fail(err, ERR_SYNTAX, fname, 0, "%s", zs_strerror(s->error.code));
	else
		rc = scan_key(s, fname, out, meta, err);
	if (rc < 0) {
		key_free(*out);
		*out = NULL;
	}
	zs_deinit(s);
	free(s);
	return rc;
}

/* What a .private file says, before it is checked as a whole. */
struct priv_doc {
	const char *fname;
	char *err;
	struct bind_meta *meta;
	unsigned alg_line; /* 0 when there was no Algorithm line */
	unsigned alg;
	struct {
		const char *val;
		size_t len;
		unsigned line;
	} slot[SLOTS];
};

/* "Private-key-format: v1.x": any minor version of format 1. */
static int priv_version(struct priv_doc *d, const char *v, size_t len, unsigned line)
{
	if (len < 4 || v[0] != 'v' || v[1] != '1' || v[2] != '.')
		return bind_fail(d->err, ERR_UNSUPP, d->fname, line,
			"Private-key-format %.*s is not supported (v1.x is)", (int)len, v);
	for (size_t i = 3; i < len; i++)
		if (v[i] < '0' || v[i] > '9')
			return bind_fail(d->err, ERR_SYNTAX, d->fname, line,
				"bad Private-key-format '%.*s'", (int)len, v);
	return 0;
}

/* "Algorithm: 13 (ECDSAP256SHA256)": the number decides, the name is a
 * comment. */
static int priv_algorithm(struct priv_doc *d, const char *v, size_t len, unsigned line)
{
	unsigned a = 0;
	size_t i = 0;
	for (; i < len && v[i] >= '0' && v[i] <= '9' && a <= 255; i++)
		a = a * 10 + (unsigned)(v[i] - '0');
	if (i == 0 || a > 255 || (i < len && v[i] != ' ' && v[i] != '\t'))
		return bind_fail(
			d->err, ERR_SYNTAX, d->fname, line, "bad Algorithm '%.*s'", (int)len, v);
	if (d->alg_line)
		return bind_fail(d->err, ERR_SYNTAX, d->fname, line, "a second Algorithm line");
	d->alg = a;
	d->alg_line = line;
	return 0;
}

static int priv_time(struct priv_doc *d, int t, const char *v, size_t len, unsigned line)
{
	int64_t when;
	if (datetime_parse_stamp(v, len, &when) < 0)
		return bind_fail(d->err, ERR_SYNTAX, d->fname, line,
			"%s: bad time '%.*s' (YYYYMMDDHHMMSS)", bind_time_name(t), (int)len, v);
	if (d->meta) {
		d->meta->time[t] = when;
		d->meta->has_time[t] = true;
	}
	return 0;
}

/* One "Field: value" line. Unknown fields are BIND metadata we do not use. */
static int priv_field(
	struct priv_doc *d, const char *name, size_t nlen, const char *v, size_t len, unsigned line)
{
	for (int i = 0; i < SLOTS; i++) {
		if (strlen(bind_field_name[i]) != nlen ||
			strncasecmp(bind_field_name[i], name, nlen) != 0)
			continue;
		if (d->slot[i].line)
			return bind_fail(d->err, ERR_SYNTAX, d->fname, line, "a second %s line",
				bind_field_name[i]);
		d->slot[i].val = v;
		d->slot[i].len = len;
		d->slot[i].line = line;
		return 0;
	}
	for (int t = 0; t < BIND_TIMES; t++) {
		const char *tn = bind_time_name(t);
		if (strlen(tn) == nlen && strncasecmp(tn, name, nlen) == 0)
			return priv_time(d, t, v, len, line);
	}
	if ((nlen == 6 && strncasecmp(name, "Engine", 6) == 0) ||
		(nlen == 5 && strncasecmp(name, "Label", 5) == 0))
		return bind_fail(d->err, ERR_UNSUPP, d->fname, line,
			"keys kept in an OpenSSL engine or HSM (%.*s) are not supported", (int)nlen,
			name);
	if (nlen == 9 && strncasecmp(name, "Algorithm", 9) == 0)
		return priv_algorithm(d, v, len, line);
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Splits the text into lines and fields. */
static int priv_lines(struct priv_doc *d, const char *text, size_t len)
{
	unsigned line = 0, seen = 0;
	for (size_t pos = 0; pos < len;) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) : len - pos;
		pos += ll + 1;
		line++;
		while (ll && is_space(l[ll - 1]))
			ll--;
		if (ll == 0)
			continue;
		size_t n = 0;
		while (n < ll &&
			((l[n] >= 'A' && l[n] <= 'Z') || (l[n] >= 'a' && l[n] <= 'z') ||
				(l[n] >= '0' && l[n] <= '9') || l[n] == '-'))
			n++;
		if (n == 0 || n == ll || l[n] != ':' || memchr(l, 0, ll))
			return bind_fail(
				d->err, ERR_SYNTAX, d->fname, line, "expected 'Field: value'");
		size_t v = n + 1;
		while (v < ll && is_space(l[v]))
			v++;
		int rc;
		if (seen++ == 0) {
			if (n != 18 || strncasecmp(l, "Private-key-format", 18) != 0)
				return bind_fail(d->err, ERR_SYNTAX, d->fname, line,
					"not a private key file (no Private-key-format line)");
			rc = priv_version(d, l + v, ll - v, line);
		} else {
			rc = priv_field(d, l, n, l + v, ll - v, line);
		}
		if (rc < 0)
			return rc;
	}
	if (!seen)
		return bind_fail(d->err, ERR_SYNTAX, d->fname, 0, "empty file");
	return 0;
}

/* The algorithm line against the .key file, and the fields it needs. */
static int priv_check(struct priv_doc *d, const struct key *pub)
{
	char t[64];
	if (!d->alg_line)
		return bind_fail(d->err, ERR_SYNTAX, d->fname, 0, "no Algorithm line");
	if (!key_alg_supported((uint8_t)d->alg))
		return bind_fail(d->err, ERR_UNSUPP, d->fname, d->alg_line,
			"algorithm %u%s is not supported", d->alg,
			alg_paren((uint8_t)d->alg, t, sizeof(t)));
	if (d->alg != pub->algorithm)
		return bind_fail(d->err, ERR_INVAL, d->fname, d->alg_line,
			"algorithm %u, but the .key file has %u", d->alg, pub->algorithm);
	bool rsa = d->alg == KEY_ALG_RSASHA256 || d->alg == KEY_ALG_RSASHA512;
	for (int i = 0; i < SLOTS; i++) {
		bool wanted = rsa ? i < KEY_PARTS : i == SLOT_PRIVATE;
		if (wanted && !d->slot[i].line)
			return bind_fail(
				d->err, ERR_SYNTAX, d->fname, 0, "no %s line", bind_field_name[i]);
		if (!wanted && d->slot[i].line)
			return bind_fail(d->err, ERR_SYNTAX, d->fname, d->slot[i].line,
				"%s is not a field of %s keys", bind_field_name[i],
				key_alg_name((uint8_t)d->alg));
	}
	return 0;
}

/* Decodes the base64 fields into priv. */
static int priv_decode(struct priv_doc *d, struct key_private *priv)
{
	bool rsa = d->alg == KEY_ALG_RSASHA256 || d->alg == KEY_ALG_RSASHA512;
	for (int i = rsa ? 0 : SLOT_PRIVATE; i < (rsa ? KEY_PARTS : SLOTS); i++) {
		int part = rsa ? i : KEY_PART_PRIVATE;
		int n = base64_decode(
			d->slot[i].val, d->slot[i].len, priv->part[part], KEY_PART_MAX, BASE_WS);
		if (n == ERR_LIMIT)
			return bind_fail(d->err, ERR_LIMIT, d->fname, d->slot[i].line,
				"%s: longer than %d octets", bind_field_name[i], KEY_PART_MAX);
		if (n <= 0)
			return bind_fail(d->err, ERR_SYNTAX, d->fname, d->slot[i].line,
				"%s: bad base64", bind_field_name[i]);
		priv->len[part] = (size_t)n;
	}
	return 0;
}

/* Builds the key pair and checks it is the one of the .key file. */
static int priv_key(
	struct priv_doc *d, const struct key *pub, const struct key_private *priv, struct key **out)
{
	int rc = key_from_private(pub->algorithm, pub->flags, pub->owner, priv, out);
	if (rc == ERR_RANGE)
		return bind_fail(
			d->err, rc, d->fname, 0, "RSA modulus or exponent size out of range");
	if (rc == ERR_INVAL)
		return bind_fail(d->err, rc, d->fname, 0,
			"not a valid %s private key (its fields do not belong together)",
			key_alg_name(pub->algorithm));
	if (rc < 0)
		return bind_fail(d->err, rc, d->fname, 0, "%s", err_str(rc));
	if ((*out)->pubkey_len != pub->pubkey_len ||
		memcmp((*out)->pubkey, pub->pubkey, pub->pubkey_len) != 0) {
		key_free(*out);
		*out = NULL;
		return bind_fail(d->err, ERR_INVAL, d->fname, 0,
			"the private key does not match the public key of the .key file");
	}
	return 0;
}

int bind_key_parse_private(const char *text, size_t len, const char *fname, const struct key *pub,
	struct key **out, struct bind_meta *meta, char *err)
{
	*out = NULL;
	if (len > LIMIT_KEY_FILE_SIZE)
		return bind_fail(err, ERR_LIMIT, fname, 0, "larger than %lu octets",
			(unsigned long)LIMIT_KEY_FILE_SIZE);
	struct priv_doc d = {.fname = fname, .err = err, .meta = meta};
	int rc = priv_lines(&d, text, len);
	if (rc == 0)
		rc = priv_check(&d, pub);
	if (rc < 0)
		return rc;
	struct key_private *priv = malloc(sizeof(*priv)); /* 4 KiB: off the stack */
	if (!priv)
		return ERR_NOMEM;
	memset(priv, 0, sizeof(*priv));
	rc = priv_decode(&d, priv);
	if (rc == 0)
		rc = priv_key(&d, pub, priv, out);
	key_private_wipe(priv);
	free(priv);
	return rc;
}

/* The base name of path: without ".key" or ".private". */
static int base_of(const char *path, struct buf *out)
{
	size_t n = strlen(path);
	if (n > 4 && strcmp(path + n - 4, ".key") == 0)
		n -= 4;
	else if (n > 8 && strcmp(path + n - 8, ".private") == 0)
		n -= 8;
	return buf_append(out, path, n);
}

/* Reads fname whole into b; messages as bind_fail. */
static int read_text(const char *fname, struct buf *b, char *err)
{
	int rc = fileio_read(fname, LIMIT_KEY_FILE_SIZE, b);
	if (rc == ERR_LIMIT)
		return bind_fail(err, rc, fname, 0, "larger than %lu octets",
			(unsigned long)LIMIT_KEY_FILE_SIZE);
	if (rc < 0)
		return bind_fail(err, rc, fname, 0, "cannot read: %s", err_str(rc));
	return 0;
}

static int read_files(
	const char *path, bool with_private, struct key **out, struct bind_meta *meta, char *err)
{
	struct buf name, text;
	buf_init(&name, 0);
	buf_init(&text, 0);
	text.secret = true; /* it may hold the private key */
	struct key *pub = NULL;
	int rc = base_of(path, &name);
	if (rc == 0)
		rc = buf_append_str(&name, ".key");
	if (rc == 0)
		rc = read_text(buf_cstr(&name), &text, err);
	if (rc == 0)
		rc = bind_key_parse_public(
			(const char *)text.data, text.len, buf_cstr(&name), &pub, meta, err);
	if (rc == 0 && !with_private) {
		*out = pub;
		pub = NULL;
	} else if (rc == 0) {
		name.len -= 4;
		buf_clear(&text);
		rc = buf_append_str(&name, ".private");
		if (rc == 0)
			rc = read_text(buf_cstr(&name), &text, err);
		if (rc == 0)
			rc = bind_key_parse_private((const char *)text.data, text.len,
				buf_cstr(&name), pub, out, meta, err);
	}
	key_free(pub);
	buf_deinit(&text);
	buf_deinit(&name);
	return rc;
}

int bind_key_read(const char *path, struct key **out, struct bind_meta *meta, char *err)
{
	*out = NULL;
	if (meta)
		memset(meta, 0, sizeof(*meta));
	return read_files(path, true, out, meta, err);
}

int bind_key_read_public(const char *path, struct key **out, struct bind_meta *meta, char *err)
{
	*out = NULL;
	if (meta)
		memset(meta, 0, sizeof(*meta));
	return read_files(path, false, out, meta, err);
}
