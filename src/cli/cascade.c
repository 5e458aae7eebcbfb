/*
 * cascade.c - the operator's command line: dispatch to the subcommands.
 *
 * The offline tools (keygen, signzone) work without a daemon; the verbs that
 * drive cascaded come with the daemon.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/cli/cli.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
} commands[] = {
	{"keygen", cli_keygen, "make a DNSSEC key pair as BIND key files"},
	{"signzone", cli_signzone, "sign a zone file with key files"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: cascade COMMAND [ARGS...]\n\ncommands without a daemon:\n");
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
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
		strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "signzone") == 0)
		with_huge_pages(argv);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "cascade: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
