/*
 * key_tool - test helper around lib/dnssec/key and lib/keystore/bind.
 *
 *   key_tool gen -a ALG [-b BITS] [-f KSK] [-K DIR] [-c CREATED] ZONE
 *       new key pair written as BIND files into DIR (default .); prints
 *       the base name. CREATED: Unix seconds (default: now), also the
 *       Publish and Activate time.
 *   key_tool show FILE      prints "alg tag flags bits private owner"
 *   key_tool dnskey FILE    prints the DNSKEY RR
 *   key_tool ds [-d 2|4] FILE
 *                           prints the DS RR (digest type 2 unless -d)
 *   key_tool copy [-r] FILE DIR
 *                           reads a key pair and writes it into DIR (with
 *                           -r replacing files); prints the base name
 *   key_tool sign FILE      signs the hex on stdin; prints base64
 *   key_tool verify FILE SIG
 *                           verifies base64 SIG over the hex on stdin
 *
 * FILE is a base name or either file of a pair. Errors go to stderr with
 * exit status 1 (2 for usage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libknot/dname.h>

#include "lib/keystore/bind.h"
#include "lib/util/base.h"
#include "lib/util/err.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: key_tool gen|show|dnskey|ds|copy|sign|verify ... (see the source)\n");
	return 2;
}

static int fail(int status, const char *what, const char *detail)
{
	fprintf(stderr, "key_tool: %s%s\n", what, detail);
	return status;
}

static struct key *load(const char *path, bool priv)
{
	char err[BIND_ERR_SIZE] = "";
	struct key *k = NULL;
	int rc = priv ? bind_key_read(path, &k, NULL, err)
		      : bind_key_read_public(path, &k, NULL, err);
	if (rc < 0) {
		fprintf(stderr, "key_tool: %s\n", err[0] ? err : err_str(rc));
		return NULL;
	}
	return k;
}

static int cmd_gen(int argc, char **argv)
{
	uint8_t alg = 0;
	unsigned bits = 0;
	uint16_t flags = KEY_FLAG_ZONE;
	const char *dir = ".";
	int64_t created = time(NULL);
	int c;
	while ((c = getopt(argc, argv, "a:b:f:K:c:")) != -1) {
		if (c == 'a' && key_alg_from_name(optarg, &alg) < 0)
			return fail(2, "bad algorithm ", optarg);
		if (c == 'b')
			bits = (unsigned)strtoul(optarg, NULL, 10);
		if (c == 'f')
			flags |= KEY_FLAG_SEP;
		if (c == 'K')
			dir = optarg;
		if (c == 'c')
			created = strtoll(optarg, NULL, 10);
		if (c == '?')
			return usage();
	}
	uint8_t owner[KNOT_DNAME_MAXLEN];
	if (!alg || optind + 1 != argc || !knot_dname_from_str(owner, argv[optind], sizeof(owner)))
		return usage();
	knot_dname_to_lower(owner);
	/* Published and active from creation on, as dnssec-keygen makes them,
	 * so dnssec-signzone -S uses them. */
	struct bind_meta meta = {0};
	for (int t = BIND_CREATED; t <= BIND_ACTIVATE; t++) {
		meta.time[t] = created;
		meta.has_time[t] = true;
	}
	struct key *k = NULL;
	int rc = key_generate(alg, bits, flags, owner, &k);
	char name[BIND_NAME_MAX];
	if (rc == 0)
		rc = bind_key_write(k, &meta, dir, 0, name);
	key_free(k);
	if (rc < 0)
		return fail(1, err_str(rc), "");
	printf("%s\n", name);
	return 0;
}

static int cmd_show(const char *path, bool dnskey)
{
	struct key *k = load(path, !dnskey);
	if (!k)
		return 1;
	knot_dname_txt_storage_t owner;
	knot_dname_to_str(owner, k->owner, sizeof(owner));
	if (dnskey) {
		char b64[KEY_PUBKEY_MAX * 2];
		base64_encode(k->pubkey, k->pubkey_len, b64, sizeof(b64), 0);
		printf("%s IN DNSKEY %u 3 %u %s\n", owner, k->flags, k->algorithm, b64);
	} else {
		printf("%u %u %u %u %s %s\n", k->algorithm, k->tag, k->flags, key_bits(k),
			k->has_private ? "private" : "public", owner);
	}
	key_free(k);
	return 0;
}

static int cmd_ds(int argc, char **argv)
{
	uint8_t type = KEY_DS_SHA256;
	int c;
	while ((c = getopt(argc, argv, "d:")) != -1) {
		if (c == 'd')
			type = (uint8_t)strtoul(optarg, NULL, 10);
		else
			return usage();
	}
	if (optind + 1 != argc)
		return usage();
	struct key *k = load(argv[optind], false);
	if (!k)
		return 1;
	uint8_t ds[KEY_DS_MAX];
	char hex[2 * KEY_DS_MAX + 1];
	int n = key_ds_rdata(k, type, ds, sizeof(ds));
	if (n < 0) {
		key_free(k);
		return fail(1, err_str(n), "");
	}
	knot_dname_txt_storage_t owner;
	knot_dname_to_str(owner, k->owner, sizeof(owner));
	base16_encode(ds + 4, (size_t)n - 4, hex, sizeof(hex), BASE_LOWER);
	printf("%s IN DS %u %u %u %s\n", owner, k->tag, k->algorithm, type, hex);
	key_free(k);
	return 0;
}

static int cmd_copy(int argc, char **argv)
{
	unsigned flags = 0;
	int c;
	while ((c = getopt(argc, argv, "r")) != -1) {
		if (c == 'r')
			flags |= BIND_REPLACE;
		else
			return usage();
	}
	if (optind + 2 != argc)
		return usage();
	char err[BIND_ERR_SIZE] = "";
	struct bind_meta meta;
	struct key *k = NULL;
	int rc = bind_key_read(argv[optind], &k, &meta, err);
	if (rc < 0)
		return fail(1, err, "");
	char name[BIND_NAME_MAX];
	rc = bind_key_write(k, &meta, argv[optind + 1], flags, name);
	key_free(k);
	if (rc < 0)
		return fail(1, err_str(rc), "");
	printf("%s\n", name);
	return 0;
}

/* The hex on stdin, decoded into a new buffer. */
static uint8_t *read_hex(size_t *len)
{
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof(text), stdin);
	while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
		n--;
	uint8_t *out = malloc(n / 2 + 1);
	int r = out ? base16_decode(text, n, out, n / 2 + 1, BASE_WS) : -1;
	if (r < 0) {
		free(out);
		return NULL;
	}
	*len = (size_t)r;
	return out;
}

static int cmd_sign(int argc, char **argv, bool verify)
{
	if (argc != (verify ? 4 : 3))
		return usage();
	size_t len = 0;
	uint8_t *data = read_hex(&len);
	struct key *k = data ? load(argv[2], !verify) : NULL;
	uint8_t sig[KEY_SIG_MAX];
	int rc = k ? 0 : 1;
	if (k && !verify) {
		int n = key_sign(k, data, len, sig);
		char b64[KEY_SIG_MAX * 2];
		if (n < 0)
			rc = fail(1, err_str(n), "");
		else if (base64_encode(sig, (size_t)n, b64, sizeof(b64), 0) >= 0)
			printf("%s\n", b64);
	} else if (k) {
		int n = base64_decode(argv[3], strlen(argv[3]), sig, sizeof(sig), 0);
		rc = n < 0 || key_verify(k, data, len, sig, (size_t)n) != 0;
		printf("%s\n", rc ? "bad" : "good");
	}
	key_free(k);
	free(data);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	const char *cmd = argv[1];
	if (strcmp(cmd, "gen") == 0)
		return cmd_gen(argc - 1, argv + 1);
	if (strcmp(cmd, "show") == 0 && argc == 3)
		return cmd_show(argv[2], false);
	if (strcmp(cmd, "dnskey") == 0 && argc == 3)
		return cmd_show(argv[2], true);
	if (strcmp(cmd, "ds") == 0)
		return cmd_ds(argc - 1, argv + 1);
	if (strcmp(cmd, "copy") == 0)
		return cmd_copy(argc - 1, argv + 1);
	if (strcmp(cmd, "sign") == 0)
		return cmd_sign(argc, argv, false);
	if (strcmp(cmd, "verify") == 0)
		return cmd_sign(argc, argv, true);
	return usage();
}
