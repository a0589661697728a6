/* SPDX-License-Identifier: MIT */
/* The handler's CPU and I/O priority. Once the kernel has released the crashed process, what
 * the handler still does (finishing the entry, the analysis child, recompression, the quota
 * pass) yields to everything else: in a crash loop, to the next crash's capture, which a
 * fresh handler runs at the kernel's default priority. */
#pragma once

#include <stdbool.h>

struct gc_priority {
	int policy; /* sched_getscheduler(2) */
	int ioprio; /* ioprio_get(2) */
	bool changed;
};

/* Moves the calling thread to SCHED_IDLE and the idle I/O class; threads and children it
 * starts later inherit both. Saves what it had in *saved, for gc_priority_restore(). Returns
 * 0, or a negative errno when either could not be set (the other may have been). */
int gc_priority_background(struct gc_priority *saved);

/* When the calling thread runs in the background, gives it the normal CPU policy and the
 * best-effort I/O class back, saving what it had in *saved; otherwise leaves it alone. For
 * a section that others wait for (the store lock): a holder at idle priority would keep a
 * waiting capture behind every other task of the machine. */
void gc_priority_foreground(struct gc_priority *saved);

/* Puts back what gc_priority_background() or gc_priority_foreground() saved. Best effort:
 * leaving SCHED_IDLE needs CAP_SYS_NICE or an RLIMIT_NICE that allows nice 0. */
void gc_priority_restore(const struct gc_priority *saved);

/* Whether the calling thread runs in the background (SCHED_IDLE). */
bool gc_priority_is_background(void);
