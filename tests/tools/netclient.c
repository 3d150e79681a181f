/*
 * netclient: a TCP client for the network tests (tests/scripts/net-cases).
 * usage: netclient HOST PORT BYTES
 *        netclient HOST PORT -
 * Connects (retrying for up to 20 s while the guest starts listening),
 * sends BYTES bytes of a pattern, half-closes, reads everything back and
 * checks it is the same pattern. Prints "netclient: N bytes echoed" and
 * exits 0, or says what differed and exits 1. With "-": sends nothing,
 * copies what arrives to stdout until EOF.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned char pattern(long i)
{
	return (unsigned char)(i * 7 + i / 251);
}

static int connect_retry(const char *host, const char *port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	int e = getaddrinfo(host, port, &hints, &ai);
	if (e) {
		fprintf(stderr, "netclient: %s: %s\n", host, gai_strerror(e));
		return -1;
	}
	for (int tries = 0; tries < 200; tries++) {
		int fd = socket(ai->ai_family, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			freeaddrinfo(ai);
			return fd;
		}
		e = errno;
		if (fd >= 0)
			close(fd);
		usleep(100000);
	}
	freeaddrinfo(ai);
	fprintf(stderr, "netclient: connect %s:%s: %s\n", host, port, strerror(e));
	return -1;
}

int main(int argc, char **argv)
{
	static unsigned char buf[65536];
	if (argc != 4) {
		fprintf(stderr, "usage: netclient HOST PORT BYTES\n");
		return 2;
	}
	if (!strcmp(argv[3], "-")) {
		int fd = connect_retry(argv[1], argv[2]);
		ssize_t r;
		if (fd < 0)
			return 1;
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			if (fwrite(buf, 1, (size_t)r, stdout) != (size_t)r)
				return 1;
		return r < 0;
	}
	long total = atol(argv[3]), sent = 0, got = 0;
	if (total < 1) {
		fprintf(stderr, "netclient: BYTES must be at least 1\n");
		return 2;
	}
	int fd = connect_retry(argv[1], argv[2]);
	if (fd < 0)
		return 1;
	while (got < total || sent < total) {
		struct pollfd p = {.fd = fd, .events = POLLIN | (sent < total ? POLLOUT : 0)};
		if (poll(&p, 1, 20000) <= 0) {
			fprintf(stderr, "netclient: no progress for 20 s (sent %ld, got %ld)\n",
				sent, got);
			return 1;
		}
		if (p.revents & POLLOUT) {
			long n =
			    total - sent < (long)sizeof(buf) ? total - sent : (long)sizeof(buf);
			for (long i = 0; i < n; i++)
				buf[i] = pattern(sent + i);
			ssize_t w = send(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN) {
				perror("netclient: send");
				return 1;
			}
			if (w > 0 && (sent += w) == total)
				shutdown(fd, SHUT_WR);
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r <= 0) {
				fprintf(stderr, "netclient: %s after %ld of %ld bytes\n",
					r ? strerror(errno) : "EOF", got, total);
				return 1;
			}
			for (ssize_t i = 0; i < r; i++, got++)
				if (buf[i] != pattern(got)) {
					fprintf(stderr, "netclient: byte %ld differs\n", got);
					return 1;
				}
		}
	}
	char c;
	if (recv(fd, &c, 1, 0) != 0) {
		fprintf(stderr, "netclient: more than was sent\n");
		return 1;
	}
	printf("netclient: %ld bytes echoed\n", got);
	return 0;
}
