/*
 * clockcheck: do the guest's clocks agree with the host's? Runs
 * `UNIKVM run CLOCK ticks N`, whose guest prints CLOCK_REALTIME and
 * CLOCK_MONOTONIC once a second on stderr, and stamps each line with the
 * host's clocks as it arrives. For each clock, offset = host - guest is the
 * clocks' disagreement plus the line's delivery latency (never negative,
 * noisy); the minimum over each window of WINDOW lines filters that noise
 * out.
 *
 * usage: clockcheck UNIKVM CLOCK_IMAGE SECONDS MAX_US
 * Exit 0 if, for both clocks, every window's offset is within +-MAX_US;
 * 1 otherwise.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WINDOW 5
#define MAX_LINES 4096

static long long now_ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long min_of(const long long *v, int from, int to)
{
	long long m = v[from];
	for (int i = from + 1; i < to; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

int main(int argc, char **argv)
{
	static long long off[2][MAX_LINES];
	int fds[2], n = 0, fail = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: clockcheck UNIKVM CLOCK_IMAGE SECONDS MAX_US\n");
		return 2;
	}
	long long max_off = atoll(argv[4]) * 1000;
	if (pipe(fds) < 0)
		return 2;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		execl(argv[1], argv[1], "run", argv[2], "ticks", argv[3], (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	FILE *in = fdopen(fds[0], "r");
	long long g_rt, g_mono;
	while (n < MAX_LINES && fscanf(in, "%lld %lld", &g_rt, &g_mono) == 2) {
		off[0][n] = now_ns(CLOCK_REALTIME) - g_rt;
		off[1][n] = now_ns(CLOCK_MONOTONIC) - g_mono;
		n++;
	}
	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || n < 2 * WINDOW) {
		fprintf(stderr, "clockcheck: the guest ran badly (%d lines, status 0x%x)\n", n,
			status);
		return 1;
	}
	const char *names[2] = {"CLOCK_REALTIME", "CLOCK_MONOTONIC"};
	for (int c = 0; c < 2; c++) {
		long long lo = 0, hi = 0;
		for (int w = 0; w + WINDOW <= n; w += WINDOW) {
			long long m = min_of(off[c], w, w + WINDOW);
			if (w == 0 || m < lo)
				lo = m;
			if (w == 0 || m > hi)
				hi = m;
		}
		printf("%s: %d samples over %d s: host - guest between %.3f and %.3f ms "
		       "(windows of %d)\n",
		       names[c], n, n - 1, lo / 1e6, hi / 1e6, WINDOW);
		if (lo < -max_off || hi > max_off) {
			printf("  FAIL: outside +-%.3f ms\n", max_off / 1e6);
			fail = 1;
		}
	}
	return fail;
}
