/* SPDX-License-Identifier: MIT */
/* Go build info, after debug/buildinfo and runtime/debug/mod.go (ParseBuildInfo). */
#include "gobuildinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sandbox.h"

#define BUILDINFO_MAGIC	      "\xff Go buildinf:"
#define BUILDINFO_MAGIC_SIZE  14
#define BUILDINFO_HEADER_SIZE 32
#define FLAGS_VERSION_INLINE  0x2
#define SCAN_CHUNK	      (64 * 1024)
/* Real blobs are a few KiB; these bounds keep garbage from costing much. */
#define MAX_SCAN_SIZE	 ((uint64_t)256 << 20)
#define MAX_VERSION_SIZE 256
#define MAX_MODINFO_SIZE (4u << 20)
#define MAX_SETTINGS	 1024
#define SENTINEL_SIZE	 16

/* Finds the 16-aligned magic in [start, end); unreadable chunks are skipped. The loop counts
 * bytes from start, never addresses: a header near the top of the address space must not
 * let an address wrap past 2^64 and restart the scan from 0. */
static int find_magic(gc_read_mem_fn read, void *userdata, uint64_t start, uint64_t end,
		      uint64_t *ret)
{
	_cleanup_free_ uint8_t *buf = malloc(SCAN_CHUNK);
	uint64_t span;

	if (!buf)
		return -ENOMEM;
	if (start > UINT64_MAX - 15)
		return -ENOENT;
	start = (start + 15) & ~(uint64_t)15;
	if (end <= start)
		return -ENOENT;
	span = MIN(end - start, MAX_SCAN_SIZE);
	for (uint64_t done = 0; done < span && span - done >= BUILDINFO_HEADER_SIZE;
	     done += SCAN_CHUNK) {
		size_t n = (size_t)MIN((uint64_t)SCAN_CHUNK, span - done);

		if (read(userdata, start + done, buf, n) < 0)
			continue;
		for (size_t off = 0; off + BUILDINFO_MAGIC_SIZE <= n; off += 16)
			if (memcmp(buf + off, BUILDINFO_MAGIC, BUILDINFO_MAGIC_SIZE) == 0) {
				*ret = start + done + off;
				return 0;
			}
	}
	return -ENOENT;
}

/* Reads a uvarint-prefixed string at *addr (below end) and advances *addr past it. */
static int read_string(gc_read_mem_fn read, void *userdata, uint64_t *addr, uint64_t end,
		       size_t max, char **ret, size_t *ret_size)
{
	uint8_t hdr[10];
	size_t hdr_size = (size_t)MIN((uint64_t)sizeof(hdr), end - *addr), used = 0;
	uint64_t len = 0;
	char *s;
	int r;

	if (*addr >= end)
		return -EBADMSG;
	r = read(userdata, *addr, hdr, hdr_size);
	if (r < 0)
		return r;
	for (unsigned shift = 0;; shift += 7) {
		if (used >= hdr_size || shift > 63)
			return -EBADMSG;
		len |= (uint64_t)(hdr[used] & 0x7f) << shift;
		if (!(hdr[used++] & 0x80))
			break;
	}
	if (len > max || len > end - *addr - used)
		return -EBADMSG;
	s = malloc(len + 1);
	if (!s)
		return -ENOMEM;
	r = len ? read(userdata, *addr + used, s, len) : 0;
	if (r < 0) {
		free(s);
		return r;
	}
	s[len] = 0;
	*addr += used + len;
	*ret = s;
	*ret_size = len;
	return 0;
}

int gc_buildinfo_read(gc_read_mem_fn read, void *userdata, uint64_t start, uint64_t end,
		      struct gc_buildinfo *ret)
{
	_cleanup_free_ char *version = NULL, *modinfo = NULL;
	struct gc_buildinfo info = {.cgo_enabled = -1};
	uint8_t header[BUILDINFO_HEADER_SIZE];
	uint64_t addr, p;
	size_t version_size, modinfo_size;
	int r;

	if (gc_sandbox_check_unprivileged(__func__) < 0)
		return -EPERM;
	r = find_magic(read, userdata, start, end, &addr);
	if (r < 0)
		return r;
	if (end - addr < BUILDINFO_HEADER_SIZE)
		return -EBADMSG;
	r = read(userdata, addr, header, sizeof(header));
	if (r < 0)
		return r;
	if (!(header[15] & FLAGS_VERSION_INLINE))
		return -EPROTONOSUPPORT; /* Go before 1.18: pointers to Go strings */
	p = addr + BUILDINFO_HEADER_SIZE;
	r = read_string(read, userdata, &p, end, MAX_VERSION_SIZE, &version, &version_size);
	if (r < 0)
		return r;
	r = read_string(read, userdata, &p, end, MAX_MODINFO_SIZE, &modinfo, &modinfo_size);
	if (r < 0)
		return r;
	if (version_size == 0 || memchr(version, 0, version_size))
		return -EBADMSG;
	r = gc_buildinfo_parse_modinfo(modinfo, modinfo_size, &info);
	if (r < 0)
		return r;
	info.go_version = TAKE_PTR(version);
	info.address = addr;
	*ret = info;
	return 0;
}

/* Go strconv.Unquote for the forms the toolchain writes: "..." with escapes, and `...`.
 * Anything else is kept as it is. */
static char *unquote(const char *s, size_t len)
{
	char *out, *o;

	if (len < 2 || (s[0] != '"' && s[0] != '`') || s[len - 1] != s[0])
		return strndup(s, len);
	out = o = malloc(len);
	if (!out)
		return NULL;
	for (size_t i = 1; i + 1 < len; i++) {
		if (s[0] == '"' && s[i] == '\\' && i + 2 < len) {
			const char *esc = "n\nt\tr\r\\\\\"\"'\'", *e;
			i++;
			e = strchr(esc, s[i]);
			*o++ = (e && (e - esc) % 2 == 0) ? e[1] : s[i];
		} else
			*o++ = s[i];
	}
	*o = 0;
	return out;
}

/* Splits "KEY=VALUE" (either side possibly quoted) of a build line. */
static int add_setting(struct gc_buildinfo *info, const char *kv, size_t len)
{
	const char *eq;
	struct gc_build_setting *s;

	if (info->n_settings >= MAX_SETTINGS)
		return -EBADMSG;
	if (len > 0 && (kv[0] == '"' || kv[0] == '`')) {
		const char *close = memchr(kv + 1, kv[0], len - 1);
		while (close && kv[0] == '"' && close[-1] == '\\')
			close = memchr(close + 1, '"', len - (size_t)(close + 1 - kv));
		eq = close ? close + 1 : NULL;
		if (eq && (eq >= kv + len || *eq != '='))
			eq = NULL;
	} else
		eq = memchr(kv, '=', len);
	if (!eq || eq == kv)
		return -EBADMSG;
	s = realloc(info->settings, (info->n_settings + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	info->settings = s;
	s += info->n_settings;
	s->key = unquote(kv, (size_t)(eq - kv));
	s->value = unquote(eq + 1, len - (size_t)(eq + 1 - kv));
	if (!s->key || !s->value) {
		free(s->key);
		free(s->value);
		return -ENOMEM;
	}
	info->n_settings++;
	return 0;
}

/* "mod\tPATH\tVERSION[\tSUM]" */
static int set_main_module(struct gc_buildinfo *info, const char *l, size_t len)
{
	const char *t1 = memchr(l, '\t', len), *t2;

	if (!t1 || info->mod_path)
		return -EBADMSG;
	t2 = memchr(t1 + 1, '\t', len - (size_t)(t1 + 1 - l));
	info->mod_path = strndup(l, (size_t)(t1 - l));
	info->mod_version = strndup(t1 + 1, (size_t)((t2 ? t2 : l + len) - (t1 + 1)));
	if (t2 && t2 + 1 < l + len)
		info->mod_sum = strndup(t2 + 1, len - (size_t)(t2 + 1 - l));
	if (!info->mod_path || !info->mod_version || (t2 && t2 + 1 < l + len && !info->mod_sum))
		return -ENOMEM;
	return 0;
}

static int parse_line(struct gc_buildinfo *info, const char *l, size_t len)
{
#define PREFIX(p) (len >= sizeof(p) - 1 && memcmp(l, p, sizeof(p) - 1) == 0)
	if (PREFIX("path\t")) {
		free(info->path);
		info->path = strndup(l + 5, len - 5);
		return info->path ? 0 : -ENOMEM;
	}
	if (PREFIX("mod\t"))
		return set_main_module(info, l + 4, len - 4);
	if (PREFIX("dep\t")) {
		info->n_deps++;
		return 0;
	}
	if (PREFIX("build\t"))
		return add_setting(info, l + 6, len - 6);
	return 0; /* "=>" replacements and future line kinds */
#undef PREFIX
}

static void set_views(struct gc_buildinfo *info)
{
	const char *v;

	info->buildmode = gc_buildinfo_setting(info, "-buildmode");
	info->goos = gc_buildinfo_setting(info, "GOOS");
	info->goarch = gc_buildinfo_setting(info, "GOARCH");
	info->vcs = gc_buildinfo_setting(info, "vcs");
	info->vcs_revision = gc_buildinfo_setting(info, "vcs.revision");
	info->vcs_time = gc_buildinfo_setting(info, "vcs.time");
	v = gc_buildinfo_setting(info, "vcs.modified");
	info->vcs_modified = v && strcmp(v, "true") == 0;
	v = gc_buildinfo_setting(info, "-trimpath");
	info->trimpath = v && strcmp(v, "true") == 0;
	v = gc_buildinfo_setting(info, "CGO_ENABLED");
	info->cgo_enabled = v ? strcmp(v, "1") == 0 : -1;
}

int gc_buildinfo_parse_modinfo(const char *modinfo, size_t size, struct gc_buildinfo *ret)
{
	struct gc_buildinfo info = {.cgo_enabled = -1};
	const char *p, *end;
	int r = 0;

	if (gc_sandbox_check_unprivileged(__func__) < 0)
		return -EPERM;
	/* Framed by cmd/go's 16-byte infoStart/infoEnd sentinels (debug/buildinfo's check). */
	if (size >= 2 * SENTINEL_SIZE + 1 && modinfo[size - SENTINEL_SIZE - 1] == '\n') {
		modinfo += SENTINEL_SIZE;
		size -= 2 * SENTINEL_SIZE;
	}
	if (memchr(modinfo, 0, size))
		return -EBADMSG;
	info.modinfo = strndup(modinfo, size);
	if (!info.modinfo)
		return -ENOMEM;
	for (p = modinfo, end = modinfo + size; p < end && r >= 0;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break; /* ParseBuildInfo ignores an unterminated last line */
		r = parse_line(&info, p, (size_t)(nl - p));
		p = nl + 1;
	}
	if (r < 0) {
		gc_buildinfo_done(&info);
		return r;
	}
	set_views(&info);
	ret->path = info.path;
	ret->mod_path = info.mod_path;
	ret->mod_version = info.mod_version;
	ret->mod_sum = info.mod_sum;
	ret->n_deps = info.n_deps;
	ret->settings = info.settings;
	ret->n_settings = info.n_settings;
	ret->modinfo = info.modinfo;
	/* The views point into settings, which just moved owner but not address. */
	ret->buildmode = info.buildmode;
	ret->goos = info.goos;
	ret->goarch = info.goarch;
	ret->vcs = info.vcs;
	ret->vcs_revision = info.vcs_revision;
	ret->vcs_time = info.vcs_time;
	ret->vcs_modified = info.vcs_modified;
	ret->trimpath = info.trimpath;
	ret->cgo_enabled = info.cgo_enabled;
	return 0;
}

const char *gc_buildinfo_setting(const struct gc_buildinfo *info, const char *key)
{
	for (size_t i = 0; i < info->n_settings; i++)
		if (strcmp(info->settings[i].key, key) == 0)
			return info->settings[i].value;
	return NULL;
}

void gc_buildinfo_done(struct gc_buildinfo *info)
{
	for (size_t i = 0; i < info->n_settings; i++) {
		free(info->settings[i].key);
		free(info->settings[i].value);
	}
	free(info->settings);
	free(info->go_version);
	free(info->path);
	free(info->mod_path);
	free(info->mod_version);
	free(info->mod_sum);
	free(info->modinfo);
	*info = (struct gc_buildinfo){.cgo_enabled = -1};
}

bool gc_elf_note_next(const void *notes, size_t size, size_t *off, struct gc_elf_note *ret)
{
	const uint8_t *p = notes;
	uint32_t words[3]; /* namesz, descsz, type */
	size_t name_off, desc_off;

	if (*off > size || size - *off < sizeof(words))
		return false;
	memcpy(words, p + *off, sizeof(words));
	name_off = *off + sizeof(words);
	if (words[0] > size - name_off)
		return false;
	desc_off = name_off + ((words[0] + 3) & ~(size_t)3);
	if (desc_off > size || words[1] > size - desc_off)
		return false;
	*ret = (struct gc_elf_note){.type = words[2],
				    .name = p + name_off,
				    .namesz = words[0],
				    .desc = p + desc_off,
				    .descsz = words[1]};
	*off = desc_off + ((words[1] + 3) & ~(size_t)3);
	return true;
}

int gc_go_build_id_from_notes(const void *notes, size_t size, char **ret)
{
	struct gc_elf_note note;
	size_t off = 0;

	if (gc_sandbox_check_unprivileged(__func__) < 0)
		return -EPERM;
	while (gc_elf_note_next(notes, size, &off, &note)) {
		char *id;

		/* The Go linker writes namesz 4 ("Go\0\0"), the ELF convention would be 3. */
		if (note.type != 4 || (note.namesz != 3 && note.namesz != 4) ||
		    memcmp(note.name, "Go", 3) != 0)
			continue;
		id = strndup((const char *)note.desc, note.descsz);
		if (!id)
			return -ENOMEM;
		*ret = id;
		return 0;
	}
	return -ENOENT;
}
