/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "zseek.h"

#define ZSTD_CLI    "/usr/bin/zstd"
#define SMALL_FRAME 4096u

struct fixture {
	char dir[64];
	char path[128]; /* the stream under test */
	char out[128];	/* where `zstd -d` puts its output */
	char in[128];	/* the input of a recompression */
	int fd;
};

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
	/* xorshift64*: reproducible without depending on libc's rand(). */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint8_t *random_data(size_t size)
{
	uint8_t *p = malloc(size ? size : 1);

	assert_non_null(p);
	for (size_t i = 0; i < size; i++)
		p[i] = rng();
	return p;
}

/* Text-like data that compresses about 3:1 like a core's mixed contents, without repeats
 * beyond a frame's window. */
static uint8_t *wordy_data(size_t size)
{
	static const char *words[] = {
	    "runtime",	"goroutine", "0x7f3a", "panic", "mutex",  "\x00\x00\x00\x00",
	    "stack",	"heap",	     "gcWork", "chan",	"select", "mcache",
	    "\xff\xfe", "defer",     "itab",   "span"};
	uint8_t *p = malloc(size ? size : 1);
	size_t at = 0;

	assert_non_null(p);
	while (at < size) {
		uint64_t r = rng();
		const char *w = words[r % ELEMENTSOF(words)];
		size_t len = MAX(strlen(w), (size_t)2);

		if ((r >> 8) % 4 == 0) { /* some random bytes between words */
			for (size_t i = 0; i < 4 && at < size; i++)
				p[at++] = rng();
			continue;
		}
		for (size_t i = 0; i < len && at < size; i++)
			p[at++] = w[i];
	}
	return p;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test-zseek-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/stream.zst", f->dir);
	snprintf(f->out, sizeof(f->out), "%s/stream.raw", f->dir);
	snprintf(f->in, sizeof(f->in), "%s/input.zst", f->dir);
	f->fd = -EBADF;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->fd >= 0)
		close(f->fd);
	unlink(f->path);
	unlink(f->out);
	unlink(f->in);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* (Re)creates f->path holding data written in random-sized pieces; returns the stored size.
 * When ret_levels is not NULL it gets a copy of the writer's frame levels, and ret_n their
 * count. */
static uint64_t write_stream_levels(struct fixture *f, const uint8_t *data, size_t size,
				    const struct gc_zwriter_options *options, int8_t **ret_levels,
				    size_t *ret_n)
{
	struct gc_zwriter *w;
	uint64_t raw = 0, stored = 0;
	struct stat st;
	size_t done = 0;

	if (f->fd >= 0)
		close(f->fd);
	f->fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(f->fd >= 0);
	assert_int_equal(gc_zwriter_new(f->fd, options, &w), 0);
	while (done < size) {
		size_t piece = rng() % (3 * SMALL_FRAME) + 1; /* MIN evaluates twice */
		size_t n = MIN(size - done, piece);

		assert_int_equal(gc_zwriter_write(w, data + done, n), 0);
		done += n;
	}
	assert_int_equal(gc_zwriter_finish(w, &raw, &stored), 0);
	assert_int_equal(gc_zwriter_stored_bytes(w), stored);
	if (ret_levels) {
		size_t n;
		const int8_t *levels = gc_zwriter_frame_levels(w, &n);

		*ret_levels = malloc(n ? n : 1);
		assert_non_null(*ret_levels);
		if (n > 0)
			memcpy(*ret_levels, levels, n);
		*ret_n = n;
	}
	/* A finished writer accepts nothing more. */
	assert_int_equal(gc_zwriter_write(w, "x", 1), -EINVAL);
	gc_zwriter_free(w);
	assert_int_equal(raw, size);
	assert_int_equal(fstat(f->fd, &st), 0);
	assert_int_equal(st.st_size, stored);
	return stored;
}

static uint64_t write_stream(struct fixture *f, const uint8_t *data, size_t size,
			     const struct gc_zwriter_options *options)
{
	return write_stream_levels(f, data, size, options, NULL, NULL);
}

static uint8_t *read_file(const char *path, size_t *ret_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *p;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	p = malloc(st.st_size ? st.st_size : 1);
	assert_non_null(p);
	assert_int_equal(pread(fd, p, st.st_size, 0), st.st_size);
	*ret_size = st.st_size;
	return p;
}

static void check_zstd_cli(struct fixture *f, const uint8_t *data, size_t size)
{
	char cmd[512];
	_cleanup_free_ uint8_t *restored = NULL;
	size_t restored_size;

	if (access(ZSTD_CLI, X_OK) < 0)
		fail_msg(ZSTD_CLI " is missing: the format check needs the reference decoder");
	snprintf(cmd, sizeof(cmd), ZSTD_CLI " -q -t %s", f->path);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), ZSTD_CLI " -q -d -f %s -o %s", f->path, f->out);
	assert_int_equal(system(cmd), 0);
	restored = read_file(f->out, &restored_size);
	assert_int_equal(restored_size, size);
	assert_memory_equal(restored, data, size);
}

static void check_reader(struct fixture *f, const uint8_t *data, size_t size, size_t frame_size)
{
	struct gc_zreader *r;
	_cleanup_free_ uint8_t *buf = malloc(size + 16);
	size_t frames = (size + frame_size - 1) / frame_size;

	assert_non_null(buf);
	assert_int_equal(gc_zreader_open(f->fd, &r), 0);
	assert_int_equal(gc_zreader_size(r), size);
	assert_int_equal(gc_zreader_frames(r), frames);
	for (size_t i = 0; i < frames; i++) {
		uint64_t offset;
		uint32_t raw_size;
		const void *p;
		size_t n;

		assert_int_equal(gc_zreader_frame(r, i, &offset, &raw_size), 0);
		assert_int_equal(offset, i * frame_size);
		assert_int_equal(raw_size, MIN(frame_size, size - i * frame_size));
		assert_int_equal(gc_zreader_frame_data(r, i, &p, &n), 0);
		assert_int_equal(n, raw_size);
		assert_memory_equal(p, data + offset, n);
	}
	assert_int_equal(gc_zreader_frame(r, frames, NULL, NULL), -ERANGE);
	/* Asking for more than there is returns what there is. */
	assert_int_equal(gc_zreader_pread(r, buf, size + 16, 0), size);
	assert_memory_equal(buf, data, size);
	assert_int_equal(gc_zreader_pread(r, buf, 16, size), 0);
	gc_zreader_free(r);
}

static void round_trip(struct fixture *f, size_t size, bool zeros, size_t frame_size,
		       unsigned threads)
{
	struct gc_zwriter_options options = {
	    .level = 1, .threads = threads, .frame_size = frame_size};
	_cleanup_free_ uint8_t *data = zeros ? calloc(1, size + 1) : random_data(size);

	assert_non_null(data);
	write_stream(f, data, size, &options);
	check_reader(f, data, size, frame_size ? frame_size : GC_ZSEEK_FRAME_SIZE);
	check_zstd_cli(f, data, size);
}

static void test_round_trip_sizes(void **state)
{
	const size_t sizes[] = {0,
				1,
				SMALL_FRAME - 1,
				SMALL_FRAME,
				SMALL_FRAME + 1,
				2 * SMALL_FRAME,
				37 * SMALL_FRAME + 123,
				300 * SMALL_FRAME};

	for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
		round_trip(*state, sizes[i], false, SMALL_FRAME, 2);
		round_trip(*state, sizes[i], true, SMALL_FRAME, 3);
	}
}

/* The default frame size, several frames, threads = 0 (one per CPU). */
static void test_round_trip_default_frames(void **state)
{
	round_trip(*state, 2 * GC_ZSEEK_FRAME_SIZE + 12345, false, 0, 0);
}

static void test_random_reads(void **state)
{
	struct fixture *f = *state;
	struct gc_zwriter_options options = {.level = 3, .threads = 2, .frame_size = SMALL_FRAME};
	const size_t size = 97 * SMALL_FRAME + 1000;
	_cleanup_free_ uint8_t *data = wordy_data(size);
	_cleanup_free_ uint8_t *buf = malloc(5 * SMALL_FRAME);
	struct gc_zreader *r;

	assert_non_null(buf);
	write_stream(f, data, size, &options);
	assert_int_equal(gc_zreader_open(f->fd, &r), 0);
	for (int i = 0; i < 3000; i++) {
		uint64_t offset = rng() % (size + 100);
		size_t len = rng() % (i % 10 == 0 ? 5 * SMALL_FRAME : 300);
		size_t expected = offset >= size ? 0 : MIN(len, size - offset);
		ssize_t n = gc_zreader_pread(r, buf, len, offset);

		assert_int_equal(n, expected);
		if (expected)
			assert_memory_equal(buf, data + offset, expected);
	}
	gc_zreader_free(r);
}

static void test_same_output_any_threads(void **state)
{
	struct fixture *f = *state;
	const unsigned threads[] = {1, 2, 4};
	const size_t size = 200 * SMALL_FRAME + 77;
	_cleanup_free_ uint8_t *data = wordy_data(size);
	_cleanup_free_ uint8_t *first = NULL;
	size_t first_size = 0;

	for (size_t i = 0; i < ELEMENTSOF(threads); i++) {
		struct gc_zwriter_options options = {
		    .level = 1, .threads = threads[i], .frame_size = SMALL_FRAME};
		_cleanup_free_ uint8_t *stream = NULL;
		size_t stream_size;

		write_stream(f, data, size, &options);
		stream = read_file(f->path, &stream_size);
		if (!first) {
			first = TAKE_PTR(stream);
			first_size = stream_size;
			continue;
		}
		assert_int_equal(stream_size, first_size);
		assert_memory_equal(stream, first, first_size);
	}
}

/* tests/e2e/bigheap.c's heap: short words from a small set, the case where zstd's own
 * negative levels found shorter matches than level 1 and stored more for no speed. */
static uint8_t *bigheap_data(size_t size)
{
	static const char *words[] = {"request", "handler", "goroutine", "timeout",
				      "user",	 "session", "cache",	 "error",
				      "status",	 "200",	    "404",	 "ok"};
	uint8_t *p = calloc(1, size + 16);
	uint64_t x = 88172645463325252ull;
	size_t used = 0;

	assert_non_null(p);
	while (used + 16 < size) {
		const char *w = words[(x >> 33) % ELEMENTSOF(words)];
		size_t len = strlen(w);

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + used, w, len);
		p[used + len] = (x & 7) ? ' ' : '\n';
		used += len + 1;
		if ((x & 63) == 0) {
			memcpy(p + used, &x, 8);
			used += 8;
		}
	}
	return p;
}

/* Negative levels keep level 1's match finder: they round-trip, give the same bytes for any
 * thread count, and on a word heap store at most a few percent more than level 1 (zstd's own
 * negative-level parameters stored 4.5% more at -1 and 6.7% more at -5). */
static void test_negative_levels(void **state)
{
	struct fixture *f = *state;
	const size_t size = 4u << 20, frame_size = 1u << 20;
	const int levels[] = {-1, -5, -7};
	const double max_growth[] = {1.02, 1.04, 1.06};
	_cleanup_free_ uint8_t *data = bigheap_data(size);
	struct gc_zwriter_options options = {.level = 1, .threads = 2, .frame_size = frame_size};
	uint64_t level1 = write_stream(f, data, size, &options);

	for (size_t i = 0; i < ELEMENTSOF(levels); i++) {
		_cleanup_free_ uint8_t *stream = NULL, *again = NULL;
		size_t stream_size, again_size;
		uint64_t stored;

		options = (struct gc_zwriter_options){
		    .level = levels[i], .threads = 2, .frame_size = frame_size};
		stored = write_stream(f, data, size, &options);
		print_message("level %d stores %.2f%% of level 1\n", levels[i],
			      100.0 * stored / level1);
		assert_true(stored <= level1 * max_growth[i]);
		check_reader(f, data, size, frame_size);
		check_zstd_cli(f, data, size);
		stream = read_file(f->path, &stream_size);
		options.threads = 3;
		write_stream(f, data, size, &options);
		again = read_file(f->path, &again_size);
		assert_int_equal(again_size, stream_size);
		assert_memory_equal(again, stream, stream_size);
	}
}

/* Writes until the writer reports the error; it must come back, and stay. */
static void check_write_error(int fd, unsigned threads, int expected)
{
	struct gc_zwriter_options options = {.level = 1, .threads = threads, .frame_size = 8192};
	_cleanup_free_ uint8_t *data = random_data(3 * 8192 + 5);
	struct gc_zwriter *w;
	int r = 0;

	assert_int_equal(gc_zwriter_new(fd, &options, &w), 0);
	for (int i = 0; i < 1000 && r == 0; i++)
		r = gc_zwriter_write(w, data, 3 * 8192 + 5);
	assert_int_equal(r, expected);
	assert_int_equal(gc_zwriter_write(w, data, 10), expected);
	assert_int_equal(gc_zwriter_finish(w, NULL, NULL), expected);
	assert_int_equal(gc_zwriter_finish(w, NULL, NULL), expected);
	assert_int_equal(gc_zwriter_write(w, data, 10), expected);
	assert_int_equal(gc_zwriter_stored_bytes(w), 0);
	gc_zwriter_free(w);

	/* An error that shows up only when finish flushes the last frame. */
	assert_int_equal(gc_zwriter_new(fd, &options, &w), 0);
	assert_int_equal(gc_zwriter_write(w, data, 100), 0);
	assert_int_equal(gc_zwriter_finish(w, NULL, NULL), expected);
	gc_zwriter_free(w);

	/* Freed while frames are in flight: must neither hang nor leak. Whether the write
	 * already sees the error depends on timing. */
	assert_int_equal(gc_zwriter_new(fd, &options, &w), 0);
	r = gc_zwriter_write(w, data, 3 * 8192 + 5);
	assert_true(r == 0 || r == expected);
	gc_zwriter_free(w);
}

static void test_write_errors(void **state)
{
	_cleanup_close_ int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
	struct sigaction ignore = {.sa_handler = SIG_IGN}, saved;
	int pipe_fds[2];

	assert_true(full >= 0);
	for (unsigned threads = 1; threads <= 4; threads++)
		check_write_error(full, threads, -ENOSPC);

	assert_int_equal(sigaction(SIGPIPE, &ignore, &saved), 0);
	assert_int_equal(pipe2(pipe_fds, O_CLOEXEC), 0);
	close(pipe_fds[0]);
	check_write_error(pipe_fds[1], 2, -EPIPE);
	close(pipe_fds[1]);
	assert_int_equal(sigaction(SIGPIPE, &saved, NULL), 0);
}

/* The frames fit, the seek table does not: finish reports it, and keeps reporting it. */
static void test_seek_table_error(void **state)
{
	struct fixture *f = *state;
	struct gc_zwriter_options options = {.level = 1, .threads = 2, .frame_size = SMALL_FRAME};
	const size_t size = 10 * SMALL_FRAME;
	_cleanup_free_ uint8_t *data = wordy_data(size);
	uint64_t stored = write_stream(f, data, size, &options);
	struct sigaction ignore = {.sa_handler = SIG_IGN}, saved_action;
	struct rlimit limit, saved_limit;
	struct gc_zwriter *w;

	assert_int_equal(ftruncate(f->fd, 0), 0);
	assert_int_equal(lseek(f->fd, 0, SEEK_SET), 0);
	assert_int_equal(gc_zwriter_new(f->fd, &options, &w), 0);
	assert_int_equal(gc_zwriter_write(w, data, size), 0);
	assert_int_equal(sigaction(SIGXFSZ, &ignore, &saved_action), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved_limit), 0);
	limit = saved_limit;
	limit.rlim_cur = stored - 10;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &limit), 0);
	assert_int_equal(gc_zwriter_finish(w, NULL, NULL), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved_limit), 0);
	assert_int_equal(sigaction(SIGXFSZ, &saved_action, NULL), 0);
	assert_int_equal(gc_zwriter_finish(w, NULL, NULL), -EFBIG);
	assert_int_equal(gc_zwriter_write(w, data, 1), -EFBIG);
	/* Frames made it out before the table failed. */
	assert_true(gc_zwriter_stored_bytes(w) >= stored - (8 + 10 * 8 + 9));
	gc_zwriter_free(w);
}

static void test_bad_options(void **state)
{
	struct gc_zwriter_options too_big = {.frame_size = 65u << 20};
	struct gc_zwriter_options too_many = {.threads = 1000};
	struct gc_zwriter *w = NULL;

	assert_int_equal(gc_zwriter_new(1, &too_big, &w), -EINVAL);
	assert_int_equal(gc_zwriter_new(1, &too_many, &w), -EINVAL);
	assert_int_equal(gc_zwriter_new(-1, NULL, &w), -EINVAL);
	assert_null(w);
}

/* Writes bytes over the stream file and expects open (or reading) to reject it. */
static void patch(int fd, uint64_t offset, const void *bytes, size_t size)
{
	assert_int_equal(pwrite(fd, bytes, size, offset), size);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static int open_result(int fd)
{
	struct gc_zreader *r;
	int ret = gc_zreader_open(fd, &r);

	if (ret == 0)
		gc_zreader_free(r);
	return ret;
}

/* Opens fine (the table is consistent) but reading frame `index` fails with -EBADMSG. */
static void expect_bad_frame(int fd, size_t index)
{
	struct gc_zreader *r;
	const void *p;
	size_t n;
	char buf[64];

	assert_int_equal(gc_zreader_open(fd, &r), 0);
	assert_int_equal(gc_zreader_frame_data(r, index, &p, &n), -EBADMSG);
	assert_int_equal(gc_zreader_pread(r, buf, sizeof(buf), index * SMALL_FRAME), -EBADMSG);
	gc_zreader_free(r);
}

static void test_corrupt(void **state)
{
	struct fixture *f = *state;
	struct gc_zwriter_options options = {.level = 1, .threads = 2, .frame_size = SMALL_FRAME};
	const size_t size = 5 * SMALL_FRAME;
	_cleanup_free_ uint8_t *data = wordy_data(size);
	_cleanup_free_ uint8_t *good = NULL;
	size_t good_size;
	uint64_t stored = write_stream(f, data, size, &options);
	uint64_t table = stored - (8 + 5 * 8 + 9), footer = stored - 9;
	uint8_t e[8];

	good = read_file(f->path, &good_size);
#define RESET() (write_stream(f, data, size, &options), (void)0)
	/* Truncated: by one byte, to the middle of the table, to nothing. */
	assert_int_equal(ftruncate(f->fd, stored - 1), 0);
	assert_int_equal(open_result(f->fd), -EBADMSG);
	assert_int_equal(ftruncate(f->fd, table + 12), 0);
	assert_int_equal(open_result(f->fd), -EBADMSG);
	assert_int_equal(ftruncate(f->fd, 0), 0);
	assert_int_equal(open_result(f->fd), -EBADMSG);
	RESET();
	/* Every byte of the footer matters, except the descriptor's two unused bits. */
	for (int i = 0; i < 9; i++) {
		uint8_t b = good[footer + i] ^ (i == 4 ? 0x04 : 0x01);

		patch(f->fd, footer + i, &b, 1);
		assert_int_equal(open_result(f->fd), -EBADMSG);
		patch(f->fd, footer + i, &good[footer + i], 1);
	}
	assert_int_equal(open_result(f->fd), 0);
	/* The skippable frame header. */
	for (int i = 0; i < 8; i++) {
		uint8_t b = good[table + i] ^ 0x10;

		patch(f->fd, table + i, &b, 1);
		assert_int_equal(open_result(f->fd), -EBADMSG);
		patch(f->fd, table + i, &good[table + i], 1);
	}
	/* A huge frame count must not make the reader allocate it. */
	put_le32(e, 0xFFFFFFFFu);
	patch(f->fd, footer, e, 4);
	assert_int_equal(open_result(f->fd), -EBADMSG);
	RESET();
	/* Stored sizes no longer add up to the table's offset. */
	memcpy(e, good + table + 8, 8);
	put_le32(e, get_le32(e) + 1);
	patch(f->fd, table + 8, e, 8);
	assert_int_equal(open_result(f->fd), -EBADMSG);
	/* They add up, but frame 0 now ends one byte into frame 1. */
	memcpy(e, good + table + 16, 8);
	put_le32(e, get_le32(e) - 1);
	patch(f->fd, table + 16, e, 8);
	expect_bad_frame(f->fd, 0);
	RESET();
	/* Raw size in the table one more, then one less than the frame's content. */
	for (int delta = -1; delta <= 1; delta += 2) {
		memcpy(e, good + table + 8 + 2 * 8, 8);
		put_le32(e + 4, get_le32(e + 4) + delta);
		patch(f->fd, table + 8 + 2 * 8, e, 8);
		expect_bad_frame(f->fd, 2);
		RESET();
	}
	/* A flipped bit inside frame 1's payload: the content checksum catches it. */
	{
		uint32_t frame0 = get_le32(good + table + 8), frame1 = get_le32(good + table + 16);
		uint8_t b = good[frame0 + frame1 / 2] ^ 0x40;

		patch(f->fd, frame0 + frame1 / 2, &b, 1);
		expect_bad_frame(f->fd, 1);
		RESET();
	}
#undef RESET
}

/* A plain zstd file is not seekable; neither is garbage ending in the right magic. */
static void test_not_seekable(void **state)
{
	struct fixture *f = *state;
	char cmd[512];
	_cleanup_close_ int fd = -EBADF;
	_cleanup_close_ int dir_fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint8_t junk[64] = {0};
	_cleanup_free_ uint8_t *data = wordy_data(100000);

	assert_true(dir_fd >= 0);
	assert_int_equal(open_result(dir_fd), -EINVAL);
	fd = open(f->out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, 100000), 100000);
	snprintf(cmd, sizeof(cmd), ZSTD_CLI " -q -f %s -o %s", f->out, f->path);
	assert_int_equal(system(cmd), 0);
	close(fd);
	fd = open(f->path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(open_result(fd), -EBADMSG);
	assert_int_equal(ftruncate(fd, 0), 0);
	put_le32(junk + sizeof(junk) - 4, 0x8F92EAB1u);
	assert_int_equal(write(fd, junk, sizeof(junk)), sizeof(junk));
	assert_int_equal(open_result(fd), -EBADMSG);
}

/* Other writers may store a checksum per entry (descriptor bit 7), or an empty frame (an
 * entry 0/0): still readable, and reads step over the empty frame. */
static void test_entry_checksums(void **state)
{
	struct fixture *f = *state;
	struct gc_zwriter_options options = {.level = 1, .threads = 1, .frame_size = SMALL_FRAME};
	const size_t size = 3 * SMALL_FRAME + 10, frames = 4;
	_cleanup_free_ uint8_t *data = wordy_data(size);
	_cleanup_free_ uint8_t *stream = NULL;
	_cleanup_free_ uint8_t *buf = malloc(size);
	uint64_t stored = write_stream(f, data, size, &options);
	uint64_t frames_end = stored - (8 + frames * 8 + 9), offset;
	uint8_t table[8 + 5 * 12 + 9] = {0}, *p = table + 8;
	struct gc_zreader *r;
	size_t stream_size, n;
	uint32_t raw_size;
	const void *frame;

	assert_non_null(buf);
	stream = read_file(f->path, &stream_size);
	put_le32(table, 0x184D2A5Eu);
	put_le32(table + 4, (frames + 1) * 12 + 9);
	for (size_t i = 0; i < frames; i++, p += 12) {
		if (i == 2)
			p += 12; /* the empty entry, all zeros */
		memcpy(p, stream + frames_end + 8 + i * 8, 8);
		put_le32(p + 8, 0xDEADBEEF);
	}
	put_le32(p, frames + 1);
	p[4] = 0x80 | 0x03; /* checksums, and the unused bits set */
	put_le32(p + 5, 0x8F92EAB1u);
	assert_int_equal(ftruncate(f->fd, frames_end), 0);
	assert_int_equal(pwrite(f->fd, table, sizeof(table), frames_end), sizeof(table));

	assert_int_equal(gc_zreader_open(f->fd, &r), 0);
	assert_int_equal(gc_zreader_size(r), size);
	assert_int_equal(gc_zreader_frames(r), frames + 1);
	assert_int_equal(gc_zreader_frame(r, 2, &offset, &raw_size), 0);
	assert_int_equal(offset, 2 * SMALL_FRAME);
	assert_int_equal(raw_size, 0);
	assert_int_equal(gc_zreader_frame_data(r, 2, &frame, &n), 0);
	assert_int_equal(n, 0);
	assert_non_null(frame);
	assert_int_equal(gc_zreader_frame(r, 3, &offset, &raw_size), 0);
	assert_int_equal(offset, 2 * SMALL_FRAME);
	assert_int_equal(raw_size, SMALL_FRAME);
	assert_int_equal(gc_zreader_pread(r, buf, size, 0), size);
	assert_memory_equal(buf, data, size);
	assert_int_equal(gc_zreader_pread(r, buf, 10, 2 * SMALL_FRAME - 5), 10);
	assert_memory_equal(buf, data + 2 * SMALL_FRAME - 5, 10);
	gc_zreader_free(r);
}

/* O_DIRECT: more than one flush of whole blocks, an unaligned tail, and the fd left buffered;
 * on tmpfs, which refuses O_DIRECT, the same stream buffered. */
static void test_direct(void **state)
{
	struct fixture *f = *state;
	const size_t size = 8u * 1024 * 1024 + 123, frame = 16 * SMALL_FRAME;
	const struct gc_zwriter_options options = {
	    .level = -7, .threads = 2, .frame_size = frame, .direct = true};
	_cleanup_free_ uint8_t *data = wordy_data(size);
	char saved[sizeof(f->path)];
	uint64_t stored;

	stored = write_stream(f, data, size, &options);
	assert_true(stored > 2u * 1024 * 1024); /* two flushes at least */
	assert_int_equal(fcntl(f->fd, F_GETFL) & O_DIRECT, 0);
	check_reader(f, data, size, frame);
	if (access("/dev/shm", W_OK) != 0)
		return;
	memcpy(saved, f->path, sizeof(saved));
	snprintf(f->path, sizeof(f->path), "/dev/shm/test-zseek-%d", (int)getpid());
	write_stream(f, data, size, &options);
	check_reader(f, data, size, frame);
	unlink(f->path);
	memcpy(f->path, saved, sizeof(saved));
}

/* ---- Adaptive levels and recompression ---- */

/* Whether an adapting writer with this target may pick `level`: the target itself, or one of
 * the faster rungs below it. */
static bool in_ladder(int level, int target)
{
	static const int rungs[] = {1, -1, -3, -5, -7, -15, GC_ZSEEK_FASTEST_LEVEL};

	if (level == target)
		return true;
	for (size_t i = 0; i < ELEMENTSOF(rungs); i++)
		if (level == rungs[i] && rungs[i] < target)
			return true;
	return false;
}

static size_t count_frames(int fd)
{
	struct gc_zreader *r;
	size_t n;

	assert_int_equal(gc_zreader_open(fd, &r), 0);
	n = gc_zreader_frames(r);
	gc_zreader_free(r);
	return n;
}

static uint64_t file_size(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_size;
}

/* Without adapt the level is the level, even when the caller waits on every frame (level 19
 * on one thread); with adapt, a target already at the fastest rung has nowhere to go. */
static void test_levels_fixed(void **state)
{
	struct fixture *f = *state;
	const size_t size = 50 * SMALL_FRAME + 7, frames = 51;
	const struct gc_zwriter_options cases[] = {
	    {.level = 19, .threads = 1, .frame_size = SMALL_FRAME},
	    {.level = 3, .threads = 2, .frame_size = SMALL_FRAME},
	    {.level = -3, .threads = 3, .frame_size = SMALL_FRAME},
	    {.level = GC_ZSEEK_FASTEST_LEVEL,
	     .threads = 1,
	     .frame_size = SMALL_FRAME,
	     .adapt = true},
	};
	_cleanup_free_ uint8_t *data = wordy_data(size);

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ int8_t *levels = NULL;
		size_t n;

		write_stream_levels(f, data, size, &cases[i], &levels, &n);
		assert_int_equal(n, frames);
		assert_int_equal(n, count_frames(f->fd));
		for (size_t j = 0; j < n; j++)
			assert_int_equal(levels[j], cases[i].level);
		check_reader(f, data, size, SMALL_FRAME);
	}
}

/* Checks an adapting writer's levels: one per frame, each a rung of the ladder; returns how
 * many frames went below the target. */
static size_t check_adapted(struct fixture *f, const uint8_t *data, size_t size,
			    const struct gc_zwriter_options *options)
{
	_cleanup_free_ int8_t *levels = NULL;
	size_t n, below = 0;

	write_stream_levels(f, data, size, options, &levels, &n);
	assert_int_equal(n, (size + options->frame_size - 1) / options->frame_size);
	assert_int_equal(n, count_frames(f->fd));
	for (size_t i = 0; i < n; i++) {
		if (!in_ladder(levels[i], options->level))
			fail_msg("frame %zu at level %d, not a rung for target %d", i, levels[i],
				 options->level);
		below += levels[i] < options->level;
	}
	print_message("target %d, %u threads: %zu of %zu frames below it\n", options->level,
		      options->threads, below, n);
	check_reader(f, data, size, options->frame_size);
	check_zstd_cli(f, data, size);
	return below;
}

/* Level 19 on one thread compresses a few MB/s; the caller copies at GB/s into 3 buffers.
 * By the fourth 64 KiB frame the caller waits for a buffer, and the frame a worker takes
 * after a wait goes down a rung. No frame below the target would take one thread
 * compressing 4 MiB at level 19 faster than memcpy fills the buffers, so this cannot flake.
 * With several threads and a fast target whether the caller waits depends on the machine:
 * only the ladder and the content are checked. */
static void test_levels_adapt(void **state)
{
	struct fixture *f = *state;
	const size_t size = 4u << 20;
	_cleanup_free_ uint8_t *data = wordy_data(size);
	struct gc_zwriter_options slow = {
	    .level = 19, .threads = 1, .frame_size = 64u << 10, .adapt = true};
	struct gc_zwriter_options fast = {
	    .level = 3, .threads = 3, .frame_size = SMALL_FRAME, .adapt = true};

	assert_true(check_adapted(f, data, size, &slow) > 0);
	check_adapted(f, data, 300 * SMALL_FRAME + 5, &fast);
}

/* Moves the stream at f->path to f->in and opens it read-only, so that f->path can take the
 * recompressed stream. */
static int move_to_input(struct fixture *f)
{
	int fd;

	close(f->fd);
	f->fd = -EBADF;
	assert_int_equal(rename(f->path, f->in), 0);
	fd = open(f->in, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* (Re)creates f->path empty, the output of a recompression, in f->fd. */
static void new_output(struct fixture *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(f->fd >= 0);
}

/* Frames claimed at or above the target are copied byte for byte, the others compressed
 * again; raw content and frame boundaries stay, and the reported size is the file's. */
static void test_recompress(void **state)
{
	struct fixture *f = *state;
	const size_t size = 40 * SMALL_FRAME + 123, frames = 41;
	struct gc_zwriter_options fastest = {
	    .level = GC_ZSEEK_FASTEST_LEVEL, .threads = 2, .frame_size = SMALL_FRAME};
	struct gc_zwriter_options target = {.level = 3, .threads = 2, .frame_size = SMALL_FRAME};
	_cleanup_free_ uint8_t *data = wordy_data(size);
	_cleanup_free_ uint8_t *input = NULL, *output = NULL;
	_cleanup_close_ int in_fd = -EBADF;
	struct gc_zreader *before, *after;
	size_t input_size, output_size, copied = 0;
	uint64_t stored = 0;
	int8_t levels[41];

	write_stream(f, data, size, &fastest);
	in_fd = move_to_input(f);
	input = read_file(f->in, &input_size);
	/* Equal to the target, above it, below it. */
	for (size_t i = 0; i < frames; i++)
		levels[i] = i % 3 == 0 ? 3 : i % 3 == 1 ? 5 : GC_ZSEEK_FASTEST_LEVEL;
	new_output(f);
	assert_int_equal(gc_zseek_recompress(in_fd, f->fd, &target, levels, frames, &stored), 0);
	assert_int_equal(stored, file_size(f->fd));
	check_reader(f, data, size, SMALL_FRAME);
	check_zstd_cli(f, data, size);

	output = read_file(f->path, &output_size);
	assert_int_equal(gc_zreader_open(in_fd, &before), 0);
	assert_int_equal(gc_zreader_open(f->fd, &after), 0);
	assert_int_equal(gc_zreader_frames(before), frames);
	assert_int_equal(gc_zreader_frames(after), frames);
	for (size_t i = 0; i < frames; i++) {
		uint64_t raw_before, raw_after, at_before, at_after;
		uint32_t raw_size_before, raw_size_after, size_before, size_after;

		assert_int_equal(gc_zreader_frame(before, i, &raw_before, &raw_size_before), 0);
		assert_int_equal(gc_zreader_frame(after, i, &raw_after, &raw_size_after), 0);
		assert_int_equal(raw_after, raw_before);
		assert_int_equal(raw_size_after, raw_size_before);
		if (levels[i] < target.level)
			continue;
		assert_int_equal(gc_zreader_frame_stored(before, i, &at_before, &size_before), 0);
		assert_int_equal(gc_zreader_frame_stored(after, i, &at_after, &size_after), 0);
		assert_int_equal(size_after, size_before);
		assert_memory_equal(output + at_after, input + at_before, size_before);
		copied++;
	}
	assert_int_equal(copied, 28);
	gc_zreader_free(before);
	gc_zreader_free(after);
}

/* levels NULL: every frame is compressed again. At the stream's own level that gives back
 * the writer's bytes exactly; at level 3 a stream made at the fastest level shrinks. */
static void test_recompress_all(void **state)
{
	struct fixture *f = *state;
	const size_t size = 2u << 20, frame_size = 64u << 10;
	struct gc_zwriter_options options = {
	    .level = GC_ZSEEK_FASTEST_LEVEL, .threads = 2, .frame_size = frame_size};
	_cleanup_free_ uint8_t *data = bigheap_data(size);
	_cleanup_free_ uint8_t *input = NULL, *output = NULL;
	_cleanup_close_ int in_fd = -EBADF;
	size_t input_size, output_size;
	uint64_t stored = 0;

	write_stream(f, data, size, &options);
	in_fd = move_to_input(f);
	input = read_file(f->in, &input_size);

	new_output(f);
	options.threads = 3;
	assert_int_equal(gc_zseek_recompress(in_fd, f->fd, &options, NULL, 0, &stored), 0);
	output = read_file(f->path, &output_size);
	assert_int_equal(stored, output_size);
	assert_int_equal(output_size, input_size);
	assert_memory_equal(output, input, input_size);

	new_output(f);
	options.level = 3;
	assert_int_equal(gc_zseek_recompress(in_fd, f->fd, &options, NULL, 0, &stored), 0);
	assert_int_equal(stored, file_size(f->fd));
	print_message("level %d -> 3: %" PRIu64 " -> %" PRIu64 " bytes\n", GC_ZSEEK_FASTEST_LEVEL,
		      (uint64_t)input_size, stored);
	assert_true(stored < input_size);
	check_reader(f, data, size, frame_size);
	check_zstd_cli(f, data, size);
}

static int recompress_result(int in_fd, int out_fd, const int8_t *levels, size_t n_levels)
{
	struct gc_zwriter_options options = {.level = 3, .threads = 2, .frame_size = SMALL_FRAME};
	uint64_t stored = 12345;
	int r = gc_zseek_recompress(in_fd, out_fd, &options, levels, n_levels, &stored);

	if (r < 0)
		assert_int_equal(stored, 12345); /* written only on success */
	return r;
}

/* A level table of the wrong length, or an input that is not a seekable stream: an error,
 * and for the former nothing written. */
static void test_recompress_bad_input(void **state)
{
	struct fixture *f = *state;
	struct gc_zwriter_options options = {.level = 1, .threads = 2, .frame_size = SMALL_FRAME};
	const size_t size = 5 * SMALL_FRAME, frames = 5;
	_cleanup_free_ uint8_t *data = wordy_data(size);
	_cleanup_free_ uint8_t *good = NULL;
	_cleanup_close_ int in_fd = -EBADF;
	_cleanup_close_ int dir_fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int damage_fd = -EBADF;
	const int8_t levels[6] = {1, 1, 1, 1, 1, 1};
	uint64_t table;
	uint32_t frame1;
	size_t good_size;
	uint8_t b;

	assert_true(dir_fd >= 0);
	write_stream(f, data, size, &options);
	good = read_file(f->path, &good_size);
	table = good_size - (8 + frames * 8 + 9);
	in_fd = move_to_input(f);
	new_output(f);
	assert_int_equal(recompress_result(in_fd, f->fd, levels, frames - 1), -EBADMSG);
	assert_int_equal(recompress_result(in_fd, f->fd, levels, frames + 1), -EBADMSG);
	assert_int_equal(file_size(f->fd), 0);
	assert_int_equal(recompress_result(dir_fd, f->fd, NULL, 0), -EINVAL);

	/* A bit flipped in frame 1's payload: caught when that frame is decompressed. */
	damage_fd = open(f->in, O_RDWR | O_CLOEXEC);
	assert_true(damage_fd >= 0);
	frame1 = get_le32(good + table + 8);
	b = good[frame1 + 10] ^ 0x40;
	patch(damage_fd, frame1 + 10, &b, 1);
	assert_int_equal(recompress_result(in_fd, f->fd, NULL, 0), -EBADMSG);
	new_output(f);
	assert_int_equal(recompress_result(in_fd, f->fd, levels, frames), -EBADMSG);
	patch(damage_fd, frame1 + 10, &good[frame1 + 10], 1);
	new_output(f);
	assert_int_equal(recompress_result(in_fd, f->fd, NULL, 0), 0);
	/* Truncated: the seek table no longer ends the file. */
	assert_int_equal(ftruncate(damage_fd, good_size - 1), 0);
	assert_int_equal(recompress_result(in_fd, f->fd, NULL, 0), -EBADMSG);
	assert_int_equal(ftruncate(damage_fd, 0), 0);
	assert_int_equal(recompress_result(in_fd, f->fd, NULL, 0), -EBADMSG);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static long rss_kib(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/statm", "re");
	long pages = 0, resident = 0;

	if (!f || fscanf(f, "%ld %ld", &pages, &resident) != 2)
		return -1;
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Not an assertion: tells what the default settings sustain on this machine. */
static void test_throughput(void **state)
{
	const size_t chunk = 16u << 20, total = 256u << 20;
	const int levels[] = {1, -1};
	_cleanup_free_ uint8_t *data = wordy_data(chunk);
	_cleanup_close_ int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	assert_true(null_fd >= 0);
	for (size_t i = 0; i < ELEMENTSOF(levels); i++) {
		struct gc_zwriter_options options = {.level = levels[i], .threads = 2};
		struct gc_zwriter *w;
		uint64_t start, raw = 0, stored = 0;
		long rss_before = rss_kib(), rss_after;
		double seconds;

		start = now_ns();
		assert_int_equal(gc_zwriter_new(null_fd, &options, &w), 0);
		for (size_t done = 0; done < total; done += 64 << 10)
			assert_int_equal(gc_zwriter_write(w, data + done % chunk, 64 << 10), 0);
		assert_int_equal(gc_zwriter_finish(w, &raw, &stored), 0);
		seconds = (now_ns() - start) / 1e9;
		rss_after = rss_kib();
		gc_zwriter_free(w);
		assert_int_equal(raw, total);
		printf("# zwriter level %d, 2 threads, 4 MiB frames: %.0f MB/s, ratio %.2f, "
		       "writer RSS about %ld MiB\n",
		       levels[i], total / seconds / 1e6, (double)total / stored,
		       (rss_after - rss_before) / 1024);
	}
}

/* Limits the file size to `bytes` (SIGXFSZ ignored): writes past it fail with
 * EFBIG, as they would with ENOSPC on a full disk. */
static void set_size_limit(uint64_t bytes, struct rlimit *saved, struct sigaction *saved_action)
{
	struct sigaction ignore = {.sa_handler = SIG_IGN};
	struct rlimit limit;

	assert_int_equal(sigaction(SIGXFSZ, &ignore, saved_action), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, saved), 0);
	limit = *saved;
	limit.rlim_cur = bytes;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &limit), 0);
}

static void restore_size_limit(const struct rlimit *saved, const struct sigaction *saved_action)
{
	assert_int_equal(setrlimit(RLIMIT_FSIZE, saved), 0);
	assert_int_equal(sigaction(SIGXFSZ, saved_action, NULL), 0);
}

#define SALVAGE_FRAME (64u << 10)
#define SALVAGE_LIMIT (5u << 19) /* 2.5 MiB: the disk is full there */

/* A write fails part way: salvage keeps the frames that reached the file whole and ends the
 * stream after them, restorable by the reader and by zstd, a prefix of the data (the stream
 * had no seek table: unreadable, "Bad message"). Buffered and O_DIRECT. */
static void test_salvage(void **state)
{
	struct fixture *f = *state;
	const size_t size = 64 * SALVAGE_FRAME;
	_cleanup_free_ uint8_t *data = random_data(size);

	for (int direct = 0; direct <= 1; direct++) {
		struct gc_zwriter_options options = {
		    .level = 1, .threads = 2, .frame_size = SALVAGE_FRAME, .direct = direct};
		struct sigaction saved_action;
		struct rlimit saved;
		struct gc_zwriter *w;
		uint64_t raw = 0, stored = 0;
		struct stat st;
		int r = 0;

		if (f->fd >= 0)
			close(f->fd);
		f->fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		assert_true(f->fd >= 0);
		assert_int_equal(gc_zwriter_new(f->fd, &options, &w), 0);
		set_size_limit(SALVAGE_LIMIT, &saved, &saved_action);
		for (size_t done = 0; done < size && r == 0; done += SALVAGE_FRAME)
			r = gc_zwriter_write(w, data + done, SALVAGE_FRAME);
		if (r == 0)
			r = gc_zwriter_finish(w, NULL, NULL);
		assert_int_equal(r, -EFBIG);
		assert_int_equal(gc_zwriter_salvage(w, &raw, &stored), 0);
		restore_size_limit(&saved, &saved_action);
		gc_zwriter_free(w);

		assert_int_equal(raw % SALVAGE_FRAME, 0);
		assert_true(raw >= 30 * SALVAGE_FRAME);
		assert_true(stored <= SALVAGE_LIMIT);
		assert_int_equal(fstat(f->fd, &st), 0);
		assert_int_equal(st.st_size, stored);
		check_reader(f, data, raw, SALVAGE_FRAME);
		check_zstd_cli(f, data, raw);
	}
}

/* The frames fit, the seek table does not, and the disk stays full: the last frame is given
 * up for the table. */
static void test_salvage_no_room_for_table(void **state)
{
	struct fixture *f = *state;
	struct gc_zwriter_options options = {.level = 1, .threads = 2, .frame_size = SMALL_FRAME};
	const size_t size = 10 * SMALL_FRAME;
	_cleanup_free_ uint8_t *data = wordy_data(size);
	uint64_t stored = write_stream(f, data, size, &options), raw = 0, kept = 0;
	struct sigaction saved_action;
	struct rlimit saved;
	struct gc_zwriter *w;

	assert_int_equal(ftruncate(f->fd, 0), 0);
	assert_int_equal(lseek(f->fd, 0, SEEK_SET), 0);
	assert_int_equal(gc_zwriter_new(f->fd, &options, &w), 0);
	assert_int_equal(gc_zwriter_write(w, data, size), 0);
	set_size_limit(stored - 10, &saved, &saved_action);
	assert_int_equal(gc_zwriter_finish(w, NULL, NULL), -EFBIG);
	assert_int_equal(gc_zwriter_salvage(w, &raw, &kept), 0);
	restore_size_limit(&saved, &saved_action);
	assert_int_equal(gc_zwriter_salvage(w, NULL, NULL), -EINVAL);
	gc_zwriter_free(w);
	assert_int_equal(raw, 9 * SMALL_FRAME);
	assert_true(kept < stored - 10);
	check_reader(f, data, raw, SMALL_FRAME);
	check_zstd_cli(f, data, raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trip_sizes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_trip_default_frames, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_random_reads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_same_output_any_threads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_negative_levels, setup, teardown),
	    cmocka_unit_test(test_write_errors),
	    cmocka_unit_test_setup_teardown(test_seek_table_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_salvage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_salvage_no_room_for_table, setup, teardown),
	    cmocka_unit_test(test_bad_options),
	    cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_seekable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_entry_checksums, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_levels_fixed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_levels_adapt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recompress, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recompress_all, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recompress_bad_input, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_direct, setup, teardown),
	    cmocka_unit_test(test_throughput),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
