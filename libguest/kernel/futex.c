/*
 * futex(2): the one blocking primitive musl builds its mutexes, condition
 * variables, barriers, semaphores, joins and once-flags on.
 *
 * There is one address space, so every futex is "private" and the key is
 * the address itself (FUTEX_PRIVATE_FLAG changes nothing). Waiters hang in
 * a hash table of FIFO lists, and wake in the order they came, as on
 * Linux for threads of one priority. Reading the word and queueing happen
 * with interrupts off, so no wakeup can slip in between. The PI operations
 * are not offered: ENOSYS, so musl's PTHREAD_PRIO_INHERIT mutexes are
 * refused by pthread_mutexattr_setprotocol, as on a kernel without them.
 */
#include <errno.h>
#include <time.h>

#include "kernel.h"
#include "sched.h"

/* <linux/futex.h>, which musl's headers do not have */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
#define FUTEX_OP_SET 0
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OR 2
#define FUTEX_OP_ANDN 3
#define FUTEX_OP_XOR 4
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_NE 1
#define FUTEX_OP_CMP_LT 2
#define FUTEX_OP_CMP_LE 3
#define FUTEX_OP_CMP_GT 4
#define FUTEX_OP_CMP_GE 5

#define FUTEX_BUCKETS 64
#define BITSET_ANY 0xffffffffu

static struct thread *buckets[FUTEX_BUCKETS];

static struct thread **bucket(uint64_t addr)
{
	return &buckets[(addr >> 2) % FUTEX_BUCKETS];
}

static void queue_add(struct thread *t, uint64_t addr)
{
	struct thread **p = bucket(addr);
	while (*p)
		p = &(*p)->futex_next;
	t->wait_addr = addr;
	t->futex_next = 0;
	t->futex_pprev = p;
	*p = t;
}

static void queue_del(struct thread *t)
{
	*t->futex_pprev = t->futex_next;
	if (t->futex_next)
		t->futex_next->futex_pprev = t->futex_pprev;
	t->futex_next = 0;
	t->futex_pprev = 0;
}

/* -EFAULT outside guest RAM, -EINVAL when not 4-byte aligned, else 0. */
static int check_word(uint64_t addr)
{
	if (addr % 4)
		return -EINVAL;
	return user_range_ok(addr, 4) ? 0 : -EFAULT;
}

static volatile uint32_t *word(uint64_t addr)
{
	return (volatile uint32_t *)(uintptr_t)addr;
}

long futex_wake(uint64_t addr, uint32_t bitset, long n)
{
	long woken = 0;
	struct thread *t = *bucket(addr), *next;

	for (; t && woken < n; t = next) {
		next = t->futex_next;
		if (t->wait_addr != addr || !(t->futex_bitset & bitset))
			continue;
		queue_del(t);
		sched_wake(t, 0);
		woken++;
	}
	return woken;
}

/* The TSC deadline of a futex timeout: relative, or absolute on the
 * monotonic or (FUTEX_CLOCK_REALTIME) the real-time clock. 0 and
 * *deadline = 0 for no timeout; -errno for a bad one. */
static int timeout_deadline(uint64_t ts, int absolute, int realtime, uint64_t *deadline)
{
	uint64_t ns, now;
	int r;

	*deadline = 0;
	if (!ts)
		return 0;
	if ((r = (int)read_timespec(ts, &ns)))
		return r;
	if (absolute) {
		clock_now(realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC, &now);
		ns = ns > now ? ns - now : 0;
	}
	*deadline = tsc_after_ns(ns);
	return 0;
}

static long futex_wait(uint64_t addr, uint32_t val, uint64_t deadline, uint32_t bitset)
{
	struct thread *self = current_thread();

	if (*word(addr) != val)
		return -EAGAIN;
	self->futex_bitset = bitset;
	queue_add(self, addr);
	int r = sched_block(WAIT_FUTEX, addr, deadline);
	if (self->futex_pprev)
		queue_del(self); /* timed out (or interrupted) while queued */
	if (r == -EINTR)	 /* as Linux: restarted under SA_RESTART unless timed */
		return deadline ? -ERESTART_RESTARTBLOCK : -ERESTARTSYS;
	return r;
}

/* Wakes n_wake waiters of addr, moves up to n_move others to addr2. */
static long futex_requeue(uint64_t addr, uint64_t addr2, long n_wake, long n_move)
{
	struct thread *moved = 0, **tail = &moved, *t, *next;
	long done = futex_wake(addr, BITSET_ANY, n_wake), n = 0;

	for (t = *bucket(addr); t && n < n_move; t = next) {
		next = t->futex_next;
		if (t->wait_addr != addr)
			continue;
		queue_del(t);
		*tail = t; /* set aside first: addr2 may share the bucket */
		tail = &t->futex_next;
		n++;
	}
	for (t = moved; t; t = next) {
		next = t->futex_next;
		queue_add(t, addr2);
	}
	return done + n;
}

static int sign_extend12(uint32_t v)
{
	return (int)(v << 20) >> 20;
}

/* FUTEX_WAKE_OP: *addr2 = op(*addr2, oparg), wake on addr, and on addr2
 * as well if the old value passes the comparison. */
static long futex_wake_op(uint64_t addr, uint64_t addr2, long n1, long n2, uint32_t encoded)
{
	uint32_t op = encoded >> 28 & 7, cmp = encoded >> 24 & 15;
	int oparg = sign_extend12(encoded >> 12 & 0xfff), cmparg = sign_extend12(encoded & 0xfff);
	int old, ok;

	if (encoded >> 31) /* FUTEX_OP_OPARG_SHIFT */
		oparg = (int)(1u << (oparg & 31));
	if (op > FUTEX_OP_XOR || cmp > FUTEX_OP_CMP_GE)
		return -ENOSYS;
	old = (int)*word(addr2);
	switch (op) {
	case FUTEX_OP_SET:
		*word(addr2) = (uint32_t)oparg;
		break;
	case FUTEX_OP_ADD:
		*word(addr2) = (uint32_t)old + (uint32_t)oparg;
		break;
	case FUTEX_OP_OR:
		*word(addr2) = (uint32_t)old | (uint32_t)oparg;
		break;
	case FUTEX_OP_ANDN:
		*word(addr2) = (uint32_t)old & ~(uint32_t)oparg;
		break;
	default:
		*word(addr2) = (uint32_t)old ^ (uint32_t)oparg;
		break;
	}
	switch (cmp) {
	case FUTEX_OP_CMP_EQ:
		ok = old == cmparg;
		break;
	case FUTEX_OP_CMP_NE:
		ok = old != cmparg;
		break;
	case FUTEX_OP_CMP_LT:
		ok = old < cmparg;
		break;
	case FUTEX_OP_CMP_LE:
		ok = old <= cmparg;
		break;
	case FUTEX_OP_CMP_GT:
		ok = old > cmparg;
		break;
	default:
		ok = old >= cmparg;
		break;
	}
	long woken = futex_wake(addr, BITSET_ANY, n1);
	if (ok)
		woken += futex_wake(addr2, BITSET_ANY, n2);
	return woken;
}

/* A count argument: Linux takes it as an int, negative meaning none. */
static long count_arg(uint64_t v)
{
	int n = (int)v;
	return n < 0 ? 0 : n;
}

long sys_futex(const struct syscall_frame *f)
{
	uint64_t addr = f->a1, addr2 = f->a5, deadline;
	int op = (int)f->a2, cmd = op & FUTEX_CMD_MASK, realtime = (op & FUTEX_CLOCK_REALTIME) != 0;
	uint32_t val = (uint32_t)f->a3, val3 = (uint32_t)f->a6;
	int r;

	if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if (cmd == FUTEX_WAIT)
			val3 = BITSET_ANY;
		if (!val3)
			return -EINVAL;
		if ((r = check_word(addr)) ||
		    (r = timeout_deadline(f->a4, cmd == FUTEX_WAIT_BITSET, realtime, &deadline)))
			return r;
		return futex_wait(addr, val, deadline, val3);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (cmd == FUTEX_WAKE)
			val3 = BITSET_ANY;
		if (!val3)
			return -EINVAL;
		if ((r = check_word(addr)))
			return r;
		return futex_wake(addr, val3, count_arg(val));
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		if ((r = check_word(addr)) || (r = check_word(addr2)))
			return r;
		if (cmd == FUTEX_CMP_REQUEUE && *word(addr) != val3)
			return -EAGAIN;
		return futex_requeue(addr, addr2, count_arg(val), count_arg(f->a4));
	case FUTEX_WAKE_OP:
		if ((r = check_word(addr)) || (r = check_word(addr2)))
			return r;
		return futex_wake_op(addr, addr2, count_arg(val), count_arg(f->a4), val3);
	default:
		return -ENOSYS; /* the PI operations and anything unknown */
	}
}
