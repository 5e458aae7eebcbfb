/*
 * genzone - writes a synthetic, TLD-like zone file for the benchmarks.
 *
 *   genzone [-n DELEGATIONS] [-o ORIGIN] [-s SEED] > zone
 *
 * The zone looks like a country-code TLD as an AXFR dump shows it: one line
 * per RR, absolute owner names, explicit TTL and class. It holds the SOA, a
 * few apex NS with their addresses, N delegations of 2 NS each (about 5% with
 * in-bailiwick name servers and A/AAAA glue, the rest with name servers in
 * other zones, shared by hosting providers with a skewed popularity), a DS
 * RRset at about 10% of them (algorithm 13 mostly, SHA-256 digests, a second
 * DS during a rollover now and then) and a few hundred ordinary names with A,
 * AAAA, TXT and MX. Names are made of words and syllables of varied length;
 * they come out in the order they are made, which is not canonical order, as
 * in real zone files. All RRs of one owner are on consecutive lines.
 *
 * ORIGIN should be a TLD-like name (default "test."). "." is accepted, but
 * then the provider name servers (ns1.x.com. ...) fall inside the zone and
 * checkers that demand glue for them (kzonecheck) reject it.
 *
 * The output depends only on the arguments: the generator has its own PRNG
 * (xoshiro256**, seeded through splitmix64) and never calls rand().
 * Standalone: no project library, so it also builds without the rest.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DELEGATIONS 100000000UL /* keeps the name pool's 32-bit offsets valid */
#define ORDINARY_NAMES 300
#define PROVIDERS 4000
#define OUTBUF_SIZE (1 << 20)
#define LABEL_MAX 63

/* ---- PRNG ---- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift; its bias is far below
 * anything a benchmark zone can notice). */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* True with probability pct/100. */
static bool rng_pct(struct rng *r, uint32_t pct)
{
	return rng_below(r, 100) < pct;
}

/* ---- output buffer ---- */

struct out {
	char buf[OUTBUF_SIZE];
	size_t len;
	bool failed;
};

static void out_flush(struct out *o)
{
	if (o->len && fwrite(o->buf, 1, o->len, stdout) != o->len)
		o->failed = true;
	o->len = 0;
}

/* Every caller writes one line at most, far below the reserve kept here. */
static void out_reserve(struct out *o)
{
	if (o->len > OUTBUF_SIZE - 4096)
		out_flush(o);
}

static void out_str(struct out *o, const char *s)
{
	size_t n = strlen(s);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void out_chr(struct out *o, char c)
{
	o->buf[o->len++] = c;
}

static void out_u64(struct out *o, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		o->buf[o->len++] = tmp[--n];
}

static void out_hex(struct out *o, uint64_t v, int digits)
{
	static const char hx[] = "0123456789abcdef";
	for (int i = digits - 1; i >= 0; i--)
		o->buf[o->len++] = hx[(v >> (4 * i)) & 15];
}

/* Lower-case hex without leading zeros, as in IPv6 presentation. */
static void out_hex_short(struct out *o, uint32_t v)
{
	int digits = 1;
	while (digits < 8 && (v >> (4 * digits)))
		digits++;
	out_hex(o, v, digits);
}

/* ---- names ---- */

/* A set of strings (labels, or "label.parent" for names under the apex's own
 * subdomains), open addressing on a 64-bit hash, strings in one pool. */
struct nameset {
	uint32_t *slots; /* pool offset + 1; 0 = empty */
	uint64_t mask;
	char *pool;
	size_t pool_len, pool_cap;
};

static int nameset_init(struct nameset *ns, size_t expect)
{
	size_t cap = 1024;
	while (cap < expect * 2)
		cap *= 2;
	ns->slots = calloc(cap, sizeof(*ns->slots));
	ns->mask = cap - 1;
	ns->pool_cap = expect * 16 + 4096;
	ns->pool = malloc(ns->pool_cap);
	ns->pool_len = 0;
	return ns->slots && ns->pool ? 0 : -ENOMEM;
}

static void nameset_deinit(struct nameset *ns)
{
	free(ns->slots);
	free(ns->pool);
}

static uint64_t str_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

/* Adds s[0..n); returns 1 when added, 0 when already there, -ENOMEM. */
static int nameset_add(struct nameset *ns, const char *s, size_t n)
{
	uint64_t i = str_hash(s, n) & ns->mask;
	for (; ns->slots[i]; i = (i + 1) & ns->mask) {
		const char *p = ns->pool + ns->slots[i] - 1;
		if (strncmp(p, s, n) == 0 && p[n] == '\0')
			return 0;
	}
	if (ns->pool_len + n + 1 > ns->pool_cap) {
		size_t nc = ns->pool_cap * 2;
		char *np = realloc(ns->pool, nc);
		if (!np)
			return -ENOMEM;
		ns->pool = np;
		ns->pool_cap = nc;
	}
	memcpy(ns->pool + ns->pool_len, s, n);
	ns->pool[ns->pool_len + n] = '\0';
	ns->slots[i] = (uint32_t)(ns->pool_len + 1);
	ns->pool_len += n + 1;
	return 1;
}

static const char *const words[] = {"able", "acme", "alpha", "amber", "anchor", "apex", "apple",
	"arc", "art", "atlas", "aura", "auto", "baker", "bay", "beach", "bear", "bee", "bell",
	"berry", "best", "big", "bike", "bio", "bird", "black", "bloom", "blue", "boat", "bold",
	"book", "box", "brew", "brick", "bridge", "bright", "build", "cafe", "camp", "canal",
	"candle", "car", "care", "castle", "cat", "cedar", "center", "chef", "city", "clean",
	"clinic", "cloud", "club", "coast", "code", "coffee", "color", "cool", "coral", "corner",
	"craft", "crown", "cyber", "daily", "data", "dental", "design", "dev", "digital", "dog",
	"dragon", "dream", "drive", "eagle", "earth", "east", "eco", "edge", "elite", "energy",
	"event", "expert", "fair", "family", "farm", "fast", "field", "film", "fire", "first",
	"fish", "fit", "flex", "flower", "flow", "fly", "food", "forest", "forge", "fox", "free",
	"fresh", "fun", "future", "game", "garden", "gate", "gear", "gift", "glass", "global",
	"gold", "good", "grand", "green", "grid", "group", "guide", "hair", "happy", "harbor",
	"health", "heart", "hill", "home", "honey", "horse", "host", "hotel", "house", "hub", "ice",
	"idea", "info", "inn", "iron", "island", "jet", "jewel", "job", "joy", "key", "kid", "king",
	"kitchen", "lab", "lake", "land", "law", "leaf", "legal", "life", "light", "line", "link",
	"lion", "live", "local", "logic", "loop", "love", "lucky", "mail", "main", "maker", "map",
	"maple", "market", "max", "media", "meta", "metro", "mill", "mind", "mint", "mobile",
	"moon", "motor", "mountain", "music", "nature", "net", "new", "next", "nord", "north",
	"nova", "oak", "ocean", "office", "olive", "one", "online", "open", "orange", "orbit",
	"paper", "park", "path", "peak", "pet", "photo", "pilot", "pine", "pixel", "pizza", "plan",
	"planet", "play", "plus", "point", "polar", "port", "prime", "pro", "pure", "quest",
	"quick", "rain", "ranch", "rapid", "red", "rent", "river", "road", "rock", "rose", "royal",
	"run", "safe", "sale", "salt", "sand", "school", "sea", "secure", "shop", "sign", "silver",
	"simple", "sky", "smart", "snow", "soft", "solar", "solid", "sound", "south", "space",
	"spark", "sport", "spring", "square", "star", "steel", "stone", "store", "studio", "style",
	"sun", "super", "swift", "system", "taxi", "team", "tech", "tiger", "tiny", "top", "tour",
	"tower", "town", "toy", "trade", "trail", "travel", "tree", "true", "trust", "union",
	"urban", "valley", "vela", "verde", "villa", "vision", "vital", "voice", "water", "wave",
	"web", "west", "white", "wild", "wind", "wine", "wolf", "wood", "work", "world", "yoga",
	"young", "zen", "zone"};
#define NWORDS (sizeof(words) / sizeof(words[0]))

static const char *const onsets[] = {"b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p",
	"r", "s", "t", "v", "w", "z", "br", "ch", "dr", "fl", "gr", "kl", "pr", "sh", "st", "tr",
	"", ""};
static const char *const vowels[] = {"a", "e", "i", "o", "u", "a", "e", "o", "ai", "ei", "ou", "y"};
static const char *const codas[] = {"n", "r", "s", "l", "m", "t", "x", "nd", "rk"};
static const char *const ns_tlds[] = {"com", "net", "org", "de", "nl", "se", "eu", "io", "ch",
	"co.uk", "fr", "at", "be", "dk", "cz", "info"};
static const char *const ns_styles[][2] = {{"ns1", "ns2"}, {"ns1", "ns2"}, {"ns1", "ns2"},
	{"dns1", "dns2"}, {"a.ns", "b.ns"}, {"ns", "ns2"}, {"pdns1", "pdns2"}, {"ns01", "ns02"},
	{"auth1", "auth2"}};

struct label {
	char s[LABEL_MAX + 1];
	size_t n;
};

static void label_put(struct label *l, const char *s)
{
	size_t k = strlen(s);
	if (l->n + k > LABEL_MAX)
		k = LABEL_MAX - l->n;
	memcpy(l->s + l->n, s, k);
	l->n += k;
	l->s[l->n] = '\0';
}

static void label_word(struct label *l, struct rng *r)
{
	label_put(l, words[rng_below(r, NWORDS)]);
}

static void label_syllables(struct label *l, struct rng *r, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		label_put(l, onsets[rng_below(r, sizeof(onsets) / sizeof(onsets[0]))]);
		label_put(l, vowels[rng_below(r, sizeof(vowels) / sizeof(vowels[0]))]);
		if (rng_pct(r, 25))
			label_put(l, codas[rng_below(r, sizeof(codas) / sizeof(codas[0]))]);
	}
}

static void label_chars(struct label *l, struct rng *r, const char *set, uint32_t count)
{
	uint32_t n = (uint32_t)strlen(set);
	for (uint32_t i = 0; i < count && l->n < LABEL_MAX; i++)
		l->s[l->n++] = set[rng_below(r, n)];
	l->s[l->n] = '\0';
}

/* One second-level label in the style of real registrations: compounds of
 * words, made-up brand names, numbers, hyphens, short acronyms, IDNs. */
static void label_make(struct label *l, struct rng *r)
{
	char num[16];
	l->n = 0;
	l->s[0] = '\0';
	uint32_t k = rng_below(r, 100);
	if (k < 28) {
		label_word(l, r);
		label_word(l, r);
	} else if (k < 48) {
		label_syllables(l, r, 2 + rng_below(r, 3));
	} else if (k < 57) {
		label_word(l, r);
		label_put(l, "-");
		label_word(l, r);
	} else if (k < 66) {
		label_word(l, r);
		if (rng_pct(r, 40))
			snprintf(num, sizeof(num), "%u", 1990 + rng_below(r, 36));
		else
			snprintf(num, sizeof(num), "%u", rng_below(r, 1000));
		label_put(l, num);
	} else if (k < 74) {
		label_syllables(l, r, 1 + rng_below(r, 2));
		label_word(l, r);
	} else if (k < 82) {
		label_word(l, r);
		label_word(l, r);
		label_word(l, r);
	} else if (k < 88) {
		label_chars(l, r, "abcdefghijklmnopqrstuvwxyz", 2 + rng_below(r, 4));
	} else if (k < 91) {
		label_put(l, "xn--");
		label_chars(l, r, "abcdefghijklmnopqrstuvwxyz0123456789", 5 + rng_below(r, 12));
	} else if (k < 95) {
		label_word(l, r);
		label_syllables(l, r, 1 + rng_below(r, 2));
	} else {
		label_word(l, r);
		label_put(l, "-");
		label_syllables(l, r, 2 + rng_below(r, 2));
		if (rng_pct(r, 30))
			label_put(l, "-group");
	}
}

/* ---- the zone ---- */

struct provider {
	char ns[2][LABEL_MAX * 2 + 24];
};

struct gen {
	struct rng rng;
	struct out *out;
	struct nameset names;
	struct provider *providers;
	const char *apex;   /* "test." or "." */
	const char *suffix; /* ".test." or "." : appended to a label */
	uint32_t serial;
};

static void out_name(struct gen *g, const char *label, const char *mid)
{
	out_str(g->out, label);
	if (mid) {
		out_chr(g->out, '.');
		out_str(g->out, mid);
	}
	out_str(g->out, g->suffix);
}

/* "OWNER TTL IN TYPE " */
static void out_head(
	struct gen *g, const char *label, const char *mid, uint32_t ttl, const char *type)
{
	out_reserve(g->out);
	if (label)
		out_name(g, label, mid);
	else
		out_str(g->out, g->apex);
	out_chr(g->out, ' ');
	out_u64(g->out, ttl);
	out_str(g->out, " IN ");
	out_str(g->out, type);
	out_chr(g->out, ' ');
}

static void out_a(struct gen *g, const char *label, const char *mid, uint32_t ttl)
{
	static const uint8_t avoid[] = {0, 10, 100, 127, 169, 172, 192, 198, 203};
	uint32_t first;
	do {
		first = 1 + rng_below(&g->rng, 223);
	} while (memchr(avoid, (int)first, sizeof(avoid)));
	out_head(g, label, mid, ttl, "A");
	out_u64(g->out, first);
	for (int i = 0; i < 3; i++) {
		out_chr(g->out, '.');
		out_u64(g->out, rng_below(&g->rng, 256));
	}
	out_chr(g->out, '\n');
}

static void out_aaaa(struct gen *g, const char *label, const char *mid, uint32_t ttl)
{
	out_head(g, label, mid, ttl, "AAAA");
	out_str(g->out, "2a0");
	out_u64(g->out, rng_below(&g->rng, 10));
	for (int i = 0; i < 2; i++) {
		out_chr(g->out, ':');
		out_hex_short(g->out, rng_below(&g->rng, 0x10000));
	}
	out_str(g->out, "::");
	out_hex_short(g->out, 1 + rng_below(&g->rng, 0x100));
	out_chr(g->out, '\n');
}

/* A DS as a parent shows it (RFC 4034 §5.3): key tag, algorithm, SHA-256
 * digest (digest type 2, RFC 4509) in hex. */
static void out_ds(struct gen *g, const char *label)
{
	uint32_t alg = 13, k = rng_below(&g->rng, 100);
	if (k < 12)
		alg = 8;
	else if (k < 15)
		alg = 15;
	out_head(g, label, NULL, 3600, "DS");
	out_u64(g->out, rng_below(&g->rng, 65536));
	out_chr(g->out, ' ');
	out_u64(g->out, alg);
	out_str(g->out, " 2 ");
	for (int i = 0; i < 4; i++)
		out_hex(g->out, rng_next(&g->rng), 16);
	out_chr(g->out, '\n');
}

static void out_apex(struct gen *g)
{
	static const char *const hosts[] = {"a", "b", "c", "d"};
	out_str(g->out, "$TTL 86400\n");
	out_head(g, NULL, NULL, 86400, "SOA");
	out_str(g->out, "a.ns");
	out_str(g->out, g->suffix);
	out_str(g->out, " hostmaster.nic");
	out_str(g->out, g->suffix);
	out_chr(g->out, ' ');
	out_u64(g->out, g->serial);
	out_str(g->out, " 1800 900 2419200 3600\n");
	for (size_t i = 0; i < 4; i++) {
		out_head(g, NULL, NULL, 86400, "NS");
		out_name(g, hosts[i], "ns");
		out_chr(g->out, '\n');
	}
	out_head(g, NULL, NULL, 86400, "NS");
	out_str(g->out, "ns1.anycast-dns.net.\n");
	for (size_t i = 0; i < 4; i++) {
		char mid[8];
		snprintf(mid, sizeof(mid), "%s.ns", hosts[i]);
		out_a(g, mid, NULL, 86400);
		out_aaaa(g, mid, NULL, 86400);
	}
}

/* The name servers of one hosting provider: two host names in another TLD. */
static void provider_make(struct gen *g, struct provider *p)
{
	struct label l;
	label_make(&l, &g->rng);
	const char *tld = ns_tlds[rng_below(&g->rng, sizeof(ns_tlds) / sizeof(ns_tlds[0]))];
	const char *const *st =
		ns_styles[rng_below(&g->rng, sizeof(ns_styles) / sizeof(ns_styles[0]))];
	for (int i = 0; i < 2; i++)
		snprintf(p->ns[i], sizeof(p->ns[i]), "%s.%s.%s.", st[i], l.s, tld);
}

/* A provider index with a skewed popularity: a few big hosters carry a large
 * share of the delegations, as in real TLDs. */
static uint32_t provider_pick(struct gen *g)
{
	double u = (double)(rng_next(&g->rng) >> 11) / 9007199254740992.0;
	return (uint32_t)(PROVIDERS * u * u * u);
}

static void out_ds_set(struct gen *g, const char *label, bool roll)
{
	out_ds(g, label);
	if (roll)
		out_ds(g, label); /* a KSK rollover in progress: two DS */
}

/* One delegation: its NS (and DS) lines on consecutive lines, DS before or
 * after the NS as both occur in real files, then the glue owners if any. */
static void out_delegation(struct gen *g, const char *label)
{
	bool in_bailiwick = rng_pct(&g->rng, 5);
	bool ds = rng_pct(&g->rng, 10);
	bool roll = ds && rng_pct(&g->rng, 5);
	bool ds_first = rng_pct(&g->rng, 50);
	if (ds && ds_first)
		out_ds_set(g, label, roll);
	const struct provider *p = in_bailiwick ? NULL : &g->providers[provider_pick(g)];
	for (int i = 0; i < 2; i++) {
		out_head(g, label, NULL, 86400, "NS");
		if (p)
			out_str(g->out, p->ns[i]);
		else
			out_name(g, i ? "ns2" : "ns1", label);
		out_chr(g->out, '\n');
	}
	if (ds && !ds_first)
		out_ds_set(g, label, roll);
	if (p)
		return;
	/* In-bailiwick name servers: the parent must carry glue (RFC 1034 §4.2.1). */
	bool v6 = rng_pct(&g->rng, 50);
	for (int i = 0; i < 2; i++) {
		char mid[LABEL_MAX + 8];
		snprintf(mid, sizeof(mid), "%s.%s", i ? "ns2" : "ns1", label);
		bool v6_first = v6 && rng_pct(&g->rng, 30);
		if (v6_first)
			out_aaaa(g, mid, NULL, 86400);
		out_a(g, mid, NULL, 86400);
		if (v6 && !v6_first)
			out_aaaa(g, mid, NULL, 86400);
	}
}

static int out_ordinary(struct gen *g)
{
	static const char *const parents[] = {"nic", "registry", "www", "whois", "rdap"};
	struct label l;
	char key[LABEL_MAX * 2 + 2];
	const char *parent;
	int rc;
	do {
		l.n = 0;
		l.s[0] = '\0';
		if (rng_pct(&g->rng, 60))
			label_word(&l, &g->rng);
		else
			label_syllables(&l, &g->rng, 1 + rng_below(&g->rng, 3));
		parent = parents[rng_below(&g->rng, 2)];
		snprintf(key, sizeof(key), "%s.%s", l.s, parent);
		rc = nameset_add(&g->names, key, strlen(key));
		if (rc < 0)
			return rc;
	} while (rc == 0);
	uint32_t na = 1 + rng_below(&g->rng, 2);
	for (uint32_t i = 0; i < na; i++)
		out_a(g, l.s, parent, 3600);
	if (rng_pct(&g->rng, 70))
		out_aaaa(g, l.s, parent, 3600);
	if (rng_pct(&g->rng, 30)) {
		out_head(g, l.s, parent, 3600, "TXT");
		out_str(g->out, "\"v=spf1 ip4:192.0.2.0/24 -all\" \"service ");
		out_str(g->out, l.s);
		out_str(g->out, "\"\n");
	}
	if (rng_pct(&g->rng, 20)) {
		out_head(g, l.s, parent, 3600, "MX");
		out_u64(g->out, 10 * (1 + rng_below(&g->rng, 3)));
		out_chr(g->out, ' ');
		out_name(g, "mail", "nic");
		out_chr(g->out, '\n');
	}
	return 0;
}

/* The fixed names of the registry itself, which no delegation may take. */
static int out_registry_names(struct gen *g)
{
	static const char *const reserved[] = {
		"nic", "registry", "www", "whois", "rdap", "ns", "mail.nic"};
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (nameset_add(&g->names, reserved[i], strlen(reserved[i])) < 0)
			return -ENOMEM;
	static const char *const hosts[] = {"nic", "www", "whois", "rdap"};
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		out_a(g, hosts[i], NULL, 3600);
		out_aaaa(g, hosts[i], NULL, 3600);
		if (i == 0) {
			out_head(g, "nic", NULL, 3600, "TXT");
			out_str(g->out, "\"synthetic benchmark zone\"\n");
		}
	}
	out_a(g, "mail", "nic", 3600);
	return 0;
}

static int generate(struct gen *g, unsigned long n)
{
	int rc = out_registry_names(g);
	if (rc < 0)
		return rc;
	unsigned long next_ord = 0, ord = 0;
	struct label l;
	for (unsigned long i = 0; i < n; i++) {
		/* Spread the ordinary names evenly through the file. */
		while (ord < ORDINARY_NAMES && next_ord <= i) {
			if ((rc = out_ordinary(g)) < 0)
				return rc;
			ord++;
			next_ord = ord * n / ORDINARY_NAMES;
		}
		do {
			label_make(&l, &g->rng);
			rc = nameset_add(&g->names, l.s, l.n);
			if (rc < 0)
				return rc;
		} while (rc == 0);
		out_delegation(g, l.s);
	}
	while (ord < ORDINARY_NAMES) {
		if ((rc = out_ordinary(g)) < 0)
			return rc;
		ord++;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: genzone [-n DELEGATIONS] [-o ORIGIN] [-s SEED] > zone\n");
}

int main(int argc, char **argv)
{
	unsigned long n = 1000000;
	unsigned long long seed = 1;
	const char *origin = "test.";
	char *end;
	int opt;
	while ((opt = getopt(argc, argv, "n:o:s:h")) != -1) {
		switch (opt) {
		case 'n':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || n > MAX_DELEGATIONS) {
				fprintf(stderr, "genzone: -n: 0 to %lu\n", MAX_DELEGATIONS);
				return 2;
			}
			break;
		case 'o':
			origin = optarg;
			break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno || *end) {
				fprintf(stderr, "genzone: -s: a number\n");
				return 2;
			}
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind != argc) {
		usage();
		return 2;
	}
	size_t olen = strlen(origin);
	if (olen == 0 || olen > 120 || (origin[0] == '.' && olen > 1) || strstr(origin, "..")) {
		fprintf(stderr, "genzone: -o: a domain name of at most 120 characters\n");
		return 2;
	}
	char apex[128], suffix[130];
	snprintf(apex, sizeof(apex), "%s%s", origin, origin[olen - 1] == '.' ? "" : ".");
	bool root = strcmp(apex, ".") == 0;
	snprintf(suffix, sizeof(suffix), "%s%s", root ? "" : ".", apex);

	static struct out out;
	struct gen g = {.out = &out, .apex = apex, .suffix = suffix, .serial = 2024010100};
	rng_seed(&g.rng, seed);
	g.providers = calloc(PROVIDERS, sizeof(*g.providers));
	if (!g.providers || nameset_init(&g.names, n + ORDINARY_NAMES + 16) < 0) {
		fprintf(stderr, "genzone: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < PROVIDERS; i++)
		provider_make(&g, &g.providers[i]);
	out_apex(&g);
	int rc = generate(&g, n);
	out_flush(&out);
	if (fflush(stdout) != 0)
		out.failed = true;
	nameset_deinit(&g.names);
	free(g.providers);
	if (rc < 0) {
		fprintf(stderr, "genzone: %s\n", strerror(-rc));
		return 1;
	}
	if (out.failed) {
		fprintf(stderr, "genzone: write error: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
