/*
 * The network device (net.h, abi.h "Network", docs/network.md): its
 * options and /etc files, the socket table and the socket hypercalls. Each
 * hypercall is one host call on a non-blocking host socket; nothing here
 * waits. Every guest value is checked here: handles against the table,
 * addresses by net_policy, buffers through hc_iovec.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/exit_status.h"
#include "base/log.h"
#include "commands/options.h"
#include "core/hypercall.h"
#include "core/vm.h"
#include "devices/files.h"
#include "devices/net.h"

#define SEND_FLAGS (MSG_OOB | MSG_DONTROUTE | MSG_DONTWAIT | MSG_EOR | MSG_MORE | MSG_NOSIGNAL)
#define RECV_FLAGS (MSG_OOB | MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT | MSG_WAITALL)
#define RECV_MSG_FLAGS (MSG_TRUNC | MSG_CTRUNC | MSG_OOB | MSG_EOR)
#define HOST_SOCK_FLAGS (SOCK_NONBLOCK | SOCK_CLOEXEC)
#define SENDFILE_MAX 0x7ffff000 /* Linux's own cap on one call */

/* ---- the /etc files ----------------------------------------------------- */

static const char *const etc_host_paths[UKVM_NET_ETC_COUNT] = {
    [UKVM_NET_ETC_RESOLV_CONF] = "/etc/resolv.conf",
    [UKVM_NET_ETC_HOSTS] = "/etc/hosts",
    [UKVM_NET_ETC_SERVICES] = "/etc/services",
};
static const char *const net_etc_options[UKVM_NET_ETC_COUNT] = {
    [UKVM_NET_ETC_RESOLV_CONF] = "--resolv-conf",
    [UKVM_NET_ETC_HOSTS] = "--hosts-file",
    [UKVM_NET_ETC_SERVICES] = "--services-file",
};

/* Reads path (at most UKVM_NET_ETC_MAX bytes) into *f: 0, or -errno
 * (-EFBIG: too big, -EINVAL: not a regular file). */
static int etc_read(const char *path, struct net_etc_file *f)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int e = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		e = -errno;
	else if (!S_ISREG(st.st_mode))
		e = -EINVAL;
	else if ((uint64_t)st.st_size > UKVM_NET_ETC_MAX)
		e = -EFBIG;
	else if (!(f->data = malloc((size_t)st.st_size + 1)))
		e = -ENOMEM;
	while (!e && f->len < (size_t)st.st_size) {
		ssize_t r = read(fd, f->data + f->len, (size_t)st.st_size - f->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break; /* shrank: what was there */
		f->len += (size_t)r;
	}
	close(fd);
	if (e) {
		free(f->data);
		f->data = NULL;
	}
	return e;
}

static const char *etc_why(int e)
{
	return e == -EFBIG    ? "larger than 1 MiB"
	       : e == -EINVAL ? "not a regular file"
			      : strerror(-e);
}

/* A file an option names must be there; the host's own are taken if
 * present, and only when the guest has a network. */
static int etc_setup(struct net *n, const struct run_options *o, char *err, size_t errlen)
{
	for (int i = 0; i < UKVM_NET_ETC_COUNT; i++) {
		int e;
		if (o->etc_files[i]) {
			if ((e = etc_read(o->etc_files[i], &n->etc[i])))
				return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "%s %s: %s",
						 net_etc_options[i], o->etc_files[i], etc_why(e));
		} else if (n->policy.mode != NET_MODE_NONE &&
			   (e = etc_read(etc_host_paths[i], &n->etc[i])) && e != -ENOENT) {
			ukvm_err("warning: %s: %s: the guest has none", etc_host_paths[i],
				 etc_why(e));
		}
	}
	return 0;
}

void hc_net_etc(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_etc *a)
{
	int64_t r;

	if (a->which >= UKVM_NET_ETC_COUNT) {
		r = -EINVAL;
	} else if (!vm->net || !vm->net->etc[a->which].data) {
		r = -ENOENT;
	} else {
		const struct net_etc_file *f = &vm->net->etc[a->which];
		uint64_t len = a->len < f->len ? a->len : f->len;
		if (len) {
			void *dst = hc_buf(vm, UKVM_HC_NET_ETC, "buffer", a->buf, len);
			if (!dst)
				return;
			memcpy(dst, f->data, len);
		}
		r = (int64_t)f->len;
	}
	HC_PUT_RET(vm, gpa, ukvm_hc_net_etc, r);
}

/* ---- the socket table --------------------------------------------------- */

/* The open socket of guest handle h, or NULL (-EBADF). */
static struct net_sock *get_sock(struct vm *vm, int32_t h)
{
	if (!vm->net || h < 1 || h > vm->net->high || vm->net->socks[h].fd < 0)
		return NULL;
	return &vm->net->socks[h];
}

/* The lowest free handle, or -EMFILE. Past n->high the table is not even
 * read: its first use there sets the entry up. */
static int free_handle(struct net *n)
{
	for (int h = n->free_hint; h <= n->high; h++)
		if (n->socks[h].fd < 0)
			return n->free_hint = h;
	if (n->high == UKVM_NET_SOCKETS_MAX) {
		n->free_hint = UKVM_NET_SOCKETS_MAX + 1;
		return -EMFILE;
	}
	n->socks[++n->high] = (struct net_sock){.fd = -1};
	return n->free_hint = n->high;
}

/* A host socket() or accept4() failed: -errno. A limit of open files
 * reached below the table's size is said once, with what to raise. */
static int host_fd_error(struct net *n)
{
	int e = errno;
	if ((e == EMFILE || e == ENFILE) && !n->told_nofile) {
		n->told_nofile = true;
		if (e == ENFILE)
			ukvm_err(
			    "network: the host's system-wide limit of open files (fs.file-max) "
			    "is reached: the guest gets ENFILE before its %d sockets",
			    UKVM_NET_SOCKETS_MAX);
		else
			ukvm_err(
			    "network: the limit of open files (%llu, ulimit -n) is reached: the "
			    "guest gets EMFILE before its %d sockets; a hard limit of %d "
			    "(ulimit -Hn) allows them all",
			    (unsigned long long)n->nofile, UKVM_NET_SOCKETS_MAX, NET_NOFILE_WANTED);
	}
	return -e;
}

/* Puts host socket fd at handle h (free) and watches it: h, or -errno
 * (fd closed). */
static int install(struct net *n, int h, int fd, int type, sa_family_t family,
		   const struct net_publish *publish)
{
	struct net_sock *s = &n->socks[h];
	pthread_mutex_lock(&n->lock);
	s->fd = fd;
	s->type = type;
	s->family = family;
	s->publish = publish;
	pthread_mutex_unlock(&n->lock);
	int e = net_events_add(n, h);
	if (e) {
		net_events_close(n, h);
		return e;
	}
	return h;
}

static enum net_proto sock_proto(const struct net_sock *s)
{
	return s->type == SOCK_STREAM ? NET_PROTO_TCP : NET_PROTO_UDP;
}

static int64_t host_ret(int64_t r)
{
	return r < 0 ? -errno : r;
}

/* ---- addresses ---------------------------------------------------------- */

/* The guest's address a: 0, or -EINVAL if its length is beyond the buffer. */
static int guest_addr(const struct ukvm_sockaddr *a, const struct sockaddr **sa, socklen_t *len)
{
	if (a->len > UKVM_NET_ADDR_MAX)
		return -EINVAL;
	*sa = (const struct sockaddr *)a->data;
	*len = a->len;
	return 0;
}

static socklen_t family_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* A host address of len bytes as the guest's struct ukvm_sockaddr, written
 * at gpa + off; a socket bound through a publish shows its guest port. */
static void put_addr(struct vm *vm, uint64_t gpa, size_t off, const struct net_sock *s,
		     struct sockaddr_storage *ss, socklen_t len)
{
	struct ukvm_sockaddr out = {.len = len};
	if (s && s->publish && ss->ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_port = htons(net_policy_guest_port(s->publish, ntohs(in->sin_port)));
	} else if (s && s->publish && ss->ss_family == AF_INET6 &&
		   len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_port = htons(net_policy_guest_port(s->publish, ntohs(in6->sin6_port)));
	}
	memcpy(out.data, ss, len < sizeof(out.data) ? len : sizeof(out.data));
	hc_put(vm, gpa, off, &out, sizeof(out));
}

/* ---- hypercalls --------------------------------------------------------- */

static int64_t net_socket(struct vm *vm, const struct ukvm_hc_net_socket *a)
{
	struct net *n = vm->net;
	int base = a->type & ~HOST_SOCK_FLAGS;

	if (!n || n->policy.mode == NET_MODE_NONE) {
		if (n && !n->told_none)
			ukvm_err("the guest opened a socket, but it has no network (--network "
				 "none, the default): --network user or -p/--publish gives it one");
		if (n)
			n->told_none = true;
		return -EACCES;
	}
	if (a->domain != AF_INET && a->domain != AF_INET6)
		return -EAFNOSUPPORT;
	if (base < 0 || base >= SOCK_PACKET + 1)
		return -EINVAL;
	if (base != SOCK_STREAM && base != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (a->protocol != 0 && a->protocol != (base == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
		return -EPROTONOSUPPORT;
	int h = free_handle(n);
	if (h < 0)
		return h;
	int fd = socket(a->domain, base | HOST_SOCK_FLAGS, a->protocol);
	if (fd < 0)
		return host_fd_error(n);
	return install(n, h, fd, base, (sa_family_t)a->domain, NULL);
}

void hc_net_socket(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_socket *a)
{
	HC_PUT_RET(vm, gpa, ukvm_hc_net_socket, net_socket(vm, a));
}

/* The socket and the address of a bind or connect: 0 or -errno. */
static int addr_call(struct vm *vm, const struct ukvm_hc_net_addr *a, struct net_sock **s,
		     const struct sockaddr **sa, socklen_t *len)
{
	if (!(*s = get_sock(vm, a->handle)))
		return -EBADF;
	return guest_addr(&a->addr, sa, len);
}

static int64_t net_bind(struct vm *vm, const struct ukvm_hc_net_addr *a)
{
	const struct net_publish *publish;
	const struct sockaddr *sa;
	struct sockaddr_storage host;
	struct net_sock *s;
	socklen_t len;
	int r;

	if ((r = addr_call(vm, a, &s, &sa, &len)) ||
	    (r = net_policy_bind(&vm->net->policy, sock_proto(s), sa, len, &host, &publish)))
		return r;
	if (bind(s->fd, (struct sockaddr *)&host, family_len(&host)) < 0)
		return -errno;
	s->publish = publish;
	return 0;
}

void hc_net_bind(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_addr *a)
{
	HC_PUT_RET(vm, gpa, ukvm_hc_net_addr, net_bind(vm, a));
}

static int64_t net_connect(struct vm *vm, const struct ukvm_hc_net_addr *a)
{
	const struct sockaddr *sa;
	struct sockaddr_storage host;
	struct net_sock *s;
	socklen_t len;
	int r;

	if ((r = addr_call(vm, a, &s, &sa, &len)))
		return r;
	/* AF_UNSPEC dissolves a datagram socket's association, as on Linux. */
	if (len >= sizeof(sa_family_t) && sa->sa_family == AF_UNSPEC) {
		struct sockaddr unspec = {.sa_family = AF_UNSPEC};
		return host_ret(connect(s->fd, &unspec, sizeof(unspec)));
	}
	if ((r = net_policy_connect(&vm->net->policy, sock_proto(s), sa, len, &host)))
		return r;
	r = connect(s->fd, (struct sockaddr *)&host, family_len(&host)) < 0 ? -errno : 0;
	if (r == 0 || r == -EINPROGRESS) {
		int e = net_events_rearm(vm->net, a->handle);
		return e ? e : r;
	}
	return r;
}

void hc_net_connect(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_addr *a)
{
	HC_PUT_RET(vm, gpa, ukvm_hc_net_addr, net_connect(vm, a));
}

static void sock_name(struct vm *vm, uint64_t gpa, const struct ukvm_hc_net_addr *a, bool peer)
{
	struct net_sock *s = get_sock(vm, a->handle);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int64_t r;

	if (!s) {
		r = -EBADF;
	} else {
		memset(&ss, 0, sizeof(ss));
		r = host_ret(peer ? getpeername(s->fd, (struct sockaddr *)&ss, &len)
				  : getsockname(s->fd, (struct sockaddr *)&ss, &len));
		if (r == 0)
			put_addr(vm, gpa, offsetof(struct ukvm_hc_net_addr, addr), peer ? NULL : s,
				 &ss, len);
	}
	HC_PUT_RET(vm, gpa, ukvm_hc_net_addr, r);
}

void hc_net_getsockname(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_addr *a)
{
	sock_name(vm, gpa, a, false);
}

void hc_net_getpeername(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_addr *a)
{
	sock_name(vm, gpa, a, true);
}

static int64_t net_listen(struct vm *vm, const struct ukvm_hc_net_handle *a)
{
	struct net_sock *s = get_sock(vm, a->handle);
	int r;

	if (!s)
		return -EBADF;
	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if ((r = net_policy_listen(&vm->net->policy, s->publish)))
		return r;
	if (listen(s->fd, a->arg) < 0)
		return -errno;
	return net_events_rearm(vm->net, a->handle);
}

void hc_net_listen(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_handle *a)
{
	HC_PUT_RET(vm, gpa, ukvm_hc_net_handle, net_listen(vm, a));
}

static int64_t net_shutdown(struct vm *vm, const struct ukvm_hc_net_handle *a)
{
	struct net_sock *s = get_sock(vm, a->handle);

	if (!s)
		return -EBADF;
	if (a->arg != SHUT_RD && a->arg != SHUT_WR && a->arg != SHUT_RDWR)
		return -EINVAL;
	return host_ret(shutdown(s->fd, a->arg));
}

void hc_net_shutdown(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_handle *a)
{
	HC_PUT_RET(vm, gpa, ukvm_hc_net_handle, net_shutdown(vm, a));
}

void hc_net_close(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_handle *a)
{
	int64_t r = -EBADF;

	if (get_sock(vm, a->handle)) {
		net_events_close(vm->net, a->handle);
		r = 0;
	}
	HC_PUT_RET(vm, gpa, ukvm_hc_net_handle, r);
}

void hc_net_fionread(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_handle *a)
{
	struct net_sock *s = get_sock(vm, a->handle);
	int queued = 0;
	int64_t r = !s ? -EBADF : host_ret(ioctl(s->fd, FIONREAD, &queued));

	HC_PUT_RET(vm, gpa, ukvm_hc_net_handle, r == 0 ? queued : r);
}

static int64_t net_accept(struct vm *vm, uint64_t gpa, const struct ukvm_hc_net_accept *a)
{
	struct net_sock *s = get_sock(vm, a->handle);
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);

	if (!s)
		return -EBADF;
	if (a->flags & ~(uint32_t)HOST_SOCK_FLAGS)
		return -EINVAL;
	int h = free_handle(vm->net);
	if (h < 0)
		return h;
	memset(&peer, 0, sizeof(peer));
	int fd = accept4(s->fd, (struct sockaddr *)&peer, &len, HOST_SOCK_FLAGS);
	if (fd < 0)
		return host_fd_error(vm->net);
	put_addr(vm, gpa, offsetof(struct ukvm_hc_net_accept, peer), NULL, &peer, len);
	int r = install(vm->net, h, fd, s->type, s->family, s->publish);
	/* The listener's readiness afresh: edge triggered, the host sends no
	 * new edge for the connections that were queued already, and the
	 * guest cleared POLLIN before calling. */
	int e = net_events_requery(vm->net, a->handle);
	return r < 0 || !e ? r : e;
}

void hc_net_accept(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_accept *a)
{
	HC_PUT_RET(vm, gpa, ukvm_hc_net_accept, net_accept(vm, gpa, a));
}

/* sendmsg and recvmsg: one host call between the socket and the guest's
 * buffers. */
static void net_msg(struct vm *vm, uint64_t gpa, const struct ukvm_hc_net_msg *a, bool send)
{
	static struct iovec hiov[UKVM_IOV_MAX];
	unsigned nr = send ? UKVM_HC_NET_SENDMSG : UKVM_HC_NET_RECVMSG;
	struct sockaddr_storage ss;
	struct msghdr m = {0};
	int64_t r;

	int cnt = hc_iovec(vm, nr, a->iov, a->iovcnt, hiov);
	if (cnt < 0)
		return;
	struct net_sock *s = get_sock(vm, a->handle);
	m.msg_iov = hiov;
	m.msg_iovlen = (size_t)cnt;
	memset(&ss, 0, sizeof(ss));
	if (!s) {
		r = -EBADF;
	} else if (a->flags & ~(uint32_t)(send ? SEND_FLAGS : RECV_FLAGS)) {
		r = -EOPNOTSUPP;
	} else if (send) {
		const struct sockaddr *sa;
		socklen_t len;
		if ((r = guest_addr(&a->addr, &sa, &len)) == 0 && len) {
			r = net_policy_connect(&vm->net->policy, sock_proto(s), sa, len, &ss);
			m.msg_name = &ss;
			m.msg_namelen = family_len(&ss);
		}
		if (r == 0)
			r = host_ret(
			    sendmsg(s->fd, &m, (int)a->flags | MSG_NOSIGNAL | MSG_DONTWAIT));
	} else {
		m.msg_name = &ss;
		m.msg_namelen = sizeof(ss);
		int flags = (int)(a->flags & ~(uint32_t)MSG_WAITALL) | MSG_DONTWAIT;
		r = host_ret(recvmsg(s->fd, &m, flags));
		if (r >= 0) {
			uint32_t mf = (uint32_t)m.msg_flags & RECV_MSG_FLAGS;
			hc_put(vm, gpa, offsetof(struct ukvm_hc_net_msg, msg_flags), &mf,
			       sizeof(mf));
			put_addr(vm, gpa, offsetof(struct ukvm_hc_net_msg, addr), NULL, &ss,
				 m.msg_namelen);
		}
	}
	HC_PUT_RET(vm, gpa, ukvm_hc_net_msg, r);
}

void hc_net_sendmsg(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_msg *a)
{
	net_msg(vm, gpa, a, true);
}

void hc_net_recvmsg(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_msg *a)
{
	net_msg(vm, gpa, a, false);
}

/* ---- socket options ----------------------------------------------------- */

static const struct sockopt_rule {
	int level, name;
	bool get_only;
} sockopts[] = {
    {SOL_SOCKET, SO_REUSEADDR, false},
    {SOL_SOCKET, SO_REUSEPORT, false},
    {SOL_SOCKET, SO_KEEPALIVE, false},
    {SOL_SOCKET, SO_RCVBUF, false},
    {SOL_SOCKET, SO_SNDBUF, false},
    {SOL_SOCKET, SO_LINGER, false},
    {SOL_SOCKET, SO_BROADCAST, false},
    {SOL_SOCKET, SO_OOBINLINE, false},
    {SOL_SOCKET, SO_ERROR, true},
    {SOL_SOCKET, SO_TYPE, true},
    {SOL_SOCKET, SO_ACCEPTCONN, true},
    {SOL_SOCKET, SO_DOMAIN, true},
    {SOL_SOCKET, SO_PROTOCOL, true},
    {IPPROTO_TCP, TCP_NODELAY, false},
    {IPPROTO_TCP, TCP_KEEPIDLE, false},
    {IPPROTO_TCP, TCP_KEEPINTVL, false},
    {IPPROTO_TCP, TCP_KEEPCNT, false},
    {IPPROTO_TCP, TCP_CORK, false},
    {IPPROTO_TCP, TCP_QUICKACK, false},
    {IPPROTO_TCP, TCP_USER_TIMEOUT, false},
    {IPPROTO_TCP, TCP_DEFER_ACCEPT, false},
    {IPPROTO_IP, IP_TOS, false},
    {IPPROTO_IP, IP_TTL, false},
    {IPPROTO_IPV6, IPV6_V6ONLY, false},
    {IPPROTO_IPV6, IPV6_TCLASS, false},
    {IPPROTO_IPV6, IPV6_UNICAST_HOPS, false},
};

/* Whether the guest may get (or set) option level/name. */
static bool sockopt_allowed(int level, int name, bool set)
{
	for (size_t i = 0; i < sizeof(sockopts) / sizeof(sockopts[0]); i++)
		if (sockopts[i].level == level && sockopts[i].name == name)
			return !set || !sockopts[i].get_only;
	return false;
}

void hc_net_getsockopt(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_sockopt *a)
{
	struct net_sock *s = get_sock(vm, a->handle);
	uint8_t val[UKVM_NET_OPT_MAX] = {0};
	socklen_t len = a->len < sizeof(val) ? a->len : sizeof(val);
	int64_t r;

	if (!s)
		r = -EBADF;
	else if (!sockopt_allowed(a->level, a->name, false))
		r = -ENOPROTOOPT;
	else if ((r = host_ret(getsockopt(s->fd, a->level, a->name, val, &len))) == 0) {
		uint32_t out = len;
		hc_put(vm, gpa, offsetof(struct ukvm_hc_net_sockopt, len), &out, sizeof(out));
		hc_put(vm, gpa, offsetof(struct ukvm_hc_net_sockopt, val), val, sizeof(val));
	}
	HC_PUT_RET(vm, gpa, ukvm_hc_net_sockopt, r);
}

void hc_net_setsockopt(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_sockopt *a)
{
	struct net_sock *s = get_sock(vm, a->handle);
	int64_t r;

	if (!s)
		r = -EBADF;
	else if (!sockopt_allowed(a->level, a->name, true))
		r = -ENOPROTOOPT;
	else if (a->len > UKVM_NET_OPT_MAX)
		r = -EINVAL;
	else
		r = host_ret(setsockopt(s->fd, a->level, a->name, a->val, a->len));
	HC_PUT_RET(vm, gpa, ukvm_hc_net_sockopt, r);
}

/* ---- sendfile ----------------------------------------------------------- */

/* sendfile, again after EINTR: the socket never blocks, but reading the
 * file can, and the watchdog's signal (no SA_RESTART) then interrupts it
 * before any byte went (seen under load as -EINTR in net.cases). */
static int64_t sendfile_retry(int out, int in, off_t *off, size_t count)
{
	int64_t r;
	do
		r = host_ret(sendfile(out, in, off, count));
	while (r == -EINTR);
	return r;
}

void hc_net_sendfile(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_sendfile *a)
{
	struct net_sock *s = get_sock(vm, a->sock);
	int fd = fs_handle_fd(vm, a->fs_handle);
	size_t count = a->count < SENDFILE_MAX ? (size_t)a->count : SENDFILE_MAX;
	off_t off = (off_t)a->offset;
	int64_t r;

	if (!s || fd < 0)
		r = -EBADF;
	else if (a->offset < -1)
		r = -EINVAL;
	else if ((r = sendfile_retry(s->fd, fd, a->offset < 0 ? NULL : &off, count)) >= 0 &&
		 a->offset >= 0) {
		int64_t out = off;
		hc_put(vm, gpa, offsetof(struct ukvm_hc_net_sendfile, offset), &out, sizeof(out));
	}
	HC_PUT_RET(vm, gpa, ukvm_hc_net_sendfile, r);
}

/* ---- the device --------------------------------------------------------- */

void net_init(struct net *n, struct vm *vm, const struct net_policy *policy)
{
	/* Not the socket table (384 KiB): its entries past high (0 here)
	 * are never read, so a run that opens few sockets touches few pages
	 * of it (each first touch costs a zeroed page: boot time). */
	memset(n, 0, offsetof(struct net, socks));
	vm->net = n;
	n->vm = vm;
	n->policy = *policy;
	n->epfd = n->irq_fd = n->stop_fd = -1;
	n->free_hint = 1;
	pthread_mutex_init(&n->lock, NULL);
}

/* Room for every guest socket beside the VMM's own fds: the soft limit of
 * open files raised towards the hard one. Below it the guest gets EMFILE
 * early, and host_fd_error says so once. */
static void raise_nofile(struct net *n)
{
	struct rlimit rl;
	rlim_t want = NET_NOFILE_WANTED;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	n->nofile = (uint64_t)rl.rlim_cur;
}

static int net_setup(struct vm *vm, const struct run_options *o, char *err, size_t errlen)
{
	struct net *n = calloc(1, sizeof(*n));

	if (!n)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "out of memory");
	net_init(n, vm, &o->net);
	if (n->policy.mode != NET_MODE_NONE)
		raise_nofile(n);
	return etc_setup(n, o, err, errlen);
}

static int net_start(struct vm *vm, char *err, size_t errlen)
{
	if (vm->net->policy.mode == NET_MODE_NONE)
		return 0; /* nothing is opened */
	return net_events_start(vm->net, err, errlen);
}

static void net_stop(struct vm *vm)
{
	struct net *n = vm->net;

	if (!n)
		return;
	net_events_stop(n);
	for (int h = 1; h <= n->high; h++)
		if (n->socks[h].fd >= 0)
			close(n->socks[h].fd);
	for (int i = 0; i < UKVM_NET_ETC_COUNT; i++)
		free(n->etc[i].data);
	pthread_mutex_destroy(&n->lock);
	free(n);
	vm->net = NULL;
}

/* The socket calls only with a network: socket() only for the families and
 * types the ABI allows, always non-blocking and close-on-exec. */
static void net_seccomp(const struct vm *vm, struct seccomp_rules *r)
{
	static const int domains[] = {AF_INET, AF_INET6}, types[] = {SOCK_STREAM, SOCK_DGRAM};

	if (vm->net->policy.mode == NET_MODE_NONE)
		return;
	for (size_t d = 0; d < 2; d++)
		for (size_t t = 0; t < 2; t++)
			ALLOW_IF(r, socket, arg_eq(0, (scmp_datum_t)domains[d]),
				 arg_eq(1, (scmp_datum_t)(types[t] | HOST_SOCK_FLAGS)));
	ALLOW_IF(r, accept4, arg_eq(3, (scmp_datum_t)HOST_SOCK_FLAGS));
	ALLOW(r, bind);
	ALLOW(r, listen);
	ALLOW(r, connect);
	ALLOW(r, sendmsg);
	ALLOW(r, recvmsg);
	ALLOW(r, shutdown);
	ALLOW(r, getsockname);
	ALLOW(r, getpeername);
	ALLOW(r, getsockopt);
	ALLOW(r, setsockopt);
	ALLOW_IF(r, ioctl, arg_eq(1, (scmp_datum_t)FIONREAD));
	ALLOW_IF(r, epoll_ctl, FD_IS(vm->net->epfd));
	ALLOW_IF(r, write, FD_IS(vm->net->stop_fd)); /* the end of the event thread */
	if (vm->fs && vm->fs->nmounts)
		ALLOW(r, sendfile);
}

static const struct hc_row hypercalls[] = {
    HC_ROW(net_socket),	    HC_ROW(net_bind),	     HC_ROW(net_listen),
    HC_ROW(net_accept),	    HC_ROW(net_connect),     HC_ROW(net_sendmsg),
    HC_ROW(net_recvmsg),    HC_ROW(net_shutdown),    HC_ROW(net_getsockopt),
    HC_ROW(net_setsockopt), HC_ROW(net_getsockname), HC_ROW(net_getpeername),
    HC_ROW(net_close),	    HC_ROW(net_fionread),    HC_ROW(net_sendfile),
    HC_ROW(net_ev_setup),   HC_ROW(net_etc),
};

const struct device net_device = {
    .name = "net",
    .usage = "      --network MODE    the guest's network (docs/network.md): none, the\n"
	     "                        default (socket() fails with EACCES); user (outbound\n"
	     "                        TCP and UDP through the host, the guest listens only\n"
	     "                        on published ports, its loopback is its own); host\n"
	     "                        (the host's sockets, any port: for a container's or a\n"
	     "                        test's own network namespace)\n"
	     "  -p, --publish [HOSTADDR:]HOSTPORT:GUESTPORT[/tcp|/udp]\n"
	     "                        a guest listening on GUESTPORT is reachable on the\n"
	     "                        host at HOSTADDR:HOSTPORT (all addresses by default;\n"
	     "                        an IPv6 HOSTADDR in brackets; tcp by default);\n"
	     "                        repeatable; implies --network user\n"
	     "      --resolv-conf FILE, --hosts-file FILE, --services-file FILE\n"
	     "                        the guest's /etc/resolv.conf, /etc/hosts and\n"
	     "                        /etc/services (at most 1 MiB each). Default: the\n"
	     "                        host's, read at start, if the guest has a network\n",
    DEVICE_HYPERCALLS(hypercalls),
    .setup = net_setup,
    .start = net_start,
    .stop = net_stop,
    .seccomp_vcpu = net_seccomp,
};
