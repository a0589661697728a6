/* SPDX-License-Identifier: MIT */
/* NonGo=forward: the previous handler's pattern expanded as the kernel would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"

/* Linked with --wrap=reallocarray (tests/meson.build): the call numbered fail_at fails. */
void *__real_reallocarray(void *ptr, size_t nmemb, size_t size);
void *__wrap_reallocarray(void *ptr, size_t nmemb, size_t size);
static unsigned reallocarray_calls, fail_at;

void *__wrap_reallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (++reallocarray_calls == fail_at) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_reallocarray(ptr, nmemb, size);
}

static const struct gc_forward_values values = {
    .pid = 7,
    .global_pid = 1234,
    .tid = 8,
    .global_tid = 1235,
    .uid = 1000,
    .gid = 100,
    .dump_mode = 1,
    .signal = 11,
    .time_sec = 1700000000,
    .hostname = "web-1",
    .comm = "my prog/x",
    .exe_path = "/usr/bin/my prog",
    .core_limit = UINT64_MAX,
    .cpu = 3,
    .pidfd = 5,
};

static void assert_argv_of(const struct gc_forward_values *v, const char *pattern,
			   const char *const *want)
{
	char **argv = NULL;
	size_t i;

	assert_int_equal(gc_forward_argv(pattern, v, &argv), 0);
	for (i = 0; want[i]; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[i]);
	gc_strv_free(argv);
}

static void assert_argv(const char *pattern, const char *const *want)
{
	assert_argv_of(&values, pattern, want);
}

static void test_systemd_coredump(void **state)
{
	assert_argv("|/lib/systemd/systemd-coredump %P %u %g %s %t 9223372036854775808 %h",
		    (const char *const[]){"/lib/systemd/systemd-coredump", "1234", "1000", "100",
					  "11", "1700000000", "9223372036854775808", "web-1",
					  NULL});
}

static void test_apport(void **state)
{
	assert_argv("|/usr/share/apport/apport -p%p -s%s -c%c -d%d -P%P -u%u -g%g -- %E",
		    (const char *const[]){"/usr/share/apport/apport", "-p7", "-s11",
					  "-c18446744073709551615", "-d1", "-P1234", "-u1000",
					  "-g100", "--", "!usr!bin!my prog", NULL});
}

/* A space inside an expanded value does not split; '/' in %e becomes '!'; %f keeps the
 * file name; unknown specifiers vanish; a trailing lone % too. */
static void test_words_and_escapes(void **state)
{
	assert_argv("|/bin/h  %e %f %i/%I %C %F 100%% %q%z x%",
		    (const char *const[]){"/bin/h", "my prog!x", "my prog", "8/1235", "3", "5",
					  "100%", "", "x", NULL});
}

/* As fs/coredump.c: the pattern splits on any whitespace (tabs, newlines too); %h is escaped
 * like %e, and a name that expands to nothing gives "!". */
static void test_kernel_splitting_and_escapes(void **state)
{
	struct gc_forward_values v = values;

	v.hostname = "a/b";
	assert_argv_of(&v, "|/bin/h\t%h\n%p\v\f\r x",
		       (const char *const[]){"/bin/h", "a!b", "7", "x", NULL});
	v.hostname = "";
	v.comm = "";
	assert_argv_of(&v, "|/bin/h %h %e", (const char *const[]){"/bin/h", "!", "!", NULL});
}

static void test_not_a_pipe(void **state)
{
	char **argv = NULL;

	assert_int_equal(gc_forward_argv("core.%p", &values, &argv), -EINVAL);
	assert_int_equal(gc_forward_argv("|", &values, &argv), -EINVAL);
	assert_int_equal(gc_forward_argv("|   ", &values, &argv), -EINVAL);
	assert_int_equal(gc_forward_argv(NULL, &values, &argv), -EINVAL);
	assert_null(argv);
}

/* The first word's allocation failing once wrote through a NULL argv. */
static void test_allocation_failure_at_each_word(void **state)
{
	for (fail_at = 1; fail_at <= 3; fail_at++) {
		char **argv = NULL;

		reallocarray_calls = 0;
		assert_int_equal(gc_forward_argv("|/bin/h a b", &values, &argv), -ENOMEM);
		assert_null(argv);
	}
	fail_at = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_systemd_coredump),
	    cmocka_unit_test(test_apport),
	    cmocka_unit_test(test_words_and_escapes),
	    cmocka_unit_test(test_kernel_splitting_and_escapes),
	    cmocka_unit_test(test_not_a_pipe),
	    cmocka_unit_test(test_allocation_failure_at_each_word),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
