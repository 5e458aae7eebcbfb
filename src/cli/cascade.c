/*
 * cascade.c - the operator's command line: dispatch to the subcommands.
 *
 * The offline tools (keygen, signzone, template) work without a daemon; the
 * other verbs talk to cascaded's API (cascade-spec §8). Global options may
 * come anywhere, before or after the subcommand.
 */
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util/log.h"
#include "src/cli/cli.h"
#include "src/cli/client.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
} commands[] = {
	{"keygen", cli_keygen, "make a DNSSEC key pair as BIND key files"},
	{"signzone", cli_signzone, "sign a zone file with key files"},
	{"template", cli_template, "print a commented config or policy template"},
};

static const struct {
	const char *name;
	int (*fn)(const struct client *c, int argc, char **argv);
	const char *what;
} daemon_commands[] = {
	{"health", cmd_health, "check that the daemon answers"},
	{"info", cmd_info, "the daemon's version"},
	{"status", cmd_status, "servers, halted zones, signing in progress"},
	{"zone", cmd_zone,
		"add|remove|list|status|history|reload|approve|reject|override|"
		"reset|maintenance"},
	{"policy", cmd_policy, "list|show|reload"},
	{"keyset", cmd_keyset, "ZONE get ds|dnskey|cds"},
	{"tsig", cmd_tsig, "add|list|remove: the TSIG keys"},
};

static void usage(FILE *f);

/* --help and --version, which need no daemon: 0 after printing, or -1 for
 * another word. */
static int help_or_version(const char *a)
{
	if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
		printf("cascade %s\n", CASCADE_VERSION); /* the client's (cascade-spec §8.1) */
		return 0;
	}
	return -1;
}

/* Takes the global options out of argv (they may follow the subcommand);
 * returns the new argc, or -1 after a message. */
static int global_options(int argc, char **argv, struct client *c)
{
	int out = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = !strcmp(a, "-s") || !strcmp(a, "--server") ? &c->server
			: !strcmp(a, "--socket")			       ? &c->socket
			: !strcmp(a, "--token-file")			       ? &c->token_file
									       : NULL;
		if (slot || !strcmp(a, "--log-level")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "cascade: %s needs a value\n", a);
				return -1;
			}
			enum log_level level;
			if (!slot && log_level_parse(argv[i + 1], &level) < 0) {
				fprintf(stderr,
					"cascade: --log-level %s: not trace, debug, info, "
					"warning, error or critical\n",
					argv[i + 1]);
				return -1;
			}
			if (slot)
				*slot = argv[i + 1];
			i++;
		} else if (!strcmp(a, "--json")) {
			c->json = true;
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	return out;
}

static int run_daemon_command(int argc, char **argv)
{
	const char *env_server = getenv("CASCADE_DAEMON");
	struct client c = {.server = env_server && *env_server ? env_server : "127.0.0.1:4539",
		.socket = getenv("CASCADE_SOCKET"),
		.token_file = getenv("CASCADE_TOKEN_FILE"),
		.color = isatty(1)};
	if (c.socket && !*c.socket)
		c.socket = NULL;
	if (c.token_file && !*c.token_file)
		c.token_file = NULL;
	argc = global_options(argc, argv, &c);
	if (argc < 0)
		return 2;
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	/* They may come after the global options too: "cascade -s X --help",
	 * or from an alias that always gives -s. */
	int rc = help_or_version(argv[1]);
	if (rc >= 0)
		return rc;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(daemon_commands) / sizeof(daemon_commands[0]); i++) {
		if (strcmp(argv[1], daemon_commands[i].name) != 0)
			continue;
		curl_global_init(CURL_GLOBAL_DEFAULT);
		rc = daemon_commands[i].fn(&c, argc - 1, argv + 1);
		curl_global_cleanup();
		return rc;
	}
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cascade [-s IP:PORT] [--socket PATH] [--token-file PATH] [--json] "
		"COMMAND [ARGS...]\n       cascade -V|--version\n\ncommands of the daemon:\n");
	for (size_t i = 0; i < sizeof(daemon_commands) / sizeof(daemon_commands[0]); i++)
		fprintf(f, "  %-10s %s\n", daemon_commands[i].name, daemon_commands[i].what);
	fprintf(f, "\ncommands without a daemon:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
	fprintf(f,
		"\n`cascade COMMAND --help` for each; man pages cascade-keygen(1) and "
		"cascade-signzone(1).\n");
}

/* Signing walks millions of nodes several times, and in a virtual machine
 * every 4 KiB page costs a nested page walk on a TLB miss. glibc lets the
 * kernel back malloc's memory with transparent huge pages only when told so
 * at start-up (the tunable glibc.malloc.hugetlb, glibc 2.35 and later), so
 * signzone starts itself once more with it, unless the caller chose tunables
 * of its own. Where /proc/self/exe cannot be run, it goes on as it is. */
static void with_huge_pages(char **argv)
{
	if (getenv("GLIBC_TUNABLES") || setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1) != 0)
		return;
	execv("/proc/self/exe", argv);
	unsetenv("GLIBC_TUNABLES");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	int rc = help_or_version(argv[1]);
	if (rc >= 0)
		return rc;
	if (strcmp(argv[1], "signzone") == 0)
		with_huge_pages(argv);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	rc = run_daemon_command(argc, argv);
	if (rc >= 0)
		return rc;
	fprintf(stderr, "cascade: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
