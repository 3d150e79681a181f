/*
 * libguest's kernel side: the small Linux-ABI layer under musl.
 *
 * Built freestanding with -mno-red-zone and -mgeneral-regs-only: it runs
 * from the syscall entry and from trap stubs, where the app's vector
 * registers and red zone must survive. It calls nothing in libc.
 */
#ifndef LIBGUEST_KERNEL_H
#define LIBGUEST_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <unikvm/abi.h>

#include "hypercall.h"

#define NORETURN __attribute__((noreturn))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((uint64_t)(a)-1))

/* The boot info, copied out of the VMM's read-only page at start. */
extern struct ukvm_boot_info boot_info;
/* time.c: asks the host for its clocks once, at start */
void time_init(void);
/* TSC ticks per millisecond (the host's figure). */
uint64_t tsc_per_ms(void);

/* start.c */
NORETURN void kernel_main(const struct ukvm_boot_info *bi);

/* hypercall.c (hypercall() and the typed callers: hypercall.h) */
NORETURN void guest_exit(int status);
/* Reports a fatal signal (SIGABRT, SIGPIPE, ...) raised by the program on
 * itself; the VMM ends the run with status 128 + sig. */
NORETURN void guest_die_by_signal(int sig, const struct ukvm_cpu_state *st);

/* trap.c */
void trap_init(void);

/* apic.c: x2APIC, TSC-deadline timer */
#define APIC_TIMER_VECTOR 0xec
#define APIC_SPURIOUS_VECTOR 0xff
void apic_init(void);
void apic_eoi(void);
/* Makes sure the timer interrupts at or before the TSC value tsc (a
 * later deadline already armed moves earlier; an earlier one stays). */
void apic_timer_at(uint64_t tsc);
/* One `hlt` with interrupts on: ends at the next interrupt, or when the TSC
 * reaches tsc, whichever is first. Interrupts are off again on return. */
void cpu_halt_until(uint64_t tsc);

/* mm.c: pages of [heap_start, heap_end) */
void mm_init(void);
long mm_brk(uint64_t addr);
long mm_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off);
long mm_munmap(uint64_t addr, uint64_t len);
/* Pages for the kernel (mm_munmap gives them back): len bytes, zeroed but
 * for the first unzeroed bytes (whole pages), which the caller fills
 * before it reads them; -ENOMEM. */
long mm_alloc_kernel(uint64_t len, uint64_t unzeroed);
long mm_mremap(uint64_t old, uint64_t oldlen, uint64_t newlen, int flags, uint64_t new_addr);
uint64_t mm_free_bytes(void);

/* system.c: the soft limit of resource res (RLIMIT_*), as setrlimit left it */
uint64_t rlimit_cur(unsigned res);

/* Whether [addr, addr + len) lies inside guest RAM above page 0: the check
 * every syscall applies to a user pointer before using it. An empty range
 * is valid anywhere. */
int user_range_ok(uint64_t addr, uint64_t len);

/* Freestanding helpers (no libc inside the kernel side). */
void kmemcpy(void *dst, const void *src, size_t n);
void kmemset(void *dst, int c, size_t n);
size_t kstrlen(const char *s);

#endif
