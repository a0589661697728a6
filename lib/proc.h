/* SPDX-License-Identifier: MIT */
/* What /proc tells about the crashing process. Collected before the pipe is drained: once the
 * core has been read the kernel reaps the process and /proc/PID goes away. */
#pragma once

#include <sys/types.h>

struct gc_proc_info {
	int exe_fd;	      /* /proc/PID/exe opened read-only, -EBADF when unavailable */
	char *exe;	      /* its path, " (deleted)" removed */
	char *cmdline;	      /* arguments joined by spaces */
	char *comm;	      /* /proc/PID/comm */
	char *unit;	      /* systemd unit (system or user), NULL when none */
	char *container_unit; /* the service inside a container running its own systemd */
};

/* Best effort: every field it could read is set, the others stay empty. Never fails. */
void gc_proc_collect(pid_t pid, struct gc_proc_info *ret);

void gc_proc_info_done(struct gc_proc_info *info);
