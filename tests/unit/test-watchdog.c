/* SPDX-License-Identifier: MIT */
/* The root part's time bound, against real stalls: an open of a FIFO blocks until a writer
 * comes, as one on a stalled FUSE mount does until the server answers; a pipe nobody reads
 * holds its writer, as the kernel's core dump is held. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "watchdog.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_open_bounded(void **state)
{
	char dir[] = "/tmp/test-watchdog-XXXXXX", path[64];
	int dirfd, fd, writer;
	uint64_t start;

	assert_non_null(mkdtemp(dir));
	dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dirfd >= 0);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	start = now_ms();
	assert_int_equal(gc_open_bounded(dirfd, "fifo", O_RDONLY, 200000), -ETIMEDOUT);
	assert_true(now_ms() - start >= 190 && now_ms() - start < 1500);
	/* The abandoned open completes once a writer comes, and closes what it got: the writer
	 * then sees no reader. */
	writer = open(path, O_WRONLY | O_NONBLOCK);
	assert_true(writer >= 0);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < 100 && write(writer, "x", 1) == 1; i++)
		usleep(10000);
	assert_int_equal(write(writer, "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	close(writer);
	/* What does not stall opens as usual; errors are the open's. */
	fd = gc_open_bounded(dirfd, ".", O_RDONLY | O_DIRECTORY, 200000);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(gc_open_bounded(dirfd, "missing", O_RDONLY, 200000), -ENOENT);
	unlink(path);
	close(dirfd);
	rmdir(dir);
}

/* A writer like the kernel's dump: it finishes only when the stream is read. */
static pid_t start_writer(int fd, size_t bytes)
{
	pid_t pid = fork();

	if (pid == 0) {
		static char buf[1 << 16];

		for (size_t done = 0; done < bytes; done += sizeof(buf))
			if (write(fd, buf, sizeof(buf)) != sizeof(buf))
				_exit(1);
		_exit(0);
	}
	return pid;
}

static void test_watchdog_fires(void **state)
{
	struct gc_watchdog *w = NULL;
	int fds[2], status;
	pid_t writer;
	uint64_t start = now_ms();

	assert_int_equal(pipe(fds), 0);
	writer = start_writer(fds[1], 16 << 20);
	close(fds[1]);
	assert_int_equal(gc_watchdog_start(fds[0], 200000, &w), 0);
	/* The root part is "stuck": the writer is released all the same, within the bound. */
	assert_int_equal(waitpid(writer, &status, 0), writer);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(now_ms() - start >= 190 && now_ms() - start < 3000);
	assert_false(gc_watchdog_claim(w));
	gc_watchdog_free(w);
	assert_int_equal(fcntl(fds[0], F_GETFD), -1); /* it closed the stream */
}

static void test_watchdog_claimed(void **state)
{
	struct gc_watchdog *w = NULL;
	char buf[4];
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(gc_watchdog_start(fds[0], 100000, &w), 0);
	assert_true(gc_watchdog_claim(w));
	usleep(300000);
	assert_int_equal(write(fds[1], "core", 4), 4);
	/* Past the limit, the stream is still the root part's, untouched. */
	assert_int_equal(read(fds[0], buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "core", 4);
	gc_watchdog_free(w);
	assert_true(gc_watchdog_claim(NULL));
	gc_watchdog_free(NULL);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_bounded),
	    cmocka_unit_test(test_watchdog_fires),
	    cmocka_unit_test(test_watchdog_claimed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
