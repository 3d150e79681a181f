/*
 * Clocks from the TSC, with no exit: the VMM read the guest TSC and the
 * host's clocks at the same moment (boot info), and gives the TSC rate.
 */
#include <errno.h>
#include <time.h>

#include "kernel.h"
#include "cpu.h"
#include "syscall.h"

static uint64_t ns_since_boot(void)
{
	uint64_t ticks = rdtsc() - boot_info.tsc_at_boot;
	return (uint64_t)((unsigned __int128)ticks * 1000000u / boot_info.tsc_khz);
}

long sys_clock_gettime(const struct syscall_frame *f)
{
	uint64_t ns;

	if (!user_range_ok(f->a2, sizeof(struct timespec)))
		return -EFAULT;
	switch ((clockid_t)f->a1) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		ns = boot_info.realtime_ns + ns_since_boot();
		break;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		ns = boot_info.monotonic_ns + ns_since_boot();
		break;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		ns = ns_since_boot();
		break;
	default:
		return -EINVAL;
	}
	struct timespec *ts = (struct timespec *)(uintptr_t)f->a2;
	ts->tv_sec = (time_t)(ns / 1000000000u);
	ts->tv_nsec = (long)(ns % 1000000000u);
	return 0;
}
