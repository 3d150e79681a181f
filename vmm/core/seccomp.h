/*
 * The VMM's seccomp filters (libseccomp): each thread confines itself,
 * after setup and before it serves the guest, to the system calls (and
 * where it matters, the arguments) that its role needs. docs/hardening.md
 * lists every allowed call and why.
 *
 * A forbidden call traps (SECCOMP_RET_TRAP): a SIGSYS handler prints one
 * line naming the call and the thread, and ends the process with
 * EXIT_SECCOMP. Calls from a foreign architecture (int 0x80, x32) kill
 * the process at once.
 */
#ifndef UKVM_SECCOMP_FILTER_H
#define UKVM_SECCOMP_FILTER_H

#include <stddef.h>

enum ukvm_seccomp {
	UKVM_SECCOMP_KILL,  /* the default: a forbidden call ends the run */
	UKVM_SECCOMP_LOG,   /* --seccomp-log: the kernel logs it, the call goes ahead */
	UKVM_SECCOMP_OFF,   /* --no-seccomp: no filter (debugging only) */
	UKVM_SECCOMP_PROBE, /* `unikvm probe`: no filter, no warning (its guest is
			     * built in, and it needs the host afterwards) */
};

struct vm;
struct blk_disk;

/* Confines the calling thread, the vCPU thread, to what the run loop, the
 * hypercalls and the teardown after the run need with vm's options (the
 * --dir, --core and --stats calls only when given). With
 * UKVM_SECCOMP_OFF, prints a warning instead. 0, or EXIT_HOST_ERROR with
 * a one-line reason in err. */
int seccomp_confine_vcpu(const struct vm *vm, char *err, size_t errlen);

/* Confines the calling thread, the device thread of disk d, to its own
 * fds: the doorbell eventfd, the irqfd, the disk file. Same results as
 * seccomp_confine_vcpu (no warning: the vCPU thread gives it). */
int seccomp_confine_disk(enum ukvm_seccomp mode, const struct blk_disk *d, char *err,
			 size_t errlen);

#endif
