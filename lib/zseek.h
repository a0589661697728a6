/* SPDX-License-Identifier: MIT */
/* The zstd seekable format: independent zstd frames followed by a seek-table skippable frame
 * (facebook/zstd contrib/seekable_format). `zstd -d` restores the whole stream; the reader below
 * serves any byte range by decompressing only the frames it needs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GC_ZSEEK_FRAME_SIZE (4u << 20) /* raw bytes per frame by default */

/* The fastest level an adapting writer falls back to: 0.70 ns a byte on a Go heap where -7
 * takes 1.0, for twice the output (44% of the input against 24%), which O_DIRECT writes cost
 * little CPU. On 2 CPUs it held a crashed process 12% less than a ladder ending at -7
 * (tests/bench/handlers.sh with BASELINE=). */
#define GC_ZSEEK_FASTEST_LEVEL (-30)

struct gc_zwriter_options {
	int level;	   /* zstd level, negative allowed */
	unsigned threads;  /* compression threads (at most 64), 0 = one per online CPU, at most 8 */
	size_t frame_size; /* raw bytes per frame (at most 64 MiB), 0 = GC_ZSEEK_FRAME_SIZE */
	/* Level is a target: whenever the caller had to wait for a buffer, the next frames go
	 * down a ladder of faster levels (to GC_ZSEEK_FASTEST_LEVEL), and climb back while the
	 * workers keep ahead. gc_zwriter_frame_levels() says what each frame got, and
	 * gc_zseek_recompress() brings the fast ones up to the target later. */
	bool adapt;
	/* Added to the workers' nice value: below the caller (the reader) and whatever else
	 * must not wait for compression, such as the kernel writing a crashed process's core
	 * on a machine with few CPUs. 0 keeps the caller's. */
	int worker_nice;
	/* Write whole blocks with O_DIRECT, past the page cache, when out_fd allows it (falls
	 * back to buffered writes otherwise); the tail and the seek table are written buffered
	 * at finish. Costs DIRECT_FLUSH + one frame of memory. */
	bool direct;
};

struct gc_zwriter;

/* Starts a writer that appends to out_fd (already positioned); out_fd must outlive it.
 * Frames are compressed in parallel and written in order; the output is the same whatever
 * the thread count. Every frame carries its content size and checksum, so `zstd -d` and
 * `zstd -t` verify it. Memory is bounded: threads + 2 input buffers of frame_size, as many
 * output buffers of about the same size, one zstd context per thread (about 34 MiB for the
 * defaults at level 1 with 2 threads). Worker threads block all signals. Returns 0, -EINVAL
 * for bad options, or another negative errno. */
int gc_zwriter_new(int out_fd, const struct gc_zwriter_options *options, struct gc_zwriter **ret);

/* Queues raw bytes. Blocks while all buffers are in use. Returns 0 or a negative errno from
 * compression or write(2) (an error may surface a few frames after the data that caused
 * it); after an error every later call, finish included, returns it too. -EINVAL after
 * finish. Not to be called from several threads at once. */
int gc_zwriter_write(struct gc_zwriter *writer, const void *data, size_t size);

/* Compressed bytes written to out_fd so far (grows as frames complete). Thread-safe. */
uint64_t gc_zwriter_stored_bytes(struct gc_zwriter *writer);

/* The most bytes that data already queued can still add to out_fd (every buffer holding a
 * frame that does not compress at all). Constant for a writer. */
uint64_t gc_zwriter_pending_max(const struct gc_zwriter *writer);

/* Flushes the last frame, writes the seek table, stops the threads. Reports the raw and
 * stored totals (seek table included); either pointer may be NULL. Returns 0 or a negative
 * errno (no seek table is written after an error); call it once. */
int gc_zwriter_finish(struct gc_zwriter *writer, uint64_t *raw_size, uint64_t *stored_size);

/* After an error of write (a full disk, EIO) or finish, instead of finish: ends the stream at
 * the last frame that reached out_fd whole, so it stays valid, a prefix of the raw data cut
 * at a frame boundary. Stops the threads, truncates out_fd there and writes the seek table;
 * when even that does not fit, frames go from the end until it does. Reports the raw and
 * stored bytes kept (seek table included); either pointer may be NULL. out_fd must be
 * seekable (-ESPIPE otherwise). Returns 0, -EINVAL after a successful finish, or a negative
 * errno when not even an empty seek table could be written. */
int gc_zwriter_salvage(struct gc_zwriter *writer, uint64_t *raw_size, uint64_t *stored_size);

/* After a successful finish or salvage: the level each frame was compressed at, in order, owned by
 * the writer; *n_frames gets their count. */
const int8_t *gc_zwriter_frame_levels(const struct gc_zwriter *writer, size_t *n_frames);

/* Frees a writer, finished or not (an unfinished one leaves a stream without seek table). */
void gc_zwriter_free(struct gc_zwriter *writer);

struct gc_zreader;

/* Opens a seekable stream on fd, a regular file (the reader dups nothing: fd must outlive
 * it). Checks the footer and that the frames exactly fill the file up to the seek table;
 * entries with checksums (descriptor bit 7) are accepted, their checksums ignored (each
 * frame's own zstd checksum is verified instead). Returns 0, -EBADMSG when the file is not
 * in the seekable format, -EINVAL when fd is not a regular file, or another negative errno.
 * Not thread-safe: one reader per thread. */
int gc_zreader_open(int fd, struct gc_zreader **ret);

/* Total raw size, and the frame table; gc_zreader_frame returns 0 or -ERANGE, pointers may be
 * NULL. */
uint64_t gc_zreader_size(const struct gc_zreader *reader);
size_t gc_zreader_frames(const struct gc_zreader *reader);
int gc_zreader_frame(const struct gc_zreader *reader, size_t index, uint64_t *raw_offset,
		     uint32_t *raw_size);

/* Reads up to size raw bytes at offset; returns the count (short only at the end) or a negative
 * errno (-EBADMSG for a corrupt frame: bad data or checksum, a size other than the table's,
 * or more than 64 MiB raw). Keeps the two most recently used decompressed frames. */
ssize_t gc_zreader_pread(struct gc_zreader *reader, void *buf, size_t size, uint64_t offset);

/* Decompressed frame `index` in a buffer the reader owns, valid until the next reader call.
 * Returns 0, -ERANGE, or the errors of gc_zreader_pread. */
int gc_zreader_frame_data(struct gc_zreader *reader, size_t index, const void **data, size_t *size);

/* Where frame `index` lies in the file (compressed). Returns 0 or -ERANGE. */
int gc_zreader_frame_stored(const struct gc_zreader *reader, size_t index, uint64_t *offset,
			    uint32_t *size);

void gc_zreader_free(struct gc_zreader *reader);

/* Rewrites the seekable stream in in_fd to out_fd (positioned, empty) at options->level.
 * Frame i is copied as it is when levels[i] >= options->level, and decompressed and
 * compressed again otherwise (levels NULL: every frame is). Raw content and frame boundaries
 * stay the same. Reports the bytes written (seek table included). Returns 0, -EBADMSG for
 * a damaged stream or n_levels not matching its frames, or another negative errno. */
int gc_zseek_recompress(int in_fd, int out_fd, const struct gc_zwriter_options *options,
			const int8_t *levels, size_t n_levels, uint64_t *stored_size);

struct gc_zseek_recovery {
	size_t n_frames;      /* whole frames kept */
	uint64_t raw_size;    /* the raw bytes they hold */
	uint64_t stored_size; /* the file's size now, seek table included */
};

/* Makes a stream a writer left without seek table (it was killed before finish) seekable:
 * keeps the whole frames from the start, each found by its header and block headers (not
 * decompressed: `zstd -t` and the reader check their checksums), cuts the file after the
 * last of them and appends the seek table. fd must be open for writing. With no whole frame
 * at all the file is left as it was and ret->n_frames is 0. Returns 0 or a negative errno
 * (-EINVAL when fd is not a regular file). */
int gc_zseek_recover(int fd, struct gc_zseek_recovery *ret);
