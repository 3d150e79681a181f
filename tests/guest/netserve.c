/*
 * netserve: the guest side of the network load tests (tests/scripts/
 * net-load; the host side is tests/tools/netpeer.c). Listens on
 * 127.0.0.1:PORT. Built as a unikernel and, for checking the tests
 * themselves, with musl-gcc -static for the host.
 *
 *   netserve sum PORT N     an epoll server: each connection's bytes are read
 *                           to EOF with a checksum (net_pattern.h), answered
 *                           with "LEN SUM\n" and closed; exits after N
 *   netserve bulk PORT BYTES  one connection: BYTES in, "LEN SUM\n" back,
 *                           then BYTES of the stream of seed 2 out
 *   netserve idle PORT N    accepts N connections, sends one byte on each,
 *                           then waits in epoll, echoing what comes, until
 *                           the client closed all
 *   netserve echo PORT      an epoll echo server, for ever
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_pattern.h"

static void fail(const char *what)
{
	printf("netserve: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listener(int port)
{
	struct rlimit r;
	getrlimit(RLIMIT_NOFILE, &r);
	r.rlim_cur = r.rlim_max;
	setrlimit(RLIMIT_NOFILE, &r);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0)
		fail("socket");
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(l, (struct sockaddr *)&a, sizeof a))
		fail("bind");
	if (listen(l, 4096))
		fail("listen");
	return l;
}

static void write_all(int fd, const void *buf, size_t n)
{
	if (net_write_all(fd, buf, n))
		fail("write");
}

static void send_sum(int fd, const struct net_sum *s)
{
	char line[64];
	int n =
	    snprintf(line, sizeof line, "%" PRIu64 " %016" PRIx64 "\n", s->len, net_sum_value(s));
	write_all(fd, line, (size_t)n);
}

static void add(int ep, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = {.events = events, .data.ptr = ptr};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		fail("epoll_ctl");
}

/* A connection of the sum and echo servers. */
struct conn {
	int fd;
	struct net_sum sum;
};

/* Serves connections through one epoll set: each readable connection is
 * read once; echo sends it back, otherwise it is summed until EOF. Returns
 * after `limit` connections were done (never when limit is 0). */
static void serve(int l, int echo, long limit)
{
	static char buf[1 << 16];
	struct conn lc = {.fd = l};
	int ep = epoll_create1(EPOLL_CLOEXEC);
	long done = 0;
	add(ep, l, EPOLLIN, &lc);
	while (!limit || done < limit) {
		struct epoll_event ev[64];
		int n = epoll_wait(ep, ev, 64, -1);
		if (n < 0 && errno != EINTR)
			fail("epoll_wait");
		for (int i = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;
			if (c == &lc) {
				int fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
				if (fd < 0)
					fail("accept4");
				c = malloc(sizeof *c);
				c->fd = fd;
				net_sum_init(&c->sum);
				add(ep, fd, EPOLLIN, c);
				continue;
			}
			ssize_t r = read(c->fd, buf, sizeof buf);
			if (r > 0 && echo) {
				write_all(c->fd, buf, (size_t)r);
				continue;
			}
			if (r > 0) {
				net_sum_add(&c->sum, buf, (size_t)r);
				continue;
			}
			if (r == 0 && !echo)
				send_sum(c->fd, &c->sum);
			close(c->fd); /* also leaves the epoll set */
			free(c);
			done++;
		}
	}
	printf("served %ld connections\n", done);
}

static void bulk(int l, uint64_t bytes)
{
	static char buf[1 << 16];
	int c = accept(l, NULL, NULL);
	struct net_sum s;
	if (c < 0)
		fail("accept");
	net_sum_init(&s);
	while (s.len < bytes) {
		size_t want = bytes - s.len < sizeof buf ? (size_t)(bytes - s.len) : sizeof buf;
		ssize_t r = read(c, buf, want);
		if (r <= 0)
			fail(r ? "read" : "read: early EOF");
		net_sum_add(&s, buf, (size_t)r);
	}
	send_sum(c, &s);
	for (uint64_t off = 0; off < bytes; off += sizeof buf) {
		size_t n = bytes - off < sizeof buf ? (size_t)(bytes - off) : sizeof buf;
		net_pattern_fill(buf, 2, off, n);
		write_all(c, buf, n);
	}
	close(c);
	printf("bulk: %" PRIu64 " bytes each way\n", bytes);
}

static void idle(int l, long n)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	long echoed = 0;
	for (long i = 0; i < n; i++) {
		int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			fail("accept4");
		write_all(c, "k", 1);
		add(ep, c, EPOLLIN | EPOLLRDHUP, (void *)(intptr_t)c);
	}
	printf("idle: %ld connections open\n", n);
	for (long closed = 0; closed < n;) {
		struct epoll_event ev[64];
		int k = epoll_wait(ep, ev, 64, -1);
		if (k < 0 && errno != EINTR)
			fail("epoll_wait");
		for (int i = 0; i < k; i++) {
			int c = (int)(intptr_t)ev[i].data.ptr;
			char buf[16];
			ssize_t r = read(c, buf, sizeof buf);
			if (r > 0) {
				write_all(c, buf, (size_t)r);
				echoed++;
				continue;
			}
			close(c);
			closed++;
		}
	}
	printf("idle: %ld echoed, all %ld closed by the client\n", echoed, n);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "sum"))
		serve(listener(atoi(argv[2])), 0, atol(argv[3]));
	else if (argc == 4 && !strcmp(argv[1], "bulk"))
		bulk(listener(atoi(argv[2])), strtoull(argv[3], NULL, 0));
	else if (argc == 4 && !strcmp(argv[1], "idle"))
		idle(listener(atoi(argv[2])), atol(argv[3]));
	else if (argc == 3 && !strcmp(argv[1], "echo"))
		serve(listener(atoi(argv[2])), 1, 0);
	else {
		printf("usage: netserve sum PORT N | bulk PORT BYTES | idle PORT N | echo PORT\n");
		return 2;
	}
	return 0;
}
