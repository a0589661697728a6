/* SPDX-License-Identifier: MIT */
/* Strings a crashed process controls, shown: on a terminal (escape.c), as JSON (json.c), as a
 * kernel log line (journal.c). Each hostile input is one a crashing program can choose: its
 * argv, its comm, its executable's path, its panic values and Go names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "goreport.h"
#include "journal.h"
#include "json.h"
#include "macro.h"
#include "store.h"

/* Clears the screen, homes the cursor and prints a root prompt. */
#define FORGED_PROMPT "\x1b[2J\x1b[Hroot@host:~# "

static void assert_sequence(const char *bytes, size_t n, size_t len, uint32_t code)
{
	uint32_t c = 0xdeadbeef;

	assert_int_equal(gc_utf8_sequence(bytes, n, &c), len);
	if (len > 0)
		assert_int_equal(c, code);
}

static void test_utf8_valid_sequences(void **state)
{
	assert_sequence("A", 1, 1, 'A');
	assert_sequence("\x00", 1, 1, 0);
	assert_sequence("\xc2\x80", 2, 2, 0x80);
	assert_sequence("\xc3\xbc", 2, 2, 0xfc);
	assert_sequence("\xdf\xbf", 2, 2, 0x7ff);
	assert_sequence("\xe0\xa0\x80", 3, 3, 0x800);
	assert_sequence("\xe6\x97\xa5", 3, 3, 0x65e5);
	assert_sequence("\xed\x9f\xbf", 3, 3, 0xd7ff);
	assert_sequence("\xee\x80\x80", 3, 3, 0xe000);
	assert_sequence("\xef\xbf\xbf", 3, 3, 0xffff);
	assert_sequence("\xf0\x90\x80\x80", 4, 4, 0x10000);
	assert_sequence("\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff);
	assert_sequence("ab", 2, 1, 'a');
}

static void test_utf8_invalid_sequences(void **state)
{
	assert_sequence("", 0, 0, 0);
	assert_sequence("\x80", 1, 0, 0);		  /* stray continuation */
	assert_sequence("\xbf", 1, 0, 0);		  /* stray continuation */
	assert_sequence("\xc0\xaf", 2, 0, 0);		  /* overlong '/' */
	assert_sequence("\xc1\xbf", 2, 0, 0);		  /* overlong */
	assert_sequence("\xe0\x80\xaf", 3, 0, 0);	  /* overlong '/' */
	assert_sequence("\xe0\x9f\xbf", 3, 0, 0);	  /* overlong U+07FF */
	assert_sequence("\xf0\x80\x80\xaf", 4, 0, 0);	  /* overlong '/' */
	assert_sequence("\xf0\x8f\xbf\xbf", 4, 0, 0);	  /* overlong U+FFFF */
	assert_sequence("\xed\xa0\x80", 3, 0, 0);	  /* surrogate U+D800 */
	assert_sequence("\xed\xbf\xbf", 3, 0, 0);	  /* surrogate U+DFFF */
	assert_sequence("\xf4\x90\x80\x80", 4, 0, 0);	  /* U+110000 */
	assert_sequence("\xf7\xbf\xbf\xbf", 4, 0, 0);	  /* U+1FFFFF */
	assert_sequence("\xf8\x88\x80\x80\x80", 5, 0, 0); /* 5-byte form */
	assert_sequence("\xfe", 1, 0, 0);
	assert_sequence("\xff", 1, 0, 0);
	assert_sequence("\xe2\x82", 2, 0, 0);	  /* cut short */
	assert_sequence("\xe2\x82\xac", 2, 0, 0); /* cut short by n */
	assert_sequence("\xe2\x82"
			"A",
			3, 0, 0);		  /* cut short by ASCII */
	assert_sequence("\xf0\x9f\x98", 3, 0, 0); /* cut short */
	assert_false(gc_utf8_valid("ok\xed\xa0\x80", 5));
	assert_true(gc_utf8_valid("ok \xe6\x97\xa5\xf0\x9f\x98\x80", 10));
	assert_true(gc_utf8_valid("", 0));
}

static void assert_escape(const char *in, unsigned flags, const char *expected)
{
	_cleanup_free_ char *got = gc_escape(in, flags);

	assert_non_null(got);
	assert_string_equal(got, expected);
	assert_int_equal(gc_escape_needed(in, flags), strcmp(in, expected) != 0);
	assert_true(gc_utf8_valid(got, strlen(got)));
}

static void test_escape_controls(void **state)
{
	assert_escape(FORGED_PROMPT, 0, "\\x1b[2J\\x1b[Hroot@host:~# ");
	assert_escape("a\rb\ac\bd\fe\vf", 0, "a\\rb\\ac\\bd\\fe\\vf");
	assert_escape("line\nnext\tcol", 0, "line\\nnext\\tcol");
	assert_escape("\x01\x1f\x7f", 0, "\\x01\\x1f\\x7f");
	/* C1 controls as UTF-8: U+009B is CSI, U+0085 NEL, U+0090 DCS. */
	assert_escape("a\xc2\x9b"
		      "2Jb\xc2\x85\xc2\x90\xc2\x80\xc2\x9f",
		      0, "a\\u009b2Jb\\u0085\\u0090\\u0080\\u009f");
	/* Just past C1: printable. */
	assert_escape("\xc2\xa0\xc3\xbc", 0, "\xc2\xa0\xc3\xbc");
}

static void test_escape_invalid_utf8(void **state)
{
	assert_escape("/\xc0\xaf", 0, "/\\xc0\\xaf");
	assert_escape("\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf");
	assert_escape("s\xed\xa0\x80", 0, "s\\xed\\xa0\\x80");
	assert_escape("\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80");
	assert_escape("cut\xe2\x82", 0, "cut\\xe2\\x82");
	assert_escape("cut\xe2\x82"
		      "A",
		      0, "cut\\xe2\\x82A");
	assert_escape("\xff\xfe", 0, "\\xff\\xfe");
	assert_escape("latin1 caf\xe9", 0, "latin1 caf\\xe9");
}

static void test_escape_clean_unchanged(void **state)
{
	assert_escape("", 0, "");
	assert_escape("/usr/bin/my-svc --flag=1", 0, "/usr/bin/my-svc --flag=1");
	assert_escape("main.(*T).M[...]", 0, "main.(*T).M[...]");
	assert_escape("C:\\dir", 0, "C:\\dir"); /* a backslash alone needs nothing */
	assert_escape("\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80", 0,
		      "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
}

static void test_escape_backslash_unambiguous(void **state)
{
	/* Once a value is escaped, a literal "\x1b" must not read as an escaped ESC. */
	assert_escape("\\x1b\x1b", 0, "\\\\x1b\\x1b");
}

static void test_escape_keep_newline(void **state)
{
	assert_escape("panic: a\n\tb", GC_ESCAPE_KEEP_NEWLINE, "panic: a\n\tb");
	assert_escape("panic: a\r\n" FORGED_PROMPT, GC_ESCAPE_KEEP_NEWLINE,
		      "panic: a\\r\n\\x1b[2J\\x1b[Hroot@host:~# ");
	assert_escape("a\nb", 0, "a\\nb");
}

static void test_escape_in_place(void **state)
{
	char *s = strdup("comm\x1b]0;title\a");
	char *clean = strdup("clean"), *before = clean, *none = NULL;

	assert_non_null(s);
	assert_non_null(clean);
	assert_int_equal(gc_escape_in_place(&s, 0), 0);
	assert_string_equal(s, "comm\\x1b]0;title\\a");
	assert_int_equal(gc_escape_in_place(&clean, 0), 0);
	assert_ptr_equal(clean, before);
	assert_int_equal(gc_escape_in_place(&none, 0), 0);
	assert_null(none);
	assert_null(gc_escape(NULL, 0));
	free(s);
	free(clean);
}

static char *json_of(const char *s)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	assert_non_null(f);
	gc_json_string(f, s);
	assert_int_equal(fclose(f), 0);
	return out;
}

static void assert_json(const char *in, const char *expected)
{
	_cleanup_free_ char *got = json_of(in);

	assert_string_equal(got, expected);
}

/* gc_json_pretty of text, or NULL when it refuses it. */
static char *pretty_of(const char *json)
{
	FILE *in = fmemopen((void *)json, strlen(json), "r");
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);
	int r;

	assert_non_null(in);
	assert_non_null(f);
	r = gc_json_pretty(in, f);
	fclose(in);
	assert_int_equal(fclose(f), 0);
	if (r < 0) {
		assert_int_equal(r, -EBADMSG);
		free(out);
		return NULL;
	}
	return out;
}

static void assert_pretty(const char *json, const char *expected)
{
	_cleanup_free_ char *got = pretty_of(json);

	assert_non_null(got);
	assert_string_equal(got, expected);
}

/* --json=pretty: brackets, commas and colons in strings (escaped quotes and backslashes
 * too) are text; empty containers stay on one line; JSON lines stay one value a line. */
static void test_json_pretty(void **state)
{
	_cleanup_free_ char *none = NULL;

	assert_pretty("{\"a\":1,\"b\":[true,null,\"x\"]}\n",
		      "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null,\n    \"x\"\n  ]\n}\n");
	assert_pretty("[]\n", "[]\n");
	assert_pretty("{\"e\":{},\"f\":[]}", "{\n  \"e\": {},\n  \"f\": []\n}");
	assert_pretty("[\"{[,:]}\",\"q\\\"]\\\\\",\"\\u001b[2J\"]",
		      "[\n  \"{[,:]}\",\n  \"q\\\"]\\\\\",\n  \"\\u001b[2J\"\n]");
	assert_pretty("{\"a\":1}\n{\"a\":2}\n", "{\n  \"a\": 1\n}\n{\n  \"a\": 2\n}\n");
	assert_pretty(" { \"a\" : 1 } ", "{\n  \"a\": 1\n}");
	none = pretty_of("{\"a\":[1}");
	assert_null(none);
	assert_null(pretty_of("]"));
	assert_null(pretty_of("[\"open"));
	assert_null(pretty_of("{\"a\":1"));
}

static void test_json_invalid_utf8(void **state)
{
	assert_json("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	assert_json("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
	assert_json("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	assert_json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	assert_json("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"");
	assert_json("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	assert_json("\xf7\xbf\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	assert_json("x\xe2\x82", "\"x\\ufffd\\ufffd\"");
	assert_json("\xff", "\"\\ufffd\"");
}

static void test_json_controls(void **state)
{
	assert_json(FORGED_PROMPT, "\"\\u001b[2J\\u001b[Hroot@host:~# \"");
	assert_json("a\"b\\c\nd\te\rf\x7f", "\"a\\\"b\\\\c\\nd\\te\\u000df\\u007f\"");
	assert_json("\xc2\x9b"
		    "2J",
		    "\"\\u009b2J\"");
	assert_json("\xc3\xbc\xe6\x97\xa5\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf",
		    "\"\xc3\xbc\xe6\x97\xa5\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"");
	assert_json(NULL, "null");
}

static struct gc_meta hostile_meta(void)
{
	struct gc_meta m = {
	    .id = strdup("20260101-000000-1-1"),
	    .pid = 1,
	    .signal = 11,
	    .comm = strdup("x\n<0>forged"),
	    .exe = strdup("/tmp/\x1b[2J\xc2\x9b"
			  "evil"),
	    .cmdline = strdup("evil " FORGED_PROMPT "\xed\xa0\x80\xf4\x90\x80\x80\xc0\xaf"),
	    .unit = strdup("u\r.service"),
	    .container_unit = strdup("c\nd"),
	    .go_reason = strdup("panic: a\n\tpanic: b\x1b[31m"),
	    .go_crash_site = strdup("main.f\n(x.go:1)"),
	};

	assert_non_null(m.cmdline);
	assert_int_equal(gc_meta_set_unknown(&m, "future", "e\nf"), 0);
	return m;
}

/* One hostile command line must not make the listing invalid JSON: the whole object is
 * valid UTF-8 without raw control bytes. */
static void test_json_meta_hostile(void **state)
{
	struct gc_meta m = hostile_meta();
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	assert_non_null(f);
	gc_json_meta(f, &m);
	assert_int_equal(fclose(f), 0);
	assert_true(gc_utf8_valid(out, size));
	for (size_t i = 0; i < size; i++)
		assert_false((unsigned char)out[i] < 0x20 || out[i] == 0x7f);
	assert_null(strstr(out, "\xc2\x9b"));
	assert_non_null(
	    strstr(out, "\"cmdline\":\"evil \\u001b[2J\\u001b[Hroot@host:~# "
			"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\""));
	free(out);
	gc_meta_free(&m);
}

static void test_meta_escape(void **state)
{
	struct gc_meta m = hostile_meta();

	assert_int_equal(gc_meta_escape(&m), 0);
	assert_string_equal(m.id, "20260101-000000-1-1");
	assert_string_equal(m.comm, "x\\n<0>forged");
	assert_string_equal(m.exe, "/tmp/\\x1b[2J\\u009bevil");
	assert_string_equal(m.cmdline, "evil \\x1b[2J\\x1b[Hroot@host:~# "
				       "\\xed\\xa0\\x80\\xf4\\x90\\x80\\x80\\xc0\\xaf");
	assert_string_equal(m.unit, "u\\r.service");
	/* Only the text fields of several lines keep their newlines. */
	assert_string_equal(m.go_reason, "panic: a\n\tpanic: b\\x1b[31m");
	assert_string_equal(m.go_crash_site, "main.f\\n(x.go:1)");
	assert_string_equal(m.container_unit, "c\\nd");
	assert_string_equal(gc_meta_get_unknown(&m, "future"), "e\\nf");
	gc_meta_free(&m);
}

static void test_kmsg_line(void **state)
{
	_cleanup_free_ char *line = gc_kmsg_line(2, 42, "x\n<0>forged[1]: kernel line\r\x1b[2J");
	_cleanup_free_ char *big = malloc(4000);
	_cleanup_free_ char *cut = NULL;

	assert_non_null(line);
	assert_string_equal(line, "<2>gocrashd[42]: x\\n<0>forged[1]: kernel line\\r\\x1b[2J\n");
	assert_non_null(big);
	memset(big, '\x1b', 3999);
	big[3999] = '\0';
	cut = gc_kmsg_line(2, 42, big);
	assert_non_null(cut);
	assert_true(strlen(cut) <= GC_KMSG_MAX_MESSAGE + 32);
	assert_ptr_equal(strchr(cut, '\n'), cut + strlen(cut) - 1);
}

static char *render_text(const struct gc_go_report *r)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	assert_non_null(f);
	gc_go_report_print_text(r, NULL, f);
	assert_int_equal(fclose(f), 0);
	return out;
}

static void test_go_report_escape(void **state)
{
	struct gc_go_report r = {.go_minor = 22};
	struct gc_goroutine *g;
	_cleanup_free_ char *text = NULL;

	r.reason = strdup("panic: " FORGED_PROMPT "\n\tpanic: second");
	r.signal = strdup("[signal \xc2\x9b"
			  "2J]");
	r.goroutines = calloc(1, sizeof(*r.goroutines));
	assert_non_null(r.goroutines);
	r.n_goroutines = 1;
	g = &r.goroutines[0];
	g->id = 1;
	g->crashed = true;
	g->status_text = strdup("running\rfake");
	g->created_by = strdup("main.\x1b[1mmain");
	g->created_file = strdup("/x/\xed\xa0\x80.go");
	g->frames = calloc(1, sizeof(*g->frames));
	assert_non_null(g->frames);
	g->n_frames = 1;
	assert_int_equal(gc_go_report_intern(&r, "main.f\x1b[2J", &g->frames[0].func), 0);
	assert_int_equal(gc_go_report_intern(&r, "/src/m\nain.go", &g->frames[0].file), 0);
	g->frames[0].args = strdup("0x1\x07");
	assert_int_equal(gc_go_report_note(&r, "note\x1b[0m\nsecond line"), 0);

	assert_int_equal(gc_go_report_escape(&r), 0);
	text = render_text(&r);
	assert_null(strchr(text, '\x1b'));
	assert_null(strchr(text, '\r'));
	assert_null(strchr(text, '\a'));
	assert_null(strstr(text, "\xc2\x9b"));
	assert_true(gc_utf8_valid(text, strlen(text)));
	assert_non_null(strstr(text, "panic: \\x1b[2J\\x1b[Hroot@host:~# \n\tpanic: second\n"));
	assert_non_null(strstr(text, "[signal \\u009b2J]"));
	assert_non_null(strstr(text, "[running\\rfake]"));
	assert_non_null(strstr(text, "main.f\\x1b[2J(0x1\\a)\n\t/src/m\\nain.go:0"));
	assert_non_null(strstr(text, "created by main.\\x1b[1mmain"));
	assert_non_null(strstr(text, "/x/\\xed\\xa0\\x80.go"));
	assert_non_null(strstr(text, "# note\\x1b[0m\n# second line\n"));
	gc_go_report_free(&r);
}

/* The store's line escaping: every byte comes back, no raw newline, tab or CR goes out, and a
 * backslash that escapes nothing known is refused. */
static void test_line_escape(void **state)
{
	char all[256], *text = NULL, out[sizeof(all) * 2 + 1];
	size_t size = 0, len = 0;
	FILE *f = open_memstream(&text, &size);

	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (char)i;
	assert_non_null(f);
	gc_line_escape(f, all, sizeof(all));
	assert_int_equal(fclose(f), 0);
	assert_null(memchr(text, '\n', size));
	assert_null(memchr(text, '\t', size));
	assert_null(memchr(text, '\r', size));
	assert_null(memchr(text, '\0', size));
	assert_int_equal(gc_line_unescape(text, size, out, &len), 0);
	assert_int_equal(len, sizeof(all));
	assert_memory_equal(out, all, sizeof(all));
	assert_int_equal(gc_line_unescape(text, size, text, NULL), 0); /* in place */
	assert_memory_equal(text, all, sizeof(all));
	free(text);

	assert_int_equal(gc_line_unescape("a\\x", 3, out, &len), -EBADMSG);
	assert_int_equal(gc_line_unescape("a\\", 2, out, &len), -EBADMSG);
	assert_int_equal(gc_line_unescape("\\\\\\n", 4, out, &len), 0);
	assert_int_equal(len, 2);
	assert_string_equal(out, "\\\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_valid_sequences),
	    cmocka_unit_test(test_utf8_invalid_sequences),
	    cmocka_unit_test(test_escape_controls),
	    cmocka_unit_test(test_escape_invalid_utf8),
	    cmocka_unit_test(test_escape_clean_unchanged),
	    cmocka_unit_test(test_escape_backslash_unambiguous),
	    cmocka_unit_test(test_escape_keep_newline),
	    cmocka_unit_test(test_escape_in_place),
	    cmocka_unit_test(test_json_invalid_utf8),
	    cmocka_unit_test(test_json_pretty),
	    cmocka_unit_test(test_json_controls),
	    cmocka_unit_test(test_json_meta_hostile),
	    cmocka_unit_test(test_meta_escape),
	    cmocka_unit_test(test_kmsg_line),
	    cmocka_unit_test(test_go_report_escape),
	    cmocka_unit_test(test_line_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
