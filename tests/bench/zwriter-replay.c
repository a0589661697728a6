/* SPDX-License-Identifier: MIT */
/* Replays a core from stdin through gc_zwriter the way lib/capture.c's drain loop does
 * (read(2) 1 MiB at a time, every chunk queued to the writer), so the writer's knobs can be
 * measured one at a time without the rest of gocrashd:
 *
 *   zwriter-replay OUT LEVEL THREADS FRAME_KIB [PIPE_KIB] < core
 *
 * PIPE_KIB > 0 first grows stdin's pipe with F_SETPIPE_SZ, to try that change to capture.c.
 * Prints "drain_s total_s raw_bytes stored_bytes" on stdout. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zseek.h"

#define READ_CHUNK (1u << 20)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int replay(int out_fd, const struct gc_zwriter_options *options, double start)
{
	struct gc_zwriter *writer;
	uint64_t raw = 0, stored = 0;
	char *buf = malloc(READ_CHUNK);
	double drained;
	int r;

	if (!buf)
		return -ENOMEM;
	r = gc_zwriter_new(out_fd, options, &writer);
	if (r < 0) {
		free(buf);
		return r;
	}
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, READ_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		r = gc_zwriter_write(writer, buf, n);
		if (r < 0)
			break;
	}
	close(STDIN_FILENO);
	drained = now_s();
	if (r == 0)
		r = gc_zwriter_finish(writer, &raw, &stored);
	gc_zwriter_free(writer);
	free(buf);
	if (r == 0)
		printf("%.3f %.3f %" PRIu64 " %" PRIu64 "\n", drained - start, now_s() - start, raw,
		       stored);
	return r;
}

int main(int argc, char **argv)
{
	struct gc_zwriter_options options;
	double start = now_s();
	int out_fd, r;

	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: %s OUT LEVEL THREADS FRAME_KIB [PIPE_KIB] < core\n",
			argv[0]);
		return 2;
	}
	options = (struct gc_zwriter_options){
	    .level = atoi(argv[2]),
	    .threads = strtoul(argv[3], NULL, 10),
	    .frame_size = strtoul(argv[4], NULL, 10) << 10,
	};
	if (argc == 6 && atoi(argv[5]) > 0 &&
	    fcntl(STDIN_FILENO, F_SETPIPE_SZ, atoi(argv[5]) << 10) < 0)
		fprintf(stderr, "F_SETPIPE_SZ: %s\n", strerror(errno));
	out_fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out_fd < 0) {
		perror(argv[1]);
		return 1;
	}
	r = replay(out_fd, &options, start);
	close(out_fd);
	if (r < 0) {
		fprintf(stderr, "zwriter-replay: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
