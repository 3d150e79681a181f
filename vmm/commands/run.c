/*
 * unikvm run: the boot order. The image is opened and checked before
 * /dev/kvm is touched, so a bad image is reported the same way on every
 * machine.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/exit_status.h"
#include "base/log.h"
#include "commands/commands.h"
#include "commands/options.h"
#include "core/device.h"
#include "core/hypercall.h"
#include "core/vm.h"

static double elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static void print_stats(const struct vm *vm, double setup_ms, double run_ms)
{
	fprintf(stderr, "unikvm: stats: exits %llu, hypercalls:", (unsigned long long)vm->exits);
	for (unsigned i = 0; i < UKVM_HC_COUNT; i++)
		if (hypercall_arg_size(i))
			fprintf(stderr, " %s %llu", hypercall_name((unsigned)i),
				(unsigned long long)vm->hypercalls[i]);
	fprintf(stderr, "; wake-ups %llu; setup %.1f ms, run %.1f ms; guest RAM touched %llu KiB\n",
		(unsigned long long)vm->wakeups, setup_ms, run_ms,
		(unsigned long long)(gmem_resident(&vm->mem) >> 10));
}

/* Boots img (already open; closed here) with options o and guest argv
 * gargv (gargv[0] is name); returns the exit status. */
static int run_image(const struct run_options *o, struct image *img, const char *name, char **gargv,
		     const struct timespec *t0)
{
	struct layout layout;
	struct vm vm = {.kvm_fd = -1, .fd = -1, .vcpu_fd = -1};
	struct timespec t1, t2;
	char err[512];
	int r;

	vm.img = img;
	vm.stats = o->stats;
	vm.trace_nosys = o->trace_nosys;
	vm.seccomp = o->seccomp;
	vm.timeout_ms = o->timeout_ms;
	vm.layout = &layout;
	if ((r = devices_setup(&vm, o)))
		goto out;
	uint64_t need = round_mem(img->note.min_mem);
	uint64_t mem = o->mem ? o->mem : need > DEFAULT_MEM ? need : DEFAULT_MEM;
	if (need > mem || need > UKVM_MEM_MAX) {
		if (need > UKVM_MEM_MAX)
			ukvm_err("%s: the image asks for %llu MiB of RAM; the maximum is %llu",
				 name, (unsigned long long)(need >> 20),
				 (unsigned long long)(UKVM_MEM_MAX >> 20));
		else
			ukvm_err("%s: the image asks for %llu MiB of RAM; raise --mem", name,
				 (unsigned long long)(need >> 20));
		r = EXIT_BAD_IMAGE;
		goto out;
	}
	if ((r = layout_plan(&layout, img, mem, gargv, o->env, err, sizeof(err)))) {
		ukvm_err("%s: %s", name, err);
		goto out;
	}
	if ((r = kvm_open(&vm, err, sizeof(err))) || (r = vm_create(&vm, mem, err, sizeof(err)))) {
		ukvm_err("%s", err);
		goto out;
	}
	if ((r = devices_start(&vm)))
		goto out;
	image_load(img, &vm.mem);
	layout_write(&layout, &vm, gargv, o->env, o->trace_nosys ? UKVM_BOOT_TRACE_NOSYS : 0);
	if ((r = x86_boot_vcpu(&vm, &layout, err, sizeof(err)))) {
		ukvm_err("%s", err);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r = vm_run(&vm);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	if (o->stats)
		print_stats(&vm, elapsed_ms(t0, &t1), elapsed_ms(&t1, &t2));
out:
	devices_stop(&vm); /* before guest RAM goes away */
	vm_destroy(&vm);
	image_close(img);
	if (vm_stop_signal()) {
		/* End as the signal would have ended us, like a normal command. */
		fflush(stdout);
		signal(vm_stop_signal(), SIG_DFL);
		raise(vm_stop_signal());
	}
	return r;
}

int cmd_run(int argc, char **argv)
{
	struct run_options o = {0};
	struct image img;
	struct timespec t0;
	char err[512];
	int r, first;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = run_options_parse(argc, argv, &o, false, &first)) == RUN_OPTIONS_HELP) {
		usage_print(stdout);
		return 0;
	}
	if (r)
		return r;
	if (first >= argc)
		return usage_error("run: no IMAGE given%s", "");
	char **gargv = &argv[first];
	const char *path = gargv[0];
	if (gargv[1] && !strcmp(gargv[1], "--")) {
		gargv[1] = gargv[0]; /* drop the "--": argv[0] stays the image */
		gargv++;
	}

	if ((r = image_open(&img, path, err, sizeof(err)))) {
		ukvm_err("%s: %s", path, err);
		return r;
	}
	return run_image(&o, &img, path, gargv, &t0);
}

int run_image_with_options(int argc, char **optv, struct image *img, const char *name, char **gargv)
{
	struct run_options o = {0};
	struct timespec t0;
	int r, first;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = run_options_parse(argc, optv, &o, false, &first))) {
		image_close(img);
		if (r != RUN_OPTIONS_HELP)
			return r;
		usage_print(stdout);
		return 0;
	}
	if (first < argc) {
		image_close(img);
		return usage_error("'%s' is not a run option", optv[first]);
	}
	return run_image(&o, img, name, gargv, &t0);
}
