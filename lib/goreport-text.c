/* SPDX-License-Identifier: MIT */
/* The Go report as the runtime's own traceback text (GOTRACEBACK=crash), grouped or not, and
 * the crashing goroutine's stack in short for the journal. */
#include "goreport.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "goreport-internal.h"
#include "macro.h"
#include "util.h"

/* What the runtime prints: 1.19 and 1.20 stop after 100 physical frames; 1.21 and later
 * print the innermost and the outermost 50 logical frames. */
#define OLD_MAX_FRAMES 100
#define INNER_FRAMES   50
#define OUTER_FRAMES   50

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
		s += n;
		len -= n;
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
	fprintf(out, " [%s", gc_go_status_word(g));
	if (g->scan)
		fputs(" (scan)", out);
	if (g->durable && !gc_ends_with(gc_go_status_word(g), "(durable)"))
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
	if (gc_go_frame_offset(f) > 0)
		fprintf(out, " +0x%" PRIx64, gc_go_frame_offset(f));
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

/* The header of a group of more than one goroutine:
 *   N goroutines: goroutine ID, ID, ... [STATUS]:
 * at most 10 ids, then ", ..."; STATUS is the status word, then ", M minutes" (or ", M-K
 * minutes", the shortest and the longest wait) when some waited a minute or more, then
 * ", locked to thread" and the synctest bubble, as in a goroutine's header. */
#define GROUP_MAX_IDS 10
static void print_group_header(FILE *out, const struct gc_go_report *report,
			       const struct gc_go_grouping *gr, const struct gc_go_group *grp)
{
	const struct gc_goroutine *first = &report->goroutines[grp->first];
	size_t shown = 0;

	fprintf(out, "%zu goroutines: goroutine ", grp->count);
	for (size_t i = grp->first; i != SIZE_MAX && shown < GROUP_MAX_IDS; i = gr->next[i])
		fprintf(out, "%s%" PRId64, shown++ ? ", " : "", report->goroutines[i].id);
	if (grp->count > GROUP_MAX_IDS)
		fputs(", ...", out);
	fprintf(out, " [%s", gc_go_status_word(first));
	if (first->durable && !gc_ends_with(gc_go_status_word(first), "(durable)"))
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

static void print_groups(FILE *out, const struct gc_go_report *report,
			 const struct gc_go_grouping *gr)
{
	for (size_t i = 0; i < gr->n_groups; i++) {
		const struct gc_go_group *grp = &gr->groups[i];
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
	struct gc_go_grouping gr = {};

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
	} else if (opts->group && gc_go_group(report, &gr) >= 0) {
		print_groups(out, report, &gr);
	} else {
		if (opts->group)
			fputs("\n# out of memory to group the goroutines\n", out);
		for (size_t i = 0; i < report->n_goroutines; i++)
			print_goroutine(out, report, &report->goroutines[i]);
	}
	gc_go_grouping_done(&gr);
	print_notes(out, report);
}

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
