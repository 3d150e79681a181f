/*
 * Hypercalls on the host: the handlers' prototypes, made from the ABI
 * header's list (UKVM_HYPERCALLS), the dispatcher, and the one helper
 * layer every handler uses to reach guest memory.
 *
 * A handler is `void hc_<name>(struct vm *vm, uint64_t gpa, struct T *a)`:
 * the dispatcher has already copied the argument struct (type T from the
 * list) out of guest RAM into *a, or stopped the VM if it is not in guest
 * RAM. The handler checks every field of *a, acts, and writes its OUT
 * fields back with hc_put / HC_PUT_RET. A handler that is declared here
 * (every row of the list) and defined nowhere fails the link.
 */
#ifndef UKVM_HYPERCALL_H
#define UKVM_HYPERCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <unikvm/abi.h>

#include "base/log.h"
#include "core/device.h"

struct vm;

#define UKVM_HC_PROTOTYPE(nr, NAME, name, type)                                                    \
	void hc_##name(struct vm *vm, uint64_t gpa, struct type *a);                               \
	void hc_call_##name(struct vm *vm, uint64_t gpa);
UKVM_HYPERCALLS(UKVM_HC_PROTOTYPE)
#undef UKVM_HC_PROTOTYPE

/* A row of a device's hypercall table: HC_ROW(fs_open). */
#define HC_ROW(name)                                                                               \
	{                                                                                          \
		UKVM_HC_NUMBER_##name, hc_call_##name                                              \
	}
#define UKVM_HC_NUMBER(nr, NAME, name, type) UKVM_HC_NUMBER_##name = nr,
enum { UKVM_HYPERCALLS(UKVM_HC_NUMBER) };
#undef UKVM_HC_NUMBER

/* Serves hypercall nr with its argument at gpa: the run loop calls it for
 * a 32-bit OUT to UKVM_HC_PORT_BASE + nr. An unknown nr is a guest error. */
void hypercall_dispatch(struct vm *vm, unsigned nr, uint64_t gpa);
/* "fs_open" for UKVM_HC_FS_OPEN; "?" for a number not in the list. */
const char *hypercall_name(unsigned nr);
/* The size of hypercall nr's argument struct; 0 for a number not in the list. */
size_t hypercall_arg_size(unsigned nr);

/* A result of the helpers below, and of a handler's own helpers, that
 * means "the guest broke the ABI and the VM is stopping": it is outside
 * the -errno range (-4095..-1), so it never reads as a Linux error. */
#define HC_STOPPED (-0x10000)

/* A guest broke the ABI: prints "guest error: ..." and stops the VM with
 * status. */
void guest_error(struct vm *vm, int status, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* The host address of the guest buffer [gpa, gpa + len) that hypercall nr
 * names as `what` ("buffer", "path", ...), or NULL after stopping the VM
 * with "NAME hypercall: WHAT [gpa, +len) outside guest RAM" (EXIT_FAULT).
 * As gmem_at, len 0 is valid where a 1-byte range would be: a handler for
 * which an empty buffer may be anywhere (as on Linux) checks len first. */
void *hc_buf(struct vm *vm, unsigned nr, const char *what, uint64_t gpa, uint64_t len);

/* Translates the guest's iovec array [iov, +cnt) of hypercall nr into
 * host iovecs in out (room for UKVM_IOV_MAX), leaving empty ones out.
 * The number of host iovecs, or HC_STOPPED after a guest error (more than
 * UKVM_IOV_MAX entries: EXIT_BAD_HYPERCALL; an array or buffer outside
 * guest RAM: EXIT_FAULT). */
int hc_iovec(struct vm *vm, unsigned nr, uint64_t iov, uint32_t cnt, struct iovec *out);

/* Writes len bytes at src to the argument struct at gpa + off (an OUT
 * field; the dispatcher checked that the whole struct is in guest RAM). */
void hc_put(struct vm *vm, uint64_t gpa, size_t off, const void *src, size_t len);
/* Stores an int64_t result in the `ret` field of struct type at gpa. */
#define HC_PUT_RET(vm, gpa, type, val)                                                             \
	do {                                                                                       \
		int64_t ret_ = (val);                                                              \
		hc_put(vm, gpa, offsetof(struct type, ret), &ret_, sizeof(ret_));                  \
	} while (0)

#endif
