/* SPDX-License-Identifier: MIT */
/* gocrashctl groups: the crashes of each signature at a glance (groups.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "groups.h"
#include "json.h"
#include "log.h"
#include "macro.h"

#include "gocrashctl.h"

/* Whether the group is one --signature, --since and --until select: its id starts with one
 * of the signatures, and it had a crash in the window (as far as its first and last tell). */
static bool group_selected(const struct ctl *ctl, const struct gc_group *g)
{
	const struct gc_selection *sel = &ctl->selection;
	bool signature = false, signature_match = false;

	for (size_t i = 0; i < sel->n_matches; i++) {
		const char *prefix = sel->matches[i].value;

		if (sel->matches[i].kind != GC_MATCH_SIGNATURE)
			continue;
		signature = true;
		signature_match |= strncmp(g->id, prefix, strlen(prefix)) == 0;
	}
	if (signature && !signature_match)
		return false;
	if (sel->since_usec && g->last_usec < sel->since_usec)
		return false;
	return !sel->until_usec || g->first_usec <= sel->until_usec;
}

/* The selected groups, most recent last crash last (-n N: the last N; -r: reversed). */
static int select_groups(struct ctl *ctl, struct gc_group **ret, size_t *n_ret)
{
	struct gc_group *groups = NULL;
	size_t n = 0, kept = 0, skip;
	int r;

	r = gc_groups_list(ctl->store, &groups, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (!group_selected(ctl, &groups[i])) {
			gc_group_done(&groups[i]);
			continue;
		}
		groups[kept++] = groups[i];
	}
	skip = ctl->lines && ctl->lines < kept ? kept - ctl->lines : 0;
	for (size_t i = 0; i < skip; i++)
		gc_group_done(&groups[i]);
	memmove(groups, groups + skip, (kept - skip) * sizeof(*groups));
	kept -= skip;
	for (size_t i = 0; ctl->reverse && i < kept / 2; i++) {
		struct gc_group t = groups[i];

		groups[i] = groups[kept - 1 - i];
		groups[kept - 1 - i] = t;
	}
	*ret = groups;
	*n_ret = kept;
	return 0;
}

static size_t group_values(char *const values[GC_GROUP_VALUES])
{
	size_t n = 0;

	while (n < GC_GROUP_VALUES && values[n])
		n++;
	return n;
}

/* The newest of the values, escaped, with "+N" for the N others; "-" for none. NULL on OOM. */
static char *newest_value(char *const values[GC_GROUP_VALUES])
{
	size_t n = group_values(values);
	_cleanup_free_ char *safe = NULL;
	char *s;

	if (n == 0)
		return strdup("-");
	safe = gc_escape(values[n - 1], 0);
	if (!safe || n == 1)
		return TAKE_PTR(safe);
	return asprintf(&s, "%s+%zu", safe, n - 1) < 0 ? NULL : s;
}

/* The reason and where it happened, escaped: "panic: boom at main.handler (main.go:42)". */
static char *group_reason(const struct gc_group *g)
{
	_cleanup_free_ char *reason = gc_escape(g->reason ? g->reason : "-", 0);
	_cleanup_free_ char *site = g->crash_site ? gc_escape(g->crash_site, 0) : NULL;
	char *s;

	if (!reason || (g->crash_site && !site))
		return NULL;
	if (!site)
		return TAKE_PTR(reason);
	return asprintf(&s, "%s at %s", reason, site) < 0 ? NULL : s;
}

static void format_short_time(uint64_t time_usec, char *buf, size_t size)
{
	time_t seconds = time_usec / 1000000;
	struct tm tm;

	if (time_usec == 0 || !localtime_r(&seconds, &tm) ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, size, "-");
}

static int group_line(const struct gc_group *g)
{
	_cleanup_free_ char *unit = newest_value(g->units[0] ? g->units : g->exes);
	_cleanup_free_ char *go = newest_value(g->go_versions);
	_cleanup_free_ char *reason = group_reason(g);
	char first[32], last[32];

	if (!unit || !go || !reason)
		return -ENOMEM;
	format_short_time(g->first_usec, first, sizeof(first));
	format_short_time(g->last_usec, last, sizeof(last));
	printf("%-16s %7" PRIu64 " %5" PRIu64 " %-19s %-19s %-24s %-10s  ", g->id, g->count,
	       g->cores, first, last, unit, go);
	print_cut(reason, LIST_REASON_MAX);
	putchar('\n');
	return 0;
}

static const struct table_column group_columns[] = {
    {.header = "GROUP"},
    {.header = "COUNT", .flags = TABLE_RIGHT},
    {.header = "CORES", .flags = TABLE_RIGHT, .drop = 3},
    {.header = "FIRST", .drop = 2},
    {.header = "LAST"},
    {.header = "UNIT", .flags = TABLE_CUT_START, .min = 12},
    {.header = "GO", .drop = 1},
    {.header = "REASON", .min = 20, .drop = 4},
};

static int group_row(const struct gc_group *g, char **row)
{
	char first[32], last[32];
	char *reason;

	format_short_time(g->first_usec, first, sizeof(first));
	format_short_time(g->last_usec, last, sizeof(last));
	row[0] = strdup(g->id);
	if (asprintf(&row[1], "%" PRIu64, g->count) < 0)
		row[1] = NULL;
	if (asprintf(&row[2], "%" PRIu64, g->cores) < 0)
		row[2] = NULL;
	row[3] = strdup(first);
	row[4] = strdup(last);
	row[5] = newest_value(g->units[0] ? g->units : g->exes);
	row[6] = newest_value(g->go_versions);
	reason = group_reason(g);
	row[7] = reason ? strndup(reason, strcspn(reason, "\n")) : NULL;
	free(reason);
	for (size_t c = 0; c < ELEMENTSOF(group_columns); c++)
		if (!row[c]) {
			for (size_t i = 0; i < ELEMENTSOF(group_columns); i++)
				free(row[i]);
			return -ENOMEM;
		}
	return 0;
}

/* On a terminal, or with $COLUMNS: fitted to its width (gocrashctl-table.c). */
static int print_group_table(const struct ctl *ctl, const struct gc_group *groups, size_t n)
{
	struct table t = {.columns = group_columns, .n_columns = ELEMENTSOF(group_columns)};
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++) {
		char *row[ELEMENTSOF(group_columns)] = {};

		r = group_row(&groups[i], row);
		if (r >= 0 && (r = table_add(&t, row)) < 0)
			for (size_t c = 0; c < ELEMENTSOF(row); c++)
				free(row[c]);
	}
	if (r >= 0)
		r = table_print(&t, ctl->columns, !ctl->no_legend);
	table_done(&t);
	return r;
}

/* time_usec as ISO 8601 UTC, as --json writes a crash's times. */
static void json_time(const char *key, uint64_t time_usec)
{
	time_t seconds = time_usec / 1000000;
	char date[32];
	struct tm tm;

	printf(",\"%s_usec\":%" PRIu64 ",\"%s\":", key, time_usec, key);
	if (time_usec == 0 || !gmtime_r(&seconds, &tm) ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		fputs("null", stdout);
	else
		printf("\"%s.%06uZ\"", date, (unsigned)(time_usec % 1000000));
}

static void json_values(const char *key, char *const values[GC_GROUP_VALUES])
{
	printf(",\"%s\":[", key);
	for (size_t i = 0; i < group_values(values); i++) {
		if (i)
			fputc(',', stdout);
		gc_json_string(stdout, values[i]);
	}
	fputc(']', stdout);
}

static void group_json(const struct gc_group *g)
{
	printf("{\"group\":\"%s\",\"count\":%" PRIu64 ",\"entries\":%" PRIu64 ",\"cores\":%" PRIu64,
	       g->id, g->count, g->entries, g->cores);
	json_time("first", g->first_usec);
	json_time("last", g->last_usec);
	fputs(",\"last_id\":", stdout);
	gc_json_string(stdout, g->last_id);
	fputs(",\"reason\":", stdout);
	gc_json_string(stdout, g->reason);
	fputs(",\"crash_site\":", stdout);
	gc_json_string(stdout, g->crash_site);
	json_values("units", g->units);
	json_values("exes", g->exes);
	json_values("go_versions", g->go_versions);
	fputc('}', stdout);
}

static int print_groups(const struct ctl *ctl, const struct gc_group *groups, size_t n)
{
	int r = 0;

	if (ctl->json) {
		fputc('[', stdout);
		for (size_t i = 0; i < n; i++) {
			if (i)
				fputc(',', stdout);
			group_json(&groups[i]);
		}
		fputs("]\n", stdout);
		return 0;
	}
	if (ctl->columns)
		return print_group_table(ctl, groups, n);
	if (!ctl->no_legend)
		printf("%-16s %7s %5s %-19s %-19s %-24s %-10s  %s\n", "GROUP", "COUNT", "CORES",
		       "FIRST", "LAST", "UNIT", "GO", "REASON");
	for (size_t i = 0; i < n && r >= 0; i++)
		r = group_line(&groups[i]);
	return r;
}

int verb_groups(struct ctl *ctl, int argc, char **argv)
{
	struct gc_group *groups = NULL;
	size_t n = 0;
	int r;

	r = select_groups(ctl, &groups, &n);
	if (r < 0) {
		gc_log_errno(LOG_ERR, r, "cannot list the groups of %s", gc_store_path(ctl->store));
		return 1;
	}
	if (n == 0 && !ctl->json) {
		if (!ctl->quiet)
			fprintf(stderr, "No crash groups %s %s.\n",
				selecting(ctl) ? "match in" : "in", gc_store_path(ctl->store));
	} else {
		r = print_groups(ctl, groups, n);
	}
	gc_group_array_free(groups, n);
	if (r < 0) {
		gc_log_errno(LOG_ERR, r, "cannot list the groups");
		return 1;
	}
	return selecting(ctl) && n == 0 ? EXIT_NOT_FOUND : EXIT_OK;
}
