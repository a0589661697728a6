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

/* Sets pid (a single-threaded process, such as the analysis child) to SCHED_IDLE and the idle
 * I/O class (background) or back to SCHED_OTHER and best effort. Needs CAP_SYS_NICE for
 * another user's process. Returns 0 or a negative errno. */
int gc_priority_set_process(int pid, bool background);

/* A capture announces in its store that it holds a crashed process, from the start of its
 * drain to the release, so that what other handlers do after their own release (the
 * analysis; the rest is in the background already) yields to it: in a crash loop the next
 * crash does not wait behind the previous one's analysis. The announcement is an open file
 * description lock (F_OFD_SETLK, read) on STORE/.draining: the kernel drops it with the
 * handler, however it ends. */

/* Opens STORE/.draining (creating it, mode 0600) and takes the announcement. Returns the fd,
 * which holds it until gc_drain_release() or close(), or a negative errno. */
int gc_drain_announce(int store_dir_fd);

/* Ends the caller's announcement; fd stays open for gc_drain_others(). */
void gc_drain_release(int fd);

/* Whether a capture other than the caller's announces a drain now (false on any error). fd is
 * from gc_drain_announce(). */
bool gc_drain_others(int fd);
