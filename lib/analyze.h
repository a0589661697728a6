/* SPDX-License-Identifier: MIT */
/* The analysis side's only interface (its code is in lib/analysis/, built as its own library,
 * whose headers the root side cannot include): what the executable and a stored core say about
 * the crash, worked out in the sandboxed child. Everything that parses data the crashed process
 * controlled runs there, never in the root handler; its parsers refuse to run in the root part
 * (sandbox.h). */
#pragma once

#include <stdbool.h>

#include "store.h"

/* What the executable says about itself: is it Go, which version, which build id. This is
 * the minimum the capture needs for its policy and metadata; the Go analysis goes deeper. */
struct gc_gobin {
	bool is_go;
	char *go_version; /* "go1.22.12", from .go.buildinfo */
	char *build_id;	  /* GNU build id as hex, else the Go build id, else NULL */
};

/* Inspects the ELF executable open on fd (not moved: reads with pread). Returns 0 (a non-Go
 * or non-ELF file is not an error: is_go stays false), -ENOMEM, or -EPERM in the root part
 * (there, run it through gc_exe_probe(), exeprobe.h). */
int gc_gobin_inspect(int fd, struct gc_gobin *ret);

void gc_gobin_done(struct gc_gobin *gobin);

/* Whether the ELF executable open on fd has DWARF a debugger can read: a .debug_info or a
 * .zdebug_info section (Go's linker writes the second; -ldflags=-w and strip drop both).
 * Returns 0 with *ret set (false too for a file that is not ELF), -ENOMEM, or -EPERM in the
 * root part (there, ask gc_debug_has_dwarf(), debug.h). */
int gc_gobin_has_dwarf(int fd, bool *ret);

struct gc_analyze_request {
	int core_fd;   /* the stored core (core.zst) */
	int exe_fd;    /* the executable, negative when unknown */
	int out_fd;    /* the summary, in the meta format */
	int report_fd; /* the Go report (goroutines file), negative to skip the Go analysis */
	uint64_t crash_monotonic_ns; /* CLOCK_MONOTONIC at the crash, 0 when unknown */
	uint64_t deadline_usec;	     /* CLOCK_MONOTONIC: stop walking goroutines, 0 = none */
};

/* The child's side: reads the stored core (and the executable), writes its findings to
 * out_fd in the meta format and, for a Go program, the goroutine report to report_fd.
 * Returns 0, or a negative errno when it could not even read the stored core (then it still
 * wrote a core_error) or the Go analysis failed for want of memory or I/O. */
int gc_analyze_stored_core(const struct gc_analyze_request *req);

/* The parent's side: merges the child's output into meta. Fields /proc or the kernel's
 * arguments already gave are kept; the core's notes fill the gaps; core_size tells whether
 * the kernel sent less than the core's own headers announce. */
void gc_analysis_merge(struct gc_meta *meta, const char *output);
