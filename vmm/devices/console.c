/*
 * The console: stdout and stderr kept apart, one host writev per guest
 * writev hypercall; stdin read on demand (a blocked read costs no CPU).
 */
#include <errno.h>
#include <stddef.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/exit_status.h"
#include "core/vm.h"

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

void hc_writev(struct vm *vm, uint64_t gpa)
{
	static struct ukvm_iovec giov[UKVM_IOV_MAX];
	static struct iovec hiov[UKVM_IOV_MAX];
	struct ukvm_hc_writev a;
	int cnt = 0;

	if (hc_get_arg(vm, "writev", gpa, &a, sizeof(a)) < 0)
		return;
	if (a.iovcnt > UKVM_IOV_MAX) {
		guest_error(vm, EXIT_BAD_HYPERCALL, "writev hypercall: %u iovecs, at most %d",
			    a.iovcnt, UKVM_IOV_MAX);
		return;
	}
	if (gmem_read(&vm->mem, a.iov, giov, a.iovcnt * sizeof(giov[0])) < 0) {
		guest_error(vm, EXIT_FAULT,
			    "writev hypercall: iovec array at 0x%llx (%u entries) "
			    "outside guest RAM",
			    (unsigned long long)a.iov, a.iovcnt);
		return;
	}
	for (uint32_t i = 0; i < a.iovcnt; i++) {
		if (!giov[i].len)
			continue; /* an empty buffer may be anywhere, as on Linux */
		void *p = gmem_at(&vm->mem, giov[i].base, giov[i].len);
		if (!p) {
			guest_error(vm, EXIT_FAULT,
				    "writev hypercall: buffer %u [0x%llx, +0x%llx) "
				    "outside guest RAM",
				    i, (unsigned long long)giov[i].base,
				    (unsigned long long)giov[i].len);
			return;
		}
		hiov[cnt++] = (struct iovec){p, giov[i].len};
	}
	int64_t ret = a.fd == 1 || a.fd == 2 ? write_all(vm, (int)a.fd, hiov, cnt) : -EBADF;
	gmem_write(&vm->mem, gpa + offsetof(struct ukvm_hc_writev, ret), &ret, sizeof(ret));
}

void hc_read(struct vm *vm, uint64_t gpa)
{
	struct ukvm_hc_read a;
	int64_t ret;

	if (hc_get_arg(vm, "read", gpa, &a, sizeof(a)) < 0)
		return;
	void *p = a.len ? gmem_at(&vm->mem, a.buf, a.len) : NULL;
	if (a.len && !p) {
		guest_error(vm, EXIT_FAULT,
			    "read hypercall: buffer [0x%llx, +0x%llx) outside guest RAM",
			    (unsigned long long)a.buf, (unsigned long long)a.len);
		return;
	}
	if (a.fd != 0) {
		ret = -EBADF;
	} else if (a.len == 0) {
		ret = 0;
	} else {
		ssize_t n;
		do
			n = read(0, p, a.len);
		while (n < 0 && errno == EINTR && !vm_check_stop(vm));
		if (vm->done)
			return; /* stopped while waiting: the guest never sees it */
		ret = n < 0 ? -errno : n;
	}
	gmem_write(&vm->mem, gpa + offsetof(struct ukvm_hc_read, ret), &ret, sizeof(ret));
}
