/* SPDX-License-Identifier: MIT */
/* The Go report: stored form, and the text the runtime itself prints.
 *
 * tests/data/goreport/go1.19.stderr and go1.24.stderr are the real standard error of
 * tests/data/goreport/crash.go, built with that release and run with GOTRACEBACK=crash:
 *
 *   GOTOOLCHAIN=local GOPROXY=off /usr/lib/go-1.24/bin/go build -o crash .
 *   (ulimit -c 0; GOTRACEBACK=crash ./crash 2> go1.24.stderr)
 *
 * The tests build by hand the report an extractor would make of that process and check that
 * print_text gives back the runtime's bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "goreport.h"
#include "macro.h"
#include "store.h"

#define R119 "/usr/lib/go-1.19/src/runtime/"
#define R124 "/usr/lib/go-1.24/src/runtime/"
#define MAIN "/tmp/h3go/main.go"

/* ---- building reports ---- */

struct fr {
	const char *func, *args, *file;
	int32_t line;
	uint64_t off, fp, sp, pc; /* as printed; entry = pc - off */
	bool inlined;
};

#define FRX(fn, a, fl, ln, o, f, s, p, inl)                                                        \
	{                                                                                          \
		.func = fn, .args = a, .file = fl, .line = ln, .off = o, .fp = f, .sp = s,         \
		.pc = p, .inlined = inl                                                            \
	}
#define FR(fn, a, fl, ln, o, f, s, p) FRX(fn, a, fl, ln, o, f, s, p, false)
#define INL(fn, fl, ln)                                                                            \
	{                                                                                          \
		.func = fn, .file = fl, .line = ln, .inlined = true                                \
	}

struct gspec {
	int64_t id;
	uint64_t gp, mp;
	int64_t m_id;
	uint32_t status;
	const char *status_text;
	bool locked, crashed;
	int64_t parent;
	const char *created_by, *created_file;
	int32_t created_line;
	uint64_t created_off;
};

static char *xstrdup(const char *s)
{
	char *copy;

	if (!s)
		return NULL;
	copy = strdup(s);
	assert_non_null(copy);
	return copy;
}

static const char *intern(struct gc_go_report *r, const char *s)
{
	const char *name;

	assert_int_equal(gc_go_report_intern(r, s, &name), 0);
	assert_true(s ? name && strcmp(name, s) == 0 : !name);
	return name;
}

static void add_frame(struct gc_go_report *r, struct gc_goroutine *g, const struct fr *f)
{
	struct gc_go_frame *frame;

	g->frames = reallocarray(g->frames, g->n_frames + 1, sizeof(*g->frames));
	assert_non_null(g->frames);
	frame = &g->frames[g->n_frames++];
	*frame = (struct gc_go_frame){
	    .func = intern(r, f->func),
	    .file = intern(r, f->file),
	    .line = f->line,
	    .inlined = f->inlined,
	    .pc = f->pc,
	    .entry = f->pc - f->off,
	    .sp = f->sp,
	    .fp = f->fp,
	    .args = xstrdup(f->args),
	};
}

static struct gc_goroutine *add_goroutine(struct gc_go_report *r, const struct gspec *s,
					  const struct fr *frames, size_t n_frames)
{
	struct gc_goroutine *g;

	r->goroutines = reallocarray(r->goroutines, r->n_goroutines + 1, sizeof(*r->goroutines));
	assert_non_null(r->goroutines);
	g = &r->goroutines[r->n_goroutines++];
	*g = (struct gc_goroutine){
	    .id = s->id,
	    .gp = s->gp,
	    .mp = s->mp,
	    .m_id = s->mp ? s->m_id : -1,
	    .status = s->status,
	    .status_text = xstrdup(s->status_text),
	    .locked = s->locked,
	    .crashed = s->crashed,
	    .parent_id = s->parent,
	    .created_by = xstrdup(s->created_by),
	    .created_file = xstrdup(s->created_file),
	    .created_line = s->created_line,
	    .created_off = s->created_off,
	};
	for (size_t i = 0; i < n_frames; i++)
		add_frame(r, g, &frames[i]);
	return g;
}

static void report_init(struct gc_go_report *r, unsigned minor, const char *version)
{
	*r = (struct gc_go_report){
	    .go_minor = minor,
	    .go_version = xstrdup(version),
	    .reason = xstrdup("panic: boom"),
	    .signature = xstrdup("c0ffee"),
	    .n_goroutines_total = 9,
	};
}

/* ---- go1.24.4 ---- */

static void add_g1_124(struct gc_go_report *r)
{
	static const struct fr frames[] = {
	    FR("panic", "{0x47b300?, 0x4ad840?}", R124 "panic.go", 811, 0x168, 0xc000074ed0,
	       0xc000074e20, 0x464408),
	    FR("main.crash", "0x5f5e100?, {0x0?, 0x0?}, {0x0?, 0x68?, 0x0?}", MAIN, 35, 0x25,
	       0xc000074ef0, 0xc000074ed0, 0x4730e5),
	    INL("main.outer", MAIN, 39),
	    FR("main.main", "", MAIN, 52, 0xc5, 0xc000074f50, 0xc000074ef0, 0x4731c5),
	    FR("runtime.main", "", R124 "proc.go", 283, 0x28b, 0xc000074fe0, 0xc000074f50,
	       0x436e0b),
	    FR("runtime.goexit", "{}", R124 "asm_amd64.s", 1700, 0x1, 0xc000074fe8, 0xc000074fe0,
	       0x46a721),
	};
	const struct gspec s = {.id = 1,
				.gp = 0xc000002380,
				.mp = 0x5183c0,
				.m_id = 0,
				.status = GC_GO_RUNNING,
				.crashed = true};

	add_goroutine(r, &s, frames, ELEMENTSOF(frames));
}

static void add_g2_124(struct gc_go_report *r)
{
	static const struct fr frames[] = {
	    FR("runtime.gopark", "0x0?, 0x0?, 0x0?, 0x0?, 0x0?", R124 "proc.go", 435, 0xce,
	       0xc000040fa8, 0xc000040f88, 0x4647ee),
	    INL("runtime.goparkunlock", R124 "proc.go", 441),
	    FR("runtime.forcegchelper", "", R124 "proc.go", 348, 0xb3, 0xc000040fe0, 0xc000040fa8,
	       0x437153),
	    FR("runtime.goexit", "{}", R124 "asm_amd64.s", 1700, 0x1, 0xc000040fe8, 0xc000040fe0,
	       0x46a721),
	};
	const struct gspec s = {.id = 2,
				.gp = 0xc0000028c0,
				.status = GC_GO_WAITING,
				.status_text = "force gc (idle)",
				.parent = 1,
				.created_by = "runtime.init.7",
				.created_file = R124 "proc.go",
				.created_line = 336,
				.created_off = 0x1a};

	add_goroutine(r, &s, frames, ELEMENTSOF(frames));
}

/* The three goroutines blocked in main.waiter: 4, 5, 6. */
static void add_waiter_124(struct gc_go_report *r, int64_t id, uint64_t gp, uint64_t base,
			   const char *const args[3])
{
	const struct fr frames[] = {
	    FR("runtime.gopark", args[0], R124 "proc.go", 435, 0xce, base + 0x08, base - 0x18,
	       0x4647ee),
	    FR("runtime.chanrecv", "0xc00006e070, 0x0, 0x1", R124 "chan.go", 664, 0x445,
	       base + 0x80, base + 0x08, 0x409d25),
	    FR("runtime.chanrecv1", args[1], R124 "chan.go", 506, 0x12, base + 0xa8, base + 0x80,
	       0x4098d2),
	    FR("main.waiter", args[2], MAIN, 20, 0x15, base + 0xc8, base + 0xa8, 0x473035),
	    FR("main.main.gowrap1", "", MAIN, 44, 0x25, base + 0xe0, base + 0xc8, 0x473205),
	    FR("runtime.goexit", "{}", R124 "asm_amd64.s", 1700, 0x1, base + 0xe8, base + 0xe0,
	       0x46a721),
	};
	const struct gspec s = {.id = id,
				.gp = gp,
				.status = GC_GO_WAITING,
				.status_text = "chan receive",
				.parent = 1,
				.created_by = "main.main",
				.created_file = MAIN,
				.created_line = 44,
				.created_off = 0x1f};

	add_goroutine(r, &s, frames, ELEMENTSOF(frames));
}

static const char *const quiet_args[3] = {"0x0?, 0x0?, 0x0?, 0x0?, 0x0?", "0x0?, 0x0?", "0x0?"};

static void add_g4_124(struct gc_go_report *r)
{
	static const char *const args[3] = {"0x408965?, 0x68?, 0x0?, 0x0?, 0x417901?",
					    "0x512440?, 0x5183c0?", "0xc0000407b8?"};

	add_waiter_124(r, 4, 0xc000003340, 0xc000040700, args);
}

static void add_g5_124(struct gc_go_report *r)
{
	add_waiter_124(r, 5, 0xc000003500, 0xc000041f00, quiet_args);
}

static void add_g6_124(struct gc_go_report *r)
{
	add_waiter_124(r, 6, 0xc0000036c0, 0xc000042700, quiet_args);
}

static void add_g7_124(struct gc_go_report *r)
{
	static const struct fr frames[] = {
	    FR("runtime.gopark", "0x0?, 0x0?, 0x60?, 0x2f?, 0x43b465?", R124 "proc.go", 435, 0xce,
	       0xc000042f20, 0xc000042f00, 0x4647ee),
	    FR("runtime.chanrecv", "0xc00006e070, 0x0, 0x1", R124 "chan.go", 664, 0x445,
	       0xc000042f98, 0xc000042f20, 0x409d25),
	    FR("runtime.chanrecv1", "0x0?, 0x0?", R124 "chan.go", 506, 0x12, 0xc000042fc0,
	       0xc000042f98, 0x4098d2),
	    FR("main.main.func1", "", MAIN, 48, 0x25, 0xc000042fe0, 0xc000042fc0, 0x473265),
	    FR("runtime.goexit", "{}", R124 "asm_amd64.s", 1700, 0x1, 0xc000042fe8, 0xc000042fe0,
	       0x46a721),
	};
	const struct gspec s = {.id = 7,
				.gp = 0xc000003880,
				.status = GC_GO_WAITING,
				.status_text = "chan receive",
				.locked = true,
				.parent = 1,
				.created_by = "main.main",
				.created_file = MAIN,
				.created_line = 46,
				.created_off = 0x7f};

	add_goroutine(r, &s, frames, ELEMENTSOF(frames));
}

/* main.deep() 121 deep, 126 frames in all: the runtime elides 26 of them. */
static void add_g8_124(struct gc_go_report *r)
{
	static const struct fr top[] = {
	    FR("runtime.gopark", "0x0?, 0x0?, 0x0?, 0x0?, 0x0?", R124 "proc.go", 435, 0xce,
	       0xc000109010, 0xc000108ff0, 0x4647ee),
	    FR("runtime.chanrecv", "0xc00006e070, 0x0, 0x1", R124 "chan.go", 664, 0x445,
	       0xc000109088, 0xc000109010, 0x409d25),
	    FR("runtime.chanrecv1", "0x0?, 0x0?", R124 "chan.go", 506, 0x12, 0xc0001090b0,
	       0xc000109088, 0x4098d2),
	    FR("main.deep", "", MAIN, 26, 0x28, 0xc0001090d0, 0xc0001090b0, 0x473088),
	};
	static const struct fr bottom[] = {
	    FR("main.main.gowrap2", "", MAIN, 50, 0x18, 0xc000109fe0, 0xc000109fd0, 0x473298),
	    FR("runtime.goexit", "{}", R124 "asm_amd64.s", 1700, 0x1, 0xc000109fe8, 0xc000109fe0,
	       0x46a721),
	};
	const struct gspec s = {.id = 8,
				.gp = 0xc000003a40,
				.status = GC_GO_WAITING,
				.status_text = "chan receive",
				.parent = 1,
				.created_by = "main.main",
				.created_file = MAIN,
				.created_line = 50,
				.created_off = 0x8b};
	struct gc_goroutine *g = add_goroutine(r, &s, top, ELEMENTSOF(top));

	for (uint64_t k = 1; k <= 120; k++) {
		uint64_t sp = 0xc0001090b0 + 0x20 * k;

		add_frame(r, g,
			  &(struct fr)FR("main.deep", "", MAIN, 30, 0x45, sp + 0x20, sp, 0x4730a5));
	}
	for (size_t i = 0; i < ELEMENTSOF(bottom); i++)
		add_frame(r, g, &bottom[i]);
}

/* ---- go1.19.8 ---- */

static void add_g1_119(struct gc_go_report *r)
{
	static const struct fr frames[] = {
	    FR("panic", "{0x45fb00, 0x480e20}", R119 "panic.go", 987, 0x3ba, 0xc000086f00,
	       0xc000086e40, 0x42df5a),
	    FR("main.crash", "0x5f5e100?, {0x404c78?, 0xc000086f70?}, {0x404bb9?, 0x60?, 0x0?}",
	       MAIN, 35, 0x27, 0xc000086f20, 0xc000086f00, 0x459ee7),
	    INL("main.outer", MAIN, 39),
	    FR("main.main", "", MAIN, 52, 0xda, 0xc000086f80, 0xc000086f20, 0x45a01a),
	    FR("runtime.main", "", R119 "proc.go", 250, 0x212, 0xc000086fe0, 0xc000086f80,
	       0x430bf2),
	    FR("runtime.goexit", "", R119 "asm_amd64.s", 1594, 0x1, 0xc000086fe8, 0xc000086fe0,
	       0x455bc1),
	};
	const struct gspec s = {.id = 1,
				.gp = 0xc0000001a0,
				.mp = 0x4d6a40,
				.m_id = 0,
				.status = GC_GO_RUNNING,
				.crashed = true};

	add_goroutine(r, &s, frames, ELEMENTSOF(frames));
}

static void add_g2_119(struct gc_go_report *r)
{
	static const struct fr frames[] = {
	    FR("runtime.gopark", "0x0?, 0x0?, 0x0?, 0x0?, 0x0?", R119 "proc.go", 363, 0xd6,
	       0xc00003afb0, 0xc00003af90, 0x430fb6),
	    INL("runtime.goparkunlock", R119 "proc.go", 369),
	    FR("runtime.forcegchelper", "", R119 "proc.go", 302, 0xad, 0xc00003afe0, 0xc00003afb0,
	       0x430e4d),
	    FR("runtime.goexit", "", R119 "asm_amd64.s", 1594, 0x1, 0xc00003afe8, 0xc00003afe0,
	       0x455bc1),
	};
	const struct gspec s = {.id = 2,
				.gp = 0xc000006680,
				.status = GC_GO_WAITING,
				.status_text = "force gc (idle)",
				.created_by = "runtime.init.6",
				.created_file = R119 "proc.go",
				.created_line = 290,
				.created_off = 0x25};

	add_goroutine(r, &s, frames, ELEMENTSOF(frames));
}

static void add_g20_119(struct gc_go_report *r)
{
	static const struct fr frames[] = {
	    FR("runtime.gopark", "0x0?, 0xc0000924e0?, 0xe0?, 0x24?, 0x0?", R119 "proc.go", 363,
	       0xd6, 0xc000037708, 0xc0000376e8, 0x430fb6),
	    FR("runtime.chanrecv", "0xc000080060, 0x0, 0x1", R119 "chan.go", 583, 0x49b,
	       0xc000037798, 0xc000037708, 0x40513b),
	    FR("runtime.chanrecv1", "0x0?, 0x0?", R119 "chan.go", 442, 0x18, 0xc0000377c0,
	       0xc000037798, 0x404c78),
	    FR("main.main.func1", "", MAIN, 48, 0x27, 0xc0000377e0, 0xc0000377c0, 0x459f27),
	    FR("runtime.goexit", "", R119 "asm_amd64.s", 1594, 0x1, 0xc0000377e8, 0xc0000377e0,
	       0x455bc1),
	};
	const struct gspec s = {.id = 20,
				.gp = 0xc000007040,
				.status = GC_GO_WAITING,
				.status_text = "chan receive",
				.locked = true,
				.created_by = "main.main",
				.created_file = MAIN,
				.created_line = 46,
				.created_off = 0x8a};

	add_goroutine(r, &s, frames, ELEMENTSOF(frames));
}

/* 125 physical frames: the runtime prints 100 and says the rest were elided. */
static void add_g21_119(struct gc_go_report *r)
{
	static const struct fr top[] = {
	    FR("runtime.gopark", "0x0?, 0x0?, 0x0?, 0x0?, 0x0?", R119 "proc.go", 363, 0xd6,
	       0xc0000a0ff8, 0xc0000a0fd8, 0x430fb6),
	    FR("runtime.chanrecv", "0xc000080060, 0x0, 0x1", R119 "chan.go", 583, 0x49b,
	       0xc0000a1088, 0xc0000a0ff8, 0x40513b),
	    FR("runtime.chanrecv1", "0x0?, 0x0?", R119 "chan.go", 442, 0x18, 0xc0000a10b0,
	       0xc0000a1088, 0x404c78),
	    FR("main.deep", "", MAIN, 26, 0x33, 0xc0000a10d0, 0xc0000a10b0, 0x459e73),
	};
	const struct gspec s = {.id = 21,
				.gp = 0xc000007200,
				.status = GC_GO_WAITING,
				.status_text = "chan receive",
				.created_by = "main.main",
				.created_file = MAIN,
				.created_line = 50,
				.created_off = 0x96};
	struct gc_goroutine *g = add_goroutine(r, &s, top, ELEMENTSOF(top));

	for (uint64_t k = 1; k <= 120; k++) {
		uint64_t sp = 0xc0000a10b0 + 0x20 * k;

		add_frame(r, g,
			  &(struct fr)FR("main.deep", "", MAIN, 30, 0x4f, sp + 0x20, sp, 0x459e8f));
	}
	add_frame(r, g,
		  &(struct fr)FR("runtime.goexit", "", R119 "asm_amd64.s", 1594, 0x1, 0xc0000a1fe8,
				 0xc0000a1fe0, 0x455bc1));
}

/* ---- helpers ---- */

static char *read_data(const char *name)
{
	const char *dir = getenv("GC_TEST_DATA");
	_cleanup_free_ char *path = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	char *text = NULL;
	size_t size = 0;
	FILE *out;
	int c;

	assert_non_null(dir);
	assert_true(asprintf(&path, "%s/goreport/%s", dir, name) > 0);
	f = fopen(path, "re");
	assert_non_null(f);
	out = open_memstream(&text, &size);
	assert_non_null(out);
	while ((c = fgetc(f)) != EOF)
		fputc(c, out);
	assert_int_equal(fclose(out), 0);
	return text;
}

/* The runtime's lines for goroutine id: from its header to the line before the blank line
 * that ends it. */
static char *runtime_block(const char *text, int64_t id)
{
	char start[64];
	const char *p, *end;

	snprintf(start, sizeof(start), "\ngoroutine %" PRId64 " ", id);
	p = strstr(text, start);
	assert_non_null(p);
	p++;
	end = strstr(p, "\n\ngoroutine ");
	return strndup(p, end ? (size_t)(end + 1 - p) : strlen(p));
}

/* What the runtime printed for these goroutines: the reason, then each one after a blank
 * line. */
static char *runtime_text(const char *file, const int64_t *ids, size_t n)
{
	_cleanup_free_ char *text = read_data(file);
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	assert_non_null(f);
	fputs("panic: boom\n", f);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *block = runtime_block(text, ids[i]);

		fprintf(f, "\n%s", block);
	}
	assert_int_equal(fclose(f), 0);
	return out;
}

static char *render(const struct gc_go_report *r, const struct gc_go_render *opts, bool json)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	assert_non_null(f);
	if (json)
		gc_go_report_print_json(r, opts, f);
	else
		gc_go_report_print_text(r, opts, f);
	assert_int_equal(fclose(f), 0);
	return out;
}

static void assert_text(const struct gc_go_report *r, const struct gc_go_render *opts,
			const char *expected)
{
	_cleanup_free_ char *got = render(r, opts, false);

	if (strcmp(got, expected) != 0)
		fprintf(stderr, "--- expected\n%s--- got\n%s---\n", expected, got);
	assert_string_equal(got, expected);
}

/* ---- the runtime's text ---- */

static void test_text_go124_prefix(void **state)
{
	_cleanup_free_ char *text = read_data("go1.24.stderr");
	_cleanup_free_ char *expected = NULL;
	struct gc_go_report r;
	const char *end;

	report_init(&r, 24, "go1.24.4");
	add_g1_124(&r);
	add_g2_124(&r);
	/* The file's first bytes, up to the blank line before goroutine 3. */
	end = strstr(text, "\n\ngoroutine 3 ");
	assert_non_null(end);
	expected = strndup(text, end + 1 - text);
	assert_text(&r, NULL, expected);
	gc_go_report_free(&r);
}

static void test_text_go124(void **state)
{
	static const int64_t ids[] = {1, 2, 4, 5, 6, 7, 8};
	_cleanup_free_ char *expected = runtime_text("go1.24.stderr", ids, ELEMENTSOF(ids));
	struct gc_go_report r;

	report_init(&r, 24, "go1.24.4");
	add_g1_124(&r);
	add_g2_124(&r);
	add_g4_124(&r);
	add_g5_124(&r);
	add_g6_124(&r);
	add_g7_124(&r);
	add_g8_124(&r);
	assert_int_equal(r.goroutines[6].n_frames, 126);
	assert_text(&r, NULL, expected);
	gc_go_report_free(&r);
}

static void test_text_go119_prefix(void **state)
{
	_cleanup_free_ char *text = read_data("go1.19.stderr");
	_cleanup_free_ char *expected = NULL;
	struct gc_go_report r;
	const char *end;

	report_init(&r, 19, "go1.19.8");
	add_g1_119(&r);
	add_g2_119(&r);
	end = strstr(text, "\n\ngoroutine 3 ");
	assert_non_null(end);
	expected = strndup(text, end + 1 - text);
	assert_text(&r, NULL, expected);
	gc_go_report_free(&r);
}

static void test_text_go119(void **state)
{
	static const int64_t ids[] = {1, 2, 20, 21};
	_cleanup_free_ char *expected = runtime_text("go1.19.stderr", ids, ELEMENTSOF(ids));
	struct gc_go_report r;

	report_init(&r, 19, "go1.19.8");
	add_g1_119(&r);
	add_g2_119(&r);
	add_g20_119(&r);
	add_g21_119(&r);
	assert_int_equal(r.goroutines[3].n_frames, 125);
	assert_text(&r, NULL, expected);
	gc_go_report_free(&r);
}

/* Leaves frames [0, first) and the last `last` of g, as an extractor that keeps only what
 * the runtime prints. */
static void keep_frames(struct gc_goroutine *g, size_t first, size_t last)
{
	size_t gone = g->n_frames - first - last;

	for (size_t i = first; i < first + gone; i++)
		free(g->frames[i].args);
	memmove(&g->frames[first], &g->frames[first + gone], last * sizeof(*g->frames));
	g->n_frames = first + last;
}

/* The extractor may keep just the frames the runtime prints and say where the rest was. */
static void test_text_kept(void **state)
{
	static const int64_t ids124[] = {8}, ids119[] = {21};
	_cleanup_free_ char *expected124 = runtime_text("go1.24.stderr", ids124, 1);
	_cleanup_free_ char *expected119 = runtime_text("go1.19.stderr", ids119, 1);
	struct gc_go_report r;

	report_init(&r, 24, "go1.24.4");
	add_g8_124(&r);
	keep_frames(&r.goroutines[0], 50, 50);
	r.goroutines[0].elided = 26;
	r.goroutines[0].elided_at = 50;
	assert_text(&r, NULL, expected124);
	gc_go_report_free(&r);

	report_init(&r, 19, "go1.19.8");
	add_g21_119(&r);
	keep_frames(&r.goroutines[0], 100, 0);
	r.goroutines[0].elided = -1;
	assert_text(&r, NULL, expected119);
	gc_go_report_free(&r);
}

/* The same goroutines as 1.22 and 1.21 print them: the header loses gp= m= mp= before 1.22,
 * the elision is the same. */
static void test_text_go121_header(void **state)
{
	struct gc_go_report r;
	_cleanup_free_ char *got = NULL;

	report_init(&r, 21, "go1.21.13");
	add_g7_124(&r);
	got = render(&r, NULL, false);
	assert_non_null(strstr(got, "\ngoroutine 7 [chan receive, locked to thread]:\n"));
	assert_non_null(strstr(got, "\ncreated by main.main in goroutine 1\n"));
	gc_go_report_free(&r);

	report_init(&r, 20, "go1.20.14");
	add_g7_124(&r);
	free(got);
	got = render(&r, NULL, false);
	assert_non_null(strstr(got, "\ncreated by main.main\n\t" MAIN ":46 +0x7f\n"));
	gc_go_report_free(&r);
}

static void assert_json(const char *text);

/* Labels as pprof sorts them, awkward bytes and all (a NUL, bytes that are not UTF-8). */
#define LABEL(k, v)                                                                                \
	{                                                                                          \
		k, sizeof(k) - 1, v, sizeof(v) - 1                                                 \
	}
static const struct {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
} labels[] = {
    LABEL("", ""),
    LABEL("Z", "a-b"),
    LABEL("bad", "\xff\xc3(\xe2\x82"),
    LABEL("ctl", "\n\r\t\x01\x7f\x00"),
    LABEL("plain", "v1.2/x_y"),
    LABEL("sp ace", "q\"uote\\"),
    LABEL("utf", "\u00e9\u20ac\U0001f600\ufffd"),
};

static struct gc_goroutine *add_labelled(struct gc_go_report *r, int64_t id)
{
	static const struct fr frames[] = {
	    FR("time.Sleep", "0x34630b8a000", "/usr/lib/go-1.26/src/runtime/time.go", 363, 0x165,
	       0xc000063fb0, 0xc000063f78, 0x47c1a5),
	};
	const struct gspec s = {
	    .id = id, .gp = 0xc000102a80, .status = GC_GO_WAITING, .status_text = "sleep"};
	struct gc_goroutine *g = add_goroutine(r, &s, frames, ELEMENTSOF(frames));

	for (size_t i = 0; i < ELEMENTSOF(labels); i++)
		assert_int_equal(gc_goroutine_add_label(g, labels[i].key, labels[i].key_len,
							labels[i].value, labels[i].value_len),
				 0);
	return g;
}

/* The headers go1.26.11 and go1.27.4 printed for these labels (GODEBUG=tracebacklabels=1):
 * 1.26 quotes everything inside the brackets and shows what is not UTF-8 as U+FFFD, 1.27
 * quotes only what needs it, after the brackets, and shows such bytes as they are. */
static void test_labels(void **state)
{
	static const char *const header_126 =
	    "\ngoroutine 19 gp=0xc000102a80 m=nil [sleep labels:{\"\": \"\", \"Z\": \"a-b\", "
	    "\"bad\": \"\\ufffd\\ufffd(\\ufffd\\ufffd\", \"ctl\": \"\\n\\r\\t\\x01\\u007f\\x00\", "
	    "\"plain\": \"v1.2/x_y\", \"sp ace\": \"q\\\"uote\\\\\", "
	    "\"utf\": \"\\u00e9\\u20ac\\U0001f600\\ufffd\"}]:\ntime.Sleep(";
	static const char *const header_127 =
	    "\ngoroutine 19 gp=0xc000102a80 m=nil [sleep] {: , Z: \"a-b\", "
	    "bad: \"\\xff\\xc3(\\xe2\\x82\", ctl: \"\\n\\r\\t\\x01\\u007f\\x00\", "
	    "plain: v1.2/x_y, \"sp ace\": \"q\\\"uote\\\\\", "
	    "utf: \"\\u00e9\\u20ac\\U0001f600\\ufffd\"}:\ntime.Sleep(";
	struct gc_go_report r;
	_cleanup_free_ char *shown = NULL, *hidden = NULL, *grouped = NULL, *json = NULL;

	(void)state;
	for (unsigned minor = 26; minor <= 27; minor++) {
		report_init(&r, minor, minor == 26 ? "go1.26.11" : "go1.27.4");
		add_g1_124(&r);
		add_labelled(&r, 19);
		add_labelled(&r, 20);
		r.labels_shown = true;
		free(shown);
		shown = render(&r, NULL, false);
		assert_non_null(strstr(shown, minor == 26 ? header_126 : header_127));
		/* Unlabelled goroutines keep the plain header. */
		assert_non_null(strstr(shown, "\ngoroutine 1 gp=0xc000002380 m=0 mp=0x5183c0 "
					      "[running]:\n"));
		/* tracebacklabels=0: the runtime prints none. */
		r.labels_shown = false;
		free(hidden);
		hidden = render(&r, NULL, false);
		assert_non_null(strstr(hidden, "\ngoroutine 19 gp=0xc000102a80 m=nil [sleep]:\n"));
		/* A group stands for goroutines whose labels may differ: its header has none. */
		r.labels_shown = true;
		free(grouped);
		grouped = render(&r, &(struct gc_go_render){.group = true}, false);
		assert_non_null(strstr(grouped, "\n2 goroutines: goroutine 19, 20 [sleep]:\n"));
		gc_go_report_free(&r);
	}
	/* JSON has the labels whether the runtime shows them or not, NUL included. */
	report_init(&r, 26, "go1.26.11");
	add_labelled(&r, 19);
	json = render(&r, NULL, true);
	assert_json(json);
	assert_non_null(strstr(json, ",\"labels_shown\":false,"));
	assert_non_null(
	    strstr(json, ",\"labels\":{\"\":\"\",\"Z\":\"a-b\",\"bad\":"
			 "\"\\ufffd\\ufffd(\\ufffd\\ufffd\",\"ctl\":\"\\n\\u000d\\t\\u0001\\u007f"
			 "\\u0000\",\"plain\":\"v1.2/x_y\",\"sp ace\":\"q\\\"uote\\\\\","
			 "\"utf\":\"\u00e9\u20ac\U0001f600\ufffd\"},"));
	gc_go_report_free(&r);
}

static void test_crashed_only(void **state)
{
	static const int64_t ids[] = {1};
	_cleanup_free_ char *block = runtime_text("go1.24.stderr", ids, 1);
	_cleanup_free_ char *expected = NULL;
	const struct gc_go_render opts = {.crashed_only = true};
	struct gc_go_report r;

	report_init(&r, 24, "go1.24.4");
	add_g2_124(&r);
	add_g1_124(&r);
	add_g7_124(&r);
	assert_text(&r, &opts, block);

	/* The signal line follows the reason, as dopanic_m prints it. */
	r.signal =
	    xstrdup("[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4730e5]");
	assert_true(asprintf(&expected, "panic: boom\n%s\n%s", r.signal,
			     block + strlen("panic: boom\n")) > 0);
	assert_text(&r, &opts, expected);

	r.goroutines[1].crashed = false;
	assert_text(&r, &opts,
		    "panic: boom\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 "
		    "pc=0x4730e5]\n\n# which goroutine crashed is not known\n");
	gc_go_report_free(&r);
}

#define GROUPED_WAITERS                                                                            \
	"runtime.gopark(...)\n\t" R124 "proc.go:435 +0xce\n"                                       \
	"runtime.chanrecv(...)\n\t" R124 "chan.go:664 +0x445\n"                                    \
	"runtime.chanrecv1(...)\n\t" R124 "chan.go:506 +0x12\n"                                    \
	"main.waiter(...)\n\t" MAIN ":20 +0x15\n"                                                  \
	"main.main.gowrap1(...)\n\t" MAIN ":44 +0x25\n"                                            \
	"runtime.goexit(...)\n\t" R124 "asm_amd64.s:1700 +0x1\n"                                   \
	"created by main.main in goroutine 1\n\t" MAIN ":44 +0x1f\n"

static void test_group(void **state)
{
	static const int64_t first[] = {1}, rest[] = {2, 7, 8};
	_cleanup_free_ char *crashed = runtime_text("go1.24.stderr", first, 1);
	_cleanup_free_ char *singles = runtime_text("go1.24.stderr", rest, ELEMENTSOF(rest));
	_cleanup_free_ char *expected = NULL;
	const struct gc_go_render opts = {.group = true};
	struct gc_go_report r;

	report_init(&r, 24, "go1.24.4");
	add_g2_124(&r);
	add_g4_124(&r);
	add_g5_124(&r);
	add_g7_124(&r);
	add_g1_124(&r);
	add_g6_124(&r);
	add_g8_124(&r);
	/* The crashing goroutine first, then the largest group, then in the order seen. */
	assert_true(asprintf(&expected, "%s\n3 goroutines: goroutine 4, 5, 6 [chan receive]:\n%s%s",
			     crashed, GROUPED_WAITERS, singles + strlen("panic: boom\n")) > 0);
	assert_text(&r, &opts, expected);

	/* Waits of different length give a range. */
	r.goroutines[1].wait_minutes = 3;
	r.goroutines[5].wait_minutes = 7;
	free(expected);
	assert_true(
	    asprintf(&expected,
		     "%s\n3 goroutines: goroutine 4, 5, 6 [chan receive, 0-7 minutes]:\n%s%s",
		     crashed, GROUPED_WAITERS, singles + strlen("panic: boom\n")) > 0);
	assert_text(&r, &opts, expected);
	gc_go_report_free(&r);
}

static void test_group_many(void **state)
{
	const struct gc_go_render opts = {.group = true};
	_cleanup_free_ char *got = NULL;
	struct gc_go_report r;

	report_init(&r, 24, "go1.24.4");
	for (int64_t id = 10; id < 25; id++)
		add_waiter_124(&r, id, 0xc000003000 + id, 0xc000040700 + 0x800 * id, quiet_args);
	r.goroutines[14].created_line = 45; /* another go statement: another group */
	got = render(&r, &opts, false);
	assert_non_null(strstr(got, "\n14 goroutines: goroutine 10, 11, 12, 13, 14, 15, 16, 17, "
				    "18, 19, ... [chan receive]:\nruntime.gopark(...)\n"));
	assert_non_null(strstr(got, "\ngoroutine 24 gp=0xc000003018 m=nil [chan receive]:\n"));
	gc_go_report_free(&r);
}

/* A goroutine without a stack prints its note where the runtime prints its own. */
static void test_notes(void **state)
{
	struct gc_go_report r;
	struct gc_goroutine *g;
	const struct gspec s = {.id = 9,
				.gp = 0xc000003c00,
				.mp = 0xc000100008,
				.m_id = 3,
				.status = GC_GO_RUNNING,
				.parent = 1,
				.created_by = "main.main",
				.created_file = MAIN,
				.created_line = 44,
				.created_off = 0x1f};

	report_init(&r, 24, "go1.24.4");
	g = add_goroutine(&r, &s, NULL, 0);
	g->note = xstrdup("goroutine running on other thread; stack unavailable");
	assert_int_equal(gc_go_report_note(&r, "%d goroutines were %s", 2, "unreadable"), 0);
	assert_int_equal(gc_go_report_note(&r, "two\nlines"), 0);
	assert_text(&r, NULL,
		    "panic: boom\n\n"
		    "goroutine 9 gp=0xc000003c00 m=3 mp=0xc000100008 [running]:\n"
		    "\tgoroutine running on other thread; stack unavailable\n"
		    "created by main.main in goroutine 1\n"
		    "\t" MAIN ":44 +0x1f\n"
		    "\n# 2 goroutines were unreadable\n# two\n# lines\n");

	/* After frames, the note is ours. */
	add_frame(&r, g, &(struct fr)FR("main.f", "", MAIN, 7, 0x10, 0x30, 0x20, 0x1010));
	g->scan = true;
	g->wait_minutes = 12;
	g->synctest_group = 5;
	assert_text(&r, &(struct gc_go_render){.crashed_only = false},
		    "panic: boom\n\n"
		    "goroutine 9 gp=0xc000003c00 m=3 mp=0xc000100008 [running (scan), 12 minutes, "
		    "synctest group 5]:\n"
		    "main.f()\n\t" MAIN ":7 +0x10 fp=0x30 sp=0x20 pc=0x1010\n"
		    "# goroutine running on other thread; stack unavailable\n"
		    "created by main.main in goroutine 1\n"
		    "\t" MAIN ":44 +0x1f\n"
		    "\n# 2 goroutines were unreadable\n# two\n# lines\n");
	gc_go_report_free(&r);
}

/* n physical frames f0..f(n-1), with inlined frames where inlined[i] says. */
static struct gc_go_report *long_stack(unsigned minor, size_t n, const bool *inlined)
{
	struct gc_go_report *r = calloc(1, sizeof(*r));
	const struct gspec s = {.id = 1, .status = GC_GO_RUNNING};
	struct gc_goroutine *g;

	assert_non_null(r);
	r->go_minor = minor;
	g = add_goroutine(r, &s, NULL, 0);
	for (size_t i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%zu", i);
		add_frame(r, g,
			  &(struct fr)FRX(name, "", "x.go", (int32_t)i, 0x10, 0, 0, 0x1000,
					  inlined && inlined[i]));
	}
	return r;
}

static size_t count(const char *text, const char *what)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static void check_elision(unsigned minor, size_t n, const bool *inlined, size_t printed,
			  const char *message)
{
	struct gc_go_report *r = long_stack(minor, n, inlined);
	_cleanup_free_ char *got = render(r, NULL, false);

	assert_int_equal(count(got, "\tx.go:"), printed);
	if (message)
		assert_non_null(strstr(got, message));
	else
		assert_null(strstr(got, "elided"));
	gc_go_report_free(r);
	free(r);
}

static void test_elision(void **state)
{
	bool inlined[200] = {[3] = true};

	/* 1.21+: 50 + 50 logical frames, inlined ones count. */
	check_elision(21, 100, NULL, 100, NULL);
	check_elision(21, 101, NULL, 100,
		      "\tx.go:49 +0x10 fp=0x0 sp=0x0 pc=0x1000\n"
		      "...1 frames elided...\nf51()\n");
	check_elision(24, 200, inlined, 100, "\n...100 frames elided...\nf150()\n");
	/* 1.19, 1.20: 100 physical frames; the message only when exactly 100 frames printed. */
	check_elision(19, 99, NULL, 99, NULL);
	check_elision(19, 100, NULL, 100,
		      "\tx.go:99 +0x10 fp=0x0 sp=0x0 pc=0x1000\n"
		      "...additional frames elided...\n");
	check_elision(19, 150, NULL, 100,
		      "\tx.go:99 +0x10 fp=0x0 sp=0x0 pc=0x1000\n"
		      "...additional frames elided...\n");
	check_elision(20, 150, inlined, 101, NULL);
}

/* ---- stored form ---- */

static void assert_same_string(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_same_goroutine(const struct gc_goroutine *a, const struct gc_goroutine *b)
{
	assert_true(a->id == b->id && a->gp == b->gp && a->mp == b->mp && a->m_id == b->m_id);
	assert_true(a->status == b->status && a->scan == b->scan && a->locked == b->locked);
	assert_true(a->wait_minutes == b->wait_minutes && a->crashed == b->crashed);
	assert_true(a->thread == b->thread && a->parent_id == b->parent_id &&
		    a->synctest_group == b->synctest_group && a->durable == b->durable);
	assert_true(a->elided == b->elided && a->elided_at == b->elided_at);
	assert_same_string(a->status_text, b->status_text);
	assert_same_string(a->created_by, b->created_by);
	assert_same_string(a->created_file, b->created_file);
	assert_true(a->created_line == b->created_line && a->created_off == b->created_off);
	assert_same_string(a->note, b->note);
	assert_int_equal(a->n_labels, b->n_labels);
	for (size_t i = 0; i < a->n_labels; i++) {
		const struct gc_go_label *x = &a->labels[i], *y = &b->labels[i];

		assert_int_equal(x->key_len, y->key_len);
		assert_int_equal(x->value_len, y->value_len);
		assert_memory_equal(x->key, y->key, x->key_len + 1);
		assert_memory_equal(x->value, y->value, x->value_len + 1);
	}
	assert_int_equal(a->n_frames, b->n_frames);
	for (size_t i = 0; i < a->n_frames; i++) {
		const struct gc_go_frame *x = &a->frames[i], *y = &b->frames[i];

		assert_same_string(x->func, y->func);
		assert_same_string(x->file, y->file);
		assert_same_string(x->args, y->args);
		assert_true(x->line == y->line && x->inlined == y->inlined && x->pc == y->pc &&
			    x->entry == y->entry && x->sp == y->sp && x->fp == y->fp);
	}
}

static void assert_same_report(const struct gc_go_report *a, const struct gc_go_report *b)
{
	assert_int_equal(a->go_minor, b->go_minor);
	assert_same_string(a->go_version, b->go_version);
	assert_same_string(a->reason, b->reason);
	assert_same_string(a->signal, b->signal);
	assert_same_string(a->signature, b->signature);
	assert_true(a->n_goroutines_total == b->n_goroutines_total);
	assert_int_equal(a->labels_shown, b->labels_shown);
	assert_int_equal(a->n_goroutines, b->n_goroutines);
	for (size_t i = 0; i < a->n_goroutines; i++)
		assert_same_goroutine(&a->goroutines[i], &b->goroutines[i]);
	assert_int_equal(a->n_notes, b->n_notes);
	for (size_t i = 0; i < a->n_notes; i++)
		assert_string_equal(a->notes[i], b->notes[i]);
}

static char *stored(const struct gc_go_report *r, size_t *size)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, size);

	assert_non_null(f);
	assert_int_equal(gc_go_report_write(r, f), 0);
	assert_int_equal(fclose(f), 0);
	return text;
}

/* Reads size bytes of text back; a file of no bytes too. */
static int read_back(const char *text, size_t size, struct gc_go_report *ret)
{
	_cleanup_fclose_ FILE *f = size > 0 ? fmemopen((void *)text, size, "r") : tmpfile();

	assert_non_null(f);
	return gc_go_report_read(f, ret);
}

static const char *const awkward[] = {"tab\there\tand there",
				      "new\nline\r\nand CR\r",
				      "back\\slash \\t \\n \\N \\",
				      "\\N",
				      "",
				      "\xff\xfe not UTF-8 \xc3",
				      "\x01\x02\x1b[31m control",
				      "# looks like a note\ngoroutine 1 [running]:"};

/* Names are stored once per report, whatever their length and however many there are, and
 * read back the same way. */
static void test_intern(void **state)
{
	struct gc_go_report r = {}, back;
	_cleanup_free_ char *text = NULL, *long_name = NULL;
	const char *a, *b, *c;
	size_t size;

	a = intern(&r, "main.worker");
	assert_ptr_equal(intern(&r, "main.worker"), a);
	assert_null(intern(&r, NULL));
	assert_ptr_equal(intern(&r, ""), intern(&r, ""));
	/* Longer than a block: a block of its own, and the current one still takes names. */
	long_name = malloc((128u << 10) + 1);
	assert_non_null(long_name);
	memset(long_name, 'n', 128u << 10);
	long_name[128u << 10] = '\0';
	b = intern(&r, long_name);
	c = intern(&r, "main.after");
	assert_ptr_equal(intern(&r, long_name), b);
	assert_ptr_equal(intern(&r, "main.after"), c);
	/* Many names: the table grows, every name keeps its first copy. */
	for (int i = 0; i < 5000; i++) {
		char name[32];

		snprintf(name, sizeof(name), "main.f%d", i);
		assert_ptr_equal(intern(&r, name), intern(&r, name));
	}
	assert_ptr_equal(intern(&r, "main.worker"), a);
	assert_string_equal(a, "main.worker");
	assert_int_equal(strlen(b), 128u << 10);
	gc_go_report_free(&r);

	/* Two goroutines with the same frames share their names, also when read back. */
	report_init(&r, 24, "go1.24.4");
	add_g8_124(&r);
	add_g8_124(&r);
	assert_ptr_equal(r.goroutines[0].frames[0].func, r.goroutines[1].frames[0].func);
	text = stored(&r, &size);
	assert_int_equal(read_back(text, size, &back), 0);
	assert_same_report(&r, &back);
	assert_ptr_equal(back.goroutines[0].frames[0].func, back.goroutines[1].frames[0].func);
	assert_ptr_equal(back.goroutines[0].frames[0].file, back.goroutines[1].frames[0].file);
	gc_go_report_free(&back);
	gc_go_report_free(&r);
	(void)state;
}

/* A synctest bubble in the header: 1.25+ " (durable)" after the status unless the status
 * says it, ", synctest bubble N"; 1.24 ", synctest group N"; and a goroutine record of the
 * previous version, without DURABLE, still reads. */
static void test_text_synctest(void **state)
{
	static const char old_record[] =
	    "gocrash-goroutines\t1\nreport\t25\tgo1.25.4\t1\t\\N\t\\N\t\\N\n"
	    "goroutine\t3\t0x10\t0x0\t-1\t4\t0\tsleep\t0\t0\t0\t0\t1\t2\t0\t0\n"
	    "end\t1\t0\t0\n";
	const struct gspec sleep = {
	    .id = 3, .gp = 0x10, .status = GC_GO_WAITING, .status_text = "sleep"};
	const struct gspec chan = {
	    .id = 4, .gp = 0x20, .status = GC_GO_WAITING, .status_text = "chan receive (durable)"};
	struct gc_go_report r, back;
	struct gc_goroutine *g;
	_cleanup_free_ char *got = NULL, *text = NULL;
	size_t size;

	(void)state;
	report_init(&r, 25, "go1.25.4");
	g = add_goroutine(&r, &sleep, NULL, 0);
	g->durable = true;
	g->synctest_group = 2;
	g = add_goroutine(&r, &chan, NULL, 0);
	g->durable = true;
	g->synctest_group = 2;
	got = render(&r, NULL, false);
	assert_non_null(strstr(got, " [sleep (durable), synctest bubble 2]:\n"));
	assert_non_null(strstr(got, " [chan receive (durable), synctest bubble 2]:\n"));
	text = stored(&r, &size);
	assert_int_equal(read_back(text, size, &back), 0);
	assert_true(back.goroutines[0].durable && back.goroutines[0].synctest_group == 2);
	gc_go_report_free(&back);
	r.go_minor = 24;
	r.goroutines[0].durable = false;
	free(got);
	got = render(&r, NULL, false);
	assert_non_null(strstr(got, " [sleep, synctest group 2]:\n"));
	gc_go_report_free(&r);

	assert_int_equal(read_back(old_record, strlen(old_record), &back), 0);
	assert_int_equal(back.n_goroutines, 1);
	assert_false(back.goroutines[0].durable);
	assert_int_equal(back.goroutines[0].synctest_group, 2);
	gc_go_report_free(&back);
}

static void test_roundtrip(void **state)
{
	struct gc_go_report r, back;
	_cleanup_free_ char *text = NULL, *long_string = NULL;
	struct gc_goroutine *g;
	size_t size;

	report_init(&r, 24, "go1.24.4");
	add_g1_124(&r);
	add_g8_124(&r);
	free(r.reason);
	r.reason = xstrdup("panic: boom [recovered]\n\tpanic: again\tand\\again");
	r.signal = xstrdup(awkward[0]);
	r.n_goroutines_total = INT64_MAX;
	r.labels_shown = true;
	for (size_t i = 0; i < ELEMENTSOF(awkward); i++) {
		const struct gspec s = {.id = INT64_MIN + (int64_t)i,
					.gp = UINT64_MAX,
					.mp = 1,
					.m_id = INT64_MAX,
					.status = UINT32_MAX,
					.status_text = awkward[i],
					.created_by = awkward[(i + 1) % ELEMENTSOF(awkward)],
					.created_file = awkward[(i + 2) % ELEMENTSOF(awkward)],
					.created_line = INT32_MIN,
					.created_off = UINT64_MAX};

		g = add_goroutine(&r, &s, NULL, 0);
		g->note = xstrdup(awkward[(i + 3) % ELEMENTSOF(awkward)]);
		g->thread = -1;
		g->synctest_group = 7;
		g->elided = i % 2 ? -1 : INT64_MAX;
		g->elided_at = SIZE_MAX - i;
		add_frame(&r, g,
			  &(struct fr)FRX(awkward[i], awkward[(i + 4) % ELEMENTSOF(awkward)],
					  awkward[(i + 5) % ELEMENTSOF(awkward)], INT32_MAX, 1,
					  UINT64_MAX, 0, UINT64_MAX, i % 2));
		for (size_t k = 0; k < i; k++)
			assert_int_equal(gc_goroutine_add_label(
					     g, awkward[k], strlen(awkward[k]), awkward[i - k - 1],
					     strlen(awkward[i - k - 1]) + 1 /* the NUL too */),
					 0);
		assert_int_equal(gc_go_report_note(&r, "%s", awkward[i]), 0);
	}
	/* NULL strings come back NULL, not empty. */
	add_goroutine(&r, &(struct gspec){.id = 0}, &(struct fr){.func = NULL}, 1);
	long_string = malloc(GC_GO_REPORT_MAX_STRING + 1);
	assert_non_null(long_string);
	memset(long_string, '\t', GC_GO_REPORT_MAX_STRING);
	long_string[GC_GO_REPORT_MAX_STRING] = '\0';
	free(r.signature);
	r.signature = xstrdup(long_string);

	text = stored(&r, &size);
	assert_int_equal(read_back(text, size, &back), 0);
	assert_same_report(&r, &back);
	gc_go_report_free(&back);

	/* One byte more could not be read back: the writer says so. */
	free(r.signature);
	r.signature = malloc(GC_GO_REPORT_MAX_STRING + 2);
	memset(r.signature, 'x', GC_GO_REPORT_MAX_STRING + 1);
	r.signature[GC_GO_REPORT_MAX_STRING + 1] = '\0';
	{
		_cleanup_free_ char *big = NULL;
		size_t big_size = 0;
		FILE *f = open_memstream(&big, &big_size);

		assert_int_equal(gc_go_report_write(&r, f), -E2BIG);
		fclose(f);
	}
	gc_go_report_free(&r);
}

/* A small stored report to damage. */
static char *small_stored(size_t *size)
{
	struct gc_go_report r;
	char *text;

	report_init(&r, 24, "go1.24.4");
	add_g1_124(&r);
	add_g2_124(&r);
	assert_int_equal(gc_go_report_note(&r, "a note"), 0);
	text = stored(&r, size);
	gc_go_report_free(&r);
	return text;
}

static bool has_damage_note(const struct gc_go_report *r)
{
	return r->n_notes > 0 && strstr(r->notes[r->n_notes - 1], "damaged");
}

static void test_truncated(void **state)
{
	size_t size;
	_cleanup_free_ char *text = small_stored(&size);

	for (size_t len = 0; len < size; len++) {
		struct gc_go_report r;

		assert_int_equal(read_back(text, len, &r), -EBADMSG);
		assert_true(has_damage_note(&r));
		/* What came before the cut is kept. */
		if (len > size / 2)
			assert_true(r.n_goroutines >= 1 && r.goroutines[0].n_frames >= 1);
		gc_go_report_free(&r);
	}
}

/* The first line of text that starts with prefix. */
static const char *find_line(const char *text, const char *prefix)
{
	for (const char *p = text; (p = strstr(p, prefix)); p++)
		if (p == text || p[-1] == '\n')
			return p;
	return NULL;
}

/* text with line (and a newline) inserted before the first line that starts with before. */
static char *insert_line(const char *text, const char *before, const char *line)
{
	const char *p = find_line(text, before);
	char *out;

	assert_non_null(p);
	assert_true(asprintf(&out, "%.*s%s\n%s", (int)(p - text), text, line, p) > 0);
	return out;
}

/* text with the first line that starts with prefix replaced. */
static char *replace_line(const char *text, const char *prefix, const char *line)
{
	const char *p = find_line(text, prefix);
	char *out;

	assert_non_null(p);
	assert_true(asprintf(&out, "%.*s%s%s", (int)(p - text), text, line, strchr(p, '\n')) > 0);
	return out;
}

static void expect_read(const char *text, int expected, size_t goroutines)
{
	struct gc_go_report r;
	int ret = read_back(text, strlen(text), &r);

	if (ret != expected || r.n_goroutines != goroutines)
		fprintf(stderr, "read %d with %zu goroutines (%s) from:\n%s", ret, r.n_goroutines,
			r.n_notes ? r.notes[r.n_notes - 1] : "no note", text);
	assert_int_equal(ret, expected);
	assert_int_equal(r.n_goroutines, goroutines);
	if (expected < 0)
		assert_true(has_damage_note(&r));
	gc_go_report_free(&r);
}

static void test_damaged(void **state)
{
	size_t size;
	_cleanup_free_ char *text = small_stored(&size);
	static const struct {
		const char *prefix, *line;
		int expected;
		size_t goroutines;
	} cases[] = {
	    /* Records of a later version, and fields past the known ones, are skipped. */
	    {"gocrash-goroutines", "gocrash-goroutines\t7\tmore", 0, 2},
	    {"frame\tpanic", "frame\tpanic\t\\N\t1\t0\t0x1\t0x0\t0x0\t0x0\t\\N\tnew\tfields", 0, 2},
	    /* Not ours, or damaged. */
	    {"gocrash-goroutines", "gocrash-goroutines\t0", -EBADMSG, 0},
	    {"gocrash-goroutines", "meta\t1", -EBADMSG, 0},
	    {"report", "report\t99999999999\tgo1\t1\t\\N\t\\N\t\\N", -EBADMSG, 0},
	    {"goroutine\t2",
	     "goroutine\t99999999999999999999\t0x0\t0x0\t-1\t4\t0\t\\N\t0\t0\t0\t0\t0\t0\t0\t0",
	     -EBADMSG, 1},
	    {"goroutine\t2",
	     "goroutine\t2\t0x1ffffffffffffffff\t0x0\t-1\t4\t0\t\\N\t0\t0\t0\t0\t0\t0\t0\t0",
	     -EBADMSG, 1},
	    {"goroutine\t2", "goroutine\t2\t0x0x1\t0x0\t-1\t4\t0\t\\N\t0\t0\t0\t0\t0\t0\t0\t0",
	     -EBADMSG, 1},
	    {"goroutine\t2", "goroutine\t2\t0x0", -EBADMSG, 1},
	    {"frame\truntime.forcegchelper", "frame\tf\tx\t4294967296\t0\t0x0\t0x0\t0x0\t0x0\t\\N",
	     -EBADMSG, 2},
	    {"frame\truntime.forcegchelper", "frame\tf\tx\t1\t2\t0x0\t0x0\t0x0\t0x0\t\\N", -EBADMSG,
	     2},
	    {"frame\truntime.forcegchelper",
	     "frame\tbad \\q escape\tx\t1\t0\t0x0\t0x0\t0x0\t0x0\t\\N", -EBADMSG, 2},
	    {"end", "end\t18446744073709551615\t18446744073709551615\t18446744073709551615",
	     -EBADMSG, 2},
	    {"end", "end\t2\t9\t0", -EBADMSG, 2},
	    {"end", "end\t-2\t10\t1", -EBADMSG, 2},
	    {"gnote", "\x01\x02\x03 garbage \x7f", -EBADMSG, 2},
	    {"created", "", -EBADMSG, 2},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *damaged = NULL;

		if (find_line(text, cases[i].prefix))
			damaged = replace_line(text, cases[i].prefix, cases[i].line);
		else /* a line the writer did not write: add it after goroutine 2's */
			damaged = insert_line(text, "frame\truntime.gopark", cases[i].line);
		expect_read(damaged, cases[i].expected, cases[i].goroutines);
	}
}

static void test_damaged_more(void **state)
{
	size_t size;
	_cleanup_free_ char *text = small_stored(&size);
	_cleanup_free_ char *unknown = insert_line(text, "report", "xyzzy\t1\t2");
	_cleanup_free_ char *early = NULL, *nul = NULL, *huge = NULL;
	static const size_t huge_size = 40u << 20;

	/* An unknown record, well formed: skipped. */
	expect_read(unknown, 0, 2);
	/* A frame before any goroutine. */
	early = insert_line(text, "report", "frame\tf\tx\t1\t0\t0x0\t0x0\t0x0\t0x0\t\\N");
	expect_read(early, -EBADMSG, 0);
	/* A NUL in a line. */
	nul = strdup(text);
	assert_non_null(nul);
	((char *)find_line(nul, "frame"))[5] = '\0';
	{
		struct gc_go_report r;

		assert_int_equal(read_back(nul, size, &r), -EBADMSG);
		gc_go_report_free(&r);
	}
	/* A line longer than any record can be: the reader stops, memory stays bounded. */
	huge = malloc(huge_size + size + 16);
	assert_non_null(huge);
	memcpy(huge, text, strstr(text, "goroutine\t2") - text);
	strcpy(huge + (strstr(text, "goroutine\t2") - text), "note\t");
	memset(huge + strlen(huge), 'a', huge_size);
	{
		struct gc_go_report r;
		size_t len = strstr(text, "goroutine\t2") - text + 5 + huge_size;

		assert_int_equal(read_back(huge, len, &r), -EBADMSG);
		assert_int_equal(r.n_goroutines, 1);
		assert_non_null(strstr(r.notes[r.n_notes - 1], "too long"));
		gc_go_report_free(&r);
	}
}

/* text with the last field of the first line that starts with prefix cut off. */
static char *drop_last_field(const char *text, const char *prefix)
{
	const char *p = find_line(text, prefix), *nl, *tab;
	char *out;

	assert_non_null(p);
	nl = strchr(p, '\n');
	for (tab = nl; *tab != '\t'; tab--)
		;
	assert_true(asprintf(&out, "%.*s%s", (int)(tab - text), text, nl) > 0);
	return out;
}

/* A file written before labels (no LABELS_SHOWN, no N_LABELS) reads as one without them; a
 * label record that does not fit is damage. */
static void test_damaged_labels(void **state)
{
	struct gc_go_report r;
	size_t size;
	_cleanup_free_ char *text = NULL, *old_report = NULL, *old = NULL;
	char *damaged;

	(void)state;
	report_init(&r, 26, "go1.26.11");
	add_g1_124(&r);
	add_labelled(&r, 19);
	r.labels_shown = true;
	text = stored(&r, &size);
	gc_go_report_free(&r);
	assert_non_null(find_line(text, "label\tbad\t\xff\xc3(\xe2\x82\n"));
	assert_non_null(find_line(text, "label\tctl\t\\n\\r\\t\x01\x7f\\0\n"));
	expect_read(text, 0, 2);

	old_report = drop_last_field(text, "report");
	old = drop_last_field(old_report, "end");
	assert_int_equal(read_back(old, strlen(old), &r), 0);
	assert_false(r.labels_shown);
	assert_int_equal(r.goroutines[1].n_labels, ELEMENTSOF(labels));
	gc_go_report_free(&r);

	damaged = insert_line(text, "report", "label\tk\tv");
	expect_read(damaged, -EBADMSG, 0);
	free(damaged);
	damaged = replace_line(text, "label\tZ", "label\tZ\t\\q");
	expect_read(damaged, -EBADMSG, 2);
	free(damaged);
	damaged = replace_line(text, "label\tZ", "label\t\\N\tv");
	expect_read(damaged, -EBADMSG, 2);
	free(damaged);
	damaged = replace_line(text, "label\tZ", "label\tZ");
	expect_read(damaged, -EBADMSG, 2);
	free(damaged);
	/* A label record lost: the end record counts one more. */
	damaged = replace_line(text, "label\tZ", "xyzzy");
	expect_read(damaged, -EBADMSG, 2);
	free(damaged);
	damaged = replace_line(text, "report", "report\t26\tgo1.26.11\t9\tx\t\\N\t\\N\t2");
	expect_read(damaged, -EBADMSG, 0);
	free(damaged);
	/* No more labels than a goroutine may have. */
	{
		_cleanup_free_ char *many = NULL;
		size_t many_size = 0;
		FILE *f = open_memstream(&many, &many_size);

		assert_non_null(f);
		fprintf(f, "%.*s", (int)(find_line(text, "end") - text), text);
		for (size_t i = 0; i <= GC_GO_REPORT_MAX_LABELS; i++)
			fprintf(f, "label\tk%zu\tv\n", i);
		fputs("end\t2\t7\t0\t264\n", f);
		assert_int_equal(fclose(f), 0);
		expect_read(many, -EBADMSG, 2);
	}
}

static double elapsed(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) + (now.tv_nsec - since->tv_nsec) / 1e9;
}

/* 100,000 goroutines of 10 frames: every step stays linear. */
static void test_large(void **state)
{
	struct gc_go_report r, back;
	_cleanup_fclose_ FILE *f = tmpfile(), *null = fopen("/dev/null", "we");
	struct timespec start;
	double t_write, t_read, t_text, t_group;

	assert_non_null(f);
	assert_non_null(null);
	report_init(&r, 24, "go1.24.4");
	r.goroutines = calloc(100000, sizeof(*r.goroutines));
	assert_non_null(r.goroutines);
	for (size_t i = 0; i < 100000; i++) {
		struct gc_goroutine *g = &r.goroutines[r.n_goroutines++];

		g->id = (int64_t)i + 1;
		g->status_text = xstrdup(i % 3 ? "chan receive" : "select");
		g->created_by = xstrdup("main.main");
		g->created_line = (int32_t)(i % 50);
		for (size_t k = 0; k < 10; k++)
			add_frame(&r, g,
				  &(struct fr)FR(k % 2 ? "main.worker" : "runtime.gopark", "0x1?",
						 "/src/x.go", (int32_t)k, 0x10, 0xc000 + k,
						 0xb000 + k, 0x1000 + k));
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(gc_go_report_write(&r, f), 0);
	t_write = elapsed(&start);
	rewind(f);
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(gc_go_report_read(f, &back), 0);
	t_read = elapsed(&start);
	assert_int_equal(back.n_goroutines, 100000);
	clock_gettime(CLOCK_MONOTONIC, &start);
	gc_go_report_print_text(&back, NULL, null);
	t_text = elapsed(&start);
	clock_gettime(CLOCK_MONOTONIC, &start);
	gc_go_report_print_text(&back, &(struct gc_go_render){.group = true}, null);
	t_group = elapsed(&start);
	printf("100000 goroutines: write %.2fs, read %.2fs, text %.2fs, grouped %.2fs\n", t_write,
	       t_read, t_text, t_group);
	/* Generous for sanitizer builds; a quadratic step would take minutes. */
	assert_true(t_write < 30 && t_read < 30 && t_text < 30 && t_group < 30);
	gc_go_report_free(&back);
	gc_go_report_free(&r);
}

/* ---- JSON ---- */

/* Just enough of RFC 8259 to tell well-formed from not: returns the end of the value at p,
 * or NULL. */
static const char *json_value(const char *p, unsigned depth);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *json_str(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p != '\\')
			continue;
		p++;
		if (*p == 'u') {
			for (int i = 1; i <= 4; i++)
				if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
					return NULL;
			p += 4;
		} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
			return NULL;
		}
	}
	return p + 1;
}

static const char *json_number(const char *p)
{
	const char *start;

	if (*p == '-')
		p++;
	start = p;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p == start || (*start == '0' && p - start > 1))
		return NULL;
	return p;
}

static const char *json_list(const char *p, char close, bool object, unsigned depth)
{
	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			p = json_str(json_ws(p));
			if (!p || *(p = json_ws(p)) != ':')
				return NULL;
			p++;
		}
		p = json_value(p, depth + 1);
		if (!p)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p, unsigned depth)
{
	p = json_ws(p);
	if (depth > 64)
		return NULL;
	if (*p == '{')
		return json_list(p, '}', true, depth);
	if (*p == '[')
		return json_list(p, ']', false, depth);
	if (*p == '"')
		return json_str(p);
	for (const char *const *w = (const char *const[]){"true", "false", "null", NULL}; *w; w++)
		if (strncmp(p, *w, strlen(*w)) == 0)
			return p + strlen(*w);
	return json_number(p);
}

static void assert_json(const char *text)
{
	const char *end = json_value(text, 0);
	_cleanup_free_ char *path = NULL;

	assert_non_null(end);
	assert_int_equal(*json_ws(end), '\0');
	/* And a real parser, where there is one. */
	if (system("command -v python3 >/dev/null 2>&1") == 0) {
		_cleanup_fclose_ FILE *f = NULL;
		char name[] = "/tmp/test-goreport-XXXXXX";
		int fd = mkstemp(name);
		_cleanup_free_ char *command = NULL;

		assert_true(fd >= 0);
		f = fdopen(fd, "w");
		assert_non_null(f);
		fputs(text, f);
		fflush(f);
		assert_true(asprintf(&command, "python3 -m json.tool %s >/dev/null", name) > 0);
		assert_int_equal(system(command), 0);
		unlink(name);
	}
}

static void test_json(void **state)
{
	struct gc_go_report r;
	_cleanup_free_ char *plain = NULL, *grouped = NULL, *crashed = NULL, *empty = NULL;
	struct gc_goroutine *g;

	report_init(&r, 24, "go1.24.4");
	add_g1_124(&r);
	add_g4_124(&r);
	add_g5_124(&r);
	add_g8_124(&r);
	g = add_goroutine(&r, &(struct gspec){.id = 99, .status = 42}, NULL, 0);
	g->note = xstrdup(awkward[5]);
	assert_int_equal(gc_go_report_note(&r, "%s", awkward[6]), 0);
	r.signal = xstrdup(awkward[0]);

	plain = render(&r, NULL, true);
	assert_json(plain);
	assert_non_null(strstr(plain, "{\"go_version\":\"go1.24.4\",\"reason\":\"panic: boom\""));
	assert_non_null(strstr(plain, "\"goroutines_total\":9,\"labels_shown\":false,"
				      "\"goroutines\":[{\"id\":1,"
				      "\"status\":\"running\",\"status_code\":2,"));
	assert_non_null(strstr(plain, "\"gp\":\"0xc000002380\",\"mp\":\"0x5183c0\",\"m\":0,"));
	assert_non_null(strstr(plain, "{\"func\":\"main.outer\",\"file\":\"" MAIN "\",\"line\":39,"
				      "\"inlined\":true,"));
	assert_non_null(strstr(plain, "\"status\":\"???\",\"status_code\":42,"));
	assert_non_null(strstr(plain, "\"mp\":null,\"m\":null,\"parent\":null,"));

	keep_frames(&r.goroutines[3], 50, 50);
	r.goroutines[3].elided = 26;
	r.goroutines[3].elided_at = 50;
	free(plain);
	plain = render(&r, NULL, true);
	assert_json(plain);
	assert_non_null(strstr(plain, "\"elided\":26,\"elided_at\":50,\"frames\":["));
	assert_non_null(strstr(plain, "\"elided\":0,\"elided_at\":null,"));

	grouped = render(&r, &(struct gc_go_render){.group = true}, true);
	assert_json(grouped);
	assert_null(strstr(grouped, "\"goroutines\":["));
	assert_non_null(strstr(grouped, "{\"count\":2,\"ids\":[4,5],\"status\":\"chan receive\""));

	crashed = render(&r, &(struct gc_go_render){.crashed_only = true}, true);
	assert_json(crashed);
	assert_int_equal(count(crashed, "\"id\":"), 1);
	gc_go_report_free(&r);

	empty = render(&r, NULL, true);
	assert_json(empty);
	assert_string_equal(empty,
			    "{\"go_version\":null,\"reason\":null,\"signal\":null,"
			    "\"signature\":null,\"goroutines_total\":0,\"labels_shown\":false,"
			    "\"goroutines\":[],"
			    "\"notes\":[]}");
}

static void test_crashed_stack(void **state)
{
	struct gc_go_report r;
	_cleanup_free_ char *all = NULL, *two = NULL;

	report_init(&r, 24, "go1.24.4");
	add_g2_124(&r);
	assert_null(gc_go_report_crashed_stack(&r, 10));
	add_g1_124(&r);
	assert_ptr_equal(gc_go_report_crashed(&r), &r.goroutines[1]);
	all = gc_go_report_crashed_stack(&r, 100);
	assert_string_equal(all, "panic (" R124 "panic.go:811)\n"
				 "main.crash (" MAIN ":35)\n"
				 "main.outer (" MAIN ":39)\n"
				 "main.main (" MAIN ":52)\n"
				 "runtime.main (" R124 "proc.go:283)\n"
				 "runtime.goexit (" R124 "asm_amd64.s:1700)");
	two = gc_go_report_crashed_stack(&r, 2);
	assert_string_equal(two, "panic (" R124 "panic.go:811)\nmain.crash (" MAIN ":35)");
	assert_null(gc_go_report_crashed_stack(&r, 0));
	gc_go_report_free(&r);
}

/* gocrashctl reads STORE/ID/goroutines through gc_store_open_file(). */
static void test_store_file(void **state)
{
	char dir[] = "/tmp/test-goreport-store-XXXXXX";
	_cleanup_free_ char *path = NULL, *text = NULL;
	struct gc_store *store = NULL;
	struct gc_go_report r, back;
	_cleanup_fclose_ FILE *f = NULL;
	size_t size;
	int fd;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(gc_store_open(dir, true, &store), 0);
	assert_true(asprintf(&path, "%s/20261123-120000-1", dir) > 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(gc_store_open_file(store, "20261123-120000-1", "goroutines"), -ENOENT);

	free(path);
	assert_true(asprintf(&path, "%s/20261123-120000-1/goroutines", dir) > 0);
	report_init(&r, 24, "go1.24.4");
	add_g1_124(&r);
	text = stored(&r, &size);
	f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, size, f), size);
	assert_int_equal(fclose(TAKE_PTR(f)), 0);

	fd = gc_store_open_file(store, "20261123-120000-1", "goroutines");
	assert_true(fd >= 0);
	f = fdopen(fd, "re");
	assert_non_null(f);
	assert_int_equal(gc_go_report_read(f, &back), 0);
	assert_same_report(&r, &back);
	gc_go_report_free(&back);
	gc_go_report_free(&r);

	/* Only plain names of regular files in committed entries. */
	assert_int_equal(gc_store_open_file(store, "20261123-120000-1", "../x"), -EINVAL);
	assert_int_equal(gc_store_open_file(store, "20261123-120000-1", ".meta.tmp"), -EINVAL);
	assert_int_equal(gc_store_open_file(store, "20261123-120000-1", ""), -EINVAL);
	assert_int_equal(gc_store_open_file(store, ".tmp-x", "goroutines"), -EINVAL);
	assert_int_equal(gc_store_open_file(store, "..", "goroutines"), -EINVAL);
	free(path);
	assert_true(asprintf(&path, "%s/20261123-120000-1/link", dir) > 0);
	assert_int_equal(symlink("goroutines", path), 0);
	assert_int_equal(gc_store_open_file(store, "20261123-120000-1", "link"), -ELOOP);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(gc_store_open_file(store, "20261123-120000-1", "link"), -EINVAL);
	assert_int_equal(unlink(path), 0);

	free(path);
	assert_true(asprintf(&path, "rm -rf '%s'", dir) > 0);
	gc_store_free(store);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_go124_prefix),
	    cmocka_unit_test(test_text_go124),
	    cmocka_unit_test(test_text_go119_prefix),
	    cmocka_unit_test(test_text_go119),
	    cmocka_unit_test(test_text_kept),
	    cmocka_unit_test(test_text_go121_header),
	    cmocka_unit_test(test_text_synctest),
	    cmocka_unit_test(test_labels),
	    cmocka_unit_test(test_damaged_labels),
	    cmocka_unit_test(test_crashed_only),
	    cmocka_unit_test(test_group),
	    cmocka_unit_test(test_group_many),
	    cmocka_unit_test(test_notes),
	    cmocka_unit_test(test_elision),
	    cmocka_unit_test(test_intern),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_damaged),
	    cmocka_unit_test(test_damaged_more),
	    cmocka_unit_test(test_large),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_crashed_stack),
	    cmocka_unit_test(test_store_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
