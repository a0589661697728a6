/* SPDX-License-Identifier: MIT */
/* The root part parses nothing the crashed user controls (issue 13): whole captures of
 * damaged executables, with the parsers' guard (sandbox.h) in force, count no refusal, and
 * what the sandboxed inspection found still reaches the metadata. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture.h"
#include "config.h"
#include "elfcore.h"
#include "exeprobe.h"
#include "analyze.h"
#include "gobuildinfo.h"
#include "goexe.h"
#include "macro.h"
#include "meta.h"
#include "pclntab.h"
#include "sandbox.h"

#define GO_EXE "go/go1.22-panic.exe.zst"

static char tmpdir[] = "/tmp/test-capture.XXXXXX";

static char *path_in(const char *dir, const char *name)
{
	char *path;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	return path;
}

static void write_file(const char *name, const void *data, size_t size)
{
	_cleanup_free_ char *path = path_in(tmpdir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, size), (ssize_t)size);
	close(fd);
}

/* A zstd test file, decompressed into tmpdir/name. */
static void decompress_data(const char *data_name, const char *name)
{
	_cleanup_free_ char *from = path_in(getenv("GC_TEST_DATA"), data_name);
	_cleanup_free_ char *to = path_in(tmpdir, name);
	_cleanup_free_ char *cmd = NULL;

	assert_true(asprintf(&cmd, "zstd -dqf '%s' -o '%s'", from, to) > 0);
	assert_int_equal(system(cmd), 0);
}

/* This test program's ELF header, damaged: program and section headers far past the end. */
static void write_bad_headers(void)
{
	Elf64_Ehdr ehdr;
	uint8_t file[4096] = {0};
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &ehdr, sizeof(ehdr), 0), (ssize_t)sizeof(ehdr));
	close(fd);
	write_file("truncated", &ehdr, sizeof(ehdr));
	ehdr.e_phoff = UINT64_MAX - 0xffff;
	ehdr.e_phnum = 0xffff;
	ehdr.e_shoff = UINT64_MAX - 0xffff;
	ehdr.e_shnum = 0xffff;
	memcpy(file, &ehdr, sizeof(ehdr));
	write_file("bad-headers", file, sizeof(file));
}

/* The build-info cases of tests/e2e/hostile-exe.sh, when objcopy is there to make them. */
static bool write_hostile_buildinfo(void)
{
	static const char blob2[] = "\xff Go buildinf:\x08\x02"
				    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
				    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01";
	uint8_t zeros[0x17ff0] = {0};
	_cleanup_free_ char *cmd = NULL;

	if (system("command -v objcopy >/dev/null") != 0)
		return false;
	write_file("blob", zeros, sizeof(zeros));
	write_file("blob2", blob2, sizeof(blob2) - 1);
	assert_true(asprintf(&cmd,
			     "cd '%s' && objcopy --add-section .go.buildinfo=blob "
			     "--change-section-address .go.buildinfo=0xfffffffffffe8000 "
			     "/bin/sleep wrap-sleep && "
			     "objcopy --add-section .go.buildinfo=blob2 /bin/sleep long-sleep",
			     tmpdir) > 0);
	assert_int_equal(system(cmd), 0);
	return true;
}

static int setup(void **state)
{
	static const char script[] = "#!/bin/sh\necho not elf\n";

	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	write_file("empty", "", 0);
	write_file("script", script, sizeof(script) - 1);
	write_bad_headers();
	decompress_data(GO_EXE, "go.exe");
	return 0;
}

static int teardown(void **state)
{
	_cleanup_free_ char *cmd = NULL;

	(void)state;
	if (asprintf(&cmd, "rm -rf '%s'", tmpdir) > 0 && system(cmd) != 0)
		return -1;
	return 0;
}

/* One capture as `gocrashd --exe=tmpdir/exe_name`, of a core that is not even ELF. */
static void capture(const char *exe_name, struct gc_meta *meta)
{
	_cleanup_free_ char *exe = path_in(tmpdir, exe_name);
	_cleanup_free_ char *store = path_in(tmpdir, "store");
	struct gc_config config;
	static const char core[] = "not a core";
	int fd = memfd_create("core", MFD_CLOEXEC);
	struct gc_capture_request req = {
	    .pid = 4242,
	    .signal = 11,
	    .uid = getuid(),
	    .gid = getgid(),
	    .exe_path = exe,
	    .input_fd = fd,
	    .config = &config,
	};

	gc_config_init(&config);
	free(config.directory);
	config.directory = TAKE_PTR(store);
	/* No RLIMIT_AS for the children: under ASan (tests/run-suite.sh runs the unit tests
	 * so too) the shadow memory alone is terabytes of address space, and the probe would
	 * fail at its first mmap. What is tested here is where parsing happens. */
	config.analysis_memory_limit = UINT64_MAX;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, core, sizeof(core)), (ssize_t)sizeof(core));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(gc_capture(&req, meta), 0);
	gc_config_free(&config);
	assert_true(meta->core_stored);
	assert_int_equal(meta->core_size, sizeof(core));
}

static void test_damaged_executables(void **state)
{
	const char *names[] = {"empty",	      "script",	    "truncated",
			       "bad-headers", "wrap-sleep", "long-sleep"};
	size_t n = write_hostile_buildinfo() ? ELEMENTSOF(names) : ELEMENTSOF(names) - 2;
	unsigned refusals = gc_sandbox_refusals();

	(void)state;
	for (size_t i = 0; i < n; i++) {
		struct gc_meta meta = {};

		capture(names[i], &meta);
		assert_false(meta.go);
		assert_int_equal(gc_sandbox_refusals(), refusals);
		gc_meta_free(&meta);
	}
	/* Unmarked again once the capture is over. */
	assert_false(gc_sandbox_mark_privileged(false));
}

/* What only a parser can tell arrives all the same, from the child. */
static void test_go_executable(void **state)
{
	unsigned refusals = gc_sandbox_refusals();
	struct gc_meta meta = {};

	(void)state;
	capture("go.exe", &meta);
	assert_true(meta.go);
	assert_string_equal(meta.go_version, "go1.22.12");
	assert_non_null(meta.build_id);
	assert_int_equal(gc_sandbox_refusals(), refusals);
	gc_meta_free(&meta);
}

/* The guard itself: in a process marked as the root part every parser entry point refuses,
 * before reading a byte. */
static void test_guard_refuses(void **state)
{
	_cleanup_free_ char *exe = path_in(tmpdir, "go.exe");
	unsigned refusals = gc_sandbox_refusals();
	struct gc_core *core = NULL;
	struct gc_pclntab_image image;
	struct gc_buildinfo info;
	struct gc_exe *opened = NULL;
	struct gc_gobin gobin;
	char *id = NULL;
	int fd = open(exe, O_RDONLY | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_false(gc_sandbox_mark_privileged(true));
	assert_int_equal(gc_gobin_inspect(fd, &gobin), -EPERM);
	assert_int_equal(gc_exe_open(fd, &opened), -EPERM);
	assert_int_equal(gc_buildinfo_parse_modinfo("path\tx\n", 7, &info), -EPERM);
	assert_int_equal(gc_go_build_id_from_notes("", 0, &id), -EPERM);
	assert_int_equal(gc_pclntab_image_load(NULL, NULL, &image), -EPERM);
	assert_int_equal(gc_core_open_memory("", 0, &core), -EPERM);
	assert_int_equal(gc_sandbox_refusals(), refusals + 6);
	assert_true(gc_sandbox_mark_privileged(false));
	assert_int_equal(gc_gobin_inspect(fd, &gobin), 0);
	assert_true(gobin.is_go);
	gc_gobin_done(&gobin);
	close(fd);
}

#define ANSWER "gocrashd-exeprobe 1\n"

/* The only thing the root part reads of the child's: its answer, checked to the byte. */
static void test_probe_answer(void **state)
{
	static const char *const bad[] = {
	    "",
	    "gocrashd-exeprobe 2\n1\nab\ngo1.22\n",
	    ANSWER "2\nab\ngo1.22\n",
	    ANSWER "1\nab\n",		    /* a line missing */
	    ANSWER "1\nab\ngo1.22",	    /* no final newline */
	    ANSWER "1\nab\ngo1.22\nmore\n", /* more after */
	    ANSWER "1\na\tb\ngo1.22\n",	    /* not printable */
	    ANSWER "1\na\x80"
		   "b\ngo1.22\n",
	    ANSWER "1\r\nab\ngo1.22\n",
	};
	char long_id[GC_EXE_PROBE_BUILD_ID_MAX + 2], *text = NULL;
	struct gc_gobin gobin = {.build_id = NULL};

	(void)state;
	assert_int_equal(
	    gc_exe_probe_parse_answer(ANSWER "1\nab/cd\ndevel go1.24-x +0000\n", &gobin), 0);
	assert_true(gobin.is_go);
	assert_string_equal(gobin.build_id, "ab/cd");
	assert_string_equal(gobin.go_version, "devel go1.24-x +0000");
	gc_gobin_done(&gobin);
	assert_int_equal(gc_exe_probe_parse_answer(ANSWER "0\n\n\n", &gobin), 0);
	assert_false(gobin.is_go);
	assert_null(gobin.build_id);
	assert_null(gobin.go_version);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_int_equal(gc_exe_probe_parse_answer(bad[i], &gobin), -EBADMSG);
	/* At the bound, and one past it. */
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 2] = '\0';
	assert_true(asprintf(&text, ANSWER "1\n%s\n\n", long_id) > 0);
	assert_int_equal(gc_exe_probe_parse_answer(text, &gobin), 0);
	gc_gobin_done(&gobin);
	free(text);
	long_id[sizeof(long_id) - 2] = 'a';
	long_id[sizeof(long_id) - 1] = '\0';
	assert_true(asprintf(&text, ANSWER "1\n%s\n\n", long_id) > 0);
	assert_int_equal(gc_exe_probe_parse_answer(text, &gobin), -EBADMSG);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_damaged_executables),
	    cmocka_unit_test(test_go_executable),
	    cmocka_unit_test(test_guard_refuses),
	    cmocka_unit_test(test_probe_answer),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
