/*
 * Files and directories of the --dir mappings as open files (hostfile.h).
 * Each is a handle of the VMM; every call on it acts on the VMM's open
 * host fd, never on a path, so it keeps working after the file is renamed
 * or removed (tmpfile()). Reads and writes go to the VMM as one
 * hypercall with the program's own buffers (no copy here).
 */
#include <errno.h>
#include <fcntl.h>

#include "kernel.h"
#include "hostfile.h"

/* The state of one open host file: priv.ptr of its struct ofile. */
struct hostfile {
	int32_t handle;		     /* the VMM's; 0: a free slot */
	char path[UKVM_FS_PATH_MAX]; /* the normalised guest path it was opened by */
};

/* One per VMM handle: the VMM opens at most UKVM_FS_HANDLES_MAX. */
static struct hostfile hostfiles[UKVM_FS_HANDLES_MAX];

static int32_t handle_of(const struct ofile *of)
{
	return ((const struct hostfile *)of->priv.ptr)->handle;
}

static long hostfile_io(struct ofile *of, const struct fd_io *io, unsigned nr)
{
	struct ukvm_hc_fs_io hc = {.handle = handle_of(of),
				   .iovcnt = (uint32_t)io->cnt,
				   .iov = (uint64_t)(uintptr_t)io->iov,
				   .offset = io->off};
	hypercall(nr, &hc);
	return hc.ret;
}

static long hostfile_read(struct ofile *of, const struct fd_io *io)
{
	return hostfile_io(of, io, UKVM_HC_FS_PREADV);
}

static long hostfile_write(struct ofile *of, const struct fd_io *io)
{
	return hostfile_io(of, io, UKVM_HC_FS_PWRITEV);
}

/* The fs_handle hypercalls: seek, truncate, fsync. */
static long handle_call(struct ofile *of, unsigned nr, uint32_t op, int64_t arg)
{
	struct ukvm_hc_fs_handle hc = {.handle = handle_of(of), .op = op, .arg = arg};
	hypercall(nr, &hc);
	return hc.ret;
}

static long hostfile_seek(struct ofile *of, int64_t off, uint32_t whence)
{
	return handle_call(of, UKVM_HC_FS_SEEK, whence, off);
}

static long hostfile_stat(struct ofile *of, struct ukvm_stat *u)
{
	struct ukvm_hc_fs_stat hc = {.handle = handle_of(of), .st = (uint64_t)(uintptr_t)u};
	hc_fs_stat(&hc);
	return hc.ret;
}

static long hostfile_statfs(struct ofile *of, struct ukvm_statfs *u)
{
	struct ukvm_hc_fs_statfs hc = {.handle = handle_of(of), .sfs = (uint64_t)(uintptr_t)u};
	hc_fs_statfs(&hc);
	return hc.ret;
}

static long hostfile_truncate(struct ofile *of, int64_t len)
{
	long r = handle_call(of, UKVM_HC_FS_TRUNCATE, 0, len);
	/* a read-only mapping says EROFS first; else a file not open for
	 * writing is EINVAL, as on Linux */
	return r == -EROFS || (of->flags & O_ACCMODE) != O_RDONLY ? r : -EINVAL;
}

static long hostfile_sync(struct ofile *of, int data_only)
{
	return handle_call(of, UKVM_HC_FS_FSYNC, (uint32_t)data_only, 0);
}

static long hostfile_getdents(struct ofile *of, uint64_t buf, uint64_t len)
{
	struct ukvm_hc_fs_buf hc = {.handle = handle_of(of), .buf = buf, .len = len};
	hc_fs_getdents(&hc);
	return hc.ret;
}

static long attr_call(struct ofile *of, unsigned nr, struct ukvm_hc_fs_attr *hc)
{
	hc->handle = handle_of(of);
	hypercall(nr, hc);
	return hc->ret;
}

static long hostfile_chmod(struct ofile *of, uint32_t mode)
{
	struct ukvm_hc_fs_attr hc = {.mode = mode};
	return attr_call(of, UKVM_HC_FS_CHMOD, &hc);
}

static long hostfile_utimens(struct ofile *of, const int64_t times[4])
{
	struct ukvm_hc_fs_attr hc = {.times = {times[0], times[1], times[2], times[3]}};
	return attr_call(of, UKVM_HC_FS_UTIMENS, &hc);
}

static const char *hostfile_dir_path(struct ofile *of)
{
	return ((struct hostfile *)of->priv.ptr)->path;
}

static void hostfile_close(struct hostfile *h)
{
	struct ukvm_hc_fs_handle hc = {.handle = h->handle};
	hc_fs_close(&hc);
	h->handle = 0;
}

static void hostfile_release(struct ofile *of)
{
	hostfile_close(of->priv.ptr);
}

static const struct file_ops hostfile_ops = {
    .read = hostfile_read,
    .write = hostfile_write,
    .pread = hostfile_read,
    .pwrite = hostfile_write,
    .seek = hostfile_seek,
    .stat = hostfile_stat,
    .statfs = hostfile_statfs,
    .truncate = hostfile_truncate,
    .sync = hostfile_sync,
    .getdents = hostfile_getdents,
    .chmod = hostfile_chmod,
    .utimens = hostfile_utimens,
    .dir_path = hostfile_dir_path,
    .release = hostfile_release,
};

long hostfile_open(const struct ukvm_fs_path *p, const char *abs, uint32_t hflags, uint32_t mode,
		   struct ofile **of)
{
	struct hostfile *h = NULL;
	for (unsigned i = 0; i < ARRAY_SIZE(hostfiles) && !h; i++)
		if (!hostfiles[i].handle)
			h = &hostfiles[i];
	if (!h)
		return -EMFILE; /* the VMM's limit of open host files */
	struct ukvm_hc_fs_path hc = {.p = *p, .flags = hflags, .mode = mode};
	hc_fs_open(&hc);
	if (hc.ret < 0)
		return hc.ret;
	h->handle = (int32_t)hc.ret;
	*of = ofile_new(&hostfile_ops, hflags & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECTORY));
	if (!*of) {
		hostfile_close(h);
		return -ENFILE;
	}
	kmemcpy(h->path, abs, kstrlen(abs) + 1);
	(*of)->priv.ptr = h;
	return 0;
}

int32_t hostfile_handle(const struct ofile *of)
{
	return of->ops == &hostfile_ops ? handle_of(of) : 0;
}
