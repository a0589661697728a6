/* SPDX-License-Identifier: MIT */
/* What the root side makes of the analysis child's output (gc_analysis_merge()): the child
 * read the crashed process's core, so its output text is the crashed process's to choose.
 * The input is that text, merged into two metas as capture builds them: one where /proc and
 * the kernel gave everything, one where they gave little. The merge must not touch what the
 * capture knew (only the analysis' fields, its gaps and the truncation may change), and the
 * merged meta must format to text that parses back and formats the same. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A Go crash's meta before the analysis, as gocrashd wrote it for tests/data/go's core. */
static const char full_base[] =
    "id=20261203-181301-99999\ntime_usec=1796321581126016\npid=99999\nuid=1000\ngid=1000\n"
    "signal=6\ndump_mode=1\neuid=1000\negid=1000\nat_secure=0\ncore_pipe_limit=16\n"
    "comm=prog\nexe=/usr/local/bin/prog\ncmdline=./prog panic\n"
    "build_id=hBYMyGapGVeUAKlF9nda/vDYSp93GMVqbYmOs0q6N/D6HlDQ6ZFKOcADBbNdUu\n"
    "core_size=40591360\nstored_size=44720\ncore_stored=1\ntruncated=0\n"
    "core_error=the core ends early\ngo=1\ngo_version=go1.22.12\nlater_key=kept\n";
/* What a capture knows when /proc was gone: the kernel's arguments only. */
static const char sparse_base[] = "id=20261203-181301-4242\npid=0\nuid=-1\ngid=-1\nsignal=0\n"
				  "core_size=4096\ncore_stored=1\ntruncated=0\n";

static char *format(const struct gc_meta *m)
{
	char *text = NULL;

	if (gc_meta_format(m, &text) < 0)
		abort();
	return text;
}

static void parse(const char *text, struct gc_meta *m)
{
	if (gc_meta_parse(text, strlen(text), m) < 0)
		abort();
}

/* A value the capture did not know, which the core's notes may fill (analyze.c, fill_gaps). */
static bool is_gap(const struct gc_meta *m, size_t field)
{
	const char *s;

	switch (field) {
	case GC_META_pid:
	case GC_META_signal:
		return field == GC_META_pid ? m->pid <= 0 : m->signal <= 0;
	case GC_META_uid:
	case GC_META_gid:
		return field == GC_META_uid ? m->uid < 0 : m->gid < 0;
	case GC_META_comm:
	case GC_META_cmdline:
		s = field == GC_META_comm ? m->comm : m->cmdline;
		return !s || !*s;
	default:
		return false;
	}
}

static bool may_change(const struct gc_meta *before, size_t field)
{
	return gc_meta_fields[field].stage == GC_META_STAGE_ANALYSIS ||
	       field == GC_META_truncated || field == GC_META_truncated_reason ||
	       is_gap(before, field);
}

/* Every field the capture had keeps its value; the merged meta round-trips. */
static void check(const struct gc_meta *before, const struct gc_meta *after)
{
	struct gc_meta back = {};
	char *text, *again;

	for (size_t i = 0; i < GC_META_N_FIELDS; i++) {
		char buf_before[GC_META_TEXT_MAX], buf_after[GC_META_TEXT_MAX];
		const char *was = gc_meta_text(before, i, buf_before);
		const char *is = gc_meta_text(after, i, buf_after);

		if (was && !may_change(before, i) && (!is || strcmp(was, is) != 0))
			abort();
	}
	if (after->n_unknown != before->n_unknown)
		abort();
	text = format(after);
	parse(text, &back);
	again = format(&back);
	if (strcmp(text, again) != 0)
		abort();
	free(text);
	free(again);
	gc_meta_free(&back);
}

static void merge_into(const char *base, const char *output)
{
	struct gc_meta before = {}, after = {};

	parse(base, &before);
	parse(base, &after);
	gc_analysis_merge(&after, output);
	check(&before, &after);
	gc_meta_free(&before);
	gc_meta_free(&after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *output = malloc(size + 1);

	if (!output)
		abort();
	memcpy(output, data, size);
	output[size] = '\0'; /* the parent reads the child's output as a C string */
	merge_into(full_base, output);
	merge_into(sparse_base, output);
	free(output);
	return 0;
}
