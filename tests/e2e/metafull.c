/* SPDX-License-Identifier: MIT */
/* LD_PRELOAD shim for e2e-diskfull: the first time a process creates an entry's meta in a
 * temporary entry (a "meta" below a ".tmp-" directory), the file it gets is /dev/full, so
 * that writing the meta fails with ENOSPC as on a file system that filled up between the
 * core and the meta. Later opens go through. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int failed_once;

static int is_temporary_meta(int dir_fd, const char *name, int flags)
{
	char link[64], dir[4096];
	ssize_t n;

	if (failed_once || !(flags & O_CREAT) || strcmp(name, "meta") != 0)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dir_fd);
	n = readlink(link, dir, sizeof(dir) - 1);
	if (n <= 0)
		return 0;
	dir[n] = '\0';
	return strstr(dir, "/.tmp-") != NULL;
}

static int shim_openat(int dir_fd, const char *name, int flags, va_list ap)
{
	static int (*real)(int, const char *, int, ...);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;

	if (!real)
		real = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
	if (is_temporary_meta(dir_fd, name, flags)) {
		failed_once = 1;
		return open("/dev/full", O_WRONLY | (flags & O_CLOEXEC));
	}
	return real(dir_fd, name, flags, mode);
}

int openat(int dir_fd, const char *name, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = shim_openat(dir_fd, name, flags, ap);
	va_end(ap);
	return fd;
}

int openat64(int dir_fd, const char *name, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = shim_openat(dir_fd, name, flags, ap);
	va_end(ap);
	return fd;
}
