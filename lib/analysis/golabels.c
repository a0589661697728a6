/* SPDX-License-Identifier: MIT */
/* g.labels points to the runtime/pprof labelMap, whose first field is a label.Set
 * (internal/runtime/pprof/label): {List []Label}, each Label {Key, Value string}, sorted by
 * key. goroutineheader() prints them when debug.tracebacklabels is 1: the default of 1.27,
 * not of 1.26, and set by GODEBUG, which the executable's DefaultGODEBUG (from its go.mod's
 * go line and //go:debug lines) and the environment override in that order. */
#include "golabels.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

#define LABELS_MINOR	 26 /* the first release that prints labels */
#define DEFAULT_ON_MINOR 27 /* the first whose tracebacklabels is 1 by default */
#define MAX_LABEL_STRING 4096
#define LABEL_SIZE	 32   /* {Key, Value string} */
#define MAX_ENV		 4096 /* entries of the initial environment looked at */
#define MAX_GODEBUG	 4096 /* bytes of the GODEBUG value read */
#define AUXV_SLACK	 64   /* bytes from auxv's end to AT_RANDOM's bytes, at most */
#define PAGE		 4096u
#define AT_RANDOM	 25

static const char godebug_prefix[] = "GODEBUG=";

/* Counts one goroutine in *n, keeping the id of the first. */
static void count(uint64_t *n, int64_t *first_id, int64_t id)
{
	if ((*n)++ == 0)
		*first_id = id;
}

/* Key or value {ptr, len} as a new string of at most MAX_LABEL_STRING bytes (*cut set when
 * longer). Returns 0, -EFAULT or -ENOMEM. */
static int read_label_string(struct gc_go_target *t, const uint64_t header[2], char **ret,
			     size_t *ret_len, bool *cut)
{
	int r = gc_go_read_string_at(t, header[0], header[1], MAX_LABEL_STRING, ret);

	if (r < 0)
		return r;
	*ret_len = (size_t)MIN(header[1], (uint64_t)MAX_LABEL_STRING);
	*cut = *cut || header[1] > MAX_LABEL_STRING;
	return 0;
}

static int read_label(struct gc_go_target *t, uint64_t addr, struct gc_goroutine *g, bool *cut)
{
	_cleanup_free_ char *key = NULL, *value = NULL;
	size_t key_len = 0, value_len = 0;
	uint64_t words[4];
	int r;

	if (gc_go_read(t, addr, words, sizeof(words)) < 0)
		return -EFAULT;
	r = read_label_string(t, words, &key, &key_len, cut);
	if (r >= 0)
		r = read_label_string(t, words + 2, &value, &value_len, cut);
	if (r >= 0)
		r = gc_goroutine_add_label(g, key, key_len, value, value_len);
	return r;
}

int gc_go_read_labels(struct gc_go_target *t, uint64_t labels, struct gc_goroutine *g,
		      struct gc_go_label_stats *stats)
{
	uint64_t list[2] = {0, 0}; /* the slice's array and length */
	bool cut = false;
	int r = 0;

	if (!labels || t->layout->minor < LABELS_MINOR)
		return 0;
	if (gc_go_read(t, labels, list, sizeof(list)) < 0)
		r = -EFAULT;
	for (uint64_t i = 0; r >= 0 && i < MIN(list[1], (uint64_t)GC_GO_REPORT_MAX_LABELS); i++)
		r = read_label(t, list[0] + i * LABEL_SIZE, g, &cut);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		count(&stats->unreadable, &stats->unreadable_id, g->id);
	else if (list[1] > GC_GO_REPORT_MAX_LABELS)
		count(&stats->too_many, &stats->too_many_id, g->id);
	if (cut)
		count(&stats->cut, &stats->cut_id, g->id);
	return 0;
}

int gc_go_note_labels(const struct gc_go_label_stats *stats, struct gc_go_report *report)
{
	int r = 0;

	if (stats->unreadable)
		r = gc_go_report_note(report,
				      "the labels of %" PRIu64 " goroutines (goroutine %" PRId64
				      " the first) are not in the core: their headers show the "
				      "labels read before, if any",
				      stats->unreadable, stats->unreadable_id);
	if (r >= 0 && stats->too_many)
		r = gc_go_report_note(report,
				      "%" PRIu64 " goroutines (goroutine %" PRId64
				      " the first) have more than %d labels: only the first %d "
				      "are shown",
				      stats->too_many, stats->too_many_id, GC_GO_REPORT_MAX_LABELS,
				      GC_GO_REPORT_MAX_LABELS);
	if (r >= 0 && stats->cut)
		r = gc_go_report_note(report,
				      "%" PRIu64 " goroutines (goroutine %" PRId64
				      " the first) have a label longer than %d bytes: it is shown "
				      "cut there",
				      stats->cut, stats->cut_id, MAX_LABEL_STRING);
	return r;
}

/* strconv.ParseInt(s, 10, 32), as parsegodebug reads a setting: false when it fails. */
static bool parse_int32(const char *s, size_t len, int32_t *ret)
{
	bool negative = len > 0 && s[0] == '-';
	size_t i = len > 0 && (s[0] == '-' || s[0] == '+');
	int64_t v = 0;

	if (i == len)
		return false;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
		if (v > (int64_t)INT32_MAX + 1)
			return false;
	}
	if (negative)
		v = -v;
	if (v > INT32_MAX || v < INT32_MIN)
		return false;
	*ret = (int32_t)v;
	return true;
}

/* Applies the tracebacklabels settings of a GODEBUG string to *value, left to right as
 * parsegodebug does at start-up: the last valid one wins. */
static void apply_godebug(const char *s, int32_t *value)
{
	static const char key[] = "tracebacklabels=";

	for (const char *p = s; *p;) {
		size_t len = strcspn(p, ",");

		if (len > sizeof(key) - 1 && memcmp(p, key, sizeof(key) - 1) == 0)
			parse_int32(p + sizeof(key) - 1, len - (sizeof(key) - 1), value);
		p += len + (p[len] == ',');
	}
}

/* The NUL-terminated string at addr as a new string, cut after max bytes; a page at a time,
 * so that a string at the end of the stack is read without the page after it. */
static int read_cstring(struct gc_go_target *t, uint64_t addr, size_t max, char **ret)
{
	_cleanup_free_ char *s = malloc(max + 1);
	size_t len = 0;

	if (!s)
		return -ENOMEM;
	while (len < max) {
		size_t chunk = MIN(max - len, (size_t)(PAGE - (addr + len) % PAGE));
		const char *nul;

		if (gc_go_read(t, addr + len, s + len, chunk) < 0)
			return -EFAULT;
		nul = memchr(s + len, '\0', chunk);
		if (nul) {
			len = (size_t)(nul - s);
			break;
		}
		len += chunk;
	}
	s[len] = '\0';
	*ret = TAKE_PTR(s);
	return 0;
}

/* The kernel copies auxv (the core's NT_AUXV) onto the main thread's stack right below the
 * 16 random bytes AT_RANDOM points to, and envp right below auxv. Returns auxv's address on
 * the stack, or 0. */
static uint64_t find_auxv(struct gc_go_target *t)
{
	const struct gc_core_info *info = t->info;
	size_t size = info->n_auxv * 16, window = size + 16 + AUXV_SLACK;
	_cleanup_free_ uint8_t *buf = NULL;
	uint64_t random, base;

	if (info->n_auxv == 0 || gc_core_auxv(info, AT_RANDOM, &random) < 0 || random < window)
		return 0;
	base = random - window;
	buf = malloc(window);
	if (!buf || gc_go_read(t, base, buf, window) < 0)
		return 0;
	for (uint64_t addr = (base + 7) & ~(uint64_t)7; addr + size <= random; addr += 8)
		if (memcmp(buf + (addr - base), info->auxv, size) == 0)
			return addr;
	return 0;
}

/* GODEBUG in the process's initial environment, as getGodebugEarly() finds it: the first
 * entry of envp that starts with "GODEBUG=". Returns 0 (*ret NULL when there is none),
 * -ENOENT when the environment is not in the core, -ENOMEM. */
static int initial_godebug(struct gc_go_target *t, char **ret)
{
	uint64_t auxv = find_auxv(t), entry, found = 0;
	size_t i;

	*ret = NULL;
	if (!auxv || gc_go_read_word(t, auxv - 8, &entry) < 0 || entry != 0)
		return -ENOENT;
	/* envp[] ends with NULL just below auxv, and starts after argv's NULL. */
	for (i = 2; i < MAX_ENV + 2; i++) {
		_cleanup_free_ char *prefix = NULL;
		int r;

		if (gc_go_read_word(t, auxv - 8 * i, &entry) < 0)
			return -ENOENT;
		if (entry == 0)
			break;
		r = read_cstring(t, entry, sizeof(godebug_prefix) - 1, &prefix);
		if (r == -ENOMEM)
			return r;
		if (r >= 0 && strcmp(prefix, godebug_prefix) == 0)
			found = entry; /* the lowest index wins */
	}
	if (i == MAX_ENV + 2)
		return -ENOENT;
	return found ? read_cstring(t, found + sizeof(godebug_prefix) - 1, MAX_GODEBUG, ret) : 0;
}

static bool any_labels(const struct gc_go_report *report)
{
	for (size_t i = 0; i < report->n_goroutines; i++)
		if (report->goroutines[i].n_labels > 0)
			return true;
	return false;
}

/* As parseRuntimeDebugVars() at start-up, when runtime.debug cannot be read. */
static int decide_from_defaults(struct gc_go_target *t, struct gc_go_report *report,
				const char *why)
{
	const char *defaults = gc_buildinfo_setting(&t->build, "DefaultGODEBUG");
	_cleanup_free_ char *env = NULL;
	int32_t value = t->layout->minor >= DEFAULT_ON_MINOR;
	int r = initial_godebug(t, &env);

	if (r == -ENOMEM)
		return r;
	if (defaults)
		apply_godebug(defaults, &value);
	if (env)
		apply_godebug(env, &value);
	report->labels_shown = value == 1;
	if (!any_labels(report))
		return 0;
	return gc_go_report_note(
	    report,
	    "%s: the goroutine labels are %s as the runtime decides at start-up (tracebacklabels "
	    "%s by default in go1.%u, then the executable's DefaultGODEBUG%s, then %s); a "
	    "GODEBUG set later by the program is not seen",
	    why, report->labels_shown ? "shown" : "left out",
	    t->layout->minor >= DEFAULT_ON_MINOR ? "on" : "off", t->layout->minor,
	    defaults ? "" : " (none)",
	    r < 0 ? "the environment, which is not in the core"
	    : env ? "GODEBUG in the environment"
		  : "the environment (no GODEBUG)");
}

int gc_go_decide_labels_shown(struct gc_go_target *t, struct gc_go_report *report)
{
	uint64_t addr = t->strtabs.global[GC_GO_GLOBAL_DEBUG];
	uint32_t off = t->layout->debug_tracebacklabels;
	int32_t value;

	report->labels_shown = false;
	if (t->layout->minor < LABELS_MINOR)
		return 0;
	if (!addr || off == GC_NO_FIELD ||
	    (uint64_t)off + sizeof(value) > t->strtabs.global_size[GC_GO_GLOBAL_DEBUG])
		return decide_from_defaults(t, report, "runtime.debug is not in the symbol table");
	if (gc_go_read(t, addr + off, &value, sizeof(value)) < 0)
		return decide_from_defaults(t, report, "runtime.debug is not in the core");
	report->labels_shown = value == 1;
	return 0;
}
