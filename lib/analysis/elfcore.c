/* SPDX-License-Identifier: MIT */
/* One-pass parser of the ELF core the kernel writes into the core_pattern pipe.
 *
 * The stream is cut into "regions" the parser wants to keep: the ELF header, the program header
 * table, the note segment and (for PN_XNUM cores) section header 0. A region is only known once
 * the bytes before it have been read, so each region has a discovery point and must start at or
 * after it (we never seek back). Bytes are fed piece by piece, split at the stream offsets where
 * a region completes, so every decision happens at the same stream offset whatever the chunking.
 *
 * Cores are written in the host's byte order; we accept only ELFDATA2LSB and read the fields by
 * memcpy into <elf.h> structs, so a big-endian host simply rejects its own cores. */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfcore.h"
#include "macro.h"
#include "sandbox.h"

#define NOTES_MAX  (UINT64_C(64) << 20) /* the kernel's notes are a few KiB per thread */
#define PHDRS_MAX  (UINT64_C(1) << 20)	/* vm.max_map_count is 65530 by default */
#define PHDR_SIZE  sizeof(Elf64_Phdr)
#define EHDR_SIZE  sizeof(Elf64_Ehdr)
#define SHDR_SIZE  sizeof(Elf64_Shdr)
#define NOTE_ALIGN 4

/* Sizes of the kernel's x86-64 note structs (checked against <sys/procfs.h>). */
#define PRSTATUS_SIZE_X86_64 336
#define PRSTATUS_PID_END     36 /* si_signo, pr_cursig and pr_pid: the same on every 64-bit arch */
#define PRSTATUS_REG_OFFSET  112
#define PRPSINFO_SIZE	     136
#define SIGINFO_SIZE	     128

struct region {
	uint64_t start, length; /* in the stream */
	uint8_t *buf;
	size_t allocated;
	bool active; /* discovered and not complete yet */
};

struct load {
	uint64_t start, end; /* the part of the segment the stream can still deliver */
	size_t index;
};

struct gc_core_parser {
	struct gc_core_info info;
	uint64_t offset;
	bool stopped, finished, error_static;

	gc_core_segment_fn segment_fn;
	void *userdata;

	Elf64_Ehdr ehdr;
	bool have_ehdr, phdrs_done;
	bool xnum, xnum_bounded, xnum_confirmed; /* PN_XNUM: count bounded, then confirmed */
	uint64_t phdrs_end;			 /* discovery point of the notes and segments */

	struct region ehdr_region, phdr_region, note_region, shdr_region;

	struct load *loads; /* PT_LOADs with file bytes, by stream offset */
	size_t n_loads, next_load;
};

static uint64_t read_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t read_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int32_t read_i32(const uint8_t *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int16_t read_i16(const uint8_t *p)
{
	int16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void set_error_va(struct gc_core_parser *p, const char *fmt, va_list ap)
{
	char *message;

	if (p->info.error)
		return;
	if (vasprintf(&message, fmt, ap) < 0) {
		/* Still say something: a NULL error would read as "no problem". */
		p->info.error = (char *)"out of memory while describing a problem with the core";
		p->error_static = true;
		return;
	}
	p->info.error = message;
}

/* Records the first problem and stops interpreting the stream (bytes still count). */
static int __attribute__((format(printf, 2, 3)))
fail(struct gc_core_parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error_va(p, fmt, ap);
	va_end(ap);
	p->stopped = true;
	return -EBADMSG;
}

static void __attribute__((format(printf, 2, 3)))
set_error(struct gc_core_parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error_va(p, fmt, ap);
	va_end(ap);
}

static void raise_expected_size(struct gc_core_parser *p, uint64_t end)
{
	p->info.expected_size = MAX(p->info.expected_size, end);
}

static void region_start(struct region *r, uint64_t start, uint64_t length)
{
	r->start = start;
	r->length = length;
	r->active = true;
}

static void region_free(struct region *r)
{
	free(r->buf);
	*r = (struct region){};
}

static uint64_t region_end(const struct region *r)
{
	return r->start + r->length;
}

/* Copies the part of [offset, offset + size) that falls in the region; buffers grow with the
 * bytes that actually arrive, so a header announcing a huge region costs nothing up front. */
static int region_copy(struct region *r, uint64_t offset, const uint8_t *data, size_t size)
{
	uint64_t lo = MAX(offset, r->start), hi = MIN(offset + size, region_end(r));

	if (!r->active || lo >= hi)
		return 0;
	if (hi - r->start > r->allocated) {
		size_t want = MAX(hi - r->start, MIN(r->length, (uint64_t)r->allocated * 2));
		uint8_t *buf = realloc(r->buf, want);

		if (!buf)
			return -ENOMEM;
		r->buf = buf;
		r->allocated = want;
	}
	memcpy(r->buf + (lo - r->start), data + (lo - offset), hi - lo);
	return 0;
}

static bool region_complete(const struct region *r, uint64_t offset)
{
	return r->active && region_end(r) <= offset;
}

/* ---- ELF header ---- */

/* Describes why the first bytes are not a 64-bit little-endian ELF core, or returns false. */
static bool describe_not_core(struct gc_core_parser *p, const uint8_t *buf, size_t size)
{
	static const uint8_t ident[] = {ELFMAG0, ELFMAG1,    ELFMAG2,
					ELFMAG3, ELFCLASS64, ELFDATA2LSB};
	size_t n = MIN(size, sizeof(ident));
	char hex[2 * 8 + 1] = "";

	if (memcmp(buf, ident, n) != 0) {
		for (size_t i = 0; i < MIN(size, (size_t)8); i++)
			sprintf(hex + 2 * i, "%02x", buf[i]);
		fail(p,
		     "not an ELF core: the stream starts with 0x%s, not a 64-bit little-endian "
		     "ELF header",
		     hex);
		return true;
	}
	if (size >= offsetof(Elf64_Ehdr, e_type) + sizeof(uint16_t)) {
		uint16_t type;

		memcpy(&type, buf + offsetof(Elf64_Ehdr, e_type), sizeof(type));
		if (type != ET_CORE) {
			fail(p, "not an ELF core: the ELF type is %u, not ET_CORE (%u)", type,
			     ET_CORE);
			return true;
		}
	}
	return false;
}

static int parse_ehdr(struct gc_core_parser *p)
{
	const Elf64_Ehdr *e = &p->ehdr;
	uint64_t table_size;

	memcpy(&p->ehdr, p->ehdr_region.buf, EHDR_SIZE);
	region_free(&p->ehdr_region);
	p->have_ehdr = true;

	if (describe_not_core(p, (const uint8_t *)e, EHDR_SIZE))
		return -EBADMSG;
	p->info.is_elf = true;
	p->info.machine = e->e_machine;

	if (e->e_phentsize != PHDR_SIZE)
		return fail(p, "the ELF header gives program headers of %u bytes, %zu expected",
			    e->e_phentsize, PHDR_SIZE);
	if (e->e_phoff < EHDR_SIZE)
		return fail(
		    p, "the program headers start at offset %" PRIu64 ", inside the ELF header",
		    (uint64_t)e->e_phoff);
	if (e->e_phnum == 0)
		return fail(p, "the core has no program headers");

	p->xnum = e->e_phnum == PN_XNUM;
	/* With PN_XNUM the count is unknown: read the first entry (PT_NOTE) to bound it. */
	table_size = (p->xnum ? 1 : e->e_phnum) * PHDR_SIZE;
	if (e->e_phoff > UINT64_MAX - table_size)
		return fail(p, "the program headers start at offset %" PRIu64 ", past any stream",
			    (uint64_t)e->e_phoff);
	region_start(&p->phdr_region, e->e_phoff, table_size);
	raise_expected_size(p, region_end(&p->phdr_region));

	if (e->e_shoff != 0) {
		uint64_t shdrs_size = MAX(e->e_shnum, 1) * SHDR_SIZE;

		if (e->e_shoff < EHDR_SIZE || e->e_shoff > UINT64_MAX - shdrs_size)
			return fail(p,
				    "the section headers start at offset %" PRIu64
				    ", outside the stream",
				    (uint64_t)e->e_shoff);
		raise_expected_size(p, e->e_shoff + shdrs_size);
		if (p->xnum) {
			if (e->e_shentsize != SHDR_SIZE)
				return fail(p,
					    "the ELF header gives section headers of %u bytes, "
					    "%zu expected",
					    e->e_shentsize, SHDR_SIZE);
			region_start(&p->shdr_region, e->e_shoff, SHDR_SIZE);
		}
	}
	return 0;
}

/* ---- program headers ---- */

/* PN_XNUM: the notes follow the table, so the first entry's p_offset bounds the count. */
static int extend_xnum_table(struct gc_core_parser *p)
{
	Elf64_Phdr first;
	uint64_t count;

	memcpy(&first, p->phdr_region.buf, PHDR_SIZE);
	if (first.p_type != PT_NOTE)
		return fail(p,
			    "the core has more than 65534 program headers (PN_XNUM) but the "
			    "first one is of type %u, not PT_NOTE: cannot tell how many there are",
			    first.p_type);
	if (first.p_offset < p->phdr_region.start + PHDR_SIZE)
		return fail(p,
			    "the notes start at offset %" PRIu64
			    ", inside the program headers at offset %" PRIu64,
			    (uint64_t)first.p_offset, p->phdr_region.start);
	count = (first.p_offset - p->phdr_region.start) / PHDR_SIZE;
	if (count > PHDRS_MAX)
		return fail(p,
			    "the notes start at offset %" PRIu64 ", which leaves room for %" PRIu64
			    " program headers, more than the %" PRIu64 " supported",
			    (uint64_t)first.p_offset, count, PHDRS_MAX);
	p->phdr_region.length = count * PHDR_SIZE;
	p->xnum_bounded = true;
	raise_expected_size(p, region_end(&p->phdr_region));
	return 0;
}

static size_t xnum_count(const struct gc_core_parser *p)
{
	size_t n = 0, max = p->phdr_region.length / PHDR_SIZE;

	/* Past the real table come the notes, whose first word (a name size) is no PT_LOAD. */
	for (; n < max; n++) {
		uint32_t type = read_u32(p->phdr_region.buf + n * PHDR_SIZE);

		if (type != PT_LOAD && type != PT_NOTE)
			break;
	}
	return n;
}

static int compare_loads(const void *a, const void *b)
{
	const struct load *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int plan_loads(struct gc_core_parser *p)
{
	const struct gc_core_info *info = &p->info;

	p->loads = calloc(MAX(info->n_phdrs, (size_t)1), sizeof(*p->loads));
	if (!p->loads)
		return fail(p, "out of memory reading %zu program headers", info->n_phdrs);
	for (size_t i = 0; i < info->n_phdrs; i++) {
		const struct gc_core_phdr *ph = &info->phdrs[i];
		/* Bytes before the end of the table have passed before we knew of the segment. */
		uint64_t start = MAX(ph->offset, p->phdrs_end);

		if (ph->type != PT_LOAD || start >= ph->offset + ph->filesz)
			continue;
		p->loads[p->n_loads++] = (struct load){start, ph->offset + ph->filesz, i};
	}
	qsort(p->loads, p->n_loads, sizeof(*p->loads), compare_loads);
	return 0;
}

static int start_notes(struct gc_core_parser *p, const struct gc_core_phdr *note);

static int confirm_xnum(struct gc_core_parser *p)
{
	Elf64_Shdr shdr;

	if (!p->xnum || !p->phdrs_done || p->xnum_confirmed || p->shdr_region.active ||
	    !p->shdr_region.buf)
		return 0;
	p->xnum_confirmed = true;
	memcpy(&shdr, p->shdr_region.buf, SHDR_SIZE);
	region_free(&p->shdr_region);
	if (shdr.sh_info != p->info.n_phdrs)
		return fail(p,
			    "section header 0 gives %u program headers (PN_XNUM), but %zu "
			    "were found",
			    shdr.sh_info, p->info.n_phdrs);
	return 0;
}

static int parse_phdrs(struct gc_core_parser *p)
{
	struct gc_core_info *info = &p->info;
	size_t n = p->xnum ? xnum_count(p) : p->ehdr.e_phnum;
	const struct gc_core_phdr *note = NULL;
	int r;

	p->phdrs_end = region_end(&p->phdr_region);
	info->phdrs = calloc(n, sizeof(*info->phdrs));
	if (!info->phdrs)
		return fail(p, "out of memory reading %zu program headers", n);
	for (size_t i = 0; i < n; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, p->phdr_region.buf + i * PHDR_SIZE, PHDR_SIZE);
		info->phdrs[i] = (struct gc_core_phdr){
		    .type = ph.p_type,
		    .flags = ph.p_flags,
		    .offset = ph.p_offset,
		    .vaddr = ph.p_vaddr,
		    .filesz = ph.p_filesz,
		    .memsz = ph.p_memsz,
		    .align = ph.p_align,
		};
		info->n_phdrs = i + 1;
		if (ph.p_offset > UINT64_MAX - ph.p_filesz)
			return fail(p,
				    "program header %zu ends past any stream: offset %" PRIu64
				    ", size %" PRIu64,
				    i, (uint64_t)ph.p_offset, (uint64_t)ph.p_filesz);
		raise_expected_size(p, ph.p_offset + ph.p_filesz);
		/* The kernel writes one note segment; any other would be ignored. */
		if (ph.p_type == PT_NOTE && !note)
			note = &info->phdrs[i];
	}
	region_free(&p->phdr_region);
	p->phdrs_done = true;

	r = plan_loads(p);
	if (r < 0)
		return r;
	if (note) {
		r = start_notes(p, note);
		if (r < 0)
			return r;
	}
	return confirm_xnum(p);
}

/* ---- notes ---- */

struct note {
	uint32_t type;
	bool core; /* name "CORE" */
	const uint8_t *desc;
	uint64_t size;
};

static int parse_prstatus(struct gc_core_parser *p, const struct note *n)
{
	struct gc_core_info *info = &p->info;
	bool x86_64 = info->machine == EM_X86_64;
	uint64_t need = x86_64 ? PRSTATUS_SIZE_X86_64 : PRSTATUS_PID_END;
	struct gc_core_thread *threads, *t;

	if (n->size < need)
		return fail(
		    p, "an NT_PRSTATUS note has %" PRIu64 " bytes, at least %" PRIu64 " expected",
		    n->size, need);
	threads = reallocarray(info->threads, info->n_threads + 1, sizeof(*threads));
	if (!threads)
		return fail(p, "out of memory reading thread %zu", info->n_threads + 1);
	info->threads = threads;
	t = &threads[info->n_threads++];
	*t = (struct gc_core_thread){
	    .tid = read_i32(n->desc + 32),
	    .cursig = read_i16(n->desc + 12),
	};
	if (x86_64)
		memcpy(t->regs, n->desc + PRSTATUS_REG_OFFSET, sizeof(t->regs));
	return 0;
}

static int parse_prpsinfo(struct gc_core_parser *p, const struct note *n)
{
	struct gc_core_info *info = &p->info;
	size_t len;

	if (info->have_prpsinfo)
		return 0;
	if (n->size < PRPSINFO_SIZE)
		return fail(p, "the NT_PRPSINFO note has %" PRIu64 " bytes, %u expected", n->size,
			    PRPSINFO_SIZE);
	info->have_prpsinfo = true;
	info->uid = read_u32(n->desc + 16);
	info->gid = read_u32(n->desc + 20);
	info->pid = read_i32(n->desc + 24);
	memcpy(info->fname, n->desc + 40, sizeof(info->fname) - 1);
	info->fname[sizeof(info->fname) - 1] = '\0';
	memcpy(info->psargs, n->desc + 56, sizeof(info->psargs) - 1);
	info->psargs[sizeof(info->psargs) - 1] = '\0';
	/* The kernel turns the NULs between arguments into spaces, the final one included:
	 * drop that one unless the arguments were cut to fit. */
	len = strlen(info->psargs);
	if (len > 0 && len < sizeof(info->psargs) - 2 && info->psargs[len - 1] == ' ')
		info->psargs[len - 1] = '\0';
	return 0;
}

static int parse_siginfo(struct gc_core_parser *p, const struct note *n)
{
	struct gc_core_info *info = &p->info;

	if (info->have_siginfo)
		return 0;
	if (n->size < SIGINFO_SIZE)
		return fail(p, "the NT_SIGINFO note has %" PRIu64 " bytes, %u expected", n->size,
			    SIGINFO_SIZE);
	info->have_siginfo = true;
	info->si_signo = read_i32(n->desc + 0);
	info->si_code = read_i32(n->desc + 8);
	/* si_addr is only meaningful for the fault signals; elsewhere the union holds a pid. */
	switch (info->si_signo) {
	case SIGSEGV:
	case SIGBUS:
	case SIGILL:
	case SIGFPE:
	case SIGTRAP:
		info->fault_addr = read_u64(n->desc + 16);
		break;
	default:
		info->fault_addr = 0;
	}
	return 0;
}

static int parse_auxv(struct gc_core_parser *p, const struct note *n)
{
	struct gc_core_info *info = &p->info;
	size_t pairs = n->size / 16, count = 0;

	if (info->auxv)
		return 0;
	if (n->size % 16 != 0)
		return fail(p,
			    "the NT_AUXV note has %" PRIu64 " bytes, not a whole number of "
			    "16-byte entries",
			    n->size);
	while (count < pairs && read_u64(n->desc + count * 16) != AT_NULL)
		count++;
	info->auxv = calloc(MAX(count, (size_t)1) * 2, sizeof(uint64_t));
	if (!info->auxv)
		return fail(p, "out of memory reading %zu auxv entries", count);
	memcpy(info->auxv, n->desc, count * 16);
	info->n_auxv = count;
	return 0;
}

/* NT_FILE: count, page size, count {start, end, page offset}, then count NUL-ended paths. */
static int parse_file_note(struct gc_core_parser *p, const struct note *n)
{
	struct gc_core_info *info = &p->info;
	const uint8_t *names;
	uint64_t count, page_size, names_size;

	if (info->mappings || info->page_size)
		return 0;
	if (n->size < 16)
		return fail(p, "the NT_FILE note has %" PRIu64 " bytes, at least 16 expected",
			    n->size);
	count = read_u64(n->desc);
	page_size = read_u64(n->desc + 8);
	if (count > (n->size - 16) / 24)
		return fail(
		    p, "the NT_FILE note lists %" PRIu64 " files but has only %" PRIu64 " bytes",
		    count, n->size);
	if (page_size == 0)
		return fail(p, "the NT_FILE note gives a page size of 0");
	info->page_size = page_size;
	info->mappings = calloc(MAX(count, (uint64_t)1), sizeof(*info->mappings));
	if (!info->mappings)
		return fail(p, "out of memory reading %" PRIu64 " file mappings", count);

	names = n->desc + 16 + count * 24;
	names_size = n->size - 16 - count * 24;
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *entry = n->desc + 16 + i * 24, *end;
		struct gc_core_mapping *m = &info->mappings[i];
		uint64_t pgoff = read_u64(entry + 16);

		end = memchr(names, '\0', names_size);
		if (!end)
			return fail(p,
				    "the NT_FILE note lists %" PRIu64 " files but has only %" PRIu64
				    " complete paths",
				    count, i);
		m->start = read_u64(entry);
		m->end = read_u64(entry + 8);
		if (m->end < m->start)
			return fail(p,
				    "NT_FILE mapping %" PRIu64 " ends at 0x%" PRIx64
				    " before it starts at 0x%" PRIx64,
				    i, m->end, m->start);
		if (__builtin_mul_overflow(pgoff, page_size, &m->offset))
			return fail(p,
				    "NT_FILE mapping %" PRIu64 " has a page offset 0x%" PRIx64
				    " too large for page size %" PRIu64,
				    i, pgoff, page_size);
		m->path = strndup((const char *)names, end - names);
		if (!m->path)
			return fail(p, "out of memory reading NT_FILE paths");
		info->n_mappings = i + 1;
		names_size -= end + 1 - names;
		names = end + 1;
	}
	return 0;
}

static int dispatch_note(struct gc_core_parser *p, const struct note *n)
{
	if (!n->core)
		return 0;
	switch (n->type) {
	case NT_PRSTATUS:
		return parse_prstatus(p, n);
	case NT_PRPSINFO:
		return parse_prpsinfo(p, n);
	case NT_SIGINFO:
		return parse_siginfo(p, n);
	case NT_AUXV:
		return parse_auxv(p, n);
	case NT_FILE:
		return parse_file_note(p, n);
	default:
		return 0;
	}
}

static uint64_t align_note(uint64_t size)
{
	return (size + NOTE_ALIGN - 1) & ~(uint64_t)(NOTE_ALIGN - 1);
}

static int parse_notes(struct gc_core_parser *p, const uint8_t *buf, uint64_t size)
{
	uint64_t pos = 0;

	while (pos < size) {
		uint64_t note_offset = p->note_region.start + pos, name_end, desc_end;
		Elf64_Nhdr nh;
		struct note n;
		int r;

		if (size - pos < sizeof(nh))
			return fail(p,
				    "the note at offset %" PRIu64 " is cut: %" PRIu64
				    " bytes left, a note header needs %zu",
				    note_offset, size - pos, sizeof(nh));
		memcpy(&nh, buf + pos, sizeof(nh));
		/* 64-bit arithmetic: 32-bit sizes cannot overflow it. */
		name_end = pos + sizeof(nh) + nh.n_namesz;
		desc_end = align_note(name_end) + nh.n_descsz;
		if (desc_end > size)
			return fail(p,
				    "the note at offset %" PRIu64 " (name size %u, data size %u) "
				    "ends past the note segment of %" PRIu64 " bytes",
				    note_offset, nh.n_namesz, nh.n_descsz, size);
		n = (struct note){
		    .type = nh.n_type,
		    .core = nh.n_namesz == 5 && memcmp(buf + pos + sizeof(nh), "CORE", 5) == 0,
		    .desc = buf + align_note(name_end),
		    .size = nh.n_descsz,
		};
		r = dispatch_note(p, &n);
		if (r < 0)
			return r;
		/* The last note's padding may be missing from the segment. */
		pos = MIN(align_note(desc_end), size);
	}
	return 0;
}

static int start_notes(struct gc_core_parser *p, const struct gc_core_phdr *note)
{
	if (note->offset < p->phdrs_end)
		return fail(p,
			    "the notes start at offset %" PRIu64
			    ", before the end of the program headers at %" PRIu64,
			    note->offset, p->phdrs_end);
	if (note->filesz > NOTES_MAX)
		return fail(p,
			    "the note segment has %" PRIu64 " bytes, more than the %" PRIu64
			    " supported",
			    note->filesz, NOTES_MAX);
	region_start(&p->note_region, note->offset, note->filesz);
	if (note->filesz == 0)
		p->note_region.active = false;
	return 0;
}

/* ---- feeding ---- */

static void deliver_segments(struct gc_core_parser *p, const uint8_t *data, size_t size)
{
	uint64_t lo = p->offset, hi = p->offset + size;

	while (p->next_load < p->n_loads && p->loads[p->next_load].end <= lo)
		p->next_load++;
	for (size_t j = p->next_load; j < p->n_loads && p->loads[j].start < hi; j++) {
		const struct load *l = &p->loads[j];
		const struct gc_core_phdr *ph = &p->info.phdrs[l->index];
		uint64_t from = MAX(l->start, lo), to = MIN(l->end, hi);

		if (from < to)
			p->segment_fn(ph, l->index, from - ph->offset, data + (from - lo),
				      to - from, p->userdata);
	}
}

/* The next stream offset at which a region completes and the parser learns something. */
static uint64_t next_event(const struct gc_core_parser *p)
{
	const struct region *regions[] = {&p->ehdr_region, &p->phdr_region, &p->note_region,
					  &p->shdr_region};
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < ELEMENTSOF(regions); i++)
		if (regions[i]->active)
			next = MIN(next, region_end(regions[i]));
	return next;
}

static int consume(struct gc_core_parser *p, const uint8_t *data, size_t size)
{
	struct region *regions[] = {&p->ehdr_region, &p->phdr_region, &p->note_region,
				    &p->shdr_region};

	for (size_t i = 0; i < ELEMENTSOF(regions); i++)
		if (region_copy(regions[i], p->offset, data, size) < 0)
			return fail(p,
				    "out of memory buffering the core headers at offset %" PRIu64,
				    p->offset);
	if (p->segment_fn && p->phdrs_done)
		deliver_segments(p, data, size);
	return 0;
}

/* Acts on the regions that are complete at the current offset, in stream order. */
static void handle_events(struct gc_core_parser *p)
{
	if (!p->stopped && region_complete(&p->ehdr_region, p->offset)) {
		p->ehdr_region.active = false;
		(void)parse_ehdr(p);
	}
	if (!p->stopped && region_complete(&p->phdr_region, p->offset)) {
		/* A bound of one entry completes the table at once: check again. */
		if (p->xnum && !p->xnum_bounded)
			(void)extend_xnum_table(p);
		if (!p->stopped && region_complete(&p->phdr_region, p->offset)) {
			p->phdr_region.active = false;
			(void)parse_phdrs(p);
		}
	}
	if (!p->stopped && region_complete(&p->note_region, p->offset)) {
		p->note_region.active = false;
		(void)parse_notes(p, p->note_region.buf, p->note_region.length);
		region_free(&p->note_region);
	}
	if (!p->stopped && region_complete(&p->shdr_region, p->offset)) {
		p->shdr_region.active = false;
		(void)confirm_xnum(p);
	}
}

void gc_core_parser_feed(struct gc_core_parser *p, const void *data, size_t size)
{
	const uint8_t *bytes = data;

	if (p->finished)
		return;
	while (size > 0 && !p->stopped) {
		uint64_t event = next_event(p);
		size_t piece = event - p->offset < size ? event - p->offset : size;

		if (event <= p->offset) {
			/* Every region ends past its discovery point; never spin if one did not. */
			fail(p, "internal error: the core parser stalled at offset %" PRIu64,
			     p->offset);
			break;
		}
		(void)consume(p, bytes, piece);
		p->offset += piece;
		bytes += piece;
		size -= piece;
		handle_events(p);
	}
	p->offset += size;
}

uint64_t gc_core_parser_next_wanted(const struct gc_core_parser *p)
{
	const struct region *regions[] = {&p->ehdr_region, &p->phdr_region, &p->note_region,
					  &p->shdr_region};
	uint64_t next = UINT64_MAX;

	if (p->segment_fn)
		return p->offset;
	for (size_t i = 0; i < ELEMENTSOF(regions); i++)
		if (regions[i]->active)
			next = MIN(next, MAX(regions[i]->start, p->offset));
	return next;
}

void gc_core_parser_skip(struct gc_core_parser *p, uint64_t size)
{
	if (p->finished || p->stopped || size == 0)
		return;
	if (size > gc_core_parser_next_wanted(p) - p->offset) {
		fail(p,
		     "internal error: %" PRIu64 " bytes skipped at offset %" PRIu64
		     ", past what the parser still needs",
		     size, p->offset);
		return;
	}
	p->offset += size;
}

void gc_core_parser_finish(struct gc_core_parser *p)
{
	struct gc_core_info *info = &p->info;

	if (p->finished)
		return;
	p->finished = true;
	if (p->offset == 0) {
		info->truncated = true;
		set_error(p, "the core is empty");
	} else if (!p->have_ehdr) {
		/* Too short to decide earlier: say "not a core" if the bytes already show it. */
		if (p->stopped || !describe_not_core(p, p->ehdr_region.buf, p->offset)) {
			info->truncated = true;
			set_error(
			    p, "the core ends at %" PRIu64 " bytes, inside the %zu-byte ELF header",
			    p->offset, EHDR_SIZE);
		}
	} else if (p->offset < info->expected_size) {
		info->truncated = true;
		if (p->phdrs_done)
			set_error(p, "the core ends at %" PRIu64 " bytes, %" PRIu64 " expected",
				  p->offset, info->expected_size);
		else
			set_error(p,
				  "the core ends at %" PRIu64 " bytes, inside the program headers "
				  "(at least %" PRIu64 " expected)",
				  p->offset, info->expected_size);
	}
}

/* ---- lifetime and accessors ---- */

int gc_core_parser_new(struct gc_core_parser **ret)
{
	struct gc_core_parser *p;

	if (gc_sandbox_check_unprivileged(__func__) < 0)
		return -EPERM;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	region_start(&p->ehdr_region, 0, EHDR_SIZE);
	*ret = p;
	return 0;
}

void gc_core_parser_free(struct gc_core_parser *p)
{
	struct gc_core_info *info;

	if (!p)
		return;
	info = &p->info;
	if (!p->error_static)
		free(info->error);
	free(info->phdrs);
	free(info->threads);
	free(info->auxv);
	for (size_t i = 0; i < info->n_mappings; i++)
		free(info->mappings[i].path);
	free(info->mappings);
	region_free(&p->ehdr_region);
	region_free(&p->phdr_region);
	region_free(&p->note_region);
	region_free(&p->shdr_region);
	free(p->loads);
	free(p);
}

void gc_core_parser_set_segment_fn(struct gc_core_parser *p, gc_core_segment_fn fn, void *userdata)
{
	p->segment_fn = fn;
	p->userdata = userdata;
}

uint64_t gc_core_parser_offset(const struct gc_core_parser *p)
{
	return p->offset;
}

const struct gc_core_info *gc_core_parser_info(const struct gc_core_parser *p)
{
	return &p->info;
}

int gc_core_auxv(const struct gc_core_info *info, uint64_t type, uint64_t *ret)
{
	for (size_t i = 0; i < info->n_auxv; i++)
		if (info->auxv[2 * i] == type) {
			*ret = info->auxv[2 * i + 1];
			return 0;
		}
	return -ENOENT;
}
