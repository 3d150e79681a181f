/*
 * Pipes inside the guest (pipe.h): a 64 KiB buffer each, at most four.
 * Each end is an open file whose priv.ptr is its pipe; the access mode
 * says which end it is. A reader of an empty pipe (a writer of a full
 * one) parks on the pipe's wait queue and other threads run; the other
 * end's write (read, last close) wakes it, and poll, select and epoll wait
 * on the same queue. Writes of at most PIPE_BUF bytes are atomic, longer
 * blocking ones go on until all is written, as on Linux. When nothing
 * else can ever run (one thread, no timer armed whose signal handler
 * could act) a wait that would last for ever fails with EDEADLK instead
 * (EAGAIN with O_NONBLOCK). A write with no reader left ends the program
 * as SIGPIPE's default action does.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>

#include "kernel.h"
#include "pipe.h"
#include "sched.h"
#include "syscall.h"

#define PIPE_SIZE 65536
/* What Linux says of its pipes: st_dev is pipefs's, an anonymous device
 * (its number varies between machines), which statfs also gives as the
 * fsid (as recent Linux does); statfs: pipefs's magic (linux/magic.h),
 * PAGE_SIZE blocks of which there are none, NAME_MAX, flags ST_VALID. */
#define PIPE_DEV 12
#define PIPEFS_MAGIC 0x50495045

#define PIPE_ATOMIC 4096 /* PIPE_BUF */

struct pipe {
	unsigned readers, writers;
	struct waitq wq; /* readers and writers that wait, poll and epoll */
	uint32_t head, len;
	uint8_t buf[PIPE_SIZE];
};

static struct pipe pipes[4];

static int is_reader(const struct ofile *of)
{
	return (of->flags & O_ACCMODE) == O_RDONLY;
}

/* Whether a wait can end: another thread, or a timer's signal. */
static int wait_may_end(void)
{
	return sched_program_interrupts();
}

/* Waits on p's queue: 0 to look again, or the error to return. */
static long pipe_wait(struct pipe *p)
{
	if (!wait_may_end())
		return -EDEADLK;
	int r = waitq_block(&p->wq, WAIT_IO, 0);
	return r == -EINTR ? -ERESTARTSYS : r;
}

static long pipe_read(struct ofile *of, const struct fd_io *io)
{
	struct pipe *p = of->priv.ptr;
	long total = 0;

	while (p->len == 0) {
		if (!p->writers)
			return 0;
		if (of->flags & O_NONBLOCK)
			return -EAGAIN;
		long r = pipe_wait(p);
		if (r)
			return r;
	}
	for (uint64_t i = 0; i < io->cnt && p->len; i++) {
		uint8_t *dst = (uint8_t *)(uintptr_t)io->iov[i].base;
		for (uint64_t k = 0; k < io->iov[i].len && p->len; k++) {
			dst[k] = p->buf[p->head];
			p->head = (p->head + 1) % PIPE_SIZE;
			p->len--;
			total++;
		}
	}
	if (total)
		waitq_wake(&p->wq, POLLOUT | POLLWRNORM);
	return total;
}

NORETURN static void pipe_sigpipe(const struct fd_io *io)
{
	struct ukvm_cpu_state st;
	frame_state(io->f, &st);
	guest_die_by_signal(SIGPIPE, &st);
}

static long pipe_write(struct ofile *of, const struct fd_io *io)
{
	struct pipe *p = of->priv.ptr;
	uint64_t want = 0;
	long total = 0;

	for (uint64_t i = 0; i < io->cnt; i++)
		want += io->iov[i].len;
	/* at most PIPE_BUF bytes go in at once or not at all */
	uint64_t need = want <= PIPE_ATOMIC ? want : 1;
	for (uint64_t i = 0; i < io->cnt; i++) {
		const uint8_t *src = (const uint8_t *)(uintptr_t)io->iov[i].base;
		for (uint64_t k = 0; k < io->iov[i].len; k++) {
			while (p->readers && PIPE_SIZE - p->len < need) {
				long r = 0;
				if (total)
					waitq_wake(&p->wq, POLLIN | POLLRDNORM);
				if (of->flags & O_NONBLOCK)
					r = -EAGAIN;
				else
					r = pipe_wait(p);
				if (r)
					return total ? total : r;
			}
			if (!p->readers) {
				if (total)
					return total;
				pipe_sigpipe(io);
			}
			need = 1;
			p->buf[(p->head + p->len) % PIPE_SIZE] = src[k];
			p->len++;
			total++;
		}
	}
	if (total)
		waitq_wake(&p->wq, POLLIN | POLLRDNORM);
	return total;
}

static long pipe_stat(struct ofile *of, struct ukvm_stat *u)
{
	const struct pipe *p = of->priv.ptr;
	*u = (struct ukvm_stat){.mode = S_IFIFO | 0600,
				.nlink = 1,
				.blksize = 4096,
				.dev = PIPE_DEV,
				.ino = (uint64_t)(p - pipes) + 1};
	return 0;
}

static long pipe_statfs(struct ofile *of, struct ukvm_statfs *u)
{
	(void)of; /* all pipes are on the one pipefs */
	return pseudo_fs_statfs(u, PIPEFS_MAGIC, PIPE_DEV);
}

static short pipe_poll(struct ofile *of, short events, struct poll_table *pt)
{
	const struct pipe *p = of->priv.ptr;
	short ready;

	if (is_reader(of))
		ready = p->len ? POLLIN | POLLRDNORM : !p->writers ? POLLHUP : 0;
	else
		ready = (short)((p->len < PIPE_SIZE ? POLLOUT | POLLWRNORM : 0) |
				(!p->readers ? POLLERR : 0));
	poll_table_add(pt, &((struct pipe *)of->priv.ptr)->wq);
	return (short)(ready & (events | POLLHUP | POLLERR));
}

static void pipe_release(struct ofile *of)
{
	struct pipe *p = of->priv.ptr;
	if (is_reader(of))
		p->readers--;
	else
		p->writers--;
	/* a reader sees the end (POLLHUP), a writer EPIPE (POLLERR) */
	waitq_wake(&p->wq, is_reader(of) ? POLLERR : POLLHUP | POLLIN);
}

static const struct file_ops pipe_ops = {
    .read = pipe_read,
    .write = pipe_write,
    .stat = pipe_stat,
    .statfs = pipe_statfs,
    .poll = pipe_poll,
    .release = pipe_release,
};

/* An end of p, or NULL. */
static struct ofile *pipe_end(struct pipe *p, uint32_t flags)
{
	struct ofile *of = ofile_new(&pipe_ops, flags);
	if (of)
		of->priv.ptr = p;
	return of;
}

long pipe_create(uint32_t flags, struct ofile *end[2])
{
	struct pipe *p = NULL;

	for (unsigned i = 0; i < ARRAY_SIZE(pipes) && !p; i++)
		if (!pipes[i].readers && !pipes[i].writers)
			p = &pipes[i];
	if (!p)
		return -ENFILE;
	*p = (struct pipe){.readers = 1, .writers = 1};
	end[0] = pipe_end(p, O_RDONLY | (flags & O_NONBLOCK));
	end[1] = pipe_end(p, O_WRONLY | (flags & O_NONBLOCK));
	if (end[0] && end[1])
		return 0;
	if (end[0])
		ofile_put(end[0]);
	else
		p->readers = 0;
	if (end[1])
		ofile_put(end[1]);
	else
		p->writers = 0;
	return -ENFILE;
}
