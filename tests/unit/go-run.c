/* SPDX-License-Identifier: MIT */
#include "go-run.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int go_run(const char *dir, const char *gocache, const char *cgo, char *const argv[],
	   const char *out)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return 128;
	if (pid == 0) {
		int fd =
		    open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		setenv("GOCACHE", gocache, 1);
		setenv("GOTOOLCHAIN", "local", 1);
		setenv("GOPROXY", "off", 1);
		setenv("GOFLAGS", "-mod=mod", 1);
		setenv("CGO_ENABLED", cgo ? cgo : "0", 1);
		if (fd < 0)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		if (chdir(dir) == 0)
			execv(argv[0], argv);
		dprintf(2, "cannot run %s in %s: %m\n", argv[0], dir);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 128;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
