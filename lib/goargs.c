/* SPDX-License-Identifier: MIT */
/* Argument lists as the runtime prints them in a traceback (runtime.printArgs): a byte program
 * in FUNCDATA_ArgInfo says which words of the argument area to print, with liveness from
 * FUNCDATA_ArgLiveInfo marking values that may be stale with "?". */
#include "goargs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

enum {
	ARG_END = 0xff,
	ARG_START_AGG = 0xfe,
	ARG_END_AGG = 0xfd,
	ARG_DOTDOTDOT = 0xfc,
	ARG_OFFSET_TOO_LARGE = 0xfb,
	ARG_INFO_MAX = (5 * 3 + 2) * 10 + 1,
	PCDATA_ARG_LIVE_INDEX = 3,
};

/* The longest list a program of ARG_INFO_MAX bytes prints is about 2 KiB (85 words of
 * "0x" + 16 digits + "?, "); longer is cut, never overflowed. */
#define TEXT_MAX 4096

/* A fixed buffer instead of open_memstream: a stream per frame (its FILE and first buffer)
 * was a fifth of the analysis of 100,000 goroutines, in malloc and page faults. */
struct text {
	char s[TEXT_MAX];
	size_t len;
};

static void put(struct text *out, const char *s)
{
	size_t n = strnlen(s, sizeof(out->s) - 1 - out->len);

	memcpy(out->s + out->len, s, n);
	out->len += n;
	out->s[out->len] = '\0';
}

struct liveness {
	struct gc_go_target *t;
	uint64_t info; /* FUNCDATA_ArgLiveInfo address, 0 when none */
	int32_t index;
	uint8_t start_offset;
};

static bool is_live(struct liveness *l, uint8_t off, uint8_t slot)
{
	uint8_t bits;

	if (!l->info || l->index <= 0 || off < l->start_offset)
		return true;
	if (gc_go_read(l->t, l->info + (uint64_t)l->index + slot / 8, &bits, 1) < 0)
		return true;
	return bits & (1u << (slot % 8));
}

static void print_word(struct text *out, struct liveness *l, uint64_t argp, uint8_t off,
		       uint8_t size, uint8_t slot)
{
	uint64_t x = 0;
	char word[32];

	if (gc_go_read(l->t, argp + off, &x, sizeof(x)) < 0) {
		put(out, "?");
		return;
	}
	if (size < 8)
		x = x << (64 - size * 8) >> (64 - size * 8);
	snprintf(word, sizeof(word), "0x%" PRIx64 "%s", x, is_live(l, off, slot) ? "" : "?");
	put(out, word);
}

static void run_program(struct text *out, const uint8_t *p, size_t n, struct liveness *l,
			uint64_t argp)
{
	bool start = true;
	uint8_t slot = 0;

	for (size_t i = 0; i < n;) {
		uint8_t op = p[i++];

		if (op == ARG_END)
			break;
		if (op != ARG_END_AGG && !start)
			put(out, ", ");
		if (op == ARG_START_AGG) {
			put(out, "{");
			start = true;
			continue;
		}
		if (op == ARG_END_AGG)
			put(out, "}");
		else if (op == ARG_DOTDOTDOT)
			put(out, "...");
		else if (op == ARG_OFFSET_TOO_LARGE)
			put(out, "_");
		else if (i < n) {
			print_word(out, l, argp, op, p[i++], slot);
			if (op >= l->start_offset)
				slot++;
		}
		start = false;
	}
}

int gc_go_format_args(struct gc_go_target *t, const struct gc_func *f, uint64_t argp, uint64_t pc,
		      char **ret)
{
	struct liveness l = {.t = t, .start_offset = 0xff};
	uint8_t program[ARG_INFO_MAX];
	uint64_t info;
	struct text out; /* not zeroed: 4 KiB for each of a core's frames */

	if (gc_pclntab_funcdata(t->tab, f, GC_FUNCDATA_ARG_INFO, &info) < 0) {
		*ret = strdup(""); /* no arguments recorded: "()" */
		return *ret ? 0 : -ENOMEM;
	}
	memset(program, ARG_END, sizeof(program));
	/* The program may end close to unreadable memory: read what there is. */
	for (size_t n = sizeof(program); n > 0; n /= 2)
		if (gc_go_read(t, info, program, n) >= 0)
			break;
	if (gc_pclntab_funcdata(t->tab, f, GC_FUNCDATA_ARG_LIVE_INFO, &l.info) < 0)
		l.info = 0;
	if (l.info && gc_go_read(t, l.info, &l.start_offset, 1) < 0)
		l.info = 0;
	if (gc_pclntab_pcdata(t->tab, f, PCDATA_ARG_LIVE_INDEX, pc, &l.index) < 0)
		l.index = -1;
	out.len = 0;
	out.s[0] = '\0';
	run_program(&out, program, sizeof(program), &l, argp);
	*ret = strdup(out.s);
	return *ret ? 0 : -ENOMEM;
}
