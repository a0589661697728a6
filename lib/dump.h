/* SPDX-License-Identifier: MIT */
/* Restores a stored core to a file descriptor. */
#pragma once

#include <stdint.h>

#include "zseek.h"

/* Writes the whole raw core of reader to out_fd. When out_fd is a regular file, runs of zero
 * blocks become holes (the result is sparse) and the file is sized exactly. Reports the bytes
 * restored. Returns 0 or a negative errno (-EBADMSG for a corrupt frame). */
int gc_dump(struct gc_zreader *reader, int out_fd, uint64_t *ret_size);
