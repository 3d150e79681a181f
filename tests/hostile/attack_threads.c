/*
 * The thread and signal ways of the hostile corpus (attack.c's main asks
 * threads_attack first). Storms of signals, futex waits and clones, and
 * hostile pointers to the signal calls, run in a few batches: a batch
 * checks every result against the one docs/syscalls.md documents, prints
 * each one that differs, and ends with "WAY: N checks, M wrong". The
 * forged rt_sigreturn frames end the guest: one way each, with the report
 * and status corpus.cmake expects.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "attack_threads.h"

#define MEM_END (64ULL << 20) /* as attack.c: --mem 64M */
/* musl has no <linux/futex.h> */
enum futex_op {
	FUTEX_WAIT,
	FUTEX_WAKE,
	FUTEX_REQUEUE = 3,
	FUTEX_CMP_REQUEUE,
	FUTEX_WAKE_OP,
	FUTEX_WAIT_BITSET = 9,
	FUTEX_WAKE_BITSET,
	FUTEX_PRIVATE = 128
};
#define THREAD_FLAGS                                                                               \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)
#define THREADS_MAX 4096 /* docs/syscalls.md, clone */
#define RFLAGS_TF 0x100
#define RFLAGS_IOPL 0x3000
#define RFLAGS_NT 0x4000

/* Pointers no syscall may take (docs/memory-map.md): page 0, the page
 * tables, the boot info, the end of RAM, straddling it (unaligned too),
 * not canonical, the top. */
static const uint64_t bad_ptrs[] = {
    0x10, 0x1000, 0x7000, MEM_END, MEM_END - 2, 0x800000000000ULL, ~0ULL - 7,
};
/* Stack tops clone refuses: musl's child pops its argument from below
 * the top at once, so those 8 bytes must be in RAM (the end of RAM itself
 * is a good top). */
static const uint64_t bad_stacks[] = {
    0x10, 0x1000, 0x7000, MEM_END + 4096, 0x800000000000ULL, ~0ULL - 7,
};
#define N_BAD (sizeof(bad_ptrs) / sizeof(bad_ptrs[0]))
#define N_BAD_STACKS (sizeof(bad_stacks) / sizeof(bad_stacks[0]))

static const char *way_name;
static int checks, wrong;

static void expect(const char *what, long got, long want)
{
	checks++;
	if (got != want) {
		wrong++;
		printf("%s: %s: got %ld, want %ld\n", way_name, what, got, want);
	}
}

/* A raw syscall's result: -errno or the value. */
static long sys6(long nr, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f)
{
	long ret;
	register uint64_t r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static void done(void)
{
	printf("%s: %d checks, %d wrong\n", way_name, checks, wrong);
	fflush(stdout);
	exit(wrong ? 1 : 0);
}

/* ---- signal storms -------------------------------------------------------- */

static volatile sig_atomic_t handled, depth, max_depth, on_alt, order_bad;
static volatile int next_value;
static char altstack[65536] __attribute__((aligned(16)));

static void count(int sig)
{
	(void)sig;
	handled++;
}

/* SA_NODEFER: each run raises its own signal again, 200 deep. */
static void recurse(int sig)
{
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	if (depth < 200)
		raise(sig);
	depth--;
}

static void on_altstack(int sig)
{
	char here;
	(void)sig;
	if (&here >= altstack && &here < altstack + sizeof(altstack))
		on_alt++;
}

static void queued(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_value.sival_int != next_value)
		order_bad++;
	next_value++;
	handled++;
}

/* Forged registers in a real frame that rt_sigreturn must ignore or
 * clean: segments, IOPL, NT, and SIGKILL in the mask. */
static void forge_harmless(int sig, siginfo_t *si, void *p)
{
	ucontext_t *uc = p;
	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_CSGSFS] = 0x002b00000033ULL | 0xffffULL << 16;
	uc->uc_mcontext.gregs[REG_EFL] |= RFLAGS_IOPL | RFLAGS_NT;
	sigaddset(&uc->uc_sigmask, SIGKILL);
	sigaddset(&uc->uc_sigmask, SIGSTOP);
}

static void on(int sig, void (*h)(int), int flags)
{
	struct sigaction sa = {.sa_handler = h, .sa_flags = flags};
	sigaction(sig, &sa, 0);
}

static void on_info(int sig, void (*h)(int, siginfo_t *, void *))
{
	struct sigaction sa = {.sa_sigaction = h, .sa_flags = SA_SIGINFO};
	sigaction(sig, &sa, 0);
}

static atomic_int senders_left;
static pthread_t main_thread;

static void *send_storm(void *arg)
{
	long bad = 0;
	(void)arg;
	for (int i = 0; i < 1000; i++) {
		bad += pthread_kill(main_thread, SIGUSR2) != 0;
		if (i % 64 == 0)
			sched_yield();
	}
	atomic_fetch_sub(&senders_left, 1);
	return (void *)bad;
}

static void signal_storm(void)
{
	on(SIGUSR1, count, 0);
	for (int i = 0; i < 10000; i++)
		raise(SIGUSR1);
	expect("10000 raises handled", handled, 10000);

	on(SIGUSR1, recurse, SA_NODEFER);
	raise(SIGUSR1);
	expect("nested SA_NODEFER handlers, deepest", max_depth, 200);
	expect("nested handlers all returned", depth, 0);

	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
	expect("sigaltstack", sigaltstack(&ss, 0), 0);
	on(SIGUSR1, on_altstack, SA_ONSTACK);
	for (int i = 0; i < 1000; i++)
		raise(SIGUSR1);
	expect("1000 handlers on the alternate stack", on_alt, 1000);

	/* real-time signals queue: 512 in all, then EAGAIN; delivered in order */
	sigset_t rt;
	sigemptyset(&rt);
	sigaddset(&rt, SIGRTMIN + 2);
	sigprocmask(SIG_BLOCK, &rt, 0);
	on_info(SIGRTMIN + 2, queued);
	long ok = 0, again = 0;
	for (int i = 0; i < 600; i++) {
		int r = sigqueue(getpid(), SIGRTMIN + 2, (union sigval){.sival_int = i});
		ok += r == 0;
		again += r < 0 && errno == EAGAIN;
	}
	expect("sigqueue accepted", ok, 512);
	expect("sigqueue EAGAIN", again, 88);
	handled = 0;
	sigprocmask(SIG_UNBLOCK, &rt, 0);
	expect("queued signals handled", handled, 512);
	expect("queued signals out of order", order_bad, 0);

	/* four threads send 4000 SIGUSR2 to this one while it yields */
	handled = 0;
	on(SIGUSR2, count, 0);
	main_thread = pthread_self();
	pthread_t t[4];
	atomic_store(&senders_left, 4);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], 0, send_storm, 0);
	while (atomic_load(&senders_left))
		sched_yield();
	long failed = 0;
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		failed += (long)r;
	}
	expect("pthread_kill failures in the storm", failed, 0);
	expect("some of the storm handled", handled > 0 && handled <= 4000, 1);

	/* a frame whose segments, IOPL, NT and SIGKILL mask are forged */
	on_info(SIGUSR1, forge_harmless);
	raise(SIGUSR1);
	uint64_t rflags;
	__asm__ volatile("pushfq; popq %0" : "=r"(rflags));
	expect("forged IOPL and NT cleared", (long)(rflags & (RFLAGS_IOPL | RFLAGS_NT)), 0);
	sigset_t now;
	sigprocmask(SIG_BLOCK, 0, &now);
	expect("forged SIGKILL mask dropped", sigismember(&now, SIGKILL), 0);
	expect("forged SIGSTOP mask dropped", sigismember(&now, SIGSTOP), 0);
	done();
}

/* ---- hostile pointers to the signal calls ----------------------------------- */

static void signal_pointers(void)
{
	static uint64_t good[4], set = 0;
	const uint64_t g = (uint64_t)(uintptr_t)good;
	char what[96];

	for (unsigned i = 0; i < N_BAD; i++) {
		uint64_t p = bad_ptrs[i];
#define EFAULT_CALL(name, nr, a, b, c, d)                                                          \
	snprintf(what, sizeof(what), name " at 0x%llx", (unsigned long long)p);                    \
	expect(what, sys6(nr, a, b, c, d, 0, 0), -EFAULT)
		EFAULT_CALL("rt_sigaction act", SYS_rt_sigaction, SIGUSR1, p, 0, 8);
		EFAULT_CALL("rt_sigaction oldact", SYS_rt_sigaction, SIGUSR1, 0, p, 8);
		EFAULT_CALL("sigaltstack ss", SYS_sigaltstack, p, 0, 0, 0);
		EFAULT_CALL("sigaltstack old_ss", SYS_sigaltstack, 0, p, 0, 0);
		EFAULT_CALL("rt_sigprocmask set", SYS_rt_sigprocmask, SIG_BLOCK, p, 0, 8);
		EFAULT_CALL("rt_sigprocmask oldset", SYS_rt_sigprocmask, SIG_BLOCK, 0, p, 8);
		EFAULT_CALL("rt_sigpending", SYS_rt_sigpending, p, 8, 0, 0);
		EFAULT_CALL("rt_sigsuspend", SYS_rt_sigsuspend, p, 8, 0, 0);
		EFAULT_CALL("rt_sigtimedwait set", SYS_rt_sigtimedwait, p, 0, 0, 8);
		EFAULT_CALL("rt_sigqueueinfo info", SYS_rt_sigqueueinfo, getpid(), SIGUSR1, p, 0);
#undef EFAULT_CALL
	}
	expect("rt_sigaction, sigsetsize 7", sys6(SYS_rt_sigaction, SIGUSR1, 0, g, 7, 0, 0),
	       -EINVAL);
	expect("rt_sigaction, sigsetsize 16", sys6(SYS_rt_sigaction, SIGUSR1, 0, g, 16, 0, 0),
	       -EINVAL);
	expect("rt_sigaction, signal 0", sys6(SYS_rt_sigaction, 0, 0, g, 8, 0, 0), -EINVAL);
	expect("rt_sigaction, signal 65", sys6(SYS_rt_sigaction, 65, 0, g, 8, 0, 0), -EINVAL);
	expect("rt_sigaction, signal -1", sys6(SYS_rt_sigaction, ~0ULL, 0, g, 8, 0, 0), -EINVAL);
	expect("rt_sigaction, SIGKILL", sys6(SYS_rt_sigaction, SIGKILL, g, 0, 8, 0, 0), -EINVAL);
	expect("rt_sigaction, SIGSTOP", sys6(SYS_rt_sigaction, SIGSTOP, g, 0, 8, 0, 0), -EINVAL);
	expect("rt_sigprocmask, bad how",
	       sys6(SYS_rt_sigprocmask, 99, (uint64_t)(uintptr_t)&set, 0, 8, 0, 0), -EINVAL);
	expect("rt_sigpending, size 9", sys6(SYS_rt_sigpending, g, 9, 0, 0, 0, 0), -EINVAL);
	stack_t small = {.ss_sp = altstack, .ss_size = MINSIGSTKSZ - 1};
	expect("sigaltstack, smaller than MINSIGSTKSZ",
	       sys6(SYS_sigaltstack, (uint64_t)(uintptr_t)&small, 0, 0, 0, 0, 0), -ENOMEM);
	stack_t flags = {.ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0x1234};
	expect("sigaltstack, bad flags",
	       sys6(SYS_sigaltstack, (uint64_t)(uintptr_t)&flags, 0, 0, 0, 0, 0), -EINVAL);
	/* a handler anywhere is only an address until the signal comes */
	struct sigaction wild = {.sa_handler = (void (*)(int))0xdead0000};
	expect("rt_sigaction, wild handler", sigaction(SIGUSR2, &wild, 0), 0);
	done();
}

/* ---- futex storms and addresses ------------------------------------------- */

#define STORM_THREADS 64
#define STORM_ROUNDS 200

static atomic_uint storm_word, storm_seen, requeue_a, requeue_b;

static long futex(void *a, int op, uint32_t val, uint64_t ts, void *a2, uint32_t val3)
{
	return sys6(SYS_futex, (uint64_t)(uintptr_t)a, (uint64_t)op, val, ts,
		    (uint64_t)(uintptr_t)a2, val3);
}

/* Waits for each new round on the one word, counting the rounds it saw. */
static void *storm_waiter(void *arg)
{
	(void)arg;
	for (unsigned round = 0; round < STORM_ROUNDS; round++) {
		while (atomic_load(&storm_word) == round)
			futex(&storm_word, FUTEX_WAIT | FUTEX_PRIVATE, round, 0, 0, 0);
		atomic_fetch_add(&storm_seen, 1);
	}
	while (atomic_load(&requeue_b) == 0)
		futex(&requeue_a, FUTEX_WAIT | FUTEX_PRIVATE, 0, 0, 0, 0);
	return 0;
}

static void futex_storm(void)
{
	static uint32_t word;
	pthread_t t[STORM_THREADS];

	for (int i = 0; i < STORM_THREADS; i++)
		pthread_create(&t[i], 0, storm_waiter, 0);
	for (unsigned round = 1; round <= STORM_ROUNDS; round++) {
		while (atomic_load(&storm_seen) < (round - 1) * STORM_THREADS)
			sched_yield();
		atomic_store(&storm_word, round);
		futex(&storm_word, FUTEX_WAKE | FUTEX_PRIVATE, round % 2 ? INT_MAX : 1, 0, 0, 0);
		for (int i = 0; round % 2 == 0 && i < STORM_THREADS; i++) /* one at a time */
			futex(&storm_word, FUTEX_WAKE | FUTEX_PRIVATE, 1, 0, 0, 0);
	}
	while (atomic_load(&storm_seen) < STORM_ROUNDS * STORM_THREADS)
		sched_yield();
	expect("rounds seen by the waiters", atomic_load(&storm_seen),
	       STORM_ROUNDS * STORM_THREADS);
	/* every waiter parks on requeue_a; all moved to requeue_b, then woken */
	long moved = 0;
	for (int tries = 0; moved < STORM_THREADS && tries < 1000; tries++) {
		sched_yield();
		moved +=
		    futex(&requeue_a, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE, 0, INT_MAX, &requeue_b, 0);
	}
	expect("waiters requeued", moved, STORM_THREADS);
	atomic_store(&requeue_b, 1);
	expect("requeued waiters woken",
	       futex(&requeue_b, FUTEX_WAKE | FUTEX_PRIVATE, INT_MAX, 0, 0, 0), STORM_THREADS);
	for (int i = 0; i < STORM_THREADS; i++)
		pthread_join(t[i], 0);

	char what[96];
	void *ok = &word;
	for (unsigned i = 0; i < N_BAD; i++) {
		void *p = (void *)(uintptr_t)bad_ptrs[i];
		long want = bad_ptrs[i] % 4 ? -EINVAL : -EFAULT;
#define BAD(name, call)                                                                            \
	snprintf(what, sizeof(what), name " at %p", p);                                            \
	expect(what, call, want)
		BAD("WAIT", futex(p, FUTEX_WAIT, 0, 0, 0, 0));
		BAD("WAIT_BITSET", futex(p, FUTEX_WAIT_BITSET, 0, 0, 0, ~0u));
		BAD("WAKE", futex(p, FUTEX_WAKE, 1, 0, 0, 0));
		BAD("WAKE_BITSET", futex(p, FUTEX_WAKE_BITSET, 1, 0, 0, ~0u));
		BAD("REQUEUE second", futex(ok, FUTEX_REQUEUE, 1, 1, p, 0));
		BAD("CMP_REQUEUE second", futex(ok, FUTEX_CMP_REQUEUE, 1, 1, p, word));
		BAD("WAKE_OP second", futex(ok, FUTEX_WAKE_OP, 1, 1, p, 0));
#undef BAD
	}
	for (int off = 1; off < 4; off++) {
		void *p = (char *)&word + off;
		snprintf(what, sizeof(what), "WAIT at word + %d", off);
		expect(what, futex(p, FUTEX_WAIT, word, 0, 0, 0), -EINVAL);
		snprintf(what, sizeof(what), "WAKE at word + %d", off);
		expect(what, futex(p, FUTEX_WAKE, 1, 0, 0, 0), -EINVAL);
		snprintf(what, sizeof(what), "CMP_REQUEUE second at word + %d", off);
		expect(what, futex(ok, FUTEX_CMP_REQUEUE, 1, 1, p, word), -EINVAL);
	}
	expect("WAIT, timeout outside RAM", futex(ok, FUTEX_WAIT, word, MEM_END, 0, 0), -EFAULT);
	done();
}

/* ---- hostile clone -------------------------------------------------------- */

static void clone_limit(long want);

/* clone whose child parks for ever in a futex wait on *word without
 * touching its stack, so every child may share one. */
static long clone_parked(uint64_t flags, void *stack, volatile uint32_t *word)
{
	long ret;
	register uint64_t r10 __asm__("r10") = 0, r8 __asm__("r8") = 0,
			      r9 __asm__("r9") = (uint64_t)(uintptr_t)word;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 2f\n"
			 "1:\n\t"
			 "mov $202, %%eax\n\t" /* futex(word, FUTEX_WAIT_PRIVATE, 0) */
			 "mov %%r9, %%rdi\n\t"
			 "mov $128, %%esi\n\t"
			 "xor %%edx, %%edx\n\t"
			 "xor %%r10d, %%r10d\n\t"
			 "syscall\n\t"
			 "jmp 1b\n"
			 "2:"
			 : "=a"(ret), "+r"(r10)
			 : "a"(SYS_clone), "D"(flags), "S"(stack), "d"(0), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static void clone_hostile(void)
{
	static char stack[4096] __attribute__((aligned(16)));
	const uint64_t top = (uint64_t)(uintptr_t)(stack + sizeof(stack));
	char what[96];

	expect("clone without CLONE_VM (a fork)", sys6(SYS_clone, SIGCHLD, top, 0, 0, 0, 0),
	       -ENOSYS);
	expect("clone without CLONE_THREAD", sys6(SYS_clone, CLONE_VM | CLONE_FS, top, 0, 0, 0, 0),
	       -ENOSYS);
	const uint64_t bad_flags[] = {CLONE_NEWUSER, CLONE_NEWNET,   CLONE_VFORK, CLONE_PIDFD,
				      CLONE_PTRACE,  CLONE_UNTRACED, 1ULL << 40,  1ULL << 63};
	for (unsigned i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		snprintf(what, sizeof(what), "clone with flag 0x%llx",
			 (unsigned long long)bad_flags[i]);
		expect(what, sys6(SYS_clone, THREAD_FLAGS | bad_flags[i], top, 0, 0, 0, 0),
		       -EINVAL);
	}
	for (unsigned i = 0; i < N_BAD_STACKS; i++) {
		snprintf(what, sizeof(what), "clone, stack at 0x%llx",
			 (unsigned long long)bad_stacks[i]);
		expect(what, sys6(SYS_clone, THREAD_FLAGS, bad_stacks[i], 0, 0, 0, 0), -EINVAL);
	}
	for (unsigned i = 0; i < N_BAD; i++) {
		uint64_t p = bad_ptrs[i];
		snprintf(what, sizeof(what), "clone, parent tid at 0x%llx", (unsigned long long)p);
		expect(what, sys6(SYS_clone, THREAD_FLAGS | CLONE_PARENT_SETTID, top, p, 0, 0, 0),
		       -EFAULT);
		snprintf(what, sizeof(what), "clone, child tid at 0x%llx", (unsigned long long)p);
		expect(what, sys6(SYS_clone, THREAD_FLAGS | CLONE_CHILD_SETTID, top, 0, p, 0, 0),
		       -EFAULT);
		snprintf(what, sizeof(what), "clone, clear tid at 0x%llx", (unsigned long long)p);
		expect(what, sys6(SYS_clone, THREAD_FLAGS | CLONE_CHILD_CLEARTID, top, 0, p, 0, 0),
		       -EFAULT);
	}
	expect("clone, TLS not canonical",
	       sys6(SYS_clone, THREAD_FLAGS | CLONE_SETTLS, top, 0, 0, 0x800000000000ULL, 0),
	       -EPERM);
	expect("clone, TLS at the top",
	       sys6(SYS_clone, THREAD_FLAGS | CLONE_SETTLS, top, 0, 0, ~0ULL, 0), -EPERM);

	clone_limit(-ENOMEM); /* 64 MiB hold fewer than THREADS_MAX kernel stacks */
}

/* Threads until clone fails: with enough RAM at THREADS_MAX (this one
 * counted) with EAGAIN, else when their kernel stacks fill it, ENOMEM. */
static void clone_limit(long want)
{
	static char stack[256] __attribute__((aligned(16)));
	static uint32_t never;
	long n = 0, r;

	while ((r = clone_parked(THREAD_FLAGS, stack + sizeof(stack), &never)) > 0)
		n++;
	fprintf(stderr, "attack: result threads %ld, then %ld\n", n, r);
	expect("clone at the limit", r, want);
	if (want == -EAGAIN)
		expect("threads before EAGAIN", n, THREADS_MAX - 1);
	expect("clone once more", clone_parked(THREAD_FLAGS, stack + sizeof(stack), &never), r);
	done(); /* exit_group ends the parked threads */
}

/* ---- forged rt_sigreturn frames: each ends the guest ------------------------ */

static const char *forgery;

static void forge(int sig, siginfo_t *si, void *p)
{
	ucontext_t *uc = p;
	uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpregs;
	(void)sig;
	(void)si;
	if (!strcmp(forgery, "rip-noncanonical"))
		uc->uc_mcontext.gregs[REG_RIP] = 0x800000000000LL;
	else if (!strcmp(forgery, "rsp-noncanonical"))
		uc->uc_mcontext.gregs[REG_RSP] = 0x8000000000000000LL;
	else if (!strcmp(forgery, "rip-zero"))
		uc->uc_mcontext.gregs[REG_RIP] = 0;
	else if (!strcmp(forgery, "rsp-outside"))
		uc->uc_mcontext.gregs[REG_RSP] = (long long)MEM_END + 4096;
	else if (!strcmp(forgery, "tf"))
		uc->uc_mcontext.gregs[REG_EFL] |= RFLAGS_TF;
	else if (!strcmp(forgery, "fpstate-unaligned"))
		uc->uc_mcontext.fpregs = (void *)(fp + 8);
	else if (!strcmp(forgery, "fpstate-outside"))
		uc->uc_mcontext.fpregs = (void *)(uintptr_t)(MEM_END - 64);
	else if (!strcmp(forgery, "fpstate-low"))
		uc->uc_mcontext.fpregs = (void *)(uintptr_t)0x1000;
	else if (!strcmp(forgery, "xstate-header"))
		*(uint64_t *)(fp + 512 + 8) = 1ULL << 63; /* XCOMP_BV: the compacted form */
	else if (!strcmp(forgery, "xstate-bv"))
		*(uint64_t *)(fp + 512) = ~0ULL; /* features XCR0 does not enable */
	else if (!strcmp(forgery, "mxcsr"))
		*(uint32_t *)(fp + 24) = 0xffff0000u;
}

/* rt_sigreturn with no frame at all: the stack points past the end of RAM. */
static void sigreturn_no_frame(void)
{
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "mov $15, %%eax\n\t"
			 "syscall\n\t"
			 "ud2" ::"r"(MEM_END + 64)
			 : "rax", "memory");
}

static void sigreturn_forged(const char *how)
{
	forgery = how;
	printf("%s: forging %s\n", way_name, how);
	fflush(stdout);
	if (!strcmp(how, "no-frame"))
		sigreturn_no_frame();
	on_info(SIGUSR1, forge);
	raise(SIGUSR1);
	printf("%s: survived\n", way_name); /* the forged frame returned here */
	fflush(stdout);
	exit(3);
}

int threads_attack(const char *way)
{
	way_name = way;
	if (!strcmp(way, "signal-storm"))
		signal_storm();
	else if (!strcmp(way, "signal-pointers"))
		signal_pointers();
	else if (!strcmp(way, "futex-storm"))
		futex_storm();
	else if (!strcmp(way, "clone-hostile"))
		clone_hostile();
	else if (!strcmp(way, "clone-limit")) /* with --mem 256M */
		clone_limit(-EAGAIN);
	else if (!strncmp(way, "sigreturn-", 10))
		sigreturn_forged(way + 10);
	else
		return 0;
	return 1;
}
