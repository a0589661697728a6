/* SPDX-License-Identifier: MIT */
/* The layout reader over an executable's DWARF, as the analysis child runs it on a Go
 * release newer than the tables: the input is the whole file (through a memfd). */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "godwarf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gc_go_layout layout;
	struct gc_exe *exe = NULL;
	size_t missing = 0;
	int fd = memfd_create("fuzz-godwarf", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size && gc_exe_open(fd, &exe) >= 0 &&
	    gc_go_layout_from_dwarf(exe, 28, &layout, &missing) >= 0 &&
	    (layout.minor != 28 || missing > GC_GO_LAYOUT_N_FIELDS))
		abort();
	gc_exe_free(exe);
	close(fd);
	return 0;
}
