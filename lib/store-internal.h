/* SPDX-License-Identifier: MIT */
/* What store.c shares with store-vacuum.c (the space policy): not for other users. */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "meta.h"
#include "priority.h"
#include "store.h"

#define TMP_PREFIX     ".tmp-"
#define DEL_PREFIX     ".tmp-del-"
#define STALE_TMP_USEC (3600ull * 1000000ull)
/* A committed entry whose handler has not recorded its total cost yet, for a crash younger
 * than this, is still being analysed and reported: no vacuum removes it from under the
 * journal line about to name it. Past it, its handler is taken for killed. */
#define IN_PROGRESS_USEC (600ull * 1000000ull)

struct gc_store {
	char *path;
	int dirfd;
	int lockfd;
	unsigned lock_depth;
	struct gc_priority lock_priority; /* what the holder ran at before it took the lock */
	char *entry_id;			  /* the committed entry last opened, and its directory */
	int entry_fd;
	bool read_only; /* gc_store_open_read_only */
};

/* asprintf() that returns NULL on failure (glibc leaves the pointer undefined then). */
char *name_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t stat_bytes(const struct stat *st);
uint64_t timespec_usec(const struct timespec *ts);

/* Opens dir_fd/name for readdir. Returns the DIR's fd (owned by *ret) or a negative errno. */
int opendir_at(int dir_fd, const char *name, bool nofollow, DIR **ret);

/* Removes dir_fd/name and everything below it; adds the bytes freed to *bytes. Goes on past
 * errors so that as much as possible goes; returns the first one. */
int remove_tree(int dir_fd, const char *name, unsigned depth, uint64_t *bytes);

/* STORE/ID, opened once, never through a symlink (store.h); the fd stays the store's. */
int entry_dir(struct gc_store *store, const char *id);
void forget_entry_dir(struct gc_store *store);

/* Committed entries, oldest first; with include_broken, those with an unreadable meta too
 * (id and the directory's mtime only). */
int list_entries(struct gc_store *store, bool include_broken, struct gc_meta **ret, size_t *n_ret);

/* Bytes of the files directly inside dir_fd/name, and their newest mtime (with the dir's). */
int measure_dir(int dir_fd, const char *name, uint64_t *bytes, uint64_t *newest_usec);
int store_fs(struct gc_store *store, uint64_t *fs_size, uint64_t *fs_free);

/* ---- access (store-access.c) ---- */

/* STORE/.by-user/UID/ID: a symlink to ../../ID for each entry granted to UID, so that UID
 * finds its entries in a store it may search but not list. Only names: what may be read is
 * up to the entries' own ACLs. */
#define USER_INDEX_DIR ".by-user"

/* Gives the crashing user read access to the entry directory entry_fd (being committed as
 * id) and its core and meta when its meta says the process was theirs to dump; logs a
 * failure, which leaves the entry root's. Returns the uid granted, or 0 for none. */
uid_t entry_grant(int entry_fd, const char *id, const struct gc_meta *meta);
/* A file about to be linked into entry_fd gets the read access the entry grants. */
void entry_inherit_grant(int entry_fd, int file_fd, const char *name);
/* Names id in uid's index (not for uid 0); logs a failure. Called under the lock. */
void user_index_add(struct gc_store *store, uid_t uid, const char *id);
/* Opens the calling user's index for readdir, as opendir_at. */
int open_user_index(struct gc_store *store, DIR **ret);
/* Removes the index names of entries that are gone; called with the lock held. */
void sweep_user_index(struct gc_store *store);

/* Commits or removes the .tmp-* of writers that are gone; called with the lock held. */
int vacuum_tmp(struct gc_store *store, gc_recovered_fn found, void *userdata);
