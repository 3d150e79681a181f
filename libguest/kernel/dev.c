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

long dev_stat(int dev, struct ukvm_stat *u)
{
	if (devs[dev].stream >= 0) {
		struct ofile *of = fd_get((uint64_t)devs[dev].stream);
		return of ? of->ops->stat(of, u) : -ENOENT;
	}
	*u = (struct ukvm_stat){.mode = S_IFCHR | 0666,
				.nlink = 1,
				.rdev = devs[dev].rdev,
				.blksize = 4096,
				.dev = 5,
				.ino = (uint64_t)dev + 1};
	return 0;
}

static long dev_fstat(struct ofile *of, struct ukvm_stat *u)
{
	return dev_stat((int)of->priv.id, u);
}

static const struct file_ops dev_ops = {
    .read = dev_read,
    .write = dev_write,
    .pread = dev_read,
    .pwrite = dev_write,
    .seek = dev_seek,
    .stat = dev_fstat,
};

long dev_open(int dev, uint32_t flags, struct ofile **of)
{
	if (devs[dev].stream >= 0) {
		struct ofile *s = fd_get((uint64_t)devs[dev].stream);
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
