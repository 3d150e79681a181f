/* The frame trap_common (boot.asm) builds on the IST stack. */
#ifndef LIBGUEST_TRAP_H
#define LIBGUEST_TRAP_H

#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap frame size");

/* 1 when the interrupted program should be preempted (boot.asm). */
int trap_dispatch(struct trap_frame *f);

#endif
