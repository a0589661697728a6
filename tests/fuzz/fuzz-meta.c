/* SPDX-License-Identifier: MIT */
/* Whatever gc_meta_parse accepts must format to text that parses back to the same meta:
 * otherwise a gocrashctl rewriting meta (enrichment) would slowly corrupt it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gc_meta first = {}, second = {};
	char *text = NULL, *again = NULL;

	if (gc_meta_parse((const char *)data, size, &first) < 0)
		return 0;
	if (gc_meta_format(&first, &text) < 0)
		goto out;
	/* A formatted meta always has an id, so this parse must succeed. */
	if (gc_meta_parse(text, strlen(text), &second) < 0)
		abort();
	if (gc_meta_format(&second, &again) < 0)
		goto out;
	if (strcmp(text, again) != 0)
		abort();
out:
	free(text);
	free(again);
	gc_meta_free(&first);
	gc_meta_free(&second);
	return 0;
}
