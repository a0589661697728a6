/* SPDX-License-Identifier: MIT */
#include "analyze.h"

#include <gelf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gobuildinfo.h"
#include "macro.h"
#include "sandbox.h"

static void elf_endp(Elf **elf)
{
	if (*elf)
		elf_end(*elf);
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

/* The GNU build id (NT_GNU_BUILD_ID in a PT_NOTE segment), as hex. */
static char *gnu_build_id(int fd)
{
	_cleanup_(elf_endp) Elf *elf = NULL;
	size_t n_phdrs;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &n_phdrs) < 0)
		return NULL;
	for (size_t i = 0; i < n_phdrs; i++) {
		GElf_Phdr phdr;
		Elf_Data *data;
		GElf_Nhdr nhdr;
		size_t offset = 0, name_off, desc_off;

		if (!gelf_getphdr(elf, i, &phdr) || phdr.p_type != PT_NOTE)
			continue;
		data = elf_getdata_rawchunk(elf, phdr.p_offset, phdr.p_filesz, ELF_T_NHDR);
		while (data && (offset = gelf_getnote(data, offset, &nhdr, &name_off, &desc_off))) {
			const char *name = (const char *)data->d_buf + name_off;

			if (nhdr.n_type == NT_GNU_BUILD_ID && nhdr.n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0)
				return hex_string((const uint8_t *)data->d_buf + desc_off,
						  nhdr.n_descsz);
		}
	}
	return NULL;
}

int gc_gobin_inspect(int fd, struct gc_gobin *ret)
{
	struct gc_buildinfo info = {};
	struct gc_gobin gobin = {};
	int r;

	if (gc_sandbox_check_unprivileged(__func__) < 0)
		return -EPERM;
	r = gc_buildinfo_read_elf(fd, &info);
	/* Out of memory says nothing about the file: not a "not Go". */
	if (r == -ENOMEM)
		return r;
	/* Older than Go 1.18 (another build info format) is Go all the same. */
	gobin.is_go = r >= 0 || r == -EPROTONOSUPPORT || info.go_build_id;
	gobin.go_version = TAKE_PTR(info.go_version);
	gobin.build_id = gnu_build_id(fd);
	if (!gobin.build_id)
		gobin.build_id = TAKE_PTR(info.go_build_id);
	gc_buildinfo_done(&info);
	*ret = gobin;
	return 0;
}

void gc_gobin_done(struct gc_gobin *gobin)
{
	free(gobin->go_version);
	free(gobin->build_id);
	*gobin = (struct gc_gobin){};
}
