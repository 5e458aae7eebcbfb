/* Unit tests for lib/dnssec/rrsig: the data an RRSIG signs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "lib/dnssec/rrsig.h"
#include "lib/util/err.h"

static void test_labels(void **state)
{
	(void)state;
	uint8_t w[256];
	knot_dname_from_str(w, "www.example.com.", sizeof(w));
	assert_int_equal(rrsig_labels(w), 3);
	knot_dname_from_str(w, "*.example.com.", sizeof(w));
	assert_int_equal(rrsig_labels(w), 2); /* RFC 4034 §3.1.3 */
	knot_dname_from_str(w, ".", sizeof(w));
	assert_int_equal(rrsig_labels(w), 0);
}

/* MX RRset at a mixed-case owner with a mixed-case exchange: the signed data
 * is the head, then each RR lower-cased with the original TTL (RFC 4034 §6.2). */
static void test_signed_data(void **state)
{
	(void)state;
	const uint8_t owner[] = "\x07"
				"Example\x03"
				"COM";
	const uint8_t mx1[] = "\x00\x0a\x04"
			      "Mail\x07"
			      "example\x03"
			      "com";
	const uint8_t mx2[] = "\x00\x14\x04"
			      "mail\x07"
			      "EXAMPLE\x03"
			      "net";
	struct node_rr rrs[] = {
		{.type = KNOT_RRTYPE_MX, .ttl = 3600, .rdata = mx2, .len = sizeof(mx2)},
		{.type = KNOT_RRTYPE_MX, .ttl = 3600, .rdata = mx1, .len = sizeof(mx1)},
	};
	struct node *n;
	assert_int_equal(node_build(owner, rrs, 2, 0, &n, NULL), 0);
	const struct rrset *r = node_first(n);
	const uint8_t signer[] = "\x07"
				 "EXAMPLE\x03"
				 "com";
	struct rrsig_fields f = {.type_covered = KNOT_RRTYPE_MX,
		.algorithm = 15,
		.labels = rrsig_labels(owner),
		.original_ttl = 7200, /* the original TTL, not the RRset's */
		.expiration = 0x55d4fc60,
		.inception = 0x55b95560,
		.key_tag = 3613,
		.signer = signer};
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(rrsig_append_signed_data(&f, owner, r, &b), 0);
	static const uint8_t head[] = {0x00, 0x0f, 15, 2, 0x00, 0x00, 0x1c, 0x20, 0x55, 0xd4, 0xfc,
		0x60, 0x55, 0xb9, 0x55, 0x60, 0x0e, 0x1d};
	static const uint8_t lname[] = "\x07"
				       "example\x03"
				       "com";
	static const uint8_t rrhead[] = {0x00, 0x0f, 0x00, 0x01, 0x00, 0x00, 0x1c, 0x20};
	size_t at = 0;
	assert_memory_equal(b.data, head, sizeof(head));
	at += sizeof(head);
	assert_memory_equal(b.data + at, lname, sizeof(lname));
	at += sizeof(lname);
	/* RR 1: owner, type, class, TTL, rdlength, MX 10 mail.example.com. */
	const uint8_t *want_rd[] = {(const uint8_t *)"\x00\x0a\x04"
						     "mail\x07"
						     "example\x03"
						     "com",
		(const uint8_t *)"\x00\x14\x04"
				 "mail\x07"
				 "example\x03"
				 "net"};
	for (int i = 0; i < 2; i++) {
		assert_memory_equal(b.data + at, lname, sizeof(lname));
		at += sizeof(lname);
		assert_memory_equal(b.data + at, rrhead, sizeof(rrhead));
		at += sizeof(rrhead);
		assert_int_equal(b.data[at] << 8 | b.data[at + 1], sizeof(mx1));
		at += 2;
		assert_memory_equal(b.data + at, want_rd[i], sizeof(mx1));
		at += sizeof(mx1);
	}
	assert_int_equal(at, b.len);
	/* the head parses back */
	struct rrsig_fields g;
	size_t sig_at;
	assert_int_equal(rrsig_parse(b.data, sizeof(head) + sizeof(lname), &g, &sig_at), 0);
	assert_int_equal(g.key_tag, 3613);
	assert_int_equal(g.expiration, 0x55d4fc60);
	assert_int_equal(sig_at, sizeof(head) + sizeof(lname));
	assert_int_equal(rrsig_parse(b.data, 18, &g, &sig_at), ERR_SYNTAX);
	buf_deinit(&b);
	node_unref(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_signed_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
