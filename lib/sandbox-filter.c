/* SPDX-License-Identifier: MIT */
#include "sandbox-filter.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GC_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define GC_ASAN 1
#endif

#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#endif

#if defined(FILTER_ARCH) && !defined(GC_ASAN)
/* The calls the child makes, each for a reason: stdio and zstd on the fds it was given,
 * openat for the files the core's NT_FILE note names (inside the crashed process's root,
 * where the child is chrooted), malloc, its own ids, glibc's qsort (sysinfo) and abort().
 * Nothing that makes a process, a socket, or reaches another process. */
static const int allowed[] = {
    SYS_read,	   SYS_write,	     SYS_readv,		 SYS_writev,	 SYS_pread64,
    SYS_lseek,	   SYS_close,	     SYS_fstat,		 SYS_newfstatat, SYS_statx,
    SYS_fcntl,	   SYS_openat,	     SYS_mmap,		 SYS_munmap,	 SYS_mremap,
    SYS_brk,	   SYS_madvise,	     SYS_mprotect,	 SYS_futex,	 SYS_clock_gettime,
    SYS_getrandom, SYS_rt_sigreturn, SYS_rt_sigprocmask, SYS_getpid,	 SYS_gettid,
    SYS_getppid,   SYS_getuid,	     SYS_geteuid,	 SYS_getgid,	 SYS_getegid,
    SYS_sysinfo,   SYS_sched_yield,  SYS_exit,		 SYS_exit_group,
};

#define STMT(code, k)	      (struct sock_filter) BPF_STMT((code), (k))
#define JUMP(code, k, jt, jf) (struct sock_filter) BPF_JUMP((code), (k), (jt), (jf))
#define LOAD(field)	      STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define RET(action)	      STMT(BPF_RET | BPF_K, (action))
#define KILL		      RET(SECCOMP_RET_KILL_PROCESS)
/* The instruction after it runs when A == k; the one after that otherwise. */
#define IF_EQUAL(k) JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), 0, 1)

bool gc_sandbox_filter_supported(void)
{
	return true;
}

int gc_sandbox_filter_install(void)
{
	struct sock_filter program[8 + 2 * ELEMENTSOF(allowed) + 12];
	struct sock_fprog fprog = {.filter = program};
	unsigned n = 0;

	program[n++] = LOAD(arch);
	program[n++] = IF_EQUAL(FILTER_ARCH);
	program[n++] = JUMP(BPF_JMP | BPF_JA, 1, 0, 0);
	program[n++] = KILL;
	program[n++] = LOAD(nr);
#ifdef __x86_64__
	/* The x32 ABI reaches the same calls under other numbers. */
	program[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);
	program[n++] = KILL;
#endif
	for (size_t i = 0; i < ELEMENTSOF(allowed); i++) {
		program[n++] = IF_EQUAL(allowed[i]);
		program[n++] = RET(SECCOMP_RET_ALLOW);
	}
	/* stdio asks whether a character device is a terminal: it is not. */
	program[n++] = IF_EQUAL(SYS_ioctl);
	program[n++] = RET(SECCOMP_RET_ERRNO | ENOTTY);
	/* libdw asks where the executable's fd leads (/proc/self/fd/N), to look for separate
	 * debug files beside it: there are none to find here. */
#ifdef SYS_readlink
	program[n++] = IF_EQUAL(SYS_readlink);
	program[n++] = RET(SECCOMP_RET_ERRNO | ENOENT);
#endif
	program[n++] = IF_EQUAL(SYS_readlinkat);
	program[n++] = RET(SECCOMP_RET_ERRNO | ENOENT);
	/* abort() signals itself, and only itself. Last: it changes A. */
	program[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_tgkill, 0, 3);
	program[n++] = LOAD(args[0]);
	program[n++] = IF_EQUAL((unsigned)getpid());
	program[n++] = RET(SECCOMP_RET_ALLOW);
	program[n++] = KILL;
	fprog.len = n;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) < 0)
		return negative_errno();
	return 0;
}
#else
bool gc_sandbox_filter_supported(void)
{
	return false;
}

int gc_sandbox_filter_install(void)
{
	return -EOPNOTSUPP;
}
#endif
