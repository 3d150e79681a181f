/*
 * signals: the signals differential (tests/scripts/differential). Handlers,
 * SA_SIGINFO fields, masks, nesting, SA_RESETHAND, SA_NODEFER,
 * sigsuspend, sigtimedwait, EINTR against SA_RESTART, alarm, setitimer,
 * POSIX timers (SIGEV_SIGNAL and SIGEV_THREAD), sigaltstack, signals to a
 * thread, the FPU state across a handler. Handlers only record what they
 * saw; main prints it, so the output does not depend on timing.
 *
 * usage: signals [PART...]   (no PART: all of them, in order)
 *        signals die HOW      ends by a signal's default action (the status
 *                             is compared): term, unblocked, abort-handler,
 *                             alarm, thread-term, kill
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static char log_buf[4096];
static volatile sig_atomic_t log_len;

/* Appends to the log (async-signal-safe: no stdio in handlers). */
static void note(const char *s)
{
	size_t n = strlen(s);
	if (log_len + n + 1 < sizeof(log_buf)) {
		memcpy(log_buf + log_len, s, n);
		log_len += (sig_atomic_t)n;
		log_buf[log_len++] = ' ';
		log_buf[log_len] = 0;
	}
}

static void note_num(const char *what, long v)
{
	char b[64];
	int n = 0;
	while (*what)
		b[n++] = *what++;
	if (v < 0) {
		b[n++] = '-';
		v = -v;
	}
	char d[24];
	int k = 0;
	do
		d[k++] = (char)('0' + v % 10);
	while (v /= 10);
	while (k)
		b[n++] = d[--k];
	b[n] = 0;
	note(b);
}

static void print_log(const char *title)
{
	printf("%s: %s\n", title, log_buf);
	log_len = 0;
	log_buf[0] = 0;
}

static void set_handler(int sig, void (*h)(int), int flags, const sigset_t *mask)
{
	struct sigaction sa = {.sa_handler = h, .sa_flags = flags};
	if (mask)
		sa.sa_mask = *mask;
	else
		sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void set_info_handler(int sig, void (*h)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa = {.sa_sigaction = h, .sa_flags = flags | SA_SIGINFO};
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void on_sig(int sig)
{
	note_num("sig", sig);
}

/* ---- basics -------------------------------------------------------------- */

static void part_basic(void)
{
	set_handler(SIGUSR1, on_sig, 0, NULL);
	note("before");
	raise(SIGUSR1);
	note("after");
	kill(getpid(), SIGUSR1);
	pthread_kill(pthread_self(), SIGUSR1);
	note_num("kill 0:", kill(getpid(), 0));
	set_handler(SIGUSR1, SIG_IGN, 0, NULL);
	raise(SIGUSR1);
	note("ignored");
	errno = 0;
	note_num("kill 65:", kill(getpid(), 65) == -1 ? errno : 0);
	note_num("sigaction SIGKILL:",
		 sigaction(SIGKILL, &(struct sigaction){0}, NULL) == -1 ? errno : 0);
	print_log("basic");
}

/* ---- siginfo ------------------------------------------------------------- */

static void on_info(int sig, siginfo_t *si, void *uc)
{
	note_num("sig", sig);
	note_num("signo", si->si_signo);
	note_num("code", si->si_code);
	if (si->si_code == SI_QUEUE)
		note_num("value", si->si_value.sival_int);
	if (si->si_code == SI_USER || si->si_code == SI_QUEUE || si->si_code == SI_TKILL)
		note_num("pid-is-me", si->si_pid == getpid());
	note_num("uc", uc != NULL);
}

static void part_siginfo(void)
{
	set_info_handler(SIGUSR2, on_info, 0);
	kill(getpid(), SIGUSR2);
	raise(SIGUSR2);
	sigqueue(getpid(), SIGUSR2, (union sigval){.sival_int = 42});
	set_info_handler(SIGRTMIN + 1, on_info, 0);
	sigqueue(getpid(), SIGRTMIN + 1, (union sigval){.sival_int = 7});
	print_log("siginfo");
}

/* ---- masks and pending ----------------------------------------------------- */

static void part_mask(void)
{
	sigset_t s, old, pend;
	set_handler(SIGUSR1, on_sig, 0, NULL);
	set_handler(SIGUSR2, on_sig, 0, NULL);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGUSR2);
	sigprocmask(SIG_BLOCK, &s, &old);
	raise(SIGUSR2);
	raise(SIGUSR1);
	raise(SIGUSR1); /* a standard signal is pending once */
	note("blocked");
	sigpending(&pend);
	note_num("pending usr1", sigismember(&pend, SIGUSR1));
	note_num("pending usr2", sigismember(&pend, SIGUSR2));
	note_num("pending term", sigismember(&pend, SIGTERM));
	sigprocmask(SIG_SETMASK, &old, NULL); /* both arrive before it returns */
	note("unblocked");
	sigpending(&pend);
	note_num("pending usr1", sigismember(&pend, SIGUSR1));

	/* real-time signals queue, in order */
	set_info_handler(SIGRTMIN + 2, on_info, 0);
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN + 2);
	sigprocmask(SIG_BLOCK, &s, NULL);
	for (int i = 1; i <= 3; i++)
		sigqueue(getpid(), SIGRTMIN + 2, (union sigval){.sival_int = i});
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	print_log("mask");

	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	sigfillset(&s);
	sigprocmask(SIG_SETMASK, &s, NULL);
	sigprocmask(SIG_SETMASK, NULL, &s);
	printf("mask: KILL blockable %d, STOP blockable %d, USR1 blocked %d\n",
	       sigismember(&s, SIGKILL), sigismember(&s, SIGSTOP), sigismember(&s, SIGUSR1));
	sigprocmask(SIG_SETMASK, &cur, NULL);
}

/* ---- nesting, sa_mask, SA_NODEFER, SA_RESETHAND ------------------------------ */

static void on_usr1_raises_usr2(int sig)
{
	note_num("begin", sig);
	raise(SIGUSR2);
	note_num("end", sig);
}

static volatile int depth;

static void on_nodefer(int sig)
{
	note_num("enter", sig);
	if (depth++ == 0)
		raise(sig);
	note_num("leave", sig);
}

static void part_nest(void)
{
	sigset_t m;
	set_handler(SIGUSR2, on_sig, 0, NULL);
	set_handler(SIGUSR1, on_usr1_raises_usr2, 0, NULL);
	raise(SIGUSR1); /* usr2 interrupts the usr1 handler */
	note("|");
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	set_handler(SIGUSR1, on_usr1_raises_usr2, 0, &m);
	raise(SIGUSR1); /* usr2 waits for the handler's end */
	note("|");
	depth = 0;
	set_handler(SIGUSR1, on_nodefer, 0, NULL);
	raise(SIGUSR1); /* its own signal waits */
	note("|");
	depth = 0;
	set_handler(SIGUSR1, on_nodefer, SA_NODEFER, NULL);
	raise(SIGUSR1); /* nests */
	note("|");
	set_handler(SIGUSR1, on_sig, SA_RESETHAND, NULL);
	raise(SIGUSR1);
	struct sigaction now;
	sigaction(SIGUSR1, NULL, &now);
	note_num("reset to default", now.sa_handler == SIG_DFL);
	print_log("nest");
}

/* ---- sigsuspend, sigtimedwait, pause --------------------------------------- */

static void *pthread_kill_later(void *arg)
{
	usleep(20000);
	pthread_kill(*(pthread_t *)arg, SIGUSR1);
	return NULL;
}

static void part_wait(void)
{
	sigset_t s, old, empty;
	siginfo_t si;
	set_handler(SIGUSR1, on_sig, 0, NULL);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &s, &old);
	raise(SIGUSR1);
	note("suspend");
	errno = 0;
	int r = sigsuspend(&empty);
	note_num("suspend returned", r);
	note_num("errno EINTR", errno == EINTR);
	sigset_t after;
	sigprocmask(SIG_BLOCK, NULL, &after);
	note_num("mask back", sigismember(&after, SIGUSR1));

	pthread_t self = pthread_self(), t;
	pthread_create(&t, NULL, pthread_kill_later, &self);
	r = sigsuspend(&empty); /* a thread's pthread_kill wakes it */
	note_num("woken by a thread", r == -1 && errno == EINTR);
	pthread_join(t, NULL);

	raise(SIGUSR1);
	r = sigwaitinfo(&s, &si);
	note_num("sigwaitinfo", r);
	note_num("code", si.si_code);
	struct timespec ts = {0, 20000000};
	errno = 0;
	r = sigtimedwait(&s, &si, &ts);
	note_num("timedwait nothing", r);
	note_num("EAGAIN", errno == EAGAIN);
	pthread_create(&t, NULL, pthread_kill_later, &self);
	ts.tv_sec = 5;
	r = sigtimedwait(&s, &si, &ts);
	note_num("timedwait from a thread", r);
	pthread_join(t, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);

	pthread_create(&t, NULL, pthread_kill_later, &self);
	r = pause();
	note_num("pause", r == -1 && errno == EINTR);
	pthread_join(t, NULL);
	print_log("wait");
}

/* ---- EINTR and SA_RESTART ---------------------------------------------------- */

static int futex_word;
static atomic_int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	atomic_fetch_add(&alarms, 1);
}

static void *wake_later(void *arg)
{
	(void)arg;
	usleep(60000);
	syscall(SYS_futex, &futex_word, 1 /* FUTEX_WAKE */, 1, NULL, NULL, 0);
	return NULL;
}

static void arm_ms(long ms)
{
	struct itimerval v = {.it_value = {0, ms * 1000}};
	setitimer(ITIMER_REAL, &v, NULL);
}

static void part_restart(void)
{
	pthread_t t;
	long r;

	set_handler(SIGALRM, on_alarm, 0, NULL);
	arm_ms(20);
	errno = 0;
	r = syscall(SYS_futex, &futex_word, 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0);
	printf("restart: futex wait, no SA_RESTART: %ld %s, handler ran %d\n", r, strerror(errno),
	       atomic_load(&alarms));

	set_handler(SIGALRM, on_alarm, SA_RESTART, NULL);
	pthread_create(&t, NULL, wake_later, NULL);
	arm_ms(20);
	errno = 0;
	r = syscall(SYS_futex, &futex_word, 0, 0, NULL, NULL, 0);
	printf("restart: futex wait, SA_RESTART: %ld, handler ran %d\n", r, atomic_load(&alarms));
	pthread_join(t, NULL);

	arm_ms(20);
	struct timespec ts = {5, 0}, rem = {0, 0};
	r = nanosleep(&ts, &rem);
	printf("restart: nanosleep, SA_RESTART too: %ld %s, rem in (3, 5] s: %d\n", r,
	       strerror(errno), rem.tv_sec >= 3 && rem.tv_sec <= 5);
	arm_ms(20);
	r = usleep(2000000);
	printf("restart: usleep: %ld %s, handler ran %d\n", r, strerror(errno),
	       atomic_load(&alarms));
	set_handler(SIGALRM, SIG_DFL, 0, NULL);
}

/* ---- alarm, setitimer, POSIX timers ------------------------------------------ */

static void part_alarm(void)
{
	set_handler(SIGALRM, on_alarm, 0, NULL);
	atomic_store(&alarms, 0);
	printf("alarm: first %u", alarm(5));
	printf(", then %u", alarm(0));
	printf(", then %u\n", alarm(0));
	alarm(1);
	pause();
	printf("alarm: after pause, handler ran %d\n", atomic_load(&alarms));

	struct itimerval v = {.it_interval = {0, 10000}, .it_value = {0, 10000}}, cur;
	setitimer(ITIMER_REAL, &v, NULL);
	sigset_t s, empty;
	sigemptyset(&s);
	sigaddset(&s, SIGALRM);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &s, NULL);
	atomic_store(&alarms, 0);
	while (atomic_load(&alarms) < 5)
		sigsuspend(&empty);
	getitimer(ITIMER_REAL, &cur);
	printf("setitimer: 5 ticks, interval %ld us, armed %d\n", (long)cur.it_interval.tv_usec,
	       cur.it_value.tv_sec > 0 || cur.it_value.tv_usec > 0);
	setitimer(ITIMER_REAL, &(struct itimerval){0}, NULL);
	getitimer(ITIMER_REAL, &cur);
	printf("setitimer: disarmed %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
	sigprocmask(SIG_UNBLOCK, &s, NULL);

	/* a busy loop is interrupted too */
	atomic_store(&alarms, 0);
	arm_ms(20);
	while (!atomic_load(&alarms))
		;
	printf("alarm: a busy loop saw its handler\n");
	set_handler(SIGALRM, SIG_DFL, 0, NULL);
}

static siginfo_t timer_si;
static atomic_int timer_hits;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	timer_si = *si;
	atomic_fetch_add(&timer_hits, 1);
}

static sem_t thread_notes;
static atomic_int thread_notified;

static void on_thread_timer(union sigval v)
{
	atomic_fetch_add(&thread_notified, v.sival_int);
	sem_post(&thread_notes);
}

static void part_timer(void)
{
	timer_t tm;
	struct sigevent ev = {
	    .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1, .sigev_value.sival_int = 7};
	struct itimerspec its = {.it_value = {0, 10000000}}, cur;
	sigset_t s, empty;
	set_info_handler(SIGUSR1, on_timer, 0);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &s, NULL);
	printf("timer_create: %d\n", timer_create(CLOCK_MONOTONIC, &ev, &tm));
	timer_settime(tm, 0, &its, NULL);
	sigsuspend(&empty);
	printf("timer: one shot: hits %d, signo %d, code SI_TIMER %d, value %d\n",
	       atomic_load(&timer_hits), timer_si.si_signo, timer_si.si_code == SI_TIMER,
	       timer_si.si_value.sival_int);
	timer_gettime(tm, &cur);
	printf("timer: after it fired: %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

	its.it_interval.tv_nsec = 5000000;
	its.it_value.tv_nsec = 5000000;
	timer_settime(tm, 0, &its, NULL);
	timer_gettime(tm, &cur);
	printf("timer: periodic: interval %ld ns, armed %d\n", cur.it_interval.tv_nsec,
	       cur.it_value.tv_nsec > 0);
	usleep(60000); /* blocked: ~12 expiries, one signal */
	atomic_store(&timer_hits, 0);
	sigsuspend(&empty);
	printf("timer: periodic, blocked 60 ms: one signal %d, overrun > 3 %d\n",
	       atomic_load(&timer_hits) >= 1, timer_getoverrun(tm) > 3);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	printf("timer_delete: %d\n", timer_delete(tm));
	errno = 0;
	int gr = timer_gettime(tm, &cur);
	printf("timer_gettime after delete: %d %s\n", gr, strerror(errno));
	sigprocmask(SIG_UNBLOCK, &s, NULL);

	/* absolute, on the real-time clock */
	ev.sigev_value.sival_int = 9;
	timer_create(CLOCK_REALTIME, &ev, &tm);
	clock_gettime(CLOCK_REALTIME, &now);
	now.tv_nsec += 10000000;
	if (now.tv_nsec >= 1000000000) {
		now.tv_sec++;
		now.tv_nsec -= 1000000000;
	}
	its = (struct itimerspec){.it_value = now};
	atomic_store(&timer_hits, 0);
	sigprocmask(SIG_BLOCK, &s, NULL);
	timer_settime(tm, TIMER_ABSTIME, &its, NULL);
	sigsuspend(&empty);
	printf("timer: absolute realtime: hits %d, value %d\n", atomic_load(&timer_hits),
	       timer_si.si_value.sival_int);
	timer_delete(tm);
	sigprocmask(SIG_UNBLOCK, &s, NULL);

	/* SIGEV_THREAD: musl's helper thread runs the function */
	sem_init(&thread_notes, 0, 0);
	struct sigevent tev = {.sigev_notify = SIGEV_THREAD,
			       .sigev_notify_function = on_thread_timer,
			       .sigev_value.sival_int = 5};
	printf("timer_create SIGEV_THREAD: %d\n", timer_create(CLOCK_MONOTONIC, &tev, &tm));
	its = (struct itimerspec){.it_value = {0, 5000000}, .it_interval = {0, 5000000}};
	timer_settime(tm, 0, &its, NULL);
	for (int i = 0; i < 3; i++)
		sem_wait(&thread_notes);
	timer_delete(tm);
	printf("timer: SIGEV_THREAD ran 3 times, sum >= 15: %d\n",
	       atomic_load(&thread_notified) >= 15);
	set_handler(SIGUSR1, SIG_DFL, 0, NULL);
}

/* ---- sigaltstack ------------------------------------------------------------- */

static char altstack[65536] __attribute__((aligned(16)));
static int alt_on, alt_flags;

static void on_alt(int sig)
{
	char here;
	stack_t ss;
	(void)sig;
	alt_on = &here >= altstack && &here < altstack + sizeof(altstack);
	sigaltstack(NULL, &ss);
	alt_flags = ss.ss_flags;
}

static void part_altstack(void)
{
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)}, old;
	printf("sigaltstack: %d", sigaltstack(&ss, &old));
	printf(", old disabled %d", old.ss_flags == SS_DISABLE);
	set_handler(SIGUSR1, on_alt, SA_ONSTACK, NULL);
	raise(SIGUSR1);
	printf(", SA_ONSTACK handler on it %d, flags SS_ONSTACK %d", alt_on,
	       alt_flags == SS_ONSTACK);
	set_handler(SIGUSR1, on_alt, 0, NULL);
	raise(SIGUSR1);
	printf(", without SA_ONSTACK %d", alt_on);
	sigaltstack(NULL, &old);
	printf(", outside flags %d\n", old.ss_flags);
	ss.ss_size = 1024;
	errno = 0;
	int sr = sigaltstack(&ss, NULL);
	printf("sigaltstack too small: %d %s\n", sr, strerror(errno));
	ss.ss_flags = SS_DISABLE;
	printf("sigaltstack disable: %d\n", sigaltstack(&ss, NULL));
	set_handler(SIGUSR1, SIG_DFL, 0, NULL);
}

/* ---- signals and threads ------------------------------------------------------- */

static pthread_t target;
static atomic_int target_hits, target_right;
static sem_t thread_ready;

static void on_thread_sig(int sig)
{
	(void)sig;
	atomic_fetch_add(&target_hits, 1);
	atomic_fetch_add(&target_right, pthread_equal(pthread_self(), target));
}

static void *spin_for_signals(void *arg)
{
	(void)arg;
	sem_post(&thread_ready);
	while (atomic_load(&target_hits) < 3)
		; /* busy: only a preemption lets the signal in */
	return NULL;
}

static void *block_usr1_and_wait(void *arg)
{
	sigset_t s;
	(void)arg;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	sem_post(&thread_ready);
	usleep(100000);
	return NULL;
}

static void part_threads(void)
{
	pthread_t other;
	sem_init(&thread_ready, 0, 0);
	set_handler(SIGUSR1, on_thread_sig, 0, NULL);
	pthread_create(&target, NULL, spin_for_signals, NULL);
	sem_wait(&thread_ready);
	for (int i = 1; i <= 3; i++) {
		pthread_kill(target, SIGUSR1);
		while (atomic_load(&target_hits) < i)
			usleep(1000); /* one at a time: pending ones would merge */
	}
	pthread_join(target, NULL);
	printf("threads: pthread_kill to a busy thread: %d hits, in that thread %d\n",
	       atomic_load(&target_hits), atomic_load(&target_right));

	/* kill() goes to a thread that does not block it */
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_create(&other, NULL, block_usr1_and_wait, NULL);
	sem_wait(&thread_ready);
	atomic_store(&target_hits, 0);
	atomic_store(&target_right, 0);
	target = pthread_self();
	kill(getpid(), SIGUSR1);
	printf("threads: kill with one thread blocking it: %d hits, in main %d\n",
	       atomic_load(&target_hits), atomic_load(&target_right));
	pthread_join(other, NULL);
	set_handler(SIGUSR1, SIG_DFL, 0, NULL);
}

/* ---- the FPU state across handlers --------------------------------------------- */

static volatile double handler_sum;

static void on_fp(int sig)
{
	double x = 1.0;
	(void)sig;
	for (int i = 1; i < 100; i++)
		x = x * 1.0001 + 1.0 / i;
	handler_sum += x;
}

static void part_fpu(void)
{
	set_handler(SIGALRM, on_fp, SA_RESTART, NULL);
	struct itimerval v = {.it_interval = {0, 1000}, .it_value = {0, 1000}};
	setitimer(ITIMER_REAL, &v, NULL);
	double acc = 0;
	for (int round = 0; round < 20; round++) {
		double x = 0.5;
		for (int i = 0; i < 200000; i++)
			x = x * 0.999999 + 0.000001 * (i & 7);
		acc += x;
	}
	setitimer(ITIMER_REAL, &(struct itimerval){0}, NULL);
	set_handler(SIGALRM, SIG_DFL, 0, NULL);
	printf("fpu: main's sum %.12f, handlers ran %d\n", acc, handler_sum > 0);
}

static const struct part {
	const char *name;
	void (*run)(void);
} parts[] = {
    {"basic", part_basic},     {"siginfo", part_siginfo}, {"mask", part_mask},
    {"nest", part_nest},       {"wait", part_wait},	  {"restart", part_restart},
    {"alarm", part_alarm},     {"timer", part_timer},	  {"altstack", part_altstack},
    {"threads", part_threads}, {"fpu", part_fpu},
};

static void on_abort(int sig)
{
	(void)sig;
	printf("abort handler ran\n");
	fflush(stdout);
}

static void *raise_term(void *arg)
{
	(void)arg;
	kill(getpid(), SIGTERM);
	return NULL;
}

static int die(const char *how)
{
	printf("dying: %s\n", how);
	fflush(stdout);
	if (!strcmp(how, "term")) {
		raise(SIGTERM);
	} else if (!strcmp(how, "unblocked")) { /* pending while blocked, then fatal */
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGHUP);
		sigprocmask(SIG_BLOCK, &s, NULL);
		raise(SIGHUP);
		printf("still here while blocked\n");
		fflush(stdout);
		sigprocmask(SIG_UNBLOCK, &s, NULL);
	} else if (!strcmp(how, "abort-handler")) { /* the handler returns: abort still ends it */
		set_handler(SIGABRT, on_abort, 0, NULL);
		abort();
	} else if (!strcmp(how, "alarm")) {
		alarm(1);
		pause();
	} else if (!strcmp(how, "thread-term")) { /* another thread's kill ends the process */
		pthread_t t;
		pthread_create(&t, NULL, raise_term, NULL);
		pthread_join(t, NULL);
		sleep(5);
	} else if (!strcmp(how, "kill")) {
		set_handler(SIGUSR1, SIG_IGN, 0, NULL);
		raise(SIGKILL);
	}
	printf("not reached\n");
	return 1;
}

/* ---- signals from outside (tests/scripts/signal-cases) ------------------ */

static volatile sig_atomic_t outside_sig, outside_code = -1;

static void on_outside(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	outside_code = si->si_code;
	outside_sig = sig;
}

/* outside DIR MODE: handlers for SIGTERM, SIGINT and SIGUSR2, then
 * DIR/ready; waits (MODE pause) or spins (MODE busy) until one comes,
 * writes "SIGNAME si_code N" to DIR/got and exits 0. */
static int outside(const char *dir, const char *mode)
{
	char path[256];
	static const int sigs[] = {SIGTERM, SIGINT, SIGUSR2};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		set_info_handler(sigs[i], on_outside, 0);
	snprintf(path, sizeof(path), "%s/ready", dir);
	FILE *f = fopen(path, "w");
	if (!f || fclose(f))
		return 2;
	if (!strcmp(mode, "busy")) {
		while (!outside_sig)
			; /* no syscall: only an interrupt gets the handler in */
	} else {
		while (!outside_sig)
			pause();
	}
	snprintf(path, sizeof(path), "%s/got", dir);
	f = fopen(path, "w");
	if (!f)
		return 3;
	fprintf(f, "%s si_code %d\n",
		outside_sig == SIGTERM	? "SIGTERM"
		: outside_sig == SIGINT ? "SIGINT"
					: "SIGUSR2",
		(int)outside_code);
	return fclose(f) ? 4 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "die"))
		return die(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "outside"))
		return outside(argv[2], argv[3]);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		int want = argc == 1;
		for (int j = 1; j < argc; j++)
			want |= !strcmp(argv[j], parts[i].name);
		if (want) {
			parts[i].run();
			fflush(stdout);
		}
	}
	return 0;
}
