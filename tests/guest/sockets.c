/*
 * sockets: the inet socket differential (tests/scripts/differential, run
 * by tests/scripts/netns next to the host peer `netpeer peer`). Built with
 * musl-gcc -static for the host and as a unikernel (run with --network
 * host in the test's own network namespace); both talk to the same peer
 * and must print the same lines: TCP client and server, UDP, IPv6 and
 * v4-mapped addresses, non-blocking connect (EINPROGRESS then SO_ERROR),
 * EAGAIN, SO_RCVTIMEO, half-close, a peer's reset (ECONNRESET, then EPIPE),
 * MSG_PEEK, MSG_WAITALL, FIONREAD, SO_ERROR, getsockname/getpeername,
 * epoll level and edge triggered, EPOLLONESHOT, EPOLLRDHUP, and sockets
 * in one epoll set with an eventfd, a timerfd and a socketpair.
 *
 * Ephemeral ports differ from run to run: they print as "eph" when in
 * Linux's default range (any other value prints as a number, and differs),
 * and where both ends are known the two sides' ports are compared.
 *
 *   sockets          every case
 *   sockets sigpipe  a write to a reset connection without MSG_NOSIGNAL:
 *                    SIGPIPE's default action, status 141
 *   sockets names    getaddrinfo, getnameinfo, gethostbyname of localhost,
 *                    of names in /etc/hosts and /etc/services, and of a
 *                    name the test's DNS server answers (netpeer dns)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <unistd.h>

#define CTL_PORT 20000
#define ECHO_PORT 20010
#define UDP_PORT 20011
#define HOLD_PORT 20012
#define MY_PORT 20001
#define CLOSED_PORT 20099

static const char *errname(int e)
{
	static char other[16];
	switch (e) {
#define E(x)                                                                                       \
	case x:                                                                                    \
		return #x
		E(EAGAIN);
		E(EINPROGRESS);
		E(EALREADY);
		E(EISCONN);
		E(ENOTCONN);
		E(ECONNREFUSED);
		E(ECONNRESET);
		E(EPIPE);
		E(EADDRINUSE);
		E(EADDRNOTAVAIL);
		E(EAFNOSUPPORT);
		E(EINVAL);
		E(EOPNOTSUPP);
		E(ENOPROTOOPT);
		E(EBADF);
		E(ENOTSOCK);
		E(EDESTADDRREQ);
		E(ENETUNREACH);
		E(EFAULT);
		E(EACCES);
		E(EPROTONOSUPPORT);
#undef E
	}
	snprintf(other, sizeof other, "E%d", e);
	return other;
}

/* "what: R" or "what: -1 ENAME". */
static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, errname(errno));
	else
		printf("%s: %ld\n", what, r);
}

static int port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static const char *addr_str(const struct sockaddr_storage *ss, socklen_t len)
{
	static char out[96];
	char host[INET6_ADDRSTRLEN] = "?";
	char port[8];
	int p = port_of(ss);
	if (p >= 32768 && p <= 60999)
		snprintf(port, sizeof port, "eph");
	else
		snprintf(port, sizeof port, "%d", p);
	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, host,
			  sizeof host);
		snprintf(out, sizeof out, "[%s]:%s len %u", host, port, (unsigned)len);
	} else if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, host, sizeof host);
		snprintf(out, sizeof out, "%s:%s len %u", host, port, (unsigned)len);
	} else {
		snprintf(out, sizeof out, "family %d len %u", ss->ss_family, (unsigned)len);
	}
	return out;
}

/* getsockname (peer 0) or getpeername (peer 1), printed. */
static int show_name(const char *what, int fd, int peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	memset(&ss, 0, sizeof ss);
	int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
		     : getsockname(fd, (struct sockaddr *)&ss, &len);
	if (r < 0) {
		show(what, r);
		return -1;
	}
	printf("%s: %s\n", what, addr_str(&ss, len));
	return port_of(&ss);
}

static socklen_t sa(int family, const char *host, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (family == AF_INET6) {
		struct sockaddr_in6 a = {.sin6_family = AF_INET6,
					 .sin6_port = htons((uint16_t)port)};
		inet_pton(AF_INET6, host, &a.sin6_addr);
		memcpy(ss, &a, sizeof a);
		return sizeof a;
	}
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, host, &a.sin_addr);
	memcpy(ss, &a, sizeof a);
	return sizeof a;
}

static int sock(int family, int type)
{
	int s = socket(family, type, 0);
	if (s < 0) {
		printf("socket(%d, %#x): %s\n", family, type, errname(errno));
		exit(1);
	}
	return s;
}

static long do_connect(int s, int family, const char *host, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = sa(family, host, port, &ss);
	return connect(s, (struct sockaddr *)&ss, len);
}

static int tcp_to(int family, const char *host, int port)
{
	int s = sock(family, SOCK_STREAM);
	if (do_connect(s, family, host, port)) {
		printf("connect %s %d: %s\n", host, port, errname(errno));
		exit(1);
	}
	return s;
}

/* Reads exactly n bytes (or to EOF) and prints them. */
static void show_read(const char *what, int fd, size_t n)
{
	char buf[256];
	size_t got = 0;
	long r = 0;
	while (got < n && got < sizeof buf && (r = read(fd, buf + got, n - got)) > 0)
		got += (size_t)r;
	if (r < 0)
		printf("%s: -1 %s after %zu\n", what, errname(errno), got);
	else
		printf("%s: %zu [%.*s]\n", what, got, (int)got, buf);
}

/* ---- the peer's control connection ---------------------------------------- */

static int ctl_fd;

/* Sends one command; returns its one-line answer (without the newline). */
static const char *ctl_ask(const char *cmd)
{
	static char line[512];
	size_t n = 0;
	if (write(ctl_fd, cmd, strlen(cmd)) < 0 || write(ctl_fd, "\n", 1) != 1) {
		printf("control: %s\n", errname(errno));
		exit(1);
	}
	while (n < sizeof line - 1 && read(ctl_fd, line + n, 1) == 1 && line[n] != '\n')
		n++;
	line[n] = 0;
	return line;
}

static void ctl(const char *cmd)
{
	printf("peer %s: %s\n", cmd, ctl_ask(cmd));
}

/* "connect PORT DATA": returns the port the peer connected from. */
static int ctl_connect(const char *cmd)
{
	const char *answer = ctl_ask(cmd);
	int port = -1;
	sscanf(answer, "ok port %d", &port);
	printf("peer %s: %s\n", cmd, port > 0 ? "connected" : answer);
	return port;
}

/* A connection to the peer's hold port that the peer accepted. */
static int held_conn(void)
{
	int s = tcp_to(AF_INET, "127.0.0.1", HOLD_PORT);
	ctl("accept");
	return s;
}

static int wait_in(int fd, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	int r = poll(&p, 1, ms);
	return r == 1 ? p.revents : -1;
}

/* ---- cases -------------------------------------------------------------------- */

static void tcp_client_cases(void)
{
	int s = sock(AF_INET, SOCK_STREAM);
	show_name("fresh getsockname", s, 0);
	show_name("fresh getpeername", s, 1);
	show("connect echo", do_connect(s, AF_INET, "127.0.0.1", ECHO_PORT));
	show_name("client getsockname", s, 0);
	show_name("client getpeername", s, 1);
	show("connect again", do_connect(s, AF_INET, "127.0.0.1", ECHO_PORT));
	int v = -1;
	socklen_t len = sizeof v;
	getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len);
	printf("SO_TYPE %d len %u\n", v, (unsigned)len);
	getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len);
	printf("SO_ERROR %d\n", v);
	v = 1;
	show("TCP_NODELAY set", setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v));
	v = -1;
	getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len);
	printf("TCP_NODELAY %d\n", v != 0);
	show("write", write(s, "hello", 5));
	show_read("echo", s, 5);
	show("send", send(s, "again", 5, 0));
	show_read("echo", s, 5);
	/* Half-close: the peer sees EOF, answers "bye" and closes. */
	show("shutdown SHUT_WR", shutdown(s, SHUT_WR));
	show_read("after half-close", s, 100);
	show("send after SHUT_WR", send(s, "x", 1, MSG_NOSIGNAL));
	close(s);

	s = sock(AF_INET, SOCK_STREAM);
	show("connect to a closed port", do_connect(s, AF_INET, "127.0.0.1", CLOSED_PORT));
	v = -1;
	getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len);
	printf("SO_ERROR after %s\n", v ? errname(v) : "0");
	close(s);
}

static void tcp_server_cases(void)
{
	int l = sock(AF_INET, SOCK_STREAM), one = 1;
	struct sockaddr_storage ss;
	socklen_t len = sa(AF_INET, "127.0.0.1", ECHO_PORT, &ss);
	show("bind the peer's port", bind(l, (struct sockaddr *)&ss, len));
	close(l);
	l = sock(AF_INET, SOCK_STREAM);
	show("SO_REUSEADDR", setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
	len = sa(AF_INET, "127.0.0.1", MY_PORT, &ss);
	show("bind", bind(l, (struct sockaddr *)&ss, len));
	show("bind again", bind(l, (struct sockaddr *)&ss, len));
	show("listen", listen(l, 8));
	show_name("listener getsockname", l, 0);
	show_name("listener getpeername", l, 1);
	fcntl(l, F_SETFL, O_NONBLOCK);
	show("accept, nothing pending", accept(l, NULL, NULL));
	fcntl(l, F_SETFL, 0);
	int peer_port = ctl_connect("connect 20001 ping");
	struct sockaddr_storage from;
	socklen_t flen = sizeof from;
	int c = accept4(l, (struct sockaddr *)&from, &flen, SOCK_CLOEXEC);
	show("accept4", c < 0 ? -1 : 0);
	printf("accepted from %s, the peer's port: %s\n", addr_str(&from, flen),
	       port_of(&from) == peer_port ? "same" : "differs");
	printf("FD_CLOEXEC %d\n", !!(fcntl(c, F_GETFD) & FD_CLOEXEC));
	show_name("accepted getsockname", c, 0);
	show_read("read", c, 4);
	show("write", write(c, "pong", 4));
	close(c);
	ctl("collect");
	close(l);

	int u = sock(AF_INET, SOCK_DGRAM);
	show("listen on UDP", listen(u, 1));
	close(u);
}

static void udp_cases(int family, const char *host)
{
	printf("-- udp %s\n", host);
	int u = sock(family, SOCK_DGRAM);
	struct sockaddr_storage to, from;
	socklen_t tolen = sa(family, host, UDP_PORT, &to), flen = sizeof from;
	char buf[64];
	show("sendto", sendto(u, "dgram1", 6, 0, (struct sockaddr *)&to, tolen));
	show_name("autobound getsockname", u, 0);
	printf("poll %#x\n", wait_in(u, 5000));
	int n = 0;
	ioctl(u, FIONREAD, &n);
	printf("FIONREAD %d\n", n);
	long r = recv(u, buf, 3, MSG_PEEK);
	printf("peek: %ld [%.*s]\n", r, r > 0 ? (int)r : 0, buf);
	r = recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
	printf("recvfrom: %ld [%.*s] from %s\n", r, r > 0 ? (int)r : 0, buf, addr_str(&from, flen));
	show("recv, nothing there", recv(u, buf, sizeof buf, MSG_DONTWAIT));
	sendto(u, "truncated", 9, 0, (struct sockaddr *)&to, tolen);
	wait_in(u, 5000);
	char small[4];
	struct iovec iov = {small, sizeof small};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	r = recvmsg(u, &m, 0);
	printf("recvmsg into 4: %ld [%.4s] MSG_TRUNC %d\n", r, small, !!(m.msg_flags & MSG_TRUNC));
	show("connect", do_connect(u, family, host, UDP_PORT));
	show_name("connected getpeername", u, 1);
	show("send", send(u, "dgram2", 6, 0));
	wait_in(u, 5000);
	show("recv MSG_TRUNC", recv(u, buf, 2, MSG_TRUNC));
	close(u);

	/* A connected datagram socket learns of the closed port (ICMP). */
	u = sock(family, SOCK_DGRAM);
	do_connect(u, family, host, CLOSED_PORT);
	show("send to a closed port", send(u, "x", 1, 0));
	printf("poll %#x\n", wait_in(u, 5000));
	show("recv after", recv(u, buf, sizeof buf, MSG_DONTWAIT));
	show("recv again", recv(u, buf, sizeof buf, MSG_DONTWAIT));
	close(u);
}

static void ipv6_cases(void)
{
	printf("-- tcp ::1\n");
	int s = tcp_to(AF_INET6, "::1", ECHO_PORT);
	show_name("getsockname", s, 0);
	show_name("getpeername", s, 1);
	int v = -1;
	socklen_t len = sizeof v;
	getsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len);
	printf("IPV6_V6ONLY %d\n", v);
	show("write", write(s, "six", 3));
	show_read("echo", s, 3);
	close(s);
	s = tcp_to(AF_INET6, "::ffff:127.0.0.1", ECHO_PORT);
	show_name("v4-mapped getpeername", s, 1);
	close(s);
	s = sock(AF_INET6, SOCK_STREAM);
	v = 1;
	setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof v);
	show("v4-mapped with IPV6_V6ONLY", do_connect(s, AF_INET6, "::ffff:127.0.0.1", ECHO_PORT));
	close(s);
	s = sock(AF_INET, SOCK_STREAM);
	show("AF_INET6 address on AF_INET", do_connect(s, AF_INET6, "::1", ECHO_PORT));
	close(s);
}

static void nonblocking_cases(void)
{
	int s = sock(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
	show("non-blocking connect", do_connect(s, AF_INET, "127.0.0.1", ECHO_PORT));
	struct pollfd p = {s, POLLOUT, 0};
	show("poll POLLOUT", poll(&p, 1, 5000));
	printf("revents %#x\n", p.revents);
	int v = -1;
	socklen_t len = sizeof v;
	getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len);
	printf("SO_ERROR %s\n", v ? errname(v) : "0");
	show("connect again", do_connect(s, AF_INET, "127.0.0.1", ECHO_PORT));
	char buf[16];
	show("read, nothing there", read(s, buf, sizeof buf));
	close(s);

	s = sock(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
	show("non-blocking connect to a closed port",
	     do_connect(s, AF_INET, "127.0.0.1", CLOSED_PORT));
	p.fd = s;
	show("poll POLLOUT", poll(&p, 1, 5000));
	printf("revents %#x\n", p.revents);
	getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len);
	printf("SO_ERROR %s\n", v ? errname(v) : "0");
	getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len);
	printf("SO_ERROR again %s\n", v ? errname(v) : "0");
	close(s);

	/* EAGAIN: reads with nothing there, a full send buffer. */
	s = held_conn();
	show("recv MSG_DONTWAIT", recv(s, buf, sizeof buf, MSG_DONTWAIT));
	struct timeval tv = {0, 100000};
	show("SO_RCVTIMEO", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
	show("recv with a timeout", recv(s, buf, sizeof buf, 0));
	fcntl(s, F_SETFL, O_NONBLOCK);
	show("read O_NONBLOCK", read(s, buf, sizeof buf));
	static char fill[65536];
	long r, total = 0;
	while ((r = write(s, fill, sizeof fill)) > 0)
		total += r;
	printf("fill: %s after more than 0 bytes: %d\n", errname(errno), total > 0);
	p = (struct pollfd){s, POLLOUT, 0};
	show("poll a full socket", poll(&p, 1, 0));
	close(s);
}

static void peek_cases(void)
{
	char buf[64];
	int s = held_conn();
	ctl("send peekdata");
	printf("poll %#x\n", wait_in(s, 5000));
	long r = recv(s, buf, 4, MSG_PEEK);
	printf("peek: %ld [%.*s]\n", r, r > 0 ? (int)r : 0, buf);
	int n = 0;
	ioctl(s, FIONREAD, &n);
	printf("FIONREAD %d\n", n);
	r = recv(s, buf, sizeof buf, 0);
	printf("recv: %ld [%.*s]\n", r, r > 0 ? (int)r : 0, buf);
	ctl("send abc");
	ctl("send def");
	r = recv(s, buf, 6, MSG_WAITALL);
	printf("MSG_WAITALL: %ld [%.*s]\n", r, r > 0 ? (int)r : 0, buf);
	struct iovec iov[2] = {{buf, 2}, {buf + 10, 8}};
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
	ctl("send scatter");
	wait_in(s, 5000);
	r = recvmsg(s, &m, 0);
	printf("recvmsg: %ld [%.2s] [%.*s]\n", r, buf, r > 2 ? (int)r - 2 : 0, buf + 10);
	struct iovec out[2] = {{"gath", 4}, {"er", 2}};
	show("writev", writev(s, out, 2));
	show("close", close(s));
	ctl("collect");
}

/* The peer resets the connection (SO_LINGER 0): ECONNRESET, then EPIPE. */
static int reset_conn(void)
{
	int s = held_conn();
	ctl("reset");
	printf("poll after the reset %#x\n", wait_in(s, 5000));
	return s;
}

static void reset_cases(void)
{
	char buf[16];
	int s = reset_conn();
	show("recv", recv(s, buf, sizeof buf, 0));
	show("recv again", recv(s, buf, sizeof buf, 0));
	show("send MSG_NOSIGNAL", send(s, "x", 1, MSG_NOSIGNAL));
	show_name("getpeername", s, 1);
	signal(SIGPIPE, SIG_IGN);
	show("write, SIGPIPE ignored", write(s, "x", 1));
	signal(SIGPIPE, SIG_DFL);
	close(s);

	s = reset_conn();
	int v = -1;
	socklen_t len = sizeof v;
	getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len);
	printf("SO_ERROR %s\n", v ? errname(v) : "0");
	show("recv after SO_ERROR", recv(s, buf, sizeof buf, 0));
	close(s);
}

static void show_events(const char *what, int ep, int ms)
{
	struct epoll_event ev[8];
	int n = epoll_wait(ep, ev, 8, ms);
	printf("%s: %d", what, n);
	for (int i = 0; i < n; i++)
		printf(" [%llu %#x]", (unsigned long long)ev[i].data.u64, ev[i].events);
	printf("\n");
}

static void epoll_cases(void)
{
	char buf[16];
	int s = held_conn(), ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {EPOLLIN, {.u64 = 1}};
	show("epoll_ctl add", epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
	show_events("level, nothing", ep, 0);
	ctl("send x");
	show_events("level", ep, 5000);
	show_events("level again", ep, 0);
	show("read", read(s, buf, 1));
	show_events("level, drained", ep, 0);

	ev.events = EPOLLIN | EPOLLET;
	show("epoll_ctl mod EPOLLET", epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev));
	ctl("send y");
	show_events("edge", ep, 5000);
	show_events("edge, not read, no new data", ep, 0);
	ctl("send z");
	show_events("edge, new data", ep, 5000);
	show_read("read", s, 2);

	ev.events = EPOLLIN | EPOLLONESHOT;
	show("epoll_ctl mod EPOLLONESHOT", epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev));
	ctl("send w");
	show_events("oneshot", ep, 5000);
	ctl("send v");
	show_events("oneshot, disarmed", ep, 100);
	show("epoll_ctl re-arm", epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev));
	show_events("oneshot, re-armed", ep, 5000);
	show_read("read", s, 2);

	ev.events = EPOLLIN | EPOLLRDHUP;
	show("epoll_ctl mod EPOLLRDHUP", epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev));
	ctl("shut");
	show_events("peer shut", ep, 5000);
	show("read at EOF", read(s, buf, sizeof buf));
	close(s);

	/* A listening socket: readable when a connection is pending. */
	int l = sock(AF_INET, SOCK_STREAM), one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_storage ss;
	socklen_t len = sa(AF_INET, "127.0.0.1", MY_PORT, &ss);
	bind(l, (struct sockaddr *)&ss, len);
	listen(l, 4);
	ev = (struct epoll_event){EPOLLIN | EPOLLONESHOT, {.u64 = 2}};
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	show_events("listener, nobody", ep, 0);
	ctl_connect("connect 20001 hi");
	show_events("listener, pending", ep, 5000);
	show_events("listener, oneshot disarmed", ep, 0);
	int c = accept(l, NULL, NULL);
	show_read("accepted", c, 2);
	close(c);
	ctl("collect");
	close(l);
	close(ep);
}

/* A TCP socket, an eventfd, a timerfd and a socketpair in one epoll set. */
static void mixed_cases(void)
{
	int s = held_conn(), ep = epoll_create1(0), sp[2];
	int efd = eventfd(0, EFD_NONBLOCK), tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	int fds[4] = {s, efd, tfd, sp[1]};
	const char *names[4] = {"tcp", "eventfd", "timerfd", "socketpair"};
	for (int i = 0; i < 4; i++) { /* each reported once, until re-armed */
		struct epoll_event ev = {EPOLLIN | EPOLLONESHOT, {.u64 = (uint64_t)i}};
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
	}
	show_events("none ready", ep, 0);
	uint64_t three = 3;
	show("eventfd write", write(efd, &three, 8));
	struct itimerspec its = {{0, 0}, {0, 50 * 1000 * 1000}};
	show("timerfd_settime", timerfd_settime(tfd, 0, &its, NULL));
	show("socketpair write", write(sp[0], "s", 1));
	ctl("send t");
	unsigned seen = 0;
	for (int n = 1; seen != 15 && n > 0;) {
		struct epoll_event ev[4];
		n = epoll_wait(ep, ev, 4, 5000);
		for (int i = 0; i < n; i++)
			seen |= 1u << ev[i].data.u64;
	}
	for (int i = 0; i < 4; i++)
		printf("%s ready: %s\n", names[i], seen >> i & 1 ? "yes" : "no");
	uint64_t v = 0;
	show("eventfd read", read(efd, &v, 8));
	printf("eventfd value %llu\n", (unsigned long long)v);
	show("timerfd read", read(tfd, &v, 8));
	printf("timerfd expirations %llu\n", (unsigned long long)v);
	show_read("socketpair read", sp[1], 1);
	show_read("tcp read", s, 1);
	for (int i = 0; i < 4; i++) {
		struct epoll_event ev = {EPOLLIN, {.u64 = (uint64_t)i}};
		epoll_ctl(ep, EPOLL_CTL_MOD, fds[i], &ev);
	}
	show_events("all drained, re-armed", ep, 0);
	close(s);
	close(efd);
	close(tfd);
	close(sp[0]);
	close(sp[1]);
	close(ep);
}

static void misc_cases(void)
{
	show("socket bad protocol", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	int s = sock(AF_INET, SOCK_STREAM);
	int v = 0;
	socklen_t len = sizeof v;
	show("getsockopt unknown", getsockopt(s, SOL_SOCKET, 12345, &v, &len));
	show("send unconnected", send(s, "x", 1, MSG_NOSIGNAL));
	show("recv unconnected", recv(s, &v, 1, MSG_DONTWAIT));
	show("shutdown unconnected", shutdown(s, SHUT_RDWR));
	struct sockaddr_storage ss;
	len = sa(AF_INET, "127.0.0.1", 0, &ss);
	show("bind port 0", bind(s, (struct sockaddr *)&ss, len));
	show_name("bound to port 0", s, 0);
	close(s);
	show("sendto on a closed fd", sendto(s, "x", 1, 0, NULL, 0));
}

static const char *family_str(int f)
{
	return f == AF_INET	? "inet"
	       : f == AF_INET6	? "inet6"
	       : f == AF_UNSPEC ? "unspec"
				: "other";
}

static void show_gai(const char *host, const char *service, int family, int flags)
{
	struct addrinfo hints = {
	    .ai_family = family, .ai_socktype = SOCK_STREAM, .ai_flags = flags};
	struct addrinfo *res, *ai;
	int r = getaddrinfo(host, service, &hints, &res);
	printf("getaddrinfo %s %s %s:", host ? host : "NULL", service ? service : "NULL",
	       family_str(family));
	if (r) {
		printf(" %s\n", gai_strerror(r));
		return;
	}
	for (ai = res; ai; ai = ai->ai_next)
		printf(" %s %s", family_str(ai->ai_family),
		       addr_str((struct sockaddr_storage *)ai->ai_addr, ai->ai_addrlen));
	if (res->ai_canonname)
		printf(" canon %s", res->ai_canonname);
	printf("\n");
	freeaddrinfo(res);
}

static void show_gni(int family, const char *host, int port, int flags)
{
	struct sockaddr_storage ss;
	socklen_t len = sa(family, host, port, &ss);
	char h[NI_MAXHOST], s[NI_MAXSERV];
	int r = getnameinfo((struct sockaddr *)&ss, len, h, sizeof h, s, sizeof s, flags);
	printf("getnameinfo %s %d: %s %s\n", host, port, r ? gai_strerror(r) : h, r ? "" : s);
}

static void names_cases(void)
{
	show_gai("localhost", NULL, AF_UNSPEC, 0);
	show_gai("localhost", "http", AF_INET, 0);
	show_gai("localhost", "unikvm-test", AF_INET6, 0);
	show_gai("box.unikvm.test", NULL, AF_UNSPEC, AI_CANONNAME);
	show_gai("box", "4242", AF_INET, 0);
	show_gai("box6.unikvm.test", NULL, AF_UNSPEC, 0);
	show_gai("svc.unikvm.test", NULL, AF_UNSPEC, 0);
	show_gai("svc.unikvm.test", "unikvm-test", AF_INET, 0);
	show_gai("svc.unikvm.test", NULL, AF_INET6, 0);
	show_gai("missing.unikvm.test", NULL, AF_UNSPEC, 0);
	show_gai("missing.unikvm.test", NULL, AF_UNSPEC, AI_NUMERICHOST);
	show_gai("192.0.2.7", "80", AF_UNSPEC, AI_NUMERICHOST | AI_NUMERICSERV);
	show_gai(NULL, "4242", AF_INET6, AI_PASSIVE);
	show_gni(AF_INET, "10.9.8.7", 4242, 0);
	show_gni(AF_INET, "127.0.0.1", 80, NI_NAMEREQD);
	show_gni(AF_INET6, "fd00::987", 22, 0);
	show_gni(AF_INET, "192.0.2.99", 9, NI_NUMERICHOST);
	struct hostent *h = gethostbyname("box.unikvm.test");
	if (h && h->h_addrtype == AF_INET) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, h->h_addr_list[0], a, sizeof a);
		printf("gethostbyname box.unikvm.test: %s %s\n", h->h_name, a);
	} else {
		printf("gethostbyname box.unikvm.test: failed %d\n", h_errno);
	}
	struct servent *se = getservbyname("unikvm-test", "tcp");
	printf("getservbyname unikvm-test: %d\n", se ? ntohs((uint16_t)se->s_port) : -1);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "names")) {
		names_cases();
		return 0;
	}
	ctl_fd = tcp_to(AF_INET, "127.0.0.1", CTL_PORT);
	if (argc > 1 && !strcmp(argv[1], "sigpipe")) {
		int s = reset_conn();
		printf("writing to a reset connection\n");
		write(s, "x", 1);
		write(s, "x", 1);
		printf("not reached\n");
		return 0;
	}
	tcp_client_cases();
	tcp_server_cases();
	udp_cases(AF_INET, "127.0.0.1");
	udp_cases(AF_INET6, "::1");
	ipv6_cases();
	nonblocking_cases();
	peek_cases();
	reset_cases();
	epoll_cases();
	mixed_cases();
	misc_cases();
	return 0;
}
