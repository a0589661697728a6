/* SPDX-License-Identifier: MIT */
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "journal.h"
#include "macro.h"

/* One character of a JSON string: quote and backslash escaped, control characters (C1 ones
 * too, so that the output is safe on a terminal) as \n, \t, \uNNNN. */
static void json_char(FILE *out, const char *p, size_t len, uint32_t c)
{
	if (c == '"' || c == '\\')
		fprintf(out, "\\%c", (int)c);
	else if (c == '\n')
		fputs("\\n", out);
	else if (c == '\t')
		fputs("\\t", out);
	else if (gc_unichar_is_control(c))
		fprintf(out, "\\u%04x", (unsigned)c);
	else
		fwrite(p, 1, len, out);
}

void gc_json_string(FILE *out, const char *s)
{
	if (s)
		gc_json_bytes(out, s, strlen(s));
	else
		fputs("null", out);
}

void gc_json_bytes(FILE *out, const char *s, size_t n)
{
	fputc('"', out);
	while (n > 0) {
		uint32_t c;
		size_t len = gc_utf8_sequence(s, n, &c);

		if (len == 0) {
			fputs("\\ufffd", out); /* each byte of what is not UTF-8 */
			len = 1;
		} else {
			json_char(out, s, len, c);
		}
		s += len;
		n -= len;
	}
	fputc('"', out);
}

/* time_usec as ISO 8601 UTC with microseconds ("2026-11-23T19:42:00.123456Z"). */
static void format_iso8601(uint64_t time_usec, char *buf, size_t size)
{
	time_t seconds = time_usec / 1000000;
	struct tm tm;
	char date[32];

	gmtime_r(&seconds, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06uZ", date, (unsigned)(time_usec % 1000000));
}

/* "key": with len bytes of key, then suffix (keys are plain ASCII, never escaped). */
static void json_key(FILE *out, const char *key, size_t len, const char *suffix)
{
	fprintf(out, "\"%.*s%s\":", (int)len, key, suffix);
}

static const void *member(const struct gc_meta *m, enum gc_meta_field field)
{
	return (const char *)m + gc_meta_fields[field].offset;
}

/* The value as its type says: a number, a boolean, or a string. */
static void json_value(FILE *out, const struct gc_meta *m, enum gc_meta_field field)
{
	char buf[GC_META_TEXT_MAX];
	const char *text = gc_meta_text(m, field, buf);

	if (!text) {
		fputs("null", out);
		return;
	}
	switch (gc_meta_fields[field].type) {
	case GC_META_TYPE_U64:
	case GC_META_TYPE_I64:
	case GC_META_TYPE_SIGNAL:
	case GC_META_TYPE_TIME:
	case GC_META_TYPE_USEC:
	case GC_META_TYPE_BYTES:
	case GC_META_TYPE_KIB:
		fputs(text, out);
		break;
	case GC_META_TYPE_BOOL:
	case GC_META_TYPE_BOOL_WORD:
		fputs(*(const bool *)member(m, field) ? "true" : "false", out);
		break;
	case GC_META_TYPE_STRING:
	case GC_META_TYPE_TEXT:
	case GC_META_TYPE_HEX:
	case GC_META_TYPE_ANALYSIS:
		gc_json_string(out, text);
		break;
	}
}

/* What a type adds next to the value: a time in ISO 8601 under its key without "_usec", a
 * signal's name under its key and "_name". */
static void json_derived(FILE *out, const struct gc_meta *m, enum gc_meta_field field)
{
	const struct gc_meta_field_info *info = &gc_meta_fields[field];
	size_t len = strlen(info->key);
	char text[64];

	if (info->type == GC_META_TYPE_TIME && len > strlen("_usec")) {
		format_iso8601(*(const uint64_t *)member(m, field), text, sizeof(text));
		fputc(',', out);
		json_key(out, info->key, len - strlen("_usec"), "");
		gc_json_string(out, text);
	} else if (info->type == GC_META_TYPE_SIGNAL) {
		fputc(',', out);
		json_key(out, info->key, len, "_name");
		gc_json_string(out, gc_signal_name(*(const int *)member(m, field)));
	}
}

/* Keys this version does not know: strings, as nothing says what they hold. */
static void unknown_fields(FILE *out, const struct gc_meta *meta)
{
	for (size_t i = 0; i < meta->n_unknown; i++) {
		const char *eq = strchr(meta->unknown[i], '=');
		_cleanup_free_ char *name = NULL;

		if (!eq || !(name = strndup(meta->unknown[i], eq - meta->unknown[i])))
			continue;
		fputc(',', out);
		gc_json_string(out, name);
		fputc(':', out);
		gc_json_string(out, eq + 1);
	}
}

void gc_json_meta(FILE *out, const struct gc_meta *m)
{
	bool first = true;

	fputc('{', out);
	for (size_t i = 0; i < GC_META_N_FIELDS; i++) {
		/* CORE fields are always there, null when not known; the others when set. */
		if (gc_meta_fields[i].stage != GC_META_STAGE_CORE && !gc_meta_has(m, i))
			continue;
		if (!first)
			fputc(',', out);
		first = false;
		json_key(out, gc_meta_fields[i].key, strlen(gc_meta_fields[i].key), "");
		json_value(out, m, i);
		if (gc_meta_has(m, i))
			json_derived(out, m, i);
	}
	unknown_fields(out, m);
	fputc('}', out);
}

static void json_newline(FILE *out, unsigned depth)
{
	fputc('\n', out);
	for (unsigned i = 0; i < depth; i++)
		fputs("  ", out);
}

/* Copies one JSON string, its opening quote read already: escapes stay as they are. */
static int json_copy_string(FILE *in, FILE *out)
{
	int c;

	fputc('"', out);
	while ((c = getc(in)) != EOF) {
		fputc(c, out);
		if (c == '"')
			return 0;
		if (c == '\\' && (c = getc(in)) != EOF)
			fputc(c, out);
	}
	return -EBADMSG;
}

int gc_json_pretty(FILE *in, FILE *out)
{
	unsigned depth = 0;
	bool opened = false; /* just after { or [: a newline waits for the first member */
	int c;

	while ((c = getc(in)) != EOF) {
		if (c == ' ' || c == '\t' || c == '\r')
			continue;
		if (c == '\n' && depth == 0) {
			fputc('\n', out); /* between the values of JSON lines */
			continue;
		}
		if (c == '\n')
			continue;
		if (c == '}' || c == ']') {
			if (depth == 0)
				return -EBADMSG;
			depth--;
			if (!opened)
				json_newline(out, depth);
			opened = false;
			fputc(c, out);
			continue;
		}
		if (opened)
			json_newline(out, depth);
		opened = false;
		if (c == '"') {
			if (json_copy_string(in, out) < 0)
				return -EBADMSG;
		} else if (c == '{' || c == '[') {
			fputc(c, out);
			depth++;
			opened = true;
		} else if (c == ',') {
			fputc(',', out);
			json_newline(out, depth);
		} else if (c == ':') {
			fputs(": ", out);
		} else {
			fputc(c, out);
		}
	}
	return depth == 0 ? 0 : -EBADMSG;
}
