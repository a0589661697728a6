/* SPDX-License-Identifier: MIT */
/* Whether the executable the analysis was given is the one that crashed: /proc/PID/exe or a
 * path may have been replaced since, and a report from another build's tables is wrong. */
#pragma once

#include "goexe.h"
#include "memview.h"

/* Whether the executable is the one that crashed (gc_exe_check_name() names it for the
 * entry's exe_check field). */
enum gc_exe_check {
	GC_EXE_CHECK_UNKNOWN,
	GC_EXE_CHECK_MATCH,
	GC_EXE_CHECK_MISMATCH,
};

/* Compares exe with the crashed process as the core on view has it: the build ids (GNU, else
 * Go) in the notes of the core's copy of the executable's first page, else that page itself;
 * when the core has no copy, NT_PRPSINFO's fname with the executable's name in NT_FILE (a
 * mismatch only: a name says nothing of the contents). Writes a sentence saying why into
 * why (size bytes). */
enum gc_exe_check gc_exe_check_core(const struct gc_exe *exe, struct gc_memview *view, char *why,
				    size_t size);
const char *gc_exe_check_name(enum gc_exe_check check);
