/* SPDX-License-Identifier: MIT */
/* The Go analysis on the small real core of tests/data/go-small with patches in the memory the
 * goroutine walk reads: the runtime globals allglen and allgptr, the allgs array, every goroutine's
 * g, its stack (g.stack.lo to g.stack.hi), the m of each goroutine that has one, the crashing
 * goroutine's _panic, the threads' registers (NT_PRSTATUS) and the memory around each
 * thread's stack pointer. The ELF structure is left alone: fuzz-elfcore covers the parser.
 *
 * The input is a list of patches, each
 *   u8 region, u32 offset (little endian), u8 length, then length bytes (cut at the input's end)
 * with region taken modulo the number of regions and offset modulo the region's size; the
 * bytes go at that place, clipped to the region. The regions, in order: 0 allglen (8 bytes),
 * 1 allgptr (8), 2 the allgs array, then for each goroutine of the intact core's report (the
 * crashing goroutine 1 first, then allgs order) its g (512 bytes) and its stack, then the
 * crashing goroutine's _panic (64), each m (1024), each thread's registers (216) and the
 * 8 KiB above each thread's stack pointer.
 *
 * The analysis must return 0 and leave a report every renderer copes with. The core and the
 * executable are decompressed once; each input recompresses only the 64 KiB frames it
 * touched and splices them into the seekable stream. Needs GC_TEST_DATA (tests/data). The
 * fixture is a tiny program's core trimmed to what the analysis reads (its README says how it
 * was made): the 40 MB core of tests/data/go ran at a few executions a second. */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#include "goanalyze.h"
#include "goreport.h"
#include "gotarget.h"
#include "macro.h"
#include "memview.h"
#include "zseek.h"

#define FRAME		(64u << 10)
#define MAX_REGIONS	256
#define MAX_PATCHES	64
#define MAX_PATCH_SIZE	255
#define G_SIZE		512
#define M_SIZE		1024
#define PANIC_SIZE	64
#define THREAD_STACK	8192
#define SKIPPABLE_MAGIC 0x184D2A5Eu
#define SEEKABLE_MAGIC	0x8F92EAB1u
#define FIXTURE		"go-small/go1.27-small"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct region {
	uint64_t offset, size; /* in the raw core */
};

struct frame {
	uint8_t *stored; /* the intact frame, compressed */
	size_t stored_size;
};

static struct {
	bool ready;
	uint8_t *core; /* the raw core, patched during an input and restored after */
	size_t core_size;
	int exe_fd, stored_fd;
	struct gc_exe *exe; /* over exe_fd, for the whole run */
	struct frame *frames;
	size_t n_frames;
	struct region regions[MAX_REGIONS];
	size_t n_regions;
	struct gc_core_phdr *phdrs; /* of the intact core */
	size_t n_phdrs;
	ZSTD_CCtx *cctx;
	uint8_t *scratch; /* one compressed frame */
	size_t scratch_size;
} fx;

__attribute__((noreturn)) static void die(const char *what)
{
	fprintf(stderr, "fuzz-goanalyze: %s\n", what);
	abort();
}

static char *data_path(const char *name)
{
	const char *dir = getenv("GC_TEST_DATA");
	char *path;

	if (asprintf(&path, "%s/%s", dir ? dir : "tests/data", name) < 0)
		die("out of memory");
	return path;
}

/* A zstd file of any number of frames, decompressed (skippable frames are skipped). */
static uint8_t *decompress_file(const char *name, size_t *ret_size)
{
	_cleanup_free_ char *path = data_path(name);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	ZSTD_DStream *ds = ZSTD_createDStream();
	static uint8_t in[1 << 16];
	uint8_t *out = NULL;
	size_t size = 0, allocated = 0, n;

	if (!f || !ds)
		die("cannot read the fixture (set GC_TEST_DATA to tests/data)");
	while ((n = fread(in, 1, sizeof(in), f)) > 0) {
		ZSTD_inBuffer ib = {in, n, 0};

		while (ib.pos < ib.size) {
			ZSTD_outBuffer ob;

			if (allocated - size < (1u << 20)) {
				allocated = allocated ? allocated * 2 : 8u << 20;
				out = realloc(out, allocated);
				if (!out)
					die("out of memory");
			}
			ob = (ZSTD_outBuffer){out + size, allocated - size, 0};
			if (ZSTD_isError(ZSTD_decompressStream(ds, &ob, &ib)))
				die("the fixture is not zstd");
			size += ob.pos;
		}
	}
	ZSTD_freeDStream(ds);
	*ret_size = size;
	return out;
}

static void write_all(int fd, const void *data, size_t size)
{
	const uint8_t *p = data;

	while (size > 0) {
		ssize_t n = write(fd, p, size);

		if (n <= 0)
			die("write failed");
		p += n;
		size -= (size_t)n;
	}
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* One frame as the seekable format wants it: content size and checksum. */
static size_t compress_frame(size_t index)
{
	size_t start = index * FRAME, n = MIN((size_t)FRAME, fx.core_size - start);
	size_t r = ZSTD_compress2(fx.cctx, fx.scratch, fx.scratch_size, fx.core + start, n);

	if (ZSTD_isError(r))
		die("compression failed");
	return r;
}

/* Writes the core, as it is now, in the seekable format to the stored memfd: frames in
 * touched[] compressed afresh, the others as they were. */
static void store_core(const bool *touched)
{
	size_t table_size = 8 + fx.n_frames * 8 + 9;
	_cleanup_free_ uint8_t *table = malloc(table_size);

	if (!table || ftruncate(fx.stored_fd, 0) < 0 || lseek(fx.stored_fd, 0, SEEK_SET) < 0)
		die("cannot reset the stored core");
	put_le32(table, SKIPPABLE_MAGIC);
	put_le32(table + 4, (uint32_t)(table_size - 8));
	for (size_t i = 0; i < fx.n_frames; i++) {
		size_t raw = MIN((size_t)FRAME, fx.core_size - i * FRAME), stored;

		if (touched && touched[i]) {
			stored = compress_frame(i);
			write_all(fx.stored_fd, fx.scratch, stored);
		} else {
			stored = fx.frames[i].stored_size;
			write_all(fx.stored_fd, fx.frames[i].stored, stored);
		}
		put_le32(table + 8 + i * 8, (uint32_t)stored);
		put_le32(table + 12 + i * 8, (uint32_t)raw);
	}
	put_le32(table + table_size - 9, (uint32_t)fx.n_frames);
	table[table_size - 5] = 0;
	put_le32(table + table_size - 4, SEEKABLE_MAGIC);
	write_all(fx.stored_fd, table, table_size);
}

static void compress_all_frames(void)
{
	fx.n_frames = (fx.core_size + FRAME - 1) / FRAME;
	fx.frames = calloc(fx.n_frames, sizeof(*fx.frames));
	fx.cctx = ZSTD_createCCtx();
	fx.scratch_size = ZSTD_compressBound(FRAME);
	fx.scratch = malloc(fx.scratch_size);
	if (!fx.frames || !fx.cctx || !fx.scratch)
		die("out of memory");
	ZSTD_CCtx_setParameter(fx.cctx, ZSTD_c_compressionLevel, 1);
	ZSTD_CCtx_setParameter(fx.cctx, ZSTD_c_checksumFlag, 1);
	for (size_t i = 0; i < fx.n_frames; i++) {
		size_t n = compress_frame(i);

		fx.frames[i].stored = malloc(n);
		if (!fx.frames[i].stored)
			die("out of memory");
		memcpy(fx.frames[i].stored, fx.scratch, n);
		fx.frames[i].stored_size = n;
	}
}

/* Adds [vaddr, vaddr + size) as a region, cut to the part of it the core holds. */
static void add_region(uint64_t vaddr, uint64_t size)
{
	for (size_t i = 0; i < fx.n_phdrs && fx.n_regions < MAX_REGIONS; i++) {
		const struct gc_core_phdr *p = &fx.phdrs[i];
		uint64_t start, end;

		if (p->type != PT_LOAD || vaddr + size <= p->vaddr || vaddr >= p->vaddr + p->filesz)
			continue;
		start = MAX(vaddr, p->vaddr);
		end = MIN(vaddr + size, p->vaddr + p->filesz);
		fx.regions[fx.n_regions++] =
		    (struct region){p->offset + (start - p->vaddr), end - start};
		return;
	}
	/* not in the core: keep the numbering with an empty region */
	if (fx.n_regions < MAX_REGIONS)
		fx.regions[fx.n_regions++] = (struct region){0, 0};
}

static uint64_t core_word(uint64_t vaddr)
{
	for (size_t i = 0; i < fx.n_phdrs; i++) {
		const struct gc_core_phdr *p = &fx.phdrs[i];
		uint64_t v;

		if (p->type == PT_LOAD && vaddr >= p->vaddr && vaddr + 8 <= p->vaddr + p->filesz) {
			memcpy(&v, fx.core + p->offset + (vaddr - p->vaddr), 8);
			return v;
		}
	}
	return 0;
}

/* The thread's registers are in its NT_PRSTATUS, among the notes. */
static void add_registers(const struct gc_core_thread *th)
{
	const uint8_t *at =
	    memmem(fx.core, MIN(fx.core_size, (size_t)1 << 20), th->regs, sizeof(th->regs));

	if (fx.n_regions < MAX_REGIONS)
		fx.regions[fx.n_regions++] =
		    at ? (struct region){(uint64_t)(at - fx.core), sizeof(th->regs)}
		       : (struct region){0, 0};
}

static void find_regions(struct gc_memview *view, const struct gc_go_report *report)
{
	const struct gc_core_info *info = gc_memview_info(view);
	struct gc_go_target t;
	const char *why;
	const struct gc_go_layout *L;
	uint64_t allgs;

	if (gc_go_target_open(&t, view, fx.exe, &why) < 0)
		die(why);
	L = t.layout;
	fx.n_phdrs = info->n_phdrs;
	fx.phdrs = malloc(fx.n_phdrs * sizeof(*fx.phdrs));
	if (!fx.phdrs)
		die("out of memory");
	memcpy(fx.phdrs, info->phdrs, fx.n_phdrs * sizeof(*fx.phdrs));
	allgs = core_word(t.allgptr_addr);
	add_region(t.allglen_addr, 8);
	add_region(t.allgptr_addr, 8);
	add_region(allgs, core_word(t.allglen_addr) * 8);
	for (size_t i = 0; i < report->n_goroutines; i++) {
		uint64_t gp = report->goroutines[i].gp;
		uint64_t lo = core_word(gp + L->g_stack_lo), hi = core_word(gp + L->g_stack_hi);

		add_region(gp, G_SIZE);
		add_region(lo, hi > lo ? hi - lo : 0);
	}
	add_region(core_word(report->goroutines[0].gp + L->g_panic), PANIC_SIZE);
	for (size_t i = 0; i < report->n_goroutines; i++)
		if (report->goroutines[i].mp)
			add_region(report->goroutines[i].mp, M_SIZE);
	for (size_t i = 0; i < info->n_threads; i++) {
		add_registers(&info->threads[i]);
		add_region(info->threads[i].regs[19], THREAD_STACK);
	}
	gc_go_target_done(&t);
}

static void set_up(void)
{
	struct gc_go_analyze_options opts = {0};
	struct gc_go_report report = {};
	struct gc_zreader *reader;
	struct gc_memview *view;
	size_t exe_size;
	_cleanup_free_ uint8_t *exe = decompress_file(FIXTURE ".exe.zst", &exe_size);

	fx.core = decompress_file(FIXTURE ".core.zst", &fx.core_size);
	fx.exe_fd = memfd_create("exe", MFD_CLOEXEC);
	fx.stored_fd = memfd_create("core.zst", MFD_CLOEXEC);
	if (fx.exe_fd < 0 || fx.stored_fd < 0)
		die("memfd_create failed");
	write_all(fx.exe_fd, exe, exe_size);
	if (gc_exe_open(fx.exe_fd, &fx.exe) < 0)
		die("the executable does not open");
	compress_all_frames();
	store_core(NULL);
	if (gc_zreader_open(fx.stored_fd, &reader) < 0 ||
	    gc_memview_open(reader, fx.exe_fd, &view) < 0 ||
	    gc_go_analyze(view, fx.exe, &opts, &report) < 0 || report.n_goroutines == 0)
		die("the intact core does not analyse");
	find_regions(view, &report);
	gc_go_report_free(&report);
	gc_memview_free(view);
	gc_zreader_free(reader);
	/* For writing seeds by hand: the region table. */
	if (getenv("FUZZ_GOANALYZE_REGIONS"))
		for (size_t i = 0; i < fx.n_regions; i++)
			fprintf(stderr,
				"region %zu: core offset 0x%" PRIx64 ", %" PRIu64 " bytes\n", i,
				fx.regions[i].offset, fx.regions[i].size);
	fx.ready = true;
}

/* Renders the report every way gocrashctl does, stores it and reads it back: all of it
 * must cope with whatever the analysis made of the damage. */
static void use_report(const struct gc_go_report *report)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	struct gc_go_report back = {};
	int written;

	if (!out)
		die("out of memory");
	gc_go_report_print_text(report, NULL, out);
	gc_go_report_print_text(report, &(struct gc_go_render){.group = true}, out);
	gc_go_report_print_json(report, NULL, out);
	fclose(out);
	free(text);
	free(gc_go_report_crashed_stack(report, 8));

	text = NULL;
	out = open_memstream(&text, &size);
	if (!out)
		die("out of memory");
	written = gc_go_report_write(report, out);
	if (fclose(out) != 0)
		die("out of memory");
	/* -E2BIG: complete, but a string is too long to be kept */
	if (written == 0 || written == -E2BIG) {
		FILE *in = fmemopen(text, size, "r");

		if (!in)
			die("out of memory");
		if (gc_go_report_read(in, &back) != 0 ||
		    (written == 0 && back.n_goroutines != report->n_goroutines))
			die("the stored report does not read back");
		fclose(in);
		gc_go_report_free(&back);
	} else
		die("the report cannot be stored");
	free(text);
}

struct undo {
	uint64_t offset;
	size_t size;
	uint8_t old[MAX_PATCH_SIZE];
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct undo undo[MAX_PATCHES];
	static bool *touched;
	struct gc_go_analyze_options opts = {0};
	struct gc_go_report report = {};
	struct gc_zreader *reader;
	struct gc_memview *view;
	size_t n_undo = 0, pos = 0;
	int r;

	if (!fx.ready) {
		set_up();
		touched = calloc(fx.n_frames, sizeof(*touched));
		if (!touched)
			die("out of memory");
	}
	while (pos + 6 <= size && n_undo < MAX_PATCHES) {
		const struct region *reg = &fx.regions[data[pos] % fx.n_regions];
		uint32_t offset = data[pos + 1] | (uint32_t)data[pos + 2] << 8 |
				  (uint32_t)data[pos + 3] << 16 | (uint32_t)data[pos + 4] << 24;
		size_t len = MIN((size_t)data[pos + 5], size - pos - 6);
		struct undo *u = &undo[n_undo];

		pos += 6;
		if (reg->size > 0) {
			offset %= reg->size;
			u->offset = reg->offset + offset;
			u->size = MIN(len, (size_t)(reg->size - offset));
			memcpy(u->old, fx.core + u->offset, u->size);
			memcpy(fx.core + u->offset, data + pos, u->size);
			for (uint64_t f = u->offset / FRAME;
			     f <= (u->offset + u->size) / FRAME && f < fx.n_frames; f++)
				touched[f] = true;
			n_undo++;
		}
		pos += len;
	}
	store_core(touched);
	if (gc_zreader_open(fx.stored_fd, &reader) < 0 ||
	    gc_memview_open(reader, fx.exe_fd, &view) < 0)
		die("the patched core does not open");
	r = gc_go_analyze(view, fx.exe, &opts, &report);
	if (r != 0)
		die("gc_go_analyze failed");
	use_report(&report);
	gc_go_report_free(&report);
	gc_memview_free(view);
	gc_zreader_free(reader);
	/* back to the intact core, in reverse order for overlapping patches */
	while (n_undo > 0) {
		struct undo *u = &undo[--n_undo];

		memcpy(fx.core + u->offset, u->old, u->size);
	}
	memset(touched, 0, fx.n_frames * sizeof(*touched));
	return 0;
}
