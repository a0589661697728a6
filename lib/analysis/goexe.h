/* SPDX-License-Identifier: MIT */
/* The crashed program's executable, opened once (libelf over an fd, read with pread, never
 * mapped: the file may change under the child) and serving what the analysis reads from it:
 * ELF and program headers, sections, both build ids and the Go build info, read once.
 * Whether it is the executable that crashed: execheck.h. */
#pragma once

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gobuildinfo.h"

struct gc_exe;

/* Opens the ELF file on fd (borrowed: it must stay open until gc_exe_free()) and reads its
 * headers, build ids and build info. Returns 0, -EBADMSG when it is not ELF, -ENOMEM, or
 * -EPERM in the root part. */
int gc_exe_open(int fd, struct gc_exe **ret);
struct gc_exe *gc_exe_free(struct gc_exe *exe);
static inline void gc_exe_freep(struct gc_exe **exe)
{
	if (*exe)
		gc_exe_free(*exe);
}

/* The libelf handle (owned by exe), for libdw (dwarf_begin_elf()) and symbol tables. */
Elf *gc_exe_elf(const struct gc_exe *exe);
const GElf_Ehdr *gc_exe_header(const struct gc_exe *exe);
/* The program headers (owned by exe); *n gets their number. */
const GElf_Phdr *gc_exe_phdrs(const struct gc_exe *exe, size_t *n);

/* The GNU build id (NT_GNU_BUILD_ID) as hex, the Go build id (the "Go" note): NULL when the
 * file has none. Both come from the PT_NOTE segments, so section headers are not needed. */
const char *gc_exe_gnu_build_id(const struct gc_exe *exe);
const char *gc_exe_go_build_id(const struct gc_exe *exe);

/* The build info (owned by exe), read at open from .go.buildinfo, else the first writable,
 * non-executable PT_LOAD. Returns 0 or what gc_buildinfo_read() returned then. */
int gc_exe_buildinfo(const struct gc_exe *exe, const struct gc_buildinfo **ret);

/* Where a part of the file is loaded: size bytes at file offset `offset`, link address vaddr. */
struct gc_exe_range {
	uint64_t vaddr, size, offset;
};

/* The SHT_PROGBITS section called name. Returns 0 or -ENOENT. */
int gc_exe_section(const struct gc_exe *exe, const char *name, struct gc_exe_range *ret);

/* Reads size bytes at file offset offset (all of them). Returns 0, -EIO on a short file, or
 * the errno of pread. */
int gc_exe_read(const struct gc_exe *exe, uint64_t offset, void *buf, size_t size);

/* The same into a new buffer (free()), for sizes up to 1 GiB. Returns 0, -EBADMSG for an
 * empty or larger size, -ENOMEM, or as gc_exe_read(). */
int gc_exe_read_alloc(const struct gc_exe *exe, uint64_t offset, uint64_t size, void **ret);

/* The GNU build id (as hex) and the Go build id of an ELF note area, as new strings, into
 * those of *gnu and *go that are still NULL. Returns 0 (found or not) or -ENOMEM. */
int gc_exe_build_ids_from_notes(const uint8_t *notes, size_t size, char **gnu, char **go);
