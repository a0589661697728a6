/* SPDX-License-Identifier: MIT */
/* Which stored crashes a gocrashctl command means, said as coredumpctl's matches say it: a
 * PID, a command name, an executable path, a unit, a signature, FIELD=VALUE on the metadata,
 * an entry ID or a prefix of one, and a time window in journalctl's syntax.
 *
 * An argument is read as: FIELD=VALUE when it has '=' (FIELD a meta key, `go_signature`, or
 * its journal name, `GOCRASH_SIGNATURE`, in any case); an executable when it starts with '/';
 * a PID when it is 1 to 7 digits (PIDs stop at 4194304); an ID prefix when it starts with 8
 * digits (IDs are YYYYMMDD-HHMMSS-PID); a unit when it ends in a unit type suffix
 * (.service, .scope, ...); a command name (comm) otherwise. Matches of the same kind (or the
 * same field) are alternatives; matches of different kinds must all hold, as journalctl
 * combines fields. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meta.h"

enum gc_match_kind {
	GC_MATCH_ID,	    /* a prefix of the entry's id */
	GC_MATCH_PID,	    /* the pid */
	GC_MATCH_COMM,	    /* comm */
	GC_MATCH_EXE,	    /* the executable's path */
	GC_MATCH_UNIT,	    /* the unit, the user unit, or the container's unit */
	GC_MATCH_SIGNATURE, /* a prefix of the Go signature */
	GC_MATCH_FIELD,	    /* FIELD=VALUE: the field's value as the meta file writes it */
};

struct gc_match {
	enum gc_match_kind kind;
	enum gc_meta_field field; /* GC_MATCH_FIELD */
	const char *value;	  /* borrowed from the argument */
};

struct gc_selection {
	struct gc_match *matches;
	size_t n_matches;
	uint64_t since_usec; /* CLOCK_REALTIME, 0: no lower bound */
	uint64_t until_usec; /* CLOCK_REALTIME, 0: no upper bound */
};

/* Adds the match an argument says (borrowed: it must outlive the selection). Returns 0,
 * -EINVAL for FIELD=VALUE with an unknown field or an empty argument, or -ENOMEM. */
int gc_selection_add(struct gc_selection *sel, const char *arg);

/* Adds a signature prefix match (--signature=). */
int gc_selection_add_signature(struct gc_selection *sel, const char *prefix);

/* The field FIELD=VALUE names: a meta key or its journal name, in any case (the core notes'
 * fields aside). Returns 0, or -EINVAL for a name that is none. */
int gc_meta_field_by_name(const char *name, enum gc_meta_field *ret);

/* Whether the crash is one the selection means: every kind of match holds, and its time is
 * within since..until. */
bool gc_selection_matches(const struct gc_selection *sel, const struct gc_meta *meta);

/* Whether the selection is a single ID prefix (an ambiguous one is then an error, as it was
 * when commands took an ID). */
bool gc_selection_is_id(const struct gc_selection *sel);

void gc_selection_done(struct gc_selection *sel);

/* A point in time in journalctl's syntax (systemd.time(7)), local time: "2026-12-03",
 * "2026-12-03 17:58[:30]", "17:58[:30]" (today), "now", "today", "yesterday", "tomorrow",
 * "@SECONDS" since the epoch, and a span relative to now: "-1h", "+30min", "2d ago",
 * "-1h 30min" (units us, ms, s, m or min, h, d, w, M for months of 30.44 days, y for years
 * of 365.25 days, also spelled out). Returns 0 with the CLOCK_REALTIME microseconds, or
 * -EINVAL. */
int gc_parse_time(const char *text, uint64_t now_usec, uint64_t *ret_usec);
