/*
 * serve_zone - test and benchmark helper: serves one zone file with the
 * daemon's nameserver (src/publish/dnssrv) until SIGTERM or SIGINT.
 *
 *   serve_zone [-a ADDR] [-p PORT] [-m MSGSIZE] [-q] ORIGIN FILE
 *
 * Listens on ADDR (default 127.0.0.1) port PORT (default 0: the kernel
 * picks one), UDP and TCP. Once listening it prints "port N" on stdout, so
 * a test can start it on port 0 and read where it went. -m sets the
 * transfer message size; -q logs warnings only. Exit 0 after a signal,
 * 1 when the zone does not load or the port cannot be bound, 2 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "lib/util/buf.h"
#include "lib/util/err.h"
#include "lib/util/log.h"
#include "lib/zone/zone_read.h"
#include "src/publish/dnssrv.h"

struct serve {
	struct zone *zone;
	struct dnssrv *srv;
	uv_signal_t sigterm, sigint;
};

static enum dnssrv_zone lookup(
	void *ctx, const uint8_t *qname, const struct dnssrv_req *req, struct zone **out)
{
	(void)req;
	struct serve *s = ctx;
	if (!name_equal(qname, s->zone->apex))
		return DNSSRV_ZONE_UNKNOWN;
	*out = zone_ref(s->zone);
	return DNSSRV_ZONE_READY;
}

static void on_signal(uv_signal_t *h, int signum)
{
	(void)signum;
	struct serve *s = h->data;
	dnssrv_stop(s->srv);
	s->srv = NULL;
	uv_close((uv_handle_t *)&s->sigterm, NULL);
	uv_close((uv_handle_t *)&s->sigint, NULL);
}

static int usage(void)
{
	fprintf(stderr, "usage: serve_zone [-a ADDR] [-p PORT] [-m MSGSIZE] [-q] ORIGIN FILE\n");
	return 2;
}

static struct zone *load(const char *origin, const char *path)
{
	struct zone_msgs m;
	zone_msgs_init(&m);
	struct zone_read_opts o = {.origin = origin};
	struct zone *z = NULL;
	int rc = zone_read_file(path, &o, &m, &z);
	fputs(buf_cstr(&m.text), stderr);
	if (rc != 0)
		fprintf(stderr, "serve_zone: %s: %s\n", path, err_str(rc));
	zone_msgs_deinit(&m);
	return rc == 0 ? z : NULL;
}

/* ADDR and PORT as a spec for UDP and TCP. */
static int make_spec(const char *addr, const char *port, struct sockspec *spec)
{
	char *end;
	unsigned long p = strtoul(port, &end, 10);
	if (*port == 0 || *end != 0 || p > 65535)
		return -1;
	memset(spec, 0, sizeof(*spec));
	spec->proto = SOCKSPEC_BOTH;
	if (uv_ip4_addr(addr, (int)p, (struct sockaddr_in *)&spec->addr) == 0) {
		spec->addr_len = sizeof(struct sockaddr_in);
		return 0;
	}
	if (uv_ip6_addr(addr, (int)p, (struct sockaddr_in6 *)&spec->addr) == 0) {
		spec->addr_len = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -1;
}

static int serve(struct serve *s, const struct sockspec *spec, size_t msg_size)
{
	uv_loop_t *loop = uv_default_loop();
	struct dnssrv_opts o = {.name = "serve_zone",
		.socks = spec,
		.nsocks = 1,
		.lookup = lookup,
		.ctx = s,
		.xfr_msg_size = msg_size};
	char err[DNSSRV_ERR_SIZE];
	if (dnssrv_start(loop, &o, &s->srv, err) != 0) {
		fprintf(stderr, "serve_zone: %s\n", err);
		uv_run(loop, UV_RUN_DEFAULT);
		return 1;
	}
	uv_signal_init(loop, &s->sigterm);
	uv_signal_init(loop, &s->sigint);
	s->sigterm.data = s->sigint.data = s;
	uv_signal_start(&s->sigterm, on_signal, SIGTERM);
	uv_signal_start(&s->sigint, on_signal, SIGINT);
	struct sockspec bound;
	dnssrv_addrs(s->srv, &bound, 1);
	const struct sockaddr_in *a = (const struct sockaddr_in *)&bound.addr;
	printf("port %u\n", ntohs(a->sin_port)); /* sin6_port is at the same place */
	fflush(stdout);
	uv_run(loop, UV_RUN_DEFAULT);
	return uv_loop_close(loop) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *port = "0";
	size_t msg_size = 0;
	int opt;
	while ((opt = getopt(argc, argv, "a:p:m:q")) != -1) {
		switch (opt) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = optarg;
			break;
		case 'm':
			msg_size = strtoul(optarg, NULL, 10);
			break;
		case 'q':
			log_set_level(LOG_LEVEL_WARNING);
			break;
		default:
			return usage();
		}
	}
	if (argc - optind != 2)
		return usage();
	struct sockspec spec;
	if (make_spec(addr, port, &spec) != 0) {
		fprintf(stderr, "serve_zone: bad address or port: %s %s\n", addr, port);
		return 2;
	}
	struct serve s = {0};
	s.zone = load(argv[optind], argv[optind + 1]);
	if (!s.zone)
		return 1;
	int rc = serve(&s, &spec, msg_size);
	zone_unref(s.zone);
	return rc;
}
