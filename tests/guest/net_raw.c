/*
 * net_raw: the network device through raw hypercalls, without libguest's
 * sockets (tests/scripts/net-cases). Each argument is one case, run in
 * order; each prints what the VMM answered. The hostile ones (the VMM must
 * stop the guest) come last on their own command lines.
 *
 * The guest never sets a slot's want bits, so the VMM never interrupts it:
 * it waits for readiness by looking at the event page between short
 * sleeps, clearing the bits it is about to consume before each call, as
 * the ABI asks.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <unikvm/abi.h>

static struct ukvm_net_events ev __attribute__((aligned(4096)));
/* The event page is this program's, not libguest's (libguest/kernel/inet.c). */
const char unikvm_raw_net_events[1];
static char buf[65536];

static void out32(uint16_t port, uint32_t value)
{
	__asm__ volatile("outl %0, %1" ::"a"(value), "Nd"(port) : "memory");
}

#define HC(NAME, arg) out32(UKVM_HC_PORT_BASE + UKVM_HC_##NAME, (uint32_t)(uintptr_t)(arg))

static long net_socket(int domain, int type, int protocol)
{
	struct ukvm_hc_net_socket a = {.domain = domain, .type = type, .protocol = protocol};
	HC(NET_SOCKET, &a);
	return (long)a.ret;
}

static long net_handle(unsigned nr, int h, int arg)
{
	struct ukvm_hc_net_handle a = {.handle = h, .arg = arg};
	out32((uint16_t)(UKVM_HC_PORT_BASE + nr), (uint32_t)(uintptr_t)&a);
	return (long)a.ret;
}

static long net_addr(unsigned nr, int h, struct ukvm_sockaddr *addr)
{
	struct ukvm_hc_net_addr a = {.handle = h, .addr = *addr};
	out32((uint16_t)(UKVM_HC_PORT_BASE + nr), (uint32_t)(uintptr_t)&a);
	*addr = a.addr;
	return (long)a.ret;
}

static struct ukvm_sockaddr inet4(uint32_t host, uint16_t port)
{
	struct ukvm_sockaddr s = {.len = sizeof(struct sockaddr_in)};
	struct sockaddr_in in = {
	    .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(host)};
	memcpy(s.data, &in, sizeof(in));
	return s;
}

static long net_msg(unsigned nr, int h, void *p, size_t len, uint32_t flags)
{
	struct ukvm_iovec iov = {.base = (uintptr_t)p, .len = len};
	struct ukvm_hc_net_msg a = {
	    .handle = h, .flags = flags, .iov = (uintptr_t)&iov, .iovcnt = 1};
	out32((uint16_t)(UKVM_HC_PORT_BASE + nr), (uint32_t)(uintptr_t)&a);
	return (long)a.ret;
}

static long sockopt(unsigned nr, int h, int level, int name, int val)
{
	struct ukvm_hc_net_sockopt a = {.handle = h, .level = level, .name = name, .len = 4};
	memcpy(a.val, &val, 4);
	out32((uint16_t)(UKVM_HC_PORT_BASE + nr), (uint32_t)(uintptr_t)&a);
	if (nr == UKVM_HC_NET_SETSOCKOPT || a.ret < 0)
		return (long)a.ret;
	return (long)(a.val[0] | a.val[1] << 8);
}

static long ev_setup(uint64_t gpa, uint64_t size)
{
	struct ukvm_hc_net_ev_setup a = {.events = gpa, .size = size};
	HC(NET_EV_SETUP, &a);
	return (long)a.ret;
}

/* Waits (at most 20 s) until slot h has one of bits (or an error). */
static int wait_ready(int h, uint32_t bits)
{
	for (int i = 0; i < 40000; i++) {
		if (__atomic_load_n(&ev.slot[h].ready, __ATOMIC_SEQ_CST) &
		    (bits | POLLERR | POLLHUP))
			return 0;
		usleep(500);
	}
	printf("timed out waiting for handle %d\n", h);
	return -1;
}

static void consume(int h, uint32_t bits)
{
	__atomic_fetch_and(&ev.slot[h].ready, ~bits, __ATOMIC_SEQ_CST);
}

/* A published TCP echo server on guest port `port`: one connection, every
 * byte back until the client's EOF. */
static int echo(uint16_t port)
{
	int l = (int)net_socket(AF_INET, SOCK_STREAM, 0);
	struct ukvm_sockaddr a = inet4(INADDR_ANY, port);
	printf("socket = %d\n", l);
	printf("SO_REUSEADDR = %ld\n",
	       sockopt(UKVM_HC_NET_SETSOCKOPT, l, SOL_SOCKET, SO_REUSEADDR, 1));
	printf("bind = %ld\n", net_addr(UKVM_HC_NET_BIND, l, &a));
	printf("listen = %ld\n", net_handle(UKVM_HC_NET_LISTEN, l, 8));
	a = (struct ukvm_sockaddr){0};
	printf("getsockname = %ld", net_addr(UKVM_HC_NET_GETSOCKNAME, l, &a));
	printf(", guest port %u\n", ntohs(((struct sockaddr_in *)a.data)->sin_port));
	printf("SO_ACCEPTCONN = %ld\n",
	       sockopt(UKVM_HC_NET_GETSOCKOPT, l, SOL_SOCKET, SO_ACCEPTCONN, 0));
	fflush(stdout);
	struct ukvm_hc_net_accept acc;
	for (;;) {
		consume(l, POLLIN);
		acc = (struct ukvm_hc_net_accept){.handle = l, .flags = SOCK_CLOEXEC};
		HC(NET_ACCEPT, &acc);
		if (acc.ret != -EAGAIN)
			break;
		if (wait_ready(l, POLLIN))
			return 1;
	}
	int c = (int)acc.ret;
	printf("accept = %d (changed bit of the listener %s)\n", c,
	       ev.changed[l / 64] & (1ull << (l % 64)) ? "set" : "clear");
	long total = 0;
	for (;;) {
		consume(c, POLLIN | POLLRDHUP);
		long n = net_msg(UKVM_HC_NET_RECVMSG, c, buf, sizeof(buf), MSG_WAITALL);
		if (n == -EAGAIN) {
			if (wait_ready(c, POLLIN | POLLRDHUP))
				return 1;
			continue;
		}
		if (n <= 0) {
			printf("recv end = %ld\n", n);
			break;
		}
		for (long done = 0; done < n;) {
			consume(c, POLLOUT);
			long w = net_msg(UKVM_HC_NET_SENDMSG, c, buf + done, (size_t)(n - done), 0);
			if (w == -EAGAIN) {
				if (wait_ready(c, POLLOUT))
					return 1;
				continue;
			}
			if (w < 0) {
				printf("send = %ld\n", w);
				return 1;
			}
			done += w;
		}
		total += n;
	}
	printf("echoed %ld bytes\n", total);
	printf("shutdown = %ld\n", net_handle(UKVM_HC_NET_SHUTDOWN, c, SHUT_WR));
	printf("close = %ld, %ld\n", net_handle(UKVM_HC_NET_CLOSE, c, 0),
	       net_handle(UKVM_HC_NET_CLOSE, l, 0));
	printf("close again = %ld\n", net_handle(UKVM_HC_NET_CLOSE, c, 0));
	return 0;
}

/* A listener on guest port `port`, published: its first connection
 * (waited for), or -1. */
static int accept_one(uint16_t port)
{
	int l = (int)net_socket(AF_INET, SOCK_STREAM, 0);
	struct ukvm_sockaddr a = inet4(INADDR_ANY, port);
	if (net_addr(UKVM_HC_NET_BIND, l, &a) || net_handle(UKVM_HC_NET_LISTEN, l, 1))
		return -1;
	for (;;) {
		consume(l, POLLIN);
		struct ukvm_hc_net_accept acc = {.handle = l};
		HC(NET_ACCEPT, &acc);
		if (acc.ret != -EAGAIN) {
			net_handle(UKVM_HC_NET_CLOSE, l, 0);
			return (int)acc.ret;
		}
		if (wait_ready(l, POLLIN))
			return -1;
	}
}

/* The --dir file `name` (mapping 0) to the first connection on `port` by
 * sendfile: 1000 bytes at offset 0 (the offset comes back), the rest from
 * there. */
static int send_file(uint16_t port, const char *name)
{
	struct ukvm_hc_fs_path o = {
	    .p = {.mount = 0, .len = (uint32_t)strlen(name), .path = (uintptr_t)name}};
	HC(FS_OPEN, &o);
	printf("fs_open = %ld\n", (long)o.ret);
	int c = accept_one(port);
	if (c < 0 || o.ret < 0)
		return 1;
	long total = 0;
	int64_t off = 0;
	for (uint64_t count = 1000;; count = 1 << 20) {
		consume(c, POLLOUT);
		struct ukvm_hc_net_sendfile sf = {
		    .sock = c, .fs_handle = (int32_t)o.ret, .offset = off, .count = count};
		HC(NET_SENDFILE, &sf);
		if (sf.ret == -EAGAIN) {
			if (wait_ready(c, POLLOUT))
				return 1;
			continue;
		}
		if (sf.ret < 0) {
			printf("sendfile = %ld\n", (long)sf.ret);
			return 1;
		}
		if (total == 0)
			printf("first sendfile = %ld, offset %ld\n", (long)sf.ret, (long)sf.offset);
		if (sf.ret == 0)
			break;
		total += sf.ret;
		off = sf.offset;
	}
	printf("sendfile: %ld bytes\n", total);
	net_handle(UKVM_HC_NET_CLOSE, c, 0);
	return 0;
}

/* Stdin through slot 0, as edge-triggered readiness asks: clear POLLIN,
 * read without waiting, and wait for the bit only after -EAGAIN; until
 * EOF. */
static int read_stdin(void)
{
	long total = 0;
	for (;;) {
		consume(UKVM_NET_STDIN_HANDLE, POLLIN | POLLRDHUP | POLLHUP);
		struct ukvm_hc_read a = {.fd = 0,
					 .flags = UKVM_READ_F_NONBLOCK,
					 .buf = (uintptr_t)buf,
					 .len = sizeof(buf)};
		HC(READ, &a);
		if (a.ret == -EAGAIN) {
			if (wait_ready(UKVM_NET_STDIN_HANDLE, POLLIN))
				return 1;
			continue;
		}
		if (a.ret <= 0) {
			printf("stdin: %ld bytes, then %ld\n", total, (long)a.ret);
			return a.ret < 0;
		}
		total += a.ret;
	}
}

/* Every handle that is not an open socket: -EBADF from every call. */
static void bad_handles(void)
{
	static const int handles[] = {0, -1, 7, UKVM_NET_SOCKETS_MAX + 1, 1 << 30, INT32_MIN};
	int closed = (int)net_socket(AF_INET, SOCK_DGRAM, 0);
	net_handle(UKVM_HC_NET_CLOSE, closed, 0);
	for (size_t i = 0; i <= sizeof(handles) / sizeof(handles[0]); i++) {
		int h = i < sizeof(handles) / sizeof(handles[0]) ? handles[i] : closed;
		struct ukvm_sockaddr a = inet4(INADDR_LOOPBACK, 9);
		struct ukvm_hc_net_accept acc = {.handle = h};
		struct ukvm_hc_net_sendfile sf = {.sock = h, .fs_handle = 3, .count = 1};
		HC(NET_ACCEPT, &acc);
		HC(NET_SENDFILE, &sf);
		printf(
		    "handle %d: close %ld listen %ld shutdown %ld fionread %ld bind %ld "
		    "connect %ld getsockname %ld getpeername %ld accept %ld send %ld recv %ld "
		    "getsockopt %ld setsockopt %ld sendfile %ld\n",
		    h, net_handle(UKVM_HC_NET_CLOSE, h, 0), net_handle(UKVM_HC_NET_LISTEN, h, 1),
		    net_handle(UKVM_HC_NET_SHUTDOWN, h, SHUT_RDWR),
		    net_handle(UKVM_HC_NET_FIONREAD, h, 0), net_addr(UKVM_HC_NET_BIND, h, &a),
		    net_addr(UKVM_HC_NET_CONNECT, h, &a), net_addr(UKVM_HC_NET_GETSOCKNAME, h, &a),
		    net_addr(UKVM_HC_NET_GETPEERNAME, h, &a), (long)acc.ret,
		    net_msg(UKVM_HC_NET_SENDMSG, h, buf, 1, 0),
		    net_msg(UKVM_HC_NET_RECVMSG, h, buf, 1, 0),
		    sockopt(UKVM_HC_NET_GETSOCKOPT, h, SOL_SOCKET, SO_TYPE, 0),
		    sockopt(UKVM_HC_NET_SETSOCKOPT, h, SOL_SOCKET, SO_REUSEADDR, 1), (long)sf.ret);
	}
}

/* What the device refuses whatever the policy. */
static void refusals(void)
{
	printf("AF_UNIX = %ld\n", net_socket(AF_UNIX, SOCK_STREAM, 0));
	printf("AF_NETLINK = %ld\n", net_socket(AF_NETLINK, SOCK_RAW, 0));
	printf("AF_PACKET = %ld\n", net_socket(AF_PACKET, SOCK_RAW, 0));
	printf("SOCK_RAW = %ld\n", net_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
	printf("SOCK_SEQPACKET = %ld\n", net_socket(AF_INET, SOCK_SEQPACKET, 0));
	printf("type 99 = %ld\n", net_socket(AF_INET, 99, 0));
	printf("UDP over TCP = %ld\n", net_socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	int s = (int)net_socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	printf("AF_INET6 dgram = %d\n", s);
	printf("SO_RCVTIMEO = %ld\n",
	       sockopt(UKVM_HC_NET_SETSOCKOPT, s, SOL_SOCKET, SO_RCVTIMEO, 1));
	printf("SO_BINDTODEVICE = %ld\n",
	       sockopt(UKVM_HC_NET_SETSOCKOPT, s, SOL_SOCKET, SO_BINDTODEVICE, 1));
	printf("set SO_TYPE = %ld\n", sockopt(UKVM_HC_NET_SETSOCKOPT, s, SOL_SOCKET, SO_TYPE, 1));
	printf("get SO_TYPE = %ld\n", sockopt(UKVM_HC_NET_GETSOCKOPT, s, SOL_SOCKET, SO_TYPE, 0));
	printf("send MSG_CONFIRM = %ld\n", net_msg(UKVM_HC_NET_SENDMSG, s, buf, 1, MSG_CONFIRM));
	printf("recv MSG_ERRQUEUE = %ld\n", net_msg(UKVM_HC_NET_RECVMSG, s, buf, 1, MSG_ERRQUEUE));
	printf("recv empty = %ld\n", net_msg(UKVM_HC_NET_RECVMSG, s, buf, 1, 0));
	printf("shutdown 7 = %ld\n", net_handle(UKVM_HC_NET_SHUTDOWN, s, 7));
	struct ukvm_sockaddr a = inet4(INADDR_ANY, 0);
	a.len = UKVM_NET_ADDR_MAX + 1;
	printf("bind len 129 = %ld\n", net_addr(UKVM_HC_NET_BIND, s, &a));
	struct ukvm_hc_net_accept acc = {.handle = s, .flags = 1};
	HC(NET_ACCEPT, &acc);
	printf("accept4 flags 1 = %ld\n", (long)acc.ret);
	printf("listen dgram = %ld\n", net_handle(UKVM_HC_NET_LISTEN, s, 1));
	net_handle(UKVM_HC_NET_CLOSE, s, 0);
}

/* Binds TCP to port `port` and says what the policy answered. */
static void bind_port(uint16_t port)
{
	int s = (int)net_socket(AF_INET, SOCK_STREAM, 0);
	struct ukvm_sockaddr a = inet4(INADDR_ANY, port);
	printf("bind %u = %ld\n", port, net_addr(UKVM_HC_NET_BIND, s, &a));
	printf("listen = %ld\n", net_handle(UKVM_HC_NET_LISTEN, s, 1));
	net_handle(UKVM_HC_NET_CLOSE, s, 0);
}

/* Sockets until the VMM refuses: how many, and the errno. */
static void limit(void)
{
	long n = 0, r;
	while ((r = net_socket(AF_INET, SOCK_DGRAM, 0)) > 0)
		n++;
	printf("sockets: %ld, then %ld\n", n, r);
	for (long h = 1; h <= n; h++)
		net_handle(UKVM_HC_NET_CLOSE, (int)h, 0);
	printf("after closing them: %ld\n", r = net_socket(AF_INET, SOCK_DGRAM, 0));
	net_handle(UKVM_HC_NET_CLOSE, (int)r, 0);
}

static void etc(void)
{
	for (uint32_t w = 0; w <= UKVM_NET_ETC_COUNT; w++) {
		struct ukvm_hc_net_etc a = {.which = w, .buf = (uintptr_t)buf, .len = 16};
		memset(buf, 0, 17);
		HC(NET_ETC, &a);
		printf("etc %u = %ld", w, (long)a.ret);
		printf(a.ret > 0 ? " '%.*s'\n" : "\n", (int)strcspn(buf, "\n"), buf);
	}
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *c = argv[i];
		const char *arg = i + 1 < argc ? argv[i + 1] : "0";
		if (!strcmp(c, "setup")) {
			printf("ev_setup misaligned = %ld\n",
			       ev_setup((uintptr_t)&ev + 8, sizeof(ev)));
			printf("ev_setup size = %ld\n", ev_setup((uintptr_t)&ev, sizeof(ev) - 8));
			printf("ev_setup = %ld\n", ev_setup((uintptr_t)&ev, sizeof(ev)));
			printf("ev_setup again = %ld\n", ev_setup((uintptr_t)&ev, sizeof(ev)));
		} else if (!strcmp(c, "echo")) {
			if (echo((uint16_t)atoi(arg)))
				return 1;
			i++;
		} else if (!strcmp(c, "sendfile")) {
			if (i + 2 >= argc || send_file((uint16_t)atoi(arg), argv[i + 2]))
				return 1;
			i += 2;
		} else if (!strcmp(c, "stdin")) {
			if (read_stdin())
				return 1;
		} else if (!strcmp(c, "bind")) {
			bind_port((uint16_t)atoi(arg));
			i++;
		} else if (!strcmp(c, "socket")) {
			printf("socket = %ld\n", net_socket(AF_INET, SOCK_STREAM, 0));
		} else if (!strcmp(c, "badhandles")) {
			bad_handles();
		} else if (!strcmp(c, "refusals")) {
			refusals();
		} else if (!strcmp(c, "limit")) {
			limit();
		} else if (!strcmp(c, "etc")) {
			etc();
		} else if (!strcmp(c, "huge-iovcnt")) {
			struct ukvm_hc_net_msg a = {.handle = 1, .iovcnt = UKVM_IOV_MAX + 1};
			HC(NET_SENDMSG, &a);
		} else if (!strcmp(c, "iov-outside")) {
			struct ukvm_iovec iov = {.base = 0xfff00000u, .len = 4096};
			struct ukvm_hc_net_msg a = {
			    .handle = 1, .iov = (uintptr_t)&iov, .iovcnt = 1};
			HC(NET_RECVMSG, &a);
		} else if (!strcmp(c, "ev-outside")) {
			ev_setup(0xfff00000u, sizeof(ev));
		} else if (!strcmp(c, "etc-outside")) {
			struct ukvm_hc_net_etc a = {.which = 1, .buf = 0xfff00000u, .len = 4096};
			HC(NET_ETC, &a);
		} else {
			printf("unknown case %s\n", c);
			return 2;
		}
		fflush(stdout);
	}
	printf("net_raw: done\n");
	return 0;
}
