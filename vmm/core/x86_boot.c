/*
 * Puts the vCPU straight into 64-bit long mode: identity page tables that
 * map only the layout's regions with their permissions (largest page that
 * fits: 1 GiB where offered, else 2 MiB, else 4 KiB), a flat GDT, paging,
 * NX, SSE/AVX state enabled, RIP at the ELF entry and RDI at the boot info.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "base/exit_status.h"
#include "core/vm.h"

#define PAGE UKVM_PAGE_SIZE
#define SIZE_2M (1ULL << 21)
#define SIZE_1G (1ULL << 30)
#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)

#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_OSXSAVE (1ULL << 18)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)
#define CPUID_1_ECX_XSAVE (1u << 26)
#define XCR0_USER_STATE 0xe7ULL /* x87, SSE, AVX, AVX-512 (opmask, ZMM) */

#define GDT_CODE 0x00af9b000000ffffULL /* 64-bit code, accessed */
#define GDT_DATA 0x00cf93000000ffffULL /* data, accessed */

struct pt_builder {
	const struct gmem *mem;
	uint64_t next_pt;
	bool gb_pages;
	unsigned pds; /* page directories in use (--stats) */
};

static uint64_t *table(const struct pt_builder *b, uint64_t gpa)
{
	return gmem_host(b->mem, gpa, PAGE);
}

static uint64_t leaf_flags(uint32_t f)
{
	uint64_t v = PTE_P;
	if (f & SEG_W)
		v |= PTE_RW;
	if (!(f & SEG_X))
		v |= PTE_NX;
	return v;
}

static int map_region(struct pt_builder *b, const struct region *r)
{
	uint64_t *pdpt = table(b, LOW_PDPT), leaf = leaf_flags(r->flags);

	for (uint64_t a = r->start; a < r->end;) {
		uint64_t i1 = a >> 30, i2 = (a >> 21) & 511, i3 = (a >> 12) & 511;
		if (b->gb_pages && a % SIZE_1G == 0 && r->end - a >= SIZE_1G && !pdpt[i1]) {
			pdpt[i1] = a | leaf | PTE_PS;
			a += SIZE_1G;
			continue;
		}
		if (!pdpt[i1]) {
			pdpt[i1] = (LOW_PD + i1 * PAGE) | PTE_P | PTE_RW;
			b->pds++;
		}
		uint64_t *pd = table(b, LOW_PD + i1 * PAGE);
		if (a % SIZE_2M == 0 && r->end - a >= SIZE_2M && !pd[i2]) {
			pd[i2] = a | leaf | PTE_PS;
			a += SIZE_2M;
			continue;
		}
		if (!pd[i2]) {
			if (b->next_pt >= UKVM_IMAGE_BASE)
				return -1;
			pd[i2] = b->next_pt | PTE_P | PTE_RW;
			b->next_pt += PAGE;
		}
		table(b, pd[i2] & ~(PAGE - 1) & ~PTE_NX)[i3] = a | leaf;
		a += PAGE;
	}
	return 0;
}

static const struct kvm_cpuid_entry2 *cpuid_leaf(const struct vm *vm, uint32_t fn, uint32_t idx)
{
	for (unsigned i = 0; i < vm->cpuid->nent; i++)
		if (vm->cpuid->entries[i].function == fn && vm->cpuid->entries[i].index == idx)
			return &vm->cpuid->entries[i];
	return NULL;
}

static void set_segments(struct kvm_sregs *s)
{
	struct kvm_segment code = {
	    .base = 0,
	    .limit = 0xffffffff,
	    .selector = 0x08,
	    .type = 11,
	    .present = 1,
	    .dpl = 0,
	    .db = 0,
	    .s = 1,
	    .l = 1,
	    .g = 1,
	};
	struct kvm_segment data = code;
	data.selector = 0x10;
	data.type = 3;
	data.l = 0;
	data.db = 1;
	s->cs = code;
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	s->gdt.base = LOW_GDT;
	s->gdt.limit = 3 * 8 - 1;
}

int x86_boot_vcpu(struct vm *vm, const struct layout *l, char *err, size_t errlen)
{
	struct pt_builder b = {.mem = &vm->mem, .next_pt = LOW_PT_POOL, .gb_pages = vm->gb_pages};
	const struct kvm_cpuid_entry2 *leaf1 = cpuid_leaf(vm, 1, 0),
				      *leafd = cpuid_leaf(vm, 0xd, 0);
	bool xsave = leaf1 && (leaf1->ecx & CPUID_1_ECX_XSAVE) && leafd;
	struct kvm_sregs sregs;

	table(&b, LOW_PML4)[0] = LOW_PDPT | PTE_P | PTE_RW;
	for (unsigned i = 0; i < l->nregions; i++)
		if (map_region(&b, &l->regions[i]) < 0) {
			snprintf(err, errlen,
				 "the image is too fragmented for the page table pool");
			return EXIT_BAD_IMAGE;
		}
	/* the PML4, the PDPT, the PDs in use, the pool's page tables */
	vm->pt_pages = 2 + b.pds + (unsigned)((b.next_pt - LOW_PT_POOL) / PAGE);
	uint64_t *gdt = gmem_host(&vm->mem, LOW_GDT, 3 * 8);
	gdt[0] = 0;
	gdt[1] = GDT_CODE;
	gdt[2] = GDT_DATA;

	if (KVM_IOCTL(vm->vcpu_fd, KVM_GET_SREGS, &sregs, err, errlen) < 0)
		return EXIT_HOST_ERROR;
	set_segments(&sregs);
	sregs.cr3 = LOW_PML4;
	sregs.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | (xsave ? CR4_OSXSAVE : 0);
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs.efer = EFER_LME | EFER_LMA | EFER_NXE;
	if (KVM_IOCTL(vm->vcpu_fd, KVM_SET_SREGS, &sregs, err, errlen) < 0)
		return EXIT_HOST_ERROR;

	if (xsave) {
		struct kvm_xcrs xcrs = {.nr_xcrs = 1};
		xcrs.xcrs[0].xcr = 0;
		xcrs.xcrs[0].value = (leafd->eax | (uint64_t)leafd->edx << 32) & XCR0_USER_STATE;
		if (KVM_IOCTL(vm->vcpu_fd, KVM_SET_XCRS, &xcrs, err, errlen) < 0)
			return EXIT_HOST_ERROR;
	}
	struct kvm_fpu fpu = {.fcw = 0x37f, .mxcsr = 0x1f80};
	if (KVM_IOCTL(vm->vcpu_fd, KVM_SET_FPU, &fpu, err, errlen) < 0)
		return EXIT_HOST_ERROR;
	struct kvm_regs regs = {.rip = l->entry, .rdi = LOW_BOOT_INFO, .rflags = 2};
	if (KVM_IOCTL(vm->vcpu_fd, KVM_SET_REGS, &regs, err, errlen) < 0)
		return EXIT_HOST_ERROR;
	return 0;
}
