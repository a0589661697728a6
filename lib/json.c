/* SPDX-License-Identifier: MIT */
#include "json.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "journal.h"

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_sequence(const unsigned char *s)
{
	size_t len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (s[0] >= 0xf8)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

void gc_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	while (*p) {
		size_t len;

		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p++);
		else if (*p == '\n')
			fputs("\\n", out), p++;
		else if (*p == '\t')
			fputs("\\t", out), p++;
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p++);
		else if (*p < 0x80)
			fputc(*p++, out);
		else if ((len = utf8_sequence(p)) > 0)
			fwrite(p, 1, len, out), p += len;
		else
			fputs("\\ufffd", out), p++;
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
