/* Unit tests for lib/util/base: RFC 4648 §10 vectors and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/util/base.h"
#include "lib/util/err.h"

/* RFC 4648 §10 inputs; the expected texts below follow the same order. */
static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
static const char *const b16_text[] = {
	"", "66", "666F", "666F6F", "666F6F62", "666F6F6261", "666F6F626172"};
/* RFC 4648 §10 base32hex with its padding removed, as RFC 5155 §3.3 writes it. */
static const char *const b32hex_text[] = {
	"", "CO", "CPNG", "CPNMU", "CPNMUOG", "CPNMUOJ1", "CPNMUOJ1E8"};
static const char *const b64_text[] = {
	"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};

typedef int (*enc_fn)(const void *, size_t, char *, size_t, unsigned);
typedef int (*dec_fn)(const char *, size_t, uint8_t *, size_t, unsigned);

static void check_vectors(enc_fn enc, dec_fn dec, const char *const *text)
{
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		char out[64];
		uint8_t bin[64];
		size_t n = strlen(plain[i]);
		int rc = enc(plain[i], n, out, sizeof(out), 0);
		assert_int_equal(rc, (int)strlen(text[i]));
		assert_string_equal(out, text[i]);
		rc = dec(text[i], strlen(text[i]), bin, sizeof(bin), 0);
		assert_int_equal(rc, (int)n);
		assert_memory_equal(bin, plain[i], n);
	}
}

static void test_rfc4648_vectors(void **state)
{
	(void)state;
	check_vectors(base16_encode, base16_decode, b16_text);
	check_vectors(base32hex_encode, base32hex_decode, b32hex_text);
	check_vectors(base64_encode, base64_decode, b64_text);
}

static void test_lengths(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		size_t n = strlen(plain[i]);
		assert_int_equal(base16_encoded_len(n), strlen(b16_text[i]));
		assert_int_equal(base32hex_encoded_len(n), strlen(b32hex_text[i]));
		assert_int_equal(base64_encoded_len(n), strlen(b64_text[i]));
		assert_true(base16_decoded_max(strlen(b16_text[i])) >= n);
		assert_true(base32hex_decoded_max(strlen(b32hex_text[i])) >= n);
		assert_true(base64_decoded_max(strlen(b64_text[i])) >= n);
	}
	assert_int_equal(base16_encoded_len(SIZE_MAX), SIZE_MAX);
	assert_int_equal(base32hex_encoded_len(SIZE_MAX), SIZE_MAX);
	assert_int_equal(base64_encoded_len(SIZE_MAX), SIZE_MAX);
}

static void test_case_and_lower(void **state)
{
	(void)state;
	char out[32];
	uint8_t bin[16];
	assert_int_equal(base16_encode("\xab\xcd", 2, out, sizeof(out), BASE_LOWER), 4);
	assert_string_equal(out, "abcd");
	assert_int_equal(base16_decode("aBcD", 4, bin, sizeof(bin), 0), 2);
	assert_memory_equal(bin, "\xab\xcd", 2);
	assert_int_equal(base32hex_encode("foobar", 6, out, sizeof(out), BASE_LOWER), 10);
	assert_string_equal(out, "cpnmuoj1e8");
	assert_int_equal(base32hex_decode("cpnmuOJ1E8", 10, bin, sizeof(bin), 0), 6);
	assert_memory_equal(bin, "foobar", 6);
	/* base64 is case-sensitive: "zg==" is a different value, not "f". */
	assert_int_equal(base64_decode("zg==", 4, bin, sizeof(bin), 0), 1);
	assert_int_equal(bin[0], 0xce);
}

static void test_whitespace(void **state)
{
	(void)state;
	uint8_t bin[16];
	const char *hex = "66 6F\t6F";
	assert_int_equal(base16_decode(hex, strlen(hex), bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base16_decode(hex, strlen(hex), bin, sizeof(bin), BASE_WS), 3);
	assert_memory_equal(bin, "foo", 3);
	/* A key file or zone file splits base64 over lines. */
	const char *b64 = " Zm9v\r\nYmE\n=\n";
	assert_int_equal(base64_decode(b64, strlen(b64), bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base64_decode(b64, strlen(b64), bin, sizeof(bin), BASE_WS), 5);
	assert_memory_equal(bin, "fooba", 5);
	assert_int_equal(base64_decode("  \n", 3, bin, sizeof(bin), BASE_WS), 0);
	assert_int_equal(base32hex_decode("CPNM UOJ1", 9, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base32hex_decode("CPNM UOJ1", 9, bin, sizeof(bin), BASE_WS), 5);
}

static void test_base16_errors(void **state)
{
	(void)state;
	uint8_t bin[16];
	assert_int_equal(base16_decode("666", 3, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base16_decode("6G", 2, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base16_decode("0x66", 4, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base16_decode("66\0"
				       "6",
				 4, bin, sizeof(bin), 0),
		ERR_SYNTAX);
	assert_int_equal(base16_decode("6 6 6", 5, bin, sizeof(bin), BASE_WS), ERR_SYNTAX);
	assert_int_equal(base16_decode("666F6F", 6, bin, 2, 0), ERR_LIMIT);
}

static void test_base32hex_errors(void **state)
{
	(void)state;
	uint8_t bin[16];
	/* RFC 5155 presentation has no padding. */
	assert_int_equal(base32hex_decode("CO======", 8, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base32hex_decode("CO=", 3, bin, sizeof(bin), 0), ERR_SYNTAX);
	/* Final groups of 1, 3 or 6 symbols are impossible, even when their
	 * leftover bits happen to be zero. */
	assert_int_equal(base32hex_decode("C", 1, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base32hex_decode("0", 1, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base32hex_decode("CPN", 3, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base32hex_decode("CO0", 3, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base32hex_decode("CPNMUO", 6, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base32hex_decode("CPNMU0", 6, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base32hex_decode("CPNMUOJ10", 9, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base32hex_decode("CPNMUOJ1E", 9, bin, sizeof(bin), 0), ERR_SYNTAX);
	/* Non-zero trailing bits: "CP" carries 'f' plus the bits 01. */
	assert_int_equal(base32hex_decode("CP", 2, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base32hex_decode("CPNH", 4, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base32hex_decode("CPNMV", 5, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base32hex_decode("CPNMUOH", 7, bin, sizeof(bin), 0), ERR_SYNTAX);
	/* 'W'..'Z' are outside the extended hex alphabet. */
	assert_int_equal(base32hex_decode("CW", 2, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base32hex_decode("cpnmuoj1e8", 10, bin, 5, 0), ERR_LIMIT);
}

static void test_base64_errors(void **state)
{
	(void)state;
	uint8_t bin[16];
	static const char *const bad[] = {
		"Zg",	    /* padding missing */
		"Zg=",	    /* padding short */
		"Zg===",    /* padding long */
		"Zm8",	    /* padding missing */
		"Z",	    /* lone symbol */
		"Z===",	    /* lone symbol, padded */
		"A===",	    /* lone symbol, padded, zero bits */
		"Zm9vA===", /* lone symbol in the last group */
		"====",	    /* only padding */
		"=",	    /* only padding */
		"Zg==Zg==", /* data after padding */
		"Zg=a",	    /* data after padding */
		"Zm=8",	    /* data after padding; "Zm8=" would be fine */
		"Z=m8",	    /* data after padding */
		"Zm9v=",    /* padding after a full group */
		"Zh==",	    /* non-zero trailing bits (4) */
		"Zm9=",	    /* non-zero trailing bits (2) */
		"Zm9v!",    /* bad character */
		"Zm9v-_==", /* base64url is a different alphabet */
		"Zm 9v",    /* whitespace without BASE_WS */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
			base64_decode(bad[i], strlen(bad[i]), bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base64_decode("Zm9v\0", 5, bin, sizeof(bin), 0), ERR_SYNTAX);
	assert_int_equal(base64_decode("Zm9vYmFy", 8, bin, 5, 0), ERR_LIMIT);
	assert_int_equal(base64_decode("Zm9vYmFy", 8, bin, 6, 0), 6);
}

static void test_encode_buffer_size(void **state)
{
	(void)state;
	char out[16];
	/* The text needs strlen + 1 for the NUL. */
	assert_int_equal(base64_encode("foobar", 6, out, 8, 0), ERR_LIMIT);
	assert_int_equal(base64_encode("foobar", 6, out, 9, 0), 8);
	assert_int_equal(base16_encode("foo", 3, out, 6, 0), ERR_LIMIT);
	assert_int_equal(base16_encode("foo", 3, out, 7, 0), 6);
	assert_int_equal(base32hex_encode("foo", 3, out, 5, 0), ERR_LIMIT);
	assert_int_equal(base32hex_encode("foo", 3, out, 6, 0), 5);
	assert_int_equal(base64_encode(NULL, 0, out, 0, 0), ERR_LIMIT);
	assert_int_equal(base64_encode(NULL, 0, out, 1, 0), 0);
	assert_string_equal(out, "");
}

static void test_round_trip(void **state)
{
	(void)state;
	uint8_t data[100], back[100];
	char text[256];
	srand(4648);
	for (size_t n = 0; n <= sizeof(data); n++) {
		for (size_t i = 0; i < n; i++)
			data[i] = (uint8_t)rand();
		enc_fn enc[] = {base16_encode, base32hex_encode, base64_encode};
		dec_fn dec[] = {base16_decode, base32hex_decode, base64_decode};
		for (int k = 0; k < 3; k++) {
			int len = enc[k](data, n, text, sizeof(text), 0);
			assert_true(len >= 0);
			int m = dec[k](text, (size_t)len, back, sizeof(back), 0);
			assert_int_equal(m, (int)n);
			assert_memory_equal(back, data, n);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_case_and_lower),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_base16_errors),
		cmocka_unit_test(test_base32hex_errors),
		cmocka_unit_test(test_base64_errors),
		cmocka_unit_test(test_encode_buffer_size),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
