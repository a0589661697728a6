/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "meta.h"

/* Every byte a value may hold that needs care: escapes, '=', control bytes, UTF-8. */
#define NASTY "a\\b\nc\td\re=f\x01\x7f ü日本 \\n"

static void fill_all(struct gc_meta *m)
{
	*m = (struct gc_meta){
	    .id = strdup("20240102-030405-1234-1"),
	    .time_usec = UINT64_MAX,
	    .pid = INT64_MIN,
	    .uid = INT64_MAX,
	    .gid = -1,
	    .signal = INT_MIN,
	    .comm = strdup("comm\n=x"),
	    .exe = strdup("/usr/bin/ex e\\"),
	    .cmdline = strdup(NASTY),
	    .unit = strdup("foo.service"),
	    .build_id = strdup("abcdef0123"),
	    .core_size = 123456789012ull,
	    .stored_size = 42,
	    .core_stored = true,
	    .truncated = true,
	    .truncated_reason = strdup("MaxCoreSize=1G\n"),
	    .core_error = strdup("\t"),
	    .go = true,
	    .go_version = strdup("go1.22.1"),
	};
	assert_int_equal(gc_meta_set_extra(m, "goroutines", "12"), 0);
	assert_int_equal(gc_meta_set_extra(m, "panic", NASTY), 0);
}

static void assert_meta_equal(const struct gc_meta *a, const struct gc_meta *b)
{
	assert_string_equal(a->id, b->id);
	assert_true(a->time_usec == b->time_usec);
	assert_true(a->pid == b->pid);
	assert_true(a->uid == b->uid);
	assert_true(a->gid == b->gid);
	assert_int_equal(a->signal, b->signal);
	assert_string_equal(a->comm, b->comm);
	assert_string_equal(a->exe, b->exe);
	assert_string_equal(a->cmdline, b->cmdline);
	assert_string_equal(a->unit, b->unit);
	assert_string_equal(a->build_id, b->build_id);
	assert_true(a->core_size == b->core_size);
	assert_true(a->stored_size == b->stored_size);
	assert_int_equal(a->core_stored, b->core_stored);
	assert_int_equal(a->truncated, b->truncated);
	assert_string_equal(a->truncated_reason, b->truncated_reason);
	assert_string_equal(a->core_error, b->core_error);
	assert_int_equal(a->go, b->go);
	assert_string_equal(a->go_version, b->go_version);
	assert_int_equal(a->n_extra, b->n_extra);
	for (size_t i = 0; i < a->n_extra; i++)
		assert_string_equal(a->extra[i], b->extra[i]);
}

static int parse_str(const char *text, struct gc_meta *ret)
{
	return gc_meta_parse(text, strlen(text), ret);
}

static void test_round_trip(void **state)
{
	struct gc_meta meta, parsed;
	_cleanup_free_ char *text = NULL, *again = NULL;

	fill_all(&meta);
	assert_int_equal(gc_meta_format(&meta, &text), 0);
	/* One line per field: 19 fields and 2 extras, newlines in values escaped. */
	size_t lines = 0;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 21);
	assert_non_null(strstr(text, "cmdline=a\\\\b\\nc\\td\\re=f\x01\x7f ü日本 \\\\n\n"));
	assert_non_null(strstr(text, "core_stored=1\n"));
	assert_non_null(strstr(text, "signal=-2147483648\n"));
	assert_int_equal(strncmp(text, "id=20240102-030405-1234-1\ntime_usec=", 36), 0);

	assert_int_equal(parse_str(text, &parsed), 0);
	assert_meta_equal(&meta, &parsed);
	assert_string_equal(gc_meta_get_extra(&parsed, "panic"), NASTY);
	assert_int_equal(gc_meta_format(&parsed, &again), 0);
	assert_string_equal(text, again);

	gc_meta_free(&meta);
	gc_meta_free(&parsed);
	/* gc_meta_free zeroes, so a second free is harmless. */
	assert_null(meta.id);
	assert_int_equal(meta.n_extra, 0);
	gc_meta_free(&meta);
}

static void test_null_strings_omitted(void **state)
{
	struct gc_meta meta = {.id = strdup("x"), .signal = 11}, parsed;
	_cleanup_free_ char *text = NULL;

	assert_int_equal(gc_meta_format(&meta, &text), 0);
	assert_null(strstr(text, "comm="));
	assert_null(strstr(text, "go_version="));
	assert_non_null(strstr(text, "go=0\n"));
	assert_int_equal(parse_str(text, &parsed), 0);
	assert_null(parsed.comm);
	assert_int_equal(parsed.signal, 11);
	gc_meta_free(&meta);
	gc_meta_free(&parsed);
}

static void test_extra(void **state)
{
	struct gc_meta meta = {};

	assert_int_equal(gc_meta_set_extra(&meta, "a", "1"), 0);
	assert_int_equal(gc_meta_set_extra(&meta, "b", "2"), 0);
	assert_int_equal(gc_meta_set_extra(&meta, "ab", "3"), 0);
	assert_int_equal(gc_meta_set_extra(&meta, "a", "replaced"), 0);
	assert_int_equal(meta.n_extra, 3);
	assert_string_equal(meta.extra[0], "a=replaced");
	assert_string_equal(gc_meta_get_extra(&meta, "a"), "replaced");
	assert_string_equal(gc_meta_get_extra(&meta, "b"), "2");
	assert_string_equal(gc_meta_get_extra(&meta, "ab"), "3");
	assert_null(gc_meta_get_extra(&meta, "c"));
	assert_null(gc_meta_get_extra(&meta, ""));

	/* Keys that could not be read back, or that shadow a field. */
	assert_int_equal(gc_meta_set_extra(&meta, "", "x"), -EINVAL);
	assert_int_equal(gc_meta_set_extra(&meta, "k=v", "x"), -EINVAL);
	assert_int_equal(gc_meta_set_extra(&meta, "k\n", "x"), -EINVAL);
	assert_int_equal(gc_meta_set_extra(&meta, "pid", "x"), -EINVAL);
	assert_int_equal(meta.n_extra, 3);
	gc_meta_free(&meta);
}

static void test_unknown_keys_to_extra(void **state)
{
	struct gc_meta meta;
	_cleanup_free_ char *text = NULL;

	assert_int_equal(
	    parse_str("id=x\nfuture_field=a\\nb\npid=7\nother=\nfuture_field=c\n", &meta), 0);
	assert_true(meta.pid == 7);
	assert_int_equal(meta.n_extra, 2);
	/* A repeated key keeps its first position and its last value. */
	assert_string_equal(meta.extra[0], "future_field=c");
	assert_string_equal(meta.extra[1], "other=");
	assert_int_equal(gc_meta_format(&meta, &text), 0);
	assert_non_null(strstr(text, "\nfuture_field=c\nother=\n"));
	gc_meta_free(&meta);
}

static void test_garbage_skipped(void **state)
{
	static const char text[] = "no equals sign\n"
				   "=empty key\n"
				   "pid=12x\n"
				   "uid=99999999999999999999\n"
				   "gid=-5\n"
				   "signal=2147483648\n"
				   "time_usec=-1\n"
				   "core_size= 5\n"
				   "go=yes\n"
				   "truncated=1\n"
				   "comm=bad\\qescape\n"
				   "exe=trailing\\\n"
				   "unit=nul\0here\n"
				   "\n"
				   "\xff\xfe=\x80\n"
				   "id=the-id\n"
				   "cmdline=ok";
	struct gc_meta meta;

	assert_int_equal(gc_meta_parse(text, sizeof(text) - 1, &meta), 0);
	assert_string_equal(meta.id, "the-id");
	assert_true(meta.pid == 0);
	assert_true(meta.uid == 0);
	assert_true(meta.gid == -5);
	assert_int_equal(meta.signal, 0);
	assert_true(meta.time_usec == 0);
	assert_true(meta.core_size == 0);
	assert_false(meta.go);
	assert_true(meta.truncated);
	assert_null(meta.comm);
	assert_null(meta.exe);
	assert_null(meta.unit);
	/* The last line needs no newline. */
	assert_string_equal(meta.cmdline, "ok");
	assert_int_equal(meta.n_extra, 1);
	assert_string_equal(meta.extra[0], "\xff\xfe=\x80");
	gc_meta_free(&meta);
}

static void test_missing_id(void **state)
{
	struct gc_meta meta = {.pid = 99};

	assert_int_equal(parse_str("pid=1\ncomm=x\nextra=1\n", &meta), -EBADMSG);
	assert_int_equal(parse_str("id=\npid=1\n", &meta), -EBADMSG);
	assert_int_equal(parse_str("id=bad\\escape\n", &meta), -EBADMSG);
	assert_int_equal(gc_meta_parse("", 0, &meta), -EBADMSG);
	/* Out-parameter untouched on failure. */
	assert_true(meta.pid == 99);
	assert_null(meta.id);
}

static void test_array_free(void **state)
{
	struct gc_meta *metas = calloc(2, sizeof(*metas));

	assert_non_null(metas);
	fill_all(&metas[0]);
	metas[1].id = strdup("y");
	gc_meta_array_free(metas, 2);
	gc_meta_array_free(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),	    cmocka_unit_test(test_null_strings_omitted),
	    cmocka_unit_test(test_extra),	    cmocka_unit_test(test_unknown_keys_to_extra),
	    cmocka_unit_test(test_garbage_skipped), cmocka_unit_test(test_missing_id),
	    cmocka_unit_test(test_array_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
