/* SPDX-License-Identifier: MIT */
/* The metadata of one crash and its `meta` file: one `key=value` line per field, values
 * escaped just enough that any byte string survives (backslash, newline, tab, CR). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gc_meta {
	char *id;
	uint64_t time_usec; /* crash time, CLOCK_REALTIME in microseconds */
	int64_t pid, uid, gid;
	int signal;
	char *comm, *exe, *cmdline, *unit, *build_id;
	uint64_t core_size;   /* raw bytes received from the kernel */
	uint64_t stored_size; /* bytes of core.zst on disk */
	bool core_stored;     /* core.zst exists (false for NonGo=summary) */
	bool truncated;	      /* the stored core is not the whole core */
	char *truncated_reason;
	char *core_error; /* the core is not ELF / malformed / short, said plainly */
	bool go;	  /* the executable is a Go program */
	char *go_version;
	/* Fields of later stages (the Go analysis) kept verbatim, "key=value" strings. */
	char **extra;
	size_t n_extra;
};

void gc_meta_free(struct gc_meta *meta);
void gc_meta_array_free(struct gc_meta *metas, size_t n);

/* Serialises to / parses from the `meta` file text. Unknown keys land in extra. */
int gc_meta_format(const struct gc_meta *meta, char **ret);
int gc_meta_parse(const char *text, size_t size, struct gc_meta *ret);

/* Sets or replaces an extra field. */
int gc_meta_set_extra(struct gc_meta *meta, const char *key, const char *value);
const char *gc_meta_get_extra(const struct gc_meta *meta, const char *key);

/* Escapes every string of meta for showing (gc_escape(), escape.h): one line each, the Go
 * analysis' go_* fields keeping their newlines and tabs. For gocrashctl's text output only:
 * the meta must not be written back afterwards. Returns 0 or -ENOMEM (meta stays valid,
 * partly escaped). */
int gc_meta_escape(struct gc_meta *meta);
