/* SPDX-License-Identifier: MIT */
/* Build information a Go executable carries about itself (debug/buildinfo, Go 1.18+ inline
 * format): toolchain version, main module, build settings, and the Go build id note. Parsed
 * from raw bytes through a memory reader, so it works on a file (goexe.h reads it from the
 * executable) or on a core's memory. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads size bytes at virtual address vaddr into buf. Returns 0 or a negative errno (a short
 * read is an error). Same type as in pclntab.h. */
typedef int (*gc_read_mem_fn)(void *userdata, uint64_t vaddr, void *buf, size_t size);

struct gc_build_setting {
	char *key;
	char *value;
};

struct gc_buildinfo {
	char *go_version;		   /* "go1.22.12" */
	char *path;			   /* "path" line: the main package's import path */
	char *mod_path;			   /* "mod" line: the main module */
	char *mod_version;		   /* "(devel)" for a local build */
	char *mod_sum;			   /* NULL when absent */
	size_t n_deps;			   /* "dep" lines */
	struct gc_build_setting *settings; /* every "build KEY=VALUE" line, in order */
	size_t n_settings;
	/* Convenience views into settings (NULL when absent): */
	const char *buildmode, *goos, *goarch, *vcs, *vcs_revision, *vcs_time;
	int cgo_enabled; /* 1, 0, or -1 when not recorded */
	bool trimpath;
	bool vcs_modified;
	char *modinfo;	  /* the module text without its sentinels, NUL-terminated */
	uint64_t address; /* where the "\xff Go buildinf:" header was found */
};

/* Scans [start, end) at 16-byte alignment for the build info header, reading through read(),
 * and parses it. Returns 0, -ENOENT when no header is found, -EPROTONOSUPPORT for the pre-1.18
 * pointer format, -EBADMSG on a malformed blob, -ENOMEM. */
int gc_buildinfo_read(gc_read_mem_fn read, void *userdata, uint64_t start, uint64_t end,
		      struct gc_buildinfo *ret);

/* Parses the module text (with or without its 16-byte sentinels) into ret's module and
 * setting fields; go_version is left alone. Returns 0, -EBADMSG or -ENOMEM. */
int gc_buildinfo_parse_modinfo(const char *modinfo, size_t size, struct gc_buildinfo *ret);

/* One note of an ELF note area (Elf32_Nhdr and Elf64_Nhdr are the same three 4-byte words;
 * name and desc 4-aligned), pointing into it. */
struct gc_elf_note {
	uint32_t type;
	const uint8_t *name;
	uint32_t namesz;
	const uint8_t *desc;
	uint32_t descsz;
};

/* The note at *off of the area, *off moved past it. Returns false at the end, or at a note
 * that does not fit in the area (the rest is not read). */
bool gc_elf_note_next(const void *notes, size_t size, size_t *off, struct gc_elf_note *ret);

/* The Go build id in an ELF note area (name "Go", type 4), as a new string. Returns 0,
 * -ENOENT or -ENOMEM. */
int gc_go_build_id_from_notes(const void *notes, size_t size, char **ret);

/* Value of build setting key, or NULL. */
const char *gc_buildinfo_setting(const struct gc_buildinfo *info, const char *key);

void gc_buildinfo_done(struct gc_buildinfo *info);
