/*
 * thread_cases: the scheduler's cases that have no host oracle
 * (tests/CMakeLists.txt, "threads"): preemption, idle cost, memory
 * exhaustion, futex and clone arguments, a crash and a deadlock.
 *
 * usage: thread_cases spin | sum | sleep MS | exhaust | futex | clone |
 *        crash | stack-smash | smash-join | abort | deadlock | deadlock-self |
 *        deadlock-files
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_WAIT_BITSET 9
#define FUTEX_CLOCK_REALTIME 256

static long futex(void *addr, int op, unsigned val, const void *ts, void *addr2, unsigned val3)
{
	return syscall(SYS_futex, addr, op, val, ts, addr2, val3);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ---- preemption ---------------------------------------------------------- */

static atomic_int stop;
static volatile unsigned long spins;

static void *spinner(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		spins++; /* never blocks, never yields */
	return NULL;
}

/* A thread spinning for ever does not starve one that prints: both a
 * sleeping printer and one that never sleeps get through. */
static int case_spin(void)
{
	pthread_t t;
	pthread_create(&t, NULL, spinner, NULL);
	for (int i = 1; i <= 5; i++) {
		usleep(20000);
		printf("printer: line %d\n", i);
		fflush(stdout);
	}
	unsigned long before = spins;
	for (int i = 6; i <= 8; i++) {
		volatile unsigned long x = 0;
		for (int k = 0; k < 3000000; k++)
			x += (unsigned long)k; /* busy too: both must progress */
		printf("printer: line %d\n", i);
		fflush(stdout);
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("spinner ran: %s, and on while the printer computed: %s\n", before ? "yes" : "no",
	       spins > before ? "yes" : "no");
	return 0;
}

static pthread_mutex_t total_lock = PTHREAD_MUTEX_INITIALIZER;
static long total;

static void *adder(void *arg)
{
	long n = (long)arg;
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&total_lock);
		long v = total;
		for (volatile int d = 0; d < 20; d++)
			; /* widen the window a preemption can hit */
		total = v + 1;
		pthread_mutex_unlock(&total_lock);
	}
	return NULL;
}

/* 8 threads add into one mutex-protected total without ever yielding:
 * only preemption interleaves them, and the total is exact. */
static int case_sum(void)
{
	pthread_t t[8];
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, adder, (void *)200000L);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	printf("sum: 8 x 200000 = %ld\n", total);
	return total == 1600000 ? 0 : 1;
}

/* ---- idle ---------------------------------------------------------------- */

static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
static int idle_over;
static sem_t idle_sem;

static void *idle_sleeper(void *arg)
{
	struct timespec ts = {(long)arg / 1000, (long)arg % 1000 * 1000000};
	nanosleep(&ts, NULL);
	return NULL;
}

static void *idle_cond_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&idle_lock);
	while (!idle_over)
		pthread_cond_wait(&idle_cond, &idle_lock);
	pthread_mutex_unlock(&idle_lock);
	return NULL;
}

static void *idle_sem_waiter(void *arg)
{
	(void)arg;
	sem_wait(&idle_sem);
	return NULL;
}

/* Every thread asleep or waiting for MS ms: as `clock sleep MS`, the
 * main thread prints how long it slept (tests/scripts/sleep-cpu). */
static int case_sleep(long ms)
{
	pthread_t t[5];
	struct timespec t0;
	sem_init(&idle_sem, 0, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&t[0], NULL, idle_sleeper, (void *)ms);
	pthread_create(&t[1], NULL, idle_sleeper, (void *)(ms / 2));
	pthread_create(&t[2], NULL, idle_cond_waiter, NULL);
	pthread_create(&t[3], NULL, idle_sem_waiter, NULL);
	pthread_create(&t[4], NULL, idle_sleeper, (void *)(ms + 10));
	pthread_join(t[0], NULL); /* main waits in the join's futex */
	long slept = ms_since(&t0);
	pthread_mutex_lock(&idle_lock);
	idle_over = 1;
	pthread_cond_broadcast(&idle_cond);
	pthread_mutex_unlock(&idle_lock);
	sem_post(&idle_sem);
	for (int i = 1; i < 5; i++)
		pthread_join(t[i], NULL);
	printf("slept %ld ms\n", slept);
	return 0;
}

/* ---- exhaustion ---------------------------------------------------------- */

static sem_t hold;

static void *held(void *arg)
{
	(void)arg;
	sem_wait(&hold);
	return NULL;
}

/* Threads until memory runs out: pthread_create fails with EAGAIN, and
 * every thread made can still be released and joined. */
static int case_exhaust(void)
{
	static pthread_t t[8192];
	int n = 0, e = 0;
	sem_init(&hold, 0, 0);
	while (n < 8192 && !(e = pthread_create(&t[n], NULL, held, NULL)))
		n++;
	printf("exhaust: pthread_create failed after %s threads: %s\n", n > 100 ? "many" : "few",
	       strerror(e));
	int again = pthread_create(&t[n], NULL, held, NULL);
	printf("exhaust: once more: %s\n", strerror(again));
	for (int i = 0; i < n; i++)
		sem_post(&hold);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("exhaust: joined all\n");
	/* and the memory came back */
	pthread_t u;
	e = pthread_create(&u, NULL, held, NULL);
	sem_post(&hold);
	if (!e)
		pthread_join(u, NULL);
	printf("exhaust: a new thread afterwards: %s\n", strerror(e));
	return 0;
}

/* ---- futex arguments ----------------------------------------------------- */

static void show(const char *what, long r)
{
	printf("%s: %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static int case_futex(void)
{
	static unsigned word = 5, word2 = 0;
	struct timespec zero = {0, 0}, bad = {0, 2000000000}, neg = {-1, 0};
	void *outside = (void *)(uintptr_t)0x7fff00000000ULL, *low = (void *)(uintptr_t)0x1000;

	show("wait outside guest RAM", futex(outside, FUTEX_WAIT, 0, NULL, NULL, 0));
	show("wait in the VMM's low area", futex(low, FUTEX_WAIT, 0, NULL, NULL, 0));
	show("wait NULL", futex(NULL, FUTEX_WAIT, 0, NULL, NULL, 0));
	show("wake outside guest RAM", futex(outside, FUTEX_WAKE, 1, NULL, NULL, 0));
	show("wait unaligned", futex((char *)&word + 1, FUTEX_WAIT, 5, NULL, NULL, 0));
	show("wait changed value", futex(&word, FUTEX_WAIT, 4, NULL, NULL, 0));
	show("wait, zero timeout", futex(&word, FUTEX_WAIT, 5, &zero, NULL, 0));
	show("wait, bad timeout", futex(&word, FUTEX_WAIT, 5, &bad, NULL, 0));
	show("wait, negative timeout", futex(&word, FUTEX_WAIT, 5, &neg, NULL, 0));
	show("wait, timeout outside RAM", futex(&word, FUTEX_WAIT, 5, outside, NULL, 0));
	struct timespec past = {1, 0};
	show("wait_bitset, realtime deadline passed",
	     futex(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 5, &past, NULL, ~0u));
	show("wait_bitset, bitset 0", futex(&word, FUTEX_WAIT_BITSET, 5, NULL, NULL, 0));
	show("wake, realtime flag",
	     futex(&word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0));
	show("wake nobody", futex(&word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0));
	show("cmp_requeue, second outside RAM",
	     futex(&word, FUTEX_CMP_REQUEUE, 1, (void *)1L, outside, 5));
	show("cmp_requeue, value differs",
	     futex(&word, FUTEX_CMP_REQUEUE, 1, (void *)1L, &word2, 4));
	show("wake_op, second outside RAM", futex(&word, FUTEX_WAKE_OP, 1, (void *)1L, outside, 0));
	show("wake_op, bad op", futex(&word, FUTEX_WAKE_OP, 1, (void *)1L, &word2, 7u << 28));
	word2 = 3; /* FUTEX_OP_ADD 4, then compare old == 3 */
	show("wake_op add",
	     futex(&word, FUTEX_WAKE_OP, 1, (void *)1L, &word2, 1u << 28 | 4 << 12 | 3));
	printf("wake_op: word2 now %u\n", word2);
	show("lock_pi", futex(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0));
	show("unknown op", futex(&word, 99, 0, NULL, NULL, 0));
	return 0;
}

/* ---- clone arguments ----------------------------------------------------- */

/* clone with these flags, stack and tls; the child (if any) stores to its
 * stack and reads its TLS, so a bad one faults at once, in the child. */
static long raw_clone(unsigned long flags, void *stack, void *tls, int *ptid)
{
	long ret;
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = (long)tls;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "push %%rax\n\t"	 /* the child: its stack */
			 "mov %%fs:0, %%rax\n\t" /* its TLS */
			 "mov $60, %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n\t"
			 "ud2\n"
			 "1:"
			 : "=a"(ret)
			 : "a"(SYS_clone), "D"(flags), "S"(stack), "d"(ptid), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

#define THREAD_FLAGS                                                                               \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)

static int case_clone(const char *how)
{
	static char stack[65536] __attribute__((aligned(16)));
	void *top = stack + sizeof(stack);
	void *tls = __builtin_thread_pointer();
	long r;

	if (!strcmp(how, "args")) {
		errno = 0;
		r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		printf("clone as fork: %ld %s\n", r, strerror(errno));
		r = syscall(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, top, 0, 0, 0);
		printf("clone as posix_spawn: %ld %s\n", r, strerror(errno));
		r = syscall(SYS_clone, THREAD_FLAGS | CLONE_NEWNS, top, 0, 0, 0);
		printf("clone, thread with CLONE_NEWNS: %ld %s\n", r, strerror(errno));
		r = syscall(SYS_clone, THREAD_FLAGS, (void *)0x10, 0, 0, 0);
		printf("clone, stack in the low area: %ld %s\n", r, strerror(errno));
		r = syscall(SYS_clone, THREAD_FLAGS, (void *)0x7fff00000000ULL, 0, 0, 0);
		printf("clone, stack outside guest RAM: %ld %s\n", r, strerror(errno));
		r = syscall(SYS_clone, THREAD_FLAGS | CLONE_SETTLS, top, 0, 0, 0x800000000000ULL);
		printf("clone, TLS not canonical: %ld %s\n", r, strerror(errno));
		r = syscall(SYS_clone, THREAD_FLAGS | CLONE_PARENT_SETTID, top, (void *)8, 0, 0);
		printf("clone, parent tid outside RAM: %ld %s\n", r, strerror(errno));
		errno = 0;
		r = syscall(SYS_fork);
		printf("fork: %ld %s\n", r, strerror(errno));
		r = syscall(SYS_vfork);
		printf("vfork: %ld %s\n", r, strerror(errno));
		int ptid = 0;
		r = raw_clone(THREAD_FLAGS | CLONE_SETTLS | CLONE_PARENT_SETTID, top, tls, &ptid);
		usleep(10000);
		printf("clone, good raw thread: tid %s, stored %s\n", r > 1 ? "ok" : "wrong",
		       ptid == r ? "ok" : "wrong");
		return 0;
	}
	if (!strcmp(how, "ro-stack")) /* in the code: the child's first push faults */
		r = raw_clone(THREAD_FLAGS, (void *)((uintptr_t)case_clone & ~(uintptr_t)15), tls,
			      NULL);
	else /* bad-tls: its first TLS read faults */
		r = raw_clone(THREAD_FLAGS | CLONE_SETTLS, top, (void *)0x10, NULL);
	printf("clone: %s\n", r > 0 ? "a child" : strerror((int)-r));
	fflush(stdout);
	sleep(1); /* the child runs now, and faults */
	printf("not reached\n");
	return 1;
}

/* ---- a crash in one thread while others run ------------------------------ */

static void *busy(void *arg)
{
	while (arg == NULL)
		spins++;
	return NULL;
}

static void *sleepy(void *arg)
{
	while (arg == NULL)
		usleep(1000);
	return NULL;
}

__attribute__((noinline)) static void crash_in_thread(volatile int *p)
{
	*p = 42;
}

static void *crasher(void *arg)
{
	(void)arg;
	usleep(30000);
	crash_in_thread(NULL);
	return NULL;
}

__attribute__((noinline)) static void smash(const char *s, size_t n)
{
	char buf[16];
	memcpy(buf, s, n);
	printf("%s\n", buf);
}

static void *smasher(void *arg)
{
	(void)arg;
	usleep(30000);
	static char big[32];
	memset(big, 'A', 24);	/* buf, then the canary: nothing else */
	volatile size_t n = 25; /* hidden from the compiler's checks */
	smash(big, n);
	return NULL;
}

/* The smashing thread alone runnable, main in a join without timeout:
 * no timer is due, so the vCPU sleeps in musl's hlt until the VMM's
 * watchdog sees it halted in program code. */
static int case_smash_join(void)
{
	pthread_t t;
	pthread_create(&t, NULL, smasher, NULL);
	pthread_join(t, NULL);
	printf("not reached\n");
	return 1;
}

static int case_crash(int stack_smash)
{
	pthread_t t;
	pthread_create(&t, NULL, busy, NULL);
	pthread_create(&t, NULL, sleepy, NULL);
	pthread_create(&t, NULL, stack_smash ? smasher : crasher, NULL);
	printf("three threads started\n");
	fflush(stdout);
	busy(NULL);
	return 1;
}

/* ---- deadlock ------------------------------------------------------------ */

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_locked;

static void *lock_b_then_a(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&b);
	pthread_barrier_wait(&both_locked);
	pthread_mutex_lock(&a);
	return NULL;
}

static int case_deadlock(void)
{
	pthread_t t;
	pthread_barrier_init(&both_locked, NULL, 2);
	pthread_mutex_lock(&a);
	pthread_create(&t, NULL, lock_b_then_a, NULL);
	pthread_barrier_wait(&both_locked);
	printf("a and b locked, each thread now takes the other\n");
	fflush(stdout);
	pthread_mutex_lock(&b);
	printf("not reached\n");
	return 1;
}

static int case_deadlock_self(void)
{
	sem_t never;
	sem_init(&never, 0, 0);
	printf("waiting for a semaphore nobody posts\n");
	fflush(stdout);
	sem_wait(&never);
	return 1;
}

/* A read and a poll of a pipe that nobody writes, and a semaphore: the
 * report names a file wait, a poll wait and a futex wait. */
static int files_pipe[2];

static void *read_pipe(void *arg)
{
	char c;
	(void)arg;
	return (void *)read(files_pipe[0], &c, 1);
}

static void *poll_pipe(void *arg)
{
	struct pollfd p = {.fd = files_pipe[0], .events = POLLIN};
	(void)arg;
	return (void *)(intptr_t)poll(&p, 1, -1);
}

static int case_deadlock_files(void)
{
	pthread_t t;
	if (pipe(files_pipe))
		return 1;
	pthread_create(&t, NULL, read_pipe, NULL);
	pthread_create(&t, NULL, poll_pipe, NULL);
	sched_yield();
	printf("a reader and a poller wait on a pipe nobody writes\n");
	fflush(stdout);
	return case_deadlock_self();
}

static void *abort_other(void *arg)
{
	(void)arg;
	usleep(10000);
	abort();
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	if (!strcmp(c, "spin"))
		return case_spin();
	if (!strcmp(c, "sum"))
		return case_sum();
	if (!strcmp(c, "sleep") && argc > 2)
		return case_sleep(atol(argv[2]));
	if (!strcmp(c, "exhaust"))
		return case_exhaust();
	if (!strcmp(c, "futex"))
		return case_futex();
	if (!strcmp(c, "clone") && argc > 2)
		return case_clone(argv[2]);
	if (!strcmp(c, "crash"))
		return case_crash(0);
	if (!strcmp(c, "stack-smash"))
		return case_crash(1);
	if (!strcmp(c, "smash-join"))
		return case_smash_join();
	if (!strcmp(c, "deadlock"))
		return case_deadlock();
	if (!strcmp(c, "deadlock-self"))
		return case_deadlock_self();
	if (!strcmp(c, "deadlock-files"))
		return case_deadlock_files();
	if (!strcmp(c, "abort")) {
		pthread_t t;
		pthread_create(&t, NULL, abort_other, NULL);
		pthread_create(&t, NULL, sleepy, NULL);
		for (;;)
			spins++;
	}
	fprintf(stderr, "usage: thread_cases CASE\n");
	return 2;
}
