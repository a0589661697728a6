/* SPDX-License-Identifier: MIT */
/* Build info and pclntab readers against real Go binaries: tests/go/funcs built with every
 * installed toolchain in several modes, checked against `go version`, `go tool buildid`,
 * `go tool nm` and `go tool objdump` of the same toolchain. Plus garbage-input tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "go-run.h"

#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gobuildinfo.h"
#include "goexe.h"
#include "golayout.h"
#include "macro.h"
#include "pclntab.h"

#define MODULE	  "example.com/gocrash/funcs"
#define MAX_TOOLS 16

struct mode {
	const char *name;
	bool cgo;
	const char *flags[3];
	const char *ref; /* mode whose unstripped build gives nm/objdump, NULL: itself */
	const char *buildmode;
	bool trimpath;
	bool every_toolchain; /* else only the oldest and newest, unless GC_TEST_GOBIN_FULL=1 */
};

/* Each distinct set of compile flags recompiles the runtime (about 10 s of CPU): five
 * toolchains times five modes take minutes. So modes are combined (pie with trimpath, cgo
 * with both), and the toolchains between the oldest and the newest only get the cheap ones. */
static const struct mode modes[] = {
    {"default", false, {NULL}, NULL, "exe", false, true},
    {"strip", false, {"-ldflags=-s -w", NULL}, "default", "exe", false, true},
    {"pie-trimpath", false, {"-buildmode=pie", "-trimpath", NULL}, NULL, "pie", true, false},
    {"cgo-pie-trimpath", true, {"-buildmode=pie", "-trimpath", NULL}, NULL, "pie", true, false},
};

/* Short, so that every path built from it fits in PATH_MAX. */
static char tmpdir[256] = "/tmp/gc-test-gobin-XXXXXX";
static bool keep_tmpdir;
static char srcdir[1024];
static char *tools[MAX_TOOLS]; /* /usr/lib/go-1.NN */
static size_t n_tools;

static bool mode_wanted(size_t tool, const struct mode *mode)
{
	return mode->every_toolchain || tool == 0 || tool + 1 == n_tools ||
	       getenv("GC_TEST_GOBIN_FULL");
}

/* Runs argv in dir with this test's Go cache; output to out (NULL: discard). */
static int run(const char *dir, const char *cgo, char *const argv[], const char *out)
{
	char cache[PATH_MAX];

	snprintf(cache, sizeof(cache), "%s/gocache", tmpdir);
	return go_run(dir, cache, cgo, argv, out);
}

static void path_of(char *buf, size_t size, size_t tool, const char *mode, const char *what)
{
	snprintf(buf, size, "%s/%zu-%s%s", tmpdir, tool, mode, what);
}

static void objdump(char *go, char *bin, const char *out)
{
	run(srcdir, NULL,
	    (char *[]){go, "tool", "objdump", "-s", "^(main|" MODULE "/sub)\\.", bin, NULL}, out);
}

static bool objdump_has_lines(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[512];

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "  ", 2) == 0 && strncmp(line, "  :0", 4) != 0)
			return true;
	return false;
}

/* Builds every mode of one toolchain and runs its tools; in a child so toolchains overlap. */
static void build_toolchain(size_t t)
{
	char go[PATH_MAX], bin[PATH_MAX], out[PATH_MAX];

	snprintf(go, sizeof(go), "%s/bin/go", tools[t]);
	path_of(out, sizeof(out), t, "go", ".version");
	run(srcdir, NULL, (char *[]){go, "env", "GOVERSION", NULL}, out);
	for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
		char *argv[8] = {go, "build", "-o", bin};
		size_t n = 4;

		if (!mode_wanted(t, &modes[m]) ||
		    (modes[m].cgo && access("/usr/bin/gcc", X_OK) < 0))
			continue;
		path_of(bin, sizeof(bin), t, modes[m].name, "");
		for (size_t f = 0; modes[m].flags[f]; f++)
			argv[n++] = (char *)modes[m].flags[f];
		argv[n++] = ".";
		argv[n] = NULL;
		path_of(out, sizeof(out), t, modes[m].name, ".build");
		if (run(srcdir, modes[m].cgo ? "1" : "0", argv, out) != 0)
			continue;
		path_of(out, sizeof(out), t, modes[m].name, ".buildid");
		run(srcdir, NULL, (char *[]){go, "tool", "buildid", bin, NULL}, out);
		if (modes[m].ref)
			continue;
		path_of(out, sizeof(out), t, modes[m].name, ".nm");
		run(srcdir, NULL, (char *[]){go, "tool", "nm", bin, NULL}, out);
		path_of(out, sizeof(out), t, modes[m].name, ".objdump");
		objdump(go, bin, out);
		/* Go 1.19's objdump misses .data.rel.ro.gopclntab (internally linked PIE) and
		 * prints ":0" lines: ask the newest toolchain instead. */
		if (!objdump_has_lines(out) && t + 1 < n_tools) {
			snprintf(go, sizeof(go), "%s/bin/go", tools[n_tools - 1]);
			objdump(go, bin, out);
			snprintf(go, sizeof(go), "%s/bin/go", tools[t]);
		}
	}
}

static int setup(void **state)
{
	const char *root = getenv("GC_SOURCE_ROOT");
	glob_t g;
	pid_t pids[MAX_TOOLS];

	(void)state;
	if (!root)
		return -1;
	/* For debugging: GC_TEST_GOBIN_DIR names a directory kept (and reused) across runs. */
	if (getenv("GC_TEST_GOBIN_DIR")) {
		snprintf(tmpdir, sizeof(tmpdir), "%s", getenv("GC_TEST_GOBIN_DIR"));
		keep_tmpdir = true;
		mkdir(tmpdir, 0755);
	} else if (!mkdtemp(tmpdir))
		return -1;
	snprintf(srcdir, sizeof(srcdir), "%s/tests/go/funcs", root);
	if (glob("/usr/lib/go-1.*/bin/go", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc && n_tools < MAX_TOOLS; i++) {
			tools[n_tools] = strndup(g.gl_pathv[i], strlen(g.gl_pathv[i]) - 7);
			n_tools++;
		}
		globfree(&g);
	}
	for (size_t t = 0; t < n_tools; t++) {
		pids[t] = fork();
		if (pids[t] == 0) {
			build_toolchain(t);
			_exit(0);
		}
	}
	for (size_t t = 0; t < n_tools; t++)
		if (pids[t] > 0)
			waitpid(pids[t], NULL, 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[2 * PATH_MAX + 64];

	(void)state;
	/* The Go cache is read-only files in read-only directories. */
	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s' && rm -rf '%s'", tmpdir, tmpdir);
	if (!keep_tmpdir && system(cmd) != 0)
		return -1;
	for (size_t t = 0; t < n_tools; t++)
		free(tools[t]);
	return 0;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t size = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &size, 0, f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static char *read_line(const char *path)
{
	char *s = read_text(path);

	if (s)
		s[strcspn(s, "\n")] = 0;
	return s;
}

/* Reads link-time addresses of an ELF file through its PT_LOAD segments. */
struct file_mem {
	int fd;
	Elf *elf;
};

static int file_mem_read(void *userdata, uint64_t vaddr, void *buf, size_t size)
{
	struct file_mem *fm = userdata;
	size_t phnum;

	if (elf_getphdrnum(fm->elf, &phnum) < 0)
		return -EIO;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(fm->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr < ph.p_vaddr || vaddr - ph.p_vaddr > ph.p_filesz ||
		    size > ph.p_filesz - (vaddr - ph.p_vaddr))
			continue;
		return pread(fm->fd, buf, size, (off_t)(ph.p_offset + vaddr - ph.p_vaddr)) ==
			       (ssize_t)size
			   ? 0
			   : -EIO;
	}
	return -EFAULT;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void check_buildinfo(const char *bin, const char *version, const char *buildid,
			    const struct mode *mode)
{
	_cleanup_close_ int fd = open(bin, O_RDONLY | O_CLOEXEC);
	_cleanup_(gc_exe_freep) struct gc_exe *exe = NULL;
	const struct gc_buildinfo *b;

	assert_true(fd >= 0);
	assert_int_equal(gc_exe_open(fd, &exe), 0);
	assert_int_equal(gc_exe_buildinfo(exe, &b), 0);
	assert_string_equal(b->go_version, version);
	assert_string_equal(b->path, MODULE);
	assert_string_equal(b->mod_path, MODULE);
	assert_non_null(b->mod_version);
	/* Go 1.19 does not record -buildmode; later ones always do. */
	if (strncmp(version, "go1.19", 6) == 0)
		assert_null(b->buildmode);
	else {
		assert_non_null(b->buildmode);
		assert_string_equal(b->buildmode, mode->buildmode);
	}
	/* tests/go/funcs sits in the project's git tree: the go command stamps it. */
	if (b->vcs) {
		assert_string_equal(b->vcs, "git");
		assert_int_equal(strspn(b->vcs_revision, "0123456789abcdef"), 40);
		assert_non_null(b->vcs_time);
	}
	assert_int_equal(b->cgo_enabled, mode->cgo);
	assert_int_equal(b->trimpath, mode->trimpath);
	assert_string_equal(b->goos, "linux");
	assert_non_null(b->goarch);
	assert_int_equal(b->n_deps, 0);
	assert_string_equal(gc_buildinfo_setting(b, "-compiler"), "gc");
	if (strcmp(mode->name, "strip") == 0)
		assert_string_equal(gc_buildinfo_setting(b, "-ldflags"), "-s -w");
	assert_non_null(gc_exe_go_build_id(exe));
	assert_string_equal(gc_exe_go_build_id(exe), buildid);
}

struct sym {
	uint64_t addr;
	char name[256];
};

/* Text symbols of the main module from `go tool nm`, plus runtime.text and go:func.*. */
static size_t parse_nm(const char *path, struct sym *syms, size_t max, uint64_t *text,
		       uint64_t *gofunc)
{
	_cleanup_free_ char *nm = read_text(path);
	size_t n = 0;

	assert_non_null(nm);
	for (char *line = strtok(nm, "\n"); line; line = strtok(NULL, "\n")) {
		struct sym s;
		char kind;
		size_t len;

		if (sscanf(line, " %" SCNx64 " %c %255[^\n]", &s.addr, &kind, s.name) != 3)
			continue;
		if (strcmp(s.name, "runtime.text") == 0)
			*text = s.addr;
		if (strcmp(s.name, "go:func.*") == 0 || strcmp(s.name, "go.func.*") == 0)
			*gofunc = s.addr;
		if ((kind != 'T' && kind != 't') || n >= max ||
		    (strncmp(s.name, "main.", 5) && strncmp(s.name, MODULE "/sub.", 30)))
			continue;
		/* The symbol table names ABI0 functions with a suffix the pclntab lacks. */
		len = strlen(s.name);
		if (len > 5 && strcmp(s.name + len - 5, ".abi0") == 0)
			s.name[len - 5] = 0;
		syms[n++] = s;
	}
	return n;
}

/* One pass for many names finds what a lookup for each finds; a missing name gives 0. */
static void check_batch_lookup(struct gc_pclntab *tab, const struct sym *syms, size_t n)
{
	const char *names[33];
	uint64_t entries[33];
	size_t k = 0;

	for (size_t i = 0; i < n && k < ELEMENTSOF(names) - 1; i++) {
		struct gc_func f;

		assert_int_equal(gc_pclntab_find_func(tab, syms[i].addr, &f), 0);
		bool seen = strstr(f.name, "[...]") != NULL; /* not unique in Go 1.19 */

		for (size_t j = 0; j < k && !seen; j++)
			seen = strcmp(names[j], f.name) == 0;
		if (!seen)
			names[k++] = f.name;
	}
	names[k++] = "nope";
	assert_int_equal(gc_pclntab_find_funcs_by_name(tab, names, k, entries), 0);
	for (size_t i = 0; i < k; i++) {
		struct gc_func g;
		int r = gc_pclntab_find_func_by_name(tab, names[i], &g);

		assert_int_equal(entries[i], r == 0 ? g.entry : 0);
	}
	assert_int_equal(entries[k - 1], 0);
}

static void check_symbols(struct gc_pclntab *tab, const struct sym *syms, size_t n)
{
	size_t generic = 0;

	assert_true(n >= 8);
	for (size_t i = 0; i < n; i++) {
		struct gc_func f, g;
		char want[256], got[256];

		assert_int_equal(gc_pclntab_find_func(tab, syms[i].addr, &f), 0);
		assert_int_equal(f.entry, syms[i].addr);
		assert_true(f.end > f.entry);
		assert_int_equal(gc_pclntab_find_func(tab, f.end - 1, &g), 0);
		assert_int_equal(g.entry, f.entry);
		/* Go 1.19's linker stored "[...]" itself; later ones the shape types. */
		gc_funcname_for_print(syms[i].name, 27, want, sizeof(want));
		gc_funcname_for_print(f.name, 27, got, sizeof(got));
		assert_string_equal(got, want);
		assert_int_equal(gc_pclntab_find_func_by_name(tab, f.name, &g), 0);
		/* Names are unique except Go 1.19's "[...]" ones: the first match wins there. */
		if (!strstr(f.name, "[...]"))
			assert_int_equal(g.entry, f.entry);
		assert_string_equal(g.name, f.name);
		generic += strcmp(got, "main.Sum[...]") == 0;
	}
	assert_int_equal(generic, 2);
	check_batch_lookup(tab, syms, n);
}

/* Every instruction objdump lists: the innermost frame's file:line equals objdump's. */
static void check_objdump(struct gc_pclntab *tab, const char *path)
{
	_cleanup_free_ char *dump = read_text(path);
	size_t checked = 0;

	assert_non_null(dump);
	for (char *line = strtok(dump, "\n"); line; line = strtok(NULL, "\n")) {
		char file[256];
		int lineno;
		uint64_t pc;
		struct gc_frame frames[8];
		size_t n;

		if (sscanf(line, "  %255[^:]:%d %" SCNx64, file, &lineno, &pc) != 3)
			continue;
		assert_int_equal(gc_pclntab_frames(tab, pc, frames, ELEMENTSOF(frames), &n), 0);
		assert_true(n >= 1);
		assert_false(frames[n - 1].inlined);
		if (strcmp(base_name(frames[0].file), file) != 0 || frames[0].line != lineno)
			fail_msg("pc %#" PRIx64 ": %s:%d, objdump says %s:%d", pc, frames[0].file,
				 frames[0].line, file, lineno);
		checked++;
	}
	assert_true(checked >= 50);
}

/* main.inlineChain inlines top -> middle -> leaf: some pc must expand to all four frames. */
static void check_inlining(struct gc_pclntab *tab, bool trimpath)
{
	static const char *const chain[] = {"main.leaf", "main.middle", "main.top",
					    "main.inlineChain"};
	struct gc_func f;
	bool seen = false;

	assert_int_equal(gc_pclntab_find_func_by_name(tab, "main.inlineChain", &f), 0);
	for (uint64_t pc = f.entry; pc < f.end && !seen; pc++) {
		struct gc_frame frames[8];
		size_t n;

		assert_int_equal(gc_pclntab_frames(tab, pc, frames, ELEMENTSOF(frames), &n), 0);
		if (n != 4)
			continue;
		for (size_t i = 0; i < 4; i++) {
			assert_string_equal(frames[i].name, chain[i]);
			assert_int_equal(frames[i].inlined, i < 3);
			assert_int_equal(frames[i].entry, f.entry);
			assert_string_equal(base_name(frames[i].file), "main.go");
			if (trimpath)
				assert_string_equal(frames[i].file, MODULE "/main.go");
			else
				assert_true(strncmp(frames[i].file, srcdir, strlen(srcdir)) == 0);
		}
		/* Call sites in tests/go/funcs/main.go: leaf in middle (line 20), middle in top
		 * (24), top in inlineChain (29). */
		assert_int_equal(frames[1].line, 20);
		assert_int_equal(frames[2].line, 24);
		assert_int_equal(frames[3].line, 29);
		/* Too small an array keeps the innermost frames. */
		assert_int_equal(gc_pclntab_frames(tab, pc, frames, 2, &n), 0);
		assert_int_equal(n, 2);
		assert_string_equal(frames[1].name, "main.middle");
		seen = true;
	}
	assert_true(seen);
}

static void check_pcsp(struct gc_pclntab *tab)
{
	struct gc_func f;
	int32_t sp, max_sp = 0;
	bool padding = false;

	assert_int_equal(gc_pclntab_find_func_by_name(tab, "main.main", &f), 0);
	assert_int_equal(gc_pclntab_pcsp(tab, &f, f.entry, &sp), 0);
	assert_int_equal(sp, 0);
	/* The table covers the code; only the alignment padding after it has no value. */
	for (uint64_t pc = f.entry; pc < f.end; pc++) {
		int r = gc_pclntab_pcsp(tab, &f, pc, &sp);
		if (r == -ENOENT && padding)
			continue;
		padding = r == -ENOENT;
		assert_true(r == 0 || r == -ENOENT);
		assert_true(r < 0 || (sp >= 0 && sp < 4096));
		if (r == 0)
			max_sp = MAX(max_sp, sp);
		else
			assert_true(f.end - pc < 32);
	}
	assert_true(max_sp > 0);
	assert_int_equal(gc_pclntab_pcsp(tab, &f, f.end, &sp), -ENOENT);
	assert_int_equal(gc_pclntab_find_func_by_name(tab, "runtime.goexit", &f), 0);
	assert_true(f.flag & GC_FUNCFLAG_TOPFRAME);
}

/* The header scan finds the table at the same place as the section lookup. */
static void check_scan(const char *bin, const struct gc_pclntab_image *img)
{
	struct file_mem fm = {.fd = open(bin, O_RDONLY | O_CLOEXEC)};
	_cleanup_free_ uint8_t *seg = NULL;
	size_t phnum;

	assert_true(fm.fd >= 0);
	fm.elf = elf_begin(fm.fd, ELF_C_READ, NULL);
	assert_non_null(fm.elf);
	assert_int_equal(elf_getphdrnum(fm.elf, &phnum), 0);
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		int64_t off;

		assert_non_null(gelf_getphdr(fm.elf, (int)i, &ph));
		if (ph.p_type != PT_LOAD || img->vaddr < ph.p_vaddr ||
		    img->vaddr >= ph.p_vaddr + ph.p_filesz)
			continue;
		seg = malloc(ph.p_filesz);
		assert_int_equal(file_mem_read(&fm, ph.p_vaddr, seg, ph.p_filesz), 0);
		off = gc_pclntab_scan(seg, ph.p_filesz);
		assert_int_equal(off, img->vaddr - ph.p_vaddr);
		break;
	}
	assert_non_null(seg);
	elf_end(fm.elf);
	close(fm.fd);
}

/* The runtime layouts of the release that built exe. */
static const struct gc_go_layout *layout_of(const struct gc_exe *exe)
{
	const struct gc_buildinfo *info;
	unsigned minor;

	assert_int_equal(gc_exe_buildinfo(exe, &info), 0);
	assert_int_equal(gc_go_minor(info->go_version, &minor), 0);
	assert_non_null(gc_go_layout_get(minor, NULL));
	return gc_go_layout_get(minor, NULL);
}

static void check_pclntab(const char *bin, const char *ref, const struct mode *mode)
{
	struct file_mem fm = {.fd = open(bin, O_RDONLY | O_CLOEXEC)};
	struct gc_pclntab_image img;
	_cleanup_(gc_exe_freep) struct gc_exe *exe = NULL;
	_cleanup_(gc_pclntab_freep) struct gc_pclntab *tab = NULL;
	struct sym syms[64];
	uint64_t text = 0, gofunc = 0;
	char path[PATH_MAX];
	size_t n;

	assert_true(fm.fd >= 0);
	fm.elf = elf_begin(fm.fd, ELF_C_READ, NULL);
	assert_non_null(fm.elf);
	assert_int_equal(gc_exe_open(fm.fd, &exe), 0);
	assert_int_equal(gc_pclntab_image_load(exe, layout_of(exe), &img), 0);
	snprintf(path, sizeof(path), "%s.nm", ref);
	n = parse_nm(path, syms, ELEMENTSOF(syms), &text, &gofunc);
	assert_int_equal(img.text, text);
	assert_int_not_equal(img.gofunc, 0);
	/* Another build's read-only data can be laid out differently: its build info holds the
	 * other flags (1.26 moves go:func.* by 32 bytes for "-ldflags=-s -w"). */
	if (gofunc && !mode->ref)
		assert_int_equal(img.gofunc, gofunc);
	assert_int_equal(gc_pclntab_open(img.data, img.size, &tab), 0);
	assert_true(gc_pclntab_nfunc(tab) > 100);
	gc_pclntab_set_text_start(tab, img.text);
	gc_pclntab_set_funcdata(tab, img.gofunc, file_mem_read, &fm);
	check_symbols(tab, syms, n);
	snprintf(path, sizeof(path), "%s.objdump", ref);
	check_objdump(tab, path);
	check_inlining(tab, mode->trimpath);
	check_pcsp(tab);
	check_scan(bin, &img);
	tab = gc_pclntab_free(tab);
	gc_pclntab_image_done(&img);
	elf_end(fm.elf);
	close(fm.fd);
}

static void test_go_builds(void **state)
{
	size_t checked = 0;

	(void)state;
	if (n_tools == 0) {
		printf("no Go toolchain under /usr/lib/go-1.*\n");
		skip();
	}
	for (size_t t = 0; t < n_tools; t++) {
		char path[PATH_MAX];
		_cleanup_free_ char *version = NULL;
		size_t built = 0;

		path_of(path, sizeof(path), t, "go", ".version");
		version = read_line(path);
		assert_non_null(version);
		for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
			char bin[PATH_MAX - 16], ref[PATH_MAX - 16];
			_cleanup_free_ char *buildid = NULL;

			path_of(bin, sizeof(bin), t, modes[m].name, "");
			if (!mode_wanted(t, &modes[m])) {
				printf("# %s %s: skipped to save time (GC_TEST_GOBIN_FULL=1 runs "
				       "it)\n",
				       version, modes[m].name);
				continue;
			}
			if (access(bin, F_OK) < 0) {
				printf("# %s %s: build failed or gcc missing, skipped\n", version,
				       modes[m].name);
				continue;
			}
			path_of(ref, sizeof(ref), t, modes[m].ref ? modes[m].ref : modes[m].name,
				"");
			snprintf(path, sizeof(path), "%s.buildid", bin);
			buildid = read_line(path);
			assert_non_null(buildid);
			printf("# %s %s\n", version, modes[m].name);
			check_buildinfo(bin, version, buildid, &modes[m]);
			check_pclntab(bin, ref, &modes[m]);
			built++;
		}
		assert_true(built >= 1);
		checked += built;
	}
	assert_true(checked >= n_tools);
}

struct blob {
	const uint8_t *data;
	size_t size;
	uint64_t base;
};

static int blob_read(void *userdata, uint64_t vaddr, void *buf, size_t size)
{
	struct blob *b = userdata;

	if (vaddr < b->base || vaddr - b->base > b->size || size > b->size - (vaddr - b->base))
		return -EFAULT;
	memcpy(buf, b->data + (vaddr - b->base), size);
	return 0;
}

static const char modinfo[] = "0w\xaf\x0c\x92t\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6"
			      "path\texample.com/x\n"
			      "mod\texample.com/x\tv1.2.3\th1:abc=\n"
			      "dep\tgolang.org/x/sys\tv0.1.0\th1:def=\n"
			      "=>\t../sys\t(devel)\t\n"
			      "dep\tgolang.org/x/net\tv0.2.0\th1:ghi=\n"
			      "build\t-buildmode=exe\n"
			      "build\t-ldflags=\"-s -w -X \\\"main.v=1\\\"\"\n"
			      "build\tCGO_ENABLED=1\n"
			      "build\t\"we=ird\"=`raw`\n"
			      "build\tvcs=git\n"
			      "build\tvcs.revision=0123456789abcdef\n"
			      "build\tvcs.time=2024-01-02T03:04:05Z\n"
			      "build\tvcs.modified=true\n"
			      "\xf9\x32\x43\x31\x86\x18\x20\x72\x00\x82\x42\x10\x41\x16\xd8\xf2";

static void test_modinfo(void **state)
{
	struct gc_buildinfo info = {};

	(void)state;
	assert_int_equal(gc_buildinfo_parse_modinfo(modinfo, sizeof(modinfo) - 1, &info), 0);
	assert_string_equal(info.path, "example.com/x");
	assert_string_equal(info.mod_path, "example.com/x");
	assert_string_equal(info.mod_version, "v1.2.3");
	assert_string_equal(info.mod_sum, "h1:abc=");
	assert_int_equal(info.n_deps, 2);
	assert_int_equal(info.n_settings, 8);
	assert_string_equal(info.buildmode, "exe");
	assert_string_equal(gc_buildinfo_setting(&info, "-ldflags"), "-s -w -X \"main.v=1\"");
	assert_string_equal(gc_buildinfo_setting(&info, "we=ird"), "raw");
	assert_int_equal(info.cgo_enabled, 1);
	assert_false(info.trimpath);
	assert_string_equal(info.vcs, "git");
	assert_string_equal(info.vcs_revision, "0123456789abcdef");
	assert_string_equal(info.vcs_time, "2024-01-02T03:04:05Z");
	assert_true(info.vcs_modified);
	assert_null(gc_buildinfo_setting(&info, "GOOS"));
	assert_int_equal(strncmp(info.modinfo, "path\t", 5), 0);
	gc_buildinfo_done(&info);

	assert_int_equal(gc_buildinfo_parse_modinfo("build\t=x\n", 9, &info), -EBADMSG);
	assert_int_equal(gc_buildinfo_parse_modinfo("build\tnoequals\n", 15, &info), -EBADMSG);
	assert_int_equal(gc_buildinfo_parse_modinfo("mod\tnotab\n", 10, &info), -EBADMSG);
	assert_int_equal(gc_buildinfo_parse_modinfo("path\ta\0b\n", 9, &info), -EBADMSG);
}

/* A blob as the linker writes it, found by the 16-aligned scan, then broken on purpose. */
static void test_buildinfo_blob(void **state)
{
	uint8_t mem[4096] = {0};
	struct blob b = {mem, sizeof(mem), 0x10000};
	struct gc_buildinfo info;
	size_t off = 0x130, p;

	(void)state;
	memcpy(mem + 0x28, "\xff Go buildinf:", 14); /* not 16-aligned: ignored */
	memcpy(mem + off, "\xff Go buildinf:\x08\x02", 16);
	p = off + 32;
	mem[p++] = 9;
	memcpy(mem + p, "go1.99.1x", 9);
	p += 9;
	mem[p++] = (uint8_t)((sizeof(modinfo) - 1) | 0x80);
	mem[p++] = (uint8_t)((sizeof(modinfo) - 1) >> 7);
	memcpy(mem + p, modinfo, sizeof(modinfo) - 1);

	assert_int_equal(gc_buildinfo_read(blob_read, &b, b.base, b.base + b.size, &info), 0);
	assert_string_equal(info.go_version, "go1.99.1x");
	assert_int_equal(info.address, b.base + off);
	assert_string_equal(info.mod_version, "v1.2.3");
	gc_buildinfo_done(&info);

	/* The range ends inside the module text. */
	assert_int_equal(gc_buildinfo_read(blob_read, &b, b.base, b.base + p + 10, &info),
			 -EBADMSG);
	/* A length far beyond the range. */
	mem[off + 32] = 0xff;
	assert_int_equal(gc_buildinfo_read(blob_read, &b, b.base, b.base + b.size, &info),
			 -EBADMSG);
	/* Pre-1.18 pointer format. */
	mem[off + 15] = 0;
	assert_int_equal(gc_buildinfo_read(blob_read, &b, b.base, b.base + b.size, &info),
			 -EPROTONOSUPPORT);
	memset(mem + off, 0, 16);
	assert_int_equal(gc_buildinfo_read(blob_read, &b, b.base, b.base + b.size, &info), -ENOENT);
}

/* Counts the reads of a scan, and fails every one: nothing is there to find. Past the
 * 256 MiB scan bound (4096 reads of 64 KiB) the scan has wrapped: fail now, not in 2^48. */
static int count_read(void *userdata, uint64_t vaddr, void *buf, size_t size)
{
	uint64_t *reads = userdata;

	(void)buf;
	(void)size;
	if (++*reads > 4096)
		fail_msg("read %" PRIu64 " at 0x%" PRIx64 ": the scan wrapped", *reads, vaddr);
	return -EFAULT;
}

/* A header that puts the range at the top of the address space must not wrap the scan past
 * 2^64 back to 0 (the 2^48 reads that held the root handler): a few reads, then -ENOENT. */
static void test_buildinfo_wrap(void **state)
{
	static const struct {
		uint64_t start, end;
	} ranges[] = {
	    {0xfffffffffffe8000, 0xfffffffffffffff0},
	    {0xfffffffffffe8001, UINT64_MAX},
	    {UINT64_MAX - 15, UINT64_MAX},
	    {UINT64_MAX - 64, 16},
	    {0, UINT64_MAX},
	    {0x1000, 0x1000 + 65536 + 40},
	};
	struct gc_buildinfo info;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(ranges); i++) {
		uint64_t reads = 0;

		assert_int_equal(
		    gc_buildinfo_read(count_read, &reads, ranges[i].start, ranges[i].end, &info),
		    -ENOENT);
	}
}

static void test_build_id_notes(void **state)
{
	static const uint8_t notes[] = {
	    4, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0,   0,   'G', 'N', 'U', 0,	1,   2,	  3,   4, 3, 0,
	    0, 0, 5, 0, 0, 0, 4, 0, 0, 0, 'G', 'o', 0,	 0,   'a', 'b', '/', 'c', 'd', 0, 0, 0,
	};
	char *id = NULL;

	(void)state;
	assert_int_equal(gc_go_build_id_from_notes(notes, sizeof(notes), &id), 0);
	assert_string_equal(id, "ab/cd");
	free(id);
	/* Truncated inside the Go note's descriptor. */
	assert_int_equal(gc_go_build_id_from_notes(notes, sizeof(notes) - 6, &id), -ENOENT);
}

static void check_print_name(const char *name, int minor, const char *want)
{
	char buf[128];

	assert_int_equal(gc_funcname_for_print(name, minor, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
}

/* Cases from runtime.funcNamePiecesForPrint of go1.26 and go1.27. */
static void test_funcname_for_print(void **state)
{
	char buf[64];

	(void)state;
	for (int minor = 19; minor <= 27; minor++) {
		check_print_name("main.Sum[go.shape.int]", minor, "main.Sum[...]");
		check_print_name("main.(*T[go.shape.int,go.shape.string]).M", minor,
				 "main.(*T[...]).M");
		check_print_name("main.F[...].func1", minor, "main.F[...].func1");
		check_print_name("main.main", minor, "main.main");
		check_print_name("odd]name[", minor, "odd]name[");
		check_print_name("main.F[go.shape.[]int].func2", minor, "main.F[...].func2");
		check_print_name("main.F[go.shape.map[string]int]", minor, "main.F[...]");
	}
	check_print_name("main.(*T[go.shape.int]).M[go.shape.string]", 26, "main.(*T[...]");
	check_print_name("main.(*T[go.shape.int]).M[go.shape.string]", 27, "main.(*T[...]).M[...]");
	check_print_name("main.T[go.shape.[]int].M[go.shape.int].func1", 27,
			 "main.T[...].M[...].func1");
	/* Brackets that do not balance: 1.27 prints the name whole, unless its early out for an
	 * interior without '[' hides the stray ']' as 1.26 does. */
	check_print_name("main.F[a]]b]", 26, "main.F[...]");
	check_print_name("main.F[a]]b]", 27, "main.F[...]");
	check_print_name("main.F[a]]b[c]", 27, "main.F[a]]b[c]");
	check_print_name("main.F[a]b[c]d[e]", 27, "main.F[...]b[...]");
	check_print_name("main.F[[a]", 27, "main.F[[a]");
	assert_int_equal(gc_funcname_for_print("main.Sum[go.shape.int]", 27, buf, 5), 13);
	assert_string_equal(buf, "main");
}

static void test_pclntab_garbage(void **state)
{
	uint8_t buf[256] = {0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8};
	struct gc_pclntab *tab = NULL;
	uint64_t offs[] = {72, 80, 96, 112, 128};

	(void)state;
	assert_int_equal(gc_pclntab_open(buf, 8, &tab), -EBADMSG);
	assert_int_equal(gc_pclntab_open("\xfb\xff\xff\xff\0\0\1\x08", 8, &tab), -EPROTONOSUPPORT);
	assert_int_equal(gc_pclntab_open("\xff\xff\xff\xf1\0\0\1\x08", 8, &tab), -EPROTONOSUPPORT);
	/* nfunc 2, offsets increasing, functab of 3 entries fits in 128..256. */
	buf[8] = 2;
	for (size_t k = 0; k < 5; k++)
		memcpy(buf + 32 + 8 * k, &offs[k], 8);
	assert_int_equal(gc_pclntab_open(buf, sizeof(buf), &tab), 0);
	assert_int_equal(gc_pclntab_nfunc(tab), 2);
	assert_int_equal(gc_pclntab_scan(buf, sizeof(buf)), 0);
	/* Both functab entries point at funcoff 0, whose record overlaps the functab itself:
	 * lookups must stay in bounds and report what they find or fail. */
	{
		struct gc_func f;
		struct gc_frame frames[4];
		size_t n;
		int32_t v;

		if (gc_pclntab_func_at(tab, 0, &f) == 0) {
			(void)gc_pclntab_file_line(tab, &f, f.entry, &f.name, &v);
			(void)gc_pclntab_pcsp(tab, &f, f.entry, &v);
		}
		assert_int_equal(gc_pclntab_func_at(tab, 2, &f), -ERANGE);
		(void)gc_pclntab_frames(tab, 0, frames, ELEMENTSOF(frames), &n);
		assert_int_equal(gc_pclntab_find_func_by_name(tab, "nope", &f), -ENOENT);
	}
	tab = gc_pclntab_free(tab);
	/* Offsets out of order or past the end. */
	offs[2] = 70;
	memcpy(buf + 32 + 16, &offs[2], 8);
	assert_int_equal(gc_pclntab_open(buf, sizeof(buf), &tab), -EBADMSG);
	assert_int_equal(gc_pclntab_scan(buf, sizeof(buf)), -ENOENT);
}

/* A hand-made one-function table whose SP table's first delta is INT32_MIN: the value wraps
 * as in Go (the fuzzer found the undefined C overflow). */
static void test_pclntab_tiny(void **state)
{
	uint8_t buf[156] = {0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8, 1};
	static const uint64_t offs[] = {72, 76, 80, 88, 96};
	static const uint8_t pctab[] = {0, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x10, 0};
	static const uint32_t functab[] = {0, 16, 0x10};
	struct gc_pclntab *tab = NULL;
	struct gc_func f;
	const char *file;
	int32_t v;

	(void)state;
	memcpy(buf + 24, &(uint64_t){0x1000}, 8);
	for (size_t k = 0; k < 5; k++)
		memcpy(buf + 32 + 8 * k, &offs[k], 8);
	memcpy(buf + 72, "f", 2);
	memcpy(buf + 80, "a.go", 5);
	memcpy(buf + 88, pctab, sizeof(pctab));
	memcpy(buf + 96, functab, sizeof(functab));
	buf[112 + 16] = 1; /* pcsp */
	buf[112 + 24] = 1; /* pcln: the same table */
	assert_int_equal(gc_pclntab_open(buf, sizeof(buf), &tab), 0);
	assert_int_equal(gc_pclntab_find_func(tab, 0x1008, &f), 0);
	assert_string_equal(f.name, "f");
	assert_int_equal(f.entry, 0x1000);
	assert_int_equal(f.end, 0x1010);
	assert_int_equal(gc_pclntab_pcsp(tab, &f, 0x100f, &v), 0);
	assert_int_equal(v, INT32_MAX);
	assert_int_equal(gc_pclntab_pcsp(tab, &f, 0x1010, &v), -ENOENT);
	/* No pcfile table. */
	assert_int_equal(gc_pclntab_file_line(tab, &f, 0x1000, &file, &v), -ENOENT);
	assert_int_equal(gc_pclntab_find_func(tab, 0xfff, &f), -ENOENT);
	assert_int_equal(gc_pclntab_find_func(tab, 0x1010, &f), -ENOENT);
	gc_pclntab_free(tab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_modinfo),
	    cmocka_unit_test(test_buildinfo_blob),
	    cmocka_unit_test(test_buildinfo_wrap),
	    cmocka_unit_test(test_build_id_notes),
	    cmocka_unit_test(test_funcname_for_print),
	    cmocka_unit_test(test_pclntab_garbage),
	    cmocka_unit_test(test_pclntab_tiny),
	    cmocka_unit_test(test_go_builds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
