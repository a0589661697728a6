/* SPDX-License-Identifier: MIT */
#include "goexe.h"

#include <errno.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "sandbox.h"

#define MAX_PHDRS      256
#define MAX_NOTES_SIZE (1u << 20)
#define MAX_READ_SIZE  ((uint64_t)1 << 30) /* far above any real Go binary's tables */
#define PAGE	       4096u
#define COMM_LEN       15 /* TASK_COMM_LEN without its NUL */

struct gc_exe {
	int fd;
	Elf *elf;
	GElf_Ehdr header;
	GElf_Phdr *phdrs;
	size_t n_phdrs;
	char *gnu_build_id, *go_build_id;
	struct gc_buildinfo build;
	int build_r;
};

int gc_exe_read(const struct gc_exe *exe, uint64_t offset, void *buf, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n =
		    pread(exe->fd, (uint8_t *)buf + done, size - done, (off_t)(offset + done));

		if (n < 0)
			return negative_errno();
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

int gc_exe_read_alloc(const struct gc_exe *exe, uint64_t offset, uint64_t size, void **ret)
{
	_cleanup_free_ void *buf = NULL;
	int r;

	if (size == 0 || size > MAX_READ_SIZE)
		return -EBADMSG;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	r = gc_exe_read(exe, offset, buf, size);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(buf);
	return 0;
}

static char *hex_string(const uint8_t *data, size_t size)
{
	char *hex = malloc(size * 2 + 1);

	if (!hex)
		return NULL;
	for (size_t i = 0; i < size; i++)
		sprintf(hex + 2 * i, "%02x", data[i]);
	hex[size * 2] = '\0';
	return hex;
}

/* The GNU build id in a note area, as hex. Returns 0, -ENOENT or -ENOMEM. */
static int gnu_build_id_from_notes(const uint8_t *p, size_t size, char **ret)
{
	size_t off = 0;

	while (off <= size && size - off >= 12) {
		uint32_t namesz, descsz, type;
		size_t name_off = off + 12, desc_off;

		memcpy(&namesz, p + off, 4);
		memcpy(&descsz, p + off + 4, 4);
		memcpy(&type, p + off + 8, 4);
		if (namesz > size - name_off)
			break;
		desc_off = name_off + ((namesz + 3) & ~(size_t)3);
		if (desc_off > size || descsz > size - desc_off)
			break;
		if (type == NT_GNU_BUILD_ID && namesz == 4 && memcmp(p + name_off, "GNU", 4) == 0) {
			*ret = hex_string(p + desc_off, descsz);
			return *ret ? 0 : -ENOMEM;
		}
		off = desc_off + ((descsz + 3) & ~(size_t)3);
	}
	return -ENOENT;
}

/* Both build ids from one note area; ids already found are kept. Returns 0 or -ENOMEM. */
static int build_ids_from_notes(const uint8_t *notes, size_t size, char **gnu, char **go)
{
	int r = 0;

	if (!*gnu)
		r = gnu_build_id_from_notes(notes, size, gnu);
	if (r == -ENOMEM)
		return r;
	if (!*go)
		r = gc_go_build_id_from_notes(notes, size, go);
	return r == -ENOMEM ? r : 0;
}

static int read_build_ids(struct gc_exe *exe)
{
	for (size_t i = 0; i < exe->n_phdrs; i++) {
		const GElf_Phdr *ph = &exe->phdrs[i];
		_cleanup_free_ uint8_t *notes = NULL;

		if (ph->p_type != PT_NOTE || ph->p_filesz > MAX_NOTES_SIZE)
			continue;
		if (gc_exe_read_alloc(exe, ph->p_offset, ph->p_filesz, (void **)&notes) < 0)
			continue;
		if (build_ids_from_notes(notes, ph->p_filesz, &exe->gnu_build_id,
					 &exe->go_build_id) < 0)
			return -ENOMEM;
	}
	return 0;
}

int gc_exe_section(const struct gc_exe *exe, const char *name, struct gc_exe_range *ret)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(exe->elf, &shstrndx) < 0)
		return -ENOENT;
	while ((scn = elf_nextscn(exe->elf, scn))) {
		const char *scn_name;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		scn_name = elf_strptr(exe->elf, shstrndx, sh.sh_name);
		if (scn_name && strcmp(scn_name, name) == 0) {
			*ret = (struct gc_exe_range){sh.sh_addr, sh.sh_size, sh.sh_offset};
			return 0;
		}
	}
	return -ENOENT;
}

/* File reader for one range, for gc_buildinfo_read(). */
struct file_range {
	const struct gc_exe *exe;
	struct gc_exe_range range;
};

static int read_file_range(void *userdata, uint64_t vaddr, void *buf, size_t size)
{
	const struct file_range *fr = userdata;
	const struct gc_exe_range *r = &fr->range;

	if (vaddr < r->vaddr || vaddr - r->vaddr > r->size || size > r->size - (vaddr - r->vaddr))
		return -EFAULT;
	return gc_exe_read(fr->exe, r->offset + (vaddr - r->vaddr), buf, size);
}

/* .go.buildinfo, else the first writable non-executable PT_LOAD (where the linker puts it). */
static int buildinfo_range(const struct gc_exe *exe, struct gc_exe_range *ret)
{
	if (gc_exe_section(exe, ".go.buildinfo", ret) == 0)
		return 0;
	for (size_t i = 0; i < exe->n_phdrs; i++) {
		const GElf_Phdr *ph = &exe->phdrs[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W) && !(ph->p_flags & PF_X)) {
			*ret = (struct gc_exe_range){ph->p_vaddr, ph->p_filesz, ph->p_offset};
			return 0;
		}
	}
	return -ENOENT;
}

static int read_buildinfo(const struct gc_exe *exe, struct gc_buildinfo *ret)
{
	struct file_range fr = {.exe = exe};
	int r = buildinfo_range(exe, &fr.range);

	if (r < 0)
		return r;
	return gc_buildinfo_read(read_file_range, &fr, fr.range.vaddr,
				 fr.range.vaddr + fr.range.size, ret);
}

static int read_headers(struct gc_exe *exe)
{
	size_t n;

	if (elf_kind(exe->elf) != ELF_K_ELF || !gelf_getehdr(exe->elf, &exe->header) ||
	    elf_getphdrnum(exe->elf, &n) < 0)
		return -EBADMSG;
	n = MIN(n, (size_t)MAX_PHDRS);
	exe->phdrs = calloc(n ? n : 1, sizeof(*exe->phdrs));
	if (!exe->phdrs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (gelf_getphdr(exe->elf, (int)i, &exe->phdrs[exe->n_phdrs]))
			exe->n_phdrs++;
	return 0;
}

int gc_exe_open(int fd, struct gc_exe **ret)
{
	_cleanup_(gc_exe_freep) struct gc_exe *exe = NULL;
	int r;

	if (gc_sandbox_check_unprivileged(__func__) < 0)
		return -EPERM;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EIO;
	exe = calloc(1, sizeof(*exe));
	if (!exe)
		return -ENOMEM;
	exe->fd = fd;
	exe->build = (struct gc_buildinfo){.cgo_enabled = -1};
	exe->elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!exe->elf)
		return -EBADMSG;
	r = read_headers(exe);
	if (r >= 0)
		r = read_build_ids(exe);
	if (r < 0)
		return r;
	exe->build_r = read_buildinfo(exe, &exe->build);
	/* Out of memory says nothing about the file. */
	if (exe->build_r == -ENOMEM)
		return -ENOMEM;
	*ret = TAKE_PTR(exe);
	return 0;
}

struct gc_exe *gc_exe_free(struct gc_exe *exe)
{
	if (!exe)
		return NULL;
	if (exe->elf)
		elf_end(exe->elf);
	free(exe->phdrs);
	free(exe->gnu_build_id);
	free(exe->go_build_id);
	gc_buildinfo_done(&exe->build);
	free(exe);
	return NULL;
}

int gc_exe_fd(const struct gc_exe *exe)
{
	return exe->fd;
}

const GElf_Ehdr *gc_exe_header(const struct gc_exe *exe)
{
	return &exe->header;
}

const GElf_Phdr *gc_exe_phdrs(const struct gc_exe *exe, size_t *n)
{
	*n = exe->n_phdrs;
	return exe->phdrs;
}

const char *gc_exe_gnu_build_id(const struct gc_exe *exe)
{
	return exe->gnu_build_id;
}

const char *gc_exe_go_build_id(const struct gc_exe *exe)
{
	return exe->go_build_id;
}

int gc_exe_buildinfo(const struct gc_exe *exe, const struct gc_buildinfo **ret)
{
	if (exe->build_r < 0)
		return exe->build_r;
	*ret = &exe->build;
	return 0;
}

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
		if (c->notes_ok && build_ids_from_notes(notes, ph[i].p_filesz, &c->gnu_build_id,
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

	if (c->notes_ok && (c->gnu_build_id || exe->gnu_build_id))
		return compare_ids("GNU", c->gnu_build_id, exe->gnu_build_id, why, size);
	if (c->notes_ok && (c->go_build_id || exe->go_build_id))
		return compare_ids("Go", c->go_build_id, exe->go_build_id, why, size);
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
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;

	if (!info->have_prpsinfo) {
		snprintf(why, size,
			 "the core has neither a copy of the executable's headers "
			 "nor NT_PRPSINFO");
		return GC_EXE_CHECK_UNKNOWN;
	}
	if (strncmp(info->fname, base, COMM_LEN) != 0) {
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
