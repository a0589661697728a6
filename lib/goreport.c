/* SPDX-License-Identifier: MIT */
/* The Go report: its memory (the names interned, every string owned), building it, and what
 * every rendering asks of it. The stored form is goreport-store.c; the renderings are
 * goreport-text.c, goreport-json.c, and goreport-group.c for the stacks they share. */
#include "goreport.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "goreport-internal.h"
#include "macro.h"
#include "util.h"

#define NAMES_BLOCK	(64u << 10)
#define NAMES_MIN_SLOTS 256

/* ---- memory ---- */

uint64_t gc_go_hash_bytes(uint64_t h, const void *data, size_t size)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < size; i++)
		h = (h ^ p[i]) * 0x100000001b3ull; /* FNV-1a */
	return h;
}

uint64_t gc_go_hash_string(uint64_t h, const char *s)
{
	return s ? gc_go_hash_bytes(h, s, strlen(s) + 1) : gc_go_hash_bytes(h, "", 0) * 31;
}

uint64_t gc_go_hash_u64(uint64_t h, uint64_t v)
{
	return gc_go_hash_bytes(h, &v, sizeof(v));
}

/* Frame names, interned: a service's goroutines share a few hundred functions and files, so
 * each is stored once, in blocks, and frames point into them. */
struct name_block {
	struct name_block *next;
	size_t used, size;
	char data[];
};

struct gc_go_names {
	const char **slots; /* open addressing; n_slots a power of two, at most half full */
	size_t n_slots, n_used;
	struct name_block *blocks; /* the first one takes new names */
};

static void names_free(struct gc_go_names *names)
{
	if (!names)
		return;
	while (names->blocks) {
		struct name_block *b = names->blocks;

		names->blocks = b->next;
		free(b);
	}
	free(names->slots);
	free(names);
}

static char *names_copy(struct gc_go_names *names, const char *s, size_t len)
{
	struct name_block *b = names->blocks;
	char *copy;

	if (!b || b->size - b->used < len + 1) {
		size_t size = MAX((size_t)NAMES_BLOCK, len + 1);

		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		*b = (struct name_block){.size = size, .next = names->blocks};
		/* A name longer than a block fills its own, kept behind the one in use. */
		if (size > NAMES_BLOCK && names->blocks) {
			b->next = names->blocks->next;
			names->blocks->next = b;
		} else
			names->blocks = b;
	}
	copy = memcpy(b->data + b->used, s, len + 1);
	b->used += len + 1;
	return copy;
}

static int names_resize(struct gc_go_names *names, size_t n_slots)
{
	const char **slots = calloc(n_slots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < names->n_slots; i++) {
		const char *name = names->slots[i];
		size_t j;

		if (!name)
			continue;
		for (j = gc_go_hash_string(GC_GO_FNV_OFFSET, name) & (n_slots - 1); slots[j];)
			j = (j + 1) & (n_slots - 1);
		slots[j] = name;
	}
	free(names->slots);
	names->slots = slots;
	names->n_slots = n_slots;
	return 0;
}

int gc_go_report_intern(struct gc_go_report *report, const char *s, const char **ret)
{
	struct gc_go_names *names = report->names;
	size_t i;
	char *copy;

	*ret = NULL;
	if (!s)
		return 0;
	if (!names && !(names = report->names = calloc(1, sizeof(*names))))
		return -ENOMEM;
	if ((names->n_used + 1) * 2 > names->n_slots &&
	    names_resize(names, MAX(names->n_slots * 2, (size_t)NAMES_MIN_SLOTS)) < 0)
		return -ENOMEM;
	for (i = gc_go_hash_string(GC_GO_FNV_OFFSET, s) & (names->n_slots - 1); names->slots[i];
	     i = (i + 1) & (names->n_slots - 1))
		if (strcmp(names->slots[i], s) == 0) {
			*ret = names->slots[i];
			return 0;
		}
	copy = names_copy(names, s, strlen(s));
	if (!copy)
		return -ENOMEM;
	names->slots[i] = copy;
	names->n_used++;
	*ret = copy;
	return 0;
}

void gc_go_frame_free(struct gc_go_frame *frame)
{
	free(frame->args); /* func and file belong to the report */
}

void gc_goroutine_free(struct gc_goroutine *g)
{
	if (!g)
		return;
	free(g->status_text);
	free(g->created_by);
	free(g->created_file);
	for (size_t i = 0; i < g->n_frames; i++)
		gc_go_frame_free(&g->frames[i]);
	free(g->frames);
	free(g->note);
	for (size_t i = 0; i < g->n_labels; i++) {
		free(g->labels[i].key);
		free(g->labels[i].value);
	}
	free(g->labels);
	memset(g, 0, sizeof(*g));
}

static char *copy_bytes(const char *s, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy) {
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

int gc_goroutine_add_label(struct gc_goroutine *g, const char *key, size_t key_len,
			   const char *value, size_t value_len)
{
	struct gc_go_label label = {
	    .key = copy_bytes(key, key_len),
	    .value = copy_bytes(value, value_len),
	    .key_len = key_len,
	    .value_len = value_len,
	};
	struct gc_go_label *labels =
	    label.key && label.value ? gc_grow(g->labels, g->n_labels, sizeof(*labels)) : NULL;

	if (!labels) {
		free(label.key);
		free(label.value);
		return -ENOMEM;
	}
	g->labels = labels;
	g->labels[g->n_labels++] = label;
	return 0;
}

void gc_go_report_free(struct gc_go_report *report)
{
	if (!report)
		return;
	free(report->go_version);
	free(report->reason);
	free(report->signal);
	free(report->signature);
	for (size_t i = 0; i < report->n_goroutines; i++)
		gc_goroutine_free(&report->goroutines[i]);
	free(report->goroutines);
	for (size_t i = 0; i < report->n_notes; i++)
		free(report->notes[i]);
	free(report->notes);
	names_free(report->names);
	memset(report, 0, sizeof(*report));
}

static int add_note(struct gc_go_report *report, char *note)
{
	char **notes = gc_grow(report->notes, report->n_notes, sizeof(*notes));

	if (!notes)
		return -ENOMEM;
	report->notes = notes;
	report->notes[report->n_notes++] = note;
	return 0;
}

int gc_go_report_note(struct gc_go_report *report, const char *format, ...)
{
	va_list ap;
	char *note;
	int r;

	va_start(ap, format);
	r = vasprintf(&note, format, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	r = add_note(report, note);
	if (r < 0)
		free(note);
	return r;
}

bool gc_go_is_runtime_func(const char *func)
{
	return strcmp(func, "panic") == 0 || strncmp(func, "runtime.", 8) == 0 ||
	       strncmp(func, "internal/", 9) == 0;
}

const struct gc_goroutine *gc_go_report_crashed(const struct gc_go_report *report)
{
	for (size_t i = 0; i < report->n_goroutines; i++)
		if (report->goroutines[i].crashed)
			return &report->goroutines[i];
	return NULL;
}

const char *gc_go_status_word(const struct gc_goroutine *g)
{
	/* gStatusStrings: the unused states 5 and 7 have no name, and print as nothing. */
	static const char *const words[] = {
	    [GC_GO_IDLE] = "idle",	     [GC_GO_RUNNABLE] = "runnable",
	    [GC_GO_RUNNING] = "running",     [GC_GO_SYSCALL] = "syscall",
	    [GC_GO_WAITING] = "waiting",     [GC_GO_MORIBUND] = "",
	    [GC_GO_DEAD] = "dead",	     [GC_GO_ENQUEUE] = "",
	    [GC_GO_COPYSTACK] = "copystack", [GC_GO_PREEMPTED] = "preempted",
	};

	if (g->status_text)
		return g->status_text;
	return g->status < ELEMENTSOF(words) ? words[g->status] : "???";
}

/* The offset the runtime prints: pc - entry for a physical frame past its entry. */
uint64_t gc_go_frame_offset(const struct gc_go_frame *f)
{
	return !f->inlined && f->pc > f->entry ? f->pc - f->entry : 0;
}

/* ---- escaping for a terminal ---- */

/* A name shared through the report's table: the escaped form is interned in its place. */
static int escape_name(struct gc_go_report *report, const char **name)
{
	_cleanup_free_ char *escaped = NULL;

	if (!*name || !gc_escape_needed(*name, 0))
		return 0;
	escaped = gc_escape(*name, 0);
	if (!escaped)
		return -ENOMEM;
	return gc_go_report_intern(report, escaped, name);
}

static int escape_goroutine(struct gc_go_report *report, struct gc_goroutine *g)
{
	if (gc_escape_in_place(&g->status_text, 0) < 0 ||
	    gc_escape_in_place(&g->created_by, 0) < 0 ||
	    gc_escape_in_place(&g->created_file, 0) < 0 ||
	    gc_escape_in_place(&g->note, GC_ESCAPE_KEEP_NEWLINE) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < g->n_frames; i++) {
		struct gc_go_frame *f = &g->frames[i];

		if (escape_name(report, &f->func) < 0 || escape_name(report, &f->file) < 0 ||
		    gc_escape_in_place(&f->args, 0) < 0)
			return -ENOMEM;
	}
	return 0;
}

int gc_go_report_escape(struct gc_go_report *report)
{
	if (gc_escape_in_place(&report->go_version, 0) < 0 ||
	    gc_escape_in_place(&report->reason, GC_ESCAPE_KEEP_NEWLINE) < 0 ||
	    gc_escape_in_place(&report->signal, 0) < 0 ||
	    gc_escape_in_place(&report->signature, 0) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < report->n_notes; i++)
		if (gc_escape_in_place(&report->notes[i], GC_ESCAPE_KEEP_NEWLINE) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < report->n_goroutines; i++)
		if (escape_goroutine(report, &report->goroutines[i]) < 0)
			return -ENOMEM;
	return 0;
}
