/*
 * Open files and the fd table (fd.h), and the calls that work on any fd:
 * close, dup, fcntl, pipe, read and write in all their forms, lseek,
 * ioctl, ftruncate, fsync, getdents64, poll and select. They reach the
 * file's kind only through its ops.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kernel.h"
#include "console.h"
#include "cpu.h"
#include "fd.h"
#include "ksignal.h"
#include "sched.h"
#include "pipe.h"
#include "syscall.h"

struct fdent {
	struct ofile *of;
	uint8_t cloexec;
	uint8_t reserved; /* taken by fd_reserve, not open yet */
};

static struct ofile ofiles[FD_MAX];
static struct fdent fds[FD_MAX];
static unsigned ofile_next; /* where ofile_new looks first (next fit) */
static uint64_t fd_low;	    /* no fd below it is free: fd_reserve starts there */
/* The iovecs of a read or write being served, checked, are the thread's
 * own (it may park inside the call): up to IOV_STACK on its kernel stack,
 * more in pages taken for the call. */
#define IOV_STACK 16

/* ---- open files ----------------------------------------------------------- */

struct ofile *ofile_new(const struct file_ops *ops, uint32_t flags)
{
	for (unsigned k = 0; k < FD_MAX; k++) {
		unsigned i = (ofile_next + k) % FD_MAX;
		if (!ofiles[i].ops) {
			ofiles[i] = (struct ofile){.ops = ops, .refs = 1, .flags = flags};
			ofile_next = (i + 1) % FD_MAX;
			return &ofiles[i];
		}
	}
	return NULL;
}

struct ofile *ofile_get(struct ofile *of)
{
	of->refs++;
	return of;
}

void ofile_put(struct ofile *of)
{
	if (--of->refs)
		return;
	if (of->epitems)
		epoll_file_gone(of);
	if (of->ops->release)
		of->ops->release(of);
	of->ops = NULL;
}

long pseudo_fs_statfs(struct ukvm_statfs *u, uint64_t magic, uint32_t dev)
{
	*u = (struct ukvm_statfs){.type = magic,
				  .bsize = UKVM_PAGE_SIZE,
				  .fsid = {dev, 0},
				  .namelen = 255,
				  .frsize = UKVM_PAGE_SIZE,
				  .flags = ST_VALID};
	return 0;
}

void poll_table_add(struct poll_table *pt, struct waitq *wq)
{
	if (pt && pt->queue)
		pt->queue(pt, wq);
}

/* ---- the fd table ---------------------------------------------------------- */

uint64_t fd_limit(void)
{
	uint64_t lim = rlimit_cur(RLIMIT_NOFILE);
	return lim < FD_MAX ? lim : FD_MAX;
}

long fd_reserve(uint64_t min)
{
	for (uint64_t fd = min > fd_low ? min : fd_low, lim = fd_limit(); fd < lim; fd++) {
		if (!fds[fd].of && !fds[fd].reserved) {
			fds[fd].reserved = 1;
			if (min <= fd_low)
				fd_low = fd + 1;
			return (long)fd;
		}
	}
	return -EMFILE;
}

void fd_install(long fd, struct ofile *of, int cloexec)
{
	fds[fd] = (struct fdent){.of = of, .cloexec = !!cloexec};
}

void fd_unreserve(long fd)
{
	fds[fd].reserved = 0;
	if ((uint64_t)fd < fd_low)
		fd_low = (uint64_t)fd;
}

struct ofile *fd_get(uint64_t fd)
{
	return fd < FD_MAX ? fds[fd].of : NULL;
}

static void fd_close(uint64_t fd)
{
	struct ofile *of = fds[fd].of;
	fds[fd].of = NULL;
	if (fd < fd_low)
		fd_low = fd;
	ofile_put(of);
}

void fd_init(void)
{
	for (int i = 0; i < 3; i++)
		fd_install(fd_reserve((uint64_t)i), console_ofile(i), 0);
}

/* A new fd >= min for of (one more reference), or -EMFILE. */
static long fd_dup(struct ofile *of, uint64_t min, int cloexec)
{
	long fd = fd_reserve(min);
	if (fd >= 0)
		fd_install(fd, ofile_get(of), cloexec);
	return fd;
}

/* ---- close, dup, fcntl, pipe ------------------------------------------------ */

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
	/* as Linux: a newfd at or above RLIMIT_NOFILE is EBADF, open or not */
	if (!of || newfd >= fd_limit())
		return -EBADF;
	if (oldfd == newfd)
		return (long)newfd;
	ofile_get(of); /* newfd's reference, taken before newfd (maybe sharing it) is closed */
	if (fds[newfd].of)
		fd_close(newfd);
	fd_install((long)newfd, of, cloexec);
	return (long)newfd;
}

long sys_dup(const struct syscall_frame *f)
{
	struct ofile *of = fd_get(f->a1);
	return of ? fd_dup(of, 0, 0) : -EBADF;
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
		if (arg >= fd_limit())
			return -EINVAL;
		return fd_dup(of, arg, f->a2 == F_DUPFD_CLOEXEC);
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

long sys_pipe2(const struct syscall_frame *f)
{
	uint64_t flags = f->a2;
	struct ofile *end[2];
	long fd[2];

	if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (!user_range_ok(f->a1, 2 * sizeof(int)))
		return -EFAULT;
	long r = pipe_create((uint32_t)flags & O_NONBLOCK, end);
	if (r < 0)
		return r;
	fd[0] = fd_reserve(0);
	fd[1] = fd[0] < 0 ? fd[0] : fd_reserve(0);
	if (fd[1] < 0) {
		if (fd[0] >= 0)
			fd_unreserve(fd[0]);
		ofile_put(end[0]);
		ofile_put(end[1]);
		return fd[1];
	}
	for (int i = 0; i < 2; i++)
		fd_install(fd[i], end[i], !!(flags & O_CLOEXEC));
	int *out = (int *)(uintptr_t)f->a1;
	out[0] = (int)fd[0];
	out[1] = (int)fd[1];
	return 0;
}

long sys_pipe(const struct syscall_frame *f)
{
	struct syscall_frame g = *f;
	g.a2 = 0;
	return sys_pipe2(&g);
}

/* ---- read and write ------------------------------------------------------ */

/* Copies and checks a user iovec array into io_iov (empty ones left out). */
static long get_iov(uint64_t addr, uint64_t cnt, struct ukvm_iovec *io_iov, uint64_t *n)
{
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

/* read/write/readv/writev (off -1) and the p* forms (off >= 0) on io_iov. */
static long fd_io(const struct syscall_frame *f, uint64_t fd, const struct ukvm_iovec *io_iov,
		  uint64_t cnt, int64_t off, int write)
{
	struct ofile *of = fd_get(fd);

	if (!of)
		return -EBADF;
	uint32_t acc = of->flags & O_ACCMODE;
	if (write ? acc == O_RDONLY : acc == O_WRONLY)
		return -EBADF;
	const struct file_ops *ops = of->ops;
	long (*op)(struct ofile *, const struct fd_io *) =
	    off == -1 ? (write ? ops->write : ops->read) : (write ? ops->pwrite : ops->pread);
	if (!op)
		return off == -1 ? -EINVAL : -ESPIPE;
	const struct fd_io io = {.f = f, .iov = io_iov, .cnt = cnt, .off = off};
	ofile_get(of); /* another thread may close fd while this one waits */
	long r = op(of, &io);
	ofile_put(of);
	return r;
}

static long buf_io(const struct syscall_frame *f, int64_t off, int write)
{
	if (f->a3 > (uint64_t)INT64_MAX)
		return -EINVAL;
	if (!user_range_ok(f->a2, f->a3))
		return -EFAULT;
	const struct ukvm_iovec one = {.base = f->a2, .len = f->a3};
	return fd_io(f, f->a1, &one, f->a3 ? 1 : 0, off, write);
}

static long vec_io(const struct syscall_frame *f, int64_t off, int write)
{
	struct ukvm_iovec local[IOV_STACK], *v = local;
	uint64_t n, cnt = f->a3, region_len = 0;

	if (cnt > UKVM_IOV_MAX)
		return -EINVAL;
	if (!user_range_ok(f->a2, cnt * sizeof(struct ukvm_iovec)))
		return -EFAULT;
	if (cnt > IOV_STACK) {
		region_len = ALIGN_UP(cnt * sizeof(struct ukvm_iovec), UKVM_PAGE_SIZE);
		long m = mm_mmap(0, region_len, 3, 0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */, -1, 0);
		if (m < 0)
			return -ENOMEM;
		v = (struct ukvm_iovec *)(uintptr_t)m;
	}
	long r = get_iov(f->a2, cnt, v, &n);
	if (r == 0)
		r = fd_io(f, f->a1, v, n, off, write);
	if (region_len)
		mm_munmap((uint64_t)(uintptr_t)v, region_len);
	return r;
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
	if (!of->ops->seek)
		return -ESPIPE;
	return of->ops->seek(of, (int64_t)f->a2, (uint32_t)f->a3);
}

long sys_ioctl(const struct syscall_frame *f)
{
	struct ofile *of = fd_get(f->a1);
	if (!of)
		return -EBADF;
	return of->ops->ioctl ? of->ops->ioctl(of, f->a2, f->a3) : -ENOTTY;
}

long sys_ftruncate(const struct syscall_frame *f)
{
	struct ofile *of = fd_get(f->a1);
	if (!of)
		return -EBADF;
	if (!of->ops->truncate || (int64_t)f->a2 < 0)
		return -EINVAL;
	return of->ops->truncate(of, (int64_t)f->a2);
}

static long do_fsync(uint64_t fd, int data_only)
{
	struct ofile *of = fd_get(fd);
	if (!of)
		return -EBADF;
	return of->ops->sync ? of->ops->sync(of, data_only) : -EINVAL;
}

long sys_fsync(const struct syscall_frame *f)
{
	return do_fsync(f->a1, 0);
}
long sys_fdatasync(const struct syscall_frame *f)
{
	return do_fsync(f->a1, 1);
}

long sys_getdents64(const struct syscall_frame *f)
{
	struct ofile *of = fd_get(f->a1);
	if (!of)
		return -EBADF;
	if (!of->ops->getdents)
		return -ENOTDIR;
	if (!user_range_ok(f->a2, f->a3))
		return -EFAULT;
	return of->ops->getdents(of, f->a2, f->a3);
}

/* ---- poll ---------------------------------------------------------------- */

/* poll's table: one waiter of this thread per queue the files add. */
#define POLL_STACK_WAITERS 32
struct poll_waiters {
	struct poll_table pt;
	struct waiter *w;
	uint64_t n, cap;
	struct ofile *cur; /* the file being asked: each waiter holds a reference */
	int external;	   /* a queue is WAITQ_EXTERNAL */
	int overflow;	   /* a queue found no room: look again soon */
};

static void poll_queue(struct poll_table *pt, struct waitq *wq)
{
	struct poll_waiters *pw = (struct poll_waiters *)pt;

	if (pw->n == pw->cap) {
		pw->overflow = 1;
		return;
	}
	struct waiter *w = &pw->w[pw->n++];
	waiter_init(w);
	w->priv = ofile_get(pw->cur); /* its queue lives as long as the file */
	waitq_add(wq, w);
	pw->external |= (wq->flags & WAITQ_EXTERNAL) != 0;
}

static void poll_waiters_drop(struct poll_waiters *pw)
{
	for (uint64_t i = 0; i < pw->n; i++) {
		waitq_del(&pw->w[i]);
		ofile_put(pw->w[i].priv);
	}
	pw->n = 0;
	pw->external = pw->overflow = 0;
}

/* What fd is ready for now, of events; a file poll can wait on goes to pt. */
static short poll_one(int fd, short events, struct poll_table *pt)
{
	struct ofile *of = fd < 0 ? NULL : fd_get((uint64_t)fd);

	if (fd < 0)
		return 0;
	if (!of)
		return POLLNVAL;
	if (!of->ops->poll)
		return events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
	if (pt)
		((struct poll_waiters *)pt)->cur = of;
	return of->ops->poll(of, events, pt);
}

/* Waits until one of p[0..n) is ready, the TSC reaches deadline (0: none)
 * or a signal comes (-ERESTARTNOHAND: EINTR after a handler); nonblock: no
 * wait at all. Fills in revents and returns how many are ready. The
 * thread waits on every file's queues at once; other threads run. */
static long poll_wait(struct pollfd *p, uint64_t n, uint64_t deadline, int nonblock)
{
	struct waiter local[POLL_STACK_WAITERS];
	struct poll_waiters pw = {.pt.queue = poll_queue, .w = local, .cap = POLL_STACK_WAITERS};
	uint64_t region = 0, region_len = 0;
	long count;

	if (!nonblock && n * POLL_QUEUES_PER_FILE > POLL_STACK_WAITERS) {
		region_len =
		    ALIGN_UP(n * POLL_QUEUES_PER_FILE * sizeof(struct waiter), UKVM_PAGE_SIZE);
		long r = mm_mmap(0, region_len, 3, 0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */, -1, 0);
		if (r > 0) {
			region = (uint64_t)r;
			pw.w = (struct waiter *)(uintptr_t)region;
			pw.cap = n * POLL_QUEUES_PER_FILE;
		} /* else the stack's few, looking again every slice */
	}
	for (;;) {
		count = 0;
		for (uint64_t i = 0; i < n; i++) {
			p[i].revents = poll_one(p[i].fd, p[i].events, nonblock ? NULL : &pw.pt);
			count += p[i].revents != 0;
		}
		if (count || nonblock)
			break;
		uint64_t d = deadline,
			 soon = pw.overflow ? tsc_after_ns(SCHED_SLICE_MS * 1000000ull) : 0;
		if (soon && (!d || soon < d))
			d = soon;
		int r = sched_block_on(WAIT_POLL, 0, d, pw.external);
		poll_waiters_drop(&pw);
		if (r == -EINTR) {
			count = -ERESTARTNOHAND;
			break;
		}
		if (r == -ETIMEDOUT && deadline && rdtsc() >= deadline)
			nonblock = 1; /* one last look, as Linux */
	}
	poll_waiters_drop(&pw);
	if (region)
		mm_munmap(region, region_len);
	return count;
}

/* A timeout as poll_wait takes it. */
struct timeout {
	uint64_t deadline; /* TSC; 0: none */
	int nonblock;	   /* a zero timeout: no wait */
};

static long do_poll(uint64_t addr, uint64_t n, struct timeout to)
{
	if (n > fd_limit()) /* as Linux: more than RLIMIT_NOFILE entries */
		return -EINVAL;
	if (!user_range_ok(addr, n * sizeof(struct pollfd)))
		return -EFAULT;
	return poll_wait((struct pollfd *)(uintptr_t)addr, n, to.deadline, to.nonblock);
}

/* select and pselect6 on top of poll_wait: read set POLLIN, write set
 * POLLOUT, except set POLLPRI; the sets are rewritten with what is ready. */
#define SELECT_MAX 1024 /* FD_SETSIZE */
static long do_select(uint64_t nfds, const uint64_t set_addr[3], struct timeout to)
{
	struct pollfd local[64], *p = local; /* more in pages taken for the call */
	static const short ev[3] = {POLLIN, POLLOUT, POLLPRI};
	uint64_t *sets[3];
	uint64_t n = 0, want = 0, words = (nfds + 63) / 64, region_len = 0;

	if (nfds > SELECT_MAX)
		return -EINVAL;
	for (int k = 0; k < 3; k++) {
		if (set_addr[k] && !user_range_ok(set_addr[k], words * 8))
			return -EFAULT;
		sets[k] = (uint64_t *)(uintptr_t)set_addr[k];
	}
	for (uint64_t fd = 0; fd < nfds; fd++)
		for (int k = 0; k < 3; k++)
			if (sets[k] && (sets[k][fd / 64] >> (fd % 64) & 1)) {
				want++;
				break;
			}
	if (want > sizeof(local) / sizeof(local[0])) {
		region_len = ALIGN_UP(want * sizeof(struct pollfd), UKVM_PAGE_SIZE);
		long m = mm_mmap(0, region_len, 3, 0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */, -1, 0);
		if (m < 0)
			return -ENOMEM;
		p = (struct pollfd *)(uintptr_t)m;
	}
	long r = 0;
	for (uint64_t fd = 0; fd < nfds && !r; fd++) {
		short events = 0;
		for (int k = 0; k < 3; k++)
			if (sets[k] && (sets[k][fd / 64] >> (fd % 64) & 1))
				events |= ev[k];
		if (!events)
			continue;
		if (fd >= FD_MAX || !fd_get(fd))
			r = -EBADF;
		else
			p[n++] = (struct pollfd){.fd = (int)fd, .events = events};
	}
	if (!r)
		r = poll_wait(p, n, to.deadline, to.nonblock);
	if (r < 0) {
		if (region_len)
			mm_munmap((uint64_t)(uintptr_t)p, region_len);
		return r;
	}
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
	if (region_len)
		mm_munmap((uint64_t)(uintptr_t)p, region_len);
	return count;
}

/* The timeout of ns nanoseconds from now. */
static struct timeout timeout_ns(uint64_t ns)
{
	return (struct timeout){.deadline = ns ? tsc_after_ns(ns) : 0, .nonblock = ns == 0};
}

/* The time left of to in ns, for select, pselect6 and ppoll, which write
 * it back as Linux does. */
static uint64_t timeout_left(struct timeout to)
{
	uint64_t now = rdtsc();
	return to.deadline > now ? tsc_to_ns(to.deadline - now) : 0;
}

/* A timespec (tv: a timeval) timeout at addr: 0 or -errno. */
static long read_timeout(uint64_t addr, int tv, struct timeout *to)
{
	*to = (struct timeout){0};
	if (!addr)
		return 0;
	if (!user_range_ok(addr, 16))
		return -EFAULT;
	const int64_t *t = (const int64_t *)(uintptr_t)addr;
	int64_t unit = tv ? 1000 : 1;
	if (t[0] < 0 || t[1] < 0 || t[1] >= 1000000000 / unit)
		return -EINVAL;
	uint64_t sec =
	    (uint64_t)t[0] > UINT64_MAX / 4000000000u ? UINT64_MAX / 4000000000u : (uint64_t)t[0];
	*to = timeout_ns(sec * 1000000000u + (uint64_t)(t[1] * unit));
	return 0;
}

static void write_timeout(uint64_t addr, int tv, struct timeout to)
{
	if (!addr)
		return;
	uint64_t left = to.nonblock ? 0 : timeout_left(to);
	int64_t *t = (int64_t *)(uintptr_t)addr;
	t[0] = (int64_t)(left / 1000000000u);
	t[1] = (int64_t)(left % 1000000000u / (tv ? 1000 : 1));
}

/* ppoll's and pselect6's signal mask (addr 0: none): the call waits under
 * it, and the old one comes back on return, or after the handler of a
 * signal that interrupted the call (rt_sigsuspend's way). */
long poll_mask_set(uint64_t addr, uint64_t size)
{
	struct thread *t = current_thread();

	if (!addr)
		return 0;
	if (size != 8)
		return -EINVAL;
	if (!user_range_ok(addr, 8))
		return -EFAULT;
	t->sig.saved_mask = t->sigmask;
	t->sig.restore_mask = 1;
	t->sigmask = *(const uint64_t *)(uintptr_t)addr & ~(SIGBIT(9) | SIGBIT(19));
	return 0;
}

long poll_mask_done(uint64_t addr, long r)
{
	struct thread *t = current_thread();

	if (addr && r != -ERESTARTNOHAND && t->sig.restore_mask) {
		t->sigmask = t->sig.saved_mask;
		t->sig.restore_mask = 0;
	}
	return r;
}

long sys_select(const struct syscall_frame *f)
{
	const uint64_t sets[3] = {f->a2, f->a3, f->a4};
	struct timeout to;
	long r = read_timeout(f->a5, 1, &to);
	if (r)
		return r;
	r = do_select(f->a1, sets, to);
	write_timeout(f->a5, 1, to);
	return r;
}

long sys_poll(const struct syscall_frame *f)
{
	int ms = (int)f->a3;
	struct timeout to = ms < 0 ? (struct timeout){0} : timeout_ns((uint64_t)ms * 1000000u);
	return do_poll(f->a1, f->a2, to);
}

long sys_ppoll(const struct syscall_frame *f)
{
	struct timeout to;
	long r = read_timeout(f->a3, 0, &to);
	if (r || (r = poll_mask_set(f->a4, f->a5)))
		return r;
	r = do_poll(f->a1, f->a2, to);
	write_timeout(f->a3, 0, to);
	return poll_mask_done(f->a4, r);
}

long sys_pselect6(const struct syscall_frame *f)
{
	const uint64_t sets[3] = {f->a2, f->a3, f->a4};
	uint64_t mask = 0, size = 0;
	struct timeout to;
	long r = read_timeout(f->a5, 0, &to);
	if (r)
		return r;
	if (f->a6) { /* { const sigset_t *ss; size_t ss_len; } */
		if (!user_range_ok(f->a6, 16))
			return -EFAULT;
		mask = ((const uint64_t *)(uintptr_t)f->a6)[0];
		size = ((const uint64_t *)(uintptr_t)f->a6)[1];
	}
	if ((r = poll_mask_set(mask, size)))
		return r;
	r = do_select(f->a1, sets, to);
	write_timeout(f->a5, 0, to);
	return poll_mask_done(mask, r);
}

long sys_flock(const struct syscall_frame *f)
{
	return fd_get(f->a1) ? 0 : -EBADF; /* one process: every lock is granted */
}
