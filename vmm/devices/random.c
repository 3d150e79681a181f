/*
 * The random device: bytes from the host's getrandom(), for the guest's
 * getrandom() and /dev/urandom (up to UKVM_RANDOM_MAX per call).
 */
#include <errno.h>
#include <sys/random.h>

#include "core/hypercall.h"
#include "core/vm.h"

void hc_random(struct vm *vm, uint64_t gpa, struct ukvm_hc_fs_buf *a)
{
	uint64_t len = a->len > UKVM_RANDOM_MAX ? UKVM_RANDOM_MAX : a->len;
	void *p = hc_buf(vm, UKVM_HC_RANDOM, "buffer", a->buf, len);
	int64_t r;

	if (!p)
		return;
	do
		r = getrandom(p, len, 0);
	while (r < 0 && errno == EINTR && !vm_check_stop(vm));
	if (vm->done)
		return;
	HC_PUT_RET(vm, gpa, ukvm_hc_fs_buf, r < 0 ? -errno : r);
}

static void random_seccomp(const struct vm *vm, struct seccomp_rules *r)
{
	(void)vm;
	ALLOW(r, getrandom);
}

static const struct hc_row hypercalls[] = {HC_ROW(random)};

const struct device random_device = {
    .name = "random",
    DEVICE_HYPERCALLS(hypercalls),
    .seccomp_vcpu = random_seccomp,
};
