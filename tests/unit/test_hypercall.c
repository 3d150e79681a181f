/*
 * The hypercall handlers (hypercall.c, console.c, crash.c) on a VM that has
 * guest RAM and nothing else: no /dev/kvm, the handlers never touch it.
 * Every argument the guest controls is checked: the argument struct, the
 * iovec array, each buffer, fd, counts, crash kinds.
 *
 * Usage: test_hypercall [HELLO] (an image for symbols in crash reports).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "image/elf_image.h"
#include "base/exit_status.h"
#include "core/gmem.h"
#include "core/device.h"
#include "core/hypercall.h"
#include "core/vm.h"

#define MEM (2ULL << 20)
#define ARG 0x10000ULL /* argument structs */
#define IOV 0x11000ULL /* iovec arrays */
#define BUF 0x20000ULL /* data */
#define BUF2 0x30000ULL
#define STACK 0x80000ULL /* frame chains for backtraces */

static const char *hello_path = UKVM_TEST_HELLO;
static struct image hello;
static struct vm vm;

static int vm_setup(void **state)
{
	(void)state;
	memset(&vm, 0, sizeof(vm));
	vm.kvm_fd = vm.fd = vm.vcpu_fd = -1;
	vm.devices = devices_map(NULL, 0);
	return gmem_init(&vm.mem, MEM);
}

static int vm_teardown(void **state)
{
	(void)state;
	gmem_free(&vm.mem);
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, vm_setup, vm_teardown)

static void put(uint64_t gpa, const void *p, size_t len)
{
	memcpy(vm.mem.host + gpa, p, len);
}

static void put_writev(uint64_t gpa, uint32_t fd, uint32_t iovcnt, uint64_t iov)
{
	struct ukvm_hc_writev a = {.fd = fd, .iovcnt = iovcnt, .iov = iov, .ret = 0x7777};
	put(gpa, &a, sizeof(a));
}

static void put_iov(unsigned i, uint64_t base, uint64_t len)
{
	struct ukvm_iovec v = {base, len};
	put(IOV + i * sizeof(v), &v, sizeof(v));
}

static int64_t get_ret(uint64_t gpa, size_t off)
{
	int64_t r;
	memcpy(&r, vm.mem.host + gpa + off, sizeof(r));
	return r;
}

#define WRITEV_RET(gpa) get_ret(gpa, offsetof(struct ukvm_hc_writev, ret))
#define READ_RET(gpa) get_ret(gpa, offsetof(struct ukvm_hc_read, ret))

static void assert_running(void)
{
	assert_false(vm.done);
	assert_int_equal(vm.status, 0);
}

static void assert_stopped(int status)
{
	assert_true(vm.done);
	assert_int_equal(vm.status, status);
}

/* ---- capturing fd 1 / fd 2 ---------------------------------------------- */

struct capture {
	int fd, saved, rd; /* rd: what to read the output back from */
	int is_pipe;
};

/* Sends fd into a pipe (small outputs) or a memfd (any size). */
static void capture_start(struct capture *c, int fd, int use_pipe)
{
	int p[2];
	fflush(stdout);
	fflush(stderr);
	c->fd = fd;
	c->is_pipe = use_pipe;
	c->saved = dup(fd);
	assert_true(c->saved >= 0);
	if (use_pipe) {
		assert_int_equal(pipe2(p, O_CLOEXEC), 0);
		assert_true(dup2(p[1], fd) == fd);
		close(p[1]);
		c->rd = p[0];
	} else {
		c->rd = memfd_create("capture", MFD_CLOEXEC);
		assert_true(c->rd >= 0);
		assert_true(dup2(c->rd, fd) == fd);
	}
}

/* Restores fd; returns the output, NUL-terminated (free() it). */
static char *capture_end(struct capture *c, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	fflush(c->fd == 1 ? stdout : stderr);
	assert_true(dup2(c->saved, c->fd) == c->fd);
	close(c->saved);
	if (!c->is_pipe)
		assert_int_equal(lseek(c->rd, 0, SEEK_SET), 0);
	for (;;) {
		if (n == cap)
			buf = realloc(buf, (cap *= 2) + 1);
		ssize_t r = read(c->rd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		assert_true(r >= 0);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(c->rd);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/* ---- writev ------------------------------------------------------------- */

static void test_writev_two_iovecs(void **state)
{
	(void)state;
	struct capture c;
	put(BUF, "hello, ", 7);
	put(BUF2, "world\n", 6);
	put_iov(0, BUF, 7);
	put_iov(1, BUF2, 6);
	put_writev(ARG, 1, 2, IOV);

	capture_start(&c, 1, 1);
	hypercall_dispatch(&vm, UKVM_HC_WRITEV, ARG);
	char *out = capture_end(&c, NULL);
	assert_string_equal(out, "hello, world\n");
	free(out);
	assert_int_equal(WRITEV_RET(ARG), 13);
	assert_running();
	assert_int_equal(vm.hypercalls[UKVM_HC_WRITEV], 1);

	/* only ret was written back */
	struct ukvm_hc_writev a;
	memcpy(&a, vm.mem.host + ARG, sizeof(a));
	assert_int_equal(a.fd, 1);
	assert_int_equal(a.iovcnt, 2);
	assert_int_equal(a.iov, IOV);
}

static void test_writev_stderr(void **state)
{
	(void)state;
	struct capture c;
	put(BUF, "to stderr", 9);
	put_iov(0, BUF, 9);
	put_writev(ARG, 2, 1, IOV);
	capture_start(&c, 2, 1);
	hypercall_dispatch(&vm, UKVM_HC_WRITEV, ARG);
	char *out = capture_end(&c, NULL);
	assert_string_equal(out, "to stderr");
	free(out);
	assert_int_equal(WRITEV_RET(ARG), 9);
	assert_running();
}

static void test_writev_bad_fd(void **state)
{
	(void)state;
	static const uint32_t fds[] = {0, 3, 42, UINT32_MAX};
	struct capture c;
	put(BUF, "nope", 4);
	put_iov(0, BUF, 4);
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		put_writev(ARG, fds[i], 1, IOV);
		capture_start(&c, 1, 1);
		hypercall_dispatch(&vm, UKVM_HC_WRITEV, ARG);
		char *out = capture_end(&c, NULL);
		assert_string_equal(out, "");
		free(out);
		assert_int_equal(WRITEV_RET(ARG), -EBADF);
		assert_running(); /* a bad fd is the guest's error to handle, not a fault */
	}
}

static void test_writev_arg_outside(void **state)
{
	(void)state;
	static const uint64_t gpas[] = {
	    0, 8, UKVM_PAGE_SIZE - 8, MEM - 8, MEM, UINT64_MAX - 4, UINT64_MAX};
	for (size_t i = 0; i < sizeof(gpas) / sizeof(gpas[0]); i++) {
		vm.done = false;
		vm.status = 0;
		hypercall_dispatch(&vm, UKVM_HC_WRITEV, gpas[i]);
		assert_stopped(EXIT_FAULT);
	}
}

/* The argument in the last bytes of RAM is fine (ret written back there). */
static void test_writev_arg_at_end(void **state)
{
	(void)state;
	uint64_t gpa = MEM - sizeof(struct ukvm_hc_writev);
	put_writev(gpa, 1, 0, IOV);
	hypercall_dispatch(&vm, UKVM_HC_WRITEV, gpa);
	assert_running();
	assert_int_equal(WRITEV_RET(gpa), 0);
}

static void test_writev_iovcnt_too_big(void **state)
{
	(void)state;
	struct capture c;
	put(BUF, "x", 1);
	for (unsigned i = 0; i < UKVM_IOV_MAX; i++)
		put_iov(i, BUF, 1);

	put_writev(ARG, 1, UKVM_IOV_MAX + 1, IOV);
	hypercall_dispatch(&vm, UKVM_HC_WRITEV, ARG);
	assert_stopped(EXIT_BAD_HYPERCALL);
	assert_int_equal(WRITEV_RET(ARG), 0x7777); /* untouched */

	vm.done = false;
	vm.status = 0;
	put_writev(ARG, 1, UINT32_MAX, IOV);
	hypercall_dispatch(&vm, UKVM_HC_WRITEV, ARG);
	assert_stopped(EXIT_BAD_HYPERCALL);

	/* UKVM_IOV_MAX itself is fine */
	vm.done = false;
	vm.status = 0;
	put_writev(ARG, 1, UKVM_IOV_MAX, IOV);
	capture_start(&c, 1, 1);
	hypercall_dispatch(&vm, UKVM_HC_WRITEV, ARG);
	size_t len;
	char *out = capture_end(&c, &len);
	assert_running();
	assert_int_equal(WRITEV_RET(ARG), UKVM_IOV_MAX);
	assert_int_equal(len, UKVM_IOV_MAX);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(out[i], 'x');
	free(out);
}

/* A bad buffer stops the VM before anything is written, even if an earlier
 * buffer was fine. */
static void check_bad_iov(uint64_t base, uint64_t len)
{
	struct capture c;
	vm.done = false;
	vm.status = 0;
	put(BUF, "first", 5);
	put_iov(0, BUF, 5);
	put_iov(1, base, len);
	put_writev(ARG, 1, 2, IOV);
	capture_start(&c, 1, 1);
	hypercall_dispatch(&vm, UKVM_HC_WRITEV, ARG);
	char *out = capture_end(&c, NULL);
	if (!vm.done || vm.status != EXIT_FAULT || *out)
		fail_msg("iovec [0x%" PRIx64 ", +0x%" PRIx64 "): done %d status %d output \"%s\"",
			 base, len, vm.done, vm.status, out);
	free(out);
	assert_int_equal(WRITEV_RET(ARG), 0x7777);
}

static void test_writev_iov_overflow(void **state)
{
	(void)state;
	check_bad_iov(BUF, UINT64_MAX);
	check_bad_iov(BUF, UINT64_MAX - BUF + 1);      /* end wraps to 0 */
	check_bad_iov(BUF, UINT64_MAX - BUF + 0x3000); /* end wraps into RAM */
	check_bad_iov(UINT64_MAX, 1);
	check_bad_iov(UINT64_MAX - 0xf, 0x20);
	check_bad_iov(1ULL << 63, 1ULL << 63);
}

static void test_writev_iov_page0(void **state)
{
	(void)state;
	check_bad_iov(0, 1);
	check_bad_iov(0x10, 4);
	check_bad_iov(UKVM_PAGE_SIZE - 1, 2);
}

static void test_writev_iov_past_end(void **state)
{
	(void)state;
	check_bad_iov(MEM - 4, 5);
	check_bad_iov(MEM, 1);
	check_bad_iov(BUF, MEM);
}

static void test_writev_iov_array_outside(void **state)
{
	(void)state;
	static const uint64_t arrays[] = {0, 0x10, MEM - 16, MEM, UINT64_MAX - 8};
	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++) {
		vm.done = false;
		vm.status = 0;
		put_writev(ARG, 1, 2, arrays[i]);
		hypercall_dispatch(&vm, UKVM_HC_WRITEV, ARG);
		assert_stopped(EXIT_FAULT);
	}
}

/* Empty buffers may point anywhere, as on Linux (musl passes {NULL, 0}). */
static void test_writev_empty_iovecs(void **state)
{
	(void)state;
	struct capture c;
	put(BUF, "data", 4);
	put_iov(0, 0, 0);
	put_iov(1, BUF, 4);
	put_iov(2, UINT64_MAX, 0);
	put_iov(3, MEM, 0);
	put_writev(ARG, 1, 4, IOV);
	capture_start(&c, 1, 1);
	hypercall_dispatch(&vm, UKVM_HC_WRITEV, ARG);
	char *out = capture_end(&c, NULL);
	assert_string_equal(out, "data");
	free(out);
	assert_running();
	assert_int_equal(WRITEV_RET(ARG), 4);

	put_writev(ARG, 1, 0, IOV);
	hypercall_dispatch(&vm, UKVM_HC_WRITEV, ARG);
	assert_running();
	assert_int_equal(WRITEV_RET(ARG), 0);
}

static void test_writev_epipe(void **state)
{
	(void)state;
	int p[2], saved;
	put(BUF, "lost", 4);
	put_iov(0, BUF, 4);
	put_writev(ARG, 1, 1, IOV);
	fflush(stdout);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[0]); /* no reader */
	saved = dup(1);
	dup2(p[1], 1);
	close(p[1]);
	hypercall_dispatch(&vm, UKVM_HC_WRITEV, ARG);
	dup2(saved, 1);
	close(saved);
	assert_int_equal(WRITEV_RET(ARG), -EPIPE);
	assert_running();
}

/* 3 buffers, 300 KiB: more than a pipe holds, all of it arrives in order. */
static void test_writev_big(void **state)
{
	(void)state;
	static const uint64_t base[3] = {0x40000, 0x90000, 0x100000};
	static const uint64_t len[3] = {100000, 150001, 57343};
	struct capture c;
	uint64_t total = 0;
	for (int i = 0; i < 3; i++) {
		for (uint64_t k = 0; k < len[i]; k++)
			vm.mem.host[base[i] + k] = (uint8_t)('a' + (i * 7 + k) % 26);
		put_iov((unsigned)i, base[i], len[i]);
		total += len[i];
	}
	put_writev(ARG, 1, 3, IOV);
	capture_start(&c, 1, 0);
	hypercall_dispatch(&vm, UKVM_HC_WRITEV, ARG);
	size_t n;
	char *out = capture_end(&c, &n);
	int same = n == total;
	for (size_t i = 0, off = 0; same && i < 3; off += len[i], i++)
		same = !memcmp(out + off, vm.mem.host + base[i], len[i]);
	free(out);
	assert_int_equal(WRITEV_RET(ARG), total);
	assert_int_equal(n, total);
	assert_true(same);
	assert_running();
}

/* ---- read --------------------------------------------------------------- */

static void put_read(uint64_t gpa, uint32_t fd, uint64_t buf, uint64_t len)
{
	struct ukvm_hc_read a = {.fd = fd, .buf = buf, .len = len, .ret = 0x7777};
	put(gpa, &a, sizeof(a));
}

static void test_read_pipe(void **state)
{
	(void)state;
	int p[2], saved;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(write(p[1], "hello world", 11), 11);
	close(p[1]);
	saved = dup(0);
	dup2(p[0], 0);
	close(p[0]);

	memset(vm.mem.host + BUF, '#', 64);
	put_read(ARG, 0, BUF, 5);
	hypercall_dispatch(&vm, UKVM_HC_READ, ARG);
	int64_t r1 = READ_RET(ARG);
	put_read(ARG, 0, BUF + 5, 100);
	hypercall_dispatch(&vm, UKVM_HC_READ, ARG);
	int64_t r2 = READ_RET(ARG);
	put_read(ARG, 0, BUF + 32, 100);
	hypercall_dispatch(&vm, UKVM_HC_READ, ARG);
	int64_t r3 = READ_RET(ARG);

	dup2(saved, 0);
	close(saved);
	assert_int_equal(r1, 5);
	assert_int_equal(r2, 6);
	assert_int_equal(r3, 0); /* EOF */
	assert_memory_equal(vm.mem.host + BUF, "hello world#", 12);
	assert_int_equal(vm.mem.host[BUF + 32], '#');
	assert_running();
	assert_int_equal(vm.hypercalls[UKVM_HC_READ],
			 3); /* each read goes through the dispatcher */
}

static void test_read_bad_fd(void **state)
{
	(void)state;
	static const uint32_t fds[] = {1, 2, 3, UINT32_MAX};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		put_read(ARG, fds[i], BUF, 16);
		hypercall_dispatch(&vm, UKVM_HC_READ, ARG);
		assert_int_equal(READ_RET(ARG), -EBADF);
		assert_running();
	}
}

static void test_read_buf_outside(void **state)
{
	(void)state;
	static const uint64_t bad[][2] = {
	    {0, 1},	{0x100, 16},	   {UKVM_PAGE_SIZE - 1, 2},	{MEM - 4, 8},
	    {MEM, 1},	{BUF, UINT64_MAX}, {BUF, UINT64_MAX - BUF + 1}, {UINT64_MAX - 3, 8},
	    {BUF, MEM},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vm.done = false;
		vm.status = 0;
		put_read(ARG, 0, bad[i][0], bad[i][1]);
		hypercall_dispatch(&vm, UKVM_HC_READ, ARG);
		if (!vm.done || vm.status != EXIT_FAULT)
			fail_msg("read buffer [0x%" PRIx64 ", +0x%" PRIx64 ") accepted", bad[i][0],
				 bad[i][1]);
		assert_int_equal(READ_RET(ARG), 0x7777);
	}
}

static void test_read_arg_outside(void **state)
{
	(void)state;
	hypercall_dispatch(&vm, UKVM_HC_READ, MEM - 16);
	assert_stopped(EXIT_FAULT);
	vm.done = false;
	vm.status = 0;
	hypercall_dispatch(&vm, UKVM_HC_READ, 0);
	assert_stopped(EXIT_FAULT);
}

/* len 0: ret 0 wherever buf points, and stdin is not touched. */
static void test_read_len0(void **state)
{
	(void)state;
	put_read(ARG, 0, 0, 0);
	hypercall_dispatch(&vm, UKVM_HC_READ, ARG);
	assert_running();
	assert_int_equal(READ_RET(ARG), 0);
	put_read(ARG, 0, UINT64_MAX, 0);
	hypercall_dispatch(&vm, UKVM_HC_READ, ARG);
	assert_running();
	assert_int_equal(READ_RET(ARG), 0);
}

/* ---- dispatch, exit, nosys ---------------------------------------------- */

static void test_dispatch_unknown(void **state)
{
	(void)state;
	static const unsigned nrs[] = {UKVM_HC_COUNT, UKVM_HC_PORT_COUNT - 1, 1000, UINT_MAX};
	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		vm.done = false;
		vm.status = 0;
		hypercall_dispatch(&vm, nrs[i], ARG);
		assert_stopped(EXIT_BAD_HYPERCALL);
	}
	for (unsigned i = 0; i < UKVM_HC_COUNT; i++)
		assert_int_equal(vm.hypercalls[i], 0);
	assert_string_equal(hypercall_name(UKVM_HC_COUNT), "?");
	assert_string_equal(hypercall_name(UINT_MAX), "?");
	assert_string_equal(hypercall_name(UKVM_HC_WRITEV), "writev");
}

static void exit_with(uint32_t status)
{
	struct ukvm_hc_exit a = {.status = status};
	vm.done = false;
	vm.status = 0;
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_EXIT, ARG);
}

static void test_exit(void **state)
{
	(void)state;
	exit_with(0);
	assert_stopped(0);
	exit_with(42);
	assert_stopped(42);
	exit_with(255);
	assert_stopped(255);
	exit_with(256);
	assert_stopped(EXIT_BAD_HYPERCALL);
	exit_with(UINT32_MAX);
	assert_stopped(EXIT_BAD_HYPERCALL);
	assert_int_equal(vm.hypercalls[UKVM_HC_EXIT], 5);

	vm.done = false;
	hypercall_dispatch(&vm, UKVM_HC_EXIT, MEM - 4);
	assert_stopped(EXIT_FAULT);
}

/* The first reason to stop wins. */
static void test_first_stop_wins(void **state)
{
	(void)state;
	hypercall_dispatch(&vm, UKVM_HC_WRITEV, 0);
	assert_stopped(EXIT_FAULT);
	struct ukvm_hc_exit a = {.status = 7};
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_EXIT, ARG);
	assert_stopped(EXIT_FAULT);
}

static void test_nosys(void **state)
{
	(void)state;
	struct capture c;
	struct ukvm_hc_nosys a = {.nr = 0, .rip = 0x101234};
	put(ARG, &a, sizeof(a));

	capture_start(&c, 2, 1);
	hypercall_dispatch(&vm, UKVM_HC_NOSYS, ARG);
	char *quiet = capture_end(&c, NULL);
	vm.trace_nosys = true;
	a.nr = 100000; /* no such syscall */
	put(ARG + 16, &a, sizeof(a));
	capture_start(&c, 2, 1);
	hypercall_dispatch(&vm, UKVM_HC_NOSYS, ARG);
	hypercall_dispatch(&vm, UKVM_HC_NOSYS, ARG + 16);
	char *traced = capture_end(&c, NULL);

	assert_string_equal(quiet, "");
	assert_non_null(strstr(traced, "unikvm: syscall read (0) is not implemented: ENOSYS, "
				       "called from 0x101234\n"));
	assert_non_null(strstr(traced, "(100000) is not implemented"));
	free(quiet);
	free(traced);
	assert_running();
	assert_int_equal(vm.hypercalls[UKVM_HC_NOSYS], 3);

	hypercall_dispatch(&vm, UKVM_HC_NOSYS, MEM - 8);
	assert_stopped(EXIT_FAULT);
}

/* ---- crash -------------------------------------------------------------- */

/* Runs a crash hypercall; returns what it printed on stderr (in a static
 * buffer, so that a failing assertion leaks nothing). */
static const char *crash(uint32_t kind, uint32_t info, const struct ukvm_cpu_state *st)
{
	static char out[16384];
	struct ukvm_hc_crash a = {.kind = kind, .info = info};
	struct capture c;
	if (st)
		a.state = *st;
	vm.done = false;
	vm.status = 0;
	put(ARG, &a, sizeof(a));
	capture_start(&c, 2, 1);
	hypercall_dispatch(&vm, UKVM_HC_CRASH, ARG);
	char *p = capture_end(&c, NULL);
	snprintf(out, sizeof(out), "%s", p);
	free(p);
	return out;
}

static void test_crash_unknown_kind(void **state)
{
	(void)state;
	static const uint32_t kinds[] = {0, 5, 1000, UINT32_MAX};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		(void)crash(kinds[i], 6, NULL);
		assert_stopped(EXIT_BAD_HYPERCALL);
	}
}

static void test_crash_signal(void **state)
{
	(void)state;
	struct ukvm_cpu_state st = {.rip = 0x101234};
	const char *err = crash(UKVM_CRASH_SIGNAL, SIGABRT, &st);
	assert_stopped(134);
	assert_non_null(strstr(err, "unikvm: guest aborted (signal 6"));
	assert_non_null(strstr(err, "rip 0000000000101234"));

	err = crash(UKVM_CRASH_SIGNAL, SIGSEGV, &st);
	assert_stopped(139);
	assert_non_null(strstr(err, "killed itself (signal 11"));

	/* no core dump, no report: like a shell's "Terminated" */
	err = crash(UKVM_CRASH_SIGNAL, SIGTERM, &st);
	assert_stopped(143);
	assert_string_equal(err, "");

	err = crash(UKVM_CRASH_SIGNAL, 64, &st);
	assert_stopped(128 + 64);

	static const uint32_t bad[] = {0, 65, 128, UINT32_MAX};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)crash(UKVM_CRASH_SIGNAL, bad[i], &st);
		assert_stopped(EXIT_BAD_HYPERCALL);
	}
}

static void test_crash_exception(void **state)
{
	(void)state;
	struct ukvm_cpu_state st = {.rip = 0x101234, .cr2 = 0x10, .error_code = 2};
	const char *err = crash(UKVM_CRASH_EXCEPTION, 14, &st);
	assert_stopped(139);
	assert_non_null(
	    strstr(err, "unikvm: guest crashed: page fault (#PF, vector 14) at 0x101234"));
	assert_non_null(
	    strstr(err, "write of address 0x10 (unmapped page): NULL pointer dereference"));

	st.error_code = 0;
	err = crash(UKVM_CRASH_EXCEPTION, 0, &st);
	assert_stopped(136);
	assert_non_null(strstr(err, "divide error (#DE, vector 0)"));

	(void)crash(UKVM_CRASH_EXCEPTION, 6, &st);
	assert_stopped(128 + SIGILL);
	(void)crash(UKVM_CRASH_EXCEPTION, 13, &st);
	assert_stopped(139);
	(void)crash(UKVM_CRASH_EXCEPTION, 17, &st);
	assert_stopped(128 + SIGBUS);

	err = crash(UKVM_CRASH_EXCEPTION, 15, &st); /* reserved */
	assert_stopped(139);
	assert_non_null(strstr(err, "reserved exception (#??, vector 15)"));
	(void)crash(UKVM_CRASH_EXCEPTION, 31, &st);
	assert_stopped(139);

	static const uint32_t bad[] = {32, 255, UINT32_MAX};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)crash(UKVM_CRASH_EXCEPTION, bad[i], &st);
		assert_stopped(EXIT_BAD_HYPERCALL);
	}
}

static void test_crash_halt(void **state)
{
	(void)state;
	struct ukvm_cpu_state st = {.rip = 0x101234, .rflags = 0x202};
	const char *err = crash(UKVM_CRASH_HALT, 0, &st);
	assert_stopped(134);
	assert_non_null(strstr(err, "the C library stopped the program (hlt in program code"));
	assert_non_null(strstr(err, "at 0x101234"));
	(void)crash(UKVM_CRASH_HALT, 1, &st);
	assert_stopped(EXIT_BAD_HYPERCALL);
}

/* Without KVM's statistics (as here: no vCPU) the count is unknown. */
static void test_halts_unknown(void **state)
{
	(void)state;
	struct ukvm_hc_halts a = {.count = 5, .ret = 7};
	put(ARG, &a, sizeof(a));
	hypercall_dispatch(&vm, UKVM_HC_HALTS, ARG);
	assert_false(vm.done);
	memcpy(&a, gmem_at(&vm.mem, ARG, sizeof(a)), sizeof(a));
	assert_int_equal(a.ret, -ENOSYS);
	assert_int_equal(a.count, 0);
	hypercall_dispatch(&vm, UKVM_HC_HALTS, MEM - 8);
	assert_stopped(EXIT_FAULT);
}

static void test_crash_interrupt(void **state)
{
	(void)state;
	const char *err = crash(UKVM_CRASH_INTERRUPT, 0x40, NULL);
	assert_stopped(139);
	assert_non_null(strstr(err, "unexpected interrupt, vector 64"));
}

/* ---- deadlock ----------------------------------------------------------- */

#define WAITS 0x20000ULL /* the thread list */

static const char *deadlock(uint32_t count, uint32_t total, uint64_t list)
{
	static char out[16384];
	struct ukvm_hc_deadlock a = {.count = count, .total = total, .threads = list};
	struct capture c;
	vm.done = false;
	vm.status = 0;
	put(ARG, &a, sizeof(a));
	capture_start(&c, 2, 1);
	hypercall_dispatch(&vm, UKVM_HC_DEADLOCK, ARG);
	char *p = capture_end(&c, NULL);
	snprintf(out, sizeof(out), "%s", p);
	free(p);
	return out;
}

static void test_deadlock_report(void **state)
{
	(void)state;
	struct ukvm_thread_wait w[2] = {
	    {.tid = 1, .what = UKVM_WAIT_FUTEX, .addr = 0x12340, .rip = 0x101000, .rsp = 0x30000},
	    {.tid = 7, .what = UKVM_WAIT_OTHER, .rip = 0x102000, .rsp = 0x31000},
	};
	put(WAITS, w, sizeof(w));
	const char *err = deadlock(2, 3, WAITS);
	assert_stopped(EXIT_DEADLOCK);
	assert_non_null(strstr(
	    err, "unikvm: guest deadlock: all 3 threads are blocked and nothing can wake them"));
	assert_non_null(strstr(err, "thread 1: futex wait on 0x12340, from 0x101000"));
	assert_non_null(strstr(err, "thread 7: not waiting, from 0x102000"));
	assert_non_null(strstr(err, "(and 1 more)"));

	err = deadlock(0, 1, 0);
	assert_stopped(EXIT_DEADLOCK);
	assert_non_null(strstr(err, "all 1 thread is blocked and nothing can wake it"));
}

/* Every wait a guest thread can be in has its name in the report (a new
 * UKVM_WAIT_* without one fails here); a made-up value is named as such. */
static void test_deadlock_wait_names(void **state)
{
	(void)state;
	for (uint32_t what = 0; what <= UKVM_WAIT_COUNT; what++) {
		struct ukvm_thread_wait w = {
		    .tid = 5, .what = what, .addr = 0x4000, .rip = 0x101000};
		put(WAITS, &w, sizeof(w));
		const char *err = deadlock(1, 1, WAITS);
		assert_stopped(EXIT_DEADLOCK);
		assert_non_null(strstr(err, "thread 5: "));
		if (what < UKVM_WAIT_COUNT)
			assert_null(strstr(err, "unknown wait"));
		else
			assert_non_null(strstr(err, "thread 5: unknown wait 6, from 0x101000"));
	}
	struct ukvm_thread_wait io = {
	    .tid = 2, .what = UKVM_WAIT_IO, .addr = 0x5000, .rip = 0x101000};
	put(WAITS, &io, sizeof(io));
	assert_non_null(
	    strstr(deadlock(1, 1, WAITS),
		   "thread 2: file wait (pipe, eventfd, timerfd or socket) on 0x5000, from"));
	struct ukvm_thread_wait poll = {.tid = 3, .what = UKVM_WAIT_POLL, .rip = 0x101000};
	put(WAITS, &poll, sizeof(poll));
	assert_non_null(
	    strstr(deadlock(1, 1, WAITS), "thread 3: poll, select or epoll wait, from"));
	struct ukvm_thread_wait sleep = {.tid = 4, .what = UKVM_WAIT_SLEEP, .rip = 0x101000};
	put(WAITS, &sleep, sizeof(sleep));
	assert_non_null(strstr(deadlock(1, 1, WAITS), "thread 4: sleep, from"));
}

static void test_deadlock_hostile(void **state)
{
	(void)state;
	(void)deadlock(UKVM_DEADLOCK_MAX + 1, UINT32_MAX, WAITS);
	assert_stopped(EXIT_BAD_HYPERCALL);
	(void)deadlock(3, 2, WAITS);
	assert_stopped(EXIT_BAD_HYPERCALL);
	(void)deadlock(2, 2, MEM - sizeof(struct ukvm_thread_wait));
	assert_stopped(EXIT_FAULT);
	(void)deadlock(UKVM_DEADLOCK_MAX, UKVM_DEADLOCK_MAX, UINT64_MAX - 8);
	assert_stopped(EXIT_FAULT);
	(void)deadlock(1, 1, 0x100); /* the VMM's low area */
	assert_stopped(EXIT_FAULT);
}

static void test_crash_arg_outside(void **state)
{
	(void)state;
	hypercall_dispatch(&vm, UKVM_HC_CRASH, MEM - sizeof(struct ukvm_hc_crash) + 1);
	assert_stopped(EXIT_FAULT);
	vm.done = false;
	vm.status = 0;
	hypercall_dispatch(&vm, UKVM_HC_CRASH, UINT64_MAX);
	assert_stopped(EXIT_FAULT);
}

/* ---- backtraces (frame chains are guest memory too) ---------------------- */

static uint64_t sym(const char *name)
{
	image_read_symbols(&hello);
	for (size_t i = 0; i < hello.nsyms; i++)
		if (!strcmp(hello.syms[i].name, name))
			return hello.syms[i].addr;
	fail_msg("no symbol %s in %s", name, hello_path);
	return 0;
}

static void put_frame(uint64_t fp, uint64_t next, uint64_t ret)
{
	uint64_t f[2] = {next, ret};
	put(fp, f, sizeof(f));
}

static const char *backtrace_of(uint64_t rip, uint64_t rbp)
{
	struct ukvm_cpu_state st = {.rip = rip, .rbp = rbp};
	vm.img = &hello;
	const char *err = crash(UKVM_CRASH_EXCEPTION, 13, &st);
	assert_stopped(139);
	return err;
}

static int count(const char *s, const char *what)
{
	int n = 0;
	for (; (s = strstr(s, what)); s++)
		n++;
	return n;
}

static void test_backtrace(void **state)
{
	(void)state;
	uint64_t m = sym("main");
	put_frame(STACK, STACK + 0x40, m + 0x10);
	put_frame(STACK + 0x40, STACK + 0x80, m + 0x20);
	put_frame(STACK + 0x80, 0, m + 0x30); /* the outermost frame: next 0 */

	const char *err = backtrace_of(m + 4, STACK);
	assert_non_null(
	    strstr(err, "guest crashed: general protection fault (#GP, vector 13) at "));
	assert_non_null(strstr(err, "<main+0x4>"));
	assert_non_null(strstr(err, "unikvm:   #0  0x"));
	assert_non_null(strstr(err, "<main+0x10>\n"));
	assert_non_null(strstr(err, "unikvm:   #1  "));
	assert_non_null(strstr(err, "unikvm:   #2  "));
	assert_non_null(strstr(err, "unikvm:   #3  "));
	assert_non_null(strstr(err, "<main+0x30>\n"));
	assert_null(strstr(err, "#4"));
}

/* Hostile chains: each ends, in at most BACKTRACE_MAX (32) frames. */
static void test_backtrace_hostile(void **state)
{
	(void)state;
	uint64_t m = sym("main");
	const char *err;

	/* rbp outside RAM, misaligned, in page 0, straddling the end */
	static const uint64_t rbps[] = {0, 8, MEM - 8, MEM, UINT64_MAX - 7, STACK + 4};
	put_frame(STACK, STACK + 0x40, m + 0x10);
	for (size_t i = 0; i < sizeof(rbps) / sizeof(rbps[0]); i++) {
		err = backtrace_of(m, rbps[i]);
		assert_non_null(strstr(err, "#0  "));
		assert_null(strstr(err, "#1"));
	}

	/* a frame pointing at itself */
	put_frame(STACK, STACK, m + 0x10);
	err = backtrace_of(m, STACK);
	assert_non_null(strstr(err, "#1  "));
	assert_null(strstr(err, "#2"));

	/* return addresses outside code end the chain */
	put_frame(STACK, STACK + 0x40, sym("__default_stacksize")); /* data */
	err = backtrace_of(m, STACK);
	assert_null(strstr(err, "#1"));

	/* a long upward chain of distinct return addresses: 32 frames at most */
	for (int i = 0; i < 100; i++)
		put_frame(STACK + 16 * (uint64_t)i, STACK + 16 * (uint64_t)(i + 1),
			  m + 1 + (uint64_t)i % 50);
	err = backtrace_of(m, STACK);
	assert_non_null(strstr(err, "#31 "));
	assert_null(strstr(err, "#32"));
	assert_int_equal(count(err, "unikvm:   #"), 32);
}

/* Recursion: equal return addresses in a row are one line with a count. */
static void test_backtrace_recursion(void **state)
{
	(void)state;
	uint64_t m = sym("main");
	for (int i = 0; i < 10; i++)
		put_frame(STACK + 16 * (uint64_t)i, STACK + 16 * (uint64_t)(i + 1), m + 0x10);
	put_frame(STACK + 160, 0, m + 0x20);
	const char *err = backtrace_of(m + 4, STACK);
	assert_non_null(strstr(err, "unikvm:   #0  "));
	assert_non_null(strstr(err, "unikvm:   #1-#10 0x"));
	assert_non_null(strstr(err, "<main+0x10> (10 times)\n"));
	assert_non_null(strstr(err, "unikvm:   #11 "));
	assert_int_equal(count(err, "unikvm:   #"), 3);
}

/* Recursion up to the outermost frame (whose saved rbp is 0): the last
 * frame counts too. */
static void test_backtrace_recursion_to_the_end(void **state)
{
	(void)state;
	uint64_t m = sym("main");
	put_frame(STACK, STACK + 16, m + 0x10);
	put_frame(STACK + 16, STACK + 32, m + 0x10);
	put_frame(STACK + 32, 0, m + 0x10);
	const char *err = backtrace_of(m + 4, STACK);
	if (!strstr(err, "unikvm:   #1-#3 0x") || !strstr(err, "(3 times)\n"))
		fail_msg("3 equal frames, the last with saved rbp 0, printed as:\n%s", err);
}

/* ---- the device list: who serves each hypercall and port -------------- */

static void test_devices_real_list(void **state)
{
	struct device_map map;
	char err[256] = "";
	(void)state;
	assert_int_equal(devices_register(&map, device_list, device_count, err, sizeof(err)), 0);
	for (unsigned nr = 0; nr < UKVM_HC_COUNT; nr++) {
		if (hypercall_arg_size(nr)) {
			assert_non_null(map.hc_owner[nr]);
			assert_non_null(map.hc_call[nr]);
		} else {
			assert_null(map.hc_call[nr]); /* a gap in the list stays unknown */
		}
	}
	assert_string_equal(map.hc_owner[UKVM_HC_FS_OPEN]->name, "files");
	assert_string_equal(devices_port_owner(UKVM_BLK_DOORBELL_BASE + 3)->name, "block");
	assert_null(devices_port_owner(UKVM_HC_PORT_BASE));
}

static void fake_call(struct vm *v, uint64_t gpa)
{
	(void)v;
	(void)gpa;
}

/* devs registered with everything else of the real list: the error. */
static const char *register_err(const struct device *extra)
{
	static char err[256];
	const struct device *devs[32];
	struct device_map map;
	size_t n = 0;
	for (size_t i = 0; i < device_count; i++)
		devs[n++] = device_list[i];
	devs[n++] = extra;
	err[0] = '\0';
	assert_int_equal(devices_register(&map, devs, n, err, sizeof(err)), EXIT_HOST_ERROR);
	return err;
}

static void test_devices_hypercall_twice(void **state)
{
	static const struct hc_row rows[] = {{UKVM_HC_CLOCK, fake_call}};
	static const struct device dup = {.name = "dup", DEVICE_HYPERCALLS(rows)};
	(void)state;
	assert_string_equal(register_err(&dup),
			    "hypercall clock (5) is registered twice: by device "
			    "clock and by device dup");
}

static void test_devices_hypercall_not_in_list(void **state)
{
	static const struct hc_row rows[] = {{15, fake_call}};
	static const struct device odd = {.name = "odd", DEVICE_HYPERCALLS(rows)};
	(void)state;
	assert_string_equal(register_err(&odd),
			    "device odd registers hypercall 15, which the ABI list does not have");
}

static void test_devices_ports_twice(void **state)
{
	static const struct device d = {.name = "late", .port_base = 0x607, .nports = 2};
	(void)state;
	assert_string_equal(register_err(&d), "ports 0x607..0x608 are registered twice: by device "
					      "block and by device late");
}

static void test_devices_ports_hypercall_range(void **state)
{
	static const struct device d = {.name = "greedy", .port_base = 0x53f, .nports = 1};
	(void)state;
	assert_string_equal(register_err(&d), "device greedy registers ports 0x53f..0x53f, which "
					      "overlap the hypercall ports");
}

static void test_devices_hypercall_unserved(void **state)
{
	const struct device *devs[32];
	struct device_map map;
	char err[256] = "";
	size_t n = 0;
	(void)state;
	for (size_t i = 0; i < device_count; i++)
		if (strcmp(device_list[i]->name, "random"))
			devs[n++] = device_list[i];
	assert_int_equal(devices_register(&map, devs, n, err, sizeof(err)), EXIT_HOST_ERROR);
	assert_string_equal(err, "hypercall random (31) is served by no device");
}

int main(int argc, char **argv)
{
	char err[512];
	if (argc > 1)
		hello_path = argv[1];
	signal(SIGPIPE, SIG_IGN); /* as unikvm's main() does: EPIPE, not death */
	if (image_open(&hello, hello_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", hello_path, err);
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    T(test_crash_halt),
	    T(test_halts_unknown),
	    T(test_deadlock_report),
	    T(test_deadlock_wait_names),
	    T(test_deadlock_hostile),
	    cmocka_unit_test(test_devices_real_list),
	    cmocka_unit_test(test_devices_hypercall_twice),
	    cmocka_unit_test(test_devices_hypercall_not_in_list),
	    cmocka_unit_test(test_devices_ports_twice),
	    cmocka_unit_test(test_devices_ports_hypercall_range),
	    cmocka_unit_test(test_devices_hypercall_unserved),
	    T(test_writev_two_iovecs),
	    T(test_writev_stderr),
	    T(test_writev_bad_fd),
	    T(test_writev_arg_outside),
	    T(test_writev_arg_at_end),
	    T(test_writev_iovcnt_too_big),
	    T(test_writev_iov_overflow),
	    T(test_writev_iov_page0),
	    T(test_writev_iov_past_end),
	    T(test_writev_iov_array_outside),
	    T(test_writev_empty_iovecs),
	    T(test_writev_epipe),
	    T(test_writev_big),
	    T(test_read_pipe),
	    T(test_read_bad_fd),
	    T(test_read_buf_outside),
	    T(test_read_arg_outside),
	    T(test_read_len0),
	    T(test_dispatch_unknown),
	    T(test_exit),
	    T(test_first_stop_wins),
	    T(test_nosys),
	    T(test_crash_unknown_kind),
	    T(test_crash_signal),
	    T(test_crash_exception),
	    T(test_crash_interrupt),
	    T(test_crash_arg_outside),
	    T(test_backtrace),
	    T(test_backtrace_hostile),
	    T(test_backtrace_recursion),
	    T(test_backtrace_recursion_to_the_end),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	image_close(&hello);
	return r;
}
