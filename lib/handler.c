/* SPDX-License-Identifier: MIT */
#include "handler.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gc-build.h"
#include "log.h"
#include "macro.h"
#include "util.h"

#define CORE_PATTERN	  "/proc/sys/kernel/core_pattern"
#define CORE_PIPE_LIMIT	  "/proc/sys/kernel/core_pipe_limit"
#define SYSCTL_FILE	  "/etc/sysctl.d/50-gocrashd.conf"
#define ENABLE_PIPE_LIMIT 16 /* kernel.core_pipe_limit set by enable, at least */

const char *gc_handler_pattern(void)
{
	return "|" GC_LIBEXECDIR "/gocrashd --dump-mode=%d %P %e %s %t %u %g";
}

bool gc_handler_is_ours(const char *pattern)
{
	const char *space;

	if (!pattern || pattern[0] != '|')
		return false;
	space = strchr(pattern, ' ');
	if (!space)
		space = pattern + strlen(pattern);
	return space - pattern >= 9 && memcmp(space - 9, "/gocrashd", 9) == 0;
}

static int read_line(const char *path, char **ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t size = 0;
	ssize_t len;

	if (!f)
		return negative_errno();
	len = getline(&line, &size, f);
	if (len < 0) {
		free(line);
		return feof(f) ? -ENODATA : negative_errno();
	}
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	*ret = line;
	return 0;
}

static int write_text(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return negative_errno();
	return gc_write_all(fd, text, strlen(text));
}

static int read_pipe_limit(unsigned *ret)
{
	_cleanup_free_ char *limit = NULL;
	char *end;
	unsigned long value;
	int r = read_line(CORE_PIPE_LIMIT, &limit);

	if (r < 0)
		return r;
	errno = 0;
	value = strtoul(limit, &end, 10);
	if (errno || end == limit || value > INT32_MAX)
		return -EBADMSG;
	*ret = (unsigned)value;
	return 0;
}

int64_t gc_handler_pipe_limit(void)
{
	unsigned limit;

	return read_pipe_limit(&limit) < 0 ? -1 : (int64_t)limit;
}

int gc_handler_current(char **ret_pattern, unsigned *ret_pipe_limit)
{
	_cleanup_free_ char *pattern = NULL;
	int r;

	r = read_line(CORE_PATTERN, &pattern);
	if (r < 0)
		return r;
	r = read_pipe_limit(ret_pipe_limit);
	if (r < 0)
		return r;
	*ret_pattern = TAKE_PTR(pattern);
	return 0;
}

/* The state file: "core_pipe_limit=N" then "core_pattern=..." (which may hold anything). */
int gc_handler_previous(char **ret_pattern, unsigned *ret_pipe_limit)
{
	_cleanup_fclose_ FILE *f = fopen(GC_STATE_FILE, "re");
	_cleanup_free_ char *line = NULL;
	size_t size = 0;
	unsigned limit = 0;
	ssize_t len;

	if (!f)
		return errno == ENOENT ? -ENOENT : negative_errno();
	while ((len = getline(&line, &size, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (strncmp(line, "core_pipe_limit=", 16) == 0)
			limit = (unsigned)strtoul(line + 16, NULL, 10);
		else if (strncmp(line, "core_pattern=", 13) == 0) {
			char *pattern = strdup(line + 13);
			if (!pattern)
				return -ENOMEM;
			*ret_pattern = pattern;
			*ret_pipe_limit = limit;
			return 0;
		}
	}
	return -ENOENT;
}

static int write_file_atomic(const char *path, const char *text, mode_t mode);

static int save_previous(const char *pattern, unsigned pipe_limit)
{
	_cleanup_free_ char *text = NULL;

	if (asprintf(&text, "core_pipe_limit=%u\ncore_pattern=%s\n", pipe_limit, pattern) < 0)
		return -ENOMEM;
	return write_file_atomic(GC_STATE_FILE, text, 0600);
}

char *gc_handler_sysctl_path(const char *root)
{
	char *path = NULL;

	if (asprintf(&path, "%s%s", root ? root : "", SYSCTL_FILE) < 0)
		return NULL;
	return path;
}

/* Replaces path with text atomically, creating its directory. */
static int write_file_atomic(const char *path, const char *text, mode_t mode)
{
	_cleanup_free_ char *tmp = NULL, *dir = strdup(path);
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!dir || asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	*strrchr(dir, '/') = '\0';
	r = gc_mkdir_p(dir, 0755);
	if (r < 0)
		return gc_log_errno(LOG_ERR, r, "cannot create %s", dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return gc_log_errno(LOG_ERR, errno, "cannot write %s", tmp);
	r = gc_write_all(fd, text, strlen(text));
	if (r >= 0 && (fsync(fd) < 0 || rename(tmp, path) < 0))
		r = negative_errno();
	if (r < 0) {
		unlink(tmp);
		return gc_log_errno(LOG_ERR, r, "cannot write %s", path);
	}
	return 0;
}

static int write_sysctl_file(const char *root, bool enabled)
{
	_cleanup_free_ char *path = gc_handler_sysctl_path(root), *text = NULL;
	int r;

	if (!path)
		return -ENOMEM;
	if (enabled)
		r = asprintf(&text,
			     "# Written by `gocrashctl enable`: gocrashd handles core dumps.\n"
			     "kernel.core_pattern=%s\nkernel.core_pipe_limit=%d\n",
			     gc_handler_pattern(), ENABLE_PIPE_LIMIT);
	else
		r = asprintf(&text, "# Written by `gocrashctl disable`: this file masks the "
				    "sysctl.d file of the same name\n# that gocrashd installs, so "
				    "that it is not the core handler at boot.\n");
	if (r < 0)
		return -ENOMEM;
	return write_file_atomic(path, text, 0644);
}

/* In a container /proc/sys is read-only and core_pattern the host's, shared: the kernel runs
 * the host's handler for crashes in here too. Fine when that is gocrashd. */
static int check_writable(const char *pattern)
{
	if (access(CORE_PATTERN, W_OK) == 0 || errno != EROFS)
		return 0;
	if (gc_handler_is_ours(pattern))
		return 1;
	gc_log(LOG_ERR,
	       "kernel.core_pattern is read-only here (a container?) and points "
	       "at %s: enable gocrashd on the host",
	       pattern);
	return -EROFS;
}

int gc_handler_enable(const char *root)
{
	_cleanup_free_ char *pattern = NULL;
	char limit[16];
	unsigned pipe_limit = 0;
	int r;

	if (!root) {
		r = gc_handler_current(&pattern, &pipe_limit);
		if (r < 0)
			return gc_log_errno(LOG_ERR, r, "cannot read %s", CORE_PATTERN);
		r = check_writable(pattern);
		if (r != 0)
			return r;
	}
	r = write_sysctl_file(root, true);
	if (r < 0 || root)
		return r;
	if (!gc_handler_is_ours(pattern)) {
		r = save_previous(pattern, pipe_limit);
		if (r < 0)
			return r;
	}
	snprintf(limit, sizeof(limit), "%u", MAX(pipe_limit, (unsigned)ENABLE_PIPE_LIMIT));
	r = write_text(CORE_PIPE_LIMIT, limit);
	if (r >= 0)
		r = write_text(CORE_PATTERN, gc_handler_pattern());
	if (r < 0)
		return gc_log_errno(LOG_ERR, r, "cannot set kernel.core_pattern");
	return 0;
}

int gc_handler_disable(const char *root)
{
	_cleanup_free_ char *current = NULL, *previous = NULL;
	unsigned current_limit = 0, previous_limit = 0;
	char limit[16];
	int r;

	r = write_sysctl_file(root, false);
	if (r < 0 || root)
		return r;
	r = gc_handler_current(&current, &current_limit);
	if (r < 0)
		return gc_log_errno(LOG_ERR, r, "cannot read %s", CORE_PATTERN);
	if (!gc_handler_is_ours(current))
		return 0; /* someone else took over since: leave them be */
	r = gc_handler_previous(&previous, &previous_limit);
	if (r == -ENOENT) {
		/* Nothing recorded (enabled by the sysctl.d file alone): the kernel's default. */
		previous = strdup("core");
		previous_limit = 0;
	} else if (r < 0) {
		return gc_log_errno(LOG_ERR, r, "cannot read %s", GC_STATE_FILE);
	}
	if (!previous)
		return -ENOMEM;
	snprintf(limit, sizeof(limit), "%u", previous_limit);
	r = write_text(CORE_PATTERN, previous);
	if (r >= 0)
		r = write_text(CORE_PIPE_LIMIT, limit);
	if (r < 0)
		return gc_log_errno(LOG_ERR, r, "cannot restore kernel.core_pattern");
	if (unlink(GC_STATE_FILE) < 0 && errno != ENOENT)
		gc_log_errno(LOG_WARNING, errno, "cannot remove %s", GC_STATE_FILE);
	return 0;
}

/* A unit name we are willing to put in a path: "name.service", no slashes or dot-dot. */
static bool valid_service_name(const char *unit)
{
	size_t len = strlen(unit);

	if (len <= strlen(".service") || len > 255 || !gc_ends_with(unit, ".service"))
		return false;
	if (unit[0] == '.' || unit[0] == '-')
		return false;
	for (const char *p = unit; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr(":-_.@\\", *p)))
			return false;
	return true;
}

int gc_unit_dropin_write(const char *root, const char *unit, char **ret_path)
{
	static const char text[] =
	    "# Written by `gocrashctl enable --unit`: make this Go service dump core when it\n"
	    "# crashes, for gocrashd to capture. Takes effect when the service restarts.\n"
	    "[Service]\n"
	    "Environment=GOTRACEBACK=crash\n"
	    "LimitCORE=infinity\n";
	_cleanup_free_ char *path = NULL;
	int r;

	if (!valid_service_name(unit))
		return -EINVAL;
	if (asprintf(&path, "%s/etc/systemd/system/%s.d/50-gocrashd.conf", root ? root : "", unit) <
	    0)
		return -ENOMEM;
	r = write_file_atomic(path, text, 0644);
	if (r < 0)
		return r;
	if (ret_path)
		*ret_path = TAKE_PTR(path);
	return 0;
}
