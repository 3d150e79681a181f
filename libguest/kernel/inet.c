/*
 * AF_INET and AF_INET6 sockets (sock.h): host sockets that the VMM opens
 * and drives for the guest (abi.h, "Network"). Each is a VMM handle; the
 * VMM never blocks, so every wait is the guest's, on the socket's
 * WAITQ_EXTERNAL queue, and readiness comes through the event page.
 *
 * The event page (struct ukvm_net_events, in bss, page aligned) is
 * registered at boot; without it (no network device, an older VMM)
 * socket() gives what --network none gives. The VMM ORs poll bits into
 * slot[h].ready, sets bit h of changed[] and raises UKVM_NET_VECTOR when
 * a bit turns on that slot[h].want holds; inet_interrupt takes changed[]
 * with atomic exchanges and wakes each handle's queue. Before a recv,
 * send or accept the guest clears (atomic AND) the bit it is about to
 * consume, then calls the VMM; on -EAGAIN it adds the bit to want (want
 * only grows), looks at ready again, and only then sleeps: an edge after
 * the clear is never lost. Level semantics for poll: a call that may have
 * left more behind (a full buffer read, a datagram, MSG_PEEK; a send that
 * went out whole; an accept) marks the socket "maybe readable" (maybe_in,
 * checked with FIONREAD at the next poll) or sets POLLOUT or POLLIN back.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include "kernel.h"
#include "fd.h"
#include "ksignal.h"
#include "sched.h"
#include "sock.h"

#define SO_RCVTIMEO_X86 20 /* x86_64's SO_RCVTIMEO, SO_SNDTIMEO (64-bit time_t) */
#define SO_SNDTIMEO_X86 21
#define SO_RCVTIMEO_NEW_ 66 /* the same on x86_64: two 64-bit words */
#define SO_SNDTIMEO_NEW_ 67
#define NS_PER_S 1000000000ull
#define RECV_FLAGS (MSG_OOB | MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT | MSG_WAITALL)
#define SEND_FLAGS (MSG_OOB | MSG_DONTROUTE | MSG_DONTWAIT | MSG_EOR | MSG_MORE | MSG_NOSIGNAL)

struct isock {
	int32_t handle; /* the VMM's; 0: a free slot */
	int type;	/* SOCK_STREAM, SOCK_DGRAM */
	int listening;
	int maybe_in;	   /* may be readable though ready lacks POLLIN */
	uint64_t rcvtimeo; /* ns, 0: none; SO_RCVTIMEO is the guest's */
	uint64_t sndtimeo; /* ns, 0: none */
	struct waitq wq;   /* WAITQ_EXTERNAL: woken by inet_interrupt */
};

static struct ukvm_net_events net_ev __attribute__((aligned(UKVM_PAGE_SIZE)));
static struct isock socks[UKVM_NET_SOCKETS_MAX + 1]; /* by handle; .handle 0: none */
static int net_up;
static struct waitq *stdin_wq; /* the console's, when slot 0 is served */
static int stdin_served;       /* ev_setup said the VMM watches its fd 0 */
static const struct file_ops inet_ops;

/* ---- the event page ---------------------------------------------------------------- */

/* A program that drives the network device with raw hypercalls (the
 * VMM's tests) defines this symbol: the event page is then its own, and
 * libguest's sockets are off (socket() EACCES). */
extern const char unikvm_raw_net_events[] __attribute__((weak));

void inet_init(void)
{
	if (unikvm_raw_net_events)
		return;
	struct ukvm_hc_net_ev_setup h = {.events = (uint64_t)(uintptr_t)&net_ev,
					 .size = sizeof(net_ev)};
	hc_net_ev_setup(&h);
	net_up = h.ret >= 0;
	stdin_served = h.ret == 1;
}

int inet_stdin_attach(struct waitq *wq)
{
	if (!stdin_served)
		return 0;
	stdin_wq = wq;
	return 1;
}

void inet_stdin_take(void)
{
	__atomic_fetch_and(&net_ev.slot[UKVM_NET_STDIN_HANDLE].ready, ~(uint32_t)POLLIN,
			   __ATOMIC_SEQ_CST);
}

uint32_t inet_stdin_want(void)
{
	struct ukvm_net_ev_slot *s = &net_ev.slot[UKVM_NET_STDIN_HANDLE];
	__atomic_fetch_or(&s->want, POLLIN | POLLHUP | POLLERR, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&s->ready, __ATOMIC_ACQUIRE);
}

int inet_interrupt(void)
{
	int woke = 0;
	if (!net_up)
		return 0;
	for (unsigned w = 0; w < ARRAY_SIZE(net_ev.changed); w++) {
		uint64_t bits = __atomic_exchange_n(&net_ev.changed[w], 0, __ATOMIC_SEQ_CST);
		while (bits) {
			unsigned h = w * 64 + (unsigned)__builtin_ctzll(bits);
			bits &= bits - 1;
			if (h == UKVM_NET_STDIN_HANDLE && stdin_wq) {
				woke |= waitq_active(stdin_wq);
				waitq_wake(stdin_wq, __atomic_load_n(&net_ev.slot[h].ready,
								     __ATOMIC_ACQUIRE));
			} else if (h <= UKVM_NET_SOCKETS_MAX && socks[h].handle) {
				struct isock *s = &socks[h];
				woke |= waitq_active(&s->wq);
				waitq_wake(&s->wq, __atomic_load_n(&net_ev.slot[h].ready,
								   __ATOMIC_ACQUIRE));
			}
		}
	}
	return woke;
}

static uint32_t ev_ready(const struct isock *s)
{
	return __atomic_load_n(&net_ev.slot[s->handle].ready, __ATOMIC_ACQUIRE);
}

static void ev_clear(const struct isock *s, uint32_t bits)
{
	__atomic_fetch_and(&net_ev.slot[s->handle].ready, ~bits, __ATOMIC_SEQ_CST);
}

static void ev_set(const struct isock *s, uint32_t bits)
{
	__atomic_fetch_or(&net_ev.slot[s->handle].ready, bits, __ATOMIC_SEQ_CST);
}

static void ev_want(const struct isock *s, uint32_t bits)
{
	__atomic_fetch_or(&net_ev.slot[s->handle].want, bits, __ATOMIC_SEQ_CST);
}

/* A call found nothing to do and would wait for bits: wants them and
 * waits, unless they came meanwhile. 0 to call again, or -EAGAIN (the
 * timeout passed), -EINTR/-ERESTARTSYS (a signal: EINTR with a timeout
 * set, as Linux's sock_intr_errno). */
static long wait_for(struct isock *s, uint32_t bits, uint64_t timeout_ns, uint64_t deadline)
{
	/* POLLERR and POLLHUP interrupt too, but stay set once seen: the
	 * look before sleeping is only at bits (the call reports errors) */
	ev_want(s, bits | POLLERR | POLLHUP);
	if (ev_ready(s) & bits)
		return 0;
	int r = waitq_block(&s->wq, WAIT_IO, deadline);
	if (r == -ETIMEDOUT)
		return -EAGAIN;
	if (r == -EINTR)
		return timeout_ns ? -EINTR : -ERESTARTSYS;
	return r;
}

static uint64_t deadline_of(uint64_t timeout_ns)
{
	return timeout_ns ? tsc_after_ns(timeout_ns) : 0;
}

/* ---- data --------------------------------------------------------------------------- */

/* Copies m's iovecs into v, skipping the first skip bytes: the count. */
static uint32_t iov_after(const struct sock_msg *m, uint64_t skip, struct ukvm_iovec *v)
{
	uint32_t n = 0;
	for (uint64_t i = 0; i < m->cnt; i++) {
		if (skip >= m->iov[i].len) {
			skip -= m->iov[i].len;
			continue;
		}
		v[n++] =
		    (struct ukvm_iovec){.base = m->iov[i].base + skip, .len = m->iov[i].len - skip};
		skip = 0;
	}
	return n;
}

static uint64_t iov_bytes(const struct sock_msg *m)
{
	uint64_t t = 0;
	for (uint64_t i = 0; i < m->cnt; i++)
		t += m->iov[i].len;
	return t;
}

static long inet_recv(struct ofile *of, struct sock_msg *m)
{
	struct isock *s = of->priv.ptr;
	struct ukvm_iovec v[SOCK_IOV_LOCAL];
	uint64_t total = iov_bytes(m), got = 0, deadline = deadline_of(s->rcvtimeo);
	int waitall = (m->flags & MSG_WAITALL) && !(m->flags & MSG_PEEK) && s->type == SOCK_STREAM;

	if (s->type == SOCK_STREAM && !total)
		return 0;
	for (;;) {
		ev_clear(s, POLLIN);
		s->maybe_in = 0;
		struct ukvm_hc_net_msg h = {.handle = s->handle,
					    .flags = (uint32_t)m->flags & RECV_FLAGS,
					    .iov = (uint64_t)(uintptr_t)v,
					    .iovcnt = iov_after(m, got, v)};
		hc_net_recvmsg(&h);
		if (h.ret > 0) {
			got += (uint64_t)h.ret;
			if (got >= total || s->type != SOCK_STREAM || (m->flags & MSG_PEEK))
				s->maybe_in = 1; /* more may be queued */
			m->mflags = (int)h.msg_flags;
			m->addr.len =
			    h.addr.len < UKVM_NET_ADDR_MAX ? h.addr.len : UKVM_NET_ADDR_MAX;
			kmemcpy(m->addr.data, h.addr.data, m->addr.len);
			if (!waitall || got >= total)
				return (long)got;
			continue;
		}
		if (h.ret == 0 || (h.ret != -EAGAIN && got))
			return (long)got; /* EOF, or an error after some bytes */
		if (h.ret != -EAGAIN)
			return h.ret;
		long r = m->nonblock ? (ev_want(s, POLLIN | POLLRDHUP), -EAGAIN)
				     : wait_for(s, POLLIN | POLLRDHUP, s->rcvtimeo, deadline);
		if (r)
			return got ? (long)got : r;
	}
}

static long inet_send(struct ofile *of, struct sock_msg *m)
{
	struct isock *s = of->priv.ptr;
	struct ukvm_iovec v[SOCK_IOV_LOCAL];
	uint64_t total = iov_bytes(m), sent = 0, deadline = deadline_of(s->sndtimeo);

	if (m->all > m->cnt && s->type == SOCK_DGRAM)
		return -EMSGSIZE;
	for (;;) {
		ev_clear(s, POLLOUT);
		struct ukvm_hc_net_msg h = {.handle = s->handle,
					    .flags = (uint32_t)m->flags & SEND_FLAGS,
					    .iov = (uint64_t)(uintptr_t)v,
					    .iovcnt = iov_after(m, sent, v),
					    .addr = m->addr};
		hc_net_sendmsg(&h);
		if (h.ret >= 0) {
			sent += (uint64_t)h.ret;
			if (sent >= total || s->type != SOCK_STREAM) {
				ev_set(s, POLLOUT); /* it took all: there is room still */
				return (long)sent;
			}
			if (m->nonblock)
				return (long)sent;
			continue; /* a blocking stream send sends it all */
		}
		if (h.ret == -EPIPE)
			return sent ? (long)sent : sock_epipe(m->flags);
		if (h.ret != -EAGAIN)
			return sent ? (long)sent : h.ret;
		long r = m->nonblock ? (ev_want(s, POLLOUT), -EAGAIN)
				     : wait_for(s, POLLOUT, s->sndtimeo, deadline);
		if (r)
			return sent ? (long)sent : r;
	}
}

long inet_sendfile(struct ofile *of, int32_t fs_handle, int64_t *off, uint64_t count)
{
	struct isock *s = of->priv.ptr;
	uint64_t deadline = deadline_of(s->sndtimeo);
	if (of->ops != &inet_ops)
		return -EINVAL;
	for (;;) {
		ev_clear(s, POLLOUT);
		struct ukvm_hc_net_sendfile h = {.sock = s->handle,
						 .fs_handle = fs_handle,
						 .offset = off ? *off : -1,
						 .count = count};
		hc_net_sendfile(&h);
		if (h.ret >= 0) {
			if (off)
				*off = h.offset;
			/* Unlike a MSG_DONTWAIT send, a short host sendfile does
			 * not mean a full buffer (no edge may follow): POLLOUT
			 * stays set, the next call's -EAGAIN waits for the edge */
			ev_set(s, POLLOUT);
			return h.ret;
		}
		if (h.ret == -EPIPE)
			return sock_epipe(0);
		if (h.ret != -EAGAIN)
			return h.ret;
		long r = (of->flags & O_NONBLOCK) ? (ev_want(s, POLLOUT), -EAGAIN)
						  : wait_for(s, POLLOUT, s->sndtimeo, deadline);
		if (r)
			return r;
	}
}

/* ---- connections ------------------------------------------------------------------------ */

static long inet_bind(struct ofile *of, const struct ukvm_sockaddr *a)
{
	struct isock *s = of->priv.ptr;
	struct ukvm_hc_net_addr h = {.handle = s->handle, .addr = *a};
	hc_net_bind(&h);
	return h.ret;
}

/* SO_ERROR of the host socket into *err (it clears it): 0 or -errno. */
static long so_error(struct isock *s, int *err)
{
	struct ukvm_hc_net_sockopt o = {
	    .handle = s->handle, .level = SOL_SOCKET, .name = SO_ERROR, .len = sizeof(int)};
	ev_clear(s, POLLERR);
	hc_net_getsockopt(&o);
	if (!o.ret)
		kmemcpy(err, o.val, sizeof *err);
	return o.ret;
}

/* A blocking connect in progress: until the host says it is over. Once
 * connected, the same connect once more: the host socket was connected
 * non-blocking, and Linux marks such a socket connected only at the next
 * connect() (which returns 0), so without it the program's own next
 * connect would return 0 instead of EISCONN. */
static long connect_wait(struct isock *s, const struct ukvm_sockaddr *a)
{
	uint64_t deadline = deadline_of(s->sndtimeo);
	for (;;) {
		if (ev_ready(s) & (POLLOUT | POLLERR | POLLHUP)) {
			int err = 0;
			long r = so_error(s, &err);
			if (r || err)
				return r ? r : -err;
			struct ukvm_hc_net_addr h = {.handle = s->handle};
			hc_net_getpeername(&h);
			if (h.ret != -ENOTCONN) {
				struct ukvm_hc_net_addr again = {.handle = s->handle, .addr = *a};
				hc_net_connect(&again);
				ev_set(s, POLLOUT);
				return 0; /* connected */
			}
			ev_clear(s, POLLOUT | POLLHUP); /* an old event: still connecting */
		}
		long r = wait_for(s, POLLOUT, s->sndtimeo, deadline);
		if (r)
			return r == -EAGAIN ? -EINPROGRESS : r;
	}
}

static long inet_connect(struct ofile *of, const struct ukvm_sockaddr *a)
{
	struct isock *s = of->priv.ptr;
	struct ukvm_hc_net_addr h = {.handle = s->handle, .addr = *a};
	ev_clear(s, POLLOUT | POLLHUP | POLLERR);
	hc_net_connect(&h);
	if (!h.ret)
		ev_set(s, POLLOUT); /* connected at once (UDP): writable */
	if (h.ret != -EINPROGRESS)
		return h.ret;
	ev_want(s, POLLOUT | POLLERR | POLLHUP);
	return (of->flags & O_NONBLOCK) ? -EINPROGRESS : connect_wait(s, a);
}

static long inet_listen(struct ofile *of, int backlog)
{
	struct isock *s = of->priv.ptr;
	struct ukvm_hc_net_handle h = {.handle = s->handle, .arg = backlog};
	hc_net_listen(&h);
	if (!h.ret)
		s->listening = 1;
	return h.ret;
}

static long new_sock(int32_t handle, int type, uint32_t flags, struct ofile **of);

static long inet_accept(struct ofile *of, uint32_t flags, struct ukvm_sockaddr *peer,
			struct ofile **nof)
{
	struct isock *s = of->priv.ptr;
	uint64_t deadline = deadline_of(s->rcvtimeo);
	for (;;) {
		ev_clear(s, POLLIN);
		struct ukvm_hc_net_accept h = {.handle = s->handle, .flags = flags};
		hc_net_accept(&h);
		if (h.ret >= 0) { /* the VMM re-arms the listener: POLLIN if more wait */
			*peer = h.peer;
			if (peer->len > UKVM_NET_ADDR_MAX)
				peer->len = UKVM_NET_ADDR_MAX;
			return new_sock((int32_t)h.ret, s->type, flags, nof);
		}
		if (h.ret != -EAGAIN)
			return h.ret;
		long r = (of->flags & O_NONBLOCK) ? (ev_want(s, POLLIN), -EAGAIN)
						  : wait_for(s, POLLIN, s->rcvtimeo, deadline);
		if (r)
			return r;
	}
}

static long inet_shutdown(struct ofile *of, int how)
{
	struct isock *s = of->priv.ptr;
	struct ukvm_hc_net_handle h = {.handle = s->handle, .arg = how};
	hc_net_shutdown(&h);
	return h.ret;
}

static long inet_getname(struct ofile *of, int peer, struct ukvm_sockaddr *a)
{
	struct isock *s = of->priv.ptr;
	struct ukvm_hc_net_addr h = {.handle = s->handle};
	if (peer)
		hc_net_getpeername(&h);
	else
		hc_net_getsockname(&h);
	if (h.ret)
		return h.ret;
	*a = h.addr;
	if (a->len > UKVM_NET_ADDR_MAX)
		a->len = UKVM_NET_ADDR_MAX;
	return 0;
}

/* ---- options ----------------------------------------------------------------------------- */

struct ktimeval {
	int64_t sec, usec;
};

static uint64_t *timeo_of(struct isock *s, int level, int name)
{
	if (level != SOL_SOCKET)
		return NULL;
	if (name == SO_RCVTIMEO_X86 || name == SO_RCVTIMEO_NEW_)
		return &s->rcvtimeo;
	return name == SO_SNDTIMEO_X86 || name == SO_SNDTIMEO_NEW_ ? &s->sndtimeo : NULL;
}

static long inet_getsockopt(struct ofile *of, int level, int name, uint8_t *val, uint32_t *len)
{
	struct isock *s = of->priv.ptr;
	uint64_t *t = timeo_of(s, level, name);
	if (t) {
		struct ktimeval tv = {(int64_t)(*t / NS_PER_S), (int64_t)(*t % NS_PER_S / 1000)};
		kmemcpy(val, &tv, sizeof tv);
		*len = sizeof tv;
		return 0;
	}
	if (level == SOL_SOCKET && name == SO_ERROR) {
		int v = 0;
		long r = so_error(s, &v);
		if (r)
			return r;
		kmemcpy(val, &v, sizeof v);
		*len = sizeof v;
		return 0;
	}
	struct ukvm_hc_net_sockopt o = {
	    .handle = s->handle, .level = level, .name = name, .len = UKVM_NET_OPT_MAX};
	hc_net_getsockopt(&o);
	if (o.ret)
		return o.ret;
	*len = o.len < SOCK_OPT_MAX ? o.len : SOCK_OPT_MAX;
	kmemcpy(val, o.val, *len);
	return 0;
}

static long inet_setsockopt(struct ofile *of, int level, int name, const uint8_t *val, uint32_t len)
{
	struct isock *s = of->priv.ptr;
	uint64_t *t = timeo_of(s, level, name);
	if (t) {
		struct ktimeval tv;
		if (len < sizeof tv)
			return -EINVAL;
		kmemcpy(&tv, val, sizeof tv);
		if (tv.usec < 0 || tv.usec >= 1000000)
			return -EDOM;
		if (tv.sec < 0)
			*t = 1; /* Linux: a negative time does not wait */
		else
			*t = (uint64_t)tv.sec * NS_PER_S + (uint64_t)tv.usec * 1000;
		return 0;
	}
	struct ukvm_hc_net_sockopt o = {.handle = s->handle,
					.level = level,
					.name = name,
					.len = len < UKVM_NET_OPT_MAX ? len : UKVM_NET_OPT_MAX};
	kmemcpy(o.val, val, o.len);
	hc_net_setsockopt(&o);
	return o.ret;
}

/* ---- the file kind --------------------------------------------------------------------- */

static long inet_fionread(struct isock *s)
{
	struct ukvm_hc_net_handle h = {.handle = s->handle};
	hc_net_fionread(&h);
	return h.ret;
}

static long inet_nread(struct ofile *of)
{
	return inet_fionread(of->priv.ptr);
}

static long inet_ioctl(struct ofile *of, uint64_t req, uint64_t arg)
{
	return sock_ioctl(of, req, arg, inet_nread);
}

static long inet_stat(struct ofile *of, struct ukvm_stat *u)
{
	const struct isock *s = of->priv.ptr;
	return sock_stat(u, 0x10000u + (uint64_t)s->handle);
}

static long inet_statfs(struct ofile *of, struct ukvm_statfs *u)
{
	(void)of;
	return sock_statfs(u);
}

static short inet_poll(struct ofile *of, short events, struct poll_table *pt)
{
	struct isock *s = of->priv.ptr;
	/* want first: a bit that comes after the look below interrupts */
	ev_want(s,
		((uint32_t)(uint16_t)events & (POLLIN | POLLOUT | POLLRDHUP)) | POLLERR | POLLHUP);
	uint32_t r = ev_ready(s);
	/* The peer shut its side: EOF is readable for ever (Linux's tcp_poll
	 * sets POLLIN with POLLRDHUP), even after a read cleared POLLIN and
	 * took the last bytes, as the host sends no new edge for it. */
	if (r & POLLRDHUP)
		r |= POLLIN;
	if (!(r & POLLIN) && s->maybe_in && (events & (POLLIN | POLLRDNORM))) {
		if (inet_fionread(s) > 0)
			r |= POLLIN;
		else
			s->maybe_in = 0;
	}
	short ready = (short)(r & (POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP));
	if (r & POLLIN)
		ready |= POLLRDNORM;
	if (r & POLLOUT)
		ready |= POLLWRNORM;
	ready &= (short)(events | POLLHUP | POLLERR);
	poll_table_add(pt, &s->wq); /* ready or not: epoll keeps it from EPOLL_CTL_ADD */
	return ready;
}

static void inet_release(struct ofile *of)
{
	struct isock *s = of->priv.ptr;
	struct ukvm_hc_net_handle h = {.handle = s->handle};
	hc_net_close(&h);
	s->handle = 0;
}

static const struct sock_ops inet_sock_ops = {
    .bind = inet_bind,
    .connect = inet_connect,
    .listen = inet_listen,
    .accept = inet_accept,
    .send = inet_send,
    .recv = inet_recv,
    .shutdown = inet_shutdown,
    .getsockopt = inet_getsockopt,
    .setsockopt = inet_setsockopt,
    .getname = inet_getname,
};

static const struct file_ops inet_ops = {
    .read = sock_read,
    .write = sock_write,
    .ioctl = inet_ioctl,
    .stat = inet_stat,
    .statfs = inet_statfs,
    .poll = inet_poll,
    .release = inet_release,
    .sock = &inet_sock_ops,
};

/* An open file for the VMM's new handle (closed again on failure). */
static long new_sock(int32_t handle, int type, uint32_t flags, struct ofile **of)
{
	struct ukvm_hc_net_handle close = {.handle = handle};
	if (handle <= 0 || handle > UKVM_NET_SOCKETS_MAX || socks[handle].handle) {
		hc_net_close(&close);
		return -EIO; /* the VMM broke the ABI */
	}
	*of = ofile_new(&inet_ops, O_RDWR | ((flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0));
	if (!*of) {
		hc_net_close(&close);
		return -ENFILE;
	}
	struct isock *s = &socks[handle];
	*s = (struct isock){.handle = handle, .type = type};
	waitq_init(&s->wq, WAITQ_EXTERNAL);
	(*of)->priv.ptr = s;
	return 0;
}

long inet_socket(int domain, int type, int protocol, struct ofile **of)
{
	int base = type & 0xf;
	if (base == SOCK_RAW)
		return -EPERM; /* as for a program without CAP_NET_RAW */
	if (!net_up)
		return -EACCES; /* as --network none */
	struct ukvm_hc_net_socket h = {.domain = domain, .type = type, .protocol = protocol};
	hc_net_socket(&h);
	if (h.ret < 0)
		return h.ret;
	return new_sock((int32_t)h.ret, base, (uint32_t)type, of);
}
