/*
 * The fd table (fd.h) and the calls that work on any fd: close, dup,
 * fcntl, read and write in all their forms, lseek, ioctl, ftruncate,
 * fsync, poll. Reads and writes of --dir files go to the VMM as one
 * hypercall with the program's own buffers (no copy here).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "kernel.h"
#include "fd.h"
#include "syscall.h"

struct fdent {
	struct ofile *of;
	int cloexec;
};

static struct ofile ofiles[FD_MAX];
static struct fdent fds[FD_MAX];
static struct ukvm_iovec io_iov[UKVM_IOV_MAX];

/* ---- tables -------------------------------------------------------------- */

struct ofile *ofile_new(enum ofile_kind kind)
{
	for (unsigned i = 0; i < FD_MAX; i++) {
		if (ofiles[i].kind == OF_FREE) {
			ofiles[i].kind = kind;
			ofiles[i].refs = 0;
			ofiles[i].flags = 0;
			ofiles[i].pipe = NULL;
			ofiles[i].path[0] = '\0';
			return &ofiles[i];
		}
	}
	return NULL;
}

void ofile_put(struct ofile *of)
{
	if (--of->refs)
		return;
	if (of->kind == OF_FILE) {
		struct ukvm_hc_fs_handle hc = {.handle = of->handle};
		hypercall(UKVM_HC_FS_CLOSE, &hc);
	} else if (of->kind == OF_PIPE) {
		pipe_release(of);
	}
	of->kind = OF_FREE;
}

long fd_install(struct ofile *of, uint64_t min, int cloexec)
{
	for (uint64_t fd = min; fd < FD_MAX; fd++) {
		if (!fds[fd].of) {
			fds[fd] = (struct fdent){of, cloexec};
			of->refs++;
			return (long)fd;
		}
	}
	return -EMFILE;
}

struct ofile *fd_get(uint64_t fd)
{
	return fd < FD_MAX ? fds[fd].of : NULL;
}

void fd_close(uint64_t fd)
{
	struct ofile *of = fds[fd].of;
	fds[fd].of = NULL;
	ofile_put(of);
}

void fd_init(void)
{
	for (unsigned i = 0; i < 3; i++) {
		struct ofile *of = ofile_new(OF_CONSOLE);
		of->handle = (int32_t)i;
		of->flags = i == 0 ? O_RDONLY : O_WRONLY;
		fd_install(of, i, 0);
	}
}

/* ---- close, dup, fcntl ---------------------------------------------------- */

long sys_close(const struct syscall_frame *f)
{
	if (!fd_get(f->a1))
		return -EBADF;
	fd_close(f->a1);
	return 0;
}

static long do_dup3(uint64_t oldfd, uint64_t newfd, int cloexec)
{
	struct ofile *of = fd_get(oldfd);
	if (!of || newfd >= FD_MAX)
		return -EBADF;
	if (oldfd == newfd)
		return (long)newfd;
	of->refs++; /* keep it while newfd, which may share it, is closed */
	if (fds[newfd].of)
		fd_close(newfd);
	fds[newfd] = (struct fdent){of, cloexec};
	return (long)newfd;
}

long sys_dup(const struct syscall_frame *f)
{
	struct ofile *of = fd_get(f->a1);
	return of ? fd_install(of, 0, 0) : -EBADF;
}

long sys_dup2(const struct syscall_frame *f)
{
	if (f->a1 == f->a2)
		return fd_get(f->a1) ? (long)f->a2 : -EBADF;
	return do_dup3(f->a1, f->a2, 0);
}

long sys_dup3(const struct syscall_frame *f)
{
	if (f->a3 & ~(uint64_t)O_CLOEXEC)
		return -EINVAL;
	if (f->a1 == f->a2)
		return -EINVAL;
	return do_dup3(f->a1, f->a2, !!(f->a3 & O_CLOEXEC));
}

long sys_fcntl(const struct syscall_frame *f)
{
	struct ofile *of = fd_get(f->a1);
	uint64_t arg = f->a3;

	if (!of)
		return -EBADF;
	switch (f->a2) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg >= FD_MAX)
			return -EINVAL;
		return fd_install(of, arg, f->a2 == F_DUPFD_CLOEXEC);
	case F_GETFD:
		return fds[f->a1].cloexec ? FD_CLOEXEC : 0;
	case F_SETFD:
		fds[f->a1].cloexec = !!(arg & FD_CLOEXEC);
		return 0;
	case F_GETFL:
		return of->flags;
	case F_SETFL:
		of->flags = (of->flags & ~(uint32_t)O_NONBLOCK) | ((uint32_t)arg & O_NONBLOCK);
		return 0;
	case F_GETLK:
		if (!user_range_ok(arg, sizeof(struct flock)))
			return -EFAULT;
		/* one process: nobody else holds a lock */
		((struct flock *)(uintptr_t)arg)->l_type = F_UNLCK;
		return 0;
	case F_SETLK:
	case F_SETLKW:
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---- read and write ------------------------------------------------------ */

/* Copies and checks a user iovec array into io_iov (empty ones left out). */
static long get_iov(uint64_t addr, uint64_t cnt, uint64_t *n)
{
	if (cnt > UKVM_IOV_MAX)
		return -EINVAL;
	if (!user_range_ok(addr, cnt * sizeof(struct ukvm_iovec)))
		return -EFAULT;
	const struct ukvm_iovec *user = (const struct ukvm_iovec *)(uintptr_t)addr;
	*n = 0;
	for (uint64_t i = 0; i < cnt; i++) {
		struct ukvm_iovec v = user[i];
		if (v.len > (uint64_t)INT64_MAX)
			return -EINVAL;
		if (!user_range_ok(v.base, v.len))
			return -EFAULT;
		if (v.len)
			io_iov[(*n)++] = v;
	}
	return 0;
}

static long file_io(struct ofile *of, uint64_t cnt, int64_t off, int write)
{
	struct ukvm_hc_fs_io hc = {.handle = of->handle,
				   .iovcnt = (uint32_t)cnt,
				   .iov = (uint64_t)(uintptr_t)io_iov,
				   .offset = off};
	hypercall(write ? UKVM_HC_FS_PWRITEV : UKVM_HC_FS_PREADV, &hc);
	return hc.ret;
}

/* read/write/readv/writev (off -1) and the p* forms (off >= 0) on io_iov. */
static long fd_io(const struct syscall_frame *f, uint64_t fd, uint64_t cnt, int64_t off, int write)
{
	struct ofile *of = fd_get(fd);

	if (!of)
		return -EBADF;
	uint32_t acc = of->flags & O_ACCMODE;
	if (write ? acc == O_RDONLY : acc == O_WRONLY)
		return -EBADF;
	if (off != -1 && of->kind != OF_FILE && of->kind != OF_DEV)
		return -ESPIPE;
	switch (of->kind) {
	case OF_CONSOLE:
		if (write)
			return console_writev(f, of->handle, io_iov, cnt);
		return cnt ? console_read(io_iov[0].base, io_iov[0].len) : 0;
	case OF_PIPE:
		return write ? pipe_write(f, of, io_iov, cnt) : pipe_read(of, io_iov, cnt);
	case OF_DEV:
		return dev_io(of, io_iov, cnt, write);
	case OF_FILE:
		return file_io(of, cnt, off, write);
	default:
		return -EBADF;
	}
}

static long buf_io(const struct syscall_frame *f, int64_t off, int write)
{
	if (f->a3 > (uint64_t)INT64_MAX)
		return -EINVAL;
	if (!user_range_ok(f->a2, f->a3))
		return -EFAULT;
	io_iov[0] = (struct ukvm_iovec){.base = f->a2, .len = f->a3};
	return fd_io(f, f->a1, f->a3 ? 1 : 0, off, write);
}

static long vec_io(const struct syscall_frame *f, int64_t off, int write)
{
	uint64_t n;
	long r = get_iov(f->a2, f->a3, &n);
	return r < 0 ? r : fd_io(f, f->a1, n, off, write);
}

long sys_read(const struct syscall_frame *f)
{
	return buf_io(f, -1, 0);
}
long sys_write(const struct syscall_frame *f)
{
	return buf_io(f, -1, 1);
}
long sys_readv(const struct syscall_frame *f)
{
	return vec_io(f, -1, 0);
}
long sys_writev(const struct syscall_frame *f)
{
	return vec_io(f, -1, 1);
}

long sys_pread64(const struct syscall_frame *f)
{
	return (int64_t)f->a4 < 0 ? -EINVAL : buf_io(f, (int64_t)f->a4, 0);
}

long sys_pwrite64(const struct syscall_frame *f)
{
	return (int64_t)f->a4 < 0 ? -EINVAL : buf_io(f, (int64_t)f->a4, 1);
}

long sys_preadv(const struct syscall_frame *f)
{
	return (int64_t)f->a4 < 0 ? -EINVAL : vec_io(f, (int64_t)f->a4, 0);
}

long sys_pwritev(const struct syscall_frame *f)
{
	return (int64_t)f->a4 < 0 ? -EINVAL : vec_io(f, (int64_t)f->a4, 1);
}

long sys_lseek(const struct syscall_frame *f)
{
	struct ofile *of = fd_get(f->a1);
	if (!of)
		return -EBADF;
	if (f->a3 > SEEK_END)
		return -EINVAL;
	if (of->kind == OF_DEV)
		return 0; /* as Linux's null, zero and random devices */
	if (of->kind != OF_FILE)
		return -ESPIPE;
	struct ukvm_hc_fs_handle hc = {
	    .handle = of->handle, .op = (uint32_t)f->a3, .arg = (int64_t)f->a2};
	hypercall(UKVM_HC_FS_SEEK, &hc);
	return hc.ret;
}

long sys_ioctl(const struct syscall_frame *f)
{
	struct ofile *of = fd_get(f->a1);
	if (!of)
		return -EBADF;
	if (of->kind == OF_CONSOLE)
		return console_ioctl(of->handle, f->a2, f->a3);
	return -ENOTTY;
}

long sys_ftruncate(const struct syscall_frame *f)
{
	struct ofile *of = fd_get(f->a1);
	if (!of)
		return -EBADF;
	if (of->kind != OF_FILE || (int64_t)f->a2 < 0)
		return -EINVAL;
	struct ukvm_hc_fs_handle hc = {.handle = of->handle, .arg = (int64_t)f->a2};
	hypercall(UKVM_HC_FS_TRUNCATE, &hc);
	return hc.ret == -EROFS || (of->flags & O_ACCMODE) != O_RDONLY ? hc.ret : -EINVAL;
}

static long do_fsync(uint64_t fd, uint32_t data_only)
{
	struct ofile *of = fd_get(fd);
	if (!of)
		return -EBADF;
	if (of->kind != OF_FILE)
		return -EINVAL;
	struct ukvm_hc_fs_handle hc = {.handle = of->handle, .op = data_only};
	hypercall(UKVM_HC_FS_FSYNC, &hc);
	return hc.ret;
}

long sys_fsync(const struct syscall_frame *f)
{
	return do_fsync(f->a1, 0);
}
long sys_fdatasync(const struct syscall_frame *f)
{
	return do_fsync(f->a1, 1);
}

/* ---- poll ---------------------------------------------------------------- */

/* What fd is ready for now, of events. */
static short poll_one(int fd, short events, int *stdin_wait)
{
	struct ofile *of = fd < 0 ? NULL : fd_get((uint64_t)fd);
	short ready = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

	if (fd < 0)
		return 0;
	if (!of)
		return POLLNVAL;
	if (of->kind == OF_CONSOLE && of->handle == 0) {
		if (!(events & (POLLIN | POLLRDNORM)))
			return 0;
		if (console_poll_stdin(0) > 0)
			return events & (POLLIN | POLLRDNORM);
		*stdin_wait = 1;
		return 0;
	}
	if (of->kind == OF_PIPE)
		return pipe_poll(of, events);
	return ready & events;
}

/* Waits until one of p[0..n) is ready or timeout_ms (-1: none) passes;
 * fills in revents and returns how many are ready. */
static long poll_wait(struct pollfd *p, uint64_t n, int64_t timeout_ms)
{
	for (;;) {
		int stdin_wait = 0;
		long count = 0;
		for (uint64_t i = 0; i < n; i++) {
			p[i].revents = poll_one(p[i].fd, p[i].events, &stdin_wait);
			count += p[i].revents != 0;
		}
		if (count || timeout_ms == 0)
			return count;
		if (stdin_wait) {
			int r = console_poll_stdin(timeout_ms > INT32_MAX ? INT32_MAX
									  : (int)timeout_ms);
			if (r < 0)
				return r;
			if (r == 0 && timeout_ms > 0)
				return 0;
			continue;
		}
		/* Nothing can become ready in a one-thread guest: sleep it out. */
		sleep_ns(timeout_ms < 0 ? UINT64_MAX / 4 : (uint64_t)timeout_ms * 1000000u);
		if (timeout_ms > 0)
			return 0;
	}
}

static long do_poll(uint64_t addr, uint64_t n, int64_t timeout_ms)
{
	if (n > FD_MAX)
		return -EINVAL;
	if (!user_range_ok(addr, n * sizeof(struct pollfd)))
		return -EFAULT;
	return poll_wait((struct pollfd *)(uintptr_t)addr, n, timeout_ms);
}

/* select and pselect6 on top of poll_wait: read set POLLIN, write set
 * POLLOUT, except set POLLPRI; the sets are rewritten with what is ready. */
#define SELECT_MAX 1024 /* FD_SETSIZE */
static long do_select(uint64_t nfds, const uint64_t set_addr[3], int64_t timeout_ms)
{
	static struct pollfd p[FD_MAX];
	static const short ev[3] = {POLLIN, POLLOUT, POLLPRI};
	uint64_t *sets[3];
	uint64_t n = 0, words = (nfds + 63) / 64;

	if (nfds > SELECT_MAX)
		return -EINVAL;
	for (int k = 0; k < 3; k++) {
		if (set_addr[k] && !user_range_ok(set_addr[k], words * 8))
			return -EFAULT;
		sets[k] = (uint64_t *)(uintptr_t)set_addr[k];
	}
	for (uint64_t fd = 0; fd < nfds; fd++) {
		short events = 0;
		for (int k = 0; k < 3; k++)
			if (sets[k] && (sets[k][fd / 64] >> (fd % 64) & 1))
				events |= ev[k];
		if (!events)
			continue;
		if (fd >= FD_MAX || !fd_get(fd))
			return -EBADF;
		p[n++] = (struct pollfd){.fd = (int)fd, .events = events};
	}
	long r = poll_wait(p, n, timeout_ms);
	if (r < 0)
		return r;
	for (int k = 0; k < 3; k++)
		if (sets[k])
			kmemset(sets[k], 0, words * 8);
	long count = 0;
	for (uint64_t i = 0; i < n; i++) {
		short re = p[i].revents;
		int ready[3] = {!!(re & (POLLIN | POLLHUP | POLLERR)), !!(re & (POLLOUT | POLLERR)),
				!!(re & POLLPRI)};
		for (int k = 0; k < 3; k++) {
			if (ready[k] && (p[i].events & ev[k])) {
				sets[k][p[i].fd / 64] |= 1ULL << (p[i].fd % 64);
				count++;
			}
		}
	}
	return count;
}

long sys_select(const struct syscall_frame *f)
{
	const uint64_t sets[3] = {f->a2, f->a3, f->a4};
	int64_t ms = -1;
	if (f->a5) {
		if (!user_range_ok(f->a5, 16))
			return -EFAULT;
		const int64_t *tv = (const int64_t *)(uintptr_t)f->a5;
		if (tv[0] < 0 || tv[1] < 0 || tv[1] >= 1000000)
			return -EINVAL;
		ms = tv[0] * 1000 + (tv[1] + 999) / 1000;
	}
	return do_select(f->a1, sets, ms);
}

long sys_poll(const struct syscall_frame *f)
{
	return do_poll(f->a1, f->a2, (int)f->a3 < 0 ? -1 : (int)f->a3);
}

/* A timespec timeout in ms (rounded up), -1 for none (addr 0), or -errno. */
static int64_t timespec_ms(uint64_t addr)
{
	if (!addr)
		return -1;
	if (!user_range_ok(addr, 16))
		return -EFAULT;
	const int64_t *ts = (const int64_t *)(uintptr_t)addr;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
		return -EINVAL;
	return ts[0] * 1000 + (ts[1] + 999999) / 1000000;
}

long sys_ppoll(const struct syscall_frame *f)
{
	int64_t ms = timespec_ms(f->a3);
	if (ms < -1)
		return ms;
	return do_poll(f->a1, f->a2, ms); /* the signal mask: nothing is delivered */
}

long sys_pselect6(const struct syscall_frame *f)
{
	const uint64_t sets[3] = {f->a2, f->a3, f->a4};
	int64_t ms = timespec_ms(f->a5);
	if (ms < -1)
		return ms;
	return do_select(f->a1, sets, ms);
}

long sys_flock(const struct syscall_frame *f)
{
	return fd_get(f->a1) ? 0 : -EBADF; /* one process: every lock is granted */
}
