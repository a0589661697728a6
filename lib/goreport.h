/* SPDX-License-Identifier: MIT */
/* The result of the Go analysis of one crash: the reason, the signature and every goroutine's
 * stack. The extractor (goanalyze.c) fills it in the sandboxed child; it is stored with the
 * crash as STORE/ID/goroutines (a line format, see goreport-store.c) and rendered by gocrashctl as
 * the runtime's own traceback text, as JSON, or grouped by identical stacks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One frame as the runtime prints it. */
struct gc_go_frame {
	/* Interned in the report (gc_go_report_intern), freed with it. */
	const char *func; /* as printed: funcNameForPrint, gopanic as "panic" */
	const char *file;
	int32_t line;
	bool inlined;	/* printed "func(...)" with no +offset and no fp/sp/pc */
	uint64_t pc;	/* the frame's pc (return address for callers), as printed by pc= */
	uint64_t entry; /* function entry: the +0x offset is pc - entry, printed when > 0 */
	uint64_t sp, fp;
	char *args; /* the argument list between the parentheses ("0x1, {0x2?, 0x3}"), NULL
		       when not known (printed as "...") */
};

enum gc_go_status {
	GC_GO_IDLE = 0,
	GC_GO_RUNNABLE = 1,
	GC_GO_RUNNING = 2,
	GC_GO_SYSCALL = 3,
	GC_GO_WAITING = 4,
	GC_GO_MORIBUND = 5,
	GC_GO_DEAD = 6,
	GC_GO_ENQUEUE = 7,
	GC_GO_COPYSTACK = 8,
	GC_GO_PREEMPTED = 9,
};

/* A pprof label (runtime/pprof.Do, SetGoroutineLabels): Go strings, which may hold any byte,
 * NUL included; each is NUL-terminated as well. */
struct gc_go_label {
	char *key, *value;
	size_t key_len, value_len;
};

/* At most this many labels per goroutine are read from a core, and read back from a file. */
#define GC_GO_REPORT_MAX_LABELS 256

struct gc_goroutine {
	int64_t id;
	uint64_t gp;	      /* address of the g */
	uint64_t mp;	      /* its m, 0 when none */
	int64_t m_id;	      /* m.id, -1 when no m */
	uint32_t status;      /* atomicstatus without the scan bit (GC_GO_*) */
	bool scan;	      /* the scan bit was set: " (scan)" */
	char *status_text;    /* the word in brackets: "running", "chan receive", ... */
	int64_t wait_minutes; /* ", N minutes" when >= 1 */
	bool locked;	      /* ", locked to thread" */
	bool crashed;	      /* the goroutine that crashed the program */
	int64_t thread;	      /* kernel thread id it was running on, 0 when none */
	int64_t parent_id;    /* goroutine that created it, 0 when unknown (before Go 1.21) */
	char *created_by;     /* creating function as printed, NULL for goroutine 1 and roots */
	char *created_file;   /* call site of the go statement */
	int32_t created_line;
	uint64_t created_off; /* "+0x..": gopc - entry of the creator */
	struct gc_go_frame *frames;
	size_t n_frames;
	char *note; /* why the stack is missing or cut short, NULL when complete */

	/* Go 1.26+: its labels, in the order of its label set (sorted by key). */
	struct gc_go_label *labels;
	size_t n_labels;

	/* Frames the extractor did not keep, as the runtime elides them: N > 0 means N frames
	 * are missing before frames[elided_at] ("...N frames elided...", 1.21+); -1 means the
	 * stack goes on after the frames kept ("...additional frames elided...", 1.19, 1.20); 0
	 * means the frames are complete, and the renderer elides as the runtime would. */
	int64_t elided;
	size_t elided_at;

	/* Its synctest bubble, 0 when none: 1.24's group by the id of its root goroutine
	 * (", synctest group N" in the header), 1.25+'s bubble by its id (", synctest bubble
	 * N"). durable: 1.25+, waiting durably blocked in its bubble (" (durable)"). */
	int64_t synctest_group;
	bool durable;
};

struct gc_go_names;

struct gc_go_report {
	unsigned go_minor; /* traceback format of this release: 19 for go1.19, ... */
	char *go_version;  /* "go1.22.12" */
	char *reason;	   /* the runtime's first line(s): "panic: boom", "fatal error: ..." */
	char *signal;	 /* "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x...]" */
	char *signature; /* stable hash of the reason class and the program's top frames */
	int64_t n_goroutines_total; /* allglen including dead ones */
	struct gc_goroutine *goroutines;
	size_t n_goroutines; /* the crashing one first, then in allgs order like the runtime */
	bool labels_shown;   /* the runtime prints labels in the headers (tracebacklabels=1) */
	char **notes;	     /* what is missing or doubtful, said plainly */
	size_t n_notes;
	struct gc_go_names *names; /* the frames' function and file names, each stored once */
};

/* The goroutines, frames, labels and notes arrays grow with gc_grow() (util.h): their capacity
 * follows from their length, so elements are appended through it only. */
void gc_go_report_free(struct gc_go_report *report);
void gc_goroutine_free(struct gc_goroutine *g);

/* The report's copy of s, which every frame with that name shares: a frame's func and file
 * point there, and are freed with the report. *ret is NULL when s is. Returns 0 or -ENOMEM. */
int gc_go_report_intern(struct gc_go_report *report, const char *s, const char **ret);

/* Appends a label with copies of key and value (key_len, value_len bytes). Returns 0 or
 * -ENOMEM. */
int gc_goroutine_add_label(struct gc_goroutine *g, const char *key, size_t key_len,
			   const char *value, size_t value_len);

/* Adds a note (printf-style). Returns 0 or -ENOMEM. */
int gc_go_report_note(struct gc_go_report *report, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Whether a printed function name is the runtime's own plumbing ("panic", "runtime.",
 * "internal/" prefixes) rather than the program's: what the crash site and the signature skip. */
bool gc_go_is_runtime_func(const char *func);

/* The crashing goroutine, or NULL. */
const struct gc_goroutine *gc_go_report_crashed(const struct gc_go_report *report);

/* Stored form: writes report to f / reads it back. Parsing is tolerant of unknown record
 * types and bounded; returns 0, -EBADMSG on a damaged file (what was read before the damage
 * is kept and a note says so), -ENOMEM. Writing returns 0, the stream's error, or -E2BIG when
 * a string is longer than GC_GO_REPORT_MAX_STRING (the file is complete but should not be
 * kept: a reader may refuse the line). The format is described at the top of goreport-store.c. */
#define GC_GO_REPORT_MAX_STRING (4u << 20)
int gc_go_report_write(const struct gc_go_report *report, FILE *f);
int gc_go_report_read(FILE *f, struct gc_go_report *ret);

/* Escapes every string of the report for a terminal (gc_escape(), escape.h): the reason and
 * the notes keep their newlines and tabs, function and file names, arguments, status and
 * signal are one line each. Labels are left alone: the text shows them quoted as the runtime
 * does, which leaves nothing but printable ASCII. Before gc_go_report_print_text() to a terminal;
 * never before gc_go_report_write(). Returns 0 or -ENOMEM (the report stays valid, partly escaped).
 */
int gc_go_report_escape(struct gc_go_report *report);

/* Rendering options for gocrashctl. */
struct gc_go_render {
	bool crashed_only; /* only the crashing goroutine */
	bool group;	   /* goroutines with identical stacks once, with a count */
};

/* Writes the reason (as stored), the signal line, then each goroutine after a blank line, in
 * the runtime's GOTRACEBACK=crash text format of go_minor (header, with the labels when
 * labels_shown, frames, "created by", elision), then the report's notes as lines starting with "#
 * ". A goroutine with a note and no frames prints the note where the runtime prints "goroutine
 * running on other thread; stack unavailable". With crashed_only, only the crashing goroutine. With
 * group, goroutines with the same stack print once, a group of more than one under the header "N
 * goroutines: goroutine A, B, ... [STATUS]:" (see goreport-text.c). opts may be NULL. */
void gc_go_report_print_text(const struct gc_go_report *report, const struct gc_go_render *opts,
			     FILE *out);

/* Writes the report as one JSON object {go_version, reason, signal, signature,
 * goroutines_total, labels_shown, goroutines: [{id, status, ..., labels: {key: value},
 * frames: [{func, file, line, ...}], note}], notes}; with group, "groups": [{count, ids, status,
 * ..., frames}] instead of goroutines. Addresses are "0x..." strings. No newline at the end. */
void gc_go_report_print_json(const struct gc_go_report *report, const struct gc_go_render *opts,
			     FILE *out);

/* The crashing goroutine's frames as a short text (one "func (file:line)" per line, at most
 * max_frames, no newline after the last), for the journal. Returns a malloc'ed string, or
 * NULL when no goroutine crashed, it has no frames, or memory ran out. */
char *gc_go_report_crashed_stack(const struct gc_go_report *report, size_t max_frames);
