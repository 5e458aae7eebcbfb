/* Unit tests for incremental signing (signer_update): with Ed25519 keys and
 * fixed signature times the result must be exactly a full signing of the
 * new input, for every kind of change, in every denial mode, also when
 * incremental signings follow one another. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <libknot/wire.h>

#include "lib/dnssec/rrsig.h"
#include "lib/dnssec/signer.h"
#include "lib/util/err.h"
#include "lib/zone/zone_diff.h"
#include "lib/zone/zone_read.h"
#include "lib/zone/zone_write.h"
#include "tests/unit/signer_check.h"

static const char *BASE =
	"$ORIGIN example.com.\n$TTL 3600\n"
	"@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
	"@ NS ns1\n@ NS ns2.example.net.\n@ MX 10 mail\n"
	"ns1 A 192.0.2.1\nmail A 192.0.2.2\nwww CNAME mail\n"
	"*.wild TXT \"wildcard\"\na.b.c TXT \"below two ENTs\"\n"
	"secure NS ns.secure\nsecure DS 12345 13 2 "
	"49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE7F8F8C5DEC8E3C7D4A7A2F1E\n"
	"ns.secure A 192.0.2.53\ninsecure NS ns.example.net.\ndeep.insecure A 192.0.2.9\n"
	"x.y.insecure2 NS ns.example.net.\n"
	"dn DNAME example.net.\nbelow.dn A 192.0.2.10\n"
	"t1 TXT \"one\"\nt2 TXT \"two\"\nt3 TXT \"three\"\nt4 TXT \"four\"\n"
	/* a signature of an earlier signing, to be stripped */
	"t2 RRSIG TXT 13 3 3600 20300101000000 20200101000000 1 example.com. AQID\n";

/* BASE without the lines that start with any of drop[] (NULL-terminated),
 * with add appended. */
static char *edit(const char *const *drop, const char *add)
{
	size_t cap = strlen(BASE) + strlen(add) + 1, n = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	for (const char *l = BASE; *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) + 1 : strlen(l);
		bool keep = true;
		for (size_t i = 0; drop && drop[i]; i++)
			keep &= strncmp(l, drop[i], strlen(drop[i])) != 0;
		if (keep) {
			memcpy(out + n, l, len);
			n += len;
		}
		l += len;
	}
	memcpy(out + n, add, strlen(add) + 1);
	return out;
}

/* The new version made by applying the difference to old, so that the two
 * share their unchanged nodes as they do in the daemon. */
static struct zone *derive(const struct zone *old, const struct zone *target)
{
	struct zone_diff d;
	struct zone *z = NULL;
	struct buf err;
	zone_diff_init(&d);
	buf_init(&err, 0);
	assert_int_equal(zone_diff_compute(old, target, &d), 0);
	if (zone_diff_apply(old, &d, &z, &err) != 0)
		fail_msg("apply: %s", buf_cstr(&err));
	zone_diff_deinit(&d);
	buf_deinit(&err);
	return z;
}

static struct key *ksk, *zsk, *zsk2;

static int setup(void **state)
{
	(void)state;
	uint8_t apex[256];
	knot_dname_from_str(apex, "example.com.", sizeof(apex));
	if (key_generate(KEY_ALG_ED25519, 0, KEY_FLAG_ZONE | KEY_FLAG_SEP, apex, &ksk) < 0 ||
		key_generate(KEY_ALG_ED25519, 0, KEY_FLAG_ZONE, apex, &zsk) < 0 ||
		key_generate(KEY_ALG_ED25519, 0, KEY_FLAG_ZONE, apex, &zsk2) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	key_free(ksk);
	key_free(zsk);
	key_free(zsk2);
	return 0;
}

static const struct signer_key KEYS[] = {
	{NULL, true, true, false, NULL}, {NULL, true, false, true, NULL}};

enum mode { NSEC, NSEC3, OPT_OUT, NMODES };

struct setup {
	struct signer_key keys[3];
	struct signer_opts o;
};

static void make_opts(struct setup *st, enum mode m, size_t nkeys)
{
	memset(st, 0, sizeof(*st));
	st->keys[0] = KEYS[0];
	st->keys[1] = KEYS[1];
	st->keys[0].key = ksk;
	st->keys[1].key = zsk;
	st->keys[2] = (struct signer_key){zsk2, true, false, true, NULL};
	st->o = (struct signer_opts){.keys = st->keys,
		.nkeys = nkeys,
		.inception = 1600000000,
		.expiration = 1700000000,
		.now = 1600003600,
		.refresh = 86400,
		.threads = 2,
		.nsec3 = m != NSEC,
		.opt_out = m == OPT_OUT};
	if (m == NSEC3) { /* salt and iterations as in RFC 5155 Appendix A */
		st->o.iterations = 12;
		st->o.salt_len = 4;
		memcpy(st->o.salt, "\xaa\xbb\xcc\xdd", 4);
	}
}

/* a and b hold the same names with the same flags and the same RRs. */
static void assert_same(const struct zone *a, const struct zone *b, const char *what)
{
	struct tree_iter ia, ib;
	struct node *x = tree_iter_first(&ia, a->tree), *y = tree_iter_first(&ib, b->tree);
	for (; x && y; x = tree_iter_next(&ia), y = tree_iter_next(&ib)) {
		char name[KNOT_DNAME_TXT_MAXLEN + 1];
		knot_dname_to_str(name, node_owner(x), sizeof(name));
		if (x->key_len != y->key_len || memcmp(node_key(x), node_key(y), x->key_len))
			fail_msg("%s: names differ at %s", what, name);
		if (x->flags != y->flags)
			fail_msg("%s: %s: flags %#x != %#x", what, name, x->flags, y->flags);
	}
	if (x || y)
		fail_msg("%s: one has more names", what);
	struct zone_diff d;
	zone_diff_init(&d);
	assert_int_equal(zone_diff_compute(a, b, &d), 0);
	for (size_t i = 0; i < d.removed.n + d.added.n; i++) {
		bool rem = i < d.removed.n;
		const struct zone_diff_rr *rr = rem ? &d.removed.v[i] : &d.added.v[i - d.removed.n];
		char name[KNOT_DNAME_TXT_MAXLEN + 1], type[32], cov[32];
		knot_dname_to_str(name, rr->owner, sizeof(name));
		knot_rrtype_to_string(rr->type, type, sizeof(type));
		knot_rrtype_to_string(rr->covers, cov, sizeof(cov));
		print_message("%s: only in the %s signing: %s %u %s %s\n", what,
			rem ? "full" : "incremental", name, rr->ttl, type, rr->covers ? cov : "");
	}
	size_t n = d.removed.n + d.added.n;
	zone_diff_deinit(&d);
	if (n)
		fail_msg("%s: %zu RRs differ", what, n);
	assert_int_equal(a->nodes, b->nodes);
	assert_int_equal(a->rrs, b->rrs);
	const struct zone *both[] = {a, b};
	for (int k = 0; k < 2; k++) { /* the counts kept by hand are right */
		size_t count, rrs = 0;
		assert_int_equal(tree_check(both[k]->tree, &count), 0);
		assert_int_equal(count, both[k]->nodes);
		struct tree_iter it;
		for (struct node *m = tree_iter_first(&it, both[k]->tree); m;
			m = tree_iter_next(&it))
			rrs += node_rr_count(m);
		assert_int_equal(rrs, both[k]->rrs);
	}
}

/* Signs old_in with o0 (or takes *old_out), then new_in both ways with o1;
 * checks that they agree and returns the incremental result's stats. The
 * previous signing's earliest expiry is passed on when earliest is given
 * (and updated), so the zone is not searched for signatures due. */
static struct signer_stats step_hinted(const struct zone *old_in, struct zone **old_out,
	const struct signer_opts *o0, const struct zone *new_in, const struct signer_opts *o1,
	const char *what, uint32_t *earliest)
{
	struct buf err;
	buf_init(&err, 0);
	struct signer_stats st;
	if (!*old_out && signer_update(old_in, o0, NULL, old_out, &st, &err) != 0)
		fail_msg("%s: %s", what, buf_cstr(&err));
	if (earliest && !*earliest)
		*earliest = st.earliest;
	struct zone *full, *incr;
	struct signer_prev prev = {old_in, *old_out, o0, earliest ? *earliest : 0};
	if (signer_sign(new_in, o1, &full, &err) != 0)
		fail_msg("%s: full: %s", what, buf_cstr(&err));
	if (signer_update(new_in, o1, &prev, &incr, &st, &err) != 0)
		fail_msg("%s: incremental: %s", what, buf_cstr(&err));
	assert_same(full, incr, what);
	assert_int_equal(st.earliest, o1->expiration); /* the times are fixed */
	if (earliest)
		*earliest = st.earliest;
	zone_unref(full);
	zone_unref(*old_out);
	*old_out = incr;
	buf_deinit(&err);
	return st;
}

static struct signer_stats step(const struct zone *old_in, struct zone **old_out,
	const struct signer_opts *o0, const struct zone *new_in, const struct signer_opts *o1,
	const char *what)
{
	return step_hinted(old_in, old_out, o0, new_in, o1, what, NULL);
}

struct change {
	const char *what;
	const char *drop[6];
	const char *add;
};

static const struct change CHANGES[] = {
	{"TTL only", {"www "}, "www 60 CNAME mail\n"},
	{"name added", {NULL}, "new A 192.0.2.77\n"},
	{"name removed", {"t3 "}, ""},
	{"names below new ENTs", {NULL}, "p.q.r.s TXT \"deep\"\n"},
	{"name below a name with a stripped RRSIG", {NULL}, "sub.t2 A 192.0.2.9\n"},
	{"ENT emptied", {"a.b.c "}, ""},
	{"wildcard added", {NULL}, "*.t2 A 192.0.2.8\n"},
	{"delegation added", {NULL}, "sub NS ns.sub\nns.sub A 192.0.2.60\n"},
	{"delegation removed", {"insecure ", "deep.insecure "}, ""},
	{"cut over existing names", {NULL}, "b.c NS ns.example.net.\n"},
	{"delegation made secure", {NULL},
		"insecure DS 1 13 2 "
		"49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE7F8F8C5DEC8E3C7D4A7A2F1E\n"},
	{"DS removed", {"secure DS"}, ""},
	{"glue changed", {"ns.secure "}, "ns.secure A 192.0.2.54\n"},
	{"occluded data changed", {"deep.insecure "}, "deep.insecure A 192.0.2.99\n"},
	{"DNAME added over names", {NULL}, "t DNAME example.org.\nx.t A 192.0.2.4\n"},
	{"apex records changed", {"@ MX", "@ SOA"},
		"@ SOA ns1 hostmaster 2 7200 3600 1209600 300\n@ MX 20 mail\n@ TXT \"v\"\n"},
	{"SOA minimum changed (denial TTL)", {"@ SOA"},
		"@ SOA ns1 hostmaster 2 7200 3600 1209600 600\n"},
	{"last name removed", {"www "}, ""},
	{"name after the last", {NULL}, "zzz A 192.0.2.5\n"},
	{"many changes", {"t1 ", "t2 ", "mail ", "@ MX"},
		"m2 A 192.0.2.2\n@ MX 10 m2\na.t1 TXT \"x\"\nsecure2 NS ns.example.net.\n"
		"secure2 DS 2 13 2 "
		"49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE7F8F8C5DEC8E3C7D4A7A2F1E\n"},
};

static void test_changes(void **state)
{
	(void)state;
	struct zone *in0 = load(BASE);
	for (enum mode m = 0; m < NMODES; m++) {
		struct setup st;
		make_opts(&st, m, 2);
		struct zone *out0 = NULL;
		struct signer_stats s;
		for (size_t c = 0; c < sizeof(CHANGES) / sizeof(CHANGES[0]); c++) {
			char *text = edit(CHANGES[c].drop, CHANGES[c].add);
			struct zone *target = load(text);
			struct zone *in1 = derive(in0, target);
			char what[128];
			snprintf(what, sizeof(what), "%s (mode %d)", CHANGES[c].what, (int)m);
			s = step(in0, &out0, &st.o, in1, &st.o, what);
			bool global = strstr(CHANGES[c].what, "denial TTL") != NULL;
			if (s.full != global)
				fail_msg("%s: full %d", what, s.full);
			/* and back: the incremental result as the previous signing */
			snprintf(what, sizeof(what), "%s, undone (mode %d)", CHANGES[c].what,
				(int)m);
			s = step(in1, &out0, &st.o, in0, &st.o, what);
			zone_unref(in1);
			zone_unref(target);
			free(text);
		}
		zone_unref(out0);
	}
	zone_unref(in0);
}

/* A change that touches nothing but one TXT record re-signs that RRset, its
 * denial records and the apex (SOA, DNSKEY), not the zone. */
static void test_small_change_signs_little(void **state)
{
	(void)state;
	struct zone *in0 = load(BASE);
	const char *drop[] = {"t2 ", NULL};
	char *text = edit(drop, "t2 TXT \"changed\"\n");
	struct zone *target = load(text), *in1 = derive(in0, target);
	for (enum mode m = 0; m < NMODES; m++) {
		struct setup st;
		make_opts(&st, m, 2);
		struct zone *out0 = NULL;
		struct signer_stats s = step(in0, &out0, &st.o, in1, &st.o, "TXT");
		assert_false(s.full);
		/* t2's TXT: its denial record stays as it was */
		assert_int_equal(s.signatures, 1);
		assert_true(s.reused > 0);
		zone_unref(out0);
	}
	zone_unref(in1);
	zone_unref(target);
	zone_unref(in0);
	free(text);
}

/* Changes of options: every name is rebuilt, signatures are kept where the
 * RRset and the key stay. */
static void test_global_changes(void **state)
{
	(void)state;
	struct zone *in = load(BASE);
	struct setup a, b;
	for (enum mode from = 0; from < NMODES; from++) {
		for (enum mode to = 0; to < NMODES; to++) {
			if (from == to)
				continue;
			make_opts(&a, from, 2);
			make_opts(&b, to, 2);
			struct zone *out = NULL;
			char what[64];
			snprintf(what, sizeof(what), "denial mode %d -> %d", (int)from, (int)to);
			struct signer_stats s = step(in, &out, &a.o, in, &b.o, what);
			assert_true(s.full);
			assert_true(s.reused > 0);
			zone_unref(out);
		}
		/* a ZSK added (published and signing), then removed again */
		make_opts(&a, from, 2);
		make_opts(&b, from, 3);
		struct zone *out = NULL;
		struct signer_stats s = step(in, &out, &a.o, in, &b.o, "ZSK added");
		assert_true(s.full);
		assert_true(s.reused > 0 && s.signatures > 0);
		s = step(in, &out, &b.o, in, &a.o, "ZSK removed");
		assert_true(s.full);
		/* pre-published only, then signing */
		b.keys[2].zsk = false;
		s = step(in, &out, &a.o, in, &b.o, "ZSK published");
		b.keys[2].zsk = true;
		struct setup c;
		make_opts(&c, from, 3);
		c.keys[2].zsk = false;
		s = step(in, &out, &c.o, in, &b.o, "ZSK signs");
		zone_unref(out);
	}
	zone_unref(in);
}

/* Signatures due within the refresh time are made again, the others kept;
 * with new times for the remade ones the zone is no full signing any more,
 * so each signature is checked against its key. */
static void test_refresh(void **state)
{
	(void)state;
	struct zone *in = load(BASE);
	for (enum mode m = 0; m < NMODES; m++) {
		struct setup a, b;
		make_opts(&a, m, 2);
		make_opts(&b, m, 2);
		/* all due: the same as a full signing with the new times */
		b.o.now = a.o.expiration - 3600;
		b.o.inception = b.o.now - 3600;
		b.o.expiration = b.o.now + 30 * 86400;
		struct zone *out = NULL;
		struct signer_stats s = step(in, &out, &a.o, in, &b.o, "all due");
		assert_int_equal(s.reused, 0);
		/* nothing due: nothing signed (the unchanged SOA's signature is kept) */
		struct setup c = b;
		c.o.now = b.o.now + 86400;
		c.o.inception = c.o.now - 3600;
		c.o.expiration = c.o.now + 30 * 86400;
		struct signer_prev prev = {in, out, &b.o, 0};
		struct zone *z;
		assert_int_equal(signer_update(in, &c.o, &prev, &z, &s, NULL), 0);
		assert_false(s.full);
		assert_int_equal(s.signatures, 0);
		assert_same(out, z, "nothing due");
		/* a previous signing of another zone, or none, is refused */
		const char *net = "@ 300 SOA ns hm 1 2 3 4 5\n@ 300 NS ns\n";
		struct zone *other = NULL, *none = NULL;
		struct zone_msgs msgs;
		struct zone_read_opts ro = {.origin = "example.net."};
		zone_msgs_init(&msgs);
		assert_int_equal(zone_read_mem(net, strlen(net), "o", &ro, &msgs, &other), 0);
		zone_msgs_deinit(&msgs);
		struct signer_prev bad = {in, other, &b.o, 0};
		assert_int_equal(signer_update(in, &c.o, &bad, &none, NULL, NULL), ERR_INVAL);
		bad.out = NULL;
		assert_int_equal(signer_update(in, &c.o, &bad, &none, NULL, NULL), ERR_INVAL);
		assert_null(none);
		zone_unref(other);
		zone_unref(z);
		/* some due: t1 changes later, so its signature outlives the others */
		const char *drop[] = {"t1 ", NULL};
		char *text = edit(drop, "t1 TXT \"later\"\n");
		struct zone *target = load(text), *in1 = derive(in, target);
		prev = (struct signer_prev){in, out, &b.o, 0};
		assert_int_equal(signer_update(in1, &c.o, &prev, &z, &s, NULL), 0);
		assert_int_equal(s.signatures, 1);
		struct setup d = c;
		d.o.now = b.o.expiration - 3600;
		d.o.inception = d.o.now - 3600;
		d.o.expiration = d.o.now + 30 * 86400;
		struct zone *z2;
		prev = (struct signer_prev){in1, z, &c.o, 0};
		assert_int_equal(signer_update(in1, &d.o, &prev, &z2, &s, NULL), 0);
		assert_false(s.full);
		const struct key *all[] = {ksk, zsk};
		size_t n = verify_all(z2, all, 2, d.o.now);
		/* all made again but t1's TXT signature (with NSEC, t1 is rebuilt
		 * for its NSEC and keeps it; with NSEC3, t1 is not rebuilt) */
		assert_int_equal(s.signatures, n - 1);
		zone_unref(z2);
		zone_unref(z);
		zone_unref(in1);
		zone_unref(target);
		free(text);
		zone_unref(out);
	}
	zone_unref(in);
}

/* After a restart the previous signing comes from disk, not from memory: its
 * nodes share nothing with the unsigned version, and it was read back from a
 * zone file. The next incremental signing is still the full signing. */
static void test_previous_from_file(void **state)
{
	(void)state;
	struct zone *in0 = load(BASE);
	const char *drop[] = {"t3 ", NULL};
	char *text = edit(drop, "n1 A 192.0.2.70\nsub NS ns.sub\nns.sub A 192.0.2.71\n");
	struct zone *target = load(text), *in1 = derive(in0, target);
	for (enum mode m = 0; m < NMODES; m++) {
		struct setup st;
		make_opts(&st, m, 2);
		struct zone *out0, *back = NULL;
		assert_int_equal(signer_sign(in0, &st.o, &out0, NULL), 0);
		char path[] = "/tmp/signer_incr_XXXXXX";
		int fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(zone_write_fd(out0, fd), 0);
		close(fd);
		struct zone_msgs msgs;
		struct zone_read_opts ro = {.origin = "example.com."};
		zone_msgs_init(&msgs);
		if (zone_read_file(path, &ro, &msgs, &back) != 0)
			fail_msg("%s", buf_cstr(&msgs.text));
		zone_msgs_deinit(&msgs);
		unlink(path);
		struct signer_stats s = step(in0, &back, &st.o, in1, &st.o, "previous from a file");
		assert_false(s.full);
		zone_unref(back);
		zone_unref(out0);
	}
	zone_unref(in1);
	zone_unref(target);
	zone_unref(in0);
	free(text);
}

/* Random changes one after the other, each signed incrementally on top of
 * the last incremental result and compared with a full signing. */
static const char *const OWNERS[] = {"a", "b", "c.b", "d.c.b", "e", "*.e", "f", "g.f", "h.g.f",
	"t1", "x.t1", "secure", "ns.secure", "q", "r.q", "zz"};

static uint32_t rnd(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*seed >> 33);
}

/* One random RR to add: owner from OWNERS, type A, TXT, NS, DS or DNAME. */
static void random_add(uint64_t *seed, struct zone_diff *d)
{
	static const uint8_t ds[] = {0x30, 0x39, 13, 2, 0x49, 0xfd, 0x46, 0xe6, 0xc4, 0xb4, 0x5c,
		0x55, 0xd4, 0xac, 0x69, 0xcb, 0xd3, 0xcd, 0x34, 0xac, 0x1a, 0xfe, 0x51, 0xde, 0x7f,
		0x8f, 0x8c, 0x5d, 0xec, 0x8e, 0x3c, 0x7d, 0x4a, 0x7a, 0x2f, 0x1e};
	char text[64];
	uint8_t owner[256], rd[256];
	snprintf(text, sizeof(text), "%s.example.com.",
		OWNERS[rnd(seed) % (sizeof(OWNERS) / sizeof(OWNERS[0]))]);
	knot_dname_from_str(owner, text, sizeof(owner));
	uint32_t ttl = rnd(seed) % 4 ? 3600 : 60;
	uint16_t type, len;
	switch (rnd(seed) % 8) {
	case 0:
	case 1:
	case 2:
		type = KNOT_RRTYPE_A;
		memcpy(rd, "\xc0\x00\x02", 3);
		rd[3] = (uint8_t)(1 + rnd(seed) % 3);
		len = 4;
		break;
	case 3:
	case 4:
		type = KNOT_RRTYPE_TXT;
		rd[0] = 1;
		rd[1] = (uint8_t)('a' + rnd(seed) % 3);
		len = 2;
		break;
	case 5:
		type = KNOT_RRTYPE_NS;
		len = knot_dname_from_str(rd, "ns.example.net.", sizeof(rd)) ? 16 : 0;
		break;
	case 6:
		type = KNOT_RRTYPE_DS;
		memcpy(rd, ds, sizeof(ds));
		len = sizeof(ds);
		break;
	default:
		type = KNOT_RRTYPE_DNAME;
		len = knot_dname_from_str(rd, "example.org.", sizeof(rd)) ? 13 : 0;
		break;
	}
	assert_int_equal(zone_diff_add(d, false, owner, type, 0, ttl, rd, len), 0);
}

/* One random RR of the zone, the apex aside, to remove. */
static void random_remove(uint64_t *seed, const struct zone *z, struct zone_diff *d)
{
	struct node_rr rrs[64];
	size_t total = 0;
	struct tree_iter it;
	for (struct node *n = tree_iter_first(&it, z->tree); n; n = tree_iter_next(&it))
		if (!(n->flags & NODE_APEX))
			total += node_rr_count(n);
	if (total == 0)
		return;
	size_t pick = rnd(seed) % total;
	for (struct node *n = tree_iter_first(&it, z->tree); n; n = tree_iter_next(&it)) {
		if (n->flags & NODE_APEX)
			continue;
		size_t c = node_rr_count(n);
		if (pick >= c) {
			pick -= c;
			continue;
		}
		assert_true(node_rrs(n, rrs, 64) > (int)pick);
		const struct node_rr *rr = &rrs[pick];
		assert_int_equal(zone_diff_add(d, true, node_owner(n), rr->type, rr->covers,
					 rr->ttl, rr->rdata, rr->len),
			0);
		return;
	}
}

/* One to three random additions and removals applied to in; NULL when that
 * breaks the zone's rules (CNAME, DS, DNAME placement). */
static struct zone *random_change(uint64_t *seed, const struct zone *in)
{
	struct zone_diff d;
	zone_diff_init(&d);
	int ops = 1 + (int)(rnd(seed) % 3);
	for (int k = 0; k < ops; k++) {
		if (rnd(seed) % 5 < 3)
			random_add(seed, &d);
		else
			random_remove(seed, in, &d);
	}
	struct zone *next = NULL;
	if (zone_diff_apply(in, &d, &next, NULL) != 0)
		next = NULL;
	zone_diff_deinit(&d);
	return next;
}

static void test_random_sequences(void **state)
{
	(void)state;
	for (enum mode m = 0; m < NMODES; m++) {
		struct setup st;
		make_opts(&st, m, 2);
		st.o.zonemd_hash = m == NSEC3 ? 1 : 0;
		uint64_t seed = 0x5eed + m;
		struct zone *in = load(BASE), *out = NULL;
		size_t applied = 0;
		uint32_t earliest = 0;
		for (int i = 0; i < 150; i++) {
			struct zone *next = random_change(&seed, in);
			if (!next)
				continue;
			char what[64];
			snprintf(what, sizeof(what), "random step %d (mode %d)", i, (int)m);
			/* every other step without the search for signatures due */
			struct signer_stats s = step_hinted(
				in, &out, &st.o, next, &st.o, what, i % 2 ? &earliest : NULL);
			assert_false(s.full);
			zone_unref(in);
			in = next;
			applied++;
		}
		assert_true(applied > 50);
		zone_unref(in);
		zone_unref(out);
	}
}

/* The signatures of a and b differ only in their RDATA: same owners, covered
 * types and keys (the times differ once signatures are kept). */
static void assert_same_but_signatures(const struct zone *a, const struct zone *b, const char *what)
{
	struct zone_diff d;
	zone_diff_init(&d);
	assert_int_equal(zone_diff_compute(a, b, &d), 0);
	assert_int_equal(d.removed.n, d.added.n);
	bool *used = calloc(d.added.n + 1, sizeof(*used));
	assert_non_null(used);
	for (size_t i = 0; i < d.removed.n; i++) {
		const struct zone_diff_rr *r = &d.removed.v[i];
		if (r->type != KNOT_RRTYPE_RRSIG)
			fail_msg("%s: an RR of type %u differs", what, r->type);
		bool found = false;
		for (size_t k = 0; k < d.added.n && !found; k++) {
			const struct zone_diff_rr *a2 = &d.added.v[k];
			found = !used[k] && a2->type == KNOT_RRTYPE_RRSIG &&
				a2->covers == r->covers &&
				knot_dname_is_equal(a2->owner, r->owner) &&
				memcmp(a2->rdata + 16, r->rdata + 16, 2) == 0; /* key tag */
			used[k] |= found;
		}
		if (!found)
			fail_msg("%s: a signature has no counterpart", what);
	}
	free(used);
	zone_diff_deinit(&d);
}

/* Lowers *(uint32_t *)ctx to this signature's expiration (each_rrsig). */
static void note_expiration(
	void *ctx, const struct node *n, const struct rrset *sigs, const uint8_t *d, uint16_t len)
{
	(void)n;
	(void)sigs;
	(void)len;
	uint32_t *e = ctx, x = knot_wire_read_u32(d + 8);
	if (!*e || (int32_t)(x - *e) < 0)
		*e = x;
}

/* The earliest expiry over every signature of z. */
static uint32_t earliest_of(const struct zone *z)
{
	uint32_t e = 0;
	each_rrsig(z, note_expiration, &e);
	return e;
}

static void set_times(struct signer_opts *o, uint32_t now)
{
	o->now = now;
	o->inception = now - 3600;
	o->expiration = now + 10 * 86400;
	o->refresh = 3 * 86400;
}

/* Random changes while time goes on: signatures are kept until they are due,
 * then made again; the zone always matches a full signing but for signature
 * times, every signature verifies and outlives now + refresh, and the
 * earliest expiry reported is never later than the true one. */
static void test_random_with_time(void **state)
{
	(void)state;
	const struct key *all[] = {ksk, zsk};
	for (enum mode m = 0; m < NMODES; m++) {
		struct setup st;
		make_opts(&st, m, 2);
		set_times(&st.o, 1600000000);
		struct signer_opts o0 = st.o;
		uint64_t seed = 0x7173 + m;
		struct zone *in = load(BASE), *out;
		struct signer_stats s;
		assert_int_equal(signer_update(in, &o0, NULL, &out, &s, NULL), 0);
		uint32_t earliest = s.earliest;
		size_t kept = 0, remade = 0;
		for (int i = 0; i < 80; i++) {
			struct zone *next = rnd(&seed) % 4 ? random_change(&seed, in) : NULL;
			if (!next)
				next = zone_ref(in); /* time alone goes on */
			struct signer_opts o1 = st.o;
			set_times(&o1, o0.now + rnd(&seed) % (3 * 86400));
			struct signer_prev prev = {in, out, &o0, i % 2 ? earliest : 0};
			struct zone *incr, *full;
			assert_int_equal(signer_update(next, &o1, &prev, &incr, &s, NULL), 0);
			assert_int_equal(signer_sign(next, &o1, &full, NULL), 0);
			char what[64];
			snprintf(what, sizeof(what), "timed step %d (mode %d)", i, (int)m);
			assert_same_but_signatures(full, incr, what);
			verify_all(incr, all, 2, o1.now);
			uint32_t truth = earliest_of(incr);
			assert_true((int32_t)(truth - o1.now) > (int32_t)o1.refresh);
			assert_true((int32_t)(s.earliest - truth) <= 0);
			earliest = s.earliest;
			kept += s.reused;
			remade += s.signatures;
			zone_unref(full);
			zone_unref(out);
			zone_unref(in);
			out = incr;
			in = next;
			o0 = o1;
		}
		/* both happened, and refreshing made more than the changes alone */
		assert_true(kept > 100 && remade > 200);
		zone_unref(in);
		zone_unref(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_small_change_signs_little),
		cmocka_unit_test(test_global_changes),
		cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_previous_from_file),
		cmocka_unit_test(test_random_sequences),
		cmocka_unit_test(test_random_with_time),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
