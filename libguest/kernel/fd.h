/*
 * The guest's fd table (fd.c), shared by the files of --dir mappings
 * (files.c) and the in-guest pipes (pipe.c). A guest fd points at an open
 * file (struct ofile), shared by dup: one of the host's standard streams
 * (console.c), a file or directory of a --dir mapping (a VMM handle), or
 * one end of a pipe.
 */
#ifndef LIBGUEST_FD_H
#define LIBGUEST_FD_H

#include <stdint.h>
#include <unikvm/abi.h>

#include "syscall.h"

#define FD_MAX 256 /* guest fds: RLIMIT_NOFILE (system.c) */

enum ofile_kind { OF_FREE, OF_CONSOLE, OF_FILE, OF_PIPE, OF_DEV };

struct pipe;

struct ofile {
	uint32_t refs;
	enum ofile_kind kind;
	uint32_t flags; /* O_ACCMODE, O_APPEND, O_NONBLOCK, O_DIRECTORY */
	int32_t handle; /* OF_FILE: the VMM's handle; OF_CONSOLE: the stream 0..2;
			 * OF_DEV: the device (dev.c) */
	struct pipe *pipe;
	char path[UKVM_FS_PATH_MAX]; /* OF_FILE: the normalised guest path */
};

/* A free open file of that kind with no references, or NULL. */
struct ofile *ofile_new(enum ofile_kind kind);
/* Drops a reference; the last one closes the VMM handle or pipe end. */
void ofile_put(struct ofile *of);
/* The lowest free fd >= min, pointing at of (one more reference): the fd
 * or -EMFILE. */
long fd_install(struct ofile *of, uint64_t min, int cloexec);
/* The open file of fd, or NULL if fd is not open. */
struct ofile *fd_get(uint64_t fd);
/* Closes an open fd. */
void fd_close(uint64_t fd);
/* fd 0, 1, 2: the host's stdin, stdout, stderr. */
void fd_init(void);

/* files.c: fstat of an open file */
long fd_stat(struct ofile *of, struct ukvm_stat *u);

/* dev.c: /dev/null, /dev/zero, /dev/random, /dev/urandom, /dev/std* */
/* The device at normalised path abs, or -1. */
int dev_lookup(const char *abs);
long dev_open(int dev, uint32_t flags, int cloexec);
long dev_io(const struct ofile *of, const struct ukvm_iovec *iov, uint64_t cnt, int write);
long dev_stat(int dev, struct ukvm_stat *u);

/* pipe.c */
long pipe_read(struct ofile *of, const struct ukvm_iovec *iov, uint64_t cnt);
long pipe_write(const struct syscall_frame *f, struct ofile *of, const struct ukvm_iovec *iov,
		uint64_t cnt);
/* The end of of is closed. */
void pipe_release(struct ofile *of);
void pipe_stat(const struct ofile *of, struct ukvm_stat *u);
/* poll(2) revents of of for events. */
short pipe_poll(const struct ofile *of, short events);

#endif
