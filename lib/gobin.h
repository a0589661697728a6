/* SPDX-License-Identifier: MIT */
/* What the executable says about itself: is it Go, which version, which build id. This is
 * the minimum the capture needs for its policy and metadata; the Go analysis goes deeper. */
#pragma once

#include <stdbool.h>

struct gc_gobin {
	bool is_go;
	char *go_version; /* "go1.22.12", from .go.buildinfo */
	char *build_id;	  /* GNU build id as hex, else the Go build id, else NULL */
};

/* Inspects the ELF executable open on fd (not moved: reads with pread). Best effort, so it
 * returns 0 every time: a file that is not ELF, not Go or cannot be read leaves is_go false,
 * and a field that cannot be read or allocated stays NULL. Free with gc_gobin_done(). */
int gc_gobin_inspect(int fd, struct gc_gobin *ret);

void gc_gobin_done(struct gc_gobin *gobin);
