/* SPDX-License-Identifier: MIT */
/* Feeds the input to the core parser twice: in three chunks split at offsets taken from
 * e_ident's padding bytes (8..11, which the parser ignores), and whole. Both runs must agree,
 * since the parser's results may not depend on the chunking; every parsed field is read so
 * the sanitizers see any bad pointer or unterminated string. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elfcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct digest {
	uint64_t segment_bytes, segment_sum, fields;
};

static void on_segment(const struct gc_core_phdr *phdr, size_t index, uint64_t segment_offset,
		       const void *data, size_t size, void *userdata)
{
	struct digest *d = userdata;
	const uint8_t *bytes = data;

	if (segment_offset + size > phdr->filesz)
		abort();
	d->segment_bytes += size;
	for (size_t i = 0; i < size; i++)
		d->segment_sum += (bytes[i] + 1) * (index + 1) * (segment_offset + i + 1);
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
	if (gc_core_auxv(info, 9 /* AT_ENTRY */, &value) == 0)
		h += value;
	for (size_t i = 0; i < info->n_mappings; i++) {
		const struct gc_core_mapping *m = &info->mappings[i];

		h = h * 31 + m->start + m->end + m->offset + strlen(m->path);
	}
	return h + info->page_size;
}

static void run(const uint8_t *data, size_t size, const size_t cuts[2], struct digest *d)
{
	struct gc_core_parser *p;
	size_t at = 0;

	if (gc_core_parser_new(&p) < 0)
		abort();
	gc_core_parser_set_segment_fn(p, on_segment, d);
	for (size_t i = 0; i < 2; i++) {
		gc_core_parser_feed(p, data + at, cuts[i] - at);
		at = cuts[i];
	}
	gc_core_parser_feed(p, data + at, size - at);
	gc_core_parser_finish(p);
	if (gc_core_parser_offset(p) != size)
		abort();
	d->fields = digest_info(gc_core_parser_info(p));
	gc_core_parser_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cuts[2] = {0, 0}, whole[2] = {0, 0};
	struct digest chunked = {}, once = {};

	if (size >= 12) {
		cuts[0] = (data[8] | (size_t)data[9] << 8) % (size + 1);
		cuts[1] = (data[10] | (size_t)data[11] << 8) % (size + 1);
		if (cuts[0] > cuts[1]) {
			size_t t = cuts[0];

			cuts[0] = cuts[1];
			cuts[1] = t;
		}
	}
	run(data, size, cuts, &chunked);
	run(data, size, whole, &once);
	if (memcmp(&chunked, &once, sizeof(chunked)) != 0)
		abort(); /* the result depends on the chunking */
	return 0;
}
