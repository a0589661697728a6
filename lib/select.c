/* SPDX-License-Identifier: MIT */
#include "select.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "journal.h"
#include "macro.h"
#include "util.h"

#define USEC_PER_SEC  UINT64_C(1000000)
#define USEC_PER_DAY  (UINT64_C(86400) * USEC_PER_SEC)
#define PID_DIGITS    7 /* PID_MAX_LIMIT is 4194304 */
#define ID_DATE_DIGIT 8 /* YYYYMMDD */

static const char *const unit_suffixes[] = {
    ".service", ".scope", ".socket", ".timer",	".slice",     ".mount",
    ".target",	".path",  ".swap",   ".device", ".automount",
};

static bool all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strspn(s, "0123456789");

	return s[n] == '\0' && n >= min && n <= max;
}

static bool is_unit(const char *s)
{
	for (size_t i = 0; i < ELEMENTSOF(unit_suffixes); i++)
		if (strlen(s) > strlen(unit_suffixes[i]) && gc_ends_with(s, unit_suffixes[i]))
			return true;
	return false;
}

/* A meta key or its journal field, in any case. */
static int field_by_name(const char *name, size_t len, enum gc_meta_field *ret)
{
	for (int i = 0; i < GC_META_N_FIELDS; i++) {
		const struct gc_meta_field_info *f = &gc_meta_fields[i];

		if (f->stage == GC_META_STAGE_NOTES)
			continue;
		if ((strlen(f->key) == len && strncasecmp(f->key, name, len) == 0) ||
		    (f->journal && strlen(f->journal) == len &&
		     strncasecmp(f->journal, name, len) == 0)) {
			*ret = i;
			return 0;
		}
	}
	return -EINVAL;
}

int gc_meta_field_by_name(const char *name, enum gc_meta_field *ret)
{
	return field_by_name(name, strlen(name), ret);
}

static int add_match(struct gc_selection *sel, struct gc_match match)
{
	struct gc_match *m = reallocarray(sel->matches, sel->n_matches + 1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	sel->matches = m;
	sel->matches[sel->n_matches++] = match;
	return 0;
}

int gc_selection_add(struct gc_selection *sel, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct gc_match match = {.value = arg};
	int r;

	if (arg[0] == '\0')
		return -EINVAL;
	if (eq) {
		r = field_by_name(arg, eq - arg, &match.field);
		if (r < 0)
			return r;
		match.kind = GC_MATCH_FIELD;
		match.value = eq + 1;
	} else if (arg[0] == '/') {
		match.kind = GC_MATCH_EXE;
	} else if (all_digits(arg, 1, PID_DIGITS)) {
		match.kind = GC_MATCH_PID;
	} else if (strspn(arg, "0123456789") >= ID_DATE_DIGIT) {
		match.kind = GC_MATCH_ID;
	} else if (is_unit(arg)) {
		match.kind = GC_MATCH_UNIT;
	} else {
		match.kind = GC_MATCH_COMM;
	}
	return add_match(sel, match);
}

int gc_selection_add_signature(struct gc_selection *sel, const char *prefix)
{
	if (prefix[0] == '\0')
		return -EINVAL;
	return add_match(sel, (struct gc_match){.kind = GC_MATCH_SIGNATURE, .value = prefix});
}

static bool streq_or_false(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A signal field matches its name too: signal=SIGABRT as well as signal=6. */
static bool signal_named(const struct gc_meta *m, const struct gc_match *match)
{
	const struct gc_meta_field_info *f = &gc_meta_fields[match->field];

	return f->type == GC_META_TYPE_SIGNAL && gc_meta_has(m, match->field) &&
	       strcmp(gc_signal_name(*(const int *)((const char *)m + f->offset)), match->value) ==
		   0;
}

static bool match_one(const struct gc_match *match, const struct gc_meta *m)
{
	char buf[GC_META_TEXT_MAX];

	switch (match->kind) {
	case GC_MATCH_ID:
		return has_prefix(m->id, match->value);
	case GC_MATCH_PID:
		return m->pid == strtoll(match->value, NULL, 10);
	case GC_MATCH_COMM:
		return streq_or_false(m->comm, match->value);
	case GC_MATCH_EXE:
		return streq_or_false(m->exe, match->value);
	case GC_MATCH_UNIT:
		return streq_or_false(m->unit, match->value) ||
		       streq_or_false(m->user_unit, match->value) ||
		       streq_or_false(m->container_unit, match->value);
	case GC_MATCH_SIGNATURE:
		/* the group is the Go signature, or one of executable and signal (groups.h) */
		return has_prefix(m->go_signature, match->value) ||
		       has_prefix(m->group, match->value);
	case GC_MATCH_FIELD:
		return streq_or_false(gc_meta_text(m, match->field, buf), match->value) ||
		       signal_named(m, match);
	}
	return false;
}

static bool same_group(const struct gc_match *a, const struct gc_match *b)
{
	return a->kind == b->kind && (a->kind != GC_MATCH_FIELD || a->field == b->field);
}

static bool group_seen_before(const struct gc_selection *sel, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (same_group(&sel->matches[i], &sel->matches[j]))
			return true;
	return false;
}

static bool group_holds(const struct gc_selection *sel, size_t i, const struct gc_meta *meta)
{
	for (size_t j = i; j < sel->n_matches; j++)
		if (same_group(&sel->matches[i], &sel->matches[j]) &&
		    match_one(&sel->matches[j], meta))
			return true;
	return false;
}

/* Each group of matches (the same kind, or the same field) needs one that holds. */
bool gc_selection_matches(const struct gc_selection *sel, const struct gc_meta *meta)
{
	if (sel->since_usec && meta->time_usec < sel->since_usec)
		return false;
	if (sel->until_usec && meta->time_usec > sel->until_usec)
		return false;
	for (size_t i = 0; i < sel->n_matches; i++)
		if (!group_seen_before(sel, i) && !group_holds(sel, i, meta))
			return false;
	return true;
}

bool gc_selection_is_id(const struct gc_selection *sel)
{
	return sel->n_matches == 1 && sel->matches[0].kind == GC_MATCH_ID;
}

void gc_selection_done(struct gc_selection *sel)
{
	free(sel->matches);
	*sel = (struct gc_selection){};
}

/* Time spans: "1h 30min", "-2d", "+5s", "3 days ago". */
static const struct {
	const char *name;
	uint64_t usec;
} span_units[] = {
    {"us", 1},
    {"usec", 1},
    {"ms", 1000},
    {"msec", 1000},
    {"s", USEC_PER_SEC},
    {"sec", USEC_PER_SEC},
    {"second", USEC_PER_SEC},
    {"seconds", USEC_PER_SEC},
    {"m", 60 * USEC_PER_SEC},
    {"min", 60 * USEC_PER_SEC},
    {"minute", 60 * USEC_PER_SEC},
    {"minutes", 60 * USEC_PER_SEC},
    {"h", 3600 * USEC_PER_SEC},
    {"hr", 3600 * USEC_PER_SEC},
    {"hour", 3600 * USEC_PER_SEC},
    {"hours", 3600 * USEC_PER_SEC},
    {"d", USEC_PER_DAY},
    {"day", USEC_PER_DAY},
    {"days", USEC_PER_DAY},
    {"w", 7 * USEC_PER_DAY},
    {"week", 7 * USEC_PER_DAY},
    {"weeks", 7 * USEC_PER_DAY},
    {"M", 2629800 * USEC_PER_SEC},
    {"month", 2629800 * USEC_PER_SEC},
    {"months", 2629800 * USEC_PER_SEC},
    {"y", 31557600 * USEC_PER_SEC},
    {"year", 31557600 * USEC_PER_SEC},
    {"years", 31557600 * USEC_PER_SEC},
};

static int span_unit(const char *name, size_t len, uint64_t *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(span_units); i++)
		if (strlen(span_units[i].name) == len &&
		    strncmp(span_units[i].name, name, len) == 0) {
			*ret = span_units[i].usec;
			return 0;
		}
	return -EINVAL;
}

/* "1h 30min" (the sign and " ago" already taken off): the sum, without overflow. */
static int parse_span(const char *p, const char *end, uint64_t *ret)
{
	uint64_t total = 0;
	bool any = false;

	while (p < end) {
		uint64_t n = 0, unit;
		const char *u;

		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; p < end && isdigit((unsigned char)*p); p++)
			if (__builtin_mul_overflow(n, 10, &n) ||
			    __builtin_add_overflow(n, *p - '0', &n))
				return -EINVAL;
		while (p < end && *p == ' ')
			p++;
		for (u = p; p < end && isalpha((unsigned char)*p); p++)
			;
		if (span_unit(u, p - u, &unit) < 0 || __builtin_mul_overflow(n, unit, &n) ||
		    __builtin_add_overflow(total, n, &total))
			return -EINVAL;
		any = true;
	}
	if (!any)
		return -EINVAL;
	*ret = total;
	return 0;
}

static int parse_relative(const char *text, uint64_t now_usec, uint64_t *ret)
{
	const char *p = text, *end = text + strlen(text);
	bool back = false;
	uint64_t span;

	if (*p == '-' || *p == '+')
		back = *p++ == '-';
	else if (end - p > 4 && strcmp(end - 4, " ago") == 0)
		back = true;
	else
		return -EINVAL;
	if (back && *text != '-')
		end -= 4;
	if (parse_span(p, end, &span) < 0)
		return -EINVAL;
	if (back)
		*ret = span > now_usec ? 0 : now_usec - span;
	else if (__builtin_add_overflow(now_usec, span, ret))
		return -EINVAL;
	return 0;
}

/* Local midnight of the day now_usec falls in, moved by days. */
static int local_midnight(uint64_t now_usec, int days, uint64_t *ret)
{
	time_t t = now_usec / USEC_PER_SEC;
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return -EINVAL;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1 || t < 0)
		return -EINVAL;
	*ret = (uint64_t)t * USEC_PER_SEC;
	return 0;
}

static int parse_absolute(const char *text, uint64_t now_usec, uint64_t *ret)
{
	static const char *const with_date[] = {"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
						"%Y-%m-%d %H:%M", "%Y-%m-%d"};
	static const char *const time_only[] = {"%H:%M:%S", "%H:%M"};
	time_t now = now_usec / USEC_PER_SEC, t;
	struct tm tm;

	for (size_t i = 0; i < ELEMENTSOF(with_date) + ELEMENTSOF(time_only); i++) {
		bool dated = i < ELEMENTSOF(with_date);
		const char *end;

		if (!localtime_r(&now, &tm))
			return -EINVAL;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		end = strptime(text, dated ? with_date[i] : time_only[i - ELEMENTSOF(with_date)],
			       &tm);
		if (!end || *end != '\0')
			continue;
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t == (time_t)-1 || t < 0)
			return -EINVAL;
		*ret = (uint64_t)t * USEC_PER_SEC;
		return 0;
	}
	return -EINVAL;
}

int gc_parse_time(const char *text, uint64_t now_usec, uint64_t *ret_usec)
{
	static const char *const days[] = {"yesterday", "today", "tomorrow"};
	uint64_t seconds;
	char *end;

	if (strcmp(text, "now") == 0) {
		*ret_usec = now_usec;
		return 0;
	}
	for (int i = 0; i < (int)ELEMENTSOF(days); i++)
		if (strcmp(text, days[i]) == 0)
			return local_midnight(now_usec, i - 1, ret_usec);
	if (text[0] == '@' && isdigit((unsigned char)text[1])) {
		errno = 0;
		seconds = strtoull(text + 1, &end, 10);
		if (errno || *end || __builtin_mul_overflow(seconds, USEC_PER_SEC, ret_usec))
			return -EINVAL;
		return 0;
	}
	if (parse_relative(text, now_usec, ret_usec) == 0)
		return 0;
	return parse_absolute(text, now_usec, ret_usec);
}
