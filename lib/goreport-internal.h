/* SPDX-License-Identifier: MIT */
/* What the parts of the Go report share among themselves and show no one else: goreport.c
 * (the model), goreport-store.c, goreport-text.c, goreport-json.c and goreport-group.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "goreport.h"

/* FNV-1a: the names' table and the grouping hash with it. */
#define GC_GO_FNV_OFFSET 0xcbf29ce484222325ull
uint64_t gc_go_hash_bytes(uint64_t h, const void *data, size_t size);
/* s with its NUL; NULL hashes unlike any string. */
uint64_t gc_go_hash_string(uint64_t h, const char *s);
uint64_t gc_go_hash_u64(uint64_t h, uint64_t v);

/* Frees what a frame owns (its args; func and file belong to the report). */
void gc_go_frame_free(struct gc_go_frame *frame);

/* The word in a goroutine's brackets: its status_text, else the runtime's name of status. */
const char *gc_go_status_word(const struct gc_goroutine *g);

/* The offset the runtime prints: pc - entry for a physical frame past its entry, else 0. */
uint64_t gc_go_frame_offset(const struct gc_go_frame *f);

/* A set of goroutines with the same stack (goreport-group.c says what counts). */
struct gc_go_group {
	size_t first, last, count; /* goroutine indexes; members chain through next[] */
	uint64_t hash;
	int64_t min_minutes, max_minutes;
	bool crashed, same_parent;
};

struct gc_go_grouping {
	struct gc_go_group *groups; /* the crashing goroutine's first, then the largest */
	size_t n_groups;
	size_t *next; /* the next member of the same group, SIZE_MAX after the last */
};

/* Groups the report's goroutines into *gr, which starts zeroed. Returns 0 or -ENOMEM; either
 * way gc_go_grouping_done() frees it. */
int gc_go_group(const struct gc_go_report *report, struct gc_go_grouping *gr);
void gc_go_grouping_done(struct gc_go_grouping *gr);
