/*
 * Host side of --dir: the mappings and the guest's table of open host
 * files. Every guest path is resolved beneath a mapping's root directory
 * (an O_PATH fd opened at start) with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS); calls that act on a last component (mkdir,
 * unlink, rename, readlink, lstat) resolve its parent that way and then act
 * on the name, which is never "", "." or "..". Read-only mappings refuse
 * every kind of write with EROFS.
 */
#ifndef UKVM_FILES_H
#define UKVM_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unikvm/abi.h>

struct fs_mount {
	int root; /* O_PATH | O_DIRECTORY */
	bool ro;
	char guest[UKVM_FS_PATH_MAX]; /* normalised guest path */
};

struct fs_handle {
	int fd; /* -1: free */
	bool ro;
};

struct fs {
	struct fs_mount mounts[UKVM_FS_MOUNTS_MAX];
	unsigned nmounts;
	struct fs_handle handles[UKVM_FS_HANDLES_MAX]; /* handle h is handles[h - 3] */
	unsigned umask;
};

void fs_init(struct fs *fs);
/* Adds the mapping of `--dir HOST_PATH[:GUEST_PATH][:ro|:rw]`; 0, or -1
 * with a one-line reason in err. */
int fs_add_dir(struct fs *fs, const char *arg, char *err, size_t errlen);
/* Closes every host fd of fs. */
void fs_close(struct fs *fs);

struct vm;
/* The host fd of the guest's open file handle h, or -1 (not open): for the
 * network's sendfile. */
int fs_handle_fd(struct vm *vm, int32_t h);

/* The device (files_device) keeps its struct fs in vm->fs; the handlers
 * (hc_fs_*, core/hypercall.h) take the mappings from there, and NULL means
 * none (every path ENOENT, every handle EBADF). */

#endif
