/* SPDX-License-Identifier: MIT */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
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
#include "priority.h"
#include "sandbox-filter.h"
#include "util.h"

/* fds the child may open beyond the highest it was given: the files the core's NT_FILE note
 * names (memview.c keeps at most 32) and stdio's. */
#define CHILD_OPEN_FILES 48
/* How long a killed child is waited for. */
#define REAP_TIME_LIMIT_USEC 1000000

static bool privileged; /* gc_sandbox_mark_privileged() */
static unsigned refusals;

/* A user other services may run as: a compromised child could signal them, and they it. */
static bool is_shared_id(uint32_t id)
{
	return id == 0 || id == 65534 || id == UINT16_MAX || id == UINT32_MAX;
}

/* The transient uid (and gid) of this handler: one per handler PID in a range no user
 * database or container manager hands out, so no other process runs as it. */
static uint32_t transient_id(void)
{
	return GC_SANDBOX_TRANSIENT_ID_MIN + (uint32_t)getpid() % GC_SANDBOX_TRANSIENT_IDS;
}

/* Resolved before fork: getpwnam is not safe in the child of a threaded process. Returns 0,
 * -EPERM for a shared user (an explicit one; the default falls back to a transient id), or
 * -ESRCH when an explicit user does not exist. */
static int resolve_user(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(name ? name : GC_SANDBOX_USER);
	bool shared = pw && (is_shared_id(pw->pw_uid) || is_shared_id(pw->pw_gid) ||
			     strcmp(pw->pw_name, "nobody") == 0);

	if (pw && !shared) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
		return 0;
	}
	if (name)
		return pw ? -EPERM : -ESRCH;
	if (shared)
		gc_log(LOG_WARNING,
		       "the user %s is shared with others (uid %u): the analysis "
		       "runs as a transient uid instead",
		       GC_SANDBOX_USER, (unsigned)pw->pw_uid);
	*uid = *gid = transient_id();
	return 0;
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

static int set_limit(int resource, rlim_t value)
{
	struct rlimit limit = {value, value};

	return setrlimit(resource, &limit) < 0 ? negative_errno() : 0;
}

/* highest_fd: the highest fd the child was given. After the user change: RLIMIT_NPROC counts
 * the processes of the real user, and at 0 the child can start none (no thread either),
 * however many analyses run as that user at once. */
static int set_limits(const struct gc_sandbox_options *o, int highest_fd)
{
	int r = set_limit(RLIMIT_CORE, 0);

	if (r >= 0 && o->memory_limit)
		r = set_limit(RLIMIT_AS, o->memory_limit);
	if (r >= 0 && o->time_limit_usec) {
		/* CPU time as a second line of defence, should the parent's kill not come. */
		rlim_t seconds = o->time_limit_usec / 1000000 + 1;
		struct rlimit cpu = {seconds, seconds + 1};
		r = setrlimit(RLIMIT_CPU, &cpu) < 0 ? negative_errno() : 0;
	}
	if (r >= 0 && o->file_size_limit)
		r = set_limit(RLIMIT_FSIZE, o->file_size_limit);
	if (r >= 0)
		r = set_limit(RLIMIT_NOFILE, highest_fd + 1 + CHILD_OPEN_FILES);
	if (r >= 0)
		r = set_limit(RLIMIT_NPROC, 0);
	return r;
}

struct child_ids {
	uid_t uid;
	gid_t gid;
	pid_t parent;
	bool background; /* the handler was in the background (priority.h) */
};

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

static bool is_kept(const struct gc_sandbox_options *o, int out_fd, int fd)
{
	for (size_t i = 0; i < o->n_keep_fds; i++)
		if (o->keep_fds[i] == fd)
			return true;
	return fd == out_fd;
}

/* 0-2 become /dev/null unless given: stdin is the core's pipe while the kernel writes it,
 * which the child must neither read nor hold open (the kernel releases the process only when
 * every reader closed it). After the drain, a stored file may have taken its number. */
static int replace_std_fds(const struct gc_sandbox_options *o, int out_fd)
{
	_cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return negative_errno();
	for (int fd = 0; fd <= 2; fd++)
		if (fd != null && !is_kept(o, out_fd, fd) && dup2(null, fd) < 0)
			return negative_errno();
	if (null <= 2)
		TAKE_FD(null); /* it took a free one of 0-2: keep it there */
	return 0;
}

/* The crashed process's root (an fd of /proc/PID/root, opened by the root part) becomes the
 * child's: the paths its core names are looked up where the process saw them, never on the
 * host for a container's crash. Needs root, so before the user change. */
static int enter_root(int root_fd)
{
	if (root_fd <= 0)
		return 0;
	if (fchdir(root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return negative_errno();
	return 0;
}

static int highest_kept_fd(const struct gc_sandbox_options *o, int out_fd)
{
	int highest = MAX(out_fd, 2);

	for (size_t i = 0; i < o->n_keep_fds; i++)
		highest = MAX(highest, o->keep_fds[i]);
	return highest;
}

/* Killed with the handler: one orphaned by a killed handler ran on without its time limit.
 * After the user change, which clears the setting; the parent may have died before it. */
static int die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return negative_errno();
	return getppid() == parent ? 0 : -ESRCH;
}

static int enter_sandbox(const struct gc_sandbox_options *o, const struct child_ids *ids,
			 int out_fd)
{
	int r = replace_std_fds(o, out_fd);

	if (r >= 0)
		r = enter_root(o->root_fd);
	if (r >= 0)
		r = close_other_fds(o, out_fd);
	if (r >= 0)
		r = drop_privileges(ids->uid, ids->gid);
	if (r >= 0)
		r = die_with_parent(ids->parent);
	if (r >= 0)
		r = set_limits(o, highest_kept_fd(o, out_fd));
	if (r >= 0 && gc_sandbox_filter_supported())
		r = gc_sandbox_filter_install();
	return r;
}

static _Noreturn void child_main(const struct gc_sandbox_options *o, const struct child_ids *ids,
				 int (*fn)(void *userdata, int out_fd), void *userdata, int out_fd)
{
	int r;

	signal(SIGPIPE, SIG_IGN);
	privileged = false;
	if (ids->background) /* best effort, as for the handler */
		(void)gc_priority_background(&(struct gc_priority){});
	if (enter_sandbox(o, ids, out_fd) < 0)
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

/* Reads until EOF or the deadline, calling the options' tick between. Returns true when the
 * deadline passed first. */
static bool collect_output(const struct gc_sandbox_options *o, pid_t pid, int fd, uint64_t deadline,
			   struct output *out)
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
		if (o->tick) {
			o->tick(o->tick_userdata, pid);
			timeout =
			    timeout < 0 ? GC_SANDBOX_TICK_MSEC : MIN(timeout, GC_SANDBOX_TICK_MSEC);
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

/* A child stuck in an uninterruptible read (a hung NFS mount) does not die at once: the
 * handler waits for it a while, then goes on and leaves it to init. */
static void kill_and_reap(pid_t pid, int pidfd)
{
	uint64_t deadline = gc_clock_usec(CLOCK_MONOTONIC) + REAP_TIME_LIMIT_USEC;
	int status;

	kill(pid, SIGKILL);
	/* A child in the background dies only when it gets a CPU, which on busy CPUs takes
	 * seconds: it runs no more of its own code now, so its exit may run at normal
	 * priority. */
	(void)sched_setscheduler(pid, SCHED_OTHER, &(struct sched_param){.sched_priority = 0});
	while (waitpid(pid, &status, WNOHANG) == 0 && ms_until(deadline) > 0)
		wait_exit(pidfd, deadline);
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
		kill_and_reap(pid, pidfd);
		return GC_SANDBOX_TIMED_OUT;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
		return GC_SANDBOX_TIMED_OUT;
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGSYS ? GC_SANDBOX_FORBIDDEN : GC_SANDBOX_CRASHED;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? GC_SANDBOX_OK : GC_SANDBOX_FAILED;
}

int gc_sandbox_run(const struct gc_sandbox_options *o, int (*fn)(void *userdata, int out_fd),
		   void *userdata, enum gc_sandbox_outcome *ret_outcome, char **ret_output)
{
	struct output out = {.limit = o->output_limit};
	uint64_t deadline =
	    o->time_limit_usec ? gc_clock_usec(CLOCK_MONOTONIC) + o->time_limit_usec : 0;
	struct child_ids ids = {.parent = getpid()};
	struct gc_priority saved;
	int fds[2], r;
	pid_t pid;
	bool timed_out;

	r = resolve_user(o->user, &ids.uid, &ids.gid);
	if (r < 0)
		return r;
	out.data = malloc(out.limit + 1);
	if (!out.data)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(out.data);
		return negative_errno();
	}
	/* A handler in the background (priority.h) starts, waits for and kills the child in the
	 * foreground, so that the limit holds on busy CPUs, where it would notice seconds late;
	 * waiting takes no CPU. The child goes back to the background. */
	gc_priority_foreground(&saved);
	ids.background = saved.changed;
	pid = fork();
	if (pid < 0) {
		r = negative_errno();
		gc_priority_restore(&saved);
		close(fds[0]), close(fds[1]), free(out.data);
		return r;
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(o, &ids, fn, userdata, fds[1]);
	}
	close(fds[1]);
	timed_out = collect_output(o, pid, fds[0], deadline, &out);
	close(fds[0]);
	*ret_outcome = reap(pid, timed_out, deadline);
	gc_priority_restore(&saved);
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
