/* SPDX-License-Identifier: MIT */
/* What the gocrashctl verbs share. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "select.h"
#include "store.h"

enum { EXIT_OK = 0, EXIT_NOT_FOUND = 1, EXIT_USAGE = 2 };

struct ctl {
	const char *config_path;
	const char *store_dir;
	const char *output;
	bool json;	      /* --json, --json=short or --json=pretty */
	bool json_pretty;     /* --json=pretty: indented (main reformats what the verb writes) */
	bool no_pager;	      /* --no-pager */
	bool no_legend;	      /* --no-legend: list without its header */
	bool quiet;	      /* -q: no "No crashes ..." and no warnings of ours */
	bool tty;	      /* stdout was a terminal before any pager: escape for it */
	size_t columns;	      /* $COLUMNS or its width, 0 when neither: list, groups not fitted */
	bool crashed_only;    /* stacks --crashed */
	bool group;	      /* stacks --group */
	bool exe;	      /* dump --exe: the kept executable, not the core */
	const char *debugger; /* debug --debugger */
	const char *debugger_arguments; /* debug -A */
	const char *root;
	struct gc_selection selection; /* the matches, --since, --until */
	uint64_t lines;		       /* list -n N, 0 for all */
	bool field_set;		       /* -F FIELD: list that field's values */
	enum gc_meta_field field;
	bool reverse;	  /* list -r: newest first */
	char *match_text; /* the matches as given, for messages; NULL for none */
	char **units;
	size_t n_units;
	struct {		     /* vacuum --vacuum-*: limits for this run, 0 = as configured */
		struct gc_size size; /* --vacuum-size: MaxUse */
		bool size_set;
		uint64_t cores;	   /* --vacuum-cores: MaxCores */
		uint64_t entries;  /* --vacuum-entries: MaxEntries */
		uint64_t time_sec; /* --vacuum-time: MaxCoreAge */
	} vacuum;
	struct gc_store *store;
};

/* Opens the store of --store or of the configuration, logging why not: read-only
 * (gc_store_open_read_only: the verbs that show leave it as they found it), or writable for
 * the verbs that delete (root's remove and vacuum). */
int open_store(struct ctl *ctl, bool writable);
void format_local_time(uint64_t time_usec, char *buf, size_t size);

/* The crash info, dump, stacks and debug mean (the one an ID names, else the last one the
 * matches select), logging why none when none: 0 or a negative errno. */
int find_selected(struct ctl *ctl, const char *verb, struct gc_meta *ret);

/* Whether matches, --since or --until select (else everything is shown). */
bool selecting(const struct ctl *ctl);

/* The first line of text, at most max bytes (ending "..." when cut, never inside a UTF-8
 * sequence). A reason gets LIST_REASON_MAX when list and groups are not fitted to a width. */
void print_cut(const char *text, size_t max);
#define LIST_REASON_MAX 80

/* gocrashctl-system.c */
int verb_enable(struct ctl *ctl, int argc, char **argv);
int verb_disable(struct ctl *ctl, int argc, char **argv);
int verb_status(struct ctl *ctl, int argc, char **argv);

/* gocrashctl-debug.c */
int verb_debug(struct ctl *ctl, int argc, char **argv);

/* gocrashctl-groups.c */
int verb_groups(struct ctl *ctl, int argc, char **argv);

/* gocrashctl-table.c: list and groups on a terminal. Columns are as wide as their widest
 * cell; when the line is wider than the terminal, the columns with a least width (the
 * executable, the reason) are cut first, with "...", then columns are dropped by rank (1
 * first) until it fits. Cells are escaped text. */
enum {
	TABLE_RIGHT = 1 << 0,	  /* numbers */
	TABLE_CUT_START = 1 << 1, /* cut keeping the end (paths: the file name shows) */
};

struct table_column {
	const char *header;
	unsigned flags;
	size_t min;    /* the least width it is cut to; 0: never cut */
	unsigned drop; /* its rank among the columns dropped to fit; 0: never dropped */
};

struct table {
	const struct table_column *columns;
	size_t n_columns;
	char **cells; /* n_rows rows of n_columns strings, owned */
	size_t n_rows;
};

/* Appends a row of n_columns malloc'ed strings, which the table takes on success. */
int table_add(struct table *t, char **row);
/* Prints it fitted into columns (the terminal's width), with a header line if legend. */
int table_print(const struct table *t, size_t columns, bool legend);
void table_done(struct table *t);

/* gocrashctl-store.c */
int verb_remove(struct ctl *ctl, int argc, char **argv);
int verb_vacuum(struct ctl *ctl, int argc, char **argv);

/* gocrashctl-field.c: list -F FIELD, each value of the field among metas once, escaped (a
 * JSON array of strings with --json). Returns 0 or -ENOMEM. */
int print_field_values(const struct ctl *ctl, const struct gc_meta *metas, size_t n);
