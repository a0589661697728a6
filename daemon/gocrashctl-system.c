/* SPDX-License-Identifier: MIT */
/* gocrashctl enable, disable, status: gocrashd as the system's core handler. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "config.h"
#include "escape.h"
#include "gc-build.h"
#include "gocrashctl.h"
#include "handler.h"
#include "journal.h"
#include "json.h"
#include "log.h"
#include "macro.h"
#include "util.h"

static int run_command(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return negative_errno();
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

/* --unit works only where systemd manages services, or into a --root tree. Checked before
 * anything changes. */
static int check_units(const struct ctl *ctl)
{
	if (ctl->n_units == 0 || ctl->root || sd_booted() > 0)
		return 0;
	gc_log(LOG_ERR, "--unit needs systemd as PID 1, and it is not running here; for a "
			"service not run by systemd, set GOTRACEBACK=crash in its environment "
			"(see gocrashd(8))");
	return -EOPNOTSUPP;
}

static int enable_units(const struct ctl *ctl)
{
	if (ctl->n_units == 0)
		return 0;
	for (size_t i = 0; i < ctl->n_units; i++) {
		_cleanup_free_ char *path = NULL;
		int r = gc_unit_dropin_write(ctl->root, ctl->units[i], &path);

		if (r == -EINVAL) {
			gc_log(LOG_ERR, "\"%s\" is not a service unit name (NAME.service)",
			       ctl->units[i]);
			return r;
		}
		if (r < 0)
			return r;
		printf("Wrote %s: %s dumps core with GOTRACEBACK=crash once restarted "
		       "(systemctl restart %s).\n",
		       path, ctl->units[i], ctl->units[i]);
	}
	if (!ctl->root && run_command((char *const[]){"systemctl", "daemon-reload", NULL}) < 0)
		gc_log(LOG_WARNING, "systemctl daemon-reload failed; run it before restarting");
	return 0;
}

static int create_store(const struct ctl *ctl)
{
	struct gc_config config;
	struct gc_store *store = NULL;
	const char *path;
	int r;

	gc_config_init(&config);
	gc_config_load(&config, ctl->config_path);
	path = ctl->store_dir ? ctl->store_dir : config.directory;
	r = gc_store_open(path, true, &store);
	if (r < 0)
		gc_log_errno(LOG_ERR, r, "cannot create the store %s", path);
	gc_store_free(store);
	gc_config_free(&config);
	return r;
}

int verb_enable(struct ctl *ctl, int argc, char **argv)
{
	int r;

	if (check_units(ctl) < 0)
		return EXIT_NOT_FOUND;
	r = gc_handler_enable(ctl->root);
	if (r < 0)
		return EXIT_NOT_FOUND;
	if (r > 0)
		printf("kernel.core_pattern is read-only here (a container): the host's gocrashd "
		       "captures the crashes of this system\n");
	else if (!ctl->root) {
		create_store(ctl);
		printf("gocrashd is the core handler: kernel.core_pattern=%s\n",
		       gc_handler_pattern());
	}
	return enable_units(ctl) < 0 ? EXIT_NOT_FOUND : EXIT_OK;
}

int verb_disable(struct ctl *ctl, int argc, char **argv)
{
	_cleanup_free_ char *pattern = NULL;
	unsigned limit;

	if (ctl->n_units > 0) {
		gc_log(LOG_ERR, "disable takes no --unit: remove the drop-in "
				"/etc/systemd/system/NAME.service.d/50-gocrashd.conf instead");
		return EXIT_USAGE;
	}
	if (gc_handler_disable(ctl->root) < 0)
		return EXIT_NOT_FOUND;
	if (!ctl->root && gc_handler_current(&pattern, &limit) >= 0)
		printf("gocrashd is no longer the core handler: kernel.core_pattern=%s\n", pattern);
	return EXIT_OK;
}

struct status {
	char *pattern, *previous;
	unsigned pipe_limit, previous_limit;
	const char *persistent;
	struct gc_config config;
	const char *config_path;
	char *config_text;
	const char *store_path;
	struct gc_meta *crashes;
	size_t n_crashes;
	bool have_usage;
	bool own_only;	 /* a user's view: their own crashes, no store use (store.h, ACCESS) */
	int store_error; /* why the store could not be read, negative errno */
	uint64_t used, fs_size, fs_free;
};

/* What happens at boot: our sysctl.d file in /etc (enable or disable wrote it), else the
 * one `meson install` ships. */
static const char *boot_state(void)
{
	_cleanup_free_ char *path = gc_handler_sysctl_path(NULL);
	_cleanup_fclose_ FILE *f = path ? fopen(path, "re") : NULL;
	char line[1024];

	if (!f)
		return access(GC_SYSCTLDIR "/50-gocrashd.conf", F_OK) == 0 ? "enabled (package)"
									   : "not configured";
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "kernel.core_pattern=", 20) == 0)
			return "enabled";
	return "disabled (masked)";
}

static void gather_store(struct ctl *ctl, struct status *s)
{
	int r;

	s->store_path = ctl->store_dir ? ctl->store_dir : s->config.directory;
	s->store_error = gc_store_open_read_only(s->store_path, &ctl->store);
	if (s->store_error < 0)
		return;
	r = gc_store_list(ctl->store, &s->crashes, &s->n_crashes);
	if (r < 0) {
		s->store_error = r;
		s->n_crashes = 0;
	}
	s->own_only = !gc_store_sees_all(ctl->store);
	if (s->own_only)
		return;
	r = gc_store_usage(ctl->store, &s->used, &s->fs_size, &s->fs_free);
	s->have_usage = r >= 0;
	if (r < 0 && s->store_error >= 0)
		s->store_error = r;
}

static void gather_status(struct ctl *ctl, struct status *s)
{
	if (gc_handler_current(&s->pattern, &s->pipe_limit) < 0)
		s->pattern = NULL;
	if (gc_handler_previous(&s->previous, &s->previous_limit) < 0)
		s->previous = NULL;
	s->persistent = boot_state();
	gc_config_init(&s->config);
	gc_config_load(&s->config, ctl->config_path);
	s->config_path = ctl->config_path;
	if (gc_config_format(&s->config, &s->config_text) < 0)
		s->config_text = NULL;
	gather_store(ctl, s);
}

static void status_done(struct status *s)
{
	free(s->pattern);
	free(s->previous);
	free(s->config_text);
	gc_config_free(&s->config);
	gc_meta_array_free(s->crashes, s->n_crashes);
}

static void print_quota(const char *label, uint64_t value, const char *key,
			const struct gc_size *limit, uint64_t fs_size)
{
	char a[32], b[32];

	gc_format_bytes(value, a, sizeof(a));
	gc_format_bytes(gc_size_resolve(limit, fs_size), b, sizeof(b));
	if (limit->percent)
		printf("%18s: %s (%s=%" PRIu64 "%%, %s)\n", label, a, key, limit->value, b);
	else
		printf("%18s: %s (%s=%s)\n", label, a, key, b);
}

static void print_last_crash(const struct status *s)
{
	const struct gc_meta *m = &s->crashes[s->n_crashes - 1];
	char when[64];

	format_local_time(m->time_usec, when, sizeof(when));
	printf("%18s: %s, %s[%" PRId64 "] %s (%s)\n", "Last crash", when, m->comm ? m->comm : "?",
	       m->pid, gc_signal_name(m->signal), m->id);
}

static void print_status(struct status *s)
{
	bool active = gc_handler_is_ours(s->pattern);

	printf("%18s: %s\n", "Handler", active ? "gocrashd (active)" : "not gocrashd");
	gc_escape_in_place(&s->pattern, 0);
	gc_escape_in_place(&s->previous, 0);
	printf("%18s: %s\n", "core_pattern", s->pattern ? s->pattern : "?");
	printf("%18s: %u\n", "core_pipe_limit", s->pipe_limit);
	if (s->previous)
		printf("%18s: %s\n", "Previous handler", s->previous);
	printf("%18s: %s\n", "At boot", s->persistent);
	printf("%18s: %s\n", "Store", s->store_path);
	if (s->have_usage) {
		printf("%18s: %zu (MaxCores=%" PRIu64 ")\n", "Crashes", s->n_crashes,
		       s->config.max_cores);
		print_quota("Used", s->used, "MaxUse", &s->config.max_use, s->fs_size);
		print_quota("Free", s->fs_free, "KeepFree", &s->config.keep_free, s->fs_size);
	}
	if (s->own_only && s->store_error >= 0)
		printf("%18s: %zu of yours (other users' crashes and the store's use: root only)\n",
		       "Crashes", s->n_crashes);
	if (s->store_error == -ENOENT)
		printf("%18s: the store does not exist yet\n", "");
	else if (s->store_error == -EACCES || s->store_error == -EPERM)
		printf("%18s: cannot read the store: %s (root only)\n", "",
		       strerror(-s->store_error));
	else if (s->store_error < 0)
		printf("%18s: cannot read the store: %s\n", "", strerror(-s->store_error));
	if (s->n_crashes > 0 && gc_meta_escape(&s->crashes[s->n_crashes - 1]) >= 0)
		print_last_crash(s);
	printf("\nEffective configuration (%s and its drop-ins):\n%s", s->config_path,
	       s->config_text ? s->config_text : "?\n");
}

static void json_status(const struct status *s)
{
	printf("{\"active\":%s,\"core_pattern\":",
	       gc_handler_is_ours(s->pattern) ? "true" : "false");
	gc_json_string(stdout, s->pattern);
	printf(",\"core_pipe_limit\":%u,\"previous_core_pattern\":", s->pipe_limit);
	gc_json_string(stdout, s->previous);
	printf(",\"at_boot\":");
	gc_json_string(stdout, s->persistent);
	printf(",\"store\":");
	gc_json_string(stdout, s->store_path);
	printf(",\"own_crashes_only\":%s", s->own_only ? "true" : "false");
	printf(",\"crashes\":%zu,\"used\":%" PRIu64 ",\"max_use\":%" PRIu64 ",\"fs_free\":%" PRIu64
	       ",\"keep_free\":%" PRIu64 ",\"max_cores\":%" PRIu64,
	       s->n_crashes, s->used, gc_size_resolve(&s->config.max_use, s->fs_size), s->fs_free,
	       gc_size_resolve(&s->config.keep_free, s->fs_size), s->config.max_cores);
	printf(",\"last_crash\":");
	if (s->n_crashes > 0)
		gc_json_meta(stdout, &s->crashes[s->n_crashes - 1]);
	else
		printf("null");
	printf(",\"config\":");
	gc_json_string(stdout, s->config_text);
	printf("}\n");
}

int verb_status(struct ctl *ctl, int argc, char **argv)
{
	struct status s = {};

	gather_status(ctl, &s);
	if (ctl->json)
		json_status(&s);
	else
		print_status(&s);
	status_done(&s);
	return EXIT_OK;
}
