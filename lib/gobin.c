/* SPDX-License-Identifier: MIT */
#include "gobin.h"

#include <gelf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "macro.h"

static const char buildinfo_magic[14] = "\xff Go buildinf:";

static void elf_endp(Elf **elf)
{
	if (*elf)
		elf_end(*elf);
}

/* Reads one uvarint-prefixed string of .go.buildinfo's inline form. */
static char *read_varint_string(const uint8_t **p, const uint8_t *end)
{
	uint64_t len = 0;
	unsigned shift = 0;

	while (*p < end && shift < 64) {
		uint8_t byte = *(*p)++;
		len |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			break;
		shift += 7;
	}
	if (len == 0 || len > 4096 || len > (uint64_t)(end - *p))
		return NULL;
	char *s = strndup((const char *)*p, len);
	*p += len;
	return s;
}

/* Go 1.18+ writes the version inline after the 32-byte header (flags bit 2). */
static char *parse_buildinfo(const uint8_t *data, size_t size)
{
	const uint8_t *p, *end = data + size;

	for (p = data; p + 32 <= end; p += 16) {
		if (memcmp(p, buildinfo_magic, sizeof(buildinfo_magic)) != 0)
			continue;
		if (!(p[15] & 0x2))
			return strdup("go1.17-or-older");
		p += 32;
		return read_varint_string(&p, end);
	}
	return NULL;
}

static char *hex_string(const uint8_t *data, size_t size)
{
	char *hex = malloc(size * 2 + 1);

	if (!hex)
		return NULL;
	for (size_t i = 0; i < size; i++)
		sprintf(hex + 2 * i, "%02x", data[i]);
	return hex;
}

/* Returns the build id from a note section: GNU (hex) or Go (its own text). */
static char *note_build_id(Elf_Data *data, bool *is_go)
{
	GElf_Nhdr nhdr;
	size_t offset = 0, name_off, desc_off;

	while ((offset = gelf_getnote(data, offset, &nhdr, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)data->d_buf + name_off;
		const uint8_t *desc = (const uint8_t *)data->d_buf + desc_off;

		if (nhdr.n_type == NT_GNU_BUILD_ID && nhdr.n_namesz == 4 &&
		    memcmp(name, "GNU", 4) == 0)
			return hex_string(desc, nhdr.n_descsz);
		if (nhdr.n_type == 4 && nhdr.n_namesz == 4 && memcmp(name, "Go\0\0", 4) == 0) {
			*is_go = true;
			return strndup((const char *)desc, nhdr.n_descsz);
		}
	}
	return NULL;
}

static void inspect_sections(Elf *elf, struct gc_gobin *gobin, char **go_build_id)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx) < 0)
		return;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		const char *name;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &shdr) || !(name = elf_strptr(elf, shstrndx, shdr.sh_name)))
			continue;
		if (shdr.sh_type == SHT_NOBITS || !(data = elf_getdata(scn, NULL)) || !data->d_buf)
			continue;
		if (strcmp(name, ".go.buildinfo") == 0 && !gobin->go_version) {
			gobin->go_version = parse_buildinfo(data->d_buf, data->d_size);
			gobin->is_go = gobin->is_go || gobin->go_version;
		} else if (shdr.sh_type == SHT_NOTE) {
			bool is_go_note = false;
			char *id = note_build_id(data, &is_go_note);

			if (!id)
				continue;
			gobin->is_go = gobin->is_go || is_go_note;
			char **slot = is_go_note ? go_build_id : &gobin->build_id;
			if (!*slot)
				*slot = id;
			else
				free(id);
		}
	}
}

int gc_gobin_inspect(int fd, struct gc_gobin *ret)
{
	_cleanup_(elf_endp) Elf *elf = NULL;
	struct gc_gobin gobin = {};
	_cleanup_free_ char *go_build_id = NULL;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		*ret = gobin;
		return 0;
	}
	inspect_sections(elf, &gobin, &go_build_id);
	if (!gobin.build_id)
		gobin.build_id = TAKE_PTR(go_build_id);
	*ret = gobin;
	return 0;
}

void gc_gobin_done(struct gc_gobin *gobin)
{
	free(gobin->go_version);
	free(gobin->build_id);
	*gobin = (struct gc_gobin){};
}
