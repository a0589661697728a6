/* SPDX-License-Identifier: MIT */
/* gocrashctl debug: dlv or gdb on a stored crash, its exact executable and its core
 * (debug.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "debug.h"
#include "journal.h"
#include "log.h"
#include "macro.h"
#include "util.h"

#include "gocrashctl.h"

/* --debugger, else $GOCRASHCTL_DEBUGGER, else $SYSTEMD_DEBUGGER (coredumpctl's), else dlv
 * for a Go program and gdb for the others. */
static const char *choose_debugger(const struct ctl *ctl, const struct gc_meta *meta)
{
	const char *names[] = {"GOCRASHCTL_DEBUGGER", "SYSTEMD_DEBUGGER"};

	if (ctl->debugger)
		return ctl->debugger;
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		const char *value = getenv(names[i]);

		if (value && *value)
			return value;
	}
	return meta->go ? "dlv" : "gdb";
}

/* Why a crash has no core to debug, when it has none. Returns whether it has one. */
static bool check_core(const struct gc_meta *m)
{
	const char *stacks = m->go ? "; gocrashctl stacks shows its goroutines" : "";

	if (m->core_stored)
		return true;
	if (m->core_dropped && strncmp(m->core_dropped, "analysis only", 13) == 0)
		gc_log(LOG_ERR, "crash %s has no core: it was stored with its analysis only (%s)%s",
		       m->id, m->core_dropped, stacks);
	else if (m->core_dropped)
		gc_log(LOG_ERR, "crash %s has no core: it was %s%s", m->id, m->core_dropped,
		       stacks);
	else
		gc_log(LOG_ERR, "crash %s has no core: none was stored%s%s%s", m->id,
		       m->core_error ? " (" : "", m->core_error ? m->core_error : "",
		       m->core_error ? ")" : "");
	return false;
}

static void explain_prepare_error(const struct gc_meta *m, int r)
{
	const char *path = m->exe ? m->exe : "(unknown)";
	const char *keep = "the store kept no copy of it (KeepExecutable= in gocrashd.conf(5))";

	switch (r) {
	case -ESTALE:
		gc_log(LOG_ERR,
		       "debug: %s is not the executable of crash %s any more (its build id is not "
		       "%s) and %s; put that build back at %s, or read the crash without it: "
		       "gocrashctl stacks %s, gocrashctl dump %s -o FILE",
		       path, m->id, m->build_id, keep, path, m->id, m->id);
		break;
	case -ENODATA:
		gc_log(LOG_ERR,
		       "debug: crash %s recorded no build id, so %s cannot be checked to be the "
		       "executable that crashed, and %s",
		       m->id, path, keep);
		break;
	case -ENOENT:
		gc_log(LOG_ERR, "debug: the executable of crash %s is gone from %s and %s", m->id,
		       path, keep);
		break;
	case -ELOOP:
		gc_log(LOG_ERR, "debug: %s goes through a symbolic link now, which is not followed",
		       path);
		break;
	default:
		gc_log_errno(LOG_ERR, r, "debug: cannot restore the executable and core of %s",
			     m->id);
	}
}

/* dlv reads Go's DWARF only: without it, say so before it fails its own way. Returns 0 to
 * go on, or a negative errno when the debugger would not be of use. */
static int check_dwarf(const struct gc_meta *m, const struct gc_debug_files *f, bool dlv)
{
	_cleanup_close_ int fd = open(f->exe, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	bool has = true;

	if (fd < 0 || gc_debug_has_dwarf(fd, &has) < 0 || has)
		return 0; /* unknown: let the debugger try */
	if (dlv) {
		gc_log(LOG_ERR,
		       "debug: the executable of crash %s has no DWARF (stripped, or built with "
		       "-ldflags=-w), which dlv needs; gocrashctl stacks %s shows its goroutines "
		       "(or --debugger=gdb for its symbols)",
		       m->id, m->id);
		return -ENODATA;
	}
	gc_log(LOG_WARNING, "the executable of crash %s has no DWARF: no source lines", m->id);
	return 0;
}

/* What the debugger's end says, as our exit status. */
static int debugger_result(const struct gc_meta *m, const char *debugger, int status,
			   int stop_signal)
{
	if (stop_signal)
		return 128 + stop_signal;
	if (WIFSIGNALED(status)) {
		gc_log(LOG_ERR, "%s was killed by %s", debugger, gc_signal_name(WTERMSIG(status)));
		return 128 + WTERMSIG(status);
	}
	if (WEXITSTATUS(status) != 0 && gc_debug_is_dlv(debugger) && m->go)
		gc_log(LOG_ERR,
		       "dlv exited with status %d; if it could not read the crash (a Go release "
		       "newer than it knows: -A --check-go-version=false), gocrashctl stacks %s "
		       "shows its goroutines",
		       WEXITSTATUS(status), m->id);
	return WEXITSTATUS(status);
}

static int run_debugger(const struct ctl *ctl, const struct gc_meta *m,
			const struct gc_debug_files *f, const char *debugger)
{
	char **argv = NULL;
	int status = 0, stop_signal = 0, r;

	r = gc_debug_argv(debugger, ctl->debugger_arguments, f->exe, f->core, &argv);
	if (r < 0) {
		gc_log_errno(LOG_ERR, r, "debug: cannot make the command line of %s", debugger);
		return EXIT_NOT_FOUND;
	}
	if (!ctl->quiet)
		gc_log(LOG_INFO, "debugging crash %s with %s on %s", m->id, debugger,
		       f->exe_kept ? "the executable the store kept"
				   : "its executable, build id checked");
	r = gc_debug_run(argv, &status, &stop_signal);
	gc_strv_free(argv);
	if (r < 0) {
		gc_log_errno(LOG_ERR, r, "debug: cannot run %s", debugger);
		return EXIT_NOT_FOUND;
	}
	return debugger_result(m, debugger, status, stop_signal);
}

/* -A as a usage error, before a core is restored for nothing. */
static bool arguments_ok(const struct ctl *ctl)
{
	char **words = NULL;
	size_t n;
	int r;

	if (!ctl->debugger_arguments)
		return true;
	r = gc_split_words(ctl->debugger_arguments, &words, &n);
	gc_strv_free(words);
	if (r == -EINVAL)
		gc_log(LOG_ERR, "debug: -A \"%s\": a quote is not closed or a backslash ends it",
		       ctl->debugger_arguments);
	else if (r < 0)
		gc_log_errno(LOG_ERR, r, "debug: -A");
	return r >= 0;
}

int verb_debug(struct ctl *ctl, int argc, char **argv)
{
	struct gc_debug_files files = {};
	struct gc_meta meta = {};
	const char *debugger;
	int r;

	if (!arguments_ok(ctl))
		return EXIT_USAGE;
	if (geteuid() != 0) {
		gc_log(LOG_ERR, "debug: only root can read the store's cores for now");
		return EXIT_NOT_FOUND;
	}
	if (find_selected(ctl, argv[0], &meta) < 0)
		return EXIT_NOT_FOUND;
	debugger = choose_debugger(ctl, &meta);
	if (!check_core(&meta)) {
		gc_meta_free(&meta);
		return EXIT_NOT_FOUND;
	}
	r = gc_debug_prepare(ctl->store, &meta, &files);
	if (r < 0) {
		explain_prepare_error(&meta, r);
		gc_meta_free(&meta);
		return EXIT_NOT_FOUND;
	}
	r = check_dwarf(&meta, &files, gc_debug_is_dlv(debugger));
	r = r < 0 ? EXIT_NOT_FOUND : run_debugger(ctl, &meta, &files, debugger);
	gc_debug_files_remove(&files);
	gc_meta_free(&meta);
	return r;
}
