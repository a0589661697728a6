/* SPDX-License-Identifier: MIT */
/* What /proc tells the handler: the stat fields read past a hostile comm, and whether the
 * PID is the dumping process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

static void test_stat_field(void **state)
{
	/* A comm with spaces and parentheses: fields count from its last ')'. */
	static const char stat[] = "1234 (a) b) 9 9) S 1 1234 1234 0 -1 4194816 100 0 0 0";
	uint64_t v = 0;

	(void)state;
	assert_int_equal(gc_proc_stat_field(stat, 4, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(gc_proc_stat_field(stat, 9, &v), 0);
	assert_int_equal(v, 4194816);
	assert_int_equal(gc_proc_stat_field(stat, 13, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(gc_proc_stat_field(stat, 14, &v), -EBADMSG);
	assert_int_equal(gc_proc_stat_field(stat, 3, &v), -EBADMSG); /* "S" */
	assert_int_equal(gc_proc_stat_field(stat, 2, &v), -EBADMSG);
	assert_int_equal(gc_proc_stat_field("no parenthesis 1 2 3", 4, &v), -EBADMSG);
	assert_int_equal(gc_proc_stat_field("1 (x) S", 4, &v), -EBADMSG);
}

/* A live process that is not writing a core is not believed: nothing of it is kept. */
static void test_not_dumping(void **state)
{
	struct gc_proc_info info;

	(void)state;
	gc_proc_collect(getpid(), &info);
	assert_int_equal(info.check, GC_PROC_NOT_DUMPING);
	assert_int_equal(info.exe_fd, -EBADF);
	assert_null(info.exe);
	assert_null(info.comm);
	assert_int_equal(info.euid, -1);
	assert_int_equal(info.dump_mode, -1);
	gc_proc_info_done(&info);
	assert_string_equal(gc_proc_check_name(GC_PROC_NOT_DUMPING), "not dumping");
	assert_null(gc_proc_check_name(GC_PROC_NOT_CHECKED));
}

static void test_gone(void **state)
{
	struct gc_proc_info info;
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	gc_proc_collect(pid, &info);
	assert_int_equal(info.check, GC_PROC_GONE);
	assert_null(info.cmdline);
	gc_proc_info_done(&info);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stat_field),
	    cmocka_unit_test(test_not_dumping),
	    cmocka_unit_test(test_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
