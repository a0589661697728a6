/* SPDX-License-Identifier: MIT */
/* The rate-limit state (STORE/.ratelimit/KEYHASH) is rewritten by every crash of its
 * service, from the crashed processes' unit and executable names: whatever
 * gc_ratelimit_parse accepts must format to text that parses back to the same state, every
 * line a key=value of the format, so that no value spills into another line and no count
 * drifts from one crash to the next. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_string(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_state(const struct gc_ratelimit *a, const struct gc_ratelimit *b)
{
	return same_string(a->key, b->key) && a->interval_usec == b->interval_usec &&
	       a->start_usec == b->start_usec && a->crashes == b->crashes &&
	       a->suppressed == b->suppressed && a->summary_usec == b->summary_usec &&
	       strcmp(a->group, b->group) == 0 && a->ungrouped == b->ungrouped &&
	       a->last_usec == b->last_usec && a->looping == b->looping &&
	       same_string(a->unit, b->unit) && same_string(a->user_unit, b->user_unit) &&
	       same_string(a->container_unit, b->container_unit) && same_string(a->exe, b->exe) &&
	       same_string(a->comm, b->comm) && a->uid == b->uid && a->signal == b->signal;
}

/* One line a "key=value" with a plain key: no value spilled over. */
static void check_lines(const char *text)
{
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t key = strspn(p, "abcdefghijklmnopqrstuvwxyz_");

		if (!nl || key == 0 || p[key] != '=')
			abort();
		p = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gc_ratelimit a = {}, b = {};
	char *text = NULL, *again = NULL;

	if (gc_ratelimit_parse((const char *)data, size, &a) < 0)
		return 0;
	if (!a.key || (a.group[0] && strlen(a.group) != GC_RATELIMIT_GROUP_LEN) || a.looping > 1)
		abort();
	if (gc_ratelimit_format(&a, &text) < 0)
		abort();
	check_lines(text);
	if (gc_ratelimit_parse(text, strlen(text), &b) < 0 || !same_state(&a, &b))
		abort();
	if (gc_ratelimit_format(&b, &again) < 0 || strcmp(text, again) != 0)
		abort();
	free(text);
	free(again);
	gc_ratelimit_done(&a);
	gc_ratelimit_done(&b);
	return 0;
}
