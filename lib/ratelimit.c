/* SPDX-License-Identifier: MIT */
#include "ratelimit.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "escape.h"
#include "groups.h"
#include "journal.h"
#include "log.h"
#include "macro.h"
#include "util.h"

#define STATE_MAX_SIZE (64u << 10)
/* A state whose interval ended this long ago holds nothing a decision needs. */
#define STATE_KEEP_USEC (24ull * 3600 * 1000000)
#define NEW_SUFFIX	".new"

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

void gc_ratelimit_key_hash(const char *key, char ret[GC_RATELIMIT_GROUP_LEN + 1])
{
	snprintf(ret, GC_RATELIMIT_GROUP_LEN + 1, "%016" PRIx64, fnv1a64(key));
}

static bool is_hex_id(const char *s)
{
	return strlen(s) == GC_RATELIMIT_GROUP_LEN &&
	       strspn(s, "0123456789abcdef") == GC_RATELIMIT_GROUP_LEN;
}

static bool has_text(const char *s)
{
	return s && *s;
}

char *gc_ratelimit_key(const struct gc_meta *meta)
{
	const char *inner = has_text(meta->user_unit)	     ? meta->user_unit
			    : has_text(meta->container_unit) ? meta->container_unit
							     : NULL;
	const char *innermost = inner ? inner : meta->unit;
	char *key = NULL;

	if (has_text(meta->unit) && gc_ends_with(innermost, ".service")) {
		/* A user service has the user manager's unit too (proc.c): the same one. */
		if (!inner || strcmp(inner, meta->unit) == 0)
			return strdup(meta->unit);
		return asprintf(&key, "%s/%s", meta->unit, inner) < 0 ? NULL : key;
	}
	return has_text(meta->exe) ? strdup(meta->exe) : NULL;
}

void gc_ratelimit_done(struct gc_ratelimit *state)
{
	free(state->key);
	free(state->unit);
	free(state->user_unit);
	free(state->container_unit);
	free(state->exe);
	free(state->comm);
	*state = (struct gc_ratelimit){.uid = -1};
}

/* ---- the file ---- */

int gc_ratelimit_format(const struct gc_ratelimit *s, char **ret)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return -ENOMEM;
	fprintf(f, "version=1\n");
	gc_line_put(f, "key", s->key);
	fprintf(f,
		"interval_usec=%" PRIu64 "\nstart_usec=%" PRIu64 "\ncrashes=%" PRIu64
		"\nsuppressed=%" PRIu64 "\nsummary_usec=%" PRIu64 "\nungrouped=%" PRIu64
		"\nlast_usec=%" PRIu64 "\nlooping=%" PRIu64 "\nsignal=%d\n",
		s->interval_usec, s->start_usec, s->crashes, s->suppressed, s->summary_usec,
		s->ungrouped, s->last_usec, s->looping, s->signal);
	if (s->group[0])
		fprintf(f, "group=%s\n", s->group);
	gc_line_put(f, "unit", s->unit);
	gc_line_put(f, "user_unit", s->user_unit);
	gc_line_put(f, "container_unit", s->container_unit);
	gc_line_put(f, "exe", s->exe);
	gc_line_put(f, "comm", s->comm);
	if (s->uid >= 0)
		fprintf(f, "uid=%" PRId64 "\n", s->uid);
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	return 0;
}

static bool parse_u64(const char *value, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!*value || *value == '-' || *value == ' ')
		return false;
	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

static int set_field(struct gc_ratelimit *s, const char *name, const char *value)
{
	static const struct {
		const char *name;
		size_t offset;
	} strings[] = {
	    {"key", offsetof(struct gc_ratelimit, key)},
	    {"unit", offsetof(struct gc_ratelimit, unit)},
	    {"user_unit", offsetof(struct gc_ratelimit, user_unit)},
	    {"container_unit", offsetof(struct gc_ratelimit, container_unit)},
	    {"exe", offsetof(struct gc_ratelimit, exe)},
	    {"comm", offsetof(struct gc_ratelimit, comm)},
	};
	static const struct {
		const char *name;
		size_t offset;
	} numbers[] = {
	    {"interval_usec", offsetof(struct gc_ratelimit, interval_usec)},
	    {"start_usec", offsetof(struct gc_ratelimit, start_usec)},
	    {"crashes", offsetof(struct gc_ratelimit, crashes)},
	    {"suppressed", offsetof(struct gc_ratelimit, suppressed)},
	    {"summary_usec", offsetof(struct gc_ratelimit, summary_usec)},
	    {"ungrouped", offsetof(struct gc_ratelimit, ungrouped)},
	    {"last_usec", offsetof(struct gc_ratelimit, last_usec)},
	    {"looping", offsetof(struct gc_ratelimit, looping)},
	};
	uint64_t number;

	for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
		char **field = (char **)((char *)s + strings[i].offset);

		if (strcmp(name, strings[i].name) != 0)
			continue;
		free(*field);
		*field = strdup(value);
		return *field ? 0 : -ENOMEM;
	}
	for (size_t i = 0; i < ELEMENTSOF(numbers); i++)
		if (strcmp(name, numbers[i].name) == 0 && parse_u64(value, &number))
			*(uint64_t *)((char *)s + numbers[i].offset) = number;
	if (strcmp(name, "group") == 0 && is_hex_id(value))
		memcpy(s->group, value, GC_RATELIMIT_GROUP_LEN + 1);
	if (strcmp(name, "uid") == 0 && parse_u64(value, &number) && number <= INT64_MAX)
		s->uid = (int64_t)number;
	if (strcmp(name, "signal") == 0 && parse_u64(value, &number) && number <= 1024)
		s->signal = (int)number;
	return 0;
}

/* One "name=value" line of len bytes at line (no newline); a bad one is skipped. */
static int parse_line(struct gc_ratelimit *s, const char *line, size_t len)
{
	const char *eq = memchr(line, '=', len);
	_cleanup_free_ char *name = NULL, *value = NULL;
	size_t value_len;

	if (!eq || eq == line)
		return 0;
	name = strndup(line, eq - line);
	value = malloc(len - (eq - line));
	if (!name || !value)
		return -ENOMEM;
	if (gc_line_unescape(eq + 1, len - (eq - line) - 1, value, &value_len) < 0)
		return 0;
	if (strlen(value) != value_len || strlen(name) != (size_t)(eq - line))
		return 0; /* a NUL inside: no string of ours holds one */
	return set_field(s, name, value);
}

int gc_ratelimit_parse(const char *text, size_t size, struct gc_ratelimit *ret)
{
	struct gc_ratelimit s = {.uid = -1};
	const char *end = text + size;

	while (text < end) {
		const char *nl = memchr(text, '\n', end - text);
		size_t len = nl ? (size_t)(nl - text) : (size_t)(end - text);
		int r = parse_line(&s, text, len);

		if (r < 0) {
			gc_ratelimit_done(&s);
			return r;
		}
		text += len + 1;
	}
	if (!s.key) {
		gc_ratelimit_done(&s);
		return -EBADMSG;
	}
	s.looping = s.looping != 0;
	*ret = s;
	return 0;
}

/* STORE/.ratelimit, created 0700 when create; never through a symlink. */
static int open_dir(struct gc_store *store, bool create)
{
	int dir_fd = gc_store_dirfd(store), fd;

	if (create && mkdirat(dir_fd, GC_RATELIMIT_DIR, 0700) < 0 && errno != EEXIST)
		return negative_errno();
	fd = openat(dir_fd, GC_RATELIMIT_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? negative_errno() : fd;
}

static int read_all(int fd, char **ret, size_t *ret_size)
{
	_cleanup_free_ char *buf = malloc(STATE_MAX_SIZE);
	size_t size = 0;

	if (!buf)
		return -ENOMEM;
	while (size < STATE_MAX_SIZE) {
		ssize_t n = read(fd, buf + size, STATE_MAX_SIZE - size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		size += n;
	}
	if (size == STATE_MAX_SIZE)
		return -EFBIG;
	*ret = TAKE_PTR(buf);
	*ret_size = size;
	return 0;
}

/* The state named name in the directory; -ENOENT when absent, -EBADMSG when unreadable. */
static int read_state_at(int dir_fd, const char *name, struct gc_ratelimit *ret)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *text = NULL;
	size_t size;
	int r;

	fd = gc_open_regular_at(dir_fd, name);
	if (fd < 0)
		return fd == -EINVAL ? -EBADMSG : fd;
	r = read_all(fd, &text, &size);
	if (r < 0)
		return r == -ENOMEM ? r : -EBADMSG;
	return gc_ratelimit_parse(text, size, ret);
}

/* The key's state, or a fresh one (also for a file of another key: a hash collision). */
static int load_state(int dir_fd, const char *key, struct gc_ratelimit *ret)
{
	char name[GC_RATELIMIT_GROUP_LEN + 1];
	struct gc_ratelimit s = {.uid = -1};
	int r = -ENOENT;

	gc_ratelimit_key_hash(key, name);
	if (dir_fd >= 0)
		r = read_state_at(dir_fd, name, &s);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || strcmp(s.key, key) != 0) {
		gc_ratelimit_done(&s);
		s.key = strdup(key);
		if (!s.key)
			return -ENOMEM;
	}
	*ret = s;
	return 0;
}

/* Under the store lock: NAME.new, fsynced, renamed over NAME. */
static int write_state(int dir_fd, const struct gc_ratelimit *s)
{
	char name[GC_RATELIMIT_GROUP_LEN + 1], tmp[GC_RATELIMIT_GROUP_LEN + sizeof(NEW_SUFFIX)];
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -EBADF;
	int r;

	r = gc_ratelimit_format(s, &text);
	if (r < 0)
		return r;
	gc_ratelimit_key_hash(s->key, name);
	snprintf(tmp, sizeof(tmp), "%s%s", name, NEW_SUFFIX);
	fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return negative_errno();
	r = gc_write_all(fd, text, strlen(text));
	if (r >= 0 && fsync(fd) < 0)
		r = negative_errno();
	if (r >= 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
		r = negative_errno();
	if (r < 0)
		(void)unlinkat(dir_fd, tmp, 0);
	return r;
}

/* ---- decisions ---- */

static bool interval_over(const struct gc_ratelimit *s, uint64_t now_usec)
{
	return s->start_usec == 0 || now_usec < s->start_usec ||
	       now_usec - s->start_usec >= s->interval_usec;
}

/* A crash loop that goes on stores one crash an interval, not the burst (ratelimit.h). */
static unsigned burst_of(const struct gc_ratelimit *s, const struct gc_ratelimit_policy *policy)
{
	return s->looping ? 1 : policy->burst;
}

int gc_ratelimit_check(struct gc_store *store, const struct gc_ratelimit_policy *policy,
		       const char *key, uint64_t now_usec, struct gc_ratelimit *ret)
{
	_cleanup_close_ int dir_fd = -EBADF;
	struct gc_ratelimit s;
	bool suppress;
	int r;

	if (policy->interval_usec == 0 || !key)
		return 0;
	dir_fd = open_dir(store, false);
	r = load_state(dir_fd, key, &s);
	if (r < 0)
		return r;
	suppress = !interval_over(&s, now_usec) && s.crashes >= burst_of(&s, policy);
	if (ret)
		*ret = s;
	else
		gc_ratelimit_done(&s);
	return suppress;
}

/* "10min", "1h", "90s": as the configuration spells a time span. */
static void format_span(uint64_t usec, char *buf, size_t size)
{
	uint64_t sec = usec / 1000000;

	if (sec > 0 && sec % 3600 == 0)
		snprintf(buf, size, "%" PRIu64 "h", sec / 3600);
	else if (sec > 0 && sec % 60 == 0)
		snprintf(buf, size, "%" PRIu64 "min", sec / 60);
	else if (usec % 1000000 == 0)
		snprintf(buf, size, "%" PRIu64 "s", sec);
	else
		snprintf(buf, size, "%" PRIu64 "ms", usec / 1000);
}

static const char *label_of(const struct gc_ratelimit *s)
{
	return s->key;
}

static int send_line(const struct gc_ratelimit *s, const char *message_id, const char *message,
		     uint64_t suppressed, bool journal)
{
	struct gc_journal_loop loop = {
	    .message_id = message_id,
	    .message = message,
	    .unit = s->unit,
	    .user_unit = s->user_unit,
	    .container_unit = s->container_unit,
	    .exe = s->exe,
	    .comm = s->comm,
	    .group = s->group[0] ? s->group : NULL,
	    .uid = s->uid,
	    .crashes = s->crashes,
	    .suppressed = suppressed,
	};

	if (journal)
		return gc_journal_crash_loop(&loop);
	gc_log(LOG_WARNING, "%s", message);
	return 0;
}

static void send_start(const struct gc_ratelimit *s, bool journal)
{
	_cleanup_free_ char *message = NULL;
	char span[32], until[16] = "?";
	time_t end = (time_t)((s->start_usec + s->interval_usec) / 1000000);
	struct tm tm;

	format_span(s->interval_usec, span, sizeof(span));
	if (localtime_r(&end, &tm))
		strftime(until, sizeof(until), "%H:%M:%S", &tm);
	if (asprintf(&message,
		     "%s is crash-looping: %" PRIu64 " crashes in %s; further crashes until %s "
		     "are counted, not stored",
		     label_of(s), s->crashes, span, until) < 0)
		return;
	send_line(s, GC_LOOP_START_MESSAGE_ID, message, 0, journal);
}

static int send_summary(const struct gc_ratelimit *s, bool journal)
{
	_cleanup_free_ char *message = NULL, *signature = NULL;
	char span[32];

	format_span(s->interval_usec, span, sizeof(span));
	if (s->group[0] && asprintf(&signature, " (signature %s)", s->group) < 0)
		return -ENOMEM;
	if (asprintf(&message, "%s crashed %" PRIu64 " more time%s in the last %s%s, not stored",
		     label_of(s), s->suppressed, s->suppressed == 1 ? "" : "s", span,
		     signature ? signature : "") < 0)
		return -ENOMEM;
	return send_line(s, GC_LOOP_SUMMARY_MESSAGE_ID, message, s->suppressed, journal);
}

static int set_label(struct gc_ratelimit *s, const struct gc_meta *meta)
{
	int r = 0;

	r |= gc_meta_set_string(&s->unit, meta->unit);
	r |= gc_meta_set_string(&s->user_unit, meta->user_unit);
	r |= gc_meta_set_string(&s->container_unit, meta->container_unit);
	r |= gc_meta_set_string(&s->exe, meta->exe);
	r |= gc_meta_set_string(&s->comm, meta->comm);
	s->uid = meta->uid;
	s->signal = meta->signal;
	s->last_usec = MAX(s->last_usec, meta->time_usec);
	return r < 0 ? -ENOMEM : 0;
}

static void group_leftovers(struct gc_store *store, struct gc_ratelimit *s);

/* The first crash after the interval: the next one starts, the ended one's summary first. */
static void roll_over(struct gc_store *store, struct gc_ratelimit *s,
		      const struct gc_ratelimit_policy *policy, uint64_t now_usec, bool journal)
{
	if (s->suppressed > 0)
		group_leftovers(store, s);
	if (s->suppressed > 0 && send_summary(s, journal) >= 0)
		s->summary_usec = gc_clock_usec(CLOCK_REALTIME);
	s->looping = s->suppressed > 0 && now_usec >= s->last_usec &&
		     now_usec - s->last_usec < policy->interval_usec;
	s->interval_usec = policy->interval_usec;
	s->start_usec = now_usec;
	s->crashes = 0;
	s->suppressed = 0;
}

/* Into the key's group; while it has none, counted as ungrouped until one is known. */
static void count_into_group(struct gc_store *store, struct gc_ratelimit *s,
			     const struct gc_meta *meta)
{
	struct gc_meta crash = *meta; /* borrowed strings, freed by no one here */
	int r;

	if (!s->group[0]) {
		s->ungrouped++;
		return;
	}
	crash.group = s->group;
	crash.id = NULL;
	r = gc_group_record(store, &crash, 1, NULL);
	if (r < 0) {
		gc_log_errno(LOG_WARNING, r, "cannot count a crash of %s into its group %s", s->key,
			     s->group);
		s->ungrouped++;
	}
}

/* The ungrouped crashes go into the key's group, as crashes like meta (its unit,
 * executable, Go version, reason) at the key's last crash time. */
static void count_ungrouped(struct gc_store *store, struct gc_ratelimit *s,
			    const struct gc_meta *meta)
{
	struct gc_meta crash = *meta;

	if (s->ungrouped == 0 || !s->group[0])
		return;
	crash.group = s->group;
	crash.id = NULL;
	crash.time_usec = MAX(meta->time_usec, s->last_usec);
	if (gc_group_record(store, &crash, s->ungrouped, NULL) >= 0)
		s->ungrouped = 0;
}

static int count_locked(struct gc_store *store, int dir_fd,
			const struct gc_ratelimit_policy *policy, const char *key,
			const struct gc_meta *meta, bool suppressed, bool journal,
			struct gc_ratelimit *ret)
{
	struct gc_ratelimit s;
	bool started;
	int r;

	r = load_state(dir_fd, key, &s);
	if (r < 0)
		return r;
	if (interval_over(&s, meta->time_usec))
		roll_over(store, &s, policy, meta->time_usec, journal);
	s.crashes++;
	s.suppressed += suppressed;
	started = suppressed && s.suppressed == 1 && !s.looping;
	r = set_label(&s, meta);
	if (r >= 0 && suppressed)
		count_into_group(store, &s, meta);
	if (r >= 0)
		r = write_state(dir_fd, &s);
	if (r >= 0 && started)
		send_start(&s, journal);
	if (r >= 0 && ret)
		*ret = s;
	else
		gc_ratelimit_done(&s);
	return r < 0 ? r : started;
}

int gc_ratelimit_count(struct gc_store *store, const struct gc_ratelimit_policy *policy,
		       const char *key, const struct gc_meta *meta, bool suppressed, bool journal,
		       struct gc_ratelimit *ret)
{
	_cleanup_close_ int dir_fd = -EBADF;
	int r;

	if (policy->interval_usec == 0 || !key)
		return 0;
	dir_fd = open_dir(store, true);
	if (dir_fd < 0)
		return dir_fd;
	r = gc_store_lock(store);
	if (r < 0)
		return r;
	r = count_locked(store, dir_fd, policy, key, meta, suppressed, journal, ret);
	gc_store_unlock(store);
	return r;
}

int gc_ratelimit_note_stored(struct gc_store *store, const char *key, const struct gc_meta *meta)
{
	_cleanup_close_ int dir_fd = -EBADF;
	const char *group = meta->group;
	struct gc_ratelimit s = {.uid = -1};
	int r;

	if (!key || !group || !is_hex_id(group))
		return -EINVAL;
	dir_fd = open_dir(store, false);
	if (dir_fd < 0)
		return dir_fd == -ENOENT ? -ENOENT : dir_fd;
	r = gc_store_lock(store);
	if (r < 0)
		return r;
	r = load_state(dir_fd, key, &s);
	if (r >= 0 && s.start_usec == 0)
		r = -ENOENT; /* fresh: the key was never counted */
	if (r >= 0) {
		memcpy(s.group, group, GC_RATELIMIT_GROUP_LEN + 1);
		count_ungrouped(store, &s, meta);
		r = write_state(dir_fd, &s);
	}
	gc_store_unlock(store);
	gc_ratelimit_done(&s);
	return r;
}

/* ---- summaries ---- */

/* At the interval's end, crashes still ungrouped go into the group the label gives. */
static void group_leftovers(struct gc_store *store, struct gc_ratelimit *s)
{
	struct gc_meta crash = {
	    .time_usec = s->last_usec,
	    .uid = s->uid,
	    .signal = s->signal,
	    .comm = s->comm,
	    .exe = s->exe,
	    .unit = s->unit,
	    .user_unit = s->user_unit,
	    .container_unit = s->container_unit,
	};

	if (s->ungrouped == 0)
		return;
	if (!s->group[0])
		gc_group_of(&crash, s->group);
	count_ungrouped(store, s, &crash);
}

/* Returns 1 when a summary went out. */
static int flush_one(struct gc_store *store, int dir_fd, const char *name, uint64_t now_usec,
		     bool journal)
{
	struct gc_ratelimit s = {.uid = -1};
	char hash[GC_RATELIMIT_GROUP_LEN + 1];
	int r;

	r = read_state_at(dir_fd, name, &s);
	if (r == -ENOMEM)
		return r;
	if (r >= 0)
		gc_ratelimit_key_hash(s.key, hash);
	if (r < 0 || strcmp(hash, name) != 0) {
		/* Not a state we could have written: it goes. */
		if (r != -ENOENT)
			(void)unlinkat(dir_fd, name, 0);
		gc_ratelimit_done(&s);
		return 0;
	}
	if (!interval_over(&s, now_usec)) {
		r = 0;
	} else if (s.suppressed > 0) {
		group_leftovers(store, &s);
		r = send_summary(&s, journal);
		if (r >= 0) {
			s.suppressed = 0;
			s.summary_usec = now_usec;
			r = write_state(dir_fd, &s);
		}
		r = r < 0 ? r : 1;
	} else {
		if (now_usec - s.start_usec >= s.interval_usec + STATE_KEEP_USEC)
			(void)unlinkat(dir_fd, name, 0);
		r = 0;
	}
	gc_ratelimit_done(&s);
	return r;
}

static int flush_locked(struct gc_store *store, int dir_fd, bool journal)
{
	uint64_t now_usec = gc_clock_usec(CLOCK_REALTIME);
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	int n = 0, fd;

	fd = dup(dir_fd);
	if (fd < 0)
		return negative_errno();
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -ENOMEM;
	}
	while ((de = readdir(dir))) {
		int r;

		if (!is_hex_id(de->d_name))
			continue;
		r = flush_one(store, dir_fd, de->d_name, now_usec, journal);
		if (r == -ENOMEM)
			return r;
		n += r > 0;
	}
	return n;
}

int gc_ratelimit_flush(struct gc_store *store, bool journal)
{
	_cleanup_close_ int dir_fd = open_dir(store, false);
	int r;

	if (dir_fd == -ENOENT)
		return 0; /* no key was ever counted */
	if (dir_fd < 0)
		return dir_fd;
	r = gc_store_lock(store);
	if (r < 0)
		return r;
	r = flush_locked(store, dir_fd, journal);
	gc_store_unlock(store);
	return r;
}
