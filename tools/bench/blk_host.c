/*
 * blk-bench-host FILE [DIVISOR]: the baseline of the block benchmark
 * (unikvm-bench): the host reading and writing FILE with pread/pwrite, one
 * request at a time, for each case of blk_plan.h. Prints
 * "host CASE MBPS IOPS" per case.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blk_plan.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	struct stat st;
	uint32_t div = bench_divisor(argc == 3 ? argv[2] : NULL);
	if (argc < 2 || argc > 3 || !div) {
		fprintf(stderr, "usage: blk-bench-host FILE [DIVISOR 1..256]\n");
		return 2;
	}
	int fd = open(argv[1], O_RDWR);
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(argv[1]);
		return 1;
	}
	char *buf = aligned_alloc(4096, 1 << 20);
	for (size_t i = 0; i < 1 << 20; i++)
		buf[i] = (char)i;
	for (size_t k = 0; k < BENCH_NCASES; k++) {
		const struct bench_case *c = &bench_cases[k];
		double t0 = now();
		uint32_t ops = c->ops / div;
		for (uint32_t i = 0; i < ops; i++) {
			off_t off = (off_t)bench_offset(c, i, (uint64_t)st.st_size);
			ssize_t n =
			    c->write ? pwrite(fd, buf, c->size, off) : pread(fd, buf, c->size, off);
			if (n != (ssize_t)c->size) {
				perror("pread/pwrite");
				return 1;
			}
		}
		double s = now() - t0;
		printf("host %s %.1f %.0f\n", c->name, (double)ops * c->size / s / 1e6, ops / s);
	}
	return 0;
}
