/* Hypercalls: a 32-bit OUT of the argument struct's address (ABI header). */
#include "kernel.h"
#include "cpu.h"

void hypercall(unsigned nr, void *arg)
{
	outl(UKVM_HC_PORT_BASE + nr, (uint32_t)(uintptr_t)arg);
}

NORETURN static void stop_here(void)
{
	/* The VMM never resumes a vCPU after an exit or crash hypercall. */
	for (;;)
		__asm__ volatile("ud2");
}

void guest_exit(int status)
{
	struct ukvm_hc_exit hc = {.status = (uint32_t)status & 0xff};
	hc_exit(&hc);
	stop_here();
}

void guest_die_by_signal(int sig, const struct ukvm_cpu_state *st)
{
	struct ukvm_hc_crash hc = {.kind = UKVM_CRASH_SIGNAL, .info = (uint32_t)sig, .state = *st};
	hc_crash(&hc);
	stop_here();
}
