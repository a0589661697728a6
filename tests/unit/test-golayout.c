/* SPDX-License-Identifier: MIT */
/* The per-release runtime layouts of lib/golayout.c against the DWARF of real binaries: for
 * every installed toolchain, a trivial program is built and tests/go/layoutdump prints the
 * offsets, the string tables and the enum constants the compiler recorded in its DWARF; every
 * offset of the table for that release must match, and fields the table marks GC_NO_FIELD must be
 * absent, and lib/godwarf.c must read the same offsets. lib/gostrtab.c must find the same string
 * tables in the binary, through .symtab and by content alone (as in a stripped binary). Plus the
 * version parser and the status text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "go-run.h"

#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <elf.h>

#include "godwarf.h"
#include "golayout.h"
#include "gostrtab.h"
#include "macro.h"

#define MAX_TOOLS 16

static char tmpdir[256] = "/tmp/gc-test-golayout-XXXXXX";
static char dumpdir[PATH_MAX]; /* tests/go/layoutdump */
static char progdir[PATH_MAX]; /* the trivial program, written into tmpdir */
static char layoutdump[PATH_MAX];
static char *tools[MAX_TOOLS]; /* /usr/lib/go-1.NN */
static size_t n_tools;

static const struct gc_go_layout_field *const fields = gc_go_layout_fields;

/* Runs argv in dir with this test's Go cache, without cgo; output to out. */
static int run(const char *dir, char *const argv[], const char *out)
{
	char cache[PATH_MAX];

	snprintf(cache, sizeof(cache), "%s/gocache", tmpdir);
	return go_run(dir, cache, NULL, argv, out);
}

static void path_of(char *buf, size_t size, size_t tool, const char *what)
{
	snprintf(buf, size, "%s/%zu.%s", tmpdir, tool, what);
}

/* Builds the trivial program with toolchain t. */
static void build_program(size_t t)
{
	char go[PATH_MAX], prog[PATH_MAX], out[PATH_MAX];

	snprintf(go, sizeof(go), "%s/bin/go", tools[t]);
	path_of(prog, sizeof(prog), t, "prog");
	path_of(out, sizeof(out), t, "version");
	run(progdir, (char *[]){go, "env", "GOVERSION", NULL}, out);
	path_of(out, sizeof(out), t, "build-prog");
	run(progdir, (char *[]){go, "build", "-o", prog, ".", NULL}, out);
}

/* The dump tool, built once by toolchain t: compiling debug/dwarf and its dependencies
 * with every toolchain would double the test's time, and the newest debug/dwarf reads the
 * DWARF of all older releases (1.19's zlib-compressed .zdebug sections included). */
static void build_layoutdump(size_t t)
{
	char go[PATH_MAX], out[PATH_MAX];

	snprintf(go, sizeof(go), "%s/bin/go", tools[t]);
	snprintf(out, sizeof(out), "%s/build-layoutdump", tmpdir);
	run(dumpdir, (char *[]){go, "build", "-buildvcs=false", "-o", layoutdump, ".", NULL}, out);
}

static unsigned tool_minor(size_t t)
{
	const char *dot = strrchr(tools[t], '.');
	return dot ? (unsigned)strtoul(dot + 1, NULL, 10) : 0;
}

/* Builds in one child per toolchain plus one for the dump tool, then dumps each program;
 * a failed dump is kept as N.dump-failed for the report. */
static void build_all(void)
{
	pid_t pids[MAX_TOOLS + 1];
	size_t newest = 0;

	if (n_tools == 0)
		return;
	for (size_t t = 1; t < n_tools; t++)
		if (tool_minor(t) > tool_minor(newest))
			newest = t;
	for (size_t t = 0; t <= n_tools; t++) {
		pids[t] = fork();
		if (pids[t] == 0) {
			if (t < n_tools)
				build_program(t);
			else
				build_layoutdump(newest);
			_exit(0);
		}
	}
	for (size_t t = 0; t <= n_tools; t++)
		if (pids[t] > 0)
			waitpid(pids[t], NULL, 0);
	for (size_t t = 0; t < n_tools; t++) {
		char prog[PATH_MAX], out[PATH_MAX], failed[PATH_MAX];

		path_of(prog, sizeof(prog), t, "prog");
		path_of(out, sizeof(out), t, "dump");
		path_of(failed, sizeof(failed), t, "dump-failed");
		if (access(prog, X_OK) == 0 && access(layoutdump, X_OK) == 0 &&
		    run(tmpdir, (char *[]){layoutdump, prog, NULL}, out) != 0)
			rename(out, failed);
	}
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[sizeof(progdir) + 32];
	_cleanup_fclose_ FILE *f = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f || fputs(text, f) < 0)
		return -1;
	return 0;
}

static int write_program(void)
{
	snprintf(progdir, sizeof(progdir), "%s/prog", tmpdir);
	if (mkdir(progdir, 0755) < 0)
		return -1;
	if (write_file(progdir, "go.mod", "module gocrashd.test/trivial\n\ngo 1.19\n") < 0)
		return -1;
	return write_file(progdir, "main.go",
			  "package main\n\nfunc main() { println(\"hello\") }\n");
}

static int setup(void **state)
{
	const char *root = getenv("GC_SOURCE_ROOT");
	glob_t g;

	(void)state;
	if (!root || !mkdtemp(tmpdir) || write_program() < 0)
		return -1;
	snprintf(dumpdir, sizeof(dumpdir), "%s/tests/go/layoutdump", root);
	snprintf(layoutdump, sizeof(layoutdump), "%s/layoutdump", tmpdir);
	if (glob("/usr/lib/go-1.*/bin/go", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc && n_tools < MAX_TOOLS; i++)
			tools[n_tools++] = strndup(g.gl_pathv[i], strlen(g.gl_pathv[i]) - 7);
		globfree(&g);
	}
	build_all();
	return 0;
}

static int teardown(void **state)
{
	char cmd[2 * sizeof(tmpdir) + 64];

	(void)state;
	/* The Go cache is read-only files in read-only directories. */
	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s' && rm -rf '%s'", tmpdir, tmpdir);
	for (size_t t = 0; t < n_tools; t++)
		free(tools[t]);
	return system(cmd) == 0 ? 0 : -1;
}

static char *read_text(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t size = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &size, 0, f) < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The dump, split into lines in place. */
struct dump {
	char *text;
	char **lines;
	size_t n_lines;
};

static void dump_load(struct dump *d, const char *path)
{
	size_t cap = 0;

	d->text = read_text(path);
	d->lines = NULL;
	d->n_lines = 0;
	assert_non_null(d->text);
	for (char *save = NULL, *l = strtok_r(d->text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (d->n_lines == cap) {
			cap = cap ? 2 * cap : 256;
			d->lines = realloc(d->lines, cap * sizeof(*d->lines));
			assert_non_null(d->lines);
		}
		d->lines[d->n_lines++] = l;
	}
}

static void dump_done(struct dump *d)
{
	free(d->lines);
	free(d->text);
}

/* The value after "key " on its line, or NULL. */
static const char *dump_value(const struct dump *d, const char *key)
{
	size_t len = strlen(key);

	for (size_t i = 0; i < d->n_lines; i++)
		if (strncmp(d->lines[i], key, len) == 0 && d->lines[i][len] == ' ')
			return d->lines[i] + len + 1;
	return NULL;
}

/* Integer value of key; false when absent. */
static bool dump_number(const struct dump *d, const char *key, long *ret)
{
	const char *v = dump_value(d, key);
	char *end;

	if (!v)
		return false;
	*ret = strtol(v, &end, 10);
	assert_true(end != v && *end == '\0');
	return true;
}

static void check_offsets(const struct gc_go_layout *layout, const struct dump *d)
{
	for (size_t i = 0; i < GC_GO_LAYOUT_N_FIELDS; i++) {
		uint32_t want;
		long got;
		bool present = dump_number(d, fields[i].dwarf, &got);

		memcpy(&want, (const char *)layout + fields[i].offset, sizeof(want));
		if (want == GC_NO_FIELD && present)
			fail_msg("go1.%u %s: GC_NO_FIELD, DWARF has %s at %ld", layout->minor,
				 fields[i].member, fields[i].dwarf, got);
		if (want != GC_NO_FIELD && !present)
			fail_msg("go1.%u %s: %s not in DWARF", layout->minor, fields[i].member,
				 fields[i].dwarf);
		if (present && got != (long)want)
			fail_msg("go1.%u %s: table %u, DWARF %s at %ld", layout->minor,
				 fields[i].member, want, fields[i].dwarf, got);
	}
}

/* What lib/godwarf.c reads from the program's DWARF (for releases newer than the tables) is
 * the table's entry, field for field. */
static void check_from_dwarf(const struct gc_go_layout *layout, const char *prog)
{
	struct gc_go_layout from_dwarf;
	size_t missing = 0, absent = 0;
	int fd = open(prog, O_RDONLY | O_CLOEXEC);
	struct gc_exe *exe = NULL;

	assert_true(fd >= 0);
	assert_int_equal(gc_exe_open(fd, &exe), 0);
	assert_int_equal(gc_go_layout_from_dwarf(exe, layout->minor, &from_dwarf, &missing), 0);
	gc_exe_free(exe);
	close(fd);
	for (size_t i = 0; i < GC_GO_LAYOUT_N_FIELDS; i++) {
		uint32_t want, got;

		memcpy(&want, (const char *)layout + fields[i].offset, sizeof(want));
		memcpy(&got, (const char *)&from_dwarf + fields[i].offset, sizeof(got));
		absent += want == GC_NO_FIELD;
		if (want != got)
			fail_msg("go1.%u %s: table %u, godwarf %u", layout->minor, fields[i].member,
				 want, got);
	}
	assert_int_equal(missing, absent);
}

/* The executable file as memory: PT_LOAD file contents at their link addresses. */
struct file_mem {
	int fd;
	Elf64_Phdr ph[32];
	size_t n_ph;
};

static int file_mem_read(void *userdata, uint64_t vaddr, void *buf, size_t size)
{
	struct file_mem *m = userdata;

	for (size_t i = 0; i < m->n_ph; i++) {
		const Elf64_Phdr *p = &m->ph[i];

		if (vaddr < p->p_vaddr || vaddr - p->p_vaddr > p->p_filesz ||
		    size > p->p_filesz - (vaddr - p->p_vaddr))
			continue;
		return pread(m->fd, buf, size, (off_t)(p->p_offset + vaddr - p->p_vaddr)) ==
			       (ssize_t)size
			   ? 0
			   : -EIO;
	}
	return -EFAULT;
}

/* Loads the PT_LOADs of the file and returns its writable ones as ranges. */
static size_t file_mem_open(struct file_mem *m, const char *path, uint64_t (*ranges)[2])
{
	Elf64_Ehdr eh;
	size_t n = 0;

	m->fd = open(path, O_RDONLY | O_CLOEXEC);
	m->n_ph = 0;
	assert_true(m->fd >= 0);
	assert_int_equal(pread(m->fd, &eh, sizeof(eh), 0), sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum && m->n_ph < ELEMENTSOF(m->ph); i++) {
		Elf64_Phdr ph;

		assert_int_equal(pread(m->fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)),
				 sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		m->ph[m->n_ph++] = ph;
		if (ph.p_flags & PF_W) {
			ranges[n][0] = ph.p_vaddr;
			ranges[n++][1] = ph.p_filesz;
		}
	}
	return n;
}

/* The table found in the binary against the array its DWARF describes, entry by entry.
 * Found by content, the table may run on into whatever follows it (no status indexes
 * that far): only the DWARF's entries are compared then. */
static void check_table(const struct dump *d, const char *array, const struct gc_go_strtab *tab,
			bool exact_end, unsigned minor, const char *how)
{
	char key[128];
	size_t n = 0;

	if (!tab->s)
		fail_msg("go1.%u %s: not found %s", minor, array, how);
	for (;; n++) {
		snprintf(key, sizeof(key), "%s[%zu]", array, n);
		if (!dump_value(d, key))
			break;
	}
	if (tab->n < n || (exact_end && tab->n != n))
		fail_msg("go1.%u %s %s: %zu entries, DWARF %zu", minor, array, how, tab->n, n);
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s[%zu]", array, i);
		if (strcmp(dump_value(d, key), tab->s[i]) != 0)
			fail_msg("go1.%u %s %s: \"%s\", DWARF \"%s\"", minor, key, how, tab->s[i],
				 dump_value(d, key));
	}
}

static void check_constants(const struct gc_go_strtabs *tabs, const struct dump *d);

static void check_strtabs(const char *prog, const struct dump *d, unsigned minor)
{
	static const char *const arrays[GC_GO_N_STRTABS] = {
	    [GC_GO_STRTAB_WAIT_REASONS] = "runtime.waitReasonStrings",
	    [GC_GO_STRTAB_STATUSES] = "runtime.gStatusStrings",
	    [GC_GO_STRTAB_SIGNALS] = "runtime.sigtable",
	};
	struct gc_go_strtab_hint hints[GC_GO_N_HINTS];
	struct gc_go_strtabs by_symbol, by_content;
	struct gc_exe *exe = NULL;
	uint64_t ranges[32][2];
	struct file_mem m;
	size_t n = file_mem_open(&m, prog, ranges);

	assert_int_equal(gc_exe_open(m.fd, &exe), 0);
	assert_int_equal(gc_go_strtab_hints(exe, hints), 0);
	gc_exe_free(exe);
	for (size_t k = 0; k < GC_GO_N_STRTABS; k++)
		assert_true(hints[k].addr != 0);
	assert_int_equal(gc_go_strtabs_find(file_mem_read, &m, ranges, n, hints, 0, &by_symbol), 0);
	assert_int_equal(gc_go_strtabs_find(file_mem_read, &m, ranges, n, NULL, 0, &by_content), 0);
	for (size_t k = 0; k < GC_GO_N_STRTABS; k++) {
		check_table(d, arrays[k], &by_symbol.tab[k], true, minor, "by symbol");
		check_table(d, arrays[k], &by_content.tab[k], false, minor, "by content");
		assert_int_equal(by_content.tab[k].addr, hints[k].addr);
	}
	check_constants(&by_symbol, d);
	gc_go_strtabs_done(&by_symbol);
	gc_go_strtabs_done(&by_content);
	close(m.fd);
}

/* Enum values the compiler wrote into DWARF agree with the binary's string tables. */
static void check_constants(const struct gc_go_strtabs *tabs, const struct dump *d)
{
	static const struct {
		const char *name;
		const char *text;
	} reasons[] = {
	    {"runtime.waitReasonChanReceive", "chan receive"},
	    {"runtime.waitReasonSelect", "select"},
	    {"runtime.waitReasonSleep", "sleep"},
	    {"runtime.waitReasonGCSweepWait", "GC sweep wait"},
	    {"runtime.waitReasonSemacquire", "semacquire"},
	    {"runtime.waitReasonSyncMutexLock", "sync.Mutex.Lock"},
	    {"runtime.waitReasonDebugCall", "debug call"},
	};
	static const struct {
		const char *name;
		long value;
	} statuses[] = {
	    {"runtime._Gidle", GC_G_IDLE},	     {"runtime._Grunnable", GC_G_RUNNABLE},
	    {"runtime._Grunning", GC_G_RUNNING},     {"runtime._Gsyscall", GC_G_SYSCALL},
	    {"runtime._Gwaiting", GC_G_WAITING},     {"runtime._Gdead", GC_G_DEAD},
	    {"runtime._Gcopystack", GC_G_COPYSTACK}, {"runtime._Gpreempted", GC_G_PREEMPTED},
	    {"runtime._Gscan", GC_G_SCAN},
	};
	char key[128];
	long v;

	for (size_t i = 0; i < ELEMENTSOF(reasons); i++) {
		snprintf(key, sizeof(key), "const %s", reasons[i].name);
		/* sync.Mutex.Lock is absent from 1.19. */
		if (!dump_number(d, key, &v))
			continue;
		assert_true(v > 0 && v < 256);
		assert_string_equal(gc_go_status_text(tabs, GC_G_WAITING, (uint8_t)v),
				    reasons[i].text);
	}
	for (size_t i = 0; i < ELEMENTSOF(statuses); i++) {
		snprintf(key, sizeof(key), "const %s", statuses[i].name);
		assert_true(dump_number(d, key, &v));
		assert_int_equal(v, statuses[i].value);
	}
}

/* The temporary directory goes away: show a failed build's output now. */
static void print_log_file(const char *path)
{
	_cleanup_free_ char *text = read_text(path);

	if (text)
		printf("# %s:\n%s\n", path, text);
}

static void print_log(size_t t, const char *what)
{
	char path[PATH_MAX];

	path_of(path, sizeof(path), t, what);
	print_log_file(path);
}

static void check_toolchain(size_t t)
{
	char path[PATH_MAX];
	_cleanup_free_ char *version = NULL;
	const struct gc_go_layout *layout;
	struct dump d;
	unsigned minor;
	bool exact;

	path_of(path, sizeof(path), t, "version");
	version = read_text(path);
	assert_non_null(version);
	version[strcspn(version, "\n")] = 0;
	assert_int_equal(gc_go_minor(version, &minor), 0);
	path_of(path, sizeof(path), t, "dump");
	if (access(path, F_OK) < 0) {
		print_log(t, "build-prog");
		print_log(t, "dump-failed");
		snprintf(path, sizeof(path), "%s/build-layoutdump", tmpdir);
		print_log_file(path);
		fail_msg("%s: no DWARF dump", version);
	}
	dump_load(&d, path);
	path_of(path, sizeof(path), t, "prog");
	check_strtabs(path, &d, minor);
	layout = gc_go_layout_get(minor, &exact);
	assert_non_null(layout);
	if (exact) {
		printf("# %s: %zu offsets, the string tables\n", version, GC_GO_LAYOUT_N_FIELDS);
		check_offsets(layout, &d);
		check_from_dwarf(layout, path);
	} else
		printf("# %s: newer than the layouts, the string tables only\n", version);
	dump_done(&d);
}

static void test_dwarf(void **state)
{
	(void)state;
	if (n_tools == 0) {
		printf("no Go toolchain under /usr/lib/go-1.*\n");
		skip();
	}
	for (size_t t = 0; t < n_tools; t++)
		check_toolchain(t);
}

/* The mapping above covers every offset of the struct: a field added to the header without
 * a DWARF name here fails this. */
static void test_fields_complete(void **state)
{
	size_t first = offsetof(struct gc_go_layout, g_stack_lo);
	size_t last = offsetof(struct gc_go_layout, funcid_wrapper);

	(void)state;
	assert_int_equal((last - first) / sizeof(uint32_t) + 1, GC_GO_LAYOUT_N_FIELDS);
	for (size_t i = 0; i < GC_GO_LAYOUT_N_FIELDS; i++)
		assert_int_equal(fields[i].offset, first + i * sizeof(uint32_t));
}

static void test_minor(void **state)
{
	static const struct {
		const char *s;
		int r;
		unsigned minor;
	} cases[] = {
	    {"go1.22.12", 0, 22},
	    {"go1.24rc1", 0, 24},
	    {"go1.21", 0, 21},
	    {"go1.21.0", 0, 21},
	    {"go1.23beta2", 0, 23},
	    {"go1.22.1 X:nocoverageredesign", 0, 22},
	    {"go1.9", 0, 9},
	    {"go1.100.1", 0, 100},
	    {"go1", 0, 0},
	    {"devel go1.25-abcdef Tue", -EINVAL, 0},
	    {"go1.", -EINVAL, 0},
	    {"go1.x", -EINVAL, 0},
	    {"go1.22x", -EINVAL, 0},
	    {"go10.1", -EINVAL, 0},
	    {"go2.0", -EINVAL, 0},
	    {"", -EINVAL, 0},
	    {"go1.99999999999", -EINVAL, 0},
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		unsigned minor = 12345;
		int r = gc_go_minor(cases[i].s, &minor);

		if (r != cases[i].r)
			fail_msg("\"%s\": %d, want %d", cases[i].s, r, cases[i].r);
		/* Written only on success. */
		assert_int_equal(minor, r == 0 ? cases[i].minor : 12345);
	}
	assert_int_equal(gc_go_minor(NULL, &(unsigned){0}), -EINVAL);
}

/* No toolchain checks 1.18's entry against DWARF: it was derived from the sources, where
 * every field read sits as in 1.19 (golayout.c says why), so it must stay 1.19's copy. */
static void check_118_is_119(void)
{
	struct gc_go_layout l18 = *gc_go_layout_get(18, NULL);

	l18.minor = 19;
	assert_memory_equal(&l18, gc_go_layout_get(19, NULL), sizeof(l18));
}

static void test_layout_get(void **state)
{
	const struct gc_go_layout *l;
	bool exact = false;

	(void)state;
	assert_null(gc_go_layout_get(17, &exact));
	assert_null(gc_go_layout_get(0, NULL));
	for (unsigned minor = 18; minor <= 27; minor++) {
		exact = false;
		l = gc_go_layout_get(minor, &exact);
		assert_non_null(l);
		assert_true(exact);
		assert_int_equal(l->minor, minor);
		assert_int_equal(l->panic_arg, minor < 26 ? 8 : 0); /* 1.26 dropped _panic.argp */
	}
	l = gc_go_layout_get(28, &exact);
	assert_non_null(l);
	assert_false(exact);
	assert_int_equal(l->minor, 27);
	assert_ptr_equal(gc_go_layout_get(1000, NULL), l);
	/* Fields that appeared or went away. */
	assert_int_equal(gc_go_layout_get(22, NULL)->g_syscallbp, GC_NO_FIELD);
	assert_int_equal(gc_go_layout_get(23, NULL)->g_syscallbp, 128);
	assert_int_equal(gc_go_layout_get(20, NULL)->g_parentgoid, GC_NO_FIELD);
	assert_int_equal(gc_go_layout_get(21, NULL)->g_parentgoid, 272);
	assert_int_equal(gc_go_layout_get(24, NULL)->g_sched_ret, 88);
	assert_int_equal(gc_go_layout_get(25, NULL)->g_sched_ret, GC_NO_FIELD);
	check_118_is_119();
}

/* Memory holding string tables as the linker lays them out: Go strings {ptr, len} pointing
 * into a string area, arrays in a data area that starts with unrelated words. */
struct fake_mem {
	uint8_t bytes[16384];
	size_t strings_used, data_used;
};

#define FAKE_BASE 0x400000u
#define FAKE_DATA 8192u /* the data area: bytes[FAKE_DATA...] */

static int fake_read(void *userdata, uint64_t vaddr, void *buf, size_t size)
{
	struct fake_mem *m = userdata;

	if (vaddr < FAKE_BASE || vaddr - FAKE_BASE > sizeof(m->bytes) ||
	    size > sizeof(m->bytes) - (vaddr - FAKE_BASE))
		return -EFAULT;
	memcpy(buf, m->bytes + (vaddr - FAKE_BASE), size);
	return 0;
}

/* Appends an array of n entries of stride bytes, the Go string at str_off in each. */
static uint64_t fake_table(struct fake_mem *m, const char *const *s, size_t n, size_t stride,
			   size_t str_off)
{
	uint64_t addr = FAKE_BASE + FAKE_DATA + m->data_used;

	for (size_t i = 0; i < n; i++) {
		uint64_t hdr[2] = {FAKE_BASE + m->strings_used, strlen(s[i])};
		uint8_t *entry = m->bytes + FAKE_DATA + m->data_used + i * stride;

		memcpy(m->bytes + m->strings_used, s[i], hdr[1]);
		m->strings_used += hdr[1];
		memset(entry, 0x5a, stride);
		memcpy(entry + str_off, hdr, sizeof(hdr));
	}
	m->data_used += n * stride + 8;
	assert_true(m->strings_used < FAKE_DATA && FAKE_DATA + m->data_used < sizeof(m->bytes));
	return addr;
}

/* The tables come from the program, whatever their order: a release that reorders the wait
 * reasons (1.26 did) is labelled by its own table. Found by content, and by a .symtab hint. */
static void test_status_text(void **state)
{
	/* 1.26's order: "chan receive" is 16, not 14 as in 1.19-1.25. */
	static const char *const reasons[] = {
	    "",
	    "GC assist marking",
	    "IO wait",
	    "dumping heap",
	    "garbage collection",
	    "garbage collection scan",
	    "panicwait",
	    "GC assist wait",
	    "GC sweep wait",
	    "GC scavenge wait",
	    "finalizer wait",
	    "force gc (idle)",
	    "semacquire",
	    "sleep",
	    "chan receive (nil chan)",
	    "chan send (nil chan)",
	    "chan receive",
	    "chan send",
	    "select",
	};
	static const char *const statuses[] = {
	    "idle", "runnable", "running",   "syscall",	  "waiting", "",
	    "dead", "",		"copystack", "preempted", "leaked",
	};
	static const char *const signals[] = {
	    "SIGNONE: no trap",
	    "SIGHUP: terminal line hangup",
	    "SIGINT: interrupt",
	    "SIGQUIT: quit",
	};
	static struct fake_mem m;
	struct gc_go_strtab_hint hints[GC_GO_N_HINTS] = {};
	struct gc_go_strtabs tabs;
	uint64_t ranges[1][2] = {{FAKE_BASE + FAKE_DATA, sizeof(m.bytes) - FAKE_DATA}}, addr[3];

	(void)state;
	memset(&m, 0, sizeof(m));
	m.data_used = 40; /* words before the first table */
	addr[0] = fake_table(&m, reasons, ELEMENTSOF(reasons), 16, 0);
	addr[1] = fake_table(&m, statuses, ELEMENTSOF(statuses), 16, 0);
	addr[2] = fake_table(&m, signals, ELEMENTSOF(signals), 24, 8);
	assert_int_equal(gc_go_strtabs_find(fake_read, &m, ranges, 1, NULL, 0, &tabs), 0);
	for (size_t k = 0; k < GC_GO_N_STRTABS; k++)
		assert_int_equal(tabs.tab[k].addr, addr[k]);
	assert_int_equal(tabs.tab[GC_GO_STRTAB_WAIT_REASONS].n, ELEMENTSOF(reasons));
	assert_int_equal(tabs.tab[GC_GO_STRTAB_STATUSES].n, ELEMENTSOF(statuses));
	assert_string_equal(gc_go_status_text(&tabs, 4, 16), "chan receive");
	assert_string_equal(gc_go_status_text(&tabs, 4, 11), "force gc (idle)");
	assert_string_equal(gc_go_status_text(&tabs, 4, 18), "select");
	/* Past the table: what waitReason.String() returns. */
	assert_string_equal(gc_go_status_text(&tabs, 4, 19), "unknown wait reason");
	assert_string_equal(gc_go_status_text(&tabs, 4, 255), "unknown wait reason");
	/* The scan bit does not change what is printed. */
	assert_string_equal(gc_go_status_text(&tabs, 0x1004, 18), "select");
	/* Waiting without a reason, and the other states ignore the reason. */
	assert_string_equal(gc_go_status_text(&tabs, 4, 0), "waiting");
	assert_string_equal(gc_go_status_text(&tabs, 2, 18), "running");
	assert_string_equal(gc_go_status_text(&tabs, 0x1001, 0), "runnable");
	assert_string_equal(gc_go_status_text(&tabs, 10, 0), "leaked");
	/* 1.26's leaked goroutines print their wait reason, as waiting ones do. */
	assert_string_equal(gc_go_status_text(&tabs, 10, 16), "chan receive");
	assert_string_equal(gc_go_status_text(&tabs, 0x100a, 18), "select");
	/* Unused values print as the runtime's empty array entries. */
	assert_string_equal(gc_go_status_text(&tabs, 5, 0), "");
	assert_string_equal(gc_go_status_text(&tabs, 11, 0), "???");
	assert_string_equal(gc_go_status_text(&tabs, 0xffffffff, 0), "???");
	assert_string_equal(gc_go_strtab_get(&tabs, GC_GO_STRTAB_SIGNALS, 3), "SIGQUIT: quit");
	assert_null(gc_go_strtab_get(&tabs, GC_GO_STRTAB_SIGNALS, 4));
	gc_go_strtabs_done(&tabs);

	/* A hint gives the exact length: the table ends where .symtab says. */
	hints[GC_GO_STRTAB_WAIT_REASONS] = (struct gc_go_strtab_hint){addr[0] - 0x1000, 13 * 16};
	assert_int_equal(gc_go_strtabs_find(fake_read, &m, ranges, 1, hints, 0x1000, &tabs), 0);
	assert_int_equal(tabs.tab[GC_GO_STRTAB_WAIT_REASONS].n, 13);
	assert_string_equal(gc_go_status_text(&tabs, 4, 16), "unknown wait reason");
	gc_go_strtabs_done(&tabs);

	/* No tables at all: the status words say only what is certain. */
	memset(&m, 0, sizeof(m));
	assert_int_equal(gc_go_strtabs_find(fake_read, &m, ranges, 1, NULL, 0, &tabs), 0);
	for (size_t k = 0; k < GC_GO_N_STRTABS; k++)
		assert_null(tabs.tab[k].s);
	assert_string_equal(gc_go_status_text(&tabs, 4, 16), "waiting");
	assert_string_equal(gc_go_status_text(&tabs, 2, 0), "???");
	gc_go_strtabs_done(&tabs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minor),	cmocka_unit_test(test_layout_get),
	    cmocka_unit_test(test_status_text), cmocka_unit_test(test_fields_complete),
	    cmocka_unit_test(test_dwarf),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
