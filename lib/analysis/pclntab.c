/* SPDX-License-Identifier: MIT */
/* Go 1.18+ pclntab reader. Layouts from runtime/symtab.go, runtime/runtime2.go (_func),
 * runtime/symtabinl.go (inlinedCall) and debug/gosym/pclntab.go of Go 1.19 to 1.24. */
#include "pclntab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "goexe.h"
#include "macro.h"
#include "sandbox.h"

/* Bounds that no real binary reaches; they keep a garbage table from looping for long. */
#define MAX_NFUNC	  (1u << 24)
#define MAX_PCVALUE_STEPS (1u << 20)
#define MAX_INLINE_DEPTH  256
#define INLINED_CALL_119  20
#define INLINED_CALL_120  16

struct region {
	size_t off, size;
};

struct gc_pclntab {
	const uint8_t *data;
	size_t size;
	uint32_t magic;
	unsigned quantum; /* bytes per instruction step of the pc tables: 1 on amd64, 4 on arm64 */
	unsigned ptrsize;
	uint32_t nfunc;
	uint64_t text_start;
	struct region funcnames, cutab, filetab, pctab, pcln;
	size_t func_fields_off; /* offset of nfuncdata within _func: fields follow it */
	uint64_t gofunc;
	gc_read_mem_fn read;
	void *read_userdata;
};

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rdword(const uint8_t *p, unsigned ptrsize)
{
	return ptrsize == 4 ? rd32(p) : rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Reads the pointer-sized header word k (nfunc is word 0). */
static uint64_t header_word(const uint8_t *data, unsigned ptrsize, unsigned k)
{
	return rdword(data + 8 + k * ptrsize, ptrsize);
}

static bool header_prefix_ok(const uint8_t *p)
{
	uint32_t magic = rd32(p);

	if (magic != GC_PCLNTAB_MAGIC_118 && magic != GC_PCLNTAB_MAGIC_120)
		return false;
	if (p[4] != 0 || p[5] != 0)
		return false;
	if (p[6] != 1 && p[6] != 2 && p[6] != 4)
		return false;
	return p[7] == 4 || p[7] == 8;
}

/* Fills the regions from the header; the tables follow each other in this order. */
static int parse_header(const uint8_t *data, size_t size, struct gc_pclntab *t)
{
	unsigned ps;
	uint64_t off[5];

	if (size < 8 || !header_prefix_ok(data))
		return -EBADMSG;
	ps = data[7];
	if (size < 8 + 8 * (size_t)ps)
		return -EBADMSG;
	t->magic = rd32(data);
	t->quantum = data[6];
	t->ptrsize = ps;
	if (header_word(data, ps, 0) > MAX_NFUNC)
		return -EBADMSG;
	t->nfunc = (uint32_t)header_word(data, ps, 0);
	t->text_start = header_word(data, ps, 2);
	for (unsigned k = 0; k < 5; k++) {
		off[k] = header_word(data, ps, 3 + k);
		if (off[k] < 8 + 8 * (uint64_t)ps || off[k] > size ||
		    (k > 0 && off[k] < off[k - 1]))
			return -EBADMSG;
	}
	t->funcnames = (struct region){off[0], off[1] - off[0]};
	t->cutab = (struct region){off[1], off[2] - off[1]};
	t->filetab = (struct region){off[2], off[3] - off[2]};
	t->pctab = (struct region){off[3], off[4] - off[3]};
	t->pcln = (struct region){off[4], size - off[4]};
	/* functab: nfunc pairs {entryoff, funcoff} plus the end-of-text entryoff. */
	if (t->pcln.size / 8 < (uint64_t)t->nfunc + 1)
		return -EBADMSG;
	t->func_fields_off = t->magic == GC_PCLNTAB_MAGIC_118 ? 39 : 43;
	return 0;
}

int64_t gc_pclntab_scan(const void *buf, size_t size)
{
	const uint8_t *p = buf;
	struct gc_pclntab t;

	for (size_t off = 0; off + 72 <= size; off += 4) {
		if (p[off] != 0xf0 && p[off] != 0xf1)
			continue;
		if (parse_header(p + off, size - off, &t) < 0 || t.nfunc == 0)
			continue;
		/* The first function starts the table at offset 0 past textStart in every layout
		 * we know, and entries are sorted: a cheap check against chance matches. */
		const uint8_t *ftab = p + off + t.pcln.off;
		if (rd32(ftab + 8 * (size_t)t.nfunc) < rd32(ftab + 8 * (size_t)(t.nfunc - 1)))
			continue;
		return (int64_t)off;
	}
	return -ENOENT;
}

int gc_pclntab_open(const void *data, size_t size, struct gc_pclntab **ret)
{
	struct gc_pclntab *t;
	int r;

	if (size >= 4) {
		const uint8_t *p = data;
		if (p[0] == 0xff && p[1] == 0xff && p[2] == 0xff && (p[3] & 0xf0) == 0xf0)
			return -EPROTONOSUPPORT; /* big-endian */
		if (rd32(p) == 0xfffffffb || rd32(p) == 0xfffffffa)
			return -EPROTONOSUPPORT; /* Go 1.2 - 1.17 */
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	r = parse_header(data, size, t);
	if (r < 0) {
		free(t);
		return r;
	}
	t->data = data;
	t->size = size;
	*ret = t;
	return 0;
}

struct gc_pclntab *gc_pclntab_free(struct gc_pclntab *tab)
{
	free(tab);
	return NULL;
}

void gc_pclntab_set_text_start(struct gc_pclntab *tab, uint64_t text_start)
{
	tab->text_start = text_start;
}

void gc_pclntab_set_funcdata(struct gc_pclntab *tab, uint64_t gofunc, gc_read_mem_fn read,
			     void *userdata)
{
	tab->gofunc = gofunc;
	tab->read = read;
	tab->read_userdata = userdata;
}

uint32_t gc_pclntab_nfunc(const struct gc_pclntab *tab)
{
	return tab->nfunc;
}

uint64_t gc_pclntab_text_start(const struct gc_pclntab *tab)
{
	return tab->text_start;
}

/* NUL-terminated string at off inside region r, or NULL. */
static const char *region_string(const struct gc_pclntab *t, const struct region *r, uint64_t off)
{
	const char *s;

	if (off >= r->size)
		return NULL;
	s = (const char *)t->data + r->off + off;
	return memchr(s, 0, r->size - off) ? s : NULL;
}

static uint32_t ftab_entryoff(const struct gc_pclntab *t, uint32_t i)
{
	return rd32(t->data + t->pcln.off + 8 * (size_t)i);
}

int gc_pclntab_func_at(const struct gc_pclntab *tab, uint32_t index, struct gc_func *ret)
{
	const uint8_t *rec;
	uint32_t funcoff, npcdata;
	uint8_t nfuncdata;
	size_t fixed = tab->func_fields_off + 1;

	if (index >= tab->nfunc)
		return -ERANGE;
	funcoff = rd32(tab->data + tab->pcln.off + 8 * (size_t)index + 4);
	if (funcoff > tab->pcln.size || tab->pcln.size - funcoff < fixed)
		return -EBADMSG;
	rec = tab->data + tab->pcln.off + funcoff;
	npcdata = rd32(rec + 28);
	nfuncdata = rec[tab->func_fields_off];
	if (npcdata > 1024 || (tab->pcln.size - funcoff - fixed) / 4 < (size_t)npcdata + nfuncdata)
		return -EBADMSG;

	struct gc_func f = {
	    .index = index,
	    .entry = tab->text_start + rd32(rec),
	    .end = tab->text_start + ftab_entryoff(tab, index + 1),
	    .name = region_string(tab, &tab->funcnames, rd32(rec + 4)),
	    .args = (int32_t)rd32(rec + 8),
	    .deferreturn = rd32(rec + 12),
	    .record_off = (uint32_t)(tab->pcln.off + funcoff),
	};
	if (tab->magic == GC_PCLNTAB_MAGIC_118) {
		f.func_id = rec[36];
		f.flag = rec[37];
	} else {
		f.start_line = (int32_t)rd32(rec + 36);
		f.func_id = rec[40];
		f.flag = rec[41];
	}
	if (!f.name)
		f.name = "?";
	*ret = f;
	return 0;
}

int gc_pclntab_find_func(const struct gc_pclntab *tab, uint64_t pc, struct gc_func *ret)
{
	uint32_t lo = 0, hi;
	uint64_t off;

	if (tab->nfunc == 0 || pc < tab->text_start)
		return -ENOENT;
	off = pc - tab->text_start;
	if (off < ftab_entryoff(tab, 0) || off >= ftab_entryoff(tab, tab->nfunc))
		return -ENOENT;
	/* Last i with entryoff(i) <= off; entries are sorted in a sane table, and a corrupt one
	 * gives a wrong answer, never an out-of-bounds read. */
	hi = tab->nfunc;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (ftab_entryoff(tab, mid) <= off)
			lo = mid;
		else
			hi = mid;
	}
	return gc_pclntab_func_at(tab, lo, ret);
}

int gc_pclntab_find_func_by_name(const struct gc_pclntab *tab, const char *name,
				 struct gc_func *ret)
{
	for (uint32_t i = 0; i < tab->nfunc; i++) {
		const uint8_t *rec;
		uint32_t funcoff = rd32(tab->data + tab->pcln.off + 8 * (size_t)i + 4);
		const char *s;

		if (funcoff > tab->pcln.size || tab->pcln.size - funcoff < 8)
			continue;
		rec = tab->data + tab->pcln.off + funcoff;
		s = region_string(tab, &tab->funcnames, rd32(rec + 4));
		if (s && strcmp(s, name) == 0)
			return gc_pclntab_func_at(tab, i, ret);
	}
	return -ENOENT;
}

struct wanted_name {
	const char *name;
	size_t index; /* in the caller's names[] */
};

static int compare_wanted(const void *a, const void *b)
{
	return strcmp(((const struct wanted_name *)a)->name, ((const struct wanted_name *)b)->name);
}

/* The wanted name equal to s (a binary search), or NULL. */
static const struct wanted_name *wanted_find(const struct wanted_name *w, size_t n, const char *s)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s, w[mid].name);

		if (c == 0)
			return &w[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int gc_pclntab_find_funcs_by_name(const struct gc_pclntab *tab, const char *const *names, size_t n,
				  uint64_t *entries)
{
	_cleanup_free_ struct wanted_name *w = calloc(n ? n : 1, sizeof(*w));
	_cleanup_free_ bool *found = calloc(n ? n : 1, sizeof(*found));
	size_t left = n;

	if (!w || !found)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		w[k] = (struct wanted_name){names[k], k};
		entries[k] = 0;
	}
	qsort(w, n, sizeof(*w), compare_wanted);
	for (uint32_t i = 0; i < tab->nfunc && left > 0; i++) {
		uint32_t funcoff = rd32(tab->data + tab->pcln.off + 8 * (size_t)i + 4);
		const struct wanted_name *match;
		struct gc_func f;
		const char *s;

		if (funcoff > tab->pcln.size || tab->pcln.size - funcoff < 8)
			continue;
		s = region_string(tab, &tab->funcnames,
				  rd32(tab->data + tab->pcln.off + funcoff + 4));
		match = s ? wanted_find(w, n, s) : NULL;
		/* the first function of a name counts, as for gc_pclntab_find_func_by_name() */
		if (!match || found[match->index])
			continue;
		found[match->index] = true;
		left--;
		if (gc_pclntab_func_at(tab, i, &f) >= 0)
			entries[match->index] = f.entry;
	}
	return 0;
}

/* Go's readvarint for uint32 values; false when the table ends inside the number. */
static bool read_uvarint(const uint8_t **p, const uint8_t *end, uint32_t *ret)
{
	uint32_t v = 0;

	for (unsigned shift = 0; shift < 35; shift += 7) {
		if (*p >= end)
			return false;
		uint8_t b = *(*p)++;
		v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*ret = v;
			return true;
		}
	}
	return false;
}

/* Runs the pc-value table at pctab offset table_off from entry to target (runtime.pcvalue). */
static int pcvalue(const struct gc_pclntab *t, const struct gc_func *f, uint32_t table_off,
		   uint64_t target, int32_t *ret)
{
	const uint8_t *p, *end;
	uint64_t pc = f->entry;
	int32_t val = -1;

	if (table_off == 0 || table_off >= t->pctab.size)
		return -ENOENT;
	p = t->data + t->pctab.off + table_off;
	end = t->data + t->pctab.off + t->pctab.size;
	for (unsigned step = 0; step < MAX_PCVALUE_STEPS; step++) {
		uint32_t uv, pcdelta;

		if (!read_uvarint(&p, end, &uv) || (uv == 0 && step > 0))
			return -ENOENT;
		/* Go's int32 arithmetic wraps; C's would be undefined. */
		val = (int32_t)((uint32_t)val + ((uv & 1) ? ~(uv >> 1) : (uv >> 1)));
		if (!read_uvarint(&p, end, &pcdelta))
			return -ENOENT;
		pc += (uint64_t)pcdelta * t->quantum;
		if (target < pc) {
			*ret = val;
			return 0;
		}
	}
	return -ENOENT;
}

int gc_pclntab_pcsp(const struct gc_pclntab *tab, const struct gc_func *f, uint64_t pc,
		    int32_t *ret)
{
	return pcvalue(tab, f, rd32(tab->data + f->record_off + 16), pc, ret);
}

static const char *file_name(const struct gc_pclntab *t, const struct gc_func *f, int32_t fileno)
{
	uint32_t cu = rd32(t->data + f->record_off + 32);
	uint64_t ix = (uint64_t)cu + (uint32_t)fileno;
	uint32_t off;

	if (fileno < 0 || ix >= t->cutab.size / 4)
		return NULL;
	off = rd32(t->data + t->cutab.off + 4 * ix);
	return off == UINT32_MAX ? NULL : region_string(t, &t->filetab, off);
}

int gc_pclntab_file_line(const struct gc_pclntab *tab, const struct gc_func *f, uint64_t pc,
			 const char **file, int32_t *line)
{
	const uint8_t *rec = tab->data + f->record_off;
	int32_t fileno, l;
	const char *name;
	int r;

	r = pcvalue(tab, f, rd32(rec + 20), pc, &fileno);
	if (r < 0)
		return r;
	r = pcvalue(tab, f, rd32(rec + 24), pc, &l);
	if (r < 0)
		return r;
	name = file_name(tab, f, fileno);
	if (!name)
		return -ENOENT;
	*file = name;
	*line = l;
	return 0;
}

int gc_pclntab_pcdata(const struct gc_pclntab *tab, const struct gc_func *f, uint32_t table,
		      uint64_t pc, int32_t *ret)
{
	const uint8_t *rec = tab->data + f->record_off;

	if (table >= rd32(rec + 28))
		return -ENOENT;
	/* func_at() checked that the npcdata offsets lie inside the buffer. */
	return pcvalue(tab, f, rd32(rec + tab->func_fields_off + 1 + 4 * table), pc, ret);
}

int gc_pclntab_funcdata(const struct gc_pclntab *tab, const struct gc_func *f, uint32_t index,
			uint64_t *ret)
{
	const uint8_t *rec = tab->data + f->record_off;
	uint32_t npcdata = rd32(rec + 28), off;

	if (index >= rec[tab->func_fields_off])
		return -ENOENT;
	if (!tab->read)
		return -ENODATA;
	off = rd32(rec + tab->func_fields_off + 1 + 4 * ((size_t)npcdata + index));
	if (off == UINT32_MAX)
		return -ENOENT;
	*ret = tab->gofunc + off;
	return 0;
}

/* Name offset, funcID and parentPc of inline tree entry ix, read from the target. */
static int inline_entry(const struct gc_pclntab *t, uint64_t tree, int32_t ix, uint32_t *name_off,
			uint8_t *func_id, int32_t *parent_pc)
{
	uint8_t buf[INLINED_CALL_119];
	bool v119 = t->magic == GC_PCLNTAB_MAGIC_118;
	size_t esize = v119 ? INLINED_CALL_119 : INLINED_CALL_120;
	int r;

	if (ix < 0 || ix >= (1 << 20)) /* the runtime's own bound: *[1 << 20]inlinedCall */
		return -EBADMSG;
	r = t->read(t->read_userdata, tree + (uint64_t)ix * esize, buf, esize);
	if (r < 0)
		return r;
	if (v119) { /* {parent i16, funcID u8, _, file i32, line i32, func_ i32, parentPc i32} */
		*func_id = buf[2];
		*name_off = rd32(buf + 12);
		*parent_pc = (int32_t)rd32(buf + 16);
	} else { /* {funcID u8, _ [3], nameOff i32, parentPc i32, startLine i32} */
		*func_id = buf[0];
		*name_off = rd32(buf + 4);
		*parent_pc = (int32_t)rd32(buf + 8);
	}
	return 0;
}

static void frame_position(const struct gc_pclntab *t, const struct gc_func *f, uint64_t pc,
			   struct gc_frame *frame)
{
	if (gc_pclntab_file_line(t, f, pc, &frame->file, &frame->line) < 0) {
		frame->file = "?";
		frame->line = 0;
	}
}

int gc_pclntab_frames(const struct gc_pclntab *tab, uint64_t pc, struct gc_frame *frames,
		      size_t max, size_t *n_frames)
{
	struct gc_func f;
	uint64_t tree = 0;
	size_t n = 0;
	int r;

	r = gc_pclntab_find_func(tab, pc, &f);
	if (r < 0)
		return r;
	if (gc_pclntab_funcdata(tab, &f, GC_FUNCDATA_INL_TREE, &tree) < 0)
		tree = 0;
	/* Like runtime.inlineUnwinder: each inlined frame's position is the outer function's
	 * pcfile/pcln at the current pc, then pc moves to the call site in the parent. */
	for (unsigned depth = 0; tree && n < max && depth < MAX_INLINE_DEPTH; depth++) {
		uint32_t name_off;
		int32_t ix, parent_pc;
		uint8_t func_id;
		const char *name;

		if (gc_pclntab_pcdata(tab, &f, GC_PCDATA_INL_TREE_INDEX, pc, &ix) < 0 || ix < 0)
			break;
		if (inline_entry(tab, tree, ix, &name_off, &func_id, &parent_pc) < 0)
			break;
		name = region_string(tab, &tab->funcnames, name_off);
		frames[n] = (struct gc_frame){.name = name ? name : "?",
					      .func_id = func_id,
					      .inlined = true,
					      .entry = f.entry,
					      .pc = pc};
		frame_position(tab, &f, pc, &frames[n]);
		n++;
		pc = f.entry + (uint64_t)(int64_t)parent_pc;
		if (pc < f.entry || pc >= f.end)
			pc = f.entry; /* garbage: report the call site as the entry */
	}
	if (n < max) {
		frames[n] = (struct gc_frame){
		    .name = f.name, .func_id = f.func_id, .entry = f.entry, .pc = pc};
		frame_position(tab, &f, pc, &frames[n]);
		n++;
	}
	*n_frames = n;
	return 0;
}

/* In [open+1, close): the ']' and '[' at depth 0 between a generic method's receiver type
 * arguments and its own ("T[A].M[B]"), as go1.27's funcNamePiecesForPrint finds them.
 * Returns 1 when found, 0 when the interior is one bracket pair's, -1 when malformed. */
static int method_brackets(const char *open, const char *close, const char **rbr, const char **lbr)
{
	int depth = 1;

	*rbr = NULL;
	for (const char *p = open + 1; p < close; p++)
		if (*p == '[' && ++depth == 1) {
			*lbr = p;
			return 1;
		} else if (*p == ']' && --depth < 0) {
			return -1;
		} else if (*p == ']' && depth == 0) {
			*rbr = p;
		}
	return depth == 1 && !*rbr ? 0 : -1;
}

size_t gc_funcname_for_print(const char *name, int minor, char *buf, size_t size)
{
	const char *open = strchr(name, '['), *close = strrchr(name, ']'), *rbr, *lbr;
	int len, r;

	if (!open || !close || close <= open)
		return (size_t)snprintf(buf, size, "%s", name);
	len = (int)MIN((size_t)(open - name), (size_t)INT32_MAX);
	r = minor >= 27 && memchr(open + 1, '[', (size_t)(close - open - 1))
		? method_brackets(open, close, &rbr, &lbr)
		: 0;
	if (r < 0)
		return (size_t)snprintf(buf, size, "%s", name);
	if (r == 0)
		return (size_t)snprintf(buf, size, "%.*s[...]%s", len, name, close + 1);
	return (size_t)snprintf(buf, size, "%.*s[...]%.*s[...]%s", len, name,
				(int)MIN((size_t)(lbr - rbr - 1), (size_t)INT32_MAX), rbr + 1,
				close + 1);
}

static int load_section(const struct gc_exe *exe, struct gc_pclntab_image *img)
{
	struct gc_exe_range range;

	if (gc_exe_section(exe, ".gopclntab", &range) < 0 &&
	    gc_exe_section(exe, ".data.rel.ro.gopclntab", &range) < 0)
		return -ENOENT;
	img->size = range.size;
	img->vaddr = range.vaddr;
	return gc_exe_read_alloc(exe, range.offset, range.size, &img->data);
}

/* Without the section (externally linked PIE puts the table in .data.rel.ro), scan every
 * loadable segment for the header. */
static int load_scan(const struct gc_exe *exe, struct gc_pclntab_image *img)
{
	size_t n;
	const GElf_Phdr *phdrs = gc_exe_phdrs(exe, &n);

	for (size_t i = 0; i < n; i++) {
		const GElf_Phdr *ph = &phdrs[i];
		_cleanup_free_ uint8_t *seg = NULL;
		int64_t off;

		if (ph->p_type != PT_LOAD || ph->p_filesz == 0)
			continue;
		if (gc_exe_read_alloc(exe, ph->p_offset, ph->p_filesz, (void **)&seg) < 0)
			continue;
		off = gc_pclntab_scan(seg, ph->p_filesz);
		if (off < 0)
			continue;
		img->size = ph->p_filesz - (uint64_t)off;
		img->vaddr = ph->p_vaddr + (uint64_t)off;
		img->data = malloc(img->size);
		if (!img->data)
			return -ENOMEM;
		memcpy(img->data, seg + off, img->size);
		return 0;
	}
	return -ENOENT;
}

/* runtime.firstmoduledata points at the table three times (pcHeader, funcnametab, pclntable):
 * that identifies it; the layout of the release says where the rest is. */
bool gc_pclntab_moduledata_at(const struct gc_pclntab *t, const struct gc_go_layout *layout,
			      const void *words, size_t avail, uint64_t vaddr,
			      struct gc_moduledata *ret)
{
	const uint8_t *p = words;
	unsigned ps = t->ptrsize;
	uint32_t end = MAX(layout->moduledata_gofunc, layout->moduledata_etypes) + ps;

	if (ps != 8 || avail < end)
		return false;
	if (rdword(p + layout->moduledata_pcheader, ps) != vaddr ||
	    rdword(p + layout->moduledata_funcnametab, ps) != vaddr + t->funcnames.off ||
	    rdword(p + layout->moduledata_pclntable, ps) != vaddr + t->pcln.off)
		return false;
	*ret = (struct gc_moduledata){
	    .text = rdword(p + layout->moduledata_text, ps),
	    .etext = rdword(p + layout->moduledata_etext, ps),
	    .types = rdword(p + layout->moduledata_types, ps),
	    .etypes = rdword(p + layout->moduledata_etypes, ps),
	    .gofunc = rdword(p + layout->moduledata_gofunc, ps),
	};
	return true;
}

static void find_moduledata(const struct gc_exe *exe, const struct gc_go_layout *layout,
			    struct gc_pclntab_image *img)
{
	_cleanup_(gc_pclntab_freep) struct gc_pclntab *t = NULL;
	struct gc_moduledata md;
	size_t n;
	const GElf_Phdr *phdrs = gc_exe_phdrs(exe, &n);

	if (!layout || gc_pclntab_open(img->data, img->size, &t) < 0)
		return;
	img->text = t->text_start;
	for (size_t i = 0; i < n; i++) {
		const GElf_Phdr *ph = &phdrs[i];
		_cleanup_free_ uint8_t *seg = NULL;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
			continue;
		if (gc_exe_read_alloc(exe, ph->p_offset, ph->p_filesz, (void **)&seg) < 0)
			continue;
		for (size_t off = 0; off + t->ptrsize <= ph->p_filesz; off += t->ptrsize)
			if (gc_pclntab_moduledata_at(t, layout, seg + off, ph->p_filesz - off,
						     img->vaddr, &md)) {
				img->text = md.text;
				img->gofunc = md.gofunc;
				return;
			}
	}
}

int gc_pclntab_image_load(const struct gc_exe *exe, const struct gc_go_layout *layout,
			  struct gc_pclntab_image *ret)
{
	struct gc_pclntab_image img = {};
	int r;

	if (gc_sandbox_check_unprivileged(__func__) < 0)
		return -EPERM;
	r = load_section(exe, &img);
	if (r == -ENOENT)
		r = load_scan(exe, &img);
	if (r < 0) {
		free(img.data);
		return r;
	}
	find_moduledata(exe, layout, &img);
	*ret = img;
	return 0;
}

void gc_pclntab_image_done(struct gc_pclntab_image *img)
{
	free(img->data);
	*img = (struct gc_pclntab_image){};
}
