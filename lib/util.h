/* SPDX-License-Identifier: MIT */
/* Small helpers more than one module needs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

/* write(2) until all of data is written, retrying on EINTR. Returns 0 or a negative errno. */
int gc_write_all(int fd, const void *data, size_t size);

/* Copies what in gives, to its end, to out_fd. Returns 0 with the bytes copied, -EBADMSG
 * when in failed (a damaged zstd stream of gc_zfile_read), or write's negative errno. */
int gc_copy_stream(FILE *in, int out_fd, uint64_t *ret_size);

/* Frees a NULL-terminated array of malloc'ed strings and the array; NULL is a no-op. */
void gc_strv_free(char **strv);

/* Whether s ends with suffix. */
bool gc_ends_with(const char *s, const char *suffix);

/* Opens name in dir_fd for reading: never through a symlink, never blocking on a FIFO or a
 * device put there; only a regular file (-EINVAL otherwise). Returns the fd or a negative
 * errno. */
int gc_open_regular_at(int dir_fd, const char *name);

/* Human size: "512B", "1.5M", "32.0G" (1024-based). */
void gc_format_bytes(uint64_t bytes, char *buf, size_t size);

/* mkdir -p: creates path and its missing parents with mode. Returns 0 or a negative errno. */
int gc_mkdir_p(const char *path, mode_t mode);

/* This machine's host name, malloc'ed, or NULL. */
char *gc_hostname(void);

/* The clock in microseconds. */
uint64_t gc_clock_usec(clockid_t clock);

/* Makes room for element n of an array whose capacity follows from its length alone: 16
 * elements, doubled each time the length reaches a power of two from 16 on. Call it before
 * storing element n (the current length). Returns the array, moved or not, or NULL (the old
 * array is then still valid). */
void *gc_grow(void *array, size_t n, size_t size);
