/*
 * reruns: the VMM's resource bounds, from inside one process. It links
 * unikvm's own main() (renamed unikvm_main, see CMakeLists.txt) and runs
 * it again and again: good runs, failing ones (no image, a bad image, a
 * bad --disk or --dir, a bad option), crashing and timed-out guests, a
 * corrupt disk ring, guests that exhaust their memory, and attack's "hammer", which drives every
 * path of the VMM that serves the guest to its limit (all file handles,
 * the block ring full, console floods).
 *
 * The runs are unconfined (--no-seccomp): a filter cannot be unloaded, and
 * a run under one could not start the next.
 *
 * Checks, over ROUNDS rounds of all of them:
 *   - each run ends with its status;
 *   - the open fds after each round are exactly those before the first
 *     (numbers and what they are open on);
 *   - the peak RSS of each run (VmHWM, reset before it through
 *     /proc/self/clear_refs) is at most the RSS before the runs, plus the
 *     guest's RAM, plus HOST_SLACK: nothing the guest does makes the VMM
 *     allocate without bound;
 *   - the RSS after each round is no larger than after the first (plus
 *     LEAK_SLACK): runs leave nothing behind.
 *
 * usage: reruns ATTACK HELLO WORKDIR (WORKDIR is made and removed)
 * The runs' stdout and stderr go to /dev/null; the report is on stderr.
 */
#include <dirent.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int unikvm_main(int argc, char **argv);

#define ROUNDS 3
#define GUEST_MEM (64LL << 20)
#ifdef __SANITIZE_ADDRESS__
/* ASan's allocator and shadow grow in steps of their own (CI once saw
 * 7 MiB in round 3 with nothing leaked): a wider slack; LeakSanitizer, at
 * this process's exit, is the exact leak check in that build. */
#define LEAK_SLACK (24LL << 20)
#else
#define LEAK_SLACK (4LL << 20)
#endif
#define HOST_SLACK (32LL << 20)
#ifdef __SANITIZE_ADDRESS__
/* ASan keeps freed blocks in a quarantine of 256 MiB: keep that small, so
 * that the RSS after a round measures what runs left behind */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=1";
}
#endif

static FILE *report;
static int failed;

/* VmHWM or VmRSS of this process, in bytes. */
static long long status_kib(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long long v = -1;
	size_t n = strlen(field);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			v = atoll(line + n + 1) << 10;
	if (f)
		fclose(f);
	return v;
}

static void reset_hwm(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "5", 1) != 1) {
		fprintf(report, "reruns: cannot reset VmHWM through /proc/self/clear_refs\n");
		exit(1);
	}
	close(fd);
}

/* "fd -> target" lines of every open fd but the listing's own. */
static void fd_list(char *out, size_t len)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t used = 0;
	out[0] = '\0';
	while (d && (e = readdir(d))) {
		char link[256];
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		link[n < 0 ? 0 : n] = '\0';
		used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s -> %s\n",
					 e->d_name, link);
	}
	if (d)
		closedir(d);
}

static const char *attack, *hello, *work;
static char disk[512], dir[512], bad_image[512], missing[512];

struct run {
	const char *name;
	int status;
	const char *argv[12];
};

static void run_one(const struct run *r, long long rss0)
{
	char *argv[16];
	int argc = 0;
	argv[argc++] = "unikvm";
	for (int i = 0; r->argv[i]; i++) {
		argv[argc++] = (char *)r->argv[i];
		/* A seccomp filter stays on the thread that loaded it, and this
		 * thread runs the next run too: unconfined (seccomp.* tests the
		 * filters; its warning goes to /dev/null with the rest). */
		if (i == 0)
			argv[argc++] = "--no-seccomp";
	}
	argv[argc] = NULL;
	reset_hwm();
	int st = unikvm_main(argc, argv);
	long long hwm = status_kib("VmHWM");
	bool over = hwm > rss0 + GUEST_MEM + HOST_SLACK;
	if (st != r->status || over)
		failed = 1;
	fprintf(report, "%s: %s: status %d (want %d), peak RSS %lld MiB%s\n",
		st != r->status || over ? "FAIL" : "ok", r->name, st, r->status, hwm >> 20,
		over ? " (over the bound)" : "");
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: reruns ATTACK HELLO WORKDIR\n");
		return 2;
	}
	attack = argv[1], hello = argv[2], work = argv[3];
	int err = dup(2);
	report = fdopen(err, "w");
	setvbuf(report, NULL, _IOLBF, 0);

	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "rm -rf '%s' && mkdir -p '%s/dir' && echo data >'%s/dir/f' && "
		 "truncate -s 64K '%s/disk' && echo 'not an ELF' >'%s/bad'",
		 work, work, work, work, work);
	if (system(cmd) != 0)
		return 1;
	snprintf(disk, sizeof(disk), "%s/disk", work);
	snprintf(dir, sizeof(dir), "%s/dir:/data", work);
	snprintf(bad_image, sizeof(bad_image), "%s/bad", work);
	snprintf(missing, sizeof(missing), "%s/missing", work);

	const struct run runs[] = {
	    {"hello", 0, {"run", "--mem", "64M", hello}},
	    {"no image", 127, {"run", missing}},
	    {"bad image", 126, {"run", bad_image}},
	    {"bad option", 125, {"run", "--mem", "1T", hello}},
	    {"missing disk", 125, {"run", "--disk", missing, hello}},
	    {"missing dir", 125, {"run", "--disk", disk, "--dir", missing, hello}},
	    {"crash",
	     139,
	     {"run", "--mem", "64M", "--disk", disk, "--dir", dir, attack, "jump-zero"}},
	    {"guest error", 139, {"run", "--mem", "64M", "--dir", dir, attack, "fs-stat-low"}},
	    {"corrupt ring",
	     159,
	     {"run", "--mem", "64M", "--disk", disk, attack, "blk-prod-backwards"}},
	    {"timeout",
	     124,
	     {"run", "--mem", "64M", "--timeout", "1", "--disk", disk, attack, "spin"}},
	    {"mmap 1 TiB", 0, {"run", "--mem", "64M", attack, "mmap-huge"}},
	    {"all RAM", 0, {"run", "--mem", "64M", attack, "eat-memory"}},
	    {"hammer", 0, {"run", "--mem", "64M", "--disk", disk, "--dir", dir, attack, "hammer"}},
	};

	/* The runs' own output goes nowhere. */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		return 1;
	close(null);

	static char before[65536], after[65536];
	fd_list(before, sizeof(before));
	long long rss0 = status_kib("VmRSS"), rss1 = 0;
	fprintf(report,
		"RSS before the runs: %lld MiB; bound per run: that + %lld MiB guest + %lld MiB\n",
		rss0 >> 20, GUEST_MEM >> 20, HOST_SLACK >> 20);
	for (int round = 1; round <= ROUNDS; round++) {
		for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
			run_one(&runs[i], rss0);
		fd_list(after, sizeof(after));
		long long rss = status_kib("VmRSS");
		if (round == 1)
			rss1 = rss;
		bool fds_same = !strcmp(before, after), grew = rss > rss1 + LEAK_SLACK;
		fprintf(report, "%s: round %d: open fds %s, RSS after it %lld MiB\n",
			fds_same && !grew ? "ok" : "FAIL", round, fds_same ? "as before" : "differ",
			rss >> 20);
		if (!fds_same)
			fprintf(report, "--- before:\n%s--- after:\n%s", before, after);
		if (!fds_same || grew)
			failed = 1;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
	if (system(cmd) != 0)
		failed = 1;
	fprintf(report, "%s\n", failed ? "reruns: FAILED" : "reruns: ok");
	return failed;
}
