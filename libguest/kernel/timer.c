/*
 * The process's timers: alarm and ITIMER_REAL (SIGALRM), and POSIX timers
 * (timer_create with SIGEV_SIGNAL, SIGEV_NONE, and SIGEV_THREAD_ID, which
 * musl's SIGEV_THREAD builds on: its helper thread takes the signal in
 * sigwaitinfo). Deadlines are TSC values; the scheduler arms the LAPIC
 * timer for the soonest one along with its own and calls timers_expire
 * from its timer interrupt and idle loop (sched.c), with interrupts off.
 * A timer whose last signal is still pending counts an overrun instead of
 * queueing another, as on Linux.
 */
#include <errno.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include "kernel.h"
#include "cpu.h"
#include "ksignal.h"
#include "sched.h"
#include <poll.h>

#define TIMERS_MAX 32
#define NS_PER_S 1000000000ull
#define SIGEV_THREAD_ID_V 4
#define NOTIFY_FD 100 /* a timerfd's: counts expiries and wakes its queue */

struct ktimer {
	int used;
	int clock;
	uint64_t deadline; /* TSC; 0: disarmed */
	uint64_t interval; /* ns; 0: one shot */
	int notify;	   /* SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID */
	int signo, tid;
	uint64_t value;
	int queued; /* its signal is pending */
	int overrun, last_overrun;
	uint64_t *fd_count; /* NOTIFY_FD: the timerfd's expiries */
	struct waitq *fd_wq;
};

static struct ktimer timers[TIMERS_MAX];
static int timers_used;		  /* slots of timers[] in use: none, no loop over them */
static struct ktimer itimer_real; /* alarm, setitimer(ITIMER_REAL) */

#define ITIMER_ID (-1) /* the siginfo of SIGALRM is the kernel's, not a timer's */

/* A free slot of timers[], now counted as used, or -1. */
static int timer_take(void)
{
	for (int id = 0; id < TIMERS_MAX; id++)
		if (!timers[id].used) {
			timers[id].used = 1;
			timers_used++;
			return id;
		}
	return -1;
}

static void timer_release(struct ktimer *t)
{
	*t = (struct ktimer){0};
	timers_used--;
}

static uint64_t ns_to_ticks(uint64_t ns)
{
	return tsc_after_ns(ns) - rdtsc(); /* saturating as tsc_after_ns */
}

uint64_t timers_next_deadline(void)
{
	uint64_t d = itimer_real.deadline;
	for (int i = 0; timers_used && i < TIMERS_MAX; i++) /* the scheduler asks often */
		if (timers[i].used && timers[i].deadline && (!d || timers[i].deadline < d))
			d = timers[i].deadline;
	return d;
}

static void fire(struct ktimer *t, int id)
{
	if (t->notify == SIGEV_NONE)
		return;
	if (t->queued) {
		if (t->overrun < INT32_MAX)
			t->overrun++;
		return;
	}
	struct ksiginfo info = {.signo = t->signo};
	if (id == ITIMER_ID) {
		info.code = SI_KERNEL;
	} else {
		info.code = SI_TIMER;
		info.f.pid = id; /* si_timerid */
		info.f.value = t->value;
	}
	struct thread *to = 0;
	if (t->notify == SIGEV_THREAD_ID && !(to = sched_find(t->tid)))
		return; /* its thread is gone */
	if (id != ITIMER_ID)
		t->queued = 1;
	if (signal_send(to, &info) && id != ITIMER_ID)
		t->queued = 0;
}

static void expire_one(struct ktimer *t, int id, uint64_t now)
{
	if (!t->deadline || t->deadline > now)
		return;
	if (!t->interval) {
		t->deadline = 0;
	} else {
		uint64_t step = ns_to_ticks(t->interval), late = (now - t->deadline) / step;
		if (id != ITIMER_ID && t->queued == 0 && late)
			t->overrun += (int)(late > INT32_MAX ? INT32_MAX : late);
		t->deadline += (late + 1) * step;
		if (t->notify == NOTIFY_FD)
			*t->fd_count += late;
	}
	if (t->notify == NOTIFY_FD) {
		*t->fd_count += 1;
		waitq_wake(t->fd_wq, POLLIN | POLLRDNORM);
		return;
	}
	fire(t, id);
}

void timers_expire(uint64_t now)
{
	expire_one(&itimer_real, ITIMER_ID, now);
	for (int i = 0; timers_used && i < TIMERS_MAX; i++)
		if (timers[i].used)
			expire_one(&timers[i], i, now);
}

void timers_delivered(struct ksiginfo *info)
{
	int id = info->f.pid;
	if (id < 0 || id >= TIMERS_MAX || !timers[id].used)
		return;
	info->f.uid = (uint32_t)timers[id].overrun; /* si_overrun */
	timers[id].last_overrun = timers[id].overrun;
	timers[id].overrun = 0;
	timers[id].queued = 0;
}

/* ---- arming ------------------------------------------------------------- */

static int read_ts(uint64_t addr, uint64_t *ns)
{
	return (int)read_timespec(addr, ns);
}

static uint64_t remaining_ns(const struct ktimer *t)
{
	if (!t->deadline)
		return 0;
	uint64_t now = rdtsc();
	uint64_t ns = t->deadline > now ? tsc_to_ns(t->deadline - now) : 0;
	return ns ? ns : 1; /* armed: never reported as 0 */
}

static void arm(struct ktimer *t, uint64_t value_ns, uint64_t interval_ns)
{
	t->interval = interval_ns;
	t->deadline = value_ns ? tsc_after_ns(value_ns) : 0;
	if (t->deadline)
		apic_timer_at(t->deadline);
}

static void put_timespec(struct timespec *ts, uint64_t ns)
{
	ts->tv_sec = (time_t)(ns / NS_PER_S);
	ts->tv_nsec = (long)(ns % NS_PER_S);
}

static void put_timeval(struct timeval *tv, uint64_t ns)
{
	tv->tv_sec = (time_t)(ns / NS_PER_S);
	tv->tv_usec = (suseconds_t)(ns % NS_PER_S / 1000);
}

long sys_alarm(const struct syscall_frame *f)
{
	uint64_t left = remaining_ns(&itimer_real), secs = left / NS_PER_S;
	uint64_t usec = left % NS_PER_S / 1000;
	itimer_real.signo = SIGALRM;
	itimer_real.notify = SIGEV_SIGNAL;
	arm(&itimer_real, (f->a1 & 0xffffffffu) * NS_PER_S, 0);
	/* the seconds that were left, rounded as Linux does */
	if ((!secs && usec) || usec >= 500000)
		secs++;
	return (long)secs;
}

static long itimer_read(uint64_t addr)
{
	if (!addr)
		return 0;
	if (!user_range_ok(addr, sizeof(struct itimerval)))
		return -EFAULT;
	struct itimerval *v = (struct itimerval *)(uintptr_t)addr;
	put_timeval(&v->it_value, remaining_ns(&itimer_real));
	put_timeval(&v->it_interval, itimer_real.interval);
	return 0;
}

long sys_getitimer(const struct syscall_frame *f)
{
	if (f->a1 == ITIMER_VIRTUAL || f->a1 == ITIMER_PROF) {
		if (!user_range_ok(f->a2, sizeof(struct itimerval)))
			return -EFAULT;
		kmemset((void *)(uintptr_t)f->a2, 0, sizeof(struct itimerval));
		return 0; /* never armed: setitimer refuses them */
	}
	if (f->a1 != ITIMER_REAL)
		return -EINVAL;
	if (!f->a2)
		return -EFAULT;
	return itimer_read(f->a2);
}

static int read_timeval(uint64_t addr, uint64_t *ns)
{
	const struct timeval *tv = (const struct timeval *)(uintptr_t)addr;
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -EINVAL;
	*ns = (uint64_t)tv->tv_sec * NS_PER_S + (uint64_t)tv->tv_usec * 1000;
	return 0;
}

long sys_setitimer(const struct syscall_frame *f)
{
	uint64_t value, interval;
	int r;

	if (f->a1 != ITIMER_REAL)
		return -EINVAL; /* CPU-time timers: not offered */
	if (f->a2 && !user_range_ok(f->a2, sizeof(struct itimerval)))
		return -EFAULT;
	if ((r = (int)itimer_read(f->a3)))
		return r;
	if (!f->a2)
		value = interval = 0; /* Linux: a NULL new value disarms */
	else if ((r = read_timeval(f->a2 + offsetof(struct itimerval, it_value), &value)) ||
		 (r = read_timeval(f->a2, &interval)))
		return r;
	itimer_real.signo = SIGALRM;
	itimer_real.notify = SIGEV_SIGNAL;
	arm(&itimer_real, value, value ? interval : 0);
	return 0;
}

/* ---- POSIX timers --------------------------------------------------------- */

struct ksigevent {
	uint64_t value;
	int32_t signo, notify;
	int32_t tid;
	int32_t pad[11];
};
_Static_assert(sizeof(struct ksigevent) == 64, "sigevent size");

static struct ktimer *timer_arg(uint64_t id)
{
	return id < TIMERS_MAX && timers[id].used ? &timers[id] : 0;
}

long sys_timer_create(const struct syscall_frame *f)
{
	int clk = (int)f->a1, id;
	struct ksigevent ev = {.notify = SIGEV_SIGNAL, .signo = SIGALRM};

	if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME)
		return -EINVAL; /* CPU-time and alarm clocks: not offered */
	if (f->a2) {
		if (!user_range_ok(f->a2, sizeof(ev)))
			return -EFAULT;
		ev = *(const struct ksigevent *)(uintptr_t)f->a2;
	}
	if (!user_range_ok(f->a3, sizeof(int)))
		return -EFAULT;
	if (ev.notify != SIGEV_NONE && ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_THREAD_ID)
		return -EINVAL;
	if (ev.notify != SIGEV_NONE && (ev.signo < 1 || ev.signo > KSIG_MAX))
		return -EINVAL;
	if (ev.notify == SIGEV_THREAD_ID && !sched_find(ev.tid))
		return -EINVAL;
	if ((id = timer_take()) < 0)
		return -EAGAIN;
	timers[id] = (struct ktimer){
	    .used = 1,
	    .clock = clk,
	    .notify = ev.notify,
	    .signo = ev.signo,
	    .tid = ev.tid,
	    .value = f->a2 ? ev.value : (uint64_t)id, /* no sigevent: sival_int = the id */
	};
	*(int *)(uintptr_t)f->a3 = id;
	return 0;
}

static long timer_read(const struct ktimer *t, uint64_t addr)
{
	if (!user_range_ok(addr, sizeof(struct itimerspec)))
		return -EFAULT;
	struct itimerspec *v = (struct itimerspec *)(uintptr_t)addr;
	put_timespec(&v->it_value, remaining_ns(t));
	put_timespec(&v->it_interval, t->interval);
	return 0;
}

/* timer_settime and timerfd_settime: flags checked by the caller. */
static long settime(struct ktimer *t, uint64_t flags, uint64_t new_addr, uint64_t old_addr)
{
	uint64_t value, interval, now;
	int r;

	if (!user_range_ok(new_addr, sizeof(struct itimerspec)))
		return -EFAULT;
	if ((r = read_ts(new_addr + offsetof(struct itimerspec, it_value), &value)) ||
	    (r = read_ts(new_addr, &interval)))
		return r;
	if (old_addr && (r = (int)timer_read(t, old_addr)))
		return r;
	if (value && (flags & TIMER_ABSTIME)) {
		clock_now(t->clock, &now);
		value = value > now ? value - now : 1; /* passed: fires at once */
	}
	t->overrun = 0;
	arm(t, value, value ? interval : 0);
	return 0;
}

long sys_timer_settime(const struct syscall_frame *f)
{
	struct ktimer *t = timer_arg(f->a1);

	if (!t)
		return -EINVAL;
	if (!user_range_ok(f->a3, sizeof(struct itimerspec)))
		return -EFAULT;
	if (f->a2 & ~(uint64_t)TIMER_ABSTIME)
		return -EINVAL;
	return settime(t, f->a2, f->a3, f->a4);
}

long sys_timer_gettime(const struct syscall_frame *f)
{
	const struct ktimer *t = timer_arg(f->a1);
	return t ? timer_read(t, f->a2) : -EINVAL;
}

long sys_timer_getoverrun(const struct syscall_frame *f)
{
	const struct ktimer *t = timer_arg(f->a1);
	return t ? t->last_overrun : -EINVAL;
}

long sys_timer_delete(const struct syscall_frame *f)
{
	struct ktimer *t = timer_arg(f->a1);
	if (!t)
		return -EINVAL;
	timer_release(t);
	return 0;
}

/* ---- timerfd.c's timers ------------------------------------------------------ */

int timer_fd_create(int clock, uint64_t *count, struct waitq *wq)
{
	int id = timer_take();
	if (id < 0)
		return -ENOMEM;
	timers[id] = (struct ktimer){
	    .used = 1, .clock = clock, .notify = NOTIFY_FD, .fd_count = count, .fd_wq = wq};
	return id;
}

long timer_fd_settime(int id, uint64_t flags, uint64_t new_addr, uint64_t old_addr)
{
	*timers[id].fd_count = 0; /* as Linux: a new setting forgets the expiries */
	return settime(&timers[id], flags, new_addr, old_addr);
}

long timer_fd_gettime(int id, uint64_t addr)
{
	return timer_read(&timers[id], addr);
}

void timer_fd_delete(int id)
{
	timer_release(&timers[id]);
}
