/*
 * Files of the --dir mappings: the mount table, paths, and the calls that
 * take a path (open, stat, statfs, directories, names, attributes, links).
 *
 * Paths are resolved here, lexically: the cwd or a directory fd's path
 * joined with the path, ".." and "." folded (path.c), then matched against
 * the mount table (the --dir mappings, fetched at start); the VMM gets
 * (mapping, relative path) and confines it on the host. A path under no
 * mapping is ENOENT.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "kernel.h"
#include "dev.h"
#include "fd.h"
#include "hostfile.h"
#include "common/path.h"
#include "syscall.h"

#define AT_EMPTY_PATH_ 0x1000
#define RENAME_FLAGS_OK 3 /* RENAME_NOREPLACE | RENAME_EXCHANGE */

static char mount_names[UKVM_FS_MOUNTS_MAX][UKVM_FS_PATH_MAX];
static const char *mounts[UKVM_FS_MOUNTS_MAX];
static unsigned nmounts;
static char cwd[UKVM_FS_PATH_MAX] = "/";
static uint32_t cur_umask = 022;

/* ---- the mount table ------------------------------------------------------ */

void files_init(void)
{
	for (nmounts = 0; nmounts < UKVM_FS_MOUNTS_MAX; nmounts++) {
		struct ukvm_hc_fs_mount hc = {.index = nmounts,
					      .path = (uint64_t)(uintptr_t)mount_names[nmounts],
					      .len = UKVM_FS_PATH_MAX};
		hc_fs_mount(&hc);
		cur_umask = hc.umask & 0777;
		if (hc.ret < 0)
			break;
		mounts[nmounts] = mount_names[nmounts];
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

/* The host's stat of p (a mapping and a relative path) into u; flags:
 * AT_SYMLINK_NOFOLLOW or 0. */
static long host_stat(const struct ukvm_fs_path *p, uint32_t flags, struct ukvm_stat *u)
{
	struct ukvm_hc_fs_stat hc = {
	    .handle = -1, .flags = flags, .p = *p, .st = (uint64_t)(uintptr_t)u};
	hc_fs_stat(&hc);
	return hc.ret;
}

/* The host's statfs of what p names (a last symlink followed). */
static long host_statfs(const struct ukvm_fs_path *p, struct ukvm_statfs *u)
{
	struct ukvm_hc_fs_statfs hc = {.handle = -1, .p = *p, .sfs = (uint64_t)(uintptr_t)u};
	hc_fs_statfs(&hc);
	return hc.ret;
}

/* The path's view of prefix, a component that a '/' follows (path.h): a
 * device is not a directory (ENOTDIR); a mapped one the VMM does not get to
 * see, because "." or ".." fold it away or it ends the path, is looked up
 * here, so that "file/.." is ENOTDIR and "missing/.." ENOENT as on Linux.
 * A missing last component ("newdir/") is left to the call. */
static long dir_check(const char *prefix, enum path_dir_use use, void *ctx)
{
	struct ukvm_stat u;
	const char *rel;
	long r = -ENOENT;

	(void)ctx;
	if (dev_lookup(prefix) >= 0)
		return -ENOTDIR;
	if (use == PATH_DIR_INNER)
		return 0; /* the VMM's lookup of the whole path sees it */
	int m = path_find_mount(prefix, mounts, nmounts, &rel);
	if (m >= 0) {
		struct ukvm_fs_path p = {.mount = (uint32_t)m,
					 .len = (uint32_t)kstrlen(rel),
					 .path = (uint64_t)(uintptr_t)rel};
		r = host_stat(&p, 0, &u);
	}
	if (r == -ENOENT && use == PATH_DIR_TRAILING)
		return 0;
	if (r < 0)
		return r;
	return (u.mode & S_IFMT) == S_IFDIR ? 0 : -ENOTDIR;
}

struct gpath {
	char path[UKVM_FS_PATH_MAX]; /* as the program gave it */
	char abs[UKVM_FS_PATH_MAX];
	struct ukvm_fs_path p;
	int mount;
	int dev; /* a device of dev.c (then no mapping), or -1 */
};

#define R_EMPTY_OK 1 /* "" is dirfd's own path (AT_EMPTY_PATH) */
#define R_DEV_OK 2   /* the caller serves devices; others get EACCES */

/* Resolves (dirfd, g->path) to a mapping and a relative path, or to a
 * device. An empty path is ENOENT unless R_EMPTY_OK. */
static long resolve_path(uint64_t dirfd, struct gpath *g, int flags)
{
	const char *base = cwd;
	long r;

	if (g->path[0] != '/' && (int)dirfd != AT_FDCWD) {
		struct ofile *of = fd_get(dirfd);
		if (!of)
			return -EBADF;
		if (!of->ops->dir_path)
			return -ENOTDIR;
		base = of->ops->dir_path(of);
	}
	if (!g->path[0]) {
		if (!(flags & R_EMPTY_OK))
			return -ENOENT;
		g->path[0] = '.';
		g->path[1] = '\0';
	}
	if ((r = path_normalize_dirs(g->abs, sizeof(g->abs), base, g->path, dir_check, NULL)) < 0)
		return r;
	g->dev = dev_lookup(g->abs);
	if (g->dev >= 0)
		return flags & R_DEV_OK ? 0 : -EACCES;
	const char *rel;
	g->mount = path_find_mount(g->abs, mounts, nmounts, &rel);
	if (g->mount < 0)
		return -ENOENT;
	g->p = (struct ukvm_fs_path){.mount = (uint32_t)g->mount,
				     .len = (uint32_t)kstrlen(rel),
				     .path = (uint64_t)(uintptr_t)rel};
	return 0;
}

/* Copies the user's path at upath into g and resolves it (resolve_path). */
static long resolve(uint64_t dirfd, uint64_t upath, struct gpath *g, int flags)
{
	long r = user_string(upath, g->path, sizeof(g->path));
	return r < 0 ? r : resolve_path(dirfd, g, flags);
}

/* ---- open --------------------------------------------------------------- */

/* Opens what g->path names: *of gets a reference. */
static long open_path(uint64_t dirfd, struct gpath *g, uint64_t flags, uint64_t mode,
		      struct ofile **of)
{
	long r = resolve_path(dirfd, g, R_DEV_OK);
	if (r < 0)
		return r;
	if (g->dev >= 0)
		return dev_open(g->dev, (uint32_t)flags, of);
	uint32_t hflags = (uint32_t)flags & ~(uint32_t)O_CLOEXEC;
	if (flags & O_PATH)
		hflags = O_RDONLY | (hflags & (O_DIRECTORY | O_NOFOLLOW));
	return hostfile_open(&g->p, g->abs, hflags, (uint32_t)mode & ~cur_umask & 07777, of);
}

static long do_open(uint64_t dirfd, uint64_t upath, uint64_t flags, uint64_t mode)
{
	static struct gpath g;
	struct ofile *of;
	long r = user_string(upath, g.path, sizeof(g.path));
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	/* as Linux: the fd is taken before the path is looked up, so at
	 * RLIMIT_NOFILE any open is EMFILE */
	long fd = fd_reserve(0);
	if (fd < 0)
		return fd;
	r = open_path(dirfd, &g, flags, mode, &of);
	if (r < 0) {
		fd_unreserve(fd);
		return r;
	}
	fd_install(fd, of, !!(flags & O_CLOEXEC));
	return fd;
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

/* ---- stat ---------------------------------------------------------------- */

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
			return of->ops->stat(of, u);
		if ((int)dirfd != AT_FDCWD)
			return -EBADF;
	}
	long r =
	    resolve(dirfd, upath, &g, R_DEV_OK | (!c && (flags & AT_EMPTY_PATH_) ? R_EMPTY_OK : 0));
	if (r < 0)
		return r;
	if (g.dev >= 0)
		return dev_stat(g.dev, u);
	return host_stat(&g.p, (uint32_t)flags & AT_SYMLINK_NOFOLLOW, u);
}

/* The user's buffer [addr, +size) for a result, zeroed; NULL when it is
 * not all in guest RAM (EFAULT). */
static void *user_result(uint64_t addr, size_t size)
{
	if (!user_range_ok(addr, size))
		return NULL;
	kmemset((void *)(uintptr_t)addr, 0, size);
	return (void *)(uintptr_t)addr;
}

static long put_stat(long r, const struct ukvm_stat *u, uint64_t addr)
{
	struct stat *st;
	if (r < 0)
		return r;
	if (!(st = user_result(addr, sizeof(*st))))
		return -EFAULT;
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
	return of ? put_stat(of->ops->stat(of, &u), &u, f->a2) : -EBADF;
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
	struct kstatx *x;
	if (r < 0)
		return r;
	if (!(x = user_result(f->a5, sizeof(*x))))
		return -EFAULT;
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

/* ---- statfs --------------------------------------------------------------- */

static long put_statfs(long r, const struct ukvm_statfs *u, uint64_t addr)
{
	struct statfs *s;
	if (r < 0)
		return r;
	if (!(s = user_result(addr, sizeof(*s))))
		return -EFAULT;
	*s = (struct statfs){
	    .f_type = u->type,
	    .f_bsize = u->bsize,
	    .f_blocks = u->blocks,
	    .f_bfree = u->bfree,
	    .f_bavail = u->bavail,
	    .f_files = u->files,
	    .f_ffree = u->ffree,
	    .f_fsid = {{(int)u->fsid[0], (int)u->fsid[1]}},
	    .f_namelen = u->namelen,
	    .f_frsize = u->frsize,
	    .f_flags = u->flags,
	};
	return 0;
}

/* statfs follows a last symlink (inside the mapping), as on Linux. */
long sys_statfs(const struct syscall_frame *f)
{
	static struct gpath g;
	struct ukvm_statfs u;
	long r = resolve((uint64_t)AT_FDCWD, f->a1, &g, R_DEV_OK);
	if (r == 0)
		r = g.dev >= 0 ? dev_statfs(g.dev, &u) : host_statfs(&g.p, &u);
	return put_statfs(r, &u, f->a2);
}

long sys_fstatfs(const struct syscall_frame *f)
{
	struct ukvm_statfs u;
	struct ofile *of = fd_get(f->a1);
	return of ? put_statfs(of->ops->statfs(of, &u), &u, f->a2) : -EBADF;
}

/* ---- directories and names ---------------------------------------------- */

static long path_call(unsigned nr, uint64_t dirfd, uint64_t upath, uint32_t flags, uint32_t mode)
{
	static struct gpath g;
	int access = nr == UKVM_HC_FS_ACCESS;
	long r = resolve(dirfd, upath, &g, access ? R_DEV_OK : 0);
	if (r < 0)
		return r;
	if (g.dev >= 0)
		return dev_access(g.dev, mode);
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
	hc_fs_rename(&hc);
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
	long r = resolve(dirfd, upath, &g, R_DEV_OK);
	if (r < 0)
		return r;
	if (g.dev >= 0)
		return -EINVAL; /* not a symlink */
	struct ukvm_hc_fs_readlink hc = {.p = g.p, .buf = buf, .len = len};
	hc_fs_readlink(&hc);
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
	long r = resolve((uint64_t)AT_FDCWD, f->a1, &g, R_DEV_OK);
	if (r < 0)
		return r;
	if (g.dev >= 0)
		return -ENOTDIR;
	r = host_stat(&g.p, 0, &u);
	return r < 0 ? r : set_cwd(g.abs, &u);
}

long sys_fchdir(const struct syscall_frame *f)
{
	struct ukvm_stat u;
	struct ofile *of = fd_get(f->a1);
	if (!of)
		return -EBADF;
	if (!of->ops->dir_path)
		return -ENOTDIR;
	long r = of->ops->stat(of, &u);
	return r < 0 ? r : set_cwd(of->ops->dir_path(of), &u);
}

/* ---- attributes: mode, times, owner; links ------------------------------- */

/* chmod/utimens of the open file dirfd (upath 0) or of (dirfd, upath). */
static long attr_call(unsigned nr, uint64_t dirfd, uint64_t upath, uint32_t flags,
		      struct ukvm_hc_fs_attr *hc)
{
	static struct gpath g;
	if (flags & ~(uint32_t)AT_SYMLINK_NOFOLLOW)
		return -EINVAL;
	if (!upath) {
		struct ofile *of = fd_get(dirfd);
		if (!of)
			return -EBADF;
		if (nr == UKVM_HC_FS_CHMOD)
			return of->ops->chmod ? of->ops->chmod(of, hc->mode) : -EINVAL;
		return of->ops->utimens ? of->ops->utimens(of, hc->times) : -EPERM;
	}
	long r = resolve(dirfd, upath, &g, 0);
	if (r < 0)
		return r;
	hc->flags = flags;
	hc->handle = -1;
	hc->p = g.p;
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
		/* as Linux: nothing to do, and the fd, path and flags are not
		 * even looked at */
		if (ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT)
			return 0;
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
		r = of->ops->stat(of, &u);
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
	hc_fs_symlink(&hc);
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
	hc_fs_link(&hc);
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
