/* SPDX-License-Identifier: MIT */
/* What a stored core says about the crash, worked out in the sandboxed child: everything that
 * parses data the crashed process controlled runs here, never in the root handler. */
#pragma once

#include "store.h"

/* The child's side: reads the stored core on core_fd (and the executable on exe_fd, may be
 * negative), writes its findings to out_fd in the meta format. Returns 0, or a negative errno
 * when it could not even read the stored core (then it still wrote a core_error). */
int gc_analyze_stored_core(int core_fd, int exe_fd, int out_fd);

/* The parent's side: merges the child's output into meta. Fields /proc or the kernel's
 * arguments already gave are kept; the core's notes fill the gaps; core_size tells whether
 * the kernel sent less than the core's own headers announce. */
void gc_analysis_merge(struct gc_meta *meta, const char *output);
