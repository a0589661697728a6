/* SPDX-License-Identifier: MIT */
/* Which crashes gocrashctl's matches and time window select (lib/select.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "meta.h"
#include "select.h"

#define SEC UINT64_C(1000000)
/* Thu 2026-12-03 18:00:00 UTC */
#define NOW (UINT64_C(1796320800) * SEC)

static struct gc_meta crash(const char *id, int64_t pid, const char *comm, const char *exe,
			    const char *unit, int signal, uint64_t time_usec)
{
	return (struct gc_meta){.id = (char *)id,
				.pid = pid,
				.comm = (char *)comm,
				.exe = (char *)exe,
				.unit = (char *)unit,
				.signal = signal,
				.uid = 1000,
				.time_usec = time_usec};
}

static bool selects(const char *const *args, const struct gc_meta *m)
{
	struct gc_selection sel = {};
	bool r;

	for (; *args; args++)
		assert_int_equal(gc_selection_add(&sel, *args), 0);
	r = gc_selection_matches(&sel, m);
	gc_selection_done(&sel);
	return r;
}

#define SELECTS(m, ...) selects((const char *const[]){__VA_ARGS__, NULL}, m)

static void test_kinds(void **state)
{
	struct gc_meta m = crash("20261203-175800-4242", 4242, "myservice", "/usr/bin/myservice",
				 "myservice.service", 11, NOW);
	struct gc_selection sel = {};

	assert_true(SELECTS(&m, "4242"));
	assert_false(SELECTS(&m, "4243"));
	assert_true(SELECTS(&m, "myservice"));
	assert_false(SELECTS(&m, "myservic"));
	assert_true(SELECTS(&m, "/usr/bin/myservice"));
	assert_false(SELECTS(&m, "/usr/bin"));
	assert_true(SELECTS(&m, "myservice.service"));
	assert_true(SELECTS(&m, "20261203"));
	assert_true(SELECTS(&m, "20261203-1758"));
	assert_false(SELECTS(&m, "20261204"));
	assert_true(SELECTS(&m, "uid=1000"));
	assert_true(SELECTS(&m, "GOCRASH_UID=1000"));
	assert_true(SELECTS(&m, "signal=SIGSEGV"));
	assert_true(SELECTS(&m, "signal=11"));
	assert_false(SELECTS(&m, "signal=SIGABRT"));
	assert_true(SELECTS(&m, "Comm=myservice"));
	/* A field it has no value for matches nothing, not the empty string. */
	assert_false(SELECTS(&m, "go_signature="));
	assert_int_equal(gc_selection_add(&sel, "nosuchfield=1"), -EINVAL);
	assert_int_equal(gc_selection_add(&sel, ""), -EINVAL);
	/* Notes fields are never stored: not a field to match on. */
	assert_int_equal(gc_selection_add(&sel, "core_comm=x"), -EINVAL);
	gc_selection_done(&sel);
}

/* The same kind: alternatives; different kinds: all must hold (journalctl's rule). */
static void test_combining(void **state)
{
	struct gc_meta m = crash("20261203-175800-4242", 4242, "myservice", NULL, NULL, 6, NOW);

	assert_true(SELECTS(&m, "1", "4242"));
	assert_true(SELECTS(&m, "4242", "myservice"));
	assert_false(SELECTS(&m, "4242", "other"));
	assert_true(SELECTS(&m, "4242", "other", "myservice"));
	assert_true(SELECTS(&m, "uid=1", "uid=1000"));
	assert_false(SELECTS(&m, "uid=1000", "signal=11"));
	assert_true(SELECTS(&m, "uid=1000", "signal=11", "signal=6"));
}

static void test_signature_and_window(void **state)
{
	struct gc_meta m = crash("20261203-175800-1", 1, "x", NULL, NULL, 6, NOW);
	struct gc_selection sel = {};

	m.go_signature = "1a2b3c4d5e6f";
	assert_int_equal(gc_selection_add_signature(&sel, "1a2b"), 0);
	assert_true(gc_selection_matches(&sel, &m));
	assert_false(gc_selection_is_id(&sel));
	m.go_signature = "ffff";
	assert_false(gc_selection_matches(&sel, &m));
	/* a program that is not Go: its group */
	m.go_signature = NULL;
	m.group = "1a2b000011112222";
	assert_true(gc_selection_matches(&sel, &m));
	m.group = NULL;
	gc_selection_done(&sel);

	sel.since_usec = NOW - SEC;
	sel.until_usec = NOW + SEC;
	assert_true(gc_selection_matches(&sel, &m));
	sel.since_usec = NOW + 1;
	assert_false(gc_selection_matches(&sel, &m));
	sel.since_usec = 0;
	sel.until_usec = NOW - 1;
	assert_false(gc_selection_matches(&sel, &m));

	sel = (struct gc_selection){};
	assert_int_equal(gc_selection_add(&sel, "20261203-1758"), 0);
	assert_true(gc_selection_is_id(&sel));
	gc_selection_done(&sel);
}

static uint64_t when(const char *text)
{
	uint64_t t = 0;

	assert_int_equal(gc_parse_time(text, NOW + 1234, &t), 0);
	return t;
}

static void test_time(void **state)
{
	uint64_t t;

	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(when("now"), NOW + 1234);
	assert_int_equal(when("today"), NOW - 18 * 3600 * SEC);
	assert_int_equal(when("yesterday"), NOW - 42 * 3600 * SEC);
	assert_int_equal(when("tomorrow"), NOW + 6 * 3600 * SEC);
	assert_int_equal(when("2026-12-03"), NOW - 18 * 3600 * SEC);
	assert_int_equal(when("2026-12-03 17:30"), NOW - 1800 * SEC);
	assert_int_equal(when("2026-12-03 17:30:05"), NOW - 1795 * SEC);
	assert_int_equal(when("2026-12-03T17:30:05"), NOW - 1795 * SEC);
	assert_int_equal(when("17:30"), NOW - 1800 * SEC);
	assert_int_equal(when("@1796320800"), NOW);
	assert_int_equal(when("-1h"), NOW + 1234 - 3600 * SEC);
	assert_int_equal(when("+30min"), NOW + 1234 + 1800 * SEC);
	assert_int_equal(when("-1h 30min"), NOW + 1234 - 5400 * SEC);
	assert_int_equal(when("-1h30m"), NOW + 1234 - 5400 * SEC);
	assert_int_equal(when("2d ago"), NOW + 1234 - 2 * 86400 * SEC);
	assert_int_equal(when("3 days ago"), NOW + 1234 - 3 * 86400 * SEC);
	assert_int_equal(when("-1w"), NOW + 1234 - 7 * 86400 * SEC);
	/* Far in the past: the epoch, not a wrapped-around future. */
	assert_int_equal(when("-100000y"), 0);

	static const char *const bad[] = {"",
					  "garbage",
					  "-",
					  "-1",
					  "-1 parsec",
					  "1h",
					  "ago",
					  "- ago",
					  "-1h ago",
					  "@",
					  "@12x",
					  "2026-13-40",
					  "25:00",
					  "17:30 tomorrow",
					  "+99999999999999999999s",
					  "@99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(gc_parse_time(bad[i], NOW, &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_combining),
	    cmocka_unit_test(test_signature_and_window),
	    cmocka_unit_test(test_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
