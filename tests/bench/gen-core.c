/* SPDX-License-Identifier: MIT */
/* Writes to stdout the ELF core the kernel would send for tests/e2e/bigheap.c SIZE_MIB: an
 * ELF64 ET_CORE header, a PT_NOTE with NT_PRPSINFO, and one PT_LOAD holding the heap that
 * bigheap fills with the same text-like words. The kernel cannot be asked for the real core
 * on a shared machine, and this stream exercises the same path in gocrashd.
 *
 *   gen-core SIZE_MIB > core */
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <unistd.h>

#define CHUNK	  (8u << 20)
#define HEAP_ADDR 0x7f0000000000ull
#define PAGE	  4096u

static int write_all(const void *data, size_t size)
{
	const char *p = data;

	while (size > 0) {
		ssize_t n = write(STDOUT_FILENO, p, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		size -= n;
	}
	return 0;
}

/* bigheap.c's fill loop, run in chunks: it keeps its state between calls so the stream is
 * the same bytes bigheap's heap holds, without holding 1.5 GiB in memory. */
struct heap_gen {
	uint64_t x;
	size_t used, size;
	char carry[32]; /* a word that straddled the previous chunk's end */
	size_t n_carry;
};

static size_t emit_word(struct heap_gen *g, char *out)
{
	static const char *words[] = {"request", "handler", "goroutine", "timeout",
				      "user",	 "session", "cache",	 "error",
				      "status",	 "200",	    "404",	 "ok"};
	const char *w = words[(g->x >> 33) % (sizeof(words) / sizeof(words[0]))];
	size_t len = strlen(w), n;

	g->x ^= g->x << 13;
	g->x ^= g->x >> 7;
	g->x ^= g->x << 17;
	memcpy(out, w, len);
	out[len] = (g->x & 7) ? ' ' : '\n';
	n = len + 1;
	if ((g->x & 63) == 0) {
		memcpy(out + n, &g->x, 8);
		n += 8;
	}
	return n;
}

/* Fills buf with the next `size` heap bytes. */
static void heap_fill(struct heap_gen *g, char *buf, size_t size)
{
	size_t at = 0;

	while (at < size) {
		size_t n;

		if (g->n_carry > 0) {
			n = g->n_carry < size - at ? g->n_carry : size - at;
			memcpy(buf + at, g->carry, n);
			memmove(g->carry, g->carry + n, g->n_carry - n);
			g->n_carry -= n;
			at += n;
			continue;
		}
		if (g->used + 16 >= g->size) { /* bigheap leaves the tail as malloc gave it */
			memset(buf + at, 0, size - at);
			return;
		}
		n = emit_word(g, g->carry);
		g->used += n;
		g->n_carry = n;
	}
}

static int write_headers(uint64_t heap_size)
{
	struct {
		Elf64_Ehdr ehdr;
		Elf64_Phdr phdr[2];
		Elf64_Nhdr nhdr;
		char name[8];
		struct elf_prpsinfo prpsinfo;
	} h;
	size_t note_size = sizeof(h.nhdr) + sizeof(h.name) + sizeof(h.prpsinfo);
	static char pad[PAGE];

	memset(&h, 0, sizeof(h));
	memcpy(h.ehdr.e_ident, ELFMAG, SELFMAG);
	h.ehdr.e_ident[EI_CLASS] = ELFCLASS64;
	h.ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
	h.ehdr.e_ident[EI_VERSION] = EV_CURRENT;
	h.ehdr.e_type = ET_CORE;
	h.ehdr.e_machine = EM_X86_64;
	h.ehdr.e_version = EV_CURRENT;
	h.ehdr.e_phoff = sizeof(h.ehdr);
	h.ehdr.e_ehsize = sizeof(h.ehdr);
	h.ehdr.e_phentsize = sizeof(Elf64_Phdr);
	h.ehdr.e_phnum = 2;
	h.phdr[0] = (Elf64_Phdr){
	    .p_type = PT_NOTE, .p_offset = offsetof(__typeof__(h), nhdr), .p_filesz = note_size};
	h.phdr[1] = (Elf64_Phdr){.p_type = PT_LOAD,
				 .p_flags = PF_R | PF_W,
				 .p_offset = PAGE,
				 .p_vaddr = HEAP_ADDR,
				 .p_filesz = heap_size,
				 .p_memsz = heap_size,
				 .p_align = PAGE};
	h.nhdr = (Elf64_Nhdr){.n_namesz = 5, .n_descsz = sizeof(h.prpsinfo), .n_type = NT_PRPSINFO};
	memcpy(h.name, "CORE", 5);
	h.prpsinfo.pr_pid = 4242;
	strcpy(h.prpsinfo.pr_fname, "bigheap");
	strcpy(h.prpsinfo.pr_psargs, "./bigheap");
	_Static_assert(sizeof(h) <= PAGE, "headers fit the first page");
	if (write_all(&h, sizeof(h)) < 0)
		return -1;
	return write_all(pad, PAGE - sizeof(h));
}

int main(int argc, char **argv)
{
	uint64_t mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 1536;
	struct heap_gen g = {.x = 88172645463325252ull, .size = (size_t)mib << 20};
	char *buf = malloc(CHUNK);

	if (argc > 2 || mib == 0 || !buf) {
		fprintf(stderr, "usage: %s [SIZE_MIB]\n", argv[0]);
		return 2;
	}
	if (write_headers(g.size) < 0)
		goto fail;
	for (uint64_t done = 0; done < g.size; done += CHUNK) {
		size_t n = g.size - done < CHUNK ? g.size - done : CHUNK;

		heap_fill(&g, buf, n);
		if (write_all(buf, n) < 0)
			goto fail;
	}
	free(buf);
	return 0;
fail:
	perror("gen-core: write");
	free(buf);
	return 1;
}
