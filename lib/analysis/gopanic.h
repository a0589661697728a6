/* SPDX-License-Identifier: MIT */
/* Why a Go program crashed, in the runtime's words: the panic chain ("panic: ..."), the
 * message of a throw ("fatal error: ..."), the "[signal ...]" line, or for a signal the
 * runtime did not turn into a panic its "SIGQUIT: quit" / "PC=..." lines; and a signature
 * that groups crashes of the same bug. */
#pragma once

#include "goreport.h"
#include "gotarget.h"

/* What the goroutine walk learnt about the crashing goroutine (all 0 when none). */
struct gc_go_crash_facts {
	uint64_t gp, mp, panic;
	uint32_t sig;
	uint64_t sigcode0, sigcode1, sigpc;
	uint64_t sched_pc, sched_sp;
};

/* What a thread's stack says about the crash, walked from its registers through signal
 * frames and stack switches. */
struct gc_go_thread_facts {
	struct gc_go_target *t;
	const struct gc_core_thread *thread;
	bool fatalpanic, fatalthrow;
	bool newstack; /* runtime.newstack is on the stack (a throw from it: stack overflow) */
	uint64_t throw_sp, throw_fp, throw_func1; /* frame of runtime.throw / runtime.fatal */
	uint64_t sigframe_fp;			  /* the outermost signal frame, 0 when none */
	int32_t signo, code, sender;		  /* its siginfo: si_signo, si_code, si_pid */
};

/* Walks thread th; sched_pc/sp are the saved context of its current goroutine (0 when
 * unknown), where the walk continues from the system stack. */
void gc_go_walk_thread(struct gc_go_target *t, const struct gc_core_thread *th, uint64_t sched_pc,
		       uint64_t sched_sp, struct gc_go_thread_facts *ret);

/* 3: the thread runs fatalpanic/fatalthrow; 2: it took a signal not sent by process pid
 * itself; 1: any signal; 0: none. The highest score marks where the crash began. */
int gc_go_crash_score(const struct gc_go_thread_facts *facts, int64_t pid);

/* Fills report->reason, ->signal and ->signature from the crashing goroutine and the
 * crashing thread (may be NULL). Returns 0 or -ENOMEM. */
int gc_go_describe_crash(struct gc_go_target *t, const struct gc_go_crash_facts *facts,
			 const struct gc_go_thread_facts *thread, struct gc_go_report *report);
