/* SPDX-License-Identifier: MIT */
/* Who may read an entry: the ACL writer read back (raw attribute, getfacl, and the kernel's
 * own decision for a real other uid), the grant at commit and what it leaves out, the
 * per-user index and its sweep, and a store as another user lists it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "acl.h"
#include "log.h"
#include "macro.h"
#include "store.h"

#define T0   1704164645000000ull /* 2024-01-02 03:04:05 UTC */
#define USER 4242		 /* a uid without a name: the kernel needs none */
#define MATE 4243

struct fixture {
	char root[64];
	char path[128];
	struct gc_store *store;
};

static unsigned warnings;

static void capture_log(int priority, const char *message, void *userdata)
{
	if (priority <= LOG_WARNING)
		warnings++;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->root, "/tmp/test-access-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	assert_int_equal(chmod(f->root, 0755), 0); /* other users reach the store */
	snprintf(f->path, sizeof(f->path), "%s/store", f->root);
	assert_int_equal(gc_store_open(f->path, true, &f->store), 0);
	warnings = 0;
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

static int open_at(const struct fixture *f, const char *name)
{
	return openat(gc_store_dirfd(f->store), name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

/* The uid the file grants read access to, -1 for none. */
static int64_t granted(const struct fixture *f, const char *name)
{
	_cleanup_close_ int fd = open_at(f, name);
	uid_t uid;
	int r;

	assert_true(fd >= 0);
	r = gc_acl_granted_user(fd, &uid);
	if (r == -ENODATA)
		return -1;
	assert_int_equal(r, 0);
	return uid;
}

/* A crash of uid USER; dump_mode < 0: not recorded (an older release). */
static char *commit_crash(struct fixture *f, int64_t pid, int64_t uid, int64_t dump_mode,
			  int64_t euid)
{
	struct gc_meta meta = {.time_usec = T0 + (uint64_t)pid * 1000000u, .pid = pid};
	struct gc_entry *entry;
	char *id;
	int fd;

	meta.uid = uid;
	meta.gid = uid;
	if (dump_mode >= 0)
		GC_META_SET(&meta, dump_mode, dump_mode);
	GC_META_SET(&meta, euid, euid);
	GC_META_SET(&meta, handler_cpu_usec, 1);
	meta.core_stored = true;
	assert_int_equal(gc_entry_new(f->store, meta.time_usec, pid, &entry), 0);
	fd = gc_entry_open_core(entry);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "core", 4), 4);
	close(fd);
	assert_int_equal(gc_entry_commit(entry, &meta), 0);
	id = TAKE_PTR(meta.id);
	gc_meta_free(&meta);
	return id;
}

static bool have_acls(const struct fixture *f)
{
	_cleanup_close_ int fd = openat(gc_store_dirfd(f->store), ".", O_RDONLY | O_DIRECTORY);

	return fsetxattr(fd, "user.gocrashd-test", "", 0, 0) == 0 || errno != EOPNOTSUPP;
}

/* The attribute byte for byte (little-endian), so that a decoder bug cannot hide an encoder
 * bug; then getfacl's reading of it, and the mode the kernel derives. */
static void test_acl_writer(void **state)
{
	static const unsigned char expected[] = {
	    2,	  0, 0, 0,				       /* version */
	    0x01, 0, 6, 0, 0xff,	0xff,	   0xff, 0xff, /* user::rw- */
	    0x02, 0, 4, 0, USER & 0xff, USER >> 8, 0,	 0,    /* user:4242:r-- */
	    0x04, 0, 0, 0, 0xff,	0xff,	   0xff, 0xff, /* group::--- */
	    0x10, 0, 4, 0, 0xff,	0xff,	   0xff, 0xff, /* mask::r-- */
	    0x20, 0, 0, 0, 0xff,	0xff,	   0xff, 0xff, /* other::--- */
	};
	struct fixture *f = *state;
	_cleanup_close_ int fd = -EBADF;
	char path[192], cmd[256], raw[128];
	struct stat st;
	uid_t uid;
	FILE *p;

	snprintf(path, sizeof(path), "%s/file", f->path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(gc_acl_granted_user(fd, &uid), -ENODATA);
	if (gc_acl_grant_read(fd, USER) == -EOPNOTSUPP)
		skip(); /* no ACLs where /tmp is */
	assert_int_equal(fgetxattr(fd, "system.posix_acl_access", raw, sizeof(raw)),
			 sizeof(expected));
	assert_memory_equal(raw, expected, sizeof(expected));
	assert_int_equal(gc_acl_granted_user(fd, &uid), 0);
	assert_int_equal(uid, USER);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640); /* the group bits show the mask */

	snprintf(cmd, sizeof(cmd), "getfacl -n -p --omit-header '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	{
		char out[512] = "";
		size_t n = fread(out, 1, sizeof(out) - 1, p);
		int status = pclose(p);

		out[n] = '\0';
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			print_message(
			    "getfacl not installed (Debian's acl): raw bytes checked only\n");
		else
			assert_string_equal(out, "user::rw-\nuser:4242:r--\ngroup::---\nmask::r--\n"
						 "other::---\n\n");
	}

	/* A directory: read and search. */
	close(fd);
	fd = openat(gc_store_dirfd(f->store), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(gc_acl_grant_read(fd, MATE), 0);
	assert_int_equal(fgetxattr(fd, "system.posix_acl_access", raw, sizeof(raw)),
			 sizeof(expected));
	assert_int_equal(raw[4 + 8 + 2], 5);  /* user:4243:r-x */
	assert_int_equal(raw[4 + 24 + 2], 5); /* mask::r-x */
}

/* Only a crash its user could have dumped is theirs: dump mode 1 recorded, not set-id, not
 * root's. Granted before the rename, with an index name; files added later inherit. */
static void test_commit_grants(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *own = NULL, *setuid = NULL, *setid2 = NULL, *rootc = NULL, *old = NULL;
	char name[256], link[256];
	struct gc_meta meta;
	struct stat st;
	ssize_t n;

	if (!have_acls(f))
		skip();
	own = commit_crash(f, 100, USER, 1, USER);
	setuid = commit_crash(f, 101, USER, 2, 0); /* fs.suid_dumpable=2 */
	setid2 = commit_crash(f, 102, USER, 1, 0); /* effective ids differ: set-id all the same */
	rootc = commit_crash(f, 103, 0, 1, 0);
	old = commit_crash(f, 104, USER, -1, USER); /* no dump mode: an older handler's */

	assert_int_equal(granted(f, own), USER);
	snprintf(name, sizeof(name), "%s/core.zst", own);
	assert_int_equal(granted(f, name), USER);
	snprintf(name, sizeof(name), "%s/meta", own);
	assert_int_equal(granted(f, name), USER);
	snprintf(name, sizeof(name), ".by-user/%d/%s", USER, own);
	n = readlinkat(gc_store_dirfd(f->store), name, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	snprintf(name, sizeof(name), "../../%s", own);
	assert_string_equal(link, name);
	snprintf(name, sizeof(name), ".by-user/%d", USER);
	assert_int_equal(granted(f, name), USER);
	assert_int_equal(fstatat(gc_store_dirfd(f->store), ".by-user", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
	assert_int_equal(fstat(gc_store_dirfd(f->store), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);

	const char *const not_granted[] = {setuid, setid2, rootc, old};
	for (size_t i = 0; i < ELEMENTSOF(not_granted); i++) {
		assert_int_equal(granted(f, not_granted[i]), -1);
		snprintf(name, sizeof(name), "%s/core.zst", not_granted[i]);
		assert_int_equal(granted(f, name), -1);
		snprintf(name, sizeof(name), ".by-user/%d/%s", USER, not_granted[i]);
		assert_int_equal(
		    faccessat(gc_store_dirfd(f->store), name, F_OK, AT_SYMLINK_NOFOLLOW), -1);
	}

	/* A meta rewritten after the analysis keeps its user's access. */
	assert_int_equal(gc_store_find(f->store, own, &meta), 0);
	GC_META_SET(&meta, go_goroutines, 7);
	assert_int_equal(gc_store_update_meta(f->store, &meta), 0);
	gc_meta_free(&meta);
	snprintf(name, sizeof(name), "%s/meta", own);
	assert_int_equal(granted(f, name), USER);
	assert_int_equal(warnings, 0);
}

/* In a child as uid: lists the store, tries every id, reads the core of each listed one.
 * Exits with the number listed, 100 + step on a failure. */
static void list_as(struct fixture *f, uid_t uid, char **ids, size_t n_ids)
{
	struct gc_store *store;
	struct gc_meta *metas = NULL, meta;
	size_t n = 0, found = 0;

	if (setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0)
		_exit(100);
	if (gc_store_open(f->path, false, &store) < 0)
		_exit(101);
	if (gc_store_list(store, &metas, &n) < 0)
		_exit(102);
	for (size_t i = 0; i < n; i++) {
		int fd = gc_store_open_core(store, metas[i].id);

		if (fd < 0 || gc_meta_owner(&metas[i]) != (int64_t)uid)
			_exit(103);
		close(fd);
	}
	for (size_t i = 0; i < n_ids; i++) {
		int r = gc_store_find(store, ids[i], &meta);

		if (r == 0) {
			found++;
			gc_meta_free(&meta);
		} else if (r != -ENOENT) {
			_exit(104);
		}
	}
	if (found != n || warnings != 0)
		_exit(105);
	_exit((int)n);
}

static int run_as(struct fixture *f, uid_t uid, char **ids, size_t n_ids)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		list_as(f, uid, ids, n_ids);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* A real other uid, the kernel deciding: a user lists and reads their own entry only, finds
 * no other by its exact id, and nothing is logged about the rest. */
static void test_user_sees_own(void **state)
{
	struct fixture *f = *state;
	char *ids[4];
	struct gc_meta *metas = NULL;
	size_t n = 0;

	if (geteuid() != 0 || !have_acls(f))
		skip(); /* needs another uid, and ACLs */
	ids[0] = commit_crash(f, 200, USER, 1, USER);
	ids[1] = commit_crash(f, 201, USER, 2, 0);
	ids[2] = commit_crash(f, 202, MATE, 1, MATE);
	ids[3] = commit_crash(f, 203, USER, 1, USER);
	assert_int_equal(run_as(f, USER, ids, 4), 2);
	assert_int_equal(run_as(f, MATE, ids, 4), 1);
	assert_int_equal(run_as(f, 4244, ids, 4), 0); /* no index at all */
	assert_int_equal(gc_store_list(f->store, &metas, &n), 0);
	assert_int_equal(n, 4); /* root: all */
	gc_meta_array_free(metas, n);

	/* The vacuum removes entries (all but the last, by age): their index names go too. */
	struct gc_space_policy policy = {.max_entry_age_usec = 1};
	struct gc_room_request req = {.keep_id = ids[3], .flags = GC_ROOM_ALL_LIMITS};
	struct gc_room room;
	char name[256];

	assert_int_equal(gc_store_make_room(f->store, &policy, &req, &room), 0);
	assert_int_equal(room.removed, 3);
	snprintf(name, sizeof(name), ".by-user/%d/%s", USER, ids[0]);
	assert_int_equal(faccessat(gc_store_dirfd(f->store), name, F_OK, AT_SYMLINK_NOFOLLOW), -1);
	snprintf(name, sizeof(name), ".by-user/%d/%s", MATE, ids[2]);
	assert_int_equal(faccessat(gc_store_dirfd(f->store), name, F_OK, AT_SYMLINK_NOFOLLOW), -1);
	snprintf(name, sizeof(name), ".by-user/%d/%s", USER, ids[3]);
	assert_int_equal(faccessat(gc_store_dirfd(f->store), name, F_OK, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(run_as(f, USER, ids, 4), 1);
	assert_int_equal(run_as(f, MATE, ids, 4), 0);
	for (size_t i = 0; i < 4; i++)
		free(ids[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_acl_writer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commit_grants, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_sees_own, setup, teardown),
	};

	gc_log_set(capture_log, NULL);
	umask(0077); /* as the handler runs: modes must not depend on the umask */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
