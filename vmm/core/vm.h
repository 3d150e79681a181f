/*
 * One virtual machine with one vCPU, and the pieces of the core that set it
 * up and run it. Boot order (commands/run.c): image_open, devices_setup,
 * layout_plan, kvm_open, vm_create, devices_start, image_load,
 * layout_write, x86_boot_vcpu, vm_run, devices_stop, vm_destroy.
 */
#ifndef UKVM_VM_H
#define UKVM_VM_H

#include <linux/kvm.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unikvm/abi.h>

#include "core/gmem.h"
#include "core/seccomp.h"
#include "image/elf_image.h"

struct device_map;

/* An MSI to the guest's one LAPIC (id 0), fixed delivery, edge: data is
 * the vector. */
#define UKVM_MSI_ADDR_APIC0 0xfee00000u

/* GSIs of the devices' irqfds, above the IOAPIC's pins, which unikvm
 * leaves unused: the disks' from VM_GSI_BLK, the network's at VM_GSI_NET. */
#define VM_GSI_BLK 24
#define VM_GSI_NET (VM_GSI_BLK + UKVM_BLK_MAX)
#define VM_MSI_ROUTES_MAX (UKVM_BLK_MAX + 1)

/* ---- kvm.c: /dev/kvm, the VM and its vCPU -------------------------------- */

struct vm {
	int kvm_fd, fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	struct gmem mem;
	const struct image *img;     /* for symbols in reports; may be NULL */
	const struct layout *layout; /* for core files; may be NULL */
	bool gb_pages;		     /* 1 GiB pages offered (CPUID pdpe1gb) */
	struct kvm_cpuid2 *cpuid;
	/* options */
	bool trace_nosys, stats;
	uint64_t timeout_ms; /* 0: none */
	enum ukvm_seccomp seccomp;
	const struct device_map *devices; /* who serves each hypercall (device.h) */
	/* the devices' state, each set up and torn down by its device */
	const char *core_path; /* devices/core_dump.c: a core file on a crash; NULL: none */
	struct blk *blk;       /* devices/blk.c: the disks; NULL: none */
	struct fs *fs;	       /* devices/files.c: --dir mappings and open files */
	struct halts *halts;   /* devices/halts.c: the vCPU's halt count */
	struct net *net;       /* devices/net.c: sockets, the event thread; NULL: none */
	/* the MSI routes of every device's irqfd (vm_add_msi_route) */
	struct kvm_irq_routing_entry msi_routes[VM_MSI_ROUTES_MAX];
	unsigned nmsi_routes;
	/* state of the run */
	bool done;
	int status;
	atomic_int thread_fault; /* the status a device thread asked for (vm_fault); 0: none */
	uint64_t exits, hypercalls[UKVM_HC_COUNT];
	uint64_t wakeups;      /* wake-up interrupts the watchdog sent (run_loop.c) */
	unsigned pt_pages;     /* page-table pages x86_boot_vcpu built (--stats) */
	unsigned halted_ticks; /* watchdog ticks in a row that found the vCPU halted */
};

/* A setup ioctl's result r, or -1 with "NAME: strerror(errno)" in err if
 * it failed: KVM_IOCTL(fd, KVM_CREATE_VM, 0, err, errlen) < 0. Each call
 * counts one in kvm_setup_ioctls (--stats). */
int kvm_check(int r, const char *name, char *err, size_t errlen);
extern uint64_t kvm_setup_ioctls;
#define KVM_IOCTL(fd, req, arg, err, errlen) kvm_check(ioctl(fd, req, arg), #req, err, errlen)

/* A KVM capability and its name: KVM_CAP(KVM_CAP_IRQFD). */
struct kvm_cap {
	int cap;
	const char *name;
};
#define KVM_CAP(c)                                                                                 \
	{                                                                                          \
		c, #c                                                                              \
	}
/* 0 if this KVM offers every one of caps[0..n); else EXIT_HOST_ERROR with
 * "this KVM lacks NAME, which USER needs" in err. */
int kvm_require(const struct vm *vm, const struct kvm_cap *caps, size_t n, const char *user,
		char *err, size_t errlen);

/* Opens /dev/kvm and checks the API version and every capability unikvm
 * needs. 0, or EXIT_HOST_ERROR with a one-line reason in err. */
int kvm_open(struct vm *vm, char *err, size_t errlen);
/* Routes gsi to an MSI of vector (fixed delivery, edge) for an irqfd.
 * KVM_SET_GSI_ROUTING replaces the whole table, so every device's routes
 * go through here and each call sets them all. 0, or EXIT_HOST_ERROR. */
int vm_add_msi_route(struct vm *vm, uint32_t gsi, uint32_t vector, char *err, size_t errlen);
/* Creates the VM (with in-kernel irqchip), its RAM and its vCPU. */
int vm_create(struct vm *vm, uint64_t mem_size, char *err, size_t errlen);
void vm_destroy(struct vm *vm);

/* ---- layout.c: where everything goes in guest RAM ----------------------- */

#define DEFAULT_MEM (128ULL << 20) /* guest RAM when neither --mem nor the note ask */

/* v rounded up to UKVM_MEM_ALIGN (UINT64_MAX if that overflows). */
static inline uint64_t round_mem(uint64_t v)
{
	return v > UINT64_MAX - UKVM_MEM_ALIGN
		   ? UINT64_MAX
		   : (v + UKVM_MEM_ALIGN - 1) & ~(uint64_t)(UKVM_MEM_ALIGN - 1);
}

#define REGION_MAX 24

struct region {
	uint64_t start, end; /* page-aligned */
	uint32_t flags;	     /* SEG_R/W/X; 0: unmapped */
};

struct layout {
	uint64_t mem_size;
	struct region regions[REGION_MAX]; /* mapped ranges, sorted */
	unsigned nregions;
	uint64_t heap_start, heap_end, stack_top, stack_size;
	uint64_t args_start; /* argv/envp strings and arrays, up to mem_size */
	uint64_t entry;
};

/* The VMM's low area, below UKVM_IMAGE_BASE. */
#define LOW_PML4 0x1000
#define LOW_PDPT 0x2000
#define LOW_PD 0x3000 /* one page per GiB: 3 pages */
#define LOW_GDT 0x6000
#define LOW_BOOT_INFO 0x7000
#define LOW_SIGNALS UKVM_SIGNALS_GPA /* struct ukvm_signals, the one guest-writable page */
#define LOW_PT_POOL 0x9000	     /* page tables for 4 KiB-mapped ranges */
#define STACK_SIZE (8ULL << 20)
#define GUARD_SIZE (2ULL << 20)
#define ARGS_MAX (2ULL << 20)
#define HEAP_MIN (4ULL << 20)

/* Plans the layout of img with argv/envp in mem_size bytes; 0, or
 * EXIT_BAD_IMAGE / EXIT_HOST_ERROR with a reason in err. */
/* 4 KiB host pages, not transparent huge pages, where the guest touches
 * only a few pages in each 2 MiB: the low pages, the image, the heap's
 * first pages (up to the next 2 MiB boundary) and the stack. A hello then
 * makes the host allocate 240 KiB instead of 6 MiB of zeroed huge pages
 * (docs/performance.md); the rest of the heap keeps the host's default, which
 * serves programs that touch much memory. Call before guest RAM is touched. */
void layout_small_pages(const struct layout *l, const struct gmem *m);
int layout_plan(struct layout *l, const struct image *img, uint64_t mem_size, char *const argv[],
		char *const envp[], char *err, size_t errlen);
/* Writes argv, envp and the boot info into guest memory. */
void layout_write(const struct layout *l, struct vm *vm, char *const argv[], char *const envp[],
		  uint32_t boot_flags);

/* ---- x86_boot.c: long mode, page tables, registers ---------------------- */

/* Builds the page tables for l->regions and puts the vCPU in 64-bit mode at
 * l->entry with RDI = the boot info. 0, or EXIT_HOST_ERROR. */
int x86_boot_vcpu(struct vm *vm, const struct layout *l, char *err, size_t errlen);

/* ---- run.c: the run loop ------------------------------------------------ */

/* Runs until the guest exits or dies, vm->timeout_ms passes, or an outside
 * signal the guest does not catch arrives (UKVM_OUTSIDE_SIGNALS but
 * SIGWINCH; a caught one goes to the guest); returns the exit status. */
int vm_run(struct vm *vm);

/* Whether the run must end now (a stop signal came, the time is up): for
 * blocking host calls that return EINTR. Stops the VM if so. */
bool vm_check_stop(struct vm *vm);

/* The stop signal that ended the run, or 0: the caller re-raises it after
 * cleaning up, so its parent sees a death by that signal. */
int vm_stop_signal(void);

/* Ends the run with status (after a report, if any). */
void vm_stop(struct vm *vm, int status);

/* From a device thread that found the guest at fault (a corrupt disk
 * ring), after its report: the run ends with status when the vCPU thread
 * next looks, after its current exit or at the next watchdog tick. The
 * first status asked for stands. */
void vm_fault(struct vm *vm, int status);

/* ---- syscall_names.c (generated from the kernel headers) ---------------- */
const char *syscall_name(uint64_t nr);

#endif
