/*
 * timerfd_create, timerfd_settime, timerfd_gettime: a timer of the
 * process's timers (timer.c, TSC deadlines armed with the scheduler's)
 * as an open file (priv.ptr: its struct tfd). Each expiry adds to the
 * count and wakes the queue; a read of 8 bytes or more takes the count,
 * and parks the thread while it is 0 (EAGAIN with TFD_NONBLOCK).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>

#include "kernel.h"
#include "fd.h"
#include "ksignal.h"
#include "sched.h"
#include "syscall.h"

#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2

struct tfd {
	uint64_t count;
	int timer;
	struct waitq wq;
};

static long tfd_read(struct ofile *of, const struct fd_io *io)
{
	struct tfd *t = of->priv.ptr;

	if (io->cnt == 0 || io->iov[0].len < 8)
		return -EINVAL;
	while (t->count == 0) {
		if (of->flags & O_NONBLOCK)
			return -EAGAIN;
		int r = waitq_block(&t->wq, WAIT_IO, 0);
		if (r)
			return r == -EINTR ? -ERESTARTSYS : r;
	}
	*(uint64_t *)(uintptr_t)io->iov[0].base = t->count;
	t->count = 0;
	return 8;
}

static short tfd_poll(struct ofile *of, short events, struct poll_table *pt)
{
	struct tfd *t = of->priv.ptr;
	poll_table_add(pt, &t->wq);
	return (short)(t->count ? events & (POLLIN | POLLRDNORM) : 0);
}

static long tfd_stat(struct ofile *of, struct ukvm_stat *u)
{
	(void)of;
	return anon_inode_stat(u);
}

static long tfd_statfs(struct ofile *of, struct ukvm_statfs *u)
{
	(void)of;
	return anon_inode_statfs(u);
}

static void tfd_release(struct ofile *of)
{
	struct tfd *t = of->priv.ptr;
	timer_fd_delete(t->timer);
	mm_munmap((uint64_t)(uintptr_t)t, UKVM_PAGE_SIZE);
}

static const struct file_ops tfd_ops = {
    .read = tfd_read,
    .stat = tfd_stat,
    .statfs = tfd_statfs,
    .poll = tfd_poll,
    .release = tfd_release,
};

long sys_timerfd_create(const struct syscall_frame *f)
{
	int clk = (int)f->a1;
	uint64_t flags = f->a2;

	if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME)
		return -EINVAL; /* the alarm clocks: not offered */
	if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	long fd = fd_reserve(0);
	if (fd < 0)
		return fd;
	long m = mm_mmap(0, UKVM_PAGE_SIZE, 3, 0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */, -1, 0);
	struct tfd *t = m > 0 ? (struct tfd *)(uintptr_t)m : 0;
	int id = t ? timer_fd_create(clk, &t->count, &t->wq) : -ENOMEM;
	struct ofile *of =
	    id >= 0 ? ofile_new(&tfd_ops, O_RDONLY | ((uint32_t)flags & O_NONBLOCK)) : 0;
	if (!of) {
		if (id >= 0)
			timer_fd_delete(id);
		if (t)
			mm_munmap((uint64_t)m, UKVM_PAGE_SIZE);
		fd_unreserve(fd);
		return id < 0 ? id : -ENFILE;
	}
	t->count = 0;
	t->timer = id;
	waitq_init(&t->wq, 0);
	of->priv.ptr = t;
	fd_install(fd, of, !!(flags & O_CLOEXEC));
	return fd;
}

static struct tfd *tfd_arg(uint64_t fd, long *err)
{
	struct ofile *of = fd_get(fd);
	*err = !of ? -EBADF : of->ops != &tfd_ops ? -EINVAL : 0;
	return *err ? 0 : of->priv.ptr;
}

long sys_timerfd_settime(const struct syscall_frame *f)
{
	long err;
	struct tfd *t = tfd_arg(f->a1, &err);
	if (!t)
		return err;
	if (f->a2 & ~(uint64_t)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
		return -EINVAL;
	return timer_fd_settime(t->timer, f->a2 & TFD_TIMER_ABSTIME, f->a3, f->a4);
}

long sys_timerfd_gettime(const struct syscall_frame *f)
{
	long err;
	struct tfd *t = tfd_arg(f->a1, &err);
	return t ? timer_fd_gettime(t->timer, f->a2) : err;
}
