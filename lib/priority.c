/* SPDX-License-Identifier: MIT */
#include "priority.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"

/* No glibc wrappers. IOPRIO_WHO_PROCESS with 0 is the calling thread, as sched_*(0). */
static int ioprio_get_self(void)
{
	return (int)syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0);
}

static int ioprio_set_self(int ioprio)
{
	return syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, ioprio) < 0 ? negative_errno() : 0;
}

static int set_policy(int policy)
{
	struct sched_param param = {.sched_priority = 0};

	return sched_setscheduler(0, policy, &param) < 0 ? negative_errno() : 0;
}

static void save(struct gc_priority *saved)
{
	*saved = (struct gc_priority){
	    .policy = sched_getscheduler(0),
	    .ioprio = ioprio_get_self(),
	    .changed = true,
	};
}

int gc_priority_background(struct gc_priority *saved)
{
	int r, r2;

	save(saved);
	r = set_policy(SCHED_IDLE);
	r2 = ioprio_set_self(IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0));
	return r < 0 ? r : r2;
}

bool gc_priority_is_background(void)
{
	return sched_getscheduler(0) == SCHED_IDLE;
}

void gc_priority_foreground(struct gc_priority *saved)
{
	*saved = (struct gc_priority){.changed = false};
	if (!gc_priority_is_background())
		return;
	save(saved);
	/* CLASS_NONE: best effort at the level nice gives, as a fresh handler has. */
	(void)set_policy(SCHED_OTHER);
	(void)ioprio_set_self(IOPRIO_PRIO_VALUE(IOPRIO_CLASS_NONE, 0));
}

void gc_priority_restore(const struct gc_priority *saved)
{
	if (!saved->changed)
		return;
	/* The real-time policies would need their priority back too: not ours to handle. */
	if (saved->policy >= 0 && saved->policy != SCHED_FIFO && saved->policy != SCHED_RR)
		(void)set_policy(saved->policy);
	if (saved->ioprio >= 0)
		(void)ioprio_set_self(saved->ioprio);
}

int gc_priority_set_process(int pid, bool background)
{
	struct sched_param param = {.sched_priority = 0};
	int ioprio = background ? IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0)
				: IOPRIO_PRIO_VALUE(IOPRIO_CLASS_NONE, 0);

	if (pid <= 0)
		return -EINVAL;
	if (sched_setscheduler(pid, background ? SCHED_IDLE : SCHED_OTHER, &param) < 0)
		return negative_errno();
	return syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, pid, ioprio) < 0 ? negative_errno() : 0;
}

/* Byte 0 of the file: every announcement is a read lock on it, a query asks for a write one. */
static struct flock drain_lock(short type)
{
	return (struct flock){.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
}

int gc_drain_announce(int store_dir_fd)
{
	struct flock lock = drain_lock(F_RDLCK);
	struct stat st;
	int fd;

	fd = openat(store_dir_fd, ".draining",
		    O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		return -EPERM;
	}
	if (fcntl(fd, F_OFD_SETLK, &lock) < 0) {
		int r = negative_errno();

		close(fd);
		return r;
	}
	return fd;
}

void gc_drain_release(int fd)
{
	struct flock lock = drain_lock(F_UNLCK);

	if (fd >= 0)
		(void)fcntl(fd, F_OFD_SETLK, &lock);
}

bool gc_drain_others(int fd)
{
	/* Locks of the caller's own open file description never conflict with its query. */
	struct flock lock = drain_lock(F_WRLCK);

	return fd >= 0 && fcntl(fd, F_OFD_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
}
