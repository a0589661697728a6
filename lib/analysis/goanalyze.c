/* SPDX-License-Identifier: MIT */
/* Every goroutine of a crashed Go process, as the runtime's GOTRACEBACK=crash traceback shows
 * it: allgs walked like forEachGRace, each stack unwound from g.sched (or syscallpc/sp), the
 * running ones from their thread's registers, and the crashing one starting where the runtime
 * starts it (the caller of fatalpanic or fatalthrow). */
#include "goanalyze.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goargs.h"
#include "golabels.h"
#include "gopanic.h"
#include "gotarget.h"
#include "gounwind.h"
#include "macro.h"
#include "util.h"

#define G_READ_SIZE	       512
#define INNER_FRAMES	       50 /* Go 1.21+: first 50 and last 50 logical frames */
#define OUTER_FRAMES	       50
#define MAX_FRAMES_OLD	       100 /* Go 1.19/1.20: 100 physical frames */
#define MAX_PHYSICAL	       (64u << 20)
#define MAX_INLINE	       64
#define FATAL_SEARCH_FRAMES    256
#define MAX_THREADS_SCORED     4096
#define GSCAN		       0x1000
#define DEFAULT_MAX_GOROUTINES 10000000

struct graw {
	uint64_t gp, stack_lo, stack_hi, panic, m, sched_sp, sched_pc, syscallsp, syscallpc;
	uint64_t goid, waitsince, lockedm, gopc, parent_goid;
	uint64_t sigcode0, sigcode1, sigpc, labels;
	uint64_t syncgroup, bubble;
	uint32_t status, sig;
	uint8_t waitreason;
};

static uint64_t field(const uint8_t *buf, uint32_t off, size_t size)
{
	uint64_t v = 0;

	if (off != GC_NO_FIELD && off + size <= G_READ_SIZE)
		memcpy(&v, buf + off, size);
	return v;
}

static int read_g(struct gc_go_target *t, uint64_t gp, struct graw *g)
{
	const struct gc_go_layout *L = t->layout;
	uint8_t buf[G_READ_SIZE];

	if (gc_go_read(t, gp, buf, sizeof(buf)) < 0)
		return -EFAULT;
	*g = (struct graw){
	    .gp = gp,
	    .stack_lo = field(buf, L->g_stack_lo, 8),
	    .stack_hi = field(buf, L->g_stack_hi, 8),
	    .panic = field(buf, L->g_panic, 8),
	    .m = field(buf, L->g_m, 8),
	    .sched_sp = field(buf, L->g_sched_sp, 8),
	    .sched_pc = field(buf, L->g_sched_pc, 8),
	    .syscallsp = field(buf, L->g_syscallsp, 8),
	    .syscallpc = field(buf, L->g_syscallpc, 8),
	    .goid = field(buf, L->g_goid, 8),
	    .waitsince = field(buf, L->g_waitsince, 8),
	    .lockedm = field(buf, L->g_lockedm, 8),
	    .gopc = field(buf, L->g_gopc, 8),
	    .parent_goid = field(buf, L->g_parentgoid, 8),
	    .status = (uint32_t)field(buf, L->g_atomicstatus, 4),
	    .waitreason = (uint8_t)field(buf, L->g_waitreason, 1),
	    .sig = (uint32_t)field(buf, L->g_sig, 4),
	    .sigcode0 = field(buf, L->g_sigcode0, 8),
	    .sigcode1 = field(buf, L->g_sigcode1, 8),
	    .sigpc = field(buf, L->g_sigpc, 8),
	    .syncgroup = field(buf, L->g_syncgroup, 8),
	    .bubble = field(buf, L->g_bubble, 8),
	    .labels = field(buf, L->g_labels, 8),
	};
	return 0;
}

struct mraw {
	uint64_t procid, curg;
	int64_t id;
};

static int read_m(struct gc_go_target *t, uint64_t mp, struct mraw *m)
{
	const struct gc_go_layout *L = t->layout;
	uint64_t id = 0;

	*m = (struct mraw){.id = -1};
	if (gc_go_read_word(t, mp + L->m_procid, &m->procid) < 0 ||
	    gc_go_read_word(t, mp + L->m_curg, &m->curg) < 0 ||
	    gc_go_read(t, mp + L->m_id, &id, 8) < 0)
		return -EFAULT;
	m->id = (int64_t)id;
	return 0;
}

static const struct gc_core_thread *thread_by_tid(const struct gc_core_info *info, uint64_t tid)
{
	for (size_t i = 0; i < info->n_threads; i++)
		if ((uint64_t)info->threads[i].tid == tid)
			return &info->threads[i];
	return NULL;
}

/* Collects the logical frames of one goroutine, keeping what the runtime would print: all of
 * them up to 100, else the first and last 50 (Go 1.21+), or the first 100 physical frames
 * (before 1.21). The last 50 wait in a ring as raw frames, and only those that survive are
 * symbolised: a stack overflow walks millions of frames. */
struct raw_frame {
	struct gc_go_pframe pf;
	size_t inline_index; /* which of the inline expansion's frames */
};

struct collector {
	struct gc_go_target *t;
	struct gc_go_report *report; /* owns the frames' names */
	struct gc_goroutine *g;
	struct raw_frame ring[OUTER_FRAMES];
	uint64_t logical, physical;
	uint64_t deadline_usec;
	bool old_format;
	int error;
};

static int append_frame(struct gc_goroutine *g, struct gc_go_frame *f)
{
	struct gc_go_frame *frames = gc_grow(g->frames, g->n_frames, sizeof(*frames));

	if (!frames)
		return -ENOMEM;
	g->frames = frames;
	g->frames[g->n_frames++] = *f;
	*f = (struct gc_go_frame){};
	return 0;
}

/* The name as the runtime prints it, in buf. */
static const char *print_name(const struct gc_go_target *t, const char *name, char *buf,
			      size_t size)
{
	if (strcmp(name, "runtime.gopanic") == 0)
		return "panic";
	gc_funcname_for_print(name, t->layout->minor, buf, size);
	return buf;
}

/* The pc whose PCDATA_ArgLiveIndex marks the arguments "?". Before 1.21 gentraceback
 * passes printArgs the tracepc its inline loop left at the outermost call site
 * (traceback.go: tracepc = frame.fn.entry() + parentPc); 1.21's unwinder passes the
 * frame's own pc (u.symPC()). */
static uint64_t args_pc(const struct collector *c, const struct gc_go_pframe *pf,
			const struct gc_frame *sym)
{
	return c->old_format ? sym->pc : gc_go_sym_pc(pf);
}

/* Appends the printed form of one logical frame. */
static void keep_frame(struct collector *c, const struct gc_go_pframe *pf,
		       const struct gc_frame *sym)
{
	struct gc_go_frame f = {
	    .line = sym->line,
	    .inlined = sym->inlined,
	    .pc = pf->pc,
	    .entry = pf->fn.entry,
	    .sp = pf->sp,
	    .fp = pf->fp,
	};
	char name[1024];

	if (gc_go_report_intern(c->report, print_name(c->t, sym->name, name, sizeof(name)),
				&f.func) < 0 ||
	    gc_go_report_intern(c->report, sym->file, &f.file) < 0 ||
	    (!f.inlined &&
	     gc_go_format_args(c->t, &pf->fn, pf->fp, args_pc(c, pf, sym), &f.args) < 0) ||
	    append_frame(c->g, &f) < 0)
		c->error = -ENOMEM;
	free(f.args);
}

static bool out_of_time(struct collector *c)
{
	if (!c->deadline_usec || c->physical % 65536 != 0 ||
	    gc_clock_usec(CLOCK_MONOTONIC) <= c->deadline_usec)
		return false;
	c->error = -ETIME;
	return true;
}

static bool collect_frame(const struct gc_go_pframe *pf, void *userdata)
{
	struct collector *c = userdata;
	struct gc_frame syms[MAX_INLINE];
	size_t n = 0;

	if (c->old_format && c->physical == MAX_FRAMES_OLD) {
		c->g->elided = -1;
		return false;
	}
	c->physical++;
	if (out_of_time(c))
		return false;
	if (gc_pclntab_frames(c->t->tab, gc_go_sym_pc(pf), syms, MAX_INLINE, &n) < 0 || n == 0) {
		c->error = -ENOENT;
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		c->logical++;
		if (c->old_format || c->logical <= INNER_FRAMES)
			keep_frame(c, pf, &syms[i]);
		else
			c->ring[(c->logical - INNER_FRAMES - 1) % OUTER_FRAMES] =
			    (struct raw_frame){*pf, i};
	}
	return c->error == 0;
}

/* Symbolises the last frames from the ring, after the elision mark. */
static void finish_collect(struct collector *c)
{
	uint64_t outer;

	if (c->old_format || c->logical <= INNER_FRAMES)
		return;
	outer = MIN(c->logical - INNER_FRAMES, (uint64_t)OUTER_FRAMES);
	if (c->logical > INNER_FRAMES + OUTER_FRAMES) {
		c->g->elided = (int64_t)(c->logical - INNER_FRAMES - OUTER_FRAMES);
		c->g->elided_at = c->g->n_frames;
	}
	for (uint64_t i = c->logical - outer; i < c->logical; i++) {
		const struct raw_frame *raw = &c->ring[(i - INNER_FRAMES) % OUTER_FRAMES];
		struct gc_frame syms[MAX_INLINE];
		size_t n = 0;

		if (gc_pclntab_frames(c->t->tab, gc_go_sym_pc(&raw->pf), syms, MAX_INLINE, &n) >=
			0 &&
		    raw->inline_index < n)
			keep_frame(c, &raw->pf, &syms[raw->inline_index]);
	}
}

/* The goroutines seen so far: an open-addressing set of g addresses, grown at half full. */
struct gp_set {
	uint64_t *slots; /* 0 = empty */
	size_t size, used;
};

static bool gp_set_insert(struct gp_set *set, uint64_t gp)
{
	size_t i = (size_t)((gp >> 4) * 0x9e3779b97f4a7c15ull) & (set->size - 1);

	for (; set->slots[i]; i = (i + 1) & (set->size - 1))
		if (set->slots[i] == gp)
			return false;
	set->slots[i] = gp;
	set->used++;
	return true;
}

/* Adds gp; false when it was there already. Without memory, everything counts as new. */
static bool gp_set_add(struct gp_set *set, uint64_t gp)
{
	if (set->used * 2 >= set->size) {
		struct gp_set bigger = {.size = set->size ? set->size * 2 : 1024};

		bigger.slots = calloc(bigger.size, sizeof(uint64_t));
		if (!bigger.slots)
			return true;
		for (size_t i = 0; i < set->size; i++)
			if (set->slots[i])
				gp_set_insert(&bigger, set->slots[i]);
		free(set->slots);
		*set = bigger;
	}
	return gp_set_insert(set, gp);
}

struct walker {
	struct gc_go_target *t;
	struct gc_go_report *report;
	const struct gc_go_analyze_options *opts;
	pid_t crash_tid; /* the thread that took the fatal signal */
	struct gc_go_crash_facts crash;
	struct gc_go_thread_facts thread;
	uint64_t unreadable; /* allgs entries that are not in the core */
	uint64_t duplicates; /* allgs entries seen before (a damaged list) */
	struct gp_set seen;
	struct gc_go_label_stats labels;
};

static int set_note(struct gc_goroutine *g, const char *text)
{
	free(g->note);
	g->note = strdup(text);
	return g->note ? 0 : -ENOMEM;
}

/* Unwinds like the runtime from start and keeps the frames it would print. */
static int collect_stack(struct walker *w, struct gc_goroutine *g,
			 const struct gc_go_unwind_start *start)
{
	struct collector c = {
	    .t = w->t,
	    .report = w->report,
	    .g = g,
	    .old_format = w->t->layout->minor < 21,
	    .deadline_usec = w->opts->deadline_usec,
	};
	const char *why = NULL;
	int r;

	r = gc_go_unwind(w->t, start, MAX_PHYSICAL, collect_frame, &c, &why);
	if (c.error == -ETIME)
		why = "the time limit";
	finish_collect(&c);
	if (c.error == -ENOMEM)
		return -ENOMEM;
	if (r < 0 || c.error < 0) {
		char text[160];

		snprintf(text, sizeof(text), "the stack walk stopped at %s",
			 why ? why : "a pc outside Go code");
		return set_note(g, text);
	}
	return 0;
}

/* Pass 1 over a thread's registers: where the goroutine's own frames begin. */
struct start_finder {
	struct gc_go_target *t;
	uint64_t lo, hi;
	bool crashed, after_fatal, found;
	unsigned on_stack; /* frames seen on the goroutine's stack */
	struct gc_go_unwind_start start;
};

static bool find_start(const struct gc_go_pframe *pf, void *userdata)
{
	struct start_finder *s = userdata;
	bool on_stack = pf->sp >= s->lo && pf->sp < s->hi;

	if (!on_stack)
		return true;
	if (!s->found || s->after_fatal) {
		s->start =
		    (struct gc_go_unwind_start){.pc = pf->pc, .sp = pf->sp, .trap = pf->trap};
		s->found = true;
		if (s->after_fatal)
			return false;
	}
	/* The runtime starts a crashing goroutine at the caller of fatalpanic / fatalthrow. */
	if (s->crashed &&
	    (pf->fn.entry == s->t->fn.fatalpanic || pf->fn.entry == s->t->fn.fatalthrow))
		s->after_fatal = true;
	/* fatalpanic is a few frames in, if it is there at all (not for a stack overflow). */
	return s->crashed && ++s->on_stack < FATAL_SEARCH_FRAMES;
}

static bool start_from_thread(struct walker *w, const struct graw *g, bool crashed,
			      const struct gc_core_thread *thread, struct gc_go_unwind_start *ret)
{
	struct start_finder s = {
	    .t = w->t, .lo = g->stack_lo, .hi = g->stack_hi, .crashed = crashed};
	struct gc_go_unwind_start regs = gc_go_thread_start(thread, g->sched_pc, g->sched_sp);
	const char *why;

	gc_go_unwind(w->t, &regs, MAX_PHYSICAL, find_start, &s, &why);
	if (s.found)
		*ret = s.start;
	return s.found;
}

/* The synctest part of the header: 1.24's group shows its root goroutine's id, 1.25's bubble
 * its own id, and a goroutine durably blocked in one is "(durable)". An unreadable group or
 * bubble shows as none. */
static void describe_synctest(struct walker *w, const struct graw *raw, uint32_t status,
			      struct gc_goroutine *g)
{
	const struct gc_go_layout *L = w->t->layout;
	uint64_t root, id;

	if (raw->syncgroup && L->syncgroup_root != GC_NO_FIELD &&
	    gc_go_read_word(w->t, raw->syncgroup + L->syncgroup_root, &root) == 0 && root &&
	    gc_go_read_word(w->t, root + L->g_goid, &id) == 0)
		g->synctest_group = (int64_t)id;
	if (raw->bubble && L->bubble_id != GC_NO_FIELD &&
	    gc_go_read_word(w->t, raw->bubble + L->bubble_id, &id) == 0) {
		g->synctest_group = (int64_t)id;
		g->durable = status == GC_G_WAITING &&
			     gc_go_idle_in_synctest(&w->t->strtabs, raw->waitreason);
	}
}

static void describe_creator(struct walker *w, const struct graw *raw, struct gc_goroutine *g)
{
	struct gc_func f;
	const char *file;
	int32_t line;
	char name[1024];

	if (raw->goid == 1 || gc_pclntab_find_func(w->t->tab, raw->gopc, &f) < 0)
		return;
	if (gc_pclntab_file_line(w->t->tab, &f, raw->gopc > f.entry ? raw->gopc - 1 : raw->gopc,
				 &file, &line) < 0)
		return;
	g->created_by = strdup(print_name(w->t, f.name, name, sizeof(name)));
	g->created_file = strdup(file);
	g->created_line = line;
	g->created_off = raw->gopc - f.entry;
	g->parent_id = (int64_t)raw->parent_goid;
}

static void describe_header(struct walker *w, const struct graw *raw, const struct mraw *m,
			    struct gc_goroutine *g)
{
	uint32_t status = raw->status & ~(uint32_t)GSCAN;
	uint64_t now = w->opts->crash_monotonic_ns;
	const char *text;

	g->id = (int64_t)raw->goid;
	g->gp = raw->gp;
	g->mp = raw->m;
	g->m_id = raw->m ? m->id : -1;
	g->status = status;
	g->scan = raw->status & GSCAN;
	text = gc_go_status_text(&w->t->strtabs, status, raw->waitreason);
	if (status != GC_G_LEAKED)
		g->status_text = strdup(text);
	else if (asprintf(&g->status_text, "%s (leaked)", text) < 0)
		g->status_text = NULL;
	if ((status == GC_GO_WAITING || status == GC_GO_SYSCALL) && raw->waitsince && now &&
	    now > raw->waitsince)
		g->wait_minutes = (int64_t)((now - raw->waitsince) / 60000000000ull);
	g->locked = raw->lockedm != 0;
	describe_synctest(w, raw, status, g);
	describe_creator(w, raw, g);
}

/* A goroutine whose thread was inside the vDSO (a clock read) resumes at the m's vdsoPC and
 * vdsoSP, as in the runtime's traceback1. */
static bool vdso_start(struct walker *w, const struct graw *raw, struct gc_go_unwind_start *start)
{
	const struct gc_go_layout *L = w->t->layout;
	uint64_t sp = 0, pc = 0;

	if (!raw->m || L->m_vdsosp == GC_NO_FIELD ||
	    gc_go_read_word(w->t, raw->m + L->m_vdsosp, &sp) < 0 || sp == 0 ||
	    gc_go_read_word(w->t, raw->m + L->m_vdsopc, &pc) < 0)
		return false;
	*start = (struct gc_go_unwind_start){.pc = pc, .sp = sp};
	return true;
}

/* Where the runtime would start this goroutine's traceback, and from which thread. */
static int choose_start(struct walker *w, const struct graw *raw, const struct mraw *m,
			struct gc_goroutine *g, struct gc_go_unwind_start *start)
{
	uint32_t status = raw->status & ~(uint32_t)GSCAN;
	const struct gc_core_thread *thread;

	if (vdso_start(w, raw, start))
		return 0;
	if (status == GC_GO_SYSCALL || (status != GC_GO_RUNNING && raw->syscallsp)) {
		*start = (struct gc_go_unwind_start){.pc = raw->syscallpc, .sp = raw->syscallsp};
		return 0;
	}
	if (status != GC_GO_RUNNING) {
		*start = (struct gc_go_unwind_start){.pc = raw->sched_pc, .sp = raw->sched_sp};
		return 0;
	}
	thread = raw->m && m->curg == raw->gp ? thread_by_tid(w->t->info, m->procid) : NULL;
	g->thread = thread ? thread->tid : 0;
	/* 1.26+: running again but still inside exitsyscall, on another thread: its traceback
	 * starts where the system call left (tracebacksomeothers checks syscallsp). */
	if (w->t->layout->minor >= 26 && raw->syscallsp && !g->crashed) {
		*start = (struct gc_go_unwind_start){.pc = raw->syscallpc, .sp = raw->syscallsp};
		return 0;
	}
	if (thread && start_from_thread(w, raw, g->crashed, thread, start))
		return 0;
	return set_note(g, "goroutine running on other thread; stack unavailable") < 0 ? -ENOMEM
										       : -ENOENT;
}

static int build_goroutine(struct walker *w, const struct graw *raw, struct gc_goroutine *g)
{
	struct gc_go_unwind_start start;
	struct mraw m = {.id = -1};
	int r;

	if (raw->m && read_m(w->t, raw->m, &m) < 0)
		m = (struct mraw){.id = -1};
	/* Running, or in a cgo call (syscall) when the signal came in C code; only one, even
	 * when a damaged goroutine list names it twice. */
	g->crashed =
	    raw->m && m.curg == raw->gp && m.procid == (uint64_t)w->crash_tid && w->crash.gp == 0;
	if (g->crashed)
		w->crash = (struct gc_go_crash_facts){
		    .gp = raw->gp,
		    .mp = raw->m,
		    .panic = raw->panic,
		    .sig = raw->sig,
		    .sigcode0 = raw->sigcode0,
		    .sigcode1 = raw->sigcode1,
		    .sigpc = raw->sigpc,
		    .sched_pc = raw->sched_pc,
		    .sched_sp = raw->sched_sp,
		};
	describe_header(w, raw, &m, g);
	if (!g->status_text || gc_go_read_labels(w->t, raw->labels, g, &w->labels) < 0)
		return -ENOMEM;
	r = choose_start(w, raw, &m, g, &start);
	if (r == -ENOENT)
		return 0;
	start.lo = raw->stack_lo;
	start.hi = raw->stack_hi;
	return r < 0 ? r : collect_stack(w, g, &start);
}

static int add_goroutine(struct gc_go_report *report, struct gc_goroutine *g)
{
	size_t n = report->n_goroutines;
	struct gc_goroutine *grown = gc_grow(report->goroutines, n, sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	report->goroutines = grown;
	if (g->crashed && n > 0) {
		/* The runtime prints the crashing goroutine first. */
		report->goroutines[n] = report->goroutines[0];
		report->goroutines[0] = *g;
	} else
		report->goroutines[n] = *g;
	report->n_goroutines++;
	return 0;
}

static int walk_one(struct walker *w, uint64_t gp)
{
	struct gc_goroutine g = {.m_id = -1};
	struct graw raw;
	int r;

	if (!gp_set_add(&w->seen, gp)) {
		w->duplicates++;
		return 0;
	}
	if (read_g(w->t, gp, &raw) < 0) {
		w->unreadable++;
		return 0;
	}
	/* As tracebacksomeothers: dead ones, and from 1.26 dead ones kept for an extra M. */
	if ((raw.status & ~(uint32_t)GSCAN) == GC_GO_DEAD ||
	    (w->t->layout->minor >= 26 && (raw.status & ~(uint32_t)GSCAN) == GC_G_DEADEXTRA))
		return 0;
	r = build_goroutine(w, &raw, &g);
	if (r >= 0)
		r = add_goroutine(w->report, &g);
	if (r < 0)
		gc_goroutine_free(&g);
	return r;
}

/* allglen and allgptr, with the length cut to the configured bound. */
static int read_allgs(struct walker *w, uint64_t *ptr, uint64_t *len)
{
	uint64_t max = w->opts->max_goroutines ?: DEFAULT_MAX_GOROUTINES;

	if (gc_go_read_word(w->t, w->t->allglen_addr, len) < 0 ||
	    gc_go_read_word(w->t, w->t->allgptr_addr, ptr) < 0) {
		*len = 0;
		return gc_go_report_note(w->report, "the goroutine list is not in the core");
	}
	w->report->n_goroutines_total = (int64_t)*len;
	if (*len <= max)
		return 0;
	*len = max;
	return gc_go_report_note(w->report,
				 "%" PRId64 " goroutines: only the first %" PRIu64 " were read",
				 w->report->n_goroutines_total, max);
}

/* The entries of allgs, read a page at a time: the list may claim millions of entries (most of
 * them 0 in a damaged core), and one read of each cost more than the rest of the analysis. A
 * chunk that does not read whole is read an entry at a time, so that the walk stops at the
 * same entry as it would with a read of each; a chunk of zeros, which no walk uses, is
 * skipped whole. */
#define ALLGS_CHUNK 512

struct allgs_cursor {
	uint64_t ptr, len;
	uint64_t next;	/* index of the entry allgs_next() gives next */
	uint64_t first; /* index of words[0] */
	size_t n;	/* entries in words[], 0 when the chunk did not read whole */
	size_t span;	/* entries the chunk covers */
	bool zeros;	/* the chunk read whole and is all 0 */
	uint64_t words[ALLGS_CHUNK];
};

static void allgs_load(struct gc_go_target *t, struct allgs_cursor *c, uint64_t i)
{
	static const uint64_t zero_chunk[ALLGS_CHUNK];
	uint64_t addr = c->ptr + i * 8;

	/* to the end of the page, at least one entry */
	c->first = i;
	c->span = (size_t)MIN(c->len - i, MAX((4096 - addr % 4096) / 8, (uint64_t)1));
	c->n = gc_go_read(t, addr, c->words, c->span * 8) < 0 ? 0 : c->span;
	c->zeros = c->n > 0 && memcmp(c->words, zero_chunk, c->n * 8) == 0;
}

/* Sets *i and *gp to the next entry. Returns 1, 0 at the end of the list, or -EFAULT when
 * entry *i does not read (the list ends there). */
static int allgs_next(struct gc_go_target *t, struct allgs_cursor *c, uint64_t *i, uint64_t *gp)
{
	while (c->next < c->len) {
		uint64_t k = c->next;

		if (k < c->first || k - c->first >= c->span)
			allgs_load(t, c, k);
		if (c->zeros) {
			c->next = c->first + c->span;
			continue;
		}
		c->next = k + 1;
		*i = k;
		if (k - c->first < c->n) {
			*gp = c->words[k - c->first];
			return 1;
		}
		return gc_go_read_word(t, c->ptr + k * 8, gp) < 0 ? -EFAULT : 1;
	}
	return 0;
}

/* The goroutines that were running, by thread: where a thread's walk continues from the
 * system stack. One pass over allgs; at most one per thread counts. */
struct running {
	uint64_t tid, sched_pc, sched_sp;
};

static size_t find_running(struct walker *w, uint64_t ptr, uint64_t len, struct running *out,
			   size_t max)
{
	struct allgs_cursor c = {.ptr = ptr, .len = len};
	uint64_t i, gp;
	size_t n = 0;

	while (n < max && allgs_next(w->t, &c, &i, &gp) > 0) {
		struct graw g;
		struct mraw m;

		if (!gp || read_g(w->t, gp, &g) < 0 || !g.m ||
		    (g.status & ~(uint32_t)GSCAN) != GC_GO_RUNNING)
			continue;
		if (read_m(w->t, g.m, &m) >= 0 && m.curg == gp)
			out[n++] = (struct running){m.procid, g.sched_pc, g.sched_sp};
	}
	return n;
}

/* Where the crash began: threads[0] took the last signal, but in crash mode that is often
 * the runtime's own SIGABRT or a relayed SIGQUIT on another thread. */
static void pick_crash_thread(struct walker *w, uint64_t ptr, uint64_t len)
{
	const struct gc_core_info *info = w->t->info;
	size_t n_threads = MIN(info->n_threads, (size_t)MAX_THREADS_SCORED);
	_cleanup_free_ struct running *running = calloc(n_threads + 1, sizeof(*running));
	size_t n_running = running ? find_running(w, ptr, len, running, n_threads) : 0;
	int best = -1;

	for (size_t i = 0; i < n_threads; i++) {
		const struct gc_core_thread *th = &info->threads[i];
		struct running r = {0};
		struct gc_go_thread_facts f;
		int score;

		for (size_t k = 0; k < n_running; k++)
			if (running[k].tid == (uint64_t)th->tid)
				r = running[k];
		gc_go_walk_thread(w->t, th, r.sched_pc, r.sched_sp, &f);
		score = gc_go_crash_score(&f, info->pid);
		if (score > best) {
			best = score;
			w->thread = f;
			w->crash_tid = th->tid;
		}
	}
}

static int walk_allgs(struct walker *w)
{
	struct allgs_cursor c = {};
	int r;

	r = read_allgs(w, &c.ptr, &c.len);
	if (r < 0)
		return r;
	pick_crash_thread(w, c.ptr, c.len);
	for (uint64_t i, gp, walked = 0; (r = allgs_next(w->t, &c, &i, &gp)) != 0; walked++) {
		if (r < 0)
			return gc_go_report_note(w->report,
						 "the goroutine list ends after %" PRIu64
						 " entries: the rest is not in the core",
						 i);
		if (w->opts->deadline_usec && walked % 64 == 0 &&
		    gc_clock_usec(CLOCK_MONOTONIC) > w->opts->deadline_usec)
			return gc_go_report_note(w->report,
						 "the analysis ran out of time after %" PRIu64
						 " of %" PRIu64 " goroutines",
						 i, c.len);
		r = gp ? walk_one(w, gp) : 0;
		if (r < 0)
			return r;
	}
	return 0;
}

static int walk_goroutines(struct walker *w)
{
	int r = walk_allgs(w);

	if (r >= 0 && w->unreadable > 0)
		r = gc_go_report_note(
		    w->report, "%" PRIu64 " entries of the goroutine list point outside the core",
		    w->unreadable);
	if (r >= 0 && w->duplicates > 0)
		r = gc_go_report_note(
		    w->report, "%" PRIu64 " entries of the goroutine list repeat earlier ones",
		    w->duplicates);
	if (r >= 0)
		r = gc_go_note_labels(&w->labels, w->report);
	free(w->seen.slots);
	return r;
}

/* The status words come from the program's own tables: say so when one was not found. */
static int note_missing_strtabs(const struct gc_go_target *t, struct gc_go_report *report)
{
	static const char *const what[GC_GO_N_STRTABS] = {
	    [GC_GO_STRTAB_WAIT_REASONS] = "wait reasons (runtime.waitReasonStrings): waiting "
					  "goroutines show [waiting]",
	    [GC_GO_STRTAB_STATUSES] = "goroutine states (runtime.gStatusStrings): states show "
				      "as [???]",
	    [GC_GO_STRTAB_SIGNALS] = "signal names (runtime.sigtable): signals show by number",
	};

	for (size_t k = 0; k < GC_GO_N_STRTABS; k++) {
		int r = t->strtabs.tab[k].s ? 0
					    : gc_go_report_note(report,
								"the program's table of %s was "
								"not found",
								what[k]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A release newer than the tables: read exactly from its DWARF, or assumed. */
static void note_layout(const struct gc_go_target *t, struct gc_go_report *report)
{
	if (!t->layout || t->layout_exact)
		return;
	if (t->layout_dwarf && t->dwarf_missing == 0)
		gc_go_report_note(report,
				  "%s is newer than the releases this gocrashd knows: the "
				  "runtime's structures were read from the executable's DWARF",
				  t->build.go_version);
	else if (t->layout_dwarf)
		gc_go_report_note(report,
				  "%s is newer than the releases this gocrashd knows: the "
				  "runtime's structures were read from the executable's DWARF, "
				  "which lacks %zu of the fields read",
				  t->build.go_version, t->dwarf_missing);
	else
		gc_go_report_note(report,
				  "%s is newer than the releases this gocrashd knows and has no "
				  "DWARF: the structures of go1.%u were assumed",
				  t->build.go_version, t->layout->minor);
}

/* With assumed structures, what a wrong layout would break: a crashed goroutine, ids that
 * are positive and distinct, statuses the program's own table names, stacks that walk. */
static const char *implausible(const struct gc_go_report *report)
{
	size_t walked = 0, named = 0;

	if (report->n_goroutines == 0)
		return "no goroutine was read";
	if (!gc_go_report_crashed(report))
		return "no goroutine is the one that crashed";
	for (size_t i = 0; i < report->n_goroutines; i++) {
		const struct gc_goroutine *g = &report->goroutines[i];

		if (g->id <= 0 || (i > 0 && g->id == report->goroutines[i - 1].id))
			return "goroutine ids are not positive and distinct";
		named += g->status_text && strcmp(g->status_text, "???") != 0;
		walked += g->n_frames > 0 && !g->note;
	}
	if (named * 2 < report->n_goroutines)
		return "most goroutine states are out of the program's range";
	if (walked * 2 < report->n_goroutines)
		return "most stacks do not walk";
	return NULL;
}

static int check_plausible(struct gc_go_report *report)
{
	const char *why = implausible(report);

	if (!why)
		return 0;
	return gc_go_report_note(report,
				 "the assumed structures do not fit this program (%s): the "
				 "goroutines shown are likely wrong",
				 why);
}

int gc_go_analyze(struct gc_memview *view, const struct gc_exe *exe,
		  const struct gc_go_analyze_options *opts, struct gc_go_report *report)
{
	struct gc_go_target t;
	struct walker w = {.t = &t, .report = report, .opts = opts};
	const char *why = NULL;
	int r;

	r = gc_go_target_open(&t, view, exe, &why);
	if (t.build.go_version)
		report->go_version = strdup(t.build.go_version);
	if (r == -ENOENT && !t.build.go_version && !t.build.modinfo) {
		gc_go_target_done(&t);
		return -ENOEXEC;
	}
	report->go_minor = t.layout ? t.layout->minor : 0;
	note_layout(&t, report);
	if (r < 0) {
		r = gc_go_report_note(report, "no goroutines: %s", why);
		gc_go_target_done(&t);
		return r < 0 ? r : 0;
	}
	r = note_missing_strtabs(&t, report);
	if (r >= 0)
		r = walk_goroutines(&w);
	if (r >= 0)
		r = gc_go_decide_labels_shown(&t, report);
	if (r >= 0)
		r = gc_go_describe_crash(&t, &w.crash, w.thread.thread ? &w.thread : NULL, report);
	if (r >= 0 && !t.layout_exact && !t.layout_dwarf)
		r = check_plausible(report);
	gc_go_target_done(&t);
	return r < 0 ? r : 0;
}
