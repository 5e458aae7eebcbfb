/* Unit tests for lib/conf/policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <unistd.h>

#include "lib/conf/policy.h"
#include "lib/conf/template.h"
#include "lib/limits.h"
#include "lib/util/buf.h"
#include "lib/util/err.h"
#include "lib/util/fileio.h"
#include "lib/util/timespan.h"

/* ---- helpers ---- */

/* The names the test environment knows. */
static bool known(const char *const *names, const char *name)
{
	for (size_t i = 0; names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static bool tsig_exists(void *ctx, const char *name)
{
	(void)ctx;
	static const char *const keys[] = {"k1", "k2", "notify-key", "xfr", "x", "a^b \"q\"", NULL};
	return known(keys, name);
}

static bool hsm_exists(void *ctx, const char *id)
{
	int *calls = ctx;
	(*calls)++;
	static const char *const hsms[] = {"hsm1", NULL};
	return known(hsms, id);
}

static int hsm_calls;
static const struct policy_env env = {tsig_exists, hsm_exists, &hsm_calls};

/* Parses text over the defaults with the test environment; warnings (when
 * not NULL) receive the warnings. Fails the test when it is refused. */
static void parse_ok(const char *text, struct policy *p, struct buf *warnings)
{
	char err[POLICY_ERR_SIZE];
	assert_int_equal(policy_init_defaults(p, "test"), 0);
	int rc = policy_parse(p, text, strlen(text), "p.toml", &env, warnings, err);
	if (rc != 0)
		fail_msg("refused (%s): %s\n---\n%s", err_str(rc), err, text);
}

/* Whether "version = \"v1\"\n" + body is refused with code and exactly
 * the message want; says what it got when not. */
static bool parse_bad(const char *body, int code, const char *want)
{
	struct policy p;
	char err[POLICY_ERR_SIZE] = "", text[2048];
	snprintf(text, sizeof(text), "version = \"v1\"\n%s", body);
	assert_int_equal(policy_init_defaults(&p, "test"), 0);
	int rc = policy_parse(&p, text, strlen(text), "p.toml", &env, NULL, err);
	policy_deinit(&p);
	if (rc == code && strcmp(err, want) == 0)
		return true;
	print_message("---\n%s---\ngot  %d \"%s\"\nwant %d \"%s\"\n", text, rc, err, code, want);
	return false;
}

/* Parses, formats, parses the text again: the two must be equal, and the
 * second format must give the same text. */
static void round_trip(const struct policy *p)
{
	struct buf a, b;
	struct policy q;
	buf_init(&a, 0);
	buf_init(&b, 0);
	assert_int_equal(policy_format(p, &a), 0);
	parse_ok(buf_cstr(&a), &q, NULL);
	if (!policy_equal(p, &q))
		fail_msg("the formatted policy reads back different:\n%s", buf_cstr(&a));
	free(q.name); /* the name is only in a comment line; make it the same */
	q.name = strdup(p->name);
	assert_int_equal(policy_format(&q, &b), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	policy_deinit(&q);
	buf_deinit(&a);
	buf_deinit(&b);
}

static void peer_is(const struct policy_peer *p, const char *addr, const char *key)
{
	assert_string_equal(p->addr, addr);
	if (key)
		assert_string_equal(p->tsig_key, key);
	else
		assert_null(p->tsig_key);
}

/* ---- defaults and every key ---- */

static void assert_default_review(const struct policy_review *r)
{
	assert_int_equal(r->mode, POLICY_REVIEW_OFF);
	assert_null(r->hook);
	assert_int_equal(r->on_reject, POLICY_REJECT_DISCARD);
	assert_int_equal(r->hook_timeout, 600);
}

static void assert_timing(
	const struct policy_sig_timing *t, int64_t inc, int64_t life, int64_t remain)
{
	assert_int_equal(t->inception_offset, inc);
	assert_int_equal(t->lifetime, life);
	assert_int_equal(t->remain_time, remain);
}

static void assert_auto(const struct policy_auto *a, bool v)
{
	assert_int_equal(a->start, v);
	assert_int_equal(a->report, v);
	assert_int_equal(a->expire, v);
	assert_int_equal(a->done, v);
}

static void test_defaults(void **state)
{
	(void)state;
	struct policy p, q;
	assert_int_equal(policy_init_defaults(&p, "default"), 0);
	assert_string_equal(p.name, "default");
	assert_default_review(&p.loader_review);
	assert_int_equal(p.ksk_validity, 365 * 86400);
	assert_int_equal(p.zsk_validity, 30 * 86400);
	assert_int_equal(p.csk_validity, 365 * 86400);
	assert_auto(&p.ksk_auto, true);
	assert_auto(&p.zsk_auto, true);
	assert_auto(&p.csk_auto, true);
	assert_auto(&p.alg_auto, true);
	assert_int_equal(p.ds_algorithm, 2);
	assert_true(p.auto_remove);
	assert_int_equal(p.auto_remove_delay, 7 * 86400);
	assert_int_equal(p.publication_nameservers.n, 0);
	assert_int_equal(p.records_ttl, 3600);
	assert_timing(&p.dnskey_timing, 86400, 14 * 86400, 7 * 86400);
	assert_timing(&p.cds_timing, 86400, 14 * 86400, 7 * 86400);
	assert_null(p.hsm_server_id);
	assert_false(p.use_csk);
	assert_int_equal(p.algorithm, 13);
	assert_int_equal(p.rsa_bits, 2048);
	assert_int_equal(p.serial_policy, SERIAL_DATE_COUNTER);
	assert_timing(&p.timing, 86400, 14 * 86400, 7 * 86400);
	assert_int_equal(p.refresh_interval, 12 * 3600);
	assert_int_equal(p.key_roll_time, 24 * 3600);
	assert_false(p.nsec3);
	assert_false(p.opt_out);
	assert_int_equal(p.iterations, 0);
	assert_int_equal(p.salt_len, 0);
	assert_default_review(&p.signer_review);
	assert_int_equal(p.send_notify_to.n, 0);
	assert_int_equal(p.provide_xfr_to.n, 0);
	assert_int_equal(p.max_diffs, 5);
	assert_int_equal(p.max_diffs_size, 20);
	assert_null(p.zone_file);
	/* a file with the version only, and empty sections, changes nothing */
	parse_ok("version = \"v1\"\n[loader.review]\n[key-manager.records]\n[signer.denial]\n"
		 "[server.outbound]\n",
		&q, NULL);
	assert_true(policy_equal(&p, &q));
	round_trip(&p);
	policy_deinit(&p);
	policy_deinit(&q);
	assert_null(p.name);
	policy_deinit(&p); /* twice is harmless */
}

static const char every_key[] =
	"version = \"v1\"\n"
	"[loader]\n"
	"max-transfer-size = 1000000\n"
	"max-transfer-messages = 300\n"
	"transfer-timeout = \"90s\"\n"
	"[loader.review]\n"
	"mode = \"script\"\n"
	"hook = \"/bin/check unsigned\"\n"
	"on-reject = \"halt\"\n"
	"hook-timeout = 90\n"
	"[key-manager]\n"
	"ksk = { validity = \"forever\", auto-start = false, auto-report = false, "
	"auto-expire = false, auto-done = false }\n"
	"zsk.validity = \"P10D\"\n"
	"zsk.auto-start = false\nzsk.auto-report = false\n"
	"zsk.auto-expire = false\nzsk.auto-done = false\n"
	"csk.validity = 86400\n"
	"csk.auto-start = false\ncsk.auto-report = false\n"
	"csk.auto-expire = false\ncsk.auto-done = false\n"
	"algorithm.auto-start = false\nalgorithm.auto-report = false\n"
	"algorithm.auto-expire = false\nalgorithm.auto-done = false\n"
	"ds-algorithm = \"SHA-384\"\n"
	"auto-remove = false\n"
	"auto-remove-delay = \"1d 2h 3m 4s\"\n"
	"publication-nameservers = [\"192.0.2.1\", \"[2001:db8::1]:5353^k1\", "
	"{ addr = \"192.0.2.2:53\", tsig-key-name = \"k2\" }]\n"
	"[key-manager.records]\n"
	"ttl = \"2h\"\n"
	"dnskey.signature-inception-offset = \"2h\"\n"
	"dnskey.signature-lifetime = \"3w\"\n"
	"dnskey.signature-remain-time = \"10d\"\n"
	"cds.signature-inception-offset = 600\n"
	"cds.signature-lifetime = \"20d\"\n"
	"cds.signature-remain-time = \"5d\"\n"
	"[key-manager.generation]\n"
	"hsm-server-id = \"hsm1\"\n"
	"use-csk = true\n"
	"algorithm = \"RSASHA512:3072\"\n"
	"[signer]\n"
	"serial-policy = \"unix-time\"\n"
	"signature-inception-offset = \"3h\"\n"
	"signature-lifetime = \"30d\"\n"
	"signature-remain-time = \"10d\"\n"
	"signature-refresh-interval = \"6h\"\n"
	"key-roll-time = \"2d\"\n"
	"[signer.denial]\n"
	"type = \"nsec3\"\n"
	"opt-out = true\n"
	"iterations = 5\n"
	"salt = \"DEADbeef\"\n"
	"[signer.review]\n"
	"mode = \"manual\"\n"
	"hook = \"/bin/x\"\n"
	"on-reject = \"halt\"\n"
	"hook-timeout = \"1h\"\n"
	"[server.outbound]\n"
	"send-notify-to = [\"192.0.2.3\", \"192.0.2.4:5353^notify-key\", \"::1\"]\n"
	"provide-xfr-to = [\"192.0.2.0/24\", \"2001:db8::/32^xfr\", "
	"{ addr = \"[::1]:53\", tsig-key-name = \"x\" }]\n"
	"max-diffs = 0\n"
	"max-diffs-size = 150\n"
	"zone-file = \"/var/lib/cascade/signed/{zone}.zone\"\n";

static void test_every_key(void **state)
{
	(void)state;
	struct policy p;
	struct buf w;
	buf_init(&w, 0);
	hsm_calls = 0;
	parse_ok(every_key, &p, &w);
	assert_int_equal(hsm_calls, 1);
	assert_int_equal(p.loader_review.mode, POLICY_REVIEW_SCRIPT);
	assert_int_equal(p.xfr_max_octets, 1000000);
	assert_int_equal(p.xfr_max_messages, 300);
	assert_int_equal(p.xfr_timeout, 90);
	assert_string_equal(p.loader_review.hook, "/bin/check unsigned");
	assert_int_equal(p.loader_review.on_reject, POLICY_REJECT_HALT);
	assert_int_equal(p.loader_review.hook_timeout, 90);
	assert_int_equal(p.ksk_validity, TIMESPAN_FOREVER);
	assert_int_equal(p.zsk_validity, 10 * 86400);
	assert_int_equal(p.csk_validity, 86400);
	assert_auto(&p.ksk_auto, false);
	assert_auto(&p.zsk_auto, false);
	assert_auto(&p.csk_auto, false);
	assert_auto(&p.alg_auto, false);
	assert_int_equal(p.ds_algorithm, 4);
	assert_false(p.auto_remove);
	assert_int_equal(p.auto_remove_delay, 93784);
	assert_int_equal(p.publication_nameservers.n, 3);
	peer_is(&p.publication_nameservers.v[0], "192.0.2.1", NULL);
	peer_is(&p.publication_nameservers.v[1], "[2001:db8::1]:5353", "k1");
	peer_is(&p.publication_nameservers.v[2], "192.0.2.2:53", "k2");
	assert_int_equal(p.records_ttl, 7200);
	assert_timing(&p.dnskey_timing, 7200, 21 * 86400, 10 * 86400);
	assert_timing(&p.cds_timing, 600, 20 * 86400, 5 * 86400);
	assert_string_equal(p.hsm_server_id, "hsm1");
	assert_true(p.use_csk);
	assert_int_equal(p.algorithm, 10);
	assert_int_equal(p.rsa_bits, 3072);
	assert_int_equal(p.serial_policy, SERIAL_UNIX_TIME);
	assert_timing(&p.timing, 3 * 3600, 30 * 86400, 10 * 86400);
	assert_int_equal(p.refresh_interval, 6 * 3600);
	assert_int_equal(p.key_roll_time, 2 * 86400);
	assert_true(p.nsec3);
	assert_true(p.opt_out);
	assert_int_equal(p.iterations, 5);
	assert_int_equal(p.salt_len, 4);
	assert_memory_equal(p.salt, "\xde\xad\xbe\xef", 4);
	assert_int_equal(p.signer_review.mode, POLICY_REVIEW_MANUAL);
	assert_string_equal(p.signer_review.hook, "/bin/x");
	assert_int_equal(p.signer_review.on_reject, POLICY_REJECT_HALT);
	assert_int_equal(p.signer_review.hook_timeout, 3600);
	assert_int_equal(p.send_notify_to.n, 3);
	peer_is(&p.send_notify_to.v[0], "192.0.2.3", NULL);
	peer_is(&p.send_notify_to.v[1], "192.0.2.4:5353", "notify-key");
	peer_is(&p.send_notify_to.v[2], "::1", NULL);
	assert_int_equal(p.provide_xfr_to.n, 3);
	peer_is(&p.provide_xfr_to.v[0], "192.0.2.0/24", NULL);
	peer_is(&p.provide_xfr_to.v[1], "2001:db8::/32", "xfr");
	peer_is(&p.provide_xfr_to.v[2], "[::1]:53", "x");
	assert_int_equal(p.max_diffs, 0);
	assert_int_equal(p.max_diffs_size, 150);
	assert_string_equal(p.zone_file, "/var/lib/cascade/signed/{zone}.zone");
	/* iterations and salt are accepted with RFC 9276's advice */
	assert_string_equal(buf_cstr(&w),
		"p.toml:53:14: key 'signer.denial.iterations': extra iterations add cost, not "
		"safety; 0 is recommended (RFC 9276 §3.1)\n"
		"p.toml:54:8: key 'signer.denial.salt': a salt adds nothing against zone walking; "
		"\"-\" is recommended (RFC 9276 §3.1)\n");
	round_trip(&p);
	buf_deinit(&w);
	policy_deinit(&p);
}

/* policy_format() writes what the schema calls things. */
static void test_format_text(void **state)
{
	(void)state;
	struct policy p;
	struct buf out;
	buf_init(&out, 0);
	parse_ok(every_key, &p, NULL);
	assert_int_equal(policy_format(&p, &out), 0);
	static const char *const lines[] = {
		"version = \"v1\"\n",
		"\n[loader.review]\nmode = \"script\"\nhook = \"/bin/check unsigned\"\n"
		"on-reject = \"halt\"\nhook-timeout = \"1m 30s\"\n",
		"ksk.validity = \"forever\"\n",
		"zsk.validity = \"10d\"\n",
		"algorithm.auto-done = false\n",
		"ds-algorithm = \"SHA-384\"\n",
		"auto-remove-delay = \"1d 2h 3m 4s\"\n",
		"publication-nameservers = [\"192.0.2.1\", \"[2001:db8::1]:5353^k1\", "
		"\"192.0.2.2:53^k2\"]\n",
		"cds.signature-inception-offset = \"10m\"\n",
		"hsm-server-id = \"hsm1\"\n",
		"algorithm = \"RSASHA512:3072\"\n",
		"serial-policy = \"unix-time\"\n",
		"[signer.denial]\ntype = \"nsec3\"\nopt-out = true\niterations = 5\n"
		"salt = \"deadbeef\"\n",
		"provide-xfr-to = [\"192.0.2.0/24\", \"2001:db8::/32^xfr\", \"[::1]:53^x\"]\n",
		"max-diffs = 0\nmax-diffs-size = 150\n"
		"zone-file = \"/var/lib/cascade/signed/{zone}.zone\"\n",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (!strstr(buf_cstr(&out), lines[i]))
			fail_msg("no \"%s\" in\n%s", lines[i], buf_cstr(&out));
	policy_deinit(&p);
	/* the defaults: no hook or HSM to write, no on-reject while review is off */
	buf_clear(&out);
	assert_int_equal(policy_init_defaults(&p, "d"), 0);
	assert_int_equal(policy_format(&p, &out), 0);
	assert_non_null(strstr(buf_cstr(&out),
		"[loader.review]\nmode = \"off\"\n# hook: none\n"
		"hook-timeout = \"10m\"\n"));
	assert_non_null(strstr(buf_cstr(&out), "# hsm-server-id: none"));
	assert_non_null(strstr(buf_cstr(&out), "type = \"nsec\"\niterations = 0\nsalt = \"-\"\n"));
	assert_non_null(strstr(buf_cstr(&out), "zone-file = \"\"\n"));
	assert_null(strstr(buf_cstr(&out), "on-reject"));
	assert_null(strstr(buf_cstr(&out), "opt-out"));
	policy_deinit(&p);
	buf_deinit(&out);
}

/* Strings that need escapes, a key name holding '^', RSA at 1024 bits,
 * a 255-octet salt: all come back through the text. */
static void test_round_trip_odd(void **state)
{
	(void)state;
	struct policy p;
	struct buf w;
	char text[2048], salt[511];
	for (int i = 0; i < 510; i++)
		salt[i] = "0123456789abcdef"[i % 16];
	salt[510] = 0;
	snprintf(text, sizeof(text),
		"version = \"v1\"\n"
		"[signer.review]\nmode = \"script\"\nhook = \"a \\\"b\\\"\\\\c\\n\\td\\u0001 "
		"\\u00e9\"\n"
		"[key-manager.generation]\nalgorithm = \"rsasha256:1024\"\n"
		"[signer]\nsignature-lifetime = 651601\n"
		"[signer.denial]\ntype = \"nsec3\"\nopt-out = false\nsalt = \"%s\"\n"
		"[server.outbound]\nsend-notify-to = [{ addr = \"192.0.2.1\", "
		"tsig-key-name = \"a^b \\\"q\\\"\" }]\n",
		salt);
	buf_init(&w, 0);
	parse_ok(text, &p, &w);
	assert_string_equal(p.signer_review.hook, "a \"b\"\\c\n\td\x01 \xc3\xa9");
	assert_int_equal(p.algorithm, 8);
	assert_int_equal(p.rsa_bits, 1024);
	assert_int_equal(p.salt_len, 255);
	assert_int_equal(p.timing.lifetime, 651601);
	peer_is(&p.send_notify_to.v[0], "192.0.2.1", "a^b \"q\"");
	assert_non_null(strstr(buf_cstr(&w),
		"p.toml:6:13: key 'key-manager.generation.algorithm': "
		"RSA keys of fewer than 2048 bits are weak (RFC 8624 "
		"§3.1)\n"));
	round_trip(&p);
	policy_deinit(&p);
	buf_deinit(&w);
}

/* ---- errors ---- */

/* Every refusal, with its exact message and place. */
static const struct {
	const char *body;
	int code;
	const char *msg;
} error_cases[] = {
	{"version = \"v1\"\n", ERR_SYNTAX,
		"p.toml:2:1: duplicate key 'version' (first "
		"defined at 1:1)"},
	{"name = \"x\"\n", ERR_INVAL, "p.toml:2:1: unknown key 'name'"},
	{"[loader]\nreview.required = true\n", ERR_INVAL,
		"p.toml:3:8: unknown key 'loader.review.required'"},
	{"[loader.review]\ncmd-hook = \"x\"\n", ERR_INVAL,
		"p.toml:3:1: unknown key 'loader.review.cmd-hook'"},
	{"[loader]\nx = 1\n", ERR_INVAL, "p.toml:3:1: unknown key 'loader.x'"},
	{"[loader.review]\nmode = \"auto\"\n", ERR_INVAL,
		"p.toml:3:8: key 'loader.review.mode': expected one of off, manual, "
		"script"},
	{"[loader.review]\nmode = \"script\"\n", ERR_INVAL,
		"p.toml:3:8: key 'loader.review.hook': missing; required when mode is "
		"\"script\""},
	{"[loader.review]\nhook = \"\"\n", ERR_INVAL,
		"p.toml:3:8: key 'loader.review.hook': must not be empty"},
	{"[signer.review]\non-reject = \"halt\"\n", ERR_INVAL,
		"p.toml:3:13: key 'signer.review.on-reject': only allowed when mode is "
		"\"manual\" or \"script\""},
	{"[signer.review]\nmode = \"manual\"\non-reject = \"stop\"\n", ERR_INVAL,
		"p.toml:4:13: key 'signer.review.on-reject': expected one of discard, "
		"halt"},
	{"[signer.review]\nhook-timeout = 0\n", ERR_INVAL,
		"p.toml:3:16: key 'signer.review.hook-timeout': must be at least 1 second"},
	{"[key-manager]\nalgorithm.validity = \"1d\"\n", ERR_INVAL,
		"p.toml:3:11: unknown key 'key-manager.algorithm.validity'"},
	{"[key-manager]\nksk.auto_start = true\n", ERR_INVAL,
		"p.toml:3:5: unknown key 'key-manager.ksk.auto_start' (did you mean "
		"'auto-start'?)"},
	{"[key-manager]\nksk.auto-start = 1\n", ERR_INVAL,
		"p.toml:3:18: key 'key-manager.ksk.auto-start': expected a boolean, found "
		"an "
		"integer"},
	{"[key-manager]\nksk = \"365d\"\n", ERR_INVAL,
		"p.toml:3:7: key 'key-manager.ksk': expected a table, found a string"},
	{"[key-manager]\nzsk.validity = true\n", ERR_INVAL,
		"p.toml:3:16: key 'key-manager.zsk.validity': expected a duration "
		"(seconds, a "
		"string such as \"30d\", or \"forever\"), found a boolean"},
	{"[key-manager]\nds-algorithm = \"SHA256\"\n", ERR_INVAL,
		"p.toml:3:16: key 'key-manager.ds-algorithm': expected one of SHA-256, "
		"SHA-384"},
	{"[key-manager]\nauto-remove-delay = -1\n", ERR_INVAL,
		"p.toml:3:21: key 'key-manager.auto-remove-delay': invalid duration -1: "
		"negative spans are not allowed"},
	{"[key-manager.records]\nttl = 2147483648\n", ERR_INVAL,
		"p.toml:3:7: key 'key-manager.records.ttl': must be at most 2147483647 "
		"seconds (RFC 2181 §8)"},
	{"[key-manager.records]\nrrsig.signature-lifetime = \"1w\"\n", ERR_INVAL,
		"p.toml:3:1: unknown key 'key-manager.records.rrsig'"},
	{"[key-manager.records]\ncds.ttl = 5\n", ERR_INVAL,
		"p.toml:3:5: unknown key 'key-manager.records.cds.ttl'"},
	{"[key-manager.generation]\nalgorithm = \"RSASHA1\"\n", ERR_INVAL,
		"p.toml:3:13: key 'key-manager.generation.algorithm': expected one of "
		"RSASHA256[:BITS], RSASHA512[:BITS], ECDSAP256SHA256, ECDSAP384SHA384, "
		"ED25519, ED448"},
	{"[key-manager.generation]\nalgorithm = \"13\"\n", ERR_INVAL,
		"p.toml:3:13: key 'key-manager.generation.algorithm': expected one of "
		"RSASHA256[:BITS], RSASHA512[:BITS], ECDSAP256SHA256, ECDSAP384SHA384, "
		"ED25519, ED448"},
	{"[key-manager.generation]\nalgorithm = \"ED25519:256\"\n", ERR_INVAL,
		"p.toml:3:13: key 'key-manager.generation.algorithm': only RSA algorithms "
		"take a key size"},
	{"[key-manager.generation]\nalgorithm = \"RSASHA256:512\"\n", ERR_INVAL,
		"p.toml:3:13: key 'key-manager.generation.algorithm': RSA keys must be "
		"1024 "
		"to 4096 bits"},
	{"[key-manager.generation]\nalgorithm = \"RSASHA256:4097\"\n", ERR_INVAL,
		"p.toml:3:13: key 'key-manager.generation.algorithm': RSA keys must be "
		"1024 "
		"to 4096 bits"},
	{"[key-manager.generation]\nalgorithm = \"RSASHA256:\"\n", ERR_INVAL,
		"p.toml:3:13: key 'key-manager.generation.algorithm': RSA keys must be "
		"1024 "
		"to 4096 bits"},
	{"[key-manager.generation]\nhsm-server-id = \"nohsm\"\n", ERR_INVAL,
		"p.toml:3:17: key 'key-manager.generation.hsm-server-id': no HSM named "
		"\"nohsm\" (add it with `cascade hsm add`)"},
	{"[key-manager.generation]\nuse-csk = \"yes\"\n", ERR_INVAL,
		"p.toml:3:11: key 'key-manager.generation.use-csk': expected a boolean, "
		"found "
		"a string"},
	{"[signer]\nserial-policy = \"date\"\n", ERR_INVAL,
		"p.toml:3:17: key 'signer.serial-policy': expected one of keep, counter, "
		"unix-time, date-counter"},
	{"[signer]\nserial-policy = 1\n", ERR_INVAL,
		"p.toml:3:17: key 'signer.serial-policy': expected a string, found an "
		"integer"},
	{"[signer]\nsignature-lifetime = 1.5\n", ERR_INVAL,
		"p.toml:3:22: key 'signer.signature-lifetime': expected a duration "
		"(seconds, "
		"or a string such as \"1d\"), found a float"},
	{"[signer.denial]\ntype = \"nsec5\"\n", ERR_INVAL,
		"p.toml:3:8: key 'signer.denial.type': expected one of nsec, nsec3"},
	{"[signer.denial]\ntype = \"nsec3\"\n", ERR_INVAL,
		"p.toml:3:8: key 'signer.denial.opt-out': missing; required when type is "
		"\"nsec3\""},
	{"[signer.denial]\niterations = 501\n", ERR_INVAL,
		"p.toml:3:14: key 'signer.denial.iterations': must be at most 500; "
		"validators "
		"treat more as insecure (RFC 9276 §3.2)"},
	{"[signer.denial]\niterations = -1\n", ERR_INVAL,
		"p.toml:3:14: key 'signer.denial.iterations': -1 is out of range (0 to "
		"65535)"},
	{"[signer.denial]\nsalt = \"abc\"\n", ERR_INVAL,
		"p.toml:3:8: key 'signer.denial.salt': expected \"-\" (none) or an even "
		"number "
		"of hex digits (RFC 5155 §3.3)"},
	{"[signer.denial]\nsalt = \"zz\"\n", ERR_INVAL,
		"p.toml:3:8: key 'signer.denial.salt': expected \"-\" (none) or an even "
		"number "
		"of hex digits (RFC 5155 §3.3)"},
	{"[signer.denial]\nsalt = \"\"\n", ERR_INVAL,
		"p.toml:3:8: key 'signer.denial.salt': must not be empty"},
	{"[server]\ninbound = 1\n", ERR_INVAL, "p.toml:3:1: unknown key 'server.inbound'"},
	{"[server.outbound]\naccept-xfr-from = []\n", ERR_INVAL,
		"p.toml:3:1: unknown key 'server.outbound.accept-xfr-from'"},
	{"[server.outbound]\nmax-diffs = \"5\"\n", ERR_INVAL,
		"p.toml:3:13: key 'server.outbound.max-diffs': expected an integer, found "
		"a "
		"string"},
	{"[server.outbound]\nmax-diffs-size = -1\n", ERR_INVAL,
		"p.toml:3:18: key 'server.outbound.max-diffs-size': -1 is out of range (0 "
		"to "
		"4294967295)"},
	{"[server.outbound]\nzone-file = 5\n", ERR_INVAL,
		"p.toml:3:13: key 'server.outbound.zone-file': expected a string, found an "
		"integer"},
	{"[server.outbound]\nsend-notify-to = \"192.0.2.1\"\n", ERR_INVAL,
		"p.toml:3:18: key 'server.outbound.send-notify-to': expected an array, "
		"found "
		"a string"},
	{"[server.outbound]\nsend-notify-to = [53]\n", ERR_INVAL,
		"p.toml:3:19: key 'server.outbound.send-notify-to': expected a string "
		"\"IP[:PORT][^KEY]\" or a table, found an integer"},
	{"[server.outbound]\nsend-notify-to = [\"ns.example.\"]\n", ERR_INVAL,
		"p.toml:3:19: key 'server.outbound.send-notify-to': \"ns.example.\": not "
		"an "
		"IPv4 address (names are not looked up)"},
	{"[server.outbound]\nsend-notify-to = [\"192.0.2.1:65536\"]\n", ERR_INVAL,
		"p.toml:3:19: key 'server.outbound.send-notify-to': \"192.0.2.1:65536\": "
		"the "
		"port must be a number from 0 to 65535"},
	{"[server.outbound]\nsend-notify-to = [\"[2001:db8::1]53\"]\n", ERR_INVAL,
		"p.toml:3:19: key 'server.outbound.send-notify-to': \"[2001:db8::1]53\": "
		"an "
		"IPv6 address with a port is written [ADDR]:PORT"},
	{"[server.outbound]\nsend-notify-to = [\"[192.0.2.1]:53\"]\n", ERR_INVAL,
		"p.toml:3:19: key 'server.outbound.send-notify-to': \"[192.0.2.1]:53\": "
		"not an "
		"IPv6 address"},
	{"[server.outbound]\nsend-notify-to = [\"2001:db8::g\"]\n", ERR_INVAL,
		"p.toml:3:19: key 'server.outbound.send-notify-to': \"2001:db8::g\": not "
		"an "
		"IPv6 address (with a port it is written [ADDR]:PORT)"},
	{"[server.outbound]\nsend-notify-to = [\"^k1\"]\n", ERR_INVAL,
		"p.toml:3:19: key 'server.outbound.send-notify-to': \"\": no address"},
	{"[server.outbound]\nsend-notify-to = [\"192.0.2.1^\"]\n", ERR_INVAL,
		"p.toml:3:19: key 'server.outbound.send-notify-to': a TSIG key name must "
		"be 1 "
		"to 255 characters"},
	{"[server.outbound]\nsend-notify-to = [\"192.0.2.1^nokey\"]\n", ERR_INVAL,
		"p.toml:3:19: key 'server.outbound.send-notify-to': no TSIG key named "
		"\"nokey\""},
	{"[server.outbound]\nsend-notify-to = [\"192.0.2.0/24\"]\n", ERR_INVAL,
		"p.toml:3:19: key 'server.outbound.send-notify-to': \"192.0.2.0/24\": a "
		"prefix "
		"(ADDR/LEN) is only allowed in provide-xfr-to"},
	{"[server.outbound]\nsend-notify-to = [{ tsig-key-name = \"k1\" }]\n", ERR_INVAL,
		"p.toml:3:19: key 'server.outbound.send-notify-to.addr': missing; expected "
		"\"IP:PORT\""},
	{"[server.outbound]\nsend-notify-to = [{ addr = \"192.0.2.1\", port = 53 }]\n", ERR_INVAL,
		"p.toml:3:41: unknown key 'server.outbound.send-notify-to.port'"},
	{"[server.outbound]\nprovide-xfr-to = [\"192.0.2.1/24\"]\n", ERR_INVAL,
		"p.toml:3:19: key 'server.outbound.provide-xfr-to': \"192.0.2.1/24\": host "
		"bits set beyond /24"},
	{"[server.outbound]\nprovide-xfr-to = [\"192.0.2.0/33\"]\n", ERR_INVAL,
		"p.toml:3:19: key 'server.outbound.provide-xfr-to': \"192.0.2.0/33\": "
		"prefix length /33 over /32"},
	{"[server.outbound]\nprovide-xfr-to = [\"2001:db8::/129\"]\n", ERR_INVAL,
		"p.toml:3:19: key 'server.outbound.provide-xfr-to': \"2001:db8::/129\": "
		"prefix length /129 over /128"},
	{"[server.outbound]\nprovide-xfr-to = [\"[2001:db8::/32\"]\n", ERR_INVAL,
		"p.toml:3:19: key 'server.outbound.provide-xfr-to': \"[2001:db8::/32\": '[' "
		"without ']'"},
	{"[server.outbound]\nprovide-xfr-to = [\"192.0.2/24\"]\n", ERR_INVAL,
		"p.toml:3:19: key 'server.outbound.provide-xfr-to': \"192.0.2/24\": "
		"\"192.0.2\" is not an IPv4 or IPv6 address"},
	{"[loader]\nmax-transfer-size = 100\n", ERR_INVAL,
		"p.toml:3:21: key 'loader.max-transfer-size': 100 is out of range (512 to "
		"9223372036854775807)"},
	{"[loader]\ntransfer-timeout = \"2d\"\n", ERR_INVAL,
		"p.toml:3:20: key 'loader.transfer-timeout': must be from 1 second to 1 day"},
	{"[loader]\nmax-transfer-octets = 1\n", ERR_INVAL,
		"p.toml:3:1: unknown key 'loader.max-transfer-octets'"},
	{"[key-manager]\npublication-nameservers = [\"192.0.2.1^k3\"]\n", ERR_INVAL,
		"p.toml:3:28: key 'key-manager.publication-nameservers': no TSIG key named "
		"\"k3\""},
};

/* Each case is refused with its code and message; then the version and bad TOML. */
static void test_errors(void **state)
{
	(void)state;
	size_t bad = 0;
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++)
		bad += !parse_bad(error_cases[i].body, error_cases[i].code, error_cases[i].msg);
	assert_int_equal(bad, 0);
	/* the version, and a file that is not TOML */
	struct policy p;
	char err[POLICY_ERR_SIZE];
	assert_int_equal(policy_init_defaults(&p, "t"), 0);
	assert_int_equal(policy_parse(&p, "[signer]\n", 9, "p.toml", NULL, NULL, err), ERR_INVAL);
	assert_string_equal(
		err, "p.toml: key 'version': missing; it is required and must be \"v1\"");
	assert_int_equal(
		policy_parse(&p, "version = \"v1\n", 14, "p.toml", NULL, NULL, err), ERR_SYNTAX);
	assert_string_equal(err, "p.toml:1:14: newline in a single-line string");
	policy_deinit(&p);
}

/* Durations the parser refuses carry timespan's own reason. */
static void test_duration_errors(void **state)
{
	(void)state;
	static const char *const spans[] = {"forever", "1y", "1x", "", "1h ago", "1.5s"};
	size_t bad = 0;
	for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		char body[128], want[POLICY_ERR_SIZE], why[TIMESPAN_ERR_SIZE];
		int64_t v;
		assert_true(timespan_parse(spans[i], strlen(spans[i]), &v, why, sizeof(why)) < 0);
		snprintf(body, sizeof(body), "[signer]\nsignature-lifetime = \"%s\"\n", spans[i]);
		snprintf(want, sizeof(want),
			"p.toml:3:22: key 'signer.signature-lifetime': invalid duration \"%s\": %s",
			spans[i], why);
		bad += !parse_bad(body, ERR_INVAL, want);
	}
	assert_int_equal(bad, 0);
}

/* ---- the timing rules (§6.3), at their boundaries ---- */

static void timing_ok(const char *body)
{
	char text[512];
	struct policy p;
	snprintf(text, sizeof(text), "version = \"v1\"\n%s", body);
	parse_ok(text, &p, NULL);
	policy_deinit(&p);
}

static void test_timing(void **state)
{
	(void)state;
	/* refresh interval: 59 s refused, 60 s accepted */
	assert_true(parse_bad("[signer]\nsignature-refresh-interval = 59\n", ERR_INVAL,
		"p.toml:3:30: key 'signer.signature-refresh-interval': must be at least 60 "
		"seconds"));
	timing_ok("[signer]\nsignature-refresh-interval = 60\n");
	/* lifetime = remain + 3600 + refresh (1w + 1h + 12h = 651600) refused, one more
	 * second accepted */
	assert_true(parse_bad("[signer]\nsignature-lifetime = 651600\n", ERR_INVAL,
		"p.toml:3:22: key 'signer.signature-lifetime': signature-lifetime (651600s) must "
		"be greater than signature-remain-time (604800s) + 3600s + "
		"signature-refresh-interval (43200s)"));
	timing_ok("[signer]\nsignature-lifetime = 651601\n");
	/* the same rule for DNSKEY and CDS signatures, with the signer's interval */
	assert_true(
		parse_bad("[key-manager.records]\ndnskey.signature-lifetime = 651600\n", ERR_INVAL,
			"p.toml:3:29: key 'key-manager.records.dnskey.signature-lifetime': "
			"signature-lifetime (651600s) must be greater than signature-remain-time "
			"(604800s) + 3600s + signature-refresh-interval (43200s)"));
	timing_ok("[key-manager.records]\ndnskey.signature-lifetime = 651601\n");
	assert_true(parse_bad("[key-manager.records]\ncds.signature-remain-time = \"13d 11h\"\n",
		ERR_INVAL,
		"p.toml:3:29: key 'key-manager.records.cds.signature-remain-time': "
		"signature-lifetime (1209600s) must be greater than signature-remain-time "
		"(1162800s) + 3600s + signature-refresh-interval (43200s)"));
	/* a refresh interval that makes the default lifetime too short is named
	 * where it is written */
	assert_true(parse_bad("[signer]\nsignature-refresh-interval = \"7d\"\n", ERR_INVAL,
		"p.toml:3:30: key 'signer.signature-lifetime': signature-lifetime (1209600s) must "
		"be greater than signature-remain-time (604800s) + 3600s + "
		"signature-refresh-interval (604800s)"));
	/* lifetime 2^30 s refused, 2^30 - 1 accepted */
	assert_true(parse_bad("[signer]\nsignature-lifetime = 1073741824\n", ERR_INVAL,
		"p.toml:3:22: key 'signer.signature-lifetime': must be below 2^30 seconds (RRSIG "
		"times are compared in serial number arithmetic, RFC 4034 §3.1.5)"));
	timing_ok("[signer]\nsignature-lifetime = 1073741823\n");
	assert_true(parse_bad(
		"[key-manager.records]\ncds.signature-inception-offset = 1073741824\n", ERR_INVAL,
		"p.toml:3:34: key 'key-manager.records.cds.signature-inception-offset': must be "
		"below 2^30 seconds (RRSIG times are compared in serial number arithmetic, RFC "
		"4034 §3.1.5)"));
}

/* ---- the caller's environment, warnings ---- */

static void test_env(void **state)
{
	(void)state;
	const char *text = "version = \"v1\"\n[key-manager.generation]\nhsm-server-id = \"other\"\n"
			   "[server.outbound]\nprovide-xfr-to = [\"192.0.2.1^unknown\"]\n";
	struct policy p;
	char err[POLICY_ERR_SIZE];
	/* without an environment, names are not checked */
	assert_int_equal(policy_init_defaults(&p, "t"), 0);
	assert_int_equal(policy_parse(&p, text, strlen(text), "p.toml", NULL, NULL, err), 0);
	assert_string_equal(p.hsm_server_id, "other");
	peer_is(&p.provide_xfr_to.v[0], "192.0.2.1", "unknown");
	policy_deinit(&p);
	/* nor when the environment leaves a check out */
	struct policy_env only_tsig = {tsig_exists, NULL, NULL};
	assert_int_equal(policy_init_defaults(&p, "t"), 0);
	assert_int_equal(
		policy_parse(&p, text, strlen(text), "p.toml", &only_tsig, NULL, err), ERR_INVAL);
	assert_string_equal(err,
		"p.toml:5:19: key 'server.outbound.provide-xfr-to': no TSIG key "
		"named \"unknown\"");
	policy_deinit(&p);
	struct policy_env only_hsm = {NULL, hsm_exists, &hsm_calls};
	hsm_calls = 0;
	assert_int_equal(policy_init_defaults(&p, "t"), 0);
	assert_int_equal(
		policy_parse(&p, text, strlen(text), "p.toml", &only_hsm, NULL, err), ERR_INVAL);
	assert_int_equal(hsm_calls, 1);
	assert_string_equal(err,
		"p.toml:3:17: key 'key-manager.generation.hsm-server-id': no HSM "
		"named \"other\" (add it with `cascade hsm add`)");
	policy_deinit(&p);
	/* no HSM named, no question asked */
	hsm_calls = 0;
	parse_ok("version = \"v1\"\n", &p, NULL);
	assert_int_equal(hsm_calls, 0);
	policy_deinit(&p);
}

static void test_warnings(void **state)
{
	(void)state;
	struct policy p;
	struct buf w;
	buf_init(&w, 0);
	/* the recommended values warn about nothing */
	parse_ok("version = \"v1\"\n[signer.denial]\ntype = \"nsec3\"\nopt-out = false\n"
		 "iterations = 0\nsalt = \"-\"\n",
		&p, &w);
	assert_int_equal(w.len, 0);
	assert_true(p.nsec3);
	assert_false(p.opt_out);
	policy_deinit(&p);
	/* opt-out under NSEC is ignored, and said to be */
	parse_ok("version = \"v1\"\n[signer.denial]\nopt-out = true\n", &p, &w);
	assert_false(p.opt_out);
	assert_string_equal(buf_cstr(&w),
		"p.toml:3:11: key 'signer.denial.opt-out': ignored: type is \"nsec\"\n");
	policy_deinit(&p);
	/* without a buffer, warnings are dropped and the policy still loads */
	parse_ok("version = \"v1\"\n[signer.denial]\niterations = 500\nsalt = \"00\"\n", &p, NULL);
	assert_int_equal(p.iterations, 500);
	assert_int_equal(p.salt_len, 1);
	policy_deinit(&p);
	buf_deinit(&w);
}

/* ---- equal, copy ---- */

/* Each change to one setting must make policy_equal() say "different". */
static void test_equal(void **state)
{
	(void)state;
	struct policy a, b;
	parse_ok(every_key, &a, NULL);
	assert_int_equal(policy_copy(&b, &a), 0);
	assert_true(policy_equal(&a, &b));
	/* names aside */
	free(b.name);
	b.name = strdup("other");
	assert_true(policy_equal(&a, &b));
#define CHANGE(field, value)                                               \
	do {                                                               \
		__typeof__(b.field) old = b.field;                         \
		b.field = value;                                           \
		if (policy_equal(&a, &b))                                  \
			fail_msg("a change of " #field " goes unnoticed"); \
		b.field = old;                                             \
		assert_true(policy_equal(&a, &b));                         \
	} while (0)
	CHANGE(loader_review.mode, POLICY_REVIEW_MANUAL);
	CHANGE(loader_review.hook, (char *)"/bin/other");
	CHANGE(loader_review.hook, NULL);
	CHANGE(loader_review.on_reject, POLICY_REJECT_DISCARD);
	CHANGE(loader_review.hook_timeout, 91);
	CHANGE(xfr_max_octets, 512);
	CHANGE(xfr_max_messages, 1);
	CHANGE(xfr_timeout, 1);
	CHANGE(ksk_validity, 1);
	CHANGE(zsk_validity, 1);
	CHANGE(csk_validity, 1);
	CHANGE(ksk_auto.start, true);
	CHANGE(zsk_auto.report, true);
	CHANGE(csk_auto.expire, true);
	CHANGE(alg_auto.done, true);
	CHANGE(ds_algorithm, 2);
	CHANGE(auto_remove, true);
	CHANGE(auto_remove_delay, 1);
	CHANGE(publication_nameservers.n, 2);
	CHANGE(publication_nameservers.v[1].addr, (char *)"192.0.2.9");
	CHANGE(publication_nameservers.v[1].tsig_key, NULL);
	CHANGE(publication_nameservers.v[0].tsig_key, (char *)"k9");
	CHANGE(records_ttl, 1);
	CHANGE(dnskey_timing.inception_offset, 1);
	CHANGE(dnskey_timing.lifetime, 1);
	CHANGE(dnskey_timing.remain_time, 1);
	CHANGE(cds_timing.lifetime, 1);
	CHANGE(hsm_server_id, NULL);
	CHANGE(use_csk, false);
	CHANGE(algorithm, 8);
	CHANGE(rsa_bits, 2048);
	CHANGE(serial_policy, SERIAL_KEEP);
	CHANGE(timing.inception_offset, 1);
	CHANGE(timing.lifetime, 1);
	CHANGE(timing.remain_time, 1);
	CHANGE(refresh_interval, 61);
	CHANGE(key_roll_time, 1);
	CHANGE(nsec3, false);
	CHANGE(opt_out, false);
	CHANGE(iterations, 0);
	CHANGE(salt_len, 3);
	CHANGE(salt[3], 0);
	CHANGE(signer_review.mode, POLICY_REVIEW_SCRIPT);
	CHANGE(signer_review.hook, (char *)"/bin/y");
	CHANGE(signer_review.on_reject, POLICY_REJECT_DISCARD);
	CHANGE(signer_review.hook_timeout, 1);
	CHANGE(send_notify_to.n, 0);
	CHANGE(send_notify_to.v[2].addr, (char *)"::2");
	CHANGE(provide_xfr_to.v[1].tsig_key, (char *)"xfr2");
	CHANGE(max_diffs, 1);
	CHANGE(max_diffs_size, 20);
	CHANGE(zone_file, NULL);
	CHANGE(zone_file, (char *)"/elsewhere");
#undef CHANGE
	policy_deinit(&a);
	policy_deinit(&b);
}

static void test_copy(void **state)
{
	(void)state;
	struct policy a, b;
	parse_ok(every_key, &a, NULL);
	assert_int_equal(policy_copy(&b, &a), 0);
	/* a deep copy: nothing shared */
	assert_ptr_not_equal(a.name, b.name);
	assert_ptr_not_equal(a.loader_review.hook, b.loader_review.hook);
	assert_ptr_not_equal(a.hsm_server_id, b.hsm_server_id);
	assert_ptr_not_equal(a.zone_file, b.zone_file);
	assert_ptr_not_equal(a.send_notify_to.v, b.send_notify_to.v);
	assert_ptr_not_equal(a.send_notify_to.v[1].tsig_key, b.send_notify_to.v[1].tsig_key);
	assert_string_equal(a.name, b.name);
	policy_deinit(&a); /* the copy lives on (ASan would see a use after free) */
	assert_true(b.send_notify_to.n == 3 &&
		strcmp(b.send_notify_to.v[1].addr, "192.0.2.4:5353") == 0);
	round_trip(&b);
	/* the defaults copy too (NULLs and empty lists) */
	struct policy d, e;
	assert_int_equal(policy_init_defaults(&d, "d"), 0);
	assert_int_equal(policy_copy(&e, &d), 0);
	assert_true(policy_equal(&d, &e));
	assert_null(e.hsm_server_id);
	policy_deinit(&b);
	policy_deinit(&d);
	policy_deinit(&e);
}

/* ---- template and files ---- */

static void test_template(void **state)
{
	(void)state;
	struct policy d, t;
	struct buf w, file;
	buf_init(&w, 0);
	buf_init(&file, 0);
	assert_int_equal(strlen(conf_template_policy), conf_template_policy_len);
	assert_int_equal(policy_init_defaults(&d, "test"), 0);
	parse_ok(conf_template_policy, &t, &w);
	assert_true(policy_equal(&d, &t));
	assert_int_equal(w.len, 0);
	const char *src = getenv("SRCDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/etc/policy.template.toml", src ? src : ".");
	assert_int_equal(fileio_read(path, LIMIT_TOML_SIZE, &file), 0);
	assert_int_equal(file.len, conf_template_policy_len);
	assert_memory_equal(file.data, conf_template_policy, file.len);
	policy_deinit(&d);
	policy_deinit(&t);
	buf_deinit(&w);
	buf_deinit(&file);
}

static void test_load(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_policy.XXXXXX", path[80], err[POLICY_ERR_SIZE], want[200];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fast.roll.toml", dir);
	const char *text = "version = \"v1\"\n[signer]\nserial-policy = \"counter\"\n";
	assert_int_equal(fileio_write_data(path, 0600, 0, text, strlen(text)), 0);
	struct policy p;
	assert_int_equal(policy_init_defaults(&p, "placeholder"), 0);
	assert_int_equal(policy_load(&p, path, &env, NULL, err), 0);
	assert_string_equal(p.name, "fast.roll"); /* the stem: the last extension goes */
	assert_int_equal(p.serial_policy, SERIAL_COUNTER);
	policy_deinit(&p);
	/* errors name the file by its path */
	text = "version = \"v1\"\n[signer]\nserial-policy = \"never\"\n";
	assert_int_equal(fileio_write_data(path, 0600, 0, text, strlen(text)), 0);
	assert_int_equal(policy_init_defaults(&p, "placeholder"), 0);
	assert_int_equal(policy_load(&p, path, &env, NULL, err), ERR_INVAL);
	snprintf(want, sizeof(want),
		"%s:3:17: key 'signer.serial-policy': expected one of keep, counter, unix-time, "
		"date-counter",
		path);
	assert_string_equal(err, want);
	unlink(path);
	assert_int_equal(policy_load(&p, path, &env, NULL, err), -ENOENT);
	snprintf(want, sizeof(want), "%s: cannot read: %s", path, err_str(-ENOENT));
	assert_string_equal(err, want);
	policy_deinit(&p);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_format_text),
		cmocka_unit_test(test_round_trip_odd),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_duration_errors),
		cmocka_unit_test(test_timing),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
