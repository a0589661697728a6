/* SPDX-License-Identifier: MIT */
/* The analysis sandbox, with real children: limits are enforced, privileges are gone, and
 * only the fds it was given are open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

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

/* Reports who it runs as and which of the parent's fds it can still see. */
static int report(void *userdata, int out_fd)
{
	const int *probe = userdata;

	dprintf(out_fd, "uid=%d nnp=%d kept=%d probe=%d", (int)getuid(),
		prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), fcntl(probe[0], F_GETFD) >= 0,
		fcntl(probe[1], F_GETFD) >= 0);
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
	char *out;

	run(report, probe, &o, GC_SANDBOX_OK, &out);
	/* As root the child becomes the gocrashd user or nobody: either way not root. */
	if (getuid() == 0)
		assert_true(strncmp(out, "uid=0 ", 6) != 0);
	assert_non_null(strstr(out, " nnp=1 kept=1 probe=0"));
	free(out);
	close(probe[0]);
	close(probe[1]);
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
	    cmocka_unit_test(test_output_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
