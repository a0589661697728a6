/* SPDX-License-Identifier: MIT */
/* The handler's background priority: SCHED_IDLE and the idle I/O class, inherited by threads
 * and children, taken back for the store lock, and the analysis's time limit still holding
 * when every CPU is busy with work of normal priority. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/ioprio.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "priority.h"
#include "sandbox.h"
#include "store.h"

static int io_class(void)
{
	return IOPRIO_PRIO_CLASS(syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0));
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *report_thread(void *userdata)
{
	int *seen = userdata;

	seen[0] = sched_getscheduler(0);
	seen[1] = io_class();
	return NULL;
}

static void test_background_is_inherited(void **state)
{
	struct gc_priority saved;
	int seen[2] = {-1, -1}, status;
	pthread_t thread;
	pid_t pid;

	assert_int_equal(sched_getscheduler(0), SCHED_OTHER);
	assert_int_equal(gc_priority_background(&saved), 0);
	assert_true(gc_priority_is_background());
	assert_int_equal(io_class(), IOPRIO_CLASS_IDLE);
	assert_int_equal(pthread_create(&thread, NULL, report_thread, seen), 0);
	pthread_join(thread, NULL);
	assert_int_equal(seen[0], SCHED_IDLE);
	assert_int_equal(seen[1], IOPRIO_CLASS_IDLE);
	pid = fork();
	if (pid == 0)
		_exit(sched_getscheduler(0) == SCHED_IDLE && io_class() == IOPRIO_CLASS_IDLE ? 0
											     : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	gc_priority_restore(&saved);
	assert_int_equal(sched_getscheduler(0), SCHED_OTHER);
	assert_int_not_equal(io_class(), IOPRIO_CLASS_IDLE);
}

static void test_foreground_for_a_section(void **state)
{
	struct gc_priority background, section;

	gc_priority_foreground(&section); /* not in the background: nothing to do */
	assert_int_equal(sched_getscheduler(0), SCHED_OTHER);
	gc_priority_restore(&section);
	assert_int_equal(sched_getscheduler(0), SCHED_OTHER);

	assert_int_equal(gc_priority_background(&background), 0);
	gc_priority_foreground(&section);
	assert_int_equal(sched_getscheduler(0), SCHED_OTHER);
	assert_int_not_equal(io_class(), IOPRIO_CLASS_IDLE);
	gc_priority_restore(&section);
	assert_int_equal(sched_getscheduler(0), SCHED_IDLE);
	assert_int_equal(io_class(), IOPRIO_CLASS_IDLE);
	gc_priority_restore(&background);
	assert_int_equal(sched_getscheduler(0), SCHED_OTHER);
}

/* A handler in the background holds the store lock at normal priority, nested or not. */
static void test_store_lock_in_foreground(void **state)
{
	char root[] = "/tmp/test-priority.XXXXXX", path[64], cmd[96];
	struct gc_priority saved;
	struct gc_store *store;

	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/store", root);
	assert_int_equal(gc_store_open(path, true, &store), 0);
	assert_int_equal(gc_priority_background(&saved), 0);
	assert_int_equal(gc_store_lock(store), 0);
	assert_int_equal(sched_getscheduler(0), SCHED_OTHER);
	assert_int_equal(gc_store_lock(store), 0);
	gc_store_unlock(store);
	assert_int_equal(sched_getscheduler(0), SCHED_OTHER);
	gc_store_unlock(store);
	assert_int_equal(sched_getscheduler(0), SCHED_IDLE);
	assert_int_equal(io_class(), IOPRIO_CLASS_IDLE);
	gc_priority_restore(&saved);
	gc_store_free(store);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

static atomic_bool stop;

static void *burn(void *userdata)
{
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		;
	return NULL;
}

static int spin(void *userdata, int out_fd)
{
	for (volatile unsigned long i = 0;; i++)
		;
	return 0;
}

/* Field 41 of /proc/self/stat, the scheduling policy: sched_getscheduler is not in the
 * child's seccomp filter. -1 when it cannot be read. */
static int policy_of_self(void)
{
	char stat[1024], *p;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, stat, sizeof(stat) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	stat[n] = '\0';
	p = strrchr(stat, ')');
	for (int field = 2; p && field < 41; field++)
		p = strchr(p + 1, ' ');
	return p ? atoi(p + 1) : -1;
}

static int report_policy(void *userdata, int out_fd)
{
	int policy = policy_of_self();

	return policy >= 0 && dprintf(out_fd, "%d", policy) > 0 ? 0 : 1;
}

/* The analysis child of a handler in the background is in the background too, while the
 * handler waits for it in the foreground and is back in the background after. */
static void test_child_in_background(void **state)
{
	struct gc_sandbox_options o = {.time_limit_usec = 10000000, .output_limit = 64};
	enum gc_sandbox_outcome outcome;
	struct gc_priority saved;
	char *output = NULL;

	assert_int_equal(gc_sandbox_run(&o, report_policy, NULL, &outcome, &output), 0);
	assert_int_equal(outcome, GC_SANDBOX_OK);
	assert_int_equal(atoi(output), SCHED_OTHER);
	free(output);
	assert_int_equal(gc_priority_background(&saved), 0);
	assert_int_equal(gc_sandbox_run(&o, report_policy, NULL, &outcome, &output), 0);
	assert_int_equal(outcome, GC_SANDBOX_OK);
	assert_int_equal(atoi(output), SCHED_IDLE);
	assert_int_equal(sched_getscheduler(0), SCHED_IDLE);
	gc_priority_restore(&saved);
	free(output);
}

/* TimeLimitSec= is wall-clock: an analysis starved by a crash loop is cut off at its limit
 * like a slow one, killed and recorded as timed out, and the handler (in the background
 * too) notices in time although every CPU is taken by threads of normal priority. */
static void test_time_limit_when_starved(void **state)
{
	struct gc_sandbox_options o = {.time_limit_usec = 500000, .output_limit = 64};
	long n_burners = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t burners[n_burners];
	enum gc_sandbox_outcome outcome;
	struct gc_priority saved;
	char *output = NULL;
	uint64_t start;

	atomic_store(&stop, false);
	for (long i = 0; i < n_burners; i++)
		assert_int_equal(pthread_create(&burners[i], NULL, burn, NULL), 0);
	assert_int_equal(gc_priority_background(&saved), 0);
	start = now_ms();
	assert_int_equal(gc_sandbox_run(&o, spin, NULL, &outcome, &output), 0);
	assert_int_equal(outcome, GC_SANDBOX_TIMED_OUT);
	/* The limit, and the scheduling delay of an idle task behind busy CPUs. */
	assert_true(now_ms() - start < 5000);
	gc_priority_restore(&saved);
	atomic_store(&stop, true);
	for (long i = 0; i < n_burners; i++)
		pthread_join(burners[i], NULL);
	free(output);
}

/* A drain announced on one open file is seen through every other, never through its own;
 * it ends with gc_drain_release() or with its process, however that ends. */
static void test_drain_announcement(void **state)
{
	char dir[] = "/tmp/test-priority-XXXXXX";
	int dir_fd, a, b, status;
	pid_t pid;

	assert_non_null(mkdtemp(dir));
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dir_fd >= 0);
	a = gc_drain_announce(dir_fd);
	b = gc_drain_announce(dir_fd);
	assert_true(a >= 0 && b >= 0);
	assert_true(gc_drain_others(a));
	gc_drain_release(b);
	assert_true(gc_drain_others(b));
	assert_false(gc_drain_others(a));
	gc_drain_release(a);
	assert_false(gc_drain_others(b));
	assert_false(gc_drain_others(-EBADF));

	/* a handler killed mid-drain */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (gc_drain_announce(dir_fd) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	for (int i = 0; i < 500 && !gc_drain_others(a); i++)
		usleep(10000);
	assert_true(gc_drain_others(a));
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_false(gc_drain_others(a));
	close(a), close(b);

	/* never through a symlink put in its place */
	assert_int_equal(unlinkat(dir_fd, ".draining", 0), 0);
	assert_int_equal(symlinkat("/etc/passwd", dir_fd, ".draining"), 0);
	assert_int_equal(gc_drain_announce(dir_fd), -ELOOP);
	assert_int_equal(unlinkat(dir_fd, ".draining", 0), 0);
	close(dir_fd);
	assert_int_equal(rmdir(dir), 0);
}

/* Until the parent moves it to the background. */
static int wait_for_background(void *userdata, int out_fd)
{
	uint64_t deadline = now_ms() + 5000;

	while (policy_of_self() != SCHED_IDLE && now_ms() < deadline)
		;
	return report_policy(userdata, out_fd);
}

struct ticks {
	int count, io_class;
};

static void to_background(void *userdata, int child_pid)
{
	struct ticks *t = userdata;

	if (t->count++ != 3)
		return;
	assert_int_equal(gc_priority_set_process(child_pid, true), 0);
	t->io_class = IOPRIO_PRIO_CLASS(syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, child_pid));
}

/* The parent's tick comes while it waits for the child, often, with the child's pid: the
 * analysis yields to a new crash's drain through it. */
static void test_tick_moves_child(void **state)
{
	struct ticks ticks = {.io_class = -1};
	struct gc_sandbox_options o = {.time_limit_usec = 10000000,
				       .output_limit = 64,
				       .tick = to_background,
				       .tick_userdata = &ticks};
	enum gc_sandbox_outcome outcome;
	char *output = NULL;
	uint64_t start = now_ms();

	assert_int_equal(gc_sandbox_run(&o, wait_for_background, NULL, &outcome, &output), 0);
	assert_int_equal(outcome, GC_SANDBOX_OK);
	assert_int_equal(atoi(output), SCHED_IDLE);
	assert_int_equal(ticks.io_class, IOPRIO_CLASS_IDLE);
	assert_true(ticks.count >= 4);
	/* ticks every GC_SANDBOX_TICK_MSEC: the fourth well within 2 s on a busy machine */
	assert_true(now_ms() - start < 2000);
	assert_int_equal(sched_getscheduler(0), SCHED_OTHER);
	free(output);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_background_is_inherited),
	    cmocka_unit_test(test_foreground_for_a_section),
	    cmocka_unit_test(test_store_lock_in_foreground),
	    cmocka_unit_test(test_child_in_background),
	    cmocka_unit_test(test_time_limit_when_starved),
	    cmocka_unit_test(test_drain_announcement),
	    cmocka_unit_test(test_tick_moves_child),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
