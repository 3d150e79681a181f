/*
 * Threads and their scheduler (docs/architecture.md, "Threads").
 *
 * Every thread has its own kernel stack, used by its syscalls and by the
 * interrupts that preempt it, and its own FS_BASE and extended (x87, SSE,
 * AVX) state. The kernel side never runs preemptively: it runs with
 * interrupts off, and switches only where it chooses to (a thread blocks,
 * yields or exits). Program code is preempted by the LAPIC timer, and only
 * while more than one thread exists: a one-thread program runs with
 * interrupts off as before, so musl's `hlt` crashes stay visible to the
 * VMM.
 *
 * All per-thread state is in struct thread and all per-CPU state in struct
 * cpu, so that several vCPUs stay possible; today there is one, cpu0.
 */
#ifndef LIBGUEST_SCHED_H
#define LIBGUEST_SCHED_H

#include <stdint.h>
#include <unikvm/abi.h>

#include "ksignal.h"
#include "syscall.h"
#include "trap.h"

#define SCHED_SLICE_MS 10	 /* the time slice of round-robin preemption */
#define THREAD_KSTACK_SIZE 32768 /* each thread's kernel stack (not the main one's) */
#define THREADS_MAX 4096	 /* more: clone fails with EAGAIN */

enum thread_state {
	THREAD_RUNNING,	 /* on the CPU (cpu0.current) */
	THREAD_RUNNABLE, /* in the run queue */
	THREAD_BLOCKED,	 /* waiting: see wait_what */
	THREAD_DEAD,	 /* exited; its memory goes at the next switch */
};

/* What a blocked thread waits for. The values are the ABI's, which the
 * deadlock report passes as they are and the VMM names, each one. */
enum thread_wait {
	WAIT_NONE = UKVM_WAIT_OTHER,
	WAIT_FUTEX = UKVM_WAIT_FUTEX,
	WAIT_SLEEP = UKVM_WAIT_SLEEP,
	WAIT_SIGNAL = UKVM_WAIT_SIGNAL,
	WAIT_IO =
	    UKVM_WAIT_IO, /* one file's wait queue: a pipe, eventfd, timerfd; a socket, stdin */
	WAIT_POLL = UKVM_WAIT_POLL, /* poll, select, epoll_wait: several queues at once */
	WAIT_COUNT = UKVM_WAIT_COUNT,
};

struct thread {
	uint64_t ksp;	     /* its kernel RSP while it is not running */
	uint64_t kstack_top; /* syscall entry and preemption start here */
	uint64_t fs_base;    /* TLS: FS_BASE while it runs */
	void *xstate;	     /* x87/SSE/AVX state while it is not running */
	int tid;
	enum thread_state state;
	int exit_status;
	uint64_t clear_child_tid; /* CLONE_CHILD_CLEARTID, set_tid_address */
	uint64_t robust_list, robust_len;
	uint64_t cpu_ns, ran_since; /* CPU time so far; the TSC when it last started */

	/* blocking */
	enum thread_wait wait_what;
	uint64_t wait_addr;		   /* the futex; the wait queue */
	int wait_external;		   /* an interrupt can end the wait (WAITQ_EXTERNAL) */
	uint64_t deadline;		   /* TSC; 0: none */
	int wake_reason;		   /* 0: woken; -ETIMEDOUT; -EINTR */
	const struct syscall_frame *frame; /* its syscall now (or last) */
	uint64_t sigmask;		   /* blocked signals */
	struct thread_signals sig;	   /* pending signals, sigaltstack, ... */
	struct trap_frame return_frame;	   /* rt_sigreturn returns from here */

	/* futex wait queue */
	uint32_t futex_bitset;
	struct thread *futex_next, **futex_pprev;

	struct thread *run_next;   /* the run queue */
	struct thread *timed_next; /* the timed waits, soonest first */
	struct thread *all_next;   /* every thread that has not exited */

	void *region;	      /* what mm gave for it (0 for the main thread) */
	uint64_t region_size; /* in bytes */
};

/*
 * Wait queues: how a thread waits for a file (or anything else) to change.
 *
 * A struct waitq is a list of waiters; whoever may have changed what the
 * queue stands for calls waitq_wake(wq, events) with the poll events that
 * happened (POLLIN, POLLOUT, POLLHUP, POLLERR, POLLRDHUP; 0 if unknown),
 * and every waiter's callback runs, in the order they were added. The
 * default callback, waiter_wake_thread, makes its blocked thread runnable
 * (sched_wake), which then looks again: a wake-up says "may be ready",
 * never "is ready". Other callbacks do other things (epoll's puts its item
 * on the ready list, as Linux's ep_poll_callback). A callback runs with
 * interrupts off, maybe from an interrupt handler; it must not block, and
 * it may remove only its own waiter.
 *
 * A queue made with WAITQ_EXTERNAL is woken from outside the guest (by an
 * interrupt: host sockets, stdin). While a thread waits on such a queue
 * the idle loop halts until an interrupt instead of reporting a deadlock;
 * a deadlock among threads that wait only on guest-side queues (a pipe no
 * live thread writes, an eventfd nobody signals) is still reported.
 *
 * Everything runs with interrupts off on the one CPU, so a thread that
 * checks a condition, adds its waiter and blocks cannot miss a wake-up in
 * between; with several vCPUs each queue would take a lock.
 *
 * The usual use, for one queue (a blocking read of a pipe):
 *
 *	while (!ready(p)) {
 *		int r = waitq_block(&p->wq, WAIT_IO, 0);
 *		if (r)
 *			return r == -EINTR ? -ERESTARTSYS : r;
 *	}
 *
 * Waiting on several queues at once (poll): add a waiter per queue with
 * waitq_add, block once with sched_block_on, waitq_del them all after.
 */
#define WAITQ_EXTERNAL 1u /* woken by interrupts, from outside the guest */

struct waiter;
struct waitq {
	struct waiter *head, *tail;
	uint32_t flags; /* WAITQ_EXTERNAL */
	/* Temporary, for console stdin until host readiness events come: the
	 * idle loop, with no thread runnable and a waiter on this queue, asks
	 * host_poll (which blocks the vCPU in the VMM up to timeout_ms, -1:
	 * none) and wakes the queue with POLLIN when it returns > 0. */
	long (*host_poll)(int64_t timeout_ms);
};

struct waiter {
	struct thread *thread; /* the default callback wakes it */
	void (*func)(struct waiter *w, uint32_t events);
	struct waitq *wq; /* the queue it is on, or 0 */
	struct waiter *next, *prev;
	void *priv; /* the callback's own */
};

/* An empty queue; flags: 0 or WAITQ_EXTERNAL. A zeroed queue is a valid
 * empty guest-side one. */
void waitq_init(struct waitq *wq, uint32_t flags);
/* A waiter of the current thread with the default callback (func may be
 * changed before waitq_add). */
void waiter_init(struct waiter *w);
/* Puts w (not on a queue) at the tail of wq. */
void waitq_add(struct waitq *wq, struct waiter *w);
/* Takes w off its queue; nothing if it is on none. */
void waitq_del(struct waiter *w);
/* Calls every waiter's callback with events. */
void waitq_wake(struct waitq *wq, uint32_t events);
/* Whether any waiter is on wq. */
static inline int waitq_active(const struct waitq *wq)
{
	return wq->head != 0;
}
/* The default callback: sched_wake(w->thread, 0). */
void waiter_wake_thread(struct waiter *w, uint32_t events);
/* Blocks the current thread on wq alone until a wake-up, the TSC reaches
 * deadline (0: none) or a signal: sched_block's results (0, -ETIMEDOUT,
 * -EINTR). The caller checks its condition again after a 0. */
int waitq_block(struct waitq *wq, enum thread_wait what, uint64_t deadline);
/* Temporary (console stdin): the idle loop asks wq->host_poll (one such
 * queue). */
void sched_host_poll(struct waitq *wq);

/* Per-CPU state; boot.asm reaches its first fields at fixed offsets. */
struct cpu {
	uint64_t user_rsp;   /* 0: the program's RSP at syscall entry */
	uint64_t kstack_top; /* 8: the current thread's kernel stack top */
	uint64_t in_kernel;  /* 16: 1 from syscall entry until the return */
	struct thread *current;
	struct thread *prev; /* the thread switched away from, for its cleanup */
	uint64_t slice_end;  /* TSC: when the current thread's slice ends */
	uint64_t halts;	     /* hlt instructions libguest has executed (cpu_sleep) */
};
_Static_assert(__builtin_offsetof(struct cpu, kstack_top) == 8, "boot.asm CPU_KSTACK_TOP");
_Static_assert(__builtin_offsetof(struct cpu, in_kernel) == 16, "boot.asm CPU_IN_KERNEL");
extern struct cpu cpu0;

static inline struct thread *current_thread(void)
{
	return cpu0.current;
}

/* sched.c */
void sched_init(void);
/* The number of threads that have not exited. */
int sched_thread_count(void);
/* Makes a new thread (state filled in by the caller) runnable. */
void sched_start(struct thread *t);
/* Blocks the current thread until sched_wake() or the TSC reaches deadline
 * (0: no deadline). Returns t->wake_reason: 0 if woken, -ETIMEDOUT, or
 * -EINTR for a signal (at once if one is pending). */
int sched_block(enum thread_wait what, uint64_t addr, uint64_t deadline);
/* The same, saying whether an interrupt can end the wait (external: the
 * thread waits on a WAITQ_EXTERNAL queue), which keeps the idle loop from
 * reporting a deadlock while it waits. */
int sched_block_on(enum thread_wait what, uint64_t addr, uint64_t deadline, int external);
/* Makes a blocked thread runnable with the given reason. */
void sched_wake(struct thread *t, int reason);
/* Puts the current thread at the back of the run queue and runs the next. */
void sched_yield_cpu(void);
/* The current thread has exited: never returns. */
NORETURN void sched_exit_current(void);
/* The thread with this tid, or 0; the first of all threads (all_next). */
struct thread *sched_find(int tid);
struct thread *sched_first(void);
/* XSAVE (or FXSAVE) of the current extended state into a new thread's
 * area of sched_xstate_size bytes, 64-byte aligned. */
void sched_save_xstate(void *area);
extern uint32_t sched_xstate_size;
/* The RFLAGS the program resumes with: IF on exactly when more than one
 * thread exists (preemption) or a timer of the process is armed (its
 * signal must interrupt a busy program), else off. */
uint64_t sched_user_rflags(uint64_t rflags);
/* Whether program code runs with interrupts on now (sched_user_rflags). */
int sched_program_interrupts(void);
/* From trap_dispatch, for the timer interrupt: 1 if the interrupted
 * program code should be preempted (boot.asm then moves the frame to the
 * thread's kernel stack and calls sched_preempt). */
int sched_timer_interrupt(const struct trap_frame *f);
void sched_preempt(struct trap_frame *f);
/* The CPU time of the current thread, in ns. */
uint64_t sched_thread_cpu_ns(void);

/* sched.asm */
/* Saves callee-saved registers on this stack and its RSP in *save_ksp,
 * then continues on the stack new_ksp (where the same was saved). */
void context_switch(uint64_t *save_ksp, uint64_t new_ksp);
/* Where a new thread starts: it calls sched_thread_start(), then returns
 * from the syscall frame above it with RAX = 0. */
extern char thread_first_run[];
/* sti; hlt; cli: the one place the CPU idles; call it through cpu_sleep,
 * which counts the halts (trap.c tells musl's from them). */
void cpu_idle_halt(void);
void cpu_sleep(void);
extern char cpu_idle_hlt_insn[];

/* sched.c: a new thread's first act (finishes the switch, sets RFLAGS) */
void thread_start_hook(struct syscall_frame *f);

/* futex.c: wakes up to n waiters on addr whose bitset meets bitset. */
long futex_wake(uint64_t addr, uint32_t bitset, long n);

/* The syscalls of thread.c and futex.c (syscall.c's table). */
#define THREAD_SYSCALL(name) long sys_##name(const struct syscall_frame *f);
/* clang-format off */
THREAD_SYSCALL(clone) THREAD_SYSCALL(exit) THREAD_SYSCALL(exit_group)
THREAD_SYSCALL(set_tid_address) THREAD_SYSCALL(gettid) THREAD_SYSCALL(set_robust_list)
THREAD_SYSCALL(get_robust_list) THREAD_SYSCALL(sched_yield) THREAD_SYSCALL(membarrier)
THREAD_SYSCALL(futex)
/* clang-format on */
#undef THREAD_SYSCALL

#endif
