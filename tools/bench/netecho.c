/*
 * netecho: the TCP echo server of unikvm-bench's network figures. One
 * source, built as a unikernel (run with `unikvm run -p HOST:PORT ...`)
 * and with musl-gcc -static for the host, the baseline of the same run.
 *
 *   netecho PORT CONNECTIONS
 *
 * Listens on PORT (every address), then serves CONNECTIONS connections one
 * after the other: every byte read is written back, until the client
 * closes its side; then exits 0. Blocking sockets, TCP_NODELAY: what a
 * simple server does. The benchmark's client (tools/bench/bench.c) times
 * 1-byte round trips and bulk transfers both ways at once.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[256 << 10];

static int fail(const char *what)
{
	perror(what);
	return 1;
}

/* Echoes fd until end of file; 0, or -1 on an error. */
static int echo(int fd)
{
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0)
			return -1;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w <= 0)
				return -1;
			off += w;
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: netecho PORT CONNECTIONS\n");
		return 2;
	}
	int port = atoi(argv[1]), conns = atoi(argv[2]), one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return fail("netecho: socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 16) < 0)
		return fail("netecho: bind/listen");
	for (int i = 0; i < conns; i++) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			return fail("netecho: accept");
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (echo(c) < 0)
			return fail("netecho: echo");
		close(c);
	}
	close(s);
	return 0;
}
