/* config.c - the daemon's configuration file (see config.h; cascade-spec.md §10). */
#include "lib/conf/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conf/conf_util.h"
#include "lib/limits.h"
#include "lib/util/buf.h"
#include "lib/util/err.h"
#include "lib/util/fileio.h"

static const char *const default_api[] = {"127.0.0.1:4539", NULL};
static const char *const default_loader_review[] = {"127.0.0.1:4540", "[::1]:4540", NULL};
static const char *const default_signer_review[] = {"127.0.0.1:4541", "[::1]:4541", NULL};
static const char *const default_servers[] = {"127.0.0.1:4542", "[::1]:4542", NULL};

/* The socket list of specs, which are known to be good. */
static int socks_default(struct config_socks *s, const char *const *specs)
{
	size_t n = 0;
	while (specs[n])
		n++;
	s->v = calloc(n, sizeof(*s->v));
	if (!s->v)
		return ERR_NOMEM;
	s->n = n;
	for (size_t i = 0; i < n; i++)
		if (sockspec_parse(specs[i], &s->v[i], NULL, 0) != 0)
			return ERR_INVAL;
	return 0;
}

static int dup_default(char **field, const char *s)
{
	*field = strdup(s);
	return *field ? 0 : ERR_NOMEM;
}

int config_init_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->log_level = LOG_LEVEL_INFO;
	c->daemonize = false;
	int rc = dup_default(&c->policy_dir, "/etc/cascade/policies");
	rc = rc ? rc : dup_default(&c->zone_state_dir, "/var/lib/cascade/zone-state");
	rc = rc ? rc : dup_default(&c->tsig_store_path, "/var/lib/cascade/tsig-keys.db");
	rc = rc ? rc
		: dup_default(
			  &c->kmip_credentials_store_path, "/var/lib/cascade/kmip-credentials.db");
	rc = rc ? rc : dup_default(&c->keys_dir, "/var/lib/cascade/keys");
	rc = rc ? rc : dup_default(&c->dnst_binary_path, "dnst");
	rc = rc ? rc : dup_default(&c->log_target, "stdout");
	rc = rc ? rc : socks_default(&c->api_servers, default_api);
	rc = rc ? rc : socks_default(&c->loader_review_servers, default_loader_review);
	rc = rc ? rc : socks_default(&c->signer_review_servers, default_signer_review);
	rc = rc ? rc : socks_default(&c->servers, default_servers);
	if (rc) {
		config_deinit(c);
		return ERR_NOMEM;
	}
	return 0;
}

void config_deinit(struct config *c)
{
	char **strs[] = {&c->policy_dir, &c->zone_state_dir, &c->tsig_store_path,
		&c->kmip_credentials_store_path, &c->keys_dir, &c->dnst_binary_path, &c->log_target,
		&c->pid_file, &c->identity, &c->api_unix_socket, &c->api_token_file};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	free(c->api_servers.v);
	free(c->loader_review_servers.v);
	free(c->signer_review_servers.v);
	free(c->servers.v);
	memset(c, 0, sizeof(*c));
}

/* The table form of a socket: {type = "udp" | "tcp" | "tcpudp", addr = "ADDR:PORT"}. */
static int sock_table(struct conf_ctx *c, const struct toml_value *v, const struct conf_table *list,
	const char *key, struct sockspec *out)
{
	static const char *const keys[] = {"type", "addr", NULL};
	static const char *const types[] = {"udp", "tcp", "tcpudp", NULL};
	static const unsigned protos[] = {SOCKSPEC_UDP, SOCKSPEC_TCP, SOCKSPEC_BOTH};
	struct conf_table t;
	conf_elem(list, key, v, &t);
	int type = -1;
	const char *addr = NULL;
	char why[SOCKSPEC_ERR_SIZE];
	int rc = conf_check_keys(c, &t, keys);
	rc = rc ? rc : conf_enum(c, &t, "type", types, &type);
	rc = rc ? rc : conf_str(c, &t, "addr", false, &addr);
	if (rc)
		return rc;
	if (type < 0)
		return conf_fail(c, toml_value_pos(v), &t, "type",
			"missing; expected one of udp, tcp, tcpudp");
	if (!addr)
		return conf_fail(
			c, toml_value_pos(v), &t, "addr", "missing; expected \"ADDR:PORT\"");
	if (strstr(addr, "://"))
		return conf_fail(c, conf_pos(&t, "addr"), &t, "addr",
			"expected \"ADDR:PORT\"; type says the protocol");
	if (sockspec_addr(addr, out, why, sizeof(why)) != 0)
		return conf_fail(c, conf_pos(&t, "addr"), &t, "addr", "%s", why);
	out->proto = protos[type];
	return 0;
}

/* A list of socket specs (strings or tables); it replaces *socks when the
 * key is present. need_one: an empty list is refused. */
static int read_socks(struct conf_ctx *c, const struct conf_table *t, const char *key,
	bool need_one, struct config_socks *socks)
{
	const struct toml_value *a = NULL;
	int rc = conf_array(c, t, key, &a);
	if (rc || !a)
		return rc;
	size_t n = toml_array_len(a);
	if (n == 0 && need_one)
		return conf_fail(c, toml_value_pos(a), t, key, "must list at least one address");
	struct sockspec *v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return conf_nomem(c);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct toml_value *e = toml_array_at(a, i);
		const char *s;
		char why[SOCKSPEC_ERR_SIZE];
		if (toml_type_of(e) == TOML_TABLE) {
			rc = sock_table(c, e, t, key, &v[i]);
		} else if (toml_type_of(e) == TOML_STRING) {
			rc = conf_str_value(c, e, t, key, false, &s);
			if (rc == 0 && sockspec_parse(s, &v[i], why, sizeof(why)) != 0)
				rc = conf_fail(c, toml_value_pos(e), t, key, "%s", why);
		} else {
			rc = conf_fail_type(c, e, t, key, "a socket (\"ADDR:PORT\" or a table)");
		}
	}
	if (rc) {
		free(v);
		return rc;
	}
	free(socks->v);
	socks->v = v;
	socks->n = n;
	return 0;
}

/* [daemon] log-target: {type = "stdout" | "stderr" | "syslog" | "file", path = "..."},
 * kept as log_open_spec() text. */
static int read_log_target(struct conf_ctx *c, const struct conf_table *daemon, struct config *cfg)
{
	static const char *const keys[] = {"type", "path", NULL};
	static const char *const types[] = {"stdout", "stderr", "syslog", "file", NULL};
	struct conf_table t;
	int type = -1;
	const char *path = NULL;
	int rc = conf_sub(c, daemon, "log-target", &t);
	if (rc || !t.t)
		return rc;
	rc = conf_check_keys(c, &t, keys);
	rc = rc ? rc : conf_enum(c, &t, "type", types, &type);
	rc = rc ? rc : conf_str(c, &t, "path", false, &path);
	if (rc)
		return rc;
	if (type < 0)
		return conf_fail(c, toml_value_pos(t.t), &t, "type",
			"missing; expected one of stdout, stderr, syslog, file");
	bool file = strcmp(types[type], "file") == 0;
	if (file && !path)
		return conf_fail(c, toml_value_pos(t.t), &t, "path",
			"missing; required when type is \"file\"");
	if (!file && path)
		return conf_fail(
			c, conf_pos(&t, "path"), &t, "path", "only allowed when type is \"file\"");
	struct buf spec;
	buf_init(&spec, 0);
	rc = buf_printf(&spec, "%s%s%s", types[type], file ? ":" : "", file ? path : "");
	if (rc) {
		buf_deinit(&spec);
		return conf_nomem(c);
	}
	free(cfg->log_target);
	cfg->log_target = (char *)buf_steal(&spec, NULL);
	return 0;
}

/* "user" or "user:group", names or numeric ids (cascade-spec §10). */
static int read_identity(struct conf_ctx *c, const struct conf_table *t, struct config *cfg)
{
	const char *s = NULL;
	int rc = conf_str(c, t, "identity", false, &s);
	if (rc || !s)
		return rc;
	const char *colon = strchr(s, ':');
	if (colon == s || (colon && (colon[1] == 0 || strchr(colon + 1, ':'))))
		return conf_fail(c, conf_pos(t, "identity"), t, "identity",
			"expected \"user\" or \"user:group\"");
	return conf_dup(c, t, "identity", false, &cfg->identity);
}

static int read_daemon(struct conf_ctx *c, const struct conf_table *root, struct config *cfg)
{
	static const char *const keys[] = {
		"log-level", "log-target", "daemonize", "pid-file", "identity", NULL};
	/* The order of enum log_level. */
	static const char *const levels[] = {
		"trace", "debug", "info", "warning", "error", "critical", NULL};
	struct conf_table t;
	int level = (int)cfg->log_level;
	int rc = conf_sub(c, root, "daemon", &t);
	rc = rc ? rc : conf_check_keys(c, &t, keys);
	rc = rc ? rc : conf_enum(c, &t, "log-level", levels, &level);
	rc = rc ? rc : read_log_target(c, &t, cfg);
	rc = rc ? rc : conf_bool(c, &t, "daemonize", &cfg->daemonize);
	rc = rc ? rc : conf_dup(c, &t, "pid-file", false, &cfg->pid_file);
	rc = rc ? rc : read_identity(c, &t, cfg);
	cfg->log_level = (enum log_level)level;
	return rc;
}

/* A table that holds only the `servers` list of a review server: [loader.review]
 * or [signer.review], reached through [loader] or [signer]. */
static int read_review(struct conf_ctx *c, const struct conf_table *root, const char *stage,
	struct config_socks *socks)
{
	static const char *const stage_keys[] = {"review", NULL};
	static const char *const review_keys[] = {"servers", NULL};
	struct conf_table s, r;
	int rc = conf_sub(c, root, stage, &s);
	rc = rc ? rc : conf_check_keys(c, &s, stage_keys);
	rc = rc ? rc : conf_sub(c, &s, "review", &r);
	rc = rc ? rc : conf_check_keys(c, &r, review_keys);
	return rc ? rc : read_socks(c, &r, "servers", false, socks);
}

static int read_sections(struct conf_ctx *c, const struct conf_table *root, struct config *cfg)
{
	static const char *const rc_keys[] = {"servers", "unix-socket", "token-file", NULL};
	static const char *const km_keys[] = {NULL}; /* no options yet (§10) */
	static const char *const server_keys[] = {"servers", NULL};
	struct conf_table t;
	int rc = read_daemon(c, root, cfg);
	rc = rc ? rc : conf_sub(c, root, "remote-control", &t);
	rc = rc ? rc : conf_check_keys(c, &t, rc_keys);
	rc = rc ? rc : read_socks(c, &t, "servers", false, &cfg->api_servers);
	rc = rc ? rc : conf_dup(c, &t, "unix-socket", false, &cfg->api_unix_socket);
	rc = rc ? rc : conf_dup(c, &t, "token-file", false, &cfg->api_token_file);
	rc = rc ? rc : read_review(c, root, "loader", &cfg->loader_review_servers);
	rc = rc ? rc : read_review(c, root, "signer", &cfg->signer_review_servers);
	rc = rc ? rc : conf_sub(c, root, "key-manager", &t);
	rc = rc ? rc : conf_check_keys(c, &t, km_keys);
	rc = rc ? rc : conf_sub(c, root, "server", &t);
	rc = rc ? rc : conf_check_keys(c, &t, server_keys);
	/* The publication server is the pipeline's output: Cascade's docs ask
	 * for at least one address. */
	return rc ? rc : read_socks(c, &t, "servers", true, &cfg->servers);
}

int config_parse(struct config *cfg, const char *text, size_t len, const char *fname, char *err)
{
	static const char *const keys[] = {"version", "policy-dir", "zone-state-dir",
		"tsig-store-path", "kmip-credentials-store-path", "keys-dir", "dnst-binary-path",
		"daemon", "remote-control", "loader", "signer", "key-manager", "server", NULL};
	struct conf_ctx c = {.fname = fname, .err = err, .err_size = CONFIG_ERR_SIZE};
	struct toml_value *doc = NULL;
	struct conf_table root;
	err[0] = 0;
	int rc = conf_doc_parse(&c, text, len, &doc);
	rc = rc ? rc : conf_root(&c, doc, &root);
	rc = rc ? rc : conf_check_keys(&c, &root, keys);
	rc = rc ? rc : conf_dup(&c, &root, "policy-dir", false, &cfg->policy_dir);
	rc = rc ? rc : conf_dup(&c, &root, "zone-state-dir", false, &cfg->zone_state_dir);
	rc = rc ? rc : conf_dup(&c, &root, "tsig-store-path", false, &cfg->tsig_store_path);
	rc = rc ? rc
		: conf_dup(&c, &root, "kmip-credentials-store-path", false,
			  &cfg->kmip_credentials_store_path);
	rc = rc ? rc : conf_dup(&c, &root, "keys-dir", false, &cfg->keys_dir);
	rc = rc ? rc : conf_dup(&c, &root, "dnst-binary-path", false, &cfg->dnst_binary_path);
	rc = rc ? rc : read_sections(&c, &root, cfg);
	toml_free(doc);
	return rc;
}

int config_load(struct config *c, const char *path, char *err)
{
	struct buf text;
	buf_init(&text, 0);
	err[0] = 0;
	int rc = fileio_read(path, LIMIT_TOML_SIZE, &text);
	if (rc == ERR_LIMIT)
		snprintf(err, CONFIG_ERR_SIZE, "%s: larger than %lu octets", path,
			(unsigned long)LIMIT_TOML_SIZE);
	else if (rc)
		snprintf(err, CONFIG_ERR_SIZE, "%s: cannot read: %s", path, err_str(rc));
	else
		rc = config_parse(c, text.data ? (const char *)text.data : "", text.len, path, err);
	buf_deinit(&text);
	return rc;
}
