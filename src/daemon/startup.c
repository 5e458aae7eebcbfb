/*
 * startup.c - the daemon's life: start (cascade-spec §9 startup sequence),
 * signals, and a clean stop that lets running jobs finish.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
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
#include "src/daemon/review.h"
#include "src/daemon/routes.h"
#include "src/daemon/servers.h"
#include "src/daemon/startup.h"
#include "src/daemon/store.h"
#include "src/publish/dnssrv.h"
#include "src/review/hook.h"

int daemon_save_state(struct daemon *d)
{
	return store_save_state(d);
}

/* The bearer token: the file's first line, whitespace trimmed. */
static int read_token(const char *path, char **out)
{
	struct buf b;
	buf_init(&b, 0);
	b.secret = true;
	int rc = fileio_read(path, 4096, &b);
	if (rc < 0) {
		log_critical("cannot read the API token file %s: %s", path, err_str(rc));
		buf_deinit(&b);
		return rc;
	}
	const char *t = buf_cstr(&b);
	size_t s = strspn(t, " \t\r\n"), n = strcspn(t + s, " \t\r\n");
	if (n == 0) {
		log_critical("the API token file %s is empty", path);
		buf_deinit(&b);
		return ERR_INVAL;
	}
	*out = strndup(t + s, n);
	buf_deinit(&b);
	return *out ? 0 : ERR_NOMEM;
}

static int start_api(struct daemon *d)
{
	char *token = NULL, err[API_ERR_SIZE];
	if (d->cfg.api_token_file && read_token(d->cfg.api_token_file, &token) < 0)
		return ERR_INVAL;
	struct api_opts o = {.socks = d->cfg.api_servers.v,
		.nsocks = d->cfg.api_servers.n,
		.unix_path = d->cfg.api_unix_socket,
		.token = token,
		.handler = routes_handle,
		.ctx = d};
	int rc = api_start(d->loop, &o, &d->api, err);
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	if (rc < 0)
		log_critical("cannot start the API: %s", err);
	return rc;
}

/* The state file, or on a first start the policies of policy-dir. */
static int load_state(struct daemon *d)
{
	char err[STORE_ERR_SIZE] = "";
	int rc = store_load_state(d, err);
	if (rc == -ENOENT) {
		json_t *report;
		char perr[POLICIES_ERR_SIZE];
		log_info("first start: no state file %s; reading the policies of %s", d->state_path,
			d->cfg.policy_dir);
		if (policies_reload(d, &report, perr) < 0)
			log_warning("%s", perr);
		else
			json_decref(report);
		return daemon_save_state(d);
	}
	if (rc < 0)
		log_critical("cannot read the state file: %s", err);
	return rc;
}

int startup_check(struct daemon *d)
{
	json_t *report;
	char err[POLICIES_ERR_SIZE];
	if (tsigstore_load(&d->tsig, d->cfg.tsig_store_path, err) < 0) {
		fprintf(stderr, "cascaded: cannot read the TSIG key store: %s\n", err);
		return -1;
	}
	int rc = policies_reload(d, &report, err);
	tsigstore_deinit(&d->tsig);
	if (rc < 0) {
		fprintf(stderr, "cascaded: %s\n", err);
		policies_free(d);
		return -1;
	}
	json_t *w;
	size_t i;
	json_array_foreach(json_object_get(report, "warnings"), i, w)
		fprintf(stderr, "cascaded: warning: %s\n", json_string_value(w));
	json_decref(report);
	policies_free(d);
	return 0;
}

static void free_zones(struct daemon *d)
{
	for (size_t i = 0; i < d->nzones; i++)
		dzone_free(d->zones[i]);
	free(d->zones);
	d->zones = NULL;
	d->nzones = 0;
}

/* Waits for the jobs on the thread pool, then lets go of everything. */
static void finish_stop(uv_timer_t *t)
{
	struct daemon *d = t->data;
	if (d->busy > 0)
		return;
	uv_close((uv_handle_t *)t, NULL);
	/* After a failed start the files hold more than memory does. */
	if (!d->start_failed) {
		daemon_save_state(d);
		for (size_t i = 0; i < d->nzones; i++)
			dzone_save(d->zones[i]);
	}
	free_zones(d);
}

static uv_timer_t stop_timer;

static void begin_stop(struct daemon *d)
{
	if (d->stopping)
		return;
	d->stopping = true;
	log_info("stopping: waiting for %u running job(s)", d->busy);
	servers_stop(d);
	api_stop(d->api);
	d->api = NULL;
	for (size_t i = 0; i < d->nzones; i++)
		review_cancel(d->zones[i]);
	/* Also the hooks whose verdict came but whose kill is still due. */
	hook_cancel_all(d->loop);
	uv_close((uv_handle_t *)&d->sig_term, NULL);
	uv_close((uv_handle_t *)&d->sig_int, NULL);
	uv_close((uv_handle_t *)&d->sig_hup, NULL);
	uv_timer_init(d->loop, &stop_timer);
	stop_timer.data = d;
	uv_timer_start(&stop_timer, finish_stop, 0, 20);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct daemon *d = s->data;
	if (signum != SIGHUP) {
		log_info("signal %d: stopping", signum);
		begin_stop(d);
		return;
	}
	log_reopen();
	json_t *report;
	char err[POLICIES_ERR_SIZE];
	if (policies_reload(d, &report, err) < 0) {
		log_error("SIGHUP: policy reload failed, the old policies stay: %s", err);
		return;
	}
	char *text = json_dumps(report, JSON_COMPACT);
	log_info("SIGHUP: policies reloaded: %s", text ? text : "");
	free(text);
	json_decref(report);
	daemon_save_state(d);
}

static void watch_signals(struct daemon *d)
{
	uv_signal_t *s[] = {&d->sig_term, &d->sig_int, &d->sig_hup};
	int num[] = {SIGTERM, SIGINT, SIGHUP};
	for (int i = 0; i < 3; i++) {
		uv_signal_init(d->loop, s[i]);
		s[i]->data = d;
		uv_signal_start(s[i], on_signal, num[i]);
	}
}

/* mkdir -p, and the folder given to the identity the daemon drops to. */
static int make_dir(struct daemon *d, const char *path)
{
	int rc = store_mkdirs(path, 0700);
	if (rc == 0 && d->have_identity && chown(path, d->uid, d->gid) < 0)
		rc = -errno;
	if (rc < 0)
		log_critical("cannot make the folder %s: %s", path, err_str(rc));
	return rc;
}

/* The folder holding the file path. */
static int make_parent(struct daemon *d, const char *path)
{
	char parent[4096];
	snprintf(parent, sizeof(parent), "%s", path);
	char *slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return 0;
	*slash = '\0';
	return make_dir(d, parent);
}

static int make_dirs(struct daemon *d)
{
	int rc = make_dir(d, d->cfg.zone_state_dir);
	if (rc == 0)
		rc = make_dir(d, d->cfg.keys_dir);
	if (rc == 0)
		rc = make_parent(d, d->state_path);
	if (rc == 0)
		rc = make_parent(d, d->cfg.tsig_store_path);
	return rc;
}

/* The API's socket and a log file, made as root, are handed to identity
 * too, so the daemon can remove the one at the stop and reopen the other
 * on SIGHUP after the drop. */
static int give_to_identity(struct daemon *d)
{
	const char *log_file = d->cfg.log_target && strncmp(d->cfg.log_target, "file:", 5) == 0
		? d->cfg.log_target + 5
		: NULL;
	const char *paths[] = {d->cfg.api_unix_socket, log_file};
	for (size_t i = 0; d->have_identity && i < 2; i++) {
		if (paths[i] && chown(paths[i], d->uid, d->gid) < 0) {
			log_critical("cannot hand %s to %s: %s", paths[i], d->cfg.identity,
				strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static int start_all(struct daemon *d)
{
	int rc = startup_identity(d);
	if (rc == 0)
		rc = make_dirs(d);
	if (rc == 0) /* before the policies: their checks ask for keys */
		rc = tsigstore_start(d);
	if (rc == 0)
		rc = servers_start(d);
	if (rc == 0)
		rc = start_api(d);
	if (rc == 0)
		rc = give_to_identity(d);
	if (rc == 0)
		rc = startup_daemonize(d);
	if (rc == 0)
		rc = load_state(d);
	return rc;
}

int startup_run(struct daemon *d)
{
	char err[256];
	static uv_loop_t loop;
	uv_loop_init(&loop);
	d->loop = &loop;
	if (clock_init_env(&d->clock, err, sizeof(err)) < 0) {
		log_critical("%s", err);
		return -1;
	}
	d->started = clock_now(&d->clock);
	d->threads = uv_available_parallelism();
	log_info("cascaded %s starting (config %s, state %s)%s", CASCADE_VERSION, d->config_path,
		d->state_path, clock_is_fake(&d->clock) ? ", with CASCADE_FAKETIME" : "");
	watch_signals(d);
	int rc = start_all(d);
	startup_report(d, rc);
	if (rc < 0) {
		d->start_failed = true;
		begin_stop(d);
	} else {
		log_info("cascaded started: %zu zone(s), %zu polic%s", d->nzones, d->npolicies,
			d->npolicies == 1 ? "y" : "ies");
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	policies_free(d);
	tsigstore_deinit(&d->tsig);
	startup_remove_pid_file(d);
	if (uv_loop_close(&loop) != 0)
		log_warning("the loop had handles left at exit");
	log_info("cascaded stopped");
	return rc;
}
