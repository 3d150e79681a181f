/*
 * waits: the wait-queue differential (tests/scripts/differential): threads
 * that park in blocking pipe reads and writes, poll, select, ppoll and
 * pselect6 while others run, eventfd in both modes. Built with musl-gcc
 * -static for the host and as a unikernel; output and status must match.
 * Output never depends on how threads interleave beyond what the cases
 * force (a thread that must park has parked before the other acts: the
 * acting side sleeps first, and a flag says whether the parked side was
 * still waiting).
 *
 * usage: waits [PART...]   (no PART: all of them, in order)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static void ms_sleep(long ms)
{
	struct timespec t = {ms / 1000, ms % 1000 * 1000000};
	nanosleep(&t, NULL);
}

static const char *err(long r)
{
	return r < 0 ? strerror(errno) : "ok";
}

static atomic_int done;

/* ---- a blocking pipe read parks while another thread runs ----------------- */

static int pfd[2];

static void *reader(void *arg)
{
	char buf[16] = {0};
	(void)arg;
	long n = read(pfd[0], buf, sizeof buf - 1);
	atomic_store(&done, 1);
	printf("reader: %ld [%s]\n", n, buf);
	return NULL;
}

static void part_pipe_read(void)
{
	pthread_t t;
	pipe(pfd);
	atomic_store(&done, 0);
	pthread_create(&t, NULL, reader, NULL);
	ms_sleep(50);
	printf("main ran, reader %s\n", atomic_load(&done) ? "returned early" : "still parked");
	write(pfd[1], "hello", 5);
	pthread_join(t, NULL);
	close(pfd[0]);
	close(pfd[1]);
}

/* ---- a blocking write larger than the pipe goes on as the reader reads -- */

#define BIG 300000

static void *big_reader(void *arg)
{
	static char buf[8192];
	uint64_t sum = 0, total = 0;
	long n;
	(void)arg;
	ms_sleep(20);
	while ((n = read(pfd[0], buf, sizeof buf)) > 0) {
		for (long i = 0; i < n; i++)
			sum = sum * 31 + (unsigned char)buf[i];
		total += (uint64_t)n;
	}
	printf("big reader: %llu bytes, sum %llx\n", (unsigned long long)total,
	       (unsigned long long)sum);
	return NULL;
}

static void part_pipe_write(void)
{
	static char data[BIG];
	pthread_t t;
	for (int i = 0; i < BIG; i++)
		data[i] = (char)(i * 7 + i / 256);
	pipe(pfd);
	pthread_create(&t, NULL, big_reader, NULL);
	long n = write(pfd[1], data, BIG);
	printf("big write: %ld\n", n);
	close(pfd[1]);
	pthread_join(t, NULL);
	close(pfd[0]);
}

/* ---- poll and select in one thread while another writes ------------------- */

static void *poller(void *arg)
{
	struct pollfd p[2] = {{.fd = pfd[0], .events = POLLIN}, {.fd = -1}};
	(void)arg;
	int r = poll(p, 2, -1);
	atomic_store(&done, 1);
	printf("poller: %d revents %#x\n", r, p[0].revents);
	return NULL;
}

static void *selecter(void *arg)
{
	fd_set rd;
	struct timeval tv = {5, 0};
	(void)arg;
	FD_ZERO(&rd);
	FD_SET(pfd[0], &rd);
	int r = select(pfd[0] + 1, &rd, NULL, NULL, &tv);
	atomic_store(&done, 1);
	/* musl passes the kernel a copy of tv: it stays as it was */
	printf("selecter: %d set %d, tv %ld.%06ld\n", r, FD_ISSET(pfd[0], &rd), (long)tv.tv_sec,
	       (long)tv.tv_usec);
	return NULL;
}

static void run_waiter(void *(*fn)(void *), const char *what, int hangup)
{
	pthread_t t;
	pipe(pfd);
	atomic_store(&done, 0);
	pthread_create(&t, NULL, fn, NULL);
	ms_sleep(50);
	printf("%s: main ran, waiter %s\n", what,
	       atomic_load(&done) ? "returned early" : "still waiting");
	if (hangup) {
		close(pfd[1]);
		pfd[1] = -1;
	} else {
		write(pfd[1], "x", 1);
	}
	pthread_join(t, NULL);
	close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
}

static void part_poll(void)
{
	run_waiter(poller, "poll write", 0);
	run_waiter(poller, "poll hangup", 1);
	run_waiter(selecter, "select write", 0);

	struct pollfd p = {.events = POLLIN};
	int r;
	pipe(pfd);
	p.fd = pfd[0];
	printf("poll 30 ms: %d\n", poll(&p, 1, 30));
	p.fd = pfd[1];
	p.events = POLLOUT;
	r = poll(&p, 1, 0);
	printf("poll write end: %d revents %#x\n", r, p.revents);
	close(pfd[0]);
	r = poll(&p, 1, 0);
	printf("poll no reader: %d revents %#x\n", r, p.revents);
	close(pfd[1]);
	struct timespec ts = {0, 30000000};
	fd_set rd;
	pipe(pfd);
	FD_ZERO(&rd);
	FD_SET(pfd[0], &rd);
	r = pselect(pfd[0] + 1, &rd, NULL, NULL, &ts, NULL);
	printf("pselect 30 ms: %d set %d\n", r, FD_ISSET(pfd[0], &rd));
	close(pfd[0]);
	close(pfd[1]);
}

/* ---- ppoll and pselect6 with a signal mask -------------------------------- */

static atomic_int handled;
static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
}

static pthread_t main_thread;
static void *kicker(void *arg)
{
	(void)arg;
	ms_sleep(50);
	pthread_kill(main_thread, SIGUSR1);
	return NULL;
}

static int usr1_blocked(void)
{
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	return sigismember(&now, SIGUSR1);
}

static void part_ppoll(void)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	sigset_t block, open_mask;
	struct pollfd p = {.events = POLLIN};
	pthread_t t;

	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigprocmask(SIG_BLOCK, NULL, &open_mask);
	sigdelset(&open_mask, SIGUSR1);
	pipe(pfd);
	p.fd = pfd[0];

	/* pending before: the mask opens it at once */
	raise(SIGUSR1);
	printf("raised: handled %d\n", atomic_load(&handled));
	int r = ppoll(&p, 1, NULL, &open_mask);
	printf("ppoll pending: %d %s, handled %d, blocked again %d\n", r, err(r),
	       atomic_load(&handled), usr1_blocked());

	/* from another thread while it waits */
	main_thread = pthread_self();
	pthread_create(&t, NULL, kicker, NULL);
	r = ppoll(&p, 1, NULL, &open_mask);
	printf("ppoll kicked: %d %s, handled %d, blocked again %d\n", r, err(r),
	       atomic_load(&handled), usr1_blocked());
	pthread_join(t, NULL);

	/* a mask that keeps it blocked: the timeout ends the call */
	struct timespec ts = {0, 100000000};
	pthread_create(&t, NULL, kicker, NULL);
	r = ppoll(&p, 1, &ts, &block);
	pthread_join(t, NULL);
	printf("ppoll masked: %d, handled %d\n", r, atomic_load(&handled));
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	printf("unblocked: handled %d\n", atomic_load(&handled));

	/* pselect6 the same way */
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(pfd[0], &rd);
	sigprocmask(SIG_BLOCK, &block, NULL);
	pthread_create(&t, NULL, kicker, NULL);
	r = pselect(pfd[0] + 1, &rd, NULL, NULL, NULL, &open_mask);
	printf("pselect kicked: %d %s, handled %d, blocked again %d\n", r, err(r),
	       atomic_load(&handled), usr1_blocked());
	pthread_join(t, NULL);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	close(pfd[0]);
	close(pfd[1]);
}

/* ---- eventfd ---------------------------------------------------------------- */

static int efd;

static void *efd_reader(void *arg)
{
	uint64_t v = 0;
	(void)arg;
	long n = read(efd, &v, 8);
	atomic_store(&done, 1);
	printf("efd reader: %ld value %llu\n", n, (unsigned long long)v);
	return NULL;
}

static void *efd_poller(void *arg)
{
	struct pollfd p = {.fd = efd, .events = POLLIN};
	(void)arg;
	int r = poll(&p, 1, 200);
	printf("efd poller after close: %d revents %#x\n", r, p.revents);
	return NULL;
}

static void part_eventfd(void)
{
	uint64_t v;
	long r;
	struct stat st;
	struct pollfd p;
	pthread_t t;

	efd = eventfd(5, 0);
	printf("eventfd: %s\n", efd >= 0 ? "ok" : strerror(errno));
	v = 3;
	r = write(efd, &v, 8);
	printf("write 3: %ld\n", r);
	r = read(efd, &v, 8);
	printf("read: %ld value %llu\n", r, (unsigned long long)v);
	r = read(efd, &v, 4);
	printf("read 4 bytes: %ld %s\n", r, err(r));
	r = write(efd, &v, 7);
	printf("write 7 bytes: %ld %s\n", r, err(r));
	v = ~0ull;
	r = write(efd, &v, 8);
	printf("write ~0: %ld %s\n", r, err(r));
	fstat(efd, &st);
	printf("fstat mode %o\n", st.st_mode);
	p = (struct pollfd){.fd = efd, .events = POLLIN | POLLOUT};
	r = poll(&p, 1, 0);
	printf("poll empty: %ld revents %#x\n", r, p.revents);

	atomic_store(&done, 0);
	pthread_create(&t, NULL, efd_reader, NULL);
	ms_sleep(50);
	printf("efd: main ran, reader %s\n",
	       atomic_load(&done) ? "returned early" : "still parked");
	v = 42;
	write(efd, &v, 8);
	pthread_join(t, NULL);
	close(efd);

	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	r = read(efd, &v, 8);
	printf("nonblock empty read: %ld %s\n", r, err(r));
	v = 0xfffffffffffffffeull;
	r = write(efd, &v, 8);
	printf("write max: %ld\n", r);
	p = (struct pollfd){.fd = efd, .events = POLLIN | POLLOUT};
	r = poll(&p, 1, 0);
	printf("poll full: %ld revents %#x\n", r, p.revents);
	v = 1;
	r = write(efd, &v, 8);
	printf("overflow: %ld %s\n", r, err(r));
	v = 0;
	r = write(efd, &v, 8);
	printf("write 0 when full: %ld %s\n", r, err(r));
	r = read(efd, &v, 8);
	printf("read max: %ld %llx\n", r, (unsigned long long)v);
	close(efd);

	efd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	for (int i = 0; i < 4; i++) {
		v = 0;
		r = read(efd, &v, 8);
		printf("semaphore read %d: %ld %s value %llu\n", i, r, err(r),
		       (unsigned long long)v);
	}
	close(efd);
	r = eventfd(0, 0x40);
	printf("eventfd bad flags: %ld %s\n", r, err(r));

	/* closed by another thread while one polls it: the file lives on
	 * until the poll ends (its timeout) */
	efd = eventfd(0, 0);
	pthread_create(&t, NULL, efd_poller, NULL);
	ms_sleep(50);
	close(efd);
	pthread_join(t, NULL);
}

/* ---- epoll ------------------------------------------------------------------ */

static int ep;

static void ep_show(const char *what, int timeout)
{
	struct epoll_event ev[4];
	int n = epoll_wait(ep, ev, 4, timeout);
	printf("%s: %d", what, n);
	if (n < 0)
		printf(" %s", strerror(errno));
	for (int i = 0; i < n; i++)
		printf(" [%#x %llu]", ev[i].events, (unsigned long long)ev[i].data.u64);
	printf("\n");
}

static int ep_ctl(int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e = {.events = events, .data.u64 = data};
	return epoll_ctl(ep, op, fd, &e);
}

static void *ep_waiter(void *arg)
{
	(void)arg;
	ep_show("waiter", -1);
	atomic_store(&done, 1);
	return NULL;
}

static void part_epoll(void)
{
	char buf[64];
	long r;
	int ep2, d;
	pthread_t t;

	ep = epoll_create1(EPOLL_CLOEXEC);
	pipe(pfd);
	ep_ctl(EPOLL_CTL_ADD, pfd[0], EPOLLIN, 7);
	ep_show("level empty", 0);
	write(pfd[1], "ab", 2);
	ep_show("level ready", 0);
	ep_show("level still ready", 0);
	read(pfd[0], buf, sizeof buf);
	ep_show("level drained", 0);

	ep_ctl(EPOLL_CTL_MOD, pfd[0], EPOLLIN | EPOLLET, 8);
	write(pfd[1], "c", 1);
	ep_show("edge ready", 0);
	ep_show("edge again", 0);
	write(pfd[1], "d", 1);
	ep_show("edge new data", 0);
	read(pfd[0], buf, sizeof buf);

	ep_ctl(EPOLL_CTL_MOD, pfd[0], EPOLLIN | EPOLLONESHOT, 9);
	write(pfd[1], "e", 1);
	ep_show("oneshot", 0);
	ep_show("oneshot fired", 0);
	ep_ctl(EPOLL_CTL_MOD, pfd[0], EPOLLIN | EPOLLONESHOT, 10);
	ep_show("oneshot rearmed", 0);
	read(pfd[0], buf, sizeof buf);

	/* errors as Linux */
	r = ep_ctl(EPOLL_CTL_ADD, pfd[0], EPOLLIN, 0);
	printf("add twice: %ld %s\n", r, err(r));
	r = ep_ctl(EPOLL_CTL_MOD, pfd[1], EPOLLOUT, 0);
	printf("mod unknown: %ld %s\n", r, err(r));
	r = ep_ctl(EPOLL_CTL_DEL, pfd[1], 0, 0);
	printf("del unknown: %ld %s\n", r, err(r));
	r = ep_ctl(EPOLL_CTL_ADD, 200, EPOLLIN, 0);
	printf("add closed fd: %ld %s\n", r, err(r));
	r = ep_ctl(EPOLL_CTL_ADD, ep, EPOLLIN, 0);
	printf("add itself: %ld %s\n", r, err(r));
	r = ep_ctl(9, pfd[1], EPOLLIN, 0);
	printf("bad op: %ld %s\n", r, err(r));
	r = ep_ctl(EPOLL_CTL_MOD, pfd[0], EPOLLIN | EPOLLEXCLUSIVE, 0);
	printf("mod exclusive: %ld %s\n", r, err(r));
	r = epoll_ctl(pfd[0], EPOLL_CTL_ADD, pfd[1], &(struct epoll_event){.events = EPOLLOUT});
	printf("epfd a pipe: %ld %s\n", r, err(r));
	r = epoll_ctl(ep, EPOLL_CTL_ADD, pfd[1], NULL);
	printf("add NULL event: %ld %s\n", r, err(r));
	struct epoll_event evs[2];
	r = epoll_wait(ep, evs, 0, 0);
	printf("maxevents 0: %ld %s\n", r, err(r));
	r = epoll_wait(ep, evs, 0x7fffffff, 0);
	printf("maxevents huge: %ld %s\n", r, err(r));
	r = epoll_wait(ep, NULL, 2, 0);
	printf("events NULL: %ld %s\n", r, err(r));
	ep_ctl(EPOLL_CTL_MOD, pfd[0], EPOLLIN, 15);
	write(pfd[1], "h", 1);
	r = epoll_wait(ep, (struct epoll_event *)16, 2, 0);
	printf("events at 16 with one ready: %ld %s\n", r, err(r));
	r = epoll_wait(ep, evs, 2, 0);
	printf("still ready: %ld\n", r);
	read(pfd[0], buf, sizeof buf);
	r = syscall(SYS_ppoll, NULL, 0, &(struct timespec){0, 0}, &(sigset_t){0}, 4);
	printf("ppoll sigset size 4: %ld %s\n", r, err(r));
	r = syscall(SYS_epoll_pwait, ep, evs, 2, 0, &(sigset_t){0}, 4);
	printf("epoll_pwait sigset size 4: %ld %s\n", r, err(r));
	r = epoll_create(1);
	printf("epoll_create: %s\n", r >= 0 ? "ok" : strerror(errno));
	close((int)r);
	r = epoll_create1(1);
	printf("epoll_create1 bad flags: %ld %s\n", r, err(r));

	/* exclusive accepted on ADD; the write end with POLLOUT */
	r = ep_ctl(EPOLL_CTL_ADD, pfd[1], EPOLLOUT | EPOLLEXCLUSIVE, 11);
	printf("add exclusive: %ld\n", r);
	ep_show("write end", 0);
	ep_ctl(EPOLL_CTL_DEL, pfd[1], 0, 0);

	/* nested, and loops */
	ep_ctl(EPOLL_CTL_MOD, pfd[0], EPOLLIN, 14);
	ep2 = epoll_create1(0);
	r = epoll_ctl(ep2, EPOLL_CTL_ADD, ep,
		      &(struct epoll_event){.events = EPOLLIN, .data.u64 = 12});
	printf("nest: %ld\n", r);
	r = epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &(struct epoll_event){.events = EPOLLIN});
	printf("loop: %ld %s\n", r, err(r));
	write(pfd[1], "f", 1);
	{
		int save = ep;
		ep = ep2;
		ep_show("outer", 0);
		ep = save;
	}
	read(pfd[0], buf, sizeof buf);
	close(ep2);

	/* a dup keeps the file registered; the last close takes it out */
	d = dup(pfd[0]);
	close(pfd[0]);
	write(pfd[1], "g", 1);
	ep_show("after close, dup open", 0);
	close(d);
	ep_show("after last close", 0);
	r = ep_ctl(EPOLL_CTL_DEL, pfd[0], 0, 0);
	printf("del closed: %ld %s\n", r, err(r));

	/* hang-up of a pipe, with EPOLLRDHUP asked for */
	close(pfd[1]);
	pipe(pfd);
	ep_ctl(EPOLL_CTL_ADD, pfd[0], EPOLLIN | EPOLLRDHUP, 13);
	close(pfd[1]);
	ep_show("hangup", 0);
	close(pfd[0]);

	/* a thread parked in epoll_wait on an eventfd, among many idle ones */
	int efds[100];
	for (int i = 0; i < 100; i++) {
		efds[i] = eventfd(0, 0);
		ep_ctl(EPOLL_CTL_ADD, efds[i], EPOLLIN, 100 + (uint64_t)i);
	}
	atomic_store(&done, 0);
	pthread_create(&t, NULL, ep_waiter, NULL);
	ms_sleep(50);
	printf("epoll: main ran, waiter %s\n",
	       atomic_load(&done) ? "returned early" : "still waiting");
	uint64_t one = 1;
	write(efds[57], &one, 8);
	pthread_join(t, NULL);
	ep_show("eventfd level", 0);
	for (int i = 0; i < 100; i++)
		close(efds[i]);
	ep_show("all closed", 0);

	/* epoll_pwait with a mask, and a signal from another thread */
	sigset_t block, open_mask;
	sigaction(SIGUSR1, &(struct sigaction){.sa_handler = on_usr1}, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigprocmask(SIG_BLOCK, NULL, &open_mask);
	sigdelset(&open_mask, SIGUSR1);
	int before = atomic_load(&handled);
	main_thread = pthread_self();
	pthread_create(&t, NULL, kicker, NULL);
	r = epoll_pwait(ep, evs, 2, -1, &open_mask);
	printf("epoll_pwait kicked: %ld %s, handled %d, blocked again %d\n", r, err(r),
	       atomic_load(&handled) - before, usr1_blocked());
	pthread_join(t, NULL);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	ep_show("timeout 30 ms", 30);
	close(ep);
}

/* ---- timerfd ---------------------------------------------------------------- */

static struct itimerspec its(long value_ms, long interval_ms)
{
	return (struct itimerspec){{interval_ms / 1000, interval_ms % 1000 * 1000000},
				   {value_ms / 1000, value_ms % 1000 * 1000000}};
}

static void part_timerfd(void)
{
	uint64_t v = 0;
	long r;
	struct itimerspec cur, set;
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	printf("timerfd_create: %s\n", tfd >= 0 ? "ok" : strerror(errno));
	r = read(tfd, &v, 8);
	printf("unarmed read: %ld %s\n", r, err(r));
	timerfd_gettime(tfd, &cur);
	printf("unarmed gettime: %ld %ld\n", (long)cur.it_value.tv_sec, (long)cur.it_value.tv_nsec);
	set = its(40, 20);
	r = timerfd_settime(tfd, 0, &set, NULL);
	timerfd_gettime(tfd, &cur);
	printf("interval: settime %ld, interval %ld ns, value %s\n", r,
	       (long)cur.it_interval.tv_nsec,
	       cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 40000000 ? "in range" : "wrong");
	struct pollfd p = {.fd = tfd, .events = POLLIN};
	r = poll(&p, 1, 1000);
	printf("poll: %ld revents %#x\n", r, p.revents);
	ms_sleep(100);
	r = read(tfd, &v, 8);
	printf("read after 100 ms more: %ld, %s\n", r, v >= 3 ? "several expiries" : "too few");
	r = read(tfd, &v, 4);
	printf("read 4 bytes: %ld %s\n", r, err(r));
	set = its(0, 0);
	timerfd_settime(tfd, 0, &set, &cur);
	printf("disarm: old interval %ld ns\n", (long)cur.it_interval.tv_nsec);
	close(tfd);

	/* blocking, relative and absolute, and through epoll */
	tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	set = its(30, 0);
	timerfd_settime(tfd, 0, &set, NULL);
	r = read(tfd, &v, 8);
	printf("blocking read: %ld value %llu\n", r, (unsigned long long)v);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	set = (struct itimerspec){{0, 0}, {now.tv_sec, now.tv_nsec}};
	set.it_value.tv_nsec += 30000000;
	if (set.it_value.tv_nsec >= 1000000000) {
		set.it_value.tv_sec++;
		set.it_value.tv_nsec -= 1000000000;
	}
	r = timerfd_settime(tfd, TFD_TIMER_ABSTIME, &set, NULL);
	int e = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 77};
	epoll_ctl(e, EPOLL_CTL_ADD, tfd, &ev);
	int n = epoll_wait(e, &ev, 1, 2000);
	printf("abstime through epoll: %ld, %d [%#x %llu]\n", r, n, ev.events,
	       (unsigned long long)ev.data.u64);
	r = read(tfd, &v, 8);
	printf("read: %ld value %llu\n", r, (unsigned long long)v);
	set = (struct itimerspec){{0, 0}, {1, 0}};
	r = timerfd_settime(tfd, TFD_TIMER_ABSTIME, &set, NULL);
	r = read(tfd, &v, 8);
	printf("abstime passed: %ld value %llu\n", r, (unsigned long long)v);
	close(e);
	close(tfd);

	/* errors and the other clocks */
	r = timerfd_create(99, 0);
	printf("bad clock: %ld %s\n", r, err(r));
	r = timerfd_create(CLOCK_MONOTONIC, 1);
	printf("bad flags: %ld %s\n", r, err(r));
	for (int clk = 0; clk < 2; clk++) {
		r = timerfd_create(clk ? CLOCK_BOOTTIME : CLOCK_REALTIME, 0);
		printf("clock %s: %s\n", clk ? "boottime" : "realtime",
		       r >= 0 ? "ok" : strerror(errno));
		set = its(0, 0);
		set.it_value.tv_nsec = 1000000000;
		long s2 = timerfd_settime((int)r, 0, &set, NULL);
		printf("bad timespec: %ld %s\n", s2, err(s2));
		close((int)r);
	}
	pipe(pfd);
	set = its(10, 0);
	r = timerfd_settime(pfd[0], 0, &set, NULL);
	printf("settime on a pipe: %ld %s\n", r, err(r));
	r = timerfd_settime(200, 0, &set, NULL);
	printf("settime on a closed fd: %ld %s\n", r, err(r));
	close(pfd[0]);
	close(pfd[1]);
}

static const struct {
	const char *name;
	void (*fn)(void);
} parts[] = {
    {"pipe-read", part_pipe_read}, {"pipe-write", part_pipe_write}, {"poll", part_poll},
    {"ppoll", part_ppoll},	   {"eventfd", part_eventfd},	    {"epoll", part_epoll},
    {"timerfd", part_timerfd},
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		int want = argc < 2;
		for (int k = 1; k < argc; k++)
			want |= !strcmp(argv[k], parts[i].name);
		if (want) {
			printf("== %s\n", parts[i].name);
			parts[i].fn();
		}
	}
	return 0;
}
