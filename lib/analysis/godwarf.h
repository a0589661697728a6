/* SPDX-License-Identifier: MIT */
/* The runtime's structure layouts from an executable's own DWARF: how a Go release newer
 * than lib/golayout.c's tables is read exactly. The DWARF is the crashed program's, so this
 * runs in the analysis child only, and every lookup is bounded by the file. */
#pragma once

#include <stddef.h>

#include "goexe.h"
#include "golayout.h"

/* Fills *ret for release `minor` with every field of gc_go_layout_fields that the DWARF of
 * the executable has; the others are GC_NO_FIELD, and *n_missing gets their count.
 * Returns 0, -ENODATA when there is no DWARF or no runtime.g in it (a stripped binary), or
 * -ENOMEM. */
int gc_go_layout_from_dwarf(const struct gc_exe *exe, unsigned minor, struct gc_go_layout *ret,
			    size_t *n_missing);
