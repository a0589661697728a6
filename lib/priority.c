/* SPDX-License-Identifier: MIT */
#include "priority.h"

#include <errno.h>
#include <linux/ioprio.h>
#include <sched.h>
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
