/* SPDX-License-Identifier: MIT */
/* Per-release layouts of the Go runtime structures, amd64. The offsets of 1.19, 1.21, 1.22,
 * 1.23 and 1.24 come from each release's runtime sources and are checked against the DWARF
 * of binaries built by the installed toolchains (tests/unit/test-golayout.c). 1.20 and 1.25
 * are not installed here: their entries are derived from the neighbouring releases and the
 * changes known to have happened in between, and are UNVERIFIED. */
#include <errno.h>
#include <string.h>

#include "golayout.h"
#include "macro.h"

/* gStatusStrings (runtime/traceback.go), the same in every release 1.19-1.24 and assumed for
 * 1.25. The holes at 5 (_Gmoribund_unused) and 7 (_Genqueue_unused) are empty strings, which
 * is what the runtime prints for them. */
static const char *const status_strings[] = {
    "idle", "runnable", "running", "syscall", "waiting", "", "dead", "", "copystack", "preempted",
};

/* waitReasonStrings (runtime/runtime2.go) of each release, index = waitReason value.
 * Values 0-17 are the same in every release here; 18 and up move. */
static const char *const wait_reasons_119[] = {
    /*  0 */ "",
    /*  1 */ "GC assist marking",
    /*  2 */ "IO wait",
    /*  3 */ "chan receive (nil chan)",
    /*  4 */ "chan send (nil chan)",
    /*  5 */ "dumping heap",
    /*  6 */ "garbage collection",
    /*  7 */ "garbage collection scan",
    /*  8 */ "panicwait",
    /*  9 */ "select",
    /* 10 */ "select (no cases)",
    /* 11 */ "GC assist wait",
    /* 12 */ "GC sweep wait",
    /* 13 */ "GC scavenge wait",
    /* 14 */ "chan receive",
    /* 15 */ "chan send",
    /* 16 */ "finalizer wait",
    /* 17 */ "force gc (idle)",
    /* 18 */ "semacquire",
    /* 19 */ "sleep",
    /* 20 */ "sync.Cond.Wait",
    /* 21 */ "timer goroutine (idle)",
    /* 22 */ "trace reader (blocked)",
    /* 23 */ "wait for GC cycle",
    /* 24 */ "GC worker (idle)",
    /* 25 */ "preempted",
    /* 26 */ "debug call",
};

/* UNVERIFIED: 1.20 added the sync.Mutex/RWMutex reasons (with the mutex wait-time metric)
 * and "GC worker (active)"; 1.21 then appended the last two of its list. "timer goroutine
 * (idle)" is assumed gone already (1.21 no longer has it); were it still there, 24 and up
 * would move by one. */
static const char *const wait_reasons_120[] = {
    /*  0 */ "",
    /*  1 */ "GC assist marking",
    /*  2 */ "IO wait",
    /*  3 */ "chan receive (nil chan)",
    /*  4 */ "chan send (nil chan)",
    /*  5 */ "dumping heap",
    /*  6 */ "garbage collection",
    /*  7 */ "garbage collection scan",
    /*  8 */ "panicwait",
    /*  9 */ "select",
    /* 10 */ "select (no cases)",
    /* 11 */ "GC assist wait",
    /* 12 */ "GC sweep wait",
    /* 13 */ "GC scavenge wait",
    /* 14 */ "chan receive",
    /* 15 */ "chan send",
    /* 16 */ "finalizer wait",
    /* 17 */ "force gc (idle)",
    /* 18 */ "semacquire",
    /* 19 */ "sleep",
    /* 20 */ "sync.Cond.Wait",
    /* 21 */ "sync.Mutex.Lock",
    /* 22 */ "sync.RWMutex.RLock",
    /* 23 */ "sync.RWMutex.Lock",
    /* 24 */ "trace reader (blocked)",
    /* 25 */ "wait for GC cycle",
    /* 26 */ "GC worker (idle)",
    /* 27 */ "GC worker (active)",
    /* 28 */ "preempted",
    /* 29 */ "debug call",
};

static const char *const wait_reasons_121[] = {
    /*  0 */ "",
    /*  1 */ "GC assist marking",
    /*  2 */ "IO wait",
    /*  3 */ "chan receive (nil chan)",
    /*  4 */ "chan send (nil chan)",
    /*  5 */ "dumping heap",
    /*  6 */ "garbage collection",
    /*  7 */ "garbage collection scan",
    /*  8 */ "panicwait",
    /*  9 */ "select",
    /* 10 */ "select (no cases)",
    /* 11 */ "GC assist wait",
    /* 12 */ "GC sweep wait",
    /* 13 */ "GC scavenge wait",
    /* 14 */ "chan receive",
    /* 15 */ "chan send",
    /* 16 */ "finalizer wait",
    /* 17 */ "force gc (idle)",
    /* 18 */ "semacquire",
    /* 19 */ "sleep",
    /* 20 */ "sync.Cond.Wait",
    /* 21 */ "sync.Mutex.Lock",
    /* 22 */ "sync.RWMutex.RLock",
    /* 23 */ "sync.RWMutex.Lock",
    /* 24 */ "trace reader (blocked)",
    /* 25 */ "wait for GC cycle",
    /* 26 */ "GC worker (idle)",
    /* 27 */ "GC worker (active)",
    /* 28 */ "preempted",
    /* 29 */ "debug call",
    /* 30 */ "GC mark termination",
    /* 31 */ "stopping the world",
};

static const char *const wait_reasons_122[] = {
    /*  0 */ "",
    /*  1 */ "GC assist marking",
    /*  2 */ "IO wait",
    /*  3 */ "chan receive (nil chan)",
    /*  4 */ "chan send (nil chan)",
    /*  5 */ "dumping heap",
    /*  6 */ "garbage collection",
    /*  7 */ "garbage collection scan",
    /*  8 */ "panicwait",
    /*  9 */ "select",
    /* 10 */ "select (no cases)",
    /* 11 */ "GC assist wait",
    /* 12 */ "GC sweep wait",
    /* 13 */ "GC scavenge wait",
    /* 14 */ "chan receive",
    /* 15 */ "chan send",
    /* 16 */ "finalizer wait",
    /* 17 */ "force gc (idle)",
    /* 18 */ "semacquire",
    /* 19 */ "sleep",
    /* 20 */ "sync.Cond.Wait",
    /* 21 */ "sync.Mutex.Lock",
    /* 22 */ "sync.RWMutex.RLock",
    /* 23 */ "sync.RWMutex.Lock",
    /* 24 */ "trace reader (blocked)",
    /* 25 */ "wait for GC cycle",
    /* 26 */ "GC worker (idle)",
    /* 27 */ "GC worker (active)",
    /* 28 */ "preempted",
    /* 29 */ "debug call",
    /* 30 */ "GC mark termination",
    /* 31 */ "stopping the world",
    /* 32 */ "flushing proc caches",
    /* 33 */ "trace goroutine status",
    /* 34 */ "trace proc status",
    /* 35 */ "page trace flush",
    /* 36 */ "coroutine",
};

static const char *const wait_reasons_123[] = {
    /*  0 */ "",
    /*  1 */ "GC assist marking",
    /*  2 */ "IO wait",
    /*  3 */ "chan receive (nil chan)",
    /*  4 */ "chan send (nil chan)",
    /*  5 */ "dumping heap",
    /*  6 */ "garbage collection",
    /*  7 */ "garbage collection scan",
    /*  8 */ "panicwait",
    /*  9 */ "select",
    /* 10 */ "select (no cases)",
    /* 11 */ "GC assist wait",
    /* 12 */ "GC sweep wait",
    /* 13 */ "GC scavenge wait",
    /* 14 */ "chan receive",
    /* 15 */ "chan send",
    /* 16 */ "finalizer wait",
    /* 17 */ "force gc (idle)",
    /* 18 */ "semacquire",
    /* 19 */ "sleep",
    /* 20 */ "sync.Cond.Wait",
    /* 21 */ "sync.Mutex.Lock",
    /* 22 */ "sync.RWMutex.RLock",
    /* 23 */ "sync.RWMutex.Lock",
    /* 24 */ "trace reader (blocked)",
    /* 25 */ "wait for GC cycle",
    /* 26 */ "GC worker (idle)",
    /* 27 */ "GC worker (active)",
    /* 28 */ "preempted",
    /* 29 */ "debug call",
    /* 30 */ "GC mark termination",
    /* 31 */ "stopping the world",
    /* 32 */ "flushing proc caches",
    /* 33 */ "trace goroutine status",
    /* 34 */ "trace proc status",
    /* 35 */ "page trace flush",
    /* 36 */ "coroutine",
    /* 37 */ "GC weak to strong wait",
};

/* 1.24 inserts sync.WaitGroup.Wait at 24. */
static const char *const wait_reasons_124[] = {
    /*  0 */ "",
    /*  1 */ "GC assist marking",
    /*  2 */ "IO wait",
    /*  3 */ "chan receive (nil chan)",
    /*  4 */ "chan send (nil chan)",
    /*  5 */ "dumping heap",
    /*  6 */ "garbage collection",
    /*  7 */ "garbage collection scan",
    /*  8 */ "panicwait",
    /*  9 */ "select",
    /* 10 */ "select (no cases)",
    /* 11 */ "GC assist wait",
    /* 12 */ "GC sweep wait",
    /* 13 */ "GC scavenge wait",
    /* 14 */ "chan receive",
    /* 15 */ "chan send",
    /* 16 */ "finalizer wait",
    /* 17 */ "force gc (idle)",
    /* 18 */ "semacquire",
    /* 19 */ "sleep",
    /* 20 */ "sync.Cond.Wait",
    /* 21 */ "sync.Mutex.Lock",
    /* 22 */ "sync.RWMutex.RLock",
    /* 23 */ "sync.RWMutex.Lock",
    /* 24 */ "sync.WaitGroup.Wait",
    /* 25 */ "trace reader (blocked)",
    /* 26 */ "wait for GC cycle",
    /* 27 */ "GC worker (idle)",
    /* 28 */ "GC worker (active)",
    /* 29 */ "preempted",
    /* 30 */ "debug call",
    /* 31 */ "GC mark termination",
    /* 32 */ "stopping the world",
    /* 33 */ "flushing proc caches",
    /* 34 */ "trace goroutine status",
    /* 35 */ "trace proc status",
    /* 36 */ "page trace flush",
    /* 37 */ "coroutine",
    /* 38 */ "GC weak to strong wait",
    /* 39 */ "synctest.Run",
    /* 40 */ "synctest.Wait",
    /* 41 */ "chan receive (synctest)",
    /* 42 */ "chan send (synctest)",
    /* 43 */ "select (synctest)",
};

/* UNVERIFIED: 1.24's list with "GOMAXPROCS updater (idle)" inserted after "force gc (idle)"
 * (everything from "semacquire" on moves up by one), the synctest channel reasons renamed
 * "(durable)", and "sync.WaitGroup.Wait (durable)" and "cleanup wait" appended. (The
 * development tree after 1.25 reorders the whole enum; 1.25 itself keeps 1.24's order.) */
static const char *const wait_reasons_125[] = {
    /*  0 */ "",
    /*  1 */ "GC assist marking",
    /*  2 */ "IO wait",
    /*  3 */ "chan receive (nil chan)",
    /*  4 */ "chan send (nil chan)",
    /*  5 */ "dumping heap",
    /*  6 */ "garbage collection",
    /*  7 */ "garbage collection scan",
    /*  8 */ "panicwait",
    /*  9 */ "select",
    /* 10 */ "select (no cases)",
    /* 11 */ "GC assist wait",
    /* 12 */ "GC sweep wait",
    /* 13 */ "GC scavenge wait",
    /* 14 */ "chan receive",
    /* 15 */ "chan send",
    /* 16 */ "finalizer wait",
    /* 17 */ "force gc (idle)",
    /* 18 */ "GOMAXPROCS updater (idle)",
    /* 19 */ "semacquire",
    /* 20 */ "sleep",
    /* 21 */ "sync.Cond.Wait",
    /* 22 */ "sync.Mutex.Lock",
    /* 23 */ "sync.RWMutex.RLock",
    /* 24 */ "sync.RWMutex.Lock",
    /* 25 */ "sync.WaitGroup.Wait",
    /* 26 */ "trace reader (blocked)",
    /* 27 */ "wait for GC cycle",
    /* 28 */ "GC worker (idle)",
    /* 29 */ "GC worker (active)",
    /* 30 */ "preempted",
    /* 31 */ "debug call",
    /* 32 */ "GC mark termination",
    /* 33 */ "stopping the world",
    /* 34 */ "flushing proc caches",
    /* 35 */ "trace goroutine status",
    /* 36 */ "trace proc status",
    /* 37 */ "page trace flush",
    /* 38 */ "coroutine",
    /* 39 */ "GC weak to strong wait",
    /* 40 */ "synctest.Run",
    /* 41 */ "synctest.Wait",
    /* 42 */ "chan receive (durable)",
    /* 43 */ "chan send (durable)",
    /* 44 */ "select (durable)",
    /* 45 */ "sync.WaitGroup.Wait (durable)",
    /* 46 */ "cleanup wait",
};

#define STRINGS(wait)                                                                              \
	.status_strings = status_strings, .n_status_strings = ELEMENTSOF(status_strings),          \
	.wait_reasons = (wait), .n_wait_reasons = ELEMENTSOF(wait)

/* Fields that sit at the same place in every release 1.19-1.25: the stack bounds and the
 * first pointers of g (offsets known to the linker and runtime/cgo), the head of m, and the
 * first words of _panic (argp, arg, link). gobuf lost its ret word in 1.25, which moves
 * everything after g.sched and m.morebuf by 8 bytes. */
#define G_HEAD                                                                                     \
	.g_stack_lo = 0, .g_stack_hi = 8, .g_stackguard0 = 16, .g_panic = 32, .g_defer = 40,       \
	.g_m = 48, .g_sched_sp = 56, .g_sched_pc = 64, .g_sched_g = 72, .g_sched_ctxt = 80
#define SCHED_WITH_RET                                                                             \
	.g_sched_ret = 88, .g_sched_lr = 96, .g_sched_bp = 104, .g_syscallsp = 112,                \
	.g_syscallpc = 120
#define M_WITH_RET                                                                                 \
	.m_g0 = 0, .m_procid = 72, .m_gsignal = 80, .m_curg = 192, .m_caughtsig = 200,             \
	.m_id = 232, .m_throwing = 244
#define PANIC_HEAD .panic_arg = 8, .panic_link = 24

static const struct gc_go_layout layouts[] = {
    {
	.minor = 19,
	G_HEAD,
	SCHED_WITH_RET,
	.g_syscallbp = GC_NO_FIELD,
	.g_atomicstatus = 144,
	.g_goid = 152,
	.g_waitsince = 168,
	.g_waitreason = 176,
	.g_lockedm = 232,
	.g_sig = 240,
	.g_sigcode0 = 272,
	.g_sigcode1 = 280,
	.g_sigpc = 288,
	.g_parentgoid = GC_NO_FIELD,
	.g_gopc = 296,
	.g_ancestors = 304,
	.g_startpc = 312,
	M_WITH_RET,
	.m_lockedg = 352,
	.m_vdsosp = 800,
	.m_vdsopc = 808,
	PANIC_HEAD,
	.panic_recovered = 48,
	.panic_goexit = 50,
	.moduledata_types = 280,
	STRINGS(wait_reasons_119),
    },
    /* UNVERIFIED: g and m as in 1.19 (the trace fields still inline, no parentGoid), since
     * the fields read here sit at the same offsets in 1.19 and 1.21 or moved only with
     * 1.21's changes; moduledata gained covctrs/ecovctrs (coverage redesign) before types. */
    {
	.minor = 20,
	G_HEAD,
	SCHED_WITH_RET,
	.g_syscallbp = GC_NO_FIELD,
	.g_atomicstatus = 144,
	.g_goid = 152,
	.g_waitsince = 168,
	.g_waitreason = 176,
	.g_lockedm = 232,
	.g_sig = 240,
	.g_sigcode0 = 272,
	.g_sigcode1 = 280,
	.g_sigpc = 288,
	.g_parentgoid = GC_NO_FIELD,
	.g_gopc = 296,
	.g_ancestors = 304,
	.g_startpc = 312,
	M_WITH_RET,
	.m_lockedg = 352,
	.m_vdsosp = GC_NO_FIELD, /* not verified: not used */
	.m_vdsopc = GC_NO_FIELD,
	PANIC_HEAD,
	.panic_recovered = 48,
	.panic_goexit = 50,
	.moduledata_types = 296,
	STRINGS(wait_reasons_120),
    },
    {
	.minor = 21,
	G_HEAD,
	SCHED_WITH_RET,
	.g_syscallbp = GC_NO_FIELD,
	.g_atomicstatus = 144,
	.g_goid = 152,
	.g_waitsince = 168,
	.g_waitreason = 176,
	.g_lockedm = 208,
	.g_sig = 216,
	.g_sigcode0 = 248,
	.g_sigcode1 = 256,
	.g_sigpc = 264,
	.g_parentgoid = 272,
	.g_gopc = 280,
	.g_ancestors = 288,
	.g_startpc = 296,
	M_WITH_RET,
	.m_lockedg = 352,
	.m_vdsosp = 808,
	.m_vdsopc = 816,
	PANIC_HEAD,
	.panic_recovered = 48,
	.panic_goexit = 50,
	.moduledata_types = 296,
	STRINGS(wait_reasons_121),
    },
    {
	.minor = 22,
	G_HEAD,
	SCHED_WITH_RET,
	.g_syscallbp = GC_NO_FIELD,
	.g_atomicstatus = 144,
	.g_goid = 152,
	.g_waitsince = 168,
	.g_waitreason = 176,
	.g_lockedm = 208,
	.g_sig = 216,
	.g_sigcode0 = 248,
	.g_sigcode1 = 256,
	.g_sigpc = 264,
	.g_parentgoid = 272,
	.g_gopc = 280,
	.g_ancestors = 288,
	.g_startpc = 296,
	M_WITH_RET,
	.m_lockedg = 344,
	.m_vdsosp = 1120,
	.m_vdsopc = 1128,
	PANIC_HEAD,
	.panic_recovered = 96,
	.panic_goexit = 97,
	.moduledata_types = 296,
	STRINGS(wait_reasons_122),
    },
    {
	.minor = 23,
	G_HEAD,
	SCHED_WITH_RET,
	.g_syscallbp = 128,
	.g_atomicstatus = 152,
	.g_goid = 160,
	.g_waitsince = 176,
	.g_waitreason = 184,
	.g_lockedm = 216,
	.g_sig = 224,
	.g_sigcode0 = 256,
	.g_sigcode1 = 264,
	.g_sigpc = 272,
	.g_parentgoid = 280,
	.g_gopc = 288,
	.g_ancestors = 296,
	.g_startpc = 304,
	M_WITH_RET,
	.m_lockedg = 344,
	.m_vdsosp = 856,
	.m_vdsopc = 864,
	PANIC_HEAD,
	.panic_recovered = 96,
	.panic_goexit = 97,
	.moduledata_types = 296,
	STRINGS(wait_reasons_123),
    },
    {
	.minor = 24,
	G_HEAD,
	SCHED_WITH_RET,
	.g_syscallbp = 128,
	.g_atomicstatus = 152,
	.g_goid = 160,
	.g_waitsince = 176,
	.g_waitreason = 184,
	.g_lockedm = 216,
	.g_sig = 228, /* after the new u8 fipsIndicator */
	.g_sigcode0 = 256,
	.g_sigcode1 = 264,
	.g_sigpc = 272,
	.g_parentgoid = 280,
	.g_gopc = 288,
	.g_ancestors = 296,
	.g_startpc = 304,
	M_WITH_RET,
	.m_lockedg = 344,
	.m_vdsosp = 880,
	.m_vdsopc = 888,
	PANIC_HEAD,
	.panic_recovered = 96,
	.panic_goexit = 97,
	.moduledata_types = 296,
	STRINGS(wait_reasons_124),
    },
    /* UNVERIFIED: 1.24 with gobuf.ret removed (g fields after sched and m fields after
     * morebuf move down by 8) and _panic.repanicked inserted after recovered (1.25 prints
     * "[recovered, repanicked]"). m.lockedg assumes no new m field before it. */
    {
	.minor = 25,
	G_HEAD,
	.g_sched_ret = GC_NO_FIELD,
	.g_sched_lr = 88,
	.g_sched_bp = 96,
	.g_syscallsp = 104,
	.g_syscallpc = 112,
	.g_syscallbp = 120,
	.g_atomicstatus = 144,
	.g_goid = 152,
	.g_waitsince = 168,
	.g_waitreason = 176,
	.g_lockedm = 208,
	.g_sig = 220,
	.g_sigcode0 = 248,
	.g_sigcode1 = 256,
	.g_sigpc = 264,
	.g_parentgoid = 272,
	.g_gopc = 280,
	.g_ancestors = 288,
	.g_startpc = 296,
	.m_g0 = 0,
	.m_procid = 64,
	.m_gsignal = 72,
	.m_curg = 184,
	.m_caughtsig = 192,
	.m_id = 224,
	.m_throwing = 236,
	.m_lockedg = 336,
	.m_vdsosp = GC_NO_FIELD, /* not verified: not used */
	.m_vdsopc = GC_NO_FIELD,
	PANIC_HEAD,
	.panic_recovered = 96,
	.panic_goexit = 98,
	.moduledata_types = 296,
	STRINGS(wait_reasons_125),
    },
};

int gc_go_minor(const char *go_version, unsigned *ret)
{
	const char *p;
	unsigned minor = 0;

	if (!go_version || strncmp(go_version, "go1", 3) != 0)
		return -EINVAL;
	p = go_version + 3;
	/* "go1" alone is Go 1.0. */
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			minor = minor * 10 + (unsigned)(*p - '0');
			if (minor > 9999)
				return -EINVAL;
		}
	}
	/* What may follow: a patch number, a pre-release tag, or " X:experiment" suffixes. */
	if (*p != '\0' && *p != '.' && *p != ' ' && strncmp(p, "rc", 2) != 0 &&
	    strncmp(p, "beta", 4) != 0)
		return -EINVAL;
	*ret = minor;
	return 0;
}

const struct gc_go_layout *gc_go_layout_get(unsigned minor, bool *exact)
{
	const struct gc_go_layout *newest = &layouts[ELEMENTSOF(layouts) - 1];

	if (minor < layouts[0].minor)
		return NULL;
	if (minor > newest->minor) {
		if (exact)
			*exact = false;
		return newest;
	}
	for (size_t i = 0; i < ELEMENTSOF(layouts); i++)
		if (layouts[i].minor == minor) {
			if (exact)
				*exact = true;
			return &layouts[i];
		}
	return NULL;
}

const char *gc_go_status_text(const struct gc_go_layout *layout, uint32_t status,
			      uint8_t wait_reason)
{
	status &= ~(uint32_t)GC_G_SCAN;
	if (!layout)
		return "???";
	if (status == GC_G_WAITING && wait_reason != 0) {
		/* waitReason.String() */
		if (wait_reason >= layout->n_wait_reasons)
			return "unknown wait reason";
		return layout->wait_reasons[wait_reason];
	}
	if (status >= layout->n_status_strings)
		return "???";
	return layout->status_strings[status];
}
