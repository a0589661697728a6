/* SPDX-License-Identifier: MIT */
/* A reader of an ELF core at any offset: a stored core, or bytes in memory. Opening reads the
 * ELF header, the program headers and the notes from where the headers say they are, each
 * range checked against the core's size first, so a header announcing a huge table costs
 * nothing; it never fails on what the bytes say: a malformed or short core opens with `error`
 * saying what is wrong (the notes are decoded only when the core holds all of them). Memory
 * of the crashed process is then read by virtual address.
 *
 * Cores are written in the host's byte order; only ELFDATA2LSB is accepted and the fields are
 * read by memcpy into <elf.h> structs, so a big-endian host simply rejects its own cores. */
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
	bool is_elf;	  /* the core starts with a 64-bit little-endian ELF core header */
	char *error;	  /* first problem found (malformed, truncated), NULL when none */
	bool truncated;	  /* the core ends before its last segment's end */
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

/* Reads up to size bytes at offset, as pread(2) does: returns the count (short or 0 only at
 * the end), or a negative errno. */
typedef ssize_t (*gc_core_read_fn)(void *userdata, void *buf, size_t size, uint64_t offset);

struct gc_core;

/* Opens a core of size bytes read through fn (userdata borrowed: it must outlive the core),
 * reading only its headers and notes. Returns 0 also for bytes that are no readable core (see
 * the info's is_elf and error), -EPERM in the root part, -ENOMEM, -EIO when fn ends before
 * size, or the error fn returned. */
int gc_core_open(gc_core_read_fn fn, void *userdata, uint64_t size, struct gc_core **ret);

/* The same over size bytes at data (borrowed). */
int gc_core_open_memory(const void *data, size_t size, struct gc_core **ret);

void gc_core_free(struct gc_core *core);

/* The headers and notes (owned by the core). */
const struct gc_core_info *gc_core_info(const struct gc_core *core);

/* Where the process's byte at vaddr is: in the first PT_LOAD in table order that holds it
 * (overlapping segments, which the kernel never writes, are read byte by byte that way). */
struct gc_core_place {
	bool mapped;	 /* a PT_LOAD holds vaddr */
	bool dumped;	 /* and the core has its bytes: vaddr is within p_filesz */
	uint64_t offset; /* where in the core, when dumped */
	/* Bytes from vaddr on in the same place: when dumped, those the core holds there (0 when
	 * it is cut before them); when mapped, to the segment's end; when not, to the next
	 * segment's start (UINT64_MAX - vaddr when none). */
	uint64_t size;
};

void gc_core_locate(const struct gc_core *core, uint64_t vaddr, struct gc_core_place *ret);

/* Reads up to size bytes of the core at a file offset. Returns the count (> 0 when size is),
 * -EFAULT at or past the core's end, -EIO when fn ends before the core's size, or the error
 * of fn. */
ssize_t gc_core_pread(struct gc_core *core, void *buf, size_t size, uint64_t offset);

/* Reads size bytes of the process's memory at vaddr from the core's dumped segments alone.
 * Returns 0, -EFAULT when some byte is not in the core (in no PT_LOAD, not dumped, past the
 * core's end), or the error of fn. */
int gc_core_read_memory(struct gc_core *core, uint64_t vaddr, void *buf, size_t size);

/* Looks up an auxv entry; returns 0 and the value, or -ENOENT. */
int gc_core_auxv(const struct gc_core_info *info, uint64_t type, uint64_t *ret);
