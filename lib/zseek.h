/* SPDX-License-Identifier: MIT */
/* The zstd seekable format: independent zstd frames followed by a seek-table skippable frame
 * (facebook/zstd contrib/seekable_format). `zstd -d` restores the whole stream; the reader below
 * serves any byte range by decompressing only the frames it needs. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GC_ZSEEK_FRAME_SIZE (4u << 20) /* raw bytes per frame by default */

struct gc_zwriter_options {
	int level;         /* zstd level, negative allowed */
	unsigned threads;  /* compression threads, 0 = one per online CPU */
	size_t frame_size; /* raw bytes per frame, 0 = GC_ZSEEK_FRAME_SIZE */
};

struct gc_zwriter;

/* Starts a writer that appends to out_fd (already positioned). Frames are compressed in
 * parallel and written in order; the output is the same whatever the thread count.
 * Memory is bounded: about (2 * threads + 2) * frame_size. */
int gc_zwriter_new(int out_fd, const struct gc_zwriter_options *options, struct gc_zwriter **ret);

/* Queues raw bytes. Blocks while all buffers are in use. Returns 0 or a negative errno from
 * compression or write(2); after an error every later call returns it too. */
int gc_zwriter_write(struct gc_zwriter *writer, const void *data, size_t size);

/* Compressed bytes written to out_fd so far (grows as frames complete). Thread-safe. */
uint64_t gc_zwriter_stored_bytes(struct gc_zwriter *writer);

/* Flushes the last frame, writes the seek table, stops the threads. Reports the raw and
 * stored totals (seek table included). Returns 0 or a negative errno. */
int gc_zwriter_finish(struct gc_zwriter *writer, uint64_t *raw_size, uint64_t *stored_size);

/* Frees a writer, finished or not (an unfinished one leaves a stream without seek table). */
void gc_zwriter_free(struct gc_zwriter *writer);

struct gc_zreader;

/* Opens a seekable stream on fd (the reader dups nothing: fd must outlive it). Returns 0,
 * -EBADMSG when the file is not in the seekable format, or another negative errno. */
int gc_zreader_open(int fd, struct gc_zreader **ret);

/* Total raw size, and the frame table. */
uint64_t gc_zreader_size(const struct gc_zreader *reader);
size_t gc_zreader_frames(const struct gc_zreader *reader);
int gc_zreader_frame(const struct gc_zreader *reader, size_t index, uint64_t *raw_offset,
		     uint32_t *raw_size);

/* Reads up to size raw bytes at offset; returns the count (short only at the end) or a negative
 * errno (-EBADMSG for a corrupt frame). Keeps a small cache of decompressed frames. */
ssize_t gc_zreader_pread(struct gc_zreader *reader, void *buf, size_t size, uint64_t offset);

/* Decompressed frame `index` in a buffer the reader owns, valid until the next reader call. */
int gc_zreader_frame_data(struct gc_zreader *reader, size_t index, const void **data,
			  size_t *size);

void gc_zreader_free(struct gc_zreader *reader);
