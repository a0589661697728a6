/* SPDX-License-Identifier: MIT */
/* gocrashd.conf: one table of keys drives parsing, defaults, formatting and messages. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "gc-build.h"
#include "log.h"
#include "macro.h"

#define LEVEL_MIN	(-7)
#define LEVEL_MAX	19
#define THREADS_MAX	64
#define CONFIG_FILE_MAX (1 << 20)

_Static_assert(GC_DEFAULT_LEVEL >= LEVEL_MIN && GC_DEFAULT_LEVEL <= LEVEL_MAX,
	       "the default-level build option must lie within Level='s range -7..19");

#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x)

struct config_key;

/* How one kind of value is read and written back; parse() writes *dest only on success. */
struct config_type {
	int (*parse)(const struct config_key *key, const char *text, void *dest);
	void (*format)(const void *src, FILE *out);
	const char *expected; /* completes "expected ..." in messages; NULL: the integer range */
};

struct config_key {
	const char *section;
	const char *name;
	const struct config_type *type;
	size_t offset;
	const char *default_text; /* canonical: what format() prints for the default */
	long long min, max;	  /* integer keys only */
};

/* ---- sizes ---- */

static const char *skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* Reads "K", "KiB", "B", "" (any case) and returns the power-of-two shift, or -EINVAL. */
static int parse_suffix(const char *p)
{
	static const char units[] = "KMGT";
	const char *unit;
	int shift = 0;

	if (*p && (unit = strchr(units, toupper((unsigned char)*p)))) {
		shift = 10 * (int)(unit - units + 1);
		p++;
		if (strncasecmp(p, "ib", 2) == 0)
			p += 2;
	} else if (toupper((unsigned char)*p) == 'B') {
		p++;
	}
	return *skip_space(p) == '\0' ? shift : -EINVAL;
}

int gc_parse_size(const char *text, bool allow_percent, struct gc_size *ret)
{
	uint64_t whole = 0, frac_num = 0, frac_den = 1, unit, bytes, frac_bytes;
	const char *p;
	int shift;

	if (!text)
		return -EINVAL;
	p = skip_space(text);
	if (!isdigit((unsigned char)*p)) /* also rejects "", "-1", "+1", ".5" */
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -EINVAL;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return -EINVAL;
		/* Digits past 10^-18 of a unit cannot change the byte count; ignore them. */
		for (; isdigit((unsigned char)*p); p++)
			if (frac_den < UINT64_C(1000000000000000000)) {
				frac_num = frac_num * 10 + (uint64_t)(*p - '0');
				frac_den *= 10;
			}
	}
	if (*p == '%') {
		if (!allow_percent || frac_den != 1 || whole > 100 || *skip_space(p + 1) != '\0')
			return -EINVAL;
		*ret = (struct gc_size){.value = whole, .percent = true};
		return 0;
	}
	shift = parse_suffix(p);
	if (shift < 0)
		return shift;
	unit = UINT64_C(1) << shift;
	if (whole > UINT64_MAX / unit)
		return -EINVAL;
	bytes = whole * unit;
	frac_bytes = (uint64_t)((unsigned __int128)frac_num * unit / frac_den);
	if (bytes > UINT64_MAX - frac_bytes)
		return -EINVAL;
	*ret = (struct gc_size){.value = bytes + frac_bytes, .percent = false};
	return 0;
}

uint64_t gc_size_resolve(const struct gc_size *size, uint64_t fs_size)
{
	uint64_t percent;

	if (!size->percent)
		return size->value;
	percent = MIN(size->value, 100);
	/* fs_size * percent would overflow for filesystems above 2^57 bytes: split it. */
	return fs_size / 100 * percent + fs_size % 100 * percent / 100;
}

/* The largest unit that divides exactly, so the text parses back to the same bytes. */
static void format_bytes(uint64_t bytes, FILE *out)
{
	static const char units[] = "KMGT";

	for (int i = 4; i >= 1 && bytes > 0; i--) {
		uint64_t unit = UINT64_C(1) << (10 * i);

		if (bytes % unit == 0) {
			fprintf(out, "%" PRIu64 "%c", bytes / unit, units[i - 1]);
			return;
		}
	}
	fprintf(out, "%" PRIu64, bytes);
}

/* ---- value types ---- */

/* Absolute, without "." or ".." components, not "/" itself; slashes collapsed. Not ending in
 * white space either: inih strips it from a value, so "/x /" would name "/x " and format to a
 * line that loads as "/x". */
static int normalize_path(const char *text, char **ret)
{
	_cleanup_free_ char *path = NULL;
	size_t length = 0;

	if (text[0] != '/' || strlen(text) >= PATH_MAX)
		return -EINVAL;
	for (const char *c = text; *c; c++)
		if (iscntrl((unsigned char)*c))
			return -EINVAL;
	path = malloc(strlen(text) + 1);
	if (!path)
		return -ENOMEM;
	for (const char *p = text;;) {
		size_t component;

		while (*p == '/')
			p++;
		component = strcspn(p, "/");
		if (component == 0)
			break;
		if (p[0] == '.' && (component == 1 || (component == 2 && p[1] == '.')))
			return -EINVAL;
		path[length++] = '/';
		memcpy(path + length, p, component);
		length += component;
		p += component;
	}
	if (length == 0 || isspace((unsigned char)path[length - 1]))
		return -EINVAL;
	path[length] = '\0';
	*ret = TAKE_PTR(path);
	return 0;
}

static int parse_directory(const struct config_key *key, const char *text, void *dest)
{
	char **directory = dest;
	char *path;
	int r;

	r = normalize_path(text, &path);
	if (r < 0)
		return r;
	free(*directory);
	*directory = path;
	return 0;
}

static void format_directory(const void *src, FILE *out)
{
	const char *const *directory = src;

	fputs(*directory ? *directory : "", out);
}

static int parse_size_or_percent(const struct config_key *key, const char *text, void *dest)
{
	return gc_parse_size(text, true, dest);
}

static void format_size_or_percent(const void *src, FILE *out)
{
	const struct gc_size *size = src;

	if (size->percent)
		fprintf(out, "%" PRIu64 "%%", size->value);
	else
		format_bytes(size->value, out);
}

static int parse_size_or_infinity(const struct config_key *key, const char *text, void *dest)
{
	struct gc_size size;
	int r;

	if (strcasecmp(text, "infinity") == 0) {
		*(uint64_t *)dest = UINT64_MAX;
		return 0;
	}
	r = gc_parse_size(text, false, &size);
	if (r < 0)
		return r;
	*(uint64_t *)dest = size.value;
	return 0;
}

static void format_size_or_infinity(const void *src, FILE *out)
{
	uint64_t bytes = *(const uint64_t *)src;

	if (bytes == UINT64_MAX)
		fputs("infinity", out);
	else
		format_bytes(bytes, out);
}

static int parse_count(const struct config_key *key, const char *text, void *dest)
{
	unsigned long long value;
	char *end;

	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	value = strtoull(text, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*(uint64_t *)dest = value;
	return 0;
}

static void format_count(const void *src, FILE *out)
{
	fprintf(out, "%" PRIu64, *(const uint64_t *)src);
}

static int parse_ranged(const struct config_key *key, const char *text, long long *ret)
{
	const char *digits = text[0] == '-' ? text + 1 : text;
	long long value;
	char *end;

	if (!isdigit((unsigned char)digits[0]))
		return -EINVAL;
	errno = 0;
	value = strtoll(text, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || value < key->min || value > key->max)
		return -ERANGE;
	*ret = value;
	return 0;
}

static int parse_int(const struct config_key *key, const char *text, void *dest)
{
	long long value;
	int r;

	r = parse_ranged(key, text, &value);
	if (r < 0)
		return r;
	*(int *)dest = (int)value;
	return 0;
}

static void format_int(const void *src, FILE *out)
{
	fprintf(out, "%d", *(const int *)src);
}

static int parse_unsigned(const struct config_key *key, const char *text, void *dest)
{
	long long value;
	int r;

	r = parse_ranged(key, text, &value);
	if (r < 0)
		return r;
	*(unsigned *)dest = (unsigned)value;
	return 0;
}

static void format_unsigned(const void *src, FILE *out)
{
	fprintf(out, "%u", *(const unsigned *)src);
}

static int parse_bool(const struct config_key *key, const char *text, void *dest)
{
	static const char *const names[][2] = {
	    {"no", "yes"}, {"false", "true"}, {"off", "on"}, {"0", "1"}};

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		for (size_t value = 0; value < 2; value++)
			if (strcasecmp(text, names[i][value]) == 0) {
				*(bool *)dest = value;
				return 0;
			}
	return -EINVAL;
}

static void format_bool(const void *src, FILE *out)
{
	fputs(*(const bool *)src ? "yes" : "no", out);
}

/* Units as systemd.time(7) spells them, longest names first within a prefix. */
static const struct {
	const char *name;
	uint64_t sec;
} timespan_units[] = {
    {"seconds", 1},    {"second", 1},	 {"sec", 1},	  {"s", 1},	   {"minutes", 60},
    {"minute", 60},    {"min", 60},	 {"m", 60},	  {"hours", 3600}, {"hour", 3600},
    {"hr", 3600},      {"h", 3600},	 {"days", 86400}, {"day", 86400},  {"d", 86400},
    {"weeks", 604800}, {"week", 604800}, {"w", 604800},
};

static int timespan_unit(const char **p, uint64_t *ret)
{
	size_t len = 0;

	while (isalpha((unsigned char)(*p)[len]))
		len++;
	if (len == 0) {
		*ret = 1;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(timespan_units); i++)
		if (strlen(timespan_units[i].name) == len &&
		    strncmp(*p, timespan_units[i].name, len) == 0) {
			*ret = timespan_units[i].sec;
			*p += len;
			return 0;
		}
	return -EINVAL;
}

int gc_parse_timespan(const char *text, uint64_t *ret_sec)
{
	const char *p = text;
	uint64_t total = 0;

	while (*p == ' ')
		p++;
	if (!*p)
		return -EINVAL;
	while (*p) {
		unsigned long long value;
		uint64_t unit;
		char *end;

		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		errno = 0;
		value = strtoull(p, &end, 10);
		if (errno == ERANGE)
			return -ERANGE;
		p = end;
		while (*p == ' ')
			p++;
		if (timespan_unit(&p, &unit) < 0)
			return -EINVAL;
		if (value > (UINT64_MAX - total) / unit)
			return -ERANGE;
		total += value * unit;
		while (*p == ' ')
			p++;
	}
	*ret_sec = total;
	return 0;
}

static int parse_timespan(const struct config_key *key, const char *text, void *dest)
{
	return gc_parse_timespan(text, dest);
}

/* The largest unit that divides the span: 1209600 is written 2w. */
static void format_timespan(const void *src, FILE *out)
{
	static const struct {
		const char *name;
		uint64_t sec;
	} units[] = {{"w", 604800}, {"d", 86400}, {"h", 3600}, {"min", 60}, {"s", 1}};
	uint64_t sec = *(const uint64_t *)src;

	for (size_t i = 0; i < ELEMENTSOF(units); i++)
		if (sec > 0 && sec % units[i].sec == 0) {
			fprintf(out, "%" PRIu64 "%s", sec / units[i].sec, units[i].name);
			return;
		}
	fputs("0", out);
}

static const char *const keep_exe_names[] = {
    [GC_KEEP_EXE_GO] = "go",
    [GC_KEEP_EXE_ALL] = "all",
    [GC_KEEP_EXE_NO] = "no",
};

static int parse_keep_exe(const struct config_key *key, const char *text, void *dest)
{
	for (size_t i = 0; i < ELEMENTSOF(keep_exe_names); i++)
		if (strcasecmp(text, keep_exe_names[i]) == 0) {
			*(enum gc_keep_exe *)dest = (enum gc_keep_exe)i;
			return 0;
		}
	return -EINVAL;
}

static void format_keep_exe(const void *src, FILE *out)
{
	enum gc_keep_exe keep = *(const enum gc_keep_exe *)src;

	fputs((size_t)keep < ELEMENTSOF(keep_exe_names) ? keep_exe_names[keep] : "go", out);
}

static const char *const nongo_names[] = {
    [GC_NONGO_STORE] = "store",
    [GC_NONGO_SUMMARY] = "summary",
    [GC_NONGO_SKIP] = "skip",
    [GC_NONGO_FORWARD] = "forward",
};

static int parse_nongo(const struct config_key *key, const char *text, void *dest)
{
	for (size_t i = 0; i < ELEMENTSOF(nongo_names); i++)
		if (strcasecmp(text, nongo_names[i]) == 0) {
			*(enum gc_nongo_policy *)dest = (enum gc_nongo_policy)i;
			return 0;
		}
	return -EINVAL;
}

static void format_nongo(const void *src, FILE *out)
{
	enum gc_nongo_policy policy = *(const enum gc_nongo_policy *)src;

	fputs((size_t)policy < ELEMENTSOF(nongo_names) ? nongo_names[policy] : "store", out);
}

static const struct config_type type_directory = {
    parse_directory, format_directory,
    "an absolute path (not /, no . or .. components, no space at the end)"};
static const struct config_type type_size_or_percent = {
    parse_size_or_percent, format_size_or_percent,
    "a size such as 512M or 2G, or a percentage from 0% to 100%"};
static const struct config_type type_size_or_infinity = {
    parse_size_or_infinity, format_size_or_infinity, "a size such as 512M or 2G, or infinity"};
static const struct config_type type_count = {parse_count, format_count,
					      "an integer 0 or above (0: unlimited)"};
static const struct config_type type_int = {parse_int, format_int, NULL};
static const struct config_type type_unsigned = {parse_unsigned, format_unsigned, NULL};
static const struct config_type type_nongo = {parse_nongo, format_nongo,
					      "store, summary, skip or forward"};
static const struct config_type type_bool = {parse_bool, format_bool, "yes or no"};
static const struct config_type type_timespan = {parse_timespan, format_timespan,
						 "a time span (30s, 10min, 12h, 3d, 2w; 0: none)"};
static const struct config_type type_keep_exe = {parse_keep_exe, format_keep_exe, "go, all or no"};

/* The offset of a field, refusing to compile when the field is not of the type the parser
 * writes: a mismatch here would silently corrupt the neighbouring fields. */
#define FIELD(field, ctype)                                                                        \
	(offsetof(struct gc_config, field) +                                                       \
	 0 * sizeof(struct {                                                                       \
		 _Static_assert(__builtin_types_compatible_p(                                      \
				    __typeof__(((struct gc_config *)0)->field), ctype),            \
				"config field " #field " is not " #ctype);                         \
		 int unused;                                                                       \
	 }))

#define KEY(section_, name_, type_, field, ctype, default_, ...)                                   \
	{                                                                                          \
		.section = section_, .name = name_, .type = &type_, .offset = FIELD(field, ctype), \
		.default_text = default_, __VA_ARGS__                                              \
	}

/* Order here is the order of `gocrashctl status`, conf/gocrashd.conf and the man page. */
static const struct config_key config_keys[] = {
    KEY("Store", "Directory", type_directory, directory, char *, GC_STORE_DIR),
    KEY("Store", "MaxUse", type_size_or_percent, max_use, struct gc_size, "10%"),
    KEY("Store", "KeepFree", type_size_or_percent, keep_free, struct gc_size, "15%"),
    KEY("Store", "MaxCores", type_count, max_cores, uint64_t, "100"),
    KEY("Store", "MaxEntries", type_count, max_entries, uint64_t, "1000"),
    KEY("Store", "MaxCoreAge", type_timespan, max_core_age_sec, uint64_t, "2w"),
    KEY("Store", "MaxEntryAge", type_timespan, max_entry_age_sec, uint64_t, "0"),
    KEY("Store", "CoresPerSignature", type_count, cores_per_signature, uint64_t, "3"),
    KEY("Store", "KeepExecutable", type_keep_exe, keep_executable, enum gc_keep_exe, "go"),
    KEY("Store", "MaxCoreSize", type_size_or_infinity, max_core_size, uint64_t, "32G"),
    KEY("Capture", "NonGo", type_nongo, nongo, enum gc_nongo_policy, "store"),
    KEY("Capture", "RateLimitIntervalSec", type_timespan, rate_limit_interval_sec, uint64_t,
	"10min"),
    KEY("Capture", "RateLimitBurst", type_unsigned, rate_limit_burst, unsigned, "5", .min = 1,
	.max = 1000000),
    KEY("Compression", "Level", type_int, compression_level, int, STRINGIFY(GC_DEFAULT_LEVEL),
	.min = LEVEL_MIN, .max = LEVEL_MAX),
    KEY("Compression", "Threads", type_unsigned, threads, unsigned, "0", .min = 0,
	.max = THREADS_MAX),
    KEY("Compression", "Adaptive", type_bool, adaptive, bool, "yes"),
    KEY("Analysis", "TimeLimitSec", type_unsigned, analysis_time_limit_sec, unsigned, "30",
	.min = 1, .max = 3600),
    KEY("Analysis", "MemoryLimit", type_size_or_infinity, analysis_memory_limit, uint64_t, "1G"),
    KEY("Journal", "CoredumpCompatible", type_bool, coredump_compatible, bool, "yes"),
};

static void *key_field(const struct config_key *key, const struct gc_config *config)
{
	return (char *)config + key->offset;
}

/* The value as the config file would spell it; NULL on allocation failure. */
static char *format_value(const struct config_key *key, const struct gc_config *config)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out;

	out = open_memstream(&text, &size);
	if (!out)
		return NULL;
	key->type->format(key_field(key, config), out);
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* ---- init, free, format ---- */

void gc_config_init(struct gc_config *config)
{
	*config = (struct gc_config){0};
	/* Defaults go through the parsers, so the documented text is the value used. */
	for (size_t i = 0; i < ELEMENTSOF(config_keys); i++) {
		const struct config_key *key = &config_keys[i];
		int r = key->type->parse(key, key->default_text, key_field(key, config));

		if (r < 0) /* only ENOMEM for Directory; every default is tested to parse */
			gc_log_errno(LOG_CRIT, r, "cannot apply default %s=%s", key->name,
				     key->default_text);
	}
}

void gc_config_free(struct gc_config *config)
{
	free(config->directory);
	config->directory = NULL;
}

int gc_config_format(const struct gc_config *config, char **ret)
{
	_cleanup_free_ char *text = NULL;
	const char *section = NULL;
	size_t size = 0;
	FILE *out;

	out = open_memstream(&text, &size);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(config_keys); i++) {
		const struct config_key *key = &config_keys[i];

		if (!section || strcmp(section, key->section) != 0) {
			fprintf(out, "%s[%s]\n", section ? "\n" : "", key->section);
			section = key->section;
		}
		fprintf(out, "%s=", key->name);
		key->type->format(key_field(key, config), out);
		fputc('\n', out);
	}
	if (fclose(out) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(text);
	return 0;
}

/* ---- loading ---- */

struct parse_state {
	struct gc_config *config;
	const char *path;
	FILE *file;
	char *line;
	size_t line_size;
	unsigned lineno;
	int read_error;
};

static const struct config_key *find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

static bool section_known(const char *section)
{
	for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
		if (strcmp(config_keys[i].section, section) == 0)
			return true;
	return false;
}

/* Keys are case-sensitive and belong to one section; a near miss deserves a hint. */
static const struct config_key *find_key_ignoring_case(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
		if (strcasecmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

static void warn_unknown(const struct parse_state *state, const char *section, const char *name,
			 const char *value)
{
	const struct config_key *near = find_key_ignoring_case(name);
	char what[128], hint[128] = "";

	if (section[0] == '\0')
		snprintf(what, sizeof(what), "key outside of any section");
	else if (!section_known(section))
		snprintf(what, sizeof(what), "unknown section [%s]", section);
	else
		snprintf(what, sizeof(what), "unknown key");
	if (near)
		snprintf(hint, sizeof(hint), " (did you mean [%s] %s=?)", near->section,
			 near->name);
	gc_log(LOG_WARNING, "%s:%u: %s%s%s%s=%s: %s, ignored%s", state->path, state->lineno,
	       section[0] ? "[" : "", section, section[0] ? "] " : "", name, value, what, hint);
}

static void warn_bad_value(const struct parse_state *state, const struct config_key *key,
			   const char *value, int error)
{
	_cleanup_free_ char *current = format_value(key, state->config);
	char expected[128];

	if (key->type->expected)
		snprintf(expected, sizeof(expected), "%s", key->type->expected);
	else
		snprintf(expected, sizeof(expected), "an integer from %lld to %lld", key->min,
			 key->max);
	gc_log(LOG_WARNING, "%s:%u: [%s] %s=%s: %s, expected %s; keeping %s%s", state->path,
	       state->lineno, key->section, key->name, value,
	       error == -ERANGE	  ? "out of range"
	       : error == -ENOMEM ? "out of memory"
				  : "invalid",
	       expected,
	       current && strcmp(current, key->default_text) == 0 ? "default " : "previous value ",
	       current ? current : "");
}

/* Every problem is logged here with its line, so the handler always reports success to inih. */
static int handle_key(void *userdata, const char *section, const char *name, const char *value)
{
	struct parse_state *state = userdata;
	const struct config_key *key;
	int r;

	if (!value) /* only with INI_ALLOW_NO_VALUE; treat as empty */
		value = "";
	key = find_key(section, name);
	if (!key) {
		warn_unknown(state, section, name, value);
		return 1;
	}
	/* An empty value resets the key, e.g. a drop-in undoing the main file. */
	r = key->type->parse(key, *value ? value : key->default_text,
			     key_field(key, state->config));
	if (r < 0)
		warn_bad_value(state, key, value, r);
	return 1;
}

/* Why inih would reject this (left-trimmed) line, or NULL. inih reports only the first such
 * line, so the reader catches them all and hands inih an empty line instead. */
static const char *line_problem(const char *line, size_t length)
{
	if (strlen(line) != length)
		return "contains a NUL byte";
	if (*line == '\0' || *line == ';' || *line == '#')
		return NULL;
	if (*line == '[')
		return strchr(line, ']') ? NULL : "missing ']' after the section name";
	return strpbrk(line, "=:") ? NULL : "expected Key=value";
}

/* inih's fgets-style reader: one physical line per call, so inih's line count stays ours. */
static char *read_line(char *buf, int size, void *userdata)
{
	struct parse_state *state = userdata;
	const char *problem;
	ssize_t read_length;
	size_t length;
	char *start;

	read_length = getline(&state->line, &state->line_size, state->file);
	if (read_length < 0) {
		if (ferror(state->file))
			state->read_error = negative_errno();
		return NULL;
	}
	state->lineno++;
	start = state->line;
	length = (size_t)read_length;
	if (state->lineno == 1 && strncmp(start, "\xef\xbb\xbf", 3) == 0) {
		start += 3;
		length -= 3;
	}
	/* Dropping indentation keeps inih from reading the line as a continuation of the last
	 * value (its Python-style multi-line values), which nobody writing Key=value expects. */
	while (length > 0 && isspace((unsigned char)*start)) {
		start++;
		length--;
	}
	while (length > 0 && (start[length - 1] == '\n' || start[length - 1] == '\r'))
		start[--length] = '\0';

	problem = line_problem(start, length);
	if (!problem && length + 2 > (size_t)size)
		problem = "line too long";
	if (problem) {
		gc_log(LOG_WARNING, "%s:%u: %s, line ignored", state->path, state->lineno, problem);
		start = "";
		length = 0;
	}
	memcpy(buf, start, length);
	memcpy(buf + length, "\n", 2);
	return buf;
}

/* Opens a configuration file for reading: a regular file of at most CONFIG_FILE_MAX bytes.
 * O_NONBLOCK, so that a FIFO in its place cannot hold the handler (and with it the crashed
 * process) in open(). Returns 1 with *ret set, 0 when it does not exist, or a logged -errno. */
static int open_config(const char *path, FILE **ret)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return gc_log_errno(LOG_WARNING, errno, "%s: cannot open, ignoring it", path);
	if (fstat(fd, &st) < 0)
		return gc_log_errno(LOG_WARNING, errno, "%s: cannot stat, ignoring it", path);
	if (S_ISDIR(st.st_mode))
		return gc_log_errno(LOG_WARNING, EISDIR, "%s: cannot read, ignoring it", path);
	if (!S_ISREG(st.st_mode))
		return gc_log_errno(LOG_WARNING, EINVAL, "%s: not a regular file, ignoring it",
				    path);
	if (st.st_size > CONFIG_FILE_MAX)
		return gc_log_errno(LOG_WARNING, EFBIG, "%s: larger than %d bytes, ignoring it",
				    path, CONFIG_FILE_MAX);
	*ret = fdopen(fd, "re");
	if (!*ret)
		return gc_log_errno(LOG_WARNING, errno, "%s: cannot open, ignoring it", path);
	TAKE_FD(fd);
	return 1;
}

/* Applies one file over config. A missing file is fine; others are logged and returned. */
static int load_file(struct gc_config *config, const char *path)
{
	_cleanup_fclose_ FILE *file = NULL;
	struct parse_state state = {.config = config, .path = path};
	int r;

	r = open_config(path, &file);
	if (r <= 0)
		return r;
	state.file = file;
	r = ini_parse_stream(read_line, &state, handle_key, &state);
	free(state.line);
	if (state.read_error < 0)
		return gc_log_errno(LOG_WARNING, state.read_error,
				    "%s:%u: read failed, ignoring the rest", path,
				    state.lineno + 1);
	if (r == -2)
		return gc_log_errno(LOG_WARNING, ENOMEM, "%s: cannot parse", path);
	if (r > 0) /* a syntax quirk line_problem() does not foresee */
		gc_log(LOG_WARNING, "%s:%d: syntax error, line ignored", path, r);
	return 0;
}

static int filter_conf(const struct dirent *entry)
{
	size_t length = strlen(entry->d_name);

	return entry->d_name[0] != '.' && length > 5 &&
	       strcmp(entry->d_name + length - 5, ".conf") == 0;
}

/* strcmp rather than alphasort: strcoll would make the override order depend on the locale. */
static int compare_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int load_dropins(struct gc_config *config, const char *dir)
{
	struct dirent **entries = NULL;
	int count, result = 0;

	count = scandir(dir, &entries, filter_conf, compare_names);
	if (count < 0) {
		if (errno == ENOENT)
			return 0;
		return gc_log_errno(LOG_WARNING, errno, "%s: cannot list drop-ins, ignoring them",
				    dir);
	}
	for (int i = 0; i < count; i++) {
		_cleanup_free_ char *path = NULL;
		int r;

		if (asprintf(&path, "%s/%s", dir, entries[i]->d_name) < 0) {
			path = NULL;
			r = gc_log_errno(LOG_WARNING, ENOMEM, "%s/%s: cannot load", dir,
					 entries[i]->d_name);
		} else {
			r = load_file(config, path);
		}
		if (r < 0 && result == 0)
			result = r;
	}
	for (int i = 0; i < count; i++)
		free(entries[i]);
	free(entries);
	return result;
}

int gc_config_load(struct gc_config *config, const char *path)
{
	_cleanup_free_ char *dropin_dir = NULL;
	int result, r;

	result = load_file(config, path);
	if (asprintf(&dropin_dir, "%s.d", path) < 0) {
		dropin_dir = NULL;
		r = gc_log_errno(LOG_WARNING, ENOMEM, "%s.d: cannot load drop-ins", path);
	} else {
		r = load_dropins(config, dropin_dir);
	}
	return result < 0 ? result : r;
}
