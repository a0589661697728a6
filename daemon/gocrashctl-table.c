/* SPDX-License-Identifier: MIT */
/* list and groups on a terminal: columns as wide as what they hold, fitted to its width. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

#include "gocrashctl.h"

/* Cells are escaped (gc_escape): ASCII and valid UTF-8, one column per code point. */
static size_t text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The byte offset of code point n of s (its length when shorter). */
static size_t text_offset(const char *s, size_t n)
{
	size_t i = 0;

	for (; s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n-- == 0)
			break;
	return i;
}

int table_add(struct table *t, char **row)
{
	char **cells = reallocarray(t->cells, (t->n_rows + 1) * t->n_columns, sizeof(char *));

	if (!cells)
		return -ENOMEM;
	t->cells = cells;
	memcpy(cells + t->n_rows * t->n_columns, row, t->n_columns * sizeof(char *));
	t->n_rows++;
	return 0;
}

void table_done(struct table *t)
{
	for (size_t i = 0; i < t->n_rows * t->n_columns; i++)
		free(t->cells[i]);
	free(t->cells);
	*t = (struct table){};
}

/* The widths of the shown columns within max: the cut columns first, the widest of them by
 * one column at a time, each down to its least width. Returns the line's width. */
static size_t layout(const struct table *t, const bool *shown, size_t *widths, size_t max)
{
	size_t total = 0, n_shown = 0;

	for (size_t c = 0; c < t->n_columns; c++) {
		widths[c] = shown[c] ? text_width(t->columns[c].header) : 0;
		for (size_t r = 0; shown[c] && r < t->n_rows; r++)
			widths[c] = MAX(widths[c], text_width(t->cells[r * t->n_columns + c]));
		total += widths[c];
		n_shown += shown[c];
	}
	total += n_shown > 0 ? n_shown - 1 : 0;
	while (total > max) {
		size_t widest = SIZE_MAX, room = 0;

		for (size_t c = 0; c < t->n_columns; c++)
			if (shown[c] && t->columns[c].min && widths[c] > t->columns[c].min &&
			    widths[c] - t->columns[c].min >= room) {
				widest = c;
				room = widths[c] - t->columns[c].min;
			}
		if (widest == SIZE_MAX)
			break;
		widths[widest]--;
		total--;
	}
	return total;
}

/* Drops columns, lowest drop rank first, until the line fits (or none is left to drop). */
static void fit(const struct table *t, bool *shown, size_t *widths, size_t max)
{
	for (unsigned rank = 1;; rank++) {
		bool more = false;

		if (layout(t, shown, widths, max) <= max)
			return;
		for (size_t c = 0; c < t->n_columns; c++) {
			if (t->columns[c].drop == rank)
				shown[c] = false;
			more |= t->columns[c].drop > rank;
		}
		if (!more) {
			layout(t, shown, widths, max);
			return;
		}
	}
}

static void print_cell(const struct table_column *col, const char *text, size_t width, bool last)
{
	size_t len = text_width(text);

	if (len > width) {
		size_t keep = width > 3 ? width - 3 : 0;

		if (col->flags & TABLE_CUT_START)
			printf("%.*s%s", (int)MIN(width, 3), "...",
			       text + text_offset(text, len - keep));
		else
			printf("%.*s%.*s", (int)text_offset(text, keep), text, (int)MIN(width, 3),
			       "...");
		return;
	}
	if (col->flags & TABLE_RIGHT)
		printf("%*s%s", (int)(width - len), "", text);
	else if (last)
		fputs(text, stdout); /* no trailing blanks */
	else
		printf("%s%*s", text, (int)(width - len), "");
}

static void print_row(const struct table *t, char *const *cells, const bool *shown,
		      const size_t *widths)
{
	size_t last = 0;
	bool first = true;

	/* The line ends with its last cell that has text: no trailing blanks. */
	for (size_t c = 0; c < t->n_columns; c++)
		if (shown[c] && cells[c][0])
			last = c;
	for (size_t c = 0; c <= last; c++) {
		if (!shown[c])
			continue;
		if (!first)
			putchar(' ');
		first = false;
		print_cell(&t->columns[c], cells[c], widths[c], c == last);
	}
	putchar('\n');
}

int table_print(const struct table *t, size_t columns, bool legend)
{
	_cleanup_free_ bool *shown = calloc(t->n_columns, sizeof(bool));
	_cleanup_free_ size_t *widths = calloc(t->n_columns, sizeof(size_t));
	_cleanup_free_ char **headers = calloc(t->n_columns, sizeof(char *));

	if (!shown || !widths || !headers)
		return -ENOMEM;
	for (size_t c = 0; c < t->n_columns; c++) {
		shown[c] = true;
		headers[c] = (char *)t->columns[c].header;
	}
	fit(t, shown, widths, columns);
	if (legend)
		print_row(t, headers, shown, widths);
	for (size_t r = 0; r < t->n_rows; r++)
		print_row(t, t->cells + r * t->n_columns, shown, widths);
	return 0;
}
