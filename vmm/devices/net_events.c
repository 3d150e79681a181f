/*
 * The network's event page and event thread (net.h, abi.h "Network").
 *
 * One thread waits in epoll, edge triggered, on every host socket and on
 * stdin (slot 0, only with a network: the thread exists then). Each
 * event ORs its poll bits into slot[h].ready of the guest's event page and
 * bit h into changed[], both atomically (the guest clears them with atomic
 * ANDs and exchanges), and the batch raises UKVM_NET_VECTOR once, through
 * an irqfd routed to an MSI, if a bit that was off turned on and is in
 * slot[h].want. Memory stays bounded: the table and the page are fixed,
 * the thread keeps one array of events.
 *
 * The thread blocks every signal but SIGSYS and confines itself with
 * seccomp before net_events_start returns: epoll_wait, a write to its
 * irqfd, locks.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/exit_status.h"
#include "base/fds.h"
#include "base/log.h"
#include "core/hypercall.h"
#include "core/seccomp.h"
#include "core/vm.h"
#include "devices/net.h"

#define EV_BATCH 64
#define EV_STOP UINT64_MAX /* epoll data of the stop eventfd */
#define EV_BITS (POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP)

_Static_assert(EPOLLIN == POLLIN && EPOLLOUT == POLLOUT && EPOLLERR == POLLERR &&
		   EPOLLHUP == POLLHUP && EPOLLRDHUP == POLLRDHUP,
	       "epoll's bits are poll's");

static uint64_t ev_data(const struct net *n, int h)
{
	return (uint64_t)n->socks[h].gen << 32 | (uint32_t)h;
}

/* Marks bits ready in slot h of the page; whether one of them is new and
 * wanted. Called under n->lock (or before the page is shared). */
static bool mark_ready(struct ukvm_net_events *ev, unsigned h, uint32_t bits)
{
	struct ukvm_net_ev_slot *s = &ev->slot[h];
	uint32_t old = __atomic_fetch_or(&s->ready, bits, __ATOMIC_SEQ_CST);
	__atomic_fetch_or(&ev->changed[h / 64], 1ull << (h % 64), __ATOMIC_SEQ_CST);
	return (bits & ~old & __atomic_load_n(&s->want, __ATOMIC_SEQ_CST)) != 0;
}

static void raise_irq(struct net *n)
{
	uint64_t one = 1;
	if (write(n->irq_fd, &one, sizeof(one)) != sizeof(one))
		ukvm_perr("network: irqfd");
}

/* Delivers one batch; whether the guest must be interrupted. */
static bool deliver(struct net *n, const struct epoll_event *evs, int count)
{
	bool irq = false;
	pthread_mutex_lock(&n->lock);
	for (int i = 0; i < count; i++) {
		uint64_t d = evs[i].data.u64;
		uint32_t h = (uint32_t)d, gen = (uint32_t)(d >> 32);
		if (d == EV_STOP || h > UKVM_NET_SOCKETS_MAX || !n->ev)
			continue;
		const struct net_sock *s = &n->socks[h];
		if (h != UKVM_NET_STDIN_HANDLE && (s->fd < 0 || s->gen != gen))
			continue; /* closed since: dropped */
		irq |= mark_ready(n->ev, h, evs[i].events & EV_BITS);
	}
	pthread_mutex_unlock(&n->lock);
	return irq;
}

static int confine(struct net *n)
{
	struct seccomp_rules r;

	if (n->vm->seccomp == UKVM_SECCOMP_OFF)
		return 0;
	if (seccomp_rules_init(&r, n->vm->seccomp)) {
		ALLOW_IF(&r, epoll_wait, FD_IS(n->epfd));
		ALLOW_IF(&r, epoll_pwait, FD_IS(n->epfd));
		ALLOW_IF(&r, write, FD_IS(n->irq_fd)); /* the interrupt */
		ALLOW(&r, exit);		       /* the end of the thread */
	}
	return seccomp_rules_load(&r, "network event", "net", n->confine_err,
				  sizeof(n->confine_err));
}

static void *event_thread(void *p)
{
	struct net *n = p;
	struct epoll_event evs[EV_BATCH];

	pthread_setname_np(pthread_self(), "unikvm-net");
	n->confine_status = confine(n);
	sem_post(&n->confined);
	if (n->confine_status)
		return NULL;
	for (;;) {
		int count = epoll_wait(n->epfd, evs, EV_BATCH, -1);
		if (count < 0 && errno == EINTR)
			continue;
		if (count < 0) {
			ukvm_perr("network: epoll_wait");
			return NULL;
		}
		for (int i = 0; i < count; i++)
			if (evs[i].data.u64 == EV_STOP)
				return NULL;
		if (deliver(n, evs, count))
			raise_irq(n);
	}
}

int net_events_start(struct net *n, char *err, size_t errlen)
{
	static const struct kvm_cap caps[] = {
	    KVM_CAP(KVM_CAP_IRQFD),
	    KVM_CAP(KVM_CAP_IRQ_ROUTING),
	};
	struct vm *vm = n->vm;
	sigset_t all, old;
	int r;

	if ((r = kvm_require(vm, caps, sizeof(caps) / sizeof(caps[0]), "--network", err, errlen)))
		return r;
	n->epfd = epoll_create1(EPOLL_CLOEXEC);
	n->irq_fd = eventfd(0, EFD_CLOEXEC);
	n->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (n->epfd < 0 || n->irq_fd < 0 || n->stop_fd < 0)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "network: %s: %s",
				 n->epfd < 0 ? "epoll_create1" : "eventfd", strerror(errno));
	struct epoll_event stop = {.events = EPOLLIN, .data.u64 = EV_STOP};
	if (epoll_ctl(n->epfd, EPOLL_CTL_ADD, n->stop_fd, &stop) < 0)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "network: epoll_ctl: %s",
				 strerror(errno));
	/* The host's stdin in slot 0; one epoll cannot watch (a regular file,
	 * /dev/null: EPERM; closed: EBADF) is always readable. */
	struct epoll_event in = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET,
				 .data.u64 = UKVM_NET_STDIN_HANDLE};
	n->stdin_watched = epoll_ctl(n->epfd, EPOLL_CTL_ADD, 0, &in) == 0;
	n->stdin_readable = !n->stdin_watched;
	if ((r = vm_add_msi_route(vm, VM_GSI_NET, UKVM_NET_VECTOR, err, errlen)))
		return r;
	struct kvm_irqfd irq = {.fd = (uint32_t)n->irq_fd, .gsi = VM_GSI_NET};
	if (KVM_IOCTL(vm->fd, KVM_IRQFD, &irq, err, errlen) < 0)
		return EXIT_HOST_ERROR;
	if (sem_init(&n->confined, 0, 0) < 0)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "sem_init: %s", strerror(errno));
	n->confined_init = true;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&n->thread, NULL, event_thread, n);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "pthread_create: %s", strerror(r));
	n->thread_started = true;
	while (sem_wait(&n->confined) < 0 && errno == EINTR)
		;
	if (n->confine_status)
		return ukvm_fail(err, errlen, n->confine_status, "%s", n->confine_err);
	return 0;
}

void net_events_stop(struct net *n)
{
	uint64_t one = 1;

	if (n->thread_started) {
		if (write(n->stop_fd, &one, sizeof(one)) != sizeof(one))
			ukvm_perr("network: stop eventfd");
		pthread_join(n->thread, NULL);
		n->thread_started = false;
	}
	FDS_CLOSE(&n->epfd, &n->irq_fd, &n->stop_fd);
	if (n->confined_init)
		sem_destroy(&n->confined);
	n->confined_init = false;
}

/* Zeroes slot h's ready bits (and want too for a new handle) and starts
 * (op EPOLL_CTL_ADD) or restarts (EPOLL_CTL_MOD, a new generation: events
 * in flight are dropped) watching it; epoll then reports its state now. */
static int epoll_watch(struct net *n, int h, int op)
{
	struct epoll_event e = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
				.data.u64 = ev_data(n, h)};
	return epoll_ctl(n->epfd, op, n->socks[h].fd, &e) < 0 ? -errno : 0;
}

static int watch(struct net *n, int h, int op)
{
	pthread_mutex_lock(&n->lock);
	if (op == EPOLL_CTL_MOD)
		n->socks[h].gen++;
	if (n->ev) {
		__atomic_store_n(&n->ev->slot[h].ready, 0, __ATOMIC_SEQ_CST);
		if (op == EPOLL_CTL_ADD)
			__atomic_store_n(&n->ev->slot[h].want, 0, __ATOMIC_SEQ_CST);
		__atomic_fetch_and(&n->ev->changed[h / 64], ~(1ull << (h % 64)), __ATOMIC_SEQ_CST);
	}
	pthread_mutex_unlock(&n->lock);
	return epoll_watch(n, h, op);
}

int net_events_add(struct net *n, int h)
{
	return watch(n, h, EPOLL_CTL_ADD);
}

int net_events_requery(struct net *n, int h)
{
	return epoll_watch(n, h, EPOLL_CTL_MOD);
}

int net_events_rearm(struct net *n, int h)
{
	return watch(n, h, EPOLL_CTL_MOD);
}

void net_events_close(struct net *n, int h)
{
	struct net_sock *s = &n->socks[h];

	/* No new event for it once it is out of epoll; one the thread took
	 * already is dropped by the generation, checked under the lock. */
	epoll_ctl(n->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	pthread_mutex_lock(&n->lock);
	close(s->fd);
	s->fd = -1;
	s->gen++;
	pthread_mutex_unlock(&n->lock);
	if (h < n->free_hint)
		n->free_hint = h;
}

void net_stdin_read(struct vm *vm)
{
	struct net *n = vm->net;
	if (!n || !n->stdin_readable)
		return;
	pthread_mutex_lock(&n->lock);
	if (n->ev)
		mark_ready(n->ev, UKVM_NET_STDIN_HANDLE, POLLIN);
	pthread_mutex_unlock(&n->lock);
}

void hc_net_ev_setup(struct vm *vm, uint64_t gpa, struct ukvm_hc_net_ev_setup *a)
{
	struct net *n = vm->net;
	uint64_t page = a->events;
	int64_t r = 0;

	if (page % UKVM_PAGE_SIZE || a->size != sizeof(struct ukvm_net_events)) {
		r = -EINVAL;
	} else if (n && n->ev) {
		r = -EBUSY;
	} else {
		struct ukvm_net_events *ev =
		    hc_buf(vm, UKVM_HC_NET_EV_SETUP, "event page", page, a->size);
		if (!ev)
			return;
		if (!n) /* no network device (the fuzz target's VM) */
			goto out;
		pthread_mutex_lock(&n->lock);
		/* What happened before: stdin and every open socket may be ready.
		 * 1 tells the guest that slot 0 is served (the event thread
		 * exists: a network). */
		if (n->thread_started) {
			mark_ready(ev, UKVM_NET_STDIN_HANDLE, POLLIN);
			r = 1;
		}
		for (int h = 1; h <= n->high; h++)
			if (n->socks[h].fd >= 0)
				mark_ready(ev, h, POLLIN | POLLOUT);
		n->ev = ev;
		pthread_mutex_unlock(&n->lock);
	}
out:
	HC_PUT_RET(vm, gpa, ukvm_hc_net_ev_setup, r);
}
