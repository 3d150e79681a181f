/* The frame syscall_entry (boot.asm) builds on the syscall stack. */
#ifndef LIBGUEST_SYSCALL_H
#define LIBGUEST_SYSCALL_H

#include <stdint.h>
#include <unikvm/abi.h>

struct syscall_frame {
	uint64_t nr;
	uint64_t a1, a2, a3, a4, a5, a6; /* rdi rsi rdx r10 r8 r9 */
	uint64_t rbx, rbp, r12, r13, r14, r15;
	uint64_t rflags, rip, rsp; /* the caller's r11, rcx and stack */
};
_Static_assert(sizeof(struct syscall_frame) == 16 * 8, "syscall frame size");

long syscall_dispatch(struct syscall_frame *f);
void syscall_init(void);

/* time.c */
long sys_clock_gettime(const struct syscall_frame *f);
long sys_nanosleep(const struct syscall_frame *f);
long sys_clock_nanosleep(const struct syscall_frame *f);

long sys_clock_getres(const struct syscall_frame *f);
long sys_times(const struct syscall_frame *f);
long sys_getrusage(const struct syscall_frame *f);
/* Sleeps ns nanoseconds; other threads run meanwhile. 0, or -EINTR when a
 * signal for the thread came first. */
int sleep_ns(uint64_t ns);
uint64_t time_uptime_ns(void);
/* The TSC value ns nanoseconds from now (saturating); ticks in ns. */
uint64_t tsc_after_ns(uint64_t ns);
uint64_t tsc_to_ns(uint64_t ticks);
/* The time of clock clk in ns (0, or -EINVAL for an unknown clock). */
int clock_now(int clk, uint64_t *ns);
/* A timespec of the program in ns: 0, -EFAULT or -EINVAL. */
int64_t read_timespec(uint64_t addr, uint64_t *ns);

/* syscall.c: the CPU state at the syscall, for a crash report */
struct ukvm_cpu_state;
void frame_state(const struct syscall_frame *f, struct ukvm_cpu_state *st);

/* files.c: the mount table, cwd and umask */
void files_init(void);
/* fd.c, files.c, system.c */
#define FILE_SYSCALL(name) long sys_##name(const struct syscall_frame *f);
/* clang-format off */
FILE_SYSCALL(read) FILE_SYSCALL(write) FILE_SYSCALL(readv) FILE_SYSCALL(writev)
FILE_SYSCALL(pread64) FILE_SYSCALL(pwrite64) FILE_SYSCALL(preadv) FILE_SYSCALL(pwritev)
FILE_SYSCALL(open) FILE_SYSCALL(openat) FILE_SYSCALL(creat) FILE_SYSCALL(close)
FILE_SYSCALL(dup) FILE_SYSCALL(dup2) FILE_SYSCALL(dup3) FILE_SYSCALL(fcntl)
FILE_SYSCALL(pipe) FILE_SYSCALL(pipe2) FILE_SYSCALL(lseek) FILE_SYSCALL(ioctl)
FILE_SYSCALL(ftruncate) FILE_SYSCALL(fsync) FILE_SYSCALL(fdatasync)
FILE_SYSCALL(fstat) FILE_SYSCALL(stat) FILE_SYSCALL(lstat) FILE_SYSCALL(newfstatat)
FILE_SYSCALL(statx) FILE_SYSCALL(getdents64) FILE_SYSCALL(mkdir) FILE_SYSCALL(mkdirat)
FILE_SYSCALL(unlink) FILE_SYSCALL(rmdir) FILE_SYSCALL(unlinkat) FILE_SYSCALL(access)
FILE_SYSCALL(faccessat) FILE_SYSCALL(faccessat2) FILE_SYSCALL(rename) FILE_SYSCALL(renameat)
FILE_SYSCALL(renameat2) FILE_SYSCALL(readlink) FILE_SYSCALL(readlinkat) FILE_SYSCALL(umask)
FILE_SYSCALL(getcwd) FILE_SYSCALL(chdir) FILE_SYSCALL(fchdir) FILE_SYSCALL(poll)
FILE_SYSCALL(ppoll) FILE_SYSCALL(chmod) FILE_SYSCALL(fchmod) FILE_SYSCALL(fchmodat)
FILE_SYSCALL(utimensat) FILE_SYSCALL(chown) FILE_SYSCALL(lchown) FILE_SYSCALL(fchown)
FILE_SYSCALL(fchownat) FILE_SYSCALL(symlink) FILE_SYSCALL(symlinkat) FILE_SYSCALL(link)
FILE_SYSCALL(linkat) FILE_SYSCALL(select) FILE_SYSCALL(pselect6) FILE_SYSCALL(flock)
FILE_SYSCALL(statfs) FILE_SYSCALL(fstatfs)
/* eventfd.c */
FILE_SYSCALL(eventfd) FILE_SYSCALL(eventfd2)
/* epoll.c */
FILE_SYSCALL(epoll_create) FILE_SYSCALL(epoll_create1) FILE_SYSCALL(epoll_ctl)
FILE_SYSCALL(epoll_wait) FILE_SYSCALL(epoll_pwait) FILE_SYSCALL(epoll_pwait2)
/* timerfd.c */
FILE_SYSCALL(timerfd_create) FILE_SYSCALL(timerfd_settime) FILE_SYSCALL(timerfd_gettime)
/* system.c */
FILE_SYSCALL(uname) FILE_SYSCALL(sysinfo) FILE_SYSCALL(getrlimit) FILE_SYSCALL(setrlimit)
FILE_SYSCALL(prlimit64) FILE_SYSCALL(sched_getaffinity) FILE_SYSCALL(id_zero)
FILE_SYSCALL(getresid) FILE_SYSCALL(getgroups) FILE_SYSCALL(getrandom)
/* clang-format on */
#undef FILE_SYSCALL

#endif
