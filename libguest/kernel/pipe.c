/*
 * Pipes inside the guest: a 64 KiB buffer each, at most four. There is one
 * process, so a read that would wait for ever fails with EDEADLK instead
 * (EAGAIN with O_NONBLOCK), and so does a write to a full pipe; a write
 * with no reader left ends the program as SIGPIPE would.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>

#include "kernel.h"
#include "fd.h"
#include "syscall.h"

#define PIPE_SIZE 65536

struct pipe {
	unsigned readers, writers;
	uint32_t head, len;
	uint8_t buf[PIPE_SIZE];
};

static struct pipe pipes[4];

long sys_pipe2(const struct syscall_frame *f)
{
	struct pipe *p = NULL;
	uint64_t flags = f->a2;

	if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (!user_range_ok(f->a1, 2 * sizeof(int)))
		return -EFAULT;
	for (unsigned i = 0; i < ARRAY_SIZE(pipes) && !p; i++)
		if (!pipes[i].readers && !pipes[i].writers)
			p = &pipes[i];
	if (!p)
		return -ENFILE;
	struct ofile *r = ofile_new(OF_PIPE);
	if (!r)
		return -EMFILE;
	struct ofile *w = ofile_new(OF_PIPE);
	if (!w) {
		r->kind = OF_FREE;
		return -EMFILE;
	}
	*p = (struct pipe){.readers = 1, .writers = 1};
	r->pipe = w->pipe = p;
	r->flags = O_RDONLY | ((uint32_t)flags & O_NONBLOCK);
	w->flags = O_WRONLY | ((uint32_t)flags & O_NONBLOCK);
	long rfd = fd_install(r, 0, !!(flags & O_CLOEXEC));
	long wfd = rfd < 0 ? rfd : fd_install(w, 0, !!(flags & O_CLOEXEC));
	if (wfd < 0) {
		if (rfd >= 0)
			fd_close((uint64_t)rfd);
		else {
			r->refs = 1;
			ofile_put(r);
		}
		w->refs = 1;
		ofile_put(w);
		return wfd;
	}
	int *out = (int *)(uintptr_t)f->a1;
	out[0] = (int)rfd;
	out[1] = (int)wfd;
	return 0;
}

long sys_pipe(const struct syscall_frame *f)
{
	struct syscall_frame g = *f;
	g.a2 = 0;
	return sys_pipe2(&g);
}

long pipe_read(struct ofile *of, const struct ukvm_iovec *iov, uint64_t cnt)
{
	struct pipe *p = of->pipe;
	long total = 0;

	if (p->len == 0)
		return !p->writers ? 0 : (of->flags & O_NONBLOCK) ? -EAGAIN : -EDEADLK;
	for (uint64_t i = 0; i < cnt && p->len; i++) {
		uint8_t *dst = (uint8_t *)(uintptr_t)iov[i].base;
		for (uint64_t k = 0; k < iov[i].len && p->len; k++) {
			dst[k] = p->buf[p->head];
			p->head = (p->head + 1) % PIPE_SIZE;
			p->len--;
			total++;
		}
	}
	return total;
}

long pipe_write(const struct syscall_frame *f, struct ofile *of, const struct ukvm_iovec *iov,
		uint64_t cnt)
{
	struct pipe *p = of->pipe;
	long total = 0;

	if (!p->readers) {
		struct ukvm_cpu_state st;
		frame_state(f, &st);
		guest_die_by_signal(SIGPIPE, &st);
	}
	for (uint64_t i = 0; i < cnt; i++) {
		const uint8_t *src = (const uint8_t *)(uintptr_t)iov[i].base;
		for (uint64_t k = 0; k < iov[i].len; k++) {
			if (p->len == PIPE_SIZE && total)
				return total;
			if (p->len == PIPE_SIZE)
				return (of->flags & O_NONBLOCK) ? -EAGAIN : -EDEADLK;
			p->buf[(p->head + p->len) % PIPE_SIZE] = src[k];
			p->len++;
			total++;
		}
	}
	return total;
}

void pipe_release(struct ofile *of)
{
	if ((of->flags & O_ACCMODE) == O_WRONLY)
		of->pipe->writers--;
	else
		of->pipe->readers--;
}

void pipe_stat(const struct ofile *of, struct ukvm_stat *u)
{
	*u = (struct ukvm_stat){.mode = S_IFIFO | 0600,
				.nlink = 1,
				.blksize = 4096,
				.dev = 12,
				.ino = (uint64_t)(of->pipe - pipes) + 1};
}

short pipe_poll(const struct ofile *of, short events)
{
	const struct pipe *p = of->pipe;
	short ready;

	if ((of->flags & O_ACCMODE) == O_RDONLY)
		ready = p->len ? POLLIN | POLLRDNORM : !p->writers ? POLLHUP : 0;
	else if (!p->readers)
		ready = POLLERR;
	else
		ready = p->len < PIPE_SIZE ? POLLOUT | POLLWRNORM : 0;
	return (short)(ready & (events | POLLHUP | POLLERR));
}
