/* SPDX-License-Identifier: MIT */
/* Crash groups: crashes of the same bug, for retention (CoresPerSignature=, eviction order),
 * rate limits and `gocrashctl groups`. A crash's group is its Go signature (gosignature.h),
 * else a 64-bit FNV-1a hash of its executable path and signal, 16 hex digits either way.
 *
 * The store keeps one small file per group, STORE/.groups/GROUP (the directory 0700, the files
 * 0600), rewritten atomically under the store lock: the count survives its entries' eviction.
 * A store of an earlier version has entries but no group files: the first record makes them
 * all from the entries that name their group, or whose meta gives it, and marks the store
 * (.groups/.seeded) so that this listing happens once; after it a group without a file is a
 * new one, and one whose file is damaged is made again from its entries. Until the first
 * record, gc_groups_list and gc_group_get give the groups from the entries alone.
 *
 * The file: `version=1` first, then `id`, `count`, `first_usec`, `last_usec`, `last_id`,
 * `reason`, `crash_site` and one `unit`, `exe` or `go_version` line per value, oldest first;
 * `key=value` lines, values escaped with gc_line_escape() as the meta file's are.
 *
 * Locking: gc_group_record takes the store lock itself. A caller may already hold it through
 * the same struct gc_store (gc_store_lock nests); never through another gc_store of the same
 * directory in this process: flock(2) locks of two open file descriptions conflict even
 * within one process, so that deadlocks. Readers (list, get) take no lock: a file is replaced
 * whole, so they see the old one or the new one. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "meta.h"
#include "store.h"

#define GC_GROUP_LEN	16 /* hex digits */
#define GC_GROUP_VALUES 8  /* units, executables, Go versions kept per group, newest last */

/* What the store knows of one group. Strings are raw bytes of the crashed processes:
 * escape before showing. */
struct gc_group {
	char id[GC_GROUP_LEN + 1];
	uint64_t count;	     /* crashes, stored or counted (rate-limited) */
	uint64_t first_usec; /* the first crash's time */
	uint64_t last_usec;  /* the last one's */
	char *last_id;	     /* the last stored entry, NULL if none */
	char *reason;	     /* the last Go reason's first line, or the signal's name */
	char *crash_site;    /* the last Go crash site, NULL if none */
	char *units[GC_GROUP_VALUES], *exes[GC_GROUP_VALUES], *go_versions[GC_GROUP_VALUES];
	uint64_t entries, cores; /* the store's entries of it, and those with a core: filled
				  * by gc_groups_list and gc_group_get */
};

/* The group of a crash, from its meta: go_signature when it is 16 hex digits, else the FNV-1a
 * 64 hash of exe (its " (deleted)" suffix cut; comm when there is no exe), a NUL, and the
 * signal in decimal. */
void gc_group_of(const struct gc_meta *meta, char ret[GC_GROUP_LEN + 1]);

/* Whether s is a group id (16 lowercase hex digits), so safe as a file name. */
bool gc_group_id_valid(const char *s);

/* Counts `n` crashes like meta (its group, time, unit, exe, Go version and reason) into its
 * group under the store lock; meta->group must be set (-EINVAL otherwise). The unit is the
 * most specific one the meta has (container_unit, user_unit, unit); last_id, reason and
 * crash_site follow the crash when it is the group's latest, and what the meta lacks (a
 * rate-limited crash's) stays as it was. Groups made from the committed entries (above) leave
 * meta->id's out: recording an entry after its commit counts it once. Fills ret (may be NULL) with
 * the group as it is afterwards, its entries and cores 0 (gc_group_get counts them). Returns 0 or a
 * negative errno (the group's file is left as it was). */
int gc_group_record(struct gc_store *store, const struct gc_meta *meta, uint64_t n,
		    struct gc_group *ret);

/* Every group of the store, most recent last crash last, with entries/cores counted. */
int gc_groups_list(struct gc_store *store, struct gc_group **ret, size_t *n_ret);

/* One group by id, with entries/cores counted; -ENOENT when the store has neither its file
 * nor an entry of it, -EINVAL for an id that is not one. */
int gc_group_get(struct gc_store *store, const char *id, struct gc_group *ret);

void gc_group_done(struct gc_group *group);
void gc_group_array_free(struct gc_group *groups, size_t n);

/* Serialises / parses a group file (key=value lines, values escaped as meta's are; entries
 * and cores are not in it). Format needs a valid id (-EINVAL). The parser takes any bytes:
 * unknown keys (a newer version's), lines that do not parse and values of the wrong type are
 * skipped, the last of a repeated key wins (each unit, exe or go_version line adds a value as
 * recording does: one repeated moves to the end, the oldest go past GC_GROUP_VALUES), and a
 * missing or bad id is -EBADMSG. Both return
 * 0 or a negative errno, and write *ret only on success. */
int gc_group_format(const struct gc_group *group, char **ret);
int gc_group_parse(const char *text, size_t size, struct gc_group *ret);
