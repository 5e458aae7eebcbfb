/* zone_read.c - zone files to zone versions (see zone_read.h). */
#include "lib/zone/zone_read.h"

#include <errno.h>
#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <libknot/wire.h>
#include <stdarg.h>
#include <libzscanner/scanner.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/util/array.h"
#include "lib/util/err.h"
#include "lib/zone/zone_build.h"

#define READ_MAX_FILES 1024
/* Given to zscanner as the default TTL so a record without one can be told
 * apart until a $TTL sets a real default. */
#define TTL_UNSET UINT32_MAX

/* One owner's RRs, collected until the owner changes. RDATA lives in rd;
 * rrs[i].rdata holds an offset into it until the node is built. */
struct pending {
	uint8_t owner[LIMIT_NAME_LEN + 1];
	size_t owner_len;
	struct node_rr *rrs;
	size_t n, cap;
	struct buf rd;
};

struct loader {
	const struct zone_read_opts *opts;
	struct zone_msgs *msgs;
	uint8_t apex[LIMIT_NAME_LEN + 1];
	struct pending cur;
	struct zone_build zb;
	const char *files[READ_MAX_FILES]; /* names for messages; [0] is the top file */
	uint16_t nfiles;
	uint16_t file;	   /* index of the file being read */
	int depth;	   /* $INCLUDE nesting */
	size_t rrs;	   /* RRs read so far */
	uint32_t last_ttl; /* the last TTL a record stated (TTL_UNSET: none yet) */
	int fatal;	   /* first error that stops the load, or 0 */
};

void zone_msgs_init(struct zone_msgs *m)
{
	buf_init(&m->text, 1 << 20);
	m->errors = m->warnings = 0;
}

void zone_msgs_deinit(struct zone_msgs *m)
{
	buf_deinit(&m->text);
}

static void msg(struct loader *l, uint64_t line, bool error, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void msg(struct loader *l, uint64_t line, bool error, const char *fmt, ...)
{
	if (error)
		l->msgs->errors++;
	else
		l->msgs->warnings++;
	if (l->msgs->errors + l->msgs->warnings > LIMIT_ZONE_FILE_ERRORS)
		return; /* counted, not printed */
	struct buf *b = &l->msgs->text;
	if (line)
		buf_printf(b, "%s:%llu: %s: ", l->files[l->file], (unsigned long long)line,
			error ? "error" : "warning");
	else
		buf_printf(b, "%s: %s: ", l->files[l->file], error ? "error" : "warning");
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
	buf_append_byte(b, '\n');
}

static const char *name_txt(const uint8_t *w, char *out, size_t size)
{
	if (!knot_dname_to_str(out, w, size))
		snprintf(out, size, "(unprintable name)");
	return out;
}

/* The line to name when the owner breaks a rule: the record that breaks it
 * (a second SOA, or whichever of a CNAME and other data came second), else
 * the first record. */
static uint32_t blame_line(const struct pending *p)
{
	uint32_t cname = 0, other = 0, soa = 0, soa2 = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct node_rr *rr = &p->rrs[i];
		if (rr->type == KNOT_RRTYPE_CNAME && !cname)
			cname = rr->line;
		else if (rr->type == KNOT_RRTYPE_SOA && !soa)
			soa = rr->line;
		else if (rr->type == KNOT_RRTYPE_SOA && !soa2)
			soa2 = rr->line;
		if (rr->type != KNOT_RRTYPE_CNAME && rr->type != KNOT_RRTYPE_RRSIG &&
			rr->type != KNOT_RRTYPE_NSEC && !other)
			other = rr->line;
	}
	if (soa2)
		return soa2;
	if (cname && other)
		return cname > other ? cname : other;
	return p->rrs[0].line;
}

/* Builds the node of the pending owner and hands it to the zone builder. */
static int flush(struct loader *l)
{
	struct pending *p = &l->cur;
	if (p->n == 0)
		return 0;
	for (size_t i = 0; i < p->n; i++)
		p->rrs[i].rdata = p->rd.data + (uintptr_t)p->rrs[i].rdata;
	struct node *node;
	struct node_build_notes notes;
	int rc = node_build(p->owner, p->rrs, p->n, 0, &node, &notes);
	char nm[KNOT_DNAME_TXT_MAXLEN + 1];
	if (rc < 0) {
		msg(l, p->rrs[0].line, true, "%s: cannot store RRs: %s",
			name_txt(p->owner, nm, sizeof(nm)), err_str(rc));
	} else {
		zone_build_notes(&l->zb, p->owner, &notes, p->rrs[0].file, p->rrs[0].line);
		rc = zone_build_add(&l->zb, node, blame_line(p), p->rrs[0].file);
	}
	p->n = 0;
	buf_clear(&p->rd);
	return rc;
}

/* Checks that apply to each record as it is read. */
static bool record_ok(struct loader *l, const zs_scanner_t *s, bool new_owner)
{
	char nm[KNOT_DNAME_TXT_MAXLEN + 1];
	if (s->r_class != KNOT_CLASS_IN) {
		msg(l, s->line_counter, true, "%s: class %u is not IN",
			name_txt(s->r_owner, nm, sizeof(nm)), s->r_class);
		return false;
	}
	if (new_owner) {
		if (!name_is_at_or_below(s->r_owner, l->apex)) {
			msg(l, s->line_counter, true, "%s: outside the zone",
				name_txt(s->r_owner, nm, sizeof(nm)));
			return false;
		}
	}
	if (s->r_type == KNOT_RRTYPE_SOA && !name_equal(s->r_owner, l->apex)) {
		msg(l, s->line_counter, true, "%s: SOA is not at the apex",
			name_txt(s->r_owner, nm, sizeof(nm)));
		return false;
	}
	if (s->r_type == KNOT_RRTYPE_RRSIG && s->r_data_length < 2) {
		msg(l, s->line_counter, true, "%s: RRSIG too short",
			name_txt(s->r_owner, nm, sizeof(nm)));
		return false;
	}
	return true;
}

/* RFC 1035 §5.1: a record without a TTL (and no $TTL before it) takes the
 * last one stated. Before any, a SOA takes its MINIMUM and passes it on, as
 * BIND does (RFC 2308 §4 made $TTL the way to say it). */
static uint32_t record_ttl(struct loader *l, const zs_scanner_t *s)
{
	if (s->r_ttl != TTL_UNSET) {
		l->last_ttl = s->r_ttl;
		return s->r_ttl;
	}
	if (l->last_ttl == TTL_UNSET && s->r_type == KNOT_RRTYPE_SOA && s->r_data_length >= 4) {
		l->last_ttl = knot_wire_read_u32(s->r_data + s->r_data_length - 4);
	}
	return l->last_ttl == TTL_UNSET ? 3600 : l->last_ttl;
}

static int add_record(struct loader *l, const zs_scanner_t *s)
{
	struct pending *p = &l->cur;
	bool same = p->n > 0 && s->r_owner_length == p->owner_len &&
		memcmp(s->r_owner, p->owner, p->owner_len) == 0;
	if (!same && p->n > 0 && name_equal(s->r_owner, p->owner))
		same = true; /* same name, other case: one node */
	if (!record_ok(l, s, !same))
		return 0; /* an error message, not a stop */
	if (++l->rrs > l->opts->max_rrs) {
		msg(l, s->line_counter, true, "more than %zu RRs in the zone", l->opts->max_rrs);
		return ERR_LIMIT;
	}
	if (!same) {
		int rc = flush(l);
		if (rc < 0)
			return rc;
		memcpy(p->owner, s->r_owner, s->r_owner_length);
		p->owner_len = s->r_owner_length;
	}
	if (array_reserve((void **)&p->rrs, &p->cap, p->n + 1, sizeof(*p->rrs), 16) < 0)
		return ERR_NOMEM;
	uint32_t ttl = record_ttl(l, s);
	uint16_t covers = 0;
	if (s->r_type == KNOT_RRTYPE_RRSIG)
		covers = (uint16_t)(s->r_data[0] << 8 | s->r_data[1]);
	p->rrs[p->n++] = (struct node_rr){.type = s->r_type,
		.covers = covers,
		.ttl = ttl,
		.len = (uint16_t)s->r_data_length,
		.rdata = (const uint8_t *)(uintptr_t)p->rd.len,
		.line = (uint32_t)s->line_counter,
		.file = l->file};
	return buf_append(&p->rd, s->r_data, s->r_data_length);
}

static int parse_scanner(struct loader *l, zs_scanner_t *s);

static int parse_include(struct loader *l, zs_scanner_t *parent)
{
	if (l->opts->no_include) {
		msg(l, parent->line_counter, true, "$INCLUDE is not allowed here");
		return ERR_UNSUPP;
	}
	if (l->depth >= LIMIT_INCLUDE_DEPTH) {
		msg(l, parent->line_counter, true, "$INCLUDE nested more than %d deep",
			LIMIT_INCLUDE_DEPTH);
		return ERR_LIMIT;
	}
	if (l->nfiles >= READ_MAX_FILES) {
		msg(l, parent->line_counter, true, "more than %d $INCLUDE files", READ_MAX_FILES);
		return ERR_LIMIT;
	}
	zs_scanner_t *s = malloc(sizeof(*s)); /* large: keep it off the stack */
	if (!s)
		return ERR_NOMEM;
	int rc = 0;
	/* zscanner gives the resolved path and the origin in text form. */
	if (zs_init(s, (const char *)parent->buffer, KNOT_CLASS_IN, parent->default_ttl) != 0) {
		msg(l, parent->line_counter, true, "$INCLUDE: bad origin");
		free(s);
		return ERR_SYNTAX;
	}
	char *path = strdup(parent->include_filename);
	if (!path) {
		zs_deinit(s);
		free(s);
		return ERR_NOMEM;
	}
	if (zs_set_input_file(s, path) != 0) {
		msg(l, parent->line_counter, true, "$INCLUDE %s: %s", path,
			zs_strerror(s->error.code));
		rc = ERR_SYNTAX;
		free(path);
	} else {
		uint16_t saved = l->file;
		l->files[l->nfiles] = path; /* freed with the loader */
		l->file = l->nfiles++;
		l->depth++;
		rc = parse_scanner(l, s);
		l->depth--;
		l->file = saved;
	}
	zs_deinit(s);
	free(s);
	return rc;
}

/* The mapped zone file, as first seen, and how far its pages were given back. */
struct mapping {
	const char *start, *end, *done;
	bool off; /* not a mapping, or zscanner moved elsewhere: touch nothing */
};

/* Gives back the pages of a mapped zone file that were parsed already, so a
 * large file does not stay resident beside the zone built from it. Only
 * pages inside the mapping first seen are touched: at the end of a file
 * without a final line break zscanner points its input at a buffer of its own. */
static void release_parsed(const zs_scanner_t *s, struct mapping *m)
{
	const size_t step = 16u << 20, keep = 1u << 20;
	if (m->off)
		return;
	if (!m->start) {
		if (!s->input.mmaped || !s->input.start)
			return;
		m->start = m->done = s->input.start;
		m->end = s->input.end;
	}
	const char *cur = s->input.current;
	if (s->input.start != m->start || cur < m->start || cur > m->end) {
		m->off = true;
		return;
	}
	if (cur - m->done < (ptrdiff_t)(step + keep))
		return;
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t from = ((uintptr_t)m->done + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
	uintptr_t to = ((uintptr_t)cur - keep) & ~((uintptr_t)pg - 1);
	if (to > from && madvise((void *)from, to - from, MADV_DONTNEED) == 0)
		m->done = (const char *)to;
}

/* Reads records until the end of this scanner's input. Syntax errors are
 * reported and skipped so one load lists many of them; the load fails later. */
static int parse_scanner(struct loader *l, zs_scanner_t *s)
{
	struct mapping map = {.off = false};
	for (;;) {
		release_parsed(s, &map);
		if (zs_parse_record(s) != 0 && s->state != ZS_STATE_ERROR)
			return ERR_SYNTAX;
		int rc = 0;
		switch (s->state) {
		case ZS_STATE_DATA:
			rc = add_record(l, s);
			break;
		case ZS_STATE_INCLUDE:
			rc = parse_include(l, s);
			s->error.fatal = false; /* zscanner leaves it set after an include */
			break;
		case ZS_STATE_ERROR:
			msg(l, s->line_counter, true, "%s", zs_strerror(s->error.code));
			if (s->error.fatal)
				return ERR_SYNTAX;
			break;
		default: /* EOF or stop */
			return 0;
		}
		if (rc < 0)
			return rc;
		if (l->msgs->errors > LIMIT_ZONE_FILE_ERRORS)
			return ERR_LIMIT;
	}
}

static void build_report(void *ctx, uint16_t file, uint32_t line, bool warning, const char *text)
{
	struct loader *l = ctx;
	uint16_t saved = l->file;
	l->file = file < l->nfiles ? file : 0;
	msg(l, line, !warning, "%s", text);
	l->file = saved;
}

static int loader_init(struct loader *l, const struct zone_read_opts *opts,
	struct zone_read_opts *fixed, struct zone_msgs *msgs, const char *label)
{
	memset(l, 0, sizeof(*l));
	*fixed = *opts;
	if (!fixed->default_ttl)
		fixed->default_ttl = TTL_UNSET;
	l->last_ttl = TTL_UNSET;
	if (!fixed->max_rrs)
		fixed->max_rrs = LIMIT_ZONE_RRS;
	l->opts = fixed;
	l->msgs = msgs;
	l->files[0] = label;
	l->nfiles = 1;
	buf_init(&l->cur.rd, 0);
	if (!opts->origin || !knot_dname_from_str(l->apex, opts->origin, sizeof(l->apex))) {
		msg(l, 0, true, "invalid origin '%s'", opts->origin ? opts->origin : "");
		return ERR_INVAL;
	}
	return zone_build_init(&l->zb, l->apex, build_report, l);
}

static void loader_deinit(struct loader *l)
{
	zone_build_deinit(&l->zb);
	free(l->cur.rrs);
	buf_deinit(&l->cur.rd);
	for (uint16_t i = 1; i < l->nfiles; i++)
		free((char *)l->files[i]);
}

/* Input octets per name, at the least, in the zone files one meets: a name
 * with one short record takes 20 or so. Fewer (many names on few octets)
 * only means the array grows as it fills. */
#define OCTETS_PER_NAME_MIN 48

/* Parses with s (input already set), then builds the version. */
static int load(struct loader *l, zs_scanner_t *s, struct zone **out)
{
	/* Room for the names up front, estimated from the input's size: a
	 * growing array would be copied, and its fresh pages touched, again
	 * and again. Room not filled costs address space only. A hint: when
	 * it cannot be had, the array grows as it fills. */
	size_t size = (size_t)(s->input.end - s->input.start);
	(void)zone_build_reserve(&l->zb, size / OCTETS_PER_NAME_MIN);
	int rc = parse_scanner(l, s);
	if (rc == 0)
		rc = flush(l);
	if (rc == 0 && l->msgs->errors)
		rc = ERR_SYNTAX;
	if (rc == 0) {
		rc = zone_build_finish(&l->zb, out);
		if (rc == ERR_ZONE && !l->msgs->errors)
			msg(l, 0, true, "invalid zone");
	}
	if (rc < 0 && !l->msgs->errors)
		msg(l, 0, true, "%s", err_str(rc));
	return rc;
}

static int read_common(const char *path, const char *data, size_t len, const char *label,
	const struct zone_read_opts *opts, struct zone_msgs *msgs, struct zone **out)
{
	struct loader l;
	struct zone_read_opts fixed;
	zs_scanner_t *s = NULL;
	*out = NULL;
	int rc = loader_init(&l, opts, &fixed, msgs, label);
	if (rc < 0)
		goto cleanup;
	s = malloc(sizeof(*s));
	if (!s) {
		rc = ERR_NOMEM;
		goto cleanup;
	}
	if (zs_init(s, opts->origin, KNOT_CLASS_IN, fixed.default_ttl) != 0) {
		free(s);
		s = NULL;
		msg(&l, 0, true, "invalid origin '%s'", opts->origin);
		rc = ERR_INVAL;
		goto cleanup;
	}
	int in = path ? zs_set_input_file(s, path) : zs_set_input_string(s, data, len);
	if (in != 0) {
		rc = (path && errno) ? -errno : ERR_SYNTAX;
		msg(&l, 0, true, "cannot read: %s", zs_strerror(s->error.code));
		goto cleanup;
	}
	rc = load(&l, s, out);
cleanup:
	if (s) {
		zs_deinit(s);
		free(s);
	}
	loader_deinit(&l);
	return rc;
}

int zone_read_file(const char *path, const struct zone_read_opts *opts, struct zone_msgs *msgs,
	struct zone **out)
{
	return read_common(path, NULL, 0, path, opts, msgs, out);
}

int zone_read_mem(const char *data, size_t len, const char *label,
	const struct zone_read_opts *opts, struct zone_msgs *msgs, struct zone **out)
{
	return read_common(NULL, data, len, label, opts, msgs, out);
}
