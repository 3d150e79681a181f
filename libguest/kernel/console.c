/*
 * The host's standard streams as open files (console.h): stdout and
 * stderr through the writev hypercall (a closed pipe ends the program as
 * SIGPIPE would), stdin through the read hypercall; the terminal window size from the boot info,
 * fstat and fstatfs from the VMM's own fstat and fstatfs of its stream. priv.id is the stream,
 * 0..2.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>

#include "kernel.h"
#include "console.h"
#include "cpu.h"
#include "ksignal.h"
#include "sched.h"
#include "sock.h"
#include "syscall.h"

/*
 * Waiting for stdin. With a network the VMM watches its fd 0 and reports
 * it in the event page's slot 0, as a socket's readiness
 * (inet_stdin_attach): a read clears POLLIN, reads without waiting and,
 * on -EAGAIN, parks its thread on stdin_wq, which inet_interrupt wakes;
 * the vCPU is free meanwhile, for other threads and other events. The
 * VMM's watch is edge triggered and its mark a hint, so poll asks the VMM
 * (poll_stdin with no wait) when slot 0 says POLLIN or a read may have
 * left data behind (maybe_in), and says "not readable" only then. Without
 * a network, the read hypercall waits in the VMM, and a poll of stdin
 * with no thread to run waits there too (host_poll, the poll_stdin
 * hypercall), holding the vCPU.
 */
static long stdin_poll_host(int64_t timeout_ms);
static struct waitq stdin_wq = {.flags = WAITQ_EXTERNAL, .host_poll = stdin_poll_host};
static int stdin_events; /* slot 0 serves stdin */
static int maybe_in;	 /* data may be left since the last read */

static long console_read(struct ofile *of, const struct fd_io *io)
{
	/* only stdin is open for reading */
	if (io->cnt == 0)
		return 0;
	/* The first buffer only: a short read, as from a terminal or pipe. */
	struct ukvm_hc_read hc = {.fd = 0, .buf = io->iov[0].base, .len = io->iov[0].len};
	if (!stdin_events) {
		hc_read(&hc);
		return hc.ret;
	}
	hc.flags = UKVM_READ_F_NONBLOCK;
	for (;;) {
		inet_stdin_take();
		hc_read(&hc);
		maybe_in = hc.ret > 0;
		if (hc.ret != -EAGAIN || (of->flags & O_NONBLOCK))
			return hc.ret;
		if (inet_stdin_want() & (POLLIN | POLLHUP | POLLERR))
			continue; /* came since the read */
		int r = waitq_block(&stdin_wq, WAIT_IO, 0);
		if (r)
			return r == -EINTR ? -ERESTARTSYS : r;
	}
}

static long console_write(struct ofile *of, const struct fd_io *io)
{
	struct ukvm_hc_writev hc = {.fd = (uint32_t)of->priv.id,
				    .iovcnt = (uint32_t)io->cnt,
				    .iov = (uint64_t)(uintptr_t)io->iov};
	hc_writev(&hc);
	if (hc.ret == -EPIPE) {
		/* Like Linux: the default action of SIGPIPE ends the program. */
		struct ukvm_cpu_state st;
		frame_state(io->f, &st);
		guest_die_by_signal(SIGPIPE, &st);
	}
	return hc.ret;
}

static long console_ioctl(struct ofile *of, uint64_t req, uint64_t arg)
{
	uint64_t stream = of->priv.id;
	if (req != TIOCGWINSZ || !(boot_info.stdio_tty & (1u << stream)))
		return -ENOTTY;
	if (!user_range_ok(arg, sizeof(struct winsize)))
		return -EFAULT;
	const struct ukvm_winsize *w = &boot_info.winsize[stream];
	*(struct winsize *)(uintptr_t)arg = (struct winsize){
	    .ws_row = w->rows, .ws_col = w->cols, .ws_xpixel = w->xpixel, .ws_ypixel = w->ypixel};
	return 0;
}

static long console_stat(struct ofile *of, struct ukvm_stat *u)
{
	/* handles 0..2 are the VMM's own streams: a pipe, a terminal, a
	 * regular file and /dev/null look as they are */
	struct ukvm_hc_fs_stat hc = {.handle = (int32_t)of->priv.id, .st = (uint64_t)(uintptr_t)u};
	hc_fs_stat(&hc);
	return hc.ret;
}

static long console_statfs(struct ofile *of, struct ukvm_statfs *u)
{
	/* the file systems of the VMM's own streams: pipefs, devpts, ... */
	struct ukvm_hc_fs_statfs hc = {.handle = (int32_t)of->priv.id,
				       .sfs = (uint64_t)(uintptr_t)u};
	hc_fs_statfs(&hc);
	return hc.ret;
}

/* 1 when stdin is readable (or at EOF), 0 after timeout_ms (-1: none). */
static long stdin_poll_host(int64_t timeout_ms)
{
	struct ukvm_hc_poll_stdin hc = {.timeout_ms = timeout_ms > INT32_MAX ? INT32_MAX
									     : (int32_t)timeout_ms};
	hc_poll_stdin(&hc);
	return hc.ret;
}

static short console_poll(struct ofile *of, short events, struct poll_table *pt)
{
	if (of->priv.id != 0) /* stdout, stderr: writes never wait */
		return events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
	poll_table_add(pt, &stdin_wq);
	if (!(events & (POLLIN | POLLRDNORM)))
		return 0;
	if (!stdin_events)
		return stdin_poll_host(0) > 0 ? events & (POLLIN | POLLRDNORM) : 0;
	uint32_t ev = inet_stdin_want();
	if (ev & (POLLHUP | POLLERR))
		return events & (POLLIN | POLLRDNORM); /* the end: stays readable */
	if (!(ev & POLLIN) && !maybe_in)
		return 0;
	/* A hint (an edge, the mark of ev_setup, or what a read may have
	 * left): the VMM says whether data is there, and a new edge after
	 * the clear raises the interrupt again. */
	inet_stdin_take();
	maybe_in = stdin_poll_host(0) > 0;
	return maybe_in ? events & (POLLIN | POLLRDNORM) : 0;
}

static const struct file_ops console_ops = {
    .read = console_read,
    .write = console_write,
    .ioctl = console_ioctl,
    .stat = console_stat,
    .statfs = console_statfs,
    .poll = console_poll,
};

struct ofile *console_ofile(int stream)
{
	if (stream == 0 && !(stdin_events = inet_stdin_attach(&stdin_wq)))
		sched_host_poll(&stdin_wq);
	struct ofile *of = ofile_new(&console_ops, stream == 0 ? O_RDONLY : O_WRONLY);
	if (of)
		of->priv.id = (uint64_t)stream;
	return of;
}
