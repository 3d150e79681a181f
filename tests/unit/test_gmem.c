/*
 * vmm/core/gmem.c: the one checked path from a guest-physical address to host
 * memory. Every boundary of gmem_at() (page 0, the end of RAM, len 0,
 * overflow of gpa + len) and its two copy helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/gmem.h"

#define MEM (1ULL << 20) /* a small guest: 1 MiB */
#define PAGE0 4096

static int setup(void **state)
{
	static struct gmem m;
	if (gmem_init(&m, MEM) != 0)
		return -1;
	*state = &m;
	return 0;
}

static int teardown(void **state)
{
	gmem_free(*state);
	return 0;
}

static void test_init(void **state)
{
	struct gmem *m = *state;
	assert_non_null(m->host);
	assert_int_equal(m->size, MEM);
	/* zeroed, and writable everywhere */
	assert_int_equal(m->host[0], 0);
	assert_int_equal(m->host[MEM / 2], 0);
	assert_int_equal(m->host[MEM - 1], 0);
}

static void test_gmem_free(void **state)
{
	(void)state;
	struct gmem m;
	assert_int_equal(gmem_init(&m, 2 * PAGE0), 0);
	gmem_free(&m);
	assert_null(m.host);
	assert_int_equal(m.size, 0);
	gmem_free(&m); /* twice is harmless */
}

static void test_page0_refused(void **state)
{
	struct gmem *m = *state;
	assert_null(gmem_at(m, 0, 1));
	assert_null(gmem_at(m, 0, 8));
	assert_null(gmem_at(m, 1, 1));
	assert_null(gmem_at(m, PAGE0 - 1, 1));
	assert_null(gmem_at(m, PAGE0 - 1, 2)); /* straddles into page 1 */
	assert_null(gmem_at(m, PAGE0 - 8, 16));
	assert_null(gmem_at(m, 0, MEM));
	/* the first byte after page 0 is the first valid one */
	assert_ptr_equal(gmem_at(m, PAGE0, 1), m->host + PAGE0);
	assert_ptr_equal(gmem_at(m, PAGE0, 8), m->host + PAGE0);
}

static void test_end_of_ram(void **state)
{
	struct gmem *m = *state;
	assert_ptr_equal(gmem_at(m, MEM - 1, 1), m->host + MEM - 1); /* last byte */
	assert_ptr_equal(gmem_at(m, MEM - 8, 8), m->host + MEM - 8);
	assert_null(gmem_at(m, MEM - 1, 2)); /* one byte too far */
	assert_null(gmem_at(m, MEM - 8, 9));
	assert_null(gmem_at(m, MEM, 1)); /* one past the end */
	assert_null(gmem_at(m, MEM + 1, 1));
	assert_null(gmem_at(m, MEM + PAGE0, 8));
	assert_null(gmem_at(m, 0x100000000ULL, 1));
}

static void test_len0(void **state)
{
	struct gmem *m = *state;
	/* len 0 is valid where a 1-byte range is */
	assert_ptr_equal(gmem_at(m, PAGE0, 0), m->host + PAGE0);
	assert_ptr_equal(gmem_at(m, MEM - 1, 0), m->host + MEM - 1);
	/* and nowhere else */
	assert_null(gmem_at(m, 0, 0));
	assert_null(gmem_at(m, PAGE0 - 1, 0));
	assert_null(gmem_at(m, MEM + 1, 0));
	assert_null(gmem_at(m, UINT64_MAX, 0));
}

/* gmem.h: "len 0 is valid anywhere a 1-byte range would be": a 1-byte
 * range at gpa == size is not valid, so neither is [size, size). */
static void test_len0_one_past_end(void **state)
{
	struct gmem *m = *state;
	assert_null(gmem_at(m, MEM, 1));
	assert_null(gmem_at(m, MEM, 0));
}

static void test_overflow(void **state)
{
	struct gmem *m = *state;
	/* gpa + len wraps around 2^64 */
	assert_null(gmem_at(m, UINT64_MAX, 1));
	assert_null(gmem_at(m, UINT64_MAX, UINT64_MAX));
	assert_null(gmem_at(m, UINT64_MAX - 10, 20));
	assert_null(gmem_at(m, UINT64_MAX - MEM, MEM + 2));
	assert_null(gmem_at(m, PAGE0, UINT64_MAX));
	assert_null(gmem_at(m, PAGE0, UINT64_MAX - PAGE0 + 1)); /* end wraps to exactly 0 */
	assert_null(gmem_at(m, PAGE0, UINT64_MAX - PAGE0 + 2)); /* end wraps to 1 */
	assert_null(gmem_at(m, PAGE0 * 2, UINT64_MAX - PAGE0)); /* end wraps to PAGE0 */
	assert_null(gmem_at(m, MEM - 1, UINT64_MAX));
	assert_null(gmem_at(m, 1ULL << 63, 1ULL << 63)); /* end wraps to 0 */
}

static void test_len_too_big(void **state)
{
	struct gmem *m = *state;
	assert_null(gmem_at(m, PAGE0, MEM + 1));
	assert_null(gmem_at(m, PAGE0, MEM));
	assert_null(gmem_at(m, PAGE0, MEM - PAGE0 + 1));
	assert_null(gmem_at(m, MEM / 2, MEM / 2 + 1));
}

static void test_full_range(void **state)
{
	struct gmem *m = *state;
	assert_ptr_equal(gmem_at(m, PAGE0, MEM - PAGE0), m->host + PAGE0);
	assert_ptr_equal(gmem_at(m, MEM / 2, MEM / 2), m->host + MEM / 2);
}

static void test_read_write(void **state)
{
	struct gmem *m = *state;
	static const char msg[] = "guest memory";
	char buf[sizeof(msg)];

	assert_int_equal(gmem_write(m, 0x5000, msg, sizeof(msg)), 0);
	assert_memory_equal(m->host + 0x5000, msg, sizeof(msg));
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(gmem_read(m, 0x5000, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, msg, sizeof(msg));

	/* at the very end */
	assert_int_equal(gmem_write(m, MEM - 4, "abcd", 4), 0);
	assert_memory_equal(m->host + MEM - 4, "abcd", 4);
	assert_int_equal(gmem_read(m, MEM - 4, buf, 4), 0);
	assert_memory_equal(buf, "abcd", 4);

	/* len 0 */
	assert_int_equal(gmem_write(m, PAGE0, msg, 0), 0);
	assert_int_equal(gmem_read(m, PAGE0, buf, 0), 0);
	m->host[0x5000] = 0;
}

static void test_read_write_refused(void **state)
{
	struct gmem *m = *state;
	uint8_t buf[16];

	memcpy(m->host + MEM - 4, "wxyz", 4);
	/* a failed write changes nothing, not even the part inside RAM */
	assert_int_equal(gmem_write(m, MEM - 4, "ABCDEFGH", 8), -1);
	assert_memory_equal(m->host + MEM - 4, "wxyz", 4);
	assert_int_equal(gmem_write(m, PAGE0 - 2, "ABCD", 4), -1);
	assert_int_equal(m->host[PAGE0], 0);
	assert_int_equal(gmem_write(m, 0, "A", 1), -1);
	assert_int_equal(m->host[0], 0);
	assert_int_equal(gmem_write(m, UINT64_MAX - 1, "AB", 2), -1);
	assert_int_equal(gmem_write(m, MEM, "A", 1), -1);

	/* a failed read leaves the destination alone */
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(gmem_read(m, MEM - 4, buf, 8), -1);
	assert_int_equal(gmem_read(m, 0, buf, 8), -1);
	assert_int_equal(gmem_read(m, PAGE0 - 1, buf, 0), -1);
	assert_int_equal(gmem_read(m, UINT64_MAX - 3, buf, 8), -1);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0x5a);
	memset(m->host + MEM - 4, 0, 4);
}

/* gmem_host() is for the VMM's own layout code: page 0 allowed, bad ranges
 * abort(). */
static void test_host(void **state)
{
	struct gmem *m = *state;
	assert_ptr_equal(gmem_host(m, 0, 1), m->host);
	assert_ptr_equal(gmem_host(m, 0, MEM), m->host);
	assert_ptr_equal(gmem_host(m, MEM, 0), m->host + MEM);

	static const uint64_t bad[][2] = {
	    {MEM, 1}, {MEM - 1, 2}, {0, MEM + 1}, {UINT64_MAX, 2}, {PAGE0, UINT64_MAX},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			signal(SIGABRT, SIG_DFL);
			gmem_host(m, bad[i][0], bad[i][1]);
			_exit(0); /* not reached if it aborts */
		}
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGABRT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init),
	    cmocka_unit_test(test_gmem_free),
	    cmocka_unit_test(test_page0_refused),
	    cmocka_unit_test(test_end_of_ram),
	    cmocka_unit_test(test_len0),
	    cmocka_unit_test(test_len0_one_past_end),
	    cmocka_unit_test(test_overflow),
	    cmocka_unit_test(test_len_too_big),
	    cmocka_unit_test(test_full_range),
	    cmocka_unit_test(test_read_write),
	    cmocka_unit_test(test_read_write_refused),
	    cmocka_unit_test(test_host),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
