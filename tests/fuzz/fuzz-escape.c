/* SPDX-License-Identifier: MIT */
/* Whatever bytes a crashed process chooses, what gocrashctl shows must be safe: the terminal
 * escape (gc_escape) gives valid UTF-8 with no control character (newline and tab aside when
 * kept), leaves clean text alone and can be undone; the JSON string (gc_json_string) is valid
 * JSON and valid UTF-8 and decodes back to the input when that was UTF-8; the kernel log line
 * (gc_kmsg_line) is one line. The checks here use their own UTF-8 reader, written from
 * Unicode's table of well-formed byte sequences, not the library's. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "journal.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Unicode 15, table 3-7: the first byte and the range of the second; later bytes 80..BF. */
static const struct {
	uint8_t lo, hi, second_lo, second_hi, len;
} well_formed[] = {
    {0x00, 0x7f, 0, 0, 1},	 {0xc2, 0xdf, 0x80, 0xbf, 2}, {0xe0, 0xe0, 0xa0, 0xbf, 3},
    {0xe1, 0xec, 0x80, 0xbf, 3}, {0xed, 0xed, 0x80, 0x9f, 3}, {0xee, 0xef, 0x80, 0xbf, 3},
    {0xf0, 0xf0, 0x90, 0xbf, 4}, {0xf1, 0xf3, 0x80, 0xbf, 4}, {0xf4, 0xf4, 0x80, 0x8f, 4},
};

/* Length of the well-formed sequence at p (n bytes left), 0 if none. */
static size_t well_formed_len(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < sizeof(well_formed) / sizeof(well_formed[0]); i++) {
		size_t len = well_formed[i].len;

		if (p[0] < well_formed[i].lo || p[0] > well_formed[i].hi)
			continue;
		if (len > n)
			return 0;
		if (len > 1 && (p[1] < well_formed[i].second_lo || p[1] > well_formed[i].second_hi))
			return 0;
		for (size_t k = 2; k < len; k++)
			if (p[k] < 0x80 || p[k] > 0xbf)
				return 0;
		return len;
	}
	return 0;
}

/* Whether s is UTF-8, and (with no_controls) free of C0, DEL and C1 controls except the
 * bytes in allowed. */
static bool check_text(const char *s, size_t n, bool no_controls, const char *allowed)
{
	const uint8_t *p = (const uint8_t *)s;

	while (n > 0) {
		size_t len = well_formed_len(p, n);

		if (len == 0)
			return false;
		if (no_controls && len == 1 && (p[0] < 0x20 || p[0] == 0x7f) &&
		    !(p[0] && strchr(allowed, p[0])))
			return false;
		if (no_controls && len == 2 && p[0] == 0xc2 && p[1] <= 0x9f)
			return false;
		p += len;
		n -= len;
	}
	return true;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static long hex_digits(const char *p, size_t n)
{
	long v = 0;

	for (size_t i = 0; i < n; i++) {
		if (hex(p[i]) < 0)
			return -1;
		v = v * 16 + hex(p[i]);
	}
	return v;
}

static size_t put_utf8(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | c >> 12);
	out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[2] = (char)(0x80 | (c & 0x3f));
	return 3;
}

/* One escape at p (after the backslash) into out; returns the bytes read, 0 if invalid. */
static size_t unescape_one(const char *p, bool json, char *out, size_t *out_len)
{
	static const char from[] = "abtnvfr\\\"/", to[] = "\a\b\t\n\v\f\r\\\"/";
	const char *k = *p ? strchr(from, *p) : NULL;
	long v;

	if (k && (json ? strchr("btnfr\\\"/", *p) != NULL : strchr("abtnvfr\\", *p) != NULL)) {
		out[0] = to[k - from];
		*out_len = 1;
		return 1;
	}
	if (!json && *p == 'x' && (v = hex_digits(p + 1, 2)) >= 0) {
		out[0] = (char)v;
		*out_len = 1;
		return 3;
	}
	if (*p == 'u' && (v = hex_digits(p + 1, 4)) >= 0 && (v < 0xd800 || v > 0xdfff)) {
		*out_len = put_utf8((uint32_t)v, out);
		return 5;
	}
	return 0;
}

/* Undoes gc_escape (json false) or a JSON string's escapes (json true, without the quotes);
 * NULL when an escape is not one they write. */
static char *unescape(const char *s, size_t n, bool json)
{
	char *out = malloc(n + 1), *q = out;

	if (!out)
		abort();
	for (size_t i = 0; i < n;) {
		size_t len = 1, used;

		if (json && s[i] == '"') {
			free(out);
			return NULL; /* a raw quote would end the string */
		}
		if (s[i] != '\\') {
			*q++ = s[i++];
			continue;
		}
		used = i + 1 < n ? unescape_one(s + i + 1, json, q, &len) : 0;
		if (used == 0) {
			free(out);
			return NULL;
		}
		q += len;
		i += 1 + used;
	}
	*q = '\0';
	return out;
}

static void check_escape(const char *in, size_t n, unsigned flags)
{
	char *out = gc_escape(in, flags);
	char *back;
	size_t len;

	if (!out)
		abort();
	len = strlen(out);
	if (!check_text(out, len, true, flags & GC_ESCAPE_KEEP_NEWLINE ? "\n\t" : ""))
		abort();
	if (check_text(in, n, true, flags & GC_ESCAPE_KEEP_NEWLINE ? "\n\t" : "")) {
		if (strcmp(in, out) != 0 || gc_escape_needed(in, flags))
			abort(); /* clean text is shown as it is */
	} else {
		back = unescape(out, len, false);
		if (!back || strcmp(back, in) != 0 || !gc_escape_needed(in, flags))
			abort(); /* escaped text says exactly what the bytes were */
		free(back);
	}
	free(out);
}

/* The JSON string is quoted, escapes only what JSON knows, holds no raw control byte and is
 * UTF-8; decoded, it gives the input back when the input was UTF-8. */
static void check_json(const char *in, size_t n)
{
	char *text = NULL, *back;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		abort();
	gc_json_string(f, in);
	if (fclose(f) != 0)
		abort();
	if (size < 2 || text[0] != '"' || text[size - 1] != '"')
		abort();
	if (!check_text(text, size, true, ""))
		abort();
	back = unescape(text + 1, size - 2, true);
	if (!back)
		abort();
	if (check_text(in, n, false, "") != (strcmp(back, in) == 0))
		abort();
	free(back);
	free(text);
}

static void check_kmsg(const char *in)
{
	char *line = gc_kmsg_line(3, 1, in);
	char *nl;

	if (!line)
		abort();
	nl = strchr(line, '\n');
	if (!nl || nl[1] != '\0' || !check_text(line, strlen(line), true, "\n"))
		abort();
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1);
	size_t n;

	if (!in)
		abort();
	memcpy(in, data, size);
	in[size] = '\0';
	n = strlen(in); /* the strings are C strings: the process's NUL ends them */
	if (gc_utf8_valid(in, n) != check_text(in, n, false, ""))
		abort();
	check_escape(in, n, 0);
	check_escape(in, n, GC_ESCAPE_KEEP_NEWLINE);
	check_json(in, n);
	check_kmsg(in);
	free(in);
	return 0;
}
