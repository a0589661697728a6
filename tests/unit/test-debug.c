/* SPDX-License-Identifier: MIT */
/* gocrashctl debug's library part (debug.h), on real cores and executables (tests/data) in a
 * real store in a temporary directory, with the real sandboxed probe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyze.h"
#include "debug.h"
#include "log.h"
#include "macro.h"
#include "store-exe.h"
#include "store.h"
#include "util.h"
#include "zfile.h"
#include "zseek.h"

#define T0	   1704164645000000ull /* 2024-01-02 03:04:05 UTC */
#define GO_CORE	   "go/go1.22-panic.core.zst"
#define GO_EXE	   "go/go1.22-panic.exe.zst"
#define C_EXE	   "crash-c-static.zst"
#define C_BUILD_ID "e8a62cbb9fa6c16b4b478695f37d9ab1daf595a8"

struct fixture {
	char root[64];
	char store_path[128];
	char tmp[128]; /* $TMPDIR: where the debug files go */
	char exe[128]; /* the crashed executable's path */
	struct gc_store *store;
	struct gc_meta meta;
};

static void quiet_log(int priority, const char *message, void *userdata)
{
	if (getenv("TEST_DEBUG_LOG"))
		fprintf(stderr, "log: %s\n", message);
}

static char *data_path(const char *name)
{
	char *path;

	assert_true(asprintf(&path, "%s/%s", getenv("GC_TEST_DATA"), name) > 0);
	return path;
}

/* The data file, zstd-decompressed (or as it is), to path. */
static void unpack(const char *name, const char *path)
{
	_cleanup_free_ char *from = data_path(name);
	_cleanup_close_ int in_fd = open(from, O_RDONLY | O_CLOEXEC), out_fd = -EBADF;
	_cleanup_fclose_ FILE *in = NULL;
	uint64_t size;

	assert_true(in_fd >= 0);
	in = gc_zfile_read(in_fd);
	assert_non_null(in);
	(void)unlink(path);
	out_fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	assert_true(out_fd >= 0);
	assert_int_equal(gc_copy_stream(in, out_fd, &size), 0);
}

/* The whole file at path, malloc'ed. */
static char *slurp(const char *path, size_t *ret_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *data;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	data = malloc(st.st_size + 1);
	assert_non_null(data);
	assert_int_equal(pread(fd, data, st.st_size, 0), st.st_size);
	*ret_size = st.st_size;
	return data;
}

static char *build_id_of(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct gc_gobin gobin = {};
	char *id;

	assert_int_equal(gc_gobin_inspect(fd, &gobin), 0);
	assert_non_null(gobin.build_id);
	id = TAKE_PTR(gobin.build_id);
	gc_gobin_done(&gobin);
	return id;
}

/* A committed entry of the Go crash: its real core, its executable at f->exe. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	_cleanup_free_ char *core = data_path(GO_CORE);
	_cleanup_close_ int in_fd = -EBADF, core_fd = -EBADF;
	struct gc_entry *entry;
	size_t size;
	char *bytes;

	assert_non_null(f);
	gc_log_set(quiet_log, NULL);
	strcpy(f->root, "/tmp/test-debug-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->store_path, sizeof(f->store_path), "%s/store", f->root);
	snprintf(f->tmp, sizeof(f->tmp), "%s/tmp", f->root);
	snprintf(f->exe, sizeof(f->exe), "%s/crashy", f->root);
	assert_int_equal(mkdir(f->tmp, 0700), 0);
	setenv("TMPDIR", f->tmp, 1);
	assert_int_equal(gc_store_open(f->store_path, true, &f->store), 0);
	unpack(GO_EXE, f->exe);
	f->meta = (struct gc_meta){.time_usec = T0, .pid = 42, .go = true, .core_stored = true};
	f->meta.exe = strdup(f->exe);
	f->meta.build_id = build_id_of(f->exe);
	assert_int_equal(gc_entry_new(f->store, T0, 42, &entry), 0);
	core_fd = gc_entry_open_core(entry);
	assert_true(core_fd >= 0);
	bytes = slurp(core, &size);
	assert_int_equal(gc_write_all(core_fd, bytes, size), 0);
	free(bytes);
	assert_int_equal(gc_entry_commit(entry, &f->meta), 0);
	*state = f;
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	gc_store_free(f->store);
	gc_meta_free(&f->meta);
	nftw(f->root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static unsigned tmp_count(const struct fixture *f)
{
	_cleanup_closedir_ DIR *d = opendir(f->tmp);
	struct dirent *de;
	unsigned n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	return n;
}

/* The raw core, as the seekable reader gives it. */
static char *raw_core(struct fixture *f, size_t *ret_size)
{
	_cleanup_close_ int fd = gc_store_open_core(f->store, f->meta.id);
	struct gc_zreader *reader;
	char *data;

	assert_true(fd >= 0);
	assert_int_equal(gc_zreader_open(fd, &reader), 0);
	*ret_size = gc_zreader_size(reader);
	data = malloc(*ret_size);
	assert_non_null(data);
	assert_int_equal(gc_zreader_pread(reader, data, *ret_size, 0), (ssize_t)*ret_size);
	gc_zreader_free(reader);
	return data;
}

static void assert_same_file(const char *a, const char *b)
{
	size_t size_a, size_b;
	_cleanup_free_ char *data_a = slurp(a, &size_a), *data_b = slurp(b, &size_b);

	assert_int_equal(size_a, size_b);
	assert_memory_equal(data_a, data_b, size_a);
}

/* The original executable, its build id checked; the core byte for byte, with holes. */
static void test_prepare_original(void **state)
{
	struct fixture *f = *state;
	struct gc_debug_files files = {};
	_cleanup_free_ char *expected = NULL, *got = NULL;
	size_t expected_size, got_size;
	struct stat st;
	bool dwarf = true;
	int fd;

	assert_int_equal(gc_debug_prepare(f->store, &f->meta, &files), 0);
	assert_false(files.exe_kept);
	assert_int_equal(strncmp(files.dir, f->tmp, strlen(f->tmp)), 0);
	assert_string_equal(strrchr(files.exe, '/'), "/crashy");
	assert_same_file(files.exe, f->exe);
	expected = raw_core(f, &expected_size);
	got = slurp(files.core, &got_size);
	assert_int_equal(got_size, expected_size);
	assert_memory_equal(got, expected, got_size);
	assert_int_equal(stat(files.core, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* 40 MB of a Go heap that is mostly untouched: most of it is holes. */
	assert_true((uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size / 4);
	assert_int_equal(stat(files.dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* Built with -ldflags='-s -w': nothing for dlv. */
	fd = open(files.exe, O_RDONLY | O_CLOEXEC);
	assert_int_equal(gc_debug_has_dwarf(fd, &dwarf), 0);
	assert_false(dwarf);
	close(fd);
	gc_debug_files_remove(&files);
	assert_null(files.dir);
	assert_int_equal(tmp_count(f), 0);
}

/* Another build at the path and no kept copy: refused, nothing left behind. */
static void test_build_id_mismatch(void **state)
{
	struct fixture *f = *state;
	struct gc_debug_files files = {};

	unpack(C_EXE, f->exe);
	assert_int_equal(gc_debug_prepare(f->store, &f->meta, &files), -ESTALE);
	assert_null(files.dir);
	assert_int_equal(tmp_count(f), 0);
	/* The one it has is read right: this build's id matches. */
	free(f->meta.build_id);
	f->meta.build_id = strdup(C_BUILD_ID);
	assert_int_equal(gc_debug_prepare(f->store, &f->meta, &files), 0);
	gc_debug_files_remove(&files);
	/* No build id recorded: nothing to check it with. */
	free(f->meta.build_id);
	f->meta.build_id = NULL;
	assert_int_equal(gc_debug_prepare(f->store, &f->meta, &files), -ENODATA);
	assert_int_equal(tmp_count(f), 0);
}

/* A symlink at the path, or in it, is not followed; a missing file is -ENOENT. */
static void test_original_symlink(void **state)
{
	struct fixture *f = *state;
	struct gc_debug_files files = {};
	char moved[160], dir_link[160];

	snprintf(moved, sizeof(moved), "%s.real", f->exe);
	assert_int_equal(rename(f->exe, moved), 0);
	assert_int_equal(gc_debug_prepare(f->store, &f->meta, &files), -ENOENT);
	assert_int_equal(symlink(moved, f->exe), 0);
	assert_int_equal(gc_debug_prepare(f->store, &f->meta, &files), -ELOOP);
	snprintf(dir_link, sizeof(dir_link), "%s/link", f->root);
	assert_int_equal(symlink(f->root, dir_link), 0);
	free(f->meta.exe);
	assert_true(asprintf(&f->meta.exe, "%s/crashy.real", dir_link) > 0);
	assert_int_equal(gc_debug_prepare(f->store, &f->meta, &files), -ELOOP);
	assert_int_equal(tmp_count(f), 0);
}

/* The kept executable wins over the path, which need not exist any more. */
static void test_prepare_kept(void **state)
{
	struct fixture *f = *state;
	struct gc_debug_files files = {};
	_cleanup_close_ int dir_fd = -EBADF, out_fd = -EBADF, exe_fd = -EBADF;
	_cleanup_free_ char *key = NULL;
	char kept[256];
	FILE *out;
	size_t size;
	char *bytes;

	assert_int_equal(gc_store_exe_key(f->meta.build_id, &key), 0);
	snprintf(kept, sizeof(kept), "%s/" GC_STORE_EXE_DIR, f->store_path);
	assert_int_equal(mkdir(kept, 0700), 0);
	snprintf(kept, sizeof(kept), "%s/" GC_STORE_EXE_DIR "/%s.zst", f->store_path, key);
	out_fd = open(kept, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(out_fd >= 0);
	out = gc_zfile_write(out_fd, 3);
	bytes = slurp(f->exe, &size);
	assert_int_equal(fwrite(bytes, 1, size, out), size);
	assert_int_equal(fclose(out), 0);
	free(bytes);
	f->meta.exe_kept = TAKE_PTR(key);
	unpack(C_EXE, f->exe); /* redeployed: another build at the path */
	assert_int_equal(gc_debug_prepare(f->store, &f->meta, &files), 0);
	assert_true(files.exe_kept);
	unpack(GO_EXE, f->exe);
	assert_same_file(files.exe, f->exe);
	gc_debug_files_remove(&files);
	assert_int_equal(tmp_count(f), 0);
}

/* Without a stored core there is nothing to restore, and nothing is left. */
static void test_no_core(void **state)
{
	struct fixture *f = *state;
	struct gc_debug_files files = {};
	char core[256];

	snprintf(core, sizeof(core), "%s/%s/" GC_ENTRY_CORE, f->store_path, f->meta.id);
	assert_int_equal(unlink(core), 0);
	assert_int_equal(gc_debug_prepare(f->store, &f->meta, &files), -ENOENT);
	assert_int_equal(tmp_count(f), 0);
}

static void test_has_dwarf(void **state)
{
	struct fixture *f = *state;
	_cleanup_close_ int fd = -EBADF;
	bool dwarf = false;

	unpack(C_EXE, f->exe); /* gcc -g */
	fd = open(f->exe, O_RDONLY | O_CLOEXEC);
	assert_int_equal(gc_debug_has_dwarf(fd, &dwarf), 0);
	assert_true(dwarf);
	close(TAKE_FD(fd));
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC); /* not ELF: no DWARF, no error */
	assert_int_equal(gc_debug_has_dwarf(fd, &dwarf), 0);
	assert_false(dwarf);
}

static void assert_words(const char *text, const char *const *expected)
{
	char **words = NULL;
	size_t n = 0, i;

	assert_int_equal(gc_split_words(text, &words, &n), 0);
	for (i = 0; expected[i]; i++) {
		assert_non_null(words[i]);
		assert_string_equal(words[i], expected[i]);
	}
	assert_int_equal(n, i);
	assert_null(words[i]);
	gc_strv_free(words);
}

static void test_split_words(void **state)
{
	char **words = NULL;
	size_t n;

	assert_words("", (const char *[]){NULL});
	assert_words("  \t ", (const char *[]){NULL});
	assert_words("-q  -ex 'bt full'", (const char *[]){"-q", "-ex", "bt full", NULL});
	assert_words("a\"b c\"d e", (const char *[]){"ab cd", "e", NULL});
	assert_words("\"\" ''", (const char *[]){"", "", NULL});
	assert_words("'$HOME' \"\\$x \\\"y\\\" \\n\" \\ z",
		     (const char *[]){"$HOME", "$x \"y\" \\n", " z", NULL});
	assert_words("--init=/tmp/a;rm -rf /",
		     (const char *[]){"--init=/tmp/a;rm", "-rf", "/", NULL});
	assert_int_equal(gc_split_words("'open", &words, &n), -EINVAL);
	assert_int_equal(gc_split_words("\"open", &words, &n), -EINVAL);
	assert_int_equal(gc_split_words("trailing\\", &words, &n), -EINVAL);
}

static void assert_argv(const char *debugger, const char *args, const char *const *expected)
{
	char **argv = NULL;
	size_t i;

	assert_int_equal(gc_debug_argv(debugger, args, "/t/exe", "/t/core", &argv), 0);
	for (i = 0; expected[i]; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], expected[i]);
	}
	assert_null(argv[i]);
	gc_strv_free(argv);
}

static void test_argv(void **state)
{
	char **argv = NULL;

	assert_argv("dlv", NULL, (const char *[]){"dlv", "core", "/t/exe", "/t/core", NULL});
	assert_argv("/usr/bin/dlv", "--check-go-version=false",
		    (const char *[]){"/usr/bin/dlv", "core", "--check-go-version=false", "/t/exe",
				     "/t/core", NULL});
	assert_argv("gdb", NULL, (const char *[]){"gdb", "/t/exe", "-c", "/t/core", NULL});
	assert_argv("gdb", "-q -ex 'thread apply all bt'",
		    (const char *[]){"gdb", "-q", "-ex", "thread apply all bt", "/t/exe", "-c",
				     "/t/core", NULL});
	assert_argv("lldb", "", (const char *[]){"lldb", "/t/exe", "-c", "/t/core", NULL});
	assert_true(gc_debug_is_dlv("/opt/go/bin/dlv"));
	assert_false(gc_debug_is_dlv("dlv-dap"));
	assert_int_equal(gc_debug_argv("gdb", "'", "/t/exe", "/t/core", &argv), -EINVAL);
	assert_int_equal(gc_debug_argv("", NULL, "/t/exe", "/t/core", &argv), -EINVAL);
}

static void test_run(void **state)
{
	char *exit3[] = {"sh", "-c", "exit 3", NULL};
	char *missing[] = {"/nonexistent/debugger", NULL};
	/* The terminal's Ctrl-C reaches us too: we stay, the debugger decides. */
	char *interrupt[] = {"sh", "-c", "kill -INT $PPID; kill -QUIT $PPID; sleep 0.2", NULL};
	/* A SIGTERM to us goes on to the debugger, and we say it came. */
	char *terminate[] = {"sh", "-c", "kill -TERM $PPID; sleep 30", NULL};
	int status = -1, stop = -1;

	assert_int_equal(gc_debug_run(exit3, &status, &stop), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 3);
	assert_int_equal(stop, 0);
	assert_int_equal(gc_debug_run(missing, &status, &stop), -ENOENT);
	assert_int_equal(gc_debug_run(interrupt, &status, &stop), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(stop, 0);
	assert_int_equal(gc_debug_run(terminate, &status, &stop), 0);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	assert_int_equal(stop, SIGTERM);
}

/* A SIGTERM while the core is written, or the debugger runs, removes the files before it
 * ends gocrashctl: in a child that is then killed by it. */
static void test_signal_removes_files(void **state)
{
	struct fixture *f = *state;
	char *terminate[] = {"sh", "-c", "kill -TERM $PPID; sleep 30", NULL};
	int status;
	pid_t pid;

	for (int round = 0; round < 2; round++) {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct gc_debug_files files = {};
			int st, stop;

			if (gc_debug_prepare(f->store, &f->meta, &files) < 0)
				_exit(2);
			if (round == 1 &&
			    (gc_debug_run(terminate, &st, &stop) < 0 || stop != SIGTERM))
				_exit(3);
			if (round == 1)
				gc_debug_files_remove(&files); /* as the verb does, then dies */
			raise(SIGTERM);
			_exit(3);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGTERM);
		assert_int_equal(tmp_count(f), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_prepare_original, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_build_id_mismatch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_original_symlink, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prepare_kept, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_core, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_has_dwarf, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_signal_removes_files, setup, teardown),
	    cmocka_unit_test(test_split_words),
	    cmocka_unit_test(test_argv),
	    cmocka_unit_test(test_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
