/* SPDX-License-Identifier: MIT */
/* Group files are rewritten by every crash of their group: whatever gc_group_parse accepts
 * must hold a valid id and distinct values, and format to text that parses back to the same
 * group, one known key per line, or a count would drift or a value leak into another line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_values(char *const values[GC_GROUP_VALUES])
{
	for (size_t i = 0; i < GC_GROUP_VALUES; i++) {
		if (!values[i]) {
			for (size_t j = i; j < GC_GROUP_VALUES; j++)
				if (values[j])
					abort(); /* packed at the front */
			return;
		}
		if (values[i][0] == '\0')
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(values[i], values[j]) == 0)
				abort();
	}
}

static bool same_string(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_values(char *const a[GC_GROUP_VALUES], char *const b[GC_GROUP_VALUES])
{
	for (size_t i = 0; i < GC_GROUP_VALUES; i++)
		if (!same_string(a[i], b[i]))
			return false;
	return true;
}

static bool same_group(const struct gc_group *a, const struct gc_group *b)
{
	return strcmp(a->id, b->id) == 0 && a->count == b->count &&
	       a->first_usec == b->first_usec && a->last_usec == b->last_usec &&
	       same_string(a->last_id, b->last_id) && same_string(a->reason, b->reason) &&
	       same_string(a->crash_site, b->crash_site) && same_values(a->units, b->units) &&
	       same_values(a->exes, b->exes) && same_values(a->go_versions, b->go_versions);
}

/* Every line of the formatted text is one of the format's keys: no value spilled over. */
static void check_lines(const char *text)
{
	static const char *const keys[] = {"version",	"id",	   "count",	"first_usec",
					   "last_usec", "last_id", "reason",	"crash_site",
					   "unit",	"exe",	   "go_version"};

	if (strncmp(text, "version=1\n", 10) != 0)
		abort();
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t key_len = strcspn(line, "=\n");
		bool known = false;

		if (!nl || line[key_len] != '=')
			abort();
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			known |= strlen(keys[i]) == key_len && strncmp(line, keys[i], key_len) == 0;
		if (!known)
			abort();
		line = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gc_group first = {}, second = {};
	char *text = NULL, *again = NULL;

	if (gc_group_parse((const char *)data, size, &first) < 0)
		return 0;
	if (!gc_group_id_valid(first.id) || first.entries || first.cores)
		abort();
	check_values(first.units);
	check_values(first.exes);
	check_values(first.go_versions);
	if (gc_group_format(&first, &text) < 0)
		goto out;
	check_lines(text);
	/* A formatted group always has its id, so this parse must succeed. */
	if (gc_group_parse(text, strlen(text), &second) < 0 || !same_group(&first, &second))
		abort();
	if (gc_group_format(&second, &again) < 0)
		goto out;
	if (strcmp(text, again) != 0)
		abort();
out:
	free(text);
	free(again);
	gc_group_done(&first);
	gc_group_done(&second);
	return 0;
}
