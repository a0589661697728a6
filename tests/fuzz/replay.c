/* SPDX-License-Identifier: MIT */
/* Replays every file of a corpus directory through a libFuzzer-style target, so the fuzz
 * targets run as regression tests without clang. Built with -fsanitize=fuzzer instead, the
 * target file links against libFuzzer's own main and this file is left out. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long size;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		fclose(f);
		return -1;
	}
	data = malloc(size ? size : 1);
	if (!data || fread(data, 1, size, f) != (size_t)size) {
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	int replayed = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		DIR *dir = opendir(argv[i]);
		struct dirent *de;

		if (!dir) {
			failed += replay_file(argv[i]) < 0;
			replayed++;
			continue;
		}
		while ((de = readdir(dir))) {
			char path[4096];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			failed += replay_file(path) < 0;
			replayed++;
		}
		closedir(dir);
	}
	printf("replayed %d inputs, %d unreadable\n", replayed, failed);
	/* An empty corpus means the test checks nothing: fail loudly rather than pass. */
	return replayed == 0 || failed != 0;
}
