/* SPDX-License-Identifier: MIT */
/* The store's space policy: which cores and entries go when a limit breaks (store.h,
 * gocrashd.conf(5)). A crash loop must cost the store its repeated cores, not its history
 * nor the crashes of other programs: cores go before entries, the most repeated group's
 * first. */
#include "store.h"
#include "store-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "groups.h"
#include "select.h"
#include "store-exe.h"
#include "log.h"
#include "macro.h"
#include "util.h"

void gc_space_policy_of(const struct gc_config *config, struct gc_space_policy *ret)
{
	*ret = (struct gc_space_policy){
	    .max_use = config->max_use,
	    .keep_free = config->keep_free,
	    .max_cores = config->max_cores,
	    .max_entries = config->max_entries,
	    .max_core_age_usec = config->max_core_age_sec * 1000000,
	    .max_entry_age_usec = config->max_entry_age_sec * 1000000,
	    .per_signature = true,
	    .cores_per_signature = config->cores_per_signature,
	};
	if (config->max_core_age_sec > UINT64_MAX / 1000000)
		ret->max_core_age_usec = 0;
	if (config->max_entry_age_sec > UINT64_MAX / 1000000)
		ret->max_entry_age_usec = 0;
}

int gc_store_drop_core(struct gc_store *store, struct gc_meta *meta, const char *reason)
{
	int fd, r;

	meta->core_stored = false;
	r = gc_meta_set_string(&meta->core_dropped, reason);
	if (r >= 0)
		r = gc_store_update_meta(store, meta);
	if (r < 0)
		return r;
	fd = entry_dir(store, meta->id);
	if (fd < 0)
		return fd;
	if (unlinkat(fd, GC_ENTRY_CORE, 0) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}

/* Renamed away first, so that listings never show a half-deleted entry. */
static int remove_entry(struct gc_store *store, const char *id, uint64_t *bytes)
{
	_cleanup_free_ char *del_name = NULL;
	uint64_t ignored = 0;
	int r;

	del_name = name_printf(DEL_PREFIX "%s", id);
	if (!del_name)
		return -ENOMEM;
	if (store->entry_id && strcmp(store->entry_id, id) == 0)
		forget_entry_dir(store);
	(void)remove_tree(store->dirfd, del_name, 0, &ignored);
	if (renameat(store->dirfd, id, store->dirfd, del_name) < 0)
		return negative_errno();
	r = remove_tree(store->dirfd, del_name, 0, bytes);
	if (r < 0)
		gc_log_errno(LOG_WARNING, r, "Failed to remove all of %s/%s", store->path,
			     del_name);
	return 0;
}

static uint64_t add_saturating(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sub_floor(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* The byte limits of one pass, resolved, 0 = none; all: the count, age and per-signature
 * limits too (a pass after commit), else KeepFree only (room for a growing core). */
struct gc_vacuum_limits {
	uint64_t max_use, keep_free, incoming;
	bool all;
};

/* ---- what the store holds ---- */

/* One committed entry as the vacuum sees it. */
struct item {
	struct gc_meta *meta; /* oldest first */
	char group[GC_GROUP_LEN + 1];
	uint64_t core_bytes, rest_bytes;
	bool core;    /* it holds a core */
	bool pinned;  /* keep_id or in progress: counted, never touched */
	bool removed; /* the whole entry went */
	size_t owner, grp;
};

/* What one user holds, or one group of one user: a user crashing the same program as
 * another in a loop makes a group of their own, and loses its cores first. */
struct tally {
	int64_t uid;
	char *group; /* groups only: points into an item */
	uint64_t bytes, core_bytes, cores, entries;
};

struct vacuum {
	struct gc_store *store;
	const struct gc_space_policy *policy;
	uint64_t now;
	/* limits in bytes, 0 = none: only those removals can meet are pursued */
	uint64_t max_use, keep_free, incoming, max_cores, max_entries;
	uint64_t used, fs_free, cores, entries;
	struct gc_meta *metas;
	struct item *items;
	size_t n, n_items;
	struct tally *owners, *groups;
	size_t n_owners, n_groups;
	struct gc_vacuum_stats removed;
};

static void vacuum_done(struct vacuum *v)
{
	gc_meta_array_free(v->metas, v->n);
	free(v->items);
	free(v->owners);
	free(v->groups);
}

/* Its handler has not recorded its total cost yet (the last thing it writes), and the crash,
 * or the last change to the entry, is recent: a replay's crash time may be years old while
 * its handler still writes the meta, which would put back a core removed meanwhile. */
static bool in_progress(const struct gc_meta *meta, uint64_t changed_usec, uint64_t now)
{
	bool recent = (meta->time_usec <= now && now - meta->time_usec < IN_PROGRESS_USEC) ||
		      (changed_usec <= now && now - changed_usec < IN_PROGRESS_USEC);

	return !meta->present[GC_META_handler_cpu_usec] && recent;
}

static size_t owner_of(struct vacuum *v, int64_t uid)
{
	for (size_t i = 0; i < v->n_owners; i++)
		if (v->owners[i].uid == uid)
			return i;
	v->owners[v->n_owners] = (struct tally){.uid = uid};
	return v->n_owners++;
}

static size_t group_of(struct vacuum *v, char *group, int64_t uid)
{
	for (size_t i = 0; i < v->n_groups; i++)
		if (v->groups[i].uid == uid && strcmp(v->groups[i].group, group) == 0)
			return i;
	v->groups[v->n_groups] = (struct tally){.uid = uid, .group = group};
	return v->n_groups++;
}

static void count_item(struct vacuum *v, struct item *it, int sign)
{
	struct tally *t[2] = {&v->owners[it->owner], &v->groups[it->grp]};

	for (size_t i = 0; i < 2; i++) {
		t[i]->entries += sign;
		t[i]->bytes += sign * (int64_t)(it->core_bytes + it->rest_bytes);
		if (it->core) {
			t[i]->cores += sign;
			t[i]->core_bytes += sign * (int64_t)it->core_bytes;
		}
	}
	v->entries += sign;
	if (it->core)
		v->cores += sign;
}

/* Sizes the core and the rest of an entry. A core the meta disowns (a drop cut short by a
 * kill) goes at once. */
static int measure_item(struct vacuum *v, struct item *it, uint64_t *changed_usec)
{
	uint64_t bytes, newest;
	struct stat st;
	int fd, r;

	r = measure_dir(v->store->dirfd, it->meta->id, &bytes, &newest);
	if (r < 0)
		return r;
	*changed_usec = newest;
	fd = entry_dir(v->store, it->meta->id);
	if (fd >= 0 && fstatat(fd, GC_ENTRY_CORE, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode)) {
		if (!it->meta->core_stored && it->meta->core_dropped &&
		    unlinkat(fd, GC_ENTRY_CORE, 0) == 0)
			return measure_dir(v->store->dirfd, it->meta->id, &it->rest_bytes, &newest);
		it->core = it->meta->core_stored;
		it->core_bytes = MIN(stat_bytes(&st), bytes);
	}
	it->rest_bytes = bytes - it->core_bytes;
	return 0;
}

static int vacuum_load(struct vacuum *v, const char *keep_id)
{
	size_t n = 0;
	int r;

	r = list_entries(v->store, true, &v->metas, &v->n);
	if (r < 0)
		return r;
	v->items = calloc(MAX(v->n, (size_t)1), sizeof(*v->items));
	v->owners = calloc(MAX(v->n, (size_t)1), sizeof(*v->owners));
	v->groups = calloc(MAX(v->n, (size_t)1), sizeof(*v->groups));
	if (!v->items || !v->owners || !v->groups)
		return -ENOMEM;
	for (size_t i = 0; i < v->n; i++) {
		struct item *it = &v->items[n];
		uint64_t changed = 0;

		*it = (struct item){.meta = &v->metas[i]};
		if (measure_item(v, it, &changed) < 0)
			continue; /* gone meanwhile */
		gc_group_of(it->meta, it->group);
		it->pinned = (keep_id && strcmp(it->meta->id, keep_id) == 0) ||
			     in_progress(it->meta, changed, v->now);
		it->owner = owner_of(v, it->meta->uid);
		it->grp = group_of(v, it->group, it->meta->uid);
		count_item(v, it, +1);
		n++;
	}
	v->n_items = n;
	return 0;
}

/* ---- removing ---- */

static void refresh_free(struct vacuum *v)
{
	uint64_t fs_size;

	if (v->keep_free && store_fs(v->store, &fs_size, &v->fs_free) < 0)
		v->keep_free = v->incoming = 0;
}

static void drop_item_core(struct vacuum *v, struct item *it, const char *why)
{
	int r;

	count_item(v, it, -1);
	it->core = false;
	count_item(v, it, +1);
	r = gc_store_drop_core(v->store, it->meta, why);
	if (r < 0) {
		gc_log_errno(LOG_WARNING, r, "Failed to remove the core of %s/%s", v->store->path,
			     it->meta->id);
		return;
	}
	gc_log(LOG_INFO,
	       "Removed the core of %s (%" PRIu64 " bytes, uid %" PRIi64 ", group %s): %s",
	       it->meta->id, it->core_bytes, it->meta->uid, it->group, why);
	v->used = sub_floor(v->used, it->core_bytes);
	v->removed.cores++;
	v->removed.bytes = add_saturating(v->removed.bytes, it->core_bytes);
	refresh_free(v);
}

static void remove_item(struct vacuum *v, struct item *it, const char *why)
{
	uint64_t bytes = 0;
	int r;

	count_item(v, it, -1);
	it->removed = true;
	r = remove_entry(v->store, it->meta->id, &bytes);
	if (r < 0) {
		gc_log_errno(LOG_WARNING, r, "Failed to remove %s/%s", v->store->path,
			     it->meta->id);
		return;
	}
	gc_log(LOG_INFO, "Removed %s (%" PRIu64 " bytes, uid %" PRIi64 ", group %s): %s",
	       it->meta->id, bytes, it->meta->uid, it->group, why);
	v->used = sub_floor(v->used, bytes);
	v->removed.entries++;
	v->removed.bytes = add_saturating(v->removed.bytes, bytes);
	refresh_free(v);
}

static bool removable(const struct item *it)
{
	return !it->pinned && !it->removed;
}

/* ---- the limits ---- */

static bool keep_free_broken(const struct vacuum *v)
{
	uint64_t needed = add_saturating(v->keep_free, v->incoming);

	return needed > 0 && v->fs_free < needed;
}

/* Names the space or core limit the store breaks, with its value, or returns false. */
static bool space_broken(const struct vacuum *v, bool with_cores, char *why, size_t size)
{
	char bytes[32];

	if (with_cores && v->max_cores > 0 && v->cores > v->max_cores) {
		snprintf(why, size, "evicted for MaxCores=%" PRIu64, v->max_cores);
		return true;
	}
	if (v->max_use > 0 && v->used > v->max_use) {
		gc_format_bytes(v->max_use, bytes, sizeof(bytes));
		snprintf(why, size, "evicted for MaxUse=%s", bytes);
		return true;
	}
	if (keep_free_broken(v)) {
		gc_format_bytes(v->keep_free, bytes, sizeof(bytes));
		snprintf(why, size, "evicted for KeepFree=%s", bytes);
		return true;
	}
	return false;
}

/* Only limits that removing every other core and entry would restore are pursued: a
 * filesystem filled by something else must not cost the store its crashes for nothing. */
static void drop_unreachable(struct vacuum *v)
{
	uint64_t bytes = 0, cores = 0, entries = 0;
	char a[32], b[32], c[32];

	for (size_t i = 0; i < v->n_items; i++) {
		const struct item *it = &v->items[i];

		if (!removable(it))
			continue;
		bytes = add_saturating(bytes, it->core_bytes + it->rest_bytes);
		cores += it->core;
		entries++;
	}
	if (keep_free_broken(v) &&
	    add_saturating(v->fs_free, bytes) < add_saturating(v->keep_free, v->incoming)) {
		gc_format_bytes(v->fs_free, a, sizeof(a));
		gc_format_bytes(v->incoming, b, sizeof(b));
		gc_format_bytes(v->keep_free, c, sizeof(c));
		gc_log(LOG_INFO,
		       "%s has %s free: removing entries cannot make %s more above KeepFree=%s, "
		       "so none is removed for it",
		       v->store->path, a, b, c);
		v->keep_free = v->incoming = 0;
	}
	if (v->max_use > 0 && v->used > v->max_use && v->used - bytes > v->max_use)
		v->max_use = 0;
	if (v->max_cores > 0 && v->cores - cores > v->max_cores)
		v->max_cores = 0;
	if (v->max_entries > 0 && v->entries - entries > v->max_entries)
		v->max_entries = 0;
}

static void age_pass(struct vacuum *v)
{
	const struct gc_space_policy *p = v->policy;
	char why[64];

	for (size_t i = 0; i < v->n_items; i++) {
		struct item *it = &v->items[i];
		uint64_t age = sub_floor(v->now, it->meta->time_usec);

		if (!removable(it))
			continue;
		if (p->max_entry_age_usec && age > p->max_entry_age_usec) {
			snprintf(why, sizeof(why), "older than MaxEntryAge=%" PRIu64 "s",
				 p->max_entry_age_usec / 1000000);
			remove_item(v, it, why);
		} else if (p->max_core_age_usec && it->core && age > p->max_core_age_usec) {
			snprintf(why, sizeof(why), "evicted, older than MaxCoreAge=%" PRIu64 "s",
				 p->max_core_age_usec / 1000000);
			drop_item_core(v, it, why);
		}
	}
}

/* Each group (of each user) keeps the cores of its first CoresPerSignature entries that hold
 * one. The
 * handler drops its own crash's core itself; this is for those it could not (killed) and
 * for a lowered setting. */
static void signature_pass(struct vacuum *v)
{
	uint64_t k = v->policy->cores_per_signature;
	char why[64];

	if (!v->policy->per_signature)
		return;
	snprintf(why, sizeof(why), "analysis only: CoresPerSignature=%" PRIu64, k);
	for (size_t g = 0; g < v->n_groups; g++) {
		uint64_t kept = 0;

		for (size_t i = 0; i < v->n_items; i++) {
			struct item *it = &v->items[i];

			if (it->grp != g || !it->core || it->removed)
				continue;
			if (kept < k || it->pinned)
				kept++;
			else
				drop_item_core(v, it, why);
		}
	}
}

enum which { ANY, WITH_CORE, WITHOUT_CORE };

/* The oldest removable entry of tally t (an owner or a group, by_group says which). */
static struct item *oldest_of(struct vacuum *v, size_t t, bool by_group, enum which which)
{
	for (size_t i = 0; i < v->n_items; i++) {
		struct item *it = &v->items[i];

		if (removable(it) && (by_group ? it->grp : it->owner) == t &&
		    (which == ANY || it->core == (which == WITH_CORE)))
			return it;
	}
	return NULL;
}

/* The oldest removable entry (of those `which` says) of the tally with the most of `what`
 * (0 entries, 1 cores, 2 core bytes, 3 bytes) among those with one. */
static struct item *worst(struct vacuum *v, bool by_group, int what, enum which which,
			  uint64_t *ret_amount)
{
	struct tally *tallies = by_group ? v->groups : v->owners;
	size_t n = by_group ? v->n_groups : v->n_owners;
	struct item *best = NULL;
	uint64_t best_amount = 0;

	for (size_t t = 0; t < n; t++) {
		uint64_t amount = what == 0   ? tallies[t].entries
				  : what == 1 ? tallies[t].cores
				  : what == 2 ? tallies[t].core_bytes
					      : tallies[t].bytes;
		struct item *it;

		if (best && amount <= best_amount)
			continue;
		it = oldest_of(v, t, by_group, which);
		if (it) {
			best = it;
			best_amount = amount;
		}
	}
	if (ret_amount)
		*ret_amount = best_amount;
	return best;
}

static void entries_pass(struct vacuum *v)
{
	char why[64];
	struct item *it;

	/* Those without a core first: the first cores of a bug outlive its repeats. */
	snprintf(why, sizeof(why), "removed for MaxEntries=%" PRIu64, v->max_entries);
	while (
	    v->max_entries > 0 && v->entries > v->max_entries &&
	    ((it = worst(v, true, 0, WITHOUT_CORE, NULL)) || (it = worst(v, true, 0, ANY, NULL))))
		remove_item(v, it, why);
}

/* The core to go: the oldest of the group with the most cores while one has two or more,
 * else the oldest of the user whose cores take the most (count them for MaxCores). */
static struct item *next_core(struct vacuum *v, bool by_count)
{
	uint64_t most;
	struct item *it = worst(v, true, 1, WITH_CORE, &most);

	if (it && most > 1)
		return it;
	return worst(v, false, by_count ? 1 : 2, WITH_CORE, NULL);
}

static void space_pass(struct vacuum *v)
{
	char why[64];
	struct item *it;

	while (space_broken(v, true, why, sizeof(why)) &&
	       (it = next_core(v, strstr(why, "MaxCores") != NULL)))
		drop_item_core(v, it, why);
	/* No core left to give: whole entries, the user holding the most first. */
	while (space_broken(v, false, why, sizeof(why)) && (it = worst(v, false, 3, ANY, NULL)))
		remove_item(v, it, why + strlen("evicted "));
}

/* Brings the store within the quota (never touching keep_id), after the stale .tmp-* went.
 * Called with the lock held. */
static int vacuum(struct gc_store *store, const struct gc_space_policy *policy,
		  const struct gc_vacuum_limits *limits, const char *keep_id,
		  struct gc_vacuum_stats *removed)
{
	struct vacuum v = {
	    .store = store,
	    .policy = policy,
	    .now = gc_clock_usec(CLOCK_REALTIME),
	    .max_use = limits->max_use,
	    .keep_free = limits->keep_free,
	    .incoming = limits->incoming,
	    .max_cores = limits->all ? policy->max_cores : 0,
	    .max_entries = limits->all ? policy->max_entries : 0,
	};
	int r;

	r = vacuum_tmp(store, NULL, NULL);
	if (r < 0)
		return r;
	r = gc_store_usage(store, &v.used, NULL, &v.fs_free);
	if (r >= 0)
		r = vacuum_load(&v, keep_id);
	if (r >= 0) {
		if (limits->all) {
			age_pass(&v);
			signature_pass(&v);
		}
		drop_unreachable(&v);
		entries_pass(&v);
		space_pass(&v);
		if (removed)
			*removed = v.removed;
	}
	vacuum_done(&v);
	/* The executables no entry refers to any more go with the last one that did, and the
	 * index names of removed entries with them. */
	if (r >= 0) {
		(void)gc_store_exe_collect(store);
		sweep_user_index(store);
	}
	return r;
}

/* ---- the space policy ---- */

/* A removal that fails is logged by the vacuum; the answer then says what is left. */
static void vacuum_under_lock(struct gc_store *store, const struct gc_space_policy *policy,
			      const struct gc_vacuum_limits *limits, const char *keep_id,
			      struct gc_vacuum_stats *removed)
{
	int r = gc_store_lock(store);

	if (r < 0) {
		gc_log_errno(LOG_WARNING, r, "Cannot lock store %s to make room", store->path);
		return;
	}
	r = vacuum(store, policy, limits, keep_id, removed);
	if (r < 0)
		gc_log_errno(LOG_WARNING, r, "Cannot vacuum store %s", store->path);
	gc_store_unlock(store);
}

/* Bytes of the entries other writers are writing now. */
static uint64_t others_writing(struct gc_store *store, const char *entry_id)
{
	_cleanup_closedir_ DIR *dir = NULL;
	uint64_t now = gc_clock_usec(CLOCK_REALTIME), total = 0;
	struct dirent *de;
	int fd;

	fd = opendir_at(store->dirfd, ".", false, &dir);
	if (fd < 0)
		return 0;
	while ((de = readdir(dir))) {
		const char *id = de->d_name + strlen(TMP_PREFIX);
		uint64_t bytes, newest;

		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0 ||
		    strncmp(de->d_name, DEL_PREFIX, strlen(DEL_PREFIX)) == 0 ||
		    (entry_id && strcmp(id, entry_id) == 0))
			continue;
		if (measure_dir(fd, de->d_name, &bytes, &newest) < 0 ||
		    newest + STALE_TMP_USEC <= now)
			continue;
		total = add_saturating(total, bytes);
	}
	return total;
}

int gc_store_make_room(struct gc_store *store, const struct gc_space_policy *policy,
		       const struct gc_room_request *req, struct gc_room *ret)
{
	struct gc_room room = {};
	struct gc_vacuum_stats removed = {};
	uint64_t fs_size, keep_free, max_use, needed, entry_bytes = req->entry_bytes;
	bool all = req->flags & GC_ROOM_ALL_LIMITS;
	int r;

	r = store_fs(store, &fs_size, &room.fs_free);
	if (r < 0)
		return r;
	keep_free = gc_size_resolve(&policy->keep_free, fs_size);
	max_use = gc_size_resolve(&policy->max_use, fs_size);
	needed = add_saturating(keep_free, req->incoming);
	if (!(req->flags & GC_ROOM_NO_REMOVE) && (all || room.fs_free < needed)) {
		struct gc_vacuum_limits limits = {
		    .keep_free = all && req->entry_bytes == 0 ? 0 : keep_free,
		    .incoming = req->incoming,
		    .max_use = all ? max_use : 0,
		    .all = all,
		};

		vacuum_under_lock(store, policy, &limits, req->keep_id, &removed);
		room.removed = removed.cores + removed.entries;
		r = store_fs(store, &fs_size, &room.fs_free);
		if (r < 0)
			return r;
	}
	room.headroom = room.fs_free > keep_free ? room.fs_free - keep_free : 0;
	if (max_use > 0 && !all)
		entry_bytes = add_saturating(entry_bytes, others_writing(store, req->entry_id));
	if (max_use > 0)
		room.headroom =
		    MIN(room.headroom, max_use > entry_bytes ? max_use - entry_bytes : 0);
	if (room.fs_free < needed) {
		room.limit = GC_ROOM_KEEP_FREE;
		room.limit_bytes = keep_free;
	} else if (max_use > 0 && add_saturating(entry_bytes, req->incoming) > max_use) {
		room.limit = GC_ROOM_MAX_USE;
		room.limit_bytes = max_use;
	}
	*ret = room;
	return 0;
}

/* ---- what gocrashctl asks for ---- */

int gc_store_vacuum(struct gc_store *store, const struct gc_space_policy *policy,
		    struct gc_vacuum_stats *ret)
{
	struct gc_vacuum_stats removed = {};
	struct gc_vacuum_limits limits = {.all = true};
	uint64_t fs_size, fs_free;
	int r;

	r = store_fs(store, &fs_size, &fs_free);
	if (r < 0)
		return r;
	limits.max_use = gc_size_resolve(&policy->max_use, fs_size);
	limits.keep_free = gc_size_resolve(&policy->keep_free, fs_size);
	r = gc_store_lock(store);
	if (r < 0)
		return r;
	r = vacuum(store, policy, &limits, NULL, &removed);
	gc_store_unlock(store);
	if (r >= 0 && ret)
		*ret = removed;
	return r;
}

/* Removes one selected entry, unless its handler is still at work (-EBUSY). */
static int remove_selected(struct gc_store *store, const struct gc_meta *meta, uint64_t now,
			   uint64_t *bytes)
{
	uint64_t size, changed;
	int r;

	r = measure_dir(store->dirfd, meta->id, &size, &changed);
	if (r < 0)
		return r;
	if (in_progress(meta, changed, now))
		return -EBUSY;
	return remove_entry(store, meta->id, bytes);
}

/* The selected entries, under the lock: a single ID prefix must name one. */
static int select_for_removal(struct gc_store *store, const struct gc_selection *sel,
			      struct gc_meta **ret, size_t *n_ret)
{
	struct gc_meta *metas = NULL;
	size_t n = 0, kept = 0;
	int r;

	r = list_entries(store, true, &metas, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (!gc_selection_matches(sel, &metas[i])) {
			gc_meta_free(&metas[i]);
			continue;
		}
		metas[kept++] = metas[i];
	}
	if (kept == 0 || (kept > 1 && gc_selection_is_id(sel))) {
		gc_meta_array_free(metas, kept);
		return kept == 0 ? -ENOENT : -EINVAL;
	}
	*ret = metas;
	*n_ret = kept;
	return 0;
}

int gc_store_remove(struct gc_store *store, const struct gc_selection *sel,
		    gc_store_removed_fn removed, void *userdata, unsigned *n_ret)
{
	uint64_t now = gc_clock_usec(CLOCK_REALTIME);
	struct gc_meta *metas = NULL;
	unsigned count = 0;
	size_t n = 0;
	int r;

	if (sel->n_matches == 0 && !sel->since_usec && !sel->until_usec)
		return -EINVAL;
	r = gc_store_lock(store);
	if (r < 0)
		return r;
	r = select_for_removal(store, sel, &metas, &n);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		uint64_t bytes = 0;
		int q = remove_selected(store, &metas[i], now, &bytes);

		count += q >= 0;
		if (removed)
			removed(&metas[i], q, bytes, userdata);
	}
	if (r >= 0)
		(void)gc_store_exe_collect(store);
	gc_store_unlock(store);
	gc_meta_array_free(metas, n);
	if (r >= 0 && n_ret)
		*n_ret = count;
	return r;
}
