/*
 * The scheduler: round-robin over the runnable threads on the one vCPU
 * (kernel/sched.h says what runs where; docs/architecture.md, "Threads").
 *
 * Switches happen at three places only: a thread blocks or exits inside a
 * syscall, it yields, or the timer interrupts program code whose slice
 * (SCHED_SLICE_MS) is over while another thread waits to run. A switch
 * saves the extended state (XSAVE), FS_BASE and the callee-saved registers
 * and moves to the other thread's kernel stack: no exit. With nothing to
 * run, the CPU halts until the soonest timed wait ends (the TSC-deadline
 * timer, no exit either) or an interrupt from outside the guest (a thread
 * waits on a WAITQ_EXTERNAL queue, or a handler waits for a signal from
 * outside); with nothing to run, no timed wait and no such thread or
 * handler, nothing can ever wake a thread, and the VMM reports the
 * deadlock.
 *
 * Everything here runs with interrupts off, so on one CPU the queues need
 * no lock; with several vCPUs they would take one.
 */
#include <errno.h>
#include <poll.h>

#include "kernel.h"
#include "cpu.h"
#include "sched.h"

#define FXSAVE_SIZE 512
#define MAIN_XSTATE_SIZE 4096
#define CPUID_OSXSAVE (1u << 27)

struct cpu cpu0;

static struct thread main_thread;
static uint8_t main_xstate[MAIN_XSTATE_SIZE] __attribute__((aligned(64)));
static struct thread *run_head, *run_tail; /* runnable, in order */
static struct thread *timed_head;	   /* blocked with a deadline, soonest first */
static struct thread *all_head;		   /* every thread that has not exited */
static int nthreads;
static int nexternal;		   /* blocked threads an interrupt can wake */
static struct waitq *host_poll_wq; /* stdin, until host readiness events */
static int use_xsave;
static uint64_t slice_ticks;

uint32_t sched_xstate_size;

static void xstate_save(void *area)
{
	if (use_xsave)
		__asm__ volatile("xsave64 (%0)" ::"r"(area), "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

static void xstate_restore(const void *area)
{
	if (use_xsave)
		__asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

void sched_save_xstate(void *area)
{
	xstate_save(area);
}

void sched_init(void)
{
	extern char syscall_stack_top[];
	uint32_t r[4];

	cpuid(1, 0, r);
	use_xsave = (r[2] & CPUID_OSXSAVE) != 0;
	sched_xstate_size = FXSAVE_SIZE;
	if (use_xsave) {
		cpuid(0xd, 0, r);
		sched_xstate_size = r[1]; /* for the features XCR0 enables */
	}
	if (sched_xstate_size > MAIN_XSTATE_SIZE)
		guest_exit(125); /* not with XCR0 as the VMM sets it (no AMX) */
	slice_ticks = tsc_per_ms() * SCHED_SLICE_MS;

	main_thread.tid = 1;
	main_thread.state = THREAD_RUNNING;
	main_thread.kstack_top = (uint64_t)(uintptr_t)syscall_stack_top;
	main_thread.xstate = main_xstate;
	main_thread.fs_base = rdmsr(MSR_FS_BASE);
	main_thread.ran_since = rdtsc();
	cpu0.slice_end = main_thread.ran_since + slice_ticks;
	all_head = &main_thread;
	nthreads = 1;
	cpu0.current = &main_thread;
	cpu0.kstack_top = main_thread.kstack_top;
}

int sched_thread_count(void)
{
	return nthreads;
}

struct thread *sched_first(void)
{
	return all_head;
}

struct thread *sched_find(int tid)
{
	for (struct thread *t = all_head; t; t = t->all_next)
		if (t->tid == tid)
			return t;
	return 0;
}

/* ---- queues ------------------------------------------------------------- */

static void run_enqueue(struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	t->run_next = 0;
	if (run_tail)
		run_tail->run_next = t;
	else
		run_head = t;
	run_tail = t;
}

static struct thread *run_dequeue(void)
{
	struct thread *t = run_head;
	if (t) {
		run_head = t->run_next;
		if (!run_head)
			run_tail = 0;
		t->run_next = 0;
	}
	return t;
}

static void timed_insert(struct thread *t)
{
	struct thread **p = &timed_head;
	while (*p && (*p)->deadline <= t->deadline)
		p = &(*p)->timed_next;
	t->timed_next = *p;
	*p = t;
}

static void timed_remove(struct thread *t)
{
	for (struct thread **p = &timed_head; *p; p = &(*p)->timed_next)
		if (*p == t) {
			*p = t->timed_next;
			t->timed_next = 0;
			return;
		}
}

void sched_wake(struct thread *t, int reason)
{
	if (t->state != THREAD_BLOCKED)
		return;
	if (t->deadline) {
		timed_remove(t);
		t->deadline = 0;
	}
	t->wake_reason = reason;
	run_enqueue(t);
}

static void wake_expired(uint64_t now)
{
	while (timed_head && timed_head->deadline <= now)
		sched_wake(timed_head, -ETIMEDOUT);
	timers_expire(now);
}

/* The timer: due at the soonest timed wait or process timer, and at the
 * end of the slice while another thread waits to run. */
static void timer_program(void)
{
	uint64_t d = timed_head ? timed_head->deadline : 0, p = timers_next_deadline();
	if (p && (!d || p < d))
		d = p;
	if (run_head && (!d || cpu0.slice_end < d))
		d = cpu0.slice_end;
	if (d)
		apic_timer_at(d);
}

/* ---- switching ---------------------------------------------------------- */

static void thread_free(struct thread *t)
{
	if (t->region)
		mm_munmap((uint64_t)(uintptr_t)t->region, t->region_size);
}

/* What the thread we switched to does first: free a thread that exited. */
static void finish_switch(void)
{
	struct thread *p = cpu0.prev;
	cpu0.prev = 0;
	if (p && p->state == THREAD_DEAD)
		thread_free(p);
}

static void switch_to(struct thread *prev, struct thread *next)
{
	uint64_t now = rdtsc();

	prev->cpu_ns += now - prev->ran_since; /* in ticks until read */
	if (prev->state != THREAD_DEAD)
		xstate_save(prev->xstate);
	if (next->fs_base != prev->fs_base)
		wrmsr(MSR_FS_BASE, next->fs_base);
	xstate_restore(next->xstate);
	next->state = THREAD_RUNNING;
	next->ran_since = now;
	cpu0.current = next;
	cpu0.kstack_top = next->kstack_top;
	cpu0.prev = prev;
	cpu0.slice_end = now + slice_ticks;
	timer_program();
	context_switch(&prev->ksp, next->ksp);
	finish_switch(); /* back in prev, switched to by someone */
}

NORETURN static void report_deadlock(void)
{
	static struct ukvm_thread_wait w[UKVM_DEADLOCK_MAX];
	uint32_t n = 0;

	for (struct thread *t = all_head; t && n < ARRAY_SIZE(w); t = t->all_next) {
		const struct syscall_frame *f = t->frame;
		w[n++] = (struct ukvm_thread_wait){
		    .tid = (uint32_t)t->tid,
		    .what = (uint32_t)t->wait_what, /* the ABI's UKVM_WAIT_* (sched.h) */
		    .addr = t->wait_addr,
		    .rip = f ? f->rip : 0,
		    .rsp = f ? f->rsp : 0,
		    .rbp = f ? f->rbp : 0,
		};
	}
	struct ukvm_hc_deadlock hc = {
	    .count = n, .total = (uint32_t)nthreads, .threads = (uint64_t)(uintptr_t)w};
	hc_deadlock(&hc);
	guest_exit(134); /* not reached: the VMM ends the run */
}

/* The idle loop's temporary wait for stdin: in the VMM, until stdin is
 * readable or the soonest deadline. */
static void host_poll_idle(void)
{
	uint64_t d = timed_head ? timed_head->deadline : 0, p = timers_next_deadline(), now;
	int64_t ms = -1;

	if (p && (!d || p < d))
		d = p;
	if (d) {
		now = rdtsc();
		ms = d > now ? (int64_t)((d - now + tsc_per_ms() - 1) / tsc_per_ms()) : 0;
	}
	if (host_poll_wq->host_poll(ms) > 0)
		waitq_wake(host_poll_wq, POLLIN);
}

/* Runs the next runnable thread; the current one has been queued, blocked
 * or marked dead by the caller. Returns when the current thread runs
 * again (never for a dead one). */
static void schedule(void)
{
	struct thread *prev = cpu0.current, *next;

	for (;;) {
		wake_expired(rdtsc());
		if ((next = run_dequeue()))
			break;
		if (host_poll_wq && waitq_active(host_poll_wq)) {
			host_poll_idle();
			continue;
		}
		if (!timed_head && !timers_next_deadline() && !nexternal &&
		    !signal_outside_handled())
			report_deadlock();
		timer_program();
		cpu_sleep();
	}
	if (next == prev) {
		prev->state = THREAD_RUNNING;
		cpu0.slice_end = rdtsc() + slice_ticks;
		timer_program();
		return;
	}
	switch_to(prev, next);
}

void sched_start(struct thread *t)
{
	t->all_next = all_head;
	all_head = t;
	nthreads++;
	run_enqueue(t);
}

int sched_block_on(enum thread_wait what, uint64_t addr, uint64_t deadline, int external)
{
	struct thread *self = cpu0.current;

	if (signal_pending(self))
		return -EINTR;
	self->state = THREAD_BLOCKED;
	self->wait_what = what;
	self->wait_addr = addr;
	self->wait_external = external;
	self->wake_reason = 0;
	self->deadline = deadline;
	if (deadline)
		timed_insert(self);
	nexternal += external;
	schedule();
	nexternal -= external;
	self->wait_what = WAIT_NONE;
	self->wait_external = 0;
	return self->wake_reason;
}

int sched_block(enum thread_wait what, uint64_t addr, uint64_t deadline)
{
	return sched_block_on(what, addr, deadline, 0);
}

/* ---- wait queues --------------------------------------------------------- */

void waitq_init(struct waitq *wq, uint32_t flags)
{
	*wq = (struct waitq){.flags = flags};
}

void waiter_init(struct waiter *w)
{
	*w = (struct waiter){.thread = cpu0.current, .func = waiter_wake_thread};
}

void waitq_add(struct waitq *wq, struct waiter *w)
{
	w->wq = wq;
	w->next = 0;
	w->prev = wq->tail;
	if (wq->tail)
		wq->tail->next = w;
	else
		wq->head = w;
	wq->tail = w;
}

void waitq_del(struct waiter *w)
{
	struct waitq *wq = w->wq;

	if (!wq)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		wq->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		wq->tail = w->prev;
	w->wq = 0;
	w->next = w->prev = 0;
}

void waitq_wake(struct waitq *wq, uint32_t events)
{
	for (struct waiter *w = wq->head, *next; w; w = next) {
		next = w->next; /* the callback may take w off */
		w->func(w, events);
	}
}

void waiter_wake_thread(struct waiter *w, uint32_t events)
{
	(void)events; /* the thread looks again at what it waits for */
	sched_wake(w->thread, 0);
}

int waitq_block(struct waitq *wq, enum thread_wait what, uint64_t deadline)
{
	struct waiter w;

	waiter_init(&w);
	waitq_add(wq, &w);
	int r = sched_block_on(what, (uint64_t)(uintptr_t)wq, deadline,
			       (wq->flags & WAITQ_EXTERNAL) != 0);
	waitq_del(&w);
	return r;
}

void sched_host_poll(struct waitq *wq)
{
	host_poll_wq = wq;
}

void sched_yield_cpu(void)
{
	run_enqueue(cpu0.current);
	schedule();
}

void sched_exit_current(void)
{
	struct thread *self = cpu0.current;

	for (struct thread **p = &all_head; *p; p = &(*p)->all_next)
		if (*p == self) {
			*p = self->all_next;
			break;
		}
	nthreads--;
	self->state = THREAD_DEAD;
	schedule();
	for (;;) /* not reached: nobody switches back to a dead thread */
		__asm__ volatile("ud2");
}

void cpu_sleep(void)
{
	cpu0.halts++;
	cpu_idle_halt();
}

/* ---- preemption --------------------------------------------------------- */

int sched_program_interrupts(void)
{
	return nthreads > 1 || timers_next_deadline() || signal_outside_handled();
}

uint64_t sched_user_rflags(uint64_t rflags)
{
	enum { RFLAGS_IF = 1u << 9 };
	if (sched_program_interrupts()) {
		timer_program(); /* a blk wait may have taken the timer meanwhile */
		return rflags | RFLAGS_IF;
	}
	return rflags & ~(uint64_t)RFLAGS_IF;
}

int sched_timer_interrupt(const struct trap_frame *f)
{
	uint64_t now = rdtsc();

	(void)f;
	wake_expired(now);
	if (cpu0.in_kernel)
		return 0; /* the idle loop: it runs what woke, and sets the timer */
	if ((run_head && now >= cpu0.slice_end) || signal_pending(cpu0.current))
		return 1; /* to sched_preempt, on the thread's kernel stack */
	/* Only a deadline still ahead: one already past would interrupt the
	 * same instruction again at once after iretq, for ever. */
	timer_program();
	return 0;
}

void sched_preempt(struct trap_frame *f)
{
	if (run_head && rdtsc() >= cpu0.slice_end) {
		run_enqueue(cpu0.current);
		schedule();
	}
	signal_trap_return(f);
	f->rflags = sched_user_rflags(f->rflags);
}

void thread_start_hook(struct syscall_frame *f)
{
	finish_switch();
	cpu0.current->frame = f;
	f->rflags = sched_user_rflags(f->rflags);
}

uint64_t sched_thread_cpu_ns(void)
{
	struct thread *t = cpu0.current;
	return tsc_to_ns(t->cpu_ns + (rdtsc() - t->ran_since));
}
