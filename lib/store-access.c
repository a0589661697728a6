/* SPDX-License-Identifier: MIT */
/* Who may read an entry (store.h, ACCESS): the grant a commit gives the crashing user, the
 * per-user index that lets them find their entries in a store they cannot list, and the
 * reader's side of both. */
#include "store.h"
#include "store-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acl.h"
#include "log.h"
#include "macro.h"

/* The uid an entry is granted to, or 0 for none (root's only): the crash of a process its
 * user could have dumped itself (dump mode 1 recorded, not set-id: gc_meta_owner). */
static uid_t entry_grantee(const struct gc_meta *meta)
{
	int64_t owner = gc_meta_owner(meta);

	if (!GC_META_HAS(meta, dump_mode) || meta->dump_mode != 1)
		return 0;
	return owner > 0 && owner < (int64_t)UINT32_MAX ? (uid_t)owner : 0;
}

static void grant_file(int dir_fd, const char *name, uid_t uid, const char *id)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return; /* no core stored */
	r = fd < 0 ? negative_errno() : gc_acl_grant_read(fd, uid);
	if (r < 0)
		gc_log_errno(LOG_WARNING, r, "Failed to let uid %u read %s/%s", (unsigned)uid, id,
			     name);
}

uid_t entry_grant(int entry_fd, const char *id, const struct gc_meta *meta)
{
	uid_t uid = entry_grantee(meta);
	int r;

	if (uid == 0)
		return 0;
	r = gc_acl_grant_read(entry_fd, uid);
	if (r < 0) {
		gc_log_errno(LOG_WARNING, r, "Entry %s stays root's: cannot let uid %u read it%s",
			     id, (unsigned)uid,
			     r == -EOPNOTSUPP ? " (no ACLs on the store's filesystem)" : "");
		return 0;
	}
	grant_file(entry_fd, GC_ENTRY_CORE, uid, id);
	grant_file(entry_fd, GC_ENTRY_META, uid, id);
	return uid;
}

void entry_inherit_grant(int entry_fd, int file_fd, const char *name)
{
	uid_t uid;
	int r;

	if (gc_acl_granted_user(entry_fd, &uid) < 0)
		return;
	r = gc_acl_grant_read(file_fd, uid);
	if (r < 0)
		gc_log_errno(LOG_WARNING, r, "Failed to let uid %u read the new %s", (unsigned)uid,
			     name);
}

/* STORE/.by-user/UID, made on first use: root's, 0700, listable by uid through its ACL
 * (granted again each time, in case a first grant failed). The fd is the caller's. */
static int user_index_dir(struct gc_store *store, uid_t uid)
{
	_cleanup_close_ int top = -EBADF, fd = -EBADF;
	struct stat st;
	char name[16];
	int r;

	if (mkdirat(store->dirfd, USER_INDEX_DIR, 0711) < 0 && errno != EEXIST)
		return negative_errno();
	top = openat(store->dirfd, USER_INDEX_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (top < 0)
		return negative_errno();
	if (fstat(top, &st) < 0)
		return negative_errno();
	/* Searchable whatever the umask; listing it would tell who crashed. */
	if ((st.st_mode & 07777) != 0711 && fchmod(top, 0711) < 0)
		return negative_errno();
	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	if (mkdirat(top, name, 0700) < 0 && errno != EEXIST)
		return negative_errno();
	fd = openat(top, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	r = gc_acl_grant_read(fd, uid);
	if (r < 0)
		return r;
	return TAKE_FD(fd);
}

void user_index_add(struct gc_store *store, uid_t uid, const char *id)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *target = NULL;
	int r;

	if (uid == 0)
		return;
	fd = user_index_dir(store, uid);
	target = name_printf("../../%s", id);
	if (fd >= 0 && !target)
		r = -ENOMEM;
	else if (fd >= 0)
		r = symlinkat(target, fd, id) < 0 && errno != EEXIST ? negative_errno() : 0;
	else
		r = fd;
	if (r < 0)
		gc_log_errno(LOG_WARNING, r, "Failed to list entry %s for uid %u", id,
			     (unsigned)uid);
}

int open_user_index(struct gc_store *store, DIR **ret)
{
	char name[32];

	snprintf(name, sizeof(name), USER_INDEX_DIR "/%u", (unsigned)getuid());
	return opendir_at(store->dirfd, name, true, ret);
}

static void sweep_user_dir(struct gc_store *store, int top_fd, const char *name)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	struct stat st;
	int fd;

	fd = opendir_at(top_fd, name, true, &dir);
	if (fd < 0)
		return;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.' &&
		    fstatat(store->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno == ENOENT)
			(void)unlinkat(fd, de->d_name, 0);
}

void sweep_user_index(struct gc_store *store)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	int fd;

	fd = opendir_at(store->dirfd, USER_INDEX_DIR, true, &dir);
	if (fd < 0)
		return;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			sweep_user_dir(store, fd, de->d_name);
}

bool gc_store_sees_all(const struct gc_store *store)
{
	struct stat st;

	return geteuid() == 0 || (fstat(store->dirfd, &st) == 0 && st.st_uid == geteuid());
}

bool gc_store_may_read(const struct gc_store *store, const struct gc_meta *meta)
{
	return gc_store_sees_all(store) || gc_meta_owner(meta) == (int64_t)getuid();
}
