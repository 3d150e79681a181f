/*
 * The few device files every program may expect, whatever is mapped:
 * /dev/null, /dev/zero, /dev/random, /dev/urandom (the host's getrandom),
 * and /dev/stdin, /dev/stdout, /dev/stderr (a new fd for fd 0, 1, 2).
 * They live in the guest and take precedence over --dir mappings.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "kernel.h"
#include "fd.h"
#include "syscall.h"

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

long dev_open(int dev, uint32_t flags, int cloexec)
{
	if (devs[dev].stream >= 0) {
		struct ofile *of = fd_get((uint64_t)devs[dev].stream);
		return of ? fd_install(of, 0, cloexec) : -ENOENT;
	}
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	struct ofile *of = ofile_new(OF_DEV);
	if (!of)
		return -EMFILE;
	of->handle = dev;
	of->flags = flags & (O_ACCMODE | O_APPEND | O_NONBLOCK);
	long r = fd_install(of, 0, cloexec);
	if (r < 0) {
		of->refs = 1;
		ofile_put(of);
	}
	return r;
}

long dev_io(const struct ofile *of, const struct ukvm_iovec *iov, uint64_t cnt, int write)
{
	long total = 0;
	for (uint64_t i = 0; i < cnt; i++)
		total += (long)iov[i].len;
	if (write || of->handle == DEV_NULL)
		return write ? total : 0;
	for (uint64_t i = 0; i < cnt; i++) {
		if (of->handle == DEV_ZERO) {
			kmemset((void *)(uintptr_t)iov[i].base, 0, iov[i].len);
			continue;
		}
		for (uint64_t done = 0; done < iov[i].len;) {
			struct ukvm_hc_fs_buf hc = {.buf = iov[i].base + done,
						    .len = iov[i].len - done};
			hypercall(UKVM_HC_RANDOM, &hc);
			if (hc.ret <= 0)
				return hc.ret < 0 ? hc.ret : -EIO;
			done += (uint64_t)hc.ret;
		}
	}
	return total;
}

long dev_stat(int dev, struct ukvm_stat *u)
{
	if (devs[dev].stream >= 0) {
		struct ofile *of = fd_get((uint64_t)devs[dev].stream);
		if (!of)
			return -ENOENT;
		return fd_stat(of, u);
	}
	*u = (struct ukvm_stat){.mode = S_IFCHR | 0666,
				.nlink = 1,
				.rdev = devs[dev].rdev,
				.blksize = 4096,
				.dev = 5,
				.ino = (uint64_t)dev + 1};
	return 0;
}
