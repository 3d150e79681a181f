/*
 * The console: stdout and stderr kept apart, one host writev per guest
 * writev hypercall; stdin read on demand, and waited for (poll_stdin), so
 * that a blocked read costs no CPU.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "core/hypercall.h"
#include "core/vm.h"
#include "devices/net.h"

/* Writes all of iov to fd, resuming after partial writes and EINTR (unless
 * the run must stop).
 * Returns the bytes written, or -errno (-EPIPE when the reader is gone). */
static int64_t write_all(struct vm *vm, int fd, struct iovec *iov, int cnt)
{
	int64_t total = 0;

	while (cnt > 0) {
		ssize_t n = writev(fd, iov, cnt);
		if (n < 0) {
			if (errno == EINTR && !vm_check_stop(vm))
				continue;
			return total ? total : -errno;
		}
		total += n;
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return total;
}

void hc_writev(struct vm *vm, uint64_t gpa, struct ukvm_hc_writev *a)
{
	static struct iovec hiov[UKVM_IOV_MAX];
	int cnt = hc_iovec(vm, UKVM_HC_WRITEV, a->iov, a->iovcnt, hiov);

	if (cnt < 0)
		return;
	int64_t ret = a->fd == 1 || a->fd == 2 ? write_all(vm, (int)a->fd, hiov, cnt) : -EBADF;
	HC_PUT_RET(vm, gpa, ukvm_hc_writev, ret);
}

void hc_read(struct vm *vm, uint64_t gpa, struct ukvm_hc_read *a)
{
	uint64_t len = a->len;
	void *p = len ? hc_buf(vm, UKVM_HC_READ, "buffer", a->buf, len) : NULL;
	int64_t ret;

	if (len && !p)
		return;
	struct pollfd pfd = {.fd = 0, .events = POLLIN};
	if (a->fd != 0) {
		ret = -EBADF;
	} else if (a->flags & ~UKVM_READ_F_NONBLOCK) {
		ret = -EINVAL;
	} else if (len == 0) {
		ret = 0;
	} else if ((a->flags & UKVM_READ_F_NONBLOCK) && poll(&pfd, 1, 0) == 0) {
		ret = -EAGAIN; /* nothing to read yet: the guest parks on slot 0 */
	} else {
		ssize_t n;
		do
			n = read(0, p, len);
		while (n < 0 && errno == EINTR && !vm_check_stop(vm));
		if (vm->done)
			return; /* stopped while waiting: the guest never sees it */
		ret = n < 0 ? -errno : n;
	}
	net_stdin_read(vm);
	HC_PUT_RET(vm, gpa, ukvm_hc_read, ret);
}

static int64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void hc_poll_stdin(struct vm *vm, uint64_t gpa, struct ukvm_hc_poll_stdin *a)
{
	int32_t timeout = a->timeout_ms < -1 ? -1 : a->timeout_ms;
	int64_t deadline = mono_ms() + timeout;
	struct pollfd pfd = {.fd = 0, .events = POLLIN};
	int r;

	for (;;) {
		/* The watchdog's signal interrupts poll: go on with what is left. */
		int64_t left = timeout < 0 ? -1 : deadline - mono_ms();
		r = poll(&pfd, 1, left < 0 && timeout >= 0 ? 0 : (int)left);
		if (r >= 0 || errno != EINTR || vm_check_stop(vm))
			break;
	}
	if (vm->done)
		return;
	HC_PUT_RET(vm, gpa, ukvm_hc_poll_stdin, r < 0 ? -errno : r);
}

static void console_seccomp(const struct vm *vm, struct seccomp_rules *r)
{
	(void)vm;
	ALLOW_IF(r, read, FD_IS(0));   /* the read hypercall: stdin */
	ALLOW_IF(r, writev, FD_IS(1)); /* the writev hypercall: stdout, stderr */
	ALLOW_IF(r, writev, FD_IS(2));
	ALLOW(r, poll);		 /* the poll_stdin hypercall (fd 0 only, in memory) */
	ALLOW(r, clock_gettime); /* its deadline, where the vDSO cannot */
}

static const struct hc_row hypercalls[] = {HC_ROW(writev), HC_ROW(read), HC_ROW(poll_stdin)};

const struct device console_device = {
    .name = "console",
    DEVICE_HYPERCALLS(hypercalls),
    .seccomp_vcpu = console_seccomp,
};
