/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "select.h"
#include "store.h"
#include "util.h"
#include "zseek.h"

#define T0	  1704164645000000ull /* 2024-01-02 03:04:05 UTC */
#define T0_PREFIX "20240102-030405-"

struct fixture {
	char root[64];
	char path[128];
	struct gc_store *store;
};

static unsigned warnings;
static char last_warning[2048];
static unsigned infos;
static char last_info[2048];

static void capture_log(int priority, const char *message, void *userdata)
{
	if (priority <= LOG_WARNING) {
		warnings++;
		snprintf(last_warning, sizeof(last_warning), "%s", message);
	} else if (priority == LOG_INFO) {
		infos++;
		snprintf(last_info, sizeof(last_info), "%s", message);
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->root, "/tmp/test-store-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	/* Two missing parents: open must create them too. */
	snprintf(f->path, sizeof(f->path), "%s/var/lib/store", f->root);
	assert_int_equal(gc_store_open(f->path, true, &f->store), 0);
	warnings = infos = 0;
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
	nftw(f->root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void write_pattern(int fd, size_t size)
{
	char buf[4096];

	memset(buf, 'c', sizeof(buf));
	while (size > 0) {
		size_t n = MIN(size, sizeof(buf));

		assert_int_equal(write(fd, buf, n), (ssize_t)n);
		size -= n;
	}
}

/* Creates and commits an entry with a core of core_size bytes (none when 0); returns its id. */
static char *commit_entry(struct gc_store *store, uint64_t time_usec, int64_t pid, size_t core_size)
{
	struct gc_entry *entry;
	struct gc_meta meta = {.time_usec = time_usec, .pid = pid, .comm = strdup("crashy")};
	char *id;

	assert_int_equal(gc_entry_new(store, time_usec, pid, &entry), 0);
	if (core_size > 0) {
		int fd = gc_entry_open_core(entry);

		assert_true(fd >= 0);
		write_pattern(fd, core_size);
		close(fd);
		meta.core_stored = true;
		meta.stored_size = core_size;
	}
	/* Its handler is done: the vacuum may remove it (see in_progress in store-vacuum.c). */
	GC_META_SET(&meta, handler_cpu_usec, 1);
	assert_int_equal(gc_entry_commit(entry, &meta), 0);
	id = TAKE_PTR(meta.id);
	assert_non_null(id);
	gc_meta_free(&meta);
	return id;
}

static bool exists(const struct fixture *f, const char *name);

/* Whether entry id still holds its core file, and its meta says so. */
static bool has_core(const struct fixture *f, const char *id)
{
	char core[256];
	struct gc_meta meta;
	bool stored;

	snprintf(core, sizeof(core), "%s/" GC_ENTRY_CORE, id);
	assert_int_equal(gc_store_find(f->store, id, &meta), 0);
	stored = meta.core_stored;
	if (!stored)
		assert_non_null(meta.core_dropped);
	gc_meta_free(&meta);
	assert_int_equal(exists(f, core), stored);
	return stored;
}

static unsigned count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	unsigned n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

static bool exists(const struct fixture *f, const char *name)
{
	return faccessat(gc_store_dirfd(f->store), name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static mode_t mode_of(const struct fixture *f, const char *name)
{
	struct stat st;

	assert_int_equal(fstatat(gc_store_dirfd(f->store), name, &st, AT_SYMLINK_NOFOLLOW), 0);
	return st.st_mode & 07777;
}

static void test_open(void **state)
{
	struct fixture *f = *state;
	struct gc_store *other;
	char missing[192];
	struct stat st;

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711); /* others search, never list (store.h) */
	assert_string_equal(gc_store_path(f->store), f->path);
	assert_true(gc_store_dirfd(f->store) >= 0);

	snprintf(missing, sizeof(missing), "%s/missing", f->root);
	other = (struct gc_store *)0x1;
	assert_int_equal(gc_store_open(missing, false, &other), -ENOENT);
	assert_ptr_equal(other, (struct gc_store *)0x1);

	/* A store readable by others is tightened on open; one of an older release (0700)
	 * opened for search, so that users reach their entries. */
	assert_int_equal(chmod(f->path, 0755), 0);
	assert_int_equal(gc_store_open(f->path, false, &other), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
	gc_store_free(other);
	assert_int_equal(chmod(f->path, 0700), 0);
	assert_int_equal(gc_store_open(f->path, false, &other), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
	gc_store_free(other);
}

/* A reader's store (gocrashctl's): nothing tightened, created or locked. */
static void test_open_read_only(void **state)
{
	struct fixture *f = *state;
	struct gc_store *reader = NULL;
	struct gc_entry *entry = NULL;
	struct gc_store_file *file = NULL;
	char path[256];
	struct stat st;

	assert_int_equal(chmod(f->path, 0750), 0);
	assert_int_equal(gc_store_open_read_only(f->path, &reader), 0);
	assert_true(gc_store_is_read_only(reader));
	assert_false(gc_store_is_read_only(f->store));
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(gc_store_lock(reader), -EROFS);
	assert_int_equal(gc_entry_new(reader, 1764842401000000, 42, &entry), -EROFS);
	assert_int_equal(gc_store_file_new(reader, "20251204-100001-42", "meta", &file), -EROFS);
	assert_int_equal(gc_store_recover(reader, NULL, NULL), -EROFS);
	snprintf(path, sizeof(path), "%s/.lock", f->path);
	assert_int_equal(access(path, F_OK), -1);
	gc_store_free(reader);
	snprintf(path, sizeof(path), "%s/missing", f->root);
	assert_int_equal(gc_store_open_read_only(path, &reader), -ENOENT);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_lock(void **state)
{
	struct fixture *f = *state;
	char lock_path[192];
	pid_t pid;
	int status;

	assert_int_equal(gc_store_lock(f->store), 0);
	assert_int_equal(gc_store_lock(f->store), 0); /* nests */
	assert_int_equal(mode_of(f, ".lock"), 0600);
	gc_store_unlock(f->store);

	/* Still held after the inner unlock: another process cannot take it. */
	snprintf(lock_path, sizeof(lock_path), "%s/.lock", f->path);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(lock_path, O_RDWR | O_CLOEXEC);

		_exit(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	gc_store_unlock(f->store);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(lock_path, O_RDWR | O_CLOEXEC);

		_exit(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_commit_list_find(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
	struct gc_meta *metas = NULL, found = {};
	char buf[64], core_name[128];
	size_t n = 0;
	int fd;

	/* Committed out of time order: listing sorts by time. */
	b = commit_entry(f->store, T0 + 2000000, 200, 1000);
	a = commit_entry(f->store, T0, 100, 0);
	c = commit_entry(f->store, T0 + 86400000000ull, 300, 10);
	assert_string_equal(a, T0_PREFIX "100");
	assert_string_equal(b, "20240102-030407-200");
	assert_string_equal(c, "20240103-030405-300");
	assert_false(exists(f, ".tmp-" T0_PREFIX "100"));
	assert_int_equal(mode_of(f, a), 0700);
	assert_int_equal(mode_of(f, "20240102-030407-200/meta"), 0600);
	assert_int_equal(mode_of(f, "20240102-030407-200/core.zst"), 0600);

	assert_int_equal(gc_store_list(f->store, &metas, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(metas[0].id, a);
	assert_string_equal(metas[1].id, b);
	assert_string_equal(metas[2].id, c);
	assert_true(metas[1].pid == 200);
	assert_true(metas[1].stored_size == 1000);
	assert_true(metas[1].core_stored);
	assert_string_equal(metas[1].comm, "crashy");
	gc_meta_array_free(metas, n);

	assert_int_equal(gc_store_find(f->store, b, &found), 0);
	assert_string_equal(found.id, b);
	gc_meta_free(&found);
	assert_int_equal(gc_store_find(f->store, "latest", &found), 0);
	assert_string_equal(found.id, c);
	gc_meta_free(&found);
	assert_int_equal(gc_store_find(f->store, "20240103", &found), 0);
	assert_string_equal(found.id, c);
	gc_meta_free(&found);
	assert_int_equal(gc_store_find(f->store, "20240102-03040", &found), -EINVAL);
	assert_int_equal(gc_store_find(f->store, "2025", &found), -ENOENT);
	assert_int_equal(gc_store_find(f->store, "", &found), -EINVAL);
	assert_int_equal(gc_store_find(f->store, "../x", &found), -ENOENT);
	assert_null(found.id);

	fd = gc_store_open_core(f->store, b);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(buf[0], 'c');
	close(fd);
	assert_int_equal(gc_store_open_core(f->store, a), -ENOENT);
	assert_int_equal(gc_store_open_core(f->store, "../store/x"), -EINVAL);
	assert_int_equal(gc_store_open_core(f->store, ".lock"), -EINVAL);
	snprintf(core_name, sizeof(core_name), "%s/core.zst", c);
	assert_true(exists(f, core_name));
}

static void test_find_exact_beats_prefix(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *a = commit_entry(f->store, T0, 7, 0);
	_cleanup_free_ char *b = commit_entry(f->store, T0, 7, 0);
	struct gc_meta found;

	assert_string_equal(b, T0_PREFIX "7-1");
	assert_int_equal(gc_store_find(f->store, a, &found), 0);
	assert_string_equal(found.id, a);
	gc_meta_free(&found);
	assert_int_equal(gc_store_find(f->store, T0_PREFIX, &found), -EINVAL);
	assert_int_equal(gc_store_find(f->store, T0_PREFIX "7-", &found), 0);
	assert_string_equal(found.id, b);
	gc_meta_free(&found);
}

static void test_collision(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *first = commit_entry(f->store, T0, 42, 0);
	struct gc_entry *pending, *late;
	struct gc_meta meta = {.time_usec = T0, .pid = 42}, found;
	char *id;

	assert_string_equal(first, T0_PREFIX "42");
	/* An entry being written reserves its ID too. */
	assert_int_equal(gc_entry_new(f->store, T0 + 999999, 42, &pending), 0);
	assert_string_equal(gc_entry_id(pending), T0_PREFIX "42-1");
	assert_true(exists(f, ".tmp-" T0_PREFIX "42-1"));
	id = commit_entry(f->store, T0, 42, 0);
	assert_string_equal(id, T0_PREFIX "42-2");
	free(id);

	/* Another writer commits our ID after we reserved it: commit takes the next free one
	 * and says so in meta. */
	assert_int_equal(gc_entry_new(f->store, T0, 42, &late), 0);
	assert_string_equal(gc_entry_id(late), T0_PREFIX "42-3");
	assert_int_equal(mkdirat(gc_store_dirfd(f->store), T0_PREFIX "42-3", 0700), 0);
	assert_int_equal(gc_entry_commit(late, &meta), 0);
	assert_string_equal(meta.id, T0_PREFIX "42-4");
	gc_meta_free(&meta);
	assert_int_equal(gc_store_find(f->store, T0_PREFIX "42-4", &found), 0);
	assert_string_equal(found.id, T0_PREFIX "42-4");
	gc_meta_free(&found);
	assert_false(exists(f, ".tmp-" T0_PREFIX "42-3"));

	gc_entry_abort(pending);
	assert_false(exists(f, ".tmp-" T0_PREFIX "42-1"));
}

static void test_abort(void **state)
{
	struct fixture *f = *state;
	struct gc_entry *entry;
	struct gc_meta *metas;
	size_t n;
	int fd;

	assert_int_equal(gc_entry_new(f->store, T0, 1, &entry), 0);
	fd = gc_entry_open_core(entry);
	assert_true(fd >= 0);
	write_pattern(fd, 10000);
	close(fd);
	/* The core is created exclusively: a second open must not truncate it. */
	assert_int_equal(gc_entry_open_core(entry), -EEXIST);
	assert_int_equal(count_dir(f->path), 1);
	gc_entry_abort(entry);
	assert_int_equal(count_dir(f->path), 0);
	assert_int_equal(gc_store_list(f->store, &metas, &n), 0);
	assert_int_equal(n, 0);
	free(metas);
	gc_entry_abort(NULL);
}

static void test_list_skips_broken(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *good = commit_entry(f->store, T0, 5, 0);
	int dir_fd = gc_store_dirfd(f->store), fd;
	struct gc_meta *metas, found;
	struct gc_entry *pending;
	size_t n;

	assert_int_equal(gc_entry_new(f->store, T0, 6, &pending), 0);
	assert_int_equal(mkdirat(dir_fd, "20000101-000000-1", 0700), 0); /* no meta */
	assert_int_equal(mkdirat(dir_fd, "20000101-000000-2", 0700), 0); /* garbage meta */
	fd = openat(dir_fd, "20000101-000000-2/meta", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "pid=1\n", 6), 6);
	close(fd);
	fd = openat(dir_fd, "README", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);

	assert_int_equal(gc_store_list(f->store, &metas, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(metas[0].id, good);
	gc_meta_array_free(metas, n);
	assert_int_equal(warnings, 2);
	assert_non_null(strstr(last_warning, "20000101-000000-"));

	assert_int_equal(gc_store_find(f->store, "20000101-000000-2", &found), -EBADMSG);
	gc_entry_abort(pending);
}

static void test_update_meta(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *id = commit_entry(f->store, T0, 9, 0);
	struct gc_meta meta, again, bogus = {.id = (char *)"../etc"};

	assert_int_equal(gc_store_find(f->store, id, &meta), 0);
	assert_null(meta.go_version);
	meta.go = true;
	meta.go_version = strdup("go1.22.1");
	assert_int_equal(gc_meta_set_unknown(&meta, "goroutines", "3\n4"), 0);
	assert_int_equal(gc_store_update_meta(f->store, &meta), 0);
	assert_false(exists(f, T0_PREFIX "9/.meta.tmp"));
	assert_false(exists(f, T0_PREFIX "9/.meta.new"));
	assert_int_equal(mode_of(f, T0_PREFIX "9/meta"), 0600);

	assert_int_equal(gc_store_find(f->store, id, &again), 0);
	assert_true(again.go);
	assert_string_equal(again.go_version, "go1.22.1");
	assert_string_equal(gc_meta_get_unknown(&again, "goroutines"), "3\n4");
	assert_string_equal(again.comm, "crashy");
	gc_meta_free(&again);
	gc_meta_free(&meta);

	assert_int_equal(gc_store_update_meta(f->store, &bogus), -EINVAL);
	bogus.id = (char *)"20990101-000000-1";
	assert_int_equal(gc_store_update_meta(f->store, &bogus), -ENOENT);
}

static void read_text(int dir_fd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, size - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
}

/* A file added to a committed entry has no name until commit, replaces an old one whole, and
 * an abort (or a writer killed before commit) leaves nothing behind. */
static void test_store_file(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *id = commit_entry(f->store, T0, 14, 0);
	_cleanup_close_ int dir_fd = -EBADF, old_fd = -EBADF;
	struct gc_store_file *file = NULL;
	char entry_dir[256], text[64];

	snprintf(entry_dir, sizeof(entry_dir), "%s/%s", f->path, id);
	dir_fd = open(entry_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dir_fd >= 0);
	assert_int_equal(gc_store_file_new(f->store, id, GC_ENTRY_GOROUTINES, &file), 0);
	assert_int_equal(write(gc_store_file_fd(file), "one", 3), 3);
	assert_int_equal(count_dir(entry_dir), 1); /* meta only: the file has no name yet */
	assert_int_equal(gc_store_file_commit(file), 0);
	assert_int_equal(count_dir(entry_dir), 2);
	assert_int_equal(mode_of(f, T0_PREFIX "14/" GC_ENTRY_GOROUTINES), 0600);
	read_text(dir_fd, GC_ENTRY_GOROUTINES, text, sizeof(text));
	assert_string_equal(text, "one");

	/* A reader keeps the old file; the name moves to the new one. */
	old_fd = gc_store_open_file(f->store, id, GC_ENTRY_GOROUTINES);
	assert_true(old_fd >= 0);
	assert_int_equal(gc_store_file_new(f->store, id, GC_ENTRY_GOROUTINES, &file), 0);
	assert_int_equal(write(gc_store_file_fd(file), "two", 3), 3);
	assert_int_equal(gc_store_file_commit(file), 0);
	read_text(dir_fd, GC_ENTRY_GOROUTINES, text, sizeof(text));
	assert_string_equal(text, "two");
	assert_int_equal(pread(old_fd, text, 3, 0), 3);
	assert_memory_equal(text, "one", 3);

	assert_int_equal(gc_store_file_new(f->store, id, GC_ENTRY_GOROUTINES, &file), 0);
	assert_int_equal(write(gc_store_file_fd(file), "three", 5), 5);
	gc_store_file_abort(file);
	gc_store_file_abort(NULL);
	read_text(dir_fd, GC_ENTRY_GOROUTINES, text, sizeof(text));
	assert_string_equal(text, "two");
	assert_int_equal(count_dir(entry_dir), 2);

	assert_int_equal(gc_store_file_new(f->store, "20990101-000000-1", "x", &file), -ENOENT);
	assert_int_equal(gc_store_file_new(f->store, "../x", "x", &file), -EINVAL);
	assert_int_equal(gc_store_file_new(f->store, ".tmp-x", "x", &file), -EINVAL);
	assert_int_equal(gc_store_file_new(f->store, id, "../meta", &file), -EINVAL);
	assert_int_equal(gc_store_file_new(f->store, id, ".meta.new", &file), -EINVAL);
	assert_int_equal(gc_store_file_new(f->store, id, "", &file), -EINVAL);
	assert_int_equal(count_dir(entry_dir), 2);
}

/* A writer killed before commit leaves nothing in the entry, and the next one commits. */
static void test_store_file_killed(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *id = commit_entry(f->store, T0, 15, 0);
	struct gc_store_file *file = NULL;
	char entry_dir[256];
	int status;
	pid_t pid;

	snprintf(entry_dir, sizeof(entry_dir), "%s/%s", f->path, id);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (gc_store_file_new(f->store, id, GC_ENTRY_GOROUTINES, &file) < 0 ||
		    write(gc_store_file_fd(file), "half", 4) != 4)
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(count_dir(entry_dir), 1);

	assert_int_equal(gc_store_file_new(f->store, id, GC_ENTRY_GOROUTINES, &file), 0);
	assert_int_equal(write(gc_store_file_fd(file), "whole", 5), 5);
	assert_int_equal(gc_store_file_commit(file), 0);
	assert_int_equal(count_dir(entry_dir), 2);
}

static void test_usage(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *id = NULL;
	uint64_t used_before, used, fs_size, fs_free;

	assert_int_equal(gc_store_usage(f->store, &used_before, &fs_size, &fs_free), 0);
	assert_true(fs_size > 0);
	assert_true(fs_free <= fs_size);
	id = commit_entry(f->store, T0, 1, 256 * 1024);
	assert_int_equal(gc_store_usage(f->store, &used, NULL, NULL), 0);
	assert_true(used >= used_before + 256 * 1024);
	assert_true(used < used_before + 512 * 1024);
}

/* ---- rewriting the core ---- */

static uint8_t *read_all(int fd, size_t *ret_size)
{
	struct stat st;
	uint8_t *p;

	assert_int_equal(fstat(fd, &st), 0);
	p = malloc(st.st_size + 1);
	assert_non_null(p);
	assert_int_equal(pread(fd, p, st.st_size, 0), st.st_size);
	*ret_size = st.st_size;
	return p;
}

static uint8_t *read_core(struct fixture *f, const char *id, size_t *ret_size)
{
	_cleanup_close_ int fd = gc_store_open_core(f->store, id);

	assert_true(fd >= 0);
	return read_all(fd, ret_size);
}

/* Heap-like text: words, some random bytes, compressible but not trivially. */
static uint8_t *heap_data(size_t size)
{
	static const char *words[] = {"runtime", "goroutine", "mcache",	 "request",
				      "handler", "timeout",   "session", "itab"};
	uint8_t *p = malloc(size);
	uint64_t x = 88172645463325252ull;

	assert_non_null(p);
	for (size_t at = 0; at < size;) {
		const char *w = words[(x >> 33) % ELEMENTSOF(words)];

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		for (size_t i = 0; w[i] && at < size; i++)
			p[at++] = (x & 15) == 0 ? (uint8_t)(x >> 8) : w[i];
	}
	return p;
}

/* Commits an entry whose core.zst is `data` in the seekable format at `level`, as a capture
 * writes it. */
static char *commit_seekable_entry(struct gc_store *store, uint64_t time_usec, int64_t pid,
				   const uint8_t *data, size_t size, int level)
{
	struct gc_zwriter_options options = {.level = level, .threads = 2, .frame_size = 64 << 10};
	struct gc_meta meta = {.time_usec = time_usec, .pid = pid, .core_stored = true};
	struct gc_entry *entry;
	struct gc_zwriter *w;
	char *id;
	int fd;

	assert_int_equal(gc_entry_new(store, time_usec, pid, &entry), 0);
	fd = gc_entry_open_core(entry);
	assert_true(fd >= 0);
	assert_int_equal(gc_zwriter_new(fd, &options, &w), 0);
	assert_int_equal(gc_zwriter_write(w, data, size), 0);
	assert_int_equal(gc_zwriter_finish(w, &meta.core_size, &meta.stored_size), 0);
	gc_zwriter_free(w);
	close(fd);
	assert_int_equal(gc_entry_commit(entry, &meta), 0);
	id = TAKE_PTR(meta.id);
	gc_meta_free(&meta);
	return id;
}

struct recompress_call {
	struct gc_zwriter_options options;
	uint64_t stored_size;
	unsigned calls;
};

static int recompress(int in_fd, int out_fd, void *userdata)
{
	struct recompress_call *call = userdata;

	call->calls++;
	return gc_zseek_recompress(in_fd, out_fd, &call->options, NULL, 0, &call->stored_size);
}

/* The handler's use: a core stored at the fastest level, compressed again at level 3. The
 * new core replaces the old one whole; a reader that opened the old one keeps it. */
static void test_rewrite_core(void **state)
{
	struct fixture *f = *state;
	const size_t size = 1u << 20;
	_cleanup_free_ uint8_t *data = heap_data(size);
	_cleanup_free_ char *id =
	    commit_seekable_entry(f->store, T0, 11, data, size, GC_ZSEEK_FASTEST_LEVEL);
	_cleanup_free_ uint8_t *old_core = NULL, *new_core = NULL, *raw = malloc(size + 1);
	_cleanup_close_ int old_fd = gc_store_open_core(f->store, id);
	struct recompress_call call = {
	    .options = {.level = 3, .threads = 2, .frame_size = 64 << 10}};
	char entry_dir[256], core_name[128];
	size_t old_size, new_size, check_size;
	struct gc_zreader *reader;
	int fd;

	assert_non_null(raw);
	assert_true(old_fd >= 0);
	old_core = read_all(old_fd, &old_size);
	assert_int_equal(gc_store_rewrite_core(f->store, id, recompress, &call), 0);
	assert_int_equal(call.calls, 1);

	new_core = read_core(f, id, &new_size);
	assert_int_equal(new_size, call.stored_size);
	assert_true(new_size < old_size);
	fd = gc_store_open_core(f->store, id);
	assert_true(fd >= 0);
	assert_int_equal(gc_zreader_open(fd, &reader), 0);
	assert_int_equal(gc_zreader_size(reader), size);
	assert_int_equal(gc_zreader_pread(reader, raw, size + 1, 0), size);
	assert_memory_equal(raw, data, size);
	gc_zreader_free(reader);
	close(fd);

	/* The fd opened before still reads the old core, untouched. */
	free(TAKE_PTR(old_core));
	old_core = read_all(old_fd, &check_size);
	assert_int_equal(check_size, old_size);
	assert_int_equal(gc_zreader_open(old_fd, &reader), 0);
	assert_int_equal(gc_zreader_pread(reader, raw, size, 0), size);
	assert_memory_equal(raw, data, size);
	gc_zreader_free(reader);

	/* Same name, same mode, nothing else left in the entry. */
	snprintf(core_name, sizeof(core_name), "%s/core.zst", id);
	assert_int_equal(mode_of(f, core_name), 0600);
	snprintf(entry_dir, sizeof(entry_dir), "%s/%s", f->path, id);
	assert_int_equal(count_dir(entry_dir), 2);
	assert_int_equal(warnings, 0);

	/* With the store lock already held (it nests). */
	call.options.level = 5;
	assert_int_equal(gc_store_lock(f->store), 0);
	assert_int_equal(gc_store_rewrite_core(f->store, id, recompress, &call), 0);
	gc_store_unlock(f->store);
	assert_int_equal(call.calls, 2);
	free(TAKE_PTR(new_core));
	new_core = read_core(f, id, &new_size);
	assert_int_equal(new_size, call.stored_size);
	assert_int_equal(count_dir(entry_dir), 2);
}

struct failing_call {
	int error;
	bool saw_old_core;
	unsigned calls;
};

/* Writes junk to out_fd, then fails; checks that in_fd is the old core, read-only. */
static int write_then_fail(int in_fd, int out_fd, void *userdata)
{
	struct failing_call *call = userdata;
	char c = 0;

	call->calls++;
	call->saw_old_core = pread(in_fd, &c, 1, 0) == 1 && c == 'c' && write(in_fd, "x", 1) < 0;
	assert_int_equal(write(out_fd, "partial", 7), 7);
	return call->error;
}

static int count_calls(int in_fd, int out_fd, void *userdata)
{
	(*(unsigned *)userdata)++;
	return 0;
}

/* Any failure leaves the old core as it was, and no file behind. */
static void test_rewrite_core_fails(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *id = commit_entry(f->store, T0, 12, 100000);
	_cleanup_free_ char *no_core = commit_entry(f->store, T0, 13, 0);
	_cleanup_free_ uint8_t *before = NULL;
	const int errors[] = {-EIO, -ENOSPC, -EBADMSG};
	char entry_dir[256];
	size_t before_size;
	unsigned calls = 0;

	before = read_core(f, id, &before_size);
	snprintf(entry_dir, sizeof(entry_dir), "%s/%s", f->path, id);
	for (size_t i = 0; i < ELEMENTSOF(errors); i++) {
		struct failing_call call = {.error = errors[i]};
		_cleanup_free_ uint8_t *after = NULL;
		size_t after_size;

		assert_int_equal(gc_store_rewrite_core(f->store, id, write_then_fail, &call),
				 errors[i]);
		assert_int_equal(call.calls, 1);
		assert_true(call.saw_old_core);
		after = read_core(f, id, &after_size);
		assert_int_equal(after_size, before_size);
		assert_memory_equal(after, before, before_size);
		assert_int_equal(count_dir(entry_dir), 2); /* core.zst and meta */
	}

	/* Bad ids never reach the callback; a missing entry or core is -ENOENT. */
	assert_int_equal(gc_store_rewrite_core(f->store, "", count_calls, &calls), -EINVAL);
	assert_int_equal(gc_store_rewrite_core(f->store, "../x", count_calls, &calls), -EINVAL);
	assert_int_equal(gc_store_rewrite_core(f->store, ".lock", count_calls, &calls), -EINVAL);
	assert_int_equal(
	    gc_store_rewrite_core(f->store, ".tmp-" T0_PREFIX "12", count_calls, &calls), -EINVAL);
	assert_int_equal(gc_store_rewrite_core(f->store, "20990101-000000-1", count_calls, &calls),
			 -ENOENT);
	assert_int_equal(gc_store_rewrite_core(f->store, no_core, count_calls, &calls), -ENOENT);
	assert_int_equal(calls, 0);
	assert_int_equal(count_dir(f->path), 3); /* two entries and the lock */
	snprintf(entry_dir, sizeof(entry_dir), "%s/%s", f->path, no_core);
	assert_int_equal(count_dir(entry_dir), 1);
}

/* Commits n entries, one second apart, oldest first; ids[] receives them. */
static void commit_series(struct fixture *f, char **ids, unsigned n, size_t core_size)
{
	for (unsigned i = 0; i < n; i++)
		ids[i] = commit_entry(f->store, T0 + i * 1000000ull, 1000 + i, core_size);
}

static void free_ids(char **ids, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(ids[i]);
}

/* The vacuum after a commit: every limit, given in bytes. Returns how many entries went. */
static unsigned vacuum(struct fixture *f, const struct gc_space_policy *policy, const char *keep_id)
{
	struct gc_room_request req = {.keep_id = keep_id, .flags = GC_ROOM_ALL_LIMITS};
	struct gc_room room;

	assert_int_equal(gc_store_make_room(f->store, policy, &req, &room), 0);
	return room.removed;
}

static void test_vacuum_max_cores(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy quota = {.max_cores = 2};
	struct gc_meta *metas;
	char *ids[5];
	unsigned removed;
	size_t n;

	commit_series(f, ids, 5, 100);
	assert_int_equal(gc_store_lock(f->store), 0);
	removed = vacuum(f, &quota, NULL);
	gc_store_unlock(f->store);
	/* Cores go, oldest first; the entries stay, saying why. */
	assert_int_equal(removed, 3);
	assert_int_equal(infos, 3);
	assert_non_null(strstr(last_info, ids[2]));
	assert_non_null(strstr(last_info, "MaxCores=2"));
	assert_int_equal(gc_store_list(f->store, &metas, &n), 0);
	assert_int_equal(n, 5);
	assert_non_null(strstr(metas[0].core_dropped, "MaxCores=2"));
	gc_meta_array_free(metas, n);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(has_core(f, ids[i]), i >= 3);
	/* Nothing half-removed left behind: five entries and the lock. */
	assert_int_equal(count_dir(f->path), 6);

	/* Within quota: nothing goes. */
	removed = vacuum(f, &quota, NULL);
	assert_int_equal(removed, 0);
	free_ids(ids, 5);
}

static void test_vacuum_max_use(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy quota = {.max_use = {.value = 160 * 1024}};
	struct gc_meta *metas;
	uint64_t used;
	unsigned removed;
	char *ids[5];
	size_t n;

	/* 64K cores: whether meta takes a block or not, three must go to fit 160K. */
	commit_series(f, ids, 5, 64 * 1024);
	removed = vacuum(f, &quota, NULL);
	assert_int_equal(removed, 3);
	assert_non_null(strstr(last_info, "MaxUse=160"));
	assert_int_equal(gc_store_usage(f->store, &used, NULL, NULL), 0);
	assert_true(used <= quota.max_use.value);
	assert_int_equal(gc_store_list(f->store, &metas, &n), 0);
	assert_int_equal(n, 5);
	gc_meta_array_free(metas, n);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(has_core(f, ids[i]), i >= 3);

	/* One core left to give, then whole entries, oldest first: a little more than the
	 * core kept (ids[4]'s) and its meta leaves room for about two metas besides. */
	quota.max_use.value = 64 * 1024 + 3 * 4096;
	removed = vacuum(f, &quota, ids[4]);
	assert_true(removed >= 2);
	assert_int_equal(gc_store_usage(f->store, &used, NULL, NULL), 0);
	assert_true(used <= quota.max_use.value);
	assert_true(has_core(f, ids[4]));
	assert_int_equal(gc_store_list(f->store, &metas, &n), 0);
	assert_true(n >= 1 && n < 5);
	assert_string_equal(metas[n - 1].id, ids[4]);
	if (n >= 2)
		assert_false(has_core(f, metas[n - 2].id));
	gc_meta_array_free(metas, n);
	free_ids(ids, 5);
}

static void test_vacuum_keep_id(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy cores = {.max_cores = 1},
			       keep_free = {.keep_free = {.value = UINT64_MAX}};
	struct gc_meta *metas;
	unsigned removed = 0;
	char *ids[4];
	size_t n;

	commit_series(f, ids, 4, 100);
	/* The oldest is the one being captured right now: it stays, the others go. */
	removed = vacuum(f, &cores, ids[0]);
	assert_int_equal(removed, 3);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(has_core(f, ids[i]), i == 0);

	/* A quota that cannot be met removes nothing for it, and still succeeds. */
	free(ids[1]);
	ids[1] = commit_entry(f->store, T0 + 10000000, 1, 100);
	removed = vacuum(f, &keep_free, ids[1]);
	assert_int_equal(removed, 0);
	assert_int_equal(gc_store_list(f->store, &metas, &n), 0);
	assert_int_equal(n, 5);
	assert_string_equal(metas[0].id, ids[0]);
	gc_meta_array_free(metas, n);
	free_ids(ids, 4);
}

static void set_old(int dir_fd, const char *name)
{
	struct timespec times[2] = {{.tv_sec = time(NULL) - 7200}, {.tv_sec = time(NULL) - 7200}};

	assert_int_equal(utimensat(dir_fd, name, times, AT_SYMLINK_NOFOLLOW), 0);
}

static void make_tmp(int dir_fd, const char *name, bool old_dir, bool old_core)
{
	char core[256];
	int fd;

	snprintf(core, sizeof(core), "%s/core.zst", name);
	assert_int_equal(mkdirat(dir_fd, name, 0700), 0);
	fd = openat(dir_fd, core, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	write_pattern(fd, 100);
	close(fd);
	if (old_core)
		set_old(dir_fd, core);
	if (old_dir)
		set_old(dir_fd, name);
}

static void test_vacuum_stale_tmp(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy none = {};
	int dir_fd = gc_store_dirfd(f->store);
	unsigned removed;

	make_tmp(dir_fd, ".tmp-20240101-000000-1", true, true);	      /* writer gone */
	make_tmp(dir_fd, ".tmp-20240101-000000-2", false, false);     /* fresh */
	make_tmp(dir_fd, ".tmp-20240101-000000-3", true, false);      /* core still growing */
	make_tmp(dir_fd, ".tmp-del-20240101-000000-4", false, false); /* interrupted removal */
	removed = vacuum(f, &none, NULL);
	assert_int_equal(removed, 0);
	assert_false(exists(f, ".tmp-20240101-000000-1"));
	assert_true(exists(f, ".tmp-20240101-000000-2"));
	assert_true(exists(f, ".tmp-20240101-000000-3"));
	assert_false(exists(f, ".tmp-del-20240101-000000-4"));
}

static void test_vacuum_broken_entry(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy quota = {.max_entries = 1};
	_cleanup_free_ char *good = commit_entry(f->store, T0, 1, 0);
	unsigned removed = 0;

	struct timespec year_2001[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};

	/* Unreadable meta: still takes space, so vacuum removes it, dated by its mtime. */
	assert_int_equal(mkdirat(gc_store_dirfd(f->store), "junk", 0700), 0);
	assert_int_equal(utimensat(gc_store_dirfd(f->store), "junk", year_2001, 0), 0);
	removed = vacuum(f, &quota, NULL);
	assert_int_equal(removed, 1);
	assert_false(exists(f, "junk"));
	assert_true(exists(f, good));
}

/* ---- the space policy, on a real small filesystem ---- */

#define SMALL_FS_SIZE (8u << 20)
#define MIB	      (1u << 20)

/* The tmpfs is mounted in a mount namespace of this process only: whatever happens to the
 * test, even a SIGKILL, the mount goes with the process and the system is as it was. */

struct removed_log {
	unsigned removed, busy, other;
	uint64_t bytes;
};

static void count_removed(const struct gc_meta *meta, int error, uint64_t bytes, void *userdata)
{
	struct removed_log *log = userdata;

	assert_non_null(meta->id);
	log->removed += error == 0;
	log->busy += error == -EBUSY;
	log->other += error < 0 && error != -EBUSY;
	log->bytes += bytes;
}

/* Removes what one match argument selects; returns gc_store_remove's answer. */
static int remove_matching(struct fixture *f, const char *arg, struct removed_log *log, unsigned *n)
{
	struct gc_selection sel = {};
	int r;

	*log = (struct removed_log){};
	*n = 99;
	if (arg)
		assert_int_equal(gc_selection_add(&sel, arg), 0);
	r = gc_store_remove(f->store, &sel, count_removed, log, n);
	gc_selection_done(&sel);
	return r;
}

static void test_remove(void **state)
{
	struct fixture *f = *state;
	struct removed_log log;
	struct gc_meta meta;
	char *ids[4], *busy;
	unsigned n;

	commit_series(f, ids, 4, 100);
	busy = commit_entry(f->store, gc_clock_usec(CLOCK_REALTIME), 7, 100);
	assert_int_equal(gc_store_find(f->store, busy, &meta), 0);
	meta.present[GC_META_handler_cpu_usec] = false; /* its handler at work */
	assert_int_equal(gc_store_update_meta(f->store, &meta), 0);
	gc_meta_free(&meta);

	/* Nothing said: nothing removed, never everything. */
	assert_int_equal(remove_matching(f, NULL, &log, &n), -EINVAL);
	assert_int_equal(n, 99);
	/* A PID: that crash, whole. */
	assert_int_equal(remove_matching(f, "1001", &log, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(log.removed, 1);
	assert_true(log.bytes >= 100);
	assert_false(exists(f, ids[1]));
	assert_true(exists(f, ids[0]) && exists(f, ids[2]) && exists(f, ids[3]));
	/* An ID prefix naming three: an error, and nothing goes. */
	assert_int_equal(remove_matching(f, "20240102-0304", &log, &n), -EINVAL);
	assert_int_equal(log.removed + log.busy + log.other, 0);
	assert_true(exists(f, ids[0]) && exists(f, ids[2]) && exists(f, ids[3]));
	assert_int_equal(remove_matching(f, "4242", &log, &n), -ENOENT);
	/* A command name: all of them but the one whose handler is at work. */
	assert_int_equal(remove_matching(f, "crashy", &log, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(log.removed, 3);
	assert_int_equal(log.busy, 1);
	assert_false(exists(f, ids[0]) || exists(f, ids[2]) || exists(f, ids[3]));
	assert_true(exists(f, busy));
	/* busy and the lock, nothing half-removed */
	assert_int_equal(count_dir(f->path), 2);
	free_ids(ids, 4);
	free(busy);
}

/* gocrashctl vacuum: every limit now, counted. */
static void test_store_vacuum(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy quota = {.max_cores = 2, .max_entries = 4};
	struct gc_vacuum_stats removed = {.cores = 99};
	char *ids[5];

	commit_series(f, ids, 5, 100);
	assert_int_equal(gc_store_vacuum(f->store, &quota, &removed), 0);
	assert_int_equal(removed.entries, 1);
	assert_int_equal(removed.cores, 2);
	assert_true(removed.bytes >= 3 * 100);
	/* MaxEntries first (an entry with a core, all have one), then MaxCores, oldest first */
	assert_false(exists(f, ids[0]));
	for (unsigned i = 1; i < 5; i++)
		assert_int_equal(has_core(f, ids[i]), i >= 3);
	assert_int_equal(gc_store_vacuum(f->store, &quota, &removed), 0);
	assert_int_equal(removed.cores + removed.entries, 0);
	free_ids(ids, 5);
}

static bool private_mounts(void)
{
	static int done = -1;

	if (done < 0)
		done = unshare(CLONE_NEWNS) == 0 &&
		       mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
	return done;
}

static int setup_small(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char options[32];

	assert_non_null(f);
	strcpy(f->root, "/tmp/test-store-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(options, sizeof(options), "size=%u", SMALL_FS_SIZE);
	if (!private_mounts() || mount("gc-test", f->root, "tmpfs", 0, options) < 0) {
		*state = f; /* the test skips */
		return 0;
	}
	snprintf(f->path, sizeof(f->path), "%s/store", f->root);
	assert_int_equal(gc_store_open(f->path, true, &f->store), 0);
	warnings = infos = 0;
	*state = f;
	return 0;
}

static int teardown_small(void **state)
{
	struct fixture *f = *state;

	if (f->store) {
		gc_store_free(f->store);
		umount2(f->root, MNT_DETACH);
	}
	rmdir(f->root);
	free(f);
	return 0;
}

static struct fixture *small_fs(void **state)
{
	struct fixture *f = *state;

	if (!f->store)
		skip(); /* not root, or no mount namespaces */
	return f;
}

static uint64_t fs_free(const struct fixture *f)
{
	struct statvfs sv;

	assert_int_equal(fstatvfs(gc_store_dirfd(f->store), &sv), 0);
	return (uint64_t)sv.f_bavail * sv.f_frsize;
}

static size_t count_entries(const struct fixture *f, const char *first_id)
{
	struct gc_meta *metas;
	size_t n;

	assert_int_equal(gc_store_list(f->store, &metas, &n), 0);
	if (first_id && n > 0)
		assert_string_equal(metas[0].id, first_id);
	gc_meta_array_free(metas, n);
	return n;
}

/* A core being written needs room above KeepFree: the oldest entries go, as few as it takes,
 * and the answer says there is room. */
static void test_make_room_keep_free(void **state)
{
	struct fixture *f = small_fs(state);
	struct gc_space_policy policy = {};
	struct gc_room_request req = {.incoming = MIB};
	struct gc_room room;
	char *ids[3];

	commit_series(f, ids, 3, MIB);
	/* Room for 1 MiB above KeepFree needs 1.5 MiB more: two 1 MiB entries must go. */
	policy.keep_free.value = fs_free(f) + MIB / 2;
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.limit, GC_ROOM_FITS);
	assert_int_equal(room.removed, 2);
	assert_true(room.fs_free >= policy.keep_free.value + req.incoming);
	assert_int_equal(room.fs_free, fs_free(f));
	assert_int_equal(count_entries(f, ids[0]), 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(has_core(f, ids[i]), i == 2);
	assert_non_null(strstr(last_info, "KeepFree="));

	/* Enough room already: nothing goes. */
	policy.keep_free.value = 0;
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.limit, GC_ROOM_FITS);
	assert_int_equal(room.removed, 0);
	assert_int_equal(count_entries(f, ids[0]), 3);
	free_ids(ids, 3);
}

/* A copy that does not fit is refused, and nothing is removed for it. */
static void test_make_room_no_remove(void **state)
{
	struct fixture *f = small_fs(state);
	struct gc_space_policy policy = {};
	struct gc_room_request req = {.incoming = MIB, .flags = GC_ROOM_NO_REMOVE};
	struct gc_room room;
	char *ids[3];

	commit_series(f, ids, 3, MIB);
	policy.keep_free.value = fs_free(f) - MIB / 2;
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.limit, GC_ROOM_KEEP_FREE);
	assert_int_equal(room.limit_bytes, policy.keep_free.value);
	assert_int_equal(room.headroom, MIB / 2); /* what is left above KeepFree */
	assert_int_equal(room.removed, 0);
	assert_int_equal(count_entries(f, ids[0]), 3);

	req.incoming = MIB / 4;
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.limit, GC_ROOM_FITS);
	free_ids(ids, 3);
}

/* KeepFree as a share of the filesystem, and one that cannot be met: nothing goes, and the
 * answer says why there is no room. */
static void test_make_room_cannot(void **state)
{
	struct fixture *f = small_fs(state);
	struct gc_space_policy policy = {.keep_free = {.value = 100, .percent = true}};
	struct gc_room_request req = {.incoming = 1};
	struct gc_room room;
	char *ids[3];

	commit_series(f, ids, 3, MIB);
	req.keep_id = ids[1];
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.limit, GC_ROOM_KEEP_FREE);
	assert_int_equal(room.limit_bytes, SMALL_FS_SIZE);
	assert_int_equal(room.headroom, 0);
	/* Removing the other two would not make room: they stay (issue 14, item 2). */
	assert_int_equal(room.removed, 0);
	assert_int_equal(count_entries(f, ids[0]), 3);
	free_ids(ids, 3);
}

/* MaxUse caps the entry being written: it is no reason to remove others while it grows. */
static void test_make_room_max_use(void **state)
{
	struct fixture *f = small_fs(state);
	struct gc_space_policy policy = {.max_use = {.value = 50, .percent = true}};
	struct gc_room_request req = {.incoming = 2 * MIB, .entry_bytes = 2 * MIB};
	struct gc_room room;
	char *ids[2];

	commit_series(f, ids, 2, MIB);
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.limit, GC_ROOM_FITS); /* 4 MiB: at the limit, not past it */
	req.entry_bytes++;
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.limit, GC_ROOM_MAX_USE);
	assert_int_equal(room.limit_bytes, SMALL_FS_SIZE / 2);
	assert_int_equal(room.headroom, SMALL_FS_SIZE / 2 - req.entry_bytes);
	assert_int_equal(room.removed, 0);
	assert_int_equal(count_entries(f, ids[0]), 2);
	free_ids(ids, 2);
}

/* After a commit every limit holds again, the new entry kept whatever its age. */
static void test_make_room_all_limits(void **state)
{
	struct fixture *f = small_fs(state);
	struct gc_space_policy policy = {.max_use = {.value = 5 * MIB / 2}};
	struct gc_room_request req = {.flags = GC_ROOM_ALL_LIMITS};
	struct gc_room room;
	char *ids[4];

	commit_series(f, ids, 4, MIB);
	/* 4 MiB and their metas in a store of at most 2.5 MiB: the two oldest cores go. */
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.limit, GC_ROOM_FITS);
	assert_int_equal(room.removed, 2);
	assert_int_equal(count_entries(f, ids[0]), 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(has_core(f, ids[i]), i >= 2);
	assert_non_null(strstr(last_info, "MaxUse="));

	policy.max_cores = 1;
	req.keep_id = ids[2];
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.removed, 1);
	assert_true(has_core(f, ids[2]));
	assert_false(has_core(f, ids[3]));
	assert_non_null(strstr(last_info, "MaxCores=1"));

	/* The history has its own limit: the oldest entries go, cores or not. */
	policy.max_entries = 2;
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.removed, 2);
	assert_int_equal(count_entries(f, ids[2]), 2);
	assert_non_null(strstr(last_info, "MaxEntries=2"));
	free_ids(ids, 4);
}

#define CHILDREN	  8
#define ENTRIES_PER_CHILD 20

static int child_commit_all(const char *path, int start_fd, unsigned child)
{
	struct gc_store *store;
	char go;

	/* Everyone starts at once: the parent closes the pipe. */
	if (read(start_fd, &go, 1) != 0 || gc_store_open(path, false, &store) < 0)
		return 1;
	for (unsigned i = 0; i < ENTRIES_PER_CHILD; i++) {
		struct gc_meta meta = {.time_usec = T0, .pid = 77};
		struct gc_entry *entry;
		char value[32];
		int fd;

		snprintf(value, sizeof(value), "%u-%u", child, i);
		if (gc_entry_new(store, T0, 77, &entry) < 0)
			return 2;
		fd = gc_entry_open_core(entry);
		if (fd < 0 || write(fd, value, strlen(value)) < 0)
			return 3;
		close(fd);
		if (gc_meta_set_unknown(&meta, "writer", value) < 0 ||
		    gc_entry_commit(entry, &meta) < 0)
			return 4;
		gc_meta_free(&meta);
	}
	gc_store_free(store);
	return 0;
}

static void check_concurrent_entry(struct fixture *f, const struct gc_meta *meta, bool *seen)
{
	char path[256], core[64], text[4096];
	unsigned child, seq;
	struct gc_meta on_disk;
	const char *writer = gc_meta_get_unknown(meta, "writer");
	ssize_t size;
	int fd;

	assert_non_null(writer);
	assert_int_equal(sscanf(writer, "%u-%u", &child, &seq), 2);
	assert_true(child < CHILDREN && seq < ENTRIES_PER_CHILD);
	assert_false(seen[child * ENTRIES_PER_CHILD + seq]);
	seen[child * ENTRIES_PER_CHILD + seq] = true;

	/* The meta file itself names its directory (list would paper over a mismatch). */
	snprintf(path, sizeof(path), "%s/meta", meta->id);
	fd = openat(gc_store_dirfd(f->store), path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	size = read(fd, text, sizeof(text));
	close(fd);
	assert_true(size > 0);
	assert_int_equal(gc_meta_parse(text, size, &on_disk), 0);
	assert_string_equal(on_disk.id, meta->id);
	gc_meta_free(&on_disk);

	fd = gc_store_open_core(f->store, meta->id);
	assert_true(fd >= 0);
	size = read(fd, core, sizeof(core) - 1);
	close(fd);
	assert_true(size > 0);
	core[size] = '\0';
	assert_string_equal(core, writer);
}

static void test_concurrent_commit(void **state)
{
	struct fixture *f = *state;
	bool seen[CHILDREN * ENTRIES_PER_CHILD] = {};
	struct gc_meta *metas;
	pid_t pids[CHILDREN];
	int start[2];
	size_t n;

	assert_int_equal(pipe(start), 0);
	for (unsigned i = 0; i < CHILDREN; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(start[1]);
			_exit(child_commit_all(f->path, start[0], i));
		}
	}
	close(start[0]);
	close(start[1]);
	for (unsigned i = 0; i < CHILDREN; i++) {
		int status;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}

	assert_int_equal(gc_store_list(f->store, &metas, &n), 0);
	assert_int_equal(n, CHILDREN * ENTRIES_PER_CHILD);
	for (size_t i = 0; i < n; i++) {
		/* Same time: ordered by ID, suffixes numerically (ID-9 before ID-10). */
		if (i > 0)
			assert_true(strverscmp(metas[i - 1].id, metas[i].id) < 0);
		check_concurrent_entry(f, &metas[i], seen);
	}
	gc_meta_array_free(metas, n);
	/* Only entries and the lock: no tmp dir left behind. */
	assert_int_equal(count_dir(f->path), CHILDREN * ENTRIES_PER_CHILD + 1);
	assert_int_equal(warnings, 0);
}

/* ---- killed writers, recovered ---- */

#define KILL_FRAME (64u << 10)
#define KILLED	   "the handler was killed while storing the core"

/* Bytes that compress a little and differ frame to frame. */
static uint8_t *frame_data(size_t size)
{
	uint8_t *p = malloc(size);
	uint32_t x = 12345;

	assert_non_null(p);
	for (size_t i = 0; i < size; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (i % 7 == 0) ? (uint8_t)(x >> 16) : (uint8_t)('a' + i % 13);
	}
	return p;
}

/* A whole stream of n frames in path; returns where frame `cut_frame` starts. */
static uint64_t write_frames(int fd, const uint8_t *data, unsigned n, unsigned cut_frame)
{
	struct gc_zwriter_options options = {.level = 1, .threads = 1, .frame_size = KILL_FRAME};
	struct gc_zwriter *w;
	struct gc_zreader *reader;
	uint64_t offset;
	uint32_t size;

	assert_int_equal(gc_zwriter_new(fd, &options, &w), 0);
	assert_int_equal(gc_zwriter_write(w, data, (size_t)n * KILL_FRAME), 0);
	assert_int_equal(gc_zwriter_finish(w, NULL, NULL), 0);
	gc_zwriter_free(w);
	assert_int_equal(gc_zreader_open(fd, &reader), 0);
	assert_int_equal(gc_zreader_frames(reader), n);
	assert_int_equal(gc_zreader_frame_stored(reader, cut_frame, &offset, &size), 0);
	gc_zreader_free(reader);
	return offset;
}

static void check_prefix(int fd, const uint8_t *data, size_t size)
{
	struct gc_zreader *reader;
	_cleanup_free_ uint8_t *buf = malloc(size + 1);

	assert_non_null(buf);
	assert_int_equal(gc_zreader_open(fd, &reader), 0);
	assert_int_equal(gc_zreader_size(reader), size);
	assert_int_equal(gc_zreader_pread(reader, buf, size + 1, 0), (ssize_t)size);
	assert_memory_equal(buf, data, size);
	gc_zreader_free(reader);
}

/* A stream cut inside a frame, or inside its seek table, keeps its whole frames. */
static void test_zseek_recover(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ uint8_t *data = frame_data(5 * KILL_FRAME);
	struct gc_zseek_recovery rec;
	char path[192], cmd[256];
	uint64_t cut;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/cut.zst", f->root);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	cut = write_frames(fd, data, 5, 4);
	assert_int_equal(ftruncate(fd, cut + 100), 0); /* frame 4 cut short */
	assert_int_equal(gc_zreader_open(fd, &(struct gc_zreader *){NULL}), -EBADMSG);
	assert_int_equal(gc_zseek_recover(fd, &rec), 0);
	assert_int_equal(rec.n_frames, 4);
	assert_int_equal(rec.raw_size, 4 * KILL_FRAME);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(rec.stored_size, st.st_size);
	check_prefix(fd, data, 4 * KILL_FRAME);
	snprintf(cmd, sizeof(cmd), "zstd -q -t %s", path);
	assert_int_equal(system(cmd), 0);

	/* Killed while writing the seek table: all frames stay. */
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	cut = write_frames(fd, data, 5, 4);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(ftruncate(fd, st.st_size - 5), 0);
	assert_int_equal(gc_zseek_recover(fd, &rec), 0);
	assert_int_equal(rec.n_frames, 5);
	check_prefix(fd, data, 5 * KILL_FRAME);

	/* Not one whole frame: the file stays as it was. */
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	cut = write_frames(fd, data, 2, 1);
	assert_int_equal(ftruncate(fd, cut - 1), 0);
	assert_int_equal(gc_zseek_recover(fd, &rec), 0);
	assert_int_equal(rec.n_frames, 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, cut - 1);
	close(fd);
	unlink(path);
}

/* A handler, killed with SIGKILL after `frames` whole frames (and half of the next) reached
 * its core; with ready_fd >= 0 it says so there instead and waits, alive, for a byte on
 * hold_fd. */
static pid_t spawn_writer(struct fixture *f, const uint8_t *data, unsigned frames, int hold_fd,
			  int ready_fd)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct gc_zwriter_options options = {
		    .level = 1, .threads = 1, .frame_size = KILL_FRAME};
		struct gc_store *store;
		struct gc_entry *entry;
		struct gc_zwriter *w;
		char byte;
		int fd;

		if (gc_store_open(f->path, false, &store) < 0 ||
		    gc_entry_new(store, T0, 4242, &entry) < 0 ||
		    (fd = gc_entry_open_core(entry)) < 0 || gc_zwriter_new(fd, &options, &w) < 0)
			_exit(1);
		/* Each write past a frame hands the previous one over; the last half stays. */
		if (gc_zwriter_write(w, data, (size_t)frames * KILL_FRAME + KILL_FRAME / 2) < 0)
			_exit(2);
		/* Until the whole frames are out: the file stops growing at what was stored. */
		for (uint64_t seen = UINT64_MAX; frames > 0;) {
			uint64_t stored = gc_zwriter_stored_bytes(w);

			if (stored > 0 && stored == seen && lseek(fd, 0, SEEK_END) == (off_t)stored)
				break;
			seen = stored;
			usleep(50000);
		}
		if (ready_fd >= 0) {
			(void)!write(ready_fd, "r", 1);
			(void)!read(hold_fd, &byte, 1);
			_exit(0);
		}
		raise(SIGKILL);
	}
	return pid;
}

static void wait_killed(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static bool any_tmp(const struct fixture *f)
{
	DIR *d = opendir(f->path);
	struct dirent *de;
	bool found = false;

	assert_non_null(d);
	while ((de = readdir(d)))
		found |= strncmp(de->d_name, ".tmp-", 5) == 0;
	closedir(d);
	return found;
}

/* The case: a killed handler's entry is committed at the next vacuum as truncated,
 * its whole frames restorable, and no committed crash goes for it. */
static void test_killed_writer_recovered(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy none = {};
	_cleanup_free_ uint8_t *data = frame_data(8 * KILL_FRAME);
	_cleanup_free_ char *old = commit_entry(f->store, T0 - 1000000, 1, 100);
	struct gc_meta *metas;
	size_t n, frames;
	int fd;

	wait_killed(spawn_writer(f, data, 3, -1, -1));
	assert_true(any_tmp(f));
	assert_int_equal(vacuum(f, &none, NULL), 0);
	assert_false(any_tmp(f));
	assert_non_null(strstr(last_warning, "left by a killed handler"));

	assert_int_equal(gc_store_list(f->store, &metas, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(metas[0].id, old);
	assert_string_equal(metas[1].id, T0_PREFIX "4242");
	assert_int_equal(metas[1].time_usec, T0 / 1000000 * 1000000);
	assert_int_equal(metas[1].pid, 4242);
	assert_true(metas[1].core_stored);
	assert_true(metas[1].truncated);
	assert_string_equal(metas[1].truncated_reason, KILLED);
	assert_int_equal(metas[1].core_size % KILL_FRAME, 0);
	frames = metas[1].core_size / KILL_FRAME;
	assert_true(frames >= 1 && frames <= 3);
	fd = gc_store_open_core(f->store, metas[1].id);
	assert_true(fd >= 0);
	check_prefix(fd, data, frames * KILL_FRAME);
	close(fd);
	assert_false(exists(f, T0_PREFIX "4242/.writer"));
	gc_meta_array_free(metas, n);
}

/* Killed before a whole frame reached the disk: nothing to keep, the entry goes. */
static void test_killed_writer_nothing(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy none = {};
	_cleanup_free_ uint8_t *data = frame_data(KILL_FRAME);

	wait_killed(spawn_writer(f, data, 0, -1, -1));
	assert_true(any_tmp(f));
	assert_int_equal(vacuum(f, &none, NULL), 0);
	assert_false(any_tmp(f));
	assert_int_equal(count_entries(f, NULL), 0);
}

/* A live writer's entry is left alone, however old its files look. */
static void test_live_writer_untouched(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy none = {};
	_cleanup_free_ uint8_t *data = frame_data(4 * KILL_FRAME);
	int hold[2], ready[2], status;
	char tmp[64], byte;
	pid_t pid;

	assert_int_equal(pipe2(hold, O_CLOEXEC), 0);
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	pid = spawn_writer(f, data, 2, hold[0], ready[1]);
	assert_int_equal(read(ready[0], &byte, 1), 1);
	snprintf(tmp, sizeof(tmp), ".tmp-" T0_PREFIX "4242");
	set_old(gc_store_dirfd(f->store), tmp);
	assert_int_equal(vacuum(f, &none, NULL), 0);
	assert_true(exists(f, tmp));
	assert_int_equal(count_entries(f, NULL), 0);
	assert_int_equal(write(hold[1], "x", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(hold[1]);
	close(hold[0]);
	close(ready[0]);
	close(ready[1]);
}

/* A .tmp-ID of the previous release has no lock to ask: an hour without change tells. */
static void test_legacy_tmp_recovered(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy none = {};
	_cleanup_free_ uint8_t *data = frame_data(3 * KILL_FRAME);
	int dir_fd = gc_store_dirfd(f->store), fd;
	const char *old = ".tmp-" T0_PREFIX "9", *young = ".tmp-" T0_PREFIX "10";
	char core[128];
	uint64_t cut;

	for (unsigned i = 0; i < 2; i++) {
		const char *name = i == 0 ? old : young;

		snprintf(core, sizeof(core), "%s/" GC_ENTRY_CORE, name);
		assert_int_equal(mkdirat(dir_fd, name, 0700), 0);
		fd = openat(dir_fd, core, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		assert_true(fd >= 0);
		cut = write_frames(fd, data, 3, 2);
		assert_int_equal(ftruncate(fd, cut + 10), 0);
		close(fd);
		if (i == 0) {
			set_old(dir_fd, core);
			set_old(dir_fd, name);
		}
	}
	assert_int_equal(vacuum(f, &none, NULL), 0);
	assert_false(exists(f, old));
	assert_true(exists(f, young));
	assert_int_equal(count_entries(f, T0_PREFIX "9"), 1);
	fd = gc_store_open_core(f->store, T0_PREFIX "9");
	assert_true(fd >= 0);
	check_prefix(fd, data, 2 * KILL_FRAME);
	close(fd);
}

static void count_recovered(const struct gc_meta *meta, void *userdata)
{
	unsigned *n = userdata;

	assert_string_equal(meta->id, T0_PREFIX "4242");
	assert_true(meta->truncated);
	(*n)++;
}

/* gc_store_recover names each crash it commits, so that the handler can journal it. */
static void test_store_recover_reports(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ uint8_t *data = frame_data(4 * KILL_FRAME);
	unsigned n = 0;

	wait_killed(spawn_writer(f, data, 2, -1, -1));
	assert_int_equal(gc_store_recover(f->store, count_recovered, &n), 0);
	assert_int_equal(n, 1);
	assert_false(any_tmp(f));
	assert_int_equal(gc_store_recover(f->store, count_recovered, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(count_entries(f, T0_PREFIX "4242"), 1);
}

/* ---- a store that cannot be turned against root ---- */

static uid_t nobody_uid(void)
{
	if (geteuid() != 0)
		skip(); /* ownership rules are root's */
	return 65534;
}

static void test_store_refused(void **state)
{
	struct fixture *f = *state;
	uid_t nobody = nobody_uid();
	struct gc_store *other = NULL;
	char path[192], child[224];

	snprintf(path, sizeof(path), "%s/other", f->root);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chown(path, nobody, nobody), 0);
	warnings = 0;
	assert_int_equal(gc_store_open(path, false, &other), -EPERM);
	assert_true(warnings > 0);
	assert_non_null(strstr(last_warning, "owned by another user"));

	/* Root's, but others may write into it. */
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(chmod(path, 0770), 0);
	assert_int_equal(gc_store_open(path, false, &other), -EPERM);
	assert_non_null(strstr(last_warning, "writable by others"));
	assert_int_equal(chmod(path, 0703), 0);
	assert_int_equal(gc_store_open(path, false, &other), -EPERM);

	/* A parent someone else owns or may write to: they can swap the store. */
	assert_int_equal(chmod(path, 0755), 0);
	snprintf(child, sizeof(child), "%s/store", path);
	assert_int_equal(mkdir(child, 0700), 0);
	assert_int_equal(chown(path, nobody, nobody), 0);
	assert_int_equal(gc_store_open(child, false, &other), -EPERM);
	assert_non_null(strstr(last_warning, path));
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(chmod(path, 0777), 0);
	assert_int_equal(gc_store_open(child, false, &other), -EPERM);
	assert_int_equal(gc_store_open(child, true, &other), -EPERM);

	/* Sticky, like /tmp: only the store's owner, root, can move it. */
	assert_int_equal(chmod(path, 01777), 0);
	assert_int_equal(gc_store_open(child, false, &other), 0);
	gc_store_free(other);

	/* Writable by its group, like Debian's /var/local (2775 root:staff): that group is
	 * trusted like root; the store itself may not be group-writable. */
	assert_int_equal(chown(path, 0, 50), 0);
	assert_int_equal(chmod(path, 02775), 0);
	assert_int_equal(gc_store_open(child, false, &other), 0);
	gc_store_free(other);
	assert_int_equal(chmod(child, 0770), 0);
	assert_int_equal(gc_store_open(child, false, &other), -EPERM);
}

/* The .lock must be a file of root's: not a FIFO that blocks, nor a file someone holds. */
static void test_lock_file_checked(void **state)
{
	struct fixture *f = *state;
	int dir_fd = gc_store_dirfd(f->store);
	uid_t nobody = nobody_uid();

	assert_int_equal(mkfifoat(dir_fd, ".lock", 0600), 0);
	assert_int_equal(gc_store_lock(f->store), -EPERM);
	assert_int_equal(unlinkat(dir_fd, ".lock", 0), 0);
	assert_int_equal(symlinkat("/etc/passwd", dir_fd, ".lock"), 0);
	assert_int_equal(gc_store_lock(f->store), -ELOOP);
	assert_int_equal(unlinkat(dir_fd, ".lock", 0), 0);
	close(openat(dir_fd, ".lock", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	assert_int_equal(fchownat(dir_fd, ".lock", nobody, nobody, 0), 0);
	assert_int_equal(gc_store_lock(f->store), -EPERM);
	assert_int_equal(fchownat(dir_fd, ".lock", 0, 0, 0), 0);
	assert_int_equal(gc_store_lock(f->store), 0);
	gc_store_unlock(f->store);
}

static off_t size_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_size;
}

/* The attack: between commit and analysis the entry is swapped for a symlink to a
 * root-only directory. Every later step still works on the directory that was committed,
 * and a fresh look at the store does not follow the symlink. */
static void test_entry_swapped_for_symlink(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *id = commit_entry(f->store, T0, 7, 4096);
	char victim[192], entry[192], moved[192], file[256];
	struct gc_meta meta = {};
	struct gc_store_file *report;
	struct gc_store *fresh;
	int fd;

	snprintf(victim, sizeof(victim), "%s/victim", f->root);
	assert_int_equal(mkdir(victim, 0700), 0);
	snprintf(file, sizeof(file), "%s/" GC_ENTRY_CORE, victim);
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	write_pattern(fd, 1000);
	close(fd);
	snprintf(file, sizeof(file), "%s/" GC_ENTRY_META, victim);
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	write_pattern(fd, 1000);
	close(fd);

	snprintf(entry, sizeof(entry), "%s/%s", f->path, id);
	snprintf(moved, sizeof(moved), "%s/moved", f->root);
	assert_int_equal(rename(entry, moved), 0);
	assert_int_equal(symlink(victim, entry), 0);

	/* What capture does after commit: analysis, report, meta, recompression. */
	fd = gc_store_open_core(f->store, id);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(gc_store_file_new(f->store, id, GC_ENTRY_GOROUTINES, &report), 0);
	assert_int_equal(write(gc_store_file_fd(report), "g", 1), 1);
	assert_int_equal(gc_store_file_commit(report), 0);
	meta = (struct gc_meta){.id = strdup(id), .time_usec = T0, .pid = 7};
	assert_int_equal(gc_store_update_meta(f->store, &meta), 0);
	gc_meta_free(&meta);

	snprintf(file, sizeof(file), "%s/" GC_ENTRY_CORE, victim);
	assert_int_equal(size_of(file), 1000);
	snprintf(file, sizeof(file), "%s/" GC_ENTRY_META, victim);
	assert_int_equal(size_of(file), 1000);
	assert_int_equal(count_dir(victim), 2);
	snprintf(file, sizeof(file), "%s/" GC_ENTRY_GOROUTINES, moved);
	assert_int_equal(size_of(file), 1);

	/* Anyone opening the store anew finds no entry there, and follows nothing. */
	assert_int_equal(gc_store_open(f->path, false, &fresh), 0);
	assert_true(gc_store_open_core(fresh, id) < 0);
	assert_true(gc_store_find(fresh, id, &meta) < 0);
	assert_int_equal(gc_store_file_new(fresh, id, GC_ENTRY_GOROUTINES, &report), -ENOTDIR);
	gc_store_free(fresh);
	assert_int_equal(count_dir(victim), 2);
}

/* Something else fills the filesystem below KeepFree: removing every entry would not restore
 * it, so none is removed, for a growing core or after a commit (they were all removed, and
 * the new core stored empty anyway). */
static void test_make_room_full_fs_keeps_entries(void **state)
{
	struct fixture *f = small_fs(state);
	struct gc_space_policy policy = {.max_cores = 10};
	struct gc_room_request req = {.incoming = MIB};
	struct gc_room room;
	char filler[192], *ids[3];
	int fd;

	commit_series(f, ids, 3, MIB);
	snprintf(filler, sizeof(filler), "%s/filler", f->root);
	fd = open(filler, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	write_pattern(fd, fs_free(f) - MIB);
	close(fd);
	/* 1 MiB free, 3 MiB removable, KeepFree 5 MiB: unreachable. */
	policy.keep_free.value = 5 * MIB;
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.limit, GC_ROOM_KEEP_FREE);
	assert_int_equal(room.removed, 0);
	assert_int_equal(count_entries(f, ids[0]), 3);
	assert_non_null(strstr(last_info, "cannot make"));

	req = (struct gc_room_request){.keep_id = ids[2], .flags = GC_ROOM_ALL_LIMITS};
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.removed, 0);
	assert_int_equal(count_entries(f, ids[0]), 3);

	/* Reachable: 1 MiB free + 2 removable >= 2.5 MiB, but the entry just committed took no
	 * room: nothing goes for it (its core was not stored, the disk filled by another). */
	policy.keep_free.value = 5 * MIB / 2;
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.removed, 0);
	/* It took room: the oldest cores go, as few as it takes; the entries stay. */
	req.entry_bytes = MIB;
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_true(room.removed >= 1 && room.removed <= 2);
	assert_int_equal(count_entries(f, NULL), 3);
	assert_false(has_core(f, ids[0]));
	assert_true(has_core(f, ids[2]));
	unlink(filler);
	free_ids(ids, 3);
}

/* The KeepFree removal names KeepFree as configured, not KeepFree plus the margin asked. */
static void test_make_room_names_keep_free(void **state)
{
	struct fixture *f = small_fs(state);
	struct gc_space_policy policy = {};
	struct gc_room_request req = {.incoming = MIB};
	struct gc_room room;
	char expected[64], *ids[2];

	commit_series(f, ids, 2, MIB);
	policy.keep_free.value = fs_free(f) - MIB / 2;
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.removed, 1);
	strcpy(expected, "KeepFree=");
	gc_format_bytes(policy.keep_free.value, expected + strlen(expected),
			sizeof(expected) - strlen(expected));
	assert_non_null(strstr(last_info, expected));
	assert_true(strstr(last_info, expected)[strlen(expected)] == '\0');
	free_ids(ids, 2);
}

/* An entry of uid's; comm (may be NULL) makes its group. */
static char *commit_entry_of(struct gc_store *store, uint64_t time_usec, int64_t uid,
			     size_t core_size, const char *comm)
{
	struct gc_entry *entry;
	struct gc_meta meta = {
	    .time_usec = time_usec, .pid = 1, .uid = uid, .comm = comm ? strdup(comm) : NULL};
	char *id;
	int fd;

	assert_int_equal(gc_entry_new(store, time_usec, 1, &entry), 0);
	fd = gc_entry_open_core(entry);
	assert_true(fd >= 0);
	write_pattern(fd, core_size);
	close(fd);
	meta.core_stored = true;
	GC_META_SET(&meta, handler_cpu_usec, 1);
	assert_int_equal(gc_entry_commit(entry, &meta), 0);
	id = TAKE_PTR(meta.id);
	gc_meta_free(&meta);
	return id;
}

static bool has_entry(const struct fixture *f, const char *id)
{
	return exists(f, id);
}

/* One user crashing in a loop loses their own old crashes first, whether the limit is the
 * count (MaxCores) or the bytes (MaxUse); the other user's older crash stays. */
static void test_vacuum_worst_user_first(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy policy = {.max_cores = 4};
	char *victim = commit_entry_of(f->store, T0, 1000, 64 << 10, NULL), *loop[5];

	for (unsigned i = 0; i < 5; i++)
		loop[i] =
		    commit_entry_of(f->store, T0 + (i + 1) * 1000000ull, 2000, 64 << 10, NULL);
	assert_int_equal(gc_store_lock(f->store), 0);
	assert_int_equal(vacuum(f, &policy, loop[4]), 2);
	gc_store_unlock(f->store);
	assert_true(has_core(f, victim));
	assert_false(has_core(f, loop[0]));
	assert_false(has_core(f, loop[1]));
	assert_true(has_core(f, loop[2]));
	assert_true(has_entry(f, loop[0]));
	free(victim);
	free_ids(loop, 5);
}

/* A crash loop's group gives up its cores first, however old another group's core is; once
 * no group has two, the user whose cores take the most gives the oldest first. */
static void test_vacuum_repeated_group_first(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy policy = {.max_cores = 3};
	char *other = commit_entry_of(f->store, T0, 1000, 64 << 10, "other"), *loop[4], *big;

	for (unsigned i = 0; i < 4; i++)
		loop[i] =
		    commit_entry_of(f->store, T0 + (i + 1) * 1000000ull, 1000, 64 << 10, "looping");
	assert_int_equal(vacuum(f, &policy, NULL), 2);
	assert_true(has_core(f, other));
	assert_false(has_core(f, loop[0]));
	assert_false(has_core(f, loop[1]));
	assert_true(has_core(f, loop[2]));

	/* One core per group left (after loop[2]'s goes): by bytes, user 2000's big one. */
	policy = (struct gc_space_policy){.max_cores = 2};
	assert_int_equal(vacuum(f, &policy, NULL), 1);
	assert_false(has_core(f, loop[2]));
	big = commit_entry_of(f->store, T0 + 9000000ull, 2000, 1 << 20, "big");
	policy = (struct gc_space_policy){.max_use = {.value = (1 << 20) + (100 << 10)}};
	assert_int_equal(vacuum(f, &policy, NULL), 1);
	assert_false(has_core(f, big));
	assert_true(has_core(f, other));
	assert_true(has_core(f, loop[3]));
	free(other);
	free(big);
	free_ids(loop, 4);
}

/* CoresPerSignature: past the first k cores of a group, the rest go (the handler drops its
 * own; this is for a killed one, or a lowered setting); 0 keeps none. */
static void test_vacuum_per_signature(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy policy = {.per_signature = true, .cores_per_signature = 2};
	char *ids[4], *other = commit_entry_of(f->store, T0, 0, 100, "other");
	struct gc_meta meta;

	for (unsigned i = 0; i < 4; i++)
		ids[i] = commit_entry_of(f->store, T0 + (i + 1) * 1000000ull, 0, 100, "looping");
	assert_int_equal(vacuum(f, &policy, NULL), 2);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(has_core(f, ids[i]), i < 2);
	assert_true(has_core(f, other));
	assert_int_equal(gc_store_find(f->store, ids[3], &meta), 0);
	assert_string_equal(meta.core_dropped, "analysis only: CoresPerSignature=2");
	gc_meta_free(&meta);
	policy.cores_per_signature = 0;
	assert_int_equal(vacuum(f, &policy, NULL), 3);
	assert_false(has_core(f, other));
	assert_int_equal(count_entries(f, other), 5);
	free(other);
	free_ids(ids, 4);
}

/* Ages: cores past MaxCoreAge go and their entries stay; entries past MaxEntryAge go. */
static void test_vacuum_ages(void **state)
{
	struct fixture *f = *state;
	uint64_t now = gc_clock_usec(CLOCK_REALTIME), day = 86400ull * 1000000;
	struct gc_space_policy policy = {.max_core_age_usec = 7 * day};
	char *old = commit_entry_of(f->store, now - 30 * day, 0, 100, "a");
	char *week = commit_entry_of(f->store, now - 8 * day, 0, 100, "b");
	char *young = commit_entry_of(f->store, now - day, 0, 100, "c");
	struct gc_meta meta;

	/* Done with (their handlers recorded their cost), so not in progress. */
	for (const char *const *id = (const char *const[]){old, week, young, NULL}; *id; id++) {
		assert_int_equal(gc_store_find(f->store, *id, &meta), 0);
		GC_META_SET(&meta, handler_cpu_usec, 1);
		assert_int_equal(gc_store_update_meta(f->store, &meta), 0);
		gc_meta_free(&meta);
	}
	assert_int_equal(vacuum(f, &policy, NULL), 2);
	assert_false(has_core(f, old));
	assert_false(has_core(f, week));
	assert_true(has_core(f, young));
	policy.max_entry_age_usec = 10 * day;
	assert_int_equal(vacuum(f, &policy, NULL), 1);
	assert_false(has_entry(f, old));
	assert_true(has_entry(f, week));
	free(old);
	free(week);
	free(young);
}

/* An entry committed a moment ago whose handler is not done (no handler_cpu_usec yet) is
 * spared by another handler's quota pass: its journal line is about to name it. Once done, or
 * once too old for a handler still to be at work, it may go. */
static void test_vacuum_spares_entries_in_progress(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy policy = {.max_cores = 2};
	uint64_t now = gc_clock_usec(CLOCK_REALTIME);
	char *old = commit_entry(f->store, T0, 1, 100);
	char *busy = commit_entry(f->store, now - 1000000, 2, 100);
	/* a replay: its crash is years old, its handler at work right now */
	char *replay = commit_entry(f->store, T0 + 1000000, 4, 100);
	char *mine = commit_entry(f->store, now, 3, 100);
	int dir_fd = gc_store_dirfd(f->store);
	char name[256];
	struct gc_meta meta;

	for (char **id = (char *[]){old, busy, replay, NULL}; *id; id++) {
		assert_int_equal(gc_store_find(f->store, *id, &meta), 0);
		meta.present[GC_META_handler_cpu_usec] = false;
		assert_int_equal(gc_store_update_meta(f->store, &meta), 0);
		gc_meta_free(&meta);
	}
	/* old's handler was killed long ago: nothing in its entry changed for two hours */
	set_old(dir_fd, old);
	snprintf(name, sizeof(name), "%s/" GC_ENTRY_META, old);
	set_old(dir_fd, name);
	snprintf(name, sizeof(name), "%s/" GC_ENTRY_CORE, old);
	set_old(dir_fd, name);
	policy.max_cores = 3;
	assert_int_equal(vacuum(f, &policy, mine), 1);
	assert_true(has_core(f, replay));
	assert_false(has_core(f, old));
	assert_true(has_core(f, busy));
	assert_true(has_core(f, mine));

	assert_int_equal(gc_store_find(f->store, busy, &meta), 0);
	GC_META_SET(&meta, handler_cpu_usec, 1000);
	assert_int_equal(gc_store_update_meta(f->store, &meta), 0);
	gc_meta_free(&meta);
	policy.max_cores = 2;
	assert_int_equal(vacuum(f, &policy, mine), 1);
	assert_false(has_core(f, busy));
	assert_true(has_core(f, replay));
	assert_true(has_core(f, mine));
	free(old);
	free(busy);
	free(replay);
	free(mine);
}

/* MaxUse holds for the entry being written and those other writers are writing now
 * together: four concurrent captures each took MaxUse. */
static void test_make_room_counts_other_writers(void **state)
{
	struct fixture *f = small_fs(state);
	struct gc_space_policy policy = {.max_use = {.value = 3 * MIB}};
	struct gc_entry *mine, *other;
	struct gc_room_request req = {.incoming = MIB / 2, .entry_bytes = MIB};
	struct gc_room room;
	int fd;

	assert_int_equal(gc_entry_new(f->store, T0, 1, &mine), 0);
	assert_int_equal(gc_entry_new(f->store, T0, 2, &other), 0);
	fd = gc_entry_open_core(mine);
	write_pattern(fd, MIB);
	close(fd);
	req.entry_id = gc_entry_id(mine);
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.limit, GC_ROOM_FITS);
	fd = gc_entry_open_core(other);
	write_pattern(fd, 2 * MIB);
	close(fd);
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.limit, GC_ROOM_MAX_USE);
	assert_true(room.headroom < MIB / 2);
	gc_entry_abort(other);
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.limit, GC_ROOM_FITS);
	gc_entry_abort(mine);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_open, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_read_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commit_list_find, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_find_exact_beats_prefix, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_collision, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_abort, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list_skips_broken, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_update_meta, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_file_killed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rewrite_core, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rewrite_core_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vacuum_max_cores, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vacuum_max_use, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vacuum_keep_id, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vacuum_stale_tmp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vacuum_broken_entry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_make_room_keep_free, setup_small, teardown_small),
	    cmocka_unit_test_setup_teardown(test_make_room_no_remove, setup_small, teardown_small),
	    cmocka_unit_test_setup_teardown(test_make_room_cannot, setup_small, teardown_small),
	    cmocka_unit_test_setup_teardown(test_make_room_max_use, setup_small, teardown_small),
	    cmocka_unit_test_setup_teardown(test_make_room_all_limits, setup_small, teardown_small),
	    cmocka_unit_test_setup_teardown(test_concurrent_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_zseek_recover, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_killed_writer_recovered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_killed_writer_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_live_writer_untouched, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_legacy_tmp_recovered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_recover_reports, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lock_file_checked, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_entry_swapped_for_symlink, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_make_room_full_fs_keeps_entries, setup_small,
					    teardown_small),
	    cmocka_unit_test_setup_teardown(test_make_room_names_keep_free, setup_small,
					    teardown_small),
	    cmocka_unit_test_setup_teardown(test_vacuum_worst_user_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vacuum_repeated_group_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vacuum_per_signature, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vacuum_ages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_make_room_counts_other_writers, setup_small,
					    teardown_small),
	    cmocka_unit_test_setup_teardown(test_vacuum_spares_entries_in_progress, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_vacuum, setup, teardown),
	};

	umask(022);
	gc_log_set(capture_log, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
