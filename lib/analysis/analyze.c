/* SPDX-License-Identifier: MIT */
#include "analyze.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfcore.h"
#include "goanalyze.h"
#include "execheck.h"
#include "macro.h"
#include "memview.h"
#include "util.h"
#include "zfile.h"
#include "zseek.h"

/* The report is text that repeats itself: level 3 makes it ~30 times smaller, fast. */
#define REPORT_LEVEL 3

static void zreader_freep(struct gc_zreader **reader)
{
	gc_zreader_free(*reader);
}

static void memview_freep(struct gc_memview **view)
{
	gc_memview_free(*view);
}

/* The notes, in a meta whose only purpose is to carry them to the parent. */
static void describe_notes(const struct gc_core_info *info, struct gc_meta *m)
{
	GC_META_SET(m, core_expected_size, info->expected_size);
	GC_META_SET(m, core_threads, info->n_threads);
	if (info->have_prpsinfo) {
		gc_meta_set_string(&m->core_comm, info->fname);
		gc_meta_set_string(&m->core_cmdline, info->psargs);
		GC_META_SET(m, core_pid, info->pid);
		GC_META_SET(m, core_uid, info->uid);
		GC_META_SET(m, core_gid, info->gid);
	}
	if (info->n_threads > 0)
		GC_META_SET(m, core_signal, info->threads[0].cursig);
	if (info->have_siginfo) {
		GC_META_SET(m, fault_signal, info->si_signo);
		GC_META_SET(m, fault_code, info->si_code);
		GC_META_SET(m, fault_addr, info->fault_addr);
	}
}

static int write_meta(const struct gc_meta *m, int out_fd)
{
	_cleanup_free_ char *text = NULL;
	int r = gc_meta_format(m, &text);

	return r < 0 ? r : gc_write_all(out_fd, text, strlen(text));
}

/* The first program frame of the crashing goroutine, "main.handler (main.go:42)", for the
 * one-line summary. */
static void describe_crash_site(const struct gc_go_report *report, struct gc_meta *m)
{
	const struct gc_goroutine *g = gc_go_report_crashed(report);
	_cleanup_free_ char *site = NULL;

	for (size_t i = 0; g && i < g->n_frames; i++) {
		const struct gc_go_frame *f = &g->frames[i];
		const char *base = strrchr(f->file, '/');

		if (gc_go_is_runtime_func(f->func))
			continue;
		if (asprintf(&site, "%s (%s:%d)", f->func, base ? base + 1 : f->file, f->line) >= 0)
			m->go_crash_site = TAKE_PTR(site);
		return;
	}
}

static void describe_build(const struct gc_exe *exe, struct gc_meta *m)
{
	const struct gc_buildinfo *b;
	_cleanup_free_ char *module = NULL;

	if (gc_exe_buildinfo(exe, &b) < 0)
		return;
	if (b->mod_path && asprintf(&module, "%s%s%s", b->mod_path, b->mod_version ? " " : "",
				    b->mod_version ?: "") >= 0)
		m->go_module = TAKE_PTR(module);
	gc_meta_set_string(&m->go_vcs_revision, b->vcs_revision);
	gc_meta_set_string(&m->go_vcs_time, b->vcs_time);
	if (b->vcs_revision)
		GC_META_SET(m, go_vcs_modified, b->vcs_modified);
	gc_meta_set_string(&m->go_buildmode, b->buildmode);
	if (b->cgo_enabled >= 0)
		GC_META_SET(m, go_cgo, b->cgo_enabled);
}

/* Every note, one per line. */
static char *join_notes(const struct gc_go_report *report)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f;

	if (report->n_notes == 0 || !(f = open_memstream(&text, &size)))
		return NULL;
	for (size_t i = 0; i < report->n_notes; i++)
		fprintf(f, "%s%s", i ? "\n" : "", report->notes[i]);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void describe_go(const struct gc_go_report *report, struct gc_meta *m)
{
	gc_meta_set_string(&m->go_reason, report->reason);
	gc_meta_set_string(&m->go_signal, report->signal);
	gc_meta_set_string(&m->go_signature, report->signature);
	GC_META_SET(m, go_goroutines, report->n_goroutines);
	m->go_stack = gc_go_report_crashed_stack(report, 16);
	m->go_note = join_notes(report);
	describe_crash_site(report, m);
}

static int write_report(const struct gc_go_report *report, int fd)
{
	FILE *f = gc_zfile_write(fd, REPORT_LEVEL);
	int r;

	if (!f)
		return -errno;
	r = gc_go_report_write(report, f);
	if (fclose(f) != 0 && r >= 0)
		r = -EIO;
	return r;
}

/* Every goroutine's stack, the reason and the signature: the report goes to report_fd, the
 * summary into m. A program that is not Go is not an error; the build info of an executable
 * that is not the one that crashed is not the program's. */
static int analyze_go(struct gc_memview *view, const struct gc_exe *exe, enum gc_exe_check check,
		      const struct gc_analyze_request *req, struct gc_meta *m)
{
	struct gc_go_analyze_options opts = {
	    .crash_monotonic_ns = req->crash_monotonic_ns,
	    .deadline_usec = req->deadline_usec,
	};
	struct gc_go_report report = {};
	int r;

	if (!exe || req->report_fd < 0)
		return 0;
	r = gc_go_analyze(view, exe, &opts, &report);
	if (r == -ENOEXEC)
		return 0;
	if (r >= 0) {
		if (check != GC_EXE_CHECK_MISMATCH)
			describe_build(exe, m);
		describe_go(&report, m);
		r = write_report(&report, req->report_fd);
	}
	gc_go_report_free(&report);
	return r;
}

static int open_view(const struct gc_analyze_request *req, struct gc_zreader **reader,
		     struct gc_memview **view, struct gc_meta *m, char *error, size_t size)
{
	int r = gc_zreader_open(req->core_fd, reader);

	if (r >= 0)
		r = gc_memview_open(*reader, req->exe_fd, view);
	if (r == -EBADMSG) {
		/* Not an ELF core: a finding, said by the core reader over the same bytes. */
		struct gc_core *core = NULL;

		snprintf(error, size, "not an ELF core");
		if (gc_core_open_stored(*reader, &core) >= 0) {
			const struct gc_core_info *info = gc_core_info(core);

			if (info->error)
				snprintf(error, size, "%s", info->error);
			if (info->is_elf)
				describe_notes(info, m);
		}
		gc_core_free(core);
		m->core_error = error;
	} else if (r < 0) {
		snprintf(error, size, "the stored core cannot be read: %s", strerror(-r));
		m->core_error = error;
	}
	return r;
}

/* The executable, opened once for the whole analysis, and whether it is the one that crashed. */
static int open_exe(struct gc_memview *view, int exe_fd, struct gc_exe **ret,
		    enum gc_exe_check *check, struct gc_meta *m)
{
	char why[256];
	int r;

	*check = GC_EXE_CHECK_UNKNOWN;
	if (exe_fd < 0)
		return 0;
	r = gc_exe_open(exe_fd, ret);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	*check = gc_exe_check_core(*ret, view, why, sizeof(why));
	gc_meta_set_string(&m->exe_check, gc_exe_check_name(*check));
	return 0;
}

int gc_analyze_stored_core(const struct gc_analyze_request *req)
{
	_cleanup_(zreader_freep) struct gc_zreader *reader = NULL;
	_cleanup_(memview_freep) struct gc_memview *view = NULL;
	_cleanup_(gc_exe_freep) struct gc_exe *exe = NULL;
	enum gc_exe_check check;
	struct gc_meta m = {.id = (char *)"analysis"};
	char error[256];
	int r;

	r = open_view(req, &reader, &view, &m, error, sizeof(error));
	if (r >= 0) {
		m.core_error = gc_memview_info(view)->error;
		describe_notes(gc_memview_info(view), &m);
		r = open_exe(view, req->exe_fd, &exe, &check, &m);
		if (r >= 0)
			r = analyze_go(view, exe, check, req, &m);
	}
	/* Not an ELF core is a finding; anything else (no memory, a corrupt frame) means the
	 * analysis itself failed, and the parent must not take silence for a clean core. */
	if (write_meta(&m, req->out_fd) < 0 && r >= 0)
		r = -EIO;
	m.id = NULL;
	m.core_error = NULL;
	gc_meta_free(&m);
	return r == -EBADMSG ? 0 : r;
}

/* What the core's notes say that capture could not: the gaps of its fields filled. */
static void fill_gaps(struct gc_meta *meta, const struct gc_meta *a)
{
	if (!meta->core_error && a->core_error)
		gc_meta_set_string(&meta->core_error, a->core_error);
	if ((!meta->comm || !*meta->comm) && a->core_comm && *a->core_comm)
		gc_meta_set_string(&meta->comm, a->core_comm);
	if ((!meta->cmdline || !*meta->cmdline) && a->core_cmdline && *a->core_cmdline)
		gc_meta_set_string(&meta->cmdline, a->core_cmdline);
	if (meta->pid <= 0 && GC_META_HAS(a, core_pid))
		meta->pid = a->core_pid;
	if (meta->uid < 0 && GC_META_HAS(a, core_uid))
		meta->uid = a->core_uid;
	if (meta->gid < 0 && GC_META_HAS(a, core_gid))
		meta->gid = a->core_gid;
	if (meta->signal <= 0 && GC_META_HAS(a, core_signal))
		meta->signal = a->core_signal;
}

static void merge_short_core(struct gc_meta *meta, const struct gc_meta *a)
{
	if (!GC_META_HAS(a, core_expected_size) || a->core_expected_size <= meta->core_size ||
	    meta->truncated)
		return;
	meta->truncated = true;
	free(meta->truncated_reason);
	if (asprintf(&meta->truncated_reason,
		     "the kernel sent %" PRIu64 " bytes of a core of %" PRIu64, meta->core_size,
		     a->core_expected_size) < 0)
		meta->truncated_reason = NULL;
}

void gc_analysis_merge(struct gc_meta *meta, const char *output)
{
	struct gc_meta a = {};

	if (gc_meta_parse(output, strlen(output), &a) < 0)
		return;
	fill_gaps(meta, &a);
	merge_short_core(meta, &a);
	/* The analysis' own fields (meta.h), the Go analysis' and the notes' for the record. */
	for (size_t i = 0; i < GC_META_N_FIELDS; i++)
		if (gc_meta_fields[i].stage == GC_META_STAGE_ANALYSIS && gc_meta_has(&a, i))
			gc_meta_copy_field(meta, &a, i);
	gc_meta_free(&a);
}
