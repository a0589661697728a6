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

/* Inspects the ELF executable open on fd (not moved: reads with pread). Returns 0 (a non-Go
 * or non-ELF file is not an error: is_go stays false), -ENOMEM, or -EPERM in the root part
 * (sandbox.h: run it through gc_exe_probe() there). */
int gc_gobin_inspect(int fd, struct gc_gobin *ret);

void gc_gobin_done(struct gc_gobin *gobin);
