/* SPDX-License-Identifier: MIT */
/* The zstd seekable format (facebook/zstd contrib/seekable_format):
 *
 *   zstd frame 0 | ... | zstd frame n-1 | seek table
 *   seek table = skippable frame header {magic 0x184D2A5E, size u32}
 *                n entries {stored size u32, raw size u32 [, checksum u32]}
 *                footer {n u32, descriptor u8, magic 0x8F92EAB1 u32}
 *
 * All integers little-endian. We write entries without checksums: every zstd frame carries
 * its own content checksum, which `zstd -t` and our reader verify. */
#include "zseek.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "macro.h"

#define SKIPPABLE_MAGIC	      0x184D2A5Eu
#define SEEKABLE_MAGIC	      0x8F92EAB1u
#define SKIPPABLE_HEADER_SIZE 8
#define FOOTER_SIZE	      9
#define DESCRIPTOR_CHECKSUM   0x80u
#define DESCRIPTOR_RESERVED   0x7Cu
/* The reference implementation's limit; also keeps the table's u32 size field in range. */
#define MAX_FRAMES 0x8000000u
/* Bounds what one corrupt table entry can make the reader allocate. */
#define MAX_FRAME_RAW_SIZE (64u << 20)
/* Compression beyond a handful of cores outruns the kernel's pipe; more only costs memory. */
#define AUTO_THREADS_MAX 8
#define THREADS_MAX	 64
/* Slots beyond one per worker: one the caller fills while another waits to be written. */
#define EXTRA_SLOTS 2

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A short read means the file shrank under us or lies about its layout: -EBADMSG. */
static int pread_all(int fd, void *buf, size_t size, uint64_t offset)
{
	uint8_t *p = buf;

	while (size > 0) {
		ssize_t n;

		if (offset > (uint64_t)INT64_MAX)
			return -EBADMSG;
		n = pread(fd, p, MIN(size, (size_t)SSIZE_MAX), (off_t)offset);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			return -EBADMSG;
		p += n;
		size -= n;
		offset += n;
	}
	return 0;
}

/* ---- Writer ---------------------------------------------------------------------------- */

/* A slot travels FREE -> FILLING (caller) -> QUEUED -> COMPRESSING (worker) -> DONE -> FREE
 * (written by whichever worker holds the write turn). */
enum slot_state {
	SLOT_FREE,
	SLOT_FILLING,
	SLOT_QUEUED,
	SLOT_COMPRESSING,
	SLOT_DONE,
};

struct slot {
	enum slot_state state;
	uint64_t seq; /* frame number, decides the write order */
	int level;    /* chosen when a worker takes the frame */
	uint8_t *in;
	size_t in_size;
	uint8_t *out;
	size_t out_size;
};

struct worker {
	struct gc_zwriter *writer;
	ZSTD_CCtx *cctx;
	int level; /* cctx's current level */
	pthread_t thread;
	bool started;
};

struct seek_entry {
	uint32_t stored_size;
	uint32_t raw_size;
};

/* O_DIRECT writes go out in whole blocks of this alignment, once this much is staged. */
#define DIRECT_ALIGN 4096u
#define DIRECT_FLUSH (1u << 20)

/* Below an adapting writer's target, each rung cheaper per byte and larger: on one thread,
 * 4 MiB frames of a svcheap core, -1 takes 1.2 ns a byte for 20% of the input, -7 1.0 ns for
 * 24%, -15 0.90 ns for 31%, -30 0.70 ns for 44%. */
static const int ladder_rungs[] = {1, -1, -3, -5, -7, -15, GC_ZSEEK_FASTEST_LEVEL};

struct gc_zwriter {
	int fd;
	off_t start; /* where the stream begins in fd, -1 when fd cannot seek */
	size_t frame_size;
	size_t out_capacity;

	/* Only the holder of the write turn (or finish, once the workers are idle) uses these. */
	bool direct;
	uint8_t *stage;
	size_t stage_used;

	pthread_mutex_t lock;
	pthread_cond_t work_cond; /* a slot was queued, or the workers must stop */
	pthread_cond_t idle_cond; /* a slot was freed, or an error happened */

	/* Everything below up to stored_bytes is protected by lock. */
	struct slot *slots;
	size_t n_slots;
	struct worker *workers;
	size_t n_workers;
	uint64_t next_seq;  /* seq of the next frame the caller queues */
	uint64_t write_seq; /* seq of the next frame to reach out_fd */
	bool writing;	    /* a worker holds the write turn */
	bool stopping;
	int error; /* sticky, first error wins */
	struct seek_entry *entries;
	int8_t *levels; /* per entry */
	size_t n_entries, entries_allocated;
	/* Adapting: ladder[0] is the target, each rung faster; the caller counts its waits. */
	int ladder[1 + ELEMENTSOF(ladder_rungs)];
	size_t n_rungs, rung;
	uint64_t stalls, stalls_seen;
	int worker_nice;

	_Atomic uint64_t stored_bytes;

	/* Caller's thread only. */
	struct slot *filling;
	uint64_t raw_bytes;
	bool finished;
	bool ended; /* a seek table was written: by finish, or by salvage */
};

static void set_error(struct gc_zwriter *w, int r)
{
	if (w->error == 0)
		w->error = r;
	/* Wake everyone who waits for progress that will not come. */
	pthread_cond_broadcast(&w->idle_cond);
	pthread_cond_broadcast(&w->work_cond);
}

static int add_entry(struct gc_zwriter *w, const struct slot *s)
{
	if (w->n_entries == w->entries_allocated) {
		size_t n = MAX(w->entries_allocated * 2, (size_t)64);
		struct seek_entry *e = reallocarray(w->entries, n, sizeof(*e));
		int8_t *l;

		if (!e)
			return -ENOMEM;
		w->entries = e;
		l = reallocarray(w->levels, n, sizeof(*l));
		if (!l)
			return -ENOMEM;
		w->levels = l;
		w->entries_allocated = n;
	}
	w->levels[w->n_entries] = (int8_t)s->level;
	w->entries[w->n_entries++] = (struct seek_entry){s->out_size, s->in_size};
	return 0;
}

static struct slot *find_slot(struct gc_zwriter *w, enum slot_state state, bool lowest_seq)
{
	struct slot *found = NULL;

	for (size_t i = 0; i < w->n_slots; i++) {
		struct slot *s = &w->slots[i];

		if (s->state != state)
			continue;
		if (!lowest_seq)
			return s;
		if (!found || s->seq < found->seq)
			found = s;
	}
	return found;
}

static struct slot *slot_by_seq(struct gc_zwriter *w, uint64_t seq)
{
	for (size_t i = 0; i < w->n_slots; i++) {
		struct slot *s = &w->slots[i];

		if (s->seq == seq && (s->state == SLOT_COMPRESSING || s->state == SLOT_DONE))
			return s;
	}
	return NULL;
}

/* Best effort: a file not at an aligned offset, a filesystem without O_DIRECT (tmpfs) or no
 * memory for the stage, and the writer stays buffered. */
static void start_direct(struct gc_zwriter *w)
{
	off_t offset = lseek(w->fd, 0, SEEK_CUR);
	int flags = fcntl(w->fd, F_GETFL);
	void *stage;

	if (offset < 0 || offset % DIRECT_ALIGN != 0 || flags < 0)
		return;
	if (posix_memalign(&stage, DIRECT_ALIGN, DIRECT_FLUSH + w->out_capacity) != 0)
		return;
	if (fcntl(w->fd, F_SETFL, flags | O_DIRECT) < 0) {
		free(stage);
		return;
	}
	w->stage = stage;
	w->direct = true;
}

/* Back to buffered writes, with what is staged: for the unaligned tail and the seek table,
 * or for a filesystem that refuses O_DIRECT after all. */
static int end_direct(struct gc_zwriter *w)
{
	size_t size;
	int flags;

	if (!w->direct)
		return 0;
	w->direct = false;
	flags = fcntl(w->fd, F_GETFL);
	if (flags < 0 || fcntl(w->fd, F_SETFL, flags & ~O_DIRECT) < 0)
		return negative_errno();
	size = w->stage_used;
	w->stage_used = 0;
	return gc_write_all(w->fd, w->stage, size);
}

/* With O_DIRECT, frames are gathered in an aligned buffer and written in whole blocks. */
static int emit(struct gc_zwriter *w, const uint8_t *data, size_t size)
{
	size_t blocks;
	int r;

	if (!w->direct)
		return gc_write_all(w->fd, data, size);
	memcpy(w->stage + w->stage_used, data, size);
	w->stage_used += size;
	if (w->stage_used < DIRECT_FLUSH)
		return 0;
	blocks = w->stage_used / DIRECT_ALIGN * DIRECT_ALIGN;
	r = gc_write_all(w->fd, w->stage, blocks);
	if (r == -EINVAL)
		return end_direct(w);
	if (r < 0)
		return r;
	w->stage_used -= blocks;
	memmove(w->stage, w->stage + blocks, w->stage_used);
	return 0;
}

/* Called with the lock held. Whoever finds the next frame in line done writes it, and the
 * ones after it, with the lock dropped; the `writing` flag keeps the order and lets the other
 * workers go back to compressing instead of waiting. */
static void write_done_frames(struct gc_zwriter *w)
{
	struct slot *s;

	if (w->writing)
		return;
	w->writing = true;
	while (!w->stopping && (s = slot_by_seq(w, w->write_seq)) && s->state == SLOT_DONE) {
		if (w->error == 0) {
			int r;

			pthread_mutex_unlock(&w->lock);
			r = emit(w, s->out, s->out_size);
			pthread_mutex_lock(&w->lock);
			if (r == 0)
				r = add_entry(w, s);
			if (r < 0)
				set_error(w, r);
			else
				atomic_fetch_add(&w->stored_bytes, s->out_size);
		}
		s->state = SLOT_FREE;
		w->write_seq++;
		pthread_cond_broadcast(&w->idle_cond);
	}
	w->writing = false;
}

/* zstd's negative levels shrink the match finder below level 1's (hash log 13, minimum match
 * 6, where level 1 has 14 and 7): on a heap of short repeated words that makes more, shorter
 * sequences, and encoding sequences is most of the cost, so level -1 came out both slower and
 * larger than level 1 (tests/bench/capture-replay.sh). Keeping level 1's match finder and
 * letting the level only set the acceleration (targetLength) makes negative levels cheaper
 * than level 1 on every kind of data we measured. */
#define NEGATIVE_LEVEL_HASH_LOG	 14
#define NEGATIVE_LEVEL_MIN_MATCH 7

static int set_level(ZSTD_CCtx *cctx, int level)
{
	/* 0: the level's own value, for a context that had a negative level before. */
	int hash_log = level < 0 ? NEGATIVE_LEVEL_HASH_LOG : 0;
	int min_match = level < 0 ? NEGATIVE_LEVEL_MIN_MATCH : 0;

	if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_hashLog, hash_log)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_minMatch, min_match)))
		return -EINVAL;
	return 0;
}

static int compress_slot(struct worker *worker, struct slot *s, size_t out_capacity)
{
	size_t n;

	if (worker->level != s->level) {
		if (set_level(worker->cctx, s->level) < 0)
			return -EINVAL;
		worker->level = s->level;
	}
	n = ZSTD_compress2(worker->cctx, s->out, out_capacity, s->in, s->in_size);
	if (ZSTD_isError(n))
		return ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation ? -ENOMEM : -EIO;
	s->out_size = n;
	return 0;
}

/* Called with the lock held, as a worker takes a frame. A wait of the caller since the last
 * frame means compression is behind the input: one rung faster. No other frame waiting
 * means it is ahead: one rung back towards the target. */
static int pick_level(struct gc_zwriter *w)
{
	if (w->stalls != w->stalls_seen) {
		w->stalls_seen = w->stalls;
		if (w->rung + 1 < w->n_rungs)
			w->rung++;
	} else if (w->rung > 0 && !find_slot(w, SLOT_QUEUED, false))
		w->rung--;
	return w->ladder[w->rung];
}

static void *worker_main(void *userdata)
{
	struct worker *worker = userdata;
	struct gc_zwriter *w = worker->writer;

	/* Linux keeps nice per thread: this one alone. Best effort. */
	if (w->worker_nice)
		(void)setpriority(PRIO_PROCESS, (id_t)gettid(),
				  getpriority(PRIO_PROCESS, (id_t)gettid()) + w->worker_nice);
	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct slot *s = NULL;

		while (!w->stopping && !(s = find_slot(w, SLOT_QUEUED, true)))
			pthread_cond_wait(&w->work_cond, &w->lock);
		if (w->stopping)
			break;
		s->state = SLOT_COMPRESSING;
		s->level = pick_level(w);
		/* After an error the frame is only passed through to be freed in order. */
		if (w->error == 0) {
			int r;

			pthread_mutex_unlock(&w->lock);
			r = compress_slot(worker, s, w->out_capacity);
			pthread_mutex_lock(&w->lock);
			if (r < 0)
				set_error(w, r);
		}
		s->state = SLOT_DONE;
		write_done_frames(w);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void stop_workers(struct gc_zwriter *w)
{
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->work_cond);
	pthread_mutex_unlock(&w->lock);
	for (size_t i = 0; i < w->n_workers; i++)
		if (w->workers[i].started) {
			pthread_join(w->workers[i].thread, NULL);
			w->workers[i].started = false;
		}
}

void gc_zwriter_free(struct gc_zwriter *writer)
{
	if (!writer)
		return;
	if (writer->workers) {
		stop_workers(writer);
		for (size_t i = 0; i < writer->n_workers; i++)
			ZSTD_freeCCtx(writer->workers[i].cctx);
		free(writer->workers);
	}
	if (writer->slots)
		for (size_t i = 0; i < writer->n_slots; i++) {
			free(writer->slots[i].in);
			free(writer->slots[i].out);
		}
	free(writer->slots);
	free(writer->entries);
	free(writer->levels);
	free(writer->stage);
	pthread_cond_destroy(&writer->idle_cond);
	pthread_cond_destroy(&writer->work_cond);
	pthread_mutex_destroy(&writer->lock);
	free(writer);
}

static int new_cctx(int level, ZSTD_CCtx **ret)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();

	if (!cctx)
		return -ENOMEM;
	/* The checksum lets `zstd -t` and the reader catch corruption (it costs about 3% of the
	 * compression's instructions); the content size (written because ZSTD_compress2 knows
	 * the input) lets decoders size their buffer. */
	if (set_level(cctx, level) < 0 ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1))) {
		ZSTD_freeCCtx(cctx);
		return -EINVAL;
	}
	*ret = cctx;
	return 0;
}

static void build_ladder(struct gc_zwriter *w, int target, bool adapt)
{
	w->ladder[0] = target;
	w->n_rungs = 1;
	for (size_t i = 0; adapt && i < ELEMENTSOF(ladder_rungs); i++)
		if (ladder_rungs[i] < target)
			w->ladder[w->n_rungs++] = ladder_rungs[i];
}

static int resolve_options(const struct gc_zwriter_options *options, size_t *frame_size,
			   size_t *threads)
{
	size_t n = options ? options->threads : 0;
	size_t size = options && options->frame_size ? options->frame_size : GC_ZSEEK_FRAME_SIZE;

	if (n == 0) {
		long online = sysconf(_SC_NPROCESSORS_ONLN);

		n = online > 0 ? MIN((size_t)online, (size_t)AUTO_THREADS_MAX) : 1;
	}
	/* Levels are kept per frame in an int8_t. */
	if (n > THREADS_MAX || size > MAX_FRAME_RAW_SIZE ||
	    (options && (options->level < INT8_MIN || options->level > INT8_MAX)))
		return -EINVAL;
	*frame_size = size;
	*threads = n;
	return 0;
}

/* Workers never take signals: the program's main thread owns signal handling, and a worker
 * writing to a closed pipe must get EPIPE rather than kill the handler with SIGPIPE. */
static int start_workers(struct gc_zwriter *w)
{
	sigset_t all, saved;
	int r = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	for (size_t i = 0; i < w->n_workers && r == 0; i++) {
		r = -pthread_create(&w->workers[i].thread, NULL, worker_main, &w->workers[i]);
		w->workers[i].started = r == 0;
	}
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	return r;
}

static int allocate_writer(struct gc_zwriter *w, int level)
{
	w->slots = calloc(w->n_slots, sizeof(*w->slots));
	w->workers = calloc(w->n_workers, sizeof(*w->workers));
	if (!w->slots || !w->workers)
		return -ENOMEM;
	for (size_t i = 0; i < w->n_slots; i++) {
		w->slots[i].in = malloc(w->frame_size);
		w->slots[i].out = malloc(w->out_capacity);
		if (!w->slots[i].in || !w->slots[i].out)
			return -ENOMEM;
	}
	for (size_t i = 0; i < w->n_workers; i++) {
		int r = new_cctx(level, &w->workers[i].cctx);

		if (r < 0)
			return r;
		w->workers[i].level = level;
		w->workers[i].writer = w;
	}
	return 0;
}

int gc_zwriter_new(int out_fd, const struct gc_zwriter_options *options, struct gc_zwriter **ret)
{
	struct gc_zwriter *w;
	size_t frame_size, threads;
	int r;

	if (out_fd < 0 || !ret)
		return -EINVAL;
	r = resolve_options(options, &frame_size, &threads);
	if (r < 0)
		return r;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work_cond, NULL);
	pthread_cond_init(&w->idle_cond, NULL);
	w->fd = out_fd;
	w->start = lseek(out_fd, 0, SEEK_CUR);
	w->frame_size = frame_size;
	w->out_capacity = ZSTD_compressBound(frame_size);
	w->n_workers = threads;
	w->n_slots = threads + EXTRA_SLOTS;
	build_ladder(w, options ? options->level : 0, options && options->adapt);
	w->worker_nice = options ? options->worker_nice : 0;
	if (options && options->direct)
		start_direct(w);
	r = allocate_writer(w, w->ladder[0]);
	if (r == 0)
		r = start_workers(w);
	if (r < 0) {
		gc_zwriter_free(w);
		return r;
	}
	*ret = w;
	return 0;
}

/* Takes a free slot for the caller to fill, waiting for one if all are busy. */
static int acquire_slot(struct gc_zwriter *w)
{
	struct slot *s = NULL;
	int r;

	pthread_mutex_lock(&w->lock);
	while (w->error == 0 && !(s = find_slot(w, SLOT_FREE, false))) {
		w->stalls++;
		pthread_cond_wait(&w->idle_cond, &w->lock);
	}
	r = w->error;
	if (r == 0) {
		s->state = SLOT_FILLING;
		s->in_size = 0;
		w->filling = s;
	}
	pthread_mutex_unlock(&w->lock);
	return r;
}

static int submit_filling(struct gc_zwriter *w)
{
	struct slot *s = TAKE_PTR(w->filling);
	int r;

	pthread_mutex_lock(&w->lock);
	if (w->next_seq >= MAX_FRAMES)
		set_error(w, -EFBIG);
	r = w->error;
	if (r == 0) {
		s->seq = w->next_seq++;
		s->state = SLOT_QUEUED;
		pthread_cond_signal(&w->work_cond);
	} else
		s->state = SLOT_FREE;
	pthread_mutex_unlock(&w->lock);
	return r;
}

static int current_error(struct gc_zwriter *w)
{
	int r;

	pthread_mutex_lock(&w->lock);
	r = w->error;
	pthread_mutex_unlock(&w->lock);
	return r;
}

int gc_zwriter_write(struct gc_zwriter *writer, const void *data, size_t size)
{
	const uint8_t *p = data;
	int r;

	r = current_error(writer);
	if (r < 0)
		return r;
	if (writer->finished)
		return -EINVAL;
	while (size > 0) {
		struct slot *s;
		size_t n;

		if (!writer->filling) {
			r = acquire_slot(writer);
			if (r < 0)
				return r;
		}
		s = writer->filling;
		n = MIN(size, writer->frame_size - s->in_size);
		memcpy(s->in + s->in_size, p, n);
		s->in_size += n;
		writer->raw_bytes += n;
		p += n;
		size -= n;
		if (s->in_size == writer->frame_size) {
			r = submit_filling(writer);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

uint64_t gc_zwriter_stored_bytes(struct gc_zwriter *writer)
{
	return atomic_load(&writer->stored_bytes);
}

uint64_t gc_zwriter_pending_max(const struct gc_zwriter *writer)
{
	return (uint64_t)writer->n_slots * writer->out_capacity;
}

/* The seek table (a skippable frame) for these frames, malloc'ed. */
static int seek_table_build(const struct seek_entry *entries, size_t n, uint8_t **ret,
			    size_t *ret_size)
{
	size_t size = SKIPPABLE_HEADER_SIZE + n * 8 + FOOTER_SIZE;
	uint8_t *table = malloc(size), *p = table;

	if (!table)
		return -ENOMEM;
	put_le32(p, SKIPPABLE_MAGIC);
	put_le32(p + 4, size - SKIPPABLE_HEADER_SIZE);
	p += SKIPPABLE_HEADER_SIZE;
	for (size_t i = 0; i < n; i++, p += 8) {
		put_le32(p, entries[i].stored_size);
		put_le32(p + 4, entries[i].raw_size);
	}
	put_le32(p, n);
	p[4] = 0; /* descriptor: no checksums */
	put_le32(p + 5, SEEKABLE_MAGIC);
	*ret = table;
	*ret_size = size;
	return 0;
}

static int write_seek_table(struct gc_zwriter *w)
{
	_cleanup_free_ uint8_t *table = NULL;
	size_t size;
	int r;

	r = seek_table_build(w->entries, w->n_entries, &table, &size);
	if (r < 0)
		return r;
	r = gc_write_all(w->fd, table, size);
	if (r < 0)
		return r;
	atomic_fetch_add(&w->stored_bytes, size);
	return 0;
}

int gc_zwriter_finish(struct gc_zwriter *writer, uint64_t *raw_size, uint64_t *stored_size)
{
	int r;

	r = current_error(writer);
	if (r < 0)
		return r;
	if (writer->finished)
		return -EINVAL;
	writer->finished = true;
	if (writer->filling && writer->filling->in_size > 0)
		r = submit_filling(writer);
	if (r < 0)
		return r;
	pthread_mutex_lock(&writer->lock);
	while (writer->error == 0 && writer->write_seq < writer->next_seq)
		pthread_cond_wait(&writer->idle_cond, &writer->lock);
	r = writer->error;
	pthread_mutex_unlock(&writer->lock);
	if (r < 0)
		return r;
	/* All frames are out: the workers are idle and the entries stable. */
	stop_workers(writer);
	r = end_direct(writer);
	if (r == 0)
		r = write_seek_table(writer);
	if (r < 0) {
		pthread_mutex_lock(&writer->lock);
		set_error(writer, r);
		pthread_mutex_unlock(&writer->lock);
		return r;
	}
	writer->ended = true;
	if (raw_size)
		*raw_size = writer->raw_bytes;
	if (stored_size)
		*stored_size = atomic_load(&writer->stored_bytes);
	return 0;
}

/* The frames that are on disk whole: fd's position says how far the writes got, whatever
 * O_DIRECT still held in its stage. */
static size_t frames_on_disk(const struct gc_zwriter *w, uint64_t *stored, uint64_t *raw)
{
	off_t end = lseek(w->fd, 0, SEEK_CUR);
	uint64_t written = end > w->start ? (uint64_t)(end - w->start) : 0, s = 0, r = 0;
	size_t n = 0;

	while (n < w->n_entries && s + w->entries[n].stored_size <= written) {
		s += w->entries[n].stored_size;
		r += w->entries[n].raw_size;
		n++;
	}
	*stored = s;
	*raw = r;
	return n;
}

/* Cuts fd after the first n frames (stored bytes of them) and ends the stream there. */
static int end_stream_at(struct gc_zwriter *w, size_t n, uint64_t stored)
{
	off_t end = w->start + (off_t)stored;

	if (ftruncate(w->fd, end) < 0 || lseek(w->fd, end, SEEK_SET) < 0)
		return negative_errno();
	w->n_entries = n;
	atomic_store(&w->stored_bytes, stored);
	return write_seek_table(w);
}

int gc_zwriter_salvage(struct gc_zwriter *writer, uint64_t *raw_size, uint64_t *stored_size)
{
	uint64_t stored, raw;
	size_t n;
	int flags, r;

	if (writer->ended)
		return -EINVAL;
	if (writer->start < 0)
		return -ESPIPE;
	writer->finished = true;
	stop_workers(writer);
	/* What O_DIRECT staged never reached the file: it goes with the frames after it. */
	writer->direct = false;
	writer->stage_used = 0;
	flags = fcntl(writer->fd, F_GETFL);
	if (flags < 0 || fcntl(writer->fd, F_SETFL, flags & ~O_DIRECT) < 0)
		return negative_errno();
	n = frames_on_disk(writer, &stored, &raw);
	/* No room even for the seek table: each frame given up makes more than it needs. */
	for (;;) {
		r = end_stream_at(writer, n, stored);
		if (r == 0 || n == 0)
			break;
		n--;
		stored -= writer->entries[n].stored_size;
		raw -= writer->entries[n].raw_size;
	}
	if (r < 0)
		return r;
	writer->ended = true;
	if (raw_size)
		*raw_size = raw;
	if (stored_size)
		*stored_size = atomic_load(&writer->stored_bytes);
	return 0;
}

const int8_t *gc_zwriter_frame_levels(const struct gc_zwriter *writer, size_t *n_frames)
{
	*n_frames = writer->n_entries;
	return writer->levels;
}

/* Queues a frame already compressed at `level`, read from in_fd, in the place of the next
 * frame: it skips the workers and is written in its turn. */
static int queue_stored_frame(struct gc_zwriter *w, int in_fd, uint64_t offset, size_t size,
			      size_t raw_size, int level)
{
	struct slot *s;
	int r;

	if (w->filling && w->filling->in_size > 0) {
		r = submit_filling(w);
		if (r < 0)
			return r;
	}
	if (!w->filling) {
		r = acquire_slot(w);
		if (r < 0)
			return r;
	}
	s = w->filling;
	if (size > w->out_capacity || raw_size > w->frame_size)
		return -EBADMSG;
	r = pread_all(in_fd, s->out, size, offset);
	if (r < 0)
		return r;
	s->out_size = size;
	s->in_size = raw_size;
	s->level = level;
	w->raw_bytes += raw_size;
	w->filling = NULL;
	pthread_mutex_lock(&w->lock);
	s->seq = w->next_seq++;
	s->state = SLOT_DONE;
	write_done_frames(w);
	r = w->error;
	pthread_mutex_unlock(&w->lock);
	return r;
}

/* ---- Reader ---------------------------------------------------------------------------- */

struct cached_frame {
	bool valid;
	size_t index;
	uint64_t last_used;
	uint8_t *data;
	size_t size;
	size_t allocated;
};

struct gc_zreader {
	int fd;
	size_t n_frames;
	/* n_frames + 1 entries each: frame i spans [offsets[i], offsets[i + 1]). */
	uint64_t *raw_offsets;
	uint64_t *stored_offsets;
	ZSTD_DCtx *dctx;
	uint8_t *stored_buf;
	size_t stored_allocated;
	struct cached_frame cache[2];
	uint64_t clock;
};

void gc_zreader_free(struct gc_zreader *reader)
{
	if (!reader)
		return;
	free(reader->raw_offsets);
	free(reader->stored_offsets);
	ZSTD_freeDCtx(reader->dctx);
	free(reader->stored_buf);
	for (size_t i = 0; i < ELEMENTSOF(reader->cache); i++)
		free(reader->cache[i].data);
	free(reader);
}

struct seek_footer {
	uint32_t n_frames;
	size_t entry_size;
	uint64_t table_size; /* whole skippable frame */
};

static int read_footer(int fd, uint64_t file_size, struct seek_footer *ret)
{
	uint8_t footer[FOOTER_SIZE];
	uint8_t descriptor;
	uint64_t table_size;
	uint32_t n;
	int r;

	if (file_size < SKIPPABLE_HEADER_SIZE + FOOTER_SIZE)
		return -EBADMSG;
	r = pread_all(fd, footer, sizeof(footer), file_size - FOOTER_SIZE);
	if (r < 0)
		return r;
	n = get_le32(footer);
	descriptor = footer[4];
	if (get_le32(footer + 5) != SEEKABLE_MAGIC || (descriptor & DESCRIPTOR_RESERVED))
		return -EBADMSG;
	ret->entry_size = descriptor & DESCRIPTOR_CHECKSUM ? 12 : 8;
	/* Checked before allocating anything: the table has to fit in the file. */
	table_size = SKIPPABLE_HEADER_SIZE + (uint64_t)n * ret->entry_size + FOOTER_SIZE;
	if (n > MAX_FRAMES || table_size > file_size)
		return -EBADMSG;
	ret->n_frames = n;
	ret->table_size = table_size;
	return 0;
}

/* Reads the entries and turns them into cumulative offsets, which must end exactly where
 * the seek table starts. */
static int read_table(struct gc_zreader *z, uint64_t file_size, const struct seek_footer *f)
{
	uint64_t table_start = file_size - f->table_size;
	size_t size = f->table_size - FOOTER_SIZE;
	_cleanup_free_ uint8_t *table = malloc(size);
	const uint8_t *entry;
	int r;

	if (!table)
		return -ENOMEM;
	r = pread_all(z->fd, table, size, table_start);
	if (r < 0)
		return r;
	if (get_le32(table) != SKIPPABLE_MAGIC || get_le32(table + 4) != f->table_size - 8)
		return -EBADMSG;
	z->n_frames = f->n_frames;
	z->raw_offsets = calloc(z->n_frames + 1, sizeof(uint64_t));
	z->stored_offsets = calloc(z->n_frames + 1, sizeof(uint64_t));
	if (!z->raw_offsets || !z->stored_offsets)
		return -ENOMEM;
	entry = table + SKIPPABLE_HEADER_SIZE;
	for (size_t i = 0; i < z->n_frames; i++, entry += f->entry_size) {
		z->stored_offsets[i + 1] = z->stored_offsets[i] + get_le32(entry);
		z->raw_offsets[i + 1] = z->raw_offsets[i] + get_le32(entry + 4);
	}
	if (z->stored_offsets[z->n_frames] != table_start)
		return -EBADMSG;
	return 0;
}

int gc_zreader_open(int fd, struct gc_zreader **ret)
{
	struct gc_zreader *z;
	struct seek_footer footer;
	struct stat st;
	int r;

	if (fd < 0 || !ret)
		return -EINVAL;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	r = read_footer(fd, st.st_size, &footer);
	if (r < 0)
		return r;
	z = calloc(1, sizeof(*z));
	if (!z)
		return -ENOMEM;
	z->fd = fd;
	r = read_table(z, st.st_size, &footer);
	if (r == 0 && !(z->dctx = ZSTD_createDCtx()))
		r = -ENOMEM;
	if (r < 0) {
		gc_zreader_free(z);
		return r;
	}
	*ret = z;
	return 0;
}

uint64_t gc_zreader_size(const struct gc_zreader *reader)
{
	return reader->raw_offsets[reader->n_frames];
}

size_t gc_zreader_frames(const struct gc_zreader *reader)
{
	return reader->n_frames;
}

/* Frame `index` of the cumulative offsets table `offsets` (raw or stored). */
static int frame_span(const struct gc_zreader *reader, const uint64_t *offsets, size_t index,
		      uint64_t *offset, uint32_t *size)
{
	if (index >= reader->n_frames)
		return -ERANGE;
	if (offset)
		*offset = offsets[index];
	if (size)
		*size = offsets[index + 1] - offsets[index];
	return 0;
}

int gc_zreader_frame(const struct gc_zreader *reader, size_t index, uint64_t *raw_offset,
		     uint32_t *raw_size)
{
	return frame_span(reader, reader->raw_offsets, index, raw_offset, raw_size);
}

int gc_zreader_frame_stored(const struct gc_zreader *reader, size_t index, uint64_t *offset,
			    uint32_t *size)
{
	return frame_span(reader, reader->stored_offsets, index, offset, size);
}

static int ensure_allocated(uint8_t **buf, size_t *allocated, size_t size)
{
	uint8_t *p;

	/* At least one byte, so an empty frame still has a non-NULL buffer to hand out. */
	size = MAX(size, (size_t)1);
	if (*allocated >= size)
		return 0;
	p = realloc(*buf, size);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*allocated = size;
	return 0;
}

static int decompress_frame(struct gc_zreader *z, size_t index, struct cached_frame *c)
{
	uint64_t raw_size = z->raw_offsets[index + 1] - z->raw_offsets[index];
	uint64_t stored_size = z->stored_offsets[index + 1] - z->stored_offsets[index];
	size_t n;
	int r;

	if (raw_size > MAX_FRAME_RAW_SIZE || stored_size > ZSTD_compressBound(raw_size))
		return -EBADMSG;
	r = ensure_allocated(&z->stored_buf, &z->stored_allocated, stored_size);
	if (r == 0)
		r = ensure_allocated(&c->data, &c->allocated, raw_size);
	if (r == 0)
		r = pread_all(z->fd, z->stored_buf, stored_size, z->stored_offsets[index]);
	if (r < 0)
		return r;
	/* The output buffer is exactly the size the table promises: a frame that would
	 * decompress to more fails with dstSize_tooSmall, one with less is caught below. */
	n = ZSTD_decompressDCtx(z->dctx, c->data, raw_size, z->stored_buf, stored_size);
	if (ZSTD_isError(n)) {
		if (ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation)
			return -ENOMEM;
		return -EBADMSG;
	}
	if (n != raw_size)
		return -EBADMSG;
	c->size = raw_size;
	return 0;
}

/* Returns the decompressed frame from the cache, evicting the least recently used one. */
static int load_frame(struct gc_zreader *z, size_t index, struct cached_frame **ret)
{
	struct cached_frame *victim = &z->cache[0];
	int r;

	for (size_t i = 0; i < ELEMENTSOF(z->cache); i++) {
		struct cached_frame *c = &z->cache[i];

		if (c->valid && c->index == index) {
			c->last_used = ++z->clock;
			*ret = c;
			return 0;
		}
		if (!c->valid || (victim->valid && c->last_used < victim->last_used))
			victim = c;
	}
	victim->valid = false;
	r = decompress_frame(z, index, victim);
	if (r < 0)
		return r;
	victim->valid = true;
	victim->index = index;
	victim->last_used = ++z->clock;
	*ret = victim;
	return 0;
}

int gc_zreader_frame_data(struct gc_zreader *reader, size_t index, const void **data, size_t *size)
{
	struct cached_frame *c;
	int r;

	if (index >= reader->n_frames)
		return -ERANGE;
	r = load_frame(reader, index, &c);
	if (r < 0)
		return r;
	*data = c->data;
	*size = c->size;
	return 0;
}

/* The frame holding raw byte `offset` (< total size). Empty frames share their offset with
 * the next one; taking the last frame that starts at or before `offset` skips them. */
static size_t find_frame(const struct gc_zreader *z, uint64_t offset)
{
	size_t lo = 0, hi = z->n_frames; /* answer in [lo, hi) */

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (z->raw_offsets[mid] <= offset)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

ssize_t gc_zreader_pread(struct gc_zreader *reader, void *buf, size_t size, uint64_t offset)
{
	uint64_t total = gc_zreader_size(reader);
	uint8_t *out = buf;
	size_t done = 0;

	if (offset >= total)
		return 0;
	size = MIN(size, MIN(total - offset, (uint64_t)SSIZE_MAX));
	while (done < size) {
		uint64_t at = offset + done;
		size_t index = find_frame(reader, at);
		struct cached_frame *c;
		size_t within, n;
		int r;

		r = load_frame(reader, index, &c);
		if (r < 0)
			return r;
		within = at - reader->raw_offsets[index];
		n = MIN(c->size - within, size - done);
		memcpy(out + done, c->data + within, n);
		done += n;
	}
	return done;
}

/* ---- Recompression --------------------------------------------------------------------- */

static int recompress_frame(struct gc_zreader *reader, struct gc_zwriter *writer,
			    const int8_t *levels, size_t index)
{
	const void *data;
	uint64_t offset;
	uint32_t size, raw_size;
	size_t n;
	int r;

	r = gc_zreader_frame(reader, index, NULL, &raw_size);
	if (r < 0)
		return r;
	/* An empty frame has nothing to gain, and the writer would not make one. */
	if (raw_size == 0 || (levels && levels[index] >= writer->ladder[0])) {
		r = gc_zreader_frame_stored(reader, index, &offset, &size);
		if (r < 0)
			return r;
		return queue_stored_frame(writer, reader->fd, offset, size, raw_size,
					  levels ? levels[index] : writer->ladder[0]);
	}
	r = gc_zreader_frame_data(reader, index, &data, &n);
	if (r < 0)
		return r;
	r = gc_zwriter_write(writer, data, n);
	/* One frame in, one frame out, so the copied frames keep their place. */
	if (r == 0 && writer->filling && writer->filling->in_size > 0)
		r = submit_filling(writer);
	return r;
}

int gc_zseek_recompress(int in_fd, int out_fd, const struct gc_zwriter_options *options,
			const int8_t *levels, size_t n_levels, uint64_t *stored_size)
{
	struct gc_zwriter_options fixed = *options;
	struct gc_zreader *reader = NULL;
	struct gc_zwriter *writer = NULL;
	int r;

	fixed.adapt = false;
	r = gc_zreader_open(in_fd, &reader);
	if (r == 0 && levels && n_levels != reader->n_frames)
		r = -EBADMSG;
	/* Frames as large as the largest input frame: each one in gives exactly one out. */
	fixed.frame_size = 1;
	for (size_t i = 0; r == 0 && i < reader->n_frames; i++) {
		uint64_t raw_size = reader->raw_offsets[i + 1] - reader->raw_offsets[i];

		fixed.frame_size = MAX(fixed.frame_size, (size_t)MIN(raw_size, (uint64_t)SIZE_MAX));
	}
	if (r == 0)
		r = gc_zwriter_new(out_fd, &fixed, &writer);
	for (size_t i = 0; r == 0 && i < reader->n_frames; i++)
		r = recompress_frame(reader, writer, levels, i);
	if (r == 0)
		r = gc_zwriter_finish(writer, NULL, stored_size);
	gc_zwriter_free(writer);
	gc_zreader_free(reader);
	return r;
}

/* ---- Recovery -------------------------------------------------------------------------- */

#define ZSTD_FRAME_MAGIC  0xFD2FB528u
#define FRAME_HEADER_MAX  18
#define BLOCK_HEADER_SIZE 3
#define BLOCK_SIZE_MAX	  (128u << 10)
#define FRAME_CHECKSUM	  4

struct frame_header {
	size_t size;
	uint64_t raw_size;
	bool checksum;
};

/* The header of the zstd frame at offset (RFC 8878 3.1.1.1), of a frame as our writer makes
 * them: with its content size. -EBADMSG for anything else, a skippable frame (where a seek
 * table starts) or a cut header included. */
static int read_frame_header(int fd, uint64_t offset, uint64_t file_size, struct frame_header *ret)
{
	static const uint8_t dict_id_sizes[] = {0, 1, 2, 4};
	static const uint8_t content_size_sizes[] = {0, 2, 4, 8};
	uint8_t h[FRAME_HEADER_MAX];
	size_t avail = MIN(sizeof(h), file_size - offset), size, fcs_size;
	uint64_t raw_size = 0;
	bool single_segment;
	int r;

	if (avail < 6)
		return -EBADMSG;
	r = pread_all(fd, h, avail, offset);
	if (r < 0)
		return r;
	if (get_le32(h) != ZSTD_FRAME_MAGIC || (h[4] & 0x08))
		return -EBADMSG;
	single_segment = h[4] & 0x20;
	fcs_size = content_size_sizes[h[4] >> 6];
	if (fcs_size == 0 && single_segment)
		fcs_size = 1;
	size = 5 + !single_segment + dict_id_sizes[h[4] & 3];
	if (fcs_size == 0 || size + fcs_size > avail)
		return -EBADMSG;
	for (size_t i = 0; i < fcs_size; i++)
		raw_size |= (uint64_t)h[size + i] << (8 * i);
	if (fcs_size == 2)
		raw_size += 256;
	if (raw_size > MAX_FRAME_RAW_SIZE)
		return -EBADMSG;
	*ret = (struct frame_header){size + fcs_size, raw_size, h[4] & 0x04};
	return 0;
}

/* Where the frame at offset ends, found by its block headers; -EBADMSG when the file ends
 * inside it or it is not a frame we write. */
static int frame_end(int fd, uint64_t offset, uint64_t file_size, uint64_t *end, uint32_t *raw_size)
{
	struct frame_header header;
	uint64_t pos;
	bool last = false;
	int r;

	r = read_frame_header(fd, offset, file_size, &header);
	if (r < 0)
		return r;
	pos = offset + header.size;
	while (!last) {
		uint8_t b[BLOCK_HEADER_SIZE];
		uint32_t block, type, size;

		if (file_size - pos < BLOCK_HEADER_SIZE)
			return -EBADMSG;
		r = pread_all(fd, b, sizeof(b), pos);
		if (r < 0)
			return r;
		block = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16;
		last = block & 1;
		type = (block >> 1) & 3;
		size = block >> 3;
		if (type == 3 || size > BLOCK_SIZE_MAX)
			return -EBADMSG;
		pos += BLOCK_HEADER_SIZE + (type == 1 ? 1 : size); /* an RLE block stores a byte */
		if (pos > file_size)
			return -EBADMSG;
	}
	pos += header.checksum ? FRAME_CHECKSUM : 0;
	if (pos > file_size || pos - offset > UINT32_MAX)
		return -EBADMSG;
	*end = pos;
	*raw_size = header.raw_size;
	return 0;
}

/* The whole frames from the start of fd, in *ret (malloc'ed), and where they end. */
static int scan_frames(int fd, uint64_t file_size, struct seek_entry **ret, size_t *n_ret,
		       uint64_t *end_ret)
{
	_cleanup_free_ struct seek_entry *entries = NULL;
	size_t n = 0, allocated = 0;
	uint64_t offset = 0;

	while (offset < file_size && n < MAX_FRAMES) {
		uint64_t end;
		uint32_t raw_size;
		int r = frame_end(fd, offset, file_size, &end, &raw_size);

		if (r == -EBADMSG)
			break;
		if (r < 0)
			return r;
		if (n == allocated) {
			size_t more = MAX(allocated * 2, (size_t)64);
			struct seek_entry *e = reallocarray(entries, more, sizeof(*e));

			if (!e)
				return -ENOMEM;
			entries = e;
			allocated = more;
		}
		entries[n++] = (struct seek_entry){end - offset, raw_size};
		offset = end;
	}
	*ret = TAKE_PTR(entries);
	*n_ret = n;
	*end_ret = offset;
	return 0;
}

int gc_zseek_recover(int fd, struct gc_zseek_recovery *ret)
{
	_cleanup_free_ struct seek_entry *entries = NULL;
	_cleanup_free_ uint8_t *table = NULL;
	struct gc_zseek_recovery rec = {};
	size_t n = 0, table_size;
	uint64_t end;
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	r = scan_frames(fd, st.st_size, &entries, &n, &end);
	if (r < 0)
		return r;
	if (n > 0) {
		r = seek_table_build(entries, n, &table, &table_size);
		if (r < 0)
			return r;
		if (ftruncate(fd, (off_t)end) < 0)
			return negative_errno();
		if (lseek(fd, (off_t)end, SEEK_SET) < 0)
			return negative_errno();
		r = gc_write_all(fd, table, table_size);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < n; i++)
		rec.raw_size += entries[i].raw_size;
	rec.n_frames = n;
	rec.stored_size = n > 0 ? end + table_size : 0;
	*ret = rec;
	return 0;
}
