/* SPDX-License-Identifier: MIT */
#pragma once

#include "gotarget.h"

/* The argument list of a frame of f with its argument area at argp (the frame's fp on amd64),
 * between the parentheses, as runtime.printArgs writes it; pc selects the liveness (the
 * frame's lookup pc). *ret is a new string, empty when f records no arguments. Returns 0 or
 * -ENOMEM. */
int gc_go_format_args(struct gc_go_target *t, const struct gc_func *f, uint64_t argp, uint64_t pc,
		      char **ret);

/* Room for any float gc_go_format_float writes, with its NUL. */
#define GC_GO_FLOAT_MAX 32

/* A float as the runtime's print() writes it: up to 1.25 "+1.500000e+000" (printfloat, also
 * for float32 values, widened), from 1.26 (shortest) strconv's shortest form for a float64, or
 * for a float32 when single ("1.5", "0.1", "1e+21"). */
void gc_go_format_float(char out[GC_GO_FLOAT_MAX], double v, bool single, bool shortest);
