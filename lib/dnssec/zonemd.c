/* zonemd.c - zone digests (see zonemd.h). */
#include "lib/dnssec/zonemd.h"

#include <libknot/descriptor.h>
#include <libknot/wire.h>
#include <openssl/evp.h>
#include <string.h>

#include "lib/dns/rdata.h"
#include "lib/util/err.h"

/* Feeds one RRset in canonical form to the digest. */
static int digest_rrset(EVP_MD_CTX *ctx, const struct node *n, const struct rrset *r)
{
	uint8_t head[LIMIT_NAME_LEN + 1 + 10], rd[UINT16_MAX];
	size_t olen = n->owner_len;
	memcpy(head, node_owner(n), olen);
	name_lower(head);
	knot_wire_write_u16(head + olen, r->type);
	knot_wire_write_u16(head + olen + 2, KNOT_CLASS_IN);
	knot_wire_write_u32(head + olen + 4, r->ttl);
	uint32_t pos = 0;
	const uint8_t *d;
	uint16_t len;
	while (rrset_next_rdata(r, &pos, &d, &len)) {
		knot_wire_write_u16(head + olen + 8, len);
		memcpy(rd, d, len);
		if (rdata_canonicalize(r->type, rd, len) < 0)
			return ERR_SYNTAX;
		if (EVP_DigestUpdate(ctx, head, olen + 10) != 1 ||
			EVP_DigestUpdate(ctx, rd, len) != 1)
			return ERR_DNS;
	}
	return 0;
}

int zonemd_digest(const struct zone *z, uint8_t scheme, uint8_t hash, uint8_t *out)
{
	if (scheme != ZONEMD_SCHEME_SIMPLE)
		return ERR_UNSUPP;
	const EVP_MD *md = hash == ZONEMD_HASH_SHA384 ? EVP_sha384()
		: hash == ZONEMD_HASH_SHA512	      ? EVP_sha512()
						      : NULL;
	if (!md)
		return ERR_UNSUPP;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, md, NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return ERR_NOMEM;
	}
	int rc = 0;
	struct tree_iter it;
	for (struct node *n = tree_iter_first(&it, z->tree); n && rc == 0;
		n = tree_iter_next(&it)) {
		bool apex = n->flags & NODE_APEX;
		for (const struct rrset *r = node_first(n); r && rc == 0; r = node_next(n, r)) {
			/* RFC 8976 §3.3.1.1: the apex ZONEMD and its signatures are left out */
			if (apex &&
				(r->type == KNOT_RRTYPE_ZONEMD ||
					(r->type == KNOT_RRTYPE_RRSIG &&
						r->covers == KNOT_RRTYPE_ZONEMD)))
				continue;
			rc = digest_rrset(ctx, n, r);
		}
	}
	unsigned len = 0;
	if (rc == 0 && EVP_DigestFinal_ex(ctx, out, &len) != 1)
		rc = ERR_DNS;
	EVP_MD_CTX_free(ctx);
	return rc < 0 ? rc : (int)len;
}

int zonemd_rdata(uint32_t serial, uint8_t scheme, uint8_t hash, const uint8_t *digest, size_t len,
	uint8_t *out)
{
	if (len > ZONEMD_DIGEST_MAX)
		return ERR_LIMIT;
	knot_wire_write_u32(out, serial);
	out[4] = scheme;
	out[5] = hash;
	memcpy(out + 6, digest, len);
	return (int)(6 + len);
}
