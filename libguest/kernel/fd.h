/*
 * Open files and the fd table (fd.c).
 *
 * A guest fd points at an open file (struct ofile), shared by dup and
 * counted. Each kind of open file is one table of operations (struct
 * file_ops) in its own file, which exports only its constructors:
 * console.h (the host's standard streams), hostfile.h (a file or
 * directory of a --dir mapping, a VMM handle), pipe.h (a pipe end),
 * dev.h (the device files), unix_pair.h (an AF_UNIX socket pair end; its
 * own socket syscalls know their ops). fd.c and the path calls (files.c) call
 * through the ops and never ask which kind a file is; an op a kind lacks
 * gives the errno Linux gives for that kind of file, named at each op.
 */
#ifndef LIBGUEST_FD_H
#define LIBGUEST_FD_H

#include <stdint.h>
#include <unikvm/abi.h>

/* Guest fds: as many as the VMM has sockets; RLIMIT_NOFILE can only lower it. */
#define FD_MAX UKVM_NET_SOCKETS_MAX
#define ST_VALID 0x20 /* statfs f_flags: they are valid (Linux's; musl has none) */

struct ofile;
struct syscall_frame;
struct poll_table;
struct sock_ops;

/* One read or write, as fd.c hands it to a kind: the iovecs are checked
 * (inside guest RAM, each at most INT64_MAX) and none is empty. */
struct fd_io {
	const struct syscall_frame *f; /* the syscall: a fatal SIGPIPE reports its state */
	const struct ukvm_iovec *iov;
	uint64_t cnt; /* 0..UKVM_IOV_MAX (0: an empty buffer) */
	int64_t off;  /* -1: at the file's own offset; >= 0: pread/pwrite */
};

struct file_ops {
	/* read, readv / write, writev (io->off -1). The access mode is
	 * checked before (EBADF). NULL: EINVAL. */
	long (*read)(struct ofile *of, const struct fd_io *io);
	long (*write)(struct ofile *of, const struct fd_io *io);
	/* pread, preadv / pwrite, pwritev (io->off >= 0). NULL: ESPIPE (a
	 * stream). */
	long (*pread)(struct ofile *of, const struct fd_io *io);
	long (*pwrite)(struct ofile *of, const struct fd_io *io);
	/* lseek; whence is SEEK_SET, SEEK_CUR or SEEK_END. NULL: ESPIPE. */
	long (*seek)(struct ofile *of, int64_t off, uint32_t whence);
	/* NULL: ENOTTY. */
	long (*ioctl)(struct ofile *of, uint64_t req, uint64_t arg);
	/* fstat. Every kind has it. */
	long (*stat)(struct ofile *of, struct ukvm_stat *u);
	/* fstatfs: the file system the file is on, as Linux describes it
	 * (pipefs for a pipe, ...; f_flags with ST_VALID). Every kind has
	 * it. */
	long (*statfs)(struct ofile *of, struct ukvm_statfs *u);
	/* ftruncate; len >= 0. NULL: EINVAL. */
	long (*truncate)(struct ofile *of, int64_t len);
	/* fsync, fdatasync. NULL: EINVAL. */
	long (*sync)(struct ofile *of, int data_only);
	/* getdents64 into [buf, buf + len), checked. NULL: ENOTDIR. */
	long (*getdents)(struct ofile *of, uint64_t buf, uint64_t len);
	/* fchmod (mode & 07777). NULL: EINVAL. */
	long (*chmod)(struct ofile *of, uint32_t mode);
	/* futimens: atime sec, nsec, mtime sec, nsec (UTIME_NOW, UTIME_OMIT
	 * as on Linux). NULL: EPERM. */
	long (*utimens)(struct ofile *of, const int64_t times[4]);
	/* The normalised guest path of an open directory: the base of
	 * openat(dirfd, relative path) and fchdir's new cwd. NULL: ENOTDIR.
	 * Paths are looked up again by name (files.c): a directory renamed
	 * while open is not followed. */
	const char *(*dir_path)(struct ofile *of);
	/* poll(2) revents now, of events | POLLHUP | POLLERR. Every call,
	 * ready or not, the kind calls poll_table_add(pt, wq) for each wait
	 * queue (sched.h) that its readiness changes wake (epoll keeps its
	 * waiters there for as long as the file is registered); poll, select
	 * and epoll block on those queues without knowing the kind. pt may be NULL (no waiting).
	 * NULL op: always ready for reading and writing (POLLIN | POLLOUT | POLLRDNORM |
	 * POLLWRNORM, as Linux's files without a poll method). */
	short (*poll)(struct ofile *of, short events, struct poll_table *pt);
	/* The last reference is gone: free the kind's state. NULL: nothing. */
	void (*release)(struct ofile *of);
	/* A socket's operations (sock.h). NULL: not a socket, ENOTSOCK. */
	const struct sock_ops *sock;
};

/* An open file: the state of one open(), shared by its dups. Each kind
 * keeps its own state per open file behind priv, never in statics shared
 * by all files of the kind. */
struct ofile {
	const struct file_ops *ops; /* NULL: a free slot */
	uint32_t refs;		    /* fds and constructors' references */
	uint32_t flags;		    /* O_ACCMODE, O_APPEND, O_NONBLOCK, O_DIRECTORY */
	union {
		void *ptr;   /* the kind's state (pipe end, host file) */
		uint64_t id; /* or a number (console stream, device) */
	} priv;
	struct epitem *epitems; /* the epoll items on this file (epoll.c) */
};

/* What a poll op hands its wait queues to: each caller (poll, select,
 * epoll) attaches waiters of its own through queue. A kind adds at most
 * POLL_QUEUES_PER_FILE queues per call. */
#define POLL_QUEUES_PER_FILE 2
struct waitq;
struct poll_table {
	void (*queue)(struct poll_table *pt, struct waitq *wq);
};
/* Called by a poll op for a queue that wakes when the file's readiness
 * may change; nothing when pt is NULL. */
void poll_table_add(struct poll_table *pt, struct waitq *wq);

/* fd.c: ppoll's, pselect6's and epoll_pwait's signal mask at addr (0:
 * none), size bytes: set for the wait (0 or -errno); done puts the old
 * one back unless r is -ERESTARTNOHAND (then after the handler), and
 * returns r. */
long poll_mask_set(uint64_t addr, uint64_t size);
long poll_mask_done(uint64_t addr, long r);
/* eventfd.c: fstat and fstatfs of Linux's anonymous inodes (eventfd,
 * epoll, timerfd): mode 0600 and no file type, anon_inodefs. */
long anon_inode_stat(struct ukvm_stat *u);
long anon_inode_statfs(struct ukvm_statfs *u);
/* fstatfs of a file on one of the kernel's pseudo file systems (pipefs,
 * sockfs, anon_inodefs): its magic and device, page-sized blocks. */
long pseudo_fs_statfs(struct ukvm_statfs *u, uint64_t magic, uint32_t dev);
/* epoll.c: of's last reference is gone: it leaves every epoll set. */
void epoll_file_gone(struct ofile *of);

/* A new open file with those ops and flags (priv zero) holding one
 * reference, the caller's; NULL when none is free (ENFILE). */
struct ofile *ofile_new(const struct file_ops *ops, uint32_t flags);
/* One more reference to of; returns of. */
struct ofile *ofile_get(struct ofile *of);
/* Drops a reference; the last one calls the kind's release. */
void ofile_put(struct ofile *of);

/* The limit of new fds: RLIMIT_NOFILE's soft limit, at most FD_MAX. fds
 * opened before it was lowered stay open and usable. */
uint64_t fd_limit(void);
/* Reserves the lowest free fd >= min below fd_limit(): the fd or -EMFILE
 * (what open, dup, F_DUPFD and pipe give at the limit). The fd stays
 * closed (fd_get: NULL) until fd_install or fd_unreserve. */
long fd_reserve(uint64_t min);
/* Points the reserved fd at of, taking over the caller's reference. */
void fd_install(long fd, struct ofile *of, int cloexec);
void fd_unreserve(long fd);
/* The open file of fd, or NULL if fd is not open. */
struct ofile *fd_get(uint64_t fd);
/* fd 0, 1, 2: the host's stdin, stdout, stderr. */
void fd_init(void);

#endif
