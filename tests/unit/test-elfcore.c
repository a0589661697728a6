/* SPDX-License-Identifier: MIT */
/* The core reader against a real kernel core (tests/data/core-c-static.zst, a static 2-thread
 * C program killed by SIGSEGV), read whole and through a source that returns a few bytes at a
 * time, cut, corrupted and rewritten as a PN_XNUM core; then against hand-made cores with
 * absurd headers. Every byte of memory it serves is checked against the core's own bytes. The
 * expected values were read with readelf/eu-readelf from the fixture. */
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
#define NOTE_OFFSET	0x388
#define NOTE_SIZE	0x1e04
#define FIRST_LOAD_DATA 0x3000	/* p_offset of the first PT_LOAD */
#define STACK_LOAD	0x32000 /* the 8 MiB thread stack segment */
#define HEADERS_SIZE	(sizeof(Elf64_Ehdr) + FIXTURE_PHDRS * sizeof(Elf64_Phdr))

static uint8_t *fixture;
static size_t fixture_size;

/* A source that hands out at most chunk bytes a call and counts what it was asked for. */
struct source {
	const uint8_t *data;
	uint64_t size; /* what it has */
	size_t chunk;
	uint64_t fail_from; /* reads at or past this offset fail with -EIO */
	uint64_t bytes_read;
};

static ssize_t source_read(void *userdata, void *buf, size_t size, uint64_t offset)
{
	struct source *s = userdata;

	if (offset >= s->fail_from)
		return -EIO;
	if (offset >= s->size)
		return 0;
	size = MIN(MIN(size, s->chunk), (size_t)(s->size - offset));
	memcpy(buf, s->data + offset, size);
	s->bytes_read += size;
	return (ssize_t)size;
}

static struct source source_of(const uint8_t *data, size_t size, size_t chunk)
{
	return (struct source){.data = data, .size = size, .chunk = chunk, .fail_from = UINT64_MAX};
}

/* chunk 0: the memory source; else a source of chunk bytes a call. */
static struct gc_core *open_core(const uint8_t *data, size_t size, size_t chunk, struct source *s)
{
	struct gc_core *core;

	if (chunk == 0) {
		assert_int_equal(gc_core_open_memory(data, size, &core), 0);
		return core;
	}
	*s = source_of(data, size, chunk);
	assert_int_equal(gc_core_open(source_read, s, size, &core), 0);
	return core;
}

static struct gc_core *open_whole(const uint8_t *data, size_t size)
{
	return open_core(data, size, 0, NULL);
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

/* Every PT_LOAD's dumped bytes that the core holds (size bytes of data) read back equal,
 * in uneven pieces; the byte after them does not read. Returns the bytes checked. */
static uint64_t check_memory(struct gc_core *core, const uint8_t *data, size_t size)
{
	const struct gc_core_info *info = gc_core_info(core);
	_cleanup_free_ uint8_t *buf = malloc(1 << 16);
	uint64_t checked = 0;
	uint8_t byte;

	assert_non_null(buf);
	for (size_t i = 0; i < info->n_phdrs; i++) {
		const struct gc_core_phdr *p = &info->phdrs[i];
		uint64_t have;

		if (p->type != PT_LOAD || p->filesz == 0 || p->offset >= size)
			continue;
		have = MIN(MIN(p->filesz, p->memsz), size - p->offset);
		for (uint64_t off = 0; off < have;) {
			size_t len = (size_t)MIN(have - off, (uint64_t)(1 + (off * 7919) % 65535));

			assert_int_equal(gc_core_read_memory(core, p->vaddr + off, buf, len), 0);
			assert_memory_equal(buf, data + p->offset + off, len);
			off += len;
		}
		checked += have;
		if (have < p->memsz)
			assert_int_equal(gc_core_read_memory(core, p->vaddr + have, &byte, 1),
					 -EFAULT);
	}
	return checked;
}

static uint64_t fixture_dumped_bytes(const struct gc_core_info *info)
{
	uint64_t n = 0;

	for (size_t i = 0; i < info->n_phdrs; i++)
		if (info->phdrs[i].type == PT_LOAD)
			n += info->phdrs[i].filesz;
	return n;
}

static void check_fixture_threads(const struct gc_core_info *info)
{
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
}

static void check_fixture_notes(const struct gc_core_info *info)
{
	uint64_t value;

	check_fixture_threads(info);
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

static void check_fixture_info(const struct gc_core_info *info)
{
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
	check_fixture_notes(info);
}

static void test_fixture_whole(void **state)
{
	struct gc_core *core = open_whole(fixture, fixture_size);
	const struct gc_core_info *info = gc_core_info(core);
	struct gc_core_place place;
	uint8_t byte;

	check_fixture_info(info);
	assert_int_equal(check_memory(core, fixture, fixture_size), fixture_dumped_bytes(info));

	/* The text is mapped but not dumped: its whole segment is in that state. */
	gc_core_locate(core, 0x401000 + 0x10, &place);
	assert_true(place.mapped);
	assert_false(place.dumped);
	assert_int_equal(place.size, 0x8a000 - 0x10);
	assert_int_equal(gc_core_read_memory(core, 0x401000, &byte, 1), -EFAULT);
	/* The first data segment, where it is in the file. */
	gc_core_locate(core, 0x400010, &place);
	assert_true(place.dumped);
	assert_int_equal(place.offset, FIRST_LOAD_DATA + 0x10);
	assert_int_equal(place.size, info->phdrs[1].filesz - 0x10);
	/* Unmapped: up to the first segment. */
	gc_core_locate(core, 0x10, &place);
	assert_false(place.mapped);
	assert_int_equal(place.size, 0x400000 - 0x10);
	assert_int_equal(gc_core_read_memory(core, 0x10, &byte, 1), -EFAULT);
	/* By file offset: the ELF magic, and nothing at the end. */
	assert_int_equal(gc_core_pread(core, &byte, 1, 1), 1);
	assert_int_equal(byte, 'E');
	assert_int_equal(gc_core_pread(core, &byte, 1, fixture_size), -EFAULT);
	gc_core_free(core);
}

/* A source of a few bytes a call gives the same; opening reads the headers and notes alone. */
static void test_fixture_short_reads(void **state)
{
	static const size_t chunks[] = {1, 7, 4096, 65536, 1 << 20};

	for (size_t i = 0; i < ELEMENTSOF(chunks); i++) {
		struct source s;
		struct gc_core *core = open_core(fixture, fixture_size, chunks[i], &s);

		check_fixture_info(gc_core_info(core));
		assert_int_equal(s.bytes_read, HEADERS_SIZE + NOTE_SIZE);
		if (chunks[i] >= 4096)
			assert_int_equal(check_memory(core, fixture, fixture_size),
					 fixture_dumped_bytes(gc_core_info(core)));
		gc_core_free(core);
	}
}

/* The source's errors come back as they are; a source shorter than it said is -EIO. */
static void test_source_errors(void **state)
{
	struct source s = source_of(fixture, fixture_size, 4096);
	struct gc_core *core;
	uint8_t buf[16];

	s.fail_from = NOTE_OFFSET + 10;
	assert_int_equal(gc_core_open(source_read, &s, fixture_size, &core), -EIO);

	s = source_of(fixture, fixture_size, 4096);
	s.fail_from = FIRST_LOAD_DATA;
	assert_int_equal(gc_core_open(source_read, &s, fixture_size, &core), 0);
	check_fixture_info(gc_core_info(core));
	assert_int_equal(gc_core_read_memory(core, 0x400000, buf, sizeof(buf)), -EIO);
	gc_core_free(core);

	s = source_of(fixture, NOTE_OFFSET + 100, 4096);
	assert_int_equal(gc_core_open(source_read, &s, fixture_size, &core), -EIO);
	s = source_of(fixture, FIRST_LOAD_DATA, 4096);
	assert_int_equal(gc_core_open(source_read, &s, fixture_size, &core), 0);
	assert_int_equal(gc_core_read_memory(core, 0x400000, buf, sizeof(buf)), -EIO);
	gc_core_free(core);
}

static void test_truncated_in_ehdr(void **state)
{
	struct source s;
	struct gc_core *core = open_core(fixture, 30, 7, &s);
	const struct gc_core_info *info = gc_core_info(core);

	assert_true(info->truncated);
	assert_false(info->is_elf);
	assert_string_equal(info->error,
			    "the core ends at 30 bytes, inside the 64-byte ELF header");
	assert_int_equal(info->n_phdrs, 0);
	gc_core_free(core);
}

static void test_truncated_in_phdrs(void **state)
{
	size_t cut = sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr) + 10;
	struct source s;
	struct gc_core *core = open_core(fixture, cut, 4096, &s);
	const struct gc_core_info *info = gc_core_info(core);
	uint8_t byte;

	assert_true(info->truncated);
	assert_true(info->is_elf);
	assert_int_equal(info->machine, EM_X86_64);
	assert_int_equal(info->n_phdrs, 0);
	assert_int_equal(info->expected_size, HEADERS_SIZE);
	assert_string_equal(info->error, "the core ends at 242 bytes, inside the program headers "
					 "(at least 904 expected)");
	assert_int_equal(s.bytes_read, sizeof(Elf64_Ehdr)); /* the table was not read */
	assert_int_equal(gc_core_read_memory(core, 0x400000, &byte, 1), -EFAULT);
	gc_core_free(core);
}

static void test_truncated_in_notes(void **state)
{
	struct gc_core *core = open_whole(fixture, NOTE_OFFSET + 100);
	const struct gc_core_info *info = gc_core_info(core);
	char expected[128];

	snprintf(expected, sizeof(expected), "the core ends at %d bytes, %zu expected",
		 NOTE_OFFSET + 100, fixture_size);
	assert_true(info->truncated);
	assert_int_equal(info->n_phdrs, FIXTURE_PHDRS);
	assert_int_equal(info->expected_size, fixture_size);
	assert_int_equal(info->n_threads, 0); /* notes are decoded only when all are there */
	assert_false(info->have_prpsinfo);
	assert_string_equal(info->error, expected);
	gc_core_free(core);
}

static void test_truncated_in_load(void **state)
{
	size_t cut = STACK_LOAD + 5000;
	struct gc_core *core = open_whole(fixture, cut);
	const struct gc_core_info *info = gc_core_info(core);
	struct gc_core_place place;
	uint64_t checked;

	assert_true(info->truncated);
	assert_non_null(info->error);
	assert_non_null(strstr(info->error, "ends at"));
	/* Everything before the cut is there. */
	assert_int_equal(info->n_threads, 2);
	assert_string_equal(info->fname, "crash");
	assert_int_equal(info->n_mappings, 5);
	assert_int_equal(info->phdrs[9].offset, STACK_LOAD);
	checked = check_memory(core, fixture, cut);
	assert_int_equal(checked, cut - FIRST_LOAD_DATA); /* the loads are contiguous */
	/* The stack segment: 5000 bytes, then the core's end. */
	gc_core_locate(core, info->phdrs[9].vaddr, &place);
	assert_true(place.dumped);
	assert_int_equal(place.size, 5000);
	gc_core_locate(core, info->phdrs[10].vaddr, &place);
	assert_true(place.dumped);
	assert_int_equal(place.size, 0);
	gc_core_free(core);
}

static void test_empty(void **state)
{
	struct gc_core *core = open_whole(fixture, 0);
	const struct gc_core_info *info = gc_core_info(core);

	assert_true(info->truncated);
	assert_false(info->is_elf);
	assert_string_equal(info->error, "the core is empty");
	gc_core_free(core);
}

static void test_not_elf(void **state)
{
	static const char text[] = "hello, world: this is not a core file, but it is long enough "
				   "to hold a whole ELF header";
	struct gc_core *core = open_whole((const uint8_t *)text, sizeof(text));
	const struct gc_core_info *info = gc_core_info(core);

	assert_false(info->is_elf);
	assert_false(info->truncated);
	assert_non_null(info->error);
	assert_non_null(strstr(info->error, "not an ELF core: the stream starts with 0x68656c6c"));
	gc_core_free(core);

	/* Too short for a header, and wrong from the first byte. */
	core = open_whole((const uint8_t *)"MZ\x90", 3);
	info = gc_core_info(core);
	assert_false(info->is_elf);
	assert_false(info->truncated);
	assert_non_null(strstr(info->error, "not an ELF core: the stream starts with 0x4d5a90"));
	gc_core_free(core);
}

static void test_not_core(void **state)
{
	_cleanup_free_ uint8_t *copy = malloc(4096);
	Elf64_Ehdr ehdr;
	struct gc_core *core;
	const struct gc_core_info *info;

	memcpy(copy, fixture, 4096);
	memcpy(&ehdr, copy, sizeof(ehdr));
	ehdr.e_type = ET_EXEC;
	memcpy(copy, &ehdr, sizeof(ehdr));
	core = open_whole(copy, 4096);
	info = gc_core_info(core);
	assert_false(info->is_elf);
	assert_non_null(strstr(info->error, "ET_CORE"));
	gc_core_free(core);

	/* 32-bit class */
	memcpy(copy, fixture, 4096);
	copy[EI_CLASS] = ELFCLASS32;
	core = open_whole(copy, 4096);
	info = gc_core_info(core);
	assert_false(info->is_elf);
	assert_non_null(strstr(info->error, "0x7f454c4601"));
	gc_core_free(core);
}

/* The fixture's first bytes with its ELF header changed by edit. */
static struct gc_core *open_edited_ehdr(uint8_t *copy, size_t size, void (*edit)(Elf64_Ehdr *))
{
	Elf64_Ehdr ehdr;

	memcpy(copy, fixture, size);
	memcpy(&ehdr, copy, sizeof(ehdr));
	edit(&ehdr);
	memcpy(copy, &ehdr, sizeof(ehdr));
	return open_whole(copy, size);
}

static void phentsize_32(Elf64_Ehdr *e)
{
	e->e_phentsize = 32;
}

static void phnum_max(Elf64_Ehdr *e)
{
	e->e_phnum = 65534;
}

static void phoff_top(Elf64_Ehdr *e)
{
	e->e_phoff = UINT64_MAX - 100;
}

static void phoff_in_ehdr(Elf64_Ehdr *e)
{
	e->e_phoff = 8;
}

static void shoff_top(Elf64_Ehdr *e)
{
	e->e_shoff = UINT64_MAX - 10;
	e->e_shnum = 3;
}

static void no_phdrs(Elf64_Ehdr *e)
{
	e->e_phnum = 0;
}

static void check_edit(void (*edit)(Elf64_Ehdr *), const char *error)
{
	_cleanup_free_ uint8_t *copy = malloc(4096);
	struct gc_core *core = open_edited_ehdr(copy, 4096, edit);
	const struct gc_core_info *info = gc_core_info(core);

	assert_true(info->is_elf);
	assert_int_equal(info->n_phdrs, 0);
	assert_string_equal(info->error, error);
	gc_core_free(core);
}

static void test_absurd_ehdr(void **state)
{
	check_edit(phentsize_32, "the ELF header gives program headers of 32 bytes, 56 expected");
	check_edit(phoff_in_ehdr, "the program headers start at offset 8, inside the ELF header");
	check_edit(no_phdrs, "the core has no program headers");
	check_edit(phoff_top, "the program headers start at offset 18446744073709551515, past "
			      "any stream");
	check_edit(shoff_top, "the section headers start at offset 18446744073709551605, "
			      "outside the stream");
	/* A table of 3.5 MiB announced by a 4 KiB core: short, and nothing allocated for it. */
	check_edit(phnum_max, "the core ends at 4096 bytes, inside the program headers (at least "
			      "3669968 expected)");
}

/* Flipping a note size must give an error and keep the program headers. */
static void test_corrupt_note(void **state)
{
	_cleanup_free_ uint8_t *copy = malloc(fixture_size);
	uint32_t descsz = 0xffffff00;
	struct gc_core *core;
	const struct gc_core_info *info;

	memcpy(copy, fixture, fixture_size);
	memcpy(copy + NOTE_OFFSET + 4, &descsz, sizeof(descsz)); /* first note's n_descsz */
	core = open_whole(copy, fixture_size);
	info = gc_core_info(core);
	assert_true(info->is_elf);
	assert_false(info->truncated);
	assert_int_equal(info->n_phdrs, FIXTURE_PHDRS);
	assert_int_equal(info->n_threads, 0);
	assert_string_equal(info->error, "the note at offset 904 (name size 5, data size "
					 "4294967040) ends past the note segment of 7684 bytes");
	/* The memory is still there. */
	assert_int_equal(check_memory(core, copy, fixture_size), fixture_dumped_bytes(info));
	gc_core_free(core);

	/* A PRSTATUS too small for the registers. */
	memcpy(copy, fixture, fixture_size);
	descsz = 8;
	memcpy(copy + NOTE_OFFSET + 4, &descsz, sizeof(descsz));
	core = open_whole(copy, fixture_size);
	info = gc_core_info(core);
	assert_non_null(info->error);
	assert_non_null(strstr(info->error, "NT_PRSTATUS note has 8 bytes"));
	gc_core_free(core);
}

/* The NT_FILE note's header in copy (namesz 5, descsz 206, type NT_FILE), its data after. */
static uint8_t *find_file_note(uint8_t *copy)
{
	for (size_t off = NOTE_OFFSET; off < NOTE_OFFSET + NOTE_SIZE; off += 4) {
		uint32_t h[3];

		memcpy(h, copy + off, sizeof(h));
		if (h[0] == 5 && h[1] == 206 && h[2] == NT_FILE)
			return copy + off + 12 + 8;
	}
	return NULL;
}

/* NT_FILE's file count beyond what its size can hold, and other bad entries. */
static void test_corrupt_file_note(void **state)
{
	_cleanup_free_ uint8_t *copy = malloc(0x4000);
	uint8_t *file_note;
	uint64_t value = 1000;
	struct gc_core *core;
	const struct gc_core_info *info;

	memcpy(copy, fixture, 0x4000);
	file_note = find_file_note(copy);
	assert_non_null(file_note);
	memcpy(file_note, &value, sizeof(value));
	core = open_whole(copy, 0x4000);
	info = gc_core_info(core);
	assert_true(info->truncated); /* cut at 16 KiB */
	assert_non_null(strstr(info->error, "NT_FILE note lists 1000 files"));
	assert_int_equal(info->n_mappings, 0);
	/* Notes before NT_FILE were read. */
	assert_int_equal(info->n_threads, 1);
	assert_true(info->have_siginfo);
	gc_core_free(core);

	/* Mapping 1 ending before it starts: mapping 0 stays. */
	memcpy(copy, fixture, 0x4000);
	value = 0x1000;
	memcpy(file_note + 16 + 24 + 8, &value, sizeof(value));
	core = open_whole(copy, 0x4000);
	info = gc_core_info(core);
	assert_string_equal(info->error,
			    "NT_FILE mapping 1 ends at 0x1000 before it starts at 0x401000");
	assert_int_equal(info->n_mappings, 1);
	gc_core_free(core);

	/* A page offset whose byte offset overflows. */
	memcpy(copy, fixture, 0x4000);
	value = UINT64_C(1) << 60;
	memcpy(file_note + 16 + 16, &value, sizeof(value));
	core = open_whole(copy, 0x4000);
	assert_non_null(strstr(gc_core_info(core)->error, "too large for page size 4096"));
	gc_core_free(core);
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
	static const size_t chunks[] = {0, 7, 4096};
	size_t size;
	_cleanup_free_ uint8_t *copy = make_xnum(FIXTURE_PHDRS, &size);

	for (size_t i = 0; i < ELEMENTSOF(chunks); i++) {
		struct source s;
		struct gc_core *core = open_core(copy, size, chunks[i], &s);
		const struct gc_core_info *info = gc_core_info(core);

		assert_null(info->error);
		assert_false(info->truncated);
		assert_int_equal(info->n_phdrs, FIXTURE_PHDRS);
		assert_int_equal(info->expected_size, size);
		check_fixture_notes(info);
		assert_int_equal(check_memory(core, copy, size), fixture_dumped_bytes(info));
		gc_core_free(core);
	}
}

static void test_xnum_mismatch(void **state)
{
	size_t size;
	_cleanup_free_ uint8_t *copy = make_xnum(FIXTURE_PHDRS - 1, &size);
	struct gc_core *core;
	const struct gc_core_info *info;
	Elf64_Phdr first;

	core = open_whole(copy, size);
	info = gc_core_info(core);
	assert_string_equal(info->error, "section header 0 gives 14 program headers (PN_XNUM), but "
					 "15 were found");
	assert_int_equal(info->n_threads, 2);
	gc_core_free(core);

	/* Without the trailing section header the count is still inferred, and the core short. */
	core = open_whole(copy, fixture_size);
	info = gc_core_info(core);
	assert_true(info->truncated);
	assert_int_equal(info->n_phdrs, FIXTURE_PHDRS);
	assert_non_null(strstr(info->error, "ends at"));
	gc_core_free(core);

	/* Section header 0 read from before the notes' end is checked first, as in the file's
	 * order: here it lies inside the notes and gives a count of whatever bytes are there. */
	{
		Elf64_Ehdr ehdr;

		memcpy(&ehdr, copy, sizeof(ehdr));
		ehdr.e_shoff = NOTE_OFFSET + 0x100;
		memcpy(copy, &ehdr, sizeof(ehdr));
		core = open_whole(copy, size);
		info = gc_core_info(core);
		assert_non_null(strstr(info->error, "section header 0 gives"));
		assert_int_equal(info->n_phdrs, FIXTURE_PHDRS);
		assert_int_equal(info->n_threads, 0);
		gc_core_free(core);
		ehdr.e_shoff = fixture_size;
		memcpy(copy, &ehdr, sizeof(ehdr));
	}

	/* A first entry that is no PT_NOTE cannot bound the table. */
	memcpy(&first, copy + sizeof(Elf64_Ehdr), sizeof(first));
	first.p_type = PT_LOAD;
	memcpy(copy + sizeof(Elf64_Ehdr), &first, sizeof(first));
	core = open_whole(copy, size);
	assert_non_null(strstr(gc_core_info(core)->error, "is of type 1, not PT_NOTE"));
	assert_int_equal(gc_core_info(core)->n_phdrs, 0);
	gc_core_free(core);

	/* Notes far away would leave room for too many entries. */
	first.p_type = PT_NOTE;
	first.p_offset = UINT64_C(1) << 40;
	memcpy(copy + sizeof(Elf64_Ehdr), &first, sizeof(first));
	core = open_whole(copy, size);
	assert_non_null(strstr(gc_core_info(core)->error, "more than the 1048576 supported"));
	gc_core_free(core);
}

/* A hand-made core: the ELF header, n program headers right after it, and filler bytes. */
static void make_core(uint8_t *core, size_t size, uint16_t machine, const Elf64_Phdr *phdrs,
		      size_t n)
{
	Elf64_Ehdr ehdr = {
	    .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT},
	    .e_type = ET_CORE,
	    .e_machine = machine,
	    .e_phoff = sizeof(Elf64_Ehdr),
	    .e_phentsize = sizeof(Elf64_Phdr),
	    .e_phnum = (uint16_t)n,
	};

	for (size_t i = 0; i < size; i++)
		core[i] = (uint8_t)(i * 7 + 3);
	memcpy(core, &ehdr, sizeof(ehdr));
	memcpy(core + sizeof(ehdr), phdrs, n * sizeof(*phdrs));
}

/* Overlapping, unsorted loads, a gap, and no notes. */
static void test_overlapping_segments(void **state)
{
	enum { HEADERS = sizeof(Elf64_Ehdr) + 4 * sizeof(Elf64_Phdr), SIZE = 1200 };
	uint8_t core[SIZE];
	Elf64_Phdr phdrs[4] = {
	    {.p_type = PT_NOTE, .p_offset = HEADERS},
	    {.p_type = PT_LOAD,
	     .p_offset = 600,
	     .p_filesz = 300,
	     .p_memsz = 300,
	     .p_vaddr = 0x1000},
	    {.p_type = PT_LOAD,
	     .p_offset = 500,
	     .p_filesz = 200,
	     .p_memsz = 200,
	     .p_vaddr = 0x2000},
	    {.p_type = PT_LOAD,
	     .p_offset = 1000,
	     .p_filesz = 200,
	     .p_memsz = 200,
	     .p_vaddr = 0x3000},
	};
	static const size_t chunks[] = {0, 1, 3, 64, 550};
	struct gc_core_place place;

	make_core(core, SIZE, EM_AARCH64, phdrs, ELEMENTSOF(phdrs));
	for (size_t i = 0; i < ELEMENTSOF(chunks); i++) {
		struct source s;
		struct gc_core *c = open_core(core, SIZE, chunks[i], &s);
		const struct gc_core_info *info = gc_core_info(c);

		assert_null(info->error);
		assert_int_equal(info->machine, EM_AARCH64);
		assert_int_equal(info->n_phdrs, 4);
		assert_int_equal(info->expected_size, SIZE);
		assert_int_equal(info->n_threads, 0);
		assert_int_equal(check_memory(c, core, SIZE), 700);
		gc_core_free(c);
	}

	/* Cut short: each segment has what the core holds. */
	{
		struct gc_core *c = open_whole(core, 650);
		const struct gc_core_info *info = gc_core_info(c);

		assert_true(info->truncated);
		assert_string_equal(info->error, "the core ends at 650 bytes, 1200 expected");
		assert_int_equal(check_memory(c, core, 650), 50 + 150);
		gc_core_locate(c, 0x1000, &place);
		assert_int_equal(place.size, 50);
		gc_core_locate(c, 0x2000, &place);
		assert_int_equal(place.size, 150);
		gc_core_locate(c, 0x3000, &place);
		assert_true(place.dumped);
		assert_int_equal(place.size, 0);
		gc_core_free(c);
	}
}

/* Segments overlapping in memory (no kernel writes that): each byte comes from the first
 * segment in the table that holds it, however the read is split. */
static void test_overlapping_addresses(void **state)
{
	enum { SIZE = 1024 };
	uint8_t core[SIZE], buf[64];
	struct gc_core_place place;
	Elf64_Phdr phdrs[3] = {
	    {.p_type = PT_LOAD,
	     .p_offset = 300,
	     .p_filesz = 100,
	     .p_memsz = 100,
	     .p_vaddr = 0x1040},
	    {.p_type = PT_LOAD,
	     .p_offset = 600,
	     .p_filesz = 400,
	     .p_memsz = 400,
	     .p_vaddr = 0x1000},
	    {.p_type = PT_LOAD,
	     .p_offset = 500,
	     .p_filesz = 0,
	     .p_memsz = 0x100,
	     .p_vaddr = 0x1000},
	};
	struct gc_core *c;

	make_core(core, SIZE, EM_X86_64, phdrs, ELEMENTSOF(phdrs));
	c = open_whole(core, SIZE);
	assert_null(gc_core_info(c)->error);
	/* 0x1000..0x1040 from segment 1, then segment 0 from where it starts */
	assert_int_equal(gc_core_read_memory(c, 0x1030, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, core + 600 + 0x30, 0x10);
	assert_memory_equal(buf + 0x10, core + 300, sizeof(buf) - 0x10);
	gc_core_locate(c, 0x1030, &place);
	assert_int_equal(place.size, 0x10);
	gc_core_locate(c, 0x1040, &place);
	assert_int_equal(place.offset, 300);
	assert_int_equal(place.size, 100);
	/* Past segment 0's end, segment 1 again. */
	assert_int_equal(gc_core_read_memory(c, 0x1040 + 90, buf, 20), 0);
	assert_memory_equal(buf, core + 300 + 90, 10);
	assert_memory_equal(buf + 10, core + 600 + 0x40 + 100, 10);
	/* A later segment that covers the same addresses but was not dumped changes nothing. */
	gc_core_locate(c, 0x1010, &place);
	assert_true(place.dumped);
	assert_int_equal(place.offset, 600 + 0x10);
	gc_core_free(c);
}

/* Sizes past any core: the reader says so and reads nothing out of bounds. */
static void test_huge_segments(void **state)
{
	enum { SIZE = 1024 };
	uint8_t core[SIZE], buf[32];
	Elf64_Phdr phdrs[4] = {
	    {.p_type = PT_LOAD,
	     .p_offset = 300,
	     .p_filesz = 64,
	     .p_memsz = 0x1000,
	     .p_vaddr = UINT64_MAX - 0xfff},
	    {.p_type = PT_LOAD,
	     .p_offset = 400,
	     .p_filesz = UINT64_C(1) << 60,
	     .p_memsz = UINT64_C(1) << 62,
	     .p_vaddr = 0x10000},
	    {.p_type = PT_LOAD, .p_offset = 0, .p_filesz = 16, .p_memsz = 16, .p_vaddr = 0x100},
	    {.p_type = PT_LOAD,
	     .p_offset = UINT64_MAX - 8,
	     .p_filesz = 16,
	     .p_memsz = 16,
	     .p_vaddr = 0x200},
	};
	struct gc_core_place place;
	struct gc_core *c;
	const struct gc_core_info *info;

	make_core(core, SIZE, EM_X86_64, phdrs, 3);
	c = open_whole(core, SIZE);
	info = gc_core_info(c);
	assert_true(info->truncated);
	assert_int_equal(info->expected_size, 400 + (UINT64_C(1) << 60));
	assert_string_equal(info->error, "the core ends at 1024 bytes, 1152921504606847376 "
					 "expected");
	/* The huge segment reads as far as the core goes. */
	assert_int_equal(gc_core_read_memory(c, 0x10000, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, core + 400, sizeof(buf));
	gc_core_locate(c, 0x10000, &place);
	assert_int_equal(place.size, SIZE - 400);
	assert_int_equal(gc_core_read_memory(c, 0x10000 + SIZE - 400 - 8, buf, 16), -EFAULT);
	gc_core_locate(c, UINT64_C(1) << 59, &place);
	assert_true(place.dumped);
	assert_int_equal(place.size, 0);
	/* The top of the address space: the last bytes read, a read past it does not wrap. */
	assert_int_equal(gc_core_read_memory(c, UINT64_MAX - 0xfff, buf, 16), 0);
	assert_memory_equal(buf, core + 300, 16);
	gc_core_locate(c, UINT64_MAX, &place);
	assert_true(place.mapped);
	assert_false(place.dumped);
	assert_int_equal(place.size, 1);
	assert_int_equal(gc_core_read_memory(c, UINT64_MAX - 3, buf, 8), -EFAULT);
	gc_core_free(c);

	/* An end past 2^64: the segment is kept, with the error, and reads nothing (its offset
	 * plus 9 would wrap to the core's first byte). */
	make_core(core, SIZE, EM_X86_64, phdrs, 4);
	c = open_whole(core, SIZE);
	info = gc_core_info(c);
	assert_string_equal(info->error, "program header 3 ends past any stream: offset "
					 "18446744073709551607, size 16");
	assert_int_equal(info->n_phdrs, 4);
	assert_int_equal(gc_core_read_memory(c, 0x200, buf, 1), -EFAULT);
	assert_int_equal(gc_core_read_memory(c, 0x209, buf, 1), -EFAULT);
	gc_core_locate(c, 0x209, &place);
	assert_true(place.dumped);
	assert_int_equal(place.size, 0);
	assert_int_equal(gc_core_read_memory(c, 0x100, buf, 16), 0);
	assert_memory_equal(buf, core, 16);
	gc_core_free(c);
}

/* Notes larger than any kernel writes, and notes inside the program header table. */
static void test_bad_note_segment(void **state)
{
	uint8_t core[512];
	Elf64_Phdr phdrs[2] = {
	    {.p_type = PT_NOTE, .p_offset = 100, .p_filesz = 40},
	    {.p_type = PT_LOAD, .p_offset = 300, .p_filesz = 100},
	};
	struct gc_core *c;

	make_core(core, sizeof(core), EM_X86_64, phdrs, 2);
	c = open_whole(core, sizeof(core));
	assert_string_equal(gc_core_info(c)->error,
			    "the notes start at offset 100, before the end of the program headers "
			    "at 176");
	gc_core_free(c);

	phdrs[0] = (Elf64_Phdr){.p_type = PT_NOTE, .p_offset = 200, .p_filesz = 65 << 20};
	make_core(core, sizeof(core), EM_X86_64, phdrs, 2);
	c = open_whole(core, sizeof(core));
	assert_string_equal(gc_core_info(c)->error, "the note segment has 68157440 bytes, more "
						    "than the 67108864 supported");
	assert_true(gc_core_info(c)->truncated);
	gc_core_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_whole),
	    cmocka_unit_test(test_fixture_short_reads),
	    cmocka_unit_test(test_source_errors),
	    cmocka_unit_test(test_truncated_in_ehdr),
	    cmocka_unit_test(test_truncated_in_phdrs),
	    cmocka_unit_test(test_truncated_in_notes),
	    cmocka_unit_test(test_truncated_in_load),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_not_elf),
	    cmocka_unit_test(test_not_core),
	    cmocka_unit_test(test_absurd_ehdr),
	    cmocka_unit_test(test_corrupt_note),
	    cmocka_unit_test(test_corrupt_file_note),
	    cmocka_unit_test(test_xnum),
	    cmocka_unit_test(test_xnum_mismatch),
	    cmocka_unit_test(test_overlapping_segments),
	    cmocka_unit_test(test_overlapping_addresses),
	    cmocka_unit_test(test_huge_segments),
	    cmocka_unit_test(test_bad_note_segment),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
