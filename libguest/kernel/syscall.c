/*
 * The Linux x86-64 syscall table musl uses, served at CPL0 without an exit
 * where possible. Anything not in `table` returns -ENOSYS (and is reported
 * to the VMM when `unikvm run --trace-nosys` asked for it). docs/syscalls.md
 * lists what is implemented, stubbed and missing; keep it in step.
 */
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>

#include "kernel.h"
#include "cpu.h"
#include "syscall.h"
#include "ksignal.h"
#include "sched.h"
#include "sock.h"
#include "unix_pair.h"

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define SELF_ID 1 /* the one process: its pid, and the main thread's tid */

typedef long (*syscall_fn)(const struct syscall_frame *f);

void frame_state(const struct syscall_frame *f, struct ukvm_cpu_state *st)
{
	*st = (struct ukvm_cpu_state){
	    .rax = f->nr,
	    .rbx = f->rbx,
	    .rdx = f->a3,
	    .rsi = f->a2,
	    .rdi = f->a1,
	    .rbp = f->rbp,
	    .rsp = f->rsp,
	    .r8 = f->a5,
	    .r9 = f->a6,
	    .r10 = f->a4,
	    .r12 = f->r12,
	    .r13 = f->r13,
	    .r14 = f->r14,
	    .r15 = f->r15,
	    .rip = f->rip,
	    .rflags = f->rflags,
	    .fs_base = rdmsr(MSR_FS_BASE),
	};
}

/* ---- process ------------------------------------------------------------ */

static long sys_arch_prctl(const struct syscall_frame *f)
{
	switch (f->a1) {
	case ARCH_SET_FS:
		if (f->a2 >> 47)
			return -EPERM; /* not canonical: wrmsr would #GP */
		wrmsr(MSR_FS_BASE, f->a2);
		current_thread()->fs_base = f->a2;
		return 0;
	case ARCH_GET_FS:
		if (!user_range_ok(f->a2, 8))
			return -EFAULT;
		*(uint64_t *)(uintptr_t)f->a2 = rdmsr(MSR_FS_BASE);
		return 0;
	default:
		return -EINVAL;
	}
}

static long sys_self_id(const struct syscall_frame *f)
{
	(void)f;
	return SELF_ID;
}

static long sys_getppid(const struct syscall_frame *f)
{
	(void)f;
	return 0;
}

/* ---- memory ------------------------------------------------------------- */

static long sys_brk(const struct syscall_frame *f)
{
	return mm_brk(f->a1);
}

static long sys_mmap(const struct syscall_frame *f)
{
	return mm_mmap(f->a1, f->a2, (int)f->a3, (int)f->a4, (int)f->a5, f->a6);
}

static long sys_munmap(const struct syscall_frame *f)
{
	return mm_munmap(f->a1, f->a2);
}

static long sys_mremap(const struct syscall_frame *f)
{
	return mm_mremap(f->a1, f->a2, f->a3, (int)f->a4, f->a5);
}

static long sys_ok(const struct syscall_frame *f)
{
	(void)f; /* mprotect, madvise: accepted, nothing to do */
	return 0;
}

static const syscall_fn table[] = {
    [SYS_read] = sys_read,
    [SYS_write] = sys_write,
    [SYS_readv] = sys_readv,
    [SYS_writev] = sys_writev,
    [SYS_pread64] = sys_pread64,
    [SYS_pwrite64] = sys_pwrite64,
    [SYS_preadv] = sys_preadv,
    [SYS_pwritev] = sys_pwritev,
    [SYS_open] = sys_open,
    [SYS_openat] = sys_openat,
    [SYS_creat] = sys_creat,
    [SYS_close] = sys_close,
    [SYS_dup] = sys_dup,
    [SYS_dup2] = sys_dup2,
    [SYS_dup3] = sys_dup3,
    [SYS_fcntl] = sys_fcntl,
    [SYS_pipe] = sys_pipe,
    [SYS_pipe2] = sys_pipe2,
    [SYS_socket] = sys_socket,
    [SYS_socketpair] = sys_socketpair,
    [SYS_sendto] = sys_sendto,
    [SYS_recvfrom] = sys_recvfrom,
    [SYS_sendmsg] = sys_sendmsg,
    [SYS_recvmsg] = sys_recvmsg,
    [SYS_shutdown] = sys_shutdown,
    [SYS_getsockopt] = sys_getsockopt,
    [SYS_getsockname] = sys_getsockname,
    [SYS_getpeername] = sys_getpeername,
    [SYS_setsockopt] = sys_setsockopt,
    [SYS_sendmmsg] = sys_sendmmsg,
    [SYS_recvmmsg] = sys_recvmmsg,
    [SYS_bind] = sys_bind,
    [SYS_connect] = sys_connect,
    [SYS_listen] = sys_listen,
    [SYS_accept] = sys_accept,
    [SYS_accept4] = sys_accept4,
    [SYS_sendfile] = sys_sendfile,
    [SYS_lseek] = sys_lseek,
    [SYS_ioctl] = sys_ioctl,
    [SYS_ftruncate] = sys_ftruncate,
    [SYS_fsync] = sys_fsync,
    [SYS_fdatasync] = sys_fdatasync,
    [SYS_fstat] = sys_fstat,
    [SYS_stat] = sys_stat,
    [SYS_lstat] = sys_lstat,
    [SYS_newfstatat] = sys_newfstatat,
    [SYS_statx] = sys_statx,
    [SYS_statfs] = sys_statfs,
    [SYS_fstatfs] = sys_fstatfs,
    [SYS_getdents64] = sys_getdents64,
    [SYS_mkdir] = sys_mkdir,
    [SYS_mkdirat] = sys_mkdirat,
    [SYS_unlink] = sys_unlink,
    [SYS_rmdir] = sys_rmdir,
    [SYS_unlinkat] = sys_unlinkat,
    [SYS_access] = sys_access,
    [SYS_faccessat] = sys_faccessat,
    [SYS_faccessat2] = sys_faccessat2,
    [SYS_rename] = sys_rename,
    [SYS_renameat] = sys_renameat,
    [SYS_renameat2] = sys_renameat2,
    [SYS_readlink] = sys_readlink,
    [SYS_readlinkat] = sys_readlinkat,
    [SYS_umask] = sys_umask,
    [SYS_getcwd] = sys_getcwd,
    [SYS_chdir] = sys_chdir,
    [SYS_fchdir] = sys_fchdir,
    [SYS_poll] = sys_poll,
    [SYS_ppoll] = sys_ppoll,
    [SYS_select] = sys_select,
    [SYS_pselect6] = sys_pselect6,
    [SYS_eventfd] = sys_eventfd,
    [SYS_eventfd2] = sys_eventfd2,
    [SYS_epoll_create] = sys_epoll_create,
    [SYS_epoll_create1] = sys_epoll_create1,
    [SYS_epoll_ctl] = sys_epoll_ctl,
    [SYS_epoll_wait] = sys_epoll_wait,
    [SYS_epoll_pwait] = sys_epoll_pwait,
    [SYS_epoll_pwait2] = sys_epoll_pwait2,
    [SYS_timerfd_create] = sys_timerfd_create,
    [SYS_timerfd_settime] = sys_timerfd_settime,
    [SYS_timerfd_gettime] = sys_timerfd_gettime,
    [SYS_flock] = sys_flock,
    [SYS_chmod] = sys_chmod,
    [SYS_fchmod] = sys_fchmod,
    [SYS_fchmodat] = sys_fchmodat,
    [SYS_utimensat] = sys_utimensat,
    [SYS_chown] = sys_chown,
    [SYS_lchown] = sys_lchown,
    [SYS_fchown] = sys_fchown,
    [SYS_fchownat] = sys_fchownat,
    [SYS_symlink] = sys_symlink,
    [SYS_symlinkat] = sys_symlinkat,
    [SYS_link] = sys_link,
    [SYS_linkat] = sys_linkat,
    [SYS_uname] = sys_uname,
    [SYS_sysinfo] = sys_sysinfo,
    [SYS_getrlimit] = sys_getrlimit,
    [SYS_setrlimit] = sys_setrlimit,
    [SYS_prlimit64] = sys_prlimit64,
    [SYS_sched_getaffinity] = sys_sched_getaffinity,
    [SYS_getuid] = sys_id_zero,
    [SYS_geteuid] = sys_id_zero,
    [SYS_getgid] = sys_id_zero,
    [SYS_getegid] = sys_id_zero,
    [SYS_getresuid] = sys_getresid,
    [SYS_getresgid] = sys_getresid,
    [SYS_getgroups] = sys_getgroups,
    [SYS_getrandom] = sys_getrandom,
    [SYS_clock_getres] = sys_clock_getres,
    [SYS_times] = sys_times,
    [SYS_getrusage] = sys_getrusage,
    [SYS_exit] = sys_exit,
    [SYS_exit_group] = sys_exit_group,
    [SYS_clone] = sys_clone,
    [SYS_futex] = sys_futex,
    [SYS_set_robust_list] = sys_set_robust_list,
    [SYS_get_robust_list] = sys_get_robust_list,
    [SYS_membarrier] = sys_membarrier,
    [SYS_arch_prctl] = sys_arch_prctl,
    [SYS_set_tid_address] = sys_set_tid_address,
    [SYS_getpid] = sys_self_id,
    [SYS_gettid] = sys_gettid,
    [SYS_getppid] = sys_getppid,
    [SYS_rt_sigprocmask] = sys_rt_sigprocmask,
    [SYS_rt_sigaction] = sys_rt_sigaction,
    [SYS_rt_sigreturn] = sys_rt_sigreturn,
    [SYS_rt_sigpending] = sys_rt_sigpending,
    [SYS_rt_sigsuspend] = sys_rt_sigsuspend,
    [SYS_rt_sigtimedwait] = sys_rt_sigtimedwait,
    [SYS_rt_sigqueueinfo] = sys_rt_sigqueueinfo,
    [SYS_rt_tgsigqueueinfo] = sys_rt_tgsigqueueinfo,
    [SYS_sigaltstack] = sys_sigaltstack,
    [SYS_pause] = sys_pause,
    [SYS_kill] = sys_kill,
    [SYS_tkill] = sys_tkill,
    [SYS_tgkill] = sys_tgkill,
    [SYS_alarm] = sys_alarm,
    [SYS_setitimer] = sys_setitimer,
    [SYS_getitimer] = sys_getitimer,
    [SYS_timer_create] = sys_timer_create,
    [SYS_timer_settime] = sys_timer_settime,
    [SYS_timer_gettime] = sys_timer_gettime,
    [SYS_timer_getoverrun] = sys_timer_getoverrun,
    [SYS_timer_delete] = sys_timer_delete,
    [SYS_brk] = sys_brk,
    [SYS_mmap] = sys_mmap,
    [SYS_munmap] = sys_munmap,
    [SYS_mremap] = sys_mremap,
    [SYS_mprotect] = sys_ok,
    [SYS_madvise] = sys_ok,
    [SYS_clock_gettime] = sys_clock_gettime,
    [SYS_nanosleep] = sys_nanosleep,
    [SYS_clock_nanosleep] = sys_clock_nanosleep,
    [SYS_sched_yield] = sys_sched_yield,
};

static long dispatch(const struct syscall_frame *f)
{
	if (f->nr < ARRAY_SIZE(table) && table[f->nr])
		return table[f->nr](f);
	if (boot_info.flags & UKVM_BOOT_TRACE_NOSYS) {
		struct ukvm_hc_nosys hc = {.nr = f->nr, .rip = f->rip};
		hc_nosys(&hc);
	}
	return -ENOSYS;
}

long syscall_dispatch(struct syscall_frame *f)
{
	current_thread()->frame = f; /* where it is, should it block for ever */
	long r = signal_syscall_return(f, dispatch(f));
	f->rflags = sched_user_rflags(f->rflags);
	return r;
}

void syscall_init(void)
{
	extern char syscall_entry[];
	/* STAR[47:32]: CS on entry (SS = CS + 8); FMASK clears TF IF DF AC NT. */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (uint64_t)0x08 << 32);
	wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)syscall_entry);
	wrmsr(MSR_FMASK, 0x47700);
}
