/*
 * GDT, TSS and IDT. Every vector runs on an IST stack, because app code
 * (musl and the program) keeps a red zone below RSP that a trap must not
 * overwrite: IST1 for exceptions and interrupts, IST2 for a double fault,
 * IST3 for NMI and machine checks. A CPU exception ends the VM with a crash
 * report to the VMM; a fault while reporting one triple-faults on purpose
 * (the VMM reports that too) instead of looping.
 */
#include "kernel.h"
#include "cpu.h"
#include "trap.h"
#include "sched.h"
#include "sock.h"

#define GDT_CODE 0x08
#define GDT_DATA 0x10
#define GDT_TSS 0x18
#define IST_STACK_SIZE 16384

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "tss size");

struct idt_entry {
	uint16_t offset_lo, selector;
	uint8_t ist, type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi, reserved;
};
_Static_assert(sizeof(struct idt_entry) == 16, "idt entry size");

struct table_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t trap_stubs[256];

static struct tss tss;
static uint64_t gdt[5];
static struct idt_entry idt[256];
static uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
static int reporting;

static void gdt_load(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;

	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffULL; /* 64-bit code, accessed */
	gdt[2] = 0x00cf93000000ffffULL; /* data, accessed */
	/* 64-bit available TSS: a 16-byte descriptor */
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		 ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	gdt[4] = base >> 32;

	struct table_pointer p = {.limit = sizeof(gdt) - 1, .base = (uint64_t)(uintptr_t)gdt};
	__asm__ volatile("lgdt %0\n\t"
			 "mov %1, %%ds\n\t"
			 "mov %1, %%es\n\t"
			 "mov %1, %%ss\n\t"
			 "ltr %w2" ::"m"(p),
			 "r"(GDT_DATA), "r"(GDT_TSS)
			 : "memory");
}

static unsigned ist_for(unsigned vector)
{
	if (vector == 8)
		return 2; /* #DF */
	if (vector == 2 || vector == 18)
		return 3; /* NMI, #MC */
	return 1;
}

void trap_init(void)
{
	for (int i = 0; i < 3; i++)
		tss.ist[i] = (uint64_t)(uintptr_t)&ist_stacks[i][IST_STACK_SIZE];
	tss.iomap_base = sizeof(tss);
	gdt_load();

	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = trap_stubs[v];
		idt[v] = (struct idt_entry){
		    .offset_lo = (uint16_t)a,
		    .selector = GDT_CODE,
		    .ist = (uint8_t)ist_for(v),
		    .type_attr = 0x8e, /* present, DPL0, interrupt gate */
		    .offset_mid = (uint16_t)(a >> 16),
		    .offset_hi = (uint32_t)(a >> 32),
		};
	}
	struct table_pointer p = {.limit = sizeof(idt) - 1, .base = (uint64_t)(uintptr_t)idt};
	__asm__ volatile("lidt %0" ::"m"(p));
}

NORETURN static void triple_fault(void)
{
	struct table_pointer none = {0, 0};
	__asm__ volatile("lidt %0\n\tint3" ::"m"(none));
	for (;;)
		;
}

static void frame_cpu_state(const struct trap_frame *f, struct ukvm_cpu_state *st)
{
	*st = (struct ukvm_cpu_state){
	    .rax = f->rax,
	    .rbx = f->rbx,
	    .rcx = f->rcx,
	    .rdx = f->rdx,
	    .rsi = f->rsi,
	    .rdi = f->rdi,
	    .rbp = f->rbp,
	    .rsp = f->rsp,
	    .r8 = f->r8,
	    .r9 = f->r9,
	    .r10 = f->r10,
	    .r11 = f->r11,
	    .r12 = f->r12,
	    .r13 = f->r13,
	    .r14 = f->r14,
	    .r15 = f->r15,
	    .rip = f->rip,
	    .rflags = f->rflags,
	    .error_code = f->error_code,
	    .cr2 = f->vector == 14 ? read_cr2() : 0,
	    .fs_base = rdmsr(MSR_FS_BASE),
	};
}

/*
 * musl's a_crash() is a bare hlt. A program with several threads runs with
 * interrupts on, so that hlt sleeps only until the next timer interrupt,
 * which then lands in program code just past a 0xf4 byte. Many
 * instructions end in that byte too, so the vCPU's count of executed hlts
 * (the halts hypercall) decides: more than libguest's own means the
 * program halted. One exit per such interrupt, a rare case. Where nothing
 * else would wake the vCPU, the VMM's wake-up backstop does within 500 ms.
 */
static void check_program_hlt(const struct trap_frame *f)
{
	if (!sched_program_interrupts())
		return; /* the program turned them on itself (sti): its own hlt is no crash */
	if (f->rip <= UKVM_IMAGE_BASE || f->rip > boot_info.mem_size ||
	    *(const volatile uint8_t *)(uintptr_t)(f->rip - 1) != 0xf4)
		return;
	struct ukvm_hc_halts h = {0};
	hc_halts(&h);
	if (h.ret || h.count <= cpu0.halts)
		return;
	struct ukvm_hc_crash hc = {.kind = UKVM_CRASH_HALT};
	frame_cpu_state(f, &hc.state);
	hc.state.rip = f->rip - 1;
	hc_crash(&hc);
	triple_fault(); /* not reached: the VMM ends the run */
}

int trap_dispatch(struct trap_frame *f)
{
	if (f->rip == (uint64_t)(uintptr_t)cpu_idle_hlt_insn) {
		f->rip++; /* taken before the idle hlt (sti's shadow lost): skip it */
		cpu0.halts--;
	}
	if (f->vector == APIC_TIMER_VECTOR || f->vector == UKVM_BLK_VECTOR) {
		apic_eoi();
		if (!cpu0.in_kernel)
			check_program_hlt(f);
		/* the timer wakes sleepers and may preempt; the block driver's
		 * waiter looks at its completion ring itself; the wake-up
		 * backstop also looks at the network's events (a lost one) */
		if (f->vector == UKVM_WAKE_VECTOR)
			inet_interrupt();
		return f->vector == APIC_TIMER_VECTOR ? sched_timer_interrupt(f) : 0;
	}
	if (f->vector == UKVM_SIGNAL_VECTOR) { /* signals from outside */
		apic_eoi();
		if (!cpu0.in_kernel)
			check_program_hlt(f);
		signal_outside_interrupt();
		return !cpu0.in_kernel && signal_pending(cpu0.current);
	}
	if (f->vector == UKVM_NET_VECTOR) { /* host sockets' readiness */
		apic_eoi();
		if (!cpu0.in_kernel)
			check_program_hlt(f);
		return inet_interrupt() && !cpu0.in_kernel;
	}
	if (f->vector == APIC_SPURIOUS_VECTOR)
		return 0; /* no EOI for a spurious interrupt */
	if (reporting)
		triple_fault();
	reporting = 1;

	struct ukvm_hc_crash hc = {
	    .kind = f->vector < 32 ? UKVM_CRASH_EXCEPTION : UKVM_CRASH_INTERRUPT,
	    .info = (uint32_t)f->vector,
	};
	frame_cpu_state(f, &hc.state);
	hc_crash(&hc);
	triple_fault(); /* not reached: the VMM ends the run */
}
