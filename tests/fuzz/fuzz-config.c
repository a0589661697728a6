/* SPDX-License-Identifier: MIT */
/* gocrashd.conf as gc_config_load() reads it (through inih), from the input's bytes: bad lines
 * and values are skipped, never fatal. What it loaded must format (gc_config_format(), what
 * `gocrashctl status` shows) to a file that loads back to the same configuration: formatting
 * the reloaded one gives the same text. The file is a memfd, read as /proc/self/fd/N (its
 * drop-in directory, /proc/self/fd/N.d, does not exist). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The messages are formatted (their text comes from the file) and dropped. */
static void drop_message(int priority, const char *message, void *userdata)
{
	(void)priority;
	(void)message;
	(void)userdata;
}

/* Loads size bytes at data over the defaults and formats the result; aborts on failure. */
static char *load_and_format(const void *data, size_t size)
{
	struct gc_config config;
	char path[64], *text = NULL;
	int fd = memfd_create("gocrashd.conf", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	gc_config_init(&config);
	/* A file over 1 MiB is refused as a whole, the defaults kept: still a result to format. */
	if (gc_config_load(&config, path) < 0 && size <= (1 << 20))
		abort();
	close(fd);
	if (gc_config_format(&config, &text) < 0)
		abort();
	gc_config_free(&config);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *again;

	gc_log_set(drop_message, NULL);
	text = load_and_format(data, size);
	again = load_and_format(text, strlen(text));
	if (strcmp(text, again) != 0)
		abort();
	free(text);
	free(again);
	return 0;
}
