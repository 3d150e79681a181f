/*
 * blk-bench-guest [DIVISOR [CASE QD]]: the guest side of the block
 * benchmark (unikvm-bench). For each case of blk_plan.h, on disk 0, at
 * queue depth 1 (blk_read/blk_write) and 32 (blk_submit/blk_wait), or only
 * CASE at QD (1 or 32), for the per-request counts of --stats. Prints
 * "guest CASE QD MBPS IOPS".
 */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unikvm/blk.h>

#include "blk_plan.h"

#define QD 32

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int run(const struct bench_case *c, uint32_t ops, uint64_t bytes, unsigned qd, char **bufs)
{
	uint32_t next = 0, done = 0;
	int busy[QD] = {0};
	struct blk_completion comp[QD];

	if (qd == 1) {
		for (uint32_t i = 0; i < ops; i++) {
			uint64_t sector = bench_offset(c, i, bytes) / 512;
			int st = c->write ? blk_write(0, sector, bufs[0], c->size)
					  : blk_read(0, sector, bufs[0], c->size);
			if (st)
				return st;
		}
		return 0;
	}
	while (done < ops) {
		for (unsigned q = 0; q < qd && next < ops; q++) {
			if (busy[q])
				continue;
			uint64_t sector = bench_offset(c, next, bytes) / 512;
			int st = blk_submit(0, c->write ? BLK_OP_WRITE : BLK_OP_READ, sector,
					    bufs[q], c->size, q);
			if (st)
				return st;
			busy[q] = 1;
			next++;
		}
		int k = blk_wait(0, comp, QD);
		for (int i = 0; i < k; i++) {
			if (comp[i].status)
				return comp[i].status;
			busy[comp[i].cookie] = 0;
			done++;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct blk_info info;
	char *bufs[QD];
	uint32_t div = bench_divisor(argc >= 2 ? argv[1] : NULL);
	const char *only = argc == 4 ? argv[2] : NULL;
	unsigned only_qd = argc == 4 ? (unsigned)atoi(argv[3]) : 0;
	int ran = 0;

	if ((argc != 1 && argc != 2 && argc != 4) || !div ||
	    (only && only_qd != 1 && only_qd != QD)) {
		fprintf(stderr, "usage: blk-bench-guest [DIVISOR 1..256 [CASE 1|32]]\n");
		return 2;
	}
	if (blk_info(0, &info) || info.sector_size != 512) {
		fprintf(stderr, "blk-bench-guest: needs disk 0 with 512-byte sectors\n");
		return 1;
	}
	uint64_t bytes = info.sectors * 512;
	for (int q = 0; q < QD; q++) {
		bufs[q] = aligned_alloc(4096, 1 << 20);
		for (int i = 0; i < 1 << 20; i++)
			bufs[q][i] = (char)i;
	}
	for (size_t k = 0; k < BENCH_NCASES; k++) {
		const struct bench_case *c = &bench_cases[k];
		if (only && strcmp(only, c->name))
			continue;
		for (unsigned qd = 1; qd <= QD; qd += QD - 1) {
			if (only && qd != only_qd)
				continue;
			double t0 = now();
			uint32_t ops = c->ops / div;
			int st = run(c, ops, bytes, qd, bufs);
			double s = now() - t0;
			if (st) {
				fprintf(stderr, "blk-bench-guest: %s: %s\n", c->name,
					blk_strstatus(st));
				return 1;
			}
			ran = 1;
			printf("guest %s %u %.1f %.0f\n", c->name, qd,
			       (double)ops * c->size / s / 1e6, ops / s);
			fflush(stdout);
		}
	}
	if (only && !ran) {
		fprintf(stderr, "blk-bench-guest: no case '%s' (blk_plan.h)\n", only);
		return 2;
	}
	return blk_flush(0) ? 1 : 0;
}
