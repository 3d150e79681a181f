/* sysvals: what the system calls beyond files return, printed for exact
 * comparison (tests/CMakeLists.txt, run with --mem 64M). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void *thread_main(void *arg)
{
	return arg;
}

/* sysvals stdin: poll on the host's stdin, for a writer that is late. */
static int poll_stdin(void)
{
	struct pollfd pf = {0, POLLIN, 0};
	char buf[16];
	int r = poll(&pf, 1, 500);
	printf("poll 500 ms: %d\n", r);
	r = poll(&pf, 1, -1);
	printf("poll: %d revents %x\n", r, pf.revents);
	ssize_t n = read(0, buf, sizeof(buf));
	printf("read: %.*s", (int)(n > 0 ? n : 0), buf);
	return 0;
}

int main(int argc, char **argv)
{
	struct utsname u;
	struct sysinfo si;
	struct rlimit rl;
	struct timespec res;
	unsigned char r1[64], r2[64];
	char buf[8];
	int p[2];

	if (argc > 1 && !strcmp(argv[1], "stdin"))
		return poll_stdin();
	uname(&u);
	printf("uname: %s %s %s %s %s\n", u.sysname, u.nodename, u.release, u.version, u.machine);
	sysinfo(&si);
	printf("sysinfo: totalram %lu procs %u unit %u freeram %s\n", si.totalram, si.procs,
	       si.mem_unit, si.freeram > 0 && si.freeram < si.totalram ? "ok" : "wrong");
	getrlimit(RLIMIT_NOFILE, &rl);
	printf("nofile %llu %llu\n", (unsigned long long)rl.rlim_cur,
	       (unsigned long long)rl.rlim_max);
	syscall(SYS_getrlimit, RLIMIT_CORE, &rl);
	printf("core %llu %s\n", (unsigned long long)rl.rlim_cur,
	       rl.rlim_max == RLIM_INFINITY ? "unlimited" : "limited");
	int r0 = prlimit(2, RLIMIT_CORE, NULL, &rl);
	printf("prlimit pid 2: %d %s\n", r0, strerror(errno));
	uid_t uid_r, uid_e, uid_s;
	gid_t rg, eg, sg;
	getresuid(&uid_r, &uid_e, &uid_s);
	getresgid(&rg, &eg, &sg);
	gid_t groups[4];
	printf("resuid %u %u %u resgid %u %u %u groups %d\n", uid_r, uid_e, uid_s, rg, eg, sg,
	       getgroups(4, groups));
	getrlimit(RLIMIT_STACK, &rl);
	printf("stack %s\n",
	       rl.rlim_cur > (8u << 20) - 4096 && rl.rlim_cur <= (8u << 20) ? "8 MiB" : "wrong");
	rl.rlim_cur = 100;
	rl.rlim_max = 100;
	printf("setrlimit nofile 100: %d\n", setrlimit(RLIMIT_NOFILE, &rl));
	getrlimit(RLIMIT_NOFILE, &rl);
	printf("nofile now %llu\n", (unsigned long long)rl.rlim_cur);
	rl.rlim_max = 1000;
	int r = setrlimit(RLIMIT_NOFILE, &rl);
	printf("raise: %d %s\n", r, strerror(errno));
	printf("cpus %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
	printf("ids %d %d %d %d\n", getuid(), geteuid(), getgid(), getegid());
	clock_getres(CLOCK_MONOTONIC, &res);
	printf("res %ld %ld\n", (long)res.tv_sec, res.tv_nsec);
	printf("res bad clock: %d\n", clock_getres(99, &res));
	ssize_t n1 = getrandom(r1, sizeof(r1), 0), n2 = getrandom(r2, sizeof(r2), 0);
	printf("getrandom %zd %zd %s\n", n1, n2, memcmp(r1, r2, sizeof(r1)) ? "differ" : "same");
	volatile unsigned long x = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while ((t1.tv_sec - t0.tv_sec) * 1000000000L + t1.tv_nsec - t0.tv_nsec < 50000000L);
	struct tms tm;
	clock_t ticks = times(&tm);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("cpu time %s\n", ticks > 0 && tm.tms_utime > 0 &&
					(ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec >= 50000)
				    ? "ok"
				    : "wrong");
	pthread_t t;
	void *joined = NULL;
	int e = pthread_create(&t, NULL, thread_main, (void *)42);
	if (!e)
		e = pthread_join(t, &joined);
	printf("pthread_create: %d (%s), joined %ld\n", e, strerror(e), (long)joined);
	r = (int)fork();
	printf("fork: %d %s\n", r, strerror(errno));
	char *xargv[] = {"x", NULL};
	r = execve("/bin/true", xargv, xargv + 1);
	printf("execve: %d %s\n", r, strerror(errno));
	r = socket(AF_INET, SOCK_STREAM, 0);
	printf("socket: %d %s\n", r, strerror(errno));

	printf("pipe: %d\n", pipe(p));
	printf("write %zd\n", write(p[1], "abc", 3));
	struct pollfd pf[3] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {1, POLLOUT, 0}};
	r = poll(pf, 3, 0);
	printf("poll %d: %x %x %x\n", r, pf[0].revents, pf[1].revents, pf[2].revents);
	ssize_t n = read(p[0], buf, sizeof(buf));
	printf("read %zd [%.3s]\n", n, buf);
	n = read(p[0], buf, 1);
	printf("read empty: %zd %s\n", n, strerror(errno));
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	n = read(p[0], buf, 1);
	printf("read nonblock: %zd %s\n", n, strerror(errno));
	r = poll(pf, 1, 10);
	printf("poll empty %d\n", r);
	fd_set rs, ws;
	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_SET(p[0], &rs);
	FD_SET(1, &ws);
	struct timeval tv = {0, 50000};
	r = select(p[0] + 1, &rs, &ws, NULL, &tv);
	printf("select empty pipe, stdout: %d %d %d\n", r, FD_ISSET(p[0], &rs), FD_ISSET(1, &ws));
	write(p[1], "z", 1);
	FD_SET(p[0], &rs);
	struct timespec zero = {0, 0};
	r = pselect(p[0] + 1, &rs, NULL, NULL, &zero, NULL);
	printf("pselect full pipe: %d %d\n", r, FD_ISSET(p[0], &rs));
	FD_SET(77, &rs);
	r = select(78, &rs, NULL, NULL, &tv);
	printf("select closed fd: %d %s\n", r, strerror(errno));
	r = flock(p[0], LOCK_EX);
	printf("flock: %d\n", r);
	read(p[0], buf, 1);
	close(p[1]);
	n = read(p[0], buf, 1);
	printf("read eof: %zd\n", n);
	close(p[0]);
	struct stat st;
	r = stat("/dev/null", &st);
	printf("stat /dev/null: %d chr %d rdev %lx\n", r, S_ISCHR(st.st_mode),
	       (unsigned long)st.st_rdev);
	int in = open("/dev/stdin", O_RDONLY);
	n = read(in, buf, 1);
	printf("/dev/stdin: fd %d read %zd\n", in, n);
	close(in);
	FILE *out = fopen("/dev/stdout", "w");
	fflush(stdout);
	fprintf(out, "through /dev/stdout\n");
	fclose(out);
	n = write(1, "", 0);
	printf("stdout still open: %zd\n", n);
	off_t o = lseek(1, 0, SEEK_CUR);
	printf("lseek stdout: %ld %s\n", (long)o, strerror(errno));
	return 0;
}
