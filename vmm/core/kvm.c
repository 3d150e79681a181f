/* /dev/kvm: open, check what unikvm needs, create the VM and its vCPU. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/exit_status.h"
#include "base/fds.h"
#include "base/log.h"
#include "core/vm.h"

#define KVM_DEVICE "/dev/kvm"
#define KVM_TSS_ADDR 0xfffbd000 /* 3 pages below 4 GiB, outside guest RAM */
#define CPUID_MAX_ENTRIES 256
#define CPUID_EXT_PDPE1GB (1u << 26) /* leaf 0x80000001, EDX */
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

static const struct kvm_cap required_caps[] = {
    KVM_CAP(KVM_CAP_USER_MEMORY),	 KVM_CAP(KVM_CAP_SET_TSS_ADDR),
    KVM_CAP(KVM_CAP_EXT_CPUID),		 KVM_CAP(KVM_CAP_IRQCHIP),
    KVM_CAP(KVM_CAP_MP_STATE),		 KVM_CAP(KVM_CAP_XCRS),
    KVM_CAP(KVM_CAP_GET_TSC_KHZ),	 KVM_CAP(KVM_CAP_IMMEDIATE_EXIT),
    KVM_CAP(KVM_CAP_TSC_DEADLINE_TIMER), KVM_CAP(KVM_CAP_SIGNAL_MSI),
};

uint64_t kvm_setup_ioctls;

int kvm_check(int r, const char *name, char *err, size_t errlen)
{
	kvm_setup_ioctls++;
	if (r < 0)
		ukvm_fail(err, errlen, EXIT_HOST_ERROR, "%s: %s", name, strerror(errno));
	return r;
}

int kvm_require(const struct vm *vm, const struct kvm_cap *caps, size_t n, const char *user,
		char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++, kvm_setup_ioctls++)
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, caps[i].cap) <= 0)
			return ukvm_fail(err, errlen, EXIT_HOST_ERROR,
					 "this KVM lacks %s, which %s needs", caps[i].name, user);
	return 0;
}

int kvm_open(struct vm *vm, char *err, size_t errlen)
{
	int v;

	vm->kvm_fd = vm->fd = vm->vcpu_fd = -1;
	vm->kvm_fd = open(KVM_DEVICE, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		if (errno == ENOENT)
			return ukvm_fail(err, errlen, EXIT_HOST_ERROR,
					 KVM_DEVICE
					 " does not exist: this machine has no KVM "
					 "(try tools/kvm-run, which falls back to a sandbox)");
		if (errno == EACCES || errno == EPERM)
			return ukvm_fail(err, errlen, EXIT_HOST_ERROR,
					 "no permission to open " KVM_DEVICE
					 " (join the 'kvm' group or run as root)");
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "cannot open " KVM_DEVICE ": %s",
				 strerror(errno));
	}
	kvm_setup_ioctls += 2; /* these two, unchecked by kvm_check */
	if ((v = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0)) != KVM_API_VERSION)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR,
				 "KVM API version %d, unikvm needs %d", v, KVM_API_VERSION);
	if ((v = kvm_require(vm, required_caps, sizeof(required_caps) / sizeof(required_caps[0]),
			     "unikvm", err, errlen)))
		return v;
	v = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (v < (int)sizeof(struct kvm_run))
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "KVM_GET_VCPU_MMAP_SIZE: %s",
				 strerror(errno));
	vm->run_size = (size_t)v;

	vm->cpuid =
	    calloc(1, sizeof(*vm->cpuid) + CPUID_MAX_ENTRIES * sizeof(vm->cpuid->entries[0]));
	if (!vm->cpuid)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "out of memory");
	vm->cpuid->nent = CPUID_MAX_ENTRIES;
	if (KVM_IOCTL(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, vm->cpuid, err, errlen) < 0)
		return EXIT_HOST_ERROR;
	for (unsigned i = 0; i < vm->cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &vm->cpuid->entries[i];
		if (e->function == 0x80000001)
			vm->gb_pages = e->edx & CPUID_EXT_PDPE1GB;
		/* Kernels before 6.14 leave the TSC deadline timer out of the
		 * supported CPUID: it depends on the in-kernel LAPIC, which
		 * unikvm always creates (KVM API doc, KVM_GET_SUPPORTED_CPUID). */
		if (e->function == 1)
			e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
	}
	return 0;
}

int vm_create(struct vm *vm, uint64_t mem_size, char *err, size_t errlen)
{
	int r;

	if ((vm->fd = KVM_IOCTL(vm->kvm_fd, KVM_CREATE_VM, 0, err, errlen)) < 0)
		return EXIT_HOST_ERROR;
	if (KVM_IOCTL(vm->fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR, err, errlen) < 0)
		return EXIT_HOST_ERROR;
	if (KVM_IOCTL(vm->fd, KVM_CREATE_IRQCHIP, 0, err, errlen) < 0)
		return EXIT_HOST_ERROR;
	if ((r = gmem_init(&vm->mem, mem_size)) < 0)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR,
				 "cannot map %llu MiB of guest memory: %s",
				 (unsigned long long)(mem_size >> 20), strerror(-r));
	vm->mem.floor = UKVM_IMAGE_BASE; /* hypercalls never name the low area */
	struct kvm_userspace_memory_region region = {
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = mem_size,
	    .userspace_addr = (uint64_t)(uintptr_t)vm->mem.host,
	};
	if (KVM_IOCTL(vm->fd, KVM_SET_USER_MEMORY_REGION, &region, err, errlen) < 0)
		return EXIT_HOST_ERROR;
	if ((vm->vcpu_fd = KVM_IOCTL(vm->fd, KVM_CREATE_VCPU, 0, err, errlen)) < 0)
		return EXIT_HOST_ERROR;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "mmap of the vCPU's kvm_run: %s",
				 strerror(errno));
	}
	if (KVM_IOCTL(vm->vcpu_fd, KVM_SET_CPUID2, vm->cpuid, err, errlen) < 0)
		return EXIT_HOST_ERROR;
	return 0;
}

int vm_add_msi_route(struct vm *vm, uint32_t gsi, uint32_t vector, char *err, size_t errlen)
{
	/* The header and room for its flexible array of entries. */
	union {
		struct kvm_irq_routing r;
		char room[sizeof(struct kvm_irq_routing) +
			  VM_MSI_ROUTES_MAX * sizeof(struct kvm_irq_routing_entry)];
	} rt;

	if (vm->nmsi_routes == VM_MSI_ROUTES_MAX)
		return ukvm_fail(err, errlen, EXIT_HOST_ERROR, "too many MSI routes (at most %d)",
				 VM_MSI_ROUTES_MAX);
	vm->msi_routes[vm->nmsi_routes++] = (struct kvm_irq_routing_entry){
	    .gsi = gsi,
	    .type = KVM_IRQ_ROUTING_MSI,
	    .u.msi = {.address_lo = UKVM_MSI_ADDR_APIC0, .data = vector},
	};
	memset(&rt, 0, sizeof(rt));
	rt.r.nr = vm->nmsi_routes;
	memcpy(rt.r.entries, vm->msi_routes, vm->nmsi_routes * sizeof(vm->msi_routes[0]));
	return KVM_IOCTL(vm->fd, KVM_SET_GSI_ROUTING, &rt, err, errlen) < 0 ? EXIT_HOST_ERROR : 0;
}

void vm_destroy(struct vm *vm)
{
	if (vm->run)
		munmap(vm->run, vm->run_size);
	FDS_CLOSE(&vm->vcpu_fd, &vm->fd, &vm->kvm_fd);
	gmem_free(&vm->mem);
	free(vm->cpuid);
	vm->run = NULL;
	vm->cpuid = NULL;
	vm->nmsi_routes = 0;
}
