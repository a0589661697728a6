/* SPDX-License-Identifier: MIT */
/* stdio streams that compress to, or decompress from, a plain zstd stream on an fd: for the
 * goroutine report, which is large (100,000 goroutines make ~100 MiB of text) and repetitive
 * (it compresses ~30 times). */
#pragma once

#include <stdio.h>

/* A write stream compressing at level onto fd (borrowed: fclose() finishes the zstd frame
 * and flushes, but does not close fd). NULL with errno set on failure. fclose() returns EOF
 * when any write failed. */
FILE *gc_zfile_write(int fd, int level);

/* A read stream over fd (borrowed): zstd data is decompressed, anything else (a file that
 * does not start with the zstd magic) is passed through as is. NULL with errno set. */
FILE *gc_zfile_read(int fd);
