/* SPDX-License-Identifier: MIT */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int gc_mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return negative_errno();
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}

uint64_t gc_clock_usec(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void *gc_grow(void *array, size_t n, size_t size)
{
	if (n != 0 && (n < 16 || (n & (n - 1)) != 0))
		return array;
	return reallocarray(array, n == 0 ? 16 : n * 2, size);
}

int gc_copy_stream(FILE *in, int out_fd, uint64_t *ret_size)
{
	char buf[1 << 16];
	uint64_t size = 0;
	size_t n;
	int r;

	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		r = gc_write_all(out_fd, buf, n);
		if (r < 0)
			return r;
		size += n;
	}
	if (ferror(in))
		return -EBADMSG;
	*ret_size = size;
	return 0;
}

void gc_strv_free(char **strv)
{
	for (char **p = strv; p && *p; p++)
		free(*p);
	free(strv);
}

bool gc_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

char *gc_hostname(void)
{
	char name[HOST_NAME_MAX + 1] = "";

	if (gethostname(name, sizeof(name) - 1) < 0 || name[0] == '\0')
		return NULL;
	return strdup(name);
}

int gc_open_regular_at(int dir_fd, const char *name)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (fcntl(fd, F_SETFL, 0) < 0)
		return negative_errno();
	return TAKE_FD(fd);
}
