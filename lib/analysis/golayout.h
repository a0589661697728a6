/* SPDX-License-Identifier: MIT */
/* What the Go runtime's structures look like in memory, per release (amd64): the offsets of the
 * runtime.g, runtime.m and runtime._panic fields the extractor reads, and the strings the
 * runtime prints for goroutine states and wait reasons. Checked against each Debian
 * toolchain's DWARF by tests/unit/test-golayout.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Goroutine status values (runtime2.go), unchanged from 1.18 to 1.25. */
enum {
	GC_G_IDLE = 0,
	GC_G_RUNNABLE = 1,
	GC_G_RUNNING = 2,
	GC_G_SYSCALL = 3,
	GC_G_WAITING = 4,
	GC_G_DEAD = 6,
	GC_G_COPYSTACK = 8,
	GC_G_PREEMPTED = 9,
	GC_G_LEAKED = 10,    /* 1.26+: caught by the GC's leak detection, "[reason (leaked)]" */
	GC_G_DEADEXTRA = 11, /* 1.26+: dead, attached to an extra M: not printed */
	GC_G_SCAN = 0x1000,  /* OR'ed in while the GC scans the stack */
};

/* A field that does not exist in a release has offset GC_NO_FIELD. */
#define GC_NO_FIELD UINT32_MAX

struct gc_go_layout {
	unsigned minor; /* 18 for go1.18, ... */

	/* runtime.g. g_sched_ret is GC_NO_FIELD from 1.25 on, g_syscallbp before 1.23. */
	uint32_t g_stack_lo, g_stack_hi, g_stackguard0;
	uint32_t g_panic, g_defer, g_m;
	uint32_t g_sched_sp, g_sched_pc, g_sched_g, g_sched_ctxt, g_sched_ret, g_sched_lr,
	    g_sched_bp;
	uint32_t g_syscallsp, g_syscallpc, g_syscallbp;
	uint32_t g_atomicstatus; /* u32 */
	uint32_t g_goid;	 /* u64 */
	uint32_t g_waitsince;	 /* i64, nanotime */
	uint32_t g_waitreason;	 /* u8 */
	uint32_t g_lockedm;	 /* muintptr */
	uint32_t g_sig;		 /* u32 */
	uint32_t g_sigcode0, g_sigcode1, g_sigpc;
	uint32_t g_parentgoid; /* u64, GC_NO_FIELD before 1.21 */
	uint32_t g_gopc, g_ancestors, g_startpc;
	/* The synctest bubble a goroutine is in: 1.24's g.syncGroup (experimental; the header
	 * shows its root goroutine's id), 1.25+'s g.bubble (the header shows its id). */
	uint32_t g_syncgroup, syncgroup_root;
	uint32_t g_bubble, bubble_id;

	/* runtime.m */
	uint32_t m_g0, m_gsignal, m_procid, m_curg, m_caughtsig, m_id, m_throwing;
	uint32_t m_lockedg;
	uint32_t m_vdsosp, m_vdsopc; /* a thread inside the vDSO: where its Go frames resume */

	/* runtime._panic */
	uint32_t panic_arg; /* eface {type, data} */
	uint32_t panic_link;
	uint32_t panic_recovered, panic_goexit; /* bool */

	/* runtime.firstmoduledata: found by its first words (pcHeader, funcnametab, pclntable
	 * point into the function table), then read for text, types and gofunc. */
	uint32_t moduledata_types, moduledata_etypes, moduledata_text, moduledata_etext;
	uint32_t moduledata_pcheader, moduledata_funcnametab, moduledata_pclntable;
	uint32_t moduledata_gofunc;

	/* Goroutine labels, printed in the header from 1.26 on: g.labels (the label set) and
	 * runtime.debug.tracebacklabels (GODEBUG tracebacklabels, an atomic int32 in the global
	 * runtime.debug; GC_NO_FIELD before 1.26). */
	uint32_t g_labels, debug_tracebacklabels;

	/* abi.FuncIDWrapper: the funcID of compiler-generated wrappers (go and defer statements,
	 * method values), which the signature leaves out. The enum grows between releases. */
	uint32_t funcid_wrapper;
};

/* A field of struct gc_go_layout and where the DWARF has it: "runtime.g.sched.sp" is member
 * sp of member sched of struct runtime.g; "abi.FuncIDWrapper" is the constant
 * internal/abi.FuncIDWrapper (runtime.funcID_wrapper before 1.21); "runtime.debug.x" is member x of
 * the type of the global variable runtime.debug. */
struct gc_go_layout_field {
	size_t offset; /* offsetof(struct gc_go_layout, member) */
	const char *member;
	const char *dwarf;
};

#define GC_GO_LAYOUT_N_FIELDS ((size_t)58)
extern const struct gc_go_layout_field gc_go_layout_fields[GC_GO_LAYOUT_N_FIELDS];

/* Parses "go1.22.12", "go1.24rc1", "go1.21" (also with a " X:exp" suffix) into the minor
 * number. Returns 0 or -EINVAL ("devel ...", garbage). */
int gc_go_minor(const char *go_version, unsigned *ret);

/* The layout of release `minor`. Returns NULL for releases before 1.18. For releases newer
 * than the newest known one, returns the newest and sets *exact to false (best effort, the
 * caller notes it); *exact may be NULL. */
const struct gc_go_layout *gc_go_layout_get(unsigned minor, bool *exact);
