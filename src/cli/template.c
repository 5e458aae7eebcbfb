/*
 * template.c - `cascade template config|policy`: the commented templates of
 * etc/, built into the program (cascade-spec §8.2).
 */
#include <stdio.h>
#include <string.h>

#include "lib/conf/template.h"
#include "src/cli/cli.h"

int cli_template(int argc, char **argv)
{
	const char *text = NULL;
	size_t len = 0;
	if (argc == 2 && strcmp(argv[1], "config") == 0) {
		text = conf_template_config;
		len = conf_template_config_len;
	} else if (argc == 2 && strcmp(argv[1], "policy") == 0) {
		text = conf_template_policy;
		len = conf_template_policy_len;
	} else {
		fprintf(stderr, "usage: cascade template config|policy\n");
		return 2;
	}
	return fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : 1;
}
