/* SPDX-License-Identifier: MIT */
/* gocrashctl: list, inspect and restore the crashes gocrashd stored. */
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dump.h"
#include "escape.h"
#include "gc-build.h"
#include "goreport.h"
#include "zfile.h"
#include "journal.h"
#include "json.h"
#include "log.h"
#include "macro.h"
#include "pager.h"
#include "select.h"
#include "store.h"
#include "store-exe.h"
#include "util.h"
#include "zseek.h"

#include "gocrashctl.h"

/* Messages name executables and commands: escaped like the rest of the text output. */
static void log_to_stderr(int priority, const char *message, void *userdata)
{
	_cleanup_free_ char *safe = gc_escape(message, 0);

	fprintf(stderr, "gocrashctl: %s\n", safe ? safe : "(out of memory)");
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: gocrashctl [OPTIONS] [COMMAND] [MATCH...]\n\n"
	    "Commands:\n"
	    "  list [MATCH...]   list stored crashes, oldest first (the default)\n"
	    "  info [MATCH...]   show the last matching crash\n"
	    "  dump [MATCH...]   write its uncompressed core to -o FILE (stdout if not a tty)\n"
	    "                    (--exe: the executable kept for it)\n"
	    "  stacks [MATCH...] its goroutines, as the Go runtime prints them\n"
	    "  debug [MATCH...]  dlv (Go) or gdb on its exact executable and core\n"
	    "  groups          crashes of the same signature: count, first and last, units\n"
	    "  enable          make gocrashd the core handler, now and at boot\n"
	    "  disable         restore the previous core handler, now and at boot\n"
	    "  status          the active handler, configuration, store use, last crash\n"
	    "  remove MATCH... (root) remove the matching crashes\n"
	    "  vacuum          (root) apply the store's quotas now, or the --vacuum-* ones\n\n"
	    "MATCH: an ID or its prefix, a PID, a command name, /path/of/executable,\n"
	    "  UNIT.service, or FIELD=VALUE (a field of info --json); see gocrashctl(1)\n\n"
	    "Options:\n"
	    "  -S, --since=TIME, -U, --until=TIME\n"
	    "                  crashes in this window (journalctl's syntax: -1h, today, ...)\n"
	    "  -n N            (list, groups) the last N; -1: the last one\n"
	    "  -r, --reverse   (list, groups) newest first\n"
	    "  -F, --field=FIELD\n"
	    "                  (list) each value of FIELD among the crashes, once\n"
	    "  --signature=SIG crashes (groups) whose signature starts with SIG\n"
	    "  --no-pager      no pager on a terminal; --no-legend: list, groups without a header\n"
	    "  -q, --quiet     nothing on stderr when nothing is selected\n"
	    "  --store=DIR     store directory (default: from the configuration)\n"
	    "  --config=FILE   configuration file (default %s)\n"
	    "  --json[=MODE]   JSON output: short (the default, a value per line), pretty\n"
	    "                  (indented) or off (text)\n"
	    "  --crashed       (stacks) only the goroutine that crashed\n"
	    "  --group         (stacks) the same stacks once, with their count\n"
	    "  --exe           (dump) the crashed executable, as kept once per build id\n"
	    "  --debugger=PROG (debug) instead of dlv or gdb ($GOCRASHCTL_DEBUGGER)\n"
	    "  -A, --debugger-arguments=ARGS\n"
	    "                  (debug) more arguments, split as a shell splits words\n"
	    "  -o, --output=FILE\n"
	    "  --unit=NAME.service\n"
	    "                  (enable) also make this Go service dump core, repeatable\n"
	    "  --root=DIR      (enable, disable) only write the files below DIR\n"
	    "  --vacuum-size=SIZE, --vacuum-cores=N, --vacuum-entries=N, --vacuum-time=SPAN\n"
	    "                  (vacuum) MaxUse, MaxCores, MaxEntries, MaxCoreAge for this run\n"
	    "  --help, --version\n",
	    GC_CONFIG_FILE);
}

void format_local_time(uint64_t time_usec, char *buf, size_t size)
{
	time_t seconds = time_usec / 1000000;
	struct tm tm;

	localtime_r(&seconds, &tm);
	strftime(buf, size, "%a %Y-%m-%d %H:%M:%S %Z", &tm);
}

static const char *core_state(const struct gc_meta *m)
{
	if (!m->core_stored && m->core_dropped)
		return strncmp(m->core_dropped, "analysis only", 13) == 0 ? "analysis" : "evicted";
	if (!m->core_stored)
		return "none";
	if (m->core_error && !m->truncated)
		return "error";
	return m->truncated ? "truncated" : "present";
}

/* The width to fit lines into: $COLUMNS when it is a number (as systemd's tools take it, on
 * a terminal or not), else the terminal's, else 0: not fitted. */
static size_t terminal_columns(void)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	char *end;
	unsigned long n = env ? strtoul(env, &end, 10) : 0;

	if (env && *env && *end == '\0' && n > 0 && n <= 10000)
		return n;
	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
		return 0;
	return ws.ws_col;
}

void print_cut(const char *text, size_t max)
{
	size_t len = strcspn(text, "\n");

	if (len > max) {
		len = max > 3 ? max - 3 : 0;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
		printf("%.*s...", (int)len, text);
	} else {
		printf("%.*s", (int)len, text);
	}
}

static void list_line(const struct gc_meta *m)
{
	const char *reason = m->go_reason;
	char when[64], size[32];

	format_local_time(m->time_usec, when, sizeof(when));
	gc_format_bytes(m->core_stored ? m->stored_size : 0, size, sizeof(size));
	printf("%-24s %-28s %7" PRId64 " %5" PRId64 " %-8s %-9s %-10s %8s %s", m->id, when, m->pid,
	       m->uid, gc_signal_name(m->signal), core_state(m),
	       !m->go	       ? "no"
	       : m->go_version ? m->go_version
			       : "yes",
	       size,
	       m->exe	 ? m->exe
	       : m->comm ? m->comm
			 : "-");
	if (reason && *reason) {
		fputs("  ", stdout);
		print_cut(reason, LIST_REASON_MAX);
	}
	putchar('\n');
}

static const struct table_column list_columns[] = {
    {.header = "ID"},
    {.header = "TIME", .drop = 4},
    {.header = "PID", .flags = TABLE_RIGHT},
    {.header = "UID", .flags = TABLE_RIGHT, .drop = 2},
    {.header = "SIG"},
    {.header = "CORE", .drop = 5},
    {.header = "GO", .drop = 1},
    {.header = "SIZE", .flags = TABLE_RIGHT, .drop = 3},
    {.header = "EXE", .flags = TABLE_CUT_START, .min = 12},
    {.header = "REASON", .min = 20, .drop = 6},
};

/* A crash as the cells of list_columns, escaped (gc_meta_escape) already. */
static int list_row(const struct gc_meta *m, char **row)
{
	const char *reason = m->go_reason ? m->go_reason : "";
	char when[64], size[32];

	format_local_time(m->time_usec, when, sizeof(when));
	gc_format_bytes(m->core_stored ? m->stored_size : 0, size, sizeof(size));
	row[0] = strdup(m->id);
	row[1] = strdup(when);
	row[4] = strdup(gc_signal_name(m->signal));
	row[5] = strdup(core_state(m));
	row[6] = strdup(!m->go ? "no" : m->go_version ? m->go_version : "yes");
	row[7] = strdup(size);
	row[8] = strdup(m->exe ? m->exe : m->comm ? m->comm : "-");
	row[9] = strndup(reason, strcspn(reason, "\n"));
	if (asprintf(&row[2], "%" PRId64, m->pid) < 0)
		row[2] = NULL;
	if (asprintf(&row[3], "%" PRId64, m->uid) < 0)
		row[3] = NULL;
	for (size_t c = 0; c < ELEMENTSOF(list_columns); c++)
		if (!row[c]) {
			for (size_t i = 0; i < ELEMENTSOF(list_columns); i++)
				free(row[i]);
			return -ENOMEM;
		}
	return 0;
}

/* On a terminal, or with $COLUMNS: fitted to its width (gocrashctl-table.c). */
static int print_list_table(const struct ctl *ctl, struct gc_meta *metas, size_t n)
{
	struct table t = {.columns = list_columns, .n_columns = ELEMENTSOF(list_columns)};
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++) {
		char *row[ELEMENTSOF(list_columns)] = {};

		r = gc_meta_escape(&metas[i]);
		if (r >= 0)
			r = list_row(&metas[i], row);
		if (r >= 0 && (r = table_add(&t, row)) < 0)
			for (size_t c = 0; c < ELEMENTSOF(row); c++)
				free(row[c]);
	}
	if (r >= 0)
		r = table_print(&t, ctl->columns, !ctl->no_legend);
	table_done(&t);
	return r;
}

bool selecting(const struct ctl *ctl)
{
	return ctl->selection.n_matches || ctl->selection.since_usec || ctl->selection.until_usec;
}

/* The stored crashes the matches and --since/--until select, oldest first. */
static int select_entries(struct ctl *ctl, struct gc_meta **ret, size_t *n_ret)
{
	struct gc_meta *metas = NULL;
	size_t n = 0, kept = 0;
	int r;

	r = gc_store_list(ctl->store, &metas, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (!gc_selection_matches(&ctl->selection, &metas[i])) {
			gc_meta_free(&metas[i]);
			continue;
		}
		metas[kept++] = metas[i];
	}
	*ret = metas;
	*n_ret = kept;
	return 0;
}

/* list -n N and -r: the last N, newest first if asked. */
static void order_for_list(const struct ctl *ctl, struct gc_meta *metas, size_t *n)
{
	size_t skip = ctl->lines && ctl->lines < *n ? *n - ctl->lines : 0;

	for (size_t i = 0; i < skip; i++)
		gc_meta_free(&metas[i]);
	memmove(metas, metas + skip, (*n - skip) * sizeof(*metas));
	*n -= skip;
	for (size_t i = 0; ctl->reverse && i < *n / 2; i++) {
		struct gc_meta t = metas[i];

		metas[i] = metas[*n - 1 - i];
		metas[*n - 1 - i] = t;
	}
}

static void print_list_json(const struct gc_meta *metas, size_t n)
{
	fputc('[', stdout);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', stdout);
		gc_json_meta(stdout, &metas[i]);
	}
	fputs("]\n", stdout);
}

static int verb_list(struct ctl *ctl, int argc, char **argv)
{
	struct gc_meta *metas = NULL;
	size_t n = 0;
	int r;

	r = select_entries(ctl, &metas, &n);
	if (r < 0) {
		gc_log_errno(LOG_ERR, r, "cannot list %s", gc_store_path(ctl->store));
		return 1;
	}
	order_for_list(ctl, metas, &n);
	if (ctl->field_set) {
		r = print_field_values(ctl, metas, n);
	} else if (ctl->json) {
		print_list_json(metas, n);
	} else if (n == 0 && !ctl->quiet) {
		if (selecting(ctl))
			fprintf(stderr, "No crashes match%s%s in %s.\n", ctl->match_text ? " " : "",
				ctl->match_text ? ctl->match_text : "", gc_store_path(ctl->store));
		else
			fprintf(stderr, "No crashes stored in %s.\n", gc_store_path(ctl->store));
	} else if (ctl->columns) {
		r = print_list_table(ctl, metas, n);
	} else {
		if (!ctl->no_legend)
			printf("%-24s %-28s %7s %5s %-8s %-9s %-10s %8s %s\n", "ID", "TIME", "PID",
			       "UID", "SIG", "CORE", "GO", "SIZE", "EXE  REASON");
		for (size_t i = 0; i < n && r >= 0; i++)
			if ((r = gc_meta_escape(&metas[i])) >= 0)
				list_line(&metas[i]);
	}
	gc_meta_array_free(metas, n);
	if (r < 0) {
		gc_log_errno(LOG_ERR, r, "cannot list the crashes");
		return 1;
	}
	return selecting(ctl) && n == 0 ? EXIT_NOT_FOUND : EXIT_OK;
}

static int find_entry(struct ctl *ctl, const char *id, struct gc_meta *ret)
{
	int r = gc_store_find(ctl->store, id, ret);

	if (r == -EINVAL)
		gc_log(LOG_ERR, "\"%s\" matches more than one crash; give more of the id", id);
	else if (r < 0)
		gc_log(LOG_ERR, "no crash \"%s\" in %s", id, gc_store_path(ctl->store));
	return r;
}

/* A prefix that names more than one crash is an error, as ever. */
int find_selected(struct ctl *ctl, const char *verb, struct gc_meta *ret)
{
	struct gc_meta *metas = NULL;
	size_t n = 0;
	int r;

	if (gc_selection_is_id(&ctl->selection) && !ctl->selection.since_usec &&
	    !ctl->selection.until_usec)
		return find_entry(ctl, ctl->selection.matches[0].value, ret);
	r = select_entries(ctl, &metas, &n);
	if (r < 0)
		return gc_log_errno(LOG_ERR, r, "cannot list %s", gc_store_path(ctl->store));
	if (n == 0) {
		if (selecting(ctl))
			gc_log(LOG_ERR, "%s: no crash matches%s%s", verb,
			       ctl->match_text ? " " : "",
			       ctl->match_text ? ctl->match_text : " the selection");
		else
			gc_log(LOG_ERR, "%s: no crashes stored in %s", verb,
			       gc_store_path(ctl->store));
		free(metas);
		return -ENOENT;
	}
	*ret = metas[n - 1];
	metas[n - 1] = (struct gc_meta){};
	gc_meta_array_free(metas, n);
	return 0;
}

static void info_line(const char *label, const char *value)
{
	if (value && *value)
		printf("%16s: %s\n", label, value);
}

/* A value of several lines (a reason with the panics it recovered from): the later lines
 * indented under the first. */
static void info_lines(const char *label, const char *value)
{
	if (!value || !*value)
		return;
	printf("%16s: ", label);
	for (const char *p = value; *p; p++) {
		putchar(*p);
		if (*p == '\n' && p[1])
			printf("%18s", "");
	}
	if (value[strlen(value) - 1] != '\n')
		putchar('\n');
}

/* 1234 as "1.234ms". */
static void format_usec(uint64_t usec, char *buf, size_t size)
{
	if (usec < 1000)
		snprintf(buf, size, "%" PRIu64 "us", usec);
	else if (usec < 1000000)
		snprintf(buf, size, "%.3fms", usec / 1e3);
	else
		snprintf(buf, size, "%.3fs", usec / 1e6);
}

/* A user or group id with its name on this system, when it has one. */
static void print_id(const char *label, int64_t id, bool group)
{
	char buf[4096];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	const char *name = NULL;

	if (id >= 0 && id <= UINT32_MAX - 1 && !group &&
	    getpwuid_r((uid_t)id, &pw, buf, sizeof(buf), &pwp) == 0 && pwp)
		name = pwp->pw_name;
	else if (id >= 0 && id <= UINT32_MAX - 1 && group &&
		 getgrgid_r((gid_t)id, &gr, buf, sizeof(buf), &grp) == 0 && grp)
		name = grp->gr_name;
	if (name)
		printf("%16s: %" PRId64 " (%s)\n", label, id, name);
	else
		printf("%16s: %" PRId64 "\n", label, id);
}

/* si_code as <asm-generic/siginfo.h> names it: the codes every signal can have, then those
 * of the fault signals. */
static const char *signal_code_name(int signal, int64_t code)
{
	static const struct {
		int signal; /* 0: any */
		int64_t code;
		const char *name;
	} codes[] = {
	    {0, 0, "SI_USER"},		 {0, 0x80, "SI_KERNEL"},      {0, -1, "SI_QUEUE"},
	    {0, -2, "SI_TIMER"},	 {0, -3, "SI_MESGQ"},	      {0, -4, "SI_ASYNCIO"},
	    {0, -5, "SI_SIGIO"},	 {0, -6, "SI_TKILL"},	      {SIGSEGV, 1, "SEGV_MAPERR"},
	    {SIGSEGV, 2, "SEGV_ACCERR"}, {SIGSEGV, 3, "SEGV_BNDERR"}, {SIGSEGV, 4, "SEGV_PKUERR"},
	    {SIGBUS, 1, "BUS_ADRALN"},	 {SIGBUS, 2, "BUS_ADRERR"},   {SIGBUS, 3, "BUS_OBJERR"},
	    {SIGILL, 1, "ILL_ILLOPC"},	 {SIGILL, 2, "ILL_ILLOPN"},   {SIGILL, 3, "ILL_ILLADR"},
	    {SIGILL, 4, "ILL_ILLTRP"},	 {SIGILL, 5, "ILL_PRVOPC"},   {SIGFPE, 1, "FPE_INTDIV"},
	    {SIGFPE, 2, "FPE_INTOVF"},	 {SIGFPE, 3, "FPE_FLTDIV"},   {SIGFPE, 4, "FPE_FLTOVF"},
	    {SIGFPE, 5, "FPE_FLTUND"},	 {SIGFPE, 6, "FPE_FLTRES"},   {SIGFPE, 7, "FPE_FLTINV"},
	    {SIGTRAP, 1, "TRAP_BRKPT"},	 {SIGTRAP, 2, "TRAP_TRACE"},
	};

	for (size_t i = 0; i < ELEMENTSOF(codes); i++)
		if ((codes[i].signal == 0 || codes[i].signal == signal) && codes[i].code == code)
			return codes[i].name;
	return NULL;
}

/* The lines that say more than their field: PID with the comm, ids with names, Core with the
 * sizes, Go with the version, Truncated with why, the fault code by name. Returns false for
 * the other fields. */
static bool print_combined(const struct gc_meta *m, enum gc_meta_field field, const char *label)
{
	char buf[128], raw[32], stored[32];
	const char *name;

	switch (field) {
	case GC_META_uid:
	case GC_META_euid:
		if (gc_meta_has(m, field))
			print_id(label, field == GC_META_uid ? m->uid : m->euid, false);
		return true;
	case GC_META_gid:
	case GC_META_egid:
		if (gc_meta_has(m, field))
			print_id(label, field == GC_META_gid ? m->gid : m->egid, true);
		return true;
	case GC_META_dump_mode:
		if (gc_meta_has(m, field))
			printf("%16s: %" PRId64 "%s\n", label, m->dump_mode,
			       m->dump_mode == 1 ? " (the user's)"
			       : m->dump_mode == 2
				   ? " (root only: set-id or not dumpable by the user)"
				   : "");
		return true;
	case GC_META_fault_code:
		if (!gc_meta_has(m, field))
			return true;
		name = signal_code_name(m->fault_signal, m->fault_code);
		if (name)
			printf("%16s: %" PRId64 " (%s)\n", label, m->fault_code, name);
		else
			printf("%16s: %" PRId64 "\n", label, m->fault_code);
		return true;
	case GC_META_pid:
		printf("%16s: %" PRId64 " (%s)\n", label, m->pid, m->comm ? m->comm : "?");
		return true;
	case GC_META_core_stored:
		gc_format_bytes(m->core_size, raw, sizeof(raw));
		gc_format_bytes(m->stored_size, stored, sizeof(stored));
		if (!m->core_stored && m->core_dropped)
			snprintf(buf, sizeof(buf), "%s, %s raw, %s stored before", core_state(m),
				 raw, stored);
		else
			snprintf(buf, sizeof(buf), "%s, %s raw, %s stored", core_state(m), raw,
				 stored);
		info_line(label, buf);
		return true;
	case GC_META_truncated:
		info_line(label, m->truncated ? m->truncated_reason : NULL);
		return true;
	case GC_META_go:
		info_line(label, m->go ? (m->go_version ? m->go_version : "yes") : "no");
		return true;
	default:
		return false;
	}
}

/* One labelled field, as its type reads best: times local, sizes and durations in units. */
static void print_field(const struct gc_meta *m, enum gc_meta_field field)
{
	const struct gc_meta_field_info *info = &gc_meta_fields[field];
	const void *value = (const char *)m + info->offset;
	char text[GC_META_TEXT_MAX], buf[128];
	const char *shown;

	if (!info->label || print_combined(m, field, info->label))
		return;
	shown = gc_meta_text(m, field, text);
	if (!shown)
		return;
	switch (info->type) {
	case GC_META_TYPE_TEXT:
		info_lines(info->label, shown);
		return;
	case GC_META_TYPE_TIME:
		format_local_time(*(const uint64_t *)value, buf, sizeof(buf));
		shown = buf;
		break;
	case GC_META_TYPE_SIGNAL:
		snprintf(buf, sizeof(buf), "%s (%s)", shown, gc_signal_name(*(const int *)value));
		shown = buf;
		break;
	case GC_META_TYPE_USEC:
		format_usec(*(const uint64_t *)value, buf, sizeof(buf));
		shown = buf;
		break;
	case GC_META_TYPE_BYTES:
		gc_format_bytes(*(const uint64_t *)value, buf, sizeof(buf));
		shown = buf;
		break;
	case GC_META_TYPE_KIB:
		gc_format_bytes(*(const uint64_t *)value * 1024, buf, sizeof(buf));
		shown = buf;
		break;
	default:
		break;
	}
	info_line(info->label, shown);
}

/* Every labelled field in the table's order, then the keys this version does not know. */
static void print_info(const struct gc_meta *m)
{
	for (size_t i = 0; i < GC_META_N_FIELDS; i++)
		print_field(m, i);
	for (size_t i = 0; i < m->n_unknown; i++)
		printf("%16s  %s\n", "", m->unknown[i]);
}

/* Reads STORE/ID/goroutines: -ENOENT when there is none. A damaged file gives what could be
 * read, and its last note says what is missing. */
static int read_goroutines(struct ctl *ctl, const struct gc_meta *m, struct gc_go_report *ret)
{
	_cleanup_close_ int fd = gc_store_open_file(ctl->store, m->id, GC_ENTRY_GOROUTINES);
	_cleanup_fclose_ FILE *f = NULL;
	int r;

	if (fd < 0)
		return fd;
	f = gc_zfile_read(fd); /* zstd; a plain file is read as it is */
	if (!f)
		return negative_errno();
	r = gc_go_report_read(f, ret);
	if (r == -EBADMSG) {
		gc_log(LOG_WARNING,
		       "the stored goroutines of %s are damaged; showing what was read", m->id);
		r = 0;
	}
	return r;
}

/* The info, then the crashing goroutine as the runtime printed it, when it was stored: both
 * escaped, on a terminal or not (see gocrashctl(1)). */
static int print_info_text(struct ctl *ctl, struct gc_meta *m)
{
	struct gc_go_report report = {};
	bool have_report = m->go && read_goroutines(ctl, m, &report) >= 0;
	int r = gc_meta_escape(m);

	if (r >= 0 && have_report)
		r = gc_go_report_escape(&report);
	if (r >= 0) {
		print_info(m);
		if (have_report) {
			putchar('\n');
			gc_go_report_print_text(
			    &report, &(struct gc_go_render){.crashed_only = true}, stdout);
		}
	}
	gc_go_report_free(&report);
	return r;
}

static int verb_info(struct ctl *ctl, int argc, char **argv)
{
	struct gc_meta meta = {};
	int r = 0;

	if (find_selected(ctl, argv[0], &meta) < 0)
		return EXIT_NOT_FOUND;
	if (ctl->json) {
		gc_json_meta(stdout, &meta);
		fputc('\n', stdout);
	} else {
		r = print_info_text(ctl, &meta);
	}
	gc_meta_free(&meta);
	if (r < 0) {
		gc_log_errno(LOG_ERR, r, "cannot show the crash");
		return 1;
	}
	return EXIT_OK;
}

/* Why a crash has no goroutines file, in the words of its meta. */
static void explain_no_goroutines(const struct gc_meta *m, int r)
{
	enum gc_analysis analysis = GC_META_HAS(m, analysis) ? m->analysis : GC_ANALYSIS_NOT_RUN;

	if (r != -ENOENT)
		gc_log_errno(LOG_ERR, r, "cannot read the goroutines of %s", m->id);
	else if (!m->go)
		gc_log(LOG_ERR, "%s is not a Go program: crash %s has no goroutines",
		       m->exe	 ? m->exe
		       : m->comm ? m->comm
				 : "the crashed program",
		       m->id);
	else if (!m->core_stored && !m->core_dropped)
		gc_log(LOG_ERR, "no core of crash %s was stored, so its goroutines were not read",
		       m->id);
	else if (analysis == GC_ANALYSIS_NOT_RUN)
		gc_log(LOG_ERR,
		       "the Go analysis did not run for crash %s, so its goroutines were "
		       "not read",
		       m->id);
	else if (analysis == GC_ANALYSIS_OK)
		gc_log(LOG_ERR, "the Go analysis of crash %s ran but stored no goroutines", m->id);
	else
		gc_log(LOG_ERR, "the Go analysis of crash %s %s before it stored the goroutines",
		       m->id,
		       analysis == GC_ANALYSIS_TIMED_OUT ? "reached its time limit"
		       : analysis == GC_ANALYSIS_CRASHED ? "crashed"
							 : "failed");
}

static int verb_stacks(struct ctl *ctl, int argc, char **argv)
{
	const struct gc_go_render opts = {.crashed_only = ctl->crashed_only, .group = ctl->group};
	struct gc_go_report report = {};
	struct gc_meta meta = {};
	int r;

	if (find_selected(ctl, argv[0], &meta) < 0)
		return EXIT_NOT_FOUND;
	r = read_goroutines(ctl, &meta, &report);
	if (r < 0) {
		explain_no_goroutines(&meta, r);
		gc_meta_free(&meta);
		return EXIT_NOT_FOUND;
	}
	if (ctl->json) {
		gc_go_report_print_json(&report, &opts, stdout);
		fputc('\n', stdout);
	} else if (ctl->tty && (r = gc_go_report_escape(&report)) < 0) {
		gc_log_errno(LOG_ERR, r, "cannot show the goroutines of %s", meta.id);
	} else {
		/* Byte-exact for tools when not a terminal: the runtime's own text. */
		gc_go_report_print_text(&report, &opts, stdout);
	}
	gc_go_report_free(&report);
	gc_meta_free(&meta);
	return r < 0 ? EXIT_NOT_FOUND : EXIT_OK;
}

static void zreader_freep(struct gc_zreader **reader)
{
	gc_zreader_free(*reader);
}

/* -o FILE: else (-o - too) the core or executable itself goes to standard output. */
static bool output_is_file(const struct ctl *ctl)
{
	return ctl->output && strcmp(ctl->output, "-") != 0;
}

static int open_output(const struct ctl *ctl, const char *what)
{
	int fd;

	if (!output_is_file(ctl)) {
		if (isatty(STDOUT_FILENO)) {
			gc_log(LOG_ERR, "refusing to write %s to a terminal; use -o FILE", what);
			return -ENOTTY;
		}
		return dup(STDOUT_FILENO);
	}
	fd = open(ctl->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return gc_log_errno(LOG_ERR, errno, "cannot create %s", ctl->output);
	return fd;
}

/* dump --exe: the executable the store keeps for the crash (store-exe.h), decompressed. */
static int dump_exe(struct ctl *ctl, const struct gc_meta *meta)
{
	_cleanup_fclose_ FILE *in = NULL;
	_cleanup_close_ int exe_fd = -EBADF, out_fd = -EBADF;
	uint64_t size = 0;
	int r;

	if (!meta->exe_kept) {
		gc_log(LOG_ERR,
		       "crash %s has no kept executable (see KeepExecutable= in "
		       "gocrashd.conf(5))",
		       meta->id);
		return EXIT_NOT_FOUND;
	}
	exe_fd = gc_store_exe_open(ctl->store, meta->exe_kept);
	if (exe_fd < 0) {
		gc_log_errno(LOG_ERR, exe_fd, "cannot open the executable kept for %s", meta->id);
		return EXIT_NOT_FOUND;
	}
	in = gc_zfile_read(exe_fd);
	if (!in) {
		gc_log_errno(LOG_ERR, errno, "cannot read the executable kept for %s", meta->id);
		return EXIT_NOT_FOUND;
	}
	out_fd = open_output(ctl, "an executable"); /* says why not itself */
	if (out_fd < 0)
		return EXIT_NOT_FOUND;
	r = gc_copy_stream(in, out_fd, &size);
	if (r < 0) {
		gc_log_errno(LOG_ERR, r, "cannot restore the executable kept for %s", meta->id);
		return EXIT_NOT_FOUND;
	}
	if (ctl->json && output_is_file(ctl)) {
		printf("{\"id\":");
		gc_json_string(stdout, meta->id);
		printf(",\"exe_kept\":");
		gc_json_string(stdout, meta->exe_kept);
		printf(",\"output\":");
		gc_json_string(stdout, ctl->output);
		printf(",\"size\":%" PRIu64 "}\n", size);
	}
	return EXIT_OK;
}

static int verb_dump(struct ctl *ctl, int argc, char **argv)
{
	_cleanup_(zreader_freep) struct gc_zreader *reader = NULL;
	_cleanup_close_ int core_fd = -EBADF, out_fd = -EBADF;
	struct gc_meta meta = {};
	uint64_t size = 0;
	int r;

	if (find_selected(ctl, argv[0], &meta) < 0)
		return EXIT_NOT_FOUND;
	if (ctl->exe) {
		r = dump_exe(ctl, &meta);
		gc_meta_free(&meta);
		return r;
	}
	core_fd = gc_store_open_core(ctl->store, meta.id);
	if (core_fd < 0) {
		gc_log_errno(LOG_ERR, core_fd, "crash %s has no stored core", meta.id);
		gc_meta_free(&meta);
		return EXIT_NOT_FOUND;
	}
	r = gc_zreader_open(core_fd, &reader);
	if (r >= 0) {
		out_fd = open_output(ctl, "a core"); /* says why not itself */
		if (out_fd < 0) {
			gc_meta_free(&meta);
			return EXIT_NOT_FOUND;
		}
		r = gc_dump(reader, out_fd, &size);
	}
	if (r < 0)
		gc_log_errno(LOG_ERR, r, "cannot restore the core of %s", meta.id);
	else if (meta.truncated)
		gc_log(LOG_WARNING, "the core of %s is truncated: %s", meta.id,
		       meta.truncated_reason ? meta.truncated_reason : "incomplete");
	if (r >= 0 && ctl->json && output_is_file(ctl)) {
		printf("{\"id\":");
		gc_json_string(stdout, meta.id);
		printf(",\"output\":");
		gc_json_string(stdout, ctl->output);
		printf(",\"size\":%" PRIu64 ",\"truncated\":%s}\n", size,
		       meta.truncated ? "true" : "false");
	}
	gc_meta_free(&meta);
	return r < 0 ? EXIT_NOT_FOUND : EXIT_OK;
}

struct verb {
	const char *name;
	bool matches;	  /* takes MATCH arguments (else none) */
	bool paged;	  /* its output goes through the pager on a terminal */
	bool needs_store; /* the store must exist and is opened before run */
	int (*run)(struct ctl *ctl, int argc, char **argv);
};

static const struct verb verbs[] = {
    {"list", true, true, true, verb_list},	  {"info", true, true, true, verb_info},
    {"dump", true, false, true, verb_dump},	  {"stacks", true, true, true, verb_stacks},
    {"enable", false, false, false, verb_enable}, {"disable", false, false, false, verb_disable},
    {"status", false, true, false, verb_status},  {"groups", false, true, true, verb_groups},
    {"remove", true, false, false, verb_remove},  {"vacuum", false, false, false, verb_vacuum},
    {"debug", true, false, true, verb_debug},
};

static int parse_count(const char *text, uint64_t *ret)
{
	char *end;

	errno = 0;
	*ret = strtoull(text, &end, 10);
	return errno || end == text || *end || *ret == 0 || text[0] == '-' ? -EINVAL : 0;
}

static int parse_time_option(const char *option, const char *text, uint64_t *ret)
{
	if (gc_parse_time(text, gc_clock_usec(CLOCK_REALTIME), ret) < 0) {
		gc_log(LOG_ERR, "%s: not a time: \"%s\" (see gocrashctl(1))", option, text);
		return -EINVAL;
	}
	if (*ret == 0)
		*ret = 1; /* 0 means no bound */
	return 0;
}

/* getopt's ':' (a value missing) or '?' (an option unknown, or a value it takes none of). */
static void bad_option(int c, const char *word)
{
	char short_name[3] = {'-', (char)optopt, '\0'};
	const char *name = optopt && strncmp(word, "--", 2) != 0 ? short_name : word;

	if (c == ':')
		gc_log(LOG_ERR, "%s: needs a value (see gocrashctl --help)", name);
	else if (optopt && strncmp(word, "--", 2) == 0 && strchr(word, '='))
		gc_log(LOG_ERR, "%.*s: takes no value (see gocrashctl --help)",
		       (int)strcspn(word, "="), word);
	else
		gc_log(LOG_ERR, "unknown option \"%s\" (see gocrashctl --help)", name);
}

/* --json alone is --json=short, one compact value per line, as it always was. */
static int parse_json_mode(const char *mode, struct ctl *ctl)
{
	if (!mode || strcmp(mode, "short") == 0 || strcmp(mode, "pretty") == 0) {
		ctl->json = true;
		ctl->json_pretty = mode && strcmp(mode, "pretty") == 0;
	} else if (strcmp(mode, "off") == 0) {
		ctl->json = ctl->json_pretty = false;
	} else {
		gc_log(LOG_ERR, "--json: expected short, pretty or off, got \"%s\"", mode);
		return -EINVAL;
	}
	return 0;
}

/* vacuum's limits, each above 0 (0 means no limit in gocrashd.conf, never "remove all"). */
static int parse_vacuum_option(int c, const char *text, struct ctl *ctl)
{
	const char *name = "--vacuum-time", *what = "time span";
	bool ok;

	switch (c) {
	case 'Z':
		name = "--vacuum-size", what = "size";
		ok =
		    gc_parse_size(text, true, &ctl->vacuum.size) >= 0 && ctl->vacuum.size.value > 0;
		ctl->vacuum.size_set = ok;
		break;
	case 'K':
		name = "--vacuum-cores", what = "number";
		ok = parse_count(text, &ctl->vacuum.cores) >= 0;
		break;
	case 'N':
		name = "--vacuum-entries", what = "number";
		ok = parse_count(text, &ctl->vacuum.entries) >= 0;
		break;
	default:
		ok =
		    gc_parse_timespan(text, &ctl->vacuum.time_sec) >= 0 && ctl->vacuum.time_sec > 0;
		break;
	}
	if (!ok)
		gc_log(LOG_ERR, "%s: not a %s above 0: \"%s\"", name, what, text);
	return ok ? 0 : -EINVAL;
}

static int parse_options(int argc, char **argv, struct ctl *ctl)
{
	static const struct option long_options[] = {
	    {"store", required_argument, NULL, 's'},
	    {"config", required_argument, NULL, 'c'},
	    {"json", optional_argument, NULL, 'j'},
	    {"crashed", no_argument, NULL, 'C'},
	    {"group", no_argument, NULL, 'G'},
	    {"output", required_argument, NULL, 'o'},
	    {"unit", required_argument, NULL, 'u'},
	    {"root", required_argument, NULL, 'R'},
	    {"since", required_argument, NULL, 'S'},
	    {"until", required_argument, NULL, 'U'},
	    {"reverse", no_argument, NULL, 'r'},
	    {"signature", required_argument, NULL, 'g'},
	    {"no-pager", no_argument, NULL, 'P'},
	    {"no-legend", no_argument, NULL, 'L'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"exe", no_argument, NULL, 'E'},
	    {"field", required_argument, NULL, 'F'},
	    {"vacuum-size", required_argument, NULL, 'Z'},
	    {"vacuum-cores", required_argument, NULL, 'K'},
	    {"vacuum-entries", required_argument, NULL, 'N'},
	    {"vacuum-time", required_argument, NULL, 'T'},
	    {"debugger", required_argument, NULL, 'D'},
	    {"debugger-arguments", required_argument, NULL, 'A'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {},
	};
	int c;

	opterr = 0; /* our messages, below */
	while ((c = getopt_long(argc, argv, ":o:hS:U:n:r1qF:A:", long_options, NULL)) >= 0) {
		switch (c) {
		case 's':
			ctl->store_dir = optarg;
			break;
		case 'c':
			ctl->config_path = optarg;
			break;
		case 'j':
			if (parse_json_mode(optarg, ctl) < 0)
				return -EINVAL;
			break;
		case 'C':
			ctl->crashed_only = true;
			break;
		case 'G':
			ctl->group = true;
			break;
		case 'E':
			ctl->exe = true;
			break;
		case 'D':
			ctl->debugger = optarg;
			break;
		case 'A':
			ctl->debugger_arguments = optarg;
			break;
		case 'o':
			ctl->output = optarg;
			break;
		case 'R':
			ctl->root = optarg;
			break;
		case 'S':
		case 'U':
			if (parse_time_option(c == 'S' ? "--since" : "--until", optarg,
					      c == 'S' ? &ctl->selection.since_usec
						       : &ctl->selection.until_usec) < 0)
				return -EINVAL;
			break;
		case 'n':
			if (parse_count(optarg, &ctl->lines) < 0) {
				gc_log(LOG_ERR, "-n: not a number of crashes: %s", optarg);
				return -EINVAL;
			}
			break;
		case '1':
			ctl->lines = 1;
			break;
		case 'r':
			ctl->reverse = true;
			break;
		case 'P':
			ctl->no_pager = true;
			break;
		case 'L':
			ctl->no_legend = true;
			break;
		case 'q':
			ctl->quiet = true;
			break;
		case 'g':
			if (gc_selection_add_signature(&ctl->selection, optarg) < 0)
				return -EINVAL;
			break;
		case 'u':
			ctl->units = reallocarray(ctl->units, ctl->n_units + 1, sizeof(char *));
			if (!ctl->units)
				return -ENOMEM;
			ctl->units[ctl->n_units++] = optarg;
			break;
		case 'Z':
		case 'K':
		case 'N':
		case 'T':
			if (parse_vacuum_option(c, optarg, ctl) < 0)
				return -EINVAL;
			break;
		case 'F':
			if (gc_meta_field_by_name(optarg, &ctl->field) < 0) {
				gc_log(LOG_ERR, "-F: no such field: \"%s\" (see gocrashctl(1))",
				       optarg);
				return -EINVAL;
			}
			ctl->field_set = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			puts("gocrashctl " GC_VERSION);
			return 1;
		default:
			bad_option(c, argv[optind - 1]);
			return -EINVAL;
		}
	}
	return 0;
}

int open_store(struct ctl *ctl, bool writable)
{
	struct gc_config config;
	const char *path;
	int r;

	gc_config_init(&config);
	if (!ctl->store_dir)
		gc_config_load(&config, ctl->config_path);
	path = ctl->store_dir ? ctl->store_dir : config.directory;
	r = writable ? gc_store_open(path, false, &ctl->store)
		     : gc_store_open_read_only(path, &ctl->store);
	if (r < 0)
		gc_log_errno(LOG_ERR, r, "cannot open the store %s",
			     ctl->store_dir ? ctl->store_dir : config.directory);
	gc_config_free(&config);
	return r;
}

/* --json=pretty: what the verb writes goes to a memfd first, then out indented. Only for the
 * verbs whose output is JSON (dump's only with -o: else it is the core). */
struct json_capture {
	int saved_stdout;
	int fd;
};

static bool writes_json(const struct ctl *ctl, const struct verb *verb)
{
	static const char *const names[] = {"list", "info", "stacks", "groups", "status"};

	if (!ctl->json_pretty)
		return false;
	if (strcmp(verb->name, "dump") == 0)
		return output_is_file(ctl);
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcmp(verb->name, names[i]) == 0)
			return true;
	return false;
}

static int json_capture_start(struct json_capture *c)
{
	_cleanup_close_ int fd = memfd_create("gocrashctl-json", MFD_CLOEXEC);

	if (fd < 0)
		return negative_errno();
	fflush(stdout);
	c->saved_stdout = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (c->saved_stdout < 0)
		return negative_errno();
	if (dup2(fd, STDOUT_FILENO) < 0) {
		int r = negative_errno();

		close(c->saved_stdout);
		return r;
	}
	c->fd = TAKE_FD(fd);
	return 0;
}

static int json_capture_end(struct json_capture *c)
{
	_cleanup_fclose_ FILE *in = NULL;
	int r;

	fflush(stdout);
	r = dup2(c->saved_stdout, STDOUT_FILENO) < 0 ? negative_errno() : 0;
	close(c->saved_stdout);
	if (r < 0 || lseek(c->fd, 0, SEEK_SET) < 0 || !(in = fdopen(c->fd, "r"))) {
		close(c->fd);
		return r < 0 ? r : negative_errno();
	}
	r = gc_json_pretty(in, stdout);
	if (r < 0)
		gc_log_errno(LOG_ERR, r, "cannot indent the JSON");
	return r;
}

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (strcmp(name, verbs[i].name) == 0)
			return &verbs[i];
	gc_log(LOG_ERR, "unknown command \"%s\" (see gocrashctl --help)", name);
	return NULL;
}

/* The verb's arguments: MATCHes for those that take them ("latest", the old spelling of no
 * match, is still understood), nothing for the others. */
static int parse_matches(struct ctl *ctl, const struct verb *verb, int argc, char **argv)
{
	size_t len = 0;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!verb->matches) {
			gc_log(LOG_ERR, "%s: takes no argument, got \"%s\"", verb->name, argv[i]);
			return -EINVAL;
		}
		if (strcmp(argv[i], "latest") == 0)
			continue;
		r = gc_selection_add(&ctl->selection, argv[i]);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			gc_log(LOG_ERR,
			       "%s: not a match: \"%s\" (no such field; see gocrashctl(1))",
			       verb->name, argv[i]);
			return r;
		}
		len += strlen(argv[i]) + 1;
	}
	if (len == 0)
		return 0;
	ctl->match_text = calloc(len, 1);
	if (!ctl->match_text)
		return -ENOMEM;
	for (int i = 1, n = 0; i < argc; i++)
		if (strcmp(argv[i], "latest") != 0)
			n += sprintf(ctl->match_text + n, "%s%s", n ? " " : "", argv[i]);
	return 0;
}

int main(int argc, char **argv)
{
	static char *default_verb[] = {"list", NULL}, *vacuum_verb[] = {"vacuum", NULL};
	struct ctl ctl = {.config_path = GC_CONFIG_FILE};
	struct gc_pager pager = {};
	struct json_capture capture = {};
	bool captured;
	const struct verb *verb;
	bool vacuuming;
	char **args;
	int r, n_args;

	gc_log_set(log_to_stderr, NULL);
	r = parse_options(argc, argv, &ctl);
	if (r != 0)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	n_args = argc - optind;
	args = argv + optind;
	vacuuming =
	    ctl.vacuum.size_set || ctl.vacuum.cores || ctl.vacuum.entries || ctl.vacuum.time_sec;
	if (n_args == 0) {
		/* as coredumpctl: list; as journalctl --vacuum-size=: vacuum */
		args = vacuuming ? vacuum_verb : default_verb;
		n_args = 1;
	}
	verb = find_verb(args[0]);
	if (!verb || parse_matches(&ctl, verb, n_args, args) < 0)
		return EXIT_USAGE;
	if ((vacuuming && verb->run != verb_vacuum) || (ctl.field_set && verb->run != verb_list)) {
		gc_log(LOG_ERR, "%s: %s", verb->name,
		       vacuuming ? "--vacuum-* options are for vacuum" : "-F is for list");
		return EXIT_USAGE;
	}
	if (verb->needs_store && open_store(&ctl, false) < 0)
		return EXIT_NOT_FOUND;
	ctl.tty = isatty(STDOUT_FILENO);
	ctl.columns = terminal_columns();
	if (verb->paged && gc_pager_open(&pager, ctl.no_pager) < 0)
		pager.pid = 0; /* without one, then */
	/* Without a memfd, short JSON rather than none. */
	captured = writes_json(&ctl, verb) && json_capture_start(&capture) >= 0;
	r = verb->run(&ctl, n_args, args);
	if (captured && json_capture_end(&capture) < 0 && r == EXIT_OK)
		r = 1;
	gc_pager_close(&pager);
	gc_store_free(ctl.store);
	gc_selection_done(&ctl.selection);
	free(ctl.match_text);
	free(ctl.units);
	return r;
}
