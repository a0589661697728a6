/* SPDX-License-Identifier: MIT */
#include "goexe.h"

#include <errno.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "sandbox.h"

#define MAX_PHDRS      256
#define MAX_NOTES_SIZE (1u << 20)
#define MAX_READ_SIZE  ((uint64_t)1 << 30) /* far above any real Go binary's tables */

struct gc_exe {
	int fd;
	uint64_t file_size; /* UINT64_MAX when not a regular file */
	Elf *elf;
	GElf_Ehdr header;
	GElf_Phdr *phdrs;
	size_t n_phdrs;
	char *gnu_build_id, *go_build_id;
	struct gc_buildinfo build;
	int build_r;
};

/* Whether a read of size bytes at offset would end past the end of the file, as pread finds
 * it (0 bytes: -EIO). Known without a call: a damaged header may claim gigabytes. */
static bool past_end(const struct gc_exe *exe, uint64_t offset, uint64_t size)
{
	return size > 0 && offset <= INT64_MAX &&
	       (offset >= exe->file_size || size > exe->file_size - offset);
}

int gc_exe_read(const struct gc_exe *exe, uint64_t offset, void *buf, size_t size)
{
	size_t done = 0;

	/* the build-info scan would go through them 64 KiB a read */
	if (past_end(exe, offset, size))
		return -EIO;
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
	/* what gc_exe_read() would say, before allocating what the header claims */
	if (past_end(exe, offset, size))
		return -EIO;
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
	struct gc_elf_note note;
	size_t off = 0;

	while (gc_elf_note_next(p, size, &off, &note))
		if (note.type == NT_GNU_BUILD_ID && note.namesz == 4 &&
		    memcmp(note.name, "GNU", 4) == 0) {
			*ret = hex_string(note.desc, note.descsz);
			return *ret ? 0 : -ENOMEM;
		}
	return -ENOENT;
}

int gc_exe_build_ids_from_notes(const uint8_t *notes, size_t size, char **gnu, char **go)
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
		if (gc_exe_build_ids_from_notes(notes, ph->p_filesz, &exe->gnu_build_id,
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
	struct stat st;
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
	/* the size bounds reads without a call; not known (UINT64_MAX), each goes to pread */
	exe->file_size =
	    fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : UINT64_MAX;
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

Elf *gc_exe_elf(const struct gc_exe *exe)
{
	return exe->elf;
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
