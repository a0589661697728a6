/* SPDX-License-Identifier: MIT */
/* Goroutines with the same stack, for the renderings that show each stack once. */
#include <stdlib.h>
#include <string.h>

#include "goreport-internal.h"
#include "macro.h"

void gc_go_grouping_done(struct gc_go_grouping *gr)
{
	free(gr->groups);
	free(gr->next);
}

/* What makes two stacks the same: the status word, the lock, the frames (function, file,
 * line, offset, inlined), the creator and the note. Arguments, fp, sp and ids do not count. */
static uint64_t stack_hash(const struct gc_goroutine *g)
{
	uint64_t h = GC_GO_FNV_OFFSET;

	h = gc_go_hash_u64(gc_go_hash_string(h, gc_go_status_word(g)), g->locked);
	h = gc_go_hash_u64(gc_go_hash_u64(gc_go_hash_u64(h, g->n_frames), (uint64_t)g->elided),
			   g->elided_at);
	for (size_t i = 0; i < g->n_frames; i++) {
		const struct gc_go_frame *f = &g->frames[i];

		h = gc_go_hash_string(gc_go_hash_string(h, f->func), f->file);
		h = gc_go_hash_u64(gc_go_hash_u64(gc_go_hash_u64(h, (uint64_t)f->line), f->inlined),
				   gc_go_frame_offset(f));
	}
	h = gc_go_hash_string(gc_go_hash_string(h, g->created_by), g->created_file);
	h = gc_go_hash_u64(gc_go_hash_u64(h, (uint64_t)g->created_line), g->created_off);
	return gc_go_hash_string(h, g->note);
}

static bool same_string(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_frame(const struct gc_go_frame *a, const struct gc_go_frame *b)
{
	return a->line == b->line && a->inlined == b->inlined &&
	       gc_go_frame_offset(a) == gc_go_frame_offset(b) && same_string(a->func, b->func) &&
	       same_string(a->file, b->file);
}

static bool same_stack(const struct gc_goroutine *a, const struct gc_goroutine *b)
{
	if (a->n_frames != b->n_frames || a->elided != b->elided || a->elided_at != b->elided_at ||
	    a->locked != b->locked || a->durable != b->durable ||
	    a->synctest_group != b->synctest_group || a->created_line != b->created_line ||
	    a->created_off != b->created_off ||
	    !same_string(gc_go_status_word(a), gc_go_status_word(b)) ||
	    !same_string(a->created_by, b->created_by) ||
	    !same_string(a->created_file, b->created_file) || !same_string(a->note, b->note))
		return false;
	for (size_t i = 0; i < a->n_frames; i++)
		if (!same_frame(&a->frames[i], &b->frames[i]))
			return false;
	return true;
}

static void group_add(struct gc_go_grouping *gr, struct gc_go_group *grp,
		      const struct gc_go_report *report, size_t index)
{
	const struct gc_goroutine *g = &report->goroutines[index];

	gr->next[index] = SIZE_MAX;
	if (grp->count++ == 0) {
		grp->first = index;
		grp->min_minutes = grp->max_minutes = g->wait_minutes;
		grp->same_parent = true;
	} else {
		gr->next[grp->last] = index;
		grp->min_minutes = MIN(grp->min_minutes, g->wait_minutes);
		grp->max_minutes = MAX(grp->max_minutes, g->wait_minutes);
		grp->same_parent =
		    grp->same_parent && g->parent_id == report->goroutines[grp->first].parent_id;
	}
	grp->last = index;
	grp->crashed = grp->crashed || g->crashed;
}

/* The crashing goroutine's group first: it is why there is a report. Then the largest, and
 * among equals the one seen first. */
static int compare_groups(const void *a, const void *b)
{
	const struct gc_go_group *x = a, *y = b;

	if (x->crashed != y->crashed)
		return x->crashed ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* One pass with an open-addressing table of groups keyed by stack_hash(). */
int gc_go_group(const struct gc_go_report *report, struct gc_go_grouping *gr)
{
	size_t n = report->n_goroutines, table_size = 16;
	_cleanup_free_ size_t *table = NULL; /* group index + 1, 0 when free */

	while (table_size < 2 * n)
		table_size *= 2;
	table = calloc(table_size, sizeof(*table));
	gr->groups = calloc(MAX(n, (size_t)1), sizeof(*gr->groups));
	gr->next = calloc(MAX(n, (size_t)1), sizeof(*gr->next));
	if (!table || !gr->groups || !gr->next)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint64_t h = stack_hash(&report->goroutines[i]);
		size_t slot = h & (table_size - 1);
		struct gc_go_group *grp;

		for (;; slot = (slot + 1) & (table_size - 1)) {
			if (table[slot] == 0) {
				grp = &gr->groups[gr->n_groups++];
				grp->hash = h;
				table[slot] = gr->n_groups;
				break;
			}
			grp = &gr->groups[table[slot] - 1];
			if (grp->hash == h &&
			    same_stack(&report->goroutines[i], &report->goroutines[grp->first]))
				break;
		}
		group_add(gr, grp, report, i);
	}
	qsort(gr->groups, gr->n_groups, sizeof(*gr->groups), compare_groups);
	return 0;
}
