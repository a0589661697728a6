/* SPDX-License-Identifier: MIT */
/* Rate limits per service ([Capture] RateLimitIntervalSec=, RateLimitBurst=): a service that
 * crashes more than the burst within an interval is in a crash loop, and its further crashes
 * of that interval are read away at once and only counted.
 *
 *   STORE/.ratelimit/KEYHASH     the state of one key: 16 hex digits of the key's FNV-1a
 *                                hash; key=value lines (escape.h gc_line_escape), the key
 *                                itself among them, rewritten whole (temporary name and
 *                                rename) under the store lock
 *
 * Intervals are fixed windows, as journald's: the first crash after an interval ended starts
 * the next one. The decision before the drain only reads the state (a file is replaced
 * whole, so no lock is needed to read it); the count comes after the drain, under the lock.
 * Two crashes decided at the same moment may both be stored: the burst can be passed by the
 * number of captures running at once, never a crash lost. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "meta.h"
#include "store.h"

#define GC_RATELIMIT_DIR       ".ratelimit"
#define GC_RATELIMIT_GROUP_LEN 16 /* groups.h's GC_GROUP_LEN */

struct gc_ratelimit_policy {
	uint64_t interval_usec; /* 0: no limit */
	unsigned burst;		/* crashes stored per interval */
};

/* What the store knows of one key. Strings are the crashed processes' raw bytes. */
struct gc_ratelimit {
	char *key;
	uint64_t interval_usec; /* the interval's length when it started */
	uint64_t start_usec;	/* the interval's first crash, 0 when none yet */
	uint64_t crashes;	/* crashes in the interval, stored or not */
	uint64_t suppressed;	/* of those, counted but not stored, not yet summarised */
	uint64_t summary_usec;	/* when the last summary was written, 0 for never */
	char group[GC_RATELIMIT_GROUP_LEN + 1]; /* the last stored crash's group, "" if none */
	/* Suppressed crashes counted while no group was known yet (the first stored crashes
	 * still in their analysis): they go into the group the next stored crash gives, or, at
	 * the interval's end, into the one the label gives (groups.h, gc_group_of). */
	uint64_t ungrouped;
	uint64_t last_usec; /* the last crash's time */
	/* 1 while the key is in a crash loop: its last interval ended with crashes suppressed
	 * and the next came within an interval of the last; such an interval stores one crash
	 * (a new bug in the loop still shows), not the burst, and sends no start line. */
	uint64_t looping;
	/* The last crash's label, for the journal lines and the groups. */
	char *unit, *user_unit, *container_unit, *exe, *comm;
	int64_t uid; /* -1 when unknown */
	int signal;
};

/* The key of a crash: its unit when the innermost unit it runs in is a service (the host's
 * unit, then "/" and the user's or the container's service when there is one:
 * "user@1000.service/app.service"), else its executable (a login session's scope holds any
 * program). Returns a malloc'ed string, or NULL when there is neither (no limit then) or on
 * OOM. */
char *gc_ratelimit_key(const struct gc_meta *meta);

/* The 16 hex digits of the key's FNV-1a hash: its state file's name. */
void gc_ratelimit_key_hash(const char *key, char ret[GC_RATELIMIT_GROUP_LEN + 1]);

/* Before the drain: reads the key's state, without lock or write, and tells whether a crash
 * at now_usec is above the burst. Returns 1 (suppress it), 0 (store it), or a negative errno
 * (-ENOMEM only: an unreadable or foreign file counts as no state). ret (may be NULL) gets
 * the state read, fresh when there is none. */
int gc_ratelimit_check(struct gc_store *store, const struct gc_ratelimit_policy *policy,
		       const char *key, uint64_t now_usec, struct gc_ratelimit *ret);

/* After the drain: counts the crash of meta (its time and label) into the key's state under
 * the store lock, stored or suppressed as the check said; a suppressed one is counted into
 * the key's group as well (groups.h), or kept as ungrouped while none is known. The first
 * crash after an interval ended starts the next one, and the ended interval's summary goes out
 * first when it has one (to the journal when journal is true, else as a log message). Returns 1
 * when this crash is the first suppressed of its interval (then the start line is sent, the same
 * way), 0 otherwise, or a negative errno (the state stays as it was). ret (may be NULL) gets the
 * state as written. */
int gc_ratelimit_count(struct gc_store *store, const struct gc_ratelimit_policy *policy,
		       const char *key, const struct gc_meta *meta, bool suppressed, bool journal,
		       struct gc_ratelimit *ret);

/* After a stored crash's grouping: its group (meta->group, 16 hex digits) becomes the key's
 * last group, into which its suppressed crashes are counted, the ungrouped ones now (with
 * meta's unit, executable and reason, at the key's last crash time). Returns 0 or a negative
 * errno (-EINVAL for a bad group, -ENOENT when the key has no state). */
int gc_ratelimit_note_stored(struct gc_store *store, const char *key, const struct gc_meta *meta);

/* Sends the summary of every key whose interval has ended with crashes not yet summarised
 * ("myservice.service crashed 37 more times in the last 10min ..."), marking them done, and
 * removes the state of keys whose interval ended over a day ago. Each capture calls it after
 * its own work (gocrashctl, which opens the store read-only, does not). Returns the number of
 * summaries sent, or a negative errno when the store cannot be read or locked. */
int gc_ratelimit_flush(struct gc_store *store, bool journal);

void gc_ratelimit_done(struct gc_ratelimit *state);

/* Serialises / parses a state file. The parser takes any bytes: unknown keys and bad values
 * are skipped, a missing key is -EBADMSG. */
int gc_ratelimit_format(const struct gc_ratelimit *state, char **ret);
int gc_ratelimit_parse(const char *text, size_t size, struct gc_ratelimit *ret);
