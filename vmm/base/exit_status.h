/*
 * The exit statuses of `unikvm run`: the one place they are defined
 * (docs/exit-codes.md explains them to users).
 *
 * 0..255 is the guest's own exit status. A guest killed by a fault ends
 * like a Linux process killed by a signal, 128 + the signal number. The
 * VMM's own failures use 125..127, the convention of env(1) and timeout(1).
 */
#ifndef UKVM_EXIT_STATUS_H
#define UKVM_EXIT_STATUS_H

#include <signal.h>

enum {
	EXIT_TIMEOUT = 124,    /* --timeout expired (as timeout(1)) */
	EXIT_HOST_ERROR = 125, /* bad option, no usable /dev/kvm, host failure */
	EXIT_BAD_IMAGE = 126,  /* the image is not a runnable unikernel */
	EXIT_NO_IMAGE = 127,   /* the image file cannot be opened */
	EXIT_SIGNAL_BASE = 128,
	EXIT_ABORT = EXIT_SIGNAL_BASE + SIGABRT, /* 134: abort(), libc crash */
	EXIT_DEADLOCK = EXIT_ABORT,		 /* 134 too: every guest thread blocked for ever */
	EXIT_FAULT = EXIT_SIGNAL_BASE + SIGSEGV, /* 139: CPU fault, bad pointer */
	EXIT_BAD_HYPERCALL = EXIT_SIGNAL_BASE + SIGSYS, /* 159: unknown hypercall */
	/* 159 too, as a process killed by seccomp's SIGSYS: unikvm itself made
	 * a system call its seccomp filter forbids (seccomp_filter.c) */
	EXIT_SECCOMP = EXIT_SIGNAL_BASE + SIGSYS,
};

#endif
