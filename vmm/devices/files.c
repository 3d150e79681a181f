/*
 * --dir: host directories served to the guest by hypercall (files.h).
 * Guest-controlled values (mapping index, handle, path bytes, iovecs) are
 * copied once and checked here; paths are resolved by the kernel beneath
 * the mapping's root, never by string checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/exit_status.h"
#include "base/log.h"
#include "commands/options.h"
#include "common/path.h"
#include "core/hypercall.h"
#include "core/vm.h"
#include "devices/files.h"

#define RESOLVE_CONFINED (RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)
/* Open flags a guest may ask for; anything else is dropped. */
#define OPEN_FLAGS_ALLOWED                                                                         \
	(O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DIRECTORY | O_NOFOLLOW |            \
	 O_NONBLOCK | O_DSYNC | O_SYNC)

void fs_init(struct fs *fs)
{
	/* Not the mounts (128 KiB): those past nmounts are never read, and
	 * each page first touched costs a zeroed page (boot time). */
	fs->nmounts = 0;
	for (unsigned i = 0; i < UKVM_FS_HANDLES_MAX; i++)
		fs->handles[i].fd = -1;
	fs->umask = umask(0); /* the guest applies its own umask to modes */
	umask((mode_t)fs->umask);
}

int fs_add_dir(struct fs *fs, const char *arg, char *err, size_t errlen)
{
	char host[UKVM_FS_PATH_MAX];
	const char *guest = "/";
	bool ro = false;
	size_t len = strlen(arg);

	if (len >= sizeof(host)) {
		snprintf(err, errlen, "--dir: path too long");
		return -1;
	}
	memcpy(host, arg, len + 1);
	char *colon = strrchr(host, ':');
	if (colon && (!strcmp(colon, ":ro") || !strcmp(colon, ":rw"))) {
		ro = colon[1] == 'r' && colon[2] == 'o';
		*colon = '\0';
		colon = strrchr(host, ':');
	}
	if (colon && colon[1] == '/') {
		guest = colon + 1;
		*colon = '\0';
	} else if (colon) {
		snprintf(err, errlen,
			 "--dir '%s': the guest path after ':' must be absolute, "
			 "and the only option is ':ro' or ':rw'",
			 arg);
		return -1;
	}
	if (!host[0]) {
		snprintf(err, errlen, "--dir '%s': no host directory", arg);
		return -1;
	}
	if (fs->nmounts == UKVM_FS_MOUNTS_MAX) {
		snprintf(err, errlen, "too many --dir options (at most %d)", UKVM_FS_MOUNTS_MAX);
		return -1;
	}
	struct fs_mount *m = &fs->mounts[fs->nmounts];
	if (path_normalize(m->guest, sizeof(m->guest), "/", guest) < 0) {
		snprintf(err, errlen, "--dir '%s': guest path too long", arg);
		return -1;
	}
	for (unsigned i = 0; i < fs->nmounts; i++) {
		if (!strcmp(fs->mounts[i].guest, m->guest)) {
			snprintf(err, errlen, "--dir '%s': %s is mapped twice", arg, m->guest);
			return -1;
		}
	}
	m->root = open(host, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (m->root < 0) {
		snprintf(err, errlen, "--dir '%s': %s: %s", arg, host, strerror(errno));
		return -1;
	}
	m->ro = ro;
	fs->nmounts++;
	return 0;
}

void fs_close(struct fs *fs)
{
	for (unsigned i = 0; i < fs->nmounts; i++)
		close(fs->mounts[i].root);
	for (unsigned i = 0; i < UKVM_FS_HANDLES_MAX; i++)
		if (fs->handles[i].fd >= 0)
			close(fs->handles[i].fd);
	fs->nmounts = 0;
}

/* A host call's result as the guest gets it: the value, or -errno. */
static int64_t host_ret(int64_t r)
{
	return r < 0 ? -errno : r;
}

/* ---- checked access to guest arguments --------------------------------- */

/* A guest path of hypercall nr (ABI: relative, no NUL, shorter than
 * UKVM_FS_PATH_MAX) into buf as a C string ("." for the root) and its
 * mapping. 0, -errno, or HC_STOPPED (buffer outside guest RAM). */
static int get_path(struct vm *vm, unsigned nr, const struct ukvm_fs_path *p, char *buf,
		    const struct fs_mount **m)
{
	uint32_t mount = p->mount, len = p->len;
	uint64_t addr = p->path;

	if (!vm->fs || mount >= vm->fs->nmounts)
		return -ENOENT; /* no such mapping (vm->fs NULL: none at all) */
	*m = &vm->fs->mounts[mount];
	if (len >= UKVM_FS_PATH_MAX)
		return -ENAMETOOLONG;
	if (len) {
		const void *src = hc_buf(vm, nr, "path", addr, len);
		if (!src)
			return HC_STOPPED;
		memcpy(buf, src, len);
	}
	if (len == 0)
		buf[len++] = '.';
	buf[len] = '\0';
	if (memchr(buf, '\0', len) || buf[0] == '/')
		return -EINVAL;
	return 0;
}

/* openat2 beneath the mapping's root. An escape (EXDEV) is EACCES. */
static int open_beneath(const struct fs_mount *m, const char *path, uint64_t flags, uint64_t mode)
{
	struct open_how how = {.flags = flags | O_CLOEXEC | (flags & O_PATH ? 0 : O_NOCTTY),
			       .mode =
				   (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? mode : 0,
			       .resolve = RESOLVE_CONFINED};
	int fd = (int)syscall(SYS_openat2, m->root, path, &how, sizeof(how));
	if (fd < 0)
		return errno == EXDEV ? -EACCES : -errno;
	return fd;
}

/* Opens the parent of path (O_PATH) and points *name at the last component,
 * which must be a real name. The caller closes the fd. */
static int open_parent(const struct fs_mount *m, char *path, const char **name)
{
	char *slash = strrchr(path, '/');
	const char *parent = ".";

	if (slash) {
		*slash = '\0';
		parent = path;
		*name = slash + 1;
	} else {
		*name = path;
	}
	if (!**name || !strcmp(*name, ".") || !strcmp(*name, ".."))
		return -EINVAL;
	return open_beneath(m, parent, O_PATH | O_DIRECTORY, 0);
}

static struct fs_handle *get_handle(struct vm *vm, int32_t h)
{
	if (!vm->fs || h < UKVM_FS_STDIO_HANDLES ||
	    h >= UKVM_FS_STDIO_HANDLES + UKVM_FS_HANDLES_MAX)
		return NULL;
	struct fs_handle *fh = &vm->fs->handles[h - UKVM_FS_STDIO_HANDLES];
	return fh->fd >= 0 ? fh : NULL;
}

int fs_handle_fd(struct vm *vm, int32_t h)
{
	struct fs_handle *fh = get_handle(vm, h);
	return fh ? fh->fd : -1;
}

/* ---- hypercalls -------------------------------------------------------- */

void hc_fs_mount(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_mount *a)
{
	int64_t ret;
	char *dst;

	a->umask = vm->fs ? vm->fs->umask : 022;
	a->flags = 0;
	if (!vm->fs || a->index >= vm->fs->nmounts) {
		ret = -ENOENT;
	} else {
		const struct fs_mount *m = &vm->fs->mounts[a->index];
		size_t len = strlen(m->guest);
		a->flags = m->ro ? UKVM_FS_MOUNT_RO : 0;
		if (len >= a->len) {
			ret = -ERANGE;
		} else if (!(dst = hc_buf(vm, UKVM_HC_FS_MOUNT, "buffer", a->path, len + 1))) {
			return;
		} else {
			memcpy(dst, m->guest, len + 1);
			ret = (int64_t)len;
		}
	}
	a->ret = ret;
	hc_put(vm, gpa, 0, a, sizeof(*a));
}

void hc_fs_open(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_path *a)
{
	char path[UKVM_FS_PATH_MAX];
	const struct fs_mount *m;
	struct stat st;
	int r;

	if ((r = get_path(vm, UKVM_HC_FS_OPEN, &a->p, path, &m)) == HC_STOPPED)
		return;
	uint32_t flags = a->flags;
	unsigned slot = 0;
	if (r == 0 && (flags & (O_TMPFILE & ~O_DIRECTORY)))
		r = -EOPNOTSUPP;
	if (r == 0 && m->ro && ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC))))
		r = -EROFS;
	if (r == 0) {
		while (slot < UKVM_FS_HANDLES_MAX && vm->fs->handles[slot].fd >= 0)
			slot++;
		if (slot == UKVM_FS_HANDLES_MAX)
			r = -EMFILE;
	}
	if (r == 0) {
		/* O_NONBLOCK while opening: a FIFO must not block the VMM; only
		 * regular files and directories are served. */
		int fd = open_beneath(m, path, (flags & OPEN_FLAGS_ALLOWED) | O_NONBLOCK,
				      a->mode & 07777);
		if (fd < 0) {
			r = fd;
		} else if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
			close(fd);
			r = -ENXIO;
		} else {
			if (!(flags & O_NONBLOCK))
				fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			vm->fs->handles[slot] = (struct fs_handle){.fd = fd, .ro = m->ro};
			r = (int)slot + UKVM_FS_STDIO_HANDLES;
		}
	}
	HC_PUT_RET(vm, gpa, ukvm_hc_fs_path, r);
}

void hc_fs_close(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_handle *a)
{
	struct fs_handle *h = get_handle(vm, a->handle);
	if (h) {
		close(h->fd);
		h->fd = -1;
	}
	HC_PUT_RET(vm, gpa, ukvm_hc_fs_handle, h ? 0 : -EBADF);
}

static void fs_io(struct vm *vm, uint64_t gpa, const struct ukvm_hc_fs_io *a, bool write)
{
	static struct iovec hiov[UKVM_IOV_MAX];
	int64_t off = a->offset;
	int cnt =
	    hc_iovec(vm, write ? UKVM_HC_FS_PWRITEV : UKVM_HC_FS_PREADV, a->iov, a->iovcnt, hiov);

	if (cnt < 0)
		return;
	struct fs_handle *h = get_handle(vm, a->handle);
	ssize_t n;
	if (!h)
		n = -EBADF;
	else if (off < -1)
		n = -EINVAL;
	else if (cnt == 0)
		n = 0;
	else {
		do {
			if (write)
				n = off < 0 ? writev(h->fd, hiov, cnt)
					    : pwritev(h->fd, hiov, cnt, off);
			else
				n = off < 0 ? readv(h->fd, hiov, cnt)
					    : preadv(h->fd, hiov, cnt, off);
		} while (n < 0 && errno == EINTR && !vm_check_stop(vm));
		if (vm->done)
			return;
		if (n < 0)
			n = -errno;
	}
	HC_PUT_RET(vm, gpa, ukvm_hc_fs_io, n);
}

void hc_fs_preadv(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_io *a)
{
	fs_io(vm, gpa, a, false);
}

void hc_fs_pwritev(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_io *a)
{
	fs_io(vm, gpa, a, true);
}

void hc_fs_seek(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_handle *a)
{
	struct fs_handle *h = get_handle(vm, a->handle);
	int64_t r = !h ? -EBADF : lseek(h->fd, a->arg, (int)a->op);
	if (h && r < 0)
		r = -errno;
	HC_PUT_RET(vm, gpa, ukvm_hc_fs_handle, r);
}

static void stat_to_abi(const struct stat *s, struct ukvm_stat *u)
{
	*u = (struct ukvm_stat){
	    .dev = s->st_dev,
	    .ino = s->st_ino,
	    .nlink = s->st_nlink,
	    .size = (uint64_t)s->st_size,
	    .blocks = (uint64_t)s->st_blocks,
	    .rdev = s->st_rdev,
	    .mode = s->st_mode,
	    .uid = s->st_uid,
	    .gid = s->st_gid,
	    .blksize = (uint32_t)s->st_blksize,
	    .atime_sec = s->st_atim.tv_sec,
	    .atime_nsec = (uint32_t)s->st_atim.tv_nsec,
	    .mtime_sec = s->st_mtim.tv_sec,
	    .mtime_nsec = (uint32_t)s->st_mtim.tv_nsec,
	    .ctime_sec = s->st_ctim.tv_sec,
	    .ctime_nsec = (uint32_t)s->st_ctim.tv_nsec,
	};
}

/* The host fd of handle h for fs_stat and fs_statfs: 0..2 are the VMM's
 * own standard streams, the others open files (*ro, unless NULL: of a
 * read-only mapping). -EBADF if h is not open. */
static int stat_handle_fd(struct vm *vm, int32_t h, bool *ro)
{
	if (h < UKVM_FS_STDIO_HANDLES)
		return h;
	struct fs_handle *fh = get_handle(vm, h);
	if (!fh)
		return -EBADF;
	if (ro)
		*ro = fh->ro;
	return fh->fd;
}

/* Copies a result of len bytes to the guest's [dst, +len) of hypercall
 * nr; false after stopping the VM (outside guest RAM). */
static bool put_result(struct vm *vm, unsigned nr, uint64_t dst, const void *src, size_t len)
{
	void *out = hc_buf(vm, nr, "result", dst, len);
	if (out)
		memcpy(out, src, len);
	return out != NULL;
}

void hc_fs_stat(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_stat *a)
{
	char path[UKVM_FS_PATH_MAX];
	const struct fs_mount *m;
	struct stat st;
	int r = 0;

	int32_t handle = a->handle;
	uint64_t dst = a->st;
	if (handle >= 0) {
		r = stat_handle_fd(vm, handle, NULL);
		r = r < 0 ? r : (int)host_ret(fstat(r, &st));
	} else if ((r = get_path(vm, UKVM_HC_FS_STAT, &a->p, path, &m)) == HC_STOPPED) {
		return;
	} else if (r == 0 && (a->flags & AT_SYMLINK_NOFOLLOW) && strcmp(path, ".")) {
		const char *name;
		int dir = open_parent(m, path, &name);
		r = dir < 0 ? dir : fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
		if (dir >= 0)
			close(dir);
	} else if (r == 0) {
		int fd = open_beneath(m, path, O_PATH, 0);
		r = fd < 0 ? fd : fstat(fd, &st) < 0 ? -errno : 0;
		if (fd >= 0)
			close(fd);
	}
	if (r == 0) {
		struct ukvm_stat u;
		stat_to_abi(&st, &u);
		if (!put_result(vm, UKVM_HC_FS_STAT, dst, &u, sizeof(u)))
			return;
	}
	HC_PUT_RET(vm, gpa, ukvm_hc_fs_stat, r);
}

/* fstatfs of a handle (0..2: the VMM's streams) or of what a path names
 * (a last symlink followed inside the mapping, as statfs follows it). A
 * read-only mapping says ST_RDONLY, whatever the host file system says. */
void hc_fs_statfs(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_statfs *a)
{
	char path[UKVM_FS_PATH_MAX];
	const struct fs_mount *m;
	struct statfs sf;
	bool ro = false;
	int r;

	int32_t handle = a->handle;
	uint64_t dst = a->sfs;
	if (handle >= 0) {
		r = stat_handle_fd(vm, handle, &ro);
		r = r < 0 ? r : (int)host_ret(fstatfs(r, &sf));
	} else if ((r = get_path(vm, UKVM_HC_FS_STATFS, &a->p, path, &m)) == HC_STOPPED) {
		return;
	} else if (r == 0) {
		int fd = open_beneath(m, path, O_PATH, 0);
		r = fd < 0 ? fd : (int)host_ret(fstatfs(fd, &sf));
		if (fd >= 0)
			close(fd);
		ro = m->ro;
	}
	if (r == 0) {
		struct ukvm_statfs u = {
		    .type = (uint64_t)sf.f_type,
		    .bsize = (uint64_t)sf.f_bsize,
		    .blocks = sf.f_blocks,
		    .bfree = sf.f_bfree,
		    .bavail = sf.f_bavail,
		    .files = sf.f_files,
		    .ffree = sf.f_ffree,
		    .fsid = {(uint32_t)sf.f_fsid.__val[0], (uint32_t)sf.f_fsid.__val[1]},
		    .namelen = (uint64_t)sf.f_namelen,
		    .frsize = (uint64_t)sf.f_frsize,
		    .flags = (uint64_t)sf.f_flags | (ro ? ST_RDONLY : 0),
		};
		if (!put_result(vm, UKVM_HC_FS_STATFS, dst, &u, sizeof(u)))
			return;
	}
	HC_PUT_RET(vm, gpa, ukvm_hc_fs_statfs, r);
}

void hc_fs_getdents(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_buf *a)
{
	uint64_t len = a->len > (1u << 20) ? 1u << 20 : a->len;
	void *p = hc_buf(vm, UKVM_HC_FS_GETDENTS, "buffer", a->buf, len);
	if (!p)
		return;
	struct fs_handle *h = get_handle(vm, a->handle);
	int64_t r = !h ? -EBADF : syscall(SYS_getdents64, h->fd, p, (size_t)len);
	if (h && r < 0)
		r = -errno;
	HC_PUT_RET(vm, gpa, ukvm_hc_fs_buf, r);
}

/* The calls that name a last component: mkdir, unlink, readlink. */
enum name_op { OP_MKDIR, OP_UNLINK, OP_ACCESS };

static void fs_path_op(struct vm *vm, uint64_t gpa, const struct ukvm_hc_fs_path *a, unsigned nr,
		       enum name_op op)
{
	char path[UKVM_FS_PATH_MAX];
	const struct fs_mount *m;
	const char *name;
	int r;

	if ((r = get_path(vm, nr, &a->p, path, &m)) == HC_STOPPED)
		return;
	if (r == 0 && op == OP_ACCESS) {
		if (m->ro && (a->mode & W_OK)) {
			r = -EROFS;
		} else {
			int fd = open_beneath(m, path, O_PATH, 0);
			if (fd < 0)
				r = fd;
			else
				r = (int)host_ret(
				    syscall(SYS_faccessat2, fd, "", a->mode & 7, AT_EMPTY_PATH));
			if (fd >= 0)
				close(fd);
		}
	} else if (r == 0 && m->ro) {
		r = -EROFS;
	} else if (r == 0) {
		int dir = open_parent(m, path, &name);
		if (dir == -EINVAL) /* "", "." or "..": exists, or is busy */
			r = op == OP_MKDIR ? -EEXIST : -EBUSY;
		else if (dir < 0)
			r = dir;
		else if (op == OP_MKDIR)
			r = (int)host_ret(mkdirat(dir, name, a->mode & 07777));
		else
			r = (int)host_ret(unlinkat(dir, name, a->flags & AT_REMOVEDIR));
		if (dir >= 0)
			close(dir);
	}
	HC_PUT_RET(vm, gpa, ukvm_hc_fs_path, r);
}

void hc_fs_mkdir(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_path *a)
{
	fs_path_op(vm, gpa, a, UKVM_HC_FS_MKDIR, OP_MKDIR);
}

void hc_fs_unlink(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_path *a)
{
	fs_path_op(vm, gpa, a, UKVM_HC_FS_UNLINK, OP_UNLINK);
}

void hc_fs_access(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_path *a)
{
	fs_path_op(vm, gpa, a, UKVM_HC_FS_ACCESS, OP_ACCESS);
}

/* rename and link: two names in one mapping, each acted on from its parent
 * (link never follows a symlink at the end of the old name). */
static void fs_two_names(struct vm *vm, uint64_t gpa, const struct ukvm_hc_fs_rename *a,
			 unsigned nr, bool link)
{
	char from[UKVM_FS_PATH_MAX], to[UKVM_FS_PATH_MAX];
	const struct fs_mount *mf, *mt;
	const char *nf, *nt;
	int r, df = -1, dt = -1;

	if ((r = get_path(vm, nr, &a->from, from, &mf)) == HC_STOPPED)
		return;
	if (r == 0 && (r = get_path(vm, nr, &a->to, to, &mt)) == HC_STOPPED)
		return;
	if (r == 0 && (mf->ro || mt->ro))
		r = -EROFS;
	else if (r == 0 && mf != mt)
		r = -EXDEV;
	/* "", "." or ".." as a name: a mapping's root, or a directory in use */
	if (r == 0 && (df = open_parent(mf, from, &nf)) < 0)
		r = df == -EINVAL ? (link ? -EPERM : -EBUSY) : df;
	if (r == 0 && (dt = open_parent(mt, to, &nt)) < 0)
		r = dt == -EINVAL ? (link ? -EEXIST : -EBUSY) : dt;
	if (r == 0 && link)
		r = (int)host_ret(linkat(df, nf, dt, nt, 0));
	else if (r == 0)
		r = (int)host_ret(syscall(SYS_renameat2, df, nf, dt, nt,
					  a->flags & (RENAME_NOREPLACE | RENAME_EXCHANGE)));
	if (df >= 0)
		close(df);
	if (dt >= 0)
		close(dt);
	HC_PUT_RET(vm, gpa, ukvm_hc_fs_rename, r);
}

void hc_fs_rename(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_rename *a)
{
	fs_two_names(vm, gpa, a, UKVM_HC_FS_RENAME, false);
}

void hc_fs_link(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_rename *a)
{
	fs_two_names(vm, gpa, a, UKVM_HC_FS_LINK, true);
}

/* chmod and utimens: on a handle, or on what a path names. A symlink at
 * the end is followed through an O_PATH fd opened beneath the root (the
 * change goes through /proc/self/fd, the VMM's own view of that fd), or,
 * with AT_SYMLINK_NOFOLLOW, changed itself from its parent. */
enum attr_op { OP_CHMOD, OP_UTIMENS };

static int attr_apply(enum attr_op op, int dir, const char *name, int flags, uint32_t mode,
		      const struct timespec ts[2])
{
	int r = op == OP_CHMOD ? fchmodat(dir, name, mode, flags) : utimensat(dir, name, ts, flags);
	return r < 0 ? -errno : 0;
}

static void fs_attr(struct vm *vm, uint64_t gpa, const struct ukvm_hc_fs_attr *a, unsigned nr,
		    enum attr_op op)
{
	char path[UKVM_FS_PATH_MAX], proc[64];
	const struct fs_mount *m;
	const char *name;
	int r = 0;

	uint32_t mode = a->mode & 07777;
	struct timespec ts[2] = {{a->times[0], (long)a->times[1]},
				 {a->times[2], (long)a->times[3]}};
	if (a->handle >= 0) {
		struct fs_handle *h = get_handle(vm, a->handle);
		if (!h)
			r = -EBADF;
		else if (h->ro)
			r = -EROFS;
		else
			r = (int)host_ret(op == OP_CHMOD ? fchmod(h->fd, mode)
							 : futimens(h->fd, ts));
	} else if ((r = get_path(vm, nr, &a->p, path, &m)) == HC_STOPPED) {
		return;
	} else if (r == 0 && m->ro) {
		r = -EROFS;
	} else if (r == 0 && (a->flags & AT_SYMLINK_NOFOLLOW)) {
		int dir = open_parent(m, path, &name);
		r = dir < 0 ? dir : attr_apply(op, dir, name, AT_SYMLINK_NOFOLLOW, mode, ts);
		if (dir >= 0)
			close(dir);
	} else if (r == 0) {
		int fd = open_beneath(m, path, O_PATH, 0);
		if (fd < 0) {
			r = fd;
		} else {
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
			r = attr_apply(op, AT_FDCWD, proc, 0, mode, ts);
			close(fd);
		}
	}
	HC_PUT_RET(vm, gpa, ukvm_hc_fs_attr, r);
}

void hc_fs_chmod(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_attr *a)
{
	fs_attr(vm, gpa, a, UKVM_HC_FS_CHMOD, OP_CHMOD);
}

void hc_fs_utimens(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_attr *a)
{
	fs_attr(vm, gpa, a, UKVM_HC_FS_UTIMENS, OP_UTIMENS);
}

void hc_fs_symlink(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_symlink *a)
{
	char path[UKVM_FS_PATH_MAX], target[UKVM_FS_PATH_MAX];
	const struct fs_mount *m;
	const char *name;
	int r;

	uint64_t len = a->target_len;
	if (len == 0 || len >= sizeof(target)) {
		HC_PUT_RET(vm, gpa, ukvm_hc_fs_symlink, len ? -ENAMETOOLONG : -ENOENT);
		return;
	}
	const char *src = hc_buf(vm, UKVM_HC_FS_SYMLINK, "target", a->target, len);
	if (!src)
		return;
	memcpy(target, src, len);
	target[len] = '\0';
	if ((r = get_path(vm, UKVM_HC_FS_SYMLINK, &a->p, path, &m)) == HC_STOPPED)
		return;
	if (r == 0 && memchr(target, '\0', len))
		r = -EINVAL;
	else if (r == 0 && m->ro)
		r = -EROFS;
	else if (r == 0) {
		int dir = open_parent(m, path, &name);
		if (dir < 0)
			r = dir == -EINVAL ? -EEXIST : dir;
		else
			r = (int)host_ret(symlinkat(target, dir, name));
		if (dir >= 0)
			close(dir);
	}
	HC_PUT_RET(vm, gpa, ukvm_hc_fs_symlink, r);
}

void hc_fs_truncate(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_handle *a)
{
	struct fs_handle *h = get_handle(vm, a->handle);
	int64_t r = !h ? -EBADF : h->ro ? -EROFS : ftruncate(h->fd, a->arg) < 0 ? -errno : 0;
	HC_PUT_RET(vm, gpa, ukvm_hc_fs_handle, r);
}

void hc_fs_fsync(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_handle *a)
{
	struct fs_handle *h = get_handle(vm, a->handle);
	int r = !h ? -EBADF : (a->op == 1 ? fdatasync(h->fd) : fsync(h->fd)) < 0 ? -errno : 0;
	HC_PUT_RET(vm, gpa, ukvm_hc_fs_handle, r);
}

void hc_fs_readlink(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_readlink *a)
{
	char path[UKVM_FS_PATH_MAX];
	const struct fs_mount *m;
	const char *name;
	int64_t r;

	uint64_t len = a->len > UKVM_FS_PATH_MAX ? UKVM_FS_PATH_MAX : a->len;
	char *buf = hc_buf(vm, UKVM_HC_FS_READLINK, "buffer", a->buf, len);
	if (!buf)
		return;
	if ((r = get_path(vm, UKVM_HC_FS_READLINK, &a->p, path, &m)) == HC_STOPPED)
		return;
	if (r == 0) {
		int dir = open_parent(m, path, &name);
		r = dir < 0 ? dir : readlinkat(dir, name, buf, len);
		if (dir >= 0 && r < 0)
			r = -errno;
		if (dir >= 0)
			close(dir);
	}
	HC_PUT_RET(vm, gpa, ukvm_hc_fs_readlink, r);
}

/* ---- the device --------------------------------------------------------- */

static int files_setup(struct vm *vm, const struct run_options *o, char *err, size_t errlen)
{
	/* The host directories of where it runs: opened here, not by the
	 * option parser, which `pack` also runs. */
	if (!(vm->fs = malloc(sizeof(*vm->fs))))
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "out of memory");
	fs_init(vm->fs);
	for (int i = 0; i < o->ndirs; i++)
		if (fs_add_dir(vm->fs, o->dirs[i], err, errlen) < 0)
			return EXIT_HOST_ERROR;
	return 0;
}

static void files_stop(struct vm *vm)
{
	if (!vm->fs)
		return;
	fs_close(vm->fs);
	free(vm->fs);
	vm->fs = NULL;
}

static bool fs_writable(const struct fs *fs)
{
	for (unsigned i = 0; i < fs->nmounts; i++)
		if (!fs->mounts[i].ro)
			return true;
	return false;
}

/* fs_stat and fs_statfs of the VMM's own streams always; the rest only
 * with --dir, and the calls that change files only with a read-write
 * mapping. Paths are confined by openat2's RESOLVE_BENEATH above: seccomp
 * cannot see into a path. */
static void files_seccomp(const struct vm *vm, struct seccomp_rules *r)
{
	for (int fd = 0; fd <= 2; fd++) { /* fstat, fstatfs */
		ALLOW_IF(r, newfstatat, FD_IS(fd));
		ALLOW_IF(r, fstatfs, FD_IS(fd));
	}
	if (!vm->fs || !vm->fs->nmounts)
		return;
	ALLOW(r, openat2); /* every guest path, beneath a mapping's root */
	/* glibc's fchmodat(AT_SYMLINK_NOFOLLOW): an O_PATH fd first */
	ALLOW_IF(r, openat, arg_eq(2, O_PATH | O_NOFOLLOW | O_CLOEXEC));
	ALLOW(r, preadv);
	ALLOW(r, readv); /* at the file offset (offset -1) */
	ALLOW(r, lseek);
	ALLOW(r, newfstatat); /* fstat, fstatat */
	ALLOW(r, fstatfs);
	ALLOW(r, getdents64);
	ALLOW(r, readlinkat);
	ALLOW(r, faccessat2);
	ALLOW_IF(r, fcntl, arg_eq(1, F_GETFL)); /* clearing O_NONBLOCK */
	ALLOW_IF(r, fcntl, arg_eq(1, F_SETFL));
	ALLOW(r, fsync);
	ALLOW(r, fdatasync);
	if (!fs_writable(vm->fs))
		return;
	ALLOW(r, pwritev);
	ALLOW(r, writev); /* at the file offset (offset -1) */
	ALLOW(r, ftruncate);
	ALLOW(r, mkdirat);
	ALLOW(r, unlinkat);
	ALLOW(r, renameat2);
	ALLOW(r, linkat);
	ALLOW(r, symlinkat);
	ALLOW(r, fchmodat);
	ALLOW(r, fchmod);
	ALLOW(r, utimensat); /* futimens too */
}

static const struct hc_row hypercalls[] = {
    HC_ROW(fs_mount),	HC_ROW(fs_open),    HC_ROW(fs_close),	 HC_ROW(fs_preadv),
    HC_ROW(fs_pwritev), HC_ROW(fs_seek),    HC_ROW(fs_stat),	 HC_ROW(fs_getdents),
    HC_ROW(fs_mkdir),	HC_ROW(fs_unlink),  HC_ROW(fs_rename),	 HC_ROW(fs_truncate),
    HC_ROW(fs_fsync),	HC_ROW(fs_access),  HC_ROW(fs_readlink), HC_ROW(fs_chmod),
    HC_ROW(fs_utimens), HC_ROW(fs_symlink), HC_ROW(fs_link),	 HC_ROW(fs_statfs),
};

const struct device files_device = {
    .name = "files",
    .usage = "  -d, --dir HOST_PATH[:GUEST_PATH][:ro]\n"
	     "                        make the host directory HOST_PATH visible to the guest\n"
	     "                        at GUEST_PATH (default /), read-only with :ro\n"
	     "                        (repeatable). The guest starts in the first one's\n"
	     "                        GUEST_PATH; nothing else of the host's files is\n"
	     "                        visible, and no path leads out of a mapping.\n",
    DEVICE_HYPERCALLS(hypercalls),
    .setup = files_setup,
    .stop = files_stop,
    .seccomp_vcpu = files_seccomp,
};
