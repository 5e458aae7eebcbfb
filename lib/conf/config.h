/*
 * config.h - the daemon's configuration file (cascade-spec.md §10).
 *
 * The schema is Cascade's, key for key, so its config files load unchanged:
 * `version = "v1"` is required, unknown keys are rejected, and every key
 * left out takes Cascade's default (the code defaults of §10; for the three
 * DNS listener lists, which Cascade's code leaves empty, the values its
 * shipped template gives, so that a config with no [server] section still
 * publishes on 127.0.0.1:4542 and [::1]:4542). Keys beyond Cascade's are
 * listed at their fields below.
 *
 * config_parse() reads the text only; precedence (CLI > environment > file
 * > default, cascade-spec §9) is applied by the daemon on the parsed result.
 * An error names the place and the key: "FILE:LINE:COL: key 'daemon.log-level':
 * expected one of trace, debug, info, warning, error, critical".
 *
 * Ownership: struct config owns its strings and arrays (malloc'd), released
 * by config_deinit(). Pure: no I/O besides config_load()'s one read, no
 * globals; thread-safe for distinct structs.
 */
#ifndef CASCADE_CONF_CONFIG_H
#define CASCADE_CONF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/conf/sockspec.h"
#include "lib/util/log.h"

/* Enough for any error message config_parse() writes. */
#define CONFIG_ERR_SIZE 512

struct config_socks {
	struct sockspec *v;
	size_t n;
};

struct config {
	char *policy_dir;		   /* "/etc/cascade/policies" */
	char *zone_state_dir;		   /* "/var/lib/cascade/zone-state" */
	char *tsig_store_path;		   /* "/var/lib/cascade/tsig-keys.db" */
	char *kmip_credentials_store_path; /* "/var/lib/cascade/kmip-credentials.db" */
	char *keys_dir;			   /* "/var/lib/cascade/keys" */
	char *dnst_binary_path;		   /* "dnst"; accepted for compatibility, unused */

	/* [daemon] */
	enum log_level log_level; /* info */
	char *log_target;	  /* log_open_spec() syntax: "stdout" (default), "stderr",
				   * "syslog", "file:PATH", from log-target's table form */
	bool daemonize;		  /* false */
	char *pid_file;		  /* NULL: none */
	char *identity;		  /* NULL, or "user[:group]" (names or numeric ids) */

	/* [remote-control] */
	struct config_socks api_servers; /* 127.0.0.1:4539 (TCP only, whatever the spec says) */
	/* Beyond Cascade: a Unix socket for the API (NULL: none), and a file
	 * holding a bearer token every API request must carry (NULL: no token). */
	char *api_unix_socket; /* [remote-control] unix-socket */
	char *api_token_file;  /* [remote-control] token-file */

	/* [loader.review], [signer.review], [server] */
	struct config_socks loader_review_servers; /* 127.0.0.1:4540, [::1]:4540 */
	struct config_socks signer_review_servers; /* 127.0.0.1:4541, [::1]:4541 */
	struct config_socks servers;		   /* 127.0.0.1:4542, [::1]:4542 */
};

/* Fills c with every default (see the fields). 0 or ERR_NOMEM. */
int config_init_defaults(struct config *c);

/* Parses a config file's text (len octets; fname names it in messages) into
 * c, which config_init_defaults() prepared: keys present replace defaults.
 * 0, or ERR_SYNTAX (malformed TOML), ERR_INVAL (a key unknown, missing or
 * of the wrong type or value), ERR_NOMEM, with a message in err (room for
 * CONFIG_ERR_SIZE). On failure c still holds defaults or parsed values and
 * must be deinit'ed. */
int config_parse(struct config *c, const char *text, size_t len, const char *fname, char *err);

/* Reads and parses the file at path (capped at LIMIT_TOML_SIZE) into c
 * (prepared as for config_parse()); a file that cannot be read gives -errno
 * and a message naming it. */
int config_load(struct config *c, const char *path, char *err);

void config_deinit(struct config *c);

#endif
