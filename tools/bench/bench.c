/*
 * unikvm-bench: how fast unikvm is, against the least a VMM can do.
 *
 * Each figure is the median (with min and max) of repeated runs, next to a
 * baseline measured in the same run, and reported as a ratio: absolute
 * times mean little under the nested sandbox, ratios do. The table goes to
 * stdout, the same figures as JSON to --json FILE. See docs/performance.md.
 *
 * --threads, --net and --block run only those figures. --quick (for the test suite)
 * runs each figure a few times with small counts and fails if a figure is
 * missing or insane; it checks no target.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "blk_plan.h" /* bench_cases[1]: rand-read-4k */

#define MAX_RUNS 101
#define MAX_VMS 64

extern char **environ;

/* A memory-backed folder for copies of the binaries and the disk file. */
static char tmpdir[64];

struct series {
	double v[MAX_RUNS];
	int n;
};

struct figure {
	const char *name, *unit;
	struct series val, base; /* base.n == 0: no baseline series */
	double base_value;	 /* the baseline (median of base, or derived) */
	const char *baseline, *target;
	bool higher_is_better;
	bool has_ratio;
	double target_ratio; /* ratio limit: at most (lower better) / at least */
	double target_max;   /* without a ratio: the median's limit (at most) */
};

static struct {
	int runs, hypercalls, vms, blk_runs, blk_divisor, syscalls, dir_mib, lua_n;
	int pingpongs, creates, pigz_mib;
	int net_runs, net_round_trips, wrk_seconds, wrk_conns;
	long console_bytes, console_chunk, net_bulk_mib;
	bool quick;
	enum { ALL, THREADS, NET, BLOCK } only; /* --threads, --net, --block */
	const char *json;
	char unikvm[PATH_MAX], hello[PATH_MAX], bare[PATH_MAX], guest[PATH_MAX];
	char blk_host[PATH_MAX], blk_guest[PATH_MAX], lua_host[PATH_MAX], lua_uk[PATH_MAX];
	char cpu_lua[PATH_MAX], threads_host[PATH_MAX], threads_uk[PATH_MAX];
	char pigz_host[PATH_MAX], pigz_uk[PATH_MAX];
	char netecho_host[PATH_MAX], netecho_uk[PATH_MAX], httpd_host[PATH_MAX], httpd_uk[PATH_MAX];
	char lighttpd_host[PATH_MAX], lighttpd_uk[PATH_MAX], lighttpd_conf[PATH_MAX], wrk[PATH_MAX];
} cfg = {
    .runs = 11,
    .hypercalls = 20000,
    .vms = 50,
    .blk_runs = 3,
    .blk_divisor = 1,
    .syscalls = 200000,
    .dir_mib = 200,
    .lua_n = 2000000,
    .pingpongs = 100000,
    .creates = 5000,
    .pigz_mib = 16,
    .net_runs = 5,
    .net_round_trips = 2000,
    .wrk_seconds = 5,
    .wrk_conns = 10,
    .net_bulk_mib = 64,
    .console_bytes = 64 << 20,
    .console_chunk = 64 << 10,
};

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "unikvm-bench: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void add(struct series *s, double v)
{
	if (s->n < MAX_RUNS)
		s->v[s->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(const struct series *s)
{
	double v[MAX_RUNS];
	if (!s->n)
		return NAN;
	memcpy(v, s->v, sizeof(double) * (size_t)s->n);
	qsort(v, (size_t)s->n, sizeof(double), cmp_double);
	return s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

static double min_of(const struct series *s)
{
	double m = INFINITY;
	for (int i = 0; i < s->n; i++)
		m = fmin(m, s->v[i]);
	return s->n ? m : NAN;
}

static double max_of(const struct series *s)
{
	double m = -INFINITY;
	for (int i = 0; i < s->n; i++)
		m = fmax(m, s->v[i]);
	return s->n ? m : NAN;
}

/* ---- processes ----------------------------------------------------------- */

struct proc {
	pid_t pid;
	int out, err; /* memfds holding the child's stdout and stderr */
	double start_ms, wall_ms;
	long maxrss_kb;
	int status;
};

/* Starts argv with stdout and stderr in fresh memfds (or /dev/null). */
static void proc_start(struct proc *p, char *const argv[], bool keep_stdout)
{
	posix_spawn_file_actions_t fa;
	p->out = keep_stdout ? memfd_create("stdout", MFD_CLOEXEC)
			     : open("/dev/null", O_WRONLY | O_CLOEXEC);
	p->err = memfd_create("stderr", MFD_CLOEXEC);
	if (p->out < 0 || p->err < 0)
		die("memfd_create: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p->out, 1);
	posix_spawn_file_actions_adddup2(&fa, p->err, 2);
	p->start_ms = now_ms();
	int r = posix_spawn(&p->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		die("cannot start %s", argv[0]);
}

/* Waits for p; returns its wall time in ms. */
static double proc_wait(struct proc *p)
{
	struct rusage ru;
	int st;
	while (wait4(p->pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			die("wait4: %s", strerror(errno));
	p->wall_ms = now_ms() - p->start_ms;
	p->maxrss_kb = ru.ru_maxrss;
	p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return p->wall_ms;
}

/* The whole content of memfd fd, NUL-terminated (caller frees). */
static char *slurp(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *s = malloc((size_t)len + 1);
	if (len < 0 || !s || pread(fd, s, (size_t)len, 0) != len)
		die("cannot read a child's output%s", "");
	s[len] = 0;
	return s;
}

static void proc_close(struct proc *p)
{
	close(p->out);
	close(p->err);
}

/* Runs argv to the end; fails the benchmark unless it exits 0. Returns
 * the wall time; *out (if not NULL) gets stdout, *err stderr. */
static double run(char *const argv[], char **out, char **err, long *maxrss_kb)
{
	struct proc p;
	proc_start(&p, argv, out != NULL);
	double ms = proc_wait(&p);
	char *e = slurp(p.err);
	if (p.status != 0) {
		fprintf(stderr, "unikvm-bench: %s exited with status %d:\n%s", argv[0], p.status,
			e);
		exit(1);
	}
	if (out)
		*out = slurp(p.out);
	if (err)
		*err = e;
	else
		free(e);
	if (maxrss_kb)
		*maxrss_kb = p.maxrss_kb;
	proc_close(&p);
	return ms;
}

/* The number after `key` in text, or NAN. */
static double field(const char *text, const char *key)
{
	const char *s = text ? strstr(text, key) : NULL;
	return s ? strtod(s + strlen(key), NULL) : NAN;
}

/* ---- the figures --------------------------------------------------------- */

static void bench_boot(struct figure *f)
{
	char *vm[] = {cfg.unikvm, "run", cfg.hello, NULL};
	char *bare[] = {cfg.bare, "boot", NULL};
	*f = (struct figure){.name = "boot-to-exit of hello",
			     .unit = "ms",
			     .baseline = "bare-vmm: VM + vCPU to the first exit",
			     .target = "<= 1.5x",
			     .has_ratio = true,
			     .target_ratio = 1.5};
	for (int i = 0; i < cfg.runs; i++) {
		add(&f->base, run(bare, NULL, NULL, NULL));
		add(&f->val, run(vm, NULL, NULL, NULL));
	}
	f->base_value = median(&f->base);
}

/* The bare exit time (ns), the baseline of two figures. */
static struct series bare_exit_ns;

static void bench_hypercall(struct figure *f)
{
	char n[32];
	snprintf(n, sizeof(n), "%d", cfg.hypercalls);
	char *vm[] = {cfg.unikvm, "run", cfg.guest, "hypercall", n, NULL};
	char *bare[] = {cfg.bare, "exits", n, NULL};
	*f = (struct figure){.name = "null hypercall round trip",
			     .unit = "ns",
			     .baseline = "bare-vmm: PIO exit loop, TSC in the guest",
			     .target = "<= 1.15x",
			     .has_ratio = true,
			     .target_ratio = 1.15};
	for (int i = 0; i < cfg.runs; i++) {
		char *out;
		run(bare, &out, NULL, NULL);
		add(&f->base, field(out, "ns_per_exit "));
		free(out);
		run(vm, &out, NULL, NULL);
		add(&f->val, field(out, "ns_per_call "));
		free(out);
	}
	f->base_value = median(&f->base);
	bare_exit_ns = f->base;
}

static void bench_console(struct figure *f)
{
	char bytes[32], chunk[32];
	snprintf(bytes, sizeof(bytes), "%ld", cfg.console_bytes);
	snprintf(chunk, sizeof(chunk), "%ld", cfg.console_chunk);
	char *vm[] = {cfg.unikvm, "run", cfg.guest, "console", bytes, chunk, NULL};
	*f = (struct figure){.name = "console bulk output to /dev/null",
			     .unit = "MB/s",
			     .baseline = "write size / bare exit time",
			     .target = ">= 0.8x",
			     .has_ratio = true,
			     .higher_is_better = true,
			     .target_ratio = 0.8};
	for (int i = 0; i < cfg.runs; i++) {
		char *err;
		run(vm, NULL, &err, NULL);
		add(&f->val, field(err, "mb_per_s "));
		free(err);
	}
	/* bytes per ns * 1000 = MB/s */
	f->base_value = (double)cfg.console_chunk / median(&bare_exit_ns) * 1e3;
}

static void bench_memory(struct figure *f)
{
	char *vm[] = {cfg.unikvm, "run", "--stats", cfg.hello, NULL};
	*f = (struct figure){.name = "VMM memory overhead",
			     .unit = "MiB",
			     .baseline = "none: peak RSS minus guest RAM touched",
			     .target = "<= 4 MiB",
			     .target_max = 4};
	for (int i = 0; i < cfg.runs; i++) {
		char *err;
		long rss;
		run(vm, NULL, &err, &rss);
		add(&f->val, ((double)rss - field(err, "guest RAM touched ")) / 1024);
		free(err);
	}
	f->base_value = NAN;
}

static double start_vms(int n, bool together, const char *expect)
{
	static struct proc p[MAX_VMS];
	static char idx[MAX_VMS][16];
	char *argv[MAX_VMS][5];
	double t0 = now_ms();

	for (int i = 0; i < n; i++) {
		snprintf(idx[i], sizeof(idx[i]), "vm%d", i);
		argv[i][0] = cfg.unikvm, argv[i][1] = "run", argv[i][2] = cfg.hello;
		argv[i][3] = idx[i], argv[i][4] = NULL;
		proc_start(&p[i], argv[i], true);
		if (!together)
			proc_wait(&p[i]);
	}
	for (int i = 0; i < n; i++) {
		if (together)
			proc_wait(&p[i]);
		char *out = slurp(p[i].out), want[256];
		snprintf(want, sizeof(want), expect, idx[i]);
		if (p[i].status != 0 || strcmp(out, want)) {
			fprintf(stderr, "unikvm-bench: VM %d of %d (%s) exited %d with:\n%s", i, n,
				together ? "at once" : "one by one", p[i].status, out);
			exit(1);
		}
		free(out);
		proc_close(&p[i]);
	}
	return now_ms() - t0;
}

static void bench_many(struct figure *f)
{
	static char name[64];
	/* hello's output for one argument, with %s for it */
	char *probe[] = {cfg.unikvm, "run", cfg.hello, "%s", NULL}, *expect;
	run(probe, &expect, NULL, NULL);
	snprintf(name, sizeof(name), "%d VMs started at once, all correct", cfg.vms);
	*f = (struct figure){.name = name,
			     .unit = "ms",
			     .baseline = "the same VMs one after the other",
			     .target = "<= 0.7x",
			     .has_ratio = true,
			     .target_ratio = 0.7};
	int reps = cfg.runs < 5 ? cfg.runs : 5;
	for (int i = 0; i < reps; i++) {
		add(&f->base, start_vms(cfg.vms, false, expect));
		add(&f->val, start_vms(cfg.vms, true, expect));
	}
	f->base_value = median(&f->base);
	free(expect);
}

/* ---- block I/O ------------------------------------------------------------ */

#define BLK_CASES 8 /* blk_plan.h */
_Static_assert(BLK_CASES == BENCH_NCASES, "the cases of blk_plan.h");
#define BLK_FIGURES (2 * BLK_CASES + 9) /* + QD32/QD1, 2 against a plain exit, 6 counts */

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
static int bench_block(struct figure *fs)
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

/* ---- syscalls, --dir, a port (docs/porting.md) ----------------------------- */

static void bench_syscall(struct figure *f)
{
	char n[32];
	snprintf(n, sizeof(n), "%d", cfg.syscalls);
	char *vm[] = {cfg.unikvm, "run", cfg.guest, "syscall", n, NULL};
	*f = (struct figure){.name = "syscall round trip in the guest (getppid, no exit)",
			     .unit = "ns",
			     .baseline = "the host kernel's getppid",
			     .has_ratio = true};
	for (int i = 0; i < cfg.runs; i++) {
		char *out;
		double t0 = now_ms();
		for (int k = 0; k < cfg.syscalls; k++)
			syscall(SYS_getppid);
		add(&f->base, (now_ms() - t0) * 1e6 / cfg.syscalls);
		run(vm, &out, NULL, NULL);
		add(&f->val, field(out, "ns_per_call "));
		free(out);
	}
	f->base_value = median(&f->base);
}

/* A file of mib MiB at path, not all zeroes. */
static void make_file(const char *path, int mib)
{
	static char buf[1 << 20];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	for (int i = 0; fd >= 0 && i < mib; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("cannot write %s", path);
	if (fd < 0 || close(fd) < 0)
		die("cannot make %s", path);
}

static double host_read_mbps(const char *path)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	double total = 0, t0 = now_ms();
	ssize_t n;
	while (fd >= 0 && (n = pread(fd, buf, sizeof(buf), (off_t)total)) > 0)
		total += (double)n;
	if (fd < 0)
		die("cannot read %s", path);
	close(fd);
	return total / (now_ms() - t0) / 1e3;
}

static void bench_dir(struct figure *f)
{
	static char name[96], file[PATH_MAX], map[PATH_MAX + 8];
	snprintf(file, sizeof(file), "%s/dir.bin", tmpdir);
	snprintf(map, sizeof(map), "%s:/b", tmpdir);
	make_file(file, cfg.dir_mib);
	char *vm[] = {cfg.unikvm, "run", "--dir", map, cfg.guest, "dirread", "/b/dir.bin", NULL};
	snprintf(name, sizeof(name), "--dir sequential read of %d MiB, 1 MiB per read",
		 cfg.dir_mib);
	*f = (struct figure){.name = name,
			     .unit = "MB/s",
			     .baseline = "host pread, same file and size",
			     .target = ">= 0.8x",
			     .has_ratio = true,
			     .higher_is_better = true,
			     .target_ratio = 0.8};
	for (int i = 0; i < cfg.blk_runs; i++) {
		char *out;
		add(&f->base, host_read_mbps(file));
		run(vm, &out, NULL, NULL);
		add(&f->val, field(out, "mb_per_s "));
		free(out);
	}
	f->base_value = median(&f->base);
	unlink(file);
}

static void bench_port(struct figure *f)
{
	char n[32], script[PATH_MAX + 8], map[PATH_MAX + 8];
	snprintf(n, sizeof(n), "%d", cfg.lua_n);
	snprintf(script, sizeof(script), "%s/cpu.lua", tmpdir);
	snprintf(map, sizeof(map), "%s:/b", tmpdir);
	char *host[] = {cfg.lua_host, script, n, NULL};
	char *vm[] = {cfg.unikvm, "run", "--dir", map, cfg.lua_uk, "/b/cpu.lua", n, NULL};
	*f = (struct figure){.name = "a port: lua5.4 on a CPU-bound script (wall time)",
			     .unit = "ms",
			     .baseline = "the same source built for the host (musl-gcc -static)",
			     .target = "<= 1.1x",
			     .has_ratio = true,
			     .target_ratio = 1.1};
	for (int i = 0; i < cfg.blk_runs; i++) {
		char *want, *got;
		add(&f->base, run(host, &want, NULL, NULL));
		add(&f->val, run(vm, &got, NULL, NULL));
		if (strcmp(want, got))
			die("lua.uk printed something else than lua.host: %s", got);
		free(want);
		free(got);
	}
	f->base_value = median(&f->base);
}

/* ---- threads (the same C program in the guest and on the host) ----------- */

/* One thread figure: `threads-bench WHAT N`, key KEY in both outputs. */
static void bench_thread_op(struct figure *f, const char *what, int count, const char *key)
{
	char n[32];
	snprintf(n, sizeof(n), "%d", count);
	char *host[] = {cfg.threads_host, (char *)what, n, NULL};
	char *vm[] = {cfg.unikvm, "run", cfg.threads_uk, "--", (char *)what, n, NULL};
	for (int i = 0; i < cfg.runs; i++) {
		char *out;
		run(host, &out, NULL, NULL);
		add(&f->base, field(out, key));
		free(out);
		run(vm, &out, NULL, NULL);
		add(&f->val, field(out, key));
		free(out);
	}
	f->base_value = median(&f->base);
}

static int bench_threads(struct figure *fs)
{
	fs[0] = (struct figure){.name = "futex ping-pong between two threads (one round trip)",
				.unit = "ns",
				.baseline = "the same program on the host (musl-gcc -static)",
				.target = "<= 0.5x",
				.has_ratio = true,
				.target_ratio = 0.5};
	bench_thread_op(&fs[0], "pingpong", cfg.pingpongs, "ns_per_round_trip ");
	fs[1] = (struct figure){.name = "pthread_create + pthread_join",
				.unit = "ns",
				.baseline = "the same program on the host (musl-gcc -static)",
				.target = "<= 0.5x",
				.has_ratio = true,
				.target_ratio = 0.5};
	bench_thread_op(&fs[1], "create", cfg.creates, "ns_per_thread ");
	return 2;
}

/* Text-like data: decimal lines, as seq(1) makes. */
static void make_text(const char *path, int mib)
{
	FILE *o = fopen(path, "we");
	long limit = (long)mib << 20;
	for (long i = 1; o && ftell(o) < limit; i++)
		fprintf(o, "%ld\n", i);
	if (!o || fclose(o))
		die("cannot make %s", path);
}

static void bench_pigz(struct figure *f)
{
	static char name[96];
	char file[PATH_MAX], map[PATH_MAX + 8];
	snprintf(file, sizeof(file), "%s/pigz.txt", tmpdir);
	snprintf(map, sizeof(map), "%s:/b", tmpdir);
	make_text(file, cfg.pigz_mib);
	/* Output to /dev/null: ports.pigz checks the bytes, this the time. */
	char *host[] = {
	    "/usr/bin/taskset", "-c", "0", cfg.pigz_host, "-p", "4", "-nT", "-c", file, NULL};
	char *vm[] = {cfg.unikvm, "run", "--dir", map,	cfg.pigz_uk,   "--",
		      "-p",	  "4",	 "-nT",	  "-c", "/b/pigz.txt", NULL};
	snprintf(name, sizeof(name), "a threaded port: pigz -p 4 on %d MiB of text", cfg.pigz_mib);
	*f = (struct figure){.name = name,
			     .unit = "MB/s",
			     .baseline =
				 "its host build (musl-gcc -static) on one CPU (taskset -c 0)",
			     .has_ratio = true,
			     .higher_is_better = true};
	for (int i = 0; i < cfg.blk_runs; i++) {
		add(&f->base, cfg.pigz_mib * 1.048576e3 / run(host, NULL, NULL, NULL));
		add(&f->val, cfg.pigz_mib * 1.048576e3 / run(vm, NULL, NULL, NULL));
	}
	f->base_value = median(&f->base);
	unlink(file);
}

/* ---- the network (issues 17 and 19): the same servers on the host -------- */

/* A fresh loopback port per server started (no wait for TIME_WAIT), below
 * the ephemeral range; spread by pid so that two runs rarely collide. */
static int net_port(void)
{
	static int next;
	if (!next)
		next = 20000 + (int)(getpid() % 1000) * 10;
	return next++;
}

/* The sandbox starts with its loopback down (`ip link set lo up`). */
static void loopback_up(void)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	strcpy(ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die("cannot read the loopback's flags: %s", strerror(errno));
	if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			die("the loopback is down and cannot be brought up (ip link set lo up): %s",
			    strerror(errno));
	}
	close(s);
}

static void sleep_ms(int ms)
{
	struct timespec t = {0, ms * 1000000L};
	nanosleep(&t, NULL);
}

/* One connection to 127.0.0.1:port, or -1 (not listening yet). */
static int tcp_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* The servers running, killed if the benchmark ends early (die, exit). */
static pid_t servers[MAX_VMS + 1];

static void kill_servers(void)
{
	for (int i = 0; i <= MAX_VMS; i++)
		if (servers[i] > 0)
			kill(servers[i], SIGKILL);
}

/* Marks pid running (on) or reaped (!on). */
static void server_mark(pid_t pid, bool on)
{
	for (int i = 0; i <= MAX_VMS; i++)
		if (servers[i] == (on ? 0 : pid)) {
			servers[i] = on ? pid : 0;
			return;
		}
}

#define NET_TIMEOUT_MS 180000 /* for a server to answer (50 VMs on a loaded sandbox: 50 s) */

/* Fails the benchmark if server p ended (it was reaped here) or took
 * longer than NET_TIMEOUT_MS to answer. */
static void check_alive(struct proc *p, const char *what)
{
	int st;
	if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
		server_mark(p->pid, false);
		char *e = slurp(p->err);
		fprintf(stderr, "unikvm-bench: %s ended before it answered (status %d):\n%s", what,
			WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), e);
		exit(1);
	}
	if (now_ms() - p->start_ms > NET_TIMEOUT_MS) {
		kill(p->pid, SIGKILL);
		fprintf(stderr, "unikvm-bench: %s did not answer within %d s\n", what,
			NET_TIMEOUT_MS / 1000);
		exit(1);
	}
}

/* Connects to server p on port, retrying until it listens. */
static int connect_server(struct proc *p, int port, const char *what)
{
	int fd;
	while ((fd = tcp_connect(port)) < 0) {
		check_alive(p, what);
		sleep_ms(2);
	}
	return fd;
}

/* Stops server p with SIGTERM; unless it exits 0 (the servers stop
 * cleanly on it), fails, or with !strict says so on stderr: lighttpd
 * returns 1 when a connection is still open at shutdown, as the
 * unikernel's often is right after wrk; its figures stand. Returns its
 * stderr (the caller frees). */
static char *stop_server(struct proc *p, const char *what, bool strict)
{
	kill(p->pid, SIGTERM);
	proc_wait(p);
	server_mark(p->pid, false);
	char *e = slurp(p->err);
	if (p->status != 0 && !strict) {
		fprintf(stderr,
			"unikvm-bench: warning: %s exited %d after SIGTERM; its stderr:\n%s", what,
			p->status, e);
	} else if (p->status != 0) {
		fprintf(stderr, "unikvm-bench: %s exited %d after SIGTERM:\n%s", what, p->status,
			e);
		exit(1);
	}
	proc_close(p);
	return e;
}

/* Waits for server p (started by the caller) to exit 0; returns stderr. */
static char *wait_server(struct proc *p, const char *what)
{
	proc_wait(p);
	server_mark(p->pid, false);
	char *e = slurp(p->err);
	if (p->status != 0) {
		fprintf(stderr, "unikvm-bench: %s exited %d:\n%s", what, p->status, e);
		exit(1);
	}
	proc_close(p);
	return e;
}

/* The exits and the hypercalls (all kinds summed) of `unikvm run --stats`. */
static void stats_counts(const char *err, double *exits, double *hypercalls)
{
	const char *s = strstr(err, "unikvm: stats: exits ");
	*exits = field(s, "exits ");
	*hypercalls = NAN;
	if (!s || !(s = strstr(s, "hypercalls:")))
		return;
	*hypercalls = 0;
	for (s += strlen("hypercalls:"); *s && *s != ';';) {
		char *end;
		while (*s == ' ')
			s++;
		s += strcspn(s, " ;"); /* the name */
		double v = strtod(s, &end);
		if (end == s)
			break;
		*hypercalls += v;
		s = end;
	}
}

static void full_write(int fd, const char *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w <= 0)
			die("write to the echo server: %s", w < 0 ? strerror(errno) : "0 bytes");
		b += w, n -= (size_t)w;
	}
}

/* n 1-byte round trips on fd; ns per round trip. */
static double echo_round_trips(int fd, int n)
{
	double t0 = now_ms();
	for (int i = 0; i < n; i++) {
		char c = (char)i, r;
		full_write(fd, &c, 1);
		if (read(fd, &r, 1) != 1 || r != c)
			die("the echo server answered wrong or not at all%s", "");
	}
	return (now_ms() - t0) * 1e6 / n;
}

/* bytes each way at once on fd (non-blocking, one poll loop): the echo
 * must come back intact. MB/s each way. */
static double echo_bulk(int fd, long bytes)
{
	static char out[256 << 10], in[256 << 10];
	long sent = 0, got = 0;
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7 + i / 251);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	double t0 = now_ms();
	while (got < bytes) {
		struct pollfd pf = {.fd = fd, .events = POLLIN | (sent < bytes ? POLLOUT : 0)};
		if (poll(&pf, 1, NET_TIMEOUT_MS) <= 0)
			die("the echo server stalled in the bulk transfer%s", "");
		if (sent < bytes && (pf.revents & POLLOUT)) {
			long off = sent % (long)sizeof(out), len = (long)sizeof(out) - off;
			ssize_t w =
			    write(fd, out + off, (size_t)(len < bytes - sent ? len : bytes - sent));
			if (w < 0 && errno != EAGAIN)
				die("bulk write: %s", strerror(errno));
			if (w > 0 && (sent += w) == bytes)
				shutdown(fd, SHUT_WR);
		}
		if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
			long off = got % (long)sizeof(in);
			ssize_t r = read(fd, in, (size_t)((long)sizeof(in) - off));
			if (r == 0 || (r < 0 && errno != EAGAIN))
				die("the echo server closed early in the bulk transfer%s", "");
			if (r > 0 && memcmp(in, out + off, (size_t)r))
				die("the echo server sent back other bytes%s", "");
			if (r > 0)
				got += r;
		}
	}
	double ms = now_ms() - t0;
	char c;
	if (read(fd, &c, 1) > 0)
		die("the echo server sent more than it got%s", "");
	return (double)bytes / ms / 1e3;
}

#define ECHO_WARMUP 10

/* One echo server run (host build, or the unikernel with --stats): the
 * round trips or the bulk transfer on one connection. *exits and
 * *syscalls (per round trip) are set for the unikernel. */
static double echo_run(bool guest, bool bulk, double *exits, double *syscalls)
{
	char port[16], map[48];
	int p = net_port();
	snprintf(port, sizeof(port), "%d", p);
	snprintf(map, sizeof(map), "127.0.0.1:%d:7", p);
	char *host[] = {cfg.netecho_host, port, "1", NULL};
	char *vm[] = {cfg.unikvm,     "run", "--stats", "-p", map,
		      cfg.netecho_uk, "--",  "7",	"1",  NULL};
	struct proc s;
	proc_start(&s, guest ? vm : host, false);
	server_mark(s.pid, true);
	int fd = connect_server(&s, p, "the echo server");
	double v;
	if (bulk) {
		v = echo_bulk(fd, cfg.net_bulk_mib << 20);
	} else {
		echo_round_trips(fd, ECHO_WARMUP);
		v = echo_round_trips(fd, cfg.net_round_trips);
	}
	close(fd);
	char *e = wait_server(&s, "the echo server");
	if (guest && exits) {
		double ex, hc, n = cfg.net_round_trips + ECHO_WARMUP;
		stats_counts(e, &ex, &hc);
		*exits = ex / n;
		*syscalls = (ex + hc) / n;
	}
	free(e);
	return v;
}

/* What the servers serve as /index.html (bench_net writes it). */
#define HTTP_BODY "unikvm-bench index\n"

/* An HTTP/1.0 GET of /index.html on port: true when the answer is a 200
 * with the expected body. */
static bool http_ok(int port)
{
	static const char req[] = "GET /index.html HTTP/1.0\r\n\r\n";
	char buf[4096];
	size_t len = 0;
	ssize_t r;
	int fd = tcp_connect(port);
	if (fd < 0)
		return false;
	struct timeval tv = {10, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1) {
		close(fd);
		return false;
	}
	while (len < sizeof(buf) - 1 && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = 0;
	size_t body = strlen(HTTP_BODY);
	return !strncmp(buf, "HTTP/1.", 7) && !strncmp(buf + 8, " 200 ", 5) && len > body &&
	       !strcmp(buf + len - body, HTTP_BODY);
}

/* Waits until server p answers on port; ms from its spawn. */
static double wait_http(struct proc *p, int port, const char *what)
{
	while (!http_ok(port)) {
		check_alive(p, what);
		sleep_ms(2);
	}
	return now_ms() - p->start_ms;
}

enum server { HTTPD, LIGHTTPD };

/* Starts server kind (the unikernel when guest) on port; argv in av[]. */
static void http_start(struct proc *p, enum server kind, bool guest, int port, bool stats)
{
	static char portarg[16], map[48], dir[PATH_MAX + 8], env_port[32], env_root[PATH_MAX + 16],
	    env_log[PATH_MAX + 16];
	snprintf(portarg, sizeof(portarg), "%d", port);
	snprintf(map, sizeof(map), "127.0.0.1:%d:8080", port);
	snprintf(dir, sizeof(dir), "%s:/srv", tmpdir);
	snprintf(env_port, sizeof(env_port), "LIGHTTPD_PORT=%d", guest ? 8080 : port);
	snprintf(env_root, sizeof(env_root), "LIGHTTPD_ROOT=%s", guest ? "/srv" : tmpdir);
	snprintf(env_log, sizeof(env_log), "LIGHTTPD_LOG=%s/lighttpd.%s.log",
		 guest ? "/srv" : tmpdir, guest ? "uk" : "host");
	char *av[24];
	int n = 0;
	if (guest) {
		av[n++] = cfg.unikvm, av[n++] = "run";
		if (stats)
			av[n++] = "--stats";
		av[n++] = "-p", av[n++] = map, av[n++] = "--dir", av[n++] = dir;
		if (kind == LIGHTTPD) {
			av[n++] = "--env", av[n++] = env_root, av[n++] = "--env",
			av[n++] = env_port;
			av[n++] = "--env", av[n++] = env_log;
		}
		av[n++] = kind == HTTPD ? cfg.httpd_uk : cfg.lighttpd_uk, av[n++] = "--";
	} else if (kind == HTTPD) {
		av[n++] = cfg.httpd_host, av[n++] = "-p", av[n++] = portarg;
	} else {
		av[n++] = "/usr/bin/env", av[n++] = env_root, av[n++] = env_port, av[n++] = env_log;
		av[n++] = cfg.lighttpd_host;
	}
	if (kind == HTTPD)
		av[n++] = "-r", av[n++] = guest ? "/srv" : tmpdir;
	else
		av[n++] = "-D", av[n++] = "-f",
		av[n++] = guest ? "/srv/lighttpd.conf" : cfg.lighttpd_conf;
	av[n] = NULL;
	proc_start(p, av, false); /* the access log (httpd's stdout) to /dev/null */
	server_mark(p->pid, true);
}

/* A latency of wrk's --latency table (key "99%"), in ms. */
static double wrk_ms(const char *s, const char *key)
{
	const char *k = strstr(s, "Latency Distribution");
	char *end;
	k = k ? strstr(k, key) : NULL;
	if (!k)
		return NAN;
	double v = strtod(k + strlen(key), &end);
	return !strncmp(end, "us", 2)	? v / 1e3
	       : !strncmp(end, "ms", 2) ? v
	       : *end == 's'		? v * 1e3
	       : *end == 'm'		? v * 6e4
					: NAN;
}

struct wrk_result {
	double rps, p99_ms, requests, exits, syscalls;
};

/* wrk on one server run: requests/s, p99, and for the unikernel (run
 * with --stats) exits and host system calls per request. */
static struct wrk_result wrk_run(enum server kind, bool guest)
{
	static const char *names[] = {"apps/httpd", "lighttpd"};
	char dur[16], conns[16], url[64];
	int port = net_port();
	struct proc s;
	struct wrk_result w = {.exits = NAN, .syscalls = NAN};
	snprintf(dur, sizeof(dur), "%ds", cfg.wrk_seconds);
	snprintf(conns, sizeof(conns), "%d", cfg.wrk_conns);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/index.html", port);
	http_start(&s, kind, guest, port, true);
	wait_http(&s, port, names[kind]);
	char *wrk[] = {cfg.wrk, "-t",	     "1",   "-c",	 conns, "-d",
		       dur,	"--timeout", "30s", "--latency", url,	NULL},
	     *out;
	run(wrk, &out, NULL, NULL);
	const char *kind_name = guest ? "unikernel" : "host build";
	if (strstr(out, "Non-2xx") || !strstr(out, "Requests/sec:")) {
		fprintf(stderr, "unikvm-bench: wrk against %s (%s) failed:\n%s", names[kind],
			kind_name, out);
		exit(1);
	}
	/* Connections the server closed or reset mid-answer (wrk's "read"
	 * errors) are reported, not fatal: the figures count what was answered. */
	const char *errs = strstr(out, "Socket errors:");
	if (errs)
		fprintf(stderr, "unikvm-bench: wrk against %s (%s): %.*s\n", names[kind], kind_name,
			(int)strcspn(errs, "\n"), errs);
	w.rps = field(out, "Requests/sec:");
	w.p99_ms = wrk_ms(out, "99%");
	const char *r = strstr(out, " requests in ");
	while (r && r > out && r[-1] >= '0' && r[-1] <= '9')
		r--;
	w.requests = r ? strtod(r, NULL) + 1 : NAN; /* + wait_http's */
	free(out);
	char *e = stop_server(&s, names[kind], kind == HTTPD);
	if (guest) {
		double ex, hc;
		stats_counts(e, &ex, &hc);
		w.exits = ex / w.requests;
		w.syscalls = (ex + hc) / w.requests;
	}
	free(e);
	return w;
}

/* Figures under wrk for server kind; returns how many went to fs. */
static int bench_wrk(struct figure *fs, enum server kind)
{
	static char names[2][4][96];
	static const char *label[] = {"apps/httpd", "lighttpd"};
	const char *base = "the same source built natively (musl-gcc -static)";
	snprintf(names[kind][0], 96, "%s under wrk (%d connections): requests/s", label[kind],
		 cfg.wrk_conns);
	snprintf(names[kind][1], 96, "%s under wrk: p99 latency", label[kind]);
	snprintf(names[kind][2], 96, "%s: exits per request", label[kind]);
	snprintf(names[kind][3], 96, "%s: host system calls per request", label[kind]);
	fs[0] = (struct figure){.name = names[kind][0],
				.unit = "req/s",
				.baseline = base,
				.target = ">= 0.8x",
				.has_ratio = true,
				.higher_is_better = true,
				.target_ratio = 0.8};
	fs[1] = (struct figure){
	    .name = names[kind][1], .unit = "ms", .baseline = base, .has_ratio = true};
	fs[2] = (struct figure){
	    .name = names[kind][2], .unit = "exits", .baseline = "none: --stats exits / requests"};
	fs[3] = (struct figure){.name = names[kind][3],
				.unit = "calls",
				.baseline = "none: --stats exits + hypercalls / requests"};
	for (int i = 0; i < cfg.net_runs; i++) {
		struct wrk_result h = wrk_run(kind, false), g = wrk_run(kind, true);
		add(&fs[0].base, h.rps), add(&fs[0].val, g.rps);
		add(&fs[1].base, h.p99_ms), add(&fs[1].val, g.p99_ms);
		add(&fs[2].val, g.exits), add(&fs[3].val, g.syscalls);
	}
	for (int i = 0; i < 4; i++)
		fs[i].base_value = fs[i].base.n ? median(&fs[i].base) : NAN;
	return 4;
}

/* The resident set of process pid, in KiB (VmRSS), or NAN. */
static double rss_kib(pid_t pid)
{
	char path[64], *text;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[4096];
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return NAN;
	buf[n] = 0;
	text = buf;
	return field(text, "VmRSS:");
}

/* n httpd servers (unikernels when guest) started at once, each on its
 * own port; ms until every one answered correctly. *rss_mib: their total
 * resident set once all answered. */
static double many_httpd(int n, bool guest, double *rss_mib)
{
	static struct proc p[MAX_VMS];
	int port[MAX_VMS];
	bool ok[MAX_VMS] = {0};
	double t0 = now_ms();
	for (int i = 0; i < n; i++) {
		port[i] = net_port();
		http_start(&p[i], HTTPD, guest, port[i], false);
	}
	for (int left = n; left;) {
		for (int i = 0; i < n; i++) {
			if (ok[i])
				continue;
			if ((ok[i] = http_ok(port[i])))
				left--;
			else
				check_alive(&p[i], "an httpd of many");
		}
		if (left)
			sleep_ms(2);
	}
	double ms = now_ms() - t0, kib = 0;
	for (int i = 0; i < n; i++)
		kib += rss_kib(p[i].pid);
	*rss_mib = kib / 1024;
	for (int i = 0; i < n; i++)
		kill(p[i].pid, SIGTERM);
	for (int i = 0; i < n; i++)
		free(wait_server(&p[i], "an httpd of many"));
	return ms;
}

/* At most: the echo's 4, httpd's and lighttpd's 4 each under wrk, the
 * first answer, many at once and their RSS. */
#define NET_FIGURES 15

static int bench_net(struct figure *fs)
{
	static char bulk_name[96], many_name[96], rss_name[96];
	const char *base = "the same source on the host (musl-gcc -static)";
	int n = 0;
	loopback_up();
	signal(SIGPIPE, SIG_IGN); /* a server that closes early is an error, not a signal */
	atexit(kill_servers);
	char index[PATH_MAX];
	snprintf(index, sizeof(index), "%s/index.html", tmpdir);
	int fd = open(index, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, HTTP_BODY, strlen(HTTP_BODY)) != (ssize_t)strlen(HTTP_BODY) ||
	    close(fd) < 0)
		die("cannot write %s", index);

	/* The echo server: 1-byte round trips, then bulk both ways. */
	struct figure *rt = &fs[n++], *bulk = &fs[n++], *rt_exits = &fs[n++], *rt_calls = &fs[n++];
	*rt = (struct figure){.name = "TCP round trip of 1 byte through an echo server",
			      .unit = "ns",
			      .baseline = base,
			      .target = "<= 1.5x",
			      .has_ratio = true,
			      .target_ratio = 1.5};
	snprintf(bulk_name, sizeof(bulk_name),
		 "TCP bulk through an echo server, %ld MiB each way at once", cfg.net_bulk_mib);
	*bulk = (struct figure){.name = bulk_name,
				.unit = "MB/s",
				.baseline = base,
				.target = ">= 0.8x",
				.has_ratio = true,
				.higher_is_better = true,
				.target_ratio = 0.8};
	*rt_exits = (struct figure){.name = "echo: exits per 1-byte round trip",
				    .unit = "exits",
				    .baseline = "none: --stats exits / round trips"};
	*rt_calls = (struct figure){.name = "echo: host system calls per 1-byte round trip",
				    .unit = "calls",
				    .baseline = "none: --stats exits + hypercalls / round trips"};
	for (int i = 0; i < cfg.net_runs; i++) {
		double ex, calls;
		add(&rt->base, echo_run(false, false, NULL, NULL));
		add(&rt->val, echo_run(true, false, &ex, &calls));
		add(&rt_exits->val, ex), add(&rt_calls->val, calls);
		add(&bulk->base, echo_run(false, true, NULL, NULL));
		add(&bulk->val, echo_run(true, true, NULL, NULL));
	}
	rt->base_value = median(&rt->base), bulk->base_value = median(&bulk->base);
	rt_exits->base_value = rt_calls->base_value = NAN;

	n += bench_wrk(&fs[n], HTTPD);
	if (cfg.lighttpd_host[0])
		n += bench_wrk(&fs[n], LIGHTTPD);

	/* Time to first response: spawn to the first 200. */
	struct figure *first = &fs[n++];
	*first = (struct figure){.name = "apps/httpd: spawn to the first HTTP answer",
				 .unit = "ms",
				 .baseline = "the native build spawned the same way",
				 .has_ratio = true};
	for (int i = 0; i < cfg.net_runs; i++)
		for (int guest = 0; guest < 2; guest++) {
			struct proc s;
			int port = net_port();
			http_start(&s, HTTPD, guest, port, false);
			add(guest ? &first->val : &first->base, wait_http(&s, port, "apps/httpd"));
			free(stop_server(&s, "apps/httpd", true));
		}
	first->base_value = median(&first->base);

	/* Many at once, each on its own port. */
	struct figure *many = &fs[n++], *rss = &fs[n++];
	snprintf(many_name, sizeof(many_name),
		 "%d httpd VMs started at once, each answering on its own port", cfg.vms);
	snprintf(rss_name, sizeof(rss_name), "%d httpd VMs: total RSS", cfg.vms);
	*many = (struct figure){.name = many_name,
				.unit = "ms",
				.baseline = "as many native httpd started the same way",
				.has_ratio = true};
	*rss = (struct figure){
	    .name = rss_name, .unit = "MiB", .baseline = "as many native httpd", .has_ratio = true};
	int reps = cfg.net_runs < 3 ? cfg.net_runs : 3;
	for (int i = 0; i < reps; i++) {
		double mib;
		add(&many->base, many_httpd(cfg.vms, false, &mib));
		add(&rss->base, mib);
		add(&many->val, many_httpd(cfg.vms, true, &mib));
		add(&rss->val, mib);
	}
	many->base_value = median(&many->base), rss->base_value = median(&rss->base);
	return n;
}

/* ---- output -------------------------------------------------------------- */

static double ratio(const struct figure *f)
{
	return f->has_ratio ? median(&f->val) / f->base_value : NAN;
}

/* 1 met, 0 missed, -1 the figure has no target. */
static int meets_target(const struct figure *f)
{
	if (!f->target)
		return -1;
	if (!f->has_ratio)
		return median(&f->val) <= f->target_max;
	return f->higher_is_better ? ratio(f) >= f->target_ratio : ratio(f) <= f->target_ratio;
}

static void print_table(const struct figure *fs, int n)
{
	printf("| figure | median | min | max | baseline | ratio | target | met |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (int i = 0; i < n; i++) {
		const struct figure *f = &fs[i];
		printf("| %s (%s) | %.4g | %.4g | %.4g | ", f->name, f->unit, median(&f->val),
		       min_of(&f->val), max_of(&f->val));
		if (isnan(f->base_value))
			printf("%s | - | ", f->baseline);
		else
			printf("%.4g (%s) | %.2fx | ", f->base_value, f->baseline, ratio(f));
		int met = meets_target(f);
		printf("%s | %s |\n", f->target ? f->target : "-",
		       met < 0 ? "-"
		       : met   ? "yes"
			       : "no");
	}
}

static void json_number(FILE *o, double v)
{
	if (isfinite(v))
		fprintf(o, "%.6g", v);
	else
		fputs("null", o);
}

static void json_series(FILE *o, const char *key, const struct series *s)
{
	fprintf(o, "\"%s\": {\"median\": ", key);
	json_number(o, median(s));
	fputs(", \"min\": ", o);
	json_number(o, min_of(s));
	fputs(", \"max\": ", o);
	json_number(o, max_of(s));
	fprintf(o, ", \"runs\": %d}", s->n);
}

static void write_json(const char *path, const struct figure *fs, int n)
{
	FILE *o = fopen(path, "w");
	if (!o)
		die("cannot write %s", path);
	fprintf(o, "{\"quick\": %s, \"figures\": [\n", cfg.quick ? "true" : "false");
	for (int i = 0; i < n; i++) {
		const struct figure *f = &fs[i];
		fprintf(o, "  {\"name\": \"%s\", \"unit\": \"%s\", ", f->name, f->unit);
		json_series(o, "value", &f->val);
		if (f->base.n) {
			fputs(", ", o);
			json_series(o, "baseline_series", &f->base);
		}
		fputs(", \"baseline\": ", o);
		json_number(o, f->base_value);
		fprintf(o, ", \"baseline_is\": \"%s\", \"ratio\": ", f->baseline);
		json_number(o, ratio(f));
		int met = meets_target(f);
		if (f->target)
			fprintf(o, ", \"target\": \"%s\", \"met\": %s}", f->target,
				met ? "true" : "false");
		else
			fputs(", \"target\": null, \"met\": null}", o);
		fputs(i + 1 < n ? ",\n" : "\n", o);
	}
	fputs("]}\n", o);
	if (fclose(o))
		die("cannot write %s", path);
}

/* Every figure present, finite and positive; ratios plausible. A figure
 * without a baseline is a difference of two measurements (peak RSS minus
 * guest RAM touched) and can come out a little below zero: the kernel's
 * RSS counters are per-CPU approximations, and mincore() counts a guest
 * page that KVM mapped to the shared zero page (a read fault) as resident
 * while RSS does not. Its median may be down to -NOISE_MIB, not below. */
#define NOISE_MIB 1.0
static int check_sane(const struct figure *fs, int n)
{
	int bad = 0;
	for (int i = 0; i < n; i++) {
		const struct figure *f = &fs[i];
		double m = median(&f->val), r = ratio(f);
		bool ok = f->val.n > 0 && isfinite(min_of(&f->val)) && isfinite(m) &&
			  (f->has_ratio ? min_of(&f->val) > 0 : m > -NOISE_MIB) &&
			  (!f->has_ratio || (isfinite(r) && r > 1e-3 && r < 1e3));
		if (!ok) {
			fprintf(stderr,
				"unikvm-bench: figure '%s' is not sane: median %g, ratio %g\n",
				f->name, m, r);
			bad = 1;
		}
	}
	return bad;
}

/* ---- main ---------------------------------------------------------------- */

static const char usage_text[] =
    "usage: unikvm-bench [--quick] [--threads | --net | --block] [--runs N] [--vms N]\n"
    "                    [--json FILE]\n"
    "\n"
    "Measures unikvm against a bare VMM in the same run and prints a table of\n"
    "medians (min, max) and ratios. Needs a /dev/kvm that runs ring-0 guests:\n"
    "run it as  tools/kvm-run build/tools/bench/unikvm-bench  (the sandbox\n"
    "where there is none; there, only the ratios mean anything). The lua\n"
    "figure needs the ports built: ctest --test-dir build -R ports.build, the\n"
    "pigz figure ctest --test-dir build -R ports.build-pigz, the lighttpd\n"
    "figures ctest --test-dir build -R ports.build-lighttpd\n"
    "\n"
    "  --quick      few runs, small counts; fail if a figure is missing or\n"
    "               insane (the test suite's check; no target is checked)\n"
    "  --threads    only the thread figures (futex ping-pong, create+join),\n"
    "               which need no ports\n"
    "  --net        only the network figures (TCP echo, apps/httpd and, when\n"
    "               its port is built and without --quick, lighttpd under wrk,\n"
    "               first answer, many servers at once); they need wrk and a\n"
    "               loopback they may bring up (root in the sandbox)\n"
    "  --block      only the block and boot figures (4 KiB and 1 MiB against\n"
    "               the host and the synchronous-exit baseline, per-request\n"
    "               counts, boot-to-exit), which need no ports\n"
    "  --runs N     runs per figure (default 11; 3 with --quick); the block\n"
    "               figures take at most 3 (1 with --quick, on 1/16 of the data),\n"
    "               the network figures at most 5 (1 with --quick)\n"
    "  --vms N      VMs (and httpd servers) started at once (default 50, at most\n"
    "               64; 4 with --quick)\n"
    "  --json FILE  also write the figures as JSON\n"
    "\n"
    "exit status: 0, or 1 if a run failed (or, with --quick, a figure is not\n"
    "sane), 2 for a usage error. See docs/performance.md.\n";

/* Removes tmpdir and whatever the benchmark left in it (flat: copies and
 * data files only). */
static void remove_copies(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	rmdir(tmpdir);
}

/* Copies src to tmpdir/name and points dst at the copy. */
static void copy_binary(char *dst, const char *src, const char *name)
{
	char buf[1 << 16];
	ssize_t n;
	int in = open(src, O_RDONLY | O_CLOEXEC), out;

	if (in < 0)
		die("%s is missing: build the project first", src);
	snprintf(dst, PATH_MAX, "%s/%s", tmpdir, name);
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (out < 0)
		die("cannot create %s", dst);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			die("cannot write %s", dst);
	if (n < 0 || close(out) < 0)
		die("cannot copy %s", src);
	close(in);
}

/* Copies ports/bin/NAME.host and NAME.uk of the build tree to host and
 * uk; 0, or -1 (and a line on stderr) when the port's build is missing. */
static int optional_port(const char *self, const char *name, char *host, char *uk)
{
	char path[PATH_MAX], copy[64];
	snprintf(path, sizeof(path), "%s/../../ports/bin/%s.host", self, name);
	if (access(path, R_OK)) {
		fprintf(stderr, "unikvm-bench: no %s figures: %s is missing\n", name, path);
		return -1;
	}
	snprintf(copy, sizeof(copy), "%s.host", name);
	copy_binary(host, path, copy);
	snprintf(path, sizeof(path), "%s/../../ports/bin/%s.uk", self, name);
	snprintf(copy, sizeof(copy), "%s.uk", name);
	copy_binary(uk, path, copy);
	return 0;
}

/* wrk (Debian's, tools/install-deps) and, unless --quick, the lighttpd
 * port (ports.build-lighttpd), whose figures are left out without it. */
static void find_net_tools(const char *self)
{
	const char *path = getenv("PATH");
	for (const char *d = path ? path : "/usr/bin"; *d && !cfg.wrk[0];) {
		size_t len = strcspn(d, ":");
		snprintf(cfg.wrk, sizeof(cfg.wrk), "%.*s/wrk", (int)len, d);
		if (access(cfg.wrk, X_OK))
			cfg.wrk[0] = 0;
		d += len + (d[len] == ':');
	}
	if (!cfg.wrk[0])
		die("wrk is missing: the network figures need it (tools/install-deps)%s", "");
	if (cfg.quick)
		return; /* bench.quick stays lean: no lighttpd figures */
	if (optional_port(self, "lighttpd", cfg.lighttpd_host, cfg.lighttpd_uk) == 0)
		copy_binary(cfg.lighttpd_conf, BENCH_LIGHTTPD_CONF, "lighttpd.conf");
	else
		fprintf(stderr, "unikvm-bench: build it with 'ctest --test-dir build -R "
				"ports.build-lighttpd'\n");
}

/* The binaries sit beside this one in the build tree. They are copied to a
 * memory-backed folder first: the sandbox shares the build tree over 9p
 * without a page cache, which would charge each exec for reading its file
 * and so favour the smaller binary. */
static void find_binaries(void)
{
	char self[PATH_MAX - 32], path[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0 || len == (ssize_t)sizeof(self) - 1)
		die("cannot find my own folder through /proc/self/exe%s", "");
	self[len] = 0;
	*strrchr(self, '/') = 0; /* <build>/tools/bench */
	snprintf(tmpdir, sizeof(tmpdir), "%s/unikvm-bench.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(tmpdir))
		die("cannot create a folder for the binaries: %s", strerror(errno));
	atexit(remove_copies);
	/* Each binary: where it is in the build tree, and its name in tmpdir. */
	const struct {
		char *dst;
		const char *rel, *name;
	} bins[] = {
	    {cfg.bare, "", "bare-vmm"},
	    {cfg.guest, "", "bench-guest"},
	    {cfg.unikvm, "../../vmm/", "unikvm"},
	    {cfg.hello, "../../apps/", "hello"},
	    {cfg.blk_host, "", "blk-bench-host"},
	    {cfg.blk_guest, "", "blk-bench-guest"},
	    {cfg.threads_host, "", "threads-bench.host"},
	    {cfg.threads_uk, "", "threads-bench"},
	    {cfg.netecho_host, "", "netecho.host"},
	    {cfg.netecho_uk, "", "netecho"},
	    {cfg.httpd_host, "", "httpd.host"},
	    {cfg.httpd_uk, "../../apps/", "httpd"},
	};
	for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s%s", self, bins[i].rel, bins[i].name);
		copy_binary(bins[i].dst, path, bins[i].name);
	}
	copy_binary(cfg.cpu_lua, BENCH_CPU_LUA, "cpu.lua");
	if (cfg.only == ALL || cfg.only == NET)
		find_net_tools(self);
	if (cfg.only != ALL)
		return;
	/* The ports are built by the test suite (ports.build). */
	snprintf(path, sizeof(path), "%s/../../ports/bin/lua.host", self);
	if (access(path, R_OK))
		die("%s is missing: build the ports first with "
		    "'ctest --test-dir build -R ports.build' (docs/porting.md)",
		    path);
	copy_binary(cfg.lua_host, path, "lua.host");
	snprintf(path, sizeof(path), "%s/../../ports/bin/lua.uk", self);
	copy_binary(cfg.lua_uk, path, "lua.uk");
	snprintf(path, sizeof(path), "%s/../../ports/bin/pigz.host", self);
	if (access(path, R_OK))
		die("%s is missing: build it first with "
		    "'ctest --test-dir build -R ports.build-pigz' (docs/porting.md)",
		    path);
	copy_binary(cfg.pigz_host, path, "pigz.host");
	snprintf(path, sizeof(path), "%s/../../ports/bin/pigz.uk", self);
	copy_binary(cfg.pigz_uk, path, "pigz.uk");
}

static int positive(const char *s, int max)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 1 || v > max) {
		fprintf(stderr, "unikvm-bench: '%s' is not a number from 1 to %d\n", s, max);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"quick", no_argument, NULL, 'q'},
	    {"runs", required_argument, NULL, 'r'},
	    {"vms", required_argument, NULL, 'v'},
	    {"json", required_argument, NULL, 'j'},
	    {"threads", no_argument, NULL, 't'},
	    {"net", no_argument, NULL, 'n'},
	    {"block", no_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, runs = 0, vms = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			cfg.quick = true;
			break;
		case 't':
		case 'n':
		case 'b':
			if (cfg.only != ALL) {
				fprintf(stderr, "unikvm-bench: --threads, --net and --block "
						"exclude each other\n");
				return 2;
			}
			cfg.only = c == 't' ? THREADS : c == 'n' ? NET : BLOCK;
			break;
		case 'r':
			runs = positive(optarg, MAX_RUNS);
			break;
		case 'v':
			vms = positive(optarg, MAX_VMS);
			break;
		case 'j':
			cfg.json = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (cfg.quick) {
		cfg.runs = 3, cfg.hypercalls = 1000, cfg.vms = 4;
		cfg.blk_runs = 1, cfg.blk_divisor = 16;
		cfg.syscalls = 10000, cfg.dir_mib = 16, cfg.lua_n = 100000;
		cfg.pingpongs = 2000, cfg.creates = 200, cfg.pigz_mib = 1;
		cfg.console_bytes = 4 << 20;
		cfg.net_runs = 1, cfg.net_round_trips = 200, cfg.net_bulk_mib = 1;
		cfg.wrk_seconds = 1;
	}
	if (runs)
		cfg.runs = runs;
	if (cfg.blk_runs > cfg.runs)
		cfg.blk_runs = cfg.runs;
	if (cfg.net_runs > cfg.runs)
		cfg.net_runs = cfg.runs;
	if (vms)
		cfg.vms = vms;
	find_binaries();

	struct figure fs[11 + BLK_FIGURES + NET_FIGURES];
	int n = 0;
	if (cfg.only == THREADS) {
		n += bench_threads(&fs[n]);
		goto report;
	}
	if (cfg.only == NET) {
		n += bench_net(&fs[n]);
		goto report;
	}
	if (cfg.only == BLOCK) {
		bench_boot(&fs[n++]);
		n += bench_block(&fs[n]);
		goto report;
	}
	bench_boot(&fs[n++]);
	bench_hypercall(&fs[n++]);
	bench_console(&fs[n++]);
	bench_memory(&fs[n++]);
	bench_many(&fs[n++]);
	n += bench_block(&fs[n]);
	bench_syscall(&fs[n++]);
	bench_dir(&fs[n++]);
	bench_port(&fs[n++]);
	n += bench_threads(&fs[n]);
	if (cfg.pigz_host[0])
		bench_pigz(&fs[n++]);
	n += bench_net(&fs[n]);
report:
	print_table(fs, n);
	if (cfg.json)
		write_json(cfg.json, fs, n);
	return cfg.quick ? check_sane(fs, n) : 0;
}
