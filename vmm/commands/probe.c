/*
 * unikvm probe: can this /dev/kvm run our guests natively? A software KVM
 * (DESIGN.md: PVM) runs ring-0 code in an instruction emulator, slowly, and
 * stops at the first SSE instruction. The probe boots a 30-byte ring-0
 * guest through the VMM's own setup path that runs a 1M-iteration loop and
 * one SSE multiply, then exits by hypercall; it must finish within
 * PROBE_LIMIT_MS.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/exit_status.h"
#include "commands/commands.h"
#include "core/vm.h"

#define PROBE_MEM (4ULL << 20)
#define PROBE_LIMIT_MS 1000

static const uint8_t probe_code[] = {
    0xb9, 0x40, 0x42, 0x0f, 0x00, /* mov ecx, 1000000 */
    0xff, 0xc9,			  /* 1: dec ecx */
    0x75, 0xfc,			  /* jnz 1b */
    0x0f, 0x57, 0xc0,		  /* xorps xmm0, xmm0 */
    0x0f, 0x59, 0xc0,		  /* mulps xmm0, xmm0 */
    0xb8, 0x00, 0x01, 0x10, 0x00, /* mov eax, UKVM_IMAGE_BASE + 0x100 */
    0x66, 0xba, 0x00, 0x05,	  /* mov dx, UKVM_HC_PORT_BASE + UKVM_HC_EXIT */
    0xef,			  /* out dx, eax */
    0xf4,			  /* hlt */
};
_Static_assert(UKVM_IMAGE_BASE == 0x100000 && UKVM_HC_PORT_BASE + UKVM_HC_EXIT == 0x500,
	       "probe_code hard-codes these");

static int probe_fail(const char *why)
{
	fprintf(stderr, "unikvm: probe: %s\n", why);
	return 1;
}

int cmd_probe(int argc, char **argv)
{
	struct vm vm = {.kvm_fd = -1, .fd = -1, .vcpu_fd = -1};
	struct layout l = {
	    .entry = UKVM_IMAGE_BASE,
	    .nregions = 2,
	    .regions = {{UKVM_PAGE_SIZE, UKVM_IMAGE_BASE, SEG_R},
			{UKVM_IMAGE_BASE, UKVM_IMAGE_BASE + UKVM_PAGE_SIZE, SEG_R | SEG_X}}};
	struct timespec t0, t1;
	char err[512], why[700];
	int r, saved_stderr;

	(void)argv;
	if (argc > 1)
		return probe_fail("takes no arguments");
	if ((r = kvm_open(&vm, err, sizeof(err))) ||
	    (r = vm_create(&vm, PROBE_MEM, err, sizeof(err))) ||
	    (r = x86_boot_vcpu(&vm, &l, err, sizeof(err)))) {
		vm_destroy(&vm);
		return probe_fail(err);
	}
	memcpy(gmem_host(&vm.mem, UKVM_IMAGE_BASE, sizeof(probe_code)), probe_code,
	       sizeof(probe_code));

	/* The run loop's own report would be noise here: keep it quiet. */
	fflush(stderr);
	saved_stderr = dup(2);
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, 2);
		close(devnull);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	vm.timeout_ms = PROBE_LIMIT_MS;
	/* Unconfined: the guest is the built-in loop above, not an image, and
	 * this thread still needs the host afterwards (dup2, access, printf). */
	vm.seccomp = UKVM_SECCOMP_PROBE;
	r = vm_run(&vm);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	uint32_t exit_reason = vm.run->exit_reason;
	fflush(stderr);
	if (saved_stderr >= 0) {
		dup2(saved_stderr, 2);
		close(saved_stderr);
	}
	vm_destroy(&vm);

	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	int pvm = access("/sys/module/kvm_pvm", F_OK) == 0;
	if (r == 0 && ms <= PROBE_LIMIT_MS) {
		printf("unikvm: probe: /dev/kvm runs ring-0 guests (loop and SSE in %.1f ms)\n",
		       ms);
		return 0;
	}
	if (exit_reason == KVM_EXIT_INTERNAL_ERROR)
		snprintf(why, sizeof(why),
			 "/dev/kvm cannot run ring-0 SSE code (KVM internal error)%s",
			 pvm ? ": it is a software KVM (kvm_pvm)" : "");
	else if (r == 0 || ms > PROBE_LIMIT_MS)
		snprintf(why, sizeof(why),
			 "/dev/kvm runs ring-0 code in an emulator (%.0f ms for a "
			 "1M-iteration loop)%s",
			 ms, pvm ? ": it is a software KVM (kvm_pvm)" : "");
	else
		snprintf(why, sizeof(why), "the probe guest failed with status %d", r);
	return probe_fail(why);
}
