/*
 * review.c - the review stages (review.h): hooks, manual decisions and what
 * a verdict does to the zone (cascade-spec §2.2, §2.3, §4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/log.h"
#include "src/daemon/pipeline.h"
#include "src/daemon/review.h"
#include "src/daemon/source.h"
#include "src/publish/dnssrv.h"
#include "src/review/hook.h"

static const char *stage_name(bool is_signed)
{
	return is_signed ? "signed" : "unsigned";
}

static const struct policy_review *review_policy(struct dzone *z, bool is_signed)
{
	struct dpolicy *dp = daemon_policy(z->d, z->policy);
	if (!dp)
		return NULL;
	return is_signed ? &dp->p.signer_review : &dp->p.loader_review;
}

/* Where a stage's review server listens: "IP:PORT" of its first socket,
 * and the two parts apart. Empty when the stage has no server. */
struct server_env {
	char addr[SOCKSPEC_TEXT_SIZE], ip[SOCKSPEC_TEXT_SIZE], port[8];
};

static void server_env(struct dnssrv *srv, struct server_env *e)
{
	struct sockspec s;
	memset(e, 0, sizeof(*e));
	if (!srv || dnssrv_addrs(srv, &s, 1) < 1)
		return;
	char host[INET6_ADDRSTRLEN];
	uint16_t port;
	const struct sockaddr *sa = (const struct sockaddr *)&s.addr;
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)sa;
		uv_ip6_name(a, host, sizeof(host));
		port = ntohs(a->sin6_port);
		snprintf(e->addr, sizeof(e->addr), "[%s]:%u", host, port);
	} else {
		const struct sockaddr_in *a = (const void *)sa;
		uv_ip4_name(a, host, sizeof(host));
		port = ntohs(a->sin_port);
		snprintf(e->addr, sizeof(e->addr), "%s:%u", host, port);
	}
	snprintf(e->ip, sizeof(e->ip), "%s", host);
	snprintf(e->port, sizeof(e->port), "%u", port);
}

/* The zone's state tells which stage its hook reviews. */
static void hook_done(void *ctx, enum hook_result r, const char *detail)
{
	struct dzone *z = ctx;
	z->hook = NULL;
	enum review_verdict v = r == HOOK_APPROVED ? REVIEW_APPROVE
		: r == HOOK_SPAWN_FAILED	   ? REVIEW_HARD_FAIL
						   : REVIEW_REJECT;
	review_verdict(z, z->state == DZ_SIGNED_REVIEW, v, detail);
}

/* The hook's environment (cascade-spec §4.2), and beyond Cascade the stage
 * and, for the signed stage, the unsigned serial and server too. */
static void run_hook(struct dzone *z, bool is_signed, const struct policy_review *pr)
{
	struct zone *v = is_signed ? z->up_signed : z->up_loaded;
	struct server_env own, unsigned_env;
	server_env(is_signed ? z->d->signed_srv : z->d->loaded_srv, &own);
	server_env(z->d->loaded_srv, &unsigned_env);
	char zone[LIMIT_NAME_LEN * 4 + 16], serial[32], userial[40], srv[96], ip[96], port[40];
	char usrv[96], uip[96], uport[40], stage[32];
	size_t nl = strlen(z->name);
	snprintf(zone, sizeof(zone), "CASCADE_ZONE=%.*s", (int)(nl > 1 ? nl - 1 : nl), z->name);
	snprintf(serial, sizeof(serial), "CASCADE_SERIAL=%u", v->serial);
	snprintf(srv, sizeof(srv), "CASCADE_SERVER=%s", own.addr);
	snprintf(ip, sizeof(ip), "CASCADE_SERVER_IP=%s", own.ip);
	snprintf(port, sizeof(port), "CASCADE_SERVER_PORT=%s", own.port);
	snprintf(stage, sizeof(stage), "CASCADE_STAGE=%s", stage_name(is_signed));
	snprintf(userial, sizeof(userial), "CASCADE_UNSIGNED_SERIAL=%u",
		z->up_loaded	    ? z->up_loaded->serial
			: z->loaded ? z->loaded->serial
				    : 0);
	snprintf(usrv, sizeof(usrv), "CASCADE_UNSIGNED_SERVER=%s", unsigned_env.addr);
	snprintf(uip, sizeof(uip), "CASCADE_UNSIGNED_SERVER_IP=%s", unsigned_env.ip);
	snprintf(uport, sizeof(uport), "CASCADE_UNSIGNED_SERVER_PORT=%s", unsigned_env.port);
	const char *env[] = {zone, serial, srv, ip, port, stage, userial, usrv, uip, uport, NULL};
	if (!is_signed)
		env[6] = NULL;
	char label[LIMIT_NAME_LEN * 4 + 64];
	snprintf(label, sizeof(label), "zone %s: %s review hook", z->name, stage_name(is_signed));
	struct hook_opts o = {.cmd = pr->hook,
		.env = env,
		.timeout_ms = (uint64_t)pr->hook_timeout * 1000,
		.label = label};
	if (hook_run(z->d->loop, &o, hook_done, z, &z->hook) < 0)
		review_verdict(z, is_signed, REVIEW_HARD_FAIL, "the hook could not be started");
}

void review_start(struct dzone *z, bool is_signed)
{
	const struct policy_review *pr = review_policy(z, is_signed);
	struct zone *v = is_signed ? z->up_signed : z->up_loaded;
	if (!pr || pr->mode == POLICY_REVIEW_OFF) {
		pipeline_persist(z, is_signed);
		return;
	}
	z->state = is_signed ? DZ_SIGNED_REVIEW : DZ_LOADED_REVIEW;
	dzone_event(z, v->serial, "%s zone review pending (%s)", is_signed ? "Signed" : "Unsigned",
		pr->mode == POLICY_REVIEW_MANUAL ? "manual" : "script");
	if (pr->mode == POLICY_REVIEW_SCRIPT)
		run_hook(z, is_signed, pr);
	else
		log_info("zone %s: waiting for `cascade zone approve|reject --%s %.*s %u`", z->name,
			stage_name(is_signed), (int)strlen(z->name) - 1, z->name, v->serial);
}

/* Rejected: discard (soft halt) drops the version and goes on; halt (hard)
 * stops the zone until override or reset (cascade-spec §2.3). */
static void rejected(struct dzone *z, bool is_signed, bool hard, const char *why)
{
	if (hard) {
		z->state = is_signed ? DZ_HALT_SIGNED : DZ_HALT_LOADED;
		free(z->halt_reason);
		z->halt_reason = strdup(why);
		log_warning(
			"zone %s: halted after %s review: %s", z->name, stage_name(is_signed), why);
		dzone_save(z);
		return;
	}
	/* A primary would hand the same version over at every refresh: it
	 * is skipped until a newer one comes or the operator reloads. */
	if (z->up_loaded && z->source == DZ_SRC_SERVER)
		source_xfr_rejected(z, z->up_loaded->serial);
	dzone_drop_upcoming(z);
	z->state = DZ_IDLE;
	dzone_save(z);
	dzone_kick(z);
}

void review_verdict(struct dzone *z, bool is_signed, enum review_verdict v, const char *detail)
{
	const struct policy_review *pr = review_policy(z, is_signed);
	struct zone *ver = is_signed ? z->up_signed : z->up_loaded;
	const char *Stage = is_signed ? "Signed" : "Unsigned";
	review_cancel(z);
	if (v == REVIEW_APPROVE) {
		dzone_event(z, ver->serial, "%s zone review approved%s%s", Stage,
			detail ? ": " : "", detail ? detail : "");
		pipeline_persist(z, is_signed);
		return;
	}
	char why[512];
	if (v == REVIEW_HARD_FAIL) {
		snprintf(why, sizeof(why), "could not execute the %s review hook: %s",
			stage_name(is_signed), detail ? detail : "unknown reason");
		dzone_event(z, ver->serial, "Could not execute hook: %s", why);
		z->d->stats.errors++;
		rejected(z, is_signed, true, why);
		return;
	}
	snprintf(why, sizeof(why), "%s zone rejected%s%s", stage_name(is_signed),
		detail ? ": " : "", detail ? detail : "");
	dzone_event(z, ver->serial, "%s zone review rejected%s%s", Stage, detail ? ": " : "",
		detail ? detail : "");
	rejected(z, is_signed, pr && pr->on_reject == POLICY_REJECT_HALT, why);
}

void review_cancel(struct dzone *z)
{
	if (!z->hook)
		return;
	hook_cancel(z->hook);
	z->hook = NULL;
}
