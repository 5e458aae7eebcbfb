/*
 * dzone.h - one zone in the daemon: its pipeline state machine
 * (cascade-spec.md §2), its versions, keys, history and timers.
 *
 * Every zone version moves load -> loaded review -> persist -> sign ->
 * signed review -> persist -> publish. A zone runs at most one of these
 * operations at a time; a load asked for meanwhile is kept as one pending
 * load (repeated asks merge, RFC 1996 §4.4), a re-sign as one pending
 * re-sign, and both start when the zone is idle again, the load first.
 * Zones never wait for each other: each operation is a job on the thread
 * pool or a hook, and its result comes back to the loop as an event.
 *
 * Ownership: the daemon's zone array owns each struct dzone; versions are
 * held by reference (zone_ref) and handed to the nameservers by reference.
 * Threads: loop thread only.
 */
#ifndef CASCADE_DAEMON_DZONE_H
#define CASCADE_DAEMON_DZONE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "lib/dnssec/signer.h"
#include "lib/limits.h"
#include "lib/zone/journal.h"
#include "src/daemon/daemon.h"

/* Longest run of diffs after a snapshot kept on disk; the next version
 * after it is written whole. */
#define STORE_MAX_DIFFS 16

/* A version on disk: a snapshot generation and the diffs after it. */
struct store_chain {
	uint64_t base; /* 0: none */
	uint64_t diffs[STORE_MAX_DIFFS];
	size_t n;
};

enum dzone_state {
	DZ_IDLE,
	DZ_RESTORING,
	DZ_LOADING,
	DZ_LOADED_REVIEW,
	DZ_HALT_LOADED,
	DZ_PERSIST_LOADED,
	DZ_SIGNING,
	DZ_SIGN_FAILED,
	DZ_SIGNED_REVIEW,
	DZ_HALT_SIGNED,
	DZ_PERSIST_SIGNED,
};

enum dzone_source {
	DZ_SRC_NONE,
	DZ_SRC_FILE,
	DZ_SRC_SERVER, /* a primary, by zone transfer (cascade-spec §3.3) */
};

/* Why a signing runs, for history and status. */
enum dzone_trigger {
	DZ_TRIGGER_LOAD,
	DZ_TRIGGER_REFRESH, /* signatures due */
};

/* A key the zone signs with: BIND key files (lib/keystore/bind.h). */
struct dzone_key {
	char *path;	  /* base path, ".key"/".private" appended */
	bool ksk, zsk;	  /* roles: a CSK is both */
	bool imported;	  /* not made by us: never deleted by us */
	bool public_only; /* published in the DNSKEY RRset, never signs */
	struct key *key;  /* loaded; NULL until then */
};

struct dzone_event {
	int64_t when;
	int64_t serial; /* -1: none */
	char *text;
};

struct dzone {
	struct daemon *d;
	char *name; /* presentation, lower case, with the trailing dot */
	char *stem; /* file name stem under zone-state-dir and keys-dir */
	uint8_t apex[LIMIT_NAME_LEN + 1];
	uint8_t key[NAME_KEY_MAX];
	size_t key_len;

	char *policy; /* the policy's name */
	enum dzone_source source;
	char *source_path; /* DZ_SRC_FILE */
	/* DZ_SRC_SERVER: the primary's address as given ("192.0.2.1:53"),
	 * parsed, and the name of its TSIG key (NULL: none). */
	char *source_addr;
	struct sockaddr_storage source_sa;
	char *source_key;
	struct dzone_xfr *xfr; /* DZ_SRC_SERVER: refreshes (source.h) */

	enum dzone_state state;
	bool maintenance;
	bool pending_load, pending_resign;
	enum dzone_trigger sign_trigger;
	char *halt_reason; /* set in the halt states */
	char *last_error;

	/* Versions. loaded: the approved input the published version was
	 * signed from; published: what the publication server serves;
	 * up_loaded / up_signed: the versions on their way through. */
	struct zone *loaded, *published, *up_loaded, *up_signed;
	/* up_loaded was made from loaded by a change (an IXFR, a small file
	 * change, a diff on disk), so a diff between them costs what the change
	 * does; else the loaded review server does not compute one. */
	bool up_shared;
	/* Their files (store.h): the chains of loaded and published, the
	 * approved upcoming loaded version once on disk (up_gen 0: none; a diff
	 * on top of the loaded chain or a snapshot), and the last generation
	 * number given out. */
	struct store_chain loaded_chain, signed_chain;
	uint64_t up_gen;
	bool up_is_diff;
	uint64_t next_gen;
	/* A file dropped with its version (a discard), deleted once the state
	 * file no longer names it: at the next save. */
	uint64_t orphan_gen;
	bool orphan_is_diff;

	/* IXFR-out (lib/zone/journal.h): the diffs between published
	 * versions, each also in <stem>.ixfr.<gen>; the diff of the version
	 * being published, between its persisting and its publishing; and at
	 * a restart the files the state file names, until read. */
	struct journal journal;
	struct zone_diff *up_ixfr;
	uint64_t up_ixfr_gen;
	uint64_t *ixfr_gens;
	size_t nixfr_gens;
	json_t *ixfr_json; /* the state file's entries until they are read back */
	/* Journal files dropped, deleted once a saved state stops naming them. */
	uint64_t *ixfr_gone;
	size_t nixfr_gone;

	/* The signing the published version came from (signer_update's prev). */
	struct signer_opts prev_opts; /* .keys points at prev_keys */
	struct signer_key *prev_keys;
	bool has_prev;
	uint32_t prev_earliest;
	/* The same for the upcoming signed version, until it is published. */
	struct signer_opts up_opts;
	struct signer_key *up_keys;
	struct signer_stats up_stats;

	/* Serials: the last signed serial ever issued, even for a version later
	 * rejected, so serials are never reused (cascade-spec §2.4). */
	uint32_t last_serial;
	bool has_last_serial;

	struct dzone_key *keys;
	size_t nkeys;

	struct dzone_event *history;
	size_t nhistory;

	struct hook *hook; /* the review hook running, or NULL */
	uv_timer_t timer;  /* the next signature refresh check */
	/* Its state file could not be read: the zone waits for the operator
	 * and its file is never overwritten (nothing known would be lost). */
	bool broken;
	/* A signed zone file write is running / another is wanted after it. */
	bool file_writing, file_again;

	/* Figures for status and /metrics. */
	int64_t published_at;
	double last_load_secs, last_sign_secs;
	size_t last_load_rrs;
	int64_t load_started, sign_started;
	uint64_t load_started_ns; /* uv_hrtime() */
};

const char *dzone_state_name(enum dzone_state s);

/* A job of the zone is on the thread pool (loading, signing, persisting,
 * restoring): it must not be removed meanwhile. */
bool dzone_working(const struct dzone *z);
/* Halted: waiting for the operator's override or reset. */
bool dzone_halted(const struct dzone *z);

/* A new zone named name (presentation form) in the registry, idle, with no
 * policy, source or keys yet. ERR_INVAL (not a name) or ERR_EXISTS, with a
 * message in err (room for 256). */
int dzone_new(struct daemon *d, const char *name, struct dzone **out, char *err);
/* Takes z out of the registry; dzone_free() then frees it. */
void dzone_unlink(struct dzone *z);

/* The zone named by a wire name (any case), or NULL. */
struct dzone *dzone_find_wire(struct daemon *d, const uint8_t *wire);
/* The zone named in presentation form ("example.com" or "example.com."). */
struct dzone *dzone_find(struct daemon *d, const char *name);

/* Appends an event to the history (and the log at info) and saves the
 * zone's state file. serial -1 for none. */
void dzone_event(struct dzone *z, int64_t serial, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Drops the versions on their way through (a discard or a reset): the
 * review servers stop serving them. */
void dzone_drop_upcoming(struct dzone *z);

/* Starts what is pending when the zone is idle (a load before a re-sign). */
void dzone_kick(struct dzone *z);

/* Asks for a load (file re-read); merged with one already pending. */
void dzone_request_load(struct dzone *z);

/* Review decisions from the API: stage_signed false for the loaded stage.
 * 0, or a negative code with a reason in why (room for 256). */
int dzone_review(struct dzone *z, bool stage_signed, uint32_t serial, bool approve, char *why);
int dzone_override(struct dzone *z, bool stage_signed, char *why);
int dzone_reset(struct dzone *z, char *why);

/* Writes the zone's state file (crash-safe), then deletes the file a
 * discard left. Logs and returns the error. */
int dzone_save(struct dzone *z);

void dzone_free(struct dzone *z);

#endif
