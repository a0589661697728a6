/* SPDX-License-Identifier: MIT */
#include "json.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "journal.h"

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
		s += len, n -= len;
	}
	fputc('"', out);
}

void gc_format_iso8601(uint64_t time_usec, char *buf, size_t size)
{
	time_t seconds = time_usec / 1000000;
	struct tm tm;
	char date[32];

	gmtime_r(&seconds, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06uZ", date, (unsigned)(time_usec % 1000000));
}

static void key(FILE *out, const char *name)
{
	fprintf(out, ",\"%s\":", name);
}

static void extra_fields(FILE *out, const struct gc_meta *meta)
{
	for (size_t i = 0; i < meta->n_extra; i++) {
		const char *eq = strchr(meta->extra[i], '=');
		char name[128];

		if (!eq || (size_t)(eq - meta->extra[i]) >= sizeof(name))
			continue;
		memcpy(name, meta->extra[i], eq - meta->extra[i]);
		name[eq - meta->extra[i]] = '\0';
		fputc(',', out);
		gc_json_string(out, name);
		fputc(':', out);
		gc_json_string(out, eq + 1);
	}
}

void gc_json_meta(FILE *out, const struct gc_meta *m)
{
	char time_text[64];

	gc_format_iso8601(m->time_usec, time_text, sizeof(time_text));
	fputs("{\"id\":", out);
	gc_json_string(out, m->id);
	key(out, "time"), gc_json_string(out, time_text);
	fprintf(out,
		",\"time_usec\":%" PRIu64 ",\"pid\":%" PRId64 ",\"uid\":%" PRId64
		",\"gid\":%" PRId64 ",\"signal\":%d",
		m->time_usec, m->pid, m->uid, m->gid, m->signal);
	key(out, "signal_name"), gc_json_string(out, gc_signal_name(m->signal));
	key(out, "comm"), gc_json_string(out, m->comm);
	key(out, "exe"), gc_json_string(out, m->exe);
	key(out, "cmdline"), gc_json_string(out, m->cmdline);
	key(out, "unit"), gc_json_string(out, m->unit);
	key(out, "build_id"), gc_json_string(out, m->build_id);
	fprintf(out,
		",\"core_size\":%" PRIu64 ",\"stored_size\":%" PRIu64
		",\"core_stored\":%s,\"truncated\":%s",
		m->core_size, m->stored_size, m->core_stored ? "true" : "false",
		m->truncated ? "true" : "false");
	key(out, "truncated_reason"), gc_json_string(out, m->truncated_reason);
	key(out, "core_error"), gc_json_string(out, m->core_error);
	fprintf(out, ",\"go\":%s", m->go ? "true" : "false");
	key(out, "go_version"), gc_json_string(out, m->go_version);
	extra_fields(out, m);
	fputc('}', out);
}
