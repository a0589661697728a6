/* SPDX-License-Identifier: MIT */
#include "gostrtab.h"

#include <errno.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "goexe.h"
#include "golayout.h"
#include "macro.h"
#include "sandbox.h"

#define MAX_ENTRIES   256
#define MAX_ENTRY_LEN 128
#define SCAN_CHUNK    (1u << 20)
#define N_ANCHORS     3

static const struct spec {
	const char *symbol;
	size_t stride, str_off; /* bytes per entry; where its Go string {ptr, len} is */
	bool empty_ok;		/* entries past the anchors may be "" (gStatusStrings' holes) */
	const char *anchor[N_ANCHORS];
} specs[GC_GO_N_STRTABS] = {
    [GC_GO_STRTAB_WAIT_REASONS] =
	{"runtime.waitReasonStrings", 16, 0, false, {"", "GC assist marking", "IO wait"}},
    [GC_GO_STRTAB_STATUSES] =
	{"runtime.gStatusStrings", 16, 0, true, {"idle", "runnable", "running"}},
    /* sigTabT{flags int32, name string} */
    [GC_GO_STRTAB_SIGNALS] = {"runtime.sigtable",
			      24,
			      8,
			      false,
			      {"SIGNONE: no trap", "SIGHUP: terminal line hangup",
			       "SIGINT: interrupt"}},
};

/* The globals, and their size when it is fixed (0: a struct, whose size is kept). */
static const struct {
	const char *symbol;
	uint64_t size;
} globals[GC_GO_N_GLOBALS] = {
    [GC_GO_GLOBAL_MAXSTACKSIZE] = {"runtime.maxstacksize", 8},
    [GC_GO_GLOBAL_MAXSTACKCEILING] = {"runtime.maxstackceiling", 8},
    [GC_GO_GLOBAL_DEBUG] = {"runtime.debug", 0},
};

/* The .symtab names behind each hint: the tables, then the globals. */
static const char *hint_name(size_t k)
{
	return k < GC_GO_N_STRTABS ? specs[k].symbol : globals[k - GC_GO_N_STRTABS].symbol;
}

/* Sets hints[k] for each object symbol of scn named hint_name(k). */
static void hint_symbols(Elf *elf, Elf_Scn *scn, struct gc_go_strtab_hint *hints)
{
	GElf_Shdr sh;
	Elf_Data *data = NULL;

	if (!gelf_getshdr(scn, &sh) || sh.sh_entsize == 0)
		return;
	while ((data = elf_getdata(scn, data)))
		for (size_t i = 0; i < data->d_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(data, (int)i, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_OBJECT)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			for (size_t k = 0; name && k < GC_GO_N_HINTS; k++)
				if (strcmp(name, hint_name(k)) == 0)
					hints[k] =
					    (struct gc_go_strtab_hint){sym.st_value, sym.st_size};
		}
}

int gc_go_strtab_hints(const struct gc_exe *exe, struct gc_go_strtab_hint hints[GC_GO_N_HINTS])
{
	Elf *elf = gc_exe_elf(exe);
	Elf_Scn *scn = NULL;

	memset(hints, 0, GC_GO_N_HINTS * sizeof(*hints));
	if (gc_sandbox_check_unprivileged(__func__) < 0)
		return -EPERM;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			hint_symbols(elf, scn, hints);
	}
	return 0;
}

/* The Go string {ptr, len} at addr, if it is a plausible table entry. */
static bool read_entry(gc_read_mem_fn read, void *userdata, uint64_t addr, char *buf,
		       size_t *ret_len)
{
	uint64_t hdr[2];

	if (read(userdata, addr, hdr, sizeof(hdr)) < 0 || hdr[1] > MAX_ENTRY_LEN)
		return false;
	if (hdr[1] && read(userdata, hdr[0], buf, hdr[1]) < 0)
		return false;
	for (size_t i = 0; i < hdr[1]; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			return false;
	buf[hdr[1]] = '\0';
	*ret_len = hdr[1];
	return true;
}

static bool anchors_match(gc_read_mem_fn read, void *userdata, const struct spec *spec,
			  uint64_t addr)
{
	char buf[MAX_ENTRY_LEN + 1];
	size_t len;

	for (size_t i = 0; i < N_ANCHORS; i++)
		if (!read_entry(read, userdata, addr + i * spec->stride + spec->str_off, buf,
				&len) ||
		    strcmp(buf, spec->anchor[i]) != 0)
			return false;
	return true;
}

static void free_entries(char **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

/* Reads n entries at addr, or (n == 0) as many as look like entries. A table that does not
 * hold is left empty. */
static int load_table(gc_read_mem_fn read, void *userdata, const struct spec *spec, uint64_t addr,
		      size_t n, struct gc_go_strtab *ret)
{
	char **s = calloc(MAX_ENTRIES, sizeof(*s)), buf[MAX_ENTRY_LEN + 1];
	size_t count = 0, len, limit = n ? MIN(n, (size_t)MAX_ENTRIES) : MAX_ENTRIES;

	if (!s)
		return -ENOMEM;
	while (count < limit &&
	       read_entry(read, userdata, addr + count * spec->stride + spec->str_off, buf, &len) &&
	       (n || len || spec->empty_ok || count == 0)) {
		s[count] = strdup(buf);
		if (!s[count]) {
			free_entries(s, count);
			return -ENOMEM;
		}
		count++;
	}
	/* Found by content, the end is where entries stop looking like entries: trailing
	 * zeros would read as "" entries that no status ever indexes. */
	while (!n && count > N_ANCHORS && s[count - 1][0] == '\0')
		free(s[--count]);
	if (count < N_ANCHORS || count < limit * (n != 0)) {
		free_entries(s, count);
		return 0;
	}
	*ret = (struct gc_go_strtab){s, count, addr};
	return 0;
}

/* Cheap test on the scanned bytes before anchors_match reads the strings: the lengths of
 * the first two entries. */
static bool lengths_match(const struct spec *spec, const uint8_t *p, size_t avail)
{
	uint64_t len0, len1;

	if (avail < spec->stride + spec->str_off + 16)
		return false;
	memcpy(&len0, p + spec->str_off + 8, 8);
	memcpy(&len1, p + spec->stride + spec->str_off + 8, 8);
	return len0 == strlen(spec->anchor[0]) && len1 == strlen(spec->anchor[1]);
}

static int scan_range(gc_read_mem_fn read, void *userdata, uint64_t start, uint64_t size,
		      uint8_t *buf, struct gc_go_strtabs *tabs)
{
	const size_t tail = 64;

	for (uint64_t off = 0; off < size; off += SCAN_CHUNK) {
		size_t n = (size_t)MIN((uint64_t)SCAN_CHUNK + tail, size - off);

		if (read(userdata, start + off, buf, n) < 0)
			continue;
		for (size_t i = 0; i + 8 <= MIN(n, (size_t)SCAN_CHUNK); i += 8)
			for (size_t k = 0; k < GC_GO_N_STRTABS; k++) {
				uint64_t addr = start + off + i;
				int r;

				if (tabs->tab[k].s || !lengths_match(&specs[k], buf + i, n - i) ||
				    !anchors_match(read, userdata, &specs[k], addr))
					continue;
				r = load_table(read, userdata, &specs[k], addr, 0, &tabs->tab[k]);
				if (r < 0)
					return r;
			}
	}
	return 0;
}

static bool all_found(const struct gc_go_strtabs *tabs)
{
	for (size_t k = 0; k < GC_GO_N_STRTABS; k++)
		if (!tabs->tab[k].s)
			return false;
	return true;
}

int gc_go_strtabs_find(gc_read_mem_fn read, void *userdata, const uint64_t (*ranges)[2],
		       size_t n_ranges, const struct gc_go_strtab_hint *hints, uint64_t bias,
		       struct gc_go_strtabs *ret)
{
	struct gc_go_strtabs tabs = {};
	_cleanup_free_ uint8_t *buf = NULL;
	int r = 0;

	for (size_t k = 0; hints && k < GC_GO_N_GLOBALS; k++) {
		const struct gc_go_strtab_hint *h = &hints[GC_GO_N_STRTABS + k];

		if (!h->addr || (globals[k].size && h->size != globals[k].size))
			continue;
		tabs.global[k] = h->addr + bias;
		tabs.global_size[k] = h->size;
	}
	for (size_t k = 0; hints && k < GC_GO_N_STRTABS && r >= 0; k++)
		if (hints[k].addr && hints[k].size >= N_ANCHORS * specs[k].stride &&
		    anchors_match(read, userdata, &specs[k], hints[k].addr + bias))
			r = load_table(read, userdata, &specs[k], hints[k].addr + bias,
				       hints[k].size / specs[k].stride, &tabs.tab[k]);
	if (r >= 0 && !all_found(&tabs)) {
		buf = malloc(SCAN_CHUNK + 64);
		r = buf ? 0 : -ENOMEM;
		for (size_t i = 0; i < n_ranges && r >= 0 && !all_found(&tabs); i++)
			r = scan_range(read, userdata, ranges[i][0], ranges[i][1], buf, &tabs);
	}
	if (r < 0) {
		gc_go_strtabs_done(&tabs);
		return r;
	}
	*ret = tabs;
	return 0;
}

void gc_go_strtabs_done(struct gc_go_strtabs *tabs)
{
	for (size_t k = 0; k < GC_GO_N_STRTABS; k++)
		free_entries(tabs->tab[k].s, tabs->tab[k].n);
	*tabs = (struct gc_go_strtabs){};
}

const char *gc_go_strtab_get(const struct gc_go_strtabs *tabs, enum gc_go_strtab_kind kind,
			     uint64_t i)
{
	const struct gc_go_strtab *t = &tabs->tab[kind];

	return t->s && i < t->n ? t->s[i] : NULL;
}

const char *gc_go_status_text(const struct gc_go_strtabs *tabs, uint32_t status,
			      uint8_t wait_reason)
{
	const char *s;

	status &= ~(uint32_t)GC_G_SCAN;
	if ((status == GC_G_WAITING || status == GC_G_LEAKED) && wait_reason != 0) {
		if (!tabs->tab[GC_GO_STRTAB_WAIT_REASONS].s)
			return "waiting";
		s = gc_go_strtab_get(tabs, GC_GO_STRTAB_WAIT_REASONS, wait_reason);
		return s ? s : "unknown wait reason";
	}
	s = gc_go_strtab_get(tabs, GC_GO_STRTAB_STATUSES, status);
	return s ? s : "???";
}

bool gc_go_idle_in_synctest(const struct gc_go_strtabs *tabs, uint8_t wait_reason)
{
	/* runtime.isIdleInSynctest of 1.25 to 1.27, by name; the "(durable)" ones print it. */
	static const char *const idle[] = {
	    "chan receive (nil chan)",
	    "chan send (nil chan)",
	    "select (no cases)",
	    "sleep",
	    "sync.Cond.Wait",
	    "coroutine",
	    "synctest.Run",
	    "synctest.Wait",
	};
	const char *s = gc_go_strtab_get(tabs, GC_GO_STRTAB_WAIT_REASONS, wait_reason);

	if (!s || wait_reason == 0)
		return false;
	for (size_t i = 0; i < ELEMENTSOF(idle); i++)
		if (strcmp(s, idle[i]) == 0)
			return true;
	return false;
}
