/* SPDX-License-Identifier: MIT */
/* The amd64 unwinder. The rules are the runtime's (traceback.go, unwinder.resolveInternal and
 * next): fp = sp + pcsp(pc) + 8, the return address at fp - 8, stop at TOPFRAME functions and
 * at SPWRITE functions that are not innermost; after sigpanic, asyncPreempt and debugCallV2
 * the caller's pc is exact. Thread mode adds what only a core allows: the kernel's rt_sigframe
 * above sigtramp holds the interrupted registers, and the system stack leads back to the
 * goroutine through its saved g.sched. */
#include "gounwind.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

/* struct rt_sigframe at sigtramp's fp: ucontext {uc_flags, uc_link, uc_stack (24 bytes),
 * mcontext: r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, ...}. */
#define UC_MCONTEXT 40
#define MC_RSP	    (15 * 8)

struct walk {
	struct gc_go_target *t;
	struct gc_go_pframe frame;
	bool innermost;
	struct gc_go_unwind_start start;
};

/* Indexes into gc_core_thread.regs (the kernel's user_regs_struct order). */
#define REG_RIP 16
#define REG_RSP 19

struct gc_go_unwind_start gc_go_thread_start(const struct gc_core_thread *thread, uint64_t sched_pc,
					     uint64_t sched_sp)
{
	return (struct gc_go_unwind_start){
	    .pc = thread->regs[REG_RIP],
	    .sp = thread->regs[REG_RSP],
	    .trap = true, /* stopped wherever it was, not at a call */
	    .thread = true,
	    .sched_pc = sched_pc,
	    .sched_sp = sched_sp,
	};
}

uint64_t gc_go_sym_pc(const struct gc_go_pframe *frame)
{
	return !frame->trap && frame->pc > frame->fn.entry ? frame->pc - 1 : frame->pc;
}

static bool is_fn(const struct gc_func *f, uint64_t entry)
{
	return entry != 0 && f->entry == entry;
}

/* Resumes at the registers the kernel saved when the signal came. */
static int through_signal_frame(struct walk *w)
{
	uint64_t regs[2]; /* rsp, and rip right after it */

	if (gc_go_read(w->t, w->frame.fp + UC_MCONTEXT + MC_RSP, regs, sizeof(regs)) < 0)
		return -EFAULT;
	w->frame.sp = regs[0];
	w->frame.pc = regs[1];
	w->frame.trap = true;
	w->frame.switched = true;
	return 1;
}

/* From the system stack back to the goroutine the thread was running. */
static int through_stack_switch(struct walk *w)
{
	struct gc_go_unwind_start *s = &w->start;

	if (!s->sched_sp || w->frame.sp == s->sched_sp)
		return 0;
	w->frame.pc = s->sched_pc;
	w->frame.sp = s->sched_sp;
	w->frame.trap = false;
	w->frame.switched = true;
	s->sched_sp = 0; /* once */
	return 1;
}

/* Thread mode's extra moves after a frame; returns 1 when the walk continues elsewhere. */
static int thread_move(struct walk *w)
{
	const struct gc_go_target *t = w->t;
	const struct gc_func *f = &w->frame.fn;

	if (is_fn(f, t->fn.sigtramp) || is_fn(f, t->fn.cgo_sigtramp))
		return through_signal_frame(w);
	if (is_fn(f, t->fn.systemstack) || is_fn(f, t->fn.mcall) || is_fn(f, t->fn.morestack))
		return through_stack_switch(w);
	return 0;
}

static bool injected_call(const struct gc_go_target *t, const struct gc_func *f)
{
	return is_fn(f, t->fn.sigpanic) || is_fn(f, t->fn.async_preempt) ||
	       is_fn(f, t->fn.debug_call);
}

/* Deep stacks repeat the same few return addresses (a recursion a million frames deep):
 * a direct-mapped memo of pc -> function and SP delta saves the table searches. */
#define PC_MEMO_SIZE 4096

struct gc_pc_memo {
	struct {
		uint64_t pc; /* 0 when empty */
		struct gc_func fn;
		int32_t delta;
	} slot[PC_MEMO_SIZE];
};

static int lookup(struct gc_go_target *t, uint64_t pc, struct gc_func *fn, int32_t *delta,
		  const char **why)
{
	size_t i = (pc ^ (pc >> 12)) % PC_MEMO_SIZE;

	if (!t->pc_memo)
		t->pc_memo = calloc(1, sizeof(*t->pc_memo));
	if (t->pc_memo && t->pc_memo->slot[i].pc == pc && pc != 0) {
		*fn = t->pc_memo->slot[i].fn;
		*delta = t->pc_memo->slot[i].delta;
		return 0;
	}
	if (gc_pclntab_find_func(t->tab, pc, fn) < 0)
		return why_fail(why, "a return address outside Go code", -ENOENT);
	if (gc_pclntab_pcsp(t->tab, fn, pc, delta) < 0 || *delta < 0)
		return why_fail(why, "a pc without stack size information", -ENOENT);
	if (t->pc_memo) {
		t->pc_memo->slot[i].pc = pc;
		t->pc_memo->slot[i].fn = *fn;
		t->pc_memo->slot[i].delta = *delta;
	}
	return 0;
}

/* Fills the frame's function and fp. */
static int resolve(struct walk *w, const char **why)
{
	struct gc_go_pframe *fr = &w->frame;
	int32_t delta;
	int r = lookup(w->t, fr->pc, &fr->fn, &delta, why);

	if (r < 0)
		return r;
	fr->fp = fr->sp + (uint64_t)delta + 8;
	return 0;
}

/* Moves to the caller. Returns 1 to go on, 0 at the bottom, or a negative errno. */
static int step(struct walk *w, const char **why)
{
	struct gc_go_pframe *fr = &w->frame;
	uint8_t flag = fr->fn.flag;
	uint64_t lr;
	int r;

	if (w->start.thread) {
		r = thread_move(w);
		if (r != 0)
			return r;
	}
	if (flag & GC_FUNCFLAG_TOPFRAME)
		return 0;
	if ((flag & GC_FUNCFLAG_SPWRITE) && !w->innermost)
		return 0;
	if (gc_go_read_word(w->t, fr->fp - 8, &lr) < 0)
		return why_fail(why, "a stack that is not in the core", -EFAULT);
	if (lr == 0)
		return 0;
	if (lr == fr->pc && fr->fp == fr->sp)
		return why_fail(why, "a frame that calls itself", -ELOOP);
	fr->trap = injected_call(w->t, &fr->fn);
	fr->switched = false;
	fr->pc = lr;
	fr->sp = fr->fp;
	return 1;
}

int gc_go_unwind(struct gc_go_target *t, const struct gc_go_unwind_start *start, size_t max_frames,
		 gc_go_frame_fn fn, void *userdata, const char **why)
{
	struct walk w = {
	    .t = t,
	    .frame = {.pc = start->pc, .sp = start->sp, .trap = start->trap},
	    .innermost = true,
	    .start = *start,
	};
	int r;

	for (size_t n = 0; n < max_frames; n++) {
		uint64_t sp = w.frame.sp;

		if (!start->thread && start->hi &&
		    (w.frame.sp < start->lo || w.frame.sp >= start->hi))
			return why_fail(why, "a frame outside the goroutine's stack", -EFAULT);
		r = resolve(&w, why);
		if (r < 0)
			return r;
		if (!fn(&w.frame, userdata))
			return 0;
		r = step(&w, why);
		if (r <= 0)
			return r;
		/* On one stack frames only go up; a switch may go anywhere, once per kind. */
		if (!w.frame.switched && w.frame.sp <= sp)
			return why_fail(why, "a stack that does not grow upwards", -ELOOP);
		w.innermost = w.frame.switched;
	}
	return why_fail(why, "too many frames", -E2BIG);
}
