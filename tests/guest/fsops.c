/* fsops OP ARGS...: one file operation, printed as "OP: ok" or "OP: strerror"
 * (exit 0 / 1), or what it found (statfs PATH...). Used by tests/scripts/dir-cases on --dir
 * mappings; its host build computes the same checksums on the host. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static int report(const char *op, int r)
{
	printf("%s: %s\n", op, r < 0 ? strerror(errno) : "ok");
	return r < 0;
}

/* A checksum of a whole file read in CHUNK pieces with read or pread. */
#define CHUNK (1u << 20)
static int sum_file(const char *path, int use_pread)
{
	static uint64_t buf[CHUNK / 8];
	uint64_t h = 0, total = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return report("open", -1);
	for (;;) {
		ssize_t n = use_pread ? pread(fd, buf, CHUNK, (off_t)total) : read(fd, buf, CHUNK);
		if (n < 0)
			return report("read", -1);
		if (n == 0)
			break;
		if (n % 8)
			memset((char *)buf + n, 0, 8 - (size_t)n % 8);
		for (size_t i = 0; i < ((size_t)n + 7) / 8; i++)
			h = (h ^ buf[i]) * 0x100000001b3ULL + i;
		total += (uint64_t)n;
	}
	close(fd);
	printf("%s %llu bytes, sum %016llx\n", use_pread ? "pread" : "read",
	       (unsigned long long)total, (unsigned long long)h);
	return 0;
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Reads the whole file 1 MiB at a time with read, then with pread, timed. */
static int time_file(const char *path)
{
	static char buf[CHUNK];
	double ms[2];
	uint64_t total = 0;
	for (int use_pread = 0; use_pread < 2; use_pread++) {
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			return report("open", -1);
		double t0 = now_ms();
		ssize_t n;
		total = 0;
		while ((n = use_pread ? pread(fd, buf, CHUNK, (off_t)total)
				      : read(fd, buf, CHUNK)) > 0)
			total += (uint64_t)n;
		ms[use_pread] = now_ms() - t0;
		close(fd);
		if (n < 0)
			return report("read", -1);
	}
	printf("%llu bytes: read %.1f ms, pread %.1f ms\n", (unsigned long long)total, ms[0],
	       ms[1]);
	return 0;
}

/* Opens and reads `path` n times; counts what came back. */
static int read_loop(const char *path, int n, const char *forbidden)
{
	int ok = 0, refused = 0, leaked = 0;
	char buf[256];
	for (int i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			refused++;
			continue;
		}
		ssize_t len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[len > 0 ? len : 0] = 0;
		if (strstr(buf, forbidden))
			leaked++;
		else
			ok++;
	}
	printf("loop: %d opened inside, %d refused, %d leaked\n", ok, refused, leaked);
	return leaked != 0;
}

/* For each path: whether statfs, fstatfs, statvfs and fstatvfs say
 * ST_RDONLY; for a device, what statfs says of its file system. */
static int statfs_paths(int n, char **paths)
{
	struct statfs sf;
	struct statvfs sv;
	int bad = 0;
	for (int i = 0; i < n; i++) {
		const char *p = paths[i];
		int fd = open(p, O_RDONLY);
		if (fd < 0 || statfs(p, &sf) < 0) {
			bad |= report(p, -1);
			continue;
		}
		if (!strncmp(p, "/dev/", 5)) {
			printf(
			    "%s: type %lx bsize %ld blocks %llu bfree %llu bavail %llu files %llu "
			    "ffree %llu namelen %ld frsize %ld flags %lx\n",
			    p, (unsigned long)sf.f_type, (long)sf.f_bsize,
			    (unsigned long long)sf.f_blocks, (unsigned long long)sf.f_bfree,
			    (unsigned long long)sf.f_bavail, (unsigned long long)sf.f_files,
			    (unsigned long long)sf.f_ffree, (long)sf.f_namelen, (long)sf.f_frsize,
			    (unsigned long)sf.f_flags);
			close(fd);
			continue;
		}
		int s = !!(sf.f_flags & ST_RDONLY);
		int f = fstatfs(fd, &sf) == 0 && (sf.f_flags & ST_RDONLY);
		int v = statvfs(p, &sv) == 0 && (sv.f_flag & ST_RDONLY);
		int fv = fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
		printf("%s: read-only statfs %d fstatfs %d statvfs %d fstatvfs %d\n", p, s, f, v,
		       fv);
		close(fd);
	}
	return bad;
}

#ifdef UKVM_GUEST
#include <unikvm/abi.h>
void hypercall(unsigned nr, void *arg); /* libguest */

/* Sends the VMM a relative path as it is (no folding by libguest). */
static int raw_open(const char *rel)
{
	struct ukvm_hc_fs_path hc = {
	    .p = {.mount = 0, .len = (uint32_t)strlen(rel), .path = (uint64_t)(uintptr_t)rel}};
	hypercall(UKVM_HC_FS_OPEN, &hc);
	if (hc.ret < 0)
		errno = (int)-hc.ret;
	return hc.ret < 0 ? -1 : 0;
}
#endif

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	const char *a = argc > 2 ? argv[2] : "", *b = argc > 3 ? argv[3] : "";
	char buf[256];
	struct stat st;
	int fd;

	if (!strcmp(op, "read")) {
		fd = open(a, O_RDONLY);
		if (fd < 0)
			return report(op, -1);
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0)
			return report(op, -1);
		printf("read: %.*s", (int)n, buf);
		return 0;
	}
	if (!strcmp(op, "sum"))
		return sum_file(a, 0) || sum_file(a, 1);
	if (!strcmp(op, "time"))
		return time_file(a);
	if (!strcmp(op, "loop"))
		return read_loop(a, atoi(b), argv[4]);
	if (!strcmp(op, "open-wronly"))
		return report(op, open(a, O_WRONLY));
	if (!strcmp(op, "open-rdwr"))
		return report(op, open(a, O_RDWR));
	if (!strcmp(op, "open-trunc"))
		return report(op, open(a, O_RDONLY | O_TRUNC));
	if (!strcmp(op, "create"))
		return report(op, open(a, O_CREAT | O_WRONLY, 0644));
	if (!strcmp(op, "creat"))
		return report(op, creat(a, 0644));
	if (!strcmp(op, "write")) {
		fd = open(a, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		if (fd < 0)
			return report(op, -1);
		return report(op, (int)write(fd, b, strlen(b)));
	}
	if (!strcmp(op, "mkdir"))
		return report(op, mkdir(a, 0755));
	if (!strcmp(op, "rmdir"))
		return report(op, rmdir(a));
	if (!strcmp(op, "unlink"))
		return report(op, unlink(a));
	if (!strcmp(op, "rename"))
		return report(op, rename(a, b));
	if (!strcmp(op, "truncate")) {
		fd = open(a, O_RDONLY);
		return report(op, fd < 0 ? fd : ftruncate(fd, 0));
	}
	if (!strcmp(op, "chmod"))
		return report(op, chmod(a, 0600));
	if (!strcmp(op, "touch"))
		return report(op, utimensat(AT_FDCWD, a, NULL, 0));
	if (!strcmp(op, "symlink"))
		return report(op, symlink("target", a));
	if (!strcmp(op, "link"))
		return report(op, link(a, b));
	if (!strcmp(op, "chown-other"))
		return report(op, chown(a, 12345, 12345));
	if (!strcmp(op, "access-w"))
		return report(op, access(a, W_OK));
	if (!strcmp(op, "stat"))
		return report(op, stat(a, &st));
	if (!strcmp(op, "lstat"))
		return report(op, lstat(a, &st));
	if (!strcmp(op, "readlink")) {
		ssize_t n = readlink(a, buf, sizeof(buf));
		if (n >= 0)
			printf("readlink: %.*s\n", (int)n, buf);
		return n < 0 ? report(op, -1) : 0;
	}
	if (!strcmp(op, "statfs"))
		return statfs_paths(argc - 2, argv + 2);
	if (!strcmp(op, "emfile")) {
		int n = 0;
		while (open(a, O_RDONLY) >= 0)
			n++;
		printf("emfile: %d opened, then %s\n", n, strerror(errno));
		return 0;
	}
#ifdef UKVM_GUEST
	if (!strcmp(op, "raw-open"))
		return report(op, raw_open(a));
	if (!strcmp(op, "raw-wild")) { /* a path pointer far outside guest RAM */
		struct ukvm_hc_fs_path hc = {.p = {.mount = 0, .len = 10, .path = 1ULL << 40}};
		hypercall(UKVM_HC_FS_OPEN, &hc);
		return report(op, -1); /* not reached: the VMM ends the run */
	}
#endif
	fprintf(stderr, "fsops: unknown op '%s'\n", op);
	return 2;
}
