/*
 * The clock device: the host's clocks and the TSC rate, which the guest
 * pairs with its own TSC reads (abi.h, struct ukvm_hc_clock). Between
 * calls the guest keeps time from the TSC with no exit.
 */
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <time.h>

#include "base/exit_status.h"
#include "base/log.h"
#include "core/hypercall.h"
#include "core/vm.h"

void hc_clock(struct vm *vm, uint64_t gpa, struct ukvm_hc_clock *a)
{
	struct timespec rt, mono;
	int khz = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);

	if (khz <= 0) {
		ukvm_perr("KVM_GET_TSC_KHZ");
		vm_stop(vm, EXIT_HOST_ERROR);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	*a = (struct ukvm_hc_clock){
	    .tsc_khz = (uint64_t)khz,
	    .realtime_ns = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec,
	    .monotonic_ns = (uint64_t)mono.tv_sec * 1000000000u + (uint64_t)mono.tv_nsec,
	};
	hc_put(vm, gpa, 0, a, sizeof(*a));
}

static void clock_seccomp(const struct vm *vm, struct seccomp_rules *r)
{
	ALLOW_IF(r, ioctl, FD_IS(vm->vcpu_fd), arg_eq(1, (scmp_datum_t)KVM_GET_TSC_KHZ));
	ALLOW(r, clock_gettime); /* where the vDSO cannot */
}

static const struct hc_row hypercalls[] = {HC_ROW(clock)};

const struct device clock_device = {
    .name = "clock",
    DEVICE_HYPERCALLS(hypercalls),
    .seccomp_vcpu = clock_seccomp,
};
