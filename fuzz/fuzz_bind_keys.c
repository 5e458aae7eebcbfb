/*
 * fuzz_bind_keys.c - libFuzzer target for lib/keystore/bind: the input is a
 * .key file, a NUL, then a .private file. Whatever parses must write back
 * to texts that parse to the same key, and the key must sign what it
 * verifies.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/keystore/bind.h"
#include "lib/util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_key(const struct key *a, const struct key *b)
{
	if (a->algorithm != b->algorithm || a->flags != b->flags || a->tag != b->tag ||
		a->pubkey_len != b->pubkey_len || memcmp(a->pubkey, b->pubkey, a->pubkey_len) != 0)
		__builtin_trap();
}

/* Written back, read again: the same key, and the same texts again. */
static void round_trip(const struct key *k, const struct bind_meta *meta)
{
	struct buf pub, priv, again;
	buf_init(&pub, 0);
	buf_init(&priv, 0);
	buf_init(&again, 0);
	priv.secret = again.secret = true;
	struct key *p = NULL, *r = NULL;
	char err[BIND_ERR_SIZE];
	if (bind_key_format_public(k, meta, &pub) != 0 || bind_key_format_private(k, meta, &priv))
		__builtin_trap();
	if (bind_key_parse_public((const char *)pub.data, pub.len, "k", &p, NULL, err) != 0 ||
		bind_key_parse_private((const char *)priv.data, priv.len, "p", p, &r, NULL, err))
		__builtin_trap();
	same_key(k, r);
	if (bind_key_format_private(r, meta, &again) != 0 || again.len != priv.len ||
		memcmp(again.data, priv.data, priv.len) != 0)
		__builtin_trap();
	uint8_t sig[KEY_SIG_MAX];
	int n = key_sign(r, pub.data, pub.len, sig);
	if (n < 0 || key_verify(k, pub.data, pub.len, sig, (size_t)n) != 0)
		__builtin_trap();
	key_free(p);
	key_free(r);
	buf_deinit(&pub);
	buf_deinit(&priv);
	buf_deinit(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t klen = nul ? (size_t)(nul - data) : size;
	const char *ptext = nul ? (const char *)nul + 1 : "";
	size_t plen = nul ? size - klen - 1 : 0;
	char err[BIND_ERR_SIZE];
	struct bind_meta meta = {0};
	struct key *pub = NULL, *k = NULL;
	if (bind_key_parse_public((const char *)data, klen, "k", &pub, &meta, err) != 0)
		return 0;
	if (bind_key_parse_private(ptext, plen, "p", pub, &k, &meta, err) == 0) {
		same_key(pub, k);
		round_trip(k, &meta);
	}
	key_free(k);
	key_free(pub);
	return 0;
}
