/*
 * clock: time inside the guest.
 *   clock sleep MS     sleeps MS milliseconds with nanosleep, prints how long
 *                      it took on CLOCK_MONOTONIC (ms, rounded down)
 *   clock now          prints CLOCK_REALTIME and CLOCK_MONOTONIC in ns
 *   clock ticks N      prints CLOCK_REALTIME and CLOCK_MONOTONIC in ns on
 *                      stderr (unbuffered) once a second, N times
 *   clock spin         loops for ever (for --timeout and signal tests)
 *   clock sleep-lost MS  as sleep, with the LAPIC timer's interrupt masked
 *                      first: its wake-up is lost, as a nested KVM can lose
 *                      one, and only the VMM's wake-up backstop ends the sleep
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Masks the x2APIC timer's LVT entry (unikernels run at CPL0). */
static void mask_timer_interrupt(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x832));
	lo |= 1u << 16;
	__asm__ volatile("wrmsr" ::"a"(lo), "d"(hi), "c"(0x832));
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "sleep-lost")) {
		mask_timer_interrupt();
		argv[1] = "sleep";
	}
	if (argc == 3 && !strcmp(argv[1], "sleep")) {
		long ms = atol(argv[2]);
		struct timespec req = {ms / 1000, (ms % 1000) * 1000000};
		int64_t t0 = now_ns(CLOCK_MONOTONIC);
		if (nanosleep(&req, NULL) != 0)
			return 1;
		printf("slept %lld ms\n", (long long)((now_ns(CLOCK_MONOTONIC) - t0) / 1000000));
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "now")) {
		printf("%lld %lld\n", (long long)now_ns(CLOCK_REALTIME),
		       (long long)now_ns(CLOCK_MONOTONIC));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "ticks")) {
		for (int i = 0; i < atoi(argv[2]); i++) {
			fprintf(stderr, "%lld %lld\n", (long long)now_ns(CLOCK_REALTIME),
				(long long)now_ns(CLOCK_MONOTONIC));
			sleep(1);
		}
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "spin")) {
		printf("spinning\n");
		fflush(stdout);
		for (volatile unsigned long i = 0;; i++)
			;
	}
	fprintf(stderr, "usage: clock sleep MS | sleep-lost MS | now | ticks N | spin\n");
	return 2;
}
