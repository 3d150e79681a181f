/*
 * The few device files every program may expect, whatever is mapped
 * (dev.h): /dev/null, /dev/zero, /dev/random, /dev/urandom (the host's
 * getrandom), and /dev/stdin, /dev/stdout, /dev/stderr (a new fd for fd
 * 0, 1, 2). They live in the guest and take precedence over --dir
 * mappings. An open device's priv.id is its index in devs[].
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "kernel.h"
#include "dev.h"

static const struct {
	const char *path;
	uint32_t rdev; /* Linux's major:minor, as makedev */
	int stream;    /* /dev/std*: the fd it stands for; -1 otherwise */
} devs[] = {
    {"/dev/null", 0x103, -1},	 {"/dev/zero", 0x105, -1}, {"/dev/random", 0x108, -1},
    {"/dev/urandom", 0x109, -1}, {"/dev/stdin", 0, 0},	   {"/dev/stdout", 0, 1},
    {"/dev/stderr", 0, 2},
};
#define DEV_NULL 0
#define DEV_ZERO 1
#define DEV_FS_DEV 5	       /* st_dev of the devices, devtmpfs's; and its fsid */
#define TMPFS_MAGIC 0x01021994 /* linux/magic.h */

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int dev_lookup(const char *abs)
{
	for (unsigned i = 0; i < ARRAY_SIZE(devs); i++)
		if (streq(abs, devs[i].path))
			return (int)i;
	return -1;
}

static long dev_read(struct ofile *of, const struct fd_io *io)
{
	long total = 0;
	for (uint64_t i = 0; i < io->cnt; i++)
		total += (long)io->iov[i].len;
	if (of->priv.id == DEV_NULL)
		return 0;
	for (uint64_t i = 0; i < io->cnt; i++) {
		const struct ukvm_iovec *v = &io->iov[i];
		if (of->priv.id == DEV_ZERO) {
			kmemset((void *)(uintptr_t)v->base, 0, v->len);
			continue;
		}
		for (uint64_t done = 0; done < v->len;) {
			struct ukvm_hc_fs_buf hc = {.buf = v->base + done, .len = v->len - done};
			hc_random(&hc);
			if (hc.ret <= 0)
				return hc.ret < 0 ? hc.ret : -EIO;
			done += (uint64_t)hc.ret;
		}
	}
	return total;
}

static long dev_write(struct ofile *of, const struct fd_io *io)
{
	long total = 0;
	(void)of; /* every device takes and drops what is written */
	for (uint64_t i = 0; i < io->cnt; i++)
		total += (long)io->iov[i].len;
	return total;
}

static long dev_seek(struct ofile *of, int64_t off, uint32_t whence)
{
	(void)of, (void)off, (void)whence;
	return 0; /* as Linux's null, zero and random devices */
}

/* The open file /dev/std* stands for (fd 0, 1 or 2), NULL if that is
 * closed; dev is one of them. */
static struct ofile *dev_stream(int dev)
{
	return fd_get((uint64_t)devs[dev].stream);
}

long dev_stat(int dev, struct ukvm_stat *u)
{
	if (devs[dev].stream >= 0) {
		struct ofile *of = dev_stream(dev);
		return of ? of->ops->stat(of, u) : -ENOENT;
	}
	*u = (struct ukvm_stat){.mode = S_IFCHR | 0666,
				.nlink = 1,
				.rdev = devs[dev].rdev,
				.blksize = 4096,
				.dev = DEV_FS_DEV,
				.ino = (uint64_t)dev + 1};
	return 0;
}

/* As Linux's devtmpfs, a tmpfs (mounted without options, as the kernel
 * and this machine's /dev: ST_RELATIME) of half the RAM, in pages, and as
 * many inodes; the devices take some of them. */
long dev_statfs(int dev, struct ukvm_statfs *u)
{
	if (devs[dev].stream >= 0) {
		struct ofile *of = dev_stream(dev);
		return of ? of->ops->statfs(of, u) : -ENOENT;
	}
	uint64_t pages = boot_info.mem_size / 2 / UKVM_PAGE_SIZE;
	*u = (struct ukvm_statfs){.type = TMPFS_MAGIC,
				  .bsize = UKVM_PAGE_SIZE,
				  .blocks = pages,
				  .bfree = pages,
				  .bavail = pages,
				  .files = pages,
				  .ffree = pages - ARRAY_SIZE(devs),
				  .fsid = {DEV_FS_DEV, 0},
				  .namelen = 255,
				  .frsize = UKVM_PAGE_SIZE,
				  .flags = ST_VALID | ST_RELATIME};
	return 0;
}

static long dev_fstat(struct ofile *of, struct ukvm_stat *u)
{
	return dev_stat((int)of->priv.id, u);
}

static long dev_fstatfs(struct ofile *of, struct ukvm_statfs *u)
{
	return dev_statfs((int)of->priv.id, u);
}

static const struct file_ops dev_ops = {
    .read = dev_read,
    .write = dev_write,
    .pread = dev_read,
    .pwrite = dev_write,
    .seek = dev_seek,
    .stat = dev_fstat,
    .statfs = dev_fstatfs,
};

long dev_open(int dev, uint32_t flags, struct ofile **of)
{
	if (devs[dev].stream >= 0) {
		struct ofile *s = dev_stream(dev);
		if (!s)
			return -ENOENT;
		*of = ofile_get(s);
		return 0;
	}
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	*of = ofile_new(&dev_ops, flags & (O_ACCMODE | O_APPEND | O_NONBLOCK));
	if (!*of)
		return -ENFILE;
	(*of)->priv.id = (uint64_t)dev;
	return 0;
}
