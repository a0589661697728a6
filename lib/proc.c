/* SPDX-License-Identifier: MIT */
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-login.h>

#include "log.h"
#include "macro.h"
#include "watchdog.h"

/* Opening the executable reaches the file system it is on: FUSE or a hung NFS mount can stall
 * the open, and the crashed process with it. Past this, the executable is unknown. */
#define EXE_OPEN_TIME_LIMIT_USEC 1000000

/* PF_DUMPCORE in a task's flags (field 9 of its stat): the kernel sets it on the thread
 * that writes the core (include/linux/sched.h). */
#define PF_DUMPCORE 0x00000200
#define AT_SECURE   23

/* Reads a small file under /proc/PID (dir, an fd of that directory: a file of another
 * process with the same PID is never read). Returns its length, or -errno. */
static ssize_t read_at(int dir, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t len;

	if (fd < 0)
		return negative_errno();
	len = read(fd, buf, size - 1);
	if (len < 0)
		return negative_errno();
	buf[len] = '\0';
	return len;
}

/* A small /proc file whole; NUL bytes become spaces and trailing whitespace goes. */
static char *read_proc_text(int dir, const char *name)
{
	char buf[8192];
	ssize_t len = read_at(dir, name, buf, sizeof(buf));

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

static char *read_exe_path(int dir)
{
	static const char deleted[] = " (deleted)";
	char target[4096];
	ssize_t len = readlinkat(dir, "exe", target, sizeof(target) - 1);

	if (len <= 0)
		return NULL;
	target[len] = '\0';
	if ((size_t)len > strlen(deleted) && strcmp(target + len - strlen(deleted), deleted) == 0)
		target[len - strlen(deleted)] = '\0';
	return strdup(target);
}

int gc_proc_stat_field(const char *stat, int n, uint64_t *ret)
{
	const char *p = strrchr(stat, ')');
	char *end;

	if (!p || n < 3)
		return -EBADMSG;
	for (int field = 2; field < n; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EBADMSG;
	}
	errno = 0;
	*ret = strtoull(p + 1, &end, 10);
	return errno || end == p + 1 ? -EBADMSG : 0;
}

/* Whether a thread of the process is writing its core. */
static bool is_dumping(int dir)
{
	_cleanup_closedir_ DIR *tasks = NULL;
	int fd = openat(dir, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;

	if (fd < 0 || !(tasks = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	while ((de = readdir(tasks))) {
		char path[300], buf[1024];
		uint64_t flags;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "task/%s/stat", de->d_name);
		if (read_at(dir, path, buf, sizeof(buf)) > 0 &&
		    gc_proc_stat_field(buf, 9, &flags) == 0 && (flags & PF_DUMPCORE))
			return true;
	}
	return false;
}

/* The second number of "Uid:" / "Gid:" in /proc/PID/status: the effective id. Lines start
 * with their key; the comm in "Name:" is escaped by the kernel, so holds no newline. */
static int64_t effective_id(const char *status, const char *key)
{
	const char *line = strstr(status, key);
	long long real, effective;

	if (!line || (line != status && line[-1] != '\n') ||
	    sscanf(line + strlen(key), "%lld %lld", &real, &effective) != 2 || effective < 0)
		return -1;
	return effective;
}

static int read_at_secure(int dir)
{
	unsigned long auxv[2 * 64];
	ssize_t len = read_at(dir, "auxv", (char *)auxv, sizeof(auxv));

	for (ssize_t i = 0; len > 0 && (i + 1) * 2 * (ssize_t)sizeof(long) <= len; i++)
		if (auxv[2 * i] == AT_SECURE)
			return auxv[2 * i + 1] != 0;
	return -1;
}

static void read_credentials(int dir, struct gc_proc_info *info)
{
	char status[8192];
	struct stat st;

	if (read_at(dir, "status", status, sizeof(status)) > 0) {
		info->euid = effective_id(status, "Uid:");
		info->egid = effective_id(status, "Gid:");
	}
	info->at_secure = read_at_secure(dir);
	if (info->euid > 0 && fstatat(dir, "stat", &st, AT_SYMLINK_NOFOLLOW) == 0)
		info->dump_mode = st.st_uid == (uid_t)info->euid ? 1 : 2;
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

/* Where systemd put it: its cgroup path names the units (the kernel writes it; a user with a
 * delegated subtree chooses the names below it, so they are shown escaped like the rest). */
static void read_units(pid_t pid, struct gc_proc_info *info)
{
	if (sd_pid_get_unit(pid, &info->unit) < 0)
		info->unit = NULL;
	if (sd_pid_get_user_unit(pid, &info->user_unit) < 0)
		info->user_unit = NULL;
	if (!info->unit && info->user_unit)
		info->unit = strdup(info->user_unit); /* as before: the unit it has */
	if (sd_pid_get_slice(pid, &info->slice) < 0)
		info->slice = NULL;
	if (sd_pid_get_cgroup(pid, &info->cgroup) < 0)
		info->cgroup = NULL;
	info->container_unit = read_inner_unit(pid, info->unit);
}

/* What the process's fds and the unit of its PID say; dir keeps it from being another's. */
static void read_process(pid_t pid, int dir, struct gc_proc_info *info)
{
	info->exe_fd = gc_open_bounded(dir, "exe", O_RDONLY | O_CLOEXEC, EXE_OPEN_TIME_LIMIT_USEC);
	if (info->exe_fd < 0) {
		gc_log_errno(LOG_WARNING, info->exe_fd, "cannot open /proc/%d/exe%s", (int)pid,
			     info->exe_fd == -ETIMEDOUT ? " within its time limit" : "");
		info->exe_fd = -EBADF;
	}
	/* Following the magic link reads no file system: it cannot stall. */
	info->root_fd = openat(dir, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (info->root_fd < 0)
		info->root_fd = -EBADF;
	info->pidns_fd = openat(dir, "ns/pid", O_RDONLY | O_CLOEXEC);
	if (info->pidns_fd < 0)
		info->pidns_fd = -EBADF;
	info->exe = read_exe_path(dir);
	info->cmdline = read_proc_text(dir, "cmdline");
	info->comm = read_proc_text(dir, "comm");
	read_credentials(dir, info);
	read_units(pid, info);
}

void gc_proc_collect(pid_t pid, struct gc_proc_info *ret)
{
	struct gc_proc_info info = GC_PROC_INFO_INIT;
	_cleanup_close_ int dir = -EBADF;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	info.check = dir < 0	       ? GC_PROC_GONE
		     : is_dumping(dir) ? GC_PROC_DUMPING
				       : GC_PROC_NOT_DUMPING;
	if (info.check == GC_PROC_DUMPING)
		read_process(pid, dir, &info);
	/* The units were looked up by PID: it must still be this process's (it cannot be
	 * reused while the directory's process lives, dumping). */
	if (info.check == GC_PROC_DUMPING && faccessat(dir, "stat", F_OK, 0) < 0) {
		gc_proc_info_done(&info);
		info.check = GC_PROC_GONE;
	}
	*ret = info;
}

void gc_proc_info_done(struct gc_proc_info *info)
{
	if (info->exe_fd >= 0)
		close(info->exe_fd);
	if (info->root_fd >= 0)
		close(info->root_fd);
	if (info->pidns_fd >= 0)
		close(info->pidns_fd);
	free(info->exe);
	free(info->cmdline);
	free(info->comm);
	free(info->unit);
	free(info->container_unit);
	free(info->user_unit);
	free(info->slice);
	free(info->cgroup);
	*info = (struct gc_proc_info)GC_PROC_INFO_INIT;
}

const char *gc_proc_check_name(enum gc_proc_check check)
{
	static const char *const names[] = {
	    [GC_PROC_DUMPING] = "dumping",
	    [GC_PROC_NOT_DUMPING] = "not dumping",
	    [GC_PROC_GONE] = "gone",
	};

	return check < ELEMENTSOF(names) ? names[check] : NULL;
}
