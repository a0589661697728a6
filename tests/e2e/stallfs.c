/* SPDX-License-Identifier: MIT */
/* stallfs MOUNTPOINT FILE [START END]: a FUSE file system, spoken straight to /dev/fuse, that
 * serves one file (FILE's bytes, as MOUNTPOINT/exe) until SIGUSR1, and from then on never
 * answers an open: the stalled FUSE server a crashed program's executable may live on. Reads
 * keep being answered, so that the running program goes on; after SIGUSR2, those that reach
 * into bytes START to END (a part the program does not run, such as its DWARF) are not.
 * SIGTERM (or the test's end) closes the connection, which fails every request still
 * waiting. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define FILE_NODE 2

static volatile sig_atomic_t stalled, reads_stalled;
static char *data;
static size_t data_size;
static unsigned long long stall_start, stall_end;

static void on_usr1(int sig)
{
	stalled = 1;
}

static void on_usr2(int sig)
{
	reads_stalled = 1;
}

static void reply(int fuse, uint64_t unique, int error, const void *out, size_t size)
{
	struct fuse_out_header h = {.len = sizeof(h) + size, .error = error, .unique = unique};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)out, size}};

	if (writev(fuse, iov, size ? 2 : 1) < 0 && errno != ENOENT)
		perror("stallfs: reply");
}

static void fill_attr(uint64_t node, struct fuse_attr *a)
{
	*a = (struct fuse_attr){.ino = node, .nlink = 1, .blksize = 4096};
	if (node == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
		return;
	}
	a->mode = S_IFREG | 0755;
	a->size = data_size;
	a->blocks = (data_size + 511) / 512;
}

static void do_lookup(int fuse, const struct fuse_in_header *in, const char *name)
{
	struct fuse_entry_out e = {
	    .nodeid = FILE_NODE, .generation = 1, .entry_valid = 3600, .attr_valid = 3600};

	if (in->nodeid != FUSE_ROOT_ID || strcmp(name, "exe") != 0) {
		reply(fuse, in->unique, -ENOENT, NULL, 0);
		return;
	}
	fill_attr(FILE_NODE, &e.attr);
	reply(fuse, in->unique, 0, &e, sizeof(e));
}

static void do_read(int fuse, const struct fuse_in_header *in, const struct fuse_read_in *r)
{
	size_t size = r->offset >= data_size ? 0 : data_size - r->offset;

	if (reads_stalled && r->offset < stall_end && r->offset + r->size > stall_start) {
		fprintf(stderr, "stallfs: a read, left unanswered\n");
		return;
	}
	if (size > r->size)
		size = r->size;
	reply(fuse, in->unique, 0, data + (r->offset < data_size ? r->offset : 0), size);
}

static void handle(int fuse, const struct fuse_in_header *in, const void *arg)
{
	switch (in->opcode) {
	case FUSE_INIT: {
		const struct fuse_init_in *i = arg;
		struct fuse_init_out o = {.major = FUSE_KERNEL_VERSION,
					  .minor = FUSE_KERNEL_MINOR_VERSION,
					  .max_readahead = i->max_readahead,
					  .max_background = 16,
					  .congestion_threshold = 12,
					  .max_write = 4096,
					  .time_gran = 1};
		reply(fuse, in->unique, 0, &o, sizeof(o));
		break;
	}
	case FUSE_LOOKUP:
		do_lookup(fuse, in, arg);
		break;
	case FUSE_GETATTR: {
		struct fuse_attr_out o = {.attr_valid = 3600};
		fill_attr(in->nodeid, &o.attr);
		reply(fuse, in->unique, 0, &o, sizeof(o));
		break;
	}
	case FUSE_OPEN: {
		struct fuse_open_out o = {.fh = 1, .open_flags = FOPEN_KEEP_CACHE};
		if (stalled) {
			fprintf(stderr, "stallfs: an open, left unanswered\n");
			break;
		}
		reply(fuse, in->unique, 0, &o, sizeof(o));
		break;
	}
	case FUSE_READ:
		do_read(fuse, in, arg);
		break;
	case FUSE_RELEASE:
	case FUSE_FLUSH:
		reply(fuse, in->unique, 0, NULL, 0);
		break;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		break; /* no answer expected (an interrupted open stays unanswered) */
	default:
		reply(fuse, in->unique, -ENOSYS, NULL, 0);
	}
}

static int load(const char *path)
{
	FILE *f = fopen(path, "rb");
	long size;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0)
		return -1;
	data_size = size;
	data = malloc(data_size + 1);
	if (!data || fread(data, 1, data_size, f) != data_size)
		return -1;
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[(1 << 20) + 4096];
	struct sigaction sa = {.sa_handler = on_usr1}, sa2 = {.sa_handler = on_usr2};
	char options[128];
	int fuse;

	if ((argc != 3 && argc != 5) || load(argv[2]) < 0) {
		fprintf(stderr, "usage: stallfs MOUNTPOINT FILE [START END]\n");
		return 2;
	}
	if (argc == 5) {
		stall_start = strtoull(argv[3], NULL, 0);
		stall_end = strtoull(argv[4], NULL, 0);
	}
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa2, NULL);
	fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fuse < 0) {
		perror("stallfs: /dev/fuse");
		return 77;
	}
	snprintf(options, sizeof(options), "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other",
		 fuse);
	if (mount("stallfs", argv[1], "fuse.stallfs", MS_NOSUID | MS_NODEV, options) < 0) {
		perror("stallfs: mount");
		return 77;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		ssize_t n = read(fuse, buf, sizeof(buf));

		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue;
		if (n < (ssize_t)sizeof(struct fuse_in_header))
			break; /* ENODEV: unmounted */
		handle(fuse, (const struct fuse_in_header *)buf,
		       buf + sizeof(struct fuse_in_header));
	}
	return 0;
}
