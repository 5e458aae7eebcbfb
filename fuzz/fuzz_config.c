/*
 * fuzz_config.c - libFuzzer target for lib/conf/config: parses the input as
 * a config file over the defaults. A refusal must say where and what in one
 * line naming the file; an acceptance must leave a config the daemon can
 * use (a log target, at least one publication address, set addresses).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/conf/config.h"
#include "lib/util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_socks(const struct config_socks *s)
{
	for (size_t i = 0; i < s->n; i++)
		if ((s->v[i].addr.ss_family != AF_INET && s->v[i].addr.ss_family != AF_INET6) ||
			s->v[i].proto == 0 || (s->v[i].proto & ~(unsigned)SOCKSPEC_BOTH))
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char err[CONFIG_ERR_SIZE];
	if (config_init_defaults(&c) != 0)
		return 0;
	int rc = config_parse(&c, (const char *)data, size, "fuzz.toml", err);
	if (rc == 0) {
		if (!c.log_target || c.servers.n == 0 || !c.policy_dir || !c.policy_dir[0])
			__builtin_trap();
		check_socks(&c.api_servers);
		check_socks(&c.loader_review_servers);
		check_socks(&c.signer_review_servers);
		check_socks(&c.servers);
	} else if (rc != ERR_NOMEM) {
		/* one line, naming the file */
		if (strncmp(err, "fuzz.toml", 9) != 0 || strchr(err, '\n') ||
			(rc != ERR_SYNTAX && rc != ERR_INVAL))
			__builtin_trap();
	}
	config_deinit(&c);
	return 0;
}
