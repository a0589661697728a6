/* SPDX-License-Identifier: MIT */
/* The sandboxed child's system calls: a seccomp filter that lets through only what the
 * analysis of a stored core and the inspection of an executable do (found by tracing them on
 * Go 1.22 and 1.27 cores), and kills the whole child with SIGSYS on anything else. */
#pragma once

#include <stdbool.h>

/* Whether this build installs the filter: not under AddressSanitizer, whose runtime makes
 * calls of its own (sigaltstack, /proc/self/maps) the filter would kill it for, nor on an
 * architecture other than x86-64 and aarch64, whose numbers the filter does not know. */
bool gc_sandbox_filter_supported(void);

/* Installs the filter in this process (no_new_privs must be set). Returns 0, -EOPNOTSUPP
 * where gc_sandbox_filter_supported() is false, or a negative errno. */
int gc_sandbox_filter_install(void);
