/* SPDX-License-Identifier: MIT */
#include "zfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "macro.h"
#include "util.h"

#define ZSTD_MAGIC 0xfd2fb528u

struct zfile {
	int fd;
	bool failed;
	bool plain; /* reading a file that is not zstd */
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	ZSTD_inBuffer in;
	uint8_t *buf; /* compressed bytes: output when writing, input when reading */
	size_t buf_size;
};

static void zfile_free(struct zfile *z)
{
	ZSTD_freeCCtx(z->cctx);
	ZSTD_freeDCtx(z->dctx);
	free(z->buf);
	free(z);
}

/* Compresses in until it is consumed (or, with end, the frame is finished). */
static int compress_out(struct zfile *z, ZSTD_inBuffer *in, ZSTD_EndDirective mode)
{
	size_t left;

	do {
		ZSTD_outBuffer out = {z->buf, z->buf_size, 0};

		left = ZSTD_compressStream2(z->cctx, &out, in, mode);
		if (ZSTD_isError(left) || gc_write_all(z->fd, z->buf, out.pos) < 0)
			return -EIO;
	} while (mode == ZSTD_e_end ? left > 0 : in->pos < in->size);
	return 0;
}

static ssize_t zwrite(void *cookie, const char *data, size_t size)
{
	struct zfile *z = cookie;
	ZSTD_inBuffer in = {data, size, 0};

	if (z->failed || compress_out(z, &in, ZSTD_e_continue) < 0) {
		z->failed = true;
		errno = EIO;
		return -1;
	}
	return (ssize_t)size;
}

static int zclose_write(void *cookie)
{
	struct zfile *z = cookie;
	ZSTD_inBuffer in = {NULL, 0, 0};
	bool ok = !z->failed && compress_out(z, &in, ZSTD_e_end) >= 0;

	zfile_free(z);
	return ok ? 0 : EOF;
}

FILE *gc_zfile_write(int fd, int level)
{
	struct zfile *z = calloc(1, sizeof(*z));
	FILE *f;

	if (!z)
		return NULL;
	z->fd = fd;
	z->buf_size = ZSTD_CStreamOutSize();
	z->buf = malloc(z->buf_size);
	z->cctx = ZSTD_createCCtx();
	if (!z->buf || !z->cctx ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, level))) {
		zfile_free(z);
		errno = ENOMEM;
		return NULL;
	}
	f = fopencookie(z, "w", (cookie_io_functions_t){.write = zwrite, .close = zclose_write});
	if (!f)
		zfile_free(z);
	return f;
}

static ssize_t fill(struct zfile *z)
{
	ssize_t n;

	do
		n = read(z->fd, z->buf, z->buf_size);
	while (n < 0 && errno == EINTR);
	z->in = (ZSTD_inBuffer){z->buf, n > 0 ? (size_t)n : 0, 0};
	return n;
}

/* The bytes left in the buffer, then the file itself. */
static ssize_t read_plain(struct zfile *z, char *data, size_t size)
{
	size_t n = MIN(size, z->in.size - z->in.pos);

	if (n == 0)
		return read(z->fd, data, size);
	memcpy(data, z->buf + z->in.pos, n);
	z->in.pos += n;
	return (ssize_t)n;
}

static ssize_t zread(void *cookie, char *data, size_t size)
{
	struct zfile *z = cookie;
	ZSTD_outBuffer out = {data, size, 0};

	if (z->plain)
		return read_plain(z, data, size);
	while (out.pos == 0) {
		size_t r;

		if (z->in.pos == z->in.size) {
			ssize_t n = fill(z);
			if (n <= 0)
				return n < 0 ? -1 : 0;
		}
		r = ZSTD_decompressStream(z->dctx, &out, &z->in);
		if (ZSTD_isError(r)) {
			errno = EBADMSG;
			return -1;
		}
	}
	return (ssize_t)out.pos;
}

static int zclose_read(void *cookie)
{
	zfile_free(cookie);
	return 0;
}

FILE *gc_zfile_read(int fd)
{
	struct zfile *z = calloc(1, sizeof(*z));
	uint32_t magic = 0;
	FILE *f;

	if (!z)
		return NULL;
	z->fd = fd;
	z->buf_size = ZSTD_DStreamInSize();
	z->buf = malloc(z->buf_size);
	z->dctx = ZSTD_createDCtx();
	if (!z->buf || !z->dctx || fill(z) < 0) {
		int e = z->buf && z->dctx ? errno : ENOMEM;
		zfile_free(z);
		errno = e;
		return NULL;
	}
	if (z->in.size >= 4)
		memcpy(&magic, z->buf, 4);
	z->plain = magic != ZSTD_MAGIC;
	f = fopencookie(z, "r", (cookie_io_functions_t){.read = zread, .close = zclose_read});
	if (!f)
		zfile_free(z);
	return f;
}
