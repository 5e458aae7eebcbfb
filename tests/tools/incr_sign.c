/*
 * incr_sign - test helper for incremental signing (signer_update).
 *
 *   incr_sign -o ORIGIN -i INCEPTION -e EXPIRATION [-Z] [--old MODE]
 *             [--new MODE] [--serial N] [--full FILE] OLD NEW OUT KEY...
 *
 * Signs the zone file OLD in full, makes the version of zone file NEW by
 * applying the difference to it (so the two share what did not change, as
 * in the daemon), signs that incrementally on top of the first signing and
 * writes the result to OUT; with --full, also a full signing of NEW to
 * FILE. MODE is nsec (default), nsec3 or optout, for the old and the new
 * signing. KEY is a BIND key base name, prefixed "old:" or "new:" when it
 * only signs the old or the new version; keys with the SEP flag sign the
 * DNSKEY RRset, the others the rest (keys of one kind alone do both). Times are
 * Unix seconds; "now" is the inception plus one hour. --serial gives the new
 * signing that SOA serial (as a daemon's serial policy would). Prints one line:
 * "names N signatures N reused N full 0|1", and to stderr the time the
 * incremental signing took. Errors go to stderr, exit 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/dnssec/signer.h"
#include "lib/keystore/bind.h"
#include "lib/util/err.h"
#include "lib/zone/zone_diff.h"
#include "lib/zone/zone_read.h"
#include "lib/zone/zone_write.h"

#define MAX_KEYS 8

struct side {
	struct signer_key keys[MAX_KEYS];
	struct signer_opts o;
};

static int die(const char *what, const char *detail)
{
	fprintf(stderr, "incr_sign: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	return 1;
}

static int set_mode(struct side *s, const char *mode)
{
	s->o.nsec3 = strcmp(mode, "nsec") != 0;
	s->o.opt_out = strcmp(mode, "optout") == 0;
	return strcmp(mode, "nsec") && strcmp(mode, "nsec3") && strcmp(mode, "optout") ? -1 : 0;
}

static struct zone *load(const char *path, const char *origin)
{
	struct zone_msgs m;
	struct zone *z = NULL;
	struct zone_read_opts o = {.origin = origin};
	zone_msgs_init(&m);
	if (zone_read_file(path, &o, &m, &z) != 0)
		fprintf(stderr, "incr_sign: %s\n", buf_cstr(&m.text));
	zone_msgs_deinit(&m);
	return z;
}

/* Adds key k to side s with its role (see the top of the file). */
static void add_key(struct side *s, const struct key *k)
{
	s->keys[s->o.nkeys++] = (struct signer_key){.key = k,
		.publish = true,
		.ksk = (k->flags & KEY_FLAG_SEP) != 0,
		.zsk = !(k->flags & KEY_FLAG_SEP)};
}

/* Without a key of one kind, the keys of the other do both jobs. */
static void fix_roles(struct side *s)
{
	bool ksk = false, zsk = false;
	for (size_t i = 0; i < s->o.nkeys; i++) {
		ksk |= s->keys[i].ksk;
		zsk |= s->keys[i].zsk;
	}
	for (size_t i = 0; i < s->o.nkeys; i++) {
		s->keys[i].ksk |= !ksk;
		s->keys[i].zsk |= !zsk;
	}
	s->o.keys = s->keys;
}

static int sign_both(
	struct side *old, struct side *new, char **files, const char *origin, const char *full_path)
{
	struct zone *in0 = load(files[0], origin), *target = load(files[1], origin);
	struct zone *in1 = NULL, *out0 = NULL, *out1 = NULL, *full = NULL;
	struct zone_diff d;
	struct buf err;
	struct signer_stats st;
	zone_diff_init(&d);
	buf_init(&err, 0);
	int rc = in0 && target ? 0 : 1;
	if (rc == 0 &&
		(zone_diff_compute(in0, target, &d) < 0 ||
			zone_diff_apply(in0, &d, &in1, &err) < 0))
		rc = die("cannot apply the difference", buf_cstr(&err));
	struct signer_stats st0 = {0};
	if (rc == 0 && signer_update(in0, &old->o, NULL, &out0, &st0, &err) < 0)
		rc = die("old signing", buf_cstr(&err));
	struct signer_prev prev = {in0, out0, &old->o, st0.earliest};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (rc == 0 && signer_update(in1, &new->o, &prev, &out1, &st, &err) < 0)
		rc = die("incremental signing", buf_cstr(&err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == 0 && zone_write_file(out1, files[2]) < 0)
		rc = die("cannot write", files[2]);
	if (rc == 0 && full_path &&
		(signer_sign(target, &new->o, &full, &err) < 0 ||
			zone_write_file(full, full_path) < 0))
		rc = die("full signing", full_path);
	if (rc == 0)
		printf("names %zu signatures %zu reused %zu full %d\n", st.names, st.signatures,
			st.reused, st.full);
	if (rc == 0)
		fprintf(stderr, "incremental signing took %.6f s\n",
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	zone_unref(in0);
	zone_unref(target);
	zone_unref(in1);
	zone_unref(out0);
	zone_unref(out1);
	zone_unref(full);
	zone_diff_deinit(&d);
	buf_deinit(&err);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {{"old", required_argument, NULL, 'O'},
		{"new", required_argument, NULL, 'N'}, {"full", required_argument, NULL, 'F'},
		{"serial", required_argument, NULL, 'S'}, {NULL, 0, NULL, 0}};
	struct side old = {0}, new = {0};
	const char *origin = NULL, *full = NULL;
	uint32_t inc = 0, exp = 0;
	int c;
	while ((c = getopt_long(argc, argv, "o:i:e:Z", longs, NULL)) != -1) {
		switch (c) {
		case 'o':
			origin = optarg;
			break;
		case 'i':
			inc = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'e':
			exp = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'Z':
			old.o.zonemd_hash = new.o.zonemd_hash = 1;
			break;
		case 'O':
		case 'N':
			if (set_mode(c == 'O' ? &old : &new, optarg) < 0)
				return die("bad mode", optarg);
			break;
		case 'F':
			full = optarg;
			break;
		case 'S':
			new.o.serial = (uint32_t)strtoul(optarg, NULL, 10);
			new.o.set_serial = true;
			break;
		default:
			return 2;
		}
	}
	if (!origin || !inc || !exp || argc - optind < 4)
		return die("usage: incr_sign -o ORIGIN -i INC -e EXP [-Z] [--old M] [--new M] "
			   "[--full F] OLD NEW OUT KEY...",
			NULL);
	struct key *keys[MAX_KEYS];
	int nkeys = 0, rc = 0;
	for (int i = optind + 3; i < argc && rc == 0; i++) {
		const char *path = argv[i];
		bool in_old = strncmp(path, "new:", 4) != 0, in_new = strncmp(path, "old:", 4) != 0;
		path += (!in_old || !in_new) ? 4 : 0;
		char err[BIND_ERR_SIZE];
		if (nkeys == MAX_KEYS)
			rc = die("too many keys", NULL);
		else if (bind_key_read(path, &keys[nkeys], NULL, err) < 0)
			rc = die(path, err);
		if (rc)
			break;
		if (in_old)
			add_key(&old, keys[nkeys]);
		if (in_new)
			add_key(&new, keys[nkeys]);
		nkeys++;
	}
	struct side *sides[] = {&old, &new};
	for (int s = 0; s < 2; s++) {
		fix_roles(sides[s]);
		sides[s]->o.inception = inc;
		sides[s]->o.expiration = exp;
		sides[s]->o.now = inc + 3600;
		sides[s]->o.refresh = (exp - inc) / 4;
		sides[s]->o.threads = 2;
	}
	if (rc == 0)
		rc = sign_both(&old, &new, argv + optind, origin, full);
	for (int i = 0; i < nkeys; i++)
		key_free(keys[i]);
	return rc;
}
