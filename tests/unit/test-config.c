/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdbool.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "gc-build.h"
#include "log.h"
#include "macro.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x)
#define GIB	      (UINT64_C(1) << 30)

/* ---- recorded log messages ---- */

#define MAX_MESSAGES 32
static char messages[MAX_MESSAGES][2048];
static int message_priorities[MAX_MESSAGES];
static unsigned message_count;

static void record_message(int priority, const char *message, void *userdata)
{
	if (message_count < MAX_MESSAGES) {
		snprintf(messages[message_count], sizeof(messages[0]), "%s", message);
		message_priorities[message_count] = priority;
	}
	message_count++;
}

static void dump_messages(void)
{
	for (unsigned i = 0; i < message_count && i < MAX_MESSAGES; i++)
		print_message("  log[%u]: %s\n", i, messages[i]);
}

/* True when one recorded message contains every one of the NULL-terminated needles. */
static bool logged(const char *needle, ...)
{
	for (unsigned i = 0; i < message_count && i < MAX_MESSAGES; i++) {
		bool all = true;
		va_list ap;

		va_start(ap, needle);
		for (const char *n = needle; n && all; n = va_arg(ap, const char *))
			all = strstr(messages[i], n) != NULL;
		va_end(ap);
		if (all)
			return true;
	}
	dump_messages();
	return false;
}

/* ---- temporary directory ---- */

static char tmpdir[] = "/tmp/test-config-XXXXXX";
static char conf_path[PATH_MAX];
static char dropin_dir[PATH_MAX];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	strcpy(tmpdir, "/tmp/test-config-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(conf_path, sizeof(conf_path), "%s/gocrashd.conf", tmpdir);
	snprintf(dropin_dir, sizeof(dropin_dir), "%s/gocrashd.conf.d", tmpdir);
	message_count = 0;
	gc_log_set(record_message, NULL);
	gc_log_set_max_priority(LOG_DEBUG);
	return 0;
}

static int teardown(void **state)
{
	gc_log_set(NULL, NULL);
	chmod(tmpdir, 0700);
	return nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(content, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void write_dropin(const char *name, const char *content)
{
	char path[PATH_MAX * 2];

	mkdir(dropin_dir, 0755);
	snprintf(path, sizeof(path), "%s/%s", dropin_dir, name);
	write_file(path, content);
}

/* ---- comparing configurations ---- */

static void assert_config_equal(const struct gc_config *a, const struct gc_config *b)
{
	assert_non_null(a->directory);
	assert_non_null(b->directory);
	assert_string_equal(a->directory, b->directory);
	assert_int_equal(a->max_use.value, b->max_use.value);
	assert_int_equal(a->max_use.percent, b->max_use.percent);
	assert_int_equal(a->keep_free.value, b->keep_free.value);
	assert_int_equal(a->keep_free.percent, b->keep_free.percent);
	assert_int_equal(a->max_cores, b->max_cores);
	assert_int_equal(a->max_entries, b->max_entries);
	assert_int_equal(a->max_core_age_sec, b->max_core_age_sec);
	assert_int_equal(a->max_entry_age_sec, b->max_entry_age_sec);
	assert_int_equal(a->cores_per_signature, b->cores_per_signature);
	assert_int_equal(a->keep_executable, b->keep_executable);
	assert_int_equal(a->rate_limit_interval_sec, b->rate_limit_interval_sec);
	assert_int_equal(a->rate_limit_burst, b->rate_limit_burst);
	assert_int_equal(a->max_core_size, b->max_core_size);
	assert_int_equal(a->nongo, b->nongo);
	assert_int_equal(a->compression_level, b->compression_level);
	assert_int_equal(a->threads, b->threads);
	assert_int_equal(a->adaptive, b->adaptive);
}

static void assert_is_default(const struct gc_config *config)
{
	struct gc_config defaults;

	gc_config_init(&defaults);
	assert_config_equal(config, &defaults);
	gc_config_free(&defaults);
}

/* A configuration where every key differs from its default. */
static void set_all_non_default(struct gc_config *config)
{
	free(config->directory);
	config->directory = strdup("/srv/elsewhere");
	config->max_use = (struct gc_size){.value = 5 * GIB, .percent = false};
	config->keep_free = (struct gc_size){.value = 0, .percent = true};
	config->max_cores = 0;
	config->max_entries = 7;
	config->max_core_age_sec = 0;
	config->max_entry_age_sec = 90061;
	config->cores_per_signature = 0;
	config->keep_executable = GC_KEEP_EXE_ALL;
	config->rate_limit_interval_sec = 0;
	config->rate_limit_burst = 1;
	config->max_core_size = UINT64_MAX;
	config->nongo = GC_NONGO_SKIP;
	config->compression_level = GC_DEFAULT_LEVEL == -7 ? 19 : -7;
	config->threads = 64;
	config->adaptive = false;
	config->analysis_time_limit_sec = 7;
	config->analysis_memory_limit = 300 << 20;
	config->coredump_compatible = false;
}

/* Loads TEXT as the main file into a fresh default configuration. */
static int load_text(struct gc_config *config, const char *text)
{
	write_file(conf_path, text);
	gc_config_init(config);
	return gc_config_load(config, conf_path);
}

/* ---- tests ---- */

static void test_defaults(void **state)
{
	struct gc_config config;

	gc_config_init(&config);
	assert_string_equal(config.directory, GC_STORE_DIR);
	assert_int_equal(config.max_use.value, 10);
	assert_true(config.max_use.percent);
	assert_int_equal(config.keep_free.value, 15);
	assert_true(config.keep_free.percent);
	assert_int_equal(config.max_cores, 100);
	assert_int_equal(config.max_core_size, 32 * GIB);
	assert_int_equal(config.nongo, GC_NONGO_STORE);
	assert_int_equal(config.compression_level, GC_DEFAULT_LEVEL);
	assert_int_equal(config.threads, 0);
	assert_true(config.adaptive);
	gc_config_free(&config);
	assert_null(config.directory);
	gc_config_free(&config); /* twice is harmless */
	assert_int_equal(message_count, 0);
}

static void test_missing_file(void **state)
{
	struct gc_config config;

	gc_config_init(&config);
	assert_int_equal(gc_config_load(&config, conf_path), 0);
	assert_is_default(&config);
	assert_int_equal(message_count, 0);
	gc_config_free(&config);
}

static void test_good_values_fields(void **state)
{
	struct gc_config config;

	assert_int_equal(load_text(&config, "[Store]\n"
					    "Directory=/srv/crashes\n"
					    "MaxUse=2G\n"
					    "KeepFree=1.5G\n"
					    "MaxCores=0\n"
					    "MaxCoreSize=infinity\n"
					    "[Capture]\n"
					    "NonGo=summary\n"
					    "[Compression]\n"
					    "Level=-7\n"
					    "Threads=64\n"
					    "Adaptive=no\n"),
			 0);
	assert_int_equal(message_count, 0);
	assert_string_equal(config.directory, "/srv/crashes");
	assert_int_equal(config.max_use.value, 2 * GIB);
	assert_false(config.max_use.percent);
	assert_int_equal(config.keep_free.value, 3 * GIB / 2);
	assert_false(config.keep_free.percent);
	assert_int_equal(config.max_cores, 0);
	assert_int_equal(config.max_core_size, UINT64_MAX);
	assert_int_equal(config.nongo, GC_NONGO_SUMMARY);
	assert_int_equal(config.compression_level, -7);
	assert_int_equal(config.threads, 64);
	assert_false(config.adaptive);
	gc_config_free(&config);
}

/* Each good value, checked through the effective configuration's text. */
static void test_good_values(void **state)
{
	static const struct {
		const char *input, *expect;
	} cases[] = {
	    {"[Store]\nDirectory=/a/b", "Directory=/a/b\n"},
	    {"[Store]\nDirectory=//a//b/", "Directory=/a/b\n"},
	    {"[Store]\nDirectory = /with space/x ", "Directory=/with space/x\n"},
	    {"[Store]\nMaxUse=0%", "MaxUse=0%\n"},
	    {"[Store]\nMaxUse=100%", "MaxUse=100%\n"},
	    {"[Store]\nMaxUse=512M", "MaxUse=512M\n"},
	    {"[Store]\nMaxUse=1025", "MaxUse=1025\n"},
	    {"[Store]\nKeepFree=2GiB", "KeepFree=2G\n"},
	    {"[Store]\nKeepFree=0", "KeepFree=0\n"},
	    {"[Store]\nMaxCores=1", "MaxCores=1\n"},
	    {"[Store]\nMaxCores=18446744073709551615", "MaxCores=18446744073709551615\n"},
	    {"[Store]\nMaxCoreSize=1T", "MaxCoreSize=1T\n"},
	    {"[Store]\nMaxCoreSize=0", "MaxCoreSize=0\n"},
	    {"[Store]\nMaxCoreSize=INFINITY", "MaxCoreSize=infinity\n"},
	    {"[Capture]\nNonGo=store", "NonGo=store\n"},
	    {"[Capture]\nNonGo=skip", "NonGo=skip\n"},
	    {"[Capture]\nNonGo=forward", "NonGo=forward\n"},
	    {"[Capture]\nNonGo=Summary", "NonGo=summary\n"},
	    {"[Compression]\nLevel=19", "Level=19\n"},
	    {"[Compression]\nLevel=-3", "Level=-3\n"},
	    {"[Compression]\nLevel=0", "Level=0\n"},
	    {"[Compression]\nLevel=3 ; inline comment", "Level=3\n"},
	    {"[Compression]\nThreads=8", "Threads=8\n"},
	    /* Adaptive= defaults to yes: each true spelling follows a false one. */
	    {"[Compression]\nAdaptive=no", "Adaptive=no\n"},
	    {"[Compression]\nAdaptive=false", "Adaptive=no\n"},
	    {"[Compression]\nAdaptive=off", "Adaptive=no\n"},
	    {"[Compression]\nAdaptive=0", "Adaptive=no\n"},
	    {"[Compression]\nAdaptive=NO", "Adaptive=no\n"},
	    {"[Compression]\nAdaptive = False ", "Adaptive=no\n"},
	    {"[Compression]\nAdaptive=oFF", "Adaptive=no\n"},
	    {"[Compression]\nAdaptive=no\nAdaptive=yes", "Adaptive=yes\n"},
	    {"[Compression]\nAdaptive=0\nAdaptive=true", "Adaptive=yes\n"},
	    {"[Compression]\nAdaptive=off\nAdaptive=on", "Adaptive=yes\n"},
	    {"[Compression]\nAdaptive=false\nAdaptive=1", "Adaptive=yes\n"},
	    {"[Compression]\nAdaptive=no\nAdaptive=YES", "Adaptive=yes\n"},
	    {"[Compression]\nAdaptive=no\nAdaptive=True", "Adaptive=yes\n"},
	    {"[Compression]\nAdaptive=no\nAdaptive=ON ; inline comment", "Adaptive=yes\n"},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *text = NULL;
		struct gc_config config;

		message_count = 0;
		assert_int_equal(load_text(&config, cases[i].input), 0);
		assert_int_equal(gc_config_format(&config, &text), 0);
		if (!strstr(text, cases[i].expect) || message_count != 0) {
			dump_messages();
			fail_msg("%s: expected %s in\n%s", cases[i].input, cases[i].expect, text);
		}
		gc_config_free(&config);
	}
}

static void test_bad_values(void **state)
{
	static const struct {
		const char *section, *key, *value, *keeping;
	} cases[] = {
	    {"Store", "Directory", "relative/path", "keeping default " GC_STORE_DIR},
	    {"Store", "Directory", "/", "keeping default"},
	    {"Store", "Directory", "/var/../etc", "keeping default"},
	    {"Store", "Directory", "/var/./lib", "keeping default"},
	    {"Store", "Directory", "/var/crash /", "keeping default"},
	    {"Store", "MaxUse", "lots", "keeping default 10%"},
	    {"Store", "MaxUse", "101%", "keeping default 10%"},
	    {"Store", "MaxUse", "-1G", "keeping default 10%"},
	    {"Store", "MaxUse", "10%%", "keeping default 10%"},
	    {"Store", "KeepFree", "1.5%", "keeping default 15%"},
	    {"Store", "KeepFree", "99999999999T", "keeping default 15%"},
	    {"Store", "MaxCores", "-1", "keeping default 100"},
	    {"Store", "MaxCores", "ten", "keeping default 100"},
	    {"Store", "MaxCores", "99999999999999999999", "out of range"},
	    {"Store", "MaxCoreSize", "10%", "keeping default 32G"},
	    {"Store", "MaxCoreSize", "infinite", "keeping default 32G"},
	    {"Capture", "NonGo", "drop", "keeping default store"},
	    {"Compression", "Level", "20", "out of range"},
	    {"Compression", "Level", "-8", "keeping default " STRINGIFY(GC_DEFAULT_LEVEL)},
	    {"Compression", "Level", "3x", "keeping default"},
	    {"Compression", "Threads", "65", "out of range"},
	    {"Compression", "Threads", "-1", "keeping default 0"},
	    {"Compression", "Adaptive", "maybe", "expected yes or no; keeping default yes"},
	    {"Compression", "Adaptive", "y", "keeping default yes"},
	    {"Compression", "Adaptive", "2", "keeping default yes"},
	    {"Compression", "Adaptive", "-1", "keeping default yes"},
	    {"Compression", "Adaptive", "yes no", "keeping default yes"},
	    {"Compression", "Adaptive", "yesno", "keeping default yes"},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char text[256], key_value[128];
		struct gc_config config;

		/* The bad line is line 3, after a comment. */
		snprintf(text, sizeof(text), "[%s]\n# comment\n%s=%s\n", cases[i].section,
			 cases[i].key, cases[i].value);
		snprintf(key_value, sizeof(key_value), "%s=%s", cases[i].key, cases[i].value);
		message_count = 0;
		assert_int_equal(load_text(&config, text), 0);
		assert_is_default(&config);
		if (message_count != 1)
			fail_msg("%s: %u messages", key_value, message_count);
		assert_int_equal(message_priorities[0], LOG_WARNING);
		if (!logged(conf_path, ":3:", key_value, cases[i].keeping, NULL))
			fail_msg("%s: message lacks file, line, key or \"%s\"", key_value,
				 cases[i].keeping);
		gc_config_free(&config);
	}
}

static void test_bad_value_keeps_previous(void **state)
{
	struct gc_config config;

	write_dropin("50-bad.conf", "[Store]\nMaxUse=much\n");
	assert_int_equal(load_text(&config, "[Store]\nMaxUse=20%\n"), 0);
	assert_int_equal(config.max_use.value, 20);
	assert_true(config.max_use.percent);
	assert_true(logged("gocrashd.conf.d/50-bad.conf:2:", "MaxUse=much",
			   "keeping previous value 20%", NULL));
	gc_config_free(&config);
}

static void test_bad_bool_keeps_previous(void **state)
{
	struct gc_config config;

	write_dropin("50-bad.conf", "[Compression]\nAdaptive=sometimes\n");
	assert_int_equal(load_text(&config, "[Compression]\nAdaptive=off\n"), 0);
	assert_false(config.adaptive);
	assert_int_equal(message_count, 1);
	assert_true(logged("gocrashd.conf.d/50-bad.conf:2:", "[Compression] Adaptive=sometimes",
			   "keeping previous value no", NULL));
	gc_config_free(&config);
}

static void test_dropins(void **state)
{
	struct gc_config config;

	write_dropin("50-a.conf", "[Store]\nMaxUse=30%\n");
	write_dropin("10-b.conf", "[Store]\nMaxUse=25%\n[Compression]\nLevel=7\n");
	write_dropin("90-c.conf", "[Compression]\nThreads=4\n");
	write_dropin("95-d.conf.disabled", "[Compression]\nThreads=9\n");
	write_dropin(".hidden.conf", "[Compression]\nThreads=9\n");
	write_dropin("README", "not an ini file\n");
	assert_int_equal(load_text(&config, "[Store]\nMaxUse=20%\nMaxCores=5\n"
					    "[Compression]\nLevel=5\n"),
			 0);
	assert_int_equal(message_count, 0);
	assert_int_equal(config.max_use.value, 30); /* 50-a after 10-b after the main file */
	assert_int_equal(config.compression_level, 7);
	assert_int_equal(config.threads, 4);
	assert_int_equal(config.max_cores, 5);
	gc_config_free(&config);

	/* Drop-ins apply without a main file too. */
	assert_int_equal(unlink(conf_path), 0);
	gc_config_init(&config);
	assert_int_equal(gc_config_load(&config, conf_path), 0);
	assert_int_equal(config.max_use.value, 30);
	assert_int_equal(config.max_cores, 100);
	gc_config_free(&config);
}

/* Lexical means byte order, whatever the locale would say about case. */
static void test_dropin_order_is_bytewise(void **state)
{
	struct gc_config config;

	write_dropin("a.conf", "[Compression]\nThreads=1\n");
	write_dropin("B.conf", "[Compression]\nThreads=2\n");
	write_dropin("b.conf", "[Compression]\nThreads=3\n");
	gc_config_init(&config);
	assert_int_equal(gc_config_load(&config, conf_path), 0);
	assert_int_equal(config.threads, 3);
	gc_config_free(&config);
}

static void test_empty_value_resets(void **state)
{
	struct gc_config config;

	write_dropin("10-reset.conf",
		     "[Store]\nMaxUse=\nDirectory=\n[Compression]\nLevel= \nAdaptive=\n");
	assert_int_equal(load_text(&config, "[Store]\nMaxUse=20%\nDirectory=/srv/x\n"
					    "[Compression]\nLevel=9\nAdaptive=no\n"),
			 0);
	assert_int_equal(message_count, 0);
	assert_is_default(&config);
	gc_config_free(&config);
}

static void test_unknown_and_syntax(void **state)
{
	struct gc_config config;

	assert_int_equal(load_text(&config, "Orphan=1\n"	/* 1 */
					    "[Store]\n"		/* 2 */
					    "MaxUsage=20%\n"	/* 3 */
					    "maxuse=20%\n"	/* 4 */
					    "[Stor]\n"		/* 5 */
					    "MaxUse=20%\n"	/* 6 */
					    "[Store\n"		/* 7 */
					    "just some words\n" /* 8 */
					    "[Compression]\n"	/* 9 */
					    "Level=4\n"		/* 10 */
					    "MaxCores=4\n"),	/* 11 */
			 0);
	assert_true(logged(":1: Orphan=1", "outside of any section", NULL));
	assert_true(logged(":3:", "[Store] MaxUsage=20%", "unknown key", NULL));
	assert_true(logged(":4:", "maxuse", "did you mean [Store] MaxUse", NULL));
	assert_true(logged(":6:", "unknown section [Stor]", NULL));
	assert_true(logged(":7:", "missing ']'", NULL));
	assert_true(logged(":8:", "expected Key=value", NULL));
	assert_true(
	    logged(":11:", "[Compression] MaxCores=4", "did you mean [Store] MaxCores", NULL));
	assert_int_equal(message_count, 7);
	for (unsigned i = 0; i < message_count; i++) {
		assert_int_equal(message_priorities[i], LOG_WARNING);
		assert_non_null(strstr(messages[i], conf_path));
	}
	/* Nothing above touched MaxUse; the last valid line still applies. */
	assert_int_equal(config.max_use.value, 10);
	assert_int_equal(config.compression_level, 4);
	assert_int_equal(config.max_cores, 100); /* given in the wrong section */
	gc_config_free(&config);
}

/* Indentation, CRLF, a BOM and an over-long line must not shift values or line numbers. */
static void test_line_handling(void **state)
{
	struct gc_config config;
	char text[1024];
	char long_path[600];

	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	snprintf(text, sizeof(text),
		 "\xef\xbb\xbf[Store]\r\n" /* 1 */
		 "MaxCores=7\r\n"	   /* 2 */
		 "    MaxUse=20%%\n"	   /* 3: not a continuation of MaxCores */
		 "Directory=%s\n"	   /* 4: too long */
		 "\tKeepFree = 1G \n"	   /* 5 */
		 "MaxCoreSize=nonsense\n", /* 6 */
		 long_path);
	assert_int_equal(load_text(&config, text), 0);
	assert_int_equal(config.max_cores, 7);
	assert_int_equal(config.max_use.value, 20);
	assert_true(config.max_use.percent);
	assert_int_equal(config.keep_free.value, GIB);
	assert_string_equal(config.directory, GC_STORE_DIR);
	assert_true(logged(":4:", "too long", NULL));
	assert_true(logged(":6:", "MaxCoreSize=nonsense", NULL));
	assert_int_equal(message_count, 2);
	gc_config_free(&config);
}

/* A file that exists but cannot be read: logged, returned, and the rest still loads. */
static void test_unreadable_directory(void **state)
{
	struct gc_config config;

	assert_int_equal(mkdir(conf_path, 0755), 0);
	write_dropin("10-a.conf", "[Store]\nMaxCores=3\n");
	gc_config_init(&config);
	assert_int_equal(gc_config_load(&config, conf_path), -EISDIR);
	assert_int_equal(config.max_cores, 3);
	assert_true(logged(conf_path, "cannot read", NULL));
	gc_config_free(&config);
}

/* A FIFO, a device or a huge file as the configuration: refused at once, drop-ins still
 * apply. The alarm turns a hang (open() of a FIFO waits for a writer) into a failure. */
static void test_not_regular(void **state)
{
	struct gc_config config;
	FILE *f;

	assert_int_equal(mkfifo(conf_path, 0644), 0);
	write_dropin("10-a.conf", "[Store]\nMaxCores=3\n");
	gc_config_init(&config);
	alarm(10);
	assert_int_equal(gc_config_load(&config, conf_path), -EINVAL);
	alarm(0);
	assert_int_equal(config.max_cores, 3);
	assert_true(logged(conf_path, "not a regular file", NULL));
	gc_config_free(&config);

	assert_int_equal(unlink(conf_path), 0);
	assert_int_equal(symlink("/dev/zero", conf_path), 0);
	gc_config_init(&config);
	assert_int_equal(gc_config_load(&config, conf_path), -EINVAL);
	gc_config_free(&config);

	assert_int_equal(unlink(conf_path), 0);
	f = fopen(conf_path, "we");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), 2 << 20), 0);
	fclose(f);
	gc_config_init(&config);
	assert_int_equal(gc_config_load(&config, conf_path), -EFBIG);
	assert_int_equal(config.max_cores, 3);
	gc_config_free(&config);
}

static int load_unreadable(void)
{
	struct gc_config config;
	int r;

	gc_config_init(&config);
	r = gc_config_load(&config, conf_path);
	if (config.max_cores != 3) /* the readable drop-in must still apply */
		r = -EBADMSG;
	gc_config_free(&config);
	return r;
}

static void test_unreadable_eacces(void **state)
{
	pid_t pid;
	int status;

	write_file(conf_path, "[Store]\nMaxCores=2\n");
	write_dropin("10-a.conf", "[Store]\nMaxCores=3\n");
	assert_int_equal(chmod(conf_path, 0), 0);
	if (geteuid() != 0) {
		assert_int_equal(load_unreadable(), -EACCES);
		assert_true(logged(conf_path, "Permission denied", NULL));
		return;
	}
	/* Root reads anything: check EACCES as nobody, in a child. */
	assert_int_equal(chmod(tmpdir, 0755), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(100);
		_exit(load_unreadable() == -EACCES ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 100)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_parse_size(void **state)
{
	static const struct {
		const char *text;
		bool allow_percent;
		uint64_t value;
		bool percent;
	} good[] = {
	    {"0", false, 0, false},
	    {"123", false, 123, false},
	    {" 123 ", false, 123, false},
	    {"1B", false, 1, false},
	    {"4K", false, 4096, false},
	    {"4k", false, 4096, false},
	    {"4KiB", false, 4096, false},
	    {"4kib", false, 4096, false},
	    {"1M", false, 1 << 20, false},
	    {"2MiB", false, 2 << 20, false},
	    {"1.5G", false, 3 * GIB / 2, false},
	    {"0.5K", false, 512, false},
	    {"1.0009765625K", false, 1025, false},
	    {"1.7", false, 1, false}, /* fractions of a byte are dropped */
	    {"1T", false, UINT64_C(1) << 40, false},
	    {"16777215T", false, UINT64_C(16777215) << 40, false},
	    {"16777215.5T", false, (UINT64_C(16777215) << 40) + (UINT64_C(1) << 39), false},
	    {"16777215.999999999999999999999T", false, UINT64_MAX, false},
	    {"18446744073709551615", false, UINT64_MAX, false},
	    {"0%", true, 0, true},
	    {"10%", true, 10, true},
	    {"100%", true, 100, true},
	    {"10", true, 10, false},
	};
	static const struct {
		const char *text;
		bool allow_percent;
	} bad[] = {
	    {"", true},		 {" ", true},
	    {"-1", true},	 {"+1", true},
	    {"-0", true},	 {".5G", true},
	    {"1.", true},	 {"1.G", true},
	    {"G", true},	 {"1X", true},
	    {"1KB", true},	 {"1 K", true},
	    {"1K B", true},	 {"1Ki", true},
	    {"1GiBs", true},	 {"10%", false},
	    {"101%", true},	 {"1.5%", true},
	    {"%", true},	 {"10 %", true},
	    {"10%x", true},	 {"18446744073709551616", true},
	    {"16777216T", true}, {"0x10", true},
	    {"1e3", true},
	};
	struct gc_size size;

	for (size_t i = 0; i < ELEMENTSOF(good); i++) {
		size = (struct gc_size){.value = 777, .percent = !good[i].percent};
		if (gc_parse_size(good[i].text, good[i].allow_percent, &size) != 0)
			fail_msg("\"%s\" rejected", good[i].text);
		if (size.value != good[i].value || size.percent != good[i].percent)
			fail_msg("\"%s\" gave %ju%s", good[i].text, (uintmax_t)size.value,
				 size.percent ? "%" : "");
	}
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		size = (struct gc_size){.value = 777, .percent = false};
		if (gc_parse_size(bad[i].text, bad[i].allow_percent, &size) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i].text);
		assert_int_equal(size.value, 777); /* untouched on failure */
	}
	assert_int_equal(gc_parse_size(NULL, true, &size), -EINVAL);
}

static void test_parse_timespan(void **state)
{
	static const struct {
		const char *text;
		uint64_t sec;
	} good[] = {
	    {"0", 0},		{"90", 90},	 {"30s", 30},	       {"10min", 600},
	    {"10 min", 600},	{"12h", 43200},	 {"3d", 259200},       {"2w", 1209600},
	    {"1h 30min", 5400}, {"1h30m", 5400}, {"2 weeks", 1209600}, {" 5sec", 5},
	};
	static const char *const bad[] = {"",
					  " ",
					  "-1",
					  "1x",
					  "min",
					  "1.5h",
					  "10 minutes ago",
					  "18446744073709551616",
					  "40000000000000w",
					  "1h,2m"};
	uint64_t sec;

	for (size_t i = 0; i < ELEMENTSOF(good); i++) {
		sec = 777;
		if (gc_parse_timespan(good[i].text, &sec) != 0 || sec != good[i].sec)
			fail_msg("\"%s\" gave %ju", good[i].text, (uintmax_t)sec);
	}
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		sec = 777;
		if (gc_parse_timespan(bad[i], &sec) >= 0)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_int_equal(sec, 777);
	}
}

static void test_size_resolve(void **state)
{
	struct gc_size bytes = {.value = 12345, .percent = false};
	struct gc_size ten = {.value = 10, .percent = true};
	struct gc_size all = {.value = 100, .percent = true};
	struct gc_size none = {.value = 0, .percent = true};
	struct gc_size too_much = {.value = 250, .percent = true};

	assert_int_equal(gc_size_resolve(&bytes, 0), 12345);
	assert_int_equal(gc_size_resolve(&bytes, UINT64_MAX), 12345);
	assert_int_equal(gc_size_resolve(&ten, 1000), 100);
	assert_int_equal(gc_size_resolve(&ten, 999), 99);
	assert_int_equal(gc_size_resolve(&ten, 0), 0);
	assert_int_equal(gc_size_resolve(&none, 1000), 0);
	assert_int_equal(gc_size_resolve(&all, 1000), 1000);
	/* Large filesystems must not overflow fs_size * percent. */
	assert_int_equal(gc_size_resolve(&all, UINT64_MAX), UINT64_MAX);
	assert_int_equal(gc_size_resolve(&ten, UINT64_MAX), UINT64_MAX / 10);
	assert_int_equal(gc_size_resolve(&ten, UINT64_C(1) << 60), (UINT64_C(1) << 60) / 10);
	assert_int_equal(gc_size_resolve(&too_much, 1000), 1000);
}

static void roundtrip(const struct gc_config *config)
{
	_cleanup_free_ char *text = NULL, *again = NULL;
	struct gc_config loaded;

	assert_int_equal(gc_config_format(config, &text), 0);
	assert_int_equal(load_text(&loaded, text), 0);
	if (message_count != 0) {
		dump_messages();
		fail_msg("warnings on formatted text:\n%s", text);
	}
	assert_config_equal(&loaded, config);
	assert_int_equal(gc_config_format(&loaded, &again), 0);
	assert_string_equal(text, again);
	gc_config_free(&loaded);
}

static void test_format_roundtrip(void **state)
{
	static const uint64_t sizes[] = {
	    0, 1, 1023, 1024, 1025, 3 * GIB / 2, 32 * GIB, UINT64_C(5) << 40, UINT64_MAX - 1};
	_cleanup_free_ char *text = NULL;
	struct gc_config config;

	gc_config_init(&config);
	assert_int_equal(gc_config_format(&config, &text), 0);
	assert_string_equal(text, "[Store]\n"
				  "Directory=" GC_STORE_DIR "\n"
				  "MaxUse=10%\n"
				  "KeepFree=15%\n"
				  "MaxCores=100\n"
				  "MaxEntries=1000\n"
				  "MaxCoreAge=2w\n"
				  "MaxEntryAge=0\n"
				  "CoresPerSignature=3\n"
				  "KeepExecutable=go\n"
				  "MaxCoreSize=32G\n"
				  "\n"
				  "[Capture]\n"
				  "NonGo=store\n"
				  "RateLimitIntervalSec=10min\n"
				  "RateLimitBurst=5\n"
				  "\n"
				  "[Compression]\n"
				  "Level=" STRINGIFY(GC_DEFAULT_LEVEL) "\n"
								       "Threads=0\n"
								       "Adaptive=yes\n"
								       "\n"
								       "[Analysis]\n"
								       "TimeLimitSec=30\n"
								       "MemoryLimit=1G\n"
								       "\n"
								       "[Journal]\n"
								       "CoredumpCompatible=yes\n");
	roundtrip(&config);
	set_all_non_default(&config);
	roundtrip(&config);
	for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
		config.max_use = (struct gc_size){.value = sizes[i], .percent = false};
		config.max_core_size = sizes[i];
		config.compression_level = 19 - (int)i;
		config.nongo = (enum gc_nongo_policy)(i % 3);
		config.adaptive = i % 2;
		config.max_core_age_sec = sizes[i] / 1024;
		config.keep_executable = (enum gc_keep_exe)(i % 3);
		roundtrip(&config);
	}
	gc_config_free(&config);
}

/* Uncomments every "#Key=value" line of the shipped file. */
/* "#Key=value": a commented-out key of the shipped file (not a prose comment). */
static bool is_commented_key(const char *line)
{
	const char *p = line + 1;

	if (line[0] != '#' || !isupper((unsigned char)*p))
		return false;
	while (isalpha((unsigned char)*p))
		p++;
	return *p == '=';
}

static char *uncomment_shipped(const char *path)
{
	_cleanup_fclose_ FILE *in = fopen(path, "re");
	char *text = NULL, *line = NULL;
	size_t text_size = 0, line_size = 0;
	FILE *out;

	if (!in)
		return NULL;
	out = open_memstream(&text, &text_size);
	assert_non_null(out);
	while (getline(&line, &line_size, in) > 0) {
		char *p = line;
		const char *placeholder;

		if (is_commented_key(p))
			p++;
		/* The source file carries build-time placeholders (see conf/meson.build). */
		if ((placeholder = strstr(p, "@STOREDIR@")))
			fprintf(out, "%.*s%s%s", (int)(placeholder - p), p, GC_STORE_DIR,
				placeholder + strlen("@STOREDIR@"));
		else if ((placeholder = strstr(p, "@DEFAULT_LEVEL@")))
			fprintf(out, "%.*s%s%s", (int)(placeholder - p), p,
				STRINGIFY(GC_DEFAULT_LEVEL),
				placeholder + strlen("@DEFAULT_LEVEL@"));
		else
			fputs(p, out);
	}
	free(line);
	assert_int_equal(fclose(out), 0);
	return text;
}

/* Keeps only "[Section]" and "Key=value" lines, to compare with gc_config_format(). */
static void only_settings(char *text)
{
	char *out = text;

	for (char *line = text; *line;) {
		size_t length = strcspn(line, "\n");
		bool keep = line[0] == '[' || (line[0] != '#' && memchr(line, '=', length));

		if (keep) {
			memmove(out, line, length);
			out += length;
			*out++ = '\n';
		}
		line += length + (line[length] == '\n');
	}
	*out = '\0';
}

static void check_shipped(const char *path)
{
	_cleanup_free_ char *text = uncomment_shipped(path), *expected = NULL;
	struct gc_config config;

	assert_non_null(text);
	/* Every key must be in the file: load it over values that all differ. */
	write_file(conf_path, text);
	gc_config_init(&config);
	set_all_non_default(&config);
	assert_int_equal(gc_config_load(&config, conf_path), 0);
	if (message_count != 0) {
		dump_messages();
		fail_msg("%s: warnings", path);
	}
	assert_is_default(&config);
	/* Same keys, same order, same spelling as the table. */
	assert_int_equal(gc_config_format(&config, &expected), 0);
	only_settings(expected);
	only_settings(text);
	assert_string_equal(text, expected);
	gc_config_free(&config);
}

static void test_shipped_conf(void **state)
{
	const char *source_root = getenv("GC_SOURCE_ROOT");
	const char *build_root = getenv("GC_BUILD_ROOT");
	char path[PATH_MAX];

	if (!source_root)
		skip();
	snprintf(path, sizeof(path), "%s/conf/gocrashd.conf", source_root);
	check_shipped(path);
	/* The configured copy, once the build substitutes the placeholders. */
	if (build_root) {
		snprintf(path, sizeof(path), "%s/conf/gocrashd.conf", build_root);
		if (access(path, R_OK) == 0)
			check_shipped(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_good_values_fields, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_good_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_value_keeps_previous, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_bool_keeps_previous, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dropins, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dropin_order_is_bytewise, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_value_resets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_and_syntax, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_line_handling, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unreadable_directory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unreadable_eacces, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_regular, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parse_size, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parse_timespan, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_size_resolve, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_format_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shipped_conf, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
