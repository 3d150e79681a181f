/*
 * AF_UNIX socket pairs inside the guest (unix_pair.h): a socket kind
 * (sock.h) whose socket syscalls are socket.c's.
 *
 * socketpair(AF_UNIX, SOCK_STREAM or SOCK_DGRAM) makes two connected ends;
 * each end receives from its own 64 KiB ring, which the other end writes
 * (a datagram is a 4-byte length and its bytes, so boundaries are kept).
 * At most PAIRS pairs. Each end has a wait queue (sched.h), woken when
 * what it may read, write or see in poll changes: a reader of an empty
 * ring or a writer to a full one parks there, and the other end's write,
 * read, shutdown or close wakes it. Shutdown and close follow Linux's
 * af_unix.c: a stream end's shutdown also shuts the peer's other half, a
 * closed stream peer is a full shutdown (EOF, EPIPE and SIGPIPE unless
 * MSG_NOSIGNAL), a closed datagram peer is ECONNREFUSED once and
 * ENOTCONN after. There is no file system of sockets: socket(AF_UNIX)
 * and names are not served, nor control messages (SCM_RIGHTS).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "fd.h"
#include "kernel.h"
#include "ksignal.h"
#include "sched.h"
#include "sock.h"
#include "unix_pair.h"

#define PAIRS 8
#define RING_SIZE 65536
#define RCV_SHUT 1 /* Linux's RCV_SHUTDOWN, SEND_SHUTDOWN */
#define SEND_SHUT 2
#define DGRAM_HDR 4

struct ring {
	uint32_t head, len;
	uint8_t buf[RING_SIZE];
};

struct pair;
struct uend {
	struct pair *pair;
	int side;
	int open;
	int shut;	  /* RCV_SHUT | SEND_SHUT */
	int err;	  /* ECONNRESET: the stream peer closed with data unread */
	int peer_gone;	  /* a datagram end told ECONNREFUSED: ENOTCONN now */
	struct ring ring; /* what this end receives */
	struct waitq wq;
};

struct pair {
	int type; /* SOCK_STREAM, SOCK_DGRAM; 0: free */
	struct uend end[2];
};

static struct pair pairs[PAIRS];

static struct uend *peer_of(struct uend *e)
{
	return &e->pair->end[!e->side];
}

/* ---- rings ----------------------------------------------------------------- */

static void ring_put(struct ring *r, const uint8_t *src, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		r->buf[(r->head + r->len + i) % RING_SIZE] = src[i];
	r->len += n;
}

/* Copies n bytes from offset off of the ring's data, not consuming them. */
static void ring_peek(const struct ring *r, uint32_t off, uint8_t *dst, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		dst[i] = r->buf[(r->head + off + i) % RING_SIZE];
}

static void ring_drop(struct ring *r, uint32_t n)
{
	r->head = (r->head + n) % RING_SIZE;
	r->len -= n;
}

static uint32_t dgram_len(const struct ring *r)
{
	uint32_t l;
	ring_peek(r, 0, (uint8_t *)&l, DGRAM_HDR);
	return l;
}

/* Bytes of an iovec array, at most what the ring can ever hold plus one. */
static uint64_t iov_total(const struct ukvm_iovec *iov, uint64_t n)
{
	uint64_t t = 0;
	for (uint64_t i = 0; i < n && t <= RING_SIZE; i++)
		t += iov[i].len;
	return t;
}

/* Moves n bytes between the ring (at offset off) and the iovecs, starting
 * skip bytes into them. */
static void iov_copy(struct ring *r, uint32_t off, const struct ukvm_iovec *iov, uint64_t cnt,
		     uint64_t skip, uint32_t n, int to_ring)
{
	for (uint64_t i = 0; i < cnt && n; i++) {
		if (skip >= iov[i].len) {
			skip -= iov[i].len;
			continue;
		}
		uint64_t k = iov[i].len - skip;
		uint32_t m = k < n ? (uint32_t)k : n;
		uint8_t *p = (uint8_t *)(uintptr_t)(iov[i].base + skip);
		if (to_ring)
			ring_put(r, p, m);
		else
			ring_peek(r, off, p, m);
		off += m;
		n -= m;
		skip = 0;
	}
}

/* ---- sending and receiving -------------------------------------------------- */

/* The result of a wait that ended without a wake-up, or 0 to look again. */
static long block(struct uend *e, long done)
{
	int r = waitq_block(&e->wq, WAIT_IO, 0);
	if (!r)
		return 0;
	if (done)
		return done;
	return r == -EINTR ? -ERESTARTSYS : r;
}

static long pair_send(struct uend *e, const struct ukvm_iovec *iov, uint64_t cnt, int flags,
		      int nonblock)
{
	struct uend *p = peer_of(e);
	uint64_t total = iov_total(iov, cnt), sent = 0;

	if (e->pair->type == SOCK_DGRAM) {
		if (e->peer_gone)
			return -ENOTCONN;
		if (!p->open) {
			e->peer_gone = 1;
			return -ECONNREFUSED;
		}
		if ((e->shut & SEND_SHUT) || (p->shut & RCV_SHUT))
			return -EPIPE;
		if (total + DGRAM_HDR > RING_SIZE)
			return -EMSGSIZE;
		while (RING_SIZE - p->ring.len < total + DGRAM_HDR) {
			if (nonblock)
				return -EAGAIN;
			long r = block(e, 0);
			if (r)
				return r;
			if (!p->open || (p->shut & RCV_SHUT) || (e->shut & SEND_SHUT))
				return !p->open ? -ECONNREFUSED : -EPIPE;
		}
		uint32_t l = (uint32_t)total;
		ring_put(&p->ring, (const uint8_t *)&l, DGRAM_HDR);
		iov_copy(&p->ring, 0, iov, cnt, 0, l, 1);
		waitq_wake(&p->wq, POLLIN | POLLRDNORM);
		return (long)total;
	}
	for (;;) {
		if ((e->shut & SEND_SHUT) || !p->open)
			return sent ? (long)sent : sock_epipe(flags);
		uint32_t room = RING_SIZE - p->ring.len;
		uint64_t left = total - sent;
		uint32_t n = left < room ? (uint32_t)left : room;
		if (n) {
			iov_copy(&p->ring, 0, iov, cnt, sent, n, 1);
			sent += n;
			waitq_wake(&p->wq, POLLIN | POLLRDNORM);
		}
		if (sent == total)
			return (long)sent;
		if (nonblock)
			return sent ? (long)sent : -EAGAIN;
		long r = block(e, (long)sent);
		if (r)
			return r;
	}
}

/* *mflags gets MSG_TRUNC when a datagram did not fit. */
static long pair_recv(struct uend *e, const struct ukvm_iovec *iov, uint64_t cnt, int flags,
		      int nonblock, int *mflags)
{
	struct ring *r = &e->ring;
	uint64_t total = iov_total(iov, cnt), got = 0;
	int peek = flags & MSG_PEEK;

	*mflags = 0;
	for (;;) {
		if (r->len) {
			if (e->pair->type == SOCK_DGRAM) {
				uint32_t l = dgram_len(r);
				uint32_t n = l < total ? l : (uint32_t)total;
				iov_copy(r, DGRAM_HDR, iov, cnt, 0, n, 0);
				if (l > n)
					*mflags = MSG_TRUNC;
				if (!peek) {
					ring_drop(r, DGRAM_HDR + l);
					waitq_wake(&peer_of(e)->wq, POLLOUT | POLLWRNORM);
				}
				return (flags & MSG_TRUNC) ? (long)l : (long)n;
			}
			uint64_t left = total - got;
			uint32_t n = left < r->len ? (uint32_t)left : r->len;
			iov_copy(r, 0, iov, cnt, got, n, 0);
			got += n;
			if (!peek) {
				ring_drop(r, n);
				waitq_wake(&peer_of(e)->wq, POLLOUT | POLLWRNORM);
			}
			if (got == total || peek || !(flags & MSG_WAITALL))
				return (long)got;
		}
		if (e->err && !got) {
			long err = -e->err;
			e->err = 0;
			return err;
		}
		/* A stream end shut for reading gives EOF; a datagram one only
		 * to a reader that would wait (Linux's skb_recv_datagram). */
		if ((e->shut & RCV_SHUT) && (e->pair->type == SOCK_STREAM || !nonblock))
			return (long)got;
		if (nonblock)
			return got ? (long)got : -EAGAIN;
		long b = block(e, (long)got);
		if (b)
			return b;
	}
}

/* ---- the file kind --------------------------------------------------------- */

static long pair_sendmsg(struct ofile *of, struct sock_msg *m)
{
	struct uend *e = of->priv.ptr;
	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->addr.len) { /* a name given to send on a connected pair */
		if (e->pair->type == SOCK_STREAM)
			return -EISCONN;
		if (m->addr.len <= 2 || *(const uint16_t *)m->addr.data != AF_UNIX ||
		    m->addr.len > 110)
			return -EINVAL;
		return -ECONNREFUSED; /* no named sockets in the guest */
	}
	if (m->all > m->cnt && e->pair->type == SOCK_DGRAM)
		return -EMSGSIZE;
	return pair_send(e, m->iov, m->cnt, m->flags, m->nonblock);
}

/* The peer has no name: m->addr stays empty. */
static long pair_recvmsg(struct ofile *of, struct sock_msg *m)
{
	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	return pair_recv(of->priv.ptr, m->iov, m->cnt, m->flags, m->nonblock, &m->mflags);
}

static long pair_nread(struct ofile *of)
{
	const struct uend *e = of->priv.ptr;
	if (e->pair->type == SOCK_DGRAM)
		return e->ring.len ? (long)dgram_len(&e->ring) : 0;
	return (long)e->ring.len;
}

static long pair_ioctl(struct ofile *of, uint64_t req, uint64_t arg)
{
	return sock_ioctl(of, req, arg, pair_nread);
}

static long pair_stat(struct ofile *of, struct ukvm_stat *u)
{
	const struct uend *e = of->priv.ptr;
	return sock_stat(u, (uint64_t)(e->pair - pairs) * 2 + (uint64_t)e->side + 1);
}

static long pair_statfs(struct ofile *of, struct ukvm_statfs *u)
{
	(void)of; /* every socket is on the one sockfs */
	return sock_statfs(u);
}
static short pair_poll(struct ofile *of, short events, struct poll_table *pt)
{
	struct uend *e = of->priv.ptr;
	struct uend *p = peer_of(e);
	short ready = 0;
	uint32_t need = e->pair->type == SOCK_DGRAM ? DGRAM_HDR + 1 : 1;

	if (e->ring.len)
		ready |= POLLIN | POLLRDNORM;
	if (e->err)
		ready |= POLLERR;
	if (e->shut & RCV_SHUT)
		ready |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (e->shut == (RCV_SHUT | SEND_SHUT))
		ready |= POLLHUP;
	if (!p->open || RING_SIZE - p->ring.len >= need)
		ready |= POLLOUT | POLLWRNORM | POLLWRBAND;
	ready &= (short)(events | POLLHUP | POLLERR);
	poll_table_add(pt, &e->wq); /* ready or not: epoll keeps it from EPOLL_CTL_ADD */
	return ready;
}

static void pair_release(struct ofile *of)
{
	struct uend *e = of->priv.ptr;
	struct uend *p = peer_of(e);

	e->open = 0;
	if (e->pair->type == SOCK_STREAM) {
		p->shut = RCV_SHUT | SEND_SHUT;
		if (e->ring.len)
			p->err = ECONNRESET;
	}
	waitq_wake(&p->wq, POLLIN | POLLOUT | POLLHUP | POLLRDHUP);
	if (!p->open)
		e->pair->type = 0;
}

static long pair_shutdown(struct ofile *of, int how)
{
	struct uend *e = of->priv.ptr;
	struct uend *p = peer_of(e);
	int mode = (how + 1) & (RCV_SHUT | SEND_SHUT);
	e->shut |= mode;
	if (e->pair->type == SOCK_STREAM && p->open)
		p->shut |=
		    ((mode & RCV_SHUT) ? SEND_SHUT : 0) | ((mode & SEND_SHUT) ? RCV_SHUT : 0);
	waitq_wake(&e->wq, POLLIN | POLLOUT | POLLRDHUP);
	waitq_wake(&p->wq, POLLIN | POLLOUT | POLLRDHUP);
	return 0;
}

static long pair_getsockopt(struct ofile *of, int level, int name, uint8_t *val, uint32_t *len)
{
	struct uend *e = of->priv.ptr;
	int v;
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	switch (name) {
	case SO_TYPE:
		v = e->pair->type;
		break;
	case SO_ERROR:
		v = e->err;
		e->err = 0;
		break;
	case SO_ACCEPTCONN:
	case SO_PROTOCOL:
		v = 0;
		break;
	case SO_DOMAIN:
		v = AF_UNIX;
		break;
	default:
		return -ENOPROTOOPT;
	}
	kmemcpy(val, &v, sizeof v);
	*len = sizeof v;
	return 0;
}

/* Both ends are unnamed: sun_family only; a datagram peer that went away
 * is ENOTCONN. */
static long pair_getname(struct ofile *of, int peer, struct ukvm_sockaddr *a)
{
	if (peer && ((struct uend *)of->priv.ptr)->peer_gone)
		return -ENOTCONN;
	uint16_t fam = AF_UNIX;
	kmemcpy(a->data, &fam, sizeof fam);
	a->len = sizeof fam;
	return 0;
}

static const struct sock_ops pair_sock_ops = {
    .send = pair_sendmsg,
    .recv = pair_recvmsg,
    .shutdown = pair_shutdown,
    .getsockopt = pair_getsockopt,
    .getname = pair_getname,
};

static const struct file_ops pair_ops = {
    .read = sock_read,
    .write = sock_write,
    .ioctl = pair_ioctl,
    .stat = pair_stat,
    .statfs = pair_statfs,
    .poll = pair_poll,
    .release = pair_release,
    .sock = &pair_sock_ops,
};

/* ---- socketpair ------------------------------------------------------------ */

#define TYPE_FLAGS (SOCK_NONBLOCK | SOCK_CLOEXEC)
#define SOCK_MAX_TYPE 10 /* Linux's SOCK_MAX: a type at or above it is EINVAL */

long sys_socketpair(const struct syscall_frame *f)
{
	uint64_t type = f->a2 & ~(uint64_t)TYPE_FLAGS;
	long fd[2];

	if (f->a2 & ~(uint64_t)(TYPE_FLAGS | 0xf))
		return -EINVAL;
	if ((int64_t)f->a1 < 0 || f->a1 >= 46)
		return -EAFNOSUPPORT;
	if (type >= SOCK_MAX_TYPE)
		return -EINVAL;
	if (f->a1 == AF_INET || f->a1 == AF_INET6)
		return -EOPNOTSUPP; /* inet sockets have no pairs */
	if (f->a1 != AF_UNIX)
		return -EAFNOSUPPORT;
	if (f->a3 && f->a3 != AF_UNIX)
		return -EPROTONOSUPPORT;
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT; /* SOCK_SEQPACKET: not yet */
	if (!user_range_ok(f->a4, 2 * sizeof(int)))
		return -EFAULT;
	struct pair *p = NULL;
	for (unsigned i = 0; i < PAIRS && !p; i++)
		if (!pairs[i].type)
			p = &pairs[i];
	if (!p)
		return -ENFILE;
	fd[0] = fd_reserve(0);
	fd[1] = fd[0] < 0 ? fd[0] : fd_reserve(0);
	if (fd[1] < 0) {
		if (fd[0] >= 0)
			fd_unreserve(fd[0]);
		return fd[1];
	}
	uint32_t fl = O_RDWR | ((f->a2 & SOCK_NONBLOCK) ? O_NONBLOCK : 0);
	struct ofile *of[2] = {ofile_new(&pair_ops, fl), NULL};
	if (of[0])
		of[1] = ofile_new(&pair_ops, fl);
	if (!of[1]) {
		if (of[0])
			of[0]->ops = NULL; /* no release: the pair is not taken yet */
		fd_unreserve(fd[0]);
		fd_unreserve(fd[1]);
		return -ENFILE;
	}
	p->type = (int)type;
	int *out = (int *)(uintptr_t)f->a4;
	for (int i = 0; i < 2; i++) {
		struct uend *e = &p->end[i];
		e->pair = p;
		e->side = i;
		e->open = 1;
		e->shut = e->err = e->peer_gone = 0;
		e->ring.head = e->ring.len = 0;
		waitq_init(&e->wq, 0);
		of[i]->priv.ptr = e;
		fd_install(fd[i], of[i], !!(f->a2 & SOCK_CLOEXEC));
		out[i] = (int)fd[i];
	}
	return 0;
}
