/* SPDX-License-Identifier: MIT */
/* gocrashctl debug: a debugger on a stored crash, given its exact executable and its core,
 * both restored into a private temporary directory that goes when the debugger ends:
 *
 *   DIR/NAME   the executable: the one the store kept (store-exe.h), else the file at the
 *              crash's path when its build id is still the one recorded (copied from the fd
 *              that was checked, so the debugger never opens a path the crashed user controls)
 *   DIR/core   the core, sparse (runs of zero blocks are holes), mode 0600
 *
 * DIR is gocrashctl-debug-XXXXXX (mode 0700) in $TMPDIR, else /var/tmp (a core may not fit
 * a tmpfs /tmp). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "meta.h"
#include "store.h"

struct gc_debug_files {
	char *dir;     /* the temporary directory */
	char *exe;     /* DIR/NAME */
	char *core;    /* DIR/core */
	bool exe_kept; /* the executable is the store's copy (else the original, verified) */
};

/* Whether the executable open on fd has the build id recorded (build_id, from the meta).
 * The file is the crashed user's: it is read by the sandboxed probe (exeprobe.h). Returns 0
 * when it has, -ESTALE when it has another one (or none), -ENODATA when none was recorded,
 * or the probe's negative errno. */
int gc_debug_exe_matches(int fd, const char *build_id);

/* Whether the executable open on fd has DWARF (.debug_info or .zdebug_info), asked of a
 * sandboxed child. Returns 0 with *ret set, or a negative errno. */
int gc_debug_has_dwarf(int fd, bool *ret);

/* Makes the temporary directory, the executable and the sparse core of the crash, whose
 * core must be stored. Returns 0 with ret filled (gc_debug_files_remove() undoes it), or a
 * negative errno, nothing left behind: -ENOENT no kept executable and no path to look at,
 * -ESTALE the file at the path has another build id, -ENODATA no build id was recorded to
 * check it with, -ELOOP a symlink on the path (it is not followed), -EBADMSG a damaged core.
 * While it works and until gc_debug_files_remove(), SIGINT, SIGQUIT, SIGTERM and SIGHUP
 * remove the files before they end the process. */
int gc_debug_prepare(struct gc_store *store, const struct gc_meta *meta,
		     struct gc_debug_files *ret);

/* Removes the files and the directory, frees the names, and restores the signals. */
void gc_debug_files_remove(struct gc_debug_files *files);

/* Splits text into words as a shell does, without running one: blanks separate words,
 * '...' is literal, "..." keeps all but \\, \", \$ and \`, and a backslash outside quotes
 * takes the next character as it is; nothing is expanded. Returns 0 with *ret a
 * NULL-terminated array (free it with gc_strv_free, util.h) and *n_ret its length, -EINVAL for an
 * unterminated quote or a trailing backslash, -ENOMEM. */
int gc_split_words(const char *text, char ***ret, size_t *n_ret);

/* The debugger's command line: `dlv core ARGS EXE CORE` when the program's name is dlv,
 * else gdb's `PROG ARGS EXE -c CORE` (lldb reads that too). arguments is split by
 * gc_split_words (NULL for none). Returns 0 with *ret (gc_strv_free), -EINVAL, -ENOMEM. */
int gc_debug_argv(const char *debugger, const char *arguments, const char *exe, const char *core,
		  char ***ret);

/* Whether the debugger program is Delve (its name is dlv). */
bool gc_debug_is_dlv(const char *debugger);

/* Runs argv[0] (searched in $PATH) in the foreground and waits for it. While it runs,
 * SIGINT and SIGQUIT are ignored here (the terminal sends them to the debugger, which has
 * its own use for them) and SIGTERM and SIGHUP are passed on to it. Returns 0 with its wait
 * status and the signal that asked us to stop (0 for none), or the negative errno of the
 * failed exec (-ENOENT: no such program). */
int gc_debug_run(char *const *argv, int *ret_status, int *ret_signal);
