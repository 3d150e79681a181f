/*
 * netcases: the guest side of inet sockets (tests/scripts/net-guest-cases),
 * one boot, on the loopback of the sandbox with --network host: a blocking
 * accept and a blocking recv park only their thread (another one counts
 * meanwhile), SO_RCVTIMEO ends a recv with EAGAIN in time, a non-blocking
 * connect is EINPROGRESS then POLLOUT and SO_ERROR (0, or ECONNREFUSED to
 * a closed port), EPIPE with MSG_NOSIGNAL and SIGPIPE to a handler, poll
 * and epoll (level and edge) on a socket, a signal interrupting a blocking
 * recv (EINTR, or a restart under SA_RESTART), getsockname truncation, and getaddrinfo of a name in
 * the guest's /etc/hosts. Each case prints "ok: ..." or "FAIL: ..."; the exit status is the number
 * of failures. netcases all      the cases above netcases sigpipe  a send to a closed peer with
 * SIGPIPE's default action netcases idle     threads blocked in recv and accept until killed
 *   netcases none     socket(AF_INET) without a network: EACCES
 *   netcases stdin-and-socket  poll of stdin and a listener, then a thread
 *                     in read(0) while another waits in recv (net-stdin)
 *   netcases hosts NAME ADDR   getaddrinfo(NAME) and gethostbyname(NAME) give ADDR
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok) {
		printf("  (errno %d %s)\n", errno, strerror(errno));
		failures++;
	}
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* A listening TCP socket on 127.0.0.1, its port in *port. */
/* Prints what each read of stdin gives, then "stdin: EOF". */
static void *stdin_lines(void *arg)
{
	char buf[64];
	ssize_t n;
	(void)arg;
	while ((n = read(0, buf, sizeof buf - 1)) > 0) {
		buf[n] = 0;
		buf[strcspn(buf, "\n")] = 0;
		printf("stdin: %s\n", buf);
		fflush(stdout);
	}
	printf("stdin: %s\n", n == 0 ? "EOF" : strerror(errno));
	fflush(stdout);
	return NULL;
}

static int listener(int *port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 16) ||
	    getsockname(s, (struct sockaddr *)&a, &len)) {
		perror("listener");
		exit(100);
	}
	*port = ntohs(a.sin_port);
	return s;
}

static int connect_to(int port, int flags)
{
	int s = socket(AF_INET, SOCK_STREAM | flags, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int r = connect(s, (struct sockaddr *)&a, sizeof a);
	if (r && errno != EINPROGRESS) {
		close(s);
		return -1;
	}
	return s;
}

/* ---- one thread blocks, another runs ------------------------------------------ */

static volatile long counter;
static volatile int stop_counting;

static void *count(void *arg)
{
	(void)arg;
	while (!stop_counting)
		counter++;
	return NULL;
}

struct accept_arg {
	int lfd, cfd;
	long counter_at_block, counter_after;
	char got[16];
};

static void *do_accept(void *p)
{
	struct accept_arg *a = p;
	a->counter_at_block = counter;
	a->cfd = accept(a->lfd, NULL, NULL);
	long n = a->cfd >= 0 ? recv(a->cfd, a->got, sizeof a->got - 1, 0) : -1;
	if (n > 0)
		a->got[n] = 0;
	a->counter_after = counter;
	return NULL;
}

static void blocking_cases(void)
{
	int port, lfd = listener(&port);
	pthread_t counter_t, acc_t;
	struct accept_arg a = {.lfd = lfd, .cfd = -1};
	pthread_create(&counter_t, NULL, count, NULL);
	pthread_create(&acc_t, NULL, do_accept, &a);
	usleep(200000); /* the acceptor blocks in accept, the counter runs */
	long before = counter;
	int c = connect_to(port, 0);
	check(c >= 0, "blocking connect to a listener");
	usleep(200000); /* the acceptor blocks in recv now */
	check(counter > before, "other threads run while one blocks in accept");
	send(c, "ping", 4, 0);
	pthread_join(acc_t, NULL);
	stop_counting = 1;
	pthread_join(counter_t, NULL);
	check(a.cfd >= 0 && !strcmp(a.got, "ping"), "blocking accept and recv woken by the peer");
	check(a.counter_after > a.counter_at_block, "the counter ran while accept and recv waited");

	/* SO_RCVTIMEO: no data, EAGAIN after about 300 ms */
	struct timeval tv = {0, 300000}, tv2;
	socklen_t tl = sizeof tv2;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	getsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv2, &tl);
	check(tl == sizeof tv2 && tv2.tv_sec == 0 && tv2.tv_usec == 300000,
	      "SO_RCVTIMEO reads back what was set");
	struct timeval tv3 = {0, 0};
	tl = sizeof tv3;
	getsockopt(c, SOL_SOCKET, 66 /* SO_RCVTIMEO_NEW */, &tv3, &tl);
	check(tl == sizeof tv3 && tv3.tv_usec == 300000, "SO_RCVTIMEO_NEW is the same option");
	char buf[64];
	double t0 = now_ms();
	long n = recv(c, buf, sizeof buf, 0);
	double took = now_ms() - t0;
	check(n == -1 && errno == EAGAIN && took >= 290 && took < 3000,
	      "SO_RCVTIMEO ends a blocking recv with EAGAIN");
	tv = (struct timeval){0, 0};
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

	/* MSG_WAITALL gathers two sends */
	send(a.cfd, "abc", 3, 0);
	usleep(50000);
	send(a.cfd, "def", 3, 0);
	n = recv(c, buf, 6, MSG_WAITALL);
	check(n == 6 && !memcmp(buf, "abcdef", 6), "MSG_WAITALL waits for every byte");

	/* MSG_PEEK, FIONREAD, then the bytes */
	send(a.cfd, "xyz", 3, 0);
	usleep(50000);
	int q = 0;
	ioctl(c, FIONREAD, &q);
	n = recv(c, buf, sizeof buf, MSG_PEEK);
	long m = recv(c, buf + 8, sizeof buf - 8, MSG_DONTWAIT);
	check(q == 3 && n == 3 && m == 3 && !memcmp(buf + 8, "xyz", 3),
	      "FIONREAD and MSG_PEEK leave the bytes for recv");
	n = recv(c, buf, sizeof buf, MSG_DONTWAIT);
	check(n == -1 && errno == EAGAIN, "MSG_DONTWAIT on an empty socket: EAGAIN");

	/* getsockname cut to a short buffer, the full length returned */
	struct sockaddr_in sa;
	socklen_t sl = 4;
	memset(&sa, 0xee, sizeof sa);
	getsockname(c, (struct sockaddr *)&sa, &sl);
	check(sl == sizeof sa && sa.sin_family == AF_INET && ((unsigned char *)&sa)[4] == 0xee,
	      "getsockname cuts to the caller's length");
	struct sockaddr_in pa;
	socklen_t pl = sizeof pa;
	check(!getpeername(c, (struct sockaddr *)&pa, &pl) && ntohs(pa.sin_port) == port,
	      "getpeername names the listener's port");
	close(c);
	close(a.cfd);
	close(lfd);
}

/* ---- non-blocking connect ------------------------------------------------------- */

static void nonblocking_cases(void)
{
	int port, lfd = listener(&port);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int r = connect(c, (struct sockaddr *)&a, sizeof a);
	check(r == 0 || errno == EINPROGRESS, "non-blocking connect: 0 or EINPROGRESS");
	struct pollfd p = {c, POLLOUT, 0};
	int pr = poll(&p, 1, 2000);
	int err = -1;
	socklen_t el = sizeof err;
	getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
	check(pr == 1 && (p.revents & POLLOUT) && err == 0, "then POLLOUT and SO_ERROR 0");
	int s = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
	check(s >= 0 && (fcntl(s, F_GETFL) & O_NONBLOCK), "accept4 with SOCK_NONBLOCK");
	char buf[8];
	check(recv(s, buf, 1, 0) == -1 && errno == EAGAIN, "a non-blocking recv: EAGAIN");
	close(s);
	close(c);
	close(lfd); /* the port is closed now */

	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(c, (struct sockaddr *)&a, sizeof a);
	if (r && errno == EINPROGRESS) {
		p = (struct pollfd){c, POLLOUT, 0};
		poll(&p, 1, 2000);
		el = sizeof err;
		getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
	} else {
		err = r ? errno : 0;
	}
	check(err == ECONNREFUSED, "a closed port: ECONNREFUSED (SO_ERROR or at once)");
	close(c);

	c = socket(AF_INET, SOCK_STREAM, 0);
	r = connect(c, (struct sockaddr *)&a, sizeof a);
	check(r == -1 && errno == ECONNREFUSED,
	      "a blocking connect to a closed port: ECONNREFUSED");
	close(c);
}

/* ---- EPIPE, SIGPIPE -------------------------------------------------------------------- */

static volatile int sigpipes, sigusr1s;
static void on_sig(int sig)
{
	if (sig == SIGPIPE)
		sigpipes++;
	else
		sigusr1s++;
}

/* A connected pair whose accepted end is closed: *c stays. */
static int closed_peer(void)
{
	int port, lfd = listener(&port);
	int c = connect_to(port, 0);
	int s = accept(lfd, NULL, NULL);
	close(s);
	close(lfd);
	usleep(100000);
	char buf[4];
	recv(c, buf, sizeof buf, 0);   /* EOF */
	send(c, "x", 1, MSG_NOSIGNAL); /* the peer answers with RST */
	usleep(100000);
	return c;
}

static void pipe_cases(void)
{
	int c = closed_peer();
	long r = send(c, "x", 1, MSG_NOSIGNAL);
	check(r == -1 && (errno == EPIPE || errno == ECONNRESET),
	      "MSG_NOSIGNAL to a closed peer: EPIPE (or ECONNRESET), no signal");
	signal(SIGPIPE, on_sig);
	r = send(c, "x", 1, 0);
	if (r == -1 && errno == ECONNRESET)
		r = send(c, "x", 1, 0);
	check(r == -1 && errno == EPIPE && sigpipes == 1,
	      "without it: SIGPIPE to the handler, EPIPE");
	signal(SIGPIPE, SIG_DFL);
	close(c);
}

/* ---- poll, epoll ------------------------------------------------------------------------ */

/* epoll (edge-triggered) of a connected socket that is writable when it
 * is added, as a server adds one it accepted: bytes that come later are
 * an event. */
static void et_on_writable(int family)
{
	int sv[2], port = 0, lfd = -1;
	if (family == AF_UNIX) {
		socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	} else {
		lfd = listener(&port);
		sv[1] = connect_to(port, 0);
		sv[0] = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET}, out[2];
	epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
	int first = epoll_wait(ep, out, 2, 0);
	uint32_t first_ev = first == 1 ? out[0].events : 0;
	int none = epoll_wait(ep, out, 2, 0);
	send(sv[1], "late", 4, 0);
	int later = epoll_wait(ep, out, 2, 2000);
	check(first == 1 && (first_ev & EPOLLOUT) && !(first_ev & EPOLLIN) && none == 0 &&
		  later == 1 && (out[0].events & EPOLLIN),
	      family == AF_UNIX ? "epoll ET on a writable socket pair end: later bytes are an event"
				: "epoll ET on a writable inet socket: later bytes are an event");
	close(ep);
	close(sv[0]);
	close(sv[1]);
	if (lfd >= 0)
		close(lfd);
}

static void poll_cases(void)
{
	int port, lfd = listener(&port);
	int c = connect_to(port, 0);
	int s = accept(lfd, NULL, NULL);
	struct pollfd p = {s, POLLIN, 0};
	check(poll(&p, 1, 0) == 0, "poll: nothing to read");
	double t0 = now_ms();
	check(poll(&p, 1, 200) == 0 && now_ms() - t0 >= 190, "poll times out after 200 ms");
	send(c, "hello", 5, 0);
	check(poll(&p, 1, 2000) == 1 && (p.revents & POLLIN), "poll: POLLIN after a send");
	char buf[8];
	recv(s, buf, 2, 0); /* 3 bytes stay */
	p.revents = 0;
	check(poll(&p, 1, 0) == 1 && (p.revents & POLLIN), "poll: POLLIN while bytes stay");
	recv(s, buf, sizeof buf, 0);
	check(poll(&p, 1, 0) == 0, "poll: nothing after they are read");

	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = s}, out[4];
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	check(epoll_wait(ep, out, 4, 0) == 0, "epoll: no event on an empty socket");
	send(c, "abcd", 4, 0);
	int n = epoll_wait(ep, out, 4, 2000);
	check(n == 1 && out[0].data.fd == s && (out[0].events & EPOLLIN), "epoll: EPOLLIN");
	recv(s, buf, 1, 0);
	check(epoll_wait(ep, out, 4, 0) == 1, "epoll, level-triggered: still ready");
	ev.events = EPOLLIN | EPOLLET;
	epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev);
	epoll_wait(ep, out, 4, 0);
	check(epoll_wait(ep, out, 4, 0) == 0, "epoll, edge-triggered: once");
	send(c, "e", 1, 0);
	check(epoll_wait(ep, out, 4, 2000) == 1, "epoll, edge-triggered: again after new bytes");
	recv(s, buf, sizeof buf, 0);
	shutdown(c, SHUT_WR);
	ev.events = EPOLLIN | EPOLLRDHUP;
	epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev);
	n = epoll_wait(ep, out, 4, 2000);
	check(n == 1 && (out[0].events & EPOLLRDHUP) && recv(s, buf, 1, 0) == 0,
	      "epoll: EPOLLRDHUP and EOF after the peer's shutdown");
	close(ep);
	close(s);
	close(c);
	close(lfd);
	et_on_writable(AF_INET);
	et_on_writable(AF_UNIX);
}

/* ---- a signal interrupts a blocking recv --------------------------------------------------- */

static void *kick(void *arg)
{
	usleep(200000);
	pthread_kill(*(pthread_t *)arg, SIGUSR1);
	return NULL;
}

struct kick_arg {
	pthread_t to;
	int fd;
};

static void *kick_then_send(void *arg)
{
	struct kick_arg *k = arg;
	kick(&k->to);
	usleep(200000);
	send(k->fd, "hi", 2, 0);
	return NULL;
}

static void eintr_cases(void)
{
	int port, lfd = listener(&port);
	int c = connect_to(port, 0);
	int s = accept(lfd, NULL, NULL);
	struct sigaction sa = {.sa_handler = on_sig}; /* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	pthread_t self = pthread_self(), k;
	pthread_create(&k, NULL, kick, &self);
	char buf[4];
	long r = recv(s, buf, sizeof buf, 0);
	pthread_join(k, NULL);
	check(r == -1 && errno == EINTR && sigusr1s == 1, "a signal ends a blocking recv: EINTR");
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	pthread_create(&k, NULL, kick, &self);
	struct timeval tv = {1, 0};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	/* with a timeout set, Linux gives EINTR even under SA_RESTART */
	r = recv(s, buf, sizeof buf, 0);
	pthread_join(k, NULL);
	check(r == -1 && errno == EINTR && sigusr1s == 2, "with SO_RCVTIMEO too: EINTR");
	/* SA_RESTART and no timeout: the recv goes on and gets the bytes */
	tv = (struct timeval){0, 0};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	pthread_create(&k, NULL, kick_then_send, &(struct kick_arg){self, c});
	r = recv(s, buf, sizeof buf, 0);
	pthread_join(k, NULL);
	check(r == 2 && sigusr1s == 3, "SA_RESTART: the recv is restarted and gets the bytes");
	close(s);
	close(c);
	close(lfd);
}

/* ---- UDP, names ----------------------------------------------------------------------------- */

static void udp_cases(void)
{
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof sa;
	bind(a, (struct sockaddr *)&sa, sizeof sa);
	getsockname(a, (struct sockaddr *)&sa, &l);
	sendto(b, "datagram", 8, 0, (struct sockaddr *)&sa, sizeof sa);
	struct pollfd p = {a, POLLIN, 0};
	poll(&p, 1, 2000);
	char buf[4];
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	long n = recvfrom(a, buf, sizeof buf, MSG_TRUNC, (struct sockaddr *)&from, &fl);
	check(n == 8 && !memcmp(buf, "data", 4) && fl == sizeof from && from.sin_family == AF_INET,
	      "UDP: MSG_TRUNC gives the datagram's length, recvfrom the source");
	close(a);
	close(b);
}

/* recvmmsg's timeout, as Linux's: looked at after each datagram (it does
 * not end a wait), the time left written back; a zero one takes one
 * datagram; a bad one is EINVAL or EFAULT before the fd is looked at. A
 * receive timeout of 0.5 s ends the wait for a datagram that never comes. */
static void mmsg_cases(void)
{
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof sa;
	struct timeval tv = {.tv_usec = 500000};
	bind(a, (struct sockaddr *)&sa, sizeof sa);
	getsockname(a, (struct sockaddr *)&sa, &l);
	setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	char buf[4][8];
	struct iovec iov[4];
	struct mmsghdr m[4];
	for (int i = 0; i < 4; i++) {
		iov[i] = (struct iovec){buf[i], sizeof buf[i]};
		m[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
	}
	for (int i = 0; i < 4; i++)
		sendto(b, "dgram", 5, 0, (struct sockaddr *)&sa, sizeof sa);
	struct pollfd p = {a, POLLIN, 0};
	poll(&p, 1, 2000);
	usleep(100000); /* all four queued */
	struct timespec ts = {0, 0};
	int n = recvmmsg(a, m, 4, 0, &ts);
	check(n == 1 && m[0].msg_len == 5 && ts.tv_sec == 0 && ts.tv_nsec == 0,
	      "recvmmsg: a zero timeout takes one datagram");
	ts = (struct timespec){5, 0};
	n = recvmmsg(a, m, 2, 0, &ts);
	check(n == 2 && m[1].msg_len == 5 && ts.tv_sec >= 2 && ts.tv_sec < 5 && ts.tv_nsec >= 0 &&
		  ts.tv_nsec < 1000000000,
	      "recvmmsg: two datagrams, the time left written back");
	printf("  (%d datagrams, %lld.%09ld s left of 5)\n", n, (long long)ts.tv_sec, ts.tv_nsec);
	ts = (struct timespec){0, 1000000000};
	errno = 0;
	check(recvmmsg(a, m, 4, 0, &ts) == -1 && errno == EINVAL, "recvmmsg: tv_nsec 1e9: EINVAL");
	ts = (struct timespec){-1, 0};
	errno = 0;
	check(recvmmsg(-1, m, 4, 0, &ts) == -1 && errno == EINVAL,
	      "recvmmsg: a negative timeout: EINVAL before EBADF");
	errno = 0;
	check(recvmmsg(a, m, 4, 0, (struct timespec *)8) == -1 && errno == EFAULT,
	      "recvmmsg: a timeout outside memory: EFAULT");
	ts = (struct timespec){5, 0};
	n = recvmmsg(a, m, 4, 0, &ts);
	check(n == 1 && ts.tv_sec >= 3 && ts.tv_sec <= 4,
	      "recvmmsg: the last datagram, then the receive timeout; the time left is after it");
	close(a);
	close(b);
}

static int lookup(const char *name, const char *want)
{
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
	int e = getaddrinfo(name, "80", &hints, &res);
	if (e) {
		printf("getaddrinfo(%s): %s\n", name, gai_strerror(e));
		return 0;
	}
	char got[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, got, sizeof got);
	freeaddrinfo(res);
	printf("getaddrinfo(%s): %s\n", name, got);
	return !strcmp(got, want);
}

static void etc_cases(void)
{
	struct stat st;
	check(!stat("/etc/hosts", &st) && S_ISREG(st.st_mode) && st.st_size > 0,
	      "/etc/hosts is a regular file");
	check(open("/etc/hosts", O_WRONLY) == -1 && errno == EROFS, "/etc/hosts is read-only");
	check(lookup("localhost", "127.0.0.1"), "getaddrinfo(localhost) through /etc/hosts");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *mode = argc > 1 ? argv[1] : "all";
	if (!strcmp(mode, "none")) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		printf("socket: %d %s\n", s, s < 0 ? strerror(errno) : "");
		return 0;
	}
	if (!strcmp(mode, "hosts")) { /* getaddrinfo and gethostbyname agree with ADDR */
		if (argc != 4 || !lookup(argv[2], argv[3]))
			return 1;
		struct hostent *he = gethostbyname(argv[2]);
		char got[INET_ADDRSTRLEN] = "";
		if (he && he->h_addrtype == AF_INET)
			inet_ntop(AF_INET, he->h_addr_list[0], got, sizeof got);
		printf("gethostbyname(%s): %s\n", argv[2], got);
		return strcmp(got, argv[3]) != 0;
	}
	if (!strcmp(mode, "idle")) { /* one thread in recv, one in accept, until killed */
		int port, lfd = listener(&port);
		int c = connect_to(port, 0);
		pthread_t t;
		pthread_create(&t, NULL, do_accept, &(struct accept_arg){.lfd = lfd, .cfd = -1});
		char buf[4];
		printf("idle\n");
		recv(c, buf, sizeof buf, 0);
		return 1;
	}
	if (!strcmp(mode, "stdin-and-socket")) { /* tests/scripts/net-stdin */
		int port, lfd = listener(&port);
		printf("listening %d\n", port);
		fflush(stdout);
		struct pollfd p[2] = {{.fd = 0, .events = POLLIN}, {.fd = lfd, .events = POLLIN}};
		if (poll(p, 2, -1) < 1)
			return 1;
		printf("first: %s\n", p[1].revents & POLLIN ? "socket" : "stdin");
		fflush(stdout);
		int c = accept(lfd, NULL, NULL);
		pthread_t t; /* blocked in read(0) while this thread waits in recv */
		pthread_create(&t, NULL, stdin_lines, NULL);
		char buf[64];
		ssize_t n = recv(c, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = 0;
		buf[strcspn(buf, "\n")] = 0;
		printf("socket: %s\n", buf);
		fflush(stdout);
		pthread_join(t, NULL);
		return 0;
	}
	if (!strcmp(mode, "sigpipe")) {
		int c = closed_peer();
		send(c, "x", 1, 0);
		send(c, "x", 1, 0);
		printf("not reached: SIGPIPE's default action ends the program\n");
		return 1;
	}
	blocking_cases();
	nonblocking_cases();
	pipe_cases();
	poll_cases();
	eintr_cases();
	udp_cases();
	mmsg_cases();
	etc_cases();
	printf("%d failures\n", failures);
	return failures;
}
