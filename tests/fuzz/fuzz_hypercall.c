/*
 * Fuzz target: every hypercall handler, through hypercall_dispatch(), the
 * function the run loop calls, on a VM that has guest RAM and nothing else
 * (no /dev/kvm: the handlers never need it, and an ioctl on fd -1 fails
 * cleanly) and a network device with --network none (its handle checks,
 * event page and /etc calls; no socket is opened).
 *
 * Input (HC_* in inputs.h): byte 0 picks the hypercall number (any value,
 * so unknown ones too), bytes 1..4 the argument's guest address
 * (little-endian), the rest is written into guest RAM at HC_ARENA, where
 * valid-looking addresses point. Its seeds, one valid call of each
 * hypercall of the ABI list, are written by fuzz_seeds (fuzz_seeds.c).
 * Run with -close_fd_mask=3 (the console handlers write to fd 1 and 2) and
 * stdin on /dev/null (the read handler reads it).
 */
#include <stdint.h>
#include <string.h>

#include "core/gmem.h"
#include "core/device.h"
#include "core/hypercall.h"
#include "core/vm.h"
#include "devices/net.h"
#include "inputs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vm vm;
static struct net net; /* --network none: every handle checked, nothing opened */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t gpa;

	if (!vm.mem.host && gmem_init(&vm.mem, HC_MEM) < 0)
		__builtin_trap();
	if (size < HC_HEAD)
		return 0;
	memcpy(&gpa, data + 1, sizeof(gpa));
	size -= HC_HEAD;
	if (size > HC_MEM - HC_ARENA)
		size = HC_MEM - HC_ARENA;
	/* Handlers may write anywhere in RAM: each input starts from zeroes
	 * (so a crash reproduces), which is why RAM is small. */
	memset(vm.mem.host, 0, HC_MEM);
	memcpy(vm.mem.host + HC_ARENA, data + HC_HEAD, size);
	struct gmem mem = vm.mem;
	memset(&vm, 0, sizeof(vm));
	vm.mem = mem;
	vm.kvm_fd = vm.fd = vm.vcpu_fd = -1;
	vm.devices = devices_map(NULL, 0);
	struct net_policy none;
	net_policy_init(&none);
	net_init(&net, &vm, &none);
	hypercall_dispatch(&vm, data[0], gpa);
	return 0;
}
