/*
 * The vCPU's halt count: how many times the guest has executed `hlt`, from
 * KVM's binary statistics of the vCPU ("halt_exits", Linux 5.14 and
 * later). libguest counts the halts of its own idle loop; a program with
 * several threads runs with interrupts on, so musl's a_crash() (a bare
 * `hlt`: the stack protector, malloc's checks) sleeps only until the next
 * timer interrupt and would then run on. When an interrupt lands just after
 * a 0xf4 byte in program code, libguest asks for this count: one more halt
 * than its own was the program's, and it reports the crash (docs/abi.md).
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/log.h"
#include "core/device.h"
#include "core/hypercall.h"
#include "core/seccomp.h"
#include "core/vm.h"

struct halts {
	int fd;	      /* the vCPU's statistics; -1 where KVM has none */
	uint64_t off; /* of the u64 halt_exits in it */
};

/* The offset of the u64 statistic name in the stats file fd, or 0. */
static uint64_t stat_offset(int fd, const char *name)
{
	struct kvm_stats_header h;
	uint64_t off = 0;

	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || h.num_desc > 4096 ||
	    h.name_size > 4096)
		return 0;
	size_t one = sizeof(struct kvm_stats_desc) + h.name_size;
	char *descs = malloc(one * h.num_desc);
	if (!descs)
		return 0;
	if (pread(fd, descs, one * h.num_desc, h.desc_offset) == (ssize_t)(one * h.num_desc))
		for (uint32_t i = 0; i < h.num_desc && !off; i++) {
			const struct kvm_stats_desc *d = (const void *)(descs + i * one);
			if (d->size == 1 && strnlen(d->name, h.name_size) < h.name_size &&
			    strcmp(d->name, name) == 0)
				off = (uint64_t)h.data_offset + d->offset;
		}
	free(descs);
	return off;
}

static int halts_start(struct vm *vm, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	struct halts *h = calloc(1, sizeof(*h));
	if (!h)
		return 0; /* the guest then cannot tell; nothing else needs it */
	kvm_setup_ioctls++;
	h->fd = ioctl(vm->vcpu_fd, KVM_GET_STATS_FD, NULL);
	if (h->fd >= 0 && !(h->off = stat_offset(h->fd, "halt_exits"))) {
		close(h->fd);
		h->fd = -1;
	}
	vm->halts = h;
	return 0;
}

static void halts_stop(struct vm *vm)
{
	if (!vm->halts)
		return;
	if (vm->halts->fd >= 0)
		close(vm->halts->fd);
	free(vm->halts);
	vm->halts = NULL;
}

void hc_halts(struct vm *vm, uint64_t gpa, struct ukvm_hc_halts *a)
{
	const struct halts *h = vm->halts;
	uint64_t n;

	*a = (struct ukvm_hc_halts){.ret = -ENOSYS};
	if (h && h->fd >= 0 && pread(h->fd, &n, sizeof(n), (off_t)h->off) == (ssize_t)sizeof(n))
		*a = (struct ukvm_hc_halts){.count = n, .ret = 0};
	hc_put(vm, gpa, 0, a, sizeof(*a));
}

static void halts_seccomp(const struct vm *vm, struct seccomp_rules *r)
{
	if (vm->halts && vm->halts->fd >= 0)
		ALLOW_IF(r, pread64, FD_IS(vm->halts->fd));
}

static const struct hc_row hypercalls[] = {HC_ROW(halts)};

const struct device halts_device = {
    .name = "halt count",
    DEVICE_HYPERCALLS(hypercalls),
    .start = halts_start,
    .stop = halts_stop,
    .seccomp_vcpu = halts_seccomp,
};
