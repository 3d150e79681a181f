/*
 * The device interface: what a device of the VMM is, and the list of them.
 *
 * A device is one `struct device` in its own file under vmm/devices/,
 * beside its handlers: the hypercalls it serves, the I/O ports it owns,
 * its lines of `unikvm run --help`, the seccomp rules its handlers need on
 * the vCPU thread, and the operations the core calls in the boot order
 * (commands/run.c):
 *
 *   setup   from the run options, before /dev/kvm is opened (open host
 *           files: a bad --disk is reported the same way on every machine)
 *   start   after the VM exists and before the guest runs (wire eventfds,
 *           start device threads, which confine themselves)
 *   tick    on each watchdog tick, on the vCPU thread
 *   stop    teardown, before guest RAM goes; also after a failed setup or
 *           start, and safe to call twice
 *
 * Every operation is optional (NULL). The core walks device_list (device.c)
 * and never names a device. A hypercall or port registered twice is refused
 * at start-up (devices_register). Adding a device: docs/architecture.md,
 * "How to add a device".
 */
#ifndef UKVM_DEVICE_H
#define UKVM_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unikvm/abi.h>

struct vm;
struct run_options;
struct seccomp_rules;
struct kvm_run;

/* What a hypercall handler is called through: the dispatcher's trampoline
 * for hypercall nr (core/hypercall.c), which copies the argument struct
 * in and calls hc_<name>(). Rows are written HC_ROW(name) (hypercall.h). */
struct hc_row {
	unsigned nr;
	void (*call)(struct vm *vm, uint64_t gpa);
};

struct device {
	const char *name;
	const char *usage; /* its lines of `unikvm run --help`, or NULL */
	const struct hc_row *hypercalls;
	size_t nhypercalls;
	/* I/O ports [port_base, port_base + nports) it owns; an exit on one of
	 * them (an access its ioeventfd does not take) goes to port_exit. */
	uint16_t port_base, nports;
	void (*port_exit)(struct vm *vm, const struct kvm_run *run);

	int (*setup)(struct vm *vm, const struct run_options *o, char *err, size_t errlen);
	int (*start)(struct vm *vm, char *err, size_t errlen);
	void (*tick)(struct vm *vm);
	void (*stop)(struct vm *vm);
	/* Adds what its handlers and tick need on the vCPU thread with this
	 * VM's options (core/seccomp.h). */
	void (*seccomp_vcpu)(const struct vm *vm, struct seccomp_rules *r);
};

#define DEVICE_HYPERCALLS(rows) .hypercalls = rows, .nhypercalls = sizeof(rows) / sizeof(rows[0])

/* The devices, in the order of the boot and of --help. */
extern const struct device *const device_list[];
extern const size_t device_count;

/* Who serves each hypercall and port, built from a device list. */
struct device_map {
	const struct device *hc_owner[UKVM_HC_COUNT];
	void (*hc_call[UKVM_HC_COUNT])(struct vm *vm, uint64_t gpa);
};

/* Fills map from devs[0..n): 0, or EXIT_HOST_ERROR with the reason in err
 * if a hypercall or port is registered twice, a hypercall of the ABI list
 * has no device, or a device claims a number outside the list. */
int devices_register(struct device_map *map, const struct device *const *devs, size_t n, char *err,
		     size_t errlen);

/* device_list registered once (devices_register), or NULL with the reason
 * in err. */
const struct device_map *devices_map(char *err, size_t errlen);

/* The boot order's steps over device_list (0, or an exit status with the
 * reason printed). devices_setup also sets vm->devices to devices_map(). */
int devices_setup(struct vm *vm, const struct run_options *o);
int devices_start(struct vm *vm);
void devices_tick(struct vm *vm);
void devices_stop(struct vm *vm);
void devices_seccomp_vcpu(const struct vm *vm, struct seccomp_rules *r);
/* The device that owns port, or NULL. */
const struct device *devices_port_owner(uint16_t port);
/* Each device's usage lines, in order. */
void devices_usage(void (*put)(const char *text, void *ctx), void *ctx);

#endif
