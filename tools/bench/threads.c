/*
 * threads-bench: the thread figures of unikvm-bench, one source built twice
 * (a unikernel, and musl-gcc -static for the host baseline).
 *
 *   threads-bench pingpong N   two threads pass a token N times through
 *                              futexes; prints "ns_per_round_trip X"
 *   threads-bench create N     N times pthread_create + pthread_join of a
 *                              thread that returns; prints "ns_per_thread X"
 */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* linux/futex.h's values (musl-gcc has no kernel headers). */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

static _Atomic int token; /* 0: the main thread's turn, 1: the partner's */
static long rounds;

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static void futex_wait(_Atomic int *addr, int val)
{
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(_Atomic int *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Waits until token == want, then hands it to the other side. */
static void pass(int want)
{
	while (atomic_load(&token) != want)
		futex_wait(&token, !want);
	atomic_store(&token, !want);
	futex_wake(&token);
}

static void *partner(void *arg)
{
	(void)arg;
	for (long i = 0; i < rounds; i++)
		pass(1);
	return NULL;
}

static void *nothing(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	long n = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
	pthread_t t;
	if (n < 1 || n > INT_MAX) {
		fprintf(stderr, "usage: threads-bench pingpong|create N\n");
		return 2;
	}
	double t0 = now_ns();
	if (argv[1][0] == 'p') {
		rounds = n;
		if (pthread_create(&t, NULL, partner, NULL))
			return 1;
		for (long i = 0; i < n; i++)
			pass(0);
		pthread_join(t, NULL);
		printf("ns_per_round_trip %.1f\n", (now_ns() - t0) / n);
	} else {
		for (long i = 0; i < n; i++) {
			void *r;
			if (pthread_create(&t, NULL, nothing, (void *)i) || pthread_join(t, &r) ||
			    r != (void *)i)
				return 1;
		}
		printf("ns_per_thread %.1f\n", (now_ns() - t0) / n);
	}
	return 0;
}
