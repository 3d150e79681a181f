/*
 * Sockets: the socket syscalls (socket.c) and what each socket kind gives
 * them (struct sock_ops, named by the kind's file_ops.sock). socket.c
 * reads and checks the program's arguments (fds, buffers, msghdrs, names,
 * option values), calls the kind's op on kernel copies, and writes the
 * results back as Linux does (names truncated to the caller's buffer,
 * the full length in *addrlen). Kinds: unix_pair.c (AF_UNIX pairs inside
 * the guest), inet.c (AF_INET, AF_INET6: host sockets of the VMM).
 */
#ifndef LIBGUEST_SOCK_H
#define LIBGUEST_SOCK_H

#include <stdint.h>
#include <unikvm/abi.h>

#include "syscall.h"

#define SOCK_IOV_LOCAL 64 /* iovecs one send or recv hands a kind */
#define SOCK_OPT_MAX 16	  /* bytes of an option value a kind sees */

struct ofile;
struct fd_io;

/* One send or recv as socket.c hands it to a kind. */
struct sock_msg {
	const struct syscall_frame *f; /* the syscall (a fatal SIGPIPE reports it) */
	const struct ukvm_iovec *iov;  /* checked, none empty, the thread's own copy */
	uint64_t cnt;		       /* 0..SOCK_IOV_LOCAL */
	uint64_t all;		       /* non-empty iovecs the program gave (> cnt: more) */
	int flags;		       /* MSG_* of the program */
	int nonblock;		       /* O_NONBLOCK or MSG_DONTWAIT */
	int mflags;		       /* OUT (recv): MSG_TRUNC, ... */
	struct ukvm_sockaddr addr;     /* send: the destination (len 0: none);
					* recv: OUT, the source (len 0: none) */
};

/* A kind's socket operations; a NULL op gives the errno named at it. */
struct sock_ops {
	long (*bind)(struct ofile *of, const struct ukvm_sockaddr *a);	  /* EOPNOTSUPP */
	long (*connect)(struct ofile *of, const struct ukvm_sockaddr *a); /* EOPNOTSUPP */
	long (*listen)(struct ofile *of, int backlog);			  /* EOPNOTSUPP */
	/* accept4 (flags SOCK_NONBLOCK | SOCK_CLOEXEC, checked): the new
	 * socket's open file (one reference) in *nof. NULL: EOPNOTSUPP. */
	long (*accept)(struct ofile *of, uint32_t flags, struct ukvm_sockaddr *peer,
		       struct ofile **nof);
	long (*send)(struct ofile *of, struct sock_msg *m); /* every kind */
	long (*recv)(struct ofile *of, struct sock_msg *m); /* every kind */
	long (*shutdown)(struct ofile *of, int how);	    /* how checked; every kind */
	/* *len: IN the program's capacity (>= 0, at most SOCK_OPT_MAX), OUT
	 * the value's bytes (socket.c copies at most the capacity). */
	long (*getsockopt)(struct ofile *of, int level, int name, uint8_t *val, uint32_t *len);
	/* len: the program's, val: its first min(len, SOCK_OPT_MAX) bytes.
	 * NULL: ENOPROTOOPT. */
	long (*setsockopt)(struct ofile *of, int level, int name, const uint8_t *val, uint32_t len);
	/* getsockname (peer 0), getpeername (peer 1). */
	long (*getname)(struct ofile *of, int peer, struct ukvm_sockaddr *a);
};

/* read, readv and write, writev of any socket: its recv and send with
 * flags 0 (the kinds' file_ops use these). */
long sock_read(struct ofile *of, const struct fd_io *io);
long sock_write(struct ofile *of, const struct fd_io *io);
/* ioctl of any socket: FIONBIO, and FIONREAD through nread (the bytes
 * queued, or -errno); others ENOTTY. */
long sock_ioctl(struct ofile *of, uint64_t req, uint64_t arg, long (*nread)(struct ofile *of));
/* The fatal default of SIGPIPE unless flags has MSG_NOSIGNAL: -EPIPE. */
long sock_epipe(int flags);
/* fstat and fstatfs of a socket: S_IFSOCK on sockfs, inode ino. */
long sock_stat(struct ukvm_stat *u, uint64_t ino);
long sock_statfs(struct ukvm_statfs *u);

/* inet.c: AF_INET and AF_INET6 sockets, when the VMM has a network. */
void inet_init(void);
/* UKVM_NET_VECTOR (and the wake-up backstop): wakes the queues of the
 * handles whose events changed; 1 if a waiter was there. */
int inet_interrupt(void);
/* Stdin through the event page's slot 0 (UKVM_NET_STDIN_HANDLE), where
 * the VMM watches its fd 0 (a network): inet_stdin_attach gives 1 and has
 * inet_interrupt wake wq on slot 0's events, or 0 (no network: stdin is
 * polled in the VMM). inet_stdin_take clears POLLIN before a read;
 * inet_stdin_want adds POLLIN, POLLHUP and POLLERR to what interrupts and
 * returns slot 0's events. Call after inet_init. */
int inet_stdin_attach(struct waitq *wq);
void inet_stdin_take(void);
uint32_t inet_stdin_want(void);
/* socket(domain, type with flags, protocol) of the host: the new open
 * file in *of, or -errno (-EACCES without a network). */
long inet_socket(int domain, int type, int protocol, struct ofile **of);

/* sendfile from the --dir file fs_handle to inet socket of: count bytes
 * at *off (NULL: the file's position); the bytes sent or -errno. Other
 * kinds: -EINVAL. */
long inet_sendfile(struct ofile *of, int32_t fs_handle, int64_t *off, uint64_t count);

#define SOCK_SYSCALL(name) long sys_##name(const struct syscall_frame *f);
/* clang-format off */
SOCK_SYSCALL(socket) SOCK_SYSCALL(socketpair) SOCK_SYSCALL(sendto) SOCK_SYSCALL(recvfrom)
SOCK_SYSCALL(sendmsg) SOCK_SYSCALL(recvmsg) SOCK_SYSCALL(sendmmsg) SOCK_SYSCALL(recvmmsg)
SOCK_SYSCALL(shutdown) SOCK_SYSCALL(getsockopt) SOCK_SYSCALL(setsockopt)
SOCK_SYSCALL(getsockname) SOCK_SYSCALL(getpeername) SOCK_SYSCALL(bind) SOCK_SYSCALL(connect)
SOCK_SYSCALL(listen) SOCK_SYSCALL(accept) SOCK_SYSCALL(accept4) SOCK_SYSCALL(sendfile)
/* clang-format on */
#undef SOCK_SYSCALL

#endif
