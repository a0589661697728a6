/* SPDX-License-Identifier: MIT */
/* The Go analysis of a crashed process: every goroutine's stack, the crash reason and a
 * signature, from the core's memory and the executable's function table. Runs in the
 * sandboxed child; every failure ends in a partial report with notes, never an error. */
#pragma once

#include <stdint.h>

#include "goexe.h"
#include "goreport.h"
#include "memview.h"

struct gc_go_analyze_options {
	/* CLOCK_MONOTONIC at the crash, in ns (the runtime's nanotime), for "N minutes";
	 * 0 when unknown. */
	uint64_t crash_monotonic_ns;
	/* Upper bound on goroutines walked (the rest are counted and noted). */
	uint64_t max_goroutines;
	/* CLOCK_MONOTONIC usec after which no further goroutine is walked (0 = none): the
	 * report then holds what was read by that time, and a note. */
	uint64_t deadline_usec;
};

/* Fills report (zeroed by the caller) from the core on view and its executable exe (borrowed,
 * NULL when unknown). Returns 0 when report holds a result, partial or not (an executable
 * that is not the one that crashed gives a report of notes only), -ENOMEM, or -ENOEXEC when
 * the executable is not Go (nothing to say). */
int gc_go_analyze(struct gc_memview *view, const struct gc_exe *exe,
		  const struct gc_go_analyze_options *opts, struct gc_go_report *report);
