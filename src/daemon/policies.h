/*
 * policies.h - the daemon's policy copies (cascade-spec §11.1).
 *
 * Policies are read from policy-dir on the first start and on `cascade
 * policy reload` only; the daemon keeps parsed copies (saved in the state
 * file), so editing a file changes nothing until the reload. A reload that
 * meets a bad file changes nothing and says which file and why.
 *
 * Threads: loop thread only.
 */
#ifndef CASCADE_DAEMON_POLICIES_H
#define CASCADE_DAEMON_POLICIES_H

#include <jansson.h>
#include <stdbool.h>

#include "src/daemon/daemon.h"

#define POLICIES_ERR_SIZE 1024

/* Adds (or replaces) a policy from its TOML text, as kept in the state file. */
int policies_add_text(
	struct daemon *d, const char *name, const char *text, bool file_gone, char *err);

/* Reads every *.toml of policy-dir. On success *report is
 * {"changes": [[name, "added"|"removed"|"updated"|"unchanged"], ...],
 *  "warnings": [text, ...]} (a new reference) and the copies are replaced;
 * on failure nothing changes and err (POLICIES_ERR_SIZE) says why. */
int policies_reload(struct daemon *d, json_t **report, char *err);

/* How many zones use the policy. */
size_t policies_users(struct daemon *d, const char *name);

void policies_free(struct daemon *d);

#endif
