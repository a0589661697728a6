/* SPDX-License-Identifier: MIT */
/* The crash reason, read the way the runtime prints it (panic.go printpanics, error.go
 * printpanicval, signal_unix.go fatalsignal, dopanic_m). */
#include "gopanic.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goargs.h"
#include "gosignature.h"
#include "gounwind.h"
#include "macro.h"

#define MAX_PANICS	 16
#define MAX_VALUE	 4096
#define SIGFRAME_SIGINFO 304 /* sizeof(struct ucontext): the siginfo follows it */
#define SIGFRAME_RIP	 (40 + 16 * 8)
#define THREAD_FRAMES	 4096
#define TYPE_TFLAG	 20
#define TYPE_KIND	 23
#define TYPE_STR	 40
#define TFLAG_EXTRA_STAR 2
#define KIND_MASK	 0x1f

static bool note_thread_frame(const struct gc_go_pframe *pf, void *userdata)
{
	struct gc_go_thread_facts *f = userdata;
	const struct gc_go_target *t = f->t;
	uint64_t e = pf->fn.entry;

	if (e == t->fn.fatalpanic)
		f->fatalpanic = true;
	if (e == t->fn.fatalthrow)
		f->fatalthrow = true;
	if (e == t->fn.sigtramp || e == t->fn.cgo_sigtramp)
		f->sigframe_fp = pf->fp;
	if (strcmp(pf->fn.name, "runtime.newstack") == 0)
		f->newstack = true;
	if (!f->throw_func1 && strcmp(pf->fn.name, "runtime.throw") == 0)
		f->throw_func1 = t->fn.throw_func1;
	else if (!f->throw_func1 && strcmp(pf->fn.name, "runtime.fatal") == 0)
		f->throw_func1 = t->fn.fatal_func1;
	else
		return true;
	f->throw_sp = pf->sp;
	f->throw_fp = pf->fp;
	return true;
}

void gc_go_walk_thread(struct gc_go_target *t, const struct gc_core_thread *th, uint64_t sched_pc,
		       uint64_t sched_sp, struct gc_go_thread_facts *ret)
{
	struct gc_go_unwind_start start = gc_go_thread_start(th, sched_pc, sched_sp);
	const char *why;
	int32_t si[5] = {0};

	*ret = (struct gc_go_thread_facts){.t = t, .thread = th};
	gc_go_unwind(t, &start, THREAD_FRAMES, note_thread_frame, ret, &why);
	if (ret->sigframe_fp &&
	    gc_go_read(t, ret->sigframe_fp + SIGFRAME_SIGINFO, si, sizeof(si)) >= 0) {
		ret->signo = si[0];
		ret->code = si[2];
		ret->sender = si[4];
	}
}

/* How sure we are that this thread is where the crash began: it runs fatalpanic or
 * fatalthrow; it took a signal that the process did not send itself (the runtime relays
 * SIGQUIT to every thread in crash mode and ends with its own SIGABRT); any signal. */
int gc_go_crash_score(const struct gc_go_thread_facts *f, int64_t pid)
{
	if (f->fatalpanic || f->fatalthrow)
		return 3;
	if (f->sigframe_fp && (f->code > 0 || f->sender != pid))
		return 2;
	return f->sigframe_fp ? 1 : 0;
}

/* The message a throw printed: runtime.throw and runtime.fatal build a closure {func1,
 * captured variables} in their own frame to print it on the system stack. The string is the
 * first capture in throw and, up to 1.25, in fatal; from 1.26 fatal's closure captures the
 * goroutine's _panic first ({func1, p, s}), the chain printPreFatalDeferPanic prints before
 * the message: *ret_panic is that p (0 otherwise). A pointer where the length would be is
 * far longer than any message, so the first capture that reads as a string is the message. */
static int throw_message(struct gc_go_target *t, const struct gc_go_thread_facts *f, char **ret,
			 uint64_t *ret_panic)
{
	*ret_panic = 0;
	if (!f->throw_func1)
		return -ENOENT;
	for (uint64_t a = f->throw_sp; a + 32 <= f->throw_fp; a += 8) {
		uint64_t w[4];

		if (gc_go_read(t, a, w, sizeof(w)) < 0)
			return -EFAULT;
		if (w[0] != f->throw_func1)
			continue;
		for (size_t k = 1; k <= 2; k++)
			if (w[k + 1] > 0 && w[k + 1] <= MAX_VALUE &&
			    gc_go_read_string_at(t, w[k], w[k + 1], MAX_VALUE, ret) == 0) {
				if (k == 2 && t->layout->minor >= 26 &&
				    f->throw_func1 == t->fn.fatal_func1)
					*ret_panic = w[1];
				return 0;
			}
	}
	return -ENOENT;
}

/* runtime.(*_type).string(): the name at moduledata.types + str. */
static int type_name(struct gc_go_target *t, uint64_t type, char *buf, size_t size)
{
	uint8_t tflag, head[3];
	int32_t str;
	size_t len, skip;

	if (gc_go_read(t, type + TYPE_TFLAG, &tflag, 1) < 0 ||
	    gc_go_read(t, type + TYPE_STR, &str, 4) < 0 ||
	    gc_go_read(t, t->types + (int64_t)str, head, sizeof(head)) < 0)
		return -EFAULT;
	/* flag byte, then a uvarint length (two bytes at most for a name we print) */
	len = head[1] & 0x7f;
	skip = 2;
	if (head[1] & 0x80) {
		len |= (size_t)(head[2] & 0x7f) << 7;
		skip = 3;
	}
	len = MIN(len, size - 1);
	if (gc_go_read(t, t->types + (int64_t)str + skip, buf, len) < 0)
		return -EFAULT;
	buf[len] = '\0';
	if ((tflag & TFLAG_EXTRA_STAR) && buf[0] == '*')
		memmove(buf, buf + 1, len);
	return 0;
}

static void print_indented(FILE *out, const char *s, bool indent)
{
	for (; *s; s++) {
		fputc(*s, out);
		if (*s == '\n' && indent)
			fputc('\t', out);
	}
}

/* A complex value: "(re+imi)", printcomplex; from 1.26 strconv.AppendComplex, which adds a
 * '+' to an imaginary part without a sign ("(1.5+NaNi)", where 1.25 printed "NaNi"). */
static void print_complex(FILE *out, double re, double im, bool single, bool shortest)
{
	char buf[2][GC_GO_FLOAT_MAX];
	bool sign;

	gc_go_format_float(buf[0], re, single, shortest);
	gc_go_format_float(buf[1], im, single, shortest);
	sign = buf[1][0] == '+' || buf[1][0] == '-' || !shortest;
	fprintf(out, "(%s%s%si)", buf[0], sign ? "" : "+", buf[1]);
}

static void print_float_kind(FILE *out, unsigned kind, const uint8_t *v, bool shortest)
{
	bool single = kind == 13 || kind == 15;
	float f[2];
	double d[2];

	if (single) {
		memcpy(f, v, kind == 13 ? 4 : 8);
		d[0] = f[0];
		d[1] = f[1];
	} else
		memcpy(d, v, kind == 14 ? 8 : 16);
	if (kind == 15 || kind == 16)
		print_complex(out, d[0], d[1], single, shortest);
	else {
		char buf[GC_GO_FLOAT_MAX];

		gc_go_format_float(buf, d[0], single, shortest);
		fputs(buf, out);
	}
}

static const char *const basic_names[] = {
    [1] = "bool",	 [2] = "int",	   [3] = "int8",     [4] = "int16",    [5] = "int32",
    [6] = "int64",	 [7] = "uint",	   [8] = "uint8",    [9] = "uint16",   [10] = "uint32",
    [11] = "uint64",	 [12] = "uintptr", [13] = "float32", [14] = "float64", [15] = "complex64",
    [16] = "complex128", [24] = "string",
};

/* A basic value of kind at data, as print() writes it. Returns false for other kinds. */
static bool print_basic(struct gc_go_target *t, FILE *out, unsigned kind, uint64_t data,
			bool indent)
{
	static const uint8_t sizes[] = {0, 1, 8, 1, 2, 4, 8, 8, 1, 2, 4, 8, 8, 4, 8, 8, 16};
	uint8_t v[16] = {0};

	if (kind == 24) {
		uint64_t s[2];
		_cleanup_free_ char *text = NULL;

		if (gc_go_read(t, data, s, sizeof(s)) < 0 ||
		    gc_go_read_string_at(t, s[0], s[1], MAX_VALUE, &text) < 0)
			fputs("?", out);
		else
			print_indented(out, text, indent);
		return true;
	}
	if (kind == 0 || kind >= ELEMENTSOF(sizes))
		return false;
	if (gc_go_read(t, data, v, sizes[kind]) < 0)
		fputs("?", out);
	else if (kind == 1)
		fputs(v[0] ? "true" : "false", out);
	else if (kind <= 6) {
		int64_t x = 0;
		memcpy(&x, v, sizes[kind]);
		x = (int64_t)((uint64_t)x << (64 - 8 * sizes[kind])) >> (64 - 8 * sizes[kind]);
		fprintf(out, "%" PRId64, x);
	} else if (kind <= 12) {
		uint64_t x = 0;
		memcpy(&x, v, sizes[kind]);
		fprintf(out, "%" PRIu64, x);
	} else
		print_float_kind(out, kind, v, t->layout->minor >= 26);
	return true;
}

/* runtime.printpanicval (printany before 1.21) for the eface {type, data}. */
static void print_value(struct gc_go_target *t, FILE *out, uint64_t type, uint64_t data)
{
	bool indent = t->layout->minor >= 23;
	char name[256];
	uint8_t kind;

	if (!type) {
		fputs("nil", out);
		return;
	}
	if (gc_go_read(t, type + TYPE_KIND, &kind, 1) < 0 ||
	    type_name(t, type, name, sizeof(name)) < 0) {
		fprintf(out, "(?) 0x%" PRIx64, data);
		return;
	}
	kind &= KIND_MASK;
	if (kind < ELEMENTSOF(basic_names) && basic_names[kind] &&
	    strcmp(name, basic_names[kind]) == 0 && print_basic(t, out, kind, data, indent))
		return;
	if (kind == 24 || (kind >= 1 && kind <= 14)) {
		fprintf(out, kind == 24 ? "%s(\"" : "%s(", name);
		print_basic(t, out, kind, data, indent);
		fputs(kind == 24 ? "\")" : ")", out);
	} else if (kind == 15 || kind == 16) {
		fputs(name, out);
		print_basic(t, out, kind, data, indent);
	} else
		fprintf(out, "(%s) 0x%" PRIx64, name, data);
}

struct panic_rec {
	uint64_t arg[2], link;
	uint8_t recovered, repanicked, goexit;
};

/* _panic.repanicked (1.25+) sits between recovered and goexit: golayout.c has no offset for
 * it, and a layout where goexit does not leave room for it has none. */
static int read_panic(struct gc_go_target *t, uint64_t p, struct panic_rec *ret)
{
	const struct gc_go_layout *L = t->layout;

	*ret = (struct panic_rec){};
	if (gc_go_read(t, p + L->panic_arg, ret->arg, sizeof(ret->arg)) < 0)
		return -EFAULT;
	gc_go_read_word(t, p + L->panic_link, &ret->link);
	gc_go_read(t, p + L->panic_recovered, &ret->recovered, 1);
	gc_go_read(t, p + L->panic_goexit, &ret->goexit, 1);
	if (L->minor >= 25 && L->panic_goexit == L->panic_recovered + 2)
		gc_go_read(t, p + L->panic_recovered + 1, &ret->repanicked, 1);
	return 0;
}

/* runtime.printpanics: the oldest panic first, each later one indented by a tab; a Goexit
 * prints nothing. From 1.25 a panic whose older neighbour carries the same value (marked
 * repanicked by preprintpanics) is not printed again, and the older one says so: 1.25 for
 * every repanicked panic, 1.26+ only when it was also recovered. */
static void print_panics(struct gc_go_target *t, FILE *out, uint64_t p, unsigned depth)
{
	struct panic_rec r, link;
	bool mark;

	if (read_panic(t, p, &r) < 0)
		return;
	if (r.link && depth < MAX_PANICS) {
		print_panics(t, out, r.link, depth + 1);
		if (read_panic(t, r.link, &link) == 0 && link.repanicked)
			return;
		if (!link.goexit)
			fputs("\t", out);
	}
	if (r.goexit)
		return;
	fputs("panic: ", out);
	print_value(t, out, r.arg[0], r.arg[1]);
	mark = r.repanicked && (t->layout->minor == 25 || r.recovered);
	fputs(mark ? " [recovered, repanicked]\n" : r.recovered ? " [recovered]\n" : "\n", out);
}

/* The name from the program's own runtime.sigtable, as signame() returns it. */
static void print_signame(const struct gc_go_target *t, FILE *out, uint32_t sig)
{
	const char *name = gc_go_strtab_get(&t->strtabs, GC_GO_STRTAB_SIGNALS, sig);

	if (name && *name)
		fputs(name, out);
	else if (sig <= 64)
		fprintf(out, "signal %u", sig);
	else
		fprintf(out, "0x%x", sig);
}

/* dopanic_m's line for a panic or throw that started as a signal. */
static int signal_line(const struct gc_go_target *t, const struct gc_go_crash_facts *f, char **ret)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	if (!out)
		return -ENOMEM;
	fputs("[signal ", out);
	print_signame(t, out, f->sig);
	fprintf(out, " code=0x%" PRIx64 " addr=0x%" PRIx64 " pc=0x%" PRIx64 "]", f->sigcode0,
		f->sigcode1, f->sigpc);
	if (fclose(out) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	return 0;
}

/* The m id of the thread: its current g sits in the TLS slot just below fs_base. */
static int64_t thread_m_id(struct gc_go_target *t, const struct gc_core_thread *th)
{
	uint64_t g, m, id;

	if (gc_go_read_word(t, th->regs[21] - 8, &g) < 0 ||
	    gc_go_read_word(t, g + t->layout->g_m, &m) < 0 ||
	    gc_go_read_word(t, m + t->layout->m_id, &id) < 0)
		return -1;
	return (int64_t)id;
}

/* runtime.fatalsignal: a signal the runtime did not turn into a panic (SIGQUIT, SIGABRT
 * from outside, a fault in C code), from the outermost signal frame's siginfo and context. */
static void print_fatal_signal(struct gc_go_target *t, const struct gc_go_thread_facts *tf,
			       FILE *out)
{
	int32_t si[4] = {0};
	uint64_t addr = 0, pc = 0;
	int64_t m = thread_m_id(t, tf->thread);

	gc_go_read(t, tf->sigframe_fp + SIGFRAME_SIGINFO, si, sizeof(si));
	gc_go_read_word(t, tf->sigframe_fp + SIGFRAME_SIGINFO + 16, &addr);
	gc_go_read_word(t, tf->sigframe_fp + SIGFRAME_RIP, &pc);
	print_signame(t, out, (uint32_t)si[0]);
	fprintf(out, "\nPC=0x%" PRIx64 " m=%" PRId64 " sigcode=%" PRIu64, pc, m,
		(uint64_t)(int64_t)si[2]);
	if ((si[0] == 11 || si[0] == 7) && t->layout->minor >= 22)
		fprintf(out, " addr=0x%" PRIx64, addr);
	fputs("\n", out);
	/* Go 1.21+ (fatalsignal): the signal hit C code called through cgo. */
	if (t->layout->minor >= 21 && (pc < t->text || pc >= t->etext))
		fputs("signal arrived during cgo execution\n", out);
}

/* newstack's lines before "fatal error: stack overflow": the limit is the smaller of
 * runtime.maxstacksize and maxstackceiling (globals known only from the symbol table), sp
 * the goroutine's sched.sp less morestack's return address. */
static int print_overflow(struct gc_go_target *t, const struct gc_go_crash_facts *f, FILE *pre,
			  struct gc_go_report *report)
{
	const struct gc_go_layout *L = t->layout;
	const uint64_t *global = t->strtabs.global;
	uint64_t lo, hi, sp, size, ceiling;

	if (!f->gp || gc_go_read_word(t, f->gp + L->g_stack_lo, &lo) < 0 ||
	    gc_go_read_word(t, f->gp + L->g_stack_hi, &hi) < 0 ||
	    gc_go_read_word(t, f->gp + L->g_sched_sp, &sp) < 0)
		return gc_go_report_note(report, "the overflowing goroutine is not in the core: "
						 "the runtime's lines on its stack are left out");
	if (global[GC_GO_GLOBAL_MAXSTACKSIZE] && global[GC_GO_GLOBAL_MAXSTACKCEILING] &&
	    gc_go_read_word(t, global[GC_GO_GLOBAL_MAXSTACKSIZE], &size) == 0 &&
	    gc_go_read_word(t, global[GC_GO_GLOBAL_MAXSTACKCEILING], &ceiling) == 0)
		fprintf(pre, "runtime: goroutine stack exceeds %" PRIu64 "-byte limit\n",
			MIN(size, ceiling));
	else if (gc_go_report_note(report,
				   "the stack limit (runtime.maxstacksize) is known only from the "
				   "program's symbol table: the line \"runtime: goroutine stack "
				   "exceeds N-byte limit\" is left out") < 0)
		return -ENOMEM;
	fprintf(pre, "runtime: sp=0x%" PRIx64 " stack=[0x%" PRIx64 ", 0x%" PRIx64 "]\n", sp - 8, lo,
		hi);
	return 0;
}

/* A throw's "fatal error:" line into out; into pre what the runtime printed before it. */
static int print_throw(struct gc_go_target *t, const struct gc_go_crash_facts *f,
		       const struct gc_go_thread_facts *tf, FILE *pre, FILE *out,
		       struct gc_go_report *report)
{
	_cleanup_free_ char *msg = NULL;
	uint64_t panic;

	if (throw_message(t, tf, &msg, &panic) < 0) {
		fputs("fatal error: (the message is not in the core)\n", out);
		return 0;
	}
	if (tf->newstack && strcmp(msg, "stack overflow") == 0 &&
	    print_overflow(t, f, pre, report) < 0)
		return -ENOMEM;
	/* 1.26+ fatal (printPreFatalDeferPanic): the goroutine's panics, then a tab */
	if (panic) {
		print_panics(t, pre, panic, 0);
		fputs("\t", pre);
	}
	fprintf(out, "fatal error: %s\n", msg);
	return 0;
}

static int print_reason(struct gc_go_target *t, const struct gc_go_crash_facts *f,
			const struct gc_go_thread_facts *tf, FILE *pre, FILE *out,
			struct gc_go_report *report)
{
	if (tf->fatalthrow)
		return print_throw(t, f, tf, pre, out, report);
	if (f->panic)
		print_panics(t, out, f->panic, 0);
	else if (tf->sigframe_fp)
		print_fatal_signal(t, tf, out);
	return 0;
}

/* A signal in C code (cgo) or on the system stack is recorded in the thread's g0. */
static void signal_from_g0(struct gc_go_target *t, struct gc_go_crash_facts *f)
{
	const struct gc_go_layout *L = t->layout;
	uint64_t g0;

	if (f->sig || !f->mp || gc_go_read_word(t, f->mp + L->m_g0, &g0) < 0 || !g0)
		return;
	if (gc_go_read(t, g0 + L->g_sig, &f->sig, 4) < 0 ||
	    gc_go_read_word(t, g0 + L->g_sigcode0, &f->sigcode0) < 0 ||
	    gc_go_read_word(t, g0 + L->g_sigcode1, &f->sigcode1) < 0 ||
	    gc_go_read_word(t, g0 + L->g_sigpc, &f->sigpc) < 0)
		f->sig = 0;
}

static void memstream_closep(FILE **f)
{
	if (*f)
		fclose(*f);
}

/* The text of a closed memstream, NULL when empty; without its last newline if strip. */
static char *take_text(char **text, size_t size, bool strip)
{
	char *s = *text;

	*text = NULL;
	if (strip && size > 0 && s[size - 1] == '\n')
		s[size - 1] = '\0';
	if (*s)
		return s;
	free(s);
	return NULL;
}

/* The reason is the runtime's lines before the goroutines; the signature is made from the
 * main part (body), without the lines printed before it ("runtime: ..." lines, the panics that
 * 1.26 prints before a fatal error), so that those do not change the crash's class. pre
 * ends in a newline or in the tab that indents the main part. */
static int set_reason(const struct gc_go_target *t, struct gc_go_report *report, char **pre,
		      size_t pre_size, char **text, size_t size)
{
	_cleanup_free_ char *p = take_text(pre, pre_size, false);
	_cleanup_free_ char *body = take_text(text, size, true);
	int r;

	report->reason = body;
	r = gc_go_signature(t, report);
	report->reason = NULL;
	if (r < 0)
		return r;
	if (p && body) {
		if (asprintf(&report->reason, "%s%s", p, body) < 0) {
			report->reason = NULL;
			return -ENOMEM;
		}
	} else if (body)
		report->reason = TAKE_PTR(body);
	else if (p)
		report->reason = take_text(&p, strlen(p), true);
	return 0;
}

int gc_go_describe_crash(struct gc_go_target *t, const struct gc_go_crash_facts *crash,
			 const struct gc_go_thread_facts *thread, struct gc_go_report *report)
{
	struct gc_go_crash_facts f = *crash, *facts = &f;
	struct gc_go_thread_facts tf = {.t = t};
	_cleanup_free_ char *text = NULL, *pre_text = NULL;
	size_t size = 0, pre_size = 0;
	_cleanup_(memstream_closep) FILE *out = NULL, *pre = NULL;
	int r;

	signal_from_g0(t, facts);
	if (thread)
		tf = *thread;
	out = open_memstream(&text, &size);
	pre = open_memstream(&pre_text, &pre_size);
	if (!out || !pre)
		return -ENOMEM;
	r = print_reason(t, facts, &tf, pre, out, report);
	if (r < 0)
		return r;
	if (fclose(TAKE_PTR(out)) != 0 || fclose(TAKE_PTR(pre)) != 0)
		return -ENOMEM;
	if (facts->sig && signal_line(t, facts, &report->signal) < 0)
		return -ENOMEM;
	return set_reason(t, report, &pre_text, pre_size, &text, size);
}
