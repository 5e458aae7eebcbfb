/* Unit tests for lib/conf/config (and the shared walking of lib/conf/conf_util). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "lib/conf/config.h"
#include "lib/conf/template.h"
#include "lib/limits.h"
#include "lib/util/buf.h"
#include "lib/util/err.h"
#include "lib/util/fileio.h"

/* Parses text over the defaults; fails the test when it is refused. */
static void parse_ok(const char *text, struct config *c)
{
	char err[CONFIG_ERR_SIZE];
	assert_int_equal(config_init_defaults(c), 0);
	int rc = config_parse(c, text, strlen(text), "c.toml", err);
	if (rc != 0)
		fail_msg("refused (%s): %s\n---\n%s", err_str(rc), err, text);
}

/* Whether text is refused with code and exactly the message want; says
 * what it got when not, so one run shows every mismatch. */
static bool parse_bad(const char *text, int code, const char *want)
{
	struct config c;
	char err[CONFIG_ERR_SIZE] = "";
	assert_int_equal(config_init_defaults(&c), 0);
	int rc = config_parse(&c, text, strlen(text), "c.toml", err);
	config_deinit(&c);
	if (rc == code && strcmp(err, want) == 0)
		return true;
	print_message("---\n%s---\ngot  %d \"%s\"\nwant %d \"%s\"\n", text, rc, err, code, want);
	return false;
}

static void sock_is(
	const struct sockspec *s, int family, const char *addr, unsigned port, unsigned proto)
{
	char text[INET6_ADDRSTRLEN];
	assert_int_equal(s->addr.ss_family, family);
	assert_int_equal(s->proto, proto);
	if (family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&s->addr;
		inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
		assert_int_equal(ntohs(a->sin_port), port);
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&s->addr;
		inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
		assert_int_equal(ntohs(a->sin6_port), port);
	}
	assert_string_equal(text, addr);
}

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool socks_same(const struct config_socks *a, const struct config_socks *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].proto != b->v[i].proto || a->v[i].addr_len != b->v[i].addr_len ||
			memcmp(&a->v[i].addr, &b->v[i].addr, a->v[i].addr_len) != 0)
			return false;
	return true;
}

/* Every field but the API servers, which the template lists differently. */
static void assert_same_but_api(const struct config *a, const struct config *b)
{
	assert_true(str_same(a->policy_dir, b->policy_dir));
	assert_true(str_same(a->zone_state_dir, b->zone_state_dir));
	assert_true(str_same(a->tsig_store_path, b->tsig_store_path));
	assert_true(str_same(a->kmip_credentials_store_path, b->kmip_credentials_store_path));
	assert_true(str_same(a->keys_dir, b->keys_dir));
	assert_true(str_same(a->dnst_binary_path, b->dnst_binary_path));
	assert_int_equal(a->log_level, b->log_level);
	assert_true(str_same(a->log_target, b->log_target));
	assert_int_equal(a->daemonize, b->daemonize);
	assert_true(str_same(a->pid_file, b->pid_file));
	assert_true(str_same(a->identity, b->identity));
	assert_true(str_same(a->api_unix_socket, b->api_unix_socket));
	assert_true(str_same(a->api_token_file, b->api_token_file));
	assert_true(socks_same(&a->loader_review_servers, &b->loader_review_servers));
	assert_true(socks_same(&a->signer_review_servers, &b->signer_review_servers));
	assert_true(socks_same(&a->servers, &b->servers));
}

static void test_defaults(void **state)
{
	(void)state;
	struct config c, d;
	assert_int_equal(config_init_defaults(&c), 0);
	assert_string_equal(c.policy_dir, "/etc/cascade/policies");
	assert_string_equal(c.zone_state_dir, "/var/lib/cascade/zone-state");
	assert_string_equal(c.tsig_store_path, "/var/lib/cascade/tsig-keys.db");
	assert_string_equal(c.kmip_credentials_store_path, "/var/lib/cascade/kmip-credentials.db");
	assert_string_equal(c.keys_dir, "/var/lib/cascade/keys");
	assert_string_equal(c.dnst_binary_path, "dnst");
	assert_int_equal(c.log_level, LOG_LEVEL_INFO);
	assert_string_equal(c.log_target, "stdout");
	assert_false(c.daemonize);
	assert_null(c.pid_file);
	assert_null(c.identity);
	assert_null(c.api_unix_socket);
	assert_null(c.api_token_file);
	assert_int_equal(c.api_servers.n, 1);
	sock_is(&c.api_servers.v[0], AF_INET, "127.0.0.1", 4539, SOCKSPEC_BOTH);
	assert_int_equal(c.loader_review_servers.n, 2);
	sock_is(&c.loader_review_servers.v[0], AF_INET, "127.0.0.1", 4540, SOCKSPEC_BOTH);
	sock_is(&c.loader_review_servers.v[1], AF_INET6, "::1", 4540, SOCKSPEC_BOTH);
	assert_int_equal(c.signer_review_servers.n, 2);
	sock_is(&c.signer_review_servers.v[0], AF_INET, "127.0.0.1", 4541, SOCKSPEC_BOTH);
	sock_is(&c.signer_review_servers.v[1], AF_INET6, "::1", 4541, SOCKSPEC_BOTH);
	assert_int_equal(c.servers.n, 2);
	sock_is(&c.servers.v[0], AF_INET, "127.0.0.1", 4542, SOCKSPEC_BOTH);
	sock_is(&c.servers.v[1], AF_INET6, "::1", 4542, SOCKSPEC_BOTH);
	/* A file with only the version gives the same. */
	parse_ok("version = \"v1\"\n", &d);
	assert_same_but_api(&c, &d);
	assert_true(socks_same(&c.api_servers, &d.api_servers));
	config_deinit(&c);
	config_deinit(&d);
	/* deinit leaves nothing behind and may be repeated */
	assert_null(c.policy_dir);
	config_deinit(&c);
}

static const char every_key[] = "version = \"v1\"\n"
				"policy-dir = \"/p\"\n"
				"zone-state-dir = \"/z\"\n"
				"tsig-store-path = \"/t.db\"\n"
				"kmip-credentials-store-path = \"/k.db\"\n"
				"keys-dir = \"/keys\"\n"
				"dnst-binary-path = \"/usr/bin/dnst\"\n"
				"[daemon]\n"
				"log-level = \"debug\"\n"
				"log-target = { type = \"file\", path = \"/var/log/c.log\" }\n"
				"daemonize = true\n"
				"pid-file = \"/run/c.pid\"\n"
				"identity = \"cascade:nogroup\"\n"
				"[remote-control]\n"
				"servers = [\"tcp://192.0.2.1:8080\"]\n"
				"unix-socket = \"/run/c.sock\"\n"
				"token-file = \"/etc/c.token\"\n"
				"[loader.review]\n"
				"servers = [\"udp://127.0.0.1:5300\", { type = \"tcp\", addr = "
				"\"[::1]:5301\" }]\n"
				"[signer.review]\n"
				"servers = []\n"
				"[key-manager]\n"
				"[server]\n"
				"servers = [{ type = \"tcpudp\", addr = \"0.0.0.0:53\" }, "
				"{ type = \"udp\", addr = \"[2001:db8::1]:53\" }]\n";

static void test_every_key(void **state)
{
	(void)state;
	struct config c;
	parse_ok(every_key, &c);
	assert_string_equal(c.policy_dir, "/p");
	assert_string_equal(c.zone_state_dir, "/z");
	assert_string_equal(c.tsig_store_path, "/t.db");
	assert_string_equal(c.kmip_credentials_store_path, "/k.db");
	assert_string_equal(c.keys_dir, "/keys");
	assert_string_equal(c.dnst_binary_path, "/usr/bin/dnst");
	assert_int_equal(c.log_level, LOG_LEVEL_DEBUG);
	assert_string_equal(c.log_target, "file:/var/log/c.log");
	assert_true(c.daemonize);
	assert_string_equal(c.pid_file, "/run/c.pid");
	assert_string_equal(c.identity, "cascade:nogroup");
	assert_string_equal(c.api_unix_socket, "/run/c.sock");
	assert_string_equal(c.api_token_file, "/etc/c.token");
	assert_int_equal(c.api_servers.n, 1);
	sock_is(&c.api_servers.v[0], AF_INET, "192.0.2.1", 8080, SOCKSPEC_TCP);
	assert_int_equal(c.loader_review_servers.n, 2);
	sock_is(&c.loader_review_servers.v[0], AF_INET, "127.0.0.1", 5300, SOCKSPEC_UDP);
	sock_is(&c.loader_review_servers.v[1], AF_INET6, "::1", 5301, SOCKSPEC_TCP);
	assert_int_equal(c.signer_review_servers.n, 0);
	assert_int_equal(c.servers.n, 2);
	sock_is(&c.servers.v[0], AF_INET, "0.0.0.0", 53, SOCKSPEC_BOTH);
	sock_is(&c.servers.v[1], AF_INET6, "2001:db8::1", 53, SOCKSPEC_UDP);
	config_deinit(&c);
}

static void test_levels_and_targets(void **state)
{
	(void)state;
	static const char *const levels[] = {
		"trace", "debug", "info", "warning", "error", "critical"};
	char text[256];
	struct config c;
	for (int i = 0; i < 6; i++) {
		snprintf(text, sizeof(text), "version = \"v1\"\n[daemon]\nlog-level = \"%s\"\n",
			levels[i]);
		parse_ok(text, &c);
		assert_int_equal(c.log_level, (enum log_level)i);
		config_deinit(&c);
	}
	static const char *const targets[] = {"stdout", "stderr", "syslog"};
	for (int i = 0; i < 3; i++) {
		snprintf(text, sizeof(text),
			"version = \"v1\"\n[daemon]\nlog-target = { type = \"%s\" }\n", targets[i]);
		parse_ok(text, &c);
		assert_string_equal(c.log_target, targets[i]);
		config_deinit(&c);
	}
	/* dotted keys make the same table */
	parse_ok("version = \"v1\"\n[daemon]\nlog-target.type = \"file\"\n"
		 "log-target.path = \"/x y\"\n",
		&c);
	assert_string_equal(c.log_target, "file:/x y");
	config_deinit(&c);
	/* identity forms */
	static const char *const ids[] = {"cascade", "cascade:cascade", "1000", "1000:1000"};
	for (int i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "version = \"v1\"\n[daemon]\nidentity = \"%s\"\n",
			ids[i]);
		parse_ok(text, &c);
		assert_string_equal(c.identity, ids[i]);
		config_deinit(&c);
	}
}

/* Every refusal, with its exact message and place. */
static const struct {
	const char *text;
	int code;
	const char *msg;
} error_cases[] = {
	{"", ERR_INVAL, "c.toml: key 'version': missing; it is required and must be \"v1\""},
	{"version = \"v2\"\n", ERR_INVAL,
		"c.toml:1:11: key 'version': unsupported version \"v2\"; it must be "
		"\"v1\""},
	{"version = 1\n", ERR_INVAL,
		"c.toml:1:11: key 'version': expected a string, found an integer"},
	{"version = \"v1\"\nversion = \"v1\"\n", ERR_SYNTAX,
		"c.toml:2:1: duplicate key 'version' (first defined at 1:1)"},
	{"version = \"v1\"\nfoo = 1\n", ERR_INVAL, "c.toml:2:1: unknown key 'foo'"},
	{"version = \"v1\"\npolicy_dir = \"/x\"\n", ERR_INVAL,
		"c.toml:2:1: unknown key 'policy_dir' (did you mean 'policy-dir'?)"},
	{"version = \"v1\"\n\"a.b\" = 1\n", ERR_INVAL, "c.toml:2:1: unknown key '\"a.b\"'"},
	{"version = \"v1\"\n\"\\u0000x\" = 1\n", ERR_INVAL, "c.toml:2:1: unknown key '\"\\x00x\"'"},
	{"version = \"v1\"\n[daemon]\n  verbose = true\n", ERR_INVAL,
		"c.toml:3:3: unknown key 'daemon.verbose'"},
	{"version = \"v1\"\n[loader.review]\nserver = []\n", ERR_INVAL,
		"c.toml:3:1: unknown key 'loader.review.server'"},
	{"version = \"v1\"\n[loader]\nnotify-listeners = []\n", ERR_INVAL,
		"c.toml:3:1: unknown key 'loader.notify-listeners'"},
	{"version = \"v1\"\n[key-manager]\nx = 1\n", ERR_INVAL,
		"c.toml:3:1: unknown key 'key-manager.x'"},
	{"version = \"v1\"\nkmip-server-state-dir = \"/k\"\n", ERR_INVAL,
		"c.toml:2:1: unknown key 'kmip-server-state-dir'"},
	{"version = \"v1\"\npolicy-dir = 5\n", ERR_INVAL,
		"c.toml:2:14: key 'policy-dir': expected a string, found an integer"},
	{"version = \"v1\"\npolicy-dir = \"\"\n", ERR_INVAL,
		"c.toml:2:14: key 'policy-dir': must not be empty"},
	{"version = \"v1\"\nkeys-dir = \"a\\u0000b\"\n", ERR_INVAL,
		"c.toml:2:12: key 'keys-dir': must not contain NUL characters"},
	{"version = \"v1\"\ndaemon = 1\n", ERR_INVAL,
		"c.toml:2:10: key 'daemon': expected a table, found an integer"},
	{"version = \"v1\"\n[[daemon]]\n", ERR_INVAL,
		"c.toml:2:1: key 'daemon': expected a table, found an array"},
	{"version = \"v1\"\n[daemon]\nlog-level = \"verbose\"\n", ERR_INVAL,
		"c.toml:3:13: key 'daemon.log-level': expected one of trace, debug, info, "
		"warning, error, critical"},
	{"version = \"v1\"\n[daemon]\nlog-level = 3\n", ERR_INVAL,
		"c.toml:3:13: key 'daemon.log-level': expected a string, found an integer"},
	{"version = \"v1\"\n[daemon]\ndaemonize = \"yes\"\n", ERR_INVAL,
		"c.toml:3:13: key 'daemon.daemonize': expected a boolean, found a string"},
	{"version = \"v1\"\n[daemon]\nlog-target = \"stdout\"\n", ERR_INVAL,
		"c.toml:3:14: key 'daemon.log-target': expected a table, found a string"},
	{"version = \"v1\"\n[daemon]\nlog-target = { path = \"/x\" }\n", ERR_INVAL,
		"c.toml:3:14: key 'daemon.log-target.type': missing; expected one of "
		"stdout, "
		"stderr, syslog, file"},
	{"version = \"v1\"\n[daemon]\nlog-target = { type = \"journal\" }\n", ERR_INVAL,
		"c.toml:3:23: key 'daemon.log-target.type': expected one of stdout, "
		"stderr, "
		"syslog, file"},
	{"version = \"v1\"\n[daemon]\nlog-target = { type = \"file\" }\n", ERR_INVAL,
		"c.toml:3:14: key 'daemon.log-target.path': missing; required when type is "
		"\"file\""},
	{"version = \"v1\"\n[daemon]\nlog-target = { type = \"syslog\", path = \"/x\" }\n",
		ERR_INVAL,
		"c.toml:3:40: key 'daemon.log-target.path': only allowed when type is "
		"\"file\""},
	{"version = \"v1\"\n[daemon]\nlog-target = { type = \"file\", path = \"\" }\n", ERR_INVAL,
		"c.toml:3:38: key 'daemon.log-target.path': must not be empty"},
	{"version = \"v1\"\n[daemon]\nlog-target = { type = \"file\", level = 1 }\n", ERR_INVAL,
		"c.toml:3:31: unknown key 'daemon.log-target.level'"},
	{"version = \"v1\"\n[daemon]\nidentity = \":g\"\n", ERR_INVAL,
		"c.toml:3:12: key 'daemon.identity': expected \"user\" or \"user:group\""},
	{"version = \"v1\"\n[daemon]\nidentity = \"u:\"\n", ERR_INVAL,
		"c.toml:3:12: key 'daemon.identity': expected \"user\" or \"user:group\""},
	{"version = \"v1\"\n[daemon]\nidentity = \"u:g:x\"\n", ERR_INVAL,
		"c.toml:3:12: key 'daemon.identity': expected \"user\" or \"user:group\""},
	{"version = \"v1\"\n[remote-control]\nservers = \"127.0.0.1:1\"\n", ERR_INVAL,
		"c.toml:3:11: key 'remote-control.servers': expected an array, found a "
		"string"},
	{"version = \"v1\"\n[remote-control]\nservers = [\"127.0.0.1\"]\n", ERR_INVAL,
		"c.toml:3:12: key 'remote-control.servers': '127.0.0.1': no port "
		"(ADDR:PORT)"},
	{"version = \"v1\"\n[remote-control]\nservers = [\"localhost:1\"]\n", ERR_INVAL,
		"c.toml:3:12: key 'remote-control.servers': 'localhost': not an IPv4 "
		"address "
		"(names are not looked up)"},
	{"version = \"v1\"\n[remote-control]\nservers = [4539]\n", ERR_INVAL,
		"c.toml:3:12: key 'remote-control.servers': expected a socket "
		"(\"ADDR:PORT\" "
		"or a table), found an integer"},
	{"version = \"v1\"\n[signer.review]\nservers = [{ addr = \"127.0.0.1:1\" }]\n", ERR_INVAL,
		"c.toml:3:12: key 'signer.review.servers.type': missing; expected one of "
		"udp, tcp, tcpudp"},
	{"version = \"v1\"\n[signer.review]\nservers = [{ type = \"tcp\" }]\n", ERR_INVAL,
		"c.toml:3:12: key 'signer.review.servers.addr': missing; expected "
		"\"ADDR:PORT\""},
	{"version = \"v1\"\n[signer.review]\nservers = [{ type = \"tls\", addr = \"x\" "
	 "}]\n",
		ERR_INVAL,
		"c.toml:3:21: key 'signer.review.servers.type': expected one of udp, tcp, "
		"tcpudp"},
	{"version = \"v1\"\n[signer.review]\nservers = [{ type = \"tcp\", addr = "
	 "\"udp://127.0.0.1:1\" }]\n",
		ERR_INVAL,
		"c.toml:3:35: key 'signer.review.servers.addr': expected \"ADDR:PORT\"; "
		"type "
		"says the protocol"},
	{"version = \"v1\"\n[signer.review]\nservers = [{ type = \"tcp\", addr = "
	 "\"127.0.0.1:1\", x = 1 }]\n",
		ERR_INVAL, "c.toml:3:50: unknown key 'signer.review.servers.x'"},
	{"version = \"v1\"\n[server]\nservers = []\n", ERR_INVAL,
		"c.toml:3:11: key 'server.servers': must list at least one address"},
	{"version = \"v1\"\n[server]\nservers = [\"[::1]:0\"]\n", ERR_INVAL,
		"c.toml:3:12: key 'server.servers': '0': the port must be a number from 1 "
		"to 65535"},
	{"version = \"v1\"\nx = [1, \n", ERR_SYNTAX,
		"c.toml:3:1: expected a value, found end of file"},
};

/* Each case is refused with its code and message. */
static void test_errors(void **state)
{
	(void)state;
	size_t bad = 0;
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++)
		bad += !parse_bad(error_cases[i].text, error_cases[i].code, error_cases[i].msg);
	assert_int_equal(bad, 0);
}

/* A failed parse leaves a struct that deinit frees (ASan checks). */
static void test_failure_keeps_struct(void **state)
{
	(void)state;
	struct config c;
	char err[CONFIG_ERR_SIZE];
	assert_int_equal(config_init_defaults(&c), 0);
	const char *text = "version = \"v1\"\npolicy-dir = \"/new\"\n[server]\nservers = []\n";
	assert_int_equal(config_parse(&c, text, strlen(text), "c.toml", err), ERR_INVAL);
	assert_string_equal(c.policy_dir, "/new");
	assert_int_equal(c.servers.n, 2); /* the refused list did not replace the default */
	config_deinit(&c);
}

/* The template parses to the defaults (with both API addresses), and the
 * embedded copy is the file in etc/. */
static void test_template(void **state)
{
	(void)state;
	struct config d, t;
	assert_int_equal(config_init_defaults(&d), 0);
	parse_ok(conf_template_config, &t);
	assert_int_equal(strlen(conf_template_config), conf_template_config_len);
	assert_same_but_api(&d, &t);
	assert_int_equal(t.api_servers.n, 2);
	sock_is(&t.api_servers.v[0], AF_INET, "127.0.0.1", 4539, SOCKSPEC_BOTH);
	sock_is(&t.api_servers.v[1], AF_INET6, "::1", 4539, SOCKSPEC_BOTH);
	config_deinit(&d);
	config_deinit(&t);

	const char *src = getenv("SRCDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/etc/config.template.toml", src ? src : ".");
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(fileio_read(path, LIMIT_TOML_SIZE, &b), 0);
	assert_int_equal(b.len, conf_template_config_len);
	assert_memory_equal(b.data, conf_template_config, b.len);
	buf_deinit(&b);
}

static void test_load(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_config.XXXXXX", path[64], err[CONFIG_ERR_SIZE], want[160];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.toml", dir);
	const char *text = "version = \"v1\"\n[daemon]\nlog-level = \"error\"\n";
	assert_int_equal(fileio_write_data(path, 0600, 0, text, strlen(text)), 0);
	struct config c;
	assert_int_equal(config_init_defaults(&c), 0);
	assert_int_equal(config_load(&c, path, err), 0);
	assert_int_equal(c.log_level, LOG_LEVEL_ERROR);
	/* errors name the file by its path */
	text = "version = \"v1\"\nbad = 1\n";
	assert_int_equal(fileio_write_data(path, 0600, 0, text, strlen(text)), 0);
	assert_int_equal(config_load(&c, path, err), ERR_INVAL);
	snprintf(want, sizeof(want), "%s:2:1: unknown key 'bad'", path);
	assert_string_equal(err, want);
	/* a file over the cap is refused before it is read */
	int fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)LIMIT_TOML_SIZE + 1), 0);
	close(fd);
	assert_int_equal(config_load(&c, path, err), ERR_LIMIT);
	snprintf(want, sizeof(want), "%s: larger than %lu octets", path,
		(unsigned long)LIMIT_TOML_SIZE);
	assert_string_equal(err, want);
	unlink(path);
	assert_int_equal(config_load(&c, path, err), -ENOENT);
	snprintf(want, sizeof(want), "%s: cannot read: %s", path, err_str(-ENOENT));
	assert_string_equal(err, want);
	rmdir(dir);
	config_deinit(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_levels_and_targets),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_failure_keeps_struct),
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
