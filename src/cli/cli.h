/*
 * cli.h - the subcommands of `cascade` that work without the daemon.
 *
 * Each takes the arguments after its name (argv[0] is the subcommand) and
 * returns the process exit code: 0 on success, 1 on any error (after a
 * message on stderr naming what and why), 2 on bad usage.
 */
#ifndef CASCADE_CLI_CLI_H
#define CASCADE_CLI_CLI_H

int cli_keygen(int argc, char **argv);
int cli_signzone(int argc, char **argv);

#endif
