/*
 * unikvm-bench: block I/O (docs/performance.md, docs/block.md).
 */
#include "bench.h"
#include "blk_plan.h" /* bench_cases[1]: rand-read-4k */

/* ---- block I/O ------------------------------------------------------------ */

_Static_assert(BLK_CASES == BENCH_NCASES, "the cases of blk_plan.h");

static const struct {
	const char *name, *label;
} blk_cases[BLK_CASES] = {
    {"seq-read-4k", "4 KiB sequential read"},	{"rand-read-4k", "4 KiB random read"},
    {"seq-write-4k", "4 KiB sequential write"}, {"rand-write-4k", "4 KiB random write"},
    {"seq-read-1m", "1 MiB sequential read"},	{"rand-read-1m", "1 MiB random read"},
    {"seq-write-1m", "1 MiB sequential write"}, {"rand-write-1m", "1 MiB random write"},
};

/* Adds the MB/s after "host CASE " in text to series[case]. */
static void blk_parse_host(const char *text, struct series *series)
{
	for (int c = 0; c < BLK_CASES; c++) {
		char key[64];
		snprintf(key, sizeof(key), "host %s ", blk_cases[c].name);
		add(&series[c], field(text, key));
	}
}

/* The disk's --stats counts per request (exits to the VMM plus doorbells,
 * which are exits KVM serves in the kernel; interrupts; the device
 * thread's system calls) for 4 KiB random reads at QD1 and QD32 alone:
 * counts, so they do not depend on a noisy machine. Returns 6. */
static int blk_per_request(struct figure *fs, char *disk, char *div)
{
	static char names[6][80];
	static const char *what[] = {"exits", "interrupts", "device calls"};
	static const char *targets[] = {"< 0.2", "< 0.2", NULL};
	for (int q = 0; q < 2; q++) {
		char *v[] = {cfg.unikvm, "run",		 "--stats",	 "--mem",
			     "256M",	 "--disk",	 disk,		 cfg.blk_guest,
			     div,	 "rand-read-4k", q ? "32" : "1", NULL};
		for (int k = 0; k < 3; k++) {
			struct figure *f = &fs[q * 3 + k];
			snprintf(names[q * 3 + k], sizeof(names[0]),
				 "block 4 KiB random read, QD%d: %s per request", q ? 32 : 1,
				 what[k]);
			*f = (struct figure){.name = names[q * 3 + k],
					     .unit = "per request",
					     .baseline = "none: --stats counts",
					     .target = q ? targets[k] : NULL,
					     .target_max = 0.2};
			f->base_value = NAN;
		}
		for (int r = 0; r < cfg.blk_runs; r++) {
			char *err;
			run(v, NULL, &err, NULL);
			double reqs = field(err, "disks: requests ");
			add(&fs[q * 3].val,
			    (field(err, "stats: exits ") + field(err, "doorbells ")) / reqs);
			add(&fs[q * 3 + 1].val, field(err, "interrupts ") / reqs);
			add(&fs[q * 3 + 2].val, field(err, "device calls ") / reqs);
			free(err);
		}
	}
	return 6;
}

/* Block I/O on a file in memory (tmpfs: the page cache, as the issue asks):
 * the host's pread/pwrite against the guest at queue depth 1 and 32, the
 * same requests at the same offsets (blk_plan.h); and 4 KiB random reads
 * at QD32 against QD1. Returns the number of figures written to fs. */
int bench_block(struct figure *fs)
{
	static char names[BLK_FIGURES][64], disk[PATH_MAX], div[16];
	struct series host[BLK_CASES] = {0}, qd1[BLK_CASES] = {0}, qd32[BLK_CASES] = {0};
	uint64_t mib = 256 / (uint64_t)cfg.blk_divisor;

	snprintf(disk, sizeof(disk), "%s/disk.img", tmpdir);
	snprintf(div, sizeof(div), "%d", cfg.blk_divisor);
	int fd = open(disk, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)(mib << 20)) < 0)
		die("cannot make %s", disk);
	close(fd);
	char *hostv[] = {cfg.blk_host, disk, div, NULL};
	char *guestv[] = {cfg.unikvm, "run",	     "--mem", "256M", "--disk",
			  disk,	      cfg.blk_guest, div,     NULL};
	/* The Solo5-style baseline: one synchronous exit per 4 KiB read,
	 * served by the bare VMM on its vCPU thread (bare-vmm blkread), run
	 * in each round beside the guest. */
	struct series sync = {0};
	char nops[16];
	snprintf(nops, sizeof(nops), "%u", bench_cases[1].ops / (uint32_t)cfg.blk_divisor);
	char *syncv[] = {cfg.bare, "blkread", disk, nops, NULL};
	for (int r = 0; r < cfg.blk_runs; r++) {
		char *out;
		run(syncv, &out, NULL, NULL);
		add(&sync, field(out, "mb_per_s "));
		free(out);
		run(hostv, &out, NULL, NULL);
		blk_parse_host(out, host);
		free(out);
		run(guestv, &out, NULL, NULL);
		for (int c = 0; c < BLK_CASES; c++) { /* "guest CASE QD MBPS IOPS" */
			char key[64];
			snprintf(key, sizeof(key), "guest %s 1 ", blk_cases[c].name);
			add(&qd1[c], field(out, key));
			snprintf(key, sizeof(key), "guest %s 32 ", blk_cases[c].name);
			add(&qd32[c], field(out, key));
		}
		free(out);
	}

	int n = 0;
	for (int c = 0; c < BLK_CASES; c++)
		for (int q = 0; q < 2; q++) {
			struct figure *f = &fs[n];
			bool seq_read_1m = !strcmp(blk_cases[c].name, "seq-read-1m");
			snprintf(names[n], sizeof(names[n]), "block %s, QD%d", blk_cases[c].label,
				 q ? 32 : 1);
			*f = (struct figure){.name = names[n],
					     .unit = "MB/s",
					     .baseline = "host pread/pwrite, same requests",
					     .has_ratio = true,
					     .higher_is_better = true,
					     .val = q ? qd32[c] : qd1[c],
					     .base = host[c],
					     .target = seq_read_1m ? ">= 0.85x" : NULL,
					     .target_ratio = 0.85};
			f->base_value = median(&f->base);
			n++;
		}
	for (int q = 0; q < 2; q++) {
		struct figure *f = &fs[n++];
		*f = (struct figure){
		    .name = q ? "block 4 KiB random read, QD32 against a plain exit"
			      : "block 4 KiB random read, QD1 against a plain exit",
		    .unit = "MB/s",
		    .baseline = "bare-vmm: one synchronous exit and pread per request",
		    .target = q ? ">= 2x" : ">= 1x",
		    .has_ratio = true,
		    .higher_is_better = true,
		    .target_ratio = q ? 2 : 1,
		    .val = q ? qd32[1] : qd1[1],
		    .base = sync};
		f->base_value = median(&sync);
	}
	n += blk_per_request(&fs[n], disk, div);
	unlink(disk);
	fs[n] = (struct figure){.name = "block 4 KiB random read, QD32 against QD1",
				.unit = "MB/s",
				.baseline = "the same at QD1",
				.target = ">= 3x",
				.has_ratio = true,
				.higher_is_better = true,
				.target_ratio = 3,
				.val = qd32[1],
				.base = qd1[1]};
	fs[n].base_value = median(&fs[n].base);
	return n + 1;
}
