/*
 * The crash report (crash.c): a guest that died, reported on stderr with
 * RIP and its symbol, the registers and a backtrace, ending the run with
 * the status a shell user expects of a crashed program. The guest reports
 * its own crashes with the crash hypercall; the run loop reports the exits
 * that are crashes with these. core_dump.c writes the --core file.
 */
#ifndef UKVM_CRASH_H
#define UKVM_CRASH_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <unikvm/abi.h>

struct vm;

void report_internal_error(struct vm *vm);
void report_triple_fault(struct vm *vm);
void report_halted(struct vm *vm, const struct kvm_regs *r);

/* "0x1234 <main+0x10>" for addr into buf. */
const char *describe_addr(const struct vm *vm, uint64_t addr, char *buf, size_t len);

/* core_dump.c: writes an ELF core of the guest (registers s, signal sig)
 * to path. 0, or -1 with the reason printed. */
int core_write(const struct vm *vm, const char *path, const struct ukvm_cpu_state *s, int sig);

#endif
