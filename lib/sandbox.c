/* SPDX-License-Identifier: MIT */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "util.h"

static bool privileged; /* gc_sandbox_mark_privileged() */
static unsigned refusals;

/* Resolved before fork: getpwnam is not safe in the child of a threaded process. */
static void resolve_user(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(name ? name : GC_SANDBOX_USER);

	if (!pw && !name)
		pw = getpwnam("nobody");
	*uid = pw ? pw->pw_uid : 65534;
	*gid = pw ? pw->pw_gid : 65534;
}

static int drop_privileges(uid_t uid, gid_t gid)
{
	if (geteuid() == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			return negative_errno();
		if (geteuid() == 0 || getegid() == 0)
			return -EPERM;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return negative_errno();
	/* A crash in here must not come back to us as another core to capture. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return 0;
}

static int set_limits(const struct gc_sandbox_options *o)
{
	struct rlimit no_core = {0, 0};

	if (setrlimit(RLIMIT_CORE, &no_core) < 0)
		return negative_errno();
	if (o->memory_limit) {
		struct rlimit as = {o->memory_limit, o->memory_limit};
		if (setrlimit(RLIMIT_AS, &as) < 0)
			return negative_errno();
	}
	if (o->time_limit_usec) {
		/* CPU time as a second line of defence, should the parent's kill not come. */
		rlim_t seconds = o->time_limit_usec / 1000000 + 1;
		struct rlimit cpu = {seconds, seconds + 1};
		if (setrlimit(RLIMIT_CPU, &cpu) < 0)
			return negative_errno();
	}
	return 0;
}

static int compare_fds(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Closes every fd above 2 the child was not given: the gaps between the kept ones. */
static int close_other_fds(const struct gc_sandbox_options *o, int out_fd)
{
	int keep[o->n_keep_fds + 1];
	unsigned next = 3;

	memcpy(keep, o->keep_fds, o->n_keep_fds * sizeof(int));
	keep[o->n_keep_fds] = out_fd;
	qsort(keep, o->n_keep_fds + 1, sizeof(int), compare_fds);
	for (size_t i = 0; i <= o->n_keep_fds; i++) {
		if (keep[i] < (int)next)
			continue;
		if ((unsigned)keep[i] > next && close_range(next, keep[i] - 1, 0) < 0)
			return negative_errno();
		next = keep[i] + 1;
	}
	return close_range(next, ~0u, 0) < 0 ? negative_errno() : 0;
}

static _Noreturn void child_main(const struct gc_sandbox_options *o, uid_t uid, gid_t gid,
				 int (*fn)(void *userdata, int out_fd), void *userdata, int out_fd)
{
	int r;

	signal(SIGPIPE, SIG_IGN);
	privileged = false;
	if (close_other_fds(o, out_fd) < 0 || drop_privileges(uid, gid) < 0 || set_limits(o) < 0)
		_exit(125);
	r = fn(userdata, out_fd);
	_exit(r == 0 ? 0 : 1);
}

struct output {
	char *data;
	size_t size, limit;
};

static void keep_output(struct output *out, const char *buf, size_t len)
{
	size_t room = out->limit - out->size;

	len = MIN(len, room);
	memcpy(out->data + out->size, buf, len);
	out->size += len;
}

static int ms_until(uint64_t deadline)
{
	uint64_t now = gc_clock_usec(CLOCK_MONOTONIC);

	return now >= deadline ? 0 : (int)MIN((deadline - now + 999) / 1000, (uint64_t)INT32_MAX);
}

/* Reads until EOF or the deadline. Returns true when the deadline passed first. */
static bool collect_output(int fd, uint64_t deadline, struct output *out)
{
	char buf[4096];

	for (;;) {
		int timeout = -1;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (deadline) {
			timeout = ms_until(deadline);
			if (timeout == 0)
				return true;
		}
		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR)
			return false;
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		keep_output(out, buf, n);
	}
}

/* Until the child may have exited: its pidfd says when, at once (the executable's inspection
 * holds the crashed process, and a fixed 2 ms step was most of its cost); without a pidfd
 * (before Linux 5.3), steps of 2 ms. */
static void wait_exit(int pidfd, uint64_t deadline)
{
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};

	if (pidfd < 0 || poll(&pfd, 1, ms_until(deadline)) < 0)
		usleep(2000);
}

/* Waits for the child, until the deadline at most: one that closed its output and goes on
 * running is killed all the same. */
static enum gc_sandbox_outcome reap(pid_t pid, bool timed_out, uint64_t deadline)
{
	_cleanup_close_ int pidfd = deadline ? (int)syscall(SYS_pidfd_open, pid, 0) : -EBADF;
	int status = 0;
	pid_t r;

	while (!timed_out) {
		r = waitpid(pid, &status, deadline ? WNOHANG : 0);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return GC_SANDBOX_FAILED;
		if (r == 0 && gc_clock_usec(CLOCK_MONOTONIC) >= deadline)
			timed_out = true;
		else if (r == 0)
			wait_exit(pidfd, deadline);
	}
	if (timed_out) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return GC_SANDBOX_TIMED_OUT;
	}
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGXCPU ? GC_SANDBOX_TIMED_OUT : GC_SANDBOX_CRASHED;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? GC_SANDBOX_OK : GC_SANDBOX_FAILED;
}

int gc_sandbox_run(const struct gc_sandbox_options *o, int (*fn)(void *userdata, int out_fd),
		   void *userdata, enum gc_sandbox_outcome *ret_outcome, char **ret_output)
{
	struct output out = {.limit = o->output_limit};
	uint64_t deadline =
	    o->time_limit_usec ? gc_clock_usec(CLOCK_MONOTONIC) + o->time_limit_usec : 0;
	int fds[2];
	uid_t uid;
	gid_t gid;
	pid_t pid;
	bool timed_out;

	resolve_user(o->user, &uid, &gid);
	out.data = malloc(out.limit + 1);
	if (!out.data)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(out.data);
		return negative_errno();
	}
	pid = fork();
	if (pid < 0) {
		int r = negative_errno();
		close(fds[0]), close(fds[1]), free(out.data);
		return r;
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(o, uid, gid, fn, userdata, fds[1]);
	}
	close(fds[1]);
	timed_out = collect_output(fds[0], deadline, &out);
	close(fds[0]);
	*ret_outcome = reap(pid, timed_out, deadline);
	out.data[out.size] = '\0';
	*ret_output = out.data;
	return 0;
}

bool gc_sandbox_mark_privileged(bool mark)
{
	bool was = privileged;

	privileged = mark;
	return was;
}

int gc_sandbox_check_unprivileged(const char *what)
{
	if (!privileged)
		return 0;
	refusals++;
	gc_log(LOG_CRIT,
	       "bug: %s was called in the root part, on input the crashed user "
	       "controls; refused",
	       what);
	return -EPERM;
}

unsigned gc_sandbox_refusals(void)
{
	return refusals;
}
