/* SPDX-License-Identifier: MIT */
/* The crash signature over frames as real programs print them: what changes with the Go
 * release (wrappers, standard library internals) must not change it; what changes with the
 * bug (the program's own frames, the reason class) must. The funcID test needs a real
 * function table and is covered end to end by tests/e2e/go-stacks.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "gosignature.h"

#define MAX_TEST_FRAMES 8

/* The signature of a crash with reason and these frames (NULL-terminated), innermost first,
 * in a program whose main module is mod_path. */
static char *signature(const char *mod_path, const char *reason, const char *const *funcs)
{
	const char *sig = strstr(reason, "unexpected signal")
			      ? "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x1]"
			      : NULL;
	struct gc_go_frame frames[MAX_TEST_FRAMES] = {};
	struct gc_goroutine g = {.id = 1, .crashed = true, .frames = frames};
	struct gc_go_report r = {
	    .goroutines = &g, .n_goroutines = 1, .reason = (char *)reason, .signal = (char *)sig};
	struct gc_go_target t = {.build.mod_path = (char *)mod_path};
	char *ret;

	for (; funcs[g.n_frames]; g.n_frames++)
		frames[g.n_frames].func = funcs[g.n_frames];
	assert_int_equal(gc_go_signature(&t, &r), 0);
	ret = r.signature;
	assert_non_null(ret);
	assert_int_equal(strlen(ret), 16);
	return ret;
}

static void assert_same(const char *mod, const char *reason_a, const char *const *a,
			const char *reason_b, const char *const *b, bool same)
{
	char *sa = signature(mod, reason_a, a), *sb = signature(mod, reason_b, b);

	if (same)
		assert_string_equal(sa, sb);
	else
		assert_string_not_equal(sa, sb);
	free(sa);
	free(sb);
}

#define FRAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* go1.21 names a go statement's wrapper main.main.func3, go1.22 main.main.gowrap1. */
static void test_go_wrappers(void **state)
{
	(void)state;
	assert_same("example.com/svc", "panic: boom",
		    FRAMES("panic", "main.worker", "main.main.gowrap1", "runtime.goexit"),
		    "panic: other", FRAMES("panic", "main.worker", "runtime.goexit"), true);
	assert_same(NULL, "panic: x", FRAMES("main.(*T).run", "main.(*T).run-fm", "main.main"),
		    "panic: x", FRAMES("main.(*T).run", "main.main"), true);
	assert_same(NULL, "panic: x", FRAMES("main.f", "main.main.deferwrap2", "main.main"),
		    "panic: x", FRAMES("main.f", "main.main"), true);
	/* A closure the program wrote is the program's code. */
	assert_same(NULL, "panic: x", FRAMES("main.main.func1", "main.main"), "panic: x",
		    FRAMES("main.main.func2", "main.main"), false);
}

/* go1.24 moved sync.Mutex's slow path to internal/sync. */
static void test_standard_library(void **state)
{
	(void)state;
	assert_same("example.com/svc", "fatal error: sync: unlock of unlocked mutex",
		    FRAMES("sync.fatal", "sync.(*Mutex).unlockSlow", "sync.(*Mutex).Unlock",
			   "main.unlockTwice", "main.main"),
		    "fatal error: sync: unlock of unlocked mutex",
		    FRAMES("internal/sync.fatal", "internal/sync.(*Mutex).unlockSlow",
			   "sync.(*Mutex).Unlock", "main.unlockTwice", "main.main"),
		    true);
	/* With no code of the program on the stack, the standard library's frames tell. */
	assert_same(NULL, "panic: x", FRAMES("net/http.(*conn).serve", "runtime.goexit"),
		    "panic: x", FRAMES("net/http.(*Server).Serve", "runtime.goexit"), false);
	/* A module whose path has no dot is the program when it is the main module. */
	assert_same("myservice", "panic: x", FRAMES("sync.a", "myservice/api.Handle"), "panic: x",
		    FRAMES("sync.b", "myservice/api.Handle"), true);
	assert_same("myservice", "panic: x", FRAMES("myservice/api.Handle"), "panic: x",
		    FRAMES("myservice/api.Other"), false);
	/* A dependency (a domain in its path) is the program's code too. */
	assert_same(NULL, "panic: x", FRAMES("fmt.Sprintf", "github.com/a/b.F", "main.main"),
		    "panic: x", FRAMES("github.com/a/b.F", "main.main"), true);
	assert_same(NULL, "panic: x", FRAMES("github.com/a/b.F", "main.main"), "panic: x",
		    FRAMES("github.com/a/b.G", "main.main"), false);
	/* Compiler-generated type functions are no package of the program. */
	assert_same(NULL, "panic: x", FRAMES("type:.eq.main.T", "main.f"), "panic: x",
		    FRAMES("type..eq.main.T", "main.f"), true);
}

static void test_reason_class(void **state)
{
	(void)state;
	assert_same(NULL, "panic: runtime error: index out of range [5] with length 3",
		    FRAMES("main.f"), "panic: runtime error: index out of range [7] with length 2",
		    FRAMES("main.f"), true);
	assert_same(NULL, "panic: runtime error: index out of range [5] with length 3",
		    FRAMES("main.f"),
		    "panic: runtime error: invalid memory address or nil pointer dereference",
		    FRAMES("main.f"), false);
	assert_same(NULL, "SIGQUIT: quit", FRAMES("main.f"), "SIGABRT: abort", FRAMES("main.f"),
		    false);
	/* A fault in C: go1.19 throws, go1.21 names the signal. */
	assert_same(NULL, "SIGSEGV: segmentation violation\nPC=0x4a0b1c m=0 sigcode=1 addr=0x0",
		    FRAMES("main._Cfunc_crash", "main.main"),
		    "fatal error: unexpected signal during runtime execution",
		    FRAMES("main._Cfunc_crash", "main.main"), true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_go_wrappers),
	    cmocka_unit_test(test_standard_library),
	    cmocka_unit_test(test_reason_class),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
