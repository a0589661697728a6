/* SPDX-License-Identifier: MIT */
/* Argument lists as the runtime prints them in a traceback (runtime.printArgs): a byte program
 * in FUNCDATA_ArgInfo says which words of the argument area to print, with liveness from
 * FUNCDATA_ArgLiveInfo marking values that may be stale with "?". */
#include "goargs.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
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

/* runtime.printfloat up to 1.25: "+d.dddddde+ddd", 7 digits rounded by adding half a unit. */
static void format_float_old(char out[GC_GO_FLOAT_MAX], double v)
{
	char buf[14];
	int e = 0;

	if (v != v || (v + v == v && v != 0)) {
		snprintf(out, GC_GO_FLOAT_MAX, "%s", v != v ? "NaN" : v > 0 ? "+Inf" : "-Inf");
		return;
	}
	buf[0] = signbit(v) ? '-' : '+';
	v = fabs(v);
	if (v != 0) {
		double h = 5.0;

		for (; v >= 10; e++)
			v /= 10;
		for (; v < 1; e--)
			v *= 10;
		for (int i = 0; i < 7; i++)
			h /= 10;
		v += h;
		if (v >= 10) {
			e++;
			v /= 10;
		}
	}
	for (int i = 0; i < 7; i++) {
		int d = (int)v;

		buf[i + 2] = (char)('0' + d);
		v = (v - d) * 10;
	}
	buf[1] = buf[2];
	buf[2] = '.';
	snprintf(out, GC_GO_FLOAT_MAX, "%.9se%c%03d", buf, e < 0 ? '-' : '+', e < 0 ? -e : e);
}

/* The shortest decimal that reads back as v > 0 (as a float when single): its digits without
 * trailing zeros into d, and dp, the exponent of the first one (v = 0.d1d2... * 10^dp). */
static size_t shortest_digits(double v, bool single, char d[GC_GO_FLOAT_MAX], int *dp)
{
	char text[GC_GO_FLOAT_MAX];
	size_t n = 0;

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(text, sizeof(text), "%.*e", prec - 1, v);
		if (single ? strtof(text, NULL) == (float)v : strtod(text, NULL) == v)
			break;
	}
	for (const char *c = text; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9')
			d[n++] = *c;
	*dp = atoi(strchr(text, 'e') + 1) + 1;
	while (n > 1 && d[n - 1] == '0')
		n--;
	return n;
}

/* From 1.26: strconv.AppendFloat(v, 'g', -1, 64 or 32), %e form for an exponent below -4 or
 * from 6 on ("1.5", "1e+21", "1e-05", "123456", "1.234567e+06", "-0", "+Inf"). */
static void format_float_shortest(char out[GC_GO_FLOAT_MAX], double v, bool single)
{
	char d[GC_GO_FLOAT_MAX];
	size_t n = 0, len = 0;
	int dp = 0, exp;

	if (v != v || (v + v == v && v != 0)) {
		snprintf(out, GC_GO_FLOAT_MAX, "%s", v != v ? "NaN" : v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (signbit(v))
		out[len++] = '-';
	if (v != 0) /* zero has no digits, as in strconv */
		n = shortest_digits(fabs(v), single, d, &dp);
	exp = dp - 1;
	if (n > 0 && (exp < -4 || exp >= 6)) {
		snprintf(out + len, GC_GO_FLOAT_MAX - len, "%c%s%.*se%c%02d", d[0],
			 n > 1 ? "." : "", (int)n - 1, d + 1, exp < 0 ? '-' : '+',
			 exp < 0 ? -exp : exp);
		return;
	}
	/* %f: the integer part padded with zeros, then n - dp fraction digits (at most 21
	 * characters with the sign: exp is -4 to 5 here and n at most 17) */
	for (int i = 0; i < dp; i++)
		out[len++] = i < (int)n ? d[i] : '0';
	if (dp <= 0)
		out[len++] = '0';
	for (int i = 0; i < (int)n - dp; i++) {
		if (i == 0)
			out[len++] = '.';
		out[len++] = dp + i >= 0 ? d[dp + i] : '0';
	}
	out[len] = '\0';
}

void gc_go_format_float(char out[GC_GO_FLOAT_MAX], double v, bool single, bool shortest)
{
	if (shortest)
		format_float_shortest(out, v, single);
	else
		format_float_old(out, v);
}
