/*
 * The device list and the walks over it (device.h). The core calls these
 * and never names a device.
 */
#include <stdio.h>

#include "base/exit_status.h"
#include "base/log.h"
#include "core/device.h"
#include "core/hypercall.h"
#include "core/vm.h"

extern const struct device system_device, console_device, clock_device, random_device, crash_device,
    core_dump_device, halts_device, blk_device, files_device, net_device;

/* In the order of the boot and of `unikvm run --help`. */
const struct device *const device_list[] = {
    &system_device,    &console_device, &clock_device, &random_device, &crash_device,
    &core_dump_device, &halts_device,	&blk_device,   &files_device,  &net_device,
};
const size_t device_count = sizeof(device_list) / sizeof(device_list[0]);

static bool ports_overlap(uint16_t a, uint16_t na, uint16_t b, uint16_t nb)
{
	return na && nb && a < b + nb && b < a + na;
}

int devices_register(struct device_map *map, const struct device *const *devs, size_t n, char *err,
		     size_t errlen)
{
	*map = (struct device_map){0};
	for (size_t i = 0; i < n; i++) {
		const struct device *d = devs[i];
		for (size_t k = 0; k < d->nhypercalls; k++) {
			unsigned nr = d->hypercalls[k].nr;
			if (nr >= UKVM_HC_COUNT || !hypercall_arg_size(nr))
				return ukvm_fail(err, errlen, EXIT_HOST_ERROR,
						 "device %s registers hypercall %u, which the "
						 "ABI list does not have",
						 d->name, nr);
			if (map->hc_owner[nr])
				return ukvm_fail(err, errlen, EXIT_HOST_ERROR,
						 "hypercall %s (%u) is registered twice: by "
						 "device %s and by device %s",
						 hypercall_name(nr), nr, map->hc_owner[nr]->name,
						 d->name);
			map->hc_owner[nr] = d;
			map->hc_call[nr] = d->hypercalls[k].call;
		}
		if (ports_overlap(d->port_base, d->nports, UKVM_HC_PORT_BASE, UKVM_HC_PORT_COUNT))
			return ukvm_fail(err, errlen, EXIT_HOST_ERROR,
					 "device %s registers ports 0x%x..0x%x, which overlap "
					 "the hypercall ports",
					 d->name, d->port_base, d->port_base + d->nports - 1);
		for (size_t j = 0; j < i; j++)
			if (ports_overlap(d->port_base, d->nports, devs[j]->port_base,
					  devs[j]->nports))
				return ukvm_fail(err, errlen, EXIT_HOST_ERROR,
						 "ports 0x%x..0x%x are registered twice: by "
						 "device %s and by device %s",
						 d->port_base, d->port_base + d->nports - 1,
						 devs[j]->name, d->name);
	}
	for (unsigned nr = 0; nr < UKVM_HC_COUNT; nr++)
		if (hypercall_arg_size(nr) && !map->hc_owner[nr])
			return ukvm_fail(err, errlen, EXIT_HOST_ERROR,
					 "hypercall %s (%u) is served by no device",
					 hypercall_name(nr), nr);
	return 0;
}

const struct device_map *devices_map(char *err, size_t errlen)
{
	static struct device_map map;
	static bool built;

	if (!built && devices_register(&map, device_list, device_count, err, errlen))
		return NULL;
	built = true;
	return &map;
}

int devices_setup(struct vm *vm, const struct run_options *o)
{
	char err[512];
	int r;

	if (!(vm->devices = devices_map(err, sizeof(err)))) {
		ukvm_err("%s", err);
		return EXIT_HOST_ERROR;
	}
	for (size_t i = 0; i < device_count; i++) {
		const struct device *d = device_list[i];
		if (d->setup && (r = d->setup(vm, o, err, sizeof(err)))) {
			ukvm_err("%s", err);
			return r;
		}
	}
	return 0;
}

int devices_start(struct vm *vm)
{
	char err[512];
	int r;

	for (size_t i = 0; i < device_count; i++) {
		const struct device *d = device_list[i];
		if (d->start && (r = d->start(vm, err, sizeof(err)))) {
			ukvm_err("%s", err);
			return r;
		}
	}
	return 0;
}

void devices_tick(struct vm *vm)
{
	for (size_t i = 0; i < device_count; i++)
		if (device_list[i]->tick)
			device_list[i]->tick(vm);
}

void devices_stop(struct vm *vm)
{
	for (size_t i = device_count; i-- > 0;)
		if (device_list[i]->stop)
			device_list[i]->stop(vm);
}

void devices_seccomp_vcpu(const struct vm *vm, struct seccomp_rules *r)
{
	for (size_t i = 0; i < device_count; i++)
		if (device_list[i]->seccomp_vcpu)
			device_list[i]->seccomp_vcpu(vm, r);
}

const struct device *devices_port_owner(uint16_t port)
{
	for (size_t i = 0; i < device_count; i++) {
		const struct device *d = device_list[i];
		if (d->nports && port >= d->port_base && port - d->port_base < d->nports)
			return d;
	}
	return NULL;
}

void devices_usage(void (*put)(const char *text, void *ctx), void *ctx)
{
	for (size_t i = 0; i < device_count; i++)
		if (device_list[i]->usage)
			put(device_list[i]->usage, ctx);
}
