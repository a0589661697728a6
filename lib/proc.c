/* SPDX-License-Identifier: MIT */
#include "proc.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-login.h>

#include "log.h"
#include "macro.h"

/* Reads a small /proc file whole; NUL bytes become spaces and trailing whitespace goes. */
static char *read_proc_text(pid_t pid, const char *name)
{
	_cleanup_close_ int fd = -EBADF;
	char path[64], buf[8192];
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	len = read(fd, buf, sizeof(buf) - 1);
	if (len <= 0)
		return NULL;
	for (ssize_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\n'))
		len--;
	buf[len] = '\0';
	return strdup(buf);
}

static char *read_exe_path(pid_t pid)
{
	static const char deleted[] = " (deleted)";
	char path[64], target[4096];
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	len = readlink(path, target, sizeof(target) - 1);
	if (len <= 0)
		return NULL;
	target[len] = '\0';
	if ((size_t)len > strlen(deleted) && strcmp(target + len - strlen(deleted), deleted) == 0)
		target[len - strlen(deleted)] = '\0';
	return strdup(target);
}

/* The service innermost in the process's cgroup path, when it is not the unit the host's
 * systemd knows: for a container's service, "/machine.slice/machine-ct.scope/payload/
 * system.slice/web.service" is the unit machine-ct.scope to the host, web.service inside. */
static char *read_inner_unit(pid_t pid, const char *unit)
{
	_cleanup_free_ char *cgroup = NULL;
	const char *found = NULL;
	size_t len = 0;

	if (sd_pid_get_cgroup(pid, &cgroup) < 0)
		return NULL;
	for (const char *p = cgroup; *p;) {
		size_t n = strcspn(p, "/");

		if (n > 8 && strncmp(p + n - 8, ".service", 8) == 0) {
			found = p;
			len = n;
		}
		p += n + (p[n] == '/');
	}
	if (!found || (unit && strlen(unit) == len && strncmp(unit, found, len) == 0))
		return NULL;
	return strndup(found, len);
}

void gc_proc_collect(pid_t pid, struct gc_proc_info *ret)
{
	struct gc_proc_info info = {.exe_fd = -EBADF};
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	info.exe_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (info.exe_fd < 0) {
		gc_log_errno(LOG_WARNING, errno, "cannot open %s", path);
		info.exe_fd = -EBADF;
	}
	info.exe = read_exe_path(pid);
	info.cmdline = read_proc_text(pid, "cmdline");
	info.comm = read_proc_text(pid, "comm");
	if (sd_pid_get_unit(pid, &info.unit) < 0 && sd_pid_get_user_unit(pid, &info.unit) < 0)
		info.unit = NULL;
	info.container_unit = read_inner_unit(pid, info.unit);
	*ret = info;
}

void gc_proc_info_done(struct gc_proc_info *info)
{
	if (info->exe_fd >= 0)
		close(info->exe_fd);
	free(info->exe);
	free(info->cmdline);
	free(info->comm);
	free(info->unit);
	free(info->container_unit);
	*info = (struct gc_proc_info){.exe_fd = -EBADF};
}
