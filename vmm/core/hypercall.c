/*
 * The hypercall table: one handler per UKVM_HC_* number (ABI header). A
 * handler copies its argument struct out of guest memory through gmem,
 * checks every field, and writes OUT fields back the same way.
 */
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <time.h>

#include "devices/blk.h"
#include "base/exit_status.h"
#include "devices/files.h"
#include "base/log.h"
#include "core/vm.h"

static void hc_exit(struct vm *vm, uint64_t gpa)
{
	struct ukvm_hc_exit a;
	if (hc_get_arg(vm, "exit", gpa, &a, sizeof(a)) < 0)
		return;
	if (a.status > 255) {
		guest_error(vm, EXIT_BAD_HYPERCALL, "exit hypercall: status %u is not 0..255",
			    a.status);
		return;
	}
	vm_stop(vm, (int)a.status);
}

static void hc_nosys(struct vm *vm, uint64_t gpa)
{
	struct ukvm_hc_nosys a;
	char where[256];
	if (hc_get_arg(vm, "nosys", gpa, &a, sizeof(a)) < 0)
		return;
	if (vm->trace_nosys)
		ukvm_err("syscall %s (%llu) is not implemented: ENOSYS, called from %s",
			 syscall_name(a.nr), (unsigned long long)a.nr,
			 describe_addr(vm, a.rip, where, sizeof(where)));
}

static void hc_clock(struct vm *vm, uint64_t gpa)
{
	struct timespec rt, mono;
	struct ukvm_hc_clock a;
	int khz = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);

	if (khz <= 0) {
		ukvm_perr("KVM_GET_TSC_KHZ");
		vm_stop(vm, EXIT_HOST_ERROR);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	a = (struct ukvm_hc_clock){
	    .tsc_khz = (uint64_t)khz,
	    .realtime_ns = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec,
	    .monotonic_ns = (uint64_t)mono.tv_sec * 1000000000u + (uint64_t)mono.tv_nsec,
	};
	if (gmem_write(&vm->mem, gpa, &a, sizeof(a)) < 0)
		guest_error(vm, EXIT_FAULT, "clock hypercall: argument at 0x%llx outside guest RAM",
			    (unsigned long long)gpa);
}

static const struct {
	const char *name;
	void (*fn)(struct vm *vm, uint64_t gpa);
} hypercalls[UKVM_HC_COUNT] = {
    [UKVM_HC_EXIT] = {"exit", hc_exit},
    [UKVM_HC_WRITEV] = {"writev", hc_writev},
    [UKVM_HC_READ] = {"read", hc_read},
    [UKVM_HC_CRASH] = {"crash", hc_crash},
    [UKVM_HC_NOSYS] = {"nosys", hc_nosys},
    [UKVM_HC_CLOCK] = {"clock", hc_clock},
    [UKVM_HC_BLK_INFO] = {"blk_info", hc_blk_info},
    [UKVM_HC_BLK_SETUP] = {"blk_setup", hc_blk_setup},
    [UKVM_HC_FS_MOUNT] = {"fs_mount", hc_fs_mount},
    [UKVM_HC_FS_OPEN] = {"fs_open", hc_fs_open},
    [UKVM_HC_FS_CLOSE] = {"fs_close", hc_fs_close},
    [UKVM_HC_FS_PREADV] = {"fs_preadv", hc_fs_preadv},
    [UKVM_HC_FS_PWRITEV] = {"fs_pwritev", hc_fs_pwritev},
    [UKVM_HC_FS_SEEK] = {"fs_seek", hc_fs_seek},
    [UKVM_HC_FS_STAT] = {"fs_stat", hc_fs_stat},
    [UKVM_HC_FS_GETDENTS] = {"fs_getdents", hc_fs_getdents},
    [UKVM_HC_FS_MKDIR] = {"fs_mkdir", hc_fs_mkdir},
    [UKVM_HC_FS_UNLINK] = {"fs_unlink", hc_fs_unlink},
    [UKVM_HC_FS_RENAME] = {"fs_rename", hc_fs_rename},
    [UKVM_HC_FS_TRUNCATE] = {"fs_truncate", hc_fs_truncate},
    [UKVM_HC_FS_FSYNC] = {"fs_fsync", hc_fs_fsync},
    [UKVM_HC_FS_ACCESS] = {"fs_access", hc_fs_access},
    [UKVM_HC_FS_READLINK] = {"fs_readlink", hc_fs_readlink},
    [UKVM_HC_RANDOM] = {"random", hc_random},
    [UKVM_HC_POLL_STDIN] = {"poll_stdin", hc_poll_stdin},
    [UKVM_HC_FS_CHMOD] = {"fs_chmod", hc_fs_chmod},
    [UKVM_HC_FS_UTIMENS] = {"fs_utimens", hc_fs_utimens},
    [UKVM_HC_FS_SYMLINK] = {"fs_symlink", hc_fs_symlink},
    [UKVM_HC_FS_LINK] = {"fs_link", hc_fs_link},
};

void hypercall_dispatch(struct vm *vm, unsigned nr, uint64_t gpa)
{
	if (nr >= UKVM_HC_COUNT || !hypercalls[nr].fn) {
		guest_error(vm, EXIT_BAD_HYPERCALL, "unknown hypercall %u (port 0x%x)", nr,
			    UKVM_HC_PORT_BASE + nr);
		return;
	}
	vm->hypercalls[nr]++;
	hypercalls[nr].fn(vm, gpa);
}

const char *hypercall_name(unsigned nr)
{
	return nr < UKVM_HC_COUNT && hypercalls[nr].name ? hypercalls[nr].name : "?";
}

int hc_get_arg(struct vm *vm, const char *name, uint64_t gpa, void *arg, size_t len)
{
	if (gmem_read(&vm->mem, gpa, arg, len) == 0)
		return 0;
	guest_error(vm, EXIT_FAULT, "%s hypercall: argument at 0x%llx outside guest RAM", name,
		    (unsigned long long)gpa);
	return -1;
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
