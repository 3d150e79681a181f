/*
 * One virtual machine with one vCPU, and the pieces that set it up and run
 * it. Boot order (main.c): kvm_open, image_open, layout_plan, vm_create,
 * image_load, layout_write, x86_boot_vcpu, vm_run.
 */
#ifndef UKVM_VM_H
#define UKVM_VM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unikvm/abi.h>

#include "image/elf_image.h"
#include "core/gmem.h"
#include "core/seccomp.h"

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
	const char *core_path; /* write a core file on a crash; NULL: none */
	struct blk *blk;       /* the disks (blk.h); NULL: none */
	struct fs *fs;	       /* --dir mappings and open files (files.h) */
	/* state of the run */
	bool done;
	int status;
	uint64_t exits, hypercalls[UKVM_HC_COUNT];
};

/* Opens /dev/kvm and checks the API version and every capability unikvm
 * needs. 0, or EXIT_HOST_ERROR with a one-line reason in err. */
int kvm_open(struct vm *vm, char *err, size_t errlen);
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
#define LOW_PT_POOL 0x8000 /* page tables for 4 KiB-mapped ranges */
#define STACK_SIZE (8ULL << 20)
#define GUARD_SIZE (2ULL << 20)
#define ARGS_MAX (2ULL << 20)
#define HEAP_MIN (4ULL << 20)

/* Plans the layout of img with argv/envp in mem_size bytes; 0, or
 * EXIT_BAD_IMAGE / EXIT_HOST_ERROR with a reason in err. */
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

/* Runs until the guest exits or dies, vm->timeout_ms passes, or SIGINT,
 * SIGTERM, SIGHUP or SIGQUIT arrives; returns the process exit status. */
int vm_run(struct vm *vm);

/* Whether the run must end now (a stop signal came, the time is up): for
 * blocking host calls that return EINTR. Stops the VM if so. */
bool vm_check_stop(struct vm *vm);

/* The stop signal that ended the run, or 0: the caller re-raises it after
 * cleaning up, so its parent sees a death by that signal. */
int vm_stop_signal(void);

/* Ends the run with status (after a report, if any). */
void vm_stop(struct vm *vm, int status);

/* ---- hypercall.c, console.c, crash.c ------------------------------------ */

/* Serves the hypercall `nr` with its argument at gpa. */
void hypercall_dispatch(struct vm *vm, unsigned nr, uint64_t gpa);
const char *hypercall_name(unsigned nr);
void hc_writev(struct vm *vm, uint64_t gpa);
void hc_read(struct vm *vm, uint64_t gpa);
void hc_crash(struct vm *vm, uint64_t gpa);

/* Copies the argument struct of hypercall `name` at gpa into arg: 0, or -1
 * after stopping the VM with a guest error if it is not in guest RAM. */
int hc_get_arg(struct vm *vm, const char *name, uint64_t gpa, void *arg, size_t len);
/* A guest broke the ABI: prints "guest error: ..." and stops with status. */
void guest_error(struct vm *vm, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Reports for exits that end the run (crash.c). */
void report_internal_error(struct vm *vm);
void report_triple_fault(struct vm *vm);
void report_halted(struct vm *vm, const struct kvm_regs *r);
/* core.c: writes an ELF core of the guest (registers s, signal sig). */
int core_write(const struct vm *vm, const char *path, const struct ukvm_cpu_state *s, int sig);

/* "0x1234 <main+0x10>" for addr into buf. */
const char *describe_addr(const struct vm *vm, uint64_t addr, char *buf, size_t len);

/* ---- syscall_names.c (generated from the kernel headers) ---------------- */
const char *syscall_name(uint64_t nr);

#endif
