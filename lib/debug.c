/* SPDX-License-Identifier: MIT */
#include "debug.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyze.h"
#include "dump.h"
#include "exeprobe.h"
#include "macro.h"
#include "sandbox.h"
#include "store-exe.h"
#include "util.h"
#include "zfile.h"
#include "zseek.h"

#define PROBE_TIME_LIMIT_USEC (30 * 1000000ull)

int gc_debug_exe_matches(int fd, const char *build_id)
{
	const struct gc_exe_probe_limits limits = {.time_limit_usec = PROBE_TIME_LIMIT_USEC};
	struct gc_gobin gobin = {};
	int r;

	if (!build_id || !*build_id)
		return -ENODATA;
	r = gc_exe_probe(fd, &limits, &gobin);
	if (r < 0)
		return r;
	r = gobin.build_id && strcmp(gobin.build_id, build_id) == 0 ? 0 : -ESTALE;
	gc_gobin_done(&gobin);
	return r;
}

static int dwarf_child(void *userdata, int out_fd)
{
	const int *fd = userdata;
	bool has = false;
	int r = gc_gobin_has_dwarf(*fd, &has);

	if (r >= 0 && dprintf(out_fd, "%d\n", has) < 0)
		r = -EIO;
	return r < 0 ? 1 : 0;
}

int gc_debug_has_dwarf(int fd, bool *ret)
{
	int keep[] = {fd};
	const struct gc_sandbox_options options = {
	    .time_limit_usec = PROBE_TIME_LIMIT_USEC,
	    .output_limit = 8,
	    .keep_fds = keep,
	    .n_keep_fds = ELEMENTSOF(keep),
	};
	enum gc_sandbox_outcome outcome;
	_cleanup_free_ char *output = NULL;
	int r;

	r = gc_sandbox_run(&options, dwarf_child, &fd, &outcome, &output);
	if (r < 0)
		return r;
	if (outcome == GC_SANDBOX_TIMED_OUT)
		return -ETIMEDOUT;
	if (outcome != GC_SANDBOX_OK)
		return -ECHILD;
	if (strcmp(output, "0\n") != 0 && strcmp(output, "1\n") != 0)
		return -EBADMSG;
	*ret = output[0] == '1';
	return 0;
}

/* The files being made or in use, for the signal handler; debugger_pid once it runs. */
static const struct gc_debug_files *guarded;
static volatile sig_atomic_t debugger_pid, stop_signal;
static const int guarded_signals[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};

static void remove_guarded(void)
{
	if (!guarded)
		return;
	if (guarded->core)
		(void)unlink(guarded->core);
	if (guarded->exe)
		(void)unlink(guarded->exe);
	(void)rmdir(guarded->dir);
}

/* Async-signal-safe: system calls only, on names made before the handler was installed. */
static void on_signal(int sig)
{
	if (debugger_pid > 0) {
		stop_signal = sig;
		(void)kill(debugger_pid, sig);
		return;
	}
	remove_guarded();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void set_signals(void (*handler)(int))
{
	struct sigaction sa = {.sa_handler = handler};

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ELEMENTSOF(guarded_signals); i++)
		(void)sigaction(guarded_signals[i], &sa, NULL);
}

void gc_debug_files_remove(struct gc_debug_files *files)
{
	if (!files->dir)
		return;
	set_signals(SIG_DFL);
	guarded = files;
	remove_guarded();
	guarded = NULL;
	free(files->dir);
	free(files->exe);
	free(files->core);
	*files = (struct gc_debug_files){};
}

/* The executable's name in DIR: the crashed one's when it is a plain name, else "exe". */
static const char *exe_name(const char *path)
{
	const char *name = path ? strrchr(path, '/') : NULL;

	name = name ? name + 1 : path;
	if (!name || !*name || *name == '.' || strlen(name) > 64 || strcmp(name, "core") == 0)
		return "exe";
	for (const char *p = name; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-",
			    *p))
			return "exe";
	return name;
}

/* DIR/NAME and DIR/core, once mkdtemp has made DIR. */
static int make_names(const struct gc_meta *meta, struct gc_debug_files *f)
{
	char *exe, *core;

	if (asprintf(&exe, "%s/%s", f->dir, exe_name(meta->exe)) < 0)
		return -ENOMEM;
	f->exe = exe;
	if (asprintf(&core, "%s/core", f->dir) < 0)
		return -ENOMEM;
	f->core = core;
	return 0;
}

/* Makes DIR, in $TMPDIR else /var/tmp, the signals guarding it from then on. */
static int make_dir(struct gc_debug_files *f)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	if (!tmp || tmp[0] != '/')
		tmp = "/var/tmp";
	if (asprintf(&dir, "%s/gocrashctl-debug-XXXXXX", tmp) < 0)
		return -ENOMEM;
	debugger_pid = stop_signal = 0;
	*f = (struct gc_debug_files){.dir = dir};
	guarded = f;
	set_signals(on_signal);
	if (!mkdtemp(dir)) {
		int r = negative_errno();

		dir[0] = '\0'; /* not ours: nothing to remove */
		gc_debug_files_remove(f);
		return r;
	}
	return 0;
}

/* The file at the crash's path, never through a symlink (the path is /proc/PID/exe's, which
 * has none: one there now was put by someone), never blocking on what is not a file. */
static int open_original(const char *path)
{
	struct open_how how = {
	    .flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY,
	    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	if (!path || path[0] != '/')
		return -ENOENT;
	fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
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

static int copy_to(FILE *in, const char *path)
{
	_cleanup_close_ int out_fd = -EBADF;
	uint64_t size;

	out_fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out_fd < 0)
		return negative_errno();
	return gc_copy_stream(in, out_fd, &size);
}

/* The kept executable, decompressed, else the original once its build id is checked. */
static int write_exe(struct gc_store *store, const struct gc_meta *meta, struct gc_debug_files *f)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_fclose_ FILE *in = NULL;
	int r;

	if (meta->exe_kept) {
		fd = gc_store_exe_open(store, meta->exe_kept);
		f->exe_kept = fd >= 0;
	}
	if (fd < 0) {
		fd = open_original(meta->exe);
		if (fd < 0)
			return fd;
		r = gc_debug_exe_matches(fd, meta->build_id);
		if (r < 0)
			return r;
	}
	/* The kept one is zstd; an original is passed through as it is. */
	in = gc_zfile_read(fd);
	if (!in)
		return negative_errno();
	return copy_to(in, f->exe);
}

static void zreader_freep(struct gc_zreader **reader)
{
	gc_zreader_free(*reader);
}

static int write_core(struct gc_store *store, const struct gc_meta *meta, const char *path)
{
	_cleanup_(zreader_freep) struct gc_zreader *reader = NULL;
	_cleanup_close_ int core_fd = -EBADF, out_fd = -EBADF;
	int r;

	core_fd = gc_store_open_core(store, meta->id);
	if (core_fd < 0)
		return core_fd;
	r = gc_zreader_open(core_fd, &reader);
	if (r < 0)
		return r;
	out_fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out_fd < 0)
		return negative_errno();
	return gc_dump(reader, out_fd, NULL);
}

int gc_debug_prepare(struct gc_store *store, const struct gc_meta *meta, struct gc_debug_files *ret)
{
	int r;

	r = make_dir(ret);
	if (r < 0)
		return r;
	r = make_names(meta, ret);
	if (r >= 0)
		r = write_exe(store, meta, ret);
	if (r >= 0)
		r = write_core(store, meta, ret->core);
	if (r < 0)
		gc_debug_files_remove(ret);
	return r;
}

/* gocrashctl debug's child: the debugger, with the signals as the terminal's user expects. */
_Noreturn static void exec_debugger(char *const *argv, int error_fd)
{
	int error;

	set_signals(SIG_DFL);
	execvp(argv[0], argv);
	error = errno;
	(void)gc_write_all(error_fd, &error, sizeof(error));
	_exit(127);
}

static int wait_debugger(pid_t pid, int *ret_status)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	*ret_status = status;
	return 0;
}

/* While the debugger runs: Ctrl-C and Ctrl-\ are for it (it shares the terminal's process
 * group), a request to stop is passed on to it. */
static void set_run_signals(struct sigaction saved[static ELEMENTSOF(guarded_signals)])
{
	struct sigaction sa = {};

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ELEMENTSOF(guarded_signals); i++) {
		int sig = guarded_signals[i];

		sa.sa_handler = sig == SIGINT || sig == SIGQUIT ? SIG_IGN : on_signal;
		(void)sigaction(sig, &sa, &saved[i]);
	}
}

static void restore_signals(const struct sigaction saved[static ELEMENTSOF(guarded_signals)])
{
	for (size_t i = 0; i < ELEMENTSOF(guarded_signals); i++)
		(void)sigaction(guarded_signals[i], &saved[i], NULL);
}

/* The child's exec error, 0 once it ran the debugger (the pipe closed on exec). */
static int exec_error(int error_fd)
{
	int error = 0;
	ssize_t n;

	do
		n = read(error_fd, &error, sizeof(error));
	while (n < 0 && errno == EINTR);
	return n == sizeof(error) && error > 0 ? -error : 0;
}

int gc_debug_run(char *const *argv, int *ret_status, int *ret_signal)
{
	struct sigaction saved[ELEMENTSOF(guarded_signals)];
	_cleanup_close_ int error_rd = -EBADF, error_wr = -EBADF;
	int fds[2], status = 0, r, error;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return negative_errno();
	error_rd = fds[0];
	error_wr = fds[1];
	fflush(NULL);
	stop_signal = 0;
	set_run_signals(saved);
	pid = fork();
	if (pid < 0) {
		r = negative_errno();
		restore_signals(saved);
		return r;
	}
	if (pid == 0)
		exec_debugger(argv, error_wr);
	debugger_pid = pid;
	close(TAKE_FD(error_wr));
	error = exec_error(error_rd);
	r = wait_debugger(pid, &status);
	debugger_pid = 0;
	restore_signals(saved);
	if (error < 0)
		return error;
	if (r < 0)
		return r;
	*ret_status = status;
	*ret_signal = stop_signal;
	return 0;
}

/* Appends word (taken) to *strv of length *n, keeping it NULL-terminated. */
static int strv_push(char ***strv, size_t *n, char *word)
{
	char **grown;

	if (!word)
		return -ENOMEM;
	grown = reallocarray(*strv, *n + 2, sizeof(char *));
	if (!grown) {
		free(word);
		return -ENOMEM;
	}
	grown[(*n)++] = word;
	grown[*n] = NULL;
	*strv = grown;
	return 0;
}

/* One word from *p (past leading blanks) into buf; advances *p. Returns 1 for a word, 0 at
 * the end, -EINVAL. */
static int next_word(const char **p, char *buf)
{
	const char *s = *p + strspn(*p, " \t\n");
	char quote = 0;
	size_t len = 0;

	if (!*s)
		return 0;
	for (; *s && (quote || !strchr(" \t\n", *s)); s++) {
		if (quote == '\'' && *s != '\'')
			buf[len++] = *s;
		else if ((quote == '\'' || quote == '"') && *s == quote)
			quote = 0;
		else if (!quote && (*s == '\'' || *s == '"'))
			quote = *s;
		else if (*s != '\\')
			buf[len++] = *s;
		else if (!s[1])
			return -EINVAL;
		else if (!quote || strchr("\\\"$`", s[1]))
			buf[len++] = *++s;
		else
			buf[len++] = *s;
	}
	if (quote)
		return -EINVAL;
	buf[len] = '\0';
	*p = s;
	return 1;
}

int gc_split_words(const char *text, char ***ret, size_t *n_ret)
{
	_cleanup_free_ char *buf = malloc(strlen(text) + 1);
	char **strv = calloc(1, sizeof(char *));
	size_t n = 0;
	int r = buf && strv ? 1 : -ENOMEM;

	while (r > 0 && (r = next_word(&text, buf)) > 0)
		r = strv_push(&strv, &n, strdup(buf)) < 0 ? -ENOMEM : 1;
	if (r < 0) {
		gc_strv_free(strv);
		return r;
	}
	*ret = strv;
	*n_ret = n;
	return 0;
}

bool gc_debug_is_dlv(const char *debugger)
{
	const char *name = strrchr(debugger, '/');

	return strcmp(name ? name + 1 : debugger, "dlv") == 0;
}

int gc_debug_argv(const char *debugger, const char *arguments, const char *exe, const char *core,
		  char ***ret)
{
	bool dlv = gc_debug_is_dlv(debugger);
	char **argv = NULL, **args = NULL;
	size_t n = 0, n_args = 0;
	int r;

	if (!*debugger)
		return -EINVAL;
	r = gc_split_words(arguments ? arguments : "", &args, &n_args);
	if (r < 0)
		return r;
	r = strv_push(&argv, &n, strdup(debugger));
	if (r >= 0 && dlv)
		r = strv_push(&argv, &n, strdup("core"));
	for (size_t i = 0; r >= 0 && i < n_args; i++)
		r = strv_push(&argv, &n, TAKE_PTR(args[i]));
	if (r >= 0)
		r = strv_push(&argv, &n, strdup(exe));
	if (r >= 0 && !dlv)
		r = strv_push(&argv, &n, strdup("-c"));
	if (r >= 0)
		r = strv_push(&argv, &n, strdup(core));
	for (size_t i = 0; i < n_args; i++)
		free(args[i]); /* those not taken */
	free(args);
	if (r < 0) {
		gc_strv_free(argv);
		return r;
	}
	*ret = argv;
	return 0;
}
