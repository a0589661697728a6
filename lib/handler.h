/* SPDX-License-Identifier: MIT */
/* gocrashd as the kernel's core handler: turning it on and off, now and across reboots, and
 * remembering which handler it replaced (to restore it, and to forward cores to it). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Our core_pattern: "|LIBEXECDIR/gocrashd --dump-mode=%d %P %e %s %t %u %g". Static. */
const char *gc_handler_pattern(void);

/* Whether a core_pattern runs gocrashd (any install location). */
bool gc_handler_is_ours(const char *pattern);

/* The running kernel's core_pattern (trailing newline removed) and core_pipe_limit. */
int gc_handler_current(char **ret_pattern, unsigned *ret_pipe_limit);

/* kernel.core_pipe_limit, or -1 when it cannot be read. */
int64_t gc_handler_pipe_limit(void);

/* The handler that was active before enable, as recorded by it; -ENOENT when none was. */
int gc_handler_previous(char **ret_pattern, unsigned *ret_pipe_limit);

/* Makes gocrashd the handler now (core_pattern, core_pipe_limit, the previous handler saved)
 * and at boot (ROOT/etc/sysctl.d/50-gocrashd.conf). With root set (an image or a test
 * tree), only the files below it are written and the running kernel is left alone.
 * Returns 0, or 1 when core_pattern is read-only (a container) and already gocrashd's (the
 * host's handler then captures this system's crashes: nothing is changed), or a negative
 * errno, logged (-EROFS when read-only and another handler's). */
int gc_handler_enable(const char *root);

/* Restores the previous handler now, and masks the shipped sysctl.d file so that it is not
 * applied at boot (the other handlers' sysctl.d files then are). Same root rule. */
int gc_handler_disable(const char *root);

/* Path of the sysctl.d file enable and disable write, below root (or /). Malloc'ed. */
char *gc_handler_sysctl_path(const char *root);

/* Writes ROOT/etc/systemd/system/UNIT.d/50-gocrashd.conf so that a Go service dumps core
 * (GOTRACEBACK=crash, LimitCORE=infinity). unit must end in ".service". -EINVAL for a bad
 * name. Does not reload systemd. Returns the path written in ret_path (may be NULL). */
int gc_unit_dropin_write(const char *root, const char *unit, char **ret_path);
