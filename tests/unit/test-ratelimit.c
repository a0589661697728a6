/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "groups.h"
#include "log.h"
#include "macro.h"
#include "ratelimit.h"
#include "util.h"

#define SEC 1000000ull

struct fixture {
	char root[64];
	struct gc_store *store;
};

static unsigned warnings;
static char last_warning[2048];

static void capture_log(int priority, const char *message, void *userdata)
{
	if (priority > LOG_WARNING)
		return;
	warnings++;
	snprintf(last_warning, sizeof(last_warning), "%s", message);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->root, "/tmp/test-ratelimit-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	assert_int_equal(gc_store_open(f->root, true, &f->store), 0);
	warnings = 0;
	last_warning[0] = '\0';
	gc_log_set(capture_log, NULL);
	*state = f;
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	gc_log_set(NULL, NULL);
	gc_store_free(f->store);
	nftw(f->root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static struct gc_meta crash_of(const char *unit, const char *exe, uint64_t time_usec)
{
	return (struct gc_meta){
	    .time_usec = time_usec,
	    .uid = 1000,
	    .signal = 11,
	    .unit = (char *)unit,
	    .exe = (char *)exe,
	    .comm = (char *)"svc",
	};
}

/* The meta's strings are borrowed: nothing to free. */
static int count(struct fixture *f, const struct gc_ratelimit_policy *p, const char *key,
		 uint64_t time_usec, bool suppressed)
{
	struct gc_meta m = crash_of("svc.service", "/usr/bin/svc", time_usec);

	return gc_ratelimit_count(f->store, p, key, &m, suppressed, false, NULL);
}

/* gc_ratelimit_note_stored with a stored crash of group. */
static int note(struct fixture *f, const char *key, const char *group)
{
	struct gc_meta m = crash_of("svc.service", "/usr/bin/svc", 0);

	m.group = (char *)group;
	return gc_ratelimit_note_stored(f->store, key, &m);
}

static uint64_t group_count(struct fixture *f, const char *id)
{
	struct gc_group g = {};
	uint64_t n;

	if (gc_group_get(f->store, id, &g) < 0)
		return 0;
	n = g.count;
	gc_group_done(&g);
	return n;
}

static void test_key(void **state)
{
	struct gc_meta m = {.unit = (char *)"web.service", .exe = (char *)"/usr/bin/web"};
	char *key;

	key = gc_ratelimit_key(&m);
	assert_string_equal(key, "web.service");
	free(key);
	/* A user's service: the manager's unit and the service. */
	m.unit = (char *)"user@1000.service";
	m.user_unit = (char *)"app.service";
	key = gc_ratelimit_key(&m);
	assert_string_equal(key, "user@1000.service/app.service");
	free(key);
	/* A container's service. */
	m.user_unit = NULL;
	m.unit = (char *)"machine-ct.scope";
	m.container_unit = (char *)"web.service";
	key = gc_ratelimit_key(&m);
	assert_string_equal(key, "machine-ct.scope/web.service");
	free(key);
	/* A login session's scope runs anything: the executable. */
	m.container_unit = NULL;
	m.unit = (char *)"session-3.scope";
	key = gc_ratelimit_key(&m);
	assert_string_equal(key, "/usr/bin/web");
	free(key);
	m.unit = NULL;
	key = gc_ratelimit_key(&m);
	assert_string_equal(key, "/usr/bin/web");
	free(key);
	m.exe = NULL;
	assert_null(gc_ratelimit_key(&m));
}

static void test_decision(void **state)
{
	struct fixture *f = *state;
	struct gc_ratelimit_policy p = {.interval_usec = 600 * SEC, .burst = 3};
	uint64_t now = gc_clock_usec(CLOCK_REALTIME);
	struct gc_ratelimit s;

	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(gc_ratelimit_check(f->store, &p, "svc.service", now + i, NULL), 0);
		assert_int_equal(count(f, &p, "svc.service", now + i, false), 0);
	}
	/* The fourth: suppressed, and it starts the limit (its line); the fifth does not. */
	assert_int_equal(gc_ratelimit_check(f->store, &p, "svc.service", now + 3, NULL), 1);
	assert_int_equal(count(f, &p, "svc.service", now + 3, true), 1);
	assert_non_null(strstr(last_warning, "svc.service is crash-looping: 4 crashes in 10min;"));
	warnings = 0;
	assert_int_equal(gc_ratelimit_check(f->store, &p, "svc.service", now + 4, NULL), 1);
	assert_int_equal(count(f, &p, "svc.service", now + 4, true), 0);
	assert_int_equal(warnings, 0);
	/* Another service is not limited by this one. */
	assert_int_equal(gc_ratelimit_check(f->store, &p, "other.service", now + 4, NULL), 0);
	/* Off: never. */
	p.interval_usec = 0;
	assert_int_equal(gc_ratelimit_check(f->store, &p, "svc.service", now + 5, NULL), 0);
	p.interval_usec = 600 * SEC;
	assert_int_equal(gc_ratelimit_check(f->store, &p, "svc.service", now + 5, &s), 1);
	assert_string_equal(s.key, "svc.service");
	assert_int_equal(s.crashes, 5);
	assert_int_equal(s.suppressed, 2);
	assert_string_equal(s.exe, "/usr/bin/svc");
	assert_int_equal(s.uid, 1000);
	gc_ratelimit_done(&s);
	/* Nothing ended: no summary yet. */
	assert_int_equal(gc_ratelimit_flush(f->store, false), 0);
}

static void test_rollover(void **state)
{
	struct fixture *f = *state;
	struct gc_ratelimit_policy p = {.interval_usec = 10 * SEC, .burst = 1};
	uint64_t t0 = gc_clock_usec(CLOCK_REALTIME) - 3600 * SEC;
	struct gc_ratelimit s;

	assert_int_equal(count(f, &p, "svc.service", t0, false), 0);
	assert_int_equal(note(f, "svc.service", "00112233aabbccdd"), 0);
	assert_int_equal(gc_ratelimit_check(f->store, &p, "svc.service", t0 + SEC, NULL), 1);
	assert_int_equal(count(f, &p, "svc.service", t0 + SEC, true), 1);
	assert_int_equal(count(f, &p, "svc.service", t0 + 2 * SEC, true), 0);
	/* Past the interval: the next crash is stored, and the ended interval summarised. */
	assert_int_equal(gc_ratelimit_check(f->store, &p, "svc.service", t0 + 10 * SEC, NULL), 0);
	warnings = 0;
	assert_int_equal(count(f, &p, "svc.service", t0 + 10 * SEC, false), 0);
	assert_int_equal(warnings, 1);
	assert_string_equal(last_warning, "svc.service crashed 2 more times in the last 10s "
					  "(signature 00112233aabbccdd), not stored");
	assert_int_equal(gc_ratelimit_check(f->store, &p, "svc.service", t0 + 11 * SEC, &s), 1);
	assert_int_equal(s.crashes, 1);
	assert_int_equal(s.suppressed, 0);
	assert_int_equal(s.start_usec, t0 + 10 * SEC);
	assert_string_equal(s.group, "00112233aabbccdd");
	assert_true(s.summary_usec > 0);
	gc_ratelimit_done(&s);
	/* Summarised already: the flush has nothing to say. */
	assert_int_equal(gc_ratelimit_flush(f->store, false), 0);
	/* A bad group is refused, an unknown key has no state. */
	assert_int_equal(note(f, "svc.service", "../../x"), -EINVAL);
	assert_int_equal(note(f, "nope.service", "00112233aabbccdd"), -ENOENT);
	/* Both suppressed crashes went into the group known by then. */
	assert_int_equal(group_count(f, "00112233aabbccdd"), 2);
}

/* A loop that goes on past its interval stays limited: each later interval stores one crash
 * (a new bug in the loop still shows) and sends no start line again, only its summary; an
 * interval without a suppressed crash ends the loop. */
static void test_loop_stays_limited(void **state)
{
	struct fixture *f = *state;
	struct gc_ratelimit_policy p = {.interval_usec = 10 * SEC, .burst = 3};
	uint64_t t = gc_clock_usec(CLOCK_REALTIME) - 3600 * SEC;
	struct gc_ratelimit s;
	unsigned stored = 0, starts = 0;

	/* 60 crashes, one every 2 s: twelve intervals of five. */
	for (unsigned i = 0; i < 60; i++, t += 2 * SEC) {
		int suppress = gc_ratelimit_check(f->store, &p, "svc.service", t, NULL);
		int r;

		assert_true(suppress >= 0);
		r = count(f, &p, "svc.service", t, suppress);
		assert_true(r >= 0);
		starts += r;
		stored += !suppress;
		if (!suppress)
			assert_int_equal(note(f, "svc.service", "00112233aabbccdd"), 0);
	}
	assert_int_equal(starts, 1);
	assert_int_equal(stored, 3 + 11); /* the burst, then one in each later interval */
	assert_int_equal(gc_ratelimit_check(f->store, &p, "svc.service", t - SEC, &s), 1);
	assert_int_equal(s.looping, 1);
	gc_ratelimit_done(&s);
	/* Quiet for an interval, then a crash: a fresh burst. */
	t += 30 * SEC;
	assert_int_equal(count(f, &p, "svc.service", t, false), 0);
	assert_int_equal(gc_ratelimit_check(f->store, &p, "svc.service", t + SEC, &s), 0);
	assert_int_equal(s.looping, 0);
	gc_ratelimit_done(&s);
	assert_int_equal(group_count(f, "00112233aabbccdd"), 60 - 14);
}

static void test_flush(void **state)
{
	struct fixture *f = *state;
	struct gc_ratelimit_policy p = {.interval_usec = 10 * SEC, .burst = 2};
	uint64_t t0 = gc_clock_usec(CLOCK_REALTIME) - 60 * SEC;
	struct gc_ratelimit s;

	for (unsigned i = 0; i < 40; i++)
		assert_true(count(f, &p, "a.service", t0 + i, i >= 2) >= 0);
	assert_true(count(f, &p, "/usr/bin/b", t0, true) >= 0);
	assert_int_equal(count(f, &p, "c.service", t0, false), 0);
	warnings = 0;
	/* a and b have crashes to summarise, c none. */
	assert_int_equal(gc_ratelimit_flush(f->store, false), 2);
	assert_int_equal(warnings, 2);
	assert_int_equal(gc_ratelimit_check(f->store, &p, "a.service", t0 + 50, &s), 1);
	assert_int_equal(s.suppressed, 0);
	assert_int_equal(s.crashes, 40);
	gc_ratelimit_done(&s);
	warnings = 0;
	assert_int_equal(gc_ratelimit_flush(f->store, false), 0);
	assert_int_equal(warnings, 0);
}

static void test_summary_text(void **state)
{
	struct fixture *f = *state;
	struct gc_ratelimit_policy p = {.interval_usec = 600 * SEC, .burst = 5};
	uint64_t t0 = gc_clock_usec(CLOCK_REALTIME) - 3600 * SEC;
	struct gc_meta label = crash_of("svc.service", "/usr/bin/svc", 0);
	char group[GC_GROUP_LEN + 1], expected[256];

	for (unsigned i = 0; i < 42; i++)
		assert_true(count(f, &p, "myservice.service", t0 + i * SEC, i >= 5) >= 0);
	assert_int_equal(gc_ratelimit_flush(f->store, false), 1);
	/* No stored crash was grouped: the crashes went into the executable's and signal's. */
	gc_group_of(&label, group);
	snprintf(expected, sizeof(expected),
		 "myservice.service crashed 37 more times in the last 10min (signature %s), not "
		 "stored",
		 group);
	assert_string_equal(last_warning, expected);
	assert_int_equal(group_count(f, group), 37);
}

/* Suppressed before any stored crash was grouped: counted into the group the next one gives;
 * and at the interval's end, into the one the label gives when none came. */
static void test_ungrouped(void **state)
{
	struct fixture *f = *state;
	struct gc_ratelimit_policy p = {.interval_usec = 10 * SEC, .burst = 1};
	uint64_t t0 = gc_clock_usec(CLOCK_REALTIME) - 60 * SEC;
	struct gc_meta label = crash_of("svc.service", "/usr/bin/svc", 0);
	char fallback[GC_GROUP_LEN + 1];
	struct gc_ratelimit s;

	assert_int_equal(count(f, &p, "svc.service", t0, false), 0);
	for (unsigned i = 1; i <= 4; i++)
		assert_true(count(f, &p, "svc.service", t0 + i, true) >= 0);
	assert_int_equal(gc_ratelimit_check(f->store, &p, "svc.service", t0 + 5, &s), 1);
	assert_int_equal(s.ungrouped, 4);
	gc_ratelimit_done(&s);
	assert_int_equal(note(f, "svc.service", "0123456789abcdef"), 0);
	assert_int_equal(group_count(f, "0123456789abcdef"), 4);
	assert_true(count(f, &p, "svc.service", t0 + 6, true) >= 0);
	assert_int_equal(group_count(f, "0123456789abcdef"), 5);

	/* Another service, no stored crash grouped before its interval ends. */
	assert_int_equal(count(f, &p, "/usr/bin/svc", t0, false), 0);
	for (unsigned i = 1; i <= 3; i++)
		assert_true(count(f, &p, "/usr/bin/svc", t0 + i, true) >= 0);
	assert_int_equal(gc_ratelimit_flush(f->store, false), 2);
	gc_group_of(&label, fallback);
	assert_int_equal(group_count(f, fallback), 3);
	assert_non_null(strstr(last_warning, fallback));
	assert_int_equal(gc_ratelimit_check(f->store, &p, "/usr/bin/svc", t0 + 5, &s), 1);
	assert_int_equal(s.ungrouped, 0);
	assert_string_equal(s.group, fallback);
	gc_ratelimit_done(&s);
}

static unsigned files_in(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	unsigned n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Units and paths are the crashed process's: any bytes, in the file and in the key. */
static void test_hostile_key(void **state)
{
	struct fixture *f = *state;
	struct gc_ratelimit_policy p = {.interval_usec = 600 * SEC, .burst = 1};
	const char *keys[] = {
	    "/tmp/a\nkey=evil\ncrashes=0",
	    "/tmp/back\\slash\\",
	    "/tmp/\t\r\x1b[31m\xff\xfe",
	    "../../../../etc/passwd",
	    "x=y",
	};
	uint64_t now = gc_clock_usec(CLOCK_REALTIME);
	char dir[128];

	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		struct gc_ratelimit s;

		assert_int_equal(count(f, &p, keys[i], now, false), 0);
		assert_int_equal(gc_ratelimit_check(f->store, &p, keys[i], now + 1, &s), 1);
		assert_string_equal(s.key, keys[i]);
		assert_int_equal(s.crashes, 1);
		gc_ratelimit_done(&s);
	}
	snprintf(dir, sizeof(dir), "%s/" GC_RATELIMIT_DIR, f->root);
	assert_int_equal(files_in(dir), ELEMENTSOF(keys));
	assert_int_equal(files_in(f->root), 0); /* nothing outside .ratelimit */
}

/* Files the handler did not write: garbage, a state under another key's name, a symlink. */
static void test_foreign_files(void **state)
{
	struct fixture *f = *state;
	struct gc_ratelimit_policy p = {.interval_usec = 600 * SEC, .burst = 1};
	char path[256], hash[GC_RATELIMIT_GROUP_LEN + 1], other[GC_RATELIMIT_GROUP_LEN + 1];
	uint64_t now = gc_clock_usec(CLOCK_REALTIME);
	int fd;

	assert_int_equal(count(f, &p, "svc.service", now, false), 0);
	gc_ratelimit_key_hash("svc.service", hash);
	gc_ratelimit_key_hash("other.service", other);
	/* other's name holds svc's state: it is not other's. */
	snprintf(path, sizeof(path), "cp %s/.ratelimit/%s %s/.ratelimit/%s", f->root, hash, f->root,
		 other);
	assert_int_equal(system(path), 0);
	assert_int_equal(gc_ratelimit_check(f->store, &p, "other.service", now + 1, NULL), 0);
	snprintf(path, sizeof(path), "%s/.ratelimit/0123456789abcdef", f->root);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\\\n=\xff\0key", 9), 9);
	close(fd);
	snprintf(path, sizeof(path), "%s/.ratelimit/fedcba9876543210", f->root);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(gc_ratelimit_flush(f->store, false), 0);
	/* Only svc's own state is left. */
	snprintf(path, sizeof(path), "%s/.ratelimit", f->root);
	assert_int_equal(files_in(path), 1);
	assert_int_equal(gc_ratelimit_check(f->store, &p, "svc.service", now + 1, NULL), 1);
}

/* The state directory replaced by a symlink: not followed. */
static void test_dir_symlink(void **state)
{
	struct fixture *f = *state;
	struct gc_ratelimit_policy p = {.interval_usec = 600 * SEC, .burst = 1};
	char path[128], target[128];
	uint64_t now = gc_clock_usec(CLOCK_REALTIME);

	snprintf(target, sizeof(target), "%s/elsewhere", f->root);
	assert_int_equal(mkdir(target, 0700), 0);
	snprintf(path, sizeof(path), "%s/.ratelimit", f->root);
	assert_int_equal(symlink(target, path), 0);
	assert_true(count(f, &p, "svc.service", now, false) < 0);
	assert_int_equal(gc_ratelimit_check(f->store, &p, "svc.service", now + 1, NULL), 0);
	assert_int_equal(files_in(target), 0);
	assert_true(gc_ratelimit_flush(f->store, false) < 0);
}

static void test_parse(void **state)
{
	struct gc_ratelimit s = {.uid = -1}, back;
	char *text;
	const char garbage[] = "crashes=-1\nstart_usec=abc\ngroup=XYZ\nuid=99999999999999999999\n"
			       "\\\n=\n\n==\nkey=\\q\n";

	assert_int_equal(gc_ratelimit_parse("crashes=3\n", 10, &back), -EBADMSG);
	assert_int_equal(gc_ratelimit_parse(garbage, sizeof(garbage) - 1, &back), -EBADMSG);
	s.key = strdup("k\\\n\t\r");
	s.comm = strdup("c=1");
	s.crashes = 7;
	s.uid = 0;
	strcpy(s.group, "0123456789abcdef");
	assert_int_equal(gc_ratelimit_format(&s, &text), 0);
	assert_int_equal(gc_ratelimit_parse(text, strlen(text), &back), 0);
	assert_string_equal(back.key, s.key);
	assert_string_equal(back.comm, "c=1");
	assert_int_equal(back.crashes, 7);
	assert_int_equal(back.uid, 0);
	assert_string_equal(back.group, s.group);
	assert_null(back.exe);
	free(text);
	gc_ratelimit_done(&back);
	gc_ratelimit_done(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key),
	    cmocka_unit_test_setup_teardown(test_decision, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollover, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_loop_stays_limited, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_summary_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ungrouped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreign_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dir_symlink, setup, teardown),
	    cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
