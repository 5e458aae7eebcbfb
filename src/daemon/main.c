/*
 * main.c - cascaded, the daemon (cascade-spec §9): reads its config, takes
 * back its state, binds its servers and runs the loop until SIGTERM or
 * SIGINT. SIGHUP reloads the policies and reopens a log file.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util/err.h"
#include "lib/util/fileio.h"
#include "lib/util/log.h"
#include "src/api/api.h"
#include "src/daemon/dzone.h"
#include "src/daemon/policies.h"
#include "src/daemon/routes.h"
#include "src/daemon/store.h"
#include "src/daemon/startup.h"

struct args {
	const char *config, *state, *log_level, *log;
	bool check, daemonize;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cascaded [-c CONFIG] [--state PATH] [--check-config] [--log-level LEVEL]\n"
		"                [-l stdout|stderr|syslog|file:PATH] [-d] [-V]\n"
		"\n"
		"  -c, --config PATH    config file (CASCADE_CONFIG_PATH; "
		"/etc/cascade/config.toml)\n"
		"      --state PATH     state file (CASCADE_STATE_PATH; "
		"/var/lib/cascade/state.db)\n"
		"      --check-config   check the config and the policies, then exit 0 or 1\n"
		"      --log-level L    trace|debug|info|warning|error|critical "
		"(CASCADE_LOG_LEVEL)\n"
		"  -l, --log TARGET     stdout|stderr|syslog|file:PATH (CASCADE_LOG)\n"
		"  -d, --daemonize      run in the background (pid-file and identity apply)\n"
		"  -V, --version        print the version\n");
}

/* 0 to go on, 1 or 2 to exit with that status, -1 for exit 0. */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
		{"state", required_argument, NULL, 's'}, {"check-config", no_argument, NULL, 'k'},
		{"log-level", required_argument, NULL, 'L'}, {"log", required_argument, NULL, 'l'},
		{"daemonize", no_argument, NULL, 'd'}, {"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "c:l:dVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->config = optarg;
			break;
		case 's':
			a->state = optarg;
			break;
		case 'k':
			a->check = true;
			break;
		case 'L':
			a->log_level = optarg;
			break;
		case 'l':
			a->log = optarg;
			break;
		case 'd':
			a->daemonize = true;
			break;
		case 'V':
			printf("cascaded %s\n", CASCADE_VERSION);
			return -1;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cascaded: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return 0;
}

/* A relative path made absolute from the folder cascaded was started in:
 * a daemonized start moves to /, and key files named through the API must
 * mean the same before and after. */
static int make_absolute(char **path)
{
	if (!*path || (*path)[0] == '/' || !(*path)[0])
		return 0;
	char cwd[4096], *abs;
	if (!getcwd(cwd, sizeof(cwd)) || asprintf(&abs, "%s/%s", cwd, *path) < 0)
		return -1;
	free(*path);
	*path = abs;
	return 0;
}

static int absolute_paths(struct daemon *d)
{
	char **paths[] = {&d->cfg.policy_dir, &d->cfg.zone_state_dir, &d->cfg.tsig_store_path,
		&d->cfg.kmip_credentials_store_path, &d->cfg.keys_dir, &d->cfg.pid_file,
		&d->cfg.api_unix_socket, &d->cfg.api_token_file, &d->state_path};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (make_absolute(paths[i]) < 0) {
			fprintf(stderr, "cascaded: cannot make %s absolute\n", *paths[i]);
			return -1;
		}
	return 0;
}

/* CLI, then environment, then default (cascade-spec §9). */
static const char *pick(const char *cli, const char *env, const char *dflt)
{
	const char *e = getenv(env);
	return cli ? cli : e && *e ? e : dflt;
}

/* The log level and target: CLI > environment > file. */
static int setup_log(const struct args *a, struct config *cfg)
{
	const char *level = pick(a->log_level, "CASCADE_LOG_LEVEL", NULL);
	if (level && log_level_parse(level, &cfg->log_level) < 0) {
		fprintf(stderr,
			"cascaded: log level '%s' is not one of trace, debug, info, "
			"warning, error, critical\n",
			level);
		return -1;
	}
	log_set_level(cfg->log_level);
	const char *target = pick(a->log, "CASCADE_LOG", cfg->log_target);
	int rc = log_open_spec(target);
	if (rc < 0) {
		fprintf(stderr, "cascaded: log target '%s': %s\n", target,
			rc == ERR_INVAL ? "not stdout, stderr, syslog or file:PATH" : err_str(rc));
		return -1;
	}
	/* The target in use, for handing a log file to identity. */
	if (target != cfg->log_target) {
		char *copy = strdup(target);
		if (copy) {
			free(cfg->log_target);
			cfg->log_target = copy;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	signal(SIGPIPE, SIG_IGN);
	/* Loads, signings and writes run on libuv's pool (4 threads unless
	 * told): more, so that a few big zones at work never make a small one
	 * wait for a thread. */
	setenv("UV_THREADPOOL_SIZE", "16", 0);
	static struct daemon d;
	char err[CONFIG_ERR_SIZE];
	const char *cpath = pick(a.config, "CASCADE_CONFIG_PATH", "/etc/cascade/config.toml");
	if (config_init_defaults(&d.cfg) < 0 || config_load(&d.cfg, cpath, err) < 0) {
		fprintf(stderr, "cascaded: %s\n", err);
		config_deinit(&d.cfg);
		return 1;
	}
	d.config_path = strdup(cpath);
	d.state_path = strdup(pick(a.state, "CASCADE_STATE_PATH", "/var/lib/cascade/state.db"));
	if (a.daemonize)
		d.cfg.daemonize = true;
	if (absolute_paths(&d) < 0 || setup_log(&a, &d.cfg) < 0) {
		rc = 1;
	} else if (a.check) {
		rc = startup_check(&d) < 0;
		if (rc == 0)
			printf("%s: the configuration and the policies are valid\n", cpath);
	} else {
		rc = startup_run(&d) < 0;
	}
	free(d.config_path);
	free(d.state_path);
	config_deinit(&d.cfg);
	log_close();
	return rc;
}
