/* SPDX-License-Identifier: MIT */
#include "memview.h"

#include <elf.h>
#include <fcntl.h>
#include <string.h>

#include "macro.h"

#define MAX_FILES     32
#define MAX_EXE_LOADS 16

struct mapped_file {
	const char *path; /* borrowed from the core's info */
	int fd;
};

struct gc_memview {
	struct gc_core *core;
	const struct gc_core_info *info;
	int exe_fd;
	const char *exe_path; /* the NT_FILE path of the executable */
	struct mapped_file files[MAX_FILES];
	size_t n_files;
	/* A core without NT_FILE and without the executable's read-only segments: they are
	 * read from the executable's own PT_LOADs, at their run-time address. */
	struct gc_core_phdr exe_loads[MAX_EXE_LOADS];
	size_t n_exe_loads;
};

static ssize_t read_stored(void *userdata, void *buf, size_t size, uint64_t offset)
{
	return gc_zreader_pread(userdata, buf, size, offset);
}

int gc_core_open_stored(struct gc_zreader *core, struct gc_core **ret)
{
	return gc_core_open(read_stored, core, gc_zreader_size(core), ret);
}

static const char *find_exe_path(const struct gc_core_info *info)
{
	uint64_t entry;

	if (gc_core_auxv(info, 9 /* AT_ENTRY */, &entry) < 0)
		return NULL;
	for (size_t i = 0; i < info->n_mappings; i++)
		if (entry >= info->mappings[i].start && entry < info->mappings[i].end)
			return info->mappings[i].path;
	return NULL;
}

/* The executable's PT_LOADs and load bias (AT_ENTRY - e_entry), for cores that do not map
 * files. Nothing is kept when the executable does not read as a 64-bit ELF. */
static void load_exe_segments(struct gc_memview *view)
{
	uint64_t entry;
	Elf64_Ehdr eh;

	if (view->info->n_mappings > 0 || view->exe_fd < 0 ||
	    gc_core_auxv(view->info, 9 /* AT_ENTRY */, &entry) < 0 ||
	    pread(view->exe_fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr))
		return;
	for (size_t i = 0; i < eh.e_phnum && view->n_exe_loads < MAX_EXE_LOADS; i++) {
		Elf64_Phdr ph;

		if (pread(view->exe_fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			return;
		if (ph.p_type == PT_LOAD && ph.p_filesz > 0)
			view->exe_loads[view->n_exe_loads++] = (struct gc_core_phdr){
			    .type = PT_LOAD,
			    .offset = ph.p_offset,
			    .vaddr = ph.p_vaddr + (entry - eh.e_entry),
			    .filesz = ph.p_filesz,
			    .memsz = ph.p_filesz,
			};
	}
}

static ssize_t read_from_exe(struct gc_memview *view, uint64_t vaddr, void *buf, size_t size)
{
	for (size_t i = 0; i < view->n_exe_loads; i++) {
		const struct gc_core_phdr *p = &view->exe_loads[i];
		ssize_t n;

		if (vaddr < p->vaddr || vaddr - p->vaddr >= p->filesz)
			continue;
		size = MIN(size, p->filesz - (vaddr - p->vaddr));
		n = pread(view->exe_fd, buf, size, (off_t)(p->offset + (vaddr - p->vaddr)));
		return n > 0 ? n : -EFAULT;
	}
	return -EFAULT;
}

int gc_memview_open(struct gc_zreader *core, int exe_fd, struct gc_memview **ret)
{
	struct gc_memview *view;
	int r;

	view = calloc(1, sizeof(*view));
	if (!view)
		return -ENOMEM;
	view->exe_fd = exe_fd;
	r = gc_core_open_stored(core, &view->core);
	if (r < 0) {
		free(view);
		return r;
	}
	view->info = gc_core_info(view->core);
	if (!view->info->is_elf || view->info->n_phdrs == 0) {
		gc_memview_free(view);
		return -EBADMSG;
	}
	view->exe_path = find_exe_path(view->info);
	load_exe_segments(view);
	*ret = view;
	return 0;
}

const struct gc_core_info *gc_memview_info(const struct gc_memview *view)
{
	return view->info;
}

void gc_memview_free(struct gc_memview *view)
{
	if (!view)
		return;
	for (size_t i = 0; i < view->n_files; i++)
		if (view->files[i].fd >= 0)
			close(view->files[i].fd);
	gc_core_free(view->core);
	free(view);
}

static const struct gc_core_mapping *find_mapping(const struct gc_core_info *info, uint64_t vaddr)
{
	for (size_t i = 0; i < info->n_mappings; i++)
		if (vaddr >= info->mappings[i].start && vaddr < info->mappings[i].end)
			return &info->mappings[i];
	return NULL;
}

static int file_fd(struct gc_memview *view, const char *path)
{
	if (view->exe_path && view->exe_fd >= 0 && strcmp(path, view->exe_path) == 0)
		return view->exe_fd;
	for (size_t i = 0; i < view->n_files; i++)
		if (strcmp(view->files[i].path, path) == 0)
			return view->files[i].fd;
	if (view->n_files == MAX_FILES)
		return -EMFILE;
	view->files[view->n_files] = (struct mapped_file){
	    .path = path,
	    .fd = open(path, O_RDONLY | O_CLOEXEC),
	};
	return view->files[view->n_files++].fd;
}

/* Reads from the file behind a mapping; returns the bytes read (> 0) or a negative errno. */
static ssize_t read_from_file(struct gc_memview *view, uint64_t vaddr, void *buf, size_t size)
{
	const struct gc_core_mapping *m = find_mapping(view->info, vaddr);
	ssize_t n;
	int fd;

	if (!m)
		return -EFAULT;
	fd = file_fd(view, m->path);
	if (fd < 0)
		return -EFAULT;
	size = MIN(size, m->end - vaddr);
	n = pread(fd, buf, size, m->offset + (vaddr - m->start));
	return n > 0 ? n : -EFAULT;
}

static ssize_t read_some(struct gc_memview *view, uint64_t vaddr, void *buf, size_t size)
{
	struct gc_core_place place;

	gc_core_locate(view->core, vaddr, &place);
	size = (size_t)MIN((uint64_t)size, place.size);
	if (!place.mapped && view->n_exe_loads > 0)
		return read_from_exe(view, vaddr, buf, size);
	/* Not dumped, or not in the core at all: gdb leaves out what the files hold, and lists
	 * them in NT_FILE. */
	if (!place.dumped)
		return read_from_file(view, vaddr, buf, size);
	if (size == 0)
		return -EFAULT; /* the stored core ends before this segment */
	return gc_core_pread(view->core, buf, size, place.offset);
}

int gc_memview_read(struct gc_memview *view, uint64_t vaddr, void *buf, size_t size)
{
	uint8_t *out = buf;

	while (size > 0) {
		ssize_t n = read_some(view, vaddr, out, size);

		if (n < 0)
			return (int)n;
		out += n;
		vaddr += n;
		size -= n;
	}
	return 0;
}
