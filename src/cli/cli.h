/*
 * cli.h - the subcommands of `cascade`.
 *
 * The offline tools (keygen, signzone, template) take the arguments after
 * their name (argv[0] is the subcommand). The daemon's verbs get the
 * client settings too (client.h) and the same arguments. Each returns the
 * process exit code: 0 on success, 1 on any error (after a message on
 * stderr naming what and why), 2 on bad usage.
 */
#ifndef CASCADE_CLI_CLI_H
#define CASCADE_CLI_CLI_H

struct client;

int cli_keygen(int argc, char **argv);
int cli_signzone(int argc, char **argv);
int cli_template(int argc, char **argv);

int cmd_health(const struct client *c, int argc, char **argv);
int cmd_info(const struct client *c, int argc, char **argv);
int cmd_status(const struct client *c, int argc, char **argv);
int cmd_zone(const struct client *c, int argc, char **argv);
int cmd_zone_status(const struct client *c, int argc, char **argv);
int cmd_policy(const struct client *c, int argc, char **argv);
int cmd_keyset(const struct client *c, int argc, char **argv);
int cmd_tsig(const struct client *c, int argc, char **argv);

#endif
