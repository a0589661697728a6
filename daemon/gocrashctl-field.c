/* SPDX-License-Identifier: MIT */
/* gocrashctl -F FIELD: the values one field takes among the selected crashes, each once, as
 * coredumpctl -F lists them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "json.h"
#include "macro.h"

#include "gocrashctl.h"

static bool seen_before(char *const *seen, size_t n, const char *value)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(seen[i], value) == 0)
			return true;
	return false;
}

static int print_value(const struct ctl *ctl, const char *value, bool first)
{
	_cleanup_free_ char *safe = NULL;

	if (ctl->json) {
		if (!first)
			fputc(',', stdout);
		gc_json_string(stdout, value);
		return 0;
	}
	safe = gc_escape(value, 0); /* the crashed process chose most of them */
	if (!safe)
		return -ENOMEM;
	puts(safe);
	return 0;
}

int print_field_values(const struct ctl *ctl, const struct gc_meta *metas, size_t n)
{
	char **seen = calloc(MAX(n, (size_t)1), sizeof(*seen));
	char text[GC_META_TEXT_MAX];
	size_t n_seen = 0;
	int r = seen ? 0 : -ENOMEM;

	if (ctl->json)
		fputc('[', stdout);
	for (size_t i = 0; i < n && r >= 0; i++) {
		const char *value = gc_meta_text(&metas[i], ctl->field, text);

		if (!value || seen_before(seen, n_seen, value))
			continue;
		seen[n_seen] = strdup(value);
		r = seen[n_seen] ? print_value(ctl, value, n_seen == 0) : -ENOMEM;
		n_seen++;
	}
	if (ctl->json)
		fputs("]\n", stdout);
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i]);
	free(seen);
	return r;
}
