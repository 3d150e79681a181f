/*
 * epoll (epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait,
 * epoll_pwait2) over any kind of file with a poll op.
 *
 * An epoll is an open file whose priv.ptr is its struct epoll. Each
 * registered (file, fd) is an item whose waiters stay on the file's wait
 * queues from EPOLL_CTL_ADD until EPOLL_CTL_DEL or the file's last close;
 * their callback (ep_wake, as Linux's ep_poll_callback) puts the item on
 * the epoll's ready list and wakes the epoll's own queue, where
 * epoll_wait parks. epoll_wait looks only at the ready list: thousands of
 * idle items cost nothing. Each ready item is polled again (a wake-up says
 * "may be ready"); level-triggered ones that are still ready go back on
 * the list, edge-triggered ones wait for the next wake-up, EPOLLONESHOT
 * ones are disabled until EPOLL_CTL_MOD. Items and epolls come from pages
 * of the page allocator, carved into a free list.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>

#include "kernel.h"
#include "fd.h"
#include "ksignal.h"
#include "sched.h"
#include "syscall.h"

#define EPOLLIN 0x001u
#define EPOLLERR 0x008u
#define EPOLLHUP 0x010u
#define EPOLLRDHUP 0x2000u
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
#define EP_CONTROL (EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLONESHOT | EPOLLET)
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EP_MAX_NESTS 4 /* as Linux: epolls inside epolls, at most this deep */
#define EP_MAX_EVENTS (0x7fffffff / 12)

/* struct epoll_event of x86_64: packed, 12 bytes */
struct ep_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

struct epoll;
struct epitem {
	struct epoll *ep;
	struct ofile *of;
	int fd;
	uint32_t events; /* what the program asked for; 0 after a ONESHOT fired */
	uint64_t data;
	int ready; /* on the ready list */
	struct waiter w[POLL_QUEUES_PER_FILE];
	int nw, nexternal;
	struct epitem *next, **pprev;		/* the epoll's items */
	struct epitem *rd_next;			/* the ready list */
	struct epitem *file_next, **file_pprev; /* the file's items (of->epitems) */
};

struct epoll {
	struct ofile *self;
	struct waitq wq; /* epoll_wait, and polls and epolls of this epoll */
	struct epitem *items;
	struct epitem *rd_head, *rd_tail;
	int nexternal; /* item waiters on WAITQ_EXTERNAL queues */
};

/* ---- memory: one free list of fixed-size blocks ------------------------------ */

union ep_block {
	struct epitem item;
	struct epoll ep;
	union ep_block *free_next;
};
static union ep_block *free_blocks;

static void *block_get(void)
{
	if (!free_blocks) {
		long m =
		    mm_mmap(0, UKVM_PAGE_SIZE, 3, 0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */, -1, 0);
		if (m < 0)
			return 0;
		union ep_block *b = (union ep_block *)(uintptr_t)m;
		for (uint64_t i = 0; i < UKVM_PAGE_SIZE / sizeof(*b); i++) {
			b[i].free_next = free_blocks;
			free_blocks = &b[i];
		}
	}
	union ep_block *b = free_blocks;
	free_blocks = b->free_next;
	kmemset(b, 0, sizeof(*b));
	return b;
}

static void block_put(void *p)
{
	union ep_block *b = p;
	b->free_next = free_blocks;
	free_blocks = b;
}

/* ---- the ready list -------------------------------------------------------- */

static void ready_add(struct epitem *it)
{
	struct epoll *ep = it->ep;
	if (it->ready)
		return;
	it->ready = 1;
	it->rd_next = 0;
	if (ep->rd_tail)
		ep->rd_tail->rd_next = it;
	else
		ep->rd_head = it;
	ep->rd_tail = it;
}

static void ready_remove(struct epitem *it)
{
	struct epoll *ep = it->ep;
	struct epitem *prev = 0;
	if (!it->ready)
		return;
	for (struct epitem *p = ep->rd_head; p; prev = p, p = p->rd_next) {
		if (p != it)
			continue;
		if (prev)
			prev->rd_next = p->rd_next;
		else
			ep->rd_head = p->rd_next;
		if (ep->rd_tail == p)
			ep->rd_tail = prev;
		break;
	}
	it->ready = 0;
}

/* A queue of the item's file woke with events. */
static void ep_wake(struct waiter *w, uint32_t events)
{
	struct epitem *it = w->priv;
	uint32_t want = it->events & ~EP_CONTROL;

	if (!want)
		return; /* a ONESHOT that fired */
	if (events && !(events & (want | EPOLLERR | EPOLLHUP)))
		return;
	ready_add(it);
	waitq_wake(&it->ep->wq, EPOLLIN);
}

static void item_queue(struct poll_table *pt, struct waitq *wq);
struct item_table {
	struct poll_table pt;
	struct epitem *it;
};

static void item_queue(struct poll_table *pt, struct waitq *wq)
{
	struct epitem *it = ((struct item_table *)pt)->it;
	if (it->nw == POLL_QUEUES_PER_FILE)
		return;
	struct waiter *w = &it->w[it->nw++];
	*w = (struct waiter){.thread = 0, .func = ep_wake, .priv = it};
	waitq_add(wq, w);
	if (wq->flags & WAITQ_EXTERNAL) {
		it->nexternal++;
		it->ep->nexternal++;
	}
}

/* The item's file's events now, of what it asks for. */
static uint32_t item_poll(struct epitem *it, struct poll_table *pt)
{
	uint32_t want = it->events & ~EP_CONTROL;
	short r = it->of->ops->poll(it->of, (short)(want & 0xffff), pt);
	return (uint32_t)(uint16_t)r & (want | EPOLLERR | EPOLLHUP);
}

static void item_free(struct epitem *it)
{
	struct epoll *ep = it->ep;
	for (int i = 0; i < it->nw; i++)
		waitq_del(&it->w[i]);
	ep->nexternal -= it->nexternal;
	ready_remove(it);
	*it->pprev = it->next;
	if (it->next)
		it->next->pprev = it->pprev;
	*it->file_pprev = it->file_next;
	if (it->file_next)
		it->file_next->file_pprev = it->file_pprev;
	block_put(it);
}

void epoll_file_gone(struct ofile *of)
{
	while (of->epitems)
		item_free(of->epitems);
}

/* ---- the epoll file ---------------------------------------------------------- */

static short ep_poll(struct ofile *of, short events, struct poll_table *pt)
{
	struct epoll *ep = of->priv.ptr;
	short r = 0;

	poll_table_add(pt, &ep->wq);
	for (struct epitem *it = ep->rd_head; it && !r; it = it->rd_next)
		if (item_poll(it, 0))
			r = POLLIN | POLLRDNORM;
	return (short)(r & events);
}

static long ep_stat(struct ofile *of, struct ukvm_stat *u)
{
	(void)of;
	return anon_inode_stat(u);
}

static long ep_statfs(struct ofile *of, struct ukvm_statfs *u)
{
	(void)of;
	return anon_inode_statfs(u);
}

static void ep_release(struct ofile *of)
{
	struct epoll *ep = of->priv.ptr;
	while (ep->items)
		item_free(ep->items);
	block_put(ep);
}

static const struct file_ops ep_ops = {
    .stat = ep_stat,
    .statfs = ep_statfs,
    .poll = ep_poll,
    .release = ep_release,
};

static long ep_create(uint64_t flags)
{
	if (flags & ~(uint64_t)O_CLOEXEC)
		return -EINVAL;
	long fd = fd_reserve(0);
	if (fd < 0)
		return fd;
	struct epoll *ep = block_get();
	struct ofile *of = ep ? ofile_new(&ep_ops, O_RDWR) : 0;
	if (!of) {
		if (ep)
			block_put(ep);
		fd_unreserve(fd);
		return ep ? -ENFILE : -ENOMEM;
	}
	ep->self = of;
	of->priv.ptr = ep;
	fd_install(fd, of, !!(flags & O_CLOEXEC));
	return fd;
}

long sys_epoll_create(const struct syscall_frame *f)
{
	return (int)f->a1 <= 0 ? -EINVAL : ep_create(0);
}

long sys_epoll_create1(const struct syscall_frame *f)
{
	return ep_create(f->a1);
}

/* ---- epoll_ctl ------------------------------------------------------------- */

static struct epoll *as_epoll(struct ofile *of)
{
	return of && of->ops == &ep_ops ? of->priv.ptr : 0;
}

/* The longest chain of epolls below ep (1: ep holds no epoll), or
 * EP_MAX_NESTS + 2 when ep reaches target (a loop). */
static int depth_down(struct epoll *ep, struct epoll *target, int level)
{
	int d = 1;
	if (ep == target || level > EP_MAX_NESTS)
		return EP_MAX_NESTS + 2;
	for (struct epitem *it = ep->items; it; it = it->next) {
		struct epoll *sub = as_epoll(it->of);
		if (sub) {
			int s = depth_down(sub, target, level + 1) + 1;
			if (s > d)
				d = s;
		}
	}
	return d;
}

/* The longest chain of epolls above ep (0: no epoll holds it). */
static int depth_up(struct epoll *ep, int level)
{
	int d = 0;
	if (level > EP_MAX_NESTS)
		return EP_MAX_NESTS + 2;
	for (struct epitem *it = ep->self->epitems; it; it = it->file_next) {
		int u = depth_up(it->ep, level + 1) + 1;
		if (u > d)
			d = u;
	}
	return d;
}

/* Through the file's items (few), not the epoll's (thousands). */
static struct epitem *item_find(struct epoll *ep, struct ofile *of, int fd)
{
	for (struct epitem *it = of->epitems; it; it = it->file_next)
		if (it->ep == ep && it->fd == fd)
			return it;
	return 0;
}

static long ep_add(struct epoll *ep, struct ofile *of, int fd, const struct ep_event *ev)
{
	struct epoll *sub = as_epoll(of);
	if (sub && depth_up(ep, 0) + depth_down(sub, ep, 0) > EP_MAX_NESTS)
		return -ELOOP;
	struct epitem *it = block_get();
	if (!it)
		return -ENOMEM;
	*it = (struct epitem){.ep = ep, .of = of, .fd = fd, .events = ev->events, .data = ev->data};
	it->next = ep->items;
	if (ep->items)
		ep->items->pprev = &it->next;
	it->pprev = &ep->items;
	ep->items = it;
	it->file_next = of->epitems;
	if (of->epitems)
		of->epitems->file_pprev = &it->file_next;
	it->file_pprev = &of->epitems;
	of->epitems = it;
	struct item_table t = {.pt.queue = item_queue, .it = it};
	if (item_poll(it, &t.pt)) {
		ready_add(it);
		waitq_wake(&ep->wq, EPOLLIN);
	}
	return 0;
}

long sys_epoll_ctl(const struct syscall_frame *f)
{
	struct ofile *epf = fd_get(f->a1), *of = fd_get(f->a3);
	int op = (int)f->a2, fd = (int)f->a3;
	struct ep_event ev = {0};

	if (op != EPOLL_CTL_DEL) {
		if (!user_range_ok(f->a4, sizeof(ev)))
			return -EFAULT;
		ev = *(const struct ep_event *)(uintptr_t)f->a4;
	}
	if (!epf || !of)
		return -EBADF;
	if (!of->ops->poll)
		return -EPERM; /* as Linux for regular files and directories */
	struct epoll *ep = as_epoll(epf);
	if (!ep || of == epf)
		return -EINVAL;
	if ((ev.events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD || as_epoll(of) ||
	     (ev.events & ~(uint32_t)(EPOLLEXCLUSIVE | EPOLLET | EPOLLWAKEUP | 0x1 | 0x4 | 0x8 |
				      0x10 | 0x40 | 0x100 | 0x2000 | 0x2))))
		return -EINVAL;
	struct epitem *it = item_find(ep, of, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (it)
			return -EEXIST;
		ev.events |= EPOLLERR | EPOLLHUP;
		return ep_add(ep, of, fd, &ev);
	case EPOLL_CTL_DEL:
		if (!it)
			return -ENOENT;
		item_free(it);
		return 0;
	case EPOLL_CTL_MOD:
		if (!it)
			return -ENOENT;
		if (it->events & EPOLLEXCLUSIVE)
			return -EINVAL;
		it->events = ev.events | EPOLLERR | EPOLLHUP;
		it->data = ev.data;
		if (item_poll(it, 0)) {
			ready_add(it);
			waitq_wake(&ep->wq, EPOLLIN);
		}
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---- epoll_wait ------------------------------------------------------------ */

/* Moves up to max ready events to out; returns how many. */
static long ep_collect(struct epoll *ep, struct ep_event *out, long max)
{
	struct epitem *list = ep->rd_head, *again = 0, **again_tail = &again;
	long n = 0;

	ep->rd_head = ep->rd_tail = 0;
	while (list && n < max) {
		struct epitem *it = list;
		list = it->rd_next;
		it->ready = 0;
		it->rd_next = 0;
		uint32_t r = item_poll(it, 0);
		if (!r)
			continue;
		out[n++] = (struct ep_event){.events = r, .data = it->data};
		if (it->events & EPOLLONESHOT)
			it->events &= EP_CONTROL;
		else if (!(it->events & EPOLLET)) {
			it->ready = 1; /* level-triggered: looked at again next time */
			*again_tail = it;
			again_tail = &it->rd_next;
		}
	}
	/* the rest first (not looked at yet), then the level-triggered ones,
	 * then what woke meanwhile */
	struct epitem *woke = ep->rd_head;
	ep->rd_head = ep->rd_tail = 0;
	for (struct epitem *l[3] = {list, again, woke}, **p = l; p < l + 3; p++)
		for (struct epitem *it = *p, *next; it; it = next) {
			next = it->rd_next;
			it->ready = 0;
			ready_add(it);
		}
	return n;
}

static long ep_wait(uint64_t epfd, uint64_t events, uint64_t maxevents, uint64_t deadline,
		    int nonblock)
{
	struct ofile *epf = fd_get(epfd);
	long max = (long)(int)maxevents;

	if (max <= 0 || max > EP_MAX_EVENTS)
		return -EINVAL;
	/* as Linux: a bad buffer is EFAULT once there is an event to write */
	int buf_ok = user_range_ok(events, (uint64_t)max * sizeof(struct ep_event));
	if (!epf)
		return -EBADF;
	struct epoll *ep = as_epoll(epf);
	if (!ep)
		return -EINVAL;
	ofile_get(epf); /* another thread may close it while this one waits */
	long n;
	for (;;) {
		if (!buf_ok)
			n = ep_poll(epf, POLLIN, 0) ? -EFAULT : 0;
		else
			n = ep_collect(ep, (struct ep_event *)(uintptr_t)events, max);
		if (n || nonblock)
			break;
		struct waiter w;
		waiter_init(&w);
		waitq_add(&ep->wq, &w);
		int r =
		    sched_block_on(WAIT_POLL, (uint64_t)(uintptr_t)ep, deadline, ep->nexternal > 0);
		waitq_del(&w);
		if (r == -EINTR) {
			n = -ERESTARTNOHAND;
			break;
		}
		if (r == -ETIMEDOUT)
			nonblock = 1; /* one last look */
	}
	ofile_put(epf);
	return n;
}

static uint64_t ms_deadline(int ms, int *nonblock)
{
	*nonblock = ms == 0;
	return ms <= 0 ? 0 : tsc_after_ns((uint64_t)ms * 1000000u);
}

long sys_epoll_wait(const struct syscall_frame *f)
{
	int nonblock;
	uint64_t d = ms_deadline((int)f->a4, &nonblock);
	return ep_wait(f->a1, f->a2, f->a3, d, nonblock);
}

/* epoll_pwait's and epoll_pwait2's mask: as ppoll's (fd.c). */
static long pwait(const struct syscall_frame *f, uint64_t d, int nonblock)
{
	long r = poll_mask_set(f->a5, f->a6);
	if (r)
		return r;
	return poll_mask_done(f->a5, ep_wait(f->a1, f->a2, f->a3, d, nonblock));
}

long sys_epoll_pwait(const struct syscall_frame *f)
{
	int nonblock;
	uint64_t d = ms_deadline((int)f->a4, &nonblock);
	return pwait(f, d, nonblock);
}

long sys_epoll_pwait2(const struct syscall_frame *f)
{
	uint64_t ns = 0;
	int nonblock = 0;
	if (f->a4) {
		int64_t r = read_timespec(f->a4, &ns);
		if (r)
			return r;
		nonblock = ns == 0;
	}
	return pwait(f, ns ? tsc_after_ns(ns) : 0, nonblock);
}
