/* SPDX-License-Identifier: MIT */
#include "watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "util.h"

enum watch_state {
	WATCH_WAITING,	/* the drain has not begun */
	WATCH_CLAIMED,	/* the root part drains */
	WATCH_FIRED,	/* the watchdog drains */
	WATCH_STOPPING, /* freed before either */
};

struct gc_watchdog {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* on CLOCK_MONOTONIC */
	pthread_t thread;
	enum watch_state state;
	struct timespec deadline;
	uint64_t limit_usec;
	int fd;
};

static struct timespec deadline_after(uint64_t usec)
{
	uint64_t at = gc_clock_usec(CLOCK_MONOTONIC) + usec;

	return (struct timespec){.tv_sec = at / 1000000, .tv_nsec = at % 1000000 * 1000};
}

static int cond_init_monotonic(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int r;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	r = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return -r;
}

/* Reads fd away: the kernel lets the process go when the stream is read and closed. */
static void discard_stream(struct gc_watchdog *w)
{
	static char buf[64 << 10];
	uint64_t discarded = 0;
	ssize_t n;

	gc_log(LOG_ERR,
	       "the root part did not begin to read the core within %" PRIu64 " ms (a stalled "
	       "file system?): reading it away unstored, so that the process is released",
	       w->limit_usec / 1000);
	while ((n = read(w->fd, buf, sizeof(buf))) != 0)
		if (n > 0)
			discarded += n;
		else if (errno != EINTR)
			break;
	close(w->fd);
	gc_log(LOG_ERR, "%" PRIu64 " bytes of core discarded by the watchdog", discarded);
}

static void *watch(void *userdata)
{
	struct gc_watchdog *w = userdata;
	bool fired;

	pthread_mutex_lock(&w->lock);
	while (w->state == WATCH_WAITING)
		if (pthread_cond_timedwait(&w->cond, &w->lock, &w->deadline) == ETIMEDOUT &&
		    w->state == WATCH_WAITING)
			w->state = WATCH_FIRED;
	fired = w->state == WATCH_FIRED;
	pthread_mutex_unlock(&w->lock);
	if (fired)
		discard_stream(w);
	return NULL;
}

int gc_watchdog_start(int fd, uint64_t limit_usec, struct gc_watchdog **ret)
{
	struct gc_watchdog *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	*w = (struct gc_watchdog){
	    .state = WATCH_WAITING,
	    .deadline = deadline_after(limit_usec),
	    .limit_usec = limit_usec,
	    .fd = fd,
	};
	pthread_mutex_init(&w->lock, NULL);
	r = cond_init_monotonic(&w->cond);
	if (r >= 0)
		r = -pthread_create(&w->thread, NULL, watch, w);
	if (r < 0) {
		pthread_mutex_destroy(&w->lock);
		free(w);
		return r;
	}
	*ret = w;
	return 0;
}

bool gc_watchdog_claim(struct gc_watchdog *w)
{
	bool claimed;

	if (!w)
		return true;
	pthread_mutex_lock(&w->lock);
	if (w->state == WATCH_WAITING)
		w->state = WATCH_CLAIMED;
	claimed = w->state == WATCH_CLAIMED;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return claimed;
}

void gc_watchdog_free(struct gc_watchdog *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	if (w->state == WATCH_WAITING)
		w->state = WATCH_STOPPING;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

/* Shared by the opener and the thread; the last of the two to let go frees it. */
struct bounded_open {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int dir; /* a dup: the caller's may be closed while the thread still waits */
	int flags;
	int result;
	bool done, abandoned;
	char name[];
};

static void bounded_open_free(struct bounded_open *b)
{
	close(b->dir);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static void *open_in_thread(void *userdata)
{
	struct bounded_open *b = userdata;
	int fd = openat(b->dir, b->name, b->flags);
	bool abandoned;

	pthread_mutex_lock(&b->lock);
	b->result = fd < 0 ? negative_errno() : fd;
	b->done = true;
	abandoned = b->abandoned;
	pthread_cond_signal(&b->cond);
	pthread_mutex_unlock(&b->lock);
	if (abandoned) {
		if (fd >= 0)
			close(fd);
		bounded_open_free(b);
	}
	return NULL;
}

static int start_open_thread(struct bounded_open *b)
{
	pthread_attr_t attr;
	pthread_t thread;
	int r;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = -pthread_create(&thread, &attr, open_in_thread, b);
	pthread_attr_destroy(&attr);
	return r;
}

int gc_open_bounded(int dir, const char *name, int flags, uint64_t limit_usec)
{
	struct bounded_open *b = calloc(1, sizeof(*b) + strlen(name) + 1);
	struct timespec deadline = deadline_after(limit_usec);
	int r;

	if (!b)
		return -ENOMEM;
	strcpy(b->name, name);
	b->flags = flags | O_CLOEXEC;
	b->dir = fcntl(dir, F_DUPFD_CLOEXEC, 3);
	pthread_mutex_init(&b->lock, NULL);
	r = b->dir < 0 ? negative_errno() : cond_init_monotonic(&b->cond);
	if (r >= 0)
		r = start_open_thread(b);
	if (r < 0) {
		if (b->dir >= 0)
			close(b->dir);
		pthread_mutex_destroy(&b->lock);
		free(b);
		return r;
	}
	pthread_mutex_lock(&b->lock);
	while (!b->done)
		if (pthread_cond_timedwait(&b->cond, &b->lock, &deadline) == ETIMEDOUT)
			break;
	b->abandoned = !b->done;
	r = b->done ? b->result : -ETIMEDOUT;
	pthread_mutex_unlock(&b->lock);
	if (!b->abandoned)
		bounded_open_free(b);
	return r;
}
