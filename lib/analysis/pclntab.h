/* SPDX-License-Identifier: MIT */
/* Reader for the Go 1.18+ function table (pclntab): function by pc, name, file:line, SP
 * delta, and inline expansion as the runtime prints it. The bytes may come from a crashed
 * process, so every offset is checked against the buffer and every loop is bounded. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "golayout.h"

struct gc_exe;

/* Reads size bytes at virtual address vaddr of the target into buf. Returns 0 or a negative
 * errno (a short read is an error). */
typedef int (*gc_read_mem_fn)(void *userdata, uint64_t vaddr, void *buf, size_t size);

enum {
	GC_PCLNTAB_MAGIC_118 = 0xfffffff0, /* Go 1.18, 1.19 */
	GC_PCLNTAB_MAGIC_120 = 0xfffffff1, /* Go 1.20 and later */
};

/* Table indexes (internal/abi/symtab.go), stable since 1.18. */
enum {
	GC_PCDATA_UNSAFE_POINT = 0,
	GC_PCDATA_STACK_MAP_INDEX = 1,
	GC_PCDATA_INL_TREE_INDEX = 2,
	GC_FUNCDATA_INL_TREE = 3,
	GC_FUNCDATA_ARG_INFO = 5,
	GC_FUNCDATA_ARG_LIVE_INFO = 6,
};

enum {
	GC_FUNCFLAG_TOPFRAME = 1,
	GC_FUNCFLAG_SPWRITE = 2,
	GC_FUNCFLAG_ASM = 4,
};

struct gc_pclntab;

/* One function of the table. name points into the pclntab buffer. */
struct gc_func {
	uint32_t index;	  /* position in the functab */
	uint64_t entry;	  /* text start + entryOff */
	uint64_t end;	  /* entry of the next function (end of text for the last) */
	const char *name; /* as stored: generic names carry their shape arguments */
	int32_t args;	  /* argument area size */
	uint32_t deferreturn;
	int32_t start_line;  /* line of the func keyword; 0 before Go 1.20 */
	uint8_t func_id;     /* numbers shift between versions: compare names instead */
	uint8_t flag;	     /* GC_FUNCFLAG_* */
	uint32_t record_off; /* offset of the _func record in the buffer (internal use) */
};

/* One frame of an inline expansion, innermost first. Strings point into the pclntab buffer,
 * file is "?" and line 0 when the tables have none. */
struct gc_frame {
	const char *name;
	const char *file;
	int32_t line;
	uint8_t func_id;
	bool inlined;	/* printed as name(...) without +offset */
	uint64_t entry; /* entry of the physical function holding the code */
	uint64_t pc;	/* where file and line were read: past the inlined calls, their site */
};

/* Returns the offset of the first plausible pcHeader in buf (magic, quantum, pointer size and
 * table offsets consistent with the space left), or -ENOENT. Aligned to 4 bytes. */
int64_t gc_pclntab_scan(const void *buf, size_t size);

/* Checks the header at the start of data and prepares lookups. data is borrowed: it must stay
 * valid and unchanged until gc_pclntab_free(). Returns 0, -EBADMSG on a bad header,
 * -EPROTONOSUPPORT for formats before Go 1.18 or big-endian tables, -ENOMEM. */
int gc_pclntab_open(const void *data, size_t size, struct gc_pclntab **ret);

struct gc_pclntab *gc_pclntab_free(struct gc_pclntab *tab);
static inline void gc_pclntab_freep(struct gc_pclntab **tab)
{
	if (*tab)
		gc_pclntab_free(*tab);
}

/* The runtime adds entry offsets to moduledata.text, which differs from the header's
 * textStart in some externally linked or relocated images: pass it when known. */
void gc_pclntab_set_text_start(struct gc_pclntab *tab, uint64_t text_start);

/* Where the inline trees live: funcdata offsets are relative to moduledata.gofunc (the
 * go:func.* symbol in .rodata), read through read(). Without it, expansion yields physical
 * frames only. */
void gc_pclntab_set_funcdata(struct gc_pclntab *tab, uint64_t gofunc, gc_read_mem_fn read,
			     void *userdata);

uint32_t gc_pclntab_nfunc(const struct gc_pclntab *tab);
uint64_t gc_pclntab_text_start(const struct gc_pclntab *tab);

/* Function number index. Returns 0, -ERANGE, -EBADMSG when the record is out of bounds. */
int gc_pclntab_func_at(const struct gc_pclntab *tab, uint32_t index, struct gc_func *ret);

/* Function containing pc. Returns 0 or -ENOENT when pc is outside the table's text. */
int gc_pclntab_find_func(const struct gc_pclntab *tab, uint64_t pc, struct gc_func *ret);

/* Function by its stored name (first match, linear scan). Returns 0 or -ENOENT. */
int gc_pclntab_find_func_by_name(const struct gc_pclntab *tab, const char *name,
				 struct gc_func *ret);

/* The entries of several functions by name in one pass over the table: entries[k] is that of
 * the first function named names[k] (as gc_pclntab_find_func_by_name() finds it), 0 when there
 * is none or its record is out of bounds. The names must differ. Returns 0 or -ENOMEM. */
int gc_pclntab_find_funcs_by_name(const struct gc_pclntab *tab, const char *const *names, size_t n,
				  uint64_t *entries);

/* Source position of pc inside f. *file points into the buffer. Returns 0 or -ENOENT when the
 * tables do not cover pc. */
int gc_pclntab_file_line(const struct gc_pclntab *tab, const struct gc_func *f, uint64_t pc,
			 const char **file, int32_t *line);

/* SP delta at pc (frame size so far, without the return address). Returns 0 or -ENOENT. */
int gc_pclntab_pcsp(const struct gc_pclntab *tab, const struct gc_func *f, uint64_t pc,
		    int32_t *ret);

/* Value of PCDATA table `table` at pc. Returns 0 or -ENOENT (no such table, or pc not covered:
 * the runtime reads both as -1). */
int gc_pclntab_pcdata(const struct gc_pclntab *tab, const struct gc_func *f, uint32_t table,
		      uint64_t pc, int32_t *ret);

/* Target address of FUNCDATA `index` of f. Returns 0, -ENOENT when absent, -ENODATA when no
 * gofunc base was set. */
int gc_pclntab_funcdata(const struct gc_pclntab *tab, const struct gc_func *f, uint32_t index,
			uint64_t *ret);

/* Frames at pc, innermost first, inlined ones expanded as the runtime does. pc is a "call pc":
 * pass return address - 1 for caller frames. Fills up to max frames; *n_frames gets the
 * number written. Returns 0 or -ENOENT when no function holds pc. A broken inline tree ends
 * the expansion early with the physical frame, never an error. */
int gc_pclntab_frames(const struct gc_pclntab *tab, uint64_t pc, struct gc_frame *frames,
		      size_t max, size_t *n_frames);

/* Writes name as the runtime of Go 1.minor prints it (runtime.funcNameForPrint: the type
 * arguments of a generic function become "[...]"; from 1.27 also those of a generic
 * method and of its receiver, "T[...].M[...]", and a name whose brackets do not balance is
 * printed whole) into buf, truncated and NUL-terminated. Returns the length of the full
 * result like snprintf. */
size_t gc_funcname_for_print(const char *name, int minor, char *buf, size_t size);

/* The fields of runtime.moduledata the extractor needs. */
struct gc_moduledata {
	uint64_t text, etext;	/* the code the table's entry offsets are relative to */
	uint64_t types, etypes; /* type descriptors: nameOff/typeOff base */
	uint64_t gofunc;	/* funcdata base */
};

/* Whether words (avail bytes) hold runtime.firstmoduledata, laid out as layout says, for this
 * table with its header at address vaddr (the table's own pointers to itself identify it);
 * fills ret when so. */
bool gc_pclntab_moduledata_at(const struct gc_pclntab *tab, const struct gc_go_layout *layout,
			      const void *words, size_t avail, uint64_t vaddr,
			      struct gc_moduledata *ret);

/* A pclntab found in an ELF executable file, with what is needed to use it. */
struct gc_pclntab_image {
	void *data; /* owned: free() */
	size_t size;
	uint64_t vaddr;	 /* link-time address of data */
	uint64_t text;	 /* runtime.firstmoduledata.text, else the header's textStart */
	uint64_t gofunc; /* firstmoduledata.gofunc; 0 if moduledata was not found */
};

/* Loads the pclntab of the executable: section .gopclntab or
 * .data.rel.ro.gopclntab, else a scan of the loadable segments (externally linked PIE).
 * text and gofunc come from runtime.firstmoduledata, found in the file's writable data by its
 * pointers to the table (no symbols needed) and read as layout says (NULL: not looked for).
 * Returns 0, -ENOENT, -EBADMSG, -ENOMEM, or -EIO. */
int gc_pclntab_image_load(const struct gc_exe *exe, const struct gc_go_layout *layout,
			  struct gc_pclntab_image *ret);
void gc_pclntab_image_done(struct gc_pclntab_image *img);
