/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "json.h"
#include "macro.h"
#include "meta.h"

/* Every byte a value may hold that needs care: escapes, '=', control bytes, UTF-8. */
#define NASTY "a\\b\nc\td\re=f\x01\x7f ü日本 \\n"

static void *member(struct gc_meta *m, enum gc_meta_field field)
{
	return (char *)m + gc_meta_fields[field].offset;
}

/* Sets every field of the table to an extreme of its type. */
static void fill_all(struct gc_meta *m)
{
	*m = (struct gc_meta){};
	for (size_t i = 0; i < GC_META_N_FIELDS; i++) {
		void *p = member(m, i);

		switch (gc_meta_fields[i].type) {
		case GC_META_TYPE_STRING:
		case GC_META_TYPE_TEXT:
			*(char **)p = strdup(i == GC_META_id ? "20240102-030405-1234-1" : NASTY);
			break;
		case GC_META_TYPE_I64:
			*(int64_t *)p = INT64_MIN;
			break;
		case GC_META_TYPE_SIGNAL:
			*(int *)p = INT_MIN;
			break;
		case GC_META_TYPE_BOOL:
		case GC_META_TYPE_BOOL_WORD:
			*(bool *)p = true;
			break;
		case GC_META_TYPE_ANALYSIS:
			*(enum gc_analysis *)p = GC_ANALYSIS_TIMED_OUT;
			break;
		default:
			*(uint64_t *)p = UINT64_MAX;
		}
		m->present[i] = true;
	}
	assert_int_equal(gc_meta_set_unknown(m, "goroutines", "12"), 0);
	assert_int_equal(gc_meta_set_unknown(m, "panic", NASTY), 0);
}

static void assert_meta_equal(const struct gc_meta *a, const struct gc_meta *b)
{
	char buf_a[GC_META_TEXT_MAX], buf_b[GC_META_TEXT_MAX];

	for (size_t i = 0; i < GC_META_N_FIELDS; i++) {
		const char *text_a = gc_meta_text(a, i, buf_a), *text_b = gc_meta_text(b, i, buf_b);

		if (!text_a || !text_b)
			assert_ptr_equal(text_a, text_b);
		else
			assert_string_equal(text_a, text_b);
	}
	assert_int_equal(a->n_unknown, b->n_unknown);
	for (size_t i = 0; i < a->n_unknown; i++)
		assert_string_equal(a->unknown[i], b->unknown[i]);
}

static int parse_str(const char *text, struct gc_meta *ret)
{
	return gc_meta_parse(text, strlen(text), ret);
}

static void test_round_trip(void **state)
{
	struct gc_meta meta, parsed;
	_cleanup_free_ char *text = NULL, *again = NULL;
	size_t lines = 0;

	fill_all(&meta);
	assert_int_equal(gc_meta_format(&meta, &text), 0);
	/* One line per field and per unknown key, newlines in values escaped. */
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, GC_META_N_FIELDS + 2);
	assert_non_null(strstr(text, "\ncmdline=a\\\\b\\nc\\td\\re=f\x01\x7f ü日本 \\\\n\n"));
	assert_non_null(strstr(text, "\ncore_stored=1\n"));
	assert_non_null(strstr(text, "\ngo_vcs_modified=true\n"));
	assert_non_null(strstr(text, "\nsignal=-2147483648\n"));
	assert_non_null(strstr(text, "\nfault_addr=0xffffffffffffffff\n"));
	assert_non_null(strstr(text, "\nanalysis=timed out\n"));
	assert_int_equal(strncmp(text, "id=20240102-030405-1234-1\ntime_usec=", 36), 0);

	assert_int_equal(parse_str(text, &parsed), 0);
	assert_meta_equal(&meta, &parsed);
	assert_string_equal(gc_meta_get_unknown(&parsed, "panic"), NASTY);
	assert_int_equal(gc_meta_format(&parsed, &again), 0);
	assert_string_equal(text, again);

	gc_meta_free(&meta);
	gc_meta_free(&parsed);
	/* gc_meta_free zeroes, so a second free is harmless. */
	assert_null(meta.id);
	assert_int_equal(meta.n_unknown, 0);
	gc_meta_free(&meta);
}

static void test_null_strings_omitted(void **state)
{
	struct gc_meta meta = {.id = strdup("x"), .signal = 11}, parsed;
	_cleanup_free_ char *text = NULL;

	assert_int_equal(gc_meta_format(&meta, &text), 0);
	assert_null(strstr(text, "comm="));
	assert_null(strstr(text, "go_version="));
	/* CORE numbers are written at 0, the later stages' only when set. */
	assert_non_null(strstr(text, "go=0\n"));
	assert_null(strstr(text, "analysis"));
	assert_null(strstr(text, "go_goroutines"));
	assert_int_equal(parse_str(text, &parsed), 0);
	assert_null(parsed.comm);
	assert_int_equal(parsed.signal, 11);
	assert_false(GC_META_HAS(&parsed, go_goroutines));
	assert_true(GC_META_HAS(&parsed, pid));
	gc_meta_free(&meta);
	gc_meta_free(&parsed);
}

static void test_set(void **state)
{
	struct gc_meta meta = {}, copy = {};
	char buf[GC_META_TEXT_MAX];

	assert_false(GC_META_HAS(&meta, go_goroutines));
	assert_null(gc_meta_text(&meta, GC_META_go_goroutines, buf));
	/* 0 is a value: a core with no fault address, a program built without cgo. */
	GC_META_SET(&meta, go_goroutines, 0);
	GC_META_SET(&meta, go_cgo, false);
	assert_true(GC_META_HAS(&meta, go_goroutines));
	assert_string_equal(gc_meta_text(&meta, GC_META_go_goroutines, buf), "0");
	assert_string_equal(gc_meta_text(&meta, GC_META_go_cgo, buf), "0");
	assert_int_equal(gc_meta_set_string(&meta.go_reason, "panic: x"), 0);
	assert_int_equal(gc_meta_set_string(&meta.go_reason, "panic: y"), 0);
	assert_string_equal(meta.go_reason, "panic: y");

	assert_int_equal(gc_meta_copy_field(&copy, &meta, GC_META_go_reason), 0);
	assert_int_equal(gc_meta_copy_field(&copy, &meta, GC_META_go_goroutines), 0);
	assert_string_equal(copy.go_reason, "panic: y");
	assert_true(GC_META_HAS(&copy, go_goroutines));
	assert_false(GC_META_HAS(&copy, go_cgo));
	assert_int_equal(gc_meta_set_string(&meta.go_reason, NULL), 0);
	assert_null(meta.go_reason);
	gc_meta_free(&meta);
	gc_meta_free(&copy);
}

static void test_unknown(void **state)
{
	struct gc_meta meta = {};

	assert_int_equal(gc_meta_set_unknown(&meta, "a", "1"), 0);
	assert_int_equal(gc_meta_set_unknown(&meta, "b", "2"), 0);
	assert_int_equal(gc_meta_set_unknown(&meta, "ab", "3"), 0);
	assert_int_equal(gc_meta_set_unknown(&meta, "a", "replaced"), 0);
	assert_int_equal(meta.n_unknown, 3);
	assert_string_equal(meta.unknown[0], "a=replaced");
	assert_string_equal(gc_meta_get_unknown(&meta, "a"), "replaced");
	assert_string_equal(gc_meta_get_unknown(&meta, "b"), "2");
	assert_string_equal(gc_meta_get_unknown(&meta, "ab"), "3");
	assert_null(gc_meta_get_unknown(&meta, "c"));
	assert_null(gc_meta_get_unknown(&meta, ""));

	/* Keys that could not be read back, or that shadow a field of the table. */
	assert_int_equal(gc_meta_set_unknown(&meta, "", "x"), -EINVAL);
	assert_int_equal(gc_meta_set_unknown(&meta, "k=v", "x"), -EINVAL);
	assert_int_equal(gc_meta_set_unknown(&meta, "k\n", "x"), -EINVAL);
	assert_int_equal(gc_meta_set_unknown(&meta, "pid", "x"), -EINVAL);
	assert_int_equal(gc_meta_set_unknown(&meta, "go_reason", "x"), -EINVAL);
	assert_int_equal(meta.n_unknown, 3);
	gc_meta_free(&meta);
}

/* A newer gocrashd's fields survive an older one rewriting the meta (enrichment). */
static void test_unknown_keys_round_trip(void **state)
{
	struct gc_meta meta;
	_cleanup_free_ char *text = NULL;

	assert_int_equal(
	    parse_str("id=x\nfuture_field=a\\nb\npid=7\nother=\nfuture_field=c\n", &meta), 0);
	assert_true(meta.pid == 7);
	assert_int_equal(meta.n_unknown, 2);
	/* A repeated key keeps its first position and its last value. */
	assert_string_equal(meta.unknown[0], "future_field=c");
	assert_string_equal(meta.unknown[1], "other=");
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
				   "go_goroutines=\n"
				   "go_cgo=true\n"
				   "go_vcs_modified=1\n"
				   "fault_addr=12\n"
				   "core_threads=0x12\n"
				   "analysis=skipped\n"
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
	/* Each type in its own spelling only. */
	assert_false(GC_META_HAS(&meta, go_goroutines));
	assert_false(GC_META_HAS(&meta, go_cgo));
	assert_false(GC_META_HAS(&meta, go_vcs_modified));
	assert_false(GC_META_HAS(&meta, fault_addr));
	assert_false(GC_META_HAS(&meta, core_threads));
	assert_false(GC_META_HAS(&meta, analysis));
	/* The last line needs no newline. */
	assert_string_equal(meta.cmdline, "ok");
	assert_int_equal(meta.n_unknown, 1);
	assert_string_equal(meta.unknown[0], "\xff\xfe=\x80");
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

/* Each fact once: keys, journal fields and labels are distinct; a time's key ends in _usec
 * (--json names its ISO form without it); what only carries notes to the parent is shown
 * nowhere. */
static void test_table(void **state)
{
	for (size_t i = 0; i < GC_META_N_FIELDS; i++) {
		const struct gc_meta_field_info *f = &gc_meta_fields[i];

		assert_non_null(f->key);
		assert_int_equal(strspn(f->key, "abcdefghijklmnopqrstuvwxyz0123456789_"),
				 strlen(f->key));
		if (f->journal)
			assert_int_equal(strncmp(f->journal, "GOCRASH_", 8), 0);
		if (f->type == GC_META_TYPE_TIME)
			assert_non_null(strstr(f->key, "_usec"));
		if (f->stage == GC_META_STAGE_NOTES) {
			assert_null(f->journal);
			assert_null(f->label);
		}
		for (size_t j = 0; j < i; j++) {
			const struct gc_meta_field_info *g = &gc_meta_fields[j];

			assert_string_not_equal(f->key, g->key);
			if (f->journal && g->journal)
				assert_string_not_equal(f->journal, g->journal);
			if (f->label && g->label)
				assert_string_not_equal(f->label, g->label);
		}
	}
	assert_string_equal(gc_meta_fields[GC_META_go_reason].key, "go_reason");
	assert_int_equal(gc_meta_fields[GC_META_go_reason].offset,
			 offsetof(struct gc_meta, go_reason));
}

static void test_analysis_names(void **state)
{
	static const char *const names[] = {"not run", "ok", "failed", "crashed", "timed out"};
	char text[64];

	assert_int_equal(ELEMENTSOF(names), GC_N_ANALYSIS);
	for (size_t i = 0; i < GC_N_ANALYSIS; i++) {
		struct gc_meta meta;

		assert_string_equal(gc_analysis_name(i), names[i]);
		snprintf(text, sizeof(text), "id=x\nanalysis=%s\n", names[i]);
		assert_int_equal(parse_str(text, &meta), 0);
		assert_true(GC_META_HAS(&meta, analysis));
		assert_int_equal(meta.analysis, i);
		gc_meta_free(&meta);
	}
	assert_string_equal(gc_analysis_name(GC_N_ANALYSIS), "?");
}

static char *read_data(const char *name, size_t *size)
{
	char path[4096];
	FILE *f;
	char *text = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/meta/%s", getenv("GC_TEST_DATA"), name);
	f = fopen(path, "re");
	assert_non_null(f);
	text = malloc(1 << 16);
	assert_non_null(text);
	n = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	text[n] = '\0';
	*size = n;
	return text;
}

static int compare_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of text, sorted (the order of the fields changed, not their lines). */
static char **sorted_lines(char *text, size_t *n)
{
	char **lines = calloc(256, sizeof(*lines));

	*n = 0;
	assert_non_null(lines);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		assert_true(*n < 256);
		lines[(*n)++] = line;
	}
	qsort(lines, *n, sizeof(*lines), compare_lines);
	return lines;
}

/* A store of gocrashd 0.1.0 reads as it was written: every key is a field of the table, no
 * value is dropped, and written back each line is the same, but for fault_code, which that
 * version wrote unsigned. */
static void check_previous_version(const char *name)
{
	size_t size, n_old, n_new;
	_cleanup_free_ char *old = read_data(name, &size), *again = NULL;
	_cleanup_free_ char **old_lines = NULL, **new_lines = NULL;
	struct gc_meta meta;

	assert_int_equal(gc_meta_parse(old, size, &meta), 0);
	assert_int_equal(meta.n_unknown, 0);
	assert_int_equal(gc_meta_format(&meta, &again), 0);
	gc_meta_free(&meta);
	old_lines = sorted_lines(old, &n_old);
	new_lines = sorted_lines(again, &n_new);
	assert_int_equal(n_old, n_new);
	for (size_t i = 0; i < n_old; i++)
		if (strcmp(old_lines[i], "fault_code=18446744073709551610") == 0)
			assert_string_equal(new_lines[i], "fault_code=-6");
		else
			assert_string_equal(old_lines[i], new_lines[i]);
}

static void test_previous_version(void **state)
{
	size_t size;
	_cleanup_free_ char *text = read_data("every-field.meta", &size);
	struct gc_meta m;

	check_previous_version("go-panic.meta");
	check_previous_version("c-truncated.meta");
	check_previous_version("every-field.meta");

	assert_int_equal(gc_meta_parse(text, size, &m), 0);
	assert_string_equal(m.id, "20261123-194200-1234");
	assert_true(m.time_usec == 1795462920123456ull);
	assert_true(m.uid == 998);
	assert_string_equal(m.cmdline, "/usr/bin/myservice -listen :8080\t-v");
	assert_true(m.core_stored && m.truncated && m.go);
	assert_string_equal(m.container_unit, "myservice.service");
	assert_true(m.capture_drain_usec == 46291);
	assert_true(m.capture_max_rss_kib == 14384);
	assert_true(m.analysis_usec == 30000001);
	assert_true(m.core_threads == 9);
	assert_int_equal(m.fault_signal, 11);
	assert_true(m.fault_code == 1);
	assert_true(m.fault_addr == 0xc000a1b2c3);
	assert_true(GC_META_HAS(&m, go_vcs_modified) && !m.go_vcs_modified);
	assert_true(GC_META_HAS(&m, go_cgo) && !m.go_cgo);
	assert_string_equal(m.go_reason, "panic: first [recovered]\n\tpanic: boom\\now");
	assert_true(m.go_goroutines == 3212);
	assert_string_equal(m.go_note, "goroutine 17: stack not in the core\n"
				       "the goroutine walk stopped at the time limit");
	assert_int_equal(m.analysis, GC_ANALYSIS_TIMED_OUT);
	assert_string_equal(m.capture_fast_frames, "3/23");
	assert_true(m.capture_first_stored_size == 4600000);
	assert_true(m.handler_cpu_usec == 117118);
	gc_meta_free(&m);
}

static char *json_of(const struct gc_meta *m)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	assert_non_null(f);
	gc_json_meta(f, m);
	assert_int_equal(fclose(f), 0);
	return out;
}

/* --json: numbers as numbers, booleans as booleans, so that jq compares them. */
static void test_json_typed(void **state)
{
	size_t size;
	_cleanup_free_ char *text = read_data("go-panic.meta", &size), *json = NULL;
	struct gc_meta m;

	assert_int_equal(gc_meta_parse(text, size, &m), 0);
	assert_int_equal(gc_meta_set_unknown(&m, "future", "7"), 0);
	json = json_of(&m);
	assert_int_equal(strncmp(json, "{\"id\":\"20261203-074903-30017\",\"time_usec\":", 42), 0);
	assert_non_null(strstr(json, ",\"time\":\"2026-12-03T07:49:03.000000Z\","));
	assert_non_null(strstr(json, ",\"pid\":30017,"));
	assert_non_null(strstr(json, ",\"signal\":6,\"signal_name\":\"SIGABRT\","));
	assert_non_null(strstr(json, ",\"unit\":null,"));
	assert_non_null(strstr(json, ",\"core_size\":84729856,"));
	assert_non_null(strstr(json, ",\"core_stored\":true,\"truncated\":false,"));
	assert_non_null(strstr(json, ",\"truncated_reason\":null,"));
	assert_non_null(strstr(json, ",\"go\":true,\"go_version\":\"go1.27.4\","));
	assert_non_null(strstr(json, ",\"capture_drain_usec\":160708,"));
	assert_non_null(strstr(json, ",\"analysis\":\"ok\","));
	assert_non_null(strstr(json, ",\"capture_fast_frames\":\"7/21\","));
	assert_non_null(strstr(json, ",\"core_threads\":6,"));
	assert_non_null(strstr(json, ",\"fault_signal\":6,\"fault_signal_name\":\"SIGABRT\","));
	assert_non_null(strstr(json, ",\"fault_code\":-6,\"fault_addr\":\"0x0\","));
	assert_non_null(strstr(json, ",\"go_goroutines\":17,"));
	assert_non_null(strstr(json, ",\"go_cgo\":true,"));
	/* What the entry does not have is left out; what this version does not know is a
	 * string. */
	assert_null(strstr(json, "container_unit"));
	assert_null(strstr(json, "go_vcs"));
	assert_null(strstr(json, "core_expected_size"));
	assert_string_equal(json + strlen(json) - strlen(",\"future\":\"7\"}"),
			    ",\"future\":\"7\"}");
	gc_meta_free(&m);
}

/* The child's output: its notes fill what capture did not know, its own fields are copied,
 * the notes themselves are not. */
/* Set-id entries are root's; entries without the facts (older versions) go by their uid. */
static void test_owner(void **state)
{
	struct gc_meta m = {.uid = 1000, .gid = 100};

	(void)state;
	assert_int_equal(gc_meta_owner(&m), 1000);
	GC_META_SET(&m, dump_mode, 1);
	GC_META_SET(&m, euid, 1000);
	GC_META_SET(&m, egid, 100);
	GC_META_SET(&m, at_secure, false);
	assert_int_equal(gc_meta_owner(&m), 1000);
	GC_META_SET(&m, dump_mode, 2);
	assert_int_equal(gc_meta_owner(&m), 0);
	GC_META_SET(&m, dump_mode, 1);
	GC_META_SET(&m, euid, 0);
	assert_int_equal(gc_meta_owner(&m), 0);
	GC_META_SET(&m, euid, 1000);
	GC_META_SET(&m, egid, 42);
	assert_int_equal(gc_meta_owner(&m), 0);
	GC_META_SET(&m, egid, 100);
	GC_META_SET(&m, at_secure, true);
	assert_int_equal(gc_meta_owner(&m), 0);
	m = (struct gc_meta){.uid = -1};
	assert_int_equal(gc_meta_owner(&m), 0);
}

static void test_analysis_merge(void **state)
{
	static const char output[] = "id=analysis\n"
				     "core_error=the core ends at 10 bytes, 20 expected\n"
				     "core_expected_size=4096\n"
				     "core_threads=3\n"
				     "core_comm=crashy\n"
				     "core_cmdline=./crashy --flag\n"
				     "core_pid=44\n"
				     "core_uid=1000\n"
				     "core_gid=0\n"
				     "core_signal=11\n"
				     "fault_addr=0x10\n"
				     "go_reason=panic: boom\n"
				     "go_goroutines=0\n"
				     "go_vcs_modified=true\n";
	struct gc_meta m = {.id = strdup("x"), .pid = 44, .uid = -1, .gid = 5, .core_size = 1024};
	_cleanup_free_ char *text = NULL;

	gc_analysis_merge(&m, output);
	assert_string_equal(m.core_error, "the core ends at 10 bytes, 20 expected");
	assert_string_equal(m.comm, "crashy");
	assert_string_equal(m.cmdline, "./crashy --flag");
	assert_true(m.uid == 1000);
	assert_true(m.gid == 5);
	assert_int_equal(m.signal, 11);
	assert_true(m.truncated);
	assert_string_equal(m.truncated_reason, "the kernel sent 1024 bytes of a core of 4096");
	assert_true(m.core_threads == 3 && m.fault_addr == 0x10);
	assert_string_equal(m.go_reason, "panic: boom");
	assert_true(GC_META_HAS(&m, go_goroutines) && m.go_goroutines == 0);
	assert_true(m.go_vcs_modified);
	assert_false(GC_META_HAS(&m, fault_code));
	assert_int_equal(gc_meta_format(&m, &text), 0);
	assert_null(strstr(text, "core_comm"));
	assert_null(strstr(text, "core_expected_size"));
	gc_meta_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_null_strings_omitted),
	    cmocka_unit_test(test_set),
	    cmocka_unit_test(test_unknown),
	    cmocka_unit_test(test_unknown_keys_round_trip),
	    cmocka_unit_test(test_garbage_skipped),
	    cmocka_unit_test(test_missing_id),
	    cmocka_unit_test(test_array_free),
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_analysis_names),
	    cmocka_unit_test(test_previous_version),
	    cmocka_unit_test(test_json_typed),
	    cmocka_unit_test(test_analysis_merge),
	    cmocka_unit_test(test_owner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
