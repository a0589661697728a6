/* SPDX-License-Identifier: MIT */
/* The executable's build info and notes, as root reads them from /proc/PID/exe: the input is
 * the whole file (through a memfd, opened as a gc_exe as gc_gobin_inspect does, its build
 * info, build ids and function table read), and again as raw memory at
 * an address taken from its first 8 bytes, so that ranges near 2^64 are tried too. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyze.h"
#include "gobuildinfo.h"
#include "goexe.h"
#include "pclntab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *data;
	uint64_t base, size;
};

static int mem_read(void *userdata, uint64_t vaddr, void *buf, size_t size)
{
	struct mem *m = userdata;

	if (vaddr < m->base || vaddr - m->base > m->size || size > m->size - (vaddr - m->base))
		return -EFAULT;
	memcpy(buf, m->data + (vaddr - m->base), size);
	return 0;
}

static void as_file(const uint8_t *data, size_t size)
{
	const struct gc_buildinfo *info;
	struct gc_pclntab_image image;
	struct gc_gobin gobin;
	struct gc_exe *exe;
	int fd = memfd_create("fuzz-buildinfo", MFD_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, data, size) == (ssize_t)size && gc_exe_open(fd, &exe) >= 0) {
		if (gc_exe_buildinfo(exe, &info) >= 0 && !info->go_version)
			abort();
		(void)gc_exe_gnu_build_id(exe);
		if (gc_pclntab_image_load(exe, NULL, &image) >= 0)
			gc_pclntab_image_done(&image);
		gc_exe_free(exe);
	}
	if (gc_gobin_inspect(fd, &gobin) >= 0)
		gc_gobin_done(&gobin);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gc_buildinfo info;
	struct mem m;
	uint64_t base = 0;

	as_file(data, size);
	if (size < 8)
		return 0;
	memcpy(&base, data, 8);
	m = (struct mem){data + 8, base & ~(uint64_t)15, size - 8};
	/* The range may claim more than there is, and may wrap: the reader must cope. */
	if (gc_buildinfo_read(mem_read, &m, m.base, m.base + m.size * 4, &info) >= 0) {
		if (!info.go_version || info.address < m.base)
			abort();
		gc_buildinfo_done(&info);
	}
	return 0;
}
