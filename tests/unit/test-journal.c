/* SPDX-License-Identifier: MIT */
/* The crash entry sent to a container's journald (lib/journal.c): found under the process's
 * root without following symlinks, in journald's native protocol, with the container's unit. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <sys/types.h>

#include "journal.h"
#include "meta.h"

struct fixture {
	char root[64];
	char path[160];
	int root_fd, pidns_fd, listen_fd;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[128];

	if (!f)
		return -1;
	strcpy(f->root, "/tmp/gc-test-journal.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	for (const char *const *sub =
		 (const char *const[]){"run", "run/systemd", "run/systemd/journal", NULL};
	     *sub; sub++) {
		snprintf(dir, sizeof(dir), "%s/%s", f->root, *sub);
		assert_int_equal(mkdir(dir, 0755), 0);
	}
	snprintf(f->path, sizeof(f->path), "%s/socket", dir);
	f->listen_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(f->listen_fd >= 0);
	assert_true(strlen(f->path) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, f->path);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setsockopt(f->listen_fd, SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int)),
			 0);
	f->root_fd = open(f->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->root_fd >= 0);
	f->pidns_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	assert_true(f->pidns_fd >= 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	close(f->listen_fd);
	close(f->root_fd);
	close(f->pidns_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static struct gc_meta container_crash(void)
{
	return (struct gc_meta){
	    .id = "20261204-120000-42",
	    .pid = 42,
	    .comm = "gosvc",
	    .exe = "/srv/gosvc",
	    .unit = "machine-ct.scope",
	    .container_unit = "gosvc.service",
	    .signal = 6,
	    .go = true,
	    .go_reason = "panic: boom\n\tpanic: earlier",
	    .core_stored = true,
	};
}

/* The value of NAME in a native-protocol datagram, NULL when absent; binary values decoded. */
static char *field(const char *buf, size_t size, const char *name)
{
	size_t name_len = strlen(name);

	for (size_t i = 0; i < size;) {
		const char *line = buf + i, *end = memchr(line, '\n', size - i);
		uint64_t len;

		assert_non_null(end);
		if ((size_t)(end - line) == name_len && memcmp(line, name, name_len) == 0) {
			memcpy(&len, end + 1, sizeof(len)); /* little endian, as on x86-64 */
			return strndup(end + 1 + sizeof(len), le64toh(len));
		}
		if (!memchr(line, '=', end - line)) { /* a binary field: skip its value */
			memcpy(&len, end + 1, sizeof(len));
			i = end + 1 + sizeof(len) + le64toh(len) + 1 - buf;
			continue;
		}
		if ((size_t)(end - line) > name_len && memcmp(line, name, name_len) == 0 &&
		    line[name_len] == '=')
			return strndup(line + name_len + 1, end - line - name_len - 1);
		i = end + 1 - buf;
	}
	return NULL;
}

static void assert_field(const char *buf, size_t size, const char *name, const char *value)
{
	char *got = field(buf, size, name);

	assert_non_null(got);
	assert_string_equal(got, value);
	free(got);
}

static void test_sent_to_container(void **state)
{
	struct fixture *f = *state;
	struct gc_meta meta = container_crash();
	char buf[65536], control[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = sizeof(control)};
	struct cmsghdr *cmsg;
	struct ucred cred;
	ssize_t n;

	if (geteuid() != 0)
		skip(); /* the sender chroots: root only, as the handler */
	assert_int_equal(gc_journal_crash_container(&meta, f->root_fd, f->pidns_fd), 0);
	n = recvmsg(f->listen_fd, &msg, MSG_DONTWAIT);
	assert_true(n > 0);
	/* From the forked sender (here in our own PID namespace), as root: what journald
	 * attaches as _PID and _UID. */
	cmsg = CMSG_FIRSTHDR(&msg);
	assert_non_null(cmsg);
	assert_int_equal(cmsg->cmsg_type, SCM_CREDENTIALS);
	memcpy(&cred, CMSG_DATA(cmsg), sizeof(cred));
	assert_true(cred.pid > 0 && cred.pid != getpid());
	assert_int_equal(cred.uid, 0);
	assert_field(buf, n, "MESSAGE_ID", GC_MESSAGE_ID);
	assert_field(buf, n, "OBJECT_SYSTEMD_UNIT", "gosvc.service");
	assert_field(buf, n, "GOCRASH_CORE_ID", "20261204-120000-42");
	/* a value with a newline goes whole, as a binary field, not as a forged line */
	assert_field(buf, n, "GOCRASH_REASON", "panic: boom\n\tpanic: earlier");
	assert_null(field(buf, n, "GOCRASH_STORE"));
	assert_null(field(buf, n, "\tpanic: earlier"));
	char *message = field(buf, n, "MESSAGE");
	assert_non_null(message);
	assert_non_null(strstr(message, "gosvc"));
	free(message);
}

static void test_no_container_unit(void **state)
{
	struct fixture *f = *state;
	struct gc_meta meta = container_crash();

	meta.container_unit = NULL;
	assert_int_equal(gc_journal_crash_container(&meta, f->root_fd, f->pidns_fd), -ENOENT);
	assert_true(recv(f->listen_fd, (char[16]){0}, 16, MSG_DONTWAIT) < 0);
}

/* The container chose what its /run holds: a symlink at any step is not followed. */
static void test_symlinks_not_followed(void **state)
{
	struct fixture *f = *state;
	struct gc_meta meta = container_crash();
	char link[256], moved[256];

	snprintf(moved, sizeof(moved), "%s/elsewhere", f->root);
	snprintf(link, sizeof(link), "%s/run/systemd/journal", f->root);
	assert_int_equal(rename(link, moved), 0);
	assert_int_equal(symlink(moved, link), 0);
	assert_true(gc_journal_crash_container(&meta, f->root_fd, f->pidns_fd) < 0);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(mkdir(link, 0755), 0);
	snprintf(link, sizeof(link), "%s/run/systemd/journal/socket", f->root);
	snprintf(moved, sizeof(moved), "%s/elsewhere/socket", f->root);
	assert_int_equal(symlink(moved, link), 0);
	assert_int_equal(gc_journal_crash_container(&meta, f->root_fd, f->pidns_fd), -ENOTSOCK);
	assert_true(recv(f->listen_fd, (char[16]){0}, 16, MSG_DONTWAIT) < 0);
}

static void test_no_socket(void **state)
{
	struct fixture *f = *state;
	struct gc_meta meta = container_crash();

	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(gc_journal_crash_container(&meta, f->root_fd, f->pidns_fd), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sent_to_container, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_container_unit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symlinks_not_followed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_socket, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
