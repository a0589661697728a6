/* SPDX-License-Identifier: MIT */
/* The crash store (layout in store.h). Entries appear whole or not at all: they are written
 * under a hidden name and renamed into place; they disappear the same way, renamed to a hidden
 * name before their files are deleted. */
#include "store.h"
#include "store-internal.h"
#include "util.h"
#include "zseek.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "priority.h"

/* Others may search the store, not list it: each user reaches the entries granted to them
 * (store.h, ACCESS). */
#define STORE_MODE	 0711
#define META_MAX_SIZE	 (16u << 20)
#define MAX_SUFFIX	 100000
#define REMOVE_MAX_DEPTH 8

/* A writer holds the flock of its .tmp-ID for its whole life and says so with this file in
 * it; a .tmp-ID of an older release has none and goes by STALE_TMP_USEC, the age of its
 * newest file. */
#define WRITER_MARK   ".writer"
#define KILLED_REASON "the handler was killed while storing the core"

struct gc_entry {
	struct gc_store *store;
	char *base_id; /* YYYYMMDD-HHMMSS-PID, suffixes are appended to it */
	char *id;
	char *tmp_name; /* .tmp-ID as created; stays fixed if the ID changes at commit */
	int tmpfd;
};

/* ---- small file helpers ---- */

/* store-internal.h */
char *name_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

/* Creates or truncates dir_fd/name (0600) with text, fsynced. */
static int write_file_synced(int dir_fd, const char *name, const char *text)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return negative_errno();
	r = gc_write_all(fd, text, strlen(text));
	if (r < 0)
		return r;
	if (fsync(fd) < 0)
		return negative_errno();
	r = close(TAKE_FD(fd));
	return r < 0 ? negative_errno() : 0;
}

static int read_file_at(int dir_fd, const char *path, char **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t size = 0, allocated = 0;

	fd = gc_open_regular_at(dir_fd, path);
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n;

		if (size == allocated) {
			char *p;

			if (allocated >= META_MAX_SIZE)
				return -EFBIG;
			allocated = allocated ? allocated * 2 : 4096;
			p = realloc(buf, allocated);
			if (!p)
				return -ENOMEM;
			buf = p;
		}
		n = read(fd, buf + size, allocated - size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			break;
		size += n;
	}
	*ret = TAKE_PTR(buf);
	*ret_size = size;
	return 0;
}

uint64_t stat_bytes(const struct stat *st)
{
	return (uint64_t)st->st_blocks * 512;
}

/* Opens dir_fd/name for readdir. Returns the DIR's fd (owned by *ret) or a negative errno. */
int opendir_at(int dir_fd, const char *name, bool nofollow, DIR **ret)
{
	int fd =
	    openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	DIR *dir;

	if (fd < 0)
		return negative_errno();
	dir = fdopendir(fd);
	if (!dir) {
		int r = negative_errno();

		close(fd);
		return r;
	}
	*ret = dir;
	return fd;
}

uint64_t timespec_usec(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000u + (uint64_t)ts->tv_nsec / 1000u;
}

/* Entry names come from users ("gocrashctl info ID"): keep them inside the store. */
static bool id_is_valid(const char *id)
{
	return id && id[0] != '\0' && id[0] != '.' && !strchr(id, '/') &&
	       strlen(id) < NAME_MAX - 16;
}

static bool exists_at(int dir_fd, const char *name)
{
	struct stat st;

	return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

/* Some filesystems leave d_type unset; ask them then. */
static bool is_dir(int dir_fd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* Removes dir_fd/name and everything below it; adds the bytes freed to *bytes. Goes on past
 * errors so that as much as possible goes; returns the first one. */
int remove_tree(int dir_fd, const char *name, unsigned depth, uint64_t *bytes)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	struct stat st;
	int fd, r = 0;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : negative_errno();
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dir_fd, name, 0) < 0)
			return errno == ENOENT ? 0 : negative_errno();
		*bytes += stat_bytes(&st);
		return 0;
	}
	if (depth >= REMOVE_MAX_DEPTH)
		return -ELOOP;

	fd = opendir_at(dir_fd, name, true, &dir);
	if (fd < 0)
		return fd;
	while ((de = readdir(dir))) {
		int k;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		k = remove_tree(dirfd(dir), de->d_name, depth + 1, bytes);
		if (k < 0 && r == 0)
			r = k;
	}
	if (unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
		r = negative_errno();
	return r;
}

/* ---- the store ---- */

/* mkdir -p: parents 0755 (they are usually /var/lib), the store itself STORE_MODE. */
static int mkdir_store(const char *path)
{
	_cleanup_free_ char *parent = strdup(path);
	char *slash;
	mode_t mode;
	int r;

	if (!parent)
		return -ENOMEM;
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		r = gc_mkdir_p(parent, 0755);
		if (r < 0)
			return r;
	}
	mode = geteuid() == 0 ? STORE_MODE : 0700; /* as tighten_mode wants it */
	if (mkdir(path, mode) == 0)
		/* Whatever the umask (the handler sets 077). */
		return chmod(path, mode) < 0 ? negative_errno() : 0;
	if (errno != EEXIST)
		return negative_errno();
	return 0;
}

/* Cores hold secrets: a store others can list (an old install, a hand-made directory) is
 * tightened when it is ours to change. Root's store, the system's, is searchable by others
 * (STORE_MODE), so that they reach the entries granted to them (store.h, ACCESS): one of an
 * earlier release (0700) is opened up to it. Another user's store stays theirs alone. */
static void tighten_mode(int fd, const char *path)
{
	struct stat st;
	mode_t others, wanted;

	if (fstat(fd, &st) < 0)
		return;
	others = st.st_uid == 0 ? STORE_MODE & 077 : 0;
	if ((st.st_mode & 077) == others)
		return;
	wanted = (st.st_mode & 0700) | others;
	if (st.st_uid != geteuid()) {
		if (st.st_mode & 066)
			gc_log(LOG_WARNING, "Store %s has mode %04o and is not ours to tighten",
			       path, (unsigned)(st.st_mode & 07777));
		return;
	}
	if (fchmod(fd, wanted) < 0)
		gc_log_errno(LOG_WARNING, errno, "Failed to set the mode of store %s", path);
	else
		gc_log(LOG_NOTICE, "Set the mode of store %s from %04o to %04o", path,
		       (unsigned)(st.st_mode & 07777), (unsigned)wanted);
}

/* Root, or the user running us (gocrashctl on a store of one's own). */
static bool trusted_uid(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* Names a directory for a message, by what the kernel says its path is. */
static const char *fd_path(int fd, char *buf, size_t size)
{
	char proc_path[64];
	ssize_t n;

	snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", fd);
	n = readlink(proc_path, buf, size - 1);
	if (n < 0)
		return "?";
	buf[n] = '\0';
	return buf;
}

/* A directory whose owner is not trusted, or that others can write to, lets them swap what
 * lies below it. The store itself: writable by its owner only. A parent: not writable by
 * everyone unless sticky (there only a child's owner can move it); writable by its group is
 * accepted, as systemd's path checks judge by owner: a group that can write a root-owned
 * system directory is one the administrator trusts like root (Debian's /var/local belongs to
 * group staff, which can also write /usr/local/bin, ahead of /usr/bin in root's PATH). */
static int check_dir_safe(int fd, const struct stat *st, bool is_store, const char *store_path)
{
	char buf[PATH_MAX];
	const char *why;

	if (!trusted_uid(st->st_uid))
		why = "owned by another user";
	else if (is_store ? (st->st_mode & 022) : (st->st_mode & 002) && !(st->st_mode & S_ISVTX))
		why = "writable by others";
	else
		return 0;
	gc_log(LOG_ERR, "Refusing store %s: %s%s is %s (uid %u, mode %04o)", store_path,
	       is_store ? "it" : "its parent ", is_store ? "" : fd_path(fd, buf, sizeof(buf)), why,
	       (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
	return -EPERM;
}

/* Root writes every user's cores into the store and deletes in it: whoever can rename the
 * store or a directory above it can put a directory of theirs in its place, symlinks and
 * all. So the store and each directory up to / must belong to root (or us) and be writable
 * by nobody else. Walked up from the open store by "..", so symlinks on the way to it do
 * not matter: the directories checked are the ones it is in. */
static int check_store_safe(int store_fd, const char *path)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st, parent;
	int r;

	if (fstat(store_fd, &st) < 0)
		return negative_errno();
	r = check_dir_safe(store_fd, &st, true, path);
	if (r < 0)
		return r;
	fd = fcntl(store_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return negative_errno();
	for (;;) {
		int up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (up < 0)
			return negative_errno();
		close(fd);
		fd = up;
		if (fstat(fd, &parent) < 0)
			return negative_errno();
		if (parent.st_dev == st.st_dev && parent.st_ino == st.st_ino)
			return 0; /* "/" is its own parent */
		r = check_dir_safe(fd, &parent, false, path);
		if (r < 0)
			return r;
		st = parent;
	}
}

static int store_open(const char *path, bool create, bool read_only, struct gc_store **ret)
{
	struct gc_store *store;
	int fd, r;

	if (!path || path[0] == '\0')
		return -EINVAL;
	if (create) {
		r = mkdir_store(path);
		if (r < 0)
			return r;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* A user may search the store, not read it (ACCESS): a path fd reaches their entries. */
	if (fd < 0 && errno == EACCES)
		fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	r = check_store_safe(fd, path);
	if (r < 0) {
		close(fd);
		return r;
	}
	if (!read_only)
		tighten_mode(fd, path);

	store = calloc(1, sizeof(*store));
	if (!store || !(store->path = strdup(path))) {
		free(store);
		close(fd);
		return -ENOMEM;
	}
	store->dirfd = fd;
	store->lockfd = -EBADF;
	store->entry_fd = -EBADF;
	store->read_only = read_only;
	*ret = store;
	return 0;
}

int gc_store_open(const char *path, bool create, struct gc_store **ret)
{
	return store_open(path, create, false, ret);
}

int gc_store_open_read_only(const char *path, struct gc_store **ret)
{
	return store_open(path, false, true, ret);
}

bool gc_store_is_read_only(const struct gc_store *store)
{
	return store->read_only;
}

void gc_store_free(struct gc_store *store)
{
	if (!store)
		return;
	if (store->lockfd >= 0)
		close(store->lockfd);
	if (store->entry_fd >= 0)
		close(store->entry_fd);
	free(store->entry_id);
	close(store->dirfd);
	free(store->path);
	free(store);
}

const char *gc_store_path(const struct gc_store *store)
{
	return store->path;
}

int gc_store_dirfd(const struct gc_store *store)
{
	return store->dirfd;
}

/* A .lock that is not ours (a FIFO, someone else's file) could block root or be held by
 * them forever. */
static int open_lock_file(struct gc_store *store)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	fd = openat(store->dirfd, ".lock",
		    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0600);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || !trusted_uid(st.st_uid)) {
		gc_log(LOG_ERR, "Refusing lock %s/.lock: not a regular file of ours", store->path);
		return -EPERM;
	}
	return TAKE_FD(fd);
}

/* Nests: commit takes the lock itself, and may run inside a caller's locked section. A
 * handler in the background (priority.h) holds it at normal priority, and waits for it so:
 * the next crash's handler may be waiting for it, and must not wait behind the machine. */
int gc_store_lock(struct gc_store *store)
{
	int fd;

	if (store->read_only)
		return -EROFS; /* whatever takes the lock is about to write */
	if (store->lock_depth > 0) {
		store->lock_depth++;
		return 0;
	}
	gc_priority_foreground(&store->lock_priority);
	fd = open_lock_file(store);
	if (fd < 0) {
		gc_priority_restore(&store->lock_priority);
		return fd;
	}
	while (flock(fd, LOCK_EX) < 0) {
		int r = negative_errno();

		if (r == -EINTR)
			continue;
		close(fd);
		gc_priority_restore(&store->lock_priority);
		return r;
	}
	store->lockfd = fd;
	store->lock_depth = 1;
	return 0;
}

/* Closing the fd releases the lock; a child forked later cannot inherit a held lock. */
void gc_store_unlock(struct gc_store *store)
{
	if (store->lock_depth == 0 || --store->lock_depth > 0)
		return;
	close(store->lockfd);
	store->lockfd = -EBADF;
	gc_priority_restore(&store->lock_priority);
}

/* ---- entry directories ---- */

void forget_entry_dir(struct gc_store *store)
{
	if (store->entry_fd >= 0)
		close(store->entry_fd);
	store->entry_fd = -EBADF;
	free(store->entry_id);
	store->entry_id = NULL;
}

/* Keeps a duplicate of fd as the directory of entry id; returns it, or a negative errno. */
static int remember_entry_dir(struct gc_store *store, const char *id, int fd)
{
	char *copy = strdup(id);
	int dup_fd;

	if (!copy)
		return -ENOMEM;
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0) {
		free(copy);
		return negative_errno();
	}
	forget_entry_dir(store);
	store->entry_id = copy;
	store->entry_fd = dup_fd;
	return dup_fd;
}

/* STORE/ID, opened once, never through a symlink; later calls on the same id use that
 * directory, so that a name swapped meanwhile (for a symlink, for another directory) is not
 * followed. The fd stays the store's. */
int entry_dir(struct gc_store *store, const char *id)
{
	_cleanup_close_ int fd = -EBADF;

	if (!id_is_valid(id))
		return -EINVAL;
	if (store->entry_id && strcmp(store->entry_id, id) == 0)
		return store->entry_fd;
	fd = openat(store->dirfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	return remember_entry_dir(store, id, fd);
}

/* ---- entries being written ---- */

static void entry_free(struct gc_entry *entry)
{
	if (entry->tmpfd >= 0)
		close(entry->tmpfd);
	free(entry->base_id);
	free(entry->id);
	free(entry->tmp_name);
	free(entry);
}

static char *id_with_suffix(const char *base_id, unsigned suffix)
{
	return suffix == 0 ? strdup(base_id) : name_printf("%s-%u", base_id, suffix);
}

/* The writer's lock, for its whole life: when it is free and the mark there, the writer is
 * dead (vacuum_tmp). Blocking: a vacuum may hold it for a moment, to find no mark yet. */
static int lock_tmp(int tmp_fd)
{
	int fd;

	while (flock(tmp_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return negative_errno();
	fd =
	    openat(tmp_fd, WRITER_MARK, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return negative_errno();
	close(fd);
	return 0;
}

/* Reserves the first free ID: neither committed nor being written. mkdirat is the atomic
 * test; a concurrent commit can still take the name later, which commit handles. */
static int entry_reserve(struct gc_entry *entry)
{
	int dir_fd = entry->store->dirfd, r;

	for (unsigned suffix = 0; suffix < MAX_SUFFIX; suffix++) {
		_cleanup_free_ char *id = id_with_suffix(entry->base_id, suffix);
		_cleanup_free_ char *tmp_name = NULL;

		if (!id || !(tmp_name = name_printf(TMP_PREFIX "%s", id)))
			return -ENOMEM;
		if (exists_at(dir_fd, id))
			continue;
		if (mkdirat(dir_fd, tmp_name, 0700) < 0) {
			if (errno == EEXIST)
				continue;
			return negative_errno();
		}
		entry->tmpfd =
		    openat(dir_fd, tmp_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		r = entry->tmpfd < 0 ? negative_errno() : lock_tmp(entry->tmpfd);
		if (r < 0) {
			uint64_t ignored = 0;

			(void)remove_tree(dir_fd, tmp_name, 0, &ignored);
			return r;
		}
		entry->id = TAKE_PTR(id);
		entry->tmp_name = TAKE_PTR(tmp_name);
		return 0;
	}
	return -EEXIST;
}

int gc_entry_new(struct gc_store *store, uint64_t time_usec, int64_t pid, struct gc_entry **ret)
{
	struct gc_entry *entry;
	time_t seconds = (time_t)(time_usec / 1000000u);
	char stamp[32];
	struct tm tm;
	int r;

	if (store->read_only)
		return -EROFS;
	if (!gmtime_r(&seconds, &tm) || strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm) == 0)
		return -EINVAL;
	entry = calloc(1, sizeof(*entry));
	if (!entry)
		return -ENOMEM;
	entry->store = store;
	entry->tmpfd = -EBADF;
	entry->base_id = name_printf("%s-%" PRId64, stamp, pid);
	if (!entry->base_id) {
		entry_free(entry);
		return -ENOMEM;
	}
	r = entry_reserve(entry);
	if (r < 0) {
		entry_free(entry);
		return r;
	}
	*ret = entry;
	return 0;
}

const char *gc_entry_id(const struct gc_entry *entry)
{
	return entry->id;
}

int gc_entry_open_core(struct gc_entry *entry)
{
	int fd = openat(entry->tmpfd, GC_ENTRY_CORE, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	return fd < 0 ? negative_errno() : fd;
}

static int write_meta_with_id(int dir_fd, const char *name, const struct gc_meta *meta,
			      const char *id)
{
	struct gc_meta copy = *meta;
	_cleanup_free_ char *text = NULL;
	int r;

	copy.id = (char *)id;
	r = gc_meta_format(&copy, &text);
	if (r < 0)
		return r;
	return write_file_synced(dir_fd, name, text);
}

/* The core is usually closed by now but perhaps not synced; a committed entry must survive a
 * power cut with its core. */
static int sync_entry_files(struct gc_entry *entry)
{
	_cleanup_close_ int fd = -EBADF;

	fd = openat(entry->tmpfd, GC_ENTRY_CORE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno != ENOENT)
		return negative_errno();
	if (fd >= 0 && fsync(fd) < 0)
		return negative_errno();
	if (fsync(entry->tmpfd) < 0)
		return negative_errno();
	return 0;
}

static int rename_noreplace(int dir_fd, const char *from, const char *to)
{
	if (renameat2(dir_fd, from, dir_fd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return negative_errno();
	/* A filesystem without RENAME_NOREPLACE: every committer holds the store lock, so a
	 * check before the rename is as good. */
	if (exists_at(dir_fd, to))
		return -EEXIST;
	return renameat(dir_fd, from, dir_fd, to) < 0 ? negative_errno() : 0;
}

/* Moves the entry to its final name; called under the lock. When another writer committed
 * the same ID first, the next free suffix is taken and meta rewritten to say so. */
static int entry_rename_locked(struct gc_entry *entry, const struct gc_meta *meta, uid_t grantee)
{
	int dir_fd = entry->store->dirfd;
	unsigned suffix = 0;
	int r;

	for (;;) {
		_cleanup_free_ char *id = NULL;

		/* Named in the index first: the entry is never in place unfindable by its user.
		 * A name left by a taken ID goes with the next vacuum. */
		user_index_add(entry->store, grantee, entry->id);
		r = rename_noreplace(dir_fd, entry->tmp_name, entry->id);
		if (r != -EEXIST && r != -ENOTEMPTY)
			return r;
		for (;;) {
			_cleanup_free_ char *tmp_name = NULL;

			if (++suffix >= MAX_SUFFIX)
				return -EEXIST;
			free(id);
			id = id_with_suffix(entry->base_id, suffix);
			if (!id || !(tmp_name = name_printf(TMP_PREFIX "%s", id)))
				return -ENOMEM;
			if (!exists_at(dir_fd, id) && !exists_at(dir_fd, tmp_name))
				break;
		}

		r = write_meta_with_id(entry->tmpfd, GC_ENTRY_META, meta, id);
		if (r < 0)
			return r;
		gc_log(LOG_DEBUG, "Entry %s was taken meanwhile, committing as %s", entry->id, id);
		free(entry->id);
		entry->id = TAKE_PTR(id);
	}
}

int gc_entry_commit(struct gc_entry *entry, struct gc_meta *meta)
{
	struct gc_store *store = entry->store;
	char *final_id;
	uid_t grantee;
	int r;

	r = write_meta_with_id(entry->tmpfd, GC_ENTRY_META, meta, entry->id);
	if (r < 0)
		return r;
	/* Before the rename: the entry appears with its user's access, or root's only. */
	grantee = entry_grant(entry->tmpfd, entry->id, meta);
	r = sync_entry_files(entry);
	if (r < 0)
		return r;

	r = gc_store_lock(store);
	if (r < 0)
		return r;
	r = entry_rename_locked(entry, meta, grantee);
	if (r >= 0 && fsync(store->dirfd) < 0)
		/* The entry is in place; only its durability across a power cut is in doubt. */
		gc_log_errno(LOG_WARNING, errno, "Failed to sync store %s after adding %s",
			     store->path, entry->id);
	gc_store_unlock(store);
	if (r < 0)
		return r;

	/* Committed: the entry no longer exists as tmp; from here on nothing may fail. The
	 * directory written stays the one later calls on this id use (entry_dir). */
	(void)unlinkat(entry->tmpfd, WRITER_MARK, 0);
	final_id = TAKE_PTR(entry->id);
	free(meta->id);
	meta->id = final_id;
	(void)remember_entry_dir(store, final_id, entry->tmpfd);
	entry_free(entry);
	return 0;
}

void gc_entry_abort(struct gc_entry *entry)
{
	uint64_t bytes = 0;
	int r;

	if (!entry)
		return;
	r = remove_tree(entry->store->dirfd, entry->tmp_name, 0, &bytes);
	if (r < 0)
		gc_log_errno(LOG_WARNING, r, "Failed to remove %s/%s", entry->store->path,
			     entry->tmp_name);
	entry_free(entry);
}

/* ---- committed entries ---- */

static int read_entry_meta(int dir_fd, const char *id, struct gc_meta *ret)
{
	_cleanup_close_ int entry_fd = -EBADF;
	_cleanup_free_ char *text = NULL;
	struct gc_meta meta;
	size_t size;
	int r;

	entry_fd = openat(dir_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (entry_fd < 0)
		return negative_errno();
	r = read_file_at(entry_fd, GC_ENTRY_META, &text, &size);
	if (r < 0)
		return r;
	r = gc_meta_parse(text, size, &meta);
	if (r < 0)
		return r;
	/* The directory name is what opens the entry; trust it over the file's copy. */
	if (strcmp(meta.id, id) != 0) {
		char *copy = strdup(id);

		if (!copy) {
			gc_meta_free(&meta);
			return -ENOMEM;
		}
		free(meta.id);
		meta.id = copy;
	}
	*ret = meta;
	return 0;
}

struct entry_list {
	struct gc_meta *metas;
	size_t n, allocated;
};

static int entry_list_add(struct entry_list *list, struct gc_meta *meta)
{
	if (list->n == list->allocated) {
		size_t allocated = list->allocated ? list->allocated * 2 : 16;
		struct gc_meta *metas = reallocarray(list->metas, allocated, sizeof(*metas));

		if (!metas)
			return -ENOMEM;
		list->metas = metas;
		list->allocated = allocated;
	}
	list->metas[list->n++] = *meta;
	memset(meta, 0, sizeof(*meta));
	return 0;
}

/* An entry whose meta is unreadable still takes space; vacuum sees it by its directory's
 * mtime so that it can go too. */
static int broken_entry_meta(int dir_fd, const char *id, struct gc_meta *ret)
{
	struct stat st;

	if (fstatat(dir_fd, id, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	*ret = (struct gc_meta){.time_usec = timespec_usec(&st.st_mtim), .id = strdup(id)};
	return ret->id ? 0 : -ENOMEM;
}

static int add_entry(struct gc_store *store, const char *id, bool include_broken,
		     struct entry_list *list)
{
	struct gc_meta meta = {};
	int r;

	r = read_entry_meta(store->dirfd, id, &meta);
	if (r == -ENOMEM)
		return r;
	if (r == -EACCES || (r >= 0 && !gc_store_may_read(store, &meta))) {
		gc_meta_free(&meta);
		return 0; /* another user's crash, or root's: not shown, not even as an error */
	}
	if (r < 0 && !exists_at(store->dirfd, id))
		return 0; /* removed by a vacuum while we listed */
	if (r < 0) {
		if (!include_broken) {
			gc_log_errno(LOG_WARNING, r, "Skipping entry %s/%s: unreadable meta",
				     store->path, id);
			return 0;
		}
		r = broken_entry_meta(store->dirfd, id, &meta);
		if (r < 0)
			return r == -ENOMEM ? r : 0; /* gone meanwhile */
	}
	r = entry_list_add(list, &meta);
	gc_meta_free(&meta);
	return r;
}

static int compare_meta(const void *a, const void *b)
{
	const struct gc_meta *x = a, *y = b;

	if (x->time_usec != y->time_usec)
		return x->time_usec < y->time_usec ? -1 : 1;
	/* Version order, so that ID-2 comes before ID-10. */
	return strverscmp(x->id, y->id);
}

int list_entries(struct gc_store *store, bool include_broken, struct gc_meta **ret, size_t *n_ret)
{
	struct entry_list list = {};
	_cleanup_closedir_ DIR *dir = NULL;
	bool from_index = false;
	struct dirent *de;
	int fd, r = 0;

	fd = opendir_at(store->dirfd, ".", false, &dir);
	/* A user may not list the store: their index names what is theirs (a link each). */
	if (fd == -EACCES) {
		fd = open_user_index(store, &dir);
		from_index = true;
	}
	if (fd == -ENOENT || fd == -EACCES) {
		*ret = NULL;
		*n_ret = 0;
		return 0; /* nothing was ever theirs */
	}
	if (fd < 0)
		return fd;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (!from_index && !is_dir(dirfd(dir), de))
			continue;
		r = add_entry(store, de->d_name, include_broken, &list);
		if (r < 0) {
			gc_meta_array_free(list.metas, list.n);
			return r;
		}
	}
	if (list.n > 0)
		qsort(list.metas, list.n, sizeof(*list.metas), compare_meta);
	*ret = list.metas;
	*n_ret = list.n;
	return 0;
}

int gc_store_list(struct gc_store *store, struct gc_meta **ret, size_t *n_ret)
{
	return list_entries(store, false, ret, n_ret);
}

static int find_in_list(struct gc_meta *metas, size_t n, const char *id, struct gc_meta *ret)
{
	size_t len = strlen(id), match = n;

	if (strcmp(id, "latest") == 0 && n > 0)
		match = n - 1;
	for (size_t i = 0; match == n && i < n; i++)
		if (strcmp(metas[i].id, id) == 0)
			match = i;
	for (size_t i = 0; match == n && i < n; i++) {
		if (strncmp(metas[i].id, id, len) != 0)
			continue;
		for (size_t j = i + 1; j < n; j++)
			if (strncmp(metas[j].id, id, len) == 0)
				return -EINVAL;
		match = i;
	}
	if (match == n)
		return -ENOENT;
	*ret = metas[match];
	memset(&metas[match], 0, sizeof(metas[match]));
	return 0;
}

int gc_store_find(struct gc_store *store, const char *id, struct gc_meta *ret)
{
	struct gc_meta *metas = NULL;
	size_t n = 0;
	int r;

	if (!id || id[0] == '\0')
		return -EINVAL;
	/* An exact id needs no listing (and wins over entries it is a prefix of). */
	if (id_is_valid(id)) {
		r = read_entry_meta(store->dirfd, id, ret);
		if (r >= 0 && !gc_store_may_read(store, ret)) {
			gc_meta_free(ret);
			return -ENOENT;
		}
		/* Another user's entry does not exist, for them. */
		if (r != -ENOENT && r != -ENOTDIR && r != -ELOOP && r != -EACCES)
			return r;
	}
	r = gc_store_list(store, &metas, &n);
	if (r < 0)
		return r;
	r = find_in_list(metas, n, id, ret);
	gc_meta_array_free(metas, n);
	return r;
}

static bool file_name_is_valid(const char *name)
{
	return name && name[0] != '\0' && name[0] != '.' && !strchr(name, '/') &&
	       strlen(name) <= NAME_MAX;
}

/* Neither the entry nor the file may be a symlink, and a FIFO must not block the reader. */
int gc_store_open_file(struct gc_store *store, const char *id, const char *name)
{
	int dir_fd;

	if (!id_is_valid(id) || !file_name_is_valid(name))
		return -EINVAL;
	dir_fd = entry_dir(store, id);
	if (dir_fd < 0)
		return dir_fd;
	return gc_open_regular_at(dir_fd, name);
}

int gc_store_open_core(struct gc_store *store, const char *id)
{
	return gc_store_open_file(store, id, GC_ENTRY_CORE);
}

/* ---- files added to committed entries ---- */

struct gc_store_file {
	struct gc_store *store;
	int dir_fd; /* STORE/ID */
	int fd;	    /* the unnamed file */
	char *name;
};

static void store_file_free(struct gc_store_file *file)
{
	if (file->fd >= 0)
		close(file->fd);
	if (file->dir_fd >= 0)
		close(file->dir_fd);
	free(file->name);
	free(file);
}

int gc_store_file_new(struct gc_store *store, const char *id, const char *name,
		      struct gc_store_file **ret)
{
	_cleanup_close_ int dir_fd = -EBADF, fd = -EBADF;
	struct gc_store_file *file;
	int entry_fd;

	if (store->read_only)
		return -EROFS;
	if (!id_is_valid(id) || !file_name_is_valid(name))
		return -EINVAL;
	entry_fd = entry_dir(store, id);
	if (entry_fd < 0)
		return entry_fd;
	/* The file's own: it may outlive the store's cached one. */
	dir_fd = fcntl(entry_fd, F_DUPFD_CLOEXEC, 3);
	if (dir_fd < 0)
		return negative_errno();
	fd = openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EISDIR ? -EOPNOTSUPP : negative_errno();
	file = calloc(1, sizeof(*file));
	if (!file || !(file->name = strdup(name))) {
		free(file);
		return -ENOMEM;
	}
	file->store = store;
	file->dir_fd = TAKE_FD(dir_fd);
	file->fd = TAKE_FD(fd);
	*ret = file;
	return 0;
}

int gc_store_file_fd(const struct gc_store_file *file)
{
	return file->fd;
}

/* Linked under a hidden name and renamed over the old file, so that readers see the old or
 * the new one; a hidden name left by a killed commit is replaced by the next one. */
static int link_file_locked(struct gc_store_file *file)
{
	_cleanup_free_ char *hidden = name_printf(".%s.new", file->name);
	char proc_path[64];
	int r = 0;

	if (!hidden)
		return -ENOMEM;
	snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", file->fd);
	(void)unlinkat(file->dir_fd, hidden, 0);
	if (linkat(AT_FDCWD, proc_path, file->dir_fd, hidden, AT_SYMLINK_FOLLOW) < 0 ||
	    renameat(file->dir_fd, hidden, file->dir_fd, file->name) < 0)
		r = negative_errno();
	if (r < 0)
		(void)unlinkat(file->dir_fd, hidden, 0);
	return r;
}

/* Under the store lock, so that a vacuum never removes an entry while a file appears in
 * it: the entry is either gone (the link fails) or stays until the file has its name. */
int gc_store_file_commit(struct gc_store_file *file)
{
	int r = 0;

	entry_inherit_grant(file->dir_fd, file->fd, file->name);
	if (fsync(file->fd) < 0)
		r = negative_errno();
	if (r >= 0)
		r = gc_store_lock(file->store);
	if (r >= 0) {
		r = link_file_locked(file);
		gc_store_unlock(file->store);
	}
	if (r >= 0 && fsync(file->dir_fd) < 0)
		r = negative_errno();
	store_file_free(file);
	return r;
}

void gc_store_file_abort(struct gc_store_file *file)
{
	if (file)
		store_file_free(file);
}

/* Readers see the old or the new meta, never a half-written one. */
int gc_store_update_meta(struct gc_store *store, const struct gc_meta *meta)
{
	struct gc_store_file *file = NULL;
	_cleanup_free_ char *text = NULL;
	int r;

	r = gc_store_file_new(store, meta->id, GC_ENTRY_META, &file);
	if (r < 0)
		return r;
	r = gc_meta_format(meta, &text);
	if (r >= 0)
		r = gc_write_all(file->fd, text, strlen(text));
	if (r < 0) {
		gc_store_file_abort(file);
		return r;
	}
	return gc_store_file_commit(file);
}

/* The new core is a store file: nothing half-written ever has a name, and readers keep the
 * old core through their open fds. */
int gc_store_rewrite_core(struct gc_store *store, const char *id, gc_rewrite_fn rewrite,
			  void *userdata)
{
	_cleanup_close_ int in_fd = -EBADF;
	struct gc_store_file *file = NULL;
	int r;

	in_fd = gc_store_open_core(store, id);
	if (in_fd < 0)
		return in_fd;
	r = gc_store_file_new(store, id, GC_ENTRY_CORE, &file);
	if (r < 0)
		return r;
	r = rewrite(in_fd, file->fd, userdata);
	if (r < 0) {
		gc_store_file_abort(file);
		return r;
	}
	return gc_store_file_commit(file);
}

/* ---- space ---- */

/* Bytes of the files directly inside dir_fd/name, and their newest mtime (with the dir's). */
int measure_dir(int dir_fd, const char *name, uint64_t *bytes, uint64_t *newest_usec)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	struct stat st;
	uint64_t total = 0, newest;
	int fd;

	fd = opendir_at(dir_fd, name, true, &dir);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	newest = timespec_usec(&st.st_mtim);
	while ((de = readdir(dir))) {
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		total += stat_bytes(&st);
		newest = MAX(newest, timespec_usec(&st.st_mtim));
	}
	*bytes = total;
	*newest_usec = newest;
	return 0;
}

/* Sums every entry directory, the ones being written included: they take space too, and
 * .executables (store-exe.h), whose files count in MaxUse= as well. */
static int store_used(struct gc_store *store, uint64_t *ret)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	uint64_t total = 0;
	int fd;

	fd = opendir_at(store->dirfd, ".", false, &dir);
	if (fd < 0)
		return fd;
	while ((de = readdir(dir))) {
		uint64_t bytes, mtime;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!is_dir(dirfd(dir), de))
			continue;
		/* Entries vanish under a concurrent vacuum or commit; that is no error. */
		if (measure_dir(fd, de->d_name, &bytes, &mtime) >= 0)
			total += bytes;
	}
	*ret = total;
	return 0;
}

int store_fs(struct gc_store *store, uint64_t *fs_size, uint64_t *fs_free)
{
	struct statvfs sv;

	if (fstatvfs(store->dirfd, &sv) < 0)
		return negative_errno();
	*fs_size = (uint64_t)sv.f_blocks * sv.f_frsize;
	*fs_free = (uint64_t)sv.f_bavail * sv.f_frsize;
	return 0;
}

int gc_store_usage(struct gc_store *store, uint64_t *used, uint64_t *fs_size, uint64_t *fs_free)
{
	uint64_t u = 0, size = 0, avail = 0;
	int r;

	r = store_used(store, &u);
	if (r < 0)
		return r;
	r = store_fs(store, &size, &avail);
	if (r < 0)
		return r;
	if (used)
		*used = u;
	if (fs_size)
		*fs_size = size;
	if (fs_free)
		*fs_free = avail;
	return 0;
}

/* ---- vacuum ---- */

/* Whether the writer of the .tmp-ID open as dir_fd is gone: its lock is free and its mark
 * there (lock_tmp), or, for an entry of an older release without the mark, nothing in it
 * changed for STALE_TMP_USEC. On true the caller holds the lock through dir_fd. */
static bool tmp_writer_gone(int dir_fd, uint64_t now)
{
	uint64_t bytes, newest;

	if (flock(dir_fd, LOCK_EX | LOCK_NB) < 0)
		return false; /* alive, or a lock we cannot take: not ours to judge */
	if (faccessat(dir_fd, WRITER_MARK, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return true;
	if (measure_dir(dir_fd, ".", &bytes, &newest) < 0)
		return false;
	return newest + STALE_TMP_USEC <= now;
}

/* The id in an entry's name, as YYYYMMDD-HHMMSS-PID[-N], or -EINVAL. */
static int parse_id(const char *id, uint64_t *time_usec, int64_t *pid)
{
	struct tm tm = {};
	const char *rest = strptime(id, "%Y%m%d-%H%M%S-", &tm);
	char *end;
	time_t t;

	if (!rest || (t = timegm(&tm)) < 0)
		return -EINVAL;
	errno = 0;
	*pid = strtoll(rest, &end, 10);
	if (errno || end == rest || (*end != '\0' && *end != '-'))
		return -EINVAL;
	*time_usec = (uint64_t)t * 1000000u;
	return 0;
}

/* What a writer killed before commit leaves says of its crash: the time and pid in its
 * name, and the core it got to store. Root alone may read it (uid 0, dump mode 2): whose
 * it was is not known yet then. */
static int killed_meta(const char *id, const struct gc_zseek_recovery *rec, struct gc_meta *ret)
{
	struct gc_meta meta = {.core_stored = true, .truncated = true};
	int r;

	r = parse_id(id, &meta.time_usec, &meta.pid);
	if (r < 0)
		return r;
	meta.core_size = rec->raw_size;
	meta.stored_size = rec->stored_size;
	GC_META_SET(&meta, dump_mode, 2);
	meta.truncated_reason = strdup(KILLED_REASON);
	if (!meta.truncated_reason)
		return -ENOMEM;
	*ret = meta;
	return 0;
}

/* The core a dead writer left: whole (it was killed after finishing it), cut to its whole
 * frames and made seekable again, or with none of them. Returns 1 when there is a core,
 * 0 when there is none (no file, or not one whole frame), or a negative errno. */
static int recover_core(int dir_fd, struct gc_zseek_recovery *rec)
{
	_cleanup_close_ int fd = -EBADF;
	struct gc_zreader *reader = NULL;
	struct stat st;
	int r;

	fd = openat(dir_fd, GC_ENTRY_CORE, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (gc_zreader_open(fd, &reader) == 0) {
		*rec = (struct gc_zseek_recovery){gc_zreader_frames(reader),
						  gc_zreader_size(reader), st.st_size};
		gc_zreader_free(reader);
		return 1;
	}
	r = gc_zseek_recover(fd, rec);
	if (r < 0)
		return r;
	if (rec->n_frames > 0 && fsync(fd) < 0)
		return negative_errno();
	return rec->n_frames > 0;
}

/* The meta of a dead writer's entry: the one it wrote at commit when it got that far (the
 * core was finished then), else one made from its name and what is left of its core.
 * Returns 1 with *ret set, 0 when nothing is worth keeping, or a negative errno. */
static int recovered_meta(int dir_fd, const char *id, struct gc_meta *ret)
{
	struct gc_zseek_recovery rec = {};
	_cleanup_free_ char *text = NULL;
	size_t size;
	int core, r;

	core = recover_core(dir_fd, &rec);
	if (core < 0)
		return core;
	r = read_file_at(dir_fd, GC_ENTRY_META, &text, &size);
	if (r >= 0 && gc_meta_parse(text, size, ret) >= 0)
		return 1;
	if (core == 0)
		return 0;
	r = killed_meta(id, &rec, ret);
	return r < 0 ? r : 1;
}

/* Takes over a dead writer's entry, dir_fd (owned, holding its lock) and all. */
static int entry_adopt(struct gc_store *store, const char *tmp_name, int dir_fd,
		       struct gc_entry **ret)
{
	struct gc_entry *entry = calloc(1, sizeof(*entry));

	if (!entry) {
		close(dir_fd);
		return -ENOMEM;
	}
	entry->store = store;
	entry->tmpfd = dir_fd;
	entry->tmp_name = strdup(tmp_name);
	entry->id = strdup(tmp_name + strlen(TMP_PREFIX));
	entry->base_id = strdup(tmp_name + strlen(TMP_PREFIX));
	if (!entry->tmp_name || !entry->id || !entry->base_id) {
		entry_free(entry);
		return -ENOMEM;
	}
	*ret = entry;
	return 0;
}

/* A dead writer's crash is kept as far as it got: committed as a truncated entry, its core
 * cut to the whole frames, or removed when there is nothing to keep. Returns 1 when it was
 * committed, 0 when there was nothing to keep, or a negative errno (it stays then). */
static int recover_tmp(struct gc_store *store, const char *name, int dir_fd, struct gc_meta *ret)
{
	struct gc_meta meta = {};
	struct gc_entry *entry = NULL;
	int r;

	if (!id_is_valid(name + strlen(TMP_PREFIX))) {
		close(dir_fd);
		return 0;
	}
	r = recovered_meta(dir_fd, name + strlen(TMP_PREFIX), &meta);
	if (r <= 0) {
		close(dir_fd);
		return r;
	}
	r = entry_adopt(store, name, dir_fd, &entry);
	if (r >= 0)
		r = gc_entry_commit(entry, &meta);
	if (r < 0) {
		if (entry)
			entry_free(entry);
		gc_meta_free(&meta);
		return r;
	}
	*ret = meta;
	return 1;
}

/* A .tmp-ID: left to a live writer, recovered when its writer is gone. Returns true when it
 * is dealt with, false when it should go: nothing in it worth keeping, or not what a writer
 * of ours leaves (-EINVAL: a core that is no file, a name that is no ID, no directory). */
static bool keep_or_recover_tmp(struct gc_store *store, int dir_fd, const char *name, uint64_t now,
				gc_recovered_fn found, void *userdata)
{
	struct gc_meta meta = {};
	int fd, r;

	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT; /* committed or aborted meanwhile */
	if (!tmp_writer_gone(fd, now)) {
		close(fd);
		return true;
	}
	r = recover_tmp(store, name, fd, &meta);
	if (r > 0) {
		gc_log(LOG_WARNING, "Recovered %s/%s, left by a killed handler, as %s", store->path,
		       name, meta.id);
		if (found)
			found(&meta, userdata);
		gc_meta_free(&meta);
		return true;
	}
	if (r < 0 && r != -EINVAL) {
		/* Perhaps for a moment (no memory, no space): the next vacuum tries again. */
		gc_log_errno(LOG_WARNING, r, "Cannot recover %s/%s", store->path, name);
		return true;
	}
	return false;
}

/* Leftovers of an interrupted removal (.tmp-del-*) go at once: vacuum holds the lock, so no
 * removal runs. */
static void vacuum_one_tmp(struct gc_store *store, int dir_fd, const char *name, uint64_t now,
			   gc_recovered_fn found, void *userdata)
{
	uint64_t bytes = 0;
	int r;

	if (strncmp(name, DEL_PREFIX, strlen(DEL_PREFIX)) != 0 &&
	    keep_or_recover_tmp(store, dir_fd, name, now, found, userdata))
		return;
	r = remove_tree(dir_fd, name, 0, &bytes);
	if (r < 0)
		gc_log_errno(LOG_WARNING, r, "Failed to remove stale %s/%s", store->path, name);
	else
		gc_log(LOG_INFO, "Removed stale %s/%s (%" PRIu64 " bytes)", store->path, name,
		       bytes);
}

int vacuum_tmp(struct gc_store *store, gc_recovered_fn found, void *userdata)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	uint64_t now = gc_clock_usec(CLOCK_REALTIME);
	int fd;

	fd = opendir_at(store->dirfd, ".", false, &dir);
	if (fd < 0)
		return fd;
	while ((de = readdir(dir)))
		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0)
			vacuum_one_tmp(store, fd, de->d_name, now, found, userdata);
	return 0;
}

int gc_store_recover(struct gc_store *store, gc_recovered_fn found, void *userdata)
{
	int r = gc_store_lock(store);

	if (r < 0)
		return r;
	r = vacuum_tmp(store, found, userdata);
	gc_store_unlock(store);
	return r;
}
