/* SPDX-License-Identifier: MIT */
/* The analysis sandbox, with real children: limits are enforced, privileges are gone, and
 * only the fds it was given are open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox-filter.h"
#include "sandbox.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int spin(void *userdata, int out_fd)
{
	for (volatile unsigned long i = 0;; i++)
		;
	return 0;
}

static int close_and_spin(void *userdata, int out_fd)
{
	close(out_fd);
	return spin(userdata, -1);
}

static int allocate(void *userdata, int out_fd)
{
	size_t size = 256 << 20;
	char *p = malloc(size);

	if (!p)
		return 1;
	memset(p, 1, size);
	return dprintf(out_fd, "allocated") > 0 ? 0 : 1;
}

/* The line of /proc/self/FILE that starts with key, from the key on ("" when none). */
static void proc_self_line(const char *file, const char *key, char *line, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/%s", file);
	line[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, size, f))
		if (strncmp(line, key, strlen(key)) == 0) {
			line[strcspn(line, "\n")] = '\0';
			fclose(f);
			return;
		}
	line[0] = '\0';
	fclose(f);
}

/* Reports who it runs as and which of the parent's fds it can still see. */
static int report(void *userdata, int out_fd)
{
	const int *probe = userdata;
	char nnp[64], seccomp[64];

	proc_self_line("status", "NoNewPrivs:", nnp, sizeof(nnp));
	proc_self_line("status", "Seccomp:", seccomp, sizeof(seccomp));
	dprintf(out_fd, "uid=%d gid=%d nnp=%s seccomp=%s kept=%d probe=%d", (int)getuid(),
		(int)getgid(), nnp + strlen("NoNewPrivs:\t"), seccomp + strlen("Seccomp:\t"),
		fcntl(probe[0], F_GETFD) >= 0, fcntl(probe[1], F_GETFD) >= 0);
	return 0;
}

static int chatter(void *userdata, int out_fd)
{
	char buf[4096];

	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 1000; i++)
		if (write(out_fd, buf, sizeof(buf)) < 0)
			return 1;
	return 0;
}

static void run(int (*fn)(void *, int), void *userdata, const struct gc_sandbox_options *o,
		enum gc_sandbox_outcome want, char **output)
{
	enum gc_sandbox_outcome outcome;
	char *out = NULL;

	assert_int_equal(gc_sandbox_run(o, fn, userdata, &outcome, &out), 0);
	assert_int_equal(outcome, want);
	if (output)
		*output = out;
	else
		free(out);
}

static void test_time_limit(void **state)
{
	struct gc_sandbox_options o = {.time_limit_usec = 200000, .output_limit = 64};
	uint64_t start = now_ms();

	run(spin, NULL, &o, GC_SANDBOX_TIMED_OUT, NULL);
	assert_true(now_ms() - start < 2000);
	start = now_ms();
	run(close_and_spin, NULL, &o, GC_SANDBOX_TIMED_OUT, NULL);
	assert_true(now_ms() - start < 2000);
}

static void test_memory_limit(void **state)
{
	struct gc_sandbox_options o = {.time_limit_usec = 10000000, .output_limit = 64};
	char *out;

	run(allocate, NULL, &o, GC_SANDBOX_OK, &out);
	assert_string_equal(out, "allocated");
	free(out);
	/* Over the limit malloc fails (or, under ASan, the allocator aborts): no result. */
	o.memory_limit = 64 << 20;
	enum gc_sandbox_outcome outcome;
	assert_int_equal(gc_sandbox_run(&o, allocate, NULL, &outcome, &out), 0);
	assert_true(outcome == GC_SANDBOX_FAILED || outcome == GC_SANDBOX_CRASHED);
	assert_string_equal(out, "");
	free(out);
}

static void test_privileges_and_fds(void **state)
{
	int probe[2] = {open("/dev/null", O_RDONLY), open("/dev/null", O_RDONLY)};
	struct gc_sandbox_options o = {
	    .time_limit_usec = 10000000, .output_limit = 256, .keep_fds = probe, .n_keep_fds = 1};
	struct passwd *pw = getpwnam(GC_SANDBOX_USER);
	char *out;
	int uid = -1, gid = -1;

	run(report, probe, &o, GC_SANDBOX_OK, &out);
	assert_int_equal(sscanf(out, "uid=%d gid=%d ", &uid, &gid), 2);
	/* As root the child becomes the gocrashd user or, without it, a transient id: never
	 * root, never nobody, whom other services share. */
	if (getuid() == 0 && pw) {
		assert_int_equal(uid, pw->pw_uid);
	} else if (getuid() == 0) {
		assert_true((uint32_t)uid >= GC_SANDBOX_TRANSIENT_ID_MIN &&
			    (uint32_t)uid < GC_SANDBOX_TRANSIENT_ID_MIN + GC_SANDBOX_TRANSIENT_IDS);
		assert_int_equal(gid, uid);
	}
	if (getuid() == 0)
		assert_true(uid != 0 && uid != 65534 && gid != 0 && gid != 65534);
	assert_non_null(strstr(out, " nnp=1 "));
	if (gc_sandbox_filter_supported())
		assert_non_null(strstr(out, " seccomp=2 "));
	assert_non_null(strstr(out, " kept=1 probe=0"));
	free(out);
	close(probe[0]);
	close(probe[1]);
}

/* A user other services share is refused, not used: the child is not started. */
static void test_shared_user_refused(void **state)
{
	struct gc_sandbox_options o = {.time_limit_usec = 1000000, .output_limit = 64};
	enum gc_sandbox_outcome outcome = GC_SANDBOX_OK;
	char *out = NULL;

	o.user = "nobody";
	assert_int_equal(gc_sandbox_run(&o, report, NULL, &outcome, &out), -EPERM);
	o.user = "root";
	assert_int_equal(gc_sandbox_run(&o, report, NULL, &outcome, &out), -EPERM);
	o.user = "gocrashd-no-such-user";
	assert_int_equal(gc_sandbox_run(&o, report, NULL, &outcome, &out), -ESRCH);
	assert_null(out);
}

static int write_pid_and_spin(void *userdata, int out_fd)
{
	const int *pid_pipe = userdata;
	pid_t pid = getpid();

	if (write(*pid_pipe, &pid, sizeof(pid)) != sizeof(pid))
		return 1;
	return spin(NULL, out_fd);
}

/* A handler killed while its child runs takes the child with it: an orphan ran on without
 * its time limit. */
static void test_dies_with_parent(void **state)
{
	int pid_pipe[2];
	pid_t handler, child = 0;
	int status;

	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	assert_int_equal(pipe(pid_pipe), 0);
	handler = fork();
	assert_true(handler >= 0);
	if (handler == 0) {
		struct gc_sandbox_options o = {.time_limit_usec = 60000000,
					       .output_limit = 64,
					       .keep_fds = &pid_pipe[1],
					       .n_keep_fds = 1};
		enum gc_sandbox_outcome outcome;
		char *out;

		gc_sandbox_run(&o, write_pid_and_spin, &pid_pipe[1], &outcome, &out);
		_exit(0);
	}
	assert_int_equal(read(pid_pipe[0], &child, sizeof(child)), sizeof(child));
	kill(handler, SIGKILL);
	assert_int_equal(waitpid(handler, &status, 0), handler);
	uint64_t start = now_ms();
	/* Reparented to us, the subreaper: it must be dead at once, not after 60 s. */
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(now_ms() - start < 2000);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	close(pid_pipe[0]);
	close(pid_pipe[1]);
}

static int report_limits(void *userdata, int out_fd)
{
	char nproc[128], nofile[128], fsize[128];

	proc_self_line("limits", "Max processes", nproc, sizeof(nproc));
	proc_self_line("limits", "Max open files", nofile, sizeof(nofile));
	proc_self_line("limits", "Max file size", fsize, sizeof(fsize));
	dprintf(out_fd, "%s\n%s\n%s\n", nproc, nofile, fsize);
	return 0;
}

static int open_many(void *userdata, int out_fd)
{
	int n = 0;

	while (n < 10000 && open("/dev/null", O_RDONLY) >= 0)
		n++;
	dprintf(out_fd, "%d %d", n, errno);
	return 0;
}

static int write_big(void *userdata, int out_fd)
{
	const int *fd = userdata;
	char buf[8192] = {0};

	/* The first write stops at the limit; the second gets SIGXFSZ. */
	dprintf(out_fd, "%zd", write(*fd, buf, sizeof(buf)));
	return write(*fd, buf, sizeof(buf)) < 0 ? 0 : 1;
}

/* No process, few files, a file size bound. */
static void test_limits(void **state)
{
	char path[] = "/tmp/test-sandbox-XXXXXX";
	int file = mkstemp(path);
	struct gc_sandbox_options o = {.time_limit_usec = 10000000,
				       .output_limit = 512,
				       .file_size_limit = 4096,
				       .keep_fds = &file,
				       .n_keep_fds = 1};
	int n, err;
	char *out;

	assert_true(file >= 0);
	unlink(path);
	run(report_limits, NULL, &o, GC_SANDBOX_OK, &out);
	assert_non_null(strstr(out, "Max processes             0                    0 "));
	assert_non_null(strstr(out, "Max file size             4096                 4096 "));
	free(out);
	run(open_many, NULL, &o, GC_SANDBOX_OK, &out);
	assert_int_equal(sscanf(out, "%d %d", &n, &err), 2);
	assert_true(n > 8 && n < 100);
	assert_int_equal(err, EMFILE);
	free(out);
	run(write_big, &file, &o, GC_SANDBOX_CRASHED, &out);
	/* A partial write up to the limit, never past it. */
	assert_string_equal(out, "4096");
	free(out);
	struct stat st;
	assert_int_equal(fstat(file, &st), 0);
	assert_int_equal(st.st_size, 4096);
	close(file);
}

static int make_socket(void *userdata, int out_fd)
{
	dprintf(out_fd, "before");
	return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 1;
}

static int make_process(void *userdata, int out_fd)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	return pid > 0 ? 0 : 1;
}

static int signal_parent(void *userdata, int out_fd)
{
	return kill(getppid(), 0) == 0 ? 0 : 1;
}

static int self_abort(void *userdata, int out_fd)
{
	abort();
}

/* What the analysis does not do kills the child with SIGSYS, and the parent says so. */
static void test_forbidden_calls(void **state)
{
	struct gc_sandbox_options o = {.time_limit_usec = 10000000, .output_limit = 64};
	char *out;

	if (!gc_sandbox_filter_supported())
		skip();
	run(make_socket, NULL, &o, GC_SANDBOX_FORBIDDEN, &out);
	assert_string_equal(out, "before");
	free(out);
	run(make_process, NULL, &o, GC_SANDBOX_FORBIDDEN, NULL);
	run(signal_parent, NULL, &o, GC_SANDBOX_FORBIDDEN, NULL);
	/* abort() still works: it signals only itself. */
	run(self_abort, NULL, &o, GC_SANDBOX_CRASHED, NULL);
}

static int read_stdin(void *userdata, int out_fd)
{
	char buf[16];

	dprintf(out_fd, "read=%zd", read(0, buf, sizeof(buf)));
	return 0;
}

/* stdin is the core's pipe while the executable is probed: the child must not read it, nor
 * hold it open (the kernel waits for every reader to close it). */
static void test_stdin_not_inherited(void **state)
{
	struct gc_sandbox_options o = {.time_limit_usec = 10000000, .output_limit = 64};
	int saved = dup(0), fds[2];
	char *out;

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "core", 4), 4);
	assert_int_equal(dup2(fds[0], 0), 0);
	run(read_stdin, NULL, &o, GC_SANDBOX_OK, &out);
	dup2(saved, 0);
	close(saved);
	assert_string_equal(out, "read=0");
	free(out);
	close(fds[0]);
	close(fds[1]);
}

static int open_paths(void *userdata, int out_fd)
{
	int inside = open("/marker", O_RDONLY), outside = open("/etc/passwd", O_RDONLY);

	dprintf(out_fd, "inside=%d outside=%d", inside >= 0, outside >= 0);
	return 0;
}

/* Given the crashed process's root, the child looks paths up there, not on the host. */
static void test_root_fd(void **state)
{
	char dir[] = "/tmp/test-sandbox-root-XXXXXX", marker[64];
	struct gc_sandbox_options o = {.time_limit_usec = 10000000, .output_limit = 64};
	char *out;
	int fd;

	if (getuid() != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(marker, sizeof(marker), "%s/marker", dir);
	fd = open(marker, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	o.root_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(o.root_fd > 0);
	run(open_paths, NULL, &o, GC_SANDBOX_OK, &out);
	assert_string_equal(out, "inside=1 outside=0");
	free(out);
	close(o.root_fd);
	o.root_fd = 0;
	run(open_paths, NULL, &o, GC_SANDBOX_OK, &out);
	assert_string_equal(out, "inside=0 outside=1");
	free(out);
	unlink(marker);
	rmdir(dir);
}

static void test_output_is_bounded(void **state)
{
	struct gc_sandbox_options o = {.time_limit_usec = 10000000, .output_limit = 1000};
	char *out;

	run(chatter, NULL, &o, GC_SANDBOX_OK, &out);
	assert_int_equal(strlen(out), 1000);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_time_limit),
	    cmocka_unit_test(test_memory_limit),
	    cmocka_unit_test(test_privileges_and_fds),
	    cmocka_unit_test(test_shared_user_refused),
	    cmocka_unit_test(test_dies_with_parent),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_forbidden_calls),
	    cmocka_unit_test(test_stdin_not_inherited),
	    cmocka_unit_test(test_root_fd),
	    cmocka_unit_test(test_output_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
