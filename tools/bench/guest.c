/*
 * bench-guest: the unikernel side of unikvm-bench.
 *
 *   bench-guest hypercall N       N null hypercalls; prints "ns_per_call X"
 *   bench-guest console BYTES CHUNK
 *                                 writes BYTES to stdout, CHUNK bytes per
 *                                 write(2) (one hypercall each); prints
 *                                 "mb_per_s X" on stderr
 *   bench-guest syscall N         N getppid() syscalls, which libguest
 *                                 serves without an exit; "ns_per_call X"
 *   bench-guest dirread PATH      reads PATH (a --dir file) to its end,
 *                                 1 MiB per read(2); "mb_per_s X"
 *
 * The null hypercall is `nosys` with tracing off: the VMM copies its
 * 16-byte argument out of guest memory and returns, the least any
 * hypercall does. Times come from clock_gettime, which libguest serves
 * from the TSC without an exit.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <unikvm/abi.h>

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static unsigned long arg(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || v == 0) {
		fprintf(stderr, "bench-guest: '%s' is not a positive number\n", s);
		exit(2);
	}
	return v;
}

static void bench_hypercall(unsigned long n)
{
	static struct ukvm_hc_nosys a = {.nr = 0xffff};
	uint32_t gpa = (uint32_t)(uintptr_t)&a;
	double t0 = now_ns();
	for (unsigned long i = 0; i < n; i++)
		__asm__ volatile("outl %0, %w1"
				 :
				 : "a"(gpa), "Nd"(UKVM_HC_PORT_BASE + UKVM_HC_NOSYS)
				 : "memory");
	printf("ns_per_call %.1f\n", (now_ns() - t0) / (double)n);
}

static int bench_console(unsigned long bytes, unsigned long chunk)
{
	char *buf = malloc(chunk);
	if (!buf)
		return 1;
	memset(buf, 'x', chunk);
	double t0 = now_ns();
	for (unsigned long left = bytes; left;) {
		size_t len = left < chunk ? left : chunk;
		ssize_t w = write(1, buf, len);
		if (w <= 0) {
			perror("bench-guest: write");
			return 1;
		}
		left -= (unsigned long)w;
	}
	fprintf(stderr, "mb_per_s %.1f\n", (double)bytes / ((now_ns() - t0) / 1e9) / 1e6);
	return 0;
}

static void bench_syscall(unsigned long n)
{
	double t0 = now_ns();
	for (unsigned long i = 0; i < n; i++)
		syscall(SYS_getppid);
	printf("ns_per_call %.1f\n", (now_ns() - t0) / (double)n);
}

static int bench_dirread(const char *path)
{
	enum { CHUNK = 1 << 20 };
	char *buf = malloc(CHUNK);
	int fd = open(path, O_RDONLY);
	ssize_t n;
	double total = 0;

	if (!buf || fd < 0) {
		perror(path);
		return 1;
	}
	double t0 = now_ns();
	while ((n = read(fd, buf, CHUNK)) > 0)
		total += (double)n;
	if (n < 0) {
		perror(path);
		return 1;
	}
	printf("mb_per_s %.1f\n", total / ((now_ns() - t0) / 1e9) / 1e6);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "hypercall")) {
		bench_hypercall(arg(argv[2]));
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "console"))
		return bench_console(arg(argv[2]), arg(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "syscall")) {
		bench_syscall(arg(argv[2]));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "dirread"))
		return bench_dirread(argv[2]);
	fprintf(
	    stderr,
	    "usage: bench-guest hypercall N | console BYTES CHUNK | syscall N | dirread PATH\n");
	return 2;
}
