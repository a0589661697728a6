/* SPDX-License-Identifier: MIT */
/* The crashed process's memory, by virtual address, read back from a stored core: dumped
 * segments come from the core reader (elfcore.h) over the seekable reader, whose frame cache
 * serves it; file-backed ones the kernel left out (p_filesz 0: .text, .rodata, .gopclntab)
 * from the mapped file. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "elfcore.h"
#include "zseek.h"

struct gc_memview;

/* Reads the core's headers and notes through core (borrowed, must outlive the view).
 * exe_fd (borrowed, may be negative) serves the executable's mappings, which are the NT_FILE
 * mappings of the file that holds AT_ENTRY; other mapped files are opened by path on demand.
 * Returns 0, -EBADMSG when the core is not a readable ELF core, or another negative errno. */
int gc_memview_open(struct gc_zreader *core, int exe_fd, struct gc_memview **ret);

/* The parsed headers and notes (owned by the view). */
const struct gc_core_info *gc_memview_info(const struct gc_memview *view);

/* Reads size bytes at vaddr. Returns 0, or -EFAULT when some byte is not in any segment or
 * not available (filtered out of the core and not file-backed), -EBADMSG for corrupt data. */
int gc_memview_read(struct gc_memview *view, uint64_t vaddr, void *buf, size_t size);

void gc_memview_free(struct gc_memview *view);

/* Opens the core reader (elfcore.h) over a stored core (borrowed, must outlive it): what
 * gc_memview_open() reads, for a caller that wants the headers of a core it refused. Returns
 * the errors of gc_core_open(). */
int gc_core_open_stored(struct gc_zreader *core, struct gc_core **ret);
