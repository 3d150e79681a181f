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

/* What a blocked thread waits for (the deadlock report names it). */
enum thread_wait {
	WAIT_NONE,
	WAIT_FUTEX,
	WAIT_SLEEP,
	WAIT_SIGNAL,
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
	uint64_t wait_addr;		   /* the futex */
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
