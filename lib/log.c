/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static gc_log_fn log_fn;
static void *log_userdata;
static int log_max_priority = LOG_INFO;

void gc_log_set(gc_log_fn fn, void *userdata)
{
	log_fn = fn;
	log_userdata = userdata;
}

void gc_log_set_max_priority(int priority)
{
	log_max_priority = priority;
}

static void log_va(int priority, int err, const char *fmt, va_list ap)
{
	char message[2048];
	int len;

	if (!log_fn || priority > log_max_priority)
		return;
	len = vsnprintf(message, sizeof(message), fmt, ap);
	if (err != 0 && len >= 0 && (size_t)len < sizeof(message))
		snprintf(message + len, sizeof(message) - len, ": %s", strerror(err));
	log_fn(priority, message, log_userdata);
}

void gc_log(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(priority, 0, fmt, ap);
	va_end(ap);
}

int gc_log_errno(int priority, int err, const char *fmt, ...)
{
	va_list ap;

	err = err < 0 ? -err : err;
	va_start(ap, fmt);
	log_va(priority, err, fmt, ap);
	va_end(ap);
	return -err;
}
