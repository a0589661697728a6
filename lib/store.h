/* SPDX-License-Identifier: MIT */
/* The crash store: one directory per crash, created hidden and renamed into place whole.
 *
 *   STORE/.lock                  flock(2) held while creating, committing or vacuuming
 *   STORE/.tmp-ID/               an entry being written (never listed); its writer holds
 *                                its flock and marks it with .tmp-ID/.writer
 *   STORE/ID/core.zst            the core, zstd seekable format (absent when not stored)
 *   STORE/ID/meta                metadata, one `key=value` per line (meta.h)
 *   STORE/ID/goroutines          the Go report, added after commit (goreport.h)
 *   STORE/.by-user/UID/ID        a symlink to ../../ID for each entry granted to UID
 *
 * Files added to a committed entry, or replacing one of its files, are written unnamed
 * (O_TMPFILE) and linked into place whole (gc_store_file_new), so no name ever shows a
 * half-written file, even when the writer is killed.
 *
 * ID is YYYYMMDD-HHMMSS-PID (UTC of the crash), with -N appended on a collision. Entry
 * directories are 0700, files 0600: cores hold secrets.
 *
 * ACCESS. The store is 0711: others may search it, not list it (the IDs would tell them
 * when which PID crashed). An entry is root's unless its meta says its process was its
 * user's to dump (dump mode 1, not set-id: gc_meta_owner): then, before the rename into
 * place, the entry directory gets a POSIX ACL u:UID:r-x and its core and meta u:UID:r--
 * (acl.h), every file added later the grant of its directory, and the user's index
 * STORE/.by-user/UID (root's, 0700, u:UID:r-x) a name for it: that user lists their index
 * where they cannot list the store, and reads nothing else. Entries of older releases, and
 * those of a filesystem without ACLs, stay root's. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "meta.h"

#define GC_ENTRY_CORE	    "core.zst"
#define GC_ENTRY_META	    "meta"
#define GC_ENTRY_GOROUTINES "goroutines"

struct gc_store;

/* Opens (creating with mode 0711 when missing, ACCESS) the store directory. Refuses it, -EPERM with
 * the directory at fault logged, when it or a directory above it is owned by a user other
 * than root and us, or writable by others (a parent may be when sticky): they could swap
 * the store. */
int gc_store_open(const char *path, bool create, struct gc_store **ret);
/* The same for a reader (gocrashctl's list, info, stacks, dump, groups, status) that must
 * leave the store as it found it: nothing is created or tightened, and gc_store_lock, so
 * every call that writes, fails with -EROFS. */
int gc_store_open_read_only(const char *path, struct gc_store **ret);
bool gc_store_is_read_only(const struct gc_store *store);
void gc_store_free(struct gc_store *store);
const char *gc_store_path(const struct gc_store *store);
int gc_store_dirfd(const struct gc_store *store);

/* Takes / releases the store lock (blocking flock on STORE/.lock). */
int gc_store_lock(struct gc_store *store);
void gc_store_unlock(struct gc_store *store);

struct gc_entry;

/* Creates STORE/.tmp-ID for a crash at time_usec of pid; the ID is fixed here. Takes no lock. */
int gc_entry_new(struct gc_store *store, uint64_t time_usec, int64_t pid, struct gc_entry **ret);
const char *gc_entry_id(const struct gc_entry *entry);

/* Opens STORE/.tmp-ID/core.zst for writing (0600); the caller owns the fd. */
int gc_entry_open_core(struct gc_entry *entry);

/* Writes meta (its id is set to the entry's), fsyncs and renames the entry into place under
 * the store lock. On success the entry is consumed (freed). */
int gc_entry_commit(struct gc_entry *entry, struct gc_meta *meta);

/* Removes the temporary directory and frees the entry. */
void gc_entry_abort(struct gc_entry *entry);

/* Under the store lock, deals with the .tmp-ID of writers that are gone: a writer holds the
 * flock of its .tmp-ID from gc_entry_new to its end, so a free lock says it died (one of an
 * older release, without lock, counts as gone when nothing in it changed for an hour). Its
 * crash is committed as an entry flagged truncated, its core cut to the whole zstd frames
 * (gc_zseek_recover), or removed when not one frame is whole; found (may be NULL) is called
 * with each committed entry's meta, which stays the store's. Entries being written are not
 * touched. The space policy's vacuum does this too, silently. Returns 0 or a negative errno
 * when the store cannot be locked or read. */
typedef void (*gc_recovered_fn)(const struct gc_meta *meta, void *userdata);
int gc_store_recover(struct gc_store *store, gc_recovered_fn found, void *userdata);

/* Whether the caller sees every entry: root, or the store is their own (gocrashctl on a
 * store of one's own). */
bool gc_store_sees_all(const struct gc_store *store);

/* Whether the caller may be shown the entry: they see all, or it is theirs (gc_meta_owner).
 * Its files can still be unreadable (an entry of an older release, of a filesystem without
 * ACLs): opening them says so. */
bool gc_store_may_read(const struct gc_store *store, const struct gc_meta *meta);

/* Lists committed entries, oldest first (by time, then id): those the caller may read and
 * be shown (gc_store_may_read); another user's entries are skipped silently, and a caller
 * who may not list the store gets the entries of their index (ACCESS). */
int gc_store_list(struct gc_store *store, struct gc_meta **ret, size_t *n_ret);

/* Finds an entry by id, unique id prefix, or "latest", among those gc_store_list gives: an
 * entry of another user is -ENOENT too. -ENOENT, or -EINVAL when ambiguous. */
int gc_store_find(struct gc_store *store, const char *id, struct gc_meta *ret);

/* Opens STORE/ID/core.zst read-only, as gc_store_open_file does. */
int gc_store_open_core(struct gc_store *store, const char *id);

/* The entry directory STORE/ID is opened once (never through a symlink) and kept: the calls
 * below on the same id, and those after gc_entry_commit on the id it gave, work in that very
 * directory, so a name swapped meanwhile for a symlink or another directory is not followed.
 *
 * Opens STORE/ID/NAME, a regular file of a committed entry (NAME a plain file name such as
 * "goroutines"), read-only with O_CLOEXEC|O_NOFOLLOW. Returns the fd, which the caller owns,
 * -ENOENT when the entry has no such file, -EINVAL for a bad id or name. */
int gc_store_open_file(struct gc_store *store, const char *id, const char *name);

struct gc_store_file;

/* Starts STORE/ID/NAME of a committed entry (NAME a plain file name, as for
 * gc_store_open_file) as an unnamed file, mode 0600: nothing has the name until
 * gc_store_file_commit. The store must outlive the file. Returns 0 or a negative errno
 * (-ENOENT: no such entry, -EINVAL: a bad id or name, -EOPNOTSUPP: no O_TMPFILE). */
int gc_store_file_new(struct gc_store *store, const char *id, const char *name,
		      struct gc_store_file **ret);

/* The fd to write to (O_WRONLY); it stays the file's, callers must not close it. */
int gc_store_file_fd(const struct gc_store_file *file);

/* fsyncs the file and gives it its name under the store lock, replacing any file of that
 * name atomically, then fsyncs the entry. Frees the file, committed or not. On failure the
 * old file stays, unless only that last fsync failed. */
int gc_store_file_commit(struct gc_store_file *file);

/* Drops the file unnamed and frees it; NULL is a no-op. */
void gc_store_file_abort(struct gc_store_file *file);

/* Replaces STORE/ID/core.zst with what rewrite(in_fd, out_fd, userdata) writes to out_fd
 * (an empty unnamed file in the entry) from in_fd (the current core, read-only); rewrite
 * returns 0 or a negative errno. The swap is atomic: any failure leaves the old core.
 * Returns 0 or a negative errno. */
typedef int (*gc_rewrite_fn)(int in_fd, int out_fd, void *userdata);
int gc_store_rewrite_core(struct gc_store *store, const char *id, gc_rewrite_fn rewrite,
			  void *userdata);

/* Rewrites STORE/ID/meta atomically (for enrichment after capture). */
int gc_store_update_meta(struct gc_store *store, const struct gc_meta *meta);

/* The store's limits as configured; sizes may be percentages of the store's filesystem. */
struct gc_space_policy {
	struct gc_size max_use;	     /* bytes the store may hold, 0 = no limit */
	struct gc_size keep_free;    /* bytes to leave free on the filesystem, 0 = no limit */
	uint64_t max_cores;	     /* entries holding a core, 0 = no limit */
	uint64_t max_entries;	     /* committed entries, 0 = no limit */
	uint64_t max_core_age_usec;  /* cores older than this go, 0 = no limit */
	uint64_t max_entry_age_usec; /* entries older than this go, 0 = no limit */
	bool per_signature;	     /* hold each group (groups.h) to cores_per_signature */
	uint64_t cores_per_signature;
};

/* The policy of a configuration. */
void gc_space_policy_of(const struct gc_config *config, struct gc_space_policy *ret);

/* Removes the core of a committed entry, which stays: its meta says why (core_dropped:
 * reason) and that it has no core (core_stored 0) before the file goes, so no reader sees a
 * core the meta does not promise. Returns 0 or a negative errno. */
int gc_store_drop_core(struct gc_store *store, struct gc_meta *meta, const char *reason);

enum {
	/* An entry was committed: remove old cores and entries until every limit holds (ages,
	 * per-signature cores, MaxEntries, MaxCores, MaxUse), and KeepFree when entry_bytes
	 * (what that entry holds) is not 0: an entry that took no room is no reason to give
	 * the room of others to whatever filled the filesystem. */
	GC_ROOM_ALL_LIMITS = 1 << 0,
	/* Remove nothing, only tell whether there is room (a copy is not worth a crash). */
	GC_ROOM_NO_REMOVE = 1 << 1,
};

struct gc_room_request {
	uint64_t incoming;    /* bytes about to be written */
	uint64_t entry_bytes; /* what the entry they go to holds already (or was committed with) */
	const char *entry_id; /* that entry, being written (gc_entry_id), or NULL */
	const char *keep_id;  /* an entry never removed (the one just committed), or NULL */
	unsigned flags;	      /* GC_ROOM_* */
};

enum gc_room_limit {
	GC_ROOM_FITS,	   /* there is room */
	GC_ROOM_KEEP_FREE, /* the filesystem would go below KeepFree */
	GC_ROOM_MAX_USE,   /* the entry would grow past MaxUse */
};

struct gc_room {
	enum gc_room_limit limit;
	uint64_t limit_bytes; /* that limit, resolved against the filesystem */
	uint64_t fs_free;     /* the filesystem's free bytes, after any removal */
	uint64_t headroom;    /* bytes the entry may still take before a limit, UINT64_MAX: none */
	unsigned removed;     /* entries removed */
};

/* The store's space policy, whole. Tells whether `incoming` more bytes fit: the filesystem
 * keeps KeepFree free after them, and their entry (entry_bytes so far) stays within MaxUse
 * together with the entries other writers are writing now (.tmp-* other than entry_id's, not
 * stale: no vacuum can remove them, and they will be committed too). Unless
 * GC_ROOM_NO_REMOVE, it first makes room while KeepFree would break, and with
 * GC_ROOM_ALL_LIMITS while any limit breaks, in the order of gocrashd.conf(5): cores before
 * entries; the oldest core of the group holding the most cores, never the last core of a
 * group while a group has more; then by user, the one holding the most first (bytes, or
 * cores for MaxCores), oldest first; whole entries for MaxEntries (the group with the most
 * entries first) and, only when no core is left to remove, for MaxUse and KeepFree. Never
 * keep_id, never an entry still in progress, and only for a limit that removing all the
 * rest would restore. Stale .tmp-* go then as well. Takes the store lock to remove.
 * Without GC_ROOM_ALL_LIMITS it costs one statvfs unless something must go, so a growing
 * core may ask often. Returns 0 with ret filled, or a negative errno when the filesystem
 * cannot be asked. */
int gc_store_make_room(struct gc_store *store, const struct gc_space_policy *policy,
		       const struct gc_room_request *req, struct gc_room *ret);

/* What a vacuum removed: cores (their entries stay), whole entries, and the bytes freed. */
struct gc_vacuum_stats {
	unsigned cores, entries;
	uint64_t bytes;
};

/* gocrashctl vacuum: brings the store within every limit of the policy now, KeepFree too,
 * under the store lock, as gc_store_make_room orders it (cores before entries; never an
 * entry whose handler is at work; only for a limit that removing can restore). Each removal
 * is logged (LOG_INFO) with why. Fills ret (may be NULL). Returns 0 or a negative errno. */
int gc_store_vacuum(struct gc_store *store, const struct gc_space_policy *policy,
		    struct gc_vacuum_stats *ret);

/* gocrashctl remove: under the store lock, removes every committed entry (one whose meta is
 * unreadable too, by its id) that sel selects, each whole, and then the kept executables no
 * entry names any more. The groups keep their counts, as after an eviction (groups.h). An
 * entry whose handler is still at work is left (-EBUSY). removed (may be NULL) is called for
 * each selected entry, with 0 and the bytes freed or the negative errno of its removal;
 * *n_ret (may be NULL) gets the number removed. Returns 0, -EINVAL when sel selects nothing
 * at all (no match, no time bound) or is a single ID prefix that names more than one entry
 * (then nothing is removed), -ENOENT when no entry is selected, or another negative errno
 * when the store cannot be locked or read. */
struct gc_selection;
typedef void (*gc_store_removed_fn)(const struct gc_meta *meta, int error, uint64_t bytes,
				    void *userdata);
int gc_store_remove(struct gc_store *store, const struct gc_selection *sel,
		    gc_store_removed_fn removed, void *userdata, unsigned *n_ret);

/* Bytes used by the entries (those being written too), and the filesystem's size and free
 * bytes (statvfs f_bavail). */
int gc_store_usage(struct gc_store *store, uint64_t *used, uint64_t *fs_size, uint64_t *fs_free);
