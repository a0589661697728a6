/* SPDX-License-Identifier: MIT */
/* What the root part learns about the crashed executable before it drains the pipe (is it
 * Go, for NonGo=; its build id and Go version, for the metadata), without parsing it: the
 * executable belongs to the crashed user, so gc_gobin_inspect() runs in a sandboxed child
 * (sandbox.h) and only its short, checked answer comes back. */
#pragma once

#include <stdint.h>

#include "analyze.h"

#define GC_EXE_PROBE_BUILD_ID_MAX   256 /* hex GNU build id or Go build id, in bytes */
#define GC_EXE_PROBE_GO_VERSION_MAX 128 /* "go1.22.12", "devel go1.24-... +0000 X:..." */

struct gc_exe_probe_limits {
	uint64_t time_limit_usec; /* wall clock, 0 = none: the crashed process waits for it */
	uint64_t memory_limit;	  /* RLIMIT_AS bytes, 0 = none */
};

/* Inspects the executable open on fd (which the child reads; it is not moved) in a child
 * under the limits. Returns 0 with ret filled (owned by the caller, gc_gobin_done()), or
 * -ETIMEDOUT when the child was cut off, -ECHILD when it failed or crashed, -EBADMSG when its
 * answer is malformed, or another negative errno when it could not be started; ret is left
 * alone on failure. */
int gc_exe_probe(int fd, const struct gc_exe_probe_limits *limits, struct gc_gobin *ret);

/* The root side's check of the child's answer (exported for the tests): 0 with ret filled, or
 * -EBADMSG for anything but the exact format, -ENOMEM. */
int gc_exe_probe_parse_answer(const char *text, struct gc_gobin *ret);
