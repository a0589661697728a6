/* SPDX-License-Identifier: MIT */
/* Strings the crashed process controls (comm, argv, paths, unit, panic values, Go names),
 * made safe to show on a terminal or in a kernel log line. The store keeps the raw bytes:
 * this applies on output only. JSON has its own escaping (json.c), on the same UTF-8 rules. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The valid UTF-8 sequence at s (at most n bytes): its length, 1 to 4, and its code point in
 * *ret_code (may be NULL). 0 when n is 0 or the bytes are not UTF-8: a stray continuation
 * byte, a sequence cut short, an overlong form (0xc0 0xaf), a surrogate (0xed 0xa0 0x80), a
 * code point above U+10FFFF (0xf4 0x90 ...), or a byte 0xf5 to 0xff. */
size_t gc_utf8_sequence(const char *s, size_t n, uint32_t *ret_code);

/* Whether all n bytes of s are valid UTF-8. */
bool gc_utf8_valid(const char *s, size_t n);

/* What a terminal acts on instead of showing: C0 controls, DEL and the C1 controls
 * U+0080-U+009F (U+009B is CSI: as dangerous as ESC [). */
bool gc_unichar_is_control(uint32_t c);

enum {
	GC_ESCAPE_KEEP_NEWLINE = 1 << 0, /* newline and tab pass: text of several lines */
};

/* Whether s holds something gc_escape() changes: a control character (newline and tab
 * aside with GC_ESCAPE_KEEP_NEWLINE) or bytes that are not valid UTF-8. */
bool gc_escape_needed(const char *s, unsigned flags);

/* s as it may be shown. Unchanged when nothing in it needs escaping; else each control
 * character becomes \a \b \t \n \v \f \r, \xNN (other C0 controls and DEL) or \uNNNN (C1
 * controls), each byte that is not valid UTF-8 \xNN, and, so that the escapes stay
 * unambiguous, each backslash \\. The result is valid UTF-8 without control characters
 * (newline and tab aside with GC_ESCAPE_KEEP_NEWLINE). Returns a malloc'ed string, NULL on
 * OOM or when s is NULL. */
char *gc_escape(const char *s, unsigned flags);

/* Replaces the malloc'ed string *s (NULL is left alone) by its escaped form when it needs
 * one. Returns 0, or -ENOMEM with *s unchanged. */
int gc_escape_in_place(char **s, unsigned flags);

/* Escaping for the line formats the store writes (the meta file's values, the stored
 * goroutines' fields), so that a value never holds a raw newline or tab: \ tab newline CR
 * and NUL become \\ \t \n \r \0. Not for a terminal: the other bytes pass as they are. */

/* Writes the len bytes at s, escaped, to f, with putc_unlocked(): f is the caller's alone or
 * locked by it. */
void gc_line_escape(FILE *f, const char *s, size_t len);

/* "key=VALUE\n" with VALUE gc_line_escape()d; nothing for a NULL value. */
void gc_line_put(FILE *f, const char *key, const char *value);

/* Undoes gc_line_escape() on the len bytes at s into out (len + 1 bytes; may be s itself),
 * NUL-terminated, and sets *ret_len (may be NULL) to the length unescaped, which may hold
 * NUL from \0. Returns 0, or -EBADMSG on a backslash before anything else or at the end. */
int gc_line_unescape(const char *s, size_t len, char *out, size_t *ret_len);
