/*
 * The guest's typed hypercall callers, one per row of the ABI header's list
 * (UKVM_HYPERCALLS): hc_fs_open(&a) takes exactly the struct that the list
 * gives fs_open, so a caller cannot send the wrong one.
 */
#ifndef LIBGUEST_HYPERCALL_H
#define LIBGUEST_HYPERCALL_H

#include <unikvm/abi.h>

/* hypercall.c: the 32-bit OUT of arg's address to hypercall nr's port. */
void hypercall(unsigned nr, void *arg);

#define UKVM_HC_GUEST_CALL(nr, NAME, name, type)                                                   \
	static inline void hc_##name(struct type *a)                                               \
	{                                                                                          \
		hypercall(nr, a);                                                                  \
	}
UKVM_HYPERCALLS(UKVM_HC_GUEST_CALL)
#undef UKVM_HC_GUEST_CALL

#endif
