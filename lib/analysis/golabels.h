/* SPDX-License-Identifier: MIT */
/* Goroutine labels (runtime/pprof), which the runtime prints in the goroutine header from
 * go1.26 on when GODEBUG tracebacklabels=1: each goroutine's label set, and whether the
 * runtime shows them at all. Internal to the Go analysis (goanalyze.c). */
#pragma once

#include <stdint.h>

#include "goreport.h"
#include "gotarget.h"

/* What could not be read as it was, counted over all goroutines for one note each. */
struct gc_go_label_stats {
	uint64_t unreadable, too_many, cut;	    /* goroutines */
	int64_t unreadable_id, too_many_id, cut_id; /* the first of each */
};

/* Reads into g the label set that g.labels (labels, 0 when none) points to, from go1.26
 * on; at most GC_GO_REPORT_MAX_LABELS labels, each key and value cut at 4 KiB. What cannot
 * be read is counted in stats. Returns 0 or -ENOMEM. */
int gc_go_read_labels(struct gc_go_target *t, uint64_t labels, struct gc_goroutine *g,
		      struct gc_go_label_stats *stats);

/* Adds a note to report for each kind of trouble stats counted. Returns 0 or -ENOMEM. */
int gc_go_note_labels(const struct gc_go_label_stats *stats, struct gc_go_report *report);

/* Sets report->labels_shown as the runtime had debug.tracebacklabels: read from
 * runtime.debug when the symbol table locates it, else decided the way the runtime decides
 * at start-up (the release's default, then the executable's DefaultGODEBUG, then GODEBUG in
 * the process's initial environment), with a note when a goroutine has labels. Call after
 * the goroutines are read. Returns 0 or -ENOMEM. */
int gc_go_decide_labels_shown(struct gc_go_target *t, struct gc_go_report *report);
