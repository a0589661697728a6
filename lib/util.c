/* SPDX-License-Identifier: MIT */
#include "util.h"

#include <limits.h>
#include <stdio.h>

#include "macro.h"

int gc_write_all(int fd, const void *data, size_t size)
{
	const uint8_t *p = data;

	while (size > 0) {
		ssize_t n = write(fd, p, MIN(size, (size_t)SSIZE_MAX));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			return -EIO;
		p += n;
		size -= n;
	}
	return 0;
}

void gc_format_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char units[] = "BKMGT";
	double value = bytes;
	unsigned unit = 0;

	while (value >= 1024 && unit < sizeof(units) - 2) {
		value /= 1024;
		unit++;
	}
	snprintf(buf, size, unit ? "%.1f%c" : "%.0f%c", value, units[unit]);
}
