/*
 * unikvm-bench's parts (bench.c: the command, the smaller figures and the
 * output; bench_block.c: block I/O; bench_net.c: the network): what they
 * share. See docs/performance.md.
 */
#ifndef UKVM_BENCH_H
#define UKVM_BENCH_H

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

#define MAX_RUNS 101
#define MAX_VMS 64

extern char **environ;

/* A memory-backed folder for copies of the binaries and the disk file. */
extern char tmpdir[64];

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

struct bench_cfg {
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
};
extern struct bench_cfg cfg;

struct proc {
	pid_t pid;
	int out, err; /* memfds holding the child's stdout and stderr */
	double start_ms, wall_ms;
	long maxrss_kb;
	int status;
};

/* Helpers (bench.c). die prints "unikvm-bench: " fmt (with arg) and exits 1. */
void die(const char *fmt, const char *arg);
double now_ms(void);
void add(struct series *s, double v);
double median(const struct series *s);
/* Starts argv with stdout and stderr in fresh memfds (or /dev/null). */
void proc_start(struct proc *p, char *const argv[], bool keep_stdout);
/* Waits for p; returns its wall time in ms. */
double proc_wait(struct proc *p);
/* The whole content of memfd fd, NUL-terminated (caller frees). */
char *slurp(int fd);
void proc_close(struct proc *p);
/* Runs argv to the end; fails the benchmark unless it exits 0. Returns
 * the wall time; *out (if not NULL) gets stdout, *err stderr. */
double run(char *const argv[], char **out, char **err, long *maxrss_kb);
/* The number after `key` in text, or NAN. */
double field(const char *text, const char *key);

/* The figures of each part: they fill fs and return how many. */
#define BLK_CASES 8			/* blk_plan.h */
#define BLK_FIGURES (2 * BLK_CASES + 9) /* + QD32/QD1, 2 against a plain exit, 6 counts */
int bench_block(struct figure *fs);
#define NET_FIGURES 15
int bench_net(struct figure *fs);

#endif
