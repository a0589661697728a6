/* SPDX-License-Identifier: MIT */
/* A one-pass parser for the ELF core the kernel writes into the core_pattern pipe: it is fed
 * the stream chunk by chunk, never seeks, keeps only headers and notes, and never fails hard:
 * malformed input sets `error` and the parser stops interpreting (the bytes still count). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GC_X86_64_NREGS 27 /* user_regs_struct: r15 ... gs, see elf_prstatus */

struct gc_core_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz, align;
};

struct gc_core_thread {
	pid_t tid;			/* pr_pid */
	int cursig;			/* pr_cursig */
	uint64_t regs[GC_X86_64_NREGS]; /* pr_reg, in the kernel's order */
};

struct gc_core_mapping {
	uint64_t start, end, offset; /* offset in bytes (NT_FILE page offset * page size) */
	char *path;
};

struct gc_core_info {
	bool is_elf;	  /* the stream started with a 64-bit little-endian ELF core header */
	char *error;	  /* first problem found (malformed, truncated), NULL when none */
	bool truncated;	  /* the stream ended before the last segment's end */
	uint16_t machine; /* e_machine */

	struct gc_core_phdr *phdrs;
	size_t n_phdrs;
	uint64_t expected_size; /* end of the furthest segment or note: the full core's size */

	/* NT_PRPSINFO */
	bool have_prpsinfo;
	char fname[17];	 /* pr_fname: the comm, spaces and all */
	char psargs[81]; /* pr_psargs */
	uint32_t uid, gid;
	pid_t pid;

	/* NT_SIGINFO of the signalled thread */
	bool have_siginfo;
	int si_signo, si_code;
	uint64_t fault_addr; /* si_addr of the fault signals, else 0 */

	/* NT_PRSTATUS, in note order: threads[0] is the signalled thread */
	struct gc_core_thread *threads;
	size_t n_threads;

	/* NT_AUXV as (type, value) pairs */
	uint64_t *auxv;
	size_t n_auxv;

	/* NT_FILE */
	struct gc_core_mapping *mappings;
	size_t n_mappings;
	uint64_t page_size;
};

/* Called for the bytes of each PT_LOAD as they pass: phdr index, offset within the segment. */
typedef void (*gc_core_segment_fn)(const struct gc_core_phdr *phdr, size_t index,
				   uint64_t segment_offset, const void *data, size_t size,
				   void *userdata);

struct gc_core_parser;

int gc_core_parser_new(struct gc_core_parser **ret);
void gc_core_parser_free(struct gc_core_parser *parser);

void gc_core_parser_set_segment_fn(struct gc_core_parser *parser, gc_core_segment_fn fn,
				   void *userdata);

/* Feeds the next bytes of the stream. Never fails: problems land in info->error. */
void gc_core_parser_feed(struct gc_core_parser *parser, const void *data, size_t size);

/* The stream offset before which the parser needs no more bytes: the start of the first
 * region (header, note segment) it still waits for, UINT64_MAX when it waits for none. Never
 * below the current offset. Without a segment callback, a reader that can seek may pass the
 * bytes before it by gc_core_parser_skip() instead of feeding them. */
uint64_t gc_core_parser_next_wanted(const struct gc_core_parser *parser);

/* Counts size bytes as passed without looking at them. Skipping past next_wanted(), or with
 * a segment callback set, is a caller's bug: it stops the parser with an error. */
void gc_core_parser_skip(struct gc_core_parser *parser, uint64_t size);

/* Marks the end of the stream (sets truncated/error when short). */
void gc_core_parser_finish(struct gc_core_parser *parser);

/* Bytes fed so far, and what was parsed; the info belongs to the parser. */
uint64_t gc_core_parser_offset(const struct gc_core_parser *parser);
const struct gc_core_info *gc_core_parser_info(const struct gc_core_parser *parser);

/* Looks up an auxv entry; returns 0 and the value, or -ENOENT. */
int gc_core_auxv(const struct gc_core_info *info, uint64_t type, uint64_t *ret);
