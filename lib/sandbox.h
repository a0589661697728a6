/* SPDX-License-Identifier: MIT */
/* Runs a function on untrusted input in a child that cannot hurt the handler: it drops root
 * for a user of its own, sets no_new_privs, gets CPU-time, memory, file-size, fd and process
 * limits and a seccomp filter (sandbox-filter.h), dies with its parent, and is killed when the
 * wall-clock limit passes. Its output comes back through a pipe, bounded in size. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GC_SANDBOX_USER "gocrashd"
/* Without that user (or when it is shared: uid or gid 0 or 65534, or "nobody"), the child
 * runs as a transient uid and gid, the first plus the handler's PID modulo the count: in
 * 1879048192-2147352575, which systemd's UID/GID ranges leave unused (below its foreign range
 * at 0x7FFE0000), so no user database, container manager or service hands it out. */
#define GC_SANDBOX_TRANSIENT_ID_MIN 0x7FF00000u /* 2146435072 */
#define GC_SANDBOX_TRANSIENT_IDS    65536u

/* How often gc_sandbox_options.tick is called: a new crash's drain waits at most this long for
 * an analysis to make way. */
#define GC_SANDBOX_TICK_MSEC 10

struct gc_sandbox_options {
	uint64_t time_limit_usec; /* wall clock, 0 = none */
	uint64_t memory_limit;	  /* RLIMIT_AS bytes, 0 = none */
	size_t output_limit;	  /* bytes of output kept, the rest is cut */
	uint64_t file_size_limit; /* RLIMIT_FSIZE bytes (the files it was given), 0 = none */
	const char *user;	  /* drop to this user (when root); NULL = GC_SANDBOX_USER, and
				     a transient uid when that user does not exist */
	int root_fd;		  /* > 0: the child's root directory (it chroots into it, as
				     root); 0 = the parent's */
	const int *keep_fds;	  /* the only fds above 2 the child keeps (its output pipe too) */
	size_t n_keep_fds;
	/* When set, called with the child's pid about every GC_SANDBOX_TICK_MSEC while the
	 * parent waits for its output: to change the child's priority as others need the
	 * CPU. */
	void (*tick)(void *userdata, int child_pid);
	void *tick_userdata;
};

/* What happened to the child (the analysis records it as an enum gc_analysis, meta.h). */
enum gc_sandbox_outcome {
	GC_SANDBOX_OK,	      /* exited 0 */
	GC_SANDBOX_FAILED,    /* exited non-zero */
	GC_SANDBOX_CRASHED,   /* died of a signal (not ours) */
	GC_SANDBOX_TIMED_OUT, /* killed at the time limit */
	GC_SANDBOX_FORBIDDEN, /* killed by the seccomp filter (SIGSYS): a forbidden call */
};

/* fn runs in the child with out_fd to write its result to; its return value is the child's
 * exit status. Every fd but 0-2, keep_fds and out_fd is closed in the child first: an open
 * directory fd would let it read what its user may not.
 * Returns 0 with the outcome and the output (NUL-terminated, malloc'ed), or a negative errno
 * when the child could not be started: -EPERM when options->user is shared with other
 * services (root, nobody), -ESRCH when it does not exist. */
int gc_sandbox_run(const struct gc_sandbox_options *options, int (*fn)(void *userdata, int out_fd),
		   void *userdata, enum gc_sandbox_outcome *ret_outcome, char **ret_output);

/* The root part's rule: nothing the crashed user controls (the executable, the core) is
 * parsed in it. gc_capture() marks its process while it runs; the entry points of the
 * parsers (gobin, gobuildinfo, pclntab, gostrtab, godwarf, elfcore) begin with
 * gc_sandbox_check_unprivileged() and refuse in a marked process. A child of
 * gc_sandbox_run() is unmarked before its function runs. */

/* Marks (true) or unmarks this process as the root part. Returns the previous mark. */
bool gc_sandbox_mark_privileged(bool privileged);

/* 0 where untrusted input may be parsed; in a marked process -EPERM, logged as the bug it is
 * (naming the parser, what) and counted. */
int gc_sandbox_check_unprivileged(const char *what);

/* How often a parser refused in this process: a capture that keeps the rule leaves it be. */
unsigned gc_sandbox_refusals(void);
