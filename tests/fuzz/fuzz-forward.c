/* SPDX-License-Identifier: MIT */
/* NonGo=forward's expansion of the previous handler's core_pattern (gc_forward_argv()): the
 * input is the pattern, after a first line that gives the crashed process's own strings
 * (comm, executable path, hostname, separated by tabs, cut at the input's end). The argv must
 * be what the kernel would run: the pattern's words split at spaces (expanded values never
 * split), each %-specifier replaced by its value as forward.h describes it, computed here by a
 * checker of its own. A pattern that is not a pipe, or has no word, is -EINVAL. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct gc_forward_values values_template = {
    .pid = 41,
    .global_pid = 4141,
    .tid = 42,
    .global_tid = 4242,
    .uid = 1000,
    .gid = -1,
    .dump_mode = 2,
    .signal = 11,
    .time_sec = 1796321581,
    .core_limit = UINT64_MAX,
    .cpu = 7,
    .pidfd = 9,
};

/* What %spec stands for, as the kernel writes it, appended to out. */
static void expected_value(char spec, const struct gc_forward_values *v, FILE *out)
{
	static const char numbers[] = "pPiIugdstcCF";
	const char *base, *s;

	if (spec && strchr(numbers, spec)) {
		long long n[] = {v->pid,
				 v->global_pid,
				 v->tid,
				 v->global_tid,
				 v->uid,
				 v->gid,
				 v->dump_mode,
				 v->signal,
				 0,
				 0,
				 v->cpu,
				 v->pidfd};
		size_t i = (size_t)(strchr(numbers, spec) - numbers);

		if (spec == 't' || spec == 'c')
			fprintf(out, "%llu",
				(unsigned long long)(spec == 't' ? v->time_sec : v->core_limit));
		else
			fprintf(out, "%lld", n[i]);
		return;
	}
	switch (spec) {
	case '%':
		fputc('%', out);
		return;
	case 'h':
	case 'f':
	case 'e':
	case 'E':
		/* fs/coredump.c cn_esc_printf: "!" for nothing, '!' for '/' */
		base = strrchr(v->exe_path, '/');
		s = spec == 'h'	  ? v->hostname
		    : spec == 'e' ? v->comm
		    : spec == 'E' ? v->exe_path
		    : base	  ? base + 1
				  : v->exe_path;
		if (!*s)
			fputc('!', out);
		for (; *s; s++)
			fputc(*s == '/' ? '!' : *s, out);
		return;
	default:
		return; /* the kernel drops an unknown specifier, and a '%' at the end */
	}
}

static char *expected_word(const char *word, size_t len, const struct gc_forward_values *v)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	if (!out)
		abort();
	for (size_t i = 0; i < len; i++) {
		if (word[i] == '%')
			expected_value(++i < len ? word[i] : '\0', v, out);
		else
			fputc(word[i], out);
	}
	if (fclose(out) != 0)
		abort();
	return text;
}

static void check_argv(const char *pattern, const struct gc_forward_values *v, char **argv)
{
	size_t n = 0;

	for (const char *p = pattern + 1; *p;) {
		size_t len;
		char *want;

		p += strspn(p, " \t\n\v\f\r");
		if (!*p)
			break;
		len = strcspn(p, " \t\n\v\f\r");
		want = expected_word(p, len, v);
		if (!argv[n] || strcmp(argv[n], want) != 0)
			abort();
		free(want);
		n++;
		p += len;
	}
	if (n == 0 || argv[n])
		abort();
}

/* The next tab-separated string of the first line, NUL-terminated in place. */
static char *next_field(char **p)
{
	char *start = *p, *end = start + strcspn(start, "\t\n");

	*p = *end ? end + 1 : end;
	*end = '\0';
	return start;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gc_forward_values v = values_template;
	char *input = malloc(size + 1), *p, *pattern, **argv = NULL;
	int r;

	if (!input)
		abort();
	memcpy(input, data, size);
	input[size] = '\0';
	pattern = strchr(input, '\n');
	pattern = pattern ? pattern + 1 : input + size;
	p = input;
	v.comm = next_field(&p);
	v.exe_path = p < pattern ? next_field(&p) : "";
	v.hostname = p < pattern ? next_field(&p) : "";
	r = gc_forward_argv(pattern, &v, &argv);
	if (r == 0)
		check_argv(pattern, &v, argv);
	else if (r != -EINVAL ||
		 (pattern[0] == '|' && pattern[1 + strspn(pattern + 1, " \t\n\v\f\r")]))
		abort(); /* only a non-pipe or an empty pattern is refused */
	gc_strv_free(argv);
	free(input);
	return 0;
}
