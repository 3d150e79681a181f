/*
 * The socket syscalls (sock.h): arguments read and checked here, the work
 * done by the socket's kind through its sock_ops (unix_pair.c, inet.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "kernel.h"
#include "fd.h"
#include "hostfile.h"
#include "ksignal.h"
#include "sched.h"
#include "sock.h"
#include "syscall.h"

#define UIO_MAXIOV 1024 /* Linux's: more is EMSGSIZE in sendmsg/recvmsg */
#define SOCK_DEV 8	/* sockfs's anonymous device, as for pipes */
#define SOCKFS_MAGIC 0x534F434B
#define TYPE_FLAGS (SOCK_NONBLOCK | SOCK_CLOEXEC)
#define SOCK_MAX_TYPE 10 /* Linux's SOCK_MAX: a type at or above it is EINVAL */
#define AF_MAX_LINUX 46
#define FIONBIO_REQ 0x5421
#define FIONREAD_REQ 0x541B
#define MMSG_MAX 1024 /* Linux's UIO_MAXIOV caps vlen too */
#define NS_PER_SEC 1000000000ull

/* ---- shared by the kinds ------------------------------------------------------ */

long sock_epipe(int flags)
{
	if (!(flags & MSG_NOSIGNAL)) {
		struct ksiginfo info = {.signo = SIGPIPE, .code = 0 /* SI_USER */};
		signal_send(current_thread(), &info);
	}
	return -EPIPE;
}

long sock_ioctl(struct ofile *of, uint64_t req, uint64_t arg, long (*nread)(struct ofile *of))
{
	if (req != FIONBIO_REQ && req != FIONREAD_REQ)
		return -ENOTTY;
	if (!user_range_ok(arg, sizeof(int)))
		return -EFAULT;
	int *p = (int *)(uintptr_t)arg;
	if (req == FIONREAD_REQ) {
		long n = nread(of);
		if (n < 0)
			return n;
		*p = (int)n;
	} else if (*p) {
		of->flags |= O_NONBLOCK;
	} else {
		of->flags &= ~(uint32_t)O_NONBLOCK;
	}
	return 0;
}

long sock_stat(struct ukvm_stat *u, uint64_t ino)
{
	*u = (struct ukvm_stat){
	    .mode = S_IFSOCK | 0777, .nlink = 1, .blksize = 4096, .dev = SOCK_DEV, .ino = ino};
	return 0;
}

long sock_statfs(struct ukvm_statfs *u)
{
	return pseudo_fs_statfs(u, SOCKFS_MAGIC, SOCK_DEV);
}

/* The first SOCK_IOV_LOCAL iovecs of io, copied: fd.c's array may not
 * outlive a wait. */
static void msg_from_io(const struct fd_io *io, struct sock_msg *m)
{
	m->cnt = io->cnt < SOCK_IOV_LOCAL ? io->cnt : SOCK_IOV_LOCAL;
	m->all = io->cnt;
	m->f = io->f;
}

static long io_call(struct ofile *of, const struct fd_io *io, int send)
{
	struct ukvm_iovec v[SOCK_IOV_LOCAL];
	struct sock_msg m = {.iov = v, .nonblock = !!(of->flags & O_NONBLOCK)};
	msg_from_io(io, &m);
	for (uint64_t i = 0; i < m.cnt; i++)
		v[i] = io->iov[i];
	ofile_get(of);
	long r = send ? of->ops->sock->send(of, &m) : of->ops->sock->recv(of, &m);
	ofile_put(of);
	return r;
}

long sock_read(struct ofile *of, const struct fd_io *io)
{
	return io_call(of, io, 0);
}

long sock_write(struct ofile *of, const struct fd_io *io)
{
	return io_call(of, io, 1);
}

/* ---- arguments ---------------------------------------------------------------- */

/* The socket behind fd: 0, -EBADF or -ENOTSOCK. */
static long sock_get(uint64_t fd, struct ofile **of)
{
	*of = fd_get(fd);
	if (!*of)
		return -EBADF;
	return (*of)->ops->sock ? 0 : -ENOTSOCK;
}

static const struct sock_ops *ops_of(const struct ofile *of)
{
	return of->ops->sock;
}

/* A name of the program (addr, len) into a: 0, -EINVAL or -EFAULT. */
static long get_name(uint64_t addr, uint64_t len, struct ukvm_sockaddr *a)
{
	a->len = 0;
	if (!addr)
		return 0;
	if ((int64_t)(int32_t)len < 0 || (uint32_t)len > UKVM_NET_ADDR_MAX)
		return -EINVAL;
	if (!user_range_ok(addr, (uint32_t)len))
		return -EFAULT;
	kmemcpy(a->data, (const void *)(uintptr_t)addr, (uint32_t)len);
	a->len = (uint32_t)len;
	return 0;
}

/* Writes a to the program's (addr, *lenp) as Linux's move_addr_to_user:
 * at most *lenp bytes, the full length in *lenp. 0 or -errno. */
static long put_name(uint64_t addr, uint64_t lenp, const struct ukvm_sockaddr *a)
{
	if (!user_range_ok(lenp, sizeof(int)))
		return -EFAULT;
	int len = *(int *)(uintptr_t)lenp;
	if (len < 0)
		return -EINVAL;
	uint32_t klen = a->len < UKVM_NET_ADDR_MAX ? a->len : UKVM_NET_ADDR_MAX;
	uint32_t n = (uint32_t)len < klen ? (uint32_t)len : klen;
	if (n) {
		if (!user_range_ok(addr, n))
			return -EFAULT;
		kmemcpy((void *)(uintptr_t)addr, a->data, n);
	}
	*(int *)(uintptr_t)lenp = (int)klen;
	return 0;
}

/* A user buffer as one iovec of m: 0 or -EFAULT. */
static long one_iov(uint64_t buf, uint64_t len, struct ukvm_iovec *v, struct sock_msg *m)
{
	if (len > 0x7fffffff)
		len = 0x7fffffff; /* Linux caps at INT_MAX */
	if (!user_range_ok(buf, len))
		return -EFAULT;
	*v = (struct ukvm_iovec){.base = buf, .len = len};
	m->iov = v;
	m->cnt = m->all = len ? 1 : 0;
	return 0;
}

/* The kernel's struct user_msghdr. */
struct kmsghdr {
	uint64_t name;
	int32_t namelen, pad0;
	uint64_t iov, iovlen, control, controllen;
	uint32_t flags, pad1;
};

/* Reads and checks the msghdr at addr and its iovecs into m (the first
 * SOCK_IOV_LOCAL, in v). */
static long get_msg(uint64_t addr, struct kmsghdr *h, struct ukvm_iovec *v, struct sock_msg *m)
{
	if (!user_range_ok(addr, sizeof(*h)))
		return -EFAULT;
	kmemcpy(h, (const void *)(uintptr_t)addr, sizeof(*h));
	if (h->iovlen > UIO_MAXIOV)
		return -EMSGSIZE;
	if (!user_range_ok(h->iov, h->iovlen * sizeof(struct ukvm_iovec)))
		return -EFAULT;
	const struct ukvm_iovec *u = (const struct ukvm_iovec *)(uintptr_t)h->iov;
	m->iov = v;
	m->cnt = m->all = 0;
	for (uint64_t i = 0; i < h->iovlen; i++) {
		struct ukvm_iovec x = u[i];
		if (x.len > (uint64_t)INT64_MAX)
			return -EINVAL;
		if (!user_range_ok(x.base, x.len))
			return -EFAULT;
		if (x.len) {
			m->all++;
			if (m->cnt < SOCK_IOV_LOCAL)
				v[m->cnt++] = x;
		}
	}
	return 0;
}

static long do_send(struct ofile *of, struct sock_msg *m, uint64_t flags)
{
	m->flags = (int)flags;
	m->nonblock = (of->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
	ofile_get(of);
	long r = ops_of(of)->send(of, m);
	ofile_put(of);
	return r;
}

static long do_recv(struct ofile *of, struct sock_msg *m, uint64_t flags)
{
	m->flags = (int)flags;
	m->nonblock = (of->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
	m->mflags = 0;
	m->addr.len = 0;
	ofile_get(of);
	long r = ops_of(of)->recv(of, m);
	ofile_put(of);
	return r;
}

/* ---- the syscalls --------------------------------------------------------------- */

long sys_socket(const struct syscall_frame *f)
{
	uint64_t family = f->a1, type = f->a2 & ~(uint64_t)TYPE_FLAGS;

	if ((int64_t)f->a1 < 0 || f->a1 >= AF_MAX_LINUX)
		return -EAFNOSUPPORT;
	if ((f->a2 & ~(uint64_t)(TYPE_FLAGS | 0xf)) || type >= SOCK_MAX_TYPE)
		return -EINVAL;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT; /* AF_UNIX, AF_NETLINK, AF_PACKET, ...: not in this kernel */
	struct ofile *of;
	long r = inet_socket((int)f->a1, (int)f->a2, (int)f->a3, &of);
	if (r)
		return r;
	long fd = fd_reserve(0); /* after the socket, as Linux: EACCES before EMFILE */
	if (fd < 0) {
		ofile_put(of);
		return fd;
	}
	fd_install(fd, of, !!(f->a2 & SOCK_CLOEXEC));
	return fd;
}

long sys_sendto(const struct syscall_frame *f)
{
	struct ofile *of;
	struct ukvm_iovec v;
	struct sock_msg m = {.f = f};
	long r = sock_get(f->a1, &of);
	if (!r)
		r = one_iov(f->a2, f->a3, &v, &m);
	if (!r)
		r = get_name(f->a5, f->a5 ? f->a6 : 0, &m.addr);
	return r ? r : do_send(of, &m, f->a4);
}

long sys_recvfrom(const struct syscall_frame *f)
{
	struct ofile *of;
	struct ukvm_iovec v;
	struct sock_msg m = {.f = f};
	long r = sock_get(f->a1, &of);
	if (!r)
		r = one_iov(f->a2, f->a3, &v, &m);
	if (r)
		return r;
	r = do_recv(of, &m, f->a4);
	if (r >= 0 && f->a5) {
		long e = put_name(f->a5, f->a6, &m.addr);
		if (e)
			return e;
	}
	return r;
}

/* sendmsg of the msghdr at addr. */
static long send_msghdr(const struct syscall_frame *f, struct ofile *of, uint64_t addr,
			uint64_t flags)
{
	struct kmsghdr h;
	struct ukvm_iovec v[SOCK_IOV_LOCAL];
	struct sock_msg m = {.f = f};
	long r = get_msg(addr, &h, v, &m);
	if (r)
		return r;
	if (h.controllen)
		return -EOPNOTSUPP; /* no control messages (SCM_RIGHTS) */
	r = get_name(h.name, h.name ? (uint64_t)(uint32_t)h.namelen : 0, &m.addr);
	return r ? r : do_send(of, &m, flags);
}

/* recvmsg into the msghdr at addr. */
static long recv_msghdr(const struct syscall_frame *f, struct ofile *of, uint64_t addr,
			uint64_t flags)
{
	struct kmsghdr h;
	struct ukvm_iovec v[SOCK_IOV_LOCAL];
	struct sock_msg m = {.f = f};
	long r = get_msg(addr, &h, v, &m);
	if (r)
		return r;
	r = do_recv(of, &m, flags);
	if (r < 0)
		return r;
	struct kmsghdr *u = (struct kmsghdr *)(uintptr_t)addr;
	if (h.name) {
		int len = h.namelen < 0 ? 0 : h.namelen;
		uint32_t n = m.addr.len < (uint32_t)len ? m.addr.len : (uint32_t)len;
		if (!user_range_ok(h.name, n))
			return -EFAULT;
		kmemcpy((void *)(uintptr_t)h.name, m.addr.data, n);
		u->namelen = (int32_t)m.addr.len;
	}
	u->controllen = 0;
	u->flags = (uint32_t)m.mflags;
	return r;
}

long sys_sendmsg(const struct syscall_frame *f)
{
	struct ofile *of;
	long r = sock_get(f->a1, &of);
	return r ? r : send_msghdr(f, of, f->a2, f->a3);
}

long sys_recvmsg(const struct syscall_frame *f)
{
	struct ofile *of;
	long r = sock_get(f->a1, &of);
	return r ? r : recv_msghdr(f, of, f->a2, f->a3);
}

/* The kernel's struct mmsghdr: a msghdr and the bytes of its message. */
struct kmmsghdr {
	struct kmsghdr hdr;
	uint32_t len, pad;
};

/* recvmmsg's timeout at addr (0: none), as Linux's: read and checked
 * before anything else (EFAULT, then EINVAL); *end is the deadline in
 * CLOCK_MONOTONIC ns, 0 for a zero timeout (one message at most). */
static long mmsg_timeout(uint64_t addr, uint64_t *end)
{
	int64_t ts[2];
	if (!addr)
		return 0;
	if (!user_range_ok(addr, sizeof(ts)))
		return -EFAULT;
	kmemcpy(ts, (const void *)(uintptr_t)addr, sizeof(ts));
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (int64_t)NS_PER_SEC)
		return -EINVAL;
	*end = 0;
	if (ts[0] || ts[1]) {
		uint64_t now, rel = (uint64_t)ts[1];
		clock_now(CLOCK_MONOTONIC, &now);
		rel += (uint64_t)ts[0] > (UINT64_MAX - rel) / NS_PER_SEC
			   ? UINT64_MAX - rel
			   : (uint64_t)ts[0] * NS_PER_SEC;
		*end = rel > UINT64_MAX - now ? UINT64_MAX : now + rel;
	}
	return 0;
}

/* After a message with a timeout: the time left (0: stop). */
static uint64_t mmsg_left(uint64_t end)
{
	uint64_t now;
	clock_now(CLOCK_MONOTONIC, &now);
	return end > now ? end - now : 0;
}

/* sendmmsg, recvmmsg: one message after the other, as Linux: the count
 * done, or the first message's error. recvmmsg's MSG_WAITFORONE makes the
 * messages after the first non-blocking; its timeout, as Linux's, is
 * looked at after each message (it never ends a wait), and the time left
 * is written back when a message came. */
static long mmsg(const struct syscall_frame *f, int send)
{
	struct ofile *of;
	uint64_t end = 0, left = 1, timeout = send ? 0 : f->a5;
	long r = mmsg_timeout(timeout, &end);
	if (!r)
		r = sock_get(f->a1, &of);
	if (r)
		return r;
	uint64_t vlen = f->a3 > MMSG_MAX ? MMSG_MAX : f->a3, flags = f->a4;
	if (!user_range_ok(f->a2, vlen * sizeof(struct kmmsghdr)))
		return -EFAULT;
	struct kmmsghdr *u = (struct kmmsghdr *)(uintptr_t)f->a2;
	uint64_t done = 0;
	while (done < vlen) {
		r = send ? send_msghdr(f, of, (uint64_t)(uintptr_t)&u[done].hdr, flags)
			 : recv_msghdr(f, of, (uint64_t)(uintptr_t)&u[done].hdr, flags);
		if (r < 0)
			break;
		u[done++].len = (uint32_t)r;
		if (!send && (flags & MSG_WAITFORONE))
			flags |= MSG_DONTWAIT;
		if (timeout && !(left = end ? mmsg_left(end) : 0))
			break;
	}
	if (!done)
		return r;
	if (timeout) {
		int64_t ts[2] = {(int64_t)(left / NS_PER_SEC), (int64_t)(left % NS_PER_SEC)};
		if (!user_range_ok(timeout, sizeof(ts)))
			return -EFAULT;
		kmemcpy((void *)(uintptr_t)timeout, ts, sizeof(ts));
	}
	return (long)done;
}

long sys_sendmmsg(const struct syscall_frame *f)
{
	return mmsg(f, 1);
}

long sys_recvmmsg(const struct syscall_frame *f)
{
	return mmsg(f, 0);
}

long sys_shutdown(const struct syscall_frame *f)
{
	struct ofile *of;
	long r = sock_get(f->a1, &of);
	if (r)
		return r;
	if (f->a2 > SHUT_RDWR)
		return -EINVAL;
	return ops_of(of)->shutdown(of, (int)f->a2);
}

long sys_getsockopt(const struct syscall_frame *f)
{
	struct ofile *of;
	long r = sock_get(f->a1, &of);
	if (r)
		return r;
	if (!user_range_ok(f->a5, sizeof(int)))
		return -EFAULT;
	int len = *(int *)(uintptr_t)f->a5;
	if (len < 0)
		return -EINVAL;
	uint8_t val[SOCK_OPT_MAX] = {0};
	uint32_t cap = (uint32_t)len < SOCK_OPT_MAX ? (uint32_t)len : SOCK_OPT_MAX, n = cap;
	r = ops_of(of)->getsockopt(of, (int)f->a2, (int)f->a3, val, &n);
	if (r)
		return r;
	if (n > cap)
		n = cap;
	if (!user_range_ok(f->a4, n))
		return -EFAULT;
	kmemcpy((void *)(uintptr_t)f->a4, val, n);
	*(int *)(uintptr_t)f->a5 = (int)n;
	return 0;
}

long sys_setsockopt(const struct syscall_frame *f)
{
	struct ofile *of;
	long r = sock_get(f->a1, &of);
	if (r)
		return r;
	if ((int32_t)f->a5 < 0)
		return -EINVAL;
	uint32_t len = (uint32_t)f->a5;
	if (!user_range_ok(f->a4, len))
		return -EFAULT;
	uint8_t val[SOCK_OPT_MAX] = {0};
	kmemcpy(val, (const void *)(uintptr_t)f->a4, len < SOCK_OPT_MAX ? len : SOCK_OPT_MAX);
	if (!ops_of(of)->setsockopt)
		return -ENOPROTOOPT;
	return ops_of(of)->setsockopt(of, (int)f->a2, (int)f->a3, val, len);
}

static long getname(const struct syscall_frame *f, int peer)
{
	struct ofile *of;
	struct ukvm_sockaddr a = {0};
	long r = sock_get(f->a1, &of);
	if (!r)
		r = ops_of(of)->getname(of, peer, &a);
	return r ? r : put_name(f->a2, f->a3, &a);
}

long sys_getsockname(const struct syscall_frame *f)
{
	return getname(f, 0);
}

long sys_getpeername(const struct syscall_frame *f)
{
	return getname(f, 1);
}

/* bind, connect: an address of the program to the kind's op. */
static long addr_call(const struct syscall_frame *f, int connect)
{
	struct ofile *of;
	struct ukvm_sockaddr a;
	long r = sock_get(f->a1, &of);
	if (!r)
		r = get_name(f->a2, f->a3, &a);
	if (r)
		return r;
	if (!f->a2)
		return -EFAULT; /* Linux copies from NULL */
	long (*op)(struct ofile *, const struct ukvm_sockaddr *) =
	    connect ? ops_of(of)->connect : ops_of(of)->bind;
	if (!op)
		return -EOPNOTSUPP;
	ofile_get(of);
	r = op(of, &a);
	ofile_put(of);
	return r;
}

long sys_bind(const struct syscall_frame *f)
{
	return addr_call(f, 0);
}

long sys_connect(const struct syscall_frame *f)
{
	return addr_call(f, 1);
}

long sys_listen(const struct syscall_frame *f)
{
	struct ofile *of;
	long r = sock_get(f->a1, &of);
	if (r)
		return r;
	if (!ops_of(of)->listen)
		return -EOPNOTSUPP;
	return ops_of(of)->listen(of, (int)f->a2);
}

static long do_accept(const struct syscall_frame *f, uint64_t flags)
{
	struct ofile *of, *nof;
	struct ukvm_sockaddr peer = {0};
	long r = sock_get(f->a1, &of);
	if (r)
		return r;
	if (flags & ~(uint64_t)TYPE_FLAGS)
		return -EINVAL;
	if (!ops_of(of)->accept)
		return -EOPNOTSUPP;
	if (f->a2 && !user_range_ok(f->a3, sizeof(int)))
		return -EFAULT;
	long fd = fd_reserve(0);
	if (fd < 0)
		return fd;
	ofile_get(of);
	r = ops_of(of)->accept(of, (uint32_t)flags, &peer, &nof);
	ofile_put(of);
	if (r) {
		fd_unreserve(fd);
		return r;
	}
	fd_install(fd, nof, !!(flags & SOCK_CLOEXEC));
	if (f->a2)
		put_name(f->a2, f->a3, &peer); /* as Linux: the connection stays */
	return fd;
}

long sys_accept(const struct syscall_frame *f)
{
	return do_accept(f, 0);
}

long sys_accept4(const struct syscall_frame *f)
{
	return do_accept(f, f->a4);
}

/* sendfile(out, in, offset, count): from a --dir file to an inet socket,
 * one host sendfile (inet.c); other pairs of files EINVAL. */
long sys_sendfile(const struct syscall_frame *f)
{
	struct ofile *out = fd_get(f->a1), *in = fd_get(f->a2);
	int64_t off, *offp = NULL;
	if (!out || !in || (in->flags & O_ACCMODE) == O_WRONLY ||
	    (out->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	int32_t h = hostfile_handle(in);
	if (!h || !out->ops->sock)
		return -EINVAL;
	if (f->a3) {
		if (!user_range_ok(f->a3, sizeof off))
			return -EFAULT;
		kmemcpy(&off, (const void *)(uintptr_t)f->a3, sizeof off);
		if (off < 0)
			return -EINVAL;
		offp = &off;
	}
	ofile_get(out);
	ofile_get(in);
	long r = inet_sendfile(out, h, offp, f->a4 > 0x7ffff000 ? 0x7ffff000 : f->a4);
	ofile_put(in);
	ofile_put(out);
	if (offp && r >= 0)
		kmemcpy((void *)(uintptr_t)f->a3, &off, sizeof off);
	return r;
}
