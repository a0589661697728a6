/* SPDX-License-Identifier: MIT */
/* The input is taken as a pclntab (and, for the inline trees, as the memory behind gofunc):
 * open it, look up functions by index, pc and name, expand frames. Then the same bytes as a
 * build info blob. Seeds: real tables of small Go 1.19 and 1.24 programs, cut down to a few
 * dozen functions. Nothing may read outside the buffer or loop for long. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gobuildinfo.h"
#include "pclntab.h"

#define GOFUNC_BASE 0x100000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *data;
	size_t size;
};

static int read_input(void *userdata, uint64_t vaddr, void *buf, size_t size)
{
	const struct input *in = userdata;
	uint64_t off = vaddr - GOFUNC_BASE;

	if (vaddr < GOFUNC_BASE || off > in->size || size > in->size - off)
		return -EFAULT;
	memcpy(buf, in->data + off, size);
	return 0;
}

static void query_pc(struct gc_pclntab *tab, uint64_t pc)
{
	struct gc_frame frames[16];
	struct gc_func f;
	const char *file;
	int32_t v;
	size_t n;
	char name[128];

	if (gc_pclntab_find_func(tab, pc, &f) < 0)
		return;
	gc_funcname_for_print(f.name, 26, name, sizeof(name));
	gc_funcname_for_print(f.name, 27, name, sizeof(name));
	(void)gc_pclntab_file_line(tab, &f, pc, &file, &v);
	(void)gc_pclntab_pcsp(tab, &f, pc, &v);
	(void)gc_pclntab_pcdata(tab, &f, GC_PCDATA_INL_TREE_INDEX, pc, &v);
	(void)gc_pclntab_frames(tab, pc, frames, sizeof(frames) / sizeof(frames[0]), &n);
}

static void fuzz_pclntab(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	struct gc_pclntab *tab = NULL;
	uint32_t nfunc;
	uint64_t text;

	(void)gc_pclntab_scan(data, size);
	if (gc_pclntab_open(data, size, &tab) < 0)
		return;
	gc_pclntab_set_funcdata(tab, GOFUNC_BASE, read_input, &in);
	nfunc = gc_pclntab_nfunc(tab);
	text = gc_pclntab_text_start(tab);
	for (uint32_t i = 0; i < nfunc && i < 64; i++) {
		struct gc_func f, g;

		if (gc_pclntab_func_at(tab, i, &f) < 0)
			continue;
		query_pc(tab, f.entry);
		query_pc(tab, f.entry + 3);
		if (f.end > f.entry)
			query_pc(tab, f.end - 1);
		if (i < 4)
			(void)gc_pclntab_find_func_by_name(tab, f.name, &g);
	}
	query_pc(tab, text);
	query_pc(tab, text - 1);
	query_pc(tab, UINT64_MAX);
	(void)gc_pclntab_find_func_by_name(tab, "main.main", &(struct gc_func){});
	gc_pclntab_free(tab);
}

static void fuzz_buildinfo(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	struct gc_buildinfo info;
	char *id;

	if (gc_buildinfo_read(read_input, &in, GOFUNC_BASE, GOFUNC_BASE + size, &info) == 0)
		gc_buildinfo_done(&info);
	if (gc_go_build_id_from_notes(data, size, &id) == 0)
		free(id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_pclntab(data, size);
	fuzz_buildinfo(data, size);
	return 0;
}
