/*
 * keygen.c - `cascade keygen`: a new key pair as BIND key files, as
 * dnssec-keygen makes them, so BIND, ldns and Knot (keymgr import-bind) take
 * them too. Prints the base name of the files.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/dname.h>

#include "lib/keystore/bind.h"
#include "lib/util/clock.h"
#include "lib/util/err.h"
#include "src/cli/cli.h"

static void keygen_usage(FILE *f)
{
	fprintf(f,
		"usage: cascade keygen [-a ALG] [-b BITS] [-f KSK] [-K DIR] ZONE\n"
		"  -a ALG   RSASHA256, RSASHA512, ECDSAP256SHA256 (default), ECDSAP384SHA384,\n"
		"           ED25519, ED448 or their numbers 8, 10, 13, 14, 15, 16\n"
		"  -b BITS  RSA modulus size, 1024..4096 (default 2048)\n"
		"  -f KSK   a key signing key (flags 257, the SEP bit); default a ZSK (256)\n"
		"  -K DIR   where to write the files (default: the current folder)\n"
		"Prints the base name K<zone>.+<alg>+<tag> of the .key and .private files.\n");
}

int cli_keygen(int argc, char **argv)
{
	uint8_t alg = KEY_ALG_ECDSAP256SHA256;
	unsigned bits = 0;
	uint16_t flags = KEY_FLAG_ZONE;
	const char *dir = ".";
	static const struct option longs[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "a:b:f:K:h", longs, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'a':
			if (key_alg_from_name(optarg, &alg) < 0 || !key_alg_supported(alg)) {
				fprintf(stderr, "cascade keygen: unknown algorithm '%s'\n", optarg);
				return 1;
			}
			break;
		case 'b':
			bits = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !*optarg) {
				fprintf(stderr, "cascade keygen: -b wants a number, not '%s'\n",
					optarg);
				return 1;
			}
			break;
		case 'f':
			if (strcasecmp(optarg, "KSK") != 0) {
				fprintf(stderr, "cascade keygen: -f takes KSK only\n");
				return 1;
			}
			flags |= KEY_FLAG_SEP;
			break;
		case 'K':
			dir = optarg;
			break;
		case 'h':
			keygen_usage(stdout);
			return 0;
		default:
			keygen_usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 1) {
		keygen_usage(stderr);
		return 2;
	}
	if (bits && alg != KEY_ALG_RSASHA256 && alg != KEY_ALG_RSASHA512) {
		fprintf(stderr, "cascade keygen: -b is for RSA keys only\n");
		return 1;
	}
	uint8_t apex[KNOT_DNAME_MAXLEN];
	if (!knot_dname_from_str(apex, argv[optind], sizeof(apex))) {
		fprintf(stderr, "cascade keygen: '%s' is not a domain name\n", argv[optind]);
		return 1;
	}
	knot_dname_to_lower(apex);
	struct key *k;
	int rc = key_generate(alg, bits, flags, apex, &k);
	if (rc == ERR_RANGE) {
		fprintf(stderr, "cascade keygen: -b %u: RSA keys are %d to %d bits\n", bits,
			KEY_RSA_GEN_MIN_BITS, KEY_RSA_MAX_BITS);
		return 1;
	}
	if (rc < 0) {
		fprintf(stderr, "cascade keygen: cannot make the key: %s\n", err_str(rc));
		return 1;
	}
	struct clock clk;
	char cerr[256];
	if (clock_init_env(&clk, cerr, sizeof(cerr)) < 0) {
		fprintf(stderr, "cascade keygen: %s\n", cerr);
		key_free(k);
		return 1;
	}
	struct bind_meta meta = {0};
	/* Created, published and active now, as dnssec-keygen writes them, so
	 * dnssec-signzone -S (smart signing) takes the key up too. */
	static const enum bind_time now_times[] = {BIND_CREATED, BIND_PUBLISH, BIND_ACTIVATE};
	for (size_t i = 0; i < sizeof(now_times) / sizeof(now_times[0]); i++) {
		meta.time[now_times[i]] = clock_now(&clk);
		meta.has_time[now_times[i]] = true;
	}
	char name[BIND_NAME_MAX];
	rc = bind_key_write(k, &meta, dir, 0, name);
	key_free(k);
	if (rc < 0) {
		fprintf(stderr, "cascade keygen: cannot write the key files in %s: %s\n", dir,
			err_str(rc));
		return 1;
	}
	printf("%s\n", name);
	return 0;
}
