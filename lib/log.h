/* SPDX-License-Identifier: MIT */
/* The library never prints: it hands messages to the function the program installs. */
#pragma once

#include <syslog.h>

typedef void (*gc_log_fn)(int priority, const char *message, void *userdata);

/* Install the sink for library messages; NULL drops them. Not thread-safe: call before work. */
void gc_log_set(gc_log_fn fn, void *userdata);

/* Lowest priority (highest number) passed on; default LOG_INFO. */
void gc_log_set_max_priority(int priority);

void gc_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logs with ": strerror(err)" appended and returns -abs(err), for `return gc_log_errno(...)`. */
int gc_log_errno(int priority, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
