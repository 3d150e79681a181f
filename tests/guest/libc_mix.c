/*
 * libc_mix: exercises musl where a broken syscall layer shows: printf with
 * floats, malloc/free/realloc in a random pattern (mmap, munmap, mremap,
 * brk underneath), TLS, qsort and string functions. Its stdout and status
 * must be byte-identical between the host build and the unikernel.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __thread unsigned tls_counter = 7;
static __thread char tls_buf[64];

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void floats(void)
{
	double v[] = {0.1, 1.0 / 3, 6.02214076e23, -2.5e-310, 1e308, 0.0, -0.0, M_PI};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		printf("%.17g %e %a %g %10.4f\n", v[i], v[i], v[i], v[i], v[i]);
	printf("%f %f %f\n", sqrt(2.0), sin(1.0), exp(1.0));
	printf("%Lf %.3Lg\n", (long double)1 / 7, (long double)1e100);
	float f = 1.1f;
	printf("%.9g %d\n", f * f, (int)lrint(2.5));
}

static unsigned long heap(void)
{
	enum { SLOTS = 512, ROUNDS = 20000 };
	static unsigned char *slot[SLOTS];
	static size_t size[SLOTS];
	unsigned long sum = 0;

	for (int r = 0; r < ROUNDS; r++) {
		int i = (int)(next() % SLOTS);
		size_t n = (size_t)(next() % 4 == 0 ? next() % 300000 : next() % 2000) + 1;
		if (!slot[i]) {
			slot[i] = malloc(n);
		} else if (next() % 2) {
			unsigned char *p = realloc(slot[i], n);
			if (!p)
				abort();
			size_t keep = n < size[i] ? n : size[i];
			for (size_t k = 0; k < keep; k++)
				if (p[k] != (unsigned char)(i + k))
					printf("realloc lost data at slot %d byte %zu\n", i, k);
			slot[i] = p;
		} else {
			free(slot[i]);
			slot[i] = NULL;
			continue;
		}
		if (!slot[i])
			abort();
		size[i] = n;
		for (size_t k = 0; k < n; k++)
			slot[i][k] = (unsigned char)(i + k);
		sum += n;
	}
	for (int i = 0; i < SLOTS; i++)
		free(slot[i]);
	return sum;
}

static void sorting(void)
{
	enum { N = 10000 };
	int *a = malloc(N * sizeof(int));
	for (int i = 0; i < N; i++)
		a[i] = (int)(next() % 100000) - 50000;
	qsort(a, N, sizeof(int), cmp_int);
	long sum = 0;
	for (int i = 1; i < N; i++)
		if (a[i - 1] > a[i])
			printf("not sorted at %d\n", i);
	for (int i = 0; i < N; i += 997)
		sum += a[i];
	printf("sorted: min %d max %d sample sum %ld\n", a[0], a[N - 1], sum);
	free(a);
}

static void strings(void)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%08.3f|%-6s|%+d|%x|%o|%c|%5.2s|%%", 3.14159, "ab", 42, 255, 8,
		 'z', "xyz");
	puts(buf);
	char *dup = strdup("The quick brown fox jumps over the lazy dog");
	printf("len %zu, strchr %s, strrchr %s, strstr %s\n", strlen(dup), strchr(dup, 'q'),
	       strrchr(dup, 'o'), strstr(dup, "lazy"));
	char *tok, *save = NULL;
	for (tok = strtok_r(dup, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		printf("[%s]", tok);
	putchar('\n');
	free(dup);
	printf("strtol %ld strtod %.6f atoi %d\n", strtol("-0x7fff", NULL, 16),
	       strtod("2.5e3", NULL), atoi("  123abc"));
	memset(buf, 'x', 100);
	buf[100] = 0;
	printf("memcmp %d, memchr %td\n", memcmp(buf, buf + 1, 99),
	       (char *)memchr(buf, 0, 200) - buf);
}

int main(void)
{
	floats();
	unsigned long total = heap();
	printf("heap: %lu bytes allocated in total\n", total);
	sorting();
	strings();
	tls_counter += 5;
	snprintf(tls_buf, sizeof tls_buf, "tls %u", tls_counter);
	puts(tls_buf);
	fprintf(stderr, "stderr is separate\n");
	return (int)(total % 200) + 20;
}
