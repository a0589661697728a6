/* SPDX-License-Identifier: MIT */
#include "gotarget.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "godwarf.h"
#include "macro.h"

#define PAGE	      4096u
#define MODULE_SCAN   (64u << 20) /* bytes of writable data searched for firstmoduledata */
#define CODE_PROLOGUE 64

/* A direct-mapped cache of 4 KiB pages of target memory, so that the many small reads of a
 * goroutine walk do not each go through the memory view. A slot's page is allocated when the
 * slot is first used: a small core's analysis touches a few hundred pages, and allocating (and,
 * under ASan, poisoning) all 32 MiB up front cost more than the analysis itself. */
struct gc_block_cache {
	size_t n;
	uint64_t *tags;	 /* page address held by each slot, UINT64_MAX when empty */
	uint8_t **pages; /* each slot's page, NULL until the slot is used */
};

static void block_cache_free(struct gc_block_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; cache->pages && i < cache->n; i++)
		free(cache->pages[i]);
	free(cache->tags);
	free(cache->pages);
	free(cache);
}

static int block_cache_new(size_t n_pages, struct gc_block_cache **ret)
{
	struct gc_block_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->n = n_pages;
	c->tags = malloc(n_pages * sizeof(*c->tags));
	c->pages = calloc(n_pages, sizeof(*c->pages));
	if (!c->tags || !c->pages) {
		block_cache_free(c);
		return -ENOMEM;
	}
	memset(c->tags, 0xff, n_pages * sizeof(*c->tags));
	*ret = c;
	return 0;
}

/* The slot's page, held or not; NULL when out of memory (the read goes around the cache). */
static uint8_t *slot_page(struct gc_block_cache *cache, size_t slot)
{
	if (!cache->pages[slot])
		cache->pages[slot] = malloc(PAGE);
	return cache->pages[slot];
}

static const uint8_t *cached_page(struct gc_go_target *t, uint64_t page)
{
	size_t slot = (page / PAGE) % t->cache->n;
	uint8_t *data;

	if (t->cache->tags[slot] == page)
		return t->cache->pages[slot];
	data = slot_page(t->cache, slot);
	if (!data || gc_memview_read(t->view, page, data, PAGE) < 0) {
		t->cache->tags[slot] = UINT64_MAX;
		return NULL;
	}
	t->cache->tags[slot] = page;
	return data;
}

int gc_go_read(struct gc_go_target *t, uint64_t addr, void *buf, size_t size)
{
	uint8_t *out = buf;

	if (addr + size < addr)
		return -EFAULT;
	while (size > 0) {
		uint64_t page = addr & ~(uint64_t)(PAGE - 1);
		size_t in_page = MIN(size, (size_t)(page + PAGE - addr));
		const uint8_t *data = t->cache ? cached_page(t, page) : NULL;

		/* A page that is only partly backed (the end of a file mapping) is read as is. */
		if (!data && gc_memview_read(t->view, addr, out, in_page) < 0)
			return -EFAULT;
		if (data)
			memcpy(out, data + (addr - page), in_page);
		out += in_page;
		addr += in_page;
		size -= in_page;
	}
	return 0;
}

int gc_go_read_word(struct gc_go_target *t, uint64_t addr, uint64_t *ret)
{
	return gc_go_read(t, addr, ret, sizeof(*ret));
}

/* gc_read_mem_fn over the target, for the pclntab and string table callbacks. */
static int read_mem_cb(void *userdata, uint64_t vaddr, void *buf, size_t size)
{
	return gc_go_read(userdata, vaddr, buf, size);
}

int gc_go_read_string_at(struct gc_go_target *t, uint64_t ptr, uint64_t len, size_t max, char **ret)
{
	size_t n = (size_t)MIN(len, (uint64_t)max);
	char *s = malloc(n + 1);
	int r;

	if (!s)
		return -ENOMEM;
	r = n > 0 ? gc_go_read(t, ptr, s, n) : 0;
	if (r < 0) {
		free(s);
		return r;
	}
	s[n] = '\0';
	*ret = s;
	return 0;
}

/* The load bias from AT_ENTRY. */
static int load_bias(struct gc_go_target *t)
{
	const GElf_Ehdr *eh = gc_exe_header(t->exe);
	uint64_t entry;

	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return -EBADMSG;
	if (gc_core_auxv(t->info, 9 /* AT_ENTRY */, &entry) < 0)
		return -ENOENT;
	t->bias = entry - eh->e_entry;
	return 0;
}

static bool scan_for_moduledata(struct gc_go_target *t, uint64_t start, uint64_t size)
{
	const size_t chunk = 1u << 20, tail = 64 * 8;
	uint64_t header = t->image.vaddr + t->bias;
	_cleanup_free_ uint8_t *buf = malloc(chunk + tail);
	struct gc_moduledata md;

	if (!buf)
		return false;
	for (uint64_t off = 0; off < size; off += chunk) {
		size_t n = (size_t)MIN((uint64_t)chunk + tail, size - off);

		if (gc_memview_read(t->view, start + off, buf, n) < 0)
			continue;
		for (size_t i = 0; i + 8 <= MIN(n, chunk); i += 8)
			if (gc_pclntab_moduledata_at(t->tab, t->layout, buf + i, n - i, header,
						     &md)) {
				t->moduledata = start + off + i;
				t->text = md.text;
				t->etext = md.etext;
				t->types = md.types;
				t->etypes = md.etypes;
				t->gofunc = md.gofunc;
				return true;
			}
	}
	return false;
}

/* The executable's writable PT_LOADs with file contents, as process ranges {start, size}:
 * where runtime.firstmoduledata and the runtime's string tables live, relocated in the core. */
static size_t writable_ranges(struct gc_go_target *t, uint64_t (*ranges)[2], size_t max)
{
	size_t n_phdrs, n = 0;
	const GElf_Phdr *phdrs = gc_exe_phdrs(t->exe, &n_phdrs);
	uint64_t scanned = 0;

	for (size_t i = 0; i < n_phdrs && n < max; i++) {
		const GElf_Phdr *ph = &phdrs[i];

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W) || scanned >= MODULE_SCAN)
			continue;
		scanned += ph->p_filesz;
		ranges[n][0] = ph->p_vaddr + t->bias;
		ranges[n++][1] = MIN(ph->p_filesz, (uint64_t)MODULE_SCAN);
	}
	return n;
}

static int find_moduledata(struct gc_go_target *t, const uint64_t (*ranges)[2], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (scan_for_moduledata(t, ranges[i][0], ranges[i][1]))
			return 0;
	return -ENOENT;
}

/* Missing tables cost only the status words: the caller notes it. */
static int find_strtabs(struct gc_go_target *t, const uint64_t (*ranges)[2], size_t n)
{
	struct gc_go_strtab_hint hints[GC_GO_N_HINTS];
	int r = gc_go_strtab_hints(t->exe, hints);

	return gc_go_strtabs_find(read_mem_cb, t, ranges, n, r < 0 ? NULL : hints, t->bias,
				  &t->strtabs);
}

/* forEachGRace starts by loading allglen and then allgptr with RIP-relative moves
 * (REX.W 8B /r, mod 00 r/m 101): their targets are the two globals, even without symbols. */
static int find_allgs(struct gc_go_target *t)
{
	uint64_t entry = t->fn.for_each_g_race, found[2];
	uint8_t code[CODE_PROLOGUE];
	size_t n = 0;

	if (!entry || gc_go_read(t, entry, code, sizeof(code)) < 0)
		return -ENOENT;
	for (size_t i = 0; i + 7 <= sizeof(code) && n < 2; i++) {
		int32_t disp;

		if ((code[i] & 0xfb) != 0x48 || code[i + 1] != 0x8b || (code[i + 2] & 0xc7) != 0x05)
			continue;
		memcpy(&disp, code + i + 3, sizeof(disp));
		found[n++] = entry + i + 7 + (int64_t)disp;
		i += 6;
	}
	if (n < 2)
		return -ENOENT;
	t->allglen_addr = found[0];
	t->allgptr_addr = found[1];
	return 0;
}

/* One pass over the function table finds them all: a pass for each cost more than the rest
 * of a small core's analysis. */
static int find_special_functions(struct gc_go_target *t)
{
	const struct {
		const char *name;
		uint64_t *entry;
	} special[] = {
	    {"runtime.sigtramp", &t->fn.sigtramp},
	    {"runtime.cgoSigtramp", &t->fn.cgo_sigtramp},
	    {"runtime.systemstack", &t->fn.systemstack},
	    {"runtime.mcall", &t->fn.mcall},
	    {"runtime.morestack", &t->fn.morestack},
	    {"runtime.sigpanic", &t->fn.sigpanic},
	    {"runtime.asyncPreempt", &t->fn.async_preempt},
	    {"runtime.debugCallV2", &t->fn.debug_call},
	    {"runtime.fatalpanic", &t->fn.fatalpanic},
	    {"runtime.fatalthrow", &t->fn.fatalthrow},
	    {"runtime.throw.func1", &t->fn.throw_func1},
	    {"runtime.fatal.func1", &t->fn.fatal_func1},
	    {"runtime.gopanic", &t->fn.gopanic},
	    {"runtime.goexit", &t->fn.goexit},
	    {"runtime.forEachGRace", &t->fn.for_each_g_race},
	};
	const char *names[ELEMENTSOF(special)];
	uint64_t entries[ELEMENTSOF(special)];
	int r;

	for (size_t i = 0; i < ELEMENTSOF(special); i++)
		names[i] = special[i].name;
	r = gc_pclntab_find_funcs_by_name(t->tab, names, ELEMENTSOF(special), entries);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(special); i++)
		*special[i].entry = entries[i];
	return 0;
}

static int open_tables(struct gc_go_target *t, const char **why)
{
	const struct gc_buildinfo *build;
	unsigned minor;
	int r;

	r = gc_exe_buildinfo(t->exe, &build);
	if (r < 0)
		return why_fail(why, "the executable carries no Go build information", r);
	t->build = *build;
	if (gc_go_minor(t->build.go_version, &minor) < 0)
		return why_fail(why, "the Go version of the executable is not a release",
				-EPROTONOSUPPORT);
	t->layout = gc_go_layout_get(minor, &t->layout_exact);
	if (t->layout && !t->layout_exact &&
	    gc_go_layout_from_dwarf(t->exe, minor, &t->dwarf_layout, &t->dwarf_missing) >= 0) {
		t->layout = &t->dwarf_layout;
		t->layout_dwarf = true;
	}
	if (!t->layout)
		return why_fail(why, "Go releases before 1.18 are not supported", -EPROTONOSUPPORT);
	r = gc_pclntab_image_load(t->exe, t->layout, &t->image);
	if (r >= 0)
		r = gc_pclntab_open(t->image.data, t->image.size, &t->tab);
	if (r < 0)
		return why_fail(why, "the executable's function table cannot be read", r);
	return 0;
}

/* An executable that is not the one that crashed would give a wrong report: none. */
static int check_exe(struct gc_go_target *t, const char **why)
{
	char reason[sizeof(t->exe_mismatch) - 48];

	if (gc_exe_check_core(t->exe, t->view, reason, sizeof(reason)) != GC_EXE_CHECK_MISMATCH)
		return 0;
	snprintf(t->exe_mismatch, sizeof(t->exe_mismatch),
		 "the executable does not match the core (%s)", reason);
	return why_fail(why, t->exe_mismatch, -ESTALE);
}

int gc_go_target_open(struct gc_go_target *t, struct gc_memview *view, const struct gc_exe *exe,
		      const char **why)
{
	uint64_t ranges[16][2];
	size_t n_ranges;
	int r;

	*t = (struct gc_go_target){.view = view, .info = gc_memview_info(view), .exe = exe};
	r = block_cache_new(8192, &t->cache);
	if (r < 0)
		return why_fail(why, "out of memory", r);
	if (!exe)
		return why_fail(why, "the executable is not available", -ENOENT);
	r = load_bias(t);
	if (r < 0)
		return why_fail(
		    why, "the executable is not a 64-bit ELF file, or the core has no AT_ENTRY", r);
	r = check_exe(t, why);
	if (r >= 0)
		r = open_tables(t, why);
	if (r < 0)
		return r;
	n_ranges = writable_ranges(t, ranges, ELEMENTSOF(ranges));
	r = find_moduledata(t, ranges, n_ranges);
	if (r < 0)
		return why_fail(why, "runtime.firstmoduledata is not in the core", r);
	r = find_strtabs(t, ranges, n_ranges);
	if (r < 0)
		return why_fail(why, "out of memory", r);
	gc_pclntab_set_text_start(t->tab, t->text);
	gc_pclntab_set_funcdata(t->tab, t->gofunc, read_mem_cb, t);
	r = find_special_functions(t);
	if (r < 0)
		return why_fail(why, "out of memory", r);
	r = find_allgs(t);
	if (r < 0)
		return why_fail(why, "the runtime's goroutine list (allgs) was not found", r);
	return 0;
}

void gc_go_target_done(struct gc_go_target *t)
{
	gc_pclntab_free(t->tab);
	gc_pclntab_image_done(&t->image);
	gc_go_strtabs_done(&t->strtabs);
	block_cache_free(t->cache);
	free(t->pc_memo);
	*t = (struct gc_go_target){};
}
