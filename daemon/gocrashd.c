/* SPDX-License-Identifier: MIT */
/* gocrashd: the kernel's core_pattern pipe handler. Thin: parse the kernel's arguments,
 * route library messages to journald (kmsg when it is down), and capture. It never returns an
 * error to the kernel, which could do nothing with it anyway. */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "capture.h"
#include "config.h"
#include "escape.h"
#include "gc-build.h"
#include "journal.h"
#include "log.h"
#include "macro.h"

struct options {
	const char *config_path;
	const char *store_dir;
	const char *exe_path;
	const char *dump_mode;
	bool journal;
	char **positional;
	int n_positional;
};

static void log_to_journal(int priority, const char *message, void *userdata)
{
	const bool *journal = userdata;

	/* stderr is /dev/null under the kernel; for replays and imports it is the terminal. */
	_cleanup_free_ char *safe = gc_escape(message, 0);

	fprintf(stderr, "gocrashd: %s\n", safe ? safe : "(a message, lost: out of memory)");
	if (!*journal)
		return;
	if (!gc_journal_available() ||
	    sd_journal_send("MESSAGE=%s", message, "PRIORITY=%d", priority,
			    "SYSLOG_IDENTIFIER=gocrashd", NULL) < 0)
		gc_kmsg(priority, message);
}

/* The kernel starts helpers with only stdin open; without this, the first open() would get
 * fd 1 or 2 and a stray fprintf(stderr) would land in the core file. */
static void ensure_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) < 0)
			break;
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: gocrashd [OPTIONS] PID COMM SIGNAL [TIMESTAMP UID GID]\n"
	    "Reads a core dump on stdin (as kernel.core_pattern's pipe handler) and stores it.\n\n"
	    "  --config=FILE  configuration file (default %s)\n"
	    "  --store=DIR    store directory, overriding the configuration\n"
	    "  --exe=FILE     executable to inspect instead of /proc/PID/exe\n"
	    "  --dump-mode=N  the kernel's %%d (1, or 2 for a process not dumpable by its user)\n"
	    "  --no-journal   do not write to journald\n"
	    "  --help, --version\n",
	    GC_CONFIG_FILE);
}

/* Returns 0 to go on, 1 to exit successfully (help, version), -EINVAL on a bad option. */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option long_options[] = {
	    {"config", required_argument, NULL, 'c'}, {"store", required_argument, NULL, 's'},
	    {"exe", required_argument, NULL, 'e'},    {"dump-mode", required_argument, NULL, 'd'},
	    {"no-journal", no_argument, NULL, 'n'},   {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},      {},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+", long_options, NULL)) >= 0) {
		switch (c) {
		case 'c':
			o->config_path = optarg;
			break;
		case 's':
			o->store_dir = optarg;
			break;
		case 'e':
			o->exe_path = optarg;
			break;
		case 'd':
			o->dump_mode = optarg;
			break;
		case 'n':
			o->journal = false;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			puts("gocrashd " GC_VERSION);
			return 1;
		default:
			return -EINVAL;
		}
	}
	o->positional = argv + optind;
	o->n_positional = argc - optind;
	return 0;
}

static int64_t parse_number(const char *text, int64_t fallback)
{
	char *end;
	long long value;

	if (!text || !*text)
		return fallback;
	errno = 0;
	value = strtoll(text, &end, 10);
	return errno || *end ? fallback : value;
}

/* %e is the comm, which may contain spaces and then spans several words: the words between
 * PID and SIGNAL (or between PID and the three numbers of %s %t %u %g) are the comm. */
static char *join_words(char **words, int n)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	s = calloc(1, len);
	for (int i = 0; s && i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, words[i]);
	}
	return s;
}

static char *fill_request(const struct options *o, struct gc_capture_request *req)
{
	char **p = o->positional;
	int n = o->n_positional, comm_words;
	int64_t dump_mode;

	req->pid = n > 0 ? (pid_t)parse_number(p[0], 0) : 0;
	req->uid = req->gid = -1;
	if (n >= 6) {
		comm_words = n - 5;
		req->signal = (int)parse_number(p[n - 4], 0);
		req->time_usec = (uint64_t)parse_number(p[n - 3], 0) * 1000000;
		req->uid = parse_number(p[n - 2], -1);
		req->gid = parse_number(p[n - 1], -1);
	} else if (n >= 3) {
		comm_words = n - 2;
		req->signal = (int)parse_number(p[n - 1], 0);
	} else {
		comm_words = n - 1;
	}
	dump_mode = parse_number(o->dump_mode, -1);
	req->dump_mode = dump_mode == 1 || dump_mode == 2 ? (int)dump_mode : -1;
	req->exe_path = o->exe_path;
	req->input_fd = STDIN_FILENO;
	req->journal = o->journal;
	return comm_words > 0 ? join_words(p + 1, comm_words) : NULL;
}

int main(int argc, char **argv)
{
	struct options o = {.config_path = GC_CONFIG_FILE, .journal = true};
	struct gc_capture_request request = {};
	struct gc_config config;
	_cleanup_free_ char *comm = NULL;
	int r;

	ensure_std_fds();
	umask(0077);
	signal(SIGPIPE, SIG_IGN);
	r = parse_options(argc, argv, &o);
	if (r > 0)
		return 0;
	if (r < 0) {
		usage(stderr);
		return 2;
	}
	gc_log_set(log_to_journal, &o.journal);
	gc_config_init(&config);
	gc_config_load(&config, o.config_path);
	if (o.store_dir) {
		free(config.directory);
		config.directory = strdup(o.store_dir);
	}
	comm = fill_request(&o, &request);
	request.comm = comm;
	request.config = &config;
	r = gc_capture(&request, NULL);
	if (r < 0)
		gc_log_errno(LOG_CRIT, r, "the core of PID %d could not be stored",
			     (int)request.pid);
	gc_config_free(&config);
	return 0;
}
