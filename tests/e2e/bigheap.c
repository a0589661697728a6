/* Fills SIZE MiB of heap with text-like pseudo-random data (compressible, never zero), then
 * crashes: a large, realistic core for the memory-bound test. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	static const char *words[] = {"request", "handler", "goroutine", "timeout",
				      "user",	 "session", "cache",	 "error",
				      "status",	 "200",	    "404",	 "ok"};
	size_t size = (size_t)(argc > 1 ? atoi(argv[1]) : 1536) << 20, used = 0;
	uint64_t x = 88172645463325252ull;
	char *heap = malloc(size);

	if (!heap)
		return 1;
	while (used + 16 < size) {
		const char *w = words[(x >> 33) % (sizeof(words) / sizeof(words[0]))];
		size_t len = strlen(w);

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(heap + used, w, len);
		heap[used + len] = (x & 7) ? ' ' : '\n';
		used += len + 1;
		if ((x & 63) == 0) {
			memcpy(heap + used, &x, 8);
			used += 8;
		}
	}
	*(volatile int *)0 = heap[size / 2];
	return 0;
}
