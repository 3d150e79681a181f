/*
 * bare-vmm: the baseline of the benchmarks, the least a VMM can do.
 *
 *   bare-vmm boot       create a VM and one vCPU, run to the first exit
 *   bare-vmm exits N    time N port-write exits in the guest with the TSC;
 *                       prints "exits N ns_per_exit X cycles_per_exit Y"
 *   bare-vmm blkread FILE N
 *                       the synchronous block baseline (Solo5-style): each
 *                       of N exits is one 4 KiB pread of FILE into guest
 *                       RAM on the vCPU thread, at the offsets of the block
 *                       benchmark's rand-read-4k case (blk_plan.h); prints
 *                       "blkread N mb_per_s X"
 *
 * No irqchip, no page tables, no ELF: a 16-bit guest (bare_guest.asm) at
 * guest-physical 0. Any failure prints the call that failed and exits 1.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blk_plan.h"

#define MEM_SIZE (1 << 20)
#define PORT_EXIT 0x10 /* bare_guest.asm */
#define PORT_DONE 0x11
#define TSC_AT 0x800
#define READ_AT 0x10000 /* where blkread's requests land */

extern const unsigned char bare_guest_start[], bare_guest_end[];

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int xioctl(int fd, unsigned long req, void *arg, const char *name)
{
	int r = ioctl(fd, req, arg);
	if (r < 0)
		die(name);
	return r;
}

int main(int argc, char **argv)
{
	int boot_only = argc == 2 && !strcmp(argv[1], "boot");
	int blkread = argc == 4 && !strcmp(argv[1], "blkread");
	unsigned long n = 0;
	int disk = -1;
	uint64_t disk_bytes = 0;

	if (!boot_only) {
		const char *count = argc == 3 && !strcmp(argv[1], "exits") ? argv[2]
				    : blkread				   ? argv[3]
									   : NULL;
		char *end;
		if (!count || (n = strtoul(count, &end, 10)) == 0 || *end) {
			fprintf(stderr, "usage: bare-vmm boot | bare-vmm exits N | "
					"bare-vmm blkread FILE N (N > 0)\n");
			return 2;
		}
	}
	if (blkread) {
		struct stat st;
		if ((disk = open(argv[2], O_RDONLY | O_CLOEXEC)) < 0 || fstat(disk, &st) < 0)
			die(argv[2]);
		disk_bytes = (uint64_t)st.st_size & ~((1ULL << 20) - 1);
		if (!disk_bytes) {
			fprintf(stderr, "bare-vmm: %s: smaller than 1 MiB\n", argv[2]);
			return 1;
		}
	}
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	int vm = xioctl(kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");
	uint8_t *mem =
	    mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	memcpy(mem, bare_guest_start, (size_t)(bare_guest_end - bare_guest_start));
	struct kvm_userspace_memory_region region = {.memory_size = MEM_SIZE,
						     .userspace_addr = (uintptr_t)mem};
	xioctl(vm, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");
	int vcpu = xioctl(vm, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
	int run_size = xioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
	struct kvm_run *run =
	    mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");

	struct kvm_sregs sregs;
	xioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	xioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
	struct kvm_regs regs = {.rip = 0, .rcx = n, .rflags = 2};
	xioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint32_t i = 0;;) {
		xioctl(vcpu, KVM_RUN, 0, "KVM_RUN");
		if (boot_only)
			return 0;
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "bare-vmm: unexpected exit reason %u\n", run->exit_reason);
			return 1;
		}
		if (run->io.port == PORT_DONE)
			break;
		if (blkread) {
			off_t off = (off_t)bench_offset(&bench_cases[1] /* rand-read-4k */, i++,
							disk_bytes);
			if (pread(disk, mem + READ_AT, 4096, off) != 4096)
				die("pread");
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (blkread) {
		double s =
		    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
		printf("blkread %lu mb_per_s %.1f\n", n, (double)n * 4096 / s / 1e6);
		return 0;
	}
	uint64_t tsc[2];
	memcpy(tsc, mem + TSC_AT, sizeof(tsc));
	int khz = ioctl(vcpu, KVM_GET_TSC_KHZ, 0);
	if (khz <= 0)
		die("KVM_GET_TSC_KHZ");
	double cycles = (double)(tsc[1] - tsc[0]) / (double)n;
	printf("exits %lu ns_per_exit %.1f cycles_per_exit %.0f\n", n, cycles * 1e6 / khz, cycles);
	return 0;
}
