/*
 * AF_UNIX socket pairs inside the guest (unix_pair.c): socketpair(). Their
 * socket syscalls are socket.c's (sock.h), through the pairs' sock_ops.
 */
#ifndef LIBGUEST_UNIX_PAIR_H
#define LIBGUEST_UNIX_PAIR_H

#include "syscall.h"

long sys_socketpair(const struct syscall_frame *f);

#endif
