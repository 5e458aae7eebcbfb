/*
 * signzone.c - `cascade signzone`: sign a zone file offline with BIND key
 * files, as dnssec-signzone and ldns-signzone are used.
 *
 * Key roles come from the keys' flags: keys with the SEP bit (257) sign the
 * DNSKEY RRset, the others (256) the rest; when only one kind is given, those
 * keys do both (a CSK).
 *
 * While the zone file is parsed on one thread, the other -j threads make
 * ECDSA nonces for the keys that will sign most (key_nonce.h), so the
 * cores that would idle take work off the signing.
 */
#include <ctype.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/dnssec/denial.h"
#include "lib/dnssec/key_nonce.h"
#include "lib/dnssec/serial.h"
#include "lib/dnssec/signer.h"
#include "lib/dnssec/zonemd.h"
#include "lib/keystore/bind.h"
#include "lib/util/base.h"
#include "lib/util/clock.h"
#include "lib/util/datetime.h"
#include "lib/util/err.h"
#include "lib/zone/zone_read.h"
#include "lib/zone/zone_write.h"
#include "src/cli/cli.h"

struct signzone {
	const char *origin, *out, *in;
	const char *inception, *expiration;
	enum serial_policy serial;
	struct signer_opts o;
	struct key *keys[64];
	struct signer_key roles[64];
	struct key_nonces *nonces[64]; /* per key, NULL for most */
	size_t nkeys;
	int64_t now;
	bool verbose;
};

/* Seconds on the monotonic clock, for -v. */
static double seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void signzone_usage(FILE *f)
{
	fprintf(f,
		"usage: cascade signzone [options] ZONEFILE KEY...\n"
		"  KEY                  a BIND key file base name (Kzone.+alg+tag) or either file\n"
		"  -o ORIGIN            the zone's apex (default: the zone file's name)\n"
		"  -f OUT               the signed zone file (default: ZONEFILE.signed)\n"
		"  -n                   NSEC3 instead of NSEC\n"
		"  --nsec3-iterations N extra iterations (default 0, RFC 9276)\n"
		"  --nsec3-salt HEX     salt in hex, '-' for none (default none, RFC 9276)\n"
		"  --opt-out            NSEC3 opt-out for insecure delegations\n"
		"  -i TIME, -e TIME     signature inception and expiration: YYYYMMDDhhmmss, Unix\n"
		"                       seconds or +SECONDS from now (default: now - 1d, now + "
		"2w)\n"
		"  -j THREADS           signing threads (default: every core)\n"
		"  -Z                   add a ZONEMD (RFC 8976, SIMPLE, SHA-384)\n"
		"  --serial-policy P    keep (default), counter, unix-time or date-counter\n"
		"  -v                   print what each step took to stderr\n"
		"CASCADE_FAKETIME=<Unix seconds> pins \"now\".\n");
}

/* YYYYMMDDhhmmss, Unix seconds or +SECONDS from now (RFC 4034 §3.2 forms),
 * within the 32 bits an RRSIG holds. */
static int parse_time(const char *s, int64_t now, int64_t *out)
{
	const int64_t max = 0xffffffffLL;
	char *end;
	if (!isdigit((unsigned char)s[s[0] == '+']))
		return ERR_SYNTAX; /* no sign, no space: strtoll would take them */
	if (s[0] == '+') {
		long long d = strtoll(s + 1, &end, 10);
		if (*end || d > max - now)
			return ERR_RANGE;
		*out = now + d;
		return 0;
	}
	int rc = 0;
	if (strlen(s) == 14) {
		rc = datetime_parse_stamp(s, 14, out);
	} else {
		long long t = strtoll(s, &end, 10);
		if (*end)
			return ERR_SYNTAX;
		*out = t;
	}
	return rc < 0 ? rc : (*out < 0 || *out > max) ? ERR_RANGE : 0;
}

static int parse_salt(struct signzone *z, const char *hex)
{
	if (strcmp(hex, "-") == 0) {
		z->o.salt_len = 0;
		return 0;
	}
	int n = base16_decode(hex, strlen(hex), z->o.salt, sizeof(z->o.salt), 0);
	if (n < 0)
		return n;
	z->o.salt_len = (uint8_t)n;
	return 0;
}

enum { OPT_ITER = 1000, OPT_SALT, OPT_OPTOUT, OPT_SERIAL };

static int parse_args(struct signzone *z, int argc, char **argv)
{
	static const struct option longs[] = {
		{"nsec3-iterations", required_argument, NULL, OPT_ITER},
		{"nsec3-salt", required_argument, NULL, OPT_SALT},
		{"opt-out", no_argument, NULL, OPT_OPTOUT},
		{"serial-policy", required_argument, NULL, OPT_SERIAL},
		{"help", no_argument, NULL, 'h'}, {0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:f:ni:e:j:Zvh", longs, NULL)) != -1) {
		char *end = NULL;
		switch (c) {
		case 'o':
			z->origin = optarg;
			break;
		case 'f':
			z->out = optarg;
			break;
		case 'n':
			z->o.nsec3 = true;
			break;
		case 'i':
			z->inception = optarg;
			break;
		case 'e':
			z->expiration = optarg;
			break;
		case 'Z':
			z->o.zonemd_hash = ZONEMD_HASH_SHA384;
			break;
		case 'v':
			z->verbose = true;
			break;
		case OPT_OPTOUT:
			z->o.opt_out = true;
			break;
		case 'j': {
			unsigned long t = strtoul(optarg, &end, 10);
			if (*end || t < 1 || t > 256) {
				fprintf(stderr, "cascade signzone: -j wants 1..256 threads\n");
				return 1;
			}
			z->o.threads = (unsigned)t;
			break;
		}
		case OPT_ITER: {
			unsigned long it = strtoul(optarg, &end, 10);
			if (*end || !*optarg || it > NSEC3_ITERATIONS_MAX) {
				fprintf(stderr,
					"cascade signzone: --nsec3-iterations wants 0..%d\n",
					NSEC3_ITERATIONS_MAX);
				return 1;
			}
			z->o.iterations = (uint16_t)it;
			break;
		}
		case OPT_SALT:
			if (parse_salt(z, optarg) < 0) {
				fprintf(stderr,
					"cascade signzone: bad --nsec3-salt '%s': hex or '-'\n",
					optarg);
				return 1;
			}
			break;
		case OPT_SERIAL:
			if (serial_policy_parse(optarg, &z->serial) < 0) {
				fprintf(stderr, "cascade signzone: unknown serial policy '%s'\n",
					optarg);
				return 1;
			}
			break;
		case 'h':
			signzone_usage(stdout);
			return -1;
		default:
			signzone_usage(stderr);
			return 2;
		}
	}
	if (argc - optind < 2) {
		signzone_usage(stderr);
		return 2;
	}
	z->in = argv[optind];
	return 0;
}

/* Whether any key of this algorithm has (sep) or lacks (!sep) the SEP flag. */
static bool alg_has(const struct signzone *z, uint8_t alg, bool sep)
{
	for (size_t i = 0; i < z->nkeys; i++)
		if (z->keys[i]->algorithm == alg &&
			((z->keys[i]->flags & KEY_FLAG_SEP) != 0) == sep)
			return true;
	return false;
}

/* Loads the keys and gives them their roles (see the file's comment), per
 * algorithm: every RRset must be signed by every algorithm of the DNSKEY
 * RRset (RFC 4035 §2.2, RFC 6840 §5.11), so a key whose algorithm has no key
 * of the other kind does both jobs. */
static int load_keys(struct signzone *z, int argc, char **argv)
{
	for (int i = optind + 1; i < argc; i++) {
		if (z->nkeys == sizeof(z->keys) / sizeof(z->keys[0])) {
			fprintf(stderr, "cascade signzone: too many keys\n");
			return 1;
		}
		char err[BIND_ERR_SIZE];
		struct key *k;
		if (bind_key_read(argv[i], &k, NULL, err) < 0) {
			fprintf(stderr, "cascade signzone: %s\n", err);
			return 1;
		}
		z->keys[z->nkeys++] = k;
	}
	for (size_t i = 0; i < z->nkeys; i++) {
		const struct key *k = z->keys[i];
		bool is_sep = k->flags & KEY_FLAG_SEP;
		z->roles[i] = (struct signer_key){.key = k,
			.publish = true,
			.ksk = is_sep || !alg_has(z, k->algorithm, true),
			.zsk = !is_sep || !alg_has(z, k->algorithm, false)};
	}
	z->o.keys = z->roles;
	z->o.nkeys = z->nkeys;
	return 0;
}

/* Every key must belong to the zone; the message names the key as given. */
static int check_owners(const struct signzone *z, char **argv, const struct zone *zone)
{
	for (size_t i = 0; i < z->nkeys; i++) {
		if (!name_equal(z->keys[i]->owner, zone->apex)) {
			fprintf(stderr, "cascade signzone: key %s is not for this zone\n",
				argv[optind + 1 + (int)i]);
			return 1;
		}
	}
	return 0;
}

/* Nonces made ahead while the zone loads (see the file's comment). */
#define PREFILL_MAX (1u << 18) /* pairs in all, 16 MiB for P-256: ~5 s of a core */

/* Stores for the ECDSA keys that sign the zone's data, and threads - 1
 * threads filling them. A failure only means no nonces are made ahead. */
static struct key_nonces_fill *prefill_start(struct signzone *z)
{
	size_t zsks = 0;
	for (size_t i = 0; i < z->nkeys; i++)
		zsks += z->roles[i].zsk;
	for (size_t i = 0; i < z->nkeys && z->o.threads > 1; i++) {
		if (z->roles[i].zsk &&
			key_nonces_new(z->keys[i], PREFILL_MAX / zsks, &z->nonces[i]) == 0)
			z->roles[i].nonces = z->nonces[i];
	}
	struct key_nonces_fill *f = NULL;
	key_nonces_fill_start(z->nonces, z->nkeys, z->o.threads - 1, &f);
	return f;
}

/* Stops the threads; the number of pairs made. */
static size_t prefill_stop(struct signzone *z, struct key_nonces_fill *f)
{
	key_nonces_fill_stop(f);
	size_t n = 0;
	for (size_t i = 0; i < z->nkeys; i++)
		n += z->nonces[i] ? key_nonces_count(z->nonces[i]) : 0;
	return n;
}

/* The keys, then the nonce fillers. With more than one thread this runs
 * beside the parse of the zone file: reading the first key initialises
 * OpenSSL, some 4 ms the parse need not wait for. It writes only the keys,
 * roles and stores of *z and its signer options' key list, none of which the
 * parse reads; a bad key is reported once the parse is done. */
struct keys_job {
	struct signzone *z;
	int argc;
	char **argv;
	int rc;
	struct key_nonces_fill *fill;
};

static void *keys_main(void *arg)
{
	struct keys_job *kj = arg;
	kj->rc = load_keys(kj->z, kj->argc, kj->argv);
	if (kj->rc == 0)
		kj->fill = prefill_start(kj->z);
	return NULL;
}

static int set_times(struct signzone *z)
{
	int64_t inc = z->now - 86400, exp = z->now + 14 * 86400;
	const char *bad = NULL;
	if (z->inception && parse_time(z->inception, z->now, &inc) < 0)
		bad = z->inception;
	else if (z->expiration && parse_time(z->expiration, z->now, &exp) < 0)
		bad = z->expiration;
	if (bad) {
		fprintf(stderr,
			"cascade signzone: bad time '%s': YYYYMMDDhhmmss, Unix seconds or "
			"+SECONDS, before 2106\n",
			bad);
		return 1;
	}
	/* RFC 4034 §3.1.5: the times compare in serial arithmetic, so the span
	 * must stay below 2^31 seconds */
	if (exp <= inc || exp - inc >= 0x80000000LL) {
		fprintf(stderr,
			"cascade signzone: the expiration must come after the inception, "
			"less than 68 years later\n");
		return 1;
	}
	z->o.inception = (uint32_t)inc;
	z->o.expiration = (uint32_t)exp;
	return 0;
}

static struct zone *read_zone(const struct signzone *z)
{
	struct zone_msgs m;
	struct zone_read_opts ro = {.origin = z->origin};
	struct zone *zone = NULL;
	zone_msgs_init(&m);
	int rc = zone_read_file(z->in, &ro, &m, &zone);
	fputs(buf_cstr(&m.text), stderr);
	zone_msgs_deinit(&m);
	if (rc < 0)
		fprintf(stderr, "cascade signzone: %s not loaded\n", z->in);
	return zone;
}

/* The process ends soon after a zone is done with: the kernel takes its
 * memory back at once, where freeing a million nodes one by one costs a
 * tenth of a second or more. Builds with AddressSanitizer free them, so its
 * leak check still covers everything. */
static void drop_zone(struct zone *zone)
{
#ifdef __SANITIZE_ADDRESS__
	zone_unref(zone);
#else
	(void)zone;
#endif
}

static int sign_and_write(struct signzone *z, const struct zone *zone)
{
	uint32_t serial;
	if (serial_next(z->serial, zone->serial, &zone->serial, z->now, &serial) < 0)
		serial = zone->serial; /* keep: offline, the input's serial is the one */
	z->o.serial = serial;
	z->o.set_serial = true;
	struct buf err;
	buf_init(&err, 0);
	struct zone *signed_zone;
	struct signer_stats st;
	double t0 = seconds();
	int rc = signer_update(zone, &z->o, NULL, &signed_zone, &st, &err);
	double t1 = seconds();
	if (rc < 0) {
		fprintf(stderr, "cascade signzone: cannot sign: %s\n",
			err.len ? buf_cstr(&err) : err_str(rc));
		buf_deinit(&err);
		return 1;
	}
	buf_deinit(&err);
	rc = zone_write_file_threads(signed_zone, z->out, z->o.threads);
	if (z->verbose)
		fprintf(stderr,
			"cascade signzone: signed: %zu signatures, %zu names, %zu RRs in %.2f s "
			"(%u threads); written in %.2f s\n",
			st.signatures, signed_zone->nodes, signed_zone->rrs, t1 - t0, z->o.threads,
			seconds() - t1);
	drop_zone(signed_zone);
	if (rc < 0) {
		fprintf(stderr, "cascade signzone: cannot write %s: %s\n", z->out, err_str(rc));
		return 1;
	}
	printf("%s\n", z->out);
	return 0;
}

int cli_signzone(int argc, char **argv)
{
	struct signzone z = {.serial = SERIAL_KEEP};
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	z.o.threads = cores > 0 ? (unsigned)cores : 1;
	int rc = parse_args(&z, argc, argv);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	char outbuf[4096], origin[1024];
	if (!z.out) {
		snprintf(outbuf, sizeof(outbuf), "%s.signed", z.in);
		z.out = outbuf;
	}
	if (!z.origin) { /* as dnssec-signzone: the file's name */
		const char *base = strrchr(z.in, '/');
		snprintf(origin, sizeof(origin), "%s", base ? base + 1 : z.in);
		z.origin = origin;
	}
	struct clock clk;
	char cerr[256];
	if (clock_init_env(&clk, cerr, sizeof(cerr)) < 0) {
		fprintf(stderr, "cascade signzone: %s\n", cerr);
		return 1;
	}
	z.now = clock_now(&clk);
	struct zone *zone = NULL;
	rc = set_times(&z);
	struct keys_job kj = {.z = &z, .argc = argc, .argv = argv};
	pthread_t kt;
	bool apart = rc == 0 && z.o.threads > 1 && pthread_create(&kt, NULL, keys_main, &kj) == 0;
	if (rc == 0 && !apart) {
		keys_main(&kj);
		rc = kj.rc;
	}
	double t0 = seconds();
	if (rc == 0 && !(zone = read_zone(&z)))
		rc = 1;
	if (apart)
		pthread_join(kt, NULL);
	if (rc == 0)
		rc = kj.rc;
	size_t made = prefill_stop(&z, kj.fill);
	if (rc == 0 && z.verbose)
		fprintf(stderr,
			"cascade signzone: loaded: %zu names, %zu RRs in %.2f s "
			"(%zu ECDSA nonces made meanwhile)\n",
			zone->nodes, zone->rrs, seconds() - t0, made);
	if (rc == 0)
		rc = check_owners(&z, argv, zone);
	if (rc == 0)
		rc = sign_and_write(&z, zone);
	drop_zone(zone);
	for (size_t i = 0; i < z.nkeys; i++) {
		key_nonces_free(z.nonces[i]);
		key_free(z.keys[i]);
	}
	return rc;
}
