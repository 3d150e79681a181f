/*
 * The local APIC in x2APIC mode (MSRs, no MMIO page) and its timer in
 * TSC-deadline mode: the in-kernel LAPIC wakes a halted vCPU at a TSC
 * value without any exit to the VMM. Programs run with interrupts off;
 * cpu_wait_until() is the one place that enables them, around `hlt`.
 */
#include "kernel.h"
#include "cpu.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_EXTD (1u << 10) /* x2APIC mode */
#define APIC_BASE_EN (1u << 11)
#define MSR_TSC_DEADLINE 0x6e0
#define X2APIC_EOI 0x80b
#define X2APIC_SVR 0x80f
#define X2APIC_LVT_TIMER 0x832
#define APIC_SVR_ENABLE (1u << 8)
#define LVT_TIMER_TSC_DEADLINE (2u << 17)

void apic_init(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EN | APIC_BASE_EXTD);
	wrmsr(X2APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
	wrmsr(X2APIC_LVT_TIMER, APIC_TIMER_VECTOR | LVT_TIMER_TSC_DEADLINE);
}

void apic_eoi(void)
{
	wrmsr(X2APIC_EOI, 0);
}

void cpu_halt_until(uint64_t tsc)
{
	wrmsr(MSR_TSC_DEADLINE, tsc);
	__asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
	wrmsr(MSR_TSC_DEADLINE, 0);
}

void cpu_wait_until(uint64_t tsc)
{
	while (rdtsc() < tsc) {
		wrmsr(MSR_TSC_DEADLINE, tsc);
		/* sti's one-instruction shadow: no interrupt slips in before hlt */
		__asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
	}
	wrmsr(MSR_TSC_DEADLINE, 0);
}
