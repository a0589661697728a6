/* SPDX-License-Identifier: MIT */
#include "forward.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "proc.h"

static char *read_small(pid_t pid, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = -EBADF;
	char path[64];
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (len = read(fd, buf, size - 1)) <= 0)
		return NULL;
	buf[len] = '\0';
	return buf;
}

/* "NSpid:\t1234\t7" in /proc/PID/status: the last number is the pid in its own namespace. */
static pid_t namespace_pid(pid_t pid)
{
	char buf[4096], *line, *last;

	if (!read_small(pid, "status", buf, sizeof(buf)) || !(line = strstr(buf, "\nNSpid:")))
		return pid;
	line[strcspn(line + 1, "\n") + 1] = '\0';
	last = strrchr(line, '\t');
	return last ? (pid_t)strtol(last + 1, NULL, 10) : pid;
}

/* "Max core file size  SOFT  HARD  bytes" in /proc/PID/limits. */
static uint64_t core_limit(pid_t pid)
{
	char buf[4096], *line;

	if (!read_small(pid, "limits", buf, sizeof(buf)) ||
	    !(line = strstr(buf, "Max core file size")))
		return 0;
	line += strlen("Max core file size");
	while (*line == ' ')
		line++;
	return strncmp(line, "unlimited", 9) == 0 ? UINT64_MAX : strtoull(line, NULL, 10);
}

/* Field 39 of /proc/PID/stat: the CPU it last ran on. */
static int last_cpu(pid_t pid)
{
	char buf[4096];
	uint64_t cpu;

	if (!read_small(pid, "stat", buf, sizeof(buf)) || gc_proc_stat_field(buf, 39, &cpu) < 0 ||
	    cpu > INT32_MAX)
		return 0;
	return (int)cpu;
}

void gc_forward_collect(pid_t pid, struct gc_forward_values *v)
{
	static char hostname[256];

	v->pid = v->tid = namespace_pid(pid);
	v->global_tid = pid;
	v->core_limit = core_limit(pid);
	v->cpu = last_cpu(pid);
	if (gethostname(hostname, sizeof(hostname)) == 0)
		v->hostname = hostname;
	v->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
}

/* The kernel's cn_esc_printf, for %h %e %E %f: '!' for '/', so a name stays one path
 * component, and "!" for an empty name. */
static void put_escaped(FILE *out, const char *s)
{
	if (!s || !*s)
		fputc('!', out);
	for (; s && *s; s++)
		fputc(*s == '/' ? '!' : *s, out);
}

static void expand_one(FILE *out, char spec, const struct gc_forward_values *v)
{
	const char *base;

	switch (spec) {
	case '%':
		fputc('%', out);
		break;
	case 'p':
		fprintf(out, "%d", (int)v->pid);
		break;
	case 'P':
		fprintf(out, "%d", (int)v->global_pid);
		break;
	case 'i':
		fprintf(out, "%d", (int)v->tid);
		break;
	case 'I':
		fprintf(out, "%d", (int)v->global_tid);
		break;
	case 'u':
		fprintf(out, "%" PRId64, v->uid);
		break;
	case 'g':
		fprintf(out, "%" PRId64, v->gid);
		break;
	case 'd':
		fprintf(out, "%d", v->dump_mode);
		break;
	case 's':
		fprintf(out, "%d", v->signal);
		break;
	case 't':
		fprintf(out, "%" PRIu64, v->time_sec);
		break;
	case 'h':
		put_escaped(out, v->hostname);
		break;
	case 'e':
		put_escaped(out, v->comm);
		break;
	case 'E':
		put_escaped(out, v->exe_path);
		break;
	case 'f':
		base = v->exe_path ? strrchr(v->exe_path, '/') : NULL;
		put_escaped(out, base ? base + 1 : v->exe_path);
		break;
	case 'c':
		fprintf(out, "%" PRIu64, v->core_limit);
		break;
	case 'C':
		fprintf(out, "%d", v->cpu);
		break;
	case 'F':
		fprintf(out, "%d", v->pidfd);
		break;
	default:
		break; /* unknown: the kernel drops both characters */
	}
}

#define PATTERN_SPACE " \t\n\v\f\r"

static char *expand_word(const char *word, size_t len, const struct gc_forward_values *v)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (word[i] != '%') {
			fputc(word[i], out);
			continue;
		}
		if (++i < len)
			expand_one(out, word[i], v);
	}
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

int gc_forward_argv(const char *pattern, const struct gc_forward_values *v, char ***ret)
{
	char **argv = NULL;
	size_t n = 0;
	const char *p;

	if (!pattern || pattern[0] != '|')
		return -EINVAL;
	/* The kernel splits the pattern on isspace() before expanding it. */
	for (p = pattern + 1; *p;) {
		size_t len;

		p += strspn(p, PATTERN_SPACE);
		if (!*p)
			break;
		len = strcspn(p, PATTERN_SPACE);
		/* argv stays NULL-terminated (or NULL) at every failure, for gc_strv_free. */
		char **grown = reallocarray(argv, n + 2, sizeof(char *));
		if (!grown) {
			gc_strv_free(argv);
			return -ENOMEM;
		}
		argv = grown;
		argv[n] = expand_word(p, len, v);
		if (!argv[n]) {
			gc_strv_free(argv);
			return -ENOMEM;
		}
		argv[++n] = NULL;
		p += len;
	}
	if (n == 0) {
		free(argv);
		return -EINVAL;
	}
	*ret = argv;
	return 0;
}

int gc_forward_exec(const char *pattern, const struct gc_forward_values *v)
{
	char **argv = NULL;
	int r;

	r = gc_forward_argv(pattern, v, &argv);
	if (r < 0)
		return r;
	/* The pidfd must survive the exec for %F: pidfd_open sets close-on-exec. */
	if (v->pidfd >= 0)
		fcntl(v->pidfd, F_SETFD, 0);
	gc_log(LOG_INFO, "not a Go program, forwarding the core to %s (NonGo=forward)", argv[0]);
	execv(argv[0], argv);
	r = gc_log_errno(LOG_ERR, errno, "cannot start the previous handler %s", argv[0]);
	gc_strv_free(argv);
	return r;
}
