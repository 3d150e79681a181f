/*
 * The local APIC in x2APIC mode (MSRs, no MMIO page) and its timer in
 * TSC-deadline mode: the in-kernel LAPIC wakes a halted vCPU at a TSC
 * value without any exit to the VMM. The kernel side runs with interrupts
 * off; the scheduler's idle loop (cpu_idle_halt) enables them around
 * `hlt`, and program code runs with them on while it has several threads
 * (kernel/sched.h). One deadline serves every user of the timer: each asks
 * for an interrupt at or before its own, and a handler that finds itself
 * early sets the next one.
 */
#include "kernel.h"
#include "cpu.h"
#include "sched.h"

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

/* The deadline now in the MSR (it has fired once the TSC is past it). */
static uint64_t armed;

void apic_timer_at(uint64_t tsc)
{
	if (armed && armed <= tsc && armed > rdtsc())
		return; /* an earlier interrupt is coming; its handler re-arms */
	wrmsr(MSR_TSC_DEADLINE, tsc);
	armed = tsc;
}

void cpu_halt_until(uint64_t tsc)
{
	apic_timer_at(tsc);
	cpu_sleep();
}
