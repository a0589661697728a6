/* SPDX-License-Identifier: MIT */
#include "pager.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"

/* The pager the user chose, NULL for none. */
static const char *chosen_pager(void)
{
	const char *names[] = {"GOCRASHCTL_PAGER", "PAGER"};

	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		const char *value = getenv(names[i]);

		if (!value)
			continue;
		if (value[0] == '\0' || strcmp(value, "cat") == 0)
			return NULL;
		return value;
	}
	return "";
}

/* In the child: the chosen pager through the shell, else less, else more, else a copy of
 * the input. Never returns. */
_Noreturn static void run_pager(const char *pager)
{
	char buf[4096];
	ssize_t n;

	setenv("LESS", "FRSXMK", 0);
	if (geteuid() == 0)
		setenv("LESSSECURE", "1", 1);
	if (pager[0])
		execl("/bin/sh", "sh", "-c", pager, (char *)NULL);
	execlp("less", "less", (char *)NULL);
	execlp("more", "more", (char *)NULL);
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		if (write(STDOUT_FILENO, buf, n) != n)
			break;
	_exit(EXIT_SUCCESS);
}

int gc_pager_open(struct gc_pager *pager, bool disabled)
{
	const char *chosen = chosen_pager();
	int fds[2];
	pid_t pid;

	*pager = (struct gc_pager){.saved_stdout = -EBADF};
	if (disabled || !chosen || !isatty(STDOUT_FILENO))
		return 0;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return negative_errno();
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return negative_errno();
	}
	if (pid == 0) {
		/* Gone with gocrashctl, whatever killed it. */
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (dup2(fds[0], STDIN_FILENO) < 0)
			_exit(EXIT_FAILURE);
		run_pager(chosen);
	}
	close(fds[0]);
	pager->saved_stdout = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (pager->saved_stdout < 0 || dup2(fds[1], STDOUT_FILENO) < 0) {
		close(fds[1]);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return negative_errno();
	}
	close(fds[1]);
	pager->pid = pid;
	return 0;
}

void gc_pager_close(struct gc_pager *pager)
{
	if (pager->pid <= 0)
		return;
	fflush(stdout);
	/* The pager sees the end of its input; put back our stdout so later writes go there. */
	dup2(pager->saved_stdout, STDOUT_FILENO);
	close(pager->saved_stdout);
	while (waitpid(pager->pid, NULL, 0) < 0 && errno == EINTR)
		;
	pager->pid = 0;
}
