/* SPDX-License-Identifier: MIT */
#include "execheck.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

#define PAGE	 4096u
#define COMM_LEN 15 /* TASK_COMM_LEN without its NUL */

/* The executable's mapping in NT_FILE (the one holding AT_ENTRY), and in *base the start of
 * its mapping at file offset 0, where the ELF header is. */
static const struct gc_core_mapping *exe_mapping(const struct gc_core_info *info, uint64_t *base)
{
	const struct gc_core_mapping *exe = NULL;
	uint64_t entry;

	if (gc_core_auxv(info, 9 /* AT_ENTRY */, &entry) < 0)
		return NULL;
	for (size_t i = 0; i < info->n_mappings && !exe; i++)
		if (info->mappings[i].start <= entry && entry < info->mappings[i].end &&
		    info->mappings[i].path)
			exe = &info->mappings[i];
	for (size_t i = 0; exe && i < info->n_mappings; i++) {
		const struct gc_core_mapping *m = &info->mappings[i];

		if (m->offset == 0 && m->path && strcmp(m->path, exe->path) == 0) {
			*base = m->start;
			return exe;
		}
	}
	return NULL;
}

/* Whether [addr, addr + size) is in the core's own bytes (not served from a mapped file). */
static bool dumped(const struct gc_core_info *info, uint64_t addr, uint64_t size)
{
	for (size_t i = 0; i < info->n_phdrs; i++) {
		const struct gc_core_phdr *ph = &info->phdrs[i];

		if (ph->type == PT_LOAD && ph->vaddr <= addr && addr - ph->vaddr <= ph->filesz &&
		    size <= ph->filesz - (addr - ph->vaddr))
			return true;
	}
	return false;
}

static int read_dumped(struct gc_memview *view, uint64_t addr, void *buf, size_t size)
{
	if (!dumped(gc_memview_info(view), addr, size))
		return -ENOENT;
	return gc_memview_read(view, addr, buf, size) < 0 ? -EFAULT : 0;
}

/* What the core's copy of the executable's first page says. */
struct core_copy {
	uint8_t page[PAGE];
	size_t size;   /* bytes of page read: the ELF and program headers */
	bool notes_ok; /* every PT_NOTE was read: a missing id is missing from the file */
	char *gnu_build_id, *go_build_id;
};

static void core_copy_done(struct core_copy *c)
{
	free(c->gnu_build_id);
	free(c->go_build_id);
}

/* The notes of the headers in c->page, loaded at base. Returns 0 or -ENOMEM. */
static int core_notes(struct gc_memview *view, uint64_t base, const Elf64_Phdr *ph, size_t n,
		      struct core_copy *c)
{
	uint64_t first = UINT64_MAX;

	for (size_t i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0)
			first = MIN(first, ph[i].p_vaddr);
	c->notes_ok = first != UINT64_MAX;
	for (size_t i = 0; i < n && c->notes_ok; i++) {
		uint8_t notes[PAGE];

		if (ph[i].p_type != PT_NOTE)
			continue;
		c->notes_ok =
		    ph[i].p_filesz <= sizeof(notes) &&
		    read_dumped(view, ph[i].p_vaddr - first + base, notes, ph[i].p_filesz) == 0;
		if (c->notes_ok &&
		    gc_exe_build_ids_from_notes(notes, ph[i].p_filesz, &c->gnu_build_id,
						&c->go_build_id) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Reads the core's copy of the headers at base. Returns 0, -ENOENT when the core has none,
 * -EBADMSG when it is not an ELF header, -ENOMEM. */
static int read_core_copy(struct gc_memview *view, uint64_t base, struct core_copy *c)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	size_t n;
	int r;

	r = read_dumped(view, base, &eh, sizeof(eh));
	if (r < 0)
		return r;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > PAGE)
		return -EBADMSG;
	n = MIN((size_t)eh.e_phnum, ELEMENTSOF(ph));
	n = MIN(n, (size_t)(PAGE - eh.e_phoff) / sizeof(Elf64_Phdr));
	c->size = (size_t)eh.e_phoff + n * sizeof(Elf64_Phdr);
	if (read_dumped(view, base, c->page, c->size) < 0)
		return -ENOENT;
	memcpy(ph, c->page + eh.e_phoff, n * sizeof(Elf64_Phdr));
	return core_notes(view, base, ph, n, c);
}

static enum gc_exe_check compare_ids(const char *kind, const char *in_core, const char *in_exe,
				     char *why, size_t size)
{
	if (in_core && in_exe && strcmp(in_core, in_exe) == 0) {
		snprintf(why, size, "the %s build id is the core's", kind);
		return GC_EXE_CHECK_MATCH;
	}
	snprintf(why, size, "%s build id %s in the core, %s in the executable", kind,
		 in_core ?: "none", in_exe ?: "none");
	return GC_EXE_CHECK_MISMATCH;
}

static enum gc_exe_check compare_copy(const struct gc_exe *exe, const struct core_copy *c,
				      char *why, size_t size)
{
	uint8_t file[PAGE];

	if (c->notes_ok && (c->gnu_build_id || gc_exe_gnu_build_id(exe)))
		return compare_ids("GNU", c->gnu_build_id, gc_exe_gnu_build_id(exe), why, size);
	if (c->notes_ok && (c->go_build_id || gc_exe_go_build_id(exe)))
		return compare_ids("Go", c->go_build_id, gc_exe_go_build_id(exe), why, size);
	if (gc_exe_read(exe, 0, file, c->size) == 0 && memcmp(file, c->page, c->size) == 0) {
		snprintf(why, size, "the ELF headers are the core's copy");
		return GC_EXE_CHECK_MATCH;
	}
	snprintf(why, size, "the ELF headers differ from the core's copy");
	return GC_EXE_CHECK_MISMATCH;
}

/* Without a copy of the headers: the kernel names the process after the file it executed
 * (an exec through a symlink, or a prctl(PR_SET_NAME), names it otherwise). */
static enum gc_exe_check compare_name(const struct gc_core_info *info, const char *path, char *why,
				      size_t size)
{
	static const char deleted[] = " (deleted)"; /* what d_path() adds to an unlinked file */
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	size_t len = strlen(base);

	if (len > sizeof(deleted) - 1 && strcmp(base + len - (sizeof(deleted) - 1), deleted) == 0)
		len -= sizeof(deleted) - 1;
	len = MIN(len, (size_t)COMM_LEN);
	if (!info->have_prpsinfo) {
		snprintf(why, size,
			 "the core has neither a copy of the executable's headers "
			 "nor NT_PRPSINFO");
		return GC_EXE_CHECK_UNKNOWN;
	}
	if (strnlen(info->fname, sizeof(info->fname)) != len ||
	    memcmp(info->fname, base, len) != 0) {
		snprintf(why, size, "the process was called \"%s\", its executable is %s",
			 info->fname, path);
		return GC_EXE_CHECK_MISMATCH;
	}
	snprintf(why, size, "the core has no copy of the executable's headers");
	return GC_EXE_CHECK_UNKNOWN;
}

enum gc_exe_check gc_exe_check_core(const struct gc_exe *exe, struct gc_memview *view, char *why,
				    size_t size)
{
	const struct gc_core_info *info = gc_memview_info(view);
	const struct gc_core_mapping *mapping;
	struct core_copy copy = {};
	enum gc_exe_check check;
	uint64_t base;
	int r;

	mapping = exe_mapping(info, &base);
	if (!mapping) {
		snprintf(why, size, "the core does not say where the executable was mapped");
		return GC_EXE_CHECK_UNKNOWN;
	}
	r = read_core_copy(view, base, &copy);
	if (r == -ENOENT)
		check = compare_name(info, mapping->path, why, size);
	else if (r < 0) {
		snprintf(why, size, "the core's copy of the executable's headers is %s",
			 r == -ENOMEM ? "too much for the memory left" : "not ELF");
		check = GC_EXE_CHECK_UNKNOWN;
	} else
		check = compare_copy(exe, &copy, why, size);
	core_copy_done(&copy);
	return check;
}

const char *gc_exe_check_name(enum gc_exe_check check)
{
	static const char *const names[] = {
	    [GC_EXE_CHECK_UNKNOWN] = "unknown",
	    [GC_EXE_CHECK_MATCH] = "match",
	    [GC_EXE_CHECK_MISMATCH] = "mismatch",
	};

	return (size_t)check < ELEMENTSOF(names) ? names[check] : NULL;
}
