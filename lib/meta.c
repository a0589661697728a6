/* SPDX-License-Identifier: MIT */
/* The `meta` file: one `key=value` line per field. Values are escaped just enough that any
 * byte string survives a round trip (backslash, newline, tab, CR); everything else is written
 * raw so the file stays readable with cat. Parsing is tolerant: a newer gocrashd may have
 * written keys we do not know, and a damaged line must not cost the rest of the entry. */
#include "meta.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "macro.h"

enum field_type {
	FIELD_STRING,
	FIELD_INT64,
	FIELD_UINT64,
	FIELD_BOOL,
	FIELD_INT,
};

struct meta_field {
	const char *key;
	enum field_type type;
	size_t offset;
};

#define FIELD(key, type, member)                                                                   \
	{                                                                                          \
		key, type, offsetof(struct gc_meta, member)                                        \
	}

static const struct meta_field meta_fields[] = {
    FIELD("id", FIELD_STRING, id),
    FIELD("time_usec", FIELD_UINT64, time_usec),
    FIELD("pid", FIELD_INT64, pid),
    FIELD("uid", FIELD_INT64, uid),
    FIELD("gid", FIELD_INT64, gid),
    FIELD("signal", FIELD_INT, signal),
    FIELD("comm", FIELD_STRING, comm),
    FIELD("exe", FIELD_STRING, exe),
    FIELD("cmdline", FIELD_STRING, cmdline),
    FIELD("unit", FIELD_STRING, unit),
    FIELD("build_id", FIELD_STRING, build_id),
    FIELD("core_size", FIELD_UINT64, core_size),
    FIELD("stored_size", FIELD_UINT64, stored_size),
    FIELD("core_stored", FIELD_BOOL, core_stored),
    FIELD("truncated", FIELD_BOOL, truncated),
    FIELD("truncated_reason", FIELD_STRING, truncated_reason),
    FIELD("core_error", FIELD_STRING, core_error),
    FIELD("go", FIELD_BOOL, go),
    FIELD("go_version", FIELD_STRING, go_version),
};

#define MEMBER(meta, field, type)  ((type *)((char *)(meta) + (field)->offset))
#define CMEMBER(meta, field, type) ((const type *)((const char *)(meta) + (field)->offset))

static const struct meta_field *field_by_key(const char *key)
{
	for (size_t i = 0; i < ELEMENTSOF(meta_fields); i++)
		if (strcmp(meta_fields[i].key, key) == 0)
			return &meta_fields[i];
	return NULL;
}

void gc_meta_free(struct gc_meta *meta)
{
	if (!meta)
		return;
	for (size_t i = 0; i < ELEMENTSOF(meta_fields); i++)
		if (meta_fields[i].type == FIELD_STRING)
			free(*MEMBER(meta, &meta_fields[i], char *));
	for (size_t i = 0; i < meta->n_extra; i++)
		free(meta->extra[i]);
	free(meta->extra);
	memset(meta, 0, sizeof(*meta));
}

void gc_meta_array_free(struct gc_meta *metas, size_t n)
{
	if (!metas)
		return;
	for (size_t i = 0; i < n; i++)
		gc_meta_free(&metas[i]);
	free(metas);
}

/* The Go analysis' fields (go_reason: the panics a program recovered from, one a line) are
 * shown as text of several lines; every other field as one line. */
static unsigned extra_escape_flags(const char *extra)
{
	return strncmp(extra, "go_", 3) == 0 ? GC_ESCAPE_KEEP_NEWLINE : 0;
}

int gc_meta_escape(struct gc_meta *meta)
{
	for (size_t i = 0; i < ELEMENTSOF(meta_fields); i++)
		if (meta_fields[i].type == FIELD_STRING &&
		    gc_escape_in_place(MEMBER(meta, &meta_fields[i], char *), 0) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < meta->n_extra; i++)
		if (gc_escape_in_place(&meta->extra[i], extra_escape_flags(meta->extra[i])) < 0)
			return -ENOMEM;
	return 0;
}

static void escape_value(FILE *f, const char *value)
{
	for (const char *p = value; *p; p++) {
		switch (*p) {
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			fputc(*p, f);
		}
	}
}

static void format_field(FILE *f, const struct gc_meta *meta, const struct meta_field *field)
{
	switch (field->type) {
	case FIELD_STRING: {
		const char *value = *CMEMBER(meta, field, char *);

		if (!value)
			return;
		fprintf(f, "%s=", field->key);
		escape_value(f, value);
		fputc('\n', f);
		break;
	}
	case FIELD_INT64:
		fprintf(f, "%s=%" PRId64 "\n", field->key, *CMEMBER(meta, field, int64_t));
		break;
	case FIELD_UINT64:
		fprintf(f, "%s=%" PRIu64 "\n", field->key, *CMEMBER(meta, field, uint64_t));
		break;
	case FIELD_BOOL:
		fprintf(f, "%s=%d\n", field->key, *CMEMBER(meta, field, bool) ? 1 : 0);
		break;
	case FIELD_INT:
		fprintf(f, "%s=%d\n", field->key, *CMEMBER(meta, field, int));
		break;
	}
}

int gc_meta_format(const struct gc_meta *meta, char **ret)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f;

	f = open_memstream(&text, &size);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(meta_fields); i++)
		format_field(f, meta, &meta_fields[i]);
	for (size_t i = 0; i < meta->n_extra; i++) {
		const char *eq = strchr(meta->extra[i], '=');

		/* set_extra and parse never store such a string; skip rather than corrupt. */
		if (!eq || eq == meta->extra[i])
			continue;
		fwrite(meta->extra[i], 1, eq - meta->extra[i] + 1, f);
		escape_value(f, eq + 1);
		fputc('\n', f);
	}
	if (ferror(f)) {
		fclose(f);
		free(text);
		return -ENOMEM;
	}
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	return 0;
}

/* Undoes escape_value() on [value, value + size); NULL on a bad escape or an embedded NUL. */
static char *unescape_value(const char *value, size_t size)
{
	_cleanup_free_ char *out = malloc(size + 1);
	size_t n = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < size; i++) {
		char c = value[i];

		if (c == '\0')
			return NULL;
		if (c == '\\') {
			if (++i >= size)
				return NULL;
			switch (value[i]) {
			case '\\':
				c = '\\';
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			default:
				return NULL;
			}
		}
		out[n++] = c;
	}
	out[n] = '\0';
	return TAKE_PTR(out);
}

/* Strict decimal: no sign on unsigned values, no whitespace, the whole string consumed. */
static int parse_uint64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -ERANGE;
	*ret = v;
	return 0;
}

static int parse_int64(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	if (!((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -ERANGE;
	*ret = v;
	return 0;
}

static int set_field(struct gc_meta *meta, const struct meta_field *field, char *value)
{
	int64_t i64;
	uint64_t u64;

	switch (field->type) {
	case FIELD_STRING:
		free(*MEMBER(meta, field, char *));
		*MEMBER(meta, field, char *) = value;
		return 0;
	case FIELD_INT64:
		if (parse_int64(value, &i64) < 0)
			break;
		*MEMBER(meta, field, int64_t) = i64;
		free(value);
		return 0;
	case FIELD_UINT64:
		if (parse_uint64(value, &u64) < 0)
			break;
		*MEMBER(meta, field, uint64_t) = u64;
		free(value);
		return 0;
	case FIELD_BOOL:
		if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0)
			break;
		*MEMBER(meta, field, bool) = value[0] == '1';
		free(value);
		return 0;
	case FIELD_INT:
		if (parse_int64(value, &i64) < 0 || i64 < INT_MIN || i64 > INT_MAX)
			break;
		*MEMBER(meta, field, int) = (int)i64;
		free(value);
		return 0;
	}
	free(value);
	return -EINVAL;
}

/* Applies one line (without its newline). Malformed lines are skipped: returns -EINVAL for
 * those, -ENOMEM only when the caller must give up. */
static int parse_line(struct gc_meta *meta, const char *line, size_t size)
{
	const char *eq = memchr(line, '=', size);
	_cleanup_free_ char *key = NULL;
	const struct meta_field *field;
	char *value;
	int r;

	if (!eq || eq == line || memchr(line, '\0', eq - line))
		return -EINVAL;
	key = strndup(line, eq - line);
	if (!key)
		return -ENOMEM;
	value = unescape_value(eq + 1, size - (eq + 1 - line));
	if (!value)
		return -EINVAL;

	field = field_by_key(key);
	if (field)
		return set_field(meta, field, value);
	r = gc_meta_set_extra(meta, key, value);
	free(value);
	return r;
}

int gc_meta_parse(const char *text, size_t size, struct gc_meta *ret)
{
	struct gc_meta meta = {};
	size_t pos = 0;

	while (pos < size) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - line) : size - pos;

		if (parse_line(&meta, line, len) == -ENOMEM) {
			gc_meta_free(&meta);
			return -ENOMEM;
		}
		pos += len + 1;
	}
	if (!meta.id || meta.id[0] == '\0') {
		gc_meta_free(&meta);
		return -EBADMSG;
	}
	*ret = meta;
	return 0;
}

static bool extra_key_matches(const char *extra, const char *key, size_t key_len)
{
	return strncmp(extra, key, key_len) == 0 && extra[key_len] == '=';
}

int gc_meta_set_extra(struct gc_meta *meta, const char *key, const char *value)
{
	size_t key_len = strlen(key);
	char *kv, **extra;

	/* A key with '=' or a newline could not be read back; a known key would be shadowed. */
	if (key_len == 0 || strpbrk(key, "=\n") || field_by_key(key))
		return -EINVAL;
	kv = malloc(key_len + strlen(value) + 2);
	if (!kv)
		return -ENOMEM;
	stpcpy(stpcpy(stpcpy(kv, key), "="), value);

	for (size_t i = 0; i < meta->n_extra; i++)
		if (extra_key_matches(meta->extra[i], key, key_len)) {
			free(meta->extra[i]);
			meta->extra[i] = kv;
			return 0;
		}

	extra = reallocarray(meta->extra, meta->n_extra + 1, sizeof(*extra));
	if (!extra) {
		free(kv);
		return -ENOMEM;
	}
	meta->extra = extra;
	meta->extra[meta->n_extra++] = kv;
	return 0;
}

const char *gc_meta_get_extra(const struct gc_meta *meta, const char *key)
{
	size_t key_len = strlen(key);

	for (size_t i = 0; i < meta->n_extra; i++)
		if (extra_key_matches(meta->extra[i], key, key_len))
			return meta->extra[i] + key_len + 1;
	return NULL;
}
