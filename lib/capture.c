/* SPDX-License-Identifier: MIT */
#include "capture.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "analyze.h"
#include "exeprobe.h"
#include "gc-build.h"
#include "forward.h"
#include "groups.h"
#include "handler.h"
#include "journal.h"
#include "log.h"
#include "macro.h"
#include "priority.h"
#include "proc.h"
#include "ratelimit.h"
#include "sandbox.h"
#include "store-exe.h"
#include "util.h"
#include "watchdog.h"
#include "zseek.h"

#define READ_CHUNK	 (1u << 20)
#define SPACE_CHECK_STEP (8u << 20)  /* raw bytes between two looks at the free space */
#define COMPRESS_SLACK	 (64u << 10) /* frame headers and the seek table, with room to spare */
/* Below the restarting service; under the kernel the handler is at SCHED_IDLE by then
 * (enter_background), where nice no longer counts: this is for replays. */
#define RECOMPRESS_NICE 10
/* Held on the store's filesystem while the core is written, given back for the seek table and
 * the meta: a full disk still gets a readable core and an entry (the table of a 32 GiB core
 * takes 64 KiB, a meta a few). */
#define SPACE_RESERVE (128u << 10)
/* Compression below the kernel's dump and our reader: on 2 CPUs, workers at the same priority
 * took half a CPU from the dump and held the process 35% longer (tests/bench/handlers.sh). */
#define CAPTURE_WORKER_NICE 10
/* The crashed process waits while its executable is inspected, which takes about a
 * millisecond; past this, it counts as unknown (so as Go: the core is stored). */
#define EXE_PROBE_TIME_LIMIT_USEC 1000000
/* The Go report's largest size (RLIMIT_FSIZE in the child, checked again here): a million
 * goroutines with deep stacks stay well below it. */
#define REPORT_SIZE_LIMIT (1ull << 30)
/* From the handler's start to the drain, at most (watchdog.h): it takes milliseconds, the
 * bounded steps (the executable's open and inspection) at most 2 s. */
#define ROOT_PART_TIME_LIMIT_USEC 5000000

struct capture {
	const struct gc_capture_request *request;
	const struct gc_config *config;
	struct gc_space_policy space; /* the config's store limits */
	struct gc_proc_info proc;
	struct gc_gobin gobin;
	bool exe_known; /* gobin holds the sandboxed inspection's answer */
	struct gc_watchdog *watchdog;
	struct gc_store *store;
	struct gc_entry *entry;
	struct gc_zwriter *writer;
	int core_fd;
	int reserve_fd;	     /* an unnamed file holding SPACE_RESERVE, or -EBADF */
	bool storing;	     /* bytes still go to the writer */
	bool forward_failed; /* NonGo=forward could not hand the core over: store it */
	char *stop_reason;   /* why storing stopped early */
	char *write_error;   /* the writer failed */
	uint64_t raw_bytes;  /* bytes read from the pipe */
	uint64_t fed_bytes;  /* bytes given to the writer */
	uint64_t next_space_check;
	uint64_t stored_size;
	uint64_t stored_raw;   /* raw bytes the stored core holds */
	bool salvaged;	       /* the core was cut back to its last whole frame after an error */
	uint64_t time_usec;    /* the crash: %t, or when the handler started */
	uint64_t start_usec;   /* CLOCK_MONOTONIC when the handler started */
	uint64_t drained_usec; /* ... and when the pipe was released */
	int64_t pipe_limit;    /* kernel.core_pipe_limit, -1 when unknown */
	struct gc_ratelimit_policy rate; /* [Capture] RateLimit*= */
	char *rate_key;			 /* the crash's service (ratelimit.h), NULL: no limit */
	struct gc_priority priority;	 /* the handler's before it went to the background */
	int drain_fd;			 /* STORE/.draining (priority.h), or -EBADF */
	bool yielding;			 /* the analysis child is in the background for now */
	uint64_t yield_start_usec;	 /* ... since then */
	uint64_t yielded_usec;		 /* the analysis's time in the background so far */
};

static void capture_done(struct capture *c)
{
	gc_watchdog_free(c->watchdog);
	gc_zwriter_free(c->writer);
	if (c->core_fd >= 0)
		close(c->core_fd);
	if (c->reserve_fd >= 0)
		close(c->reserve_fd);
	if (c->drain_fd >= 0)
		close(c->drain_fd);
	if (c->entry)
		gc_entry_abort(c->entry);
	gc_store_free(c->store);
	gc_gobin_done(&c->gobin);
	gc_proc_info_done(&c->proc);
	free(c->stop_reason);
	free(c->write_error);
	free(c->rate_key);
}

static const char *first_of(const char *a, const char *b, const char *c)
{
	return a && *a ? a : b && *b ? b : c;
}

/* /proc first: the kernel reaps the process as soon as the stream has been read. */
static void collect_process(struct capture *c)
{
	const struct gc_capture_request *req = c->request;
	int exe_fd = -EBADF;

	if (req->exe_path) {
		exe_fd = open(req->exe_path, O_RDONLY | O_CLOEXEC);
		if (exe_fd < 0)
			gc_log_errno(LOG_WARNING, errno, "cannot open --exe %s", req->exe_path);
		c->proc.exe_fd = exe_fd;
		c->proc.exe = strdup(req->exe_path);
	} else if (req->pid > 0) {
		gc_proc_collect(req->pid, &c->proc);
		if (c->proc.check != GC_PROC_DUMPING)
			gc_log(LOG_WARNING, "/proc/%d is %s, so nothing of it is used%s",
			       (int)req->pid,
			       c->proc.check == GC_PROC_GONE
				   ? "gone"
				   : "not dumping core (another process's)",
			       c->pipe_limit == 0 ? " (kernel.core_pipe_limit is 0: the kernel "
						    "does not wait for gocrashd)"
						  : "");
	}
}

static uint64_t analysis_memory_limit(const struct capture *c)
{
	return c->config->analysis_memory_limit == UINT64_MAX ? 0
							      : c->config->analysis_memory_limit;
}

/* The executable is the crashed user's: it is parsed in a sandboxed child, never here. */
static void inspect_executable(struct capture *c)
{
	struct gc_exe_probe_limits limits = {
	    .time_limit_usec = EXE_PROBE_TIME_LIMIT_USEC,
	    .memory_limit = analysis_memory_limit(c),
	};
	int r;

	if (c->proc.exe_fd < 0)
		return;
	r = gc_exe_probe(c->proc.exe_fd, &limits, &c->gobin);
	c->exe_known = r >= 0;
	if (r < 0)
		gc_log_errno(LOG_WARNING, r, "cannot inspect the executable %s, counting it as Go",
			     c->proc.exe ? c->proc.exe : "?");
}

/* An unknown executable counts as Go: better a core too many than a Go crash lost. */
static bool wants_core(const struct capture *c)
{
	bool known_non_go = c->exe_known && !c->gobin.is_go;

	return !known_non_go || c->config->nongo == GC_NONGO_STORE || c->forward_failed;
}

/* The kernel's %d, else what /proc shows, else 2 (SUID_DUMP_ROOT): when in doubt, the core
 * may hold what its user must not read. */
static int dump_mode(const struct capture *c)
{
	if (c->request->dump_mode == 1 || c->request->dump_mode == 2)
		return c->request->dump_mode;
	return c->proc.dump_mode == 1 ? 1 : 2;
}

/* NonGo=forward: exec the handler `gocrashctl enable` replaced, stdin unread. Returns only
 * when that is impossible, and then the core is stored here instead. */
static void forward_core(struct capture *c)
{
	const struct gc_capture_request *req = c->request;
	_cleanup_free_ char *pattern = NULL;
	unsigned pipe_limit;
	struct gc_forward_values values = {
	    .global_pid = req->pid,
	    .uid = req->uid,
	    .gid = req->gid,
	    .signal = req->signal,
	    .time_sec = c->time_usec / 1000000,
	    .comm = first_of(c->proc.comm, req->comm, ""),
	    .exe_path = c->proc.exe,
	    .pidfd = -EBADF,
	};

	c->forward_failed = true;
	if (gc_handler_previous(&pattern, &pipe_limit) < 0 || pattern[0] != '|' ||
	    gc_handler_is_ours(pattern)) {
		gc_log(LOG_WARNING, "NonGo=forward, but no previous pipe handler is recorded "
				    "(gocrashctl enable records it): storing the core");
		return;
	}
	values.dump_mode = dump_mode(c);
	gc_forward_collect(req->pid, &values);
	gc_forward_exec(pattern, &values);
	if (values.pidfd >= 0)
		close(values.pidfd);
}

static int open_store(struct capture *c)
{
	int r;

	r = gc_store_open(c->config->directory, true, &c->store);
	if (r >= 0)
		return 0;
	gc_log_errno(LOG_ERR, r, "cannot open the store %s", c->config->directory);
	if (strcmp(c->config->directory, GC_STORE_DIR) == 0)
		return r;
	gc_log(LOG_WARNING, "falling back to the built-in store %s", GC_STORE_DIR);
	return gc_store_open(GC_STORE_DIR, true, &c->store);
}

/* Best effort: without O_TMPFILE or room, the core is written without a reserve. */
static void hold_reserve(struct capture *c)
{
	int fd = openat(gc_store_dirfd(c->store), ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0)
		return;
	if (fallocate(fd, 0, 0, SPACE_RESERVE) < 0) {
		close(fd);
		return;
	}
	c->reserve_fd = fd;
}

static void release_reserve(struct capture *c)
{
	if (c->reserve_fd >= 0)
		close(TAKE_FD(c->reserve_fd));
}

static int start_entry(struct capture *c)
{
	struct gc_zwriter_options options = {
	    .level = c->config->compression_level,
	    .threads = c->config->threads,
	    .adapt = c->config->adaptive,
	    .worker_nice = CAPTURE_WORKER_NICE,
	    .direct = true,
	};
	int r;

	r = gc_entry_new(c->store, c->time_usec, c->request->pid, &c->entry);
	if (r < 0)
		return gc_log_errno(LOG_ERR, r, "cannot create an entry in %s",
				    gc_store_path(c->store));
	if (!wants_core(c))
		return 0;
	c->core_fd = gc_entry_open_core(c->entry);
	if (c->core_fd < 0)
		return gc_log_errno(LOG_ERR, c->core_fd, "cannot create the core file");
	r = gc_zwriter_new(c->core_fd, &options, &c->writer);
	if (r < 0)
		return gc_log_errno(LOG_ERR, r, "cannot start the compressor");
	hold_reserve(c);
	c->storing = true;
	return 0;
}

static void stop_storing(struct capture *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void stop_storing(struct capture *c, const char *fmt, ...)
{
	va_list ap;

	c->storing = false;
	if (c->stop_reason)
		return;
	va_start(ap, fmt);
	if (vasprintf(&c->stop_reason, fmt, ap) < 0)
		c->stop_reason = NULL;
	va_end(ap);
	gc_log(LOG_WARNING, "storing only the first %" PRIu64 " bytes of the core: %s",
	       c->fed_bytes, c->stop_reason ? c->stop_reason : "limit reached");
}

/* What compressing `raw` bytes can write at worst: zstd adds 1/256 to data that does not
 * compress, and each frame and the seek table a few bytes. */
static uint64_t compressed_max(uint64_t raw)
{
	return raw + raw / 128 + COMPRESS_SLACK;
}

/* What data already queued can still add to the file: no more than the writer's buffers
 * hold, nor than what was fed can compress to, less what is written already. */
static uint64_t pending_bound(const struct capture *c, uint64_t stored)
{
	uint64_t fed = compressed_max(c->fed_bytes);

	return MIN(gc_zwriter_pending_max(c->writer), fed > stored ? fed - stored : 0);
}

/* What may still land on disk after a look at the free space: what is queued, the chunk
 * being stored and the raw bytes until the next look, compressed. */
static uint64_t space_margin(const struct capture *c, uint64_t stored)
{
	return pending_bound(c, stored) + compressed_max(READ_CHUNK + SPACE_CHECK_STEP);
}

/* Near a limit, the raw bytes that can still be stored before the next look, so that a core
 * takes what is left above it instead of stopping a whole margin short (with many CPUs the
 * writer's buffers alone are hundreds of MiB). 0 when not even a chunk fits. */
static uint64_t step_within(const struct capture *c, uint64_t headroom, uint64_t stored)
{
	uint64_t reserved = pending_bound(c, stored) + COMPRESS_SLACK, step;

	if (headroom <= reserved)
		return 0;
	step = headroom - reserved;
	step -= step / 64; /* leaves room for compressed_max's 1/128 */
	return step > 2 * READ_CHUNK ? step - READ_CHUNK : 0;
}

static void check_space(struct capture *c)
{
	uint64_t stored = gc_zwriter_stored_bytes(c->writer), step;
	struct gc_room_request req = {
	    .incoming = space_margin(c, stored),
	    .entry_bytes = stored,
	    .entry_id = gc_entry_id(c->entry),
	};
	struct gc_room room;
	char a[32], b[32];

	if (gc_store_make_room(c->store, &c->space, &req, &room) < 0 || room.limit == GC_ROOM_FITS)
		return;
	step = step_within(c, room.headroom, stored);
	if (step > 0) {
		c->next_space_check = c->raw_bytes + step;
		return;
	}
	gc_format_bytes(room.limit_bytes, b, sizeof(b));
	if (room.limit == GC_ROOM_KEEP_FREE) {
		gc_format_bytes(room.fs_free, a, sizeof(a));
		stop_storing(c, "disk nearly full, %s free and KeepFree=%s", a, b);
	} else {
		stop_storing(c, "the compressed core reached MaxUse=%s", b);
	}
}

static void store_chunk(struct capture *c, const uint8_t *data, size_t size)
{
	uint64_t limit = c->config->max_core_size;
	char a[32];
	int r;

	if (c->fed_bytes + size > limit) {
		size = limit - c->fed_bytes;
		gc_format_bytes(limit, a, sizeof(a));
		stop_storing(c, "the core is larger than MaxCoreSize=%s", a);
	}
	if (size == 0)
		return;
	r = gc_zwriter_write(c->writer, data, size);
	if (r < 0) {
		gc_log_errno(LOG_ERR, r, "writing the core failed");
		c->storing = false;
		if (!c->write_error &&
		    asprintf(&c->write_error, "writing the core failed: %s", strerror(-r)) < 0)
			c->write_error = NULL;
		return;
	}
	c->fed_bytes += size;
}

static void consume_chunk(struct capture *c, const uint8_t *data, size_t size)
{
	c->raw_bytes += size;
	if (!c->storing)
		return;
	if (c->raw_bytes >= c->next_space_check) {
		c->next_space_check = c->raw_bytes + SPACE_CHECK_STEP;
		check_space(c);
		if (!c->storing)
			return;
	}
	store_chunk(c, data, size);
}

/* Before a drain: false when the watchdog read the stream away first (it is closed then).
 * Under the kernel, the drain is announced in the store (priority.h) until release_input(). */
static bool claim_input(struct capture *c)
{
	if (gc_watchdog_claim(c->watchdog)) {
		if (c->store && c->request->pid > 0 && !c->request->exe_path)
			c->drain_fd = gc_drain_announce(gc_store_dirfd(c->store));
		return true;
	}
	c->storing = false;
	c->drained_usec = gc_clock_usec(CLOCK_MONOTONIC);
	if (!c->write_error && asprintf(&c->write_error,
					"the root part stalled before reading the core: the "
					"watchdog read it away after %d s",
					ROOT_PART_TIME_LIMIT_USEC / 1000000) < 0)
		c->write_error = NULL;
	return false;
}

/* Closes the drained stream, which lets the kernel release the process. */
static void release_input(struct capture *c, int fd)
{
	close(fd);
	c->drained_usec = gc_clock_usec(CLOCK_MONOTONIC);
	gc_drain_release(c->drain_fd);
}

/* Reads the stream to its end, then closes it so the kernel can let the process go. */
static int drain_input(struct capture *c)
{
	_cleanup_free_ uint8_t *buf = malloc(READ_CHUNK);
	int fd = c->request->input_fd, r = 0;

	if (!buf)
		return -ENOMEM;
	if (!claim_input(c))
		return -ETIMEDOUT;
	/* A pipe as large as a read: far fewer wake-ups while the kernel pushes the core
	 * (27,000 to 3,900 context switches for 1.5 GiB). Best effort: not a pipe, or over
	 * fs.pipe-max-size, and it stays as it was. */
	(void)fcntl(fd, F_SETPIPE_SZ, READ_CHUNK);
	for (;;) {
		ssize_t n = read(fd, buf, READ_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = gc_log_errno(LOG_ERR, errno,
					 "reading the core failed after %" PRIu64 " bytes",
					 c->raw_bytes);
			break;
		}
		if (n == 0)
			break;
		consume_chunk(c, buf, n);
	}
	release_input(c, fd);
	return r;
}

/* After a failed write (a full disk, EIO): the frames that reached the disk whole stay, a
 * readable core cut at a frame boundary. */
static int salvage_core(struct capture *c)
{
	char kept[32];
	int r;

	r = gc_zwriter_salvage(c->writer, &c->stored_raw, &c->stored_size);
	if (r < 0) {
		/* Unreadable frames are worth less than the room the meta needs. */
		if (c->core_fd >= 0)
			(void)ftruncate(c->core_fd, 0);
		return gc_log_errno(LOG_ERR, r, "cannot end the core after the write error either");
	}
	c->salvaged = true;
	gc_format_bytes(c->stored_raw, kept, sizeof(kept));
	gc_log(LOG_WARNING, "the core is cut at %s, its last whole frame: %s", kept,
	       c->write_error ? c->write_error : "the write failed");
	return 0;
}

static int finish_core(struct capture *c)
{
	int r = 0;

	if (!c->writer)
		return 0;
	/* The seek table, and then the meta, take what the reserve held. */
	release_reserve(c);
	if (!c->write_error)
		r = gc_zwriter_finish(c->writer, &c->stored_raw, &c->stored_size);
	if (r < 0) {
		gc_log_errno(LOG_ERR, r, "finishing the compressed core failed");
		if (asprintf(&c->write_error, "finishing the compressed core failed: %s",
			     strerror(-r)) < 0)
			c->write_error = NULL;
	}
	if (c->write_error)
		r = salvage_core(c);
	return r;
}

static char *strdup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

/* The entry keeps no core: core_error says why, "not stored: ...". */
__attribute__((format(printf, 2, 3))) static void note_not_stored(struct gc_meta *m,
								  const char *format, ...)
{
	char *why = NULL, *text = NULL;
	va_list ap;

	m->core_stored = false;
	m->stored_size = 0;
	va_start(ap, format);
	if (vasprintf(&why, format, ap) < 0)
		why = NULL;
	va_end(ap);
	if (why && asprintf(&text, "not stored: %s", why) < 0)
		text = NULL;
	free(why);
	free(m->core_error);
	m->core_error = text;
}

/* A core cut to nothing is no core: "not stored", and why, rather than an empty core that
 * the analysis would call empty and its report damaged. */
static void describe_core(const struct capture *c, struct gc_meta *m)
{
	const char *reason = c->stop_reason ? c->stop_reason : c->write_error;

	m->core_size = c->raw_bytes;
	m->stored_size = c->stored_size;
	m->core_stored = c->writer && (!c->write_error || c->salvaged);
	if (m->core_stored && c->stored_raw == 0 && c->raw_bytes > 0) {
		m->core_stored = false;
		m->stored_size = 0;
	}
	m->truncated = reason != NULL;
	m->truncated_reason = strdup_or_null(reason);
	if (c->write_error)
		m->core_error = strdup_or_null(c->write_error);
	else if (!m->core_stored && reason)
		note_not_stored(m, "%s", reason);
	if (!c->writer && !wants_core(c))
		m->truncated = false;
}

/* Set-id facts, and whether /proc was the process's: what access decisions need. */
static void describe_credentials(const struct capture *c, struct gc_meta *m)
{
	const struct gc_proc_info *p = &c->proc;

	if (p->check != GC_PROC_NOT_CHECKED)
		GC_META_SET(m, dump_mode, dump_mode(c));
	if (p->euid >= 0)
		GC_META_SET(m, euid, p->euid);
	if (p->egid >= 0)
		GC_META_SET(m, egid, p->egid);
	if (p->at_secure >= 0)
		GC_META_SET(m, at_secure, p->at_secure == 1);
	if (c->pipe_limit >= 0)
		GC_META_SET(m, core_pipe_limit, c->pipe_limit);
	m->proc_check = strdup_or_null(gc_proc_check_name(p->check));
}

static void describe_process(const struct capture *c, struct gc_meta *m)
{
	const struct gc_capture_request *req = c->request;

	/* The kernel's arguments and /proc first; the core's notes fill the gaps later, in the
	 * analysis, and argv's comm (split by spaces, cut at 15 bytes) comes last. */
	m->time_usec = c->time_usec;
	m->pid = req->pid;
	m->uid = req->uid;
	m->gid = req->gid;
	m->signal = req->signal;
	m->comm = strdup_or_null(c->proc.comm);
	m->exe = strdup_or_null(c->proc.exe);
	m->cmdline = strdup_or_null(c->proc.cmdline);
	m->unit = strdup_or_null(c->proc.unit);
	m->container_unit = strdup_or_null(c->proc.container_unit);
	m->user_unit = strdup_or_null(c->proc.user_unit);
	m->slice = strdup_or_null(c->proc.slice);
	m->cgroup = strdup_or_null(c->proc.cgroup);
	m->hostname = gc_hostname();
	m->build_id = strdup_or_null(c->gobin.build_id);
	m->go = c->gobin.is_go;
	m->go_version = strdup_or_null(c->gobin.go_version);
	describe_credentials(c, m);
}

static uint64_t cpu_usec(const struct rusage *ru)
{
	return (uint64_t)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000 +
	       ru->ru_utime.tv_usec + ru->ru_stime.tv_usec;
}

/* What the capture cost: how long the process was held, our peak memory and CPU time (all
 * threads; the analysis child is not in it). */
static void describe_cost(const struct capture *c, struct gc_meta *m)
{
	struct rusage ru;

	GC_META_SET(m, capture_drain_usec, c->drained_usec - c->start_usec);
	GC_META_SET(m, capture_total_usec, gc_clock_usec(CLOCK_MONOTONIC) - c->start_usec);
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		GC_META_SET(m, capture_max_rss_kib, (uint64_t)ru.ru_maxrss);
		GC_META_SET(m, capture_cpu_usec, cpu_usec(&ru));
	}
}

/* The new entry is in: older ones go until every limit holds again. */
static void apply_quota(struct capture *c, const struct gc_meta *m)
{
	struct gc_room_request req = {
	    .keep_id = m->id,
	    .entry_bytes = m->core_stored ? m->stored_size : 0,
	    .flags = GC_ROOM_ALL_LIMITS,
	};
	struct gc_room room;

	(void)gc_store_make_room(c->store, &c->space, &req, &room);
}

/* A handler killed before us left its crash in the store: it is committed now, and gets the
 * journal line it could not send. */
static void journal_recovered(const struct gc_meta *meta, void *userdata)
{
	struct capture *c = userdata;

	if (c->request->journal)
		gc_journal_crash(meta, gc_store_path(c->store),
				 c->request->config->coredump_compatible);
}

/* A service in a container with its own systemd: its crash in that journal too, for
 * systemctl status there. A container without journald is no failure. */
static void journal_container(struct capture *c, const struct gc_meta *meta)
{
	int r;

	if (!meta->container_unit)
		return;
	r = gc_journal_crash_container(meta, c->proc.root_fd, c->proc.pidns_fd);
	if (r < 0 && r != -ENOENT && r != -EEXIST)
		gc_log_errno(LOG_WARNING, r, "cannot send crash %s to its container's journal",
			     meta->id ? meta->id : "?");
}

static bool is_no_space(int r)
{
	return r == -ENOSPC || r == -EDQUOT;
}

/* No room for the meta even after the reserve went back: this entry's own core goes (never
 * another entry), so that the crash keeps an entry and a journal line. */
static int commit_without_core(struct capture *c, struct gc_meta *m)
{
	if (c->core_fd < 0 || ftruncate(c->core_fd, 0) < 0)
		return -ENOSPC;
	gc_log(LOG_WARNING, "no room for the entry's meta: dropping its core to keep the entry");
	note_not_stored(m, "no room left for the entry on %s", gc_store_path(c->store));
	if (!m->truncated_reason)
		m->truncated_reason = strdup_or_null("no space left for the entry");
	m->truncated = true;
	return gc_entry_commit(c->entry, m);
}

static int commit_entry(struct capture *c, struct gc_meta *m)
{
	int r;

	release_reserve(c);
	r = gc_entry_commit(c->entry, m);
	if (is_no_space(r))
		r = commit_without_core(c, m);
	if (c->core_fd >= 0)
		close(TAKE_FD(c->core_fd));
	if (r < 0)
		return gc_log_errno(LOG_ERR, r, "%s[%d] crashed with %s; no entry could be stored",
				    first_of(c->proc.comm, c->request->comm, "?"),
				    (int)c->request->pid, gc_signal_name(c->request->signal));
	c->entry = NULL;
	(void)gc_store_recover(c->store, journal_recovered, c);
	apply_quota(c, m);
	return 0;
}

/* NonGo=skip: nothing to keep; read the stream away so the process can go. */
static int skip_core(struct capture *c)
{
	int r = drain_input(c);

	gc_log(LOG_INFO, "%s[%d] is not a Go program, core skipped (NonGo=skip)",
	       first_of(c->proc.comm, c->request->comm, "?"), (int)c->request->pid);
	return r;
}

/* The rest of a stream not stored, read into one buffer (the input is not a pipe). */
static int read_away(struct capture *c, int fd)
{
	_cleanup_free_ uint8_t *buf = malloc(READ_CHUNK);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf, READ_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? negative_errno() : 0;
		c->raw_bytes += n;
	}
}

/* A crash loop's core: spliced to /dev/null as the kernel writes it, so nothing is copied,
 * compressed or put in the page cache while the process waits. */
static int drain_away(struct capture *c)
{
	_cleanup_close_ int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int fd = c->request->input_fd, r = 0;

	if (!claim_input(c))
		return -ETIMEDOUT;
	(void)fcntl(fd, F_SETPIPE_SZ, READ_CHUNK);
	for (;;) {
		ssize_t n = null_fd < 0 ? (errno = EINVAL, -1)
					: splice(fd, NULL, null_fd, NULL, READ_CHUNK, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = read_away(c, fd);
			break;
		}
		if (n == 0)
			break;
		c->raw_bytes += n;
	}
	release_input(c, fd);
	if (r < 0)
		gc_log_errno(LOG_ERR, r, "reading the core failed after %" PRIu64 " bytes",
			     c->raw_bytes);
	return r;
}

/* Whether this crash is one of a crash loop's (ratelimit.h): only the state is read here.
 * A replay holds no process and is never limited. */
static bool rate_limited(struct capture *c)
{
	const struct gc_meta who = {
	    .unit = c->proc.unit,
	    .user_unit = c->proc.user_unit,
	    .container_unit = c->proc.container_unit,
	    .exe = c->proc.exe,
	};

	if (c->rate.interval_usec == 0 || c->request->exe_path)
		return false;
	c->rate_key = gc_ratelimit_key(&who);
	if (!c->rate_key || (!c->store && open_store(c) < 0))
		return false;
	return gc_ratelimit_check(c->store, &c->rate, c->rate_key, c->time_usec, NULL) > 0;
}

/* Read away at once; counted after the process is gone, with no entry and no crash line. */
static int suppress_crash(struct capture *c, struct gc_meta *m)
{
	int r = drain_away(c);

	describe_process(c, m);
	if (!m->comm)
		m->comm = strdup_or_null(c->request->comm);
	m->core_size = c->raw_bytes;
	if (gc_ratelimit_count(c->store, &c->rate, c->rate_key, m, true, c->request->journal,
			       NULL) < 0)
		gc_log(LOG_WARNING, "cannot count a crash of %s", c->rate_key);
	return r;
}

static void count_stored(struct capture *c, const struct gc_meta *m)
{
	if (c->rate_key && gc_ratelimit_count(c->store, &c->rate, c->rate_key, m, false,
					      c->request->journal, NULL) < 0)
		gc_log(LOG_WARNING, "cannot count a crash of %s", c->rate_key);
}

static int run_analysis(void *userdata, int out_fd)
{
	struct gc_analyze_request *req = userdata;

	req->out_fd = out_fd;
	return gc_analyze_stored_core(req);
}

static void note_analysis(struct gc_meta *m, enum gc_analysis outcome, const char *why)
{
	GC_META_SET(m, analysis, outcome);
	if (why)
		gc_log(LOG_WARNING, "the analysis of %s %s; the core is stored", m->id, why);
}

/* STORE/ID/goroutines, where the child writes the Go report; it gets its name only when
 * the child succeeded. */
static int open_report(struct capture *c, const char *id, struct gc_store_file **ret)
{
	int r;

	if (!c->gobin.is_go)
		return -EBADF;
	r = gc_store_file_new(c->store, id, GC_ENTRY_GOROUTINES, ret);
	if (r < 0)
		return gc_log_errno(LOG_WARNING, r, "cannot create the Go report of %s", id);
	return gc_store_file_fd(*ret);
}

static void finish_report(struct gc_store_file *report, const char *id, bool ok)
{
	struct stat st;
	int r;

	if (ok && (fstat(gc_store_file_fd(report), &st) < 0 ||
		   (uint64_t)st.st_size > REPORT_SIZE_LIMIT)) {
		gc_log(LOG_WARNING, "the Go report of %s is over its size limit: dropped", id);
		ok = false;
	}
	if (!ok) {
		gc_store_file_abort(report);
		return;
	}
	r = gc_store_file_commit(report);
	if (r < 0)
		gc_log_errno(LOG_WARNING, r, "cannot store the Go report of %s", id);
}

static void merge_outcome(struct gc_meta *m, int r, enum gc_sandbox_outcome outcome,
			  const char *output)
{
	static const enum gc_analysis analysis_of[] = {
	    [GC_SANDBOX_OK] = GC_ANALYSIS_OK,
	    [GC_SANDBOX_FAILED] = GC_ANALYSIS_FAILED,
	    [GC_SANDBOX_CRASHED] = GC_ANALYSIS_CRASHED,
	    [GC_SANDBOX_TIMED_OUT] = GC_ANALYSIS_TIMED_OUT,
	    [GC_SANDBOX_FORBIDDEN] = GC_ANALYSIS_CRASHED,
	};

	if (r < 0) {
		note_analysis(m, GC_ANALYSIS_NOT_RUN, "could not start");
		return;
	}
	gc_analysis_merge(m, output);
	note_analysis(m, analysis_of[outcome],
		      outcome == GC_SANDBOX_OK		? NULL
		      : outcome == GC_SANDBOX_TIMED_OUT ? "was cut off at its limit"
		      : outcome == GC_SANDBOX_FORBIDDEN
			  ? "made a forbidden system call and was killed"
			  : "failed");
}

/* While another capture of the store holds its crashed process (a crash loop's next crash),
 * the analysis child runs in the background, so that the drain does not wait behind it; for
 * YIELD_MAX_USEC at most in all, so that a loop whose drains follow each other without a
 * gap still gets its analyses (the journal line waits for each), and a fourth of its time
 * limit at most, so that the walk, which stops itself at three fourths, still ends. */
#define YIELD_MAX_USEC (10ull * 1000000)

static void yield_to_drains(void *userdata, int child_pid)
{
	struct capture *c = userdata;
	uint64_t now = gc_clock_usec(CLOCK_MONOTONIC);
	uint64_t limit =
	    MIN(YIELD_MAX_USEC, (uint64_t)c->config->analysis_time_limit_sec * 1000000 / 4);
	uint64_t yielded = c->yielded_usec + (c->yielding ? now - c->yield_start_usec : 0);
	bool yield = yielded < limit && gc_drain_others(c->drain_fd);

	if (yield == c->yielding || gc_priority_set_process(child_pid, yield) < 0)
		return;
	if (yield)
		c->yield_start_usec = now;
	else
		c->yielded_usec = yielded;
	c->yielding = yield;
}

static void record_yield(struct capture *c, struct gc_meta *m)
{
	if (c->yielding)
		c->yielded_usec += gc_clock_usec(CLOCK_MONOTONIC) - c->yield_start_usec;
	c->yielding = false;
	if (c->yielded_usec > 0)
		GC_META_SET(m, analysis_yield_usec, c->yielded_usec);
}

/* After commit: the notes and the Go analysis are read back from the stored core by an
 * unprivileged child under limits, so a hostile core can cost at most the enrichment. */
static void analyze_entry(struct capture *c, struct gc_meta *m)
{
	uint64_t limit = (uint64_t)c->config->analysis_time_limit_sec * 1000000;
	struct gc_analyze_request req = {
	    .exe_fd = c->proc.exe_fd,
	    .report_fd = -EBADF,
	    /* A replay happens long after the crash: no "N minutes" then. */
	    .crash_monotonic_ns = c->request->exe_path ? 0 : c->start_usec * 1000,
	    /* The walk stops itself at 3/4 of the limit, so what it read is still written. */
	    .deadline_usec = limit ? gc_clock_usec(CLOCK_MONOTONIC) + limit / 4 * 3 : 0,
	};
	int keep[3] = {-EBADF, -EBADF, c->proc.exe_fd};
	struct gc_sandbox_options options = {
	    .time_limit_usec = limit,
	    .memory_limit = analysis_memory_limit(c),
	    .output_limit = 1 << 20,
	    .file_size_limit = REPORT_SIZE_LIMIT,
	    /* The paths the core names are the process's: a container's, not the host's. */
	    .root_fd = c->proc.root_fd,
	    .keep_fds = keep,
	    .n_keep_fds = ELEMENTSOF(keep), /* negative ones are skipped */
	    .tick = c->drain_fd >= 0 ? yield_to_drains : NULL,
	    .tick_userdata = c,
	};
	enum gc_sandbox_outcome outcome = GC_SANDBOX_FAILED;
	struct gc_store_file *report = NULL;
	_cleanup_free_ char *output = NULL;
	int r;

	if (m->core_stored) {
		req.core_fd = keep[0] = gc_store_open_core(c->store, m->id);
		/* Written with O_DIRECT, the core is not in the page cache: start reading it all
		 * now rather than one frame at a time as the analysis asks. */
		if (req.core_fd >= 0)
			(void)posix_fadvise(req.core_fd, 0, 0, POSIX_FADV_WILLNEED);
		req.report_fd = keep[1] = open_report(c, m->id, &report);
		uint64_t start = gc_clock_usec(CLOCK_MONOTONIC);

		r = req.core_fd < 0
			? req.core_fd
			: gc_sandbox_run(&options, run_analysis, &req, &outcome, &output);
		GC_META_SET(m, analysis_usec, gc_clock_usec(CLOCK_MONOTONIC) - start);
		record_yield(c, m);
		if (req.core_fd >= 0)
			close(req.core_fd);
		if (report)
			finish_report(report, m->id, r >= 0 && outcome == GC_SANDBOX_OK);
		merge_outcome(m, r, outcome, output);
	}
	if (!m->comm || !*m->comm) {
		free(m->comm);
		m->comm = strdup_or_null(c->request->comm);
	}
	if (gc_store_update_meta(c->store, m) < 0)
		gc_log(LOG_WARNING, "cannot record the analysis of %s", m->id);
}

/* Cores of m's group and user that the store holds besides m's (the vacuum's rule: another
 * user's crashes of the same program do not take this one's core), and the group's entries. */
static void count_group(struct capture *c, const struct gc_meta *m, const char *group,
			uint64_t *cores, uint64_t *entries)
{
	struct gc_meta *metas = NULL;
	size_t n = 0;

	*cores = *entries = 0;
	if (gc_store_list(c->store, &metas, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char g[GC_GROUP_LEN + 1];

		gc_group_of(&metas[i], g);
		if (strcmp(g, group) != 0)
			continue;
		(*entries)++;
		*cores += metas[i].core_stored && metas[i].uid == m->uid &&
			  strcmp(metas[i].id, m->id) != 0;
	}
	gc_meta_array_free(metas, n);
}

/* The crash joins its group; past CoresPerSignature= cores of that group, its own core goes
 * (the analysis has read it) and the entry keeps the analysis only. */
static void group_entry(struct capture *c, struct gc_meta *m)
{
	uint64_t k = c->config->cores_per_signature, cores, entries;
	char group[GC_GROUP_LEN + 1], why[96];
	struct gc_group g = {};

	gc_group_of(m, group);
	if (gc_meta_set_string(&m->group, group) < 0)
		return;
	count_group(c, m, group, &cores, &entries);
	if (m->core_stored && cores >= k) {
		snprintf(why, sizeof(why), "analysis only: CoresPerSignature=%" PRIu64, k);
		if (gc_store_drop_core(c->store, m, why) < 0)
			gc_log(LOG_WARNING, "cannot drop the core of %s", m->id);
	}
	if (gc_group_record(c->store, m, 1, &g) >= 0) {
		GC_META_SET(m, group_count, g.count);
		GC_META_SET(m, group_first_usec, g.first_usec);
		gc_group_done(&g);
	} else {
		GC_META_SET(m, group_count, entries);
	}
	if (gc_store_update_meta(c->store, m) < 0)
		gc_log(LOG_WARNING, "cannot record the group of %s", m->id);
}

/* The crash is stored, analysed and reported: what is left (recompression, the copy of the
 * executable, the quota pass) yields the CPU and the disk to everything else, in a crash loop
 * to the next crash's capture, whose handler the kernel starts afresh at nice 0 (its
 * compression workers at CAPTURE_WORKER_NICE). The analysis does not: the journal line waits
 * for it, and at idle priority a busy machine starved it past TimeLimitSec (the crash then
 * reported without its Go reason). The store lock is held at normal priority all the same
 * (gc_store_lock). Only under the kernel: a replay's caller keeps its own priority. */
static void enter_background(struct capture *c)
{
	int r;

	if (c->request->pid <= 0 || c->request->exe_path)
		return;
	r = gc_priority_background(&c->priority);
	if (r < 0)
		gc_log_errno(LOG_INFO, r, "cannot lower the priority after the release");
}

static int capture_run(struct capture *c, struct gc_meta *m)
{
	int r;

	if (c->request->pid > 0 && !c->request->exe_path)
		c->pipe_limit = gc_handler_pipe_limit();
	collect_process(c);
	/* A crash loop's core goes before the inspection forks a child, unless NonGo= may
	 * send a core elsewhere, which needs it. */
	if (c->config->nongo == GC_NONGO_STORE && rate_limited(c))
		return suppress_crash(c, m);
	inspect_executable(c);
	if (!wants_core(c) && c->config->nongo == GC_NONGO_FORWARD)
		forward_core(c);
	if (!wants_core(c) && c->config->nongo == GC_NONGO_SKIP)
		return skip_core(c);
	if (c->config->nongo != GC_NONGO_STORE && rate_limited(c))
		return suppress_crash(c, m);
	r = c->store ? 0 : open_store(c);
	if (r >= 0)
		r = start_entry(c);
	if (r < 0) {
		/* Nowhere to write: still drain, so the process is not held for nothing, and
		 * still say that it crashed and why nothing of it was kept. */
		drain_input(c);
		describe_process(c, m);
		note_not_stored(m, "no entry could be created: %s", strerror(-r));
		return r;
	}
	drain_input(c);
	/* Counted as soon as the process is released: the next crash of a loop comes soon. */
	describe_process(c, m);
	count_stored(c, m);
	finish_core(c);
	describe_core(c, m);
	describe_cost(c, m);
	r = commit_entry(c, m);
	if (r < 0)
		return r;
	analyze_entry(c, m);
	group_entry(c, m);
	/* The service's crashes counted from now on go into the group just recorded. */
	if (c->rate_key && m->group)
		(void)gc_ratelimit_note_stored(c->store, c->rate_key, m);
	return 0;
}

/* KeepExecutable=: the exact binary for dlv core after a redeploy, copied by a sandboxed
 * child (store-exe.h) that is cut off when the executable's file system stalls. After the
 * journal line, so the crash is reported first; the copy's bound is generous as the
 * process is gone by then (it usually takes well under a second). */
#define EXE_KEEP_TIME_LIMIT_USEC (60ull * 1000000)
#define EXE_KEEP_MAX_SIZE	 (4ull << 30)
/* The go command (13 MB) on the loaded 2-CPU test machine: 2.4x in 0.7 s; level 6 took
 * 1.7 s for 2.6x, level 19 39 s for 2.9x. */
#define EXE_KEEP_LEVEL 3

static bool wants_executable(const struct capture *c, const struct gc_meta *m)
{
	if (!m->core_stored) /* it is for a debugger to read the core with */
		return false;
	return c->config->keep_executable == GC_KEEP_EXE_ALL ||
	       (c->config->keep_executable == GC_KEEP_EXE_GO && m->go);
}

static void keep_executable(struct capture *c, struct gc_meta *m)
{
	struct gc_store_exe_limits limits = {
	    .max_size = MIN(c->config->max_core_size, EXE_KEEP_MAX_SIZE),
	    .time_limit_usec = EXE_KEEP_TIME_LIMIT_USEC,
	    .memory_limit = analysis_memory_limit(c),
	    .level = EXE_KEEP_LEVEL,
	};
	int r;

	if (!wants_executable(c, m) || c->proc.exe_fd < 0)
		return;
	r = gc_store_exe_keep(c->store, &c->space, c->proc.exe_fd, &limits, m);
	if (r == -ENODATA)
		gc_log(LOG_INFO, "the executable of %s is not kept: its build id is unknown",
		       m->id);
	else if (r == -ENOSPC)
		gc_log(LOG_INFO,
		       "the executable of %s is not kept: no room within KeepFree= and "
		       "MaxUse=",
		       m->id);
	else if (r == -EBUSY)
		gc_log(LOG_WARNING,
		       "the executable of %s is not kept: an earlier copy of it has not ended "
		       "(its file system may stall)",
		       m->id);
	else if (r < 0)
		gc_log_errno(LOG_WARNING, r, "cannot keep the executable of %s", m->id);
}

struct recompress_job {
	struct gc_zwriter_options options;
	const int8_t *levels;
	size_t n_levels;
	uint64_t stored_size;
};

static int recompress(int in_fd, int out_fd, void *userdata)
{
	struct recompress_job *job = userdata;

	return gc_zseek_recompress(in_fd, out_fd, &job->options, job->levels, job->n_levels,
				   &job->stored_size);
}

/* The second file is at most as large as the first: it must fit above KeepFree too, and is
 * not worth removing a crash for. MaxUse is what the store keeps, not a passing copy. */
static bool room_for_copy(struct capture *c, uint64_t size)
{
	struct gc_room_request req = {.incoming = size, .flags = GC_ROOM_NO_REMOVE};
	struct gc_room room;

	return gc_store_make_room(c->store, &c->space, &req, &room) >= 0 &&
	       room.limit != GC_ROOM_KEEP_FREE;
}

/* Frames stored at a faster level than Level= while the kernel waited are compressed again
 * at Level=, now that the process is gone and the journal knows: only CPU (in the background,
 * which the worker threads inherit) and, for a moment, a second file on disk.
 * Any failure keeps the core as first stored, complete. */
static void recompress_core(struct capture *c, struct gc_meta *m)
{
	struct recompress_job job = {
	    .options = {.level = c->config->compression_level,
			.threads = c->config->threads,
			.direct = true},
	};
	uint64_t start = gc_clock_usec(CLOCK_MONOTONIC);
	_cleanup_free_ int8_t *levels = NULL;
	size_t n_fast = 0;
	char frames[48];
	int nice, r;

	if (!c->writer || !m->core_stored)
		return;
	job.levels = gc_zwriter_frame_levels(c->writer, &job.n_levels);
	for (size_t i = 0; i < job.n_levels; i++)
		n_fast += job.levels[i] < job.options.level;
	if (n_fast == 0)
		return;
	if (!room_for_copy(c, m->stored_size)) {
		gc_log(LOG_INFO, "not recompressing %s: no room for a second copy above KeepFree",
		       m->id);
		return;
	}
	/* The first writer's buffers go before the second one's come: RSS stays bounded. */
	levels = malloc(job.n_levels);
	if (!levels)
		return;
	job.levels = memcpy(levels, job.levels, job.n_levels);
	gc_zwriter_free(TAKE_PTR(c->writer));
	nice = getpriority(PRIO_PROCESS, 0);
	(void)setpriority(PRIO_PROCESS, 0, RECOMPRESS_NICE);
	r = gc_store_rewrite_core(c->store, m->id, recompress, &job);
	(void)setpriority(PRIO_PROCESS, 0, nice);
	if (r < 0) {
		gc_log_errno(LOG_WARNING, r, "recompressing %s failed, it stays as first stored",
			     m->id);
		return;
	}
	snprintf(frames, sizeof(frames), "%zu/%zu", n_fast, job.n_levels);
	gc_meta_set_string(&m->capture_fast_frames, frames);
	GC_META_SET(m, capture_first_stored_size, m->stored_size);
	GC_META_SET(m, recompress_usec, gc_clock_usec(CLOCK_MONOTONIC) - start);
	m->stored_size = job.stored_size;
}

/* The handler's whole cost, the analysis child's CPU included, written last: its presence
 * in the meta says the handler is done with the entry. */
static void record_total_cost(struct capture *c, struct gc_meta *m)
{
	struct rusage self, children;

	if (getrusage(RUSAGE_SELF, &self) < 0 || getrusage(RUSAGE_CHILDREN, &children) < 0)
		return;
	GC_META_SET(m, handler_max_rss_kib, (uint64_t)self.ru_maxrss);
	GC_META_SET(m, handler_cpu_usec, cpu_usec(&self) + cpu_usec(&children));
	if (gc_store_update_meta(c->store, m) < 0)
		gc_log(LOG_WARNING, "cannot record the cost of %s", m->id);
}

int gc_capture(const struct gc_capture_request *request, struct gc_meta *ret)
{
	struct capture c = {
	    .request = request,
	    .config = request->config,
	    .proc = GC_PROC_INFO_INIT,
	    .core_fd = -EBADF,
	    .reserve_fd = -EBADF,
	    .drain_fd = -EBADF,
	    .pipe_limit = -1,
	    .rate = {.interval_usec = request->config->rate_limit_interval_sec * 1000000,
		     .burst = request->config->rate_limit_burst},
	    .time_usec = request->time_usec ? request->time_usec : gc_clock_usec(CLOCK_REALTIME),
	    .start_usec = gc_clock_usec(CLOCK_MONOTONIC),
	};
	struct gc_meta meta = {};
	/* For as long as the root part runs: parsers refuse here (sandbox.h). */
	bool was_privileged = gc_sandbox_mark_privileged(true);
	int r;

	gc_space_policy_of(request->config, &c.space);
	/* Under the kernel, the process waits for the drain: bound the wait. */
	if (request->pid > 0 && !request->exe_path &&
	    gc_watchdog_start(request->input_fd, ROOT_PART_TIME_LIMIT_USEC, &c.watchdog) < 0)
		gc_log(LOG_WARNING, "cannot start the watchdog: the capture goes on without");
	r = capture_run(&c, &meta);
	/* The crash's journal entry, also when no entry could be made for it (then without an
	 * id, its core_error saying why): never silence. */
	if ((meta.id || meta.core_error) && request->journal) {
		gc_journal_crash(&meta, c.store ? gc_store_path(c.store) : NULL,
				 request->config->coredump_compatible);
		journal_container(&c, &meta);
	}
	if (r >= 0 && meta.id) {
		enter_background(&c);
		keep_executable(&c, &meta);
		recompress_core(&c, &meta);
		record_total_cost(&c, &meta);
		/* Entries of handlers still at work were spared by the pass after commit: the last
		 * handler to finish brings the store within its limits. */
		apply_quota(&c, &meta);
	}
	/* Crash loops whose interval ended, this one's or another service's: their summaries. */
	if (c.store)
		(void)gc_ratelimit_flush(c.store, request->journal);
	capture_done(&c);
	gc_priority_restore(&c.priority);
	gc_sandbox_mark_privileged(was_privileged);
	if (r < 0 || !meta.id) {
		gc_meta_free(&meta);
		return r;
	}
	if (ret)
		*ret = meta;
	else
		gc_meta_free(&meta);
	return 0;
}
