/* bind_write.c - writing BIND key files (see bind.h). */
#include <errno.h>
#include <libknot/dname.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/keystore/bind.h"
#include "lib/keystore/bind_impl.h"
#include "lib/util/base.h"
#include "lib/util/datetime.h"
#include "lib/util/err.h"
#include "lib/util/fileio.h"

/* Appends one octet of a label as the file name keeps it. */
static size_t name_octet(uint8_t c, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	if (c >= 'A' && c <= 'Z')
		c = (uint8_t)(c - 'A' + 'a');
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '%';
	out[1] = hex[c >> 4];
	out[2] = hex[c & 15];
	return 3;
}

int bind_key_basename(const struct key *k, char *out, size_t size)
{
	/* Worst case: 3 characters an octet, plus 'K' and the numbers. */
	char tmp[1 + 3 * (LIMIT_NAME_LEN + 1) + 16];
	size_t n = 0;
	tmp[n++] = 'K';
	const uint8_t *w = k->owner;
	if (*w == 0)
		tmp[n++] = '.';
	for (; *w; w += *w + 1) {
		for (uint8_t i = 1; i <= *w; i++)
			n += name_octet(w[i], tmp + n);
		tmp[n++] = '.';
	}
	int t = snprintf(tmp + n, sizeof(tmp) - n, "+%03u+%05u", k->algorithm, k->tag);
	if (t < 0 || n + (size_t)t + 1 > size)
		return ERR_LIMIT;
	memcpy(out, tmp, n + (size_t)t + 1);
	return (int)(n + (size_t)t);
}

/* Appends the base64 of n octets. */
static int append_b64(struct buf *out, const uint8_t *p, size_t n)
{
	size_t need = base64_encoded_len(n) + 1;
	int rc = buf_reserve(out, need);
	if (rc < 0)
		return rc;
	rc = base64_encode(p, n, (char *)out->data + out->len, need, 0);
	if (rc < 0)
		return rc;
	out->len += (size_t)rc;
	return 0;
}

/* The timing lines, each with prefix (BIND puts them in the .key file as
 * comments, "; Created: ...", and in the .private file as fields). */
static int append_times(const struct bind_meta *meta, const char *prefix, struct buf *out)
{
	for (int t = 0; meta && t < BIND_TIMES; t++) {
		char stamp[DATETIME_STAMP_LEN + 1];
		if (!meta->has_time[t])
			continue;
		int rc = datetime_format_stamp(meta->time[t], stamp);
		if (rc == 0)
			rc = buf_printf(out, "%s%s: %s\n", prefix, bind_time_name(t), stamp);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int bind_key_format_public(const struct key *k, const struct bind_meta *meta, struct buf *out)
{
	knot_dname_txt_storage_t owner;
	if (!knot_dname_to_str(owner, k->owner, sizeof(owner)))
		return ERR_INVAL;
	int rc = buf_printf(out, "; This is a %s key, keyid %u, for %s\n",
		(k->flags & KEY_FLAG_SEP) ? "key-signing" : "zone-signing", k->tag, owner);
	if (rc == 0)
		rc = append_times(meta, "; ", out);
	if (rc == 0)
		rc = buf_printf(out, "%s ", owner);
	if (rc == 0 && meta && meta->has_ttl)
		rc = buf_printf(out, "%u ", meta->ttl);
	if (rc == 0)
		rc = buf_printf(out, "IN DNSKEY %u 3 %u ", k->flags, k->algorithm);
	if (rc == 0)
		rc = append_b64(out, k->pubkey, k->pubkey_len);
	if (rc == 0)
		rc = buf_append_byte(out, '\n');
	return rc;
}

static int append_private(const struct key *k, const struct key_private *priv, struct buf *out)
{
	bool rsa = k->algorithm == KEY_ALG_RSASHA256 || k->algorithm == KEY_ALG_RSASHA512;
	int rc = 0;
	for (int i = 0; rc == 0 && i < (rsa ? KEY_PARTS : 1); i++) {
		rc = buf_printf(out, "%s: ", bind_field_name[rsa ? i : KEY_PARTS]);
		if (rc == 0)
			rc = append_b64(out, priv->part[i], priv->len[i]);
		if (rc == 0)
			rc = buf_append_byte(out, '\n');
	}
	return rc;
}

int bind_key_format_private(const struct key *k, const struct bind_meta *meta, struct buf *out)
{
	struct key_private *priv = malloc(sizeof(*priv)); /* 4 KiB: off the stack */
	if (!priv)
		return ERR_NOMEM;
	int rc = key_export_private(k, priv);
	/* v1.3 is the version that has the timing lines; readers of v1.2
	 * (ldns) accept it, since they look for the fields by name. */
	if (rc == 0)
		rc = buf_printf(out, "Private-key-format: v1.3\nAlgorithm: %u (%s)\n", k->algorithm,
			key_alg_name(k->algorithm));
	if (rc == 0)
		rc = append_private(k, priv, out);
	if (rc == 0)
		rc = append_times(meta, "", out);
	key_private_wipe(priv);
	free(priv);
	return rc;
}

static int write_one(const char *dir, const char *base, const char *suffix, mode_t mode,
	unsigned flags, const struct buf *text, struct buf *path)
{
	buf_clear(path);
	int rc = buf_printf(path, "%s/%s%s", dir, base, suffix);
	if (rc == 0)
		rc = fileio_write_data(buf_cstr(path), mode,
			(flags & BIND_REPLACE) ? 0 : FILEIO_NO_REPLACE, text->data, text->len);
	return rc;
}

int bind_key_write(const struct key *k, const struct bind_meta *meta, const char *dir,
	unsigned flags, char *name)
{
	if (!k->has_private)
		return ERR_INVAL;
	char base[BIND_NAME_MAX];
	int rc = bind_key_basename(k, base, sizeof(base));
	if (rc < 0)
		return rc;
	struct buf text, path;
	buf_init(&text, 0);
	buf_init(&path, 0);
	text.secret = true;
	rc = bind_key_format_private(k, meta, &text);
	if (rc == 0)
		rc = write_one(dir, base, ".private", 0600, flags, &text, &path);
	if (rc == 0) {
		buf_clear(&text);
		rc = bind_key_format_public(k, meta, &text);
		struct buf kpath;
		buf_init(&kpath, 0);
		if (rc == 0)
			rc = write_one(dir, base, ".key", 0644, flags, &text, &kpath);
		buf_deinit(&kpath);
		/* Without its .key the .private we just made is an orphan
		 * nobody reads. (A replaced one is the key's only copy now.) */
		if (rc < 0 && !(flags & BIND_REPLACE))
			unlink(buf_cstr(&path));
	}
	if (rc == 0 && name)
		memcpy(name, base, strlen(base) + 1);
	buf_deinit(&text);
	buf_deinit(&path);
	return rc;
}
