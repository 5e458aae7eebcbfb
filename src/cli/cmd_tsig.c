/*
 * cmd_tsig.c - `cascade tsig add|list|remove` (cascade-spec §8.2): the
 * daemon's TSIG keys.
 *
 *   tsig add NAME ALG SECRET|FILE   SECRET in base64, or a file holding it:
 *                                   just the base64 text, or a BIND key
 *                                   clause as tsig-keygen writes it
 *   tsig add [ALG:]NAME:SECRET      the compact form (ALG: hmac-sha256)
 *   tsig list                       names, algorithms and users, no secrets
 *   tsig remove NAME                refused while a policy or zone uses it
 *
 * Secrets read here are wiped before their buffers are freed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/dns/tsig.h"
#include "lib/util/buf.h"
#include "lib/util/fileio.h"
#include "src/cli/cli.h"
#include "src/cli/client.h"

#define KEY_FILE_MAX (64u << 10)
#define NAME_TEXT (LIMIT_NAME_LEN * 4 + 1)

static int usage(void)
{
	fprintf(stderr,
		"usage: cascade tsig add NAME ALG SECRET|FILE\n"
		"       cascade tsig add [ALG:]NAME:SECRET\n"
		"       cascade tsig list\n"
		"       cascade tsig remove NAME\n"
		"ALG: hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384 or hmac-sha512\n");
	return 2;
}

/* ------------------------------------------------- BIND key files */

/* A cursor over a named.conf-style text: words, "strings", { } ; with
 * comments (#, //, C-style) and white space skipped. */
struct lex {
	const char *p, *end;
	char tok[1024];
};

static void lex_skip(struct lex *l)
{
	while (l->p < l->end) {
		if (isspace((unsigned char)*l->p)) {
			l->p++;
		} else if (*l->p == '#' || (l->end - l->p >= 2 && !memcmp(l->p, "//", 2))) {
			while (l->p < l->end && *l->p != '\n')
				l->p++;
		} else if (l->end - l->p >= 2 && !memcmp(l->p, "/*", 2)) {
			const char *e = memmem(l->p + 2, (size_t)(l->end - l->p - 2), "*/", 2);
			l->p = e ? e + 2 : l->end;
		} else {
			return;
		}
	}
}

/* The next token into l->tok; false at the end or for one too long. */
static bool lex_next(struct lex *l)
{
	lex_skip(l);
	if (l->p >= l->end)
		return false;
	const char *s = l->p;
	size_t n;
	if (*s == '"') {
		const char *q = memchr(s + 1, '"', (size_t)(l->end - s - 1));
		if (!q)
			return false;
		n = (size_t)(q - s - 1);
		s++;
		l->p = q + 1;
	} else if (strchr("{};", *s)) {
		n = 1;
		l->p++;
	} else {
		while (l->p < l->end && !isspace((unsigned char)*l->p) && !strchr("{};\"", *l->p))
			l->p++;
		n = (size_t)(l->p - s);
	}
	if (n >= sizeof(l->tok))
		return false;
	memcpy(l->tok, s, n);
	l->tok[n] = '\0';
	return true;
}

struct key_clause {
	char name[NAME_TEXT];
	char alg[64];
	char secret[1024];
};

/* One `key "NAME" { algorithm ALG; secret "S"; };` after the word key. */
static bool read_clause(struct lex *l, struct key_clause *k)
{
	memset(k, 0, sizeof(*k));
	if (!lex_next(l) || strlen(l->tok) >= sizeof(k->name))
		return false;
	memcpy(k->name, l->tok, strlen(l->tok) + 1);
	if (!lex_next(l) || strcmp(l->tok, "{") != 0)
		return false;
	while (lex_next(l) && strcmp(l->tok, "}") != 0) {
		char *slot = !strcmp(l->tok, "algorithm") ? k->alg
			: !strcmp(l->tok, "secret")	  ? k->secret
							  : NULL;
		size_t cap = slot == k->alg ? sizeof(k->alg) : sizeof(k->secret);
		if (!slot || !lex_next(l) || strlen(l->tok) >= cap)
			return false;
		memcpy(slot, l->tok, strlen(l->tok) + 1);
		if (!lex_next(l) || strcmp(l->tok, ";") != 0)
			return false;
	}
	bool ok = strcmp(l->tok, "}") == 0 && lex_next(l) && strcmp(l->tok, ";") == 0;
	return ok && k->alg[0] && k->secret[0];
}

/* The clause for name in a file of key clauses: the one of that name, or
 * the only one. 0, 1 after a message. */
static int find_clause(const struct client *c, const char *path, const struct buf *text,
	const char *name, struct key_clause *out)
{
	struct lex l = {.p = (const char *)text->data, .end = (const char *)text->data + text->len};
	struct key_clause k;
	unsigned n = 0;
	bool found = false;
	while (lex_next(&l)) {
		if (strcmp(l.tok, "key") != 0 || !read_clause(&l, &k)) {
			client_fail(c, "BadKeyFile",
				"%s: not a BIND key clause (key \"NAME\" { algorithm ALG; "
				"secret \"BASE64\"; };) near offset %zu",
				path, (size_t)(l.p - (const char *)text->data));
			explicit_bzero(&k, sizeof(k));
			explicit_bzero(&l, sizeof(l));
			return 1;
		}
		n++;
		if (!found && (n == 1 || strcasecmp(k.name, name) == 0)) {
			*out = k;
			found = strcasecmp(k.name, name) == 0;
		}
	}
	explicit_bzero(&k, sizeof(k));
	explicit_bzero(&l, sizeof(l));
	if (n > 1 && !found) {
		client_fail(
			c, "BadKeyFile", "%s holds %u keys and none is named %s", path, n, name);
		return 1;
	}
	return 0;
}

/* The secret in a file: a BIND key clause, or the base64 text alone. A
 * clause's algorithm must be alg. 0 with out (base64, KEY_FILE_MAX), or 1. */
static int secret_from_file(const struct client *c, const char *path, const char *name,
	const char *alg, struct buf *out)
{
	struct buf text;
	buf_init(&text, 0);
	text.secret = true;
	int rc = fileio_read(path, KEY_FILE_MAX, &text);
	if (rc < 0) {
		client_fail(c, "KeyFile", "cannot read %s: %s", path,
			rc == -ENOENT ? "no such file" : "too large or unreadable");
		buf_deinit(&text);
		return 1;
	}
	const char *t = buf_cstr(&text);
	struct lex l = {.p = t, .end = t + text.len};
	bool clause = lex_next(&l) && strcmp(l.tok, "key") == 0;
	explicit_bzero(&l, sizeof(l));
	if (!clause) {
		/* base64 alone, white space around and inside it dropped */
		for (size_t i = 0; i < text.len && rc == 0; i++)
			if (!isspace((unsigned char)t[i]))
				rc = buf_append_byte(out, (uint8_t)t[i]);
		buf_deinit(&text);
		return rc < 0 ? 1 : 0;
	}
	struct key_clause k;
	rc = find_clause(c, path, &text, name, &k);
	buf_deinit(&text);
	enum tsig_alg want, got;
	if (rc == 0 && tsig_alg_parse(alg, &want) == 0 &&
		(tsig_alg_parse(k.alg, &got) != 0 || got != want)) {
		client_fail(
			c, "BadKeyFile", "%s: the key's algorithm is %s, not %s", path, k.alg, alg);
		rc = 1;
	}
	if (rc == 0 && strcasecmp(k.name, name) != 0)
		fprintf(stderr, "WARNING: %s names the key %s; it is added as %s\n", path, k.name,
			name);
	if (rc == 0 && buf_append_str(out, k.secret) < 0)
		rc = 1;
	explicit_bzero(&k, sizeof(k));
	return rc;
}

/* --------------------------------------------------------- verbs */

static int post_key(const struct client *c, const char *name, const char *alg, const char *secret)
{
	json_t *j = NULL;
	json_t *body = json_pack("{s:s, s:s, s:s}", "name", name, "alg", alg, "secret", secret);
	if (!body || client_run(c, "POST", "/tsig/add", body, &j))
		return 1;
	if (j)
		printf("Added TSIG key %s (%s)\n", json_string_value(json_object_get(j, "name")),
			alg);
	json_decref(j);
	return 0;
}

static int tsig_add(const struct client *c, int argc, char **argv)
{
	if (argc == 1) { /* [ALG:]NAME:SECRET */
		struct tsig_key k;
		char err[TSIG_ERR_SIZE], name[NAME_TEXT];
		if (tsig_key_parse_compact(&k, argv[0], err) < 0) {
			client_fail(c, "BadKey", "%s", err);
			return 1;
		}
		tsig_key_name_text(&k, name, sizeof(name));
		char *secret = tsig_key_secret_b64(&k);
		int rc = secret ? post_key(c, name, tsig_alg_name(k.alg), secret) : 1;
		tsig_key_wipe(&k);
		if (secret)
			explicit_bzero(secret, strlen(secret));
		free(secret);
		return rc;
	}
	if (argc != 3)
		return usage();
	struct stat st;
	if (stat(argv[2], &st) < 0 || !S_ISREG(st.st_mode))
		return post_key(c, argv[0], argv[1], argv[2]);
	struct buf secret;
	buf_init(&secret, 0);
	secret.secret = true;
	int rc = secret_from_file(c, argv[2], argv[0], argv[1], &secret);
	if (rc == 0)
		rc = post_key(c, argv[0], argv[1], buf_cstr(&secret));
	buf_deinit(&secret);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "policy a, b; zone c", or "-". */
static void print_users(const json_t *info)
{
	static const char *const kinds[][3] = {
		{"policy_names", "policy", "policies"}, {"zone_names", "zone", "zones"}};
	bool any = false;
	for (size_t k = 0; k < 2; k++) {
		const json_t *a = json_object_get(info, kinds[k][0]), *v;
		size_t i, n = json_array_size(a);
		if (n)
			printf("%s%s", any ? "; " : "", kinds[k][n > 1 ? 2 : 1]);
		json_array_foreach(a, i, v) printf("%s%s", i ? ", " : " ", json_string_value(v));
		any |= n > 0;
	}
	printf("%s\n", any ? "" : "-");
}

static int tsig_list(const struct client *c)
{
	json_t *j = NULL;
	if (client_run(c, "GET", "/tsig", NULL, &j))
		return 1;
	if (!j)
		return 0;
	json_t *keys = json_object_get(j, "tsig_key_info"), *info;
	size_t n = json_object_size(keys), i = 0;
	const char **names = calloc(n ? n : 1, sizeof(*names)), *name;
	if (!names) {
		json_decref(j);
		return 1;
	}
	json_object_foreach(keys, name, info) names[i++] = name;
	qsort(names, n, sizeof(*names), cmp_str);
	if (n == 0)
		fprintf(stderr, "No TSIG keys; add one with 'cascade tsig add'\n");
	else
		printf("%-32s %-12s %s\n", "NAME", "ALGORITHM", "USED BY");
	for (i = 0; i < n; i++) {
		info = json_object_get(keys, names[i]);
		printf("%-32s %-12s ", names[i],
			json_string_value(json_object_get(info, "algorithm")));
		print_users(info);
	}
	free(names);
	json_decref(j);
	return 0;
}

static int tsig_remove(const struct client *c, const char *name)
{
	char *e = client_escape(name), *path = NULL;
	if (!e || asprintf(&path, "/tsig/%s/remove", e) < 0)
		path = NULL;
	free(e);
	json_t *j = NULL;
	int rc = path ? client_run(c, "POST", path, NULL, &j) : 1;
	free(path);
	if (rc == 0 && j)
		printf("Removed TSIG key %s\n", name);
	json_decref(j);
	return rc;
}

int cmd_tsig(const struct client *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return tsig_add(c, argc - 2, argv + 2);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return tsig_list(c);
	if (argc == 3 && strcmp(argv[1], "remove") == 0)
		return tsig_remove(c, argv[2]);
	return usage();
}
