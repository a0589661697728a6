/* SPDX-License-Identifier: MIT */
/* gocrashctl remove, vacuum: root's commands that delete in the store (store.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "escape.h"
#include "json.h"
#include "log.h"
#include "macro.h"
#include "store.h"
#include "util.h"

#include "gocrashctl.h"

/* The store is root's (0700, root-owned): nobody else could delete in it, and a store a user
 * made themselves is not gocrashd's. Said before the store is even opened. */
static bool refuse_unless_root(const char *verb)
{
	if (geteuid() == 0)
		return false;
	gc_log(LOG_ERR, "%s: only root can delete in the crash store (run it with sudo)", verb);
	return true;
}

struct removal {
	const struct ctl *ctl;
	unsigned failed, busy;
	bool first;
};

static void print_removed_json(const struct gc_meta *meta, int error, uint64_t bytes)
{
	fputs("{\"id\":", stdout);
	gc_json_string(stdout, meta->id);
	printf(",\"removed\":%s,\"bytes\":%" PRIu64 ",\"error\":", error >= 0 ? "true" : "false",
	       bytes);
	if (error >= 0)
		fputs("null", stdout);
	else
		gc_json_string(stdout,
			       error == -EBUSY ? "its handler is still at work" : strerror(-error));
	fputc('}', stdout);
}

static void removed_one(const struct gc_meta *meta, int error, uint64_t bytes, void *userdata)
{
	struct removal *rm = userdata;
	_cleanup_free_ char *what = gc_escape(meta->exe	   ? meta->exe
					      : meta->comm ? meta->comm
							   : "-",
					      0);
	char size[32];

	rm->busy += error == -EBUSY;
	rm->failed += error < 0 && error != -EBUSY;
	if (rm->ctl->json) {
		if (!rm->first)
			fputc(',', stdout);
		rm->first = false;
		print_removed_json(meta, error, bytes);
		return;
	}
	if (error == -EBUSY)
		gc_log(LOG_WARNING, "left %s: its handler is still at work; try again later",
		       meta->id);
	else if (error < 0)
		gc_log_errno(LOG_ERR, error, "cannot remove %s", meta->id);
	else {
		gc_format_bytes(bytes, size, sizeof(size));
		printf("Removed %s (%s, %s)\n", meta->id, what ? what : "-", size);
	}
}

int verb_remove(struct ctl *ctl, int argc, char **argv)
{
	struct removal rm = {.ctl = ctl, .first = true};
	unsigned n = 0;
	int r;

	if (!selecting(ctl)) {
		gc_log(LOG_ERR, "remove: say which crashes (an ID, a PID, a command, a unit, "
				"FIELD=VALUE, --since, --until; see gocrashctl(1))");
		return EXIT_USAGE;
	}
	if (refuse_unless_root("remove") || open_store(ctl, true) < 0)
		return EXIT_NOT_FOUND;
	if (ctl->json)
		fputc('[', stdout);
	r = gc_store_remove(ctl->store, &ctl->selection, removed_one, &rm, &n);
	if (ctl->json)
		fputs("]\n", stdout);
	if (r == -ENOENT)
		gc_log(LOG_ERR, "remove: no crash matches%s%s in %s", ctl->match_text ? " " : "",
		       ctl->match_text ? ctl->match_text : " the selection",
		       gc_store_path(ctl->store));
	else if (r == -EINVAL)
		gc_log(LOG_ERR, "remove: \"%s\" matches more than one crash; give more of the id",
		       ctl->selection.matches[0].value);
	else if (r < 0)
		gc_log_errno(LOG_ERR, r, "remove: cannot remove from %s",
			     gc_store_path(ctl->store));
	else if (!ctl->json && !ctl->quiet && (rm.busy || rm.failed))
		fprintf(stderr, "Removed %u of %u crashes.\n", n, n + rm.busy + rm.failed);
	return r < 0 || rm.busy || rm.failed ? EXIT_NOT_FOUND : EXIT_OK;
}

/* The configured limits, each that an option gives replaced for this run. */
static void vacuum_policy(const struct ctl *ctl, struct gc_space_policy *ret)
{
	struct gc_config config;

	gc_config_init(&config);
	gc_config_load(&config, ctl->config_path);
	gc_space_policy_of(&config, ret);
	gc_config_free(&config);
	if (ctl->vacuum.size_set)
		ret->max_use = ctl->vacuum.size;
	if (ctl->vacuum.cores)
		ret->max_cores = ctl->vacuum.cores;
	if (ctl->vacuum.entries)
		ret->max_entries = ctl->vacuum.entries;
	if (ctl->vacuum.time_sec)
		ret->max_core_age_usec = ctl->vacuum.time_sec * 1000000;
}

int verb_vacuum(struct ctl *ctl, int argc, char **argv)
{
	struct gc_space_policy policy;
	struct gc_vacuum_stats removed = {};
	uint64_t used = 0;
	char bytes[32], left[32];
	int r;

	if (refuse_unless_root("vacuum") || open_store(ctl, true) < 0)
		return EXIT_NOT_FOUND;
	vacuum_policy(ctl, &policy);
	r = gc_store_vacuum(ctl->store, &policy, &removed);
	if (r < 0) {
		gc_log_errno(LOG_ERR, r, "vacuum: cannot vacuum %s", gc_store_path(ctl->store));
		return EXIT_NOT_FOUND;
	}
	(void)gc_store_usage(ctl->store, &used, NULL, NULL);
	gc_format_bytes(removed.bytes, bytes, sizeof(bytes));
	gc_format_bytes(used, left, sizeof(left));
	if (ctl->json)
		printf("{\"cores_removed\":%u,\"entries_removed\":%u,\"bytes_freed\":%" PRIu64
		       ",\"bytes_used\":%" PRIu64 "}\n",
		       removed.cores, removed.entries, removed.bytes, used);
	else if (!ctl->quiet)
		printf("Removed %u core%s and %u entr%s, %s freed; %s holds %s.\n", removed.cores,
		       removed.cores == 1 ? "" : "s", removed.entries,
		       removed.entries == 1 ? "y" : "ies", bytes, gc_store_path(ctl->store), left);
	return EXIT_OK;
}
