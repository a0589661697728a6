/* SPDX-License-Identifier: MIT */
/* One crash, from the kernel's pipe to a committed store entry and a journal line. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "store.h"

struct gc_capture_request {
	pid_t pid;	      /* %P; 0 when unknown */
	const char *comm;     /* %e from argv, may be NULL or split by spaces */
	int signal;	      /* %s; 0 when unknown */
	uint64_t time_usec;   /* %t in microseconds; 0 = now */
	int64_t uid, gid;     /* %u %g; -1 when unknown */
	int dump_mode;	      /* --dump-mode=%d: 1 or 2; -1 when the pattern has none */
	const char *exe_path; /* analyse this file instead of /proc/PID/exe (replays) */
	int input_fd;	      /* the core stream; closed by gc_capture as soon as it ends */
	const struct gc_config *config;
	bool journal; /* send the crash entry to journald */
};

/* Captures one core. Never loses it for a reason it can work around: a broken store
 * directory falls back to the built-in one, a failed write keeps the metadata, a core that
 * is not ELF is stored as received and flagged. Returns 0 with the committed entry's
 * metadata in ret (may be NULL), or a negative errno when nothing could be stored at all. */
int gc_capture(const struct gc_capture_request *request, struct gc_meta *ret);
