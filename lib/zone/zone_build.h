/*
 * zone_build.h - turn a set of nodes into a checked zone version.
 *
 * The zone reader (and later the transfer client) adds one node per owner in
 * any order; zone_build_finish sorts them into canonical order, merges nodes
 * of the same name, checks the rules every zone must meet (SOA, apex NS,
 * CNAME and DNAME exclusivity), adds empty non-terminals, sets the flags
 * (apex, cut, occluded, glue, wildcard, DNAME) and builds the tree.
 *
 * Ownership: zone_build_add takes over the node reference. Problems are
 * reported through the callback with the line and file index given with the
 * node. Not thread-safe; one builder per load.
 */
#ifndef CASCADE_ZONE_ZONE_BUILD_H
#define CASCADE_ZONE_ZONE_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/zone/zone.h"

struct zone_build_ent {
	uint64_t pfx, pfx2; /* key octets after the apex, 8 and the next 8,
			     * big-endian: most sort comparisons end here
			     * without touching the node (a cache miss) */
	struct node *node;
	uint32_t line;
	uint16_t file;
};

typedef void (*zone_build_report_fn)(
	void *ctx, uint16_t file, uint32_t line, bool warning, const char *text);

struct zone_build {
	uint8_t apex[LIMIT_NAME_LEN + 1];
	uint8_t apex_key[NAME_KEY_MAX];
	size_t apex_key_len;
	struct zone_build_ent *v;
	size_t n, cap;
	bool sorted; /* nodes arrived in canonical order so far */
	unsigned errors;
	zone_build_report_fn report;
	void *ctx;
};

/* apex is a valid wire name; report may be NULL. */
int zone_build_init(
	struct zone_build *zb, const uint8_t *apex, zone_build_report_fn report, void *ctx);
void zone_build_deinit(struct zone_build *zb);
int zone_build_add(struct zone_build *zb, struct node *node, uint32_t line, uint16_t file);
/* Room for n nodes in all, so that adding them does not grow the array. */
int zone_build_reserve(struct zone_build *zb, size_t n);
/* Reports what node_build accepted but noticed (duplicates, mixed TTLs) as
 * warnings about owner. */
void zone_build_notes(struct zone_build *zb, const uint8_t *owner,
	const struct node_build_notes *notes, uint16_t file, uint32_t line);
/* Returns 0 and a version, or ERR_ZONE after reporting each problem. The
 * builder is empty afterwards either way. */
int zone_build_finish(struct zone_build *zb, struct zone **out);

/* Checks the rules every name of a zone meets (see zone_read.h) on one node;
 * returns 0, or ERR_ZONE with the reason in why. Shared with diff apply. */
int zone_build_check(const struct node *n, bool is_apex, char *why, size_t size);

/* Flags of a node given the state above it: whether an ancestor is a zone
 * cut (under_cut) or holds a DNAME (under_dname). Shared with diff apply. */
uint16_t zone_build_flags(
	const struct node *n, bool is_apex, bool under_cut, bool under_dname, bool is_ent);

#endif
