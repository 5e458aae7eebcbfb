/*
 * fuzz_policy.c - libFuzzer target for lib/conf/policy: parses the input as
 * a policy file (with an environment that knows some TSIG and HSM names, so
 * those checks run both ways). A refusal must be one line naming the file;
 * an accepted policy must survive policy_copy() and policy_format() ->
 * policy_parse() unchanged (policy_equal), and format to the same text again.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/conf/policy.h"
#include "lib/util/buf.h"
#include "lib/util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Names of odd length exist; HSM ids that start with 'h' exist. */
static bool tsig_exists(void *ctx, const char *name)
{
	(void)ctx;
	return strlen(name) % 2 == 1;
}

static bool hsm_exists(void *ctx, const char *id)
{
	(void)ctx;
	return id[0] == 'h';
}

static const struct policy_env env = {tsig_exists, hsm_exists, NULL};

/* p formats, parses back equal, and formats to the same text. */
static void check_round_trip(const struct policy *p)
{
	struct buf a, b, w;
	struct policy q;
	char err[POLICY_ERR_SIZE];
	buf_init(&a, 0);
	buf_init(&b, 0);
	buf_init(&w, 1 << 20);
	if (policy_format(p, &a) != 0 || policy_init_defaults(&q, p->name) != 0)
		__builtin_trap();
	if (policy_parse(&q, (const char *)a.data, a.len, "formatted", &env, &w, err) != 0 ||
		!policy_equal(p, &q) || policy_format(&q, &b) != 0 || a.len != b.len ||
		memcmp(a.data, b.data, a.len) != 0)
		__builtin_trap();
	policy_deinit(&q);
	buf_deinit(&a);
	buf_deinit(&b);
	buf_deinit(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p, copy;
	struct buf warnings;
	char err[POLICY_ERR_SIZE];
	if (policy_init_defaults(&p, "fuzz") != 0)
		return 0;
	buf_init(&warnings, 1 << 20);
	int rc = policy_parse(&p, (const char *)data, size, "fuzz.toml", &env, &warnings, err);
	if (rc == 0) {
		/* every warning is a line naming the file */
		if (warnings.len &&
			(strncmp(buf_cstr(&warnings), "fuzz.toml", 9) != 0 ||
				warnings.data[warnings.len - 1] != '\n'))
			__builtin_trap();
		check_round_trip(&p);
		if (policy_copy(&copy, &p) == 0) {
			if (!policy_equal(&p, &copy))
				__builtin_trap();
			policy_deinit(&copy);
		}
	} else if (rc != ERR_NOMEM) {
		if (strncmp(err, "fuzz.toml", 9) != 0 || strchr(err, '\n') ||
			(rc != ERR_SYNTAX && rc != ERR_INVAL))
			__builtin_trap();
	}
	buf_deinit(&warnings);
	policy_deinit(&p);
	return 0;
}
