/* SPDX-License-Identifier: MIT */
#include "journal.h"

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
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
	if (!meta->core_stored)
		snprintf(buf, size, "core not stored, entry %s", meta->id);
	else if (meta->truncated)
		snprintf(buf, size, "core stored truncated (%s) as %s",
			 meta->truncated_reason ? meta->truncated_reason : "incomplete", meta->id);
	else
		snprintf(buf, size, "core stored as %s", meta->id);
	return buf;
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
static void thousands(const char *digits, char *buf, size_t size)
{
	size_t len = strspn(digits, "0123456789"), n = 0;

	for (size_t i = 0; i < len && n + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[n++] = ',';
		buf[n++] = digits[i];
	}
	buf[n] = '\0';
}

static char *go_message(const struct gc_meta *meta, const char *fate)
{
	const char *reason = gc_meta_get_extra(meta, "go_reason");
	const char *site = gc_meta_get_extra(meta, "go_crash_site");
	const char *count = gc_meta_get_extra(meta, "go_goroutines");
	char line[256], number[32] = "?";
	char *message = NULL;

	reason_line(reason, line, sizeof(line));
	if (count)
		thousands(count, number, sizeof(number));
	if (asprintf(&message, "%s[%" PRId64 "] %s%s%s, %s goroutine%s; %s",
		     meta->comm ? meta->comm : "?", meta->pid, line, site ? " at " : "",
		     site ? site : "", number, count && strcmp(count, "1") == 0 ? "" : "s",
		     fate) < 0)
		return NULL;
	return message;
}

char *gc_crash_message(const struct gc_meta *meta)
{
	char fate[512], *message = NULL;
	int r;

	core_fate(meta, fate, sizeof(fate));
	if (gc_meta_get_extra(meta, "go_reason"))
		return go_message(meta, fate);
	r = asprintf(&message, "%s[%" PRId64 "] crashed with %s; %s%s%s",
		     meta->comm ? meta->comm : "?", meta->pid, gc_signal_name(meta->signal), fate,
		     meta->core_error ? "; " : "", meta->core_error ? meta->core_error : "");
	return r < 0 ? NULL : message;
}

/* The Go analysis' fields, from the meta's extras. */
static const struct {
	const char *key, *field;
} extra_fields[] = {
    {"go_reason", "GOCRASH_REASON"},
    {"go_signal", "GOCRASH_GO_SIGNAL"},
    {"go_crash_site", "GOCRASH_CRASH_SITE"},
    {"go_signature", "GOCRASH_SIGNATURE"},
    {"go_goroutines", "GOCRASH_GOROUTINES"},
    {"go_stack", "GOCRASH_STACK"},
    {"go_module", "GOCRASH_MODULE"},
    {"go_vcs_revision", "GOCRASH_VCS_REVISION"},
    {"go_vcs_time", "GOCRASH_VCS_TIME"},
    {"go_vcs_modified", "GOCRASH_VCS_MODIFIED"},
    {"go_note", "GOCRASH_GO_NOTE"},
    {"analysis", "GOCRASH_ANALYSIS"},
    {"container_unit", "GOCRASH_CONTAINER_UNIT"},
};

/* The GOCRASH_* fields: one row per field, formatted from the metadata. */
struct journal_field {
	const char *name;
	char type; /* s string, d int, i int64, u uint64, b bool */
	size_t offset;
};

#define FIELD(name, type, member)                                                                  \
	{                                                                                          \
		name, type, offsetof(struct gc_meta, member)                                       \
	}
static const struct journal_field journal_fields[] = {
    FIELD("GOCRASH_CORE_ID", 's', id),
    FIELD("GOCRASH_PID", 'i', pid),
    FIELD("GOCRASH_UID", 'i', uid),
    FIELD("GOCRASH_GID", 'i', gid),
    FIELD("GOCRASH_SIGNAL", 'd', signal),
    FIELD("GOCRASH_COMM", 's', comm),
    FIELD("GOCRASH_EXE", 's', exe),
    FIELD("GOCRASH_CMDLINE", 's', cmdline),
    FIELD("GOCRASH_UNIT", 's', unit),
    FIELD("GOCRASH_BUILD_ID", 's', build_id),
    FIELD("GOCRASH_CORE_SIZE", 'u', core_size),
    FIELD("GOCRASH_STORED_SIZE", 'u', stored_size),
    FIELD("GOCRASH_CORE_STORED", 'b', core_stored),
    FIELD("GOCRASH_TRUNCATED", 'b', truncated),
    FIELD("GOCRASH_TRUNCATED_REASON", 's', truncated_reason),
    FIELD("GOCRASH_CORE_ERROR", 's', core_error),
    FIELD("GOCRASH_GO", 'b', go),
    FIELD("GOCRASH_GO_VERSION", 's', go_version),
};
#undef FIELD

static char *format_field(const struct journal_field *field, const struct gc_meta *meta)
{
	const char *base = (const char *)meta + field->offset;
	char *text = NULL;
	int r = 0;

	switch (field->type) {
	case 's':
		if (!*(char *const *)base)
			return NULL;
		r = asprintf(&text, "%s=%s", field->name, *(char *const *)base);
		break;
	case 'i':
		r = asprintf(&text, "%s=%" PRId64, field->name, *(const int64_t *)base);
		break;
	case 'd':
		r = asprintf(&text, "%s=%d", field->name, *(const int *)base);
		break;
	case 'u':
		r = asprintf(&text, "%s=%" PRIu64, field->name, *(const uint64_t *)base);
		break;
	case 'b':
		r = asprintf(&text, "%s=%d", field->name, *(const bool *)base ? 1 : 0);
		break;
	}
	return r < 0 ? NULL : text;
}

#define MAX_JOURNAL_ITEMS 64

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

int gc_journal_crash(const struct gc_meta *meta, const char *store_path)
{
	struct iovec items[MAX_JOURNAL_ITEMS];
	_cleanup_free_ char *message = gc_crash_message(meta);
	size_t n = 0;
	int r;

	if (!message)
		return -ENOMEM;
	add_field(items, &n, "MESSAGE", message);
	add_field(items, &n, "MESSAGE_ID", GC_MESSAGE_ID);
	add_field(items, &n, "PRIORITY", "2");
	add_field(items, &n, "SYSLOG_IDENTIFIER", "gocrashd");
	add_field(items, &n, "GOCRASH_SIGNAL_NAME", gc_signal_name(meta->signal));
	if (store_path)
		add_field(items, &n, "GOCRASH_STORE", store_path);
	for (size_t i = 0; i < ELEMENTSOF(journal_fields); i++) {
		char *text = format_field(&journal_fields[i], meta);
		if (text)
			add_item(items, &n, text);
	}
	for (size_t i = 0; i < ELEMENTSOF(extra_fields); i++) {
		const char *value = gc_meta_get_extra(meta, extra_fields[i].key);
		if (value)
			add_field(items, &n, extra_fields[i].field, value);
	}
	for (size_t i = 0; i < meta->n_extra; i++)
		if (strncmp(meta->extra[i], "GOCRASH_", 8) == 0)
			add_item(items, &n, strdup(meta->extra[i]));
	r = gc_journal_available() ? sd_journal_sendv(items, n) : -ENOENT;
	free_items(items, n);
	if (r < 0)
		gc_kmsg(LOG_CRIT, message);
	return r;
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
