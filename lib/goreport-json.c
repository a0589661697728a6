/* SPDX-License-Identifier: MIT */
/* The Go report as JSON, for gocrashctl --json. */
#include "goreport.h"

#include <inttypes.h>

#include "goreport-internal.h"
#include "json.h"
#include "macro.h"

static void json_key(FILE *out, const char *key)
{
	fprintf(out, ",\"%s\":", key);
}

static void json_string_field(FILE *out, const char *key, const char *value)
{
	json_key(out, key);
	gc_json_string(out, value);
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
		json_string_field(out, "file", f->file);
		fprintf(out, ",\"line\":%" PRId32 ",\"inlined\":%s", f->line,
			f->inlined ? "true" : "false");
		json_addr(out, "pc", f->pc, false);
		fprintf(out, ",\"offset\":%" PRIu64, gc_go_frame_offset(f));
		if (!grouped) {
			json_addr(out, "sp", f->sp, false);
			json_addr(out, "fp", f->fp, false);
			json_string_field(out, "args", f->args);
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
	json_string_field(out, "file", g->created_file);
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
	json_string_field(out, "status", gc_go_status_word(g));
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
	json_string_field(out, "note", g->note);
	fputc('}', out);
}

static void json_group(FILE *out, const struct gc_go_report *report,
		       const struct gc_go_grouping *gr, const struct gc_go_group *grp)
{
	const struct gc_goroutine *first = &report->goroutines[grp->first];

	fprintf(out, "{\"count\":%zu,\"ids\":[", grp->count);
	for (size_t i = grp->first; i != SIZE_MAX; i = gr->next[i])
		fprintf(out, "%s%" PRId64, i == grp->first ? "" : ",", report->goroutines[i].id);
	fputc(']', out);
	json_string_field(out, "status", gc_go_status_word(first));
	fprintf(out,
		",\"locked\":%s,\"crashed\":%s,\"wait_minutes_min\":%" PRId64
		",\"wait_minutes_max\":%" PRId64,
		first->locked ? "true" : "false", grp->crashed ? "true" : "false", grp->min_minutes,
		grp->max_minutes);
	json_created_by(out, first);
	json_elided(out, first);
	json_frames(out, first, true);
	json_string_field(out, "note", first->note);
	fputc('}', out);
}

static void json_goroutines(FILE *out, const struct gc_go_report *report,
			    const struct gc_go_render *opts)
{
	const struct gc_goroutine *crashed = gc_go_report_crashed(report);
	struct gc_go_grouping gr = {};

	if (opts->group && !opts->crashed_only && gc_go_group(report, &gr) >= 0) {
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
	gc_go_grouping_done(&gr);
}

void gc_go_report_print_json(const struct gc_go_report *report, const struct gc_go_render *opts,
			     FILE *out)
{
	const struct gc_go_render defaults = {};

	if (!opts)
		opts = &defaults;
	fputs("{\"go_version\":", out);
	gc_json_string(out, report->go_version);
	json_string_field(out, "reason", report->reason);
	json_string_field(out, "signal", report->signal);
	json_string_field(out, "signature", report->signature);
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
