/* SPDX-License-Identifier: MIT */
/* The goroutines file as the root side reads it (gocrashctl stacks, the journal summary): the
 * sandboxed child wrote it, so its bytes are the crashed process's as much as the child's.
 * Whatever gc_go_report_read() makes of them, every renderer must cope: the runtime's text
 * (all, crashed only, grouped), the JSON (which must be one valid JSON value), the journal's
 * short stack, and the terminal escape before the text. What it read must store and read back
 * to the same file: write(read(write(read(x)))) == write(read(x)).
 *
 * And all of it must give back the memory it took. With GC_FUZZ_HEAP_CHECK=1 in the
 * environment (the replay test sets it, with glibc's tcache off so that freed memory stops
 * counting as in use), the heap in use is the same after each input as before: a leak shows
 * without LeakSanitizer. Under ASan, mallinfo2() says 0 throughout and LeakSanitizer looks. */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goreport.h"
#include "json-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct gc_go_render renders[] = {
    {.crashed_only = false, .group = false},
    {.crashed_only = true, .group = false},
    {.crashed_only = false, .group = true},
    {.crashed_only = true, .group = true},
};

/* A report read from size bytes at data; aborts on anything but success or damage. */
static void read_report(const void *data, size_t size, struct gc_go_report *ret)
{
	FILE *f = fmemopen((void *)data, size, "r");
	int r;

	if (!f)
		abort();
	r = gc_go_report_read(f, ret);
	fclose(f);
	if (r < 0 && r != -EBADMSG)
		abort();
}

/* The stored form of report, or NULL when a string is too long to be kept (-E2BIG). */
static char *write_report(const struct gc_go_report *report, size_t *ret_size)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, ret_size);
	int r;

	if (!f)
		abort();
	r = gc_go_report_write(report, f);
	if (fclose(f) != 0 || (r < 0 && r != -E2BIG))
		abort();
	if (r < 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void check_round_trip(const struct gc_go_report *report)
{
	struct gc_go_report back = {};
	size_t size, again_size;
	char *text = write_report(report, &size), *again;

	if (!text)
		return;
	read_report(text, size, &back);
	again = write_report(&back, &again_size);
	if (!again || again_size != size || memcmp(text, again, size) != 0)
		abort();
	free(again);
	free(text);
	gc_go_report_free(&back);
}

static void render(const struct gc_go_report *report)
{
	for (size_t i = 0; i < sizeof(renders) / sizeof(renders[0]); i++) {
		char *text = NULL;
		size_t size = 0;
		FILE *out = open_memstream(&text, &size);

		if (!out)
			abort();
		gc_go_report_print_text(report, &renders[i], out);
		if (fclose(out) != 0)
			abort();
		free(text);

		text = NULL;
		out = open_memstream(&text, &size);
		if (!out)
			abort();
		gc_go_report_print_json(report, &renders[i], out);
		if (fclose(out) != 0 || !json_is_valid(text, size))
			abort();
		free(text);
	}
	free(gc_go_report_crashed_stack(report, 8));
}

static void check_all(const uint8_t *data, size_t size)
{
	struct gc_go_report report = {};
	char *text = NULL;
	size_t text_size = 0;
	FILE *out;

	read_report(data, size, &report);
	render(&report);
	check_round_trip(&report);
	/* gocrashctl stacks on a terminal. */
	if (gc_go_report_escape(&report) < 0)
		abort();
	out = open_memstream(&text, &text_size);
	if (!out)
		abort();
	gc_go_report_print_text(&report, NULL, out);
	if (fclose(out) != 0)
		abort();
	free(text);
	gc_go_report_free(&report);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int heap_check = -1;
	size_t in_use;

	if (heap_check < 0)
		heap_check = getenv("GC_FUZZ_HEAP_CHECK") != NULL;
	if (size == 0)
		return 0; /* fmemopen wants a buffer */
	in_use = mallinfo2().uordblks;
	check_all(data, size);
	if (heap_check && mallinfo2().uordblks != in_use)
		abort(); /* a leak */
	return 0;
}
