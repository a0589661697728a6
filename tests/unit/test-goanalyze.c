/* SPDX-License-Identifier: MIT */
/* The Go analysis on a real core (tests/data/go, see its README): what it finds must be what
 * the runtime itself printed to stderr; given the wrong executable it must say so; and on
 * copies of the core whose goroutine structures and stacks were damaged on purpose it must
 * neither crash nor take long, and must note what it could not read. A second core, of
 * go1.27 with goroutine labels, checks the labels the same way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "analyze.h"
#include "goanalyze.h"
#include "goargs.h"
#include "golayout.h"
#include "goreport.h"
#include "execheck.h"
#include "gotarget.h"
#include "macro.h"
#include "memview.h"
#include "meta.h"
#include "zseek.h"

#define CORE_NAME     "go/go1.22-panic.core.zst"
#define EXE_NAME      "go/go1.22-panic.exe.zst"
#define STDERR_NAME   "go/go1.22-panic.stderr"
#define GO_TOOLCHAIN  "/usr/lib/go-1.22/bin/go"
#define LABELS_CORE   "go/go1.27-labels.core.zst"
#define LABELS_EXE    "go/go1.27-labels.exe.zst"
#define LABELS_STDERR "go/go1.27-labels.stderr"
#define RUN_LIMIT_S   5.0      /* one analysis, even of a damaged core */
#define TOTAL_LIMIT_S 60.0     /* CPU time of every round of the corruption test */
#define ROUNDS	      78       /* 6 of each kind */
#define MAX_FRAMES    100      /* Go 1.21+ keeps the first and last 50 logical frames */
#define DEFAULT_BOUND 10000000 /* goroutines walked when max_goroutines is 0 (goanalyze.c) */

/* ---- helpers ---- */

static double clock_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static char *data_path(const char *name)
{
	char *path;

	assert_true(asprintf(&path, "%s/%s", getenv("GC_TEST_DATA"), name) > 0);
	return path;
}

static char *read_data_text(const char *name)
{
	_cleanup_free_ char *path = data_path(name);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	char buf[4096];
	size_t n;

	assert_non_null(f);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	assert_int_equal(fclose(out), 0);
	return text;
}

/* A zstd file (any number of frames; skippable ones such as a seek table are skipped),
 * decompressed into a new memfd. */
static int decompress_to_memfd(const char *name)
{
	_cleanup_free_ char *path = data_path(name);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	ZSTD_DStream *ds = ZSTD_createDStream();
	int fd = memfd_create("decompressed", MFD_CLOEXEC);
	static uint8_t in[1 << 16], out[1 << 17];
	size_t n;

	assert_non_null(f);
	assert_non_null(ds);
	assert_true(fd >= 0);
	while ((n = fread(in, 1, sizeof(in), f)) > 0) {
		ZSTD_inBuffer ib = {in, n, 0};

		while (ib.pos < ib.size) {
			ZSTD_outBuffer ob = {out, sizeof(out), 0};

			assert_false(ZSTD_isError(ZSTD_decompressStream(ds, &ob, &ib)));
			assert_int_equal(write(fd, out, ob.pos), (ssize_t)ob.pos);
		}
	}
	ZSTD_freeDStream(ds);
	return fd;
}

/* Stores raw core bytes in the seekable format, as gocrashd does, in a new memfd. */
static int store_core(const uint8_t *raw, size_t size)
{
	struct gc_zwriter_options options = {.level = 1, .threads = 2};
	struct gc_zwriter *writer;
	int fd = memfd_create("core.zst", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(gc_zwriter_new(fd, &options, &writer), 0);
	assert_int_equal(gc_zwriter_write(writer, raw, size), 0);
	assert_int_equal(gc_zwriter_finish(writer, NULL, NULL), 0);
	gc_zwriter_free(writer);
	return fd;
}

/* gc_go_analyze on a stored core, timed (the whole run: reader, view and analysis). */
static int analyze_with(int core_fd, int exe_fd, const struct gc_go_analyze_options *opts,
			struct gc_go_report *report, double *seconds)
{
	struct gc_zreader *reader;
	struct gc_memview *view;
	struct gc_exe *exe;
	double start = now_s();
	int r;

	assert_int_equal(gc_zreader_open(core_fd, &reader), 0);
	assert_int_equal(gc_memview_open(reader, exe_fd, &view), 0);
	assert_int_equal(gc_exe_open(exe_fd, &exe), 0);
	*report = (struct gc_go_report){};
	r = gc_go_analyze(view, exe, opts, report);
	gc_exe_free(exe);
	gc_memview_free(view);
	gc_zreader_free(reader);
	*seconds = now_s() - start;
	return r;
}

static int analyze(int core_fd, int exe_fd, uint64_t max_goroutines, struct gc_go_report *report,
		   double *seconds)
{
	struct gc_go_analyze_options opts = {.max_goroutines = max_goroutines};

	return analyze_with(core_fd, exe_fd, &opts, report, seconds);
}

static bool has_note(const struct gc_go_report *report, const char *words)
{
	for (size_t i = 0; i < report->n_notes; i++)
		if (report->notes[i] && strstr(report->notes[i], words))
			return true;
	return false;
}

static void print_notes(const struct gc_go_report *report)
{
	for (size_t i = 0; i < report->n_notes; i++)
		print_message("  note: %s\n", report->notes[i]);
}

/* ---- the fixture, read once ---- */

struct fixture {
	uint8_t *core; /* the raw core */
	size_t core_size;
	int stored_fd, exe_fd;
	char *stderr_text;
	const struct gc_go_layout *layout;
	uint64_t allglen_addr, allgptr_addr, text, etext;
	uint64_t descend; /* entry of main.descend */
	struct gc_core_phdr *phdrs;
	size_t n_phdrs;
	struct gc_core_thread *threads;
	size_t n_threads;
	struct gc_go_report clean;
	double clean_seconds;
};

static uint8_t *read_stored(int fd, size_t *size)
{
	struct gc_zreader *reader;
	uint8_t *raw;

	assert_int_equal(gc_zreader_open(fd, &reader), 0);
	*size = gc_zreader_size(reader);
	raw = malloc(*size);
	assert_non_null(raw);
	assert_int_equal(gc_zreader_pread(reader, raw, *size, 0), (ssize_t)*size);
	gc_zreader_free(reader);
	return raw;
}

/* What the extractor found on the intact core that the damage below aims at. */
static void learn_target(struct fixture *f)
{
	struct gc_zreader *reader;
	struct gc_memview *view;
	const struct gc_core_info *info;
	struct gc_go_target t;
	struct gc_func fn;
	const char *why = NULL;
	_cleanup_(gc_exe_freep) struct gc_exe *exe = NULL;

	assert_int_equal(gc_zreader_open(f->stored_fd, &reader), 0);
	assert_int_equal(gc_memview_open(reader, f->exe_fd, &view), 0);
	assert_int_equal(gc_exe_open(f->exe_fd, &exe), 0);
	assert_int_equal(gc_go_target_open(&t, view, exe, &why), 0);
	f->layout = t.layout;
	f->allglen_addr = t.allglen_addr;
	f->allgptr_addr = t.allgptr_addr;
	f->text = t.text;
	f->etext = t.etext;
	assert_int_equal(gc_pclntab_find_func_by_name(t.tab, "main.descend", &fn), 0);
	f->descend = fn.entry;
	gc_go_target_done(&t);
	info = gc_memview_info(view);
	f->n_phdrs = info->n_phdrs;
	f->phdrs = malloc(f->n_phdrs * sizeof(*f->phdrs));
	assert_non_null(f->phdrs);
	memcpy(f->phdrs, info->phdrs, f->n_phdrs * sizeof(*f->phdrs));
	f->n_threads = info->n_threads;
	f->threads = malloc(f->n_threads * sizeof(*f->threads));
	assert_non_null(f->threads);
	memcpy(f->threads, info->threads, f->n_threads * sizeof(*f->threads));
	gc_memview_free(view);
	gc_zreader_free(reader);
}

static struct fixture *fixture_load(const char *core, const char *exe, const char *stderr_name)
{
	struct fixture *f = calloc(1, sizeof(*f));
	_cleanup_free_ char *core_path = data_path(core);

	assert_non_null(f);
	f->stored_fd = open(core_path, O_RDONLY | O_CLOEXEC);
	assert_true(f->stored_fd >= 0);
	f->core = read_stored(f->stored_fd, &f->core_size);
	f->exe_fd = decompress_to_memfd(exe);
	f->stderr_text = read_data_text(stderr_name);
	learn_target(f);
	assert_int_equal(analyze(f->stored_fd, f->exe_fd, 0, &f->clean, &f->clean_seconds), 0);
	return f;
}

static void fixture_free(struct fixture *f)
{
	if (!f)
		return;
	gc_go_report_free(&f->clean);
	free(f->threads);
	free(f->phdrs);
	free(f->stderr_text);
	free(f->core);
	close(f->exe_fd);
	close(f->stored_fd);
	free(f);
}

static int setup(void **state)
{
	*state = fixture_load(CORE_NAME, EXE_NAME, STDERR_NAME);
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/* ---- the intact core against the runtime's own traceback ---- */

/* The text of goroutine id's block: its header line up to the blank line that ends it. */
static char *goroutine_block(const char *text, int64_t id)
{
	char header[64];
	const char *start, *end;
	char *block;

	snprintf(header, sizeof(header), "\ngoroutine %" PRId64 " ", id);
	start = strstr(text, header);
	if (!start)
		return NULL;
	start++;
	end = strstr(start, "\n\n");
	end = end ? end + 1 : start + strlen(start);
	block = strndup(start, (size_t)(end - start));
	assert_non_null(block);
	return block;
}

/* The ids in the "goroutine N ...:" headers, in order (N > 0: g0 stacks print as 0). */
static size_t header_ids(const char *text, int64_t *ids, size_t max)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, "\ngoroutine ")); p++) {
		int64_t id = strtoll(p + 11, NULL, 10);

		if (id > 0 && n < max)
			ids[n++] = id;
	}
	return n;
}

/* The frames of a block as line pairs: "func(args)\n\tfile:line +0x.. fp= sp= pc=\n". The
 * "created by" pair and the header are not frames. */
static size_t frame_pairs(const char *block, char **pairs, size_t max)
{
	const char *line = strchr(block, '\n');
	size_t n = 0;

	while (line && line[1] && line[1] != '\n') {
		const char *first = line + 1, *second = strchr(first, '\n'), *next;

		if (!second || second[1] != '\t')
			break;
		next = strchr(second + 1, '\n');
		if (!next)
			next = second + strlen(second);
		if (strncmp(first, "created by ", 11) != 0 && n < max) {
			pairs[n] = strndup(first, (size_t)(next - first) + (*next == '\n'));
			assert_non_null(pairs[n]);
			n++;
		}
		line = *next ? next : NULL;
	}
	return n;
}

static void test_fixture_report(void **state)
{
	struct fixture *f = *state;
	const struct gc_go_report *r = &f->clean;
	const char *first_nl = strchr(f->stderr_text, '\n');
	int64_t ids[256];
	size_t n_ids = header_ids(f->stderr_text, ids, ELEMENTSOF(ids));

	print_message("analysis of the intact core: %.3f s, %zu goroutines\n", f->clean_seconds,
		      r->n_goroutines);
	print_notes(r);
	assert_string_equal(r->go_version, "go1.22.12");
	assert_int_equal(r->go_minor, 22);
	assert_non_null(first_nl);
	assert_non_null(r->reason);
	assert_int_equal(strlen(r->reason), (size_t)(first_nl - f->stderr_text));
	assert_memory_equal(r->reason, f->stderr_text, strlen(r->reason));
	assert_string_equal(r->reason, "panic: boom");
	assert_null(r->signal); /* a plain panic: the runtime printed no [signal] line */
	assert_int_equal(r->n_notes, 0);

	assert_true(n_ids > 1);
	assert_int_equal(r->n_goroutines, n_ids);
	assert_int_equal(r->goroutines[0].id, 1);
	assert_true(r->goroutines[0].crashed);
	assert_ptr_equal(gc_go_report_crashed(r), &r->goroutines[0]);
	for (size_t i = 0; i < r->n_goroutines; i++) {
		/* in the runtime's order: the crashing goroutine first, then allgs order */
		assert_int_equal(r->goroutines[i].id, ids[i]);
		assert_true(i == 0 || !r->goroutines[i].crashed);
		if (r->goroutines[i].note)
			print_message("goroutine %" PRId64 ": %s\n", r->goroutines[i].id,
				      r->goroutines[i].note);
		assert_null(r->goroutines[i].note);
	}

	assert_non_null(r->signature);
	assert_int_equal(strlen(r->signature), 16);
	assert_int_equal(strspn(r->signature, "0123456789abcdef"), 16);
}

/* Every frame of ours, printed in the default text format, is a line pair of the runtime's
 * stderr, and for each goroutine the runtime printed with frames, ours are exactly its. */
static void test_fixture_text(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *text = NULL;
	size_t size = 0, total_pairs = 0;
	FILE *out = open_memstream(&text, &size);
	int64_t ids[256];
	size_t n_ids = header_ids(f->stderr_text, ids, ELEMENTSOF(ids));
	bool ok = true;

	assert_non_null(out);
	gc_go_report_print_text(&f->clean, NULL, out);
	assert_int_equal(fclose(out), 0);
	assert_non_null(text);

	for (size_t i = 0; i < n_ids; i++) {
		_cleanup_free_ char *theirs = goroutine_block(f->stderr_text, ids[i]);
		_cleanup_free_ char *ours = goroutine_block(text, ids[i]);
		char *their_pairs[256], *our_pairs[256];
		size_t n_theirs, n_ours;

		assert_non_null(theirs);
		if (!ours) {
			print_message("goroutine %" PRId64 ": not in our text\n", ids[i]);
			ok = false;
			continue;
		}
		n_theirs = frame_pairs(theirs, their_pairs, ELEMENTSOF(their_pairs));
		n_ours = frame_pairs(ours, our_pairs, ELEMENTSOF(our_pairs));
		for (size_t j = 0; j < n_ours; j++)
			if (!strstr(f->stderr_text, our_pairs[j])) {
				print_message("goroutine %" PRId64 ": not in stderr:\n%s", ids[i],
					      our_pairs[j]);
				ok = false;
			}
		if (n_theirs > 0 && n_theirs != n_ours) {
			print_message("goroutine %" PRId64
				      ": %zu frames, the runtime printed %zu\n",
				      ids[i], n_ours, n_theirs);
			ok = false;
		}
		for (size_t j = 0; j < MIN(n_theirs, n_ours); j++)
			if (strcmp(their_pairs[j], our_pairs[j]) != 0) {
				print_message("goroutine %" PRId64
					      " frame %zu:\nours:\n%sstderr:\n%s",
					      ids[i], j, our_pairs[j], their_pairs[j]);
				ok = false;
			}
		/* the header and the "created by" lines too, when the frames are right */
		if (ok && strcmp(theirs, ours) != 0) {
			print_message("goroutine %" PRId64 ":\nours:\n%sstderr:\n%s", ids[i], ours,
				      theirs);
			ok = false;
		}
		total_pairs += n_ours;
		for (size_t j = 0; j < n_theirs; j++)
			free(their_pairs[j]);
		for (size_t j = 0; j < n_ours; j++)
			free(our_pairs[j]);
	}
	print_message("%zu goroutines, %zu frames compared with the runtime's\n", n_ids,
		      total_pairs);
	assert_true(ok);
	assert_true(total_pairs > 100);
}

/* A deadline already past when the walk begins: no goroutine, and a note that says why. */
static void test_deadline(void **state)
{
	struct fixture *f = *state;
	struct gc_go_analyze_options opts = {.deadline_usec =
						 (uint64_t)(clock_s(CLOCK_MONOTONIC) * 1e6) - 1};
	struct gc_go_report r;
	double seconds;

	assert_int_equal(analyze_with(f->stored_fd, f->exe_fd, &opts, &r, &seconds), 0);
	print_notes(&r);
	assert_int_equal(r.n_goroutines, 0);
	assert_true(r.n_notes > 0);
	assert_string_equal(r.go_version, "go1.22.12");
	gc_go_report_free(&r);
}

/* ---- the wrong executable ---- */

/* What the child's side (gc_analyze_stored_core) records for the stored core on core_fd
 * with the executable on exe_fd. */
static void analysis_meta(int core_fd, int exe_fd, struct gc_meta *m)
{
	_cleanup_close_ int out_fd = memfd_create("out", MFD_CLOEXEC);
	_cleanup_close_ int report_fd = memfd_create("goroutines", MFD_CLOEXEC);
	struct gc_analyze_request req = {
	    .core_fd = core_fd, .exe_fd = exe_fd, .out_fd = out_fd, .report_fd = report_fd};
	char text[64 * 1024];
	ssize_t n;

	assert_true(out_fd >= 0 && report_fd >= 0);
	assert_int_equal(gc_analyze_stored_core(&req), 0);
	n = pread(out_fd, text, sizeof(text), 0);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	*m = (struct gc_meta){};
	assert_int_equal(gc_meta_parse(text, (size_t)n, m), 0);
}

/* The entry of a crash analysed with the wrong executable: exe_check says so, the note says
 * why, and nothing describes the wrong file's build or goroutines. */
static void check_entry_mismatch(int core_fd, int exe_fd, const char *why)
{
	struct gc_meta m;

	analysis_meta(core_fd, exe_fd, &m);
	assert_non_null(m.exe_check);
	assert_string_equal(m.exe_check, "mismatch");
	assert_non_null(m.go_note);
	assert_non_null(strstr(m.go_note, "does not match"));
	assert_non_null(strstr(m.go_note, why));
	assert_null(m.go_module);
	assert_null(m.go_reason);
	assert_null(m.go_signature);
	assert_false(GC_META_HAS(&m, go_goroutines) && m.go_goroutines > 0);
	gc_meta_free(&m);
}

static void check_mismatch(struct fixture *f, int exe_fd, const char *what)
{
	struct gc_go_report r;
	double seconds;

	assert_int_equal(analyze(f->stored_fd, exe_fd, 0, &r, &seconds), 0);
	print_message("%s: %.3f s\n", what, seconds);
	print_notes(&r);
	assert_true(has_note(&r, "does not match"));
	assert_int_equal(r.n_goroutines, 0);
	assert_null(gc_go_report_crashed(&r));
	assert_null(r.reason);
	gc_go_report_free(&r);
	check_entry_mismatch(f->stored_fd, exe_fd, "build id");
}

static void test_mismatch_c(void **state)
{
	int exe_fd = decompress_to_memfd("crash-c-static.zst");

	check_mismatch(*state, exe_fd, "the C fixture's executable");
	close(exe_fd);
}

static void test_mismatch_go(void **state)
{
	static const char main_go[] = "package main\n\nfunc main() { println(\"hello\") }\n";
	char dir[] = "/tmp/test-goanalyze-XXXXXX";
	_cleanup_free_ char *command = NULL, *main_path = NULL, *exe_path = NULL;
	_cleanup_fclose_ FILE *src = NULL;
	_cleanup_close_ int exe_fd = -EBADF;
	int status;

	if (access(GO_TOOLCHAIN, X_OK) < 0) {
		print_message("SKIP: no Go toolchain at " GO_TOOLCHAIN " (apt-get install "
			      "golang-1.22-go) to build a different Go executable\n");
		skip();
	}
	assert_non_null(mkdtemp(dir));
	assert_true(asprintf(&main_path, "%s/main.go", dir) > 0);
	assert_true(asprintf(&exe_path, "%s/prog", dir) > 0);
	src = fopen(main_path, "we");
	assert_non_null(src);
	assert_true(fputs(main_go, src) >= 0);
	assert_int_equal(fclose(TAKE_PTR(src)), 0);
	/* Without a HOME the go command has no build cache: give it one in the directory. */
	assert_true(
	    asprintf(
		&command,
		"cd %s && %s GOTOOLCHAIN=local GOPROXY=off GOFLAGS= CGO_ENABLED=0 " GO_TOOLCHAIN
		" build -o prog main.go >build.log 2>&1",
		dir, getenv("HOME") ? "" : "GOCACHE=$PWD/cache") > 0);
	status = system(command);
	if (status != 0) {
		free(command);
		assert_true(asprintf(&command, "cat %s/build.log >&2; rm -rf %s", dir, dir) > 0);
		assert_true(system(command) >= 0);
		print_message("SKIP: the Go toolchain could not build a trivial program "
			      "(status %d, its output is above)\n",
			      status);
		skip();
	}
	exe_fd = open(exe_path, O_RDONLY | O_CLOEXEC);
	assert_true(exe_fd >= 0);
	check_mismatch(*state, exe_fd, "a different Go executable");
	free(command);
	assert_true(asprintf(&command, "rm -rf %s", dir) > 0);
	assert_int_equal(system(command), 0);
}

/* The right executable: the check matches on the build id and the entry has its build. */
static void test_exe_check_match(void **state)
{
	struct fixture *f = *state;
	struct gc_zreader *reader;
	struct gc_memview *view;
	_cleanup_(gc_exe_freep) struct gc_exe *exe = NULL;
	char why[256];
	struct gc_meta m;

	assert_int_equal(gc_zreader_open(f->stored_fd, &reader), 0);
	assert_int_equal(gc_memview_open(reader, f->exe_fd, &view), 0);
	assert_int_equal(gc_exe_open(f->exe_fd, &exe), 0);
	assert_int_equal(gc_exe_check_core(exe, view, why, sizeof(why)), GC_EXE_CHECK_MATCH);
	assert_string_equal(why, "the Go build id is the core's");
	gc_memview_free(view);
	gc_zreader_free(reader);
	analysis_meta(f->stored_fd, f->exe_fd, &m);
	assert_string_equal(m.exe_check, "match");
	assert_non_null(m.go_module);
	assert_true(m.go_goroutines > 0);
	gc_meta_free(&m);
}

/* Replaces every copy of needle in the raw core (needle's length) with repl. */
static size_t replace_all(uint8_t *core, size_t size, const void *needle, const void *repl,
			  size_t len)
{
	size_t n = 0;

	for (uint8_t *p = core; (p = memmem(p, size - (size_t)(p - core), needle, len));
	     p += len, n++)
		memcpy(p, repl, len);
	return n;
}

static uint8_t *core_copy(const struct fixture *f)
{
	uint8_t *core = malloc(f->core_size);

	assert_non_null(core);
	memcpy(core, f->core, f->core_size);
	return core;
}

/* The core's copy of the executable's first page says another build id: the executable on
 * disk is not the one that crashed, though it is the fixture's. */
static void test_exe_check_core_build_id(void **state)
{
	struct fixture *f = *state;
	_cleanup_(gc_exe_freep) struct gc_exe *exe = NULL;
	_cleanup_free_ uint8_t *core = core_copy(f);
	_cleanup_free_ char *other = NULL;
	int core_fd;

	assert_int_equal(gc_exe_open(f->exe_fd, &exe), 0);
	assert_non_null(gc_exe_go_build_id(exe));
	other = strdup(gc_exe_go_build_id(exe));
	assert_non_null(other);
	other[0] = other[0] == 'A' ? 'B' : 'A';
	assert_true(replace_all(core, f->core_size, gc_exe_go_build_id(exe), other, strlen(other)) >
		    0);
	core_fd = store_core(core, f->core_size);
	check_entry_mismatch(core_fd, f->exe_fd, "Go build id");
	close(core_fd);
}

/* The ELF header of the executable as the core has it, and where. */
static uint8_t *exe_header_in_core(const struct fixture *f, uint8_t *core)
{
	uint8_t header[sizeof(Elf64_Ehdr)];
	uint8_t *at;

	assert_int_equal(pread(f->exe_fd, header, sizeof(header), 0), sizeof(header));
	/* past the core's own header */
	at = memmem(core + 1, f->core_size - 1, header, sizeof(header));
	assert_non_null(at);
	return at;
}

/* A copy that is not an ELF header proves nothing: unknown, and the analysis goes on. */
static void test_exe_check_core_garbage(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ uint8_t *core = core_copy(f);
	struct gc_meta m;
	int core_fd;

	exe_header_in_core(f, core)[1] = 'X';
	core_fd = store_core(core, f->core_size);
	analysis_meta(core_fd, f->exe_fd, &m);
	close(core_fd);
	assert_string_equal(m.exe_check, "unknown");
	assert_true(m.go_goroutines > 0);
	gc_meta_free(&m);
}

/* Without the copy (its segment's p_filesz 0, as with a coredump_filter without ELF headers),
 * the process name decides: a name that is not the executable's is a mismatch. */
static void test_exe_check_core_name(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ uint8_t *core = core_copy(f);
	uint64_t header_off = (uint64_t)(exe_header_in_core(f, core) - core);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)core;
	char fname[16] = {}, other[16] = "not-the-program";
	struct gc_meta m;
	size_t hidden = 0;
	int core_fd;

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(core + eh->e_phoff) + i;

		if (ph->p_type == PT_LOAD && ph->p_filesz && ph->p_offset == header_off) {
			ph->p_filesz = 0;
			hidden++;
		}
	}
	assert_int_equal(hidden, 1);
	core_fd = store_core(core, f->core_size);
	analysis_meta(core_fd, f->exe_fd, &m);
	close(core_fd);
	assert_string_equal(m.exe_check, "unknown");
	assert_true(m.go_goroutines > 0);
	assert_non_null(m.core_comm);
	strncpy(fname, m.core_comm, sizeof(fname) - 1);
	gc_meta_free(&m);
	assert_true(replace_all(core, f->core_size, fname, other, sizeof(fname)) > 0);
	core_fd = store_core(core, f->core_size);
	check_entry_mismatch(core_fd, f->exe_fd, "the process was called");
	close(core_fd);
}

/* ---- damaged cores ---- */

static uint64_t rng_state = 0x243F6A8885A308D3ull;

static uint64_t rng(void)
{
	/* xorshift64*: the same damage on every run and every libc */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint64_t rng_below(uint64_t n)
{
	return n ? rng() % n : 0;
}

enum damage {
	ALLGLEN_HUGE,	 /* allglen = 2^40 */
	ALLGLEN_RANDOM,	 /* allglen = a random count above the default bound (10^7) */
	ALLGPTR_GARBAGE, /* allgptr = an address that is nowhere */
	ALLGPTR_SELF,	 /* allgptr = &allgptr, and variants */
	ALLGS_ENTRIES,	 /* entries of allgs: garbage, the array itself, duplicates */
	G_SCHED,	 /* g.sched.sp / pc, syscallsp / pc */
	G_STACK_BOUNDS,	 /* g.stack.lo / hi */
	G_FIELDS,	 /* goid, status, wait reason, parent, gopc, lockedm, ... */
	STACK_WORDS,	 /* words of goroutine and thread stacks */
	PANIC_CHAIN,	 /* g._panic, _panic.link, _panic.arg */
	M_FIELDS,	 /* g.m, m.curg, m.procid, m.id, m.g0 */
	THREAD_REGS,	 /* rip, rsp, fs_base of the threads (in the notes) */
	MIXED,		 /* several of the above */
	N_DAMAGE,
};

static const char *const damage_names[N_DAMAGE] = {
    "allglen 2^40", "allglen random",	"allgptr garbage", "allgptr self", "allgs entries",
    "g.sched",	    "g.stack bounds",	"g fields",	   "stack words",  "panic chain",
    "m fields",	    "thread registers", "mixed",
};

struct damager {
	const struct fixture *f;
	uint8_t *core; /* the copy being damaged */
	uint64_t allgs, allglen;
};

/* Where virtual address range [vaddr, vaddr + size) is in the raw core, or NULL when some of
 * it was not dumped. */
static uint8_t *raw_at(const struct damager *d, uint64_t vaddr, size_t size)
{
	for (size_t i = 0; i < d->f->n_phdrs; i++) {
		const struct gc_core_phdr *p = &d->f->phdrs[i];

		if (p->type == PT_LOAD && vaddr >= p->vaddr && vaddr - p->vaddr <= p->filesz &&
		    size <= p->filesz - (vaddr - p->vaddr))
			return d->core + p->offset + (vaddr - p->vaddr);
	}
	return NULL;
}

/* Writes at vaddr; nothing when an earlier damage of the round sent it out of the core. */
static void poke(struct damager *d, uint64_t vaddr, const void *data, size_t size)
{
	uint8_t *p = raw_at(d, vaddr, size);

	if (p)
		memcpy(p, data, size);
}

static void poke_word(struct damager *d, uint64_t vaddr, uint64_t value)
{
	poke(d, vaddr, &value, sizeof(value));
}

static uint64_t peek_word(const struct damager *d, uint64_t vaddr)
{
	const uint8_t *p = raw_at(d, vaddr, 8);
	uint64_t value = 0;

	if (p)
		memcpy(&value, p, sizeof(value));
	return value;
}

/* A random goroutine of the intact core's report. */
static const struct gc_goroutine *some_goroutine(const struct damager *d)
{
	return &d->f->clean.goroutines[rng_below(d->f->clean.n_goroutines)];
}

/* An address the walk may well follow: garbage, a pc in .text, a word of some stack, a g,
 * allgs, zero, -1, or an address no process has (non-canonical). */
static uint64_t nasty_value(const struct damager *d)
{
	const struct gc_goroutine *g = some_goroutine(d);

	switch (rng_below(9)) {
	case 0:
		return rng();
	case 1:
		return d->f->text + rng_below(d->f->etext - d->f->text);
	case 2:
		return g->n_frames ? g->frames[0].sp + rng_below(256) * 8 : g->gp;
	case 3:
		return g->gp + rng_below(64) * 8;
	case 4:
		return d->allgs + rng_below(d->allglen + 2) * 8;
	case 5:
		return 0;
	case 6:
		return UINT64_MAX;
	case 7:
		return 0xdead000000000000ull | (rng() & 0xffffffffff8ull);
	default:
		return rng() & 0xff;
	}
}

static void damage_allgs_entries(struct damager *d)
{
	unsigned n = 1 + (unsigned)rng_below(d->allglen);

	for (unsigned i = 0; i < n; i++) {
		uint64_t slot = d->allgs + rng_below(d->allglen) * 8;

		switch (rng_below(3)) {
		case 0:
			poke_word(d, slot, nasty_value(d));
			break;
		case 1: /* the same g twice */
			poke_word(d, slot, some_goroutine(d)->gp);
			break;
		default: /* the array points into itself */
			poke_word(d, slot, d->allgs + rng_below(d->allglen) * 8);
		}
	}
}

static void damage_g_sched(struct damager *d)
{
	const struct gc_go_layout *L = d->f->layout;
	uint64_t gp = some_goroutine(d)->gp;

	switch (rng_below(4)) {
	case 0:
		poke_word(d, gp + L->g_sched_pc, nasty_value(d));
		break;
	case 1:
		poke_word(d, gp + L->g_sched_sp, nasty_value(d));
		break;
	case 2:
		poke_word(d, gp + L->g_sched_pc, nasty_value(d));
		poke_word(d, gp + L->g_sched_sp, nasty_value(d));
		break;
	default:
		poke_word(d, gp + L->g_syscallpc, nasty_value(d));
		poke_word(d, gp + L->g_syscallsp, nasty_value(d));
	}
}

static void damage_g_stack_bounds(struct damager *d)
{
	const struct gc_go_layout *L = d->f->layout;
	uint64_t gp = some_goroutine(d)->gp;
	uint64_t lo = peek_word(d, gp + L->g_stack_lo), hi = peek_word(d, gp + L->g_stack_hi);

	switch (rng_below(3)) {
	case 0: /* swapped */
		poke_word(d, gp + L->g_stack_lo, hi);
		poke_word(d, gp + L->g_stack_hi, lo);
		break;
	case 1: /* everything */
		poke_word(d, gp + L->g_stack_lo, 0);
		poke_word(d, gp + L->g_stack_hi, UINT64_MAX);
		break;
	default:
		poke_word(d, gp + L->g_stack_lo, nasty_value(d));
		poke_word(d, gp + L->g_stack_hi, nasty_value(d));
	}
}

static void damage_g_fields(struct damager *d)
{
	const struct gc_go_layout *L = d->f->layout;
	uint64_t gp = some_goroutine(d)->gp;
	uint32_t status = rng_below(2) ? (uint32_t)rng() : (uint32_t)rng_below(11);
	uint8_t reason = (uint8_t)rng();

	if (rng_below(2))
		status |= GC_G_SCAN;
	switch (rng_below(5)) {
	case 0:
		poke(d, gp + L->g_atomicstatus, &status, sizeof(status));
		break;
	case 1:
		poke(d, gp + L->g_waitreason, &reason, 1);
		poke_word(d, gp + L->g_waitsince, rng());
		break;
	case 2:
		poke_word(d, gp + L->g_goid, rng_below(2) ? rng() : rng_below(4));
		poke_word(d, gp + L->g_parentgoid, rng());
		break;
	case 3:
		poke_word(d, gp + L->g_gopc, nasty_value(d));
		poke_word(d, gp + L->g_lockedm, nasty_value(d));
		break;
	default: /* every word of the g */
		for (uint32_t off = 0; off < 320; off += 8)
			if (rng_below(4) == 0)
				poke_word(d, gp + off, nasty_value(d));
	}
}

/* Random words in the range a goroutine's frames cover, or near a thread's stack pointer. */
static void damage_stack_words(struct damager *d)
{
	const struct gc_goroutine *g = some_goroutine(d);
	uint64_t lo, hi;
	unsigned n = 1 + (unsigned)rng_below(16);

	if (rng_below(3) == 0 || g->n_frames == 0) {
		lo = d->f->threads[rng_below(d->f->n_threads)].regs[19] & ~7ull;
		hi = lo + 2048;
	} else {
		lo = g->frames[0].sp;
		hi = g->frames[g->n_frames - 1].fp;
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t at = lo + rng_below((hi - lo) / 8) * 8;

		if (raw_at(d, at, 8))
			poke_word(d, at, rng_below(2) ? nasty_value(d) : lo + rng_below(64) * 8);
	}
}

static void damage_panic_chain(struct damager *d)
{
	const struct gc_go_layout *L = d->f->layout;
	uint64_t gp = d->f->clean.goroutines[0].gp, p = peek_word(d, gp + L->g_panic);

	if (!p) /* an earlier damage of the round took it */
		return;
	switch (rng_below(6)) {
	case 0: /* the panic is its own cause */
		poke_word(d, p + L->panic_link, p);
		break;
	case 1:
		poke_word(d, gp + L->g_panic, nasty_value(d));
		break;
	case 2: /* the g's _panic points at the g */
		poke_word(d, gp + L->g_panic, gp);
		break;
	case 3: /* the value's type is garbage, or the panic itself */
		poke_word(d, p + L->panic_arg, rng_below(2) ? nasty_value(d) : p);
		break;
	case 4:
		poke_word(d, p + L->panic_arg + 8, nasty_value(d));
		break;
	default: /* a chain of panics through garbage, or a string value of any length */
		poke_word(d, p + L->panic_link, nasty_value(d));
		if (raw_at(d, peek_word(d, p + L->panic_arg + 8), 16))
			poke_word(d, peek_word(d, p + L->panic_arg + 8) + 8, rng());
	}
}

static void damage_m_fields(struct damager *d)
{
	const struct gc_go_layout *L = d->f->layout;
	const struct gc_goroutine *g =
	    &d->f->clean.goroutines[rng_below(2) ? 0 : rng_below(d->f->clean.n_goroutines)];
	uint64_t mp = g->mp ? g->mp : d->f->clean.goroutines[0].mp;

	switch (rng_below(6)) {
	case 0:
		poke_word(d, g->gp + L->g_m, nasty_value(d));
		break;
	case 1: /* the g is its own m */
		poke_word(d, g->gp + L->g_m, g->gp);
		break;
	case 2:
		poke_word(d, mp + L->m_curg, rng_below(2) ? nasty_value(d) : some_goroutine(d)->gp);
		break;
	case 3: /* another thread, or none */
		poke_word(d, mp + L->m_procid,
			  rng_below(2) ? (uint64_t)d->f->threads[rng_below(d->f->n_threads)].tid
				       : rng());
		break;
	case 4:
		poke_word(d, mp + L->m_g0, nasty_value(d));
		break;
	default:
		poke_word(d, mp + L->m_id, rng());
	}
}

/* The registers sit in each thread's NT_PRSTATUS, in the notes of the raw core. */
static void damage_thread_regs(struct damager *d)
{
	const struct gc_core_thread *th = &d->f->threads[rng_below(d->f->n_threads)];
	uint8_t *regs =
	    memmem(d->core, MIN(d->f->core_size, (size_t)1 << 20), th->regs, sizeof(th->regs));
	static const unsigned which[] = {16 /* rip */, 19 /* rsp */, 21 /* fs_base */, 4 /* rbp */};
	unsigned n = 1 + (unsigned)rng_below(3);

	for (unsigned i = 0; regs && i < n; i++) {
		uint64_t value = nasty_value(d);

		memcpy(regs + which[rng_below(ELEMENTSOF(which))] * 8, &value, 8);
	}
}

/* Applies one kind of damage; returns whether the goroutine list itself was broken so that
 * the report must say so. */
static bool apply_damage(struct damager *d, enum damage kind)
{
	const struct fixture *f = d->f;

	switch (kind) {
	case ALLGLEN_HUGE:
		poke_word(d, f->allglen_addr, 1ull << 40);
		return true;
	case ALLGLEN_RANDOM:
		poke_word(d, f->allglen_addr, (1ull << 24) | rng() >> rng_below(40));
		return true;
	case ALLGPTR_GARBAGE:
		poke_word(d, f->allgptr_addr, 0xdead000000000000ull | (rng() & 0xffffffffff8ull));
		return true;
	case ALLGPTR_SELF:
		switch (rng_below(3)) {
		case 0:
			poke_word(d, f->allgptr_addr, f->allgptr_addr);
			break;
		case 1: /* allgs is a single g: its words taken for g pointers */
			poke_word(d, f->allgptr_addr, some_goroutine(d)->gp);
			break;
		default: /* every entry is allgs itself */
			for (uint64_t i = 0; i < d->allglen; i++)
				poke_word(d, d->allgs + i * 8, d->allgs);
		}
		return false;
	case ALLGS_ENTRIES:
		damage_allgs_entries(d);
		return false;
	case G_SCHED:
		damage_g_sched(d);
		return false;
	case G_STACK_BOUNDS:
		damage_g_stack_bounds(d);
		return false;
	case G_FIELDS:
		damage_g_fields(d);
		return false;
	case STACK_WORDS:
		damage_stack_words(d);
		return false;
	case PANIC_CHAIN:
		damage_panic_chain(d);
		return false;
	case M_FIELDS:
		damage_m_fields(d);
		return false;
	case THREAD_REGS:
		damage_thread_regs(d);
		return false;
	default: {
		bool structural = false;

		for (unsigned n = 2 + (unsigned)rng_below(5); n > 0; n--)
			structural |=
			    apply_damage(d, (enum damage)(ALLGPTR_SELF + rng_below(THREAD_REGS + 1 -
										   ALLGPTR_SELF)));
		/* now and then the list itself, last so that the others still hit their targets */
		if (rng_below(4) == 0)
			structural |= apply_damage(d, (enum damage)rng_below(ALLGPTR_GARBAGE + 1));
		return structural;
	}
	}
}

/* A broken promise of the report: counted and shown (the first few), so that one run shows
 * every kind of problem; the test fails at the end when there was any. */
static unsigned n_broken;
static const char *current_round = "";

#define expect(cond)                                                                               \
	do {                                                                                       \
		if (!(cond) && n_broken++ < 20)                                                    \
			print_message("%s: line %d: not %s\n", current_round, __LINE__, #cond);    \
	} while (0)

static void check_frames(const struct gc_goroutine *g)
{
	expect(g->n_frames <= MAX_FRAMES);
	expect(g->n_frames == 0 || g->frames);
	expect(g->elided >= 0); /* 1.21+ format: never -1 */
	expect(g->elided_at <= g->n_frames);
	for (size_t j = 0; j < g->n_frames && g->frames; j++) {
		expect(g->frames[j].func);
		expect(g->frames[j].file);
		expect(g->frames[j].inlined || g->frames[j].args);
	}
}

/* Renders the report every way gocrashctl can, and stores and reads it back. */
static void render_report(const struct gc_go_report *r)
{
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	struct gc_go_report back = {};
	FILE *out = open_memstream(&text, &size);

	assert_non_null(out);
	gc_go_report_print_text(r, NULL, out);
	gc_go_report_print_text(r, &(struct gc_go_render){.crashed_only = true}, out);
	gc_go_report_print_text(r, &(struct gc_go_render){.group = true}, out);
	gc_go_report_print_json(r, NULL, out);
	free(gc_go_report_crashed_stack(r, 8));
	assert_int_equal(fclose(out), 0);
	free(TAKE_PTR(text));

	out = open_memstream(&text, &size);
	assert_non_null(out);
	expect(gc_go_report_write(r, out) == 0);
	assert_int_equal(fclose(out), 0);
	out = fmemopen(text, size, "r");
	assert_non_null(out);
	expect(gc_go_report_read(out, &back) == 0);
	fclose(out);
	expect(back.n_goroutines == r->n_goroutines);
	gc_go_report_free(&back);
}

/* What any report must be, however damaged the core: bounded, and every string the header
 * promises present; the renderers and the stored form must cope with it. */
static void check_report(const struct gc_go_report *r, uint64_t max_goroutines)
{
	size_t crashed = 0;

	expect(r->go_version && strcmp(r->go_version, "go1.22.12") == 0);
	expect(r->go_minor == 22);
	expect(r->signature && strlen(r->signature) == 16 &&
	       strspn(r->signature, "0123456789abcdef") == 16);
	expect(r->n_goroutines <= max_goroutines);
	expect(r->n_goroutines == 0 || r->goroutines);
	expect(r->n_notes == 0 || r->notes);
	for (size_t i = 0; i < r->n_notes && r->notes; i++)
		expect(r->notes[i]);
	for (size_t i = 0; i < r->n_goroutines && r->goroutines; i++) {
		const struct gc_goroutine *g = &r->goroutines[i];

		expect(g->status_text);
		expect(!g->created_by || g->created_file);
		crashed += g->crashed;
		check_frames(g);
	}
	/* one crashing goroutine at most, and first */
	expect(crashed <= 1);
	expect(crashed == 0 || r->goroutines[0].crashed);
	render_report(r);
}

struct damage_stats {
	unsigned rounds, with_notes, with_goroutine_notes;
	double max_seconds;
};

static void test_damaged_cores(void **state)
{
	struct fixture *f = *state;
	struct damager d = {.f = f, .core = malloc(f->core_size)};
	struct damage_stats stats[N_DAMAGE] = {};
	double start = now_s(), cpu_start = clock_s(CLOCK_PROCESS_CPUTIME_ID), worst = 0, cpu;
	unsigned worst_round = 0;

	n_broken = 0;
	assert_non_null(d.core);
	memcpy(d.core, f->core, f->core_size);
	d.allgs = peek_word(&d, f->allgptr_addr);
	d.allglen = peek_word(&d, f->allglen_addr);
	assert_true(d.allglen >= f->clean.n_goroutines);
	assert_non_null(raw_at(&d, d.allgs, d.allglen * 8));

	for (unsigned round = 0; round < ROUNDS; round++) {
		enum damage kind = (enum damage)(round % N_DAMAGE);
		/* some rounds with a small bound, to see it kept */
		uint64_t max = round % 5 == 4 ? 1 + rng_below(20) : 0;
		struct gc_go_report r;
		double seconds;
		bool structural;
		int core_fd, rc;
		size_t goroutine_notes = 0;
		static char name[64]; /* current_round points here */

		memcpy(d.core, f->core, f->core_size);
		structural = apply_damage(&d, kind);
		core_fd = store_core(d.core, f->core_size);
		rc = analyze(core_fd, f->exe_fd, max, &r, &seconds);
		close(core_fd);
		if (rc != 0 || seconds >= RUN_LIMIT_S)
			print_message("round %u (%s): returned %d after %.3f s\n", round,
				      damage_names[kind], rc, seconds);
		assert_int_equal(rc, 0);
		assert_true(seconds < RUN_LIMIT_S);
		snprintf(name, sizeof(name), "round %u (%s)", round, damage_names[kind]);
		current_round = name;
		if (getenv("GC_TEST_VERBOSE")) {
			print_message("%s: %.3f s, %zu goroutines, %zu notes\n", name, seconds,
				      r.n_goroutines, r.n_notes);
			for (size_t i = 0; i < MIN(r.n_notes, (size_t)3); i++)
				print_message("  note: %s\n", r.notes[i]);
			if (r.n_notes > 3)
				print_message("  note: %s\n", r.notes[r.n_notes - 1]);
		}
		check_report(&r, max ? max : DEFAULT_BOUND);
		expect(!structural || r.n_notes > 0);
		for (size_t i = 0; i < r.n_goroutines; i++)
			goroutine_notes += r.goroutines[i].note != NULL;
		stats[kind].rounds++;
		stats[kind].with_notes += r.n_notes > 0;
		stats[kind].with_goroutine_notes += goroutine_notes > 0;
		stats[kind].max_seconds = MAX(stats[kind].max_seconds, seconds);
		if (seconds > worst) {
			worst = seconds;
			worst_round = round;
		}
		gc_go_report_free(&r);
	}
	for (unsigned k = 0; k < N_DAMAGE; k++)
		print_message("%-18s %3u rounds, %3u with report notes, %3u with goroutine notes, "
			      "slowest %.3f s\n",
			      damage_names[k], stats[k].rounds, stats[k].with_notes,
			      stats[k].with_goroutine_notes, stats[k].max_seconds);
	cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
	print_message(
	    "%u damaged cores in %.1f s (CPU %.1f s), slowest analysis %.3f s (round %u)\n", ROUNDS,
	    now_s() - start, cpu, worst, worst_round);
	free(d.core);
	if (n_broken > 0)
		print_message("%u broken promises\n", n_broken);
	assert_int_equal(n_broken, 0);
	/* CPU time: the wall clock depends on what else the machine runs */
	assert_true(cpu < TOTAL_LIMIT_S);
}

/* A stack that never ends: 128 KiB of heap filled with the entry pc of a function, where its
 * frame size is 0, so that every word is a frame of its own (16384 of them), and a waiting
 * goroutine that resumes there. The walk must keep its 100 frames, count the rest and end in
 * time. (Small, because every frame walked, elided or not, has its arguments formatted: about
 * 1 us a frame, 20 to 50 us under ASan.) */
static void test_endless_stack(void **state)
{
	struct fixture *f = *state;
	struct damager d = {.f = f, .core = malloc(f->core_size)};
	const struct gc_goroutine *g = &f->clean.goroutines[1];
	const uint64_t start = 0xc000200000, size = 128u << 10;
	uint64_t *words;
	struct gc_go_report r;
	double seconds;
	int core_fd;

	n_broken = 0;
	assert_non_null(d.core);
	memcpy(d.core, f->core, f->core_size);
	words = (uint64_t *)raw_at(&d, start, size);
	assert_non_null(words);
	/* nothing the walk needs lives there */
	for (size_t i = 0; i < f->clean.n_goroutines; i++)
		assert_true(f->clean.goroutines[i].gp + 512 <= start ||
			    f->clean.goroutines[i].gp >= start + size);
	for (size_t i = 0; i < size / 8; i++)
		words[i] = f->descend;
	poke_word(&d, g->gp + f->layout->g_sched_sp, start);
	/* the walk keeps to the goroutine's stack: make the region its stack */
	poke_word(&d, g->gp + f->layout->g_stack_lo, start);
	poke_word(&d, g->gp + f->layout->g_stack_hi, start + size);
	poke_word(&d, g->gp + f->layout->g_sched_pc, f->descend);
	core_fd = store_core(d.core, f->core_size);
	assert_int_equal(analyze(core_fd, f->exe_fd, 0, &r, &seconds), 0);
	close(core_fd);
	assert_true(r.n_goroutines >= 2);
	assert_int_equal(r.goroutines[1].gp, g->gp);
	print_message("endless stack: %.3f s, goroutine %" PRId64 ": %zu frames, %" PRId64
		      " elided, note: %s\n",
		      seconds, r.goroutines[1].id, r.goroutines[1].n_frames, r.goroutines[1].elided,
		      r.goroutines[1].note ? r.goroutines[1].note : "none");
	assert_true(seconds < RUN_LIMIT_S);
	/* the first and last 50, and every other one counted */
	assert_int_equal(r.goroutines[1].n_frames, 100);
	assert_true(r.goroutines[1].elided > (int64_t)(size / 8) - 200);
	check_report(&r, DEFAULT_BOUND);
	assert_int_equal(n_broken, 0);
	gc_go_report_free(&r);
	free(d.core);
}

/* Panic values that are floats, as go1.25 println() and go1.26 strconv.FormatFloat(v, 'g', -1,
 * 64 or 32) write them (checked against both on 400,000 random values). */
static void test_float_format(void **state)
{
	static const struct {
		double v;
		bool single;
		const char *old, *shortest;
	} cases[] = {
	    {1.5, false, "+1.500000e+000", "1.5"},
	    {0.1 + 0.2, false, "+3.000000e-001", "0.30000000000000004"},
	    {-2, false, "-2.000000e+000", "-2"},
	    {0, false, "+0.000000e+000", "0"},
	    {-0.0, false, "-0.000000e+000", "-0"},
	    {123456, false, "+1.234560e+005", "123456"},
	    {1234567, false, "+1.234567e+006", "1.234567e+06"},
	    {1e21, false, "+1.000000e+021", "1e+21"},
	    {0.0001234, false, "+1.234000e-004", "0.0001234"},
	    {1e-5, false, "+1.000000e-005", "1e-05"},
	    {5e-324, false, "+4.940656e-324", "5e-324"},
	    {1.7976931348623157e308, false, "+1.797693e+308", "1.7976931348623157e+308"},
	    {9.9999999, false, "+1.000000e+001", "9.9999999"},
	    {(float)0.1, true, "+1.000000e-001", "0.1"},
	    {(float)16777217.0, true, "+1.677722e+007", "1.6777216e+07"},
	    {1.0 / 0.0, false, "+Inf", "+Inf"},
	    {-1.0 / 0.0, false, "-Inf", "-Inf"},
	    {0.0 / 0.0, false, "NaN", "NaN"},
	};
	char buf[GC_GO_FLOAT_MAX];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		gc_go_format_float(buf, cases[i].v, cases[i].single, false);
		assert_string_equal(buf, cases[i].old);
		gc_go_format_float(buf, cases[i].v, cases[i].single, true);
		assert_string_equal(buf, cases[i].shortest);
	}
}

/* ---- goroutine labels ---- */

/* The fixture: go1.27, stripped, GODEBUG=tracebacklabels=1 in its environment. Every header
 * the runtime printed with labels is in our text, byte for byte; and a note says how the
 * labels were decided, runtime.debug being unknown without symbols. */
static void check_label_headers(const struct fixture *f)
{
	_cleanup_free_ char *text = NULL;
	size_t size = 0, n = 0;
	FILE *out = open_memstream(&text, &size);

	assert_non_null(out);
	gc_go_report_print_text(&f->clean, NULL, out);
	assert_int_equal(fclose(out), 0);
	for (const char *p = f->stderr_text; (p = strstr(p, "\ngoroutine ")); p++) {
		const char *end = strchr(p + 1, '\n');
		_cleanup_free_ char *line = strndup(p, (size_t)(end - p + 1));

		assert_non_null(line);
		if (!strstr(line, "] {"))
			continue;
		if (!strstr(text, line))
			fail_msg("not in our text:%s", line);
		n++;
	}
	print_message("%zu headers with labels as the runtime printed them\n", n);
	assert_true(n >= 5);
	assert_true(f->clean.labels_shown);
	assert_true(has_note(&f->clean, "runtime.debug is not in the symbol table"));
	assert_true(has_note(&f->clean, "GODEBUG in the environment"));
}

/* The label set g.labels points to: {list, len, cap}, each label {key, value string}. */
static uint64_t label_set(const struct damager *d, const struct gc_goroutine *g)
{
	return peek_word(d, g->gp + d->f->layout->g_labels);
}

enum label_damage {
	SET_GARBAGE,  /* g.labels: nowhere */
	LIST_GARBAGE, /* the list: nowhere */
	LIST_HUGE,    /* len 2^40: past the list, garbage or nothing */
	KEY_GARBAGE,  /* a key's pointer: nowhere */
	KEY_HUGE,     /* a key's length 2^62 */
	VALUE_LONG,   /* a value's length 5000: longer than is read */
	ENV_OFF,      /* GODEBUG=tracebacklabels=0 in the environment */
	N_LABEL_DAMAGE,
};

static void damage_labels(struct damager *d, const struct gc_goroutine *g, enum label_damage k)
{
	uint64_t set = label_set(d, g), list = peek_word(d, set);
	uint8_t *env = NULL;

	switch (k) {
	case SET_GARBAGE:
		poke_word(d, g->gp + d->f->layout->g_labels, 0xdead00000000ull);
		break;
	case LIST_GARBAGE:
		poke_word(d, set, 0x7ff000000000ull);
		break;
	case LIST_HUGE:
		poke_word(d, set + 8, 1ull << 40);
		break;
	case KEY_GARBAGE:
		poke_word(d, list, 8);
		poke_word(d, list + 8, 3);
		break;
	case KEY_HUGE:
		poke_word(d, list + 8, 1ull << 62);
		break;
	case VALUE_LONG:
		poke_word(d, list + 24, 5000);
		break;
	case ENV_OFF:
		/* The last copy: the heap may hold one too, the stack is the highest mapping. */
		for (uint8_t *p = d->core; (p = memmem(p, d->f->core_size - (size_t)(p - d->core),
						       "GODEBUG=tracebacklabels=1", 26));
		     p++)
			env = p;
		assert_non_null(env);
		env[24] = '0';
		break;
	default:
		break;
	}
}

static void test_labels(void **state)
{
	/* The note each damage gives, or (a string that may not be there) the other. */
	static const char *const expected_note[N_LABEL_DAMAGE][2] = {
	    [SET_GARBAGE] = {"are not in the core", NULL},
	    [LIST_GARBAGE] = {"are not in the core", NULL},
	    [LIST_HUGE] = {"more than 256 labels", "are not in the core"},
	    [KEY_GARBAGE] = {"are not in the core", NULL},
	    [KEY_HUGE] = {"longer than 4096 bytes", "are not in the core"},
	    [VALUE_LONG] = {"longer than 4096 bytes", "are not in the core"},
	    [ENV_OFF] = {"are left out", NULL},
	};
	struct fixture *f = fixture_load(LABELS_CORE, LABELS_EXE, LABELS_STDERR);
	struct damager d = {.f = f, .core = malloc(f->core_size)};
	unsigned rounds = 0;

	(void)state;
	print_notes(&f->clean);
	check_label_headers(f);
	assert_non_null(d.core);
	for (size_t i = 0; i < f->clean.n_goroutines; i++) {
		const struct gc_goroutine *g = &f->clean.goroutines[i];

		for (unsigned k = 0; k < N_LABEL_DAMAGE && g->n_labels > 0; k++) {
			const char *const *want = expected_note[k];
			struct gc_go_report r;
			double seconds;
			int core_fd;

			memcpy(d.core, f->core, f->core_size);
			damage_labels(&d, g, (enum label_damage)k);
			core_fd = store_core(d.core, f->core_size);
			assert_int_equal(analyze(core_fd, f->exe_fd, 0, &r, &seconds), 0);
			close(core_fd);
			if (!(has_note(&r, want[0]) || (want[1] && has_note(&r, want[1]))) ||
			    r.labels_shown != (k != ENV_OFF)) {
				print_notes(&r);
				fail_msg("goroutine %" PRId64 ", damage %u: no note \"%s\"", g->id,
					 k, want[0]);
			}
			for (size_t j = 0; j < r.n_goroutines; j++) {
				assert_true(r.goroutines[j].n_labels <= GC_GO_REPORT_MAX_LABELS);
				for (size_t l = 0; l < r.goroutines[j].n_labels; l++)
					assert_true(r.goroutines[j].labels[l].key_len <= 4096 &&
						    r.goroutines[j].labels[l].value_len <= 4096);
			}
			render_report(&r);
			gc_go_report_free(&r);
			rounds++;
		}
	}
	print_message("%u cores with damaged labels\n", rounds);
	free(d.core);
	assert_int_equal(n_broken, 0);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_report),
	    cmocka_unit_test(test_fixture_text),
	    cmocka_unit_test(test_deadline),
	    cmocka_unit_test(test_mismatch_c),
	    cmocka_unit_test(test_mismatch_go),
	    cmocka_unit_test(test_exe_check_match),
	    cmocka_unit_test(test_exe_check_core_build_id),
	    cmocka_unit_test(test_exe_check_core_garbage),
	    cmocka_unit_test(test_exe_check_core_name),
	    cmocka_unit_test(test_endless_stack),
	    cmocka_unit_test(test_damaged_cores),
	    cmocka_unit_test(test_float_format),
	    cmocka_unit_test(test_labels),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
