/* SPDX-License-Identifier: MIT */
/* Crash groups (groups.h). A group file is small and rewritten whole: read, counted into,
 * written under a hidden name and renamed over the old one, all under the store lock, so a
 * reader sees the old count or the new one and two handlers never lose each other's crash. */
#include "groups.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "journal.h"
#include "macro.h"
#include "util.h"

#define GROUPS_DIR     ".groups"
#define GROUP_VERSION  "1"
#define GROUP_FILE_MAX (64u << 10) /* a group file is a few hundred bytes */
#define DELETED_SUFFIX " (deleted)"

/* ---- the group of a crash ---- */

/* FNV-1a 64 over len bytes, as the Go signature hashes (lib/analysis/gosignature.c), which the
 * root side may not include. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

bool gc_group_id_valid(const char *s)
{
	if (!s || strlen(s) != GC_GROUP_LEN)
		return false;
	for (size_t i = 0; i < GC_GROUP_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* The executable's path as the kernel gave it, without the " (deleted)" a redeploy adds, so
 * that the crashes before and after one stay one group. */
static size_t exe_len(const char *exe)
{
	size_t len = strlen(exe);

	if (gc_ends_with(exe, DELETED_SUFFIX))
		len -= strlen(DELETED_SUFFIX);
	return len;
}

void gc_group_of(const struct gc_meta *meta, char ret[GC_GROUP_LEN + 1])
{
	const char *exe = meta->exe ? meta->exe : meta->comm ? meta->comm : "";
	uint64_t h = 0xcbf29ce484222325ull;
	char signal[16];

	if (gc_group_id_valid(meta->go_signature)) {
		memcpy(ret, meta->go_signature, GC_GROUP_LEN + 1);
		return;
	}
	snprintf(signal, sizeof(signal), "%d", meta->signal);
	h = fnv1a(h, exe, exe_len(exe));
	h = fnv1a(h, "", 1); /* the NUL: "/bin/a" "11" is not "/bin/a1" "1" */
	h = fnv1a(h, signal, strlen(signal));
	snprintf(ret, GC_GROUP_LEN + 1, "%016" PRIx64, h);
}

/* The group an entry belongs to: the one it recorded, else (an entry of an earlier version)
 * the one its meta gives. */
static const char *entry_group(const struct gc_meta *meta, char buf[GC_GROUP_LEN + 1])
{
	if (gc_group_id_valid(meta->group))
		return meta->group;
	gc_group_of(meta, buf);
	return buf;
}

/* ---- the struct ---- */

static void values_free(char *values[GC_GROUP_VALUES])
{
	for (size_t i = 0; i < GC_GROUP_VALUES; i++)
		free(values[i]);
}

void gc_group_done(struct gc_group *group)
{
	if (!group)
		return;
	free(group->last_id);
	free(group->reason);
	free(group->crash_site);
	values_free(group->units);
	values_free(group->exes);
	values_free(group->go_versions);
	*group = (struct gc_group){};
}

void gc_group_array_free(struct gc_group *groups, size_t n)
{
	for (size_t i = 0; groups && i < n; i++)
		gc_group_done(&groups[i]);
	free(groups);
}

/* The values are packed at the front, oldest first. */
static size_t values_count(char *const values[GC_GROUP_VALUES])
{
	size_t n = 0;

	while (n < GC_GROUP_VALUES && values[n])
		n++;
	return n;
}

/* Makes len bytes of value the newest: moved to the end when known, else appended, the
 * oldest dropped when the list is full. Empty values are not kept. Returns 0 or -ENOMEM
 * (the list unchanged). */
static int values_add(char *values[GC_GROUP_VALUES], const char *value, size_t len)
{
	size_t n = values_count(values);
	char *copy = NULL;

	if (!value || len == 0 || memchr(value, '\0', len))
		return 0;
	for (size_t i = 0; i < n && !copy; i++)
		if (strlen(values[i]) == len && memcmp(values[i], value, len) == 0) {
			copy = values[i];
			memmove(&values[i], &values[i + 1], (n - i - 1) * sizeof(*values));
			values[--n] = NULL;
		}
	if (!copy && !(copy = strndup(value, len)))
		return -ENOMEM;
	if (n == GC_GROUP_VALUES) {
		free(values[0]);
		memmove(&values[0], &values[1], (n - 1) * sizeof(*values));
		n--;
	}
	values[n] = copy;
	return 0;
}

static int values_add_string(char *values[GC_GROUP_VALUES], const char *value)
{
	return value ? values_add(values, value, strlen(value)) : 0;
}

/* Replaces *field by the first line of value. */
static int set_first_line(char **field, const char *value)
{
	char *copy = strndup(value, strcspn(value, "\n"));

	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

/* The most specific service the crash ran in: the one inside its container, its user unit,
 * or the host's unit. */
static const char *unit_of(const struct gc_meta *meta)
{
	return meta->container_unit ? meta->container_unit
	       : meta->user_unit    ? meta->user_unit
				    : meta->unit;
}

/* What a crash says of its group's latest state: its entry, reason and crash site, over the
 * group's when replace (it is the latest crash), else only where the group has none. What
 * it does not say (a rate-limited crash is not analysed) stays the group's. */
static int add_state(struct gc_group *g, const struct gc_meta *meta, bool replace)
{
	const char *reason = meta->go_reason;
	int r = 0;

	if (meta->id && (replace || !g->last_id))
		r = gc_meta_set_string(&g->last_id, meta->id);
	if (r >= 0 && reason && reason[0] != '\0' && (replace || !g->reason))
		r = set_first_line(&g->reason, reason);
	else if (r >= 0 && !g->reason && meta->signal > 0)
		r = gc_meta_set_string(&g->reason, gc_signal_name(meta->signal));
	if (r >= 0 && meta->go_crash_site && meta->go_crash_site[0] != '\0' &&
	    (replace || !g->crash_site))
		r = gc_meta_set_string(&g->crash_site, meta->go_crash_site);
	return r;
}

/* Counts n crashes like meta into g (not into its entries or cores). A crash older than the
 * group's last (an entry recovered late) counts, fills gaps and adds its values as the newest
 * all the same, which is close enough for a list of them. Returns 0 or -ENOMEM (g then
 * valid, partly updated). */
static int group_add(struct gc_group *g, const struct gc_meta *meta, uint64_t n)
{
	bool latest = meta->time_usec >= g->last_usec;
	const char *exe = meta->exe;
	int r;

	if (g->count == 0 || g->first_usec == 0 ||
	    (meta->time_usec && meta->time_usec < g->first_usec))
		g->first_usec = meta->time_usec;
	g->count = g->count + n < g->count ? UINT64_MAX : g->count + n;
	if (latest)
		g->last_usec = meta->time_usec;
	r = add_state(g, meta, latest);
	if (r >= 0)
		r = values_add_string(g->units, unit_of(meta));
	if (r >= 0 && exe)
		r = values_add(g->exes, exe, exe_len(exe));
	if (r >= 0)
		r = values_add_string(g->go_versions, meta->go_version);
	return r;
}

/* An entry, counted into a group that has no file: its crash once, or as many as the count it
 * recorded when that says more (its group file was lost), from its group's first time. */
static int group_add_entry(struct gc_group *g, const struct gc_meta *meta)
{
	int r = group_add(g, meta, 1);

	if (r < 0)
		return r;
	if (GC_META_HAS(meta, group_count) && meta->group_count > g->count)
		g->count = meta->group_count;
	if (GC_META_HAS(meta, group_first_usec) && meta->group_first_usec &&
	    meta->group_first_usec < g->first_usec)
		g->first_usec = meta->group_first_usec;
	return 0;
}

/* ---- the file ---- */

static void format_values(FILE *f, const char *key, char *const values[GC_GROUP_VALUES])
{
	for (size_t i = 0; i < GC_GROUP_VALUES && values[i]; i++)
		gc_line_put(f, key, values[i]);
}

int gc_group_format(const struct gc_group *group, char **ret)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f;
	int r;

	if (!gc_group_id_valid(group->id))
		return -EINVAL;
	f = open_memstream(&text, &size);
	if (!f)
		return -ENOMEM;
	fprintf(f,
		"version=" GROUP_VERSION "\nid=%s\ncount=%" PRIu64 "\nfirst_usec=%" PRIu64
		"\nlast_usec=%" PRIu64 "\n",
		group->id, group->count, group->first_usec, group->last_usec);
	gc_line_put(f, "last_id", group->last_id);
	gc_line_put(f, "reason", group->reason);
	gc_line_put(f, "crash_site", group->crash_site);
	format_values(f, "unit", group->units);
	format_values(f, "exe", group->exes);
	format_values(f, "go_version", group->go_versions);
	r = ferror(f) ? -ENOMEM : 0;
	if (fclose(f) != 0 || r < 0) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	return 0;
}

/* Digits only, the whole string, no overflow. */
static int parse_u64(const char *s, uint64_t *ret)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - (*s - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	*ret = v;
	return 0;
}

/* Applies key=value (value unescaped, NUL-free). Values that are not of their key's type are
 * skipped, as are unknown keys (a newer version's). Returns 0 or -ENOMEM. */
static int apply(struct gc_group *g, const char *key, const char *value)
{
	uint64_t *number = strcmp(key, "count") == 0	    ? &g->count
			   : strcmp(key, "first_usec") == 0 ? &g->first_usec
			   : strcmp(key, "last_usec") == 0  ? &g->last_usec
							    : NULL;

	if (number) {
		(void)parse_u64(value, number);
		return 0;
	}
	if (strcmp(key, "id") == 0) {
		if (gc_group_id_valid(value))
			memcpy(g->id, value, GC_GROUP_LEN + 1);
		else
			g->id[0] = '\0'; /* a bad id makes the file bad, even after a good one */
		return 0;
	}
	if (strcmp(key, "last_id") == 0)
		return gc_meta_set_string(&g->last_id, value);
	if (strcmp(key, "reason") == 0)
		return gc_meta_set_string(&g->reason, value);
	if (strcmp(key, "crash_site") == 0)
		return gc_meta_set_string(&g->crash_site, value);
	if (strcmp(key, "unit") == 0)
		return values_add_string(g->units, value);
	if (strcmp(key, "exe") == 0)
		return values_add_string(g->exes, value);
	if (strcmp(key, "go_version") == 0)
		return values_add_string(g->go_versions, value);
	return 0; /* version, and keys this version does not know */
}

/* One line without its newline. A line without '=', with a bad escape or a NUL is skipped. */
static int parse_line(struct gc_group *g, const char *line, size_t len)
{
	const char *eq = memchr(line, '=', len);
	_cleanup_free_ char *key = NULL, *value = NULL;
	size_t value_len;

	if (!eq || eq == line || memchr(line, '\0', eq - line))
		return 0;
	key = strndup(line, eq - line);
	value = malloc(len - (eq + 1 - line) + 1);
	if (!key || !value)
		return -ENOMEM;
	if (gc_line_unescape(eq + 1, len - (eq + 1 - line), value, &value_len) < 0 ||
	    strlen(value) != value_len)
		return 0;
	return apply(g, key, value);
}

int gc_group_parse(const char *text, size_t size, struct gc_group *ret)
{
	struct gc_group g = {};
	size_t pos = 0;

	while (pos < size) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - line) : size - pos;

		if (parse_line(&g, line, len) < 0) {
			gc_group_done(&g);
			return -ENOMEM;
		}
		pos += len + 1;
	}
	if (!gc_group_id_valid(g.id)) {
		gc_group_done(&g);
		return -EBADMSG;
	}
	*ret = g;
	return 0;
}

/* ---- STORE/.groups ---- */

/* Opens STORE/.groups, never through a symlink, creating it (0700) if asked. It must be a
 * directory of root's or ours that nobody else can write; readable by others (made by hand)
 * it is tightened (not by a read-only store's reader): group files hold reasons, paths and
 * units. */
static int open_groups_dir(struct gc_store *store, bool create)
{
	_cleanup_close_ int fd = -EBADF;
	int store_fd = gc_store_dirfd(store);
	struct stat st;

	if (create && gc_store_is_read_only(store))
		return -EROFS;
	if (create && mkdirat(store_fd, GROUPS_DIR, 0700) < 0 && errno != EEXIST)
		return negative_errno();
	fd = openat(store_fd, GROUPS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022))
		return -EPERM;
	if ((st.st_mode & 077) && !gc_store_is_read_only(store) && fchmod(fd, 0700) < 0)
		return negative_errno();
	return TAKE_FD(fd);
}

/* Reads dir_fd/name, a regular file (never a symlink, a FIFO or a device put there) of at
 * most GROUP_FILE_MAX bytes. */
static int read_small_file(int dir_fd, const char *name, char **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;

	fd = gc_open_regular_at(dir_fd, name);
	if (fd < 0)
		return fd;
	buf = malloc(GROUP_FILE_MAX + 1);
	if (!buf)
		return -ENOMEM;
	while (size <= GROUP_FILE_MAX) {
		ssize_t n = read(fd, buf + size, GROUP_FILE_MAX + 1 - size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		size += n;
	}
	if (size > GROUP_FILE_MAX)
		return -EFBIG;
	*ret = TAKE_PTR(buf);
	*ret_size = size;
	return 0;
}

/* Reads the file of group id; -EBADMSG when it names another group. */
static int read_group_at(int dir_fd, const char *id, struct gc_group *ret)
{
	_cleanup_free_ char *text = NULL;
	struct gc_group g;
	size_t size;
	int r;

	r = read_small_file(dir_fd, id, &text, &size);
	if (r < 0)
		return r;
	r = gc_group_parse(text, size, &g);
	if (r < 0)
		return r;
	if (strcmp(g.id, id) != 0) {
		gc_group_done(&g);
		return -EBADMSG;
	}
	*ret = g;
	return 0;
}

/* Writes the group's file whole: .ID.new, fsynced, renamed over ID, the directory fsynced.
 * Under the store lock, so the hidden name is ours; one a killed writer left is replaced. */
static int write_group_at(int dir_fd, const struct gc_group *g)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -EBADF;
	char hidden[GC_GROUP_LEN + 8];
	int r;

	r = gc_group_format(g, &text);
	if (r < 0)
		return r;
	snprintf(hidden, sizeof(hidden), ".%s.new", g->id);
	(void)unlinkat(dir_fd, hidden, 0);
	fd = openat(dir_fd, hidden, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return negative_errno();
	r = gc_write_all(fd, text, strlen(text));
	if (r >= 0 && fsync(fd) < 0)
		r = negative_errno();
	if (r >= 0 && close(TAKE_FD(fd)) < 0)
		r = negative_errno();
	if (r >= 0 && renameat(dir_fd, hidden, dir_fd, g->id) < 0)
		r = negative_errno();
	if (r < 0) {
		(void)unlinkat(dir_fd, hidden, 0);
		return r;
	}
	return fsync(dir_fd) < 0 ? negative_errno() : 0;
}

/* ---- listing ---- */

struct group_list {
	struct gc_group *groups;
	size_t n;
	bool *from_file; /* whether groups[i] came from its file (else from its entries) */
};

static void group_list_done(struct group_list *list)
{
	gc_group_array_free(list->groups, list->n);
	free(list->from_file);
	*list = (struct group_list){};
}

static struct gc_group *group_list_find(struct group_list *list, const char *id)
{
	for (size_t i = 0; i < list->n; i++)
		if (strcmp(list->groups[i].id, id) == 0)
			return &list->groups[i];
	return NULL;
}

/* Appends an empty group id (a copy of *g when g is not NULL, which is then taken). */
static struct gc_group *group_list_add(struct group_list *list, const char *id, struct gc_group *g,
				       bool from_file)
{
	struct gc_group *groups = gc_grow(list->groups, list->n, sizeof(*groups));
	bool *flags;

	if (!groups)
		return NULL;
	list->groups = groups;
	flags = gc_grow(list->from_file, list->n, sizeof(*flags));
	if (!flags)
		return NULL;
	list->from_file = flags;
	groups[list->n] = g ? *g : (struct gc_group){};
	memcpy(groups[list->n].id, id, GC_GROUP_LEN + 1);
	flags[list->n] = from_file;
	return &groups[list->n++];
}

/* The group files; one unreadable or damaged is left out (its entries still give it). only:
 * just that group's file, when not NULL. */
static int read_group_files(struct gc_store *store, const char *only, struct group_list *list)
{
	_cleanup_closedir_ DIR *dir = NULL;
	int fd = open_groups_dir(store, false);
	struct dirent *de;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	dir = fdopendir(fd);
	if (!dir) {
		int r = negative_errno();

		close(fd);
		return r;
	}
	while ((de = readdir(dir))) {
		struct gc_group g;
		int r;

		if (!gc_group_id_valid(de->d_name) || (only && strcmp(de->d_name, only) != 0))
			continue;
		r = read_group_at(fd, de->d_name, &g);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			continue;
		if (!group_list_add(list, g.id, &g, true)) {
			gc_group_done(&g);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Counts each entry (skip_id's aside) into its group's entries and cores; a group without a
 * file is made from its entries. only: just that group's, when not NULL. */
static int count_entries(struct gc_store *store, const char *only, const char *skip_id,
			 struct group_list *list)
{
	struct gc_meta *metas = NULL;
	size_t n = 0;
	int r;

	r = gc_store_list(store, &metas, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++) {
		char buf[GC_GROUP_LEN + 1];
		const char *id = entry_group(&metas[i], buf);
		struct gc_group *g = group_list_find(list, id);

		if ((only && strcmp(id, only) != 0) ||
		    (skip_id && strcmp(metas[i].id, skip_id) == 0))
			continue;
		if (!g && !(g = group_list_add(list, id, NULL, false))) {
			r = -ENOMEM;
			break;
		}
		if (!list->from_file[g - list->groups])
			r = group_add_entry(g, &metas[i]);
		g->entries++;
		g->cores += metas[i].core_stored;
	}
	gc_meta_array_free(metas, n);
	return r;
}

/* ---- counting ---- */

/* Made by the first record in a store: every group file of the entries before it exists. */
#define SEEDED_MARK ".seeded"

/* A store of an earlier version (or one whose .groups was removed) has entries but no group
 * files: they are made from the entries once, all at a time, skip_id aside (the crash being
 * recorded, which may be committed already: it is counted once, by the caller). Afterwards a
 * group without a file is a new one, and recording it lists nothing under the lock. */
static int seed_groups(struct gc_store *store, int dir_fd, const char *skip_id)
{
	_cleanup_close_ int fd = -EBADF;
	struct group_list list = {};
	int r;

	if (faccessat(dir_fd, SEEDED_MARK, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return negative_errno();
	r = count_entries(store, NULL, skip_id, &list);
	for (size_t i = 0; i < list.n && r >= 0; i++)
		r = write_group_at(dir_fd, &list.groups[i]);
	group_list_done(&list);
	if (r < 0)
		return r;
	fd = openat(dir_fd, SEEDED_MARK, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fsync(fd) < 0 || fsync(dir_fd) < 0)
		return negative_errno();
	return 0;
}

/* A group whose file is damaged, made again from its entries (skip_id's aside). */
static int group_from_entries(struct gc_store *store, const char *id, const char *skip_id,
			      struct gc_group *ret)
{
	struct group_list list = {};
	int r = count_entries(store, id, skip_id, &list);

	if (r < 0)
		return r;
	*ret = list.n ? list.groups[0] : (struct gc_group){};
	memcpy(ret->id, id, GC_GROUP_LEN + 1);
	ret->entries = ret->cores = 0;
	if (list.n)
		list.groups[0] = (struct gc_group){};
	group_list_done(&list);
	return 0;
}

static int record_locked(struct gc_store *store, const struct gc_meta *meta, uint64_t n,
			 struct gc_group *ret)
{
	_cleanup_close_ int dir_fd = -EBADF;
	struct gc_group g = {};
	int r;

	dir_fd = open_groups_dir(store, true);
	if (dir_fd < 0)
		return dir_fd;
	r = seed_groups(store, dir_fd, meta->id);
	if (r >= 0)
		r = read_group_at(dir_fd, meta->group, &g);
	if (r == -ENOENT) {
		memcpy(g.id, meta->group, GC_GROUP_LEN + 1);
		r = 0;
	} else if (r == -EBADMSG || r == -EFBIG) {
		r = group_from_entries(store, meta->group, meta->id, &g);
	}
	if (r >= 0)
		r = group_add(&g, meta, n);
	if (r >= 0)
		r = write_group_at(dir_fd, &g);
	if (r < 0 || !ret)
		gc_group_done(&g);
	else
		*ret = g;
	return r;
}

int gc_group_record(struct gc_store *store, const struct gc_meta *meta, uint64_t n,
		    struct gc_group *ret)
{
	int r;

	if (!gc_group_id_valid(meta->group))
		return -EINVAL;
	r = gc_store_lock(store);
	if (r < 0)
		return r;
	r = record_locked(store, meta, n, ret);
	gc_store_unlock(store);
	return r;
}

static int compare_group(const void *a, const void *b)
{
	const struct gc_group *x = a, *y = b;

	if (x->last_usec != y->last_usec)
		return x->last_usec < y->last_usec ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int collect(struct gc_store *store, const char *only, struct group_list *list)
{
	int r = read_group_files(store, only, list);

	if (r >= 0)
		r = count_entries(store, only, NULL, list);
	if (r < 0)
		group_list_done(list);
	return r;
}

int gc_groups_list(struct gc_store *store, struct gc_group **ret, size_t *n_ret)
{
	struct group_list list = {};
	int r = collect(store, NULL, &list);

	if (r < 0)
		return r;
	if (list.n > 0)
		qsort(list.groups, list.n, sizeof(*list.groups), compare_group);
	free(list.from_file);
	*ret = list.groups;
	*n_ret = list.n;
	return 0;
}

int gc_group_get(struct gc_store *store, const char *id, struct gc_group *ret)
{
	struct group_list list = {};
	int r;

	if (!gc_group_id_valid(id))
		return -EINVAL;
	r = collect(store, id, &list);
	if (r < 0)
		return r;
	if (list.n == 0) {
		group_list_done(&list);
		return -ENOENT;
	}
	*ret = list.groups[0];
	list.groups[0] = (struct gc_group){};
	group_list_done(&list);
	return 0;
}
