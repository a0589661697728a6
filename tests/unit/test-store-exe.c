/* SPDX-License-Identifier: MIT */
/* The executables kept once per build id (store-exe.h), in a real store in a temporary
 * directory, copied by the real sandboxed child. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "store-exe.h"
#include "store.h"
#include "zfile.h"

#define T0	 1704164645000000ull /* 2024-01-02 03:04:05 UTC */
#define EXE_SIZE (3u << 20)	     /* more than one read of the child */
#define GNU_ID	 "0123456789ABCDEF0123456789abcdef01234567"
#define GNU_KEY	 "0123456789abcdef0123456789abcdef01234567"
#define GO_ID	 "Zq3d-f0aF1_xYw2Q9kLm/AbCdEfGhIjKlMnOpQrS/t1u2v3w4x5y6z7A8B9C/DdEeFfGgHhIiJjKkLlMm"

struct fixture {
	char root[64];
	char path[128];
	struct gc_store *store;
	int exe_fd;
	char *exe; /* its bytes */
	struct gc_store_exe_limits limits;
};

static void quiet_log(int priority, const char *message, void *userdata)
{
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char exe_path[192];
	uint64_t x = 88172645463325252ull;

	assert_non_null(f);
	strcpy(f->root, "/tmp/test-store-exe-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->path, sizeof(f->path), "%s/store", f->root);
	assert_int_equal(gc_store_open(f->path, true, &f->store), 0);
	/* Bytes that compress somewhat, as an executable's do. */
	f->exe = malloc(EXE_SIZE);
	assert_non_null(f->exe);
	for (size_t i = 0; i < EXE_SIZE; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		f->exe[i] = (char)(x & (i % 2 ? 0xff : 0x0f));
	}
	snprintf(exe_path, sizeof(exe_path), "%s/crashy", f->root);
	f->exe_fd = open(exe_path, O_RDWR | O_CREAT | O_CLOEXEC, 0755);
	assert_true(f->exe_fd >= 0);
	assert_int_equal(write(f->exe_fd, f->exe, EXE_SIZE), EXE_SIZE);
	f->limits = (struct gc_store_exe_limits){
	    .max_size = 64u << 20, .time_limit_usec = 60000000, .level = 3};
	gc_log_set(quiet_log, NULL);
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
	close(f->exe_fd);
	nftw(f->root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f->exe);
	free(f);
	return 0;
}

/* A committed entry of a crash of an executable with that build id. */
static void commit_entry(struct gc_store *store, int64_t pid, const char *build_id,
			 struct gc_meta *ret)
{
	struct gc_meta meta = {.time_usec = T0 + pid, .pid = pid, .go = true, .core_stored = true};
	struct gc_entry *entry;

	meta.build_id = build_id ? strdup(build_id) : NULL;
	assert_int_equal(gc_entry_new(store, meta.time_usec, pid, &entry), 0);
	assert_int_equal(gc_entry_commit(entry, &meta), 0);
	*ret = meta;
}

static void remove_entry(struct fixture *f, const char *id)
{
	char path[256];

	assert_int_equal(gc_store_lock(f->store), 0);
	snprintf(path, sizeof(path), "%s/%s/meta", f->path, id);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/%s", f->path, id);
	assert_int_equal(rmdir(path), 0);
	gc_store_unlock(f->store);
}

static bool kept(const struct fixture *f, const char *key)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/" GC_STORE_EXE_DIR "/%s.zst", f->path, key);
	return access(path, F_OK) == 0;
}

static unsigned kept_count(const struct fixture *f)
{
	char path[256];
	unsigned n = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/" GC_STORE_EXE_DIR, f->path);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The kept file, decompressed, is the executable byte for byte. */
static void assert_restores(struct fixture *f, const char *key)
{
	_cleanup_free_ char *buf = malloc(EXE_SIZE + 1);
	int fd = gc_store_exe_open(f->store, key);
	FILE *in;

	assert_true(fd >= 0);
	in = gc_zfile_read(fd);
	assert_non_null(in);
	assert_int_equal(fread(buf, 1, EXE_SIZE + 1, in), EXE_SIZE);
	assert_memory_equal(buf, f->exe, EXE_SIZE);
	fclose(in);
	close(fd);
}

static void assert_meta_refers(struct fixture *f, const char *id, const char *key)
{
	struct gc_meta stored = {};

	assert_int_equal(gc_store_find(f->store, id, &stored), 0);
	if (key)
		assert_string_equal(stored.exe_kept, key);
	else
		assert_null(stored.exe_kept);
	gc_meta_free(&stored);
}

static void test_keys(void **state)
{
	_cleanup_free_ char *gnu = NULL, *go = NULL, *again = NULL;
	static const char *const hostile[] = {
	    "", "../../etc/passwd", "abc/../x", "a b", "id\n", "go-../x", ".", "x.zst/..",
	};

	assert_int_equal(gc_store_exe_key(GNU_ID, &gnu), 0);
	assert_string_equal(gnu, GNU_KEY);
	assert_int_equal(gc_store_exe_key(GO_ID, &go), 0);
	assert_int_equal(strlen(go), 3 + 32);
	assert_memory_equal(go, "go-", 3);
	assert_true(gc_store_exe_key_is_valid(gnu));
	assert_true(gc_store_exe_key_is_valid(go));
	assert_int_equal(gc_store_exe_key(GO_ID, &again), 0);
	assert_string_equal(go, again);
	for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
		char *key = (char *)0x1;

		assert_int_equal(gc_store_exe_key(hostile[i], &key), -EINVAL);
		assert_ptr_equal(key, (char *)0x1);
		assert_false(gc_store_exe_key_is_valid(hostile[i]));
	}
	assert_int_equal(gc_store_exe_key(NULL, &gnu), -EINVAL);
	/* Keys read back from a meta are checked too: only what gc_store_exe_key gives. */
	assert_false(gc_store_exe_key_is_valid("ABCD"));
	assert_false(gc_store_exe_key_is_valid("abc"));
	assert_false(gc_store_exe_key_is_valid("go-0123"));
	assert_false(gc_store_exe_key_is_valid(NULL));
}

/* Two crashes of one build: one copy, both entries refer to it, the usage counts it. */
static void test_keep_once(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy policy = {};
	struct gc_meta a, b;
	uint64_t before, after;

	commit_entry(f->store, 100, GNU_ID, &a);
	commit_entry(f->store, 101, GNU_ID, &b);
	assert_int_equal(gc_store_usage(f->store, &before, NULL, NULL), 0);
	assert_int_equal(gc_store_exe_keep(f->store, &policy, f->exe_fd, &f->limits, &a), 1);
	assert_int_equal(gc_store_exe_keep(f->store, &policy, f->exe_fd, &f->limits, &b), 0);
	assert_string_equal(a.exe_kept, GNU_KEY);
	assert_string_equal(b.exe_kept, GNU_KEY);
	assert_meta_refers(f, a.id, GNU_KEY);
	assert_meta_refers(f, b.id, GNU_KEY);
	assert_int_equal(kept_count(f), 1);
	assert_restores(f, GNU_KEY);
	assert_int_equal(gc_store_usage(f->store, &after, NULL, NULL), 0);
	assert_true(after > before + EXE_SIZE / 8);
	gc_meta_free(&a);
	gc_meta_free(&b);
}

/* It goes with the last entry that refers to it, not before. */
static void test_collect(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy policy = {};
	struct gc_meta a, b, other;

	commit_entry(f->store, 100, GO_ID, &a);
	commit_entry(f->store, 101, GO_ID, &b);
	commit_entry(f->store, 102, NULL, &other);
	assert_int_equal(gc_store_exe_keep(f->store, &policy, f->exe_fd, &f->limits, &a), 1);
	assert_int_equal(gc_store_exe_keep(f->store, &policy, f->exe_fd, &f->limits, &b), 0);
	assert_int_equal(gc_store_exe_collect(f->store), 0);
	assert_true(kept(f, a.exe_kept));
	remove_entry(f, a.id);
	assert_int_equal(gc_store_exe_collect(f->store), 0);
	assert_true(kept(f, a.exe_kept));
	remove_entry(f, b.id);
	assert_int_equal(gc_store_exe_collect(f->store), 1);
	assert_false(kept(f, a.exe_kept));
	assert_int_equal(kept_count(f), 0);
	assert_meta_refers(f, other.id, NULL);
	gc_meta_free(&a);
	gc_meta_free(&b);
	gc_meta_free(&other);
}

/* The vacuum collects too: an executable its entry's removal left behind goes with the next
 * pass of the space policy, whatever removed the entry. */
static void test_vacuum_collects(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy policy = {};
	struct gc_room_request req = {.flags = GC_ROOM_ALL_LIMITS};
	struct gc_room room;
	struct gc_meta a;

	commit_entry(f->store, 100, GNU_ID, &a);
	assert_int_equal(gc_store_exe_keep(f->store, &policy, f->exe_fd, &f->limits, &a), 1);
	remove_entry(f, a.id);
	assert_true(kept(f, GNU_KEY));
	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_false(kept(f, GNU_KEY));
	gc_meta_free(&a);
}

/* A build id the probe could have been told by a hostile executable names no file. */
static void test_hostile_build_id(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy policy = {};
	struct gc_meta a;

	commit_entry(f->store, 100, "../../../../tmp/owned", &a);
	assert_int_equal(gc_store_exe_keep(f->store, &policy, f->exe_fd, &f->limits, &a), -ENODATA);
	assert_null(a.exe_kept);
	assert_int_equal(kept_count(f), 0);
	assert_int_equal(gc_store_exe_open(f->store, "../meta"), -EINVAL);
	gc_meta_free(&a);
	commit_entry(f->store, 101, NULL, &a);
	assert_int_equal(gc_store_exe_keep(f->store, &policy, f->exe_fd, &f->limits, &a), -ENODATA);
	gc_meta_free(&a);
}

/* Not worth a crash: without room within MaxUse= nothing is copied (or removed). */
static void test_no_room(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy policy = {.max_use = {.value = 1u << 20}};
	struct gc_meta a;

	commit_entry(f->store, 100, GNU_ID, &a);
	assert_int_equal(gc_store_exe_keep(f->store, &policy, f->exe_fd, &f->limits, &a), -ENOSPC);
	assert_null(a.exe_kept);
	assert_int_equal(kept_count(f), 0);
	assert_meta_refers(f, a.id, NULL);
	policy.max_use.value = 4096;
	assert_int_equal(gc_store_exe_keep(f->store, &policy, f->exe_fd, &f->limits, &a), -ENOSPC);
	gc_meta_free(&a);
}

/* Larger than its limit: not kept, rather than kept cut. */
static void test_too_large(void **state)
{
	struct fixture *f = *state;
	struct gc_space_policy policy = {};
	struct gc_meta a;

	f->limits.max_size = EXE_SIZE - 1;
	commit_entry(f->store, 100, GNU_ID, &a);
	assert_int_equal(gc_store_exe_keep(f->store, &policy, f->exe_fd, &f->limits, &a), -EFBIG);
	assert_null(a.exe_kept);
	assert_int_equal(kept_count(f), 0);
	gc_meta_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test_setup_teardown(test_keep_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_collect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vacuum_collects, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_build_id, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_room, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
