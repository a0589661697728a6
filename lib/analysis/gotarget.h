/* SPDX-License-Identifier: MIT */
/* A crashed Go process as the extractor sees it: its memory (through a block cache over the
 * memory view), its function table relocated to where the process had it, the runtime
 * structures' layout for its Go release, and where allgs and the module data live. Internal
 * to the Go analysis (goanalyze.c, gounwind.c, gopanic.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elfcore.h"
#include "golayout.h"
#include "gobuildinfo.h"
#include "execheck.h"
#include "gostrtab.h"
#include "memview.h"
#include "pclntab.h"

struct gc_go_target {
	struct gc_memview *view;  /* borrowed */
	const struct gc_exe *exe; /* borrowed */
	const struct gc_core_info *info;
	struct gc_block_cache *cache;  /* gotarget.c's page cache over view */
	struct gc_pc_memo *pc_memo;    /* gounwind.c's memo of pc -> function and SP delta */
	struct gc_pclntab_image image; /* the function table, read from the executable */
	struct gc_pclntab *tab;
	struct gc_buildinfo build; /* the exe's (a copy of its fields, owned by exe) */
	const struct gc_go_layout *layout;
	bool layout_exact;    /* the release's own table */
	bool layout_dwarf;    /* newer than the tables: read from the executable's DWARF */
	size_t dwarf_missing; /* fields the DWARF did not have (GC_NO_FIELD) */
	struct gc_go_layout dwarf_layout;
	char exe_mismatch[384];	      /* why the executable is not the one that crashed */
	struct gc_go_strtabs strtabs; /* the runtime's status, wait reason and signal names */
	uint64_t bias;		      /* load bias: runtime address - link-time address */
	/* runtime.firstmoduledata, as the process had it (relocated) */
	uint64_t moduledata, text, etext, types, etypes, gofunc;
	/* the runtime globals behind forEachGRace */
	uint64_t allglen_addr, allgptr_addr;
	/* entries of the functions the extractor treats specially (0 when absent), and of
	 * forEachGRace, whose code finds allgs */
	struct {
		uint64_t sigtramp, cgo_sigtramp, systemstack, mcall, morestack, sigpanic,
		    async_preempt, debug_call, fatalpanic, fatalthrow, throw_func1, fatal_func1,
		    gopanic, goexit, for_each_g_race;
	} fn;
};

/* Opens the target: build info and function table from exe (borrowed; NULL when unknown),
 * which must be the crashed process's executable (gc_exe_check_core(): a mismatch fails with
 * -ESTALE), module data and allgs from the core. Returns 0, or a negative errno with *why set to a
 * sentence saying what is missing (static string). The target is usable for whatever was
 * found before the failure; gc_go_target_done() frees it in every case. */
int gc_go_target_open(struct gc_go_target *t, struct gc_memview *view, const struct gc_exe *exe,
		      const char **why);
void gc_go_target_done(struct gc_go_target *t);

/* Sets *why to a static sentence and returns r: for functions that explain their failures. */
static inline int why_fail(const char **why, const char *sentence, int r)
{
	*why = sentence;
	return r;
}

/* Reads target memory through the cache. Returns 0 or -EFAULT. */
int gc_go_read(struct gc_go_target *t, uint64_t addr, void *buf, size_t size);
int gc_go_read_word(struct gc_go_target *t, uint64_t addr, uint64_t *ret);
/* Reads a Go string {ptr, len} at addr (or the bytes at ptr, len) into a new NUL-terminated
 * string of at most max bytes (longer ones are cut). Returns 0, -EFAULT or -ENOMEM. */
int gc_go_read_string_at(struct gc_go_target *t, uint64_t ptr, uint64_t len, size_t max,
			 char **ret);
