/* The frame syscall_entry (boot.asm) builds on the syscall stack. */
#ifndef LIBGUEST_SYSCALL_H
#define LIBGUEST_SYSCALL_H

#include <stdint.h>

struct syscall_frame {
	uint64_t nr;
	uint64_t a1, a2, a3, a4, a5, a6; /* rdi rsi rdx r10 r8 r9 */
	uint64_t rbx, rbp, r12, r13, r14, r15;
	uint64_t rflags, rip, rsp; /* the caller's r11, rcx and stack */
};
_Static_assert(sizeof(struct syscall_frame) == 16 * 8, "syscall frame size");

long syscall_dispatch(struct syscall_frame *f);
void syscall_init(void);

/* time.c */
long sys_clock_gettime(const struct syscall_frame *f);
long sys_nanosleep(const struct syscall_frame *f);
long sys_clock_nanosleep(const struct syscall_frame *f);

#endif
