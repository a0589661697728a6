/* SPDX-License-Identifier: MIT */
/* The root part's time bound. While the kernel waits for the pipe to be read, the crashed
 * process is held, and with core_pipe_limit=16 sixteen held handlers stop crash capture for
 * the machine: a step that can block on a file system the crashed user chose (the executable
 * on FUSE or a hung NFS mount) or on a hung store must not hold it forever. Two tools: an open
 * with a time bound, and a watchdog that reads the pipe away when the drain has not begun in
 * time, so the process goes (its core unstored: there is nowhere it could be stored then). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct gc_watchdog;

/* Starts a thread that, unless gc_watchdog_claim() comes first, reads fd to its end after
 * limit_usec (CLOCK_MONOTONIC from now), discarding it, and closes it. Returns 0, or a
 * negative errno (then there is no watchdog, and the capture goes on without). */
int gc_watchdog_start(int fd, uint64_t limit_usec, struct gc_watchdog **ret);

/* Before the drain: true when the caller drains fd itself (and the watchdog will not touch
 * it), false when the watchdog fired first (fd is its, then closed). true for NULL. */
bool gc_watchdog_claim(struct gc_watchdog *watchdog);

/* Stops the thread (waiting for a drain it began to end) and frees it; NULL is fine. */
void gc_watchdog_free(struct gc_watchdog *watchdog);

/* openat(dir, name, flags) in a thread, waited for limit_usec at most. Returns the fd, the
 * open's negative errno, or -ETIMEDOUT: then the thread is left blocked in open, and closes
 * what it opens should the open ever return. */
int gc_open_bounded(int dir, const char *name, int flags, uint64_t limit_usec);
