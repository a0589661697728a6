/* SPDX-License-Identifier: MIT */
/* What /proc tells about the crashing process. Collected before the pipe is drained: once the
 * core has been read the kernel reaps the process and /proc/PID goes away. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* Whether /proc/PID is the process whose core the kernel is writing: with core_pipe_limit 0
 * the kernel does not wait for the handler, and the PID may be another process's by now. */
enum gc_proc_check {
	GC_PROC_NOT_CHECKED, /* no PID: a replay */
	GC_PROC_DUMPING,     /* a thread has PF_DUMPCORE: this is the process */
	GC_PROC_NOT_DUMPING, /* none has: another process holds the PID; nothing of it is kept */
	GC_PROC_GONE,	     /* no /proc/PID, or it went away while being read */
};

struct gc_proc_info {
	enum gc_proc_check check;
	int64_t euid, egid; /* effective ids (set-id programs), -1 when unknown */
	int at_secure;	    /* AT_SECURE of its auxiliary vector: 0 or 1, -1 when unknown */
	/* The dump mode as /proc shows it: the kernel makes /proc/PID root's (its user
	 * namespace's root) when the process is not dumpable by its user, so 2 when the owner is
	 * not the effective uid, 1 when it is, -1 when it cannot tell (euid 0). */
	int dump_mode;
	int exe_fd;	      /* /proc/PID/exe opened read-only, -EBADF when unavailable */
	int root_fd;	      /* /proc/PID/root (O_PATH): the root it saw, for the analysis */
	int pidns_fd;	      /* /proc/PID/ns/pid: its PID namespace, for its container's journal */
	char *exe;	      /* its path, " (deleted)" removed */
	char *cmdline;	      /* arguments joined by spaces */
	char *comm;	      /* /proc/PID/comm */
	char *unit;	      /* systemd unit (system or user), NULL when none */
	char *container_unit; /* the service inside a container running its own systemd */
	char *user_unit;      /* the unit of a user's systemd, NULL when none */
	char *slice;	      /* its slice */
	char *cgroup;	      /* its cgroup path */
};

#define GC_PROC_INFO_INIT                                                                          \
	{                                                                                          \
		.exe_fd = -EBADF, .root_fd = -EBADF, .pidns_fd = -EBADF, .euid = -1, .egid = -1,   \
		.at_secure = -1, .dump_mode = -1                                                   \
	}

/* Best effort: every field it could read is set, the others stay empty (and all of them
 * unless check is GC_PROC_DUMPING). Never fails. */
void gc_proc_collect(pid_t pid, struct gc_proc_info *ret);

void gc_proc_info_done(struct gc_proc_info *info);

/* "dumping", "not dumping", "gone"; NULL for GC_PROC_NOT_CHECKED. */
const char *gc_proc_check_name(enum gc_proc_check check);

/* Field n (1-based, as proc(5) counts: 3 is the state) of a /proc/PID/stat line, read after
 * the comm's last ')' (the comm may hold anything). Returns 0, or -EBADMSG. */
int gc_proc_stat_field(const char *stat, int n, uint64_t *ret);
