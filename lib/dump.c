/* SPDX-License-Identifier: MIT */
#include "dump.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "util.h"

#define HOLE_BLOCK 4096

static bool all_zero(const uint8_t *p, size_t size)
{
	static const uint8_t zeros[HOLE_BLOCK];

	return size <= sizeof(zeros) && memcmp(p, zeros, size) == 0;
}

/* Writes a frame, seeking over whole zero blocks when the output can hold holes. */
static int write_frame(int fd, const uint8_t *data, size_t size, bool sparse)
{
	size_t done = 0;

	while (done < size) {
		size_t len = MIN((size_t)HOLE_BLOCK, size - done);
		size_t run = len;
		int r;

		if (sparse && len == HOLE_BLOCK && all_zero(data + done, len)) {
			if (lseek(fd, len, SEEK_CUR) < 0)
				return negative_errno();
			done += len;
			continue;
		}
		/* Gather the non-zero blocks that follow into one write. */
		while (sparse && done + run + HOLE_BLOCK <= size &&
		       !all_zero(data + done + run, HOLE_BLOCK))
			run += HOLE_BLOCK;
		if (!sparse)
			run = size - done;
		r = gc_write_all(fd, data + done, run);
		if (r < 0)
			return r;
		done += run;
	}
	return 0;
}

int gc_dump(struct gc_zreader *reader, int out_fd, uint64_t *ret_size)
{
	struct stat st;
	bool sparse;
	uint64_t total = 0;
	off_t start = 0;

	sparse = fstat(out_fd, &st) == 0 && S_ISREG(st.st_mode) &&
		 (start = lseek(out_fd, 0, SEEK_CUR)) >= 0;
	for (size_t i = 0; i < gc_zreader_frames(reader); i++) {
		const void *data;
		size_t size;
		int r;

		r = gc_zreader_frame_data(reader, i, &data, &size);
		if (r < 0)
			return r;
		r = write_frame(out_fd, data, size, sparse);
		if (r < 0)
			return r;
		total += size;
	}
	/* Trailing holes: the seeks above do not extend the file by themselves. */
	if (sparse && ftruncate(out_fd, start + (off_t)total) < 0)
		return negative_errno();
	if (ret_size)
		*ret_size = total;
	return 0;
}
