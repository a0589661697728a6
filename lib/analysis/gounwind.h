/* SPDX-License-Identifier: MIT */
/* Walks a goroutine's physical frames the way the runtime's unwinder does (pcsp tables, no
 * frame pointers), and, for a thread's registers, further than the runtime goes: through the
 * kernel's signal frames and from the system stack back to the goroutine's own stack. */
#pragma once

#include "gotarget.h"

struct gc_go_pframe {
	struct gc_func fn;
	uint64_t pc, sp, fp;
	bool trap;     /* pc is exact (trap or injected call), not a return address */
	bool switched; /* the first frame after a signal frame or a stack switch */
};

struct gc_go_unwind_start {
	uint64_t pc, sp;
	bool trap;
	/* Thread mode: go through signal frames, and at systemstack/mcall/morestack on another
	 * stack jump to (sched_pc, sched_sp) of the thread's current goroutine (0 when none). */
	bool thread;
	uint64_t sched_pc, sched_sp;
	/* Outside thread mode: the goroutine's stack [lo, hi); a frame outside it ends the walk
	 * (hi 0: no check). */
	uint64_t lo, hi;
};

/* Thread mode from a core thread's registers (rip, rsp); at the system stack the walk goes on
 * at (sched_pc, sched_sp), its current goroutine's saved context (0 when unknown). */
struct gc_go_unwind_start gc_go_thread_start(const struct gc_core_thread *thread, uint64_t sched_pc,
					     uint64_t sched_sp);

/* Called for each physical frame in order; returns true to go on, false to stop. */
typedef bool (*gc_go_frame_fn)(const struct gc_go_pframe *frame, void *userdata);

/* Unwinds from start, calling fn per frame, at most max_frames frames. Returns 0 when the walk
 * ended at the bottom of the stack or by fn, or a negative errno with *why (static) saying
 * where it broke: -EFAULT (memory missing), -ENOENT (a pc outside Go code), -ELOOP (no
 * progress), -E2BIG (max_frames reached). */
int gc_go_unwind(struct gc_go_target *t, const struct gc_go_unwind_start *start, size_t max_frames,
		 gc_go_frame_fn fn, void *userdata, const char **why);

/* The pc to look up file, line and inlining with: pc - 1 for return addresses. */
uint64_t gc_go_sym_pc(const struct gc_go_pframe *frame);
