/*
 * blk: the block driver's test guest, through the public API (unikvm/blk.h).
 * One mode per first argument; tests/CMakeLists.txt and tests/scripts/blk-*
 * hold the expectations.
 *
 *   pattern   every disk: generation 1 written and read back at QD1 with
 *             many request sizes, then generation 2 written and read back
 *             at QD32 on all disks at once. Leaves generation 2 on every
 *             disk for the host to cmp.
 *   bad       each bad request class on disk 0 (rw) and disk 1 (ro), with
 *             its status.
 *   edge      geometry of every disk; the last sector read and rewritten
 *             (generation 3), the first beyond the end refused.
 *   durable   generation 4 on the first 64 KiB of disk 0, flush, say so,
 *             then sleep until killed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <unikvm/blk.h>

#include "blk_pattern.h"

#define QD 32
#define MAX_SECTORS 256 /* per request in the pattern runs */

static const unsigned sizes[] = {1, 2, 3, 8, 7, 16, 15, 64, 1, 255, 128, 4, 256, 31, 32, 5};
static const unsigned read_sizes[] = {3, 256, 1, 17, 64, 2, 100, 8, 129, 33};

static int failed;

static void fail(const char *what, unsigned disk, uint64_t sector, int st)
{
	printf("FAIL: %s disk %u sector %llu: %s (%d)\n", what, disk, (unsigned long long)sector,
	       blk_strstatus(st), st);
	failed = 1;
}

static int check(const void *buf, unsigned disk, unsigned gen, uint64_t sector, size_t len,
		 uint32_t ssz)
{
	size_t at = blk_pattern_diff(buf, disk, gen, sector * ssz, len);
	if (at == len)
		return 0;
	printf("FAIL: disk %u gen %u: wrong data at byte %llu\n", disk, gen,
	       (unsigned long long)(sector * ssz + at));
	failed = 1;
	return -1;
}

/* One pass over disk: write (or read and check) generation gen in
 * requests of sizes[] sectors, one at a time. */
static void qd1_pass(unsigned disk, const struct blk_info *in, unsigned gen, int write,
		     const unsigned *sz, size_t nsz, char *buf)
{
	uint64_t s = 0;
	for (size_t i = 0; s < in->sectors; i++) {
		uint64_t n = sz[i % nsz];
		if (n > in->sectors - s)
			n = in->sectors - s;
		size_t len = (size_t)n * in->sector_size;
		int st;
		if (write) {
			blk_pattern_fill(buf, disk, gen, s * in->sector_size, len);
			st = blk_write(disk, s, buf, len);
		} else {
			memset(buf, 0, len);
			st = blk_read(disk, s, buf, len);
			if (st == 0)
				check(buf, disk, gen, s, len, in->sector_size);
		}
		if (st)
			fail(write ? "write" : "read", disk, s, st);
		s += n;
	}
}

struct stream {
	struct blk_info info;
	uint64_t next; /* next sector to submit */
	size_t turn;   /* index into the sizes */
	char *buf[QD];
	uint64_t sector[QD];
	size_t len[QD];
	int busy[QD];
};

static int stream_submit(unsigned disk, struct stream *st, unsigned gen, int write)
{
	for (unsigned q = 0; q < QD && st->next < st->info.sectors; q++) {
		if (st->busy[q])
			continue;
		uint64_t n = (write ? sizes : read_sizes)[st->turn++ % (write ? 16 : 10)];
		if (n > st->info.sectors - st->next)
			n = st->info.sectors - st->next;
		size_t len = (size_t)n * st->info.sector_size;
		if (write)
			blk_pattern_fill(st->buf[q], disk, gen, st->next * st->info.sector_size,
					 len);
		else
			memset(st->buf[q], 0, len);
		int r = blk_submit(disk, write ? BLK_OP_WRITE : BLK_OP_READ, st->next, st->buf[q],
				   len, q);
		if (r) {
			fail("submit", disk, st->next, r);
			return -1;
		}
		st->busy[q] = 1;
		st->sector[q] = st->next;
		st->len[q] = len;
		st->next += n;
	}
	return 0;
}

/* All disks at once, QD requests in flight on each. Returns the highest
 * number of requests seen in flight on one disk. */
static unsigned qd32_pass(unsigned ndisks, struct stream *sts, unsigned gen, int write)
{
	unsigned peak = 0;
	for (unsigned d = 0; d < ndisks; d++) {
		sts[d].next = 0;
		sts[d].turn = d;
	}
	for (;;) {
		int active = 0, progress = 0;
		for (unsigned d = 0; d < ndisks; d++) {
			struct stream *st = &sts[d];
			if (stream_submit(d, st, gen, write) < 0)
				return 0;
			if (blk_pending(d) > peak)
				peak = blk_pending(d);
			struct blk_completion c[QD];
			int k = blk_poll(d, c, QD);
			for (int i = 0; i < k; i++) {
				unsigned q = (unsigned)c[i].cookie;
				if (c[i].status)
					fail(write ? "async write" : "async read", d, st->sector[q],
					     c[i].status);
				else if (!write)
					check(st->buf[q], d, gen, st->sector[q], st->len[q],
					      st->info.sector_size);
				st->busy[q] = 0;
			}
			progress |= k > 0;
			active |= blk_pending(d) > 0 || st->next < st->info.sectors;
		}
		if (!active)
			return peak;
		if (!progress)
			blk_sleep();
	}
}

static int mode_pattern(void)
{
	unsigned n = blk_count();
	static struct stream sts[UKVM_BLK_MAX];
	char *buf = malloc(MAX_SECTORS * 4096);

	printf("disks: %u\n", n);
	for (unsigned d = 0; d < n; d++) {
		struct stream *st = &sts[d];
		if (blk_info(d, &st->info)) {
			fail("info", d, 0, -ENODEV);
			continue;
		}
		qd1_pass(d, &st->info, 1, 1, sizes, 16, buf);
		qd1_pass(d, &st->info, 1, 0, read_sizes, 10, buf);
		printf("disk %u: %llu sectors: QD1 write+read done\n", d,
		       (unsigned long long)st->info.sectors);
		for (unsigned q = 0; q < QD; q++)
			st->buf[q] = malloc(MAX_SECTORS * st->info.sector_size);
	}
	unsigned peak_w = qd32_pass(n, sts, 2, 1);
	unsigned peak_r = qd32_pass(n, sts, 2, 0);
	for (unsigned d = 0; d < n; d++) {
		int st = blk_flush(d);
		if (st)
			fail("flush", d, 0, st);
	}
	printf("QD32 on %u disks: write+read done, peak in flight %s\n", n,
	       peak_w >= QD && peak_r >= QD ? ">= 32" : "< 32");
	if (peak_w < QD || peak_r < QD)
		failed = 1;
	printf("%s\n", failed ? "pattern: FAILED" : "pattern: ok");
	return failed;
}

static void expect(const char *what, int got, int want)
{
	printf("%s: %s%s\n", what, blk_strstatus(got), got == want ? "" : " (UNEXPECTED)");
	if (got != want)
		failed = 1;
}

static int mode_bad(void)
{
	struct blk_info rw, ro;
	static char buf[UKVM_BLK_MAX_XFER + 4096];

	if (blk_count() != 2 || blk_info(0, &rw) || blk_info(1, &ro) || rw.read_only ||
	    !ro.read_only) {
		printf("bad: needs disk 0 read-write and disk 1 read-only\n");
		return 1;
	}
	memset(buf, 0xa5, sizeof(buf));
	uint64_t end = rw.sectors;
	expect("read past the end", blk_read(0, end, buf, 512), BLK_E_RANGE);
	expect("write past the end", blk_write(0, end, buf, 512), BLK_E_RANGE);
	expect("write across the end", blk_write(0, end - 1, buf, 1024), BLK_E_RANGE);
	expect("write at sector 2^64-1", blk_write(0, UINT64_MAX, buf, 512), BLK_E_RANGE);
	expect("write of 0 bytes", blk_write(0, 0, buf, 0), BLK_E_BADLEN);
	expect("read of 0 bytes", blk_read(0, 0, buf, 0), BLK_E_BADLEN);
	expect("write of 100 bytes", blk_write(0, 0, buf, 100), BLK_E_BADLEN);
	expect("write of 513 bytes", blk_write(0, 0, buf, 513), BLK_E_BADLEN);
	expect("write over the maximum", blk_write(0, 0, buf, UKVM_BLK_MAX_XFER + 512),
	       BLK_E_BADLEN);
	expect("write of 2^32 bytes", blk_write(0, 0, buf, 1ULL << 32), BLK_E_BADLEN);
	expect("unknown op", blk_submit(0, 7, 0, buf, 512, 0) ? -1 : 0, 0);
	struct blk_completion c;
	expect("unknown op completes with", blk_wait(0, &c, 1) == 1 ? c.status : -1, BLK_E_BADOP);
	expect("write to the read-only disk", blk_write(1, 0, buf, 512), BLK_E_READ_ONLY);
	expect("read of the read-only disk", blk_read(1, 0, buf, 512), 0);
	expect("flush of the read-only disk", blk_flush(1), 0);
	expect("read of disk 2", blk_read(2, 0, buf, 512), -ENODEV);
	expect("read of the last sector", blk_read(0, end - 1, buf, 512), 0);
	printf("%s\n", failed ? "bad: FAILED" : "bad: ok");
	return failed;
}

static int mode_edge(void)
{
	static char buf[4096];
	unsigned n = blk_count();

	for (unsigned d = 0; d < n; d++) {
		struct blk_info in;
		if (blk_info(d, &in)) {
			fail("info", d, 0, -ENODEV);
			continue;
		}
		printf("disk %u: %llu sectors of %u bytes%s\n", d, (unsigned long long)in.sectors,
		       in.sector_size, in.read_only ? ", read-only" : "");
		expect("  read past the end", blk_read(d, in.sectors, buf, in.sector_size),
		       BLK_E_RANGE);
		if (in.sectors == 0)
			continue;
		uint64_t last = in.sectors - 1;
		expect("  read of the last sector", blk_read(d, last, buf, in.sector_size), 0);
		blk_pattern_fill(buf, d, 3, last * in.sector_size, in.sector_size);
		expect("  write of the last sector", blk_write(d, last, buf, in.sector_size),
		       in.read_only ? BLK_E_READ_ONLY : 0);
	}
	return failed;
}

static int mode_durable(void)
{
	static char buf[65536];
	blk_pattern_fill(buf, 0, 4, 0, sizeof(buf));
	int st = blk_write(0, 0, buf, sizeof(buf));
	if (st == 0)
		st = blk_flush(0);
	printf("durable: %s\n", st ? blk_strstatus(st) : "flushed");
	fflush(stdout);
	for (;;)
		sleep(1000);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "pattern"))
		return mode_pattern();
	if (!strcmp(mode, "bad"))
		return mode_bad();
	if (!strcmp(mode, "edge"))
		return mode_edge();
	if (!strcmp(mode, "durable"))
		return mode_durable();
	fprintf(stderr, "usage: blk pattern|bad|edge|durable\n");
	return 2;
}
