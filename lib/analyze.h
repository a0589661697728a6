/* SPDX-License-Identifier: MIT */
/* What a stored core says about the crash, worked out in the sandboxed child: everything that
 * parses data the crashed process controlled runs here, never in the root handler. */
#pragma once

#include "store.h"

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
