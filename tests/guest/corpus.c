/* corpus: stdio formatting, errno values, time formatting and seeded
 * random numbers: everything here must print the same bytes on the host
 * and in the VM. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "show_calls.h"

/* RLIMIT_NOFILE is enforced as on Linux (libc-test's
 * regression/rlimit-open-files): new fds stay below the soft limit. Only
 * what does not depend on the fds the host build inherits is printed. */
static void nofile_limit(void)
{
	struct rlimit old, rl;
	int fds[64], n = 0, fd, maxfd = -1, p[2];
	struct pollfd pf[43];

	getrlimit(RLIMIT_NOFILE, &old);
	SHOW(dup2(1, 50)); /* opened before the limit: stays usable */
	rl = (struct rlimit){42, old.rlim_max};
	SHOW(setrlimit(RLIMIT_NOFILE, &rl));
	SHOW(sysconf(_SC_OPEN_MAX));
	while (n < 64 && (fd = dup(1)) >= 0) {
		fds[n++] = fd;
		maxfd = fd > maxfd ? fd : maxfd;
	}
	printf("dup up to fd %d, then: %s\n", maxfd, strerror(errno));
	errno = 0;
	SHOW(open("/dev/null", O_RDONLY));
	SHOW(open("/no/such/dir/file", O_RDONLY)); /* the fd is taken first */
	SHOW(pipe(p));
	SHOW(fcntl(1, F_DUPFD, 0));
	SHOW(fcntl(1, F_DUPFD, 41));
	SHOW(fcntl(1, F_DUPFD, 42));
	SHOW(fcntl(1, F_DUPFD_CLOEXEC, 100));
	SHOW(dup2(1, 42));
	SHOW(dup3(1, 45, 0));
	SHOW(dup2(1, 50)); /* open, but at or above the limit */
	SHOW(dup2(50, 50));
	SHOW(fcntl(50, F_GETFD));
	SHOW(write(50, "", 0));
	SHOW(dup2(1, 41));
	for (int i = 0; i < 43; i++)
		pf[i] = (struct pollfd){.fd = -1};
	SHOW(poll(pf, 43, 0));
	SHOW(poll(pf, 42, 0));
	SHOW(close(maxfd));
	SHOW(pipe(p));	       /* one fd free: none taken */
	SHOW(dup(1) == maxfd); /* it is still free */
	SHOW(close(maxfd));
	SHOW(close(maxfd - 1));
	SHOW(pipe(p));
	SHOW(p[0] < 42 && p[1] < 42);
	close(p[0]);
	close(p[1]);
	rl.rlim_cur = 0;
	SHOW(setrlimit(RLIMIT_NOFILE, &rl));
	SHOW(dup(1));
	SHOW(setrlimit(RLIMIT_NOFILE, &old));
	for (int i = 0; i < n; i++)
		close(fds[i]);
	close(50);
	SHOW(dup(1) < 42);
}

/* A path through a device file, a non-directory, is ENOTDIR (libc-test's
 * functional/utime: utimensat(AT_FDCWD, "/dev/null/invalid", ...)). */
static void through_devices(void)
{
	/* not /dev/std*: the test sandbox's /dev has no such links */
	static const char *paths[] = {"/dev/null/invalid", "/dev/null/.",   "/dev/null/..",
				      "/dev/null/../zero", "/dev/zero/x/y", "/dev/null/"};
	struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		show_path_calls(paths[i], NULL);
	SHOW(utimensat(-1, NULL, omit, 0));
	SHOW(utimensat(AT_FDCWD, "", omit, 12345));
}

int main(void)
{
	/* stdio */
	printf("[%5d|%-5d|%05.1f|%+e|%g|%a]\n", 42, -7, 3.14159, 1e-10, 1e100, 1.0);
	printf("[%s|%10.3s|%c|%%|%lx|%llo|%zu]\n", "str", "truncate", 'z', 0xdeadbeefUL, 0777ULL,
	       sizeof(long));
	char buf[64];
	const char *longer = getenv("NO_SUCH_VARIABLE") ? "" : "overflowing";
	printf("snprintf %d ", snprintf(buf, 8, "%s", longer));
	puts(buf);
	int a, b;
	char w[16];
	printf("sscanf %d: %d %d %s\n", sscanf("12 34 word", "%d %d %15s", &a, &b, w), a, b, w);
	printf("strtod %.17g strtol %ld\n", strtod("2.5e-3", NULL), strtol("-0x1f", NULL, 16));
	fputs("to stderr\n", stderr);
	/* errno values of failing calls */
	struct {
		const char *what;
		int r;
	} calls[] = {
	    {"close(-1)", close(-1)},		{"read(77)", (int)read(77, buf, 1)},
	    {"open(\"\")", open("", O_RDONLY)}, {"dup2(99, 1)", dup2(99, 1)},
	    {"fcntl(55)", fcntl(55, F_GETFD)},	{"write(0x1)", (int)write(1, (void *)1, 1)},
	};
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		printf("%s = %d\n", calls[i].what, calls[i].r);
	errno = 0;
	for (int e = 1; e < 40; e++)
		printf("%d %s\n", e, strerror(e));
	/* time formatting (UTC) */
	time_t t = 1700000000;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %a %b %j %U %Z", &tm);
	puts(buf);
	printf("timegm %lld\n", (long long)timegm(&tm));
	printf("asctime %s", asctime(&tm));
	tm.tm_mday += 40;
	printf("timegm normalises: %lld\n", (long long)timegm(&tm));
	/* the device files every program may expect */
	int fd = open("/dev/null", O_RDWR);
	ssize_t wn = write(fd, "abc", 3), r = read(fd, buf, 8);
	off_t o = lseek(fd, 0, SEEK_SET);
	printf("/dev/null: write %zd read %zd lseek %ld\n", wn, r, (long)o);
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 1, 8);
	r = read(fd, buf, 8);
	printf("/dev/zero: read %zd, %d\n", r, buf[0] + buf[7]);
	close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	r = read(fd, buf, 16);
	printf("/dev/urandom: read %zd\n", r);
	close(fd);
	int acc = access("/dev/zero", R_OK | W_OK);
	printf("access /dev/zero rw: %d\n", acc);
	/* seeded random numbers */
	srand(42);
	for (int i = 0; i < 5; i++)
		printf("%d ", rand());
	srandom(7);
	printf("| %ld %ld", random(), random());
	srand48(3);
	printf("| %.10f %ld\n", drand48(), lrand48());
	fflush(stdout);
	nofile_limit();
	through_devices();
	return 0;
}
