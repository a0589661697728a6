/* SPDX-License-Identifier: MIT */
#include "analyze.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "goexe.h"
#include "macro.h"
#include "sandbox.h"

int gc_gobin_inspect(int fd, struct gc_gobin *ret)
{
	_cleanup_(gc_exe_freep) struct gc_exe *exe = NULL;
	const struct gc_buildinfo *info = NULL;
	struct gc_gobin gobin = {};
	const char *id;
	int r;

	if (gc_sandbox_check_unprivileged(__func__) < 0)
		return -EPERM;
	r = gc_exe_open(fd, &exe);
	/* Out of memory says nothing about the file: not a "not Go". */
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		*ret = gobin;
		return 0;
	}
	r = gc_exe_buildinfo(exe, &info);
	/* Older than Go 1.18 (another build info format) is Go all the same. */
	gobin.is_go = r >= 0 || r == -EPROTONOSUPPORT || gc_exe_go_build_id(exe);
	if (info && info->go_version && !(gobin.go_version = strdup(info->go_version)))
		return -ENOMEM;
	id = gc_exe_gnu_build_id(exe) ?: gc_exe_go_build_id(exe);
	if (id && !(gobin.build_id = strdup(id))) {
		gc_gobin_done(&gobin);
		return -ENOMEM;
	}
	*ret = gobin;
	return 0;
}

int gc_gobin_has_dwarf(int fd, bool *ret)
{
	_cleanup_(gc_exe_freep) struct gc_exe *exe = NULL;
	struct gc_exe_range range;
	int r;

	if (gc_sandbox_check_unprivileged(__func__) < 0)
		return -EPERM;
	r = gc_exe_open(fd, &exe);
	if (r == -ENOMEM)
		return r;
	*ret = r >= 0 && (gc_exe_section(exe, ".debug_info", &range) == 0 ||
			  gc_exe_section(exe, ".zdebug_info", &range) == 0);
	return 0;
}

void gc_gobin_done(struct gc_gobin *gobin)
{
	free(gobin->go_version);
	free(gobin->build_id);
	*gobin = (struct gc_gobin){};
}
