/* SPDX-License-Identifier: MIT */
/* Feeds the input to the seekable reader as a file and reads all of it, frame by frame and
 * across frame boundaries: a corrupt stream may fail, never crash or hang. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "macro.h"
#include "zseek.h"

/* Bounds the work per input: a tiny table can promise gigabytes of zeros. */
#define READ_LIMIT (64u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_everything(struct gc_zreader *reader)
{
	static uint8_t buf[100000];
	uint64_t offset = 0, limit = MIN(gc_zreader_size(reader), (uint64_t)READ_LIMIT);
	uint64_t frames_read = 0;

	/* Odd-sized reads so most of them straddle a frame boundary. */
	while (offset < limit) {
		ssize_t n = gc_zreader_pread(reader, buf, sizeof(buf) - offset % 7, offset);

		if (n <= 0)
			break;
		offset += n;
	}
	for (size_t i = 0; i < gc_zreader_frames(reader) && frames_read < READ_LIMIT; i++) {
		const void *frame;
		uint64_t raw_offset;
		uint32_t raw_size;
		size_t frame_size;

		if (gc_zreader_frame(reader, i, &raw_offset, &raw_size) < 0)
			abort();
		frames_read += raw_size;
		if (gc_zreader_frame_data(reader, i, &frame, &frame_size) == 0 &&
		    (frame_size != raw_size || (frame_size > 0 && !frame)))
			abort();
	}
	/* Reading back from the end and past it. */
	if (gc_zreader_size(reader) > 0)
		(void)gc_zreader_pread(reader, buf, 3, gc_zreader_size(reader) - 1);
	if (gc_zreader_pread(reader, buf, 1, gc_zreader_size(reader)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_close_ int fd = memfd_create("fuzz-zseek", MFD_CLOEXEC);
	struct gc_zreader *reader;

	if (fd < 0)
		return 0;
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0)
			return 0;
		done += n;
	}
	if (gc_zreader_open(fd, &reader) < 0)
		return 0;
	read_everything(reader);
	gc_zreader_free(reader);
	return 0;
}
