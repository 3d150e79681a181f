/*
 * socketpair: the AF_UNIX socket pair differential (tests/scripts/
 * differential). Stream and datagram round trips, MSG_PEEK, datagram
 * truncation (MSG_TRUNC), shutdown then EOF, EPIPE with MSG_NOSIGNAL and
 * with SIGPIPE ignored, nonblocking EAGAIN, poll, FIONREAD, fstat,
 * getsockopt, getsockname/getpeername, a thread blocked in read woken by
 * another thread's write, and socket()'s errors for families the guest
 * lacks. Only results that Linux defines exactly are printed (not how
 * many bytes fill a buffer).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, strerror(errno));
	else
		printf("%s: %ld\n", what, r);
}

static void pair(int type, int sv[2])
{
	if (socketpair(AF_UNIX, type, 0, sv)) {
		perror("socketpair");
		_exit(1);
	}
}

static void stream_cases(void)
{
	int sv[2];
	char buf[64];
	pair(SOCK_STREAM, sv);
	show("stream write", write(sv[0], "hello", 5));
	show("stream send", send(sv[0], " world", 6, 0));
	int n = 0;
	ioctl(sv[1], FIONREAD, &n);
	printf("stream FIONREAD: %d\n", n);
	long r = recv(sv[1], buf, 4, MSG_PEEK);
	printf("stream peek: %ld %.4s\n", r, buf);
	r = read(sv[1], buf, sizeof buf);
	printf("stream read: %ld %.*s\n", r, (int)r, buf);
	struct iovec iov[2] = {{"ab", 2}, {"cde", 3}};
	show("stream writev", writev(sv[1], iov, 2));
	char a[2], b[8];
	struct iovec in[2] = {{a, 2}, {b, sizeof b}};
	struct msghdr m = {.msg_iov = in, .msg_iovlen = 2};
	r = recvmsg(sv[0], &m, 0);
	printf("stream recvmsg: %ld %.2s %.3s flags %d\n", r, a, b, m.msg_flags);
	shutdown(sv[0], SHUT_WR);
	show("read after peer SHUT_WR", read(sv[1], buf, sizeof buf));
	show("write after SHUT_WR (NOSIGNAL)", send(sv[0], "x", 1, MSG_NOSIGNAL));
	show("write back still works", write(sv[1], "back", 4));
	show("read back", read(sv[0], buf, sizeof buf));
	close(sv[1]);
	show("read after peer close", read(sv[0], buf, sizeof buf));
	close(sv[0]);

	pair(SOCK_STREAM, sv);
	close(sv[1]);
	show("send to closed peer MSG_NOSIGNAL", send(sv[0], "x", 1, MSG_NOSIGNAL));
	signal(SIGPIPE, SIG_IGN);
	show("write to closed peer, SIGPIPE ignored", write(sv[0], "x", 1));
	signal(SIGPIPE, SIG_DFL);
	close(sv[0]);
}

static void dgram_cases(void)
{
	int sv[2];
	char buf[64];
	pair(SOCK_DGRAM, sv);
	show("dgram send 1", send(sv[0], "first", 5, 0));
	show("dgram send 2", send(sv[0], "second!", 7, 0));
	show("dgram send empty", send(sv[0], "", 0, 0));
	int n = 0;
	ioctl(sv[1], FIONREAD, &n);
	printf("dgram FIONREAD: %d\n", n);
	long r = recv(sv[1], buf, sizeof buf, MSG_PEEK);
	printf("dgram peek: %ld %.*s\n", r, (int)r, buf);
	r = recv(sv[1], buf, sizeof buf, 0);
	printf("dgram recv: %ld %.*s\n", r, (int)r, buf);
	char small[3];
	struct iovec in = {small, sizeof small};
	struct msghdr m = {.msg_iov = &in, .msg_iovlen = 1};
	r = recvmsg(sv[1], &m, 0);
	printf("dgram truncated: %ld %.3s MSG_TRUNC %d\n", r, small, !!(m.msg_flags & MSG_TRUNC));
	show("dgram empty", recv(sv[1], buf, sizeof buf, 0));
	show("dgram recv DONTWAIT", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
	send(sv[1], "abcdef", 6, 0);
	show("dgram recv MSG_TRUNC", recv(sv[0], buf, 2, MSG_TRUNC));
	show("dgram gone after MSG_TRUNC", recv(sv[0], buf, 2, MSG_DONTWAIT));
	struct sockaddr_un sa;
	socklen_t len = sizeof sa;
	send(sv[1], "z", 1, 0);
	r = recvfrom(sv[0], buf, sizeof buf, 0, (struct sockaddr *)&sa, &len);
	printf("dgram recvfrom: %ld addrlen %u\n", r, (unsigned)len);
	close(sv[0]);
	close(sv[1]);
}

static void dgram_close_cases(void)
{
	int sv[2];
	char buf[8];
	pair(SOCK_DGRAM, sv);
	shutdown(sv[1], SHUT_RD);
	show("dgram send to a SHUT_RD peer", send(sv[0], "x", 1, MSG_NOSIGNAL));
	show("dgram read after own SHUT_RD", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
	shutdown(sv[0], SHUT_WR);
	show("dgram send after own SHUT_WR", send(sv[0], "x", 1, MSG_NOSIGNAL));
	show("dgram peer may still send", send(sv[1], "y", 1, 0));
	close(sv[0]);
	close(sv[1]);

	pair(SOCK_DGRAM, sv);
	close(sv[1]);
	struct pollfd p = {sv[0], POLLIN | POLLOUT | POLLRDHUP, 0};
	show("dgram poll peer closed", poll(&p, 1, 0));
	printf("revents %#x\n", p.revents);
	show("dgram send to a closed peer", send(sv[0], "x", 1, 0));
	show("dgram send again", send(sv[0], "x", 1, 0));
	struct sockaddr_un sa;
	socklen_t len = sizeof sa;
	show("dgram getpeername after", getpeername(sv[0], (struct sockaddr *)&sa, &len));
	close(sv[0]);
}

static void nonblock_cases(void)
{
	int sv[2];
	char buf[4096];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv)) {
		perror("socketpair");
		_exit(1);
	}
	printf("O_NONBLOCK %d FD_CLOEXEC %d\n", !!(fcntl(sv[0], F_GETFL) & O_NONBLOCK),
	       !!(fcntl(sv[0], F_GETFD) & FD_CLOEXEC));
	show("nonblock read empty", read(sv[0], buf, sizeof buf));
	memset(buf, 'q', sizeof buf);
	long total = 0, r;
	while ((r = write(sv[0], buf, sizeof buf)) > 0)
		total += r;
	printf("fill ends with: %s\n", strerror(errno));
	struct pollfd p = {sv[0], POLLIN | POLLOUT, 0};
	show("poll full writer", poll(&p, 1, 0));
	printf("revents %#x\n", p.revents);
	long back = 0;
	while ((r = read(sv[1], buf, sizeof buf)) > 0)
		back += r;
	printf("drained all: %d (%s)\n", back == total, strerror(errno));
	close(sv[0]);
	close(sv[1]);
}

static void poll_cases(void)
{
	int sv[2];
	pair(SOCK_STREAM, sv);
	struct pollfd p[2] = {{sv[0], POLLIN | POLLOUT | POLLRDHUP, 0},
			      {sv[1], POLLIN | POLLRDHUP, 0}};
	show("poll fresh", poll(p, 2, 0));
	printf("revents %#x %#x\n", p[0].revents, p[1].revents);
	write(sv[0], "x", 1);
	show("poll data", poll(p, 2, 0));
	printf("revents %#x %#x\n", p[0].revents, p[1].revents);
	shutdown(sv[0], SHUT_WR);
	show("poll after SHUT_WR", poll(p, 2, 0));
	printf("revents %#x %#x\n", p[0].revents, p[1].revents);
	close(sv[1]);
	show("poll peer closed with data unread", poll(p, 1, 0));
	printf("revents %#x\n", p[0].revents);
	char c;
	show("read after the reset", read(sv[0], &c, 1));
	show("read again", read(sv[0], &c, 1));
	show("poll again", poll(p, 1, 0));
	printf("revents %#x\n", p[0].revents);
	close(sv[0]);
}

static void info_cases(void)
{
	int sv[2];
	pair(SOCK_DGRAM, sv);
	struct stat st;
	fstat(sv[0], &st);
	printf("S_ISSOCK %d\n", S_ISSOCK(st.st_mode));
	int v = -1;
	socklen_t len = sizeof v;
	getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len);
	printf("SO_TYPE %d len %u\n", v, (unsigned)len);
	getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &len);
	printf("SO_ERROR %d\n", v);
	struct sockaddr_un sa;
	memset(&sa, 0x55, sizeof sa);
	len = sizeof sa;
	show("getsockname", getsockname(sv[0], (struct sockaddr *)&sa, &len));
	printf("family %d len %u path0 %d\n", sa.sun_family, (unsigned)len, sa.sun_path[0]);
	len = sizeof sa;
	show("getpeername", getpeername(sv[1], (struct sockaddr *)&sa, &len));
	printf("family %d len %u\n", sa.sun_family, (unsigned)len);
	show("shutdown bad how", shutdown(sv[0], 7));
	show("send on a pipe", ({
		     int pp[2];
		     pipe(pp);
		     long x = send(pp[1], "x", 1, 0);
		     close(pp[0]);
		     close(pp[1]);
		     x;
	     }));
	close(sv[0]);
	close(sv[1]);
	int bad[2];
	show("socketpair bad protocol", socketpair(AF_UNIX, SOCK_STREAM, 99, bad));
	show("socketpair bad flags", socketpair(AF_UNIX, SOCK_STREAM | 0x100, 0, bad));
	show("socketpair AF_INET", socketpair(AF_INET, SOCK_STREAM, 0, bad));
	show("socket bad family", socket(12345, SOCK_STREAM, 0));
}

static int tsv[2];

static void *reader(void *arg)
{
	char buf[16];
	(void)arg;
	long r = read(tsv[1], buf, sizeof buf);
	printf("thread read: %ld %.*s\n", r, (int)r, buf);
	return NULL;
}

static char big[200000];

/* Reads everything the writer sends until EOF, with a checksum. */
static void *drainer(void *arg)
{
	char buf[5000];
	long r, total = 0;
	unsigned sum = 0;
	(void)arg;
	while ((r = read(tsv[1], buf, sizeof buf)) > 0) {
		for (long i = 0; i < r; i++)
			sum = sum * 31 + (unsigned char)buf[i];
		total += r;
	}
	printf("drainer: %ld bytes, sum %u, last %ld\n", total, sum, r);
	return NULL;
}

static void *poke(void *arg)
{
	(void)arg;
	usleep(50000); /* the main thread blocks in poll meanwhile */
	write(tsv[0], "p", 1);
	return NULL;
}

static void thread_case(void)
{
	pthread_t d;
	pair(SOCK_STREAM, tsv);
	for (unsigned i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 7 + i / 300);
	pthread_create(&d, NULL, drainer, NULL);
	show("blocking write of more than the buffer", write(tsv[0], big, sizeof big));
	shutdown(tsv[0], SHUT_WR);
	pthread_join(d, NULL);
	close(tsv[0]);
	close(tsv[1]);

	pair(SOCK_STREAM, tsv);
	pthread_create(&d, NULL, poke, NULL);
	struct pollfd p = {tsv[1], POLLIN, 0};
	show("poll woken by a thread", poll(&p, 1, 5000));
	printf("revents %#x\n", p.revents);
	pthread_join(d, NULL);
	close(tsv[0]);
	close(tsv[1]);

	pthread_t t;
	pair(SOCK_STREAM, tsv);
	pthread_create(&t, NULL, reader, NULL);
	usleep(50000); /* the reader blocks in read meanwhile */
	write(tsv[0], "wake", 4);
	pthread_join(t, NULL);
	printf("joined\n");
	close(tsv[0]);
	close(tsv[1]);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "socket")) {
		/* Not differential: the host has these families. */
		static const int fam[] = {AF_INET, AF_INET6,   AF_INET,
					  AF_UNIX, AF_NETLINK, AF_PACKET};
		static const int typ[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_RAW,
					  SOCK_STREAM, SOCK_RAW,   SOCK_RAW};
		for (int i = 0; i < 6; i++) {
			char what[32];
			snprintf(what, sizeof what, "socket %d %d", fam[i], typ[i]);
			show(what, socket(fam[i], typ[i], 0));
		}
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "sigpipe")) {
		int sv[2];
		pair(SOCK_STREAM, sv);
		close(sv[1]);
		printf("writing to a closed peer\n");
		fflush(stdout);
		write(sv[0], "x", 1);
		printf("not reached\n");
		return 0;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	stream_cases();
	dgram_cases();
	dgram_close_cases();
	nonblock_cases();
	poll_cases();
	info_cases();
	thread_case();
	return 0;
}
