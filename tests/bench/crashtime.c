/* SPDX-License-Identifier: MIT */
/* How long the kernel keeps a crashing process: runs CMD with core dumps enabled and
 * GOTRACEBACK=crash, takes the time when CMD writes its first byte to stdout (it does so
 * right before it crashes), and again when waitpid returns. Prints one line:
 *
 *   HELD_SECONDS PID CRASH_MONOTONIC_USEC DUMPED
 *
 * CRASH_MONOTONIC_USEC is CLOCK_MONOTONIC, the clock of journald's __MONOTONIC_TIMESTAMP;
 * DUMPED is 1 when the kernel reports a core dump.
 *
 *   crashtime CMD [ARG...] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void run_child(int out_fd, char **argv)
{
	struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
	int null_fd = open("/dev/null", O_WRONLY);

	if (setrlimit(RLIMIT_CORE, &unlimited) < 0 || null_fd < 0 ||
	    dup2(out_fd, STDOUT_FILENO) < 0 || dup2(null_fd, STDERR_FILENO) < 0 ||
	    setenv("GOTRACEBACK", "crash", 1) < 0)
		_exit(126);
	execvp(argv[0], argv);
	_exit(127);
}

int main(int argc, char **argv)
{
	uint64_t crash_usec, exit_usec;
	int fds[2], status;
	ssize_t n;
	char byte;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: crashtime CMD [ARG...]\n");
		return 2;
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0)
		run_child(fds[1], argv + 1);
	close(fds[1]);
	do
		n = read(fds[0], &byte, 1);
	while (n < 0 && errno == EINTR);
	crash_usec = now_usec();
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	exit_usec = now_usec();
	if (n != 1) {
		fprintf(stderr, "crashtime: %s exited before it crashed\n", argv[1]);
		return 1;
	}
	printf("%.3f %d %" PRIu64 " %d\n", (double)(exit_usec - crash_usec) / 1e6, (int)pid,
	       crash_usec, WIFSIGNALED(status) && WCOREDUMP(status));
	return 0;
}
