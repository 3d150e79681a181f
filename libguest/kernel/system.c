/*
 * What portable programs ask of the system: identity (uname, ids),
 * resources (sysinfo, rlimits, CPUs) and randomness. The guest is one
 * process of one thread on one CPU, running as root in its own VM;
 * docs/syscalls.md lists the values.
 */
#include <errno.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#include "kernel.h"
#include "fd.h"
#include "syscall.h"
#include "sched.h"

long sys_uname(const struct syscall_frame *f)
{
	static const struct utsname u = {
	    .sysname = "Linux",
	    .nodename = "unikvm",
	    .release = "6.1.0-unikvm",
	    .version = "#1 unikvm",
	    .machine = "x86_64",
	    .domainname = "(none)",
	};
	if (!user_range_ok(f->a1, sizeof(u)))
		return -EFAULT;
	kmemcpy((void *)(uintptr_t)f->a1, &u, sizeof(u));
	return 0;
}

long sys_sysinfo(const struct syscall_frame *f)
{
	if (!user_range_ok(f->a1, sizeof(struct sysinfo)))
		return -EFAULT;
	struct sysinfo *si = (struct sysinfo *)(uintptr_t)f->a1;
	kmemset(si, 0, sizeof(*si));
	si->uptime = (long)(time_uptime_ns() / 1000000000u);
	si->totalram = boot_info.mem_size;
	si->freeram = mm_free_bytes();
	si->procs = (uint16_t)sched_thread_count(); /* tasks, as Linux counts them */
	si->mem_unit = 1;
	return 0;
}

/* ---- resource limits: kept; RLIMIT_NOFILE limits new fds (fd.c) -------- */

static struct rlimit limits[RLIM_NLIMITS];
static int limits_ready;

static void limits_init(void)
{
	for (unsigned i = 0; i < RLIM_NLIMITS; i++)
		limits[i] = (struct rlimit){RLIM_INFINITY, RLIM_INFINITY};
	limits[RLIMIT_STACK] = (struct rlimit){boot_info.stack_size, boot_info.stack_size};
	limits[RLIMIT_NOFILE] = (struct rlimit){FD_MAX, FD_MAX};
	limits[RLIMIT_NPROC] = (struct rlimit){THREADS_MAX, THREADS_MAX};
	limits[RLIMIT_CORE] = (struct rlimit){0, RLIM_INFINITY};
	limits[RLIMIT_AS] = limits[RLIMIT_DATA] =
	    (struct rlimit){boot_info.mem_size, boot_info.mem_size};
	limits_ready = 1;
}

uint64_t rlimit_cur(unsigned res)
{
	if (!limits_ready)
		limits_init();
	return limits[res].rlim_cur;
}

static long do_prlimit(uint64_t pid, uint64_t res, uint64_t new, uint64_t old)
{
	if (pid != 0 && pid != 1)
		return -ESRCH;
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	if (!limits_ready)
		limits_init();
	if ((new && !user_range_ok(new, sizeof(struct rlimit))) ||
	    (old && !user_range_ok(old, sizeof(struct rlimit))))
		return -EFAULT;
	struct rlimit nl = new ? *(const struct rlimit *)(uintptr_t) new : limits[res];
	if (nl.rlim_cur > nl.rlim_max)
		return -EINVAL;
	if (new &&nl.rlim_max > limits[res].rlim_max)
		return -EPERM; /* nothing to raise it to */
	if (old)
		*(struct rlimit *)(uintptr_t)old = limits[res];
	limits[res] = nl;
	return 0;
}

long sys_getrlimit(const struct syscall_frame *f)
{
	return do_prlimit(0, f->a1, 0, f->a2);
}
long sys_setrlimit(const struct syscall_frame *f)
{
	return do_prlimit(0, f->a1, f->a2, 0);
}
long sys_prlimit64(const struct syscall_frame *f)
{
	return do_prlimit(f->a1, f->a2, f->a3, f->a4);
}

long sys_sched_getaffinity(const struct syscall_frame *f)
{
	if (f->a1 != 0 && f->a1 != 1)
		return -ESRCH;
	if (f->a2 < 8 || f->a2 % 8)
		return -EINVAL;
	if (!user_range_ok(f->a3, 8))
		return -EFAULT;
	*(uint64_t *)(uintptr_t)f->a3 = 1; /* CPU 0 only */
	return 8;
}

long sys_id_zero(const struct syscall_frame *f)
{
	(void)f; /* getuid, geteuid, getgid, getegid: root of its own VM */
	return 0;
}

long sys_getresid(const struct syscall_frame *f)
{
	uint64_t p[3] = {f->a1, f->a2, f->a3};
	for (int i = 0; i < 3; i++)
		if (!user_range_ok(p[i], 4))
			return -EFAULT;
	for (int i = 0; i < 3; i++)
		*(uint32_t *)(uintptr_t)p[i] = 0;
	return 0;
}

long sys_getgroups(const struct syscall_frame *f)
{
	(void)f;
	return 0; /* no supplementary groups */
}

long sys_getrandom(const struct syscall_frame *f)
{
	uint64_t buf = f->a1, len = f->a2, done = 0;

	if (f->a3 & ~(uint64_t)7) /* GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE */
		return -EINVAL;
	if (len > (uint64_t)INT32_MAX)
		len = INT32_MAX;
	if (!user_range_ok(buf, len))
		return -EFAULT;
	while (done < len) {
		struct ukvm_hc_fs_buf hc = {.buf = buf + done, .len = len - done};
		hc_random(&hc);
		if (hc.ret <= 0)
			return done ? (long)done : hc.ret;
		done += (uint64_t)hc.ret;
	}
	return (long)done;
}
