/* SPDX-License-Identifier: MIT */
/* The meta file, from the table of meta.h. Parsing is tolerant: a newer gocrashd may have
 * written keys we do not know, and a damaged line must not cost the rest of the entry. */
#include "meta.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "macro.h"

#define GC_META_ROW_(key_, type_, stage_, journal_, label_)                                        \
	[GC_META_##key_] = {                                                                       \
	    .key = #key_,                                                                          \
	    .key_len = sizeof(#key_) - 1,                                                          \
	    .type = GC_META_TYPE_##type_,                                                          \
	    .stage = GC_META_STAGE_##stage_,                                                       \
	    .journal = journal_,                                                                   \
	    .label = label_,                                                                       \
	    .offset = offsetof(struct gc_meta, key_),                                              \
	},
const struct gc_meta_field_info gc_meta_fields[GC_META_N_FIELDS] = {GC_META_FIELDS(GC_META_ROW_)};
#undef GC_META_ROW_

static const char *const analysis_names[GC_N_ANALYSIS] = {
    [GC_ANALYSIS_NOT_RUN] = "not run",	   [GC_ANALYSIS_OK] = "ok",
    [GC_ANALYSIS_FAILED] = "failed",	   [GC_ANALYSIS_CRASHED] = "crashed",
    [GC_ANALYSIS_TIMED_OUT] = "timed out",
};

int64_t gc_meta_owner(const struct gc_meta *m)
{
	if (m->uid < 0 || (GC_META_HAS(m, dump_mode) && m->dump_mode != 1) ||
	    (GC_META_HAS(m, euid) && m->euid != m->uid) ||
	    (GC_META_HAS(m, egid) && m->egid != m->gid) ||
	    (GC_META_HAS(m, at_secure) && m->at_secure))
		return 0;
	return m->uid;
}

const char *gc_analysis_name(enum gc_analysis analysis)
{
	return (unsigned)analysis < GC_N_ANALYSIS ? analysis_names[analysis] : "?";
}

/* How a type is held in its member. */
enum storage {
	STORAGE_STRING,
	STORAGE_U64,
	STORAGE_I64,
	STORAGE_INT,
	STORAGE_BOOL,
	STORAGE_ANALYSIS,
};

static enum storage storage_of(enum gc_meta_field field)
{
	switch (gc_meta_fields[field].type) {
	case GC_META_TYPE_STRING:
	case GC_META_TYPE_TEXT:
		return STORAGE_STRING;
	case GC_META_TYPE_U64:
	case GC_META_TYPE_HEX:
	case GC_META_TYPE_TIME:
	case GC_META_TYPE_USEC:
	case GC_META_TYPE_BYTES:
	case GC_META_TYPE_KIB:
		return STORAGE_U64;
	case GC_META_TYPE_I64:
		return STORAGE_I64;
	case GC_META_TYPE_SIGNAL:
		return STORAGE_INT;
	case GC_META_TYPE_BOOL:
	case GC_META_TYPE_BOOL_WORD:
		return STORAGE_BOOL;
	case GC_META_TYPE_ANALYSIS:
		return STORAGE_ANALYSIS;
	}
	return STORAGE_U64;
}

static void *member(struct gc_meta *meta, enum gc_meta_field field)
{
	return (char *)meta + gc_meta_fields[field].offset;
}

static const void *cmember(const struct gc_meta *meta, enum gc_meta_field field)
{
	return (const char *)meta + gc_meta_fields[field].offset;
}

/* The length first: a string compare with each of the keys, for each line of each meta
 * parsed, was most of what parsing cost. */
static int field_by_key(const char *key)
{
	size_t len = strlen(key);

	for (size_t i = 0; i < GC_META_N_FIELDS; i++)
		if (gc_meta_fields[i].key_len == len &&
		    memcmp(gc_meta_fields[i].key, key, len) == 0)
			return (int)i;
	return -ENOENT;
}

bool gc_meta_has(const struct gc_meta *meta, enum gc_meta_field field)
{
	if (storage_of(field) == STORAGE_STRING)
		return *(char *const *)cmember(meta, field) != NULL;
	return gc_meta_fields[field].stage == GC_META_STAGE_CORE || meta->present[field];
}

int gc_meta_set_string(char **field, const char *value)
{
	free(*field);
	*field = value ? strdup(value) : NULL;
	return value && !*field ? -ENOMEM : 0;
}

int gc_meta_copy_field(struct gc_meta *to, const struct gc_meta *from, enum gc_meta_field field)
{
	static const size_t sizes[] = {
	    [STORAGE_U64] = sizeof(uint64_t),
	    [STORAGE_I64] = sizeof(int64_t),
	    [STORAGE_INT] = sizeof(int),
	    [STORAGE_BOOL] = sizeof(bool),
	    [STORAGE_ANALYSIS] = sizeof(enum gc_analysis),
	};
	enum storage storage = storage_of(field);

	if (storage == STORAGE_STRING)
		return gc_meta_set_string(member(to, field), *(char *const *)cmember(from, field));
	memcpy(member(to, field), cmember(from, field), sizes[storage]);
	to->present[field] = true;
	return 0;
}

const char *gc_meta_text(const struct gc_meta *meta, enum gc_meta_field field,
			 char buf[GC_META_TEXT_MAX])
{
	const void *value = cmember(meta, field);
	enum gc_meta_type type = gc_meta_fields[field].type;

	if (!gc_meta_has(meta, field))
		return NULL;
	switch (storage_of(field)) {
	case STORAGE_STRING:
		return *(char *const *)value;
	case STORAGE_U64:
		snprintf(buf, GC_META_TEXT_MAX,
			 type == GC_META_TYPE_HEX ? "0x%" PRIx64 : "%" PRIu64,
			 *(const uint64_t *)value);
		return buf;
	case STORAGE_I64:
		snprintf(buf, GC_META_TEXT_MAX, "%" PRId64, *(const int64_t *)value);
		return buf;
	case STORAGE_INT:
		snprintf(buf, GC_META_TEXT_MAX, "%d", *(const int *)value);
		return buf;
	case STORAGE_BOOL:
		if (type == GC_META_TYPE_BOOL_WORD)
			return *(const bool *)value ? "true" : "false";
		return *(const bool *)value ? "1" : "0";
	case STORAGE_ANALYSIS:
		return gc_analysis_name(*(const enum gc_analysis *)value);
	}
	return NULL;
}

void gc_meta_free(struct gc_meta *meta)
{
	if (!meta)
		return;
	for (size_t i = 0; i < GC_META_N_FIELDS; i++)
		if (storage_of(i) == STORAGE_STRING)
			free(*(char **)member(meta, i));
	for (size_t i = 0; i < meta->n_unknown; i++)
		free(meta->unknown[i]);
	free(meta->unknown);
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

int gc_meta_escape(struct gc_meta *meta)
{
	for (size_t i = 0; i < GC_META_N_FIELDS; i++) {
		unsigned flags =
		    gc_meta_fields[i].type == GC_META_TYPE_TEXT ? GC_ESCAPE_KEEP_NEWLINE : 0;

		if (storage_of(i) == STORAGE_STRING &&
		    gc_escape_in_place(member(meta, i), flags) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < meta->n_unknown; i++)
		if (gc_escape_in_place(&meta->unknown[i], 0) < 0)
			return -ENOMEM;
	return 0;
}

static void format_fields(FILE *f, const struct gc_meta *meta)
{
	char buf[GC_META_TEXT_MAX];

	for (size_t i = 0; i < GC_META_N_FIELDS; i++) {
		const char *text = gc_meta_text(meta, i, buf);

		if (!text)
			continue;
		fprintf(f, "%s=", gc_meta_fields[i].key);
		gc_line_escape(f, text, strlen(text));
		fputc('\n', f);
	}
	for (size_t i = 0; i < meta->n_unknown; i++) {
		const char *eq = strchr(meta->unknown[i], '=');

		/* set_unknown and parse never store such a string; skip rather than corrupt. */
		if (!eq || eq == meta->unknown[i])
			continue;
		fwrite(meta->unknown[i], 1, eq - meta->unknown[i] + 1, f);
		gc_line_escape(f, eq + 1, strlen(eq + 1));
		fputc('\n', f);
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
	format_fields(f, meta);
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

/* Undoes gc_line_escape() on [value, value + size); NULL on a bad escape or an embedded NUL. */
static char *unescape_value(const char *value, size_t size)
{
	_cleanup_free_ char *out = malloc(size + 1);
	size_t n;

	if (!out || gc_line_unescape(value, size, out, &n) < 0 || memchr(out, '\0', n))
		return NULL;
	return TAKE_PTR(out);
}

/* Strict: digits (hex ones after "0x" for base 16), no sign, no whitespace, the whole string
 * consumed. */
static int parse_uint64(const char *s, int base, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (base == 16) {
		if (strncmp(s, "0x", 2) != 0 || !isxdigit((unsigned char)s[2]) || s[3] == 'x' ||
		    s[3] == 'X')
			return -EINVAL;
		s += 2;
	} else if (*s < '0' || *s > '9') {
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0')
		return -ERANGE;
	*ret = v;
	return 0;
}

/* Decimal, with a minus or without. gocrashd 0.1.0 wrote the negative fault_code values
 * (SI_TKILL, -6) as their unsigned 64-bit two's complement: 18446744073709551610 is -6. */
static int parse_int64(const char *s, int64_t *ret)
{
	uint64_t magnitude;
	int r;

	r = parse_uint64(s[0] == '-' ? s + 1 : s, 10, &magnitude);
	if (r < 0)
		return r;
	if (s[0] == '-' && magnitude > (uint64_t)INT64_MAX + 1)
		return -ERANGE;
	*ret = s[0] == '-' ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
	return 0;
}

static int parse_bool(const char *s, enum gc_meta_type type, bool *ret)
{
	const char *yes = type == GC_META_TYPE_BOOL_WORD ? "true" : "1";
	const char *no = type == GC_META_TYPE_BOOL_WORD ? "false" : "0";

	if (strcmp(s, yes) != 0 && strcmp(s, no) != 0)
		return -EINVAL;
	*ret = strcmp(s, yes) == 0;
	return 0;
}

static int parse_analysis(const char *s, enum gc_analysis *ret)
{
	for (size_t i = 0; i < GC_N_ANALYSIS; i++)
		if (strcmp(s, analysis_names[i]) == 0) {
			*ret = i;
			return 0;
		}
	return -EINVAL;
}

/* Sets the field from its text, which it takes. Returns 0, or -EINVAL for a value that is
 * not of the field's type (the field is left as it was). */
static int set_field(struct gc_meta *meta, enum gc_meta_field field, char *text)
{
	_cleanup_free_ char *value = text;
	enum gc_meta_type type = gc_meta_fields[field].type;
	void *p = member(meta, field);
	uint64_t u64;
	int64_t i64;
	int r = 0;

	switch (storage_of(field)) {
	case STORAGE_STRING:
		free(*(char **)p);
		*(char **)p = TAKE_PTR(value);
		return 0;
	case STORAGE_U64:
		r = parse_uint64(value, type == GC_META_TYPE_HEX ? 16 : 10, &u64);
		if (r >= 0)
			*(uint64_t *)p = u64;
		break;
	case STORAGE_I64:
		r = parse_int64(value, &i64);
		if (r >= 0)
			*(int64_t *)p = i64;
		break;
	case STORAGE_INT:
		r = parse_int64(value, &i64);
		if (r >= 0 && (i64 < INT_MIN || i64 > INT_MAX))
			r = -ERANGE;
		if (r >= 0)
			*(int *)p = (int)i64;
		break;
	case STORAGE_BOOL:
		r = parse_bool(value, type, p);
		break;
	case STORAGE_ANALYSIS:
		r = parse_analysis(value, p);
		break;
	}
	if (r < 0)
		return -EINVAL;
	meta->present[field] = true;
	return 0;
}

/* Applies one line (without its newline). Malformed lines are skipped: returns -EINVAL for
 * those, -ENOMEM only when the caller must give up. */
static int parse_line(struct gc_meta *meta, const char *line, size_t size)
{
	const char *eq = memchr(line, '=', size);
	_cleanup_free_ char *key = NULL;
	_cleanup_free_ char *value = NULL;
	int field;

	if (!eq || eq == line || memchr(line, '\0', eq - line))
		return -EINVAL;
	key = strndup(line, eq - line);
	if (!key)
		return -ENOMEM;
	value = unescape_value(eq + 1, size - (eq + 1 - line));
	if (!value)
		return -EINVAL;

	field = field_by_key(key);
	if (field >= 0)
		return set_field(meta, field, TAKE_PTR(value));
	return gc_meta_set_unknown(meta, key, value);
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

static bool unknown_key_matches(const char *line, const char *key, size_t key_len)
{
	return strncmp(line, key, key_len) == 0 && line[key_len] == '=';
}

int gc_meta_set_unknown(struct gc_meta *meta, const char *key, const char *value)
{
	size_t key_len = strlen(key);
	char *kv, **unknown;

	/* A key with '=' or a newline could not be read back; a known key would be shadowed. */
	if (key_len == 0 || strpbrk(key, "=\n") || field_by_key(key) >= 0)
		return -EINVAL;
	kv = malloc(key_len + strlen(value) + 2);
	if (!kv)
		return -ENOMEM;
	stpcpy(stpcpy(stpcpy(kv, key), "="), value);

	for (size_t i = 0; i < meta->n_unknown; i++)
		if (unknown_key_matches(meta->unknown[i], key, key_len)) {
			free(meta->unknown[i]);
			meta->unknown[i] = kv;
			return 0;
		}

	unknown = reallocarray(meta->unknown, meta->n_unknown + 1, sizeof(*unknown));
	if (!unknown) {
		free(kv);
		return -ENOMEM;
	}
	meta->unknown = unknown;
	meta->unknown[meta->n_unknown++] = kv;
	return 0;
}

const char *gc_meta_get_unknown(const struct gc_meta *meta, const char *key)
{
	size_t key_len = strlen(key);

	for (size_t i = 0; i < meta->n_unknown; i++)
		if (unknown_key_matches(meta->unknown[i], key, key_len))
			return meta->unknown[i] + key_len + 1;
	return NULL;
}
