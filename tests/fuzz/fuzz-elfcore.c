/* SPDX-License-Identifier: MIT */
/* Opens the input as a core twice: from memory, and through a source that returns a few bytes
 * a call (their count from e_ident's padding byte 8, which the reader ignores); both must read
 * the same headers and notes, every field of which is read so the sanitizers see any bad
 * pointer or unterminated string. Then reads memory at addresses the input chooses (each
 * PT_LOAD's start and ends, the threads' pc and sp, the fault address, AT_ENTRY and the
 * input's last 8 bytes) and checks every byte against a lookup of its own over the input. */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "elfcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEGMENTS_READ 64
#define READ_SIZE	  24

struct source {
	const uint8_t *data;
	size_t size, chunk;
};

static ssize_t source_read(void *userdata, void *buf, size_t size, uint64_t offset)
{
	const struct source *s = userdata;

	if (offset >= s->size)
		return 0;
	if (size > s->chunk)
		size = s->chunk;
	if (size > s->size - offset)
		size = s->size - offset;
	memcpy(buf, s->data + offset, size);
	return (ssize_t)size;
}

static uint64_t digest_info(const struct gc_core_info *info)
{
	uint64_t h = info->is_elf + 2 * info->truncated + info->machine + info->expected_size;
	uint64_t value;

	h += info->error ? strlen(info->error) : 0;
	for (size_t i = 0; i < info->n_phdrs; i++) {
		const struct gc_core_phdr *ph = &info->phdrs[i];

		h = h * 31 + ph->type + ph->flags + ph->offset + ph->vaddr + ph->filesz +
		    ph->memsz + ph->align;
	}
	h += info->have_prpsinfo + strlen(info->fname) + strlen(info->psargs) + info->uid +
	     info->gid + (uint64_t)info->pid;
	h += info->have_siginfo + (uint64_t)info->si_signo + (uint64_t)info->si_code +
	     info->fault_addr;
	for (size_t i = 0; i < info->n_threads; i++) {
		h = h * 31 + (uint64_t)info->threads[i].tid + (uint64_t)info->threads[i].cursig;
		for (size_t r = 0; r < GC_X86_64_NREGS; r++)
			h += info->threads[i].regs[r];
	}
	for (size_t i = 0; i < 2 * info->n_auxv; i++)
		h = h * 31 + info->auxv[i];
	if (gc_core_auxv(info, AT_ENTRY, &value) == 0)
		h += value;
	for (size_t i = 0; i < info->n_mappings; i++) {
		const struct gc_core_mapping *m = &info->mappings[i];

		h = h * 31 + m->start + m->end + m->offset + strlen(m->path);
	}
	return h + info->page_size;
}

/* The byte at vaddr by the rule the reader promises: the first PT_LOAD in table order that
 * holds it, within its dumped part and the input. */
static bool reference_byte(const struct gc_core_info *info, const uint8_t *data, size_t size,
			   uint64_t vaddr, uint8_t *ret)
{
	for (size_t i = 0; i < info->n_phdrs; i++) {
		const struct gc_core_phdr *p = &info->phdrs[i];
		uint64_t off = vaddr - p->vaddr;

		if (p->type != PT_LOAD || vaddr < p->vaddr || off >= p->memsz)
			continue;
		if (off >= p->filesz || p->offset >= size || off >= size - p->offset)
			return false;
		*ret = data[p->offset + off];
		return true;
	}
	return false;
}

/* A read of READ_SIZE bytes at vaddr succeeds exactly when every byte is there, and gives them. */
static void check_read(struct gc_core *core, const uint8_t *data, size_t size, uint64_t vaddr)
{
	const struct gc_core_info *info = gc_core_info(core);
	uint8_t buf[READ_SIZE], want[READ_SIZE];
	bool all = vaddr <= UINT64_MAX - (READ_SIZE - 1);
	int r;

	for (size_t i = 0; i < READ_SIZE && all; i++)
		all = reference_byte(info, data, size, vaddr + i, &want[i]);
	r = gc_core_read_memory(core, vaddr, buf, sizeof(buf));
	if (r != (all ? 0 : -EFAULT) || (all && memcmp(buf, want, sizeof(buf)) != 0))
		abort();
}

static void check_memory(struct gc_core *core, const uint8_t *data, size_t size)
{
	const struct gc_core_info *info = gc_core_info(core);
	uint64_t addr;

	for (size_t i = 0; i < info->n_phdrs && i < MAX_SEGMENTS_READ; i++) {
		const struct gc_core_phdr *p = &info->phdrs[i];

		check_read(core, data, size, p->vaddr);
		check_read(core, data, size, p->vaddr + p->filesz - READ_SIZE / 2);
		check_read(core, data, size, p->vaddr + p->memsz - READ_SIZE / 2);
	}
	for (size_t i = 0; i < info->n_threads && i < 4; i++) {
		check_read(core, data, size, info->threads[i].regs[16]); /* rip */
		check_read(core, data, size, info->threads[i].regs[19]); /* rsp */
	}
	check_read(core, data, size, info->fault_addr);
	if (gc_core_auxv(info, AT_ENTRY, &addr) == 0)
		check_read(core, data, size, addr);
	if (size >= 8) {
		memcpy(&addr, data + size - 8, sizeof(addr));
		check_read(core, data, size, addr);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct source source = {.data = data, .size = size, .chunk = 1 + (size > 8 ? data[8] : 0)};
	const struct gc_core_info *a, *b;
	struct gc_core *whole, *chunked;

	if (gc_core_open_memory(data, size, &whole) < 0 ||
	    gc_core_open(source_read, &source, size, &chunked) < 0)
		abort(); /* only memory could fail, and there is enough */
	a = gc_core_info(whole);
	b = gc_core_info(chunked);
	if (digest_info(a) != digest_info(b) || !a->error != !b->error ||
	    (a->error && strcmp(a->error, b->error) != 0))
		abort(); /* the result depends on how the source splits its reads */
	check_memory(whole, data, size);
	check_memory(chunked, data, size);
	gc_core_free(whole);
	gc_core_free(chunked);
	return 0;
}
