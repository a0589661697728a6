/* SPDX-License-Identifier: MIT */
#include "journal.h"

#include <endian.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include "escape.h"
#include "macro.h"
#include "watchdog.h"

/* Each step of the lookup of a container's journald socket (open_container_socket). */
#define CONTAINER_LOOKUP_USEC (200 * 1000)
/* The sender forked into the container (send_from_container). */
#define CONTAINER_SEND_MSEC 1000

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
static void add_object_fields(struct iovec *items, size_t *n, const struct gc_meta *meta,
			      bool container)
{
	char buf[GC_META_TEXT_MAX];

	if (container) {
		/* In the container's journal: its unit there; the rest is the host's view. */
		add_field(items, n, "OBJECT_SYSTEMD_UNIT", meta->container_unit);
	} else if (meta->unit)
		add_field(items, n, "OBJECT_SYSTEMD_UNIT", meta->unit);
	if (!container && meta->user_unit) {
		add_field(items, n, "OBJECT_SYSTEMD_USER_UNIT", meta->user_unit);
		add_field(items, n, "OBJECT_SYSTEMD_OWNER_UID",
			  gc_meta_text(meta, GC_META_uid, buf));
	}
	if (!container && meta->slice)
		add_field(items, n, "OBJECT_SYSTEMD_SLICE", meta->slice);
	if (!container && meta->cgroup)
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

/* The crash entry's fields; for a container's journal without the store's path (the
 * host's) and with the unit the container knows. */
static void crash_items(const struct gc_meta *meta, const char *message, const char *store_path,
			bool container, struct iovec *items, size_t *n)
{
	add_field(items, n, "MESSAGE", message);
	add_field(items, n, "MESSAGE_ID", GC_MESSAGE_ID);
	add_field(items, n, "PRIORITY", "2");
	add_field(items, n, "SYSLOG_IDENTIFIER", "gocrashd");
	if (store_path && !container)
		add_field(items, n, "GOCRASH_STORE", store_path);
	add_meta_fields(items, n, meta);
	add_object_fields(items, n, meta, container);
	/* Unknown keys that are journal fields already (GOCRASH_*) go as they are. */
	for (size_t i = 0; i < meta->n_unknown; i++)
		if (strncmp(meta->unknown[i], "GOCRASH_", 8) == 0)
			add_item(items, n, strdup(meta->unknown[i]));
}

int gc_journal_crash(const struct gc_meta *meta, const char *store_path, bool coredump_compatible)
{
	struct iovec items[MAX_JOURNAL_ITEMS];
	_cleanup_free_ char *message = crash_message(meta);
	size_t n = 0;
	int r;

	if (!message)
		return -ENOMEM;
	crash_items(meta, message, store_path, false, items, &n);
	r = send_items(items, n);
	if (r < 0) {
		gc_kmsg(LOG_CRIT, message);
		return r;
	}
	if (coredump_compatible)
		send_coredump_entry(meta, store_path);
	return 0;
}

/* journal-native(7): NAME=value and a newline, or, for a value with a newline in it, NAME, a
 * newline, the value's length as 64-bit little endian, the value and a newline. */
static int native_payload(const struct iovec *items, size_t n, char **ret, size_t *ret_size)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	bool failed;

	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *item = items[i].iov_base, *eq = memchr(item, '=', items[i].iov_len);
		size_t name_len = eq ? (size_t)(eq - item) : 0;
		uint64_t value_len = eq ? items[i].iov_len - name_len - 1 : 0,
			 le = htole64(value_len);

		if (!eq)
			continue;
		if (!memchr(eq + 1, '\n', value_len)) {
			fwrite(item, 1, items[i].iov_len, f);
		} else {
			fwrite(item, 1, name_len, f);
			fputc('\n', f);
			fwrite(&le, 1, sizeof(le), f);
			fwrite(eq + 1, 1, value_len, f);
		}
		fputc('\n', f);
	}
	/* buf is final only once the stream is closed */
	failed = ferror(f);
	if (fclose(f) != 0 || failed) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	*ret_size = size;
	return 0;
}

/* ROOT/run/systemd/journal/socket of the container, one name at a time: never through a
 * symlink, and each step bounded in time (the container chose what is mounted there).
 * -EEXIST when it is our own journald's socket (the process shares our /run): the entry is
 * in that journal already. */
static int open_container_socket(int root_fd)
{
	static const char *const names[] = {"run", "systemd", "journal", "socket"};
	_cleanup_close_ int dir = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
	struct stat st, ours;
	int fd;

	if (dir < 0)
		return negative_errno();
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		bool last = i + 1 == ELEMENTSOF(names);

		fd = gc_open_bounded(dir, names[i], O_PATH | O_NOFOLLOW | (last ? 0 : O_DIRECTORY),
				     CONTAINER_LOOKUP_USEC);
		if (fd < 0)
			return fd;
		close(dir);
		dir = fd;
	}
	if (fstat(dir, &st) < 0)
		return negative_errno();
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	if (stat("/run/systemd/journal/socket", &ours) == 0 && ours.st_dev == st.st_dev &&
	    ours.st_ino == st.st_ino)
		return -EEXIST;
	return TAKE_FD(dir);
}

static int connect_socket(int path_fd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return negative_errno();
	/* The O_PATH fd names the socket itself: nothing is looked up again. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d", path_fd);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = negative_errno();

		close(fd);
		return r;
	}
	return fd;
}

/* The sender, in the container's PID namespace: the container's root may signal or trace it
 * while it lives, so it holds nothing of the host's. It dies with its parent, is not
 * dumpable (not traceable from a user namespace), sees only the container's root, has no
 * capability left (only uid 0, which is what journald must see) and no fd but the socket,
 * and sends without waiting.
 * Async-signal-safe calls only: the handler has threads. */
static int send_inside(int root_fd, int socket_fd, const char *payload, size_t size)
{
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3] = {};

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    fchdir(root_fd) < 0 || chroot(".") < 0 || syscall(SYS_capset, &header, none) < 0)
		return -1;
	/* The handler's fds (the store's among them) stay behind: only the socket is left. */
	if ((socket_fd > 0 && syscall(SYS_close_range, 0, socket_fd - 1, 0) < 0) ||
	    syscall(SYS_close_range, socket_fd + 1, ~0U, 0) < 0)
		return -1;
	return send(socket_fd, payload, size, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* The child joins the PID namespace, which only its own children enter, and reaps the one
 * that sends. */
static _Noreturn void sender_child(int root_fd, int pidns_fd, int socket_fd, const char *payload,
				   size_t size)
{
	int status;
	pid_t pid;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || setns(pidns_fd, CLONE_NEWPID) < 0)
		_exit(1);
	pid = fork();
	if (pid == 0)
		_exit(send_inside(root_fd, socket_fd, payload, size) < 0 ? 1 : 0);
	_exit(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0
		  ? 0
		  : 1);
}

/* journald attaches _PID and _UID, which systemctl status looks for, only to a sender it can
 * see: the datagram goes from a process forked into the container's PID namespace, waited
 * for CONTAINER_SEND_MSEC at most. */
static int send_from_container(int root_fd, int pidns_fd, int socket_fd, const char *payload,
			       size_t size)
{
	_cleanup_close_ int pidfd = -EBADF;
	struct pollfd pfd = {.events = POLLIN};
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid == 0)
		sender_child(root_fd, pidns_fd, socket_fd, payload, size);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	pfd.fd = pidfd;
	if (pidfd < 0 || poll(&pfd, 1, CONTAINER_SEND_MSEC) <= 0)
		kill(pid, SIGKILL); /* its sender goes with it (PR_SET_PDEATHSIG) */
	if (waitpid(pid, &status, 0) != pid)
		return negative_errno();
	if (WIFSIGNALED(status))
		return -ETIMEDOUT;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

int gc_journal_crash_container(const struct gc_meta *meta, int root_fd, int pidns_fd)
{
	struct iovec items[MAX_JOURNAL_ITEMS];
	_cleanup_free_ char *message = NULL, *payload = NULL;
	_cleanup_close_ int path_fd = -EBADF, socket_fd = -EBADF;
	size_t n = 0, size = 0;
	int r;

	if (!meta->container_unit || root_fd < 0 || pidns_fd < 0)
		return -ENOENT;
	path_fd = open_container_socket(root_fd);
	if (path_fd < 0)
		return path_fd;
	socket_fd = connect_socket(path_fd);
	if (socket_fd < 0)
		return socket_fd;
	message = crash_message(meta);
	if (!message)
		return -ENOMEM;
	crash_items(meta, message, NULL, true, items, &n);
	r = native_payload(items, n, &payload, &size);
	free_items(items, n);
	if (r < 0)
		return r;
	return send_from_container(root_fd, pidns_fd, socket_fd, payload, size);
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
