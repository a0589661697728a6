/* SPDX-License-Identifier: MIT */
/* The Go report: its memory, its stored form (STORE/ID/goroutines) and its renderings.
 *
 * Stored form, version 1: UTF-8 or not, one record per line, fields separated by a tab, the
 * first field names the record. Strings are escaped like the meta file's values (\\ \t \n
 * \r, and \0 for the NUL a label may hold), so that a field never holds a raw tab or newline;
 * a NULL string is the field \N, which no escaped string can be. Numbers are decimal,
 * addresses 0x-hex, booleans 0 or 1.
 *
 *   gocrash-goroutines  VERSION
 *   report     GO_MINOR GO_VERSION GOROUTINES_TOTAL REASON SIGNAL SIGNATURE LABELS_SHOWN
 *   goroutine  ID GP MP M_ID STATUS SCAN STATUS_TEXT WAIT_MINUTES LOCKED CRASHED THREAD
 *              PARENT_ID SYNCTEST_GROUP ELIDED ELIDED_AT [DURABLE]
 *   created    FUNC FILE LINE OFFSET           (of the goroutine above; absent: no creator)
 *   frame      FUNC FILE LINE INLINED PC ENTRY SP FP ARGS  (of the goroutine above, in order)
 *   gnote      TEXT                            (the goroutine's note)
 *   label      KEY VALUE                       (of the goroutine above, in order)
 *   note       TEXT                            (a note of the report)
 *   end        N_GOROUTINES N_FRAMES N_NOTES N_LABELS
 *
 * A reader skips records it does not know and fields past the ones it knows, so a later
 * version may add both: LABELS_SHOWN, the label records and N_LABELS came after the others,
 * and a file without them reads as one without labels. Nothing is allocated from a count: arrays
 * grow as records come, and a line may not be longer than LINE_MAX_SIZE. The end record tells a
 * complete file from one cut short. */
#include "goreport.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "json.h"
#include "macro.h"
#include "util.h"

#define FORMAT_MAGIC   "gocrash-goroutines"
#define FORMAT_VERSION 1
/* The longest record: four strings, each at most twice its length once escaped. */
#define LINE_MAX_SIZE (8 * (size_t)GC_GO_REPORT_MAX_STRING + 4096)
/* More than a process can hold: a sanity bound, memory follows the file's size anyway. */
#define MAX_GOROUTINES (64u << 20)
#define MAX_FRAMES     (64u << 20) /* per goroutine: a 1 GiB stack of 16-byte frames */
#define MAX_NOTES      (1u << 20)
#define MAX_FIELDS     24 /* fields past these are ignored */

/* What the runtime prints: 1.19 and 1.20 stop after 100 physical frames; 1.21 and later
 * print the innermost and the outermost 50 logical frames. */
#define OLD_MAX_FRAMES 100
#define INNER_FRAMES   50
#define OUTER_FRAMES   50

#define FNV_OFFSET	0xcbf29ce484222325ull
#define NAMES_BLOCK	(64u << 10)
#define NAMES_MIN_SLOTS 256

/* ---- memory ---- */

static uint64_t hash_bytes(uint64_t h, const void *data, size_t size)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < size; i++)
		h = (h ^ p[i]) * 0x100000001b3ull; /* FNV-1a */
	return h;
}

static uint64_t hash_string(uint64_t h, const char *s)
{
	return s ? hash_bytes(h, s, strlen(s) + 1) : hash_bytes(h, "", 0) * 31;
}

static uint64_t hash_u64(uint64_t h, uint64_t v)
{
	return hash_bytes(h, &v, sizeof(v));
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
		for (j = hash_string(FNV_OFFSET, name) & (n_slots - 1); slots[j];)
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
	for (i = hash_string(FNV_OFFSET, s) & (names->n_slots - 1); names->slots[i];
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

static void frame_free(struct gc_go_frame *frame)
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
		frame_free(&g->frames[i]);
	free(g->frames);
	free(g->note);
	for (size_t i = 0; i < g->n_labels; i++)
		free(g->labels[i].key), free(g->labels[i].value);
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
		free(label.key), free(label.value);
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

/* ---- writing ---- */

/* A field of len bytes at s; NULL is \N. */
static int put_bytes(FILE *f, const char *s, size_t len)
{
	putc_unlocked('\t', f);
	if (!s) {
		fputs_unlocked("\\N", f);
		return 0;
	}
	for (const char *p = s; p < s + len; p++) {
		switch (*p) {
		case '\0':
			fputs_unlocked("\\0", f);
			break;
		case '\\':
			fputs_unlocked("\\\\", f);
			break;
		case '\t':
			fputs_unlocked("\\t", f);
			break;
		case '\n':
			fputs_unlocked("\\n", f);
			break;
		case '\r':
			fputs_unlocked("\\r", f);
			break;
		default:
			putc_unlocked(*p, f);
		}
	}
	return len > GC_GO_REPORT_MAX_STRING ? -E2BIG : 0;
}

static int put_string(FILE *f, const char *s)
{
	return put_bytes(f, s, s ? strlen(s) : 0);
}

static int put_strings(FILE *f, const char *const *strings, size_t n)
{
	int r = 0;

	for (size_t i = 0; i < n; i++)
		if (put_string(f, strings[i]) < 0)
			r = -E2BIG;
	return r;
}

static int write_goroutine(FILE *f, const struct gc_goroutine *g)
{
	int r;

	fprintf(f, "goroutine\t%" PRId64 "\t0x%" PRIx64 "\t0x%" PRIx64 "\t%" PRId64 "\t%" PRIu32,
		g->id, g->gp, g->mp, g->m_id, g->status);
	fprintf(f, "\t%d", g->scan);
	r = put_string(f, g->status_text);
	fprintf(f, "\t%" PRId64 "\t%d\t%d\t%" PRId64, g->wait_minutes, g->locked, g->crashed,
		g->thread);
	fprintf(f, "\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%zu\t%d\n", g->parent_id,
		g->synctest_group, g->elided, g->elided_at, g->durable);
	if (g->created_by) {
		fputs_unlocked("created", f);
		if (put_strings(f, (const char *const[]){g->created_by, g->created_file}, 2) < 0)
			r = -E2BIG;
		fprintf(f, "\t%" PRId32 "\t0x%" PRIx64 "\n", g->created_line, g->created_off);
	}
	for (size_t i = 0; i < g->n_frames; i++) {
		const struct gc_go_frame *fr = &g->frames[i];

		fputs_unlocked("frame", f);
		if (put_strings(f, (const char *const[]){fr->func, fr->file}, 2) < 0)
			r = -E2BIG;
		fprintf(
		    f, "\t%" PRId32 "\t%d\t0x%" PRIx64 "\t0x%" PRIx64 "\t0x%" PRIx64 "\t0x%" PRIx64,
		    fr->line, fr->inlined, fr->pc, fr->entry, fr->sp, fr->fp);
		if (put_string(f, fr->args) < 0)
			r = -E2BIG;
		putc_unlocked('\n', f);
	}
	if (g->note) {
		fputs_unlocked("gnote", f);
		if (put_string(f, g->note) < 0)
			r = -E2BIG;
		putc_unlocked('\n', f);
	}
	for (size_t i = 0; i < g->n_labels; i++) {
		const struct gc_go_label *l = &g->labels[i];
		int key_r, value_r;

		fputs_unlocked("label", f);
		key_r = put_bytes(f, l->key, l->key_len);
		value_r = put_bytes(f, l->value, l->value_len);
		if (key_r < 0 || value_r < 0)
			r = -E2BIG;
		putc_unlocked('\n', f);
	}
	return r;
}

static int write_records(const struct gc_go_report *report, FILE *f)
{
	size_t n_frames = 0, n_labels = 0;
	int r = 0;

	fprintf(f, FORMAT_MAGIC "\t%d\n", FORMAT_VERSION);
	fprintf(f, "report\t%u", report->go_minor);
	if (put_string(f, report->go_version) < 0)
		r = -E2BIG;
	fprintf(f, "\t%" PRId64, report->n_goroutines_total);
	if (put_strings(f, (const char *const[]){report->reason, report->signal, report->signature},
			3) < 0)
		r = -E2BIG;
	fprintf(f, "\t%d\n", report->labels_shown);
	for (size_t i = 0; i < report->n_goroutines; i++) {
		if (write_goroutine(f, &report->goroutines[i]) < 0)
			r = -E2BIG;
		n_frames += report->goroutines[i].n_frames;
		n_labels += report->goroutines[i].n_labels;
	}
	for (size_t i = 0; i < report->n_notes; i++) {
		fputs_unlocked("note", f);
		if (put_string(f, report->notes[i]) < 0)
			r = -E2BIG;
		putc_unlocked('\n', f);
	}
	fprintf(f, "end\t%zu\t%zu\t%zu\t%zu\n", report->n_goroutines, n_frames, report->n_notes,
		n_labels);
	return r;
}

int gc_go_report_write(const struct gc_go_report *report, FILE *f)
{
	int r;

	flockfile(f);
	r = write_records(report, f);
	funlockfile(f);
	if (fflush(f) != 0 || ferror(f))
		return negative_errno();
	return r;
}

/* ---- reading ---- */

struct reader {
	FILE *f;
	struct gc_go_report report;
	size_t line_no, n_frames, n_labels;
	char *line;
	size_t line_size, line_allocated;
	char *fields[MAX_FIELDS];
	size_t n_fields;
	const char *damage; /* why reading stopped early, NULL while all is well */
	bool ended;
};

static int damaged(struct reader *rd, const char *why)
{
	rd->damage = why;
	return -EBADMSG;
}

/* Reads one line without its newline. 1 on a line, 0 at the end, -EBADMSG on a line that is
 * cut short, too long or holds a NUL, -ENOMEM. */
static int read_line(struct reader *rd)
{
	bool nul = false;
	int c;

	rd->line_size = 0;
	while ((c = getc_unlocked(rd->f)) != EOF) {
		if (rd->line_size + 1 >= rd->line_allocated) {
			size_t want = MIN(MAX(rd->line_allocated * 2, (size_t)4096), LINE_MAX_SIZE);
			char *p;

			if (rd->line_allocated >= LINE_MAX_SIZE)
				return damaged(rd, "a line is too long");
			p = realloc(rd->line, want);
			if (!p)
				return -ENOMEM;
			rd->line = p;
			rd->line_allocated = want;
		}
		if (c == '\n') {
			rd->line[rd->line_size] = '\0';
			return nul ? damaged(rd, "a line holds a NUL byte") : 1;
		}
		nul = nul || c == '\0';
		rd->line[rd->line_size++] = (char)c;
	}
	if (ferror(rd->f))
		return damaged(rd, "reading it failed");
	if (rd->line_size > 0)
		return damaged(rd, "its last line is cut short");
	return 0;
}

/* Undoes put_bytes() in place. Returns the string, NULL for \N, or (char *)-1 when damaged;
 * *ret_len (may be NULL) gets its length. */
#define BAD_STRING ((char *)-1)
static char *unescape(char *s, size_t *ret_len)
{
	char *out = s;

	if (strcmp(s, "\\N") == 0)
		return NULL;
	for (char *p = s; *p; p++) {
		if (*p != '\\') {
			*out++ = *p;
			continue;
		}
		switch (*++p) {
		case '\\':
			*out++ = '\\';
			break;
		case 't':
			*out++ = '\t';
			break;
		case 'n':
			*out++ = '\n';
			break;
		case 'r':
			*out++ = '\r';
			break;
		case '0':
			*out++ = '\0';
			break;
		default:
			return BAD_STRING;
		}
	}
	*out = '\0';
	if (ret_len)
		*ret_len = (size_t)(out - s);
	return s;
}

static void split_fields(struct reader *rd)
{
	char *p = rd->line;

	rd->n_fields = 0;
	for (;;) {
		char *tab = strchr(p, '\t');

		if (tab)
			*tab = '\0';
		rd->fields[rd->n_fields++] = p;
		if (!tab || rd->n_fields == MAX_FIELDS)
			break;
		p = tab + 1;
	}
}

static bool parse_i64(const char *s, int64_t *ret)
{
	char *end;

	if (!((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')))
		return false;
	errno = 0;
	*ret = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

static bool parse_u64(const char *s, uint64_t *ret)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*ret = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* "0x" and 1 to 16 hex digits. */
static bool parse_addr(const char *s, uint64_t *ret)
{
	uint64_t v = 0;
	size_t n = 0;

	if (s[0] != '0' || s[1] != 'x')
		return false;
	for (s += 2; *s; s++, n++) {
		int digit = *s >= '0' && *s <= '9'   ? *s - '0'
			    : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
						     : -1;

		if (digit < 0 || n >= 16)
			return false;
		v = v << 4 | (uint64_t)digit;
	}
	*ret = v;
	return n > 0;
}

static bool parse_size(const char *s, size_t *ret)
{
	uint64_t v;

	if (!parse_u64(s, &v) || v > SIZE_MAX)
		return false;
	*ret = v;
	return true;
}

static bool parse_i32(const char *s, int32_t *ret)
{
	int64_t v;

	if (!parse_i64(s, &v) || v < INT32_MIN || v > INT32_MAX)
		return false;
	*ret = (int32_t)v;
	return true;
}

static bool parse_u32(const char *s, uint32_t *ret)
{
	uint64_t v;

	if (!parse_u64(s, &v) || v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

static bool parse_bool(const char *s, bool *ret)
{
	if ((s[0] != '0' && s[0] != '1') || s[1] != '\0')
		return false;
	*ret = s[0] == '1';
	return true;
}

/* A copy of field i, unescaped; NULL for \N. */
static int take_string(struct reader *rd, size_t i, char **ret)
{
	char *s = unescape(rd->fields[i], NULL);

	if (s == BAD_STRING)
		return damaged(rd, "a string is badly escaped");
	if (!s) {
		*ret = NULL;
		return 0;
	}
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

/* Field i as a name interned in the report; NULL for \N. */
static int take_name(struct reader *rd, size_t i, const char **ret)
{
	char *s = unescape(rd->fields[i], NULL);

	if (s == BAD_STRING)
		return damaged(rd, "a string is badly escaped");
	return gc_go_report_intern(&rd->report, s, ret);
}

static int take_strings(struct reader *rd, size_t first, char **const *rets, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = take_string(rd, first + i, rets[i]);

		if (r < 0) {
			for (size_t j = 0; j < i; j++) {
				free(*rets[j]);
				*rets[j] = NULL;
			}
			return r;
		}
	}
	return 0;
}

static struct gc_goroutine *current_goroutine(struct reader *rd)
{
	struct gc_go_report *report = &rd->report;

	return report->n_goroutines > 0 ? &report->goroutines[report->n_goroutines - 1] : NULL;
}

static int record_report(struct reader *rd)
{
	struct gc_go_report *report = &rd->report;
	char *version, *reason, *signal, *signature;
	uint32_t minor;
	int64_t total;
	bool labels_shown = false;
	int r;

	if (!parse_u32(rd->fields[1], &minor) || !parse_i64(rd->fields[3], &total) ||
	    (rd->n_fields > 7 && !parse_bool(rd->fields[7], &labels_shown)))
		return damaged(rd, "a number in the report record is malformed");
	r = take_strings(rd, 4, (char **const[]){&reason, &signal, &signature}, 3);
	if (r < 0)
		return r;
	r = take_string(rd, 2, &version);
	if (r < 0) {
		free(reason), free(signal), free(signature);
		return r;
	}
	free(report->go_version), free(report->reason), free(report->signal);
	free(report->signature);
	*report = (struct gc_go_report){
	    .go_minor = minor,
	    .go_version = version,
	    .reason = reason,
	    .signal = signal,
	    .signature = signature,
	    .n_goroutines_total = total,
	    .labels_shown = labels_shown,
	    .goroutines = report->goroutines,
	    .n_goroutines = report->n_goroutines,
	    .notes = report->notes,
	    .n_notes = report->n_notes,
	};
	return 0;
}

static bool parse_goroutine(char **fields, size_t n_fields, struct gc_goroutine *g)
{
	return parse_i64(fields[1], &g->id) && parse_addr(fields[2], &g->gp) &&
	       parse_addr(fields[3], &g->mp) && parse_i64(fields[4], &g->m_id) &&
	       parse_u32(fields[5], &g->status) && parse_bool(fields[6], &g->scan) &&
	       parse_i64(fields[8], &g->wait_minutes) && parse_bool(fields[9], &g->locked) &&
	       parse_bool(fields[10], &g->crashed) && parse_i64(fields[11], &g->thread) &&
	       parse_i64(fields[12], &g->parent_id) && parse_i64(fields[13], &g->synctest_group) &&
	       parse_i64(fields[14], &g->elided) && parse_size(fields[15], &g->elided_at) &&
	       (n_fields < 17 || parse_bool(fields[16], &g->durable));
}

static int record_goroutine(struct reader *rd)
{
	struct gc_go_report *report = &rd->report;
	struct gc_goroutine g = {};
	struct gc_goroutine *goroutines;
	int r;

	if (!parse_goroutine(rd->fields, rd->n_fields, &g))
		return damaged(rd, "a number in a goroutine record is malformed");
	if (report->n_goroutines >= MAX_GOROUTINES)
		return damaged(rd, "it holds more goroutines than a program can");
	r = take_string(rd, 7, &g.status_text);
	if (r < 0)
		return r;
	goroutines = gc_grow(report->goroutines, report->n_goroutines, sizeof(*goroutines));
	if (!goroutines) {
		free(g.status_text);
		return -ENOMEM;
	}
	report->goroutines = goroutines;
	report->goroutines[report->n_goroutines++] = g;
	return 0;
}

static int record_created(struct reader *rd)
{
	struct gc_goroutine *g = current_goroutine(rd);
	char *func, *file;
	int32_t line;
	uint64_t off;
	int r;

	if (!g)
		return damaged(rd, "a created record comes before any goroutine");
	if (!parse_i32(rd->fields[3], &line) || !parse_addr(rd->fields[4], &off))
		return damaged(rd, "a number in a created record is malformed");
	r = take_strings(rd, 1, (char **const[]){&func, &file}, 2);
	if (r < 0)
		return r;
	free(g->created_by), free(g->created_file);
	g->created_by = func;
	g->created_file = file;
	g->created_line = line;
	g->created_off = off;
	return 0;
}

static int record_frame(struct reader *rd)
{
	struct gc_goroutine *g = current_goroutine(rd);
	struct gc_go_frame fr = {}, *frames;
	char **fields = rd->fields;
	int r;

	if (!g)
		return damaged(rd, "a frame comes before any goroutine");
	if (!parse_i32(fields[3], &fr.line) || !parse_bool(fields[4], &fr.inlined) ||
	    !parse_addr(fields[5], &fr.pc) || !parse_addr(fields[6], &fr.entry) ||
	    !parse_addr(fields[7], &fr.sp) || !parse_addr(fields[8], &fr.fp))
		return damaged(rd, "a number in a frame record is malformed");
	if (g->n_frames >= MAX_FRAMES)
		return damaged(rd, "a goroutine has more frames than a stack can");
	r = take_name(rd, 1, &fr.func);
	if (r >= 0)
		r = take_name(rd, 2, &fr.file);
	if (r >= 0)
		r = take_string(rd, 9, &fr.args);
	if (r < 0)
		return r;
	frames = gc_grow(g->frames, g->n_frames, sizeof(*frames));
	if (!frames) {
		frame_free(&fr);
		return -ENOMEM;
	}
	g->frames = frames;
	g->frames[g->n_frames++] = fr;
	rd->n_frames++;
	return 0;
}

static int record_gnote(struct reader *rd)
{
	struct gc_goroutine *g = current_goroutine(rd);
	char *note;
	int r;

	if (!g)
		return damaged(rd, "a goroutine note comes before any goroutine");
	r = take_string(rd, 1, &note);
	if (r < 0)
		return r;
	free(g->note);
	g->note = note;
	return 0;
}

static int record_label(struct reader *rd)
{
	struct gc_goroutine *g = current_goroutine(rd);
	size_t key_len, value_len;
	char *key, *value;
	int r;

	if (!g)
		return damaged(rd, "a label comes before any goroutine");
	if (g->n_labels >= GC_GO_REPORT_MAX_LABELS)
		return damaged(rd, "a goroutine has more labels than are kept");
	key = unescape(rd->fields[1], &key_len);
	value = unescape(rd->fields[2], &value_len);
	if (!key || !value || key == BAD_STRING || value == BAD_STRING)
		return damaged(rd, "a label is badly escaped");
	r = gc_goroutine_add_label(g, key, key_len, value, value_len);
	if (r >= 0)
		rd->n_labels++;
	return r;
}

static int record_note(struct reader *rd)
{
	struct gc_go_report *report = &rd->report;
	char **notes, *note;
	int r;

	if (report->n_notes >= MAX_NOTES)
		return damaged(rd, "it holds more notes than it could");
	r = take_string(rd, 1, &note);
	if (r < 0 || !note)
		return r;
	notes = gc_grow(report->notes, report->n_notes, sizeof(*notes));
	if (!notes) {
		free(note);
		return -ENOMEM;
	}
	report->notes = notes;
	report->notes[report->n_notes++] = note;
	return 0;
}

static int record_end(struct reader *rd)
{
	size_t n_goroutines, n_frames, n_notes, n_labels = rd->n_labels;

	if (!parse_size(rd->fields[1], &n_goroutines) || !parse_size(rd->fields[2], &n_frames) ||
	    !parse_size(rd->fields[3], &n_notes) ||
	    (rd->n_fields > 4 && !parse_size(rd->fields[4], &n_labels)))
		return damaged(rd, "a number in the end record is malformed");
	if (n_goroutines != rd->report.n_goroutines || n_frames != rd->n_frames ||
	    n_notes != rd->report.n_notes || n_labels != rd->n_labels)
		return damaged(rd, "records are missing (the end record counts more or fewer)");
	rd->ended = true;
	return 0;
}

static const struct record_type {
	const char *word;
	size_t min_fields; /* counting the word */
	int (*parse)(struct reader *rd);
} record_types[] = {
    {"report", 7, record_report},   {"goroutine", 16, record_goroutine},
    {"created", 5, record_created}, {"frame", 10, record_frame},
    {"gnote", 2, record_gnote},	    {"label", 3, record_label},
    {"note", 2, record_note},	    {"end", 4, record_end},
};

/* A record word: lower-case letters, digits, '-' and '_'. Anything else is damage, not a
 * record of a later version. */
static bool word_is_valid(const char *word)
{
	if (!*word)
		return false;
	for (const char *p = word; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_'))
			return false;
	return true;
}

static int parse_record(struct reader *rd)
{
	split_fields(rd);
	if (!word_is_valid(rd->fields[0]))
		return damaged(rd, "a line is not a record");
	for (size_t i = 0; i < ELEMENTSOF(record_types); i++) {
		if (strcmp(rd->fields[0], record_types[i].word) != 0)
			continue;
		if (rd->n_fields < record_types[i].min_fields)
			return damaged(rd, "a record has too few fields");
		return record_types[i].parse(rd);
	}
	return 0; /* written by a later version: skipped */
}

static int read_header(struct reader *rd)
{
	uint32_t version;
	int r = read_line(rd);

	rd->line_no = 1;
	if (r == 0)
		return damaged(rd, "it is empty");
	if (r < 0)
		return r;
	split_fields(rd);
	if (rd->n_fields < 2 || strcmp(rd->fields[0], FORMAT_MAGIC) != 0 ||
	    !parse_u32(rd->fields[1], &version) || version < 1)
		return damaged(rd, "it is not a goroutines file");
	return 0;
}

static int read_records(struct reader *rd)
{
	int r = read_header(rd);

	while (r >= 0 && !rd->ended) {
		r = read_line(rd);
		rd->line_no++;
		if (r == 0)
			return damaged(rd, "it ends before its end record");
		if (r > 0)
			r = parse_record(rd);
	}
	return r;
}

int gc_go_report_read(FILE *f, struct gc_go_report *ret)
{
	struct reader rd = {.f = f};
	int r;

	flockfile(f);
	r = read_records(&rd);
	funlockfile(f);
	free(rd.line);
	if (r == -EBADMSG && gc_go_report_note(&rd.report,
					       "the stored goroutines are damaged at line %zu: %s; "
					       "only what comes before is shown",
					       rd.line_no, rd.damage) < 0)
		r = -ENOMEM;
	if (r == -ENOMEM) {
		gc_go_report_free(&rd.report);
		return r;
	}
	*ret = rd.report;
	return r;
}

/* ---- text ---- */

static const char *status_word(const struct gc_goroutine *g)
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

static const char *or_unknown(const char *s)
{
	return s ? s : "?";
}

/* Each line of text, prefix first. */
static void print_prefixed(FILE *out, const char *prefix, const char *text)
{
	for (const char *p = text;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		fputs(prefix, out);
		fwrite(p, 1, len, out);
		fputc('\n', out);
		if (!nl || nl[1] == '\0')
			break;
		p = nl + 1;
	}
}

static void print_line(FILE *out, const char *text)
{
	size_t len = strlen(text);

	fputs(text, out);
	if (len == 0 || text[len - 1] != '\n')
		fputc('\n', out);
}

/* The offset the runtime prints: pc - entry for a physical frame past its entry. */
static uint64_t frame_offset(const struct gc_go_frame *f)
{
	return !f->inlined && f->pc > f->entry ? f->pc - f->entry : 0;
}

/* One rune as printquoted() prints it: the escapes of Go, or \x, \u or \U and hex digits. */
static void print_quoted_rune(FILE *out, uint32_t c)
{
	if (c == '\n')
		fputs("\\n", out);
	else if (c == '\r')
		fputs("\\r", out);
	else if (c == '\t')
		fputs("\\t", out);
	else if (c == '\\' || c == '"')
		fprintf(out, "\\%c", (int)c);
	else if (c >= ' ' && c <= '~')
		fputc((int)c, out);
	else if (c < 127)
		fprintf(out, "\\x%02" PRIx32, c);
	else if (c < 0x10000)
		fprintf(out, "\\u%04" PRIx32, c);
	else
		fprintf(out, "\\U%08" PRIx32, c);
}

/* The runtime's print(quoted(s)): in double quotes, only printable ASCII as it is. A byte that
 * is not UTF-8 is U+FFFD to 1.26's range loop; 1.27 shows it as \xNN. */
static void print_quoted(FILE *out, unsigned minor, const char *s, size_t len)
{
	fputc('"', out);
	while (len > 0) {
		uint32_t c = 0xfffd;
		size_t n = gc_utf8_sequence(s, len, &c);

		if (n == 0 && minor >= 27)
			fprintf(out, "\\x%02x", (unsigned char)*s);
		else
			print_quoted_rune(out, c);
		n = MAX(n, (size_t)1);
		s += n, len -= n;
	}
	fputc('"', out);
}

/* 1.27's tracebackStringNeedsQuoting: anything but letters, digits, '.', '/' and '_'. */
static bool label_needs_quoting(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '/' || s[i] == '_'))
			return true;
	return false;
}

static void print_label_string(FILE *out, unsigned minor, const char *s, size_t len)
{
	if (minor >= 27 && !label_needs_quoting(s, len))
		fwrite(s, 1, len, out);
	else
		print_quoted(out, minor, s, len);
}

/* The end of the header: 1.26 puts the labels in the brackets as labels:{"k": "v"}, 1.27
 * after them as {k: v}, quoting only what needs it. */
static void print_header_end(FILE *out, const struct gc_go_report *report,
			     const struct gc_goroutine *g)
{
	bool labels = report->labels_shown && g->n_labels > 0;
	bool after = report->go_minor >= 27;

	if (labels)
		fputs(after ? "] {" : " labels:{", out);
	for (size_t i = 0; labels && i < g->n_labels; i++) {
		const struct gc_go_label *l = &g->labels[i];

		print_label_string(out, report->go_minor, l->key, l->key_len);
		fputs(": ", out);
		print_label_string(out, report->go_minor, l->value, l->value_len);
		if (i + 1 < g->n_labels)
			fputs(", ", out);
	}
	if (labels)
		fputs(after ? "}:\n" : "}]:\n", out);
	else
		fputs("]:\n", out);
}

static void print_header(FILE *out, const struct gc_go_report *report, const struct gc_goroutine *g)
{
	unsigned minor = report->go_minor;

	fprintf(out, "goroutine %" PRId64, g->id);
	/* 1.22+ in crash mode (and for the throwing goroutine). */
	if (minor >= 22) {
		fprintf(out, " gp=0x%" PRIx64, g->gp);
		if (g->mp)
			fprintf(out, " m=%" PRId64 " mp=0x%" PRIx64, g->m_id, g->mp);
		else
			fputs(" m=nil", out);
	}
	fprintf(out, " [%s", status_word(g));
	if (g->scan)
		fputs(" (scan)", out);
	if (g->durable && !gc_ends_with(status_word(g), "(durable)"))
		fputs(" (durable)", out);
	if (g->wait_minutes >= 1)
		fprintf(out, ", %" PRId64 " minutes", g->wait_minutes);
	if (g->locked)
		fputs(", locked to thread", out);
	if (g->synctest_group != 0)
		fprintf(out,
			minor >= 25 ? ", synctest bubble %" PRId64 : ", synctest group %" PRId64,
			g->synctest_group);
	print_header_end(out, report, g);
}

/* grouped: the frame stands for several goroutines, so what differs between them (arguments,
 * fp, sp) is left out. */
static void print_frame(FILE *out, const struct gc_go_frame *f, bool grouped)
{
	fputs(or_unknown(f->func), out);
	if (f->inlined || grouped)
		fputs("(...)", out);
	else
		fprintf(out, "(%s)", f->args ? f->args : "...");
	fprintf(out, "\n\t%s:%" PRId32, or_unknown(f->file), f->line);
	if (frame_offset(f) > 0)
		fprintf(out, " +0x%" PRIx64, frame_offset(f));
	if (!f->inlined && !grouped)
		fprintf(out, " fp=0x%" PRIx64 " sp=0x%" PRIx64 " pc=0x%" PRIx64, f->fp, f->sp,
			f->pc);
	fputc('\n', out);
}

/* 1.19, 1.20: gentraceback stops after 100 physical frames (a physical frame's inlined frames
 * print before it), then traceback1 compares the number of frames printed, inlined ones
 * included, with 100. So an inlined frame among them hides the message, and a stack of just
 * 100 frames shows it: both as the runtime does. */
static void print_frames_old(FILE *out, const struct gc_goroutine *g, bool grouped)
{
	size_t printed = 0, physical = 0;

	for (; printed < g->n_frames && physical < OLD_MAX_FRAMES; printed++) {
		print_frame(out, &g->frames[printed], grouped);
		if (!g->frames[printed].inlined)
			physical++;
	}
	if (printed == OLD_MAX_FRAMES)
		fputs("...additional frames elided...\n", out);
}

/* The extractor kept only what the runtime prints: the mark goes where it left frames out. */
static void print_frames_kept(FILE *out, const struct gc_goroutine *g, bool grouped)
{
	size_t at = MIN(g->elided_at, g->n_frames);

	for (size_t i = 0; i < at; i++)
		print_frame(out, &g->frames[i], grouped);
	fprintf(out, "...%" PRId64 " frames elided...\n", g->elided);
	for (size_t i = at; i < g->n_frames; i++)
		print_frame(out, &g->frames[i], grouped);
}

/* Complete stacks, 1.21+: logical frames (inlined ones count) from both ends, the middle
 * elided when more than 100. A stack the extractor cut short with elided = -1 (1.19, 1.20)
 * goes through print_frames_old(), which then prints the message just when the runtime
 * would have. */
static void print_frames(FILE *out, unsigned minor, const struct gc_goroutine *g, bool grouped)
{
	size_t n = g->n_frames;

	if (g->elided > 0) {
		print_frames_kept(out, g, grouped);
		return;
	}
	if (minor < 21) {
		print_frames_old(out, g, grouped);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (n > INNER_FRAMES + OUTER_FRAMES && i == INNER_FRAMES) {
			fprintf(out, "...%zu frames elided...\n", n - INNER_FRAMES - OUTER_FRAMES);
			i = n - OUTER_FRAMES;
		}
		print_frame(out, &g->frames[i], grouped);
	}
}

static void print_created_by(FILE *out, unsigned minor, const struct gc_goroutine *g,
			     bool with_parent)
{
	if (!g->created_by)
		return;
	fprintf(out, "created by %s", g->created_by);
	if (minor >= 21 && with_parent && g->parent_id != 0)
		fprintf(out, " in goroutine %" PRId64, g->parent_id);
	fprintf(out, "\n\t%s:%" PRId32, or_unknown(g->created_file), g->created_line);
	if (g->created_off > 0)
		fprintf(out, " +0x%" PRIx64, g->created_off);
	fputc('\n', out);
}

/* Without frames the note stands where the runtime says "goroutine running on other thread;
 * stack unavailable"; after frames it is ours, so it says so with "# ". */
static void print_body(FILE *out, unsigned minor, const struct gc_goroutine *g, bool grouped,
		       bool with_parent)
{
	if (g->n_frames == 0 && g->note) {
		print_prefixed(out, "\t", g->note);
	} else {
		print_frames(out, minor, g, grouped);
		if (g->note)
			print_prefixed(out, "# ", g->note);
	}
	print_created_by(out, minor, g, with_parent);
}

static void print_goroutine(FILE *out, const struct gc_go_report *report,
			    const struct gc_goroutine *g)
{
	fputc('\n', out);
	print_header(out, report, g);
	print_body(out, report->go_minor, g, false, true);
}

/* ---- grouping ---- */

struct group {
	size_t first, last, count; /* goroutine indexes; members chain through next[] */
	uint64_t hash;
	int64_t min_minutes, max_minutes;
	bool crashed, same_parent;
};

struct grouping {
	struct group *groups;
	size_t n_groups;
	size_t *next; /* the next member of the same group, SIZE_MAX after the last */
};

static void grouping_done(struct grouping *gr)
{
	free(gr->groups);
	free(gr->next);
}

/* What makes two stacks the same: the status word, the lock, the frames (function, file,
 * line, offset, inlined), the creator and the note. Arguments, fp, sp and ids do not count. */
static uint64_t stack_hash(const struct gc_goroutine *g)
{
	uint64_t h = FNV_OFFSET;

	h = hash_u64(hash_string(h, status_word(g)), g->locked);
	h = hash_u64(hash_u64(hash_u64(h, g->n_frames), (uint64_t)g->elided), g->elided_at);
	for (size_t i = 0; i < g->n_frames; i++) {
		const struct gc_go_frame *f = &g->frames[i];

		h = hash_string(hash_string(h, f->func), f->file);
		h = hash_u64(hash_u64(hash_u64(h, (uint64_t)f->line), f->inlined), frame_offset(f));
	}
	h = hash_string(hash_string(h, g->created_by), g->created_file);
	h = hash_u64(hash_u64(h, (uint64_t)g->created_line), g->created_off);
	return hash_string(h, g->note);
}

static bool same_string(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_frame(const struct gc_go_frame *a, const struct gc_go_frame *b)
{
	return a->line == b->line && a->inlined == b->inlined &&
	       frame_offset(a) == frame_offset(b) && same_string(a->func, b->func) &&
	       same_string(a->file, b->file);
}

static bool same_stack(const struct gc_goroutine *a, const struct gc_goroutine *b)
{
	if (a->n_frames != b->n_frames || a->elided != b->elided || a->elided_at != b->elided_at ||
	    a->locked != b->locked || a->durable != b->durable ||
	    a->synctest_group != b->synctest_group || a->created_line != b->created_line ||
	    a->created_off != b->created_off || !same_string(status_word(a), status_word(b)) ||
	    !same_string(a->created_by, b->created_by) ||
	    !same_string(a->created_file, b->created_file) || !same_string(a->note, b->note))
		return false;
	for (size_t i = 0; i < a->n_frames; i++)
		if (!same_frame(&a->frames[i], &b->frames[i]))
			return false;
	return true;
}

static void group_add(struct grouping *gr, struct group *grp, const struct gc_go_report *report,
		      size_t index)
{
	const struct gc_goroutine *g = &report->goroutines[index];

	gr->next[index] = SIZE_MAX;
	if (grp->count++ == 0) {
		grp->first = index;
		grp->min_minutes = grp->max_minutes = g->wait_minutes;
		grp->same_parent = true;
	} else {
		gr->next[grp->last] = index;
		grp->min_minutes = MIN(grp->min_minutes, g->wait_minutes);
		grp->max_minutes = MAX(grp->max_minutes, g->wait_minutes);
		grp->same_parent =
		    grp->same_parent && g->parent_id == report->goroutines[grp->first].parent_id;
	}
	grp->last = index;
	grp->crashed = grp->crashed || g->crashed;
}

/* The crashing goroutine's group first: it is why there is a report. Then the largest, and
 * among equals the one seen first. */
static int compare_groups(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->crashed != y->crashed)
		return x->crashed ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* One pass with an open-addressing table of groups keyed by stack_hash(). */
static int group_goroutines(const struct gc_go_report *report, struct grouping *gr)
{
	size_t n = report->n_goroutines, table_size = 16;
	_cleanup_free_ size_t *table = NULL; /* group index + 1, 0 when free */

	while (table_size < 2 * n)
		table_size *= 2;
	table = calloc(table_size, sizeof(*table));
	gr->groups = calloc(MAX(n, (size_t)1), sizeof(*gr->groups));
	gr->next = calloc(MAX(n, (size_t)1), sizeof(*gr->next));
	if (!table || !gr->groups || !gr->next)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint64_t h = stack_hash(&report->goroutines[i]);
		size_t slot = h & (table_size - 1);
		struct group *grp;

		for (;; slot = (slot + 1) & (table_size - 1)) {
			if (table[slot] == 0) {
				grp = &gr->groups[gr->n_groups++];
				grp->hash = h;
				table[slot] = gr->n_groups;
				break;
			}
			grp = &gr->groups[table[slot] - 1];
			if (grp->hash == h &&
			    same_stack(&report->goroutines[i], &report->goroutines[grp->first]))
				break;
		}
		group_add(gr, grp, report, i);
	}
	qsort(gr->groups, gr->n_groups, sizeof(*gr->groups), compare_groups);
	return 0;
}

/* The header of a group of more than one goroutine:
 *   N goroutines: goroutine ID, ID, ... [STATUS]:
 * at most 10 ids, then ", ..."; STATUS is the status word, then ", M minutes" (or ", M-K
 * minutes", the shortest and the longest wait) when some waited a minute or more, then
 * ", locked to thread" and the synctest bubble, as in a goroutine's header. */
#define GROUP_MAX_IDS 10
static void print_group_header(FILE *out, const struct gc_go_report *report,
			       const struct grouping *gr, const struct group *grp)
{
	const struct gc_goroutine *first = &report->goroutines[grp->first];
	size_t shown = 0;

	fprintf(out, "%zu goroutines: goroutine ", grp->count);
	for (size_t i = grp->first; i != SIZE_MAX && shown < GROUP_MAX_IDS; i = gr->next[i])
		fprintf(out, "%s%" PRId64, shown++ ? ", " : "", report->goroutines[i].id);
	if (grp->count > GROUP_MAX_IDS)
		fputs(", ...", out);
	fprintf(out, " [%s", status_word(first));
	if (first->durable && !gc_ends_with(status_word(first), "(durable)"))
		fputs(" (durable)", out);
	if (grp->max_minutes >= 1 && grp->min_minutes == grp->max_minutes)
		fprintf(out, ", %" PRId64 " minutes", grp->max_minutes);
	else if (grp->max_minutes >= 1)
		fprintf(out, ", %" PRId64 "-%" PRId64 " minutes", grp->min_minutes,
			grp->max_minutes);
	if (first->locked)
		fputs(", locked to thread", out);
	if (first->synctest_group != 0)
		fprintf(out,
			report->go_minor >= 25 ? ", synctest bubble %" PRId64
					       : ", synctest group %" PRId64,
			first->synctest_group);
	fputs("]:\n", out);
}

static void print_groups(FILE *out, const struct gc_go_report *report, const struct grouping *gr)
{
	for (size_t i = 0; i < gr->n_groups; i++) {
		const struct group *grp = &gr->groups[i];
		const struct gc_goroutine *first = &report->goroutines[grp->first];

		if (grp->count == 1) {
			print_goroutine(out, report, first);
			continue;
		}
		fputc('\n', out);
		print_group_header(out, report, gr, grp);
		print_body(out, report->go_minor, first, true, grp->same_parent);
	}
}

static void print_notes(FILE *out, const struct gc_go_report *report)
{
	if (report->n_notes == 0)
		return;
	fputc('\n', out);
	for (size_t i = 0; i < report->n_notes; i++)
		print_prefixed(out, "# ", report->notes[i]);
}

void gc_go_report_print_text(const struct gc_go_report *report, const struct gc_go_render *opts,
			     FILE *out)
{
	const struct gc_go_render defaults = {};
	struct grouping gr = {};

	if (!opts)
		opts = &defaults;
	if (report->reason)
		print_line(out, report->reason);
	if (report->signal)
		print_line(out, report->signal);
	if (opts->crashed_only) {
		const struct gc_goroutine *g = gc_go_report_crashed(report);

		if (g)
			print_goroutine(out, report, g);
		else
			fputs("\n# which goroutine crashed is not known\n", out);
	} else if (opts->group && group_goroutines(report, &gr) >= 0) {
		print_groups(out, report, &gr);
	} else {
		if (opts->group)
			fputs("\n# out of memory to group the goroutines\n", out);
		for (size_t i = 0; i < report->n_goroutines; i++)
			print_goroutine(out, report, &report->goroutines[i]);
	}
	grouping_done(&gr);
	print_notes(out, report);
}

/* ---- JSON ---- */

static void json_key(FILE *out, const char *key)
{
	fprintf(out, ",\"%s\":", key);
}

static void json_addr(FILE *out, const char *key, uint64_t address, bool zero_is_null)
{
	json_key(out, key);
	if (zero_is_null && address == 0)
		fputs("null", out);
	else
		fprintf(out, "\"0x%" PRIx64 "\"", address);
}

static void json_id(FILE *out, const char *key, int64_t id, int64_t none)
{
	json_key(out, key);
	if (id == none)
		fputs("null", out);
	else
		fprintf(out, "%" PRId64, id);
}

static void json_frames(FILE *out, const struct gc_goroutine *g, bool grouped)
{
	fputs(",\"frames\":[", out);
	for (size_t i = 0; i < g->n_frames; i++) {
		const struct gc_go_frame *f = &g->frames[i];

		fputs(i ? ",{\"func\":" : "{\"func\":", out);
		gc_json_string(out, f->func);
		json_key(out, "file"), gc_json_string(out, f->file);
		fprintf(out, ",\"line\":%" PRId32 ",\"inlined\":%s", f->line,
			f->inlined ? "true" : "false");
		json_addr(out, "pc", f->pc, false);
		fprintf(out, ",\"offset\":%" PRIu64, frame_offset(f));
		if (!grouped) {
			json_addr(out, "sp", f->sp, false);
			json_addr(out, "fp", f->fp, false);
			json_key(out, "args"), gc_json_string(out, f->args);
		}
		fputc('}', out);
	}
	fputc(']', out);
}

static void json_created_by(FILE *out, const struct gc_goroutine *g)
{
	json_key(out, "created_by");
	if (!g->created_by) {
		fputs("null", out);
		return;
	}
	fputs("{\"func\":", out);
	gc_json_string(out, g->created_by);
	json_key(out, "file"), gc_json_string(out, g->created_file);
	fprintf(out, ",\"line\":%" PRId32 ",\"offset\":%" PRIu64 "}", g->created_line,
		g->created_off);
}

/* elided: frames left out of "frames" (-1: an unknown number after them), elided_at: where. */
static void json_elided(FILE *out, const struct gc_goroutine *g)
{
	fprintf(out, ",\"elided\":%" PRId64, g->elided);
	json_key(out, "elided_at");
	if (g->elided > 0)
		fprintf(out, "%zu", MIN(g->elided_at, g->n_frames));
	else
		fputs("null", out);
}

/* {"key": "value", ...} in the label set's order, null when there are none. */
static void json_labels(FILE *out, const struct gc_goroutine *g)
{
	json_key(out, "labels");
	if (g->n_labels == 0) {
		fputs("null", out);
		return;
	}
	for (size_t i = 0; i < g->n_labels; i++) {
		fputc(i ? ',' : '{', out);
		gc_json_bytes(out, g->labels[i].key, g->labels[i].key_len);
		fputc(':', out);
		gc_json_bytes(out, g->labels[i].value, g->labels[i].value_len);
	}
	fputc('}', out);
}

static void json_goroutine(FILE *out, const struct gc_goroutine *g)
{
	fprintf(out, "{\"id\":%" PRId64, g->id);
	json_key(out, "status"), gc_json_string(out, status_word(g));
	fprintf(out,
		",\"status_code\":%" PRIu32 ",\"scan\":%s,\"wait_minutes\":%" PRId64
		",\"locked\":%s,\"crashed\":%s,\"durable\":%s",
		g->status, g->scan ? "true" : "false", g->wait_minutes,
		g->locked ? "true" : "false", g->crashed ? "true" : "false",
		g->durable ? "true" : "false");
	json_id(out, "thread", g->thread, 0);
	json_addr(out, "gp", g->gp, false);
	json_addr(out, "mp", g->mp, true);
	json_id(out, "m", g->m_id < 0 ? -1 : g->m_id, -1);
	json_id(out, "parent", g->parent_id, 0);
	json_id(out, "synctest_group", g->synctest_group, 0);
	json_labels(out, g);
	json_created_by(out, g);
	json_elided(out, g);
	json_frames(out, g, false);
	json_key(out, "note"), gc_json_string(out, g->note);
	fputc('}', out);
}

static void json_group(FILE *out, const struct gc_go_report *report, const struct grouping *gr,
		       const struct group *grp)
{
	const struct gc_goroutine *first = &report->goroutines[grp->first];

	fprintf(out, "{\"count\":%zu,\"ids\":[", grp->count);
	for (size_t i = grp->first; i != SIZE_MAX; i = gr->next[i])
		fprintf(out, "%s%" PRId64, i == grp->first ? "" : ",", report->goroutines[i].id);
	fputc(']', out);
	json_key(out, "status"), gc_json_string(out, status_word(first));
	fprintf(out,
		",\"locked\":%s,\"crashed\":%s,\"wait_minutes_min\":%" PRId64
		",\"wait_minutes_max\":%" PRId64,
		first->locked ? "true" : "false", grp->crashed ? "true" : "false", grp->min_minutes,
		grp->max_minutes);
	json_created_by(out, first);
	json_elided(out, first);
	json_frames(out, first, true);
	json_key(out, "note"), gc_json_string(out, first->note);
	fputc('}', out);
}

static void json_goroutines(FILE *out, const struct gc_go_report *report,
			    const struct gc_go_render *opts)
{
	const struct gc_goroutine *crashed = gc_go_report_crashed(report);
	struct grouping gr = {};

	if (opts->group && !opts->crashed_only && group_goroutines(report, &gr) >= 0) {
		fputs(",\"groups\":[", out);
		for (size_t i = 0; i < gr.n_groups; i++) {
			if (i)
				fputc(',', out);
			json_group(out, report, &gr, &gr.groups[i]);
		}
	} else {
		fputs(",\"goroutines\":[", out);
		for (size_t i = 0, n = 0; i < report->n_goroutines; i++) {
			const struct gc_goroutine *g = &report->goroutines[i];

			if (opts->crashed_only && g != crashed)
				continue;
			if (n++)
				fputc(',', out);
			json_goroutine(out, g);
		}
	}
	fputc(']', out);
	grouping_done(&gr);
}

void gc_go_report_print_json(const struct gc_go_report *report, const struct gc_go_render *opts,
			     FILE *out)
{
	const struct gc_go_render defaults = {};

	if (!opts)
		opts = &defaults;
	fputs("{\"go_version\":", out);
	gc_json_string(out, report->go_version);
	json_key(out, "reason"), gc_json_string(out, report->reason);
	json_key(out, "signal"), gc_json_string(out, report->signal);
	json_key(out, "signature"), gc_json_string(out, report->signature);
	fprintf(out, ",\"goroutines_total\":%" PRId64 ",\"labels_shown\":%s",
		report->n_goroutines_total, report->labels_shown ? "true" : "false");
	json_goroutines(out, report, opts);
	fputs(",\"notes\":[", out);
	for (size_t i = 0; i < report->n_notes; i++) {
		if (i)
			fputc(',', out);
		gc_json_string(out, report->notes[i]);
	}
	fputs("]}", out);
}

/* ---- journal ---- */

char *gc_go_report_crashed_stack(const struct gc_go_report *report, size_t max_frames)
{
	const struct gc_goroutine *g = gc_go_report_crashed(report);
	char *text = NULL;
	size_t size = 0;
	FILE *f;
	bool failed;

	if (!g || g->n_frames == 0 || max_frames == 0)
		return NULL;
	f = open_memstream(&text, &size);
	if (!f)
		return NULL;
	for (size_t i = 0; i < MIN(g->n_frames, max_frames); i++)
		fprintf(f, "%s%s (%s:%" PRId32 ")", i ? "\n" : "", or_unknown(g->frames[i].func),
			or_unknown(g->frames[i].file), g->frames[i].line);
	failed = ferror(f);
	if (fclose(f) != 0 || failed) {
		free(text);
		return NULL;
	}
	return text;
}
