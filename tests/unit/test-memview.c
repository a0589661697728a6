/* SPDX-License-Identifier: MIT */
/* The memory view on a real core: every byte it serves equals the raw core's (dumped
 * segments) or the executable's (segments the kernel left out). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "macro.h"
#include "memview.h"
#include "zseek.h"

struct fixture {
	uint8_t *core, *exe;
	size_t core_size, exe_size;
	int exe_fd, stored_fd;
	struct gc_zreader *reader;
	struct gc_memview *view;
};

static uint8_t *load_zst(const char *name, size_t *size)
{
	char path[4096];
	FILE *f;
	long csize;
	uint8_t *cbuf, *buf;
	unsigned long long raw;

	snprintf(path, sizeof(path), "%s/%s", getenv("GC_TEST_DATA"), name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	csize = ftell(f);
	rewind(f);
	cbuf = malloc(csize);
	assert_int_equal(fread(cbuf, 1, csize, f), (size_t)csize);
	fclose(f);
	raw = ZSTD_getFrameContentSize(cbuf, csize);
	assert_true(raw != ZSTD_CONTENTSIZE_ERROR && raw != ZSTD_CONTENTSIZE_UNKNOWN);
	buf = malloc(raw);
	assert_int_equal(ZSTD_decompress(buf, raw, cbuf, csize), raw);
	free(cbuf);
	*size = raw;
	return buf;
}

/* The fixture core goes through the real writer, in small frames to cross many boundaries. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct gc_zwriter_options options = {.level = 1, .threads = 2, .frame_size = 64 << 10};
	struct gc_zwriter *writer;
	uint64_t raw, stored;

	f->core = load_zst("core-c-static.zst", &f->core_size);
	f->exe = load_zst("crash-c-static.zst", &f->exe_size);
	f->exe_fd = memfd_create("exe", MFD_CLOEXEC);
	assert_int_equal(write(f->exe_fd, f->exe, f->exe_size), (ssize_t)f->exe_size);
	f->stored_fd = memfd_create("core.zst", MFD_CLOEXEC);
	assert_int_equal(gc_zwriter_new(f->stored_fd, &options, &writer), 0);
	assert_int_equal(gc_zwriter_write(writer, f->core, f->core_size), 0);
	assert_int_equal(gc_zwriter_finish(writer, &raw, &stored), 0);
	gc_zwriter_free(writer);
	assert_int_equal(raw, f->core_size);
	assert_int_equal(gc_zreader_open(f->stored_fd, &f->reader), 0);
	assert_int_equal(gc_memview_open(f->reader, f->exe_fd, &f->view), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	gc_memview_free(f->view);
	gc_zreader_free(f->reader);
	close(f->stored_fd);
	close(f->exe_fd);
	free(f->core);
	free(f->exe);
	free(f);
	return 0;
}

/* Every dumped segment, read in uneven pieces, equals the raw core at p_offset. */
static void test_dumped_segments(void **state)
{
	struct fixture *f = *state;
	const struct gc_core_info *info = gc_memview_info(f->view);
	uint8_t *buf = malloc(1 << 20);
	size_t checked = 0;

	for (size_t i = 0; i < info->n_phdrs; i++) {
		const struct gc_core_phdr *p = &info->phdrs[i];

		if (p->type != PT_LOAD || p->filesz == 0)
			continue;
		for (uint64_t off = 0; off < p->filesz;) {
			size_t len = MIN(p->filesz - off, (uint64_t)(7919 + off % 65536));

			assert_int_equal(gc_memview_read(f->view, p->vaddr + off, buf, len), 0);
			assert_memory_equal(buf, f->core + p->offset + off, len);
			off += len;
			checked += len;
		}
	}
	assert_true(checked > 8 << 20);
	free(buf);
}

/* Segments the kernel did not dump (p_filesz 0) and that map the executable come from it. */
static void test_file_backed_segments(void **state)
{
	struct fixture *f = *state;
	const struct gc_core_info *info = gc_memview_info(f->view);
	uint8_t *buf = malloc(1 << 20);
	size_t checked = 0;

	for (size_t i = 0; i < info->n_phdrs; i++) {
		const struct gc_core_phdr *p = &info->phdrs[i];
		const struct gc_core_mapping *m = NULL;

		if (p->type != PT_LOAD || p->filesz != 0 || p->memsz == 0)
			continue;
		for (size_t j = 0; j < info->n_mappings; j++)
			if (info->mappings[j].start == p->vaddr)
				m = &info->mappings[j];
		if (!m)
			continue;
		uint64_t len = MIN(p->memsz, f->exe_size - m->offset);
		assert_int_equal(gc_memview_read(f->view, p->vaddr, buf, len), 0);
		assert_memory_equal(buf, f->exe + m->offset, len);
		checked += len;
	}
	/* .text and .rodata of the static executable: 0x8a000 + 0x2a000 bytes. */
	assert_int_equal(checked, 0x8a000 + 0x2a000);
	free(buf);
}

static void test_spanning_and_unmapped(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[0x2000];

	/* 0x400000 (dumped first page) and 0x401000 (text, from the file) are adjacent. */
	assert_int_equal(gc_memview_read(f->view, 0x400800, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, f->exe + 0x800, sizeof(buf));
	assert_int_equal(gc_memview_read(f->view, 0x10, buf, 16), -EFAULT);
	assert_int_equal(gc_memview_read(f->view, 0x7ffffffff000, buf, 16), -EFAULT);
}

static void test_not_a_core(void **state)
{
	struct gc_zwriter_options options = {.level = 1, .threads = 1};
	struct gc_zwriter *writer;
	struct gc_zreader *reader;
	struct gc_memview *view;
	int fd = memfd_create("junk", MFD_CLOEXEC);
	char junk[10000];

	memset(junk, 'x', sizeof(junk));
	assert_int_equal(gc_zwriter_new(fd, &options, &writer), 0);
	assert_int_equal(gc_zwriter_write(writer, junk, sizeof(junk)), 0);
	assert_int_equal(gc_zwriter_finish(writer, NULL, NULL), 0);
	gc_zwriter_free(writer);
	assert_int_equal(gc_zreader_open(fd, &reader), 0);
	assert_int_equal(gc_memview_open(reader, -1, &view), -EBADMSG);
	gc_zreader_free(reader);
	close(fd);
}

/* A stored core cut short (as MaxCoreSize does) opens with the cut said, whatever frame the
 * notes end in; what it holds reads back, what it lost does not. */
static void test_truncated(void **state)
{
	struct fixture *f = *state;
	struct gc_zwriter_options options = {.level = 1, .threads = 1, .frame_size = 64 << 10};
	const size_t cut = 200 << 10;
	struct gc_zwriter *writer;
	struct gc_zreader *reader;
	struct gc_memview *view;
	const struct gc_core_info *info;
	char expected[128];
	uint8_t buf[4096];
	size_t checked = 0;
	int fd = memfd_create("short.zst", MFD_CLOEXEC);

	assert_int_equal(gc_zwriter_new(fd, &options, &writer), 0);
	assert_int_equal(gc_zwriter_write(writer, f->core, cut), 0);
	assert_int_equal(gc_zwriter_finish(writer, NULL, NULL), 0);
	gc_zwriter_free(writer);
	assert_int_equal(gc_zreader_open(fd, &reader), 0);
	assert_int_equal(gc_memview_open(reader, f->exe_fd, &view), 0);
	info = gc_memview_info(view);
	snprintf(expected, sizeof(expected), "the core ends at %zu bytes, %zu expected", cut,
		 f->core_size);
	assert_string_equal(info->error, expected);
	assert_int_equal(info->expected_size, f->core_size);
	assert_int_equal(info->n_threads, 2);
	for (size_t i = 0; i < info->n_phdrs; i++) {
		const struct gc_core_phdr *p = &info->phdrs[i];

		if (p->type != PT_LOAD || p->filesz < sizeof(buf))
			continue;
		if (p->offset + sizeof(buf) <= cut) {
			assert_int_equal(gc_memview_read(view, p->vaddr, buf, sizeof(buf)), 0);
			assert_memory_equal(buf, f->core + p->offset, sizeof(buf));
			checked++;
		} else if (p->offset >= cut) {
			assert_int_equal(gc_memview_read(view, p->vaddr, buf, sizeof(buf)),
					 -EFAULT);
		}
	}
	assert_true(checked > 0);
	gc_memview_free(view);
	gc_zreader_free(reader);
	close(fd);
}

/* The fixture core laid out as gdb's gcore writes one: the notes after the memory, no
 * PT_LOAD for what the files hold; with keep_nt_file false, no NT_FILE either. */
static uint8_t *gdb_layout(const struct fixture *f, bool keep_nt_file, size_t *size)
{
	Elf64_Ehdr eh;
	Elf64_Phdr *in, *out;
	uint8_t *core = calloc(1, f->core_size);
	size_t n = 0, pos, note = 0;

	assert_non_null(core);
	memcpy(&eh, f->core, sizeof(eh));
	in = (Elf64_Phdr *)(f->core + eh.e_phoff);
	out = calloc(eh.e_phnum, sizeof(*out));
	for (size_t i = 0; i < eh.e_phnum; i++)
		if (in[i].p_type != PT_LOAD || in[i].p_filesz > 0)
			out[n++] = in[i];
	pos = sizeof(eh) + n * sizeof(*out);
	for (size_t i = 0; i < n; i++) {
		if (out[i].p_type == PT_NOTE) {
			note = i;
			continue;
		}
		memcpy(core + pos, f->core + out[i].p_offset, out[i].p_filesz);
		out[i].p_offset = pos;
		pos += out[i].p_filesz;
	}
	memcpy(core + pos, f->core + out[note].p_offset, out[note].p_filesz);
	out[note].p_offset = pos;
	for (size_t off = 0; !keep_nt_file && off + 12 <= out[note].p_filesz;) {
		Elf64_Nhdr nh;

		memcpy(&nh, core + pos + off, sizeof(nh));
		if (nh.n_type == NT_FILE) {
			nh.n_type = 0x7fff0000;
			memcpy(core + pos + off, &nh, sizeof(nh));
		}
		off += 12 + ((nh.n_namesz + 3) & ~3u) + ((nh.n_descsz + 3) & ~3u);
	}
	pos += out[note].p_filesz;
	eh.e_phnum = (uint16_t)n;
	memcpy(core, &eh, sizeof(eh));
	memcpy(core + sizeof(eh), out, n * sizeof(*out));
	free(out);
	*size = pos;
	return core;
}

/* Such a core reads as the kernel's does: threads from the late notes, the memory it has
 * from itself, the rest from the executable (through NT_FILE, or its own PT_LOADs). */
static void test_gdb_layout(void **state)
{
	struct fixture *f = *state;
	const struct gc_core_info *kernel = gc_memview_info(f->view);
	struct gc_zwriter_options options = {.level = 1, .threads = 1, .frame_size = 64 << 10};
	uint8_t buf[0x2000];

	for (int keep = 1; keep >= 0; keep--) {
		struct gc_zwriter *writer;
		struct gc_zreader *reader;
		struct gc_memview *view;
		size_t size;
		uint8_t *core = gdb_layout(f, keep, &size);
		int fd = memfd_create("gdb.zst", MFD_CLOEXEC);

		assert_int_equal(gc_zwriter_new(fd, &options, &writer), 0);
		assert_int_equal(gc_zwriter_write(writer, core, size), 0);
		assert_int_equal(gc_zwriter_finish(writer, NULL, NULL), 0);
		gc_zwriter_free(writer);
		assert_int_equal(gc_zreader_open(fd, &reader), 0);
		assert_int_equal(gc_memview_open(reader, f->exe_fd, &view), 0);
		assert_null(gc_memview_info(view)->error);
		assert_int_equal(gc_memview_info(view)->n_threads, kernel->n_threads);
		assert_int_equal(gc_memview_info(view)->n_mappings, keep ? kernel->n_mappings : 0);
		/* text from the executable, then the dumped data segment's first bytes */
		assert_int_equal(gc_memview_read(view, 0x401000, buf, sizeof(buf)), 0);
		assert_memory_equal(buf, f->exe + 0x1000, sizeof(buf));
		for (size_t i = 0; i < kernel->n_phdrs; i++) {
			const struct gc_core_phdr *p = &kernel->phdrs[i];
			size_t len = MIN(p->filesz, sizeof(buf));

			if (p->type != PT_LOAD || p->filesz == 0)
				continue;
			assert_int_equal(gc_memview_read(view, p->vaddr, buf, len), 0);
			assert_memory_equal(buf, f->core + p->offset, len);
		}
		gc_memview_free(view);
		gc_zreader_free(reader);
		close(fd);
		free(core);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dumped_segments),
	    cmocka_unit_test(test_file_backed_segments),
	    cmocka_unit_test(test_spanning_and_unmapped),
	    cmocka_unit_test(test_not_a_core),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_gdb_layout),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
