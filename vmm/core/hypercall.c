/*
 * The hypercall dispatcher and the helpers handlers reach guest memory
 * through (hypercall.h). Both are made from the ABI header's list: one
 * trampoline per hypercall copies the argument struct of the list's type
 * out of guest RAM and calls the handler; the table of names and sizes is
 * the list itself.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/exit_status.h"
#include "base/log.h"
#include "core/hypercall.h"
#include "core/vm.h"

static const struct {
	const char *name;
	size_t size;
} hc_info[UKVM_HC_COUNT] = {
#define UKVM_HC_INFO(nr, NAME, name, type) [nr] = {#name, sizeof(struct type)},
    UKVM_HYPERCALLS(UKVM_HC_INFO)
#undef UKVM_HC_INFO
};

/* Two rows with one number would be two case labels with one value: the
 * build fails. */
static inline void numbers_are_unique(unsigned nr)
{
	switch (nr) {
#define UKVM_HC_CASE(nr, NAME, name, type)                                                         \
	case nr:                                                                                   \
		break;
		UKVM_HYPERCALLS(UKVM_HC_CASE)
#undef UKVM_HC_CASE
	}
}

/* Copies hypercall nr's argument struct at gpa into arg: 0, or -1 after
 * stopping the VM if it is not all in guest RAM. */
static int get_arg(struct vm *vm, unsigned nr, uint64_t gpa, void *arg, size_t len)
{
	if (gmem_read(&vm->mem, gpa, arg, len) == 0)
		return 0;
	guest_error(vm, EXIT_FAULT, "%s hypercall: argument at 0x%llx outside guest RAM",
		    hc_info[nr].name, (unsigned long long)gpa);
	return -1;
}

#define UKVM_HC_TRAMPOLINE(nr, NAME, name, type)                                                   \
	void hc_call_##name(struct vm *vm, uint64_t gpa)                                           \
	{                                                                                          \
		struct type a;                                                                     \
		if (get_arg(vm, nr, gpa, &a, sizeof(a)) == 0)                                      \
			hc_##name(vm, gpa, &a);                                                    \
	}
UKVM_HYPERCALLS(UKVM_HC_TRAMPOLINE)
#undef UKVM_HC_TRAMPOLINE

void hypercall_dispatch(struct vm *vm, unsigned nr, uint64_t gpa)
{
	numbers_are_unique(nr);
	if (nr >= UKVM_HC_COUNT || !vm->devices || !vm->devices->hc_call[nr]) {
		guest_error(vm, EXIT_BAD_HYPERCALL, "unknown hypercall %u (port 0x%x)", nr,
			    UKVM_HC_PORT_BASE + nr);
		return;
	}
	vm->hypercalls[nr]++;
	vm->devices->hc_call[nr](vm, gpa);
}

const char *hypercall_name(unsigned nr)
{
	return nr < UKVM_HC_COUNT && hc_info[nr].name ? hc_info[nr].name : "?";
}

size_t hypercall_arg_size(unsigned nr)
{
	return nr < UKVM_HC_COUNT ? hc_info[nr].size : 0;
}

void guest_error(struct vm *vm, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ukvm_err("guest error: %s", msg);
	vm_stop(vm, status);
}

void *hc_buf(struct vm *vm, unsigned nr, const char *what, uint64_t gpa, uint64_t len)
{
	void *p = gmem_at(&vm->mem, gpa, len);
	if (!p)
		guest_error(vm, EXIT_FAULT, "%s hypercall: %s [0x%llx, +0x%llx) outside guest RAM",
			    hypercall_name(nr), what, (unsigned long long)gpa,
			    (unsigned long long)len);
	return p;
}

int hc_iovec(struct vm *vm, unsigned nr, uint64_t iov, uint32_t cnt, struct iovec *out)
{
	static struct ukvm_iovec giov[UKVM_IOV_MAX];
	int n = 0;

	if (cnt > UKVM_IOV_MAX) {
		guest_error(vm, EXIT_BAD_HYPERCALL, "%s hypercall: %u iovecs, at most %d",
			    hypercall_name(nr), cnt, UKVM_IOV_MAX);
		return HC_STOPPED;
	}
	if (gmem_read(&vm->mem, iov, giov, cnt * sizeof(giov[0])) < 0) {
		guest_error(vm, EXIT_FAULT,
			    "%s hypercall: iovec array at 0x%llx (%u entries) outside guest RAM",
			    hypercall_name(nr), (unsigned long long)iov, cnt);
		return HC_STOPPED;
	}
	for (uint32_t i = 0; i < cnt; i++) {
		uint64_t base = giov[i].base, len = giov[i].len; /* copied once */
		if (!len)
			continue; /* an empty buffer may be anywhere, as on Linux */
		void *p = gmem_at(&vm->mem, base, len);
		if (!p) {
			guest_error(vm, EXIT_FAULT,
				    "%s hypercall: buffer %u [0x%llx, +0x%llx) outside guest RAM",
				    hypercall_name(nr), i, (unsigned long long)base,
				    (unsigned long long)len);
			return HC_STOPPED;
		}
		out[n++] = (struct iovec){p, len};
	}
	return n;
}

void hc_put(struct vm *vm, uint64_t gpa, size_t off, const void *src, size_t len)
{
	gmem_write(&vm->mem, gpa + off, src, len); /* inside the struct the dispatcher checked */
}
