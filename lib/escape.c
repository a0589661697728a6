/* SPDX-License-Identifier: MIT */
#include "escape.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of a sequence from its first byte; 0 for continuation bytes and 0xf8-0xff. */
static size_t utf8_length(unsigned char lead)
{
	if (lead < 0x80)
		return 1;
	if (lead < 0xc0)
		return 0;
	if (lead < 0xe0)
		return 2;
	if (lead < 0xf0)
		return 3;
	return lead < 0xf8 ? 4 : 0;
}

/* The smallest code point each length may encode: below it the form is overlong. */
static const uint32_t utf8_min[] = {0, 0, 0x80, 0x800, 0x10000};

size_t gc_utf8_sequence(const char *s, size_t n, uint32_t *ret_code)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = n > 0 ? utf8_length(p[0]) : 0;
	uint32_t c;

	if (len == 0 || len > n)
		return 0;
	c = len == 1 ? p[0] : p[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < utf8_min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	if (ret_code)
		*ret_code = c;
	return len;
}

bool gc_utf8_valid(const char *s, size_t n)
{
	while (n > 0) {
		size_t len = gc_utf8_sequence(s, n, NULL);

		if (len == 0)
			return false;
		s += len;
		n -= len;
	}
	return true;
}

bool gc_unichar_is_control(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f);
}

static bool passes(uint32_t c, unsigned flags)
{
	if ((c == '\n' || c == '\t') && (flags & GC_ESCAPE_KEEP_NEWLINE))
		return true;
	return !gc_unichar_is_control(c);
}

bool gc_escape_needed(const char *s, unsigned flags)
{
	size_t n = strlen(s);

	while (n > 0) {
		uint32_t c;
		size_t len = gc_utf8_sequence(s, n, &c);

		if (len == 0 || !passes(c, flags))
			return true;
		s += len;
		n -= len;
	}
	return false;
}

/* The escape of one control character at out (room for 7 bytes); returns its length. */
static size_t escape_control(uint32_t c, char *out)
{
	static const char short_forms[] = {['\a'] = 'a', ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n',
					   ['\v'] = 'v', ['\f'] = 'f', ['\r'] = 'r'};

	if (c < sizeof(short_forms) && short_forms[c])
		return (size_t)snprintf(out, 7, "\\%c", short_forms[c]);
	if (c < 0x80)
		return (size_t)snprintf(out, 7, "\\x%02x", (unsigned)c);
	return (size_t)snprintf(out, 7, "\\u%04x", (unsigned)c);
}

/* Writes the escaped form of s (n bytes) to out, which has room for 4 * n + 1 bytes: no
 * sequence grows more than fourfold (a byte to \xNN, two bytes of a C1 control to \uNNNN). */
static void escape_into(const char *s, size_t n, unsigned flags, char *out)
{
	while (n > 0) {
		uint32_t c;
		size_t len = gc_utf8_sequence(s, n, &c);

		if (len == 0) {
			out += snprintf(out, 5, "\\x%02x", (unsigned char)*s);
			len = 1;
		} else if (c == '\\') {
			*out++ = '\\';
			*out++ = '\\';
		} else if (!passes(c, flags)) {
			out += escape_control(c, out);
		} else {
			memcpy(out, s, len);
			out += len;
		}
		s += len;
		n -= len;
	}
	*out = '\0';
}

char *gc_escape(const char *s, unsigned flags)
{
	size_t n;
	char *out;

	if (!s)
		return NULL;
	if (!gc_escape_needed(s, flags))
		return strdup(s);
	n = strlen(s);
	if (n > (SIZE_MAX - 1) / 4)
		return NULL;
	out = malloc(4 * n + 1);
	if (out)
		escape_into(s, n, flags, out);
	return out;
}

int gc_escape_in_place(char **s, unsigned flags)
{
	char *escaped;

	if (!*s || !gc_escape_needed(*s, flags))
		return 0;
	escaped = gc_escape(*s, flags);
	if (!escaped)
		return -ENOMEM;
	free(*s);
	*s = escaped;
	return 0;
}

void gc_line_escape(FILE *f, const char *s, size_t len)
{
	for (const char *p = s; p < s + len; p++) {
		switch (*p) {
		case '\0':
			fputs_unlocked("\\0", f);
			break;
		case '\\':
			fputs_unlocked("\\\\", f);
			break;
		case '\t':
			fputs_unlocked("\\t", f);
			break;
		case '\n':
			fputs_unlocked("\\n", f);
			break;
		case '\r':
			fputs_unlocked("\\r", f);
			break;
		default:
			putc_unlocked(*p, f);
		}
	}
}

/* What follows a backslash: the byte it stands for, or -1. */
static int unescaped_byte(char c)
{
	switch (c) {
	case '\\':
		return '\\';
	case 't':
		return '\t';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case '0':
		return '\0';
	default:
		return -1;
	}
}

int gc_line_unescape(const char *s, size_t len, char *out, size_t *ret_len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '\\' && (++i >= len || (c = unescaped_byte(s[i])) < 0))
			return -EBADMSG;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	if (ret_len)
		*ret_len = n;
	return 0;
}

void gc_line_put(FILE *f, const char *key, const char *value)
{
	if (!value)
		return;
	fprintf(f, "%s=", key);
	gc_line_escape(f, value, strlen(value));
	fputc('\n', f);
}
