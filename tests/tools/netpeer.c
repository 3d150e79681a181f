/*
 * netpeer: the host side of the network tests (docs/testing.md, "net.*").
 * Every mode works on loopback only; the tests run it in their own network
 * namespace (tests/scripts/netns).
 *
 *   netpeer peer PIDFILE      the peer of tests/guest/sockets.c: a TCP echo
 *                             service on 127.0.0.1 and ::1 port 20010 (on EOF
 *                             it sends "bye" and closes), a UDP echo on port
 *                             20011 (both families), and a control service on
 *                             127.0.0.1:20000 taking one command a line:
 *                               accept        accept on 127.0.0.1:20012, hold it
 *                               connect PORT DATA  connect to 127.0.0.1:PORT,
 *                                             send DATA, hold it ("ok port N":
 *                                             its local port)
 *                               send DATA     send DATA on the held one
 *                               collect       read the held one to EOF, close
 *                               shut          shutdown(SHUT_WR) of the held one
 *                               reset         close it with SO_LINGER 0 (RST)
 *                             each answered by one line ("ok", "got N DATA",
 *                             or "error ...").
 *   netpeer dns PIDFILE       a DNS server on 127.0.0.1:53 (UDP) answering A
 *                             and AAAA of svc.unikvm.test, NXDOMAIN otherwise.
 *   netpeer sum PORT CONNS BYTES   CONNS connections at once to 127.0.0.1:PORT,
 *                             each sending BYTES of its own stream
 *                             (net_pattern.h) and expecting "LEN SUM\n" back.
 *   netpeer bulk PORT BYTES   one connection: BYTES up (the server answers its
 *                             checksum), then BYTES down, checked; times each.
 *   netpeer idle PORT CONNS PID SECONDS MAX_CPU_MS MAX_RSS_BYTES
 *                             CONNS connections, each waiting for one byte from
 *                             the server; then, while all are idle, the CPU time
 *                             of process PID over SECONDS must stay under
 *                             MAX_CPU_MS, its RSS growth since the first
 *                             connection under MAX_RSS_BYTES a connection (and
 *                             none while idle); then each connection sends a
 *                             byte that the server must echo.
 *   netpeer hammer PORT SECONDS   16 connections at a time to an echo server,
 *                             over and over, until SECONDS pass or the server
 *                             is gone.
 * The PIDFILE modes bind first, then go to the background and write the
 * pid of the server there: once netpeer returns, the ports are open.
 * Exit status 0 when every check passed, 1 with a message otherwise.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../guest/net_pattern.h"

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "netpeer: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct sockaddr_storage loopback(int family, int port, socklen_t *len)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (family == AF_INET6) {
		struct sockaddr_in6 a = {.sin6_family = AF_INET6,
					 .sin6_port = htons((uint16_t)port),
					 .sin6_addr = IN6ADDR_LOOPBACK_INIT};
		memcpy(&ss, &a, sizeof a);
		*len = sizeof a;
	} else {
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons((uint16_t)port),
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		memcpy(&ss, &a, sizeof a);
		*len = sizeof a;
	}
	return ss;
}

/* A bound socket on the loopback address of FAMILY (listening if TCP). */
static int server(int family, int type, int port)
{
	socklen_t len;
	struct sockaddr_storage ss = loopback(family, port, &len);
	int s = socket(family, type | SOCK_CLOEXEC, 0), one = 1;
	if (s < 0)
		die("socket: %s", strerror(errno));
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(s, (struct sockaddr *)&ss, len))
		die("bind port %d: %s", port, strerror(errno));
	if (type == SOCK_STREAM && listen(s, 4096))
		die("listen: %s", strerror(errno));
	return s;
}

/* Connects to 127.0.0.1:PORT, retrying while nobody listens yet (a
 * unikernel still booting) for up to 120 s. */
static int client(int port)
{
	socklen_t len;
	struct sockaddr_storage ss = loopback(AF_INET, port, &len);
	double until = now() + 120;
	for (;;) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			die("socket: %s", strerror(errno));
		if (!connect(s, (struct sockaddr *)&ss, len))
			return s;
		int e = errno;
		close(s);
		if (e != ECONNREFUSED || now() > until)
			die("connect to port %d: %s", port, strerror(e));
		usleep(20000);
	}
}

static void write_all(int fd, const void *buf, size_t n)
{
	if (net_write_all(fd, buf, n))
		die("write: %s", strerror(errno));
}

/* Goes to the background once the servers are bound: the parent writes
 * the child's pid to PIDFILE and exits. The child gives up after 20
 * minutes in case nobody stops it. */
static void daemonize(const char *pidfile)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid > 0) {
		FILE *f = fopen(pidfile, "w");
		if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f))
			die("%s: %s", pidfile, strerror(errno));
		exit(0);
	}
	setsid();
	alarm(1200);
	int null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
}

/* ---- peer: the other end of tests/guest/sockets.c ------------------------ */

#define PEER_CTL 20000
#define PEER_ECHO 20010
#define PEER_UDP 20011
#define PEER_HOLD 20012
#define PEER_MAX 64

static int held = -1, hold_listener;

static void drop_held(void)
{
	if (held >= 0)
		close(held);
	held = -1;
}

/* Runs one control command; writes its answer (one line) to out. */
static void peer_command(char *line, char *out, size_t outlen)
{
	char *arg = strchr(line, ' ');
	if (arg)
		*arg++ = 0;
	snprintf(out, outlen, "ok\n");
	if (!strcmp(line, "accept")) {
		drop_held();
		held = accept4(hold_listener, NULL, NULL, SOCK_CLOEXEC);
		if (held < 0)
			snprintf(out, outlen, "error accept %s\n", strerror(errno));
	} else if (!strcmp(line, "connect") && arg) {
		char *data = strchr(arg, ' ');
		socklen_t len;
		struct sockaddr_storage ss = loopback(AF_INET, atoi(arg), &len);
		struct sockaddr_in me;
		socklen_t melen = sizeof me;
		drop_held();
		held = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (connect(held, (struct sockaddr *)&ss, len)) {
			snprintf(out, outlen, "error connect %s\n", strerror(errno));
			return;
		}
		if (data)
			write_all(held, data + 1, strlen(data + 1));
		getsockname(held, (struct sockaddr *)&me, &melen);
		snprintf(out, outlen, "ok port %d\n", ntohs(me.sin_port));
	} else if (held < 0) {
		snprintf(out, outlen, "error nothing held\n");
	} else if (!strcmp(line, "send") && arg) {
		write_all(held, arg, strlen(arg));
	} else if (!strcmp(line, "collect")) {
		char buf[256];
		size_t n = 0;
		ssize_t r;
		while (n < sizeof buf - 1 && (r = read(held, buf + n, sizeof buf - 1 - n)) > 0)
			n += (size_t)r;
		snprintf(out, outlen, "got %zu %.*s\n", n, (int)n, buf);
		drop_held();
	} else if (!strcmp(line, "shut")) {
		shutdown(held, SHUT_WR);
	} else if (!strcmp(line, "reset")) {
		struct linger l = {1, 0};
		setsockopt(held, SOL_SOCKET, SO_LINGER, &l, sizeof l);
		drop_held();
	} else {
		snprintf(out, outlen, "error unknown command\n");
	}
}

static _Noreturn void peer(const char *pidfile)
{
	struct pollfd p[PEER_MAX];
	char ctlbuf[512];
	size_t ctllen = 0;
	int n = 0;
	p[n++].fd = server(AF_INET, SOCK_STREAM, PEER_CTL);
	p[n++].fd = server(AF_INET, SOCK_STREAM, PEER_ECHO);
	p[n++].fd = server(AF_INET6, SOCK_STREAM, PEER_ECHO);
	p[n++].fd = server(AF_INET, SOCK_DGRAM, PEER_UDP);
	p[n++].fd = server(AF_INET6, SOCK_DGRAM, PEER_UDP);
	const int ctl = n++; /* the control connection's slot */
	p[ctl].fd = -1;
	hold_listener = server(AF_INET, SOCK_STREAM, PEER_HOLD);
	daemonize(pidfile);
	for (int i = 0; i < PEER_MAX; i++)
		p[i].events = POLLIN;
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0)
			die("poll: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			if (!p[i].revents || p[i].fd < 0)
				continue;
			if (i == 0) { /* a new control connection replaces the old */
				if (p[ctl].fd >= 0)
					close(p[ctl].fd);
				p[ctl].fd = accept4(p[0].fd, NULL, NULL, SOCK_CLOEXEC);
				ctllen = 0;
				drop_held();
			} else if (i == 1 || i == 2) {
				int c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
				if (c >= 0 && n < PEER_MAX)
					p[n++].fd = c;
				else if (c >= 0)
					close(c);
			} else if (i == 3 || i == 4) {
				struct sockaddr_storage from;
				socklen_t flen = sizeof from;
				char buf[2048];
				ssize_t r = recvfrom(p[i].fd, buf, sizeof buf, 0,
						     (struct sockaddr *)&from, &flen);
				if (r >= 0)
					sendto(p[i].fd, buf, (size_t)r, 0, (struct sockaddr *)&from,
					       flen);
			} else if (i == ctl) {
				ssize_t r =
				    read(p[ctl].fd, ctlbuf + ctllen, sizeof ctlbuf - 1 - ctllen);
				if (r <= 0) {
					close(p[ctl].fd);
					p[ctl].fd = -1;
					continue;
				}
				ctllen += (size_t)r;
				char *nl;
				while ((nl = memchr(ctlbuf, '\n', ctllen))) {
					char out[400];
					*nl = 0;
					peer_command(ctlbuf, out, sizeof out);
					write_all(p[ctl].fd, out, strlen(out));
					ctllen -= (size_t)(nl + 1 - ctlbuf);
					memmove(ctlbuf, nl + 1, ctllen);
				}
				if (ctllen == sizeof ctlbuf - 1)
					ctllen = 0;
			} else { /* an echo connection */
				char buf[4096];
				ssize_t r = read(p[i].fd, buf, sizeof buf);
				if (r > 0) {
					write_all(p[i].fd, buf, (size_t)r);
					continue;
				}
				if (r == 0)
					write_all(p[i].fd, "bye", 3);
				close(p[i].fd);
				p[i] = p[--n];
				i--;
			}
		}
	}
}

/* ---- dns: A and AAAA of one name ----------------------------------------- */

static const char dns_name[] = "\3svc\6unikvm\4test"; /* svc.unikvm.test */
static const unsigned char dns_a[4] = {10, 1, 2, 3};
static const unsigned char dns_aaaa[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x23};

/* Answers one query in q (n bytes) into r; returns the answer's length, 0
 * to drop it. */
static size_t dns_answer(const unsigned char *q, size_t n, unsigned char *r)
{
	size_t i = 12;
	if (n < 17 || (q[2] & 0x80) || q[4] != 0 || q[5] != 1)
		return 0;
	while (i < n && q[i])
		i += q[i] + 1u;
	if (i + 5 > n)
		return 0;
	size_t qend = i + 5; /* the name's 0, type, class */
	unsigned type = (unsigned)q[i + 1] << 8 | q[i + 2];
	int match =
	    i - 12 + 1 == sizeof dns_name && !strncasecmp((const char *)q + 12, dns_name, i - 12);
	memcpy(r, q, qend);
	r[2] = 0x81 | (q[2] & 1);   /* QR, opcode 0, RD copied */
	r[3] = match ? 0x80 : 0x83; /* RA; NXDOMAIN for other names */
	memset(r + 6, 0, 6);
	size_t len = qend;
	const unsigned char *data = type == 1 ? dns_a : dns_aaaa;
	unsigned dlen = type == 1 ? 4 : 16;
	if (!match || (type != 1 && type != 28))
		return len; /* no answer (NODATA for other types of the name) */
	r[7] = 1;
	const unsigned char rr[] = {0xc0, 12, 0, (unsigned char)type, 0, 1, 0, 0,
				    0,	  60, 0, (unsigned char)dlen};
	memcpy(r + len, rr, sizeof rr);
	len += sizeof rr;
	memcpy(r + len, data, dlen);
	return len + dlen;
}

static _Noreturn void dns(const char *pidfile)
{
	int s = server(AF_INET, SOCK_DGRAM, 53);
	daemonize(pidfile);
	for (;;) {
		unsigned char q[512], r[600];
		struct sockaddr_storage from;
		socklen_t flen = sizeof from;
		ssize_t n = recvfrom(s, q, sizeof q, 0, (struct sockaddr *)&from, &flen);
		if (n < 0)
			continue;
		size_t len = dns_answer(q, (size_t)n, r);
		if (len)
			sendto(s, r, len, 0, (struct sockaddr *)&from, flen);
	}
}

/* ---- load: checksummed connections --------------------------------------- */

static void raise_nofile(void)
{
	struct rlimit r;
	getrlimit(RLIMIT_NOFILE, &r);
	r.rlim_cur = r.rlim_max;
	setrlimit(RLIMIT_NOFILE, &r);
}

/* Sends BYTES of stream SEED on fd from offset *off, as far as the socket
 * takes it without blocking. Returns 1 when all is sent. */
static int send_some(int fd, uint64_t seed, uint64_t *off, uint64_t bytes)
{
	static char buf[1 << 16];
	while (*off < bytes) {
		size_t n = bytes - *off < sizeof buf ? (size_t)(bytes - *off) : sizeof buf;
		net_pattern_fill(buf, seed, *off, n);
		ssize_t r = send(fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r < 0)
			die("send: %s", strerror(errno));
		*off += (uint64_t)r;
	}
	return 1;
}

/* The server's answer for a stream: "LEN SUM\n". */
static void expect_sum(const char *what, const char *line, uint64_t seed, uint64_t bytes)
{
	struct net_sum s;
	static char buf[1 << 16];
	net_sum_init(&s);
	for (uint64_t off = 0; off < bytes; off += sizeof buf) {
		size_t n = bytes - off < sizeof buf ? (size_t)(bytes - off) : sizeof buf;
		net_pattern_fill(buf, seed, off, n);
		net_sum_add(&s, buf, n);
	}
	char want[64];
	snprintf(want, sizeof want, "%" PRIu64 " %016" PRIx64 "\n", bytes, net_sum_value(&s));
	if (strcmp(line, want))
		die("%s: the server answered \"%.40s\", expected \"%.40s\"", what, line, want);
}

static int sum(int port, int conns, uint64_t bytes)
{
	if (conns < 1 || conns > 100000)
		die("sum: %d connections: 1..100000", conns);
	struct conn {
		int fd, shut; /* shut: all sent, SHUT_WR done */
		uint64_t off;
		size_t got;
		char line[64];
	} *c = calloc((size_t)conns, sizeof *c);
	struct pollfd *p = calloc((size_t)conns, sizeof *p);
	raise_nofile();
	double t0 = now();
	for (int i = 0; i < conns; i++) { /* all open at once before any data */
		c[i].fd = client(port);
		p[i].fd = c[i].fd;
	}
	int left = conns;
	while (left) {
		for (int i = 0; i < conns; i++) {
			p[i].events = c[i].shut ? POLLIN : POLLOUT;
			if (c[i].fd < 0)
				p[i].fd = -1;
		}
		if (poll(p, (nfds_t)conns, 120000) <= 0)
			die("sum: no progress for 120 s, %d connections unanswered", left);
		for (int i = 0; i < conns; i++) {
			if (!p[i].revents)
				continue;
			if (!c[i].shut) {
				c[i].shut = send_some(c[i].fd, (uint64_t)i, &c[i].off, bytes);
				if (c[i].shut)
					shutdown(c[i].fd, SHUT_WR);
				continue;
			}
			ssize_t r =
			    read(c[i].fd, c[i].line + c[i].got, sizeof c[i].line - 1 - c[i].got);
			if (r < 0)
				die("sum: connection %d: %s", i, strerror(errno));
			c[i].got += (size_t)r;
			if (r > 0 && c[i].got < sizeof c[i].line - 1)
				continue;
			c[i].line[c[i].got] = 0;
			char what[32];
			snprintf(what, sizeof what, "connection %d", i);
			expect_sum(what, c[i].line, (uint64_t)i, bytes);
			close(c[i].fd);
			c[i].fd = -1;
			left--;
		}
	}
	printf("sum: %d connections at once, %" PRIu64
	       " bytes each: every checksum right (%.1f s)\n",
	       conns, bytes, now() - t0);
	return 0;
}

static int bulk(int port, uint64_t bytes)
{
	static char buf[1 << 16];
	int fd = client(port);
	uint64_t off = 0;
	double t0 = now();
	while (off < bytes) {
		size_t n = bytes - off < sizeof buf ? (size_t)(bytes - off) : sizeof buf;
		net_pattern_fill(buf, 1, off, n);
		write_all(fd, buf, n);
		off += n;
	}
	char line[64];
	size_t got = 0;
	ssize_t r;
	while (got < sizeof line - 1 && (r = read(fd, line + got, 1)) == 1 && line[got++] != '\n')
		;
	line[got] = 0;
	double t1 = now();
	expect_sum("upload", line, 1, bytes);
	struct net_sum s, want;
	net_sum_init(&s);
	net_sum_init(&want);
	while ((r = read(fd, buf, sizeof buf)) > 0) {
		net_sum_add(&s, buf, (size_t)r);
		if (s.len > bytes)
			die("download: more than %" PRIu64 " bytes", bytes);
	}
	for (off = 0; off < bytes; off += sizeof buf) {
		size_t n = bytes - off < sizeof buf ? (size_t)(bytes - off) : sizeof buf;
		net_pattern_fill(buf, 2, off, n);
		net_sum_add(&want, buf, n);
	}
	if (r < 0 || s.len != bytes || net_sum_value(&s) != net_sum_value(&want))
		die("download: %" PRIu64 " bytes of %" PRIu64 ", checksum %s", s.len, bytes,
		    net_sum_value(&s) == net_sum_value(&want) ? "right" : "wrong");
	double t2 = now();
	printf("bulk: %" PRIu64 " bytes up in %.2f s, down in %.2f s: both checksums right\n",
	       bytes, t1 - t0, t2 - t1);
	return 0;
}

/* CPU time (ms, all threads) and RSS (KiB) of process pid. */
static void usage_of(int pid, double *cpu_ms, long *rss_kb)
{
	char path[64], buf[2048];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof buf, f))
		die("%s: %s", path, strerror(errno));
	fclose(f);
	unsigned long long ut, st;
	char *p = strrchr(buf, ')');
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		die("%s: unparsable", path);
	*cpu_ms = (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	f = fopen(path, "r");
	*rss_kb = -1;
	while (f && fgets(buf, sizeof buf, f))
		if (!strncmp(buf, "VmRSS:", 6))
			*rss_kb = atol(buf + 6);
	if (f)
		fclose(f);
	if (*rss_kb < 0)
		die("%s: no VmRSS", path);
}

static int idle(int port, int conns, int pid, int seconds, double max_cpu_ms, long max_rss_b)
{
	if (conns < 1 || conns > 100000)
		die("idle: %d connections: 1..100000", conns);
	int *fd = calloc((size_t)conns, sizeof *fd);
	double cpu0, cpu1, cpu2, t0 = now();
	long rss0, rss1, rss2;
	raise_nofile();
	fd[0] = client(port); /* the server is up */
	usage_of(pid, &cpu0, &rss0);
	for (int i = 1; i < conns; i++)
		fd[i] = client(port);
	for (int i = 0; i < conns; i++) { /* each accepted and answered */
		char k;
		if (read(fd[i], &k, 1) != 1)
			die("idle: connection %d: no byte from the server", i);
	}
	double t1 = now();
	usage_of(pid, &cpu1, &rss1);
	sleep((unsigned)seconds);
	usage_of(pid, &cpu2, &rss2);
	long per_conn = (rss2 - rss0) * 1024 / conns;
	printf("idle: %d connections set up in %.1f s (%.0f ms of the server's CPU), its RSS "
	       "%ld -> %ld KiB; idle %d s: %.0f ms of CPU, RSS %ld KiB (%ld bytes a connection)\n",
	       conns, t1 - t0, cpu1 - cpu0, rss0, rss1, seconds, cpu2 - cpu1, rss2, per_conn);
	if (cpu2 - cpu1 > max_cpu_ms)
		die("idle: %.0f ms of CPU while idle, more than %.0f", cpu2 - cpu1, max_cpu_ms);
	if (per_conn > max_rss_b)
		die("idle: RSS grew by %ld bytes a connection, more than %ld", per_conn, max_rss_b);
	if (rss2 - rss1 > 1024)
		die("idle: RSS grew by %ld KiB while idle", rss2 - rss1);
	/* Every connection still works: one byte each way on each, all sent
	 * before any answer is read (the server echoes), then closed. */
	alarm(600);
	for (int i = 0; i < conns; i++)
		write_all(fd[i], "p", 1);
	for (int i = 0; i < conns; i++) {
		char k = 0;
		if (read(fd[i], &k, 1) != 1 || k != 'p')
			die("idle: connection %d: no echo after the wait", i);
	}
	printf("idle: all %d connections echoed a byte after the wait (%.1f s)\n", conns,
	       now() - t1 - seconds);
	for (int i = 0; i < conns; i++)
		close(fd[i]);
	return 0;
}

/* Connects, sends 1 KiB and reads it back, 16 connections in flight, until
 * SECONDS pass or connect fails (the server was killed). */
static int hammer(int port, int seconds)
{
	double until = now() + seconds;
	long rounds = 0;
	int s = client(port);
	close(s);
	while (now() < until) {
		int fd[16];
		socklen_t len;
		struct sockaddr_storage ss = loopback(AF_INET, port, &len);
		int n = 0;
		for (; n < 16; n++) {
			fd[n] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (connect(fd[n], (struct sockaddr *)&ss, len)) {
				close(fd[n]);
				break;
			}
		}
		for (int i = 0; i < n; i++) {
			char buf[1024];
			memset(buf, 'h', sizeof buf);
			send(fd[i], buf, sizeof buf, MSG_NOSIGNAL);
		}
		for (int i = 0; i < n; i++) {
			char buf[1024];
			recv(fd[i], buf, sizeof buf, MSG_WAITALL);
			close(fd[i]);
		}
		rounds++;
		if (n < 16)
			break;
	}
	printf("hammer: %ld rounds of 16 connections\n", rounds);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *m = argc > 1 ? argv[1] : "";
	if (!strcmp(m, "peer") && argc == 3)
		peer(argv[2]);
	if (!strcmp(m, "dns") && argc == 3)
		dns(argv[2]);
	if (!strcmp(m, "sum") && argc == 5)
		return sum(atoi(argv[2]), atoi(argv[3]), strtoull(argv[4], NULL, 0));
	if (!strcmp(m, "bulk") && argc == 4)
		return bulk(atoi(argv[2]), strtoull(argv[3], NULL, 0));
	if (!strcmp(m, "idle") && argc == 8)
		return idle(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]),
			    atof(argv[6]), atol(argv[7]));
	if (!strcmp(m, "hammer") && argc == 4)
		return hammer(atoi(argv[2]), atoi(argv[3]));
	fprintf(
	    stderr,
	    "usage: netpeer peer|dns PIDFILE | sum PORT CONNS BYTES | bulk PORT BYTES\n"
	    "     | idle PORT CONNS PID SECONDS MAX_CPU_MS MAX_RSS_BYTES | hammer PORT SECONDS\n");
	return 2;
}
