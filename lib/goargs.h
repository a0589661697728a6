/* SPDX-License-Identifier: MIT */
#pragma once

#include "gotarget.h"

/* The argument list of a frame of f with its argument area at argp (the frame's fp on amd64),
 * between the parentheses, as runtime.printArgs writes it; pc selects the liveness (the
 * frame's lookup pc). *ret is a new string, empty when f records no arguments. Returns 0 or
 * -ENOMEM. */
int gc_go_format_args(struct gc_go_target *t, const struct gc_func *f, uint64_t argp, uint64_t pc,
		      char **ret);
