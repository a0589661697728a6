/* SPDX-License-Identifier: MIT */
#include "memview.h"

#include <elf.h>
#include <fcntl.h>
#include <string.h>

#include "macro.h"

#define HEADER_LIMIT (64u << 20) /* notes beyond this are not worth reading */
#define MAX_FILES    32

struct mapped_file {
	const char *path; /* borrowed from the parser's info */
	int fd;
};

struct gc_memview {
	struct gc_zreader *core;
	struct gc_core_parser *parser;
	const struct gc_core_info *info;
	int exe_fd;
	const char *exe_path; /* the NT_FILE path of the executable */
	struct mapped_file files[MAX_FILES];
	size_t n_files;
};

static uint64_t headers_end(const struct gc_core_info *info)
{
	uint64_t end = 0;

	for (size_t i = 0; i < info->n_phdrs; i++)
		if (info->phdrs[i].type == PT_NOTE)
			end = MAX(end, info->phdrs[i].offset + info->phdrs[i].filesz);
	return end;
}

int gc_core_parse_headers(struct gc_zreader *core, struct gc_core_parser *parser)
{
	const struct gc_core_info *info = gc_core_parser_info(parser);
	size_t i;

	for (i = 0; i < gc_zreader_frames(core); i++) {
		uint64_t fed = gc_core_parser_offset(parser);
		const void *data;
		size_t size;
		int r;

		if (info->error || fed >= HEADER_LIMIT)
			break;
		if (info->n_phdrs > 0 && fed >= headers_end(info))
			break;
		r = gc_zreader_frame_data(core, i, &data, &size);
		if (r < 0)
			return r;
		gc_core_parser_feed(parser, data, size);
	}
	/* The whole stored stream passed: let the parser judge a short core. */
	if (i == gc_zreader_frames(core))
		gc_core_parser_finish(parser);
	if (!info->is_elf || info->n_phdrs == 0)
		return -EBADMSG;
	return 0;
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

int gc_memview_open(struct gc_zreader *core, int exe_fd, struct gc_memview **ret)
{
	struct gc_memview *view;
	int r;

	view = calloc(1, sizeof(*view));
	if (!view)
		return -ENOMEM;
	view->core = core;
	view->exe_fd = exe_fd;
	r = gc_core_parser_new(&view->parser);
	if (r < 0) {
		free(view);
		return r;
	}
	view->info = gc_core_parser_info(view->parser);
	r = gc_core_parse_headers(view->core, view->parser);
	if (r < 0) {
		gc_memview_free(view);
		return r;
	}
	view->exe_path = find_exe_path(view->info);
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
	gc_core_parser_free(view->parser);
	free(view);
}

static const struct gc_core_phdr *find_segment(const struct gc_core_info *info, uint64_t vaddr)
{
	for (size_t i = 0; i < info->n_phdrs; i++) {
		const struct gc_core_phdr *p = &info->phdrs[i];

		if (p->type == PT_LOAD && vaddr >= p->vaddr && vaddr - p->vaddr < p->memsz)
			return p;
	}
	return NULL;
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
	const struct gc_core_phdr *p = find_segment(view->info, vaddr);
	uint64_t offset;
	ssize_t n;

	if (!p)
		return -EFAULT;
	offset = vaddr - p->vaddr;
	size = MIN(size, p->memsz - offset);
	if (offset >= p->filesz)
		return read_from_file(view, vaddr, buf, size);
	size = MIN(size, p->filesz - offset);
	n = gc_zreader_pread(view->core, buf, size, p->offset + offset);
	if (n < 0)
		return n;
	return n > 0 ? n : -EFAULT; /* the stored core ends before this segment */
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
