/* SPDX-License-Identifier: MIT */
/* The Go report's stored form (STORE/ID/goroutines): its writer and its reader.
 *
 * Stored form, version 1: UTF-8 or not, one record per line, fields separated by a tab, the
 * first field names the record. Strings are escaped as the meta file's values are
 * (gc_line_escape(): \\ \t \n \r, and \0 for the NUL a label may hold), so that a field never
 * holds a raw tab or newline; a NULL string is the field \N, which no escaped string can be.
 * Numbers are decimal, addresses 0x-hex, booleans 0 or 1.
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
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "goreport-internal.h"
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

/* ---- writing ---- */

/* A field of len bytes at s; NULL is \N. */
static int put_bytes(FILE *f, const char *s, size_t len)
{
	putc_unlocked('\t', f);
	if (!s) {
		fputs_unlocked("\\N", f);
		return 0;
	}
	gc_line_escape(f, s, len);
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
	if (strcmp(s, "\\N") == 0)
		return NULL;
	return gc_line_unescape(s, strlen(s), s, ret_len) < 0 ? BAD_STRING : s;
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
		free(reason);
		free(signal);
		free(signature);
		return r;
	}
	/* A later report record replaces these fields only: what came before it (the
	 * goroutines, the notes, the names their frames point to) stays the report's. */
	free(report->go_version);
	free(report->reason);
	free(report->signal);
	free(report->signature);
	report->go_minor = minor;
	report->go_version = version;
	report->reason = reason;
	report->signal = signal;
	report->signature = signature;
	report->n_goroutines_total = total;
	report->labels_shown = labels_shown;
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
	free(g->created_by);
	free(g->created_file);
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
		gc_go_frame_free(&fr);
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
