/*
 * The system device: the guest's way out (the exit hypercall) and its
 * trace of the syscalls libguest does not implement (--trace-nosys).
 */
#include "base/exit_status.h"
#include "base/log.h"
#include "core/hypercall.h"
#include "core/vm.h"
#include "devices/crash.h"

void hc_exit(struct vm *vm, uint64_t gpa, struct ukvm_hc_exit *a)
{
	(void)gpa;
	if (a->status > 255) {
		guest_error(vm, EXIT_BAD_HYPERCALL, "exit hypercall: status %u is not 0..255",
			    a->status);
		return;
	}
	vm_stop(vm, (int)a->status);
}

void hc_nosys(struct vm *vm, uint64_t gpa, struct ukvm_hc_nosys *a)
{
	char where[256];
	(void)gpa;
	if (vm->trace_nosys)
		ukvm_err("syscall %s (%llu) is not implemented: ENOSYS, called from %s",
			 syscall_name(a->nr), (unsigned long long)a->nr,
			 describe_addr(vm, a->rip, where, sizeof(where)));
}

static const struct hc_row hypercalls[] = {HC_ROW(exit), HC_ROW(nosys)};

const struct device system_device = {
    .name = "system",
    DEVICE_HYPERCALLS(hypercalls),
};
