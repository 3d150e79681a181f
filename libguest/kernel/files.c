/*
 * Files: the guest's fd table, its paths and the file syscalls.
 *
 * A guest fd points at an open file (struct ofile, shared by dup): one of
 * the host's standard streams (console.c), a file or directory of a --dir
 * mapping (a VMM handle: the VMM does the I/O, straight into the buffers
 * given here), or an in-guest pipe. Paths are resolved here, lexically:
 * the cwd or a directory fd's path joined with the path, ".." and "."
 * folded (path.c), then matched against the mount table (the --dir
 * mappings, fetched at start); the VMM gets (mapping, relative path) and
 * confines it on the host. A path under no mapping is ENOENT.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel.h"
#include "path.h"
#include "syscall.h"

#define FD_MAX 256 /* guest fds: RLIMIT_NOFILE */
#define PIPE_SIZE 65536
#define AT_EMPTY_PATH_ 0x1000
#define RENAME_FLAGS_OK 3 /* RENAME_NOREPLACE | RENAME_EXCHANGE */

enum ofile_kind { OF_FREE, OF_CONSOLE, OF_FILE, OF_PIPE };

struct pipe {
	unsigned readers, writers;
	uint32_t head, len;
	uint8_t buf[PIPE_SIZE];
};

struct ofile {
	uint32_t refs;
	enum ofile_kind kind;
	uint32_t flags; /* O_ACCMODE, O_APPEND, O_NONBLOCK, O_DIRECTORY */
	int32_t handle; /* OF_FILE: the VMM's handle; OF_CONSOLE: the stream 0..2 */
	struct pipe *pipe;
	char path[UKVM_FS_PATH_MAX]; /* OF_FILE: the normalised guest path */
};

struct fdent {
	struct ofile *of;
	int cloexec;
};

static struct ofile ofiles[FD_MAX];
static struct fdent fds[FD_MAX];
static struct pipe pipes[4];
static char mount_names[UKVM_FS_MOUNTS_MAX][UKVM_FS_PATH_MAX];
static const char *mounts[UKVM_FS_MOUNTS_MAX];
static unsigned nmounts;
static uint32_t mount_flags[UKVM_FS_MOUNTS_MAX];
static char cwd[UKVM_FS_PATH_MAX] = "/";
static uint32_t cur_umask = 022;
static struct ukvm_iovec io_iov[UKVM_IOV_MAX];

/* ---- tables -------------------------------------------------------------- */

static struct ofile *ofile_new(enum ofile_kind kind)
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

static void ofile_put(struct ofile *of)
{
	if (--of->refs)
		return;
	if (of->kind == OF_FILE) {
		struct ukvm_hc_fs_handle hc = {.handle = of->handle};
		hypercall(UKVM_HC_FS_CLOSE, &hc);
	} else if (of->kind == OF_PIPE) {
		if ((of->flags & O_ACCMODE) == O_WRONLY)
			of->pipe->writers--;
		else
			of->pipe->readers--;
	}
	of->kind = OF_FREE;
}

/* The lowest free fd >= min, pointing at of: fd or -EMFILE. */
static long fd_install(struct ofile *of, uint64_t min, int cloexec)
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

static struct ofile *fd_get(uint64_t fd)
{
	return fd < FD_MAX ? fds[fd].of : NULL;
}

static void fd_close(uint64_t fd)
{
	struct ofile *of = fds[fd].of;
	fds[fd].of = NULL;
	ofile_put(of);
}

void files_init(void)
{
	for (unsigned i = 0; i < 3; i++) {
		struct ofile *of = ofile_new(OF_CONSOLE);
		of->handle = (int32_t)i;
		of->flags = i == 0 ? O_RDONLY : O_WRONLY;
		fd_install(of, i, 0);
	}
	for (nmounts = 0; nmounts < UKVM_FS_MOUNTS_MAX; nmounts++) {
		struct ukvm_hc_fs_mount hc = {.index = nmounts,
					      .path = (uint64_t)(uintptr_t)mount_names[nmounts],
					      .len = UKVM_FS_PATH_MAX};
		hypercall(UKVM_HC_FS_MOUNT, &hc);
		cur_umask = hc.umask & 0777;
		if (hc.ret < 0)
			break;
		mounts[nmounts] = mount_names[nmounts];
		mount_flags[nmounts] = hc.flags;
	}
	if (nmounts)
		kmemcpy(cwd, mount_names[0], kstrlen(mount_names[0]) + 1);
}

/* ---- paths --------------------------------------------------------------- */

/* Copies the user's NUL-terminated string at addr into buf[size]. */
static long user_string(uint64_t addr, char *buf, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		if ((i == 0 || (addr + i) % UKVM_PAGE_SIZE == 0) && !user_range_ok(addr + i, 1))
			return -EFAULT;
		buf[i] = *(const char *)(uintptr_t)(addr + i);
		if (!buf[i])
			return (long)i;
	}
	return -ENAMETOOLONG;
}

struct gpath {
	char abs[UKVM_FS_PATH_MAX];
	struct ukvm_fs_path p;
	int mount;
};

/* Resolves (dirfd, user path) to a mapping and a relative path. An empty
 * path is ENOENT unless empty_ok (then dirfd's own path). */
static long resolve(uint64_t dirfd, uint64_t upath, struct gpath *g, int empty_ok)
{
	char path[UKVM_FS_PATH_MAX];
	const char *base = cwd;
	long r = user_string(upath, path, sizeof(path));

	if (r < 0)
		return r;
	if (path[0] != '/' && (int)dirfd != AT_FDCWD) {
		struct ofile *of = fd_get(dirfd);
		if (!of)
			return -EBADF;
		if (of->kind != OF_FILE)
			return -ENOTDIR;
		base = of->path;
	}
	if (!path[0]) {
		if (!empty_ok)
			return -ENOENT;
		path[0] = '.';
		path[1] = '\0';
	}
	if ((r = path_normalize(g->abs, sizeof(g->abs), base, path)) < 0)
		return r;
	const char *rel;
	g->mount = path_find_mount(g->abs, mounts, nmounts, &rel);
	if (g->mount < 0)
		return -ENOENT;
	g->p = (struct ukvm_fs_path){.mount = (uint32_t)g->mount,
				     .len = (uint32_t)kstrlen(rel),
				     .path = (uint64_t)(uintptr_t)rel};
	return 0;
}

/* ---- open, close, dup ---------------------------------------------------- */

static long do_open(uint64_t dirfd, uint64_t upath, uint64_t flags, uint64_t mode)
{
	static struct gpath g;
	long r = resolve(dirfd, upath, &g, 0);
	if (r < 0)
		return r;
	struct ofile *of = ofile_new(OF_FILE);
	if (!of)
		return -EMFILE;
	uint32_t hflags = (uint32_t)flags & ~(uint32_t)O_CLOEXEC;
	if (flags & O_PATH)
		hflags = O_RDONLY | (hflags & (O_DIRECTORY | O_NOFOLLOW));
	struct ukvm_hc_fs_path hc = {
	    .p = g.p, .flags = hflags, .mode = (uint32_t)mode & ~cur_umask & 07777};
	hypercall(UKVM_HC_FS_OPEN, &hc);
	if (hc.ret < 0) {
		of->kind = OF_FREE;
		return hc.ret;
	}
	of->handle = (int32_t)hc.ret;
	of->flags = hflags & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECTORY);
	kmemcpy(of->path, g.abs, kstrlen(g.abs) + 1);
	r = fd_install(of, 0, !!(flags & O_CLOEXEC));
	if (r < 0) {
		of->refs = 1;
		ofile_put(of);
	}
	return r;
}

long sys_open(const struct syscall_frame *f)
{
	return do_open((uint64_t)AT_FDCWD, f->a1, f->a2, f->a3);
}

long sys_openat(const struct syscall_frame *f)
{
	return do_open(f->a1, f->a2, f->a3, f->a4);
}

long sys_creat(const struct syscall_frame *f)
{
	return do_open((uint64_t)AT_FDCWD, f->a1, O_CREAT | O_WRONLY | O_TRUNC, f->a2);
}

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

/* ---- pipes (in the guest: one process, so a read that would wait for
 * ever fails with EDEADLK instead, EAGAIN with O_NONBLOCK) ----------------- */

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

static long pipe_read(struct ofile *of, const struct ukvm_iovec *iov, uint64_t cnt)
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

static long pipe_write(const struct syscall_frame *f, struct ofile *of,
		       const struct ukvm_iovec *iov, uint64_t cnt)
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
	if (off != -1 && of->kind != OF_FILE)
		return -ESPIPE;
	switch (of->kind) {
	case OF_CONSOLE:
		if (write)
			return console_writev(f, of->handle, io_iov, cnt);
		return cnt ? console_read(io_iov[0].base, io_iov[0].len) : 0;
	case OF_PIPE:
		return write ? pipe_write(f, of, io_iov, cnt) : pipe_read(of, io_iov, cnt);
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
	if (of->kind != OF_FILE)
		return -ESPIPE;
	if (f->a3 > SEEK_END)
		return -EINVAL;
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

/* ---- stat ---------------------------------------------------------------- */

/* The stat of fd (handle >= 0 / console) or of g into u. */
static long stat_fd(struct ofile *of, struct ukvm_stat *u)
{
	if (of->kind == OF_PIPE) {
		*u = (struct ukvm_stat){.mode = S_IFIFO | 0600,
					.nlink = 1,
					.blksize = 4096,
					.dev = 12,
					.ino = (uint64_t)(of->pipe - pipes) + 1};
		return 0;
	}
	struct ukvm_hc_fs_stat hc = {.handle = of->handle, .st = (uint64_t)(uintptr_t)u};
	hypercall(UKVM_HC_FS_STAT, &hc);
	return hc.ret;
}

/* Stats (dirfd, path) into u; AT_EMPTY_PATH with "" stats dirfd itself. */
static long stat_at(uint64_t dirfd, uint64_t upath, uint64_t flags, struct ukvm_stat *u)
{
	static struct gpath g;
	char c;

	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH_ | AT_NO_AUTOMOUNT | 0x6000))
		return -EINVAL;
	if (!user_range_ok(upath, 1))
		return -EFAULT;
	c = *(const char *)(uintptr_t)upath;
	if (!c && (flags & AT_EMPTY_PATH_)) {
		struct ofile *of = (int)dirfd == AT_FDCWD ? NULL : fd_get(dirfd);
		if (of)
			return stat_fd(of, u);
		if ((int)dirfd != AT_FDCWD)
			return -EBADF;
	}
	long r = resolve(dirfd, upath, &g, !c && (flags & AT_EMPTY_PATH_));
	if (r < 0)
		return r;
	struct ukvm_hc_fs_stat hc = {.handle = -1,
				     .flags = (uint32_t)flags & AT_SYMLINK_NOFOLLOW,
				     .p = g.p,
				     .st = (uint64_t)(uintptr_t)u};
	hypercall(UKVM_HC_FS_STAT, &hc);
	return hc.ret;
}

static long put_stat(long r, const struct ukvm_stat *u, uint64_t addr)
{
	if (r < 0)
		return r;
	if (!user_range_ok(addr, sizeof(struct stat)))
		return -EFAULT;
	struct stat *st = (struct stat *)(uintptr_t)addr;
	kmemset(st, 0, sizeof(*st));
	st->st_dev = u->dev;
	st->st_ino = u->ino;
	st->st_nlink = u->nlink;
	st->st_mode = u->mode;
	st->st_uid = u->uid;
	st->st_gid = u->gid;
	st->st_rdev = u->rdev;
	st->st_size = (off_t)u->size;
	st->st_blksize = u->blksize;
	st->st_blocks = (blkcnt_t)u->blocks;
	st->st_atim = (struct timespec){u->atime_sec, u->atime_nsec};
	st->st_mtim = (struct timespec){u->mtime_sec, u->mtime_nsec};
	st->st_ctim = (struct timespec){u->ctime_sec, u->ctime_nsec};
	return 0;
}

long sys_fstat(const struct syscall_frame *f)
{
	struct ukvm_stat u;
	struct ofile *of = fd_get(f->a1);
	return of ? put_stat(stat_fd(of, &u), &u, f->a2) : -EBADF;
}

long sys_stat(const struct syscall_frame *f)
{
	struct ukvm_stat u;
	return put_stat(stat_at((uint64_t)AT_FDCWD, f->a1, 0, &u), &u, f->a2);
}

long sys_lstat(const struct syscall_frame *f)
{
	struct ukvm_stat u;
	return put_stat(stat_at((uint64_t)AT_FDCWD, f->a1, AT_SYMLINK_NOFOLLOW, &u), &u, f->a2);
}

long sys_newfstatat(const struct syscall_frame *f)
{
	struct ukvm_stat u;
	return put_stat(stat_at(f->a1, f->a2, f->a4, &u), &u, f->a3);
}

/* Linux's struct statx (musl 1.2.3 has no header for it). */
struct kstatx_ts {
	int64_t sec;
	uint32_t nsec;
	int32_t reserved;
};
struct kstatx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct kstatx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};
_Static_assert(sizeof(struct kstatx) == 256, "statx size");
#define STATX_BASIC_STATS 0x7ff

static uint32_t dev_major(uint64_t d)
{
	return (uint32_t)(((d >> 8) & 0xfff) | ((d >> 32) & ~0xfffu));
}
static uint32_t dev_minor(uint64_t d)
{
	return (uint32_t)((d & 0xff) | ((d >> 12) & ~0xffu));
}

long sys_statx(const struct syscall_frame *f)
{
	struct ukvm_stat u;
	long r = stat_at(f->a1, f->a2, f->a3 & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH_), &u);
	if (r < 0)
		return r;
	if (!user_range_ok(f->a5, sizeof(struct kstatx)))
		return -EFAULT;
	struct kstatx *x = (struct kstatx *)(uintptr_t)f->a5;
	kmemset(x, 0, sizeof(*x));
	*x = (struct kstatx){
	    .mask = STATX_BASIC_STATS,
	    .blksize = u.blksize,
	    .nlink = (uint32_t)u.nlink,
	    .uid = u.uid,
	    .gid = u.gid,
	    .mode = (uint16_t)u.mode,
	    .ino = u.ino,
	    .size = u.size,
	    .blocks = u.blocks,
	    .atime = {u.atime_sec, u.atime_nsec, 0},
	    .ctime = {u.ctime_sec, u.ctime_nsec, 0},
	    .mtime = {u.mtime_sec, u.mtime_nsec, 0},
	    .rdev_major = dev_major(u.rdev),
	    .rdev_minor = dev_minor(u.rdev),
	    .dev_major = dev_major(u.dev),
	    .dev_minor = dev_minor(u.dev),
	};
	return 0;
}

/* ---- directories and names ---------------------------------------------- */

long sys_getdents64(const struct syscall_frame *f)
{
	struct ofile *of = fd_get(f->a1);
	if (!of)
		return -EBADF;
	if (of->kind != OF_FILE)
		return -ENOTDIR;
	if (!user_range_ok(f->a2, f->a3))
		return -EFAULT;
	struct ukvm_hc_fs_buf hc = {.handle = of->handle, .buf = f->a2, .len = f->a3};
	hypercall(UKVM_HC_FS_GETDENTS, &hc);
	return hc.ret;
}

static long path_call(unsigned nr, uint64_t dirfd, uint64_t upath, uint32_t flags, uint32_t mode)
{
	static struct gpath g;
	long r = resolve(dirfd, upath, &g, 0);
	if (r < 0)
		return r;
	struct ukvm_hc_fs_path hc = {.p = g.p, .flags = flags, .mode = mode};
	hypercall(nr, &hc);
	return hc.ret;
}

long sys_mkdir(const struct syscall_frame *f)
{
	return path_call(UKVM_HC_FS_MKDIR, (uint64_t)AT_FDCWD, f->a1, 0,
			 (uint32_t)f->a2 & ~cur_umask & 07777);
}

long sys_mkdirat(const struct syscall_frame *f)
{
	return path_call(UKVM_HC_FS_MKDIR, f->a1, f->a2, 0, (uint32_t)f->a3 & ~cur_umask & 07777);
}

long sys_unlink(const struct syscall_frame *f)
{
	return path_call(UKVM_HC_FS_UNLINK, (uint64_t)AT_FDCWD, f->a1, 0, 0);
}

long sys_rmdir(const struct syscall_frame *f)
{
	return path_call(UKVM_HC_FS_UNLINK, (uint64_t)AT_FDCWD, f->a1, AT_REMOVEDIR, 0);
}

long sys_unlinkat(const struct syscall_frame *f)
{
	if (f->a3 & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	return path_call(UKVM_HC_FS_UNLINK, f->a1, f->a2, (uint32_t)f->a3, 0);
}

static long do_access(uint64_t dirfd, uint64_t upath, uint64_t mode, uint64_t flags)
{
	if (mode & ~(uint64_t)7 || flags & ~(uint64_t)(AT_EACCESS | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	return path_call(UKVM_HC_FS_ACCESS, dirfd, upath, 0, (uint32_t)mode);
}

long sys_access(const struct syscall_frame *f)
{
	return do_access((uint64_t)AT_FDCWD, f->a1, f->a2, 0);
}
long sys_faccessat(const struct syscall_frame *f)
{
	return do_access(f->a1, f->a2, f->a3, 0);
}
long sys_faccessat2(const struct syscall_frame *f)
{
	return do_access(f->a1, f->a2, f->a3, f->a4);
}

static long do_rename(uint64_t olddir, uint64_t oldpath, uint64_t newdir, uint64_t newpath,
		      uint64_t flags)
{
	static struct gpath from, to;
	long r;

	if (flags & ~(uint64_t)RENAME_FLAGS_OK)
		return -EINVAL;
	if ((r = resolve(olddir, oldpath, &from, 0)) < 0 ||
	    (r = resolve(newdir, newpath, &to, 0)) < 0)
		return r;
	struct ukvm_hc_fs_rename hc = {.from = from.p, .to = to.p, .flags = (uint32_t)flags};
	hypercall(UKVM_HC_FS_RENAME, &hc);
	return hc.ret;
}

long sys_rename(const struct syscall_frame *f)
{
	return do_rename((uint64_t)AT_FDCWD, f->a1, (uint64_t)AT_FDCWD, f->a2, 0);
}

long sys_renameat(const struct syscall_frame *f)
{
	return do_rename(f->a1, f->a2, f->a3, f->a4, 0);
}
long sys_renameat2(const struct syscall_frame *f)
{
	return do_rename(f->a1, f->a2, f->a3, f->a4, f->a5);
}

static long do_readlink(uint64_t dirfd, uint64_t upath, uint64_t buf, uint64_t len)
{
	static struct gpath g;
	if ((int64_t)len <= 0)
		return -EINVAL;
	if (!user_range_ok(buf, len))
		return -EFAULT;
	long r = resolve(dirfd, upath, &g, 0);
	if (r < 0)
		return r;
	struct ukvm_hc_fs_readlink hc = {.p = g.p, .buf = buf, .len = len};
	hypercall(UKVM_HC_FS_READLINK, &hc);
	return hc.ret;
}

long sys_readlink(const struct syscall_frame *f)
{
	return do_readlink((uint64_t)AT_FDCWD, f->a1, f->a2, f->a3);
}
long sys_readlinkat(const struct syscall_frame *f)
{
	return do_readlink(f->a1, f->a2, f->a3, f->a4);
}

long sys_umask(const struct syscall_frame *f)
{
	uint32_t old = cur_umask;
	cur_umask = (uint32_t)f->a1 & 0777;
	return old;
}

long sys_getcwd(const struct syscall_frame *f)
{
	size_t len = kstrlen(cwd) + 1;
	if (f->a2 < len)
		return -ERANGE;
	if (!user_range_ok(f->a1, len))
		return -EFAULT;
	kmemcpy((void *)(uintptr_t)f->a1, cwd, len);
	return (long)len;
}

static long set_cwd(const char *abs, const struct ukvm_stat *u)
{
	if ((u->mode & S_IFMT) != S_IFDIR)
		return -ENOTDIR;
	kmemcpy(cwd, abs, kstrlen(abs) + 1);
	return 0;
}

long sys_chdir(const struct syscall_frame *f)
{
	static struct gpath g;
	struct ukvm_stat u;
	long r = resolve((uint64_t)AT_FDCWD, f->a1, &g, 0);
	if (r < 0)
		return r;
	struct ukvm_hc_fs_stat hc = {.handle = -1, .p = g.p, .st = (uint64_t)(uintptr_t)&u};
	hypercall(UKVM_HC_FS_STAT, &hc);
	return hc.ret < 0 ? hc.ret : set_cwd(g.abs, &u);
}

long sys_fchdir(const struct syscall_frame *f)
{
	struct ukvm_stat u;
	struct ofile *of = fd_get(f->a1);
	if (!of)
		return -EBADF;
	if (of->kind != OF_FILE)
		return -ENOTDIR;
	long r = stat_fd(of, &u);
	return r < 0 ? r : set_cwd(of->path, &u);
}

/* ---- attributes: mode, times, owner; links ------------------------------- */

/* chmod/utimens of fd (upath 0) or of (dirfd, upath). */
static long attr_call(unsigned nr, uint64_t dirfd, uint64_t upath, uint32_t flags,
		      struct ukvm_hc_fs_attr *hc)
{
	static struct gpath g;
	if (flags & ~(uint32_t)AT_SYMLINK_NOFOLLOW)
		return -EINVAL;
	hc->flags = flags;
	if (!upath) {
		struct ofile *of = fd_get(dirfd);
		if (!of)
			return -EBADF;
		if (of->kind != OF_FILE)
			return nr == UKVM_HC_FS_CHMOD ? -EINVAL : -EPERM;
		hc->handle = of->handle;
	} else {
		long r = resolve(dirfd, upath, &g, 0);
		if (r < 0)
			return r;
		hc->handle = -1;
		hc->p = g.p;
	}
	hypercall(nr, hc);
	return hc->ret;
}

static long do_chmod(uint64_t dirfd, uint64_t upath, uint64_t mode, uint32_t flags)
{
	struct ukvm_hc_fs_attr hc = {.mode = (uint32_t)mode & 07777};
	return attr_call(UKVM_HC_FS_CHMOD, dirfd, upath, flags, &hc);
}

long sys_chmod(const struct syscall_frame *f)
{
	return do_chmod((uint64_t)AT_FDCWD, f->a1, f->a2, 0);
}
long sys_fchmod(const struct syscall_frame *f)
{
	return do_chmod(f->a1, 0, f->a2, 0);
}
long sys_fchmodat(const struct syscall_frame *f)
{
	return do_chmod(f->a1, f->a2, f->a3, 0);
}

long sys_utimensat(const struct syscall_frame *f)
{
	struct ukvm_hc_fs_attr hc = {.times = {0, UTIME_NOW, 0, UTIME_NOW}};
	if (f->a3) {
		if (!user_range_ok(f->a3, 2 * sizeof(struct timespec)))
			return -EFAULT;
		const struct timespec *ts = (const struct timespec *)(uintptr_t)f->a3;
		for (int i = 0; i < 2; i++) {
			long ns = ts[i].tv_nsec;
			if ((ns < 0 || ns >= 1000000000) && ns != UTIME_NOW && ns != UTIME_OMIT)
				return -EINVAL;
			hc.times[2 * i] = ts[i].tv_sec;
			hc.times[2 * i + 1] = ns;
		}
	}
	return attr_call(UKVM_HC_FS_UTIMENS, f->a1, f->a2, (uint32_t)f->a4, &hc);
}

/* The owner cannot change (the files belong to the user running unikvm):
 * setting the owner and group a file already has succeeds, else EPERM. */
static long do_chown(uint64_t dirfd, uint64_t upath, uint64_t uid, uint64_t gid, uint64_t flags)
{
	struct ukvm_stat u;
	long r;
	struct ofile *of;

	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH_))
		return -EINVAL;
	if (!upath) {
		if (!(of = fd_get(dirfd)))
			return -EBADF;
		r = stat_fd(of, &u);
	} else {
		r = stat_at(dirfd, upath, flags, &u);
	}
	if (r < 0)
		return r;
	if (((uint32_t)uid != (uint32_t)-1 && (uint32_t)uid != u.uid) ||
	    ((uint32_t)gid != (uint32_t)-1 && (uint32_t)gid != u.gid))
		return -EPERM;
	return 0;
}

long sys_chown(const struct syscall_frame *f)
{
	return do_chown((uint64_t)AT_FDCWD, f->a1, f->a2, f->a3, 0);
}
long sys_lchown(const struct syscall_frame *f)
{
	return do_chown((uint64_t)AT_FDCWD, f->a1, f->a2, f->a3, AT_SYMLINK_NOFOLLOW);
}
long sys_fchown(const struct syscall_frame *f)
{
	return do_chown(f->a1, 0, f->a2, f->a3, 0);
}
long sys_fchownat(const struct syscall_frame *f)
{
	return do_chown(f->a1, f->a2, f->a3, f->a4, f->a5);
}

static long do_symlink(uint64_t target, uint64_t dirfd, uint64_t upath)
{
	static char t[UKVM_FS_PATH_MAX];
	static struct gpath g;
	long len = user_string(target, t, sizeof(t));
	if (len < 0)
		return len;
	if (len == 0)
		return -ENOENT;
	long r = resolve(dirfd, upath, &g, 0);
	if (r < 0)
		return r;
	struct ukvm_hc_fs_symlink hc = {
	    .target = (uint64_t)(uintptr_t)t, .target_len = (uint64_t)len, .p = g.p};
	hypercall(UKVM_HC_FS_SYMLINK, &hc);
	return hc.ret;
}

long sys_symlink(const struct syscall_frame *f)
{
	return do_symlink(f->a1, (uint64_t)AT_FDCWD, f->a2);
}
long sys_symlinkat(const struct syscall_frame *f)
{
	return do_symlink(f->a1, f->a2, f->a3);
}

static long do_link(uint64_t olddir, uint64_t oldpath, uint64_t newdir, uint64_t newpath,
		    uint64_t flags)
{
	static struct gpath from, to;
	long r;

	if (flags) /* AT_SYMLINK_FOLLOW, AT_EMPTY_PATH: not supported */
		return -EINVAL;
	if ((r = resolve(olddir, oldpath, &from, 0)) < 0 ||
	    (r = resolve(newdir, newpath, &to, 0)) < 0)
		return r;
	struct ukvm_hc_fs_rename hc = {.from = from.p, .to = to.p};
	hypercall(UKVM_HC_FS_LINK, &hc);
	return hc.ret;
}

long sys_link(const struct syscall_frame *f)
{
	return do_link((uint64_t)AT_FDCWD, f->a1, (uint64_t)AT_FDCWD, f->a2, 0);
}
long sys_linkat(const struct syscall_frame *f)
{
	return do_link(f->a1, f->a2, f->a3, f->a4, f->a5);
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
	if (of->kind == OF_PIPE) {
		struct pipe *p = of->pipe;
		if ((of->flags & O_ACCMODE) == O_RDONLY)
			ready = p->len ? POLLIN | POLLRDNORM : !p->writers ? POLLHUP : 0;
		else
			ready = !p->readers	     ? POLLERR
				: p->len < PIPE_SIZE ? POLLOUT | POLLWRNORM
						     : 0;
		return (short)(ready & (events | POLLHUP | POLLERR));
	}
	return ready & events;
}

static long do_poll(uint64_t addr, uint64_t n, int64_t timeout_ms)
{
	if (n > FD_MAX)
		return -EINVAL;
	if (!user_range_ok(addr, n * sizeof(struct pollfd)))
		return -EFAULT;
	struct pollfd *p = (struct pollfd *)(uintptr_t)addr;
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

long sys_poll(const struct syscall_frame *f)
{
	return do_poll(f->a1, f->a2, (int)f->a3 < 0 ? -1 : (int)f->a3);
}

long sys_ppoll(const struct syscall_frame *f)
{
	int64_t ms = -1;
	if (f->a3) {
		if (!user_range_ok(f->a3, 16))
			return -EFAULT;
		const int64_t *ts = (const int64_t *)(uintptr_t)f->a3;
		if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
			return -EINVAL;
		ms = ts[0] * 1000 + (ts[1] + 999999) / 1000000;
	}
	return do_poll(f->a1, f->a2, ms);
}
