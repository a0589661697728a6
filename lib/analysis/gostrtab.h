/* SPDX-License-Identifier: MIT */
/* The string tables the Go runtime prints from, read from the crashed program itself:
 * runtime.waitReasonStrings (the status of a waiting goroutine), runtime.gStatusStrings (of
 * the others) and the names in runtime.sigtable ("SIGSEGV: segmentation violation"). Their
 * order changes between releases (1.26 reordered the wait reasons), so gocrashd keeps no
 * copy: a table is located by its .symtab entry when the binary has one, else by its first
 * entries, which every release 1.18 to 1.27 shares. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gobuildinfo.h" /* gc_read_mem_fn */

enum gc_go_strtab_kind {
	GC_GO_STRTAB_WAIT_REASONS,
	GC_GO_STRTAB_STATUSES,
	GC_GO_STRTAB_SIGNALS,
	GC_GO_N_STRTABS,
};

struct gc_go_strtab {
	char **s; /* NULL when the table was not found */
	size_t n;
	uint64_t addr; /* where it was found, in the process */
};

/* Runtime globals gocrashd reads where the program has a symbol table. */
enum gc_go_global {
	GC_GO_GLOBAL_MAXSTACKSIZE,    /* runtime.maxstacksize (debug.SetMaxStack), 8 bytes */
	GC_GO_GLOBAL_MAXSTACKCEILING, /* runtime.maxstackceiling, 8 bytes */
	GC_GO_GLOBAL_DEBUG,	      /* runtime.debug, the GODEBUG settings: a struct */
	GC_GO_N_GLOBALS,
};

struct gc_go_strtabs {
	struct gc_go_strtab tab[GC_GO_N_STRTABS];
	uint64_t global[GC_GO_N_GLOBALS];      /* process addresses, 0 when not known */
	uint64_t global_size[GC_GO_N_GLOBALS]; /* their sizes, as .symtab gives them */
};

/* Where .symtab puts each table, relative to the link address (0 when stripped). */
struct gc_go_strtab_hint {
	uint64_t addr, size;
};

/* Where .symtab puts the tables (hints[0 .. GC_GO_N_STRTABS)) and the globals (after them),
 * from one pass over the executable's .symtab. Returns 0 (hints of absent symbols stay 0). */
#define GC_GO_N_HINTS (GC_GO_N_STRTABS + GC_GO_N_GLOBALS)
struct gc_exe;
int gc_go_strtab_hints(const struct gc_exe *exe, struct gc_go_strtab_hint hints[GC_GO_N_HINTS]);

/* Finds the tables: at hint + bias when a hint is given and its first entries are right,
 * else by scanning the n_ranges ranges {start, size} (process addresses of writable data)
 * through read(). A table not found is left empty. The globals are at their hint + bias
 * when it is a symbol of the size expected (8 bytes, any for a struct), else 0. hints
 * (GC_GO_N_HINTS of them) may be NULL. Returns 0 or -ENOMEM. */
int gc_go_strtabs_find(gc_read_mem_fn read, void *userdata, const uint64_t (*ranges)[2],
		       size_t n_ranges, const struct gc_go_strtab_hint *hints, uint64_t bias,
		       struct gc_go_strtabs *ret);

void gc_go_strtabs_done(struct gc_go_strtabs *tabs);

/* Entry i of table kind, or NULL when the table is missing or i is past its end. */
const char *gc_go_strtab_get(const struct gc_go_strtabs *tabs, enum gc_go_strtab_kind kind,
			     uint64_t i);

/* The status word as goroutineheader() prints it: waitReasonStrings[reason] for a waiting
 * goroutine with a non-zero reason ("unknown wait reason" past the end, as
 * waitReason.String()), else gStatusStrings[status] ("???" past the end). Without the
 * program's tables: "waiting" and "???" (the caller notes why). The scan bit is ignored.
 * Returns a string owned by tabs, or a static one. */
const char *gc_go_status_text(const struct gc_go_strtabs *tabs, uint32_t status,
			      uint8_t wait_reason);

/* Whether a goroutine waiting for wait_reason is durably blocked as synctest sees it (the
 * runtime's isIdleInSynctest, 1.25+: sleeping, on a nil channel, in an empty select, in
 * sync.Cond.Wait, a coroutine, synctest.Run and Wait), by the reason's name in the program's
 * own table. The durable channel operations are named "... (durable)" there already. */
bool gc_go_idle_in_synctest(const struct gc_go_strtabs *tabs, uint8_t wait_reason);
