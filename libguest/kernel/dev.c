/*
 * The few device files every program may expect, whatever is mapped
 * (dev.h): /dev/null, /dev/zero, /dev/random, /dev/urandom (the host's
 * getrandom), and /dev/stdin, /dev/stdout, /dev/stderr (a new fd for fd
 * 0, 1, 2); and the network's /etc/resolv.conf, /etc/hosts and
 * /etc/services when the VMM has them (below). They live in the guest and
 * take precedence over --dir mappings. An open device's priv.id is its
 * index in devs[].
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "kernel.h"
#include "dev.h"

static const struct {
	const char *path;
	uint32_t rdev; /* Linux's major:minor, as makedev */
	int stream;    /* /dev/std*: the fd it stands for; -1 otherwise */
	int etc;       /* an /etc file of the VMM (UKVM_NET_ETC_*); -1 otherwise */
} devs[] = {
    {"/dev/null", 0x103, -1, -1},
    {"/dev/zero", 0x105, -1, -1},
    {"/dev/random", 0x108, -1, -1},
    {"/dev/urandom", 0x109, -1, -1},
    {"/dev/stdin", 0, 0, -1},
    {"/dev/stdout", 0, 1, -1},
    {"/dev/stderr", 0, 2, -1},
    {"/etc/resolv.conf", 0, -1, UKVM_NET_ETC_RESOLV_CONF},
    {"/etc/hosts", 0, -1, UKVM_NET_ETC_HOSTS},
    {"/etc/services", 0, -1, UKVM_NET_ETC_SERVICES},
};
#define DEV_FILES 7 /* the files of /dev: the first entries */
#define DEV_NULL 0
#define DEV_ZERO 1
#define DEV_FS_DEV 5	       /* st_dev of the devices, devtmpfs's; and its fsid */
#define TMPFS_MAGIC 0x01021994 /* linux/magic.h */
#define ETC_FS_DEV 6	       /* st_dev and fsid of the /etc files */

/* ---- the /etc files of the VMM ---------------------------------------------- *
 * Read-only regular files whose bytes the VMM gives (UKVM_HC_NET_ETC): the
 * host's, or those of --resolv-conf, --hosts-file, --services-file. One
 * the VMM does not have (-ENOENT) is not here: the path falls through to
 * the --dir mappings as any other. Each is fetched once, at its first
 * lookup, into pages of the page allocator. An open one's priv.id holds
 * its device index (low 8 bits) and its offset (the rest). */
static struct etc_file {
	int state; /* 0: not asked yet; 1: there; -1: the VMM has none */
	uint64_t size;
	const uint8_t *data;
} etcs[UKVM_NET_ETC_COUNT];
#define ETC_ID(dev, off) ((uint64_t)(dev) | (uint64_t)(off) << 8)
#define ETC_DEV(id) ((int)((id)&0xff))
#define ETC_OFF(id) ((id) >> 8)

/* Whether /etc file which exists, fetching it at the first call. */
static int etc_there(int which)
{
	if (etcs[which].state)
		return etcs[which].state > 0;
	etcs[which].state = -1;
	struct ukvm_hc_net_etc h = {.which = (uint32_t)which};
	hc_net_etc(&h);
	if (h.ret < 0 || h.ret > (int64_t)UKVM_NET_ETC_MAX)
		return 0;
	uint64_t size = (uint64_t)h.ret;
	long m = size ? mm_mmap(0, ALIGN_UP(size, UKVM_PAGE_SIZE), 3,
				0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */, -1, 0)
		      : 0;
	if (m < 0)
		return 0;
	h = (struct ukvm_hc_net_etc){.which = (uint32_t)which, .buf = (uint64_t)m, .len = size};
	if (size)
		hc_net_etc(&h);
	if (h.ret < 0) {
		mm_munmap((uint64_t)m, ALIGN_UP(size, UKVM_PAGE_SIZE));
		return 0;
	}
	etcs[which] = (struct etc_file){.state = 1,
					.size = (uint64_t)h.ret < size ? (uint64_t)h.ret : size,
					.data = (const uint8_t *)(uintptr_t)m};
	return 1;
}

static long etc_pread(struct ofile *of, const struct fd_io *io)
{
	int dev = ETC_DEV(of->priv.id);
	uint64_t off = io->off >= 0 ? (uint64_t)io->off : ETC_OFF(of->priv.id), done = 0;
	uint64_t size = etcs[devs[dev].etc].size;
	for (uint64_t i = 0; i < io->cnt && off + done < size; i++) {
		uint64_t n = size - off - done;
		n = n < io->iov[i].len ? n : io->iov[i].len;
		kmemcpy((void *)(uintptr_t)io->iov[i].base, etcs[devs[dev].etc].data + off + done,
			n);
		done += n;
	}
	if (io->off < 0)
		of->priv.id = ETC_ID(dev, off + done);
	return (long)done;
}

static long etc_seek(struct ofile *of, int64_t off, uint32_t whence)
{
	int dev = ETC_DEV(of->priv.id);
	int64_t base = whence == SEEK_SET   ? 0
		       : whence == SEEK_CUR ? (int64_t)ETC_OFF(of->priv.id)
					    : (int64_t)etcs[devs[dev].etc].size;
	if (off < 0 && base + off < 0)
		return -EINVAL;
	if (base + off > (int64_t)(UKVM_NET_ETC_MAX * 2))
		return -EINVAL; /* beyond what the offset field holds */
	of->priv.id = ETC_ID(dev, (uint64_t)(base + off));
	return base + off;
}

static long etc_fstat(struct ofile *of, struct ukvm_stat *u)
{
	return dev_stat(ETC_DEV(of->priv.id), u);
}

static long etc_fstatfs(struct ofile *of, struct ukvm_statfs *u)
{
	return dev_statfs(ETC_DEV(of->priv.id), u);
}

static const struct file_ops etc_ops = {
    .read = etc_pread,
    .pread = etc_pread,
    .seek = etc_seek,
    .stat = etc_fstat,
    .statfs = etc_fstatfs,
};

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
			return devs[i].etc < 0 || etc_there(devs[i].etc) ? (int)i : -1;
	return -1;
}

long dev_access(int dev, uint32_t mode)
{
	if (devs[dev].etc >= 0)
		return mode & (W_OK | X_OK) ? -EROFS : 0;
	return mode & X_OK ? -EACCES : 0; /* the devices are read-write for everybody */
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
	if (devs[dev].etc >= 0) {
		*u = (struct ukvm_stat){.mode = S_IFREG | 0444,
					.nlink = 1,
					.size = etcs[devs[dev].etc].size,
					.blksize = 4096,
					.blocks = ALIGN_UP(etcs[devs[dev].etc].size, 512) / 512,
					.dev = ETC_FS_DEV,
					.ino = (uint64_t)dev + 1};
		return 0;
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
				  .ffree = pages - DEV_FILES,
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
	if (devs[dev].etc >= 0) {
		if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
			return -EROFS;
		*of = ofile_new(&etc_ops, O_RDONLY);
		if (!*of)
			return -ENFILE;
		(*of)->priv.id = ETC_ID(dev, 0);
		return 0;
	}
	*of = ofile_new(&dev_ops, flags & (O_ACCMODE | O_APPEND | O_NONBLOCK));
	if (!*of)
		return -ENFILE;
	(*of)->priv.id = (uint64_t)dev;
	return 0;
}
