/* SPDX-License-Identifier: MIT */
#include "journal.h"

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include "escape.h"
#include "macro.h"

const char *gc_signal_name(int signal)
{
	static __thread char buf[16];
	const char *abbrev = signal > 0 ? sigabbrev_np(signal) : NULL;

	if (abbrev)
		snprintf(buf, sizeof(buf), "SIG%s", abbrev);
	else
		snprintf(buf, sizeof(buf), "SIG%d", signal);
	return buf;
}

static const char *core_fate(const struct gc_meta *meta, char *buf, size_t size)
{
	if (!meta->id)
		snprintf(buf, size, "nothing stored");
	else if (!meta->core_stored && meta->core_dropped)
		snprintf(buf, size, "core not kept (%s), entry %s", meta->core_dropped, meta->id);
	else if (!meta->core_stored)
		snprintf(buf, size, "core not stored, entry %s", meta->id);
	else if (meta->truncated)
		snprintf(buf, size, "core stored truncated (%s) as %s",
			 meta->truncated_reason ? meta->truncated_reason : "incomplete", meta->id);
	else
		snprintf(buf, size, "core stored as %s", meta->id);
	return buf;
}

/* "1st", "2nd", "3rd", "4th", "11th", "112th". */
static const char *ordinal_suffix(uint64_t n)
{
	if (n % 100 >= 11 && n % 100 <= 13)
		return "th";
	return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
}

/* ", 4th crash of this signature since 10:02" (the day too when not today), or "" for the
 * first crash of its group. */
static void group_note(const struct gc_meta *meta, char *buf, size_t size)
{
	time_t first, now = time(NULL);
	struct tm tm_first, tm_now;
	char when[32];

	buf[0] = '\0';
	if (!GC_META_HAS(meta, group_count) || meta->group_count < 2)
		return;
	first = (time_t)(meta->group_first_usec / 1000000);
	if (!localtime_r(&first, &tm_first) || !localtime_r(&now, &tm_now))
		return;
	strftime(when, sizeof(when),
		 tm_first.tm_yday == tm_now.tm_yday && tm_first.tm_year == tm_now.tm_year
		     ? "%H:%M"
		     : "%Y-%m-%d %H:%M",
		 &tm_first);
	snprintf(buf, size, ", %" PRIu64 "%s crash of this signature since %s", meta->group_count,
		 ordinal_suffix(meta->group_count), when);
}

/* The reason in one line: the last panic of a chain (the one that killed the program), else
 * the first line ("fatal error: ...", "SIGQUIT: quit"), cut to a readable length. */
static void reason_line(const char *reason, char *buf, size_t size)
{
	const char *last = strrchr(reason, '\n');
	const char *line = last && strstr(last, "panic: ") ? last + 1 : reason;
	size_t len = strcspn(line + strspn(line, "\t"), "\n");

	line += strspn(line, "\t");
	if (len >= size)
		len = size - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
}

/* 3212 as "3,212". */
static void thousands(uint64_t number, char *buf, size_t size)
{
	char digits[GC_META_TEXT_MAX];
	size_t len, n = 0;

	len = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, number);
	for (size_t i = 0; i < len && n + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[n++] = ',';
		buf[n++] = digits[i];
	}
	buf[n] = '\0';
}

static char *go_message(const struct gc_meta *meta, const char *fate, const char *group)
{
	bool counted = GC_META_HAS(meta, go_goroutines);
	const char *site = meta->go_crash_site;
	char line[256], number[32] = "?";
	char *message = NULL;

	reason_line(meta->go_reason, line, sizeof(line));
	if (counted)
		thousands(meta->go_goroutines, number, sizeof(number));
	if (asprintf(&message, "%s[%" PRId64 "] %s%s%s%s, %s goroutine%s; %s",
		     meta->comm ? meta->comm : "?", meta->pid, line, site ? " at " : "",
		     site ? site : "", group, number,
		     counted && meta->go_goroutines == 1 ? "" : "s", fate) < 0)
		return NULL;
	return message;
}

/* The human summary line ("myservice[1234] crashed with SIGSEGV; core stored as ID").
 * Returns a malloc'ed string or NULL on OOM. */
static char *crash_message(const struct gc_meta *meta)
{
	char fate[512], group[96], *message = NULL;
	int r;

	core_fate(meta, fate, sizeof(fate));
	group_note(meta, group, sizeof(group));
	if (meta->go_reason)
		return go_message(meta, fate, group);
	r = asprintf(&message, "%s[%" PRId64 "] crashed with %s%s; %s%s%s",
		     meta->comm ? meta->comm : "?", meta->pid, gc_signal_name(meta->signal), group,
		     fate, meta->core_error ? "; " : "", meta->core_error ? meta->core_error : "");
	return r < 0 ? NULL : message;
}

#define MAX_JOURNAL_ITEMS 96

static void free_items(struct iovec *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i].iov_base);
}

static int add_item(struct iovec *items, size_t *n, char *text)
{
	if (!text)
		return -ENOMEM;
	if (*n >= MAX_JOURNAL_ITEMS) {
		free(text);
		return -E2BIG;
	}
	items[(*n)++] = (struct iovec){.iov_base = text, .iov_len = strlen(text)};
	return 0;
}

static int add_field(struct iovec *items, size_t *n, const char *name, const char *value)
{
	char *text = NULL;

	if (asprintf(&text, "%s=%s", name, value) < 0)
		return -ENOMEM;
	return add_item(items, n, text);
}

/* The GOCRASH_ fields of the table that have a value; a signal's name after its number. */
static void add_meta_fields(struct iovec *items, size_t *n, const struct gc_meta *meta)
{
	char buf[GC_META_TEXT_MAX], name[64];

	for (size_t i = 0; i < GC_META_N_FIELDS; i++) {
		const struct gc_meta_field_info *field = &gc_meta_fields[i];
		const char *text = field->journal ? gc_meta_text(meta, i, buf) : NULL;

		if (!text)
			continue;
		add_field(items, n, field->journal, text);
		if (field->type == GC_META_TYPE_SIGNAL) {
			int signal = *(const int *)((const char *)meta + field->offset);

			snprintf(name, sizeof(name), "%s_NAME", field->journal);
			add_field(items, n, name, gc_signal_name(signal));
		}
	}
}

/* What journalctl -u UNIT, --user-unit and systemctl status match in entries from UID 0:
 * the crashed process's units as if journald had attached them (no OBJECT_PID: the PID may
 * be another process's by the time journald would read /proc). */
static void add_object_fields(struct iovec *items, size_t *n, const struct gc_meta *meta)
{
	char buf[GC_META_TEXT_MAX];

	if (meta->unit)
		add_field(items, n, "OBJECT_SYSTEMD_UNIT", meta->unit);
	if (meta->user_unit) {
		add_field(items, n, "OBJECT_SYSTEMD_USER_UNIT", meta->user_unit);
		add_field(items, n, "OBJECT_SYSTEMD_OWNER_UID",
			  gc_meta_text(meta, GC_META_uid, buf));
	}
	if (meta->slice)
		add_field(items, n, "OBJECT_SYSTEMD_SLICE", meta->slice);
	if (meta->cgroup)
		add_field(items, n, "OBJECT_SYSTEMD_CGROUP", meta->cgroup);
	add_field(items, n, "OBJECT_UID", gc_meta_text(meta, GC_META_uid, buf));
	add_field(items, n, "OBJECT_GID", gc_meta_text(meta, GC_META_gid, buf));
	if (meta->comm)
		add_field(items, n, "OBJECT_COMM", meta->comm);
	if (meta->exe)
		add_field(items, n, "OBJECT_EXE", meta->exe);
}

static int send_items(struct iovec *items, size_t n)
{
	int r = gc_journal_available() ? sd_journal_sendv(items, n) : -ENOENT;

	free_items(items, n);
	return r;
}

/* The crash as systemd-coredump reports it: its MESSAGE_ID, COREDUMP_* fields with its
 * names, COREDUMP_FILENAME the stored core (zstd, which coredumpctl reads). */
static int send_coredump_entry(const struct gc_meta *meta, const char *store_path)
{
	static const struct {
		const char *name;
		enum gc_meta_field field;
	} fields[] = {
	    {"COREDUMP_PID", GC_META_pid},
	    {"COREDUMP_UID", GC_META_uid},
	    {"COREDUMP_GID", GC_META_gid},
	    {"COREDUMP_SIGNAL", GC_META_signal},
	    {"COREDUMP_TIMESTAMP", GC_META_time_usec},
	    {"COREDUMP_COMM", GC_META_comm},
	    {"COREDUMP_EXE", GC_META_exe},
	    {"COREDUMP_CMDLINE", GC_META_cmdline},
	    {"COREDUMP_UNIT", GC_META_unit},
	    {"COREDUMP_USER_UNIT", GC_META_user_unit},
	    {"COREDUMP_SLICE", GC_META_slice},
	    {"COREDUMP_CGROUP", GC_META_cgroup},
	    {"COREDUMP_HOSTNAME", GC_META_hostname},
	    {"GOCRASH_CORE_ID", GC_META_id},
	};
	struct iovec items[MAX_JOURNAL_ITEMS];
	char buf[GC_META_TEXT_MAX], *text = NULL;
	size_t n = 0;

	if (asprintf(&text, "Process %" PRId64 " (%s) of user %" PRId64 " dumped core.%s%s",
		     meta->pid, meta->comm ? meta->comm : "?", meta->uid,
		     meta->go_reason ? "\n\n" : "", meta->go_reason ? meta->go_reason : "") < 0)
		return -ENOMEM;
	add_field(items, &n, "MESSAGE", text);
	free(text);
	add_field(items, &n, "MESSAGE_ID", GC_COREDUMP_MESSAGE_ID);
	add_field(items, &n, "PRIORITY", "2");
	add_field(items, &n, "SYSLOG_IDENTIFIER", "gocrashd");
	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		const char *value = gc_meta_text(meta, fields[i].field, buf);

		if (value)
			add_field(items, &n, fields[i].name, value);
	}
	add_field(items, &n, "COREDUMP_SIGNAL_NAME", gc_signal_name(meta->signal));
	if (meta->truncated)
		add_field(items, &n, "COREDUMP_TRUNCATED", "1");
	if (meta->core_stored && store_path &&
	    asprintf(&text, "COREDUMP_FILENAME=%s/%s/core.zst", store_path, meta->id) >= 0)
		add_item(items, &n, text);
	return send_items(items, n);
}

int gc_journal_crash(const struct gc_meta *meta, const char *store_path, bool coredump_compatible)
{
	struct iovec items[MAX_JOURNAL_ITEMS];
	_cleanup_free_ char *message = crash_message(meta);
	size_t n = 0;
	int r;

	if (!message)
		return -ENOMEM;
	add_field(items, &n, "MESSAGE", message);
	add_field(items, &n, "MESSAGE_ID", GC_MESSAGE_ID);
	add_field(items, &n, "PRIORITY", "2");
	add_field(items, &n, "SYSLOG_IDENTIFIER", "gocrashd");
	if (store_path)
		add_field(items, &n, "GOCRASH_STORE", store_path);
	add_meta_fields(items, &n, meta);
	add_object_fields(items, &n, meta);
	/* Unknown keys that are journal fields already (GOCRASH_*) go as they are. */
	for (size_t i = 0; i < meta->n_unknown; i++)
		if (strncmp(meta->unknown[i], "GOCRASH_", 8) == 0)
			add_item(items, &n, strdup(meta->unknown[i]));
	r = send_items(items, n);
	if (r < 0) {
		gc_kmsg(LOG_CRIT, message);
		return r;
	}
	if (coredump_compatible)
		send_coredump_entry(meta, store_path);
	return 0;
}

bool gc_journal_available(void)
{
	return access("/run/systemd/journal/socket", F_OK) == 0;
}

char *gc_kmsg_line(int priority, int pid, const char *message)
{
	_cleanup_free_ char *safe = gc_escape(message, 0);
	char *line = NULL;

	if (!safe)
		return NULL;
	if (strlen(safe) > GC_KMSG_MAX_MESSAGE) {
		size_t cut = GC_KMSG_MAX_MESSAGE;

		while (cut > 0 && ((unsigned char)safe[cut] & 0xc0) == 0x80)
			cut--; /* not inside a UTF-8 sequence */
		safe[cut] = '\0';
	}
	if (asprintf(&line, "<%d>gocrashd[%d]: %s\n", priority, pid, safe) < 0)
		return NULL;
	return line;
}

int gc_kmsg(int priority, const char *message)
{
	_cleanup_close_ int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *line = NULL;

	if (fd < 0)
		return negative_errno();
	line = gc_kmsg_line(priority, (int)getpid(), message);
	if (!line)
		return -ENOMEM;
	if (write(fd, line, strlen(line)) < 0)
		return negative_errno();
	return 0;
}

static void add_loop_field(struct iovec *items, size_t *n, const char *name, const char *value)
{
	if (value && *value)
		add_field(items, n, name, value);
}

static void add_loop_number(struct iovec *items, size_t *n, const char *name, int64_t value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, value);
	add_field(items, n, name, buf);
}

int gc_journal_crash_loop(const struct gc_journal_loop *loop)
{
	struct iovec items[MAX_JOURNAL_ITEMS];
	size_t n = 0;
	int r;

	add_field(items, &n, "MESSAGE", loop->message);
	add_field(items, &n, "MESSAGE_ID", loop->message_id);
	add_field(items, &n, "PRIORITY", "4");
	add_field(items, &n, "SYSLOG_IDENTIFIER", "gocrashd");
	add_loop_field(items, &n, "GOCRASH_UNIT", loop->unit);
	add_loop_field(items, &n, "GOCRASH_USER_UNIT", loop->user_unit);
	add_loop_field(items, &n, "GOCRASH_CONTAINER_UNIT", loop->container_unit);
	add_loop_field(items, &n, "GOCRASH_EXE", loop->exe);
	add_loop_field(items, &n, "GOCRASH_COMM", loop->comm);
	add_loop_field(items, &n, "GOCRASH_GROUP", loop->group);
	add_loop_number(items, &n, "GOCRASH_CRASHES", (int64_t)loop->crashes);
	if (loop->suppressed > 0)
		add_loop_number(items, &n, "GOCRASH_SUPPRESSED", (int64_t)loop->suppressed);
	add_loop_field(items, &n, "OBJECT_SYSTEMD_UNIT", loop->unit);
	if (loop->user_unit && *loop->user_unit && loop->uid >= 0) {
		add_field(items, &n, "OBJECT_SYSTEMD_USER_UNIT", loop->user_unit);
		add_loop_number(items, &n, "OBJECT_SYSTEMD_OWNER_UID", loop->uid);
	}
	if (loop->uid >= 0)
		add_loop_number(items, &n, "OBJECT_UID", loop->uid);
	add_loop_field(items, &n, "OBJECT_COMM", loop->comm);
	add_loop_field(items, &n, "OBJECT_EXE", loop->exe);
	r = send_items(items, n);
	if (r < 0 && gc_kmsg(LOG_WARNING, loop->message) >= 0)
		return 0;
	return r;
}
