/* SPDX-License-Identifier: MIT */
#include "analyze.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfcore.h"
#include "macro.h"
#include "memview.h"
#include "util.h"
#include "zseek.h"

static void zreader_freep(struct gc_zreader **reader)
{
	gc_zreader_free(*reader);
}

static void parser_freep(struct gc_core_parser **parser)
{
	gc_core_parser_free(*parser);
}

static void set_number(struct gc_meta *m, const char *key, uint64_t value, bool hex)
{
	char text[32];

	snprintf(text, sizeof(text), hex ? "0x%" PRIx64 : "%" PRIu64, value);
	gc_meta_set_extra(m, key, text);
}

/* The notes, as extras of a meta whose only purpose is to carry them to the parent. */
static void describe_notes(const struct gc_core_info *info, struct gc_meta *m)
{
	set_number(m, "core_expected_size", info->expected_size, false);
	set_number(m, "core_threads", info->n_threads, false);
	if (info->have_prpsinfo) {
		gc_meta_set_extra(m, "core_comm", info->fname);
		gc_meta_set_extra(m, "core_cmdline", info->psargs);
		set_number(m, "core_pid", (uint64_t)info->pid, false);
		set_number(m, "core_uid", info->uid, false);
		set_number(m, "core_gid", info->gid, false);
	}
	if (info->n_threads > 0)
		set_number(m, "core_signal", (uint64_t)info->threads[0].cursig, false);
	if (info->have_siginfo) {
		set_number(m, "fault_signal", (uint64_t)info->si_signo, false);
		set_number(m, "fault_code", (uint64_t)(int64_t)info->si_code, false);
		set_number(m, "fault_addr", info->fault_addr, true);
	}
}

static int write_meta(const struct gc_meta *m, int out_fd)
{
	_cleanup_free_ char *text = NULL;
	int r = gc_meta_format(m, &text);

	return r < 0 ? r : gc_write_all(out_fd, text, strlen(text));
}

int gc_analyze_stored_core(int core_fd, int exe_fd, int out_fd)
{
	_cleanup_(zreader_freep) struct gc_zreader *reader = NULL;
	_cleanup_(parser_freep) struct gc_core_parser *parser = NULL;
	struct gc_meta m = {.id = (char *)"analysis"};
	char error[256];
	int r;

	r = gc_zreader_open(core_fd, &reader);
	if (r >= 0)
		r = gc_core_parser_new(&parser);
	if (r < 0) {
		snprintf(error, sizeof(error), "the stored core cannot be read: %s", strerror(-r));
		m.core_error = error;
		write_meta(&m, out_fd);
		return r;
	}
	r = gc_core_parse_headers(reader, parser);
	/* Not an ELF core is a finding; anything else (no memory, a corrupt frame) means the
	 * analysis itself failed, and the parent must not take silence for a clean core. */
	if (r < 0 && r != -EBADMSG)
		return r;
	const struct gc_core_info *info = gc_core_parser_info(parser);
	m.core_error = info->error;
	if (r >= 0 || info->is_elf)
		describe_notes(info, &m);
	r = write_meta(&m, out_fd);
	m.id = NULL;
	m.core_error = NULL;
	gc_meta_free(&m);
	return r;
}

static bool extra_number(const struct gc_meta *m, const char *key, int64_t *ret)
{
	const char *text = gc_meta_get_extra(m, key);
	char *end;

	if (!text || !*text)
		return false;
	errno = 0;
	*ret = strtoll(text, &end, 10);
	return errno == 0 && *end == '\0';
}

static void fill_string(char **field, const struct gc_meta *a, const char *key)
{
	const char *value = gc_meta_get_extra(a, key);

	if ((!*field || !**field) && value && *value) {
		free(*field);
		*field = strdup(value);
	}
}

static void merge_short_core(struct gc_meta *meta, const struct gc_meta *a)
{
	int64_t expected;

	if (!extra_number(a, "core_expected_size", &expected) ||
	    (uint64_t)expected <= meta->core_size || meta->truncated)
		return;
	meta->truncated = true;
	free(meta->truncated_reason);
	if (asprintf(&meta->truncated_reason,
		     "the kernel sent %" PRIu64 " bytes of a core of %" PRId64, meta->core_size,
		     expected) < 0)
		meta->truncated_reason = NULL;
}

void gc_analysis_merge(struct gc_meta *meta, const char *output)
{
	static const char *const copied[] = {"core_threads", "fault_signal", "fault_code",
					     "fault_addr"};
	struct gc_meta a = {};
	int64_t value;

	if (gc_meta_parse(output, strlen(output), &a) < 0)
		return;
	if (a.core_error && !meta->core_error)
		meta->core_error = strdup(a.core_error);
	fill_string(&meta->comm, &a, "core_comm");
	fill_string(&meta->cmdline, &a, "core_cmdline");
	if (meta->pid <= 0 && extra_number(&a, "core_pid", &value))
		meta->pid = value;
	if (meta->uid < 0 && extra_number(&a, "core_uid", &value))
		meta->uid = value;
	if (meta->gid < 0 && extra_number(&a, "core_gid", &value))
		meta->gid = value;
	if (meta->signal <= 0 && extra_number(&a, "core_signal", &value))
		meta->signal = (int)value;
	merge_short_core(meta, &a);
	for (size_t i = 0; i < ELEMENTSOF(copied); i++) {
		const char *text = gc_meta_get_extra(&a, copied[i]);
		if (text)
			gc_meta_set_extra(meta, copied[i], text);
	}
	gc_meta_free(&a);
}
