/* SPDX-License-Identifier: MIT */
/* The executables the store keeps, once per build id ([Store] KeepExecutable=), so that a
 * stored core still has its exact binary after a redeploy:
 *
 *   STORE/.executables/KEY.zst   the executable as one plain zstd frame (`zstd -d` restores
 *                                it), written unnamed and linked whole under the store lock
 *
 * KEY is the executable's GNU build id in lowercase hex, or, for a Go executable without one,
 * "go-" and 32 hex digits of a hash of its Go build id. An entry refers to it by its meta's
 * exe_kept; it counts in the store's usage (MaxUse=) and goes once no committed entry refers
 * to it (gc_store_exe_collect). A build id is what the executable's builder wrote in it: a
 * claim, not a proof, so the first executable kept under a key stays the one kept. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "meta.h"
#include "store.h"

#define GC_STORE_EXE_DIR     ".executables"
#define GC_STORE_EXE_KEY_MAX 128 /* characters of a key */

/* The key of a build id as the meta holds it (untrusted: it came from the sandboxed probe
 * of the crashed user's executable): an even number of hex digits up to
 * GC_STORE_EXE_KEY_MAX is a GNU build id, a Go build id (printable, "/"-separated parts of
 * base64url) is hashed. Returns 0 with *ret malloc'ed, -EINVAL for anything else, -ENOMEM. */
int gc_store_exe_key(const char *build_id, char **ret);

/* Whether key is one gc_store_exe_key() can give (so also safe as a file name). */
bool gc_store_exe_key_is_valid(const char *key);

struct gc_store_exe_limits {
	uint64_t max_size;	  /* the executable's bytes, larger ones are not kept */
	uint64_t time_limit_usec; /* the copy's wall clock (the executable may stall) */
	uint64_t memory_limit;	  /* the copying child's RLIMIT_AS, 0 = none */
	int level;		  /* zstd level */
};

/* Keeps the executable open as exe_fd (read by a sandboxed child with pread from offset 0,
 * never here: it may sit on a file system that stalls, and it is not parsed) under the key
 * of meta->build_id, unless the store has it already, and then sets meta->exe_kept to the
 * key and rewrites the entry's meta in the same hold of the store lock, so that no
 * collection comes between. The copy must fit the space policy without removing anything
 * (KeepFree=, and MaxUse= with the store's current use). Returns 1 when the executable was
 * copied, 0 when it was there already, or a negative errno (meta untouched): -ENODATA no
 * usable build id, -ENOSPC no room, -EFBIG over max_size, -ETIMEDOUT the copy was cut off,
 * -ECHILD the copy failed, -EOPNOTSUPP no O_TMPFILE, -EBUSY another handler's copy of the
 * same key (or its child, left blocked on a stalled file system) still ran after
 * limits->time_limit_usec: one copy of a key at a time, so that a crash loop on a stalled
 * file system does not leave a blocked child per crash. */
int gc_store_exe_keep(struct gc_store *store, const struct gc_space_policy *policy, int exe_fd,
		      const struct gc_store_exe_limits *limits, struct gc_meta *meta);

/* Opens STORE/.executables/KEY.zst read-only (never through a symlink, a regular file only).
 * Returns the fd (the caller's), -ENOENT, or -EINVAL for a key that is not valid. */
int gc_store_exe_open(struct gc_store *store, const char *key);

/* Under the store lock, removes every kept executable no committed entry's exe_kept refers
 * to. The vacuum calls it last. Returns how many went, or a negative errno. */
int gc_store_exe_collect(struct gc_store *store);
