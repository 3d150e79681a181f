/*
 * unikvm-bench: how fast unikvm is, against the least a VMM can do.
 *
 * Each figure is the median (with min and max) of repeated runs, next to a
 * baseline measured in the same run, and reported as a ratio: absolute
 * times mean little under the nested sandbox, ratios do. The table goes to
 * stdout, the same figures as JSON to --json FILE. See docs/performance.md.
 *
 * --threads, --net and --block run only those figures. --quick (for the
 * test suite) runs each figure a few times with small counts and fails if a
 * figure is missing or insane; it checks no target. The block figures are
 * in bench_block.c, the network's in bench_net.c (shared: bench.h).
 */
#include "bench.h"

/* A memory-backed folder for copies of the binaries and the disk file. */
char tmpdir[64];

struct bench_cfg cfg = {
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

void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "unikvm-bench: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

void add(struct series *s, double v)
{
	if (s->n < MAX_RUNS)
		s->v[s->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double median(const struct series *s)
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

/* Starts argv with stdout and stderr in fresh memfds (or /dev/null). */
void proc_start(struct proc *p, char *const argv[], bool keep_stdout)
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
double proc_wait(struct proc *p)
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
char *slurp(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *s = malloc((size_t)len + 1);
	if (len < 0 || !s || pread(fd, s, (size_t)len, 0) != len)
		die("cannot read a child's output%s", "");
	s[len] = 0;
	return s;
}

void proc_close(struct proc *p)
{
	close(p->out);
	close(p->err);
}

/* Runs argv to the end; fails the benchmark unless it exits 0. Returns
 * the wall time; *out (if not NULL) gets stdout, *err stderr. */
double run(char *const argv[], char **out, char **err, long *maxrss_kb)
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
double field(const char *text, const char *key)
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
