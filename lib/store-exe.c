/* SPDX-License-Identifier: MIT */
/* Executables kept once per build id (layout in store-exe.h). The root side only moves fds
 * and names: the executable's bytes are read and compressed by a sandboxed child, since
 * reading them can stall (FUSE, a hung NFS mount: tests/e2e/stalled-exe.sh), and a child
 * stuck in a read is killed at its time limit where a thread would be stuck for good. */
#include "store-exe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "macro.h"
#include "sandbox.h"
#include "util.h"
#include "zfile.h"

#define EXE_SUFFIX ".zst"
#define GO_PREFIX  "go-"
#define READ_CHUNK (1u << 20)
/* What zstd can add to bytes that do not compress, with frame headers. */
#define COMPRESSED_MAX(raw) ((raw) + (raw) / 128 + (64u << 10))
#define WRITE_MAX	    (256u << 10) /* more than ZSTD_CStreamOutSize() */
#define ANSWER_MAGIC	    "gocrashd-keepexe 1\n"
#define ANSWER_LIMIT	    64
#define BUILD_ID_MAX	    256 /* as the probe sends it (exeprobe.h) */
#define COPY_LOCK_POLL_USEC 50000

/* ---- keys ---- */

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool is_hex_id(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len == 0 || len > max || len % 2)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_lower_hex(s[i]) && !(s[i] >= 'A' && s[i] <= 'F'))
			return false;
	return true;
}

/* What `go tool buildid` prints: parts of base64url separated by '/'. */
static bool is_go_build_id(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > BUILD_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '/'))
			return false;
	return true;
}

/* FNV-1a, once forwards and once backwards: a name, not a proof (the id itself is the
 * builder's claim), so no cryptographic hash is needed, only few accidental collisions. */
static void hash_go_build_id(const char *s, char out[33])
{
	uint64_t a = 0xcbf29ce484222325ull, b = 0x84222325cbf29ce4ull;
	size_t len = strlen(s);

	for (size_t i = 0; i < len; i++) {
		a = (a ^ (unsigned char)s[i]) * 0x100000001b3ull;
		b = (b ^ (unsigned char)s[len - 1 - i]) * 0x100000001b3ull;
	}
	snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, a, b);
}

int gc_store_exe_key(const char *build_id, char **ret)
{
	char hash[33];
	char *key;

	if (!build_id)
		return -EINVAL;
	if (is_hex_id(build_id, GC_STORE_EXE_KEY_MAX)) {
		key = strdup(build_id);
		if (!key)
			return -ENOMEM;
		for (char *p = key; *p; p++)
			if (*p >= 'A' && *p <= 'F')
				*p += 'a' - 'A';
	} else if (is_go_build_id(build_id)) {
		hash_go_build_id(build_id, hash);
		if (asprintf(&key, GO_PREFIX "%s", hash) < 0)
			return -ENOMEM;
	} else {
		return -EINVAL;
	}
	*ret = key;
	return 0;
}

bool gc_store_exe_key_is_valid(const char *key)
{
	const char *p;

	if (!key)
		return false;
	if (strncmp(key, GO_PREFIX, strlen(GO_PREFIX)) == 0) {
		p = key + strlen(GO_PREFIX);
		if (strlen(p) != 32)
			return false;
	} else {
		p = key;
		if (strlen(p) > GC_STORE_EXE_KEY_MAX || strlen(p) % 2 || !*p)
			return false;
	}
	for (; *p; p++)
		if (!is_lower_hex(*p))
			return false;
	return true;
}

static char *file_name(const char *key)
{
	char *name;

	return asprintf(&name, "%s" EXE_SUFFIX, key) < 0 ? NULL : name;
}

/* ---- the directory ---- */

static int open_exe_dir(struct gc_store *store, bool create)
{
	int fd;

	if (create && gc_store_is_read_only(store))
		return -EROFS;
	if (create && mkdirat(gc_store_dirfd(store), GC_STORE_EXE_DIR, 0700) < 0 && errno != EEXIST)
		return negative_errno();
	fd = openat(gc_store_dirfd(store), GC_STORE_EXE_DIR,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? negative_errno() : fd;
}

static bool is_kept(int dir_fd, const char *name)
{
	struct stat st;

	return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

int gc_store_exe_open(struct gc_store *store, const char *key)
{
	_cleanup_close_ int dir_fd = -EBADF, fd = -EBADF;
	_cleanup_free_ char *name = NULL;

	if (!gc_store_exe_key_is_valid(key))
		return -EINVAL;
	name = file_name(key);
	if (!name)
		return -ENOMEM;
	dir_fd = open_exe_dir(store, false);
	if (dir_fd < 0)
		return dir_fd;
	return gc_open_regular_at(dir_fd, name);
}

/* ---- the copy, in the child ---- */

struct copy_job {
	int exe_fd, out_fd;
	int lock_fd; /* lock_copy()'s, which the child holds too */
	uint64_t max_size;
	int level;
};

static int copy_bytes(const struct copy_job *job, FILE *out, uint64_t *ret_size)
{
	_cleanup_free_ char *buf = malloc(READ_CHUNK);
	uint64_t offset = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = pread(job->exe_fd, buf, READ_CHUNK, (off_t)offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		offset += n;
		if (offset > job->max_size)
			return -EFBIG; /* it grew since fstat */
		if (fwrite(buf, 1, n, out) != (size_t)n)
			return -EIO;
	}
	*ret_size = offset;
	return 0;
}

static int copy_exe(const struct copy_job *job, uint64_t *ret_size)
{
	struct stat st;
	FILE *out;
	int r;

	if (fstat(job->exe_fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > job->max_size)
		return -EFBIG;
	out = gc_zfile_write(job->out_fd, job->level);
	if (!out)
		return negative_errno();
	r = copy_bytes(job, out, ret_size);
	if (fclose(out) == EOF && r >= 0)
		r = -EIO;
	return r;
}

/* Answers the size copied, or the errno that stopped it. */
static int copy_child(void *userdata, int answer_fd)
{
	uint64_t size = 0;
	int r = copy_exe(userdata, &size);

	if (r < 0) {
		dprintf(answer_fd, ANSWER_MAGIC "error %d\n", -r);
		return 1;
	}
	return dprintf(answer_fd, ANSWER_MAGIC "%" PRIu64 "\n", size) < 0 ? 1 : 0;
}

/* ---- the copy, in the parent ---- */

/* The child's answer, checked: 0 with the size, the child's own errno, or -EBADMSG. */
static int parse_answer(const char *text, uint64_t *ret_size)
{
	const char *p = text + strlen(ANSWER_MAGIC);
	unsigned long long value;
	char end;

	if (strncmp(text, ANSWER_MAGIC, strlen(ANSWER_MAGIC)) != 0)
		return -EBADMSG;
	if (sscanf(p, "error %llu%c", &value, &end) == 2 && end == '\n')
		return value > 0 && value < 4096 ? -(int)value : -EBADMSG;
	if (sscanf(p, "%llu%c", &value, &end) != 2 || end != '\n' || p[0] < '0' || p[0] > '9')
		return -EBADMSG;
	*ret_size = value;
	return 0;
}

static int run_copy(const struct copy_job *job, const struct gc_store_exe_limits *limits,
		    uint64_t room, uint64_t *ret_size)
{
	int keep[] = {job->exe_fd, job->out_fd, job->lock_fd};
	struct gc_sandbox_options options = {
	    .time_limit_usec = limits->time_limit_usec,
	    .memory_limit = limits->memory_limit,
	    .output_limit = ANSWER_LIMIT,
	    /* Past it the child dies of SIGXFSZ: the copy never outgrows its room. */
	    .file_size_limit = MIN(room, COMPRESSED_MAX(limits->max_size)),
	    .keep_fds = keep,
	    .n_keep_fds = ELEMENTSOF(keep),
	};
	enum gc_sandbox_outcome outcome;
	_cleanup_free_ char *output = NULL;
	int r;

	r = gc_sandbox_run(&options, copy_child, (void *)job, &outcome, &output);
	if (r < 0)
		return r;
	if (outcome == GC_SANDBOX_TIMED_OUT)
		return -ETIMEDOUT;
	if (outcome != GC_SANDBOX_OK && outcome != GC_SANDBOX_FAILED)
		return -ECHILD;
	r = parse_answer(output, ret_size);
	if (r >= 0 && outcome != GC_SANDBOX_OK)
		r = -EBADMSG;
	return r;
}

/* Room for a copy not worth removing a crash for: above KeepFree=, and within MaxUse= with
 * everything the store holds now (the other limits hold a single entry). */
static int room_for_copy(struct gc_store *store, const struct gc_space_policy *policy,
			 uint64_t *ret)
{
	struct gc_room_request req = {.flags = GC_ROOM_NO_REMOVE};
	uint64_t used, fs_size, max_use;
	struct gc_room room;
	int r;

	r = gc_store_make_room(store, policy, &req, &room);
	if (r < 0)
		return r;
	if (room.limit != GC_ROOM_FITS)
		return -ENOSPC;
	r = gc_store_usage(store, &used, &fs_size, NULL);
	if (r < 0)
		return r;
	max_use = gc_size_resolve(&policy->max_use, fs_size);
	if (max_use > 0)
		room.headroom = MIN(room.headroom, max_use > used ? max_use - used : 0);
	if (room.headroom == 0)
		return -ENOSPC;
	*ret = room.headroom;
	return 0;
}

/* ---- keeping ---- */

/* Sets exe_kept and writes the meta; called under the lock, with the file in place. */
static int refer_locked(struct gc_store *store, struct gc_meta *meta, const char *key)
{
	char *old = meta->exe_kept;
	int r;

	meta->exe_kept = strdup(key);
	if (!meta->exe_kept) {
		meta->exe_kept = old;
		return -ENOMEM;
	}
	r = gc_store_update_meta(store, meta);
	if (r < 0) {
		free(meta->exe_kept);
		meta->exe_kept = old;
		return r;
	}
	free(old);
	return 0;
}

/* Refers the entry to a kept executable already there: 0, or -ENOENT when there is none. */
static int refer_if_kept(struct gc_store *store, int dir_fd, const char *name, const char *key,
			 struct gc_meta *meta)
{
	int r = gc_store_lock(store);

	if (r < 0)
		return r;
	r = is_kept(dir_fd, name) ? refer_locked(store, meta, key) : -ENOENT;
	gc_store_unlock(store);
	return r;
}

/* Gives the copy its name (unless another handler kept the same meanwhile: its copy is as
 * good) and refers the entry to it, in one hold of the lock. */
static int link_and_refer(struct gc_store *store, int dir_fd, int fd, const char *name,
			  const char *key, struct gc_meta *meta)
{
	char proc_path[64];
	int r;

	if (fsync(fd) < 0)
		return negative_errno();
	snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", fd);
	r = gc_store_lock(store);
	if (r < 0)
		return r;
	if (linkat(AT_FDCWD, proc_path, dir_fd, name, AT_SYMLINK_FOLLOW) < 0 && errno != EEXIST)
		r = negative_errno();
	if (r >= 0)
		(void)fsync(dir_fd);
	if (r >= 0)
		r = refer_locked(store, meta, key);
	gc_store_unlock(store);
	return r;
}

/* One copy of a key at a time: the copier locks STORE/.executables/.copying-KEY, and its child
 * inherits the lock, holding it for as long as it lives, also when the parent left it
 * blocked in a read of an executable whose file system stalls: then the next crash of a
 * loop waits for it, in the background, as long as a copy may take, and gives up, rather
 * than leave one more blocked child. Returns the locked fd, -EBUSY when the wait ran out, or
 * a negative errno. */
static int lock_copy(int dir_fd, const char *key, uint64_t wait_usec)
{
	uint64_t deadline = gc_clock_usec(CLOCK_MONOTONIC) + wait_usec;
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	if (asprintf(&name, ".copying-%s", key) < 0)
		return -ENOMEM;
	fd = openat(dir_fd, name, O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return -EINVAL;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return negative_errno();
		if (gc_clock_usec(CLOCK_MONOTONIC) >= deadline)
			return -EBUSY;
		usleep(COPY_LOCK_POLL_USEC);
	}
	return TAKE_FD(fd);
}

static void unlock_copy(int dir_fd, const char *key)
{
	_cleanup_free_ char *name = NULL;

	if (asprintf(&name, ".copying-%s", key) >= 0)
		(void)unlinkat(dir_fd, name, 0);
}

static int copy_and_link(struct gc_store *store, const struct gc_space_policy *policy, int dir_fd,
			 int exe_fd, int lock_fd, const struct gc_store_exe_limits *limits,
			 const char *name, const char *key, struct gc_meta *meta)
{
	_cleanup_close_ int fd = -EBADF;
	struct copy_job job = {.exe_fd = exe_fd,
			       .lock_fd = lock_fd,
			       .max_size = limits->max_size,
			       .level = limits->level};
	uint64_t room, size = 0;
	struct stat st;
	int r;

	r = room_for_copy(store, policy, &room);
	if (r < 0)
		return r;
	fd = openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EISDIR ? -EOPNOTSUPP : negative_errno();
	job.out_fd = fd;
	r = run_copy(&job, limits, room, &size);
	if (fstat(fd, &st) < 0)
		return r < 0 ? r : negative_errno();
	/* Killed by SIGXFSZ at its room (its writes are of a zstd output buffer at most). */
	if (r == -ECHILD && (uint64_t)st.st_size + WRITE_MAX >= room)
		return -ENOSPC;
	if (r < 0)
		return r;
	if ((uint64_t)st.st_size > room)
		return -ENOSPC;
	r = link_and_refer(store, dir_fd, fd, name, key, meta);
	if (r < 0)
		return r;
	gc_log(LOG_INFO,
	       "Kept the executable of %s (%" PRIu64 " bytes, %" PRIu64
	       " stored) as %s/" GC_STORE_EXE_DIR "/%s",
	       meta->id, size, (uint64_t)st.st_size, gc_store_path(store), name);
	return 1;
}

int gc_store_exe_keep(struct gc_store *store, const struct gc_space_policy *policy, int exe_fd,
		      const struct gc_store_exe_limits *limits, struct gc_meta *meta)
{
	_cleanup_close_ int dir_fd = -EBADF, lock_fd = -EBADF;
	_cleanup_free_ char *key = NULL, *name = NULL;
	int r;

	if (exe_fd < 0)
		return -EBADF;
	if (!meta->id || gc_store_exe_key(meta->build_id, &key) < 0)
		return -ENODATA;
	name = file_name(key);
	if (!name)
		return -ENOMEM;
	dir_fd = open_exe_dir(store, true);
	if (dir_fd < 0)
		return dir_fd;
	r = refer_if_kept(store, dir_fd, name, key, meta);
	if (r != -ENOENT)
		return r;
	lock_fd = lock_copy(dir_fd, key, limits->time_limit_usec);
	if (lock_fd < 0)
		return lock_fd;
	/* A copy that ran meanwhile (a crash at the same time) is as good as ours. */
	r = refer_if_kept(store, dir_fd, name, key, meta);
	if (r != -ENOENT)
		return r;
	r = copy_and_link(store, policy, dir_fd, exe_fd, lock_fd, limits, name, key, meta);
	/* Kept: later crashes find it before they look for the lock. A failed copy leaves the
	 * file, which a child left blocked may still hold locked. */
	if (r >= 0)
		unlock_copy(dir_fd, key);
	return r;
}

/* ---- collection ---- */

struct key_list {
	char **keys;
	size_t n;
};

static void key_list_done(struct key_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->keys[i]);
	free(l->keys);
}

/* The keys of the files in .executables (others are none of ours and stay). */
static int list_kept(int dir_fd, struct key_list *ret)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct key_list l = {};
	struct dirent *de;
	int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);

	if (fd < 0)
		return negative_errno();
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return negative_errno();
	}
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		char **keys;

		if (len <= strlen(EXE_SUFFIX) ||
		    strcmp(de->d_name + len - strlen(EXE_SUFFIX), EXE_SUFFIX) != 0)
			continue;
		keys = reallocarray(l.keys, l.n + 1, sizeof(*keys));
		if (!keys || !(keys[l.n] = strndup(de->d_name, len - strlen(EXE_SUFFIX)))) {
			l.keys = keys ? keys : l.keys;
			key_list_done(&l);
			return -ENOMEM;
		}
		l.keys = keys;
		if (gc_store_exe_key_is_valid(keys[l.n]))
			l.n++;
		else
			free(keys[l.n]);
	}
	*ret = l;
	return 0;
}

static bool referred(const struct gc_meta *metas, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (metas[i].exe_kept && strcmp(metas[i].exe_kept, key) == 0)
			return true;
	return false;
}

static int remove_unreferred(struct gc_store *store, int dir_fd, const struct key_list *kept)
{
	struct gc_meta *metas = NULL;
	size_t n = 0;
	int r, removed = 0;

	r = gc_store_list(store, &metas, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < kept->n; i++) {
		_cleanup_free_ char *name = NULL;

		if (referred(metas, n, kept->keys[i]))
			continue;
		name = file_name(kept->keys[i]);
		if (!name || unlinkat(dir_fd, name, 0) < 0) {
			gc_log_errno(LOG_WARNING, name ? errno : ENOMEM,
				     "Failed to remove the kept executable %s", kept->keys[i]);
			continue;
		}
		gc_log(LOG_INFO, "Removed the kept executable %s: no entry refers to it",
		       kept->keys[i]);
		removed++;
	}
	gc_meta_array_free(metas, n);
	return removed;
}

int gc_store_exe_collect(struct gc_store *store)
{
	_cleanup_close_ int dir_fd = -EBADF;
	struct key_list kept = {};
	int r;

	r = gc_store_lock(store);
	if (r < 0)
		return r;
	dir_fd = open_exe_dir(store, false);
	r = dir_fd == -ENOENT ? 0 : dir_fd;
	if (dir_fd >= 0)
		r = list_kept(dir_fd, &kept);
	if (r >= 0 && kept.n > 0)
		r = remove_unreferred(store, dir_fd, &kept);
	key_list_done(&kept);
	gc_store_unlock(store);
	return r;
}
