/*
 * Signals (signal.c, docs/architecture.md "Signals"): handlers, masks,
 * queues, the frames handlers run on, and the timers that raise them
 * (timer.c). Named ksignal.h so that it never hides musl's <signal.h>.
 */
#ifndef LIBGUEST_KSIGNAL_H
#define LIBGUEST_KSIGNAL_H

#include <stdint.h>

#include "kernel.h"
#include "syscall.h"
#include "trap.h"

#define KSIG_MAX 64
#define SIGBIT(sig) (1ull << ((sig)-1))

/* The kernel's siginfo_t (128 bytes): what a handler gets with SA_SIGINFO. */
struct ksiginfo {
	int32_t signo, err, code, pad;
	union {
		struct {
			int32_t pid;  /* or the timer's id */
			uint32_t uid; /* or the timer's overrun */
			uint64_t value;
		} f;
		uint8_t bytes[112];
	};
};
_Static_assert(sizeof(struct ksiginfo) == 128, "siginfo size");

/* A queued signal. */
struct signode {
	struct signode *next;
	struct ksiginfo info;
};

/* Pending signals of a thread or of the process: a mask and the queue of
 * their siginfos (one per standard signal, several per real-time one). */
struct sigpending {
	uint64_t mask;
	struct signode *head;
};

/* The per-thread part (in struct thread). */
struct thread_signals {
	struct sigpending pending;
	uint64_t alt_sp, alt_size; /* sigaltstack */
	int alt_disabled;
	int restore_mask;    /* rt_sigsuspend: put saved_mask back after the handler */
	uint64_t saved_mask; /* the mask before rt_sigsuspend */
	uint64_t waiting;    /* rt_sigtimedwait: the signals it takes, 0 otherwise */
};

/* Internal results of an interrupted syscall, never seen by the program:
 * what Linux calls -ERESTARTSYS (restarted under SA_RESTART, else EINTR),
 * -ERESTARTNOHAND (EINTR after a handler) and -ERESTART_RESTARTBLOCK. */
#define ERESTARTSYS 512
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516

struct thread;

/* Sends info->signo to thread t, or to the process (t = 0: to a thread
 * that does not block it). 0, or -EAGAIN when the queue is full. */
int signal_send(struct thread *t, const struct ksiginfo *info);
/* Whether thread t has a signal to take now (pending, not blocked). */
int signal_pending(const struct thread *t);
/* Delivers the current thread's pending signals on its way back to the
 * program from syscall f, which returned r (maybe an ERESTART code);
 * returns the result the program sees. */
long signal_syscall_return(struct syscall_frame *f, long r);
/* The same on the way back from an interrupt or a preemption. */
void signal_trap_return(struct trap_frame *f);
/* Signals from outside (abi.h, UKVM_SIGNALS_GPA): whether the program has
 * a handler for one (then program code runs with interrupts on), and the
 * handler of UKVM_SIGNAL_VECTOR, which sends the pending ones to the
 * process (SI_USER). */
int signal_outside_handled(void);
void signal_outside_interrupt(void);
/* A thread exits: its queue goes. */
void signal_thread_exit(struct thread *t);

/* signal.c: the syscalls */
#define SIGNAL_SYSCALL(name) long sys_##name(const struct syscall_frame *f);
/* clang-format off */
SIGNAL_SYSCALL(rt_sigaction) SIGNAL_SYSCALL(rt_sigprocmask) SIGNAL_SYSCALL(rt_sigreturn)
SIGNAL_SYSCALL(rt_sigpending) SIGNAL_SYSCALL(rt_sigsuspend) SIGNAL_SYSCALL(rt_sigtimedwait)
SIGNAL_SYSCALL(rt_sigqueueinfo) SIGNAL_SYSCALL(rt_tgsigqueueinfo) SIGNAL_SYSCALL(sigaltstack)
SIGNAL_SYSCALL(kill) SIGNAL_SYSCALL(tkill) SIGNAL_SYSCALL(tgkill) SIGNAL_SYSCALL(pause)
/* timer.c */
SIGNAL_SYSCALL(alarm) SIGNAL_SYSCALL(setitimer) SIGNAL_SYSCALL(getitimer)
SIGNAL_SYSCALL(timer_create) SIGNAL_SYSCALL(timer_settime) SIGNAL_SYSCALL(timer_gettime)
SIGNAL_SYSCALL(timer_getoverrun) SIGNAL_SYSCALL(timer_delete)
/* clang-format on */
#undef SIGNAL_SYSCALL

    /* timer.c: the soonest deadline of the process's timers (TSC; 0: none),
     * and their expiry, called by the scheduler with interrupts off. */
    uint64_t timers_next_deadline(void);
void timers_expire(uint64_t now);
/* A timer's signal is being delivered: fills in its si_overrun. */
void timers_delivered(struct ksiginfo *info);
/* timer.c for timerfd.c: a timer of clock (checked) that adds its
 * expiries to *count and wakes wq; its id, or -ENOMEM when the process's
 * timers are all taken. settime/gettime as timer_settime/timer_gettime
 * (flags checked by the caller; the count starts again at 0). */
struct waitq;
int timer_fd_create(int clock, uint64_t *count, struct waitq *wq);
long timer_fd_settime(int id, uint64_t flags, uint64_t new_addr, uint64_t old_addr);
long timer_fd_gettime(int id, uint64_t addr);
void timer_fd_delete(int id);
/* signal.c: at start */
void signal_init(void);

/* sched.asm: returns to the program with every register of f (iretq). */
NORETURN void return_to_program(const struct trap_frame *f);

#endif
