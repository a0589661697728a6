/* SPDX-License-Identifier: MIT */
/* Just enough JSON writing for gocrashctl --json. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "store.h"

/* Writes s as a JSON string (quoted, escaped; bytes that are not valid UTF-8 become U+FFFD),
 * or null when s is NULL. */
void gc_json_string(FILE *out, const char *s);
/* The same for the n bytes at s, which may hold NUL (as \u0000). */
void gc_json_bytes(FILE *out, const char *s, size_t n);

/* Writes one crash as a JSON object: the fields of the table (meta.h) under their keys, in
 * its order, typed (numbers, booleans, strings; an address and the analysis' outcome are
 * strings), CORE fields always (null when not known) and the others when they have a value,
 * a time also in ISO 8601 ("time" next to "time_usec"), a signal also by name
 * ("signal_name"), then the keys this version does not know, as strings. */
void gc_json_meta(FILE *out, const struct gc_meta *meta);

/* Copies the JSON values in (one or several, as JSON lines) to out indented, two spaces a
 * level, a member per line, as jq shows them; strings are copied as they are. Returns 0, or
 * -EBADMSG for unbalanced brackets or an unterminated string. */
int gc_json_pretty(FILE *in, FILE *out);
