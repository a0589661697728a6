/* SPDX-License-Identifier: MIT */
/* The metadata of one crash, from one table: GC_META_FIELDS has a row per field with its
 * type, the stage that sets it, its journal field and its `gocrashctl info` label. The meta
 * file, the journal entry, --json and `gocrashctl info` are all generated from it, so a new
 * field is one row plus the code that sets it.
 *
 * A field's key, in the meta file and in --json, is the name of its member of struct gc_meta.
 * The members are generated from the rows (typed: char *, uint64_t, ...) rather than being
 * an array of values indexed by field: the compiler checks each m->pid or m->go_reason for
 * its name and its type, and the code that walks all fields reaches them through the offsets
 * in gc_meta_fields[], generated from the same rows, so a row and its member cannot
 * disagree. gc_meta_field names each with GC_META_ and its key (GC_META_go_reason).
 *
 * The meta file: one `key=value` line per field that has a value, values escaped just enough
 * that any byte string survives (backslash, newline, tab, CR) and written raw otherwise, so
 * the file stays readable with cat. Keys this version does not know (a newer gocrashd wrote
 * them) are kept, verbatim and in order, and written back. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the analysis child came to. The names are what the meta file, GOCRASH_ANALYSIS and
 * --json say: "not run", "ok", "failed", "crashed", "timed out". */
enum gc_analysis {
	GC_ANALYSIS_NOT_RUN,   /* it could not be started */
	GC_ANALYSIS_OK,	       /* it exited 0 */
	GC_ANALYSIS_FAILED,    /* it exited non-zero */
	GC_ANALYSIS_CRASHED,   /* it died of a signal */
	GC_ANALYSIS_TIMED_OUT, /* it was killed at [Analysis] TimeLimitSec= */
	GC_N_ANALYSIS,
};

enum gc_meta_type {
	GC_META_TYPE_STRING,	/* char *, one line: shown escaped as one */
	GC_META_TYPE_TEXT,	/* char *, lines: shown with their newlines and tabs */
	GC_META_TYPE_U64,	/* uint64_t */
	GC_META_TYPE_I64,	/* int64_t */
	GC_META_TYPE_SIGNAL,	/* int; the journal and --json add its name (SIGSEGV) */
	GC_META_TYPE_HEX,	/* uint64_t written 0x...; a string in --json, as addresses are */
	GC_META_TYPE_BOOL,	/* bool written 0 or 1 */
	GC_META_TYPE_BOOL_WORD, /* bool written true or false, as Go's build info says it */
	GC_META_TYPE_TIME,	/* uint64_t CLOCK_REALTIME microseconds; --json adds ISO 8601 */
	GC_META_TYPE_USEC,	/* uint64_t, a duration in microseconds */
	GC_META_TYPE_BYTES,	/* uint64_t */
	GC_META_TYPE_KIB,	/* uint64_t, KiB (getrusage's ru_maxrss) */
	GC_META_TYPE_ANALYSIS,	/* enum gc_analysis, written by name */
};

/* Who sets a field. */
enum gc_meta_stage {
	/* The handler, for every entry, from the kernel's arguments, /proc and the stream: a
	 * number or boolean is written even when 0, a string unknown is null in --json. */
	GC_META_STAGE_CORE,
	/* The handler, when it has them: its cost, the container's unit, the analysis' fate. */
	GC_META_STAGE_CAPTURE,
	/* The sandboxed analysis (analyze.c); gc_analysis_merge() copies them over. */
	GC_META_STAGE_ANALYSIS,
	/* The analysis, from the core's notes, for gc_analysis_merge() to fill the gaps of CORE
	 * fields with: never stored. */
	GC_META_STAGE_NOTES,
};

#define GC_META_CTYPE_STRING	char *
#define GC_META_CTYPE_TEXT	char *
#define GC_META_CTYPE_U64	uint64_t
#define GC_META_CTYPE_I64	int64_t
#define GC_META_CTYPE_SIGNAL	int
#define GC_META_CTYPE_HEX	uint64_t
#define GC_META_CTYPE_BOOL	bool
#define GC_META_CTYPE_BOOL_WORD bool
#define GC_META_CTYPE_TIME	uint64_t
#define GC_META_CTYPE_USEC	uint64_t
#define GC_META_CTYPE_BYTES	uint64_t
#define GC_META_CTYPE_KIB	uint64_t
#define GC_META_CTYPE_ANALYSIS	enum gc_analysis

/* X(key, TYPE, STAGE, journal field or NULL, info label or NULL), in the order of the meta
 * file, the journal entry, --json and info. A NULL label: no line of its own in info (comm is
 * on the PID line, go_stack printed whole below). */
/* clang-format off */
#define GC_META_FIELDS(X)                                                                          \
	X(id,                   STRING,    CORE,     "GOCRASH_CORE_ID",         "ID")              \
	X(time_usec,            TIME,      CORE,     "GOCRASH_TIMESTAMP",       "Time")            \
	X(pid,                  I64,       CORE,     "GOCRASH_PID",             "PID")             \
	X(uid,                  I64,       CORE,     "GOCRASH_UID",             "UID")             \
	X(gid,                  I64,       CORE,     "GOCRASH_GID",             "GID")             \
	X(signal,               SIGNAL,    CORE,     "GOCRASH_SIGNAL",          "Signal")          \
	/* set-id facts: the dump mode (%d, else /proc's owner, else 2), effective ids, AT_SECURE */ \
	X(dump_mode,            I64,       CAPTURE,  "GOCRASH_DUMP_MODE",       "Dump Mode")       \
	X(euid,                 I64,       CAPTURE,  "GOCRASH_EUID",            "EUID")            \
	X(egid,                 I64,       CAPTURE,  "GOCRASH_EGID",            "EGID")            \
	X(at_secure,            BOOL,      CAPTURE,  "GOCRASH_AT_SECURE",       "AT_SECURE")       \
	/* whether /proc/PID was the dumping process (gc_proc_check_name), and the kernel's */    \
	/* core_pipe_limit (0: it does not wait for the handler, the PID may be reused) */         \
	X(proc_check,           STRING,    CAPTURE,  "GOCRASH_PROC_CHECK",      "Process Check")   \
	X(core_pipe_limit,      I64,       CAPTURE,  NULL,                      "Pipe Limit")      \
	X(comm,                 STRING,    CORE,     "GOCRASH_COMM",            NULL)              \
	X(exe,                  STRING,    CORE,     "GOCRASH_EXE",             "Executable")      \
	X(cmdline,              STRING,    CORE,     "GOCRASH_CMDLINE",         "Command Line")    \
	/* the host's unit: for a process in a container, the container's */                       \
	X(unit,                 STRING,    CORE,     "GOCRASH_UNIT",            "Unit")            \
	/* the service inside a container that runs its own systemd (its cgroup path) */           \
	X(container_unit,       STRING,    CAPTURE,  "GOCRASH_CONTAINER_UNIT",  "Container Unit")  \
	/* the user manager's unit (user@UID.service's app.slice/foo.service), slice, cgroup */     \
	X(user_unit,            STRING,    CAPTURE,  "GOCRASH_USER_UNIT",       "User Unit")       \
	X(slice,                STRING,    CAPTURE,  "GOCRASH_SLICE",           "Slice")           \
	X(cgroup,               STRING,    CAPTURE,  "GOCRASH_CGROUP",          "Control Group")   \
	X(hostname,             STRING,    CAPTURE,  "GOCRASH_HOSTNAME",        "Hostname")        \
	X(build_id,             STRING,    CORE,     "GOCRASH_BUILD_ID",        "Build ID")        \
	/* raw bytes received from the kernel, and bytes of core.zst on disk */                    \
	X(core_size,            BYTES,     CORE,     "GOCRASH_CORE_SIZE",       NULL)              \
	X(stored_size,          BYTES,     CORE,     "GOCRASH_STORED_SIZE",     NULL)              \
	/* core.zst exists (not for NonGo=summary), and is not the whole core */                   \
	X(core_stored,          BOOL,      CORE,     "GOCRASH_CORE_STORED",     "Core")            \
	X(truncated,            BOOL,      CORE,     "GOCRASH_TRUNCATED",       "Truncated")       \
	X(truncated_reason,     STRING,    CORE,     "GOCRASH_TRUNCATED_REASON", NULL)             \
	/* the core is not ELF, malformed, short, or could not be written, said plainly */         \
	X(core_error,           STRING,    CORE,     "GOCRASH_CORE_ERROR",      "Core Problem")    \
	/* why a stored core was removed later while its entry stays (CoresPerSignature=, a */    \
	/* quota: "evicted for MaxUse=..."); core_stored is then 0 */                             \
	X(core_dropped,         STRING,    CAPTURE,  "GOCRASH_CORE_DROPPED",    "Core Dropped")    \
	X(go,                   BOOL,      CORE,     "GOCRASH_GO",              "Go")              \
	X(go_version,           STRING,    CORE,     "GOCRASH_GO_VERSION",      NULL)              \
	/* the Go analysis: the runtime's reason lines (the panics recovered from too), */         \
	/* its [signal ...] line, the first program frame of the crashing goroutine */             \
	X(go_reason,            TEXT,      ANALYSIS, "GOCRASH_REASON",          "Go Reason")       \
	X(go_signal,            STRING,    ANALYSIS, "GOCRASH_GO_SIGNAL",       "Go Signal")       \
	X(go_crash_site,        STRING,    ANALYSIS, "GOCRASH_CRASH_SITE",      "Crash Site")      \
	X(go_signature,         STRING,    ANALYSIS, "GOCRASH_SIGNATURE",       "Signature")       \
	/* the crash's group (groups.h): the Go signature, else one of executable and signal; */ \
	/* the group's count with this crash, and its first crash's time */                       \
	X(group,                STRING,    CAPTURE,  "GOCRASH_GROUP",           "Group")           \
	X(group_count,          U64,       CAPTURE,  "GOCRASH_GROUP_COUNT",     "Group Count")     \
	X(group_first_usec,     TIME,      CAPTURE,  "GOCRASH_GROUP_FIRST",     "Group First")     \
	/* the build id of the executable the store keeps for this entry (store-exe.h) */         \
	X(exe_kept,             STRING,    CAPTURE,  "GOCRASH_EXE_KEPT",        "Kept Executable") \
	X(go_goroutines,        U64,       ANALYSIS, "GOCRASH_GOROUTINES",      "Goroutines")      \
	/* the crashing goroutine's frames, "function (file:line)" a line, at most 16 */           \
	X(go_stack,             TEXT,      ANALYSIS, "GOCRASH_STACK",           NULL)              \
	X(go_module,            STRING,    ANALYSIS, "GOCRASH_MODULE",          "Module")          \
	X(go_vcs_revision,      STRING,    ANALYSIS, "GOCRASH_VCS_REVISION",    "VCS Revision")    \
	X(go_vcs_time,          STRING,    ANALYSIS, "GOCRASH_VCS_TIME",        "VCS Time")        \
	X(go_vcs_modified,      BOOL_WORD, ANALYSIS, "GOCRASH_VCS_MODIFIED",    "VCS Modified")    \
	X(go_buildmode,         STRING,    ANALYSIS, NULL,                      "Build Mode")      \
	X(go_cgo,               BOOL,      ANALYSIS, NULL,                      "CGO_ENABLED")     \
	/* whether the executable analysed is the one that crashed: match, mismatch or unknown */ \
	/* (execheck.h: build ids in the core's copy of its first page) */               \
	X(exe_check,            STRING,    ANALYSIS, "GOCRASH_EXE_CHECK",       "Executable Check") \
	/* what the analysis could not read, a note a line */                                      \
	X(go_note,              TEXT,      ANALYSIS, "GOCRASH_GO_NOTE",         "Analysis Note")   \
	/* the core's notes */                                                                     \
	X(core_threads,         U64,       ANALYSIS, NULL,                      "Threads")         \
	X(fault_signal,         SIGNAL,    ANALYSIS, NULL,                      "Fault Signal")    \
	X(fault_code,           I64,       ANALYSIS, NULL,                      "Fault Code")      \
	X(fault_addr,           HEX,       ANALYSIS, NULL,                      "Fault Address")   \
	/* the analysis child's fate, its wall-clock time, of which in the background while */     \
	/* another crash's capture held its process */                                             \
	X(analysis,             ANALYSIS,  CAPTURE,  "GOCRASH_ANALYSIS",        "Analysis")        \
	X(analysis_usec,        USEC,      CAPTURE,  NULL,                      "Analysis Time")   \
	X(analysis_yield_usec,  USEC,      CAPTURE,  NULL,                      "Analysis Yielded") \
	/* how long the process was held, the capture's time, peak memory and CPU */               \
	X(capture_drain_usec,   USEC,      CAPTURE,  NULL,                      "Process Held")    \
	X(capture_total_usec,   USEC,      CAPTURE,  NULL,                      "Capture Time")    \
	X(capture_max_rss_kib,  KIB,       CAPTURE,  NULL,                      "Capture RSS")     \
	X(capture_cpu_usec,     USEC,      CAPTURE,  NULL,                      "Capture CPU")     \
	/* "N/M": frames stored below Level= while the process waited, of all; the size before */  \
	/* those were compressed again, and how long that took */                                  \
	X(capture_fast_frames,  STRING,    CAPTURE,  NULL,                      "Fast Frames")     \
	X(capture_first_stored_size, BYTES, CAPTURE, NULL,                  "First Stored")        \
	X(recompress_usec,      USEC,      CAPTURE,  NULL,                      "Recompression")   \
	/* the whole handler, the analysis child's CPU included: written last */                   \
	X(handler_max_rss_kib,  KIB,       CAPTURE,  NULL,                      "Handler RSS")     \
	X(handler_cpu_usec,     USEC,      CAPTURE,  NULL,                      "Handler CPU")     \
	/* the core's notes, for the parent only */                                                \
	X(core_expected_size,   BYTES,     NOTES,    NULL,                      NULL)              \
	X(core_comm,            STRING,    NOTES,    NULL,                      NULL)              \
	X(core_cmdline,         STRING,    NOTES,    NULL,                      NULL)              \
	X(core_pid,             I64,       NOTES,    NULL,                      NULL)              \
	X(core_uid,             I64,       NOTES,    NULL,                      NULL)              \
	X(core_gid,             I64,       NOTES,    NULL,                      NULL)              \
	X(core_signal,          SIGNAL,    NOTES,    NULL,                      NULL)
/* clang-format on */

#define GC_META_ENUM_(key, type, stage, journal, label) GC_META_##key,
enum gc_meta_field {
	GC_META_FIELDS(GC_META_ENUM_) GC_META_N_FIELDS,
};
#undef GC_META_ENUM_

#define GC_META_MEMBER_(key, type, stage, journal, label) GC_META_CTYPE_##type key;
struct gc_meta {
	GC_META_FIELDS(GC_META_MEMBER_)
	/* Whether a number, boolean or enum of a stage other than CORE is known (strings are
	 * when not NULL): GC_META_SET() keeps it. */
	bool present[GC_META_N_FIELDS];
	/* Keys this version does not know, kept as the "key=value" strings they were. */
	char **unknown;
	size_t n_unknown;
};
#undef GC_META_MEMBER_

struct gc_meta_field_info {
	const char *key;
	size_t key_len;
	enum gc_meta_type type;
	enum gc_meta_stage stage;
	const char *journal; /* the GOCRASH_ field, NULL for none */
	const char *label;   /* in gocrashctl info, NULL for no line of its own */
	size_t offset;	     /* in struct gc_meta */
};

extern const struct gc_meta_field_info gc_meta_fields[GC_META_N_FIELDS];

/* Sets a member that is not a string, and records that it is known. */
#define GC_META_SET(meta, key, value) ((meta)->key = (value), (meta)->present[GC_META_##key] = true)

/* Whether the meta has a value for the field: a string that is not NULL, a CORE number, or
 * another number GC_META_SET() or the parser set. */
bool gc_meta_has(const struct gc_meta *meta, enum gc_meta_field field);
#define GC_META_HAS(meta, key) gc_meta_has((meta), GC_META_##key)

/* Replaces the string member *field by a copy of value (NULL clears it). Returns 0 or
 * -ENOMEM (the member is then NULL). */
int gc_meta_set_string(char **field, const char *value);

/* Copies one field from `from` (which must have it) over `to`'s. Returns 0 or -ENOMEM. */
int gc_meta_copy_field(struct gc_meta *to, const struct gc_meta *from, enum gc_meta_field field);

/* The value as the meta file and the journal spell it, without escapes: the string itself,
 * or a number, boolean or name written to buf. NULL when the meta has no value. */
#define GC_META_TEXT_MAX 24
const char *gc_meta_text(const struct gc_meta *meta, enum gc_meta_field field,
			 char buf[GC_META_TEXT_MAX]);

/* Whose crash this is, for every access decision: its uid, or 0 (root's) when the process
 * ran set-id (effective ids not the real ones, AT_SECURE) or was not dumpable by its user
 * (dump mode 2), since its core may hold what that user may not read, and when the uid is
 * unknown. Entries of versions that did not record these facts go by their uid. */
int64_t gc_meta_owner(const struct gc_meta *meta);

/* "timed out" for GC_ANALYSIS_TIMED_OUT; "?" for a value out of range. */
const char *gc_analysis_name(enum gc_analysis analysis);

void gc_meta_free(struct gc_meta *meta);
void gc_meta_array_free(struct gc_meta *metas, size_t n);

/* Serialises to / parses from the meta file text. A value that is not of its field's type is
 * skipped, as is a line without a key; the id is required (-EBADMSG without one). Returns 0
 * or a negative errno; *ret is written only on success. */
int gc_meta_format(const struct gc_meta *meta, char **ret);
int gc_meta_parse(const char *text, size_t size, struct gc_meta *ret);

/* Sets or replaces a key this version does not know (-EINVAL for a known key, or one that
 * could not be read back), and looks one up (NULL when absent). */
int gc_meta_set_unknown(struct gc_meta *meta, const char *key, const char *value);
const char *gc_meta_get_unknown(const struct gc_meta *meta, const char *key);

/* Escapes every string of meta for showing (gc_escape(), escape.h): one line each, TEXT
 * fields keeping their newlines and tabs. For gocrashctl's text output only: the meta must
 * not be written back afterwards. Returns 0 or -ENOMEM (meta stays valid, partly escaped). */
int gc_meta_escape(struct gc_meta *meta);
