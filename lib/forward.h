/* SPDX-License-Identifier: MIT */
/* NonGo=forward: handing a core, unread, to the pipe handler gocrashd replaced, with the
 * arguments that handler's core_pattern asks the kernel for. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "util.h" /* gc_strv_free */

/* What the kernel's core_pattern %-specifiers stand for. */
struct gc_forward_values {
	pid_t pid, global_pid; /* %p %P */
	pid_t tid, global_tid; /* %i %I */
	int64_t uid, gid;      /* %u %g */
	int dump_mode;	       /* %d */
	int signal;	       /* %s */
	uint64_t time_sec;     /* %t */
	const char *hostname;  /* %h */
	const char *comm;      /* %e */
	const char *exe_path;  /* %E (slashes become '!') and %f (its last component) */
	uint64_t core_limit;   /* %c */
	int cpu;	       /* %C */
	int pidfd;	       /* %F, negative when none */
};

/* Fills values from /proc/PID (best effort; global_pid, uid, gid, dump_mode, signal, time
 * and comm are the caller's). Opens a pidfd for %F: the caller closes values->pidfd. */
void gc_forward_collect(pid_t pid, struct gc_forward_values *values);

/* Splits a pipe pattern ("|/path args...") into argv, expanding specifiers inside each word
 * as the kernel does (a space in an expanded value does not split). Returns 0 and a
 * NULL-terminated, malloc'ed argv (free with gc_strv_free), or -EINVAL for a pattern that is
 * not a pipe. */
int gc_forward_argv(const char *pattern, const struct gc_forward_values *values, char ***ret);

/* Replaces this process with the handler (stdin, the core, passes on untouched). Returns
 * only on failure, with a negative errno. */
int gc_forward_exec(const char *pattern, const struct gc_forward_values *values);
