/* SPDX-License-Identifier: MIT */
/* gocrashd.conf: the main file plus drop-ins, parsed with inih from one table of keys. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum gc_nongo_policy {
	GC_NONGO_STORE,	  /* store the core like a Go program's */
	GC_NONGO_SUMMARY, /* journal entry and metadata only, no core */
	GC_NONGO_SKIP,	  /* drain the pipe, store nothing, log at info level */
	GC_NONGO_FORWARD, /* hand the core to the handler gocrashd replaced */
};

/* Whose executable a crash's entry keeps a copy of (once per build id). */
enum gc_keep_exe {
	GC_KEEP_EXE_GO,	 /* Go programs' */
	GC_KEEP_EXE_ALL, /* every program's */
	GC_KEEP_EXE_NO,	 /* none */
};

/* A size given either in bytes or as a percentage of the store's filesystem. */
struct gc_size {
	uint64_t value; /* bytes, or percent (0..100) when percent is set */
	bool percent;
};

struct gc_config {
	char *directory;		  /* [Store] Directory=, default /var/lib/gocrashd */
	struct gc_size max_use;		  /* [Store] MaxUse=, default 10% */
	struct gc_size keep_free;	  /* [Store] KeepFree=, default 15% */
	uint64_t max_cores;		  /* [Store] MaxCores=: entries with a core, default 100 */
	uint64_t max_entries;		  /* [Store] MaxEntries=: entries in all, default 1000 */
	uint64_t max_core_age_sec;	  /* [Store] MaxCoreAge=, default 2w, 0 = none */
	uint64_t max_entry_age_sec;	  /* [Store] MaxEntryAge=, default 0 = none */
	uint64_t cores_per_signature;	  /* [Store] CoresPerSignature=, default 3 */
	enum gc_keep_exe keep_executable; /* [Store] KeepExecutable=, default go */
	uint64_t max_core_size;		  /* [Store] MaxCoreSize=, raw core bytes, default 32G */
	enum gc_nongo_policy nongo;	  /* [Capture] NonGo=, default store */
	uint64_t
	    rate_limit_interval_sec; /* [Capture] RateLimitIntervalSec=, default 600, 0 = off */
	unsigned rate_limit_burst;   /* [Capture] RateLimitBurst=, default 5 */
	int compression_level;	     /* [Compression] Level=, default GC_DEFAULT_LEVEL */
	unsigned threads;	     /* [Compression] Threads=, 0 = one per CPU */
	bool adaptive;		     /* [Compression] Adaptive=: faster while behind */
	unsigned analysis_time_limit_sec; /* [Analysis] TimeLimitSec=, default 30 */
	uint64_t analysis_memory_limit;	  /* [Analysis] MemoryLimit=, default 1G */
	bool coredump_compatible;	  /* [Journal] CoredumpCompatible=, default yes */
};

/* Fills in the defaults. Never fails; gc_config_free() releases it. */
void gc_config_init(struct gc_config *config);

/* Loads PATH, then PATH.d/ *.conf in lexical order, over what config holds.
 * Bad lines or values are logged (file, line, key, the default kept) and skipped: a broken file
 * never makes the result unusable. A missing main file is not an error.
 * Returns 0, or a negative errno when a file exists but cannot be read (config still usable). */
int gc_config_load(struct gc_config *config, const char *path);

void gc_config_free(struct gc_config *config);

/* Parses "123", "4K", "1.5G", "10%" (1024-based suffixes K M G T). Returns 0 or -EINVAL. */
int gc_parse_size(const char *text, bool allow_percent, struct gc_size *ret);

/* Parses a time span as systemd writes them: "0", "90", "30s", "10min", "12h", "3d", "2w", or
 * several such ("1h 30min"); a bare number is seconds. Returns 0 or -EINVAL, -ERANGE. */
int gc_parse_timespan(const char *text, uint64_t *ret_sec);

/* Resolves a gc_size against a filesystem of fs_size bytes. */
uint64_t gc_size_resolve(const struct gc_size *size, uint64_t fs_size);

/* Writes the effective configuration as ini text (for `gocrashctl status`/debugging). */
int gc_config_format(const struct gc_config *config, char **ret);
