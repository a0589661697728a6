/* SPDX-License-Identifier: MIT */
/* The crash signature. What goes in: the class of the reason, then the first frames of the
 * crashed goroutine that belong to the program, as a default (GOTRACEBACK=single) traceback
 * shows them. What stays out, because it changes with the Go release and not with the bug:
 * runtime frames, compiler-generated wrappers (go and defer statements, method values: named
 * main.f.func3 by 1.21 and main.f.gowrap1 by 1.22), and standard library frames when the
 * program's own code is on the stack (sync.fatal became internal/sync.fatal in 1.24). */
#include "gosignature.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "pclntab.h"

#define SIGNATURE_FRAMES 5

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* The class of the reason without what varies between occurrences: a throw's message is a
 * fixed runtime string, a runtime error's message has its numbers masked (index values),
 * a user's panic value is left out (it often holds request data), a signal keeps its name. */
static void reason_class(const struct gc_go_report *r, char *buf, size_t size)
{
	const char *reason = r->reason ? r->reason : "";
	const char *nl = strchr(reason, '\n');
	size_t n = 0;

	if (strncmp(reason, "panic: runtime error: ", 22) != 0 &&
	    strncmp(reason, "panic: ", 7) == 0) {
		snprintf(buf, size, "panic");
		return;
	}
	/* A fault in C code: go1.19 and 1.20 throw "unexpected signal during runtime
	 * execution" with a [signal SIGSEGV: ... code=...] line, 1.21+ print the signal's
	 * name as the reason. Both are the signal. */
	if (strcmp(reason, "fatal error: unexpected signal during runtime execution") == 0 &&
	    r->signal && strncmp(r->signal, "[signal ", 8) == 0) {
		reason = r->signal + 8;
		nl = strstr(reason, " code=");
	}
	for (const char *p = reason; *p && p != nl && n + 1 < size; p++)
		if (*p < '0' || *p > '9')
			buf[n++] = *p;
		else if (n == 0 || buf[n - 1] != 'N')
			buf[n++] = 'N';
	buf[n] = '\0';
}

/* ".gowrap12", ".deferwrap3" (1.22+) at the end of name. */
static bool has_wrap_suffix(const char *name, const char *word)
{
	const char *dot = strrchr(name, '.');
	size_t len = strlen(word);

	if (!dot || strncmp(dot + 1, word, len) != 0 || !dot[1 + len])
		return false;
	return strspn(dot + 1 + len, "0123456789") == strlen(dot + 1 + len);
}

/* A function the compiler wrote: its funcID says so (the number is per release), or its
 * name does where the frame is inlined or the release is newer than the tables. */
static bool is_wrapper(const struct gc_go_target *t, const struct gc_go_frame *f)
{
	size_t len = strlen(f->func);
	struct gc_func fn;

	if (has_wrap_suffix(f->func, "gowrap") || has_wrap_suffix(f->func, "deferwrap") ||
	    (len > 3 && strcmp(f->func + len - 3, "-fm") == 0))
		return true;
	return !f->inlined && t->tab && t->layout && t->layout->funcid_wrapper != GC_NO_FIELD &&
	       gc_pclntab_find_func(t->tab, f->entry, &fn) >= 0 && fn.entry == f->entry &&
	       fn.func_id == t->layout->funcid_wrapper;
}

/* The package path of a function name: up to the first '.' after the last '/'. */
static size_t package_len(const char *func)
{
	const char *slash = strrchr(func, '/');
	const char *dot = strchr(slash ? slash : func, '.');

	return dot ? (size_t)(dot - func) : strlen(func);
}

/* The program's own code: package main, the main module (from the build info), or a path
 * whose first element has a dot (a module: example.com/x). The standard library has none. */
static bool is_program(const struct gc_go_target *t, const char *func)
{
	size_t pkg = package_len(func), first = strcspn(func, "/");
	const char *mod = t->build.mod_path;
	size_t mod_len = mod ? strlen(mod) : 0;

	if (pkg == 4 && strncmp(func, "main", 4) == 0)
		return true;
	if (mod_len && pkg >= mod_len && strncmp(func, mod, mod_len) == 0 &&
	    (pkg == mod_len || func[mod_len] == '/'))
		return true;
	return memchr(func, '.', MIN(first, pkg)) != NULL && !memchr(func, ':', pkg);
}

static bool counts(const struct gc_go_target *t, const struct gc_go_frame *f, bool program_only)
{
	if (gc_go_is_runtime_func(f->func) || is_wrapper(t, f))
		return false;
	return !program_only || is_program(t, f->func);
}

int gc_go_signature(const struct gc_go_target *t, struct gc_go_report *r)
{
	const struct gc_goroutine *g = gc_go_report_crashed(r);
	uint64_t h = 0xcbf29ce484222325ull;
	bool program_only = false;
	unsigned used = 0;
	char class[256];

	reason_class(r, class, sizeof(class));
	h = fnv1a(h, class);
	for (size_t i = 0; g && i < g->n_frames && !program_only; i++)
		program_only = counts(t, &g->frames[i], false) && is_program(t, g->frames[i].func);
	for (size_t i = 0; g && i < g->n_frames && used < SIGNATURE_FRAMES; i++) {
		if (!counts(t, &g->frames[i], program_only))
			continue;
		h = fnv1a(fnv1a(h, "\n"), g->frames[i].func);
		used++;
	}
	return asprintf(&r->signature, "%016" PRIx64, h) < 0 ? -ENOMEM : 0;
}
