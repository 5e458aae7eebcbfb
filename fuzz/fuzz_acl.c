/*
 * fuzz_acl.c - libFuzzer target for lib/dns/acl and lib/conf/peeraddr:
 * parses the input as an access list entry and as a peer address. An entry
 * that parses must print back to text that parses to the same entry, and
 * admit the network address it names; a refusal must say why. A peer
 * address that parses must print back to the same address.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/conf/peeraddr.h"
#include "lib/dns/acl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The entry's own network address as a socket address. */
static void entry_addr(const struct acl_entry *e, struct sockaddr_storage *sa)
{
	memset(sa, 0, sizeof(*sa));
	if (e->family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)sa;
		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, e->addr, 4);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)sa;
		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, e->addr, 16);
	}
}

static void check_entry(const char *text)
{
	struct acl_entry a, b;
	struct buf err;
	buf_init(&err, 0);
	if (acl_parse(text, &a, &err) != 0) {
		if (err.len == 0)
			__builtin_trap(); /* a refusal always says why */
		buf_deinit(&err);
		return;
	}
	char back[ACL_TEXT_MAX];
	acl_entry_text(&a, back, sizeof(back));
	if (acl_parse(back, &b, NULL) != 0 || a.family != b.family || a.prefix != b.prefix ||
		memcmp(a.addr, b.addr, sizeof(a.addr)) != 0 || a.key_len != b.key_len ||
		memcmp(a.key, b.key, a.key_len) != 0)
		__builtin_trap();
	struct sockaddr_storage sa;
	entry_addr(&a, &sa);
	if (acl_check(&a, 1, (struct sockaddr *)&sa, a.key_len ? a.key : NULL, NULL) != ACL_ALLOW)
		__builtin_trap();
	buf_deinit(&err);
}

static void check_peer(const char *text)
{
	struct sockaddr_storage a, b;
	socklen_t al, bl;
	const char *why = NULL;
	if (peeraddr_parse(text, 53, &a, &al, &why) != 0) {
		if (!why)
			__builtin_trap();
		return;
	}
	char back[PEERADDR_MAX + 1];
	peeraddr_format((struct sockaddr *)&a, false, back, sizeof(back));
	if (peeraddr_parse(back, 0, &b, &bl, &why) != 0 || al != bl || memcmp(&a, &b, al) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[600];
	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	check_entry(text);
	check_peer(text);
	return 0;
}
