/*
 * eventfd and eventfd2: a 64-bit counter as an open file (priv.ptr: its
 * struct efd). Reads and writes move 8 bytes (fewer: EINVAL); a read
 * takes the whole count (EFD_SEMAPHORE: 1) and waits while it is 0; a
 * write adds, and waits while the sum would pass 0xfffffffffffffffe
 * (EAGAIN with O_NONBLOCK); a write of 0xffffffffffffffff is EINVAL. As
 * pipes do, a wait that nothing could ever end (one thread, no timer
 * armed) fails with EDEADLK. The state comes from the page allocator, one
 * page per eventfd; readers, writers, poll and epoll wait on its queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>

#include "kernel.h"
#include "fd.h"
#include "ksignal.h"
#include "sched.h"
#include "syscall.h"

#define EFD_SEMAPHORE 1
#define EFD_MAXCOUNT 0xfffffffffffffffeull
/* What Linux's anonymous inodes look like: mode 0600 and no file type,
 * on anon_inodefs (ANON_INODE_FS_MAGIC), whose device number varies. */
#define ANON_INODE_FS_MAGIC 0x09041934
#define ANON_DEV 13

struct efd {
	uint64_t count;
	int semaphore;
	struct waitq wq;
};

/* Bytes of io's buffers, and copies between them and an 8-byte value. */
static uint64_t io_len(const struct fd_io *io)
{
	uint64_t n = 0;
	for (uint64_t i = 0; i < io->cnt; i++)
		n += io->iov[i].len;
	return n;
}

static void io_copy(const struct fd_io *io, uint8_t *v, int to_user)
{
	uint64_t done = 0;
	for (uint64_t i = 0; i < io->cnt && done < 8; i++) {
		uint8_t *b = (uint8_t *)(uintptr_t)io->iov[i].base;
		for (uint64_t k = 0; k < io->iov[i].len && done < 8; k++, done++) {
			if (to_user)
				b[k] = v[done];
			else
				v[done] = b[k];
		}
	}
}

/* Waits on e's queue: 0 to look again, or the error to return. */
static long efd_wait(struct efd *e)
{
	if (!sched_program_interrupts())
		return -EDEADLK;
	int r = waitq_block(&e->wq, WAIT_IO, 0);
	return r == -EINTR ? -ERESTARTSYS : r;
}

static long efd_read(struct ofile *of, const struct fd_io *io)
{
	struct efd *e = of->priv.ptr;
	uint64_t v;

	if (io_len(io) < 8)
		return -EINVAL;
	while (e->count == 0) {
		if (of->flags & O_NONBLOCK)
			return -EAGAIN;
		long r = efd_wait(e);
		if (r)
			return r;
	}
	v = e->semaphore ? 1 : e->count;
	e->count -= v;
	io_copy(io, (uint8_t *)&v, 1);
	waitq_wake(&e->wq, POLLOUT | POLLWRNORM);
	return 8;
}

static long efd_write(struct ofile *of, const struct fd_io *io)
{
	struct efd *e = of->priv.ptr;
	uint64_t v = 0;

	if (io_len(io) < 8)
		return -EINVAL;
	io_copy(io, (uint8_t *)&v, 0);
	if (v == ~0ull)
		return -EINVAL;
	while (EFD_MAXCOUNT - e->count < v) {
		if (of->flags & O_NONBLOCK)
			return -EAGAIN;
		long r = efd_wait(e);
		if (r)
			return r;
	}
	e->count += v;
	if (v)
		waitq_wake(&e->wq, POLLIN | POLLRDNORM);
	return 8;
}

static short efd_poll(struct ofile *of, short events, struct poll_table *pt)
{
	const struct efd *e = of->priv.ptr;
	short ready = 0;

	if (e->count)
		ready |= POLLIN | POLLRDNORM;
	if (e->count < EFD_MAXCOUNT)
		ready |= POLLOUT | POLLWRNORM;
	poll_table_add(pt, &((struct efd *)of->priv.ptr)->wq);
	return (short)(ready & (events | POLLHUP | POLLERR));
}

long anon_inode_stat(struct ukvm_stat *u)
{
	*u = (struct ukvm_stat){
	    .mode = 0600, .nlink = 1, .blksize = 4096, .dev = ANON_DEV, .ino = 1};
	return 0;
}

long anon_inode_statfs(struct ukvm_statfs *u)
{
	return pseudo_fs_statfs(u, ANON_INODE_FS_MAGIC, ANON_DEV);
}

static long efd_stat(struct ofile *of, struct ukvm_stat *u)
{
	(void)of;
	return anon_inode_stat(u);
}

static long efd_statfs(struct ofile *of, struct ukvm_statfs *u)
{
	(void)of;
	return anon_inode_statfs(u);
}

static void efd_release(struct ofile *of)
{
	mm_munmap((uint64_t)(uintptr_t)of->priv.ptr, UKVM_PAGE_SIZE);
}

static const struct file_ops efd_ops = {
    .read = efd_read,
    .write = efd_write,
    .stat = efd_stat,
    .statfs = efd_statfs,
    .poll = efd_poll,
    .release = efd_release,
};

static long efd_create(uint64_t initval, uint64_t flags)
{
	if (flags & ~(uint64_t)(EFD_SEMAPHORE | O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	long fd = fd_reserve(0);
	if (fd < 0)
		return fd;
	long m = mm_mmap(0, UKVM_PAGE_SIZE, 3, 0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */, -1, 0);
	struct ofile *of = m > 0 ? ofile_new(&efd_ops, O_RDWR | ((uint32_t)flags & O_NONBLOCK)) : 0;
	if (!of) {
		if (m > 0)
			mm_munmap((uint64_t)m, UKVM_PAGE_SIZE);
		fd_unreserve(fd);
		return m > 0 ? -ENFILE : -ENOMEM;
	}
	struct efd *e = (struct efd *)(uintptr_t)m;
	*e = (struct efd){.count = (uint32_t)initval, .semaphore = !!(flags & EFD_SEMAPHORE)};
	of->priv.ptr = e;
	fd_install(fd, of, !!(flags & O_CLOEXEC));
	return fd;
}

long sys_eventfd(const struct syscall_frame *f)
{
	return efd_create(f->a1, 0);
}

long sys_eventfd2(const struct syscall_frame *f)
{
	return efd_create(f->a1, f->a2);
}
