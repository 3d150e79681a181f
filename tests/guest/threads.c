/*
 * threads: the threads differential (tests/scripts/differential). Every
 * part of musl's pthreads and C11 threads that programs use, with output
 * that does not depend on how the threads interleave: results are printed
 * by the main thread after joins, or in an order the threads agree on.
 *
 * usage: threads [PART...]   (no PART: all of them, in order)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		int e_ = (x);                                                                      \
		if (e_)                                                                            \
			printf("FAIL %s:%d: %s = %d (%s)\n", __FILE__, __LINE__, #x, e_,           \
			       strerror(e_));                                                      \
	} while (0)

static struct timespec in_ms(long ms, clockid_t clk)
{
	struct timespec t;
	clock_gettime(clk, &t);
	t.tv_nsec += ms % 1000 * 1000000;
	t.tv_sec += ms / 1000 + t.tv_nsec / 1000000000;
	t.tv_nsec %= 1000000000;
	return t;
}

/* ---- create, join, return values ----------------------------------------- */

static void *square(void *arg)
{
	long n = (long)arg;
	return (void *)(n * n);
}

static void part_join(void)
{
	pthread_t t[10];
	for (long i = 0; i < 10; i++)
		CHECK(pthread_create(&t[i], NULL, square, (void *)i));
	printf("join:");
	for (int i = 0; i < 10; i++) {
		void *r;
		CHECK(pthread_join(t[i], &r));
		printf(" %ld", (long)r);
	}
	printf("\n");
	printf("self equal: %d, main != child: %d\n", pthread_equal(pthread_self(), pthread_self()),
	       !pthread_equal(pthread_self(), t[0]));
}

/* ---- mutexes ------------------------------------------------------------- */

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *add_locked(void *arg)
{
	long n = (long)arg;
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&counter_lock);
		long v = counter;
		if (i % 512 == 0)
			sched_yield(); /* holding the lock: the others must wait */
		counter = v + 1;
		pthread_mutex_unlock(&counter_lock);
	}
	return NULL;
}

/* trylock, and unlock unless it is a normal mutex (whose unlock by a
 * non-owner is undefined), of a mutex another thread holds */
struct other_try {
	pthread_mutex_t *m;
	int unlock;
};

static void *try_from_other(void *arg)
{
	const struct other_try *o = arg;
	long r = pthread_mutex_trylock(o->m);
	if (r == 0)
		pthread_mutex_unlock(o->m);
	long u = o->unlock ? pthread_mutex_unlock(o->m) : 0;
	return (void *)(r << 8 | u);
}

static void *timedlock_other(void *arg)
{
	struct timespec until = in_ms(20, CLOCK_REALTIME);
	long r = pthread_mutex_timedlock(arg, &until);
	if (r == 0)
		pthread_mutex_unlock(arg);
	return (void *)r;
}

static void part_mutex(void)
{
	pthread_t t[8];
	counter = 0;
	for (int i = 0; i < 8; i++)
		CHECK(pthread_create(&t[i], NULL, add_locked, (void *)10000L));
	for (int i = 0; i < 8; i++)
		CHECK(pthread_join(t[i], NULL));
	printf("mutex: 8 x 10000 = %ld\n", counter);

	pthread_mutexattr_t a;
	pthread_mutex_t m;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&m, &a);
	int r1 = pthread_mutex_lock(&m), r2 = pthread_mutex_lock(&m),
	    r3 = pthread_mutex_trylock(&m);
	printf("recursive: %d %d %d", r1, r2, r3);
	void *other;
	struct other_try o = {&m, 1};
	pthread_create(&t[0], NULL, try_from_other, &o);
	pthread_join(t[0], &other);
	printf(", other thread: trylock %s, unlock %s", strerror((int)((long)other >> 8)),
	       strerror((int)((long)other & 0xff)));
	r1 = pthread_mutex_unlock(&m);
	r2 = pthread_mutex_unlock(&m);
	r3 = pthread_mutex_unlock(&m);
	printf(", unlocks %d %d %d, one too many: %s\n", r1, r2, r3,
	       strerror(pthread_mutex_unlock(&m)));
	pthread_mutex_destroy(&m);

	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m, &a);
	pthread_mutex_lock(&m);
	printf("errorcheck: relock %s", strerror(pthread_mutex_lock(&m)));
	pthread_create(&t[0], NULL, try_from_other, &o);
	pthread_join(t[0], &other);
	printf(", other thread: trylock %s, unlock %s\n", strerror((int)((long)other >> 8)),
	       strerror((int)((long)other & 0xff)));
	pthread_mutex_t n = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&n);
	struct other_try on = {&n, 0};
	pthread_create(&t[0], NULL, try_from_other, &on);
	pthread_join(t[0], &other);
	printf("normal: other thread trylock %s", strerror((int)((long)other >> 8)));
	pthread_create(&t[0], NULL, timedlock_other, &n);
	pthread_join(t[0], &other);
	printf(", timedlock %s\n", strerror((int)(long)other));
	pthread_mutex_unlock(&n);
	pthread_mutex_unlock(&m);
	pthread_mutexattr_destroy(&a);
	pthread_mutex_destroy(&m);
}

/* ---- robust mutexes ------------------------------------------------------ */

static pthread_mutex_t robust;

static void *die_holding(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&robust);
	return NULL; /* exits with the lock held */
}

static void part_robust(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust, &a);
	pthread_t t;
	pthread_create(&t, NULL, die_holding, NULL);
	pthread_join(t, NULL);
	int r = pthread_mutex_lock(&robust);
	printf("robust: lock after owner died: %s", strerror(r));
	if (r == EOWNERDEAD)
		printf(", consistent %d", pthread_mutex_consistent(&robust));
	int u = pthread_mutex_unlock(&robust);
	int l = pthread_mutex_lock(&robust);
	printf(", unlock %d, lock again %d\n", u, l);
	pthread_mutex_unlock(&robust);
	pthread_mutexattr_destroy(&a);
}

/* ---- condition variables ------------------------------------------------ */

#define QUEUE_ITEMS 2000
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_nonempty = PTHREAD_COND_INITIALIZER, q_nonfull = PTHREAD_COND_INITIALIZER;
static int queue[16], q_head, q_count, q_done;
static long consumed_sum[4];

static void *consume(void *arg)
{
	long id = (long)arg;
	for (;;) {
		pthread_mutex_lock(&q_lock);
		while (!q_count && !q_done)
			pthread_cond_wait(&q_nonempty, &q_lock);
		if (!q_count) {
			pthread_mutex_unlock(&q_lock);
			return NULL;
		}
		int v = queue[q_head];
		q_head = (q_head + 1) % 16;
		q_count--;
		pthread_cond_signal(&q_nonfull);
		pthread_mutex_unlock(&q_lock);
		consumed_sum[id] += v;
	}
}

static pthread_cond_t gate = PTHREAD_COND_INITIALIZER;
static int gate_open, waiting;

static void *wait_gate(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&q_lock);
	waiting++;
	while (!gate_open)
		pthread_cond_wait(&gate, &q_lock);
	waiting--;
	pthread_mutex_unlock(&q_lock);
	return NULL;
}

static void part_cond(void)
{
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, consume, (void *)i);
	for (int i = 1; i <= QUEUE_ITEMS; i++) {
		pthread_mutex_lock(&q_lock);
		while (q_count == 16)
			pthread_cond_wait(&q_nonfull, &q_lock);
		queue[(q_head + q_count) % 16] = i;
		q_count++;
		pthread_cond_signal(&q_nonempty);
		pthread_mutex_unlock(&q_lock);
	}
	pthread_mutex_lock(&q_lock);
	q_done = 1;
	pthread_cond_broadcast(&q_nonempty);
	pthread_mutex_unlock(&q_lock);
	long sum = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		sum += consumed_sum[i];
	}
	printf("cond: %d items through 4 consumers, sum %ld\n", QUEUE_ITEMS, sum);

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, wait_gate, NULL);
	for (;;) {
		pthread_mutex_lock(&q_lock);
		int w = waiting;
		pthread_mutex_unlock(&q_lock);
		if (w == 4)
			break;
		usleep(1000);
	}
	pthread_mutex_lock(&q_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate);
	pthread_mutex_unlock(&q_lock);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("cond: broadcast woke 4, waiting now %d\n", waiting);

	pthread_condattr_t ca;
	pthread_cond_t c;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c, &ca);
	struct timespec until = in_ms(20, CLOCK_MONOTONIC), after;
	pthread_mutex_lock(&q_lock);
	int r = pthread_cond_timedwait(&c, &q_lock, &until);
	pthread_mutex_unlock(&q_lock);
	clock_gettime(CLOCK_MONOTONIC, &after);
	int late = after.tv_sec > until.tv_sec ||
		   (after.tv_sec == until.tv_sec && after.tv_nsec >= until.tv_nsec);
	printf("cond timedwait (monotonic): %s, not early: %d\n", strerror(r), late);
	until = in_ms(20, CLOCK_REALTIME);
	pthread_mutex_lock(&q_lock);
	r = pthread_cond_timedwait(&q_nonempty, &q_lock, &until);
	pthread_mutex_unlock(&q_lock);
	printf("cond timedwait (realtime): %s\n", strerror(r));
	pthread_cond_destroy(&c);
	pthread_condattr_destroy(&ca);
}

/* ---- rwlocks ------------------------------------------------------------- */

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static atomic_int readers_in, max_readers;
static long rw_value;

static void *reader(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++) {
		pthread_rwlock_rdlock(&rw);
		int n = atomic_fetch_add(&readers_in, 1) + 1;
		int m = atomic_load(&max_readers);
		while (n > m && !atomic_compare_exchange_weak(&max_readers, &m, n))
			;
		long v = rw_value;
		if (i % 50 == 0)
			sched_yield();
		if (v != rw_value)
			printf("FAIL: value changed under a read lock\n");
		atomic_fetch_sub(&readers_in, 1);
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

static void *writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++) {
		pthread_rwlock_wrlock(&rw);
		if (atomic_load(&readers_in))
			printf("FAIL: a reader inside a write lock\n");
		rw_value++;
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

static void *try_locks(void *arg)
{
	(void)arg;
	struct timespec until = in_ms(20, CLOCK_REALTIME);
	long a = pthread_rwlock_tryrdlock(&rw), b = pthread_rwlock_trywrlock(&rw),
	     c = pthread_rwlock_timedwrlock(&rw, &until);
	return (void *)(a << 16 | b << 8 | c);
}

static void part_rwlock(void)
{
	pthread_t t[6];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, reader, NULL);
	for (int i = 4; i < 6; i++)
		pthread_create(&t[i], NULL, writer, NULL);
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	printf("rwlock: value %ld, readers inside at the end %d\n", rw_value,
	       atomic_load(&readers_in));
	void *r;
	pthread_rwlock_wrlock(&rw);
	pthread_create(&t[0], NULL, try_locks, NULL);
	pthread_join(t[0], &r);
	long v = (long)r;
	printf("rwlock held for writing: tryrdlock %s, trywrlock %s, timedwrlock %s\n",
	       strerror((int)(v >> 16)), strerror((int)(v >> 8 & 0xff)), strerror((int)(v & 0xff)));
	pthread_rwlock_unlock(&rw);
	pthread_rwlock_rdlock(&rw);
	pthread_create(&t[0], NULL, try_locks, NULL);
	pthread_join(t[0], &r);
	v = (long)r;
	printf("rwlock held for reading: tryrdlock %s, trywrlock %s, timedwrlock %s\n",
	       strerror((int)(v >> 16)), strerror((int)(v >> 8 & 0xff)), strerror((int)(v & 0xff)));
	pthread_rwlock_unlock(&rw);
	pthread_rwlock_unlock(&rw); /* try_locks' read lock */
}

/* ---- barriers ------------------------------------------------------------ */

static pthread_barrier_t barrier;
static atomic_int serial_count, phase_arrivals[3];

static void *barrier_worker(void *arg)
{
	(void)arg;
	for (int round = 0; round < 3; round++) {
		atomic_fetch_add(&phase_arrivals[round], 1);
		int r = pthread_barrier_wait(&barrier);
		if (r == PTHREAD_BARRIER_SERIAL_THREAD)
			atomic_fetch_add(&serial_count, 1);
		else if (r)
			printf("FAIL: barrier_wait %d\n", r);
		if (atomic_load(&phase_arrivals[round]) != 5)
			printf("FAIL: past the barrier before all arrived\n");
	}
	return NULL;
}

static void part_barrier(void)
{
	pthread_t t[5];
	pthread_barrier_init(&barrier, NULL, 5);
	for (int i = 0; i < 5; i++)
		pthread_create(&t[i], NULL, barrier_worker, NULL);
	for (int i = 0; i < 5; i++)
		pthread_join(t[i], NULL);
	printf("barrier: 5 threads, 3 rounds, serial threads %d\n", atomic_load(&serial_count));
	pthread_barrier_destroy(&barrier);
}

/* ---- spinlocks ----------------------------------------------------------- */

static pthread_spinlock_t spin;
static long spin_counter;

static void *spin_add(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20000; i++) {
		pthread_spin_lock(&spin);
		spin_counter++;
		pthread_spin_unlock(&spin);
	}
	return NULL;
}

static void part_spin(void)
{
	pthread_t t[4];
	pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, spin_add, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	pthread_spin_lock(&spin);
	printf("spin: 4 x 20000 = %ld, trylock while held: %s\n", spin_counter,
	       strerror(pthread_spin_trylock(&spin)));
	pthread_spin_unlock(&spin);
	pthread_spin_destroy(&spin);
}

/* ---- semaphores ---------------------------------------------------------- */

static sem_t ping, pong;

static void *ponger(void *arg)
{
	long n = (long)arg;
	for (long i = 0; i < n; i++) {
		sem_wait(&ping);
		sem_post(&pong);
	}
	return NULL;
}

static void part_sem(void)
{
	pthread_t t;
	sem_init(&ping, 0, 0);
	sem_init(&pong, 0, 0);
	pthread_create(&t, NULL, ponger, (void *)1000L);
	for (int i = 0; i < 1000; i++) {
		sem_post(&ping);
		sem_wait(&pong);
	}
	pthread_join(t, NULL);
	int v;
	sem_getvalue(&ping, &v);
	printf("sem: 1000 ping-pongs, value %d", v);
	errno = 0;
	int r = sem_trywait(&ping);
	printf(", trywait %d %s", r, strerror(errno));
	struct timespec until = in_ms(20, CLOCK_REALTIME);
	r = sem_timedwait(&ping, &until);
	printf(", timedwait %d %s", r, strerror(errno));
	sem_post(&ping);
	sem_post(&ping);
	sem_getvalue(&ping, &v);
	printf(", after 2 posts %d\n", v);
	sem_destroy(&ping);
	sem_destroy(&pong);
}

/* ---- thread-local storage and keys -------------------------------------- */

static __thread int tls_counter = 100;
static _Thread_local char tls_big[8192] = {1, 2, 3};
static pthread_key_t key;
static atomic_int destructor_calls;
static atomic_long destructor_sum;

static void key_destructor(void *v)
{
	atomic_fetch_add(&destructor_calls, 1);
	atomic_fetch_add(&destructor_sum, (long)v);
}

static void *tls_worker(void *arg)
{
	long id = (long)arg;
	int start = tls_counter;
	for (int i = 0; i < 1000; i++) {
		tls_counter++;
		if (i % 100 == 0)
			sched_yield();
	}
	tls_big[8191] = (char)id;
	pthread_setspecific(key, (void *)(id + 1));
	if ((long)pthread_getspecific(key) != id + 1)
		printf("FAIL: getspecific\n");
	long ok = start == 100 && tls_counter == 1100 && tls_big[0] == 1 && tls_big[2] == 3 &&
		  tls_big[8191] == (char)id;
	return (void *)(ok | (uintptr_t)&tls_counter << 1);
}

static void part_tls(void)
{
	pthread_t t[6];
	void *r[6];
	pthread_key_create(&key, key_destructor);
	for (long i = 0; i < 6; i++)
		pthread_create(&t[i], NULL, tls_worker, (void *)i);
	int ok = 0, distinct = 1;
	for (int i = 0; i < 6; i++) {
		pthread_join(t[i], &r[i]);
		ok += (long)r[i] & 1;
		for (int j = 0; j < i; j++)
			distinct &= ((uintptr_t)r[i] >> 1) != ((uintptr_t)r[j] >> 1);
		distinct &= ((uintptr_t)r[i] >> 1) != (uintptr_t)&tls_counter;
	}
	printf("tls: %d of 6 threads saw their own copy, addresses distinct %d, main's %d\n", ok,
	       distinct, tls_counter);
	printf("key: destructor ran %d times, sum %ld, main's value %p\n",
	       atomic_load(&destructor_calls), atomic_load(&destructor_sum),
	       pthread_getspecific(key));
	pthread_key_delete(key);
}

/* ---- once ---------------------------------------------------------------- */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int once_runs;

static void once_init(void)
{
	atomic_fetch_add(&once_runs, 1);
	usleep(5000); /* the others must wait for it */
}

static void *once_worker(void *arg)
{
	(void)arg;
	pthread_once(&once, once_init);
	return (void *)(long)atomic_load(&once_runs);
}

static void part_once(void)
{
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, once_worker, NULL);
	long seen = 0;
	for (int i = 0; i < 8; i++) {
		void *r;
		pthread_join(t[i], &r);
		seen += (long)r;
	}
	printf("once: ran %d time(s), every thread saw it done: %d\n", atomic_load(&once_runs),
	       seen == 8);
}

/* ---- detach -------------------------------------------------------------- */

static sem_t detached_done;
static atomic_int detached_sum;

static void *detached_worker(void *arg)
{
	atomic_fetch_add(&detached_sum, (int)(long)arg);
	sem_post(&detached_done);
	return NULL;
}

static void part_detach(void)
{
	pthread_attr_t a;
	pthread_t t;
	sem_init(&detached_done, 0, 0);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	for (long i = 1; i <= 10; i++)
		CHECK(pthread_create(&t, &a, detached_worker, (void *)i));
	for (long i = 11; i <= 20; i++) {
		CHECK(pthread_create(&t, NULL, detached_worker, (void *)i));
		CHECK(pthread_detach(t));
	}
	for (int i = 0; i < 20; i++)
		sem_wait(&detached_done);
	printf("detach: 20 detached threads, sum %d\n", atomic_load(&detached_sum));
	/* their stacks come back: many more detached threads than fit at once */
	for (int round = 0; round < 10; round++) {
		for (long i = 0; i < 50; i++)
			CHECK(pthread_create(&t, &a, detached_worker, (void *)1L));
		for (int i = 0; i < 50; i++)
			sem_wait(&detached_done);
	}
	printf("detach: 500 more, sum %d\n", atomic_load(&detached_sum));
	pthread_attr_destroy(&a);
	usleep(10000);
}

/* ---- many threads, attributes ------------------------------------------- */

static atomic_long many_sum;

static void *many_worker(void *arg)
{
	atomic_fetch_add(&many_sum, (long)arg);
	sched_yield();
	return arg;
}

static void *stack_user(void *arg)
{
	volatile char buf[200000]; /* needs the large stack asked for */
	buf[0] = 1;
	buf[sizeof(buf) - 1] = 2;
	(void)arg;
	return (void *)(long)(buf[0] + buf[sizeof(buf) - 1]);
}

static void part_many(void)
{
	static pthread_t t[100];
	for (long i = 0; i < 100; i++)
		CHECK(pthread_create(&t[i], NULL, many_worker, (void *)i));
	long ret = 0;
	for (int i = 0; i < 100; i++) {
		void *r;
		CHECK(pthread_join(t[i], &r));
		ret += (long)r;
	}
	printf("100 threads: sum %ld, returns %ld\n", atomic_load(&many_sum), ret);

	pthread_attr_t a;
	size_t sz;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 1 << 20);
	pthread_attr_getstacksize(&a, &sz);
	void *r;
	CHECK(pthread_create(&t[0], &a, stack_user, NULL));
	CHECK(pthread_join(t[0], &r));
	printf("attr: stack size %zu, thread used 200000 bytes of it: %ld\n", sz, (long)r);
	static char own_stack[256 * 1024] __attribute__((aligned(16)));
	pthread_attr_setstack(&a, own_stack, sizeof(own_stack));
	CHECK(pthread_create(&t[0], &a, stack_user, NULL));
	CHECK(pthread_join(t[0], &r));
	printf("attr: on a static stack: %ld\n", (long)r);
	pthread_attr_destroy(&a);
}

/* ---- cancellation -------------------------------------------------------- */

static atomic_int cleanups;
static sem_t cancel_ready;

static void cleanup(void *arg)
{
	atomic_fetch_add(&cleanups, (int)(long)arg);
}

static void *spin_until_cancelled(void *arg)
{
	(void)arg;
	pthread_cleanup_push(cleanup, (void *)1L);
	sem_post(&cancel_ready);
	for (;;)
		pthread_testcancel();
	pthread_cleanup_pop(0);
	return NULL;
}

static void *block_until_cancelled(void *arg)
{
	long how = (long)arg;
	pthread_cleanup_push(cleanup, (void *)10L);
	sem_post(&cancel_ready);
	if (how == 0) {
		for (;;)
			sleep(100);
	} else if (how == 1) {
		pthread_mutex_lock(&q_lock);
		for (;;)
			pthread_cond_wait(&gate, &q_lock);
	} else {
		sem_t never;
		sem_init(&never, 0, 0);
		sem_wait(&never);
	}
	pthread_cleanup_pop(0);
	return NULL;
}

static void *cancel_disabled(void *arg)
{
	(void)arg;
	int old;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	sem_post(&cancel_ready);
	usleep(20000); /* cancelled meanwhile, but not here */
	pthread_setcancelstate(old, NULL);
	return (void *)42L; /* returns: the next cancellation point is here */
}

static void part_cancel(void)
{
	pthread_t t;
	void *r;
	sem_init(&cancel_ready, 0, 0);
	gate_open = 0;

	pthread_create(&t, NULL, spin_until_cancelled, NULL);
	sem_wait(&cancel_ready);
	pthread_cancel(t);
	pthread_join(t, &r);
	printf("cancel: testcancel loop: %s, cleanups %d\n",
	       r == PTHREAD_CANCELED ? "canceled" : "returned", atomic_load(&cleanups));
	static const char *where[] = {"sleep", "cond_wait", "sem_wait"};
	for (long how = 0; how < 3; how++) {
		pthread_create(&t, NULL, block_until_cancelled, (void *)how);
		sem_wait(&cancel_ready);
		usleep(10000); /* let it block */
		pthread_cancel(t);
		pthread_join(t, &r);
		if (how == 1)
			pthread_mutex_unlock(&q_lock); /* the cleanup does not unlock it */
		printf("cancel: blocked in %s: %s, cleanups %d\n", where[how],
		       r == PTHREAD_CANCELED ? "canceled" : "returned", atomic_load(&cleanups));
	}
	pthread_create(&t, NULL, cancel_disabled, NULL);
	sem_wait(&cancel_ready);
	pthread_cancel(t);
	pthread_join(t, &r);
	printf("cancel: disabled, then enabled: %s\n",
	       r == PTHREAD_CANCELED ? "canceled" : "returned");
}

/* ---- C11 threads --------------------------------------------------------- */

static mtx_t c11_mtx;
static cnd_t c11_cnd;
static int c11_ready;
static tss_t c11_tss;
static once_flag c11_once = ONCE_FLAG_INIT;
static atomic_int c11_once_runs, c11_tss_dtors;

static void c11_once_fn(void)
{
	atomic_fetch_add(&c11_once_runs, 1);
}

static void c11_dtor(void *p)
{
	(void)p;
	atomic_fetch_add(&c11_tss_dtors, 1);
}

static int c11_worker(void *arg)
{
	call_once(&c11_once, c11_once_fn);
	tss_set(c11_tss, arg);
	mtx_lock(&c11_mtx);
	while (!c11_ready)
		cnd_wait(&c11_cnd, &c11_mtx);
	mtx_unlock(&c11_mtx);
	thrd_yield();
	return (int)(long)tss_get(c11_tss) * 3;
}

static void part_c11(void)
{
	thrd_t t[4];
	mtx_init(&c11_mtx, mtx_plain);
	cnd_init(&c11_cnd);
	tss_create(&c11_tss, c11_dtor);
	for (long i = 0; i < 4; i++)
		if (thrd_create(&t[i], c11_worker, (void *)(i + 1)) != thrd_success)
			printf("FAIL: thrd_create\n");
	struct timespec ts = {0, 5000000};
	thrd_sleep(&ts, NULL);
	mtx_lock(&c11_mtx);
	c11_ready = 1;
	cnd_broadcast(&c11_cnd);
	mtx_unlock(&c11_mtx);
	printf("c11:");
	for (int i = 0; i < 4; i++) {
		int res;
		thrd_join(t[i], &res);
		printf(" %d", res);
	}
	printf(", once %d, tss destructors %d, current equal %d\n", atomic_load(&c11_once_runs),
	       atomic_load(&c11_tss_dtors), thrd_equal(thrd_current(), thrd_current()));
	struct timespec until = in_ms(10, CLOCK_REALTIME);
	mtx_lock(&c11_mtx);
	printf("c11: cnd_timedwait %s\n",
	       cnd_timedwait(&c11_cnd, &c11_mtx, &until) == thrd_timedout ? "timed out" : "?");
	mtx_unlock(&c11_mtx);
	mtx_t tm;
	mtx_init(&tm, mtx_timed);
	mtx_lock(&tm);
	mtx_unlock(&tm);
	printf("c11: timed mutex trylock %s\n", mtx_trylock(&tm) == thrd_success ? "ok" : "busy");
	mtx_unlock(&tm);
	mtx_destroy(&tm);
	mtx_destroy(&c11_mtx);
	cnd_destroy(&c11_cnd);
	tss_delete(c11_tss);
}

/* ---- exits --------------------------------------------------------------- */

static void *exit_early(void *arg)
{
	pthread_exit((void *)((long)arg + 1000));
	return NULL;
}

static void part_exit(void)
{
	pthread_t t;
	void *r;
	pthread_create(&t, NULL, exit_early, (void *)7L);
	pthread_join(t, &r);
	printf("pthread_exit: %ld\n", (long)r);
}

static const struct part {
	const char *name;
	void (*run)(void);
} parts[] = {
    {"join", part_join},     {"mutex", part_mutex},   {"robust", part_robust},
    {"cond", part_cond},     {"rwlock", part_rwlock}, {"barrier", part_barrier},
    {"spin", part_spin},     {"sem", part_sem},	      {"tls", part_tls},
    {"once", part_once},     {"detach", part_detach}, {"many", part_many},
    {"cancel", part_cancel}, {"c11", part_c11},	      {"exit", part_exit},
};

int main(int argc, char **argv)
{
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
