/* SPDX-License-Identifier: MIT */
/* The one journal entry per crash, for alerting: `journalctl MESSAGE_ID=` GC_MESSAGE_ID. */
#pragma once

#include <stdbool.h>

#include "store.h"

#define GC_MESSAGE_ID "aa37c25dc6094cf2b82356229e5578b2"
/* systemd-coredump's SD_MESSAGE_COREDUMP, which alert rules, journalctl -u and coredumpctl
 * look for. */
#define GC_COREDUMP_MESSAGE_ID "fc2e22bc6ee647b6b90729ab34a250b1"
/* A service's crash loop (ratelimit.h): the line when its rate limit starts, and the summary
 * of an interval's crashes that were counted, not stored. */
#define GC_LOOP_START_MESSAGE_ID   "afc5f9f78d5c4baa9756d7ba7ea0ab46"
#define GC_LOOP_SUMMARY_MESSAGE_ID "54e8ac74c4dc4b94a870ca4aef4ecd71"

/* "SIGSEGV", or "SIG42" for numbers without a name. Returns a static or thread-local string. */
const char *gc_signal_name(int signal);

/* Sends the crash entry (PRIORITY=2, GOCRASH_* fields, and the OBJECT_SYSTEMD_* fields that
 * journalctl -u and systemctl status look for in entries from root). With
 * coredump_compatible, a second entry as systemd-coredump writes it (its MESSAGE_ID and
 * COREDUMP_* fields, COREDUMP_FILENAME the stored core.zst), for coredumpctl and the alert
 * rules written for it. When journald is unreachable the MESSAGE goes to /dev/kmsg instead.
 * Returns 0 if journald took it, else a negative errno. */
int gc_journal_crash(const struct gc_meta *meta, const char *store_path, bool coredump_compatible);

/* The crash entry again, for the journal of the container the process ran in when it runs
 * its own systemd (meta->container_unit), so that systemctl status and journalctl -u of the
 * service there show the crash: sent to ROOT/run/systemd/journal/socket, root_fd the
 * process's root (looked up one name at a time, never through a symlink, each step within
 * 200 ms; not when it is our own journald's socket), as one datagram in journald's native
 * protocol, with OBJECT_SYSTEMD_UNIT= the unit in the container and without the host's store
 * path. It is sent by a process forked into pidns_fd (the process's PID namespace), chrooted
 * into root_fd, without capabilities, not dumpable, waited for 1 s at most: journald there
 * records _UID=0 only for a sender it can see. Returns 0, -ENOENT (no container unit, no
 * journald socket there), -EEXIST (the socket is ours), or another negative errno. */
int gc_journal_crash_container(const struct gc_meta *meta, int root_fd, int pidns_fd);

/* Whether journald's socket exists. sd_journal_send() drops messages silently when it does
 * not, so callers that must not lose a message check first. */
bool gc_journal_available(void);

/* Writes gc_kmsg_line() to /dev/kmsg (the fallback log when journald is down). Returns 0 or
 * a negative errno. */
int gc_kmsg(int priority, const char *message);

/* The kernel log record "<priority>gocrashd[pid]: message\n": message escaped (escape.h,
 * newlines too, so that a comm or path cannot start a forged kernel line), cut to
 * GC_KMSG_MAX_MESSAGE bytes. Returns a malloc'ed string, or NULL on OOM. */
#define GC_KMSG_MAX_MESSAGE 960
char *gc_kmsg_line(int priority, int pid, const char *message);

/* One crash-loop line, PRIORITY=4 (warning), with the service's GOCRASH_UNIT, _USER_UNIT,
 * _CONTAINER_UNIT, _EXE, _COMM, _GROUP, GOCRASH_CRASHES (the interval's crashes),
 * GOCRASH_SUPPRESSED (when not 0) and the OBJECT_* fields journalctl -u looks for. When
 * journald is unreachable the message goes to /dev/kmsg. Returns 0 when either took it, else
 * a negative errno. */
struct gc_journal_loop {
	const char *message_id, *message;
	const char *unit, *user_unit, *container_unit, *exe, *comm, *group; /* NULL: none */
	int64_t uid;							    /* -1 when unknown */
	uint64_t crashes;						    /* in the interval */
	uint64_t suppressed; /* counted, not stored; 0: no field */
};
int gc_journal_crash_loop(const struct gc_journal_loop *loop);
