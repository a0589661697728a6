/* SPDX-License-Identifier: MIT */
/* gocrashctl's long output through a pager, as systemd's tools do it: only when standard
 * output is a terminal, $GOCRASHCTL_PAGER, else $PAGER, else less, else more; "cat" or an
 * empty value means none. less gets LESS=FRSXMK unless set (quit when it all fits, colours
 * raw, no init strings, quit on ^C), and LESSSECURE=1 when run as root (no shell commands,
 * no editor, no log files from inside it). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct gc_pager {
	pid_t pid; /* 0: no pager */
	int saved_stdout;
};

/* Starts the pager and points standard output at it, unless disabled or stdout is not a
 * terminal. Decide what to escape (isatty) and how wide the terminal is before. Returns 0
 * (a pager that cannot be started means none), or a negative errno. */
int gc_pager_open(struct gc_pager *pager, bool disabled);

/* Flushes standard output, closes it and waits for the pager to exit. */
void gc_pager_close(struct gc_pager *pager);
