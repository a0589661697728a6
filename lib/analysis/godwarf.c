/* SPDX-License-Identifier: MIT */
/* Layouts from DWARF, with elfutils' libdw: it reads the compressed sections the Go linker
 * writes (SHF_COMPRESSED) and resolves type references; the lookups need no more than the
 * top-level types of each unit and the members of six structs (two of them synctest's, each in
 * some releases only), plus the type of one variable (runtime.debug, an unnamed struct). */
#include "godwarf.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "sandbox.h"

/* Named struct types, then the variables whose (unnamed) struct type is wanted. */
enum {
	S_G,
	S_M,
	S_PANIC,
	S_MODULEDATA,
	S_SYNCGROUP,
	S_BUBBLE,
	N_TYPES,
	S_DEBUG = N_TYPES,
	N_STRUCTS
};

static const char *const struct_names[N_STRUCTS] = {"runtime.g",
						    "runtime.m",
						    "runtime._panic",
						    "runtime.moduledata",
						    "runtime.synctestGroup",
						    "runtime.synctestBubble",
						    "runtime.debug"};

struct types {
	Dwarf_Die structs[N_STRUCTS];
	bool have[N_STRUCTS];
	bool have_wrapper;
	int64_t funcid_wrapper;
};

static bool member_struct(Dwarf_Die *m, Dwarf_Die *ret);

static void note_die(Dwarf_Die *die, struct types *ty)
{
	const char *name = dwarf_diename(die);
	Dwarf_Attribute attr;
	Dwarf_Sword value;

	if (!name)
		return;
	if (dwarf_tag(die) == DW_TAG_variable && !ty->have[S_DEBUG] &&
	    strcmp(name, struct_names[S_DEBUG]) == 0) {
		ty->have[S_DEBUG] = member_struct(die, &ty->structs[S_DEBUG]);
	} else if (dwarf_tag(die) == DW_TAG_structure_type) {
		for (size_t i = 0; i < N_TYPES; i++)
			if (!ty->have[i] && strcmp(name, struct_names[i]) == 0) {
				ty->structs[i] = *die;
				ty->have[i] = true;
			}
	} else if (dwarf_tag(die) == DW_TAG_constant &&
		   (strcmp(name, "internal/abi.FuncIDWrapper") == 0 ||
		    strcmp(name, "runtime.funcID_wrapper") == 0) &&
		   dwarf_attr(die, DW_AT_const_value, &attr) &&
		   dwarf_formsdata(&attr, &value) == 0) {
		ty->funcid_wrapper = value;
		ty->have_wrapper = true;
	}
}

/* The top-level entries of every unit; siblings only move forward, so this ends. */
static void find_types(Dwarf *dw, struct types *ty)
{
	Dwarf_Off off = 0, next;
	size_t header;

	while (dwarf_nextcu(dw, off, &next, &header, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, child;

		if (dwarf_offdie(dw, off + header, &cu) && dwarf_child(&cu, &child) == 0)
			do
				note_die(&child, ty);
			while (dwarf_siblingof(&child, &child) == 0);
		off = next;
	}
}

static bool member(Dwarf_Die *st, const char *name, size_t len, Dwarf_Die *ret)
{
	Dwarf_Die child;

	if (dwarf_child(st, &child) != 0)
		return false;
	do {
		const char *n = dwarf_diename(&child);

		if (dwarf_tag(&child) == DW_TAG_member && n && strlen(n) == len &&
		    memcmp(n, name, len) == 0) {
			*ret = child;
			return true;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

/* The struct a member's (or a variable's) type names, through typedefs (bounded: a loop is
 * malformed). */
static bool member_struct(Dwarf_Die *m, Dwarf_Die *ret)
{
	Dwarf_Attribute attr;
	Dwarf_Die die = *m;

	for (int depth = 0; depth < 8; depth++) {
		if (!dwarf_attr(&die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &die))
			return false;
		if (dwarf_tag(&die) == DW_TAG_structure_type) {
			*ret = die;
			return true;
		}
		if (dwarf_tag(&die) != DW_TAG_typedef)
			return false;
	}
	return false;
}

/* Offset of the dotted member path (sched.sp) in st. */
static bool path_offset(Dwarf_Die st, const char *path, uint32_t *ret)
{
	uint64_t total = 0;

	for (const char *p = path;;) {
		size_t len = strcspn(p, ".");
		Dwarf_Attribute attr;
		Dwarf_Word off;
		Dwarf_Die m;

		if (!member(&st, p, len, &m) ||
		    !dwarf_attr(&m, DW_AT_data_member_location, &attr) ||
		    dwarf_formudata(&attr, &off) != 0 || off > UINT32_MAX - total)
			return false;
		total += off;
		if (!p[len])
			break;
		if (!member_struct(&m, &st))
			return false;
		p += len + 1;
	}
	if (total >= GC_NO_FIELD)
		return false;
	*ret = (uint32_t)total;
	return true;
}

static bool field_value(struct types *ty, const char *dwarf_name, uint32_t *ret)
{
	if (strcmp(dwarf_name, "abi.FuncIDWrapper") == 0) {
		if (!ty->have_wrapper || ty->funcid_wrapper < 0 || ty->funcid_wrapper > 255)
			return false;
		*ret = (uint32_t)ty->funcid_wrapper;
		return true;
	}
	for (size_t i = 0; i < N_STRUCTS; i++) {
		size_t len = strlen(struct_names[i]);

		if (ty->have[i] && strncmp(dwarf_name, struct_names[i], len) == 0 &&
		    dwarf_name[len] == '.')
			return path_offset(ty->structs[i], dwarf_name + len + 1, ret);
	}
	return false;
}

int gc_go_layout_from_dwarf(const struct gc_exe *exe, unsigned minor, struct gc_go_layout *ret,
			    size_t *n_missing)
{
	struct types ty = {};
	size_t missing = 0;
	Dwarf *dw;

	if (gc_sandbox_check_unprivileged(__func__) < 0)
		return -EPERM;
	dw = dwarf_begin_elf(gc_exe_elf(exe), DWARF_C_READ, NULL);
	if (!dw)
		return -ENODATA;
	find_types(dw, &ty);
	if (!ty.have[S_G]) {
		dwarf_end(dw);
		return -ENODATA;
	}
	*ret = (struct gc_go_layout){.minor = minor};
	for (size_t i = 0; i < GC_GO_LAYOUT_N_FIELDS; i++) {
		const struct gc_go_layout_field *f = &gc_go_layout_fields[i];
		uint32_t value = GC_NO_FIELD;

		if (!field_value(&ty, f->dwarf, &value))
			missing++;
		memcpy((char *)ret + f->offset, &value, sizeof(value));
	}
	dwarf_end(dw);
	*n_missing = missing;
	return 0;
}
