/* SPDX-License-Identifier: MIT */
#include "exeprobe.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sandbox.h"

/* The child's answer, as text so that the sandbox's NUL-terminated output carries it whole:
 * this line, "0" or "1" (is Go), the build id, the Go version, each line ending in '\n';
 * a string is printable ASCII within its bound, and empty when unknown. */
#define PROBE_MAGIC "gocrashd-exeprobe 1\n"
/* Room for the longest answer and one byte more, so that anything longer is seen. */
#define PROBE_OUTPUT_LIMIT                                                                         \
	(sizeof(PROBE_MAGIC) - 1 + 2 + GC_EXE_PROBE_BUILD_ID_MAX + 1 +                             \
	 GC_EXE_PROBE_GO_VERSION_MAX + 1 + 1)

static bool field_ok(const char *s, size_t max)
{
	size_t len = 0;

	for (; s[len]; len++)
		if (len >= max || s[len] < 0x20 || s[len] > 0x7e)
			return false;
	return true;
}

/* In the child: what it cannot say within the format, it does not say. */
static const char *sendable(const char *s, size_t max)
{
	return s && field_ok(s, max) ? s : "";
}

static int probe_child(void *userdata, int out_fd)
{
	const int *fd = userdata;
	struct gc_gobin gobin = {};
	int r;

	r = gc_gobin_inspect(*fd, &gobin);
	if (r >= 0 && dprintf(out_fd, PROBE_MAGIC "%d\n%s\n%s\n", gobin.is_go,
			      sendable(gobin.build_id, GC_EXE_PROBE_BUILD_ID_MAX),
			      sendable(gobin.go_version, GC_EXE_PROBE_GO_VERSION_MAX)) < 0)
		r = -EIO;
	gc_gobin_done(&gobin);
	return r;
}

/* In the parent: one line of the answer, checked as the child should have sent it. */
static int take_field(const char **p, size_t max, char **ret)
{
	const char *end = strchr(*p, '\n');
	size_t len;
	char *s;

	if (!end || (size_t)(end - *p) > max)
		return -EBADMSG;
	len = end - *p;
	s = strndup(*p, len);
	if (!s)
		return -ENOMEM;
	if (!field_ok(s, max)) {
		free(s);
		return -EBADMSG;
	}
	*p = end + 1;
	if (len == 0)
		free(TAKE_PTR(s));
	*ret = s;
	return 0;
}

int gc_exe_probe_parse_answer(const char *text, struct gc_gobin *ret)
{
	const char *p = text + strlen(PROBE_MAGIC);
	struct gc_gobin gobin = {};
	int r;

	if (strncmp(text, PROBE_MAGIC, strlen(PROBE_MAGIC)) != 0 || (p[0] != '0' && p[0] != '1') ||
	    p[1] != '\n')
		return -EBADMSG;
	gobin.is_go = p[0] == '1';
	p += 2;
	r = take_field(&p, GC_EXE_PROBE_BUILD_ID_MAX, &gobin.build_id);
	if (r >= 0)
		r = take_field(&p, GC_EXE_PROBE_GO_VERSION_MAX, &gobin.go_version);
	if (r >= 0 && *p)
		r = -EBADMSG;
	if (r < 0) {
		gc_gobin_done(&gobin);
		return r;
	}
	*ret = gobin;
	return 0;
}

int gc_exe_probe(int fd, const struct gc_exe_probe_limits *limits, struct gc_gobin *ret)
{
	int keep[] = {fd};
	struct gc_sandbox_options options = {
	    .time_limit_usec = limits->time_limit_usec,
	    .memory_limit = limits->memory_limit,
	    .output_limit = PROBE_OUTPUT_LIMIT,
	    .keep_fds = keep,
	    .n_keep_fds = ELEMENTSOF(keep),
	};
	enum gc_sandbox_outcome outcome;
	_cleanup_free_ char *output = NULL;
	int r;

	if (fd < 0)
		return -EBADF;
	r = gc_sandbox_run(&options, probe_child, &fd, &outcome, &output);
	if (r < 0)
		return r;
	if (outcome == GC_SANDBOX_TIMED_OUT)
		return -ETIMEDOUT;
	if (outcome != GC_SANDBOX_OK)
		return -ECHILD;
	return gc_exe_probe_parse_answer(output, ret);
}
