/* SPDX-License-Identifier: MIT */
/* What the gocrashctl verbs share. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "select.h"
#include "store.h"

enum { EXIT_OK = 0, EXIT_NOT_FOUND = 1, EXIT_USAGE = 2 };

struct ctl {
	const char *config_path;
	const char *store_dir;
	const char *output;
	bool json;
	bool no_pager;			/* --no-pager */
	bool no_legend;			/* --no-legend: list without its header */
	bool quiet;			/* -q: no "No crashes ..." and no warnings of ours */
	bool tty;			/* stdout was a terminal before any pager: escape for it */
	size_t columns;			/* its width, 0 when not a terminal */
	bool crashed_only;		/* stacks --crashed */
	bool group;			/* stacks --group */
	bool exe;			/* dump --exe: the kept executable, not the core */
	const char *debugger;		/* debug --debugger */
	const char *debugger_arguments; /* debug -A */
	const char *root;
	struct gc_selection selection; /* the matches, --since, --until */
	uint64_t lines;		       /* list -n N, 0 for all */
	bool reverse;		       /* list -r: newest first */
	char *match_text;	       /* the matches as given, for messages; NULL for none */
	char **units;
	size_t n_units;
	struct gc_store *store;
};

/* Opens the store of --store or of the configuration, logging why not. */
int open_store(struct ctl *ctl);
void format_local_time(uint64_t time_usec, char *buf, size_t size);

/* The crash info, dump, stacks and debug mean (the one an ID names, else the last one the
 * matches select), logging why none when none: 0 or a negative errno. */
int find_selected(struct ctl *ctl, const char *verb, struct gc_meta *ret);

/* Whether matches, --since or --until select (else everything is shown). */
bool selecting(const struct ctl *ctl);

/* The first line of text, at most max bytes (ending "..." when cut, never inside a UTF-8
 * sequence). A reason gets the room left on the terminal's line, at least LIST_REASON_MIN,
 * or LIST_REASON_MAX when not writing to a terminal. */
void print_cut(const char *text, size_t max);
#define LIST_REASON_MIN 20
#define LIST_REASON_MAX 80

/* gocrashctl-system.c */
int verb_enable(struct ctl *ctl, int argc, char **argv);
int verb_disable(struct ctl *ctl, int argc, char **argv);
int verb_status(struct ctl *ctl, int argc, char **argv);

/* gocrashctl-debug.c */
int verb_debug(struct ctl *ctl, int argc, char **argv);

/* gocrashctl-groups.c */
int verb_groups(struct ctl *ctl, int argc, char **argv);
