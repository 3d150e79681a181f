/*
 * AF_UNIX socket pairs inside the guest (unix_pair.c), and socket(): the
 * socket syscalls of the guest's own sockets.
 */
#ifndef LIBGUEST_UNIX_PAIR_H
#define LIBGUEST_UNIX_PAIR_H

#include "syscall.h"

#define UNIX_PAIR_SYSCALL(name) long sys_##name(const struct syscall_frame *f);
/* clang-format off */
UNIX_PAIR_SYSCALL(socket) UNIX_PAIR_SYSCALL(socketpair) UNIX_PAIR_SYSCALL(sendto)
UNIX_PAIR_SYSCALL(recvfrom) UNIX_PAIR_SYSCALL(sendmsg) UNIX_PAIR_SYSCALL(recvmsg)
UNIX_PAIR_SYSCALL(shutdown) UNIX_PAIR_SYSCALL(getsockopt) UNIX_PAIR_SYSCALL(getsockname)
UNIX_PAIR_SYSCALL(getpeername)
/* clang-format on */
#undef UNIX_PAIR_SYSCALL

#endif
