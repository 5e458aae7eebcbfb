/* Unit tests for lib/keystore/bind: BIND key files, read and written. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/keystore/bind.h"
#include "lib/util/err.h"
#include "lib/util/fileio.h"
#include "tests/unit/tmpdir.h"

static const char *in_dir(const char *name)
{
	static char p[4][2048];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static const uint8_t owner[] = "\x07"
			       "example"
			       "\x03"
			       "com";

/* The RFC 6605 §6.1 key pair (Kexample.net.+013+55648). */
static const char *P256_KEY =
	"example.net. 3600 IN DNSKEY 257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbk"
	"rSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==\n";
static const char *P256_PRIV = "Private-key-format: v1.2\n"
			       "Algorithm: 13 (ECDSAP256SHA256)\n"
			       "PrivateKey: GU6SnQ/Ou+xC5RumuIUIuJZteXT2z0O/ok1s38Et6mQ=\n";

static struct key *p256_pub(void)
{
	struct key *k = NULL;
	char err[BIND_ERR_SIZE];
	assert_int_equal(
		bind_key_parse_public(P256_KEY, strlen(P256_KEY), "t.key", &k, NULL, err), 0);
	return k;
}

/* ---- write, then read back ---- */

static void round_trip(uint8_t alg, unsigned bits, uint16_t flags)
{
	struct key *k = NULL, *r = NULL;
	assert_int_equal(key_generate(alg, bits, flags, owner, &k), 0);
	struct bind_meta meta = {.ttl = 3600, .has_ttl = true};
	meta.time[BIND_CREATED] = 1700000000;
	meta.has_time[BIND_CREATED] = true;
	meta.time[BIND_ACTIVATE] = 1700003600;
	meta.has_time[BIND_ACTIVATE] = true;
	char name[BIND_NAME_MAX], want[64];
	assert_int_equal(bind_key_write(k, &meta, dir, 0, name), 0);
	snprintf(want, sizeof(want), "Kexample.com.+%03u+%05u", alg, k->tag);
	assert_string_equal(name, want);
	struct stat st;
	char file[2048];
	snprintf(file, sizeof(file), "%s/%s.private", dir, name);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(file, sizeof(file), "%s/%s.key", dir, name);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	/* Back through the .key file's name, with the metadata. */
	struct bind_meta got;
	char err[BIND_ERR_SIZE] = "";
	if (bind_key_read(file, &r, &got, err) != 0)
		fail_msg("%s", err);
	assert_true(r->has_private);
	assert_int_equal(r->flags, flags);
	assert_int_equal(r->tag, k->tag);
	assert_int_equal(r->pubkey_len, k->pubkey_len);
	assert_memory_equal(r->pubkey, k->pubkey, k->pubkey_len);
	assert_true(got.has_ttl && got.ttl == 3600);
	assert_true(got.has_time[BIND_CREATED] && got.time[BIND_CREATED] == 1700000000);
	assert_true(got.has_time[BIND_ACTIVATE] && got.time[BIND_ACTIVATE] == 1700003600);
	assert_false(got.has_time[BIND_PUBLISH]);
	uint8_t sig[KEY_SIG_MAX];
	int n = key_sign(r, (const uint8_t *)"x", 1, sig);
	assert_int_equal(key_verify(k, (const uint8_t *)"x", 1, sig, (size_t)n), 0);
	key_free(r);

	/* Two keys can share a tag: an existing file is never replaced unasked. */
	assert_int_equal(bind_key_write(k, &meta, dir, 0, NULL), -EEXIST);
	assert_int_equal(bind_key_write(k, NULL, dir, BIND_REPLACE, NULL), 0);
	assert_int_equal(bind_key_read_public(file, &r, &got, err), 0);
	assert_false(r->has_private);
	assert_false(got.has_ttl);
	key_free(r);
	key_free(k);
}

static void test_round_trip(void **state)
{
	(void)state;
	round_trip(KEY_ALG_RSASHA256, 1024, 256);
	round_trip(KEY_ALG_RSASHA512, 1024, 257);
	round_trip(KEY_ALG_ECDSAP256SHA256, 0, 257);
	round_trip(KEY_ALG_ECDSAP384SHA384, 0, 256);
	round_trip(KEY_ALG_ED25519, 0, 257);
	round_trip(KEY_ALG_ED448, 0, 256);
}

/* The texts, as BIND writes them; read back by any path spelling. */
static void test_format(void **state)
{
	(void)state;
	struct key *pub = p256_pub(), *k = NULL;
	char err[BIND_ERR_SIZE] = "";
	assert_int_equal(bind_key_parse_private(
				 P256_PRIV, strlen(P256_PRIV), "t.private", pub, &k, NULL, err),
		0);
	struct buf b;
	buf_init(&b, 0);
	b.secret = true;
	struct bind_meta meta = {.has_time[BIND_CREATED] = true, .time[BIND_CREATED] = 1281607479};
	assert_int_equal(bind_key_format_private(k, &meta, &b), 0);
	assert_string_equal(buf_cstr(&b),
		"Private-key-format: v1.3\n"
		"Algorithm: 13 (ECDSAP256SHA256)\n"
		"PrivateKey: GU6SnQ/Ou+xC5RumuIUIuJZteXT2z0O/ok1s38Et6mQ=\n"
		"Created: 20100812100439\n");
	buf_clear(&b);
	assert_int_equal(bind_key_format_public(k, &meta, &b), 0);
	assert_string_equal(buf_cstr(&b),
		"; This is a key-signing key, keyid 55648, for example.net.\n"
		"; Created: 20100812100439\n"
		"example.net. IN DNSKEY 257 3 13 "
		"GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cY"
		"bcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==\n");
	buf_deinit(&b);
	char name[BIND_NAME_MAX];
	assert_int_equal(bind_key_write(k, NULL, dir, 0, name), 0);
	assert_string_equal(name, "Kexample.net.+013+55648");
	const char *paths[] = {in_dir(name), in_dir("Kexample.net.+013+55648.private"),
		in_dir("Kexample.net.+013+55648.key")};
	for (int i = 0; i < 3; i++) {
		struct key *r = NULL;
		if (bind_key_read(paths[i], &r, NULL, err) != 0)
			fail_msg("%s: %s", paths[i], err);
		assert_int_equal(r->tag, 55648);
		key_free(r);
	}
	key_free(k);
	key_free(pub);
}

static void test_basename(void **state)
{
	(void)state;
	struct key *k = NULL;
	char name[BIND_NAME_MAX];
	assert_int_equal(key_generate(15, 0, 257, (const uint8_t *)"", &k), 0);
	assert_true(bind_key_basename(k, name, sizeof(name)) > 0);
	char want[32];
	snprintf(want, sizeof(want), "K.+015+%05u", k->tag);
	assert_string_equal(name, want);
	key_free(k);
	/* No '/' or other surprise reaches the file system. */
	static const uint8_t odd[] = "\x05"
				     "A/b.%"
				     "\x02"
				     "x_"
				     "\x03"
				     "COM";
	assert_int_equal(key_generate(15, 0, 257, odd, &k), 0);
	assert_true(bind_key_basename(k, name, sizeof(name)) > 0);
	snprintf(want, sizeof(want), "Ka%%2Fb%%2E%%25.x_.com.+015+%05u", k->tag);
	assert_string_equal(name, want);
	assert_int_equal(bind_key_basename(k, name, strlen(want)), ERR_LIMIT);
	key_free(k);
}

/* ---- what BIND and ldns write ---- */

static void test_bind_v13(void **state)
{
	(void)state;
	static const char *pub_text =
		"; This is a key-signing key, keyid 55648, for example.net.\r\n"
		"; Created: 20261129223931 (Sun Nov 29 22:39:31 2026)\n"
		"example.net. IN DNSKEY 257 3 13 "
		"GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF6 "
		"4cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA== ; with a comment\n";
	static const char *priv_text =
		"Private-key-format: v1.3\r\n"
		"Algorithm: 13 (ECDSAP256SHA256)\r\n"
		"PrivateKey: GU6SnQ/Ou+xC5RumuIUIuJZteXT2z0O/ok1s38Et6mQ=\r\n"
		"Created: 20261129223931\n"
		"Publish: 20261129223931\n"
		"Activate: 20261129223931\n"
		"\n"
		"Successor: 12345\n"
		"Lifetime: 0\n";
	struct key *pub = NULL, *k = NULL;
	struct bind_meta meta = {0};
	char err[BIND_ERR_SIZE] = "";
	if (bind_key_parse_public(pub_text, strlen(pub_text), "t.key", &pub, &meta, err) != 0)
		fail_msg("%s", err);
	assert_false(meta.has_ttl);
	if (bind_key_parse_private(priv_text, strlen(priv_text), "t.private", pub, &k, &meta, err))
		fail_msg("%s", err);
	assert_int_equal(k->tag, 55648);
	assert_true(meta.has_time[BIND_PUBLISH]);
	assert_int_equal(meta.time[BIND_ACTIVATE], 1795991971);
	assert_false(meta.has_time[BIND_INACTIVE]);
	key_free(k);
	key_free(pub);
}

/* ---- errors: code and message ---- */

static void expect_public_error(const char *text, int code, const char *want)
{
	struct key *k = NULL;
	char err[BIND_ERR_SIZE] = "";
	int rc = bind_key_parse_public(text, strlen(text), "t.key", &k, NULL, err);
	if (rc != code || !strstr(err, want))
		fail_msg("'%s': got %d '%s', wanted %d '%s'", text, rc, err, code, want);
	assert_null(k);
}

static void test_public_errors(void **state)
{
	(void)state;
	const char *ok =
		"example.net. IN DNSKEY 257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6ed"
		"bkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==\n";
	char text[1024];
	expect_public_error("", ERR_SYNTAX, "t.key: no DNSKEY record");
	expect_public_error("; only a comment\n", ERR_SYNTAX, "t.key: no DNSKEY record");
	expect_public_error("example.net. IN DNSKEY 257 3 13 Goj!hhXU\n", ERR_SYNTAX, "t.key:1: ");
	expect_public_error(
		"\nexample.net. IN A 192.0.2.1\n", ERR_SYNTAX, "t.key:2: a A record, not a DNSKEY");
	snprintf(text, sizeof(text), "%s%s", ok, ok);
	expect_public_error(text, ERR_SYNTAX, "t.key:2: more than one record");
	expect_public_error("example.net. IN DNSKEY 257 3 5 AwEAAcFcGsaxxdgiuuGmCkVI\n", ERR_UNSUPP,
		"t.key:1: algorithm 5 (RSASHA1) is not supported");
	expect_public_error("example.net. IN DNSKEY 257 3 13 AwEAAcFcGsaxxdgiuuGmCkVI\n",
		ERR_SYNTAX, "t.key:1: ECDSAP256SHA256 public key: malformed");
	expect_public_error("example.net. IN DNSKEY 257 2 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX"
			    "1SxZJA4=\n",
		ERR_SYNTAX, "t.key:1: protocol 2, not 3");
	expect_public_error("example.net. IN DNSKEY 1 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1S"
			    "xZJA4=\n",
		ERR_SYNTAX, "t.key:1: flags 1: not a zone key");
	expect_public_error("example.net. CH DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQE"
			    "X1SxZJA4=\n",
		ERR_SYNTAX, "t.key:1: "); /* zscanner knows DNSKEY in class IN only */
	expect_public_error(
		"$INCLUDE /etc/passwd\n", ERR_SYNTAX, "t.key:1: $INCLUDE in a key file");
	static char big[LIMIT_KEY_FILE_SIZE + 2];
	memset(big, ';', sizeof(big) - 1);
	expect_public_error(big, ERR_LIMIT, "t.key: larger than 65536 octets");
}

static void expect_private_error(const char *text, int code, const char *want)
{
	struct key *pub = p256_pub(), *k = NULL;
	char err[BIND_ERR_SIZE] = "";
	int rc = bind_key_parse_private(text, strlen(text), "t.private", pub, &k, NULL, err);
	if (rc != code || !strstr(err, want))
		fail_msg("'%s': got %d '%s', wanted %d '%s'", text, rc, err, code, want);
	assert_null(k);
	key_free(pub);
}

#define HEAD "Private-key-format: v1.2\nAlgorithm: 13 (ECDSAP256SHA256)\n"
#define GOOD "PrivateKey: GU6SnQ/Ou+xC5RumuIUIuJZteXT2z0O/ok1s38Et6mQ=\n"

static void test_private_errors(void **state)
{
	(void)state;
	expect_private_error("", ERR_SYNTAX, "t.private: empty file");
	expect_private_error("Algorithm: 13\n" GOOD, ERR_SYNTAX,
		"t.private:1: not a private key file (no Private-key-format line)");
	expect_private_error("Private-key-format: v2.0\n", ERR_UNSUPP,
		"t.private:1: Private-key-format v2.0 is not supported");
	expect_private_error("Private-key-format: v1.x\n", ERR_SYNTAX, "t.private:1: bad Private");
	expect_private_error(
		"Private-key-format: v1.2\n" GOOD, ERR_SYNTAX, "t.private: no Algorithm line");
	expect_private_error("Private-key-format: v1.2\nAlgorithm: 15 (ED25519)\n" GOOD, ERR_INVAL,
		"t.private:2: algorithm 15, but the .key file has 13");
	expect_private_error("Private-key-format: v1.2\nAlgorithm: 7\n" GOOD, ERR_UNSUPP,
		"t.private:2: algorithm 7 (RSASHA1-NSEC3-SHA1) is not supported");
	expect_private_error("Private-key-format: v1.2\nAlgorithm: thirteen\n", ERR_SYNTAX,
		"t.private:2: bad Algorithm 'thirteen'");
	expect_private_error("Private-key-format: v1.2\nAlgorithm: 1300\n", ERR_SYNTAX,
		"t.private:2: bad Algorithm");
	expect_private_error(
		HEAD "Algorithm: 13\n" GOOD, ERR_SYNTAX, "t.private:3: a second Algorithm line");
	expect_private_error(HEAD, ERR_SYNTAX, "t.private: no PrivateKey line");
	expect_private_error(HEAD "PrivateKey: GU6SnQ/Ou+xC5Rum!IUIuJZteXT2z0O/ok1s38Et6mQ=\n",
		ERR_SYNTAX, "t.private:3: PrivateKey: bad base64");
	expect_private_error(
		HEAD "PrivateKey:\n", ERR_SYNTAX, "t.private:3: PrivateKey: bad base64");
	expect_private_error(HEAD GOOD GOOD, ERR_SYNTAX, "t.private:4: a second PrivateKey line");
	expect_private_error(HEAD GOOD "Modulus: AQAB\n", ERR_SYNTAX,
		"t.private:4: Modulus is not a field of ECDSAP256SHA256 keys");
	expect_private_error(HEAD "PrivateKey: AQAB\n", ERR_INVAL,
		"t.private: the private key does not match the public key of the .key file");
	expect_private_error(HEAD "PrivateKey: //////////////////////////////////////////8=\n",
		ERR_INVAL, "t.private: not a valid ECDSAP256SHA256 private key");
	expect_private_error(HEAD GOOD "Created: 2010\n", ERR_SYNTAX,
		"t.private:4: Created: bad time '2010' (YYYYMMDDHHMMSS)");
	expect_private_error(HEAD "Label: pkcs11:token=x\n", ERR_UNSUPP,
		"t.private:3: keys kept in an OpenSSL engine or HSM (Label) are not supported");
	expect_private_error(
		HEAD "just words\n", ERR_SYNTAX, "t.private:3: expected 'Field: value'");
	expect_private_error(HEAD ": value\n", ERR_SYNTAX, "t.private:3: expected 'Field: value'");
	static char big[LIMIT_KEY_FILE_SIZE + 2];
	memset(big, '\n', sizeof(big) - 1);
	expect_private_error(big, ERR_LIMIT, "t.private: larger than");
	/* Past the limit of one field. */
	char text[2048] = HEAD "PrivateKey: ";
	size_t n = strlen(text);
	memset(text + n, 'A', 1000);
	text[n + 1000] = 0;
	expect_private_error(text, ERR_LIMIT, "t.private:3: PrivateKey: longer than 512 octets");
}

/* RSA: every field is needed and they must belong together. */
static void test_rsa_private_errors(void **state)
{
	(void)state;
	struct key *k = NULL, *pub = NULL, *r = NULL;
	assert_int_equal(key_generate(8, 1024, 256, owner, &k), 0);
	struct buf t;
	buf_init(&t, 0);
	assert_int_equal(bind_key_format_public(k, NULL, &t), 0);
	char err[BIND_ERR_SIZE] = "";
	assert_int_equal(
		bind_key_parse_public((const char *)t.data, t.len, "r.key", &pub, NULL, err), 0);
	buf_clear(&t);
	assert_int_equal(bind_key_format_private(k, NULL, &t), 0);
	const char *text = buf_cstr(&t);
	/* Without the Coefficient line. */
	const char *co = strstr(text, "Coefficient:");
	assert_int_equal(
		bind_key_parse_private(text, (size_t)(co - text), "r.private", pub, &r, NULL, err),
		ERR_SYNTAX);
	assert_string_equal(err, "r.private: no Coefficient line");
	/* With a wrong PrivateExponent. */
	char *d = strstr((char *)t.data, "PrivateExponent: ") + 17;
	*d = *d == 'A' ? 'B' : 'A';
	assert_int_equal(
		bind_key_parse_private(text, t.len, "r.private", pub, &r, NULL, err), ERR_INVAL);
	assert_string_equal(err,
		"r.private: not a valid RSASHA256 private key (its fields do not belong together)");
	assert_null(r);
	buf_deinit(&t);
	key_free(pub);
	key_free(k);
}

static void test_missing_files(void **state)
{
	(void)state;
	struct key *k = NULL;
	char err[BIND_ERR_SIZE] = "";
	assert_int_equal(bind_key_read(in_dir("Knone.+013+00001"), &k, NULL, err), -ENOENT);
	char want[600];
	snprintf(want, sizeof(want), "%s/Knone.+013+00001.key: cannot read: %s", dir,
		strerror(ENOENT));
	assert_string_equal(err, want);
	/* A .key without its .private. */
	assert_int_equal(
		fileio_write_data(in_dir("Konly.key"), 0644, 0, P256_KEY, strlen(P256_KEY)), 0);
	assert_int_equal(bind_key_read(in_dir("Konly"), &k, NULL, err), -ENOENT);
	snprintf(want, sizeof(want), "%s/Konly.private: cannot read", dir);
	assert_non_null(strstr(err, want));
	assert_int_equal(bind_key_read_public(in_dir("Konly.private"), &k, NULL, err), 0);
	key_free(k);
	/* Writing a public-only key makes no sense. */
	struct key *pub = p256_pub();
	assert_int_equal(bind_key_write(pub, NULL, dir, 0, NULL), ERR_INVAL);
	key_free(pub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_basename),
		cmocka_unit_test(test_bind_v13),
		cmocka_unit_test(test_public_errors),
		cmocka_unit_test(test_private_errors),
		cmocka_unit_test(test_rsa_private_errors),
		cmocka_unit_test(test_missing_files),
	};
	return cmocka_run_group_tests(tests, dir_setup, dir_teardown);
}
