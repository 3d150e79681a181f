/*
 * Clocks from the TSC, with no exit. Once, at start, libguest reads its TSC,
 * asks the VMM for the host's clocks and the TSC rate (the clock
 * hypercall), reads its TSC again and pairs the host's time with the
 * midpoint, NTP-style: the error is at most half the round trip, of either
 * sign, and the clocks drift only as far as the TSC rate is off.
 */
#include <errno.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <time.h>

#include "kernel.h"
#include "cpu.h"
#include "syscall.h"
#include "sched.h"

#define NS_PER_S 1000000000u

static struct ukvm_hc_clock host; /* the host's clocks at tsc_at_boot */
static uint64_t tsc_at_boot;

void time_init(void)
{
	uint64_t before = rdtsc();
	hc_clock(&host);
	uint64_t after = rdtsc();
	tsc_at_boot = before + (after - before) / 2;
}

uint64_t tsc_per_ms(void)
{
	return host.tsc_khz;
}

static uint64_t ns_since_boot(void)
{
	uint64_t ticks = rdtsc() - tsc_at_boot;
	return (uint64_t)((unsigned __int128)ticks * 1000000u / host.tsc_khz);
}

/* The current time of clock clk in ns, or -EINVAL for an unknown clock. */
int clock_now(clockid_t clk, uint64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = host.realtime_ns + ns_since_boot();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = host.monotonic_ns + ns_since_boot();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
		*ns = ns_since_boot();
		return 0;
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = sched_thread_cpu_ns();
		return 0;
	default:
		return -EINVAL;
	}
}

long sys_clock_gettime(const struct syscall_frame *f)
{
	uint64_t ns;
	int r;

	if (!user_range_ok(f->a2, sizeof(struct timespec)))
		return -EFAULT;
	if ((r = clock_now((clockid_t)f->a1, &ns)))
		return r;
	struct timespec *ts = (struct timespec *)(uintptr_t)f->a2;
	ts->tv_sec = (time_t)(ns / NS_PER_S);
	ts->tv_nsec = (long)(ns % NS_PER_S);
	return 0;
}

/* Reads a timespec from the program: its value in ns, or -errno. */
int64_t read_timespec(uint64_t addr, uint64_t *ns)
{
	if (!user_range_ok(addr, sizeof(struct timespec)))
		return -EFAULT;
	struct timespec ts = *(const struct timespec *)(uintptr_t)addr;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)NS_PER_S)
		return -EINVAL;
	*ns = (uint64_t)ts.tv_sec > UINT64_MAX / NS_PER_S - 1
		  ? UINT64_MAX
		  : (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
	return 0;
}

uint64_t tsc_after_ns(uint64_t ns)
{
	unsigned __int128 ticks = (unsigned __int128)ns * host.tsc_khz / 1000000u;
	uint64_t now = rdtsc();
	return ticks > UINT64_MAX - now ? UINT64_MAX : now + (uint64_t)ticks;
}

uint64_t tsc_to_ns(uint64_t ticks)
{
	return (uint64_t)((unsigned __int128)ticks * 1000000u / host.tsc_khz);
}

/* Sleeps ns nanoseconds: the thread blocks, others run, and with none to
 * run the CPU halts (no exit, no CPU). 0, or -EINTR if a signal came. */
int sleep_ns(uint64_t ns)
{
	return sched_block(WAIT_SLEEP, 0, tsc_after_ns(ns)) == -EINTR ? -EINTR : 0;
}

/* Sleeps until the TSC reaches deadline; -EINTR with the time left in
 * rem (if not 0) when a signal interrupts it. */
static long sleep_until(uint64_t deadline, uint64_t rem)
{
	if (sched_block(WAIT_SLEEP, 0, deadline) != -EINTR)
		return 0;
	if (rem && user_range_ok(rem, sizeof(struct timespec))) {
		uint64_t now = rdtsc(), left = deadline > now ? tsc_to_ns(deadline - now) : 0;
		*(struct timespec *)(uintptr_t)rem =
		    (struct timespec){(time_t)(left / NS_PER_S), (long)(left % NS_PER_S)};
	}
	return -EINTR;
}

long sys_nanosleep(const struct syscall_frame *f)
{
	uint64_t ns;
	int64_t r = read_timespec(f->a1, &ns);
	if (r)
		return r;
	if (f->a2 && !user_range_ok(f->a2, sizeof(struct timespec)))
		return -EFAULT;
	return sleep_until(tsc_after_ns(ns), f->a2) ? -ERESTART_RESTARTBLOCK : 0;
}

long sys_clock_nanosleep(const struct syscall_frame *f)
{
	uint64_t ns, now;
	clockid_t clk = (clockid_t)f->a1;
	int64_t r;

	if (clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if ((r = clock_now(clk, &now)) || (r = read_timespec(f->a3, &ns)))
		return r;
	if (f->a2 & TIMER_ABSTIME) /* no time left to report; EINTR after a handler */
		return sleep_until(tsc_after_ns(ns > now ? ns - now : 0), 0) ? -ERESTARTNOHAND : 0;
	return sleep_until(tsc_after_ns(ns), f->a4) ? -ERESTART_RESTARTBLOCK : 0;
}

uint64_t time_uptime_ns(void)
{
	return ns_since_boot();
}

long sys_clock_getres(const struct syscall_frame *f)
{
	uint64_t ns;
	int r = clock_now((clockid_t)f->a1, &ns);
	if (r)
		return r;
	if (!f->a2)
		return 0;
	if (!user_range_ok(f->a2, sizeof(struct timespec)))
		return -EFAULT;
	*(struct timespec *)(uintptr_t)f->a2 = (struct timespec){0, 1}; /* the TSC: 1 ns */
	return 0;
}

/* CPU time: the guest runs whenever it is not asleep, all of it "user". */
#define CLK_TCK 100

long sys_times(const struct syscall_frame *f)
{
	uint64_t ticks = ns_since_boot() / (NS_PER_S / CLK_TCK);
	if (f->a1) {
		if (!user_range_ok(f->a1, sizeof(struct tms)))
			return -EFAULT;
		*(struct tms *)(uintptr_t)f->a1 = (struct tms){.tms_utime = (clock_t)ticks};
	}
	return (long)ticks;
}

long sys_getrusage(const struct syscall_frame *f)
{
	int64_t who = (int64_t)f->a1;
	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
		return -EINVAL;
	if (!user_range_ok(f->a2, sizeof(struct rusage)))
		return -EFAULT;
	struct rusage *ru = (struct rusage *)(uintptr_t)f->a2;
	kmemset(ru, 0, sizeof(*ru));
	if (who != RUSAGE_CHILDREN) {
		uint64_t us = ns_since_boot() / 1000;
		ru->ru_utime =
		    (struct timeval){(time_t)(us / 1000000), (suseconds_t)(us % 1000000)};
	}
	return 0;
}
