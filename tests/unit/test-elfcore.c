/* SPDX-License-Identifier: MIT */
/* The core stream parser against a real kernel core (tests/data/core-c-static.zst, a static
 * 2-thread C program killed by SIGSEGV), fed in many chunk sizes, cut, corrupted and rewritten
 * as a PN_XNUM core. The expected values were read with readelf/eu-readelf from the fixture. */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <cmocka.h>

#include "elfcore.h"
#include "macro.h"

#define FIXTURE_PHDRS	15
#define MAX_SEGMENTS	64
#define NOTE_OFFSET	0x388
#define NOTE_SIZE	0x1e04
#define FIRST_LOAD_DATA 0x3000	/* p_offset of the first PT_LOAD */
#define STACK_LOAD	0x32000 /* the 8 MiB thread stack segment */

static uint8_t *fixture;
static size_t fixture_size;

/* Records what the segment callback delivers and checks it against the original bytes. */
struct collector {
	const uint8_t *core;
	uint64_t received[MAX_SEGMENTS];
	unsigned calls;
	bool mismatch; /* wrong bytes, a gap or a bad index */
};

static void collect_segment(const struct gc_core_phdr *phdr, size_t index, uint64_t segment_offset,
			    const void *data, size_t size, void *userdata)
{
	struct collector *c = userdata;

	c->calls++;
	if (index >= MAX_SEGMENTS || phdr->type != PT_LOAD || size == 0 ||
	    segment_offset != c->received[index] || segment_offset + size > phdr->filesz ||
	    memcmp(data, c->core + phdr->offset + segment_offset, size) != 0) {
		c->mismatch = true;
		return;
	}
	c->received[index] += size;
}

static struct gc_core_parser *parse(const uint8_t *data, size_t size, size_t chunk,
				    struct collector *c)
{
	struct gc_core_parser *p;

	assert_int_equal(gc_core_parser_new(&p), 0);
	if (c) {
		*c = (struct collector){.core = data};
		gc_core_parser_set_segment_fn(p, collect_segment, c);
	}
	for (size_t off = 0; off < size; off += chunk)
		gc_core_parser_feed(p, data + off, MIN(chunk, size - off));
	gc_core_parser_finish(p);
	assert_int_equal(gc_core_parser_offset(p), size);
	return p;
}

static void load_fixture(void)
{
	const char *dir = getenv("GC_TEST_DATA");
	_cleanup_free_ char *path = NULL, *compressed = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	unsigned long long content_size;
	long size;

	assert_non_null(dir);
	assert_true(asprintf(&path, "%s/core-c-static.zst", dir) > 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	compressed = malloc(size);
	assert_non_null(compressed);
	assert_int_equal(fread(compressed, 1, size, f), (size_t)size);

	content_size = ZSTD_getFrameContentSize(compressed, size);
	assert_true(content_size != ZSTD_CONTENTSIZE_ERROR &&
		    content_size != ZSTD_CONTENTSIZE_UNKNOWN);
	fixture = malloc(content_size);
	assert_non_null(fixture);
	fixture_size = ZSTD_decompress(fixture, content_size, compressed, size);
	assert_false(ZSTD_isError(fixture_size));
	assert_int_equal(fixture_size, content_size);
}

static int setup(void **state)
{
	load_fixture();
	return 0;
}

static int teardown(void **state)
{
	free(fixture);
	return 0;
}

static void assert_segments_complete(const struct gc_core_info *info, const struct collector *c)
{
	assert_false(c->mismatch);
	for (size_t i = 0; i < info->n_phdrs; i++)
		if (info->phdrs[i].type == PT_LOAD)
			assert_int_equal(c->received[i], info->phdrs[i].filesz);
}

static void check_fixture_info(const struct gc_core_info *info)
{
	uint64_t value;

	assert_null(info->error);
	assert_true(info->is_elf);
	assert_false(info->truncated);
	assert_int_equal(info->machine, EM_X86_64);
	assert_int_equal(info->expected_size, fixture_size);

	assert_int_equal(info->n_phdrs, FIXTURE_PHDRS);
	assert_int_equal(info->phdrs[0].type, PT_NOTE);
	assert_int_equal(info->phdrs[0].offset, NOTE_OFFSET);
	assert_int_equal(info->phdrs[0].filesz, NOTE_SIZE);
	assert_int_equal(info->phdrs[1].type, PT_LOAD);
	assert_int_equal(info->phdrs[1].offset, FIRST_LOAD_DATA);
	assert_int_equal(info->phdrs[1].vaddr, 0x400000);
	assert_int_equal(info->phdrs[1].flags, PF_R);
	assert_int_equal(info->phdrs[2].filesz, 0); /* read-only text: not dumped */
	assert_int_equal(info->phdrs[2].memsz, 0x8a000);
	assert_int_equal(info->phdrs[14].vaddr, 0xffffffffff600000); /* vsyscall */

	assert_int_equal(info->n_threads, 2);
	assert_int_equal(info->threads[0].tid, 2437);
	assert_int_equal(info->threads[0].cursig, 11);
	assert_int_equal(info->threads[0].regs[16], 0x4016ac);	     /* rip */
	assert_int_equal(info->threads[0].regs[19], 0x7ffe8d382710); /* rsp */
	assert_int_equal(info->threads[0].regs[4], 0x7ffe8d382720);  /* rbp */
	assert_int_equal(info->threads[0].regs[21], 0x18d533c0);     /* fs_base */
	assert_int_equal(info->threads[0].regs[17], 0x33);	     /* cs */
	assert_int_equal(info->threads[0].regs[15], (uint64_t)-1);   /* orig_rax */
	assert_int_equal(info->threads[1].tid, 2438);
	assert_int_equal(info->threads[1].cursig, 11);
	assert_int_equal(info->threads[1].regs[16], 0x433102);	     /* rip */
	assert_int_equal(info->threads[1].regs[10], (uint64_t)-514); /* rax */
	assert_int_equal(info->threads[1].regs[19], 0x7fd4d1523220); /* rsp */

	assert_true(info->have_prpsinfo);
	assert_string_equal(info->fname, "crash");
	assert_string_equal(info->psargs, "./crash");
	assert_int_equal(info->pid, 2437);
	assert_int_equal(info->uid, 0);
	assert_int_equal(info->gid, 0);

	assert_true(info->have_siginfo);
	assert_int_equal(info->si_signo, 11);
	assert_int_equal(info->si_code, 1); /* SEGV_MAPERR */
	assert_int_equal(info->fault_addr, 0);

	assert_int_equal(info->n_auxv, 22); /* 23 pairs in the note, the last AT_NULL */
	assert_int_equal(gc_core_auxv(info, AT_ENTRY, &value), 0);
	assert_int_equal(value, 0x401540);
	assert_int_equal(gc_core_auxv(info, AT_PAGESZ, &value), 0);
	assert_int_equal(value, 4096);
	assert_int_equal(gc_core_auxv(info, AT_SYSINFO_EHDR, &value), 0);
	assert_int_equal(value, 0x7fd4d152a000);
	assert_int_equal(gc_core_auxv(info, AT_NULL, &value), -ENOENT);
	assert_int_equal(gc_core_auxv(info, 9999, &value), -ENOENT);

	assert_int_equal(info->page_size, 4096);
	assert_int_equal(info->n_mappings, 5);
	for (size_t i = 0; i < info->n_mappings; i++)
		assert_string_equal(info->mappings[i].path, "/tmp/fx/crash");
	assert_int_equal(info->mappings[0].start, 0x400000);
	assert_int_equal(info->mappings[0].offset, 0);
	assert_int_equal(info->mappings[1].start, 0x401000);
	assert_int_equal(info->mappings[1].end, 0x48b000);
	assert_int_equal(info->mappings[1].offset, 0x1000);
	assert_int_equal(info->mappings[4].end, 0x4bc000);
	assert_int_equal(info->mappings[4].offset, 0xb9000);
}

static void test_fixture_whole(void **state)
{
	struct gc_core_parser *p;
	struct collector c;

	p = parse(fixture, fixture_size, fixture_size, &c);
	check_fixture_info(gc_core_parser_info(p));
	assert_segments_complete(gc_core_parser_info(p), &c);
	gc_core_parser_free(p);
}

static void test_fixture_chunked(void **state)
{
	static const size_t chunks[] = {1, 7, 4096, 65536, 1 << 20};

	for (size_t i = 0; i < ELEMENTSOF(chunks); i++) {
		struct gc_core_parser *p;
		struct collector c;

		p = parse(fixture, fixture_size, chunks[i], &c);
		check_fixture_info(gc_core_parser_info(p));
		assert_segments_complete(gc_core_parser_info(p), &c);
		/* Small chunks must not merge segments: each call stays inside one. */
		if (chunks[i] == 1)
			assert_true(c.calls > fixture_size / 2);
		gc_core_parser_free(p);
	}
}

static void test_no_callback(void **state)
{
	struct gc_core_parser *p = parse(fixture, fixture_size, 65536, NULL);

	check_fixture_info(gc_core_parser_info(p));
	gc_core_parser_free(p);
}

static void test_truncated_in_ehdr(void **state)
{
	struct gc_core_parser *p = parse(fixture, 30, 7, NULL);
	const struct gc_core_info *info = gc_core_parser_info(p);

	assert_true(info->truncated);
	assert_false(info->is_elf);
	assert_non_null(info->error);
	assert_non_null(strstr(info->error, "ends at 30 bytes"));
	gc_core_parser_free(p);
}

static void test_truncated_in_phdrs(void **state)
{
	size_t cut = sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr) + 10;
	struct gc_core_parser *p = parse(fixture, cut, 4096, NULL);
	const struct gc_core_info *info = gc_core_parser_info(p);

	assert_true(info->truncated);
	assert_true(info->is_elf);
	assert_int_equal(info->machine, EM_X86_64);
	assert_int_equal(info->n_phdrs, 0);
	assert_non_null(info->error);
	assert_non_null(strstr(info->error, "inside the program headers"));
	gc_core_parser_free(p);
}

static void test_truncated_in_notes(void **state)
{
	struct gc_core_parser *p = parse(fixture, NOTE_OFFSET + 100, 1, NULL);
	const struct gc_core_info *info = gc_core_parser_info(p);
	char expected[128];

	snprintf(expected, sizeof(expected), "the core ends at %d bytes, %zu expected",
		 NOTE_OFFSET + 100, fixture_size);
	assert_true(info->truncated);
	assert_int_equal(info->n_phdrs, FIXTURE_PHDRS);
	assert_int_equal(info->expected_size, fixture_size);
	assert_int_equal(info->n_threads, 0); /* notes are decoded once all of them arrived */
	assert_false(info->have_prpsinfo);
	assert_string_equal(info->error, expected);
	gc_core_parser_free(p);
}

static void test_truncated_in_load(void **state)
{
	size_t cut = STACK_LOAD + 5000;
	struct gc_core_parser *p;
	const struct gc_core_info *info;
	struct collector c;

	p = parse(fixture, cut, 4096, &c);
	info = gc_core_parser_info(p);
	assert_true(info->truncated);
	assert_non_null(info->error);
	assert_non_null(strstr(info->error, "ends at"));
	/* Everything before the cut is there. */
	assert_int_equal(info->n_threads, 2);
	assert_string_equal(info->fname, "crash");
	assert_int_equal(info->n_mappings, 5);
	assert_false(c.mismatch);
	assert_int_equal(c.received[1], info->phdrs[1].filesz);
	assert_int_equal(c.received[7], info->phdrs[7].filesz);
	assert_int_equal(info->phdrs[9].offset, STACK_LOAD);
	assert_int_equal(c.received[9], 5000);
	assert_int_equal(c.received[10], 0);
	gc_core_parser_free(p);
}

static void test_empty(void **state)
{
	struct gc_core_parser *p = parse(fixture, 0, 1, NULL);
	const struct gc_core_info *info = gc_core_parser_info(p);

	assert_true(info->truncated);
	assert_false(info->is_elf);
	assert_string_equal(info->error, "the core is empty");
	gc_core_parser_free(p);
}

static void test_not_elf(void **state)
{
	static const char text[] = "hello, world: this is not a core file, but it is long enough "
				   "to hold a whole ELF header";
	struct gc_core_parser *p = parse((const uint8_t *)text, sizeof(text), 5, NULL);
	const struct gc_core_info *info = gc_core_parser_info(p);

	assert_false(info->is_elf);
	assert_false(info->truncated);
	assert_non_null(info->error);
	assert_non_null(strstr(info->error, "not an ELF core: the stream starts with 0x68656c6c"));
	gc_core_parser_free(p);

	/* Too short for a header, and wrong from the first byte. */
	p = parse((const uint8_t *)"MZ\x90", 3, 1, NULL);
	info = gc_core_parser_info(p);
	assert_false(info->is_elf);
	assert_non_null(strstr(info->error, "not an ELF core: the stream starts with 0x4d5a90"));
	gc_core_parser_free(p);
}

static void test_not_core(void **state)
{
	_cleanup_free_ uint8_t *copy = malloc(4096);
	Elf64_Ehdr ehdr;
	struct gc_core_parser *p;
	const struct gc_core_info *info;

	memcpy(copy, fixture, 4096);
	memcpy(&ehdr, copy, sizeof(ehdr));
	ehdr.e_type = ET_EXEC;
	memcpy(copy, &ehdr, sizeof(ehdr));
	p = parse(copy, 4096, 4096, NULL);
	info = gc_core_parser_info(p);
	assert_false(info->is_elf);
	assert_non_null(strstr(info->error, "ET_CORE"));
	gc_core_parser_free(p);

	/* 32-bit class */
	memcpy(copy, fixture, 4096);
	copy[EI_CLASS] = ELFCLASS32;
	p = parse(copy, 4096, 4096, NULL);
	info = gc_core_parser_info(p);
	assert_false(info->is_elf);
	assert_non_null(strstr(info->error, "0x7f454c4601"));
	gc_core_parser_free(p);
}

static void test_bad_phentsize(void **state)
{
	_cleanup_free_ uint8_t *copy = malloc(4096);
	Elf64_Ehdr ehdr;
	struct gc_core_parser *p;
	const struct gc_core_info *info;

	memcpy(copy, fixture, 4096);
	memcpy(&ehdr, copy, sizeof(ehdr));
	ehdr.e_phentsize = 32;
	memcpy(copy, &ehdr, sizeof(ehdr));
	p = parse(copy, 4096, 100, NULL);
	info = gc_core_parser_info(p);
	assert_true(info->is_elf);
	assert_int_equal(info->n_phdrs, 0);
	assert_string_equal(info->error,
			    "the ELF header gives program headers of 32 bytes, 56 expected");
	gc_core_parser_free(p);
}

/* Flipping a note size must give an error and keep the program headers. */
static void test_corrupt_note(void **state)
{
	_cleanup_free_ uint8_t *copy = malloc(fixture_size);
	uint32_t descsz = 0xffffff00;
	struct gc_core_parser *p;
	const struct gc_core_info *info;
	struct collector c;

	memcpy(copy, fixture, fixture_size);
	memcpy(copy + NOTE_OFFSET + 4, &descsz, sizeof(descsz)); /* first note's n_descsz */
	p = parse(copy, fixture_size, 65536, &c);
	info = gc_core_parser_info(p);
	assert_true(info->is_elf);
	assert_false(info->truncated);
	assert_int_equal(info->n_phdrs, FIXTURE_PHDRS);
	assert_int_equal(info->n_threads, 0);
	assert_non_null(info->error);
	assert_non_null(strstr(info->error, "ends past the note segment"));
	/* The parser stopped: no segment bytes after the notes. */
	assert_int_equal(c.calls, 0);
	gc_core_parser_free(p);

	/* A PRSTATUS too small for the registers. */
	memcpy(copy, fixture, fixture_size);
	descsz = 8;
	memcpy(copy + NOTE_OFFSET + 4, &descsz, sizeof(descsz));
	p = parse(copy, fixture_size, 65536, NULL);
	info = gc_core_parser_info(p);
	assert_non_null(info->error);
	assert_non_null(strstr(info->error, "NT_PRSTATUS note has 8 bytes"));
	gc_core_parser_free(p);
}

/* NT_FILE's file count beyond what its size can hold. */
static void test_corrupt_file_note(void **state)
{
	_cleanup_free_ uint8_t *copy = malloc(0x4000);
	uint8_t *file_note = NULL;
	uint64_t count = 1000;
	struct gc_core_parser *p;
	const struct gc_core_info *info;

	memcpy(copy, fixture, 0x4000);
	/* Find the NT_FILE header: namesz 5, descsz 206, type NT_FILE. */
	for (size_t off = NOTE_OFFSET; off < NOTE_OFFSET + NOTE_SIZE; off += 4) {
		uint32_t h[3];

		memcpy(h, copy + off, sizeof(h));
		if (h[0] == 5 && h[1] == 206 && h[2] == NT_FILE) {
			file_note = copy + off + 12 + 8;
			break;
		}
	}
	assert_non_null(file_note);
	memcpy(file_note, &count, sizeof(count));
	p = parse(copy, 0x4000, 0x4000, NULL);
	info = gc_core_parser_info(p);
	assert_true(info->truncated); /* cut at 16 KiB */
	assert_non_null(strstr(info->error, "NT_FILE note lists 1000 files"));
	assert_int_equal(info->n_mappings, 0);
	/* Notes before NT_FILE were read. */
	assert_int_equal(info->n_threads, 1);
	assert_true(info->have_siginfo);
	gc_core_parser_free(p);
}

/* The fixture rewritten the way the kernel writes a core with more than 65534 segments. */
static uint8_t *make_xnum(uint32_t sh_info, size_t *ret_size)
{
	size_t size = fixture_size + sizeof(Elf64_Shdr);
	uint8_t *copy = malloc(size);
	Elf64_Ehdr ehdr;
	Elf64_Shdr shdr = {
	    .sh_type = SHT_NULL,
	    .sh_size = 1,
	    .sh_info = sh_info,
	};

	assert_non_null(copy);
	memcpy(copy, fixture, fixture_size);
	memcpy(&ehdr, copy, sizeof(ehdr));
	/* fs/binfmt_elf.c fill_extnum_info() */
	ehdr.e_phnum = PN_XNUM;
	ehdr.e_shoff = fixture_size;
	ehdr.e_shentsize = sizeof(Elf64_Shdr);
	ehdr.e_shnum = 1;
	ehdr.e_shstrndx = SHN_UNDEF;
	memcpy(copy, &ehdr, sizeof(ehdr));
	memcpy(copy + fixture_size, &shdr, sizeof(shdr));
	*ret_size = size;
	return copy;
}

static void test_xnum(void **state)
{
	static const size_t chunks[] = {7, 4096, SIZE_MAX};
	size_t size;
	_cleanup_free_ uint8_t *copy = make_xnum(FIXTURE_PHDRS, &size);

	for (size_t i = 0; i < ELEMENTSOF(chunks); i++) {
		struct gc_core_parser *p;
		const struct gc_core_info *info;
		struct collector c;

		p = parse(copy, size, chunks[i], &c);
		info = gc_core_parser_info(p);
		assert_null(info->error);
		assert_false(info->truncated);
		assert_int_equal(info->n_phdrs, FIXTURE_PHDRS);
		assert_int_equal(info->expected_size, size);
		assert_int_equal(info->n_threads, 2);
		assert_string_equal(info->fname, "crash");
		assert_segments_complete(info, &c);
		gc_core_parser_free(p);
	}
}

static void test_xnum_mismatch(void **state)
{
	size_t size;
	_cleanup_free_ uint8_t *copy = make_xnum(FIXTURE_PHDRS - 1, &size);
	struct gc_core_parser *p;
	const struct gc_core_info *info;

	p = parse(copy, size, 65536, NULL);
	info = gc_core_parser_info(p);
	assert_string_equal(info->error, "section header 0 gives 14 program headers (PN_XNUM), but "
					 "15 were found");
	assert_int_equal(info->n_threads, 2);
	gc_core_parser_free(p);

	/* Without the trailing section header the count is still inferred, and the core short. */
	p = parse(copy, fixture_size, 65536, NULL);
	info = gc_core_parser_info(p);
	assert_true(info->truncated);
	assert_int_equal(info->n_phdrs, FIXTURE_PHDRS);
	assert_non_null(strstr(info->error, "ends at"));
	gc_core_parser_free(p);
}

/* A tiny hand-made core: overlapping, unsorted loads, a gap, and no notes. */
static void test_overlapping_segments(void **state)
{
	enum { HEADERS = sizeof(Elf64_Ehdr) + 4 * sizeof(Elf64_Phdr), SIZE = 1200 };
	uint8_t core[SIZE];
	Elf64_Ehdr ehdr = {
	    .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT},
	    .e_type = ET_CORE,
	    .e_machine = EM_AARCH64,
	    .e_phoff = sizeof(Elf64_Ehdr),
	    .e_phentsize = sizeof(Elf64_Phdr),
	    .e_phnum = 4,
	};
	Elf64_Phdr phdrs[4] = {
	    {.p_type = PT_NOTE, .p_offset = HEADERS},
	    {.p_type = PT_LOAD, .p_offset = 600, .p_filesz = 300, .p_vaddr = 0x1000},
	    {.p_type = PT_LOAD, .p_offset = 500, .p_filesz = 200, .p_vaddr = 0x2000},
	    {.p_type = PT_LOAD, .p_offset = 1000, .p_filesz = 200, .p_vaddr = 0x3000},
	};
	static const size_t chunks[] = {1, 3, 64, 550, SIZE};

	for (size_t i = 0; i < sizeof(core); i++)
		core[i] = (uint8_t)(i * 7 + 3);
	memcpy(core, &ehdr, sizeof(ehdr));
	memcpy(core + sizeof(ehdr), phdrs, sizeof(phdrs));

	for (size_t i = 0; i < ELEMENTSOF(chunks); i++) {
		struct gc_core_parser *p;
		const struct gc_core_info *info;
		struct collector c;

		p = parse(core, SIZE, chunks[i], &c);
		info = gc_core_parser_info(p);
		assert_null(info->error);
		assert_int_equal(info->machine, EM_AARCH64);
		assert_int_equal(info->n_phdrs, 4);
		assert_int_equal(info->expected_size, SIZE);
		assert_int_equal(info->n_threads, 0);
		assert_segments_complete(info, &c);
		gc_core_parser_free(p);
	}

	/* Cut short: each segment got what passed. */
	{
		struct collector c;
		struct gc_core_parser *p = parse(core, 650, 13, &c);
		const struct gc_core_info *info = gc_core_parser_info(p);

		assert_true(info->truncated);
		assert_string_equal(info->error, "the core ends at 650 bytes, 1200 expected");
		assert_false(c.mismatch);
		assert_int_equal(c.received[1], 50);
		assert_int_equal(c.received[2], 150);
		assert_int_equal(c.received[3], 0);
		gc_core_parser_free(p);
	}
}

/* Notes that start inside the program header table cannot be read without seeking back. */
static void test_notes_overlap_phdrs(void **state)
{
	uint8_t core[512] = {};
	Elf64_Ehdr ehdr = {
	    .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT},
	    .e_type = ET_CORE,
	    .e_machine = EM_X86_64,
	    .e_phoff = sizeof(Elf64_Ehdr),
	    .e_phentsize = sizeof(Elf64_Phdr),
	    .e_phnum = 2,
	};
	Elf64_Phdr phdrs[2] = {
	    {.p_type = PT_NOTE, .p_offset = 100, .p_filesz = 40},
	    {.p_type = PT_LOAD, .p_offset = 300, .p_filesz = 100},
	};
	struct gc_core_parser *p;

	memcpy(core, &ehdr, sizeof(ehdr));
	memcpy(core + sizeof(ehdr), phdrs, sizeof(phdrs));
	p = parse(core, sizeof(core), 512, NULL);
	assert_string_equal(gc_core_parser_info(p)->error,
			    "the notes start at offset 100, before the end of the program headers "
			    "at 176");
	gc_core_parser_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_whole),
	    cmocka_unit_test(test_fixture_chunked),
	    cmocka_unit_test(test_no_callback),
	    cmocka_unit_test(test_truncated_in_ehdr),
	    cmocka_unit_test(test_truncated_in_phdrs),
	    cmocka_unit_test(test_truncated_in_notes),
	    cmocka_unit_test(test_truncated_in_load),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_not_elf),
	    cmocka_unit_test(test_not_core),
	    cmocka_unit_test(test_bad_phentsize),
	    cmocka_unit_test(test_corrupt_note),
	    cmocka_unit_test(test_corrupt_file_note),
	    cmocka_unit_test(test_xnum),
	    cmocka_unit_test(test_xnum_mismatch),
	    cmocka_unit_test(test_overlapping_segments),
	    cmocka_unit_test(test_notes_overlap_phdrs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
