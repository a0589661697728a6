/* SPDX-License-Identifier: MIT */
/* The ELF core reader. Opening reads, in this order, the ELF header, the program header table,
 * the note segment and (for PN_XNUM cores) section header 0, each only once its range is known
 * to lie within the core; a range past the core's end is not an error in itself: the core is
 * short, and the last check says so with the size expected. The first problem found stops
 * the reading: what was read before it stays. */
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

struct gc_core {
	struct gc_core_info info;
	bool stopped;	   /* a problem was found: the info says which */
	bool error_static; /* info.error is not malloc'ed */

	gc_core_read_fn read;
	void *userdata;
	uint64_t size;
	const uint8_t *memory; /* gc_core_open_memory() */

	Elf64_Ehdr ehdr;
	bool xnum;	     /* PN_XNUM: the count is in section header 0 */
	uint64_t phdrs_end;  /* end of the program header table */
	bool phdrs_read;     /* info.phdrs holds the whole table */
	bool xnum_confirmed; /* section header 0 was checked */
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

static void set_error_va(struct gc_core *c, const char *fmt, va_list ap)
{
	char *message;

	if (c->info.error)
		return;
	if (vasprintf(&message, fmt, ap) < 0) {
		/* Still say something: a NULL error would read as "no problem". */
		c->info.error = (char *)"out of memory while describing a problem with the core";
		c->error_static = true;
		return;
	}
	c->info.error = message;
}

static void __attribute__((format(printf, 2, 3))) set_error(struct gc_core *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error_va(c, fmt, ap);
	va_end(ap);
}

/* Records the first problem and stops the reading. Returns -EBADMSG. */
static int __attribute__((format(printf, 2, 3))) fail(struct gc_core *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error_va(c, fmt, ap);
	va_end(ap);
	c->stopped = true;
	return -EBADMSG;
}

static void raise_expected_size(struct gc_core *c, uint64_t end)
{
	c->info.expected_size = MAX(c->info.expected_size, end);
}

/* [offset, offset + length) lies within the core (no overflow on the way). */
static bool within(const struct gc_core *c, uint64_t offset, uint64_t length)
{
	return offset <= c->size && length <= c->size - offset;
}

/* Reads exactly size bytes at offset, a range the caller checked with within(). */
static int read_exact(struct gc_core *c, uint64_t offset, void *buf, size_t size)
{
	uint8_t *out = buf;

	while (size > 0) {
		ssize_t n = c->read(c->userdata, out, size, offset);

		if (n < 0)
			return (int)n;
		if (n == 0 || (size_t)n > size)
			return -EIO; /* the source is shorter than it said */
		out += n;
		offset += n;
		size -= n;
	}
	return 0;
}

/* ---- ELF header ---- */

/* Describes why the first bytes are not a 64-bit little-endian ELF core, or returns false. */
static bool describe_not_core(struct gc_core *c, const uint8_t *buf, size_t size)
{
	static const uint8_t ident[] = {ELFMAG0, ELFMAG1,    ELFMAG2,
					ELFMAG3, ELFCLASS64, ELFDATA2LSB};
	size_t n = MIN(size, sizeof(ident));
	char hex[2 * 8 + 1] = "";

	if (memcmp(buf, ident, n) != 0) {
		for (size_t i = 0; i < MIN(size, (size_t)8); i++)
			sprintf(hex + 2 * i, "%02x", buf[i]);
		fail(c,
		     "not an ELF core: the stream starts with 0x%s, not a 64-bit little-endian "
		     "ELF header",
		     hex);
		return true;
	}
	if (size >= offsetof(Elf64_Ehdr, e_type) + sizeof(uint16_t)) {
		uint16_t type;

		memcpy(&type, buf + offsetof(Elf64_Ehdr, e_type), sizeof(type));
		if (type != ET_CORE) {
			fail(c, "not an ELF core: the ELF type is %u, not ET_CORE (%u)", type,
			     ET_CORE);
			return true;
		}
	}
	return false;
}

/* The table's fields and section header 0's place; raises the expected size to both. */
static int check_ehdr(struct gc_core *c)
{
	const Elf64_Ehdr *e = &c->ehdr;
	uint64_t table_size;

	c->info.is_elf = true;
	c->info.machine = e->e_machine;
	if (e->e_phentsize != PHDR_SIZE)
		return fail(c, "the ELF header gives program headers of %u bytes, %zu expected",
			    e->e_phentsize, PHDR_SIZE);
	if (e->e_phoff < EHDR_SIZE)
		return fail(
		    c, "the program headers start at offset %" PRIu64 ", inside the ELF header",
		    (uint64_t)e->e_phoff);
	if (e->e_phnum == 0)
		return fail(c, "the core has no program headers");

	c->xnum = e->e_phnum == PN_XNUM;
	/* With PN_XNUM the count is unknown: the first entry (PT_NOTE) bounds it. */
	table_size = (c->xnum ? 1 : e->e_phnum) * PHDR_SIZE;
	if (e->e_phoff > UINT64_MAX - table_size)
		return fail(c, "the program headers start at offset %" PRIu64 ", past any stream",
			    (uint64_t)e->e_phoff);
	c->phdrs_end = e->e_phoff + table_size;
	raise_expected_size(c, c->phdrs_end);

	if (e->e_shoff != 0) {
		uint64_t shdrs_size = MAX(e->e_shnum, 1) * SHDR_SIZE;

		if (e->e_shoff < EHDR_SIZE || e->e_shoff > UINT64_MAX - shdrs_size)
			return fail(c,
				    "the section headers start at offset %" PRIu64
				    ", outside the stream",
				    (uint64_t)e->e_shoff);
		raise_expected_size(c, e->e_shoff + shdrs_size);
		if (c->xnum && e->e_shentsize != SHDR_SIZE)
			return fail(
			    c, "the ELF header gives section headers of %u bytes, %zu expected",
			    e->e_shentsize, SHDR_SIZE);
	}
	return 0;
}

static int read_ehdr(struct gc_core *c)
{
	uint8_t buf[EHDR_SIZE];
	size_t have = (size_t)MIN(c->size, (uint64_t)EHDR_SIZE);
	int r;

	if (c->size == 0) {
		c->info.truncated = true;
		return fail(c, "the core is empty");
	}
	r = read_exact(c, 0, buf, have);
	if (r < 0)
		return r;
	if (describe_not_core(c, buf, have))
		return -EBADMSG;
	if (have < EHDR_SIZE) {
		c->info.truncated = true;
		return fail(c, "the core ends at %" PRIu64 " bytes, inside the %zu-byte ELF header",
			    c->size, EHDR_SIZE);
	}
	memcpy(&c->ehdr, buf, EHDR_SIZE);
	return check_ehdr(c);
}

/* ---- program headers ---- */

/* PN_XNUM: the notes follow the table, so the first entry's p_offset bounds the count. */
static int bound_xnum_table(struct gc_core *c)
{
	uint64_t start = c->ehdr.e_phoff, count;
	Elf64_Phdr first;
	int r;

	r = read_exact(c, start, &first, PHDR_SIZE);
	if (r < 0)
		return r;
	if (first.p_type != PT_NOTE)
		return fail(c,
			    "the core has more than 65534 program headers (PN_XNUM) but the "
			    "first one is of type %u, not PT_NOTE: cannot tell how many there are",
			    first.p_type);
	if (first.p_offset < start + PHDR_SIZE)
		return fail(c,
			    "the notes start at offset %" PRIu64
			    ", inside the program headers at offset %" PRIu64,
			    (uint64_t)first.p_offset, start);
	count = (first.p_offset - start) / PHDR_SIZE;
	if (count > PHDRS_MAX)
		return fail(c,
			    "the notes start at offset %" PRIu64 ", which leaves room for %" PRIu64
			    " program headers, more than the %" PRIu64 " supported",
			    (uint64_t)first.p_offset, count, PHDRS_MAX);
	c->phdrs_end = start + count * PHDR_SIZE;
	raise_expected_size(c, c->phdrs_end);
	return 0;
}

/* PN_XNUM: past the real table come the notes, whose first word (a name size) is no PT_LOAD. */
static size_t xnum_count(const uint8_t *table, size_t max)
{
	size_t n = 0;

	for (; n < max; n++) {
		uint32_t type = read_u32(table + n * PHDR_SIZE);

		if (type != PT_LOAD && type != PT_NOTE)
			break;
	}
	return n;
}

static int parse_phdrs(struct gc_core *c, const uint8_t *table, size_t n)
{
	struct gc_core_info *info = &c->info;

	info->phdrs = calloc(n, sizeof(*info->phdrs));
	if (!info->phdrs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, table + i * PHDR_SIZE, PHDR_SIZE);
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
			return fail(c,
				    "program header %zu ends past any stream: offset %" PRIu64
				    ", size %" PRIu64,
				    i, (uint64_t)ph.p_offset, (uint64_t)ph.p_filesz);
		raise_expected_size(c, ph.p_offset + ph.p_filesz);
	}
	c->phdrs_read = true;
	return 0;
}

/* Reads the table when the core holds it; a short core leaves it unread (and says so later). */
static int read_phdrs(struct gc_core *c)
{
	uint64_t start = c->ehdr.e_phoff;
	_cleanup_free_ uint8_t *table = NULL;
	size_t length;
	int r;

	if (c->xnum) {
		if (!within(c, start, PHDR_SIZE))
			return 0;
		r = bound_xnum_table(c);
		if (r < 0)
			return r;
	}
	if (!within(c, start, c->phdrs_end - start))
		return 0;
	length = c->phdrs_end - start;
	table = malloc(length);
	if (!table)
		return -ENOMEM;
	r = read_exact(c, start, table, length);
	if (r < 0)
		return r;
	return parse_phdrs(c, table,
			   c->xnum ? xnum_count(table, length / PHDR_SIZE) : length / PHDR_SIZE);
}

/* ---- notes ---- */

struct note {
	uint32_t type;
	bool core; /* name "CORE" */
	const uint8_t *desc;
	uint64_t size;
};

static int parse_prstatus(struct gc_core *c, const struct note *n)
{
	struct gc_core_info *info = &c->info;
	bool x86_64 = info->machine == EM_X86_64;
	uint64_t need = x86_64 ? PRSTATUS_SIZE_X86_64 : PRSTATUS_PID_END;
	struct gc_core_thread *threads, *t;

	if (n->size < need)
		return fail(
		    c, "an NT_PRSTATUS note has %" PRIu64 " bytes, at least %" PRIu64 " expected",
		    n->size, need);
	threads = reallocarray(info->threads, info->n_threads + 1, sizeof(*threads));
	if (!threads)
		return -ENOMEM;
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

static int parse_prpsinfo(struct gc_core *c, const struct note *n)
{
	struct gc_core_info *info = &c->info;
	size_t len;

	if (info->have_prpsinfo)
		return 0;
	if (n->size < PRPSINFO_SIZE)
		return fail(c, "the NT_PRPSINFO note has %" PRIu64 " bytes, %u expected", n->size,
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

static int parse_siginfo(struct gc_core *c, const struct note *n)
{
	struct gc_core_info *info = &c->info;

	if (info->have_siginfo)
		return 0;
	if (n->size < SIGINFO_SIZE)
		return fail(c, "the NT_SIGINFO note has %" PRIu64 " bytes, %u expected", n->size,
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

static int parse_auxv(struct gc_core *c, const struct note *n)
{
	struct gc_core_info *info = &c->info;
	size_t pairs = n->size / 16, count = 0;

	if (info->auxv)
		return 0;
	if (n->size % 16 != 0)
		return fail(c,
			    "the NT_AUXV note has %" PRIu64 " bytes, not a whole number of "
			    "16-byte entries",
			    n->size);
	while (count < pairs && read_u64(n->desc + count * 16) != AT_NULL)
		count++;
	info->auxv = calloc(MAX(count, (size_t)1) * 2, sizeof(uint64_t));
	if (!info->auxv)
		return -ENOMEM;
	memcpy(info->auxv, n->desc, count * 16);
	info->n_auxv = count;
	return 0;
}

/* One NT_FILE entry {start, end, page offset} and its path, which ends at names_end. */
static int parse_mapping(struct gc_core *c, uint64_t i, const uint8_t *entry, const char *name,
			 const char *name_end)
{
	struct gc_core_mapping *m = &c->info.mappings[i];
	uint64_t pgoff = read_u64(entry + 16);

	m->start = read_u64(entry);
	m->end = read_u64(entry + 8);
	if (m->end < m->start)
		return fail(c,
			    "NT_FILE mapping %" PRIu64 " ends at 0x%" PRIx64
			    " before it starts at 0x%" PRIx64,
			    i, m->end, m->start);
	if (__builtin_mul_overflow(pgoff, c->info.page_size, &m->offset))
		return fail(c,
			    "NT_FILE mapping %" PRIu64 " has a page offset 0x%" PRIx64
			    " too large for page size %" PRIu64,
			    i, pgoff, c->info.page_size);
	m->path = strndup(name, name_end - name);
	if (!m->path)
		return -ENOMEM;
	c->info.n_mappings = i + 1;
	return 0;
}

/* NT_FILE: count, page size, count {start, end, page offset}, then count NUL-ended paths. */
static int parse_file_note(struct gc_core *c, const struct note *n)
{
	struct gc_core_info *info = &c->info;
	const uint8_t *names;
	uint64_t count, page_size, names_size;

	if (info->mappings || info->page_size)
		return 0;
	if (n->size < 16)
		return fail(c, "the NT_FILE note has %" PRIu64 " bytes, at least 16 expected",
			    n->size);
	count = read_u64(n->desc);
	page_size = read_u64(n->desc + 8);
	if (count > (n->size - 16) / 24)
		return fail(
		    c, "the NT_FILE note lists %" PRIu64 " files but has only %" PRIu64 " bytes",
		    count, n->size);
	if (page_size == 0)
		return fail(c, "the NT_FILE note gives a page size of 0");
	info->page_size = page_size;
	info->mappings = calloc(MAX(count, (uint64_t)1), sizeof(*info->mappings));
	if (!info->mappings)
		return -ENOMEM;

	names = n->desc + 16 + count * 24;
	names_size = n->size - 16 - count * 24;
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *end = memchr(names, '\0', names_size);
		int r;

		if (!end)
			return fail(c,
				    "the NT_FILE note lists %" PRIu64 " files but has only %" PRIu64
				    " complete paths",
				    count, i);
		r = parse_mapping(c, i, n->desc + 16 + i * 24, (const char *)names,
				  (const char *)end);
		if (r < 0)
			return r;
		names_size -= end + 1 - names;
		names = end + 1;
	}
	return 0;
}

static int dispatch_note(struct gc_core *c, const struct note *n)
{
	if (!n->core)
		return 0;
	switch (n->type) {
	case NT_PRSTATUS:
		return parse_prstatus(c, n);
	case NT_PRPSINFO:
		return parse_prpsinfo(c, n);
	case NT_SIGINFO:
		return parse_siginfo(c, n);
	case NT_AUXV:
		return parse_auxv(c, n);
	case NT_FILE:
		return parse_file_note(c, n);
	default:
		return 0;
	}
}

static uint64_t align_note(uint64_t size)
{
	return (size + NOTE_ALIGN - 1) & ~(uint64_t)(NOTE_ALIGN - 1);
}

static int parse_notes(struct gc_core *c, uint64_t offset, const uint8_t *buf, uint64_t size)
{
	uint64_t pos = 0;

	while (pos < size) {
		uint64_t name_end, desc_end;
		Elf64_Nhdr nh;
		struct note n;
		int r;

		if (size - pos < sizeof(nh))
			return fail(c,
				    "the note at offset %" PRIu64 " is cut: %" PRIu64
				    " bytes left, a note header needs %zu",
				    offset + pos, size - pos, sizeof(nh));
		memcpy(&nh, buf + pos, sizeof(nh));
		/* 64-bit arithmetic: 32-bit sizes cannot overflow it. */
		name_end = pos + sizeof(nh) + nh.n_namesz;
		desc_end = align_note(name_end) + nh.n_descsz;
		if (desc_end > size)
			return fail(c,
				    "the note at offset %" PRIu64 " (name size %u, data size %u) "
				    "ends past the note segment of %" PRIu64 " bytes",
				    offset + pos, nh.n_namesz, nh.n_descsz, size);
		n = (struct note){
		    .type = nh.n_type,
		    .core = nh.n_namesz == 5 && memcmp(buf + pos + sizeof(nh), "CORE", 5) == 0,
		    .desc = buf + align_note(name_end),
		    .size = nh.n_descsz,
		};
		r = dispatch_note(c, &n);
		if (r < 0)
			return r;
		/* The last note's padding may be missing from the segment. */
		pos = MIN(align_note(desc_end), size);
	}
	return 0;
}

/* The kernel writes one note segment, after the table; any other would be ignored. */
static const struct gc_core_phdr *note_segment(const struct gc_core *c)
{
	for (size_t i = 0; i < c->info.n_phdrs; i++)
		if (c->info.phdrs[i].type == PT_NOTE)
			return &c->info.phdrs[i];
	return NULL;
}

static int check_notes(struct gc_core *c, const struct gc_core_phdr *note)
{
	if (note->offset < c->phdrs_end)
		return fail(c,
			    "the notes start at offset %" PRIu64
			    ", before the end of the program headers at %" PRIu64,
			    note->offset, c->phdrs_end);
	if (note->filesz > NOTES_MAX)
		return fail(c,
			    "the note segment has %" PRIu64 " bytes, more than the %" PRIu64
			    " supported",
			    note->filesz, NOTES_MAX);
	return 0;
}

/* Decoded only when the core holds the whole segment. */
static int read_notes(struct gc_core *c, const struct gc_core_phdr *note)
{
	_cleanup_free_ uint8_t *buf = NULL;
	int r;

	if (note->filesz == 0 || !within(c, note->offset, note->filesz))
		return 0;
	buf = malloc(note->filesz);
	if (!buf)
		return -ENOMEM;
	r = read_exact(c, note->offset, buf, note->filesz);
	if (r < 0)
		return r;
	return parse_notes(c, note->offset, buf, note->filesz);
}

/* ---- PN_XNUM ---- */

static bool xnum_checkable(const struct gc_core *c)
{
	return c->xnum && !c->xnum_confirmed && c->ehdr.e_shoff != 0 &&
	       within(c, c->ehdr.e_shoff, SHDR_SIZE);
}

static int confirm_xnum(struct gc_core *c)
{
	Elf64_Shdr shdr;
	int r;

	if (!xnum_checkable(c))
		return 0;
	c->xnum_confirmed = true;
	r = read_exact(c, c->ehdr.e_shoff, &shdr, SHDR_SIZE);
	if (r < 0)
		return r;
	if (shdr.sh_info != c->info.n_phdrs)
		return fail(c,
			    "section header 0 gives %u program headers (PN_XNUM), but %zu "
			    "were found",
			    shdr.sh_info, c->info.n_phdrs);
	return 0;
}

/* The notes, and section header 0 first when it comes before their end in the core: the
 * first problem in the file's order is the one reported. */
static int read_notes_and_xnum(struct gc_core *c)
{
	const struct gc_core_phdr *note = note_segment(c);
	int r;

	if (note) {
		r = check_notes(c, note);
		if (r < 0)
			return r;
	}
	if (note && note->filesz > 0 && c->ehdr.e_shoff + SHDR_SIZE < note->offset + note->filesz) {
		r = confirm_xnum(c);
		if (r < 0)
			return r;
	}
	if (note) {
		r = read_notes(c, note);
		if (r < 0)
			return r;
	}
	return confirm_xnum(c);
}

/* ---- opening ---- */

/* A core shorter than its headers say: said last, so that a problem found first stays. */
static void check_size(struct gc_core *c)
{
	struct gc_core_info *info = &c->info;

	if (c->size >= info->expected_size)
		return;
	info->truncated = true;
	if (c->phdrs_read)
		set_error(c, "the core ends at %" PRIu64 " bytes, %" PRIu64 " expected", c->size,
			  info->expected_size);
	else
		set_error(c,
			  "the core ends at %" PRIu64 " bytes, inside the program headers "
			  "(at least %" PRIu64 " expected)",
			  c->size, info->expected_size);
}

static int read_headers(struct gc_core *c)
{
	int r;

	r = read_ehdr(c);
	if (r >= 0)
		r = read_phdrs(c);
	if (r >= 0 && c->phdrs_read)
		r = read_notes_and_xnum(c);
	if (r < 0 && !c->stopped)
		return r; /* the source failed, or memory did */
	check_size(c);
	return 0;
}

static void core_free_info(struct gc_core *c)
{
	struct gc_core_info *info = &c->info;

	if (!c->error_static)
		free(info->error);
	free(info->phdrs);
	free(info->threads);
	free(info->auxv);
	for (size_t i = 0; i < info->n_mappings; i++)
		free(info->mappings[i].path);
	free(info->mappings);
}

void gc_core_free(struct gc_core *c)
{
	if (!c)
		return;
	core_free_info(c);
	free(c);
}

/* Takes c, set up with its source; reads its headers. */
static int open_core(struct gc_core *c, struct gc_core **ret)
{
	int r = read_headers(c);

	if (r < 0) {
		gc_core_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int gc_core_open(gc_core_read_fn fn, void *userdata, uint64_t size, struct gc_core **ret)
{
	struct gc_core *c;

	if (gc_sandbox_check_unprivileged(__func__) < 0)
		return -EPERM;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = (struct gc_core){.read = fn, .userdata = userdata, .size = size};
	return open_core(c, ret);
}

static ssize_t read_memory_source(void *userdata, void *buf, size_t size, uint64_t offset)
{
	const struct gc_core *c = userdata;

	if (offset >= c->size)
		return 0;
	size = (size_t)MIN((uint64_t)size, c->size - offset);
	memcpy(buf, c->memory + offset, size);
	return (ssize_t)size;
}

int gc_core_open_memory(const void *data, size_t size, struct gc_core **ret)
{
	struct gc_core *c;

	if (gc_sandbox_check_unprivileged(__func__) < 0)
		return -EPERM;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = (struct gc_core){.read = read_memory_source, .size = size, .memory = data};
	c->userdata = c;
	return open_core(c, ret);
}

const struct gc_core_info *gc_core_info(const struct gc_core *c)
{
	return &c->info;
}

/* ---- memory ---- */

static void place_in(const struct gc_core *c, const struct gc_core_phdr *p, uint64_t vaddr,
		     uint64_t limit, struct gc_core_place *ret)
{
	uint64_t in_segment = vaddr - p->vaddr, dumped = MIN(p->filesz, p->memsz);

	ret->mapped = true;
	if (in_segment >= dumped) {
		ret->size = MIN(p->memsz - in_segment, limit);
		return;
	}
	ret->dumped = true;
	/* Past the core's end (or past 2^64, for the segment that failed the check in
	 * parse_phdrs): no bytes, and an offset that reads none. */
	ret->offset = c->size;
	if (p->offset < c->size && in_segment < c->size - p->offset) {
		ret->offset = p->offset + in_segment;
		ret->size = MIN(MIN(dumped - in_segment, c->size - ret->offset), limit);
	}
}

/* The first PT_LOAD in table order that holds vaddr serves it; one before it that starts
 * above vaddr takes over where it starts, so that every byte is served by the same segment
 * however a read is split. */
void gc_core_locate(const struct gc_core *c, uint64_t vaddr, struct gc_core_place *ret)
{
	const struct gc_core_info *info = &c->info;
	uint64_t limit = UINT64_MAX; /* to the lowest start above vaddr seen so far, if any */

	*ret = (struct gc_core_place){};
	for (size_t i = 0; i < info->n_phdrs; i++) {
		const struct gc_core_phdr *p = &info->phdrs[i];

		if (p->type != PT_LOAD || p->memsz == 0)
			continue;
		if (vaddr < p->vaddr)
			limit = MIN(limit, p->vaddr - vaddr);
		else if (vaddr - p->vaddr < p->memsz) {
			place_in(c, p, vaddr, limit, ret);
			return;
		}
	}
	ret->size = MIN(limit, UINT64_MAX - vaddr);
}

ssize_t gc_core_pread(struct gc_core *c, void *buf, size_t size, uint64_t offset)
{
	ssize_t n;

	if (offset >= c->size)
		return -EFAULT;
	if (size == 0)
		return 0;
	size = (size_t)MIN((uint64_t)size, c->size - offset);
	n = c->read(c->userdata, buf, size, offset);
	if (n == 0 || n > (ssize_t)size)
		return -EIO;
	return n;
}

int gc_core_read_memory(struct gc_core *c, uint64_t vaddr, void *buf, size_t size)
{
	uint8_t *out = buf;

	if (size > 0 && vaddr + size - 1 < vaddr)
		return -EFAULT; /* past the top of the address space */
	while (size > 0) {
		struct gc_core_place place;
		ssize_t n;

		gc_core_locate(c, vaddr, &place);
		if (!place.dumped || place.size == 0)
			return -EFAULT;
		n = gc_core_pread(c, out, (size_t)MIN((uint64_t)size, place.size), place.offset);
		if (n < 0)
			return (int)n;
		out += n;
		vaddr += n;
		size -= n;
	}
	return 0;
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
