/* SPDX-License-Identifier: MIT */
/* Just enough JSON writing for gocrashctl --json. */
#pragma once

#include <stdio.h>

#include "store.h"

/* Writes s as a JSON string (quoted, escaped; bytes that are not valid UTF-8 become U+FFFD),
 * or null when s is NULL. */
void gc_json_string(FILE *out, const char *s);
/* The same for the n bytes at s, which may hold NUL (as \u0000). */
void gc_json_bytes(FILE *out, const char *s, size_t n);

/* Writes one crash as a JSON object (fields: id, time, pid, uid, gid, signal, signal_name,
 * comm, exe, cmdline, unit, build_id, core_size, stored_size, core_stored, truncated,
 * truncated_reason, core_error, go, go_version, then the extra fields). */
void gc_json_meta(FILE *out, const struct gc_meta *meta);

/* Formats time_usec as ISO 8601 UTC with microseconds ("2026-11-23T19:42:00.123456Z"). */
void gc_format_iso8601(uint64_t time_usec, char *buf, size_t size);
